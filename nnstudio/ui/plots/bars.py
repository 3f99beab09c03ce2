"""Bars rising from zero, each in its own colour, drawn as one filled path per colour.

pyqtgraph's ``BarGraphItem`` records a picture of one rectangle and one brush change per
bar, makes it anew whenever the bars change and replays it on every paint. For the 784
incoming weights of a neuron behind a picture input that took about 5 ms of each live
repaint. Here the bars of one colour form one path, made at the first paint after the bars
change (about 1 ms for 784) and filled in well under a millisecond.

Bars narrower than :data:`MIN_BAR_PIXELS` on screen (784 of them in a plot 200 pixels wide)
would mostly fall between pixels and vanish. They are drawn as one bar per pixel column
instead, reaching the tallest bar above zero and the deepest below among the bars in that
column, each in the colour of the bar it stands for: the extremes stay visible.
"""

from __future__ import annotations

import numpy as np

from nnstudio.ui.qt import QtCore, QtGui, pg

__all__ = ["ColouredBars"]

#: Brushes kept for colours seen before (a diverging scale has a few hundred).
_MAX_BRUSHES = 4096
#: Bars narrower than this many device pixels are drawn per pixel column (see module).
MIN_BAR_PIXELS = 1.5


class ColouredBars(pg.GraphicsObject):
    """Vertical bars from 0 to each height, centred on their x, without outlines.

    Parameters
    ----------
    width : float
        Each bar's width in data units (1 leaves no gap between bars one unit apart).
    """

    def __init__(self, width: float = 0.8) -> None:
        super().__init__()
        self.bar_width = float(width)
        self._x = np.zeros(0)
        self._heights = np.zeros(0)
        self._rgb = np.zeros((0, 3), dtype=np.uint8)
        #: One (brush, path) pair per distinct colour, made when first painted (None: not yet;
        #: bars too narrow for a pixel are painted per column and never need them).
        self._fills: list[tuple[QtGui.QBrush, QtGui.QPainterPath]] | None = []
        self._bounds = QtCore.QRectF()
        self._brushes: dict[int, QtGui.QBrush] = {}
        #: Per-pixel-column fills and the device pixels per unit they were made for.
        self._columns: tuple[float, list[tuple[QtGui.QBrush, QtGui.QPainterPath]]] | None = None

    # ---- data --------------------------------------------------------------------------------

    def set_bars(self, x: np.ndarray, heights: np.ndarray, rgb: np.ndarray) -> None:
        """Show one bar per entry.

        Parameters
        ----------
        x : ndarray, shape (n,)
            Bar centres.
        heights : ndarray, shape (n,)
            Signed heights; a non-finite height draws no bar.
        rgb : ndarray, shape (n, 3), dtype uint8
            Each bar's colour.
        """
        x = np.asarray(x, dtype=float).ravel()
        heights = np.asarray(heights, dtype=float).ravel()
        rgb = np.asarray(rgb, dtype=np.uint8).reshape(-1, 3)
        if not x.size == heights.size == rgb.shape[0]:
            raise ValueError(
                f"bars need as many centres, heights and colours: "
                f"{x.size}, {heights.size} and {rgb.shape[0]}"
            )
        self._x, self._heights, self._rgb = x, heights, rgb
        self._fills = None
        self._columns = None
        self.prepareGeometryChange()
        self._bounds = self._make_bounds()
        self.update()

    @property
    def x(self) -> np.ndarray:
        """Bar centres, shape (n,)."""
        return self._x

    @property
    def heights(self) -> np.ndarray:
        """Bar heights, shape (n,)."""
        return self._heights

    @property
    def rgb(self) -> np.ndarray:
        """Bar colours, shape (n, 3), dtype uint8."""
        return self._rgb

    def color_count(self) -> int:
        """How many distinct colours (and so filled paths) the bars take."""
        return len(self._bar_fills())

    # ---- drawing -----------------------------------------------------------------------------

    def _bar_fills(self) -> list[tuple[QtGui.QBrush, QtGui.QPainterPath]]:
        """The bars as they are, one path per colour (made once per set of bars)."""
        if self._fills is None:
            drawn = np.flatnonzero(np.isfinite(self._heights) & (self._heights != 0))
            half = self.bar_width / 2
            self._fills = (
                self._fills_of(
                    self._x[drawn] - half, self.bar_width, self._heights[drawn], self._rgb[drawn]
                )
                if drawn.size
                else []
            )
        return self._fills

    def _column_fills(self, per_unit: float) -> list[tuple[QtGui.QBrush, QtGui.QPainterPath]]:
        """The bars as one bar per device pixel column (``per_unit`` pixels per x unit)."""
        if self._columns is not None and self._columns[0] == per_unit:
            return self._columns[1]
        drawn = np.flatnonzero(np.isfinite(self._heights) & (self._heights != 0))
        fills: list[tuple[QtGui.QBrush, QtGui.QPainterPath]] = []
        if drawn.size:
            x, heights, rgb = self._x[drawn], self._heights[drawn], self._rgb[drawn]
            start = float(self._x.min()) - self.bar_width / 2
            column = np.floor((x - start) * per_unit).astype(np.int64)
            lefts, chosen = [], []
            for sign in (1.0, -1.0):
                side = np.flatnonzero(np.sign(heights) == sign)
                if not side.size:
                    continue
                # Within each column, the bar reaching furthest from zero comes first.
                order = side[np.lexsort((-np.abs(heights[side]), column[side]))]
                first = np.r_[True, np.diff(column[order]) != 0]
                chosen.append(order[first])
                lefts.append(start + column[order[first]] / per_unit)
            picked = np.concatenate(chosen)
            fills = self._fills_of(
                np.concatenate(lefts), 1.0 / per_unit, heights[picked], rgb[picked]
            )
        self._columns = (per_unit, fills)
        return fills

    def _fills_of(
        self, lefts: np.ndarray, width: float, heights: np.ndarray, rgb: np.ndarray
    ) -> list[tuple[QtGui.QBrush, QtGui.QPainterPath]]:
        """Bars from ``lefts`` (shape (n,)), ``width`` wide, as one path per colour."""
        rgb = rgb.astype(np.int32)
        packed = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
        colors, which = np.unique(packed, return_inverse=True)
        paths = [QtGui.QPainterPath() for _ in range(colors.size)]
        bottoms = np.minimum(heights, 0.0).tolist()
        spans = np.abs(heights).tolist()
        for index, left, bottom, span in zip(
            which.ravel().tolist(), lefts.tolist(), bottoms, spans, strict=True
        ):
            paths[index].addRect(left, bottom, width, span)
        brushes = [self._brush(color) for color in colors.tolist()]
        return list(zip(brushes, paths, strict=True))

    def _brush(self, packed: int) -> QtGui.QBrush:
        """The brush of colour ``0xRRGGBB``, made once (a live view sees the same colours
        frame after frame)."""
        brush = self._brushes.get(packed)
        if brush is None:
            if len(self._brushes) >= _MAX_BRUSHES:
                self._brushes.clear()
            brush = self._brushes[packed] = QtGui.QBrush(QtGui.QColor(packed))
        return brush

    def _make_bounds(self) -> QtCore.QRectF:
        finite = np.isfinite(self._heights)
        if not finite.any():
            return QtCore.QRectF()
        half = self.bar_width / 2
        heights = self._heights[finite]
        low, high = min(0.0, float(heights.min())), max(0.0, float(heights.max()))
        left, right = float(self._x.min()) - half, float(self._x.max()) + half
        return QtCore.QRectF(left, low, right - left, high - low)

    def boundingRect(self) -> QtCore.QRectF:
        return QtCore.QRectF(self._bounds)

    def paint(self, painter: QtGui.QPainter, *_args: object) -> None:
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        # Device pixels per x unit (the item is drawn unrotated).
        per_unit = abs(painter.transform().m11())
        if self._x.size > 1 and 0 < per_unit * self.bar_width < MIN_BAR_PIXELS:
            fills = self._column_fills(round(per_unit, 6))
        else:
            fills = self._bar_fills()
        for brush, path in fills:
            painter.fillPath(path, brush)
