"""Shared builders for the engine tests."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from nnstudio.engine.network import Network
from nnstudio.spec import LayerSpec, NetworkSpec


@pytest.fixture
def make_network() -> Callable[..., Network]:
    """Build a network from ``(inputs, [(units, activation), ...])`` with sensible defaults."""

    def build(
        inputs: int,
        layers: list[tuple[int, str]],
        loss: str,
        *,
        init: str = "xavier_normal",
        seed: int = 0,
        dtype: str = "float64",
        **layer_options: object,
    ) -> Network:
        specs = tuple(
            LayerSpec(units=units, activation=activation, init=init, **layer_options)  # type: ignore[arg-type]
            for units, activation in layers
        )
        return Network.from_spec(NetworkSpec(inputs, specs), loss, seed=seed, dtype=dtype)

    return build


@pytest.fixture
def xor_data() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points and their labels, shape (4, 2) and (4, 1)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    Y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, Y
