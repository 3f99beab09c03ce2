"""Activation functions: values, derivatives, softmax's Jacobian and numerical stability."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.activations import (
    get_activation,
    log_sigmoid,
    log_softmax,
    sigmoid,
    softmax,
    softplus,
)
from nnstudio.errors import SpecError
from nnstudio.spec import ACTIVATIONS

ELEMENTWISE = [name for name in ACTIVATIONS if name not in ("softmax", "linear")]


def _reference(name: str, z: float, alpha: float | None = None) -> float:
    """Scalar formulas written out independently of the engine."""
    if name == "identity":
        return z
    if name == "sigmoid":
        return 1 / (1 + math.exp(-z))
    if name == "tanh":
        return math.tanh(z)
    if name == "relu":
        return max(z, 0.0)
    if name == "leaky_relu":
        return z if z > 0 else (0.01 if alpha is None else alpha) * z
    if name == "elu":
        return z if z > 0 else (1.0 if alpha is None else alpha) * (math.exp(z) - 1)
    if name == "softplus":
        return math.log(1 + math.exp(z))
    if name == "gelu":
        return 0.5 * z * (1 + math.tanh(math.sqrt(2 / math.pi) * (z + 0.044715 * z**3)))
    if name == "swish":
        return z / (1 + math.exp(-z))
    raise AssertionError(name)


POINTS = np.array([[-3.0, -0.7, -0.1, 0.2, 0.9, 2.5]])


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_forward_matches_scalar_formula(name: str) -> None:
    activation = get_activation(name)
    got = activation.forward(POINTS)
    expected = np.array([[_reference(name, float(z)) for z in POINTS[0]]])
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_difference(name: str) -> None:
    activation = get_activation(name)
    h = 1e-6
    numeric = (activation.forward(POINTS + h) - activation.forward(POINTS - h)) / (2 * h)
    analytic = activation.derivative(POINTS, activation.forward(POINTS))
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_is_derivative_times_upstream(name: str) -> None:
    activation = get_activation(name)
    A = activation.forward(POINTS)
    dA = np.array([[0.3, -1.0, 2.0, 0.5, -0.25, 1.5]])
    np.testing.assert_allclose(
        activation.backward(POINTS, A, dA), dA * activation.derivative(POINTS, A)
    )


def test_linear_is_an_alias_of_identity() -> None:
    assert get_activation("linear").name == "identity"
    np.testing.assert_array_equal(get_activation("linear").forward(POINTS), POINTS)


def test_alpha_defaults_and_overrides() -> None:
    assert get_activation("leaky_relu").alpha == 0.01
    assert get_activation("elu").alpha == 1.0
    assert get_activation("tanh").alpha is None
    leaky = get_activation("leaky_relu", alpha=0.2)
    np.testing.assert_allclose(leaky.forward(np.array([[-2.0, 3.0]])), [[-0.4, 3.0]])
    elu = get_activation("elu", alpha=2.0)
    np.testing.assert_allclose(elu.forward(np.array([[-1.0]])), [[2.0 * (math.exp(-1) - 1)]])


def test_unknown_activation_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="unknown 'relu6'"):
        get_activation("relu6")


def test_negative_alpha_is_rejected() -> None:
    with pytest.raises(SpecError, match="alpha"):
        get_activation("leaky_relu", alpha=-1.0)


def test_relu_derivative_at_zero_is_zero() -> None:
    relu = get_activation("relu")
    Z = np.array([[0.0, 1.0, -1.0]])
    np.testing.assert_array_equal(relu.derivative(Z, relu.forward(Z)), [[0.0, 1.0, 0.0]])


# ---- softmax -------------------------------------------------------------------------------


def test_softmax_rows_sum_to_one_and_are_shift_invariant() -> None:
    Z = np.random.default_rng(0).normal(size=(5, 4))
    A = softmax(Z)
    np.testing.assert_allclose(A.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(Z + 100.0), A, rtol=1e-12)


def test_softmax_backward_is_the_jacobian_vector_product() -> None:
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(3, 4))
    dA = rng.normal(size=(3, 4))
    act = get_activation("softmax")
    A = act.forward(Z)
    got = act.backward(Z, A, dA)
    for row in range(3):
        a = A[row]
        jacobian = np.diag(a) - np.outer(a, a)  # dA_i/dZ_j
        np.testing.assert_allclose(got[row], jacobian.T @ dA[row], rtol=1e-12)


def test_softmax_backward_matches_finite_differences() -> None:
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(2, 3))
    weights = rng.normal(size=(2, 3))  # objective sum(weights * softmax(Z))
    act = get_activation("softmax")
    analytic = act.backward(Z, act.forward(Z), weights)
    numeric = np.zeros_like(Z)
    h = 1e-6
    for index in np.ndindex(Z.shape):
        plus, minus = Z.copy(), Z.copy()
        plus[index] += h
        minus[index] -= h
        numeric[index] = (np.sum(weights * softmax(plus)) - np.sum(weights * softmax(minus))) / (
            2 * h
        )
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7, atol=1e-10)


def test_softmax_derivative_is_documented_diagonal() -> None:
    act = get_activation("softmax")
    assert not act.elementwise
    Z = np.array([[0.0, 1.0, 2.0]])
    A = act.forward(Z)
    np.testing.assert_allclose(act.derivative(Z, A), A * (1 - A))


# ---- stability -----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", [name for name in ACTIVATIONS if name != "linear"])
def test_no_floating_point_errors_at_extreme_inputs(name: str, dtype: type) -> None:
    tiny = np.finfo(dtype).tiny
    huge_and_tiny = [-1e4, -50.0, -1.0, -1e-30, -tiny, 0.0, tiny / 4, 1e-30, 1.0, 50.0, 1e4]
    Z = np.array([huge_and_tiny], dtype=dtype)
    activation = get_activation(name)
    with np.errstate(all="raise"):
        A = activation.forward(Z)
        D = activation.derivative(Z, A)
        dZ = activation.backward(Z, A, np.full_like(Z, 1e-20))
    for array in (A, D, dZ):
        assert array.dtype == dtype
        assert np.isfinite(array).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_saturates_exactly_and_stays_precise(dtype: type) -> None:
    z = np.array([-1e4, -30.0, 0.0, 30.0, 1e4], dtype=dtype)
    with np.errstate(all="raise"):
        s = sigmoid(z)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[2] == 0.5
    # Small tails keep their relative precision (no 1 - (1 - tiny) cancellation).
    np.testing.assert_allclose(s[1], math.exp(-30) / (1 + math.exp(-30)), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_log_space_helpers_are_finite_at_extremes(dtype: type) -> None:
    Z = np.array([[-1e4, 0.0, 1e4]], dtype=dtype)
    with np.errstate(all="raise"):
        np.testing.assert_allclose(log_sigmoid(Z), [[-1e4, -math.log(2), 0.0]], rtol=1e-6)
        np.testing.assert_allclose(softplus(Z), [[0.0, math.log(2), 1e4]], rtol=1e-6)
        L = log_softmax(Z)
        P = softmax(Z)
    np.testing.assert_allclose(L, [[-2e4, -1e4, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(P, [[0.0, 0.0, 1.0]])
