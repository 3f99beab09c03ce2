"""Activation functions and their derivatives.

Every activation maps a pre-activation matrix ``Z`` of shape (m, n) (rows are samples) to an
output ``A`` of the same shape. Each provides

- :meth:`Activation.forward` ``A = g(Z)``,
- :meth:`Activation.derivative` the elementwise derivative ``dA/dZ`` (softmax returns the
  diagonal of its Jacobian, see :class:`Softmax`), and
- :meth:`Activation.backward` ``dZ = dJ/dZ`` from ``dA = dJ/dA``, the step backpropagation
  takes through the activation (softmax applies its full Jacobian).

All functions are numerically stable: exponentials only ever see non-positive arguments, so
``|z|`` up to the largest finite float neither overflows nor produces NaN. Underflow of tiny
exponentials to zero is the correct result and is deliberately silenced.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np

from nnstudio.errors import SpecError
from nnstudio.spec import ACTIVATION_ALPHA_DEFAULTS, ACTIVATIONS, canonical_activation

__all__ = [
    "Activation",
    "Elu",
    "Gelu",
    "Identity",
    "LeakyRelu",
    "Relu",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Swish",
    "Tanh",
    "get_activation",
    "log_sigmoid",
    "log_softmax",
    "row_max",
    "row_sum",
    "sigmoid",
    "softmax",
    "softplus",
]

_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715
# Beyond this |z| the tanh inside GELU is exactly ±1 in float64, so clipping the cubic term
# there changes nothing but keeps z**3 from overflowing for huge inputs.
_GELU_CLIP = 20.0


# --------------------------------------------------------------------------------------------
# Stable building blocks
# --------------------------------------------------------------------------------------------


def sigmoid(Z: np.ndarray) -> np.ndarray:
    """Logistic function ``1 / (1 + exp(-z))`` computed without overflow.

    Parameters
    ----------
    Z : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``Z``, values in [0, 1]
    """
    Z = np.asarray(Z)
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(Z))  # in (0, 1]: never overflows
        return np.where(Z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(Z.dtype, copy=False)


def softplus(Z: np.ndarray) -> np.ndarray:
    """``log(1 + exp(z))`` computed as ``max(z, 0) + log1p(exp(-|z|))``.

    Parameters
    ----------
    Z : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``Z``, values >= 0
    """
    Z = np.asarray(Z)
    with np.errstate(under="ignore"):
        return np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))


def log_sigmoid(Z: np.ndarray) -> np.ndarray:
    """``log(sigmoid(z)) = -softplus(-z)``, finite for every finite ``z``.

    Parameters
    ----------
    Z : ndarray, any shape

    Returns
    -------
    ndarray, same shape and dtype as ``Z``, values <= 0
    """
    return -softplus(-np.asarray(Z))


#: Up to this many columns, a row's maximum or sum is folded column by column: NumPy reduces a
#: short last axis one row at a time (3,200 × 10 float32: 163 µs for the maxima, 15 µs folded),
#: while from a few dozen columns on its own reduction is faster.
_FOLD_MAX_COLUMNS = 16


def _row_fold(ufunc: np.ufunc, Z: np.ndarray) -> np.ndarray:
    """``ufunc.reduce(Z, axis=1, keepdims=True)`` of an (m, k) array, fast for small ``k``.

    Parameters
    ----------
    ufunc : numpy.maximum or numpy.add
    Z : ndarray, shape (m, k)

    Returns
    -------
    ndarray, shape (m, 1)
        Row maxima (NaN where a row holds one, as ``max``) or row sums; a sum may differ from
        NumPy's pairwise one in the last bit.
    """
    k = Z.shape[1] if Z.ndim == 2 else 0
    if not 2 <= k <= _FOLD_MAX_COLUMNS:
        return ufunc.reduce(Z, axis=-1, keepdims=True)
    out = ufunc(Z[:, 0:1], Z[:, 1:2])
    for column in range(2, k):
        ufunc(out, Z[:, column : column + 1], out=out)
    return out


def row_max(Z: np.ndarray) -> np.ndarray:
    """Each row's largest entry, shape (m, 1), of an (m, k) array (NaN propagates)."""
    return _row_fold(np.maximum, Z)


def row_sum(Z: np.ndarray) -> np.ndarray:
    """Each row's sum, shape (m, 1), of an (m, k) array."""
    return _row_fold(np.add, Z)


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise ``log(softmax(z))`` via the log-sum-exp trick.

    Parameters
    ----------
    Z : ndarray, shape (m, k)

    Returns
    -------
    ndarray, shape (m, k)
    """
    Z = np.asarray(Z)
    shifted = Z - row_max(Z)  # largest entry of each row becomes 0
    with np.errstate(under="ignore"):
        return shifted - np.log(row_sum(np.exp(shifted)))


def softmax(Z: np.ndarray) -> np.ndarray:
    """Row-wise softmax ``exp(z_j) / sum_k exp(z_k)``, shifted by the row maximum.

    Parameters
    ----------
    Z : ndarray, shape (m, k)

    Returns
    -------
    ndarray, shape (m, k), rows summing to 1
    """
    Z = np.asarray(Z)
    shifted = Z - row_max(Z)
    with np.errstate(under="ignore"):
        E = np.exp(shifted)
    return E / row_sum(E)


# --------------------------------------------------------------------------------------------
# Activation classes
# --------------------------------------------------------------------------------------------


class Activation(ABC):
    """An activation function ``A = g(Z)``.

    Attributes
    ----------
    name : str
        Canonical name (``identity`` for ``linear``).
    alpha : float or None
        Parameter of ``leaky_relu`` (negative slope) and ``elu`` (scale); ``None`` otherwise.
    elementwise : bool
        ``True`` when each output depends only on its own input (all but softmax).
    """

    name: str = ""
    elementwise: bool = True

    def __init__(self, alpha: float | None = None) -> None:
        self.alpha = alpha

    def __repr__(self) -> str:
        if self.alpha is None:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(alpha={self.alpha:g})"

    def __call__(self, Z: np.ndarray) -> np.ndarray:
        return self.forward(Z)

    # Underflow of tiny values to (sub)normal zeros is the correct result everywhere here,
    # so the public methods silence it; overflow and invalid operations cannot happen.

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """Apply the activation.

        Parameters
        ----------
        Z : ndarray, shape (m, n)

        Returns
        -------
        A : ndarray, shape (m, n)
        """
        with np.errstate(under="ignore"):
            return self._forward(Z)

    def derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """Elementwise derivative ``dA/dZ``.

        Parameters
        ----------
        Z : ndarray, shape (m, n)
            Pre-activations.
        A : ndarray, shape (m, n)
            ``forward(Z)``, passed in so it is not recomputed.

        Returns
        -------
        ndarray, shape (m, n)
        """
        with np.errstate(under="ignore"):
            return self._derivative(Z, A)

    def backward(self, Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
        """Backpropagate through the activation: ``dZ = dA * g'(Z)``.

        Parameters
        ----------
        Z : ndarray, shape (m, n)
        A : ndarray, shape (m, n)
            ``forward(Z)``.
        dA : ndarray, shape (m, n)
            Gradient of the objective with respect to ``A``.

        Returns
        -------
        dZ : ndarray, shape (m, n)
        """
        with np.errstate(under="ignore"):
            return self._backward(Z, A, dA)

    @abstractmethod
    def _forward(self, Z: np.ndarray) -> np.ndarray:
        """``g(Z)``."""

    @abstractmethod
    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        """``g'(Z)`` elementwise."""

    def _backward(self, Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
        return dA * self._derivative(Z, A)


class Identity(Activation):
    """``g(z) = z`` (also called ``linear``)."""

    name = "identity"

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return np.array(Z, copy=True)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return np.ones_like(Z)

    def _backward(self, Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
        return np.array(dA, copy=True)


class Sigmoid(Activation):
    """``g(z) = 1 / (1 + exp(-z))``, ``g' = g (1 - g)``."""

    name = "sigmoid"

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return sigmoid(Z)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return A * (1 - A)


class Tanh(Activation):
    """``g(z) = tanh(z)``, ``g' = 1 - g²``."""

    name = "tanh"

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return np.tanh(Z)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return 1 - A * A


class Relu(Activation):
    """``g(z) = max(z, 0)``; the derivative at 0 is taken as 0."""

    name = "relu"

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return np.maximum(Z, 0)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return (Z > 0).astype(Z.dtype)


class LeakyRelu(Activation):
    """``g(z) = z`` for ``z > 0`` and ``alpha * z`` otherwise (alpha defaults to 0.01)."""

    name = "leaky_relu"

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return np.where(Z > 0, Z, self.alpha * Z).astype(Z.dtype, copy=False)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return np.where(Z > 0, 1, self.alpha).astype(Z.dtype)


class Elu(Activation):
    """``g(z) = z`` for ``z > 0`` and ``alpha (exp(z) - 1)`` otherwise (alpha defaults to 1)."""

    name = "elu"

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        negative = np.minimum(Z, 0)  # exp only sees z <= 0: no overflow
        return np.where(Z > 0, Z, self.alpha * np.expm1(negative)).astype(Z.dtype, copy=False)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        slope = self.alpha * np.exp(np.minimum(Z, 0))
        return np.where(Z > 0, 1, slope).astype(Z.dtype, copy=False)


class Softplus(Activation):
    """``g(z) = log(1 + exp(z))``, ``g' = sigmoid(z)``."""

    name = "softplus"

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return softplus(Z)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return sigmoid(Z)


class Gelu(Activation):
    """GELU, tanh approximation: ``0.5 z (1 + tanh(c (z + 0.044715 z³)))``, ``c = √(2/π)``."""

    name = "gelu"

    @staticmethod
    def _inner(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        Zc = np.clip(Z, -_GELU_CLIP, _GELU_CLIP)
        T = np.tanh(_GELU_C * (Zc + _GELU_K * Zc**3))
        return Zc, T

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        _, T = self._inner(Z)
        return 0.5 * Z * (1 + T)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        Zc, T = self._inner(Z)
        # d/dz of the tanh argument is c (1 + 3k z²); outside the clip 1 - T² is exactly 0.
        return 0.5 * (1 + T) + 0.5 * Zc * (1 - T * T) * _GELU_C * (1 + 3 * _GELU_K * Zc * Zc)


class Swish(Activation):
    """Swish (SiLU): ``g(z) = z · sigmoid(z)``, ``g' = s + z s (1 - s)``."""

    name = "swish"

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return Z * sigmoid(Z)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        S = sigmoid(Z)
        return S * (1 + Z * (1 - S))


class Softmax(Activation):
    """Row-wise softmax; only allowed on the output layer.

    Its Jacobian is not diagonal: ``dA_i/dZ_j = A_i (δ_ij - A_j)`` within each row.
    :meth:`backward` applies the full Jacobian (a vectorised Jacobian-vector product);
    :meth:`derivative` returns only the diagonal ``A (1 - A)``, which is what a plot of
    "how sensitive is each output to its own input" shows, and is *not* enough to
    backpropagate.
    """

    name = "softmax"
    elementwise = False

    def _forward(self, Z: np.ndarray) -> np.ndarray:
        return softmax(Z)

    def _derivative(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return A * (1 - A)

    def _backward(self, Z: np.ndarray, A: np.ndarray, dA: np.ndarray) -> np.ndarray:
        # J^T dA for each row: A ⊙ (dA - <dA, A>).
        return A * (dA - row_sum(dA * A))


_CLASSES: dict[str, type[Activation]] = {
    cls.name: cls
    for cls in (Identity, Sigmoid, Tanh, Relu, LeakyRelu, Elu, Softplus, Gelu, Swish, Softmax)
}


def get_activation(name: str, alpha: float | None = None) -> Activation:
    """Build an activation by name.

    Parameters
    ----------
    name : str
        One of :data:`nnstudio.spec.ACTIVATIONS` (``linear`` is ``identity``).
    alpha : float or None
        Negative slope of ``leaky_relu`` or scale of ``elu``; ``None`` means the default.
        Ignored by the other activations.

    Returns
    -------
    Activation

    Raises
    ------
    SpecError
        For an unknown name or an invalid alpha.
    """
    canonical = canonical_activation(name)
    if canonical not in _CLASSES:
        raise SpecError(f"activation: unknown {name!r}; expected one of {', '.join(ACTIVATIONS)}")
    if canonical in ACTIVATION_ALPHA_DEFAULTS:
        value = ACTIVATION_ALPHA_DEFAULTS[canonical] if alpha is None else float(alpha)
        if not math.isfinite(value) or value < 0:
            raise SpecError(f"activation: {canonical} needs a finite alpha >= 0, got {value:g}")
        return _CLASSES[canonical](value)
    return _CLASSES[canonical]()
