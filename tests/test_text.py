"""Counted nouns in messages: singular for exactly one, thousands separated."""

from __future__ import annotations

import pytest

from nnstudio.text import plural


@pytest.mark.parametrize(
    ("count", "singular", "plural_form", "expected"),
    [
        (1, "epoch", None, "1 epoch"),
        (0, "epoch", None, "0 epochs"),
        (2, "class", None, "2 classes"),
        (1, "class", None, "1 class"),
        (3, "bias", "biases", "3 biases"),
        (1797, "row", None, "1,797 rows"),
        (2, "output unit", None, "2 output units"),
    ],
)
def test_plural(count: int, singular: str, plural_form: str | None, expected: str) -> None:
    assert plural(count, singular, plural_form) == expected


def test_a_one_epoch_run_says_epoch_in_the_singular() -> None:
    from nnstudio.engine.network import Network
    from nnstudio.engine.trainer import Trainer
    from nnstudio.spec import LayerSpec, NetworkSpec, TrainingSpec

    spec = NetworkSpec(inputs=2, layers=(LayerSpec(3, "tanh"), LayerSpec(1, "identity")))
    network = Network.from_spec(spec, "mse", seed=0)
    X = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]
    Y = [[1.0], [1.0], [0.0], [0.0]]
    trainer = Trainer(network, TrainingSpec(epochs=1, batch_size="full"), X, Y, task="regression")
    snapshot = trainer.run()
    assert snapshot.message == "Finished 1 epoch (1 step)."
