"""The canvas asks for no more height than its compact layout needs, and at its minimum size
the drawing still reads: planned for the view, readable headers, the key clear of them."""

from __future__ import annotations

import pytest

from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.qt import QtCore
from tests.ui.test_canvas_readable import (
    READABLE,
    digits_like_project,
    drawing_on_screen,
    fitted_room,
    open_canvas,
    show_trained_frame,
    spiral_project,
)

pytestmark = pytest.mark.gui


def header_rects(canvas: NetworkCanvas) -> list[QtCore.QRect]:
    """The lanes' headers on the canvas (its coordinates)."""
    layout = canvas.layout_geometry
    offset = canvas.viewport().geometry().topLeft()
    rects = []
    for drawn in range(layout.layer_count):
        x, y, w, h = layout.header_rect(drawn)
        rect = canvas.mapFromScene(QtCore.QRectF(x, y, w, h)).boundingRect()
        rects.append(rect.translated(offset))
    return rects


def test_the_minimum_height_leaves_a_window_room_for_a_banner(qtbot) -> None:
    _document, canvas = open_canvas(qtbot, spiral_project(), (457, 292))
    assert canvas.minimumWidth() == 320
    assert 160 <= canvas.minimumHeight() <= 180


@pytest.mark.parametrize("width", [320, 457])
@pytest.mark.parametrize("name", ["spiral", "digits"])
def test_the_drawing_reads_at_the_minimum_height(qtbot, tmp_path, name, width) -> None:
    project = spiral_project() if name == "spiral" else digits_like_project(tmp_path)
    document, canvas = open_canvas(qtbot, project, (width, 292))
    show_trained_frame(document, canvas)
    canvas.resize(width, canvas.minimumHeight())
    assert canvas.height() == canvas.minimumHeight()
    # Planned for this view: the drawing fills the room above the key, its headers and
    # neuron rows keep a readable size on screen.
    drawing = drawing_on_screen(canvas)
    room_width, room = fitted_room(canvas)
    assert drawing.height() >= 0.8 * room or drawing.width() >= 0.8 * room_width, drawing
    scale = canvas.zoom
    for lane in canvas.lanes:
        title, _subtitle = lane.header_fonts(scale)
        assert title.pixelSize() * scale >= READABLE, (lane.title, title.pixelSize() * scale)
    # Rows of neurons stay apart (a gap between neighbours), even in a 32-row column.
    layout = canvas.layout_geometry
    pitch = min(column.pitch for column in layout.columns)
    assert pitch * scale >= 1.5 and layout.neuron_size < pitch
    # The key and the zoom buttons stay inside the view, below the headers, apart.
    viewport = canvas.viewport().geometry()
    legend, bar = canvas.legend.geometry(), canvas.zoom_bar.geometry()
    assert canvas.legend.isVisible() and canvas.zoom_bar.isVisible()
    assert viewport.contains(legend) and viewport.contains(bar)
    assert not legend.intersects(bar)
    for header in header_rects(canvas):
        assert not legend.intersects(header) and not bar.intersects(header), header
