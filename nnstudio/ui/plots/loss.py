"""The Loss tab: training and validation loss over epochs, and accuracy or RMSE/R².

The per-epoch curves are the data loss of the whole set in inference mode (no penalty,
dropout off). The thin mini-batch curve is what each step minimised: with an L1 or L2
penalty it includes the penalty (the notes' cost J), and with dropout it was taken with
units dropped; its legend entry says so (:func:`batch_curve_label`).

Up to :data:`MAX_KEPT_RUNS` earlier runs on the same data stay behind the current one, faded,
each in a colour of its own, named by what differed from the current run ("batch 1",
"lr 0.5", "Adam": :func:`run_label`). The x axis counts epochs, updates (steps) or examples
seen, so full-batch and stochastic gradient descent can be compared per unit of computation:
each run keeps the number of training rows and the batch size it was trained with.

What the lecture notes say about a run shows with the current run's curves: with an L1 or L2
penalty, the training objective J + penalty after each epoch (dashed, in the training colour)
beside the data loss; with a schedule (or a rate changed while training), the learning rate of
each epoch on a logarithmic axis of its own on the right (epochs at a rate of 0 along its
bottom edge, named by a note: :func:`zero_rate_text`); and with early stopping on, the
epoch whose weights early stopping keeps as the best so far (a dashed vertical line, and a
ring on its loss that the axes always leave room for), which says at the end of the run
whether those weights were restored (:func:`best_epoch_text`).

In a small dock or at a large font the tab keeps its choices on one line (those without room
go into a Show menu), shows the loss plot alone where two plots would be too small to read
(with the metric's latest values in one line in the corner of it where they hide the least),
and gives a low plot a one-line title (its values in fewer digits, then without their names,
where they would not fit on one line; the title's tooltip has them in full) and no x axis name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.spec import with_minus_sign
from nnstudio.ui.plots.common import (
    BATCH_COLOR,
    LOW_PLOT_LINES,
    TITLE_SIDE_ROOM,
    TRAIN_COLOR,
    VALIDATION_COLOR,
    FoldingTab,
    GrowingXRange,
    LiveCurve,
    ReadableLogAxis,
    SteadyYRange,
    compact_large_ticks,
    fold_button,
    key,
    make_plot,
    menu_toggle,
    nice_ceiling,
    pen,
    qt_dash,
    set_title,
    short_number,
    title_point_sizes,
)
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, pg

if TYPE_CHECKING:
    from nnstudio.data import Dataset
    from nnstudio.spec import Project
    from nnstudio.ui.frame import Frame

#: Display points per pixel of the per-epoch curves (see LiveCurve).
_EPOCH_POINTS = 0.5
_CLASSIFICATION_COLUMNS = ("train_accuracy", "val_accuracy")
_REGRESSION_COLUMNS = ("train_rmse", "val_rmse", "train_r2", "val_r2")


#: The least room a plot of the tab needs to be read, in lines of the font: its width with
#: the metric plot beside it, and its height with the metric plot under it.
_PLOT_LEAST_WIDTH = 12
_PLOT_LEAST_HEIGHT = 7
#: The rate axis is named only on a loss plot at least this many lines wide.
_NAMED_RATE_AXIS_LINES = 14
#: Significant digits a low loss plot's one-line title gives the losses, the most first:
#: where a title with more does not fit on one line even at the smallest title size, fewer.
_ONE_LINE_DIGITS = (4, 3, 2)
#: The same for the metric plot's RMSE and R² (an accuracy: a tenth of a percent, then none).
_ONE_LINE_METRIC_DIGITS = (3, 2)

#: Earlier runs kept for comparison besides the current one.
MAX_KEPT_RUNS = 4
#: Loss plots lighter than this relative span would show a flat loss's noise as a trend.
_LOSS_MIN_SPAN = 0.01

#: The x axis choices: key, combo text (kept across sessions), axis label and a shorter one.
X_AXES: tuple[tuple[str, str, str, str], ...] = (
    ("epochs", "epochs", "epoch", "epoch"),
    ("updates", "updates", "update (step)", "update"),
    ("examples", "examples", "examples seen", "examples"),
)


def _faded(color: tuple[int, int, int], amount: float = 0.55) -> tuple[int, int, int]:
    """``color`` mixed with white (``amount`` of the way): earlier runs stay in the background."""
    return tuple(int(c + amount * (255 - c)) for c in color)  # type: ignore[return-value]


#: Colours of the kept runs, none of them the current run's blue or orange; a run keeps its
#: colour while it stays, so "the green run" means the same run after the next one is kept.
RUN_COLORS: tuple[tuple[int, int, int], ...] = tuple(
    _faded(color, 0.1) for color in ((44, 160, 44), (148, 103, 189), (140, 86, 75), (214, 39, 40))
)
#: Names of :data:`RUN_COLORS` for tooltips.
_RUN_COLOR_NAMES = ("green", "purple", "brown", "red")
#: The learning-rate curve and its axis: a teal none of the runs uses.
RATE_COLOR = (0, 128, 128)
#: Where epochs trained at a rate of 0 are drawn: this fraction of the rate axis's height
#: above its bottom edge (a logarithmic axis has no 0).
_ZERO_RATE_HEIGHT = 0.015
#: Pixels between the drop to rate 0 and its note.
_ZERO_RATE_GAP = 3.0
#: Pixels between the metric note and the loss plot's edges, and around its text.
_NOTE_GAP = 3.0
_NOTE_MARGIN = 2.0
#: The loss plot's corners the metric note may take, the most often empty first (a falling
#: loss starts high on the left and ends low on the right).
_NOTE_CORNERS = ("bottom left", "top right", "top left", "bottom right")
#: Early stopping's best epoch: a dark grey that reads as a marker, not as data.
BEST_COLOR = (75, 85, 99)
#: The ring on the best epoch's loss: its diameter and its pen's width, in pixels.
_BEST_RING_SIZE = 10.0
_BEST_RING_PEN = 2.0
#: Pixels from the ring's centre to the outside of its pen (and a pixel of antialiasing):
#: the room the loss plot keeps on every side of it.
BEST_RING_RADIUS = _BEST_RING_SIZE / 2 + _BEST_RING_PEN / 2 + 1.0
#: Legend entry of the training objective: what it adds to the training loss.
OBJECTIVE_LABEL = "train objective (loss + penalty)"


def _fmt(value: float | None, digits: int = 4) -> str:
    return short_number(value, digits)


def batch_curve_label(project: Project | None, penalty: Sequence[tuple[float, bool]] = ()) -> str:
    """The mini-batch curve's legend entry: what its losses include besides the data loss.

    ``"batch"``; ``"batch J (with penalty)"`` with an L1 or L2 penalty, whose term each step's
    loss includes while the per-epoch curves leave it out; ``"batch (dropout on)"`` when
    units were dropped while it was measured; ``"batch J (with penalty, dropout on)"``.

    Parameters
    ----------
    project : Project or None
        The project the run was trained with (its dropout, and its penalty unless
        ``penalty`` says otherwise).
    penalty : sequence of (float, bool)
        When the run's steps had a penalty: ``(epoch position from which, on)`` for each
        change, the first at its start, as :attr:`RunRecord.penalty` records them. A penalty
        set or removed part of the way says from or until when (``"with penalty from epoch
        775"``); empty: ``project``'s penalty throughout.
    """
    if project is None:
        return "batch"
    training = project.training
    if not penalty:
        penalty = [(0.0, training.l1 > 0 or training.l2 > 0)]
    any_penalty = any(on for _position, on in penalty)
    dropout = any(layer.dropout > 0 for layer in project.network.layers)
    extras = []
    if len(penalty) == 2 and any_penalty:
        (_start, first_on), (change, _on) = penalty
        extras.append(f"with penalty {'until' if first_on else 'from'} epoch {int(change)}")
    elif len(penalty) > 2:
        extras.append("with penalty part of the time")
    elif any_penalty:
        extras.append("with penalty")
    if dropout:
        extras.append("dropout on")
    if not extras:
        return "batch"
    return ("batch J" if any_penalty else "batch") + f" ({', '.join(extras)})"


_OPTIMIZER_NAMES = {
    "sgd": "SGD",
    "momentum": "momentum",
    "nesterov": "Nesterov",
    "heavy_ball": "heavy ball",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "adamw": "AdamW",
}
_MOMENTUM_OPTIMIZERS = ("momentum", "nesterov", "heavy_ball")
#: Training settings a run follows while it runs, to name a kept run by their changes.
_FOLLOWED_SETTINGS = ("learning_rate", "l1", "l2")
_LOSS_NAMES = {
    "mse": "MSE",
    "mae": "MAE",
    "huber": "Huber",
    "binary_crossentropy": "BCE",
    "categorical_crossentropy": "CE",
}
_INIT_NAMES = {
    "zeros": "zero",
    "constant": "constant",
    "normal": "normal",
    "uniform": "uniform",
    "xavier_normal": "Xavier",
    "xavier_uniform": "Xavier",
    "he_normal": "He",
    "he_uniform": "He",
    "lecun_normal": "LeCun",
}


def _number(value: float) -> str:
    return with_minus_sign(f"{value:g}")


def _batch_phrase(size: int | str, rows: int | None) -> str:
    if size == "full" or (rows is not None and int(size) >= rows):
        return "full batch"
    return f"batch {size}"


def _effective_batch(size: int | str, rows: int | None) -> int | str:
    """The batch size a run of ``rows`` training rows uses ("full" when unknown)."""
    if rows is None:
        return size
    return rows if size == "full" else max(1, min(int(size), rows))


def _one_or(values: Sequence[Any], name: Callable[[Any], str], mixed: str) -> str:
    """``name`` of the value every layer shares, or ``mixed``."""
    return name(values[0]) if len(set(values)) == 1 else mixed


def _init_name(init: tuple[str, float | None], families: bool) -> str:
    kind, param = init
    if kind in ("constant", "normal", "uniform"):
        return f"{kind} {_number(param if param is not None else 0.0)} init"
    if families:
        return f"{_INIT_NAMES[kind]} init"
    return f"{_INIT_NAMES[kind]} {kind.rsplit('_', 1)[-1]} init"


def run_differences(
    kept: Project | None,
    current: Project | None,
    rows: int | None = None,
    batches: Sequence[int] = (),
    changed: Mapping[str, Sequence[float]] | None = None,
) -> list[str]:
    """What a kept run was trained with that the current run is not, in a few words each.

    Parameters
    ----------
    kept, current : Project or None
        The projects the two runs were trained with (``None``: unknown).
    rows : int or None
        Training rows, to tell a batch size at least as large as the set from "full".
    batches : sequence of int
        The effective batch sizes the kept run trained with, in order, when it changed them
        part of the way (``"batch 32 → 4"``); empty or one: ``kept``'s batch size.
    changed : mapping of str to sequence of float, optional
        The ``"learning_rate"``, ``"l1"`` and ``"l2"`` values the kept run trained with, in
        order, for those changed part of the way (``"lr 0.5 → 0.05"``, ``"L2 0 → 0.01"``).

    Returns
    -------
    list of str
        The kept run's settings that differ, most telling first: the network's shape, the
        optimizer and its hyperparameters, learning rate, batch size, initialisation,
        activations, penalties, dropout, loss, schedule, clipping, seed, precision and input
        standardisation, e.g. ``["batch 1", "lr 0.5"]``. Empty when nothing differs or
        either project is unknown.
    """
    if kept is None or current is None:
        return []
    old, new = kept.training, current.training
    old_layers, new_layers = kept.network.layers, current.network.layers
    phrases: list[str] = []
    if kept.network.sizes != current.network.sizes:
        phrases.append("-".join(str(size) for size in kept.network.sizes))
    if old.optimizer != new.optimizer:
        name = _OPTIMIZER_NAMES.get(old.optimizer, old.optimizer)
        extra = f" {_number(old.momentum)}" if old.optimizer in _MOMENTUM_OPTIMIZERS else ""
        phrases.append(name + extra)
    else:
        uses = {
            "momentum": old.optimizer in _MOMENTUM_OPTIMIZERS,
            "beta1": old.optimizer in ("adam", "adamw"),
            "beta2": old.optimizer in ("adam", "adamw"),
            "rho": old.optimizer == "rmsprop",
            "weight_decay": old.optimizer == "adamw",
            "epsilon": old.optimizer in ("rmsprop", "adam", "adamw"),
        }
        symbols = {
            "momentum": _OPTIMIZER_NAMES.get(old.optimizer, "momentum"),
            "beta1": "β₁",
            "beta2": "β₂",
            "rho": "ρ",
            "weight_decay": "decay",
            "epsilon": "ε",
        }
        for field, used in uses.items():
            if used and getattr(old, field) != getattr(new, field):
                phrases.append(f"{symbols[field]} {_number(getattr(old, field))}")
    changed = changed or {}
    rates = changed.get("learning_rate", ())
    if len(rates) > 1:
        # Changed on the way: what it started and ended with.
        phrases.append(f"lr {_number(rates[0])} → {_number(rates[-1])}")
    elif old.learning_rate != new.learning_rate:
        phrases.append(f"lr {_number(old.learning_rate)}")
    if len(batches) > 1:
        # Changed on the way: what it started and ended with, not a size it stopped using.
        first, last = _batch_phrase(batches[0], rows), _batch_phrase(batches[-1], rows)
        phrases.append(f"{first} → {last.removeprefix('batch ')}")
    elif _effective_batch(old.batch_size, rows) != _effective_batch(new.batch_size, rows):
        phrases.append(_batch_phrase(old.batch_size, rows))
    old_init = [(layer.init, layer.effective_init_param) for layer in old_layers]
    new_init = [(layer.init, layer.effective_init_param) for layer in new_layers]
    if old_init != new_init and len(old_init) == len(new_init):
        # "He init" unless only the variant differs (He normal against He uniform).
        families = [_INIT_NAMES[k] for k, _ in old_init] != [_INIT_NAMES[k] for k, _ in new_init]
        phrases.append(_one_or(old_init, lambda i: _init_name(i, families), "other init"))
    old_bias = [layer.bias_init for layer in old_layers]
    if old_bias != [layer.bias_init for layer in new_layers] and len(old_layers) == len(new_layers):
        phrases.append(_one_or(old_bias, lambda b: f"bias {_number(b)}", "other biases"))
    old_hidden = [layer.activation for layer in old_layers[:-1]]
    if old_hidden != [layer.activation for layer in new_layers[:-1]] and old_hidden:
        phrases.append(_one_or(old_hidden, str, "other activations"))
    if old_layers[-1].activation != new_layers[-1].activation:
        phrases.append(f"{old_layers[-1].activation} output")
    for name, value, other in (("L1", old.l1, new.l1), ("L2", old.l2, new.l2)):
        strengths = changed.get(name.lower(), ())
        if len(strengths) > 1:
            phrases.append(f"{name} {_number(strengths[0])} → {_number(strengths[-1])}")
        elif value != other:
            phrases.append(f"{name} {_number(value)}" if value > 0 else f"no {name}")
    old_dropout = [layer.dropout for layer in old_layers[:-1]]
    if old_dropout != [layer.dropout for layer in new_layers[:-1]] and old_dropout:
        phrases.append(
            _one_or(
                old_dropout,
                lambda d: f"dropout {_number(d)}" if d else "no dropout",
                "other dropout",
            )
        )
    if kept.loss != current.loss:
        phrases.append(_LOSS_NAMES.get(kept.loss, kept.loss))
    if old.schedule != new.schedule:
        name = old.schedule.name
        if name == new.schedule.name:
            phrases.append("other schedule")
        else:
            phrases.append("constant lr" if name == "constant" else f"{name} schedule")
    if old.clip_norm != new.clip_norm:
        phrases.append("no clipping" if old.clip_norm is None else f"clip {_number(old.clip_norm)}")
    if old.seed != new.seed:
        phrases.append(f"seed {old.seed}")
    if old.dtype != new.dtype:
        phrases.append(old.dtype)
    if old.shuffle != new.shuffle:
        phrases.append("shuffled" if old.shuffle else "no shuffling")
    if (kept.standardization is None) != (current.standardization is None):
        phrases.append("raw inputs" if kept.standardization is None else "standardised")
    return phrases


def run_label(differences: Sequence[str], number: int) -> str:
    """A kept run's legend entry: its first two differences (``"batch 1, lr 0.5 +2"``), or
    ``"run 2"`` when nothing differs or the settings are unknown."""
    if not differences:
        return f"run {number}"
    more = len(differences) - 2
    return ", ".join(differences[:2]) + (f" +{more}" if more > 0 else "")


def run_labels(differences: Sequence[Sequence[str]], numbers: Sequence[int]) -> list[str]:
    """Legend entries of several kept runs (see :func:`run_label`), never two alike.

    Runs whose labels would read the same (``"Adam, lr 0.05 +1"`` twice, the difference
    between them hidden in ``+1``) put first what tells them apart ("full batch" against
    "batch 1"); runs still alike are called ``"run N"``.
    """
    labels = [run_label(d, n) for d, n in zip(differences, numbers, strict=True)]
    for _pass in range(2):
        groups: dict[str, list[int]] = {}
        for index, label in enumerate(labels):
            groups.setdefault(label, []).append(index)
        for group in groups.values():
            if len(group) < 2:
                continue
            shared = set.intersection(*(set(differences[i]) for i in group))
            for i in group:
                own = [p for p in differences[i] if p not in shared]
                labels[i] = run_label(own + [p for p in differences[i] if p in shared], numbers[i])
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return [
        f"run {n}" if counts[label] > 1 else label for label, n in zip(labels, numbers, strict=True)
    ]


@dataclass
class RunRecord:
    """A run of the Loss tab: what it was trained with, and its per-epoch history.

    Attributes
    ----------
    number : int
        Its place among the kept runs on this data set (1, 2, …), for "run 2"; 0 while
        it is the current run.
    project : Project or None
        The project when its first frame came (``None``: unknown). The run is named by how
        it started; the batch size, learning rate and penalties, set while it runs, are
        followed (:attr:`batch_sizes`, :attr:`penalty`, :attr:`changed`).
    rows : int or None
        Training rows (``None``: unknown).
    history : History or None
        Its per-epoch history (kept runs only).
    steps_seen : float or None
        Steps per epoch as the run's latest snapshot implies them (its steps over its
        epochs): what the x axis uses when rows or batch size are unknown.
    slot : int
        Which set of curves (and colour) a kept run is drawn with.
    batch_sizes : list of int
        The effective batch sizes its steps used, in order (empty: none seen yet).
    penalty : list of (float, bool)
        Whether its steps had an L1/L2 penalty: ``(epoch position from which, on)`` per change.
    changed : dict of str to list of float
        The learning rate (``"learning_rate"``) and L1 and L2 strengths (``"l1"``, ``"l2"``)
        its steps used, in order, one entry per change.
    segments : list of (float, int, float)
        ``(epoch position, step, steps per epoch)`` where its pace began: one at the start,
        and one more wherever the batch size changed. Updates are counted from these, so the
        updates axis agrees with the run's step count after such a change.
    """

    number: int
    project: Project | None
    rows: int | None
    history: Any = None
    steps_seen: float | None = None
    slot: int = -1
    batch_sizes: list[int] = field(default_factory=list)
    penalty: list[tuple[float, bool]] = field(default_factory=list)
    changed: dict[str, list[float]] = field(default_factory=dict)
    segments: list[tuple[float, int, float]] = field(default_factory=list)
    #: The latest (epoch position, step) seen.
    _seen: tuple[float, int] = (0.0, 0)

    @property
    def batch_size(self) -> int | None:
        """The effective batch size, the latest one used (``None``: unknown)."""
        if self.batch_sizes:
            return self.batch_sizes[-1]
        if self.project is None or self.rows is None:
            return None
        return int(_effective_batch(self.project.training.batch_size, self.rows))

    @property
    def steps_per_epoch(self) -> float | None:
        """Updates per epoch at the latest batch size: training rows over it, rounded up."""
        batch = self.batch_size
        if batch is not None and self.rows is not None:
            return float(-(-self.rows // batch))
        return self.steps_seen

    def note(self, snapshot: Any, project: Project | None) -> None:
        """Follow a snapshot of the run trained with ``project`` (the settings now).

        Steps taken since the last snapshot ran with ``project``'s batch size and penalty:
        a change begins where the last snapshot was (a change while paused takes effect at
        the next step).
        """
        position = float(snapshot.epoch) + float(getattr(snapshot, "epoch_progress", 0.0))
        step = int(snapshot.step)
        if not self.segments and self._seen == (0.0, 0):
            # A run that continues earlier training counts on from the epoch and step its
            # weights had reached: its steps so far are not its own.
            start = (
                float(getattr(snapshot, "start_epoch", 0) or 0),
                int(getattr(snapshot, "start_step", 0) or 0),
            )
            self._seen = start
        seen_position, seen_step = self._seen
        if step <= seen_step or position <= seen_position:
            return  # no new steps (a frame while paused, or the untrained start)
        self._seen = (position, step)
        if project is None or self.rows is None:
            return
        size = int(_effective_batch(project.training.batch_size, self.rows))
        if not self.batch_sizes or self.batch_sizes[-1] != size:
            self.batch_sizes.append(size)
            self.segments.append((seen_position, seen_step, float(-(-self.rows // size))))
        on = project.training.l1 > 0 or project.training.l2 > 0
        if not self.penalty or self.penalty[-1][1] != on:
            self.penalty.append((seen_position, on))
        for name in _FOLLOWED_SETTINGS:
            values = self.changed.setdefault(name, [])
            value = float(getattr(project.training, name))
            if not values or values[-1] != value:
                values.append(value)

    def x_of(self, epochs: np.ndarray, axis: str) -> np.ndarray:
        """Where epoch positions ``epochs`` lie on the x axis ``axis`` (see :data:`X_AXES`)."""
        epochs = np.asarray(epochs, dtype=np.float64)
        if axis == "updates" and self.segments:
            starts = np.array([s[0] for s in self.segments])
            which = np.searchsorted(starts, epochs, side="right") - 1
            which = np.clip(which, 0, len(self.segments) - 1)
            table = np.array(self.segments)
            return table[which, 1] + (epochs - table[which, 0]) * table[which, 2]
        scale = self.x_scale(axis)
        return epochs * scale if scale != 1.0 else epochs

    def epochs_of_steps(self, steps: np.ndarray) -> np.ndarray:
        """The epoch positions of step counts ``steps`` (the inverse of :meth:`x_of`)."""
        table = np.array(self.segments)
        which = np.searchsorted(table[:, 1], steps, side="right") - 1
        which = np.clip(which, 0, len(self.segments) - 1)
        return table[which, 0] + (steps - table[which, 1]) / table[which, 2]

    def x_scale(self, axis: str) -> float:
        """What one epoch counts on the x axis ``axis`` at the run's first pace."""
        if axis == "updates":
            if self.segments:
                return self.segments[0][2]
            return self.steps_per_epoch or 1.0
        if axis == "examples":
            return float(self.rows) if self.rows else 1.0
        return 1.0


#: What each curve of the loss plot is (its tooltip).
LOSS_PLOT_TIP = (
    "train, val (thick): the data loss of the training and validation sets after each "
    "epoch, in inference mode: no L1/L2 penalty, dropout off.\n"
    f"{OBJECTIVE_LABEL} (dashed, with an L1 or L2 penalty): the training loss plus the "
    "penalty on the weights after each epoch, the cost J the steps minimise; the gap to the "
    "training curve is the penalty.\n"
    "batch (thin, grey): the loss of each mini-batch as the step minimised it, before its "
    "update: the cost J including the L1/L2 penalty, taken with dropout on. With a penalty "
    "or dropout it therefore lies above the training curve.\n"
    "lr (teal, right axis, logarithmic; with a schedule or a rate changed while training): "
    "the learning rate each epoch trained with. A logarithmic axis has no 0: epochs trained "
    "at a rate of 0 run along its bottom edge, with a note saying which.\n"
    "best epoch (dashed vertical line, with early stopping on): the epoch whose weights early "
    "stopping keeps as the best so far: the last one whose validation loss (the training "
    "loss without validation data) fell more than the minimum improvement below the best "
    "before it. When early stopping ends the run, these weights are restored; a run that "
    "ends otherwise (its epochs done, Stop) keeps its last weights.\n"
    "previous (thin, one light colour per run; solid: train, dashed: val): up to "
    f"{MAX_KEPT_RUNS} earlier runs on these data, named by what they did differently."
)


#: The best-epoch line's tooltip after its label.
BEST_EPOCH_TIP = (
    "Early stopping keeps the weights of the last epoch whose validation loss (the training "
    "loss without validation data) fell more than the minimum improvement below the best "
    "before it. When patience runs out, it ends the run and restores those weights; a run "
    "that ends otherwise (its epochs done, Stop, divergence) keeps its last weights."
)


def rate_steps(epochs: np.ndarray, rates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The learning rate of each epoch as a staircase over the epochs it trained.

    History row ``e`` holds the rate epoch ``e`` trained with, from position ``e - 1`` to
    ``e`` (row 0, the untrained network, the rate it starts with): a step schedule then
    drops where its epoch begins, not on a slope across the epoch before.

    Parameters
    ----------
    epochs : ndarray, shape (n,)
        The history's epochs, increasing.
    rates : ndarray, shape (n,)
        The learning rate of each row.

    Returns
    -------
    x, y : ndarray, shape (2n - 2,)
        Epoch positions and rates (the single row as it is when ``n < 2``).
    """
    epochs = np.asarray(epochs, dtype=np.float64)
    rates = np.asarray(rates, dtype=np.float64)
    if epochs.shape[0] < 2:
        return epochs, rates
    return np.repeat(epochs, 2)[1:-1], np.repeat(rates[1:], 2)


def zero_rate_text(epochs: np.ndarray, rates: np.ndarray) -> str:
    """Which epochs trained at a learning rate of 0: ``"lr 0 from epoch 5"``.

    A logarithmic axis has no 0, so those epochs are drawn on the rate axis's bottom edge
    and named by this note instead of vanishing from the curve. A stretch that lasts to
    the last epoch reads ``"from epoch 5"``, an earlier one ``"in epochs 5–7"`` (or ``"in
    epoch 5"``); several are listed, the first three and ``"…"`` for more.

    Parameters
    ----------
    epochs : ndarray, shape (n,)
        The history's epochs, increasing (row 0, the untrained network, trains no epoch).
    rates : ndarray, shape (n,)
        The learning rate each row's epoch trained with.

    Returns
    -------
    str
        Empty when no epoch trained at 0.
    """
    epochs = np.asarray(epochs, dtype=np.float64)[1:]
    zero = np.asarray(rates, dtype=np.float64)[1:] == 0.0
    if not zero.any():
        return ""
    # Where each stretch of zeros starts and ends (as indices into the trained rows).
    edges = np.diff(np.concatenate([[0], zero.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    parts = []
    for start, end in zip(starts[:3], ends[:3], strict=True):
        first, last = int(epochs[start]), int(epochs[end])
        if end == zero.shape[0] - 1:
            parts.append(f"from epoch {first:,}")
        elif first == last:
            parts.append(f"in epoch {first:,}")
        else:
            parts.append(f"in epochs {first:,}–{last:,}")
    more = ", …" if starts.shape[0] > 3 else ""
    return "lr 0 " + ", ".join(parts) + more


def best_epoch_text(snapshot: Any, *, compact: bool = False) -> str:
    """The best-epoch marker's label for ``snapshot``: which epoch early stopping keeps as
    the best, and, once the run has ended, whether the network has that epoch's weights.

    ``"best epoch 93 (val 0.187)"`` while the run goes on. At its end the trainer restores
    the best epoch's weights only when early stopping ended the run (``"…: its weights
    restored"``, with the epoch it stopped at); a run that finishes, is stopped or diverges
    keeps its last weights (``"…: not restored"``, with whose weights the network has).
    Empty when the snapshot has no best epoch (early stopping off).

    Parameters
    ----------
    snapshot : Snapshot or None
        The trainer's snapshot (its ``best_epoch``, ``best_loss``, ``status``, ``epoch``).
    compact : bool
        The short wording for a narrow plot: ``"best epoch 93"`` and, at the end,
        ``"weights restored"`` or ``"not restored"`` (``"last epoch"`` when it is the best).

    Returns
    -------
    str
        One or two lines of plain text.
    """
    best = getattr(snapshot, "best_epoch", None)
    if best is None:
        return ""
    best = int(best)
    monitored = "val" if getattr(snapshot, "val_loss", None) is not None else "train"
    text = f"best epoch {best:,}"
    loss = getattr(snapshot, "best_loss", None)
    if loss is not None and not compact:
        text += f" ({monitored} {short_number(loss, 4)})"
    status = getattr(snapshot, "status", "")
    epoch = int(getattr(snapshot, "epoch", 0) or 0)
    # Stopped part of the way into the next epoch, the weights are already past the best.
    between = float(getattr(snapshot, "epoch_progress", 0.0) or 0.0) > 0.0
    if compact:
        if status == "early_stopped":
            return f"{text}\nweights restored"
        if status in ("finished", "stopped") and epoch == best and not between:
            return f"{text}\nlast epoch"
        if status in ("finished", "stopped", "diverged"):
            return f"{text}\nnot restored"
        return text
    if status == "early_stopped":
        return f"{text}: its weights restored\nearly stopping ended the run at epoch {epoch:,}"
    if status in ("finished", "stopped") and epoch == best and not between:
        return f"{text}: the last epoch, its weights kept"
    if status == "finished":
        return f"{text}: not restored\nthe run finished with epoch {epoch:,}'s weights"
    if status == "stopped":
        return f"{text}: not restored\nstopped: the network keeps its last weights"
    if status == "diverged":
        return f"{text}: not restored\ndiverged: the network keeps its last finite weights"
    return text


def _coloured(color: tuple[int, int, int], text: str) -> str:
    """HTML for ``text`` in ``color`` (kept on one line)."""
    hex_color = "#{:02x}{:02x}{:02x}".format(*color)
    return f'<span style="color:{hex_color}">{text.replace(" ", "&nbsp;")}</span>'


def _percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{100.0 * value:.{digits}f} %"


def ring_room(low: float, high: float, centre: float, fraction: float) -> tuple[float, float]:
    """The axis range ``[low, high]`` widened as little as it takes for a marker at
    ``centre`` to keep ``fraction`` of the widened range from both ends.

    Parameters
    ----------
    low, high : float
        The range shown (``low < high``).
    centre : float
        Where the marker is.
    fraction : float
        The marker's half size as a fraction of the axis's length in pixels (below 0.5).

    Returns
    -------
    low, high : float
        The range itself when the marker fits in it already; else the one end moved out.
    """
    span = high - low
    if centre + fraction * span > high:
        return low, (centre - fraction * low) / (1.0 - fraction)
    if centre - fraction * span < low:
        return (centre - fraction * high) / (1.0 - fraction), high
    return low, high


class LineLabel(pg.InfLineLabel):
    """The label of a vertical line: at the top of the plot, beside the line.

    On the line's right where the text has room there (the top right of a falling loss is
    usually empty), else on its left; where neither side has room it stays inside the plot,
    over the line. Where the plot is too narrow or too short for the text a shorter wording
    takes its place (:meth:`set_wordings`), and where even that does not fit the line
    stands alone (its tooltip still says it all).
    """

    #: Pixels between the line and the text.
    GAP = 5.0
    #: The most of the plot's height the text may cover.
    MOST_OF_HEIGHT = 0.4

    def __init__(self, line: pg.InfiniteLine, **kwargs: Any) -> None:
        self._wordings = ("", "")
        super().__init__(line, position=0.98, anchors=[(0.0, 0.0), (1.0, 0.0)], **kwargs)

    def set_wordings(self, text: str, compact: str) -> None:
        """Show ``text``, or ``compact`` where the plot has no room for ``text``."""
        self._wordings = (text, compact)
        self.setFormat(text)

    def shown_text(self) -> str:
        """The wording shown now (empty while the plot has room for none)."""
        return self.textItem.toPlainText() if self.opacity() > 0 else ""

    def _size_of(self, text: str) -> tuple[float, float]:
        metrics = QtGui.QFontMetricsF(self.textItem.font())
        margin = self.textItem.document().documentMargin()
        lines = text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines)
        return width + 2 * margin, len(lines) * metrics.lineSpacing() + 2 * margin

    def updatePosition(self) -> None:
        super().updatePosition()
        view = self.getViewBox()
        if view is None or not self.isVisible():
            return
        area = view.sceneBoundingRect()
        if area.width() <= 1:
            return  # not laid out yet
        fitting = [
            wording
            for wording in self._wordings
            if wording
            and self._size_of(wording)[0] <= area.width() - 2 * self.GAP
            and self._size_of(wording)[1] <= self.MOST_OF_HEIGHT * area.height()
        ]
        # Cut off at the plot's edge, or covering a short plot, it would read as a glitch.
        self.setOpacity(1.0 if fitting else 0.0)
        line_x = view.mapViewToScene(QtCore.QPointF(self.line.value(), 0.0)).x()
        room = max(area.right() - line_x, line_x - area.left()) - self.GAP
        # The longest wording that fits beside the line, else the shortest (over the line).
        beside = [wording for wording in fitting if self._size_of(wording)[0] <= room]
        text = (beside or fitting or [self._wordings[-1]])[0 if beside else -1]
        if text and self.textItem.toPlainText() != text:
            self.setText(text)
        width = max(self.textItem.boundingRect().width(), 1.0)
        if line_x + self.GAP + width <= area.right():
            left = line_x + self.GAP
        elif line_x - self.GAP - width >= area.left():
            left = line_x - self.GAP - width
        else:  # no room beside the line: inside the plot, over it
            left = min(max(line_x - width / 2, area.left()), area.right() - width)
        self.setAnchor(((line_x - left) / width, 0.0))


@dataclass
class _RunCurves:
    """The curves one kept run is drawn with (created once, reused by the next run kept)."""

    color: tuple[int, int, int]
    train: pg.PlotDataItem
    val: pg.PlotDataItem
    metric_train: pg.PlotDataItem
    metric_val: pg.PlotDataItem

    @property
    def items(self) -> tuple[pg.PlotDataItem, ...]:
        return (self.train, self.val, self.metric_train, self.metric_val)


def _offered_toggle(text: str, tip: str, toggled: Callable[[bool], None]) -> QtWidgets.QCheckBox:
    """A check box, on, hidden until the run has something for it to show."""
    box = QtWidgets.QCheckBox(text)
    box.setToolTip(tip)
    box.setChecked(True)
    box.setVisible(False)
    box.toggled.connect(toggled)
    return box


class LossTab(FoldingTab):
    """Loss curves (with the mini-batch losses between epochs) and the task's metric."""

    name = "Loss"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        # Short labels: the row of controls must fit the plots dock of a 1024-pixel window
        # (about 450 pixels wide); the tooltips say the rest.
        self.log_scale = QtWidgets.QCheckBox("Log y")
        self.log_scale.setToolTip("Show the loss on a logarithmic y axis")
        self.log_scale.toggled.connect(self._set_log)
        self.show_batches = QtWidgets.QCheckBox("Batches")
        self.show_batches.setToolTip(
            "Also show the loss of every mini-batch (between epochs): the cost J each step "
            "minimised, with the L1/L2 penalty and with dropout on"
        )
        self.show_batches.setChecked(True)
        self.show_batches.toggled.connect(self._toggle_batches)
        self.show_previous = QtWidgets.QCheckBox("Runs")
        self.show_previous.setToolTip(
            f"Earlier runs: also show the curves of up to {MAX_KEPT_RUNS} earlier runs on these "
            "data (a new run begins with Play after Stop or the end, Reset, or an edit of the "
            "network), "
            "faded, each named by what it did differently from the current run"
        )
        # Shown only where they have something to show (a penalty, a rate that changes).
        self.show_objective = _offered_toggle(
            "Objective",
            "Also show the training objective J + penalty after each epoch (dashed): the "
            "training loss plus the L1/L2 penalty on the weights, what the steps minimise. "
            "The gap between it and the training loss is the penalty",
            self._toggle_objective,
        )
        self.show_rate = _offered_toggle(
            "LR",
            "Also show the learning rate each epoch trained with (teal), on a logarithmic "
            "axis of its own on the right: how the schedule, or a rate changed while "
            "training, moved it over the run",
            self._toggle_rate,
        )
        self.show_previous.setChecked(True)
        self.show_previous.setEnabled(False)
        self.show_previous.toggled.connect(self._toggle_previous)
        self.forget_button = QtWidgets.QToolButton()
        self.forget_button.setText("✕")
        self.forget_button.setAutoRaise(True)
        self.forget_button.setFixedWidth(self.forget_button.fontMetrics().height() + 4)
        self.forget_button.setToolTip("Forget the earlier runs: keep only the current one")
        self.forget_button.setEnabled(False)
        self.forget_button.clicked.connect(self.forget_runs)
        self.x_axis = QtWidgets.QComboBox()
        for _key, text, _label, _short in X_AXES:
            self.x_axis.addItem(text)
        self.x_axis.setToolTip(
            "What the x axis of both plots counts: epochs (passes over the training set), "
            "updates (steps: one per mini-batch, training rows ÷ batch size per epoch) or "
            "examples seen "
            "(epochs × training rows). Per update or per example, full-batch, mini-batch and "
            "stochastic gradient descent compare per unit of computation."
        )
        self.x_axis.currentIndexChanged.connect(self._set_x_axis)
        runs = QtWidgets.QWidget()  # the runs' check box and their ✕, side by side
        runs_row = QtWidgets.QHBoxLayout(runs)
        runs_row.setContentsMargins(0, 0, 0, 0)
        runs_row.setSpacing(0)
        runs_row.addWidget(self.show_previous)
        runs_row.addWidget(self.forget_button)
        self._runs_box = runs
        # Where the row has no room for every choice on one line, the less used ones (at a
        # large font all of them) move into this button's menu: a row wrapped onto three
        # lines left the plots a sliver of a small dock, and cut its last line.
        self.more_button = fold_button(
            "What the loss plot shows: the choices this row has no room for",
            self._build_more_menu(),
        )
        #: Whether the objective and learning-rate choices have something to show.
        self._offered = {self.show_objective: False, self.show_rate: False}
        #: The choices in the menu now, and what moves there, level by level, where the row
        #: is too narrow for the level before: the less used ones first, then the check
        #: boxes, then the x axis too (at 18 pt a 320-pixel tab had no room for "Show" and
        #: the x axis beside the Save button: the row took two lines and pushed the plot's
        #: bottom out of the tab).
        self._folded: tuple[QtWidgets.QWidget, ...] = ()
        rare = (self.show_objective, self.show_rate, self._runs_box)
        boxes = (self.log_scale, self.show_batches, *rare)
        self._fold_levels: tuple[tuple[QtWidgets.QWidget, ...], ...] = (
            (),
            rare,
            boxes,
            (*boxes, self.x_axis),
        )
        self.add_wrapping_controls(
            self.log_scale,
            self.show_batches,
            self.show_objective,
            self.show_rate,
            runs,
            self.more_button,
            self.x_axis,
        )
        self._controls_row = self.log_scale.parentWidget()

        self.loss_plot = make_plot("Loss", "epoch", "loss", counts_x=True)
        self.loss_plot.setToolTip(LOSS_PLOT_TIP)
        self.batch_curve = self.loss_plot.plot(
            pen=pen(BATCH_COLOR, 1.0), name="mini-batch", connect="finite"
        )
        self.train_curve = self.loss_plot.plot(
            pen=pen(TRAIN_COLOR, 2.2), name="training", connect="finite"
        )
        self.val_curve = self.loss_plot.plot(
            pen=pen(VALIDATION_COLOR, 2.2), name="validation", connect="finite"
        )
        # Behind the earlier runs too: with batch size 1 its band of single examples' losses
        # would hide their faded lines.
        self.batch_curve.setZValue(-10)
        self.objective_curve = self.loss_plot.plot(
            pen=pen(TRAIN_COLOR, 1.5, qt_dash()), name=OBJECTIVE_LABEL, connect="finite"
        )
        self.objective_curve.setVisible(False)
        # Early stopping's best epoch: a dashed line with its label, and a ring on the curve
        # it watches.
        self.best_line = pg.InfiniteLine(
            angle=90, movable=False, pen=pen(BEST_COLOR, 1.2, qt_dash())
        )
        self.best_label = LineLabel(
            self.best_line, color=BEST_COLOR, fill=pg.mkBrush(255, 255, 255, 215)
        )
        self.loss_plot.addItem(self.best_line, ignoreBounds=True)
        self.best_point = self.loss_plot.plot(
            [], [], pen=None, symbol="o", symbolSize=_BEST_RING_SIZE, symbolBrush=None
        )
        self.best_line.setVisible(False)
        self.best_point.setVisible(False)
        self.best_line.setZValue(5)
        self.best_point.setZValue(6)
        self._best_shown: tuple = ()
        #: Where the ring is, in data units (None: no ring), which the view keeps room for.
        self._best_at: tuple[float, float] | None = None

        self.metric_plot = make_plot("Accuracy", "epoch", "accuracy", counts_x=True)
        # Examples seen run into millions: "1.5M", not a label too wide for its tick.
        for plot in (self.loss_plot, self.metric_plot):
            compact_large_ticks(plot.getAxis("bottom"))
        # Earlier runs behind the current one: thin lines in a light colour per run, solid
        # for training and dashed for validation. One pixel wide: Qt draws thin lines on a
        # fast path, while sixteen antialiased 1.6-pixel curves tripled the cost of
        # repainting the tab.
        self._run_curves: list[_RunCurves] = []
        for color in RUN_COLORS:
            self._run_curves.append(
                _RunCurves(
                    color,
                    self.loss_plot.plot(pen=pen(color, 1.0), connect="finite"),
                    self.loss_plot.plot(pen=pen(color, 1.0, qt_dash()), connect="finite"),
                    self.metric_plot.plot(pen=pen(color, 1.0), connect="finite"),
                    self.metric_plot.plot(pen=pen(color, 1.0, qt_dash()), connect="finite"),
                )
            )
        self.metric_a_train = self.metric_plot.plot(pen=pen(TRAIN_COLOR, 2.2), connect="finite")
        self.metric_a_val = self.metric_plot.plot(pen=pen(VALIDATION_COLOR, 2.2), connect="finite")
        # R² lives on its own right-hand axis (it is unitless while RMSE has the target's unit).
        self.r2_view = pg.ViewBox(enableMenu=False)
        self.metric_plot.showAxis("right")
        self.metric_plot.getAxis("right").setLabel("R²")
        self.metric_plot.getAxis("right").linkToView(self.r2_view)
        self.r2_view.setXLink(self.metric_plot)
        self.metric_b_train = pg.PlotDataItem(
            pen=pen(TRAIN_COLOR, 1.6, qt_dash()), connect="finite"
        )
        self.metric_b_val = pg.PlotDataItem(
            pen=pen(VALIDATION_COLOR, 1.6, qt_dash()), connect="finite"
        )
        self.r2_view.addItem(self.metric_b_train)
        self.r2_view.addItem(self.metric_b_val)
        self.metric_plot.vb.sigResized.connect(self._sync_r2_view)
        # The learning rate lives on its own logarithmic right-hand axis of the loss plot
        # (schedules multiply it, and it has no unit in common with the loss). Its view lies
        # behind the loss plot's, so zooming and panning stay the loss plot's.
        rate_axis = ReadableLogAxis("right")
        rate_axis.enableAutoSIPrefix(False)
        self.loss_plot.setAxisItems({"right": rate_axis})
        self.loss_plot.hideAxis("right")
        self.rate_view = pg.ViewBox(enableMenu=False)
        self.rate_view.setMouseEnabled(False, False)
        self.rate_view.setZValue(-100)
        rate_axis.linkToView(self.rate_view)
        rate_axis.setLogMode(False, True)  # after linking: it tells the view it links to
        rate_axis.setTextPen(pg.mkPen(RATE_COLOR))
        rate_axis.set_label_wordings("learning rate", "lr")
        self.rate_view.setXLink(self.loss_plot)
        self.rate_curve = pg.PlotDataItem(pen=pen(RATE_COLOR, 1.6), connect="finite")
        self.rate_curve.setLogMode(False, True)
        self.rate_view.addItem(self.rate_curve)
        self.rate_view.setVisible(False)
        self.loss_plot.vb.sigResized.connect(self._sync_rate_view)
        # Epochs trained at a rate of 0 lie on the bottom edge (a log axis has no 0); this
        # note names them. A child of the loss plot's view, placed in its pixels: in front of
        # the curves and the grid, and never counted in a range.
        self.zero_rate_note = pg.TextItem(
            color=RATE_COLOR, anchor=(0.0, 1.0), fill=pg.mkBrush(255, 255, 255, 215)
        )
        self.zero_rate_note.setParentItem(self.loss_plot.vb)
        self.zero_rate_note.setZValue(1000)
        self.zero_rate_note.hide()
        #: Where the first stretch of epochs at rate 0 begins and ends on the x axis (None:
        #: there is none; an end of None: it lasts to the run's last epoch).
        self._zero_rate_span: tuple[float, float | None] | None = None
        self._zero_rate_wordings = ("", "")
        self.loss_plot.vb.sigResized.connect(self._place_zero_rate_note)
        self.loss_plot.vb.sigXRangeChanged.connect(self._place_zero_rate_note)
        # Where the tab has no room for the metric plot, the metric's latest values show on
        # one line in the corner of the loss plot where they hide the least. In the view's
        # own pixels the note takes no height from the plot: the same values in the loss
        # plot's title wrapped it onto a second line at a large font.
        self.metric_note = pg.TextItem(
            color="k", anchor=(0.0, 0.0), fill=pg.mkBrush(255, 255, 255, 215)
        )
        self.metric_note.textItem.document().setDocumentMargin(_NOTE_MARGIN)
        self.metric_note.setParentItem(self.loss_plot.vb)
        self.metric_note.setZValue(1000)
        self.metric_note.hide()
        #: The note's wordings as HTML, longest first, and the plain text to shorten with
        #: "…" where none fits (empty: no note).
        self._metric_note_wordings: tuple[tuple[str, ...], str] = ((), "")
        self._metric_note_html = ""
        self._metric_note_corner = _NOTE_CORNERS[0]
        #: The note's size in each wording (see _note_sizes).
        self._metric_note_sizes: dict[tuple, list[tuple[float, float]]] = {}
        self.loss_plot.vb.sigResized.connect(self._place_metric_note)
        self.loss_plot.vb.sigRangeChanged.connect(self._place_metric_note)
        self._x_ranges = (GrowingXRange(self.loss_plot), GrowingXRange(self.metric_plot))
        #: The x extent of the data each plot follows now (None: none yet), to fit again
        #: with the ring's room when the loss plot's size changes.
        self._x_followed: list[tuple[float, float] | None] = [None, None]
        self.loss_plot.vb.sigResized.connect(self._keep_room_for_ring)
        # Histories are thinned to the plot's width (mini-batch losses can reach 200,000).
        # The thick per-epoch lines get a point every other pixel: each antialiased thick
        # segment costs microseconds, and a line 2 pixels wide shows no finer detail.
        self._live = {
            self.batch_curve: LiveCurve(self.loss_plot, self.batch_curve, 2.0),
            self.train_curve: LiveCurve(self.loss_plot, self.train_curve, _EPOCH_POINTS),
            self.val_curve: LiveCurve(self.loss_plot, self.val_curve, _EPOCH_POINTS),
            self.metric_a_train: LiveCurve(self.metric_plot, self.metric_a_train, _EPOCH_POINTS),
            self.metric_a_val: LiveCurve(self.metric_plot, self.metric_a_val, _EPOCH_POINTS),
            self.metric_b_train: LiveCurve(self.metric_plot, self.metric_b_train, _EPOCH_POINTS),
            self.metric_b_val: LiveCurve(self.metric_plot, self.metric_b_val, _EPOCH_POINTS),
            self.objective_curve: LiveCurve(self.loss_plot, self.objective_curve, _EPOCH_POINTS),
            self.rate_curve: LiveCurve(self.loss_plot, self.rate_curve, _EPOCH_POINTS),
        }
        # Dashes restart with every segment: drawn as segments, a dashed curve looks solid.
        for item in (self.objective_curve, self.rate_curve):
            item.curve.setSegmentedLineMode("off")
        for curves in self._run_curves:
            for item in curves.items:
                plot = self.loss_plot if item in (curves.train, curves.val) else self.metric_plot
                self._live[item] = LiveCurve(plot, item, _EPOCH_POINTS)
                item.setZValue(-1)
        #: Earlier runs on these data, newest first (at most MAX_KEPT_RUNS).
        self.kept_runs: list[RunRecord] = []
        #: The run shown strong (None: no run yet, or cleared).
        self.current_run: RunRecord | None = None
        self._run_count = 0
        self._shown_run: int | None = None
        self._x_key = X_AXES[0][0]
        self._batches = np.zeros((0, 2))
        #: The step each mini-batch loss was measured before (None: not known per loss).
        self._batch_steps: np.ndarray | None = None
        self._runs_html = ""

        # The y axes move in round steps, not with every new extreme (see SteadyYRange); a
        # nearly flat loss (0.69315 to 0.69332) keeps an axis of at least 1 % of its value.
        self._loss_y = SteadyYRange(self.loss_plot.vb, min_relative_span=_LOSS_MIN_SPAN)
        self._rmse_y = SteadyYRange(self.metric_plot.vb, min_relative_span=_LOSS_MIN_SPAN)
        self._r2_y = SteadyYRange(self.r2_view)
        # At least a factor of 2: a rate that barely changes stays a flat line.
        self._rate_y = SteadyYRange(self.rate_view, min_relative_span=1.0)
        self._framed_single_point = False
        self._task = "classification"
        self._configure_metric("classification")
        self._history: Any = None
        self._snapshot: Any = None
        self.set_arrangement(
            narrow=[(self.loss_plot, 0, 0, 1, 1), (self.metric_plot, 1, 0, 1, 1)],
            wide=[(self.loss_plot, 0, 0, 1, 1), (self.metric_plot, 0, 1, 1, 1)],
        )
        self.graphics.scene().addItem(self.r2_view)
        self.graphics.scene().addItem(self.rate_view)
        #: Whether the plots are low, and whether the rate axis has room for its name, and
        #: the width each plot has (see _fit_plots). Not "_short": PlotTab's arrangement.
        self._low = False
        self._rate_named = True
        self._plot_width = 0.0
        #: Title sizes found by _one_line_title.
        self._title_sizes: dict[tuple, tuple[int, float]] = {}
        # The plots' room changes with the tab's size and with the row of controls above
        # them (one line or more): the view's new size is known once it has taken it.
        self.graphics.sigDeviceRangeChanged.connect(lambda *_args: self._fit_plots())

    # ---- room --------------------------------------------------------------------------------

    def _build_more_menu(self) -> QtWidgets.QMenu:
        """The menu of :attr:`more_button`: a checkable entry for each choice of the row,
        following its check box both ways (shown while the row has no room for the box)."""
        menu = QtWidgets.QMenu(self)
        menu.setToolTipsVisible(True)
        self._menu_actions: dict[QtWidgets.QCheckBox, QtGui.QAction] = {}
        for box, text in (
            (self.log_scale, "Log y axis"),
            (self.show_batches, "Mini-batch losses"),
            (self.show_objective, "Objective J + penalty"),
            (self.show_rate, "Learning rate"),
            (self.show_previous, "Earlier runs"),
        ):
            self._menu_actions[box] = menu_toggle(menu, box, text)
        menu.addSeparator()
        self.forget_action = menu.addAction("Forget earlier runs")
        self.forget_action.setToolTip(self.forget_button.toolTip())
        self.forget_action.triggered.connect(self.forget_runs)
        menu.addSeparator()
        # The x axis combo's choices, one checked, following the combo both ways.
        self.x_axis_menu = menu.addMenu("X axis")
        self.x_axis_menu.setToolTipsVisible(True)
        self.x_axis_menu.menuAction().setToolTip(self.x_axis.toolTip())
        group = QtGui.QActionGroup(self.x_axis_menu)
        group.setExclusive(True)
        self._x_axis_actions: list[QtGui.QAction] = []
        for index, (_key, text, _label, _short) in enumerate(X_AXES):
            action = self.x_axis_menu.addAction(text)
            action.setCheckable(True)
            action.setActionGroup(group)
            action.setToolTip(self.x_axis.toolTip())
            action.triggered.connect(lambda _on=False, i=index: self.x_axis.setCurrentIndex(i))
            self._x_axis_actions.append(action)
        self.x_axis.currentIndexChanged.connect(self._sync_x_axis_menu)
        self._sync_x_axis_menu()
        menu.aboutToShow.connect(self._sync_menu)
        return menu

    def _sync_x_axis_menu(self, *_args: object) -> None:
        """Check the x axis combo's choice in the Show menu, and name it in the submenu's
        title (the menu then says what the axis counts without opening the submenu)."""
        index = max(self.x_axis.currentIndex(), 0)
        self._x_axis_actions[index].setChecked(True)
        self.x_axis_menu.setTitle(f"X axis: {X_AXES[index][1]}")

    @property
    def objective_offered(self) -> bool:
        """Whether the objective J + penalty is offered (the run or the settings have a
        penalty), as a check box in the row or an entry of the Show menu."""
        return self._offered[self.show_objective]

    @property
    def rate_offered(self) -> bool:
        """Whether the learning-rate curve is offered (the rate changes over the run)."""
        return self._offered[self.show_rate]

    def _menu_control(self, box: QtWidgets.QCheckBox) -> QtWidgets.QWidget:
        # "Earlier runs" folds with its Forget button, as one group.
        return self._runs_box if box is self.show_previous else box

    def _sync_menu(self) -> None:
        """Offer in the Show menu the choices the row has no room for: the less used ones,
        then every check box, then the x axis choice (see ``_fold_levels``)."""
        super()._sync_menu()
        folded = self._folded
        self.forget_action.setVisible(self._runs_box in folded)
        self.forget_action.setEnabled(self.forget_button.isEnabled())
        self.x_axis_menu.menuAction().setVisible(self.x_axis in folded)
        self.x_axis_menu.setEnabled(self.x_axis.isEnabled())

    def _fit_plots(self) -> None:
        """Show the metric plot beside or under the loss plot only where both have room to
        be read at the font; otherwise the loss plot alone (the metric plot goes on being
        updated, hidden). At a large font in a small window two plots side by side left the
        loss plot's data a few pixels tall and its title running into its neighbour's."""
        line = QtGui.QFontMetricsF(QtGui.QFont()).lineSpacing()
        side_by_side = self.graphics.width() >= 2 * _PLOT_LEAST_WIDTH * line
        stacked = self.graphics.height() >= 2 * _PLOT_LEAST_HEIGHT * line
        beside = [(self.loss_plot, 0, 0, 1, 1), (self.metric_plot, 0, 1, 1, 1)]
        under = [(self.loss_plot, 0, 0, 1, 1), (self.metric_plot, 1, 0, 1, 1)]
        alone = [(self.loss_plot, 0, 0, 1, 1)]
        narrow = under if stacked else beside if side_by_side else alone
        wide = beside if side_by_side else under if stacked else alone
        self.set_arrangement(narrow=narrow, wide=wide)
        # A low plot gives its height to its data: a one-line title (the values, without
        # the curves' names) and no x axis label (the x axis choice above names it).
        arrangement = narrow if self.layout_mode == "narrow" else wide
        rows = 2 if arrangement is under else 1
        columns = 2 if arrangement is beside else 1
        low = self.graphics.height() < rows * LOW_PLOT_LINES * line
        # The width of each plot: the view's less the layout's margins and spacing (a one-line
        # title sized for the view's whole width wrapped at an 18 pt font).
        grid = self.graphics.ci.layout
        left, _top, right, _bottom = grid.getContentsMargins()
        between = max(grid.horizontalSpacing(), 0.0) * (columns - 1)
        plot_width = (self.graphics.width() - left - right - between) / columns
        # Narrow, the rate's axis goes without its name: its teal numbers and the title's
        # teal "lr" say what it is, and the name took the room of the data beside them.
        rate_named = plot_width >= _NAMED_RATE_AXIS_LINES * line
        changed = (low, rate_named) != (self._low, self._rate_named)
        self._low, self._rate_named, self._plot_width = low, rate_named, plot_width
        if changed:
            self._show_axis_labels()
        if changed or low:
            self._update_titles()

    def _show_axis_labels(self) -> None:
        """Show or leave out the x axes' and the rate axis's names (see :meth:`_fit_plots`)."""
        # Visible to its axis: a hidden axis (no rate curve yet) hides its label too.
        for plot in (self.loss_plot, self.metric_plot):
            axis = plot.getAxis("bottom")
            if axis.label.isVisibleTo(axis) == self._low:
                axis.showLabel(not self._low)
        axis = self.loss_plot.getAxis("right")
        if axis.label.isVisibleTo(axis) != self._rate_named:
            axis.showLabel(self._rate_named)

    def _one_line_title(self, wordings: str | Sequence[str]) -> str:
        """The first of ``wordings`` (the longest first) that fits the plot on one line, at
        the largest title size at which it does; the last at the smallest size when none
        fits: a low plot's title, which must not take two."""
        if isinstance(wordings, str):
            wordings = (wordings,)
        room = self._plot_width - 2 * TITLE_SIDE_ROOM
        sizes = title_point_sizes()
        # Live titles change several times a second, in their digits only, which are all
        # equally wide: the choice made for one serves them all.
        shape = (room, sizes, tuple(re.sub(r"\d", "0", html) for html in wordings))
        choice = self._title_sizes.get(shape)
        if choice is None:
            choice = (len(wordings) - 1, sizes[-1])
            document = QtGui.QTextDocument()
            document.setDefaultFont(self.loss_plot.titleLabel.item.font())
            tries = ((i, html, p) for i, html in enumerate(wordings) for p in sizes)
            for index, html, points in tries:
                document.setHtml(f"<span style='font-size: {points:g}pt'>{html}</span>")
                if document.idealWidth() <= room:
                    choice = (index, points)
                    break
            if len(self._title_sizes) > 8:
                self._title_sizes.clear()
            self._title_sizes[shape] = choice
        index, points = choice
        return f"<span style='font-size: {points:g}pt'>{wordings[index]}</span>"

    @property
    def low(self) -> bool:
        """Whether the plots are too low for their full titles and x axis labels."""
        return self._low

    def _metric_placed(self) -> bool:
        """Whether the metric plot has a place in the arrangement in use."""
        return self.layout_mode is None or self.metric_plot in self.shown_items()

    def arrangement_changed(self, mode: str) -> None:
        # R²'s view lies over the metric plot's in the scene: out of the layout, that plot
        # leaves it behind, over the loss plot.
        self.r2_view.setVisible(self._task == "regression" and self._metric_placed())
        self._update_metric_note()

    def view_options(self) -> dict[str, QtWidgets.QCheckBox | QtWidgets.QComboBox]:
        return {
            "logScale": self.log_scale,
            "miniBatches": self.show_batches,
            "objective": self.show_objective,
            "learningRate": self.show_rate,
            "previousRun": self.show_previous,
            "xAxis": self.x_axis,
        }

    # ---- the runs compared -------------------------------------------------------------------

    @property
    def previous_history(self) -> Any:
        """The history of the newest earlier run (None: none is kept)."""
        return self.kept_runs[0].history if self.kept_runs else None

    @property
    def previous_train(self) -> pg.PlotDataItem:
        """The newest earlier run's training-loss curve."""
        slot = self.kept_runs[0].slot if self.kept_runs else 0
        return self._run_curves[slot].train

    @property
    def x_axis_key(self) -> str:
        """What the x axis counts: ``"epochs"``, ``"updates"`` or ``"examples"``."""
        return self._x_key

    def forget_runs(self) -> None:
        """Forget the earlier runs (the current one stays)."""
        self._keep_as_previous(None)
        self._loss_y.reset()
        self._fit_loss_axis()

    def _new_run(self) -> RunRecord:
        """The record of a run starting now, with the project and rows it is trained with."""
        dataset = self._dataset
        rows = int(np.shape(dataset.X_train)[0]) if dataset is not None else None
        return RunRecord(0, getattr(self, "_project", None), rows or None)

    def _keep_as_previous(self, history: Any) -> None:
        """Keep the current run, which drew ``history``, as the newest earlier run.

        ``None`` forgets every earlier run (other data: the old curves compare with nothing).
        A run of one epoch row (an untrained start) is no curve and is not kept.
        """
        if history is None:
            self.kept_runs = []
        elif len(history) >= 2 and not any(run.history is history for run in self.kept_runs):
            record = self.current_run or self._new_run()
            free = sorted(set(range(len(self._run_curves))) - {r.slot for r in self.kept_runs})
            if not free:  # the oldest run gives its curves (and colour) to the newest
                free = [self.kept_runs.pop().slot]
            # Numbered as kept: an untrained start shown and replaced is no run of its own.
            self._run_count += 1
            record.history, record.slot, record.number = history, free[0], self._run_count
            self.kept_runs.insert(0, record)
        self.current_run = None
        self._refresh_runs()

    def _refresh_runs(self) -> None:
        """Redraw the earlier runs and their legend (a run kept or forgotten, another axis)."""
        kept = bool(self.kept_runs)
        self.show_previous.setEnabled(kept)
        self.forget_button.setEnabled(kept)
        self._sync_menu()
        self._describe_runs()
        self._draw_previous()

    def _describe_runs(self) -> None:
        """Name each earlier run by what it did differently from the current run (or, with
        none, from the project that will train next)."""
        current = self.current_run.project if self.current_run else getattr(self, "_project", None)
        keys, lines = [], []
        every = [
            run_differences(run.project, current, run.rows, run.batch_sizes, run.changed)
            for run in self.kept_runs
        ]
        labels = run_labels(every, [run.number for run in self.kept_runs])
        for run, differences, label in zip(self.kept_runs, every, labels, strict=True):
            color = self._run_curves[run.slot].color
            keys.append(key(color, label, thin=True))
            lines.append(
                f"{_RUN_COLOR_NAMES[run.slot]}: run {run.number}, "
                + (", ".join(differences) or "the same settings")
                + self._run_extent(run)
            )
        # "previous" stays on a line with the first run's key (titles wrap between entries).
        self._runs_html = "previous:&nbsp;" + "&nbsp; ".join(keys) if keys else ""
        tip = LOSS_PLOT_TIP
        if lines:
            tip += "\nEarlier runs (what differed from the current run):\n" + "\n".join(lines)
        self.loss_plot.setToolTip(tip)

    @staticmethod
    def _run_extent(run: RunRecord) -> str:
        history = run.history
        if history is None or len(history) == 0 or run.steps_per_epoch is None:
            return ""
        epochs = int(history.epoch[-1])
        updates = round(float(run.x_of(np.array([epochs]), "updates")[0]))
        sizes = run.batch_sizes or ([run.batch_size] if run.batch_size else [])
        batch = f" of batch {' → '.join(str(size) for size in sizes)}" if sizes else ""
        return f" ({updates:,} updates{batch} in {epochs:,} epochs)"

    def _toggle_previous(self, _on: bool) -> None:
        self._draw_previous()
        history = self._history
        if history is not None and len(history):
            # The x range covers the earlier runs shown (see _kept_extent), or no longer does.
            for x_range in self._x_ranges:
                x_range.reset()
            self._draw_current(history, self._batches)
            self._draw_current_metric(history)
        self._loss_y.reset()
        self._fit_loss_axis()

    def _draw_previous(self) -> None:
        """Hand each earlier run's curves their data (on the x axis chosen)."""
        live = self._live
        shown = self.show_previous.isChecked()
        drawn: dict[int, RunRecord] = {run.slot: run for run in self.kept_runs} if shown else {}
        regression = self._task == "regression"
        for slot, curves in enumerate(self._run_curves):
            run = drawn.get(slot)
            if run is None:
                for item in curves.items:
                    live[item].clear()
                continue
            history = run.history
            x = run.x_of(history.epoch, self._x_key)
            live[curves.train].set_data(x, history.train_loss)
            live[curves.val].set_data(x, history.val_loss)
            train = history.train_rmse if regression else history.train_accuracy
            val = history.val_rmse if regression else history.val_accuracy
            live[curves.metric_train].set_data(x, train)
            live[curves.metric_val].set_data(x, val)
        # Newer runs in front of older ones, all behind the current run.
        for age, run in enumerate(self.kept_runs):
            for item in self._run_curves[run.slot].items:
                item.setZValue(-1 - age)
        self._update_titles()

    def _set_x_axis(self, index: int) -> None:
        self._x_key, _text, label, short = X_AXES[max(index, 0)]
        for plot in (self.loss_plot, self.metric_plot):
            plot.getAxis("bottom").set_label_wordings(label, short)
        self._show_axis_labels()  # a new label is shown, on a low plot too
        for x_range in self._x_ranges:
            x_range.reset()
        self._draw_previous()
        history = self._history
        if history is not None and len(history):
            self._draw_current(history, self._batches)
            self._draw_current_metric(history)
        self._loss_y.reset()
        self._fit_loss_axis()

    # ---- configuration -----------------------------------------------------------------------

    def _sync_r2_view(self) -> None:
        self.r2_view.setGeometry(self.metric_plot.vb.sceneBoundingRect())
        self.r2_view.linkedViewChanged(self.metric_plot.vb, self.r2_view.XAxis)

    def _toggle_batches(self, on: bool) -> None:
        self.batch_curve.setVisible(on)
        self._loss_y.reset()
        self._fit_loss_axis()
        self._update_titles()

    def _set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        # The plot sets both y axes' scale; the learning rate's stays logarithmic.
        self.loss_plot.getAxis("right").setLogMode(False, True)
        self._loss_y.reset()
        self._fit_loss_axis()
        # A low plot's axis at a large font cut "loss (log scale)" to "loss (…": a shorter
        # wording instead (the full one in the axis name's tooltip; the ticks are powers of
        # ten and the Log y box is ticked).
        axis = self.loss_plot.getAxis("left")
        axis.set_label_wordings(*(("loss (log scale)", "loss (log)", "loss") if on else ("loss",)))

    def _configure_metric(self, task: str) -> None:
        self._task = task
        regression = task == "regression"
        self.metric_plot.getAxis("right").setVisible(regression)
        self.r2_view.setVisible(regression and self._metric_placed())
        self._rmse_y.reset()
        self._r2_y.reset()
        if regression:
            self.metric_plot.setLabel("left", "RMSE")
        else:
            # A low plot at a large font cut "accuracy" to "accur…": "acc." instead (the
            # axis name's tooltip and the title's say "accuracy" in full).
            self.metric_plot.getAxis("left").set_label_wordings("accuracy", "acc.")
            self.metric_plot.setYRange(0.0, 1.02, padding=0)
        self._update_titles()

    def set_context(self, project: Project | None, dataset: Dataset | None) -> None:
        if dataset is not None and dataset is self._dataset:
            # An edit of the network on the same data: its run is the one to compare with.
            if self._history is not None:
                self._keep_as_previous(self._history)
        else:
            self._keep_as_previous(None)  # other data: the old curves compare with nothing
            self._run_count = 0
        task = dataset.task if dataset is not None else (project.task if project else None)
        if task is not None and task != self._task:
            self._configure_metric(task)
        super().set_context(project, dataset)
        self._describe_runs()
        self._update_extras()
        self._update_loss_title()

    def set_project(self, project: Project | None) -> None:
        """Follow a project whose training settings changed (a penalty set or removed),
        keeping the curves: the mini-batch curve's legend says what its losses include,
        and the objective and learning-rate choices show where they have something to show."""
        self._project = project
        if self.current_run is None and self.kept_runs:
            self._describe_runs()  # they compare with the run these settings will train
        self._update_extras()
        self._update_loss_title()

    # ---- frames ------------------------------------------------------------------------------

    def clear(self) -> None:
        self._history = None
        self.current_run = None
        self._batches = np.zeros((0, 2))
        self._batch_steps = None
        for x_range in self._x_ranges:
            x_range.reset()
        self._x_followed = [None, None]
        for y_range in (self._loss_y, self._rmse_y, self._r2_y, self._rate_y):
            y_range.reset()
        for live in self._live.values():
            live.clear()
        self._show_zero_rate_note(None, None)
        self._snapshot = None
        self._draw_best()
        self._update_extras()
        self._draw_previous()  # the earlier runs stay until other data comes

    def show_frame(self, frame: Frame) -> None:
        for step in self.frame_steps(frame):
            step()

    def frame_steps(self, frame: Frame) -> list[Callable[[], None]]:
        """Two steps: the loss plot, then the metric plot (each fitted to its data)."""
        return [lambda: self._show_loss(frame), lambda: self._show_metric(frame)]

    def paint_regions(self) -> list[QtGui.QRegion]:
        """The loss plot, then the metric plot."""
        return self.plot_regions([self.loss_plot, self.metric_plot])

    def _show_loss(self, frame: Frame) -> None:
        if frame.task != self._task:
            self._configure_metric(frame.task)
        snapshot = frame.snapshot
        history = getattr(snapshot, "history", None)
        if history is None or len(history) == 0:
            if self._history is not None:
                self._keep_as_previous(self._history)  # Reset: the run ended
            self.clear()
            return
        run = getattr(frame, "run", 0)
        if self._history is not None and run != self._shown_run:
            # A new run began (Play after Stop or the end, Reset, new settings or network);
            # frames are skipped while a run is fast, so its number tells, not its steps.
            self._keep_as_previous(self._history)
        self._shown_run = run
        if self.current_run is None:
            self.current_run = self._new_run()
            self._describe_runs()
        run_record = self.current_run
        batch_sizes = len(run_record.batch_sizes)
        # The settings its new steps ran with: a batch size changed on the way changes its
        # pace of updates, and a penalty what its mini-batch losses contain.
        run_record.note(snapshot, getattr(self, "_project", None))
        if len(run_record.batch_sizes) != batch_sizes and batch_sizes:
            self._describe_runs()
        if run_record.rows is None or run_record.project is None:
            # Without its data set or project, the run's own pace gives its steps per epoch.
            position = float(snapshot.epoch) + float(getattr(snapshot, "epoch_progress", 0.0))
            if position > 0 and snapshot.step > 0:
                run_record.steps_seen = snapshot.step / position
        self._history = history
        self._snapshot = snapshot
        self._update_extras()
        self._batches = frame.batch_losses
        steps = getattr(frame, "grad_steps", None)
        aligned = steps is not None and len(steps) == len(frame.batch_losses)
        self._batch_steps = np.asarray(steps, dtype=np.float64) if aligned else None
        self._draw_current(history, frame.batch_losses)
        self._update_loss_title()
        self.loss_plot.vb.prepareForPaint()

    def _draw_current(self, history: Any, batches: np.ndarray) -> None:
        """The current run's loss curves, on the x axis chosen."""
        live = self._live
        epochs = np.asarray(history.epoch, dtype=np.float64)
        x = self._x_of(epochs)
        batch_x = self._batch_x(batches)
        # The best epoch first: the axes keep room for its ring. Axes next: the curves are
        # thinned for the range they will be shown in.
        self._draw_best()
        last = max(float(x[-1]), float(batch_x[-1]) if batch_x.shape[0] else 0.0)
        self._follow_x(0, min(float(x[0]), self._kept_start()), max(last, self._kept_extent()))
        self._frame_single_point(epochs, history)
        live[self.train_curve].set_data(x, history.train_loss)
        live[self.val_curve].set_data(x, history.val_loss)
        live[self.batch_curve].set_data(batch_x, batches[:, 1])
        self._draw_objective(history, x)
        self._draw_rate(history, epochs)
        self._fit_loss_axis()

    def _draw_objective(self, history: Any, x: np.ndarray) -> None:
        """The training objective J + penalty of each epoch (while it is shown)."""
        live = self._live[self.objective_curve]
        if self._objective_shown():
            live.set_data(x, history.train_objective)
        else:
            live.clear()

    def _draw_rate(self, history: Any, epochs: np.ndarray) -> None:
        """The learning rate of each epoch, as a step over the epoch it trained (while shown)."""
        live = self._live[self.rate_curve]
        if not self._rate_shown():
            live.clear()
            self._show_zero_rate_note(None, None)
            return
        rows = np.asarray(history.learning_rate, dtype=np.float64)
        steps, rates = rate_steps(epochs, rows)
        positive = rates[rates > 0]
        # The axis spans the positive rates (its extremes suffice to fit it); a rate of 0
        # has no place on a logarithmic axis.
        if positive.size:
            self._rate_y.fit([np.array([positive.min(), positive.max()])], log=True)
        floor = None
        if np.any(rates == 0.0):
            # Epochs at rate 0 drop to just above the axis's bottom edge, not out of the plot.
            low, high = self.rate_view.viewRange()[1]
            floor = 10.0 ** (low + _ZERO_RATE_HEIGHT * (high - low))
        live.set_data(self._x_of(steps), rates, floor=floor)
        self._show_zero_rate_note(epochs, rows)

    def _show_zero_rate_note(self, epochs: np.ndarray | None, rates: np.ndarray | None) -> None:
        """Name the epochs that trained at rate 0 (hidden without any, or without the
        rate curve)."""
        text = "" if epochs is None or rates is None else zero_rate_text(epochs, rates)
        if not text:
            self._zero_rate_span = None
            self.zero_rate_note.hide()
            return
        rows = np.asarray(epochs, dtype=np.float64)
        zero = np.asarray(rates, dtype=np.float64)[1:] == 0.0
        first = int(np.flatnonzero(zero)[0]) + 1
        after = np.flatnonzero(~zero[first:])
        # The first stretch begins where its first epoch does (one epoch before its row) and
        # ends with its last epoch; one that lasts to the end goes on with the run.
        start = float(self._x_of(rows[first - 1 : first])[0])
        end = (
            float(self._x_of(rows[first + after[0] : first + after[0] + 1])[0])
            if after.size
            else None
        )
        self._zero_rate_span = (start, end)
        self._zero_rate_wordings = (text, "lr 0")
        self.zero_rate_note.setToolTip(
            f"{text}: a logarithmic axis has no 0, so these epochs run along its bottom edge"
        )
        self.zero_rate_note.show()
        self._place_zero_rate_note()

    def _place_zero_rate_note(self, *_args: object) -> None:
        """Put the rate-0 note just above the bottom edge, over the first stretch of epochs
        at rate 0: in full where the stretch has room for it, else as "lr 0" (the tooltip
        says the rest), kept inside the plot."""
        span = self._zero_rate_span
        if span is None or not self.zero_rate_note.isVisible():
            return
        view = self.loss_plot.vb
        area = view.rect()
        if area.width() <= 1:
            return  # not laid out yet
        start = view.mapFromView(QtCore.QPointF(span[0], 0.0)).x()
        end = (
            area.right() if span[1] is None else view.mapFromView(QtCore.QPointF(span[1], 0.0)).x()
        )
        metrics = QtGui.QFontMetricsF(self.zero_rate_note.textItem.font())
        margin = 2 * self.zero_rate_note.textItem.document().documentMargin()
        # Beside the drop to 0, not over it.
        left = start + _ZERO_RATE_GAP
        room = min(end, area.right()) - left
        full, short = self._zero_rate_wordings
        text = full if metrics.horizontalAdvance(full) + margin <= room else short
        if self.zero_rate_note.toPlainText() != text:
            self.zero_rate_note.setText(text)
        width = self.zero_rate_note.boundingRect().width()
        left = max(area.left(), min(left, area.right() - width))
        bottom = area.bottom() - _ZERO_RATE_HEIGHT * area.height() - 2.0
        self.zero_rate_note.setPos(left, bottom)

    def _draw_best(self) -> None:
        """Mark the epoch early stopping keeps as the best so far (hidden without one)."""
        snapshot = self._snapshot
        history = self._history
        best = getattr(snapshot, "best_epoch", None)
        if best is None or history is None or len(history) == 0:
            self._best_at = None
            if self._best_shown:
                self._best_shown = ()
                self.best_line.setVisible(False)
                self.best_point.setVisible(False)
            return
        x = float(self._x_of(np.array([float(best)]))[0])
        loss = getattr(snapshot, "best_loss", None)
        validation = getattr(snapshot, "val_loss", None) is not None
        text = best_epoch_text(snapshot)
        shown = (x, text, loss, validation, best_epoch_text(snapshot, compact=True))
        if shown == self._best_shown:
            return
        self._best_shown = shown
        # Visible first: a hidden line's label takes no new text.
        self.best_line.setVisible(True)
        self.best_line.setValue(x)
        self.best_label.set_wordings(text, shown[-1])
        self.best_line.setToolTip(f"{text}\n\n{BEST_EPOCH_TIP}")
        if loss is None or not math.isfinite(float(loss)):
            self._best_at = None
            self.best_point.setVisible(False)
            return
        self._best_at = (x, float(loss))
        # A ring on the curve early stopping watches, at the best value.
        color = VALIDATION_COLOR if validation else TRAIN_COLOR
        self.best_point.setSymbolPen(pen(color, _BEST_RING_PEN))
        self.best_point.setData([x], [float(loss)])
        self.best_point.setVisible(True)

    # ---- what the loss plot shows besides the losses ---------------------------------------

    def _penalty_in_use(self) -> bool:
        """Whether the run shown had an L1 or L2 penalty, or the settings have one now. A
        penalty set during a run counts from its first epoch with it, as the mini-batch
        curve's label does; one set before a run, or while it is paused, is offered at once,
        not only once a frame with it comes."""
        project = getattr(self, "_project", None)
        if project is not None and (project.training.l1 > 0 or project.training.l2 > 0):
            return True
        history = self._history
        if history is None or len(history) == 0:
            return False
        run = self.current_run
        if run is not None and any(on for _position, on in run.penalty):
            return True
        # A diverged run's objective and loss are both ∞ there: ∞ − ∞ is NaN, which the
        # finite mask drops, so NumPy's warning about it says nothing the user needs.
        with np.errstate(invalid="ignore"):
            gap = np.asarray(history.train_objective, float) - np.asarray(history.train_loss, float)
        return bool(np.any(gap[np.isfinite(gap)] > 0))

    def _rate_changes(self) -> bool:
        """Whether the learning rate changes over the run: a schedule, or a rate edited
        (while the run is paused too: its next epochs train with the new rate)."""
        project = getattr(self, "_project", None)
        if project is not None and project.training.schedule.name != "constant":
            return True
        history = self._history
        if history is None or len(history) == 0:
            return False
        rates = np.asarray(history.learning_rate, dtype=np.float64)
        rates = rates[np.isfinite(rates)]
        if rates.size and rates.min() != rates.max():
            return True
        snapshot = self._snapshot
        if project is None or snapshot is None or getattr(snapshot, "done", False):
            return False  # a run that has ended goes on with no other rate
        # Before its first epoch a run starts at whatever rate is set: no change either.
        return bool(rates.size > 1 and project.training.learning_rate != rates[-1])

    def _objective_shown(self) -> bool:
        return self.objective_offered and self.show_objective.isChecked()

    def _rate_shown(self) -> bool:
        return self.rate_offered and self.show_rate.isChecked()

    def _update_extras(self) -> None:
        """Offer the objective and learning-rate curves only where they show something."""
        penalty, rate = self._penalty_in_use(), self._rate_changes()
        changed = False
        for box, wanted in ((self.show_objective, penalty), (self.show_rate, rate)):
            if self._offered[box] != wanted:
                self._offered[box] = wanted
                changed = True
        if changed:
            # In the row, or in the Show menu where the row has no room.
            self._fit_controls()
            self._apply_extras()

    def _toggle_objective(self, _on: bool) -> None:
        self._apply_extras()

    def _toggle_rate(self, _on: bool) -> None:
        self._apply_extras()

    def _apply_extras(self) -> None:
        """Show or hide the objective and learning-rate curves (and the rate's axis)."""
        objective, rate = self._objective_shown(), self._rate_shown()
        self.objective_curve.setVisible(objective)
        self.rate_view.setVisible(rate)
        if rate != self.loss_plot.getAxis("right").isVisible():
            self.loss_plot.showAxis("right", rate)
        self._rate_y.reset()
        history = self._history
        if history is not None and len(history):
            epochs = np.asarray(history.epoch, dtype=np.float64)
            self._draw_objective(history, self._x_of(epochs))
            self._draw_rate(history, epochs)
        else:
            self._live[self.objective_curve].clear()
            self._live[self.rate_curve].clear()
            self._show_zero_rate_note(None, None)
        self._loss_y.reset()
        self._fit_loss_axis()
        self._update_loss_title()

    def _sync_rate_view(self) -> None:
        self.rate_view.setGeometry(self.loss_plot.vb.sceneBoundingRect())
        self.rate_view.linkedViewChanged(self.loss_plot.vb, self.rate_view.XAxis)

    def _x_of(self, epochs: np.ndarray) -> np.ndarray:
        """The current run's epoch positions on the x axis chosen."""
        run = self.current_run
        return epochs if run is None else run.x_of(epochs, self._x_key)

    def _batch_x(self, batches: np.ndarray) -> np.ndarray:
        """The mini-batch losses' places on the x axis chosen.

        Known per loss, the step each loss came before places it: after a change of batch
        size, epochs no longer convert to updates at one rate.
        """
        run, steps = self.current_run, self._batch_steps
        if run is None or steps is None or len(steps) != len(batches):
            return self._x_of(batches[:, 0])
        if self._x_key == "updates":
            return steps - 1.0  # measured before its update
        if len(run.segments) > 1:
            return run.x_of(run.epochs_of_steps(steps - 1.0), self._x_key)
        return self._x_of(batches[:, 0])

    def _kept_start(self) -> float:
        """Where the shown earlier runs begin on the x axis chosen (inf: none is shown).

        A run that continues earlier training (after a hand edit, an undo, a stop) begins at
        the epoch its weights had reached; the runs before it show how they got there.
        """
        if not self.show_previous.isChecked():
            return math.inf
        starts = [
            float(run.x_of(np.asarray(run.history.epoch[:1], dtype=np.float64), self._x_key)[0])
            for run in self.kept_runs
            if run.history is not None and len(run.history)
        ]
        return min(starts, default=math.inf)

    def _kept_extent(self) -> float:
        """How far the shown earlier runs reach on the updates or examples axis (else 0).

        Per update or example, runs differ in length by their batch sizes and are compared
        over their whole length; per epoch, the axis follows the current run as it grows.
        """
        if self._x_key == "epochs" or not self.show_previous.isChecked():
            return 0.0
        ends = [
            float(run.x_of(np.asarray(run.history.epoch[-1:], dtype=np.float64), self._x_key)[0])
            for run in self.kept_runs
            if run.history is not None and len(run.history)
        ]
        return max(ends, default=0.0)

    def _show_metric(self, frame: Frame) -> None:
        history = getattr(frame.snapshot, "history", None)
        if history is None or len(history) == 0 or history is not self._history:
            return  # cleared, or the loss step saw another frame
        self._draw_current_metric(history)
        self._update_metric_title()
        self.metric_plot.vb.prepareForPaint()
        if self.r2_view.isVisible():
            self.r2_view.prepareForPaint()

    def _draw_current_metric(self, history: Any) -> None:
        """The current run's metric curves, on the x axis chosen."""
        live = self._live
        epochs = np.asarray(history.epoch, dtype=np.float64)
        x = self._x_of(epochs)
        batch_x = self._batch_x(self._batches)
        last = float(batch_x[-1]) if batch_x.shape[0] else 0.0
        self._follow_x(
            1, min(float(x[0]), self._kept_start()), max(float(x[-1]), last, self._kept_extent())
        )
        if self._task == "regression":
            live[self.metric_a_train].set_data(x, history.train_rmse)
            live[self.metric_a_val].set_data(x, history.val_rmse)
            live[self.metric_b_train].set_data(x, history.train_r2)
            live[self.metric_b_val].set_data(x, history.val_r2)
            self._rmse_y.fit([live[self.metric_a_train].shown_y, live[self.metric_a_val].shown_y])
            self._r2_y.fit([live[self.metric_b_train].shown_y, live[self.metric_b_val].shown_y])
        else:
            live[self.metric_a_train].set_data(x, history.train_accuracy)
            live[self.metric_a_val].set_data(x, history.val_accuracy)

    def _fit_loss_axis(self) -> None:
        """Fit the loss axis to the curves shown (unless a lone point is framed), with room
        for the best epoch's ring."""
        if not (self._framed_single_point and not self.log_scale.isChecked()):
            self._fit_loss_values()
        self._keep_ring_in_y()

    def _fit_loss_values(self) -> None:
        curves = [self.train_curve, self.val_curve]
        if self._objective_shown():
            curves.append(self.objective_curve)
        if self.show_previous.isChecked():
            for run in self.kept_runs:
                run_curves = self._run_curves[run.slot]
                curves += [run_curves.train, run_curves.val]
        values = [self._live[curve].shown_y for curve in curves]
        log = self.log_scale.isChecked()
        if self.show_batches.isChecked():
            values.append(self._batch_extent(values, log))
        self._loss_y.fit(values, log=log)

    # ---- room for the best epoch's ring --------------------------------------------------

    def _ring_x_room(self) -> float:
        """The ring's half width in x units at the loss plot's scale now, rounded up to 1, 2,
        2.5 or 5 × 10^k so that the range it widens stays put from frame to frame (0: no
        ring, a plot not laid out yet, or one whose x axis the user has moved)."""
        if self._best_at is None or not self._x_ranges[0].following:
            return 0.0
        view = self.loss_plot.vb
        width = view.width()
        if width <= 4 * BEST_RING_RADIUS:
            return 0.0
        low, high = view.viewRange()[0]
        return nice_ceiling(BEST_RING_RADIUS * (high - low) / width)

    def _follow_x(self, index: int, low: float, high: float) -> None:
        """Let plot ``index`` (0: loss, 1: metric) show ``[low, high]`` on its x axis and room
        for the best epoch's ring on either side, which at the first or last epoch drawn
        was half cut off by the plot's edge. The metric plot gets the same room, so the x
        axes of plots stacked one above the other still agree."""
        self._x_followed[index] = (low, high)
        view = self.loss_plot.vb
        for _attempt in range(3):  # the room depends on the scale the range gives
            room = self._ring_x_room()
            best = self._best_at
            shown = view.viewRange()[0]
            if best is None or room <= 0.0:
                self._x_ranges[index].follow(low, high)
            else:
                self._x_ranges[index].follow(min(low, best[0] - room), max(high, best[0] + room))
            if index == 1 or view.viewRange()[0] == shown:
                break

    def _keep_ring_in_y(self) -> None:
        """Widen the loss axis just enough for the whole ring (a best loss at the axis's
        end), unless the user has moved the axis."""
        best = self._best_at
        view = self.loss_plot.vb
        height = view.height()
        if best is None or not self._loss_y.following or height <= 4 * BEST_RING_RADIUS:
            return
        y = best[1]
        if self.log_scale.isChecked():
            y = math.log10(y) if y > 0 else math.nan
        if not math.isfinite(y):
            return
        low, high = view.viewRange()[1]
        widened = ring_room(low, high, y, BEST_RING_RADIUS / height)
        if widened != (low, high):
            view.setYRange(*widened, padding=0.0)

    def _keep_room_for_ring(self, *_args: object) -> None:
        """Keep the ring's room at the loss plot's new size (its pixels are other units)."""
        if self._best_at is None:
            return
        for index, followed in enumerate(self._x_followed):
            if followed is not None:
                self._follow_x(index, *followed)
        self._keep_ring_in_y()

    def _batch_extent(self, epoch_values: list[np.ndarray], log: bool) -> np.ndarray:
        """The part of the mini-batch losses the loss axis makes room for.

        Single examples' losses (batch size 1) reach many times the averaged curves (4 where
        those end near 0.1): the axis then shows the mini-batch losses up to twice the highest
        per-epoch value (and, on a log axis, down to a tenth of the lowest), and lets taller
        spikes leave the plot rather than squash the curves being compared.
        """
        batch = self._live[self.batch_curve].shown_y
        batch = batch[np.isfinite(batch)]
        finite = [v[np.isfinite(v)] for v in epoch_values]
        finite = [v for v in finite if v.size]
        if not batch.size or not finite:
            return batch
        low, high = float(batch.min()), float(batch.max())
        high = min(high, 2.0 * max(float(v.max()) for v in finite))
        if log:
            positive = [v[v > 0] for v in finite]
            lows = [float(v.min()) for v in positive if v.size]
            if lows:
                low = max(low, 0.1 * min(lows))
        return np.array([low, high])

    def _frame_single_point(self, epochs: np.ndarray, history: Any) -> None:
        """Before the first epoch ends, show the lone point in a sensible frame.

        Autoranging one point zooms into a sliver around it (loss axis 0.79285 to 0.79315).
        """
        if epochs.size >= 2:
            if self._framed_single_point:  # the y axes follow the data from now on
                self._loss_y.reset()
                self._framed_single_point = False
            return
        self._framed_single_point = True
        values = np.asarray(history.train_loss, dtype=np.float64)
        finite = values[np.isfinite(values)]
        top = float(finite.max()) * 1.25 if finite.size and finite.max() > 0 else 1.0
        if not self.log_scale.isChecked():
            self.loss_plot.setYRange(0.0, top, padding=0.02)
        if self._task != "regression":
            self.metric_plot.setYRange(0.0, 1.0, padding=0.02)

    def _update_titles(self) -> None:
        """Titles that double as legends: each series' line style, name and latest value."""
        self._update_loss_title()
        self._update_metric_title()

    def _latest(self, name: str) -> float | None:
        snapshot = getattr(self, "_snapshot", None)
        return None if snapshot is None else getattr(snapshot, name, None)

    def _latest_rate(self) -> float | None:
        """The rate the run trains with now; once it has ended, the rate its last epoch used
        (the snapshot then holds the rate a further epoch would take)."""
        snapshot = getattr(self, "_snapshot", None)
        history = getattr(self, "_history", None)
        if getattr(snapshot, "done", False) and history is not None and len(history):
            return float(history.learning_rate[-1])
        return self._latest("learning_rate")

    def _has_validation(self) -> bool:
        snapshot = getattr(self, "_snapshot", None)
        return snapshot is None or snapshot.val_loss is not None

    def _update_loss_title(self) -> None:
        latest = self._latest
        # Three wordings, longest first (set_title shows the first that fits): everything;
        # without the word "Loss" and with the objective named short; and with the
        # mini-batch curve named short too.
        # A plot's name stays on one line with its first entry (titles wrap between entries).
        train = key(TRAIN_COLOR, f"train {_fmt(latest('train_loss'))}")
        parts = ["Loss&nbsp;&nbsp;" + train]
        medium = [train]
        short = [train]
        if self._has_validation():
            val = key(VALIDATION_COLOR, f"val {_fmt(latest('val_loss'))}")
            for wording in (parts, medium, short):
                wording.append(val)
        if self._objective_shown():
            objective = _fmt(latest("train_objective"))
            parts.append(key(TRAIN_COLOR, f"{OBJECTIVE_LABEL} {objective}", dashed=True))
            named = key(TRAIN_COLOR, f"objective {objective}", dashed=True)
            medium.append(named)
            short.append(named)
        if self.show_batches.isChecked():
            run = self.current_run
            if run is not None and run.penalty:
                # What the plotted losses contained, not the settings since changed.
                label = batch_curve_label(run.project, run.penalty)
            else:
                label = batch_curve_label(getattr(self, "_project", None))
            parts.append(key(BATCH_COLOR, label, thin=True))
            medium.append(key(BATCH_COLOR, label, thin=True))
            short.append(key(BATCH_COLOR, "batch", thin=True))
        if self._rate_shown():
            rate = key(RATE_COLOR, f"lr {_fmt(self._latest_rate(), 3)}")
            for wording in (parts, medium, short):
                wording.append(rate)
        runs = self._runs_html if self.kept_runs and self.show_previous.isChecked() else ""
        if runs:
            for wording in (parts, medium, short):
                wording.append(runs)
        self._update_loss_title_tip()
        if getattr(self, "_low", False):
            set_title(self.loss_plot, self._one_line_title(self._one_line_loss_titles()))
            return
        # Shorter still: the current run's values and the earlier runs' names; the current
        # run's values alone (the plot's tooltip names the other curves).
        values = short[:2] if self._has_validation() else short[:1]
        least = "&nbsp; ".join(values)
        shorter = ["&nbsp; ".join([*values, runs])] if runs else []
        # Short of room, the earlier runs' names matter more than the word "Loss".
        set_title(
            self.loss_plot,
            "&nbsp; ".join(parts),
            compact=["&nbsp; ".join(medium), "&nbsp; ".join(short), *shorter, least],
        )

    def _one_line_loss_titles(self) -> list[str]:
        """A low loss plot's one-line titles, the longest first: the current run's losses
        named and in each of :data:`_ONE_LINE_DIGITS` significant digits, then in the
        fewest digits with only their keys' colours to name them (as in the metric note).

        Long values ("train 0.01137 val 0.009663") wrapped at an 18 pt font even at the
        smallest title size: fewer digits come before a second line. The spaces are all
        non-breaking, so a plot too narrow for even the last is cut at its end rather than
        taking a second line of the plot's height; the title's tooltip keeps every digit.
        """
        entries = [("train", self._latest("train_loss"), TRAIN_COLOR)]
        if self._has_validation():
            entries.append(("val", self._latest("val_loss"), VALIDATION_COLOR))
        shapes = [(digits, True) for digits in _ONE_LINE_DIGITS]
        shapes.append((_ONE_LINE_DIGITS[-1], False))
        wordings = [
            "&nbsp;&nbsp;".join(
                key(color, f"{name} {_fmt(value, digits)}" if named else _fmt(value, digits))
                for name, value, color in entries
            )
            for digits, named in shapes
        ]
        # Values short already (0.5, "–") read the same in fewer digits: each wording once.
        return list(dict.fromkeys(wordings))

    def _update_loss_title_tip(self) -> None:
        """Give the loss plot's title a tooltip with the latest values in full: a low plot's
        title may show them in fewer digits, or not at all (the objective, the rate)."""
        tip = ""
        if getattr(self, "_snapshot", None) is not None:
            values = [f"train {_fmt(self._latest('train_loss'))}"]
            if self._has_validation():
                values.append(f"validation {_fmt(self._latest('val_loss'))}")
            lines = ["Loss: " + ", ".join(values)]
            if self._objective_shown():
                objective = _fmt(self._latest("train_objective"))
                lines.append(f"Objective (loss + penalty): {objective}")
            if self._rate_shown():
                lines.append(f"Learning rate: {_fmt(self._latest_rate(), 3)}")
            tip = "\n".join(lines)
        title = self.loss_plot.titleLabel
        if title.toolTip() != tip:
            title.setToolTip(tip)

    def _update_metric_title(self) -> None:
        latest = self._latest
        has_validation = self._has_validation()
        if self._task == "regression":
            # Colours say train or validation, as in the loss plot; solid RMSE, dashed R².
            rmse = ["RMSE&nbsp;&nbsp;" + key(TRAIN_COLOR, _fmt(latest("train_rmse"), 3))]
            r2 = ["R²&nbsp;&nbsp;" + key(TRAIN_COLOR, _fmt(latest("train_r2"), 3), dashed=True)]
            if has_validation:
                rmse.append(key(VALIDATION_COLOR, _fmt(latest("val_rmse"), 3)))
                r2.append(key(VALIDATION_COLOR, _fmt(latest("val_r2"), 3), dashed=True))
            # A wide gap, not a separator: a "·" would dangle at a line's end or start when
            # a narrow title wraps (narrow titles put RMSE and R² on lines of their own).
            title = "&nbsp; ".join(rmse) + "&nbsp;&nbsp;&nbsp; " + "&nbsp; ".join(r2)
            least = title  # short already, and both series' values matter
        else:
            parts = [key(TRAIN_COLOR, f"train {_percent(latest('train_accuracy'))}")]
            if has_validation:
                parts.append(key(VALIDATION_COLOR, f"val {_percent(latest('val_accuracy'))}"))
            # The y axis says "accuracy" too: narrow, the title does without the word.
            least = "&nbsp; ".join(parts)
            title = "Accuracy&nbsp;&nbsp;" + least
        self._update_metric_title_tip()
        if getattr(self, "_low", False):
            set_title(self.metric_plot, self._one_line_title(self._one_line_metric_titles()))
        else:
            set_title(self.metric_plot, title, compact=least)
        self._update_metric_note()

    def _one_line_metric_titles(self) -> list[str]:
        """A low metric plot's one-line titles, the longest first: as the loss plot's (see
        :meth:`_one_line_loss_titles`), the values in fewer digits before a shorter wording.

        A regression's RMSE and R² in three, then two, significant digits; the RMSE alone
        (the plot's curves still show R²); then its values named by their keys' colours
        only. A classification's accuracies to a tenth of a percent, then in whole
        percents; then named by colour only. Long values ("RMSE 0.0123 0.00988 R² …")
        wrapped at an 18 pt font even at the smallest title size. The spaces are all
        non-breaking (a title too narrow for even the last is cut, not wrapped); the
        title's tooltip keeps every digit.
        """
        latest = self._latest
        validation = self._has_validation()
        gap = "&nbsp;&nbsp;"

        def entries(train: str, val: str, names: bool = False, dashed: bool = False) -> str:
            shown = [("train", train, TRAIN_COLOR)]
            if validation:
                shown.append(("val", val, VALIDATION_COLOR))
            return gap.join(
                key(color, f"{name} {value}" if names else value, dashed=dashed)
                for name, value, color in shown
            )

        wordings: list[str]
        if self._task == "regression":

            def rmse(digits: int) -> str:
                return entries(_fmt(latest("train_rmse"), digits), _fmt(latest("val_rmse"), digits))

            def r2(digits: int) -> str:
                values = _fmt(latest("train_r2"), digits), _fmt(latest("val_r2"), digits)
                return entries(*values, dashed=True)

            # Solid RMSE, dashed R², as in the full title; a wide gap between them.
            wordings = [
                f"RMSE{gap}{rmse(digits)}{gap}{gap}R²{gap}{r2(digits)}"
                for digits in _ONE_LINE_METRIC_DIGITS
            ]
            wordings += [f"RMSE{gap}{rmse(digits)}" for digits in _ONE_LINE_METRIC_DIGITS]
            wordings.append(rmse(_ONE_LINE_METRIC_DIGITS[-1]))
        else:
            values = latest("train_accuracy"), latest("val_accuracy")
            # Decimals of a percent: a tenth, then none.
            wordings = [
                entries(*(_percent(value, decimals) for value in values), names=True)
                for decimals in (1, 0)
            ]
            wordings.append(entries(*(_percent(value, 0) for value in values)))
        # Values short already (0.5, "–") read the same in fewer digits: each wording once.
        return list(dict.fromkeys(wordings))

    def _update_metric_title_tip(self) -> None:
        """Give the metric plot's title a tooltip with the latest values in full: a low
        plot's title may show them in fewer digits, or leave R² out."""
        tip = ""
        if getattr(self, "_snapshot", None) is not None:
            validation = self._has_validation()
            if self._task == "regression":
                lines = []
                for name, metric in (("RMSE", "rmse"), ("R²", "r2")):
                    values = [f"train {_fmt(self._latest(f'train_{metric}'), 3)}"]
                    if validation:
                        values.append(f"validation {_fmt(self._latest(f'val_{metric}'), 3)}")
                    lines.append(f"{name}: " + ", ".join(values))
                tip = "\n".join(lines)
            else:
                values = [f"train {_percent(self._latest('train_accuracy'))}"]
                if validation:
                    values.append(f"validation {_percent(self._latest('val_accuracy'))}")
                tip = "Accuracy: " + ", ".join(values)
        title = self.metric_plot.titleLabel
        if title.toolTip() != tip:
            title.setToolTip(tip)

    # ---- the metric where its plot has no room ---------------------------------------------

    @property
    def metric_note_text(self) -> str:
        """The text the loss plot shows of the metric while the metric plot has no room
        (empty while the metric plot is shown, or before any run)."""
        note = getattr(self, "metric_note", None)
        return note.toPlainText() if note is not None and note.isVisible() else ""

    def _update_metric_note(self) -> None:
        """Show the metric's latest values in the loss plot while the metric plot is left
        out (the tab too small for two plots); hide them while it is shown."""
        note = getattr(self, "metric_note", None)
        if note is None:
            return  # the titles are set while the tab is being built
        if self._metric_placed() or getattr(self, "_snapshot", None) is None:
            self._metric_note_wordings = ((), "")
            if note.isVisible():
                note.hide()
            return
        latest = self._latest
        validation = self._has_validation()
        if self._task == "regression":
            values = latest("train_rmse"), latest("val_rmse")
            train, val = (_fmt(value, 3) for value in values)
            rough = [_fmt(value, 2) for value in values]
            train_r2, val_r2 = _fmt(latest("train_r2"), 3), _fmt(latest("val_r2"), 3)
            name, short, tip = "RMSE", "RMSE", f"RMSE: train {train}"
            if validation:
                tip += f", validation {val}"
            tip += f"; R²: train {train_r2}" + (f", validation {val_r2}" if validation else "")
        else:
            values = latest("train_accuracy"), latest("val_accuracy")
            train, val = (_percent(value) for value in values)
            rough = [_percent(value, 0) for value in values]
            name, short, tip = "accuracy", "acc", f"Accuracy: train {train}"
            if validation:
                tip += f", validation {val}"
        named = [key(TRAIN_COLOR, f"train {train}")]
        bare = [key(TRAIN_COLOR, train)]  # the colours say which
        if validation:
            named.append(key(VALIDATION_COLOR, f"val {val}"))
            bare.append(key(VALIDATION_COLOR, val))
        gap = "&nbsp; "
        # The shortest: the values in their curves' colours, without the keys' lines, then
        # rounded too.
        coloured = [_coloured(TRAIN_COLOR, train)]
        rounded = [_coloured(TRAIN_COLOR, rough[0])]
        if validation:
            coloured.append(_coloured(VALIDATION_COLOR, val))
            rounded.append(_coloured(VALIDATION_COLOR, rough[1]))
        wordings = [
            f"{name}&nbsp;&nbsp;" + gap.join(named),
            f"{short}&nbsp;&nbsp;" + gap.join(named),
            f"{short}&nbsp;&nbsp;" + gap.join(bare),
            f"{short}&nbsp;" + "&nbsp;/ ".join(coloured),
            f"{short}&nbsp;" + "&nbsp;/ ".join(rounded),
        ]
        if self._task == "regression":
            r2 = [key(TRAIN_COLOR, train_r2, dashed=True)]
            if validation:
                r2.append(key(VALIDATION_COLOR, val_r2, dashed=True))
            wordings.insert(0, wordings[0] + "&nbsp;&nbsp;&nbsp; R²&nbsp;&nbsp;" + gap.join(r2))
        plain = f"{short} {rough[0]}" + (f" / {rough[1]}" if validation else "")
        self._metric_note_wordings = (tuple(wordings), plain)
        note.setToolTip(
            f"{tip}, after the latest epoch.\nThe {name} plot is left out while the Loss tab "
            "is too small for two plots: make the plots panel larger to see it again."
        )
        if not note.isVisible():
            note.show()
        self._place_metric_note()

    def _place_metric_note(self, *_args: object) -> None:
        """Put the metric note where it hides the least of the loss plot (see
        :meth:`_hidden_under`): in one of its corners, in the longest wording that hides
        no more than a shorter one would, on one line (shortened with "…" where no wording
        fits the plot's width; the tooltip says it all)."""
        note = self.metric_note
        wordings, plain = self._metric_note_wordings
        if not wordings or not note.isVisible():
            return
        view = self.loss_plot.vb
        area = view.rect()
        if area.width() <= 1:
            return  # not laid out yet
        font = QtGui.QFont()
        font.setPointSizeF(title_point_sizes()[-1])
        if note.textItem.font() != font:
            note.setFont(font)
        room = area.width() - 2 * _NOTE_GAP
        sizes = self._note_sizes(wordings, font)
        fitting = [
            (html, size) for html, size in zip(wordings, sizes, strict=True) if size[0] <= room
        ]
        if not fitting:
            metrics = QtGui.QFontMetricsF(font)
            elided = metrics.elidedText(
                plain, QtCore.Qt.TextElideMode.ElideRight, max(room - 2 * _NOTE_MARGIN, 0.0)
            )
            html = elided.replace("&", "&amp;").replace("<", "&lt;").replace(" ", "&nbsp;")
            fitting = [(html, (room, sizes[-1][1]))]

        def corner_rect(corner: str, size: tuple[float, float]) -> QtCore.QRectF:
            width, height = size
            on_left, on_top = corner.endswith("left"), corner.startswith("top")
            left = area.left() + _NOTE_GAP if on_left else area.right() - _NOTE_GAP - width
            top = area.top() + _NOTE_GAP if on_top else area.bottom() - _NOTE_GAP - height
            return QtCore.QRectF(left, top, width, height)

        # (hidden, wording) for every place: the least hidden, then the longest wording.
        places = {
            (html, corner): (self._hidden_under(corner_rect(corner, size)), index)
            for index, (html, size) in enumerate(fitting)
            for corner in _NOTE_CORNERS
        }
        best = min(places, key=places.__getitem__)  # the first corner of equals
        # It moves only to hide less or to say more: not back and forth with every epoch.
        current = places.get((self._metric_note_html, self._metric_note_corner))
        if current is None or places[best] < current:
            html, self._metric_note_corner = best
        else:
            html = self._metric_note_html
        if self._metric_note_html != html:
            self._metric_note_html = html
            note.setHtml(html)
        size = dict(fitting)[html]
        note.setPos(corner_rect(self._metric_note_corner, size).topLeft())

    def _note_sizes(self, wordings: Sequence[str], font: QtGui.QFont) -> list[tuple[float, float]]:
        """The width and height of the metric note in each of ``wordings``, in pixels."""
        # Live values change several times a second, in their digits only, which are all
        # equally wide: the sizes found for one set of values serve them all.
        shape = (font.pointSizeF(), font.family(), tuple(re.sub(r"\d", "0", w) for w in wordings))
        sizes = self._metric_note_sizes.get(shape)
        if sizes is None:
            document = QtGui.QTextDocument()
            document.setDefaultFont(font)
            document.setDocumentMargin(_NOTE_MARGIN)
            sizes = []
            for wording in wordings:
                document.setHtml(wording)
                sizes.append((document.idealWidth() + 2 * _NOTE_MARGIN, document.size().height()))
            if len(self._metric_note_sizes) > 8:
                self._metric_note_sizes.clear()
            self._metric_note_sizes[shape] = sizes
        return sizes

    def _hidden_under(self, rect: QtCore.QRectF) -> float:
        """How much of what the loss plot shows the rectangle ``rect`` (in the view's
        pixels) would hide: the curves it crosses, each sampled across its width, and far
        more for the ring, the best epoch's label and the rate-0 note."""
        view = self.loss_plot.vb
        corner, opposite = view.mapToView(rect.topLeft()), view.mapToView(rect.bottomRight())
        x_low, x_high = sorted((corner.x(), opposite.x()))
        y_low, y_high = sorted((corner.y(), opposite.y()))
        samples = np.linspace(x_low, x_high, 24)
        weighed = [(self.train_curve, 1.0), (self.val_curve, 1.0), (self.objective_curve, 1.0)]
        weighed.append((self.batch_curve, 0.3))
        if self.show_previous.isChecked():
            for run in self.kept_runs:
                curves = self._run_curves[run.slot]
                weighed += [(curves.train, 0.3), (curves.val, 0.3)]
        log = self.log_scale.isChecked()
        hidden = 0.0
        for item, weight in weighed:
            live = self._live[item]
            if not item.isVisible() or live.x.shape[0] < 1:
                continue
            within = samples[(samples >= live.x[0]) & (samples <= live.x[-1])]
            if not within.size:
                continue
            values = np.interp(within, live.x, np.asarray(live.y, dtype=np.float64))
            if log:
                with np.errstate(divide="ignore", invalid="ignore"):
                    values = np.log10(values)
            hidden += weight * np.count_nonzero((values >= y_low) & (values <= y_high))
        obstacles = []
        if self._best_at is not None:
            x, y = self._best_at
            y = (math.log10(y) if y > 0 else math.nan) if log else y
            if math.isfinite(y):
                centre = view.mapFromView(QtCore.QPointF(x, y))
                radius = BEST_RING_RADIUS
                obstacles.append(
                    QtCore.QRectF(centre.x() - radius, centre.y() - radius, 2 * radius, 2 * radius)
                )
        label = self.best_label
        if self.best_line.isVisible() and label.opacity() > 0:
            text = label.textItem
            obstacles.append(label.mapRectToItem(view, text.mapRectToParent(text.boundingRect())))
        if self.zero_rate_note.isVisible():
            zero = self.zero_rate_note
            obstacles.append(zero.mapRectToParent(zero.boundingRect()))
        hidden += 100.0 * sum(rect.intersects(obstacle) for obstacle in obstacles)
        return hidden

    def csv_table(self) -> tuple[list[str], list[Sequence[Any]]]:
        history = self._history
        if history is None:
            return [], []
        metrics = _REGRESSION_COLUMNS if self._task == "regression" else _CLASSIFICATION_COLUMNS
        columns = ("train_loss", "val_loss", *metrics, "learning_rate", "train_objective")
        header = ["epoch", *columns]
        table = np.column_stack([np.asarray(getattr(history, c), float) for c in columns])
        rows = [[int(e), *values] for e, values in zip(history.epoch, table, strict=True)]
        return header, rows
