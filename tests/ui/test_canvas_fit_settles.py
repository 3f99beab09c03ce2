"""A fitted canvas settles after a resize: no scroll bars to come and go with the fit.

With scroll bars shown as needed, a drawing fitted at a large font could need them in one
room and not in the other: their coming and going changed the room, the canvas planned its
drawing for the other room, and so on for ever, and the window froze (digits at 18 pt,
resized to 800 x 560). Once it settled, the drawing planned for that low room at 18 pt was
hundreds of times too large: its headers left the neurons no height.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nnstudio.ui.canvas.layout import NetworkLayout
from nnstudio.ui.canvas.view import _MIN_SCALE, NetworkCanvas
from nnstudio.ui.qt import Qt, QtWidgets
from tests.ui.test_small_screen import _open

pytestmark = pytest.mark.gui


def test_a_resized_window_at_a_large_font_settles(
    qtbot, settings, samples_dir: Path, app_font, monkeypatch
) -> None:
    app_font(18)
    main = _open(qtbot, settings, samples_dir, size=(1024, 640), sample="digits.nnproj")
    rebuilds: list[float] = []
    rebuild = NetworkCanvas.rebuild

    def counted(canvas: NetworkCanvas) -> None:
        rebuilds.append(time.monotonic())
        rebuild(canvas)

    monkeypatch.setattr(NetworkCanvas, "rebuild", counted)
    main.resize(800, 560)
    # The event loop gets its turns: a timer fires on time while the window settles.
    qtbot.wait(1000)
    assert len(rebuilds) <= 3
    canvas = main.canvas
    # Fitted whole, above the canvas's smallest zoom (which would show only a piece of it).
    assert canvas.zoom > _MIN_SCALE
    shown = canvas.mapFromScene(canvas.content_rect()).boundingRect()
    assert canvas.viewport().rect().adjusted(-2, -2, 2, 2).contains(shown)
    policy = Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert canvas.horizontalScrollBarPolicy() == policy
    assert not canvas.horizontalScrollBar().isVisible()
    # Zoomed in by the user, the drawing can be scrolled again; Fit takes the bars away.
    canvas.zoom_by(2.0)
    QtWidgets.QApplication.processEvents()
    assert canvas.horizontalScrollBar().isVisible()
    canvas.fit()
    QtWidgets.QApplication.processEvents()
    assert not canvas.horizontalScrollBar().isVisible()


@pytest.mark.parametrize("room_height", [114.67, 150.0])
def test_a_large_font_in_a_low_room_leaves_the_neurons_their_height(room_height: float) -> None:
    sizes, width, labels = (64, 32, 10), 524.0, (60.0, 20.0)

    def planned(text_scale: float) -> tuple[float, float]:
        layout = NetworkLayout(
            sizes,
            aspect=width / room_height,
            view_height=room_height,
            label_widths=labels,
            text_scale=text_scale,
        )
        _x, _y, drawn_width, drawn_height = layout.bounds()
        return 1.0 / layout.ui, min(width / drawn_width, room_height / drawn_height)

    regular, _fitted = planned(1.0)
    large, fitted = planned(1.8)
    # The larger text takes some height from the neurons, never nearly all of it (the
    # zoom was 30-110 times smaller).
    assert large > regular / 4
    assert fitted > _MIN_SCALE
