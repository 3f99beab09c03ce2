"""CSV files whose header leaves the first column unnamed: pandas' ``DataFrame.to_csv``
writes its index so (",sepal,petal,species" over "0,5.1,1.4,setosa"). They used to be
refused ("line 1 (the header) has an empty name in column 1")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import load_dataset, read_csv_table
from nnstudio.data.csv import UNNAMED_FIRST_COLUMN, first_line_refusal
from nnstudio.errors import DataError
from nnstudio.spec import CsvData

PANDAS_IRIS = (
    ",sepal,petal,species\n"
    "0,5.1,1.4,setosa\n"
    "1,4.9,1.3,setosa\n"
    "2,6.3,4.9,virginica\n"
    "3,5.8,5.1,virginica\n"
    "4,5.0,1.5,setosa\n"
    "5,6.7,5.2,virginica\n"
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("header", [None, True])
def test_an_unnamed_first_column_is_named_and_the_header_kept(tmp_path, header) -> None:
    table = read_csv_table(write(tmp_path, "iris.csv", PANDAS_IRIS), header=header)
    assert table.header == (UNNAMED_FIRST_COLUMN, "sepal", "petal", "species")
    assert table.has_header and table.unnamed_first
    assert table.n_rows == 6
    assert table.kinds == ("numeric", "numeric", "numeric", "text")
    assert first_line_refusal(table) is None  # the guess reads it the same way


def test_numbers_only_files_name_it_too(tmp_path) -> None:
    # The all-numbers reader takes another path through the file.
    table = read_csv_table(write(tmp_path, "xy.csv", ",x,y\n0,1.5,2\n1,2.5,3\n2,0.5,1\n"))
    assert table.header == (UNNAMED_FIRST_COLUMN, "x", "y") and table.unnamed_first
    np.testing.assert_array_equal(table.finite_numbers("y"), [2.0, 3.0, 1.0])


def test_a_taken_name_is_not_given_twice(tmp_path) -> None:
    table = read_csv_table(write(tmp_path, "t.csv", ",column 1,y\n0,1.5,2\n1,2.5,3\n"))
    assert table.header == (f"({UNNAMED_FIRST_COLUMN})", "column 1", "y")


def test_a_headerless_file_whose_first_cell_is_missing_still_reads_as_data(tmp_path) -> None:
    # The unnamed column says nothing; the rest of the line is numbers like those below.
    path = write(tmp_path, "m.csv", ",3.5,1.4,setosa\n1,3.0,1.3,setosa\n2,3.2,4.9,virginica\n")
    with pytest.raises(DataError, match="looks like data"):
        read_csv_table(path, header=None)
    table = read_csv_table(path, header=False)
    assert table.n_rows == 3 and not table.unnamed_first


@pytest.mark.parametrize("text", ["Ann,,170\nBob,31,180\n", "x,,y\n1,2,3\n", ",,y\n1,2,3\n"])
def test_other_empty_names_are_still_refused(tmp_path, text) -> None:
    with pytest.raises(DataError, match=r"line 1 \(the header\) has an empty name in column"):
        read_csv_table(write(tmp_path, "e.csv", text), header=True)


def test_a_project_trains_on_the_named_columns_without_the_index(tmp_path) -> None:
    write(tmp_path, "iris.csv", PANDAS_IRIS)
    spec = CsvData(csv="iris.csv", target=("species",), features=("sepal", "petal"))
    dataset = load_dataset(spec, tmp_path)
    assert dataset.feature_names == ("sepal", "petal")
    assert dataset.X_train.shape[0] + dataset.X_val.shape[0] == 6
    # Named as the reader names it, the index can be read as well: a project saved so reloads.
    spec = CsvData(csv="iris.csv", target=("species",), features=(UNNAMED_FIRST_COLUMN, "sepal"))
    assert load_dataset(spec, tmp_path).feature_names == (UNNAMED_FIRST_COLUMN, "sepal")
