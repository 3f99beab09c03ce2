"""The network canvas: items per network, live colours, selection, edits, hover and export."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, CsvData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.canvas.edges import UNKNOWN_RGB
from nnstudio.ui.canvas.layout import NetworkLayout, nearest_segment, sample_indices
from nnstudio.ui.canvas.view import ValueDialog
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.frame import make_frame
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets
from nnstudio.ui.selection import Selection
from nnstudio.workflow import build_network, make_trainer

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def make_project(data, sizes, activations, loss, name="Test") -> Project:
    layers = tuple(
        LayerSpec(units=units, activation=activation)
        for units, activation in zip(sizes[1:], activations, strict=True)
    )
    return Project(
        name=name,
        data=data,
        network=NetworkSpec(inputs=sizes[0], layers=layers),
        loss=loss,
        training=TrainingSpec(optimizer="adam", learning_rate=0.03, batch_size=16),
    )


def xor_project() -> Project:
    return make_project(
        BuiltinData(builtin="xor", samples=200),
        (2, 4, 1),
        ("tanh", "sigmoid"),
        "binary_crossentropy",
    )


def spiral_project() -> Project:
    return make_project(
        BuiltinData(builtin="spiral", samples=300, noise=0.05),
        (2, 8, 8, 1),
        ("tanh", "tanh", "sigmoid"),
        "binary_crossentropy",
    )


def iris_project() -> Project:
    return make_project(
        CsvData(csv=str(SAMPLES / "iris.csv"), target=("species",)),
        (4, 8, 3),
        ("tanh", "softmax"),
        "categorical_crossentropy",
    )


def mnist_like_project(folder: Path) -> Project:
    """784 pixel columns and 10 classes, like MNIST (few rows: only the shape matters)."""
    rng = np.random.default_rng(0)
    rows = 40
    pixels = rng.integers(0, 256, size=(rows, 784))
    labels = np.arange(rows) % 10
    header = ",".join([f"pixel{i}" for i in range(784)] + ["label"])
    body = "\n".join(
        ",".join(map(str, row)) + f",{label}" for row, label in zip(pixels, labels, strict=True)
    )
    path = folder / "mnist_small.csv"
    path.write_text(header + "\n" + body + "\n")
    return make_project(
        CsvData(csv=str(path), target=("label",)),
        (784, 256, 128, 10),
        ("relu", "relu", "softmax"),
        "categorical_crossentropy",
    )


def open_canvas(qtbot, project: Project, size=(1280, 800)) -> tuple[StudioDocument, NetworkCanvas]:
    document = StudioDocument()
    document.open_project(project)
    assert document.dataset is not None, document.dataset_error
    canvas = NetworkCanvas(document)
    qtbot.addWidget(canvas)
    canvas.resize(*size)
    canvas.show()
    qtbot.waitExposed(canvas)
    return document, canvas


def trained_frame(document: StudioDocument, epochs: int = 3):
    network = build_network(document.project)
    trainer = make_trainer(document.project, network, document.dataset)
    for _ in range(epochs):
        trainer.run_epoch()
    return make_frame(network, document.dataset, trainer.snapshot(), grid_size=24)


def click_scene(qtbot, canvas: NetworkCanvas, x: float, y: float, button=None) -> None:
    point = canvas.mapFromScene(QtCore.QPointF(x, y))
    qtbot.mouseClick(canvas.viewport(), button or QtCore.Qt.MouseButton.LeftButton, pos=point)


def neuron_center(canvas: NetworkCanvas, drawn: int, position: int) -> tuple[float, float]:
    column = canvas.layout_geometry.columns[drawn]
    return column.x, float(column.centers_y[position])


def header_center(canvas: NetworkCanvas, drawn: int) -> tuple[float, float]:
    x, y, w, _h = canvas.layout_geometry.header_rect(drawn)
    return x + w / 2, y + 14


def edge_count(canvas: NetworkCanvas) -> list[int]:
    return [bundle.segments.shape[0] for bundle in canvas.bundles[1:]]


# ---- layout ------------------------------------------------------------------------------------


def test_compact_layers_sample_head_and_tail():
    assert sample_indices(32).tolist() == list(range(32))
    drawn = sample_indices(256)
    assert drawn.tolist() == [*range(12), 252, 253, 254, 255]
    layout = NetworkLayout((784, 256, 128, 10))
    assert [c.compact for c in layout.columns] == [True, True, True, False]
    assert layout.columns[1].omitted == 240
    # The ellipsis slot sits between the head and the tail.
    column = layout.columns[1]
    assert column.centers_y[11] < column.ellipsis_y < column.centers_y[12]


def test_nearest_segment_is_the_closest_within_tolerance():
    segments = np.array([[0.0, 0.0, 10.0, 0.0], [0.0, 5.0, 10.0, 5.0], [0.0, 0.0, 10.0, 10.0]])
    assert nearest_segment(segments, 2.0, 4.5, 2.0)[0] == 1
    assert nearest_segment(segments, 20.0, 20.0, 2.0) is None
    # Beyond an end the distance is to the end point, not to the infinite line.
    assert nearest_segment(segments, 12.0, 0.0, 1.0) is None


# ---- building ----------------------------------------------------------------------------------


def test_xor_canvas_items_and_headers(qtbot):
    document, canvas = open_canvas(qtbot, xor_project())
    assert len(canvas.lanes) == 3 and len(canvas.columns) == 3
    assert edge_count(canvas) == [8, 4]
    assert len(canvas.gap_buttons) == 2
    assert canvas.layer_header(1) == "Hidden 1 · 4 tanh"
    assert canvas.layer_header(2) == "Output · 1 sigmoid"
    assert canvas.layer_header(0) == "Input · 2 features"
    assert canvas.columns[0].labels == list(document.dataset.feature_names)
    assert canvas.legend.limit is None
    # Before any frame: grey edges, no thumbnails, no fills.
    assert all((b.colors == UNKNOWN_RGB).all() for b in canvas.bundles[1:])
    assert all(c.thumbnails is None and c.fills is None for c in canvas.columns)


def test_canvas_draws_the_network_when_its_data_cannot_be_loaded(qtbot, tmp_path):
    project = make_project(
        CsvData(csv=str(tmp_path / "missing.csv"), target=("y",), task="regression"),
        (3, 5, 2),
        ("relu", "identity"),
        "mse",
    )
    document = StudioDocument()
    document.open_project(project)
    assert document.dataset is None
    canvas = NetworkCanvas(document)
    qtbot.addWidget(canvas)
    assert edge_count(canvas) == [15, 10]
    assert canvas.columns[0].labels == ["x1", "x2", "x3"]
    assert canvas.columns[-1].labels == ["y1", "y2"]


def test_spiral_and_iris_edge_counts_and_labels(qtbot):
    _document, canvas = open_canvas(qtbot, spiral_project())
    assert edge_count(canvas) == [16, 64, 8]
    assert [lane.resizable for lane in canvas.lanes] == [False, True, True, False]

    document, iris = open_canvas(qtbot, iris_project())
    assert edge_count(iris) == [32, 24]
    assert iris.columns[0].full_labels == list(document.dataset.feature_names)
    assert iris.columns[-1].full_labels == ["setosa", "versicolor", "virginica"]
    assert iris.layer_header(2) == "Output · 3 softmax"


def test_wide_network_is_drawn_compactly(qtbot, tmp_path):
    document, canvas = open_canvas(qtbot, mnist_like_project(tmp_path))
    assert document.project.network.sizes == (784, 256, 128, 10)
    drawn = [column.column.indices.size for column in canvas.columns]
    assert drawn == [16, 16, 16, 10]
    assert edge_count(canvas) == [256, 256, 160]
    # Input labels are elided to the label column, never the full 784-name list.
    labels = canvas.columns[0].labels
    assert len(labels) == 16 and labels[0] == "pixel0" and labels[-1] == "pixel783"
    assert canvas.content_rect().width() < 2000
    column = canvas.layout_geometry.columns[1]
    marker = QtCore.QPointF(column.x, column.ellipsis_y)
    assert canvas.hover_text(marker) == (
        "240 more neurons of Hidden 1 (13–252 of 256) are not drawn"
    )
    x, y = header_center(canvas, 1)
    assert canvas.hover_text(QtCore.QPointF(x, y)) == (
        "Hidden 1 · 256 relu (16 of 256 neurons drawn) · drag to reorder"
    )
    frame = trained_frame(document, epochs=1)
    canvas.show_frame(frame)
    assert canvas.frame is frame
    assert canvas.columns[1].fills.shape == (16, 3)
    assert all(column.thumbnails is None for column in canvas.columns)
    assert not (canvas.bundles[1].colors == UNKNOWN_RGB).all()


# ---- live colours ------------------------------------------------------------------------------


def test_show_frame_recolours_edges_neurons_and_thumbnails(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    frame = trained_frame(document)
    canvas.show_frame(frame)
    bundle = canvas.bundles[2]
    W = frame.weights[1][0]
    np.testing.assert_allclose(bundle.values, W[bundle.sources, bundle.targets])
    assert canvas.legend.limit == pytest.approx(bundle.limit)
    # Sign decides the hue: positive edges are orange (red > blue), negative ones blue.
    positive = bundle.values > 0.2 * bundle.limit
    negative = bundle.values < -0.2 * bundle.limit
    assert positive.any() and negative.any()
    assert (bundle.colors[positive, 0] > bundle.colors[positive, 2]).all()
    assert (bundle.colors[negative, 2] > bundle.colors[negative, 0]).all()
    # Every neuron (inputs too) has a heatmap over the input plane for 2-D data.
    assert all(len(column.thumbnails) == column.column.indices.size for column in canvas.columns)
    assert canvas.columns[1].thumbnails[0].width() == 24
    fills_before = canvas.columns[1].fills.copy()
    last = frame.probe_A[0].shape[0] - 1
    canvas.set_example(last)
    name = frame.target_names[frame.probe_labels[last]]
    assert canvas.legend.caption == f"neurons: example {last + 1}/{last + 1} · class {name}"
    assert not np.array_equal(fills_before, canvas.columns[1].fills)
    np.testing.assert_allclose(
        canvas.columns[1].values, frame.probe_A[1][frame.probe_A[0].shape[0] - 1]
    )
    # Biases are coloured too.
    assert canvas.columns[1].bias_colors.shape == (8, 3)


def test_iris_has_no_thumbnails(qtbot):
    document, canvas = open_canvas(qtbot, iris_project())
    canvas.show_frame(trained_frame(document, epochs=1))
    assert all(column.thumbnails is None for column in canvas.columns)
    assert canvas.columns[2].fills is not None


def test_neurons_paint_what_they_show(qtbot):
    # With heatmaps a neuron shows its activation as a coloured ring; without, as its fill
    # and a number.
    document, canvas = open_canvas(qtbot, spiral_project())
    canvas.show_frame(trained_frame(document))
    column = canvas.columns[1]
    rings = [pen.color().getRgb()[:3] for pen in column._rings]
    assert rings == [tuple(int(c) for c in fill[:3]) for fill in column.fills]
    assert column._texts is None
    document, canvas = open_canvas(qtbot, iris_project())
    canvas.show_frame(trained_frame(document, epochs=1))
    column = canvas.columns[2]
    brushes = [brush.getRgb()[:3] for brush in column._brushes]
    assert brushes == [tuple(int(c) for c in fill[:3]) for fill in column.fills]
    assert column._texts is not None and len(column._texts) == len(column.fills)


def test_one_input_data_draws_sparklines_inside_neurons(qtbot):
    project = make_project(
        BuiltinData(builtin="sine", samples=200), (1, 6, 1), ("tanh", "identity"), "mse"
    )
    document, canvas = open_canvas(qtbot, project)
    frame = trained_frame(document, epochs=1)
    canvas.show_frame(frame)
    points = canvas.columns[1].sparklines
    assert points.shape == (6, frame.line.line_x.size, 2)
    # tanh keeps fixed levels: y = 0.5 + tanh / 2.
    np.testing.assert_allclose(points[:, :, 1].T, 0.5 + 0.5 * frame.line.line_A[1], atol=1e-6)
    assert all(column.thumbnails is None for column in canvas.columns)
    canvas.show_frame(None)
    assert canvas.columns[1].sparklines is None


def test_one_edit_rebuilds_once_and_undrawn_changes_not_at_all(qtbot, monkeypatch):
    document, canvas = open_canvas(qtbot, spiral_project())
    rebuild = canvas.rebuild
    calls = []
    monkeypatch.setattr(canvas, "rebuild", lambda: (calls.append(1), rebuild()))
    document.change_units(0, 1)
    assert len(calls) == 1
    document.set_name("Renamed")
    document.set_training(replace(document.project.training, learning_rate=0.5))
    assert len(calls) == 1
    document.undo_stack.undo()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert len(calls) == 2 and edge_count(canvas) == [16, 64, 8]


def test_frame_for_another_network_is_ignored_and_rebuild_drops_stale_frame(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    frame = trained_frame(document, epochs=1)
    canvas.show_frame(frame)
    document.change_units(0, 1)
    assert canvas.frame is None
    assert edge_count(canvas) == [18, 72, 8]
    canvas.show_frame(frame)  # shapes no longer fit: ignored, not an error
    assert canvas.frame is None


# ---- selection ---------------------------------------------------------------------------------


def test_clicking_selects_neurons_layers_and_background(qtbot):
    _document, canvas = open_canvas(qtbot, spiral_project())
    with qtbot.waitSignal(canvas.selectionChanged) as signal:
        click_scene(qtbot, canvas, *neuron_center(canvas, 1, 2))
    assert signal.args == [Selection("neuron", 1, 2)]
    assert canvas.columns[1].selected_position == 2
    # Its 2 incoming and 8 outgoing connections are drawn emphasised.
    assert canvas.edge_highlight.neighbourhood_size == 10
    assert all(bundle.dimmed for bundle in canvas.bundles[1:])
    with qtbot.waitSignal(canvas.selectionChanged) as signal:
        click_scene(qtbot, canvas, *header_center(canvas, 2))
    assert signal.args == [Selection("layer", 2)]
    assert canvas.lanes[2].selected and not canvas.lanes[1].selected
    assert not any(bundle.dimmed for bundle in canvas.bundles[1:])
    # A selected connection stands out the same way among the others.
    canvas.select(Selection("edge", 2, 1, 3))
    assert all(bundle.dimmed for bundle in canvas.bundles[1:])
    canvas.select(Selection("layer", 2))
    # Left of the first lane, clear of it by a few pixels (its edge is on the pixel grid).
    bounds = canvas.content_rect()
    with qtbot.waitSignal(canvas.selectionChanged) as signal:
        click_scene(qtbot, canvas, bounds.left() - 4 / canvas.zoom, bounds.bottom() - 2)
    assert signal.args == [None]


def test_clicking_an_edge_selects_it_and_hover_text_names_the_weight(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    frame = trained_frame(document, epochs=1)
    canvas.show_frame(frame)
    bundle = canvas.bundles[2]
    index = bundle.edge_index(3, 5)
    x0, y0, x1, y1 = bundle.segments[index]
    # Not the middle: with evenly spaced rows, segment 3 → 5 crosses 4 → 4 there.
    point = QtCore.QPointF(x0 + 0.3 * (x1 - x0), y0 + 0.3 * (y1 - y0))
    # A point of a segment may cross others; the exact point lies on this one.
    hit = canvas.edge_at(point, tolerance=0.01)
    assert hit == Selection("edge", 2, 5, 3)
    value = frame.weights[1][0][3, 5]
    # The matrix element (indices from 0, as exported) and the neurons (counted from 1).
    assert canvas.describe(hit) == (
        f"W2[3, 5] (Hidden 1 neuron 4 → Hidden 2 neuron 6) = {value:.3f}"
    )
    near_target = QtCore.QPointF(x0 + 0.9 * (x1 - x0), y0 + 0.9 * (y1 - y0))
    assert canvas.edge_at(near_target) == hit
    with qtbot.waitSignal(canvas.selectionChanged):
        click_scene(qtbot, canvas, near_target.x(), near_target.y())
    assert canvas.selection() == hit
    assert canvas.edge_highlight.selected_line == bundle.line(index)


def test_neuron_hover_text(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    frame = trained_frame(document, epochs=1)
    canvas.show_frame(frame)
    canvas.set_example(4)
    x, y = neuron_center(canvas, 1, 3)
    text = canvas.hover_text(QtCore.QPointF(x, y))
    bias = frame.weights[0][1][3]
    activation = frame.probe_A[1][4, 3]
    assert text == (
        f"Hidden 1, neuron 4: bias {bias:.3g}, activation {activation:.3g} for the selected example"
    )


# ---- edits -------------------------------------------------------------------------------------


def test_unit_buttons_and_keyboard_change_units(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    minus, plus = canvas.layout_geometry.unit_button_centers(1)
    click_scene(qtbot, canvas, *plus)
    assert document.project.network.layers[0].units == 9
    # The canvas rebuilt: the + button of the new layout is at the same place.
    minus, plus = canvas.layout_geometry.unit_button_centers(2)
    click_scene(qtbot, canvas, *minus)
    assert document.project.network.sizes == (2, 9, 7, 1)
    canvas.select(Selection("layer", 1))
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Plus)
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Plus)
    assert document.project.network.layers[0].units == 11
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Minus)
    assert document.project.network.layers[0].units == 10
    # The output layer's width belongs to the data.
    canvas.select(Selection("layer", 3))
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Plus)
    assert document.project.network.output.units == 1
    document.undo_stack.undo()
    assert document.project.network.layers[0].units == 11


def test_gap_button_keyboard_and_delete_add_and_remove_layers(qtbot):
    document, canvas = open_canvas(qtbot, xor_project())
    click_scene(qtbot, canvas, *canvas.layout_geometry.gap_button_center(0))
    assert document.project.network.sizes == (2, 4, 4, 1)
    assert canvas.selection() == Selection("layer", 1)
    assert len(canvas.lanes) == 4
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Insert)
    assert len(document.project.network.layers) == 4
    assert canvas.selection() == Selection("layer", 2)
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Delete)
    assert len(document.project.network.layers) == 3
    # The layer that took its place is selected (see test_canvas_keyboard).
    assert canvas.selection() == Selection("layer", 2)
    # Delete on the output layer does nothing.
    canvas.select(Selection("layer", 3))
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Delete)
    assert len(document.project.network.layers) == 3


def menu_action(canvas: NetworkCanvas, hit, text: str) -> QtGui.QAction:
    menu = canvas.context_menu_for(hit)
    actions = {action.text(): action for action in menu.actions() if action.text()}
    return actions[text]


def test_context_menu_actions(qtbot):
    from nnstudio.ui.canvas import Hit

    document, canvas = open_canvas(qtbot, spiral_project())
    menu_action(canvas, Hit("header", 1), "Insert layer before").trigger()
    assert document.project.network.sizes == (2, 8, 8, 8, 1)
    menu_action(canvas, Hit("header", 3), "Insert layer after").trigger()
    assert len(document.project.network.layers) == 5
    menu_action(canvas, Hit("lane", 2), "Remove layer").trigger()
    assert len(document.project.network.layers) == 4
    menu_action(canvas, Hit("header", 1), "Add neuron").trigger()
    assert document.project.network.layers[0].units == 9
    menu_action(canvas, Hit("header", 1), "Remove neuron").trigger()
    assert document.project.network.layers[0].units == 8
    assert not menu_action(canvas, Hit("header", 0), "Remove layer").isEnabled()
    assert not menu_action(canvas, Hit("header", 0), "Insert layer before").isEnabled()
    menu_action(canvas, None, "Add layer").trigger()
    assert len(document.project.network.layers) == 5
    menu_action(canvas, Hit("neuron", 2, neuron=1), "Select layer").trigger()
    assert canvas.selection() == Selection("layer", 2)
    canvas.zoom_by(2.0)
    menu_action(canvas, None, "Fit view").trigger()
    assert canvas.zoom <= 1.35


def send_mouse(canvas, kind, scene_point, buttons):
    pos = QtCore.QPointF(canvas.mapFromScene(scene_point))
    button = (
        QtCore.Qt.MouseButton.LeftButton
        if kind != QtCore.QEvent.Type.MouseMove
        else (QtCore.Qt.MouseButton.NoButton)
    )
    event = QtGui.QMouseEvent(
        kind,
        pos,
        QtCore.QPointF(canvas.viewport().mapToGlobal(pos.toPoint())),
        button,
        buttons,
        QtCore.Qt.KeyboardModifier.NoModifier,
    )
    QtWidgets.QApplication.sendEvent(canvas.viewport(), event)


def test_dragging_a_header_reorders_hidden_layers(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    document.change_units(1, 3)  # Hidden 2 now has 11 units, Hidden 1 keeps 8
    x, y = header_center(canvas, 1)
    target_x = canvas.layout_geometry.columns[2].x + 10
    left = QtCore.Qt.MouseButton.LeftButton
    send_mouse(canvas, QtCore.QEvent.Type.MouseButtonPress, QtCore.QPointF(x, y), left)
    for step in np.linspace(x, target_x, 6)[1:]:
        send_mouse(canvas, QtCore.QEvent.Type.MouseMove, QtCore.QPointF(step, y), left)
    assert canvas._drop_indicator is not None and canvas._drop_indicator.isVisible()
    send_mouse(
        canvas,
        QtCore.QEvent.Type.MouseButtonRelease,
        QtCore.QPointF(target_x, y),
        QtCore.Qt.MouseButton.NoButton,
    )
    assert [layer.units for layer in document.project.network.layers] == [11, 8, 1]
    assert canvas.selection() == Selection("layer", 2)
    document.undo_stack.undo()
    assert [layer.units for layer in document.project.network.layers] == [8, 11, 1]


def drag_header(canvas: NetworkCanvas, drawn: int, target: int) -> None:
    x, y = header_center(canvas, drawn)
    target_x = canvas.layout_geometry.columns[target].x + 10
    left = QtCore.Qt.MouseButton.LeftButton
    send_mouse(canvas, QtCore.QEvent.Type.MouseButtonPress, QtCore.QPointF(x, y), left)
    for step in np.linspace(x, target_x, 6)[1:]:
        send_mouse(canvas, QtCore.QEvent.Type.MouseMove, QtCore.QPointF(step, y), left)
    release = QtCore.QEvent.Type.MouseButtonRelease
    send_mouse(canvas, release, QtCore.QPointF(target_x, y), QtCore.Qt.MouseButton.NoButton)


def kept(items: list, before: list) -> list[bool]:
    """Which canvas items are the very objects drawn before."""
    return [item is old for item, old in zip(items, before, strict=True)]


def assert_put_down(canvas: NetworkCanvas) -> None:
    """No lane or column is left lifted or moved by a drag, and its drop marker is gone."""
    assert canvas._drop_indicator is None
    assert not any(lane.dragging for lane in canvas.lanes)
    for lane, column in zip(canvas.lanes, canvas.columns, strict=True):
        assert lane.pos().isNull() and lane.zValue() == 0
        assert column.pos().isNull() and column.zValue() == 2
    indicators = [
        item for item in canvas.scene().items() if isinstance(item, QtWidgets.QGraphicsRectItem)
    ]
    assert indicators == []


def test_a_drag_that_changes_nothing_drawn_puts_the_lane_down(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    # Same size and activation, another initialiser: the move changes the network, but no
    # lane looks different, so the rebuild keeps the dragged one.
    hidden = document.project.network.layers[1]
    document.set_layer(1, replace(hidden, init="he_normal"))
    lanes = list(canvas.lanes)
    drag_header(canvas, 1, 2)
    assert [layer.init for layer in document.project.network.layers[:2]] == [
        "he_normal",
        "xavier_normal",
    ]
    assert kept(canvas.lanes, lanes) == [True, True, True, True]
    assert_put_down(canvas)
    # Onto an identical layer: the network stays as it was and nothing is rebuilt.
    document.undo_stack.undo()
    document.undo_stack.undo()
    drag_header(canvas, 1, 2)
    assert document.undo_stack.index() == 0 and document.undo_stack.canRedo()
    assert_put_down(canvas)


def test_resizing_a_wide_layer_keeps_the_other_items_and_draws_like_a_fresh_canvas(qtbot, tmp_path):
    document, canvas = open_canvas(qtbot, mnist_like_project(tmp_path))
    document.set_weights(build_network(document.project).weights())
    canvas.select(Selection("layer", 1))
    lanes, columns = list(canvas.lanes), list(canvas.columns)
    bundles, buttons = list(canvas.bundles), list(canvas.gap_buttons)
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Plus)
    assert document.project.network.sizes == (784, 257, 128, 10)
    # Only Hidden 1's header ("257 relu") and its "241 more" marker changed: the other lanes
    # and columns stay, and the edges beside it stay in place, standing for neuron 256 now.
    assert kept(canvas.lanes, lanes) == [True, False, True, True]
    assert kept(canvas.columns, columns) == [True, False, True, True]
    assert kept(canvas.bundles[1:], bundles[1:]) == [True, True, True]
    assert kept(canvas.gap_buttons, buttons) == [True, True, True]
    assert canvas.bundles[1].targets.max() == 256 and canvas.bundles[2].sources.max() == 256
    # The new shape has no weights yet: every edge is grey until they come.
    assert all(np.isnan(bundle.values).all() for bundle in canvas.bundles[1:])
    assert canvas.selection() == Selection("layer", 1)
    assert len(canvas.scene().items()) == 4 + 4 + 3 + 1 + 3
    document.set_weights(build_network(document.project).weights())

    fresh = NetworkCanvas(document)
    qtbot.addWidget(fresh)
    fresh.resize(canvas.size())
    fresh.show()
    qtbot.waitExposed(fresh)
    fresh.select(Selection("layer", 1))
    assert fresh.transform() == canvas.transform()
    assert fresh.grab().toImage() == canvas.grab().toImage()
    assert fresh.render_image(1.0) == canvas.render_image(1.0)


def test_hand_editing_a_weight_and_a_bias_is_undoable(qtbot, monkeypatch):
    document, canvas = open_canvas(qtbot, spiral_project())
    document.set_weights(build_network(document.project).weights())
    original = document.weights[1][0].copy()
    monkeypatch.setattr(ValueDialog, "ask", staticmethod(lambda *args, **kwargs: 0.75))
    edge = Selection("edge", 2, 5, 3)
    assert canvas.edit_value(edge)
    assert document.weights[1][0][3, 5] == pytest.approx(0.75)
    assert canvas.bundles[2].values[canvas.bundles[2].edge_index(3, 5)] == pytest.approx(0.75)
    document.undo_stack.undo()
    np.testing.assert_array_equal(document.weights[1][0], original)
    # Double-clicking a neuron edits its bias.
    x, y = neuron_center(canvas, 1, 2)
    qtbot.mouseDClick(
        canvas.viewport(),
        QtCore.Qt.MouseButton.LeftButton,
        pos=canvas.mapFromScene(QtCore.QPointF(x, y)),
    )
    assert document.weights[0][1][2] == pytest.approx(0.75)
    # While training runs the canvas refuses edits.
    canvas.set_editable(False)
    assert not canvas.edit_value(edge)
    assert canvas.notice_banner.isVisible()


def test_document_notices_show_in_a_banner(qtbot):
    document, canvas = open_canvas(qtbot, xor_project())
    document.notice.emit("Output layer resized from 1 to 3 units to match the 3 classes")
    assert canvas.notice_banner.isVisible()
    assert "Output layer resized" in canvas.notice_banner.text()
    canvas.show_notice("Output layer resized from 1 to 3 units to match the 3 classes")
    canvas.show_notice("Weights were reset")
    assert canvas.notice_banner.messages == [
        "Output layer resized from 1 to 3 units to match the 3 classes",
        "Weights were reset",
    ]
    qtbot.mouseClick(canvas.notice_banner, QtCore.Qt.MouseButton.LeftButton)
    assert not canvas.notice_banner.isVisible()


def test_zoom_and_fit(qtbot):
    _document, canvas = open_canvas(qtbot, spiral_project())
    fitted = canvas.zoom
    canvas.zoom_by(1.5)
    assert canvas.zoom == pytest.approx(fitted * 1.5)
    canvas.fit()
    assert canvas.zoom == pytest.approx(fitted)
    visible = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    assert visible.contains(canvas.content_rect())


def test_keyboard_navigation_and_moving_layers(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    document.change_units(0, 2)  # Hidden 1: 10 units, Hidden 2: 8
    canvas.setFocus()
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Right)
    assert canvas.selection() == Selection("layer", 0)
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Right)
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Down)
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Down)
    assert canvas.selection() == Selection("neuron", 1, 1)
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Escape)
    assert canvas.selection() is None
    canvas.select(Selection("layer", 1))
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Right, QtCore.Qt.KeyboardModifier.ControlModifier)
    assert [layer.units for layer in document.project.network.layers] == [8, 10, 1]
    assert canvas.selection() == Selection("layer", 2)


def test_wheel_zooms_under_the_mouse(qtbot):
    _document, canvas = open_canvas(qtbot, spiral_project())
    before = canvas.zoom
    center = QtCore.QPointF(canvas.viewport().rect().center())
    event = QtGui.QWheelEvent(
        center,
        QtCore.QPointF(canvas.viewport().mapToGlobal(center.toPoint())),
        QtCore.QPoint(0, 0),
        QtCore.QPoint(0, 120),
        QtCore.Qt.MouseButton.NoButton,
        QtCore.Qt.KeyboardModifier.NoModifier,
        QtCore.Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QtWidgets.QApplication.sendEvent(canvas.viewport(), event)
    assert canvas.zoom == pytest.approx(before * 1.0015**120)
    # A rebuild after the user zoomed keeps the zoom.
    canvas.document.change_units(0, 1)
    assert canvas.zoom == pytest.approx(before * 1.0015**120)


def image_array(image: QtGui.QImage) -> np.ndarray:
    image = image.convertToFormat(QtGui.QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
    rows = data.reshape(height, image.bytesPerLine())[:, : 3 * width]
    return rows.reshape(height, width, 3).copy()  # the image owns the buffer


def test_trained_spiral_screenshot_shows_both_signs(qtbot, tmp_path):
    document, canvas = open_canvas(qtbot, spiral_project())
    canvas.show_frame(trained_frame(document, epochs=5))
    pixels = image_array(canvas.grab().toImage()).astype(int)
    warmth = pixels[..., 0] - pixels[..., 2]
    # Heatmaps, fills and edges: thousands of clearly orange and clearly blue pixels.
    assert (warmth > 80).sum() > 2000 and (warmth < -80).sum() > 2000


# ---- export ------------------------------------------------------------------------------------


def test_export_svg_and_png(qtbot, tmp_path):
    document, canvas = open_canvas(qtbot, spiral_project())
    canvas.show_frame(trained_frame(document, epochs=1))
    canvas.select(Selection("layer", 1))
    svg = canvas.export_svg(tmp_path / "network.svg")
    png = canvas.export_png(tmp_path / "network.png", scale=1.5)
    text = svg.read_text()
    assert text.startswith("<?xml") and "<svg" in text and len(text) > 5000
    image = QtGui.QImage(str(png))
    rect = canvas.export_rect()
    assert image.width() == int(np.ceil(rect.width() * 1.5))
    # The selection survives an export (controls are only hidden while rendering).
    assert canvas.selection() == Selection("layer", 1) and canvas.lanes[1].selected


def test_weights_of_a_frame_on_its_way_do_not_recolour_the_canvas_first(qtbot) -> None:
    doc, canvas = open_canvas(qtbot, xor_project())
    frame = trained_frame(doc)
    recolours: list[bool] = []
    recolour = canvas._recolor
    canvas._recolor = lambda live=False: (recolours.append(live), recolour(live))
    canvas.expect_frame(frame)
    doc.set_weights(frame.weights)  # handed back by training before the canvas takes it
    assert recolours == []
    canvas.show_frame(frame)
    assert canvas.frame is frame and len(recolours) == 1
    doc.set_weights(tuple((W.copy(), b.copy()) for W, b in frame.weights))  # an edit
    assert len(recolours) == 2
