"""The neuron detail view: incoming weights, z histogram against g and g', flat regions."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.frame import make_frame
from nnstudio.ui.neuron_view import (
    HISTOGRAM_BINS,
    NeuronView,
    flat_regions,
    network_weight_limit,
    spread_texts,
)
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def circles_project(activation: str, output: str = "sigmoid", units: int = 6) -> Project:
    return Project(
        name="Neuron",
        data=BuiltinData(builtin="circles", samples=300, noise=0.05),
        network=NetworkSpec(
            inputs=2,
            layers=(LayerSpec(units=units, activation=activation), LayerSpec(1, output)),
        ),
        loss="binary_crossentropy",
        training=TrainingSpec(seed=3),
    )


def document_for(project: Project) -> StudioDocument:
    document = StudioDocument()
    document.open_project(project)
    assert document.dataset is not None, document.dataset_error
    return document


def frame_for(document: StudioDocument, scale: float = 1.0, bias: float | None = None):
    network = build_network(document.project)
    weights = [
        (W * scale, b if bias is None else np.full_like(b, bias)) for W, b in network.weights()
    ]
    network.set_weights(tuple(weights))
    return make_frame(network, document.dataset, grid_size=12)


@pytest.fixture
def view(qtbot):
    widget = NeuronView()
    qtbot.addWidget(widget)
    widget.resize(350, 460)
    widget.show()
    return widget


def test_tanh_neuron_shows_weights_histogram_curves_and_saturation(view):
    document = document_for(circles_project("tanh"))
    frame = frame_for(document, scale=6.0)  # big weights push many examples into saturation
    view.show_neuron(document.project, 0, 2, frame)

    W, b = frame.weights[0]
    np.testing.assert_allclose(view.weight_bars.heights, W[:, 2])
    # Bar k stands for source neuron k, counted from 1 as on the canvas.
    np.testing.assert_array_equal(view.weight_bars.x, np.arange(1, W.shape[0] + 1))
    for weight, (red, _green, blue) in zip(W[:, 2], view.weight_bars.rgb.tolist(), strict=True):
        assert (red > blue) == (weight > 0)
    # Non-breaking spaces keep "b = …" on one line.
    assert f"bias b = {b[2]:.3g}" in view.weights_caption.text().replace("\u00a0", " ")

    z = frame.probe_Z[0][:, 2]
    counts, edges = np.histogram(z, bins=HISTOGRAM_BINS)
    hx, hy = view.histogram.getData()
    np.testing.assert_allclose(hx, edges, rtol=1e-5)
    np.testing.assert_allclose(hy / hy.max(), counts / counts.max())

    cx, cy = view.activation_curve.getData()
    np.testing.assert_allclose(cy, np.tanh(cx), atol=1e-6)
    dx, dy = view.derivative_curve.getData()
    np.testing.assert_allclose(dy, 1 - np.tanh(dx) ** 2, atol=1e-6)
    assert cx.min() <= z.min() and cx.max() >= z.max()

    # Both tails are shaded from where tanh' drops below 0.05 (|z| ≈ 2.18).
    left, right = (region.getRegion() for region in view.regions)
    assert all(region.isVisible() for region in view.regions)
    assert left[1] == pytest.approx(-2.18, abs=0.05)
    assert right[0] == pytest.approx(2.18, abs=0.05)
    share = np.mean(1 - np.tanh(z) ** 2 < 0.05)
    assert share > 0
    assert view.summary_label.text() == (
        f"{share:.0%} of the probe examples are in the saturated region."
    )


def test_relu_dead_region_and_fully_dead_neuron(view):
    document = document_for(circles_project("relu"))
    frame = frame_for(document)
    view.show_neuron(document.project, 0, 1, frame)
    z = frame.probe_Z[0][:, 1]
    assert view.regions[0].isVisible() and not view.regions[1].isVisible()
    low, high = view.regions[0].getRegion()
    assert high == pytest.approx(0.0, abs=0.05) and low < 0
    assert view.summary_label.text() == (
        f"Dead (z ≤ 0) for {np.mean(z <= 0):.0%} of the probe examples."
    )
    dead = frame_for(document, scale=0.0, bias=-1.0)
    view.show_neuron(document.project, 0, 1, dead)
    assert view.summary_label.text() == (
        f"Dead for all {z.size} probe examples: z ≤ 0 for each, so they give its weights no "
        "gradient."
    )


def test_softmax_output_shows_probe_outputs_instead_of_a_curve(view):
    document = StudioDocument()
    document.open(SAMPLES / "iris.nnproj")
    frame = frame_for(document)
    view.show_neuron(document.project, 1, 0, frame)
    x, y = view.output_points.getData()
    np.testing.assert_allclose(x, frame.probe_Z[1][:, 0])
    np.testing.assert_allclose(y, frame.probe_A[2][:, 0])
    assert (
        view.activation_curve.getData()[0] is None or view.activation_curve.getData()[0].size == 0
    )
    ticks = view.weights_plot.getPlotItem().getAxis("bottom")._tickLevels
    # Hidden neurons feeding the output, counted from 1 as on the canvas.
    assert ticks is not None and [label for _x, label in ticks[0]] == [f"{i}" for i in range(1, 9)]
    # A hidden neuron fed by the four features gets their names.
    view.show_neuron(document.project, 0, 0, frame)
    ticks = view.weights_plot.getPlotItem().getAxis("bottom")._tickLevels
    # Whole where the bars leave room for them (the view is 350 px wide).
    assert [label for _x, label in ticks[0]] == [
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
    ]


def test_a_softmax_unit_is_described_by_how_often_it_wins_not_as_saturated(view):
    document = StudioDocument()
    document.open(SAMPLES / "digits.nnproj")
    frame = frame_for(document)  # untrained: every class near 1/10
    output = len(document.project.network.layers) - 1
    outputs = frame.probe_A[output + 1]
    for unit in range(outputs.shape[1]):
        view.show_neuron(document.project, output, unit, frame)
        text = view.summary_label.text()
        # a (1 - a) < 0.05 at a ≈ 0.05 is no sign of a vanishing gradient for a softmax.
        assert "saturated" not in text
        wins = np.mean(np.argmax(outputs, axis=1) == unit)
        mean = outputs[:, unit].mean()
        assert f"{wins:.0%} of the probe examples" in text
        assert f"mean probability {mean:.2f}" in text


@pytest.mark.parametrize(("activation", "trough"), [("swish", -1.28), ("gelu", -0.75)])
def test_the_trough_of_swish_and_gelu_is_not_called_saturated(view, activation, trough):
    document = document_for(circles_project(activation))
    # Every probe at the curve's minimum, where g'(z) = 0 but g grows again to the left.
    frame = frame_for(document, scale=0.0, bias=trough)
    view.show_neuron(document.project, 0, 1, frame)
    shaded = [region.getRegion() for region in view.regions if region.isVisible()]
    assert not any(low <= trough <= high for low, high in shaded)
    assert view.summary_label.text() == "0% of the probe examples are in the saturated region."


def bar_labels(qtbot, view, document: StudioDocument, frame, width: int) -> list[str]:
    """The names under the incoming-weight bars of the first hidden neuron, at ``width``."""
    view.resize(width, 460)
    qtbot.waitUntil(lambda: view.width() == width)
    view.show_neuron(document.project, 0, 0, frame)
    axis = view.weights_plot.getPlotItem().getAxis("bottom")
    return [label for _x, label in axis._tickLevels[0]]


@pytest.mark.parametrize("width", [200, 260, 350])
def test_source_names_under_the_bars_do_not_overlap(qtbot, view, width):
    from nnstudio.ui.qt import QtGui

    document = StudioDocument()
    document.open(SAMPLES / "iris.nnproj")
    frame = frame_for(document)
    labels = bar_labels(qtbot, view, document, frame, width)
    axis = view.weights_plot.getPlotItem().getAxis("bottom")
    metrics = QtGui.QFontMetricsF(axis.style["tickFont"])
    # One bar's width of room per name, as the bars stand side by side.
    room = view.weights_plot.getPlotItem().getViewBox().width() / len(labels)
    lines = [line for label in labels for line in label.split("\n")]
    assert all(metrics.horizontalAdvance(line) < room for line in lines), (labels, room)
    # Four names differing only in their ends read whole, broken over two lines if need be
    # ("sepal_" / "length"), never "sep…gth" beside "sep…dth".
    assert [label.replace("\n", "") for label in labels] == list(document.project.feature_names)
    # The axis is tall enough for every line (pyqtgraph drops a label that is not).
    rows = max(label.count("\n") + 1 for label in labels)
    qtbot.waitUntil(lambda: axis.height() >= rows * metrics.lineSpacing())
    assert view.weights_plot.toolTip() == ""  # nothing shortened, nothing to explain


def test_names_too_long_even_for_two_lines_are_shortened_with_a_tooltip(qtbot, view):
    document = StudioDocument()
    document.open(SAMPLES / "iris.nnproj")
    long_names = tuple(f"measurement_{name}_in_centimetres" for name in ("a", "b", "c", "d"))
    project = replace(document.project, feature_names=long_names)
    frame = replace(frame_for(document), feature_names=long_names)
    view.resize(200, 460)
    qtbot.waitUntil(lambda: view.width() == 200)
    view.show_neuron(project, 0, 0, frame)
    axis = view.weights_plot.getPlotItem().getAxis("bottom")
    labels = [label for _x, label in axis._tickLevels[0]]
    assert all("…" in label for label in labels) and len(set(labels)) == 4, labels
    assert all(name in view.weights_plot.toolTip() for name in long_names)


def test_pixel_weights_are_ticked_at_cell_centres_with_the_pixel_indices(view):
    document = StudioDocument()
    document.open(SAMPLES / "digits.nnproj")
    frame = frame_for(document)
    view.show_neuron(document.project, 0, 0, frame)
    plot = view.weights_plot.getPlotItem()
    columns = plot.getAxis("bottom")._tickLevels[0]
    rows = plot.getAxis("left")._tickLevels[0]
    # Column c is drawn over [c, c + 1]; row r, drawn from the top, over [7 - r, 8 - r].
    assert columns == [(c + 0.5, str(c)) for c in range(8)]
    assert rows == [(7 - r + 0.5, str(r)) for r in range(8)]
    # The labels are the indices of the feature names: pixel_0_5 is row 0, column 5.
    names = set(document.project.feature_names)
    assert all(f"pixel_{r}_{c}" in names for _y, r in rows for _x, c in columns)
    # Back to bars: the image's ticks go.
    circles = document_for(circles_project("tanh"))
    view.show_neuron(circles.project, 1, 0, frame_for(circles))
    assert plot.getAxis("left")._tickLevels is None
    assert not plot.getViewBox().state["aspectLocked"]


def test_pixel_inputs_show_weights_as_an_image(view):
    document = StudioDocument()
    document.open(SAMPLES / "digits.nnproj")
    frame = frame_for(document)
    view.show_neuron(document.project, 0, 0, frame)
    assert view.weight_image.isVisible() and not view.weight_bars.isVisible()
    assert view.weight_image.image.shape == (8, 8)
    np.testing.assert_allclose(
        view.weight_image.image[::-1].ravel(), frame.weights[0][0][:, 0], rtol=1e-6
    )


def test_without_frame_and_for_inputs(view):
    document = document_for(circles_project("tanh"))
    view.show_neuron(document.project, 0, 0, None)
    assert "initialised" in view.summary_label.text()
    assert not view.weight_bars.isVisible() and not view.histogram.isVisible()
    frame = frame_for(document)
    view.show_neuron(document.project, None, 1, frame)
    assert view.title_label.text() == "Input feature x2"
    assert not view.weights_plot.isVisible()
    assert view.summary_label.text().startswith("Input: mean")
    _x, y = view.histogram.getData()
    assert y.max() == pytest.approx(1.0)
    assert (
        view.activation_curve.getData()[0] is None or view.activation_curve.getData()[0].size == 0
    )


def test_flat_regions_on_a_grid():
    z = np.linspace(-5, 5, 101)
    sig = 1 / (1 + np.exp(-z))
    left, right = flat_regions(z, sig * (1 - sig), dead=False)
    assert left[0] == -5 and left[1] == pytest.approx(-2.89, abs=0.15)
    assert right[1] == 5 and right[0] == pytest.approx(2.89, abs=0.15)
    assert flat_regions(z, np.ones_like(z), dead=False) == (None, None)
    left, right = flat_regions(z, (z > 0).astype(float), dead=True)
    assert left == (-5.0, 0.0) and right is None


def test_out_of_range_neuron_is_reported_not_raised(view):
    document = document_for(circles_project("tanh"))
    frame = frame_for(document)
    view.show_neuron(document.project, 0, 50, frame)
    assert "no neuron 51" in view.summary_label.text()  # counted from 1, as on the canvas
    view.show_neuron(document.project, 7, 0, frame)
    assert "no neuron 1 in layer 8" in view.summary_label.text()


def test_wide_layer_bars_fill_one_path_per_colour_and_follow_new_frames(view):
    from nnstudio.ui.colors import diverging_rgb

    document = document_for(circles_project("tanh", units=200))
    frame = frame_for(document)
    view.show_neuron(document.project, 1, 0, frame)
    W = frame.weights[1][0][:, 0]
    bars = view.weight_bars
    expected = diverging_rgb(W, network_weight_limit(frame.weights))
    np.testing.assert_array_equal(bars.rgb, expected)
    # Bars of one colour are filled together.
    assert bars.color_count() == len({tuple(rgb) for rgb in expected.tolist()}) < 200
    flipped = frame_for(document, scale=-1.0)
    view.show_neuron(document.project, 1, 0, flipped)
    np.testing.assert_allclose(bars.heights, -W)
    first = bars.rgb[0]
    assert (first[0] > first[2]) == (-W[0] > 0)


@pytest.mark.parametrize("width", [260, 350])
def test_every_feature_of_a_plane_is_a_named_bar_and_an_input(qtbot, view, width):
    from nnstudio.spec import PLANE_FEATURES

    project = circles_project("tanh")
    project = replace(
        project,
        data=replace(project.data, features=PLANE_FEATURES),
        network=replace(project.network, inputs=len(PLANE_FEATURES)),
    )
    document = document_for(project)
    frame = frame_for(document)
    labels = bar_labels(qtbot, view, document, frame, width)
    assert len(labels) == len(PLANE_FEATURES)
    # Shortened or not, no two features read alike (sin(x1) and sin(x2) included).
    assert len(set(labels)) == len(labels), labels
    # An input neuron of a derived feature shows that feature over the probes.
    view.show_neuron(document.project, None, 2, frame)
    assert view.title_label.text() == "Input feature x1²"
    values = frame.probe_A[0][:, 2]
    assert np.all(values >= 0) and view.histogram.isVisible()


def test_large_values_keep_their_labels_on_the_narrow_axes(view):
    # The axes are 34 px wide: 600000 would not fit, and pyqtgraph would drop the label.
    for plot in (view.weights_plot, view.z_plot):
        axis = plot.getPlotItem().getAxis("left")
        assert axis.tickStrings([0, 300_000, 600_000], 1, 300_000) == ["0", "300k", "600k"]
        assert axis.tickStrings([0, 1.5e6, 3e6], 1, 1.5e6) == ["0", "1.5M", "3M"]
        # Small values read as pyqtgraph writes them.
        assert axis.tickStrings([-0.5, 0, 0.5], 1, 0.5) == ["-0.5", "0", "0.5"]
    # No axis rescales its values with a unit prefix: 0–0.8 is not "0–800 (x0.001)".
    view.z_plot.getPlotItem().setXRange(0, 0.8)
    bottom = view.z_plot.getPlotItem().getAxis("bottom")
    assert bottom.autoSIPrefixScale == 1.0 and "x0.001" not in bottom.labelString()


def test_weights_are_coloured_on_the_canvas_scale(view):
    from nnstudio.ui.colors import diverging_rgb, symmetric_limit

    document = document_for(circles_project("tanh"))
    frame = frame_for(document)
    # One neuron whose incoming weights are tiny beside the network's others.
    (W0, b0), *rest = frame.weights
    W0 = W0.copy()
    W0[:, 3] = [0.0038, 0.004]
    frame = replace(frame, weights=((W0, b0), *rest))
    # The canvas's key: one symmetric limit over every weight of the network.
    limit = symmetric_limit(np.concatenate([np.ravel(W) for W, _b in frame.weights]))
    assert network_weight_limit(frame.weights) == pytest.approx(limit)
    assert limit > 0.2
    view.show_neuron(document.project, 0, 3, frame)
    for rgb, weight in zip(view.weight_bars.rgb.tolist(), W0[:, 3], strict=True):
        color = QtGui.QColor(*rgb)
        assert color.getRgb()[:3] == tuple(diverging_rgb(np.array([weight]), limit)[0])
        # Near the scale's light neutral middle, as on the canvas: not full-strength orange.
        assert color.red() > color.blue() and color.lightness() > 200, color.getRgb()


def test_an_input_with_zero_mean_reads_zero_not_rounding_noise(view):
    document = document_for(circles_project("tanh"))
    frame = frame_for(document)
    probe = [np.array(a, dtype=float, copy=True) for a in frame.probe_A]
    # A standardised input: mean zero up to float rounding, spread one.
    column = probe[0][:, 1]
    probe[0][:, 1] = (column - column.mean()) / column.std() - 4.72e-09
    frame = replace(frame, probe_A=tuple(probe))
    view.show_neuron(document.project, None, 1, frame)
    text = view.summary_label.text()
    assert "mean 0.00, standard deviation 1.00" in text, text
    assert "e-" not in text


def test_mean_and_spread_share_their_decimals():
    assert spread_texts(np.array([-1.0, 1.0]) - 4.72e-09) == ("0.00", "1.00")
    assert spread_texts(np.array([0.4, 0.6])) == ("0.500", "0.100")
    assert spread_texts(np.array([1400.0, 1600.0])) == ("1500", "100")
    assert spread_texts(np.array([2.0, 2.0])) == ("2", "0")


def test_the_activation_plots_axis_label_stays_centred_when_its_text_changes(qtbot, view):
    from nnstudio.spec import Standardization

    project = replace(
        circles_project("tanh"), standardization=Standardization(mean=(0.0, 0.0), std=(1.0, 1.0))
    )
    frame = frame_for(document_for(project))
    axis = view.z_plot.getPlotItem().getAxis("bottom")

    def centre_offset() -> float:
        label = axis.label
        return label.pos().x() + label.boundingRect().width() / 2 - axis.size().width() / 2

    view.show_neuron(project, 0, 0, frame)
    qtbot.wait(20)
    assert axis.shown_label() == "z"
    assert abs(centre_offset()) <= 1
    # An input's longer label in the same place: centred too, not started where "z" was
    # (and cut at the plot's right edge).
    view.show_neuron(project, None, 0, frame)
    assert axis.shown_label() == "standardised input"
    assert abs(centre_offset()) <= 1
    view.show_neuron(project, 0, 0, frame)
    assert abs(centre_offset()) <= 1


def test_live_ranges_move_only_when_the_data_leave_them(view):
    document = document_for(circles_project("tanh"))
    project = document.project

    def ranges(scale: float) -> tuple[list[float], list[float]]:
        view.show_neuron(project, 0, 1, frame_for(document, scale=scale))
        z_range = view.z_plot.getPlotItem().getViewBox().viewRange()[0]
        weights_range = view.weights_plot.getPlotItem().getViewBox().viewRange()[1]
        return z_range, weights_range

    z_first, weights_first = ranges(6.0)
    # Slightly different weights (the next frame): the axes stay, and are not drawn anew.
    assert ranges(6.3) == (z_first, weights_first)
    # Far larger ones leave both ranges, which grow to hold them.
    z_wide, weights_wide = ranges(20.0)
    assert z_wide[1] - z_wide[0] > z_first[1] - z_first[0]
    assert weights_wide[1] - weights_wide[0] > weights_first[1] - weights_first[0]
    # Another neuron is fitted afresh.
    view.show_neuron(project, 0, 0, frame_for(document, scale=6.0))
    view.show_neuron(project, 0, 1, frame_for(document, scale=6.0))
    assert view.z_plot.getPlotItem().getViewBox().viewRange()[0] == z_first


def test_the_top_tick_label_of_each_plot_has_room_above_the_axis(view):
    document = document_for(circles_project("relu"))
    view.show_neuron(document.project, 0, 1, frame_for(document, scale=4.0))
    for widget in (view.weights_plot, view.z_plot):
        axis = widget.getPlotItem().getAxis("left")
        box = widget.getPlotItem().getViewBox()
        top = box.mapRectToScene(box.boundingRect()).top()  # where the top tick can sit
        label = QtGui.QFontMetricsF(axis.style["tickFont"]).height()
        # A label is centred on its tick: one at the top of the range reaches half its height
        # above the axis, which the widget's edge cut off.
        assert widget.mapFromScene(QtCore.QPointF(0.0, top)).y() >= label / 2 - 1


def _covered_parts(view: NeuronView) -> list[str]:
    """Parts of the view laid over the part above them, and texts cut short."""
    layout = view.layout()
    parts = [layout.itemAt(i).widget() for i in range(layout.count())]
    parts = [part for part in parts if part is not None and part.isVisible()]
    problems = [
        f"{type(below).__name__} over {type(above).__name__} by "
        f"{above.geometry().bottom() - below.geometry().top() + 1} px"
        for above, below in itertools.pairwise(parts)
        if below.geometry().top() <= above.geometry().bottom()
    ]
    problems += [
        f"{part.text()[:24]!r}: {part.height()} px tall, needs {part.heightForWidth(part.width())}"
        for part in parts
        if isinstance(part, QtWidgets.QLabel)
        and part.wordWrap()
        and part.heightForWidth(part.width()) > part.height()
    ]
    return problems


@pytest.mark.parametrize("points", [None, 18.0], ids=["normal-font", "18pt"])
@pytest.mark.parametrize(
    "size", [(320, 700), (400, 900), (600, 500), (320, 520), (600, 400)], ids=str
)
@pytest.mark.parametrize(("activation", "bias"), [("tanh", None), ("relu", -50.0)])
def test_the_note_under_the_activation_plot_never_covers_its_axis(
    qtbot, app_font, points, size, activation, bias
):
    if points is not None:
        app_font(points)  # before the view is built: its tick font follows the application's
    document = document_for(circles_project(activation))
    frame = frame_for(document, scale=6.0, bias=bias)
    dock = QtWidgets.QDockWidget("Neuron")
    qtbot.addWidget(dock)
    view = NeuronView()
    dock.setWidget(view)
    dock.show()
    qtbot.waitExposed(dock)
    view.show_neuron(document.project, 0, 1, frame)
    dock.resize(*size)
    qtbot.wait(30)
    # A dead ReLU's note takes four lines in a narrow dock at 18 pt.
    assert view.summary_label.text().startswith(("Dead", "20%"))
    assert _covered_parts(view) == []
    assert view.summary_label.geometry().top() > view.z_plot.geometry().bottom()
    # Given the room it asked for, the dock keeps the size it was given.
    if view.least_height() <= size[1]:
        assert (dock.width(), dock.height()) == size
