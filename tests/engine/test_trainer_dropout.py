"""Snapshots show dropout at work: which units each training step actually dropped."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from nnstudio.engine.initializers import random_stream
from nnstudio.engine.network import Network
from nnstudio.engine.trainer import Trainer
from nnstudio.spec import LayerSpec, NetworkSpec, TrainingSpec

UNITS = 16


def _data(m: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 2))
    return X, np.eye(2)[(X[:, 0] * X[:, 1] > 0).astype(int)]


def _trainer(dropout: float, *, batch_size: int = 8, seed: int = 4) -> Trainer:
    spec = NetworkSpec(
        2,
        (
            LayerSpec(UNITS, "relu", dropout=dropout),
            LayerSpec(6, "tanh"),
            LayerSpec(2, "softmax"),
        ),
    )
    network = Network.from_spec(spec, "categorical_crossentropy", seed=1)
    training = TrainingSpec(
        optimizer="sgd", learning_rate=0.1, batch_size=batch_size, epochs=50, seed=seed
    )
    X, Y = _data()
    return Trainer(network, training, X, Y)


def test_each_snapshot_shows_the_masks_its_last_step_trained_with() -> None:
    trainer = _trainer(0.5, seed=4)
    # The trainer's dropout stream, replayed: each step draws one (batch, units) block (in
    # the network's float32) for the one layer with dropout, and keeps a unit where its
    # number is below 1 - p.
    replay = random_stream(4, "dropout")
    seen = []
    for _ in range(12):  # 40 rows in batches of 8: past an epoch's end and a new order
        trainer.step()
        expected = replay.random((8, UNITS), dtype=np.float32) < 0.5
        kept = trainer.snapshot().kept_units
        assert len(kept) == 3 and kept[1] is None and kept[2] is None
        mask = kept[0]
        assert mask.dtype == bool and mask.shape == (UNITS,)
        np.testing.assert_array_equal(mask, expected[0])  # the batch's first sample
        assert not mask.flags.writeable
        seen.append(mask)
    # A different random half drops at each step, and earlier snapshots keep theirs.
    assert len({mask.tobytes() for mask in seen}) > 8
    assert all(0 < int(mask.sum()) < UNITS for mask in seen)
    first = random_stream(4, "dropout").random((8, UNITS), dtype=np.float32)[0] < 0.5
    np.testing.assert_array_equal(seen[0], first)


def test_a_snapshot_with_masks_travels_to_another_process() -> None:
    trainer = _trainer(0.5)
    trainer.step()
    snapshot = trainer.snapshot()
    copy = pickle.loads(pickle.dumps(snapshot))
    np.testing.assert_array_equal(copy.kept_units[0], snapshot.kept_units[0])
    assert copy.kept_units[1:] == (None, None)


@pytest.mark.parametrize("dropout", [0.0, 0.5])
def test_nothing_is_shown_before_a_step_or_without_dropout(dropout: float) -> None:
    trainer = _trainer(dropout)
    assert trainer.snapshot().kept_units == ()
    trainer.run_epoch()
    kept = trainer.snapshot().kept_units
    assert (kept == ()) if dropout == 0 else (kept[0] is not None)


def test_an_undone_step_shows_no_masks() -> None:
    trainer = _trainer(0.5)
    trainer.step()
    assert trainer.snapshot().kept_units
    trainer.network.params[0][0][0, 0] = np.inf  # the next step cannot be finite
    trainer.step()
    snapshot = trainer.snapshot()
    assert snapshot.status == "diverged"
    assert snapshot.kept_units == ()
