"""The Gradients tab: each layer's gradient norm against the step, on a logarithmic axis.

A layer's gradient norm is ‖[∂J/∂W; ∂J/∂b]‖, its weights' and biases' gradients together
(the plot's tooltip says so).

Lines that sink by orders of magnitude towards the input layers show vanishing gradients;
lines that shoot up show exploding ones. Tiny norms (10⁻¹⁹ in a deep sigmoid network) are drawn
where they are. A gradient of exactly 0 (a zero-initialised layer no signal reaches, a dead
ReLU layer) has no logarithm: it is drawn at a floor, 10⁻¹² or a decade below the smallest
non-zero norm if that is lower, labelled "= 0" there and named in a note, so it does not read
as merely tiny.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.ui.plots.common import (
    EmptyPlotNote,
    GrowingXRange,
    LiveCurve,
    PlotTab,
    layer_keys,
    make_plot,
    note_label,
    palette_color,
    pen,
    set_title,
)
from nnstudio.ui.qt import QtWidgets, pg

if TYPE_CHECKING:
    from nnstudio.ui.frame import Frame

#: Exact zeros are drawn here on the log axis (a dead layer has a zero gradient), unless a
#: non-zero value lies as low: see :func:`zero_floor`.
_FLOOR = 1e-12
#: The lowest floor :func:`zero_floor` gives is 1e-320, still a positive float64 (only
#: values closer to 0 than that, subnormal ones, may lie under it).
_LOWEST_FLOOR_EXPONENT = -320


def smallest_positive(values: np.ndarray) -> float:
    """The smallest value above 0 in ``values`` (``inf`` when there is none).

    Parameters
    ----------
    values : ndarray
        Any shape; NaN and negative values are ignored.

    Returns
    -------
    float
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return math.inf
    with np.errstate(invalid="ignore"):
        return float(np.min(values, initial=math.inf, where=values > 0.0))


def zero_floor(smallest: float, default: float = _FLOOR) -> float:
    """Where exact zeros are drawn on a log axis whose smallest non-zero value is ``smallest``.

    ``default`` where that leaves a decade's room below every non-zero value; else the power
    of ten a decade below ``smallest``'s, so a vanishing 5e-19 is drawn where it is, not
    on top of the zeros.

    Parameters
    ----------
    smallest : float
        The smallest value above 0 drawn (``inf``: none).
    default : float
        The usual floor.

    Returns
    -------
    float
        A power of ten, at most ``default``, below ``smallest``.
    """
    if not math.isfinite(smallest) or smallest >= 10.0 * default:
        return default
    exponent = max(math.floor(math.log10(smallest)) - 1, _LOWEST_FLOOR_EXPONENT)
    return min(default, 10.0**exponent)


def zero_gradient_text(norms: np.ndarray, floor: float | None = None) -> str:
    """A note naming the layers whose gradient norm is exactly 0 at the latest step.

    Parameters
    ----------
    norms : ndarray, shape (S, L)
        Per-step, per-layer gradient norms (S ≥ 1).
    floor : float or None
        Where the zeros are drawn; ``None``: :func:`zero_floor` of the norms.

    Returns
    -------
    str
        E.g. ``"layer 1: gradient exactly 0 at every step (drawn at 1e-12)"``, or ``""``.
    """
    zero = np.flatnonzero(norms[-1] == 0.0)
    if zero.size == 0:
        return ""
    always = [int(i) for i in zero if not np.any(norms[:, i])]
    now = [int(i) for i in zero if i not in always]
    parts = []
    for layers, when in ((always, "at every step"), (now, "at the last step")):
        if layers:
            names = ", ".join(str(i + 1) for i in layers)
            noun = "layer" if len(layers) == 1 else "layers"
            parts.append(f"{noun} {names}: gradient exactly 0 {when}")
    if floor is None:
        floor = zero_floor(smallest_positive(norms))
    return "; ".join(parts) + f" (drawn at {floor:g})"


def zero_gradient_wordings(norms: np.ndarray, floor: float | None = None) -> tuple[str, ...]:
    """:func:`zero_gradient_text` and shorter wordings of it, longest first.

    A plots dock at 1280 or 1024 pixels has room for about half of the whole note beside the
    other controls; the layers and "0" are what must stay readable.

    Parameters
    ----------
    norms : ndarray, shape (S, L)
        Per-step, per-layer gradient norms (S ≥ 1).
    floor : float or None
        Where the zeros are drawn; ``None``: :func:`zero_floor` of the norms.

    Returns
    -------
    tuple of str
        Empty when no gradient is 0, e.g. ``("layers 1, 2: gradient exactly 0 at every step
        (drawn at 1e-12)", …, "layers 1, 2 = 0")``.
    """
    if floor is None:
        floor = zero_floor(smallest_positive(norms))
    text = zero_gradient_text(norms, floor)
    if not text:
        return ()
    zero = np.flatnonzero(norms[-1] == 0.0)
    names = ", ".join(str(int(i) + 1) for i in zero)
    noun = "layer" if zero.size == 1 else "layers"
    without_floor = text.removesuffix(f" (drawn at {floor:g})")
    wordings = (
        text,
        without_floor,
        f"{noun} {names}: gradient exactly 0",
        f"{noun} {names}: gradient 0",
        f"{noun} {names} = 0",
    )
    return tuple(dict.fromkeys(wordings))  # without repeats, in order


#: What a line of the plot is (its tooltip): the norm of the layer's weight and bias
#: gradients together, not of ∂J/∂W alone.
GRADIENT_NORM_TIP = (
    "Each layer's gradient norm ‖[∂J/∂W; ∂J/∂b]‖: the Euclidean norm of the gradients of "
    "all its weights and biases together, of the data loss J each mini-batch step "
    "minimised, before gradient clipping. An L1/L2 penalty's part is left out: its λW would "
    "hide a gradient that vanishes, and keep a dead layer's norm off 0.\n"
    "Thin lines: every step. Thick lines: a moving average over about 1/60 of the run "
    "(for runs of fewer than 120 steps, every step's norm itself)."
)


#: The zero-gradient note's tooltip, after the note itself.
_ZERO_TIP = (
    f"A gradient of exactly 0 has no logarithm: it is drawn at the floor {_FLOOR:g}, or a "
    "decade below the smallest non-zero norm if that is lower. No error signal reaches that "
    "layer, so its weights do not change."
)


class GradientsTab(PlotTab):
    """Per-layer gradient norm ``‖(∂J/∂W, ∂J/∂b)‖`` against the optimisation step."""

    name = "Gradients"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.show_raw = QtWidgets.QCheckBox("Every step")
        self.show_raw.setToolTip(
            "Also draw the unsmoothed norm of every mini-batch step (thin lines)"
        )
        self.show_raw.setChecked(True)
        self.show_raw.toggled.connect(self._toggle_raw)
        #: Says the thick lines are a moving average, shown only while they are one (a run
        #: of fewer than 2 × _SMOOTHING_WINDOW steps draws every step's norm thick).
        self.smoothing_note = note_label("")
        self.smoothing_note.set_wordings(
            "thick lines: moving average", "thick: moving average", "thick: average"
        )
        self.smoothing_note.hide()
        #: Names the layers whose gradient is exactly 0 (drawn at the floor).
        self.zero_note = note_label("")
        self.zero_note.setStyleSheet("color: #b91c1c;")
        self.zero_note.setToolTip(_ZERO_TIP)
        self.zero_note.hide()
        self.controls.addWidget(self.show_raw)
        # The notes take the room left (a stretch beside them would leave them none), most of
        # it for the zero-gradient note: it says something is wrong.
        self.controls.addWidget(self.smoothing_note, 1)
        self.controls.addWidget(self.zero_note, 4)
        self.plot = make_plot(
            "Gradient norm per layer", "step", "gradient norm (log scale)", counts_x=True
        )
        self.plot.setLogMode(y=True)
        self.plot.setToolTip(GRADIENT_NORM_TIP)
        self.plot.getAxis("left").setToolTip(GRADIENT_NORM_TIP)
        # A short plot (a large font, a low dock) has no room for the whole label.
        self.plot.getAxis("left").set_label_wordings(
            "gradient norm (log scale)", "gradient norm, log", "‖g‖, log"
        )
        self.x_range = GrowingXRange(self.plot)
        self.empty_note = EmptyPlotNote(
            self.plot, "Each layer's gradient norm appears here from the first training step."
        )
        self.empty_note.set_shown(True)
        self.curves: list[pg.PlotDataItem] = []
        self.raw_curves: list[pg.PlotDataItem] = []
        #: Per layer, "= 0" at the floor where its latest gradient is exactly 0.
        self.zero_labels: list[pg.TextItem] = []
        self._live: dict[pg.PlotDataItem, LiveCurve] = {}
        self._names: tuple[str, ...] = ()
        self._steps = np.zeros(0, dtype=np.int64)
        self._norms = np.zeros((0, 0))
        #: Where exact zeros are drawn now (see :func:`zero_floor`).
        self.floor = _FLOOR
        #: The smallest non-zero norm of the history so far, and what it was taken over: the
        #: run, the rows and their first and last step (a history only grows, or is thinned).
        self._smallest = math.inf
        self._smallest_of: tuple[int, int, int, int, int] | None = None
        self.set_arrangement(narrow=[(self.plot, 0, 0, 1, 1)], wide=[(self.plot, 0, 0, 1, 1)])

    def view_options(self) -> dict[str, QtWidgets.QCheckBox | QtWidgets.QComboBox]:
        return {"everyStep": self.show_raw}

    def clear(self) -> None:
        self._steps = np.zeros(0, dtype=np.int64)
        self._norms = np.zeros((0, 0))
        self._smallest, self._smallest_of = math.inf, None
        self.floor = _FLOOR
        self.x_range.reset()
        for live in self._live.values():
            live.clear()
        self.empty_note.set_shown(True)

    def _toggle_raw(self, on: bool) -> None:
        for curve in self.raw_curves:
            curve.setVisible(on)

    def show_frame(self, frame: Frame) -> None:
        layers = frame.n_layers
        while len(self.curves) < layers:
            index = len(self.curves)
            color = palette_color(index)
            raw = self.plot.plot(pen=pg.mkPen(color=(*color, 70), width=1), connect="finite")
            raw.setVisible(self.show_raw.isChecked())
            curve = self.plot.plot(pen=pen(color, 2.4), connect="finite")
            self.raw_curves.append(raw)
            self.curves.append(curve)
            label = pg.TextItem(f"layer {index + 1} = 0", color=color, anchor=(1.0, 1.0))
            label.setVisible(False)
            self.plot.addItem(label, ignoreBounds=True)
            self.zero_labels.append(label)
            self._live[raw] = LiveCurve(self.plot, raw, 2.0)
            self._live[curve] = LiveCurve(self.plot, curve, 1.0)
        names = tuple(frame.activation_names)
        if names != self._names:
            # The title names every layer (a legend box would hide lines); short of room the
            # keys alone say what the lines are, and shorter still, by number.
            keys = layer_keys(names)
            set_title(
                self.plot,
                f"Gradient norm  {keys}",
                compact=(keys, layer_keys(names, numbers_only=True)),
            )
            self._names = names
        steps = np.asarray(frame.grad_steps)
        norms = np.asarray(frame.grad_norms)
        self._steps, self._norms = steps, norms
        has_data = steps.shape[0] > 0 and norms.ndim == 2 and norms.shape[1] == layers
        self.empty_note.set_shown(not has_data)
        if has_data:
            self.x_range.follow(float(steps[0]), float(steps[-1]))
            self.floor = zero_floor(self._smallest_norm(frame.run, steps, norms))
            centres, smoothed = _smoothed(steps, norms, _SMOOTHING_RUNS, floor=self.floor)
        averaged = has_data and smoothing_applies(steps.shape[0], _SMOOTHING_RUNS)
        if self.smoothing_note.isHidden() == averaged:
            self.smoothing_note.setVisible(averaged)
        for index, (curve, raw) in enumerate(zip(self.curves, self.raw_curves, strict=True)):
            if index < layers and has_data:
                self._live[raw].set_data(steps, norms[:, index], floor=self.floor)
                self._live[curve].set_data(centres, smoothed[:, index])
                curve.setVisible(True)
                raw.setVisible(self.show_raw.isChecked())
            else:
                self._live[curve].clear()
                self._live[raw].clear()
                curve.setVisible(index < layers)
        self._mark_zero_gradients(steps, norms, layers if has_data else 0)

    def _smallest_norm(self, run: int, steps: np.ndarray, norms: np.ndarray) -> float:
        """The smallest non-zero norm of the history, looking only at the rows that are new
        since the last frame of the same run (a long history has millions of values)."""
        count, layers = norms.shape
        seen = self._smallest_of
        if (
            seen is not None
            and seen[:2] == (run, layers)
            and seen[2] <= count
            and int(steps[0]) == seen[3]
            and int(steps[seen[2] - 1]) == seen[4]
        ):
            smallest = min(self._smallest, smallest_positive(norms[seen[2] :]))
        else:
            smallest = smallest_positive(norms)
        self._smallest = smallest
        self._smallest_of = (run, layers, count, int(steps[0]), int(steps[-1]))
        return smallest

    def _mark_zero_gradients(self, steps: np.ndarray, norms: np.ndarray, layers: int) -> None:
        """Label the layers whose latest gradient is exactly 0 at the floor, and name them."""
        wordings = zero_gradient_wordings(norms[:, :layers], self.floor) if layers else ()
        if wordings:
            if wordings[0] != self.zero_note.text():
                self.zero_note.set_wordings(*wordings)  # the longest that fits the room left
                self.zero_note.setToolTip(f"{wordings[0]}.\n{_ZERO_TIP}")
        if self.zero_note.isHidden() == bool(wordings):
            self.zero_note.setVisible(bool(wordings))
        zero = norms[-1, :layers] == 0.0 if layers else np.zeros(0, dtype=bool)
        stacked = 0
        for index, label in enumerate(self.zero_labels):
            shown = index < zero.size and bool(zero[index])
            if shown:
                # At the last step on the floor (the axis is log10), stacked upwards.
                label.setPos(float(steps[-1]), math.log10(self.floor))
                label.setAnchor((1.0, 1.0 + 1.1 * stacked))
                stacked += 1
            if label.isVisible() != shown:
                label.setVisible(shown)

    def csv_table(self) -> tuple[list[str], list[Sequence[Any]]]:
        if self._steps.shape[0] == 0:
            return [], []
        header = ["step", *(f"layer_{i + 1}_grad_norm" for i in range(self._norms.shape[1]))]
        rows = [
            [int(step), *values]
            for step, values in zip(self._steps.tolist(), self._norms.tolist(), strict=True)
        ]
        return header, rows


#: The thick lines average over about 1/60 of the run (in runs of steps, see _smoothed).
_SMOOTHING_WINDOW = 60
#: Runs of steps averaged before smoothing: a fixed cost whatever the run's length.
_SMOOTHING_RUNS = 300


def _smoothing_window(centres: int) -> int:
    """Rows the moving average of :func:`_smoothed` spans over ``centres`` averaged runs."""
    return max(1, centres // _SMOOTHING_WINDOW)


def smoothing_applies(count: int, runs: int = _SMOOTHING_RUNS) -> bool:
    """Whether :func:`_smoothed` averages a history of ``count`` steps, or returns the
    norms themselves (fewer than ``2 * _SMOOTHING_WINDOW`` steps): the thick lines are a
    moving average only then."""
    return count > runs or _smoothing_window(count) > 1


def _smoothed(
    steps: np.ndarray, norms: np.ndarray, runs: int, *, floor: float = _FLOOR
) -> tuple[np.ndarray, np.ndarray]:
    """Geometric moving average of per-step norms over about 1/60 of the run.

    Long histories are first averaged in ``runs`` equal runs of steps, each from at most
    four evenly spaced steps of the run (the moving average then spans many runs, so this
    adds no visible noise), so the cost does not grow with the run's length.

    Parameters
    ----------
    steps : ndarray, shape (S,)
        Step numbers, non-decreasing.
    norms : ndarray, shape (S, L)
        Norms per step and layer; floored at ``floor`` before taking logarithms.
    runs : int
        Fewest runs a long history is averaged in (fewer than ``2 * runs``).
    floor : float
        Where exact zeros count (see :func:`zero_floor`): below every non-zero norm, so
        a tiny one is averaged as it is.

    Returns
    -------
    centres : ndarray, shape (R,)
        Mean step of each run (the steps themselves when ``S <= runs``).
    averaged : ndarray, shape (R, L)
    """
    count = steps.shape[0]
    if count > runs:
        size = count // runs
        whole = count // size  # runs of ``size`` steps; fewer than ``size`` steps are left
        used = size * whole
        stride = max(1, size // 4)
        sampled = norms[:used].reshape(whole, size, -1)[:, ::stride]
        logs = np.log(np.maximum(sampled, floor)).mean(axis=1)
        centres = steps[:used].reshape(whole, size).mean(axis=1)
        if used < count:  # the newest few steps form a shorter last run
            tail = np.log(np.maximum(norms[used:], floor)).mean(axis=0, keepdims=True)
            logs = np.vstack([logs, tail])
            centres = np.append(centres, steps[used:].mean())
    else:
        logs = np.log(np.maximum(norms, floor))
        centres = np.asarray(steps, dtype=np.float64)
    window = _smoothing_window(centres.shape[0])
    return centres, np.exp(_moving_average(logs, window))


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average along the first axis (shrinking at both ends).

    Parameters
    ----------
    values : ndarray, shape (S, L)
    window : int
        Number of rows averaged.

    Returns
    -------
    ndarray, shape (S, L)
    """
    if window <= 1 or values.shape[0] < 3:
        return values
    padded = np.vstack([np.zeros((1, values.shape[1])), np.cumsum(values, axis=0)])
    count = values.shape[0]
    half = window // 2
    index = np.arange(count)
    low = np.clip(index - half, 0, count)
    high = np.clip(index + half + 1, 0, count)
    return (padded[high] - padded[low]) / (high - low)[:, None]
