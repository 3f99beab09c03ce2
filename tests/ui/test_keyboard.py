"""The studio from the keyboard: Tab order, panels, plot tabs, undo in fields, shortcut help."""

from __future__ import annotations

import re

import pyqtgraph as pg
import pytest

from nnstudio.ui.qt import Qt, QtGui, QtWidgets
from nnstudio.ui.selection import Selection

pytestmark = pytest.mark.gui

Key = Qt.Key
CTRL = Qt.KeyboardModifier.ControlModifier
ALT = Qt.KeyboardModifier.AltModifier


def _active(qtbot, window) -> None:
    """Window shortcuts and mnemonics act only in the active window."""
    qtbot.waitUntil(lambda: window._docks_tracked)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _focus() -> QtWidgets.QWidget | None:
    return QtWidgets.QApplication.focusWidget()


def _press(qtbot, key: Key, modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(_focus(), key, modifiers)


def _layers(window) -> int:
    return len(window.document.project.network.layers)


def test_tab_visits_canvas_toolbar_then_the_docks_in_sight_and_never_a_hidden_one(
    qtbot, window
) -> None:
    _active(qtbot, window)
    window.training_dock.build()  # its form exists, behind the Data tab
    assert window.is_behind_tab(window.training_dock)
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    visited: list[QtWidgets.QWidget] = []
    for _ in range(100):
        _press(qtbot, Key.Key_Tab)
        if _focus() is window.canvas:
            break
        visited.append(_focus())
    assert _focus() is window.canvas, "Tab comes back round to the canvas"
    assert visited
    for widget in visited:
        # Nothing behind the Data tab, and no container that would show no focus.
        assert not window.training_dock.isAncestorOf(widget), widget
        assert not isinstance(widget, QtWidgets.QScrollArea | pg.GraphicsView), widget

    def first(container: QtWidgets.QWidget) -> int:
        return next(i for i, w in enumerate(visited) if container.isAncestorOf(w))

    order = [
        first(window.toolbar),
        first(window.data_dock),
        first(window.plots_dock),
        first(window.properties_dock),
    ]
    assert order == sorted(order)
    # Shift+Tab walks the same way back.
    _press(qtbot, Key.Key_Backtab)
    assert _focus() is visited[-1]


def test_a_field_of_a_dock_behind_a_tab_brings_the_dock_forward(qtbot, window) -> None:
    _active(qtbot, window)
    form = window.training_dock.settings_widget
    assert window.is_behind_tab(window.training_dock)
    # Its Alt key (the learning rate's "i") reaches it, and what has the keyboard shows.
    qtbot.keyClick(window, Key.Key_I, ALT)
    qtbot.waitUntil(form.learning_rate.hasFocus)
    assert not window.is_behind_tab(window.training_dock)
    assert window.is_behind_tab(window.data_dock)
    # The Data tab brought back to the front takes the keyboard out of the hidden form.
    window.data_dock.raise_()
    qtbot.waitUntil(lambda: not window.training_dock.isAncestorOf(_focus()))


def test_view_panel_actions_show_raise_and_focus_their_dock(qtbot, window) -> None:
    _active(qtbot, window)
    training = window.training_dock
    for _ in range(2):  # a second time does not hide it (as the dock's toggle would)
        _press(qtbot, Key.Key_2, CTRL)
        assert training.isVisible() and not window.is_behind_tab(training)
        assert training.isAncestorOf(_focus())
    window.properties_dock.close()
    _press(qtbot, Key.Key_3, CTRL)
    assert window.properties_dock.isVisible()
    assert window.properties_dock.isAncestorOf(_focus())
    _press(qtbot, Key.Key_1, CTRL)
    assert not window.is_behind_tab(window.data_dock)
    assert window.data_dock.isAncestorOf(_focus())
    _press(qtbot, Key.Key_4, CTRL)
    assert window.plots_dock.isAncestorOf(_focus())


def test_plot_tabs_switch_from_the_canvas_and_the_canvas_keeps_the_keyboard(qtbot, window) -> None:
    _active(qtbot, window)
    tabs = window.plots.tabs
    window.canvas.setFocus()
    qtbot.waitUntil(window.canvas.hasFocus)
    _press(qtbot, Key.Key_3, ALT)
    assert tabs.tabText(tabs.currentIndex()) == "Gradients"
    _press(qtbot, Key.Key_PageDown, CTRL)
    assert tabs.currentIndex() == 3
    _press(qtbot, Key.Key_PageUp, CTRL)
    _press(qtbot, Key.Key_PageUp, CTRL)
    assert tabs.currentIndex() == 1
    _press(qtbot, Key.Key_1, ALT)
    _press(qtbot, Key.Key_PageUp, CTRL)  # wraps round to the last plot
    assert tabs.currentIndex() == tabs.count() - 1
    assert window.canvas.hasFocus()


def test_undo_and_redo_reach_the_document_from_a_field_with_nothing_of_its_own(
    qtbot, window
) -> None:
    _active(qtbot, window)
    samples = window.data_panel.samples_spin
    samples.setFocus()
    qtbot.waitUntil(samples.hasFocus)
    layers = _layers(window)
    window.add_layer_action.trigger()
    assert _layers(window) == layers + 1
    _press(qtbot, Key.Key_Z, CTRL)
    assert _layers(window) == layers
    _press(qtbot, Key.Key_Y, CTRL)
    assert _layers(window) == layers + 1
    _press(qtbot, Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)  # nothing to redo
    assert _layers(window) == layers + 1
    # Typing of the field's own is undone in the field first, the network stays.
    rate = window.training_dock.settings_widget.learning_rate
    rate.setFocus()
    qtbot.waitUntil(rate.hasFocus)
    before = rate.text()
    qtbot.keyClicks(rate, "5")
    _press(qtbot, Key.Key_Z, CTRL)
    assert rate.text() == before
    assert _layers(window) == layers + 1


def test_toolbar_tooltips_name_their_keys_and_delete_says_what_it_removes(window) -> None:
    native = QtGui.QKeySequence.SequenceFormat.NativeText
    with_keys = 0
    for action in window.toolbar.actions():
        button = window.toolbar.widgetForAction(action)
        if not isinstance(button, QtWidgets.QToolButton) or action.shortcut().isEmpty():
            continue
        with_keys += 1
        assert action.shortcut().toString(native) in button.toolTip(), action.text()
    assert with_keys >= 8  # New … Stop, Add layer
    assert not window.stop_action.shortcut().isEmpty()
    assert "Space" in window.play_action.toolTip()
    window.canvas.select(Selection("neuron", 1, 0))
    assert "neuron" in window.delete_action.toolTip()
    assert "neuron" in window.delete_action.statusTip()
    window.canvas.select(Selection("layer", 1))
    assert "layer" in window.delete_action.toolTip()


def _listed_keys() -> set[str]:
    """Every key combination the shortcuts dialog lists, ranges written out."""
    from nnstudio.ui.main_window import SHORTCUTS_HELP

    listed: set[str] = set()
    for keys, _action in SHORTCUTS_HELP:
        for part in re.split(r", | / ", keys):
            ranged = re.fullmatch(r"(.*\+)(\d) … \1(\d)", part)
            if ranged:
                prefix, low, high = ranged.groups()
                listed |= {f"{prefix}{n}" for n in range(int(low), int(high) + 1)}
            else:
                listed.add(part.replace("−", "-"))
    return listed


def test_the_shortcuts_dialog_lists_every_working_key(window) -> None:
    from nnstudio.ui.main_window import SHORTCUTS_HELP

    listed = _listed_keys()
    portable = QtGui.QKeySequence.SequenceFormat.PortableText
    for action in [*window.actions(), *window.canvas.actions()]:
        for sequence in action.shortcuts():
            text = sequence.toString(portable)
            if text != "=":  # "+" typed without Shift, listed as "+"
                assert text in listed, (action.text(), text)
    # Keys of the canvas itself.
    for keys in ("Insert", "L", "Shift+Insert", "Shift+L", "F", "Backspace", "Del", "F1"):
        assert keys in listed, keys
    delete = next(action for keys, action in SHORTCUTS_HELP if keys.startswith("Del"))
    assert "neuron" in delete and "layer" in delete


def test_the_shortcuts_dialog_wraps_its_actions_at_a_large_font(qtbot) -> None:
    from nnstudio.ui.main_window import ShortcutsDialog

    def dialog_at(points: int) -> ShortcutsDialog:
        # The application's font, as a user's desktop setting gives it.
        app = QtWidgets.QApplication.instance()
        font = QtGui.QFont(app.font())
        font.setPointSize(points)
        app.setFont(font)
        dialog = ShortcutsDialog()
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    original = QtGui.QFont(QtWidgets.QApplication.font())
    try:
        _check_dialogs(qtbot, dialog_at)
    finally:
        QtWidgets.QApplication.setFont(original)


def _check_dialogs(qtbot, dialog_at) -> None:
    small, large = dialog_at(9), dialog_at(16)
    assert large.width() > small.width()  # sized from its text, not a fixed width
    narrow = dialog_at(16)
    narrow.resize(narrow.minimumSizeHint().width() + 40, 400)
    qtbot.waitUntil(lambda: narrow.width() < large.width())
    for dialog in (small, large, narrow):
        table = dialog.table
        metrics = table.fontMetrics()
        # Both columns in sight, and every action whole on as many lines as it needs.
        assert table.columnWidth(0) + table.columnWidth(1) <= table.viewport().width()
        for row in range(table.rowCount()):
            text = table.item(row, 1).text()
            width = table.columnWidth(1) - 2 * metrics.averageCharWidth()
            needed = metrics.boundingRect(
                0, 0, width, 10_000, int(Qt.TextFlag.TextWordWrap.value), text
            ).height()
            assert table.rowHeight(row) >= needed, text


def test_alt_keys_of_the_training_settings_clash_with_nothing_shown_with_them(window) -> None:
    def letters(root: QtWidgets.QWidget) -> list[str]:
        texts = [label.text() for label in root.findChildren(QtWidgets.QLabel) if label.buddy()]
        texts += [button.text() for button in root.findChildren(QtWidgets.QAbstractButton)]
        found = []
        for text in texts:
            match = re.search(r"&([^&])", text.replace("&&", ""))
            if match:
                found.append(match.group(1).lower())
        return found

    training = letters(window.training_dock.settings_widget)
    assert len(training) >= 5 and len(set(training)) == len(training)
    menus = [action.text() for action in window.menuBar().actions()]
    others = set(letters(window.data_panel))
    others |= {re.search(r"&(.)", text).group(1).lower() for text in menus}
    assert not set(training) & others


def test_a_click_in_a_plot_leaves_no_invisible_focus(qtbot, window) -> None:
    from nnstudio.ui.qt import Qt as QtNs
    from nnstudio.ui.qt import QtWidgets

    window.open_sample("spiral")
    views = [window.data_panel.scatter.plot_widget, window.plots.loss_tab.graphics]
    for view in views:
        window.canvas.setFocus()
        qtbot.mouseClick(view.viewport(), QtNs.MouseButton.LeftButton)
        # The plots take no keys and show no focus: the click leaves it where it was.
        assert QtWidgets.QApplication.focusWidget() is not view
