"""Pieces shared by the plot tabs: the tab base class, colours, colour levels and CSV output."""

from __future__ import annotations

import csv
import functools
import io
import math
import re
from collections.abc import Callable, Iterable, Sequence
from html import escape as escape_html
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.errors import ProjectFileError
from nnstudio.io.weights import atomic_write_bytes, atomic_write_text
from nnstudio.spec import with_minus_sign
from nnstudio.ui.colors import NEGATIVE_COLOR, POSITIVE_COLOR, diverging_colormap, symmetric_limit
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, pg, png_bytes

if TYPE_CHECKING:
    from nnstudio.data import Dataset
    from nnstudio.spec import Project
    from nnstudio.ui.frame import Frame

#: Qualitative colours for layers and classes (colour-blind friendly order).
PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
)
TRAIN_COLOR = (31, 97, 166)
VALIDATION_COLOR = (230, 110, 20)
BATCH_COLOR = (150, 165, 185)
#: Preferred size of every plot in a tab's grid (pixels; the room is shared by stretch).
PLOT_PREFERRED_SIZE = (200.0, 150.0)
#: Panel width from which plots of a tab sit side by side instead of stacked.
WIDE_LAYOUT = 900
#: Tabs shorter than this (pixels, controls included) put their plots in one row where they
#: have such an arrangement.
SHORT_LAYOUT = 330
#: Short tabs narrower than this (pixels) show fewer plots in their row where they have such
#: an arrangement: three plots in the plots dock of a 1024-pixel window (about 450 pixels)
#: would leave each too narrow for its title and tick labels.
SMALL_LAYOUT = 600


def palette_color(index: int) -> tuple[int, int, int]:
    """Colour number ``index`` of :data:`PALETTE` (cycling)."""
    return PALETTE[index % len(PALETTE)]


def class_colors(count: int) -> np.ndarray:
    """RGB colours of ``count`` classes, shape (count, 3), uint8.

    Two classes use the ends of the shared diverging scale (blue, orange) so decision
    regions, neuron thumbnails and points agree; more classes use :data:`PALETTE`.
    """
    if count <= 2:
        ends = [NEGATIVE_COLOR.getRgb()[:3], POSITIVE_COLOR.getRgb()[:3]]
        return np.array(ends[: max(count, 1)], dtype=np.uint8)
    return np.array([palette_color(i) for i in range(count)], dtype=np.uint8)


def nice_ceiling(value: float) -> float:
    """Smallest of 1, 2, 2.5, 5 × 10^k that is at least ``value`` (``value`` > 0)."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate = mantissa * 10.0**exponent
        if candidate >= value * (1 - 1e-9):
            return candidate
    return 10.0 ** (exponent + 1)


def short_number(value: float | None, digits: int = 3) -> str:
    """A metric's value in a few characters, whatever its size, for titles and hover text.

    ``digits`` significant digits; large and tiny values in scientific notation with a
    plain exponent (``−2.9e37``, ``1.5e−6``), so a diverged run's numbers never run past
    their plot; ``"NaN"``, ``"∞"`` and ``"−∞"`` for values that are not finite, and ``"–"``
    for no value at all. Negative numbers take the true minus sign, as the studio's other
    text does (a hyphen reads as a dash beside a label: "R² -0.504").

    Parameters
    ----------
    value : float or None
        The value to show.
    digits : int
        Significant digits.

    Returns
    -------
    str
        The text to show.
    """
    if value is None:
        return "–"
    number = float(value)
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "∞" if number > 0 else "−∞"
    text = f"{number:.{digits}g}"
    mantissa, exponent_mark, exponent = text.partition("e")
    # "-2.9e+37" → "-2.9e37": the sign and zeros of the exponent only take room.
    if exponent_mark:
        text = f"{mantissa}e{int(exponent)}"
    return with_minus_sign(text)


class StickyLevel:
    """A symmetric colour limit that stays fixed while values stay inside it.

    The first values fix a round limit a little above their (robust) magnitude; the limit only
    grows, to the next round number, when values outgrow it, so a colour means the same value
    from one frame to the next. :meth:`reset` starts over (new network or data).
    """

    def __init__(self, minimum: float = 1e-3) -> None:
        self.minimum = minimum
        self.limit: float | None = None

    def reset(self) -> None:
        """Forget the limit."""
        self.limit = None

    def update(self, values: np.ndarray) -> float:
        """Return the limit for ``values`` (growing it if they exceed it)."""
        needed = max(symmetric_limit(values), self.minimum)
        if self.limit is None or needed > self.limit:
            self.limit = nice_ceiling(needed * 1.1)
        return self.limit


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a CSV file with a header row, atomically.

    Floats are written with full precision (``repr``); NaN is written as an empty cell. The
    text goes to a temporary file that replaces ``path`` only once it is complete, so a
    failed write (a full disk) leaves an earlier file at ``path`` as it was.

    Raises
    ------
    ProjectFileError
        When the file cannot be written (naming it and the reason).
    """
    target = Path(path)
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(list(header))
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    atomic_write_text(target, text.getvalue())
    return target


def _cell(value: Any) -> Any:
    if isinstance(value, float | np.floating):
        value = float(value)
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


class NoteLabel(QtWidgets.QLabel):
    """A one-line note that shows the longest of its wordings that fits its width.

    A note in a tab's control row gets the room the other controls leave, which may be too
    little for the whole text; a plain label would cut it off mid-word or mid-number. This
    one shows the first wording (:meth:`set_wordings`) that fits, and when not even the
    shortest does, that one cut short with an ellipsis. The tooltip and :meth:`text` keep
    the full text.
    """

    def __init__(self, text: str, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._wordings: tuple[str, ...] = ()
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setText(text)

    def setText(self, text: str) -> None:
        """Show ``text`` (with no shorter wording)."""
        self.set_wordings(text)

    def set_wordings(self, text: str, *shorter: str) -> None:
        """Show ``text``, or where it does not fit the first of ``shorter`` that does."""
        wordings = (text, *shorter)
        if wordings == self._wordings:
            return
        self._wordings = wordings
        self.setToolTip(text)
        if text != super().text():
            super().setText(text)
        self.update()

    def shown_text(self) -> str:
        """The text drawn at the label's current width."""
        width = self.contentsRect().width()
        metrics = self.fontMetrics()
        for wording in self._wordings:
            if metrics.horizontalAdvance(wording) <= width:
                return wording
        return metrics.elidedText(self._wordings[-1], QtCore.Qt.TextElideMode.ElideRight, width)

    def paintEvent(self, _event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        try:
            self.style().drawItemText(
                painter,
                self.contentsRect(),
                int(self.alignment().value),
                self.palette(),
                self.isEnabled(),
                self.shown_text(),
                self.foregroundRole(),
            )
        finally:
            painter.end()


def note_label(text: str) -> NoteLabel:
    """A grey note for a tab's control row that shrinks (rather than widening the tab)."""
    label = NoteLabel(text)
    label.setStyleSheet("color: #555;")
    label.setMinimumWidth(0)
    label.setSizePolicy(
        QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
    )
    return label


#: Least free room between neighbouring tick labels (pixels): side by side, and one above the
#: other.
LABEL_GAP = 8.0
LABEL_GAP_VERTICAL = 2.0
#: Fewest characters an axis label cut short with an ellipsis keeps; with fewer ("…",
#: "n…") it says nothing, and the axis goes without a label.
LEAST_CUT_LABEL = 3
#: Mantissas of the round tick steps an axis may step up to when its labels need more room.
_NICE_STEPS = (1.0, 2.0, 5.0)


def edge_label_overhang() -> int:
    """Pixels a horizontal axis's first or last tick label may reach past the axis's end.

    Half a three-digit label ("200" at the end of an epoch axis) and a pixel, in the tick
    font.
    """
    return math.ceil(QtGui.QFontMetricsF(QtGui.QFont()).horizontalAdvance("000") / 2) + 1


class TidyAxis(pg.AxisItem):
    """An axis whose tick labels never touch or overlap.

    pyqtgraph decides whether to label a level of ticks by how much of the axis all its
    labels fill together, not by the room between two of them, so on a short axis labels
    run into each other ("0 1020" for 0, 10, 20). Here the major step grows until its
    labels have :data:`LABEL_GAP` between them, and any label that would still come too
    close to one already placed (fixed category ticks, a finer level) is left out.

    Fixed ticks may come in several wordings (:meth:`set_tick_choices`): the first wording
    whose labels all fit is shown, e.g. ``"1 tanh"`` in a wide plot and ``"1"`` in a narrow
    one. Where not even the last fits, it may stand closer together (a ``crowded_gap``)
    before any of its labels is left out. :attr:`tick_choice_changed` tells which wording
    the axis has drawn since (so a tooltip can explain shortened labels).

    An axis name too long for the axis takes a shorter wording (:meth:`set_label_wordings`)
    and keeps its full text in the name's tooltip.
    """

    #: Emitted with the index of the fixed-tick wording the axis draws, when it changes.
    tick_choice_changed = QtCore.Signal(int)

    def __init__(self, orientation: str, **kwargs: Any) -> None:
        self._label_choices: tuple[str, ...] = ()
        self._shown_label = ""
        super().__init__(orientation, **kwargs)
        self._tick_choices: list[list[tuple[float, str]]] = []
        self._crowded_gap: float | None = None
        #: Index of the fixed-tick wording last drawn (0 before any).
        self.shown_tick_choice = 0
        if not self.vertical:
            # pyqtgraph hides a label that sticks out past either end of the axis, so an epoch
            # axis lost its "0"; half of a short label may stick out into the margin.
            self.setStyle(hideOverlappingLabels=edge_label_overhang())

    @property
    def vertical(self) -> bool:
        """Whether the axis runs up the side of a plot (labels one above the other)."""
        return self.orientation in ("left", "right")

    def setLabel(self, *args: Any, **kwargs: Any) -> None:
        super().setLabel(*args, **kwargs)
        # pyqtgraph places the label only when the axis resizes: a new text kept the old
        # one's place, off centre (a long one after "z" was cut at the plot's edge).
        self.resizeEvent(None)

    def set_label_wordings(self, text: str, *shorter: str) -> None:
        """Label the axis ``text``, or where it is longer than the axis the first of
        ``shorter`` that fits (the last one cut short with an ellipsis when none does, and
        no label when that would keep fewer than :data:`LEAST_CUT_LABEL` characters)."""
        self._label_choices = (text, *shorter)
        self.setLabel(text)

    def shown_label(self) -> str:
        """The axis label's text at the axis's current length (plain text)."""
        full = self.labelText or ""
        choices = self._label_choices if self._label_choices[:1] == (full,) else (full,)
        plain = [QtGui.QTextDocumentFragment.fromHtml(text).toPlainText() for text in choices]
        if self.label is None or not full:
            return plain[0] if plain else ""
        length = self.size().height() if self.vertical else self.size().width()
        if length <= 1:
            return plain[0]  # not laid out yet
        metrics = QtGui.QFontMetricsF(self.label.font())
        # The text item's margins, and a little air at both ends.
        room = length - 2 * self.label.document().documentMargin() - 8
        for text in plain:
            if metrics.horizontalAdvance(text) <= room:
                return text
        cut = metrics.elidedText(plain[-1], QtCore.Qt.TextElideMode.ElideRight, room)
        # A lone "…" (a narrow heatmap in a large font) reads as a glitch: no label instead.
        # (Qt may leave a wording a pixel too long whole: that one stays.)
        if cut == plain[-1] or len(cut.rstrip("…").strip()) >= LEAST_CUT_LABEL:
            return cut
        return ""

    def labelString(self) -> str:
        # A label longer than the axis was cut off at both ends (a short plot with a large
        # font): a shorter wording, or an elided one, instead.
        full = self.labelText
        shown = self.shown_label()
        self._shown_label = shown
        plain = QtGui.QTextDocumentFragment.fromHtml(full).toPlainText() if full else ""
        if self.label is not None:
            # A shorter wording ("acc.") or none: the full name on hover.
            tip = plain if shown != plain else ""
            if self.label.toolTip() != tip:
                self.label.setToolTip(tip)
        if not full or plain == shown:
            return super().labelString()
        self.labelText = escape_html(shown, quote=False)
        try:
            return super().labelString()
        finally:
            self.labelText = full

    def resizeEvent(self, ev: Any = None) -> None:
        if self.label is not None and self.labelText and self.shown_label() != self._shown_label:
            self.label.setHtml(self.labelString())
        super().resizeEvent(ev)

    def least_height(self) -> float:
        """Pixels a horizontal axis needs to draw its tick labels and its name whole: the
        tick font's full line (descenders included) below the ticks, then the name's line.

        pyqtgraph makes room for only 0.8 of a tick label's line (and 0.8 of the name's
        box), so at a large font the "g" of "virginica" hung below the plot.
        """
        if not self.style["showValues"]:
            return 0.0
        tick_font = self.style["tickFont"] or QtGui.QFont()
        height = math.ceil(QtGui.QFontMetricsF(tick_font).height())
        height += self.style["tickTextOffset"][1] + max(0, self.style["tickLength"])
        if self.label is not None and self.label.isVisible():
            height += math.ceil(QtGui.QFontMetricsF(self.label.font()).height())
        return float(height)

    def _updateHeight(self) -> None:
        super()._updateHeight()
        if self.vertical or self.fixedHeight is not None or not self.isVisible():
            return
        least = self.least_height()
        if least > self.maximumHeight():
            self.setMaximumHeight(least)
            self.setMinimumHeight(least)

    def set_tick_choices(
        self,
        choices: Sequence[Sequence[tuple[float, str]]],
        *,
        crowded_gap: float | None = None,
    ) -> None:
        """Fixed ticks in several wordings.

        Parameters
        ----------
        choices : sequence of sequence of (float, str)
            Ticks ``(value, label)``, one sequence per wording, from the longest to the
            shortest.
        crowded_gap : float or None
            Where not even the last wording fits with :data:`LABEL_GAP` between its labels,
            the least room (pixels) they may stand apart before any is left out. ``None``:
            :data:`LABEL_GAP` always.
        """
        self._tick_choices = [list(choice) for choice in choices]
        self._crowded_gap = crowded_gap
        self._tick_choice_shown(0)
        self.setTicks([self._tick_choices[0]] if self._tick_choices else None)

    def _tick_choice_shown(self, index: int) -> None:
        if index != self.shown_tick_choice:
            self.shown_tick_choice = index
            self.tick_choice_changed.emit(index)

    def label_room(self, texts: Iterable[str]) -> float:
        """Pixels from one label's centre to the next that ``texts`` need along the axis."""
        metrics = QtGui.QFontMetricsF(self.style["tickFont"] or QtGui.QFont())
        if self.vertical:
            # pyqtgraph draws a label in 0.8 of its font's height.
            return 0.8 * metrics.height() + LABEL_GAP_VERTICAL
        return max((metrics.horizontalAdvance(text) for text in texts), default=0.0) + LABEL_GAP

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        span = abs(maxVal - minVal)
        if self.logMode or not levels or size <= 0 or span == 0:
            return levels
        per_unit = size / span
        step = levels[0][0]
        if step * per_unit >= self._room_for(step, minVal, maxVal):
            return levels
        for _ in range(30):  # a factor of 10 every three steps: ample for any axis
            step = _next_nice_step(step)
            if step * per_unit >= self._room_for(step, minVal, maxVal):
                break
        # Minor ticks (unlabelled once the major step has grown) where they are not too dense.
        minor = step / (2.0 if _mantissa(step) == 2.0 else 5.0)
        return [(step, 0.0), (minor, 0.0)] if minor * per_unit >= 4.0 else [(step, 0.0)]

    def _room_for(self, step: float, low: float, high: float) -> float:
        """The room labels of ticks ``step`` apart between ``low`` and ``high`` need."""
        low, high = min(low, high), max(low, high)
        first = math.floor(low / step) * step
        values = [first, first + step, math.ceil(high / step) * step]
        return self.label_room(self.tickStrings(values, self.autoSIPrefixScale * self.scale, step))

    def generateDrawSpecs(self, p: QtGui.QPainter) -> Any:
        if not self._tick_choices:
            return self._untangled(super().generateDrawSpecs(p))
        specs = None
        for index, choice in enumerate(self._tick_choices):
            # Not setTicks: it would ask for this drawing again.
            self._tickLevels = [choice]
            specs = super().generateDrawSpecs(p)
            if specs is None:
                return None
            untangled = self._untangled(specs)
            low, high = sorted(self.range)
            wanted = sum(1 for value, text in choice if text and low <= value <= high)
            if len(untangled[2]) >= wanted:
                self._tick_choice_shown(index)
                return untangled
        self._tick_choice_shown(len(self._tick_choices) - 1)
        if self._crowded_gap is not None:
            # Labels a little closer together: all of them, or more than LABEL_GAP would
            # keep, rather than a class or a layer left without one.
            return self._untangled(specs, self._crowded_gap)
        return self._untangled(specs)

    def _untangled(self, specs: Any, gap: float | None = None) -> Any:
        """``specs`` without the labels that come less than ``gap`` pixels (by default
        :data:`LABEL_GAP`, or :data:`LABEL_GAP_VERTICAL` on a vertical axis) from a label
        before them (pyqtgraph lists the major ticks' labels first)."""
        if specs is None:
            return None
        axis_spec, tick_specs, text_specs = specs
        if self.vertical:
            gap = LABEL_GAP_VERTICAL if gap is None else gap
            grow = (0.0, -gap / 2, 0.0, gap / 2)
        else:
            gap = LABEL_GAP if gap is None else gap
            grow = (-gap / 2, 0.0, gap / 2, 0.0)
        kept: list[tuple[QtCore.QRectF, Any, str]] = []
        taken: list[QtCore.QRectF] = []
        for rect, flags, text in text_specs:
            if not text:
                continue
            room = QtCore.QRectF(rect).adjusted(*grow)
            if any(room.intersects(other) for other in taken):
                continue
            kept.append((rect, flags, text))
            taken.append(room)
        return axis_spec, tick_specs, kept


def _mantissa(step: float) -> float:
    """The leading digit of a round step (1, 2 or 5)."""
    return round(step / 10.0 ** math.floor(math.log10(step) + 1e-9), 6)


def _next_nice_step(step: float) -> float:
    """The next larger of 1, 2, 5 × 10^k after ``step``."""
    exponent = math.floor(math.log10(step) + 1e-9)
    for mantissa in (*_NICE_STEPS, 10.0):
        candidate = mantissa * 10.0**exponent
        if candidate > step * (1 + 1e-9):
            return candidate
    return 10.0 ** (exponent + 1)


class ReadableLogAxis(TidyAxis):
    """An axis whose log-scale labels never crowd: which of a decade's ticks are labelled
    depends on the room a decade gets.

    pyqtgraph labels every minor tick (2 to 9 times a power of ten) when the axis spans a
    few decades, and towards the top of each decade those labels run into each other. Here
    the powers of ten are always labelled, 2 and 5 times them when a decade is tall enough
    for those, and the others only when it is tall enough for all nine to stand apart (or
    when fewer would leave the axis with less than two labels). Where two labels would
    still come too close, a power of ten wins over 5 times one, and that over the rest.
    Linear scales are labelled as usual.
    """

    #: Least pixels a decade needs before 2 and 5 times its power of ten get labels.
    ROOM_FOR_TWO_AND_FIVE = 90.0
    #: Least pixels a decade needs before every tick in it gets a label (more where the
    #: font needs it: 9 and 10 times a power of ten are 0.046 of a decade apart).
    ROOM_FOR_ALL = 260.0
    #: Leading digits labelled together, from the fewest labels to the most.
    MANTISSA_SETS = (frozenset({1}), frozenset({1, 2, 5}), frozenset(range(1, 10)))

    def labelled_mantissas(self) -> frozenset[int]:
        """Leading digits whose ticks get a label at the axis's current length and range."""
        low, high = sorted(float(v) for v in self.range)
        decades = max(high - low, 1e-9)
        length = self.geometry().height() if self.vertical else self.geometry().width()
        per_decade = length / decades
        room = self.label_room(self._sample_labels(low, high))
        # The closest two labels of a set, in decades: 2 and 5 times a power of ten, and
        # 9 and 10 times it.
        needs = (
            (self.MANTISSA_SETS[2], max(self.ROOM_FOR_ALL, room / math.log10(10 / 9))),
            (self.MANTISSA_SETS[1], max(self.ROOM_FOR_TWO_AND_FIVE, room / math.log10(5 / 2))),
        )
        chosen = next(
            (mantissas for mantissas, need in needs if per_decade >= need), self.MANTISSA_SETS[0]
        )
        if _ticks_in_view(chosen, low, high) >= 2:
            return chosen
        # A short axis within about a decade: label more ticks, and let crowded ones give way
        # to the more telling ones (see _untangled) rather than show one number or none.
        return next(
            (s for s in self.MANTISSA_SETS if _ticks_in_view(s, low, high) >= 2),
            self.MANTISSA_SETS[-1],
        )

    def _sample_labels(self, low: float, high: float) -> list[str]:
        """Labels as wide as the widest this range may show (for :meth:`label_room`)."""
        exponents = {math.floor(low), math.ceil(high)}
        values = [e + math.log10(m) for e in exponents for m in (1, 5)]
        return pg.AxisItem.logTickStrings(self, values, 1.0, 1.0)

    #: Step (in the axis's values, not their logs) of the linear ticks put on a range too
    #: short for two of a decade's ticks (see :meth:`logTickValues`), or ``None``.
    _fine_step: float | None = None

    def logTickValues(
        self, minVal: float, maxVal: float, size: float, stdTicks: list
    ) -> list[tuple[float | None, list[float]]]:
        ticks = super().logTickValues(minVal, maxVal, size, stdTicks)
        self._fine_step = None
        in_view = sum(1 for _, values in ticks for v in values if minVal <= v <= maxVal)
        if in_view >= 2:
            return ticks
        # Within one step of a decade's ticks (1.0 to 1.3, say) pyqtgraph draws one tick or
        # none, and the axis reads nothing: tick the values themselves at a round step.
        fine = _linear_ticks(10.0**minVal, 10.0**maxVal)
        if fine is None:
            return ticks
        self._fine_step, values = fine
        return [(None, [math.log10(value) for value in values])]

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        step = self._fine_step
        if step is not None:
            # As many significant digits as the step needs at the largest value shown.
            top = max(abs(10.0 ** float(v) * scale) for v in values) if values else 1.0
            digits = max(1, math.floor(math.log10(top)) - math.floor(math.log10(step)) + 1)
            return [f"{10.0 ** float(v) * scale:.{digits}g}" for v in values]
        strings = super().logTickStrings(values, scale, spacing)
        allowed = self.labelled_mantissas()
        return [
            text if _leading_digit(float(value)) in allowed else ""
            for value, text in zip(values, strings, strict=True)
        ]

    def _untangled(self, specs: Any, gap: float | None = None) -> Any:
        if specs is None or not self.logMode:
            return super()._untangled(specs, gap)
        # pyqtgraph lists a log axis's labels in ascending order when it has no major level
        # (under two decades in view), and 0.09 then pushed 0.1 out. Powers of ten first,
        # then 5 and 2 times them, then the rest: the labels that tell the scale stay.
        axis_spec, tick_specs, text_specs = specs
        ranked = sorted(text_specs, key=lambda spec: _LABEL_RANK.get(_first_digit(spec[2]), 3))
        return super()._untangled((axis_spec, tick_specs, ranked), gap)


#: Which log-axis labels stay where two would crowd, by leading digit (lowest rank first).
_LABEL_RANK = {1: 0, 5: 1, 2: 2}


def _leading_digit(log_value: float) -> int:
    """The leading digit of ``10 ** log_value`` (a log axis's tick)."""
    exponent = math.floor(log_value + 1e-9)
    return round(10 ** (log_value - exponent))


def _first_digit(text: str) -> int:
    """The first non-zero digit of a tick label ("0.05" → 5, "10⁻⁵" → 1; 0 for none)."""
    return next((int(c) for c in text if c in "123456789"), 0)


def _linear_ticks(low: float, high: float, most: int = 5) -> tuple[float, list[float]] | None:
    """Round values from ``low`` to ``high`` (both positive), 1, 2 or 5 times a power of ten
    apart, at least two and at most ``most`` of them: ``(step, values)``, or ``None`` when
    the range is empty or not finite."""
    if not (math.isfinite(low) and math.isfinite(high) and 0 < low < high):
        return None
    exponent = math.floor(math.log10((high - low) / most))
    for step in (m * 10.0**exponent for m in (1, 2, 5, 10, 20, 50)):
        first = math.ceil(low / step - 1e-9)
        last = math.floor(high / step + 1e-9)
        if 2 <= last - first + 1 <= most:
            return step, [k * step for k in range(first, last + 1)]
    return None


def _ticks_in_view(mantissas: Iterable[int], low: float, high: float) -> int:
    """How many ticks ``m × 10^k`` (``m`` in ``mantissas``) lie in ``[low, high]`` (log10)."""
    count = 0
    for exponent in range(math.floor(low), math.ceil(high) + 1):
        count += sum(1 for m in mantissas if low <= exponent + math.log10(m) <= high)
    return count


class WholeNumberAxis(TidyAxis):
    """An axis of counts (epochs, steps): ticks on whole numbers only.

    pyqtgraph would tick a short run's epoch axis at 0.2, 0.4, …; an epoch or a step has no
    fractions worth a label, so tick levels finer than 1 are dropped.
    """

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        levels = super().tickSpacing(minVal, maxVal, size)
        whole = [(spacing, offset) for spacing, offset in levels if spacing >= 1.0]
        return whole or [(1.0, 0.0)]


def make_plot(
    title: str,
    x_label: str | tuple[str, ...],
    y_label: str | tuple[str, ...],
    *,
    grid: bool = True,
    counts_x: bool = False,
) -> pg.PlotItem:
    """A plot with a title, labelled axes and (with ``grid``) light horizontal grid lines.

    An axis label given as a tuple holds wordings from the longest to the shortest: the axis
    shows the longest that fits (see :meth:`TidyAxis.set_label_wordings`). With ``counts_x``
    the x axis counts epochs or steps and is ticked on whole numbers only.
    """
    axes: dict[str, pg.AxisItem] = {
        "left": ReadableLogAxis("left"),
        "bottom": WholeNumberAxis("bottom") if counts_x else TidyAxis("bottom"),
        "right": TidyAxis("right"),
    }
    # No context menus: building them is most of a plot's construction time, and the plots
    # hide them anyway.
    plot = pg.PlotItem(enableMenu=False, axisItems=axes)
    plot.hideAxis("right")  # given only for its tidy labels; plots that need it show it
    # The title spans the axes' columns too, not only the view's: a narrow plot's title
    # then wraps onto fewer lines.
    plot.layout.removeItem(plot.titleLabel)
    plot.layout.addItem(plot.titleLabel, 0, 0, 1, 3)
    set_title(plot, title)
    for side, label in (("bottom", x_label), ("left", y_label)):
        axes[side].set_label_wordings(*((label,) if isinstance(label, str) else label))
    plot.setMenuEnabled(False)
    plot.hideButtons()
    # Metrics read as they are: an R² of 0.65 is not "650 (x0.001)".
    for side in ("left", "bottom", "right", "top"):
        plot.getAxis(side).enableAutoSIPrefix(False)
    if grid:
        MajorGrid(plot)
    return plot


#: Colour of the grid lines: light enough to sit behind the data on white.
GRID_COLOR = (229, 231, 235)


class MajorGrid(pg.GraphicsObject):
    """Opaque grid lines at the axes' major ticks, drawn behind the data.

    pyqtgraph's own grid draws every tick level as translucent lines over the data, and
    blending them costs more than the rest of a live plot's repaint (about 10 ms of a
    13 ms repaint of the data preview); a few opaque lines behind the data look the same
    and cost little.

    Parameters
    ----------
    plot : pg.PlotItem
        The plot to draw the grid in (added to its view box, ignored by auto-ranging).
    vertical : bool
        Also draw vertical lines at the bottom axis's major ticks (horizontal lines at the
        left axis's are always drawn).
    """

    def __init__(self, plot: pg.PlotItem, *, vertical: bool = False) -> None:
        super().__init__()
        self._view = plot.vb
        self._axis = plot.getAxis("left")
        self._bottom = plot.getAxis("bottom") if vertical else None
        self._pen = pg.mkPen(GRID_COLOR, width=1)
        #: The lines drawn and the view rectangle and size they were made for.
        self._lines: list[QtCore.QLineF] = []
        self._lines_for: tuple | None = None
        self.setZValue(-1000)
        plot.addItem(self, ignoreBounds=True)
        self._view.sigRangeChanged.connect(self._view_changed)
        self._view.sigResized.connect(self._view_changed)

    def _view_changed(self, *_args: object) -> None:
        self.prepareGeometryChange()
        self.update()

    def boundingRect(self) -> QtCore.QRectF:
        return self._view.viewRect()

    def values(self) -> list[float]:
        """Where the horizontal lines are: the left axis's major tick values."""
        (_x0, _x1), (y0, y1) = self._view.viewRange()
        return _major_ticks(self._axis, y0, y1, self._view.height())

    def vertical_values(self) -> list[float]:
        """Where the vertical lines are (none unless made with ``vertical``)."""
        if self._bottom is None:
            return []
        (x0, x1), _ = self._view.viewRange()
        return _major_ticks(self._bottom, x0, x1, self._view.width())

    def paint(self, painter: QtGui.QPainter, *_args: object) -> None:
        rect = self._view.viewRect()
        # Ticks are worked out again only when the view moved or resized, not every paint.
        manual = getattr(self._axis, "_tickLevels", None)
        key = (
            rect.left(),
            rect.top(),
            rect.width(),
            rect.height(),
            self._view.height(),
            self._view.width(),
            id(manual),
            id(getattr(self._bottom, "_tickLevels", None)),
        )
        if key != self._lines_for:
            self._lines_for = key
            self._lines = [QtCore.QLineF(rect.left(), y, rect.right(), y) for y in self.values()]
            self._lines += [
                QtCore.QLineF(x, rect.top(), x, rect.bottom()) for x in self.vertical_values()
            ]
        lines = self._lines
        if not lines:
            return
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, False)
        painter.setPen(self._pen)
        painter.drawLines(lines)


def _major_ticks(axis: pg.AxisItem, low: float, high: float, length: float) -> list[float]:
    """An axis's major tick values between ``low`` and ``high`` over ``length`` pixels."""
    if length <= 0 or not high > low:
        return []
    manual = getattr(axis, "_tickLevels", None)
    if manual:
        return [float(value) for value, _text in manual[0]]
    levels = axis.tickValues(low, high, length)
    return [float(v) for v in levels[0][1]] if levels else []


#: Colour of the note an empty plot shows (see :class:`EmptyPlotNote`).
NOTE_COLOR = (110, 110, 110)


class EmptyPlotNote:
    """A grey note across the middle of an empty plot, saying what will appear there.

    Without data pyqtgraph still numbers a plot's axes, for a range of its own choosing (a
    log axis from 1 to 10 labelled 2 to 9): numbers that mean nothing. While the note shows,
    the axes keep their lines and names but lose their numbers, and the grid is hidden.

    Parameters
    ----------
    plot : pg.PlotItem
        The plot (made by :func:`make_plot`).
    text : str
        What the plot will show, and when.
    """

    def __init__(self, plot: pg.PlotItem, text: str) -> None:
        self.plot = plot
        # A child of the view box itself, not of its data: placed in pixels, never moved or
        # counted by the view's range.
        self.item = QtWidgets.QGraphicsTextItem(plot.vb)
        self.item.setDefaultTextColor(QtGui.QColor(*NOTE_COLOR))
        option = QtGui.QTextOption(QtCore.Qt.AlignmentFlag.AlignHCenter)
        option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
        self.item.document().setDefaultTextOption(option)
        self.item.setPlainText(text)
        self.item.setZValue(1000)
        self.item.hide()
        self.shown = False
        self._tick_pens = {side: plot.getAxis(side)._tickPen for side in ("left", "bottom")}
        plot.vb.sigResized.connect(self._place)

    @property
    def text(self) -> str:
        """The note's text."""
        return self.item.toPlainText()

    def set_shown(self, shown: bool) -> None:
        """Show the note (the plot is empty) or hide it (the plot has data)."""
        if shown == self.shown:
            return
        self.shown = shown
        self.item.setVisible(shown)
        for side, tick_pen in self._tick_pens.items():
            # No numbers and no tick marks: an axis line and its name only.
            axis = self.plot.getAxis(side)
            axis.setStyle(showValues=not shown)
            axis._tickPen = pg.mkPen(None) if shown else tick_pen  # None: the axis's own pen
            axis.picture = None
            axis.update()
        # The grid is added ignoring bounds, so the view box does not list it: look in its
        # scene graph.
        for item in self.plot.vb.childGroup.childItems():
            if isinstance(item, MajorGrid):
                item.setVisible(not shown)
        if shown:
            self._place()

    def _place(self, *_args: object) -> None:
        if not self.shown:
            return
        rect = self.plot.vb.rect()
        self.item.setTextWidth(max(rect.width() - 24.0, 80.0))
        size = self.item.boundingRect()
        self.item.setPos(
            rect.center().x() - size.width() / 2, rect.center().y() - size.height() / 2
        )


def round_up(value: float) -> float:
    """``value`` rounded up to a multiple of a round step about a tenth of it (0 stays 0).

    Successive results grow by 5 to 12 %, so an axis that ends there changes rarely while
    the data still fills most of it.
    """
    if not math.isfinite(value) or value <= 0:
        return 0.0
    step = nice_ceiling(value / 10.0)
    return math.ceil(value / step * (1 - 1e-12)) * step


class GrowingXRange:
    """The x axis of a live history plot: from the first x to a round number past the last.

    pyqtgraph's auto-range would move the axis with every new point, and redrawing its ticks
    is most of a live plot's repaint; this range only grows in steps (see :func:`round_up`).
    Once the user zooms or pans, the axis stays where they put it until :meth:`reset`.

    Parameters
    ----------
    plot : pg.PlotItem
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self.plot = plot
        self.following = True
        self._shown: tuple[float, float] | None = None
        plot.enableAutoRange(x=False)
        plot.vb.sigRangeChangedManually.connect(self._moved_by_user)

    def reset(self) -> None:
        """Follow the data again (a new run or project)."""
        self.following = True
        self._shown = None

    def follow(self, low: float, high: float) -> None:
        """Show at least ``[low, high]`` (while following the data)."""
        if not self.following or not (math.isfinite(low) and math.isfinite(high)):
            return
        extent = (float(low), max(round_up(high - low) + low, low + 1.0))
        if extent != self._shown:
            self._shown = extent
            self.plot.setXRange(*extent, padding=0.02)

    def _moved_by_user(self, *_args: object) -> None:
        self.following = False


def steady_extent(
    shown: tuple[float, float] | None, low: float, high: float, parts: int = 10
) -> tuple[float, float]:
    """The extent to show data from ``low`` to ``high`` on, moving only in round steps.

    ``shown`` (the extent shown now) while it holds the data and is at most twice as wide
    as they are; otherwise the data widened to multiples of a round step of about
    ``1/parts`` of their span.
    """
    if shown is not None and shown[0] <= low and high <= shown[1]:
        if high - low >= 0.5 * (shown[1] - shown[0]):
            return shown
    span = high - low if high > low else max(abs(high), 1e-3)
    step = nice_ceiling(span / parts)
    extent = (math.floor(low / step) * step, math.ceil(high / step) * step)
    if extent[1] <= extent[0]:
        extent = (extent[0], extent[0] + step)
    return extent


class SteadyYRange:
    """The y axis of a live plot: fits the data, but moves only in round steps.

    pyqtgraph's auto-range moves the axis whenever a new value is a new extreme, and redrawing
    the axis is the costliest part of a live plot's repaint. This range ends on multiples of a
    round step about a tenth of the data's span, so it changes only when the data leave it or
    shrink to less than half of it. Once the user zooms or pans, the axis stays where they put
    it until :meth:`reset`.

    Parameters
    ----------
    view : pg.ViewBox
        The view whose y range this sets (its y auto-range is switched off).
    min_relative_span : float
        The least span shown, as a fraction of the data's largest magnitude (a factor of
        ``1 + min_relative_span`` on a log axis): a nearly flat loss (0.69315 to 0.69332)
        then stays flat instead of filling the plot with its noise. 0 fits any span.
    """

    def __init__(self, view: pg.ViewBox, *, min_relative_span: float = 0.0) -> None:
        self.view = view
        self.min_relative_span = float(min_relative_span)
        self.following = True
        self._shown: tuple[float, float] | None = None
        view.enableAutoRange(y=False)
        view.sigRangeChangedManually.connect(self._moved_by_user)

    def reset(self) -> None:
        """Follow the data again and fit them afresh (a new run, another scale)."""
        self.following = True
        self._shown = None

    def fit(self, values: Sequence[np.ndarray], *, log: bool = False) -> None:
        """Show every finite value of ``values`` (arrays of any length; log10 units if ``log``)."""
        if not self.following:
            return
        lows, highs = [], []
        for array in values:
            data = np.asarray(array, dtype=np.float64)
            if log:
                with np.errstate(divide="ignore", invalid="ignore"):
                    data = np.log10(data)
            data = data[np.isfinite(data)]
            if data.size:
                lows.append(float(data.min()))
                highs.append(float(data.max()))
        if not lows:
            return
        low, high = min(lows), max(highs)
        nonnegative = low >= 0.0
        if self.min_relative_span > 0.0:
            # Widen a nearly flat series around its middle: its noise is not a trend.
            least = (
                math.log10(1.0 + self.min_relative_span)
                if log
                else self.min_relative_span * max(abs(low), abs(high))
            )
            if high - low < least:
                middle = 0.5 * (low + high)
                low, high = middle - 0.5 * least, middle + 0.5 * least
        shown = self._shown
        extent = steady_extent(shown, low, high)
        if not log and nonnegative:
            extent = (max(extent[0], 0.0), extent[1])
        if extent != shown:
            self._shown = extent
            self.view.setYRange(*extent, padding=0.02)

    def _moved_by_user(self, *_args: object) -> None:
        self.following = False


def draw_as_segments(item: pg.PlotDataItem) -> None:
    """Draw a thick, opaque curve as separate line segments rather than one path.

    Qt fills a thick antialiased path as one polygon whose outline crosses itself at every
    wiggle, which costs tens of milliseconds for a noisy curve; separate segments cost a
    fraction of that and look the same in an opaque colour.
    """
    curve = getattr(item, "curve", item)
    line = curve.opts["pen"]
    if line is not None and line.widthF() > 1.0 and line.color().alpha() == 255:
        curve.setSegmentedLineMode("on")


def envelope(x: np.ndarray, y: np.ndarray, buckets: int) -> tuple[np.ndarray, np.ndarray]:
    """Thin a long series to its minimum and maximum in each of ``buckets`` runs of points.

    Drawn as a line, the result covers the same pixels as the full series (every spike
    stays visible) with fewer than ``4 * buckets`` points, the last few unchanged.
    NaN points are ignored unless a whole run is NaN (which then breaks the line).

    Parameters
    ----------
    x : ndarray, shape (N,)
        Non-decreasing positions.
    y : ndarray, shape (N,)
        Values.
    buckets : int
        Number of runs (about the plot's width in pixels).

    Returns
    -------
    x, y : ndarray, shape (M,)
        ``M < 4 * buckets`` (the series itself when ``N <= 2 * buckets``).
    """
    count = int(x.shape[0])
    buckets = max(int(buckets), 1)
    if count <= 2 * buckets:
        return x, y
    run = count // buckets
    buckets = count // run  # fewer than ``run`` points are left over
    used = run * buckets
    values = np.asarray(y[:used], dtype=np.float64).reshape(buckets, run)
    with np.errstate(invalid="ignore"):
        low = np.fmin.reduce(values, axis=1)
        high = np.fmax.reduce(values, axis=1)
    starts = np.asarray(x[:used:run], dtype=np.float64)
    ends = np.asarray(x[run - 1 : used : run], dtype=np.float64)
    # Each run becomes a stroke between its low and its high, at most a pixel wide. Every
    # other run is drawn downwards, so a run joins the next at the same end (high to high,
    # low to low) instead of crossing the whole band: half the ink, the same pixels.
    xs = np.empty(2 * buckets)
    ys = np.empty(2 * buckets)
    xs[0::2], xs[1::2] = starts, ends
    ys[0::2], ys[1::2] = low, high
    ys[2::4], ys[3::4] = high[1::2], low[1::2]
    tail_x = np.asarray(x[used:], dtype=np.float64)
    tail_y = np.asarray(y[used:], dtype=np.float64)
    return np.concatenate([xs, tail_x]), np.concatenate([ys, tail_y])


class LiveCurve:
    """A curve fed with a growing history and drawn with about one point per pixel.

    Long histories (up to hundreds of thousands of mini-batch steps) are thinned with
    :func:`envelope` to the plot's width before they reach pyqtgraph, so a frame costs the
    same at step 100 and at step 200,000. While the user has zoomed in (the x axis is not
    auto-ranging) only the visible part is thinned, so zooming reveals every point.

    Parameters
    ----------
    plot : pg.PlotItem
        The plot the curve lives in.
    item : pg.PlotDataItem
        The curve item (already added to ``plot`` or to a view box linked to it in x).
    points_per_pixel : float
        Display points per horizontal pixel (two suit thin, jagged lines; one suits smooth
        thick ones).
    """

    def __init__(
        self, plot: pg.PlotItem, item: pg.PlotDataItem, points_per_pixel: float = 2.0
    ) -> None:
        self.plot = plot
        self.item = item
        self.points_per_pixel = points_per_pixel
        self.x = np.zeros(0)
        self.y = np.zeros(0)
        self.floor: float | None = None
        #: The thinned values handed to the item, shape (M,).
        self.shown_y = np.zeros(0)
        self._signature: tuple = ()
        self._clipped = False
        self._lone = False
        draw_as_segments(item)
        plot.vb.sigXRangeChanged.connect(self._range_changed)
        plot.vb.sigResized.connect(self._resized)
        plot.vb.sigStateChanged.connect(self._state_changed)

    def set_data(self, x: np.ndarray, y: np.ndarray, *, floor: float | None = None) -> None:
        """Show the series ``(x, y)``, both shape (N,), ``x`` non-decreasing.

        ``floor`` raises shown values below it (e.g. zeros on a logarithmic axis); it is
        applied after thinning, so it costs nothing on long series.
        """
        x, y = np.asarray(x), np.asarray(y)
        # Histories only grow (or are thinned, which shortens them): the same length and the
        # same ends mean the same series, e.g. per-epoch curves between two epochs' ends.
        count = x.shape[0]
        signature = (count, floor) + (
            (float(x[0]), float(x[-1]), float(y[-1]), float(y[count // 2])) if count else ()
        )
        if signature == self._signature and count:
            return
        self._signature = signature
        self.x, self.y = x, y
        self.floor = floor
        self.refresh()

    def clear(self) -> None:
        """Show nothing."""
        self.set_data(np.zeros(0), np.zeros(0))

    def refresh(self) -> None:
        """Thin the stored series for the current view and hand it to the item."""
        x, y = self.x, self.y
        if x.shape[0] == 0:
            self.shown_y = y
            self._mark_lone_point(False)
            self.item.setData([], [])
            return
        view = self.plot.vb
        self._clipped = not view.autoRangeEnabled()[0]
        if self._clipped:
            low, high = view.viewRange()[0]
            first = max(int(np.searchsorted(x, low)) - 1, 0)
            last = min(int(np.searchsorted(x, high, side="right")) + 1, x.shape[0])
            x, y = x[first:last], y[first:last]
        buckets = max(round(view.width() * self.points_per_pixel / 2), 50)
        xs, ys = envelope(x, y, buckets)
        if self.floor is not None:
            ys = np.maximum(ys, self.floor)
        self.shown_y = ys
        self._mark_lone_point(xs.shape[0] == 1 and bool(np.isfinite(ys[0])))
        self.item.setData(xs, ys)

    def _mark_lone_point(self, lone: bool) -> None:
        """A single point (the untrained network's epoch 0) is no line: show it as a dot."""
        if lone == self._lone:
            return
        self._lone = lone
        if lone:
            color = pg.mkPen(self.item.opts["pen"]).color()
            self.item.setSymbol("o")
            self.item.setSymbolSize(7)
            self.item.setSymbolBrush(color)
            self.item.setSymbolPen(None)
        else:
            self.item.setSymbol(None)

    def _range_changed(self, *_args: object) -> None:
        # Auto-ranging follows the data, which is already thinned as a whole.
        if self.x.shape[0] and not self.plot.vb.autoRangeEnabled()[0]:
            self.refresh()

    def _state_changed(self, *_args: object) -> None:
        # Auto-ranging switched back on: it must see the whole series, not the part that
        # was in view.
        if self._clipped and self.plot.vb.autoRangeEnabled()[0]:
            self.refresh()

    def _resized(self, *_args: object) -> None:
        if self.x.shape[0]:
            self.refresh()


def image_mosaic(
    images: np.ndarray,
    shape: tuple[int, int],
    rows: int,
    columns: int,
    row_gap: int = 1,
    column_gap: int = 1,
) -> np.ndarray:
    """Tile flattened images into one picture: ``row_gap`` empty rows above each row of
    tiles, ``column_gap`` empty columns between tiles.

    Parameters
    ----------
    images : ndarray, shape (n, height * width)
        At most ``rows * columns`` images, row-major pixels.
    shape : tuple of int
        ``(height, width)`` of one image.
    row_gap : int
        Empty pixel rows above each row of tiles (room for captions).
    column_gap : int
        Empty pixel columns between neighbouring tiles.

    Returns
    -------
    ndarray, shape (rows * (height + row_gap), columns * (width + column_gap) - column_gap)
        Gaps and unused tiles are NaN (drawn transparent).
    """
    height, width = shape
    pitch = width + column_gap
    mosaic = np.full((rows * (height + row_gap), columns * pitch - column_gap), np.nan)
    count = min(images.shape[0], rows * columns)
    tiles = images[:count].reshape(count, height, width)
    # One vectorised scatter: row/column offsets of each tile's top-left corner.
    tile_row, tile_column = np.divmod(np.arange(count), columns)
    r = tile_row[:, None, None] * (height + row_gap) + row_gap + np.arange(height)[None, :, None]
    c = tile_column[:, None, None] * pitch + np.arange(width)[None, None, :]
    mosaic[r, c] = tiles
    return mosaic


#: Suffixes of :func:`compact_large_ticks`, largest first.
_SUFFIXES = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def _compact_tick_strings(
    default: Callable[[list[float], float, float], list[str]],
    values: list[float],
    scale: float,
    spacing: float,
) -> list[str]:
    """Tick labels of at most about five characters: ``600k``, ``1.5M``; ``default`` below
    10,000 (pyqtgraph's own labels, ``0.25``, ``-3``).

    Parameters
    ----------
    default : callable
        The axis's own ``tickStrings``.
    values : list of float
        Tick positions.
    scale, spacing : float
        As pyqtgraph passes them.
    """
    largest = max((abs(v * scale) for v in values), default=0.0)
    if largest < 1e4:
        return default(values, scale, spacing)
    factor, suffix = next((f, s) for f, s in _SUFFIXES if largest >= f)
    return [f"{v * scale / factor:g}{suffix}" if v else "0" for v in values]


def compact_large_ticks(axis: pg.AxisItem) -> None:
    """Make ``axis`` write values from 10,000 up in a few characters (``600k``, ``1.5M``).

    Fixed-width axes (colour bars, narrow side axes) have room for about five characters;
    pyqtgraph drops a label that does not fit, leaving prices in dollars unlabelled.
    """
    axis.tickStrings = functools.partial(_compact_tick_strings, axis.tickStrings)


#: The row of a pyqtgraph plot's layout that holds its bottom axis.
_BOTTOM_AXIS_ROW = 3


def make_heatmap(
    title: str, x_label: str | tuple[str, ...], y_label: str | tuple[str, ...], value_label: str
) -> tuple[pg.PlotItem, pg.ImageItem, pg.ColorBarItem]:
    """A plot holding one image on the shared diverging scale, with a colour bar beside it.

    Row 0 is drawn at the top (like a matrix); the caller sets symmetric levels per frame.
    """
    plot = make_plot(title, x_label, y_label, grid=False)
    plot.invertY(True)
    image = pg.ImageItem()
    image.setColorMap(diverging_colormap())
    plot.addItem(image)
    color_bar = pg.ColorBarItem(
        values=(-1.0, 1.0),
        colorMap=diverging_colormap(),
        interactive=False,
        width=14,
        label=value_label,
        colorMapMenu=False,
    )
    compact_large_ticks(color_bar.axis)
    color_bar.setImageItem(image, insert_in=plot)
    # The bar's end labels reach half a line past its ends; the bottom axis's row (the bar
    # sits in the view's row) keeps room for the lower one when a caller hides that axis.
    metrics = QtGui.QFontMetricsF(color_bar.axis.style["tickFont"] or QtGui.QFont())
    plot.layout.setRowMinimumHeight(_BOTTOM_AXIS_ROW, math.ceil(metrics.height() / 2) + 2)
    return plot, image, color_bar


#: Font sizes a plot title may take relative to the application font, largest first: a
#: title that would need more than :data:`TITLE_MAX_LINES` lines at one size takes the next
#: (a short dock has no room for more, and the first line would be cut off).
TITLE_SCALES = (1.0, 0.9, 0.8)
TITLE_MAX_LINES = 2
#: A plot lower than this many lines of the font is a low plot: it shows a one-line title
#: and no x axis name, since a title of two lines, the ticks and the name would leave its
#: data too little height.
LOW_PLOT_LINES = 9
#: Pixels a one-line title keeps free at either end (the title's margins, a little air).
TITLE_SIDE_ROOM = 8
#: The height pyqtgraph gives a plot's title row, kept for titles of one or two lines.
_TITLE_ROW_HEIGHT = 30
_DIGITS = re.compile(r"\d")


def title_point_sizes() -> tuple[float, ...]:
    """Point sizes a plot title may take, largest first (:data:`TITLE_SCALES` of the
    application font's size, so titles keep their proportion to the tick labels)."""
    base = QtGui.QFont().pointSizeF()
    if base <= 0:
        base = 10.0  # a font sized in pixels
    return tuple(round(base * scale, 1) for scale in TITLE_SCALES)


def set_title(
    plot: pg.PlotItem,
    html: str,
    compact: str | Sequence[str] | None = None,
    *,
    lines: int = TITLE_MAX_LINES,
) -> None:
    """Set a plot's title; a title longer than the plot is wide wraps onto more lines.

    pyqtgraph makes a title's full length the plot's minimum width, which pushes
    neighbouring plots out of a narrow dock; wrapping keeps every plot inside it. A title
    that would wrap onto more than ``lines`` lines (:data:`TITLE_MAX_LINES` unless told)
    is set smaller (down to the last of :func:`title_point_sizes`), and when it does not
    fit even then, ``compact`` (a shorter wording, or several from the longest to the
    shortest) is shown instead: the first that fits, else the last.

    With ``lines=1`` (a low plot's title) the title never wraps: the last wording, where
    not even it fits, is cut at the plot's edge rather than taking a second line of the
    plot's height.
    """
    label = plot.titleLabel
    wordings = (html,) + ((compact,) if isinstance(compact, str) else tuple(compact or ()))
    if (
        getattr(label, "_nnstudio_titles", None) == wordings
        and getattr(label, "_nnstudio_lines", TITLE_MAX_LINES) == lines
    ):
        return  # unchanged: setting it again would lay the plot out again
    label._nnstudio_titles = wordings
    label._nnstudio_lines = lines
    first = not getattr(label, "_nnstudio_wraps", False)
    if first:
        _wrap_label(label)
    option = label.item.document().defaultTextOption()
    wrap = QtGui.QTextOption.WrapMode.NoWrap if lines == 1 else QtGui.QTextOption.WrapMode.WordWrap
    if option.wrapMode() != wrap:
        option.setWrapMode(wrap)
        label.item.document().setDefaultTextOption(option)
    shown, points = _fitted_title(label)
    size = f"{points:g}pt"
    if first:
        plot.setTitle(shown, size=size)
    else:
        # Not setTitle again: it would pin the title row back to 30 pixels first, and the
        # plot would be laid out twice for every new title.
        label.setText(shown, size=size)


def _fitted_title(label: Any) -> tuple[str, float]:
    """The wording to show at the label's width (the first of the title's wordings that
    fits, else the last) and its point size."""
    wordings = label._nnstudio_titles
    for html in wordings[:-1]:
        points, fits = _title_points(label, html)
        if fits:
            return html, points
    return wordings[-1], _title_points(label, wordings[-1])[0]


def _title_points(label: Any, html: str) -> tuple[float, bool]:
    """The largest of :func:`title_point_sizes` at which ``html`` fits the label's width in
    the title's lines (see :func:`set_title`), and whether it fits (the smallest size when
    none does)."""
    width = label.rect().width()
    sizes = title_point_sizes()
    if width <= 40:
        return sizes[0], True  # not laid out yet
    lines = getattr(label, "_nnstudio_lines", TITLE_MAX_LINES)
    # Live titles change their numbers several times a second; digits are equally wide, so
    # a title that differs only in its digits takes the size found for the last one.
    shape = (width, sizes, lines, _DIGITS.sub("0", html))
    fitted = getattr(label, "_nnstudio_fitted", {})
    if shape not in fitted:
        if len(fitted) > 8:
            fitted.clear()
        fitted[shape] = _fitting_points(label, html, width, sizes, lines)
        label._nnstudio_fitted = fitted
    return fitted[shape]


def _fitting_points(
    label: Any, html: str, width: float, sizes: tuple[float, ...], lines: int = TITLE_MAX_LINES
) -> tuple[float, bool]:
    """Lay ``html`` out at ``width`` in each of ``sizes`` (points) until it fits in
    ``lines`` lines."""
    if lines == 1:
        # Air at both ends: one-line titles of plots side by side ran into each other.
        width -= 2 * TITLE_SIDE_ROOM
    document = QtGui.QTextDocument()
    document.setDefaultFont(label.item.font())
    document.setDefaultTextOption(label.item.document().defaultTextOption())
    document.setTextWidth(width)
    for points in sizes:
        document.setHtml(f"<span style='font-size: {points:g}pt'>{html}</span>")
        font = QtGui.QFont(label.item.font())
        font.setPointSizeF(points)
        line = QtGui.QFontMetricsF(font).lineSpacing()
        room = lines * line + 2 * document.documentMargin() + line / 2
        # A run of text without a place to break (non-breaking spaces) is wider than the
        # width it was wrapped to: it does not fit either.
        wide = document.idealWidth() > width + 0.5
        if document.size().height() <= room and not wide:
            return points, True
    return sizes[-1], False


def _wrap_label(label: Any) -> None:
    """Make a pyqtgraph ``LabelItem`` wrap its text to its width (centred lines)."""
    item = label.item
    option = QtGui.QTextOption(QtCore.Qt.AlignmentFlag.AlignHCenter)
    option.setWrapMode(QtGui.QTextOption.WrapMode.WordWrap)
    item.document().setDefaultTextOption(option)

    def update_min() -> None:
        width = label.rect().width()
        wanted = width if width > 40 else -1
        if item.textWidth() != wanted:
            item.setTextWidth(wanted)
            if getattr(label, "_nnstudio_titles", None) is not None:
                shown, points = _fitted_title(label)
                size = f"{points:g}pt"
                if label.opts.get("size") != size or label.text != shown:
                    # A new width may want another size or wording: set the text again
                    # (this comes back here once, with the width settled).
                    label.setText(shown, size=size)
                    return
            # The label centred the text for its old width: centre it again (this comes back
            # here once, with the width settled).
            type(label).resizeEvent(label, None)
            return
        height = label.itemRect().height()
        label.setMinimumWidth(0)
        label.setMinimumHeight(height)
        # pyqtgraph fixes the title row at 30 pixels, and a taller title would be cut off at
        # the top: the row takes the title's height instead.
        plot = label.parentItem()
        row = max(_TITLE_ROW_HEIGHT, math.ceil(height))
        if isinstance(plot, pg.PlotItem) and label.maximumHeight() != row:
            label.setMaximumHeight(row)
            plot.layout.setRowFixedHeight(0, row)
        label._sizeHint = {
            QtCore.Qt.SizeHint.MinimumSize: (0, height),
            QtCore.Qt.SizeHint.PreferredSize: (0, height),
            QtCore.Qt.SizeHint.MaximumSize: (-1, -1),
            QtCore.Qt.SizeHint.MinimumDescent: (0, 0),
        }
        label.updateGeometry()

    # The instance attribute takes the place of LabelItem.updateMin, which pins the minimum
    # width to the unwrapped text (it runs after every text change and resize).
    label.updateMin = update_min
    label._nnstudio_wraps = True


def pen(color: tuple[int, int, int], width: float = 2.0, style: Any = None) -> QtGui.QPen:
    """A cosmetic pen."""
    result = pg.mkPen(color=color, width=width)
    if style is not None:
        result.setStyle(style)
    return result


class ItemListLayout(QtWidgets.QLayout):
    """A layout keeping its items in a list: what every hand-written layout needs of
    ``QLayout`` besides placing them (``setGeometry``, ``sizeHint`` and so on)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._items: list[QtWidgets.QLayoutItem] = []

    def addItem(self, item: QtWidgets.QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QtWidgets.QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QtWidgets.QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None


class FlowRow(ItemListLayout):
    """A row of controls that wraps onto more lines when it is narrower than they are.

    A plain row is as wide as all its controls together: at a large font the Loss tab's
    four controls kept the plots dock, and so the window, wider than a 1280-pixel screen.
    Items keep their size hints and are laid out left to right, a new line where the next
    one would not fit.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None, spacing: int = 5) -> None:
        super().__init__(parent)
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def expandingDirections(self) -> QtCore.Qt.Orientation:
        return QtCore.Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QtCore.QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QtCore.QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def _shown(self) -> list[QtWidgets.QLayoutItem]:
        # A group whose controls are all hidden (an empty size) takes no place either.
        return [
            item for item in self._items if not item.isEmpty() and not item.sizeHint().isEmpty()
        ]

    def sizeHint(self) -> QtCore.QSize:
        # All on one line.
        shown = [item.sizeHint() for item in self._shown()]
        width = sum(size.width() for size in shown) + self.spacing() * max(len(shown) - 1, 0)
        height = max((size.height() for size in shown), default=0)
        left, top, right, bottom = self.getContentsMargins()
        return QtCore.QSize(width + left + right, height + top + bottom)

    def minimumSize(self) -> QtCore.QSize:
        # As narrow as the widest control, one per line.
        size = QtCore.QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        left, top, right, bottom = self.getContentsMargins()
        return size + QtCore.QSize(left + right, top + bottom)

    def _arrange(self, rect: QtCore.QRect, *, move: bool) -> int:
        """Place the items in ``rect`` (when ``move``); return the height they take."""
        left, top, right, bottom = self.getContentsMargins()
        area = rect.adjusted(left, top, -right, -bottom)
        lines: list[list[tuple[QtWidgets.QLayoutItem, QtCore.QSize]]] = [[]]
        x = area.x()
        for item in self._shown():
            size = item.sizeHint()
            if lines[-1] and x + size.width() > area.right() + 1:
                lines.append([])
                x = area.x()
            lines[-1].append((item, size))
            x += size.width() + self.spacing()
        y = area.y()
        for line in lines:
            height = max((size.height() for _item, size in line), default=0)
            x = area.x()
            for item, size in line:
                if move:
                    # Centred on their line, as in a plain row of controls.
                    offset = (height - size.height()) // 2
                    item.setGeometry(QtCore.QRect(QtCore.QPoint(x, y + offset), size))
                x += size.width() + self.spacing()
            y += height + self.spacing()
        return y - self.spacing() - rect.y() + bottom


def fold_button(tip: str, menu: QtWidgets.QMenu) -> QtWidgets.QToolButton:
    """A "Show" button opening ``menu``: the choices a tab's row has no room for.

    Hidden until :func:`fold_controls` folds a choice into it. A tool button that takes the
    focus with Tab and opens its menu with Space, so the folded choices stay in reach of the
    keyboard.

    Parameters
    ----------
    tip : str
        The button's tooltip: what the choices in its menu change.
    menu : QtWidgets.QMenu
        The menu of the folded choices (see :func:`menu_toggle`).
    """
    button = QtWidgets.QToolButton()
    button.setText("Show")
    button.setToolTip(tip)
    button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
    button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setMenu(menu)
    button.hide()
    return button


def menu_toggle(menu: QtWidgets.QMenu, box: QtWidgets.QCheckBox, text: str) -> QtGui.QAction:
    """Add to ``menu`` a checkable entry that is the same choice as the check box ``box``.

    Each follows the other both ways, so the choice reads and acts the same in the row and
    in the menu; the entry has the box's tooltip (as it is now: a box whose tooltip changes
    passes the change on itself).

    Parameters
    ----------
    menu : QtWidgets.QMenu
        The menu of a :func:`fold_button`.
    box : QtWidgets.QCheckBox
        The check box in the tab's row.
    text : str
        The entry's text (it may say more than the box's short label).
    """
    action = menu.addAction(text)
    action.setCheckable(True)
    action.setChecked(box.isChecked())
    action.setToolTip(box.toolTip())
    action.toggled.connect(box.setChecked)
    box.toggled.connect(action.setChecked)
    return action


def fold_controls(
    row: QtWidgets.QWidget,
    levels: Sequence[tuple[QtWidgets.QWidget, ...]],
    button: QtWidgets.QToolButton,
    offers: Callable[[QtWidgets.QWidget], bool] | None = None,
) -> tuple[QtWidgets.QWidget, ...]:
    """Keep a tab's row of controls on one line by folding some into the menu of ``button``.

    A row that wraps onto a second line (a narrow dock, a large font) takes a line of the
    plots' height, which a small dock cannot spare. The first of ``levels`` whose controls
    left in the row fit on one line at the row's width is folded: its controls are hidden
    (their menu entries then stand for them), and ``button`` is shown while any control it
    holds is offered. Where no level fits, the last.

    Parameters
    ----------
    row : QtWidgets.QWidget
        The row of :meth:`PlotTab.add_wrapping_controls`, laid out at its width already.
    levels : sequence of tuple of QtWidgets.QWidget
        The controls to fold, level by level, the first level folding the fewest (usually
        none) and each level the ones before it and more; the last lists every control that
        can fold. Controls of the row in no level always stay in it (when shown at all).
    button : QtWidgets.QToolButton
        The :func:`fold_button` in the row.
    offers : callable, optional
        Whether the tab offers a control now (it has something to show); a control not
        offered is hidden wherever it would be and takes no room. By default all are.

    Returns
    -------
    tuple of QtWidgets.QWidget
        The folded level: the controls whose choices are now in the menu.
    """
    offered = offers if offers is not None else (lambda _control: True)
    folding = levels[-1]
    layout = row.layout()
    spacing = layout.spacing()
    # Controls that never fold, shown with something in them (a group whose controls are
    # all hidden is empty and takes no place, as in FlowRow).
    staying = []
    for index in range(layout.count()):
        widget = layout.itemAt(index).widget()
        if widget is None or widget is button or widget in folding or widget.isHidden():
            continue
        if not widget.sizeHint().isEmpty():
            staying.append(widget)

    def line_width(folded: tuple[QtWidgets.QWidget, ...]) -> int:
        shown = [control for control in folding if control not in folded and offered(control)]
        shown += staying
        if any(offered(control) for control in folded):
            shown.append(button)
        return sum(c.sizeHint().width() for c in shown) + spacing * (len(shown) - 1)

    width = row.width()
    folded = next((level for level in levels if line_width(level) <= width), folding)
    for control in folding:
        wanted = offered(control) and control not in folded
        if control.isHidden() == wanted:
            control.setVisible(wanted)
    in_menu = any(offered(control) for control in folded)
    if button.isHidden() == in_menu:
        button.setVisible(in_menu)
    return folded


class PlotTab(QtWidgets.QWidget):
    """One tab of the plots panel: a row of controls and a canvas of pyqtgraph plots.

    Subclasses create their plot items once in ``__init__`` (and register them with
    :meth:`set_arrangement`), update them in :meth:`show_frame` with ``setData`` / ``setImage``,
    and describe their data in :meth:`csv_table`.
    """

    #: Name shown on the tab and used by ``PlotsPanel.save_png`` / ``save_csv``.
    name = ""

    def add_wrapping_controls(self, *controls: QtWidgets.QWidget) -> None:
        """Add ``controls`` to the tab's row, on more lines where the tab is too narrow.

        A narrow plots dock (a large font) then takes more height rather than widening the
        window past its screen.
        """
        row = QtWidgets.QWidget()
        self._wrapping_rows.append(row)
        flow = FlowRow(row)
        for control in controls:
            flow.addWidget(control)
        policy = row.sizePolicy()
        policy.setHeightForWidth(True)
        row.setSizePolicy(policy)
        self.controls.addWidget(row, 1)

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        #: The least height last told to the layouts around the tab (see
        #: :meth:`minimumSizeHint`).
        self._minimum_height = 0
        #: The rows of :meth:`add_wrapping_controls`.
        self._wrapping_rows: list[QtWidgets.QWidget] = []
        self.controls = QtWidgets.QHBoxLayout()
        self.controls.setContentsMargins(6, 4, 6, 0)
        self.controls.setSpacing(10)
        self.graphics = pg.GraphicsLayoutWidget()
        # Nothing in the plots takes keys: a click must not leave focus where none shows.
        self.graphics.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.graphics.setMinimumSize(280, 150)
        # Room on the right for the last tick label of the rightmost plot.
        self.graphics.ci.setContentsMargins(4, 4, max(4, edge_label_overhang()), 4)
        # One "Save" button with a menu keeps the row of controls short enough for a plots
        # dock under the canvas of a 1024-pixel-wide window.
        self.png_action = QtGui.QAction("Plots as PNG image…", self)
        self.png_action.setToolTip("Save this tab's plots as a PNG image")
        self.png_action.triggered.connect(self._ask_png)
        self.csv_action = QtGui.QAction("Data as CSV file…", self)
        self.csv_action.setToolTip("Save the data shown in this tab as a CSV file")
        self.csv_action.triggered.connect(self._ask_csv)
        save_menu = QtWidgets.QMenu(self)
        save_menu.addAction(self.png_action)
        save_menu.addAction(self.csv_action)
        self.save_button = QtWidgets.QToolButton()
        self.save_button.setText("Save")
        self.save_button.setToolTip("Save this tab's plots as a PNG image or its data as CSV")
        self.save_button.setMenu(save_menu)
        self.save_button.setPopupMode(QtWidgets.QToolButton.ToolButtonPopupMode.InstantPopup)
        self.save_button.setToolButtonStyle(QtCore.Qt.ToolButtonStyle.ToolButtonTextOnly)
        top = QtWidgets.QHBoxLayout()
        top.setContentsMargins(0, 0, 6, 0)
        top.addLayout(self.controls, 1)
        top.addWidget(self.save_button)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.graphics, 1)
        self._narrow: list[tuple[Any, int, int, int, int]] = []
        self._wide: list[tuple[Any, int, int, int, int]] = []
        self._short: list[tuple[Any, int, int, int, int]] = []
        self._small: list[tuple[Any, int, int, int, int]] = []
        # "narrow", "wide", "short" or "small", once arranged
        self._layout_mode: str | None = None
        #: Items the scene keeps (hidden) whenever they are out of the layout.
        self._kept: list[QtWidgets.QGraphicsWidget] = []
        self._project: Project | None = None
        self._dataset: Dataset | None = None
        self._selected_layer: int | None = None
        self._seen: dict[str, object] = {}

    def view_options(self) -> dict[str, QtWidgets.QCheckBox | QtWidgets.QComboBox]:
        """The tab's display choices that the studio keeps from one session to the next.

        Returns
        -------
        dict
            A check box or combo box for each choice, under a key that stays the same across
            versions (its label may change).
        """
        return {}

    # ---- layout ------------------------------------------------------------------------------

    def set_arrangement(
        self,
        narrow: list[tuple[Any, int, int, int, int]],
        wide: list[tuple[Any, int, int, int, int]],
        short: list[tuple[Any, int, int, int, int]] | None = None,
        small: list[tuple[Any, int, int, int, int]] | None = None,
    ) -> None:
        """Where each item goes: ``(item, row, column, row span, column span)`` per layout.

        The narrow arrangement (stacked) is used below :data:`WIDE_LAYOUT` pixels unless the
        tab is much wider than tall. ``short`` (optional: all in one row) replaces the wide
        arrangement when the tab is shorter than :data:`SHORT_LAYOUT` pixels, as in a
        plots dock under the canvas of a 720-pixel-high window, where two plots stacked in
        a column would each be too flat to read. ``small`` (optional: fewer plots in one
        row) replaces ``short`` when the tab is also narrower than :data:`SMALL_LAYOUT`
        pixels; the items it leaves out are kept, hidden, and go on being updated.
        """
        unchanged = (narrow, wide, short or [], small or []) == (
            self._narrow,
            self._wide,
            self._short,
            self._small,
        )
        if unchanged and self._layout_mode is not None:
            return  # laying the same plots out again costs milliseconds on every edit
        self._take_out_placed()
        self._narrow = narrow
        self._wide = wide
        self._short = short or []
        self._small = small or []
        self._layout_mode = None
        self.keep_in_scene(*(item for item, *_ in self._all_placed()))
        self._arrange()

    def _all_placed(self) -> list[tuple[Any, int, int, int, int]]:
        return [*self._narrow, *self._wide, *self._short, *self._small]

    def _take_out_placed(self) -> None:
        """Remove from the layout every item any arrangement places."""
        layout = self.graphics.ci
        for item, *_ in self._all_placed():
            if item in layout.items:
                layout.removeItem(item)

    def _arrangement(self, mode: str) -> list[tuple[Any, int, int, int, int]]:
        arrangements = {
            "narrow": self._narrow,
            "wide": self._wide,
            "short": self._short,
            "small": self._small,
        }
        return arrangements[mode]

    @property
    def layout_mode(self) -> str | None:
        """The arrangement in use: ``"narrow"``, ``"wide"``, ``"short"`` or ``"small"``
        (None before the tab is first arranged)."""
        return self._layout_mode

    def shown_items(self) -> list[Any]:
        """The items the arrangement in use places, in its order."""
        return [item for item, *_ in self._arrangement(self._layout_mode or "narrow")]

    def keep_in_scene(self, *items: QtWidgets.QGraphicsWidget) -> None:
        """Keep ``items`` in the view's scene, hidden, while they are out of the layout.

        Out of every scene an item belongs to its Python wrapper alone, and a pyqtgraph plot
        or colour bar holds widgets (its context menu's controls) that Qt parents to other
        objects. Once the item is part of an unreachable reference cycle, the garbage
        collector may clear those widgets' wrappers while Qt still parents the widgets,
        which makes Python their owner, and then delete them behind Qt's back: a crash when
        a closed window is collected. In the scene, Qt deletes them with the view instead.

        Parameters
        ----------
        items : QtWidgets.QGraphicsWidget
            Items the tab shows only in some arrangements or modes (items passed to
            :meth:`set_arrangement` are kept without asking).
        """
        for item in items:
            if item not in self._kept:
                self._kept.append(item)
        self._park()

    def _park(self) -> None:
        """Put every kept item that has no place in the layout into the scene, hidden."""
        scene = self.graphics.scene()
        for item in self._kept:
            # Items in the layout, or inserted into a plot's own layout, are owned already.
            if item.parentItem() is not None:
                continue
            if item.scene() is None:
                scene.addItem(item)
            item.hide()

    def _arrange(self) -> None:
        # Side by side when wide, or when the panel is much wider than tall (a short dock
        # under the canvas): stacking would squash every plot flat.
        wide = self.width() >= WIDE_LAYOUT or self.width() >= 1.3 * self.height()
        mode = "wide" if wide else "narrow"
        if wide and self._short and self.height() < SHORT_LAYOUT:
            mode = "short"
            if self._small and self.width() < SMALL_LAYOUT:
                mode = "small"
        if mode == self._layout_mode:
            return
        self._layout_mode = mode
        self._take_out_placed()
        layout = self.graphics.ci
        for item, row, column, rows, columns in self._arrangement(mode):
            layout.addItem(item, row=row, col=column, rowspan=rows, colspan=columns)
            # One preferred size for every plot: the grid then shares the room out by the
            # stretch factors alone, not more to the plot whose axis labels are narrower.
            item.setPreferredSize(*PLOT_PREFERRED_SIZE)
            item.show()
        # The grid, emptied above, shrank the central item to its margins, and only a resize
        # of the view would stretch it again: give it the view's area now.
        self.graphics.ci.setGeometry(self.graphics.range)
        self._park()
        self._apply_stretch()
        self.arrangement_changed(mode)

    def arrangement_changed(self, mode: str) -> None:
        """The tab now uses arrangement ``mode`` (subclasses may show or hide controls)."""

    def _apply_stretch(self) -> None:
        """Give rows and columns of the arrangement in use equal shares (subclasses may
        override)."""
        grid = self.graphics.ci.layout
        arrangement = self._arrangement(self._layout_mode or "narrow")
        rows = max((row + span for _, row, _, span, _ in arrangement), default=0)
        columns = max((column + span for _, _, column, _, span in arrangement), default=0)
        for row in range(rows):
            grid.setRowStretchFactor(row, 1)
        for column in range(columns):
            grid.setColumnStretchFactor(column, 1)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()
        self._follow_minimum_height()

    def minimumSizeHint(self) -> QtCore.QSize:
        """The least size, with the height the row of controls takes at the tab's width.

        Qt's minimum size of a layout counts a wrapping row (:meth:`add_wrapping_controls`)
        as one line. At a large font in a narrow dock the row took two, and the layout then
        pushed the plots' bottom, axes and all, below the tab's edge.
        """
        hint = super().minimumSizeHint()
        # Asked of each row's layout at the width the row has: Qt's cached heights of the
        # row lag behind controls just shown or hidden until the next layout pass.
        extra = 0
        for row in self._wrapping_rows:
            if row.isVisibleTo(self) and row.width() > 0:
                flow = row.layout()
                lines = flow.heightForWidth(row.width()) - flow.sizeHint().height()
                extra = max(extra, lines)
        return QtCore.QSize(hint.width(), hint.height() + extra)

    def _follow_minimum_height(self) -> None:
        """Tell the layouts around the tab when its least height changed (the row of
        controls took more or fewer lines), so the dock gives the plots their room."""
        height = self.minimumSizeHint().height()
        if height != self._minimum_height:
            self._minimum_height = height
            self.updateGeometry()

    def event(self, event: QtCore.QEvent) -> bool:
        handled = super().event(event)
        # Controls shown, hidden or reworded change the row's lines without a resize.
        if event.type() == QtCore.QEvent.Type.LayoutRequest:
            self._follow_minimum_height()
        return handled

    # ---- data --------------------------------------------------------------------------------

    def set_context(self, project: Project | None, dataset: Dataset | None) -> None:
        """A new project or data set: forget everything tied to the old one."""
        self._project = project
        self._dataset = dataset
        self.forget()
        self.clear()

    def set_selected_layer(self, network_index: int | None) -> None:
        """The layer the user selected (an index into ``network.layers``)."""
        self._selected_layer = network_index

    def show_frame(self, frame: Frame) -> None:
        """Paint a frame (each tab updates its own items)."""

    def frame_steps(self, frame: Frame) -> list[Callable[[], None]]:
        """The work of showing ``frame`` in steps to run in order, one per event.

        By default one step: :meth:`show_frame`, then :meth:`settle_ranges`. Tabs with several
        plots that all change with every frame split the work about a plot per step, so
        each step and each repaint stays short.
        """

        def show() -> None:
            self.show_frame(frame)
            self.settle_ranges()

        return [show]

    def paint_regions(self) -> list[QtGui.QRegion]:
        """The parts of the view a live frame changes, repainted one per event after it.

        By default the whole view at once; tabs whose plots all change with every frame
        return a region per plot, so each repaint stays short (nothing else in the view
        changes with a frame; if the plots move meanwhile, the whole view is repainted).
        """
        return [QtGui.QRegion(self.graphics.viewport().rect())]

    def plot_regions(self, plots: Sequence[pg.PlotItem]) -> list[QtGui.QRegion]:
        """The view's area of each plot (see :meth:`paint_regions`)."""
        view = self.graphics
        bounds = view.viewport().rect()
        return [
            QtGui.QRegion(
                view.mapFromScene(plot.sceneBoundingRect())
                .boundingRect()
                .adjusted(-1, -1, 1, 1)
                .intersected(bounds)
            )
            for plot in plots
        ]

    def settle_ranges(self) -> None:
        """Auto-range every plot of the tab now, rather than when it paints.

        pyqtgraph fits auto-ranging axes to new data at the start of the next paint, and the
        new range then asks for a second paint of the whole tab; fitting them here makes one
        paint per frame enough.
        """
        # Plots parked out of the layout are fitted once they are shown.
        parked = [item for item in self._kept if item.parentItem() is None]
        for item in self.graphics.scene().items():
            if isinstance(item, pg.ViewBox) and item.topLevelItem() not in parked:
                item.prepareForPaint()

    def changed(self, key: str, value: object) -> bool:
        """Whether ``value`` differs from the one last seen under ``key`` (and remember it).

        Axis ranges, ticks and labels are only set when they change: setting them makes
        pyqtgraph rebuild the axes, which costs more than the new data itself.
        """
        if key in self._seen and self._seen[key] == value:
            return False
        self._seen[key] = value
        return True

    def forget(self) -> None:
        """Forget what :meth:`changed` saw, so everything is set again."""
        self._seen.clear()

    def record(self, frame: Frame) -> None:
        """Keep what must not be missed while the tab is hidden (called for every frame)."""

    def clear(self) -> None:
        """Empty every plot."""

    def csv_table(self) -> tuple[list[str], list[Sequence[Any]]]:
        """The data shown, as a header and rows."""
        return [], []

    def layer_for(self, frame: Frame) -> int:
        """The selected layer clamped to the frame's network (default: the first)."""
        index = self._selected_layer if self._selected_layer is not None else 0
        return int(min(max(index, 0), frame.n_layers - 1))

    # ---- saving ------------------------------------------------------------------------------

    def save_png(self, path: str | Path) -> Path:
        """Render the tab's plots to a PNG file (at least 1200 pixels wide), atomically.

        Raises
        ------
        ProjectFileError
            When the file cannot be written (naming it and the reason); an earlier file at
            ``path`` is then left as it was.
        """
        target = Path(path)
        exporter = pg.exporters.ImageExporter(self.graphics.ci)
        width = max(int(self.graphics.ci.boundingRect().width()), 1200)
        exporter.parameters()["width"] = width
        # Encoded in memory and written atomically: QImage.save straight to the file left a
        # truncated image over the earlier one when the disk was full.
        image = exporter.export(toBytes=True)
        atomic_write_bytes(target, png_bytes(image, target))
        return target

    def save_csv(self, path: str | Path) -> Path:
        """Write the tab's data to a CSV file with a header row."""
        header, rows = self.csv_table()
        if not header:
            raise ProjectFileError("nothing to save yet: no training data is shown")
        return write_csv(path, header, rows)

    def _ask_png(self) -> None:
        self._ask_and_save("PNG image (*.png)", ".png", self.save_png)

    def _ask_csv(self) -> None:
        self._ask_and_save("CSV file (*.csv)", ".csv", self.save_csv)

    def _ask_and_save(self, file_filter: str, suffix: str, save: Any) -> None:
        default = f"{self.name.lower()}{suffix}"
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, f"Save {self.name}", default, file_filter
        )
        if not path:
            return
        if not path.endswith(suffix):
            path += suffix
        try:
            save(path)
        except Exception as error:
            QtWidgets.QMessageBox.warning(self, f"Save {self.name}", str(error))


def key(
    color: tuple[int, int, int],
    text: str,
    *,
    dashed: bool = False,
    thin: bool = False,
    box: bool = False,
) -> str:
    """HTML for a legend entry inside a title: a coloured line (or box), then ``text``.

    Titles carry the legend so no legend box hides data in a small plot.
    """
    mark = "■" if box else ("╍" if dashed else ("─" if thin else "━"))
    hex_color = "#{:02x}{:02x}{:02x}".format(*color)
    # Non-breaking spaces inside an entry: a narrow title wraps between entries, never
    # between a name and its value ("val 98.0 %").
    text = text.replace(" ", "&nbsp;")
    return f'<span style="color:{hex_color}; font-weight:bold">{mark}</span>&nbsp;{text}'


def layer_keys(activation_names: Sequence[str], *, numbers_only: bool = False) -> str:
    """Title keys ``━ 1 tanh ━ 2 relu ...`` in the layer colours of :data:`PALETTE`.

    With ``numbers_only`` the keys name the layers by number alone (``━ 1 ━ 2 ...``): short
    enough for every layer of a deep network to have its key in a narrow plot's title.
    """
    return "&nbsp; ".join(
        key(palette_color(i), str(i + 1) if numbers_only else layer_label(i, name))
        for i, name in enumerate(activation_names)
    )


def integer_ticks(axis: Any, count: int) -> None:
    """Label an axis of ``count`` cells (centred on 1 … count) with whole numbers only.

    The step (1, 2, 5, 10, 20, 50, …) follows the axis's length whenever it is drawn, so the
    numbers never run into each other in a short plot and every cell is numbered in a tall
    one.
    """
    axis.setTicks(None)  # computed, not fixed, ticks
    axis._nnstudio_cells = int(count)
    if not getattr(axis, "_nnstudio_cell_ticks", False):
        # Instance attributes take the place of AxisItem's tick methods for this axis only.
        axis.tickValues = functools.partial(_cell_tick_values, axis)
        axis.tickStrings = _whole_number_strings
        axis._nnstudio_cell_ticks = True
    axis.picture = None
    axis.update()


#: Steps between numbered cells, smallest first.
_CELL_STEPS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)


def _cell_tick_values(
    axis: Any, low: float, high: float, size: float
) -> list[tuple[float, list[float]]]:
    """Whole-number ticks of :func:`integer_ticks`' cells between ``low`` and ``high``,
    at least a label's room apart over ``size`` pixels."""
    count = axis._nnstudio_cells
    low, high = min(low, high), max(low, high)  # an inverted axis gives its range reversed
    if count < 1 or high <= low or size <= 0:
        return []
    per_cell = size / (high - low)
    vertical = axis.orientation in ("left", "right")
    room = 18.0 if vertical else 8.0 + 7.0 * len(str(count))
    step = next((s for s in _CELL_STEPS if s * per_cell >= room), _CELL_STEPS[-1])
    values = list(range(step, count + 1, step))
    if step > 1 and (step - 1) * per_cell >= room:
        values.insert(0, 1)  # the first cell too, when there is room before the next label
    inside = [float(v) for v in values if low - 0.5 <= v <= high + 0.5]
    return [(float(step), inside)]


def _whole_number_strings(values: Sequence[float], scale: float, spacing: float) -> list[str]:
    return [str(round(value)) for value in values]


def set_bar_ticks(
    plot: pg.PlotItem, labels: Sequence[str], short_labels: Sequence[str] | None = None
) -> None:
    """Label the bottom axis with one tick per bar at 0, 1, 2, ...

    ``short_labels`` (as many) take the labels' place where those would not all fit.
    """
    choices = [labels, *([short_labels] if short_labels is not None else [])]
    ticks = [[(float(i), text) for i, text in enumerate(choice)] for choice in choices]
    axis = plot.getAxis("bottom")
    if isinstance(axis, TidyAxis):
        axis.set_tick_choices(ticks)
    else:
        axis.setTicks(ticks[:1])


def layer_label(index: int, activation: str) -> str:
    """``"1 tanh"``: the layer's 1-based number and activation."""
    return f"{index + 1} {activation}"


def qt_dash() -> Any:
    """Dashed pen style."""
    return QtCore.Qt.PenStyle.DashLine


class FoldingTab(PlotTab):
    """A plot tab whose row folds controls into a Show menu where it has no room for them
    (see :func:`fold_controls`); the row is refitted on every resize and font change.

    Subclasses create, before they are first laid out: ``_controls_row`` (the row of
    :meth:`PlotTab.add_wrapping_controls`), ``_fold_levels`` (as :func:`fold_controls` takes
    them), ``more_button`` (a :func:`fold_button`), ``_menu_actions`` (each check box's menu
    entry, from :func:`menu_toggle`) and ``_offered`` (which controls the data has a use
    for; unlisted ones are always offered).
    """

    #: The controls that are in the Show menu now.
    _folded: tuple[QtWidgets.QWidget, ...] = ()
    #: Whether each listed control has a use for the data shown.
    _offered: dict[QtWidgets.QWidget, bool]
    _controls_row: QtWidgets.QWidget
    _fold_levels: tuple[tuple[QtWidgets.QWidget, ...], ...]
    more_button: QtWidgets.QToolButton
    _menu_actions: dict[QtWidgets.QCheckBox, QtGui.QAction]

    @property
    def folded(self) -> tuple[QtWidgets.QWidget, ...]:
        """The row's controls that are in the Show menu for want of room (empty: none)."""
        return self._folded

    def _offers(self, control: QtWidgets.QWidget) -> bool:
        return self._offered.get(control, True)

    def _menu_control(self, box: QtWidgets.QCheckBox) -> QtWidgets.QWidget:
        """The control of the row that ``box``'s menu entry stands in for (``box`` itself,
        unless the box sits in a group that folds as one)."""
        return box

    def _fit_controls(self) -> None:
        """Keep the row of choices on one line: fold the controls of the first level that
        leaves it room into the Show menu (see :func:`fold_controls`)."""
        self._folded = fold_controls(
            self._controls_row, self._fold_levels, self.more_button, self._offers
        )
        self._sync_menu()

    def _sync_menu(self) -> None:
        """Offer in the Show menu the choices the row has no room for, as their check
        boxes are now (checked and enabled)."""
        for box, action in self._menu_actions.items():
            control = self._menu_control(box)
            action.setVisible(control in self._folded and self._offers(control))
            action.setEnabled(box.isEnabled())
            action.setChecked(box.isChecked())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        # The layout has given the row its new width already (it sees the event first).
        self._fit_controls()
        super().resizeEvent(event)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        # Another font changes the controls' widths at the same row width.
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._fit_controls()
