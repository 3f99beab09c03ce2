"""The one diverging colour scale used for weights, activations and heatmaps.

Negative values are blue, zero is a light neutral grey, positive values are orange, so a weight
on an edge, a neuron's activation and a heatmap cell mean the same thing by colour everywhere.

The mapping itself is pure NumPy, so frames can colour their heatmaps away from the user
interface (in the training process) without importing Qt; only the ``QColor`` constants and
the pyqtgraph colour map import Qt, when first used.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnstudio.spec import canonical_activation

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
#: The same table as opaque packed pixels ``0xFFRRGGBB``: what ``QImage.Format_ARGB32`` reads.
_LUT_ARGB = (
    np.uint32(0xFF000000)
    | (_LUT[:, 0].astype(np.uint32) << 16)
    | (_LUT[:, 1].astype(np.uint32) << 8)
    | _LUT[:, 2].astype(np.uint32)
)
_MIDDLE = (_LUT_SIZE - 1) / 2.0
#: Activations whose outputs live in [0, 1]: coloured around 0.5.
UNIT_INTERVAL = frozenset({"sigmoid", "softmax"})
#: Smallest per-neuron colour limit of an unbounded heatmap (a constant neuron stays neutral).
_HEATMAP_FLOOR = 1e-6

_QCOLOR_NAMES = {"NEGATIVE_COLOR": 0, "NEUTRAL_COLOR": 2, "POSITIVE_COLOR": 4}


def __getattr__(name: str) -> Any:
    """``NEGATIVE_COLOR``, ``NEUTRAL_COLOR`` and ``POSITIVE_COLOR`` as ``QColor`` (made lazily)."""
    if name in _QCOLOR_NAMES:
        from nnstudio.ui.qt import QtGui

        color = QtGui.QColor(*_COLORS[_QCOLOR_NAMES[name]].astype(int))
        globals()[name] = color
        return color
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _lut_index(
    values: np.ndarray, limit: float | np.ndarray, shift: float = 0.0, *, in_place: bool = False
) -> np.ndarray:
    """Index into the lookup tables for ``values - shift`` on a scale of ±``limit``.

    NaN maps to the neutral middle entry; values beyond the float32 range (or whose scaling
    overflows) get the end colours. With ``in_place`` the float32 array ``values`` is used as
    scratch space and returned holding the (fractional) indices, which truncate to the entry
    when cast to an integer type.
    """
    # Overflow to ±inf is what clipping to the ends needs anyway: no warning for it.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _lut_index_quiet(values, limit, shift, in_place)


def _lut_index_quiet(
    values: np.ndarray, limit: float | np.ndarray, shift: float, in_place: bool
) -> np.ndarray:
    factor = np.float32(_MIDDLE) / np.asarray(limit, dtype=np.float32)
    if in_place:
        t = values
        np.multiply(t, factor, out=t)
    else:
        # asarray: a 0-d input would otherwise come back as a scalar that cannot be updated.
        t = np.asarray(np.asarray(values, dtype=np.float32) * factor, dtype=np.float32)
    # Adding 0.5 before truncating rounds to the nearest entry (t is clipped to >= 0 first).
    if shift:
        t += np.float32(_MIDDLE + 0.5) - np.float32(shift) * factor
    else:  # an infinite factor (a limit below the float32 range) times 0 would be NaN
        t += np.float32(_MIDDLE + 0.5)
    if np.isnan(t.sum()):  # one cheap reduction instead of a NaN scan in the common case
        np.nan_to_num(t, copy=False, nan=_MIDDLE + 0.5)
    np.clip(t, 0, _LUT_SIZE - 1, out=t)
    return t if in_place else t.astype(np.int32)


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
    # Index a fine lookup table instead of interpolating three channels.
    return np.take(_LUT, _lut_index(values, scale), axis=0)


def centered(values: np.ndarray, activation: str | None) -> tuple[np.ndarray, float | None]:
    """Shift activations so the colour scale's neutral point is the activation's midpoint.

    Parameters
    ----------
    values : ndarray, any shape
        Activation outputs.
    activation : str or None
        The layer's activation (any accepted name, e.g. ``linear``); ``None`` for the
        (standardised) input layer.

    Returns
    -------
    shifted : ndarray, same shape
    limit : float or None
        Fixed colour limit (tanh: 1; sigmoid and softmax: 0.5 around 0.5), or ``None`` when
        the caller should fit one to the values.
    """
    name = canonical_activation(activation) if activation else None
    if name == "tanh":
        return values, 1.0
    if name in UNIT_INTERVAL:
        return values - 0.5, 0.5
    return values, None


class HeatmapColorizer:
    """Colours neuron outputs over a grid into ready-to-paint heatmap pixels.

    Bounded activations keep fixed levels so a colour means the same value all through
    training; unbounded ones (and the standardised inputs) give each neuron its own symmetric
    range so its shape is visible whatever its scale.

    One instance keeps its scratch arrays between calls: a frame builder calls it for every
    layer of every frame, and fresh multi-megabyte temporaries cost more (page faults) than
    the arithmetic. Only the returned pixels are new arrays. Not thread-safe: use one
    instance per thread.
    """

    def __init__(self) -> None:
        self._scratch: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}

    def __getstate__(self) -> dict[str, Any]:
        # Scratch space is not worth pickling (a builder may be sent to another process).
        return {"_scratch": {}}

    def _buffers(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        buffers = self._scratch.get(shape)
        if buffers is None:
            buffers = (np.empty(shape, dtype=np.float32), np.empty(shape, dtype=np.int32))
            self._scratch[shape] = buffers
        return buffers

    def __call__(self, grid_values: np.ndarray, activation: str | None) -> np.ndarray:
        """Heatmaps of ``k`` neurons.

        Parameters
        ----------
        grid_values : ndarray, shape (G_y, G_x, k)
            Output of each neuron at every grid point; row 0 is the lowest ``y``.
        activation : str or None
            The layer's canonical activation; ``None`` for the input layer.

        Returns
        -------
        ndarray of uint32, shape (k, G_y, G_x)
            Opaque ``0xFFRRGGBB`` pixels (``QImage.Format_ARGB32``), one image per neuron with
            row 0 the *largest* ``y``, so it is drawn the right way up as on a plot.
        """
        values = np.asarray(grid_values)
        if values.ndim != 3:
            raise ValueError(f"grid values must be (G_y, G_x, k), got shape {values.shape}")
        rows, cols, count = values.shape
        t, index = self._buffers((count, rows, cols))
        # (G_y, G_x, k) -> (k, G_y, G_x), flipped vertically so row 0 is the top of an image.
        with np.errstate(over="ignore"):  # beyond float32: ±inf, coloured as the extremes
            np.copyto(t, np.transpose(values, (2, 0, 1))[:, ::-1, :], casting="unsafe")
        shift, limit = 0.0, None
        if activation == "tanh":
            limit = 1.0
        elif activation in UNIT_INTERVAL:
            shift, limit = 0.5, 0.5
        scale: float | np.ndarray
        if limit is not None:
            scale = limit
        elif t.size:
            flat = t.reshape(count, -1)
            # fmax/fmin skip NaN as nanmax/nanmin do, without their checks and warnings.
            peaks = np.maximum(np.fmax.reduce(flat, axis=1), -np.fmin.reduce(flat, axis=1))
            if not np.isfinite(peaks).all():  # an all-NaN or infinite neuron
                peaks = np.nan_to_num(peaks, nan=1.0)
            scale = np.maximum(peaks, _HEATMAP_FLOOR)[:, None, None]
        else:
            scale = 1.0
        np.copyto(index, _lut_index(t, scale, shift, in_place=True), casting="unsafe")
        return np.take(_LUT_ARGB, index)


def heatmap_argb(grid_values: np.ndarray, activation: str | None) -> np.ndarray:
    """One-shot :class:`HeatmapColorizer`: shape (G_y, G_x, k) to (k, G_y, G_x) uint32 pixels."""
    return HeatmapColorizer()(grid_values, activation)


def diverging_colormap() -> Any:
    """The scale as a pyqtgraph colour map over [-1, 1] (use symmetric levels ``(-L, L)``)."""
    from nnstudio.ui.qt import pg

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
    # np.percentile's linear interpolation, via np.partition: the first np.percentile call
    # imports numpy.ma, which costs tens of milliseconds while the window starts.
    position = 0.99 * (flat.size - 1)
    below = int(position)
    above = min(below + 1, flat.size - 1)
    ordered = np.partition(flat, (below, above))
    low, high = float(ordered[below]), float(ordered[above])
    return max(low + (high - low) * (position - below), floor)
