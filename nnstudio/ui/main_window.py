"""The studio's main window: the canvas in the middle, docks around it, training controls on top.

The window owns one :class:`~nnstudio.ui.document.StudioDocument` and one
:class:`~nnstudio.ui.worker.TrainingController`. Views observe the document; the controller's
frames (computed in the training process) are forwarded here, on the main thread, to the
canvas, the plots, the Properties dock and the status bar.
"""

from __future__ import annotations

import gc
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import nnstudio
from nnstudio.data import ReadCancelled, load_dataset
from nnstudio.engine.trainer import WARNING_STARTS
from nnstudio.errors import NNStudioError
from nnstudio.io.project import weights_path_for
from nnstudio.ui.background import run_with_progress
from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.docks.data_dock import DataPanel
from nnstudio.ui.docks.properties_dock import PropertiesDock
from nnstudio.ui.docks.training_dock import NumberField, TrainingDock
from nnstudio.ui.document import StudioDocument, read_project
from nnstudio.ui.icons import icon
from nnstudio.ui.plots import PlotsPanel
from nnstudio.ui.qt import (
    Qt,
    QtCore,
    QtGui,
    QtWidgets,
    Signal,
    is_alive,
    line_spans,
    wait_cursor,
)
from nnstudio.ui.relay import FrameRelay
from nnstudio.ui.selection import Selection
from nnstudio.ui.worker import TrainingController, frame_position
from nnstudio.workflow import build_network

ORGANIZATION = "nnstudio"
#: Seconds between two live frames taken by the plots and the docks, at least (the canvas
#: takes every frame).
_DOCKS_REST = 1.0 / 10.0
#: Windows narrower than this (pixels) leave the step count out of the status bar, so its
#: messages keep room beside a run's figures.
_COMPACT_STATUS_WIDTH = 1200
#: Pixels the status bar keeps free at each end (its margins and size grip).
_STATUS_BAR_MARGIN = 12
#: Windows narrower than this (logical pixels, e.g. 1920 x 1080 at 200 %) start with
#: Properties as a tab beside Data and Training settings: three docks side by side would
#: leave the canvas a strip.
_COMPACT_LAYOUT_WIDTH = 1000
#: The event that checks a dock move fits the screen, before the window lays it out.
_FIT_CHECK_EVENT = QtCore.QEvent.Type(QtCore.QEvent.registerEventType())
#: The first window's size when no size was saved, at most the screen's free area.
_DEFAULT_SIZE = (1280, 800)
#: Settings key of View › Show dropped units.
_SHOW_DROPPED_KEY = "showDroppedUnits"
#: Settings key of the training speed (Train › Speed): "full", or steps a second.
_PACE_KEY = "trainingPace"
#: Minimum height (pixels) of the canvas while a banner shows above it.
_CANVAS_MIN_UNDER_BANNER = 160
#: Seconds between two progress reports shown in the status bar while training runs, at
#: least: numbers changing faster cannot be read, and each change repaints the status bar.
_STATUS_PROGRESS_INTERVAL = 0.1
APPLICATION = "nnstudio"
MAX_RECENT = 10
SAMPLE_SUFFIX = ".nnproj"
#: The sample opened when the studio starts without a file.
DEFAULT_SAMPLE = "spiral"
#: Training speeds offered (steps a second; None: as fast as the machine can). A small
#: network trains thousands of steps a second, too fast to follow; a slow pace shows every
#: update.
TRAINING_PACES: tuple[float | None, ...] = (None, 1000.0, 300.0, 100.0, 30.0, 10.0, 3.0, 1.0)


#: Characters of one problem shown in a message box (a 400-digit number would run off it).
_PROBLEM_CHARS = 240


def readable_error(error: Exception) -> str:
    """An error for a message box: several problems of a project file one per line."""
    problems = getattr(error, "problems", None)
    summary = getattr(error, "summary", "")
    if not problems or len(problems) < 2 or not summary:
        return _shortened(str(error), 4 * _PROBLEM_CHARS)
    lines = "\n".join(f"• {_shortened(problem, _PROBLEM_CHARS)}" for problem in problems)
    return f"{summary}: {len(problems)} problems\n\n{lines}"


def _shortened(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sample_title(path: Path) -> str:
    """The name a sample gives itself ("XOR", "Two spirals"), else its file name."""
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError, RecursionError):
        name = None  # the menu still lists it; opening it says what is wrong
    if isinstance(name, str) and name.strip():
        return name.strip().replace("&", "&&")
    return path.stem.replace("_", " ").capitalize()


def recent_names(paths: list[Path]) -> list[str]:
    """How the recent files read in File › Open recent: the file name, and where names repeat,
    the folder too ("iris.nnproj — samples"), as much of its path as tells them apart.
    """
    names = [path.name for path in paths]
    for index, path in enumerate(paths):
        twins = [other for other in paths if other.name == path.name and other != path]
        if not twins:
            continue
        folder = path.parent
        depth = 1
        # The fewest trailing folder names that no twin shares ("samples", "b/samples").
        while depth < len(folder.parts) and any(
            other.parent.parts[-depth:] == folder.parts[-depth:] for other in twins
        ):
            depth += 1
        where = str(Path(*folder.parts[-depth:])) if folder.parts else str(folder)
        names[index] = f"{path.name} — {where}"
    return names


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name one file: the same file on disk, else the same path."""
    try:
        return a.samefile(b)
    except OSError:  # one of them does not exist
        return a.absolute() == b.absolute()


def pace_text(steps_per_second: float | None) -> str:
    """How a training pace reads in the toolbar and menu: "Full speed", "30 steps/s"."""
    if steps_per_second is None:
        return "Full speed"
    unit = "step/s" if steps_per_second == 1 else "steps/s"
    return f"{steps_per_second:,.0f} {unit}"


def _pace_setting(steps_per_second: float | None) -> str:
    """How a training pace is stored in the settings: "full", or steps a second ("30")."""
    return "full" if steps_per_second is None else f"{steps_per_second:g}"


def stored_pace(value: object) -> float | None:
    """The training pace a settings value names, one of :data:`TRAINING_PACES`.

    Parameters
    ----------
    value : object
        What the settings hold: a string from an INI file ("full", "30"), a number from
        other stores, or ``None`` when nothing was saved.

    Returns
    -------
    float or None
        The pace; ``None`` (full speed, the default) also when ``value`` names none of the
        paces offered: nothing saved, a damaged entry, or a pace out of range.
    """
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None  # "full", or a damaged entry
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return next((pace for pace in TRAINING_PACES if pace == value), None)


#: Status texts and colours of the training state pill.
STATE_STYLES: dict[str, tuple[str, str, str]] = {
    "idle": ("Ready", "#374151", "#e5e7eb"),
    "running": ("Running", "#14532d", "#bbf7d0"),
    "paused": ("Paused", "#78350f", "#fde68a"),
    "finished": ("Finished", "#1e3a8a", "#bfdbfe"),
    "stopped": ("Stopped", "#374151", "#e5e7eb"),
    "early_stopped": ("Early-stopped", "#1e3a8a", "#bfdbfe"),
    "diverged": ("Diverged", "#7f1d1d", "#fecaca"),
}

#: Help › Keyboard shortcuts, in the order a newcomer needs them: ``(keys, what they do)``.
#: Keys that differ only in a number are written as a range ("Ctrl+1 … Ctrl+4").
SHORTCUTS_HELP: tuple[tuple[str, str], ...] = (
    ("Space", "Play / pause training"),
    ("F10 / F11", "Step one mini-batch / one epoch"),
    ("Shift+F5, Ctrl+.", "Stop training"),
    ("Ctrl+R", "Reset (re-initialise) the weights"),
    ("Ctrl+G", "Check the gradients against finite differences"),
    ("Ctrl+N", "New project"),
    ("Ctrl+O", "Open a project"),
    ("Ctrl+S", "Save"),
    ("Ctrl+Shift+S", "Save as"),
    ("Ctrl+E", "Export"),
    ("Ctrl+I", "Import an ONNX model as a new project"),
    ("Ctrl+Shift+O", "Load weights into the network (warm start)"),
    ("Ctrl+Z", "Undo (in a text field, its own typing first)"),
    ("Ctrl+Shift+Z, Ctrl+Y", "Redo"),
    ("Ctrl+L", "Add a hidden layer (after the selected one, or before the output)"),
    ("Del, Backspace", "Remove the selected neuron, or the selected hidden layer"),
    ("+ / −", "Canvas: add or remove a neuron in the selected hidden layer"),
    ("Insert, L", "Canvas: add a hidden layer after the selected layer"),
    ("Shift+Insert, Shift+L", "Canvas: add a hidden layer before the selected layer"),
    ("← / →", "Canvas: select the previous / next layer"),
    ("↑ / ↓", "Canvas: select the previous / next neuron (or connection)"),
    ("Shift+← / Shift+→", "Canvas: from a neuron onto its incoming / outgoing connections"),
    ("Ctrl+← / Ctrl+→", "Canvas: move the selected hidden layer"),
    ("Enter", "Canvas: edit the selected neuron's bias or connection's weight"),
    ("Esc", "Canvas: clear the selection"),
    ("F, Ctrl+0", "Fit the network in view"),
    ("Ctrl++ / Ctrl+−, wheel", "Canvas: zoom"),
    ("Ctrl+1 … Ctrl+4", "Go to the Data, Training settings, Properties or Plots panel"),
    ("Alt+1 … Alt+5", "Show the Loss, Weights, Gradients, Activations or Output plot"),
    ("Ctrl+PgDown / Ctrl+PgUp", "Next / previous plot (or tab of the focused tab widget)"),
    ("Tab / Shift+Tab", "Next / previous control: canvas, toolbar, then the panels"),
    ("Alt+underlined letter", "Go to that field (Alt+I: the learning rate)"),
    ("F1", "This list of keyboard shortcuts"),
    ("Ctrl+Q", "Quit"),
)


#: What Edit › Delete says it does, for a selected neuron or a selected (or no) layer.
DELETE_TIPS = {
    "neuron": "Remove the selected neuron from its hidden layer",
    "layer": "Remove the selected hidden layer",
}
#: View › panel entries, in the order of their Ctrl+1 … Ctrl+4 keys.
DOCK_MENU_TEXTS = {
    "data": "&Data",
    "training": "&Training settings",
    "properties": "&Properties",
    "plots": "P&lots",
}


def _undo_locked_tip(*, redo: bool) -> str:
    """What Undo (or Redo, when ``redo``) says while training runs."""
    return f"Pause training to {'redo' if redo else 'undo'}"


#: What the status bar suggests when the studio has opened its first project.
START_HINT = "Press Play or Space to train"
#: Shorter forms of status messages, longest first, for a status bar short of room (a
#: large font in a small window): one read whole says more than the full text cut to "Pres…".
SHORT_MESSAGES: dict[str, tuple[str, ...]] = {
    START_HINT: ("Play or Space to train", "Space to train"),
}


def default_settings() -> QtCore.QSettings:
    """The studio's settings store: an INI file in the user's configuration folder.

    INI on every platform keeps the file portable and lets tests redirect it with
    ``QSettings.setPath``.
    """
    return QtCore.QSettings(
        QtCore.QSettings.Format.IniFormat,
        QtCore.QSettings.Scope.UserScope,
        ORGANIZATION,
        APPLICATION,
    )


def samples_dirs() -> list[Path]:
    """Folders searched for sample projects: the repository's ``samples/``, then the cwd's."""
    folders = [Path(nnstudio.__file__).resolve().parent.parent / "samples", Path.cwd() / "samples"]
    unique: list[Path] = []
    for folder in folders:
        resolved = folder.resolve()
        if resolved.is_dir() and resolved not in unique:
            unique.append(resolved)
    return unique


def sample_projects() -> list[Path]:
    """Every sample project (``*.nnproj``), first folder winning on duplicate names."""
    found: dict[str, Path] = {}
    for folder in samples_dirs():
        for path in sorted(folder.glob(f"*{SAMPLE_SUFFIX}")):
            found.setdefault(path.name, path)
    return sorted(found.values(), key=lambda p: p.stem)


def in_samples_folder(folder: str | Path) -> bool:
    """Whether ``folder`` is a samples folder (see :func:`samples_dirs`) or lies inside one.

    The samples are part of the installation: the studio never writes there.
    """
    try:
        resolved = Path(folder).resolve()
    except (OSError, RuntimeError):  # a symlink loop: not ours to judge, so not a sample's
        return False
    return any(resolved == d or d in resolved.parents for d in samples_dirs())


def find_sample(stem: str) -> Path | None:
    """The sample project called ``stem`` (e.g. ``"spiral"``), if there is one."""
    return next((p for p in sample_projects() if p.stem == stem), None)


@dataclass(frozen=True)
class Startup:
    """The project a new :class:`MainWindow` opens before it builds its views.

    Attributes
    ----------
    path : str, Path or None
        The project file to open. ``None``, or a file that cannot be opened (its error is
        shown once the window is up, see :meth:`MainWindow.finish_startup`), opens the
        :data:`DEFAULT_SAMPLE` sample; when that fails too, the default project stays.
    strict : bool
        Scripts (screenshots): a ``path`` that cannot be opened raises
        :class:`~nnstudio.errors.NNStudioError` from the constructor, and no sample stands in.
    """

    path: str | Path | None = None
    strict: bool = False


@dataclass
class _StartupOutcome:
    """What opening the start-up project found, to tell once the window is shown."""

    #: The file asked for, once it opened: it joins the recent files.
    recent: Path | None = None
    #: ``(title, message)`` of every file that could not be opened.
    errors: list[tuple[str, str]] = field(default_factory=list)
    #: The document's notices (e.g. "Output layer resized ...") given while no view listened.
    notices: list[str] = field(default_factory=list)
    #: A project whose data takes a while to read: opened once the window shows, behind a
    #: progress dialog, instead of before the window appears (the sample shows meanwhile).
    deferred: Path | None = None


#: A start-up project whose CSV file is larger than this is opened after the window shows.
LARGE_DATA_BYTES = 16 * 1024 * 1024


def _reads_slowly(path: str | Path) -> bool:
    """Whether the project at ``path`` names a CSV data file of more than LARGE_DATA_BYTES."""
    from nnstudio.data import resolve_csv_path
    from nnstudio.io.project import load_project
    from nnstudio.spec import CsvData

    try:
        loaded = load_project(path, load_weights=False)
        data = loaded.project.data
        if not isinstance(data, CsvData):
            return False
        return resolve_csv_path(data, loaded.base_dir).stat().st_size > LARGE_DATA_BYTES
    except (NNStudioError, OSError):  # opening it properly will say what is wrong
        return False


def field_name(field: QtWidgets.QWidget) -> str:
    """The name a form gives ``field``: its accessible name, else its row's label ("" if none).

    A field sharing its row with other widgets (a check box and a number) is found inside
    the row's layout.
    """
    name = field.accessibleName()
    if name:
        return name
    parent = field.parentWidget()
    if parent is None:
        return ""
    roles = QtWidgets.QFormLayout.ItemRole
    for form in parent.findChildren(QtWidgets.QFormLayout):
        for row in range(form.rowCount()):
            item = form.itemAt(row, roles.FieldRole)
            if item is None:
                continue
            inner = item.layout()
            if item.widget() is field or (inner is not None and inner.indexOf(field) >= 0):
                label = form.itemAt(row, roles.LabelRole)
                widget = None if label is None else label.widget()
                if isinstance(widget, QtWidgets.QLabel):
                    return widget.text().replace("&", "").rstrip(":").strip()
                return ""
    return ""


def _named(field: QtWidgets.QWidget, problem: str) -> str:
    """``problem`` led by the field's name, unless it already starts with it."""
    name = field_name(field)
    if not name or problem.startswith(f"{name}:"):
        return problem
    return f"{name}: {problem}"


def _spin_problem(box: QtWidgets.QAbstractSpinBox) -> str:
    """Why a spin box's typed text is no value of it ("'0' is not between 1 and 100000")."""
    text = getattr(box, "cleanText", box.text)().strip()  # without prefix and suffix
    low = getattr(box, "minimum", None)
    high = getattr(box, "maximum", None)
    if not (callable(low) and callable(high)):
        return f"{text!r} is not a value this field takes" if text else "no value typed"
    bounds = f"between {box.textFromValue(low())} and {box.textFromValue(high())}"  # type: ignore[attr-defined]
    if not text:
        return f"no value typed (a value {bounds} is needed)"
    return f"{text!r} is not {bounds}"


def _format_loss(value: float | None) -> str:
    if value is None:
        return "–"
    value = float(value)
    if value != value:  # NaN
        return "NaN"
    return f"{value:.4g}"


def _format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _freeze_heap() -> None:
    """Keep the garbage collector off the objects alive now (the built window, the modules).

    A full collection walks every object tracked by the collector: tens of thousands for the
    window and Qt's wrappers alone, more in a long session, and it runs on the user
    interface's thread whenever enough new objects survive, stalling it for tens to hundreds
    of milliseconds. Frozen objects are never walked again; objects made later still are.
    No collection first: it would stall the window as long, and right after start-up it
    finds nothing to free.
    """
    gc.freeze()


#: Widgets where Space has a meaning of its own (press, toggle, open, type a space).
_SPACE_TAKERS = (
    QtWidgets.QAbstractButton,
    QtWidgets.QComboBox,
    QtWidgets.QAbstractItemView,
    QtWidgets.QLineEdit,
    QtWidgets.QAbstractSpinBox,
    QtWidgets.QTextEdit,
    QtWidgets.QPlainTextEdit,
)


def _own_undo(widget: QtWidgets.QWidget) -> Any:
    """The undo history ``widget`` keeps of its own typing (a line or text edit), if any."""
    if isinstance(widget, QtWidgets.QLineEdit):
        return widget
    if isinstance(widget, QtWidgets.QAbstractSpinBox):
        return widget.findChild(QtWidgets.QLineEdit)
    if isinstance(widget, QtWidgets.QComboBox):
        return widget.lineEdit()
    if isinstance(widget, QtWidgets.QTextEdit | QtWidgets.QPlainTextEdit):
        return widget.document()
    return None


def _is_undo_key(event: QtGui.QKeyEvent) -> bool | None:
    """True for an undo key, False for a redo key (the studio's too), None for other keys."""
    if event.matches(QtGui.QKeySequence.StandardKey.Undo):
        return True
    if event.matches(QtGui.QKeySequence.StandardKey.Redo):
        return False
    combination = QtGui.QKeySequence(event.keyCombination())
    if combination in (QtGui.QKeySequence("Ctrl+Y"), QtGui.QKeySequence("Ctrl+Shift+Z")):
        return False
    return None


class _TextEntryKeys(QtCore.QObject):
    """Settles which keys the focus widget keeps and which reach the window's shortcuts.

    - Space reaches buttons, check boxes and lists instead of the Play/Pause shortcut (line
      edits and spin boxes already claim printable keys).
    - Undo and redo keys reach the document's Undo and Redo when the focused field has no
      typing of its own to undo or redo: a line edit claims them even then, which left
      Ctrl+Z doing nothing while a dock's field had the focus.

    Qt asks the focus widget first whether it wants a key before a shortcut takes it (a
    ``ShortcutOverride`` event), so the filter watches only the focus widget, following the
    focus (:meth:`follow_focus`): on the whole application it would run Python for every one
    of the thousand-odd events a second of live training.
    """

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._watched: QtWidgets.QWidget | None = None

    def follow_focus(self, _old: object, new: QtWidgets.QWidget | None) -> None:
        """Watch ``new`` (the widget that just got the focus) instead of the previous one."""
        self.release()
        if isinstance(new, _SPACE_TAKERS) and not isinstance(new, QtWidgets.QToolButton):
            new.installEventFilter(self)
            self._watched = new

    def release(self) -> None:
        """Stop watching the focus widget."""
        watched, self._watched = self._watched, None
        if watched is not None and is_alive(watched):
            watched.removeEventFilter(self)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() != QtCore.QEvent.Type.ShortcutOverride:
            return False
        key_event: QtGui.QKeyEvent = event  # type: ignore[assignment]
        if key_event.key() == Qt.Key.Key_Space and not key_event.modifiers():
            event.accept()
            return True
        undo = _is_undo_key(key_event)
        if undo is not None and isinstance(watched, QtWidgets.QWidget):
            history = _own_undo(watched)
            if history is not None and is_alive(history):
                available = history.isUndoAvailable() if undo else history.isRedoAvailable()
                if not available:
                    # Not accepted: the key goes on to the window's Undo / Redo.
                    event.ignore()
                    return True
        return False


class _FirstPaint(QtCore.QObject):
    """Calls ``callback`` once, in the event loop turn after the watched widget first paints."""

    def __init__(self, callback: Callable[[], None], parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._callback: Callable[[], None] | None = callback

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint and self._callback is not None:
            callback, self._callback = self._callback, None
            watched.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, callback)
        return False


class _LayoutRequests(QtCore.QObject):
    """Calls ``callback`` whenever the watched widget is asked to lay its contents out again.

    A widget's layout asks for that when a child's size hint changes (a longer spin box
    suffix), a child is shown or hidden, or an action is added, removed, shown or hidden.
    """

    def __init__(self, callback: Callable[[], None], parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._callback = callback

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.LayoutRequest:
            self._callback()
        return False


#: Pixels a :class:`ClampedLabel` keeps below its last line of text.
_UNDERSCORE_ROOM = 4


class ClampedLabel(QtWidgets.QLabel):
    """A word-wrapped label of at most ``max_lines`` lines: longer text ends in "…".

    The whole text is then in the tooltip. A wrapped label otherwise grows as tall as its
    text needs, pushing what lies below it out of a small window.

    Parameters
    ----------
    max_lines : int
        Lines shown at most.
    parent : QWidget or None
        The parent widget.
    """

    def __init__(self, max_lines: int = 2, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self._full = ""
        self._details = ""
        self._max_lines = max_lines
        self.setWordWrap(True)
        policy = self.sizePolicy()
        policy.setHorizontalPolicy(QtWidgets.QSizePolicy.Policy.Ignored)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def full_text(self) -> str:
        """The text as given, before any shortening."""
        return self._full

    def set_full_text(self, text: str, details: str = "") -> None:
        """Show ``text``, shortened to the label's lines at its current width.

        ``details`` (more than the label has room for) always show in the tooltip.
        """
        self._full = text
        self._details = details
        self._refit()

    def lines_for(self, width: int) -> list[str]:
        """The lines ``width`` pixels show: the text wrapped, the last kept line elided."""
        if not self._full or width <= 0:
            return [self._full] if self._full else []
        starts = line_spans(self._full, self.font(), width)
        lines = [self._full[start : start + length].strip() for start, length in starts]
        if len(lines) <= self._max_lines:
            return lines
        last_start = starts[self._max_lines - 1][0]
        rest = self._full[last_start:].strip()
        elided = self.fontMetrics().elidedText(rest, Qt.TextElideMode.ElideRight, width)
        return [*lines[: self._max_lines - 1], elided]

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        lines = max(1, len(self.lines_for(width - 2 * self.margin())))
        return self.height_of(lines)

    def height_of(self, lines: int) -> int:
        """Pixels ``lines`` lines of text take, with room below the last line's underscores."""
        # A bold "_" reaches a pixel or two below the font's descent, and the text is centred:
        # cut off, "a_b" reads "a b".
        return lines * self.fontMetrics().lineSpacing() + _UNDERSCORE_ROOM + 2 * self.margin()

    def minimumSizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(0, self.height_of(1))

    def sizeHint(self) -> QtCore.QSize:
        width = max(self.width(), 1)
        return QtCore.QSize(width, self.heightForWidth(width))

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        lines = self.lines_for(self.contentsRect().width())
        shown = "\n".join(lines)
        if shown != self.text():
            self.setText(shown)
            self.updateGeometry()
        shortened = shown.replace("\n", " ") != " ".join(self._full.split())
        tip = [self._full] if shortened else []
        self.setToolTip("\n\n".join([*tip, self._details] if self._details else tip))


class Banner(QtWidgets.QFrame):
    """A message strip above the canvas (e.g. "training diverged") with an action and a close.

    At most two lines high, so the canvas below keeps its room in a small window; a longer
    message ends in "…" and shows whole in the tooltip.

    Signals
    -------
    shownChanged(bool)
        The banner was shown (True) or hidden (False).
    """

    shownChanged = Signal(bool)

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("Banner")
        self.setStyleSheet(
            "#Banner { background: #fef2f2; border: 1px solid #fca5a5; border-radius: 6px; }"
            "#Banner QLabel { color: #7f1d1d; }"
        )
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.label = ClampedLabel(2)
        font = self.label.font()
        font.setBold(True)
        self.label.setFont(font)
        layout.addWidget(self.label, 1)
        self.action_button = QtWidgets.QPushButton()
        layout.addWidget(self.action_button)
        close = QtWidgets.QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self._callback: Callable[[], None] | None = None
        self.action_button.clicked.connect(self._run)
        self.hide()

    def show_message(
        self,
        text: str,
        action: str | None = None,
        callback: Callable[[], None] | None = None,
        *,
        details: str = "",
    ) -> None:
        """Show ``text`` with an optional button ``action`` that calls ``callback``.

        ``details`` show in the tooltip: the strip keeps to what to do.
        """
        self.label.set_full_text(text, details)
        self._callback = callback
        self.action_button.setVisible(action is not None)
        if action is not None:
            self.action_button.setText(action)
        self.show()

    def tallest(self) -> int:
        """The banner's height with two lines of text (its most), in pixels."""
        margins = self.layout().contentsMargins()
        text = self.label.height_of(2)
        inner = max(text, self.action_button.sizeHint().height())
        return inner + margins.top() + margins.bottom() + 2 * self.frameWidth()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self.shownChanged.emit(True)

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        super().hideEvent(event)
        self.shownChanged.emit(False)

    def _run(self) -> None:
        self.hide()
        if self._callback is not None:
            self._callback()


def _widest_digits(text: str, metrics: QtGui.QFontMetrics) -> str:
    """``text`` with every digit replaced by the font's widest digit.

    A slot sized for it holds any number with as many digits.
    """
    widest = max("0123456789", key=metrics.horizontalAdvance)
    return "".join(widest if char.isdigit() else char for char in text)


#: What the live slots of the status bar are sized for (digits stand for any digit): the
#: widest text a usual run shows, so the figures change without moving anything.
_STEP_SLOT = "Step 000,000"
_LOSS_SLOT = "Loss 0.000e-00"
_VAL_LOSS_SLOT = " · val 0.000e-00"
_SPEED_SLOT = "00,000 steps/s"
_ETA_SLOT = "ETA 00:00"
#: The epoch slot when the number of epochs is not known.
_EPOCH_SLOT = "Epoch 00,000"


class StatusMessage(QtWidgets.QLabel):
    """The status bar's message, shortened with "…" to its room; the whole text in its tooltip.

    It follows the bar's ``messageChanged``, so ``statusBar().showMessage`` keeps working. Added
    as the bar's first permanent widget, stretching, it leaves the bar's own message drawing
    no room (which would cut a long message off in mid-word at the training status).
    """

    def __init__(self, bar: QtWidgets.QStatusBar):
        super().__init__(bar)
        self._full = ""
        #: Shorter forms of messages, longest first (see :data:`SHORT_MESSAGES`).
        self._short_forms: dict[str, tuple[str, ...]] = dict(SHORT_MESSAGES)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
        )
        self.setMinimumWidth(0)
        # Paints the bar's background over anything the bar itself would draw beneath.
        self.setAutoFillBackground(True)
        bar.messageChanged.connect(self.show_message)

    def full_text(self) -> str:
        """The message as given, before any shortening."""
        return self._full

    def set_short_forms(self, text: str, forms: tuple[str, ...]) -> None:
        """Shorter forms of the message ``text``, longest first, for when it does not fit."""
        self._short_forms[text] = tuple(forms)
        if text == self._full:
            self._refit()

    def show_message(self, text: str) -> None:
        """Show ``text``, shortened to the label's width when it does not fit."""
        self._full = text
        self._refit()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        room = self.contentsRect().width()
        metrics = self.fontMetrics()
        # The longest form read whole, else the shortest form cut with "…".
        forms = (self._full, *self._short_forms.get(self._full, ()))
        shown = next((form for form in forms if metrics.horizontalAdvance(form) <= room), None)
        if shown is None:
            shown = metrics.elidedText(forms[-1], Qt.TextElideMode.ElideRight, room)
        self.setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


class TrainingStatus(QtWidgets.QWidget):
    """Permanent status-bar widget: state, epoch, step, losses, speed, progress and ETA.

    Each figure has a slot of fixed width, sized for the widest text a run shows (see
    :data:`_STEP_SLOT` and its neighbours), so nothing moves while the numbers change. Speed
    and ETA show only while training runs: their slots give their room back to the
    messages otherwise.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(10)
        self.state_label = QtWidgets.QLabel()
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # A badge as wide as the longest state (bold, 10 px padding each side), not as wide as
        # a large window's status bar.
        bold = QtGui.QFont(self.state_label.font())
        bold.setBold(True)
        self._badge_metrics = QtGui.QFontMetrics(bold)
        longest = max(self._badge_metrics.horizontalAdvance(t) for t, _, _ in STATE_STYLES.values())
        #: The badge's width: room for the longest state, so a change of state moves nothing.
        self._badge_width = self._badge_size(longest)
        self.state_label.setFixedWidth(self._badge_width)
        self.epoch_label = QtWidgets.QLabel()
        self.step_label = QtWidgets.QLabel()
        self.loss_label = QtWidgets.QLabel()
        self.speed_label = QtWidgets.QLabel()
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.setFixedWidth(80)
        self.progress.setFixedHeight(14)
        self.eta_label = QtWidgets.QLabel()
        for widget in (
            self.state_label,
            self.epoch_label,
            self.step_label,
            self.loss_label,
            self.speed_label,
            self.progress,
            self.eta_label,
        ):
            layout.addWidget(widget)
        #: The text each live label's slot is sized for.
        self._slots: dict[QtWidgets.QLabel, str] = {}
        for label in self._live_labels():
            label.setFixedHeight(label.sizeHint().height())
        self._size_slot(self.step_label, _STEP_SLOT)
        self._size_slot(self.loss_label, _LOSS_SLOT)
        self._size_slot(self.speed_label, _SPEED_SLOT)
        self._size_slot(self.eta_label, _ETA_SLOT)
        self._state = "idle"
        self._progress_shown_at = -math.inf
        self._progress_total: int | None = None
        #: The number of epochs the epoch slot is sized for (None: not known).
        self._epochs_total: int | None = None
        self._size_slot(self.epoch_label, _EPOCH_SLOT)
        self._compact = False
        #: Whether the window asked for a compact bar (it also turns compact when short of
        #: room).
        self._compact_asked = False
        #: Whether each of :attr:`_optional` would show if there were room for it.
        self._wanted: dict[QtWidgets.QWidget, bool] = {}
        #: The figures left out first when the status bar is short of room: the progress
        #: bar (the ETA says as much), then the speed.
        self._optional = (self.progress, self.speed_label)
        #: The width the figures may take (None: any).
        self._room: int | None = None
        self.set_state("idle")
        self.clear()

    def set_compact(self, compact: bool) -> None:
        """Leave the step count out (it shows in the epoch's tooltip) when ``compact``.

        A narrow window's status bar holds every figure of a run only by leaving its
        messages a few letters; the step count says least of them. The bar also turns
        compact by itself when its figures do not fit the room given (see :meth:`fit_width`).
        """
        self._compact_asked = compact
        self._fit_room()

    def fit_width(self, room: int | None, *, compact: bool = False) -> None:
        """Show only the figures that fit ``room`` pixels (None: every figure).

        At 18 pt in a 1024 pixel window a run's figures need more than the status bar's
        width: the labels were drawn over one another ("val 0.79 950 steps/s" overlapped).
        The bar turns compact when ``compact`` or when its full figures do not fit; then the
        progress bar, and then the speed, are left out while they do not fit (the speed
        shows in the epoch's tooltip).
        """
        self._room = room
        self.set_compact(compact)

    def _set_shown(self, widget: QtWidgets.QWidget, shown: bool) -> None:
        """Show or hide one of :attr:`_optional` as the run asks, room permitting."""
        if self._wanted.get(widget) == shown:
            return
        self._wanted[widget] = shown
        self._fit_room()

    def _needed_width(self, widths: list[int]) -> int:
        """The bar's width for figures ``widths`` pixels wide, side by side."""
        margins = self.layout().contentsMargins()
        spacing = self.layout().spacing()
        return margins.left() + margins.right() + sum(widths) + spacing * max(0, len(widths) - 1)

    def _fit_room(self) -> None:
        """Choose compact or full figures, then leave out optional figures, least telling
        first, until the rest fit the room."""
        if not hasattr(self, "_room"):
            return  # still being built
        room = self._room
        wanted = [widget for widget in self._optional if self._wanted.get(widget, False)]
        optional_widths = [widget.minimumWidth() for widget in wanted]
        eta = [] if self.eta_label.isHidden() else [self.eta_label.minimumWidth()]
        compact = self._compact_asked
        if not compact and room is not None:
            full = [
                self._badge_width,
                self.epoch_label.minimumWidth(),
                self.step_label.minimumWidth(),
                self.loss_label.minimumWidth(),
            ]
            compact = self._needed_width(full + eta + optional_widths) > room
        if compact != self._compact:
            self._compact = compact
            self.step_label.setVisible(not compact)
            self._fit_badge()
        figures = [self.state_label.minimumWidth(), self.epoch_label.minimumWidth()]
        if not compact:
            figures.append(self.step_label.minimumWidth())
        figures += [self.loss_label.minimumWidth(), *eta]
        while wanted and room is not None and self._needed_width(figures + optional_widths) > room:
            wanted.pop(0)
            optional_widths.pop(0)
        for widget in self._optional:
            visible = widget in wanted
            if widget.isHidden() == visible:
                widget.setVisible(visible)
        self._update_epoch_tip()

    def _update_epoch_tip(self) -> None:
        """The epoch's tooltip: the figures left out of a compact or crowded bar."""
        parts = []
        if self._compact:
            parts.append(self.step_label.text())
        speed = self.speed_label.text()
        if speed and self._wanted.get(self.speed_label, False) and self.speed_label.isHidden():
            parts.append(speed)
        tip = " · ".join(part for part in parts if part)
        if self.epoch_label.toolTip() != tip:
            self.epoch_label.setToolTip(tip)

    @staticmethod
    def _badge_size(text_width: int) -> int:
        """The badge's width for a state text ``text_width`` pixels wide (bold, padded)."""
        return max(96, text_width + 2 * 10 + 8)

    def _fit_badge(self) -> None:
        """Size the badge: for the longest state, or for its own state when compact.

        At 18 pt the longest state ("Early-stopped") takes about 100 pixels more than
        "Ready": a compact status bar gives them to its messages, which otherwise read
        "Pres…"; the figures move only when the state changes.
        """
        width = self._badge_width
        if self._compact:
            width = self._badge_size(self._badge_metrics.horizontalAdvance(self.state_label.text()))
        if self.state_label.minimumWidth() != width:
            self.state_label.setFixedWidth(width)

    def _live_labels(self) -> tuple[QtWidgets.QLabel, ...]:
        return (
            self.epoch_label,
            self.step_label,
            self.loss_label,
            self.speed_label,
            self.eta_label,
        )

    @staticmethod
    def _text_width(label: QtWidgets.QLabel, text: str) -> int:
        return label.fontMetrics().horizontalAdvance(text) + 2 * label.margin() + 4

    def _size_slot(self, label: QtWidgets.QLabel, template: str) -> None:
        """Make ``label`` as wide as ``template`` (its digits read as the widest digit)."""
        if self._slots.get(label) == template:
            return
        self._slots[label] = template
        label.setFixedWidth(self._text_width(label, _widest_digits(template, label.fontMetrics())))

    @classmethod
    def _show(cls, label: QtWidgets.QLabel, text: str) -> None:
        """Set a live label's text; its slot grows only for a text wider than it was sized for.

        A label of fixed size takes new text without asking the window to lay itself out
        again, which would cost several milliseconds for every frame's numbers.
        """
        if text == label.text():
            return
        needed = cls._text_width(label, text)
        if needed > label.width():
            label.setFixedWidth(needed)
        label.setText(text)

    def set_epochs_total(self, total: int | None) -> None:
        """Size the epoch slot for a run of ``total`` epochs ("Epoch 500 / 500")."""
        total = int(total) if total else None
        if total == self._epochs_total:
            return
        self._epochs_total = total
        slot = f"Epoch {total:,} / {total:,}" if total else _EPOCH_SLOT
        self._slots.pop(self.epoch_label, None)
        self._size_slot(self.epoch_label, slot)

    def set_validation(self, shown: bool) -> None:
        """Size the loss slot for a validation loss too (``shown``) or the training loss only.

        Known from the data before the first figures arrive, so they do not widen the slot.
        """
        slot = _LOSS_SLOT + (_VAL_LOSS_SLOT if shown else "")
        if self._slots.get(self.loss_label) == slot:
            return
        self._size_slot(self.loss_label, slot)
        self._fit_room()

    def set_state(self, state: str) -> None:
        """Show the training state (Running, Paused, Finished, Diverged, …)."""
        self._state = state
        text, fg, bg = STATE_STYLES.get(state, (state.capitalize(), "#374151", "#e5e7eb"))
        self.state_label.setText(text)
        self._fit_badge()
        self.state_label.setStyleSheet(
            f"QLabel {{ color: {fg}; background: {bg}; border-radius: 8px; padding: 1px 10px;"
            " font-weight: bold; }"
        )
        running = state == "running"
        if not running:
            self._show(self.speed_label, "")
            self._show(self.eta_label, "")
        # The slots of a run show from its start, before its first figures: the items
        # beside them then stay where they are while it runs.
        self._show_running_slots(running, self._epochs_total)
        if running and self._epochs_total:
            self._set_shown(self.progress, True)

    def _show_running_slots(self, running: bool, total: int | None) -> None:
        self.eta_label.setVisible(running and bool(total))
        self._set_shown(self.speed_label, running)

    def clear(self, total_epochs: int | None = None) -> None:
        """Forget the last snapshot (a new project or reset weights).

        The run's length stays shown ("Epoch 0 / 500" and an empty progress bar), so the
        labels do not move until the fresh network's first frame brings its loss.
        """
        self._show_position(0, 0, total_epochs, 0.0)
        self._show(self.loss_label, "Loss –")
        self._show(self.speed_label, "")
        self._show(self.eta_label, "")

    def _show_position(self, epoch: int, step: int, total: int | None, fraction: float) -> None:
        self.set_epochs_total(total)
        # Epochs lowered below the current epoch while training ran: the run ends where it
        # is, past its new length, and "Epoch 9 / 1" would read as a mistake. The full
        # progress bar says the run is complete.
        of_total = f" / {total:,}" if total and epoch <= total else ""
        self._show(self.epoch_label, f"Epoch {epoch:,}{of_total}")
        self._show(self.step_label, f"Step {step:,}")
        if self._compact:
            self._update_epoch_tip()
        self._set_shown(self.progress, bool(total))
        if total:
            self.progress.setValue(round(min(1.0, max(0.0, fraction)) * 1000))

    def show_snapshot(self, snapshot: Any, total_epochs: int | None) -> None:
        """Update epoch, step and losses from an engine snapshot.

        A run counts on from the epoch and step of the weights it started from, so the
        snapshot's position is the weights' own even before the run takes a step.
        """
        epoch = int(getattr(snapshot, "epoch", 0))
        step = int(getattr(snapshot, "step", 0))
        within = float(getattr(snapshot, "epoch_progress", 0.0) or 0.0)
        fraction = (epoch + within) / total_epochs if total_epochs else 0.0
        self._show_position(epoch, step, total_epochs, fraction)
        train = getattr(snapshot, "train_loss", None)
        if train is None:
            train = getattr(snapshot, "batch_loss", None)
        val = getattr(snapshot, "val_loss", None)
        text = f"Loss {_format_loss(train)}"
        if val is not None:
            text += f" · val {_format_loss(val)}"
        self.set_validation(val is not None)
        slot = self.loss_label.minimumWidth()
        self._show(self.loss_label, text)
        if self.loss_label.minimumWidth() != slot:
            self._fit_room()  # a wider loss ("1.234e-05") than the slot was sized for

    def show_progress(self, progress: dict) -> None:
        """Update position, speed and ETA from the controller's progress report.

        While training runs, reports closer than :data:`_STATUS_PROGRESS_INTERVAL` to the
        last one shown are skipped (the next one follows within a frame) unless the number of
        epochs changed; any other report shows at once.
        """
        running = progress.get("state", self._state) == "running"
        total = progress.get("epochs_total")
        total = int(total) if total else None
        now = time.monotonic()
        if (
            running
            and total == self._progress_total
            and now - self._progress_shown_at < _STATUS_PROGRESS_INTERVAL
        ):
            return
        self._progress_shown_at = now if running else -math.inf
        self._progress_total = total
        epoch = int(progress.get("epoch", 0) or 0)
        step = int(progress.get("step", 0) or 0)
        self._show_position(epoch, step, total, epoch / total if total else 0.0)
        self._show_running_slots(running, total)
        speed = progress.get("steps_per_second")
        self._show(self.speed_label, f"{speed:,.0f} steps/s" if running and speed else "")
        if self.speed_label.isHidden():
            self._update_epoch_tip()  # where a crowded bar shows the speed
        eta = progress.get("eta_seconds")
        self._show(
            self.eta_label,
            f"ETA {_format_duration(eta)}" if running and total and eta is not None else "",
        )


class ShortcutsDialog(QtWidgets.QDialog):
    """Help › Keyboard shortcuts: :data:`SHORTCUTS_HELP` as a table of keys and actions.

    Sized from its text in the dialog's font: the keys column as wide as its longest keys,
    the actions column as wide as the longest action up to about 50 characters; longer
    actions, and every action once the dialog is made narrower, wrap onto more lines.
    """

    #: Characters an action's line holds at most before it wraps.
    LINE_CHARACTERS = 50

    def __init__(self, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QtWidgets.QVBoxLayout(self)
        table = QtWidgets.QTableWidget(len(SHORTCUTS_HELP), 2)
        table.setHorizontalHeaderLabels(["Keys", "Action"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        top_left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
        for row, (keys, action) in enumerate(SHORTCUTS_HELP):
            for column, text in enumerate((keys, action)):
                item = QtWidgets.QTableWidgetItem(text)
                item.setTextAlignment(top_left)
                table.setItem(row, column, item)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.setVerticalScrollMode(QtWidgets.QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setWordWrap(True)
        table.setTextElideMode(Qt.TextElideMode.ElideNone)
        metrics = table.fontMetrics()
        #: Room a cell leaves around its text (pixels), left and right together.
        self._padding = metrics.averageCharWidth() * 2 + 8
        table.resizeColumnToContents(0)
        table.setColumnWidth(0, table.columnWidth(0) + self._padding)
        longest = max(metrics.horizontalAdvance(action) for _keys, action in SHORTCUTS_HELP)
        line = metrics.averageCharWidth() * self.LINE_CHARACTERS
        table.setColumnWidth(1, min(longest, line) + self._padding)
        header = table.horizontalHeader()
        # Headings over their left-aligned cells.
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.table = table
        self._fit_rows()
        # A narrower dialog wraps the actions onto more lines instead of cutting them off.
        header.sectionResized.connect(self._column_resized)
        table.viewport().installEventFilter(self)
        # The keys and a few words of each action at least; a few rows, which scroll when
        # the dialog is made (or opens) shorter than all of them.
        table.setMinimumSize(
            table.columnWidth(0) + 16 * metrics.averageCharWidth(),
            header.sizeHint().height() + 4 * (metrics.lineSpacing() + 10),
        )
        layout.addWidget(table)
        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(self._fitting_size(buttons))

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.Resize and watched is self.table.viewport():
            # The actions take the table's width beside the keys, at any dialog size.
            keys = self.table.columnWidth(0)
            least = 8 * self.table.fontMetrics().averageCharWidth()
            self.table.setColumnWidth(1, max(least, self.table.viewport().width() - keys))
        return super().eventFilter(watched, event)

    def _column_resized(self, index: int, _old: int, _new: int) -> None:
        if index == 1:
            self._fit_rows()

    def _fit_rows(self) -> None:
        """Make each row as tall as its action wrapped to the actions column's width."""
        table = self.table
        metrics = table.fontMetrics()
        width = max(table.columnWidth(1) - self._padding, 4 * metrics.averageCharWidth())
        for row in range(table.rowCount()):
            text = table.item(row, 1).text()
            bounds = metrics.boundingRect(
                QtCore.QRect(0, 0, width, 100 * metrics.lineSpacing()),
                int(Qt.TextFlag.TextWordWrap.value),
                text,
            )
            table.setRowHeight(row, bounds.height() + 10)

    def _fitting_size(self, buttons: QtWidgets.QWidget) -> QtCore.QSize:
        """Room for every row at full width, within the screen's free area (frame included)."""
        table = self.table
        margins = self.layout().contentsMargins()
        frame = 2 * table.frameWidth()
        wanted = (
            margins.top()
            + table.horizontalHeader().sizeHint().height()
            + table.verticalHeader().length()
            + frame
            + self.layout().spacing()
            + buttons.sizeHint().height()
            + margins.bottom()
        )
        width = (
            table.columnWidth(0)
            + table.columnWidth(1)
            + frame
            + table.verticalScrollBar().sizeHint().width()
            + margins.left()
            + margins.right()
        )
        screen = self.screen() if self.parentWidget() is None else self.parentWidget().screen()
        if screen is not None:
            # Room for the window frame and title bar, which the dialog's size leaves out.
            free = screen.availableGeometry()
            wanted = min(wanted, free.height() - 60)
            width = min(width, free.width() - 40)
        return QtCore.QSize(
            max(width, self.minimumSizeHint().width()),
            max(wanted, self.minimumSizeHint().height()),
        )


class MainWindow(QtWidgets.QMainWindow):
    """The studio window.

    Parameters
    ----------
    settings : QSettings or None
        Where geometry, dock layout and recent files persist; default
        :func:`default_settings` (organization and application "nnstudio").
    restore_layout : bool
        Restore the saved geometry, dock layout, plot choices, View › Show dropped units
        and training speed (screenshots start from the defaults).
    startup : Startup or None
        Open this start-up project before the views are built, so they are built once, for
        it; call :meth:`finish_startup` once the window is shown. ``None`` starts with the
        default project.

    Signals
    -------
    frameShown(object)
        After the canvas painted a training frame (tests wait on it); the plots and docks
        show it, or a newer frame, in the next events (at most 10 times a second).
    """

    frameShown = Signal(object)

    def __init__(
        self,
        *,
        settings: QtCore.QSettings | None = None,
        restore_layout: bool = True,
        startup: Startup | None = None,
        parent: QtWidgets.QWidget | None = None,
    ):
        super().__init__(parent)
        self.settings = settings if settings is not None else default_settings()
        self.setWindowIcon(icon("app"))
        self.setDockOptions(
            QtWidgets.QMainWindow.DockOption.AnimatedDocks
            | QtWidgets.QMainWindow.DockOption.AllowTabbedDocks
            | QtWidgets.QMainWindow.DockOption.AllowNestedDocks
        )
        self.document = StudioDocument(self)
        self.document.confirm_discard_weights = self._confirm_discard_weights
        # The start-up project goes into the document before any view observes it: the views
        # are then built for it alone, not for the default project first and again for it.
        self._startup: _StartupOutcome | None = None
        if startup is not None:
            self._startup = self._open_startup_document(startup)
        self.controller = TrainingController(self.document)
        self.selection: Selection | None = None
        self._state = "idle"
        self._closing = False
        self._shut_down = False
        self._heap_frozen = False
        #: While the window passes a new font on to its widgets (see _pass_font_on).
        self._passing_font = False
        #: Live frames reach the views through the relay, a short step per event.
        self.relay = FrameRelay(self)

        # -- centre: banner above the canvas
        self.canvas = NetworkCanvas(self.document)
        self.banner = Banner()
        centre = QtWidgets.QWidget()
        centre_layout = QtWidgets.QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(4)
        centre_layout.addWidget(self.banner)
        centre_layout.addWidget(self.canvas, 1)
        self.setCentralWidget(centre)
        #: The canvas's own minimum height; a banner above it takes its room from it.
        self._canvas_min_height = self.canvas.minimumHeight()
        self.banner.shownChanged.connect(self._fit_centre)

        # -- docks
        self.data_panel = DataPanel(self.document)
        self.data_dock = QtWidgets.QDockWidget("Data")
        self.data_dock.setObjectName("DataDock")
        self.data_dock.setWidget(self.data_panel)
        self.properties_dock = PropertiesDock(self.document)
        # A selected neuron's incoming weights take the canvas's colours.
        self.properties_dock.properties.neuron_page.set_weight_scale(self._edge_weight_limit)
        # The layer page's Remove button drops its layer: the canvas must not keep it selected.
        self.properties_dock.properties.layer_page.layerRemoved.connect(
            lambda: self.canvas.select(None)
        )
        self.training_dock = TrainingDock(self.document)
        self.plots = PlotsPanel()
        self.plots_dock = QtWidgets.QDockWidget("Plots")
        self.plots_dock.setObjectName("PlotsDock")
        self.plots_dock.setWidget(self.plots)
        self.docks: dict[str, QtWidgets.QDockWidget] = {
            "data": self.data_dock,
            "training": self.training_dock,
            "properties": self.properties_dock,
            "plots": self.plots_dock,
        }
        features = (
            QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
            | QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        for dock in self.docks.values():
            dock.setFeatures(features)
        #: While the window itself places the docks (their moves are not the user's).
        self._arranging = False
        #: Whether the user moved, floated or docked a dock since the layout was last made
        #: (the window then leaves the arrangement to them).
        self._user_arranged = False
        #: The width the window was last given (by the user, the caller or its first size),
        #: as opposed to a width its docks' least widths forced on it.
        self._given_width = 0
        self._arrange_docks()

        self.status_message = StatusMessage(self.statusBar())
        self.statusBar().addPermanentWidget(self.status_message, 1)
        self.status = TrainingStatus()
        self.status.set_epochs_total(self.document.project.training.epochs)
        self.statusBar().addPermanentWidget(self.status)
        #: The last status message about a run (the controller's, the start hint), and the
        #: one that came with the current state (it stays shown).
        self._run_message: str | None = None
        self._state_message: str | None = None
        self.statusBar().setSizeGripEnabled(True)

        self._create_actions()
        self._create_menus()
        self._create_toolbar()
        self.setAcceptDrops(True)
        self._space_filter = _TextEntryKeys(self)
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.focusChanged.connect(self._space_filter.follow_focus)
            app.focusChanged.connect(self._focus_moved)
            self._space_filter.follow_focus(None, app.focusWidget())
        for dock in self.docks.values():
            dock.visibilityChanged.connect(
                lambda visible, dock=dock: visible or self._dock_went_behind(dock)
            )

        self._connect()
        self._default_state = self.saveState()
        #: The share of the window each dock area takes (a width beside the centre, a height
        #: above or below it) as the user left it; empty while the docks keep their default
        #: shares. Resizing the window keeps these shares, so the canvas keeps its own.
        self._dock_shares: dict[Qt.DockWidgetArea, float] = {}
        #: Whether window resizes re-apply the shares (from the first layout on screen).
        self._docks_tracked = False
        #: The last dock arrangement that fitted the screen (see :meth:`_refuse_overflow`).
        self._fitting_state: QtCore.QByteArray | None = None
        #: The dock the user moved last, floated or docked.
        self._moved_dock: QtWidgets.QDockWidget | None = None
        for dock in self.docks.values():
            dock.dockLocationChanged.connect(lambda _area, d=dock: self._docks_rearranged(d))
            dock.topLevelChanged.connect(lambda _floating, d=dock: self._docks_rearranged(d))
        self._sized = False
        #: Whether the window chose its own first size, to fit the screen (frame included).
        self._fits_screen = False
        if restore_layout:
            self._sized = self._restore_layout()
        else:
            self.resize(1280, 800)
        self._update_title()
        self._update_selection_actions()
        self._update_training_actions()
        self._update_undo_actions()
        self._refresh_plot_context()
        # Data that could not be loaded (a start-up project's) is explained in the banner.
        self._dataset_changed(self.document.dataset)
        #: Whether a check of the docks' room (:meth:`_check_room`) is waiting its turn.
        self._room_check_due = False
        self._room_watch = _LayoutRequests(self._schedule_room_check, self)
        self.installEventFilter(self._room_watch)
        # What the first window does not show is built once it has been painted.
        self._first_paint = _FirstPaint(self._after_first_paint, self)
        self.installEventFilter(self._first_paint)

    def _after_first_paint(self) -> None:
        """Build what the first window does not show, one piece per event loop turn.

        The hidden plot tabs and the Training settings form (a tab behind the Data dock)
        would otherwise delay the first paint; one piece at a time keeps the window
        responsive meanwhile.
        """
        if self._shut_down:
            return
        if self.plots.build_remaining_tabs():
            QtCore.QTimer.singleShot(0, self._after_first_paint)
        elif not self.training_dock.is_built:
            self.training_dock.build()
            QtCore.QTimer.singleShot(0, self._after_first_paint)
        elif not self._heap_frozen:
            self._heap_frozen = True
            _freeze_heap()

    # ---- construction ------------------------------------------------------------------------

    def _arrange_docks(self, *, compact: bool = False) -> None:
        """Default layout: data and training settings left, properties right, plots below.

        ``compact`` (see :meth:`_wants_compact_layout`): Properties is a third tab beside Data
        and Training settings, and the canvas gets the right side.
        """
        arranging, self._arranging = self._arranging, True
        try:
            self._place_docks(compact=compact)
        finally:
            self._arranging = arranging
        self.apply_default_sizes()

    def _place_docks(self, *, compact: bool) -> None:
        """Put the docks where :meth:`_arrange_docks` wants them."""
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        self.setCorner(Qt.Corner.BottomLeftCorner, left)
        self.setCorner(Qt.Corner.BottomRightCorner, right)
        for dock in self.docks.values():
            self.removeDockWidget(dock)
        self.addDockWidget(left, self.data_dock)
        self.addDockWidget(left, self.training_dock)
        self.tabifyDockWidget(self.data_dock, self.training_dock)
        if compact:
            self.addDockWidget(left, self.properties_dock)
            self.tabifyDockWidget(self.training_dock, self.properties_dock)
        else:
            self.addDockWidget(right, self.properties_dock)
        self.addDockWidget(bottom, self.plots_dock)
        for dock in self.docks.values():
            dock.show()
        self.data_dock.raise_()

    def _wants_compact_layout(self, width: int | None = None) -> bool:
        """Whether the default layout should tab Properties with Data and Training settings.

        So it is in a window narrower than :data:`_COMPACT_LAYOUT_WIDTH`, and in any window
        too narrow for three columns side by side at the docks' least widths: at an 18 pt
        font on a 1024 pixel screen, Data, Properties and the Plots under the canvas need
        about 1090 pixels, and the window would grow past the screen's edge.

        Parameters
        ----------
        width : int or None
            The window's width to judge for; ``None`` is its width now.
        """
        width = self.width() if width is None else width
        if width < _COMPACT_LAYOUT_WIDTH:
            return True
        left = max(
            self.data_dock.minimumSizeHint().width(),
            self.training_dock.minimumSizeHint().width(),
        )
        right = self.properties_dock.minimumSizeHint().width()
        centre = max(
            self.centralWidget().minimumSizeHint().width(),
            self.plots_dock.minimumSizeHint().width(),
        )
        separator = self.style().pixelMetric(
            QtWidgets.QStyle.PixelMetric.PM_DockWidgetSeparatorExtent, None, self
        )
        return left + right + centre + 2 * separator > width

    def apply_default_sizes(self) -> None:
        """Give the docks their default share of the window (the canvas keeps the most)."""
        width, height = max(self.width(), 800), max(self.height(), 600)
        # The docks' minimum widths keep every form unclipped when the window is narrow.
        left = max(280, min(400, round(width * 0.3)))
        right = max(250, min(380, round(width * 0.2)))
        docks, widths = [self.data_dock], [left]
        if self.properties_dock not in self.tabifiedDockWidgets(self.data_dock):
            docks.append(self.properties_dock)
            widths.append(right)
        else:
            # Three tabs share the left side: wide enough for their names whole (at 18 pt
            # "Training settings" read "Training se…" and "Data" read "D…"), up to half.
            widths[0] = max(left, min(self._tabs_width(self.data_dock), width // 2))
        self.resizeDocks(docks, widths, Qt.Orientation.Horizontal)
        self.resizeDocks(
            [self.plots_dock],
            [round(height * (0.41 if height < 1000 else 0.4))],
            Qt.Orientation.Vertical,
        )

    def _tabs_width(self, dock: QtWidgets.QDockWidget) -> int:
        """The width the tab bar under ``dock``'s tabbed group needs for every name whole."""
        bar = self._group_tab_bar(dock)
        return 0 if bar is None else bar.sizeHint().width()

    def _fit_centre(self) -> None:
        """Give the canvas less minimum height while the banner shows above it.

        The docks leave the centre as little as the canvas's minimum height in a small
        window (1024 x 640): a banner on top of that minimum would push the canvas's colour
        key and zoom buttons under the Plots dock. The banner and canvas together keep the
        canvas's own minimum instead.
        """
        height = self._canvas_min_height
        if not self.banner.isHidden():
            spacing = self.centralWidget().layout().spacing()
            height = max(_CANVAS_MIN_UNDER_BANNER, height - self.banner.tallest() - spacing)
        self.canvas.setMinimumHeight(height)

    def _action(
        self,
        text: str,
        slot: Callable[..., Any],
        *,
        shortcut: QtGui.QKeySequence | str | list[Any] | None = None,
        icon_name: str | None = None,
        tip: str | None = None,
    ) -> QtGui.QAction:
        action = QtGui.QAction(text, self)
        if icon_name is not None:
            action.setIcon(icon(icon_name))
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QtGui.QKeySequence(s) for s in shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        if tip is not None:
            self._set_tip(action, tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    @staticmethod
    def _set_tip(action: QtGui.QAction, tip: str) -> None:
        """Give ``action`` the status tip ``tip`` and the tooltip ``tip`` with its keys.

        The toolbar drops its labels in a narrow window or at a large font; the tooltip is
        then all a button says, so it names the keys too: "Train on one mini-batch (F10)".
        """
        keys = action.shortcut().toString(QtGui.QKeySequence.SequenceFormat.NativeText)
        action.setStatusTip(tip)
        action.setToolTip(f"{tip} ({keys})" if keys else tip)

    def _create_actions(self) -> None:
        keys = QtGui.QKeySequence.StandardKey
        self.new_action = self._action(
            "&New", self.new_project, shortcut=keys.New, icon_name="new", tip="New project"
        )
        self.open_action = self._action(
            "&Open…",
            self.open_dialog,
            shortcut=keys.Open,
            icon_name="open",
            tip="Open a project file",
        )
        self.save_action = self._action(
            "&Save", self.save, shortcut=keys.Save, icon_name="save", tip="Save the project"
        )
        self.save_as_action = self._action(
            "Save &as…", self.save_as, shortcut="Ctrl+Shift+S", tip="Save under a new name"
        )
        self.export_action = self._action(
            "&Export…",
            self.export_dialog,
            shortcut="Ctrl+E",
            icon_name="export",
            tip="Export the weights, the diagram or the plots",
        )
        self.import_onnx_action = self._action(
            "&Import ONNX…",
            self.import_onnx_dialog,
            shortcut="Ctrl+I",
            tip="Open an ONNX model as a new project",
        )
        self.load_weights_action = self._action(
            "Load &weights…",
            self.load_weights_dialog,
            shortcut="Ctrl+Shift+O",
            tip="Start from weights saved as .npz, .json or .safetensors (warm start)",
        )
        # StandardKey.Quit is empty on some platforms (Windows, offscreen): spell it out.
        self.quit_action = self._action("&Quit", self.close, shortcut="Ctrl+Q")

        # The stack's actions keep their text and enabled state; triggering goes through
        # step_undo_stack, which reads data the step needs in the background first.
        self.undo_action = self.document.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.triggered.disconnect()
        self.undo_action.triggered.connect(lambda: self.step_undo_stack(redo=False))
        self.undo_action.setShortcuts([QtGui.QKeySequence(keys.Undo)])
        self.undo_action.setIcon(icon("undo"))
        self.redo_action = self.document.undo_stack.createRedoAction(self, "&Redo")
        self.redo_action.triggered.disconnect()
        self.redo_action.triggered.connect(lambda: self.step_undo_stack(redo=True))
        self.redo_action.setShortcuts(
            [QtGui.QKeySequence("Ctrl+Shift+Z"), QtGui.QKeySequence("Ctrl+Y")]
        )
        self.redo_action.setIcon(icon("redo"))
        self.addAction(self.undo_action)
        self.addAction(self.redo_action)
        # The stack enables its actions whenever a step is available; these run after it
        # (connected later) and keep them off while training runs.
        stack = self.document.undo_stack
        stack.canUndoChanged.connect(lambda _can: self._update_undo_actions())
        stack.canRedoChanged.connect(lambda _can: self._update_undo_actions())
        self.delete_action = self._action(
            "&Delete layer",
            self.delete_selection,
            shortcut=keys.Delete,
            icon_name="remove",
            tip=DELETE_TIPS["layer"],
        )
        self.add_layer_action = self._action(
            "Add &layer",
            self.add_layer,
            shortcut="Ctrl+L",
            icon_name="add_layer",
            tip="Add a hidden layer (after the selected one, or before the output)",
        )
        self.add_neuron_action = self._action(
            "Add &neuron",
            lambda: self.change_units(1),
            shortcut=["+", "="],
            icon_name="add_neuron",
            tip="Add a neuron to the selected hidden layer",
        )
        self.remove_neuron_action = self._action(
            "Re&move neuron",
            lambda: self.change_units(-1),
            shortcut=["-"],
            icon_name="remove_neuron",
            tip="Remove a neuron from the selected hidden layer",
        )
        # + and − act where the network is: on the canvas. Window-wide they would also fire
        # while typing in a dock's combo box.
        for action in (self.add_neuron_action, self.remove_neuron_action):
            self.removeAction(action)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.canvas.addAction(action)

        self.fit_action = self._action(
            "&Fit view",
            self.canvas.fit,
            shortcut="Ctrl+0",
            icon_name="fit",
            tip="Fit the whole network in view",
        )
        self.reset_layout_action = self._action("&Reset layout", self.reset_layout)
        # Dropout at work on the canvas (on by default, remembered with the window's layout).
        self.show_dropped_action = QtGui.QAction("&Show dropped units", self)
        self.show_dropped_action.setCheckable(True)
        self.show_dropped_action.setChecked(self.canvas.show_dropped)
        self._set_tip(
            self.show_dropped_action,
            "Cross out the neurons dropout dropped in the last training step "
            "(for the first sample of its mini-batch)",
        )
        self.show_dropped_action.toggled.connect(self.canvas.set_show_dropped)

        self.play_action = self._action(
            "Play",
            self.play_or_pause,
            shortcut="Space",
            icon_name="play",
            tip="Start or pause training",
        )
        self.step_action = self._action(
            "Step",
            self.step_once,
            shortcut="F10",
            icon_name="step",
            tip="Train on one mini-batch",
        )
        self.step_epoch_action = self._action(
            "Step epoch",
            self.step_one_epoch,
            shortcut="F11",
            icon_name="step_epoch",
            tip="Train for one epoch",
        )
        self.reset_action = self._action(
            "Reset weights",
            self.reset_weights,
            shortcut="Ctrl+R",
            icon_name="reset",
            tip="Re-initialise the weights",
        )
        self.reset_action.setIconText("Reset")  # the toolbar's short label
        self.stop_action = self._action(
            "Stop",
            self.controller.stop,
            shortcut=["Shift+F5", "Ctrl+."],
            icon_name="stop",
            tip="Stop training",
        )
        # Train › Speed and the toolbar's speed box choose among the same paces.
        self.pace_group = QtGui.QActionGroup(self)
        self.pace_group.setExclusive(True)
        self.pace_actions: list[QtGui.QAction] = []
        for pace in TRAINING_PACES:
            action = QtGui.QAction(pace_text(pace), self.pace_group)
            action.setCheckable(True)
            action.setChecked(pace == self.controller.pace)
            action.triggered.connect(lambda _checked=False, pace=pace: self.set_training_pace(pace))
            self.pace_actions.append(action)

        self.gradcheck_action = self._action(
            "Check &gradients…",
            self.gradient_check_dialog,
            shortcut="Ctrl+G",
            tip="Compare backpropagation with finite differences, layer by layer",
        )

        # View › a panel shows the dock, brings it in front of the docks tabbed with it and
        # puts the keyboard in it. (A dock's own toggle action would hide a dock that is
        # merely behind another tab, as it counts as shown.)
        self.dock_actions: dict[str, QtGui.QAction] = {}
        for number, (name, text) in enumerate(DOCK_MENU_TEXTS.items(), start=1):
            title = text.replace("&", "")
            self.dock_actions[name] = self._action(
                text,
                lambda name=name: self.show_dock(name),
                shortcut=f"Ctrl+{number}",
                tip=f"Go to the {title} panel",
            )
        # The plots' tabs from anywhere: the tab bar itself is far down the Tab order.
        self.plot_actions: list[QtGui.QAction] = []
        for number, name in enumerate(self.plots.tab_names(), start=1):
            self.plot_actions.append(
                self._action(
                    f"&{number} {name}",
                    lambda index=number - 1: self.show_plot(index),
                    shortcut=f"Alt+{number}",
                    tip=f"Show the {name} plot",
                )
            )
        self.next_plot_action = self._action(
            "&Next plot",
            lambda: self.cycle_tabs(1),
            shortcut="Ctrl+PgDown",
            tip="Show the next plot (or the next tab of the focused tab widget)",
        )
        self.previous_plot_action = self._action(
            "&Previous plot",
            lambda: self.cycle_tabs(-1),
            shortcut="Ctrl+PgUp",
            tip="Show the previous plot (or the previous tab of the focused tab widget)",
        )

        self.about_action = self._action("&About nnstudio", self.show_about)
        self.shortcuts_action = self._action(
            "&Keyboard shortcuts", self.show_shortcuts, shortcut="F1", tip="List every key"
        )

    def _create_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.new_action)
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.setToolTipsVisible(True)  # each entry's tooltip is its full path
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.samples_menu = file_menu.addMenu("Sa&mples")
        self.samples_menu.aboutToShow.connect(self._fill_samples_menu)
        file_menu.addSeparator()
        file_menu.addAction(self.save_action)
        file_menu.addAction(self.save_as_action)
        file_menu.addSeparator()
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.import_onnx_action)
        file_menu.addAction(self.load_weights_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._fill_recent_menu()
        self._fill_samples_menu()

        edit_menu = bar.addMenu("&Edit")
        # Undo and Redo say why they are off while training runs ("Pause training to undo").
        edit_menu.setToolTipsVisible(True)
        self.edit_menu = edit_menu
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.delete_action)
        edit_menu.addAction(self.add_layer_action)
        edit_menu.addAction(self.add_neuron_action)
        edit_menu.addAction(self.remove_neuron_action)

        view_menu = bar.addMenu("&View")
        for action in self.dock_actions.values():
            view_menu.addAction(action)
        plots_menu = view_menu.addMenu("Plot ta&bs")
        for action in self.plot_actions:
            plots_menu.addAction(action)
        plots_menu.addSeparator()
        plots_menu.addAction(self.next_plot_action)
        plots_menu.addAction(self.previous_plot_action)
        view_menu.addSeparator()
        view_menu.addAction(self.show_dropped_action)
        view_menu.addAction(self.fit_action)
        view_menu.addAction(self.reset_layout_action)

        train_menu = bar.addMenu("&Train")
        for action in (
            self.play_action,
            self.step_action,
            self.step_epoch_action,
            self.reset_action,
            self.stop_action,
        ):
            train_menu.addAction(action)
        speed_menu = train_menu.addMenu("S&peed")
        speed_menu.setToolTipsVisible(True)
        for action in self.pace_actions:
            speed_menu.addAction(action)
        train_menu.addSeparator()
        train_menu.addAction(self.gradcheck_action)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.shortcuts_action)
        help_menu.addAction(self.about_action)

    def _create_toolbar(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("MainToolBar")
        bar.setMovable(False)
        bar.setIconSize(QtCore.QSize(22, 22))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.new_action, self.open_action, self.save_action):
            bar.addAction(action)
        bar.addSeparator()
        for action in (
            self.play_action,
            self.step_action,
            self.step_epoch_action,
            self.reset_action,
            self.stop_action,
        ):
            bar.addAction(action)
        speed_tip = (
            "Most training steps a second: slow down to follow every update, "
            "full speed to train as fast as the machine can"
        )
        speed_label = QtWidgets.QLabel(" Speed ")
        speed_label.setToolTip(speed_tip)
        self.speed_box = QtWidgets.QComboBox()
        self.speed_box.setToolTip(speed_tip)
        self.speed_box.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # Space stays Play/Pause
        for pace in TRAINING_PACES:
            self.speed_box.addItem(pace_text(pace), pace)
        self.speed_box.setCurrentIndex(TRAINING_PACES.index(self.controller.pace))
        self.speed_box.activated.connect(
            lambda index: self.set_training_pace(TRAINING_PACES[index])
        )
        speed_label.setBuddy(self.speed_box)
        bar.addWidget(speed_label)
        bar.addWidget(self.speed_box)
        bar.addSeparator()
        bar.addAction(self.add_layer_action)
        # Fit view is on the canvas's own zoom bar and in View (Ctrl+0); the toolbar keeps
        # its room for the speed and example pickers.
        bar.addSeparator()
        # Which probe example the canvas colours its neurons for (see the colour key).
        example_label = QtWidgets.QLabel(" Example ")
        example_label.setToolTip("Neurons are coloured by their activation for this example")
        self.example_box = QtWidgets.QSpinBox()
        self.example_box.setRange(1, 1)
        self.example_box.setKeyboardTracking(False)
        self.example_box.setToolTip(example_label.toolTip())
        self.example_box.setAccelerated(True)
        self.example_box.valueChanged.connect(lambda value: self.canvas.set_example(value - 1))
        self.example_box.valueChanged.connect(lambda _value: self._describe_example())
        self.example_box.valueChanged.connect(
            lambda value: self.properties_dock.set_example(value - 1)
        )
        #: The frame whose examples the picker counts (for its tooltip).
        self._example_frame: Any = None
        example_label.setBuddy(self.example_box)
        bar.addWidget(example_label)
        bar.addWidget(self.example_box)
        self.toolbar = bar
        #: Measures the toolbar's buttons in a style they are not shown in (never shown).
        self._toolbar_probe = QtWidgets.QToolButton()
        # A sample opened (the example picker's "/ 128" suffix) or a control shown or hidden
        # changes the toolbar's width without a window resize: fit it again then too.
        self._toolbar_watch = _LayoutRequests(self._fit_toolbar, self)
        bar.installEventFilter(self._toolbar_watch)

    def set_training_pace(self, steps_per_second: float | None) -> None:
        """Train at most ``steps_per_second`` steps a second (``None``: full speed).

        Takes effect at once, also while training runs; the toolbar and Train › Speed show
        the choice.
        """
        self.controller.set_pace(steps_per_second)
        pace = self.controller.pace
        if pace in TRAINING_PACES:
            index = TRAINING_PACES.index(pace)
            self.pace_actions[index].setChecked(True)
            with QtCore.QSignalBlocker(self.speed_box):
                self.speed_box.setCurrentIndex(index)

    def _update_example_range(self, frame: Any) -> None:
        """Let the example picker reach every probe example of the latest frame."""
        count = max(int(np.shape(frame.probe_A[0])[0]) if frame is not None else 1, 1)
        if count != self.example_box.maximum() or not self.example_box.suffix():
            # Only on a change: a new suffix lays the toolbar out again.
            self.example_box.setMaximum(count)
            self.example_box.setSuffix(f" / {count}")
        self._example_frame = frame
        self._describe_example()

    def _describe_example(self) -> None:
        """Say which training example the picker shows: the views follow a fixed random
        sample of the training set, grouped by class, not the rows in their order."""
        frame = self._example_frame
        tip = "Neurons are coloured by their activation for this example"
        if frame is not None and len(frame.probe_indices):
            position = min(self.example_box.value(), len(frame.probe_indices)) - 1
            row = int(frame.probe_indices[position])
            which = f"training example {row + 1:,}"
            labels = frame.probe_labels
            if labels is not None and frame.target_names:
                which += f", class {frame.target_names[int(labels[position])]}"
            order = "grouped by class" if labels is not None else "in order of target"
            tip = (
                f"{tip}: {which}. The canvas and plots follow {len(frame.probe_indices):,} "
                f"examples drawn at random from the training set, {order}"
            )
        self.example_box.setToolTip(tip)

    def _connect(self) -> None:
        document = self.document
        document.dirtyChanged.connect(lambda _d: self._update_title())
        document.pathChanged.connect(lambda _p: self._update_title())
        document.projectChanged.connect(lambda _p: self._update_title())
        document.projectChanged.connect(
            lambda project: self.status.set_epochs_total(project.training.epochs)
        )
        # A penalty set or removed relabels the mini-batch losses (they include it).
        document.projectChanged.connect(self.plots.loss_tab.set_project)
        document.networkChanged.connect(lambda _n: self._update_selection_actions())
        document.datasetChanged.connect(lambda _d: self._refresh_plot_context())
        document.datasetChanged.connect(self._dataset_changed)
        document.networkChanged.connect(lambda _n: self._refresh_plot_context())
        document.weightsChanged.connect(self._weights_changed)
        document.notice.connect(self._notice)
        self.canvas.selectionChanged.connect(self._selection_changed)
        self.canvas.hoverTextChanged.connect(self._hover_text)
        self.controller.frameReady.connect(self._frame_ready)
        # The canvas (heatmaps, edge colours) takes every frame; curves and numbers change
        # smoothly enough at a few frames fewer, which leaves the canvas more of the time.
        self.relay.add_part("canvas", self._canvas_steps)
        self.relay.add_part("plots", self.plots.frame_steps, rest=_DOCKS_REST)
        self.relay.add_part("docks", self._dock_steps, rest=_DOCKS_REST)
        self.relay.frameShown.connect(self.frameShown)
        self.controller.stateChanged.connect(self._state_changed)
        self.controller.message.connect(self._controller_message)
        self.controller.progress.connect(self._progress)

    # ---- document ------------------------------------------------------------------------------

    def _update_title(self) -> None:
        dirty = "*" if self.document.is_dirty else ""
        self.setWindowTitle(f"{self.document.project.name}{dirty} — nnstudio")

    def _confirm_discard_weights(self, question: str) -> bool:
        answer = QtWidgets.QMessageBox.question(
            self,
            "Reset trained weights?",
            question,
            QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
            QtWidgets.QMessageBox.StandardButton.Yes,
        )
        return answer == QtWidgets.QMessageBox.StandardButton.Yes

    def maybe_save(self) -> bool:
        """Ask what to do with unsaved changes; return False when the user cancels.

        A value still being typed in a field counts as a change (see
        :meth:`commit_pending_edit`). Typing a field refused is not part of the project:
        the user is asked first whether to leave it out or go back and correct it.
        """
        buttons = QtWidgets.QMessageBox.StandardButton
        refused = self._refused_typing()
        if refused is not None:
            field, problem = refused
            answer = QtWidgets.QMessageBox.question(
                self,
                "Typed value not taken",
                f"{problem}.\n\nWhat was typed there is not part of the project. Discard "
                "it and go on, or cancel to correct it?",
                buttons.Discard | buttons.Cancel,
                buttons.Cancel,
            )
            if answer != buttons.Discard:
                self._reveal_field(field)
                return False
        if not self.document.is_dirty:
            return True
        answer = QtWidgets.QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to “{self.document.project.name}” first?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Cancel:
            return False
        if answer == buttons.Save:
            # The refused typing, if any, was just left out by the user's own choice.
            return self._save(check_typing=False)
        return True

    def new_project(self) -> None:
        """File › New."""
        if not self.maybe_save():
            return
        self.controller.stop()
        self.document.new()
        self._after_open()

    def open_dialog(self) -> None:
        """File › Open…."""
        if not self.maybe_save():
            return
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self,
            "Open project",
            str(self.last_directory()),
            "nnstudio projects (*.nnproj);;All files (*)",
        )
        if path:
            self.open_path(path, ask=False)

    def open_path(self, path: str | Path, *, ask: bool = True) -> bool:
        """Open a project file, asking about unsaved changes first (when ``ask``).

        An unreadable file shows its error and leaves the current document as it was.
        """
        if ask and not self.maybe_save():
            return False
        if not self._open_in_background(path, "Cannot open project"):
            return False
        self.add_recent(Path(path))
        self._after_open()
        return True

    def _open_in_background(self, path: str | Path, error_title: str) -> bool:
        """Read a project and its data behind a progress dialog, then show it.

        The current project stays (and keeps training) until the new one has been read; a
        cancelled read or a file that cannot be opened leaves it as it was.
        """
        try:
            read = run_with_progress(
                self, f"Opening {Path(path).name}", lambda progress: read_project(path, progress)
            )
        except ReadCancelled:
            self.statusBar().showMessage(f"Opening {Path(path).name} was cancelled", 5000)
            return False
        except NNStudioError as error:
            self.show_error(error_title, readable_error(error))
            return False
        self.controller.stop()
        with wait_cursor():
            self.document.open(read)
        return True

    def step_undo_stack(self, *, redo: bool) -> bool:
        """Undo (or redo) one step; data it brings back from a file is read in the background.

        Data sets of earlier steps are kept in memory up to a limit; going back to one that
        was dropped reads its CSV file again, behind a progress dialog. Cancelling that read
        cancels the step. A file that no longer loads still lets the step happen: the
        project then says why its data is missing, as when opening it.

        Returns
        -------
        bool
            Whether the step was taken.
        """
        stack = self.document.undo_stack
        if not (stack.canRedo() if redo else stack.canUndo()):
            return False
        if self._state == "running":
            # A step may change the network under the run, which would end it and lose
            # its training: as for the other edits, Undo and Redo wait for Pause.
            self.statusBar().showMessage(_undo_locked_tip(redo=redo), 4000)
            return False
        data = self.document.unread_data_after_step(redo=redo)
        if data is not None:
            name = Path(data.csv).name
            base_dir = self.document.base_dir
            dataset, error = None, None
            try:
                dataset = run_with_progress(
                    self, f"Reading {name}", lambda progress: load_dataset(data, base_dir, progress)
                )
            except ReadCancelled:
                step = "Redo" if redo else "Undo"
                self.statusBar().showMessage(
                    f"{step} cancelled: reading {name} was cancelled", 5000
                )
                return False
            except NNStudioError as failure:
                error = str(failure)
            self.document.keep_read_data(data, dataset, error)
        if redo:
            stack.redo()
        else:
            stack.undo()
        return True

    def load(self, path: str | Path) -> None:
        """Open ``path`` without any dialog (scripts, screenshots).

        Raises
        ------
        NNStudioError
            When the file cannot be opened; the current document is unchanged.
        """
        self.controller.stop()
        self.document.open(path)
        self._after_open()

    def open_sample(self, name: str) -> bool:
        """Open the sample project called ``name`` (e.g. ``"xor"``)."""
        sample = find_sample(name)
        if sample is None:
            self.show_error(
                "Sample not found",
                f"there is no sample called {name!r}; available: "
                + ", ".join(p.stem for p in sample_projects()),
            )
            return False
        if not self.maybe_save():
            return False
        if not self._open_in_background(sample, "Cannot open sample"):
            return False
        self._after_open()
        return True

    def finish_startup(self) -> None:
        """Complete the start-up opening once the window is shown (see :class:`Startup`).

        Shows the error of every file that could not be opened and the project's notices,
        adds the opened file to the recent files, starts the training process on the
        project and hints at Play in the status bar. Does nothing a second time.
        """
        outcome, self._startup = self._startup, None
        if outcome is None:
            return
        for title, message in outcome.errors:
            self.show_error(title, message)
        for text in outcome.notices:
            # Through the document, so every view that shows notices gets them, as on open.
            self.document.notice.emit(text)
        if outcome.recent is not None:
            self.add_recent(outcome.recent)
        if outcome.deferred is not None:
            # Once the window has painted: the progress dialog then has a window to sit on.
            deferred = outcome.deferred
            QtCore.QTimer.singleShot(0, lambda: self._open_deferred(deferred))
            return
        # The views were built for this project: only the training process is left.
        self._start_on_document()
        self.statusBar().showMessage(START_HINT, 10000)

    def _open_deferred(self, path: Path) -> None:
        """Open the start-up project with large data, now that the window shows."""
        if self._closing:
            return
        if self._open_in_background(path, "Cannot open project"):
            self.add_recent(path)
            self._after_open()
            self.statusBar().showMessage(START_HINT, 10000)
        else:
            self._start_on_document()  # the project shown instead trains as usual

    def _open_startup_document(self, startup: Startup) -> _StartupOutcome:
        """Open the start-up file, else the spiral sample, in the document before any view
        exists.

        Errors (unless ``startup.strict``: then they are raised) and the document's notices
        are kept, not shown, for :meth:`finish_startup`.
        """
        outcome = _StartupOutcome()
        path = startup.path
        hold = outcome.notices.append  # one object, to disconnect what was connected
        self.document.notice.connect(hold)
        try:
            if path is not None and not startup.strict and _reads_slowly(path):
                # The window shows the sample until this project has been read (and keeps it
                # if the read is cancelled or fails, as when a start-up file cannot be opened).
                outcome.deferred = Path(path)
                path = None
            if path is not None:
                try:
                    self.document.open(path)
                except NNStudioError as error:
                    if startup.strict:
                        raise
                    outcome.errors.append(("Cannot open project", readable_error(error)))
                else:
                    outcome.recent = Path(path)
                    return outcome
            sample = find_sample(DEFAULT_SAMPLE)
            if sample is not None:
                try:
                    self.document.open(sample)
                except NNStudioError as error:
                    outcome.errors.append(("Cannot open sample", str(error)))
            return outcome
        finally:
            self.document.notice.disconnect(hold)

    def _after_open(self) -> None:
        """Clear what the views kept of the previous document, then start on the new one."""
        self.relay.discard()  # a frame of the previous document still on its way
        # Views held for the dropped steps' repaints would not repaint on their own again.
        self.canvas.repaint_live()
        self.plots.release_views()
        self.canvas.select(None)  # the canvas would keep (and draw) the old one
        self.selection = None
        self.properties_dock.set_selection(None)
        # The last run's progress belongs to the previous document (the new one may never
        # train: an imported model has no data).
        self.properties_dock.show_frame(None)
        self.banner.hide()
        self.statusBar().clearMessage()  # a message about the previous document is stale
        self._dataset_changed(self.document.dataset)
        self.status.clear(self.document.project.training.epochs)
        self._update_selection_actions()
        self._refresh_plot_context()
        self._start_on_document()

    def _start_on_document(self) -> None:
        """Start the training process on the document, with the keyboard on the canvas."""
        self.controller.refresh()
        # Keyboard work (Space, +/−, Delete) starts on the canvas.
        self.canvas.setFocus()
        QtCore.QTimer.singleShot(0, self.canvas.fit)

    def save(self) -> bool:
        """File › Save: asks for a name the first time, and for a sample.

        A sample's file is part of the installation: saving one asks where to keep a copy
        (as Save As does), instead of writing over the shipped file. A value being typed is
        saved with the project; one its field refuses stops the save (see
        :meth:`_stopped_by_refused_typing`).
        """
        return self._save(check_typing=True)

    def _save(self, *, check_typing: bool) -> bool:
        """:meth:`save`, looking for refused typing first when ``check_typing``."""
        if check_typing and self._stopped_by_refused_typing():
            return False
        self.commit_pending_edit()
        path = self.document.path
        if path is None or in_samples_folder(path.parent):
            return self._save_as(check_typing=False)
        return self._save_to(path)

    def save_as(self) -> bool:
        """File › Save As…: a sample or a new project is proposed in the user's own folder."""
        return self._save_as(check_typing=True)

    def _save_as(self, *, check_typing: bool) -> bool:
        """:meth:`save_as`, looking for refused typing first when ``check_typing``."""
        if check_typing and self._stopped_by_refused_typing():
            return False
        self.commit_pending_edit()
        path = self.document.path
        if path is None or in_samples_folder(path.parent):
            path = self._own_folder() / f"{self.document.project.name}{SAMPLE_SUFFIX}"
        start = path
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self, "Save project", str(start), "nnstudio projects (*.nnproj)"
        )
        if not path:
            return False
        if not self._may_replace(Path(path)):
            return False
        return self._save_to(Path(path))

    def _may_replace(self, chosen: Path) -> bool:
        """Whether saving under ``chosen``, the file dialog's answer, may go ahead.

        The dialog asks about replacing the file it returns and no other, yet saving writes
        ``chosen`` with ".nnproj" appended and a weights file beside it (``work`` saves
        ``work.nnproj`` and ``work.weights.npz``). Any of those that exists and was not asked
        about is asked about here; the document's own files are not (saving them is Save).
        """
        planned = self.document.files_saved(chosen)
        own = self.document.path
        own_files = [own, weights_path_for(own)] if own is not None else []
        try:
            existing = [path for path in planned if path.exists() or path.is_symlink()]
        except OSError:
            return True  # saving says what is wrong with the path
        # The dialog confirmed the project file itself: its weights beside it are part of it.
        if existing and _same_file(existing[0], chosen) and existing[0] == planned[0]:
            return True
        unasked = [path for path in existing if not any(_same_file(path, f) for f in own_files)]
        if not unasked:
            return True
        names = " and ".join(str(path) for path in unasked)
        one = len(unasked) == 1
        buttons = QtWidgets.QMessageBox.StandardButton
        answer = QtWidgets.QMessageBox.question(
            self,
            "Replace file?",
            f"{names} already exist{'s' if one else ''}. Replace {'it' if one else 'them'}?",
            buttons.Yes | buttons.No,
            buttons.No,
        )
        return answer == buttons.Yes

    def _own_folder(self) -> Path:
        """Where a project without a file of its own is first proposed: the folder last used,
        else the document's, else the home folder; never a samples folder."""
        for folder in (self._used_directory(), self.document.base_dir):
            if folder is not None and not in_samples_folder(folder):
                return folder
        return Path.home()

    def _save_to(self, path: Path) -> bool:
        if in_samples_folder(path.parent):
            # Chosen in the dialog: the shipped samples stay as they are.
            self.show_error(
                "Cannot save project",
                f"{path.parent} holds the studio's samples, which stay as shipped: "
                "save the project in another folder.",
            )
            return False
        try:
            saved = self.document.save(path)
        except NNStudioError as error:
            self.show_error("Cannot save project", str(error))
            return False
        self.add_recent(saved)
        self.statusBar().showMessage(f"Saved {saved}", 5000)
        return True

    def export_dialog(self) -> None:
        """File › Export…."""
        from nnstudio.io.exporters import EXPORT_FORMATS
        from nnstudio.ui.export_dialog import ExportDialog

        self.commit_pending_edit()
        # Exports show what the views show: let them take the newest frame in first.
        self._show_newest_weights()
        dialog = ExportDialog(
            self.document,
            self.canvas,
            self.plots,
            self.export_folder(),
            self,
            before_write=self._show_newest_weights,
        )
        if dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted and dialog.written:
            files = ", ".join(str(p) for p in dialog.written)
            epoch, step = self.document.training_position
            if dialog.choice.key in EXPORT_FORMATS and (epoch, step) != (0, 0):
                # Training may go on: say which weights were written.
                files = f"the weights of epoch {epoch:,}, step {step:,}: {files}"
            self.statusBar().showMessage(f"Exported {files}", 8000)

    def _show_newest_weights(self) -> None:
        """Bring the views and the document up to the newest frame (exports read them)."""
        self.relay.flush()
        self.controller.hand_back_latest()

    def gradient_check_dialog(self) -> None:
        """Train › Check gradients…: runs at once on the current weights."""
        from nnstudio.ui.gradcheck_dialog import GradientCheckDialog

        self.commit_pending_edit()
        dialog = GradientCheckDialog(self.document, self)
        dialog.start()
        dialog.exec()

    def import_onnx_dialog(self) -> None:
        """File › Import ONNX…."""
        if not self.maybe_save():
            return
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self, "Import ONNX model", str(self.last_directory()), "ONNX models (*.onnx)"
        )
        if path:
            self.import_onnx(path)

    def import_onnx(self, path: str | Path) -> bool:
        """Open an ONNX model as a new unsaved project."""
        try:
            from nnstudio.io.onnx_io import import_onnx

            project, weights = import_onnx(Path(path))
        except NNStudioError as error:
            self.show_error("Cannot import ONNX model", str(error))
            return False
        except ImportError as error:
            self.show_error("Cannot import ONNX model", f"ONNX support is unavailable: {error}")
            return False
        self.controller.stop()
        try:
            self.document.open_project(project, weights)
        except NNStudioError as error:  # settings the document refuses; it stays as it was
            self.show_error("Cannot import ONNX model", str(error))
            return False
        self._after_open()
        return True

    def load_weights_dialog(self) -> None:
        """File › Load weights…."""
        path, _ = QtWidgets.QFileDialog.getOpenFileName(
            self,
            "Load weights",
            str(self.last_directory()),
            "Weights (*.npz *.json *.safetensors)",
        )
        if path:
            self.load_weights(path)

    def load_weights(self, path: str | Path) -> bool:
        """Warm-start the current network from a weights file (undoable).

        A file whose shapes do not fit, or whose values the project's precision cannot hold,
        shows a message naming the layer.
        """
        from nnstudio.io.weights import (
            load_weights_file,
            read_training_position,
            weights_file_mismatches,
        )

        project = self.document.project
        try:
            weights = load_weights_file(Path(path), project.network, project.training.dtype)
            # A project's weights file says how far they were trained: the count goes on.
            position = read_training_position(Path(path))
        except NNStudioError as error:
            self.show_error("Cannot load weights", str(error))
            return False
        mismatches = weights_file_mismatches(path, self.document.project)
        if mismatches:
            # The shapes fit, but the weights were trained for another computation.
            answer = QtWidgets.QMessageBox.question(
                self,
                "Load these weights?",
                "\n\n".join(f"{m[:1].upper()}{m[1:]}." for m in mismatches)
                + "\n\nLoaded anyway, the network will compute something else than it was "
                "trained for. Load them?",
                QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
                QtWidgets.QMessageBox.StandardButton.No,
            )
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                return False
        self.controller.stop()
        if not self.document.apply(
            self.document.project, "Load weights", weights=weights, position=position
        ):
            return False
        self.statusBar().showMessage(f"Loaded weights from {Path(path).name}", 8000)
        return True

    # ---- drag and drop -------------------------------------------------------------------------

    @staticmethod
    def _dropped_paths(mime: QtCore.QMimeData) -> list[Path]:
        if not mime.hasUrls():
            return []
        paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
        return [p for p in paths if p.suffix.lower() in (SAMPLE_SUFFIX, ".onnx")]

    def dragEnterEvent(self, event: QtGui.QDragEnterEvent) -> None:
        if self._dropped_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QtGui.QDropEvent) -> None:
        paths = self._dropped_paths(event.mimeData())
        if not paths:
            super().dropEvent(event)
            return
        event.acceptProposedAction()
        # Let the drop finish before any question about unsaved changes appears.
        QtCore.QTimer.singleShot(0, lambda: self.open_dropped(paths[0]))

    def open_dropped(self, path: Path) -> bool:
        """Open a project file, or import an ONNX model, dropped on the window."""
        if path.suffix.lower() == ".onnx":
            return self.maybe_save() and self.import_onnx(path)
        return self.open_path(path)

    # ---- recent files and samples ----------------------------------------------------------------

    def export_folder(self) -> Path:
        """Folder exports start in: the project's, unless it is a sample's (part of the
        installation); then the last folder used, else the home folder."""
        path = self.document.path
        if path is not None and not in_samples_folder(path.parent):
            return path.parent
        folder = self._used_directory()
        if folder is not None and not in_samples_folder(folder):
            return folder
        return Path.home()

    def last_directory(self) -> Path:
        """Folder the file dialogs start in: the last one used, else the document's."""
        return self._used_directory() or self.document.base_dir

    def _used_directory(self) -> Path | None:
        """The folder a file dialog last used, if it still exists."""
        value = self.settings.value("lastDirectory", "")
        folder = Path(str(value)) if value else None
        return folder if folder is not None and folder.is_dir() else None

    def recent_files(self) -> list[Path]:
        """The recent files list (newest first), as stored in the settings."""
        value = self.settings.value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [Path(v) for v in (value or []) if v]

    def add_recent(self, path: Path) -> None:
        """Put ``path`` at the top of the recent files."""
        resolved = Path(path).resolve()
        self.settings.setValue("lastDirectory", str(resolved.parent))
        files = [p for p in self.recent_files() if p != resolved]
        files.insert(0, resolved)
        self._store_recent(files[:MAX_RECENT])

    def _store_recent(self, files: list[Path]) -> None:
        self.settings.setValue("recentFiles", [str(p) for p in files])
        self.settings.sync()
        self._fill_recent_menu()

    def open_recent(self, path: Path) -> bool:
        """Open a recent file; a file that has gone is removed from the list with a message."""
        if not Path(path).exists():
            self._store_recent([p for p in self.recent_files() if p != Path(path)])
            self.show_error(
                "File not found", f"{path} no longer exists; it was removed from the recent files."
            )
            return False
        return self.open_path(path)

    def _fill_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.recent_files()
        names = recent_names(files)
        metrics, width = menu.fontMetrics(), self._recent_name_width()
        for number, (path, name) in enumerate(zip(files, names, strict=True), start=1):
            missing = not path.exists()
            # A long name loses its middle, keeping how it starts and its suffix and folder;
            # the tooltip and status tip give the full path.
            name = metrics.elidedText(name, Qt.TextElideMode.ElideMiddle, width)
            text = name.replace("&", "&&") + (" (missing)" if missing else "")
            action = menu.addAction(f"&{number % 10} {text}")
            tip = " (no longer exists: choose it to remove it from the list)"
            action.setToolTip(str(path) + (tip if missing else ""))
            action.setStatusTip(action.toolTip())
            action.setData(str(path))
            # A file that has gone stays listed, marked, and choosing it drops it from the list
            # with a message (a disabled entry could only go with the whole list).
            action.triggered.connect(lambda _c=False, p=path: self.open_recent(p))
        if not files:
            empty = menu.addAction("No recent files")
            empty.setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear list", lambda: self._store_recent([]))

    def _recent_name_width(self) -> int:
        """The widest a name in File › Open recent is drawn, in pixels: about 60 characters,
        and no more than half the screen, so the menu fits beside the File menu."""
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        characters = 60 * self.recent_menu.fontMetrics().averageCharWidth()
        if screen is None:
            return characters
        return max(1, min(characters, screen.availableGeometry().width() // 2))

    def _fill_samples_menu(self) -> None:
        menu = self.samples_menu
        menu.clear()
        samples = sample_projects()
        for path in samples:
            action = menu.addAction(_sample_title(path))
            action.setData(str(path))
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _c=False, name=path.stem: self.open_sample(name))
        if not samples:
            empty = menu.addAction("No samples found")
            empty.setEnabled(False)

    # ---- editing ---------------------------------------------------------------------------------

    def _selection_changed(self, selection: Selection | None) -> None:
        self.selection = selection
        self.properties_dock.set_selection(selection)
        self.plots.set_selected_layer(selection.network_index if selection is not None else None)
        self._show_selected_neuron(selection)
        self._update_selection_actions()

    def _show_selected_neuron(self, selection: Selection | None) -> None:
        """A selected neuron's output fills the data preview's plane (2-input data)."""
        if selection is None or selection.kind != "neuron" or selection.neuron is None:
            self.data_panel.set_selected_neuron(None)
            return
        drawn, neuron = selection.layer, selection.neuron
        title = f"{self.canvas.layer_title(drawn)} · neuron {neuron + 1}"
        names = self.document.input_names()
        if drawn == 0 and 0 <= neuron < len(names):
            title = f"input {names[neuron]}"  # as the canvas labels it
        if drawn >= 1:
            layers = self.document.project.network.layers
            if drawn <= len(layers):
                title += f" ({layers[drawn - 1].activation})"
        self.data_panel.set_selected_neuron(drawn, neuron, title)

    def selected_hidden_layer(self) -> int | None:
        """``network.layers`` index of the selected hidden layer (or of the selected neuron's)."""
        selection = self.selection
        if selection is None or selection.kind == "edge":
            return None
        index = selection.network_index
        hidden = len(self.document.project.network.layers) - 1
        return index if index is not None and 0 <= index < hidden else None

    def _update_selection_actions(self) -> None:
        # While training runs the network stays as it is (a changed network is a new run).
        editable = self._state != "running"
        hidden_index = self.selected_hidden_layer()
        units = (
            self.document.project.network.layers[hidden_index].units
            if hidden_index is not None
            else 0
        )
        neuron = self.selection is not None and self.selection.kind == "neuron"
        self.delete_action.setText("&Delete neuron" if neuron else "&Delete layer")
        self._set_tip(self.delete_action, DELETE_TIPS["neuron" if neuron else "layer"])
        self.delete_action.setEnabled(
            editable and hidden_index is not None and (not neuron or units > 1)
        )
        self.add_layer_action.setEnabled(editable)
        self.add_neuron_action.setEnabled(editable and hidden_index is not None)
        self.remove_neuron_action.setEnabled(editable and hidden_index is not None and units > 1)

    def _update_undo_actions(self) -> None:
        """Enable Undo and Redo when the stack has a step, unless training runs.

        While training runs the network stays as it is, and a step could change it (ending
        the run and dropping its training), so both wait for Pause; their tips say so.
        """
        stack = self.document.undo_stack
        parts = (stack, self.undo_action, self.redo_action)
        if not all(is_alive(part) for part in parts):
            return  # the window is being destroyed: its stack clears itself on the way
        running = self._state == "running"
        for action, available, redo in (
            (self.undo_action, stack.canUndo(), False),
            (self.redo_action, stack.canRedo(), True),
        ):
            action.setEnabled(available and not running)
            tip = _undo_locked_tip(redo=redo) if running else ""
            action.setStatusTip(tip)
            # An empty tooltip gives the action's text back ("Undo Add neuron").
            action.setToolTip(tip)

    def delete_selection(self) -> None:
        """Edit › Delete: remove the selected hidden layer, or one neuron of a selected neuron's."""
        index = self.selected_hidden_layer()
        if index is None:
            self.statusBar().showMessage("Select a hidden layer to delete it", 4000)
            return
        # The canvas keeps its own selection in step with the edit.
        if self.selection is not None and self.selection.kind == "neuron":
            self.canvas.change_units(index + 1, -1)
        else:
            self.canvas.remove_layer(index + 1)
        self._update_selection_actions()

    def add_layer(self) -> None:
        """Edit › Add layer: after the selected hidden layer, or before the output layer."""
        index = self.selected_hidden_layer()
        if index is not None:
            self.canvas.insert_layer(index + 1, after=True)
        else:
            self.canvas.add_layer_at_gap(len(self.document.project.network.layers) - 1)

    def change_units(self, delta: int) -> None:
        """Add (``delta > 0``) or remove neurons in the selected hidden layer."""
        index = self.selected_hidden_layer()
        if index is None:
            self.statusBar().showMessage("Select a hidden layer first", 4000)
            return
        self.canvas.change_units(index + 1, delta)
        self._update_selection_actions()

    # ---- training ----------------------------------------------------------------------------

    def play_or_pause(self) -> None:
        """Train › Play / Pause, with what is being typed in a field taken first."""
        self.commit_pending_edit()
        self.controller.toggle()

    def step_once(self) -> None:
        """Train › Step: one mini-batch, with what is being typed in a field taken first."""
        self.commit_pending_edit()
        self.controller.step()

    def step_one_epoch(self) -> None:
        """Train › Step epoch, with what is being typed in a field taken first."""
        self.commit_pending_edit()
        self.controller.step_epoch()

    def commit_pending_edit(self) -> None:
        """Hand a value still being typed in the focused field to the document.

        The docks apply typing when it is finished (Enter, or leaving the field); a toolbar
        button, a menu or a shortcut leaves the keyboard in the field, so without this Play
        would train with the old value, Save would write it and closing would not ask. The
        field gets the signal it sends when left, so it commits (or refuses, marked red) as
        it would then; the keyboard stays in it.
        """
        widget = self._focused_field()
        if widget is None:
            return
        if isinstance(widget, QtWidgets.QAbstractSpinBox):
            # Emits valueChanged for a new value; some boxes apply on editingFinished (the
            # Data dock's, whose arrows only start a timer).
            widget.interpretText()
            widget.editingFinished.emit()
            return
        line = widget.lineEdit() if isinstance(widget, QtWidgets.QComboBox) else widget
        if (
            isinstance(line, QtWidgets.QLineEdit)
            and line.isModified()
            and line.hasAcceptableInput()  # what Qt requires before it emits the signal
        ):
            line.editingFinished.emit()

    def _refused_typing(self) -> tuple[QtWidgets.QWidget, str] | None:
        """Take what is being typed, then find typed text a field refused (and kept).

        Such text is not in the project: a number field marked invalid ("abc", a learning
        rate of -1), or a spin box still holding text out of its range, which Qt would
        otherwise put back to the old value without a word.

        Returns
        -------
        tuple of (QWidget, str) or None
            The field (the focused one first) and what is wrong, naming the field
            ("Learning rate: 'abc' is not a number"); ``None`` when no field holds any.
        """
        focused = self._focused_field()
        if isinstance(focused, QtWidgets.QAbstractSpinBox):
            line = focused.lineEdit()
            if line is not None and not line.hasAcceptableInput():
                return focused, _named(focused, _spin_problem(focused))
        self.commit_pending_edit()
        fields = [
            field
            for field in self.findChildren(NumberField)
            if field.property("invalid") and self._holds_visibly(field)
        ]
        # The field the keyboard is in is the one the user is looking at.
        fields.sort(key=lambda field: field is not focused)
        if not fields:
            return None
        field = fields[0]
        problem = field.toolTip().strip().rstrip(".") or "what was typed was not taken"
        return field, _named(field, problem)

    def _holds_visibly(self, field: QtWidgets.QWidget) -> bool:
        """Whether ``field`` is on show in its dock (tabbed behind another one counts): not on
        a page or in a row another selection or setting has put away."""
        dock = self._dock_of(field)
        return dock is not None and field.isVisibleTo(dock)

    def _stopped_by_refused_typing(self) -> bool:
        """Refuse to save while a field holds typing it refused, saying which and why.

        Saving would write the project without what the user typed and report success;
        instead nothing is written, the message names the field, and the typed text stays
        there, in sight and with the keyboard, to be corrected.
        """
        refused = self._refused_typing()
        if refused is None:
            return False
        field, problem = refused
        self.show_error(
            "Cannot save project",
            f"Not saved: {problem}. Correct the value, then save again.",
        )
        self._reveal_field(field)
        return True

    def _reveal_field(self, field: QtWidgets.QWidget) -> None:
        """Bring ``field``'s dock to the front and give the field the keyboard."""
        if not is_alive(field):
            return
        dock = self._dock_of(field)
        if dock is not None:
            dock.show()
            dock.raise_()
        field.setFocus(Qt.FocusReason.OtherFocusReason)

    def _focused_field(self) -> QtWidgets.QWidget | None:
        """The widget of this window (a floating dock's included) holding the keyboard.

        The application's focus widget, else (the window is not active, e.g. closed from the
        task bar) the one that gets the keyboard back when the window is activated.
        """
        for widget in (QtWidgets.QApplication.focusWidget(), self.focusWidget()):
            if widget is None or not is_alive(widget):
                continue
            # Not a dialog's field (a dialog sits on a dock at times): only what the
            # window and its docks, floating or not, show.
            top = widget.window()
            if top is self or top in self.docks.values():
                return widget
        return None

    def reset_weights(self) -> None:
        """Train › Reset weights: re-initialise (from the training seed) and start over.

        An undoable edit: Edit › Undo brings the previous weights back.
        """
        self.commit_pending_edit()  # a typed initialisation scale, say
        # The newest weights the window has seen, so Undo restores what the user last saw.
        frame = self.controller.latest_frame
        if (
            frame is not None
            and frame.weights is not self.document.weights
            and self.controller.state in ("running", "paused")
            and self.document.project.network.fits(frame.weights)
        ):
            self.controller.hand_back(frame.weights, frame_position(frame))
        try:
            fresh = build_network(self.document.project).weights()
        except NNStudioError as error:
            self.show_error("Cannot reset weights", str(error))
            return
        self.banner.hide()
        self.status.clear(self.document.project.training.epochs)
        self.document.reinitialise(fresh)

    def show_frame(self, frame: Any) -> None:
        """Send a training frame to every view and the status bar, now."""
        self.relay.push(frame)
        self.relay.flush()

    def _frame_ready(self, frame: Any) -> None:
        """A live frame from the controller: the views take it in one short step per event.

        The canvas, each plot of the visible tab and the docks take their turns in separate
        events (see :class:`~nnstudio.ui.relay.FrameRelay`), each repainting before the next
        begins, so input and animations stay smooth while training runs. A newer frame
        arriving meanwhile replaces the older one for the views that have not had their turn.
        """
        self.canvas.expect_frame(frame)
        self.relay.push(frame)

    def _edge_weight_limit(self, weights: Any) -> float:
        """The canvas's colour limit for edges, or one over ``weights`` before it has one."""
        from nnstudio.ui.neuron_view import network_weight_limit

        limit = self.canvas.weight_limit
        return limit if limit is not None else network_weight_limit(weights)

    def _canvas_steps(self, frame: Any) -> list[Callable[[], None]]:
        """Take the frame in, then paint it: two events (the canvas repaints as a whole)."""

        def show() -> None:
            self.canvas.hold_repaints()
            self._update_example_range(frame)
            self.canvas.show_frame(frame)

        def paint() -> None:
            self.canvas.repaint_live()

        return [show, paint]

    def _dock_steps(self, frame: Any) -> list[Callable[[], None]]:
        def show_status() -> None:
            snapshot = getattr(frame, "snapshot", None)
            if snapshot is not None:
                self.status.show_snapshot(snapshot, self.document.project.training.epochs)
                rate = getattr(snapshot, "learning_rate", None)
                if rate is not None:
                    self.training_dock.show_learning_rate(rate, int(snapshot.epoch))

        def show_predictions() -> None:
            self.data_panel.show_frame(frame)

        # Properties takes the frame in, then repaints its plots one per step.
        return [*self.properties_dock.frame_steps(frame), show_status, show_predictions]

    def _state_changed(self, state: str) -> None:
        self._state = state
        # The slots are sized for this run's epochs before they show.
        self.status.set_epochs_total(self.document.project.training.epochs)
        self.status.set_state(state)
        # A run's message from before this state ("Finished 40 epochs", the start hint)
        # would now stand beside a state it no longer describes; one that came with it
        # stays, and so do other messages (a notice about the data).
        current = self.statusBar().currentMessage()
        if current in (self._run_message, START_HINT) and current != self._state_message:
            self.statusBar().clearMessage()
        announced, self._state_message = self._state_message, None
        self._update_training_actions()
        self._update_selection_actions()
        self._update_undo_actions()
        self.canvas.set_editable(state != "running")
        self.properties_dock.set_editable(state != "running")
        # Loss, dropout, precision and the data would start a new session: they wait too.
        self.training_dock.set_editable(state != "running")
        self.data_panel.set_editable(state != "running")
        if state == "running":
            self.banner.hide()
        elif state == "diverged" and (announced or "").startswith("Training cannot start"):
            # Non-finite before any update: the data, not the learning rate, is the cause.
            self.banner.show_message(
                "Training cannot start: the data's values are too large for the loss. "
                "Rescale or standardise them.",
                details=announced,
            )
            self._run_message = "Training cannot start"
            self.statusBar().showMessage(self._run_message, 10000)
        elif state == "diverged":
            self.banner.show_message(
                "Training diverged. Try a smaller learning rate or gradient clipping.",
                "Reset weights",
                self.reset_weights,
                details="The loss became NaN or infinite, so training stopped and kept the "
                "last finite weights.",
            )
            self._run_message = "Training diverged"
            self.statusBar().showMessage(self._run_message, 10000)

    def _progress(self, progress: dict) -> None:
        self.status.show_progress(progress)

    def _controller_message(self, text: str) -> None:
        if text.startswith(WARNING_STARTS):
            # The run goes on (its numbers are finite), badly: say so where the eye is. Shown
            # after the states delivered with it, or the run's start would hide it at once.
            def warn() -> None:
                if self._state == "diverged":
                    return  # the divergence's own banner says more
                self.banner.show_message(text, "Reset weights", self.reset_weights)
                self.statusBar().showMessage("Training went wrong: see the message above", 10000)

            QtCore.QTimer.singleShot(0, self, warn)
            return
        if text.startswith("Cannot train"):
            # Play did nothing: say why where the eye is, not only in the status bar.
            self.banner.show_message(text)
        self.statusBar().showMessage(text, 8000)
        # Messages come just before the state they announce ("Finished ...", then finished).
        self._run_message = self._state_message = text

    def _update_training_actions(self) -> None:
        running = self._state == "running"
        self.play_action.setText("Pause" if running else "Play")
        self.play_action.setIcon(icon("pause" if running else "play"))
        self._set_tip(self.play_action, "Pause training" if running else "Start training")
        self.step_action.setEnabled(not running)
        self.step_epoch_action.setEnabled(not running)
        self.stop_action.setEnabled(self._state in ("running", "paused"))

    def _weights_changed(self, weights: Any) -> None:
        if weights is None and self._state != "running":
            self.status.clear(self.document.project.training.epochs)

    def _dataset_changed(self, dataset: Any) -> None:
        self.status.set_validation(dataset is not None and np.shape(dataset.X_val)[0] > 0)
        if dataset is None and self.document.dataset_error:
            self.banner.show_message(f"The data could not be loaded: {self.document.dataset_error}")
        elif self.document.weights_problem is not None:
            self.banner.show_message(self.document.weights_problem)
        elif self._state != "diverged":
            self.banner.hide()

    def _hover_text(self, text: str) -> None:
        # What the pointer is over (a weight, a neuron's value) as a transient status message.
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()

    def _notice(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)
        self.canvas.show_notice(text)

    def _refresh_plot_context(self) -> None:
        self.plots.set_context(self.document.project, self.document.dataset)

    # ---- keyboard: panels and the Tab order ------------------------------------------------

    def show_dock(self, name: str) -> None:
        """View › *panel*: show the dock ``name``, bring it to the front, focus into it.

        ``name`` is a key of :attr:`docks` ("data", "training", "properties", "plots").
        """
        dock = self.docks[name]
        if dock is self.training_dock:
            self.training_dock.build()
        dock.show()
        dock.raise_()
        if dock.isFloating():
            dock.activateWindow()
        stops = [w for w in self._tab_stops() if dock.isAncestorOf(w)]
        target = stops[0] if stops else dock
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def show_plot(self, index: int) -> None:
        """View › Plot tabs › *plot*: the Plots dock in front, showing its tab ``index``.

        The keyboard stays where it was (the canvas, usually).
        """
        if self.plots_dock.isHidden():
            self.plots_dock.show()
        self.plots_dock.raise_()
        self.plots.tabs.setCurrentIndex(index)

    def cycle_tabs(self, step: int) -> None:
        """Show the next (``step`` 1) or previous (-1) plot, wrapping around.

        In another tab widget with the focus the keys keep their usual meaning there.
        """
        tabs = self.plots.tabs
        widget = QtWidgets.QApplication.focusWidget()
        while widget is not None and widget is not self:
            if isinstance(widget, QtWidgets.QTabWidget):
                tabs = widget
                break
            widget = widget.parentWidget()
        count = tabs.count()
        if count == 0:
            return
        if tabs is self.plots.tabs:
            self.show_plot((tabs.currentIndex() + step) % count)
        else:
            tabs.setCurrentIndex((tabs.currentIndex() + step) % count)

    def _dock_tab_bars(self) -> list[QtWidgets.QTabBar]:
        """The tab bars of the tabbed dock groups (the window keeps unused ones hidden)."""
        return [
            bar
            for bar in self.findChildren(
                QtWidgets.QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
            if not bar.isHidden()
        ]

    def _front_dock(self, bar: QtWidgets.QTabBar) -> QtWidgets.QDockWidget | None:
        """The dock whose tab is current in ``bar``."""
        title = bar.tabText(bar.currentIndex())
        return next((d for d in self.docks.values() if d.windowTitle() == title), None)

    def is_behind_tab(self, dock: QtWidgets.QDockWidget) -> bool:
        """Whether ``dock`` is tabbed with others and another one's tab is in front.

        Such a dock counts as shown for Qt (its widgets are visible, merely covered), so
        Tab, mnemonics and the focus could reach its widgets unseen.
        """
        if dock.isFloating() or dock.isHidden() or not self.tabifiedDockWidgets(dock):
            return False
        bar = self._group_tab_bar(dock)
        return bar is not None and bar.tabText(bar.currentIndex()) != dock.windowTitle()

    def _group_tab_bar(self, dock: QtWidgets.QDockWidget) -> QtWidgets.QTabBar | None:
        """The tab bar under ``dock``'s tabbed group, or None.

        The bar whose tabs are exactly the group's comes first: a bar left over from an
        earlier arrangement may still name some of its docks, with another one current.
        """
        title = dock.windowTitle()
        group = {title} | {d.windowTitle() for d in self.tabifiedDockWidgets(dock)}
        holding = []
        for bar in self._dock_tab_bars():
            tabs = [bar.tabText(i) for i in range(bar.count())]
            if set(tabs) == group:
                return bar
            if title in tabs:
                holding.append(bar)
        return holding[0] if holding else None

    def _dock_of(self, widget: QtWidgets.QWidget | None) -> QtWidgets.QDockWidget | None:
        """The window's dock holding ``widget``, if any."""
        docks = list(self.docks.values())
        while widget is not None and widget is not self:
            if widget in docks:
                return widget  # type: ignore[return-value]
            widget = widget.parentWidget()
        return None

    def _focus_moved(self, _old: object, new: QtWidgets.QWidget | None) -> None:
        """A widget of a dock behind a tab got the focus (a mnemonic, a click): show it.

        What has the keyboard is always in sight, so typing never changes a setting
        unseen.
        """
        if new is None or self._shut_down or not is_alive(new):
            return
        dock = self._dock_of(new)
        if dock is not None and self.is_behind_tab(dock):
            dock.raise_()

    def _dock_went_behind(self, dock: QtWidgets.QDockWidget) -> None:
        """``dock`` was hidden or went behind another tab: the keyboard does not stay in it."""
        if self._shut_down or not is_alive(self):
            return

        def move_focus() -> None:
            focus = QtWidgets.QApplication.focusWidget()
            if self._shut_down or focus is None or not dock.isAncestorOf(focus):
                return
            if not (dock.isHidden() or self.is_behind_tab(dock)):
                return
            # Into the dock now in front of it, else back to the canvas.
            front = next(
                (d for d in self.tabifiedDockWidgets(dock) if not self.is_behind_tab(d)), None
            )
            stops = [w for w in self._tab_stops() if front is not None and front.isAncestorOf(w)]
            (stops[0] if stops else self.canvas).setFocus(Qt.FocusReason.OtherFocusReason)

        # The tab bar settles which dock is in front after this signal.
        QtCore.QTimer.singleShot(0, self, move_focus)

    @staticmethod
    def _takes_tab(widget: QtWidgets.QWidget) -> bool:
        """Whether Tab may stop at ``widget``: a control, shown, enabled, not a container.

        Scroll areas and plot views have nothing to do with the keyboard and show no focus.
        """
        from nnstudio.ui.qt import pg

        tab_focus = Qt.FocusPolicy.TabFocus.value
        return (
            widget.focusPolicy().value & tab_focus == tab_focus
            and widget.isVisible()
            and widget.isEnabled()
            and widget.focusProxy() is None
            and not isinstance(widget, QtWidgets.QScrollArea | pg.GraphicsView)
        )

    def _tab_place(self, widget: QtWidgets.QWidget) -> tuple[float, ...] | None:
        """Where ``widget`` comes in the Tab order (sortable), or None to leave it out.

        The canvas and what is above it first, then the toolbar, then the docks: left,
        top, bottom, right, and within an area from the top left; a tabbed group's tab bar
        before the dock in front. Docks behind a tab and floating docks are left out.
        """
        rank = {
            Qt.DockWidgetArea.LeftDockWidgetArea: 0,
            Qt.DockWidgetArea.TopDockWidgetArea: 1,
            Qt.DockWidgetArea.BottomDockWidgetArea: 2,
            Qt.DockWidgetArea.RightDockWidgetArea: 3,
        }

        def dock_place(dock: QtWidgets.QDockWidget, inside: int) -> tuple[float, ...]:
            area = rank.get(self.dockWidgetArea(dock), 4)
            return (2, area, dock.y(), dock.x(), inside)

        docks = list(self.docks.values())
        node: QtWidgets.QWidget | None = widget
        while node is not None and node is not self:
            if node is self.centralWidget():
                return (0,)
            if node is self.toolbar:
                return (1,)
            if node in docks:
                if node.isFloating() or self.is_behind_tab(node):  # type: ignore[attr-defined]
                    return None
                return dock_place(node, 1)  # type: ignore[arg-type]
            if isinstance(node, QtWidgets.QTabBar) and node.parentWidget() is self:
                front = self._front_dock(node)
                return None if front is None else dock_place(front, 0)
            node = node.parentWidget()
        return (9,)

    def _tab_stops(self) -> list[QtWidgets.QWidget]:
        """The widgets Tab visits, in order (see :meth:`_tab_place`)."""
        places: dict[tuple[float, ...], list[QtWidgets.QWidget]] = {}
        widget = self.nextInFocusChain()
        # Qt's focus chain, which gives the order within a dock (its forms' order).
        for _ in range(100_000):
            if widget is None or widget is self:
                break
            if widget.window() is self and self._takes_tab(widget):
                place = self._tab_place(widget)
                if place is not None:
                    places.setdefault(place, []).append(widget)
            widget = widget.nextInFocusChain()
        return [w for place in sorted(places) for w in places[place]]

    def focusNextPrevChild(self, forward: bool) -> bool:
        """Tab and Shift+Tab: canvas → toolbar → left dock → plots → Properties → canvas.

        Widgets of a dock behind another tab, scroll areas and plot views are skipped: Tab
        used to walk through the hidden Training settings form, unseen, and typing there
        changed settings.
        """
        current = QtWidgets.QApplication.focusWidget()
        if current is None or current.window() is not self:
            return super().focusNextPrevChild(forward)
        stops = self._tab_stops()
        if not stops:
            return super().focusNextPrevChild(forward)
        if current in stops:
            target = stops[(stops.index(current) + (1 if forward else -1)) % len(stops)]
        else:
            # A widget Tab does not stop at (one being hidden, a container): the nearest
            # stop along Qt's focus chain.
            target = None
            widget = current
            for _ in range(100_000):
                widget = widget.nextInFocusChain() if forward else widget.previousInFocusChain()
                if widget is None or widget is current:
                    break
                if widget in stops:
                    target = widget
                    break
            if target is None:
                return super().focusNextPrevChild(forward)
        reason = Qt.FocusReason.TabFocusReason if forward else Qt.FocusReason.BacktabFocusReason
        target.setFocus(reason)
        return True

    # ---- layout ------------------------------------------------------------------------------

    def reset_layout(self) -> None:
        """View › Reset layout: docks back where they start, at their default shares."""
        # Measured first: the default state's three columns may push the window wider.
        room = self._room_width()
        arranging, self._arranging = self._arranging, True
        try:
            self.restoreState(self._default_state)
            for dock in self.docks.values():
                dock.setFloating(False)
                dock.show()
        finally:
            self._arranging = arranging
        self._user_arranged = False
        self._arrange_docks(compact=self._wants_compact_layout(room))
        if self.width() > room:
            self.resize(room, self.height())
        QtCore.QTimer.singleShot(0, self._default_dock_shares)
        QtCore.QTimer.singleShot(0, self._note_fitting_layout)

    def _default_dock_shares(self) -> None:
        """Forget the shares the user gave the docks; they take their defaults again."""
        self._dock_shares.clear()
        self.apply_default_sizes()

    def _area_docks(self) -> dict[Qt.DockWidgetArea, QtWidgets.QDockWidget]:
        """The first visible, docked dock of each dock area (one of a tabbed group)."""
        found: dict[Qt.DockWidgetArea, QtWidgets.QDockWidget] = {}
        for dock in self.docks.values():
            if dock.isVisible() and not dock.isFloating():
                found.setdefault(self.dockWidgetArea(dock), dock)
        return found

    @staticmethod
    def _is_beside(area: Qt.DockWidgetArea) -> bool:
        """Whether docks in ``area`` sit beside the centre (their width is the area's size)."""
        return area in (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea)

    def remember_dock_shares(self) -> None:
        """Keep the share of the window each dock area takes now, for later window sizes."""
        width, height = max(self.width(), 1), max(self.height(), 1)
        self._dock_shares = {
            area: (dock.width() / width if self._is_beside(area) else dock.height() / height)
            for area, dock in self._area_docks().items()
        }

    def _apply_dock_shares(self) -> None:
        """Size the docks for the window's size: the user's shares, else the defaults."""
        if not self._dock_shares:
            self.apply_default_sizes()
            return
        sizes: dict[Qt.Orientation, dict[QtWidgets.QDockWidget, int]] = {
            Qt.Orientation.Horizontal: {},
            Qt.Orientation.Vertical: {},
        }
        for area, dock in self._area_docks().items():
            share = self._dock_shares.get(area)
            if share is None:
                continue
            if self._is_beside(area):
                sizes[Qt.Orientation.Horizontal][dock] = round(share * self.width())
            else:
                sizes[Qt.Orientation.Vertical][dock] = round(share * self.height())
        for orientation, wanted in sizes.items():
            if wanted:
                self.resizeDocks(list(wanted), list(wanted.values()), orientation)

    def _docks_rearranged(self, dock: QtWidgets.QDockWidget) -> None:
        """A dock moved, floated or docked: its new place and size are the user's choice."""
        if self._docks_tracked and not self._arranging:
            self._user_arranged = True
            self._moved_dock = dock
            # Checked before the window lays the move out (a layout request is pending):
            # a move that does not fit is undone before the window grows for it.
            QtCore.QCoreApplication.postEvent(
                self, QtCore.QEvent(_FIT_CHECK_EVENT), Qt.EventPriority.HighEventPriority.value
            )
            QtCore.QTimer.singleShot(0, self._remember_if_tracked)

    def _screen_room(self) -> QtCore.QSize | None:
        """The largest size the window may take within the screen's free area (frame
        excluded), or None without a screen."""
        screen, handle = self.screen(), self.windowHandle()
        if screen is None:
            return None
        margins = handle.frameMargins() if handle is not None else QtCore.QMargins()
        free = screen.availableGeometry()
        return QtCore.QSize(
            free.width() - margins.left() - margins.right(),
            free.height() - margins.top() - margins.bottom(),
        )

    def _fits_screen_room(self) -> bool:
        """Whether the window's least size (the docks' least sizes side by side) fits the
        screen."""
        room = self._screen_room()
        if room is None:
            return True
        needed = self.minimumSizeHint()
        return needed.width() <= room.width() and needed.height() <= room.height()

    def _note_fitting_layout(self) -> None:
        """Keep the docks' arrangement as the one to go back to, if it fits the screen.

        Not in the middle of a drag (a mouse button held): a dragged dock floats meanwhile,
        and the place it left is the one to go back to.
        """
        if QtWidgets.QApplication.mouseButtons() != Qt.MouseButton.NoButton:
            return
        if self._fits_screen_room():
            self._fitting_state = self.saveState()

    def _refuse_overflow(self) -> None:
        """Put the docks back as they last fitted when the user's move does not fit.

        At a large font on a small screen, Properties dragged back out of its tab to the
        right side needs a third column: the window grew past the screen's edge, out of the
        user's reach. Called before the window applies the new arrangement, so the window
        does not grow; the status bar says why the dock went back.
        """
        dock = self._moved_dock
        if dock is None or self._arranging or self._shut_down or self.isHidden():
            return
        if QtWidgets.QApplication.mouseButtons() != Qt.MouseButton.NoButton:
            return  # still dragging: the dock floats until it is dropped
        # Checked once: what grows later (a dock's contents) is not the move's doing.
        self._moved_dock = None
        if self._fits_screen_room():
            return
        arranging, self._arranging = self._arranging, True
        try:
            if self._fitting_state is None or not self.restoreState(self._fitting_state):
                self._place_docks(compact=True)
        finally:
            self._arranging = arranging
        room = self._screen_room()
        if room is not None and self.width() > room.width():
            self.resize(max(room.width(), self.minimumSizeHint().width()), self.height())
        title = dock.windowTitle()
        message = f"No room on the screen for {title} there at this text size"
        self.status_message.set_short_forms(
            message, (f"No room for {title} there", "No room there")
        )
        self.statusBar().showMessage(message, 8000)

    def _room_width(self) -> int:
        """The widest the window may be.

        The width it was given, within the screen's free width (frame included) when it
        chose its size itself.
        """
        room = self._given_width or self.width()
        screen, handle = self.screen(), self.windowHandle()
        if self._fits_screen and screen is not None:
            margins = handle.frameMargins() if handle is not None else QtCore.QMargins()
            room = min(room, screen.availableGeometry().width() - margins.left() - margins.right())
        return room

    def _in_default_wide_layout(self) -> bool:
        """Whether the docks are where the default (not compact) layout puts them."""
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        if any(dock.isFloating() or dock.isHidden() for dock in self.docks.values()):
            return False
        properties = self.properties_dock
        return (
            self.dockWidgetArea(self.data_dock) == left
            and self.dockWidgetArea(self.training_dock) == left
            and self.dockWidgetArea(properties) == Qt.DockWidgetArea.RightDockWidgetArea
            and not self.tabifiedDockWidgets(properties)
        )

    def _schedule_room_check(self) -> None:
        """Check the docks' room (:meth:`_check_room`) once the pending layout requests are in."""
        if not self._room_check_due and not self._shut_down:
            self._room_check_due = True
            QtCore.QTimer.singleShot(0, self._check_room)

    def _check_room(self) -> None:
        """Tab Properties with Data when the docks' least widths outgrow the window's room.

        The docks' contents settle after the window is first shown (the project's properties,
        the plots' tabs): at a large font the three columns then push the window past the
        width it was given, past the screen's edge on a small screen. Until the user arranges
        the docks themselves, the window takes the compact layout instead, at its width.
        """
        self._room_check_due = False
        if self._shut_down or not self._sized or self._user_arranged or self.isHidden():
            return
        room = self._room_width()
        # The window's least width first: it is cached, and most requests change nothing.
        if self.minimumSizeHint().width() <= room or not self._in_default_wide_layout():
            return
        if not self._wants_compact_layout(room):
            return  # the docks are not what is too wide (the toolbar, the status bar)
        self._arrange_docks(compact=True)
        self._dock_shares.clear()  # the right side's share has no dock any more
        if self.width() > room:
            self.resize(room, self.height())
        # The sizes stick once the new arrangement is laid out (its tab bar exists then).
        QtCore.QTimer.singleShot(0, self.apply_default_sizes)
        QtCore.QTimer.singleShot(0, self._note_fitting_layout)

    def _remember_if_tracked(self) -> None:
        if self._docks_tracked and not self._shut_down:
            self.remember_dock_shares()
            self._note_fitting_layout()

    def _start_tracking_docks(self, *, restored: bool) -> None:
        """From the first layout on screen on, window resizes keep the docks' shares.

        A restored layout's dock sizes are the user's, kept as shares; otherwise the docks
        keep the default shares until the user drags a separator.
        """
        if self._shut_down:
            return
        if restored:
            self.remember_dock_shares()
        self._docks_tracked = True
        self._note_fitting_layout()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.FontChange:
            self._pass_font_on()

    def _pass_font_on(self) -> None:
        """Give the window's widgets its new font: the application's, changed while open.

        Qt passes a new application font on to windows only; widgets the application's
        style sheet styles (all of them) keep the old one, so the plots' tab names, the
        docks and the toolbar would not follow it as a window opened afterwards does.
        Polishing them again, each before its children, resolves their fonts anew as at
        start-up; fonts set on purpose (bold, a size of their own) stay.
        """
        app = QtWidgets.QApplication.instance()
        # Not while the window is built or once it has shut down (its views let go of
        # their parts), nor again for a font change the polishing itself makes.
        busy = getattr(self, "_passing_font", True) or getattr(self, "_shut_down", True)
        if busy or app is None or not app.styleSheet():
            return
        self._passing_font = True
        try:
            style = self.style()
            for widget in (self, *self.findChildren(QtWidgets.QWidget)):
                style.polish(widget)
        finally:
            self._passing_font = False

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == _FIT_CHECK_EVENT:
            self._refuse_overflow()
            return True
        handled = super().event(event)
        if event.type() == QtCore.QEvent.Type.MouseButtonRelease and self._docks_tracked:
            # The end of a drag of a separator between the docks and the centre: the window
            # itself gets the mouse there, its children everywhere else.
            self.remember_dock_shares()
        return handled

    def _restore_layout(self) -> bool:
        """Restore the saved geometry, docks and preferences; False when there was no dock
        layout to restore."""
        geometry = self.settings.value("geometry")
        state = self.settings.value("windowState")
        # A damaged entry restores nothing (the window would open at its least size), and
        # one saved on a larger screen comes back at two thirds of this one (Qt's rule):
        # either way the window takes the size a first start would give it.
        if not (
            isinstance(geometry, QtCore.QByteArray | bytes)
            and geometry
            and self.restoreGeometry(geometry)
            and self._restored_size_fits(QtCore.QByteArray(geometry))
        ):
            self.resize(self._first_size())
            self._fits_screen = True
        plots = self.settings.value("plots")
        if isinstance(plots, str):
            try:
                self.plots.restore_view_state(json.loads(plots))
            except ValueError:
                pass  # a damaged entry: the plots keep their defaults
        shown = self.settings.value(_SHOW_DROPPED_KEY)
        if isinstance(shown, str) and shown.lower() in ("true", "false"):
            shown = shown.lower() == "true"  # how an INI file gives a boolean back
        if isinstance(shown, bool):
            self.show_dropped_action.setChecked(shown)
        self.set_training_pace(stored_pace(self.settings.value(_PACE_KEY)))
        if isinstance(state, QtCore.QByteArray | bytes) and state:
            # The default arrangement's tab bars: QMainWindow forgets them when a layout it
            # never applied is replaced, and they would stay shown with stale tabs (found
            # by Tab, taken for the real bar by is_behind_tab).
            stale = self._dock_tab_bars()
            if not self.restoreState(state):
                return False
            for bar in stale:
                bar.hide()
            return True
        return False

    def _restored_size_fits(self, geometry: QtCore.QByteArray) -> bool:
        """Whether the window saved in ``geometry`` (frame included) fit this screen.

        Maximised and full-screen windows always fit. The size is read from Qt's saved
        geometry (a magic number, a version, then the frame's rectangle).
        """
        states = Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen
        screen = self.screen()
        if self.windowState() & states or screen is None:
            return True
        stream = QtCore.QDataStream(geometry)
        stream.setVersion(QtCore.QDataStream.Version.Qt_4_0)
        stream.readUInt32()
        stream.readUInt16()
        stream.readUInt16()
        left, top, right, bottom = (stream.readInt32() for _ in range(4))
        if stream.status() != QtCore.QDataStream.Status.Ok:
            return True  # restoreGeometry read it: leave its result be
        free = screen.availableGeometry()
        return right - left + 1 <= free.width() and bottom - top + 1 <= free.height()

    def _in_a_default_layout(self) -> bool:
        """Whether the docks are where the default layout, wide or compact, puts them."""
        if self._in_default_wide_layout():
            return True
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        return (
            not any(dock.isFloating() or dock.isHidden() for dock in self.docks.values())
            and all(
                self.dockWidgetArea(dock) == left
                for dock in self.docks.values()
                if dock is not self.plots_dock
            )
            and self.dockWidgetArea(self.plots_dock) == Qt.DockWidgetArea.BottomDockWidgetArea
            and set(self.tabifiedDockWidgets(self.data_dock))
            == {self.training_dock, self.properties_dock}
        )

    def _first_size(self) -> QtCore.QSize:
        """The window's size when none was saved: 1280 x 800 at most, within the screen.

        A laptop at 200 % has a logical screen of 960 x 540: a larger window would reach
        past it, and the docks would be laid out for a size nobody sees.
        """
        width, height = _DEFAULT_SIZE
        screen = self.screen()
        if screen is not None:
            free = screen.availableGeometry()
            # The title bar and frame are outside the window's size.
            width, height = min(width, free.width()), min(height, free.height() - 40)
        return QtCore.QSize(max(width, 640), max(height, 400))

    def _fit_frame_to_screen(self) -> None:
        """Shrink and move the shown window so its frame lies within the screen's free area.

        :meth:`_first_size` cannot know the frame before the window is shown; its full width
        plus the frame's borders would reach past a 1024 pixel screen's edge.
        """
        screen = self.screen()
        handle = self.windowHandle()
        if screen is None or handle is None:
            return
        free = screen.availableGeometry()
        margins = handle.frameMargins()
        across = margins.left() + margins.right()
        down = margins.top() + margins.bottom()
        width = max(min(self.width(), free.width() - across), self.minimumWidth())
        height = max(min(self.height(), free.height() - down), self.minimumHeight())
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        # The frame's top left corner, moved in as far as the frame has to.
        left = min(max(self.x(), free.left()), free.right() + 1 - (width + across))
        top = min(max(self.y(), free.top()), free.bottom() + 1 - (height + down))
        left, top = max(left, free.left()), max(top, free.top())
        if (left, top) != (self.x(), self.y()):
            self.move(left, top)

    def _status_figures_room(self) -> int:
        """The width the status bar's figures may take: the window's, less the bar's own
        margins and a few words of message beside them."""
        message_room = self.status_message.fontMetrics().averageCharWidth() * 12
        return max(0, self.width() - message_room - 2 * _STATUS_BAR_MARGIN)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_toolbar()
        self.status.fit_width(
            self._status_figures_room(), compact=self.width() < _COMPACT_STATUS_WIDTH
        )
        if self.width() != self.minimumWidth() or not self._given_width:
            # Not a width the docks' least widths forced on the window.
            self._given_width = self.width()
        if self._docks_tracked and not self._arranging:
            # Docks keep their pixel sizes on their own: the centre alone would grow and
            # shrink with the window. (While the docks are placed, some are out of the
            # layout; the placing sizes them once done.)
            self._apply_dock_shares()

    def _fit_toolbar(self) -> None:
        """Labels beside the toolbar's icons where they fit, icons alone where they do not.

        A toolbar wider than the window hides its last buttons behind an overflow arrow; in a
        narrow window the icons alone (each with its tooltip) keep every control in sight,
        and the window is kept at least as wide as they are.
        """
        if self._shut_down:
            return
        bar = self.toolbar
        icons_only = self._toolbar_width(Qt.ToolButtonStyle.ToolButtonIconOnly)
        if bar.minimumWidth() != icons_only:
            bar.setMinimumWidth(icons_only)
        labelled = self._toolbar_width(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = (
            Qt.ToolButtonStyle.ToolButtonTextBesideIcon
            if labelled <= self.width()
            else Qt.ToolButtonStyle.ToolButtonIconOnly
        )
        if bar.toolButtonStyle() != style:
            bar.setToolButtonStyle(style)

    def _toolbar_width(self, style: Qt.ToolButtonStyle) -> int:
        """The toolbar's width in pixels with its buttons in ``style``, whatever they show now.

        Measured from the contents as they are (a width remembered from an earlier switch
        goes stale once a sample changes the example picker), without switching styles.
        """
        bar = self.toolbar
        probe = self._toolbar_probe
        probe.setToolButtonStyle(style)
        probe.setIconSize(bar.iconSize())
        width = bar.sizeHint().width()
        for action in bar.actions():
            button = bar.widgetForAction(action)
            if not isinstance(button, QtWidgets.QToolButton) or not action.isVisible():
                continue
            # The probe takes what sizes the button: its font, text, icon and menu arrow.
            probe.setFont(button.font())
            probe.setText(button.text())
            probe.setIcon(button.icon())
            probe.setAutoRaise(button.autoRaise())
            probe.setPopupMode(button.popupMode())
            width += probe.sizeHint().width() - button.sizeHint().width()
        return width

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        # A window sized before it was shown (restored, or its first size) fits it now.
        self._fit_toolbar()
        if not self._docks_tracked:
            restored = self._sized
            if self._fits_screen:
                # Its first size, also under a restored arrangement that came from a
                # larger screen.
                self._fit_frame_to_screen()
                if restored and self._in_a_default_layout():
                    # The saved docks were laid out for the larger window (they would leave
                    # the canvas a strip): the default layout as a first start gives it.
                    restored = self._sized = False
            if not self._sized:
                # Dock sizes only stick once the window has its real size.
                self._sized = True
                if self._wants_compact_layout(self._room_width()):
                    self._arrange_docks(compact=True)
                QtCore.QTimer.singleShot(0, self.apply_default_sizes)
            QtCore.QTimer.singleShot(0, lambda: self._start_tracking_docks(restored=restored))

    def _save_layout(self) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.setValue("plots", json.dumps(self.plots.view_state()))
        self.settings.setValue(_SHOW_DROPPED_KEY, self.show_dropped_action.isChecked())
        self.settings.setValue(_PACE_KEY, _pace_setting(self.controller.pace))
        self.settings.sync()

    # ---- messages --------------------------------------------------------------------------

    def show_error(self, title: str, message: str) -> None:
        """Show an error the user can act on (also in the status bar)."""
        self.statusBar().showMessage(message, 10000)
        QtWidgets.QMessageBox.critical(self, title, message)

    def show_about(self) -> None:
        """Help › About nnstudio."""
        QtWidgets.QMessageBox.about(
            self,
            "About nnstudio",
            f"<h3>nnstudio {getattr(nnstudio, '__version__', '')}</h3>"
            "<p>Draw a neural network, pick or import data, press Play and watch it learn. "
            "Then export the trained weights to NumPy, ONNX or PyTorch.</p>"
            "<p>Colours: <span style='color:#08519c'><b>blue</b></span> is negative, "
            "<span style='color:#d94801'><b>orange</b></span> is positive, everywhere.</p>",
        )

    def show_shortcuts(self) -> None:
        """Help › Keyboard shortcuts."""
        ShortcutsDialog(self).exec()

    # ---- closing ---------------------------------------------------------------------------

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if not self._closing and not self.maybe_save():
            event.ignore()
            return
        self._save_layout()
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop the training process and detach from the application (idempotent)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.relay.close()
        if self._heap_frozen:
            # What the window kept alive may be collected again once it is gone.
            gc.unfreeze()
        self.controller.shutdown()
        app = QtWidgets.QApplication.instance()
        if app is not None:
            app.focusChanged.disconnect(self._space_filter.follow_focus)
            app.focusChanged.disconnect(self._focus_moved)
        self._space_filter.release()

    def close_without_asking(self) -> None:
        """Close even with unsaved changes (used by scripts and tests)."""
        self._closing = True
        self.close()
