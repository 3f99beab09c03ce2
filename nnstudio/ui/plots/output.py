"""The Output tab: what the network predicts.

* Data with an input plane (two features, or points of a built-in 2-D generator whatever
  features of them the network reads): the decision regions (classification, coloured by
  class probability, with the decision boundary drawn as a line) or the regression surface
  over the plane, with training points (circles) and validation points (triangles) on top.
* 1-input data (without a plane): the fitted curve over the data.
* Classification: the confusion matrix on the validation set (the training set without one).
* Regression: predicted against actual values with the line ``y = x``.

Where the tab is too narrow for its check boxes on one line (a small dock at a large font),
they go into a Show menu, as in the Loss tab: a second line of controls would take the
height the plots need. For the same reason a low plot (as in the Loss tab) has a one-line
title, in fewer words or digits where the full one would not fit, and no x axis name; the
title's tooltip has it in full and says what the axes are.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.data import image_shape_of
from nnstudio.engine.products import matmul
from nnstudio.spec import DEFAULT_PLANE_FEATURES, plane_features_read, with_minus_sign
from nnstudio.ui.frame import finite_range, plottable
from nnstudio.ui.plots.activations import class_tick_wordings
from nnstudio.ui.plots.common import (
    LABEL_GAP_VERTICAL,
    LOW_PLOT_LINES,
    TRAIN_COLOR,
    VALIDATION_COLOR,
    FoldingTab,
    class_colors,
    compact_large_ticks,
    fold_button,
    image_mosaic,
    key,
    make_plot,
    menu_toggle,
    palette_color,
    pen,
    qt_dash,
    set_title,
    short_number,
)
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, pg

if TYPE_CHECKING:
    from nnstudio.data import Dataset
    from nnstudio.spec import Project
    from nnstudio.ui.frame import Frame

#: At most this many points of each split are drawn on the map (a fixed random subset).
_MAX_POINTS = 2000
#: Largest class count whose confusion-matrix cells get a count written in them.
_MAX_CELL_TEXT = 30
#: Title text explaining the point markers (the map has no legend box to hide points); a
#: narrow title wraps between the two keys, never between a marker and its name.
_POINT_KEYS = "●&nbsp;training&nbsp;&nbsp; ▼&nbsp;validation"
#: The point key of data without a validation set.
_TRAINING_KEY = "●&nbsp;training"
#: The validation check box's tooltips, with and without validation data.
_VALIDATION_TIP = "Show held-out examples (triangles) on the map"
_NO_VALIDATION_TIP = (
    "This data has no validation set (0 % held out): there are no validation points to show. "
    "Hold some examples out in the Data panel to get them."
)


def _r2_text(actual: np.ndarray, predicted: np.ndarray, digits: int = 3) -> str:
    """R² of ``predicted`` against ``actual`` in a few characters.

    ``"n/a"`` where it is undefined (targets without spread); a diverged run's huge
    negative R² in scientific notation rather than forty digits. ``digits``: decimals of
    ordinary values, significant digits of far worse ones.
    """
    # A diverged run's predictions overflow when squared: that is an infinite residual.
    with np.errstate(over="ignore", invalid="ignore"):
        residual = float(np.sum((actual - predicted) ** 2))
        total = float(np.sum((actual - actual.mean()) ** 2))
        if not total > 0 or math.isnan(residual):
            return "n/a"
        r2 = 1.0 - residual / total
    # Three decimals for ordinary values (0.912, −0.128), three digits for far worse ones.
    if abs(r2) < 10.0:
        return with_minus_sign(f"{r2:.{digits}f}")
    return short_number(r2, digits)


#: Spaces between words of a title's text (not those inside its HTML tags).
_TEXT_SPACE = re.compile(r" (?![^<]*>)")


def _one_line(html: str) -> str:
    """``html`` with non-breaking spaces between its words: a low plot's title wording,
    which must not wrap onto a second line."""
    return _TEXT_SPACE.sub("&nbsp;", html)


def _point_tip(validation: bool) -> str:
    """What the map's points are, for a tooltip."""
    return "Points: ● training" + (", ▼ validation." if validation else ".")


def _point_keys(validation: bool) -> str:
    """The point keys of the map's title (the validation key only for data that has it)."""
    return _POINT_KEYS if validation else _TRAINING_KEY


def _coloured_point_keys(validation: bool = True) -> str:
    """The point keys in the splits' own colours (where points are coloured by split)."""

    def mark(symbol: str, color: tuple[int, ...]) -> str:
        hex_color = "#{:02x}{:02x}{:02x}".format(*color[:3])
        return f'<span style="color: {hex_color};">{symbol}</span>'

    training = f"{mark('●', TRAIN_COLOR)}&nbsp;training"
    if not validation:
        return training
    return f"{training}&nbsp;&nbsp; {mark('▼', VALIDATION_COLOR)}&nbsp;validation"


#: Example images shown for image-like data: at most rows × columns of tiles (fewer rows
#: where a short plot would shrink the tiles, see :func:`example_rows`).
_TILE_ROWS, _TILE_COLUMNS = 4, 6
#: Smaller point sizes a caption or cell count may take where its cell is too small for the
#: application's font, largest first.
_SMALL_TEXT_POINTS = (8, 7)
#: How strongly region colours are washed towards white, so the points stay readable.
_REGION_WASH = 0.35
#: The decision boundary's line colour (dark grey reads on every class colour and on white).
_BOUNDARY_COLOR = (40, 40, 40)
#: Example images: the lowest value is paper, the highest ink, as in the Data panel; each
#: tile is framed in light grey.
_PAPER = (255, 255, 255)
_INK = (0, 0, 0)
_TILE_FRAME = (190, 190, 190)


def _mode_for(feature_names: Sequence[str], n_features: int, plane: bool = False) -> str:
    """``"map2d"``, ``"curve"``, ``"images"`` (pixel features) or ``""`` (nothing to map).

    ``plane``: the data has an input plane (see :attr:`~nnstudio.data.Dataset.has_plane`),
    which a frame shows by having a :attr:`~nnstudio.ui.frame.Frame.grid`.
    """
    if plane or n_features == 2:
        return "map2d"
    if n_features == 1:
        return "curve"
    return "images" if image_shape_of(tuple(feature_names)) is not None else ""


def example_rows(
    width: float, height: float, shape: tuple[int, int], caption_height: float
) -> tuple[int, int]:
    """How many rows of example tiles to show in a view, and the rows of pixels between them.

    Each row of tiles has a caption of ``caption_height`` pixels above it. Rows are given
    up (down to 2) while they shrink the tiles much: a short plot shows fewer, larger
    examples rather than many small ones.

    Parameters
    ----------
    width, height : float
        The view's size in pixels.
    shape : tuple of int
        ``(height, width)`` of one image in pixels of the data.
    caption_height : float
        Height of a caption's text (screen pixels).

    Returns
    -------
    rows : int
        Rows of :data:`_TILE_COLUMNS` tiles, from 2 to :data:`_TILE_ROWS`.
    gap : int
        Image pixels above each row of tiles, enough for a caption.
    """
    tile_height, tile_width = shape
    across = _TILE_COLUMNS * (tile_width + 1) - 1

    def fit(rows: int) -> tuple[float, int]:
        """Screen pixels per image pixel with ``rows`` rows, and the caption gap there."""
        gap = max(2, tile_height // 3)
        scale = 1.0
        for _ in range(4):  # the gap and the scale depend on each other: settle both
            scale = min(width / across, height / (rows * (tile_height + gap)))
            needed = math.ceil(caption_height / max(scale, 1e-6))
            gap = max(2, tile_height // 3, min(needed, tile_height))
        return scale, gap

    fits = {rows: fit(rows) for rows in range(_TILE_ROWS, 1, -1)}
    best = max(scale for scale, _gap in fits.values())
    # The most rows whose tiles are nearly as large as the largest possible.
    rows = next(rows for rows, (scale, _gap) in fits.items() if scale >= 0.85 * best)
    return rows, fits[rows][1]


def class_probabilities(outputs: np.ndarray) -> np.ndarray:
    """Per-class probabilities from output activations.

    Parameters
    ----------
    outputs : ndarray, shape (..., units)
        One sigmoid unit gives ``[1 - p, p]``; several units are clipped at zero and
        normalised to sum to one (exact for softmax).

    Returns
    -------
    ndarray, shape (..., n_classes)
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.shape[-1] == 1:
        # A NaN output (an overflowing network) reads as undecided.
        p = np.clip(np.nan_to_num(outputs[..., 0], nan=0.5), 0.0, 1.0)
        return np.stack([1.0 - p, p], axis=-1)
    # Infinite outputs count as certain, NaN ones as nothing: the sums stay finite.
    positive = np.clip(np.nan_to_num(outputs, nan=0.0, posinf=1.0, neginf=0.0), 0.0, None)
    total = positive.sum(axis=-1, keepdims=True)
    uniform = np.full_like(positive, 1.0 / positive.shape[-1])
    return np.divide(positive, total, out=uniform, where=total > 0)


def region_colors(probabilities: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """RGB colours of class regions: the classes' colours mixed by probability.

    Confident regions show their class's colour; undecided ones fade to white, so the
    decision boundary reads as a pale band.

    Parameters
    ----------
    probabilities : ndarray, shape (..., K)
    colors : ndarray, shape (K, 3)

    Returns
    -------
    ndarray, shape (..., 3), dtype uint8
    """
    k = probabilities.shape[-1]
    mixed = matmul(probabilities, colors.astype(np.float64))
    top = probabilities.max(axis=-1, keepdims=True)
    confidence = np.clip((top - 1.0 / k) / (1.0 - 1.0 / k), 0.0, 1.0) if k > 1 else top
    strength = (1.0 - _REGION_WASH) * confidence
    rgb = 255.0 * (1.0 - strength) + mixed * strength
    return np.clip(rgb, 0, 255).round().astype(np.uint8)


def grid_image_rect(extent: Sequence[float], size: int) -> tuple[float, float, float, float]:
    """``(x, y, width, height)`` an image of a ``size``×``size`` grid over ``extent`` covers.

    The grid's points lie on the extent's edges and ``size - 1`` steps apart; an image's
    pixel centres lie half a pixel inside its rectangle. The rectangle therefore reaches
    half a step beyond the extent on every side, so each pixel sits on its grid point.
    """
    x0, x1, y0, y1 = (float(v) for v in extent)
    steps = max(int(size) - 1, 1)
    dx, dy = (x1 - x0) / steps, (y1 - y0) / steps
    return x0 - dx / 2, y0 - dy / 2, x1 - x0 + dx, y1 - y0 + dy


#: Marching squares: a cell's corners (bottom-left, bottom-right, top-left, top-right) as
#: offsets from its bottom-left grid point ``(row, column)``.
_CORNERS = np.array([(0, 0), (0, 1), (1, 0), (1, 1)])
#: A cell's edges (bottom, top, left, right), each from one corner to another.
_EDGE_ENDS = np.array([(0, 1), (2, 3), (0, 2), (1, 3)])


def boundary_segments(probabilities: np.ndarray, extent: Sequence[float]) -> np.ndarray:
    """Line segments of the decision boundary over a grid of class probabilities.

    The boundary is where the most probable class changes: where the two most probable
    classes ``a`` and ``b`` are equally probable. For each pair of classes that meet, it is
    traced by marching squares as the zero line of ``p_a - p_b`` (interpolated linearly
    between grid points, saddles decided by the cell's mean), and kept only where no third
    class is more probable: each line is cut where ``p_a - max(p_c)`` (``c`` any other
    class) turns negative on it, so the lines of three classes end where they meet. Each
    boundary is then a single line; for two classes this is marching squares on
    ``p1 = 0.5``. Only cells whose corners predict different classes are traced (no
    boundary crosses the others), and only pairs that meet somewhere: the live Output tab
    redraws the boundary with every frame.

    Parameters
    ----------
    probabilities : ndarray, shape (G, G, K)
        Row ``i`` is the ``i``-th grid value of the second input, column ``j`` the ``j``-th
        of the first; ``K >= 2`` classes.
    extent : sequence of float
        ``(x0, x1, y0, y1)``: the grid's first and last values along each input.

    Returns
    -------
    ndarray, shape (2 * S, 2)
        The ``S`` segments' end points in data coordinates, one segment per pair of rows
        (empty when one class wins everywhere).
    """
    probabilities = np.nan_to_num(np.asarray(probabilities, dtype=np.float64))
    rows, columns, classes = probabilities.shape
    if rows < 2 or columns < 2 or classes < 2:
        return np.zeros((0, 2))
    x0, x1, y0, y1 = (float(v) for v in extent)
    xs = np.linspace(x0, x1, columns)
    ys = np.linspace(y0, y1, rows)
    labels = np.argmax(probabilities, axis=-1)
    # Cells whose corners do not all predict one class: where every boundary runs (where
    # one class wins all four corners, its lead holds along the edges, interpolated).
    corner_labels = np.stack(
        [labels[r : rows - 1 + r, c : columns - 1 + c] for r, c in _CORNERS.tolist()]
    )
    row, column = np.nonzero((corner_labels != corner_labels[0]).any(axis=0))
    pairs = _meeting_pairs(probabilities, labels)
    if row.size == 0 or pairs.shape[0] == 0:
        return np.zeros((0, 2))
    # Probabilities at the corners of those cells, shape (4, N, K), and p_a - p_b of every
    # pair there, shape (4, N, P).
    values = probabilities[row + _CORNERS[:, :1], column + _CORNERS[:, 1:]]
    corners = values[..., pairs[:, 0]] - values[..., pairs[:, 1]]
    # A tie counts for ``a`` (the lower class), as it does for argmax: a cell is then crossed
    # only where its corners' winners differ.
    inside = corners >= 0
    # Edges whose ends lie on different sides of the line, shape (4, N, P).
    crossed = inside[_EDGE_ENDS[:, 0]] != inside[_EDGE_ENDS[:, 1]]
    count = crossed.sum(axis=0)
    # Two crossed edges: one segment between them.
    cell, pair = np.nonzero(count == 2)
    single = crossed[:, cell, pair]
    first = np.argmax(single, axis=0)
    last = 3 - np.argmax(single[::-1], axis=0)
    # Four (a saddle): two segments, cutting off the two corners on the other side than the
    # cell's centre (the mean of its corners).
    s_cell, s_pair = np.nonzero(count == 4)
    centre = corners[:, s_cell, s_pair].mean(axis=0) >= 0
    joined = inside[0, s_cell, s_pair] == centre
    # Joined bottom-left and top-right: cut off bottom-right (bottom, right) and top-left
    # (top, left); else bottom-left (bottom, left) and top-right (top, right).
    cell = np.concatenate([cell, s_cell, s_cell])
    pair = np.concatenate([pair, s_pair, s_pair])
    edge_a = np.concatenate([first, np.zeros_like(s_cell), np.ones_like(s_cell)])
    edge_b = np.concatenate([last, np.where(joined, 3, 2), np.where(joined, 2, 3)])
    grid = (xs, ys, row, column)
    start, start_room = _crossing(values, corners, pairs, grid, cell, pair, edge_a)
    end, end_room = _crossing(values, corners, pairs, grid, cell, pair, edge_b)
    # Keep the part of each segment where no third class wins (room >= 0), linear between
    # its ends.
    keep = (start_room >= 0) | (end_room >= 0)
    start, end = start[keep], end[keep]
    start_room, end_room = start_room[keep], end_room[keep]
    with np.errstate(divide="ignore", invalid="ignore"):
        cut = np.clip(start_room / (start_room - end_room), 0.0, 1.0)[:, None]
    cut_point = start + cut * (end - start)
    start = np.where((start_room < 0)[:, None], cut_point, start)
    end = np.where((end_room < 0)[:, None], cut_point, end)
    return np.stack([start, end], axis=1).reshape(-1, 2)


def _meeting_pairs(probabilities: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Pairs of classes ``(a, b)``, ``a < b``, whose boundary may cross the grid: the two most
    probable classes at some grid point, or the winners (``labels``) of two neighbouring
    points.

    Returns
    -------
    ndarray of int, shape (P, 2)
    """
    classes = probabilities.shape[-1]
    if classes == 2:
        return np.array([[0, 1]])
    top = np.argpartition(-probabilities, 1, axis=-1)[..., :2].reshape(-1, 2)
    neighbours = np.concatenate(
        [
            np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()], axis=1),
            np.stack([labels[:-1].ravel(), labels[1:].ravel()], axis=1),
        ]
    )
    candidates = np.concatenate([top, neighbours])
    low, high = candidates.min(axis=1), candidates.max(axis=1)
    codes = np.unique(low[low != high] * classes + high[low != high])
    return np.stack([codes // classes, codes % classes], axis=1)


def _crossing(
    values: np.ndarray,
    corners: np.ndarray,
    pairs: np.ndarray,
    grid: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    cell: np.ndarray,
    pair: np.ndarray,
    edge: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Where pairs' lines cross edges of cells, and the room their classes have there.

    Parameters
    ----------
    values : ndarray, shape (4, N, K)
        Class probabilities at the corners of the traced cells.
    corners : ndarray, shape (4, N, P)
        ``p_a - p_b`` of each pair there.
    pairs : ndarray of int, shape (P, 2)
    grid : tuple of ndarray
        ``(xs, ys, row, column)``: the grid's values along each input, and each traced
        cell's bottom-left grid point.
    cell, pair, edge : ndarray of int, shape (M,)
        The traced cell, the pair and the cell's edge (bottom, top, left, right) of each
        crossing.

    Returns
    -------
    points : ndarray, shape (M, 2)
        The crossings in data coordinates.
    room : ndarray, shape (M,)
        ``p_a - max(p_c)`` over the other classes ``c`` at the crossing (probabilities
        interpolated along the edge): negative where a third class wins.
    """
    xs, ys, row, column = grid
    near_corner, far_corner = _EDGE_ENDS[edge, 0], _EDGE_ENDS[edge, 1]
    near = corners[near_corner, cell, pair]
    far = corners[far_corner, cell, pair]
    # The ends lie on different sides of zero (one may be zero), so near != far.
    t = near / (near - far)
    near_row, far_row = row[cell] + _CORNERS[near_corner, 0], row[cell] + _CORNERS[far_corner, 0]
    near_column = column[cell] + _CORNERS[near_corner, 1]
    far_column = column[cell] + _CORNERS[far_corner, 1]
    x = xs[near_column] + t * (xs[far_column] - xs[near_column])
    y = ys[near_row] + t * (ys[far_row] - ys[near_row])
    points = np.stack([x, y], axis=1)
    if values.shape[-1] == 2:
        return points, np.ones_like(t)
    p_near = values[near_corner, cell]
    p = p_near + t[:, None] * (values[far_corner, cell] - p_near)
    lines = np.arange(t.shape[0])
    a, b = pairs[pair, 0], pairs[pair, 1]
    tied = p[lines, a]  # = p_b: the line is where they are equal
    p[lines, a] = -np.inf
    p[lines, b] = -np.inf
    return points, tied - p.max(axis=1)


class DecisionMap:
    """A frame's class regions over the input plane, ready to draw.

    Parameters
    ----------
    grid : FrameGrid
        The frame's grid; its last layer's outputs are the class scores.

    Attributes
    ----------
    probabilities : ndarray, shape (G, G, K)
        Class probabilities (:func:`class_probabilities`), row 0 the lowest ``y``.
    colors : ndarray of uint8, shape (G, G, 3)
        The regions' colours (:func:`region_colors` with :func:`class_colors`).
    """

    def __init__(self, grid: Any) -> None:
        self.grid = grid
        self.probabilities = class_probabilities(grid.grid_A[-1])
        self.colors = region_colors(self.probabilities, class_colors(self.probabilities.shape[-1]))

    @functools.cached_property
    def boundary(self) -> np.ndarray:
        """End points of the decision boundary's segments, shape (2 * S, 2): traced when first
        asked for (only views that draw the line need it)."""
        return boundary_segments(self.probabilities, self.grid.extent)


#: The last grid's map: the Output tab and the data preview show the same frame in turn.
_last_decision_map: DecisionMap | None = None


def decision_map(grid: Any) -> DecisionMap:
    """The :class:`DecisionMap` of ``grid``, made once however many views show it."""
    global _last_decision_map
    if _last_decision_map is None or _last_decision_map.grid is not grid:
        _last_decision_map = DecisionMap(grid)
    return _last_decision_map


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs, shape (classes, classes)."""
    true = np.asarray(true, dtype=np.int64)
    predicted = np.clip(np.asarray(predicted, dtype=np.int64), 0, classes - 1)
    flat = np.bincount(true * classes + predicted, minlength=classes * classes)
    return flat[: classes * classes].reshape(classes, classes)


#: Brackets kept around the part that tells a class name from the others ("«10»", "(b)").
_BRACKETS = {"«": "»", "(": ")", "[": "]", "{": "}", "<": ">", '"': '"', "'": "'"}
#: Largest share of the confusion plot's width the true-class names may take beside it.
_NAME_SHARE = 0.3
#: Least point size the true-class names take where rows are lower than a line of the font.
_LEAST_ROW_POINTS = 7
#: Least room (pixels) between two predicted-class names under the confusion matrix where
#: not even its shortest wording fits with the usual gap (as under the activations heatmap).
_CROWDED_NAME_GAP = 4.0


def _shared_start(first: str, second: str) -> int:
    """Length of the beginning ``first`` and ``second`` share, cut where a word or number
    begins (``Class 1`` and ``Class 10`` share ``Class ``, not ``Class 1``)."""
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    while 0 < length < min(len(first), len(second)) and (
        first[length - 1].isalnum() and first[length].isalnum()
    ):
        length -= 1
    return length


def short_class_names(names: Sequence[str]) -> list[str]:
    """Each class name cut down to the part that tells it from the others.

    Parameters
    ----------
    names : sequence of str
        The class names.

    Returns
    -------
    list of str
        ``names`` without the beginning and end they all share (``"«10»"`` for ``"Class «10»
        with a long label"`` among ``"Class «1» with a long label"``, …); a name left empty
        by that, or a list of fewer than two names, stays whole.
    """
    if len(names) < 2:
        return list(names)
    prefix = min(_shared_start(name, names[0]) for name in names)
    suffix = min(_shared_start(name[::-1], names[0][::-1]) for name in names)
    shortened = []
    for name in names:
        start, end = prefix, len(name) - suffix
        # A bracketed part keeps its brackets: "«10»" reads as a name, "10" as a count.
        while 0 < start and end < len(name) and _BRACKETS.get(name[start - 1]) == name[end]:
            start, end = start - 1, end + 1
        part = name[start:end].strip()
        shortened.append(part or name)
    return shortened


def _text_points() -> list[float]:
    """Point sizes for captions and counts: the application's, then smaller ones."""
    points = QtGui.QFont().pointSizeF()
    return [points, *(size for size in _SMALL_TEXT_POINTS if size < points)]


def _set_point_size(texts: Sequence[pg.TextItem], points: float) -> None:
    """Give ``texts`` the application's font at ``points`` (those that have it stay as
    they are: a new font lays a text out again)."""
    font = QtGui.QFont()
    font.setPointSizeF(float(points))
    for text in texts:
        if text.textItem.font().pointSizeF() != font.pointSizeF():
            text.setFont(font)


def tile_frames(count: int, shape: tuple[int, int], columns: int, row_gap: int) -> np.ndarray:
    """Outlines of the first ``count`` tiles of an :func:`~nnstudio.ui.plots.common.image_mosaic`
    (one pixel between tiles across, ``row_gap`` above each row), as line segments.

    Returns
    -------
    ndarray, shape (8 * count, 2)
        Four segments per tile, one per pair of rows, in image pixels (x across, y down).
    """
    height, width = shape
    tile_row, tile_column = np.divmod(np.arange(count), columns)
    left = (tile_column * (width + 1)).astype(np.float64)
    top = (tile_row * (height + row_gap) + row_gap).astype(np.float64)
    right, bottom = left + width, top + height
    corners = [
        (left, top, right, top),
        (right, top, right, bottom),
        (right, bottom, left, bottom),
        (left, bottom, left, top),
    ]
    # (count, 4 sides, 2 ends, 2 coordinates)
    segments = np.stack(
        [np.stack([np.stack([a, b], -1), np.stack([c, d], -1)], 1) for a, b, c, d in corners], 1
    )
    return segments.reshape(-1, 2)


class SmoothImageItem(pg.ImageItem):
    """An image drawn with bilinear filtering, so a coarse grid of predictions reads as the
    smooth function it samples rather than as blocks."""

    def paint(self, painter: QtGui.QPainter, *args: object) -> None:
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, True)
        super().paint(painter, *args)


class OutputTab(FoldingTab):
    """Decision regions or fitted curve, and the confusion matrix or predicted-vs-actual."""

    name = "Output"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        #: The grey levels of example images and the data set they were measured on.
        self._levels_of: Dataset | None = None
        self._levels = (0.0, 1.0)
        self.show_validation = QtWidgets.QCheckBox("Validation points")
        self.show_validation.setToolTip(_VALIDATION_TIP)
        self.show_validation.setChecked(True)
        self.show_validation.toggled.connect(lambda on: self.val_points.setVisible(on))
        self.show_boundary = QtWidgets.QCheckBox("Decision boundary")
        self.show_boundary.setToolTip(
            "Draw a line where the predicted class changes (between classes of equal probability)"
        )
        self.show_boundary.setChecked(True)
        self.show_boundary.toggled.connect(self._boundary_toggled)
        # Several regression targets have units of their own: one at a time against its
        # prediction (prices in dollars would flatten a tax rate to a dot at the origin).
        self.parity_target_label = QtWidgets.QLabel("Target:")
        self.parity_target_label.setVisible(False)
        self.parity_target = QtWidgets.QComboBox()
        self.parity_target_label.setBuddy(self.parity_target)
        self.parity_target.setToolTip("The target shown against the inputs and its prediction")
        self.parity_target.setSizeAdjustPolicy(
            QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents
        )
        self.parity_target.setVisible(False)
        self.parity_target.currentIndexChanged.connect(self._parity_target_chosen)
        parity = QtWidgets.QWidget()  # "Target:" and its list stay on one line
        parity_row = QtWidgets.QHBoxLayout(parity)
        parity_row.setContentsMargins(0, 0, 0, 0)
        parity_row.addWidget(self.parity_target_label)
        parity_row.addWidget(self.parity_target)
        # Where the row has no room for both check boxes on one line, they move into this
        # button's menu: at 18 pt in the dock of a 1024-pixel window the row took two lines
        # and left the map about 25 pixels of height.
        menu = QtWidgets.QMenu(self)
        menu.setToolTipsVisible(True)
        self._menu_actions = {
            self.show_validation: menu_toggle(menu, self.show_validation, "Validation points"),
            self.show_boundary: menu_toggle(menu, self.show_boundary, "Decision boundary"),
        }
        menu.aboutToShow.connect(self._sync_menu)
        self.more_button = fold_button(
            "What the map shows: the choices this row has no room for", menu
        )
        #: Which check boxes the data has a use for (see :meth:`_reconfigure`).
        self._offered = {self.show_validation: False, self.show_boundary: False}
        #: The check boxes in the Show menu now: none, or both (one box beside "Show"
        #: would save little room and split two choices about the same map).
        self._folded: tuple[QtWidgets.QWidget, ...] = ()
        self._fold_levels: tuple[tuple[QtWidgets.QWidget, ...], ...] = (
            (),
            (self.show_validation, self.show_boundary),
        )
        self.add_wrapping_controls(
            self.show_validation, self.show_boundary, self.more_button, parity
        )
        self._controls_row = self.show_validation.parentWidget()

        #: Whether the plots are low (see :meth:`_fit_plots`), and each plot's title as last
        #: set: its wordings for a plot of ordinary height, and for a low one.
        self._low = False
        self._titles: dict[pg.PlotItem, tuple[tuple[str, ...], tuple[str, ...]]] = {}

        # ---- map over the inputs -------------------------------------------------------------
        self.map_plot = make_plot("Decision regions", "x1", "x2", grid=False)
        self.regions = SmoothImageItem()
        self.map_plot.addItem(self.regions)
        self.boundary = pg.PlotDataItem(pen=pen(_BOUNDARY_COLOR, 1.6), connect="pairs")
        self.map_plot.addItem(self.boundary)
        self.surface_map = pg.colormap.get("viridis")
        self.surface_bar = pg.ColorBarItem(
            values=(0.0, 1.0),
            colorMap=self.surface_map,
            interactive=False,
            width=14,
            label="prediction",
            colorMapMenu=False,
        )
        compact_large_ticks(self.surface_bar.axis)  # predictions in dollars
        self.train_points = pg.ScatterPlotItem(symbol="o", size=7, pxMode=True)
        self.val_points = pg.ScatterPlotItem(symbol="t", size=9, pxMode=True)
        self.map_plot.addItem(self.train_points)
        self.map_plot.addItem(self.val_points)
        self.curves: list[pg.PlotDataItem] = []

        # ---- confusion matrix --------------------------------------------------------------
        # A low plot at a large font cut "true class" to "true…": "true" instead.
        self.confusion_plot = make_plot(
            "Confusion matrix",
            ("predicted class", "predicted"),
            ("true class", "true"),
            grid=False,
        )
        self.confusion_plot.invertY(True)
        # Cells take the plot's shape rather than staying square: in a wide, short dock
        # square cells would leave the class names below them too little room.
        self.confusion_plot.setMouseEnabled(x=False, y=False)
        self.confusion_image = pg.ImageItem()
        self.confusion_image.setColorMap(pg.ColorMap([0.0, 1.0], [(255, 255, 255), TRAIN_COLOR]))
        self.confusion_plot.addItem(self.confusion_image)
        self.cell_texts: list[pg.TextItem] = []
        #: The counts and recall shown in the matrix (written again when the cells resize).
        self._counts: tuple[np.ndarray, np.ndarray] | None = None
        #: The class names in full and shortened (:func:`short_class_names`).
        self._class_names: tuple[list[str], list[str]] = ([], [])
        #: The predicted-class wordings the bottom axis may show (see _show_confusion).
        self._predicted_wordings: list[list[str]] = []
        self.confusion_plot.vb.sigResized.connect(lambda *_args: self._confusion_resized())
        self.confusion_plot.getAxis("bottom").tick_choice_changed.connect(
            lambda *_args: self._explain_class_names()
        )
        self.confusion = np.zeros((0, 0), dtype=np.int64)

        # ---- predicted against actual --------------------------------------------------------
        self.parity_plot = make_plot("Predicted vs actual", "actual", "predicted")
        self.identity_line = self.parity_plot.plot(pen=pen((90, 90, 90), 1.2, qt_dash()))
        self.parity_points = pg.ScatterPlotItem(
            symbol="o", size=6, pen=pg.mkPen(None), brush=pg.mkBrush(*TRAIN_COLOR, 150)
        )
        self.parity_plot.addItem(self.parity_points)

        # ---- example images (pixel data) ---------------------------------------------------
        self.examples_plot = make_plot("Examples", "", "", grid=False)
        self.examples_plot.invertY(True)
        self.examples_plot.setAspectLocked(True)
        self.examples_plot.setMouseEnabled(x=False, y=False)
        for side in ("left", "bottom"):
            self.examples_plot.hideAxis(side)
        self.examples_image = pg.ImageItem()
        # Dark ink on white paper, as the Data panel draws the same images.
        self.examples_image.setColorMap(pg.ColorMap([0.0, 1.0], [_PAPER, _INK]))
        self.examples_plot.addItem(self.examples_image)
        # A thin frame around each tile: white paper on the white plot needs an edge.
        self.example_frames = pg.PlotDataItem(pen=pen(_TILE_FRAME, 1.0), connect="pairs")
        self.examples_plot.addItem(self.example_frames)
        self.example_texts: list[pg.TextItem] = []
        # The tiles and captions are laid out for the view's size.
        self.examples_plot.vb.sigResized.connect(lambda *_args: self._examples_resized())

        self._mode = ""  # "map2d", "curve", "images" or "" - decided by the data
        self._task = "classification"
        self._frame: Frame | None = None
        self._points_for: tuple[int, int] | None = None
        # The titles before any data, with their one-line wordings.
        for plot, title, shorter in (
            (self.map_plot, "Decision regions", "Regions"),
            (self.confusion_plot, "Confusion matrix", "Confusion"),
            (self.parity_plot, "Predicted vs actual", "Predicted"),
            (self.examples_plot, "Examples", "Examples"),
        ):
            self._set_title(plot, (title,), (_one_line(title), shorter))
        self.graphics.sigDeviceRangeChanged.connect(lambda *_args: self._fit_plots())
        # Only some of these plots are laid out at a time (see _reconfigure).
        self.keep_in_scene(
            self.map_plot,
            self.confusion_plot,
            self.parity_plot,
            self.examples_plot,
            self.surface_bar,
        )
        self._reconfigure("", "classification", 0)

    # ---- configuration -------------------------------------------------------------------------

    def view_options(self) -> dict[str, QtWidgets.QCheckBox | QtWidgets.QComboBox]:
        # The target chooser depends on the data: not kept between sessions.
        return {"validationPoints": self.show_validation, "decisionBoundary": self.show_boundary}

    def set_context(self, project: Project | None, dataset: Dataset | None) -> None:
        super().set_context(project, dataset)
        if dataset is not None:
            mode = _mode_for(dataset.feature_names, dataset.n_features, dataset.has_plane)
            self._reconfigure(mode, dataset.task, dataset.n_outputs)

    def _reconfigure(self, mode: str, task: str, outputs: int) -> None:
        self._mode = mode
        self._task = task
        side = self.confusion_plot if task == "classification" else self.parity_plot
        if mode == "images":
            self.set_arrangement(
                narrow=[(side, 0, 0, 1, 1), (self.examples_plot, 1, 0, 1, 1)],
                wide=[(side, 0, 0, 1, 1), (self.examples_plot, 0, 1, 1, 1)],
            )
        elif mode:
            self.set_arrangement(
                narrow=[(self.map_plot, 0, 0, 1, 1), (side, 1, 0, 1, 1)],
                wide=[(self.map_plot, 0, 0, 1, 1), (side, 0, 1, 1, 1)],
            )
        else:
            self.set_arrangement(narrow=[(side, 0, 0, 1, 1)], wide=[(side, 0, 0, 1, 1)])
        regression_surface = mode == "map2d" and task == "regression"
        # Parked in the scene until a regression map first needs it in the map's layout.
        if regression_surface and self.surface_bar.parentItem() is None:
            self.surface_bar.setImageItem(self.regions, insert_in=self.map_plot)
        self.surface_bar.setVisible(regression_surface)
        self.regions.setVisible(mode == "map2d")
        self.boundary.setVisible(self._boundary_shown())
        self._offered[self.show_validation] = mode in ("map2d", "curve")
        self._offered[self.show_boundary] = mode == "map2d" and task == "classification"
        several = task == "regression" and outputs > 1
        self.parity_target.setVisible(several)
        self.parity_target_label.setVisible(several)
        # In the row, or in the Show menu where the row has no room for them.
        self._fit_controls()
        self._points_for = None

    # ---- room ----------------------------------------------------------------------------------

    def _sync_menu(self) -> None:
        """As :meth:`FoldingTab._sync_menu`, with the boxes' tooltips, which say why one is
        off."""
        super()._sync_menu()
        for box, action in self._menu_actions.items():
            action.setToolTip(box.toolTip())

    def arrangement_changed(self, mode: str) -> None:
        # Stacked plots are low at a greater height than plots side by side.
        self._fit_plots()

    def _fit_plots(self) -> None:
        """Make the plots low where the view is shorter than :data:`LOW_PLOT_LINES` lines of
        the font per row of plots: one-line titles and no x axis names, as in the Loss tab.

        At 18 pt in the dock of a 1024-pixel window, two-line titles ("Class / probability")
        and the x axes' names left the map about 28 pixels of data.
        """
        line = QtGui.QFontMetricsF(QtGui.QFont()).lineSpacing()
        arrangement = self._arrangement(self.layout_mode or "narrow")
        rows = max((row + span for _, row, _, span, _ in arrangement), default=1)
        low = self.graphics.height() < rows * LOW_PLOT_LINES * line
        if low == self._low:
            return
        self._low = low
        for plot in self._titles:
            self._show_title(plot)
        for plot in (self.map_plot, self.confusion_plot, self.parity_plot):
            self._show_x_name(plot)

    @property
    def low(self) -> bool:
        """Whether the plots are too low for titles of two lines and x axis names."""
        return self._low

    def _set_title(
        self, plot: pg.PlotItem, wordings: Sequence[str], low: Sequence[str], tip: str = ""
    ) -> None:
        """Title ``plot`` with the first of ``wordings`` (longest first) that fits it in two
        lines, or while the plots are low, the first of ``low`` that fits in one (see
        :func:`~nnstudio.ui.plots.common.set_title`); ``tip`` in full on hover."""
        self._titles[plot] = (tuple(wordings), tuple(low))
        label = plot.titleLabel
        if label.toolTip() != tip:
            label.setToolTip(tip)
        self._show_title(plot)

    def _show_title(self, plot: pg.PlotItem) -> None:
        wordings, low = self._titles[plot]
        if self._low:
            set_title(plot, low[0], compact=low[1:], lines=1)
        else:
            set_title(plot, wordings[0], compact=wordings[1:])

    def _set_x_name(self, plot: pg.PlotItem, text: str) -> None:
        """Name the x axis of ``plot`` (HTML), shown unless the plots are low."""
        plot.setLabel("bottom", text)  # which shows the name
        self._show_x_name(plot)

    def _show_x_name(self, plot: pg.PlotItem) -> None:
        """Show the x axis's name, or leave it out of a low plot: the plot's title and its
        tooltip say what the axes are, and the name's line goes to the data."""
        axis = plot.getAxis("bottom")
        shown = bool(axis.labelText) and not self._low
        # Visible to its axis: a hidden axis (the examples' mosaic) hides its name too.
        if axis.label.isVisibleTo(axis) != shown:
            axis.showLabel(shown)

    def clear(self) -> None:
        self.forget()
        self._frame = None
        self._points_for = None
        self.regions.clear()
        self.boundary.setData([], [])
        self.train_points.clear()
        self.val_points.clear()
        for curve in self.curves:
            curve.setData([], [])
        self.confusion = np.zeros((0, 0), dtype=np.int64)
        self._counts = None
        self.confusion_image.clear()
        for text in self.cell_texts:
            text.setVisible(False)
        self.parity_points.clear()
        self.identity_line.setData([], [])
        self.example_frames.setData([], [])

    # ---- frames --------------------------------------------------------------------------------

    def show_frame(self, frame: Frame) -> None:
        mode = _mode_for(frame.feature_names, frame.eval_inputs.shape[1], frame.grid is not None)
        if mode != self._mode or frame.task != self._task:
            self._reconfigure(mode, frame.task, frame.predictions.shape[1])
        self._frame = frame
        self._sync_validation_box(self._has_validation(frame))
        if mode == "map2d" and frame.grid is not None:
            self._show_regions(frame)
        elif mode == "curve" and frame.line is not None:
            self._show_curve(frame)
        elif mode == "images":
            self._show_examples(frame)
        if mode in ("map2d", "curve"):
            self._show_points(frame)
        if frame.task == "classification":
            self._show_confusion(frame)
        else:
            self._show_parity(frame)

    def _has_validation(self, frame: Frame) -> bool:
        """Whether the data has validation examples to show (triangles on the map)."""
        dataset = self._dataset
        if dataset is not None and dataset.n_features == frame.eval_inputs.shape[1]:
            return dataset.n_val > 0
        return frame.eval_split == "validation"

    def _sync_validation_box(self, validation: bool) -> None:
        """Offer the validation points only for data that has them (saying why not)."""
        if not self.changed("has validation", validation):
            return
        self.show_validation.setEnabled(validation)
        self.show_validation.setToolTip(_VALIDATION_TIP if validation else _NO_VALIDATION_TIP)
        self._sync_menu()

    def _class_count(self, frame: Frame) -> int:
        return max(len(frame.target_names), 2)

    def _show_regions(self, frame: Frame) -> None:
        grid = frame.grid
        assert grid is not None
        outputs = grid.grid_A[-1]
        x0, x1, y0, y1 = grid.extent
        names = self._plane_names(frame)
        validation = self._has_validation(frame)
        axes_changed = self.changed("map", (grid.extent, grid.size, names, frame.task, validation))
        if axes_changed:
            # Labels and titles are HTML to pyqtgraph; feature and target names are the user's.
            self._set_x_name(self.map_plot, escape(names[0]))
            self.map_plot.setLabel("left", escape(names[1]))
        # The tooltips say what the axes are: a low map has no x axis name.
        over = f"over {names[0]} (across) and {names[1]} (up)"
        if frame.task == "classification":
            decision = decision_map(grid)
            self.regions.setImage(decision.colors, autoLevels=False)
            if self.show_boundary.isChecked():
                self._draw_boundary(decision)
            if axes_changed:
                full = f"Class probability  {_point_keys(validation)}"
                self._set_title(
                    self.map_plot,
                    (full, "Class probability"),
                    (_one_line(full), "Class&nbsp;probability", "P(class)"),
                    f"Class probability {over}: each region has the colour of its most "
                    "probable class, paler where the network is undecided; the line is the "
                    f"decision boundary. {_point_tip(validation)}",
                )
        else:
            self._sync_parity_targets(frame)
            column = self._chosen_target(outputs.shape[-1])
            low, high = self._target_range(frame)
            surface = np.asarray(frame.output_values(outputs)[..., column], dtype=np.float64)
            self.regions.setImage(surface, levels=(low, high), autoLevels=False)
            self.regions.setColorMap(self.surface_map)
            self.surface_bar.setLevels(values=(low, high))
            target = escape(self.parity_target.currentText() or "y")
            target_changed = self.changed("surface target", target)
            if axes_changed or target_changed:
                full = f"Predicted {target}  {_point_keys(validation)}"
                plain = self.parity_target.currentText() or "y"
                self._set_title(
                    self.map_plot,
                    (full, f"Predicted {target}"),
                    (_one_line(full), _one_line(f"Predicted {target}"), _one_line(target)),
                    f"Predicted {plain} {over}, in the colours of the bar beside the map "
                    f"(the points' colours are their actual values). {_point_tip(validation)}",
                )
        if axes_changed:
            self.regions.setRect(QtCore.QRectF(*grid_image_rect(grid.extent, grid.size)))
            self.map_plot.setRange(
                xRange=finite_range(x0, x1), yRange=finite_range(y0, y1), padding=0
            )

    def _plane_names(self, frame: Frame) -> tuple[str, str]:
        """The map's axis names: the data's plane (``x1``, ``x2`` of a built-in generator
        whose network reads ``x1²`` …), else the frame's two features."""
        dataset = self._dataset
        if dataset is not None and tuple(dataset.feature_names) == tuple(frame.feature_names):
            names = dataset.plane_names
            if names is not None:
                return names
        if len(frame.feature_names) == 2:
            return frame.feature_names[0], frame.feature_names[1]
        return "x1", "x2"

    def _boundary_shown(self) -> bool:
        return (
            self._mode == "map2d"
            and self._task == "classification"
            and self.show_boundary.isChecked()
        )

    def _draw_boundary(self, decision: DecisionMap) -> None:
        points = decision.boundary
        self.boundary.setData(points[:, 0], points[:, 1], connect="pairs")

    def _boundary_toggled(self, on: bool) -> None:
        self.boundary.setVisible(self._boundary_shown())
        frame = self._frame
        if on and frame is not None and frame.grid is not None and self._mode == "map2d":
            self._draw_boundary(decision_map(frame.grid))

    def _target_range(self, frame: Frame) -> tuple[float, float]:
        """The range of the chosen regression target's values (see :meth:`_chosen_target`)."""
        dataset = self._dataset
        values = np.asarray(
            dataset.Y_train if dataset is not None else frame.eval_targets, dtype=np.float64
        )
        if values.ndim == 2 and values.shape[1]:
            values = values[:, self._chosen_target(values.shape[1])]
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            return 0.0, 1.0
        low, high = float(finite.min()), float(finite.max())
        if high <= low:
            return low - 1.0, high + 1.0
        # Colour levels of values near the largest float would overflow their span.
        return finite_range(low, high)

    def _show_curve(self, frame: Frame) -> None:
        line = frame.line
        assert line is not None
        outputs = np.asarray(line.line_A[-1], dtype=np.float64)
        if frame.task == "classification":
            outputs = class_probabilities(outputs)
            colors = class_colors(outputs.shape[1])
            names = [f"p({escape(name)})" for name in frame.target_names]
            label = "class probability"
        else:
            # The chosen target alone: several have units of their own.
            self._sync_parity_targets(frame)
            column = self._chosen_target(outputs.shape[1])
            outputs = np.asarray(frame.output_values(outputs), dtype=np.float64)[:, [column]]
            colors = np.array([palette_color(2)])
            name = escape(self.parity_target.currentText() or "target")
            names = [f"predicted {name}"]
            label = name
        while len(self.curves) < outputs.shape[1]:
            curve = self.map_plot.plot()
            self.curves.append(curve)
        for index, curve in enumerate(self.curves):
            if index < outputs.shape[1]:
                curve.setData(
                    plottable(line.line_x),
                    plottable(outputs[:, index]),
                    pen=pen(tuple(colors[index]), 2.6),
                )
                curve.setVisible(True)
            else:
                curve.setVisible(False)
        validation = self._has_validation(frame)
        if self.changed("curve", (frame.feature_names, label, tuple(names), validation)):
            feature = frame.feature_names[0] if frame.feature_names else "x"
            self._set_x_name(self.map_plot, escape(feature))
            self.map_plot.setLabel("left", label)
            curves = [key(tuple(int(v) for v in c), n) for c, n in zip(colors, names, strict=False)]
            # Regression points are coloured by split (see _show_points), class points by class.
            points = (
                _point_keys(validation)
                if frame.task == "classification"
                else _coloured_point_keys(validation)
            )
            full = "&nbsp; ".join([*curves, points])
            compact = "&nbsp; ".join(curves)
            # The curves' names in plain text (they are HTML above).
            plain = QtGui.QTextDocumentFragment.fromHtml(", ".join(names)).toPlainText()
            # Shortest, for a low plot: the one curve named by what it shows ("━ price").
            least = (
                compact
                if frame.task == "classification"
                else key(tuple(int(v) for v in colors[0]), label)
            )
            self._set_title(
                self.map_plot,
                (full, compact),
                [_one_line(t) for t in dict.fromkeys([full, compact, least])],
                f"{plain} against {feature} (across). {_point_tip(validation)}",
            )

    def _show_points(self, frame: Frame) -> None:
        """Training and validation points; they only change with the data.

        On the map they lie at their points of the plane (the data set's, else the evaluated
        rows' :attr:`~nnstudio.ui.frame.Frame.eval_plane`), whatever features the network
        reads of them.
        """
        dataset = self._dataset
        if dataset is not None and dataset.n_features == frame.eval_inputs.shape[1]:
            key: tuple[int, int] = (id(dataset), self._chosen_target(dataset.n_outputs))
            if self._mode == "map2d":
                if dataset.plane_train is None or dataset.plane_val is None:
                    return
                splits = (
                    (self.train_points, dataset.plane_train, dataset.Y_train),
                    (self.val_points, dataset.plane_val, dataset.Y_val),
                )
            else:
                splits = (
                    (self.train_points, dataset.X_train, dataset.Y_train),
                    (self.val_points, dataset.X_val, dataset.Y_val),
                )
        elif self._mode == "map2d" and frame.eval_plane is not None:
            # No data set at hand: the evaluated rows, drawn as the split they come from.
            key = (id(frame.eval_plane), 0)
            evaluated = (frame.eval_plane, frame.eval_targets)
            empty = (np.zeros((0, 2)), np.zeros((0, frame.eval_targets.shape[1])))
            validation = frame.eval_split == "validation"
            splits = (
                (self.train_points, *(empty if validation else evaluated)),
                (self.val_points, *(evaluated if validation else empty)),
            )
        else:
            return
        if self._points_for == key:
            return
        self._points_for = key
        rng = np.random.default_rng(7)
        classes = class_colors(
            max(dataset.n_outputs if dataset is not None else len(frame.target_names), 2)
        )
        low, high = self._target_range(frame)
        for item, X, Y in splits:
            rows = X.shape[0]
            chosen = (
                np.sort(rng.choice(rows, _MAX_POINTS, replace=False))
                if rows > _MAX_POINTS
                else np.arange(rows)
            )
            X, Y = np.asarray(X)[chosen], np.asarray(Y)[chosen]
            if frame.task == "classification":
                labels = np.argmax(Y, axis=1) if Y.shape[1] > 1 else (Y[:, 0] >= 0.5).astype(int)
                colors = classes[np.clip(labels, 0, classes.shape[0] - 1)]
            elif self._mode == "curve":
                # Over a fitted curve the split matters more than the value (that is the y axis).
                split = TRAIN_COLOR if item is self.train_points else VALIDATION_COLOR
                colors = np.tile(np.array(split), (len(X), 1))
            else:
                value = Y[:, self._chosen_target(Y.shape[1])]
                # Values near the largest float overflow here to ±inf, which clip to an end.
                with np.errstate(over="ignore", invalid="ignore"):
                    t = (value - low) / (high - low) if high > low else np.zeros(len(Y))
                colors = self.surface_map.map(np.clip(t, 0, 1), mode="byte")[:, :3]
            if self._mode == "map2d":
                xs, ys = X[:, 0], X[:, 1]
            elif frame.task == "classification":
                xs = X[:, 0]
                ys = (labels == 1).astype(float) if Y.shape[1] <= 2 else np.ones(len(X))
            else:
                column = self._chosen_target(Y.shape[1])
                xs, ys = X[:, 0], Y[:, column]
            brushes = [QtGui.QBrush(QtGui.QColor(*map(int, c))) for c in colors]
            # White rims separate class points from their region; on a regression surface a
            # dark rim keeps points visible where their colour matches the prediction.
            light_rim = item is self.train_points and frame.task == "classification"
            edge = pg.mkPen((255, 255, 255) if light_rim else (30, 30, 30), width=1)
            item.setData(x=plottable(xs), y=plottable(ys), brush=brushes, pen=edge)

    def _image_levels(self, images: np.ndarray) -> tuple[float, float]:
        """Grey levels of example images: the training set's range, as the Data panel
        draws them (a faint digit looks faint in both); the images' own range without it.

        The training set's range is computed once per data set (MNIST: 37 million values).
        """
        dataset = self._dataset
        if dataset is not None and dataset.n_features == images.shape[1]:
            if self._levels_of is not dataset:
                values = np.asarray(dataset.X_train)
                self._levels = (float(np.nanmin(values)), float(np.nanmax(values)))
                self._levels_of = dataset
            return self._levels
        finite = images[np.isfinite(images)]
        return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)

    def _show_examples(self, frame: Frame) -> None:
        """A mosaic of evaluated examples, mistakes first, each captioned true → predicted."""
        shape = image_shape_of(tuple(frame.feature_names))
        if shape is None:
            return
        most = _TILE_ROWS * _TILE_COLUMNS
        if frame.eval_labels is not None and frame.predicted_labels is not None:
            wrong = frame.eval_labels != frame.predicted_labels
            # Stable order: mistakes first, then the rest, each in evaluation order.
            order = np.argsort(~wrong, kind="stable")[:most]
            names = frame.target_names
            pairs = [
                (names[int(frame.eval_labels[row])], names[int(frame.predicted_labels[row])])
                for row in order.tolist()
            ]
        else:
            wrong = np.zeros(frame.eval_inputs.shape[0], dtype=bool)
            order = np.arange(min(most, frame.eval_inputs.shape[0]))
            pairs = []
        rows, gap, points, arrow = self._example_layout(pairs, shape)
        count = rows * _TILE_COLUMNS
        order = order[:count]
        images = np.asarray(frame.eval_inputs, dtype=np.float64)[order]
        height, width = shape
        mosaic = image_mosaic(images, shape, rows, _TILE_COLUMNS, row_gap=gap)
        low, high = self._image_levels(images)
        self.examples_image.setImage(mosaic, levels=(low, high if high > low else low + 1))
        if self.changed("examples", (shape, rows, gap, min(count, images.shape[0]))):
            self.examples_plot.setRange(
                xRange=(0, _TILE_COLUMNS * (width + 1)),
                yRange=(0, rows * (height + gap)),
                padding=0.01,
            )
            frames = tile_frames(min(count, images.shape[0]), shape, _TILE_COLUMNS, gap)
            self.example_frames.setData(frames[:, 0], frames[:, 1], connect="pairs")
        while len(self.example_texts) < most:
            text = pg.TextItem(anchor=(0.5, 0.5))
            self.examples_plot.addItem(text)
            self.example_texts.append(text)
        if points is not None:
            _set_point_size(self.example_texts[:count], points)
        for slot, text in enumerate(self.example_texts):
            if slot >= len(pairs) or slot >= count or points is None:
                text.setVisible(False)
                continue
            row = int(order[slot])
            true, guess = pairs[slot]
            text.setText(f"{true}{arrow}{guess}")
            text.setColor((200, 30, 30) if wrong[row] else (30, 120, 40))
            tile_row, tile_column = divmod(slot, _TILE_COLUMNS)
            text.setPos(tile_column * (width + 1) + width / 2, tile_row * (height + gap) + gap / 2)
            text.setVisible(True)
        mistakes, total = int(wrong.sum()), wrong.shape[0]
        wrong_ones = f"{mistakes}&nbsp;of&nbsp;{total} wrong"
        self._set_title(
            self.examples_plot,
            (
                f"Examples&nbsp;·&nbsp;{wrong_ones}, shown first (true&nbsp;→&nbsp;predicted)",
                f"{wrong_ones}, shown&nbsp;first",
            ),
            (_one_line(f"{wrong_ones}, shown first"), _one_line(wrong_ones)),
            f"Examples of the {frame.eval_split} data, the {mistakes} of {total} predicted "
            "wrong first; each caption reads true → predicted.",
        )

    def _example_layout(
        self, pairs: Sequence[tuple[str, str]], shape: tuple[int, int]
    ) -> tuple[int, int, float | None, str]:
        """Rows of tiles, caption gap, caption point size and arrow that fit the view.

        The largest point size (:func:`_text_points`) whose widest caption fits a tile's width
        is used, with spaces around the arrow where they fit too; the point size is None
        when no caption fits (the captions are then left out rather than overlapping).
        """
        view = self.examples_plot.vb
        width, height = view.width(), view.height()
        if width < 40 or height < 40:
            return _TILE_ROWS, max(2, shape[0] // 3), _text_points()[0], " → "
        layout = (_TILE_ROWS, max(2, shape[0] // 3))
        for points in _text_points():
            font = QtGui.QFont()
            font.setPointSizeF(float(points))
            metrics = QtGui.QFontMetricsF(font)
            layout = example_rows(width, height, shape, metrics.height())
            rows, gap = layout
            across = _TILE_COLUMNS * (shape[1] + 1)
            scale = min(width / across, height / (rows * (shape[0] + gap)))
            room = (shape[1] + 1) * scale - 3.0
            shown = pairs[: rows * _TILE_COLUMNS]
            for arrow in (" → ", "→"):
                widest = max(
                    (metrics.horizontalAdvance(f"{a}{arrow}{b}") for a, b in shown), default=0.0
                )
                if widest <= room:
                    return rows, gap, points, arrow
        return *layout, None, "→"

    def _examples_resized(self) -> None:
        frame = self._frame
        if frame is not None and self._mode == "images":
            self._show_examples(frame)

    def _show_confusion(self, frame: Frame) -> None:
        if frame.eval_labels is None or frame.predicted_labels is None:
            return
        classes = self._class_count(frame)
        matrix = confusion_matrix(frame.eval_labels, frame.predicted_labels, classes)
        self.confusion = matrix
        totals = matrix.sum(axis=1, keepdims=True)
        recall = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
        self.confusion_image.setImage(recall, levels=(0.0, 1.0), autoLevels=False)
        names = list(frame.target_names) or [str(i) for i in range(classes)]
        if self.changed("confusion", (classes, tuple(names))):
            self.confusion_image.setRect(QtCore.QRectF(0, 0, classes, classes))
            full = [names[i] if i < len(names) else str(i) for i in range(classes)]
            short = short_class_names(full)
            self._class_names = (full, short)
            positions = [i + 0.5 for i in range(classes)]
            # The predicted classes take the full names where they fit side by side, else
            # the parts that tell them apart, then those cut shorter and last the classes'
            # numbers (as under the activations heatmap): iris at an 18 pt font in a small
            # window showed "setosa" alone, leaving two columns unnamed.
            cut = class_tick_wordings(list(zip(positions, short, strict=True)))
            wordings = [full, *([text for _value, text in wording] for wording in cut)]
            self._predicted_wordings = list(map(list, dict.fromkeys(map(tuple, wordings))))
            self.confusion_plot.getAxis("bottom").set_tick_choices(
                [list(zip(positions, texts, strict=True)) for texts in self._predicted_wordings],
                crowded_gap=_CROWDED_NAME_GAP,
            )
            # The range first: the rows' height decides the size of their names.
            self.confusion_plot.setRange(xRange=(0, classes), yRange=(0, classes), padding=0.02)
            self._fit_true_names()
            self._fit_predicted_font()
            self._explain_class_names()
        self._show_cell_counts(matrix, recall)
        total = int(matrix.sum())
        correct = int(np.trace(matrix))
        share = f"{100.0 * correct / total:.1f}" if total else "–"
        whole = f"{100.0 * correct / total:.0f}" if total else "–"
        # Commas, not "·", between the parts: a narrow title wraps there, and a comma ends a
        # line naturally where a dot would dangle. A low plot's one line gives up the word
        # "Confusion" first, then a digit, then the word "correct".
        low = [f"{share} % correct", f"{whole} % correct", f"{share} %", f"{whole} %"]
        self._set_title(
            self.confusion_plot,
            (
                f"Confusion on {frame.eval_split}&nbsp;({total}), {share}&nbsp;%&nbsp;correct",
                f"Confusion, {share}&nbsp;%&nbsp;correct",
            ),
            [_one_line(t) for t in dict.fromkeys([f"Confusion, {share} % correct", *low])],
            f"Confusion matrix on the {frame.eval_split} data ({total} examples): "
            f"{share} % correct. Each row is a true class (down the side), each column a "
            "predicted class (across); a cell's shade is its share of the row.",
        )

    def _show_cell_counts(self, matrix: np.ndarray, recall: np.ndarray) -> None:
        self._counts = (matrix, recall)
        classes = matrix.shape[0]
        points = self._count_points(matrix)
        cells = classes * classes if classes <= _MAX_CELL_TEXT and points is not None else 0
        while len(self.cell_texts) < cells:
            text = pg.TextItem(anchor=(0.5, 0.5))
            self.confusion_plot.addItem(text)
            self.cell_texts.append(text)
        if points is not None:
            _set_point_size(self.cell_texts[:cells], points)
        for index, text in enumerate(self.cell_texts):
            if index >= cells:
                text.setVisible(False)
                continue
            row, column = divmod(index, classes)
            text.setText(str(int(matrix[row, column])))
            text.setColor((255, 255, 255) if recall[row, column] > 0.55 else (20, 20, 20))
            text.setPos(column + 0.5, row + 0.5)
            text.setVisible(True)

    def _count_points(self, matrix: np.ndarray) -> float | None:
        """The largest point size (:func:`_text_points`) at which the widest count fits in a
        cell of the confusion matrix as shown; None when none does (the counts are then
        left out: the cells' colours still tell)."""
        view = self.confusion_plot.vb
        if view.width() < 40 or view.height() < 40 or matrix.size == 0:
            return _text_points()[0]  # not laid out yet
        per_x, per_y = view.viewPixelSize()
        cell_width, cell_height = 1.0 / max(per_x, 1e-12), 1.0 / max(per_y, 1e-12)
        widest = str(int(matrix.max()))
        for points in _text_points():
            font = QtGui.QFont()
            font.setPointSizeF(float(points))
            metrics = QtGui.QFontMetricsF(font)
            # TextItem draws its text with a few pixels of margin around it.
            fits_across = metrics.horizontalAdvance(widest) + 4.0 <= cell_width
            # The whole line as laid out (whole pixels), so counts of neighbouring rows never
            # touch.
            if fits_across and math.ceil(metrics.height()) + 1.0 <= cell_height:
                return points
        return None

    def _fit_true_names(self) -> None:
        """Label the true classes (the rows) in the longest wording that takes at most
        :data:`_NAME_SHARE` of the plot's width, at the largest font whose lines fit the rows.

        The wordings step down as the columns' do: the full names, the parts that tell them
        apart, those cut shorter and last the classes' numbers (:func:`class_tick_wordings`).
        Long names beside the matrix squeezed its cells into a strip, or to nothing (six
        regions at 18 pt); rows lower than a line of the font left every other class
        unnamed, so their names take a smaller font there (as the cells' counts do).
        """
        full, short = self._class_names
        axis = self.confusion_plot.getAxis("left")
        points = self._row_points(len(full))
        font = QtGui.QFont()
        font.setPointSizeF(points)
        metrics = QtGui.QFontMetricsF(font)
        room = _NAME_SHARE * self.confusion_plot.geometry().width()
        positions = [i + 0.5 for i in range(len(full))]
        cut = class_tick_wordings(list(zip(positions, short, strict=True)))
        wordings = [full, *([text for _value, text in wording] for wording in cut)]
        names = wordings[-1]
        for wording in wordings:
            widest = max((metrics.horizontalAdvance(name) for name in wording), default=0.0)
            if room <= 1 or (widest <= room and self._columns_fit_beside(widest)):
                names = wording
                break
        ticks = [list(zip(positions, names, strict=True))]
        self._set_tick_points(axis, points)
        if axis._tickLevels != ticks:  # setTicks asks for a new drawing
            axis.setTicks(ticks)
            self._explain_class_names()

    def _columns_fit_beside(self, names_width: float) -> bool:
        """Whether true-class names ``names_width`` pixels wide leave the matrix wide enough
        for the predicted classes' shortest wording under every column (with its crowded
        gap, in the application's font): at 18 pt the rows' names took the room three of six
        column numbers needed."""
        view = self.confusion_plot.vb
        if view.width() <= 1 or not self._predicted_wordings:
            return True  # not laid out yet
        # pyqtgraph keeps the axis as wide as its widest label, shrinking it only by more
        # than 10 pixels at a time.
        now = self.confusion_plot.getAxis("left").textWidth
        kept = now if now - 10 <= names_width <= now else names_width
        return view.width() + now - kept >= self._column_room(QtGui.QFont())

    def _column_room(self, font: QtGui.QFont) -> float:
        """Pixels of the matrix's width the predicted classes' shortest wording takes in
        ``font``, each name with :data:`_CROWDED_NAME_GAP` beside it."""
        metrics = QtGui.QFontMetricsF(font)
        label = max(map(metrics.horizontalAdvance, self._predicted_wordings[-1]), default=0.0)
        low, high = self.confusion_plot.vb.viewRange()[0]
        return (label + _CROWDED_NAME_GAP) * abs(high - low)

    def _fit_predicted_font(self) -> None:
        """Give the predicted classes' names under the columns a smaller font where not even
        their shortest wording fits the matrix's width in the application's (six classes at
        18 pt left every other column unnamed), down to :data:`_LEAST_ROW_POINTS`."""
        axis = self.confusion_plot.getAxis("bottom")
        view = self.confusion_plot.vb
        points = QtGui.QFont().pointSizeF()
        chosen = points
        if view.width() > 1 and self._predicted_wordings and points > 0:
            font = QtGui.QFont()
            sizes = [points, *range(math.ceil(points) - 1, _LEAST_ROW_POINTS - 1, -1)]
            chosen = float(min(sizes))
            for size in sizes:
                font.setPointSizeF(float(size))
                if self._column_room(font) <= view.width():
                    chosen = float(size)
                    break
        self._set_tick_points(axis, chosen)

    @staticmethod
    def _set_tick_points(axis: pg.AxisItem, points: float) -> None:
        """Draw ``axis``'s tick labels at ``points`` (the application's font itself, following
        it when it changes, at its own size)."""
        font: QtGui.QFont | None = None
        if points != QtGui.QFont().pointSizeF():
            font = QtGui.QFont()
            font.setPointSizeF(points)
        shown = axis.style["tickFont"]
        shown_points = None if shown is None else shown.pointSizeF()
        if shown_points != (None if font is None else points):
            axis.setTickFont(font)

    def _row_points(self, rows: int) -> float:
        """The largest point size, from the application's down to :data:`_LEAST_ROW_POINTS`,
        whose tick labels fit ``rows`` rows of the confusion matrix one above the other
        (the application's before the plot is laid out; the least where none fits)."""
        points = QtGui.QFont().pointSizeF()
        view = self.confusion_plot.vb
        if rows <= 0 or view.height() <= 1 or points <= 0:
            return points
        low, high = view.viewRange()[1]
        pitch = view.height() / max(abs(high - low), 1e-12)
        font = QtGui.QFont()
        sizes = [points, *range(math.ceil(points) - 1, _LEAST_ROW_POINTS - 1, -1)]
        for size in sizes:
            font.setPointSizeF(float(size))
            # As TidyAxis.label_room measures a vertical axis's labels.
            if 0.8 * QtGui.QFontMetricsF(font).height() + LABEL_GAP_VERTICAL <= pitch:
                return float(size)
        return float(min(sizes))

    def shown_class_names(self) -> tuple[list[str], list[str]]:
        """The names the confusion matrix labels its classes with: ``(across, down)``, the
        predicted classes' under the columns and the true classes' beside the rows."""
        full = self._class_names[0]
        choice = self.confusion_plot.getAxis("bottom").shown_tick_choice
        wordings = self._predicted_wordings
        across = wordings[min(choice, len(wordings) - 1)] if wordings else list(full)
        levels = self.confusion_plot.getAxis("left")._tickLevels
        down = [text for _value, text in levels[0]] if levels else list(full)
        return across, down

    def _explain_class_names(self) -> None:
        """Give the confusion plot a tooltip naming in full each class an axis shows
        shortened or numbered (none while both axes show the names whole)."""
        full = self._class_names[0]
        across, down = self.shown_class_names()

        def pairs(shown: Sequence[str]) -> str:
            return "; ".join(f"{s} = {f}" for s, f in zip(shown, full, strict=False))

        lines = []
        if across != full and across == down:
            lines.append(f"Classes: {pairs(across)}")
        else:
            if across != full:
                lines.append(f"Columns (predicted class), left to right: {pairs(across)}")
            if down != full:
                lines.append(f"Rows (true class), top to bottom: {pairs(down)}")
        tip = "\n".join(lines)
        if self.confusion_plot.toolTip() != tip:
            self.confusion_plot.setToolTip(tip)

    def _confusion_resized(self) -> None:
        if self._class_names[0]:
            self._fit_true_names()
            self._fit_predicted_font()
        if self._counts is not None and self._counts[0].size:
            self._show_cell_counts(*self._counts)

    def _parity_target_chosen(self, _index: int) -> None:
        if self._frame is not None and self._frame.task == "regression":
            self.show_frame(self._frame)

    def _chosen_target(self, count: int) -> int:
        """The regression target the plots show (0 for one target)."""
        return max(0, min(self.parity_target.currentIndex(), count - 1))

    def _sync_parity_targets(self, frame: Frame) -> None:
        """One entry per target in the target chooser (kept while the names stay)."""
        count = frame.predictions.shape[1]
        names = list(frame.target_names)[:count]
        names += [f"y{j + 1}" for j in range(len(names), count)]
        if [self.parity_target.itemText(i) for i in range(self.parity_target.count())] == names:
            return
        blocker = QtCore.QSignalBlocker(self.parity_target)
        self.parity_target.clear()
        self.parity_target.addItems(names)
        del blocker
        self.parity_target.setVisible(count > 1)
        self.parity_target_label.setVisible(count > 1)

    def _show_parity(self, frame: Frame) -> None:
        actual = np.asarray(frame.eval_targets, dtype=np.float64)
        predicted = np.asarray(frame.predictions, dtype=np.float64)
        if actual.size == 0 or actual.shape != predicted.shape:
            return
        self._sync_parity_targets(frame)
        column = self._chosen_target(actual.shape[1])
        a, p = actual[:, column], predicted[:, column]
        finite = np.isfinite(p)
        # Predictions that are not numbers (a diverged run) have no place to be drawn.
        self.parity_points.setData(x=plottable(a[finite]), y=plottable(p[finite]))
        values = plottable(np.concatenate([a, p[finite]]))
        low, high = float(values.min()), float(values.max())
        self.identity_line.setData([low, high], [low, high])
        r2 = _r2_text(a, p)
        name = escape(self.parity_target.currentText()) if actual.shape[1] > 1 else ""
        if self.changed("parity axes", name):
            self._set_x_name(self.parity_plot, f"actual {name}".strip())
            self.parity_plot.setLabel("left", f"predicted {name}".strip())
        of = f" {name}" if name else ""
        plain = f" {self.parity_target.currentText()}" if name else ""
        # A low plot's one line: R² alone, then in fewer digits.
        low = [f"Predicted vs actual, R² {r2}", f"R² {r2}", f"R² {_r2_text(a, p, 2)}"]
        self._set_title(
            self.parity_plot,
            (
                f"Predicted vs actual{of} on {frame.eval_split}, R²&nbsp;{r2}",
                f"Predicted vs actual, R²&nbsp;{r2}",
            ),
            [_one_line(t) for t in dict.fromkeys(low)],
            f"Predicted{plain} against actual{plain} on the {frame.eval_split} data: actual "
            f"values across, predicted up; on the dashed line y = x a prediction is exact. "
            f"R² {r2}.",
        )

    # ---- export --------------------------------------------------------------------------------

    def csv_table(self) -> tuple[list[str], list[Sequence[Any]]]:
        frame = self._frame
        if frame is None:
            return [], []
        features = list(frame.feature_names) or [
            f"x{i + 1}" for i in range(frame.eval_inputs.shape[1])
        ]
        inputs = frame.eval_inputs.tolist()
        plane = frame.eval_plane
        if plane is not None and plane_features_read(None, features) is not None:
            # Features of built-in points (x1², ...): the points themselves lead each row,
            # then the other features.
            others = [c for c, name in enumerate(features) if name not in DEFAULT_PLANE_FEATURES]
            features = [*DEFAULT_PLANE_FEATURES, *(features[c] for c in others)]
            points = np.asarray(plane, dtype=np.float64).tolist()
            inputs = [p + [x[c] for c in others] for p, x in zip(points, inputs, strict=True)]
        if (
            frame.task == "classification"
            and frame.eval_labels is not None
            and frame.predicted_labels is not None
        ):
            names = list(frame.target_names)
            probabilities = class_probabilities(frame.predictions)
            header = [
                *features,
                "true_class",
                "predicted_class",
                *(f"p_{name}" for name in names[: probabilities.shape[1]]),
            ]

            def name_of(index: int) -> str:
                return names[index] if index < len(names) else str(index)

            rows = [
                [*x, name_of(t), name_of(p), *probs]
                for x, t, p, probs in zip(
                    inputs,
                    frame.eval_labels.tolist(),
                    frame.predicted_labels.tolist(),
                    probabilities.tolist(),
                    strict=True,
                )
            ]
            return header, rows
        outputs = frame.predictions.shape[1]
        targets = list(frame.target_names) or [f"y{j + 1}" for j in range(outputs)]
        header = [
            *features,
            *(f"actual_{t}" for t in targets),
            *(f"predicted_{t}" for t in targets),
        ]
        rows = [
            [*x, *y, *yhat]
            for x, y, yhat in zip(
                inputs, frame.eval_targets.tolist(), frame.predictions.tolist(), strict=True
            )
        ]
        return header, rows
