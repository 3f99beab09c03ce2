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
