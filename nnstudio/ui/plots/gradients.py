"""The Gradients tab: each layer's gradient norm against the step, on a logarithmic axis.

Lines that sink by orders of magnitude towards the input layers show vanishing gradients;
lines that shoot up show exploding ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.ui.plots.common import (
    TITLE_KEYS_MAX,
    PlotTab,
    layer_keys,
    layer_label,
    make_plot,
    note_label,
    palette_color,
    pen,
    set_title,
)
from nnstudio.ui.qt import QtWidgets, pg

if TYPE_CHECKING:
    from nnstudio.ui.frame import Frame

#: Norms are floored here before taking logarithms (a dead layer has a zero gradient).
_FLOOR = 1e-12


class GradientsTab(PlotTab):
    """Per-layer gradient norm ``‖(∂J/∂W, ∂J/∂b)‖`` against the optimisation step."""

    name = "Gradients"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.show_raw = QtWidgets.QCheckBox("Every step")
        self.show_raw.setToolTip(
            "Also draw the unsmoothed norm of every mini-batch step (thin lines)"
        )
        self.show_raw.setChecked(True)
        self.show_raw.toggled.connect(self._toggle_raw)
        note = note_label("thick lines: moving average")
        self.controls.addWidget(self.show_raw)
        self.controls.addWidget(note)
        self.controls.addStretch(1)
        self.plot = make_plot("Gradient norm per layer", "step", "gradient norm (log scale)")
        self.plot.setLogMode(y=True)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        self.legend = self.plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.curves: list[pg.PlotDataItem] = []
        self.raw_curves: list[pg.PlotDataItem] = []
        self._names: tuple[str, ...] = ()
        self._steps = np.zeros(0, dtype=np.int64)
        self._norms = np.zeros((0, 0))
        self.set_arrangement(narrow=[(self.plot, 0, 0, 1, 1)], wide=[(self.plot, 0, 0, 1, 1)])

    def clear(self) -> None:
        self._steps = np.zeros(0, dtype=np.int64)
        self._norms = np.zeros((0, 0))
        for curve in (*self.curves, *self.raw_curves):
            curve.setData([], [])

    def _toggle_raw(self, on: bool) -> None:
        for curve in self.raw_curves:
            curve.setVisible(on)

    def show_frame(self, frame: Frame) -> None:
        layers = frame.n_layers
        while len(self.curves) < layers:
            index = len(self.curves)
            color = palette_color(index)
            raw = self.plot.plot(pen=pg.mkPen(color=(*color, 70), width=1))
            raw.setVisible(self.show_raw.isChecked())
            self.raw_curves.append(raw)
            self.curves.append(self.plot.plot(pen=pen(color, 2.4)))
        names = tuple(
            f"layer {layer_label(i, name)}" for i, name in enumerate(frame.activation_names)
        )
        if names != self._names:
            # Up to TITLE_KEYS_MAX layers are named in the title, more in a legend box.
            boxed = layers > TITLE_KEYS_MAX
            self.legend.clear()
            self.legend.setVisible(boxed)
            if boxed:
                for curve, name in zip(self.curves, names, strict=False):
                    self.legend.addItem(curve, name)
                set_title(self.plot, "Gradient norm per layer")
            else:
                set_title(self.plot, f"Gradient norm  {layer_keys(frame.activation_names)}")
            self._names = names
        steps = np.asarray(frame.grad_steps)
        norms = np.asarray(frame.grad_norms)
        self._steps, self._norms = steps, norms
        has_data = steps.shape[0] > 0 and norms.ndim == 2 and norms.shape[1] == layers
        floored = np.maximum(norms, _FLOOR) if has_data else norms
        smoothed = _moving_average(floored, max(1, steps.shape[0] // 60)) if has_data else norms
        for index, (curve, raw) in enumerate(zip(self.curves, self.raw_curves, strict=True)):
            if index < layers and has_data:
                raw.setData(steps, floored[:, index])
                curve.setData(steps, smoothed[:, index])
                curve.setVisible(True)
                raw.setVisible(self.show_raw.isChecked())
            else:
                curve.setData([], [])
                raw.setData([], [])
                curve.setVisible(index < layers)

    def csv_table(self) -> tuple[list[str], list[Sequence[Any]]]:
        if self._steps.shape[0] == 0:
            return [], []
        header = ["step", *(f"layer_{i + 1}_grad_norm" for i in range(self._norms.shape[1]))]
        rows = [
            [int(step), *values]
            for step, values in zip(self._steps.tolist(), self._norms.tolist(), strict=True)
        ]
        return header, rows


def _moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving average along the first axis, geometric (norms span decades).

    Parameters
    ----------
    values : ndarray, shape (S, L)
        Positive values.
    window : int
        Number of steps averaged (shrinks at both ends).

    Returns
    -------
    ndarray, shape (S, L)
    """
    if window <= 1 or values.shape[0] < 3:
        return values
    logs = np.log(values)
    padded = np.vstack([np.zeros((1, logs.shape[1])), np.cumsum(logs, axis=0)])
    count = values.shape[0]
    half = window // 2
    index = np.arange(count)
    low = np.clip(index - half, 0, count)
    high = np.clip(index + half + 1, 0, count)
    means = (padded[high] - padded[low]) / (high - low)[:, None]
    return np.exp(means)
