"""The one diverging colour scale used for weights, activations and heatmaps.

Negative values are blue, zero is a light neutral grey, positive values are orange, so a weight
on an edge, a neuron's activation and a heatmap cell mean the same thing by colour everywhere.
"""

from __future__ import annotations

import numpy as np

from nnstudio.ui.qt import QtGui, pg

#: Colour stops from -1 to +1 (RGB, 0-255).
_STOPS = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
_COLORS = np.array(
    [
        [8, 81, 156],  # strong negative: deep blue
        [107, 174, 214],
        [236, 236, 236],  # zero: neutral
        [253, 174, 107],
        [217, 72, 1],  # strong positive: deep orange
    ],
    dtype=float,
)
_LUT_SIZE = 1025  # odd, so that 0 has its own entry
_LUT = (
    np.stack(
        [np.interp(np.linspace(-1.0, 1.0, _LUT_SIZE), _STOPS, _COLORS[:, c]) for c in range(3)],
        axis=-1,
    )
    .round()
    .astype(np.uint8)
)
NEGATIVE_COLOR = QtGui.QColor(*_COLORS[0].astype(int))
POSITIVE_COLOR = QtGui.QColor(*_COLORS[-1].astype(int))
NEUTRAL_COLOR = QtGui.QColor(*_COLORS[2].astype(int))


def diverging_rgb(values: np.ndarray, limit: float) -> np.ndarray:
    """Map values to colours on the shared scale.

    Parameters
    ----------
    values : ndarray, any shape
        Values to colour; NaN maps to the neutral colour.
    limit : float
        Magnitude that gets the full colour (values beyond are clipped).

    Returns
    -------
    ndarray, shape ``values.shape + (3,)``, dtype uint8
    """
    scale = float(limit) if limit and np.isfinite(limit) and limit > 0 else 1.0
    t = np.asarray(values, dtype=np.float32) * np.float32((_LUT_SIZE - 1) / (2.0 * scale))
    # Index a fine lookup table instead of interpolating three channels: this runs for every
    # thumbnail pixel on every frame. NaN maps to the middle (neutral) entry.
    index = np.nan_to_num(t + np.float32((_LUT_SIZE - 1) / 2.0), nan=(_LUT_SIZE - 1) / 2.0)
    np.clip(index, 0, _LUT_SIZE - 1, out=index)
    return _LUT[np.rint(index).astype(np.intp)]


def diverging_colormap() -> pg.ColorMap:
    """The scale as a pyqtgraph colour map over [-1, 1] (use symmetric levels ``(-L, L)``)."""
    positions = (_STOPS + 1.0) / 2.0
    return pg.ColorMap(positions, _COLORS.astype(np.uint8))


def diverging_lookup_table(n: int = 256) -> np.ndarray:
    """Lookup table for ``ImageItem.setLookupTable``, shape (n, 3), dtype uint8."""
    return diverging_rgb(np.linspace(-1.0, 1.0, n), 1.0)


def symmetric_limit(values: np.ndarray, floor: float = 1e-6) -> float:
    """A symmetric colour range that covers ``values`` (robust to a few outliers).

    Uses the 99th percentile of ``|values|`` so one huge weight does not wash out the rest.
    """
    flat = np.abs(np.asarray(values, dtype=float)).ravel()
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return 1.0
    return max(float(np.percentile(flat, 99)), floor)
