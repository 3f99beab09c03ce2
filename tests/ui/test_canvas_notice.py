"""The canvas's notices stay in the band below the drawing, show the newest message only and
never outlive the data they are about."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.qt import QtCore
from tests.ui.test_canvas_readable import MEDIUM_CANVAS, SMALL_CANVAS, open_canvas, spiral_project

pytestmark = pytest.mark.gui

#: Most lines a notice may take: more would reach from the band into the drawing.
MAX_LINES = 2

LONG = (
    "Output activation changed from sigmoid to identity for 1 target column (sigmoid "
    "outputs are between 0 and 1, a target is \u22122.664)"
)


def lanes_on_screen(canvas: NetworkCanvas) -> QtCore.QRect:
    """The lanes (headers included) on the canvas, in the canvas's coordinates."""
    rect = QtCore.QRect()
    for lane in canvas.lanes:
        rect = rect.united(canvas.mapFromScene(lane.sceneBoundingRect()).boundingRect())
    return rect.translated(canvas.viewport().geometry().topLeft())


def assert_in_the_band(canvas: NetworkCanvas) -> None:
    banner = canvas.notice_banner
    assert banner.isVisible()
    geometry = banner.geometry()
    assert canvas.viewport().geometry().contains(geometry)
    assert geometry.top() > lanes_on_screen(canvas).bottom(), (geometry, lanes_on_screen(canvas))
    assert not geometry.intersects(canvas.zoom_bar.geometry())
    assert 1 <= len(banner.text().split("\n")) <= MAX_LINES


def test_notices_of_a_data_change_keep_below_the_lanes_and_drop_the_old_data(qtbot) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), SMALL_CANVAS)
    data = document.project.data
    # Regression data: the output activation and the loss change (two notices).
    document.set_data(replace(data, builtin="plane"))
    banner = canvas.notice_banner
    assert len(banner.messages) == 2
    assert_in_the_band(canvas)
    # The newest message is shown, the earlier one counted and read in the tooltip.
    assert banner.text().startswith("Loss changed")
    assert "+1" in banner.text() and "earlier" in banner.text()
    assert "Output activation changed" in banner.toolTip()
    # One input feature: the input layer shrinks. Plane's notices are about old data.
    document.set_data(replace(document.project.data, builtin="sine"))
    assert banner.messages == ["Input layer resized from 2 to 1 input to match the 1 feature"]
    assert "activation" not in banner.text() + banner.toolTip()
    assert_in_the_band(canvas)
    # Housing fits the network as it is: no notice, and Sine's is gone.
    document.set_data(replace(document.project.data, builtin="housing"))
    assert not banner.isVisible()
    assert banner.messages == []


def test_undoing_a_data_change_drops_its_notice(qtbot) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), SMALL_CANVAS)
    document.set_data(replace(document.project.data, builtin="sine"))
    assert canvas.notice_banner.isVisible()
    document.undo_stack.undo()
    assert not canvas.notice_banner.isVisible()


@pytest.mark.parametrize("size", [SMALL_CANVAS, MEDIUM_CANVAS, (1200, 760)])
def test_a_long_notice_is_elided_to_the_band(qtbot, size) -> None:
    _document, canvas = open_canvas(qtbot, spiral_project(), size)
    for _ in range(2):
        canvas.show_notice(LONG)
        canvas.show_notice("Weights were reset")
        canvas.show_notice(LONG + " " + LONG)
    banner = canvas.notice_banner
    assert_in_the_band(canvas)
    text = banner.text()
    assert text.replace("\n", " ").startswith("Output activation changed")
    assert "…" in text and text.endswith("+2\u00a0earlier")
    # Every message still on screen reads in full in the tooltip.
    assert LONG + " " + LONG in banner.toolTip()
    assert "Weights were reset" in banner.toolTip()


def test_a_notice_stays_readable_when_the_band_is_thin(qtbot) -> None:
    # A one-row key leaves a band for one line: the notice takes one, never two.
    _document, canvas = open_canvas(qtbot, spiral_project(), (520, 300))
    canvas.show_notice(LONG)
    banner = canvas.notice_banner
    assert_in_the_band(canvas)
    assert banner.text().count("\n") == 0
