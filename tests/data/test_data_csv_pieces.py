"""Reading a file piece by piece: the same table whatever the piece size, and a read that
reports and can be stopped between pieces; a first line that is an example, not names, and a
file read with or without a header as the user says."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import ReadCancelled, ReadProgress, read_csv_table
from nnstudio.data import csv as csv_module
from nnstudio.errors import DataError
from tests.data.test_data_csv_header_spec import PEOPLE as ANN

from .test_data_csv import assert_same_table, careful_table


def tiny_pieces(monkeypatch: pytest.MonkeyPatch, chars: int, cells: int = 3) -> None:
    monkeypatch.setattr(csv_module, "_READ_CHARS", chars)
    monkeypatch.setattr(csv_module, "_PARSE_CELLS", cells)


def count_fast_reads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Record, per call of the fast numbers-only reader, whether it made the table."""
    calls: list[bool] = []
    real = csv_module._read_plain_numbers

    def counting(*args: object) -> object:
        table = real(*args)  # type: ignore[arg-type]
        calls.append(table is not None)
        return table

    monkeypatch.setattr(csv_module, "_read_plain_numbers", counting)
    return calls


@pytest.mark.parametrize("chars", [1, 2, 3, 5, 7, 11, 64])
@pytest.mark.parametrize("ending", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_pieces_of_any_size_give_the_same_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chars: int, ending: str
) -> None:
    # Lines, numbers and CRLF pairs straddle piece boundaries at every size; no final break.
    values = np.random.default_rng(1).uniform(-50, 50, size=(40, 3)).round(3)
    lines = ["x,y,z"] + [",".join(repr(float(v)) for v in row) for row in values]
    path = tmp_path / "pieces.csv"
    path.write_bytes(ending.join(lines).encode())
    with monkeypatch.context() as patch:
        tiny_pieces(patch, chars)
        calls = count_fast_reads(patch)
        fast = read_csv_table(path)
    assert calls == [True]  # the fast reader made the table
    np.testing.assert_array_equal(fast.to_floats(("x", "y", "z"), role="input"), values)
    assert_same_table(fast, careful_table(path, monkeypatch))


@pytest.mark.parametrize("chars", [1, 4, 9, 50])
@pytest.mark.parametrize(
    "text",
    [
        # A quoted cell (with a comma and a line break in it) across boundaries.
        'a,b,label\n1,2,"cat, big"\n3,4,dog\n5,6,"two\nlines"\n7,8,dog\n',
        # A blank line in the middle, a quote late in the file, CRLF endings.
        'a,b,c\r\n1,2,3\r\n\r\n4,5,6\r\n7,8,"9"\r\n',
        # An empty cell and a non-finite number after several pieces of plain numbers.
        "a,b\n" + "1,2\n" * 20 + "3,\n4,nan\n",
    ],
    ids=["quoted cells", "blank line and late quote", "empty and nan late"],
)
def test_a_file_the_fast_reader_gives_up_on_mid_way_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chars: int, text: str
) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text(text, encoding="utf-8", newline="")
    with monkeypatch.context() as patch:
        tiny_pieces(patch, chars)
        table = read_csv_table(path)
    assert_same_table(table, careful_table(path, monkeypatch))


def test_a_gzip_file_in_small_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    values = np.arange(600).reshape(200, 3)
    text = "a,b,c\r\n" + "".join(f"{a},{b},{c}\r\n" for a, b, c in values)
    path = tmp_path / "numbers.csv.gz"
    path.write_bytes(gzip.compress(text.encode()))
    tiny_pieces(monkeypatch, 13)
    table = read_csv_table(path)
    np.testing.assert_array_equal(table.to_floats(("a", "b", "c"), role="input"), values)
    assert table.line_numbers == tuple(range(2, 202))


class Counting(ReadProgress):
    def __init__(self, cancel_at: float | None = None) -> None:
        super().__init__()
        self.reports = 0
        self.cancel_at = cancel_at

    def report(self, done: float, stage: str | None = None) -> None:
        super().report(done, stage)
        self.reports += 1
        if self.cancel_at is not None and self.fraction >= self.cancel_at:
            self.cancel()


def write_plain(path: Path, rows: int = 3000) -> None:
    values = np.random.default_rng(2).uniform(0, 1, size=(rows, 4)).round(4)
    path.write_text(
        "a,b,c,d\n" + "".join(",".join(map(str, row)) + "\n" for row in values.tolist())
    )


def test_the_fast_reader_reports_between_pieces_and_stops_mid_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each report is a moment the reading thread lets the window's thread run and a
    # chance to stop: a large file must not be read in a few long calls.
    path = tmp_path / "plain.csv"
    write_plain(path)
    tiny_pieces(monkeypatch, 4096, 400)  # about 180 lines read, 100 lines parsed at a time
    calls = count_fast_reads(monkeypatch)
    progress = Counting()
    read_csv_table(path, progress)
    assert calls == [True]
    assert progress.reports > 30
    stopping = Counting(cancel_at=0.4)
    with pytest.raises(ReadCancelled):
        read_csv_table(path, stopping)
    assert 0.4 <= stopping.fraction < 0.6  # stopped at the next piece, not at the end


# ---- the first line: names, or an example? ---------------------------------------------------


IRIS_ROWS = "5.1,3.5,1.4,0.2,setosa\n4.9,3.0,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n"


@pytest.mark.parametrize(
    ("text", "why"),
    [
        # Iris without its header: decimals over numeric columns.
        (IRIS_ROWS, r"'5.1' is a number like those in column 1"),
        # Whole numbers only, but the label recurs as a value of its column.
        ("1,2,cat\n3,4,dog\n5,6,cat\n", r"'cat' is also a value in column 3 below"),
        ("no,-7\nyes,1\nno,-2\n", r"'-7' is a number"),
    ],
    ids=["iris", "recurring class", "negative number"],
)
def test_a_first_line_of_data_over_a_text_column_is_refused(
    tmp_path: Path, text: str, why: str
) -> None:
    path = tmp_path / "noheader.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read_csv_table(path)
    message = str(raised.value)
    assert message.startswith("noheader.csv: line 1 looks like data, not column names (")
    assert "add a header row" in message
    assert re.search(why, message)


@pytest.mark.parametrize(
    "text",
    [
        # Year columns beside a text column whose name is none of its values.
        "country,2019,2020\nFrance,1.2,1.3\nSpain,2.5,2.25\n",
        # Names over a text column that happen to be numbers in some columns only.
        "id,2,label\n1,2,cat\n3,4,dog\n",
        # "nan" and "inf" as names over numbers.
        "nan,inf,label\n1,2,cat\n3,4,dog\n",
        # The usual case.
        "sl,sw,pl,pw,species\n" + IRIS_ROWS,
    ],
    ids=["years", "some numbers", "nan and inf", "iris"],
)
def test_a_header_that_may_look_like_numbers_is_kept(tmp_path: Path, text: str) -> None:
    path = tmp_path / "header.csv"
    path.write_text(text, encoding="utf-8")
    table = read_csv_table(path)
    assert ",".join(table.header) == text.split("\n", 1)[0]
    assert table.n_rows == text.count("\n") - 1


# ---- the first line as the user says: the header, or the first example ---------------------


def test_a_headerless_file_of_names_and_whole_numbers_is_read_from_its_first_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "people.csv"
    path.write_text(ANN, encoding="utf-8")
    # The guess cannot tell it from "country,2019,2020": its first line names the columns.
    guessed = read_csv_table(path)
    assert guessed.header == ("Ann", "23", "170") and guessed.n_rows == 2
    assert guessed.has_header

    table = read_csv_table(path, header=False)
    assert table.header == ("column 1", "column 2", "column 3")
    assert not table.has_header
    assert list(table.rows) == [("Ann", "23", "170"), ("Bob", "31", "182"), ("Cid", "45", "175")]
    assert table.line_numbers == (1, 2, 3)
    assert table.kinds == ("text", "numeric", "numeric")
    np.testing.assert_array_equal(
        table.to_floats(["column 2", "column 3"], role="input"),
        [[23, 170], [31, 182], [45, 175]],
    )


@pytest.mark.parametrize("fast", [True, False], ids=["fast reader", "careful reader"])
def test_a_headerless_file_of_numbers_is_the_same_table_either_way(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    path = tmp_path / "numbers.csv"
    path.write_text("1,2,3\n4,5,6\n7,8,9\n", encoding="utf-8")
    calls = count_fast_reads(monkeypatch)
    if not fast:
        monkeypatch.setattr(csv_module, "FAST_READ_LIMIT", 0)
    table = read_csv_table(path, header=False)
    assert calls == [fast]
    assert table.header == ("column 1", "column 2", "column 3")
    assert table.line_numbers == (1, 2, 3)
    assert list(table.rows) == [("1", "2", "3"), ("4", "5", "6"), ("7", "8", "9")]
    np.testing.assert_array_equal(
        table.to_floats(table.header, role="input"), [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    )


@pytest.mark.parametrize(
    ("text", "header", "why"),
    [
        ("1,2,3\n4,5,6\n", ("1", "2", "3"), "it holds only numbers"),
        (
            IRIS_ROWS,
            ("5.1", "3.5", "1.4", "0.2", "setosa"),
            "'5.1' is a number like those in column 1 below",
        ),
    ],
    ids=["numbers", "iris"],
)
def test_a_header_the_user_vouches_for_is_not_refused_as_data(
    tmp_path: Path, text: str, header: tuple[str, ...], why: str
) -> None:
    path = tmp_path / "names.csv"
    path.write_text(text, encoding="utf-8")
    # Nothing said: refused, with what makes it look like data for a caller to show.
    with pytest.raises(csv_module.FirstLineLooksLikeData) as raised:
        read_csv_table(path)
    assert raised.value.why == why
    table = read_csv_table(path, header=True)
    assert table.header == header and table.n_rows == text.count("\n") - 1


def test_without_a_header_messages_count_fields_against_line_1(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("Ann,23,170\nBob,31\n", encoding="utf-8")
    with pytest.raises(DataError) as raised:
        read_csv_table(path, header=False)
    assert str(raised.value) == "short.csv: line 2 has 2 fields, line 1 has 3"


def test_without_a_header_a_file_of_another_kind_is_still_named(tmp_path: Path) -> None:
    path = tmp_path / "project.csv"
    path.write_text('{"version": 1,\n"data": 2}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"project\.csv: is JSON"):
        read_csv_table(path, header=False)
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"the file is empty \(expected data rows\)"):
        read_csv_table(tmp_path / "empty.csv", header=False)
