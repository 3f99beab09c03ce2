"""Canvas cases once broken: the selection across a new document, narrow lanes' headers
with dropout, and the room between input or class names and their neurons."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nnstudio.spec import LayerSpec, Project
from nnstudio.ui.canvas.items import LaneItem
from nnstudio.ui.canvas.layout import LABEL_GAP_PIXELS, NetworkLayout
from nnstudio.ui.qt import QtCore, QtGui
from nnstudio.ui.selection import Selection
from tests.ui.test_canvas import click_scene, iris_project, neuron_center, spiral_project
from tests.ui.test_canvas_readable import SMALL_CANVAS, open_canvas

pytestmark = pytest.mark.gui

#: Seven hidden layers of 64 with dropout (activation, rate), as in the 1024 x 640 case that broke.
DEEP_LAYERS = (
    ("relu", 0.2),
    ("leaky_relu", 0.5),
    ("softplus", 0.0),
    ("gelu", 0.25),
    ("swish", 0.1),
    ("elu", 0.2),
    ("tanh", 0.3),
)


def deep_iris() -> Project:
    base = iris_project()
    hidden = tuple(LayerSpec(units=64, activation=a, dropout=d) for a, d in DEEP_LAYERS)
    output = base.network.layers[-1]
    return replace(base, network=replace(base.network, layers=(*hidden, output)))


def _advance(font: QtGui.QFont, text: str) -> float:
    return QtGui.QFontMetricsF(font).horizontalAdvance(text)


# ---- selection -------------------------------------------------------------------------------


def test_opening_another_project_clears_the_canvas_selection(window, qtbot) -> None:
    window.open_sample("spiral")
    canvas = window.canvas
    click_scene(qtbot, canvas, *neuron_center(canvas, 1, 0))
    assert window.selection == Selection("neuron", 1, 0)
    window.open_sample("iris")
    # Nothing is drawn selected while Properties shows the project.
    assert canvas.selection() is None and window.selection is None
    assert canvas.columns[1].selected_position is None
    assert window.properties_dock.properties.page_name == "summary"
    # Clicking that neuron of the new network shows it.
    click_scene(qtbot, canvas, *neuron_center(canvas, 1, 0))
    assert window.selection == Selection("neuron", 1, 0)
    assert window.properties_dock.properties.page_name == "neuron"


def test_clicking_the_selected_neuron_announces_it_again(qtbot) -> None:
    _document, canvas = open_canvas(qtbot, spiral_project(), (800, 500))
    canvas.select(Selection("neuron", 1, 2))
    # Whoever shows the selection may have turned to something else meanwhile.
    with qtbot.waitSignal(canvas.selectionChanged, timeout=1000) as signal:
        click_scene(qtbot, canvas, *neuron_center(canvas, 1, 2))
    assert signal.args == [Selection("neuron", 1, 2)]
    # Selecting in code what is selected stays quiet.
    with qtbot.assertNotEmitted(canvas.selectionChanged):
        canvas.select(Selection("neuron", 1, 2))


# ---- headers ---------------------------------------------------------------------------------


def test_the_canvas_offers_ever_shorter_subtitles(qtbot) -> None:
    _document, canvas = open_canvas(qtbot, deep_iris(), (800, 500))
    assert canvas.layer_short_subtitles(1) == ("64 relu d.2", "64 relu", "64")
    assert canvas.layer_short_subtitles(2) == ("64 lrelu d.5", "64 lrelu", "64")
    assert canvas.layer_short_subtitles(3) == ("64 soft+", "64")
    assert canvas.layer_short_subtitles(0) == ("4",)
    assert canvas.layer_short_subtitle(1) == "64 relu d.2"
    assert canvas.lanes[1].subtitles == ("64 relu · drop 0.2", "64 relu d.2", "64 relu", "64")


def test_a_narrow_lane_drops_the_dropout_rather_than_eliding_the_activation(qapp) -> None:
    wordings = ("64 relu d.2", "64 relu", "64")
    shown_texts = set()
    for height in range(240, 900, 47):
        layout = NetworkLayout((4, 64, 64, 3), 1.6, height)
        lane = LaneItem(
            layout, 1, "Hidden 1", "64 relu · drop 0.2", resizable=True, short_subtitle=wordings
        )
        room = lane._subtitle_width()
        for scale in (0.15, 0.2, 0.25, 0.3, 0.4, 0.6, 1.0):
            shown = lane.shown_subtitle(scale)
            _title, font = lane.header_fonts(scale)
            shown_texts.add(shown)
            # Whole: a shorter wording is chosen before any is elided ("64 rel…").
            assert _advance(font, shown) <= room + 0.5 or shown == "64", (height, scale, shown)
    # Narrow lanes shorten step by step, wide ones keep everything.
    assert {"64 relu · drop 0.2", "64 relu"} <= shown_texts


def test_narrow_lanes_with_dropout_show_their_headers_whole(qtbot) -> None:
    # The canvas of a 1024 x 640 window.
    _document, canvas = open_canvas(qtbot, deep_iris(), SMALL_CANVAS)
    scale = canvas.zoom
    for lane in canvas.lanes:
        shown = lane.shown_subtitle(scale)
        _title, font = lane.header_fonts(scale)
        assert _advance(font, shown) <= lane._subtitle_width() + 0.5, shown
        assert font.pixelSize() * scale >= 7.5, shown
    # Relu and tanh keep their names, not "rel…" / "tan…".
    assert canvas.lanes[1].shown_subtitle(scale).startswith("64 relu")
    assert canvas.lanes[7].shown_subtitle(scale).startswith("64 tanh")


# ---- labels ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL_CANVAS, (630, 386)])
def test_input_and_class_names_keep_clear_of_their_neurons(qtbot, size) -> None:
    _document, canvas = open_canvas(qtbot, deep_iris(), size)
    scale = canvas.zoom
    viewport = canvas.viewport().rect()
    for column in (canvas.columns[0], canvas.columns[-1]):
        assert column.labels is not None
        font = column.label_font_at(scale, column.label_stride(scale))
        positions = column.labelled_positions(scale)
        assert len(positions) == len(column.labels)  # every name shown
        for position in positions:
            box, _align = column.label_box(position)
            width = _advance(font, column.labels[position])
            neuron = column._rects[position]
            if column.label_side == "left":
                gap = neuron.left() - box.right()
                end = canvas.mapFromScene(QtCore.QPointF(box.right() - width, box.center().y()))
            else:
                gap = box.left() - neuron.right()
                end = canvas.mapFromScene(QtCore.QPointF(box.left() + width, box.center().y()))
            assert gap * scale >= LABEL_GAP_PIXELS - 0.5, (column.label_side, gap * scale)
            # and the whole name is in view.
            assert viewport.left() <= end.x() <= viewport.right()
