"""Sections ``studio``, ``canvas`` and ``heatmaps``: the real main window, offscreen.

Only public API is used: ``MainWindow`` (``load``, ``canvas``, ``document``, ``frameShown``),
the training controller's ``play``/``pause``/``stop`` and its ``progress`` and
``stateChanged`` signals, ``NetworkCanvas.show_frame`` and ``FrameBuilder.build``. Projects
are written as ``.nnproj`` files (and CSV files for the wide inputs) in a temporary folder.
"""

from __future__ import annotations

import functools
import math
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from suite.common import (
    SectionResult,
    Settings,
    Table,
    Target,
    gap_statistics,
    layers_json,
    progress,
    time_steps,
    write_pixel_csv,
    write_project,
)

#: Studio training rate ÷ headless rate, per project.
STUDIO_SHARE = {"784-128-64-10/64": 0.90, "2-8-8-1/10": 0.70}
#: Largest and 99th-percentile gap of the UI thread's 10 ms timer while training (ms).
MAX_GAP_MS = 50.0
P99_GAP_MS = 20.0
#: Pause and Stop take effect within (ms).
CONTROL_LATENCY_MS = 100.0
#: Frames reaching the views per second: at most (the studio's cap).
MAX_FRAME_RATE = 31.0
#: One canvas frame (apply + render) of the big network within (ms).
CANVAS_FRAME_MS = 50.0
#: Per-neuron heatmap refreshes per second reaching the canvas during training, at least.
HEATMAP_RATE = 30.0
TICK_MS = 10


# --------------------------------------------------------------------------------------------
# Qt helpers
# --------------------------------------------------------------------------------------------


def application() -> Any:
    """The studio's QApplication (created once), with BLAS limited as the studio does."""
    from nnstudio.engine.threads import limit_blas_threads
    from nnstudio.ui.app import create_application

    limit_blas_threads()
    return create_application()


def finish_application() -> None:
    """Let the application quit once, so every training controller shuts its worker down
    (they listen to ``aboutToQuit``) before the interpreter exits."""
    from nnstudio.ui.qt import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is not None:
        QtCore.QTimer.singleShot(0, app.quit)
        app.exec()


def spin(seconds: float) -> None:
    """Run the Qt event loop for ``seconds``."""
    from nnstudio.ui.qt import QtCore

    loop = QtCore.QEventLoop()
    QtCore.QTimer.singleShot(max(0, round(seconds * 1000)), loop.quit)
    loop.exec()


def wait_for(condition: Callable[[], bool], limit: float) -> float:
    """Process events until ``condition()`` holds; return the seconds it took (or ``limit``)."""
    from nnstudio.ui.qt import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    started = time.perf_counter()
    while not condition():
        elapsed = time.perf_counter() - started
        if elapsed >= limit:
            return limit
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 2)
        time.sleep(0.0005)
    return time.perf_counter() - started


class TickRecorder:
    """A precise 10 ms timer on the UI thread that records when it fires.

    The start and the end of the recording count as ticks too, so a UI thread that is busy
    for the whole recording shows one gap as long as the recording.
    """

    def __init__(self) -> None:
        from nnstudio.ui.qt import Qt, QtCore

        self.ticks: list[float] = []
        self.timer = QtCore.QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def start(self) -> None:
        self.ticks.clear()
        self.ticks.append(time.perf_counter())
        self.timer.start()

    def stop(self) -> dict[str, float]:
        self.timer.stop()
        self.ticks.append(time.perf_counter())
        return gap_statistics(self.ticks)


@contextmanager
def studio_window(folder: Path) -> Iterator[Any]:
    """A 1280×800 main window with the default layout (settings kept in ``folder``), closed
    (its training process stopped) afterwards."""
    from nnstudio.ui.main_window import MainWindow
    from nnstudio.ui.qt import QtCore

    settings = QtCore.QSettings(str(folder / "studio.ini"), QtCore.QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, restore_layout=False)
    try:
        window.resize(1280, 800)
        window.show()
        yield window
    finally:
        close_window(window)


def show_project(window: Any, path: Path, settle: float) -> None:
    """Open the project at ``path`` in ``window`` with every live view on."""
    window.load(path)
    # The plots dock shown beside the canvas.
    window.plots_dock.show()
    window.plots_dock.raise_()
    spin(settle)
    # The first frame comes from a training process still starting: let every view take it.
    window.relay.flush()


def close_window(window: Any) -> None:
    """Close ``window`` (its training process stops) and let Qt delete it."""
    window.close_without_asking()
    window.deleteLater()
    spin(0.1)


# --------------------------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudioProject:
    """A benchmark project.

    Attributes
    ----------
    label : str
    inputs : int
        2 uses the built-in generator ``builtin``; more inputs a synthetic pixel CSV.
    hidden : tuple of (units, activation)
    outputs : int
        Classes (softmax) for a CSV; for a generator 1 (linear unit for ``plane``, sigmoid
        unit for the classification puzzles).
    batch : int
    builtin : str
        Generator of 2-input data: ``"plane"`` (regression) or e.g. ``"spiral"``.
    """

    label: str
    inputs: int
    hidden: tuple[tuple[int, str], ...]
    outputs: int
    batch: int
    builtin: str = "plane"

    def write(self, folder: Path, batches: int, *, validation: float = 0.2) -> Path:
        """Write the project (and its CSV) with ``batches`` mini-batches of training rows."""
        rows = batches * self.batch
        total = math.ceil(rows / (1.0 - validation))
        name = self.label.replace("/", "-b")
        if self.inputs == 2:
            regression = self.builtin == "plane"
            data: dict[str, Any] = {
                "builtin": self.builtin,
                "samples": total,
                "noise": 0.1,
                "seed": 1,
                "validation_fraction": validation,
            }
            if regression:
                output, loss = "identity", "mse"
            else:
                output, loss = "sigmoid", "binary_crossentropy"
        else:
            csv = write_pixel_csv(folder / f"{name}.csv", total, self.inputs, self.outputs)
            data = {
                "csv": csv.name,
                "target": ["label"],
                "task": "classification",
                "validation_fraction": validation,
            }
            output, loss = "softmax", "categorical_crossentropy"
        layers = layers_json(self.hidden, self.outputs, output)
        return write_project(folder, name, data, self.inputs, layers, loss, self.batch)


BIG_STUDIO = StudioProject("784-128-64-10/64", 784, ((128, "tanh"), (64, "relu")), 10, 64)
SMALL_STUDIO = StudioProject("2-8-8-1/10", 2, ((8, "tanh"), (8, "tanh")), 1, 10)
CANVAS_PROJECTS = (
    StudioProject("2-8-8-1", 2, ((8, "tanh"), (8, "tanh")), 1, 10),
    StudioProject("64-64-10", 64, ((64, "tanh"),), 10, 32),
    StudioProject("784-256-128-10", 784, ((256, "tanh"), (128, "relu")), 10, 64),
)
HEATMAP_PROJECT = StudioProject(
    "2-8-8-8-8-8-8-1", 2, tuple((8, "tanh") for _ in range(6)), 1, 10, builtin="spiral"
)


def headless_trainer(path: Path) -> Any:
    """The project's trainer built as the studio builds it, without any window."""
    from nnstudio.data import load_dataset
    from nnstudio.io import load_project
    from nnstudio.workflow import attach_dataset, build_network, fit_network_to_data, make_trainer

    project = load_project(path).project
    dataset = load_dataset(project.data, path.parent)
    project, _notices = fit_network_to_data(project, dataset)
    project = attach_dataset(project, dataset)
    network = build_network(project)
    return make_trainer(project, network, dataset)


def headless_rate(trainer: Any, seconds: float) -> tuple[int, float]:
    """Steps and seconds of ``trainer.step()`` in a loop (epoch-end evaluation included)."""

    def step() -> tuple[int, bool]:
        trainer.step()
        return 1, False

    with threadpool_limits(limits=1):
        rate = time_steps(step, seconds)
    return rate.plain_steps + rate.epoch_steps, rate.seconds


def gaps_beside_thread(trainer: Any, seconds: float) -> dict[str, float]:
    """UI timer gaps while ``trainer.step()`` runs in a plain thread and no view paints.

    The reference for the studio's gaps: what sharing the interpreter with a training thread
    costs the UI thread by itself.
    """
    stop = threading.Event()

    def train() -> None:
        while not stop.is_set():
            trainer.step()

    thread = threading.Thread(target=train, daemon=True)
    ticks = TickRecorder()
    with threadpool_limits(limits=1):
        thread.start()
        try:
            ticks.start()
            spin(seconds)
            gaps = ticks.stop()
        finally:
            stop.set()
            thread.join()
    return gaps


# --------------------------------------------------------------------------------------------
# studio
# --------------------------------------------------------------------------------------------


def _reports_since(reports: list[tuple[float, int]], since: float, count: int) -> bool:
    """Whether at least ``count`` progress reports came at or after ``since``."""
    return sum(t >= since for t, _step in reports) >= count


def progress_rate(reports: list[tuple[float, int]], started: float, finished: float) -> float:
    """Steps per second between the first and the last ``(time, step)`` progress report
    from ``started`` to ``finished``."""
    inside = [(t, step) for t, step in reports if started <= t <= finished]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        raise RuntimeError("the studio reported no training progress while it should train")
    return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


def train_in_window(window: Any, seconds: float, warmup: float) -> dict[str, Any]:
    """Train in ``window`` for ``warmup + seconds``; measure the last ``seconds``."""
    controller = window.controller
    steps_reported: list[tuple[float, int]] = []
    frames: list[tuple[float, Any]] = []
    states: list[str] = []

    def on_progress(report: dict) -> None:
        steps_reported.append((time.perf_counter(), int(report["step"])))

    def on_frame(frame: Any) -> None:
        frames.append((time.perf_counter(), frame))

    controller.progress.connect(on_progress)
    controller.stateChanged.connect(states.append)
    window.frameShown.connect(on_frame)
    ticks = TickRecorder()
    try:
        controller.play()
        spin(warmup)
        ticks.start()
        started = time.perf_counter()
        spin(seconds)
        finished = time.perf_counter()
        gaps = ticks.stop()

        paused_at = time.perf_counter()
        controller.pause()
        pause = wait_for(lambda: bool(states) and states[-1] == "paused", 5.0)
        controller.play()
        spin(min(0.3, seconds))
        states.clear()
        controller.stop()
        stop = wait_for(lambda: bool(states) and states[-1] == "stopped", 5.0)
    finally:
        controller.progress.disconnect(on_progress)
        controller.stateChanged.disconnect(states.append)
        window.frameShown.disconnect(on_frame)
    try:
        steps_per_second = progress_rate(steps_reported, started, paused_at)
    except RuntimeError:
        # Very slow frames: widen to every report since Play (warm-up included).
        steps_per_second = progress_rate(steps_reported, -math.inf, paused_at)
    shown = [frame for t, frame in frames if started <= t <= finished]
    heatmap_frames = [frame for frame in shown if getattr(frame, "grid", None) is not None]
    return {
        "steps_per_second": steps_per_second,
        "frames_per_second": len(shown) / (finished - started),
        "heatmap_frames_per_second": len(heatmap_frames) / (finished - started),
        "heatmap_refreshes_per_second": beat_rate(heatmap_frames),
        "pause_ms": 1000 * pause,
        "stop_ms": 1000 * stop,
        **gaps,
    }


def beat_rate(frames: list[Any]) -> float | None:
    """Distinct training moments shown per second of training time.

    Each frame carries the beat it was taken on (``Frame.beat``, the training process's
    ``time.monotonic()``); frames of a run whose studio keeps up are exactly one frame
    interval apart, and a frame the studio could not show, or a beat stretched because
    painting took too long, lengthens the span. So the rate is 30 exactly when every frame
    of the 30-a-second beat reached the view, and less otherwise, free of the jitter of
    when the frames happened to arrive. Rounded to 6 decimals: beat times are sums of
    floating-point intervals. ``None`` with fewer than two frames.
    """
    beats = [float(getattr(frame, "beat", math.nan)) for frame in frames]
    beats = [beat for beat in beats if math.isfinite(beat)]
    if len(beats) < 2 or beats[-1] <= beats[0]:
        return None
    return round((len(beats) - 1) / (beats[-1] - beats[0]), 6)


#: Slices of headless and studio training the throughput ratio alternates between.
STUDIO_SLICES = 4


def alternating_share(
    window: Any, trainer: Any, slices: int, seconds: float, warmup: float
) -> dict[str, Any]:
    """Training speed in the studio against headless, measured in alternating slices.

    Headless and studio training take turns: ``seconds`` headless (``trainer.step()`` in a
    loop, the studio paused), then the studio plays for ``warmup`` and is measured for
    ``seconds`` (from its progress signal) and paused again; ``slices`` studio slices in all,
    each between two headless ones. Each slice's ratio divides the studio's rate by the
    mean of the headless rates just before and after it, so a machine whose speed drifts
    over seconds (other load, clock changes) moves both sides alike; the share is the median
    of the slices' ratios.
    """
    controller = window.controller
    reports: list[tuple[float, int]] = []
    states: list[str] = []

    def on_progress(report: dict) -> None:
        reports.append((time.perf_counter(), int(report["step"])))

    controller.progress.connect(on_progress)
    controller.stateChanged.connect(states.append)
    headless: list[float] = []
    studio: list[float] = []
    try:
        for index in range(slices + 1):
            steps, spent = headless_rate(trainer, seconds)
            headless.append(steps / spent)
            if index == slices:
                break
            states.clear()
            controller.play()
            spin(warmup)
            started = time.perf_counter()
            spin(seconds)
            # A slow start (a cold training process, a loaded machine) may leave a short
            # slice with too few progress reports: it lasts until two have come.
            wait_for(functools.partial(_reports_since, reports, started, 2), 10.0)
            finished = time.perf_counter()
            controller.pause()
            wait_for(lambda: bool(states) and states[-1] == "paused", 5.0)
            studio.append(progress_rate(reports, started, finished))
    finally:
        controller.progress.disconnect(on_progress)
        controller.stateChanged.disconnect(states.append)
    shares = [
        rate / ((before + after) / 2)
        for rate, before, after in zip(studio, headless, headless[1:], strict=False)
    ]
    return {
        "share": float(np.median(shares)),
        "slice_shares": shares,
        "studio_steps_per_second": float(np.mean(studio)),
        "headless_steps_per_second": float(np.mean(headless)),
    }


def run_studio(settings: Settings, context: dict[str, Any]) -> SectionResult:
    """Training beside the visible studio against the same project trained headless."""
    application()
    result = SectionResult("studio")
    table = Table(
        "Training in the visible studio (all live views on) against the same project headless",
        [
            "project",
            "batches/epoch",
            "headless steps/s",
            "studio steps/s",
            "studio ÷ headless",
            "frames/s",
            "max 10 ms-timer gap (ms)",
            "p99 gap (ms)",
            "Pause (ms)",
            "Stop (ms)",
        ],
    )
    reference = Table(
        "UI timer gaps for reference (ms): the same window idle, and the same training in a "
        "plain thread while no view paints",
        ["project", "idle max", "idle p99", "thread max", "thread p99"],
    )
    selected_table = Table(
        "Training in the visible studio with a first-layer neuron selected (Properties shows "
        "its incoming weights, activation and the example's backpropagation readout)",
        ["project", "neuron", "frames/s", "max 10 ms-timer gap (ms)", "p99 gap (ms)"],
    )
    data: dict[str, Any] = {}
    batches = 10 if settings.quick else 100
    warmup = 0.2 if settings.quick else 1.0
    settle = 0.2 if settings.quick else 0.5
    reference_seconds = 0.2 if settings.quick else 2.0
    slice_count = 2 if settings.quick else STUDIO_SLICES
    slice_seconds = 0.2 if settings.quick else 1.5
    slice_warmup = 0.1 if settings.quick else 0.5
    with (
        tempfile.TemporaryDirectory(prefix="nnstudio-bench-") as folder_name,
        studio_window(Path(folder_name)) as window,
    ):
        folder = Path(folder_name)
        for project in (BIG_STUDIO, SMALL_STUDIO):
            progress(f"studio: {project.label}")
            path = project.write(folder, batches, validation=0.0 if project.inputs > 2 else 0.2)
            trainer = headless_trainer(path)
            show_project(window, path, settle)
            throughput = alternating_share(
                window, trainer, slice_count, slice_seconds, slice_warmup
            )
            measured = train_in_window(window, settings.studio_seconds, warmup)
            spin(settle)  # the stopped run's last frame is painted
            idle = TickRecorder()
            idle.start()
            spin(reference_seconds)
            idle_gaps = idle.stop()
            thread_gaps = gaps_beside_thread(trainer, reference_seconds)
            measured["idle_gaps"] = idle_gaps
            measured["thread_gaps"] = thread_gaps
            if project is BIG_STUDIO:
                measured["neuron_selected"] = _train_with_neuron_selected(
                    window, settings.studio_seconds, warmup, settle
                )
                selected = measured["neuron_selected"]
                selected_table.rows.append(
                    [
                        project.label,
                        selected["neuron"],
                        selected["frames_per_second"],
                        selected["max_gap_ms"],
                        selected["p99_gap_ms"],
                    ]
                )
                for statistic, name, limit in (
                    ("max_gap_ms", "largest", MAX_GAP_MS),
                    ("p99_gap_ms", "99th-percentile", P99_GAP_MS),
                ):
                    result.targets.append(
                        Target(
                            f"{name} UI timer gap, a neuron selected, {project.label}",
                            selected[statistic],
                            "<=",
                            limit,
                            " ms",
                        )
                    )
            reference.rows.append(
                [
                    project.label,
                    idle_gaps["max_gap_ms"],
                    idle_gaps["p99_gap_ms"],
                    thread_gaps["max_gap_ms"],
                    thread_gaps["p99_gap_ms"],
                ]
            )
            headless = throughput["headless_steps_per_second"]
            # The window's own run (gaps, frames, Pause and Stop) has a rate too; the share
            # comes from the alternating slices.
            measured["run_steps_per_second"] = measured["steps_per_second"]
            measured["steps_per_second"] = throughput["studio_steps_per_second"]
            measured["headless_steps_per_second"] = headless
            measured["share"] = throughput["share"]
            measured["slice_shares"] = throughput["slice_shares"]
            measured["batches_per_epoch"] = trainer.steps_per_epoch
            data[project.label] = measured
            table.rows.append(
                [
                    project.label,
                    trainer.steps_per_epoch,
                    headless,
                    measured["steps_per_second"],
                    f"{100 * measured['share']:.0f} %",
                    measured["frames_per_second"],
                    measured["max_gap_ms"],
                    measured["p99_gap_ms"],
                    measured["pause_ms"],
                    measured["stop_ms"],
                ]
            )
            result.targets.append(
                Target(
                    f"studio steps/s ÷ headless, {project.label}",
                    100 * measured["share"],
                    ">=",
                    100 * STUDIO_SHARE[project.label],
                    " %",
                )
            )
            result.targets.append(
                Target(
                    f"largest UI timer gap while training, {project.label}",
                    measured["max_gap_ms"],
                    "<=",
                    MAX_GAP_MS,
                    " ms",
                )
            )
            result.targets.append(
                Target(
                    f"99th-percentile UI timer gap while training, {project.label}",
                    measured["p99_gap_ms"],
                    "<=",
                    P99_GAP_MS,
                    " ms",
                )
            )
            result.targets.append(
                Target(
                    f"frames reaching the views per second, {project.label}",
                    measured["frames_per_second"],
                    "<=",
                    MAX_FRAME_RATE,
                )
            )
            for action in ("pause", "stop"):
                result.targets.append(
                    Target(
                        f"{action.capitalize()} takes effect, {project.label}",
                        measured[f"{action}_ms"],
                        "<=",
                        CONTROL_LATENCY_MS,
                        " ms",
                    )
                )
    table_note = (
        f"Throughput: {slice_count} slices of studio training ({slice_seconds:g} s each after "
        f"{slice_warmup:g} s of warm-up, steps from the controller's progress signal) "
        f"alternate with {slice_count + 1} slices of headless training (trainer.step() in a "
        f"loop on the same project, {slice_seconds:g} s each, the studio paused; epoch-end "
        "evaluation included in both); studio ÷ headless is the median over the slices of "
        "the studio's rate divided by the mean headless rate just before and after it. "
        f"Gaps and frames/s: a separate run of {settings.studio_seconds:g} s after "
        f"{warmup:g} s of warm-up, with a 10 ms PreciseTimer on the UI thread. Pause/Stop: "
        "from the call to the controller's stateChanged signal."
    )
    result.tables.append(table)
    result.tables.append(selected_table)
    result.tables.append(reference)
    result.notes.append(table_note)
    result.data = data
    return result


def _train_with_neuron_selected(
    window: Any, seconds: float, warmup: float, settle: float
) -> dict[str, Any]:
    """Gaps and frames of a run with neuron 6 of the first hidden layer selected."""
    from nnstudio.ui.selection import Selection

    window.canvas.select(Selection("neuron", 1, 5), announce=True)
    spin(settle)
    try:
        measured = train_in_window(window, seconds, warmup)
        spin(settle)
    finally:
        window.canvas.select(None, announce=True)
    measured["neuron"] = "hidden 1, neuron 6"
    return measured


# --------------------------------------------------------------------------------------------
# canvas
# --------------------------------------------------------------------------------------------


def frames_for(window: Any, count: int) -> tuple[list[Any], list[float]]:
    """``count`` frames of the window's project with different random weights, and the
    seconds each took to build (``FrameBuilder.build``, as the training process does)."""
    from nnstudio.ui.frame import FrameBuilder
    from nnstudio.workflow import build_network

    document = window.document
    builder = FrameBuilder(document.dataset)
    base = build_network(document.project).weights()
    rng = np.random.default_rng(1)
    frames, seconds = [], []
    for _ in range(count):
        weights = tuple(
            (
                W + rng.normal(0, 0.3, W.shape).astype(W.dtype),
                b + rng.normal(0, 0.3, b.shape).astype(b.dtype),
            )
            for W, b in base
        )
        network = build_network(document.project, weights)
        started = time.perf_counter()
        frames.append(builder.build(network))
        seconds.append(time.perf_counter() - started)
    return frames, seconds


def canvas_frame_times(window: Any, frames: list[Any], repeats: int) -> list[float]:
    """Seconds to apply a frame to the canvas and render it (``grab()``), per frame."""
    times = []
    canvas = window.canvas
    for index in range(repeats):
        frame = frames[index % len(frames)]
        started = time.perf_counter()
        canvas.show_frame(frame)
        canvas.grab()
        times.append(time.perf_counter() - started)
    return times


def plots_frame_times(window: Any, frames: list[Any], repeats: int) -> list[float]:
    """Seconds for the plots panel to take a frame and paint its visible tab, per frame."""
    plots = window.plots
    times = []
    for index in range(repeats):
        frame = frames[index % len(frames)]
        started = time.perf_counter()
        plots.show_frame(frame)
        plots.grab()
        times.append(time.perf_counter() - started)
    return times


def feed_frames(window: Any, frames: list[Any], seconds: float) -> dict[str, float]:
    """Send frames to the canvas at 30 per second for ``seconds``; return the timer gaps."""
    from nnstudio.ui.qt import QtCore

    counter = {"next": 0}

    def next_frame() -> None:
        window.canvas.show_frame(frames[counter["next"] % len(frames)])
        counter["next"] += 1

    feeder = QtCore.QTimer()
    feeder.setInterval(33)
    feeder.timeout.connect(next_frame)
    ticks = TickRecorder()
    feeder.start()
    ticks.start()
    spin(seconds)
    gaps = ticks.stop()
    feeder.stop()
    return {**gaps, "frames_sent": counter["next"]}


def run_canvas(settings: Settings, context: dict[str, Any]) -> SectionResult:
    """One frame on the canvas (new weights -> colours and heatmaps -> rendered widget)."""
    application()
    result = SectionResult("canvas")
    table = Table(
        "Canvas frame: apply new weights (edge colours, neuron heatmaps for 2 inputs) + grab()",
        [
            "network",
            "build frame (ms)",
            "apply + render median (ms)",
            "max (ms)",
            "plots panel (ms)",
            "max timer gap at 30 frames/s (ms)",
            "p99 gap (ms)",
        ],
    )
    data: dict[str, Any] = {}
    repeats = 5 if settings.quick else 30
    feed_seconds = 0.3 if settings.quick else 3.0
    with (
        tempfile.TemporaryDirectory(prefix="nnstudio-bench-") as folder_name,
        studio_window(Path(folder_name)) as window,
    ):
        folder = Path(folder_name)
        for project in CANVAS_PROJECTS:
            progress(f"canvas: {project.label}")
            path = project.write(folder, 10 if settings.quick else 20)
            show_project(window, path, 0.2 if settings.quick else 0.5)
            frames, build_seconds = frames_for(window, 3 if settings.quick else 6)
            times = canvas_frame_times(window, frames, repeats)
            plot_times = plots_frame_times(window, frames, repeats)
            gaps = feed_frames(window, frames, feed_seconds)
            measured = {
                "build_ms": 1000 * float(np.median(build_seconds)),
                "frame_median_ms": 1000 * float(np.median(times)),
                "frame_max_ms": 1000 * float(np.max(times)),
                "plots_median_ms": 1000 * float(np.median(plot_times)),
                "heatmaps": frames[0].grid is not None,
                **gaps,
            }
            data[project.label] = measured
            table.rows.append(
                [
                    project.label,
                    measured["build_ms"],
                    measured["frame_median_ms"],
                    measured["frame_max_ms"],
                    measured["plots_median_ms"],
                    measured["max_gap_ms"],
                    measured["p99_gap_ms"],
                ]
            )
            if project is CANVAS_PROJECTS[-1]:
                result.targets.append(
                    Target(
                        f"canvas frame (apply + render, median), {project.label}",
                        measured["frame_median_ms"],
                        "<=",
                        CANVAS_FRAME_MS,
                        " ms",
                    )
                )
            result.targets.append(
                Target(
                    f"largest UI timer gap with 30 canvas frames/s, {project.label}",
                    measured["max_gap_ms"],
                    "<=",
                    MAX_GAP_MS,
                    " ms",
                )
            )
    result.tables.append(table)
    result.notes.append(
        f"Each frame carries new random weights; apply + render is NetworkCanvas.show_frame "
        f"followed by grab() of the canvas in a 1280×800 window ({repeats} frames). Timer "
        f"gaps: a 10 ms timer while a 33 ms timer hands the canvas a new frame for "
        f"{feed_seconds:g} s (no training). 'build frame' is FrameBuilder.build, which the "
        "training process runs off the UI thread. 'plots panel': PlotsPanel.show_frame + "
        "grab() of the visible tab, for comparison (median)."
    )
    result.data = data
    return result


# --------------------------------------------------------------------------------------------
# heatmaps
# --------------------------------------------------------------------------------------------


def run_heatmaps(settings: Settings, context: dict[str, Any]) -> SectionResult:
    """Per-neuron heatmap refreshes of a 2-input network with six hidden layers of 8."""
    application()
    result = SectionResult("heatmaps")
    batches = 10 if settings.quick else 100
    repeats = 5 if settings.quick else 30
    with (
        tempfile.TemporaryDirectory(prefix="nnstudio-bench-") as folder_name,
        studio_window(Path(folder_name)) as window,
    ):
        path = HEATMAP_PROJECT.write(Path(folder_name), batches)
        show_project(window, path, 0.2 if settings.quick else 0.5)
        frames, build_seconds = frames_for(window, 3 if settings.quick else 6)
        paint_seconds = canvas_frame_times(window, frames, repeats)
        training = train_in_window(window, settings.studio_seconds, 0.2 if settings.quick else 1.0)
    build_ms = 1000 * float(np.median(build_seconds))
    paint_ms = 1000 * float(np.median(paint_seconds))
    heatmap_rate = training["heatmap_refreshes_per_second"]
    data = {
        "neurons_with_heatmaps": 2 + 6 * 8 + 1,
        "grid_points": int(frames[0].grid.size) ** 2 if frames[0].grid is not None else 0,
        "refreshes_per_second": heatmap_rate,
        "arrivals_per_second": training["heatmap_frames_per_second"],
        "build_ms": build_ms,
        "paint_ms": paint_ms,
        "refresh_capacity_per_second": 1000.0 / (build_ms + paint_ms),
        "training_steps_per_second": training["steps_per_second"],
        "max_gap_ms": training["max_gap_ms"],
        "p99_gap_ms": training["p99_gap_ms"],
    }
    result.tables.append(
        Table(
            f"Per-neuron heatmaps, {HEATMAP_PROJECT.label} ({data['neurons_with_heatmaps']} "
            f"neurons, {data['grid_points']:,} grid points each)",
            [
                "refreshes/s of training time",
                "arrivals/s",
                "compute one (ms)",
                "paint one (ms)",
                "possible refreshes/s",
                "training steps/s",
                "max timer gap (ms)",
            ],
            [
                [
                    heatmap_rate,
                    data["arrivals_per_second"],
                    build_ms,
                    paint_ms,
                    data["refresh_capacity_per_second"],
                    training["steps_per_second"],
                    training["max_gap_ms"],
                ]
            ],
        )
    )
    result.targets.append(
        Target(
            f"heatmap refreshes per second during training, {HEATMAP_PROJECT.label}",
            heatmap_rate,
            ">=",
            HEATMAP_RATE,
            " Hz",
        )
    )
    result.notes.append(
        "Refreshes: frames carrying the input-plane grid that reached the canvas "
        "(MainWindow.frameShown) while training, per second of the beats they were taken on "
        "(Frame.beat): 30 exactly when every frame of the 30-a-second beat was shown, less "
        "when frames were missed or the beat slowed down for the studio. Arrivals: the same "
        "frames per second of wall-clock time in the measured window (jitter of a frame "
        "either side of its ends included). Compute: FrameBuilder.build (probe batch and "
        "every neuron over the grid, done by the training process); paint: "
        "NetworkCanvas.show_frame + grab()."
    )
    result.data = data
    return result
