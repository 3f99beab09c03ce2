"""The canvas's level of detail and live updates: strongest edges, legend, deferred strokes,
heatmap thumbnails from ready-coloured frames."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, CsvData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.canvas.edges import EdgeBundleItem
from nnstudio.ui.canvas.view import EDGE_STROKE_BUDGET, MAX_EDGES_PER_BUNDLE
from nnstudio.ui.frame import FrameBuilder
from nnstudio.ui.qt import QtCore, QtGui
from nnstudio.workflow import build_network, make_trainer
from tests.ui.test_canvas import open_canvas

pytestmark = pytest.mark.gui


def make_project(data, sizes, activations, loss) -> Project:
    layers = tuple(
        LayerSpec(units=units, activation=activation)
        for units, activation in zip(sizes[1:], activations, strict=True)
    )
    return Project(
        name="Detail",
        data=data,
        network=NetworkSpec(inputs=sizes[0], layers=layers),
        loss=loss,
        training=TrainingSpec(optimizer="adam", learning_rate=0.03, batch_size=16),
    )


def spiral_project() -> Project:
    return make_project(
        BuiltinData(builtin="spiral", samples=300, noise=0.05),
        (2, 8, 8, 1),
        ("tanh", "tanh", "sigmoid"),
        "binary_crossentropy",
    )


def mnist_like_project(folder) -> Project:
    """784 pixel columns and 10 classes, like MNIST (few rows: only the shape matters)."""
    rng = np.random.default_rng(0)
    rows = 40
    pixels = rng.integers(0, 256, size=(rows, 784))
    header = ",".join([f"pixel{i}" for i in range(784)] + ["label"])
    body = "\n".join(
        ",".join(map(str, row)) + f",{row_index % 10}" for row_index, row in enumerate(pixels)
    )
    path = folder / "mnist_small.csv"
    path.write_text(header + "\n" + body + "\n")
    return make_project(
        CsvData(csv=str(path), target=("label",)),
        (784, 256, 128, 10),
        ("relu", "relu", "softmax"),
        "categorical_crossentropy",
    )


def wide_project():
    """2-32-32-32-1: two layer pairs with 1,024 candidate edges each."""
    return make_project(
        BuiltinData(builtin="spiral", samples=200, noise=0.05),
        (2, 32, 32, 32, 1),
        ("tanh", "tanh", "tanh", "sigmoid"),
        "binary_crossentropy",
    )


def frames_while_training(document, count: int, steps_between: int = 5, grid_size: int = 24):
    """Frames of one run, a few optimiser steps apart (as the worker would send them)."""
    network = build_network(document.project)
    trainer = make_trainer(document.project, network, document.dataset)
    builder = FrameBuilder(document.dataset, grid_size=grid_size)
    frames = []
    for _ in range(count):
        for _ in range(steps_between):
            trainer.step()
        frames.append(builder.build(network, trainer.snapshot()))
    return frames


def painted_edges(bundle: EdgeBundleItem) -> set[tuple[float, float, float, float]]:
    """The segments the bundle strokes, read back from its pen batches."""
    return {
        (line.x1(), line.y1(), line.x2(), line.y2())
        for _pen, lines in bundle._batches
        for line in lines
    }


def segments_of(bundle: EdgeBundleItem, indices: np.ndarray) -> set[tuple[float, ...]]:
    return {tuple(float(v) for v in bundle.segments[i]) for i in np.asarray(indices).tolist()}


# ---- level of detail -----------------------------------------------------------------------


def test_dense_layer_pairs_paint_only_their_strongest_edges_and_say_so(qtbot):
    document, canvas = open_canvas(qtbot, wide_project())
    counts = [bundle.count for bundle in canvas.bundles[1:]]
    assert counts == [64, 1024, 1024, 32]
    # Unknown weights: every candidate edge is drawn in grey.
    assert [bundle.shown_count for bundle in canvas.bundles[1:]] == counts
    (frame,) = frames_while_training(document, 1)
    canvas.show_frame(frame)
    assert [b.shown_count for b in canvas.bundles[1:]] == [64, *[MAX_EDGES_PER_BUNDLE] * 2, 32]
    for bundle, (W, _b) in zip(canvas.bundles[1:], frame.weights, strict=True):
        magnitude = np.abs(W[bundle.sources, bundle.targets])
        hidden = np.setdiff1d(np.arange(bundle.count), bundle.shown)
        if hidden.size:
            # Every painted edge is at least as strong as every edge left out.
            assert magnitude[bundle.shown].min() >= magnitude[hidden].max()
        assert painted_edges(bundle) == segments_of(bundle, bundle.shown)
    shown = 64 + 2 * MAX_EDGES_PER_BUNDLE + 32
    assert canvas.legend.edges_text == f"edges: the {shown:,} strongest of 2,144"
    assert canvas.edge_counts() == (shown, 2144, 2144)


def test_small_networks_paint_every_edge_and_the_legend_stays_short(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    (frame,) = frames_while_training(document, 1)
    canvas.show_frame(frame)
    for bundle in canvas.bundles[1:]:
        assert bundle.shown_count == bundle.count
        assert painted_edges(bundle) == segments_of(bundle, np.arange(bundle.count))
    assert canvas.legend.edges_text == ""
    assert canvas.legend.height() == 44 + 16 + 2  # the bar and the example caption


def test_a_784_256_128_10_network_says_how_many_connections_it_shows(qtbot, tmp_path):
    document, canvas = open_canvas(qtbot, mnist_like_project(tmp_path))
    assert canvas.legend.edges_text == "edges: 672 of 234,752 connections"
    (frame,) = frames_while_training(document, 1, steps_between=1)
    canvas.show_frame(frame)
    assert canvas.edge_counts() == (672, 672, 234_752)
    assert canvas.legend.edges_text == "edges: 672 of 234,752 connections"
    # The fitted drawing stays clear of the legend floating over the bottom-left corner.
    drawing = canvas.mapFromScene(canvas.content_rect()).boundingRect()
    assert drawing.bottom() < canvas.legend.geometry().top()


def test_the_more_marker_of_every_compact_column_lies_within_its_item(qtbot, tmp_path):
    # The items paint through a device cache clipped to their bounds: a marker reaching
    # beyond them would read "768 mo".
    _document, canvas = open_canvas(qtbot, mnist_like_project(tmp_path))
    compact = [item for item in canvas.columns if item.column.ellipsis_y is not None]
    assert len(compact) == 3
    for item in compact:
        width = item._more_pill_width()
        pill = QtCore.QRectF(item.column.x - width / 2, item.column.ellipsis_y - 1, width, 2)
        assert item.boundingRect().contains(pill), item.column.omitted


def test_only_painted_edges_can_be_picked(qtbot):
    document, canvas = open_canvas(qtbot, wide_project())
    (frame,) = frames_while_training(document, 1)
    canvas.show_frame(frame)
    bundle = canvas.bundles[2]
    hidden = np.setdiff1d(np.arange(bundle.count), bundle.shown)
    for index in hidden[:: max(1, hidden.size // 25)].tolist():
        x0, y0, x1, y1 = bundle.segments[index]
        picked = canvas.edge_at(QtCore.QPointF((x0 + x1) / 2, (y0 + y1) / 2))
        if picked is not None:
            painted = bundle.edge_index(picked.source, picked.neuron)
            assert painted in bundle.shown.tolist()


# ---- live frames ---------------------------------------------------------------------------


def test_live_frames_recolour_at_once_and_stroke_within_the_budget(qtbot):
    document, canvas = open_canvas(qtbot, wide_project())
    first, second = frames_while_training(document, 2, steps_between=40)
    canvas.show_frame(first)
    assert not any(bundle.pending for bundle in canvas.bundles[1:])
    canvas.show_frame(second)
    # Values, colours and the choice of strongest edges follow the new weights at once ...
    for bundle, (W, _b) in zip(canvas.bundles[1:], second.weights, strict=True):
        np.testing.assert_allclose(bundle.values, W[bundle.sources, bundle.targets])
    # ... while re-stroking stays within the per-frame budget (stalest pair first).
    restroked = [b for b in canvas.bundles[1:] if not b.pending]
    pending = [b for b in canvas.bundles[1:] if b.pending]
    assert pending, "the frames are 40 steps apart: some edges changed colour"
    assert sum(b.shown_count for b in restroked) <= EDGE_STROKE_BUDGET + MAX_EDGES_PER_BUNDLE
    # With no further frame, a short timer strokes the rest.
    qtbot.waitUntil(lambda: not any(b.pending for b in canvas.bundles[1:]), timeout=5000)
    for bundle in canvas.bundles[1:]:
        assert painted_edges(bundle) == segments_of(bundle, bundle.shown)


def test_grab_strokes_deferred_edges_first(qtbot):
    document, canvas = open_canvas(qtbot, wide_project())
    first, second = frames_while_training(document, 2, steps_between=40)
    canvas.show_frame(first)
    canvas.show_frame(second)
    assert any(bundle.pending for bundle in canvas.bundles[1:])
    canvas.grab()
    assert not any(bundle.pending for bundle in canvas.bundles[1:])


def test_unchanged_colour_buckets_repaint_nothing():
    segments = np.array([[0.0, 0.0, 10.0, 0.0], [0.0, 5.0, 10.0, 5.0], [0.0, 0.0, 10.0, 10.0]])
    bundle = EdgeBundleItem(segments, np.array([0, 1, 0]), np.array([0, 0, 1]), max_shown=2)
    W = np.array([[0.9, -0.5], [0.05, 0.0]])
    bundle.set_values(W, 1.0)
    assert bundle.shown.tolist() == [0, 2]  # |0.9| and |-0.5| beat |0.05|
    assert not bundle.pending
    batches = bundle._batches
    # A small change keeps every painted edge in its colour bucket: nothing to re-stroke.
    bundle.set_values(W + 0.001, 1.0, defer=True)
    assert not bundle.pending and bundle._batches is batches
    np.testing.assert_allclose(bundle.values, [0.901, 0.051, -0.499])
    # A sign flip changes a bucket: deferred until refresh().
    bundle.set_values(-W, 1.0, defer=True)
    assert bundle.pending and bundle._batches is batches
    bundle.refresh()
    assert not bundle.pending and bundle._batches is not batches


# ---- heatmaps ------------------------------------------------------------------------------


def test_thumbnails_show_the_frames_heatmaps_with_round_corners_and_follow_frames(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    first, second = frames_while_training(document, 2, steps_between=60)
    canvas.show_frame(first)
    column = canvas.columns[1]
    heatmaps = first.grid.heatmaps[1]
    size = first.grid.size
    image = column.thumbnails[3]
    assert (image.width(), image.height()) == (size, size)
    middle = size // 2
    assert image.pixel(middle, middle) == int(heatmaps[3, middle, middle])
    # Corners are cut round: fully transparent at the very corner.
    assert QtGui.QColor.fromRgba(image.pixel(0, 0)).alpha() == 0
    assert QtGui.QColor.fromRgba(image.pixel(size - 1, size - 1)).alpha() == 0
    # The frame's own pixels are untouched (other views may use them).
    assert (heatmaps >> 24 == 0xFF).all()
    before = [column.thumbnails[n].pixel(middle, 2) for n in range(8)]
    canvas.show_frame(second)
    after = [column.thumbnails[n].pixel(middle, 2) for n in range(8)]
    assert before != after
    assert [canvas.columns[1].thumbnails[n].pixel(middle, middle) for n in range(8)] == [
        int(second.grid.heatmaps[1][n, middle, middle]) for n in range(8)
    ]


def test_frames_without_ready_heatmaps_are_coloured_on_the_canvas(qtbot):
    from dataclasses import replace

    document, canvas = open_canvas(qtbot, spiral_project())
    (frame,) = frames_while_training(document, 1)
    bare = replace(frame, grid=replace(frame.grid, heatmaps=()))
    canvas.show_frame(bare)
    middle = frame.grid.size // 2
    assert canvas.columns[2].thumbnails[5].pixel(middle, middle) == int(
        frame.grid.heatmaps[2][5, middle, middle]
    )


def test_frames_without_ready_heatmaps_keep_the_selected_examples_values(qtbot):
    from dataclasses import replace

    document, canvas = open_canvas(qtbot, spiral_project())
    (frame,) = frames_while_training(document, 1)
    canvas.show_frame(replace(frame, grid=replace(frame.grid, heatmaps=())))
    np.testing.assert_allclose(canvas.columns[1].values, frame.probe_A[1][0])


def test_a_lone_frame_is_stroked_at_once(qtbot, monkeypatch):
    from nnstudio.ui.canvas import view as canvas_view

    document, canvas = open_canvas(qtbot, wide_project())
    first, second = frames_while_training(document, 2, steps_between=40)
    canvas.show_frame(first)
    # Frames further apart than the live window (here: any two) are not a stream.
    monkeypatch.setattr(canvas_view, "_LIVE_FRAME_GAP_S", 0.0)
    canvas.show_frame(second)
    assert not any(bundle.pending for bundle in canvas.bundles[1:])
    for bundle in canvas.bundles[1:]:
        assert painted_edges(bundle) == segments_of(bundle, bundle.shown)


class _PaintCounter(QtCore.QObject):
    """Counts the paint events of the widgets it watches."""

    def __init__(self, *widgets) -> None:
        super().__init__()
        self.counts = dict.fromkeys(widgets, 0)
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint and watched in self.counts:
            self.counts[watched] += 1
        return False


def test_live_frames_repaint_the_drawing_once_and_leave_the_zoom_buttons_alone(qtbot):
    from nnstudio.ui.qt import QtWidgets

    document, canvas = open_canvas(qtbot, spiral_project())
    first, second = frames_while_training(document, 2, steps_between=60)
    canvas.show_frame(first)
    qtbot.wait(50)
    viewport, bar, legend = canvas.viewport(), canvas.zoom_bar, canvas.legend
    counter = _PaintCounter(viewport, bar, legend)
    canvas.hold_repaints()
    canvas.show_frame(second)
    qtbot.wait(50)
    assert counter.counts == {viewport: 0, bar: 0, legend: 0}  # all wait for the repaint
    canvas.repaint_live()
    qtbot.wait(50)
    assert counter.counts == {viewport: 1, bar: 0, legend: 1}
    modes = QtWidgets.QGraphicsView.ViewportUpdateMode
    assert canvas.viewportUpdateMode() == modes.FullViewportUpdate
    # Ordinary changes repaint the whole viewport, buttons included, as before.
    canvas.zoom_by(1.25)
    qtbot.waitUntil(lambda: counter.counts[bar] > 0)


def test_overlays_stay_above_the_drawing(qtbot):
    document, canvas = open_canvas(qtbot, spiral_project())
    (frame,) = frames_while_training(document, 1)
    canvas.zoom_bar.lower()
    canvas.legend.lower()
    canvas.show_frame(frame)
    children = canvas.children()
    below = children.index(canvas.viewport())
    assert children.index(canvas.zoom_bar) > below
    assert children.index(canvas.legend) > below
