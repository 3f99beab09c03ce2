"""A short canvas (the studio's window at 1024 x 640) gives its height to the neurons: its
headers are compact, and its labels stay clear of one another and of the "N more" marker.

Sizes are measured on screen, through the view's transform.
"""

from __future__ import annotations

import itertools

import pytest

from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.canvas.items import NeuronColumnItem
from nnstudio.ui.canvas.layout import COMPACT_HEADER, NetworkLayout
from nnstudio.ui.qt import QtCore, QtGui
from tests.ui.test_canvas_readable import (
    MEDIUM_CANVAS,
    READABLE,
    SMALL_CANVAS,
    digits_like_project,
    iris_project,
    open_canvas,
    show_trained_frame,
    spiral_project,
)

pytestmark = pytest.mark.gui


def on_screen(canvas: NetworkCanvas, rect: QtCore.QRectF) -> QtCore.QRectF:
    """A scene rectangle where the view shows it (fractional pixels)."""
    return canvas.viewportTransform().mapRect(rect)


def neuron_side(canvas: NetworkCanvas, drawn: int) -> float:
    x, y, w, h = canvas.layout_geometry.neuron_rects(drawn)[0]
    return on_screen(canvas, QtCore.QRectF(x, y, w, h)).height()


def header_text_pixels(canvas: NetworkCanvas) -> list[tuple[str, float, float]]:
    """Title and subtitle size (pixels on screen) of every lane."""
    scale = canvas.zoom
    sizes = []
    for lane in canvas.lanes:
        title, subtitle = lane.header_fonts(scale)
        sizes.append((lane.title, title.pixelSize() * scale, subtitle.pixelSize() * scale))
    return sizes


def label_rects(canvas: NetworkCanvas, column: NeuronColumnItem) -> list[QtCore.QRectF]:
    """Where the drawn labels of a column are on screen."""
    scale = canvas.zoom
    font = column.label_font_at(scale, column.label_stride(scale))
    metrics = QtGui.QFontMetricsF(font)
    assert column.labels is not None
    rects = []
    for position in column.labelled_positions(scale):
        box, align = column.label_box(position)
        flags = int((align | QtCore.Qt.TextFlag.TextDontClip).value)
        text = metrics.boundingRect(box, flags, column.labels[position])
        rects.append(on_screen(canvas, text))
    return rects


def apart(first: QtCore.QRectF, second: QtCore.QRectF) -> bool:
    """Whether two on-screen boxes do not overlap (touching edges allowed)."""
    return not first.adjusted(0.25, 0.25, -0.25, -0.25).intersects(second)


def test_the_neurons_of_a_short_view_get_its_height(qtbot) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), SMALL_CANVAS)
    show_trained_frame(document, canvas)
    canvas.fit()
    layout = canvas.layout_geometry
    assert layout.style == COMPACT_HEADER
    # The 16-neuron layers: was 4.5 px with the headers of a tall view.
    assert neuron_side(canvas, 1) >= 7.0, neuron_side(canvas, 1)
    # The header (two rows) takes a sixth of the room at most, and its text stays readable.
    header = layout.header_height * canvas.zoom
    assert header <= canvas._fit_room() / 6, header
    for title, title_px, subtitle_px in header_text_pixels(canvas):
        assert title_px >= READABLE and subtitle_px >= READABLE, (title, title_px, subtitle_px)
    # − and + sit on the subtitle's row, clear of it: "− 16 tanh +".
    assert not layout.stacked_header
    lane = canvas.lanes[1]
    minus, plus = layout.unit_button_centers(1)
    radius = layout.button_radius
    room = lane._subtitle_width()
    _title, subtitle = lane.header_fonts(canvas.zoom)
    assert QtGui.QFontMetricsF(subtitle).horizontalAdvance(lane.subtitle) <= room
    assert minus[0] + radius <= layout.columns[1].x - room / 2
    assert plus[0] - radius >= layout.columns[1].x + room / 2
    # The drawing uses the view's width as well as its height.
    x, y, w, h = layout.bounds()
    drawing = on_screen(canvas, QtCore.QRectF(x, y, w, h))
    assert drawing.width() >= 0.85 * canvas.viewport().width(), drawing
    assert drawing.height() >= 0.85 * canvas._fit_room(), drawing


def test_a_short_view_of_digits_keeps_its_neurons_and_labels_apart(qtbot, tmp_path) -> None:
    document, canvas = open_canvas(qtbot, digits_like_project(tmp_path), SMALL_CANVAS)
    show_trained_frame(document, canvas)
    canvas.fit()
    # The 32-neuron layer: was 1.5 px.
    assert neuron_side(canvas, 1) >= 4.0, neuron_side(canvas, 1)
    for title, title_px, subtitle_px in header_text_pixels(canvas):
        assert title_px >= READABLE and subtitle_px >= READABLE, (title, title_px, subtitle_px)
    inputs, outputs = canvas.columns[0], canvas.columns[-1]
    marker = on_screen(canvas, inputs.more_marker_rect(canvas.zoom))
    for column in (inputs, outputs):
        rects = label_rects(canvas, column)
        assert len(rects) >= 3
        for first, second in itertools.pairwise(rects):
            assert apart(first, second), (column.labels, first, second)
        for rect in rects:
            assert apart(rect, marker), (rect, marker)
    # The names of the first and the last input show.
    positions = inputs.labelled_positions(canvas.zoom)
    assert positions[0] == 0 and positions[-1] == len(inputs.labels) - 1


@pytest.mark.parametrize("size", [SMALL_CANVAS, MEDIUM_CANVAS])
def test_labels_thinned_for_close_rows_never_overlap(qtbot, tmp_path, size) -> None:
    _document, canvas = open_canvas(qtbot, digits_like_project(tmp_path), size)
    inputs = canvas.columns[0]
    marker = on_screen(canvas, inputs.more_marker_rect(canvas.zoom))
    for zoom in (0.5, 0.8, 1.0, 1.5, 3.0):
        # Zoomed out and in around the fit: the stride follows the rows on screen.
        canvas.fit()
        canvas.zoom_by(zoom)
        marker = on_screen(canvas, inputs.more_marker_rect(canvas.zoom))
        rects = label_rects(canvas, inputs)
        assert rects
        for first, second in itertools.pairwise(rects):
            assert apart(first, second), (zoom, first, second)
        assert all(apart(rect, marker) for rect in rects), zoom


def test_a_tall_view_keeps_the_regular_headers(qtbot) -> None:
    _document, canvas = open_canvas(qtbot, iris_project(), MEDIUM_CANVAS)
    assert canvas.layout_geometry.style != COMPACT_HEADER
    assert canvas.layout_geometry.header_height * canvas.zoom >= 50


def test_small_neurons_under_regular_headers_take_compact_ones(qtbot) -> None:
    # The spiral's 16-neuron layers in the canvas of a 1280 x 800 window: under regular
    # headers (with − / + on a row of their own) the neurons were about 7 px.
    document, canvas = open_canvas(qtbot, spiral_project(), MEDIUM_CANVAS)
    show_trained_frame(document, canvas)
    canvas.fit()
    assert canvas.layout_geometry.style == COMPACT_HEADER
    assert neuron_side(canvas, 1) >= 11.0, neuron_side(canvas, 1)
    assert min(size for _title, *sizes in header_text_pixels(canvas) for size in sizes) >= 8


def test_a_layout_without_a_view_keeps_the_regular_headers() -> None:
    layout = NetworkLayout((2, 16, 16, 1))
    assert layout.style != COMPACT_HEADER
    assert layout.planned_scale is None


@pytest.mark.parametrize(
    ("sizes", "view"),
    [((2, 4, 4, 4, 4, 4, 4, 4, 1), (450, 250)), ((2, *[8] * 10, 1), (600, 400))],
)
def test_neurons_limited_by_the_width_spread_their_rows_over_the_height(sizes, view) -> None:
    width, height = view
    layout = NetworkLayout(sizes, aspect=width / height, view_height=height)
    scale = layout.planned_scale
    assert scale is not None
    # The lanes reach most of the way down the view (they filled half of it before) ...
    assert (layout.lane_bottom - layout.lane_top) * scale >= 0.8 * height
    # ... with the neurons' own size unchanged and their rows apart, but not scattered.
    assert layout.neuron_size < layout.pitch <= 3.0 * layout.neuron_size + 1e-9
    for column in layout.columns:
        gaps = column.centers_y[1:] - column.centers_y[:-1]
        assert (gaps >= layout.neuron_size).all()
