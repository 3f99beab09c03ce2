"""Is the studio smooth while it trains?

Opens the real main window offscreen, starts training and measures, on the UI thread:

- the longest single event the UI thread handles (target: < 50 ms: the UI never blocks
  longer), and the largest gap between ticks of a 5 ms timer (several events in a row, plus
  waits for Python's interpreter lock while the worker computes),
- how many frames reach the views per second (target: <= 30),
- how long Pause and Stop take to show in the controller's state (target: < 100 ms),
- the training rate (steps per second) the worker keeps up next to the UI,
- how long one canvas + plots update takes for a large 784-256-128-10 network (target: < 33 ms).

Run: ``python benchmarks/bench_studio.py [--seconds 5]``. Prints a table and exits non-zero
when a target is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from nnstudio.ui.worker import limit_blas_threads  # noqa: E402

limit_blas_threads()

from nnstudio.ui.main_window import MainWindow  # noqa: E402
from nnstudio.ui.qt import QtCore, QtWidgets  # noqa: E402


class TimedApplication(QtWidgets.QApplication):
    """Records how long each top-level event takes on the UI thread."""

    def __init__(self, argv: list[str]):
        super().__init__(argv)
        self.depth = 0
        self.longest = 0.0

    def notify(self, receiver, event):
        self.depth += 1
        started = time.perf_counter()
        try:
            return super().notify(receiver, event)
        finally:
            self.depth -= 1
            if self.depth == 0:
                self.longest = max(self.longest, time.perf_counter() - started)


def _spin(app, seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.001)


def _wait_for_state(app, controller, states: set[str], limit: float = 2.0) -> float:
    start = time.perf_counter()
    while controller.state not in states and time.perf_counter() - start < limit:
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 1)
    return time.perf_counter() - start


def measure_training(app, project: Path, seconds: float) -> dict[str, float]:
    """Train ``project`` in the window for ``seconds`` and measure the UI thread."""
    settings = QtCore.QSettings(
        str(Path(tempfile.mkdtemp()) / "bench.ini"), QtCore.QSettings.Format.IniFormat
    )
    window = MainWindow(settings=settings, restore_layout=False)
    window.resize(1280, 800)
    window.show()
    window.document.open(project)
    # Train without an epoch limit so the run cannot finish before the measurements end.
    training = window.document.project.training
    window.document.set_training(dataclasses.replace(training, epochs=None))
    _spin(app, 0.5)

    ticks: list[float] = []
    timer = QtCore.QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    frames = 0

    def count(_frame: object) -> None:
        nonlocal frames
        frames += 1

    window.controller.frameReady.connect(count)
    app.longest = 0.0
    timer.start()
    start_step = (
        window.controller.latest_frame.snapshot.step if window.controller.latest_frame else 0
    )
    window.controller.play()
    started = time.perf_counter()
    _spin(app, seconds)
    elapsed = time.perf_counter() - started
    longest_event = app.longest
    frame = window.controller.latest_frame
    steps = (frame.snapshot.step if frame and frame.snapshot else 0) - start_step

    window.controller.pause()
    pause_latency = _wait_for_state(app, window.controller, {"paused"})
    window.controller.play()
    _spin(app, 0.3)
    window.controller.stop()
    stop_latency = _wait_for_state(app, window.controller, {"stopped", "idle", "finished"})
    timer.stop()
    gaps = np.diff(np.asarray(ticks)) if len(ticks) > 1 else np.array([0.0])
    window.shutdown()
    window.deleteLater()
    return {
        "longest UI event (ms)": 1000 * longest_event,
        "max UI timer gap (ms)": 1000 * float(gaps.max()),
        "p99 UI timer gap (ms)": 1000 * float(np.percentile(gaps, 99)),
        "frames per second": frames / elapsed,
        "training steps per second": steps / elapsed,
        "pause latency (ms)": 1000 * pause_latency,
        "stop latency (ms)": 1000 * stop_latency,
    }


def large_network_project(folder: Path) -> Path:
    """A 784-256-128-10 classifier on random 28x28 'images' (2,000 rows)."""
    import json

    rng = np.random.default_rng(0)
    n, features = 2000, 784
    X = rng.random((n, features)).round(3)
    y = rng.integers(0, 10, n)
    header = ",".join([f"p{i}" for i in range(features)] + ["digit"])
    rows = "\n".join(",".join(map(str, row)) + f",{label}" for row, label in zip(X, y, strict=True))
    (folder / "large.csv").write_text(header + "\n" + rows + "\n", encoding="utf-8")
    project = {
        "nnstudio": 1,
        "name": "784-256-128-10",
        "data": {"csv": "large.csv", "target": ["digit"], "task": "classification"},
        "network": {
            "inputs": features,
            "layers": [
                {"units": 256, "activation": "relu", "init": "he_normal"},
                {"units": 128, "activation": "relu", "init": "he_normal"},
                {"units": 10, "activation": "softmax", "init": "xavier_normal"},
            ],
        },
        "loss": "categorical_crossentropy",
        "training": {"optimizer": "adam", "learning_rate": 0.001, "batch_size": 64, "epochs": 50},
    }
    path = folder / "large.nnproj"
    path.write_text(json.dumps(project), encoding="utf-8")
    return path


def measure_view_update(app, project: Path, repeats: int = 20) -> dict[str, float]:
    """Time pushing one training frame to the canvas and the plots."""
    settings = QtCore.QSettings(
        str(Path(tempfile.mkdtemp()) / "bench.ini"), QtCore.QSettings.Format.IniFormat
    )
    window = MainWindow(settings=settings, restore_layout=False)
    window.resize(1280, 800)
    window.show()
    window.document.open(project)
    window.controller.step_epoch()
    _wait_for_state(app, window.controller, {"paused", "idle", "stopped", "finished"}, 30)
    _spin(app, 0.5)
    frame = window.controller.latest_frame
    canvas_times, plot_times = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        window.canvas.show_frame(frame)
        window.canvas.viewport().repaint()
        canvas_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        window.plots.show_frame(frame)
        app.processEvents()
        plot_times.append(time.perf_counter() - start)
    window.shutdown()
    window.deleteLater()
    return {
        "canvas update + paint (ms)": 1000 * float(np.median(canvas_times)),
        "plots update (ms)": 1000 * float(np.median(plot_times)),
    }


TARGETS = {
    "longest UI event (ms)": ("<", 50.0),
    "frames per second": ("<=", 31.0),
    "pause latency (ms)": ("<", 100.0),
    "stop latency (ms)": ("<", 100.0),
    "canvas update + paint (ms)": ("<", 33.0),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="training time per run")
    args = parser.parse_args()
    app = TimedApplication([sys.argv[0]])
    app.setStyle("Fusion")
    results: dict[str, dict[str, float]] = {}
    results["spiral (2-16-16-1)"] = measure_training(
        app, REPO / "samples/spiral.nnproj", args.seconds
    )
    results["digits (64-32-10)"] = measure_training(
        app, REPO / "samples/digits.nnproj", args.seconds
    )
    with tempfile.TemporaryDirectory() as folder:
        large = large_network_project(Path(folder))
        results["784-256-128-10"] = measure_training(app, large, args.seconds)
        results["784-256-128-10"].update(measure_view_update(app, large))
    failed = False
    for name, values in results.items():
        print(f"\n{name}")
        for key, value in values.items():
            verdict = ""
            if key in TARGETS:
                op, limit = TARGETS[key]
                ok = value < limit if op == "<" else value <= limit
                verdict = f"  target {op} {limit:g}: {'ok' if ok else 'MISSED'}"
                failed |= not ok
            print(f"  {key:<28} {value:10.1f}{verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
