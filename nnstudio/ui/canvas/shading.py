"""How activations become colours: fills for one example and heatmap thumbnails.

Bounded activations keep fixed levels so a colour means the same value all through training:
tanh spans [-1, 1]; sigmoid and softmax span [0, 1] centred at 0.5. Unbounded activations (and
the standardised inputs) use a symmetric limit fitted to the values shown.

Heatmaps normally arrive coloured (``FrameGrid.heatmaps``, computed by the frame builder off
the user interface); :func:`rounded_thumbnails` only cuts their corners round and wraps the
pixels in images without copying them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from nnstudio.spec import canonical_activation
from nnstudio.ui.colors import HeatmapColorizer, centered, diverging_rgb, symmetric_limit
from nnstudio.ui.qt import QtGui

#: Sub-samples per pixel side when measuring how much of a corner pixel is inside the rounding.
_CORNER_SUPERSAMPLING = 4
#: Outputs over the plane that differ by no more than this (times the value's size, when
#: above 1) count as constant: far below what a colour or a 3-digit number can show.
CONSTANT_TOLERANCE = 1e-6


def activation_colors(values: np.ndarray, batch: np.ndarray, activation: str | None) -> np.ndarray:
    """Fill colours for one example's activations in a layer.

    Parameters
    ----------
    values : ndarray, shape (k,)
        Activations of the drawn neurons for the selected example.
    batch : ndarray, shape (P, k)
        The same neurons' activations over the probe batch: unbounded layers are coloured
        against the batch's range, so one example reads as large or small among the others.
    activation : str or None
        The layer's activation (``None`` for the standardised inputs).

    Returns
    -------
    ndarray, shape (k, 3), uint8
    """
    shifted, limit = centered(np.asarray(values, dtype=float), activation)
    if limit is None:
        reference, _ = centered(np.asarray(batch, dtype=float), activation)
        limit = max(symmetric_limit(reference), 1e-3)
    return diverging_rgb(shifted, limit)


def thumbnail_images(
    grid_values: np.ndarray, activation: str | None, corner: float = 0.0
) -> list[QtGui.QImage]:
    """Heatmaps of neuron outputs over the input plane, coloured here (on the caller's thread).

    Used for frames that carry no ready-coloured ``heatmaps``.

    Parameters
    ----------
    grid_values : ndarray, shape (G_y, G_x, k)
        Output of each drawn neuron at every grid point; row 0 is the lowest ``y``.
    activation : str or None
    corner : float
        Corner radius as a fraction of the image side (0: square corners).

    Returns
    -------
    list of QImage
        One ``G_x`` × ``G_y`` image per neuron, ``y`` growing upwards as on a plot.
    """
    values = np.asarray(grid_values)
    if values.ndim != 3 or values.shape[2] == 0:
        return []
    name = canonical_activation(activation) if activation else None
    return rounded_thumbnails(HeatmapColorizer()(values, name), corner)


def constant_over_plane(grid_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which neurons output one value over the whole input plane, and that value.

    A constant heatmap is a flat fill: the neutral grey of a zero (zero initialisation) would
    look like no heatmap at all, so the canvas marks such neurons as constant.

    Parameters
    ----------
    grid_values : ndarray, shape (G_y, G_x, k)
        Output of each neuron at every grid point.

    Returns
    -------
    constant : ndarray of bool, shape (k,)
        Whether the neuron's outputs differ by at most ``CONSTANT_TOLERANCE`` (relative to
        the value's size, at least absolute) over the grid.
    values : ndarray of float, shape (k,)
        The output at the grid's first point (meaningful where ``constant``).
    """
    values = np.asarray(grid_values)
    if values.ndim != 3 or values.shape[2] == 0 or values.shape[0] * values.shape[1] == 0:
        count = values.shape[-1] if values.ndim == 3 else 0
        return np.zeros(count, dtype=bool), np.zeros(count)
    first = values[0, 0].astype(np.float64)
    tolerance = CONSTANT_TOLERANCE * np.maximum(np.abs(first), 1.0)
    # Four corners rule out almost every varying neuron at the cost of a few reads; only
    # the neurons left (flat, or symmetric like x1² + x2²) are checked over the whole grid.
    corners = values[[0, 0, -1, -1], [0, -1, 0, -1]].astype(np.float64)
    candidates = np.flatnonzero(np.all(np.abs(corners - first) <= tolerance, axis=0))
    constant = np.zeros(first.size, dtype=bool)
    if candidates.size:
        # A whole layer of candidates (zero initialisation) is read in place, not copied.
        chosen = values if candidates.size == first.size else values[:, :, candidates]
        with np.errstate(invalid="ignore"):
            high = chosen.max(axis=(0, 1)).astype(np.float64)
            spread = high - chosen.min(axis=(0, 1)).astype(np.float64)
        constant[candidates] = spread <= tolerance[candidates]
    return constant, first


@lru_cache(maxsize=16)
def _corner_coverage(
    height: int, width: int, corner: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixels of an image that a rounded rectangle covers only partly, and by how much.

    Returns
    -------
    rows, cols : ndarray of int, shape (n,)
    coverage : ndarray of float32, shape (n,)
        Share of each pixel inside the rounded rectangle, in [0, 1).
    """
    s = _CORNER_SUPERSAMPLING
    offsets = (np.arange(s) + 0.5) / s
    # Sample points in a unit square, corner radius ``corner`` of each side.
    ys = (np.arange(height)[:, None] + offsets[None, :]).ravel() / height
    xs = (np.arange(width)[:, None] + offsets[None, :]).ravel() / width
    dy = np.maximum(np.maximum(corner - ys, ys - (1.0 - corner)), 0.0)
    dx = np.maximum(np.maximum(corner - xs, xs - (1.0 - corner)), 0.0)
    inside = dy[:, None] ** 2 + dx[None, :] ** 2 <= corner**2
    coverage = inside.reshape(height, s, width, s).mean(axis=(1, 3)).astype(np.float32)
    rows, cols = np.nonzero(coverage < 1.0)
    return rows, cols, coverage[rows, cols]


def rounded_thumbnails(pixels: np.ndarray, corner: float) -> list[QtGui.QImage]:
    """Wrap heatmap pixels in images with transparent rounded corners.

    Painting a pre-cut image is several times cheaper than clipping each one to a rounded
    path. The images share ``pixels``' memory (and keep it alive).

    Parameters
    ----------
    pixels : ndarray of uint32, shape (k, H, W)
        Opaque ``0xFFRRGGBB`` pixels, row 0 at the top. Modified in place: pass an array
        the caller owns (a fancy-indexed slice of a frame's heatmaps is a fresh copy).
    corner : float
        Corner radius as a fraction of the side, in [0, 0.5].

    Returns
    -------
    list of QImage
        ``Format_ARGB32_Premultiplied`` images, one per neuron.
    """
    pixels = np.ascontiguousarray(pixels, dtype=np.uint32)
    if pixels.ndim != 3 or pixels.shape[0] == 0:
        return []
    count, height, width = pixels.shape
    corner = float(np.clip(corner, 0.0, 0.5))
    if corner > 0:
        rows, cols, coverage = _corner_coverage(height, width, corner)
        channels = pixels.view(np.uint8).reshape(count, height, width, 4)
        # Premultiplied alpha: every channel, alpha included, scales with the coverage.
        corner_pixels = channels[:, rows, cols, :].astype(np.float32)
        corner_pixels *= coverage[None, :, None]
        channels[:, rows, cols, :] = np.rint(corner_pixels).astype(np.uint8)
    image_format = QtGui.QImage.Format.Format_ARGB32_Premultiplied
    return [QtGui.QImage(plane.data, width, height, 4 * width, image_format) for plane in pixels]


def sparkline_points(line_values: np.ndarray, activation: str | None) -> np.ndarray:
    """Neuron outputs along a 1-D input range, normalised for drawing inside a neuron.

    Parameters
    ----------
    line_values : ndarray, shape (C, k)
        Output of each drawn neuron at ``C`` increasing input values.
    activation : str or None

    Returns
    -------
    ndarray, shape (k, C, 2)
        ``(x, y)`` in [0, 1] with ``y = 0.5`` the activation's neutral value, ``y`` growing
        upwards; bounded activations keep fixed levels, others use each neuron's own range.
    """
    values = np.asarray(line_values, dtype=float)
    count, k = values.shape
    shifted, limit = centered(values, activation)
    if limit is None:
        limits = np.maximum(np.nanmax(np.abs(shifted), axis=0), 1e-6)
    else:
        limits = np.full(k, limit)
    y = 0.5 + 0.5 * np.clip(np.nan_to_num(shifted / limits), -1.0, 1.0)
    x = np.linspace(0.0, 1.0, count)
    points = np.empty((k, count, 2))
    points[:, :, 0] = x
    points[:, :, 1] = y.T
    return points
