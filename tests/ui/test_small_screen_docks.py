"""A large font on a small screen: a dock moved where it does not fit is refused.

At 18 pt on a 1024 x 640 screen the window tabs Properties with Data and Training
settings. Dragged back out to the right side, Properties with Data and the Plots need about
1090 pixels side by side: the window grew past the screen's right edge. The window keeps
the layout that fitted instead and says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.qt import Qt, QtCore, QtWidgets
from tests.ui.test_small_screen import _assert_docks_in_reach, _open

pytestmark = pytest.mark.gui


def _settle() -> None:
    for _ in range(5):
        QtWidgets.QApplication.processEvents()


def test_at_18_points_properties_moved_to_the_right_keeps_the_window_on_the_screen(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path, small_screen
) -> None:
    app_font(18)
    main = _open(qtbot, settings, samples_dir)
    try:
        assert main.properties_dock in main.tabifiedDockWidgets(main.data_dock)
        widths: list[int] = []
        main.installEventFilter(_Widths(widths, main))
        # As a drop on the window's right edge ends a drag.
        main.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, main.properties_dock)
        _settle()
        # The window never grew (it reached 1097 pixels, past the screen's edge).
        assert small_screen.contains(main.frameGeometry()), main.frameGeometry()
        assert max(widths, default=main.width()) <= small_screen.width(), widths
        assert main.minimumSizeHint().width() <= main.width()
        # Properties is back in its tab, in reach, and the status bar says why.
        assert main.properties_dock in main.tabifiedDockWidgets(main.data_dock)
        _assert_docks_in_reach(main)
        message = main.status_message.full_text()
        assert "Properties" in message and "room" in message, message
        # Moves that fit are the user's to make: Plots goes to the left side.
        main.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, main.plots_dock)
        _settle()
        assert main.dockWidgetArea(main.plots_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
        assert small_screen.contains(main.frameGeometry())
    finally:
        main.close_without_asking()
        main.shutdown()


def test_at_the_default_font_properties_moves_back_to_the_right(
    qtbot, settings, no_dialogs, samples_dir: Path, small_screen
) -> None:
    # Three columns fit 1024 pixels at the default font: the move is kept.
    main = _open(qtbot, settings, samples_dir)
    try:
        main.tabifyDockWidget(main.data_dock, main.properties_dock)
        _settle()
        main.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, main.properties_dock)
        _settle()
        assert main.dockWidgetArea(main.properties_dock) == Qt.DockWidgetArea.RightDockWidgetArea
        assert not main.tabifiedDockWidgets(main.properties_dock)
        assert small_screen.contains(main.frameGeometry())
    finally:
        main.close_without_asking()
        main.shutdown()


class _Widths(QtCore.QObject):
    """Records every width the watched window is resized to."""

    def __init__(self, widths: list[int], parent: QtCore.QObject) -> None:
        super().__init__(parent)
        self._widths = widths

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize:
            self._widths.append(event.size().width())  # type: ignore[attr-defined]
        return False
