"""Canvas text that is sized to its room fits that room whole, at every zoom and view size."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.ui.canvas.items import LaneItem, NeuronColumnItem
from nnstudio.ui.canvas.layout import NetworkLayout
from nnstudio.ui.qt import QtGui

pytestmark = pytest.mark.gui

SCALES = np.linspace(0.2, 2.5, 24)
#: Canvas viewport heights: the layout sizes its text for the room it is fitted into.
VIEW_HEIGHTS = range(240, 900, 23)
#: The subtitle may shrink below its drawn size to fit, but not below this on screen.
SMALLEST_SUBTITLE_PIXELS = 8.0


def _layouts(units: int) -> list[NetworkLayout]:
    return [NetworkLayout((2, units, 16, 1), 1.6, height) for height in VIEW_HEIGHTS]


def _advance(font: QtGui.QFont, text: str) -> float:
    return QtGui.QFontMetricsF(font).horizontalAdvance(text)


@pytest.mark.parametrize("subtitle", ["16 tanh", "4 relu", "8 elu"])
def test_a_subtitle_that_fits_is_never_cut_by_rounding_its_size(qapp, subtitle: str) -> None:
    for layout in _layouts(16):
        lane = LaneItem(layout, 1, "Hidden 1", subtitle, resizable=True)
        room = lane._subtitle_width()
        for scale in SCALES:
            _title, font = lane.header_fonts(float(scale))
            assert _advance(font, subtitle) <= room, (layout.ui, scale, font.pixelSize())


@pytest.mark.parametrize("subtitle", ["16 leaky_relu", "16 softplus", "300 sigmoid"])
def test_a_long_activation_name_shrinks_to_fit_between_the_buttons(qapp, subtitle: str) -> None:
    for layout in _layouts(int(subtitle.split()[0])):
        lane = LaneItem(layout, 1, "Hidden 1", subtitle, resizable=True)
        room = lane._subtitle_width()
        for scale in SCALES:
            _title, font = lane.header_fonts(float(scale))
            on_screen = font.pixelSize() * scale
            # Whole, unless that would take it below a readable size (then it is elided).
            if _advance(font, subtitle) > room:
                assert on_screen <= SMALLEST_SUBTITLE_PIXELS + 1, (layout.ui, scale, on_screen)
            else:
                assert on_screen >= SMALLEST_SUBTITLE_PIXELS - 1 or font.pixelSize() >= (
                    lane._subtitle_font.pixelSize()
                )


def test_neuron_labels_sized_to_their_room_fit_it(qapp) -> None:
    labels = ["sepal_length", "sepal_width"]
    for layout in _layouts(16):
        column = NeuronColumnItem(layout, 0, labels, "left", has_bias=False)
        room = layout.label_width - 10
        for scale in SCALES:
            font = column.label_font_at(float(scale))
            widest = max(_advance(font, text) for text in labels)
            assert widest <= room or font.pixelSize() == column._label_font.pixelSize()


def test_close_rows_label_every_few_neurons_in_readable_text(qapp) -> None:
    from nnstudio.ui.canvas.items import MIN_TEXT_PIXELS

    labels = [f"pixel_{i // 8}_{i % 8}" for i in range(16)]
    for height in VIEW_HEIGHTS:
        layout = NetworkLayout((16, 8, 16), 1.6, height)
        inputs = NeuronColumnItem(layout, 0, labels, "left", has_bias=False)
        outputs = NeuronColumnItem(layout, 2, labels, "right", has_bias=False)
        assert inputs.labels is not None and outputs.labels is not None
        room = layout.label_width - 10
        for scale in SCALES:
            scale = float(scale)
            stride = inputs.label_stride(scale)
            font = inputs.label_font_at(scale, stride)
            on_screen = font.pixelSize() * scale
            row_limit = 0.85 * layout.pitch * scale
            width_limit = inputs._label_width_limit * scale
            if row_limit >= MIN_TEXT_PIXELS or width_limit <= row_limit:
                # Every neuron labelled while rows are far enough apart, or while the room
                # beside the column limits the labels more than their rows do.
                assert stride == 1
            else:
                assert stride > 1
                # Thinned labels are readable, or as large as their width allows.
                widest = max(_advance(font, text) for text in labels)
                assert on_screen >= MIN_TEXT_PIXELS - 1 or widest >= 0.9 * room
                # and labels a stride apart do not touch.
                assert font.pixelSize() <= 0.85 * layout.pitch * stride + 1
            # Class names beside close rows are thinned alike (hover names the others).
            assert outputs.label_stride(scale) == stride


def test_a_narrow_lane_abbreviates_a_long_activation_rather_than_shrinking_it(qapp) -> None:
    shortened = 0
    for layout in _layouts(16):
        lane = LaneItem(
            layout, 1, "Hidden 1", "16 leaky_relu", resizable=True, short_subtitle="16 lrelu"
        )
        room = lane._subtitle_width()
        for scale in SCALES:
            _title, font = lane.header_fonts(float(scale))
            shown = lane.shown_subtitle(float(scale))
            assert _advance(font, shown) <= room + 0.5, (layout.ui, scale, shown)
            full = LaneItem(layout, 1, "Hidden 1", "16 leaky_relu", resizable=True)
            _title, full_font = full.header_fonts(float(scale))
            if shown == "16 lrelu":
                shortened += 1
                # Only where the full name would have been cut or drawn clearly smaller.
                assert _advance(full_font, "16 leaky_relu") > room or (
                    full_font.pixelSize() < 0.85 * font.pixelSize() + 1e-9
                )
            else:
                assert shown == "16 leaky_relu"
    assert shortened > 0


def test_the_canvas_abbreviates_only_long_activation_names(qtbot) -> None:
    from nnstudio.ui.canvas.view import ACTIVATION_ABBREVIATIONS, NetworkCanvas
    from nnstudio.ui.document import StudioDocument

    document = StudioDocument()
    canvas = NetworkCanvas(document)
    qtbot.addWidget(canvas)
    network = document.project.network
    for drawn, layer in enumerate(network.layers, start=1):
        short = canvas.layer_short_subtitle(drawn)
        assert short.split()[0] == str(layer.units)
        assert len(short) <= len(canvas.layer_subtitle(drawn))
    assert canvas.layer_short_subtitle(0) == str(network.inputs)
    assert all(len(short) < len(name) for name, short in ACTIVATION_ABBREVIATIONS.items())
