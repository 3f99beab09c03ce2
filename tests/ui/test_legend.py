"""The canvas's colour key: drawn again only when what it shows changes."""

from __future__ import annotations

import pytest

from nnstudio.ui.canvas.legend import ScaleLegend
from nnstudio.ui.qt import Qt, QtGui


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


# ---- the key's text fits its box, clear of the zoom buttons ----------------------------------


class _TextRecorder(QtGui.QPainter):
    """A painter that remembers where each line of text went, and in which font."""

    def __init__(self, device: QtGui.QPaintDevice) -> None:
        super().__init__(device)
        self.texts: list[tuple[float, float, str]] = []

    def drawText(self, *args) -> None:
        rect, flags, text = args
        advance = QtGui.QFontMetricsF(self.font()).horizontalAdvance(text)
        if flags & Qt.AlignmentFlag.AlignRight:
            left = rect.right() - advance
        elif flags & Qt.AlignmentFlag.AlignHCenter:
            left = rect.center().x() - advance / 2
        else:
            left = rect.left()
        self.texts.append((left, left + advance, text))
        super().drawText(*args)


def _drawn_texts(legend: ScaleLegend) -> list[tuple[float, float, str]]:
    """The key's texts as drawn: left and right end (pixels) and the text."""
    image = QtGui.QImage(legend.size(), QtGui.QImage.Format.Format_ARGB32_Premultiplied)
    painter = _TextRecorder(image)
    legend._draw(painter)
    painter.end()
    return painter.texts


def _assert_texts_inside(legend: ScaleLegend) -> None:
    texts = _drawn_texts(legend)
    assert texts
    for left, right, text in texts:
        assert left >= -0.5 and right <= legend.width() + 0.5, (text, left, right, legend.width())


@pytest.mark.parametrize("points", [10, 18])
def test_every_text_of_the_key_fits_its_box_at_any_font_and_room(qtbot, app_font, points) -> None:
    app_font(points)
    legend = ScaleLegend()
    qtbot.addWidget(legend)
    legend.set_caption("neurons: example 1/120 · class setosa")
    legend.set_edges_text("edges: 832 of 2,368 connections")
    for limit in (0.87, 123.0, None):
        legend.set_limit(limit)
        for room in (None, *range(60, 560, 20)):
            legend.set_compact(room)
            # The limits are never cut off: "+0.87" once read "+0.8".
            _assert_texts_inside(legend)
            drawn = " ".join(text for _left, _right, text in _drawn_texts(legend))
            if limit is not None:
                assert f"{limit:.2g}" in drawn, (room, drawn)


@pytest.mark.parametrize(
    ("points", "size"),
    [
        (10, (320, 300)),
        (10, (457, 292)),
        # The canvas of a 1024 x 640 and of a 1280 x 800 window at 18 pt.
        (18, (358, 257)),
        (18, (517, 355)),
        (18, (517, 600)),
        (18, (320, 300)),
    ],
)
def test_the_key_and_the_zoom_buttons_never_overlap(qtbot, app_font, points, size) -> None:
    from tests.ui.test_canvas import iris_project
    from tests.ui.test_canvas_readable import open_canvas, show_trained_frame

    app_font(points)
    document, canvas = open_canvas(qtbot, iris_project(), size)
    show_trained_frame(document, canvas)
    canvas.fit()
    legend, bar = canvas.legend, canvas.zoom_bar
    viewport = canvas.viewport().geometry()
    assert viewport.contains(legend.geometry()) and viewport.contains(bar.geometry())
    assert not legend.geometry().intersects(bar.geometry()), (legend.geometry(), bar.geometry())
    _assert_texts_inside(legend)
    drawn = " ".join(text for _left, _right, text in _drawn_texts(legend))
    assert f"{canvas.weight_limit:.2g}" in drawn
