"""Reading data sets from CSV files (``.csv`` or gzip-compressed ``.csv.gz``).

A file has a header row of unique column names followed by one example per line, or, read
without a header, examples from its first line on, whose columns are named ``"column 1"``,
``"column 2"``, ... (see :func:`headerless_names`). Cells are separated by commas (semicolons
or tabs are recognised from the first line). Blank lines are skipped. Every problem is reported
as a :class:`~nnstudio.errors.DataError` naming the file, the line (1-based, as a text editor
numbers it, the header being line 1) and the column.

Large files are read in chunks: each chunk's numeric columns are converted to float64 at once,
so a file with millions of cells needs about 8 bytes per cell, not a Python string per cell.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import itertools
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal, TextIO, overload

import numpy as np

from nnstudio.data.progress import ReadProgress
from nnstudio.errors import DataError

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
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
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


def _plain_numbers(cells: list[str]) -> bool:
    """Whether no cell holds characters ``float()`` accepts but :func:`_as_float` refuses."""
    # One join scans a whole chunk in C, far cheaper than a test per cell.
    joined = "".join(cells)
    return "_" not in joined and joined.isascii()


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
        The values of a numeric column (NaN where a cell is empty).
    empty : ndarray of bool, shape (n_rows,), or None
        Where a numeric column's cells are empty (``None`` when none are).
    special : dict of int to str
        Original text of non-finite numbers (``"nan"``, ``"-Infinity"``) by row index.
    text : tuple of str or None
        The cells of a text column.
    """

    numbers: np.ndarray | None
    empty: np.ndarray | None
    special: dict[int, str]
    text: tuple[str, ...] | None

    @property
    def kind(self) -> ColumnKind:
        return "numeric" if self.numbers is not None else "text"

    def cell(self, index: int) -> str:
        if self.text is not None:
            return self.text[index]
        assert self.numbers is not None
        if self.empty is not None and self.empty[index]:
            return ""
        if index in self.special:
            return self.special[index]
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
    """Accumulates one column chunk by chunk, switching to text at the first non-number."""

    def __init__(self) -> None:
        self.numbers: list[np.ndarray] = []
        self.empty: list[np.ndarray] = []
        self.special: dict[int, str] = {}
        self.text: list[str] | None = None
        self.size = 0

    def add(self, cells: np.ndarray) -> None:
        """Append a chunk of raw cells (object array of str, shape (c,))."""
        start = self.size
        self.size += len(cells)
        if self.text is not None:
            self.text.extend(cell.strip() for cell in cells.tolist())
            return
        try:
            # float() accepts surrounding spaces, "nan" and "inf": fast path for clean columns.
            if not _plain_numbers(cells.tolist()):
                raise ValueError("digit separators or non-ASCII digits")
            values = cells.astype(np.float64)
            empty = np.zeros(len(cells), dtype=bool)
        except ValueError:
            stripped = [cell.strip() for cell in cells.tolist()]
            parsed = [_as_float(cell) if cell else np.nan for cell in stripped]
            if any(value is None for value in parsed):
                self._become_text(stripped)
                return
            values = np.array(parsed, dtype=np.float64)
            empty = np.array([not cell for cell in stripped], dtype=bool)
        bad = np.flatnonzero(~np.isfinite(values) & ~empty)
        for offset in bad.tolist():
            self.special[start + offset] = str(cells[offset]).strip()
        self.numbers.append(values)
        self.empty.append(empty)

    def _become_text(self, chunk: list[str]) -> None:
        earlier = self.finish(numeric_only=True).texts() if self.numbers else []
        self.text = earlier + chunk
        self.numbers, self.empty, self.special = [], [], {}

    def finish(self, numeric_only: bool = False) -> _Column:
        if self.text is not None and not numeric_only:
            return _Column(None, None, {}, tuple(self.text))
        numbers = np.concatenate(self.numbers) if self.numbers else np.zeros(0)
        empty = np.concatenate(self.empty) if self.empty else np.zeros(0, dtype=bool)
        return _Column(numbers, empty if empty.any() else None, dict(self.special), None)


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
        ``"numeric"`` when every non-empty cell of the column parses as a number (``nan`` and
        ``inf`` included, so they can be reported later), else ``"text"``.
    has_header : bool
        Whether the first line was read as the header (else it is the first data row).
    unnamed_first : bool
        Whether the header left its first column unnamed (pandas' index: ",a,b"), now named
        :data:`UNNAMED_FIRST_COLUMN`.
    """

    path: Path
    header: tuple[str, ...]
    line_numbers: tuple[int, ...]
    kinds: tuple[ColumnKind, ...]
    _columns: tuple[_Column, ...] = field(repr=False)
    _verbatim: tuple[tuple[str, ...], ...] = field(repr=False)
    has_header: bool = True
    unnamed_first: bool = False
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

    def to_floats(self, columns: Sequence[str], *, role: str) -> np.ndarray:
        """Parse columns as finite float64 numbers.

        Parameters
        ----------
        columns : sequence of str
            Column names, in the order wanted.
        role : str
            What the columns are for (``"input"``, ``"target"``), used in messages.

        Returns
        -------
        ndarray, shape (n_rows, len(columns))
            Possibly a read-only view of the table's numbers: copy it to write into it.

        Raises
        ------
        DataError
            For a missing column or a cell that is empty, not a number, NaN or infinite,
            naming the line and the column.
        """
        values = self._values
        if values is not None:
            # Every cell is a finite number. Consecutive columns are a read-only view (no copy
            # of MNIST's 376 MB, which took most of a second); others one gather.
            positions = [self.column_index(name) for name in columns]
            first = positions[0] if positions else 0
            if positions == list(range(first, first + len(positions))):
                view = values[:, first : first + len(positions)]
                view.flags.writeable = False
                return view
            return values[:, positions]
        out = np.empty((self.n_rows, len(columns)), dtype=np.float64)
        for j, name in enumerate(columns):
            out[:, j] = self._finite_numbers(name, role)
        return out

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

    def _finite_numbers(self, name: str, role: str) -> np.ndarray:
        column = self._columns[self.column_index(name)]
        if column.numbers is None:
            assert column.text is not None
            for index, cell in enumerate(column.text):
                if not cell:
                    raise DataError(self._empty_message(index, name, role))
                if _as_float(cell) is None:
                    hint = _not_a_number_hint(cell, role, mostly_numbers(column.text))
                    raise DataError(
                        f"{self.name}: line {self.line_numbers[index]}, column {name!r}: "
                        f"{cell!r} is not a number{hint}"
                    )
            raise AssertionError(f"column {name!r} is marked as text but holds only numbers")
        if column.empty is not None:
            raise DataError(self._empty_message(int(np.argmax(column.empty)), name, role))
        bad = np.flatnonzero(~np.isfinite(column.numbers))
        if bad.size:
            index = int(bad[0])
            raise DataError(
                f"{self.name}: line {self.line_numbers[index]}, column {name!r}: "
                f"{column.cell(index)!r} is not a finite number ({role} values must be real "
                "numbers)"
            )
        return column.numbers

    def _empty_message(self, index: int, name: str, role: str) -> str:
        return (
            f"{self.name}: line {self.line_numbers[index]}, column {name!r} is empty "
            f"(every {role} value must be given)"
        )


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


def mostly_numbers(cells: Iterable[str]) -> bool:
    """Whether at least half of a text column's first :data:`MIXED_SAMPLE` cells are numbers.

    Such a column ("mixed") holds numbers with a typo, not words: the bad cell is to be
    corrected, and the column can still be an input. Empty cells count as not numbers.
    """
    sample = list(itertools.islice(cells, MIXED_SAMPLE))
    return bool(sample) and 2 * sum(_as_float(cell) is not None for cell in sample) >= len(sample)


def _not_a_number_hint(cell: str, role: str, among_numbers: bool = False) -> str:
    """A parenthesised suggestion for a cell that should have been a number.

    ``among_numbers``: the rest of its column is mostly numbers, so the cell is a typo to
    correct rather than a sign that the column holds words.
    """
    if _DECIMAL_COMMA.match(cell):
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
    """The delimiter that splits the header best (comma unless another is clearly used)."""
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _records(path: Path, progress: ReadProgress | None = None) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line_number, raw cells)`` for every non-blank record of the file."""
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
        reader = csv.reader(itertools.chain((first,), stream), delimiter=_delimiter(first))
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
    path: str | Path, progress: ReadProgress | None = None, *, header: bool | None = None
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
            table = _read_plain_numbers(path, name, progress, header)
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
        for line, record in _records(path, progress):
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
    kinds: tuple[ColumnKind, ...] = tuple(
        column.kind if line_numbers else "text" for column in columns
    )
    # Only a guess is checked: a header the user vouched for is taken as it is.
    if line_numbers and header is None:
        _check_first_line_is_header(name, names, first_line, columns, unnamed_first=unnamed_first)
    return CsvTable(
        path=path,
        header=tuple(names),
        line_numbers=tuple(line_numbers),
        kinds=kinds,
        _columns=columns,
        _verbatim=tuple(verbatim),
        has_header=header is not False,
        unnamed_first=unnamed_first,
    )


#: ASCII characters other than CR and LF that :meth:`str.splitlines` breaks lines at.
_SPLITLINES_CONTROLS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e")


def _read_plain_numbers(
    path: Path, name: str, progress: ReadProgress | None = None, header: bool | None = None
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
    the judgement: its cell says nothing either way.

    Raises
    ------
    FirstLineLooksLikeData
        Naming the line, its first cells and what makes it look like data.
    """
    skipped = 1 if unnamed_first else 0
    numbers_below = [
        j for j, column in enumerate(columns) if column.kind == "numeric" and j >= skipped
    ]
    values = [_as_float(header[j]) for j in numbers_below]
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
                table.name, names, 1, table._columns, unnamed_first=unnamed_first
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
    data = table._columns[table.column_index(column)]
    if data.numbers is not None:
        if data.empty is not None:
            first = int(np.argmax(data.empty))
            raise DataError(
                f"{name}: line {table.line_numbers[first]}, column {column!r} is empty "
                "(every example needs a class label)"
            )
        bad = np.flatnonzero(~np.isfinite(data.numbers))
        if bad.size:
            first = int(bad[0])
            raise DataError(
                f"{name}: line {table.line_numbers[first]}, column {column!r}: "
                f"{data.cell(first)!r} is not a valid class label"
            )
        classes, labels = np.unique(data.numbers, return_inverse=True)
        class_names = tuple(_number_text(v) for v in classes.tolist())
    else:
        assert data.text is not None
        cells = np.array(data.text, dtype=str)
        empty = np.flatnonzero(cells == "")
        if empty.size:
            raise DataError(
                f"{name}: line {table.line_numbers[int(empty[0])]}, column {column!r} is empty "
                "(every example needs a class label)"
            )
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
