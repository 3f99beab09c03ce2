"""A run that continues weights trained before counts on from their epoch and step."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.network import Network
from nnstudio.engine.trainer import Trainer, _Series
from nnstudio.errors import SpecError
from nnstudio.spec import LayerSpec, NetworkSpec, ScheduleSpec, TrainingSpec

XOR_SPEC = NetworkSpec(2, (LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid")))


def _xor(m: int = 40) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(m, 2))
    return X, (X[:, :1] * X[:, 1:] > 0).astype(float)


def _trainer(training: TrainingSpec, **start: int) -> Trainer:
    X, Y = _xor()
    net = Network.from_spec(XOR_SPEC, "binary_crossentropy", seed=0)
    return Trainer(net, training, X, Y, **start)


def test_a_run_from_trained_weights_counts_on_from_their_epoch_and_step() -> None:
    trainer = _trainer(TrainingSpec(batch_size=10, epochs=20), start_epoch=3, start_step=31)
    first = trainer.snapshot()
    assert (first.epoch, first.step) == (3, 31)
    assert (first.start_epoch, first.start_step) == (3, 31) and trainer.start == (3, 31)
    # The history's first row is the starting network, at the epoch its weights had reached.
    np.testing.assert_array_equal(first.history.epoch, [3])
    trainer.run_epoch()
    snapshot = trainer.snapshot()
    assert (snapshot.epoch, snapshot.step) == (4, 35)
    np.testing.assert_array_equal(snapshot.step_numbers, [32, 33, 34, 35])
    np.testing.assert_array_equal(snapshot.history.epoch, [3, 4])
    assert trainer.epoch_progress == 0.0
    trainer.step()
    assert trainer.epoch_progress == pytest.approx(0.25)
    assert trainer.snapshot().message == "Ready to train."


def test_the_project_epochs_are_where_the_count_ends() -> None:
    trainer = _trainer(TrainingSpec(batch_size="full", epochs=5), start_epoch=3, start_step=3)
    final = trainer.run()
    assert final.status == "finished"
    assert final.message == "Finished 5 epochs (5 steps)."
    np.testing.assert_array_equal(final.history.epoch, [3, 4, 5])
    # Weights trained that far already: nothing is left to run.
    done = _trainer(TrainingSpec(batch_size="full", epochs=5), start_epoch=5, start_step=5)
    before = done.network.flat_params.copy()
    assert done.is_done
    ended = done.run()
    assert ended.status == "finished" and ended.step == 5
    np.testing.assert_array_equal(done.network.flat_params, before)


def test_the_schedule_goes_on_from_the_starting_epoch() -> None:
    training = TrainingSpec(
        batch_size="full",
        epochs=10,
        learning_rate=0.4,
        schedule=ScheduleSpec(name="step", step_size=2, gamma=0.5),
    )
    trainer = _trainer(training, start_epoch=4, start_step=4)
    # Epoch 5 trains at 0.4 · 0.5², as in a run counted from 0; it does not restart at 0.4.
    assert trainer.learning_rate == pytest.approx(0.1)
    assert trainer.snapshot().history.learning_rate[0] == pytest.approx(0.1)
    trainer.run_epoch()
    trainer.run_epoch()
    assert trainer.learning_rate == pytest.approx(0.05)


def test_early_stopping_names_absolute_epochs() -> None:
    # A min_delta no loss can beat: the starting network stays the best.
    training = TrainingSpec(batch_size="full", epochs=50, early_stopping=2, min_delta=10.0)
    trainer = _trainer(training, start_epoch=10, start_step=10)
    assert trainer.snapshot().best_epoch == 10
    final = trainer.run()
    assert final.status == "early_stopped" and final.epoch == 12
    assert final.best_epoch == 10
    assert final.message.startswith("Early stopping at epoch 12:")
    assert "restored the weights of epoch 10" in final.message


def test_a_loss_that_overflows_before_this_runs_first_update_blames_the_data() -> None:
    X, Y = _xor()
    net = Network.from_spec(
        NetworkSpec(2, (LayerSpec(4, "tanh"), LayerSpec(1, "identity"))), "mse", dtype="float64"
    )
    Y = Y * 1e300  # squared errors beyond the largest float64
    trainer = Trainer(
        net, TrainingSpec(epochs=20), X, Y, task="regression", start_epoch=7, start_step=70
    )
    with np.errstate(all="raise"):
        snapshot = trainer.run()
    assert snapshot.status == "diverged" and snapshot.step == 70
    assert snapshot.message.startswith("Training cannot start")


@pytest.mark.parametrize(
    ("start_epoch", "start_step"), [(-1, 0), (0, -3), (1.5, 0), ("2", 0), (None, 0)]
)
def test_a_start_that_is_no_count_is_refused(start_epoch: object, start_step: object) -> None:
    with pytest.raises(SpecError, match="start_"):
        _trainer(TrainingSpec(), start_epoch=start_epoch, start_step=start_step)  # type: ignore[arg-type]


def test_a_series_counted_from_an_origin_thins_as_one_from_zero_and_keeps_its_first_row() -> None:
    counted = _Series(1, cap=8, origin=7)
    plain = _Series(1, cap=8)
    for number in range(30):
        counted.append(7 + number, [float(number)])
        plain.append(number, [float(number)])
    assert counted.stride == plain.stride > 1
    numbers, values = counted.after(-1)
    np.testing.assert_array_equal(numbers, plain.after(-1)[0] + 7)
    assert numbers[0] == 7 and values[0, 0] == 0.0
