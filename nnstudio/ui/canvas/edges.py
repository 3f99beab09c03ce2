"""All edges between two columns, painted by one item from NumPy buffers.

One ``QGraphicsLineItem`` per edge makes recolouring thousands of edges slow; this item keeps
the segment geometry, the weight of every drawn edge and its colour in arrays and paints them
with a handful of ``QPainter.drawLines`` calls, one per colour/width bucket.

Antialiased strokes are the costliest thing the canvas paints (tens of microseconds per
edge), so three things keep live updates cheap:

- level of detail: a bundle with more candidate edges than ``max_shown`` paints only the
  ``max_shown`` strongest by ``|w|`` (chosen again on every recolour); the canvas says so in
  its legend;
- the item is cached as a pixmap in device coordinates, so a frame that changes only the
  neurons blits the edges instead of stroking them again, and a recolour that moves no edge
  to another colour bucket repaints nothing;
- a recolour may be *deferred* (``set_values(..., defer=True)``): the arrays describing the
  edges change at once, the strokes when the canvas calls :meth:`EdgeBundleItem.refresh`,
  which it spreads over frames.

Pens are opaque: a weak edge gets its faded look from a colour pre-mixed with the white lanes
it crosses, because antialiased translucent strokes are several times slower to rasterise.

Edges of units that dropout dropped in the last training step (see
:meth:`EdgeBundleItem.set_dropped`) are drawn in paler colours of their own buckets, under
the others.
"""

from __future__ import annotations

import time
from functools import lru_cache

import numpy as np

from nnstudio.ui.colors import diverging_rgb
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets

#: Magnitude buckets per sign: enough steps for a smooth look, few enough pens to stay fast.
MAGNITUDE_BUCKETS = 7
#: Opacity factor of a faded bundle.
_DIMMED_OPACITY = 0.22
#: Opacity factor of the edges of a unit dropout dropped (on top of any dimming).
DROPPED_OPACITY = 0.2
#: Colour and width of an edge whose weight is not known yet.
UNKNOWN_RGB = (196, 201, 209)
_ACCENT = QtGui.QColor(37, 99, 235)


#: Offset that moves a dropped edge's bucket key below -1 (see ``set_values``).
_DROPPED_KEYS = 2 * MAGNITUDE_BUCKETS + 1


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
    opacity : ndarray, shape (E,)
        In [0, 1]; applied by mixing the colour with white.
    """
    magnitude = np.clip(magnitude, 0.0, 1.0)
    return 0.7 + 3.1 * magnitude, 0.3 + 0.7 * magnitude


def faded(rgb: np.ndarray, opacity: np.ndarray) -> np.ndarray:
    """Opaque colours that look like ``rgb`` at ``opacity`` over white.

    Parameters
    ----------
    rgb : ndarray, shape (k, 3)
    opacity : ndarray, shape (k,)

    Returns
    -------
    ndarray, shape (k, 3), uint8
    """
    mixed = rgb * opacity[:, None] + 255.0 * (1.0 - opacity[:, None])
    return np.clip(np.round(mixed), 0, 255).astype(np.uint8)


@lru_cache(maxsize=8 * MAGNITUDE_BUCKETS)
def _bucket_pen(bucket: int, fade: float) -> QtGui.QPen:
    """The pen of a colour bucket: ``bucket // 2`` is the magnitude level, odd is positive.

    Parameters
    ----------
    bucket : int
        ``level * 2 + (weight > 0)`` with ``level`` in ``[0, MAGNITUDE_BUCKETS)``.
    fade : float
        Opacity factor of the bundle (1, or less when dimmed).
    """
    center = (bucket // 2 + 0.5) / MAGNITUDE_BUCKETS
    sign = 1.0 if bucket % 2 == 1 else -1.0
    rgb = diverging_rgb(np.array([sign * center]), 1.0)
    widths, opacity = edge_style(np.array([center]))
    r, g, b = (int(c) for c in faded(rgb.astype(float), opacity * fade)[0])
    pen = QtGui.QPen(QtGui.QColor(r, g, b), float(widths[0]))
    pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
    return pen


class EdgeBundleItem(QtWidgets.QGraphicsItem):
    """Every drawn edge from one column to the next.

    Parameters
    ----------
    segments : ndarray, shape (E, 4)
        ``x0, y0, x1, y1`` of each candidate edge.
    sources, targets : ndarray of int, shape (E,)
        ``W[sources[e], targets[e]]`` is the weight of edge ``e``.
    max_shown : int or None
        Paint at most this many edges, the strongest by ``|w|``; ``None`` paints them all.
        Edges are all painted (in grey) while their weights are unknown.
    """

    def __init__(
        self,
        segments: np.ndarray,
        sources: np.ndarray,
        targets: np.ndarray,
        max_shown: int | None = None,
    ):
        super().__init__()
        self.segments = np.asarray(segments, dtype=float)
        self.sources = np.asarray(sources, dtype=np.int64)
        self.targets = np.asarray(targets, dtype=np.int64)
        count = self.segments.shape[0]
        self.max_shown = None if max_shown is None else max(1, int(max_shown))
        #: Weight of every candidate edge (NaN while unknown), shape (E,).
        self.values = np.full(count, np.nan)
        #: Colour of every candidate edge on the shared scale, shape (E, 3), uint8.
        self.colors = np.tile(np.array(UNKNOWN_RGB, dtype=np.uint8), (count, 1))
        #: Pen width of every candidate edge, shape (E,).
        self.widths = np.ones(count)
        #: Indices of the edges painted (ascending), shape (S,), S <= E.
        self.shown = np.arange(count, dtype=np.int64)
        self.limit = 1.0
        self._lines = [QtCore.QLineF(*row) for row in self.segments.tolist()]
        self._batches: list[tuple[QtGui.QPen, list[QtCore.QLineF]]] = []
        self._dimmed = False
        #: Per candidate edge, whether dropout cut it in the last step (None: none did).
        self._dropped: np.ndarray | None = None
        self._source: tuple[np.ndarray | None, float] = (None, 1.0)
        #: What the current strokes show: (shown edges, bucket per shown edge, fade).
        self._painted_key: tuple[np.ndarray, np.ndarray, float] | None = None
        self._wanted_key: tuple[np.ndarray, np.ndarray, float] | None = None
        self._pending = False
        #: Monotonic time of the last re-stroke (the canvas refreshes the stalest first).
        self.painted_at = 0.0
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
        # Stroking is expensive and edges change less often than neurons: keep the strokes.
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.set_values(None)

    # ---- data --------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Number of candidate edges (between the neurons drawn)."""
        return int(self.segments.shape[0])

    @property
    def shown_count(self) -> int:
        """Number of edges painted."""
        return int(self.shown.size)

    @property
    def pending(self) -> bool:
        """Whether a deferred recolour waits for :meth:`refresh`."""
        return self._pending

    def has_geometry(self, segments: np.ndarray, max_shown: int | None) -> bool:
        """Whether this bundle draws exactly ``segments`` with the same level of detail."""
        wanted = None if max_shown is None else max(1, int(max_shown))
        return wanted == self.max_shown and np.array_equal(self.segments, segments)

    def set_endpoints(self, sources: np.ndarray, targets: np.ndarray) -> None:
        """Let the same segments stand for other neurons (no-op when they are the same).

        Resizing a wide layer keeps its drawn slots but moves the indices of the neurons
        sampled at its end. The weights shown belonged to the old neurons: the edges turn
        grey (unknown) until the next :meth:`set_values`.

        Parameters
        ----------
        sources, targets : ndarray of int, shape (E,)
            ``W[sources[e], targets[e]]`` is now the weight of edge ``e``.
        """
        sources = np.asarray(sources, dtype=np.int64)
        targets = np.asarray(targets, dtype=np.int64)
        if np.array_equal(sources, self.sources) and np.array_equal(targets, self.targets):
            return
        self.sources = sources
        self.targets = targets
        self._dropped = None
        self.set_values(None)

    def edge_index(self, source: int, target: int) -> int | None:
        """Index of the drawn edge ``source → target``, or ``None`` when it is not drawn."""
        hits = np.flatnonzero((self.sources == source) & (self.targets == target))
        return int(hits[0]) if hits.size else None

    def set_values(
        self, weights: np.ndarray | None, limit: float = 1.0, *, defer: bool = False
    ) -> None:
        """Recolour from a layer's weight matrix.

        Parameters
        ----------
        weights : ndarray, shape (fan_in, fan_out), or None
            The layer's ``W``; ``None`` draws every edge in neutral grey.
        limit : float
            Magnitude that gets the full colour and width.
        defer : bool
            Update the arrays now but stroke the edges only on :meth:`refresh` (live
            training); otherwise they are repainted at once.
        """
        count = self.count
        self.limit = float(limit) if limit > 0 else 1.0
        self._source = (weights, self.limit)
        fade = _DIMMED_OPACITY if self._dimmed else 1.0
        if weights is None or count == 0:
            self.values = np.full(count, np.nan)
            self.widths = np.ones(count)
            self.colors[:] = UNKNOWN_RGB
            self.shown = np.arange(count, dtype=np.int64)
            # Bucket -1: the grey of unknown weights.
            self._request((self.shown, np.full(count, -1, dtype=np.int64), fade), defer)
            return
        values = np.asarray(weights)[self.sources, self.targets].astype(float)
        magnitude = np.abs(np.nan_to_num(values))
        self.widths = edge_style(magnitude / self.limit)[0]
        self.values = values
        self.colors = diverging_rgb(values, self.limit)
        if self.max_shown is not None and count > self.max_shown:
            strongest = np.argpartition(magnitude, count - self.max_shown)[count - self.max_shown :]
            self.shown = np.sort(strongest)
        else:
            self.shown = np.arange(count, dtype=np.int64)
        relative = np.clip(np.nan_to_num(values[self.shown] / self.limit), -1.0, 1.0)
        level = np.minimum(
            (np.abs(relative) * MAGNITUDE_BUCKETS).astype(np.int64), MAGNITUDE_BUCKETS - 1
        )
        # Bucket key: magnitude level first so strong edges are painted last (on top).
        keys = level * 2 + (relative > 0)
        if self._dropped is not None:
            # Dropped edges: keys below -1 (-1 is the grey of unknown weights), so they sort
            # first and are painted under the edges that took part in the step.
            keys = np.where(self._dropped[self.shown], keys - _DROPPED_KEYS, keys)
        self._request((self.shown, keys, fade), defer)

    def _request(self, key: tuple[np.ndarray, np.ndarray, float], defer: bool) -> None:
        """Note what the strokes should show; repaint now, on refresh(), or not at all."""
        self._wanted_key = key
        painted = self._painted_key
        unchanged = (
            painted is not None
            and painted[2] == key[2]
            and np.array_equal(painted[0], key[0])
            and np.array_equal(painted[1], key[1])
        )
        # Colours come in a few buckets: most small weight changes leave every edge in its own.
        self._pending = not unchanged
        if self._pending and not defer:
            self.refresh()

    def refresh(self) -> None:
        """Stroke the edges as the last :meth:`set_values` described (no-op when current)."""
        key = self._wanted_key
        if not self._pending or key is None:
            return
        shown, keys, fade = key
        lines = self._lines
        batches = []
        if shown.size and keys[0] == -1:
            grey = faded(np.array([UNKNOWN_RGB], dtype=float), np.array([fade]))[0]
            pen = QtGui.QPen(QtGui.QColor(*(int(c) for c in grey)), 1.0)
            pen.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
            batches.append((pen, [lines[j] for j in shown.tolist()]))
        elif shown.size:
            order = np.argsort(keys, kind="stable")
            bucket_keys, starts = np.unique(keys[order], return_index=True)
            bounds = np.append(starts, order.size).tolist()
            edge_ids = shown[order].tolist()
            for i, bucket in enumerate(bucket_keys.tolist()):
                batch = [lines[j] for j in edge_ids[bounds[i] : bounds[i + 1]]]
                if bucket < 0:
                    pen = _bucket_pen(bucket + _DROPPED_KEYS, fade * DROPPED_OPACITY)
                else:
                    pen = _bucket_pen(bucket, fade)
                batches.append((pen, batch))
        self._batches = batches
        self._painted_key = key
        self._pending = False
        self.painted_at = time.monotonic()
        self.update()

    def line(self, index: int) -> QtCore.QLineF:
        """The segment of drawn edge ``index``."""
        return self._lines[index]

    def set_dropped(self, before: np.ndarray | None, after: np.ndarray | None) -> None:
        """Fade the edges of units dropout dropped; applied by the next :meth:`set_values`.

        An edge takes no part in a training step when its source unit was dropped (its
        output was 0) or its target unit was (no gradient flows back through it).

        Parameters
        ----------
        before, after : ndarray of bool or None
            Per unit of the source and target layer (all of its units, not only those
            drawn), ``True`` where dropout dropped it; ``None`` where no unit was dropped.
        """
        dropped = None
        if before is not None:
            dropped = np.asarray(before, dtype=bool)[self.sources]
        if after is not None:
            cut = np.asarray(after, dtype=bool)[self.targets]
            dropped = cut if dropped is None else dropped | cut
        self._dropped = dropped if dropped is not None and dropped.any() else None

    @property
    def dropped(self) -> np.ndarray | None:
        """Per candidate edge, whether it is drawn as cut by dropout (``None``: none is)."""
        return self._dropped

    def set_dimmed(self, dimmed: bool) -> None:
        """Fade the whole bundle (a neuron is in focus, or a column is being dragged).

        The pens are rebuilt with paler colours rather than painted translucent, which keeps
        painting on the fast opaque path.
        """
        if dimmed != self._dimmed:
            self._dimmed = dimmed
            self.set_values(*self._source)

    @property
    def dimmed(self) -> bool:
        """Whether the bundle is drawn faded."""
        return self._dimmed

    # ---- painting ----------------------------------------------------------------------------

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        for pen, lines in self._batches:
            painter.setPen(pen)
            painter.drawLines(lines)


class EdgeHighlightItem(QtWidgets.QGraphicsItem):
    """The selected and the hovered edge, drawn above the bundles.

    Kept apart from :class:`EdgeBundleItem` so moving the mouse over edges repaints two lines,
    not every edge of a layer.
    """

    def __init__(self) -> None:
        super().__init__()
        self._selected: tuple[QtCore.QLineF, tuple[int, int, int]] | None = None
        self._hovered: tuple[QtCore.QLineF, tuple[int, int, int]] | None = None
        self._neighbourhood: list[QtCore.QLineF] = []
        self._neighbourhood_pens: list[QtGui.QPen] = []
        self._neighbourhood_bounds = QtCore.QRectF()
        self._edge_bounds = QtCore.QRectF()
        self._bounds = QtCore.QRectF()
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)

    @staticmethod
    def _entry(
        bundle: EdgeBundleItem | None, index: int | None
    ) -> tuple[QtCore.QLineF, tuple[int, int, int]] | None:
        if bundle is None or index is None:
            return None
        r, g, b = (int(c) for c in bundle.colors[index])
        return bundle.line(index), (r, g, b)

    def set_edges(
        self,
        selected: tuple[EdgeBundleItem, int] | None,
        hovered: tuple[EdgeBundleItem, int] | None,
    ) -> None:
        """Show the selected and hovered edges (``(bundle, edge index)`` each, or ``None``)."""
        new_selected = self._entry(*selected) if selected else None
        new_hovered = self._entry(*hovered) if hovered else None
        if new_selected == self._selected and new_hovered == self._hovered:
            return
        self.prepareGeometryChange()
        self._selected, self._hovered = new_selected, new_hovered
        rect = QtCore.QRectF()
        for entry in (new_selected, new_hovered):
            if entry is not None:
                line = entry[0]
                rect = rect.united(QtCore.QRectF(line.p1(), line.p2()).normalized())
        self._edge_bounds = rect.adjusted(-6, -6, 6, 6) if not rect.isNull() else QtCore.QRectF()
        self._bounds = self._edge_bounds.united(self._neighbourhood_bounds)
        self.update()

    def set_neighbourhood(self, groups: list[tuple[EdgeBundleItem, np.ndarray]]) -> None:
        """Draw the edges of a focused neuron at full strength above the others.

        Parameters
        ----------
        groups : list of (EdgeBundleItem, ndarray of int)
            The bundles holding the neuron's incoming and outgoing edges and the indices of
            those edges in each.
        """
        lines: list[QtCore.QLineF] = []
        pens: list[QtGui.QPen] = []
        rect = QtCore.QRectF()
        for bundle, indices in groups:
            for index in np.asarray(indices, dtype=np.int64).tolist():
                r, g, b = (int(c) for c in bundle.colors[index])
                pen = QtGui.QPen(QtGui.QColor(r, g, b), max(1.4, float(bundle.widths[index])))
                pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
                line = bundle.line(index)
                lines.append(line)
                pens.append(pen)
                rect = rect.united(QtCore.QRectF(line.p1(), line.p2()).normalized())
        self.prepareGeometryChange()
        self._neighbourhood = lines
        self._neighbourhood_pens = pens
        self._neighbourhood_bounds = rect.adjusted(-4, -4, 4, 4) if lines else QtCore.QRectF()
        self._bounds = self._edge_bounds.united(self._neighbourhood_bounds)
        self.update()

    @property
    def neighbourhood_size(self) -> int:
        """Number of edges drawn emphasised for the focused neuron."""
        return len(self._neighbourhood)

    @property
    def selected_line(self) -> QtCore.QLineF | None:
        """The selected edge's segment, if an edge is selected."""
        return None if self._selected is None else self._selected[0]

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        for pen, line in zip(self._neighbourhood_pens, self._neighbourhood, strict=True):
            painter.setPen(pen)
            painter.drawLine(line)
        if self._hovered is not None and self._hovered != self._selected:
            self._stroke(painter, *self._hovered, halo=6.0, core=3.0)
        if self._selected is not None:
            self._stroke(painter, *self._selected, halo=7.0, core=3.2, halo_color=_ACCENT)

    @staticmethod
    def _stroke(
        painter: QtGui.QPainter,
        line: QtCore.QLineF,
        rgb: tuple[int, int, int],
        halo: float,
        core: float,
        halo_color: QtGui.QColor | None = None,
    ) -> None:
        pen = QtGui.QPen(halo_color or QtGui.QColor(255, 255, 255), halo)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(line)
        pen = QtGui.QPen(QtGui.QColor(*rgb), core)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        painter.drawLine(line)
