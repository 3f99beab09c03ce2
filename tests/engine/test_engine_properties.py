"""Property-based checks over arbitrary inputs (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from nnstudio.engine.activations import get_activation, softmax
from nnstudio.engine.losses import get_loss
from nnstudio.engine.network import Network
from nnstudio.spec import ACTIVATIONS, LayerSpec, NetworkSpec

FAST = settings(max_examples=40, deadline=None)


def _logits(dtype: type) -> st.SearchStrategy[np.ndarray]:
    return arrays(
        dtype,
        st.tuples(st.integers(1, 6), st.integers(1, 5)),
        elements=st.floats(-1e4, 1e4, allow_nan=False, width=32),
    )


@FAST
@given(
    name=st.sampled_from([name for name in ACTIVATIONS if name != "linear"]),
    dtype=st.sampled_from([np.float32, np.float64]),
    data=st.data(),
)
def test_activations_stay_finite_without_floating_point_errors(
    name: str, dtype: type, data: st.DataObject
) -> None:
    Z = data.draw(_logits(dtype))
    activation = get_activation(name)
    with np.errstate(all="raise"):
        A = activation.forward(Z)
        dZ = activation.backward(Z, A, np.ones_like(Z))
    assert A.shape == Z.shape and A.dtype == Z.dtype
    assert np.isfinite(A).all() and np.isfinite(dZ).all()


@FAST
@given(Z=_logits(np.float64))
def test_softmax_is_a_probability_distribution(Z: np.ndarray) -> None:
    P = softmax(Z)
    assert (P >= 0).all() and (P <= 1).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    # The largest logit gets the largest probability (ties in P are allowed after rounding).
    rows = np.arange(len(Z))
    np.testing.assert_array_equal(P[rows, Z.argmax(axis=1)], P.max(axis=1))


@FAST
@given(
    Z=arrays(np.float64, (5, 1), elements=st.floats(-15, 15)),
    labels=arrays(np.int64, (5, 1), elements=st.integers(0, 1)),
)
def test_binary_crossentropy_from_logits_matches_probabilities(
    Z: np.ndarray, labels: np.ndarray
) -> None:
    loss = get_loss("binary_crossentropy")
    Y = labels.astype(float)
    P = get_activation("sigmoid").forward(Z)
    assert loss.value_from_logits(Z, Y) == pytest.approx(loss.value(P, Y), rel=1e-9, abs=1e-12)


@FAST
@given(rows=st.lists(st.integers(0, 9), min_size=1, max_size=10), seed=st.integers(0, 2**16))
def test_each_row_is_computed_independently(rows: list[int], seed: int) -> None:
    spec = NetworkSpec(3, (LayerSpec(5, "gelu"), LayerSpec(4, "elu"), LayerSpec(3, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy", seed=seed, dtype="float64")
    X = np.random.default_rng(seed).normal(size=(10, 3))
    full = net.predict(X)
    np.testing.assert_allclose(net.predict(X[rows]), full[rows], rtol=1e-12, atol=1e-15)
