"""Files with decimal commas (semicolons between cells, "0,346"), as spreadsheets write them
in many languages, are read: guessed, or as the data source says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import load_dataset, read_csv_table
from nnstudio.data.csv import FirstLineLooksLikeData
from nnstudio.errors import DataError, SpecError
from nnstudio.spec import CsvData, Project

EURO = "a;b;label;c\n0,346;0,822;yes;0,330\n-1,303;0,905;no;0,446\n-0,537;1;yes;2,5E-01\n"


def write(folder: Path, text: str, name: str = "euro.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("separator", [";", "\t"])
def test_semicolons_or_tabs_with_decimal_commas_are_read(tmp_path: Path, separator) -> None:
    table = read_csv_table(write(tmp_path, EURO.replace(";", separator)))
    assert table.decimal_comma and table.delimiter == separator
    assert table.kinds == ("numeric", "numeric", "text", "numeric")
    # Shown as written, read as numbers.
    assert table.rows[0] == ("0,346", "0,822", "yes", "0,330")
    np.testing.assert_array_equal(
        table.to_floats(["a", "c"], role="input"), [[0.346, 0.330], [-1.303, 0.446], [-0.537, 0.25]]
    )


def test_the_project_loads_them(tmp_path: Path) -> None:
    write(tmp_path, EURO)
    spec = CsvData(csv="euro.csv", target=("label",), validation_fraction=0.0)
    dataset = load_dataset(spec, tmp_path)
    assert sorted(dataset.X_train[:, 0].tolist()) == [-1.303, -0.537, 0.346]


def test_commas_between_cells_are_no_decimal_commas(tmp_path: Path) -> None:
    table = read_csv_table(write(tmp_path, 'a,label\n"0,5",x\n"1,5",y\n'))
    assert not table.decimal_comma and table.kinds == ("text", "text")


def test_a_number_with_a_point_means_the_file_has_decimal_points(tmp_path: Path) -> None:
    # One decimal mark throughout: "1.5" says commas are something else.
    table = read_csv_table(write(tmp_path, "a;b;label\n0,5;1.5;x\n1,5;2;y\n"))
    assert not table.decimal_comma and table.kinds == ("text", "numeric", "text")
    table = read_csv_table(write(tmp_path, "a;b;label\n0,5;x 1.5;x\n1,5;1.5;y\n"))
    assert not table.decimal_comma


def test_the_data_source_can_say_so(tmp_path: Path) -> None:
    write(tmp_path, "a;b;label\n0,5;1.5;x\n1,5;2;y\n2,5;3;x\n")
    # Said: the point is refused, with what to write.
    with pytest.raises(DataError) as info:
        load_dataset(CsvData(csv="euro.csv", target=("label",), decimal_comma=True), tmp_path)
    assert str(info.value) == (
        "euro.csv: line 2, column 'b': '1.5' is not a number (numbers are read with a decimal "
        "comma here, as in 0,5: write 1,5, or read the file with a decimal point)"
    )
    # Said otherwise: no comma is a decimal mark, even where the guess would read one.
    write(tmp_path, EURO)
    with pytest.raises(DataError, match=r"'0,346' is not a number \(write decimals with a point"):
        load_dataset(CsvData(csv="euro.csv", target=("label",), decimal_comma=False), tmp_path)


def test_points_grouping_thousands_are_named(tmp_path: Path) -> None:
    write(tmp_path, "a;label\n1.234,5;x\n2,5;y\n")
    with pytest.raises(DataError, match=r"looks like a thousands separator: write 1234,5, without"):
        load_dataset(CsvData(csv="euro.csv", target=("label",), decimal_comma=True), tmp_path)


def test_a_file_of_whole_numbers_reads_alike(tmp_path: Path) -> None:
    path = write(tmp_path, "a;b;label\n1;2;0\n3;4;1\n")
    stated = read_csv_table(path, decimal_comma=True)
    assert stated.decimal_comma and stated.to_floats(["a", "b"], role="input").tolist() == [
        [1.0, 2.0],
        [3.0, 4.0],
    ]
    assert not read_csv_table(path).decimal_comma


def test_a_first_line_of_decimal_commas_is_data(tmp_path: Path) -> None:
    path = write(tmp_path, "0,346;0,822;yes\n-1,303;0,905;no\n")
    with pytest.raises(FirstLineLooksLikeData, match=r"'0,346' is a number like those"):
        read_csv_table(path)
    table = read_csv_table(path, header=False)
    assert table.decimal_comma and table.n_rows == 2


def test_decimal_comma_is_saved_with_the_data_source() -> None:
    document = {
        "nnstudio": 1,
        "data": {"csv": "e.csv", "target": ["label"], "decimal_comma": True},
        "network": {"inputs": 3, "layers": [{"units": 2, "activation": "softmax"}]},
        "loss": "categorical_crossentropy",
    }
    project = Project.from_dict(document)
    assert project.data == CsvData(csv="e.csv", target=("label",), decimal_comma=True)
    assert project.to_dict()["data"]["decimal_comma"] is True
    guessed = Project.from_dict({**document, "data": {"csv": "e.csv", "target": ["label"]}})
    assert "decimal_comma" not in guessed.to_dict()["data"]
    with pytest.raises(SpecError, match=r"data\.decimal_comma: expected true"):
        Project.from_dict({**document, "data": {**document["data"], "decimal_comma": "yes"}})


def test_commas_that_could_group_thousands_are_not_guessed(tmp_path: Path) -> None:
    # "1,303" between semicolons: 1.303 or 1303? Not guessed, and both are named.
    write(tmp_path, "sqft;label\n1,303;x\n2,500;y\n12,750;x\n")
    assert not read_csv_table(tmp_path / "euro.csv").decimal_comma
    with pytest.raises(DataError) as info:
        load_dataset(CsvData(csv="euro.csv", target=("label",)), tmp_path)
    assert str(info.value) == (
        "euro.csv: line 2, column 'sqft': '1,303' is not a number (the comma looks like a "
        "thousands separator: write 1303, without commas; if it is a decimal comma, read the "
        "file with a decimal comma)"
    )
    # Said, they are decimals.
    spec = CsvData(csv="euro.csv", target=("label",), decimal_comma=True, validation_fraction=0)
    assert sorted(load_dataset(spec, tmp_path).X_train[:, 0].tolist()) == [1.303, 2.5, 12.75]
