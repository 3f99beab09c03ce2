"""The Activations tab: the selected layer's outputs on the probe examples, and unit health.

The heatmap shows one row per neuron and one column per probe example (grouped by class), so
a neuron that reacts to one class shows as a coloured block. The bar chart shows, per layer,
the share of saturated sigmoid/tanh activations (derivative below 0.05, where learning
stalls) and the share of dead ReLU units (never active on any probe; leaky ReLU and ELU units
keep a gradient for z < 0, so they cannot die). The spread plot shows each layer's standard
deviation of its outputs over the probes, from the inputs on (log scale): the quantity Xavier
and He initialisation keep level with depth, so activations that shrink toward 0 or blow up
layer after layer show at a glance. A spread of exactly 0 (every output the same, as after zero
initialisation) has no logarithm: it is drawn at the floor 10⁻¹² (or a decade below the
smallest non-zero spread, which is drawn where it is) and labelled "= 0" there, so it does not
read as merely tiny.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.text import plural
from nnstudio.ui.plots.common import (
    PlotTab,
    StickyLevel,
    integer_ticks,
    key,
    make_heatmap,
    make_plot,
    note_label,
    set_bar_ticks,
    set_title,
)
from nnstudio.ui.plots.gradients import smallest_positive, zero_floor
from nnstudio.ui.qt import QtWidgets, pg

if TYPE_CHECKING:
    from nnstudio.ui.frame import Frame

#: Activations whose outputs are bounded, with the fixed colour limit that covers them.
_BOUNDED = {"sigmoid": 1.0, "tanh": 1.0, "softmax": 1.0}
_SATURATED_COLOR = (230, 110, 20)
_DEAD_COLOR = (31, 97, 166)
#: Width in pixels of the lines between the classes' columns of the heatmap.
_SEPARATOR_WIDTH = 2
#: Least room (pixels) between two class labels where no wording fits otherwise: each sits
#: centred under its own group, between the separators, so even this close they read apart.
_CROWDED_CLASS_GAP = 4.0
#: Gap (percent of the y axis) between a unit-health bar and its label.
_LABEL_GAP = 1.0
#: Least room (pixels) between the ink of two unit-health labels, or a label and a bar.
_LABEL_ROOM = 4.0
#: Half a unit-health bar's width (layers).
_BAR_HALF_WIDTH = 0.19
#: Lowest top of the unit-health y axis: room for labels over full bars in a tall plot.
_MIN_HEALTH_TOP = 110.0
_SPREAD_COLOR = (90, 60, 160)
#: Spreads of exactly 0 (a layer of constant outputs) are drawn here on the log axis, or
#: lower where a non-zero spread lies as low (see :func:`zero_floor`).
_SPREAD_FLOOR = 1e-12


def layer_spreads(probe_A: Sequence[np.ndarray]) -> np.ndarray:
    """Standard deviation of each layer's outputs over all its units and probe examples.

    Parameters
    ----------
    probe_A : sequence of ndarray
        ``probe_A[0]`` the inputs the first layer reads (P, n_inputs), then each layer's
        outputs (P, units).

    Returns
    -------
    ndarray, shape (L + 1,)
        Entry 0 the inputs', entry ``l`` layer ``l``'s.
    """
    return np.array([float(np.std(np.asarray(a, dtype=np.float64))) for a in probe_A])


def health_range_top(view_height: float, label_height: float) -> float:
    """Top of the unit-health y axis (percent) for a plot ``view_height`` pixels tall.

    A label ``label_height`` pixels tall sits :data:`_LABEL_GAP` percent above a bar up to
    100 %; the range leaves it that many pixels (and a pixel or two more) above 100.

    Parameters
    ----------
    view_height : float
        Height of the plot's view box in pixels.
    label_height : float
        Height of a bar's label in pixels.

    Returns
    -------
    float
        The top of the y range, at least :data:`_MIN_HEALTH_TOP`.
    """
    # The label's bottom (100 + gap) must lie `needed` pixels below the top: with the range
    # 0..top over h pixels, (top - 100 - gap) / top * h >= needed.
    needed = label_height + 2.0
    room = view_height - needed
    if view_height <= 0 or room < 0.2 * view_height:
        # Not laid out yet, or too short to show anything readable.
        return _MIN_HEALTH_TOP if view_height <= 0 else (100.0 + _LABEL_GAP) * 5.0
    top = (100.0 + _LABEL_GAP) * view_height / room
    # Whole percents: the axis does not creep with every pixel of a resize.
    return max(_MIN_HEALTH_TOP, float(math.ceil(top)))


def _count(number: int, noun: str) -> str:
    """``"16&nbsp;neurons"``, ``"1&nbsp;neuron"``: a count and its noun, unbreakable."""
    return f"{number}&nbsp;{noun}{'' if number == 1 else 's'}"


def class_tick_wordings(
    ticks: Sequence[tuple[float, str]],
    shortest: int = 4,
    numbers: Sequence[int] | None = None,
) -> list[list[tuple[float, str]]]:
    """Ticks naming classes, in wordings from the longest to the shortest.

    The class names as they are; each cut to ``shortest`` letters and "…"; cut to the fewest
    letters that still tell them apart, with "…" and then without it (an ellipsis is as wide
    as two letters); last, the classes' numbers where those are shorter still. Every wording
    names every class: a narrow heatmap left the middle "versicolor" of iris unlabelled.

    Parameters
    ----------
    ticks : sequence of (float, str)
        Each group's centre and its class's name, left to right.
    shortest : int
        Letters the first shortened wording keeps of a name.
    numbers : sequence of int or None
        Each group's class number (its index in the data); ``None``: 0, 1, 2, … in order.

    Returns
    -------
    list of list of (float, str)
        The wordings, one tick per group in each.
    """
    values = [value for value, _name in ticks]
    names = [name for _value, name in ticks]
    distinct = len(set(names))
    longest = max(map(len, names), default=1)

    def cut(name: str, letters: int) -> str:
        return name if len(name) <= letters + 1 else name[:letters] + "…"

    def fewest(shorten: Callable[[str, int], str]) -> int:
        """The fewest letters that ``shorten`` may keep and still tell the names apart."""
        letters = 1
        while letters < longest and len({shorten(name, letters) for name in names}) < distinct:
            letters += 1
        return letters

    letters = fewest(cut)
    wordings = [names]
    if letters <= shortest:  # else "clas…" for "class_0", "class_1": no class told apart
        wordings.append([cut(name, shortest) for name in names])
    if letters < shortest:
        wordings.append([cut(name, letters) for name in names])
    prefixes = fewest(lambda name, count: name[:count])
    shorter = [name[:prefixes] for name in names]
    # No longer than the cut names (not "cats" after "ca…"), and not "a" after "a".
    if prefixes <= letters and shorter != wordings[-1]:
        wordings.append(shorter)
    tags = [str(n) for n in (range(len(names)) if numbers is None else numbers)]
    # Numbers only where they are shorter, and never where a number is another class's
    # name (classes named "1" to "10": "1" would stand for the class named "2").
    if max(map(len, tags), default=0) < max(map(len, wordings[-1]), default=0) and not any(
        tag in names and name != tag for tag, name in zip(tags, names, strict=True)
    ):
        wordings.append(tags)
    return [list(zip(values, texts, strict=True)) for texts in wordings]


def class_key(names: Sequence[str], numbers: Sequence[int] | None = None) -> str:
    """What the heatmap's columns are, naming its classes left to right (its tooltip).

    Parameters
    ----------
    names : sequence of str
        The groups' class names, left to right.
    numbers : sequence of int or None
        The groups' class numbers where the axis may show those for the names (see
        :func:`class_tick_wordings`): each name then follows its number.

    Returns
    -------
    str
        One sentence (a narrow heatmap's labels may be cut short or numbers).
    """
    if numbers is None:
        classes = ", ".join(names)
    else:
        classes = ", ".join(f"{n}: {name}" for n, name in zip(numbers, names, strict=True))
    return f"One column per probe example, grouped by class from left to right: {classes}"


class ActivationsTab(PlotTab):
    """Neuron × probe-example activations of the selected layer, and saturated/dead units."""

    name = "Activations"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_note = note_label("Select a layer on the canvas to show its neurons.")
        # The note takes the room left: a stretch beside it would leave it none.
        self.controls.addWidget(self.layer_note, 1)

        self.heatmap_plot, self.heatmap, self.color_bar = make_heatmap(
            "Activations of layer 1", "probe example", "neuron", "activation"
        )
        self.level = StickyLevel()
        self.boundaries: list[pg.InfiniteLine] = []

        self.health_plot = make_plot(
            "Unit health per layer", "layer", ("share of layer (%)", "% of layer", "%")
        )
        self.health_plot.setMouseEnabled(x=False, y=False)
        self.saturated_bars = pg.BarGraphItem(
            x=[],
            height=[],
            width=2 * _BAR_HALF_WIDTH,
            brush=pg.mkBrush(*_SATURATED_COLOR),
            pen=pg.mkPen(None),
        )
        self.dead_bars = pg.BarGraphItem(
            x=[],
            height=[],
            width=2 * _BAR_HALF_WIDTH,
            brush=pg.mkBrush(*_DEAD_COLOR),
            pen=pg.mkPen(None),
        )
        self.health_plot.addItem(self.saturated_bars)
        self.health_plot.addItem(self.dead_bars)
        #: The health plot's tooltip, which each layer's hover tip ends with.
        self._health_tip = ""
        self._word_health(None)
        self.health_texts: list[pg.TextItem] = []
        #: Per layer, a transparent column over its bars whose tooltip gives its figures:
        #: a label left out for want of room still has its value there.
        self.health_hover: list[QtWidgets.QGraphicsRectItem] = []
        #: Each label's share (None: no share to give) and where its bottom centre goes
        #: (layers, percent) before the plot's sides move it in.
        self._health_at: list[tuple[float | None, float, float]] = []
        #: The bars' heights (percent), saturated and dead, per layer: labels keep off them.
        self._bar_heights = (np.zeros(0), np.zeros(0))
        # The labels keep their size in pixels while the plot's size changes: the room above
        # 100 % follows the plot's height so that a full bar's label always fits, the outer
        # labels move in from the plot's sides, narrow layers drop the "%" (the axis says
        # it), and where even "0" is wider than a layer only every few labels are shown, so
        # that neighbouring labels do not run together.
        widest = pg.TextItem("100 %").boundingRect()
        self._label_height = widest.height()
        self._label_width = widest.width()
        self.health_plot.vb.sigResized.connect(self._fit_health_range)
        self._fit_health_range()

        # Activation spread per layer, the Xavier/He argument: σ of a from layer to layer.
        self.spread_plot = make_plot("Activation spread", "layer", ("std of a (log)", "std of a"))
        self.spread_plot.setMouseEnabled(x=False, y=False)
        self.spread_plot.setLogMode(y=True)
        self.spread_plot.vb.sigResized.connect(self._keep_zero_spreads_inside)
        self.spread_curve = self.spread_plot.plot(
            pen=pg.mkPen(_SPREAD_COLOR, width=2),
            symbol="o",
            symbolSize=7,
            symbolBrush=pg.mkBrush(*_SPREAD_COLOR),
            symbolPen=None,
        )
        set_title(
            self.spread_plot,
            "Activation spread  " + key(_SPREAD_COLOR, "std of a per layer"),
            compact="Spread (std of a)",
        )
        self.spread_plot.setToolTip(
            "Standard deviation of each layer's outputs a over all its neurons and the probe "
            "examples (in: the inputs the first layer reads), on a log scale.\n"
            "Xavier (tanh) and He (ReLU) initialisation keep it about level from layer to "
            "layer; weights too small make it shrink toward 0 with depth, too large ones "
            "saturate tanh and sigmoid or make ReLU outputs grow.\n"
            "= 0: every output of that layer is the same (a spread of exactly 0, drawn at "
            f"the floor {_SPREAD_FLOOR:g}, or a decade below the smallest non-zero spread if "
            "that is lower)."
        )
        #: The last spreads drawn, (L + 1,): the inputs, then each layer.
        self.spreads = np.zeros(0)
        #: "= 0" above each point whose spread is exactly 0 (created as layers need them).
        self.zero_spread_texts: list[pg.TextItem] = []

        self._frame: Frame | None = None
        self._shown: tuple[int, str] | None = None
        self.set_arrangement(
            narrow=[
                (self.heatmap_plot, 0, 0, 1, 2),
                (self.health_plot, 1, 0, 1, 1),
                (self.spread_plot, 1, 1, 1, 1),
            ],
            wide=[
                (self.heatmap_plot, 0, 0, 2, 1),
                (self.health_plot, 0, 1, 1, 1),
                (self.spread_plot, 1, 1, 1, 1),
            ],
            # A low dock: in one row, each plot keeps the dock's height.
            short=[
                (self.heatmap_plot, 0, 0, 1, 1),
                (self.health_plot, 0, 1, 1, 1),
                (self.spread_plot, 0, 2, 1, 1),
            ],
            # Low and narrow: three plots in a row would each be too narrow to read.
            small=[(self.heatmap_plot, 0, 0, 1, 1), (self.health_plot, 0, 1, 1, 1)],
        )

    def _apply_stretch(self) -> None:
        grid = self.graphics.ci.layout
        if self._layout_mode != "narrow":
            grid.setColumnStretchFactor(0, 3)
            grid.setColumnStretchFactor(1, 2)
            grid.setColumnStretchFactor(2, 2 if self._layout_mode == "short" else 0)
            grid.setRowStretchFactor(0, 1)
            grid.setRowStretchFactor(1, 0 if self._layout_mode in ("short", "small") else 1)
        else:
            grid.setRowStretchFactor(0, 3)
            grid.setRowStretchFactor(1, 2)
            grid.setColumnStretchFactor(0, 1)
            grid.setColumnStretchFactor(1, 1)
            grid.setColumnStretchFactor(2, 0)

    # ---- state -------------------------------------------------------------------------------

    def clear(self) -> None:
        self.forget()
        self._frame = None
        self._shown = None
        self.level.reset()
        self.heatmap.clear()
        self.saturated_bars.setOpts(x=[], height=[])
        self.dead_bars.setOpts(x=[], height=[])
        self.spread_curve.setData([], [])
        self.spreads = np.zeros(0)
        for text in self.zero_spread_texts:
            text.setVisible(False)
        for line in self.boundaries:
            line.setVisible(False)

    def set_selected_layer(self, network_index: int | None) -> None:
        super().set_selected_layer(network_index)
        if self._frame is not None:
            self.show_frame(self._frame)

    @property
    def levels(self) -> tuple[float, float]:
        """The heatmap's colour levels ``(-L, L)``."""
        low, high = self.heatmap.getLevels()
        return float(low), float(high)

    # ---- frames ------------------------------------------------------------------------------

    def show_frame(self, frame: Frame) -> None:
        self._frame = frame
        layer = self.layer_for(frame)
        activation = frame.activation_names[layer]
        values = np.asarray(frame.probe_A[layer + 1], dtype=np.float64).T  # (units, P)
        if self._shown != (layer, activation):
            self.level.reset()
            self._shown = (layer, activation)
        limit = _BOUNDED.get(activation) or self.level.update(values)
        units, probes = values.shape
        self.heatmap.setImage(values, levels=(-limit, limit), autoLevels=False)
        if self.changed("levels", limit):
            self.color_bar.setLevels(values=(-limit, limit))
        if self.changed("heatmap", (layer, activation, units, probes)):
            # Neuron j (1-based) is centred on tick j.
            self.heatmap.setRect(0.0, 0.5, float(probes), float(units))
            top = units + 0.5
            integer_ticks(self.heatmap_plot.getAxis("left"), units)
            self.heatmap_plot.setLimits(xMin=0, xMax=max(probes, 1), yMin=0.5, yMax=top)
            self.heatmap_plot.setRange(xRange=(0, probes), yRange=(0.5, top), padding=0)
            set_title(
                self.heatmap_plot,
                # A narrow title wraps after the comma, never inside the sizes.
                f"Layer {layer + 1} ({activation}), {_count(units, 'neuron')}&nbsp;×&nbsp;"
                f"{_count(probes, 'example')}",
                compact=f"Layer {layer + 1} ({activation})",
            )
        self._show_classes(frame)
        self._show_health(frame)
        self._show_spread(frame)
        neurons = _count(units, "neuron").replace("&nbsp;", " ")
        # Shorter wordings for a narrow control row: whole words and numbers, never cut.
        self.layer_note.set_wordings(
            f"Layer {layer + 1} ({activation}), {neurons}",
            f"Layer {layer + 1}, {neurons}",
            f"Layer {layer + 1}",
        )

    def _show_classes(self, frame: Frame) -> None:
        """Class names under their groups of probe columns, with lines between groups."""
        axis = self.heatmap_plot.getAxis("bottom")
        labels = frame.probe_labels
        key = None if labels is None else (labels.tobytes(), frame.target_names)
        if not self.changed("classes", key):
            return
        if labels is None or labels.size == 0:
            axis.set_tick_choices([])
            axis.set_label_wordings("examples, by target", "examples", "ex.")
            self.heatmap_plot.setToolTip("One column per probe example")
            for line in self.boundaries:
                line.setVisible(False)
            return
        # Short: the heatmap is narrow beside the unit-health bars in a small window.
        axis.set_label_wordings("examples, by class", "examples", "ex.")
        starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]])
        ends = np.r_[starts[1:], labels.size]
        names = frame.target_names
        classes = [int(labels[s]) for s in starts.tolist()]
        ticks = [
            ((s + e) / 2.0, names[c] if c < len(names) else str(c))
            for s, e, c in zip(starts.tolist(), ends.tolist(), classes, strict=True)
        ]
        wordings = class_tick_wordings(ticks, numbers=classes)
        axis.set_tick_choices(wordings, crowded_gap=_CROWDED_CLASS_GAP)
        # The full names where the axis may show numbers for them (and cut ones anyway).
        full = [name for _value, name in ticks]
        last = [text for _value, text in wordings[-1]]
        numbered = last == [str(c) for c in classes] and last != full
        self.heatmap_plot.setToolTip(class_key(full, classes if numbered else None))
        while len(self.boundaries) < starts.size - 1:
            # A whole number of pixels: pyqtgraph draws vertical lines without antialiasing,
            # so a fractional width would come out 1 or 2 pixels wide by where a line falls.
            line = pg.InfiniteLine(angle=90, pen=pg.mkPen((40, 40, 40), width=_SEPARATOR_WIDTH))
            self.heatmap_plot.addItem(line)
            self.boundaries.append(line)
        for index, line in enumerate(self.boundaries):
            if index < starts.size - 1:
                line.setPos(float(starts[index + 1]))
                line.setVisible(True)
            else:
                line.setVisible(False)

    def _show_health(self, frame: Frame) -> None:
        layers = frame.n_layers
        x = np.arange(layers, dtype=np.float64)
        saturated = np.nan_to_num(frame.saturated_fraction, nan=0.0) * 100.0
        dead = np.nan_to_num(frame.dead_fraction, nan=0.0) * 100.0
        self.saturated_bars.setOpts(x=x - 0.2, height=saturated)
        self.dead_bars.setOpts(x=x + 0.2, height=dead)
        probes = int(np.shape(frame.probe_A[0])[0])
        if self.changed("health probes", probes):
            self._word_health(probes)
        if self.changed("health", frame.activation_names):
            names = [f"{i + 1} {name}" for i, name in enumerate(frame.activation_names)]
            # Layer numbers alone where the activations' names do not all fit.
            set_bar_ticks(self.health_plot, names, [str(i + 1) for i in range(layers)])
            self.health_plot.setXRange(-0.6, layers - 0.4, padding=0)
        self._label_health(frame, saturated, dead)

    def _word_health(self, probes: int | None) -> None:
        """Say in the title and tooltip that "dead" is judged on the shown examples only: a
        unit dead on all of them may still fire on another training or validation row."""
        count = "" if probes is None else f" {probes:,}"
        examples = "the probe examples" if probes is None else f"the {plural(probes, 'example')}"
        # Shorter wordings for a narrow plot, each still saying "on the shown ones".
        titles = [
            "Unit health  "
            + key(_SATURATED_COLOR, "saturated", box=True)
            + "&nbsp; "
            + key(_DEAD_COLOR, wording, box=True)
            for wording in (
                f"dead on all{count} shown examples",
                f"dead on all{count} shown",
                f"dead on{count} shown",
            )
        ]
        set_title(self.health_plot, titles[0], compact=titles[1:])
        self._health_tip = (
            f"Saturated: share of sigmoid/tanh activations on {examples} shown (the probe "
            "examples of the Example picker, a sample of the training set) whose derivative "
            "is below 0.05 (learning stalls there).\n"
            f"Dead: share of ReLU units that are inactive (Z ≤ 0) on all {examples} shown. "
            "Judged on these only: a unit dead here may still fire on other training or "
            "validation rows. Leaky ReLU and ELU units are not counted: their slope for "
            "Z < 0 is small but not zero, so they still learn."
        )
        self.health_plot.setToolTip(self._health_tip)

    def _show_spread(self, frame: Frame) -> None:
        """Each layer's activation std, the inputs first (updated in place)."""
        spreads = layer_spreads(frame.probe_A)
        self.spreads = spreads
        x = np.arange(spreads.size, dtype=np.float64)
        # A tiny spread is drawn where it is: only exact zeros go to the floor, below it.
        floor = zero_floor(smallest_positive(spreads), _SPREAD_FLOOR)
        self.spread_curve.setData(x, np.maximum(spreads, floor))
        self._label_zero_spreads(spreads, floor)
        if self.changed("spread", frame.activation_names):
            names = ["in", *(str(i + 1) for i in range(frame.n_layers))]
            set_bar_ticks(self.spread_plot, names, names)
            self.spread_plot.setXRange(-0.4, spreads.size - 0.6, padding=0)
        self._keep_zero_spreads_inside()

    def _label_zero_spreads(self, spreads: np.ndarray, floor: float) -> None:
        """Say "= 0" above the points at the ``floor`` whose spread is exactly 0."""
        zero = np.flatnonzero(spreads == 0.0)
        while len(self.zero_spread_texts) < zero.size:
            text = pg.TextItem("= 0", color=_SPREAD_COLOR, anchor=(0.5, 1.15))
            text.setToolTip("Every output of this layer is the same: a spread of exactly 0")
            self.spread_plot.addItem(text, ignoreBounds=True)
            self.zero_spread_texts.append(text)
        for index, text in enumerate(self.zero_spread_texts):
            shown = index < zero.size
            if shown:
                text.setPos(float(zero[index]), math.log10(floor))  # the y axis is log10
            if text.isVisible() != shown:
                text.setVisible(shown)

    def _keep_zero_spreads_inside(self, *_args: object) -> None:
        """Move each "= 0" sideways off its point as far as it takes to keep it inside the
        plot: the output layer's point is on the right edge, which cut the label to "="."""
        view = self.spread_plot.vb
        (low, high), _ = view.viewRange()
        width = view.width()
        for text in self.zero_spread_texts:
            if not text.isVisible():
                continue
            label = text.boundingRect().width()
            anchor = 0.5
            if width > 0 and high > low and label > 0:
                centre = (text.pos().x() - low) / (high - low) * width  # pixels from the left
                # The label's left edge sits at centre - anchor * label, within [1, width - 1].
                least = (centre - (width - 1.0 - label)) / label
                most = (centre - 1.0) / label
                anchor = min(max(anchor, least), most) if least <= most else 0.5
            if abs(text.anchor.x() - anchor) > 1e-9:
                text.setAnchor((anchor, text.anchor.y()))

    def _fit_health_range(self, *_args: object) -> None:
        """Fit the labels into a plot of a new size: room above 100 % for a full bar's
        label, and the outer labels moved in from the sides."""
        top = health_range_top(self.health_plot.vb.height(), self._label_height)
        if self.changed("health top", top):
            self.health_plot.setYRange(0.0, top, padding=0.0)
        self._place_health_labels()

    def _place_health_labels(self) -> None:
        """Word each label for the room and put it above its bar, centred, or as near as the
        plot's sides allow; leave out those that would run into a label or a bar shown.

        The largest shares are placed first, then the others from the left: in a deep
        network's narrow layers every second or third "0" is shown, and none pressed against
        a bar that stands out.
        """
        view = self.health_plot.vb
        (low, high), (bottom, top) = view.viewRange()
        width, height = view.width(), view.height()
        per_pixel = (high - low) / width if width > 0 else 0.0
        # A layer is one unit wide: room for "100 %" and a gap, or for "100" only.
        percent = " %" if width <= 0 or self._label_width + 6.0 <= width / (high - low) else ""
        laid_out = width > 0 and height > 0 and high > low and top > bottom
        x_pixels = width / (high - low) if laid_out else 0.0
        y_pixels = height / (top - bottom) if laid_out else 0.0
        bars = self._bar_pixels(low, bottom, x_pixels, y_pixels) if laid_out else []
        order = sorted(
            range(min(len(self.health_texts), len(self._health_at))),
            key=lambda i: (-(self._health_at[i][0] or 0.0), i),
        )
        placed: list[tuple[float, float, float, float]] = []
        for index in order:
            text = self.health_texts[index]
            share, x, y = self._health_at[index]
            wording = "–" if share is None else f"{share:.0f}{percent}"
            if text.textItem.toPlainText() != wording:
                text.setText(wording)
            # A narrow plot leaves less than half a label's width beside the outer bars. The
            # margin around the text is blank: it may lie outside (the label then stays over
            # its own layer in a deep network's narrow ones).
            margin = text.textItem.document().documentMargin()
            half = (max(text.boundingRect().width() / 2.0 - margin, 0.0) + 2.0) * per_pixel
            if high - low > 2.0 * half:
                x = min(max(x, low + half), high - half)
            text.setPos(x, y)
            shown = True
            if laid_out:
                ink = self._ink_pixels(text, (x - low) * x_pixels, (y - bottom) * y_pixels)
                shown = not any(_apart(ink, other) < _LABEL_ROOM for other in placed) and not any(
                    _apart(ink, bar) < 1.0 for layer, bar in bars if layer != index
                )
                if shown:
                    placed.append(ink)
            if text.isVisible() != shown:
                text.setVisible(shown)

    @staticmethod
    def _ink_pixels(
        text: pg.TextItem, centre: float, base: float
    ) -> tuple[float, float, float, float]:
        """(left, right, bottom, top) in pixels from the view's bottom left of the text of a
        label whose bottom centre is at (``centre``, ``base``): without the margin around it."""
        rect = text.boundingRect()
        margin = text.textItem.document().documentMargin()
        half = max(rect.width() / 2.0 - margin, 0.0)
        return centre - half, centre + half, base + margin, base + rect.height() - margin

    def _bar_pixels(
        self, low: float, bottom: float, x_pixels: float, y_pixels: float
    ) -> list[tuple[int, tuple[float, float, float, float]]]:
        """Each bar taller than 0 as its layer and (left, right, bottom, top) in pixels."""
        half = _BAR_HALF_WIDTH * x_pixels
        base = -bottom * y_pixels
        bars = []
        for offset, heights in zip((-0.2, 0.2), self._bar_heights, strict=True):
            for layer in np.flatnonzero(heights > 0).tolist():
                centre = (layer + offset - low) * x_pixels
                top = (float(heights[layer]) - bottom) * y_pixels
                bars.append((layer, (centre - half, centre + half, base, top)))
        return bars

    def _label_health(self, frame: Frame, saturated: np.ndarray, dead: np.ndarray) -> None:
        """Write each layer's share above its bar, so a 0 % bar still says something."""
        layers = frame.n_layers
        while len(self.health_texts) < layers:
            text = pg.TextItem(anchor=(0.5, 1.0), color=(60, 60, 60))
            self.health_plot.addItem(text)
            self.health_texts.append(text)
        while len(self.health_hover) < layers:
            index = len(self.health_hover)
            column = QtWidgets.QGraphicsRectItem(index - 0.5, 0.0, 1.0, 1000.0)
            column.setPen(pg.mkPen(None))
            column.setBrush(pg.mkBrush(None))
            self.health_plot.addItem(column, ignoreBounds=True)
            self.health_hover.append(column)
        places: list[tuple[float | None, float, float]] = []
        probes = int(np.shape(frame.probe_A[0])[0])
        for index, text in enumerate(self.health_texts):
            if index >= layers:
                text.setVisible(False)
                self.health_hover[index].setVisible(False)
                continue
            if np.isfinite(frame.saturated_fraction[index]):
                share, x = float(saturated[index]), index - 0.2
                figure = f"{share:.0f} % of its activations saturated"
            elif np.isfinite(frame.dead_fraction[index]):
                share, x = float(dead[index]), index + 0.2
                figure = f"{share:.0f} % of its units dead on all {probes:,} shown examples"
            else:
                # Neither saturating nor able to die (identity, leaky ReLU, softmax, ...).
                share, x = None, float(index)
                figure = "neither saturates nor can die"
            places.append((share, x, (share or 0.0) + _LABEL_GAP))
            name = frame.activation_names[index]
            tip = f"Layer {index + 1} ({name}): {figure}\n\n{self._health_tip}"
            hover = self.health_hover[index]
            if hover.toolTip() != tip:
                hover.setToolTip(tip)
            hover.setVisible(True)
        self._health_at = places
        self._bar_heights = (saturated, dead)
        self._place_health_labels()

    # ---- export ------------------------------------------------------------------------------

    def csv_table(self) -> tuple[list[str], list[Sequence[Any]]]:
        frame = self._frame
        if frame is None:
            return [], []
        layer = self.layer_for(frame)
        values = np.asarray(frame.probe_A[layer + 1], dtype=np.float64)
        label_name = "class" if frame.probe_labels is not None else "target"
        header = [
            "training_row",
            label_name,
            *(f"layer_{layer + 1}_neuron_{j + 1}" for j in range(values.shape[1])),
        ]
        if frame.probe_labels is not None:
            names = frame.target_names
            tags: list[Any] = [
                names[i] if i < len(names) else str(i) for i in frame.probe_labels.tolist()
            ]
        else:
            tags = frame.probe_targets[:, 0].tolist()
        rows = [
            [int(row), tag, *vals]
            for row, tag, vals in zip(
                frame.probe_indices.tolist(), tags, values.tolist(), strict=True
            )
        ]
        return header, rows


def _apart(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Pixels between two (left, right, bottom, top) rectangles side by side, or ``inf`` when
    one is wholly above the other; negative where they overlap side by side."""
    if a[2] >= b[3] or b[2] >= a[3]:
        return math.inf
    return max(a[0] - b[1], b[0] - a[1])
