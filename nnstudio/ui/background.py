"""Long reads in a worker thread, behind a progress dialog with Cancel.

Reading a project with a large CSV file takes seconds. Done on the main thread it froze the
window: no repaint, no live training views, no way to give up. :func:`run_with_progress` runs
the read in a Python thread (plain NumPy and file work, no Qt object touched) while the main
thread keeps its event loop turning:

* for the first moments only the wait cursor shows, so a quick read does not flash a dialog;
* then a window-modal progress dialog shows the reader's stage and progress, with Cancel;
* until the read ends, the user's input to every other window is set aside (the work decides
  what happens next, so a click on Play or a second Open meanwhile must not act on the old
  state); closing a window meanwhile cancels the read instead; repainting, timers and live
  training frames go on.

The reader reports to a :class:`~nnstudio.data.progress.ReadProgress`; Cancel sets it, and
the read stops with :class:`~nnstudio.data.progress.ReadCancelled` at its next report, which
this function raises in the main thread like any error of the work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from nnstudio.data.progress import ReadProgress
from nnstudio.ui.qt import Qt, QtCore, QtGui, QtWidgets

__all__ = ["SHOW_AFTER_MS", "run_with_progress"]

T = TypeVar("T")

#: A read that ends sooner shows no dialog, only the wait cursor.
SHOW_AFTER_MS = 400
#: How often the dialog follows the reader's progress.
_POLL_MS = 40
#: Progress bar steps.
_STEPS = 1000

_INPUT_EVENTS = frozenset(
    {
        QtCore.QEvent.Type.MouseButtonPress,
        QtCore.QEvent.Type.MouseButtonRelease,
        QtCore.QEvent.Type.MouseButtonDblClick,
        QtCore.QEvent.Type.KeyPress,
        QtCore.QEvent.Type.KeyRelease,
        QtCore.QEvent.Type.ShortcutOverride,
        QtCore.QEvent.Type.Shortcut,
        QtCore.QEvent.Type.Wheel,
        QtCore.QEvent.Type.TouchBegin,
        QtCore.QEvent.Type.TouchUpdate,
        QtCore.QEvent.Type.TouchEnd,
        QtCore.QEvent.Type.TabletPress,
        QtCore.QEvent.Type.TabletRelease,
        QtCore.QEvent.Type.ContextMenu,
        QtCore.QEvent.Type.Drop,
        QtCore.QEvent.Type.Close,
    }
)


class _InputGuard(QtCore.QObject):
    """Sets aside user input to everything but the progress dialog while a read runs."""

    def __init__(self, dialog: QtWidgets.QProgressDialog, progress: ReadProgress) -> None:
        super().__init__(dialog)
        self._dialog = dialog
        self._progress = progress

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() not in _INPUT_EVENTS:
            return False
        if isinstance(watched, QtWidgets.QWidget) and self._dialog.isAncestorOf(watched):
            return False
        if isinstance(watched, QtGui.QWindow) and watched is self._dialog.windowHandle():
            return False  # input reaches a window before its widgets
        if event.type() == QtCore.QEvent.Type.Close:
            if not _is_window(watched):
                return False  # a popup closing (a combo box's list), not a window
            # Closing the dialog or a window meanwhile is asking to stop the read: it stops,
            # and the window stays open, as it was (closing it again then closes it).
            # (QProgressDialog.cancel() would not emit canceled.)
            self._progress.cancel()
            event.ignore()
            return True
        if watched is self._dialog:
            return False
        return isinstance(watched, QtGui.QWindow | QtWidgets.QWidget)


def _is_window(watched: QtCore.QObject) -> bool:
    """Whether ``watched`` is a shown main window or dialog (not a popup or tooltip)."""
    kinds = (Qt.WindowType.Window, Qt.WindowType.Dialog)
    if isinstance(watched, QtWidgets.QWidget):
        return watched.isWindow() and watched.isVisible() and watched.windowType() in kinds
    if isinstance(watched, QtGui.QWindow):
        return watched.isVisible() and watched.type() in kinds
    return False


def run_with_progress(
    parent: QtWidgets.QWidget,
    title: str,
    work: Callable[[ReadProgress], T],
    *,
    show_after_ms: int = SHOW_AFTER_MS,
) -> T:
    """Run ``work(progress)`` in a worker thread and return its result, showing its progress.

    Parameters
    ----------
    parent : QWidget
        The window the progress dialog belongs to (and is modal for).
    title : str
        The dialog's title, e.g. "Opening digits.nnproj".
    work : callable
        Takes a :class:`~nnstudio.data.progress.ReadProgress` to report to. It runs in
        another thread: it must not touch any Qt object.
    show_after_ms : int
        The dialog shows only if the work lasts longer than this.

    Returns
    -------
    The value ``work`` returned.

    Raises
    ------
    ReadCancelled
        When the user pressed Cancel (and ``work`` stopped for it).
    Exception
        Whatever ``work`` raised, re-raised here in the main thread.
    """
    progress = ReadProgress()
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["value"] = work(progress)
        except BaseException as error:  # handed to the main thread, which raises it
            outcome["error"] = error

    dialog = QtWidgets.QProgressDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    # Shown by follow() below, not by QProgressDialog's own clock (which would show it
    # while the wait cursor is still set).
    dialog.setMinimumDuration(1 << 30)
    dialog.setRange(0, _STEPS)
    dialog.setLabelText(f"{title}…")
    dialog.setMinimumWidth(420)
    dialog.hide()
    dialog.canceled.connect(progress.cancel)
    # Escape reaches the dialog as its Cancel shortcut when the dialog is the active window,
    # else as a key press that rejects it: either way the read stops.
    dialog.rejected.connect(progress.cancel)

    guard = _InputGuard(dialog, progress)
    application = QtWidgets.QApplication.instance()
    application.installEventFilter(guard)
    QtWidgets.QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    cursor_overridden = True

    thread = threading.Thread(target=run, name="read", daemon=True)
    loop = QtCore.QEventLoop()
    clock = QtCore.QElapsedTimer()
    clock.start()

    def follow() -> None:
        nonlocal cursor_overridden
        if not thread.is_alive():
            loop.quit()
            return
        if progress.cancelled:
            dialog.setLabelText("Stopping…")
            dialog.setCancelButtonText("Stopping…")
            dialog.findChild(QtWidgets.QPushButton).setEnabled(False)
        elif progress.stage:
            dialog.setLabelText(f"{title}: {progress.stage.lower()}…")
        dialog.setValue(round(progress.fraction * _STEPS))
        if not dialog.isVisible() and clock.elapsed() >= show_after_ms:
            if cursor_overridden:  # the dialog's Cancel button wants the normal cursor
                QtWidgets.QApplication.restoreOverrideCursor()
                cursor_overridden = False
            dialog.show()

    timer = QtCore.QTimer()
    timer.setInterval(_POLL_MS)
    timer.timeout.connect(follow)
    try:
        thread.start()
        timer.start()
        loop.exec()
    finally:
        timer.stop()
        thread.join()
        application.removeEventFilter(guard)
        if cursor_overridden:
            QtWidgets.QApplication.restoreOverrideCursor()
        dialog.hide()
        dialog.deleteLater()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]
