"""What the trainer's snapshots say about early stopping and the regularised objective: the
best epoch by the min_delta rule, its loss, and the objective of the weights kept."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.engine.network import Network
from nnstudio.engine.trainer import Snapshot, Trainer
from nnstudio.spec import LayerSpec, NetworkSpec, TrainingSpec

SPEC = NetworkSpec(2, (LayerSpec(8, "tanh"), LayerSpec(2, "softmax")))


def _circles(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy concentric rings, one-hot labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=m)
    angle = rng.uniform(0, 2 * np.pi, size=m)
    radius = np.where(labels == 0, 1.0, 2.2) + rng.normal(scale=0.4, size=m)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, np.eye(2)[labels]


def _expected_best(losses: np.ndarray, min_delta: float) -> tuple[int, float]:
    """Early stopping's rule by hand: a loss is the new best when it falls more than
    ``min_delta`` below the best before it (the untrained network is the first)."""
    best_epoch, best = 0, float(losses[0])
    for epoch, loss in enumerate(losses[1:], start=1):
        if loss < best - min_delta:
            best_epoch, best = epoch, float(loss)
    return best_epoch, best


@pytest.mark.parametrize("min_delta", [0.0, 0.01])
def test_snapshots_name_the_best_epoch_by_the_min_delta_rule(min_delta: float) -> None:
    X, Y = _circles(120, seed=0)
    X_val, Y_val = _circles(60, seed=1)
    net = Network.from_spec(SPEC, "categorical_crossentropy", seed=2)
    training = TrainingSpec(
        optimizer="adam",
        learning_rate=0.02,
        batch_size=16,
        epochs=40,
        early_stopping=1000,
        min_delta=min_delta,
    )
    seen: list[Snapshot] = []
    Trainer(net, training, X, Y, X_val, Y_val).run(seen.append)
    assert len(seen) >= 40
    moves = 0
    for snapshot in seen:
        history = snapshot.history
        assert int(history.epoch[-1]) == snapshot.epoch
        best_epoch, best_loss = _expected_best(history.val_loss, min_delta)
        assert snapshot.best_epoch == best_epoch
        assert snapshot.best_loss == pytest.approx(best_loss)
        moves += snapshot.best_epoch == snapshot.epoch
    assert moves > 3  # the best moved on with the run
    # A minimum improvement skips small decreases: some epochs with a lower loss are no best.
    if min_delta:
        history = seen[-1].history
        assert np.min(history.val_loss) < seen[-1].best_loss


def test_no_best_epoch_while_early_stopping_is_off() -> None:
    X, Y = _circles(80, seed=0)
    net = Network.from_spec(SPEC, "categorical_crossentropy", seed=1)
    training = TrainingSpec(optimizer="adam", learning_rate=0.05, batch_size=16, epochs=50)
    trainer = Trainer(net, training, X, Y, X, Y)
    trainer.run_epoch()
    assert trainer.snapshot().best_epoch is None
    on = replace(training, early_stopping=5)
    trainer.update_settings(on)
    trainer.run_epoch()
    assert trainer.snapshot().best_epoch is not None
    # Switched off, nothing would be restored: the snapshot names no best epoch.
    trainer.update_settings(training)
    trainer.run_epoch()
    snapshot = trainer.snapshot()
    assert snapshot.best_epoch is None and snapshot.best_loss is None


def test_an_early_stopped_snapshot_holds_the_restored_weights_objective() -> None:
    # Validation labels opposite to the training labels: the best validation weights are
    # early ones, and the run stops early.
    X, Y = _circles(80, seed=0)
    net = Network.from_spec(SPEC, "categorical_crossentropy", seed=1)
    training = TrainingSpec(
        optimizer="adam", learning_rate=0.05, batch_size=16, epochs=200, early_stopping=3, l2=0.01
    )
    snapshot = Trainer(net, training, X, Y, X, Y[:, ::-1]).run()
    assert snapshot.status == "early_stopped"
    best = snapshot.best_epoch
    assert best is not None and snapshot.epoch == best + 3
    assert snapshot.best_loss == pytest.approx(snapshot.history.val_loss[best])
    # The objective is the restored weights' loss plus their penalty, not the last epoch's.
    penalty = net.penalty(0.0, 0.01)
    assert penalty > 0
    assert snapshot.train_objective == pytest.approx(snapshot.train_loss + penalty, rel=1e-5)
    assert snapshot.train_objective == pytest.approx(
        snapshot.history.train_objective[best], rel=1e-5
    )
    assert snapshot.train_objective != pytest.approx(snapshot.history.train_objective[-1])


def test_without_a_penalty_the_objective_is_the_loss() -> None:
    X, Y = _circles(60, seed=3)
    net = Network.from_spec(SPEC, "categorical_crossentropy", seed=1)
    training = TrainingSpec(optimizer="sgd", learning_rate=0.1, batch_size="full", epochs=3)
    snapshot = Trainer(net, training, X, Y).run()
    assert snapshot.train_objective == snapshot.train_loss
    np.testing.assert_array_equal(snapshot.history.train_objective, snapshot.history.train_loss)


def test_restored_weights_keep_the_position_of_the_epoch_they_come_from() -> None:
    # What a saved project records with its weights: after early stopping put the best
    # epoch's weights back, that epoch and the step it ended at, not where the run stopped.
    X, Y = _circles(80, seed=0)
    net = Network.from_spec(SPEC, "categorical_crossentropy", seed=1)
    training = TrainingSpec(
        optimizer="adam", learning_rate=0.05, batch_size=16, epochs=200, early_stopping=3
    )
    trainer = Trainer(net, training, X, Y, X, Y[:, ::-1])
    assert trainer.weights_position == (0, 0)
    snapshot = trainer.run()
    assert snapshot.status == "early_stopped"
    best = snapshot.best_epoch
    assert best is not None and snapshot.epoch == best + 3
    steps_per_epoch = trainer.step_count // trainer.epoch  # 80 rows in batches of 16
    assert trainer.weights_position == (best, best * steps_per_epoch)
    assert snapshot.weights_position == trainer.weights_position
    assert (snapshot.epoch, snapshot.step) == (best + 3, (best + 3) * steps_per_epoch)


def test_weights_trained_to_the_end_are_at_the_runs_position() -> None:
    X, Y = _circles(60, seed=3)
    net = Network.from_spec(SPEC, "categorical_crossentropy", seed=1)
    training = TrainingSpec(optimizer="sgd", learning_rate=0.1, batch_size=20, epochs=4)
    trainer = Trainer(net, training, X, Y)
    snapshot = trainer.run()
    assert trainer.weights_position == snapshot.weights_position == (4, 12)
