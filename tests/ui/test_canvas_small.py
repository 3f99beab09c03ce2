"""What a small canvas shows: a selected neuron that is not drawn, the drawing's share of a
short view, narrow lanes' headers and markers, and − / + glyphs of readable contrast.

Everything is measured on screen: through the view's transform, or in a grab's pixels.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nnstudio.spec import LayerSpec, Project
from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.canvas.items import ACCENT, TEXT_CLEARANCE_PIXELS
from nnstudio.ui.qt import QtCore, QtGui
from nnstudio.ui.selection import Selection
from tests.ui.test_canvas_compact import on_screen
from tests.ui.test_canvas_detail import mnist_like_project
from tests.ui.test_canvas_readable import (
    SMALL_CANVAS,
    digits_like_project,
    open_canvas,
    show_trained_frame,
    spiral_project,
)

pytestmark = pytest.mark.gui


def grab_image(canvas: NetworkCanvas) -> QtGui.QImage:
    return canvas.viewport().grab().toImage()


def pixels_in(image: QtGui.QImage, rect: QtCore.QRectF) -> np.ndarray:
    """RGB of the grab's pixels inside an on-screen rectangle, ``(n, 3)``."""
    box = rect.toAlignedRect().intersected(image.rect())
    part = image.copy(box).convertToFormat(QtGui.QImage.Format.Format_RGB32)
    array = np.frombuffer(part.constBits(), np.uint8).reshape(part.height(), -1)
    bgra = array[:, : part.width() * 4].reshape(part.height(), part.width(), 4)
    return bgra[..., 2::-1].reshape(-1, 3).astype(int)


def near(pixels: np.ndarray, color: QtGui.QColor, tolerance: int = 40) -> int:
    """How many pixels are within ``tolerance`` (per channel) of ``color``."""
    target = np.array([color.red(), color.green(), color.blue()])
    return int(np.count_nonzero(np.abs(pixels - target).max(axis=1) <= tolerance))


def luminance(rgb: np.ndarray) -> np.ndarray:
    channel = rgb / 255.0
    linear = np.where(channel <= 0.03928, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast(first: np.ndarray, second: np.ndarray) -> float:
    a, b = sorted((float(luminance(first)), float(luminance(second))))
    return (b + 0.05) / (a + 0.05)


# ---- a selected neuron that is not drawn ----------------------------------------------------


def test_a_selected_neuron_that_is_not_drawn_shows_on_the_more_marker(qtbot, tmp_path) -> None:
    _document, canvas = open_canvas(qtbot, mnist_like_project(tmp_path), (630, 386))
    column = canvas.columns[2]  # 128 neurons, 16 drawn
    marker = on_screen(canvas, column.more_marker_rect(canvas.zoom))
    before = near(pixels_in(grab_image(canvas), marker), ACCENT)
    canvas.setFocus()
    canvas.select(Selection("neuron", 2, 11))
    # Down from the last neuron of the head: neuron 13 is not drawn.
    qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Down)
    assert canvas.selection() == Selection("neuron", 2, 12)
    assert column.selected_position is None
    assert column.selected_hidden == 12
    assert column.marker_texts()[0] == "neuron 13 of 128"
    marker = on_screen(canvas, column.more_marker_rect(canvas.zoom))
    # The marker takes the selection's colour (ring and text) and names the neuron.
    after = near(pixels_in(grab_image(canvas), marker), ACCENT)
    assert before == 0 and after >= 40, (before, after)
    scale = canvas.zoom
    text, _font, _width = column._marker_text(scale)
    assert text in ("neuron 13 of 128", "13 of 128")
    # The marker stays within its lane.
    lane = on_screen(canvas, QtCore.QRectF(*canvas.layout_geometry.lane_rect(2)))
    assert lane.left() <= marker.left() and marker.right() <= lane.right()
    # Back to a drawn neuron: the marker counts the neurons left out again.
    canvas.select(Selection("neuron", 2, 11))
    assert column.selected_hidden is None and column.selected_position == 11


# ---- a short view gives its height to the drawing -------------------------------------------


def test_a_short_view_keeps_a_small_band_for_the_legend_and_zoom_buttons(qtbot, tmp_path) -> None:
    document, canvas = open_canvas(qtbot, digits_like_project(tmp_path), SMALL_CANVAS)
    show_trained_frame(document, canvas)
    canvas.fit()
    assert canvas.legend.compact
    assert canvas.legend.caption and canvas.legend.edges_text
    viewport = canvas.viewport().rect()
    # Legend and zoom buttons together take under a fifth of the height (was a third).
    band = viewport.height() - min(canvas.legend.y(), canvas.zoom_bar.y())
    assert band <= 0.2 * viewport.height(), band
    x, y, w, h = canvas.layout_geometry.bounds()
    drawing = on_screen(canvas, QtCore.QRectF(x, y, w, h))
    assert drawing.height() >= 0.75 * viewport.height(), (drawing, viewport)
    assert drawing.bottom() <= canvas.legend.y() and drawing.bottom() <= canvas.zoom_bar.y()
    # The 32-neuron hidden layer: 4.1 px with the regular key.
    rx, ry, rw, rh = canvas.layout_geometry.neuron_rects(1)[0]
    assert on_screen(canvas, QtCore.QRectF(rx, ry, rw, rh)).height() >= 5.0


def test_the_legend_stays_regular_on_a_tall_view(qtbot) -> None:
    _document, canvas = open_canvas(qtbot, spiral_project(), (1130, 562))
    assert not canvas.legend.compact
    assert canvas.legend.width() == 248


def test_the_selected_neuron_of_a_small_drawing_has_a_visible_ring(qtbot, tmp_path) -> None:
    _document, canvas = open_canvas(qtbot, digits_like_project(tmp_path), SMALL_CANVAS)
    x, y, w, h = canvas.layout_geometry.neuron_rects(1)[5]
    neuron = on_screen(canvas, QtCore.QRectF(x, y, w, h))
    assert neuron.height() < 8  # small on screen
    ring_area = neuron.adjusted(-5, -5, 5, 5)
    before = near(pixels_in(grab_image(canvas), ring_area), ACCENT, 30)
    canvas.select(Selection("neuron", 1, 5))
    image = grab_image(canvas)
    after = near(pixels_in(image, ring_area), ACCENT, 30)
    # A ring at least two pixels wide around the neuron: well over its perimeter in pixels.
    perimeter = 2 * (neuron.width() + neuron.height())
    assert after - before >= 2 * perimeter, (before, after, perimeter)
    # Each side of the ring is at least 2 px thick: count accent pixels on a line through it.
    row = round(neuron.center().y())
    line = pixels_in(image, QtCore.QRectF(neuron.right(), row, 6, 1))
    assert near(line, ACCENT, 30) >= 2


# ---- narrow lanes ----------------------------------------------------------------------------


def many_layers(units: int = 4) -> Project:
    """Seven hidden layers of ``units`` tanh neurons between two inputs and one output."""
    base = spiral_project()
    layers = tuple(LayerSpec(units=units, activation="tanh") for _ in range(7))
    network = dataclasses.replace(
        base.network, layers=(*layers, LayerSpec(units=1, activation="sigmoid"))
    )
    return dataclasses.replace(base, network=network)


def test_narrow_lanes_show_short_titles_whole_and_clear_of_the_layer_buttons(qtbot) -> None:
    document, canvas = open_canvas(qtbot, many_layers(), SMALL_CANVAS)
    document.change_units(1, 40)  # H2: a compact column in a narrow lane
    scale = canvas.zoom
    layout = canvas.layout_geometry
    for lane in canvas.lanes:
        title = lane.shown_title(scale)
        title_font, sub_font = lane.header_fonts(scale)
        # Whole: never elided, and readable.
        assert QtGui.QFontMetricsF(title_font).horizontalAdvance(title) <= lane._title_width()
        subtitle = lane.shown_subtitle(scale)
        assert QtGui.QFontMetricsF(sub_font).horizontalAdvance(subtitle) <= (
            lane._subtitle_width()
        ), subtitle
        assert title_font.pixelSize() * scale >= 8.0
        assert sub_font.pixelSize() * scale >= 7.5
    assert [lane.shown_title(scale) for lane in canvas.lanes[1:3]] == ["H1", "H2"]
    # The hidden layers' size and activation are shown whole.
    assert [lane.shown_subtitle(scale) for lane in canvas.lanes[1:4]] == [
        "4 tanh",
        "44 tanh",
        "4 tanh",
    ]
    # The title's room keeps clear of the "+ layer" buttons beside it.
    for gap in range(layout.layer_count - 1):
        cx, _cy = layout.gap_button_center(gap)
        lane = canvas.lanes[gap]
        right = lane._rect.right() + lane._title_reach()
        button_left = cx - layout.gap_button_radius
        assert (button_left - right) * scale >= TEXT_CLEARANCE_PIXELS - 0.5
    # The "N more" marker fits its lane (to within antialiasing: at its smallest readable
    # size it may not shrink further).
    column = canvas.columns[2]
    assert column.column.compact
    marker = on_screen(canvas, column.more_marker_rect(scale))
    lane_rect = on_screen(canvas, QtCore.QRectF(*layout.lane_rect(2)))
    assert lane_rect.left() - 0.5 <= marker.left() and marker.right() <= lane_rect.right() + 0.5


# ---- − / + glyphs ----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL_CANVAS, (683, 367)])
def test_unit_button_glyphs_are_dark_and_thick_enough(qtbot, size) -> None:
    _document, canvas = open_canvas(qtbot, spiral_project(), size)
    layout = canvas.layout_geometry
    image = grab_image(canvas)
    _minus, plus = layout.unit_button_centers(1)
    r = layout.button_radius
    button = on_screen(canvas, QtCore.QRectF(plus[0] - r, plus[1] - r, 2 * r, 2 * r))
    pixels = pixels_in(image, button.adjusted(1, 1, -1, -1))
    darkest = pixels[np.argmin(luminance(pixels))]
    background = np.array([248, 250, 252])
    assert contrast(darkest, background) >= 7.0, darkest
    # The stroke across the middle row is at least ~1.3 px of dark ink.
    row = pixels_in(image, QtCore.QRectF(button.center().x() - 1, button.top(), 1, button.height()))
    weight = np.clip((luminance(background) - luminance(row)) / luminance(background), 0, 1)
    assert weight.sum() >= 1.3, weight.round(2)
