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
The L1 penalty's kink is known entry by entry: a weight closer to 0 than the step has its
difference taken across ``|W|``'s corner (``λ w / ε`` instead of ``λ sign(w)``), so such
weights, common after L1 training, are left out of their tensor's error and counted
(:attr:`LayerCheck.weight_excluded`) rather than failing a correct backpropagation.

Rounding noise in ``J`` contributes an error of roughly ``u · |J| / ε`` to each numerical
derivative (``u ≈ 1.1e-16``, float64's unit roundoff) and truncation roughly ``ε² · J⁽³⁾ / 6``.
With ``ε = 1e-6`` and ``|J|`` near 1, gradients of about ``1e-4`` or larger are resolved to a
relative ``1e-6``; much smaller ones (vanishing gradients in the first layers of a deep sigmoid
network, tiny initial weights, gradients that nearly cancel over the batch) are not, and a
correct backpropagation would look wrong. So a tensor whose whole difference from backprop is
no larger than that rounding noise is measured again with a ten times larger step, up to
:data:`MAX_EPSILON`, and the smallest error is kept; :attr:`LayerCheck.weight_epsilon` and
:attr:`LayerCheck.bias_epsilon` say which step gave it. A difference larger than the noise
(a real error, or truncation) is never re-measured, so a wrong derivative cannot hide behind a
larger step: it disagrees at every step.

Besides the tensors' errors the report keeps every compared entry (:class:`EntryCheck`):
backpropagation's value beside the numerical one, as the lecture notes compare them, with their
absolute difference and the entry's own relative error ``|g - g̃| / (|g| + |g̃|)``. An entry
whose gradient is tiny can have a large relative error while its difference is no larger than
the rounding noise above; it is marked ``"in noise"`` rather than failed, since its ratio
measures nothing but rounding. :meth:`LayerCheck.worst_entries` lists a layer's entries worst
first and :meth:`GradCheckReport.format_entries` prints them.

A layer gets a verdict too (:meth:`LayerCheck.verdict`): ``"ok"`` when its relative error is
within the tolerance, ``"FAIL"`` when any compared entry fails (or the error is NaN), and
``"in noise"`` when its error is above the tolerance only through entries in noise: at the
step that measured it best (the largest tried, when every step gave the same) the differences
between backpropagation and the central differences are within rounding, so the check can
neither confirm nor refute backpropagation there. Such a layer neither passes nor fails, and
does not fail the check (:meth:`GradCheckReport.passed`); the report counts those layers and
names the reason (:meth:`GradCheckReport.noise_note`): either the gradients are too small for
the step to resolve them against the loss's rounding, or the loss is so large (a diverged
network) that its rounding swamps the change a step makes. A single entry further from
backpropagation than its rounding noise fails its layer, however small its gradient.

With ``dropout=True`` one set of dropout masks is drawn and held fixed for every evaluation of
the objective, so ``J`` is a deterministic function of the parameters and the differences are
valid (fresh masks at every evaluation would make ``J(θ + ε) - J(θ - ε)`` mostly noise).

Input a check cannot use (a step that is not a positive number, no examples, parameters,
inputs or a loss that are not finite) is refused with a :class:`GradCheckError` naming it.

A check of a big network on many examples takes minutes. ``progress`` is told, a few dozen
times a second at most, which tensor is being measured and how far along (a
:class:`GradCheckProgress`); ``should_stop`` is asked before every evaluation of the
objective, and :class:`GradCheckCancelled` ends the check when it says so (``progress`` may
raise it too). Either way the network handed in is never modified.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from nnstudio.engine.network import Network
from nnstudio.errors import NNStudioError

__all__ = [
    "MAX_CHECKS_PER_LAYER",
    "EntryCheck",
    "GradCheckCancelled",
    "GradCheckError",
    "GradCheckProgress",
    "GradCheckReport",
    "LayerCheck",
    "LayerVerdict",
    "NoiseCause",
    "gradient_check",
    "noise_explanation",
    "nonfinite_parameter",
]

#: Activations whose derivative jumps at z = 0.
_KINKED_ACTIVATIONS = ("relu", "leaky_relu")

#: Entries of a layer's ``W`` (and of its ``b``) compared at most; larger ones are sampled.
MAX_CHECKS_PER_LAYER = 200
#: Largest step a tensor is re-measured with when its gradients drown in rounding noise.
MAX_EPSILON = 1e-3
#: Rounding noise of one central difference is taken as this many times ``u · |J| / ε``: the
#: objective sums many rounded terms, so its error is a few units of ``u · |J|``.
_NOISE_FACTOR = 4.0
#: A re-measurement is only worth it while the relative error is above this (far below any
#: tolerance a user would set).
_GOOD_ENOUGH = 1e-9
#: An entry in noise blames the loss's size when its difference is more than this many times
#: the rounding noise a loss of magnitude 1 would have: an ordinary loss would have measured it.
_LARGE_LOSS_MARGIN = 100.0
#: Shortest time in seconds between two progress reports within a pass: an entry of a small
#: network takes a few tens of microseconds, far less than building and handing over a report.
PROGRESS_INTERVAL = 0.02


class GradCheckError(NNStudioError, ValueError):
    """A gradient check cannot run on what it was given; the message names what is wrong."""


class GradCheckCancelled(Exception):
    """A gradient check was stopped before it finished (``should_stop`` or ``progress``).

    Not an :class:`~nnstudio.errors.NNStudioError`: nothing went wrong, someone asked to stop.
    """


@dataclass(frozen=True)
class GradCheckProgress:
    """How far a running :func:`gradient_check` has come.

    Every tensor is measured in one pass over its checked entries, and again, with a ten
    times larger step, for as long as rounding noise hides its gradients (see the module
    notes). How many passes a tensor needs shows only after each one, so the work left is
    known per pass, not in advance.

    Attributes
    ----------
    layer : int
        1-based number of the layer being checked.
    layers : int
        Number of layers in the network.
    tensor : {"W", "b"}
        The layer's weights or its biases.
    done : int
        Entries measured in this pass, from 0 to ``entries``.
    entries : int
        Entries this pass measures.
    step : float
        Finite-difference step of this pass.
    remeasuring : bool
        Whether this pass measures the tensor again with a larger step.
    fraction : float
        Overall progress from 0 to 1, an estimate: the entries measured so far over those plus
        the entries left, namely the rest of this pass, a pass known to follow it, and the
        entries of the tensors still to come (and of this one, during its first pass) times
        the passes per entry that the tensors finished so far needed. It never goes
        backwards: when a tensor needs more passes than estimated it holds still until the
        measuring catches up. It is 1 only at the end.
    """

    layer: int
    layers: int
    tensor: Literal["W", "b"]
    done: int
    entries: int
    step: float
    remeasuring: bool
    fraction: float

    @property
    def tensor_name(self) -> str:
        """``"weights"`` or ``"biases"``."""
        return "weights" if self.tensor == "W" else "biases"


#: What an entry's comparison says (see :meth:`EntryCheck.verdict`).
Verdict = Literal["ok", "FAIL", "in noise", "left out"]
#: A layer's verdict (see :meth:`LayerCheck.verdict`).
LayerVerdict = Literal["ok", "FAIL", "in noise"]
#: Why differences drown in rounding (see :attr:`EntryCheck.noise_cause`).
NoiseCause = Literal["small gradient", "large loss"]
#: Order of :meth:`LayerCheck.worst_entries`: failures first, left-out entries last.
_VERDICT_RANK: dict[str, int] = {"FAIL": 0, "ok": 1, "in noise": 1, "left out": 2}


@dataclass(frozen=True)
class EntryCheck:
    """One compared parameter: backpropagation's derivative beside the numerical one.

    Attributes
    ----------
    layer : int
        1-based layer number (``W1`` feeds the first hidden layer).
    tensor : {"W", "b"}
        The layer's weight matrix or bias vector.
    index : tuple of int
        ``(row, column)`` in ``W`` (source neuron, target neuron) or ``(column,)`` in ``b``,
        counted from 0 as in the exported arrays.
    backprop : float
        ∂J/∂θ by backpropagation.
    numeric : float
        ``(J(θ + ε) - J(θ - ε)) / 2ε`` at :attr:`step`.
    step : float
        The step ε of :attr:`numeric` (its tensor's, see :attr:`LayerCheck.weight_epsilon`).
    noise : float
        Rounding noise of :attr:`numeric`: about ``u · |J| / ε`` times a few (``u``,
        float64's unit roundoff); no smaller difference can be told from rounding.
    left_out : bool
        A weight closer to 0 than the step with L1: the difference crosses ``|w|``'s corner
        and is left out of its tensor's error.
    """

    layer: int
    tensor: Literal["W", "b"]
    index: tuple[int, ...]
    backprop: float
    numeric: float
    step: float
    noise: float = 0.0
    left_out: bool = False

    @property
    def name(self) -> str:
        """``"W2[3, 5]"`` or ``"b2[5]"``: the layer from 1, the indices from 0."""
        return f"{self.tensor}{self.layer}[{', '.join(str(i) for i in self.index)}]"

    @property
    def abs_error(self) -> float:
        """``|g - g̃|``."""
        return abs(self.backprop - self.numeric)

    @property
    def rel_error(self) -> float:
        """``|g - g̃| / (|g| + |g̃|)``, 0 when both are 0 (NaN if either is NaN)."""
        scale = abs(self.backprop) + abs(self.numeric)
        if scale == 0.0:
            return 0.0
        return self.abs_error / scale

    def verdict(self, tol: float = 1e-6) -> Verdict:
        """``"ok"`` within ``tol``; ``"in noise"`` above it but no further apart than rounding
        noise (the gradient is too small for its ratio to mean anything); ``"left out"`` at
        L1's corner; else ``"FAIL"`` (also for NaN)."""
        if self.left_out:
            return "left out"
        if self.rel_error <= tol:
            return "ok"
        if self.abs_error <= self.noise:
            return "in noise"
        return "FAIL"

    @property
    def noise_cause(self) -> NoiseCause:
        """Why the entry's difference could be no more than rounding (for one ``"in noise"``).

        The rounding noise is about ``u · |J| / ε``: a step changes the loss by less than its
        rounding either because the gradient is tiny (``"small gradient"``) or because ``|J|``
        is huge (``"large loss"``, a diverged network). It is the loss when the difference is
        more than :data:`_LARGE_LOSS_MARGIN` times the noise a loss of magnitude 1 would have
        at the same step, so that a loss of ordinary size would have measured it.
        """
        unit_noise = _NOISE_FACTOR * np.finfo(np.float64).eps / self.step if self.step else 0.0
        if self.abs_error > _LARGE_LOSS_MARGIN * unit_noise:
            return "large loss"
        return "small gradient"


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
        Largest absolute difference over the checked entries of the layer (at the step that
        gave each tensor's error).
    weight_epsilon, bias_epsilon : float or None
        The finite-difference step that gave ``weight_error`` and ``bias_error``: the report's
        :attr:`GradCheckReport.epsilon` unless the tensor's gradients were too small for it to
        resolve (see the module notes). ``None`` means the report's step.
    weight_excluded : int
        Weights left out of ``weight_error`` because, with L1, they lie closer to 0 than that
        step (see the module notes); ``weight_checked`` does not count them.
    entries : tuple of EntryCheck
        Every compared entry, weights then biases, left-out weights included.
    """

    layer: int
    weight_shape: tuple[int, int]
    weight_error: float
    bias_error: float
    weight_checked: int
    bias_checked: int
    max_abs_error: float
    weight_epsilon: float | None = None
    bias_epsilon: float | None = None
    weight_excluded: int = 0
    entries: tuple[EntryCheck, ...] = field(default=(), repr=False)

    @property
    def error(self) -> float:
        """The larger of the weight and bias errors (NaN if either is NaN)."""
        return float(np.maximum(self.weight_error, self.bias_error))

    def verdict(self, tol: float = 1e-6) -> LayerVerdict:
        """``"ok"``, ``"FAIL"`` or ``"in noise"`` at tolerance ``tol``.

        ``"ok"`` when :attr:`error` is at most ``tol``. Above it, ``"in noise"`` only when no
        compared entry fails and some are in noise (see :meth:`EntryCheck.verdict`): the error
        then comes from differences no larger than rounding, which tell nothing about
        backpropagation. A single entry beyond its noise, a NaN error, or no entries to look
        at make it ``"FAIL"``.
        """
        if self.error <= tol:
            return "ok"
        if np.isnan(self.error):
            return "FAIL"
        verdicts = {entry.verdict(tol) for entry in self.entries}
        if "in noise" in verdicts and "FAIL" not in verdicts:
            return "in noise"
        return "FAIL"

    def noise_entries(self, tol: float = 1e-6) -> tuple[EntryCheck, ...]:
        """The compared entries whose verdict at ``tol`` is ``"in noise"``."""
        return tuple(entry for entry in self.entries if entry.verdict(tol) == "in noise")

    def noise_causes(self, tol: float = 1e-6) -> frozenset[NoiseCause]:
        """Why the layer's entries in noise are (see :attr:`EntryCheck.noise_cause`)."""
        return frozenset(entry.noise_cause for entry in self.noise_entries(tol))

    @property
    def largest_step(self) -> float | None:
        """The larger of :attr:`weight_epsilon` and :attr:`bias_epsilon` (None if neither)."""
        steps = [step for step in (self.weight_epsilon, self.bias_epsilon) if step is not None]
        return max(steps) if steps else None

    def worst_entries(self, tol: float = 1e-6, count: int | None = None) -> tuple[EntryCheck, ...]:
        """The compared entries, those that agree worst first.

        Failures come first, then the rest by relative error (NaN counts as the largest),
        left-out weights last: a failing entry is never hidden behind tiny gradients whose
        ratios are large only from rounding.

        Parameters
        ----------
        tol : float
            Tolerance of :meth:`EntryCheck.verdict`.
        count : int or None
            At most this many; all of them when ``None``.
        """

        def badness(entry: EntryCheck) -> tuple[int, float]:
            error = entry.rel_error
            return (_VERDICT_RANK[entry.verdict(tol)], -(np.inf if np.isnan(error) else error))

        ordered = sorted(self.entries, key=badness)  # stable: equal ones keep W before b
        return tuple(ordered if count is None else ordered[: max(0, count)])


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
        Pre-activations of ReLU-type layers and MAE residuals within ``kink_distance`` of a
        kink, where finite differences are unreliable.
    dropout : bool
        Whether the objective applied dropout, with one set of masks held fixed.
    """

    layers: tuple[LayerCheck, ...]
    loss: float
    epsilon: float
    near_kinks: int = 0
    dropout: bool = False

    @property
    def layer_errors(self) -> tuple[float, ...]:
        """Per-layer relative error (the larger of ``W`` and ``b``)."""
        return tuple(layer.error for layer in self.layers)

    @property
    def max_error(self) -> float:
        """Largest relative error over all layers (NaN if any is NaN)."""
        errors = self.layer_errors
        return float(np.max(errors)) if errors else 0.0

    @property
    def remeasured(self) -> tuple[tuple[LayerCheck, str, float], ...]:
        """``(layer, "W" or "b", step)`` for every tensor measured with a larger step."""
        found: list[tuple[LayerCheck, str, float]] = []
        for layer in self.layers:
            for name, step in (("W", layer.weight_epsilon), ("b", layer.bias_epsilon)):
                if step is not None and step != self.epsilon:
                    found.append((layer, name, step))
        return tuple(found)

    @property
    def excluded(self) -> int:
        """Weights left out of the errors next to the L1 penalty's kink at 0, all layers."""
        return sum(layer.weight_excluded for layer in self.layers)

    def passed(self, tol: float = 1e-6) -> bool:
        """Whether no layer fails at ``tol`` (see :meth:`LayerCheck.verdict`; NaN fails).

        A layer ``"in noise"`` does not fail the check, though it does not pass either:
        :meth:`in_noise` lists those layers and :meth:`noise_note` says why.
        """
        return not self.failing(tol)

    def failing(self, tol: float = 1e-6) -> tuple[LayerCheck, ...]:
        """The layers whose verdict at ``tol`` is ``"FAIL"``."""
        return tuple(layer for layer in self.layers if layer.verdict(tol) == "FAIL")

    def in_noise(self, tol: float = 1e-6) -> tuple[LayerCheck, ...]:
        """The layers whose verdict at ``tol`` is ``"in noise"``: not measurable at any step."""
        return tuple(layer for layer in self.layers if layer.verdict(tol) == "in noise")

    def measured_max_error(self, tol: float = 1e-6) -> float:
        """Largest relative error over the layers not in noise (NaN if any is NaN, 0 if none)."""
        errors = [layer.error for layer in self.layers if layer.verdict(tol) != "in noise"]
        return float(np.max(errors)) if errors else 0.0

    def noise_note(self, tol: float = 1e-6) -> str | None:
        """Why the layers in noise could not be measured, or ``None`` when none is.

        One sentence, lower case and without a final full stop, e.g. ``"15 of 25 layers could
        not be measured (in noise, neither passed nor failed): in layers 1–15 the gradients
        are too small for the step: …"``. It names the actual reason, per group of layers:
        gradients too small for the step to resolve them against the loss's rounding, or a
        loss so large that its rounding swamps the change a step makes (see
        :attr:`EntryCheck.noise_cause`).
        """
        noisy = self.in_noise(tol)
        if not noisy:
            return None
        large = [layer for layer in noisy if "large loss" in layer.noise_causes(tol)]
        small = [layer for layer in noisy if all(layer is not other for other in large)]
        reasons = []
        for group, cause in ((small, "small gradient"), (large, "large loss")):
            if not group:
                continue
            step = _largest_step(group, self.epsilon)
            # The same noise as the entries' verdicts: a few u·|J|/ε.
            noise = _NOISE_FACTOR * np.finfo(np.float64).eps * abs(self.loss) / step
            if cause == "small gradient":
                reasons.append(
                    f"in {_layer_list(group)} the gradients are too small for the step: even "
                    f"at epsilon {step:g} the central differences resolve them only to the "
                    f"rounding noise of the loss J = {self.loss:.3g} (a few u·|J|/ε, about "
                    f"{noise:.1e}), not to a relative {tol:g}"
                )
            else:
                reasons.append(
                    f"in {_layer_list(group)} the loss J = {self.loss:.3g} is so large that its "
                    f"rounding noise (a few u·|J|/ε, about {noise:.1e} at epsilon {step:g}) "
                    "swamps the change a step makes"
                )
        count = f"{len(noisy)} of {len(self.layers)} layers" if len(self.layers) > 1 else "1 layer"
        return (
            f"{count} could not be measured (in noise, neither passed nor failed): "
            + "; ".join(reasons)
            + "; the check can neither confirm nor refute backpropagation there"
        )

    def format(self, tol: float = 1e-6) -> str:
        """A readable table, one row per layer, and a verdict line.

        A ``W / b step`` column appears when some tensor was measured with a larger step than
        :attr:`epsilon`.
        """
        with_steps = bool(self.remeasured)
        header = (
            f"{'layer':>5}  {'W shape':>10}  {'W rel. error':>12}  {'b rel. error':>12}  "
            f"{'checked':>7}  "
        )
        if with_steps:
            header += f"{'W / b step':>15}  "
        lines = [header + "result"]
        for layer in self.layers:
            shape = f"{layer.weight_shape[0]}x{layer.weight_shape[1]}"
            verdict = layer.verdict(tol)
            row = (
                f"{layer.layer:>5}  {shape:>10}  {layer.weight_error:>12.3e}  "
                f"{layer.bias_error:>12.3e}  {layer.weight_checked + layer.bias_checked:>7}  "
            )
            if with_steps:
                steps = [
                    f"{self.epsilon if step is None else step:.0e}"
                    for step in (layer.weight_epsilon, layer.bias_epsilon)
                ]
                row += f"{' / '.join(steps):>15}  "
            lines.append(row + verdict)
        outcome = "passed" if self.passed(tol) else "FAILED"
        if with_steps:
            lines.append(
                f"note: where epsilon {self.epsilon:g} cannot resolve the gradients against "
                "rounding noise (the change a step makes in the loss is below the loss's "
                "rounding), a larger step measured them again"
            )
        noisy = len(self.in_noise(tol))
        settings = f"(tolerance {tol:g}, epsilon {self.epsilon:g})"
        if not noisy:
            lines.append(f"largest relative error {self.max_error:.3e}: {outcome} {settings}")
        elif noisy < len(self.layers):
            # The in-noise layers' errors measure rounding, not backpropagation.
            measured = len(self.layers) - noisy
            lines.append(
                f"largest relative error {self.measured_max_error(tol):.3e} over the "
                f"{measured} measured layer{'s' if measured > 1 else ''}: {outcome} {settings}"
            )
        else:
            lines.append(f"no layer could be measured: nothing passed or failed {settings}")
        note = self.noise_note(tol)
        if note is not None:
            lines.append(f"note: {note}")
        if self.excluded:
            lines.append(
                f"note: {self.excluded} weight(s) closer to 0 than the step were left out: "
                "with L1, |W| has a corner there that finite differences cannot measure across"
            )
        if self.near_kinks:
            lines.append(
                f"note: {self.near_kinks} value(s) lie next to a kink (ReLU at 0, MAE residual "
                "at 0), where finite differences are unreliable"
            )
        return "\n".join(lines)

    def format_entries(self, count: int, tol: float = 1e-6) -> str:
        """Each layer's ``count`` worst entries side by side, as one aligned table.

        Columns: the layer, the entry (``W1[0, 3]``, ``b2[1]``), backpropagation's and the
        numerical derivative, their absolute difference, the entry's relative error and its
        verdict (see :meth:`EntryCheck.verdict`). Notes below explain ``in noise``,
        ``left out`` and a failing entry of a passing layer when they occur.
        """
        rows = [
            (layer, entry) for layer in self.layers for entry in layer.worst_entries(tol, count)
        ]
        names = [entry.name for _layer, entry in rows]
        width = max((len(name) for name in names), default=5)
        header = (
            f"{'layer':>5}  {'entry':<{width}}  {'backprop':>16}  {'numerical':>16}  "
            f"{'abs. diff.':>10}  {'rel. error':>10}  result"
        )
        lines = [
            f"entries that agree worst, at most {count} per layer (indices from 0, as in the "
            "exported arrays):",
            header,
        ]
        verdicts: set[str] = set()
        failing_alone = False  # an entry fails while its layer passes
        for (layer, entry), name in zip(rows, names, strict=True):
            verdict = entry.verdict(tol)
            verdicts.add(verdict)
            failing_alone |= verdict == "FAIL" and layer.error <= tol
            lines.append(
                f"{layer.layer:>5}  {name:<{width}}  {entry.backprop:>16.9e}  "
                f"{entry.numeric:>16.9e}  {entry.abs_error:>10.3e}  {entry.rel_error:>10.3e}  "
                f"{verdict}"
            )
        if failing_alone:
            lines.append(
                "note: an entry fails on its own while its layer passes: its relative error also "
                "holds the central difference's own truncation error (about ε²·J‴/6), large "
                f"beside a small gradient; a step smaller than {self.epsilon:g} tells whether "
                "backpropagation or the difference is off"
            )
        if "in noise" in verdicts:
            causes = {
                entry.noise_cause for _layer, entry in rows if entry.verdict(tol) == "in noise"
            }
            lines.append(f"note: in noise: {noise_explanation(causes, self.loss)}")
        if "left out" in verdicts:
            lines.append(
                "note: left out: with L1 the weight is closer to 0 than the step, and the "
                "difference crosses |w|'s corner"
            )
        return "\n".join(lines)


def noise_explanation(causes: Collection[NoiseCause], loss: float) -> str:
    """What ``"in noise"`` means for entries in noise for ``causes``, lower case, no full stop.

    Parameters
    ----------
    causes : collection of {"small gradient", "large loss"}
        The :attr:`EntryCheck.noise_cause` of the entries explained.
    loss : float
        The objective ``J`` at the checked parameters.
    """
    text = (
        "the relative error is above the tolerance, but the difference is no larger than the "
        "rounding noise of the central difference (a few u·|J|/ε, u ≈ 1.1e-16 in float64), so "
        "the ratio means nothing"
    )
    why = []
    if "small gradient" in causes:
        why.append("the gradient is too small for the step")
    if "large loss" in causes:
        why.append(
            f"the loss (J = {loss:.3g}) is so large that its rounding swamps the change a step "
            "makes"
        )
    return f"{text}: {' or '.join(why)}" if why else text


def _layer_list(layers: Sequence[LayerCheck]) -> str:
    """``"layer 3"`` or ``"layers 1–4, 7"``: runs of consecutive numbers joined."""
    numbers = sorted(layer.layer for layer in layers)
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    parts = [
        f"{run[0]}" if len(run) == 1 else f"{run[0]}{'–' if len(run) > 2 else ', '}{run[-1]}"
        for run in runs
    ]
    return f"layer{'s' if len(numbers) > 1 else ''} {', '.join(parts)}"


def _largest_step(layers: Sequence[LayerCheck], epsilon: float) -> float:
    """The largest step any of ``layers`` was measured with (``epsilon`` at least)."""
    return max([epsilon, *(layer.largest_step or epsilon for layer in layers)])


def nonfinite_parameter(params: Sequence[Sequence[np.ndarray]]) -> str | None:
    """The first parameter that is not a finite number, named, or ``None`` if all are.

    Parameters
    ----------
    params : sequence of (W, b)
        Per layer, ``W`` shaped (fan_in, fan_out) and ``b`` shaped (fan_out,).

    Returns
    -------
    str or None
        E.g. ``"W1[0, 1] is nan (1 of layer 1's 12 weights is not a finite number)"``.
    """
    for layer, pair in enumerate(params, start=1):
        for tensor, array in zip(("W", "b"), pair, strict=True):
            values = np.asarray(array, dtype=np.float64)
            bad = ~np.isfinite(values)
            if not bad.any():
                continue
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            count = int(np.count_nonzero(bad))
            name = EntryCheck(layer, tensor, first, 0.0, 0.0, 0.0).name
            what = "weights" if tensor == "W" else "biases"
            verb = "is" if count == 1 else "are"
            return (
                f"{name} is {float(values[first]):g} ({count:,} of layer {layer}'s "
                f"{values.size:,} {what} {verb} not a finite number)"
            )
    return None


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
    max_checks_per_layer: int = MAX_CHECKS_PER_LAYER,
    seed: int = 0,
    dropout: bool = False,
    masks: Sequence[np.ndarray | None] | None = None,
    kink_distance: float | None = None,
    progress: Callable[[GradCheckProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> GradCheckReport:
    """Compare backpropagation with central differences on a float64 copy of ``network``.

    Parameters
    ----------
    network : Network
        Left untouched, also when the check is cancelled; a float64 copy is checked.
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
    progress : callable or None
        Called, in the calling thread, with a :class:`GradCheckProgress` at the start and end
        of every pass over a tensor and in between at most every :data:`PROGRESS_INTERVAL`
        seconds. An exception it raises (such as :class:`GradCheckCancelled`) ends the check.
    should_stop : callable or None
        Asked before every evaluation of the objective (one forward pass over ``X``); when it
        returns true the check ends with :class:`GradCheckCancelled`. It runs in the checking
        thread; another thread can stop the check through it, e.g. ``event.is_set``.

    Returns
    -------
    GradCheckReport

    Raises
    ------
    GradCheckError
        When ``epsilon`` is not a positive finite number, ``max_checks_per_layer`` is below
        1, there are no examples, or the parameters, the inputs, the targets or the loss at
        the parameters are not all finite.
    GradCheckCancelled
        When ``should_stop`` returned true (or ``progress`` raised it).
    """

    def stop_if_asked() -> None:
        if should_stop is not None and should_stop():
            raise GradCheckCancelled("the gradient check was stopped")

    if not (isinstance(epsilon, (int, float, np.floating)) and 0.0 < epsilon < np.inf):
        raise GradCheckError(f"the step ε must be a positive finite number, got {epsilon!r}")
    if max_checks_per_layer < 1:
        raise GradCheckError(
            f"at least 1 entry per tensor must be compared, got {max_checks_per_layer}"
        )
    problem = nonfinite_parameter(network.params)
    if problem is not None:
        raise GradCheckError(f"the weights are not all finite: {problem}")
    stop_if_asked()
    net = network.copy(dtype="float64")
    rng = np.random.default_rng(seed)
    X = net.prepare_inputs(X)
    Y = net.prepare_targets(Y, X.shape[0])
    if X.shape[0] == 0:
        raise GradCheckError("there are no examples to check the gradients on")
    for what, values in (("inputs", X), ("targets", Y)):
        if not np.isfinite(values).all():
            raise GradCheckError(f"the {what} are not all finite numbers (NaN or infinite)")
    # prepare_inputs standardised X; the copy must not standardise a second time.
    net.standardization = None
    if masks is None and dropout:
        masks = net.forward(X, training=True, rng=np.random.default_rng(seed)).masks

    # An overflow is reported below, in words, rather than as a NumPy warning.
    with np.errstate(over="ignore", invalid="ignore"):
        loss, grads = net.loss_and_gradients(X, Y, l1=l1, l2=l2, masks=masks)
    if not np.isfinite(loss):
        raise GradCheckError(
            f"the loss at these weights is {loss:g}, not a finite number: there is no "
            "gradient to check"
        )

    def objective() -> float:
        stop_if_asked()
        return net.loss(X, Y, l1=l1, l2=l2, masks=masks)

    def choose(size: int) -> np.ndarray:
        if size <= max_checks_per_layer:
            return np.arange(size)
        return np.sort(rng.choice(size, size=max_checks_per_layer, replace=False))

    # Every tensor's entries are chosen up front, so the work of the first passes is known.
    chosen_entries = [(choose(W.size), choose(b.size)) for W, b in net.params]
    tracker = _ProgressTracker(
        progress, len(net.params), sum(w.size + b.size for w, b in chosen_entries)
    )

    layers: list[LayerCheck] = []
    for index, ((W, b), (dW, db)) in enumerate(zip(net.params, grads, strict=True)):
        tensors: tuple[tuple[Literal["W", "b"], np.ndarray, np.ndarray, np.ndarray], ...] = (
            ("W", W, dW, chosen_entries[index][0]),
            ("b", b, db, chosen_entries[index][1]),
        )
        measured: list[_TensorCheck] = []
        entries: list[EntryCheck] = []
        for name, param, grad, chosen in tensors:
            flat = param.reshape(-1)  # a view: perturbing it perturbs the network
            analytic = grad.reshape(-1)[chosen]
            tracker.tensor = (index + 1, name)
            # With L1, a weight within a step of 0 is differenced across |W|'s corner.
            cornered = flat[chosen].copy() if l1 and name == "W" else None
            check = _check_tensor(
                flat, chosen, analytic, objective, epsilon, loss, tracker, cornered
            )
            measured.append(check)
            entries += _entries(index + 1, name, param.shape, chosen, analytic, check)
        (weight, bias) = measured
        layers.append(
            LayerCheck(
                layer=index + 1,
                weight_shape=(int(W.shape[0]), int(W.shape[1])),
                weight_error=weight.error,
                bias_error=bias.error,
                weight_checked=weight.checked,
                bias_checked=bias.checked,
                max_abs_error=max(weight.max_abs_error, bias.max_abs_error),
                weight_epsilon=weight.epsilon,
                bias_epsilon=bias.epsilon,
                weight_excluded=weight.excluded,
                entries=tuple(entries),
            )
        )

    near = _count_near_kinks(net, X, Y, masks, epsilon, kink_distance)
    applied = masks is not None and any(mask is not None for mask in masks)
    return GradCheckReport(
        layers=tuple(layers), loss=loss, epsilon=epsilon, near_kinks=near, dropout=applied
    )


def _entries(
    layer: int,
    tensor: Literal["W", "b"],
    shape: tuple[int, ...],
    chosen: np.ndarray,
    analytic: np.ndarray,
    check: _TensorCheck,
) -> list[EntryCheck]:
    """One :class:`EntryCheck` per compared entry of a tensor, at the step its error has.

    ``chosen`` holds flat positions into a tensor of ``shape``; ``analytic``, like the
    check's arrays, has one value per position, shape (len(chosen),).
    """
    positions = np.unravel_index(chosen, shape)
    return [
        EntryCheck(
            layer=layer,
            tensor=tensor,
            index=tuple(int(axis[k]) for axis in positions),
            backprop=float(analytic[k]),
            numeric=float(check.numeric[k]),
            step=check.epsilon,
            noise=float(check.noise[k]),
            left_out=not bool(check.kept[k]),
        )
        for k in range(chosen.size)
    ]


class _ProgressTracker:
    """Counts the measured entries and hands :class:`GradCheckProgress` reports out.

    Parameters
    ----------
    report : callable or None
        The ``progress`` argument of :func:`gradient_check`; ``None`` reports nothing.
    layers : int
        Number of layers checked.
    first_pass_entries : int
        Entries of every tensor's first pass together.
    """

    def __init__(
        self,
        report: Callable[[GradCheckProgress], None] | None,
        layers: int,
        first_pass_entries: int,
    ) -> None:
        self.report = report
        self.layers = layers
        #: ``(layer, "W" or "b")`` being measured.
        self.tensor: tuple[int, Literal["W", "b"]] = (1, "W")
        self.measured = 0  # entries measured, over all passes
        self.first_passes_left = first_pass_entries  # of the tensors not started yet
        # The tensors measured to the end: entries of their first passes and of all passes.
        self.finished_first_passes = 0
        self.finished_measured = 0
        self.fraction = 0.0  # the largest fraction reported, so it never goes backwards
        self.tensor_started_at = 0  # ``measured`` when the current tensor's first pass began
        self.entries = 0
        self.step = 0.0
        self.remeasuring = False
        self.last_report = -np.inf

    def begin_pass(self, entries: int, step: float, *, remeasuring: bool) -> None:
        """A pass over ``entries`` entries with ``step`` starts (reported at once)."""
        if not remeasuring:
            self.first_passes_left -= entries
            self.tensor_started_at = self.measured
        self.entries, self.step, self.remeasuring = entries, step, remeasuring
        self._send(0, following=None)

    def measured_one(self, done: int) -> None:
        """Entry ``done`` (1-based) of the pass was measured (reported if one is due)."""
        self.measured += 1
        # The last entry is reported by end_pass, which knows whether a re-measurement follows.
        if (
            self.report is not None
            and done < self.entries
            and time.monotonic() - self.last_report >= PROGRESS_INTERVAL
        ):
            self._send(done, following=None)

    def end_pass(self, following: int) -> None:
        """The pass ended; ``following`` entries are measured again next (0: none)."""
        if not following:
            self.finished_measured += self.measured - self.tensor_started_at
            self.finished_first_passes += self.entries
        self._send(self.entries, following=following)

    def _send(self, done: int, *, following: int | None) -> None:
        """Report; ``following`` is None while it is not known whether another pass follows."""
        if self.report is None:
            return
        # The tensors measured so far took this many passes per entry; the others likely will.
        passes = (
            self.finished_measured / self.finished_first_passes
            if self.finished_first_passes
            else 1.0
        )
        left = self.entries - done + self.first_passes_left * passes
        if following is not None:
            left += following
        elif not self.remeasuring:
            left += self.entries * (passes - 1)  # this tensor's likely re-measurements
        fraction = self.measured / (self.measured + left) if self.measured + left else 1.0
        self.fraction = max(self.fraction, fraction)
        layer, tensor = self.tensor
        self.last_report = time.monotonic()
        self.report(
            GradCheckProgress(
                layer=layer,
                layers=self.layers,
                tensor=tensor,
                done=done,
                entries=self.entries,
                step=self.step,
                remeasuring=self.remeasuring,
                fraction=self.fraction,
            )
        )


@dataclass(frozen=True, eq=False)
class _TensorCheck:
    """One tensor's comparison at one step; the arrays have shape (len(chosen),)."""

    error: float
    checked: int
    max_abs_error: float
    epsilon: float
    numeric: np.ndarray
    noise: np.ndarray
    kept: np.ndarray
    excluded: int = 0


def _central_differences(
    flat: np.ndarray,
    chosen: np.ndarray,
    objective: Callable[[], float],
    epsilon: float,
    tracker: _ProgressTracker,
) -> tuple[np.ndarray, float]:
    """Numerical derivatives of the chosen entries of ``flat``, shape (len(chosen),).

    Also returns, per entry, the larger ``|J|`` of its two evaluations, the scale of its
    rounding noise, shape (len(chosen),).
    """
    numeric = np.empty(chosen.size)
    largest = np.empty(chosen.size)
    for position, entry in enumerate(chosen):
        original = flat[entry]
        try:
            flat[entry] = original + epsilon
            plus = objective()
            flat[entry] = original - epsilon
            minus = objective()
        finally:
            # Also when stopped (or interrupted) between the two evaluations.
            flat[entry] = original
        numeric[position] = (plus - minus) / (2 * epsilon)
        largest[position] = max(abs(plus), abs(minus))
        tracker.measured_one(position + 1)
    return numeric, largest


def _check_tensor(
    flat: np.ndarray,
    chosen: np.ndarray,
    analytic: np.ndarray,
    objective: Callable[[], float],
    epsilon: float,
    loss: float,
    tracker: _ProgressTracker,
    cornered: np.ndarray | None = None,
) -> _TensorCheck:
    """Compare one tensor's entries, re-measuring with larger steps while rounding dominates.

    ``cornered`` (the chosen entries' values, with L1) leaves out the entries a step of ±step
    moves across 0, where the penalty's derivative jumps.
    """
    best: _TensorCheck | None = None
    step = epsilon
    tracker.begin_pass(int(chosen.size), step, remeasuring=False)
    while True:
        numeric, largest = _central_differences(flat, chosen, objective, step, tracker)
        kept = np.ones(chosen.size, dtype=bool) if cornered is None else np.abs(cornered) >= step
        gradient, estimate = analytic[kept], numeric[kept]
        difference = float(np.linalg.norm(gradient - estimate))
        # Rounding noise of each difference: a few u·|J|/ε.
        entry_noise = (
            _NOISE_FACTOR * np.finfo(np.float64).eps * np.maximum(largest, abs(loss)) / step
        )
        check = _TensorCheck(
            error=_relative_error(gradient, estimate),
            checked=int(gradient.size),
            max_abs_error=float(np.max(np.abs(gradient - estimate))) if gradient.size else 0.0,
            epsilon=step,
            numeric=numeric,
            noise=entry_noise,
            kept=kept,
            excluded=int(chosen.size - gradient.size),
        )
        # NaN errors compare false and are kept only when nothing else was measured. On a
        # tie the larger step is kept: its rounding noise is smaller, so the entries' "in
        # noise" verdicts are the strictest measured (all-zero differences tie at every step).
        if best is None or check.error <= best.error:
            best = check
        # The tensor's rounding noise: the entries' largest, as a norm over entries.
        noise = float(np.max(entry_noise, initial=0.0)) * np.sqrt(gradient.size)
        explained_by_rounding = difference <= noise
        if not explained_by_rounding or best.error <= _GOOD_ENOUGH or step * 10 > MAX_EPSILON:
            tracker.end_pass(following=0)
            return best
        tracker.end_pass(following=int(chosen.size))
        step *= 10
        tracker.begin_pass(int(chosen.size), step, remeasuring=True)


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
