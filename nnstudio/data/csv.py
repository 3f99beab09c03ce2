"""Reading data sets from CSV files (``.csv`` or gzip-compressed ``.csv.gz``).

A file has a header row of unique column names followed by one example per line. Cells are
separated by commas (semicolons or tabs are recognised from the header line). Blank lines are
skipped. Every problem is reported as a :class:`~nnstudio.errors.DataError` naming the file,
the line (1-based, as a text editor numbers it, the header being line 1) and the column.
"""

from __future__ import annotations

import csv
import gzip
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TextIO

import numpy as np

from nnstudio.errors import DataError

#: A classification target with more distinct values than this is probably a regression target.
MAX_CLASSES = 1000

ColumnKind = Literal["numeric", "text"]

_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True, eq=False)
class CsvTable:
    """The cells of a CSV file as text, with each column's inferred kind.

    Attributes
    ----------
    path : Path
        The file read.
    header : tuple of str
        Column names (stripped of surrounding spaces), unique and non-empty.
    rows : tuple of tuple of str
        Data rows (stripped cells), each as long as the header.
    line_numbers : tuple of int
        The 1-based line in the file where each data row starts (the header is line 1).
    kinds : tuple of str
        ``"numeric"`` when every non-empty cell of the column parses as a number (``nan`` and
        ``inf`` included, so they can be reported later), else ``"text"``.
    """

    path: Path
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    line_numbers: tuple[int, ...]
    kinds: tuple[ColumnKind, ...]

    @property
    def n_rows(self) -> int:
        """Number of data rows (the header excluded)."""
        return len(self.rows)

    @property
    def n_columns(self) -> int:
        """Number of columns."""
        return len(self.header)

    @property
    def name(self) -> str:
        """The file name, for messages."""
        return self.path.name

    def column_index(self, name: str) -> int:
        """Position of column ``name``.

        Raises
        ------
        DataError
            If there is no such column, listing the available ones.
        """
        try:
            return self.header.index(name)
        except ValueError:
            raise DataError(
                f"{self.name}: there is no column {name!r}; available columns: "
                f"{', '.join(self.header)}"
            ) from None

    def column(self, name: str) -> list[str]:
        """The cells of column ``name`` as text, one per data row."""
        index = self.column_index(name)
        return [row[index] for row in self.rows]

    def numeric_columns(self) -> tuple[str, ...]:
        """Names of the columns whose cells are all numbers (or empty)."""
        return tuple(
            h for h, kind in zip(self.header, self.kinds, strict=True) if kind == "numeric"
        )

    def to_floats(self, columns: tuple[str, ...], *, role: str) -> np.ndarray:
        """Parse columns as finite float64 numbers.

        Parameters
        ----------
        columns : tuple of str
            Column names, in the order wanted.
        role : str
            What the columns are for (``"input"``, ``"target"``), used in messages.

        Returns
        -------
        ndarray, shape (n_rows, len(columns))

        Raises
        ------
        DataError
            For a missing column or a cell that is empty, not a number, NaN or infinite,
            naming the line and the column.
        """
        out = np.empty((self.n_rows, len(columns)), dtype=np.float64)
        for j, name in enumerate(columns):
            cells = self.column(name)
            out[:, j] = self._parse_floats(cells, name, role)
        return out

    def _parse_floats(self, cells: list[str], name: str, role: str) -> np.ndarray:
        try:
            values = np.array(cells, dtype=np.float64)
        except ValueError:
            # Slow path, only to find which cell is at fault.
            for line, cell in zip(self.line_numbers, cells, strict=True):
                if not cell:
                    raise DataError(self._empty_message(line, name, role)) from None
                if _as_float(cell) is None:
                    hint = ""
                    if role == "input":
                        hint = " (text columns cannot be inputs; leave this column out)"
                    raise DataError(
                        f"{self.name}: line {line}, column {name!r}: {cell!r} is not a number{hint}"
                    ) from None
            raise
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            line = self.line_numbers[int(bad[0])]
            raise DataError(
                f"{self.name}: line {line}, column {name!r}: {cells[int(bad[0])]!r} is not a "
                f"finite number ({role} values must be real numbers)"
            )
        return values

    def _empty_message(self, line: int, name: str, role: str) -> str:
        return (
            f"{self.name}: line {line}, column {name!r} is empty (every {role} value must be given)"
        )


def _as_float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _open_text(path: Path) -> TextIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _delimiter(first_line: str) -> str:
    """The delimiter that splits the header best (comma unless another is clearly used)."""
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, cells)`` for every non-blank record of the file."""
    with _open_text(path) as stream:
        first = stream.readline()
        stream.seek(0)
        reader = csv.reader(stream, delimiter=_delimiter(first))
        line = 1
        for record in reader:
            start = line
            # reader.line_num counts physical lines, so quoted multi-line cells stay aligned.
            line = reader.line_num + 1
            if not record or all(not cell.strip() for cell in record):
                continue
            yield start, [cell.strip() for cell in record]


def read_csv_table(path: str | Path) -> CsvTable:
    """Read a CSV file's header and cells (as text) and infer each column's kind.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file or a gzip-compressed ``.csv.gz`` file, UTF-8 encoded.

    Returns
    -------
    CsvTable

    Raises
    ------
    DataError
        If the file is missing or unreadable, empty, has no proper header (a header cell is
        empty, names repeat, or the first line is all numbers) or a row has a different number
        of fields than the header.
    """
    path = Path(path).expanduser()
    name = path.name
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a CSV file")
    header: list[str] | None = None
    rows: list[tuple[str, ...]] = []
    line_numbers: list[int] = []
    try:
        for line, cells in _records(path):
            if header is None:
                header = cells
                _check_header(name, header, line)
                continue
            if len(cells) != len(header):
                raise DataError(
                    f"{name}: line {line} has {len(cells)} field{'s' if len(cells) != 1 else ''}, "
                    f"the header has {len(header)}"
                )
            rows.append(tuple(cells))
            line_numbers.append(line)
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: is not a UTF-8 text file ({exc.reason})") from None
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise DataError(f"{name}: is not a valid gzip file ({exc})") from None
    except csv.Error as exc:
        raise DataError(f"{name}: cannot be parsed as CSV ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if header is None:
        raise DataError(f"{name}: the file is empty (expected a header row and data rows)")
    kinds = _column_kinds(rows, len(header))
    return CsvTable(
        path=path,
        header=tuple(header),
        rows=tuple(rows),
        line_numbers=tuple(line_numbers),
        kinds=kinds,
    )


def _check_header(name: str, header: list[str], line: int) -> None:
    for position, cell in enumerate(header, start=1):
        if not cell:
            raise DataError(
                f"{name}: line {line} (the header) has an empty name in column {position}"
            )
    if all(_as_float(cell) is not None for cell in header):
        shown = ", ".join(header[:4]) + (", ..." if len(header) > 4 else "")
        raise DataError(
            f"{name}: line {line} looks like data ({shown}); the first line must be a header "
            "of column names"
        )
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        if cell in seen:
            raise DataError(
                f"{name}: the header names column {cell!r} twice (columns {seen[cell]} and "
                f"{position}); column names must be unique"
            )
        seen[cell] = position


def _column_kinds(rows: list[tuple[str, ...]], n_columns: int) -> tuple[ColumnKind, ...]:
    if not rows:
        return tuple("text" for _ in range(n_columns))
    cells = np.array(rows, dtype=object)
    kinds: list[ColumnKind] = []
    for j in range(n_columns):
        column = cells[:, j]
        filled = column[column != ""].astype(str)
        try:
            np.array(filled, dtype=np.float64)
        except ValueError:
            kinds.append("text")
            continue
        kinds.append("numeric")
    return tuple(kinds)


# ---- turning a table into arrays -------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class CsvExamples:
    """Inputs and targets taken from a :class:`CsvTable`.

    Attributes
    ----------
    X : ndarray, shape (m, n_features)
        Inputs, float64.
    y : ndarray
        Class labels shaped (m,) (classification) or targets shaped (m, n_targets).
    feature_names, target_names : tuple of str
        Input column names; class names (classification) or target column names (regression).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]


def examples_from_table(
    table: CsvTable,
    target: tuple[str, ...],
    task: str,
    features: tuple[str, ...] | None = None,
) -> CsvExamples:
    """Pick input and target columns and convert them to numbers.

    Parameters
    ----------
    table : CsvTable
    target : tuple of str
        Target column(s); classification takes exactly one.
    task : str
        ``"classification"`` (integer or text labels) or ``"regression"`` (numbers).
    features : tuple of str or None
        Input columns in order; ``None`` takes every non-target column in file order.

    Returns
    -------
    CsvExamples

    Raises
    ------
    DataError
        For missing columns, too few rows, bad cells, a single class, or a classification
        target with more than :data:`MAX_CLASSES` distinct values.
    """
    name = table.name
    if not target:
        raise DataError(f"{name}: no target column given")
    missing = [column for column in target if column not in table.header]
    if missing:
        raise DataError(
            f"{name}: target column {_names(missing)} not found; available columns: "
            f"{', '.join(table.header)}"
        )
    if features is None:
        features = tuple(h for h in table.header if h not in target)
    else:
        features = tuple(features)
        missing = [column for column in features if column not in table.header]
        if missing:
            raise DataError(
                f"{name}: feature column {_names(missing)} not found; available columns: "
                f"{', '.join(table.header)}"
            )
        overlap = [column for column in features if column in target]
        if overlap:
            raise DataError(f"{name}: column {_names(overlap)} is both a feature and a target")
    if not features:
        raise DataError(f"{name}: there are no input columns (every column is a target)")
    if table.n_rows < 2:
        raise DataError(
            f"{name}: has {table.n_rows} data row{'s' if table.n_rows != 1 else ''}; "
            "training needs at least 2"
        )
    X = table.to_floats(features, role="input")
    if task == "classification":
        if len(target) != 1:
            raise DataError(
                f"{name}: classification takes exactly one target column, got {len(target)}"
            )
        labels, class_names = _class_labels(table, target[0])
        return CsvExamples(X, labels, features, class_names)
    if task == "regression":
        Y = table.to_floats(target, role="target")
        return CsvExamples(X, Y, features, tuple(target))
    raise DataError(f"unknown task {task!r}; expected classification or regression")


def _names(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns)


def _class_labels(table: CsvTable, column: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class indices, shape (m,), and the class names they index.

    Numeric labels are ordered numerically (``2`` before ``10``), text labels lexicographically.
    """
    name = table.name
    cells = table.column(column)
    empty = [i for i, cell in enumerate(cells) if not cell]
    if empty:
        raise DataError(
            f"{name}: line {table.line_numbers[empty[0]]}, column {column!r} is empty "
            "(every example needs a class label)"
        )
    numeric = table.kinds[table.column_index(column)] == "numeric"
    if numeric:
        values = np.array(cells, dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise DataError(
                f"{name}: line {table.line_numbers[int(bad[0])]}, column {column!r}: "
                f"{cells[int(bad[0])]!r} is not a valid class label"
            )
        classes, labels = np.unique(values, return_inverse=True)
        class_names = tuple(
            str(int(v)) if float(v).is_integer() and abs(v) < 2**53 else repr(float(v))
            for v in classes
        )
    else:
        classes, labels = np.unique(np.array(cells, dtype=object).astype(str), return_inverse=True)
        class_names = tuple(str(c) for c in classes)
    if len(class_names) < 2:
        raise DataError(
            f"{name}: column {column!r} has only one class ({class_names[0]!r}); "
            "classification needs at least 2"
        )
    if len(class_names) > MAX_CLASSES:
        raise DataError(
            f"{name}: column {column!r} has {len(class_names)} distinct values, more than "
            f"{MAX_CLASSES} classes; if it is a quantity, choose the regression task"
        )
    return labels.astype(np.int64).reshape(-1), class_names
