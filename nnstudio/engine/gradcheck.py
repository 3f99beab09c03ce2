"""Gradient checking: backpropagation against central finite differences.

For each checked parameter ``θ`` the numerical derivative is::

    (J(θ + ε) - J(θ - ε)) / (2 ε)

computed on a float64 copy of the network (the original is never modified). Per tensor
(each layer's ``W`` and ``b``) the report gives the relative error::

    ‖g_backprop - g_numeric‖ / (‖g_backprop‖ + ‖g_numeric‖)

over the checked entries (0 when both are zero). This is the classic gradient-check
measure: unlike an entry-by-entry ratio it is not dominated by entries whose true gradient is
nearly zero, where finite differences only measure rounding noise. Correct backpropagation
gives values around 1e-9 or below; anything above 1e-6 signals a bug.

Finite differences assume a smooth objective. Where the first derivative jumps (ReLU and
leaky ReLU at ``z = 0``, ELU with ``alpha != 1`` at ``z = 0``, MAE at a zero residual, the L1
penalty at ``W = 0``) a perturbation of ``±ε`` that crosses the kink makes the numerical
derivative meaningless. The report counts the values closer than ``kink_distance`` to such a
kink (:attr:`GradCheckReport.near_kinks`) so those results can be recognised; tests choose
inputs that keep them away. (Huber's kink is only in the second derivative and harmless.)

Rounding noise in ``J`` contributes an error of roughly ``1e-16 · |J| / ε`` to each numerical
derivative and truncation roughly ``ε² · J⁽³⁾ / 6``. With the default ``ε = 1e-6``, gradients
of about ``1e-4`` or larger are resolved to a relative ``1e-6``; layers whose gradients are
much smaller (tiny initial weights, gradients that nearly cancel over the batch) are measured
more accurately with ``ε = 1e-5`` or ``1e-4``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.engine.network import Network

__all__ = ["GradCheckReport", "LayerCheck", "gradient_check"]

#: Activations whose derivative jumps at z = 0.
_KINKED_ACTIVATIONS = ("relu", "leaky_relu")


@dataclass(frozen=True)
class LayerCheck:
    """Result for one layer.

    Attributes
    ----------
    layer : int
        1-based layer number.
    weight_shape : tuple of int
        ``(fan_in, fan_out)``.
    weight_error, bias_error : float
        Relative errors of the checked ``W`` and ``b`` entries.
    weight_checked, bias_checked : int
        Number of entries compared (all of them up to the per-layer limit).
    max_abs_error : float
        Largest absolute difference over the checked entries of the layer.
    """

    layer: int
    weight_shape: tuple[int, int]
    weight_error: float
    bias_error: float
    weight_checked: int
    bias_checked: int
    max_abs_error: float

    @property
    def error(self) -> float:
        """The larger of the weight and bias errors (NaN if either is NaN)."""
        return float(np.maximum(self.weight_error, self.bias_error))


@dataclass(frozen=True)
class GradCheckReport:
    """Outcome of :func:`gradient_check`.

    Attributes
    ----------
    layers : tuple of LayerCheck
        One entry per layer.
    loss : float
        Objective at the unperturbed parameters.
    epsilon : float
        Finite-difference step.
    near_kinks : int
        Pre-activations of ReLU-type layers, MAE residuals and (with L1) weights within
        ``kink_distance`` of a kink, where finite differences are unreliable.
    """

    layers: tuple[LayerCheck, ...]
    loss: float
    epsilon: float
    near_kinks: int = 0

    @property
    def layer_errors(self) -> tuple[float, ...]:
        """Per-layer relative error (the larger of ``W`` and ``b``)."""
        return tuple(layer.error for layer in self.layers)

    @property
    def max_error(self) -> float:
        """Largest relative error over all layers (NaN if any is NaN)."""
        errors = self.layer_errors
        return float(np.max(errors)) if errors else 0.0

    def passed(self, tol: float = 1e-6) -> bool:
        """Whether every layer's relative error is at most ``tol`` (NaN fails)."""
        return all(error <= tol for error in self.layer_errors)

    def format(self, tol: float = 1e-6) -> str:
        """A readable table, one row per layer, and a verdict line."""
        header = (
            f"{'layer':>5}  {'W shape':>10}  {'W rel. error':>12}  {'b rel. error':>12}  "
            f"{'checked':>7}  result"
        )
        lines = [header]
        for layer in self.layers:
            shape = f"{layer.weight_shape[0]}x{layer.weight_shape[1]}"
            verdict = "ok" if layer.error <= tol else "FAIL"
            lines.append(
                f"{layer.layer:>5}  {shape:>10}  {layer.weight_error:>12.3e}  "
                f"{layer.bias_error:>12.3e}  {layer.weight_checked + layer.bias_checked:>7}  "
                f"{verdict}"
            )
        outcome = "passed" if self.passed(tol) else "FAILED"
        lines.append(
            f"largest relative error {self.max_error:.3e}: {outcome} (tolerance {tol:g}, "
            f"epsilon {self.epsilon:g})"
        )
        if self.near_kinks:
            lines.append(
                f"note: {self.near_kinks} value(s) lie next to a kink (ReLU at 0, MAE residual "
                "at 0, |W| at 0), where finite differences are unreliable"
            )
        return "\n".join(lines)


def _relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    scale = float(np.linalg.norm(analytic) + np.linalg.norm(numeric))
    if scale == 0.0:
        return 0.0
    return float(np.linalg.norm(analytic - numeric)) / scale


def gradient_check(
    network: Network,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    l1: float = 0.0,
    l2: float = 0.0,
    epsilon: float = 1e-6,
    max_checks_per_layer: int = 200,
    seed: int = 0,
    dropout: bool = False,
    masks: Sequence[np.ndarray | None] | None = None,
    kink_distance: float | None = None,
) -> GradCheckReport:
    """Compare backpropagation with central differences on a float64 copy of ``network``.

    Parameters
    ----------
    network : Network
        Left untouched; a float64 copy is checked.
    X : array_like, shape (m, n_inputs)
        Raw inputs (standardised by the network).
    Y : array_like, shape (m, k)
        Targets encoded for the output layer.
    l1, l2 : float
        Penalty strengths included in the objective.
    epsilon : float
        Finite-difference step.
    max_checks_per_layer : int
        Upper limit of compared entries for each ``W`` and each ``b``; larger tensors are
        checked on a random subset drawn from ``seed``.
    seed : int
        Seed of the subset choice and of the dropout masks.
    dropout : bool
        Draw one set of dropout masks from ``seed`` and hold them fixed for every evaluation
        (the objective is then a deterministic function of the parameters). Without it the
        network is checked in inference mode.
    masks : sequence of (ndarray or None) or None
        Explicit fixed dropout multipliers, one per layer (see ``Network.forward``).
    kink_distance : float or None
        Distance from a kink counted in :attr:`GradCheckReport.near_kinks`; by default
        ``2 ε`` times the largest magnitude (at least 1) of each layer's input.

    Returns
    -------
    GradCheckReport
    """
    net = network.copy(dtype="float64")
    rng = np.random.default_rng(seed)
    X = net.prepare_inputs(X)
    Y = net.prepare_targets(Y, X.shape[0])
    # prepare_inputs standardised X; the copy must not standardise a second time.
    net.standardization = None
    if masks is None and dropout:
        masks = net.forward(X, training=True, rng=np.random.default_rng(seed)).masks

    loss, grads = net.loss_and_gradients(X, Y, l1=l1, l2=l2, masks=masks)

    def objective() -> float:
        return net.loss(X, Y, l1=l1, l2=l2, masks=masks)

    layers: list[LayerCheck] = []
    for index, ((W, b), (dW, db)) in enumerate(zip(net.params, grads, strict=True)):
        errors: list[float] = []
        counts: list[int] = []
        max_abs = 0.0
        for param, grad in ((W, dW), (b, db)):
            flat = param.reshape(-1)  # a view: perturbing it perturbs the network
            if flat.size <= max_checks_per_layer:
                chosen = np.arange(flat.size)
            else:
                chosen = np.sort(rng.choice(flat.size, size=max_checks_per_layer, replace=False))
            numeric = np.empty(chosen.size)
            for position, entry in enumerate(chosen):
                original = flat[entry]
                flat[entry] = original + epsilon
                plus = objective()
                flat[entry] = original - epsilon
                minus = objective()
                flat[entry] = original
                numeric[position] = (plus - minus) / (2 * epsilon)
            analytic = grad.reshape(-1)[chosen]
            errors.append(_relative_error(analytic, numeric))
            counts.append(int(chosen.size))
            if chosen.size:
                max_abs = max(max_abs, float(np.max(np.abs(analytic - numeric))))
        layers.append(
            LayerCheck(
                layer=index + 1,
                weight_shape=(int(W.shape[0]), int(W.shape[1])),
                weight_error=errors[0],
                bias_error=errors[1],
                weight_checked=counts[0],
                bias_checked=counts[1],
                max_abs_error=max_abs,
            )
        )

    near = _count_near_kinks(net, X, Y, masks, epsilon, kink_distance)
    if l1:
        # |W| has a kink at 0 as well; a step of ±ε crosses it when |W| < ε.
        near += sum(int(np.count_nonzero(np.abs(W) < 2 * epsilon)) for W, _ in net.params)
    return GradCheckReport(layers=tuple(layers), loss=loss, epsilon=epsilon, near_kinks=near)


def _count_near_kinks(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    masks: Sequence[np.ndarray | None] | None,
    epsilon: float,
    kink_distance: float | None,
) -> int:
    """Count values a parameter step of ±ε can push across a kink.

    Perturbing one weight of a layer by ε moves its pre-activations by at most ε times the
    largest input magnitude (ε for a bias); twice that is the default distance.
    """
    forward = net.forward(X, masks=masks)

    def distance(layer_input: np.ndarray) -> float:
        if kink_distance is not None:
            return kink_distance
        return 2 * epsilon * max(1.0, float(np.max(np.abs(layer_input), initial=0.0)))

    count = 0
    for index, (activation, Z) in enumerate(zip(net.activations, forward.Z, strict=True)):
        kinked = activation.name in _KINKED_ACTIVATIONS or (
            activation.name == "elu" and activation.alpha != 1.0
        )
        if kinked:
            count += int(np.count_nonzero(np.abs(Z) < distance(forward.A[index])))
    if net.loss_name == "mae":
        residual = np.abs(forward.output - Y)
        count += int(np.count_nonzero(residual < distance(forward.A[-2])))
    return count
