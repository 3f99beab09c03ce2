"""A close look at one neuron: its incoming weights and where its inputs fall on its activation.

:class:`NeuronView` shows

- the neuron's incoming weights as bars (or, for pixel inputs, as an image of the weights laid
  out like the picture), coloured on the canvas's scale (:attr:`NeuronView.weight_scale`;
  on its own, :func:`network_weight_limit`), with its bias;
- the distribution of its pre-activation ``z`` over the probe examples, drawn against the
  activation ``g(z)`` and its derivative ``g'(z)``, with the flat regions shaded: where a
  sigmoid or tanh saturates (``|g'(z)| < 0.05``) and where a ReLU is dead (``z < 0``);
- one sentence saying how many probe examples land there (for a softmax unit, which has no
  flat region of its own, how often it is the most probable class);
- the chosen example's ``z`` as a line across that plot, with its ``g(z)`` and ``g'(z)``
  as dots on the curves (:meth:`NeuronView.mark_example`).

Plot items are created once and updated with ``setData`` on every frame.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from nnstudio.data.dataset import image_shape_of
from nnstudio.engine.activations import get_activation
from nnstudio.spec import Project, canonical_activation, feature_labels
from nnstudio.ui.colors import diverging_lookup_table, diverging_rgb, symmetric_limit
from nnstudio.ui.frame import finite_range, plottable
from nnstudio.ui.plots.bars import ColouredBars
from nnstudio.ui.plots.common import (
    MajorGrid,
    SteadyYRange,
    TidyAxis,
    compact_large_ticks,
    steady_extent,
)
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, pg
from nnstudio.ui.steady_label import SteadyLabel

#: An activation counts as saturated where its derivative is below this.
SATURATION_DERIVATIVE = 0.05
HISTOGRAM_BINS = 30
CURVE_POINTS = 400
#: Bars are labelled with source names up to this many inputs.
MAX_NAMED_BARS = 12

_CURVE_COLOR = QtGui.QColor(17, 24, 39)
_DERIVATIVE_COLOR = QtGui.QColor(124, 58, 237)
_HISTOGRAM_PEN = QtGui.QColor(100, 116, 139)
_HISTOGRAM_BRUSH = QtGui.QColor(148, 163, 184, 120)
_SATURATED_BRUSH = QtGui.QColor(245, 158, 11, 45)
_DEAD_BRUSH = QtGui.QColor(220, 38, 38, 40)
#: The chosen example's z, a = g(z) and g′(z) (the toolbar's Example picker).
_EXAMPLE_COLOR = QtGui.QColor(234, 88, 12)
_MUTED = "#6b7280"


def _plot(height: int, bottom: pg.AxisItem | None = None) -> pg.PlotWidget:
    widget = pg.PlotWidget(axisItems={"bottom": bottom} if bottom is not None else None)
    widget.setBackground("w")
    widget.setMinimumHeight(height)
    widget.setMaximumHeight(int(height * 1.6))
    widget.setMenuEnabled(False)
    widget.setMouseEnabled(x=False, y=False)
    widget.hideButtons()
    item = widget.getPlotItem()
    MajorGrid(item)  # pyqtgraph's translucent grid cost 2 ms of each live repaint
    for side in ("left", "bottom"):
        axis = item.getAxis(side)
        # Values read as they are: an input of 0–0.8 is not "0–800 (x0.001)".
        axis.enableAutoSIPrefix(False)
        axis.setTextPen(pg.mkPen(_MUTED))
        axis.setPen(pg.mkPen("#cbd5e1"))
        axis.setStyle(tickFont=_small_font())
    left = item.getAxis("left")
    # 34 pixels hold the labels at the smallest tick font; a larger one needs more.
    scale = _small_font().pointSizeF() / SMALL_FONT_LEAST_POINTS
    left.setWidth(math.ceil(34 * max(1.0, scale)))
    # A fixed narrow axis: large values in a few characters (600k), or pyqtgraph drops them.
    compact_large_ticks(left)
    # Room above the view for half of the top tick's label: the plot has no title, and a
    # label at the top of the range ("8" of a ReLU's curve) was cut in half at the edge.
    left_margin, top, right, bottom_margin = item.layout.getContentsMargins()
    half_label = math.ceil(QtGui.QFontMetricsF(_small_font()).height() / 2)
    item.layout.setContentsMargins(left_margin, max(top, half_label), right, bottom_margin)
    return widget


#: Size of the plots' tick labels relative to the application font (7.5 pt at the default
#: 10 pt), and the least size (points) they take with a small font.
SMALL_FONT_SCALE = 0.75
SMALL_FONT_LEAST_POINTS = 7.5


def _small_font() -> QtGui.QFont:
    """The tick labels' font: smaller than the text around the plots, in proportion to it."""
    font = QtGui.QFont()
    points = font.pointSizeF()
    if points > 0:
        font.setPointSizeF(max(SMALL_FONT_LEAST_POINTS, SMALL_FONT_SCALE * points))
    else:
        font.setPointSizeF(SMALL_FONT_LEAST_POINTS)  # a font sized in pixels
    return font


def _caption(text: str = "") -> QtWidgets.QLabel:
    label = SteadyLabel(text)  # new values every frame while training: keep its layout
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {_MUTED};")
    return label


def flat_regions(
    z: np.ndarray, derivative: np.ndarray, dead: bool
) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
    """The flat tails of an activation over a sorted ``z`` grid.

    Parameters
    ----------
    z : ndarray, shape (C,)
        Increasing pre-activation values.
    derivative : ndarray, shape (C,)
        ``g'(z)`` on that grid.
    dead : bool
        ReLU: the whole ``z < 0`` side is the (dead) flat region.

    Returns
    -------
    left, right : tuple of float or None
        ``(z_start, z_end)`` of the flat region at each end of the grid, if any.
    """
    flat = (z < 0) if dead else (np.abs(derivative) < SATURATION_DERIVATIVE)
    if flat.all() or not flat.any():
        return ((float(z[0]), float(z[-1])) if flat.all() else None), None
    first_live = int(np.argmax(~flat))
    last_live = flat.size - 1 - int(np.argmax(~flat[::-1]))
    left = (float(z[0]), float(z[first_live])) if flat[0] else None
    right = (float(z[last_live]), float(z[-1])) if flat[-1] else None
    return left, right


def health_sentence(
    activation: str,
    z: np.ndarray,
    a: np.ndarray,
    derivative: np.ndarray,
    alpha: float | None,
    wins: float | None = None,
    flat: np.ndarray | None = None,
) -> str:
    """One sentence on how many probe examples sit in the flat part of the activation.

    Parameters
    ----------
    activation : str
        Canonical activation name.
    z, a, derivative : ndarray, shape (P,)
        Pre-activation, output and derivative of the neuron for each probe example.
    alpha : float or None
        Leaky ReLU slope.
    wins : float, optional
        Softmax: the share of probe examples for which this unit has the largest output.
    flat : ndarray of bool, shape (P,), optional
        Which probe examples lie in the activation's flat tails (the shaded regions); by
        default those where ``|g'(z)|`` is below :data:`SATURATION_DERIVATIVE`.
    """
    if z.size == 0:
        return "No probe examples."
    if activation == "softmax":
        # A softmax unit has no flat region of its own: its output depends on the whole
        # layer, and a (1 - a) falls below any threshold for an unsure unit of many classes
        # (a = 1/20 at the start). What tells its health is how often it wins.
        mean = float(np.mean(a))
        if wins is None:
            return f"Softmax output: mean probability {mean:.2f} over the probe examples."
        if wins <= 0.0:
            return (
                "Never the most probable class for the probe examples "
                f"(mean probability {mean:.2f})."
            )
        return f"Most probable for {wins:.0%} of the probe examples; mean probability {mean:.2f}."
    if activation == "relu":
        share = float(np.mean(z <= 0))
        if share >= 1.0:
            # Said of the probes only: other training examples may still reach it.
            return (
                f"Dead for all {z.size} probe examples: z ≤ 0 for each, so they give its "
                "weights no gradient."
            )
        return f"Dead (z ≤ 0) for {share:.0%} of the probe examples."
    if activation == "leaky_relu":
        share = float(np.mean(z < 0))
        return f"{share:.0%} of the probe examples have z < 0 (slope {alpha:g} there)."
    if activation == "identity":
        return "Linear: this neuron never saturates."
    if flat is None:
        flat = np.abs(derivative) < SATURATION_DERIVATIVE
    share = float(np.mean(flat))
    return f"{share:.0%} of the probe examples are in the saturated region."


class NeuronView(QtWidgets.QWidget):
    """Incoming weights and pre-activation distribution of one neuron (fits a narrow dock)."""

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        # As narrow as the Properties dock's other pages allow, so selecting a neuron in a
        # narrowed dock does not push the dock (and the canvas beside it) sideways.
        self.setMinimumWidth(180)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        self.title_label = QtWidgets.QLabel()
        self.title_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)  # the user's names
        self.title_label.setStyleSheet("font-weight: 600;")
        self.title_label.setWordWrap(True)
        layout.addWidget(self.title_label)

        self.weights_caption = _caption("Incoming weights")
        layout.addWidget(self.weights_caption)
        self.weights_plot = _plot(130)
        self.weight_bars = ColouredBars(width=0.8)
        #: Whether the weights plot has the picture's pixel ticks and locked aspect.
        self._pixel_axes = False
        self.weight_bars.setVisible(False)
        self.weights_plot.addItem(self.weight_bars)
        self.zero_line = pg.InfiniteLine(pos=0.0, angle=0, pen=pg.mkPen("#94a3b8"))
        self.weights_plot.addItem(self.zero_line)
        self.weight_image = pg.ImageItem()
        self.weight_image.setLookupTable(diverging_lookup_table())
        self.weight_image.setVisible(False)
        self.weights_plot.addItem(self.weight_image)
        layout.addWidget(self.weights_plot)
        # Live ranges move only in round steps: an axis that changes every frame is drawn
        # anew every frame, the largest part of these plots' repaint while training runs.
        self._weights_y = SteadyYRange(self.weights_plot.getPlotItem().getViewBox())
        #: The z window shown (see :meth:`_steady_z_window`) and the neuron it belongs to.
        self._z_window: tuple[float, float] | None = None
        self._steady_for: tuple[int, int, str] | None = None

        self.z_caption = _caption()
        self.z_caption.setTextFormat(QtCore.Qt.TextFormat.RichText)
        layout.addWidget(self.z_caption)
        # Its label takes a shorter wording where the dock is narrow ("standardised input").
        self.z_plot = _plot(170, bottom=TidyAxis("bottom"))
        plot = self.z_plot.getPlotItem()
        plot.getAxis("bottom").setLabel("z", color=_MUTED)
        self.regions = [
            pg.LinearRegionItem(values=(0, 1), movable=False, brush=_SATURATED_BRUSH, pen=None)
            for _ in range(2)
        ]
        for region in self.regions:
            region.setZValue(-10)
            region.setVisible(False)
            self.z_plot.addItem(region)
        self.histogram = pg.PlotDataItem(
            [0.0, 1.0],
            [0.0],
            stepMode="center",
            fillLevel=0.0,
            brush=_HISTOGRAM_BRUSH,
            pen=pg.mkPen(_HISTOGRAM_PEN, width=1),
        )
        self.activation_curve = pg.PlotDataItem(pen=pg.mkPen(_CURVE_COLOR, width=2))
        self.derivative_curve = pg.PlotDataItem(
            pen=pg.mkPen(_DERIVATIVE_COLOR, width=1.6, style=QtCore.Qt.PenStyle.DashLine)
        )
        # Softmax outputs depend on the other units: show the (z, a) pairs actually seen.
        self.output_points = pg.ScatterPlotItem(size=5, pen=None, brush=pg.mkBrush(17, 24, 39, 110))
        # The chosen example: a line at its z, dots at g(z) and g′(z).
        self.example_line = pg.InfiniteLine(
            pos=0.0,
            angle=90,
            pen=pg.mkPen(_EXAMPLE_COLOR, width=1.4, style=QtCore.Qt.PenStyle.DotLine),
        )
        self.example_line.setVisible(False)
        self.example_points = pg.ScatterPlotItem(
            size=8, pen=pg.mkPen("w", width=1.2), brush=pg.mkBrush(_EXAMPLE_COLOR)
        )
        for item in (
            self.histogram,
            self.activation_curve,
            self.derivative_curve,
            self.output_points,
            self.example_line,
            self.example_points,
        ):
            self.z_plot.addItem(item)
        layout.addWidget(self.z_plot)

        self.summary_label = SteadyLabel()
        self.summary_label.setToolTip(
            "Saturated: |g′(z)| < 0.05, so the gradient through this neuron almost vanishes. "
            "Dead (ReLU): z ≤ 0, so the gradient is exactly zero."
        )
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        layout.addStretch(1)
        self._bar_key: tuple | None = None
        #: Source names of the bars when few enough to name (see MAX_NAMED_BARS).
        self._bar_labels: list[str] | None = None
        #: The activation drawn, to place the example's g′(z); None for softmax and inputs.
        self._function: Any = None
        #: The activation plot of the neuron last shown, when it waits (see show_neuron).
        self._pending: Callable[[], None] | None = None
        #: The symmetric limit the incoming weights are coloured on, from the network's
        #: weights: the studio passes the canvas's, so a colour means the same weight in both.
        self.weight_scale: Callable[[Any], float] = network_weight_limit
        self.clear("Select a neuron to see its weights and activations.")

    # ---- size --------------------------------------------------------------------------------

    def least_height(self, width: int | None = None) -> int:
        """The least height (pixels) at which no part covers another, at ``width``.

        The layout's own minimum counts a wrapped text as one line: a dock shorter than
        the texts need squeezed the parts into each other, and the note under the
        activation plot was drawn over its axis labels. Here each text counts with the
        lines it wraps to at ``width`` (the view's own by default), each plot with its
        minimum height.
        """
        layout = self.layout()
        margins = layout.contentsMargins()
        inner = (self.width() if width is None else width) - margins.left() - margins.right()
        heights = []
        for index in range(layout.count()):
            item = layout.itemAt(index)
            widget = item.widget()
            if widget is None or widget.isHidden():
                continue  # the closing stretch, or a plot an input neuron has not
            if item.hasHeightForWidth():
                heights.append(max(item.heightForWidth(inner), item.minimumSize().height()))
            else:
                heights.append(item.minimumSize().height())
        spacing = max(layout.spacing(), 0) * max(len(heights) - 1, 0)
        return sum(heights) + spacing + margins.top() + margins.bottom()

    def _keep_room(self) -> None:
        """Hold the view at least :meth:`least_height` tall for its width.

        Its parent (a dock, the Properties page's scroll area) then gives it that much, or
        scrolls, instead of laying the parts over each other.
        """
        least = self.least_height()
        if least != self.minimumHeight():
            self.setMinimumHeight(least)

    def event(self, event: QtCore.QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QtCore.QEvent.Type.LayoutRequest:
            # A text wraps to other lines, or a plot was shown or hidden. Only then: new
            # numbers in the same texts keep their size hints (SteadyLabel), so frames of
            # a run do not get here.
            self._keep_room()
        return handled

    # ---- public API --------------------------------------------------------------------------

    def clear(self, message: str = "") -> None:
        """Empty every plot and show ``message``."""
        self._steady_for = None  # the next neuron's ranges are fitted afresh
        self.weight_bars.setVisible(False)
        self.weight_image.setVisible(False)
        self.histogram.setData([0.0, 1.0], [0.0])
        self.histogram.setVisible(False)
        self.activation_curve.setData([], [])
        self.derivative_curve.setData([], [])
        self.output_points.setData([], [])
        for region in self.regions:
            region.setVisible(False)
        self.summary_label.setText(message)
        self.z_caption.setText("")
        self._function = None
        self.mark_example(None)

    def mark_example(self, z: float | None, a: float | None = None) -> None:
        """Mark one example on the activation plot: a line at ``z``, dots at ``(z, a)`` and,
        for an elementwise activation, at ``(z, g′(z))``; ``None`` removes the marks."""
        if z is None or not np.isfinite(z):
            self.example_line.setVisible(False)
            self.example_points.setData([], [])
            return
        self.example_line.setValue(z)
        self.example_line.setVisible(True)
        xs, ys = [], []
        if a is not None and np.isfinite(a):
            xs.append(z)
            ys.append(a)
        if self._function is not None:
            Z = np.array([[z]])
            xs.append(z)
            ys.append(float(self._function.derivative(Z, self._function.forward(Z))[0, 0]))
        self.example_points.setData(xs, ys)

    def show_neuron(
        self,
        project: Project,
        layer_index: int | None,
        neuron: int,
        frame: Any,
        *,
        activation: bool = True,
    ) -> None:
        """Show neuron ``neuron`` of ``project.network.layers[layer_index]``.

        ``activation=False`` leaves the activation plot to :meth:`show_pending`, so a live
        frame's two plots can be taken in as separate events.

        Parameters
        ----------
        project : Project
        layer_index : int or None
            Index into ``network.layers``; ``None`` (or -1) for an input feature.
        neuron : int
            Neuron index within the layer.
        frame : Frame or None
            Live data; without it only the layer's description is shown.
        """
        self._pending = None
        network = project.network
        is_input = layer_index is None or layer_index < 0
        feature_names = _feature_names(project, frame)
        width = network.inputs if is_input else None
        if not is_input and layer_index < len(network.layers):
            width = network.layers[layer_index].units
        if width is None or not 0 <= neuron < width:
            self.title_label.setText("")
            place = "the input layer" if is_input else f"layer {layer_index + 1}"
            self.clear(f"There is no neuron {neuron + 1} in {place} of this network.")
            return
        if is_input:
            name = feature_names[neuron] if 0 <= neuron < len(feature_names) else f"x{neuron + 1}"
            self.title_label.setText(f"Input feature {name}")
        else:
            layer = network.layers[layer_index]
            role = (
                "Output" if layer_index == len(network.layers) - 1 else f"Hidden {layer_index + 1}"
            )
            self.title_label.setText(f"{role} · neuron {neuron + 1} · {layer.activation}")
        if frame is None or not _frame_fits(frame, network.sizes):
            self.clear(
                "Weights and activations appear once the network is initialised (Step or Play)."
            )
            return
        if is_input:
            self._show_input(frame, neuron, standardized=project.standardization is not None)
            return
        self._set_weights_visible(True)
        shown = (layer_index, neuron, project.network.layers[layer_index].activation)
        if shown != self._steady_for:
            # Another neuron: its ranges are fitted afresh, then move only in round steps.
            self._steady_for = shown
            self._z_window = None
            self._weights_y.reset()
        W, b = frame.weights[layer_index]
        incoming = np.asarray(W, dtype=float)[:, neuron]
        sources = feature_names if layer_index == 0 else None
        # The canvas's scale, so a colour means the same weight there and here.
        limit = self.weight_scale(frame.weights)
        self._show_weights(incoming, float(b[neuron]), sources, limit)
        layer = network.layers[layer_index]
        outputs = np.asarray(frame.probe_A[layer_index + 1], dtype=float)
        wins = None
        if canonical_activation(layer.activation) == "softmax" and outputs.size:
            wins = float(np.mean(np.argmax(outputs, axis=1) == neuron))
        z = np.asarray(frame.probe_Z[layer_index], dtype=float)[:, neuron]
        self._pending = lambda: self._show_activation(
            layer.activation, layer.activation_alpha, z, outputs[:, neuron], wins
        )
        if activation:
            self.show_pending()

    def show_pending(self) -> None:
        """Draw the activation plot that :meth:`show_neuron` left (nothing when none)."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending()

    # ---- parts -------------------------------------------------------------------------------

    def _show_weights(
        self, weights: np.ndarray, bias: float, names: list[str] | None, limit: float
    ) -> None:
        """Draw the incoming ``weights`` coloured on the symmetric scale ``±limit``."""
        image_shape = image_shape_of(tuple(names)) if names is not None else None
        # "b = -0.868" kept on one line when the caption wraps.
        self.weights_caption.setText(
            f"Incoming weights ({weights.size}) · bias\u00a0b\u00a0=\u00a0{bias:.3g}"
        )
        plot = self.weights_plot.getPlotItem()
        if image_shape is not None:
            # Pixel inputs: the weights drawn as the picture they respond to.
            rows, cols = image_shape
            self.weight_bars.setVisible(False)
            self.zero_line.setVisible(False)
            self._bar_key = None
            self._bar_labels = None
            self._set_bar_tooltip(None)
            self.weight_image.setImage(
                weights.reshape(rows, cols)[::-1], levels=(-limit, limit), autoLevels=False
            )
            self.weight_image.setRect(QtCore.QRectF(0, 0, cols, rows))
            self.weight_image.setVisible(True)
            self._label_pixels(rows, cols, _pixel_base(names))
            plot.setAspectLocked(True)
            self._pixel_axes = True
            self.weights_plot.setXRange(0, cols, padding=0.02)
            self.weights_plot.setYRange(0, rows, padding=0.02)
            return
        if self._pixel_axes:  # back from a picture of pixel weights
            self._pixel_axes = False
            plot.getAxis("left").setTicks(None)
            plot.setAspectLocked(False)
        self.weight_image.setVisible(False)
        self.zero_line.setVisible(True)
        # Bar k is the weight from source neuron k, counted from 1 as on the canvas.
        x = np.arange(1, weights.size + 1, dtype=float)
        self.weight_bars.set_bars(x, weights, diverging_rgb(weights, limit))
        self.weight_bars.setVisible(True)
        labels = names if names is not None else [f"{i + 1}" for i in range(weights.size)]
        self._bar_labels = labels if weights.size <= MAX_NAMED_BARS else None
        # Ticks and range change only with the source layer, not on every frame.
        key = (weights.size, tuple(labels) if weights.size <= MAX_NAMED_BARS else None)
        if key != self._bar_key:
            self._bar_key = key
            self._label_bars()
            self.weights_plot.setXRange(0.4, weights.size + 0.6, padding=0.0)
        # Hand-typed float64 weights may be near the largest float: keep the range finite.
        low, high = finite_range(min(0.0, weights.min()), max(0.0, weights.max()))
        self._weights_y.fit([np.array([low, high])])

    def _label_pixels(self, rows: int, cols: int, base: int) -> None:
        """Tick the image's cells at their centres with the indices of the pixel names.

        Row ``r`` is drawn from the top (the image is flipped to stand upright), so its
        centre lies at ``rows - r - 0.5``; column ``c`` at ``c + 0.5``.
        """
        plot = self.weights_plot.getPlotItem()
        bottom, left = plot.getAxis("bottom"), plot.getAxis("left")
        bottom.setHeight(None)
        step = _index_step(max(rows, cols))
        shown_cols = [c for c in range(cols) if c % step == 0]
        shown_rows = [r for r in range(rows) if r % step == 0]
        bottom.setTicks([[(c + 0.5, str(c + base)) for c in shown_cols]])
        left.setTicks([[(rows - r - 0.5, str(r + base)) for r in shown_rows]])

    def _label_bars(self) -> None:
        """Name each bar by its source, on two lines or shortened when one bar's room is short.

        A name too long for the room under its bar is broken after a separator
        (``sepal_`` / ``length``), so it still reads whole. Only names too long for two
        lines as well are shortened, line by line and keeping what tells them apart; the
        plot's tooltip then lists them whole.
        """
        axis = self.weights_plot.getPlotItem().getAxis("bottom")
        labels = self._bar_labels
        if labels is None:
            axis.setTicks(None)
            axis.setHeight(None)
            self._set_bar_tooltip(None)
            return
        metrics = QtGui.QFontMetricsF(_small_font())
        # Each name gets one bar's width, less a gap to its neighbours.
        room = self._bar_room() / max(len(labels), 1) - metrics.horizontalAdvance("  ")

        def fits(text: str) -> bool:
            return metrics.horizontalAdvance(text) <= room

        shortened = False
        if all(fits(text) for text in labels):
            shown = list(labels)
        else:
            split = [text if fits(text) else _two_lines(text, fits) for text in labels]
            if all(all(fits(line) for line in text.split("\n")) for text in split):
                shown = split
            else:
                shortened = True
                shown = _shortened_lines(split, fits)
                if len(set(shown)) < len(set(labels)):
                    width = max((len(text) for text in labels), default=4)
                    while width > 4 and not all(fits(_short_name(t, width)) for t in labels):
                        width -= 1
                    shown = _short_names(labels, width)
        lines = max(text.count("\n") + 1 for text in shown)
        # Room for every line (pyqtgraph drops a label taller than its axis).
        axis.setHeight(None if lines == 1 else int(6 + lines * metrics.lineSpacing() + 4))
        axis.setTicks([[(float(i + 1), text) for i, text in enumerate(shown)]])
        self._set_bar_tooltip(
            "\n".join(f"{i + 1}: {name}" for i, name in enumerate(labels)) if shortened else None
        )

    def _set_bar_tooltip(self, text: str | None) -> None:
        """Show the sources' whole names on hover while the bars' labels shorten them."""
        self.weights_plot.setToolTip(f"Incoming weights from\n{text}" if text else "")

    def _bar_room(self) -> float:
        """Width (pixels) the bars stand in: the plot less its left axis."""
        box = self.weights_plot.getPlotItem().getViewBox()
        if box.width() > 0 and self.weights_plot.isVisible():
            return float(box.width())
        return float(max(self.width() - 50, 100))

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._keep_room()  # the texts wrap anew
        if self._bar_labels is not None:
            # After the plot has its new width, the names get the room it leaves.
            QtCore.QTimer.singleShot(0, self._label_bars)

    def _show_activation(
        self, name: str, alpha: float | None, z: np.ndarray, a: np.ndarray, wins: float | None
    ) -> None:
        activation = canonical_activation(name)
        function = get_activation(activation, alpha)
        low, high = self._steady_z_window(z)
        grid = np.linspace(low, high, CURVE_POINTS)
        softmax = activation == "softmax"
        if softmax:
            # The diagonal of the Jacobian, a (1 - a), from the outputs the probes produced.
            probe_derivative = a * (1.0 - a)
            self.activation_curve.setData([], [])
            self.derivative_curve.setData([], [])
            self.output_points.setData(z, a)
            curve_top = 1.0
            grid_derivative = None
            self._function = None
        else:
            G = function.forward(grid[:, None])
            dG = function.derivative(grid[:, None], G)[:, 0]
            self.activation_curve.setData(grid, plottable(G[:, 0]))
            self.derivative_curve.setData(grid, plottable(dG))
            self.output_points.setData([], [])
            self._function = function
            curve_top = max(1.0, float(np.max(plottable(G))))
            grid_derivative = dG
            Zp = z[:, None]
            probe_derivative = function.derivative(Zp, function.forward(Zp))[:, 0]
        counts, edges = np.histogram(z, bins=HISTOGRAM_BINS, range=_histogram_range(z))
        peak = max(int(counts.max()), 1)
        self.histogram.setData(edges, counts / peak * 0.75 * curve_top)
        self.histogram.setVisible(True)
        regions = self._shade(activation, grid, grid_derivative, softmax)
        # Saturated means in a shaded tail: swish and GELU are flat at their trough too,
        # but grow again beyond it, so examples there are not stuck.
        flat = np.zeros(z.shape, dtype=bool)
        for span in regions:
            if span is not None:
                flat |= (z >= span[0]) & (z <= span[1])
        self.summary_label.setText(
            health_sentence(activation, z, a, probe_derivative, alpha, wins, flat)
        )
        entries = [_legend_entry(_HISTOGRAM_PEN, f"▇ z over {z.size} probes")]
        if softmax:
            entries.append(_legend_entry(_CURVE_COLOR, "● softmax output"))
        else:
            entries += [
                _legend_entry(_CURVE_COLOR, "— g(z)"),
                _legend_entry(_DERIVATIVE_COLOR, "┅ g′(z)"),
            ]
        legend = " &nbsp;".join(entries)
        self.z_caption.setText(legend)
        self.z_plot.setXRange(low, high, padding=0.0)
        bottom = min(0.0, float(np.min(self.activation_curve.yData))) if not softmax else 0.0
        self.z_plot.setYRange(*finite_range(bottom, curve_top * 1.05), padding=0.02)

    def _steady_z_window(self, z: np.ndarray) -> tuple[float, float]:
        """The z window to show: :func:`_z_range` of ``z``, moving only in round steps."""
        self._z_window = steady_extent(self._z_window, *_z_range(z), parts=8)
        return self._z_window

    def _shade(
        self, activation: str, grid: np.ndarray, derivative: np.ndarray | None, softmax: bool
    ) -> tuple[tuple[float, float] | None, tuple[float, float] | None]:
        """Shade the flat tails of the activation over ``grid`` and return them."""
        dead = activation == "relu"
        if softmax or derivative is None or activation in ("identity", "leaky_relu"):
            regions: tuple = (None, None)
        else:
            regions = flat_regions(grid, derivative, dead)
        brush = _DEAD_BRUSH if dead else _SATURATED_BRUSH
        for item, span in zip(self.regions, regions, strict=True):
            if span is None:
                item.setVisible(False)
                continue
            item.setBrush(brush)
            item.setRegion(span)
            item.setVisible(True)
        return regions

    def _show_input(self, frame: Any, neuron: int, standardized: bool) -> None:
        values = np.asarray(frame.probe_A[0], dtype=float)[:, neuron]
        self._function = None
        self.mark_example(None)
        self._set_weights_visible(False)
        self.weights_caption.setText("Input features have no incoming weights.")
        self.activation_curve.setData([], [])
        self.derivative_curve.setData([], [])
        self.output_points.setData([], [])
        for region in self.regions:
            region.setVisible(False)
        counts, edges = np.histogram(values, bins=HISTOGRAM_BINS, range=_histogram_range(values))
        self.histogram.setData(edges, counts / max(int(counts.max()), 1))
        self.histogram.setVisible(True)
        what = "standardised input" if standardized else "input"
        axis = self.z_plot.getPlotItem().getAxis("bottom")
        axis.set_label_wordings(what, *(("standardised", "x′") if standardized else ()))
        axis.setLabel(what, color=_MUTED)
        self.z_caption.setText(
            f"<span style='color:{_HISTOGRAM_PEN.name()}'>▇ {what} over {values.size} probes</span>"
        )
        self.z_plot.setXRange(float(edges[0]), float(edges[-1]), padding=0.05)
        self.z_plot.setYRange(0.0, 1.05, padding=0.02)
        mean, spread = spread_texts(values)
        self.summary_label.setText(
            f"{what.capitalize()}: mean {mean}, standard deviation {spread} "
            "over the probe examples."
        )

    def _set_weights_visible(self, visible: bool) -> None:
        self.weights_plot.setVisible(visible)
        axis = self.z_plot.getPlotItem().getAxis("bottom")
        # Set only on a change: a label set again lays the axis out again, every live frame.
        if visible and axis.labelText != "z":
            axis.set_label_wordings("z")
            axis.setLabel("z", color=_MUTED)


def network_weight_limit(weights: Any) -> float:
    """One symmetric colour scale over every weight of the network.

    Colouring a neuron's weights on the network's scale (not on their own largest) makes a
    colour mean the same weight for every neuron: weights of 0.004 in a network of weights
    near 0.5 are near white. The studio uses the canvas's own limit instead (see
    :attr:`NeuronView.weight_scale`); for a network the canvas draws whole it is this one.

    Parameters
    ----------
    weights : sequence of (W, b)
        The network's weight matrices and bias vectors.

    Returns
    -------
    float
        :func:`~nnstudio.ui.colors.symmetric_limit` of all the weights (biases excluded).
    """
    matrices = [np.ravel(np.asarray(W, dtype=float)) for W, _b in weights]
    return symmetric_limit(np.concatenate(matrices)) if matrices else 1.0


def spread_texts(values: np.ndarray) -> tuple[str, str]:
    """Mean and standard deviation of ``values`` written to the same decimals.

    Three significant digits of the standard deviation set the decimals, so a mean that is
    zero up to rounding (a standardised input's -4.7e-09) reads ``0.00`` beside ``1.00``.

    Returns
    -------
    mean, std : str
    """
    mean, std = float(np.mean(values)), float(np.std(values))
    if not (np.isfinite(mean) and np.isfinite(std)) or std <= 0.0:
        return f"{mean:.3g}", f"{std:.3g}"
    # From the spread as written: 0.99999… reads 1.00, not 1.000.
    decimals = 2 - int(np.floor(np.log10(float(f"{std:.3g}"))))
    # Adding 0.0 turns a mean rounded from a tiny negative number into 0, not -0.
    mean = round(mean, decimals) + 0.0
    if 0 <= decimals <= 6:
        return f"{mean:.{decimals}f}", f"{std:.{decimals}f}"
    # A spread of thousands, or of less than a millionth: significant digits instead.
    return f"{mean:.3g}", f"{std:.3g}"


def _legend_entry(color: QtGui.QColor, text: str) -> str:
    """One coloured legend entry, kept on one line (a narrow dock wraps between entries)."""
    # Non-breaking spaces, and a word joiner where "g′(z)" would otherwise break at "(".
    joined = text.replace(" ", "&nbsp;").replace("(", "\u2060(")
    return f"<span style='color:{color.name()}'>{joined}</span>"


def _frame_fits(frame: Any, sizes: tuple[int, ...]) -> bool:
    probe = getattr(frame, "probe_A", None)
    if probe is None or len(probe) != len(sizes):
        return False
    return all(np.shape(a)[-1] == n for a, n in zip(probe, sizes, strict=True))


def _feature_names(project: Project, frame: Any) -> list[str]:
    """Input labels as the canvas shows them (a plane's features read x1², x1·x2)."""
    count = project.network.inputs
    for names in (project.feature_names, getattr(frame, "feature_names", None)):
        if names is not None and len(names) == count:
            return feature_labels(project.data, names)
    return [f"x{i + 1}" for i in range(count)]


def _short_name(text: str, width: int = 7, head: int | None = None) -> str:
    """Elide the middle, which keeps names like sepal_length and sepal_width apart.

    ``head``: characters kept before the ellipsis (half of ``width`` by default); the rest
    of the width goes to the end of the name.
    """
    if len(text) <= width:
        return text
    head = width // 2 if head is None else head
    tail = width - 1 - head
    return text[:head] + "…" + (text[-tail:] if tail > 0 else "")


def _short_names(names: list[str], width: int) -> list[str]:
    """Every name shortened to ``width`` characters, told apart where the cut allows.

    Names that differ only in the middle (``sin(x1)`` and ``sin(x2)`` both become ``si…)``)
    keep more of their ends instead.
    """
    for head in range(width // 2, 0, -1):
        shown = [_short_name(name, width, head) for name in names]
        if len(set(shown)) == len(set(names)):
            return shown
    return [_short_name(name, width) for name in names]


#: Where a name may be broken over two lines: after these characters.
_BREAK_AFTER = "_- .:/"


def _two_lines(text: str, fits: Any) -> str:
    """``text`` broken over two lines at its best break (``"sepal_\\nlength"``).

    Breaks follow a separator (see :data:`_BREAK_AFTER`), or fall before a capital letter
    (``sepal`` / ``Length``) or an opening bracket; the one whose longer line is shortest
    wins, preferring breaks whose lines both ``fits``. A name without any break comes back
    as it was.
    """
    breaks = [
        i
        for i in range(1, len(text))
        if text[i - 1] in _BREAK_AFTER
        or (text[i].isupper() and text[i - 1].islower())
        or (text[i] in "([" and text[i - 1] != " ")
    ]
    if not breaks:
        return text

    def cost(i: int) -> tuple[bool, int]:
        head, tail = text[:i].rstrip(" "), text[i:].lstrip(" ")
        return (not (fits(head) and fits(tail)), max(len(head), len(tail)))

    best = min(breaks, key=cost)
    return text[:best].rstrip(" ") + "\n" + text[best:].lstrip(" ")


def _shortened_lines(texts: list[str], fits: Any) -> list[str]:
    """Shorten each line of ``texts`` (one or two lines each) until every line ``fits``.

    The first lines are shortened together, and so are the second lines, each keeping what
    tells them apart (see :func:`_short_names`): ``measurement_a_`` and ``measurement_b_``
    become ``me…a_`` and ``me…b_``.
    """
    rows = [text.split("\n") for text in texts]
    for index in (0, 1):
        owners = [k for k, lines in enumerate(rows) if len(lines) > index]
        lines = [rows[k][index] for k in owners]
        if not lines or all(fits(line) for line in lines):
            continue
        width = max(len(line) for line in lines)
        while width > 3 and not all(fits(_short_name(line, width)) for line in lines):
            width -= 1
        for k, short in zip(owners, _short_names(lines, width), strict=True):
            rows[k][index] = short
    return ["\n".join(lines) for lines in rows]


def _pixel_base(names: list[str] | None) -> int:
    """Whether pixel names count rows and columns from 0 or from 1 (``pixel_1_1``)."""
    first = names[0] if names else ""
    digits = [int(part) for part in re.findall(r"\d+", first)]
    return 1 if digits and min(digits) == 1 and len(digits) >= 2 else 0


def _index_step(count: int) -> int:
    """Label every 1st, 2nd, 5th … index so at most about eight labels share an axis."""
    for step in (1, 2, 4, 5, 10, 20, 25, 50, 100):
        if count <= 8 * step:
            return step
    return max(1, count // 8)


def _histogram_range(values: np.ndarray) -> tuple[float, float]:
    # Finite and clamped: data near the largest float give z of inf, NaN or huge spans.
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    return finite_range(low, high)


def _z_range(z: np.ndarray) -> tuple[float, float]:
    """A z window covering the histogram, at least [-4, 4] so the curve's shape shows."""
    low, high = finite_range(*_histogram_range(z), 0.15)
    return min(low, -4.0), max(high, 4.0)
