"""The colour key floating in a corner of the canvas: what blue and orange mean, and how much."""

from __future__ import annotations

import numpy as np

from nnstudio.ui.colors import diverging_rgb
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets

_TEXT = QtGui.QColor(75, 85, 99)
_MUTED = QtGui.QColor(107, 114, 128)
_BORDER = QtGui.QColor(226, 231, 238)


_WIDTH = 248
_BASE_HEIGHT = 44
_LINE_HEIGHT = 16


class ScaleLegend(QtWidgets.QWidget):
    """A small gradient bar labelled with the symmetric limit of the edge colours.

    Below the bar: which example the neurons are coloured for (:meth:`set_caption`) and, for
    networks too big to draw every connection, which edges are shown (:meth:`set_edges_text`).
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFixedSize(_WIDTH, _BASE_HEIGHT)
        self._limit: float | None = None
        self._caption = ""
        self._edges_text = ""
        self._edges_lines: list[str] = []
        gradient = diverging_rgb(np.linspace(-1.0, 1.0, 64), 1.0)
        self._stops = [
            (i / 63, QtGui.QColor(int(r), int(g), int(b)))
            for i, (r, g, b) in enumerate(gradient.tolist())
        ]
        font = QtGui.QFont()
        font.setPixelSize(11)
        self._font = font
        #: The key as last drawn: it floats over the canvas, which repaints with every live
        #: frame, and blitting it costs a fraction of drawing its gradient and texts again.
        self._picture: QtGui.QPixmap | None = None

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
                self._changed()

    @property
    def caption(self) -> str:
        """The line under the bar (which example the neurons are coloured for)."""
        return self._caption

    def set_caption(self, text: str) -> None:
        """Show ``text`` under the bar (empty hides the line)."""
        if text != self._caption:
            self._caption = text
            self._fit_height()
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
        self._edges_lines = _wrap(text, QtGui.QFontMetricsF(self._font), _WIDTH - 20, 2)
        self._fit_height()
        self._changed()

    def _fit_height(self) -> None:
        lines = (1 if self._caption else 0) + len(self._edges_lines)
        self.setFixedHeight(_BASE_HEIGHT + (_LINE_HEIGHT * lines + 2 if lines else 0))

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
        painter.drawRoundedRect(QtCore.QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        painter.setFont(self._font)
        painter.setPen(_TEXT)
        if self._limit is None:
            painter.drawText(
                QtCore.QRectF(0, 0, self.width(), _BASE_HEIGHT),
                QtCore.Qt.AlignmentFlag.AlignCenter,
                "weights not initialised yet",
            )
            self._paint_lines(painter, QtCore.QRectF(10, _BASE_HEIGHT - 8, self.width() - 20, 0))
            return
        bar = QtCore.QRectF(10, 8, self.width() - 20, 9)
        gradient = QtGui.QLinearGradient(bar.topLeft(), bar.topRight())
        for position, color in self._stops:
            gradient.setColorAt(position, color)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QBrush(gradient))
        painter.drawRoundedRect(bar, 4, 4)
        painter.setPen(_TEXT)
        labels = QtCore.QRectF(bar.left(), bar.bottom() + 3, bar.width(), 15)
        limit = _limit_text(self._limit)
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignLeft, f"−{limit}")
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignCenter, "weight 0")
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignRight, f"+{limit}")
        self._paint_lines(painter, QtCore.QRectF(bar.left(), labels.bottom(), bar.width(), 0))

    def _paint_lines(self, painter: QtGui.QPainter, above: QtCore.QRectF) -> None:
        """The example caption and the edges text, one line each below ``above``."""
        metrics = QtGui.QFontMetricsF(self._font)
        top = above.bottom() + 2
        if self._caption:
            line = QtCore.QRectF(above.left(), top, above.width(), 15)
            text = metrics.elidedText(
                self._caption, QtCore.Qt.TextElideMode.ElideRight, line.width()
            )
            painter.drawText(line, QtCore.Qt.AlignmentFlag.AlignLeft, text)
            top += _LINE_HEIGHT
        painter.setPen(_MUTED)
        for text in self._edges_lines:
            line = QtCore.QRectF(above.left(), top, above.width(), 15)
            painter.drawText(line, QtCore.Qt.AlignmentFlag.AlignLeft, text)
            top += _LINE_HEIGHT


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
    return [metrics.elidedText(line, QtCore.Qt.TextElideMode.ElideRight, width) for line in lines]
