"""The Weights tab: the selected layer's weight matrix and how every layer's weights spread."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.ui.frame import WEIGHT_PERCENTILES
from nnstudio.ui.plots.common import (
    PLOT_PREFERRED_SIZE,
    TITLE_KEYS_MAX,
    PlotTab,
    StickyLevel,
    draw_as_segments,
    integer_ticks,
    key,
    layer_keys,
    layer_label,
    make_heatmap,
    make_plot,
    note_label,
    palette_color,
    pen,
    set_title,
)
from nnstudio.ui.qt import QtWidgets, pg

if TYPE_CHECKING:
    from nnstudio.ui.frame import Frame

#: Points of weight-spread history kept per layer; older points are thinned out beyond it
#: (about one per pixel of a wide plot: filling between longer curves costs more than it shows).
_HISTORY_CAP = 1000
_P5, _P25, _P50, _P75, _P95 = (WEIGHT_PERCENTILES.index(p) for p in (5.0, 25.0, 50.0, 75.0, 95.0))
#: Choices of the plot beside the heatmap in a small tab, in the order of the plots.
_BESIDE = ("Distribution per layer", "Layer over training")


class WeightsTab(PlotTab):
    """Heatmap of ``W`` for the selected layer, per-layer histograms, and spread over time."""

    name = "Weights"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.layer_note = note_label("Select a layer on the canvas to show its weights.")
        # The note takes the room left: a stretch beside it would leave it none.
        self.controls.addWidget(self.layer_note, 1)
        # A small tab shows the heatmap and one of the other two plots: this picks which.
        self.beside = QtWidgets.QComboBox()
        self.beside.addItems(list(_BESIDE))
        self.beside.setToolTip(
            "The plot shown beside the heatmap (a small tab has room for two plots)"
        )
        self.beside.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.beside.setVisible(False)
        self.beside.currentIndexChanged.connect(lambda _index: self._arrange_plots())
        self.controls.addWidget(self.beside)

        # Heatmap: rows are the layer's inputs (fan_in), columns its units (fan_out).
        self.heatmap_plot, self.heatmap, self.color_bar = make_heatmap(
            "W of layer 1", "unit (fan_out)", "input (fan_in)", "weight"
        )
        self.level = StickyLevel()

        # Current distribution of each layer's weights.
        self.histogram_plot = make_plot("Weight distribution per layer", "weight", "% of weights")
        # Deep networks name their layers in a legend box; up to TITLE_KEYS_MAX, the title does.
        self.histogram_legend = self.histogram_plot.addLegend(offset=(-8, 8), labelTextSize="8pt")
        self.histogram_legend.setBrush(pg.mkBrush(255, 255, 255, 200))
        self.histogram_legend.setVisible(False)
        self.histogram_curves: list[pg.PlotDataItem] = []

        # Spread of the selected layer's weights over training: percentile bands and median.
        self.spread_plot = make_plot(
            "Spread of layer 1 over training", "epoch", "weight", counts_x=True
        )
        self.spread_outer_low = pg.PlotDataItem(pen=pg.mkPen(None))
        self.spread_outer_high = pg.PlotDataItem(pen=pg.mkPen(None))
        self.spread_inner_low = pg.PlotDataItem(pen=pg.mkPen(None))
        self.spread_inner_high = pg.PlotDataItem(pen=pg.mkPen(None))
        self.spread_median = pg.PlotDataItem()
        self.spread_outer = pg.FillBetweenItem(self.spread_outer_low, self.spread_outer_high)
        self.spread_inner = pg.FillBetweenItem(self.spread_inner_low, self.spread_inner_high)
        for item in (
            self.spread_outer_low,
            self.spread_outer_high,
            self.spread_inner_low,
            self.spread_inner_high,
            self.spread_outer,
            self.spread_inner,
            self.spread_median,
        ):
            self.spread_plot.addItem(item)

        self._times: list[float] = []
        self._quantiles: list[np.ndarray] = []
        self._frame: Frame | None = None
        self._shown_layer: int | None = None
        self._legend_names: tuple[str, ...] = ()
        self._last_step = 0
        self._arrange_plots()

    def _arrange_plots(self) -> None:
        """Lay the plots out (again, after another choice of the plot beside the heatmap)."""
        beside = (self.histogram_plot, self.spread_plot)[self.beside.currentIndex()]
        self.set_arrangement(
            narrow=[
                (self.heatmap_plot, 0, 0, 1, 1),
                (self.histogram_plot, 1, 0, 1, 1),
                (self.spread_plot, 2, 0, 1, 1),
            ],
            wide=[
                (self.heatmap_plot, 0, 0, 2, 1),
                (self.histogram_plot, 0, 1, 1, 1),
                (self.spread_plot, 1, 1, 1, 1),
            ],
            short=[
                (self.heatmap_plot, 0, 0, 1, 1),
                (self.histogram_plot, 0, 1, 1, 1),
                (self.spread_plot, 0, 2, 1, 1),
            ],
            small=[(self.heatmap_plot, 0, 0, 1, 1), (beside, 0, 1, 1, 1)],
        )

    def view_options(self) -> dict[str, QtWidgets.QCheckBox | QtWidgets.QComboBox]:
        return {"besideHeatmap": self.beside}

    def arrangement_changed(self, mode: str) -> None:
        self.beside.setVisible(mode == "small")

    def _apply_stretch(self) -> None:
        super()._apply_stretch()
        if self._layout_mode in ("short", "small"):
            # In one row the heatmap shares its column with its colour bar: a wider column.
            width, height = PLOT_PREFERRED_SIZE
            share = 1.5 if self._layout_mode == "short" else 1.2
            self.heatmap_plot.setPreferredSize(share * width, height)

    # ---- state -------------------------------------------------------------------------------

    def clear(self) -> None:
        self.forget()
        self.level.reset()
        self._times = []
        self._quantiles = []
        self._last_step = 0
        self._frame = None
        self._shown_layer = None
        self.heatmap.clear()
        for curve in self.histogram_curves:
            curve.setData([], [])
        for item in (
            self.spread_outer_low,
            self.spread_outer_high,
            self.spread_inner_low,
            self.spread_inner_high,
            self.spread_median,
        ):
            item.setData([], [])

    def set_selected_layer(self, network_index: int | None) -> None:
        super().set_selected_layer(network_index)
        if self._frame is not None:
            self.show_frame(self._frame)

    @property
    def levels(self) -> tuple[float, float]:
        """The heatmap's colour levels ``(-L, L)``."""
        low, high = self.heatmap.getLevels()
        return float(low), float(high)

    # ---- frames ------------------------------------------------------------------------------

    def show_frame(self, frame: Frame) -> None:
        previous = self._frame
        if previous is not None and (
            len(previous.weights) != len(frame.weights)
            or any(
                a[0].shape != b[0].shape
                for a, b in zip(previous.weights, frame.weights, strict=True)
            )
        ):
            self.clear()
        self._frame = frame
        layer = self.layer_for(frame)
        self._show_heatmap(frame, layer)
        self._show_histograms(frame)
        self.record(frame)
        self._show_spread(frame, layer)
        self.layer_note.setText(
            f"Layer {layer + 1} ({frame.activation_names[layer]}): "
            f"{frame.weights[layer][0].shape[0]} × {frame.weights[layer][0].shape[1]} weights"
        )

    def _show_heatmap(self, frame: Frame, layer: int) -> None:
        W = np.asarray(frame.weights[layer][0], dtype=np.float64)
        if layer != self._shown_layer:
            self.level.reset()
            self._shown_layer = layer
        limit = self.level.update(W)
        self.heatmap.setImage(W, levels=(-limit, limit), autoLevels=False)
        if self.changed("levels", limit):
            self.color_bar.setLevels(values=(-limit, limit))
        if not self.changed("heatmap", (layer, W.shape)):
            return
        # Cells centred on whole numbers, so unit j and input i (1-based) sit at their ticks.
        self.heatmap.setRect(0.5, 0.5, float(W.shape[1]), float(W.shape[0]))
        fan_in, fan_out = W.shape
        inputs = f"{fan_in}&nbsp;input{'s' if fan_in != 1 else ''}"
        units = f"{fan_out}&nbsp;unit{'s' if fan_out != 1 else ''}"
        # A narrow title wraps before the sizes, never inside them.
        set_title(
            self.heatmap_plot,
            f"W of layer {layer + 1} ({inputs}&nbsp;×&nbsp;{units})",
            compact=f"W<sub>{layer + 1}</sub> · {fan_in}×{fan_out}",
        )
        integer_ticks(self.heatmap_plot.getAxis("bottom"), fan_out)
        integer_ticks(self.heatmap_plot.getAxis("left"), fan_in)
        self.heatmap_plot.setLimits(xMin=0.5, xMax=fan_out + 0.5, yMin=0.5, yMax=fan_in + 0.5)
        self.heatmap_plot.setRange(
            xRange=(0.5, fan_out + 0.5), yRange=(0.5, fan_in + 0.5), padding=0
        )

    def _show_histograms(self, frame: Frame) -> None:
        while len(self.histogram_curves) < frame.n_layers:
            index = len(self.histogram_curves)
            curve = self.histogram_plot.plot(stepMode="center", pen=pen(palette_color(index), 2))
            self.histogram_curves.append(curve)
        names = tuple(
            f"layer {layer_label(i, name)}" for i, name in enumerate(frame.activation_names)
        )
        relabel = names != self._legend_names
        boxed = frame.n_layers > TITLE_KEYS_MAX
        if relabel:
            self.histogram_legend.clear()
            self.histogram_legend.setVisible(boxed)
            self._legend_names = names
            keys = "" if boxed else layer_keys(frame.activation_names)
            # Short of room, the layer keys alone say what the curves are.
            set_title(self.histogram_plot, f"Distribution  {keys}", compact=keys or None)
        for index, curve in enumerate(self.histogram_curves):
            if index >= frame.n_layers:
                curve.setData([], [])
                curve.setVisible(False)
                continue
            counts, edges = frame.weight_histograms[index]
            total = counts.sum()
            shares = 100.0 * counts / total if total > 0 else counts
            curve.setData(edges, shares)
            curve.setVisible(True)
            if relabel and boxed:
                self.histogram_legend.addItem(curve, names[index])

    def record(self, frame: Frame) -> None:
        """Add the frame's weight percentiles to the spread history."""
        if self._times and frame.step < self._last_step:
            # A new run: the spread history starts over.
            self._times, self._quantiles = [], []
        self._last_step = frame.step
        snapshot = frame.snapshot
        time = frame.epoch + float(getattr(snapshot, "epoch_progress", 0.0) or 0.0)
        if self._times and time <= self._times[-1]:
            self._quantiles[-1] = frame.weight_quantiles
            return
        self._times.append(time)
        self._quantiles.append(frame.weight_quantiles)
        if len(self._times) > _HISTORY_CAP:
            # Keep every second point: bounded memory, evenly thinned history.
            self._times = self._times[::2]
            self._quantiles = self._quantiles[::2]

    def _show_spread(self, frame: Frame, layer: int) -> None:
        color = palette_color(layer)
        times = np.asarray(self._times)
        stacked = [q for q in self._quantiles if q.shape[0] > layer]
        if len(stacked) != len(self._quantiles) or not stacked:
            return
        values = np.stack([q[layer] for q in stacked])
        self.spread_outer_low.setData(times, values[:, _P5])
        self.spread_outer_high.setData(times, values[:, _P95])
        self.spread_inner_low.setData(times, values[:, _P25])
        self.spread_inner_high.setData(times, values[:, _P75])
        self.spread_median.setData(times, values[:, _P50])
        if self.changed("spread", layer):
            self.spread_median.setPen(pen(color, 2))
            draw_as_segments(self.spread_median)
            self.spread_outer.setBrush(pg.mkBrush(*color, 45))
            self.spread_inner.setBrush(pg.mkBrush(*color, 90))
            # Band keys in the bands' colours (blended on white, as they are drawn).
            inner = tuple(int(255 - (255 - c) * 90 / 255) for c in color)
            outer = tuple(int(255 - (255 - c) * 45 / 255) for c in color)
            keys = "&nbsp; ".join(
                [
                    key(color, "median"),
                    key(inner, "25–75 %", box=True),  # type: ignore[arg-type]
                    key(outer, "5–95 %", box=True),  # type: ignore[arg-type]
                ]
            )
            short_keys = "&nbsp; ".join(
                [
                    key(color, "median"),
                    key(inner, "25–75", box=True),  # type: ignore[arg-type]
                    key(outer, "5–95", box=True),  # type: ignore[arg-type]
                ]
            )
            set_title(
                self.spread_plot,
                f"Layer {layer + 1} over training  {keys}",
                compact=f"W<sub>{layer + 1}</sub>  {short_keys}",
            )

    # ---- export ------------------------------------------------------------------------------

    def csv_table(self) -> tuple[list[str], list[Sequence[Any]]]:
        frame = self._frame
        if frame is None:
            return [], []
        header = ["layer", "input", "unit", "weight"]
        rows: list[Sequence[Any]] = []
        for index, (W, b) in enumerate(frame.weights):
            fan_in, fan_out = W.shape
            inputs = np.repeat(np.arange(1, fan_in + 1), fan_out)
            units = np.tile(np.arange(1, fan_out + 1), fan_in)
            rows.extend(
                zip(
                    [index + 1] * W.size,
                    inputs.tolist(),
                    units.tolist(),
                    np.asarray(W, float).ravel().tolist(),
                    strict=True,
                )
            )
            rows.extend(
                zip(
                    [index + 1] * b.size,
                    ["bias"] * b.size,
                    range(1, b.size + 1),
                    np.asarray(b, float).tolist(),
                    strict=True,
                )
            )
        return header, rows
