"""The CSV import dialog: preview a file, pick input and target columns, check it loads.

The dialog never accepts a choice that cannot be trained on: every change is checked by
loading the data exactly as the project will (:func:`nnstudio.data.load_dataset`), and the
:class:`~nnstudio.errors.DataError` it raises (naming the line and column at fault) is shown
in red under the options while the import button stays disabled.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nnstudio.data import (
    CsvTable,
    Dataset,
    MissingValues,
    ReadCancelled,
    ReadProgress,
    dataset_from_table,
    float32_problem,
    load_dataset,
    mostly_numbers,
    read_csv_table,
    skipped_lines_text,
)
from nnstudio.data.csv import FirstLineLooksLikeData, first_line_refusal
from nnstudio.errors import DataError, NNStudioError
from nnstudio.spec import CsvData
from nnstudio.text import name_list, plural
from nnstudio.ui.background import run_with_progress
from nnstudio.ui.qt import Qt, QtCore, QtGui, QtWidgets, wait_cursor

#: How many rows of the file the preview table shows.
PREVIEW_ROWS = 100
#: Rows the column list and the preview show at the dialog's smallest.
MIN_VISIBLE_ROWS = 4
#: A numeric target with at most this many distinct whole numbers is guessed to be classes.
MAX_GUESSED_CLASSES = 20
#: Column names that usually hold the target (matched case-insensitively).
_TARGET_NAMES = re.compile(
    r"^(target|targets|label|labels|class|classes|y|species|digit|outcome|category|output)$",
    re.IGNORECASE,
)
#: Column names that number the rows rather than describe them: not inputs by default.
_ROW_ID_NAMES = re.compile(r"^(id|index|row|row_id|rowid|sample|unnamed.*)$", re.IGNORECASE)
#: Where a loading message points: "line 12, column 'x'" (the column is optional), or the
#: first of several lines ("lines 12, 19 and 40").
_PROBLEM_PLACE = re.compile(r"\blines? (\d+)(?:, column '([^']*)')?")
#: The label of the check box that says whether the first line is the header.
HEADER_BOX_TEXT = "&First line is a header"
#: The label of the check box that says whether numbers have a decimal comma.
DECIMAL_BOX_TEXT = "&Decimal comma"
#: The label of the check box that leaves out rows with missing values.
SKIP_MISSING_TEXT = "Skip rows with &missing values"
#: Size the dialog opens at with the default font, screen permitting (a larger font scales it).
DEFAULT_SIZE = (960, 700)
#: Row heights of the preview and of the column list with the default font (a larger font
#: gets taller rows, see :func:`table_row_height`).
PREVIEW_ROW_HEIGHT = 22
ROLE_ROW_HEIGHT = 24
#: Line height (pixels) of the 10 pt default font those sizes were chosen for.
DEFAULT_LINE_HEIGHT = 15
#: Milliseconds after which the first choice is checked even if the dialog has not painted.
FIRST_CHECK_LATEST_MS = 250
#: Room kept around the dialog on a small screen for the window's frame and title bar.
_FRAME_ALLOWANCE = (24, 64)
#: Narrowest the dialog for a file that cannot be read gets: the message and the advice
#: under it keep lines of several words.
UNREADABLE_MIN_WIDTH = 440

ERROR_COLOR = "#b91c1c"
OK_COLOR = "#166534"
MUTED_COLOR = "#6b7280"
#: Style sheets of a framed message: a problem (red) or a success (green).
ERROR_BOX_STYLE = (
    f"color: {ERROR_COLOR}; background: #fef2f2; border: 1px solid #fecaca; "
    "border-radius: 4px; padding: 6px;"
)
OK_BOX_STYLE = (
    f"color: {OK_COLOR}; background: #f0fdf4; border: 1px solid #bbf7d0; "
    "border-radius: 4px; padding: 6px;"
)
#: A choice being checked (grey).
CHECKING_BOX_STYLE = (
    f"color: {MUTED_COLOR}; background: #f9fafb; border: 1px solid #e5e7eb; "
    "border-radius: 4px; padding: 6px;"
)
#: A choice that loads but needs attention before training (amber).
WARNING_BOX_STYLE = (
    "color: #92400e; background: #fffbeb; border: 1px solid #fde68a; "
    "border-radius: 4px; padding: 6px;"
)


# ---- descriptions shared with the Data dock ----------------------------------------------------


def dataset_summary(dataset: Dataset) -> str:
    """One line describing a data set for the studio.

    Example: ``"150 rows (120 train / 30 validation) · 4 features · 3 classes: setosa,
    versicolor, virginica"``, followed by ``" · 4 rows with missing values skipped"`` when
    some were.
    """
    rows = dataset.n_train + dataset.n_val
    parts = [
        f"{plural(rows, 'row')} ({dataset.n_train:,} train / {dataset.n_val:,} validation)",
        plural(dataset.n_features, "feature"),
    ]
    if dataset.is_classification:
        names = dataset.class_names or dataset.target_names
        parts.append(f"{plural(len(names), 'class', 'classes')}: {name_list(names)}")
    else:
        names = dataset.target_names
        label = "target" if len(names) == 1 else f"{len(names)} targets"
        parts.append(f"{label}: {name_list(names)}")
    if dataset.skipped_rows:
        parts.append(f"{plural(dataset.skipped_rows, 'row')} with missing values skipped")
    return " · ".join(parts)


def class_notes_text(dataset: Dataset) -> str:
    """What to tell of a data set's class labels, one line each: ``"Note: classes 'Yes' (1
    row) and 'yes' (40 rows) differ only in case; write them alike if they are one class."``
    Empty when there is nothing to tell."""
    return "\n".join(f"Note: {note}." for note in dataset.class_notes)


def relative_csv_path(path: str | Path, base_dir: str | Path) -> str:
    """``path`` relative to ``base_dir`` when possible (POSIX separators), else absolute."""
    absolute = Path(path).expanduser().resolve()
    try:
        return Path(os.path.relpath(absolute, Path(base_dir).resolve())).as_posix()
    except ValueError:  # another drive on Windows
        return absolute.as_posix()


class WrappedLabel(QtWidgets.QLabel):
    """A word-wrapped label that keeps room for all its lines at the width it is given.

    A dialog's minimum height ignores how tall wrapped text gets when the dialog narrows,
    so a plain wrapped label ran under the widgets below it or lost its last lines.

    Parameters
    ----------
    text : str
    rich : bool
        Whether ``text`` is rich text (else plain).
    parent : QWidget, optional
    """

    def __init__(
        self,
        text: str = "",
        *,
        rich: bool = False,
        parent: QtWidgets.QWidget | None = None,
    ):
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)

    def _keep_lines(self) -> None:
        needed = self._text_height(self.width()) if self.text() else 0
        if needed != self.minimumHeight():
            self.setMinimumHeight(needed)

    def _text_height(self, width: int) -> int:
        """Height of the lines at ``width``.

        QLabel's own answer is never below the minimum height, which would keep the lines
        of a narrower width after the label widens again.
        """
        kept = self.minimumHeight()
        self.setMinimumHeight(0)
        height = self.heightForWidth(width)
        self.setMinimumHeight(kept)
        return height

    def sizeHint(self) -> QtCore.QSize:
        hint = super().sizeHint()
        if not self.isVisible() or not self.text():
            return hint
        # The lines it takes at its width (kept as the minimum height), not at the narrow
        # width QLabel guesses, which asked two lines for one and left a blank line beside it.
        return QtCore.QSize(hint.width(), self.minimumHeight())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep_lines()

    def setText(self, text: str) -> None:
        super().setText(text)
        # Before it is shown the label has no real width yet: its first resize measures it.
        if self.isVisible():
            self._keep_lines()
        elif not text:
            self.setMinimumHeight(0)

    def setStyleSheet(self, sheet: str) -> None:
        super().setStyleSheet(sheet)
        # A frame's padding and border change the height the lines take.
        if self.isVisible():
            self._keep_lines()


class ElidedLabel(QtWidgets.QLabel):
    """One line of plain text that shortens in the middle ("…") to the width it is given.

    A long folder path no longer sets how wide the window must be; the full text stays
    available as :meth:`full_text` (and belongs in the tooltip).

    Parameters
    ----------
    text : str
    parent : QWidget, optional
    """

    def __init__(self, text: str = "", parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._full = ""
        self.set_full_text(text)

    def full_text(self) -> str:
        """The text before shortening."""
        return self._full

    def set_full_text(self, text: str) -> None:
        """Show ``text``, shortened when it is wider than the label."""
        self._full = text
        self.updateGeometry()
        self._elide()

    def _elide(self) -> None:
        width = max(0, self.contentsRect().width())
        self.setText(self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideMiddle, width))

    def sizeHint(self) -> QtCore.QSize:
        margins = self.contentsMargins()
        width = self.fontMetrics().horizontalAdvance(self._full) + margins.left() + margins.right()
        return QtCore.QSize(width, super().sizeHint().height())

    def minimumSizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(0, super().minimumSizeHint().height())

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()


# ---- guesses -----------------------------------------------------------------------------------


def looks_like_row_id(table: CsvTable, index: int) -> bool:
    """Whether column ``index`` numbers the rows rather than describes them: named so
    ("id", "index", ...), or the first column the header left unnamed (pandas' index)."""
    return bool(_ROW_ID_NAMES.match(table.header[index])) or (index == 0 and table.unnamed_first)


def guess_target(table: CsvTable) -> str:
    """The column most likely to be the target.

    A conventional name ("label", "class", "target", ...); else a column of words with few
    distinct values (see :func:`looks_like_classes`), the last of them: it cannot be an
    input, and can only be classes; else the last column.
    """
    for name in table.header:
        if _TARGET_NAMES.match(name):
            return name
    for index in reversed(range(table.n_columns)):
        if looks_like_classes(table, index):
            return table.header[index]
    return table.header[-1]


def looks_like_classes(table: CsvTable, column: int) -> bool:
    """Whether column ``column`` holds class labels in words: text that is not mostly
    numbers, does not number the rows, and has 2 to :data:`MAX_GUESSED_CLASSES` distinct
    values, at most one for every two rows (names, one per row, are no classes)."""
    if table.kinds[column] != "text" or looks_like_row_id(table, column):
        return False
    if mostly_numeric(table, column):
        return False
    few = min(MAX_GUESSED_CLASSES, table.n_rows // 2)
    distinct: set[str] = set()
    for cell in table.column(table.header[column]):
        if cell:
            distinct.add(cell)
            if len(distinct) > few:
                return False
    return len(distinct) >= 2


def _decimal_comma_example(table: CsvTable) -> str:
    """The first number of the preview written with a decimal comma (``"0,346"``), or ""."""
    numeric = [index for index, kind in enumerate(table.kinds) if kind == "numeric"]
    for row in table.rows[:PREVIEW_ROWS]:
        for index in numeric:
            if "," in row[index]:
                return row[index]
    return ""


def mostly_numeric(table: CsvTable, column: int) -> bool:
    """Whether a column is numeric, or text in which most (sampled) cells are numbers.

    A "text" column that is nearly all numbers has a typo in it: it is offered as an input so
    the loader can name the bad cell, instead of being silently left out.
    """
    if table.kinds[column] == "numeric":
        return True
    return mostly_numbers((row[column] for row in table.rows), decimal_comma=table.decimal_comma)


def shown_kind(table: CsvTable, column: int) -> str:
    """A column's kind as the dialog names it: ``"numeric"``, ``"mixed"`` or ``"text"``.

    "mixed" is a text column that is mostly numbers (see :func:`mostly_numeric`).
    """
    kind = table.kinds[column]
    return kind if kind == "numeric" or not mostly_numeric(table, column) else "mixed"


def _file_stamp(path: Path) -> tuple[int, int] | None:
    """``(size, modification time in ns)`` of a regular file, else ``None`` (a pipe, a
    missing file: never taken as unchanged)."""
    try:
        status = path.stat()
    except OSError:
        return None
    return (status.st_size, status.st_mtime_ns) if path.is_file() else None


def _file_digest(path: Path) -> bytes | None:
    """A hash of a regular file's bytes, else ``None``.

    Tells a file whose contents changed from one only touched (saved unchanged, copied
    back): only the first is shown again before importing.
    """
    if not path.is_file():
        return None
    digest = hashlib.blake2b(digest_size=16)
    try:
        with path.open("rb") as stream:
            while chunk := stream.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None
    return digest.digest()


def _read_table(
    path: Path,
    progress: ReadProgress | None,
    *,
    header: bool | None,
    decimal_comma: bool | None,
) -> CsvTable:
    """:func:`~nnstudio.data.read_csv_table`, told only what was said (``None``: guessed)."""
    said = {"header": header, "decimal_comma": decimal_comma}
    return read_csv_table(
        path, progress, **{key: value for key, value in said.items() if value is not None}
    )


@dataclass(frozen=True, eq=False)
class CsvRead:
    """A CSV file as read for the column picker: its table, or why it could not be read.

    Attributes
    ----------
    table : CsvTable or None
    error : str or None
        Why the file could not be read (``table`` is then ``None``).
    stamp : tuple of int or None
        The file's size and modification time before it was read (see ``_file_stamp``).
    digest : bytes or None
        A hash of the file's bytes before it was read (see ``_file_digest``).
    refusal : str or None
        Why the first line was read as data although nothing said so: what makes it look
        like data (e.g. ``"it holds only numbers"``); ``None`` when it was read as asked.
    asked : bool or None
        The ``header`` the file was asked to be read with (``None``: the guess).
    unreadable_as_asked : str or None
        Why the file cannot be read as ``asked`` when ``table`` is the other reading of its
        first line (as data instead of the header, or the reverse); ``None`` otherwise. The
        picker shows this problem beside the header box, which the user can toggle.
    decimal_asked : bool or None
        The ``decimal_comma`` the file was asked to be read with (``None``: the guess); the
        table says which reading was used.
    """

    table: CsvTable | None
    error: str | None
    stamp: tuple[int, int] | None
    digest: bytes | None = None
    refusal: str | None = None
    asked: bool | None = None
    unreadable_as_asked: str | None = None
    decimal_asked: bool | None = None

    @classmethod
    def of(
        cls,
        path: str | Path,
        progress: ReadProgress | None = None,
        *,
        header: bool | None = None,
        other_reading: bool = True,
        decimal_comma: bool | None = None,
    ) -> CsvRead:
        """Read ``path``; touches no Qt object (for a worker thread).

        ``header`` and ``decimal_comma`` are :func:`~nnstudio.data.read_csv_table`'s. With
        ``header=None`` (a guess) a file whose first line looks like data is read without a
        header, and ``refusal`` says why.

        ``other_reading``: when the file cannot be read as ``header`` says, read it with the
        other reading of its first line; if that works, ``table`` is that reading and
        ``unreadable_as_asked`` says what went wrong (a first line with an empty cell cannot
        name the columns, but the file may well be read without a header).

        Raises
        ------
        ReadCancelled
            When ``progress`` was cancelled.
        """
        path = Path(path).expanduser().resolve()
        # Both before reading: a change while reading then counts as a change.
        stamp = _file_stamp(path)
        digest = _file_digest(path)
        decimal = decimal_comma
        try:
            table = _read_table(path, progress, header=header, decimal_comma=decimal)
            return cls(table, None, stamp, digest, asked=header, decimal_asked=decimal)
        except FirstLineLooksLikeData as refused:
            why = refused.why
        except NNStudioError as error:
            failed = cls(None, str(error), stamp, digest, asked=header, decimal_asked=decimal)
            if not other_reading:
                return failed
            return cls._other_reading(path, progress, failed)
        # Refused only when nothing was said: the user can tick the header back in the dialog.
        try:
            table = _read_table(path, progress, header=False, decimal_comma=decimal)
        except NNStudioError as error:
            return cls(None, str(error), stamp, digest, asked=header, decimal_asked=decimal)
        return cls(table, None, stamp, digest, refusal=why, asked=header, decimal_asked=decimal)

    @classmethod
    def _other_reading(cls, path: Path, progress: ReadProgress | None, failed: CsvRead) -> CsvRead:
        """The file read with the other reading of its first line than ``failed`` asked for,
        or ``failed`` when that fails too (then no header choice reads it)."""
        try:
            table = _read_table(
                path, progress, header=failed.asked is False, decimal_comma=failed.decimal_asked
            )
        except NNStudioError:
            return failed
        return cls(
            table,
            None,
            failed.stamp,
            failed.digest,
            asked=failed.asked,
            unreadable_as_asked=failed.error,
            decimal_asked=failed.decimal_asked,
        )


def guess_task(table: CsvTable, targets: Sequence[str]) -> str:
    """``"classification"`` for a text target or a whole-number target with few values.

    Several targets always mean regression (classification takes exactly one column).
    """
    if len(targets) != 1 or targets[0] not in table.header:
        return "regression"
    index = table.column_index(targets[0])
    if table.kinds[index] == "text":
        return "classification"
    # The table's own numbers: making text of every cell cost 0.3 s for 312,500 rows.
    finite = table.finite_numbers(targets[0])
    if finite.size == 0 or not np.all(finite == np.round(finite)):
        return "regression"
    # Sorted, the distinct values are where neighbours differ. (np.unique's first call in
    # a session also imports numpy.ma: 10-50 ms of the dialog's opening.)
    ordered = np.sort(finite)
    distinct = 1 + int(np.count_nonzero(ordered[1:] != ordered[:-1]))
    few = min(MAX_GUESSED_CLASSES, max(2, table.n_rows // 2))
    return "classification" if distinct <= few else "regression"


def quoted_names(names: Sequence[str]) -> str:
    """``'a'``, ``'a', 'b'``: column names as the loader's messages quote them."""
    return ", ".join(repr(name) for name in names)


def no_longer_in(
    file_name: str, names: Sequence[str], role: str, *, previous: str = "previous"
) -> str:
    """``"The previous target 'species' is no longer in f.csv."`` (``role``: target, input)."""
    one = len(names) == 1
    return (
        f"The {previous} {role}{'' if one else 's'} {quoted_names(names)} "
        f"{'is' if one else 'are'} no longer in {file_name}."
    )


def lost_columns_notice(file_name: str, targets: Sequence[str], inputs: Sequence[str]) -> str:
    """What a choice of columns lost because the file no longer has them ("" when nothing).

    Example: ``"The previous target 'species' is no longer in f.csv."``
    """
    lines = []
    if targets:
        lines.append(no_longer_in(file_name, targets, "target"))
    if inputs:
        left_out = "It is left out." if len(inputs) == 1 else "They are left out."
        lines.append(f"{no_longer_in(file_name, inputs, 'input')} {left_out}")
    return " ".join(lines)


def describe_change(old: CsvTable, new: CsvTable) -> str:
    """How ``new`` (the file read again) differs from ``old`` (the file as it was shown).

    Example: ``"4 rows instead of 150; new columns: a, b; columns no longer there: petal"``.
    """
    parts = []
    if new.n_rows != old.n_rows:
        parts.append(f"{plural(new.n_rows, 'row')} instead of {old.n_rows:,}")
    added = [name for name in new.header if name not in old.header]
    gone = [name for name in old.header if name not in new.header]
    if added:
        parts.append(f"new {'column' if len(added) == 1 else 'columns'}: {name_list(added)}")
    if gone:
        which = "column" if len(gone) == 1 else "columns"
        parts.append(f"{which} no longer there: {name_list(gone)}")
    if not added and not gone and new.header != old.header:
        parts.append("the columns are in another order")
    if not parts:
        parts.append("the same columns and rows, with other cells")
    return "; ".join(parts)


# ---- models ------------------------------------------------------------------------------------

#: Columns whose width is measured from their contents; wider tables (784 pixel columns) give
#: the rest the widest measured width, because measuring asks the model for every cell.
MEASURED_COLUMNS = 32
#: Widest a column of the import preview opens (cells are numbers or short labels; a long
#: heading is shortened).
MAX_PREVIEW_COLUMN_WIDTH = 220


def table_row_height(view: QtWidgets.QAbstractItemView, least: int) -> int:
    """Row height of ``view``: ``least`` pixels, or more when its font needs it.

    ``least`` is the height that suits the default font; a row keeps the same room around
    its text (and check box) at a larger font, where a fixed height cut the text.
    """
    return max(least, view.fontMetrics().height() + least - DEFAULT_LINE_HEIGHT)


def fit_columns(view: QtWidgets.QTableView) -> None:
    """Size a table's columns to their contents, measuring at most :data:`MEASURED_COLUMNS`.

    The widths are those of Qt's ``resizeColumnToContents``. For a :class:`TextTableModel`
    they are measured from its cell texts with the view's font: Qt asks the model for eight
    roles of every cell, a Python call each (a 100-row preview of 10 columns held the
    window's thread for 20-30 ms, about a tenth of that this way).
    """
    model = view.model()
    columns = model.columnCount() if model is not None else 0
    measured = min(columns, MEASURED_COLUMNS)
    header = view.horizontalHeader()
    if not isinstance(model, TextTableModel):
        for column in range(measured):
            view.resizeColumnToContents(column)
        widths = [header.sectionSize(column) for column in range(measured)]
    else:
        widths = [_content_width(view, model, column) for column in range(measured)]
        for column, width in enumerate(widths):
            header.resizeSection(column, width)
    if columns > measured:
        widest = max(widths)
        for column in range(measured, columns):
            header.resizeSection(column, widest)


def _content_width(view: QtWidgets.QTableView, model: TextTableModel, column: int) -> int:
    """The width ``resizeColumnToContents`` gives ``column``: its widest cell with the item
    delegate's margins and the grid line, or its heading's own width when wider."""
    metrics = QtGui.QFontMetricsF(view.font())
    lines = {line for text in model.column_texts(column) for line in text.split("\n")}
    heading = (
        0 if view.horizontalHeader().isHidden() else view.horizontalHeader().sectionSizeHint(column)
    )
    if not lines:
        return heading
    style = view.style()
    margin = style.pixelMetric(QtWidgets.QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    widest = math.ceil(max(metrics.horizontalAdvance(line) for line in lines))
    return max(widest + 2 * margin + (1 if view.showGrid() else 0), heading)


_DISPLAY_ROLE = int(Qt.ItemDataRole.DisplayRole)
_ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
_FOREGROUND_ROLE = int(Qt.ItemDataRole.ForegroundRole)
_BACKGROUND_ROLE = int(Qt.ItemDataRole.BackgroundRole)
#: The roles :meth:`TextTableModel.data` answers.
_CELL_ROLES = frozenset((_DISPLAY_ROLE, _ALIGNMENT_ROLE, _FOREGROUND_ROLE, _BACKGROUND_ROLE))
_ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


class TextTableModel(QtCore.QAbstractTableModel):
    """A read-only table of text cells with column headers (cheap for thousands of cells).

    Cells live in one NumPy array of strings; the view asks only for what it shows.
    """

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self._headers: list[str] = []
        self._header_tips: list[str] = []
        self._cells = np.empty((0, 0), dtype=object)
        self._numeric = np.zeros(0, dtype=bool)
        self._muted = np.zeros(0, dtype=bool)
        self._tinted = np.zeros(0, dtype=bool)
        self._row_labels: list[str] | None = None
        self._tint_brush = QtGui.QBrush(QtGui.QColor(253, 235, 220))
        self._marked: tuple[int, int] | None = None
        self._marked_brush = QtGui.QBrush(QtGui.QColor(254, 202, 202))
        self._muted_brush = QtGui.QBrush(QtGui.QColor(MUTED_COLOR))

    def set_contents(
        self,
        headers: Sequence[str],
        cells: np.ndarray,
        *,
        numeric: Sequence[bool] | None = None,
        row_labels: Sequence[str] | None = None,
        header_tips: Sequence[str] | None = None,
    ) -> None:
        """Replace the table.

        Parameters
        ----------
        headers : sequence of str, length n_columns
        cells : ndarray of str or object, shape (n_rows, n_columns)
        numeric : sequence of bool, length n_columns, optional
            Columns to right-align.
        row_labels : sequence of str, length n_rows, optional
            Vertical header texts (row numbers by default).
        header_tips : sequence of str, length n_columns, optional
            Tooltips of the column headers.
        """
        self.beginResetModel()
        self._headers = list(headers)
        count = len(self._headers)
        # No columns (an empty preview): a reshape to (-1, 0) is ambiguous.
        self._cells = (
            np.asarray(cells, dtype=object).reshape(-1, count)
            if count
            else np.empty((0, 0), dtype=object)
        )
        self._numeric = np.asarray(numeric if numeric is not None else [False] * count, bool)
        self._muted = np.zeros(count, dtype=bool)
        self._tinted = np.zeros(count, dtype=bool)
        self._row_labels = list(row_labels) if row_labels is not None else None
        self._header_tips = list(header_tips) if header_tips is not None else [""] * count
        self.endResetModel()

    def mark_cell(self, row: int | None, column: int | None = None) -> None:
        """Highlight the cell (or the whole row when ``column`` is None) a problem is in.

        ``row=None`` removes the mark.
        """
        previous = self._marked
        self._marked = None if row is None else (row, -1 if column is None else column)
        for mark in (previous, self._marked):
            if mark is not None and 0 <= mark[0] < self.rowCount():
                self.dataChanged.emit(
                    self.index(mark[0], 0), self.index(mark[0], self.columnCount() - 1)
                )

    def column_texts(self, column: int) -> set[str]:
        """The distinct texts the cells of ``column`` show."""
        return {str(cell) for cell in self._cells[:, column].tolist()}

    @property
    def marked_cell(self) -> tuple[int, int] | None:
        """``(row, column)`` of the highlighted cell (column -1 for a whole row), or None."""
        return self._marked

    def set_column_roles(self, tinted: Sequence[bool], muted: Sequence[bool]) -> None:
        """Highlight target columns (``tinted``) and grey out unused ones (``muted``)."""
        self._tinted = np.asarray(tinted, dtype=bool)
        self._muted = np.asarray(muted, dtype=bool)
        if self._cells.size:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self.rowCount() - 1, self.columnCount() - 1)
            )
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, max(0, self.columnCount() - 1))

    def rowCount(self, parent: QtCore.QModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return int(self._cells.shape[0])

    def columnCount(self, parent: QtCore.QModelIndex | None = None) -> int:
        if parent is not None and parent.isValid():
            return 0
        return len(self._headers)

    def data(self, index: QtCore.QModelIndex, role: int = _DISPLAY_ROLE) -> object:
        # Asked for up to ten roles of every cell painted or measured: the roles answered
        # are told apart by int (the enums' arithmetic cost more than the rest), the other
        # roles answered first, and the brushes made once.
        if role not in _CELL_ROLES or not index.isValid():
            return None
        column = index.column()
        if role == _DISPLAY_ROLE:
            return str(self._cells[index.row(), column])
        if role == _ALIGNMENT_ROLE:
            return _ALIGN_RIGHT if self._numeric[column] else _ALIGN_LEFT
        if role == _FOREGROUND_ROLE:
            return self._muted_brush if self._muted.size and self._muted[column] else None
        marked = self._marked
        if marked is not None and marked[0] == index.row() and marked[1] in (-1, column):
            return self._marked_brush
        if self._tinted.size and self._tinted[column]:
            return self._tint_brush
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._headers):
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.ToolTipRole:
                return self._header_tips[section] or self._headers[section]
            if role == Qt.ItemDataRole.ForegroundRole and self._muted.size and self._muted[section]:
                return self._muted_brush
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if self._row_labels is not None and 0 <= section < len(self._row_labels):
                return self._row_labels[section]
            return str(section + 1)
        return None


def preview_caption(rows: int) -> str:
    """The line above the import preview, for a file of ``rows`` data rows.

    Examples: ``"First 100 of 1,797 rows …"``, ``"All 59 rows …"``, ``"The file has no rows
    under its header."`` (not "First 1 of 1 row" or "First 0 of 0 rows").
    """
    if rows == 0:
        return "The file has no rows under its header."
    legend = "(row numbers are file lines); the target is tinted, unused columns are grey."
    if rows <= PREVIEW_ROWS:
        which = "The only row" if rows == 1 else f"All {rows} rows"
        return f"{which} {legend}"
    return f"First {PREVIEW_ROWS} of {rows:,} rows {legend}"


# ---- the dialog --------------------------------------------------------------------------------

_INPUT_COLUMN = 2
_TARGET_COLUMN = 3


class CsvImportDialog(QtWidgets.QDialog):
    """Pick the columns of a CSV file to train on.

    Parameters
    ----------
    path : str or Path
        The CSV (or ``.csv.gz``) file.
    parent : QWidget, optional
    base_dir : str or Path, optional
        Folder the project's relative paths are resolved against (the document's
        ``base_dir``); the chosen file is stored relative to it. Defaults to the working
        folder.
    initial : CsvData, optional
        A previous choice for this file to start from ("Change columns…"); the file is shown
        read as its ``header`` says (guessed when ``None``).
    dtype : str, optional
        The project's training precision: with ``"float32"`` (the default) numbers beyond its
        range are pointed out before importing.
    read : CsvRead, optional
        The file already read (in a worker thread, see
        :func:`~nnstudio.ui.background.run_with_progress`) with its first line as
        ``initial.header`` says (as guessed, ``header=None``, without ``initial``); read here
        that way when not given.

    Whether the first line is the header is guessed (see :meth:`CsvRead.of`); the "First line
    is a header" box starts from the guess and reads the file again when toggled. So does the
    "Decimal comma" box beside it, for numbers written ``0,346``. A choice that does not load
    for missing values says how many rows have them, and "Skip rows with missing values"
    leaves those rows out.
    """

    def __init__(
        self,
        path: str | Path,
        parent: QtWidgets.QWidget | None = None,
        *,
        base_dir: str | Path | None = None,
        initial: CsvData | None = None,
        dtype: str = "float32",
        read: CsvRead | None = None,
    ):
        super().__init__(parent)
        self._path = Path(path).expanduser().resolve()
        self._base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        self._dtype = dtype
        self._dataset: Dataset | None = None
        #: The choice :attr:`dataset` was loaded for (``None`` when it did not load).
        self._validated_spec: CsvData | None = None
        self._problem: str | None = None
        self._warning: str | None = None
        self._task_chosen = initial is not None
        #: How the previous choice read the first line (``initial.header``): kept as it is
        #: while the header box says the same (see header_setting).
        self._stated_header: bool | None = None if initial is None else initial.header
        #: How the previous choice read decimal commas (``initial.decimal_comma``), and
        #: whether there was one: see decimal_comma_setting.
        self._stated_decimal: bool | None = None if initial is None else initial.decimal_comma
        self._has_initial = initial is not None
        #: Whether the guess reads the file with a decimal comma (``None`` while unknown:
        #: the file was read as a previous choice said).
        self._decimal_guess: bool | None = None
        #: The last task guess and the targets it was made for: the guess reads the whole
        #: target column, and the task hint asks for it again after every guess.
        self._task_guess: tuple[tuple[str, ...], str] | None = None
        #: Targets and inputs of the previous choice (``initial``, or the ticks before the
        #: file changed on disk) that the file no longer has: the messages name them.
        self._lost_targets: tuple[str, ...] = ()
        self._lost_inputs: tuple[str, ...] = ()
        self._syncing = False
        self.setWindowTitle(f"Import CSV — {self._path.name}")
        self.setSizeGripEnabled(True)
        self._validate_timer = QtCore.QTimer(self)
        self._validate_timer.setSingleShot(True)
        self._validate_timer.setInterval(200)
        self._validate_timer.timeout.connect(self._check_in_background)
        #: Checks of the choice after edits run here, one at a time (see _check_in_background).
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="csv-check")
        #: The check running or queued for the current choice (only its outcome is shown),
        #: and that choice.
        self._check_future: Future | None = None
        self._check_spec: CsvData | None = None
        self._closed = False
        self._check_timer = QtCore.QTimer(self)
        self._check_timer.setInterval(30)
        self._check_timer.timeout.connect(self._follow_check)
        #: The first check waits for the dialog's first paint (see _check_after_first_paint).
        self._first_check_pending = False
        self._painted = False
        if read is None:
            # Once, as the previous choice reads it (guessed without one).
            read = CsvRead.of(
                self._path,
                header=None if initial is None else initial.header,
                decimal_comma=None if initial is None else initial.decimal_comma,
            )
        #: Whether the guess took the first line for the header, and if not, why not.
        #: ``None`` while unknown (the file was read as a previous choice said): learnt
        #: when the box is ticked (see _header_toggled).
        self._header_guess: bool | None = (
            read.refusal is None if read.asked is None else self._guess_of(read)
        )
        self._header_refusal = read.refusal
        if read.table is not None and initial is not None:
            read = self._reading_of(initial, read)
        if read.table is not None and read.decimal_asked is None:
            self._decimal_guess = read.table.decimal_comma
        #: The file as read with and without a header (keyed by ``has_header``): toggling the
        #: header box back shows the earlier reading without reading the file again.
        self._reads: dict[bool, CsvRead] = {}
        #: Why the file cannot be read the way the header box says, or ``None``. While it is
        #: set, the column list and preview are empty and ``_table`` is the previous reading,
        #: kept for the box to go back to.
        self._reading_problem: str | None = None
        #: The ticks (targets, inputs) of the previous reading while the box says what cannot
        #: be read: ticking the box back shows them again.
        self._kept_ticks: tuple[tuple[str, ...], tuple[str, ...]] | None = None
        #: Size and modification time of the file when it was read (see _file_changed),
        #: and a hash of its bytes (see _take_changed_file).
        self._read_stamp = read.stamp
        self._read_digest = read.digest
        self._table: CsvTable | None = read.table
        self._read_error: str | None = read.error
        if self._table is not None:
            self._reads[self._table.has_header] = read
            self._build()
            self._fill(initial)
            if read.unreadable_as_asked is not None:
                # The file reads only the other way: the box says what was asked, with why
                # it fails, and toggling it shows the reading that works (its ticks made).
                asked = not self._table.has_header
                self._set_header_box(asked)
                self._show_failed_reading(asked, read.unreadable_as_asked)
            else:
                # In the background too: the dialog shows at once, with its verdict a
                # moment later for a large file.
                self._check_after_first_paint()
        else:
            self._build_unreadable()
            self._show_problem(self._read_error or "the file could not be read")

    # ---- public ----------------------------------------------------------------------------

    @property
    def table(self) -> CsvTable | None:
        """The file's cells, or ``None`` when it could not be read."""
        return self._table

    @property
    def problem(self) -> str | None:
        """Why the current choice cannot be imported (``None`` when it can)."""
        return self._problem

    @property
    def warning(self) -> str | None:
        """What to know about a choice that loads (numbers beyond float32), else ``None``."""
        return self._warning

    @property
    def dataset(self) -> Dataset | None:
        """The data loaded with the current choice, when it loads."""
        return self._dataset

    def input_columns(self) -> tuple[str, ...]:
        """Ticked input columns, in file order."""
        return self._ticked(_INPUT_COLUMN)

    def target_columns(self) -> tuple[str, ...]:
        """Ticked target columns, in file order."""
        return self._ticked(_TARGET_COLUMN)

    def set_column_role(
        self, name: str, *, is_input: bool | None = None, is_target: bool | None = None
    ) -> None:
        """Tick or untick a column as an input and/or a target (as a click would)."""
        if self._table is None or self._reading_problem is not None:
            return  # no column is listed to click
        row = self._table.column_index(name)
        if is_target is not None:
            self._roles.item(row, _TARGET_COLUMN).setCheckState(_check(is_target))
        if is_input is not None:
            self._roles.item(row, _INPUT_COLUMN).setCheckState(_check(is_input))

    def first_line_is_header(self) -> bool:
        """Whether the "First line is a header" box is ticked."""
        return self._table is None or self._header_box.isChecked()

    def set_first_line_is_header(self, header: bool) -> None:
        """Tick or untick "First line is a header" (as a click would): the file is read
        again that way."""
        if self._table is not None:
            self._header_box.setChecked(header)

    def header_setting(self) -> bool | None:
        """How the first line is read, as :func:`~nnstudio.data.read_csv_table`'s ``header``.

        ``None`` while the first line is the header as guessed (a file whose first line looks
        like data is still refused when read so), else whether it is the header. The previous
        choice's (``initial.header``) while the box says the same, so that reopening the
        dialog changes nothing.
        """
        if self._table is None:
            return self._stated_header
        header = self._header_box.isChecked()
        if header == self._stated_header:
            return header
        return None if header and self._header_guess else header

    def decimal_comma(self) -> bool:
        """Whether the "Decimal comma" box is ticked: numbers are read as ``0,5``."""
        return self._table is not None and self._decimal_box.isChecked()

    def set_decimal_comma(self, decimal_comma: bool) -> None:
        """Tick or untick "Decimal comma" (as a click would): the file is read again so."""
        if self._table is not None:
            self._decimal_box.setChecked(decimal_comma)

    def decimal_comma_setting(self) -> bool | None:
        """How numbers are read, as :func:`~nnstudio.data.read_csv_table`'s ``decimal_comma``.

        The previous choice's while the box says the same, and ``None`` (guessed) while the
        box says what the guess says for a previous choice that left it to the guess, so
        that reopening the dialog changes nothing. A new choice says ``True`` when numbers
        are read with a decimal comma (the project then reads them so whatever the guess),
        ``False`` when the box was unticked against the guess, else ``None``.
        """
        if self._table is None:
            return self._stated_decimal
        ticked = self._decimal_box.isChecked()
        if self._stated_decimal is not None and ticked == self._stated_decimal:
            return ticked
        if ticked == self._decimal_guess:
            return None if self._has_initial or not ticked else True
        return ticked

    def skip_missing(self) -> bool:
        """Whether "Skip rows with missing values" is ticked."""
        return self._table is not None and self._skip_missing.isChecked()

    def set_skip_missing(self, skip: bool) -> None:
        """Tick or untick "Skip rows with missing values" (as a click would)."""
        if self._table is not None:
            self._skip_missing.setChecked(skip)

    def task(self) -> str:
        """The chosen task."""
        if self._table is None:
            return "classification"
        return str(self._task.currentData())

    def set_task(self, task: str) -> None:
        """Choose ``"classification"`` or ``"regression"`` (as the user would)."""
        if self._table is None:
            return
        self._task.setCurrentIndex(self._task.findData(task))

    def result_spec(self) -> CsvData:
        """The data section for the project: the file relative to ``base_dir`` when possible.

        ``features`` is ``None`` when every non-target column is an input, in file order.
        ``header`` is :meth:`header_setting`, so the project reads the file as the dialog
        shows it; :attr:`dataset` is read that way.

        Raises
        ------
        DataError
            When the file could not be read (there is no choice to return).
        """
        if self._table is None:
            raise DataError(self._read_error or f"{self._path.name}: the file could not be read")
        targets = self.target_columns()
        inputs = self.input_columns()
        all_others = tuple(h for h in self._header() if h not in targets)
        return CsvData(
            csv=relative_csv_path(self._path, self._base_dir),
            target=targets,
            task=self.task(),
            features=None if inputs == all_others else inputs,
            standardize=self._standardize.isChecked(),
            validation_fraction=round(self._validation.value() / 100.0, 4),
            seed=int(self._seed.value()),
            standardize_targets=self.task() == "regression"
            and self._standardize_targets.isChecked(),
            header=self.header_setting(),
            decimal_comma=self.decimal_comma_setting(),
            skip_missing=self._skip_missing.isChecked(),
        )

    def validate(self) -> bool:
        """Check the current choice by loading the data; show the outcome. True when it loads.

        The data is built from the rows already read with the steps
        :func:`~nnstudio.data.load_dataset` takes after reading the file, so exactly as the
        project will load it; a file that changed since it was read is read again. Edits are
        checked the same way in a worker thread (see :meth:`_check_in_background`); this
        checks at once, on the calling thread.
        """
        self._validate_timer.stop()
        self._forget_check()  # a check still running in the background is out of date
        spec = self._choice_to_check()
        if spec is None:
            return False
        return self._show_check(spec, self._check(spec, self._table))

    @property
    def checking(self) -> bool:
        """Whether the current choice is being checked in the background (or soon will be)."""
        return self._check_future is not None or self._first_check_pending

    def _check_after_first_paint(self) -> None:
        """Check the first choice in the background once the dialog has painted (at once
        when it is not shown).

        The check's thread takes turns with the window's at the interpreter lock, and the
        first paint calls into Python for every cell shown: started before it, a 100,000-row
        file's check made the dialog appear about 50 ms later.
        """
        self._first_check_pending = True
        self._status.setStyleSheet(CHECKING_BOX_STYLE)
        self._status.setText("Checking the data…")
        self._ok.setEnabled(False)
        QtCore.QTimer.singleShot(0, self, self._start_first_check)
        # A dialog shown but not painted (covered, minimised) is checked all the same.
        QtCore.QTimer.singleShot(
            FIRST_CHECK_LATEST_MS, self, lambda: self._start_first_check(force=True)
        )

    def _start_first_check(self, *, force: bool = False) -> None:
        if not self._first_check_pending:
            return  # started, or overtaken by an edit or a validation
        if self.isVisible() and not self._painted and not force:
            return  # paintEvent starts it
        self._first_check_pending = False
        self._check_in_background()

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            # After the whole window has painted, children included.
            QtCore.QTimer.singleShot(0, self, lambda: self._start_first_check(force=True))

    def _choice_to_check(self) -> CsvData | None:
        """The choice to load, or ``None`` after showing why it cannot be (no loading needed)."""
        self._dataset = None
        self._validated_spec = None
        self._warning = None
        if self._table is None:
            self._show_problem(self._read_error or "the file could not be read")
            return None
        if self._reading_problem is not None:
            self._show_problem(self._reading_problem)
            return None
        targets = self.target_columns()
        inputs = self.input_columns()
        if not targets:
            self._show_problem(self._no_target_problem())
            return None
        if not inputs:
            self._show_problem(self._no_inputs_problem(targets))
            return None
        if self.task() == "classification" and len(targets) > 1:
            self._show_problem(
                f"Classification takes exactly one target column, but {len(targets)} are "
                f"ticked ({name_list(targets)}). Untick all but one, or choose regression."
            )
            return None
        return self.result_spec()

    def _check(
        self, spec: CsvData, table: CsvTable | None
    ) -> tuple[Dataset, str | None] | NNStudioError:
        """Load ``spec``'s data from ``table`` (the file read as ``spec.header`` says) and
        look for numbers beyond float32; touches no Qt object.

        Returns the data set and the float32 warning, or the error loading raised.
        """
        try:
            dataset = self._load(spec, table)
        except NNStudioError as error:
            return error
        warning = None
        if self._dtype == "float32" and table is not None:
            numeric = spec.target if spec.task == "regression" else ()
            warning = float32_problem(table, self._input_names(spec, table) + tuple(numeric))
        return dataset, warning

    def _input_names(self, spec: CsvData, table: CsvTable) -> tuple[str, ...]:
        if spec.features is not None:
            return tuple(spec.features)
        return tuple(name for name in table.header if name not in spec.target)

    def _show_check(
        self, spec: CsvData, outcome: tuple[Dataset, str | None] | NNStudioError
    ) -> bool:
        """Show the outcome of checking ``spec``; True when it loads."""
        if isinstance(outcome, NNStudioError):
            self._show_problem(self._with_reading_hints(outcome))
            return False
        dataset, warning = outcome
        self._dataset = dataset
        self._validated_spec = spec
        self._problem = None
        self._warning = warning
        summary = "✓ " + dataset_summary(dataset)
        if dataset.skipped_rows:
            summary += f"\nSkipped: {skipped_lines_text(dataset)}."
        if dataset.class_notes:
            # Labels that look alike: most often a slip in the file, which training hides.
            summary += "\n" + class_notes_text(dataset)
        # The file may still be imported: the training precision can be changed afterwards.
        self._mark_problem_cell(warning)
        self._status.setStyleSheet(WARNING_BOX_STYLE if warning else OK_BOX_STYLE)
        self._status.setText(summary + (f"\n⚠ {warning}." if warning else ""))
        self._ok.setEnabled(True)
        return True

    def _check_in_background(self) -> None:
        """Check the choice after an edit in a worker thread; the dialog stays responsive.

        Loading MNIST's 60,000 rows takes about a second, which froze the dialog at every
        click in the column list. Import stays disabled until the check ends; a newer edit
        makes an older check's outcome irrelevant, and it is dropped.
        """
        if self._closed:
            return
        self._forget_check()
        spec = self._choice_to_check()
        if spec is None:
            return
        self._status.setStyleSheet(CHECKING_BOX_STYLE)
        self._status.setText("Checking the data…")
        self._ok.setEnabled(False)
        # The table and the header choice (spec.header) as they are now: a later toggle
        # drops this check.
        self._check_future = self._checker.submit(self._check, spec, self._table)
        self._check_spec = spec
        self._check_timer.start()

    def _forget_check(self) -> None:
        """Drop the outcome of the check in the background (one not started never runs)."""
        self._first_check_pending = False
        if self._check_future is not None:
            self._check_future.cancel()
        self._check_future = self._check_spec = None
        self._check_timer.stop()

    def _follow_check(self) -> None:
        future, spec = self._check_future, self._check_spec
        if future is None or spec is None or not future.done():
            return
        self._forget_check()
        if not future.cancelled():
            self._show_check(spec, future.result())

    def done(self, result: int) -> None:
        """Closing: a check still running finishes in its thread and is forgotten."""
        self._closed = True
        self._validate_timer.stop()
        self._forget_check()
        self._checker.shutdown(wait=False, cancel_futures=True)
        super().done(result)

    def _no_target_problem(self) -> str:
        """Why no target is ticked: the previous one left the file, or none was ticked."""
        what = "Tick a target column: the value the network should predict."
        if not self._lost_targets:
            return what
        return f"{no_longer_in(self._path.name, self._lost_targets, 'target')} {what}"

    def _no_inputs_problem(self, targets: tuple[str, ...]) -> str:
        """Why no input is ticked: the file's own problem when it has one, else what to do."""
        table = self._table
        assert table is not None
        if table.n_rows < 2:
            layout = "a header row, then " if table.has_header else ""
            return (
                f"{table.name}: has {plural(table.n_rows, 'data row')}; training needs at "
                f"least 2 ({layout}one example per line)."
            )
        if table.n_columns == 1:
            return (
                f"{table.name}: has only one column ({table.header[0]!r}); training needs "
                "input columns and a target column, separated by commas, semicolons or tabs."
            )
        others = [index for index, name in enumerate(table.header) if name not in targets]
        if others and not any(mostly_numeric(table, index) for index in others):
            # No column could be ticked for the user: say what is wrong with the first one.
            for index in others:
                try:
                    table.to_floats([table.header[index]], role="input")
                except DataError as error:
                    text = self._with_reading_hints(error)
                    period = "" if text.endswith(".") else "."
                    return f"No column holds numbers to use as an input. {text}{period}"
        what = "Tick at least one input column."
        if self._lost_inputs:
            return f"{no_longer_in(self._path.name, self._lost_inputs, 'input')} {what}"
        return what

    def accept(self) -> None:
        """Close with the choice, only if it loads (otherwise the message stays visible).

        A file whose contents changed on disk since the dialog showed it is not imported:
        the dialog shows the new contents and what changed, and Import imports them.
        """
        if self._reading_problem is not None:
            # Nothing to import: the file cannot be read the way the header box says.
            self._show_problem(self._reading_problem)
            return
        if self._table is not None and self._file_changed():
            with wait_cursor():
                shown_again = self._take_changed_file()
            if shown_again:
                return
        checked = self._validated_spec
        spec = self.result_spec() if self._table is not None else None
        if checked is not None and checked == spec and not self._file_changed():
            # Checked as it stands (the checks follow every edit): no second load.
            super().accept()
            return
        future = self._check_future
        with wait_cursor():
            if future is not None and self._check_spec == spec and not future.cancelled():
                # Its check is running (or queued): wait for it rather than load again.
                outcome = future.result()
                self._forget_check()
                loads = self._show_check(spec, outcome)
            else:
                loads = self.validate()
        if loads:
            super().accept()

    def _load(self, spec: CsvData, table: CsvTable | None) -> Dataset:
        if table is None or self._file_changed():
            # As the project will read it, the first line as spec.header says.
            return load_dataset(spec, self._base_dir)
        # The same steps load_dataset takes after reading the file: reading a large file
        # again took as long as the first time (seconds for MNIST's 60,000 rows).
        return dataset_from_table(table, spec, source=self._path.name)

    def _take_changed_file(self) -> bool:
        """Read the file again after it changed on disk; True when the dialog now shows it.

        Importing it straight away loaded columns and rows the user had never seen (another
        file's inputs, with the dialog closing before its summary could be read). False when
        only its time changed (same bytes): the choice shown still holds.
        """
        stamp = _file_stamp(self._path)
        if self._read_digest is not None and _file_digest(self._path) == self._read_digest:
            self._read_stamp = stamp
            return False
        read = CsvRead.of(
            self._path,
            header=self.header_setting(),
            other_reading=False,
            decimal_comma=self._decimal_box.isChecked(),
        )
        if read.table is None:
            # The old contents stay shown, and the old stamp: a fix is read again at Import.
            self._forget_check()
            self._dataset = self._validated_spec = None
            self._show_problem(
                f"{self._path.name} changed on disk since it was shown and can no longer be "
                f"read: {read.error or 'unknown error'}"
            )
            return True
        self._show_new_contents(read)
        return True

    def _show_new_contents(self, read: CsvRead) -> None:
        """Show the file as read again, keeping the ticks of the columns it still has.

        New columns are ticked as inputs as a first look would tick them. The notice above
        the message says what changed, until the file is imported.
        """
        old, new = self._table, read.table
        assert old is not None and new is not None
        targets_before, inputs_before = self.target_columns(), self.input_columns()
        targets = tuple(name for name in targets_before if name in new.header)
        kept_inputs = tuple(name for name in inputs_before if name in new.header)
        # With no target left, the column a first look would take as the target is not
        # made an input behind the user's back.
        not_inputs = set(targets) | (set() if targets else {guess_target(new)})
        added = tuple(
            name
            for index, name in enumerate(new.header)
            if name not in old.header
            and name not in not_inputs
            and mostly_numeric(new, index)
            and not looks_like_row_id(new, index)
        )
        self._lost_targets = tuple(name for name in targets_before if name not in new.header)
        self._lost_inputs = tuple(name for name in inputs_before if name not in new.header)
        self._forget_check()
        self._dataset = self._validated_spec = None
        self._table = new
        self._read_stamp, self._read_digest = read.stamp, read.digest
        # The other reading of the first line is of the old contents.
        self._reads = {new.has_header: read}
        self._reading_problem = self._kept_ticks = None
        self._columns_box.setEnabled(True)
        if self._header_box.isChecked() != new.has_header:
            # Read as guessed, and the new first line looks like data.
            self._header_guess, self._header_refusal = new.has_header, read.refusal
            self._set_header_box(new.has_header)
        self._task_guess = None
        self._details.set_full_text(self._file_details())
        self._show_columns(targets, kept_inputs + added)
        self._update_task_guess()
        self._update_preview_roles()
        text = (
            f"⚠ {self._path.name} changed on disk since it was shown: "
            f"{describe_change(old, new)}. The columns and preview now show the new contents."
        )
        # The inputs gone are among the columns named above; a target gone needs a new one.
        if self._lost_targets:
            gone = no_longer_in(self._path.name, self._lost_targets, "target", previous="ticked")
            text += f" {gone}"
        self._set_notice(text + " Check the choice, then press Import again to import it.")
        self._check_in_background()

    def _set_notice(self, text: str) -> None:
        """Show ``text`` in the amber notice above the message (hide it when empty)."""
        self._notice.setText(text)
        self._notice.setVisible(bool(text))

    @property
    def notice(self) -> str:
        """What changed since the choice was made (the file on disk, columns gone), or ""."""
        return self._notice.text() if self._table is not None else ""

    def _file_changed(self) -> bool:
        """Whether the file is not the one read (another size or modification time)."""
        stamp = _file_stamp(self._path)
        return stamp is None or stamp != self._read_stamp

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        # At the dialog's smallest, both tables still show a few whole rows (they showed two).
        # Measured once shown: before, the headers have no size yet.
        if self._table is not None:
            # The column list's name column stretches: it never scrolls sideways.
            self._roles.setMinimumHeight(
                _table_height(self._roles, MIN_VISIBLE_ROWS, scroll_bar=False)
            )
            self._preview.setMinimumHeight(
                _table_height(self._preview, MIN_VISIBLE_ROWS, scroll_bar=True)
            )
            # Once the list has its height.
            QtCore.QTimer.singleShot(0, self, self._reveal_target)
        super().showEvent(event)

    def _reveal_target(self) -> None:
        """Scroll the column list so the first target shows (often the file's last column)."""
        for row in range(self._roles.rowCount()):
            item = self._roles.item(row, _TARGET_COLUMN)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                self._roles.scrollToItem(item, QtWidgets.QAbstractItemView.ScrollHint.EnsureVisible)
                return

    # ---- building --------------------------------------------------------------------------

    def _resize_within_screen(self, size: tuple[int, int]) -> None:
        """Open at ``size``, or smaller on a small screen.

        The whole dialog, title bar and buttons included, stays on the screen it opens on
        (960 x 700 is wider than an 800-pixel screen and, with its title bar, taller than
        a 1366 x 768 screen above its taskbar).
        """
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        width, height = size
        if screen is not None:
            room = screen.availableGeometry()
            width = min(width, room.width() - _FRAME_ALLOWANCE[0])
            height = min(height, room.height() - _FRAME_ALLOWANCE[1])
        self.resize(width, height)

    def _build_unreadable(self) -> None:
        """A file that cannot be read: say why, and offer only to close."""
        # Narrowed further, the message and the advice shrank to a word or two a line and
        # ran into each other.
        self.setMinimumWidth(UNREADABLE_MIN_WIDTH)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 12)
        layout.setSpacing(10)
        layout.addLayout(self._build_title())
        self._status = self._build_status(whole=True)
        layout.addWidget(self._status)
        hint = WrappedLabel(
            "A CSV file needs a header row of unique column names, then one example per line "
            "with as many fields as the header. Fix the file and open it again."
        )
        hint.setStyleSheet(f"color: {MUTED_COLOR};")
        layout.addWidget(hint)
        layout.addStretch(1)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Close
        )
        self._ok = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self._ok.setText("&Import")
        self._ok.setEnabled(False)
        self._ok.hide()
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # As tall as the text needs at its width: no blank band above the button.
        self.resize(620, layout.totalHeightForWidth(620))

    def _build_status(self, *, whole: bool = False) -> QtWidgets.QLabel:
        """The framed message under the options.

        ``whole``: the message never changes, and keeps all its lines however narrow the
        dialog (else it keeps room for two lines, so a longer message does not move the
        buttons).
        """
        status = WrappedLabel() if whole else QtWidgets.QLabel()
        if not whole:
            # Messages quote the file (class names, cells): never read them as markup.
            status.setTextFormat(Qt.TextFormat.PlainText)
        status.setWordWrap(True)
        status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        if not whole:
            status.setMinimumHeight(status.fontMetrics().lineSpacing() * 2 + 14)
        return status

    def _build_title(self) -> QtWidgets.QGridLayout:
        """The file's name over its size and folder (column 0 of the returned grid)."""
        # A long name is shortened too: the header box beside it keeps its room.
        title = ElidedLabel(self._path.name)
        title.setObjectName("csvTitle")
        title.setToolTip(self._path.name)
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        title.setFont(font)
        # The folder may be long: it is shortened rather than widening the dialog.
        self._details = ElidedLabel(self._file_details())
        self._details.setStyleSheet(f"color: {MUTED_COLOR};")
        self._details.setToolTip(str(self._path))
        self._details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        header = QtWidgets.QGridLayout()
        header.setHorizontalSpacing(12)
        header.setVerticalSpacing(2)
        header.addWidget(title, 0, 0)
        header.addWidget(self._details, 1, 0)
        header.setColumnStretch(0, 1)
        return header

    def _add_header_choice(self, heading: QtWidgets.QGridLayout) -> None:
        """Put the "First line is a header" box beside the file's name, and the line saying
        why it is unticked (when the guess unticked it) beside the file's size.

        How the file is read comes before the columns and the preview, which follow it.
        Sharing the name's and the size's rows, the box and its line make the dialog no
        taller, shown or hidden (the options beside the column list had no row to spare).
        """
        self._header_box, self._header_hint = self._reading_choice(
            HEADER_BOX_TEXT,
            ("csvHeader", "csvHeaderHint"),
            self._table is None or self._table.has_header,
            "Read the first line as column names. Untick it for a file that starts with an "
            "example: the first line is then the first row, and the columns are numbered "
            "(column 1, column 2, …).",
            self._header_toggled,
        )
        # How numbers are written, beside it: also a reading of the file.
        self._decimal_box, self._decimal_hint = self._reading_choice(
            DECIMAL_BOX_TEXT,
            ("csvDecimalComma", "csvDecimalHint"),
            self._table is not None and self._table.decimal_comma,
            "Read numbers written with a decimal comma, as spreadsheets write them in many "
            "languages: 0,5 is 0.5. A number written with a point is then not read as a "
            "number. Guessed for files whose cells are separated by semicolons or tabs.",
            self._decimal_toggled,
        )
        heading.addWidget(self._decimal_box, 0, 1, Qt.AlignmentFlag.AlignRight)
        heading.addWidget(self._decimal_hint, 1, 1, Qt.AlignmentFlag.AlignRight)
        heading.addWidget(self._header_box, 0, 2, Qt.AlignmentFlag.AlignRight)
        heading.addWidget(self._header_hint, 1, 2, Qt.AlignmentFlag.AlignRight)
        self._update_header_hint()
        self._update_decimal_hint()

    @staticmethod
    def _reading_choice(
        text: str,
        names: tuple[str, str],
        checked: bool,
        tip: str,
        toggled: Callable[[bool], None],
    ) -> tuple[QtWidgets.QCheckBox, QtWidgets.QLabel]:
        """A box choosing how the file is read and the muted line under it that says what
        was guessed (``names``: their object names)."""
        box = QtWidgets.QCheckBox(text)
        box.setObjectName(names[0])
        box.setChecked(checked)
        box.setToolTip(tip)
        box.toggled.connect(toggled)
        hint = QtWidgets.QLabel()
        hint.setObjectName(names[1])
        hint.setTextFormat(Qt.TextFormat.PlainText)
        hint.setStyleSheet(f"color: {MUTED_COLOR};")
        return box, hint

    def _build(self) -> None:
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(14, 14, 14, 12)
        layout.setSpacing(10)
        heading = self._build_title()
        self._add_header_choice(heading)
        layout.addLayout(heading)

        top = QtWidgets.QWidget()
        top_layout = QtWidgets.QHBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(12)
        top_layout.addWidget(self._build_columns_box(), 3)
        top_layout.addWidget(self._build_options_box(), 2)

        preview_box = QtWidgets.QGroupBox("Preview")
        preview_layout = QtWidgets.QVBoxLayout(preview_box)
        self._preview_model = TextTableModel(self)
        self._preview = QtWidgets.QTableView()
        self._preview.setTabKeyNavigation(False)  # Tab moves on; the arrows walk the cells
        self._preview.setObjectName("csvPreview")
        self._preview.setModel(self._preview_model)
        self._preview.setAlternatingRowColors(True)
        self._preview.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self._preview.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self._preview.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._preview.verticalHeader().setDefaultSectionSize(
            table_row_height(self._preview, PREVIEW_ROW_HEIGHT)
        )
        self._preview.horizontalHeader().setMinimumSectionSize(60)
        self._preview.horizontalHeader().setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._preview.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self._preview_caption = QtWidgets.QLabel()
        self._preview_caption.setStyleSheet(f"color: {MUTED_COLOR};")
        preview_layout.addWidget(self._preview_caption)
        preview_layout.addWidget(self._preview)

        splitter = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(preview_box)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        # The column list gets what its rows need (up to a point); the preview the rest. The
        # sizes suit the default font and grow with a larger one.
        columns = self._table.n_columns if self._table is not None else 0
        scale = self._font_scale()
        splitter.setSizes([round(min(150 + 24 * columns, 330) * scale), round(400 * scale)])
        layout.addWidget(splitter, 1)

        # What changed since the choice was made (the file on disk, columns gone): stays
        # while the message below follows every edit.
        self._notice = WrappedLabel()
        self._notice.setObjectName("csvNotice")
        self._notice.setStyleSheet(WARNING_BOX_STYLE)
        self._notice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._notice.hide()
        layout.addWidget(self._notice)

        self._status = self._build_status()
        layout.addWidget(self._status)

        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        self._ok = buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)
        self._ok.setText("&Import")
        self._ok.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # Beside the buttons, under the message that counts the rows it would leave out:
        # the options beside the column list have no row to spare on a small screen.
        self._skip_missing = QtWidgets.QCheckBox(SKIP_MISSING_TEXT)
        self._skip_missing.setObjectName("csvSkipMissing")
        self._skip_missing.setToolTip(
            "Leave out every row with an empty cell or a missing value (NA, nan, ?) in an "
            "input or target column, instead of refusing the file. Saved with the project, "
            "which then reads the file the same way."
        )
        self._skip_missing.toggled.connect(self._schedule_validation)
        bottom = QtWidgets.QHBoxLayout()
        bottom.addWidget(self._skip_missing)
        bottom.addStretch(1)
        bottom.addWidget(buttons)
        layout.addLayout(bottom)

        self._ok.setEnabled(False)
        # Larger with a larger font, and never below its smallest: opened at its smallest,
        # the column list showed four of five rows, scrolled past the first.
        scale = self._font_scale()
        least = layout.totalMinimumSize()
        self._resize_within_screen(
            (
                max(round(DEFAULT_SIZE[0] * scale), least.width()),
                max(round(DEFAULT_SIZE[1] * scale), least.height()),
            )
        )

    def _font_scale(self) -> float:
        """How much taller the column list's rows are than with the default font (>= 1)."""
        return self._roles.verticalHeader().defaultSectionSize() / ROLE_ROW_HEIGHT

    def _build_columns_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Columns")
        self._columns_box = box
        layout = QtWidgets.QVBoxLayout(box)
        hint = QtWidgets.QLabel(
            "Tick the <b>inputs</b> the network reads and the <b>target</b> it predicts "
            "(space toggles the focused box)."
        )
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self._roles = QtWidgets.QTableWidget(0, 4)
        self._roles.setHorizontalHeaderLabels(["Column", "Kind", "Input", "Target"])
        self._roles.verticalHeader().setVisible(False)
        self._roles.verticalHeader().setDefaultSectionSize(
            table_row_height(self._roles, ROLE_ROW_HEIGHT)
        )
        self._roles.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectItems)
        self._roles.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self._roles.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self._roles.setTabKeyNavigation(False)
        self._roles.setAlternatingRowColors(True)
        # Long names are shortened in the middle: names that differ only at the end
        # ("..._left", "..._right") stay told apart.
        self._roles.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        head = self._roles.horizontalHeader()
        # The focused box's column heading would turn bold ("Input" stood out from "Target"
        # as if it mattered more).
        head.setHighlightSections(False)
        # Headings start where their cells' names, words and boxes start.
        head.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        head.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            head.setSectionResizeMode(column, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self._roles.itemChanged.connect(self._role_changed)
        layout.addWidget(self._roles, 1)

        row = QtWidgets.QHBoxLayout()
        all_inputs = QtWidgets.QPushButton("&All other columns as inputs")
        all_inputs.clicked.connect(self._tick_all_inputs)
        no_inputs = QtWidgets.QPushButton("&Clear inputs")
        # Enter imports; it never presses these.
        all_inputs.setAutoDefault(False)
        no_inputs.setAutoDefault(False)
        no_inputs.clicked.connect(self._clear_inputs)
        row.addWidget(all_inputs)
        row.addWidget(no_inputs)
        row.addStretch(1)
        layout.addLayout(row)
        return box

    def _build_options_box(self) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox("Options")
        form = QtWidgets.QFormLayout(box)
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)

        self._task = QtWidgets.QComboBox()
        self._task.addItem("Classification", "classification")
        self._task.addItem("Regression", "regression")
        self._task.setToolTip(
            "Classification predicts one of a few labels (text, or whole numbers with few "
            "values); regression predicts numbers."
        )
        self._task.currentIndexChanged.connect(self._task_changed)
        self._task_hint = WrappedLabel()
        self._task_hint.setStyleSheet(f"color: {MUTED_COLOR};")
        # The whole width of the field: the hint wraps only when it must.
        self._task_hint.setSizePolicy(
            QtWidgets.QSizePolicy.Policy.Expanding, QtWidgets.QSizePolicy.Policy.Preferred
        )
        task_label = QtWidgets.QLabel("&Task:")
        task_label.setBuddy(self._task)
        form.addRow(task_label, self._task)
        form.addRow("", self._task_hint)

        self._standardize = QtWidgets.QCheckBox("&Standardise inputs")
        self._standardize.setChecked(True)
        self._standardize.setToolTip(
            "Rescale each input to mean 0 and standard deviation 1 using the training rows; "
            "the statistics are saved with the project so the model works on raw values."
        )
        self._standardize.toggled.connect(self._schedule_validation)
        form.addRow("", self._standardize)

        # Regression only: classes are not numbers to rescale.
        self._standardize_targets = QtWidgets.QCheckBox("Standardise tar&gets")
        self._standardize_targets.setChecked(True)
        self._standardize_targets.setToolTip(
            "Train on targets rescaled to mean 0 and standard deviation 1 using the training rows; "
            "predictions, plots and exports stay in the targets' units. Targets in the "
            "thousands or millions then train as fast as targets near 1."
        )
        self._standardize_targets.setEnabled(False)
        self._standardize_targets.toggled.connect(self._schedule_validation)
        form.addRow("", self._standardize_targets)

        self._validation = QtWidgets.QSpinBox()
        self._validation.setRange(0, 90)
        self._validation.setSingleStep(5)
        self._validation.setSuffix(" %")
        self._validation.setValue(20)
        self._validation.setToolTip("Share of the rows held out to measure generalisation.")
        self._validation.valueChanged.connect(self._schedule_validation)
        validation_label = QtWidgets.QLabel("&Validation:")
        validation_label.setBuddy(self._validation)
        form.addRow(validation_label, self._validation)

        self._seed = QtWidgets.QSpinBox()
        self._seed.setRange(0, 2_147_483_647)
        self._seed.setToolTip("Seed of the shuffle that picks the validation rows.")
        self._seed.valueChanged.connect(self._schedule_validation)
        seed_label = QtWidgets.QLabel("Split s&eed:")
        seed_label.setBuddy(self._seed)
        form.addRow(seed_label, self._seed)
        return box

    def _file_details(self) -> str:
        if self._table is None:
            return str(self._path)
        table = self._table
        return (
            f"{plural(table.n_rows, 'row')} · {plural(table.n_columns, 'column')} · "
            f"{self._path.parent}"
        )

    # ---- filling ---------------------------------------------------------------------------

    def _fill(self, initial: CsvData | None) -> None:
        table = self._table
        assert table is not None
        if initial is not None:
            targets = tuple(t for t in initial.target if t in table.header)
            self._lost_targets = tuple(t for t in initial.target if t not in table.header)
            if initial.features is None:
                inputs = tuple(h for h in table.header if h not in targets)
            else:
                inputs = tuple(f for f in initial.features if f in table.header)
                self._lost_inputs = tuple(f for f in initial.features if f not in table.header)
            # Said once, above the message: the choice was changed, not only refused.
            self._set_notice(
                lost_columns_notice(self._path.name, self._lost_targets, self._lost_inputs)
            )
        else:
            target = guess_target(table)
            targets = (target,)
            inputs = tuple(
                name
                for index, name in enumerate(table.header)
                if name != target
                and mostly_numeric(table, index)
                and not looks_like_row_id(table, index)
            )
        self._show_columns(targets, inputs)
        if initial is not None:
            self._syncing = True
            self._task.setCurrentIndex(self._task.findData(initial.task))
            self._standardize.setChecked(initial.standardize)
            if initial.task == "regression":
                self._standardize_targets.setChecked(initial.standardize_targets)
            self._validation.setValue(round(initial.validation_fraction * 100))
            self._seed.setValue(initial.seed)
            self._skip_missing.setChecked(initial.skip_missing)
            self._syncing = False
        self._update_task_guess()
        self._update_preview_roles()

    def _show_columns(self, targets: Sequence[str], inputs: Sequence[str]) -> None:
        """Fill the column list (with these ticks) and the preview from the table."""
        table = self._table
        assert table is not None
        self._syncing = True
        self._roles.setRowCount(table.n_columns)
        for row, name in enumerate(table.header):
            name_item = QtWidgets.QTableWidgetItem(name)
            name_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            name_item.setToolTip(name)  # a long name is shortened in the list
            kind = shown_kind(table, row)
            kind_item = QtWidgets.QTableWidgetItem(kind)
            kind_item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            kind_item.setForeground(QtGui.QBrush(QtGui.QColor(MUTED_COLOR)))
            if kind == "mixed":
                kind_item.setToolTip("Mostly numbers, but some cells are not numbers.")
            self._roles.setItem(row, 0, name_item)
            self._roles.setItem(row, 1, kind_item)
            for column, ticked in (
                (_INPUT_COLUMN, name in inputs),
                (_TARGET_COLUMN, name in targets),
            ):
                item = QtWidgets.QTableWidgetItem()
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled
                    | Qt.ItemFlag.ItemIsSelectable
                    | Qt.ItemFlag.ItemIsUserCheckable
                )
                item.setCheckState(_check(ticked))
                item.setToolTip(
                    f"Use {name!r} as an input" if column == _INPUT_COLUMN else f"Predict {name!r}"
                )
                self._roles.setItem(row, column, item)
        self._roles.setCurrentCell(0, _INPUT_COLUMN)
        # Keyboard users start in the column list: arrows move, space ticks.
        self._roles.setFocus()
        self._reveal_target()

        cells = np.array(table.rows[:PREVIEW_ROWS], dtype=object).reshape(-1, table.n_columns)
        tips = [f"{name} ({shown_kind(table, index)})" for index, name in enumerate(table.header)]
        self._preview_model.set_contents(
            table.header,
            cells,
            # A "mixed" column (numbers with a typo) lines its numbers up like the others.
            numeric=[mostly_numeric(table, column) for column in range(table.n_columns)],
            row_labels=[str(line) for line in table.line_numbers[:PREVIEW_ROWS]],
            header_tips=tips,
        )
        fit_columns(self._preview)
        # A long column name no longer takes the preview's whole width: its heading is
        # shortened (the tooltip has it whole) and the next columns stay in view.
        header = self._preview.horizontalHeader()
        for column in range(table.n_columns):
            if header.sectionSize(column) > MAX_PREVIEW_COLUMN_WIDTH:
                header.resizeSection(column, MAX_PREVIEW_COLUMN_WIDTH)
        self._preview_caption.setText(preview_caption(table.n_rows))
        self._preview_model.mark_cell(None)  # a mark on the old contents
        self._syncing = False

    # ---- the first line --------------------------------------------------------------------

    def _reading_of(self, initial: CsvData, read: CsvRead) -> CsvRead:
        """The file read as ``initial.header`` says, when ``read`` (the guess) read it
        otherwise.

        With no header stated (``None``, a guess): ``read``, or the file read with the other
        reading of its first line when only that one has every column ``initial`` names (a
        choice made with that reading).
        """
        assert read.table is not None
        if read.asked == initial.header and read.asked is not None:
            return read  # read as stated (or the other way, when it cannot be read so)
        if initial.header is not None:
            if read.table.has_header == initial.header:
                return read  # a stated header reads the same table as an accepted guess
            stated = CsvRead.of(
                self._path,
                header=initial.header,
                other_reading=False,
                decimal_comma=read.decimal_asked,
            )
            # A file that can no longer be read so is shown as guessed, with the columns
            # it lost named.
            return stated if stated.table is not None else read
        names = set(initial.target) | set(initial.features or ())
        if names <= set(read.table.header):
            return read
        other = CsvRead.of(
            self._path,
            header=not read.table.has_header,
            other_reading=False,
            decimal_comma=read.decimal_asked,
        )
        if other.table is not None and names <= set(other.table.header):
            return other
        return read

    def _set_header_box(self, header: bool) -> None:
        """Tick or untick the header box without reading the file again."""
        self._syncing = True
        self._header_box.setChecked(header)
        self._syncing = False
        self._update_header_hint()

    def _update_header_hint(self) -> None:
        """Say, under the header box, that the first line is read as data because the guess
        made it so (why, in its tooltip), or that the file cannot be read as the box says.

        The guess is only mentioned while the box still says what was guessed: after a
        failed tick it read "Guessed: line 1 looks like data" beside a ticked box.
        """
        text = tip = ""
        table = self._table
        style = f"color: {MUTED_COLOR};"
        if self._reading_problem is not None:
            text = (
                "The first line cannot be the header"
                if self._header_box.isChecked()
                else "The file needs its first line as the header"
            )
            tip = self._reading_problem
            style = f"color: {ERROR_COLOR};"
        elif (
            table is not None
            and not self._header_box.isChecked()
            and not table.has_header
            and not self._header_guess
            and self._stated_header is not False  # the previous choice's, not only a guess
            and self._header_refusal
            and table.line_numbers
        ):
            line = table.line_numbers[0]
            text = f"Guessed: line {line} looks like data"
            tip = f"Line {line} looks like data: {self._header_refusal}."
        self._header_hint.setText(text)
        self._header_hint.setToolTip(tip)
        self._header_hint.setStyleSheet(style)
        self._header_hint.setVisible(bool(text))

    def _header_toggled(self, header: bool) -> None:
        """Read the file again with (or without) its first line as the header, and show it.

        The ticks stay on the same columns (by position: their names change).
        """
        if self._syncing or self._table is None:
            return
        # A check of the other reading's data would be shown as this one's.
        self._validate_timer.stop()
        self._forget_check()
        self._dataset = self._validated_spec = None
        read = self._reads.get(header)
        if read is None or read.stamp is None or read.stamp != _file_stamp(self._path):
            try:
                read = run_with_progress(
                    self,
                    f"Reading {self._path.name}",
                    lambda progress: CsvRead.of(
                        self._path,
                        progress,
                        header=header,
                        other_reading=False,
                        decimal_comma=self._decimal_box.isChecked(),
                    ),
                )
            except ReadCancelled:
                self._set_header_box(not header)
                self._check_in_background()
                return
        if read.table is None:
            self._show_failed_reading(header, read.error or "the file could not be read")
            return
        if header and self._header_guess is None:
            # Read as a previous choice said: whether the guess takes this first line for
            # the header decides how the choice is saved (see header_setting).
            self._header_guess = self._guess_of(read)
        self._reads[header] = read
        self._show_reading(read)

    def _set_decimal_box(self, decimal_comma: bool) -> None:
        """Tick or untick the decimal comma box without reading the file again."""
        self._syncing = True
        self._decimal_box.setChecked(decimal_comma)
        self._syncing = False
        self._update_decimal_hint()

    def _update_decimal_hint(self) -> None:
        """Say, under the decimal comma box, that the guess ticked it, and from which cell."""
        table = self._table
        text = tip = ""
        if (
            table is not None
            and self._reading_problem is None
            and self._decimal_box.isChecked()
            and self._decimal_guess
            and self._stated_decimal is None
        ):
            example = _decimal_comma_example(table)
            if example:
                text = f"Guessed: {example} is {example.replace(',', '.')}"
                tip = (
                    f"Numbers such as {example} are written with a decimal comma, and the "
                    "file is read so. Untick the box to read a comma otherwise."
                )
        self._decimal_hint.setText(text)
        self._decimal_hint.setToolTip(tip)
        self._decimal_hint.setVisible(bool(text))

    def _decimal_toggled(self, decimal_comma: bool) -> None:
        """Read the file again with (or without) a decimal comma, and show it.

        The ticks stay; columns that hold numbers only in the new reading become inputs.
        """
        if self._syncing or self._table is None:
            return
        self._validate_timer.stop()
        self._forget_check()
        self._dataset = self._validated_spec = None
        header = self._header_box.isChecked()
        try:
            read = run_with_progress(
                self,
                f"Reading {self._path.name}",
                lambda progress: CsvRead.of(
                    self._path,
                    progress,
                    header=header,
                    other_reading=False,
                    decimal_comma=decimal_comma,
                ),
            )
        except ReadCancelled:
            self._set_decimal_box(not decimal_comma)
            self._check_in_background()
            return
        # Readings of the first line kept for the header box read numbers the other way.
        self._reads = {}
        if read.table is None:
            self._show_failed_reading(header, read.error or "the file could not be read")
            return
        self._reads[header] = read
        self._show_reading(read, new_inputs=True)
        self._update_decimal_hint()

    @staticmethod
    def _guess_of(read: CsvRead) -> bool | None:
        """Whether the guess takes the first line of ``read`` (read as stated) for the
        header; ``None`` when it cannot be told from this reading (one without a header)."""
        if read.table is None or not read.table.has_header or read.unreadable_as_asked:
            return None
        return first_line_refusal(read.table) is None

    def _show_failed_reading(self, header: bool, error: str) -> None:
        """Show that the file cannot be read as the box says (``header``), and why.

        The box keeps the user's choice, and the dialog shows that it failed: no columns,
        no preview, the reason, and nothing to import until the box is toggled back (or the
        file fixed). Showing the previous reading under the new box passed it off as the
        file read so.
        """
        toggle = "Untick" if header else "Tick"
        other = "data" if header else "column names"
        self._reading_problem = (
            f"{error}.\n"
            f"{toggle} “{HEADER_BOX_TEXT.replace('&', '')}” to read the first line as "
            f"{other}."
        )
        self._show_unreadable_choice(header)
        self._show_problem(self._reading_problem)

    def _show_unreadable_choice(self, header: bool) -> None:
        """Empty the column list and the preview: the file cannot be read as ``header`` says.

        ``_table`` stays the previous reading, and its ticks are kept for when the box goes
        back.
        """
        if self._kept_ticks is None:
            self._kept_ticks = (self.target_columns(), self.input_columns())
        self._syncing = True
        self._roles.setRowCount(0)
        self._syncing = False
        self._columns_box.setEnabled(False)
        self._preview_model.set_contents([], np.empty((0, 0), dtype=object))
        first = "with its first line as the header" if header else "without a header"
        self._preview_caption.setText(f"Nothing to show: the file cannot be read {first}.")
        self._details.set_full_text(str(self._path.parent))
        self._update_header_hint()

    def _show_reading(self, read: CsvRead, *, new_inputs: bool = False) -> None:
        """Show another reading of the same file: the ticks keep their columns' positions.

        ``new_inputs``: columns that hold numbers in this reading and did not in the one
        shown (read with a decimal comma) are ticked as inputs, as a first look ticks them.
        """
        old, new = self._table, read.table
        assert old is not None and new is not None
        positions = {name: index for index, name in enumerate(old.header)}
        # After a reading that failed, the ticks are those of the reading before it.
        kept = self._kept_ticks or (self.target_columns(), self.input_columns())
        self._kept_ticks = None
        self._reading_problem = None
        self._columns_box.setEnabled(True)
        targets = [positions[name] for name in kept[0] if name in positions]
        inputs = [positions[name] for name in kept[1] if name in positions]
        if new_inputs and new.n_columns == old.n_columns:
            inputs += [
                index
                for index in range(new.n_columns)
                if index not in targets
                and index not in inputs
                and mostly_numeric(new, index)
                and not mostly_numeric(old, index)
                and not looks_like_row_id(new, index)
            ]
        self._table = new
        self._read_stamp, self._read_digest = read.stamp, read.digest
        self._task_guess = None
        self._details.set_full_text(self._file_details())
        focused = self._header_box.hasFocus()
        self._show_columns(
            tuple(new.header[i] for i in targets if i < new.n_columns),
            tuple(new.header[i] for i in inputs if i < new.n_columns),
        )
        if focused:  # filling the column list moved the focus there
            self._header_box.setFocus()
        self._update_task_guess()
        self._update_preview_roles()
        self._update_header_hint()
        self._check_in_background()

    def _with_reading_hints(self, error: NNStudioError) -> str:
        """The message of a choice that does not load, with what the dialog offers for it:
        skipping rows with missing values, reading decimal commas, the header box."""
        message = str(error)
        if isinstance(error, MissingValues) and not self._skip_missing.isChecked():
            rows = len(error.rows)
            which = "this row" if rows == 1 else f"these {rows:,} rows"
            box = SKIP_MISSING_TEXT.replace("&", "")
            return f"{message}.\nOr tick “{box}” to leave {which} out."
        box = DECIMAL_BOX_TEXT.replace("&", "")
        decimal_advice = ("not a comma)", "read the file with a decimal comma)")
        if message.endswith(decimal_advice) and not self._decimal_box.isChecked():
            return f"{message}.\nOr tick “{box}” to read numbers such as 0,5 as 0.5."
        if message.endswith("or read the file with a decimal point)"):
            return f"{message}.\nUntick “{box}” to read a point as the decimal mark."
        return self._with_header_hint(message)

    def _with_header_hint(self, message: str) -> str:
        """``message``, with a pointer to the header box when it blames the first line of a
        file read without a header (text where numbers are: maybe column names)."""
        table = self._table
        if table is None or table.has_header or not table.line_numbers:
            return message
        found = _PROBLEM_PLACE.search(message)
        line = table.line_numbers[0]
        if found is None or int(found.group(1)) != line or "not a number" not in message:
            return message
        return (
            f"{message}.\nIf line {line} holds column names, tick "
            f"“{HEADER_BOX_TEXT.replace('&', '')}”."
        )

    # ---- reactions -------------------------------------------------------------------------

    def _role_changed(self, item: QtWidgets.QTableWidgetItem) -> None:
        if self._syncing or item.column() not in (_INPUT_COLUMN, _TARGET_COLUMN):
            return
        if item.checkState() == Qt.CheckState.Checked:
            # A column is either an input or a target, never both.
            other = _TARGET_COLUMN if item.column() == _INPUT_COLUMN else _INPUT_COLUMN
            self._syncing = True
            self._roles.item(item.row(), other).setCheckState(Qt.CheckState.Unchecked)
            self._syncing = False
        if item.column() == _TARGET_COLUMN:
            self._update_task_guess()
        self._update_preview_roles()
        self._schedule_validation()

    def _task_changed(self) -> None:
        self._standardize_targets.setEnabled(self.task() == "regression")
        if not self._syncing:
            self._task_chosen = True
            self._update_task_hint()
        self._schedule_validation()

    def _guessed_task(self) -> str:
        """:func:`guess_task` for the ticked targets, computed once per choice of targets."""
        assert self._table is not None
        targets = self.target_columns()
        if self._task_guess is None or self._task_guess[0] != targets:
            self._task_guess = (targets, guess_task(self._table, targets))
        return self._task_guess[1]

    def _update_task_guess(self) -> None:
        if self._table is None:
            return
        if not self._task_chosen:
            self._syncing = True
            self.set_task(self._guessed_task())
            self._syncing = False
        self._update_task_hint()

    def _update_task_hint(self) -> None:
        if self._table is None:
            return
        guess = self._guessed_task()
        if self._task_chosen and guess != self.task():
            self._task_hint.setText(f"The target looks like {guess}.")
        else:
            self._task_hint.setText(
                "Guessed from the target column." if not self._task_chosen else ""
            )

    def _update_preview_roles(self) -> None:
        header = self._header()
        targets = set(self.target_columns())
        inputs = set(self.input_columns())
        self._preview_model.set_column_roles(
            [name in targets for name in header],
            [name not in targets and name not in inputs for name in header],
        )

    def _tick_all_inputs(self) -> None:
        self._set_all_inputs(True)

    def _clear_inputs(self) -> None:
        self._set_all_inputs(False)

    def _set_all_inputs(self, ticked: bool) -> None:
        self._syncing = True
        for row in range(self._roles.rowCount()):
            target = self._roles.item(row, _TARGET_COLUMN).checkState() == Qt.CheckState.Checked
            self._roles.item(row, _INPUT_COLUMN).setCheckState(_check(ticked and not target))
        self._syncing = False
        self._update_preview_roles()
        self._schedule_validation()

    def _schedule_validation(self, *_args: object) -> None:
        if self._syncing:
            return
        # Loading re-reads the file, so a burst of clicks is checked once.
        self._ok.setEnabled(False)
        self._validate_timer.start()

    def _show_problem(self, message: str) -> None:
        self._problem = message
        self._status.setStyleSheet(ERROR_BOX_STYLE)
        self._status.setText(message)
        self._ok.setEnabled(False)
        self._mark_problem_cell(message)

    def _mark_problem_cell(self, message: str | None) -> None:
        """Point at the line (and column) a loading problem names, when it is in the preview."""
        if self._table is None or self._reading_problem is not None:
            return  # nothing is previewed
        found = _PROBLEM_PLACE.search(message or "")
        row = column = None
        if found:
            line = int(found.group(1))
            lines = self._table.line_numbers[:PREVIEW_ROWS]
            if line in lines:
                row = lines.index(line)
                name = found.group(2)
                column = self._table.header.index(name) if name in self._table.header else None
        self._preview_model.mark_cell(row, column)
        if row is not None:
            target = self._preview_model.index(row, column if column is not None else 0)
            self._preview.scrollTo(target, QtWidgets.QAbstractItemView.ScrollHint.PositionAtCenter)

    def _ticked(self, column: int) -> tuple[str, ...]:
        if self._table is None:
            return ()
        header = self._header()
        return tuple(
            header[row]
            for row in range(self._roles.rowCount())
            if self._roles.item(row, column) is not None
            and self._roles.item(row, column).checkState() == Qt.CheckState.Checked
        )

    def _header(self) -> tuple[str, ...]:
        return self._table.header if self._table is not None else ()


def _table_height(table: QtWidgets.QTableView, rows: int, *, scroll_bar: bool) -> int:
    """Height that shows the header and ``rows`` rows of ``table`` (and a horizontal scroll
    bar below them)."""
    header = table.horizontalHeader().sizeHint().height()
    row = table.verticalHeader().defaultSectionSize()
    bar = table.style().pixelMetric(QtWidgets.QStyle.PixelMetric.PM_ScrollBarExtent)
    return header + rows * row + (bar if scroll_bar else 0) + 2 * table.frameWidth()


def _check(ticked: bool) -> Qt.CheckState:
    return Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked
