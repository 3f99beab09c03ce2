"""The Data dock: choose a built-in generator or a CSV file and preview the examples.

Every change goes through :meth:`StudioDocument.set_data`, so it is one undo step and the
network's input and output layers follow the data. The controls mirror the document: after
undo or redo they are refreshed with their signals blocked, so syncing never edits anything.
New data needs a new training session, which would end a run: like the canvas and the
Properties dock, the controls are locked while training runs (:meth:`DataPanel.set_editable`).

For the built-in 2-D generators a row of check boxes picks the features the network reads of
each point (x1, x2, x1², x2², x1·x2, sin x1, sin x2), as TensorFlow Playground does.

The preview below the controls shows the data the network will see: a scatter of the points
in their plane for 2-D data, whatever features the network reads of them (classes coloured
like the output plot, validation points hollow), ``x`` against ``y`` for 1-D regressions, a
grid of sample images for pixel data, and a table of the first rows otherwise. Behind a
scatter it shows, live, what the network predicts (unless switched off): the decision regions
and their boundary for classes, the predicted value's colour for a 2-D regression, the fitted
curve for a 1-D one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.data import Dataset, ReadCancelled, resolve_csv_path
from nnstudio.errors import NNStudioError
from nnstudio.spec import (
    BUILTIN_DATASETS,
    BUILTIN_TASKS,
    DEFAULT_PLANE_FEATURES,
    PLANE_DATASETS,
    PLANE_FEATURE_LABELS,
    PLANE_FEATURES,
    BuiltinData,
    CsvData,
    DataSpec,
)
from nnstudio.text import name_list, plural
from nnstudio.ui.background import run_with_progress
from nnstudio.ui.colors import NEGATIVE_COLOR, POSITIVE_COLOR, diverging_rgb, symmetric_limit
from nnstudio.ui.csv_import import (
    ERROR_BOX_STYLE,
    MUTED_COLOR,
    CsvImportDialog,
    CsvRead,
    ElidedLabel,
    TextTableModel,
    class_notes_text,
    dataset_summary,
    fit_columns,
    table_row_height,
)
from nnstudio.ui.docks.training_dock import RunLockTips, VerticalScrollArea
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.frame import finite_range, plottable
from nnstudio.ui.plots.common import FlowRow, ItemListLayout, MajorGrid, class_colors, pen
from nnstudio.ui.plots.output import SmoothImageItem, decision_map, grid_image_rect
from nnstudio.ui.qt import (
    Qt,
    QtCore,
    QtGui,
    QtWidgets,
    Signal,
    compact_combo,
    pg,
    show_clamped,
    wait_cursor,
)

__all__ = [
    "BUILTIN_INFO",
    "DataPanel",
    "FeatureChecks",
    "FoldingGrid",
    "ImagePreview",
    "ScatterPreview",
    "TablePreview",
    "ValueDoubleSpinBox",
    "ValueSpinBox",
    "feature_list",
    "header_reading",
    "neuron_caption",
]

#: Friendly title and one-line description of each built-in generator.
BUILTIN_INFO: dict[str, tuple[str, str]] = {
    "xor": (
        "XOR",
        "Four quadrants; the class is orange where x1 and x2 have opposite signs. "
        "No straight line separates them.",
    ),
    "circles": ("Circles", "A disc inside a ring: the boundary has to curve all the way round."),
    "gaussians": (
        "Two Gaussian blobs",
        "Two round clouds a straight line separates; noise makes them overlap.",
    ),
    "spiral": (
        "Spiral",
        "Interleaved spiral arms, one class each: the hardest of the puzzles.",
    ),
    "moons": ("Two moons", "Two interleaving half circles."),
    "plane": ("Plane (regression)", "y = 2·x1 − x2 plus noise: a linear regression in 2-D."),
    "sine": ("Sine wave (regression)", "y = sin(x) plus noise, for x in [−π, π]."),
    "housing": (
        "Housing prices (regression)",
        "Price ($100k) against size (1000 sq ft), with a ReLU-like kink at 1000 sq ft.",
    ),
}

CSV_KEY = "csv"
#: File names the panel accepts when a file is dropped on it.
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt")
#: Points drawn at most in a scatter preview; larger data shows a subset of each split in
#: proportion (a random one: the splits are shuffled).
MAX_PREVIEW_POINTS = 5000
#: Colour of the decision boundary and the fitted curve drawn over the preview.
PREDICTION_INK = (40, 40, 40)
#: How far the predicted-value colours of a 2-D regression fade towards white.
PREDICTION_WASH = 0.45
#: Rows in the table preview.
TABLE_ROWS = 50
#: Sample images in the image preview: 8 per row, at least 2 rows, more when there is room.
IMAGE_COLUMNS = 8
IMAGE_ROWS = 2
IMAGE_MAX_ROWS = 4
#: Milliseconds a spin box must rest before its value is applied (arrow keys, wheel).
EDIT_DELAY_MS = 450
#: The feature check boxes, one column per kind of feature (as TensorFlow Playground
#: groups them): the coordinates, their squares, their product, their sines.
FEATURE_COLUMNS: tuple[tuple[str, ...], ...] = (
    ("x1", "x2"),
    ("x1^2", "x2^2"),
    ("x1*x2",),
    ("sin(x1)", "sin(x2)"),
)
#: What each feature is good for, shown as its check box's tooltip.
FEATURE_TIPS: dict[str, str] = {
    "x1": "The point's first coordinate.",
    "x2": "The point's second coordinate.",
    "x1^2": "x1 squared. With x2², a circle around the origin becomes a straight line.",
    "x2^2": "x2 squared. With x1², a circle around the origin becomes a straight line.",
    "x1*x2": "The product x1·x2: its sign tells the XOR quadrants apart.",
    "sin(x1)": "sin(x1): a wave along x1.",
    "sin(x2)": "sin(x2): a wave along x2.",
}
#: Why the last ticked feature cannot be unticked.
LAST_FEATURE_TIP = "The network needs at least one input: tick another feature before this one."


def _color(rgb: np.ndarray, alpha: int = 255) -> QtGui.QColor:
    return QtGui.QColor(int(rgb[0]), int(rgb[1]), int(rgb[2]), alpha)


def feature_list(features: tuple[str, ...]) -> str:
    """Features as the studio writes them, e.g. ``"x1², x2²"``."""
    return ", ".join(PLANE_FEATURE_LABELS.get(name, name) for name in features)


def _format_numbers(values: np.ndarray) -> np.ndarray:
    """Cells of a table written column by column, each column with one number of decimals.

    Right-aligned with the same decimals, a column's digits line up (``5.0`` above ``6.8``,
    not ``5``). See :func:`_decimal_column`.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, m)
        Numbers by row; a 1-D array is one column.

    Returns
    -------
    ndarray of str, dtype object, the shape of ``values``
    """
    table = np.asarray(values, dtype=np.float64)
    columns = table.reshape(table.shape[0], -1) if table.ndim else table.reshape(1, 1)
    cells = np.empty(columns.shape, dtype=object)
    for index in range(columns.shape[1]):
        cells[:, index] = _decimal_column(columns[:, index])
    return cells.reshape(table.shape)


#: Significant digits a table column keeps of its largest magnitude.
TABLE_DIGITS = 4
#: Most significant digits a column grows to, so that values that differ read differently.
MAX_TABLE_DIGITS = 10


def _decimal_column(column: np.ndarray) -> list[str]:
    """One column of numbers written with the same decimals.

    :data:`TABLE_DIGITS` significant digits of the largest magnitude, but no more decimals
    than the values use: iris lengths read ``5.0`` and ``6.8``, not ``5.000``. Magnitudes of a
    million or more, or below 0.001, are written in scientific notation. Where that would
    hide most of a column's variation (time stamps near 1.7e9 a few seconds apart, all
    ``1.700e+09``: the column would look constant, or fewer than half its different values
    would still look different), the column keeps more digits, up to
    :data:`MAX_TABLE_DIGITS`; whole numbers of up to that many digits are then written in
    full (``1700003600``). A value that differs from another only
    far below the column's precision (``-1e-9`` beside 2) still reads like it (``0``).
    """
    finite = column[np.isfinite(column)]
    distinct = np.unique(finite).size
    largest = float(np.abs(finite).max()) if finite.size else 0.0
    cells: list[str] = []
    for digits in range(TABLE_DIGITS, MAX_TABLE_DIGITS + 1):
        cells = _column_cells(column, largest, digits)
        shown = {cell for cell, value in zip(cells, column, strict=True) if np.isfinite(value)}
        # Kept unless the column would look constant, or lose most of its variation.
        if (len(shown) > 1 or distinct <= 1) and 2 * len(shown) >= distinct:
            return cells
        if digits == TABLE_DIGITS and largest < 10**MAX_TABLE_DIGITS and finite.size:
            if np.array_equal(finite, np.round(finite)):
                return [f"{v:.0f}" for v in column]
    return cells


def _column_cells(column: np.ndarray, largest: float, digits: int) -> list[str]:
    """``column`` written with ``digits`` significant digits of its ``largest`` magnitude."""
    if largest and not 1e-3 <= largest < 1e6:
        return [f"{v:.{digits - 1}e}" for v in column]
    most = 0 if largest == 0 else int(digits - 1 - np.floor(np.log10(largest)))
    most = max(0, most)
    used = max((len(f"{v:.{most}f}".rstrip("0").partition(".")[2]) for v in column), default=0)
    # Adding 0.0 turns the -0.0 of a tiny negative number rounded away into 0.0.
    return [f"{v:.{used}f}" for v in np.round(column, used) + 0.0]


# ---- previews ----------------------------------------------------------------------------------


#: Classes named in the preview's legend at most.
_LEGEND_CLASSES = 12
#: Share of the points' span the 2-D preview shows beyond them on every side: the margin
#: of the prediction grid (see :class:`~nnstudio.ui.frame.FrameBuilder`), so the shading
#: fills the view exactly.
PLANE_MARGIN = 0.1
#: Lowest height of the 2-D preview's plot, axes included: a short dock scrolls rather than
#: squeezing the points into a sliver.
PREVIEW_MIN_HEIGHT = 150
#: Margins pyqtgraph gives a plot's layout; the preview adds its own to them.
_PLOT_MARGIN = 1


class ScatterPreview(QtWidgets.QWidget):
    """Training points filled, validation points hollow; items are created once."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        # No context menu (building one is most of a plot's cost at start-up).
        self.plot_widget = pg.PlotWidget(enableMenu=False)
        # Nothing in the preview takes keys: a click must not leave focus where none shows.
        self.plot_widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.plot_widget.setMinimumHeight(PREVIEW_MIN_HEIGHT)
        self.plot_widget.setMenuEnabled(False)
        self.plot_item = self.plot_widget.getPlotItem()
        self.grid = MajorGrid(self.plot_item, vertical=True)
        self.plot_item.hideButtons()
        for side in ("left", "bottom"):
            self.plot_item.getAxis(side).setTextPen(pg.mkPen(60, 60, 60))
            # Data values are shown as they are: no "(x0.001)" unit prefixes on the axes.
            self.plot_item.getAxis(side).enableAutoSIPrefix(False)
        self.train_item = pg.ScatterPlotItem(size=7, pxMode=True, name="training")
        self.val_item = pg.ScatterPlotItem(size=7, pxMode=True, name="validation", symbol="o")
        # What the network predicts, behind the points; hidden until a frame for this data.
        self.regions = SmoothImageItem()
        self.boundary = pg.PlotDataItem(pen=pen(PREDICTION_INK, 1.4), connect="pairs")
        self.fit_curve = pg.PlotDataItem(pen=pen(PREDICTION_INK, 2.2))
        for item in (self.regions, self.boundary, self.fit_curve):
            item.setVisible(False)
            # Points and data decide the view; predictions only fill it.
            self.plot_item.addItem(item, ignoreBounds=True)
        self.plot_item.addItem(self.train_item)
        self.plot_item.addItem(self.val_item)
        self.show_predictions = QtWidgets.QCheckBox("Show predictions")
        self.show_predictions.setChecked(True)
        self.show_predictions.setToolTip(
            "Shade the plane by what the network predicts and draw its decision boundary "
            "(the fitted curve for one input), updated live while it trains"
        )
        self.show_predictions.toggled.connect(self._predictions_toggled)
        self.legend = QtWidgets.QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.legend.setWordWrap(True)
        #: Says whose output the plane shows while a neuron is selected.
        self.focus_note = QtWidgets.QLabel()
        self.focus_note.setTextFormat(Qt.TextFormat.PlainText)
        self.focus_note.setWordWrap(True)
        self.focus_note.setStyleSheet(f"color: {MUTED_COLOR};")
        self.focus_note.hide()
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.focus_note)
        layout.addWidget(self.show_predictions)
        self._outline = pg.mkPen(255, 255, 255, 200, width=0.8)
        self._dataset: Dataset | None = None
        #: The target's centre and colour limit of a 2-D regression (the points' scale).
        self._value_scale = (0.0, 1.0)
        self._frame: object | None = None
        self._rect: tuple[float, float, float, float] | None = None
        #: ``(xmin, xmax, ymin, ymax)`` a plane's preview shows: its points plus
        #: :data:`PLANE_MARGIN`, like the prediction grid. ``None`` for a 1-D regression.
        self._extent: tuple[float, float, float, float] | None = None
        # The plot keeps the plane's proportions by padding around its axes (see _fit_aspect).
        self.plot_item.getViewBox().sigResized.connect(self._fit_aspect)
        #: ``(drawn layer, neuron, title)`` of the selected neuron, whose output the plane
        #: shows instead of the prediction (data with a plane only).
        self._focus: tuple[int, int, str] | None = None

    def show_dataset(self, dataset: Dataset) -> None:
        """Draw a 2-D problem (or ``x`` against ``y`` for a 1-D regression).

        Points of a plane are drawn where they lie in it (:attr:`Dataset.plane_train`), also
        when the network reads other features of them (``x1²``, ``sin(x1)``, …).
        """
        # Predictions belong to the data they were made for: none until the next frame.
        self._dataset = dataset
        self.clear_predictions()
        plane_train, plane_val, plane_names = (
            dataset.plane_train,
            dataset.plane_val,
            dataset.plane_names,
        )
        on_plane = plane_train is not None and plane_val is not None and plane_names is not None
        X_train, X_val = (plane_train, plane_val) if on_plane else (dataset.X_train, dataset.X_val)
        share = min(1.0, MAX_PREVIEW_POINTS / max(1, dataset.n_train + dataset.n_val))
        cap_train = X_train[: int(np.ceil(dataset.n_train * share))]
        cap_val = X_val[: int(np.ceil(dataset.n_val * share))]
        if not on_plane:
            self._extent = None
            # Clipped so the auto-range's arithmetic stays finite (values near ±1.8e308).
            train_xy = plottable(
                np.column_stack([cap_train[:, 0], dataset.Y_train[: len(cap_train), 0]])
            )
            val_xy = plottable(np.column_stack([cap_val[:, 0], dataset.Y_val[: len(cap_val), 0]]))
            self._set_axes(dataset.feature_names[0], dataset.target_names[0], locked=False)
            self._draw_plain(train_xy, val_xy)
            self._legend_plain(validation=dataset.n_val > 0)
        else:
            assert plane_names is not None
            # Clipped like the extent, so pyqtgraph's bounds of the points stay finite.
            train_xy, val_xy = plottable(cap_train[:, :2]), plottable(cap_val[:, :2])
            # Equal scales show the true geometry, unless the axes' ranges differ a lot.
            spans = np.ptp(plottable(X_train[:, :2]), axis=0) if dataset.n_train else np.ones(2)
            comparable = bool(np.all(spans > 0)) and spans.max() <= 4 * spans.min()
            self._extent = _padded_extent(X_train, X_val)
            self._set_axes(plane_names[0], plane_names[1], locked=comparable)
            if dataset.is_classification:
                self._draw_classes(dataset, train_xy, val_xy)
            else:
                self._draw_values(dataset, train_xy, val_xy)
        shown = len(cap_train) + len(cap_val)
        total = dataset.n_train + dataset.n_val
        if shown < total:
            self.legend.setText(
                self.legend.text()
                + f"<br><span style='color:{MUTED_COLOR}'>showing {shown} of {total} points"
                "</span>"
            )
        if self._extent is None:
            self.plot_item.enableAutoRange()
            self.plot_item.autoRange(padding=0.06)
        else:
            # The view the prediction grid covers, so its shading fills the plot edge to edge.
            self._show_extent(self._extent)
        self._fit_aspect()

    def _set_axes(self, x_name: str, y_name: str, *, locked: bool) -> None:
        # Axis labels are HTML to pyqtgraph; feature names are the user's text.
        self.plot_item.setLabel("bottom", _html(x_name))
        self.plot_item.setLabel("left", _html(y_name))
        self.plot_item.setAspectLocked(locked, ratio=1.0)

    def _show_extent(self, extent: tuple[float, float, float, float]) -> None:
        """Show exactly ``(xmin, xmax, ymin, ymax)``, no automatic range or padding."""
        x0, x1, y0, y1 = extent
        self.plot_item.disableAutoRange()
        # pyqtgraph raises on a non-finite range; a finite one keeps the window usable.
        self.plot_item.setRange(
            xRange=finite_range(x0, x1), yRange=finite_range(y0, y1), padding=0.0
        )

    def _fit_aspect(self, *_args: object) -> None:
        """Pad around the axes so a plane drawn to scale fills its axes' box exactly.

        A view with locked aspect widens one axis's range to the widget's shape instead,
        which shows more than the prediction grid covers (white bands beside the shading)
        and shrinks the points. Here the axes hug the plane and the spare room lies outside
        them, split evenly.
        """
        layout = self.plot_item.layout
        view = self.plot_item.getViewBox()
        extent = self._extent
        base = (_PLOT_MARGIN,) * 4
        if extent is None or not view.state["aspectLocked"]:
            margins = base
        else:
            left, top, right, bottom = layout.getContentsMargins()
            size = self.plot_item.size()
            # What the axes and labels take, whatever the current padding.
            axes_w = size.width() - left - right - view.width()
            axes_h = size.height() - top - bottom - view.height()
            room_w = size.width() - axes_w - 2 * _PLOT_MARGIN
            room_h = size.height() - axes_h - 2 * _PLOT_MARGIN
            x0, x1, y0, y1 = extent
            ratio = (x1 - x0) / (y1 - y0)
            if room_w <= 0 or room_h <= 0:
                return
            spare_w = max(0.0, room_w - room_h * ratio)
            spare_h = max(0.0, room_h - room_w / ratio)
            margins = (
                _PLOT_MARGIN + spare_w / 2,
                _PLOT_MARGIN + spare_h / 2,
                _PLOT_MARGIN + spare_w / 2,
                _PLOT_MARGIN + spare_h / 2,
            )
        current = layout.getContentsMargins()
        if any(abs(a - b) >= 1.0 for a, b in zip(margins, current, strict=True)):
            layout.setContentsMargins(*(float(round(m)) for m in margins))

    def _draw_classes(self, dataset: Dataset, train_xy: np.ndarray, val_xy: np.ndarray) -> None:
        names = dataset.class_names or dataset.target_names
        # The output plot's class colours, so a point and its decision region agree.
        colors = class_colors(len(names))
        brushes = np.empty(len(names), dtype=object)
        pens = np.empty(len(names), dtype=object)
        for k, rgb in enumerate(colors):
            brushes[k] = pg.mkBrush(_color(rgb, 230))
            pens[k] = pg.mkPen(_color(rgb), width=1.6)
        labels_train = np.asarray(dataset.labels_train)[: len(train_xy)]
        labels_val = np.asarray(dataset.labels_val)[: len(val_xy)]
        self.train_item.setData(
            pos=train_xy, brush=list(brushes[labels_train]), pen=self._outline, symbol="o"
        )
        self.val_item.setData(
            pos=val_xy,
            brush=pg.mkBrush(255, 255, 255, 235),
            pen=list(pens[labels_val]),
            symbol="o",
        )
        entries = [
            f"<span style='color:{_color(rgb).name()}; font-size:14px'>●</span> {_html(n)}"
            for rgb, n in zip(colors, names, strict=True)
        ]
        if len(entries) > _LEGEND_CLASSES:
            # Hundreds of classes would fill the dock; the first ones show the colours' idea.
            more = len(entries) - _LEGEND_CLASSES
            entries = [*entries[:_LEGEND_CLASSES], f"… and {more:,} more classes"]
        swatches = " &nbsp; ".join(entries)
        # Only data with a validation split has hollow points to explain.
        key = " &nbsp;&nbsp; <span style='color:#444'>○ validation</span>" if dataset.n_val else ""
        self.legend.setText(swatches + key)

    def _draw_values(self, dataset: Dataset, train_xy: np.ndarray, val_xy: np.ndarray) -> None:
        y_train = dataset.Y_train[: len(train_xy), 0]
        y_val = dataset.Y_val[: len(val_xy), 0]
        with np.errstate(over="ignore", invalid="ignore"):
            centre = float(np.mean(dataset.Y_train[:, 0])) if dataset.n_train else 0.0
        # The mean of values near the largest float overflows; 0 still centres the scale.
        centre = centre if np.isfinite(centre) else 0.0
        # The colour is the target's distance from its mean, on the shared diverging scale.
        limit = symmetric_limit(np.concatenate([y_train, y_val]) - centre)
        self._value_scale = (centre, limit)
        rgb_train = diverging_rgb(y_train - centre, limit)
        rgb_val = diverging_rgb(y_val - centre, limit)
        self.train_item.setData(
            pos=train_xy,
            brush=[pg.mkBrush(*c) for c in rgb_train.tolist()],
            pen=pg.mkPen(120, 120, 120, 120, width=0.6),
            symbol="o",
        )
        self.val_item.setData(
            pos=val_xy,
            brush=pg.mkBrush(255, 255, 255, 235),
            pen=[pg.mkPen(*c, width=1.6) for c in rgb_val.tolist()],
            symbol="o",
        )
        low, high = NEGATIVE_COLOR.name(), POSITIVE_COLOR.name()
        target = _html(dataset.target_names[0])
        self.legend.setText(
            f"colour = {target}: <span style='color:{low}; font-size:14px'>●</span> low · "
            f"<span style='color:{high}; font-size:14px'>●</span> high"
            + (" &nbsp;&nbsp; ○ validation" if dataset.n_val else "")
        )

    def _draw_plain(self, train_xy: np.ndarray, val_xy: np.ndarray) -> None:
        ink = QtGui.QColor(37, 99, 235)
        self.train_item.setData(
            pos=train_xy,
            brush=pg.mkBrush(ink.red(), ink.green(), ink.blue(), 170),
            pen=self._outline,
            symbol="o",
        )
        self.val_item.setData(
            pos=val_xy,
            brush=pg.mkBrush(255, 255, 255, 235),
            pen=pg.mkPen(ink, width=1.6),
            symbol="o",
        )

    def _legend_plain(self, *, validation: bool) -> None:
        """Key the filled (training) points, and the hollow ones when there are any."""
        training = "<span style='color:#2563eb; font-size:14px'>●</span> training"
        if validation:
            training += " &nbsp; <span style='color:#2563eb'>○</span> validation"
        self.legend.setText(training)

    # ---- predictions -------------------------------------------------------------------------

    def clear_predictions(self) -> None:
        """Hide the predictions until the next frame."""
        self._frame = None
        self._hide_predictions()

    def _hide_predictions(self) -> None:
        for item in (self.regions, self.boundary, self.fit_curve):
            item.setVisible(False)
        self.focus_note.hide()
        self.grid.setVisible(True)

    def show_frame(self, frame: object) -> None:
        """Show what the network of ``frame`` predicts over this preview's data.

        Frames made for other data (another feature set or task) are ignored.
        """
        dataset = self._dataset
        if dataset is None or not self._matches(frame, dataset):
            return
        self._frame = frame
        if not self.show_predictions.isChecked():
            return
        grid, line = getattr(frame, "grid", None), getattr(frame, "line", None)
        if dataset.has_plane and grid is not None:
            self._show_plane(frame, grid, dataset)
        elif not dataset.has_plane and dataset.n_features == 1 and line is not None:
            x = np.asarray(line.line_x, dtype=np.float64)
            y = np.asarray(frame.output_values(line.line_A[-1]), dtype=np.float64)[:, 0]
            self.fit_curve.setData(plottable(x), plottable(y))
            self.fit_curve.setVisible(True)

    def set_focus(self, layer: int | None, neuron: int | None = None, title: str = "") -> None:
        """Show one neuron's output over the plane instead of the prediction, or stop.

        Parameters
        ----------
        layer : int or None
            Drawn layer of the neuron (0 = inputs); ``None`` shows the prediction again.
        neuron : int
            The neuron's index in that layer.
        title : str
            How the neuron is named, e.g. ``"Hidden 2 · neuron 3 (tanh)"``.
        """
        focus = None if layer is None or neuron is None else (int(layer), int(neuron), title)
        if focus == self._focus:
            return
        self._focus = focus
        frame = self._frame
        if frame is not None and self.show_predictions.isChecked():
            self.show_frame(frame)
        else:
            self.focus_note.hide()

    def _matches(self, frame: object, dataset: Dataset) -> bool:
        names = tuple(getattr(frame, "feature_names", ()))
        targets = tuple(getattr(frame, "target_names", ()))
        return (
            names == tuple(dataset.feature_names)
            and targets == tuple(dataset.target_names)
            and getattr(frame, "task", None) == dataset.task
        )

    def _show_plane(self, frame: Any, grid: Any, dataset: Dataset) -> None:
        focused = self._focused_pixels(grid)
        self.focus_note.setVisible(focused is not None)
        if focused is not None:
            assert self._focus is not None
            self.focus_note.setText(
                f"Showing the output of {self._focus[2]} over the plane "
                "(nothing selected: the prediction)."
            )
            self.regions.setImage(_washed(focused), autoLevels=False)
            self.boundary.setVisible(False)
        elif dataset.is_classification:
            decision = decision_map(grid)
            self.regions.setImage(decision.colors, autoLevels=False)
            points = decision.boundary
            self.boundary.setData(points[:, 0], points[:, 1], connect="pairs")
            self.boundary.setVisible(True)
        else:
            centre, limit = self._value_scale
            predicted = np.asarray(frame.output_values(grid.grid_A[-1])[..., 0], dtype=np.float64)
            rgb = diverging_rgb(predicted - centre, limit)
            self.regions.setImage(_washed(rgb), autoLevels=False)
        rect = grid_image_rect(grid.extent, grid.size)
        if rect != self._rect:
            self._rect = rect
            self.regions.setRect(QtCore.QRectF(*rect))
            extent = tuple(float(v) for v in grid.extent)
            if extent != self._extent:
                # The grid decides what is shaded: the view shows exactly that.
                self._extent = (extent[0], extent[1], extent[2], extent[3])
                self._show_extent(self._extent)
                self._fit_aspect()
        self.regions.setVisible(True)
        # Grid lines would show only around the coloured plane, not on it.
        self.grid.setVisible(False)

    def _focused_pixels(self, grid: Any) -> np.ndarray | None:
        """RGB pixels (G, G, 3), row 0 the lowest ``y``, of the selected neuron's output.

        The canvas's own heatmap colours of that neuron when the frame has them, so the
        plane and the neuron's thumbnail agree; ``None`` without a selected neuron that the
        frame's network has.
        """
        if self._focus is None:
            return None
        layer, neuron, _title = self._focus
        outputs = grid.grid_A
        if not (0 <= layer < len(outputs) and 0 <= neuron < outputs[layer].shape[-1]):
            return None
        heatmaps = getattr(grid, "heatmaps", ())
        if layer < len(heatmaps) and neuron < heatmaps[layer].shape[0]:
            # 0xFFRRGGBB pixels with row 0 the largest y: flipped into the grid's order.
            argb = heatmaps[layer][neuron][::-1]
            return np.stack([(argb >> shift) & 0xFF for shift in (16, 8, 0)], axis=-1).astype(
                np.uint8
            )
        values = np.asarray(outputs[layer][..., neuron], dtype=np.float64)
        return diverging_rgb(values, symmetric_limit(values))

    def _predictions_toggled(self, on: bool) -> None:
        frame = self._frame
        if on and frame is not None:
            self.show_frame(frame)
        elif not on:
            self._hide_predictions()


def _padded_extent(*planes: np.ndarray) -> tuple[float, float, float, float]:
    """``(xmin, xmax, ymin, ymax)`` of the points of ``planes`` plus :data:`PLANE_MARGIN`.

    The same box as the prediction grid's, so the view does not move when it arrives.

    Parameters
    ----------
    *planes : ndarray, shape (m, 2 or more)
        Points (their first two columns).

    Returns
    -------
    tuple of float
        A box of positive width and height, also for a single point or a line of them.
    """
    xy = np.concatenate([np.asarray(p, dtype=np.float64)[:, :2] for p in planes])
    box: list[float] = []
    for column in (0, 1):
        values = xy[:, column]
        finite = values[np.isfinite(values)]
        if finite.size == 0:
            box += [-1.0, 1.0]
            continue
        # Finite even for values near the largest float, whose margins would overflow.
        box += finite_range(float(finite.min()), float(finite.max()), PLANE_MARGIN)
    return (box[0], box[1], box[2], box[3])


def _washed(rgb: np.ndarray) -> np.ndarray:
    """Colours faded :data:`PREDICTION_WASH` of the way to white, so points stand out on them.

    Parameters
    ----------
    rgb : ndarray of uint8, shape (..., 3)

    Returns
    -------
    ndarray of uint8, shape (..., 3)
    """
    faded = 255.0 - (255.0 - rgb.astype(np.float64)) * (1.0 - PREDICTION_WASH)
    return faded.round().astype(np.uint8)


class TablePreview(QtWidgets.QWidget):
    """The first rows of the data, with a column for the split."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.model = TextTableModel(self)
        self.view = QtWidgets.QTableView()
        self.view.setModel(self.model)
        self.view.setAlternatingRowColors(True)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().setDefaultSectionSize(table_row_height(self.view, 22))
        self.view.horizontalHeader().setMinimumSectionSize(48)
        self.view.setMinimumHeight(120)
        # Tab moves on to the next control; the arrows walk the cells.
        self.view.setTabKeyNavigation(False)
        layout.addWidget(self.view)

    def show_dataset(self, dataset: Dataset, class_column: str = "class") -> None:
        """Fill the table with the first :data:`TABLE_ROWS` rows (training rows first).

        Columns: the split (train/val), the target(s), then the features.

        ``class_column`` heads the class column of a classification (the CSV column name).
        """
        n_train = min(dataset.n_train, TABLE_ROWS)
        n_val = min(dataset.n_val, TABLE_ROWS - n_train)
        X = np.concatenate([dataset.X_train[:n_train], dataset.X_val[:n_val]])
        split = np.array(["train"] * n_train + ["val"] * n_val, dtype=object)
        if dataset.is_classification:
            names = np.array(dataset.class_names or dataset.target_names, dtype=object)
            labels = np.concatenate(
                [np.asarray(dataset.labels_train)[:n_train], np.asarray(dataset.labels_val)[:n_val]]
            )
            targets = names[labels][:, None]
            target_headers = [class_column]
            target_numeric = [False]
        else:
            Y = np.concatenate([dataset.Y_train[:n_train], dataset.Y_val[:n_val]])
            targets = _format_numbers(Y)
            target_headers = list(dataset.target_names)
            target_numeric = [True] * Y.shape[1]
        # The target comes right after the split so it stays in view in a narrow dock.
        cells = np.column_stack([split, targets, _format_numbers(X)])
        headers = ["set", *target_headers, *dataset.feature_names]
        self.model.set_contents(
            headers,
            cells,
            numeric=[False, *target_numeric] + [True] * dataset.n_features,
        )
        tinted = [False] + [True] * len(target_headers) + [False] * dataset.n_features
        self.model.set_column_roles(tinted, [True] + [False] * (len(headers) - 1))
        fit_columns(self.view)


class ImagePreview(QtWidgets.QWidget):
    """A grid of sample images with their labels, painted to fit the available space.

    Attributes
    ----------
    captions : list of str
        The label shown under each image, in grid order.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.captions: list[str] = []
        self._images: list[QtGui.QImage] = []
        self.setMinimumHeight(120)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Expanding
        )

    @property
    def image_count(self) -> int:
        """Number of images held (more than are shown when space is short)."""
        return len(self._images)

    def layout_grid(self) -> tuple[int, int]:
        """``(rows, side)``: how many rows of images fit and their side in pixels."""
        caption_height = self.fontMetrics().height() + 2
        gap = 6
        available_rows = max(1, -(-len(self._images) // IMAGE_COLUMNS))
        side = min((self.width() - gap * (IMAGE_COLUMNS - 1)) // IMAGE_COLUMNS, 112)
        row_height = side + caption_height + gap
        rows = int(np.clip((self.height() - 8 + gap) // max(row_height, 1), IMAGE_ROWS, 99))
        rows = min(rows, IMAGE_MAX_ROWS, available_rows)
        # Shrink the images when even the minimum number of rows does not fit.
        by_height = (self.height() - 8 - rows * (caption_height + gap)) // rows
        return rows, int(max(12, min(side, by_height)))

    def visible_count(self) -> int:
        """Number of images painted at the current size."""
        rows, _side = self.layout_grid()
        return min(len(self._images), rows * IMAGE_COLUMNS)

    def show_dataset(self, dataset: Dataset) -> None:
        """Take up to 32 training images: one of each class first (in class order)."""
        shape = dataset.image_shape
        if shape is None:
            return
        count = min(IMAGE_MAX_ROWS * IMAGE_COLUMNS, dataset.n_train)
        order = np.arange(dataset.n_train)
        if dataset.is_classification and dataset.labels_train is not None:
            # np.unique gives each class's first row in class order.
            _, first = np.unique(dataset.labels_train, return_index=True)
            # Then the other rows in order, only as many as the grid can take (setdiff1d over
            # every row sorted them all, and imports numpy.ma: 0.2 s for MNIST).
            head = order[: count + first.size]
            order = np.concatenate([first, np.delete(head, first[first < head.size])])
        picked = order[:count]
        pixels = dataset.X_train[picked].reshape(count, *shape)
        low, high = float(dataset.X_train.min()), float(dataset.X_train.max())
        span = high - low if high > low else 1.0
        # Dark ink on white paper, as digits are usually drawn.
        grey = (255 - np.clip((pixels - low) / span, 0, 1) * 255).round().astype(np.uint8)
        if dataset.is_classification:
            names = np.array(dataset.class_names or dataset.target_names, dtype=object)
            self.captions = [str(c) for c in names[np.asarray(dataset.labels_train)[picked]]]
        else:
            self.captions = [f"{v:.3g}" for v in dataset.Y_train[picked, 0]]
        rows, cols = shape
        self._images = [
            QtGui.QImage(
                np.ascontiguousarray(grey[i]).tobytes(),
                cols,
                rows,
                cols,
                QtGui.QImage.Format.Format_Grayscale8,
            ).copy()
            for i in range(count)
        ]
        self.update()

    def frame_rects(self) -> list[QtCore.QRect]:
        """The frame of each shown image (its one-pixel border included), in grid order."""
        caption_height = self.fontMetrics().height() + 2
        gap = 6
        _rows, side = self.layout_grid()
        left = int((self.width() - (IMAGE_COLUMNS * side + (IMAGE_COLUMNS - 1) * gap)) / 2)
        frames = []
        for index in range(self.visible_count()):
            row, column = divmod(index, IMAGE_COLUMNS)
            x = left + column * (side + gap)
            y = 4 + row * (side + caption_height + gap)
            frames.append(QtCore.QRect(x, y, side, side))
        return frames

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        if not self._images:
            return
        painter = QtGui.QPainter(self)
        # Device pixels per widget pixel: the screen's ratio, or the target's in render().
        ratio = max(painter.deviceTransform().m11(), 1e-3)
        metrics = painter.fontMetrics()
        caption_height = metrics.height() + 2
        gap = 6
        border = QtGui.QColor(209, 213, 219)
        paper = QtGui.QColor(255, 255, 255)
        text_pen = QtGui.QPen(QtGui.QColor(55, 65, 81))
        # Nearest-neighbour scaling keeps the pixels crisp.
        painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, False)
        frames = self.frame_rects()
        pairs = zip(self._images, self.captions, frames, strict=False)
        for image, caption, frame in pairs:
            outer, inner, picture = _image_boxes(frame, image.size(), ratio)
            # Border, paper and image as filled rectangles on device-pixel edges: a stroked
            # border at a fractional ratio straddles pixels, and the image spilled past it.
            painter.fillRect(outer, border)
            painter.fillRect(inner, paper)
            painter.drawImage(picture, image)
            painter.setPen(text_pen)
            side = frame.width()
            painter.drawText(
                QtCore.QRect(frame.x() - gap // 2, frame.bottom() + 2, side + gap, caption_height),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                metrics.elidedText(caption, Qt.TextElideMode.ElideRight, side + gap),
            )
        painter.end()


def _image_boxes(
    frame: QtCore.QRect, pixels: QtCore.QSize, ratio: float
) -> tuple[QtCore.QRectF, QtCore.QRectF, QtCore.QRectF]:
    """Where a thumbnail's border, paper and image go at ``ratio`` device pixels per pixel.

    Every edge lies on a device pixel; the border is one widget pixel (rounded to whole device
    pixels) wide, and the image inside it takes a whole number of device pixels per image
    pixel when there is room for one, centred on the paper, so its pixels are equal squares.

    Returns
    -------
    outer, inner, picture : QRectF
        The frame, the paper inside its border and the image's rectangle (widget pixels).
    """
    left, top = round(frame.x() * ratio), round(frame.y() * ratio)
    right = round((frame.x() + frame.width()) * ratio)
    bottom = round((frame.y() + frame.height()) * ratio)
    line = max(1, round(ratio))
    inner = (left + line, top + line, right - line, bottom - line)
    width, height = inner[2] - inner[0], inner[3] - inner[1]
    step = min(width // max(pixels.width(), 1), height // max(pixels.height(), 1))
    if step >= 1:
        shown_width, shown_height = step * pixels.width(), step * pixels.height()
        x = inner[0] + (width - shown_width) // 2
        y = inner[1] + (height - shown_height) // 2
        picture = (x, y, x + shown_width, y + shown_height)
    else:
        picture = inner

    def rect(box: tuple[int, int, int, int]) -> QtCore.QRectF:
        return QtCore.QRectF(
            box[0] / ratio, box[1] / ratio, (box[2] - box[0]) / ratio, (box[3] - box[1]) / ratio
        )

    return rect((left, top, right, bottom)), rect(inner), rect(picture)


#: Height the preview asks for when its page needs less: room to read a table or images.
_PREVIEW_HINT_HEIGHT = 200


def _least_height_for_width(page: QtWidgets.QWidget, width: int) -> int:
    """The height ``page`` needs at ``width`` at least, its wrapped text wrapped.

    A word-wrapped label's minimum height is one line; at a narrow width it needs its
    wrapped height, which only the layout's minimum height for that width includes.
    Everything else counts at its minimum height.
    """
    least = max(page.minimumSizeHint().height(), page.minimumHeight())
    layout = page.layout()
    if layout is not None and layout.hasHeightForWidth():
        least = max(least, layout.totalMinimumHeightForWidth(width))
    return least


class _CurrentPageLayout(QtWidgets.QStackedLayout):
    """A stacked layout sized by the page on show alone, at the least height it needs.

    :class:`QtWidgets.QStackedLayout` asks for the largest minimum of all its pages (one
    line per wrapped label), so a page with more text is squeezed below its needs and its
    parts overlap; and a page's preferred height (a plot's is large) would make a short
    dock scroll early. This layout asks for the current page's least height at the given
    width (see :func:`_least_height_for_width`), and :data:`_PREVIEW_HINT_HEIGHT` at least.
    """

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(300, _PREVIEW_HINT_HEIGHT).expandedTo(self.minimumSize())

    def minimumSize(self) -> QtCore.QSize:
        page = self.currentWidget()
        if page is None:
            return QtCore.QSize(0, 0)
        return page.minimumSizeHint().expandedTo(page.minimumSize())

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        page = self.currentWidget()
        least = 0 if page is None else _least_height_for_width(page, width)
        return max(_PREVIEW_HINT_HEIGHT, least)


class _PreviewStack(QtWidgets.QWidget):
    """The preview pages, one shown at a time, sized by the page on show (see
    :class:`_CurrentPageLayout`): the dock scrolls rather than overlap a page's parts."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._layout = _CurrentPageLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        # Another page needs another height.
        self._layout.currentChanged.connect(lambda _index: self.updateGeometry())

    def addWidget(self, page: QtWidgets.QWidget) -> int:
        """Add a page; the first one added is shown."""
        return self._layout.addWidget(page)

    def currentWidget(self) -> QtWidgets.QWidget | None:
        """The page on show."""
        return self._layout.currentWidget()

    def setCurrentWidget(self, page: QtWidgets.QWidget) -> None:
        """Show ``page``."""
        self._layout.setCurrentWidget(page)


class FoldingGrid(ItemListLayout):
    """Blocks of controls side by side, folded onto more rows where the width is short.

    A block is ``parts`` consecutive items (a label and its field, say). Each part of a
    block has a column of its own, so labels and fields line up from row to row. A row
    holds as many blocks as the width allows, among ``per_row`` (most first): two label and
    field pairs a row at an ordinary font, one at a large font or in a narrow dock, rather
    than a dock as wide as both pairs. A block whose items are all hidden takes no place.

    Parameters
    ----------
    parent : QWidget, optional
        The widget the grid lays out.
    parts : int
        Items a block has.
    per_row : tuple of int
        How many blocks a row may hold, most first; the last is used when none fits.
    stretch : tuple of bool, optional
        Which parts of a block share the spare width (fields, not their labels). With
        none, the spare width is left on the right.
    spacing : tuple of int
        Horizontal and vertical spacing, in pixels.
    """

    def __init__(
        self,
        parent: QtWidgets.QWidget | None = None,
        *,
        parts: int = 1,
        per_row: tuple[int, ...] = (2, 1),
        stretch: tuple[bool, ...] = (),
        spacing: tuple[int, int] = (8, 6),
    ) -> None:
        super().__init__(parent)
        self._parts = parts
        self._per_row = per_row
        self._stretch = stretch or (False,) * parts
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    # ---- QLayout ---------------------------------------------------------------------------

    def expandingDirections(self) -> QtCore.Qt.Orientation:
        if any(self._stretch):
            return Qt.Orientation.Horizontal
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        left, top, right, bottom = self.getContentsMargins()
        per_row = self.blocks_per_row(width - left - right)
        return self._height(per_row) + top + bottom

    def minimumSize(self) -> QtCore.QSize:
        # As narrow as the fewest blocks a row allow; as low as the most do.
        left, top, right, bottom = self.getContentsMargins()
        widths = self._column_widths(self._per_row[-1], minimum=True)
        return QtCore.QSize(
            self._total(widths) + left + right, self._height(self._per_row[0]) + top + bottom
        )

    def sizeHint(self) -> QtCore.QSize:
        left, top, right, bottom = self.getContentsMargins()
        widths = self._column_widths(self._per_row[0], minimum=False)
        return QtCore.QSize(
            self._total(widths) + left + right, self._height(self._per_row[0]) + top + bottom
        )

    def setGeometry(self, rect: QtCore.QRect) -> None:
        super().setGeometry(rect)
        left, top, right, bottom = self.getContentsMargins()
        area = rect.adjusted(left, top, -right, -bottom)
        per_row = self.blocks_per_row(area.width())
        widths = self._column_widths(per_row, minimum=True)
        # The spare width goes to the stretching parts alike (the fields, say).
        growing = [column for column in range(len(widths)) if self._stretch[column % self._parts]]
        spare = max(0, area.width() - self._total(widths))
        for order, column in enumerate(growing):
            widths[column] += spare // len(growing) + (order < spare % len(growing))
        lefts = [
            area.x() + sum(widths[:column]) + column * self._spacing[0]
            for column in range(len(widths))
        ]
        y = area.y()
        for row in self._rows(per_row):
            height = self._row_height(row)
            for column, item in row:
                item.setGeometry(QtCore.QRect(lefts[column], y, widths[column], height))
            y += height + self._spacing[1]

    # ---- arrangement -----------------------------------------------------------------------

    def blocks_per_row(self, width: int) -> int:
        """How many blocks a row holds at ``width`` pixels (margins excluded)."""
        for per_row in self._per_row:
            if self._total(self._column_widths(per_row, minimum=True)) <= width:
                return per_row
        return self._per_row[-1]

    def _blocks(self) -> list[list[QtWidgets.QLayoutItem]]:
        parts = self._parts
        blocks = [self._items[start : start + parts] for start in range(0, len(self._items), parts)]
        return [block for block in blocks if not all(item.isEmpty() for item in block)]

    def _rows(self, per_row: int) -> list[list[tuple[int, QtWidgets.QLayoutItem]]]:
        """Each row's shown items with their columns."""
        rows: list[list[tuple[int, QtWidgets.QLayoutItem]]] = []
        for index, block in enumerate(self._blocks()):
            if index % per_row == 0:
                rows.append([])
            first = (index % per_row) * self._parts
            rows[-1] += [
                (first + part, item) for part, item in enumerate(block) if not item.isEmpty()
            ]
        return rows

    def _column_widths(self, per_row: int, *, minimum: bool) -> list[int]:
        blocks = len(self._blocks())
        widths = [0] * (min(per_row, blocks) * self._parts)
        for row in self._rows(per_row):
            for column, item in row:
                size = item.minimumSize() if minimum else item.sizeHint()
                widths[column] = max(widths[column], size.width())
        return widths

    def _total(self, widths: list[int]) -> int:
        return sum(widths) + self._spacing[0] * max(len(widths) - 1, 0)

    @staticmethod
    def _row_height(row: list[tuple[int, QtWidgets.QLayoutItem]]) -> int:
        return max((item.sizeHint().height() for _column, item in row), default=0)

    def _height(self, per_row: int) -> int:
        heights = [self._row_height(row) for row in self._rows(per_row)]
        return sum(heights) + self._spacing[1] * max(len(heights) - 1, 0)


def _fold_height_for_width(widget: QtWidgets.QWidget) -> None:
    """Let ``widget``'s height follow its width, as its folding layout's does."""
    policy = widget.sizePolicy()
    policy.setHeightForWidth(True)
    widget.setSizePolicy(policy)


#: The fewest digits a value-sized spin box keeps room for, so a one-digit value does not
#: pinch it.
_LEAST_DIGITS = "00"
#: Pixels a line edit keeps between its text and each side (Qt's fixed margin).
_EDITOR_MARGIN = 2


def _fitted_width(box: QtWidgets.QSpinBox | QtWidgets.QDoubleSpinBox) -> int:
    """The width ``box`` needs to show its value whole, with its frame and arrows.

    Qt sizes a spin box for the widest value its range allows, with room to spare: ten
    digits for a seed. That made the Data dock too wide at a large font, and a fixed smaller
    width cut the value instead ("0.0" for 0.03). This is the value's own text with a
    space's room, the editor's margins and its cursor, and what the style puts around the
    editor (frame and arrows).
    """
    box.ensurePolished()
    digits = max(box.textFromValue(box.value()), _LEAST_DIGITS, key=len)
    text = box.fontMetrics().horizontalAdvance(f"{box.prefix()}{digits}{box.suffix()} ")
    option = QtWidgets.QStyleOptionSpinBox()
    box.initStyleOption(option)
    option.rect = QtCore.QRect(0, 0, 400, max(box.height(), 1))
    field = box.style().subControlRect(
        QtWidgets.QStyle.ComplexControl.CC_SpinBox,
        option,
        QtWidgets.QStyle.SubControl.SC_SpinBoxEditField,
        box,
    )
    return text + 2 * _EDITOR_MARGIN + 1 + option.rect.width() - field.width()


class _FitsItsValue:
    """Sizes a spin box to the value it shows rather than its widest allowed value (see
    :func:`_fitted_width`); it widens when a longer value is entered."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown_length = 0
        self.textChanged.connect(self._refit)

    def sizeHint(self) -> QtCore.QSize:
        hint = super().sizeHint()
        return QtCore.QSize(_fitted_width(self), hint.height())

    def minimumSizeHint(self) -> QtCore.QSize:
        hint = super().minimumSizeHint()
        return QtCore.QSize(_fitted_width(self), hint.height())

    def _refit(self, text: str) -> None:
        # Only a longer or shorter value changes the size: no layout pass per arrow press.
        if len(text) != self._shown_length:
            self._shown_length = len(text)
            self.updateGeometry()


class ValueSpinBox(_FitsItsValue, QtWidgets.QSpinBox):
    """A :class:`QSpinBox` as wide as its value needs."""


class ValueDoubleSpinBox(_FitsItsValue, QtWidgets.QDoubleSpinBox):
    """A :class:`QDoubleSpinBox` as wide as its value needs."""


class FeatureChecks(QtWidgets.QWidget):
    """Check boxes choosing which features of a point ``(x1, x2)`` the network reads.

    Laid out in :data:`FEATURE_COLUMNS`, a column per kind of feature, so the seven boxes
    take two short rows; a dock too narrow for the four columns (a large font) folds them
    into two columns of two kinds each, or one. At least one box stays ticked: the last
    ticked one is disabled.

    Signals
    -------
    edited(tuple)
        The user ticked or unticked a box: the ticked features, in
        :data:`~nnstudio.spec.PLANE_FEATURES` order.
    """

    edited = Signal(tuple)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        # 12 pixels between columns: at an 18 pt font the four then still fit the dock of a
        # 1280-pixel window.
        grid = FoldingGrid(self, per_row=(len(FEATURE_COLUMNS), 2, 1), spacing=(12, 2))
        _fold_height_for_width(self)
        #: One check box per feature, keyed by its ASCII name.
        self.boxes: dict[str, QtWidgets.QCheckBox] = {}
        for names in FEATURE_COLUMNS:
            column = QtWidgets.QWidget()
            boxes = QtWidgets.QVBoxLayout(column)
            boxes.setContentsMargins(0, 0, 0, 0)
            boxes.setSpacing(2)
            for name in names:
                box = QtWidgets.QCheckBox(PLANE_FEATURE_LABELS[name])
                box.setToolTip(FEATURE_TIPS[name])
                box.toggled.connect(self._toggled)
                self.boxes[name] = box
                boxes.addWidget(box)
            # A shorter column (x1·x2 alone) keeps its box on the top row.
            boxes.addStretch(1)
            grid.addWidget(column)

    def features(self) -> tuple[str, ...]:
        """The ticked features, in :data:`~nnstudio.spec.PLANE_FEATURES` order."""
        return tuple(name for name in PLANE_FEATURES if self.boxes[name].isChecked())

    def set_features(self, features: tuple[str, ...]) -> None:
        """Tick exactly ``features`` without emitting :attr:`edited`."""
        for name, box in self.boxes.items():
            blocker = QtCore.QSignalBlocker(box)
            box.setChecked(name in features)
            del blocker
        self._guard_last()

    def _guard_last(self) -> None:
        """Disable the only ticked box (a network needs an input), enable the others."""
        ticked = self.features()
        for name, box in self.boxes.items():
            last = ticked == (name,)
            box.setEnabled(not last)
            box.setToolTip(LAST_FEATURE_TIP if last else FEATURE_TIPS[name])

    def _toggled(self, _checked: bool) -> None:
        features = self.features()
        self._guard_last()
        if features:
            self.edited.emit(features)


# ---- the panel ---------------------------------------------------------------------------------


class DataPanel(QtWidgets.QWidget):
    """The contents of the studio's Data dock.

    Parameters
    ----------
    document : StudioDocument
        The open document; every edit goes through :meth:`StudioDocument.set_data`.
    parent : QWidget, optional

    Signals
    -------
    problem(str)
        An edit was refused because the data could not be loaded (the message is also shown
        in the panel).
    """

    problem = Signal(str)

    def __init__(self, document: StudioDocument, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self._edit_timer = QtCore.QTimer(self)
        self._edit_timer.setSingleShot(True)
        self._edit_timer.setInterval(EDIT_DELAY_MS)
        self._edit_timer.timeout.connect(self.apply_edits)
        self._pending_frame: object | None = None
        #: False while training runs: the data cannot change then.
        self._editable = True
        #: Whether the CSV file of the data exists (Change columns reads it again).
        self._csv_found = True
        #: ``(drawn layer, neuron)`` of the selected neuron whose output the plane shows.
        self._selected_neuron: tuple[int, int] | None = None
        self._build()
        self.lock_tips = RunLockTips(self)
        for control in self._locked_controls():
            self.lock_tips.watch(control, "the data")
        # A CSV file dropped on the panel opens the column picker.
        self.setAcceptDrops(True)
        document.projectChanged.connect(self._project_changed)
        document.datasetChanged.connect(self._dataset_changed)
        document.pathChanged.connect(self._project_changed)
        self.sync_controls()
        self.refresh_preview()

    # ---- building --------------------------------------------------------------------------

    def _build(self) -> None:
        # A short dock scrolls instead of squashing the preview.
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = VerticalScrollArea()
        outer.addWidget(scroll)
        content = QtWidgets.QWidget()
        scroll.setWidget(content)
        layout = QtWidgets.QVBoxLayout(content)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)

        self.source_combo = compact_combo(12)
        for task in ("classification", "regression"):
            for name in BUILTIN_DATASETS:
                if BUILTIN_TASKS[name] == task:
                    title, description = BUILTIN_INFO[name]
                    self.source_combo.addItem(title, name)
                    self.source_combo.setItemData(
                        self.source_combo.count() - 1, description, Qt.ItemDataRole.ToolTipRole
                    )
            self.source_combo.insertSeparator(self.source_combo.count())
        self.source_combo.addItem("CSV file…", CSV_KEY)
        self.source_combo.setItemData(
            self.source_combo.count() - 1,
            "Train on your own table of numbers (a CSV file with a header row).",
            Qt.ItemDataRole.ToolTipRole,
        )
        self.source_combo.currentIndexChanged.connect(self._source_chosen)
        source_label = QtWidgets.QLabel("&Data:")
        source_label.setBuddy(self.source_combo)
        source_row = QtWidgets.QHBoxLayout()
        source_row.addWidget(source_label)
        source_row.addWidget(self.source_combo, 1)
        layout.addLayout(source_row)

        self.description = QtWidgets.QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet(f"color: {MUTED_COLOR};")
        layout.addWidget(self.description)

        # Two pages shown one at a time (not a stacked widget, which would reserve the
        # taller page's height for both).
        self.builtin_page = self._build_builtin_page()
        self.csv_page = self._build_csv_page()
        for page in (self.builtin_page, self.csv_page):
            # Keep the controls compact when the dock is floated wide.
            page.setMaximumWidth(560)
            layout.addWidget(page)

        self.problem_label = QtWidgets.QLabel()
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(ERROR_BOX_STYLE)
        self.problem_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problem_label.hide()
        layout.addWidget(self.problem_label)

        line = QtWidgets.QFrame()
        line.setFrameShape(QtWidgets.QFrame.Shape.HLine)
        line.setFrameShadow(QtWidgets.QFrame.Shadow.Sunken)
        layout.addWidget(line)

        self.summary = QtWidgets.QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)  # its names come escaped
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        #: What about the split makes learning hard (too few examples, classes left out),
        #: and class labels that look alike.
        self.caution_label = QtWidgets.QLabel()
        self.caution_label.setTextFormat(Qt.TextFormat.PlainText)
        self.caution_label.setWordWrap(True)
        self.caution_label.setStyleSheet("color: #92400e;")
        self.caution_label.hide()
        layout.addWidget(self.caution_label)

        self.preview_stack = _PreviewStack()
        self.scatter = ScatterPreview()
        self.table = TablePreview()
        self.images = ImagePreview()
        self.error_label = QtWidgets.QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setTextFormat(Qt.TextFormat.RichText)
        self.error_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.error_label.setStyleSheet(ERROR_BOX_STYLE)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error_page = QtWidgets.QWidget()
        error_layout = QtWidgets.QVBoxLayout(self.error_page)
        error_layout.setContentsMargins(0, 0, 0, 0)
        error_layout.addWidget(self.error_label)
        self.error_hint = QtWidgets.QLabel(
            "Choose another file with <i>Open CSV…</i>, or pick a built-in data set above."
        )
        self.error_hint.setWordWrap(True)
        self.error_hint.setStyleSheet(f"color: {MUTED_COLOR};")
        error_layout.addWidget(self.error_hint)
        error_layout.addStretch(1)
        for page in (self.scatter, self.table, self.images, self.error_page):
            self.preview_stack.addWidget(page)
        layout.addWidget(self.preview_stack, 1)

    def _spin(self, tip: str, low: int, high: int, step: int = 1) -> QtWidgets.QSpinBox:
        spin = ValueSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(step)
        self._debounce(spin, tip)
        return spin

    def _debounce(self, spin: QtWidgets.QAbstractSpinBox, tip: str) -> None:
        spin.setToolTip(tip)
        # Typing is applied when done (Enter or leaving the box); arrows and the wheel
        # restart a short timer so holding an arrow key does not reload the data every tick.
        spin.setKeyboardTracking(False)
        spin.valueChanged.connect(self._edit_timer.start)
        spin.editingFinished.connect(self.apply_edits)

    def _build_builtin_page(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)

        self.samples_spin = self._spin("Number of examples generated.", 4, 100_000, 50)
        self.noise_spin = ValueDoubleSpinBox()
        self.noise_spin.setRange(0.0, 10.0)
        self.noise_spin.setDecimals(2)
        self.noise_spin.setSingleStep(0.05)
        self._debounce(
            self.noise_spin,
            "How much the points (classification) or targets (regression) are jittered.",
        )
        self.validation_spin = self._spin(
            "Share of the examples held out to measure generalisation.", 0, 90, 5
        )
        self.validation_spin.setSuffix(" %")
        self.seed_spin = self._spin(
            "Seed of the generator and of the train/validation split.", 0, 2_147_483_647
        )
        self.arms_spin = self._spin("Number of spiral arms, one class each.", 2, 20)
        self.standardize_check = QtWidgets.QCheckBox("&Standardise inputs")
        self.standardize_check.setToolTip(
            "Rescale each input to mean 0 and standard deviation 1 using the training set."
        )
        self.standardize_check.toggled.connect(self.apply_edits)
        self.regenerate_button = QtWidgets.QPushButton("&Regenerate")
        self.regenerate_button.setToolTip(
            "Draw a fresh sample with the next seed (or apply the values being edited)."
        )
        self.regenerate_button.clicked.connect(self.regenerate)

        def label(text: str, buddy: QtWidgets.QWidget) -> QtWidgets.QLabel:
            widget = QtWidgets.QLabel(text)
            widget.setBuddy(buddy)
            return widget

        # Mnemonics avoid the main window's menus (File, Edit, View, Train, Help); the two
        # Standardise boxes share one because only one of them is shown at a time.
        self.arms_label = label("&Arms:", self.arms_spin)
        # Two label and field pairs a row, one where the dock is narrow (a large font):
        # the fields keep room for their whole values instead of being cut.
        fields = QtWidgets.QWidget()
        _fold_height_for_width(fields)
        #: The label and field pairs of the generator's settings.
        self.fields_grid = FoldingGrid(fields, parts=2, stretch=(False, True))
        for text, spin in (
            ("Sa&mples:", self.samples_spin),
            ("&Noise:", self.noise_spin),
            ("Va&lidation:", self.validation_spin),
            ("Seed:", self.seed_spin),
        ):
            self.fields_grid.addWidget(label(text, spin))
            self.fields_grid.addWidget(spin)
        self.fields_grid.addWidget(self.arms_label)
        self.fields_grid.addWidget(self.arms_spin)
        layout.addWidget(fields)
        self.feature_checks = FeatureChecks()
        self.feature_checks.edited.connect(self._features_edited)
        self.features_label = QtWidgets.QLabel("Features the network reads:")
        self.features_label.setToolTip(
            "What the network reads of each point (x1, x2): one input per ticked feature."
        )
        # The label above the boxes, not beside them: beside, the seven boxes would make
        # the dock's narrowest width wider. Wrapped, it is no wider than its longest word.
        self.features_label.setWordWrap(True)
        layout.addWidget(self.features_label)
        layout.addWidget(self.feature_checks)
        # Side by side, the button as wide as a field column; under the check box, and as
        # wide as the page, where both do not fit.
        actions = QtWidgets.QWidget()
        _fold_height_for_width(actions)
        actions_grid = FoldingGrid(actions, stretch=(True,))
        actions_grid.addWidget(self.standardize_check)
        actions_grid.addWidget(self.regenerate_button)
        layout.addWidget(actions)
        return page

    def _build_csv_page(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        layout = QtWidgets.QVBoxLayout(page)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(6)
        form = QtWidgets.QFormLayout()
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setVerticalSpacing(4)
        # A long file name shortens in the middle (its end tells files apart), in full in the
        # tooltip: one without break points ran past the dock's edge at a large font.
        self.csv_file_label = ElidedLabel()
        bold = QtGui.QFont(self.csv_file_label.font())
        bold.setBold(True)
        self.csv_file_label.setFont(bold)
        self.csv_inputs_label = QtWidgets.QLabel()
        self.csv_target_label = QtWidgets.QLabel()
        self.csv_task_label = QtWidgets.QLabel()
        self.csv_split_label = QtWidgets.QLabel()
        # File, column and class names are the user's: escaped into rich text, never parsed.
        for label in (
            self.csv_inputs_label,
            self.csv_target_label,
            self.csv_task_label,
            self.csv_split_label,
        ):
            label.setTextFormat(Qt.TextFormat.RichText)
        # How the first line is read decides the columns' names: said under the file's name.
        self.csv_header_label = QtWidgets.QLabel()
        self.csv_header_label.setObjectName("csvHeaderReading")
        self.csv_header_label.setTextFormat(Qt.TextFormat.PlainText)
        self.csv_header_label.setToolTip(
            "Whether the file's first line names the columns. Change columns… to read it otherwise."
        )
        # Said only for a decimal comma: a decimal point goes without saying.
        self.csv_numbers_label = QtWidgets.QLabel()
        self.csv_numbers_label.setObjectName("csvNumbersReading")
        self.csv_numbers_label.setTextFormat(Qt.TextFormat.PlainText)
        self.csv_numbers_label.setToolTip(
            "How the file writes numbers. Change columns… to read them otherwise."
        )
        for text, widget in (
            ("File:", self.csv_file_label),
            ("First line:", self.csv_header_label),
            ("Numbers:", self.csv_numbers_label),
            ("Inputs:", self.csv_inputs_label),
            ("Target:", self.csv_target_label),
            ("Task:", self.csv_task_label),
            ("Validation:", self.csv_split_label),
        ):
            widget.setWordWrap(True)
            widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(text, widget)
        layout.addLayout(form)
        self.csv_form = form
        self.csv_standardize_check = QtWidgets.QCheckBox("&Standardise inputs")
        self.csv_standardize_check.setToolTip(
            "Rescale each input to mean 0 and standard deviation 1 using the training rows."
        )
        self.csv_standardize_check.toggled.connect(self._csv_standardize_toggled)
        layout.addWidget(self.csv_standardize_check)
        self.csv_standardize_targets_check = QtWidgets.QCheckBox("Standardise tar&gets")
        self.csv_standardize_targets_check.setToolTip(
            "Train on targets rescaled to mean 0 and standard deviation 1 using the training rows; "
            "predictions, plots and exports stay in the targets' units. Targets in the "
            "thousands or millions then train as fast as targets near 1."
        )
        self.csv_standardize_targets_check.toggled.connect(self._csv_standardize_targets_toggled)
        layout.addWidget(self.csv_standardize_targets_check)
        # One button under the other where both do not fit side by side (a large font).
        buttons = QtWidgets.QWidget()
        _fold_height_for_width(buttons)
        flow = FlowRow(buttons)
        self.open_csv_button = QtWidgets.QPushButton("&Open CSV…")
        self.open_csv_button.clicked.connect(self.open_csv)
        self.change_columns_button = QtWidgets.QPushButton("&Change columns…")
        self.change_columns_button.clicked.connect(self.change_columns)
        flow.addWidget(self.open_csv_button)
        flow.addWidget(self.change_columns_button)
        layout.addWidget(buttons)
        return page

    # ---- mirroring the document ------------------------------------------------------------

    def sync_controls(self) -> None:
        """Show the document's data spec in the controls without triggering edits."""
        self._edit_timer.stop()
        data = self.document.project.data
        blockers = [QtCore.QSignalBlocker(widget) for widget in self._value_controls()]
        try:
            if isinstance(data, BuiltinData):
                self.source_combo.setCurrentIndex(self.source_combo.findData(data.builtin))
                show_clamped(self.samples_spin, data.samples)
                self.noise_spin.setValue(data.noise)
                self.validation_spin.setValue(round(data.validation_fraction * 100))
                show_clamped(self.seed_spin, data.seed)
                show_clamped(self.arms_spin, data.arms)
                self.standardize_check.setChecked(data.standardize)
                spiral = data.builtin == "spiral"
                self.arms_spin.setVisible(spiral)
                self.arms_label.setVisible(spiral)
                plane = data.builtin in PLANE_DATASETS
                self.feature_checks.set_features(data.features)
                self.feature_checks.setVisible(plane)
                self.features_label.setVisible(plane)
                self.description.setText(BUILTIN_INFO[data.builtin][1])
                self.csv_page.hide()
                self.builtin_page.show()
            else:
                self.source_combo.setCurrentIndex(self.source_combo.findData(CSV_KEY))
                self.csv_standardize_check.setChecked(data.standardize)
                self.csv_standardize_targets_check.setChecked(data.standardize_targets)
                # Classes are not numbers to rescale.
                self.csv_standardize_targets_check.setVisible(data.task == "regression")
                self._show_csv(data)
                self.builtin_page.hide()
                self.csv_page.show()
        finally:
            del blockers

    def _show_csv(self, data: CsvData) -> None:
        path = resolve_csv_path(data, self.document.base_dir)
        self.description.setText("Examples read from a CSV file.")
        self.csv_file_label.set_full_text(path.name)
        self.csv_file_label.setToolTip(str(path))
        self.csv_header_label.setText(header_reading(data))
        dataset = self.document.dataset
        # Read so as the project says, or as guessed for a file that does not say (the
        # data set tells which).
        decimal_comma = bool(data.decimal_comma) or (dataset is not None and dataset.decimal_comma)
        self.csv_numbers_label.setText("decimal comma (0,5 is 0.5)" if decimal_comma else "")
        self.csv_form.setRowVisible(self.csv_numbers_label, decimal_comma)
        if data.features is not None:
            features: tuple[str, ...] = data.features
        elif dataset is not None:
            features = dataset.feature_names
        else:
            features = ()
        if features:
            self.csv_inputs_label.setText(
                f"{plural(len(features), 'column')}: {_html(name_list(features, 4))}"
            )
        else:
            self.csv_inputs_label.setText("every column except the target")
        self.csv_inputs_label.setToolTip(", ".join(features))
        self.csv_target_label.setText(_html(", ".join(data.target)))
        self.csv_task_label.setText(_html(data.task))
        self.csv_split_label.setText(
            f"{round(data.validation_fraction * 100)} % (split seed {data.seed})"
        )
        self._csv_found = path.is_file()
        self.change_columns_button.setEnabled(self._csv_found and self._editable)

    def _project_changed(self, *_args: object) -> None:
        # A refused edit's message is stale once the document changes (undo, open, ...).
        self._show_problem(None)
        self.sync_controls()
        self._name_selected_neuron()

    def _dataset_changed(self, *_args: object) -> None:
        self.sync_controls()
        self.refresh_preview()
        self._name_selected_neuron()

    # ---- locking while training runs ---------------------------------------------------------

    def _value_controls(self) -> tuple[QtWidgets.QWidget, ...]:
        """The controls showing a value of the data spec (kept quiet while it is shown)."""
        return (
            self.source_combo,
            self.samples_spin,
            self.noise_spin,
            self.validation_spin,
            self.seed_spin,
            self.arms_spin,
            self.standardize_check,
            self.csv_standardize_check,
            self.csv_standardize_targets_check,
        )

    def _locked_controls(self) -> tuple[QtWidgets.QWidget, ...]:
        """The controls that change the data (locked while training runs)."""
        return (
            *self._value_controls(),
            self.feature_checks,
            self.regenerate_button,
            self.open_csv_button,
            self.change_columns_button,
        )

    @property
    def editable(self) -> bool:
        """Whether the data may be changed now."""
        return self._editable

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid changing the data (forbidden while training runs).

        New data needs a new training session, which would end the run; the preview and
        Show predictions stay available.
        """
        editable = bool(editable)
        if not editable:
            # A value typed but not yet applied would change the data under the run.
            self._edit_timer.stop()
            self.sync_controls()
        self._editable = editable
        self.lock_tips.locked = not editable
        for control in self._locked_controls():
            control.setEnabled(editable)
        self.change_columns_button.setEnabled(editable and self._csv_found)

    def _refused_while_locked(self) -> bool:
        """True (and the document's values shown again) while the data is locked.

        Disabled controls take no input, but code, a pending timer or a dropped file can
        still ask for an edit.
        """
        if self._editable:
            return False
        self.sync_controls()
        return True

    # ---- preview ---------------------------------------------------------------------------

    def show_frame(self, frame: object) -> None:
        """Show a training frame's predictions behind the scatter preview.

        A hidden dock (closed, or a tab behind another dock) only keeps the frame and shows
        it when it appears.
        """
        self._pending_frame = frame
        if self.scatter.isVisible():
            self._show_pending_frame()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if self._pending_frame is not None:
            self._show_pending_frame()

    def set_selected_neuron(
        self, layer: int | None, neuron: int | None = None, title: str = ""
    ) -> None:
        """Show the selected neuron's output behind a 2-D scatter (``None``: the prediction).

        ``title`` names the neuron (:func:`neuron_caption` when empty); after a change of
        the document (an undo, another activation) the name follows the document. See
        :meth:`ScatterPreview.set_focus`.
        """
        if layer is None or neuron is None:
            self._selected_neuron = None
            self.scatter.set_focus(None)
            return
        self._selected_neuron = (int(layer), int(neuron))
        self.scatter.set_focus(layer, neuron, title or neuron_caption(self.document, layer, neuron))

    def _name_selected_neuron(self) -> None:
        """Name the selected neuron as the document now describes it."""
        if self._selected_neuron is not None:
            layer, neuron = self._selected_neuron
            self.scatter.set_focus(layer, neuron, neuron_caption(self.document, layer, neuron))

    def _show_pending_frame(self) -> None:
        frame, self._pending_frame = self._pending_frame, None
        self.scatter.show_frame(frame)

    def preview_kind(self) -> str:
        """What the preview shows: ``"scatter"``, ``"table"``, ``"images"`` or ``"error"``."""
        widget = self.preview_stack.currentWidget()
        return {
            self.scatter: "scatter",
            self.table: "table",
            self.images: "images",
            self.error_page: "error",
        }[widget]

    def refresh_preview(self) -> None:
        """Redraw the preview from the document's data set."""
        dataset = self.document.dataset
        if dataset is None:
            message = self.document.dataset_error or "No data loaded."
            self.summary.setText("<b>The data cannot be loaded</b>")
            self.caution_label.hide()
            self.error_label.setText(_html(message))
            self.preview_stack.setCurrentWidget(self.error_page)
            return
        self.summary.setText(_html(dataset_summary(dataset)))
        cautions = [f"⚠ {caution}" for caution in dataset.cautions()]
        # Class labels that look alike (a slip in the file, most often) are told here too.
        if dataset.class_notes:
            cautions.append(class_notes_text(dataset))
        self.caution_label.setText("\n".join(cautions))
        self.caution_label.setVisible(bool(cautions))
        if dataset.is_image_like:
            self.images.show_dataset(dataset)
            self.preview_stack.setCurrentWidget(self.images)
        elif dataset.has_plane or (
            dataset.n_features == 1 and not dataset.is_classification and dataset.n_outputs == 1
        ):
            self.scatter.show_dataset(dataset)
            self.preview_stack.setCurrentWidget(self.scatter)
        else:
            data = self.document.project.data
            class_column = data.target[0] if isinstance(data, CsvData) else "class"
            self.table.show_dataset(dataset, class_column)
            self.preview_stack.setCurrentWidget(self.table)

    # ---- edits -----------------------------------------------------------------------------

    def builtin_from_controls(self) -> BuiltinData | None:
        """The built-in data spec the controls describe (``None`` when a CSV is shown)."""
        key = self.source_combo.currentData()
        if key == CSV_KEY or key is None:
            return None
        current = self.document.project.data
        arms = (
            self.arms_spin.value()
            if key == "spiral"
            else (current.arms if isinstance(current, BuiltinData) else 2)
        )
        # The ticked features carry over between the 2-D generators; others read their x.
        features = (
            self.feature_checks.features() or DEFAULT_PLANE_FEATURES
            if key in PLANE_DATASETS and isinstance(current, BuiltinData)
            else DEFAULT_PLANE_FEATURES
        )
        return BuiltinData(
            builtin=str(key),
            samples=self._kept(self.samples_spin, current, "samples"),
            noise=self._noise(current),
            seed=self._kept(self.seed_spin, current, "seed"),
            validation_fraction=self._validation_fraction(current),
            arms=int(arms),
            standardize=self.standardize_check.isChecked(),
            features=features,
        )

    @staticmethod
    def _kept(box: QtWidgets.QSpinBox, current: DataSpec, name: str) -> int:
        """The box's value, or the stored one beyond the box's range that it only shows clamped.

        A project file may ask for more samples (or a larger seed) than the box offers;
        editing another control must not silently cut it to the box's limit.
        """
        value = int(box.value())
        stored = getattr(current, name, None) if isinstance(current, BuiltinData) else None
        if isinstance(stored, int) and value == min(max(stored, box.minimum()), box.maximum()):
            return stored
        return value

    def _noise(self, current: DataSpec) -> float:
        noise = round(float(self.noise_spin.value()), self.noise_spin.decimals())
        # Keep a finer stored value (e.g. 0.025) that the two-decimal box only rounds.
        if isinstance(current, BuiltinData) and round(current.noise, 2) == noise:
            return current.noise
        return noise

    def _validation_fraction(self, current: DataSpec) -> float:
        percent = self.validation_spin.value()
        # Keep an exact stored fraction (e.g. 1/3) that the whole-percent box only rounds.
        if round(current.validation_fraction * 100) == percent:
            return current.validation_fraction
        return percent / 100.0

    def apply_edits(self) -> bool:
        """Apply the built-in controls' values to the document (if they differ)."""
        self._edit_timer.stop()
        if self._refused_while_locked():
            return False
        spec = self.builtin_from_controls()
        current = self.document.project.data
        if spec is None or spec == current:
            return False
        return self.set_data(spec, _change_text(current, spec))

    def regenerate(self) -> bool:
        """Apply edited values, or draw a new sample with the next seed."""
        if self._refused_while_locked():
            return False
        if self.apply_edits():
            return True
        current = self.document.project.data
        if not isinstance(current, BuiltinData):
            return False
        return self.set_data(replace(current, seed=current.seed + 1), "Regenerate data")

    def set_data(self, spec: DataSpec, text: str, dataset: Dataset | None = None) -> bool:
        """Hand a data spec to the document (with its data when already loaded); show why
        when it cannot be loaded. Refused while training runs (see :meth:`set_editable`)."""
        if self._refused_while_locked():
            return False
        try:
            with wait_cursor():
                changed = self.document.set_data(spec, text, dataset=dataset)
        except NNStudioError as error:
            self._show_problem(f"Not applied: {error}")
            self.sync_controls()
            return False
        self._show_problem(None)
        if not changed:
            self.sync_controls()
        return changed

    def _show_problem(self, message: str | None) -> None:
        self.problem_label.setVisible(bool(message))
        self.problem_label.setText(message or "")
        if message:
            self.problem.emit(message)

    def _source_chosen(self, _index: int) -> None:
        key = self.source_combo.currentData()
        current = self.document.project.data
        if key == CSV_KEY:
            if not isinstance(current, CsvData):
                # Stay on the current data until a file is actually imported.
                self.open_csv()
            return
        self._edit_timer.stop()
        # From one generator to another the settings carry over (edits still pending too).
        spec = self.builtin_from_controls() if isinstance(current, BuiltinData) else None
        self.set_data(spec or BuiltinData(builtin=str(key)), f"Data: {BUILTIN_INFO[str(key)][0]}")

    def _features_edited(self, _features: tuple[str, ...]) -> None:
        # Through the controls, so values still being edited in the spin boxes go along.
        self.apply_edits()

    def _csv_standardize_toggled(self, checked: bool) -> None:
        current = self.document.project.data
        if isinstance(current, CsvData) and current.standardize != checked:
            text = "Standardise inputs" if checked else "Use raw inputs"
            self.set_data(replace(current, standardize=checked), text)

    def _csv_standardize_targets_toggled(self, checked: bool) -> None:
        current = self.document.project.data
        if isinstance(current, CsvData) and current.standardize_targets != checked:
            text = "Standardise targets" if checked else "Use raw targets"
            self.set_data(replace(current, standardize_targets=checked), text)

    # ---- CSV files -------------------------------------------------------------------------

    def open_csv(self) -> bool:
        """Ask for a CSV file and import it through the column picker."""
        if self._refused_while_locked():
            return False
        path = self.ask_csv_path()
        if not path:
            self.sync_controls()
            return False
        return self.import_csv(path)

    def change_columns(self) -> bool:
        """Reopen the column picker on the current CSV file."""
        current = self.document.project.data
        if not isinstance(current, CsvData):
            return False
        return self.import_csv(resolve_csv_path(current, self.document.base_dir), current)

    def import_csv(self, path: str | Path, initial: CsvData | None = None) -> bool:
        """Read ``path`` (behind a progress dialog), run the column picker on it and switch
        the document to its choice."""
        if self._refused_while_locked():
            return False
        # Read once, as the saved choice reads the first line and numbers (guessed for a new
        # file): the picker opens on that reading.
        header = initial.header if initial is not None else None
        decimal_comma = initial.decimal_comma if initial is not None else None
        try:
            read = run_with_progress(
                self,
                f"Reading {Path(path).name}",
                lambda progress: CsvRead.of(
                    path, progress, header=header, decimal_comma=decimal_comma
                ),
            )
        except ReadCancelled:
            self.sync_controls()
            return False
        with wait_cursor():  # the picker checks the data loads, which takes a moment too
            dialog = CsvImportDialog(
                path,
                self,
                base_dir=self.document.base_dir,
                initial=initial,
                dtype=self.document.project.training.dtype,
                read=read,
            )
        try:
            if not self.exec_dialog(dialog):
                self.sync_controls()
                return False
            spec = dialog.result_spec()
            # The picker loaded the data to check it: the document need not read it again.
            dataset = dialog.dataset
        finally:
            dialog.deleteLater()
        if spec == self.document.project.data:
            return False
        text = "Change columns" if initial is not None else f"Data: {Path(path).name}"
        return self.set_data(spec, text, dataset)

    # ---- dropping a file on the panel ------------------------------------------------------

    @staticmethod
    def _dropped_csv(event: QtGui.QDropEvent | QtGui.QDragEnterEvent) -> str | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = urls[0].toLocalFile()
        return path if path.lower().endswith(CSV_SUFFIXES) else None

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if self._editable and self._dropped_csv(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        path = self._dropped_csv(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_csv(path)

    def ask_csv_path(self) -> str:
        """The file the user picks ("" when cancelled)."""
        start = str(self.document.base_dir)
        path, _filter = QtWidgets.QFileDialog.getOpenFileName(
            self,
            "Open CSV file",
            start,
            "CSV files (*.csv *.csv.gz *.tsv *.txt);;All files (*)",
        )
        return path

    def exec_dialog(self, dialog: QtWidgets.QDialog) -> bool:
        """Run a modal dialog; True when accepted."""
        return dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted


def neuron_caption(document: StudioDocument, drawn: int, neuron: int) -> str:
    """How the Data dock names a neuron whose output it shows, as the canvas labels it.

    Parameters
    ----------
    document : StudioDocument
    drawn : int
        The neuron's drawn layer (0 = the inputs).
    neuron : int
        Its index in that layer.

    Returns
    -------
    str
        E.g. ``"Hidden 2 · neuron 3 (tanh)"``, ``"Output · neuron 1 (sigmoid)"`` or
        ``"input x1"``.
    """
    layers = document.project.network.layers
    if drawn == 0:
        names = document.input_names()
        if 0 <= neuron < len(names):
            return f"input {names[neuron]}"
        return f"Input · neuron {neuron + 1}"
    title = "Output" if drawn == len(layers) else f"Hidden {drawn}"
    caption = f"{title} · neuron {neuron + 1}"
    if drawn <= len(layers):
        caption += f" ({layers[drawn - 1].activation})"
    return caption


def header_reading(data: CsvData) -> str:
    """How a CSV file's first line is read, as the Data dock says it under the file's name.

    ``"header (column names)"`` (also when guessed: a project reads the first line as the
    header unless told otherwise), or ``"data: columns are numbered"``.
    """
    if data.header is False:
        return "data: columns are numbered"
    return "header (column names)"


def _change_text(old: DataSpec, new: BuiltinData) -> str:
    """The Edit menu's name for a change of built-in data."""
    if not isinstance(old, BuiltinData) or old.builtin != new.builtin:
        return f"Data: {BUILTIN_INFO[new.builtin][0]}"
    changed = [
        label
        for field, label in (
            ("samples", "sample count"),
            ("noise", "noise"),
            ("validation_fraction", "validation fraction"),
            ("seed", "data seed"),
            ("arms", "spiral arms"),
            ("standardize", "standardisation"),
            ("features", "features"),
        )
        if getattr(old, field) != getattr(new, field)
    ]
    if changed == ["features"]:
        return f"Features: {feature_list(new.features)}"
    if len(changed) == 1:
        return f"Change {changed[0]}"
    return "Change data settings"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
