"""The fitted canvas fills its view and keeps its text readable on screen, whatever the
network's shape, and its notices keep clear of the layer headers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, CsvData, Project
from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.canvas.items import MIN_VALUE_PIXELS, on_screen_scale
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.frame import make_frame
from nnstudio.ui.qt import QtCore, QtGui
from nnstudio.workflow import build_network, make_trainer
from tests.ui.test_canvas import iris_project, make_project, open_canvas

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: Canvas sizes the studio's window gives it at 1024 x 640 and 1280 x 800.
SMALL_CANVAS = (457, 292)
MEDIUM_CANVAS = (630, 386)
#: The smallest on-screen text size accepted as readable (pixels).
READABLE = 8.0


def spiral_project() -> Project:
    return make_project(
        BuiltinData(builtin="spiral", samples=200, noise=0.05),
        (2, 16, 16, 1),
        ("tanh", "tanh", "sigmoid"),
        "binary_crossentropy",
    )


def deep_project() -> Project:
    """Seven layers of eight neurons: a wide and short drawing."""
    activations = ("leaky_relu", "softplus", "leaky_relu", "swish", "elu", "leaky_relu")
    return make_project(
        BuiltinData(builtin="spiral", samples=200, noise=0.05, arms=3),
        (2, 8, 8, 8, 8, 8, 8, 3),
        (*activations, "softmax"),
        "categorical_crossentropy",
    )


def digits_like_project(folder: Path) -> Project:
    """64 pixel columns and ten classes, drawn as 64-32-10 like the digits sample."""
    rng = np.random.default_rng(0)
    rows = 60
    pixels = rng.integers(0, 16, size=(rows, 64))
    header = ",".join([f"pixel_{i // 8}_{i % 8}" for i in range(64)] + ["digit"])
    body = "\n".join(",".join(map(str, row)) + f",{index % 10}" for index, row in enumerate(pixels))
    path = folder / "digits_small.csv"
    path.write_text(header + "\n" + body + "\n")
    return make_project(
        CsvData(csv=str(path), target=("digit",)),
        (64, 32, 10),
        ("relu", "softmax"),
        "categorical_crossentropy",
    )


def show_trained_frame(document: StudioDocument, canvas: NetworkCanvas) -> None:
    network = build_network(document.project)
    trainer = make_trainer(document.project, network, document.dataset)
    trainer.run_epoch()
    canvas.show_frame(make_frame(network, document.dataset, trainer.snapshot(), grid_size=16))


def drawing_on_screen(canvas: NetworkCanvas) -> QtCore.QRect:
    """Where the lanes (labels included) are on the viewport."""
    x, y, w, h = canvas.layout_geometry.bounds()
    return canvas.mapFromScene(QtCore.QRectF(x, y, w, h)).boundingRect()


def fitted_room(canvas: NetworkCanvas) -> tuple[int, float]:
    """Width and height of the view the drawing is fitted into (above the overlays)."""
    return canvas.viewport().width(), canvas._fit_room()


def test_a_deep_network_fills_a_wide_view_with_readable_headers(qtbot) -> None:
    _document, canvas = open_canvas(qtbot, deep_project(), MEDIUM_CANVAS)
    drawing = drawing_on_screen(canvas)
    width, room = fitted_room(canvas)
    # The columns are planned for the view's shape: the drawing fills its height (not a
    # strip across its middle), and its width.
    assert drawing.height() >= 0.8 * room, (drawing, room)
    assert drawing.width() >= 0.8 * width, (drawing, width)
    scale = canvas.zoom
    for lane in canvas.lanes:
        title, subtitle = lane.header_fonts(scale)
        assert title.pixelSize() * scale >= READABLE, (lane.title, title.pixelSize() * scale)
        assert subtitle.pixelSize() * scale >= READABLE - 0.5, lane.subtitle


@pytest.mark.parametrize("size", [SMALL_CANVAS, MEDIUM_CANVAS])
def test_labels_and_headers_of_a_small_view_are_readable(qtbot, size) -> None:
    _document, canvas = open_canvas(qtbot, spiral_project(), size)
    scale = canvas.zoom
    for lane in canvas.lanes:
        title, subtitle = lane.header_fonts(scale)
        assert title.pixelSize() * scale >= 10.0, title.pixelSize() * scale
        assert subtitle.pixelSize() * scale >= 9.0, subtitle.pixelSize() * scale
    for column in (canvas.columns[0], canvas.columns[-1]):
        stride = column.label_stride(scale)
        on_screen = column.label_font_at(scale, stride).pixelSize() * scale
        assert on_screen >= 9.0, (column.labels, on_screen)


def test_class_names_of_ten_outputs_and_the_more_marker_are_readable(qtbot, tmp_path) -> None:
    _document, canvas = open_canvas(qtbot, digits_like_project(tmp_path), MEDIUM_CANVAS)
    scale = canvas.zoom
    outputs = canvas.columns[-1]
    # All ten class names, each readable: the output column spreads its rows for them.
    assert outputs.label_stride(scale) == 1
    assert outputs.label_font_at(scale).pixelSize() * scale >= 9.0
    centers = canvas.layout_geometry.columns[-1].centers_y
    assert np.diff(centers).min() * scale >= 11.0  # labels a row apart do not touch
    inputs = canvas.columns[0]
    marker = inputs.more_font_at(scale)
    assert marker.pixelSize() * scale >= 9.0
    # The marker's slot is tall enough for its text with room around it.
    slot = canvas.layout_geometry.ellipsis_height * scale
    assert slot >= QtGui.QFontMetricsF(marker).height() * scale + 8


@pytest.mark.parametrize("size", [SMALL_CANVAS, MEDIUM_CANVAS, (1130, 562)])
def test_numbers_inside_neurons_are_readable_or_not_drawn(qtbot, size) -> None:
    document, canvas = open_canvas(qtbot, iris_project(), size)
    show_trained_frame(document, canvas)
    # The scale a paint of the view sees.
    scale = on_screen_scale_of(canvas)
    neuron = canvas.layout_geometry.neuron_size
    for column in canvas.columns:
        assert column.values is not None
        font = column.value_font_at(scale)
        if font is None:
            # Not drawn: the neurons are too small on screen for a readable number.
            assert neuron * scale < 34
            continue
        assert font.pixelSize() * scale >= MIN_VALUE_PIXELS - 0.5
        # and the number fits inside its neuron.
        assert QtGui.QFontMetricsF(font).horizontalAdvance("-0.00") <= neuron
    if neuron * scale >= 34:
        assert all(column.value_font_at(scale) is not None for column in canvas.columns)


def on_screen_scale_of(canvas: NetworkCanvas) -> float:
    image = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    painter.setWorldTransform(canvas.viewportTransform())
    try:
        return on_screen_scale(painter)
    finally:
        painter.end()


def test_a_notice_keeps_clear_of_the_headers_and_zoom_buttons(qtbot) -> None:
    for size in (SMALL_CANVAS, MEDIUM_CANVAS):
        _document, canvas = open_canvas(qtbot, spiral_project(), size)
        canvas.show_notice("Output layer resized from 1 to 3 units to match the 3 classes")
        banner = canvas.notice_banner.geometry()
        assert canvas.notice_banner.isVisible()
        viewport = canvas.viewport().geometry()
        assert viewport.contains(banner)
        assert not banner.intersects(canvas.zoom_bar.geometry())
        layout = canvas.layout_geometry
        for drawn in range(layout.layer_count):
            x, y, w, h = layout.header_rect(drawn)
            header = canvas.mapFromScene(QtCore.QRectF(x, y, w, h)).boundingRect()
            header.translate(viewport.topLeft())
            assert not banner.intersects(header), (drawn, banner, header)
