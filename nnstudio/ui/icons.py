"""Toolbar and application icons drawn with QPainter.

Every icon is described once as vector strokes and fills in a 24 × 24 design grid and rendered
on demand at the size the style asks for, so it stays crisp at any scale or device pixel ratio
and never depends on an icon theme being installed.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

from nnstudio.ui.qt import Qt, QtCore, QtGui

#: Main colours of the icon set: a dark slate ink, the studio's accent and two signal colours.
INK = QtGui.QColor(55, 65, 81)
ACCENT = QtGui.QColor(37, 99, 235)
GO = QtGui.QColor(22, 163, 74)
HALT = QtGui.QColor(220, 38, 38)
WARM = QtGui.QColor(217, 119, 6)

Painter = Callable[[QtGui.QPainter], None]


def _pen(color: QtGui.QColor, width: float = 1.8) -> QtGui.QPen:
    pen = QtGui.QPen(color, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _polygon(points: list[tuple[float, float]]) -> QtGui.QPolygonF:
    return QtGui.QPolygonF([QtCore.QPointF(x, y) for x, y in points])


def _fill(p: QtGui.QPainter, color: QtGui.QColor, shape: QtGui.QPolygonF) -> None:
    p.setPen(_pen(color, 1.2))
    p.setBrush(color)
    p.drawPolygon(shape)


# ---- the drawings (24 × 24 design grid) -------------------------------------------------------


def _play(p: QtGui.QPainter) -> None:
    _fill(p, GO, _polygon([(7, 4.5), (19.5, 12), (7, 19.5)]))


def _pause(p: QtGui.QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WARM)
    p.drawRoundedRect(QtCore.QRectF(6, 5, 4.2, 14), 1, 1)
    p.drawRoundedRect(QtCore.QRectF(13.8, 5, 4.2, 14), 1, 1)


def _step(p: QtGui.QPainter) -> None:
    _fill(p, ACCENT, _polygon([(5.5, 5.5), (15, 12), (5.5, 18.5)]))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ACCENT)
    p.drawRoundedRect(QtCore.QRectF(16, 5.5, 3, 13), 0.8, 0.8)


def _step_epoch(p: QtGui.QPainter) -> None:
    _fill(p, ACCENT, _polygon([(2.5, 6), (10, 12), (2.5, 18)]))
    _fill(p, ACCENT, _polygon([(10, 6), (17.5, 12), (10, 18)]))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(ACCENT)
    p.drawRoundedRect(QtCore.QRectF(18.5, 6, 3, 12), 0.8, 0.8)


def _stop(p: QtGui.QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(HALT)
    p.drawRoundedRect(QtCore.QRectF(5.5, 5.5, 13, 13), 2, 2)


def _reset(p: QtGui.QPainter) -> None:
    p.setPen(_pen(INK, 2.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    rect = QtCore.QRectF(5, 5, 14, 14)
    # An open circle (300°) with the arrow head where it starts.
    p.drawArc(rect, 60 * 16, 290 * 16)
    angle = math.radians(60)
    tip = QtCore.QPointF(12 + 7 * math.cos(angle), 12 - 7 * math.sin(angle))
    _fill(
        p,
        INK,
        _polygon(
            [
                (tip.x() - 4.2, tip.y() - 2.6),
                (tip.x() + 1.2, tip.y() - 4.2),
                (tip.x(), tip.y() + 1.6),
            ]
        ),
    )


def _neurons(p: QtGui.QPainter, x: float, ys: list[float], color: QtGui.QColor) -> None:
    p.setPen(_pen(color, 1.4))
    p.setBrush(QtGui.QColor(255, 255, 255))
    for y in ys:
        p.drawEllipse(QtCore.QPointF(x, y), 2.6, 2.6)


def _plus(p: QtGui.QPainter, cx: float, cy: float, r: float, color: QtGui.QColor) -> None:
    p.setPen(_pen(color, 2.2))
    p.drawLine(QtCore.QPointF(cx - r, cy), QtCore.QPointF(cx + r, cy))
    p.drawLine(QtCore.QPointF(cx, cy - r), QtCore.QPointF(cx, cy + r))


def _minus(p: QtGui.QPainter, cx: float, cy: float, r: float, color: QtGui.QColor) -> None:
    p.setPen(_pen(color, 2.2))
    p.drawLine(QtCore.QPointF(cx - r, cy), QtCore.QPointF(cx + r, cy))


def _add_layer(p: QtGui.QPainter) -> None:
    p.setPen(_pen(INK, 1.2))
    p.setBrush(QtGui.QColor(219, 234, 254))
    p.drawRoundedRect(QtCore.QRectF(4, 2.5, 8, 19), 3, 3)
    _neurons(p, 8, [7, 12, 17], INK)
    _plus(p, 18, 12, 4, GO)


def _remove(p: QtGui.QPainter) -> None:
    p.setPen(_pen(HALT, 2.4))
    p.drawLine(QtCore.QPointF(6.5, 6.5), QtCore.QPointF(17.5, 17.5))
    p.drawLine(QtCore.QPointF(17.5, 6.5), QtCore.QPointF(6.5, 17.5))


def _add_neuron(p: QtGui.QPainter) -> None:
    _neurons(p, 8, [7, 17], INK)
    p.setPen(_pen(INK, 1.4))
    p.setBrush(QtGui.QColor(219, 234, 254))
    p.drawEllipse(QtCore.QPointF(8, 12), 2.6, 2.6)
    _plus(p, 18, 12, 4, GO)


def _remove_neuron(p: QtGui.QPainter) -> None:
    _neurons(p, 8, [7, 12, 17], INK)
    _minus(p, 18, 12, 4, HALT)


def _fit(p: QtGui.QPainter) -> None:
    p.setPen(_pen(INK, 2.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    for sx, sy in ((1, 1), (-1, 1), (1, -1), (-1, -1)):
        cx, cy = 12 - sx * 8, 12 - sy * 8
        p.drawLine(QtCore.QPointF(cx, cy), QtCore.QPointF(cx + sx * 5, cy))
        p.drawLine(QtCore.QPointF(cx, cy), QtCore.QPointF(cx, cy + sy * 5))
    p.setPen(_pen(ACCENT, 1.4))
    p.drawEllipse(QtCore.QPointF(12, 12), 3.2, 3.2)


def _new(p: QtGui.QPainter) -> None:
    p.setPen(_pen(INK, 1.4))
    p.setBrush(QtGui.QColor(255, 255, 255))
    p.drawPolygon(_polygon([(5, 2.5), (14, 2.5), (19, 7.5), (19, 21.5), (5, 21.5)]))
    p.drawPolyline(_polygon([(14, 2.5), (14, 7.5), (19, 7.5)]))
    _plus(p, 12, 14.5, 3.4, GO)


def _open(p: QtGui.QPainter) -> None:
    p.setPen(_pen(WARM.darker(130), 1.3))
    p.setBrush(QtGui.QColor(253, 224, 71))
    p.drawPolygon(_polygon([(2.5, 5), (9, 5), (11, 7.5), (20, 7.5), (20, 19.5), (2.5, 19.5)]))
    p.setBrush(QtGui.QColor(254, 240, 138))
    p.drawPolygon(_polygon([(2.5, 19.5), (5.5, 10.5), (22.5, 10.5), (20, 19.5)]))


def _save(p: QtGui.QPainter) -> None:
    p.setPen(_pen(ACCENT.darker(130), 1.3))
    p.setBrush(ACCENT)
    p.drawPolygon(_polygon([(3.5, 3.5), (17, 3.5), (20.5, 7), (20.5, 20.5), (3.5, 20.5)]))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QtGui.QColor(255, 255, 255))
    p.drawRect(QtCore.QRectF(7, 3.5, 9, 5.5))
    p.drawRoundedRect(QtCore.QRectF(6.5, 12.5, 11, 8), 1, 1)
    p.setBrush(ACCENT)
    p.drawRect(QtCore.QRectF(12.5, 4.3, 2.2, 3.8))


def _export(p: QtGui.QPainter) -> None:
    p.setPen(_pen(INK, 1.6))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPolyline(_polygon([(9, 8), (4.5, 8), (4.5, 20), (16.5, 20), (16.5, 15.5)]))
    p.setPen(_pen(ACCENT, 2.0))
    p.drawLine(QtCore.QPointF(10, 14), QtCore.QPointF(19.5, 4.5))
    p.drawPolyline(_polygon([(13, 4.5), (19.5, 4.5), (19.5, 11)]))


def _undo(p: QtGui.QPainter, mirror: bool = False) -> None:
    if mirror:
        p.translate(24, 0)
        p.scale(-1, 1)
    p.setPen(_pen(INK, 2.0))
    p.setBrush(Qt.BrushStyle.NoBrush)
    path = QtGui.QPainterPath(QtCore.QPointF(6, 10))
    path.lineTo(14, 10)
    path.cubicTo(QtCore.QPointF(21, 10), QtCore.QPointF(21, 19), QtCore.QPointF(14, 19))
    path.lineTo(9, 19)
    p.drawPath(path)
    _fill(p, INK, _polygon([(3, 10), (8, 5.5), (8, 14.5)]))


def _redo(p: QtGui.QPainter) -> None:
    _undo(p, mirror=True)


def _app(p: QtGui.QPainter) -> None:
    """The application icon: a tiny 3-4-2 network on a rounded tile."""
    gradient = QtGui.QLinearGradient(0, 0, 24, 24)
    gradient.setColorAt(0.0, QtGui.QColor(37, 99, 235))
    gradient.setColorAt(1.0, QtGui.QColor(30, 64, 175))
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(gradient)
    p.drawRoundedRect(QtCore.QRectF(0.5, 0.5, 23, 23), 5, 5)
    columns = [(4.8, [7.0, 12.0, 17.0]), (12.0, [4.8, 9.6, 14.4, 19.2]), (19.2, [9.0, 15.0])]
    for (x0, ys0), (x1, ys1) in itertools.pairwise(columns):
        for i, y0 in enumerate(ys0):
            for j, y1 in enumerate(ys1):
                color = QtGui.QColor(253, 174, 107) if (i + j) % 2 else QtGui.QColor(147, 197, 253)
                color.setAlpha(210)
                p.setPen(_pen(color, 0.7))
                p.drawLine(QtCore.QPointF(x0, y0), QtCore.QPointF(x1, y1))
    p.setPen(_pen(QtGui.QColor(255, 255, 255), 0.8))
    for x, ys in columns:
        for y in ys:
            p.setBrush(QtGui.QColor(255, 255, 255))
            p.drawEllipse(QtCore.QPointF(x, y), 1.45, 1.45)


_DRAWINGS: dict[str, Painter] = {
    "play": _play,
    "pause": _pause,
    "step": _step,
    "step_epoch": _step_epoch,
    "stop": _stop,
    "reset": _reset,
    "add_layer": _add_layer,
    "remove": _remove,
    "add_neuron": _add_neuron,
    "remove_neuron": _remove_neuron,
    "fit": _fit,
    "new": _new,
    "open": _open,
    "save": _save,
    "export": _export,
    "undo": _undo,
    "redo": _redo,
    "app": _app,
}

#: The names :func:`icon` accepts.
ICON_NAMES: tuple[str, ...] = tuple(_DRAWINGS)


class _VectorIconEngine(QtGui.QIconEngine):
    """Renders one drawing at whatever size and state Qt asks for."""

    def __init__(self, name: str):
        super().__init__()
        self._name = name

    def paint(
        self,
        painter: QtGui.QPainter,
        rect: QtCore.QRect,
        mode: QtGui.QIcon.Mode,
        state: QtGui.QIcon.State,
    ) -> None:
        painter.save()
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        side = min(rect.width(), rect.height())
        painter.translate(
            rect.x() + (rect.width() - side) / 2, rect.y() + (rect.height() - side) / 2
        )
        painter.scale(side / 24.0, side / 24.0)
        if mode == QtGui.QIcon.Mode.Disabled:
            painter.setOpacity(0.35)
        _DRAWINGS[self._name](painter)
        painter.restore()

    def pixmap(
        self, size: QtCore.QSize, mode: QtGui.QIcon.Mode, state: QtGui.QIcon.State
    ) -> QtGui.QPixmap:
        image = QtGui.QImage(size, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QtGui.QPainter(image)
        self.paint(painter, QtCore.QRect(QtCore.QPoint(0, 0), size), mode, state)
        painter.end()
        return QtGui.QPixmap.fromImage(image)

    def clone(self) -> QtGui.QIconEngine:
        return _VectorIconEngine(self._name)


_cache: dict[str, QtGui.QIcon] = {}


def icon(name: str) -> QtGui.QIcon:
    """The icon called ``name`` (one of :data:`ICON_NAMES`).

    Raises
    ------
    KeyError
        For an unknown name (a programming error, not a user one).
    """
    if name not in _DRAWINGS:
        raise KeyError(f"unknown icon {name!r}; expected one of {', '.join(ICON_NAMES)}")
    if name not in _cache:
        _cache[name] = QtGui.QIcon(_VectorIconEngine(name))
    return _cache[name]


def render(name: str, size: int) -> QtGui.QImage:
    """Render an icon to a square image of ``size`` pixels (used for the window icon files)."""
    return icon(name).pixmap(size, size).toImage()
