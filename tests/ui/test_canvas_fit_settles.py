"""A fitted canvas settles after a resize: no scroll bars to come and go with the fit.

With scroll bars shown as needed, a drawing fitted at a large font could need them in one
room and not in the other: their coming and going changed the room, the canvas planned its
drawing for the other room, and so on for ever, and the window froze (digits at 18 pt,
resized to 800 x 560).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nnstudio.ui.canvas.view import NetworkCanvas
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
