"""The "N more" markers of compact columns count the neurons left out alike in every column,
shortened to "+N" only when a lane is too narrow, and hover names the neurons."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nnstudio.spec import LayerSpec, Project
from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.qt import QtCore
from tests.ui.test_canvas_compact import on_screen
from tests.ui.test_canvas_readable import SMALL_CANVAS, open_canvas, spiral_project

pytestmark = pytest.mark.gui


def spiral_with(*units: int) -> Project:
    """The spiral with hidden layers of ``units`` neurons (tanh) and one sigmoid output."""
    project = spiral_project()
    layers = (*(LayerSpec(count, "tanh") for count in units), LayerSpec(1, "sigmoid"))
    return replace(project, network=replace(project.network, layers=layers))


def marker_texts(canvas: NetworkCanvas) -> list[str]:
    """What the markers of the compact columns say on screen, left to right."""
    scale = canvas.zoom
    return [item._marker_text(scale)[0] for item in canvas.columns if item.column.compact]


def marker_hover(canvas: NetworkCanvas, drawn: int) -> str:
    column = canvas.layout_geometry.columns[drawn]
    return canvas.hover_text(QtCore.QPointF(column.x, column.ellipsis_y))


def test_a_narrow_lane_counts_with_a_plus_and_hover_names_the_neurons(qtbot) -> None:
    # Six layers in the studio's canvas at 1024 x 640: "38 more" is wider than the lane.
    _document, canvas = open_canvas(qtbot, spiral_with(54, 14, 14, 14, 16), SMALL_CANVAS)
    assert marker_texts(canvas) == ["+38"]
    item = canvas.columns[1]
    marker = on_screen(canvas, item.more_marker_rect(canvas.zoom))
    lane = canvas.mapFromScene(canvas.lanes[1].sceneBoundingRect()).boundingRect()
    assert lane.left() <= marker.left() and marker.right() <= lane.right()
    # Neurons 1-12 and 51-54 are drawn: the marker stands for 13-50.
    assert marker_hover(canvas, 1) == "38 more neurons of Hidden 1 (13–50 of 54) are not drawn"


def test_markers_word_their_counts_alike(qtbot) -> None:
    # Wide enough for "38 more" but not for "124 more": both columns say "+N".
    _document, canvas = open_canvas(qtbot, spiral_with(54, 140, 14, 14), (540, 300))
    assert marker_texts(canvas) == ["+38", "+124"]
    # Wide enough for both: both say "N more".
    canvas.resize(900, 300)
    assert marker_texts(canvas) == ["38 more", "124 more"]
    assert marker_hover(canvas, 2) == "124 more neurons of Hidden 2 (13–136 of 140) are not drawn"
