"""Weight initialisers: shapes, scales, biases, dtypes and seeded streams."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.initializers import initialize_layer, random_stream
from nnstudio.errors import SpecError
from nnstudio.spec import INITIALIZERS, LayerSpec

FAN_IN, FAN_OUT = 400, 300


def _draw(init: str, **options: object) -> tuple[np.ndarray, np.ndarray]:
    layer = LayerSpec(units=FAN_OUT, init=init, **options)  # type: ignore[arg-type]
    return initialize_layer(layer, FAN_IN, np.random.default_rng(0), "float64")


@pytest.mark.parametrize("init", INITIALIZERS)
def test_shapes_dtype_and_bias(init: str) -> None:
    layer = LayerSpec(units=5, init=init, bias_init=0.25)
    W, b = initialize_layer(layer, 3, np.random.default_rng(0), "float32")
    assert W.shape == (3, 5) and b.shape == (5,)
    assert W.dtype == np.float32 and b.dtype == np.float32
    np.testing.assert_array_equal(b, np.full(5, 0.25, dtype=np.float32))


@pytest.mark.parametrize(
    ("init", "std"),
    [
        ("normal", 0.1),
        ("xavier_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("xavier_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT)) / math.sqrt(3)),
        ("he_normal", math.sqrt(2 / FAN_IN)),
        ("he_uniform", math.sqrt(6 / FAN_IN) / math.sqrt(3)),
        ("lecun_normal", math.sqrt(1 / FAN_IN)),
        ("uniform", 0.05 / math.sqrt(3)),
    ],
)
def test_random_initialisers_have_the_documented_scale(init: str, std: float) -> None:
    W, _ = _draw(init)
    # 120,000 draws: the sample std is within ~1% of the true value.
    assert W.std() == pytest.approx(std, rel=0.02)
    assert abs(W.mean()) < 0.02 * std


@pytest.mark.parametrize(
    ("init", "limit"),
    [
        ("uniform", 0.05),
        ("xavier_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("he_uniform", math.sqrt(6 / FAN_IN)),
    ],
)
def test_uniform_initialisers_respect_their_limit(init: str, limit: float) -> None:
    W, _ = _draw(init)
    assert np.abs(W).max() <= limit
    assert np.abs(W).max() > 0.99 * limit


def test_init_param_overrides_the_default_scale() -> None:
    W, _ = _draw("normal", init_param=0.5)
    assert W.std() == pytest.approx(0.5, rel=0.02)
    W, _ = _draw("constant", init_param=0.3)
    np.testing.assert_array_equal(W, 0.3)
    W, _ = _draw("zeros")
    assert not W.any()


def test_non_positive_scale_is_rejected() -> None:
    with pytest.raises(SpecError, match="positive scale"):
        _draw("normal", init_param=0.0)


def test_unknown_initialiser_is_rejected() -> None:
    with pytest.raises(SpecError, match="unknown 'orthogonal'"):
        _draw("orthogonal")


def test_float32_and_float64_draw_the_same_numbers() -> None:
    layer = LayerSpec(units=4, init="he_normal")
    W32, _ = initialize_layer(layer, 3, np.random.default_rng(7), "float32")
    W64, _ = initialize_layer(layer, 3, np.random.default_rng(7), "float64")
    np.testing.assert_array_equal(W32, W64.astype(np.float32))


def test_random_streams_are_reproducible_and_independent() -> None:
    a = random_stream(5, "init", 0).random(8)
    np.testing.assert_array_equal(a, random_stream(5, "init", 0).random(8))
    assert not np.array_equal(a, random_stream(5, "init", 1).random(8))
    assert not np.array_equal(a, random_stream(5, "shuffle").random(8))
    assert not np.array_equal(a, random_stream(6, "init", 0).random(8))
    with pytest.raises(ValueError, match="unknown random stream"):
        random_stream(0, "noise")  # type: ignore[arg-type]
