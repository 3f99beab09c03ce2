"""The canvas's colour key: drawn again only when what it shows changes."""

from __future__ import annotations

from nnstudio.ui.canvas.legend import ScaleLegend


def test_key_is_redrawn_only_when_its_text_changes(qtbot):
    legend = ScaleLegend()
    qtbot.addWidget(legend)
    legend.set_limit(1.234)
    first = legend.picture()
    assert first.cacheKey() == legend.picture().cacheKey()
    # A live frame's limit differs in digits the key does not print: the same picture.
    legend.set_limit(1.236)
    assert legend.limit == 1.236
    assert legend.picture().cacheKey() == first.cacheKey()
    legend.set_limit(1.34)
    second = legend.picture()
    assert second.cacheKey() != first.cacheKey()
    legend.set_caption("neurons: example 1/8")
    third = legend.picture()
    assert third.cacheKey() != second.cacheKey()
    # The picture follows the key's size (the caption added a line).
    assert third.deviceIndependentSize().toSize() == legend.size()


def test_key_pictures_differ_with_the_limit(qtbot):
    legend = ScaleLegend()
    qtbot.addWidget(legend)
    legend.set_limit(0.5)
    small = legend.picture().toImage()
    legend.set_limit(50.0)
    large = legend.picture().toImage()
    assert small != large
    legend.set_limit(0.5)
    assert legend.picture().toImage() == small


def test_a_compact_key_takes_two_rows_and_keeps_every_text(qtbot):
    legend = ScaleLegend()
    qtbot.addWidget(legend)
    legend.set_limit(0.57)
    legend.set_caption("neurons: example 1/128 · class 0")
    legend.set_edges_text("edges: 832 of 2,368 connections")
    regular = legend.height()
    legend.set_compact(340)  # the room beside the zoom buttons of a 457 px wide view
    # The bar with the example beside it, then the edges: two rows instead of four.
    assert legend.compact
    assert legend.height() <= 42 < regular
    assert legend.width() <= 340
    assert legend.picture().deviceIndependentSize().toSize() == legend.size()
    legend.set_compact(None)
    assert legend.height() == regular and legend.width() == 248
