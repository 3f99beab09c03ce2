"""run_with_progress: a read in a worker thread, a progress dialog with Cancel, input set aside."""

from __future__ import annotations

import threading
import time

import pytest

from nnstudio.data import ReadCancelled, ReadProgress
from nnstudio.errors import DataError
from nnstudio.ui.background import run_with_progress
from nnstudio.ui.qt import Qt, QtCore, QtWidgets

pytestmark = pytest.mark.gui


@pytest.fixture
def parent(qtbot):
    window = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(window)
    window.editor = QtWidgets.QLineEdit()
    layout.addWidget(window.editor)
    qtbot.addWidget(window)
    window.resize(400, 200)
    window.show()
    qtbot.waitExposed(window)
    return window


def shown_progress_dialog() -> QtWidgets.QProgressDialog | None:
    for widget in QtWidgets.QApplication.topLevelWidgets():
        if isinstance(widget, QtWidgets.QProgressDialog) and widget.isVisible():
            return widget
    return None


def slow_read(seconds: float = 10.0):
    """Work that reports progress for up to ``seconds`` (until cancelled); records its thread."""
    threads: list[threading.Thread] = []

    def work(progress: ReadProgress) -> str:
        threads.append(threading.current_thread())
        progress.part(0.0, 1.0, "Reading numbers")
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            progress.report(elapsed / seconds)
            time.sleep(0.005)
        return "done"

    return work, threads


def read_until_cancelled(parent, title: str, *, show_after_ms: int) -> None:
    """Run a slow read that something cancels; it must stop at its next report."""
    work, threads = slow_read()
    started = time.monotonic()
    with pytest.raises(ReadCancelled):
        run_with_progress(parent, title, work, show_after_ms=show_after_ms)
    assert time.monotonic() - started < 5  # stopped at the next report, not after 10 s
    assert not threads[0].is_alive()


def test_quick_work_returns_its_value_from_another_thread_without_a_dialog(parent) -> None:
    shown: list[object] = []
    QtCore.QTimer.singleShot(0, lambda: shown.append(shown_progress_dialog()))
    work, threads = slow_read(0.05)
    assert run_with_progress(parent, "Opening data.csv", work) == "done"
    assert threads and threads[0] is not threading.main_thread()
    assert shown in ([], [None])  # no dialog flashed for a read this short
    assert shown_progress_dialog() is None
    assert QtWidgets.QApplication.overrideCursor() is None  # the wait cursor is gone


def test_an_error_of_the_work_is_raised_in_the_main_thread(parent) -> None:
    def work(progress: ReadProgress) -> None:
        raise DataError("data.csv: line 7 has 3 fields, the header has 4")

    with pytest.raises(DataError, match="line 7 has 3 fields"):
        run_with_progress(parent, "Reading data.csv", work)
    assert QtWidgets.QApplication.overrideCursor() is None


def test_slow_work_shows_its_stage_and_progress_and_cancel_stops_it(qtbot, parent) -> None:
    seen: dict[str, object] = {}

    def look_then_cancel() -> None:
        dialog = shown_progress_dialog()
        if dialog is None or dialog.value() <= 0:
            QtCore.QTimer.singleShot(20, look_then_cancel)
            return
        seen["title"] = dialog.windowTitle()
        seen["label"] = dialog.labelText()
        seen["value"] = dialog.value()
        seen["modal"] = dialog.windowModality()
        seen["cursor"] = QtWidgets.QApplication.overrideCursor()
        button = dialog.findChild(QtWidgets.QPushButton)
        seen["button"] = button.text()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QtCore.QTimer.singleShot(0, look_then_cancel)
    read_until_cancelled(parent, "Opening digits.nnproj", show_after_ms=100)
    assert seen["title"] == "Opening digits.nnproj"
    assert seen["label"] == "Opening digits.nnproj: reading numbers…"
    assert 0 < seen["value"] < 1000
    assert seen["modal"] == Qt.WindowModality.WindowModal
    assert seen["cursor"] is None  # the dialog's Cancel button gets the normal cursor
    assert seen["button"] == "Cancel"
    assert shown_progress_dialog() is None


def test_input_to_other_windows_waits_until_the_work_ends(qtbot, parent) -> None:
    typed: list[str] = []

    def type_meanwhile() -> None:
        parent.editor.setFocus()
        qtbot.keyClicks(parent.editor, "abc")
        typed.append(parent.editor.text())

    QtCore.QTimer.singleShot(50, type_meanwhile)
    work, _threads = slow_read(0.3)
    run_with_progress(parent, "Reading data.csv", work, show_after_ms=10_000)
    assert typed == [""]  # set aside while the read ran
    qtbot.keyClicks(parent.editor, "abc")
    assert parent.editor.text() == "abc"  # and taken again after it


def test_closing_the_window_meanwhile_cancels_the_read_and_keeps_the_window(qtbot, parent) -> None:
    closed: list[bool] = []
    QtCore.QTimer.singleShot(50, lambda: closed.append(parent.close()))
    read_until_cancelled(parent, "Opening digits.nnproj", show_after_ms=10_000)
    assert closed == [False] and parent.isVisible()


@pytest.mark.parametrize("active", ["dialog", "window"])
def test_escape_in_the_progress_dialog_cancels(qtbot, parent, active: str) -> None:
    def press_escape() -> None:
        dialog = shown_progress_dialog()
        if dialog is None:
            QtCore.QTimer.singleShot(20, press_escape)
            return
        # Escape is the dialog's Cancel shortcut while it is the active window; otherwise
        # it arrives as a key press that rejects the dialog.
        (dialog if active == "dialog" else parent).activateWindow()
        QtWidgets.QApplication.processEvents()
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    QtCore.QTimer.singleShot(0, press_escape)
    read_until_cancelled(parent, "Reading data.csv", show_after_ms=50)


def test_a_popup_closing_meanwhile_does_not_cancel(qtbot, parent) -> None:
    combo = QtWidgets.QComboBox(parent)
    combo.addItems(["one", "two"])
    combo.show()
    closed: list[bool] = []

    def open_and_close_its_list() -> None:
        combo.showPopup()
        closed.append(combo.view().window().close())  # the list's frame: a popup window

    QtCore.QTimer.singleShot(30, open_and_close_its_list)
    work, _threads = slow_read(0.3)
    assert run_with_progress(parent, "Reading data.csv", work, show_after_ms=10_000) == "done"
    assert closed == [True]
