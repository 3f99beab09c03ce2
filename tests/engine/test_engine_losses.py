"""Losses: hand-computed values, gradients, logit-based stability and pairing checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.activations import get_activation
from nnstudio.engine.losses import check_pairing, data_loss, get_loss, output_delta
from nnstudio.errors import SpecError
from nnstudio.spec import LOSSES, LayerSpec

YHAT = np.array([[0.5, 2.0], [-1.0, 0.0]])
Y = np.array([[1.0, 0.0], [0.0, 0.5]])


def test_mse_uses_the_half_and_averages_over_rows() -> None:
    # residuals: (-0.5, 2), (-1, -0.5) -> squares 0.25 + 4 + 1 + 0.25 = 5.5; J = 5.5 / (2 * 2)
    assert get_loss("mse").value(YHAT, Y) == pytest.approx(5.5 / 4)
    np.testing.assert_allclose(get_loss("mse").gradient(YHAT, Y), (YHAT - Y) / 2)


def test_mae_sums_over_outputs_and_averages_over_rows() -> None:
    assert get_loss("mae").value(YHAT, Y) == pytest.approx((0.5 + 2 + 1 + 0.5) / 2)
    np.testing.assert_allclose(get_loss("mae").gradient(YHAT, Y), np.sign(YHAT - Y) / 2)


def test_huber_is_quadratic_inside_delta_and_linear_outside() -> None:
    # |r| = 0.5 -> 0.125; 2 -> 1.5; 1 -> 0.5; 0.5 -> 0.125
    assert get_loss("huber").value(YHAT, Y) == pytest.approx((0.125 + 1.5 + 0.5 + 0.125) / 2)
    np.testing.assert_allclose(get_loss("huber").gradient(YHAT, Y), np.clip(YHAT - Y, -1, 1) / 2)


def test_binary_crossentropy_value() -> None:
    P = np.array([[0.8], [0.3]])
    T = np.array([[1.0], [0.0]])
    expected = -(math.log(0.8) + math.log(0.7)) / 2
    assert get_loss("binary_crossentropy").value(P, T) == pytest.approx(expected)
    Z = np.log(P / (1 - P))  # the logits of those probabilities
    assert get_loss("binary_crossentropy").value_from_logits(Z, T) == pytest.approx(expected)


def test_categorical_crossentropy_value() -> None:
    P = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    T = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    expected = -(math.log(0.7) + math.log(0.1)) / 2
    assert get_loss("categorical_crossentropy").value(P, T) == pytest.approx(expected)
    Z = np.log(P) + 3.0  # any per-row shift gives the same softmax
    assert get_loss("categorical_crossentropy").value_from_logits(Z, T) == pytest.approx(expected)


@pytest.mark.parametrize("name", LOSSES)
def test_gradient_matches_central_differences(name: str) -> None:
    rng = np.random.default_rng(3)
    if name == "categorical_crossentropy":
        Yhat = get_activation("softmax").forward(rng.normal(size=(4, 3)))
        T = np.eye(3)[[0, 2, 1, 1]]
    elif name == "binary_crossentropy":
        Yhat = rng.uniform(0.1, 0.9, size=(4, 3))
        T = rng.integers(0, 2, size=(4, 3)).astype(float)
    else:
        Yhat = rng.normal(size=(4, 3))
        T = rng.normal(size=(4, 3))
    loss = get_loss(name)
    numeric = np.zeros_like(Yhat)
    h = 1e-6
    for index in np.ndindex(Yhat.shape):
        plus, minus = Yhat.copy(), Yhat.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (loss.value(plus, T) - loss.value(minus, T)) / (2 * h)
    np.testing.assert_allclose(loss.gradient(Yhat, T), numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    ("loss_name", "activation_name"),
    [("binary_crossentropy", "sigmoid"), ("categorical_crossentropy", "softmax")],
)
def test_fused_delta_equals_the_chain_rule(loss_name: str, activation_name: str) -> None:
    rng = np.random.default_rng(4)
    Z = rng.normal(size=(5, 3))
    T = np.eye(3)[[0, 1, 2, 1, 0]]
    loss, activation = get_loss(loss_name), get_activation(activation_name)
    A = activation.forward(Z)
    fused = output_delta(loss, activation, Z, A, T)
    np.testing.assert_allclose(fused, (A - T) / 5)
    chained = activation.backward(Z, A, loss.gradient(A, T))
    np.testing.assert_allclose(fused, chained, rtol=1e-10, atol=1e-14)
    assert data_loss(loss, activation, Z, A, T) == pytest.approx(loss.value(A, T), rel=1e-10)


def test_unfused_pairing_goes_through_the_activation() -> None:
    Z = np.array([[0.2, -0.4, 1.0]])
    T = np.array([[0.0, 1.0, 0.0]])
    softmax, mse = get_activation("softmax"), get_loss("mse")
    A = softmax.forward(Z)
    expected = softmax.backward(Z, A, (A - T) / 1)
    np.testing.assert_allclose(output_delta(mse, softmax, Z, A, T), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropies_from_logits_are_finite_when_confidently_wrong(dtype: type) -> None:
    Z = np.array([[1e4], [-1e4]], dtype=dtype)
    T = np.array([[0.0], [1.0]], dtype=dtype)
    with np.errstate(all="raise"):
        value = get_loss("binary_crossentropy").value_from_logits(Z, T)
    assert value == pytest.approx(1e4, rel=1e-6)
    Z3 = np.array([[1e4, -1e4, 0.0]], dtype=dtype)
    T3 = np.array([[0.0, 1.0, 0.0]], dtype=dtype)
    with np.errstate(all="raise"):
        value3 = get_loss("categorical_crossentropy").value_from_logits(Z3, T3)
    assert value3 == pytest.approx(2e4, rel=1e-6)


def test_probability_based_cross_entropy_is_clipped_not_infinite() -> None:
    P = np.array([[0.0], [1.0]])
    T = np.array([[1.0], [0.0]])
    assert math.isfinite(get_loss("binary_crossentropy").value(P, T))
    assert np.isfinite(get_loss("binary_crossentropy").gradient(P, T)).all()


def test_unknown_loss_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="loss: unknown 'hinge'"):
        get_loss("hinge")


@pytest.mark.parametrize(
    ("loss", "layer", "message"),
    [
        ("binary_crossentropy", LayerSpec(1, "tanh"), "needs a sigmoid output layer, not tanh"),
        ("categorical_crossentropy", LayerSpec(3, "sigmoid"), "needs a softmax output layer"),
        ("categorical_crossentropy", LayerSpec(1, "softmax"), "2 or more softmax units"),
    ],
)
def test_nonsense_pairings_are_rejected(loss: str, layer: LayerSpec, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        check_pairing(loss, layer)


def test_sensible_pairings_are_accepted() -> None:
    check_pairing("mse", LayerSpec(3, "softmax"))
    check_pairing("binary_crossentropy", LayerSpec(2, "sigmoid"))
    check_pairing("mae", LayerSpec(1, "identity"))
