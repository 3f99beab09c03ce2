"""Reading data sets from CSV files (``.csv`` or gzip-compressed ``.csv.gz``).

A file has a header row of unique column names followed by one example per line, or, read
without a header, examples from its first line on, whose columns are named ``"column 1"``,
``"column 2"``, ... (see :func:`headerless_names`). Cells are separated by commas (semicolons
or tabs are recognised from the first line). Numbers have a decimal point, or a decimal comma
(``0,346`` between semicolons, guessed or said, see :func:`read_csv_table`). Empty cells and
words such as ``NA`` (:data:`MISSING_TEXTS`) are missing values, reported all at once
(:class:`MissingValues`) or skipped with their rows. Blank lines are skipped. Every problem is
reported as a :class:`~nnstudio.errors.DataError` naming the file, the line (1-based, as a text
editor numbers it, the header being line 1) and the column.

Large files are read in chunks: each chunk's numeric columns are converted to float64 at once,
so a file with millions of cells needs about 8 bytes per cell, not a Python string per cell.
"""

from __future__ import annotations

import collections
import csv
import functools
import gzip
import io
import itertools
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, TextIO, overload

import numpy as np

from nnstudio.data.progress import ReadProgress
from nnstudio.errors import DataError
from nnstudio.text import plural

#: A classification target with more distinct values than this is probably a regression target.
MAX_CLASSES = 1000
#: Cells of the first rows kept verbatim for previews; later numeric cells are kept as numbers
#: only and shown re-formatted (``"7"``, ``"0.25"``).
VERBATIM_CELLS = 1_000_000

#: The longest first line (the header) read: far beyond a header of 100,000 columns.
MAX_FIRST_LINE = 16 * 1024 * 1024
#: Files of plain numbers up to this many characters are parsed by NumPy's C reader; longer
#: ones row by row.
FAST_READ_LIMIT = 1 << 30

#: The largest magnitude a float32 network holds (about 3.4e38).
FLOAT32_MAX = float(np.finfo(np.float32).max)

ColumnKind = Literal["numeric", "text"]

_DELIMITERS = (",", ";", "\t")
# A number as locales with a decimal comma write it: "0,5", "-1,25", "2,5E-03".
_COMMA_NUMBER = re.compile(r"^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$")
# Digits grouped in threes by commas ("3,431", "-1,234,567.5"): a thousands separator. A
# first group of 0 ("0,346") is a decimal comma.
_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")
# The same grouped by points, as decimal-comma locales write thousands ("1.234,5").
_POINT_THOUSANDS = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")
#: Cells that stand for a missing value (compared in lower case), besides an empty cell:
#: what spreadsheets, R, pandas and data archives write for one. In a column of numbers they
#: are missing values; in a column of words (class labels) only an empty cell is.
MISSING_TEXTS = frozenset(
    ("na", "n/a", "nan", "-nan", "+nan", "null", "none", "?", "#n/a", "#na", "<na>", "missing")
)
# A page saved instead of the file it linked to (an error page, a download page).
_WEB_PAGE = re.compile(r"^\s*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE)
# Rows converted to numbers at a time: bounds the memory spent on cell strings.
_CHUNK_ROWS = 4096
#: The fast reader parses this many numbers at a time (between two progress reports): about
#: 10 ms each, so the window's thread gets its turn often (see :func:`_read_plain_numbers`).
_PARSE_CELLS = 50_000
#: The fast reader reads, checks and splits this many characters of the file at a time.
_READ_CHARS = 1 << 20


class FirstLineLooksLikeData(DataError):
    """The first line was to be the header (nothing said otherwise) but reads as an example.

    Raised by :func:`read_csv_table` when its ``header`` is ``None``; a caller that lets the
    user choose can read the file again without a header instead.

    Parameters
    ----------
    message : str
        The whole message, naming the file and the line.
    why : str
        What makes the line look like data, e.g. ``"it holds only numbers"``.
    """

    def __init__(self, message: str, why: str):
        super().__init__(message)
        self.why = why


#: The name of a header's empty first cell: pandas writes its index as an unnamed first
#: column (",a,b" over "0,1.5,2"), which otherwise names every column.
UNNAMED_FIRST_COLUMN = "column 1"


def _column_names(cells: list[str]) -> tuple[list[str], bool]:
    """A header line's column names, and whether its first column was unnamed.

    Only the first cell may be empty, and only when every other cell names its column: a
    line with other empty cells is no header (see :func:`_check_header`).
    """
    if len(cells) < 2 or cells[0] or not all(cells[1:]):
        return cells, False
    name = UNNAMED_FIRST_COLUMN
    while name in cells:
        name = f"({name})"
    return [name, *cells[1:]], True


def headerless_names(count: int) -> tuple[str, ...]:
    """Names of the columns of a file read without a header: ``"column 1"``, ``"column 2"``, ..."""
    return tuple(f"column {position}" for position in range(1, count + 1))


def _as_float(cell: str) -> float | None:
    """The number a cell spells, or ``None``.

    Python's ``float()`` also reads digit separators (``"1_000"``) and non-ASCII digits, which
    no spreadsheet writes: such cells are refused like any other text.
    """
    if "_" in cell or not cell.isascii():
        return None
    try:
        return float(cell)
    except ValueError:
        return None


def _comma_float(cell: str) -> float | None:
    """The number a cell spells read with a decimal comma (``"0,5"`` is 0.5), or ``None``.

    A cell with a point is no number in this reading: ``"1.234"`` may be 1.234 or 1234.
    """
    cell = cell.strip()
    if "." in cell:
        return None
    if "," in cell:
        if not _COMMA_NUMBER.match(cell):
            return None
        cell = cell.replace(",", ".")
    return _as_float(cell)


def number_parser(decimal_comma: bool) -> Callable[[str], float | None]:
    """How cells are read as numbers: with a decimal point, or with a decimal comma."""
    return _comma_float if decimal_comma else _as_float


def is_missing_text(cell: str) -> bool:
    """Whether a (stripped) cell stands for a missing value: empty, ``NA``, ``nan``, ``?``, ..."""
    return not cell or cell.lower() in MISSING_TEXTS


def _number_text(value: float) -> str:
    """Text for a number read from a file: ``"7"`` for whole numbers, else the shortest repr."""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


@dataclass(frozen=True, eq=False)
class _Column:
    """One column's cells: numbers for a numeric column, stripped text for a text column.

    Attributes
    ----------
    numbers : ndarray of float64, shape (n_rows,), or None
        The values of a numeric column (NaN where a value is missing).
    empty : ndarray of bool, shape (n_rows,), or None
        Where a numeric column's cells are empty or stand for a missing value (``NA``, see
        :data:`MISSING_TEXTS`); ``None`` when none are.
    special : dict of int to str
        Original text of non-finite numbers (``"nan"``, ``"-Infinity"``) and of missing
        values other than empty cells (``"NA"``) by row index.
    text : tuple of str or None
        The cells of a text column.
    spaced : dict of str to (str, int)
        Of a text column, the cells written with spaces around them (``"yes "``): by their
        stripped text, the first such cell as written and how many there are.
    """

    numbers: np.ndarray | None
    empty: np.ndarray | None
    special: dict[int, str]
    text: tuple[str, ...] | None
    spaced: dict[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def kind(self) -> ColumnKind:
        return "numeric" if self.numbers is not None else "text"

    def cell(self, index: int) -> str:
        if self.text is not None:
            return self.text[index]
        assert self.numbers is not None
        if index in self.special:
            return self.special[index]
        if self.empty is not None and self.empty[index]:
            return ""
        return _number_text(float(self.numbers[index]))

    def texts(self) -> list[str]:
        if self.text is not None:
            return list(self.text)
        assert self.numbers is not None
        out = [_number_text(v) for v in self.numbers.tolist()] if self.numbers.size else []
        if self.empty is not None:
            for index in np.flatnonzero(self.empty).tolist():
                out[index] = ""
        for index, original in self.special.items():
            out[index] = original
        return out


class _ColumnBuilder:
    """Accumulates one column chunk by chunk, switching to text at the first non-number.

    Parameters
    ----------
    decimal_comma : bool
        Read numbers with a decimal comma (see :func:`_comma_float`).
    """

    def __init__(self, decimal_comma: bool = False) -> None:
        self.numbers: list[np.ndarray] = []
        self.empty: list[np.ndarray] = []
        self.special: dict[int, str] = {}
        self.text: list[str] | None = None
        self.spaced: dict[str, tuple[str, int]] = {}
        self.size = 0
        self.parse = number_parser(decimal_comma)
        self.decimal_comma = decimal_comma
        #: Whether a number was written with a decimal point (the file then does not use
        #: decimal commas).
        self.points = False
        #: Whether a cell stood for a missing value in words (``NA``, ``?``).
        self.markers = False

    def add(self, cells: np.ndarray) -> None:
        """Append a chunk of raw cells (object array of str, shape (c,))."""
        start = self.size
        self.size += len(cells)
        raw = cells.tolist()
        if self.text is not None:
            stripped = [cell.strip() for cell in raw]
            self._note_spaces(raw, stripped)
            self.text.extend(stripped)
            return
        # One join scans a whole chunk in C, far cheaper than a test per cell.
        joined = "".join(raw)
        try:
            # float() accepts surrounding spaces, "nan" and "inf": fast path for clean columns.
            # It also reads digit separators ("1_000") and non-ASCII digits, refused here.
            if self.decimal_comma or "_" in joined or not joined.isascii():
                raise ValueError("not plain numbers")
            values = cells.astype(np.float64)
            empty = np.zeros(len(cells), dtype=bool)
        except ValueError:
            stripped = [cell.strip() for cell in raw]
            parsed: list[float] = []
            missing: list[bool] = []
            markers: dict[int, str] = {}
            for offset, cell in enumerate(stripped):
                value = self.parse(cell) if cell else np.nan
                if value is None:
                    if cell.lower() not in MISSING_TEXTS:
                        self._note_spaces(raw, stripped)
                        self._become_text(stripped)
                        return
                    # "NA", "?": a missing value, kept as written for previews and messages.
                    value = np.nan
                    markers[start + offset] = cell
                parsed.append(value)
                missing.append(not cell or start + offset in markers)
            values = np.array(parsed, dtype=np.float64)
            empty = np.array(missing, dtype=bool)
            self.special.update(markers)
            self.markers = self.markers or bool(markers)
        if "." in joined:
            self.points = True
        bad = np.flatnonzero(~np.isfinite(values) & ~empty)
        for offset in bad.tolist():
            self.special[start + offset] = str(raw[offset]).strip()
        self.numbers.append(values)
        self.empty.append(empty)

    def _note_spaces(self, raw: list[str], stripped: list[str]) -> None:
        """Count the cells of a text chunk written with spaces around them (see
        :attr:`_Column.spaced`): a label ``"yes "`` is read as ``"yes"``, which is told."""
        for cell, text in zip(raw, stripped, strict=True):
            if len(cell) != len(text):
                first, count = self.spaced.get(text, (cell, 0))
                self.spaced[text] = (first, count + 1)

    def _become_text(self, chunk: list[str]) -> None:
        earlier = self.finish(numeric_only=True).texts() if self.numbers else []
        self.text = earlier + chunk
        self.numbers, self.empty, self.special = [], [], {}

    def finish(self, numeric_only: bool = False) -> _Column:
        if self.text is not None and not numeric_only:
            return _Column(None, None, {}, tuple(self.text), dict(self.spaced))
        numbers = np.concatenate(self.numbers) if self.numbers else np.zeros(0)
        empty = np.concatenate(self.empty) if self.empty else np.zeros(0, dtype=bool)
        column = _Column(numbers, empty if empty.any() else None, dict(self.special), None)
        if not numeric_only and self.markers and np.isnan(numbers).all():
            # Only words such as "none" or "?" and no number: a column of words.
            return _Column(None, None, {}, tuple(column.texts()))
        return column


def _column_read_with_decimal_comma(cells: Sequence[str]) -> _Column | None:
    """A text column's cells read with a decimal comma: a numeric column, or ``None`` when
    some cell is no number in that reading either."""
    builder = _ColumnBuilder(decimal_comma=True)
    cells_array = np.empty(len(cells), dtype=object)
    cells_array[:] = list(cells)
    builder.add(cells_array)
    column = builder.finish()
    return column if column.numbers is not None else None


class CsvRows(Sequence[tuple[str, ...]]):
    """The data rows of a :class:`CsvTable` as tuples of stripped cell text.

    The first rows (up to :data:`VERBATIM_CELLS` cells) are the file's text verbatim; later
    numeric cells are re-formatted from their values.
    """

    def __init__(self, table: CsvTable) -> None:
        self._table = table

    def __len__(self) -> int:
        return self._table.n_rows

    @overload
    def __getitem__(self, index: int) -> tuple[str, ...]: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[tuple[str, ...], ...]: ...

    def __getitem__(self, index: int | slice) -> tuple[str, ...] | tuple[tuple[str, ...], ...]:
        if isinstance(index, slice):
            return tuple(self._row(i) for i in range(*index.indices(len(self))))
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"row {index} out of range for {n} rows")
        return self._row(index % n)

    def __iter__(self) -> Iterator[tuple[str, ...]]:
        return (self._row(i) for i in range(len(self)))

    def _row(self, index: int) -> tuple[str, ...]:
        verbatim = self._table._verbatim
        if index < len(verbatim):
            return verbatim[index]
        return tuple(column.cell(index) for column in self._table._columns)


@dataclass(frozen=True, eq=False)
class CsvTable:
    """The cells of a CSV file, with each column's inferred kind.

    Attributes
    ----------
    path : Path
        The file read.
    header : tuple of str
        Column names (stripped of surrounding spaces), unique and non-empty: the file's first
        line, or :func:`headerless_names` for a file read without a header.
    line_numbers : tuple of int
        The 1-based line in the file where each data row starts (the header, when there is
        one, is line 1).
    kinds : tuple of str
        ``"numeric"`` when every cell of the column is a number or a missing value (empty,
        ``NA``, ``?``, see :data:`MISSING_TEXTS`; ``nan`` and ``inf`` included, so they can
        be reported later), else ``"text"``.
    has_header : bool
        Whether the first line was read as the header (else it is the first data row).
    unnamed_first : bool
        Whether the header left its first column unnamed (pandas' index: ",a,b"), now named
        :data:`UNNAMED_FIRST_COLUMN`.
    delimiter : str
        What separates the cells: ``","``, ``";"`` or a tab.
    decimal_comma : bool
        Whether numbers were read with a decimal comma (``"0,5"`` is 0.5; a number written
        with a point is then no number), see :func:`read_csv_table`.
    """

    path: Path
    header: tuple[str, ...]
    line_numbers: tuple[int, ...]
    kinds: tuple[ColumnKind, ...]
    _columns: tuple[_Column, ...] = field(repr=False)
    _verbatim: tuple[tuple[str, ...], ...] = field(repr=False)
    has_header: bool = True
    unnamed_first: bool = False
    delimiter: str = ","
    decimal_comma: bool = False
    #: Every cell, shape (n_rows, n_columns), when all are finite numbers (read in one pass):
    #: the columns are views of it.
    _values: np.ndarray | None = field(default=None, repr=False)

    @property
    def rows(self) -> CsvRows:
        """Data rows as tuples of stripped cell text, each as long as the header."""
        return CsvRows(self)

    @property
    def n_rows(self) -> int:
        """Number of data rows (the header, if any, excluded)."""
        return len(self.line_numbers)

    @property
    def n_columns(self) -> int:
        """Number of columns."""
        return len(self.header)

    @property
    def name(self) -> str:
        """The file name, for messages."""
        return _message_name(self.path)

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
        verbatim = [row[index] for row in self._verbatim]
        rest = self._columns[index].texts()[len(verbatim) :]
        return verbatim + rest

    def numeric_columns(self) -> tuple[str, ...]:
        """Names of the columns whose cells are all numbers (or empty)."""
        return tuple(
            h for h, kind in zip(self.header, self.kinds, strict=True) if kind == "numeric"
        )

    def finite_numbers(self, name: str) -> np.ndarray:
        """The finite numbers of column ``name``, shape (k,): empty, NaN and infinite cells
        left out, and nothing for a text column."""
        numbers = self._columns[self.column_index(name)].numbers
        if numbers is None:
            return np.empty(0)
        return numbers[np.isfinite(numbers)]  # empty cells hold NaN

    def to_floats(
        self, columns: Sequence[str], *, role: str, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Parse columns as finite float64 numbers.

        Parameters
        ----------
        columns : sequence of str
            Column names, in the order wanted.
        role : str
            What the columns are for (``"input"``, ``"target"``), used in messages.
        rows : ndarray of int, optional
            The rows to take (row indices, ascending); all when not given.

        Returns
        -------
        ndarray, shape (n_rows, len(columns))
            Possibly a read-only view of the table's numbers: copy it to write into it.

        Raises
        ------
        DataError
            For a missing column, a cell that is not a number (the first, naming its line and
            column), missing values (:class:`MissingValues`: every one of them counted, see
            :meth:`missing_values`) or an infinite number.
        """
        values = self._values
        if values is not None:
            # Every cell is a finite number. Consecutive columns are a read-only view (no copy
            # of MNIST's 376 MB, which took most of a second); others one gather.
            positions = [self.column_index(name) for name in columns]
            if rows is not None:
                return values[np.ix_(rows, positions)]
            first = positions[0] if positions else 0
            if positions == list(range(first, first + len(positions))):
                view = values[:, first : first + len(positions)]
                view.flags.writeable = False
                return view
            return values[:, positions]
        self.check_numbers(columns, role=role, rows=rows)
        missing = self.missing_values([(name, role) for name in columns], rows=rows)
        if missing is not None:
            raise missing
        count = self.n_rows if rows is None else len(rows)
        out = np.empty((count, len(columns)), dtype=np.float64)
        for j, name in enumerate(columns):
            out[:, j] = self._finite_numbers(name, role, rows)
        return out

    def check_numbers(
        self, columns: Sequence[str], *, role: str, rows: np.ndarray | None = None
    ) -> None:
        """Refuse the first cell of ``columns`` that is neither a number nor a missing value.

        Raises
        ------
        DataError
            Naming the line, the column and the cell, with a suggestion (a decimal comma, a
            thousands separator, a typo among numbers, a column of words).
        """
        parse = number_parser(self.decimal_comma)
        for name in columns:
            column = self._columns[self.column_index(name)]
            if column.text is None:
                continue
            indices = range(len(column.text)) if rows is None else rows.tolist()
            for index in indices:
                cell = column.text[index]
                if is_missing_text(cell) or parse(cell) is not None:
                    continue
                hint = _not_a_number_hint(
                    cell,
                    role,
                    column.text,
                    mostly_numbers(column.text, decimal_comma=self.decimal_comma),
                    decimal_comma=self.decimal_comma,
                    delimiter=self.delimiter,
                )
                raise DataError(
                    f"{self.name}: line {self.line_numbers[index]}, column {name!r}: "
                    f"{cell!r} is not a number{hint}"
                )

    def missing_rows(self, name: str, *, words: bool = True) -> np.ndarray:
        """Indices of the rows whose cell in column ``name`` is a missing value, ascending.

        Missing are empty cells, NaN and the words of :data:`MISSING_TEXTS` (``NA``, ``?``);
        with ``words=False`` (class labels in words, where ``NA`` may be a class), in a
        column of words only empty cells.
        """
        column = self._columns[self.column_index(name)]
        if column.numbers is not None:
            return np.flatnonzero(np.isnan(column.numbers))
        assert column.text is not None
        if words:
            return np.flatnonzero([is_missing_text(cell) for cell in column.text])
        return np.flatnonzero([not cell for cell in column.text])

    def missing_values(
        self, columns: Sequence[tuple[str, str]], *, rows: np.ndarray | None = None
    ) -> MissingValues | None:
        """Every missing value in ``columns``, as one error to raise, or ``None``.

        Parameters
        ----------
        columns : sequence of (str, str)
            Column names with their role: ``"input"``, ``"target"`` or ``"label"`` (a class
            label column, in which a word such as ``NA`` may be a class).
        rows : ndarray of int, optional
            Only these rows (indices, ascending) are looked at.

        Returns
        -------
        MissingValues or None
            Its message names the file and, for one missing value, its line and column; for
            more, how many rows have them, the first lines, and how many each column has.
        """
        if self._values is not None:
            return None  # read in one pass: every cell is a finite number
        found: list[tuple[str, str, np.ndarray]] = []
        for name, role in columns:
            missing = self.missing_rows(name, words=role != "label")
            if rows is not None and missing.size:
                missing = missing[np.isin(missing, rows)]
            if missing.size:
                found.append((name, role, missing))
        if not found:
            return None
        return MissingValues(self, found)

    def _finite_numbers(self, name: str, role: str, rows: np.ndarray | None) -> np.ndarray:
        """Column ``name``'s numbers (of ``rows``), which are numbers and none missing;
        refuses the first infinite one."""
        column = self._columns[self.column_index(name)]
        indices = np.arange(self.n_rows) if rows is None else rows
        if column.numbers is None:
            assert column.text is not None
            parse = number_parser(self.decimal_comma)
            parsed = [parse(column.text[index]) for index in indices.tolist()]
            numbers = np.array(parsed, dtype=np.float64)
        else:
            numbers = column.numbers if rows is None else column.numbers[rows]
        bad = np.flatnonzero(~np.isfinite(numbers))
        if bad.size:
            index = int(indices[int(bad[0])])
            raise DataError(
                f"{self.name}: line {self.line_numbers[index]}, column {name!r}: "
                f"{self.rows[index][self.column_index(name)]!r} is not a finite number "
                f"({role} values must be real numbers)"
            )
        return numbers

    def first_beyond(self, columns: Sequence[str], limit: float) -> tuple[int, str, str] | None:
        """The first finite number of ``columns`` whose magnitude exceeds ``limit``.

        Parameters
        ----------
        columns : sequence of str
            Column names, searched in this order (text columns are skipped).
        limit : float
            Largest magnitude allowed, e.g. the largest float32.

        Returns
        -------
        tuple of (int, str, str) or None
            The cell's line, its column and its text; ``None`` when every number fits.
        """
        magnitudes = self._magnitudes
        for name in columns:
            position = self.column_index(name)
            numbers = self._columns[position].numbers
            # Only a column holding a large value is searched further.
            if numbers is None or numbers.size == 0 or magnitudes[position] <= limit:
                continue
            beyond = np.flatnonzero(np.isfinite(numbers) & (np.abs(numbers) > limit))
            if beyond.size:
                index = int(beyond[0])
                return self.line_numbers[index], name, self.rows[index][position]
        return None

    @functools.cached_property
    def _magnitudes(self) -> np.ndarray:
        """Each column's largest magnitude, NaN skipped (0 for text), shape (n_columns,).

        Of a table read in one pass, over the whole array at once: column by column, each
        reduction strides across the rows (0.7 s for MNIST's 785 columns against 0.05 s).
        """
        if self._values is not None and self._values.size:
            values = self._values
            return np.maximum(np.fmax.reduce(values, axis=0), -np.fmin.reduce(values, axis=0))
        magnitudes = np.zeros(self.n_columns)
        for position, column in enumerate(self._columns):
            numbers = column.numbers
            if numbers is not None and numbers.size:
                magnitudes[position] = max(np.fmax.reduce(numbers), -np.fmin.reduce(numbers))
        return magnitudes


def float32_problem(table: CsvTable, columns: Sequence[str]) -> str | None:
    """Why ``columns`` cannot be trained on in float32, or ``None`` when every number fits.

    Parameters
    ----------
    table : CsvTable
    columns : sequence of str
        The input columns and (for regression) the target columns.

    Returns
    -------
    str or None
        A message naming the line, the column and the first number beyond the float32 range
        (about ±3.4e38), with what to do.
    """
    found = table.first_beyond(columns, FLOAT32_MAX)
    if found is None:
        return None
    line, name, cell = found
    return (
        f"{table.name}: line {line}, column {name!r}: {cell} is too large for float32 "
        f"training (at most about ±{FLOAT32_MAX:.4g}); choose float64 in the training "
        "settings, or rescale the column"
    )


#: Cells of a text column looked at to tell a typo among numbers from a column of words.
MIXED_SAMPLE = 200


def mostly_numbers(cells: Iterable[str], *, decimal_comma: bool = False) -> bool:
    """Whether at least half of a text column's first :data:`MIXED_SAMPLE` cells are numbers.

    Such a column ("mixed") holds numbers with a typo, not words: the bad cell is to be
    corrected, and the column can still be an input. Empty cells count as not numbers.
    ``decimal_comma``: numbers are read with a decimal comma (``"0,5"``).
    """
    parse = number_parser(decimal_comma)
    sample = list(itertools.islice(cells, MIXED_SAMPLE))
    return bool(sample) and 2 * sum(parse(cell) is not None for cell in sample) >= len(sample)


def _not_a_number_hint(
    cell: str,
    role: str,
    column: Sequence[str] = (),
    among_numbers: bool = False,
    *,
    decimal_comma: bool = False,
    delimiter: str = ",",
) -> str:
    """A parenthesised suggestion for a cell that should have been a number.

    ``column``: the cells of its column, which tell a thousands separator (``"3,431"``,
    every comma of the column grouping three digits) from a decimal comma (``"0,346"``).
    ``among_numbers``: the rest of its column is mostly numbers, so the cell is a typo to
    correct rather than a sign that the column holds words. ``decimal_comma``: the file is
    read with a decimal comma. ``delimiter``: what separates the cells; between semicolons or
    tabs, ``"1,303"`` may also have a decimal comma.
    """
    if decimal_comma and "." in cell:
        if _POINT_THOUSANDS.match(cell):
            return (
                " (numbers are read with a decimal comma here, as in 0,5, and the point "
                f"looks like a thousands separator: write {cell.replace('.', '')}, without "
                "points)"
            )
        if _as_float(cell) is not None:
            return (
                " (numbers are read with a decimal comma here, as in 0,5: write "
                f"{cell.replace('.', ',')}, or read the file with a decimal point)"
            )
    if not decimal_comma and _THOUSANDS.match(cell):
        commas = (other for other in column if "," in other and not is_missing_text(other))
        if all(_THOUSANDS.match(other) for other in commas):
            # 3,431 read as a decimal comma would be 3.431: a thousand times too small.
            advice = f"the comma looks like a thousands separator: write {cell.replace(',', '')}"
            if delimiter != ",":
                return (
                    f" ({advice}, without commas; if it is a decimal comma, read the file with "
                    "a decimal comma)"
                )
            return f" ({advice}, without commas)"
    if not decimal_comma and _COMMA_NUMBER.match(cell):
        return " (write decimals with a point, e.g. 1.5, not a comma)"
    if "_" in cell and _as_float(cell.replace("_", "")) is not None:
        return " (write numbers without digit separators, e.g. 1000, not 1_000)"
    if among_numbers:
        return " (the rest of the column is numbers: correct this cell or remove its row)"
    if role == "input":
        return " (text columns cannot be inputs; leave this column out)"
    if role == "target":
        return " (regression targets must be numbers; for labels choose classification)"
    return ""


#: Lines a message about missing values names: all of them, or the first few.
SHOWN_LINES = 5
#: Columns such a message counts missing values of, one by one.
SHOWN_COLUMNS = 6


class MissingValues(DataError):
    """Cells with missing values (empty, ``NA``, ``nan``, ...) where values are needed.

    Every missing value of the columns looked at is counted at once, so that a file is not
    mended one cell per attempt.

    Parameters
    ----------
    table : CsvTable
    found : list of (str, str, ndarray)
        Each column with missing values: its name, its role (``"input"``, ``"target"`` or
        ``"label"``) and the indices of its rows with a missing value.

    Attributes
    ----------
    rows : ndarray of int
        Indices of the rows with at least one missing value, ascending.
    lines : tuple of int
        Their lines in the file.
    columns : tuple of str
        The columns with missing values.
    """

    def __init__(self, table: CsvTable, found: list[tuple[str, str, np.ndarray]]):
        self.rows = np.unique(np.concatenate([rows for _name, _role, rows in found]))
        self.lines = tuple(table.line_numbers[index] for index in self.rows.tolist())
        self.columns = tuple(name for name, _role, _rows in found)
        super().__init__(_missing_message(table, found, self.rows, self.lines))


def _missing_message(
    table: CsvTable,
    found: list[tuple[str, str, np.ndarray]],
    rows: np.ndarray,
    lines: Sequence[int],
) -> str:
    """The message of :class:`MissingValues`."""
    name = table.name
    cells = sum(len(missing) for _name, _role, missing in found)
    if cells == 1:
        # One cell: said as for any other bad cell.
        column, role, missing = found[0]
        index = int(missing[0])
        text = table.rows[index][table.column_index(column)]
        place = f"{name}: line {lines[0]}, column {column!r}"
        need = (
            "every example needs a class label"
            if role == "label"
            else f"every {role} value must be given"
        )
        if not text:
            return f"{place} is empty ({need})"
        if role == "label":
            return f"{place}: {text!r} is not a valid class label"
        if _as_float(text) is not None:  # nan
            return f"{place}: {text!r} is not a finite number ({role} values must be real numbers)"
        return f"{place}: {text!r} stands for a missing value ({need})"
    seen: list[str] = []
    for column, _role, missing in found:
        position = table.column_index(column)
        for index in missing[:200].tolist():
            text = table.rows[index][position]
            shown = "empty" if not text else repr(text)
            if shown not in seen:
                seen.append(shown)
    what = seen[0] if len(seen) == 1 else ", ".join(seen[:-1]) + " or " + seen[-1]
    if len(rows) == 1:
        columns = ", ".join(repr(column) for column, _role, _missing in found)
        return (
            f"{name}: line {lines[0]} has {cells} missing values ({what}), in columns "
            f"{columns}; fill them in, or remove the row"
        )
    per_column = [
        f"{column!r} {'has ' if not position else ''}{len(missing):,} "
        f"({_line_list(table, missing, 3)})"
        for position, (column, _role, missing) in enumerate(found[:SHOWN_COLUMNS])
    ]
    if len(found) > SHOWN_COLUMNS:
        more = len(found) - SHOWN_COLUMNS
        per_column.append(f"{plural(more, 'more column')} {'has' if more == 1 else 'have'} some")
    return (
        f"{name}: {len(rows):,} rows have missing values ({what}): "
        f"{_line_list(table, rows, SHOWN_LINES)}. Column {', '.join(per_column)}. "
        "Fill them in, or remove those rows"
    )


def _line_list(table: CsvTable, rows: np.ndarray, shown: int) -> str:
    """``"line 7"``, ``"lines 7 and 9"``, ``"lines 7, 9, 12 and 40 more"``."""
    lines = [f"{table.line_numbers[index]}" for index in rows[:shown].tolist()]
    if len(rows) == 1:
        return f"line {lines[0]}"
    if len(rows) > shown:
        return f"lines {', '.join(lines)} and {len(rows) - shown:,} more"
    return f"lines {', '.join(lines[:-1])} and {lines[-1]}"


_GZIP_MAGIC = b"\x1f\x8b"
# Files chosen instead of a CSV file whose first bytes say what they are (UTF-8 decoding
# would only report a bad byte).
_OTHER_KINDS = (
    (
        b"PK\x03\x04",
        "is a zip archive (an Excel .xlsx workbook?), not CSV text; save the sheet as CSV",
    ),
    (b"\xff\xfe", "is UTF-16 text; save it as UTF-8 CSV"),
    (b"\xfe\xff", "is UTF-16 text; save it as UTF-8 CSV"),
)


@contextmanager
def _open_text(path: Path, progress: ReadProgress | None = None) -> Iterator[TextIO]:
    """Open ``path`` once as UTF-8 text, decompressing it when it is gzip data.

    The file is opened a single time and never rewound, so a named pipe, ``/dev/stdin`` or a
    shell's ``<(...)`` reads like a regular file (a second open of a pipe finds no data, or
    waits for a writer that never comes). ``progress`` follows the position in the file (of
    a compressed file, in its compressed bytes).
    """
    with open(path, "rb") as raw:
        if progress is not None:
            size = os.fstat(raw.fileno()).st_size if path.is_file() else 0
            progress.follow_file(raw.tell, size)
        # peek() leaves the magic bytes in the buffer, where a pipe cannot be rewound to them.
        # A pipe may hold only the first byte so far: no text file starts with b"\x1f".
        # A compressed file is read as such whatever its name (a .csv.gz renamed to .csv).
        start = raw.peek(4)[:4]
        for magic, kind in _OTHER_KINDS:
            if start.startswith(magic):
                raise DataError(f"{_message_name(path)}: {kind}")
        head = start[: len(_GZIP_MAGIC)]
        compressed = bool(head) and _GZIP_MAGIC.startswith(head)
        binary: IO[bytes] = raw
        if compressed or path.name.lower().endswith(".gz"):
            binary = gzip.GzipFile(fileobj=raw, mode="rb")
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
            yield text


def _message_name(path: Path) -> str:
    """How messages name ``path``: its file name, or the whole path of a device file.

    A shell's ``<(...)`` passes ``/dev/fd/63``, whose bare name "63" would mean nothing;
    ``/dev/stdin`` reads as "stdin".
    """
    if path.parent.parts[:2] == ("/", "dev") and path.name != "stdin":
        return str(path)
    return path.name


def _delimiter(first_line: str) -> str:
    """The delimiter that splits the header best (comma unless another is clearly used).

    Semicolons or tabs whose cells use every comma as a decimal comma (``0,346;0,822``, a
    file without a header whose first line is data) win over those commas.
    """
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    for other in (";", "\t"):
        if counts[other] and counts[","]:
            cells = [cell.strip() for cell in first_line.rstrip("\r\n").split(other)]
            if all(_COMMA_NUMBER.match(cell) for cell in cells if "," in cell):
                return other
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _records(
    path: Path, progress: ReadProgress | None = None, delimiter: list[str] | None = None
) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, raw cells)`` for every non-blank record of the file.

    ``delimiter``: given a list, the delimiter found is appended to it.
    """
    with _open_text(path, progress) as stream:
        # Bounded: a file of NUL bytes (or /dev/zero) has no line break to stop at, and
        # reading it whole would fill the memory before any message.
        first = stream.readline(MAX_FIRST_LINE + 1)
        if len(first) > MAX_FIRST_LINE:
            raise DataError(
                f"{_message_name(path)}: line 1 runs past {MAX_FIRST_LINE:,} characters without "
                "a line break; this is not CSV text"
            )
        # The first line, already read to choose the delimiter, goes back in front of the rest
        # rather than seeking back to it: pipes cannot seek.
        found = _delimiter(first)
        if delimiter is not None:
            delimiter.append(found)
        reader = csv.reader(itertools.chain((first,), stream), delimiter=found)
        line = 1
        records = iter(reader)
        while True:
            try:
                record = next(records)
            except StopIteration:
                return
            except csv.Error as exc:
                raise DataError(
                    f"{_message_name(path)}: line {line}: {_csv_problem(exc)}"
                ) from None
            start = line
            # reader.line_num counts physical lines, so quoted multi-line cells stay aligned.
            line = reader.line_num + 1
            if not any(record) or (len(record) == 1 and not record[0].strip()):
                continue
            yield start, record


def _csv_problem(error: csv.Error) -> str:
    """What a CSV parser error means, in the file's terms."""
    text = str(error)
    if text.startswith("field larger than field limit"):
        # A quote never closed takes in the lines after it until the cell is this long.
        return (
            f"a cell is longer than {csv.field_size_limit():,} characters (is a quote left open?)"
        )
    return f"cannot be parsed as CSV ({text})"


def _field_count_problem(
    name: str, line: int, record: list[str], expected: int, first: str = "the header"
) -> str:
    """Why the record starting on ``line`` does not fit a first line of ``expected`` fields.

    ``first``: how the first line is named ("the header", or "line 1" without a header).
    """
    count = len(record)
    message = f"{name}: line {line} has {count} field{'s' if count != 1 else ''}, {first} has "
    message += str(expected)
    # A quote left open takes the following lines into its cell, so the row seems short:
    # the line breaks inside its cells tell.
    before = 0
    for cell in record:
        if "\n" in cell.rstrip("\r\n"):
            start = line + before
            end = start + cell.rstrip("\r\n").count("\n")
            return (
                f"{message}: a quoted cell runs from line {start} to line {end} (is a closing "
                "quote missing?)"
            )
        before += cell.count("\n")
    return message


def read_csv_table(
    path: str | Path,
    progress: ReadProgress | None = None,
    *,
    header: bool | None = None,
    decimal_comma: bool | None = None,
) -> CsvTable:
    """Read a CSV file's header and cells and infer each column's kind.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file or a gzip-compressed ``.csv.gz`` file, UTF-8 encoded (a compressed
        file is recognised by its first bytes, whatever its name). A named pipe or
        ``/dev/stdin`` works too: the file is read once, from start to end.
    progress : ReadProgress, optional
        Told how far the read has come every few thousand rows; cancelling it stops the read
        with :class:`~nnstudio.data.progress.ReadCancelled`.
    header : bool or None
        Whether the first line is the header. ``None`` (nothing said): it is, and a first line
        that reads as an example is refused (:class:`FirstLineLooksLikeData`). ``True`` (the
        user said so): it is, whatever it looks like. ``False``: the file has no header; its
        first line is the first data row and the columns are named by
        :func:`headerless_names`.
    decimal_comma : bool or None
        Whether numbers are written with a decimal comma (``"0,5"`` is 0.5), as spreadsheets
        write them in many locales; in that reading a number written with a point is no
        number (``"1.234"`` may be 1.234 or 1234). ``None`` (nothing said): guessed, by
        :func:`guess_decimal_comma`. ``False``: a comma is never a decimal mark.

    Returns
    -------
    CsvTable

    Raises
    ------
    DataError
        If the file is missing or unreadable, empty, has no proper header (a header cell is
        empty, names repeat, or, with ``header=None``, the first line looks like data) or a
        row has a different number of fields than the first line.
    ReadCancelled
        When ``progress`` was cancelled.
    """
    path = Path(path).expanduser()
    name = _message_name(path)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a CSV file")
    if path.is_file():
        # A file of plain numbers (MNIST's 47 million cells: 1 s instead of 5) in one C pass.
        # Anything else, or any doubt, goes the careful way below, which names what is wrong.
        try:
            table = _read_plain_numbers(path, name, progress, header, bool(decimal_comma))
        except (UnicodeDecodeError, gzip.BadGzipFile, zlib.error, EOFError, OSError, csv.Error):
            table = None
        if table is not None:
            return table
    names: list[str] | None = None
    first_line = 1
    # How messages about a row's field count name the line the count comes from.
    first = "the header" if header is not False else "line 1"
    builders: list[_ColumnBuilder] = []
    chunk: list[list[str]] = []
    verbatim: list[tuple[str, ...]] = []
    verbatim_rows = 0
    line_numbers: list[int] = []
    unnamed_first = False
    delimiter: list[str] = []

    def flush() -> None:
        if chunk:
            cells = np.empty((len(chunk), len(builders)), dtype=object)
            cells[:] = chunk
            for j, builder in enumerate(builders):
                builder.add(cells[:, j])
            chunk.clear()

    if progress is not None:
        progress.part(0.0, 1.0, "Reading rows")
    try:
        for line, record in _records(path, progress, delimiter):
            if names is None:
                cells = [cell.strip() for cell in record]
                first_line = line
                if header is False:
                    _check_other_kind(name, cells, line, "")
                    names = list(headerless_names(len(cells)))
                    first = f"line {line}"
                else:
                    names, unnamed_first = _column_names(cells)
                    _check_header(
                        name, names, line, stated=header is True, unnamed_first=unnamed_first
                    )
                builders = [_ColumnBuilder() for _ in names]
                verbatim_rows = max(VERBATIM_CELLS // len(names), 1)
                if header is not False:
                    continue
            if len(record) != len(names):
                raise DataError(_field_count_problem(name, line, record, len(names), first))
            if len(verbatim) < verbatim_rows:
                verbatim.append(tuple(cell.strip() for cell in record))
            chunk.append(record)
            line_numbers.append(line)
            if len(chunk) >= _CHUNK_ROWS:
                flush()
                if progress is not None:
                    progress.step()
        flush()
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: is not a UTF-8 text file ({exc.reason})") from None
    except (gzip.BadGzipFile, zlib.error, EOFError) as exc:
        raise DataError(f"{name}: is not a valid gzip file ({exc})") from None
    except csv.Error as exc:
        raise DataError(f"{name}: cannot be parsed as CSV ({exc})") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if names is None:
        expected = "a header row and data rows" if header is not False else "data rows"
        raise DataError(f"{name}: the file is empty (expected {expected})")
    columns = tuple(builder.finish() for builder in builders)
    separator = delimiter[0] if delimiter else ","
    if decimal_comma is None:
        decimal_comma = guess_decimal_comma(separator, columns, builders)
    if decimal_comma:
        columns = _read_with_decimal_comma(columns, builders, verbatim)
    kinds: tuple[ColumnKind, ...] = tuple(
        column.kind if line_numbers else "text" for column in columns
    )
    # Only a guess is checked: a header the user vouched for is taken as it is.
    if line_numbers and header is None:
        _check_first_line_is_header(
            name,
            names,
            first_line,
            columns,
            unnamed_first=unnamed_first,
            decimal_comma=decimal_comma,
        )
    return CsvTable(
        path=path,
        header=tuple(names),
        line_numbers=tuple(line_numbers),
        kinds=kinds,
        _columns=columns,
        _verbatim=tuple(verbatim),
        has_header=header is not False,
        unnamed_first=unnamed_first,
        delimiter=separator,
        decimal_comma=decimal_comma,
    )


def guess_decimal_comma(
    delimiter: str, columns: Sequence[_Column], builders: Sequence[_ColumnBuilder]
) -> bool:
    """Whether a file read with a decimal point is to be read with a decimal comma.

    It is when its cells are separated by semicolons or tabs (with commas, a decimal comma
    would have to be quoted), some column of text becomes numbers read so, and
    no number anywhere is written with a decimal point: spreadsheets write one decimal mark
    throughout. A column whose commas could all group thousands (``"1,303"``, ``"12,500"``)
    does not tell: some column must have a comma that cannot (``"0,346"``, ``"2,5"``).
    ``columns`` and ``builders`` are the file's, read with a decimal point.
    """
    if delimiter == ",":
        return False
    if any(builder.points for builder in builders):
        return False
    found = False
    for column in columns:
        if column.text is None:
            continue
        if any("." in cell and _as_float(cell) is not None for cell in column.text):
            return False
        if found:
            continue
        commas = [cell for cell in column.text if _COMMA_NUMBER.match(cell)]
        # "1,303" may as well be 1303: only a comma that cannot group thousands ("0,346",
        # "2,5") tells.
        if not commas or all(_THOUSANDS.match(cell) for cell in commas):
            continue
        found = _column_read_with_decimal_comma(column.text) is not None
    return found


def _read_with_decimal_comma(
    columns: Sequence[_Column],
    builders: Sequence[_ColumnBuilder],
    verbatim: Sequence[tuple[str, ...]],
) -> tuple[_Column, ...]:
    """Columns read with a decimal point, read with a decimal comma instead.

    Columns of text that are numbers so become numeric; numeric columns with a number
    written with a point become text (which names that cell when it is used).
    """
    out = []
    for position, (column, builder) in enumerate(zip(columns, builders, strict=True)):
        if column.text is not None:
            out.append(_column_read_with_decimal_comma(column.text) or column)
        elif builder.points:
            # The cells as written, as far as they are kept (later ones re-formatted).
            texts = column.texts()
            texts[: len(verbatim)] = [row[position] for row in verbatim]
            out.append(_Column(None, None, {}, tuple(texts)))
        else:
            out.append(column)
    return tuple(out)


#: ASCII characters other than CR and LF that :meth:`str.splitlines` breaks lines at.
_SPLITLINES_CONTROLS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e")


def _read_plain_numbers(
    path: Path,
    name: str,
    progress: ReadProgress | None = None,
    header: bool | None = None,
    decimal_comma: bool = False,
) -> CsvTable | None:
    """The table of a regular file whose data rows are plain numbers, or ``None``.

    The file is parsed by NumPy's C reader, several times faster than row by row. It must be
    exactly what the careful reader would make a table of numeric columns from: one record
    per line, no blank line, no quote, empty cell, non-finite number, digit separator or
    non-ASCII character (the careful reader keeps such cells' text for its messages), and at
    most :data:`FAST_READ_LIMIT` characters. ``None`` otherwise, and the file is read again
    the careful way.

    The text is read :data:`_READ_CHARS` characters at a time and parsed
    :data:`_PARSE_CELLS` numbers at a time. Each of these C calls holds the interpreter lock
    throughout, so while one runs no other Python thread (the window's event loop) can;
    bounded pieces keep the window live, and give progress reports and a chance to stop
    between them.

    ``header`` is :func:`read_csv_table`'s: ``False`` parses the first line with the others.
    ``decimal_comma``: numbers are read with a decimal comma, so a file with a point is left
    to the careful reader (which names such a cell); one of whole numbers reads the same.

    Raises
    ------
    DataError
        For a header the careful reader refuses too (same message).
    """
    with _open_text(path, progress) as stream:
        first = stream.readline(MAX_FIRST_LINE + 1)
        # A blank first line: the careful reader skips it and takes the next as the header.
        if not first.strip() or len(first) > MAX_FIRST_LINE:
            return None
        delimiter = _delimiter(first)
        cells = [cell.strip() for cell in next(csv.reader([first], delimiter=delimiter))]
        carry = ""
        unnamed_first = False
        if header is False:
            _check_other_kind(name, cells, 1, "")
            names = list(headerless_names(len(cells)))
            # The first line is data: parsed in front of the next read.
            carry = first
        else:
            names, unnamed_first = _column_names(cells)
            _check_header(name, names, 1, stated=header is True, unnamed_first=unnamed_first)
        if progress is not None:
            progress.part(0.0, 0.97, "Reading numbers")
        width = len(names)
        verbatim_rows = max(VERBATIM_CELLS // width, 1)
        verbatim: list[tuple[str, ...]] = []
        parts: list[np.ndarray] = []
        # Rows parsed per call (a million numbers held the lock for 0.2 s).
        piece = max(_PARSE_CELLS // width, 1)
        read = 0
        # The share of the file whose numbers are parsed. (The reads run ahead of it: the
        # header's read took a buffer of the file, maybe all of a small one.)
        done = 0.0
        while True:
            chunk = stream.read(_READ_CHARS)
            read += len(chunk)
            if read > FAST_READ_LIMIT:
                return None
            text = carry + chunk
            if chunk:
                # Up to the last line break; a CR at the very end may be half of a CRLF.
                limit = len(text) - 1 if text.endswith("\r") else len(text)
                cut = max(text.rfind("\n", 0, limit), text.rfind("\r", 0, limit)) + 1
                text, carry = text[:cut], text[cut:]
            if text:
                if '"' in text or "_" in text or not text.isascii():
                    return None
                if decimal_comma and "." in text:
                    return None
                # splitlines() also breaks at these ASCII controls, which CSV records hold as
                # text.
                if any(control in text for control in _SPLITLINES_CONTROLS):
                    return None
                # Whole numbers (pixel intensities, counts, labels) parse about 8x faster as
                # integers than as floats; converted to float64 they are the same numbers a
                # float parse gives (both round to nearest). "-0" would lose its sign, so such
                # pieces take the float parse.
                integers = not any(mark in text for mark in (".", "e", "E", "n", "N", "-0"))
                lines = text.splitlines()
                del text
                # A blank line: the careful reader skips it but counts it in line numbers.
                if "" in lines:
                    return None
                if len(verbatim) < verbatim_rows:
                    wanted = itertools.islice(lines, verbatim_rows - len(verbatim))
                    verbatim.extend(
                        tuple(cell.strip() for cell in record)
                        for record in csv.reader(wanted, delimiter=delimiter)
                    )
                before = done
                done = progress.file_fraction() if progress is not None else 0.0
                for start in range(0, len(lines), piece):
                    rows = lines[start : start + piece]
                    parsed = _parse_numbers(rows, delimiter, integers)
                    # NumPy skips empty lines, which the careful reader counts in its line
                    # numbers.
                    if parsed is None or parsed.shape != (len(rows), width):
                        return None
                    if not np.isfinite(parsed).all():
                        return None
                    parts.append(parsed)
                    if progress is not None:
                        share = (start + len(rows)) / len(lines)
                        progress.report(before + (done - before) * share)
            if not chunk:
                break
    n_rows = sum(len(part) for part in parts)
    if n_rows == 0:
        return None
    # Copied piece by piece, each freed once copied: no long call, and no second full copy.
    values = np.empty((n_rows, width))
    position = 0
    parts.reverse()
    while parts:
        part = parts.pop()
        values[position : position + len(part)] = part
        position += len(part)
    columns = tuple(_Column(values[:, j], None, {}, None) for j in range(width))
    start = 2 if header is not False else 1
    return CsvTable(
        path=path,
        header=tuple(names),
        line_numbers=tuple(range(start, n_rows + start)),
        kinds=("numeric",) * width,
        _columns=columns,
        _verbatim=tuple(verbatim),
        has_header=header is not False,
        unnamed_first=unnamed_first,
        delimiter=delimiter,
        decimal_comma=decimal_comma,
        _values=values,
    )


def _parse_numbers(lines: list[str], delimiter: str, integers: bool) -> np.ndarray | None:
    """The numbers of ``lines`` as a float64 (rows, fields) array, or ``None`` if some are not.

    ``integers``: try the integer parse first (see :func:`_read_plain_numbers`).
    """
    if integers:
        try:
            return np.loadtxt(
                lines, delimiter=delimiter, dtype=np.int64, ndmin=2, comments=None
            ).astype(np.float64)
        except ValueError:  # beyond int64, or not integers after all
            pass
    try:
        return np.loadtxt(lines, delimiter=delimiter, dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        return None


def _check_other_kind(name: str, cells: list[str], line: int, what: str) -> None:
    """Refuse a first line that shows the file is not CSV text (binary, JSON, a web page).

    ``what``: how messages name the line after its number (``" (the header)"`` or ``""``).
    """
    if any("\x00" in cell for cell in cells):
        raise DataError(
            f"{name}: line {line}{what} holds NUL characters: the file is binary or "
            "UTF-16 text; save it as UTF-8 CSV"
        )
    if cells[0][:1] in ("{", "["):
        # A project or weights file chosen by mistake: its lines would be reported as rows
        # with the wrong number of fields.
        raise DataError(
            f"{name}: is JSON (it starts with {cells[0][:1]!r}), not CSV data; a project "
            "(.nnproj) or weights file?"
        )
    if _WEB_PAGE.match(",".join(cells)):
        raise DataError(f"{name}: is a web page (HTML), not CSV data; download the CSV file itself")


def _check_header(
    name: str, header: list[str], line: int, *, stated: bool = False, unnamed_first: bool = False
) -> None:
    """Refuse a header that cannot name the columns (or is no header at all).

    ``stated``: the user said the first line is the header, so one of numbers only is taken
    as names (``2019,2020``) rather than refused as data. ``unnamed_first``: the file left
    the first column unnamed (see :func:`_column_names`); the other names decide whether
    the line is a header.
    """
    _check_other_kind(name, header, line, " (the header)")
    for position, cell in enumerate(header, start=1):
        if not cell:
            raise DataError(
                f"{name}: line {line} (the header) has an empty name in column {position}"
            )
    named = header[1:] if unnamed_first else header
    if not stated and all(_as_float(cell) is not None for cell in named):
        shown = ", ".join(header[:4]) + (", ..." if len(header) > 4 else "")
        raise FirstLineLooksLikeData(
            f"{name}: line {line} looks like data ({shown}); the first line must be a header "
            "of column names",
            "it holds only numbers",
        )
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        if cell in seen:
            raise DataError(
                f"{name}: the header names column {cell!r} twice (columns {seen[cell]} and "
                f"{position}); column names must be unique"
            )
        seen[cell] = position


def _check_first_line_is_header(
    name: str,
    header: list[str],
    line: int,
    columns: Sequence[_Column],
    *,
    unnamed_first: bool = False,
    decimal_comma: bool = False,
) -> None:
    """Refuse a first line that reads as one more example rather than column names.

    :func:`_check_header` already refuses a first line of numbers only. A file without a
    header whose examples hold a text column (iris: ``5.1,3.5,1.4,0.2,setosa``) passes it,
    and would silently name its columns after the first example and lose it. Judged against
    the data below, the first line is taken for data when

    * in every column that holds numbers below, its cell is a number too (there is at least
      one such column), and
    * something marks it as data rather than names: one of those numbers is not a plain whole
      number (``5.1``, ``-3``, ``1e5``: no one names a column so), or the cell over a text
      column recurs as a value in that column (a class label such as ``setosa``).

    What stays ambiguous is accepted as a header: whole-number names over numeric columns
    beside a text column whose name is not one of its values (``country,2019,2020`` over
    ``France,1.2,1.3``), which is how year or count columns are named, but is also how a
    header-less file of integers and unique names (``Ann,23,170``) begins. Such a file shows
    its first example as column names in the import dialog, where the user sees it and can
    say the file has no header (``read_csv_table(..., header=False)``).

    An unnamed first column (``unnamed_first``, see :func:`_column_names`) is left out of
    the judgement: its cell says nothing either way. ``decimal_comma``: the numbers below are
    read with a decimal comma, and so is the first line.

    Raises
    ------
    FirstLineLooksLikeData
        Naming the line, its first cells and what makes it look like data.
    """
    skipped = 1 if unnamed_first else 0
    numbers_below = [
        j for j, column in enumerate(columns) if column.kind == "numeric" and j >= skipped
    ]
    parse = number_parser(decimal_comma)
    values = [parse(header[j]) for j in numbers_below]
    # A name such as "nan" or "inf" over numbers is taken for a name.
    if not values or any(value is None or not np.isfinite(value) for value in values):
        return
    reason = ""
    for j in numbers_below:
        if not header[j].lstrip("+").isdigit():
            reason = f"{header[j]!r} is a number like those in column {j + 1} below"
            break
    else:
        for j, column in enumerate(columns):
            if j >= skipped and column.text is not None and header[j] in column.text:
                reason = f"{header[j]!r} is also a value in column {j + 1} below"
                break
    if reason:
        shown = ", ".join(header[:5]) + (", ..." if len(header) > 5 else "")
        raise FirstLineLooksLikeData(
            f"{name}: line {line} looks like data, not column names ({shown}): {reason}; "
            "add a header row of column names as the first line",
            reason,
        )


def first_line_refusal(table: CsvTable) -> str | None:
    """Why a guess (``read_csv_table(..., header=None)``) would refuse the header of a table
    read with ``header=True``: what makes its first line look like data, else ``None``.

    Tells, without reading the file again, whether a file read as a previous choice said is
    read the same way by the guess (see :class:`FirstLineLooksLikeData`).
    """
    if not table.has_header:
        return None
    names = list(table.header)
    unnamed_first = table.unnamed_first
    try:
        _check_header(table.name, names, 1, unnamed_first=unnamed_first)
        if table.n_rows:
            _check_first_line_is_header(
                table.name,
                names,
                1,
                table._columns,
                unnamed_first=unnamed_first,
                decimal_comma=table.decimal_comma,
            )
    except FirstLineLooksLikeData as refused:
        return refused.why
    return None


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
    skipped_lines : tuple of int
        The lines of the rows left out for their missing values (``skip_missing``).
    class_notes : tuple of str
        What to tell of the class labels, one sentence each (see :func:`class_label_notes`).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    skipped_lines: tuple[int, ...] = ()
    class_notes: tuple[str, ...] = ()


def examples_from_table(
    table: CsvTable,
    target: tuple[str, ...],
    task: str,
    features: tuple[str, ...] | None = None,
    *,
    skip_missing: bool = False,
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
    skip_missing : bool
        Leave out the rows with a missing value (empty, ``NA``, ``nan``, ...) in an input or
        target column (their lines are in :attr:`CsvExamples.skipped_lines`); otherwise
        they are refused, all at once (:class:`MissingValues`).

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
    if task not in ("classification", "regression"):
        raise DataError(f"unknown task {task!r}; expected classification or regression")
    if task == "classification" and len(target) != 1:
        raise DataError(
            f"{name}: classification takes exactly one target column, got {len(target)}"
        )
    # Cells that are no numbers first (a wrong column, a typo), then every missing value of
    # the inputs and targets at once.
    table.check_numbers(features, role="input")
    roles = [(column, "input") for column in features]
    if task == "regression":
        table.check_numbers(target, role="target")
        roles += [(column, "target") for column in target]
    else:
        roles.append((target[0], "label"))
    missing = table.missing_values(roles)
    rows: np.ndarray | None = None
    skipped: tuple[int, ...] = ()
    if missing is not None:
        if not skip_missing:
            raise missing
        rows = np.setdiff1d(np.arange(table.n_rows), missing.rows)
        skipped = missing.lines
        if len(rows) < 2:
            raise DataError(
                f"{name}: {plural(len(missing.rows), 'row')} of {table.n_rows:,} "
                f"{'has' if len(missing.rows) == 1 else 'have'} missing values, which leaves "
                f"{len(rows)}; training needs at least 2"
            )
    X = table.to_floats(features, role="input", rows=rows)
    if task == "classification":
        labels, class_names = _class_labels(table, target[0], rows)
        notes = class_label_notes(table, target[0], class_names, labels)
        return CsvExamples(X, labels, features, class_names, skipped, notes)
    Y = table.to_floats(target, role="target", rows=rows)
    return CsvExamples(X, Y, features, tuple(target), skipped)


def _names(columns: list[str]) -> str:
    return ", ".join(repr(c) for c in columns)


def _class_labels(
    table: CsvTable, column: str, rows: np.ndarray | None = None
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class indices, shape (m,), and the class names they index (of ``rows``, when given).

    Numeric labels are ordered numerically (``2`` before ``10``), text labels lexicographically.
    """
    name = table.name
    missing = table.missing_values([(column, "label")], rows=rows)
    if missing is not None:
        raise missing
    data = table._columns[table.column_index(column)]
    if data.numbers is not None:
        numbers = data.numbers if rows is None else data.numbers[rows]
        bad = np.flatnonzero(~np.isfinite(numbers))
        if bad.size:
            first = int(bad[0]) if rows is None else int(rows[int(bad[0])])
            raise DataError(
                f"{name}: line {table.line_numbers[first]}, column {column!r}: "
                f"{data.cell(first)!r} is not a valid class label"
            )
        classes, labels = np.unique(numbers, return_inverse=True)
        class_names = tuple(_number_text(v) for v in classes.tolist())
    else:
        assert data.text is not None
        cells = np.array(data.text, dtype=str)
        if rows is not None:
            cells = cells[rows]
        classes, labels = np.unique(cells, return_inverse=True)
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


#: Groups of look-alike labels a data set's notes name one by one (see
#: :func:`class_label_notes`); more are counted.
SHOWN_LOOKALIKES = 3


def class_label_notes(
    table: CsvTable, column: str, class_names: Sequence[str], labels: np.ndarray
) -> tuple[str, ...]:
    """What to tell of a text label column's classes: sentences without a capital letter
    or a final period, to follow "Note:".

    Labels that differ only in case (``"Yes"``, ``"yes"``) are separate classes, as the
    documented class order has it, and labels written with spaces around them beside the same
    label without (``"yes "``, ``"yes"``) are one: both are most often a slip in the file,
    which training would not show. A column whose every label has spaces around it (cells
    separated by ``", "``) is not worth a note.

    Parameters
    ----------
    table : CsvTable
    column : str
        The class label column.
    class_names : sequence of str
        The classes, in class order.
    labels : ndarray of int
        The class of each example used.

    Returns
    -------
    tuple of str
        E.g. ``"classes 'Yes' (1 row) and 'yes' (40 rows) differ only in case; write them
        alike if they are one class"``, ``"labels 'yes ' (2 rows) are read as class 'yes'
        (spaces around labels are ignored)"``. Empty for numeric labels.
    """
    data = table._columns[table.column_index(column)]
    if data.text is None:
        return ()
    counts = np.bincount(labels, minlength=len(class_names)).tolist()
    rows = dict(zip(class_names, counts, strict=True))
    groups: dict[str, list[str]] = {}
    for name in class_names:
        groups.setdefault(name.casefold(), []).append(name)
    notes = []
    alike = [names for names in groups.values() if len(names) > 1]
    for names in alike[:SHOWN_LOOKALIKES]:
        listed = [f"{name!r} ({plural(rows[name], 'row')})" for name in names]
        notes.append(
            f"classes {', '.join(listed[:-1])} and {listed[-1]} differ only in case; write "
            "them alike if they are one class"
        )
    if len(alike) > SHOWN_LOOKALIKES:
        more = len(alike) - SHOWN_LOOKALIKES
        differ = "differs" if more == 1 else "differ"
        notes.append(f"{plural(more, 'more group')} of classes {differ} only in case")
    # Spaces matter only beside the same label written without them: in the whole column,
    # since a class's rows may be fewer (skip_missing).
    cells = collections.Counter(data.text) if data.spaced else collections.Counter()
    spaced = [
        (name, *data.spaced[name])
        for name in class_names
        if name in data.spaced and data.spaced[name][1] < cells[name]
    ]
    for name, written, count in spaced[:SHOWN_LOOKALIKES]:
        label = "label" if count == 1 else "labels"
        notes.append(
            f"{label} {written!r} ({plural(count, 'row')}) {'is' if count == 1 else 'are'} "
            f"read as class {name!r} (spaces around labels are ignored)"
        )
    if len(spaced) > SHOWN_LOOKALIKES:
        more = len(spaced) - SHOWN_LOOKALIKES
        have = "has" if more == 1 else "have"
        notes.append(f"{plural(more, 'more class')} also {have} labels with spaces around them")
    return tuple(notes)
