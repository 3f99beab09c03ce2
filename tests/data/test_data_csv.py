"""CSV loading: good files in every flavour and a clear message for every kind of bad file."""

from __future__ import annotations

import contextlib
import gzip
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import MAX_CLASSES, CsvTable, load_dataset, read_csv_table
from nnstudio.errors import DataError
from nnstudio.spec import CsvData


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


IRIS_LIKE = """sepal_length,sepal_width,species
5.1,3.5,setosa
4.9,3.0,setosa
7.0,3.2,versicolor
6.4,3.2,versicolor
6.3,3.3,virginica
5.8,2.7,virginica
"""


# ---- reading tables ----------------------------------------------------------------------------


def test_read_csv_table_reports_header_rows_lines_and_kinds(tmp_path: Path) -> None:
    path = write(tmp_path / "iris.csv", IRIS_LIKE)
    table = read_csv_table(path)
    assert table.header == ("sepal_length", "sepal_width", "species")
    assert table.n_rows == 6 and table.n_columns == 3
    assert table.rows[0] == ("5.1", "3.5", "setosa")
    assert table.line_numbers == (2, 3, 4, 5, 6, 7)
    assert table.kinds == ("numeric", "numeric", "text")
    assert table.numeric_columns() == ("sepal_length", "sepal_width")
    assert table.column("species")[2] == "versicolor"


def test_finite_numbers_leave_out_empty_and_non_finite_cells(tmp_path: Path) -> None:
    path = write(tmp_path / "gaps.csv", "a,b,c\n1,x,2\n,y,nan\n3,z,inf\n4.5,w,-1\n")
    table = read_csv_table(path)
    assert table.finite_numbers("a").tolist() == [1.0, 3.0, 4.5]
    assert table.finite_numbers("c").tolist() == [2.0, -1.0]
    assert table.finite_numbers("b").size == 0  # a text column has no numbers


def test_blank_lines_are_skipped_but_counted(tmp_path: Path) -> None:
    path = write(tmp_path / "gaps.csv", "a,b\n1,2\n\n3,4\n\n")
    table = read_csv_table(path)
    assert tuple(table.rows) == (("1", "2"), ("3", "4"))
    assert table.line_numbers == (2, 4)


def test_gzip_bom_spaces_and_semicolons_are_understood(tmp_path: Path) -> None:
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("\ufeff x ; y ; label \n1;2;a\n3;4;b\n")
    table = read_csv_table(path)
    assert table.header == ("x", "y", "label")
    assert table.rows[1] == ("3", "4", "b")


def test_quoted_multiline_cells_keep_line_numbers_right(tmp_path: Path) -> None:
    path = write(tmp_path / "quoted.csv", 'x,note\n1,"two\nlines"\n2,ok\nthree,ok\n')
    table = read_csv_table(path)
    assert table.line_numbers == (2, 4, 5)
    with pytest.raises(DataError, match=r"line 5, column 'x': 'three' is not a number"):
        load_dataset(CsvData(csv=str(path), target=("note",), task="classification"), tmp_path)


# ---- loading data sets ---------------------------------------------------------------------------


def test_classification_with_text_labels(tmp_path: Path) -> None:
    write(tmp_path / "iris.csv", IRIS_LIKE)
    spec = CsvData(csv="iris.csv", target=("species",), validation_fraction=0.0, standardize=False)
    data = load_dataset(spec, tmp_path)
    assert data.task == "classification"
    assert data.feature_names == ("sepal_length", "sepal_width")
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.n_train == 6 and data.n_outputs == 3
    # Every row keeps its label: look each input row up in the file.
    by_row = {(5.1, 3.5): "setosa", (7.0, 3.2): "versicolor", (5.8, 2.7): "virginica"}
    for x, label in zip(data.X_train, data.labels_train, strict=True):
        key = (float(x[0]), float(x[1]))
        if key in by_row:
            assert data.class_names[label] == by_row[key]
    assert data.standardization is None


def test_numeric_labels_are_ordered_numerically_and_named_as_text(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "x,digit\n0,10\n1,2\n2,2\n3,10\n4,1\n")
    data = load_dataset(CsvData(csv="d.csv", target=("digit",), validation_fraction=0), tmp_path)
    assert data.class_names == ("1", "2", "10")
    lookup = dict(zip(data.X_train[:, 0].tolist(), data.labels_train.tolist(), strict=True))
    assert lookup == {0.0: 2, 1.0: 1, 2.0: 1, 3.0: 2, 4.0: 0}


def test_integer_and_float_spellings_of_a_label_are_one_class(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", "x,y\n0,1\n1,1.0\n2,0\n")
    data = load_dataset(CsvData(csv="d.csv", target=("y",), validation_fraction=0), tmp_path)
    assert data.class_names == ("0", "1")


def test_regression_with_several_targets_and_chosen_features(tmp_path: Path) -> None:
    write(tmp_path / "r.csv", "a,b,c,t1,t2\n1,2,3,4,5\n2,3,4,5,6\n3,4,5,6,8\n4,5,6,7,9\n")
    spec = CsvData(
        csv="r.csv",
        target=("t2", "t1"),
        task="regression",
        features=("c", "a"),
        validation_fraction=0.25,
        seed=1,
    )
    data = load_dataset(spec, tmp_path)
    assert data.feature_names == ("c", "a")
    assert data.target_names == ("t2", "t1")
    assert data.n_train == 3 and data.n_val == 1
    X = np.vstack([data.X_train, data.X_val])
    Y = np.vstack([data.Y_train, data.Y_val])
    order = np.argsort(X[:, 1])
    np.testing.assert_array_equal(X[order], [[3, 1], [4, 2], [5, 3], [6, 4]])
    np.testing.assert_array_equal(Y[order], [[5, 4], [6, 5], [8, 6], [9, 7]])
    assert data.standardization is not None
    np.testing.assert_allclose(data.standardization.mean, data.X_train.mean(axis=0))


def test_absolute_paths_are_used_as_given(tmp_path: Path) -> None:
    path = write(tmp_path / "abs.csv", "x,y\n1,a\n2,b\n")
    data = load_dataset(CsvData(csv=str(path), target=("y",)), "/nonexistent")
    assert data.n_train + data.n_val == 2


# ---- bad files -----------------------------------------------------------------------------------


def load(tmp_path: Path, text: str, **kwargs) -> None:
    write(tmp_path / "bad.csv", text)
    spec = CsvData(csv="bad.csv", **{"target": ("y",), **kwargs})
    load_dataset(spec, tmp_path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        load_dataset(CsvData(csv="nope.csv", target=("y",)), tmp_path)


def test_folder_instead_of_file(tmp_path: Path) -> None:
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(DataError, match="is a folder"):
        read_csv_table(tmp_path / "folder.csv")


def test_unreadable_binary_and_broken_gzip(tmp_path: Path) -> None:
    (tmp_path / "bin.csv").write_bytes(b"x,y\n\xff\xfe\x00\x81,1\n")
    with pytest.raises(DataError, match=r"bin\.csv: is not a UTF-8 text file"):
        read_csv_table(tmp_path / "bin.csv")
    (tmp_path / "broken.csv.gz").write_bytes(b"this is not gzip")
    with pytest.raises(DataError, match=r"broken\.csv\.gz: is not a valid gzip file"):
        read_csv_table(tmp_path / "broken.csv.gz")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (
            b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(128, 256)),
            "is a zip archive (an Excel .xlsx workbook?), not CSV text; save the sheet as CSV",
        ),
        ("x,y\n1,2\n".encode("utf-16"), "is UTF-16 text; save it as UTF-8 CSV"),
        (
            "x,y\n1,2\n".encode("utf-16-be"),
            "line 1 (the header) holds NUL characters: the file is binary or UTF-16 text",
        ),
        (b"\xfe\xff" + "x,y\n1,2\n".encode("utf-16-be"), "is UTF-16 text; save it as UTF-8 CSV"),
    ],
)
def test_files_of_other_kinds_are_named(tmp_path: Path, content: bytes, kind: str) -> None:
    (tmp_path / "data.csv").write_bytes(content)
    with pytest.raises(DataError) as info:
        read_csv_table(tmp_path / "data.csv")
    assert str(info.value).startswith(f"data.csv: {kind}")


@pytest.mark.parametrize(
    "text", ['{\n  "nnstudio": 1,\n  "name": "x"\n}\n', '[{"a": 1}, {"a": 2}]\n']
)
def test_json_is_not_taken_for_csv(tmp_path: Path, text: str) -> None:
    (tmp_path / "data.csv").write_text(text)
    with pytest.raises(DataError) as info:
        read_csv_table(tmp_path / "data.csv")
    assert str(info.value) == (
        f"data.csv: is JSON (it starts with {text[0]!r}), not CSV data; a project (.nnproj) or "
        "weights file?"
    )


def test_a_first_line_without_end_is_not_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Like /dev/zero: NUL bytes are valid UTF-8 and hold no line break.
    monkeypatch.setattr("nnstudio.data.csv.MAX_FIRST_LINE", 1000)
    (tmp_path / "zeros.csv").write_bytes(b"\x00" * 5000)
    with pytest.raises(DataError) as info:
        read_csv_table(tmp_path / "zeros.csv")
    assert str(info.value) == (
        "zeros.csv: line 1 runs past 1,000 characters without a line break; this is not CSV text"
    )
    (tmp_path / "wide.csv").write_text(
        ",".join(f"c{i}" for i in range(200)) + "\n" + "1," * 199 + "1\n"
    )
    assert read_csv_table(tmp_path / "wide.csv").n_columns == 200


def test_a_short_row_from_an_open_quote_names_the_quote(tmp_path: Path) -> None:
    # The quote on line 3 swallows lines 3 to 5 into one cell: the row then seems to have
    # one field, and the message said only that.
    path = write(tmp_path / "quote.csv", 'a,b,y\n1,2,0\n"1,2,0\n0.0,0.0,0\n0.1,0.3,1\n')
    with pytest.raises(DataError) as info:
        read_csv_table(path)
    assert str(info.value) == (
        "quote.csv: line 3 has 1 field, the header has 3: a quoted cell runs from line 3 to "
        "line 5 (is a closing quote missing?)"
    )
    # A row that is simply short says only that.
    with pytest.raises(DataError) as info:
        read_csv_table(write(tmp_path / "short.csv", "a,b,y\n1,2,0\n1,2\n"))
    assert str(info.value) == "short.csv: line 3 has 2 fields, the header has 3"


def test_an_open_quote_is_reported_at_its_line(tmp_path: Path) -> None:
    rows = "1,2\n" * 50_000
    (tmp_path / "quote.csv").write_text('x,y\n1,2\n3,"4\n' + rows)
    with pytest.raises(DataError) as info:
        read_csv_table(tmp_path / "quote.csv")
    assert str(info.value) == (
        "quote.csv: line 3: a cell is longer than 131,072 characters (is a quote left open?)"
    )


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"bad\.csv: the file is empty"):
        load(tmp_path, "")
    with pytest.raises(DataError, match="the file is empty"):
        load(tmp_path, "\n\n  \n")


def test_no_header(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"line 1 looks like data \(1, 2, 3\).*header"):
        load(tmp_path, "1,2,3\n4,5,6\n")


def test_empty_header_name(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"line 1 \(the header\) has an empty name in column 2"):
        load(tmp_path, "x,,y\n1,2,3\n")


def test_duplicate_header_names(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"column 'x' twice \(columns 1 and 3\)"):
        load(tmp_path, "x,y,x\n1,2,3\n")


def test_ragged_rows(tmp_path: Path) -> None:
    text = "a,b,c,d,y\n" + "1,2,3,4,0\n" * 5 + "1,2,3\n"
    with pytest.raises(DataError, match=r"bad\.csv: line 7 has 3 fields, the header has 5"):
        load(tmp_path, text)
    with pytest.raises(DataError, match=r"line 2 has 6 fields, the header has 5"):
        load(tmp_path, "a,b,c,d,y\n1,2,3,4,5,6\n")


def test_missing_target_column_lists_available_columns(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"target column 'y' not found; available columns: a, b, label"
    ):
        load(tmp_path, "a,b,label\n1,2,x\n3,4,z\n")


def test_missing_feature_column_lists_available_columns(tmp_path: Path) -> None:
    with pytest.raises(
        DataError, match=r"feature column 'c' not found; available columns: a, b, y"
    ):
        load(tmp_path, "a,b,y\n1,2,x\n3,4,z\n", features=("a", "c"))


def test_text_in_a_numeric_input_column(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i / 10},s\n" for i in range(10))
    text = "sepal,petal_width,y\n" + rows + "3,abc,t\n"
    with pytest.raises(DataError, match=r"line 12, column 'petal_width': 'abc' is not a number"):
        load(tmp_path, text)
    # A typo among numbers is to be corrected; the column is not one of words.
    with pytest.raises(DataError, match=r"\(the rest of the column is numbers: correct this cell"):
        load(tmp_path, text)


def test_a_typo_in_a_regression_target_asks_for_the_cell_to_be_corrected(tmp_path: Path) -> None:
    text = "x,y\n" + "".join(f"{i},{i * 2}\n" for i in range(8)) + "9,1o\n"
    with pytest.raises(DataError, match=r"line 10, column 'y': '1o' is not a number \(the rest"):
        load(tmp_path, text, task="regression")


def test_text_column_as_input_suggests_leaving_it_out(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"'red' is not a number \(text columns cannot be inputs"):
        load(tmp_path, "x,colour,y\n1,red,a\n2,blue,b\n")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("nan", r"line 3, column 'x': 'nan' is not a finite number"),
        ("inf", r"line 3, column 'x': 'inf' is not a finite number"),
        ("-Infinity", r"line 3, column 'x': '-Infinity' is not a finite number"),
        ("", r"line 3, column 'x' is empty"),
    ],
)
def test_missing_or_non_finite_inputs(tmp_path: Path, cell: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load(tmp_path, f"x,y\n1,a\n{cell},b\n2,a\n")


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("nan", r"line 4, column 'y': 'nan' is not a finite number"),
        ("", r"line 4, column 'y' is empty"),
        ("cheap", r"line 4, column 'y': 'cheap' is not a number"),
    ],
)
def test_bad_regression_targets(tmp_path: Path, cell: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load(tmp_path, f"x,y\n1,1.5\n2,2.5\n3,{cell}\n", task="regression")


def test_empty_class_label(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"line 3, column 'y' is empty.*class label"):
        load(tmp_path, "x,y\n1,a\n2,\n3,b\n")


def test_one_class_only(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"column 'y' has only one class \('cat'\)"):
        load(tmp_path, "x,y\n1,cat\n2,cat\n3,cat\n")


def test_fewer_than_two_rows(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"bad\.csv: has 1 data row; training needs at least 2"):
        load(tmp_path, "x,y\n1,a\n")
    with pytest.raises(DataError, match=r"has 0 data rows"):
        load(tmp_path, "x,y\n")


def test_too_many_classes_suggests_regression(tmp_path: Path) -> None:
    rows = "".join(f"{i},{i * 1.5}\n" for i in range(MAX_CLASSES + 5))
    with pytest.raises(DataError, match=r"column 'y' has 1005 distinct values.*regression"):
        load(tmp_path, "x,y\n" + rows)


def test_every_column_a_target_leaves_no_inputs(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no input columns"):
        load(tmp_path, "y\n1\n2\n", task="regression")


# ---- large files -------------------------------------------------------------------------------


def test_a_late_text_cell_turns_a_numeric_column_into_text(tmp_path: Path) -> None:
    rows = [f"{i},{i % 3}" for i in range(6000)]
    rows[5500] = "oops,1"
    write(tmp_path / "big.csv", "x,y\n" + "\n".join(rows) + "\n")
    table = read_csv_table(tmp_path / "big.csv")
    assert table.n_rows == 6000
    assert table.kinds == ("text", "numeric")
    # Cells read before the text appeared keep their values.
    assert table.column("x")[:3] == ["0", "1", "2"] and table.column("x")[5500] == "oops"
    with pytest.raises(DataError, match=r"line 5502, column 'x': 'oops' is not a number"):
        load_dataset(CsvData(csv="big.csv", target=("y",)), tmp_path)


def test_late_empty_and_non_finite_cells_are_found(tmp_path: Path) -> None:
    rows = [f"{i},{i % 2}" for i in range(5000)]
    rows[4999] = ",1"
    write(tmp_path / "gap.csv", "x,y\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"line 5001, column 'x' is empty"):
        load_dataset(CsvData(csv="gap.csv", target=("y",)), tmp_path)
    rows[4999] = "-inf,1"
    write(tmp_path / "inf.csv", "x,y\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"line 5001, column 'x': '-inf' is not a finite number"):
        load_dataset(CsvData(csv="inf.csv", target=("y",)), tmp_path)


def test_rows_beyond_the_verbatim_limit_are_reformatted_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nnstudio.data.csv as csv_module

    monkeypatch.setattr(csv_module, "VERBATIM_CELLS", 4)
    write(tmp_path / "t.csv", "x,label\n1.50,a\n2,b\n3.250,c\n 7 ,d\nnan,e\n,f\n")
    table = read_csv_table(tmp_path / "t.csv")
    # The first two rows (4 cells) are verbatim; later numbers are re-formatted.
    assert table.rows[0] == ("1.50", "a")
    assert table.rows[2] == ("3.25", "c")
    assert table.rows[-1] == ("", "f")
    assert table.rows[1:4] == (("2", "b"), ("3.25", "c"), ("7", "d"))
    assert table.column("x") == ["1.50", "2", "3.25", "7", "nan", ""]
    assert [row[1] for row in table.rows] == ["a", "b", "c", "d", "e", "f"]
    assert len(table.rows) == 6
    with pytest.raises(IndexError):
        table.rows[6]


def test_numeric_labels_from_a_large_file_keep_their_order(tmp_path: Path) -> None:
    rows = [f"{i},{(i * 7) % 12}" for i in range(9000)]
    write(tmp_path / "many.csv", "x,label\n" + "\n".join(rows) + "\n")
    data = load_dataset(
        CsvData(csv="many.csv", target=("label",), validation_fraction=0.0), tmp_path
    )
    assert data.class_names == tuple(str(i) for i in range(12))
    expected = (data.X_train[:, 0].astype(int) * 7) % 12
    np.testing.assert_array_equal(data.labels_train, expected)


def test_decimal_commas_get_a_hint(tmp_path: Path) -> None:
    # Read with a decimal point: quoted between commas, or as the project says.
    with pytest.raises(DataError, match=r"line 3, column 'x': '2,5' is not a number \(write"):
        load(tmp_path, 'x,y\n1,a\n"2,5",b\n')
    with pytest.raises(DataError, match=r"line 3, column 'x': '2,5' is not a number \(write"):
        load(tmp_path, "x;y\n1;a\n2,5;b\n", decimal_comma=False)


def test_text_regression_target_suggests_classification(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"'big' is not a number \(regression targets must be"):
        load(tmp_path, "x,y\n1,big\n2,small\n", task="regression")


def test_digit_separators_are_not_numbers(tmp_path: Path) -> None:
    # float() reads "1_000" as 1000 and "١٢" as 12; a spreadsheet never writes either.
    rows = "".join(f"{i},{i % 2}\n" for i in range(20))
    with pytest.raises(DataError, match=r"line 22, column 'x': '1_000' is not a number \(write"):
        load(tmp_path, "x,y\n" + rows + "1_000,1\n", task="regression")
    with pytest.raises(DataError, match=r"line 3, column 'x': '١٢' is not a number"):
        load(tmp_path, "x,y\n1,0\n١٢,1\n", task="regression")
    table = read_csv_table(write(tmp_path / "sep.csv", "x,y\n1_000,0\n2,1\n"))
    assert table.kinds == ("text", "numeric")


def test_gzip_file_named_csv_is_read_as_gzip(tmp_path: Path) -> None:
    path = tmp_path / "packed.csv"
    path.write_bytes(gzip.compress(IRIS_LIKE.encode("utf-8")))
    table = read_csv_table(path)
    assert table.header == ("sepal_length", "sepal_width", "species")
    assert table.rows[0] == ("5.1", "3.5", "setosa")


def _read_through_a_named_pipe(folder: Path, data: bytes, name: str) -> CsvTable:
    """``read_csv_table`` of a FIFO that a thread fills with ``data``.

    A reader that opened the FIFO a second time would wait for a writer forever: after a
    timeout the test opens the other end itself, so the read ends and the test fails.
    """
    fifo = folder / name
    os.mkfifo(fifo)

    def write() -> None:
        # A reader that stops at a bad row or a short read closes its end early.
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    result: list[CsvTable | BaseException] = []

    def read() -> None:
        try:
            result.append(read_csv_table(fifo))
        except BaseException as error:  # handed to the test thread
            result.append(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=30)
        pytest.fail(f"reading {name} did not finish: the reader waited for a second writer")
    writer.join(timeout=30)
    if isinstance(result[0], BaseException):
        raise result[0]
    return result[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need mkfifo")
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_a_named_pipe_reads_like_the_file(tmp_path: Path, compressed: bool) -> None:
    # A byte-order mark, semicolons and CRLF line ends test the first line's look-ahead;
    # 20,000 rows span several pipe buffers and reading chunks.
    rows = [f"{i};{i * 0.5};{'ab'[i % 2]}" for i in range(20_000)]
    text = "\ufeffa;b;label\r\n" + "\r\n".join(rows) + "\r\n"
    data = text.encode("utf-8")
    if compressed:
        data = gzip.compress(data)
    (tmp_path / "file.csv").write_bytes(data)
    expected = read_csv_table(tmp_path / "file.csv")
    table = _read_through_a_named_pipe(tmp_path, data, "pipe.csv")
    assert table.header == expected.header == ("a", "b", "label")
    assert table.line_numbers == expected.line_numbers
    assert table.kinds == expected.kinds
    assert table.rows[:3] == expected.rows[:3]
    np.testing.assert_array_equal(
        table.to_floats(("a", "b"), role="input"), expected.to_floats(("a", "b"), role="input")
    )
    assert table.column("label") == expected.column("label")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need mkfifo")
def test_a_named_pipe_reports_problems_like_a_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"pipe\.csv: line 3 has 1 field, the header has 2"):
        _read_through_a_named_pipe(tmp_path, b"a,b\n1,2\n3\n", "pipe.csv")
    with pytest.raises(DataError, match=r"empty\.csv: the file is empty"):
        _read_through_a_named_pipe(tmp_path, b"", "empty.csv")
    with pytest.raises(DataError, match=r"cut\.csv\.gz: is not a valid gzip file"):
        _read_through_a_named_pipe(tmp_path, gzip.compress(IRIS_LIKE.encode())[:30], "cut.csv.gz")


def test_web_page_saved_as_csv_is_named_as_such(tmp_path: Path) -> None:
    write(tmp_path / "page.csv", "<!DOCTYPE html>\n<html><body>404 Not Found</body></html>\n")
    with pytest.raises(DataError, match=r"page\.csv: is a web page \(HTML\), not CSV data"):
        read_csv_table(tmp_path / "page.csv")


def test_numbers_beyond_float32_are_named_with_line_and_column(tmp_path: Path) -> None:
    from nnstudio.data import float32_problem

    text = "a,b,y\n1,2,0\n3,4e39,1\n5,-1e300,0\n"
    table = read_csv_table(write(tmp_path / "big.csv", text))
    problem = float32_problem(table, ("a", "b"))
    assert problem is not None
    assert problem.startswith("big.csv: line 3, column 'b': 4e39 is too large for float32")
    assert "choose float64" in problem
    assert float32_problem(table, ("a", "y")) is None
    assert table.first_beyond(("a", "b"), 1e100) == (4, "b", "-1e300")


# ---- files of plain numbers: one C pass, the same table ----------------------------------------


def careful_table(path: Path, monkeypatch: pytest.MonkeyPatch) -> CsvTable:
    """The table the row-by-row reader makes (the fast path switched off)."""
    from nnstudio.data import csv as csv_module

    with monkeypatch.context() as patch:
        patch.setattr(csv_module, "FAST_READ_LIMIT", 0)
        return read_csv_table(path)


def assert_same_table(fast: CsvTable, careful: CsvTable) -> None:
    assert fast.header == careful.header
    assert fast.line_numbers == careful.line_numbers
    assert fast.kinds == careful.kinds
    assert list(fast.rows) == list(careful.rows)
    numeric = careful.numeric_columns()
    if numeric and careful.n_rows:
        try:
            expected = careful.to_floats(numeric, role="input")
        except DataError as error:  # an empty or non-finite cell: the same message
            with pytest.raises(DataError) as raised:
                fast.to_floats(numeric, role="input")
            assert str(raised.value) == str(error)
        else:
            np.testing.assert_array_equal(fast.to_floats(numeric, role="input"), expected)


@pytest.mark.parametrize(
    "text",
    [
        "a,b,label\n1,2.5,0\n-3e2,.5,1\n7,+8,0\n",  # the fast path
        "a;b;label\r\n1;2;0\r\n3;4;1\r\n",  # semicolons, Windows line ends: fast too
        "a\tb\tlabel\n 1 \t 2\t0\n3\t4\t1",  # tabs, spaces, no final line break
        "a,b,label\n1,2,0\n\n3,4,1\n",  # a blank line: line numbers must skip it
        "a,b,label\n1,2,0\n   \n3,4,1\n",  # a line of spaces
        'a,b,label\n"1",2,0\n3,4,1\n',  # a quoted number
        "a,b,label\n1,,0\n3,4,1\n",  # an empty cell
        "a,b,label\nnan,2,0\n3,-Infinity,1\n",  # non-finite numbers keep their text
        "a,b,label\n1_000,2,0\n3,4,1\n",  # a digit separator (refused as a number)
        "a,b,label\n1,2,x\n3,4,y\n",  # a column of words
        "a,b,label\n1,2,0\n",  # one data row
        "a,b,label\n1,+2,0\n-3,40,1\n",  # whole numbers: parsed as integers
        "a,b,label\n9007199254740993,2,0\n-12,4,1\n",  # rounds to float64 as a float parse
        "a,b,label\n99999999999999999999,2,0\n3,4,1\n",  # beyond int64: the float parse
    ],
)
def test_plain_numbers_read_fast_make_the_same_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    assert_same_table(read_csv_table(path), careful_table(path, monkeypatch))


def test_whole_numbers_read_fast_are_the_numbers_a_float_parse_gives(tmp_path: Path) -> None:
    path = tmp_path / "counts.csv"
    path.write_text("a,b,label\n-0,7,0\n0,-7,1\n12,9007199254740993,2\n", encoding="utf-8")
    table = read_csv_table(path)
    values = table.to_floats(("a", "b", "label"), role="input")
    expected = np.array([[-0.0, 7, 0], [0, -7, 1], [12, float("9007199254740993"), 2]])
    np.testing.assert_array_equal(values, expected)
    # The sign of a negative zero is kept (an integer parse would drop it).
    assert np.signbit(values[0, 0]) and not np.signbit(values[1, 0])


@pytest.mark.parametrize("separator", ["\x0b", "\x0c", "\x1c", "\x1d", "\x1e"])
def test_control_characters_that_python_splits_lines_at_are_no_line_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, separator: str
) -> None:
    # str.splitlines() breaks lines there; a CSV reader does not, so the row is one record.
    path = tmp_path / "data.csv"
    path.write_bytes(f"a,b,label\n1,2,0{separator}3,4,1\n5,6,0\n".encode())
    with pytest.raises(DataError) as careful:
        careful_table(path, monkeypatch)
    assert "line 2 has 5 fields, the header has 3" in str(careful.value)
    with pytest.raises(DataError) as fast:
        read_csv_table(path)
    assert str(fast.value) == str(careful.value)


def test_the_fast_path_reads_plain_numbers_and_gzip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nnstudio.data import csv as csv_module

    rng = np.random.default_rng(0)
    values = rng.integers(0, 256, size=(300, 17))
    text = "\n".join(
        [",".join(f"pixel{i}" for i in range(16)) + ",label"]
        + [",".join(str(v) for v in row) for row in values]
    )
    path = tmp_path / "pixels.csv.gz"
    path.write_bytes(gzip.compress(text.encode("utf-8")))
    calls = []
    real = csv_module._read_plain_numbers

    def counting(*args):
        table = real(*args)
        calls.append(table is not None)
        return table

    monkeypatch.setattr(csv_module, "_read_plain_numbers", counting)
    fast = read_csv_table(path)
    assert calls == [True]
    np.testing.assert_array_equal(fast.to_floats(fast.header, role="input"), values)
    assert_same_table(fast, careful_table(path, monkeypatch))
    # A header the careful reader refuses is refused alike.
    bad = tmp_path / "numbers.csv"
    bad.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    with pytest.raises(DataError, match="header"):
        read_csv_table(bad)


def test_numbers_read_fast_are_shared_read_only(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b,c,label\n1,2,3,0\n4,5,6,1\n", encoding="utf-8")
    table = read_csv_table(path)
    inputs = table.to_floats(("a", "b", "c"), role="input")
    np.testing.assert_array_equal(inputs, [[1, 2, 3], [4, 5, 6]])
    # A view of the table's numbers: nobody may write into the table through it.
    assert not inputs.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        inputs[0, 0] = 9.0
    # Columns out of order are gathered.
    np.testing.assert_array_equal(table.to_floats(("c", "a"), role="input"), [[3, 1], [6, 4]])
    with pytest.raises(DataError, match="there is no column 'd'"):
        table.to_floats(("d",), role="input")
