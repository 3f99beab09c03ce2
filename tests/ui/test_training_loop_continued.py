"""The training process's runs count on from the epoch and step of the weights they train."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.ui.frame import FrameBuilder
from nnstudio.ui.training_loop import SessionRequest
from nnstudio.workflow import build_network, make_trainer
from tests.ui.test_training_loop import Harness, xor_project
from tests.ui.test_training_loop import harness as harness  # the fixture


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(xor_project().data, ".")


def _load(harness: Harness, dataset: Dataset, position: tuple[int, int], **training: object):
    project = xor_project(**training)
    weights = build_network(project).weights()
    harness.send("load", SessionRequest(1, project, weights, 1, dataset, position))
    harness.wait_state("idle")
    return harness.wait_frame("idle")


def test_a_session_from_trained_weights_counts_on_from_their_position(harness, dataset) -> None:
    # 320 training examples in batches of 32: 10 steps an epoch.
    idle = _load(harness, dataset, (3, 30), epochs=5)
    start = harness.frames[-1]
    assert (start.epoch, start.step) == (3, 30)
    assert idle.progress["epoch"] == 3 and idle.progress["step"] == 30
    np.testing.assert_array_equal(start.snapshot.history.epoch, [3])
    harness.send("step_epoch")
    harness.wait_state("paused")
    harness.wait_frame("paused")
    assert (harness.frames[-1].epoch, harness.frames[-1].step) == (4, 40)
    harness.send("play")
    finished = harness.wait_state("finished")
    # The project's epochs are where the count ends.
    assert finished.message == "Finished 5 epochs (50 steps)."
    harness.wait_frame("finished")
    frame = harness.frames[-1]
    np.testing.assert_array_equal(frame.snapshot.history.epoch, [3, 4, 5])
    np.testing.assert_array_equal(frame.grad_steps, np.arange(31, 51))
    # Each mini-batch loss sits where its step began: the first at epoch 3.
    np.testing.assert_allclose(frame.batch_losses[:, 0], 3 + np.arange(20) / 10)


def test_weights_trained_for_the_projects_epochs_train_no_further(harness, dataset) -> None:
    _load(harness, dataset, (5, 50), epochs=5)
    run = harness.news[-1].run
    for command in ("play", "step", "step_epoch"):
        harness.send(command)
        refused = harness.wait_for(lambda news: bool(news.message))
        assert refused.state == "finished"
        assert refused.message == (
            "Already trained for 5 epochs, as many as set: raise Epochs to train on, or reset "
            "the weights."
        )
        harness.wait_frame("finished")
        assert harness.frames[-1].step == 50 and harness.news[-1].run == run
    # More epochs: the same weights train on from epoch 5.
    harness.send("settings", replace(xor_project().training, epochs=6))
    harness.wait_for(lambda news: news.frame is not None)
    harness.send("play")
    harness.wait_state("finished")
    harness.wait_frame("finished")
    assert (harness.frames[-1].epoch, harness.frames[-1].step) == (6, 60)


def test_weights_trained_past_the_projects_epochs_say_so(harness, dataset) -> None:
    _load(harness, dataset, (7, 70), epochs=5)
    harness.send("step")
    refused = harness.wait_for(lambda news: bool(news.message))
    assert refused.state == "finished"
    assert refused.message.startswith("Already trained for 7 epochs, more than the 5 set:")


def test_play_after_a_finished_run_does_not_start_it_over(harness, dataset) -> None:
    _load(harness, dataset, (0, 0), epochs=2)
    harness.send("play")
    harness.wait_state("finished")
    harness.wait_frame("finished")
    harness.send("play")
    refused = harness.wait_for(lambda news: bool(news.message))
    assert refused.message.startswith("Already trained for 2 epochs, as many as set")
    harness.wait_frame("finished")
    assert harness.frames[-1].epoch == 2 and harness.frames[-1].step == 20


def test_the_time_left_counts_from_the_epoch_reached(dataset) -> None:
    from nnstudio.ui.training_loop import TrainingLoop

    project = xor_project(epochs=10)
    network = build_network(project)
    # Weights whose 40 steps ran at another batch size: 3 epochs of 10 steps are left.
    trainer = make_trainer(project, network, dataset, start=(7, 40))
    loop = TrainingLoop(lambda timeout: None, lambda news: None)
    loop._session = SimpleNamespace(trainer=trainer)  # type: ignore[assignment]
    loop._mode = "paused"
    loop._steps_per_second = 10.0
    assert loop._progress()["eta_seconds"] == pytest.approx(3.0)


def test_a_frame_of_a_continued_run_places_its_mini_batch_losses_at_their_epochs(
    dataset,
) -> None:
    project = xor_project(epochs=10)
    network = build_network(project)
    # Stopped two steps into an epoch before: the new run's epochs begin at its start.
    trainer = make_trainer(project, network, dataset, start=(2, 22))
    for _ in range(10 + 4):
        trainer.step()
    frame = FrameBuilder(dataset).build(network, trainer.snapshot())
    np.testing.assert_array_equal(frame.grad_steps, np.arange(23, 37))
    np.testing.assert_allclose(frame.batch_losses[:, 0], 2 + np.arange(14) / 10)
