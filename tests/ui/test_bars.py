"""Coloured bars: each bar drawn from 0 to its height in its own colour."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.ui.plots.bars import ColouredBars
from nnstudio.ui.qt import QtCore, QtGui, pg


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget()
    widget.setBackground("w")
    widget.hideAxis("left")
    widget.hideAxis("bottom")
    widget.setMouseEnabled(x=False, y=False)
    widget.hideButtons()
    qtbot.addWidget(widget)
    widget.resize(200, 200)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _pixel(widget, x: float, y: float) -> tuple[int, int, int]:
    """The colour drawn at data point (x, y)."""
    image = widget.grab().toImage()
    point = widget.plotItem.vb.mapViewToScene(QtCore.QPointF(x, y))
    view_point = widget.mapFromScene(point)
    return QtGui.QColor(image.pixel(view_point)).getRgb()[:3]


def test_bars_are_drawn_in_their_colours_up_and_down_from_zero(plot) -> None:
    bars = ColouredBars(width=0.8)
    plot.addItem(bars)
    rgb = np.array([[200, 30, 30], [30, 30, 200], [200, 30, 30]], dtype=np.uint8)
    bars.set_bars(np.array([1.0, 2.0, 3.0]), np.array([1.0, -1.0, 0.5]), rgb)
    plot.setXRange(0.5, 3.5, padding=0)
    plot.setYRange(-1.0, 1.0, padding=0)
    assert bars.color_count() == 2  # the two red bars are one path
    assert _pixel(plot, 1.0, 0.5) == (200, 30, 30)
    assert _pixel(plot, 2.0, -0.5) == (30, 30, 200)
    assert _pixel(plot, 3.0, 0.25) == (200, 30, 30)
    # Above a bar's height, below zero for a rising bar, and in the gaps: background.
    assert _pixel(plot, 3.0, 0.75) == (255, 255, 255)
    assert _pixel(plot, 1.0, -0.5) == (255, 255, 255)
    assert _pixel(plot, 1.5, 0.5) == (255, 255, 255)
    bounds = bars.boundingRect()
    assert (bounds.left(), bounds.right()) == pytest.approx((0.6, 3.4))
    assert (bounds.top(), bounds.bottom()) == pytest.approx((-1.0, 1.0))


def test_new_heights_replace_the_bars_and_non_finite_ones_are_left_out(plot) -> None:
    bars = ColouredBars()
    plot.addItem(bars)
    red = np.array([[200, 30, 30]] * 2, dtype=np.uint8)
    bars.set_bars(np.array([1.0, 2.0]), np.array([1.0, 1.0]), red)
    bars.set_bars(np.array([1.0, 2.0]), np.array([np.nan, -1.0]), red)
    plot.setXRange(0.5, 2.5, padding=0)
    plot.setYRange(-1.0, 1.0, padding=0)
    np.testing.assert_array_equal(bars.heights, [np.nan, -1.0])
    assert _pixel(plot, 1.0, 0.5) == (255, 255, 255)
    assert _pixel(plot, 2.0, 0.5) == (255, 255, 255)
    assert _pixel(plot, 2.0, -0.5) == (200, 30, 30)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="3, 2 and 3"):
        ColouredBars().set_bars(np.arange(3.0), np.ones(2), np.zeros((3, 3), dtype=np.uint8))


def test_bars_narrower_than_a_pixel_show_each_columns_extremes(plot) -> None:
    bars = ColouredBars(width=0.8)
    plot.addItem(bars)
    n = 800  # four bars per pixel column of a plot 200 pixels wide
    heights = np.where(np.arange(n) % 2 == 0, 1.0, -1.0) * np.linspace(0.6, 1.0, n)
    rgb = np.where((heights > 0)[:, None], [[200, 30, 30]], [[30, 30, 200]]).astype(np.uint8)
    bars.set_bars(np.arange(1.0, n + 1), heights, rgb)
    plot.setXRange(0.6, n + 0.4, padding=0)
    plot.setYRange(-1.0, 1.0, padding=0)
    image = plot.grab().toImage()
    box = plot.plotItem.vb.sceneBoundingRect()
    columns = range(int(box.left()) + 2, int(box.right()) - 2)

    def row_colors(value: float) -> list[tuple[int, int, int]]:
        y = plot.mapFromScene(plot.plotItem.vb.mapViewToScene(QtCore.QPointF(1, value))).y()
        return [QtGui.QColor(image.pixel(x, y)).getRgb()[:3] for x in columns]

    # Every column has a bar above zero and one below, though each bar is 0.2 px wide.
    assert set(row_colors(0.5)) == {(200, 30, 30)}
    assert set(row_colors(-0.5)) == {(30, 30, 200)}
    # Each column reaches its tallest bar: the right end (heights up to 1.0) nearly the top.
    assert row_colors(0.97)[-3:] == [(200, 30, 30)] * 3
