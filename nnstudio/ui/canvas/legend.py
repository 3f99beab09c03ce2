"""The colour key floating in a corner of the canvas: what blue and orange mean, and how much."""

from __future__ import annotations

import math

import numpy as np

from nnstudio.ui.colors import diverging_rgb
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, elided_to_fit

_TEXT = QtGui.QColor(75, 85, 99)
_MUTED = QtGui.QColor(107, 114, 128)
_BORDER = QtGui.QColor(226, 231, 238)


#: Sizes (pixels) with the default font (:data:`_FONT_PIXELS`); a larger application font
#: scales them with the key's text (see :func:`~nnstudio.ui.canvas.items.text_scale`).
_FONT_PIXELS = 11
_WIDTH = 248
_BASE_HEIGHT = 44
_LINE_HEIGHT = 16
#: Compact key (short views): row height, border, bar size and room between its parts.
_ROW = 15
_PAD_X = 8
_PAD_Y = 5
_BAR_WIDTH = 64
#: Narrowest bar of a compact key in little room (beside the zoom buttons of a narrow view).
_BAR_MIN = 24
_BAR_HEIGHT = 8
_SPACE = 6


class ScaleLegend(QtWidgets.QWidget):
    """A small gradient bar labelled with the symmetric limit of the edge colours.

    Below the bar: which example the neurons are coloured for (:meth:`set_caption`), for
    networks too big to draw every connection, which edges are shown (:meth:`set_edges_text`),
    and while dropout's work is shown, what the crossed-out neurons are
    (:meth:`set_dropout_text`).

    A short view gets a compact key (:meth:`set_compact`): the bar between its limits, the
    example beside it when it fits, and each further text on one line.

    Either key is as wide as its text needs at any font: the regular key at least
    :data:`_WIDTH` pixels (at the default font), the compact one at least
    :meth:`narrowest_compact_width`.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._font = QtGui.QFont()
        self._unit = 1.0
        self.update_font()
        self.setFixedSize(self._px(_WIDTH), self._px(_BASE_HEIGHT))
        self._limit: float | None = None
        self._caption = ""
        self._edges_text = ""
        self._edges_lines: list[str] = []
        self._dropout_text = ""
        self._dropout_short = ""
        self._dropout_lines: list[str] = []
        #: Widest the compact key may be (pixels), ``None`` for the regular key.
        self._compact_width: int | None = None
        #: The compact key's text beside the bar and its lines below (see _fit_size).
        self._beside = ""
        self._compact_lines: list[str] = []
        #: The compact key's bar (pixels): narrower where the key has little room.
        self._bar_width = self._px(_BAR_WIDTH)
        #: Whether the compact key names its limits once, "±L" after the bar (in the least
        #: room), instead of "−L" and "+L" on either side of it.
        self._symmetric = False
        #: Whether the compact key's first line below the bar is the example caption.
        self._caption_line = False
        #: What the compact key says before weights exist (shorter in little room).
        self._no_weights = _NO_WEIGHTS
        self._weights_label = False
        gradient = diverging_rgb(np.linspace(-1.0, 1.0, 64), 1.0)
        self._stops = [
            (i / 63, QtGui.QColor(int(r), int(g), int(b)))
            for i, (r, g, b) in enumerate(gradient.tolist())
        ]
        #: The key as last drawn: it floats over the canvas, which repaints with every live
        #: frame, and blitting it costs a fraction of drawing its gradient and texts again.
        self._picture: QtGui.QPixmap | None = None

    def update_font(self) -> None:
        """Size the key's text (and with it the key) for the application font."""
        # Deferred import: the canvas items import nothing from here, but keep it one-way.
        from nnstudio.ui.canvas.items import text_scale

        font = QtGui.QFont()
        font.setPixelSize(round(_FONT_PIXELS * text_scale()))
        self._font = font
        #: The key's sizes over their default-font values, from the font's actual height.
        self._unit = max(1.0, QtGui.QFontMetricsF(font).height() / _default_font_height())
        if hasattr(self, "_edges_text"):
            self._fit_size()
            self._changed()

    def _px(self, pixels: float) -> int:
        """``pixels`` (a size at the default font) at the key's font."""
        return round(pixels * self._unit)

    @property
    def limit(self) -> float | None:
        """The weight magnitude at the ends of the bar (``None`` before weights exist)."""
        return self._limit

    def set_limit(self, limit: float | None) -> None:
        """Show the scale for edges coloured against ``limit`` (``None``: weights unknown)."""
        if limit != self._limit:
            shown = _limit_text(self._limit)
            self._limit = limit
            if _limit_text(limit) != shown:
                # The limit changes with every live frame, its two digits seldom.
                self._fit_size()
                self._changed()

    @property
    def caption(self) -> str:
        """The line under the bar (which example the neurons are coloured for)."""
        return self._caption

    def set_caption(self, text: str) -> None:
        """Show ``text`` under the bar (empty hides the line)."""
        if text != self._caption:
            self._caption = text
            self._fit_size()
            self._changed()

    @property
    def edges_text(self) -> str:
        """Which edges are drawn, e.g. "Showing the 1,536 strongest of 3,104 connections"."""
        return self._edges_text

    def set_edges_text(self, text: str) -> None:
        """Say which edges are drawn (empty when every connection is; wraps to two lines)."""
        if text == self._edges_text:
            return
        self._edges_text = text
        self._fit_size()
        self._changed()

    @property
    def dropout_text(self) -> str:
        """What the crossed-out neurons are (empty while none are shown)."""
        return self._dropout_text

    def set_dropout_text(self, text: str, short: str = "") -> None:
        """Explain the neurons drawn as dropped (empty hides the line).

        The regular key wraps ``text`` to two lines; the compact key shows ``short`` (or
        ``text``) on one.
        """
        if (text, short) == (self._dropout_text, self._dropout_short):
            return
        self._dropout_text, self._dropout_short = text, short
        self._fit_size()
        self._changed()

    @property
    def compact(self) -> bool:
        """Whether the key is drawn compactly (see :meth:`set_compact`)."""
        return self._compact_width is not None

    def set_compact(self, max_width: int | None) -> None:
        """Draw the key compactly, at most ``max_width`` pixels wide (``None``: regular).

        The canvas keeps the drawing clear of the key's height: on a short view, the regular
        key's three or four rows would take a third of it. The key is never narrower than
        :meth:`narrowest_compact_width`, whatever ``max_width`` says.
        """
        if max_width is not None:
            max_width = int(max_width)
        if max_width != self._compact_width:
            self._compact_width = max_width
            self._fit_size()
            self._changed()

    def regular_width(self) -> int:
        """Width (pixels) of the regular key: :data:`_WIDTH` at the default font, or what
        its row of limits needs when a font's digits run wider."""
        metrics = QtGui.QFontMetricsF(self._font)
        if self._limit is None:
            needed = metrics.horizontalAdvance(_NO_WEIGHTS)
        else:
            limit = _limit_text(self._limit)
            needed = (
                metrics.horizontalAdvance(f"−{limit}")
                + metrics.horizontalAdvance("weight 0")
                + metrics.horizontalAdvance(f"+{limit}")
                + 2 * self._px(_SPACE)
            )
        return max(self._px(_WIDTH), math.ceil(needed) + self._px(20))

    def narrowest_compact_width(self) -> int:
        """Width (pixels) of the narrowest compact key that shows its first row whole: the
        narrowest bar and "±L" after it, or the short note that there are no weights yet."""
        metrics = QtGui.QFontMetricsF(self._font)
        if self._limit is None:
            first = metrics.horizontalAdvance(_NO_WEIGHTS_SHORT)
        else:
            first = self._symmetric_width(metrics) + self._px(_BAR_MIN)
        return math.ceil(first) + 2 * self._px(_PAD_X)

    def _symmetric_width(self, metrics: QtGui.QFontMetricsF) -> float:
        """Width of "±L" and the room between it and the bar."""
        return metrics.horizontalAdvance(f"±{_limit_text(self._limit)}") + self._px(_SPACE)

    def _limits_width(self, metrics: QtGui.QFontMetricsF) -> float:
        """Width of the compact key's limits and the room beside the bar between them."""
        limit = _limit_text(self._limit)
        return (
            metrics.horizontalAdvance(f"−{limit}")
            + metrics.horizontalAdvance(f"+{limit}")
            + 2 * self._px(_SPACE)
        )

    def _fit_size(self) -> None:
        metrics = QtGui.QFontMetricsF(self._font)
        if self._compact_width is None:
            width = self.regular_width()
            self._edges_lines = _wrap(self._edges_text, metrics, width - self._px(20), 2)
            self._dropout_lines = _wrap(self._dropout_text, metrics, width - self._px(20), 2)
            lines = (1 if self._caption else 0) + len(self._edges_lines) + len(self._dropout_lines)
            extra = self._px(_LINE_HEIGHT) * lines + 2 if lines else 0
            self.setFixedSize(width, self._px(_BASE_HEIGHT) + extra)
            return
        # Never narrower than the first row: its limits cut off would misreport the scale.
        room = max(self._compact_width, self.narrowest_compact_width())
        inner = room - 2 * self._px(_PAD_X)
        self._no_weights = (
            _NO_WEIGHTS if metrics.horizontalAdvance(_NO_WEIGHTS) <= inner else _NO_WEIGHTS_SHORT
        )
        if self._limit is not None:
            # The bar gives way first, down to its narrowest; then the limits are named once.
            spare = inner - self._limits_width(metrics)
            self._symmetric = spare < self._px(_BAR_MIN)
            if self._symmetric:
                spare = inner - self._symmetric_width(metrics)
            self._bar_width = max(self._px(_BAR_MIN), min(self._px(_BAR_WIDTH), math.floor(spare)))
        scale = self._scale_width(metrics)
        # The example beside the bar when it fits ("neurons: " left out if that makes it).
        self._beside = ""
        captions = [self._caption, self._caption.removeprefix("neurons: ")] if self._caption else []
        for text in captions:
            if scale + 2 * self._px(_SPACE) + metrics.horizontalAdvance(text) <= inner:
                self._beside = text
                break
        self._compact_lines = []
        self._caption_line = False
        if self._caption and not self._beside:
            caption = self._caption
            if metrics.horizontalAdvance(caption) > inner:
                caption = elided_to_fit(caption.removeprefix("neurons: "), metrics, inner)
            # Cut before its number, the line would say nothing (the toolbar names it too).
            self._caption_line = any(char.isdigit() for char in caption)
            if self._caption_line:
                self._compact_lines.append(caption)
        if self._edges_text:
            self._compact_lines.append(elided_to_fit(self._edges_text, metrics, inner))
        if self._dropout_text:
            dropout = self._dropout_short or self._dropout_text
            self._compact_lines.append(elided_to_fit(dropout, metrics, inner))
        widest = scale + (
            2 * self._px(_SPACE) + metrics.horizontalAdvance(self._beside) if self._beside else 0
        )
        # What the bar is for, when the first row has room for it.
        label = metrics.horizontalAdvance(_WEIGHTS) + self._px(_SPACE)
        self._weights_label = self._limit is not None and widest + label <= inner
        if self._weights_label:
            widest += label
        for line in self._compact_lines:
            widest = max(widest, metrics.horizontalAdvance(line))
        width = min(math.ceil(widest) + 2 * self._px(_PAD_X), room)
        self.setFixedSize(
            width, 2 * self._px(_PAD_Y) + self._px(_ROW) * (1 + len(self._compact_lines))
        )

    def _scale_width(self, metrics: QtGui.QFontMetricsF) -> float:
        """Width of the compact key's first part: the bar between its limits, or the note
        that there are no weights yet."""
        if self._limit is None:
            return metrics.horizontalAdvance(self._no_weights)
        if self._symmetric:
            return self._symmetric_width(metrics) + self._bar_width
        return self._limits_width(metrics) + self._bar_width

    def _changed(self) -> None:
        self._picture = None
        self.update()

    def picture(self) -> QtGui.QPixmap:
        """The key as painted (drawn again only after a change of what it shows)."""
        ratio = self.devicePixelRatioF()
        picture = self._picture
        if (
            picture is None
            or picture.devicePixelRatio() != ratio
            or picture.deviceIndependentSize().toSize() != self.size()
        ):
            picture = QtGui.QPixmap(self.size() * ratio)
            picture.setDevicePixelRatio(ratio)
            picture.fill(QtCore.Qt.GlobalColor.transparent)
            painter = QtGui.QPainter(picture)
            self._draw(painter)
            painter.end()
            self._picture = picture
        return picture

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.drawPixmap(0, 0, self.picture())
        painter.end()

    def _draw(self, painter: QtGui.QPainter) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtGui.QPen(_BORDER, 1.0))
        painter.setBrush(QtGui.QColor(255, 255, 255, 235))
        radius = self._px(8)
        painter.drawRoundedRect(
            QtCore.QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius
        )
        painter.setFont(self._font)
        painter.setPen(_TEXT)
        if self._compact_width is not None:
            self._draw_compact(painter)
            return
        if self._limit is None:
            painter.drawText(
                QtCore.QRectF(0, 0, self.width(), self._px(_BASE_HEIGHT)),
                QtCore.Qt.AlignmentFlag.AlignCenter,
                _NO_WEIGHTS,
            )
            self._paint_lines(
                painter,
                QtCore.QRectF(
                    self._px(10),
                    self._px(_BASE_HEIGHT) - self._px(8),
                    self.width() - self._px(20),
                    0,
                ),
            )
            return
        px = self._px
        bar = QtCore.QRectF(px(10), px(8), self.width() - px(20), px(9))
        self._paint_bar(painter, bar)
        painter.setPen(_TEXT)
        labels = QtCore.QRectF(bar.left(), bar.bottom() + px(3), bar.width(), px(15))
        limit = _limit_text(self._limit)
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignLeft, f"−{limit}")
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignCenter, "weight 0")
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignRight, f"+{limit}")
        self._paint_lines(painter, QtCore.QRectF(bar.left(), labels.bottom(), bar.width(), 0))

    def _draw_compact(self, painter: QtGui.QPainter) -> None:
        """The compact key: ``−L ▬▬ +L  example …`` and, below, one line per further text."""
        metrics = QtGui.QFontMetricsF(self._font)
        left = float(self._px(_PAD_X))
        row = QtCore.QRectF(
            left, self._px(_PAD_Y), self.width() - 2 * self._px(_PAD_X), self._px(_ROW)
        )
        flags = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
        if self._limit is None:
            painter.drawText(row, flags, self._no_weights)
            x = left + metrics.horizontalAdvance(self._no_weights)
        else:
            limit = _limit_text(self._limit)
            x = left
            if self._weights_label:
                painter.setPen(_MUTED)
                painter.drawText(row, flags, _WEIGHTS)
                painter.setPen(_TEXT)
                x += metrics.horizontalAdvance(_WEIGHTS) + self._px(_SPACE)
            if not self._symmetric:
                painter.drawText(row.adjusted(x - left, 0, 0, 0), flags, f"−{limit}")
                x += metrics.horizontalAdvance(f"−{limit}") + self._px(_SPACE)
            bar = QtCore.QRectF(
                x,
                row.center().y() - self._px(_BAR_HEIGHT) / 2,
                self._bar_width,
                self._px(_BAR_HEIGHT),
            )
            self._paint_bar(painter, bar)
            painter.setPen(_TEXT)
            x = bar.right() + self._px(_SPACE)
            end = f"±{limit}" if self._symmetric else f"+{limit}"
            painter.drawText(row.adjusted(x - left, 0, 0, 0), flags, end)
            x += metrics.horizontalAdvance(end)
        if self._beside:
            painter.drawText(
                row.adjusted(x + 2 * self._px(_SPACE) - left, 0, 0, 0), flags, self._beside
            )
        painter.setPen(_MUTED)
        for index, line in enumerate(self._compact_lines):
            box = row.translated(0, self._px(_ROW) * (index + 1))
            if index == 0 and self._caption_line:
                painter.setPen(_TEXT)
            painter.drawText(box, flags, line)
            painter.setPen(_MUTED)

    def _paint_bar(self, painter: QtGui.QPainter, bar: QtCore.QRectF) -> None:
        gradient = QtGui.QLinearGradient(bar.topLeft(), bar.topRight())
        for position, color in self._stops:
            gradient.setColorAt(position, color)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QBrush(gradient))
        painter.drawRoundedRect(bar, bar.height() / 2, bar.height() / 2)

    def _paint_lines(self, painter: QtGui.QPainter, above: QtCore.QRectF) -> None:
        """The example caption, the edges and the dropout text, one line each below ``above``."""
        metrics = QtGui.QFontMetricsF(self._font)
        top = above.bottom() + self._px(2)
        if self._caption:
            line = QtCore.QRectF(above.left(), top, above.width(), self._px(15))
            text = metrics.elidedText(
                self._caption, QtCore.Qt.TextElideMode.ElideRight, line.width()
            )
            painter.drawText(line, QtCore.Qt.AlignmentFlag.AlignLeft, text)
            top += self._px(_LINE_HEIGHT)
        painter.setPen(_MUTED)
        for text in (*self._edges_lines, *self._dropout_lines):
            line = QtCore.QRectF(above.left(), top, above.width(), self._px(15))
            painter.drawText(line, QtCore.Qt.AlignmentFlag.AlignLeft, text)
            top += self._px(_LINE_HEIGHT)


def _default_font_height() -> float:
    """Height (pixels) of the key's text at the default size."""
    font = QtGui.QFont()
    font.setPixelSize(_FONT_PIXELS)
    return QtGui.QFontMetricsF(font).height()


_NO_WEIGHTS = "weights not initialised yet"
_NO_WEIGHTS_SHORT = "no weights yet"
_WEIGHTS = "weights"


def _limit_text(limit: float | None) -> str:
    """The limit as the key prints it at the ends of the bar (two significant digits)."""
    return "" if limit is None else f"{limit:.2g}"


def _wrap(text: str, metrics: QtGui.QFontMetricsF, width: float, max_lines: int) -> list[str]:
    """Break ``text`` at spaces into at most ``max_lines`` lines of ``width`` (last elided)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and metrics.horizontalAdvance(candidate) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    return [elided_to_fit(line, metrics, width) for line in lines]
