"""The Weights tab: the selected layer's weight matrix and how every layer's weights spread."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.data import image_shape_of
from nnstudio.ui.frame import WEIGHT_PERCENTILES
from nnstudio.ui.plots.common import (
    PLOT_PREFERRED_SIZE,
    PlotTab,
    SteadyYRange,
    StickyLevel,
    draw_as_segments,
    image_mosaic,
    integer_ticks,
    key,
    layer_keys,
    make_heatmap,
    make_plot,
    note_label,
    palette_color,
    pen,
    set_title,
    short_number,
)
from nnstudio.ui.qt import QtCore, QtWidgets, pg

if TYPE_CHECKING:
    from nnstudio.ui.frame import Frame

#: Points of weight-spread history kept per layer; older points are thinned out beyond it
#: (about one per pixel of a wide plot: filling between longer curves costs more than it shows).
_HISTORY_CAP = 1000
#: The floor of the histograms' y range (see WeightsTab._show_histograms).
_ZERO = np.zeros(1)
_P5, _P25, _P50, _P75, _P95 = (WEIGHT_PERCENTILES.index(p) for p in (5.0, 25.0, 50.0, 75.0, 95.0))
#: Width in pixels of the bars that show the spread of the starting weights (epoch 0 alone).
_START_BAR_WIDTH = 14.0
#: Choices of the plot beside the heatmap in a small tab, in the order of the plots.
_BESIDE = ("Distribution per layer", "Layer over training")


def weight_mosaic(W: np.ndarray, image_shape: tuple[int, int]) -> tuple[np.ndarray, int, int]:
    """The first layer's weights as one picture per unit, tiled into one image.

    Unit ``j``'s incoming weights ``W[:, j]`` are the pixels of the input picture it responds
    to. Tiles run left to right, then down, in a grid about as wide as it is tall, one pixel
    of NaN (drawn transparent) apart and below a row of NaN; the grid's unused places are NaN
    too (see :func:`~nnstudio.ui.plots.common.image_mosaic`). The gaps are
    :func:`mosaic_gap` pixels wide (one for pictures up to 14 pixels across).

    Parameters
    ----------
    W : ndarray, shape (rows * cols, units)
        The weight matrix of a layer whose inputs are the pixels of ``rows × cols`` images,
        in row-major order.
    image_shape : (int, int)
        ``(rows, cols)`` of the input images.

    Returns
    -------
    mosaic : ndarray, shape (grid_rows * (rows + g), grid_columns * (cols + g) - g)
        With ``g = mosaic_gap(image_shape)``; row 0 is the top of the picture.
    grid_rows, grid_columns : int
        Tiles down and across.
    """
    units = W.shape[1]
    grid_columns = max(1, math.ceil(math.sqrt(units)))
    grid_rows = max(1, math.ceil(units / grid_columns))
    gap = mosaic_gap(image_shape)
    images = np.asarray(W, dtype=np.float64).T
    mosaic = image_mosaic(images, image_shape, grid_rows, grid_columns, row_gap=gap, column_gap=gap)
    return mosaic, grid_rows, grid_columns


def mosaic_gap(image_shape: tuple[int, int]) -> int:
    """Pixels between the tiles of :func:`weight_mosaic`: about a tenth of a tile, so the gaps
    stay visible where hundreds of tiles are drawn smaller than their pixels."""
    return max(1, round(max(image_shape) / 10))


class WeightsTab(PlotTab):
    """Heatmap of ``W`` for the selected layer, per-layer histograms, and spread over time."""

    name = "Weights"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        # Pixel inputs: the first layer's weights drawn as the pictures its units respond to.
        self.as_images = QtWidgets.QCheckBox("As images")
        self.as_images.setChecked(True)
        self.as_images.setToolTip(
            "Draw the first layer's weights as one picture per unit, left to right and down: "
            "the input pattern that excites the unit (orange) or inhibits it (blue)"
        )
        self.as_images.setVisible(False)
        self.as_images.toggled.connect(self._as_images_toggled)
        self.controls.addWidget(self.as_images)
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
            "W of layer 1", ("unit (fan_out)", "unit"), ("input (fan_in)", "input"), "weight"
        )
        self.level = StickyLevel()
        # Hovering a cell names it in the note (pyqtgraph's scene calls hoverEvent by name).
        self.heatmap.hoverEvent = self._heatmap_hovered
        #: The note on the shown layer, from the longest wording to the shortest.
        self._layer_texts: tuple[str, ...] = ("",)

        # Current distribution of each layer's weights.
        self.histogram_plot = make_plot(
            "Weight distribution per layer", "weight", ("% of weights", "%")
        )
        self.histogram_curves: list[pg.PlotDataItem] = []
        # Shares start at 0: the axis does too, and moves only in round steps while training.
        self.histogram_y = SteadyYRange(self.histogram_plot.vb)

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
        # A single point in time (the untrained network) fills no band: its bands are drawn
        # as wide bars and its median as a dot instead.
        self.start_outer = pg.PlotDataItem(pen=pg.mkPen(None))
        self.start_inner = pg.PlotDataItem(pen=pg.mkPen(None))
        for item in (
            self.start_outer,
            self.start_inner,
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
        self._keyed_layers: tuple[str, ...] = ()
        self._last_step = 0
        #: (grid_rows, grid_columns, rows, cols) while the heatmap shows pictures.
        self._mosaic_grid: tuple[int, int, int, int] | None = None
        self._hovering = False
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
        return {"besideHeatmap": self.beside, "weightsAsImages": self.as_images}

    def _as_images_toggled(self, _checked: bool) -> None:
        if self._frame is not None:
            self._show_heatmap(self._frame, self.layer_for(self._frame))

    def _image_shape(self, frame: Frame, layer: int) -> tuple[int, int] | None:
        """The input pictures' shape when ``layer`` reads pixels, else ``None``."""
        if layer != 0:
            return None
        return image_shape_of(tuple(frame.feature_names))

    @property
    def showing_images(self) -> bool:
        """Whether the heatmap shows the first layer's weights as pictures."""
        return self._mosaic_grid is not None

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
        self.histogram_y.reset()
        for item in (
            self.start_outer,
            self.start_inner,
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
        name = frame.activation_names[layer]
        fan_in, fan_out = frame.weights[layer][0].shape
        # Shorter wordings for a narrow control row: whole words and numbers, never cut.
        self._layer_texts = (
            f"Layer {layer + 1} ({name}): {fan_in} × {fan_out} weights",
            f"Layer {layer + 1} ({name}): {fan_in} × {fan_out}",
            f"Layer {layer + 1}: {fan_in} × {fan_out}",
            f"Layer {layer + 1}",
        )
        if not self._hovering:
            self.layer_note.set_wordings(*self._layer_texts)

    def _show_heatmap(self, frame: Frame, layer: int) -> None:
        W = np.asarray(frame.weights[layer][0], dtype=np.float64)
        if layer != self._shown_layer:
            self.level.reset()
            self._shown_layer = layer
        limit = self.level.update(W)
        image_shape = self._image_shape(frame, layer)
        self.as_images.setVisible(image_shape is not None)
        if image_shape is not None and self.as_images.isChecked():
            self._show_mosaic(W, image_shape, layer, limit)
            return
        self._mosaic_grid = None
        self.heatmap.setImage(W, levels=(-limit, limit), autoLevels=False)
        if self.changed("levels", limit):
            self.color_bar.setLevels(values=(-limit, limit))
        if not self.changed("heatmap", ("matrix", layer, W.shape)):
            return
        plot = self.heatmap_plot
        plot.setAspectLocked(False)
        plot.showAxis("left")
        plot.showAxis("bottom")
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

    def _show_mosaic(
        self, W: np.ndarray, image_shape: tuple[int, int], layer: int, limit: float
    ) -> None:
        """Show ``W`` as one picture per unit (see :func:`weight_mosaic`)."""
        mosaic, grid_rows, grid_columns = weight_mosaic(W, image_shape)
        self._mosaic_grid = (grid_rows, grid_columns, *image_shape)
        self.heatmap.setImage(mosaic, levels=(-limit, limit), autoLevels=False)
        if self.changed("levels", limit):
            self.color_bar.setLevels(values=(-limit, limit))
        if not self.changed("heatmap", ("images", layer, W.shape)):
            return
        rows, cols = image_shape
        height, width = mosaic.shape
        plot = self.heatmap_plot
        self.heatmap.setRect(0.0, 0.0, float(width), float(height))
        units = W.shape[1]
        set_title(
            plot,
            f"W of layer {layer + 1} as {rows}×{cols} pictures, one per unit ({units})",
            compact=f"W<sub>{layer + 1}</sub> · {units} pictures",
        )
        # No axes: pixel numbers mean nothing across tiles. Hovering names unit and pixel.
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        # Square pixels: the view shows more than the mosaic where the plot's shape differs,
        # so no limits (they would cut tiles off instead).
        plot.setLimits(xMin=None, xMax=None, yMin=None, yMax=None)
        plot.setAspectLocked(True)
        plot.setRange(xRange=(0.0, float(width)), yRange=(0.0, float(height)), padding=0)

    def mosaic_cell(self, x: float, y: float) -> tuple[int, int, int] | None:
        """The unit and pixel under the heatmap's view coordinates ``(x, y)`` in pictures mode.

        Returns
        -------
        tuple of int or None
            ``(unit, row, col)``, all from 0, or ``None`` off the tiles (or when the
            heatmap shows the matrix).
        """
        grid = self._mosaic_grid
        frame = self._frame
        if grid is None or frame is None or x < 0 or y < 0:
            return None
        _grid_rows, grid_columns, rows, cols = grid
        gap = mosaic_gap((rows, cols))
        # Each row of tiles lies below its gap; each tile's gap is on its right.
        tile_row, row = divmod(int(y), rows + gap)
        row -= gap
        tile_column, col = divmod(int(x), cols + gap)
        unit = tile_row * grid_columns + tile_column
        units = frame.weights[0][0].shape[1]
        if not (0 <= row < rows and col < cols and tile_column < grid_columns and unit < units):
            return None
        return unit, row, col

    def cell_text(self, x: float, y: float) -> str | None:
        """What the heatmap shows at image coordinates ``(x, y)`` (column, row), or ``None``."""
        wordings = self.cell_wordings(x, y)
        return None if wordings is None else wordings[0]

    def cell_wordings(self, x: float, y: float) -> tuple[str, ...] | None:
        """:meth:`cell_text` and shorter wordings of it (for a narrow note), or ``None``."""
        frame = self._frame
        if frame is None or self._shown_layer is None:
            return None
        layer = self._shown_layer
        W = frame.weights[layer][0]
        if self._mosaic_grid is not None:
            cell = self.mosaic_cell(x, y)
            if cell is None:
                return None
            unit, row, col = cell
            cols = self._mosaic_grid[3]
            source = row * cols + col
            name = frame.feature_names[source]
            where = f"row {row + 1}, column {col + 1}"
            value = f"w = {short_number(W[source, unit], 4)}"
            return (
                f"Unit {unit + 1}, {name} ({where}): {value}",
                f"Unit {unit + 1}, {where}: {value}",
                f"Unit {unit + 1}: {value}",
                value,
            )
        unit, source = int(x), int(y)
        if x < 0 or y < 0 or unit >= W.shape[1] or source >= W.shape[0]:
            return None
        names = frame.feature_names if layer == 0 else ()
        origin = (
            f"input {source + 1} ({names[source]})"
            if source < len(names)
            else f"unit {source + 1} of layer {layer}"
        )
        value = f"w = {short_number(W[source, unit], 4)}"
        return (
            f"From {origin} to unit {unit + 1}: {value}",
            f"{'Input' if layer == 0 else 'Unit'} {source + 1} → unit {unit + 1}: {value}",
            value,
        )

    def _heatmap_hovered(self, event: Any) -> None:
        wordings = None if event.isExit() else self.cell_wordings(event.pos().x(), event.pos().y())
        self._hovering = wordings is not None
        self.layer_note.set_wordings(*(wordings if wordings is not None else self._layer_texts))

    def _show_histograms(self, frame: Frame) -> None:
        while len(self.histogram_curves) < frame.n_layers:
            index = len(self.histogram_curves)
            # fillLevel closes each outline down to 0 at both ends (no brush: nothing filled).
            curve = self.histogram_plot.plot(
                stepMode="center", fillLevel=0.0, pen=pen(palette_color(index), 2)
            )
            self.histogram_curves.append(curve)
        names = tuple(frame.activation_names)
        if names != self._keyed_layers:
            self._keyed_layers = names
            keys = layer_keys(names)
            # The title names every layer (a legend box would hide the outlines); short of
            # room the keys alone say what the curves are, and shorter still, by number.
            set_title(
                self.histogram_plot,
                f"Distribution  {keys}",
                compact=(keys, layer_keys(names, numbers_only=True)),
            )
        shown = [_ZERO]
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
            shown.append(shares)
        self.histogram_y.fit(shown)

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
        self._show_start(times, values, color)
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
            for item, alpha in ((self.start_outer, 45), (self.start_inner, 90)):
                bar = pg.mkPen(color=(*color, alpha), width=_START_BAR_WIDTH)
                bar.setCapStyle(QtCore.Qt.PenCapStyle.FlatCap)
                item.setPen(bar)
            self.spread_median.setSymbolBrush(pg.mkBrush(*color))
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

    def _show_start(self, times: np.ndarray, values: np.ndarray, color: tuple[int, ...]) -> None:
        """Draw a lone point in time (epoch 0) as bars and a dot: it has no band to fill."""
        lone = times.shape[0] == 1
        if lone:
            at = np.array([times[0], times[0]])
            self.start_outer.setData(at, values[0, [_P5, _P95]])
            self.start_inner.setData(at, values[0, [_P25, _P75]])
        elif self.start_outer.xData is not None and self.start_outer.xData.size:
            self.start_outer.setData([], [])
            self.start_inner.setData([], [])
        if self.changed("spread start", lone):
            self.spread_median.setSymbol("o" if lone else None)
            self.spread_median.setSymbolSize(8)
            self.spread_median.setSymbolPen(pg.mkPen(None))
            self.spread_median.setSymbolBrush(pg.mkBrush(*color))

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
