"""The training controller: background training, coalesced frames, controls and shutdown."""

from __future__ import annotations

import math
import os
import time
from dataclasses import replace

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.frame import Frame
from nnstudio.ui.training_loop import News
from nnstudio.ui.worker import (
    FRAME_INTERVAL,
    ShowSchedule,
    TrainingController,
    UiCost,
    limit_blas_threads,
)
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui


def xor_project(**training: object) -> Project:
    settings = {
        "optimizer": "adam",
        "learning_rate": 0.05,
        "batch_size": 32,
        "epochs": 300,
        **training,
    }
    return Project(
        name="XOR",
        data=BuiltinData(builtin="xor", samples=400, noise=0.1, seed=1),
        network=NetworkSpec(
            inputs=2,
            layers=(LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid")),
        ),
        loss="binary_crossentropy",
        training=TrainingSpec(**settings),  # type: ignore[arg-type]
    )


class Recorder:
    """Collects what a controller emits (on the main thread)."""

    def __init__(self, controller: TrainingController) -> None:
        self.frames: list[Frame] = []
        self.states: list[str] = []
        self.messages: list[str] = []
        self.progress: list[dict] = []
        controller.frameReady.connect(self.frames.append)
        controller.stateChanged.connect(self.states.append)
        controller.message.connect(self.messages.append)
        controller.progress.connect(self.progress.append)


@pytest.fixture
def document(qtbot) -> StudioDocument:
    doc = StudioDocument()
    doc.open_project(xor_project())
    return doc


@pytest.fixture
def recorder(controller: TrainingController) -> Recorder:
    return Recorder(controller)


def wait_state(qtbot, controller: TrainingController, state: str, timeout: int = 15000) -> None:
    qtbot.waitUntil(lambda: controller.state == state, timeout=timeout)


def latest_step(controller: TrainingController) -> int:
    frame = controller.latest_frame
    return 0 if frame is None else frame.step


def wait_settled(qtbot, controller: TrainingController, recorder: Recorder, state: str) -> None:
    """Wait for ``state`` and then for the frame showing it (a new state comes first)."""
    wait_state(qtbot, controller, state)
    step = [report for report in recorder.progress if report["state"] == state][-1]["step"]
    qtbot.waitUntil(lambda: latest_step(controller) == step, timeout=15000)


# ---- the run ---------------------------------------------------------------------------------


def test_first_frame_shows_the_untrained_network(qtbot, controller, document) -> None:
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    frame = controller.latest_frame
    assert controller.state == "idle"
    assert frame.step == 0 and frame.grid is not None
    # The document holds the initial weights, so they can be edited and saved.
    assert document.weights is not None
    for (W, _b), (W_doc, _b_doc) in zip(frame.weights, document.weights, strict=True):
        np.testing.assert_array_equal(W, W_doc)


def test_play_trains_xor_to_a_low_loss(qtbot, controller, recorder, document) -> None:
    controller.play()

    def learned() -> bool:
        frame = controller.latest_frame
        loss = None if frame is None or frame.snapshot is None else frame.snapshot.train_loss
        return loss is not None and loss < 0.1

    qtbot.waitUntil(learned, timeout=30000)
    assert "running" in recorder.states
    assert controller.state in ("running", "finished")
    # Trained weights go back to the document (what Save writes); pausing hands back the last.
    controller.pause()
    qtbot.waitUntil(lambda: controller.state in ("paused", "finished"), timeout=15000)
    qtbot.waitUntil(lambda: document.weights is controller.latest_frame.weights, timeout=15000)
    frame = controller.latest_frame
    assert frame.grad_norms.shape == (frame.grad_steps.shape[0], 2)
    assert frame.batch_losses.shape[0] == frame.grad_steps.shape[0]


@pytest.mark.slow
def test_frames_are_coalesced_and_no_gradient_norm_is_lost(qtbot, document) -> None:
    document.open_project(xor_project(epochs=100, batch_size=8))
    ctrl = TrainingController(document)
    rec = Recorder(ctrl)
    try:
        started = time.monotonic()
        ctrl.play()
        wait_state(qtbot, ctrl, "finished", timeout=60000)
        qtbot.waitUntil(lambda: latest_step(ctrl) == 100 * 40, timeout=15000)
        elapsed = time.monotonic() - started
        frame = ctrl.latest_frame
        steps = frame.step
        # At most ~30 frames a second (plus one per state change), far fewer than steps.
        assert len(rec.frames) <= elapsed / FRAME_INTERVAL + 10
        assert len(rec.frames) < steps / 3
        # Every step's gradient norms arrived although most frames were skipped.
        np.testing.assert_array_equal(frame.grad_steps, np.arange(1, steps + 1))
        assert np.isfinite(frame.grad_norms).all()
        assert rec.progress and rec.progress[-1]["step"] == steps
        assert rec.progress[-1]["epochs_total"] == 100
    finally:
        ctrl.shutdown()


def test_pause_stops_the_steps(qtbot, controller, recorder) -> None:
    controller.play()
    qtbot.waitUntil(lambda: latest_step(controller) > 0, timeout=20000)
    controller.pause()
    wait_settled(qtbot, controller, recorder, "paused")
    paused_at = latest_step(controller)
    qtbot.wait(300)
    assert latest_step(controller) == paused_at
    assert recorder.states[-1] == "paused"
    controller.toggle()
    qtbot.waitUntil(lambda: latest_step(controller) > paused_at, timeout=20000)
    controller.toggle()
    wait_state(qtbot, controller, "paused")


def test_step_advances_exactly_one_mini_batch(qtbot, controller) -> None:
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    controller.step()
    qtbot.waitUntil(lambda: latest_step(controller) == 1, timeout=15000)
    assert controller.state == "paused"
    controller.step()
    qtbot.waitUntil(lambda: latest_step(controller) == 2, timeout=15000)
    qtbot.wait(100)
    assert latest_step(controller) == 2


def test_step_epoch_runs_one_epoch(qtbot, controller) -> None:
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    controller.step_epoch()
    qtbot.waitUntil(
        lambda: controller.state == "paused" and controller.latest_frame.epoch == 1, timeout=20000
    )
    steps_per_epoch = math.ceil(320 / 32)
    assert latest_step(controller) == steps_per_epoch
    controller.step_epoch()
    qtbot.waitUntil(lambda: controller.latest_frame.epoch == 2, timeout=20000)
    wait_state(qtbot, controller, "paused")
    assert latest_step(controller) == 2 * steps_per_epoch


def test_stop_ends_the_run_and_keeps_the_weights(qtbot, controller, recorder, document) -> None:
    controller.play()
    qtbot.waitUntil(lambda: latest_step(controller) > 0, timeout=20000)
    controller.stop()
    wait_settled(qtbot, controller, recorder, "stopped")
    frame = controller.latest_frame
    assert any(message.startswith("Stopped") for message in recorder.messages)
    assert document.weights is frame.weights
    # Step starts a new run from the stopped weights and pauses after its first step, which
    # counts on from the steps those weights were trained for.
    stopped_at = frame.step
    controller.step()
    wait_state(qtbot, controller, "paused")
    qtbot.waitUntil(lambda: latest_step(controller) == stopped_at + 1, timeout=15000)
    assert controller.latest_frame.run != frame.run
    # So does Play.
    controller.stop()
    wait_state(qtbot, controller, "stopped")
    controller.play()
    wait_state(qtbot, controller, "running")
    controller.stop()
    wait_state(qtbot, controller, "stopped")


def test_reset_reinitialises_the_weights(qtbot, controller, document) -> None:
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    controller.step_epoch()
    qtbot.waitUntil(lambda: controller.latest_frame.epoch == 1, timeout=20000)
    trained = document.weights
    controller.reset_weights()
    qtbot.waitUntil(lambda: latest_step(controller) == 0, timeout=15000)
    assert controller.state == "idle"
    fresh = build_network(document.project).weights()
    for (W, _), (W_trained, _), (W_fresh, _) in zip(document.weights, trained, fresh, strict=True):
        assert not np.allclose(W, W_trained)
        np.testing.assert_array_equal(W, W_fresh)


def test_a_diverging_run_stops_with_a_message_and_finite_weights(qtbot) -> None:
    document = StudioDocument()
    document.open_project(
        Project(
            name="Housing",
            data=BuiltinData(builtin="housing", samples=200),
            network=NetworkSpec(
                1, (LayerSpec(8, "relu", init="he_normal"), LayerSpec(1, "identity"))
            ),
            loss="mse",
            training=TrainingSpec(optimizer="sgd", learning_rate=1000.0, batch_size=32),
        )
    )
    ctrl = TrainingController(document)
    rec = Recorder(ctrl)
    try:
        ctrl.play()
        wait_settled(qtbot, ctrl, rec, "diverged")
        assert rec.states[-1] == "diverged"
        assert any("diverged" in message for message in rec.messages)
        # The last finite weights were handed back with the frame that shows the end.
        assert document.weights is ctrl.latest_frame.weights
        assert all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in document.weights)
    finally:
        ctrl.shutdown()


def test_a_frame_built_before_a_run_ended_never_brings_back_its_progress(
    qtbot, controller, recorder
) -> None:
    """A frame is sent once built, so it can arrive after the news of a later state.

    Its frame is still the newest one, but its progress (a running run's step, speed and time
    left) is older than the state's: it must neither replace the state's in the same delivery
    nor come after it, or the status bar shows a run that ended as running.
    """
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    frame = controller.latest_frame
    process = controller._process
    generation = controller._generation
    states, reports = len(recorder.states), len(recorder.progress)

    def report(state: str, step: int) -> dict:
        running = state == "running"
        return {
            "epoch": 1,
            "step": step,
            "steps_per_second": 900.0 if running else 0.0,
            "epochs_total": 300,
            "eta_seconds": 4.0 if running else None,
            "state": state,
        }

    def state_news(state: str, number: int) -> News:
        # A state's news carries the number of the frame that will show it.
        return News(generation, state=state, progress=report(state, number), progress_seq=number)

    def frame_news(state: str, number: int) -> News:
        return News(
            generation,
            seq=number,
            frame=frame,
            progress=report(state, number),
            progress_seq=number,
        )

    def deliver(*news: News) -> None:
        # In this order through the receiver's mailbox, then to the main thread at once.
        for item in news:
            process.mailbox.post(item, frame if item.frame is not None else None)
        controller._collect()

    # The end and a late frame of the running run in one delivery.
    deliver(state_news("stopped", 1001), frame_news("running", 1000))
    # A new run ends; the late frame comes in a delivery of its own, then the end's frame.
    deliver(state_news("running", 1002))
    deliver(state_news("diverged", 1011))
    deliver(frame_news("running", 1010))
    deliver(frame_news("diverged", 1011))

    assert recorder.states[states:] == ["stopped", "running", "diverged"]
    shown = [(item["state"], item["step"]) for item in recorder.progress[reports:]]
    assert shown == [("stopped", 1001), ("running", 1002), ("diverged", 1011), ("diverged", 1011)]
    assert controller.state == "diverged"


def test_learning_rate_changes_while_training_runs(qtbot, document) -> None:
    document.open_project(xor_project(epochs=None, learning_rate=0.01))
    ctrl = TrainingController(document)
    try:
        ctrl.play()
        qtbot.waitUntil(lambda: latest_step(ctrl) > 20, timeout=20000)
        before = latest_step(ctrl)
        document.set_training(replace(document.project.training, learning_rate=0.002))
        qtbot.waitUntil(
            lambda: ctrl.latest_frame.snapshot.learning_rate == pytest.approx(0.002), timeout=15000
        )
        # Same run: progress was kept.
        assert ctrl.state == "running"
        assert latest_step(ctrl) >= before
    finally:
        ctrl.shutdown()


def test_changing_the_network_rebuilds_and_stops(qtbot, controller, document) -> None:
    controller.play()
    qtbot.waitUntil(lambda: latest_step(controller) > 0, timeout=20000)
    layers = len(document.project.network.layers)
    document.add_layer()
    qtbot.waitUntil(
        lambda: (
            controller.state == "idle"
            and controller.latest_frame is not None
            and len(controller.latest_frame.weights) == layers + 1
        ),
        timeout=20000,
    )
    assert latest_step(controller) == 0


def test_a_hand_edited_weight_shows_in_the_next_frame(qtbot, controller, document) -> None:
    controller.step()
    qtbot.waitUntil(lambda: latest_step(controller) == 1, timeout=15000)
    document.set_parameter(0, 1, 2, 3.25)
    qtbot.waitUntil(
        lambda: controller.latest_frame.weights[0][0][1, 2] == pytest.approx(3.25), timeout=15000
    )
    assert document.weights[0][0][1, 2] == pytest.approx(3.25)


def test_without_data_play_explains_why(qtbot, controller, recorder, document, tmp_path) -> None:
    from nnstudio.errors import NNStudioError
    from nnstudio.spec import CsvData

    with pytest.raises(NNStudioError):
        document.set_data(CsvData(csv=str(tmp_path / "missing.csv"), target=("y",)))
    # The document kept its data; break it by opening a project whose file is missing.
    project = replace(document.project, data=CsvData(csv=str(tmp_path / "gone.csv"), target=("y",)))
    document.open_project(project)
    assert document.dataset is None
    qtbot.wait(50)
    controller.play()
    assert recorder.messages and recorder.messages[-1].startswith("Cannot train")


def test_play_repeats_why_the_network_cannot_train(qtbot, controller, recorder, document) -> None:
    project = xor_project()
    weights = build_network(project).weights()
    wrong = tuple((np.zeros((W.shape[0] + 1, W.shape[1])), b) for W, b in weights)
    document.open_project(project, wrong)
    qtbot.waitUntil(lambda: bool(recorder.messages), timeout=15000)
    first = recorder.messages[-1]
    assert first.startswith("Cannot train: ") and "network cannot be built" not in first
    controller.play()
    # The same reason again, not a vaguer one.
    assert recorder.messages[-1] == first


def test_shutdown_during_training_ends_the_process_and_the_receiver(qtbot, document) -> None:
    document.open_project(xor_project(epochs=None))
    ctrl = TrainingController(document)
    ctrl.play()
    qtbot.waitUntil(lambda: latest_step(ctrl) > 0, timeout=20000)
    process = ctrl._process.process
    ctrl.shutdown()
    assert not process.is_alive()
    # It quit by itself rather than being terminated.
    assert process.exitcode == 0
    assert ctrl._thread.isFinished()
    # Commands after shutdown are ignored rather than failing.
    ctrl.play()
    ctrl.shutdown()


def test_limit_blas_threads_sets_the_environment() -> None:
    limit_blas_threads()
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert os.environ[name] == "1"


def test_step_history_views_survive_growth_and_thinning() -> None:
    from nnstudio.ui.training_loop import GrowingRows

    rows = GrowingRows(2)
    rows.extend(np.arange(20.0).reshape(10, 2))
    handed_out = rows.view()
    rows.extend(np.full((500, 2), -1.0))
    rows.thin()
    # What a frame already carries never changes under it.
    np.testing.assert_array_equal(handed_out[:, 0], np.arange(0.0, 20.0, 2.0))
    assert not handed_out.flags.writeable
    assert len(rows) == 255
    np.testing.assert_array_equal(rows.view()[:5, 0], [0.0, 4.0, 8.0, 12.0, 16.0])


def test_pixel_data_trains_in_the_background(qtbot, sample) -> None:
    document = StudioDocument()
    document.open(sample("digits"))
    ctrl = TrainingController(document)
    try:
        qtbot.waitUntil(lambda: ctrl.latest_frame is not None, timeout=20000)
        ctrl.step_epoch()
        qtbot.waitUntil(lambda: ctrl.latest_frame.epoch == 1, timeout=30000)
        frame = ctrl.latest_frame
        assert frame.grid is None and frame.line is None
        assert frame.probe_A[0].shape[1] == 64
        assert frame.predicted_labels.shape == (frame.eval_inputs.shape[0],)
    finally:
        ctrl.shutdown()


def test_refresh_shows_the_document_weights_again(qtbot, controller, document) -> None:
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    first = controller.latest_frame
    controller.refresh()
    qtbot.waitUntil(lambda: controller.latest_frame is not first, timeout=15000)
    assert controller.state == "idle"
    for (W, _b), (W_doc, _b_doc) in zip(
        controller.latest_frame.weights, document.weights, strict=True
    ):
        np.testing.assert_array_equal(W, W_doc)


def test_an_internal_error_stops_the_run_but_not_the_process(qtbot, document) -> None:
    ctrl = TrainingController(document)
    rec = Recorder(ctrl)
    try:
        qtbot.waitUntil(lambda: ctrl.latest_frame is not None, timeout=15000)
        ctrl.step()
        wait_state(qtbot, ctrl, "paused")
        # Settings the trainer cannot read make it fail inside the training process.
        ctrl._send("settings", "not a training spec")
        wait_state(qtbot, ctrl, "stopped")
        assert any("internal error" in message for message in rec.messages)
        process = ctrl._process
        # The process is still alive: the next command works (a new run, counting on from
        # the first one's step).
        ctrl.step()
        qtbot.waitUntil(lambda: ctrl.state == "paused" and latest_step(ctrl) == 2, timeout=15000)
        assert ctrl._process is process and process.process.is_alive()
    finally:
        ctrl.shutdown()


def test_a_killed_process_is_reported_and_the_next_command_starts_another(
    qtbot, controller, recorder, document
) -> None:
    controller.play()
    qtbot.waitUntil(lambda: latest_step(controller) > 0, timeout=20000)
    first = controller._process
    first.process.kill()
    wait_state(qtbot, controller, "stopped")
    assert any("ended unexpectedly" in message for message in recorder.messages)
    assert not first.process.is_alive()
    # Play starts a new process from the document's weights (the last ones handed back).
    controller.play()
    wait_state(qtbot, controller, "running")
    assert controller._process is not first and controller._process.process.is_alive()
    qtbot.waitUntil(lambda: latest_step(controller) > 0, timeout=20000)
    controller.pause()
    wait_state(qtbot, controller, "paused")


def test_the_data_set_travels_only_when_it_changed(qtbot, controller, document) -> None:
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    sent: list[tuple] = []
    original = controller._process.send

    def record(command: tuple) -> bool:
        sent.append(command)
        return original(command)

    controller._process.send = record
    document.set_parameter(0, 0, 0, 1.5)
    qtbot.waitUntil(
        lambda: controller.latest_frame.weights[0][0][0, 0] == pytest.approx(1.5), timeout=15000
    )
    loads = [command[1] for command in sent if command[0] == "load"]
    assert loads and all(request.dataset is None for request in loads)
    # New data travels with the next session.
    document.set_data(BuiltinData(builtin="xor", samples=200, noise=0.1, seed=2))
    qtbot.waitUntil(
        lambda: any(c[0] == "load" and c[1].dataset is not None for c in sent), timeout=15000
    )
    qtbot.waitUntil(lambda: controller.latest_frame.eval_inputs.shape[0] == 40, timeout=15000)


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc")
def test_the_training_process_does_not_load_qt(qtbot, controller) -> None:
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    pid = controller._process.process.pid
    with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as maps:
        libraries = maps.read()
    assert "Qt6" not in libraries and "PySide6" not in libraries
    assert "numpy" in libraries


def test_the_process_starts_without_the_main_script(monkeypatch) -> None:
    import sys
    import types
    from multiprocessing import spawn

    from nnstudio.ui.worker import _main_script_hidden

    script = types.ModuleType("__main__")
    script.__file__ = "/somewhere/studio_script.py"
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert spawn.get_preparation_data("probe")["init_main_from_path"].endswith("studio_script.py")
    with _main_script_hidden():
        data = spawn.get_preparation_data("probe")
        assert "init_main_from_path" not in data and "init_main_from_name" not in data
    # The program's main module is left as it was.
    assert sys.modules["__main__"].__file__ == "/somewhere/studio_script.py"


def test_ui_cost_is_averaged_over_recent_frames() -> None:
    # The plots take every other frame: pacing by the last frame alone would swing between
    # the dear and the cheap frames, the average is what the frames cost together.
    cost = UiCost(frames=4, window=1.0)
    assert cost.arrive(0.00, 0.000, True) is None
    assert cost.arrive(0.03, 0.030, True) == pytest.approx(0.030)
    assert cost.arrive(0.06, 0.040, True) == pytest.approx(0.020)
    for k in range(3, 12):
        # 30 ms and 10 ms frames, alternating.
        spent = cost.arrive(0.03 * k, 0.040 * (k // 2) + (0.030 if k % 2 else 0.0), True)
    assert spent == pytest.approx(0.020)


def test_ui_cost_forgets_pauses_and_gaps() -> None:
    cost = UiCost(frames=4, window=1.0)
    cost.arrive(0.0, 0.0, True)
    cost.arrive(0.1, 0.05, True)
    # Not running: the time is not the frames', and the next run starts afresh.
    assert cost.arrive(0.2, 0.06, False) is None
    assert cost.arrive(0.3, 0.07, True) is None
    assert cost.arrive(0.4, 0.08, True) == pytest.approx(0.01)
    # A gap longer than the window starts afresh too.
    assert cost.arrive(2.0, 1.0, True) is None
    assert cost.arrive(2.1, 1.002, True) == pytest.approx(0.002)


# ---- the main thread never waits for the process --------------------------------------------


def test_commands_are_written_in_order_without_waiting_for_the_reader() -> None:
    import multiprocessing
    import threading

    from nnstudio.ui.training_loop import read_command
    from nnstudio.ui.worker import CommandSender

    reader, writer = multiprocessing.Pipe(duplex=False)
    sender = CommandSender(writer)
    # Far more than a pipe holds: written synchronously, send() would wait for the reader.
    big = np.arange(4_000_000, dtype=np.float64)
    may_read = threading.Event()
    waited_in_vain: list[bool] = []
    received: list[tuple] = []

    def read() -> None:
        waited_in_vain.append(not may_read.wait(10.0))
        received.extend(read_command(reader) for _ in range(3))

    thread = threading.Thread(target=read)
    thread.start()
    sender.send(("first", big))
    sender.send(("second",))
    sender.send(("third", big[:5]))
    may_read.set()
    thread.join(30.0)
    assert waited_in_vain == [False]
    assert [command[0] for command in received] == ["first", "second", "third"]
    assert np.array_equal(received[0][1], big) and np.array_equal(received[2][1], big[:5])
    # A closed reader makes the next write fail; the sender says so and drops the rest.
    reader.close()
    sender.send(("lost", big))
    sender.finish()
    assert sender.wait(10.0)
    assert sender.failed
    writer.close()


def test_a_hidden_layer_edit_checks_only_the_first_examples(
    qtbot, controller, recorder, document, monkeypatch
) -> None:
    from nnstudio.ui import worker

    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    checked: list[int] = []
    original = worker.make_trainer

    def record(project, network, dataset):
        checked.append(dataset.n_train)
        return original(project, network, dataset)

    monkeypatch.setattr(worker, "make_trainer", record)
    whole = document.dataset.n_train
    assert whole > worker._CHECK_ROWS
    document.change_units(0, 2)
    qtbot.waitUntil(lambda: len(checked) == 1, timeout=15000)
    # The whole set passed when the project opened; a hidden layer does not change that.
    assert checked == [worker._CHECK_ROWS]
    document.set_training(replace(document.project.training, learning_rate=0.01))
    qtbot.waitUntil(lambda: len(checked) == 2, timeout=15000)
    assert checked[-1] == worker._CHECK_ROWS
    # What the whole-set checks depend on: the precision, the output layer, the data.
    document.set_training(replace(document.project.training, dtype="float64"))
    qtbot.waitUntil(lambda: len(checked) == 3, timeout=15000)
    assert checked[-1] == whole
    output = document.project.network.output
    assert document.set_layer(1, replace(output, bias_init=0.5))
    qtbot.waitUntil(lambda: len(checked) == 4, timeout=15000)
    assert checked[-1] == whole
    document.set_data(replace(document.project.data, seed=5))
    qtbot.waitUntil(lambda: len(checked) == 5, timeout=15000)
    assert checked[-1] == document.dataset.n_train
    assert not [m for m in recorder.messages if m.startswith("Cannot train")]


def test_a_value_too_large_in_a_late_row_still_stops_float32(
    qtbot, controller, recorder, document, tmp_path
) -> None:
    from nnstudio.spec import CsvData

    rows = [f"{i % 7 / 7:.3f},{i % 5 / 5:.3f},{i % 2}" for i in range(600)]
    rows[-1] = "1e39,0.5,1"
    (tmp_path / "late.csv").write_text("x1,x2,y\n" + "\n".join(rows) + "\n")
    project = replace(
        xor_project(dtype="float64"),
        data=CsvData(csv=str(tmp_path / "late.csv"), target=("y",), standardize=False),
    )
    document.open_project(project)
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    document.change_units(0, 1)
    qtbot.wait(100)
    assert not [m for m in recorder.messages if m.startswith("Cannot train")]
    document.set_training(replace(document.project.training, dtype="float32"))
    qtbot.waitUntil(
        lambda: any("float32" in m for m in recorder.messages if m.startswith("Cannot train")),
        timeout=15000,
    )


def test_a_large_data_set_is_checked_in_a_thread_and_a_late_problem_still_stops_training(
    qtbot, controller, recorder, document, tmp_path, monkeypatch
) -> None:
    import threading

    from nnstudio.spec import CsvData
    from nnstudio.ui import worker

    monkeypatch.setattr(worker, "_BACKGROUND_CHECK_VALUES", 1)  # every set counts as large
    monkeypatch.setattr(worker, "_CHECK_ROWS", 2)  # the late row stays out of the first ones
    checks: list[tuple[str, int]] = []
    original = worker.make_trainer

    def record(project, network, dataset):
        checks.append((threading.current_thread().name, dataset.n_train))
        return original(project, network, dataset)

    monkeypatch.setattr(worker, "make_trainer", record)
    rows = [f"{i % 7 / 7:.3f},{i % 5 / 5:.3f},{i % 2}" for i in range(600)]
    rows[-1] = "1e39,0.5,1"  # fits float64, not float32
    (tmp_path / "late.csv").write_text("x1,x2,y\n" + "\n".join(rows) + "\n")
    project = replace(
        xor_project(dtype="float64"),
        data=CsvData(csv=str(tmp_path / "late.csv"), target=("y",), standardize=False),
    )
    document.open_project(project)
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    whole = document.dataset.n_train
    qtbot.waitUntil(lambda: ("data-check", whole) in checks, timeout=15000)
    # The window's thread built its trainer on the first examples only.
    assert ("MainThread", whole) not in checks
    assert ("MainThread", worker._CHECK_ROWS) in checks
    qtbot.waitUntil(lambda: controller._checked is not None, timeout=15000)

    # float32: the first examples pass, the whole set does not, and training cannot start.
    checks.clear()
    document.set_training(replace(document.project.training, dtype="float32"))
    qtbot.waitUntil(lambda: controller._failed_check is not None, timeout=15000)
    assert any("float32" in m for m in recorder.messages if m.startswith("Cannot train"))
    assert ("MainThread", worker._CHECK_ROWS) in checks and ("data-check", whole) in checks
    recorder.messages.clear()
    controller.play()
    assert controller.state != "running"
    assert [m for m in recorder.messages if m.startswith("Cannot train")]
    # A later edit that leaves the data checks' inputs alone knows the verdict at once.
    checks.clear()
    recorder.messages.clear()
    document.change_units(0, 1)
    qtbot.waitUntil(lambda: bool(recorder.messages), timeout=15000)
    assert any("float32" in m for m in recorder.messages if m.startswith("Cannot train"))
    assert not [name for name, _rows in checks if name == "data-check"]


def test_one_slow_frame_does_not_space_out_the_next_as_if_every_frame_were_slow() -> None:
    # Frames took 15 ms from arrival to painted; one took 100 ms (a garbage collection, say).
    cost = UiCost(frames=4, window=1.0)
    for k in range(4):
        cost.arrive(0.033 * k, 0.015 * k, True)
        wall = cost.painted(0.015)
    assert wall == pytest.approx(0.015)
    cost.arrive(0.033 * 4, 0.015 * 4, True)
    # Not 100 ms (which at a 75 % share would space frames 133 ms apart instead of 33), nor
    # the mean of 36 ms (48 ms apart).
    assert cost.painted(0.100) == pytest.approx(0.015)


def test_frames_that_are_slow_every_time_set_the_paint_time() -> None:
    cost = UiCost(frames=4, window=1.0)
    for k in range(4):
        cost.arrive(0.033 * k, 0.015 * k, True)
        wall = cost.painted(0.015)
    for k in range(4, 7):
        cost.arrive(0.033 * k, 0.015 * k, True)
        wall = cost.painted(0.040)
    # Three of the last four frames took 40 ms: so will the next.
    assert wall == pytest.approx(0.040)


# ---- running frames are shown on their beats ----------------------------------------------


def take_all(schedule: ShowSchedule, arrivals: list[tuple[str, float, float]]) -> list:
    """Feed ``(item, beat, arrival)`` and poll every millisecond: ``[(item, shown at)]``."""
    shown = []
    pending = sorted(arrivals, key=lambda arrival: arrival[2])
    now = 0.0
    while pending or len(schedule):
        while pending and pending[0][2] <= now:
            item, beat, _arrived = pending.pop(0)
            schedule.add(item, beat, now)
        item = schedule.take_due(now)
        if item is not None:
            shown.append((item, round(now, 3)))
        now = round(now + 0.001, 3)
    return shown


def test_frames_arriving_together_are_shown_as_evenly_as_they_were_taken() -> None:
    beat = 1 / 30
    schedule = ShowSchedule(delay=beat, min_gap=beat / 2)
    # Taken a beat apart, the first two arrived 40 and 5 ms after their beats (together).
    shown = take_all(schedule, [("a", 1.0, 1.040), ("b", 1.0 + beat, 1.045), ("c", 1.1, 1.105)])
    assert [item for item, _at in shown] == ["a", "b", "c"]
    # The late one at once; the others a beat after their own beats.
    assert [at for _item, at in shown] == [1.040, 1.067, 1.134]


def test_a_late_frame_leaves_the_next_one_room() -> None:
    beat = 1 / 30
    schedule = ShowSchedule(delay=beat, min_gap=0.015)
    # "a" arrived 60 ms after its beat, "b" 2 ms after it: b still waits for its gap.
    shown = take_all(schedule, [("a", 1.0, 1.060), ("b", 1.0 + beat, 1.062)])
    assert shown == [("a", 1.060), ("b", 1.075)]


def test_a_frame_taken_late_pushes_the_next_one_back() -> None:
    schedule = ShowSchedule(delay=0.030, min_gap=0.015)
    schedule.add("a", 1.0, 1.005)
    schedule.add("b", 1.01, 1.010)
    assert schedule.wait(1.010) == pytest.approx(0.020)
    assert schedule.take_due(1.029) is None
    # The user interface was busy until 1.050: b, due at 1.040, now waits for its gap.
    assert schedule.take_due(1.050) == "a"
    assert schedule.wait(1.050) == pytest.approx(0.015)
    assert schedule.take_due(1.060) is None
    assert schedule.take_due(1.065) == "b"
    assert schedule.wait(1.065) is None


def test_a_beat_off_the_clock_never_holds_a_frame_longer_than_the_delay() -> None:
    schedule = ShowSchedule(delay=0.030, min_gap=0.015)
    schedule.add("future", 1e9, 5.0)
    assert schedule.wait(5.0) == pytest.approx(0.030)
    schedule.add("unknown", math.nan, 5.001)
    assert schedule.clear() == ["future", "unknown"]
    assert len(schedule) == 0 and schedule.wait(5.0) is None
    # After clearing, the next frame owes nothing to the ones dropped: it is late, so now.
    schedule.add("next", 4.9, 5.002)
    assert schedule.take_due(5.002) == "next"


def test_running_frames_reach_the_views_a_beat_behind_their_beats(qtbot, document) -> None:
    document.open_project(xor_project(epochs=100_000))
    ctrl = TrainingController(document)
    shown: list[tuple[float, float, str]] = []
    ctrl.frameReady.connect(lambda frame: shown.append((time.monotonic(), frame.beat, ctrl.state)))
    try:
        qtbot.waitUntil(lambda: ctrl.latest_frame is not None, timeout=15000)
        ctrl.play()
        qtbot.waitUntil(
            lambda: sum(state == "running" for *_t, state in shown) >= 12, timeout=30000
        )
        ctrl.pause()
        wait_state(qtbot, ctrl, "paused")
    finally:
        ctrl.shutdown()
    running = [(at, beat) for at, beat, state in shown if state == "running"]
    # Never before the beat plus the delay (a 2 ms margin for the timer's rounding), and
    # never two within the minimum gap: the views take every frame in turn.
    assert all(at >= beat + FRAME_INTERVAL - 0.002 for at, beat in running)
    gaps = np.diff([at for at, _beat in running])
    assert gaps.min() >= FRAME_INTERVAL / 2 - 0.002


def test_running_frames_arriving_together_are_all_shown_in_order(
    qtbot, controller, recorder
) -> None:
    """Two frames can reach the studio before the main thread takes its mail (it was busy
    painting); the mailbox used to keep only the newest, and the beat showed a gap."""
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
    base = controller.latest_frame
    process, generation = controller._process, controller._generation
    controller._state = "running"  # as a running run's news would have set it
    now = time.monotonic()
    frames = [replace(base, beat=now - 0.040 + k * FRAME_INTERVAL) for k in range(3)]
    for number, frame in enumerate(frames, start=1000):
        process.mailbox.post(News(generation, seq=number, frame=frame), frame)
    before = len(recorder.frames)
    controller._collect()
    qtbot.waitUntil(lambda: len(recorder.frames) - before == 3, timeout=2000)
    assert [frame.beat for frame in recorder.frames[before:]] == [f.beat for f in frames]


def test_paint_times_are_forgotten_with_pauses() -> None:
    cost = UiCost(frames=4, window=1.0)
    cost.arrive(0.0, 0.0, True)
    cost.painted(0.200)
    # A paused frame's time is its own and is not remembered.
    cost.arrive(0.1, 0.0, False)
    assert cost.painted(0.050) == pytest.approx(0.050)
    cost.arrive(0.2, 0.0, True)
    assert cost.painted(0.010) == pytest.approx(0.010)
