"""Tabbed docks after a restart: the keyboard reaches the panel in front, never a hidden one.

The default arrangement's tab bar outlived a restored layout (shown, with stale tabs and
another dock current) until Qt's deferred deletions ran: when events were only processed
(a script driving the window, as here), Training settings in front counted as behind its
tab, Ctrl+2 left the keyboard on the dock itself, and Tab walked the hidden Data fields.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from nnstudio.ui.qt import Qt, QtWidgets

pytestmark = pytest.mark.gui

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier


def _start(qtbot, settings, samples_dir: Path):
    """The studio as it starts (its layout restored from ``settings``), active and settled."""
    from nnstudio.ui.main_window import MainWindow, Startup

    main = MainWindow(
        settings=settings,
        restore_layout=True,
        startup=Startup(str(samples_dir / "spiral.nnproj"), strict=True),
    )
    qtbot.addWidget(main)
    main.show()
    main.finish_startup()
    main.activateWindow()
    # Events processed, without the event loop's deferred deletions (which qtbot's waits
    # would run).
    end = time.monotonic() + 20
    while time.monotonic() < end and not (
        main._docks_tracked and main.training_dock.is_built and main.isActiveWindow()
    ):
        QtWidgets.QApplication.processEvents()
        time.sleep(0.005)
    assert main.training_dock.is_built and main.isActiveWindow()
    return main


def _focus() -> QtWidgets.QWidget | None:
    return QtWidgets.QApplication.focusWidget()


def _tabs(bar: QtWidgets.QTabBar) -> list[str]:
    return [bar.tabText(i) for i in range(bar.count())]


def test_a_restored_tab_group_takes_the_keyboard_into_the_panel_in_front(
    qtbot, settings, no_dialogs, samples_dir: Path
) -> None:
    # First start on the 800 pixel screen: Data, Training settings and Properties share
    # one tab group; Training settings is brought to the front, then the studio closes.
    first = _start(qtbot, settings, samples_dir)
    training, data = first.training_dock, first.data_dock
    assert set(first.tabifiedDockWidgets(training)) == {data, first.properties_dock}
    qtbot.keyClick(_focus(), Key.Key_2, CTRL)
    first.close_without_asking()
    first.shutdown()

    main = _start(qtbot, settings, samples_dir)
    training, data = main.training_dock, main.data_dock
    group = {"Data", "Training settings", "Properties"}
    shown = [
        bar
        for bar in main.findChildren(
            QtWidgets.QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly
        )
        if bar.isVisible()
    ]
    # One tab bar in sight, the group's own, with Training settings in front.
    assert [set(_tabs(bar)) for bar in shown] == [group]
    assert shown[0].tabText(shown[0].currentIndex()) == "Training settings"
    assert not main.is_behind_tab(training)
    assert main.is_behind_tab(data)

    # Ctrl+2 lands on the first Training settings field, not on the dock itself.
    main.canvas.setFocus()
    QtWidgets.QApplication.processEvents()
    assert main.canvas.hasFocus()
    qtbot.keyClick(main.canvas, Key.Key_2, CTRL)
    assert training.isAncestorOf(_focus()), _focus()
    assert _focus().focusPolicy() != Qt.FocusPolicy.NoFocus

    # A Tab round from the canvas visits Training settings and nothing behind its tab.
    main.canvas.setFocus()
    QtWidgets.QApplication.processEvents()
    assert main.canvas.hasFocus()
    visited: list[QtWidgets.QWidget] = []
    for _ in range(100):
        qtbot.keyClick(_focus(), Key.Key_Tab)
        if _focus() is main.canvas:
            break
        visited.append(_focus())
    assert _focus() is main.canvas
    assert any(training.isAncestorOf(w) for w in visited)
    assert not any(data.isAncestorOf(w) for w in visited)
    assert not any(main.properties_dock.isAncestorOf(w) for w in visited)
    assert not any(w.parentWidget() is main and w not in shown for w in visited)

    # Ctrl+1 and Ctrl+3 bring their panels forward and take the keyboard there.
    for key, dock in ((Key.Key_1, data), (Key.Key_3, main.properties_dock)):
        qtbot.keyClick(_focus(), key, CTRL)
        assert not main.is_behind_tab(dock), dock.windowTitle()
        assert dock.isAncestorOf(_focus()), dock.windowTitle()
        assert main.is_behind_tab(training)
    main.close_without_asking()
    main.shutdown()
