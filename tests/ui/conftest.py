"""Fixtures shared by the studio's GUI tests.

Settings never touch the user's real configuration: QSettings writes INI files under a
temporary folder, and the ``window`` fixture hands MainWindow its own settings object. Every
window is closed at the end of its test, which shuts its training process down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nnstudio.ui.qt import QtCore, QtGui, QtWidgets


@pytest.fixture(autouse=True)
def _temporary_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Route every default-constructed QSettings to a temporary INI location."""
    folder = tmp_path_factory.mktemp("settings")
    QtCore.QSettings.setDefaultFormat(QtCore.QSettings.Format.IniFormat)
    for scope in (QtCore.QSettings.Scope.UserScope, QtCore.QSettings.Scope.SystemScope):
        QtCore.QSettings.setPath(QtCore.QSettings.Format.IniFormat, scope, str(folder))
    yield folder


@pytest.fixture
def settings(tmp_path: Path) -> QtCore.QSettings:
    """A fresh settings store for one test."""
    return QtCore.QSettings(str(tmp_path / "nnstudio.ini"), QtCore.QSettings.Format.IniFormat)


@pytest.fixture
def no_dialogs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record message boxes instead of showing them (they would block the test).

    Returns the list of ``(title, text)`` shown; questions are answered "Discard"/"Yes".
    """
    shown: list[tuple[str, str]] = []
    box = QtWidgets.QMessageBox

    def record(answer: object):
        def show(_parent: object, title: str, text: str, *args: object, **kwargs: object):
            shown.append((title, text))
            return answer

        return staticmethod(show)

    monkeypatch.setattr(box, "critical", record(box.StandardButton.Ok))
    monkeypatch.setattr(box, "warning", record(box.StandardButton.Ok))
    monkeypatch.setattr(box, "information", record(box.StandardButton.Ok))
    monkeypatch.setattr(box, "about", record(None))

    def question(_parent: object, title: str, text: str, buttons: object = None, *a: object):
        shown.append((title, text))
        if buttons is not None and int(buttons.value if hasattr(buttons, "value") else buttons) & (
            box.StandardButton.Discard.value
        ):
            return box.StandardButton.Discard
        return box.StandardButton.Yes

    monkeypatch.setattr(box, "question", staticmethod(question))
    return shown


@pytest.fixture
def window(qtbot, settings: QtCore.QSettings, no_dialogs: list[tuple[str, str]]):
    """The studio's main window with temporary settings, closed (thread shut down) afterwards."""
    from nnstudio.ui.main_window import MainWindow

    main = MainWindow(settings=settings, restore_layout=False)
    qtbot.addWidget(main)
    main.resize(1280, 800)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close_without_asking()
    main.shutdown()


@pytest.fixture
def sample(samples_dir: Path):
    """Path of a shipped sample project by stem, e.g. ``sample("xor")``."""

    def find(stem: str) -> Path:
        path = samples_dir / f"{stem}.nnproj"
        assert path.exists(), f"missing sample {path}"
        return path

    return find


@pytest.fixture
def controller(qtbot, document):
    """A training controller of the test module's ``document`` fixture, shut down afterwards."""
    from nnstudio.ui.worker import TrainingController

    ctrl = TrainingController(document)
    yield ctrl
    ctrl.shutdown()


class ProgressCanceller:
    """Stands in for a slow read, then presses Cancel in its progress dialog.

    ``endless_read`` replaces a reading function (any arguments, ``progress`` by keyword or
    last): it reports until cancelled. :meth:`press_cancel_when_shown` waits for the progress
    dialog and clicks its Cancel button; :attr:`titles` records the dialogs' titles.
    """

    def __init__(self, qtbot) -> None:
        self._qtbot = qtbot
        self.titles: list[str] = []

    @staticmethod
    def endless_read(*args: object, progress=None, **kwargs: object):
        import time

        progress = progress if progress is not None else args[-1]
        progress.part(0.0, 1.0, "Reading numbers")
        while True:  # until Cancel
            progress.report(0.5)
            time.sleep(0.005)

    def press_cancel_when_shown(self) -> None:
        """Click Cancel in the progress dialog as soon as it shows (call before the read)."""

        def press() -> None:
            dialogs = [
                widget
                for widget in QtWidgets.QApplication.topLevelWidgets()
                if isinstance(widget, QtWidgets.QProgressDialog) and widget.isVisible()
            ]
            if not dialogs:
                QtCore.QTimer.singleShot(20, press)
                return
            self.titles.append(dialogs[0].windowTitle())
            button = dialogs[0].findChild(QtWidgets.QPushButton)
            self._qtbot.mouseClick(button, QtCore.Qt.MouseButton.LeftButton)

        QtCore.QTimer.singleShot(0, press)


@pytest.fixture
def progress_canceller(qtbot) -> ProgressCanceller:
    """See :class:`ProgressCanceller`."""
    return ProgressCanceller(qtbot)


@pytest.fixture
def app_font(qapp) -> Iterator[Callable[[float], None]]:
    """Set the application font's point size for one test (restored afterwards)."""
    original = QtWidgets.QApplication.font()

    def set_points(points: float) -> None:
        font = QtGui.QFont(original)
        font.setPointSizeF(points)
        QtWidgets.QApplication.setFont(font)

    yield set_points
    QtWidgets.QApplication.setFont(original)


@pytest.fixture
def small_screen(monkeypatch) -> QtCore.QRect:
    """A 1024 x 640 screen's free area (the offscreen screen is 800 pixels square)."""
    available = QtCore.QRect(0, 0, 1024, 640)
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda screen: available)
    return available


@pytest.fixture
def document(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A new, empty studio document whose relative CSV paths resolve in ``tmp_path`` (the
    working folder of an unsaved document). Modules that need another document define their
    own."""
    from nnstudio.ui.document import StudioDocument

    monkeypatch.chdir(tmp_path)
    return StudioDocument()


@pytest.fixture
def panel(qtbot, document):
    """The Data dock's panel on ``document``, shown at a dock's usual size."""
    from nnstudio.ui.docks.data_dock import DataPanel

    widget = DataPanel(document)
    qtbot.addWidget(widget)
    widget.resize(380, 760)
    widget.show()
    return widget
