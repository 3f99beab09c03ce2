"""All edges between two columns, painted by one item from NumPy buffers.

One ``QGraphicsLineItem`` per edge makes recolouring thousands of edges slow; this item keeps
the segment geometry, the weight of every drawn edge and its colour in arrays and paints them
with a handful of ``QPainter.drawLines`` calls, one per colour/width bucket. Recolouring costs
O(number of drawn edges).
"""

from __future__ import annotations

import numpy as np

from nnstudio.ui.colors import diverging_rgb
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets

#: Magnitude buckets per sign: enough steps for a smooth look, few enough pens to stay fast.
MAGNITUDE_BUCKETS = 7
#: Colour and width of an edge whose weight is not known yet.
UNKNOWN_RGB = (196, 201, 209)
_ACCENT = QtGui.QColor(37, 99, 235)


def edge_style(magnitude: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pen width and opacity for relative weight magnitudes.

    Parameters
    ----------
    magnitude : ndarray, shape (E,)
        ``|w| / limit`` clipped to [0, 1].

    Returns
    -------
    width : ndarray, shape (E,)
        Pen width in scene units.
    alpha : ndarray, shape (E,)
        Opacity in [0, 255].
    """
    magnitude = np.clip(magnitude, 0.0, 1.0)
    return 0.6 + 3.8 * magnitude**0.9, 70.0 + 185.0 * magnitude


class EdgeBundleItem(QtWidgets.QGraphicsItem):
    """Every drawn edge from one column to the next.

    Parameters
    ----------
    segments : ndarray, shape (E, 4)
        ``x0, y0, x1, y1`` of each edge.
    sources, targets : ndarray of int, shape (E,)
        ``W[sources[e], targets[e]]`` is the weight of edge ``e``.
    """

    def __init__(self, segments: np.ndarray, sources: np.ndarray, targets: np.ndarray):
        super().__init__()
        self.segments = np.asarray(segments, dtype=float)
        self.sources = np.asarray(sources, dtype=np.int64)
        self.targets = np.asarray(targets, dtype=np.int64)
        count = self.segments.shape[0]
        #: Weight of every drawn edge (NaN while unknown), shape (E,).
        self.values = np.full(count, np.nan)
        #: Colour of every drawn edge on the shared scale, shape (E, 3), uint8.
        self.colors = np.tile(np.array(UNKNOWN_RGB, dtype=np.uint8), (count, 1))
        self.limit = 1.0
        self.highlighted: int | None = None
        self._lines = [QtCore.QLineF(*row) for row in self.segments.tolist()]
        self._batches: list[tuple[QtGui.QPen, list[QtCore.QLineF]]] = []
        self._dimmed = False
        if count:
            low = self.segments.min(axis=0)
            high = self.segments.max(axis=0)
            left, right = min(low[0], low[2]), max(high[0], high[2])
            top, bottom = min(low[1], low[3]), max(high[1], high[3])
            self._bounds = QtCore.QRectF(left, top, right - left, bottom - top).adjusted(
                -6, -6, 6, 6
            )
        else:
            self._bounds = QtCore.QRectF()
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.set_values(None)

    # ---- data --------------------------------------------------------------------------------

    def edge_index(self, source: int, target: int) -> int | None:
        """Index of the drawn edge ``source → target``, or ``None`` when it is not drawn."""
        hits = np.flatnonzero((self.sources == source) & (self.targets == target))
        return int(hits[0]) if hits.size else None

    def set_values(self, weights: np.ndarray | None, limit: float = 1.0) -> None:
        """Recolour from a layer's weight matrix.

        Parameters
        ----------
        weights : ndarray, shape (fan_in, fan_out), or None
            The layer's ``W``; ``None`` draws every edge in neutral grey.
        limit : float
            Magnitude that gets the full colour and width.
        """
        count = self.segments.shape[0]
        self.limit = float(limit) if limit > 0 else 1.0
        if weights is None or count == 0:
            self.values = np.full(count, np.nan)
            self.colors[:] = UNKNOWN_RGB
            pen = QtGui.QPen(QtGui.QColor(*UNKNOWN_RGB, 190), 1.0)
            pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
            self._batches = [(pen, self._lines)] if count else []
            self.update()
            return
        values = np.asarray(weights, dtype=float)[self.sources, self.targets]
        self.values = values
        self.colors = diverging_rgb(values, self.limit)
        relative = np.clip(np.nan_to_num(values / self.limit), -1.0, 1.0)
        level = np.minimum(
            (np.abs(relative) * MAGNITUDE_BUCKETS).astype(np.int64), MAGNITUDE_BUCKETS - 1
        )
        # Bucket key: magnitude level first so strong edges are painted last (on top).
        key = level * 2 + (relative > 0)
        order = np.argsort(key, kind="stable")
        keys, starts = np.unique(key[order], return_index=True)
        bounds = np.append(starts, order.size)
        centers = (keys // 2 + 0.5) / MAGNITUDE_BUCKETS
        signs = np.where(keys % 2 == 1, 1.0, -1.0)
        rgb = diverging_rgb(signs * centers, 1.0)
        widths, alphas = edge_style(centers)
        lines = self._lines
        batches = []
        for i in range(keys.size):
            color = QtGui.QColor(int(rgb[i, 0]), int(rgb[i, 1]), int(rgb[i, 2]), int(alphas[i]))
            pen = QtGui.QPen(color, float(widths[i]))
            pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
            batches.append((pen, [lines[j] for j in order[bounds[i] : bounds[i + 1]].tolist()]))
        self._batches = batches
        self.update()

    def set_highlighted(self, index: int | None) -> None:
        """Outline one edge (the selected one)."""
        if index != self.highlighted:
            self.highlighted = index
            self.update()

    def set_dimmed(self, dimmed: bool) -> None:
        """Fade the whole bundle (while a column is being dragged)."""
        if dimmed != self._dimmed:
            self._dimmed = dimmed
            self.update()

    # ---- painting ----------------------------------------------------------------------------

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(self, painter: QtGui.QPainter, option, widget=None) -> None:
        if self._dimmed:
            painter.setOpacity(0.25)
        for pen, lines in self._batches:
            painter.setPen(pen)
            painter.drawLines(lines)
        if self.highlighted is not None and 0 <= self.highlighted < len(self._lines):
            line = self._lines[self.highlighted]
            halo = QtGui.QPen(QtGui.QColor(255, 255, 255, 230), 7.0)
            halo.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
            painter.setPen(halo)
            painter.drawLine(line)
            r, g, b = (int(c) for c in self.colors[self.highlighted])
            core = QtGui.QPen(QtGui.QColor(r, g, b), 3.5)
            core.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
            painter.setPen(core)
            painter.drawLine(line)
            outline = QtGui.QPen(_ACCENT, 1.2, QtCore.Qt.PenStyle.DashLine)
            painter.setPen(outline)
            painter.drawLine(line)
