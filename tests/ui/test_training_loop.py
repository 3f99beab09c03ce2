"""The training process's loop, driven in-process through plain queues (no Qt, no process)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.engine.trainer import History
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui import training_loop
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.ui.training_loop import (
    CONSTANT_FIELDS,
    ChannelClosed,
    FrameAssembler,
    News,
    SessionRequest,
    TrainingLoop,
)
from nnstudio.workflow import build_network, make_trainer

WAIT = 20.0


def xor_project(**training: object) -> Project:
    settings = {"optimizer": "adam", "learning_rate": 0.05, "batch_size": 32, "epochs": 50}
    settings.update(training)
    return Project(
        name="XOR",
        data=BuiltinData(builtin="xor", samples=400, noise=0.1, seed=1),
        network=NetworkSpec(inputs=2, layers=(LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(**settings),  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(xor_project().data, ".")


class Harness:
    """A loop in a thread, commands in a queue, news collected and made whole."""

    def __init__(self) -> None:
        self.commands: queue.Queue = queue.Queue()
        self.outbox: queue.Queue = queue.Queue()
        self.news: list[News] = []
        self.frames: list[Frame] = []
        self.assembler = FrameAssembler()
        self.closed = False
        self.failing_sends = 0
        self.failing_frames = 0
        self.loop = TrainingLoop(self._receive, self._send)
        self.thread = threading.Thread(target=self.loop.run, daemon=True)
        self.thread.start()

    def _receive(self, timeout: float | None) -> Any:
        if self.closed:
            raise ChannelClosed
        try:
            if timeout is None:
                return self.commands.get()
            return self.commands.get(timeout=timeout) if timeout > 0 else self.commands.get_nowait()
        except queue.Empty:
            return None

    def _send(self, news: News) -> None:
        if self.failing_sends:
            self.failing_sends -= 1
            raise RuntimeError("pipe exploded")
        if self.failing_frames and news.frame is not None:
            self.failing_frames -= 1
            raise RuntimeError("frame lost in the pipe")
        self.outbox.put(news)

    def send(self, *command: Any) -> None:
        self.commands.put(command)

    def load(self, project: Project, dataset_id: int, dataset: Dataset | None, generation=1):
        weights = build_network(project).weights()
        request = SessionRequest(generation, project, weights, dataset_id, dataset)
        self.send("load", request)

    def wait_for(self, predicate: Callable[[News], bool], timeout: float = WAIT) -> News:
        """Collect news until one satisfies ``predicate``; return it."""
        while True:
            news = self.outbox.get(timeout=timeout)
            self.news.append(news)
            frame = self.assembler.add(news)
            if frame is not None:
                self.frames.append(frame)
            if predicate(news):
                return news

    def wait_state(self, state: str) -> News:
        """The news of a new state (it comes before the frame that shows it)."""
        return self.wait_for(lambda news: news.state == state)

    def wait_frame(self, state: str) -> News:
        """The news of the next frame taken in ``state``."""
        return self.wait_for(
            lambda news: news.frame is not None and news.progress["state"] == state
        )

    def messages(self) -> list[str]:
        return [news.message for news in self.news if news.message]

    def quit(self) -> None:
        self.send("quit")
        self.thread.join(WAIT)
        assert not self.thread.is_alive()


@pytest.fixture
def harness() -> Iterator[Harness]:
    running = Harness()
    yield running
    if running.thread.is_alive():
        running.quit()


def test_a_session_starts_idle_with_the_data_set_constants_once(harness, dataset) -> None:
    harness.load(xor_project(), 1, dataset)
    assert harness.wait_state("idle").frame is None
    first = harness.wait_frame("idle")
    assert first.generation == 1
    # The partial frame leaves the data set's rows out; they travel beside it once.
    assert first.constants is not None
    assert all(getattr(first.frame, name) is None for name in CONSTANT_FIELDS)
    builder = FrameBuilder(dataset)
    np.testing.assert_array_equal(first.constants["eval_inputs"], builder.eval_inputs)
    whole = harness.frames[-1]
    np.testing.assert_array_equal(whole.probe_inputs, builder.probe_inputs)
    assert whole.step == 0 and len(whole.snapshot.history) == 1
    # A second session on the same data: no data set and no constants again.
    harness.load(xor_project(learning_rate=0.01), 1, None, generation=2)
    harness.wait_for(lambda news: news.generation == 2 and news.state == "idle")
    second = harness.wait_frame("idle")
    assert second.generation == 2 and second.constants is None
    np.testing.assert_array_equal(harness.frames[-1].eval_inputs, builder.eval_inputs)


def test_step_then_step_epoch_then_play_to_the_end(harness, dataset) -> None:
    harness.load(xor_project(epochs=3), 1, dataset)
    harness.wait_state("idle")
    harness.send("step")
    paused = harness.wait_state("paused")
    assert paused.progress["step"] == 1
    assert harness.wait_frame("paused").frame.step == 1
    harness.send("step_epoch")
    harness.wait_state("running")
    harness.wait_state("paused")
    harness.wait_frame("paused")
    assert harness.frames[-1].epoch == 1 and harness.frames[-1].step == 10
    harness.send("play")
    finished = harness.wait_state("finished")
    assert finished.message.startswith("Finished 3 epochs")
    harness.wait_frame("finished")
    frame = harness.frames[-1]
    # Every step and every epoch reached the assembled frame, although frames came rarely.
    np.testing.assert_array_equal(frame.grad_steps, np.arange(1, 31))
    assert frame.grad_norms.shape == (30, 2) and np.isfinite(frame.grad_norms).all()
    np.testing.assert_allclose(frame.batch_losses[:, 0], np.arange(0, 30) / 10)
    np.testing.assert_array_equal(frame.snapshot.history.epoch, [0, 1, 2, 3])


def test_the_assembled_frame_equals_one_built_in_a_single_piece(harness, dataset) -> None:
    project = xor_project(epochs=4, shuffle=False)
    harness.load(project, 1, dataset)
    harness.wait_state("idle")
    harness.send("play")
    harness.wait_frame("finished")
    assembled = harness.frames[-1]
    # The same run, trained directly: same seed and weights, so the same numbers.
    network = build_network(project, harness.frames[0].weights)
    trainer = make_trainer(project, network, dataset)
    for _ in range(4 * trainer.steps_per_epoch):
        trainer.step()
    direct = FrameBuilder(dataset).build(network, trainer.snapshot())
    np.testing.assert_allclose(assembled.grad_norms, direct.grad_norms)
    np.testing.assert_array_equal(assembled.grad_steps, direct.grad_steps)
    np.testing.assert_allclose(assembled.batch_losses, direct.batch_losses)
    for column in History.__dataclass_fields__:
        np.testing.assert_allclose(
            getattr(assembled.snapshot.history, column), getattr(direct.snapshot.history, column)
        )
    np.testing.assert_allclose(assembled.predictions, direct.predictions)
    for name in CONSTANT_FIELDS:
        expected = getattr(direct, name)
        if expected is None:
            assert getattr(assembled, name) is None
        else:
            np.testing.assert_array_equal(getattr(assembled, name), expected)


def test_pause_stop_and_a_new_run_start_the_series_over(harness, dataset) -> None:
    harness.load(xor_project(epochs=None), 1, dataset)
    harness.wait_state("idle")
    harness.send("play")
    harness.wait_for(lambda news: news.frame is not None and news.progress["step"] > 50)
    harness.send("pause")
    paused = harness.wait_state("paused")
    harness.send("stop")
    stopped = harness.wait_state("stopped")
    assert stopped.message == (
        f"Stopped at epoch {paused.progress['epoch']:,}, step {paused.progress['step']:,}."
    )
    assert stopped.progress["step"] == paused.progress["step"]
    # Step after a stop: a new run from the stopped weights, with fresh series, counting on
    # from where the stopped run ended.
    harness.send("step")
    new_run = harness.wait_state("paused").run
    assert new_run == stopped.run + 1
    # Frames may arrive after later states: the first pause's frame can still be on its way.
    harness.wait_for(
        lambda news: (
            news.frame is not None and news.run == new_run and news.progress["state"] == "paused"
        )
    )
    frame = harness.frames[-1]
    epoch, step = paused.progress["epoch"], paused.progress["step"]
    assert frame.step == step + 1
    assert frame.run == new_run  # the views tell runs apart by it (the plots keep the last)
    np.testing.assert_array_equal(frame.grad_steps, [step + 1])
    np.testing.assert_array_equal(frame.snapshot.history.epoch, [epoch])
    assert (frame.snapshot.start_epoch, frame.snapshot.start_step) == (epoch, step)


def test_frames_wait_for_the_studio_to_show_the_last_one(harness, dataset, monkeypatch) -> None:
    # No time-out: without confirmation only the frames in flight follow the one shown last
    # (the one being painted, the one held for its beat, the next).
    monkeypatch.setattr(training_loop, "_ACK_TIMEOUT", 1e9)
    in_flight = training_loop._FRAMES_IN_FLIGHT
    harness.load(xor_project(epochs=None), 1, dataset)
    idle = harness.wait_frame("idle")
    harness.send("shown", idle.seq, 0.001)
    harness.send("play")
    running = harness.wait_frame("running")
    ahead = [harness.wait_for(lambda news: news.frame is not None) for _ in range(in_flight - 1)]
    assert [news.seq for news in ahead] == [running.seq + k for k in range(1, in_flight)]
    with pytest.raises(queue.Empty):
        harness.wait_for(lambda news: True, timeout=0.3)
    harness.send("shown", running.seq, 0.001)
    later = harness.wait_for(lambda news: news.frame is not None)
    assert later.seq == ahead[-1].seq + 1 and later.state is None
    # The frame covers every step trained meanwhile.
    assert harness.frames[-1].grad_steps.shape[0] == later.progress["step"]
    # Still as far ahead: nothing more until the studio shows another.
    with pytest.raises(queue.Empty):
        harness.wait_for(lambda news: True, timeout=0.3)


def test_a_frame_sent_after_a_later_state_carries_the_older_progress_number(
    harness, dataset, monkeypatch
) -> None:
    """The studio keeps the progress with the highest number: a late frame's must be lower."""
    release = threading.Event()
    build = training_loop._Publisher._build

    def held(publisher: training_loop._Publisher, job: training_loop._FrameJob) -> News:
        # The running run's frames wait in the publisher until the pause has gone out.
        if job.progress["state"] == "running":
            release.wait(WAIT)
        return build(publisher, job)

    monkeypatch.setattr(training_loop._Publisher, "_build", held)
    harness.load(xor_project(epochs=None), 1, dataset)
    harness.wait_frame("idle")
    harness.send("play")
    running = harness.wait_state("running")
    harness.send("pause")
    paused = harness.wait_state("paused")
    arrived = len(harness.news)
    release.set()
    shows_pause = harness.wait_frame("paused")
    late = [
        news
        for news in harness.news[arrived:]
        if news.progress is not None and news.progress["state"] == "running"
    ]
    # The running frames were built before the pause and arrived after it, older.
    assert late and all(news.frame is not None for news in late)
    assert all(news.progress_seq < paused.progress_seq for news in late)
    # A state's news and the frame showing it share their snapshot's number.
    assert late[0].seq == late[0].progress_seq == running.progress_seq
    assert shows_pause.seq == shows_pause.progress_seq == paused.progress_seq
    assert shows_pause.progress == paused.progress


def test_settings_change_the_running_trainer(harness, dataset) -> None:
    harness.load(xor_project(epochs=2), 1, dataset)
    harness.wait_state("idle")
    harness.send("step")
    harness.wait_frame("paused")
    harness.send("settings", replace(xor_project().training, learning_rate=0.002, epochs=2))
    changed = harness.wait_for(lambda news: news.frame is not None)
    assert changed.frame.snapshot.learning_rate == pytest.approx(0.002)
    # A bad value is reported and changes nothing.
    harness.send("settings", replace(xor_project().training, learning_rate=-1.0))
    refused = harness.wait_for(lambda news: bool(news.message))
    assert refused.message.startswith("Settings not applied")
    harness.send("play")
    harness.wait_state("finished")
    harness.wait_frame("finished")
    # More epochs granted after the end: the run may go on.
    harness.send("settings", replace(xor_project().training, learning_rate=0.002, epochs=3))
    harness.wait_state("paused")
    harness.send("play")
    harness.wait_frame("finished")
    assert harness.frames[-1].epoch == 3


def test_mini_batch_losses_after_a_batch_size_change_sit_at_their_epochs(harness, dataset) -> None:
    harness.load(xor_project(epochs=3), 1, dataset)
    harness.wait_state("idle")
    harness.send("step_epoch")  # 10 steps of 32 rows
    harness.wait_state("paused")
    harness.wait_frame("paused")
    harness.send("settings", replace(xor_project().training, batch_size=64, epochs=3))
    harness.wait_for(lambda news: news.frame is not None)
    harness.send("play")  # two more epochs of 5 steps
    harness.wait_state("finished")
    harness.wait_frame("finished")
    frame = harness.frames[-1]
    np.testing.assert_array_equal(frame.grad_steps, np.arange(1, 21))
    expected = np.concatenate([np.arange(10) / 10, 1 + np.arange(10) / 5])
    np.testing.assert_allclose(frame.batch_losses[:, 0], expected, atol=1e-9)


def test_weights_that_do_not_fit_cannot_train(harness, dataset) -> None:
    project = xor_project()
    wrong = build_network(replace(project, network=NetworkSpec(2, (LayerSpec(1, "sigmoid"),))))
    harness.send("load", SessionRequest(1, project, wrong.weights(), 1, dataset))
    idle = harness.wait_state("idle")
    assert idle.frame is None and idle.message.startswith("Cannot train:")
    # Without a session the controls do nothing; a good session works again.
    harness.send("play")
    harness.load(project, 1, None, generation=2)
    assert harness.wait_state("idle").generation == 2


def test_an_internal_error_stops_the_run_but_not_the_loop(harness, dataset, monkeypatch) -> None:
    harness.load(xor_project(), 1, dataset)
    harness.wait_frame("idle")
    original = FrameBuilder.build

    def broken(self, network, snapshot=None):
        raise RuntimeError("frame exploded")

    monkeypatch.setattr(FrameBuilder, "build", broken)
    harness.send("step")
    stopped = harness.wait_state("stopped")
    assert "internal error" in stopped.message and "frame exploded" in stopped.message
    monkeypatch.setattr(FrameBuilder, "build", original)
    harness.send("step")
    harness.wait_frame("paused")
    # A new run from the weights the first step trained, counting on from that step.
    assert harness.frames[-1].step == 2


def test_the_data_set_rows_come_again_when_their_frame_failed(harness, dataset, monkeypatch):
    original = FrameBuilder.build

    def broken(self, network, snapshot=None):
        raise RuntimeError("frame exploded")

    monkeypatch.setattr(FrameBuilder, "build", broken)
    harness.load(xor_project(), 1, dataset)
    harness.wait_state("stopped")
    monkeypatch.setattr(FrameBuilder, "build", original)
    harness.send("step")
    # The assembler can make the frame whole: the rows came with it.
    assert harness.wait_frame("paused").constants is not None
    np.testing.assert_array_equal(harness.frames[-1].eval_inputs, FrameBuilder(dataset).eval_inputs)


def test_news_that_cannot_be_sent_stop_the_run_with_a_message(harness, dataset) -> None:
    harness.load(xor_project(), 1, dataset)
    harness.wait_state("idle")
    harness.wait_frame("idle")
    # A state that cannot be sent.
    harness.failing_sends = 1
    harness.send("step")
    stopped = harness.wait_state("stopped")
    assert "pipe exploded" in stopped.message
    # A frame that cannot be sent.
    harness.failing_frames = 1
    harness.send("step")
    harness.wait_state("paused")
    stopped = harness.wait_state("stopped")
    assert "frame lost in the pipe" in stopped.message
    # The loop and its publisher go on (each stop's run counted on from its steps).
    harness.send("step")
    harness.wait_frame("paused")
    assert harness.frames[-1].step == 3


def test_a_session_on_data_never_received_is_an_internal_error(harness) -> None:
    harness.load(xor_project(), 7, None)
    news = harness.wait_for(lambda news: bool(news.message))
    assert "data set 7 was never received" in news.message


def test_unload_forgets_the_session(harness, dataset) -> None:
    harness.load(xor_project(), 1, dataset)
    harness.wait_frame("idle")
    harness.send("unload", 2)
    gone = harness.wait_for(lambda news: news.generation == 2)
    assert gone.state == "idle" and gone.frame is None
    harness.send("step")
    harness.send("refresh")
    harness.quit()
    # Nothing was trained or sent after the unload.
    assert harness.outbox.empty()


def test_the_loop_ends_when_the_studio_has_gone(harness) -> None:
    harness.closed = True
    harness.send("refresh")
    harness.thread.join(WAIT)
    assert not harness.thread.is_alive()


def test_the_assembler_thins_long_series_and_starts_each_run_afresh(monkeypatch) -> None:
    monkeypatch.setattr(training_loop, "MAX_STEP_HISTORY", 100)
    monkeypatch.setattr(training_loop, "MAX_EPOCH_HISTORY", 10)
    dataset = load_dataset(xor_project().data, ".")
    project = xor_project()
    network = build_network(project)
    snapshot = make_trainer(project, network, dataset).snapshot()
    template = FrameBuilder(dataset).build(network, snapshot)
    constants = {name: getattr(template, name) for name in CONSTANT_FIELDS}
    assembler = FrameAssembler()

    def news(run: int, first: int, count: int, epochs: list[int], **extra: Any) -> News:
        steps = np.arange(first, first + count, dtype=np.int64)
        columns = {name: np.full(len(epochs), 0.5) for name in History.__dataclass_fields__}
        columns["epoch"] = np.asarray(epochs, dtype=np.int64)
        frame = replace(
            template,
            snapshot=replace(snapshot, history=History(**columns)),
            grad_steps=steps,
            grad_norms=np.ones((count, 2)),
            batch_losses=np.column_stack([steps / 10, np.ones(count)]),
            **dict.fromkeys(CONSTANT_FIELDS),
        )
        return News(1, run=run, seq=1, frame=frame, dataset_id=3, **extra)

    first = assembler.add(news(1, 1, 60, [0, 1, 2, 3, 4, 5], constants=constants))
    assert first is not None
    kept = first.grad_steps
    second = assembler.add(news(1, 61, 60, [6, 7, 8, 9, 10]))
    # 120 steps are more than 100: every second one is kept; frames already out stay as they were.
    np.testing.assert_array_equal(second.grad_steps, np.arange(1, 121, 2))
    np.testing.assert_array_equal(kept, np.arange(1, 61))
    np.testing.assert_array_equal(second.snapshot.history.epoch, [0, 2, 4, 6, 8, 10])
    np.testing.assert_array_equal(second.eval_inputs, template.eval_inputs)
    # A new run starts every series over.
    third = assembler.add(news(2, 1, 5, [0]))
    np.testing.assert_array_equal(third.grad_steps, np.arange(1, 6))
    np.testing.assert_array_equal(third.snapshot.history.epoch, [0])
    # A frame whose data set's rows never came cannot be made whole.
    with pytest.raises(RuntimeError, match="data set 4"):
        assembler.add(replace(news(2, 6, 1, []), dataset_id=4))


def test_frame_build_cost_is_averaged_over_the_last_frames() -> None:
    publisher = training_loop._Publisher(lambda news: None)
    try:
        frames = training_loop._BUILD_COST_FRAMES
        for _ in range(frames - 1):
            publisher.note_build_cost(0.004)
        # One slow build (a long wait for the interpreter lock) does not set the pace alone.
        publisher.note_build_cost(0.036)
        assert publisher.build_cost == pytest.approx((0.004 * (frames - 1) + 0.036) / frames)
        # Older builds leave the average.
        for _ in range(frames):
            publisher.note_build_cost(0.002)
        assert publisher.build_cost == pytest.approx(0.002)
    finally:
        publisher.close()


def test_slow_builds_space_frames_out_and_fast_ones_keep_the_beat(harness, dataset) -> None:
    harness.load(xor_project(epochs=None), 1, dataset)
    harness.wait_frame("idle")
    loop = harness.loop
    for _ in range(training_loop._BUILD_COST_FRAMES):
        # A 2-input network's heatmaps, built beside training: still 30 frames a second.
        loop._publisher.note_build_cost(0.008)
    assert loop._frame_interval() == training_loop.FRAME_INTERVAL
    for _ in range(training_loop._BUILD_COST_FRAMES):
        loop._publisher.note_build_cost(0.024)  # a 784-input network's frame
    # Each frame costs training time, so a wide network gets fewer frames.
    assert 10.0 <= 1.0 / loop._frame_interval() <= 13.0


def test_frames_of_a_studio_that_keeps_up_are_on_a_steady_beat(harness, dataset) -> None:
    harness.load(xor_project(epochs=None), 1, dataset)
    idle = harness.wait_frame("idle")
    assert np.isfinite(idle.frame.beat)
    harness.send("shown", idle.seq, 0.001)
    harness.send("play")
    beats = []
    while len(beats) < 12:
        news = harness.wait_for(lambda news: news.frame is not None)
        if news.progress["state"] == "running":
            beats.append(news.frame.beat)
        # A studio that paints in a millisecond confirms every frame at once.
        harness.send("shown", news.seq, 0.001)
    harness.send("pause")
    gaps = np.diff(beats[1:])  # the first running frame may start the beat
    # Never closer than the interval; on the beat (the interval exactly) unless a frame was
    # late by a whole interval, which a loaded test machine may cause now and then.
    assert np.all(gaps >= training_loop.FRAME_INTERVAL - 1e-9)
    on_beat = np.isclose(gaps, training_loop.FRAME_INTERVAL, rtol=0, atol=1e-9)
    assert on_beat.sum() >= len(gaps) // 2


def _running_frames(harness: Harness, count: int) -> list[News]:
    """The next ``count`` frames of the running run, each confirmed at once."""
    frames = []
    while len(frames) < count:
        news = harness.wait_for(lambda news: news.frame is not None)
        if news.progress["state"] == "running":
            frames.append(news)
        harness.send("shown", news.seq, 0.001)
    return frames


def test_a_slow_pace_shows_every_step_and_never_runs_ahead(harness, dataset) -> None:
    harness.load(xor_project(epochs=None), 1, dataset)
    idle = harness.wait_frame("idle")
    harness.send("shown", idle.seq, 0.001)
    harness.send("pace", 8.0)
    harness.send("play")
    started = time.monotonic()
    frames = _running_frames(harness, 5)
    elapsed = time.monotonic() - started
    steps = [news.progress["step"] for news in frames]
    # One frame per step: a learner sees each update. The first frame may show the run's
    # start (step 0) before the first step is due.
    assert steps[-4:] == list(range(steps[-4], steps[-4] + 4))
    # At 8 steps a second, step n comes no sooner than (n - 1) / 8 s after Play.
    assert elapsed >= (steps[-1] - 1) / 8.0
    assert frames[-1].progress["steps_per_second"] <= 8.0 * 1.1
    harness.send("pause")
    paused = harness.wait_state("paused")
    assert paused.progress["step"] >= steps[-1]


def test_the_pace_changes_while_running_and_full_speed_comes_back(harness, dataset) -> None:
    harness.load(xor_project(epochs=None), 1, dataset)
    idle = harness.wait_frame("idle")
    harness.send("shown", idle.seq, 0.001)
    harness.send("play")
    fast = _running_frames(harness, 3)[-1].progress["step"]
    harness.send("pace", 2.0)
    slow = _running_frames(harness, 3)
    # Once the pace arrived, no more than one step per frame, two a second.
    gaps = np.diff([news.progress["step"] for news in slow[1:]])
    assert np.all(gaps <= 1)
    harness.send("pace", None)
    reached = harness.wait_for(
        lambda news: news.frame is not None and news.progress["step"] > fast + 500
    )
    harness.send("shown", reached.seq, 0.001)
    # Step still works as one step whatever the pace, and Pause is immediate.
    harness.send("pace", 1.0)
    harness.send("pause")
    paused = harness.wait_state("paused")
    harness.send("step")
    stepped = harness.wait_for(
        lambda news: news.progress is not None and news.progress["step"] > paused.progress["step"]
    )
    assert stepped.progress["step"] == paused.progress["step"] + 1


def test_frames_built_outside_a_run_have_no_beat(dataset) -> None:
    project = xor_project()
    frame = FrameBuilder(dataset).build(build_network(project))
    assert np.isnan(frame.beat)


def test_waits_for_the_interpreter_lock_do_not_count_as_build_cost(
    harness, dataset, monkeypatch
) -> None:
    # A build that mostly waits (as for the lock while a small network trains thousands of
    # steps a second) takes little processor time: frames are not slowed down for it.
    build = FrameBuilder.build

    def waiting_build(self, network, snapshot=None):
        threading.Event().wait(0.05)
        return build(self, network, snapshot)

    monkeypatch.setattr(FrameBuilder, "build", waiting_build)
    harness.load(xor_project(epochs=None), 1, dataset)
    idle = harness.wait_frame("idle")
    assert harness.loop._publisher.build_cost < 0.03
    harness.send("shown", idle.seq, 0.001)
    harness.send("step")
    harness.wait_frame("paused")
    assert 0 < harness.loop._publisher.build_cost < 0.03


# ---- commands on the pipe ------------------------------------------------------------------


def test_commands_cross_a_pipe_with_their_arrays_intact() -> None:
    import multiprocessing

    from nnstudio.ui.training_loop import read_command, write_command

    project = replace(xor_project(), data=BuiltinData(builtin="spiral", samples=300, seed=3))
    data = load_dataset(project.data, ".")
    request = SessionRequest(7, project, None, 2, data)
    fortran = np.asfortranarray(np.arange(12.0).reshape(3, 4))
    strided = np.arange(20.0)[::3]
    commands = [
        ("load", request),
        ("shown", 4, None),
        ("arrays", fortran, strided, np.zeros((0, 5), np.float32), np.float64(2.5)),
    ]
    reader, writer = multiprocessing.Pipe(duplex=False)
    try:
        # Written from another thread: a large command fills the pipe before it is read.
        sender = threading.Thread(target=lambda: [write_command(writer, c) for c in commands])
        sender.start()
        received = [read_command(reader) for _ in commands]
        sender.join()
    finally:
        reader.close()
        writer.close()
    load, shown, arrays = received
    assert shown == ("shown", 4, None)
    got = load[1]
    assert (got.generation, got.dataset_id, got.weights) == (7, 2, None)
    assert got.project == request.project
    for name in ("X_train", "Y_train", "X_val", "Y_val", "labels_train", "labels_val"):
        sent, came = getattr(data, name), getattr(got.dataset, name)
        assert came.dtype == sent.dtype and np.array_equal(came, sent), name
        # Read-only as sent (a data set's arrays are), in the receiver's own memory.
        assert came.flags.writeable == sent.flags.writeable, name
        assert not np.shares_memory(came, sent), name
    assert got.dataset.feature_names == data.feature_names
    assert np.array_equal(arrays[1], fortran) and arrays[1].flags.f_contiguous
    assert arrays[1].flags.writeable
    assert np.array_equal(arrays[2], strided)
    assert arrays[3].shape == (0, 5) and arrays[3].dtype == np.float32
    assert arrays[4] == 2.5
