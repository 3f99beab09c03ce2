"""Small projects and weights shared by the file-format tests."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.spec import (
    BuiltinData,
    CsvData,
    LayerSpec,
    NetworkSpec,
    Project,
    Standardization,
    TrainingSpec,
    Weights,
)


def random_weights(network: NetworkSpec, seed: int = 0) -> Weights:
    """Weights of the right shapes with distinct random values."""
    rng = np.random.default_rng(seed)
    return tuple(
        (rng.normal(size=w_shape), rng.normal(size=b_shape))
        for w_shape, b_shape in network.weight_shapes()
    )


@pytest.fixture
def make_weights():
    """Factory: ``make_weights(network, seed=0)`` gives random weights of the right shapes."""
    return random_weights


@pytest.fixture
def xor_project() -> Project:
    """A 2-4-1 sigmoid classifier on the built-in XOR data."""
    return Project(
        name="XOR",
        data=BuiltinData(builtin="xor", samples=80, seed=3),
        network=NetworkSpec(
            inputs=2,
            layers=(
                LayerSpec(units=4, activation="leaky_relu", alpha=0.2),
                LayerSpec(units=1, activation="sigmoid"),
            ),
        ),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.05, epochs=20),
        feature_names=("x1", "x2"),
        output_names=("0", "1"),
        standardization=Standardization(mean=(0.5, -0.25), std=(2.0, 0.5)),
        description="Two inputs, one hidden layer.",
    )


@pytest.fixture
def csv_project() -> Project:
    """A regression project reading ``data/houses.csv`` relative to its file."""
    return Project(
        name="Houses",
        data=CsvData(csv="data/houses.csv", target=("price",), task="regression"),
        network=NetworkSpec(inputs=3, layers=(LayerSpec(units=1, activation="identity"),)),
        loss="mse",
    )
