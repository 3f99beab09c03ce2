"""Loss functions averaged over the batch.

Every loss is ``J = (1/m) Σ_i L(ŷ_i, y_i)`` where the per-sample loss ``L`` sums over the
output units and ``m`` is the number of rows:

==============================  =============================================================
``mse``                         ``L = ½ ‖ŷ - y‖²`` (the lectures' ½, so ``dJ/dŷ = (ŷ - y)/m``)
``mae``                         ``L = Σ_j |ŷ_j - y_j|``
``huber``                       ``Σ_j ½ r²`` for ``|r| ≤ δ``, else ``δ (|r| - ½ δ)``; δ = 1
``binary_crossentropy``         ``L = -Σ_j [y log ŷ + (1 - y) log(1 - ŷ)]`` (sigmoid outputs)
``categorical_crossentropy``    ``L = -Σ_j y_j log ŷ_j`` (softmax outputs, one-hot ``y``)
==============================  =============================================================

The cross-entropies are evaluated from the logits ``Z`` with ``log_sigmoid`` / ``log_softmax``
whenever the output activation matches (:func:`data_loss`), so they stay finite however
confident the network becomes, and their gradient is the fused ``dZ = (ŷ - y)/m``
(:func:`output_delta`). Any other pairing backpropagates ``dJ/dŷ`` through the activation.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from nnstudio.engine.activations import Activation, log_sigmoid, log_softmax
from nnstudio.errors import SpecError
from nnstudio.spec import LOSSES, LayerSpec, loss_output_problem

__all__ = [
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "Huber",
    "Loss",
    "MeanAbsoluteError",
    "MeanSquaredError",
    "check_pairing",
    "data_loss",
    "get_loss",
    "output_delta",
]


class Loss(ABC):
    """A batch-mean loss ``J(Ŷ, Y)``.

    Attributes
    ----------
    name : str
        One of :data:`nnstudio.spec.LOSSES`.
    fused_activation : str or None
        The output activation whose logits this loss can be evaluated from directly
        (``sigmoid`` for binary, ``softmax`` for categorical cross-entropy).
    """

    name: str = ""
    fused_activation: str | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @abstractmethod
    def value(self, Yhat: np.ndarray, Y: np.ndarray) -> float:
        """Batch-mean loss.

        Parameters
        ----------
        Yhat : ndarray, shape (m, k)
            Network outputs.
        Y : ndarray, shape (m, k)
            Targets encoded for the output layer.

        Returns
        -------
        float
        """

    @abstractmethod
    def gradient(self, Yhat: np.ndarray, Y: np.ndarray) -> np.ndarray:
        """Gradient ``dJ/dŶ`` (already divided by m).

        Parameters
        ----------
        Yhat, Y : ndarray, shape (m, k)

        Returns
        -------
        ndarray, shape (m, k)
        """

    def value_from_logits(self, Z: np.ndarray, Y: np.ndarray) -> float:
        """Batch-mean loss computed from the output pre-activations (cross-entropies only).

        Parameters
        ----------
        Z, Y : ndarray, shape (m, k)

        Returns
        -------
        float
        """
        raise TypeError(f"{self.name} is not evaluated from logits")


def _batch_mean(per_element: np.ndarray) -> float:
    """Sum over output units, mean over rows."""
    m = per_element.shape[0]
    return float(per_element.sum(dtype=np.float64) / max(m, 1))


class MeanSquaredError(Loss):
    """``J = 1/(2m) Σ ‖ŷ - y‖²``."""

    name = "mse"

    def value(self, Yhat: np.ndarray, Y: np.ndarray) -> float:
        R = Yhat - Y
        return 0.5 * _batch_mean(R * R)

    def gradient(self, Yhat: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return (Yhat - Y) / Yhat.shape[0]


class MeanAbsoluteError(Loss):
    """``J = (1/m) Σ Σ_j |ŷ_j - y_j|``; the gradient at a zero residual is taken as 0."""

    name = "mae"

    def value(self, Yhat: np.ndarray, Y: np.ndarray) -> float:
        return _batch_mean(np.abs(Yhat - Y))

    def gradient(self, Yhat: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return np.sign(Yhat - Y) / Yhat.shape[0]


class Huber(Loss):
    """Huber loss with threshold ``delta`` (1.0): quadratic near 0, linear beyond ``delta``."""

    name = "huber"

    def __init__(self, delta: float = 1.0) -> None:
        self.delta = float(delta)

    def value(self, Yhat: np.ndarray, Y: np.ndarray) -> float:
        R = np.abs(Yhat - Y)
        d = self.delta
        return _batch_mean(np.where(R <= d, 0.5 * R * R, d * (R - 0.5 * d)))

    def gradient(self, Yhat: np.ndarray, Y: np.ndarray) -> np.ndarray:
        return np.clip(Yhat - Y, -self.delta, self.delta) / Yhat.shape[0]


def _probability_floor(dtype: np.dtype) -> float:
    """Smallest probability used when a cross-entropy is evaluated from probabilities."""
    return float(np.finfo(dtype).eps)


class BinaryCrossentropy(Loss):
    """``J = -(1/m) Σ [y log ŷ + (1 - y) log(1 - ŷ)]`` for sigmoid outputs."""

    name = "binary_crossentropy"
    fused_activation = "sigmoid"

    def value(self, Yhat: np.ndarray, Y: np.ndarray) -> float:
        eps = _probability_floor(Yhat.dtype)
        P = np.clip(Yhat, eps, 1 - eps)
        return _batch_mean(-(Y * np.log(P) + (1 - Y) * np.log1p(-P)))

    def gradient(self, Yhat: np.ndarray, Y: np.ndarray) -> np.ndarray:
        eps = _probability_floor(Yhat.dtype)
        P = np.clip(Yhat, eps, 1 - eps)
        return (P - Y) / (P * (1 - P)) / Yhat.shape[0]

    def value_from_logits(self, Z: np.ndarray, Y: np.ndarray) -> float:
        # log ŷ = log σ(z) and log(1 - ŷ) = log σ(-z), both finite for every z.
        return _batch_mean(-(Y * log_sigmoid(Z) + (1 - Y) * log_sigmoid(-Z)))


class CategoricalCrossentropy(Loss):
    """``J = -(1/m) Σ Σ_j y_j log ŷ_j`` for softmax outputs and one-hot targets."""

    name = "categorical_crossentropy"
    fused_activation = "softmax"

    def value(self, Yhat: np.ndarray, Y: np.ndarray) -> float:
        eps = _probability_floor(Yhat.dtype)
        return _batch_mean(-Y * np.log(np.clip(Yhat, eps, 1.0)))

    def gradient(self, Yhat: np.ndarray, Y: np.ndarray) -> np.ndarray:
        eps = _probability_floor(Yhat.dtype)
        return -Y / np.clip(Yhat, eps, 1.0) / Yhat.shape[0]

    def value_from_logits(self, Z: np.ndarray, Y: np.ndarray) -> float:
        return _batch_mean(-Y * log_softmax(Z))


_LOSSES: dict[str, type[Loss]] = {
    cls.name: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        Huber,
        BinaryCrossentropy,
        CategoricalCrossentropy,
    )
}


def get_loss(name: str) -> Loss:
    """Build a loss by name.

    Parameters
    ----------
    name : str
        One of :data:`nnstudio.spec.LOSSES`.

    Raises
    ------
    SpecError
        For an unknown name.
    """
    if name not in _LOSSES:
        raise SpecError(f"loss: unknown {name!r}; expected one of {', '.join(LOSSES)}")
    return _LOSSES[name]()


def check_pairing(loss: str, output: LayerSpec) -> None:
    """Reject a loss that cannot train this output layer.

    Raises
    ------
    SpecError
        ``"loss: binary_crossentropy needs a sigmoid output layer, not tanh"`` and the like.
    """
    get_loss(loss)
    problem = loss_output_problem(loss, output)
    if problem is not None:
        raise SpecError(f"loss: {problem}")


def _is_fused(loss: Loss, activation: Activation) -> bool:
    return loss.fused_activation is not None and loss.fused_activation == activation.name


def data_loss(
    loss: Loss, activation: Activation, Z: np.ndarray, A: np.ndarray, Y: np.ndarray
) -> float:
    """Batch-mean loss of the output layer, from the logits when the pairing allows it.

    Parameters
    ----------
    loss : Loss
    activation : Activation
        The output layer's activation.
    Z : ndarray, shape (m, k)
        Output pre-activations.
    A : ndarray, shape (m, k)
        Output activations ``activation.forward(Z)``.
    Y : ndarray, shape (m, k)
        Targets.

    Returns
    -------
    float
    """
    # Tiny residuals may underflow when squared; zero is the right answer there.
    with np.errstate(under="ignore"):
        if _is_fused(loss, activation):
            return loss.value_from_logits(Z, Y)
        return loss.value(A, Y)


def output_delta(
    loss: Loss, activation: Activation, Z: np.ndarray, A: np.ndarray, Y: np.ndarray
) -> np.ndarray:
    """Gradient ``dJ/dZ`` of the batch-mean loss with respect to the output pre-activations.

    Sigmoid + binary cross-entropy and softmax + categorical cross-entropy use the fused
    ``(Ŷ - Y)/m``; every other pairing backpropagates ``dJ/dŶ`` through the activation.

    Parameters
    ----------
    loss, activation, Z, A, Y
        As in :func:`data_loss`; arrays are shaped (m, k).

    Returns
    -------
    ndarray, shape (m, k)
    """
    with np.errstate(under="ignore"):
        if _is_fused(loss, activation):
            return (A - Y) / A.shape[0]
        return activation.backward(Z, A, loss.gradient(A, Y))
