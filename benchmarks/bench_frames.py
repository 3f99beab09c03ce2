"""Measure how long a frame takes to build and how fast the studio trains in the background.

Run from the repository root::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_frames.py

Prints, for a few network sizes, the time of ``FrameBuilder.build`` and of
``make_frame``, the trainer's bare step rate, and the step and frame rates reached through
the :class:`~nnstudio.ui.worker.TrainingController` (which adds frames at up to ~30 per
second), alone and with a plots panel painting every frame, so the cost of the live views
can be read off directly. This is a measurement, not a test.
"""

from __future__ import annotations

import os
import sys
import time
from functools import partial

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

from nnstudio.data import load_dataset  # noqa: E402
from nnstudio.spec import (  # noqa: E402
    BuiltinData,
    LayerSpec,
    NetworkSpec,
    Project,
    TrainingSpec,
)
from nnstudio.ui.frame import FrameBuilder, make_frame  # noqa: E402
from nnstudio.workflow import build_network, make_trainer  # noqa: E402

CASES: dict[str, tuple[int, ...]] = {
    "2-4-1 (xor)": (4,),
    "2-16-16-1": (16, 16),
    "2-128-128-128-1": (128, 128, 128),
}


def project_for(hidden: tuple[int, ...]) -> Project:
    """A circles classifier with the given hidden widths."""
    return Project(
        name="bench",
        data=BuiltinData(builtin="circles", samples=1000, seed=1),
        network=NetworkSpec(
            inputs=2,
            layers=(*(LayerSpec(units, "tanh") for units in hidden), LayerSpec(1, "sigmoid")),
        ),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=None),
    )


def seconds_per_call(function, repeats: int) -> float:
    """Average wall time of ``function()`` over ``repeats`` calls (after one warm-up)."""
    function()
    started = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - started) / repeats


def bare_step_rate(project: Project, seconds: float = 1.5) -> float:
    """Trainer steps per second without any frames."""
    dataset = load_dataset(project.data, ".")
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    steps = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        trainer.step()
        steps += 1
    return steps / (time.perf_counter() - started)


def controller_step_rate(
    project: Project, seconds: float = 3.0, *, with_plots: bool = False
) -> tuple[float, float]:
    """Steps and frames per second through the background controller.

    With ``with_plots`` a 1280×800 plots panel (Output tab) paints every frame, as in the
    studio.
    """
    from nnstudio.ui.document import StudioDocument
    from nnstudio.ui.plots import PlotsPanel
    from nnstudio.ui.qt import QtWidgets
    from nnstudio.ui.worker import TrainingController

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv[:1])
    document = StudioDocument()
    document.open_project(project)
    controller = TrainingController(document)
    frames: list[object] = []
    controller.frameReady.connect(frames.append)
    panel = None
    if with_plots:
        panel = PlotsPanel()
        panel.resize(1280, 800)
        panel.set_context(document.project, document.dataset)
        panel.tabs.setCurrentWidget(panel.output_tab)
        panel.show()
        controller.frameReady.connect(panel.show_frame)
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:
        app.processEvents()
    frames.clear()
    controller.play()
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        app.processEvents()
        time.sleep(0.002)
    elapsed = time.monotonic() - started
    step = controller.latest_frame.step if controller.latest_frame is not None else 0
    controller.shutdown()
    if panel is not None:
        panel.close()
    return step / elapsed, len(frames) / elapsed


def main() -> None:
    print(
        f"{'network':<20} {'build':>9} {'make_frame':>11} {'bare steps/s':>13} "
        f"{'studio steps/s':>15} {'frames/s':>9} {'with plots':>11} {'frames/s':>9}"
    )
    for label, hidden in CASES.items():
        project = project_for(hidden)
        dataset = load_dataset(project.data, ".")
        network = build_network(project)
        builder = FrameBuilder(dataset)
        build = seconds_per_call(partial(builder.build, network), 30)
        one_shot = seconds_per_call(partial(make_frame, network, dataset), 10)
        bare = bare_step_rate(project)
        studio, frames = controller_step_rate(project)
        plotted, plotted_frames = controller_step_rate(project, with_plots=True)
        print(
            f"{label:<20} {build * 1e3:>7.2f}ms {one_shot * 1e3:>9.2f}ms {bare:>13.0f} "
            f"{studio:>15.0f} {frames:>9.1f} {plotted:>11.0f} {plotted_frames:>9.1f}"
        )


if __name__ == "__main__":
    main()
