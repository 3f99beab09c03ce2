"""Each column of the canvas sizes its neurons for its own height.

Beside a tall hidden layer, the inputs and a one-neuron output (whose heatmap is the
network's decision region) stay pictures instead of thumbnails; layers too tall for the view
turn compact before their neurons become slivers; a wide and shallow network uses the
view's height. Sizes are measured on screen, at the zoom the layout was planned for or
through the view's transform.
"""

from __future__ import annotations

import itertools

import pytest

from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.canvas.layout import NetworkLayout
from nnstudio.ui.qt import QtCore, QtGui
from tests.ui.test_canvas_readable import (
    MEDIUM_CANVAS,
    open_canvas,
    show_trained_frame,
    spiral_project,
)

pytestmark = pytest.mark.gui

#: Room a 1920 x 1080 window gives the drawing (above the legend).
LARGE_ROOM = (1130, 512)
#: Room a 1280 x 800 window gives it.
MEDIUM_ROOM = (630, 336)


def planned(sizes: tuple[int, ...], room: tuple[int, int]) -> NetworkLayout:
    width, height = room
    return NetworkLayout(sizes, aspect=width / height, view_height=height, label_widths=(14, 60))


def side_pixels(layout: NetworkLayout, drawn: int) -> float:
    """On-screen side of a column's neurons at the zoom the layout was planned for."""
    assert layout.planned_scale is not None
    return float(layout.neuron_rects(drawn)[0, 2]) * layout.planned_scale


def on_screen(canvas: NetworkCanvas, rect: QtCore.QRectF) -> QtCore.QRectF:
    return canvas.viewportTransform().mapRect(rect)


def test_inputs_and_output_beside_a_16_unit_layer_are_pictures(qtbot) -> None:
    """The spiral sample at 1280 x 800: the two input heatmaps and the decision-region
    output were 13 px squares beside the 16-unit layers; now they are large, within a cap,
    and everything attached to them follows (edges, hit-testing, labels, item bounds)."""
    document, canvas = open_canvas(qtbot, spiral_project(), MEDIUM_CANVAS)
    show_trained_frame(document, canvas)
    canvas.fit()
    layout = canvas.layout_geometry
    last = layout.layer_count - 1
    sides = []
    for drawn in range(layout.layer_count):
        x, y, w, h = layout.neuron_rects(drawn)[0]
        sides.append(on_screen(canvas, QtCore.QRectF(x, y, w, h)).width())
    hidden = min(sides[1:last])
    assert hidden >= 12.0, sides
    for outer in (sides[0], sides[last]):
        # A picture, three times the hidden neurons at least, but not a poster.
        assert 40.0 <= outer <= 81.0, sides
        assert outer >= 3 * hidden, sides

    # Edges start and end on each neuron's own edge.
    for drawn in range(1, layout.layer_count):
        segments, sources, targets = layout.edge_segments(drawn)
        src, dst = layout.neuron_rects(drawn - 1), layout.neuron_rects(drawn)
        src_pos = {int(n): k for k, n in enumerate(layout.columns[drawn - 1].indices)}
        dst_pos = {int(n): k for k, n in enumerate(layout.columns[drawn].indices)}
        for segment, source, target in zip(segments, sources, targets, strict=True):
            s, d = src[src_pos[int(source)]], dst[dst_pos[int(target)]]
            assert segment[0] == pytest.approx(s[0] + s[2])
            assert segment[1] == pytest.approx(s[1] + s[3] / 2)
            assert segment[2] == pytest.approx(d[0])
            assert segment[3] == pytest.approx(d[1] + d[3] / 2)

    # A click anywhere on the large output neuron, near its corner too, hits it.
    x, y, w, h = layout.neuron_rects(last)[0]
    hit = canvas.hit_test(QtCore.QPointF(x + 0.9 * w, y + 0.1 * h))
    assert hit is not None and (hit.kind, hit.layer, hit.neuron) == ("neuron", last, 0)

    # The column items hold their grown neurons (cache bounds), and the input labels sit
    # left of their neurons, inside the input lane.
    for drawn in (0, last):
        column = canvas.columns[drawn]
        bounds = column.boundingRect()
        for rect in layout.neuron_rects(drawn):
            assert bounds.contains(QtCore.QRectF(*rect).adjusted(-3, -3, 3, 3))
    inputs = canvas.columns[0]
    scale = canvas.zoom
    metrics = QtGui.QFontMetricsF(inputs.label_font_at(scale, inputs.label_stride(scale)))
    lane_left = layout.lane_rect(0)[0]
    for position in inputs.labelled_positions(scale):
        box, align = inputs.label_box(position)
        flags = int((align | QtCore.Qt.TextFlag.TextDontClip).value)
        text = metrics.boundingRect(box, flags, inputs.labels[position])
        assert text.right() < layout.neuron_rects(0)[position][0]
        assert text.left() >= lane_left


@pytest.mark.parametrize("room", [MEDIUM_ROOM, LARGE_ROOM])
def test_hidden_neurons_do_not_shrink_to_slivers_between_16_and_64_units(room) -> None:
    """2-N-1 networks: at 24 and 32 units the hidden neurons were 6-10 px, smaller than
    those of a 64-unit layer drawn compactly. Now the compact drawing starts in time."""
    sides = {units: side_pixels(planned((2, units, 1), room), 1) for units in (8, 16, 24, 32, 64)}
    readable = 11.5
    assert min(sides.values()) >= readable, sides
    ordered = [sides[units] for units in (8, 16, 24, 32, 64)]
    # Never better again at 64 than at fewer units.
    for fewer, more in itertools.pairwise(ordered):
        assert more <= fewer + 0.5, sides


def test_a_layer_all_drawn_stays_whole_while_its_neurons_are_large_enough() -> None:
    """A 24-unit layer in a tall view is shown whole: only small neurons turn compact."""
    layout = planned((2, 24, 1), (1700, 1100))
    assert layout.columns[1].indices.size == 24
    assert side_pixels(layout, 1) >= 20.0
    assert not layout.columns[1].compact


@pytest.mark.parametrize("room", [MEDIUM_ROOM, LARGE_ROOM])
def test_twelve_layers_of_three_use_the_height(room) -> None:
    """A wide and shallow network filled a band a quarter of the view high."""
    layout = planned((2, *[3] * 12, 1), room)
    scale = layout.planned_scale
    assert scale is not None
    width, height = room
    body = (layout.body_bottom - layout.body_top) * scale
    _x, _y, w, _h = layout.bounds()
    assert w * scale <= width  # still fits the width
    assert body >= 0.35 * height, body
    if room == LARGE_ROOM:
        assert body >= 0.55 * height, body
        assert side_pixels(layout, 1) >= 30.0
    else:
        assert side_pixels(layout, 1) >= 12.0
