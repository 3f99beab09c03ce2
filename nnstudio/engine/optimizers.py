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
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np

from nnstudio.engine.blas import MIN_BLAS_LENGTH, Level1, level1
from nnstudio.errors import SpecError
from nnstudio.spec import OPTIMIZERS, TrainingSpec

__all__ = [
    "SAFE_MAGNITUDE",
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

#: Magnitudes below this are far from overflowing in float32 (whose largest value is 3.4e38),
#: rounding included.
SAFE_MAGNITUDE = 1e37


_Call = tuple[Callable[..., object], tuple[object, ...]]


class _FlatArrays(NamedTuple):
    """The arrays a flat update's calls are bound to (``velocity`` and ``work`` may be None)."""

    params: np.ndarray
    grads: np.ndarray
    velocity: np.ndarray | None
    work: np.ndarray | None


class _FlatPlan:
    """The calls of one :meth:`Optimizer.step_flat`, bound to its arrays and learning rate.

    ``slots`` is the state list the calls use (a reset or a per-array step replaces it, and
    then the plan is made again).
    """

    __slots__ = ("calls", "grads", "lr", "params", "slots")

    def __init__(
        self,
        params: np.ndarray,
        grads: np.ndarray,
        lr: float,
        slots: list[np.ndarray] | None,
        calls: list[_Call],
    ) -> None:
        self.params = params
        self.grads = grads
        self.lr = lr
        self.slots = slots
        self.calls = calls


class Optimizer(ABC):
    """Base class: keeps one state slot per parameter array, created lazily.

    Updates are written with ``out=`` into reused scratch arrays, so a step allocates nothing
    whatever the network's size.

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
        self._scratch: dict[str, list[np.ndarray]] = {}
        self._constants: dict[str, tuple[float, np.dtype, np.ndarray]] = {}
        self._flat_plan: _FlatPlan | None = None
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
        self._flat_plan = None  # its calls hold the old constants

    def reset(self) -> None:
        """Forget all state (velocities, moments, the step counter)."""
        self.iterations = 0
        self._state.clear()
        self._flat_plan = None

    @staticmethod
    def _matching(
        store: dict[str, list[np.ndarray]], key: str, arrays: list[np.ndarray]
    ) -> list[np.ndarray]:
        """Arrays named ``key`` in ``store``, zero arrays shaped like ``arrays`` when missing."""
        slots = store.get(key)
        if slots is not None and len(slots) == 1 == len(arrays):
            # The trainer's case (one flat array), checked first because it runs every step.
            slot, array = slots[0], arrays[0]
            if slot.shape == array.shape and slot.dtype == array.dtype:
                return slots
        elif slots is not None and len(slots) == len(arrays):
            # A plain loop: this runs every step, and a generator costs more than the check.
            for slot, array in zip(slots, arrays, strict=True):
                if slot.shape != array.shape or slot.dtype != array.dtype:
                    break
            else:
                return slots
        slots = [np.zeros_like(a) for a in arrays]
        store[key] = slots
        return slots

    def _slots(self, key: str, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """State arrays named ``key``, one zero array per parameter on first use."""
        return self._matching(self._state, key, arrays)

    def _work(self, key: str, arrays: list[np.ndarray]) -> list[np.ndarray]:
        """Scratch arrays shaped like ``arrays`` (contents undefined), reused across steps."""
        return self._matching(self._scratch, key, arrays)

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
        self.iterations += 1
        self._decay([W for W, _ in params], float(lr))
        self._update(flat_params, flat_grads, float(lr))

    def step_flat(
        self,
        params: np.ndarray,
        grads: np.ndarray,
        lr: float,
        weights: Sequence[np.ndarray],
        grad_norm: float | None = None,
    ) -> None:
        """Apply one update to all parameters stored in one flat array.

        The same update as :meth:`step`, with a few whole-array operations instead of a few per
        parameter. The state then holds one flat array per slot (see :meth:`state_arrays`).
        Pass the same ``params`` and ``grads`` arrays every time: the calls are prepared once
        for them.

        Parameters
        ----------
        params : ndarray, shape (n_parameters,)
            Every parameter (e.g. :attr:`Network.flat_params`); modified in place.
        grads : ndarray, shape (n_parameters,)
            The gradient, laid out like ``params``.
        lr : float
            Learning rate α for this step.
        weights : sequence of ndarray
            Views of ``params`` that are weights (not biases), for decoupled weight decay.
        grad_norm : float or None
            The Euclidean norm of ``grads``, which lets the optimizer keep the bounds
            :meth:`update_norm_bound` reports (no bound after a step without it).
        """
        self.iterations += 1
        if self.decouples_weight_decay:
            self._decay(list(weights), float(lr))
        self._update_flat(params, grads, float(lr), grad_norm)

    #: Whether :meth:`_decay` does anything (skipped per step otherwise).
    decouples_weight_decay = False

    def update_norm_bound(self, lr: float, grad_norm: float) -> float:
        """An upper bound on ``‖Δθ‖``, the Euclidean norm of the next :meth:`step_flat`'s change.

        It lets a caller skip safeguards when the parameters provably stay finite. The bound
        holds in exact arithmetic and may exceed the change by far; ``math.inf`` when the
        optimizer keeps none (the default) or when its state may not stay finite.

        Parameters
        ----------
        lr : float
            The learning rate of the next step.
        grad_norm : float
            The Euclidean norm of the next step's gradient.
        """
        return math.inf

    def _update_flat(
        self, params: np.ndarray, grads: np.ndarray, lr: float, grad_norm: float | None
    ) -> None:
        """Update one flat array in place; optimizers with a faster flat form override this."""
        self._update([params], [grads], lr)

    def _flat_slot(
        self, store: dict[str, list[np.ndarray]], key: str, params: np.ndarray
    ) -> np.ndarray:
        """The one array named ``key`` in ``store`` shaped like ``params`` (zeros when new)."""
        slots = store.get(key)
        if slots is not None and len(slots) == 1:
            slot = slots[0]
            if slot.shape == params.shape and slot.dtype == params.dtype:
                return slot
        slot = np.zeros_like(params)
        store[key] = [slot]
        return slot

    def _constant(self, key: str, value: float, dtype: np.dtype) -> np.ndarray:
        """``value`` as a 0-d array of ``dtype``, remade only when the value changes.

        Ufuncs take such an operand faster than a Python number and compute exactly as with
        the number (cast to the dtype).
        """
        cached = self._constants.get(key)
        if cached is None or cached[0] != value or cached[1] is not dtype:
            cached = (value, dtype, np.array(value, dtype=dtype))
            self._constants[key] = cached
        return cached[2]

    def _decay(self, weights: list[np.ndarray], lr: float) -> None:  # noqa: B027 (optional hook)
        """Decoupled weight decay applied before the update (AdamW); nothing by default."""

    @abstractmethod
    def _update(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        """Update each array of ``params`` in place (``iterations`` already counts this step)."""

    def state_arrays(self) -> dict[str, list[np.ndarray]]:
        """Copies of the optimizer state (for inspection and tests).

        One array per parameter after :meth:`step`; one flat array laid out like the
        parameters after :meth:`step_flat`.
        """
        return {key: [a.copy() for a in arrays] for key, arrays in self._state.items()}


class _PlannedOptimizer(Optimizer):
    """An optimizer whose flat update is a short plan of in-place calls.

    The plan is made once for the arrays and learning rate of :meth:`step_flat` and again
    when any of them changes. From :data:`~nnstudio.engine.blas.MIN_BLAS_LENGTH` parameters
    on, the calls are BLAS axpy and axpby (one pass over memory each, see
    :mod:`nnstudio.engine.blas`) when NumPy's BLAS offers them; otherwise they are ufuncs
    writing into reused arrays.

    Subclasses with a velocity keep a bound ``B ≥ ‖v‖`` (``v = β v + c g`` gives
    ``‖v‖ ≤ β B + c ‖g‖``) for :meth:`update_norm_bound`.
    """

    #: The state slot the flat update keeps (None: stateless).
    _flat_state: str | None = None

    def __init__(self, training: TrainingSpec) -> None:
        super().__init__(training)
        self._velocity_bound = 0.0

    def _update_flat(
        self, params: np.ndarray, grads: np.ndarray, lr: float, grad_norm: float | None
    ) -> None:
        plan = self._flat_plan
        if (
            plan is None
            or plan.lr != lr
            or plan.params is not params
            or plan.grads is not grads
            or plan.slots is not self._state.get(self._flat_state)
        ):
            plan = self._plan_flat(params, grads, lr)
        for function, arguments in plan.calls:
            function(*arguments)
        if self._flat_state is not None:
            self._velocity_bound = math.inf if grad_norm is None else self._grown_bound(grad_norm)

    def _plan_flat(self, params: np.ndarray, grads: np.ndarray, lr: float) -> _FlatPlan:
        state = self._flat_state
        slots = self._state.get(state)
        velocity = self._flat_slot(self._state, state, params) if state is not None else None
        if self._state.get(state) is not slots:
            self._velocity_bound = 0.0  # a fresh zero velocity
        blas = level1(params.dtype) if params.shape[0] >= MIN_BLAS_LENGTH else None
        if blas is not None and params.flags.c_contiguous and grads.flags.c_contiguous:
            calls = self._blas_calls(blas, _FlatArrays(params, grads, velocity, None), lr)
        else:
            work = self._flat_slot(self._scratch, "step", params)
            calls = self._ufunc_calls(_FlatArrays(params, grads, velocity, work), lr)
        plan = _FlatPlan(params, grads, lr, self._state.get(state), calls)
        self._flat_plan = plan
        return plan

    def _gradient_share(self) -> float:
        """``c`` of ``v = β v + c g`` (velocity optimizers only)."""
        return 1.0

    def _grown_bound(self, grad_norm: float) -> float:
        """``β B + c ‖g‖``: a bound on ``‖v‖`` after a step with a gradient of that norm."""
        return self.momentum * self._velocity_bound + self._gradient_share() * grad_norm

    def _velocity_step_bound(self, grad_norm: float) -> float:
        """A bound on ``‖v‖`` after the next step, or inf when it may overflow."""
        velocity = self._grown_bound(grad_norm)
        return velocity if velocity < SAFE_MAGNITUDE else math.inf

    @abstractmethod
    def _blas_calls(self, blas: Level1, arrays: _FlatArrays, lr: float) -> list[_Call]:
        """The flat update as BLAS calls."""

    @abstractmethod
    def _ufunc_calls(self, arrays: _FlatArrays, lr: float) -> list[_Call]:
        """The flat update as ufunc calls (``arrays.work``: scratch shaped like the parameters)."""


class SGD(_PlannedOptimizer):
    """Plain gradient descent ``θ -= α g``."""

    name = "sgd"

    def update_norm_bound(self, lr: float, grad_norm: float) -> float:
        return lr * grad_norm

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        for p, g, work in zip(params, grads, self._work("step", params), strict=True):
            np.multiply(g, lr, out=work)
            p -= work

    def _blas_calls(self, blas: Level1, arrays: _FlatArrays, lr: float) -> list[_Call]:
        return [blas.axpy(-lr, arrays.grads, arrays.params)]

    def _ufunc_calls(self, arrays: _FlatArrays, lr: float) -> list[_Call]:
        params, grads, _, work = arrays
        rate = self._constant("lr", lr, params.dtype)
        return [(np.multiply, (grads, rate, work)), (np.subtract, (params, work, params))]


class Momentum(_PlannedOptimizer):
    """``v = β v + (1 - β) g``; ``θ -= α v``."""

    name = "momentum"
    _flat_state = "velocity"

    def _gradient_share(self) -> float:
        return 1.0 - self.momentum

    def update_norm_bound(self, lr: float, grad_norm: float) -> float:
        return lr * self._velocity_step_bound(grad_norm)

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        beta = self.momentum
        slots = zip(
            params, grads, self._slots("velocity", params), self._work("step", params), strict=True
        )
        for p, g, v, work in slots:
            v *= beta
            np.multiply(g, 1 - beta, out=work)
            v += work
            np.multiply(v, lr, out=work)
            p -= work

    def _blas_calls(self, blas: Level1, arrays: _FlatArrays, lr: float) -> list[_Call]:
        params, grads, velocity, _ = arrays
        beta = self.momentum
        return [
            *blas.axpby(1 - beta, grads, beta, velocity),
            blas.axpy(-lr, velocity, params),
        ]

    def _ufunc_calls(self, arrays: _FlatArrays, lr: float) -> list[_Call]:
        params, grads, velocity, work = arrays
        dtype = params.dtype
        beta = self.momentum
        return [
            (np.multiply, (velocity, self._constant("momentum", beta, dtype), velocity)),
            (np.multiply, (grads, self._constant("gradient share", 1 - beta, dtype), work)),
            (np.add, (velocity, work, velocity)),
            (np.multiply, (velocity, self._constant("lr", lr, dtype), work)),
            (np.subtract, (params, work, params)),
        ]


class HeavyBall(_PlannedOptimizer):
    """``v = β v + g``; ``θ -= α v``."""

    name = "heavy_ball"
    _flat_state = "velocity"

    def update_norm_bound(self, lr: float, grad_norm: float) -> float:
        return lr * self._velocity_step_bound(grad_norm)

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        beta = self.momentum
        slots = zip(
            params, grads, self._slots("velocity", params), self._work("step", params), strict=True
        )
        for p, g, v, work in slots:
            v *= beta
            v += g
            np.multiply(v, lr, out=work)
            p -= work

    def _blas_calls(self, blas: Level1, arrays: _FlatArrays, lr: float) -> list[_Call]:
        params, grads, velocity, _ = arrays
        return [
            *blas.axpby(1.0, grads, self.momentum, velocity),
            blas.axpy(-lr, velocity, params),
        ]

    def _ufunc_calls(self, arrays: _FlatArrays, lr: float) -> list[_Call]:
        params, grads, velocity, work = arrays
        dtype = params.dtype
        return [
            (np.multiply, (velocity, self._constant("momentum", self.momentum, dtype), velocity)),
            (np.add, (velocity, grads, velocity)),
            (np.multiply, (velocity, self._constant("lr", lr, dtype), work)),
            (np.subtract, (params, work, params)),
        ]


class Nesterov(_PlannedOptimizer):
    """``v = β v + g``; ``θ -= α (g + β v)``."""

    name = "nesterov"
    _flat_state = "velocity"

    def update_norm_bound(self, lr: float, grad_norm: float) -> float:
        # ‖g + β v‖ ≤ ‖g‖ + β ‖v‖ with the new velocity's bound.
        velocity = self._velocity_step_bound(grad_norm)
        return lr * (grad_norm + self.momentum * velocity)

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        beta = self.momentum
        slots = zip(
            params, grads, self._slots("velocity", params), self._work("step", params), strict=True
        )
        for p, g, v, work in slots:
            v *= beta
            v += g
            np.multiply(v, beta, out=work)
            work += g
            work *= lr
            p -= work

    def _blas_calls(self, blas: Level1, arrays: _FlatArrays, lr: float) -> list[_Call]:
        params, grads, velocity, _ = arrays
        beta = self.momentum
        return [
            *blas.axpby(1.0, grads, beta, velocity),
            blas.axpy(-lr, grads, params),
            blas.axpy(-lr * beta, velocity, params),
        ]

    def _ufunc_calls(self, arrays: _FlatArrays, lr: float) -> list[_Call]:
        params, grads, velocity, work = arrays
        dtype = params.dtype
        beta = self._constant("momentum", self.momentum, dtype)
        return [
            (np.multiply, (velocity, beta, velocity)),
            (np.add, (velocity, grads, velocity)),
            (np.multiply, (velocity, beta, work)),
            (np.add, (work, grads, work)),
            (np.multiply, (work, self._constant("lr", lr, dtype), work)),
            (np.subtract, (params, work, params)),
        ]


class RMSProp(Optimizer):
    """``s = ρ s + (1 - ρ) g²``; ``θ -= α g / (√s + ε)``."""

    name = "rmsprop"

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        rho, eps = self.rho, self.epsilon
        slots = zip(
            params,
            grads,
            self._slots("square_avg", params),
            self._work("step", params),
            strict=True,
        )
        for p, g, s, work in slots:
            s *= rho
            np.multiply(g, g, out=work)
            work *= 1 - rho
            s += work
            np.sqrt(s, out=work)
            work += eps
            np.divide(g, work, out=work)
            work *= lr
            p -= work


class Adam(Optimizer):
    """Adam with bias correction."""

    name = "adam"

    def _update(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        b1, b2, eps, t = self.beta1, self.beta2, self.epsilon, self.iterations
        # m̂ / (√v̂ + ε) rearranged as PyTorch does: (α / c₁) m / (√v / √c₂ + ε).
        step_size = lr / (1 - b1**t)
        root_correction2 = math.sqrt(1 - b2**t)
        moments = zip(
            params,
            grads,
            self._slots("m", params),
            self._slots("v", params),
            self._work("step", params),
            strict=True,
        )
        for p, g, m, v, work in moments:
            m *= b1
            np.multiply(g, 1 - b1, out=work)
            m += work
            v *= b2
            np.multiply(g, g, out=work)
            work *= 1 - b2
            v += work
            np.sqrt(v, out=work)
            work /= root_correction2
            work += eps
            np.divide(m, work, out=work)
            work *= step_size
            p -= work


class AdamW(Adam):
    """Adam with decoupled weight decay ``W -= α λ W`` on weights only."""

    name = "adamw"
    decouples_weight_decay = True

    def _decay(self, weights: list[np.ndarray], lr: float) -> None:
        factor = 1 - lr * self.weight_decay
        for W in weights:
            W *= factor


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
