"""Gradient-descent optimizers that update a network's parameters in place.

With gradient ``g``, learning rate ``α`` and per-parameter state:

===============  =================================================================================
``sgd``          ``θ -= α g``
``momentum``     ``v = β v + (1 - β) g``; ``θ -= α v`` (the lectures' exponentially weighted form)
``heavy_ball``   ``v = β v + g``; ``θ -= α v`` (Polyak; PyTorch's ``SGD(momentum=β)``)
``nesterov``     ``v = β v + g``; ``θ -= α (g + β v)`` (PyTorch's ``SGD(nesterov=True)``)
``rmsprop``      ``s = ρ s + (1 - ρ) g²``; ``θ -= α g / (√s + ε)``
``adam``         ``m = β₁ m + (1 - β₁) g``, ``v = β₂ v + (1 - β₂) g²``,
                 ``θ -= α m̂ / (√v̂ + ε)`` with ``m̂ = m / (1 - β₁ᵗ)``, ``v̂ = v / (1 - β₂ᵗ)``
``adamw``        Adam plus decoupled weight decay ``W -= α λ W`` on weights (never biases),
                 applied before the Adam step as in PyTorch
===============  =================================================================================

All state starts at zero and lives in the parameters' dtype.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np

from nnstudio.errors import SpecError
from nnstudio.spec import OPTIMIZERS, TrainingSpec

__all__ = [
    "SGD",
    "Adam",
    "AdamW",
    "HeavyBall",
    "Momentum",
    "Nesterov",
    "Optimizer",
    "RMSProp",
    "make_optimizer",
]

Params = Sequence[Sequence[np.ndarray]]
Grads = Sequence[Sequence[np.ndarray]]


class Optimizer(ABC):
    """Base class: keeps one state slot per parameter array, created lazily.

    Attributes
    ----------
    name : str
        One of :data:`nnstudio.spec.OPTIMIZERS`.
    iterations : int
        Number of completed :meth:`step` calls.
    """

    name: str = ""

    def __init__(self, training: TrainingSpec) -> None:
        self.iterations = 0
        self._state: dict[str, list[np.ndarray]] = {}
        self.update_hyperparameters(training)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(iterations={self.iterations})"

    def update_hyperparameters(self, training: TrainingSpec) -> None:
        """Take new hyperparameters (β, ε, ...) from ``training`` and keep the state."""
        self.momentum = float(training.momentum)
        self.beta1 = float(training.beta1)
        self.beta2 = float(training.beta2)
        self.epsilon = float(training.epsilon)
        self.rho = float(training.rho)
        self.weight_decay = float(training.weight_decay)

    def reset(self) -> None:
        """Forget all state (velocities, moments, the step counter)."""
        self.iterations = 0
        self._state.clear()

    def _slots(self, key: str, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """State arrays named ``key``, one zero array per parameter on first use."""
        slots = self._state.get(key)
        if (
            slots is None
            or len(slots) != len(arrays)
            or any(
                s.shape != a.shape or s.dtype != a.dtype for s, a in zip(slots, arrays, strict=True)
            )
        ):
            slots = [np.zeros_like(a) for a in arrays]
            self._state[key] = slots
        return slots

    def step(self, params: Params, grads: Grads, lr: float) -> None:
        """Apply one update to every parameter in place.

        Parameters
        ----------
        params : sequence of [W, b]
            The network's parameters; modified in place.
        grads : sequence of (dW, db)
            Gradients shaped like ``params``.
        lr : float
            Learning rate α for this step.
        """
        flat_params = [p for pair in params for p in pair]
        flat_grads = [g for pair in grads for g in pair]
        if len(flat_params) != len(flat_grads):
            raise ValueError(
                f"{len(flat_grads)} gradient arrays for {len(flat_params)} parameter arrays"
            )
        # Weights sit at even positions (W, b, W, b, ...): AdamW decays only those.
        is_weight = [i % 2 == 0 for i in range(len(flat_params))]
        self.iterations += 1
        self._update(flat_params, flat_grads, is_weight, float(lr))

    @abstractmethod
    def _update(
        self,
        params: list[np.ndarray],
        grads: list[np.ndarray],
        is_weight: list[bool],
        lr: float,
    ) -> None:
        """Update each array of ``params`` in place (``iterations`` already counts this step)."""

    def state_arrays(self) -> dict[str, list[np.ndarray]]:
        """Copies of the optimizer state (for inspection and tests)."""
        return {key: [a.copy() for a in arrays] for key, arrays in self._state.items()}


class SGD(Optimizer):
    """Plain gradient descent ``θ -= α g``."""

    name = "sgd"

    def _update(
        self, params: list[np.ndarray], grads: list[np.ndarray], is_weight: list[bool], lr: float
    ) -> None:
        for p, g in zip(params, grads, strict=True):
            p -= lr * g


class Momentum(Optimizer):
    """``v = β v + (1 - β) g``; ``θ -= α v``."""

    name = "momentum"

    def _update(
        self, params: list[np.ndarray], grads: list[np.ndarray], is_weight: list[bool], lr: float
    ) -> None:
        beta = self.momentum
        for p, g, v in zip(params, grads, self._slots("velocity", params), strict=True):
            v *= beta
            v += (1 - beta) * g
            p -= lr * v


class HeavyBall(Optimizer):
    """``v = β v + g``; ``θ -= α v``."""

    name = "heavy_ball"

    def _update(
        self, params: list[np.ndarray], grads: list[np.ndarray], is_weight: list[bool], lr: float
    ) -> None:
        beta = self.momentum
        for p, g, v in zip(params, grads, self._slots("velocity", params), strict=True):
            v *= beta
            v += g
            p -= lr * v


class Nesterov(Optimizer):
    """``v = β v + g``; ``θ -= α (g + β v)``."""

    name = "nesterov"

    def _update(
        self, params: list[np.ndarray], grads: list[np.ndarray], is_weight: list[bool], lr: float
    ) -> None:
        beta = self.momentum
        for p, g, v in zip(params, grads, self._slots("velocity", params), strict=True):
            v *= beta
            v += g
            p -= lr * (g + beta * v)


class RMSProp(Optimizer):
    """``s = ρ s + (1 - ρ) g²``; ``θ -= α g / (√s + ε)``."""

    name = "rmsprop"

    def _update(
        self, params: list[np.ndarray], grads: list[np.ndarray], is_weight: list[bool], lr: float
    ) -> None:
        rho, eps = self.rho, self.epsilon
        for p, g, s in zip(params, grads, self._slots("square_avg", params), strict=True):
            s *= rho
            s += (1 - rho) * (g * g)
            denominator = np.sqrt(s)
            denominator += eps
            p -= lr * g / denominator


class Adam(Optimizer):
    """Adam with bias correction."""

    name = "adam"

    def _decay(self, params: list[np.ndarray], is_weight: list[bool], lr: float) -> None:
        """Hook for AdamW's decoupled weight decay."""

    def _update(
        self, params: list[np.ndarray], grads: list[np.ndarray], is_weight: list[bool], lr: float
    ) -> None:
        self._decay(params, is_weight, lr)
        b1, b2, eps, t = self.beta1, self.beta2, self.epsilon, self.iterations
        # m̂ / (√v̂ + ε) rearranged as PyTorch does: (α / c₁) m / (√v / √c₂ + ε).
        step_size = lr / (1 - b1**t)
        root_correction2 = math.sqrt(1 - b2**t)
        moments = zip(
            params, grads, self._slots("m", params), self._slots("v", params), strict=True
        )
        for p, g, m, v in moments:
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            denominator = np.sqrt(v)
            denominator /= root_correction2
            denominator += eps
            p -= step_size * m / denominator


class AdamW(Adam):
    """Adam with decoupled weight decay ``W -= α λ W`` on weights only."""

    name = "adamw"

    def _decay(self, params: list[np.ndarray], is_weight: list[bool], lr: float) -> None:
        factor = 1 - lr * self.weight_decay
        for p, weight in zip(params, is_weight, strict=True):
            if weight:
                p *= factor


_OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Momentum, Nesterov, HeavyBall, RMSProp, Adam, AdamW)
}


def make_optimizer(training: TrainingSpec) -> Optimizer:
    """Build the optimizer ``training.optimizer`` with its hyperparameters.

    Raises
    ------
    SpecError
        For an unknown optimizer name.
    """
    name = training.optimizer
    if name not in _OPTIMIZERS:
        raise SpecError(
            f"training.optimizer: unknown {name!r}; expected one of {', '.join(OPTIMIZERS)}"
        )
    return _OPTIMIZERS[name](training)
