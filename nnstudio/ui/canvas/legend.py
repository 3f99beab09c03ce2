"""The colour key floating in a corner of the canvas: what blue and orange mean, and how much."""

from __future__ import annotations

import numpy as np

from nnstudio.ui.colors import diverging_rgb
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets

_TEXT = QtGui.QColor(75, 85, 99)
_BORDER = QtGui.QColor(226, 231, 238)


class ScaleLegend(QtWidgets.QWidget):
    """A small gradient bar labelled with the symmetric limit of the edge colours."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setFixedSize(236, 44)
        self._limit: float | None = None
        self._caption = ""
        gradient = diverging_rgb(np.linspace(-1.0, 1.0, 64), 1.0)
        self._stops = [
            (i / 63, QtGui.QColor(int(r), int(g), int(b)))
            for i, (r, g, b) in enumerate(gradient.tolist())
        ]
        font = QtGui.QFont()
        font.setPixelSize(11)
        self._font = font

    @property
    def limit(self) -> float | None:
        """The weight magnitude at the ends of the bar (``None`` before weights exist)."""
        return self._limit

    def set_limit(self, limit: float | None) -> None:
        """Show the scale for edges coloured against ``limit`` (``None``: weights unknown)."""
        if limit != self._limit:
            self._limit = limit
            self.update()

    @property
    def caption(self) -> str:
        """The line under the bar (which example the neurons are coloured for)."""
        return self._caption

    def set_caption(self, text: str) -> None:
        """Show ``text`` under the bar (empty hides the line)."""
        if text != self._caption:
            self._caption = text
            self.setFixedHeight(62 if text else 44)
            self.update()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.setPen(QtGui.QPen(_BORDER, 1.0))
        painter.setBrush(QtGui.QColor(255, 255, 255, 235))
        painter.drawRoundedRect(QtCore.QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 8, 8)
        painter.setFont(self._font)
        painter.setPen(_TEXT)
        if self._limit is None:
            painter.drawText(
                self.rect(),
                QtCore.Qt.AlignmentFlag.AlignCenter,
                "weights not initialised yet",
            )
            painter.end()
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
        limit = self._limit
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignLeft, f"−{limit:.2g}")
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignCenter, "weight 0")
        painter.drawText(labels, QtCore.Qt.AlignmentFlag.AlignRight, f"+{limit:.2g}")
        if self._caption:
            line = QtCore.QRectF(bar.left(), labels.bottom() + 2, bar.width(), 15)
            metrics = QtGui.QFontMetricsF(self._font)
            text = metrics.elidedText(
                self._caption, QtCore.Qt.TextElideMode.ElideRight, line.width()
            )
            painter.drawText(line, QtCore.Qt.AlignmentFlag.AlignLeft, text)
        painter.end()
