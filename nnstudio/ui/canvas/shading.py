"""How activations become colours: fills for one example and heatmap thumbnails.

Bounded activations keep fixed levels so a colour means the same value all through training:
tanh spans [-1, 1]; sigmoid and softmax span [0, 1] centred at 0.5. Unbounded activations (and
the standardised inputs) use a symmetric limit fitted to the values shown.
"""

from __future__ import annotations

import numpy as np

from nnstudio.spec import canonical_activation
from nnstudio.ui.colors import diverging_rgb, symmetric_limit
from nnstudio.ui.qt import QtGui

#: Activations whose outputs live in [0, 1]: coloured around 0.5.
UNIT_INTERVAL = frozenset({"sigmoid", "softmax"})


def centered(values: np.ndarray, activation: str | None) -> tuple[np.ndarray, float | None]:
    """Shift values so the colour scale's neutral point is the activation's midpoint.

    Parameters
    ----------
    values : ndarray, any shape
        Activation outputs.
    activation : str or None
        The layer's activation; ``None`` for the (standardised) input layer.

    Returns
    -------
    shifted : ndarray, same shape
    limit : float or None
        Fixed colour limit, or ``None`` when the caller should fit a symmetric one.
    """
    name = canonical_activation(activation) if activation else None
    if name == "tanh":
        return values, 1.0
    if name in UNIT_INTERVAL:
        return values - 0.5, 0.5
    return values, None


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


def thumbnail_images(grid_values: np.ndarray, activation: str | None) -> list[QtGui.QImage]:
    """Heatmaps of neuron outputs over the input plane.

    Parameters
    ----------
    grid_values : ndarray, shape (G_y, G_x, k)
        Output of each drawn neuron at every grid point; row 0 is the lowest ``y``.
    activation : str or None

    Returns
    -------
    list of QImage
        One ``G_x`` × ``G_y`` RGB image per neuron, ``y`` growing upwards as on a plot.
    """
    values = np.asarray(grid_values, dtype=float)
    if values.ndim != 3 or values.shape[2] == 0:
        return []
    shifted, limit = centered(values, activation)
    if limit is None:
        # Each neuron gets its own symmetric range so its shape is visible whatever its scale.
        limits = np.maximum(np.nanmax(np.abs(shifted), axis=(0, 1)), 1e-6)
        scaled = shifted / limits
        rgb = diverging_rgb(scaled, 1.0)
    else:
        rgb = diverging_rgb(shifted, limit)
    # (G_y, G_x, k, 3) -> (k, G_y, G_x, 3), flipped so the top image row is the largest y.
    stacks = np.ascontiguousarray(np.transpose(rgb, (2, 0, 1, 3))[:, ::-1])
    height, width = stacks.shape[1], stacks.shape[2]
    images = []
    for stack in stacks:
        image = QtGui.QImage(
            stack.tobytes(), width, height, 3 * width, QtGui.QImage.Format.Format_RGB888
        )
        images.append(image.copy())  # own the pixels: the bytes object is temporary
    return images


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
