"""Missing values (empty, NA, nan, ...) are counted all at once, and rows with them can be
skipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import MissingValues, load_dataset, read_csv_table
from nnstudio.errors import DataError
from nnstudio.spec import CsvData, Project

#: Four rows with a missing value, in three columns, written four ways.
ROWS = [f"{i / 10:.1f},{(i % 7) / 10:.1f},{'neg' if i % 2 else 'pos'}" for i in range(1, 31)]
ROWS[4] = ",0.2,neg"  # line 6
ROWS[9] = "NA,0.3,pos"  # line 11
ROWS[14] = "1.5,nan,neg"  # line 16
ROWS[19] = "2.0,0.1,"  # line 21
MISSING = "x1,x2,label\n" + "\n".join(ROWS) + "\n"


def write(folder: Path, text: str = MISSING, name: str = "missing.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_missing_value_is_reported_at_once(tmp_path: Path) -> None:
    write(tmp_path)
    with pytest.raises(MissingValues) as info:
        load_dataset(CsvData(csv="missing.csv", target=("label",)), tmp_path)
    assert str(info.value) == (
        "missing.csv: 4 rows have missing values (empty, 'NA' or 'nan'): lines 6, 11, 16 and "
        "21. Column 'x1' has 2 (lines 6 and 11), 'x2' 1 (line 16), 'label' 1 (line 21). "
        "Fill them in, or remove those rows"
    )
    assert info.value.lines == (6, 11, 16, 21)
    assert info.value.columns == ("x1", "x2", "label")


def test_na_among_numbers_is_a_missing_value_not_text(tmp_path: Path) -> None:
    table = read_csv_table(write(tmp_path))
    assert table.kinds == ("numeric", "numeric", "text")
    # Shown as written.
    assert table.rows[9] == ("NA", "0.3", "pos")
    assert table.column("x1")[9] == "NA"


def test_many_missing_values_name_the_first_lines(tmp_path: Path) -> None:
    rows = [f"{'' if i % 3 == 0 else i},{i % 2}" for i in range(3000)]
    write(tmp_path, "x,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(MissingValues) as info:
        load_dataset(CsvData(csv="missing.csv", target=("label",)), tmp_path)
    assert str(info.value) == (
        "missing.csv: 1,000 rows have missing values (empty): lines 2, 5, 8, 11, 14 and 995 "
        "more. Column 'x' has 1,000 (lines 2, 5, 8 and 997 more). Fill them in, or remove "
        "those rows"
    )


def test_two_missing_values_in_one_row(tmp_path: Path) -> None:
    write(tmp_path, "a,b,label\n1,2,x\n,?,y\n5,6,x\n7,8,y\n")
    with pytest.raises(MissingValues, match=r"line 3 has 2 missing values \(empty or '\?'\), "):
        load_dataset(CsvData(csv="missing.csv", target=("label",)), tmp_path)


def test_one_missing_word_is_named_like_any_other_bad_cell(tmp_path: Path) -> None:
    write(tmp_path, "a,b,label\n1,2,x\nN/A,4,y\n5,6,x\n7,8,y\n")
    with pytest.raises(MissingValues) as info:
        load_dataset(CsvData(csv="missing.csv", target=("label",)), tmp_path)
    assert str(info.value) == (
        "missing.csv: line 3, column 'a': 'N/A' stands for a missing value (every input value "
        "must be given)"
    )


def test_skipping_rows_with_missing_values(tmp_path: Path) -> None:
    write(tmp_path)
    spec = CsvData(csv="missing.csv", target=("label",), skip_missing=True, validation_fraction=0)
    dataset = load_dataset(spec, tmp_path)
    assert dataset.n_train == 26 and dataset.skipped_rows == 4
    assert dataset.skipped_lines == (6, 11, 16, 21)
    assert np.isfinite(dataset.X_train).all()
    kept = sorted(dataset.X_train[:, 0].tolist())
    assert 0.5 not in kept and 1.5 not in kept and 2.0 not in kept


def test_only_the_columns_used_count(tmp_path: Path) -> None:
    write(tmp_path)
    spec = CsvData(csv="missing.csv", target=("label",), features=("x2",), skip_missing=True)
    dataset = load_dataset(spec, tmp_path)
    # x1's missing values do not matter when x1 is not an input.
    assert dataset.skipped_rows == 2 and dataset.skipped_lines == (16, 21)


def test_skipping_keeps_other_problems(tmp_path: Path) -> None:
    write(tmp_path, "a,b,label\n1,2,x\n,4,y\n5,inf,x\n7,8,y\n")
    spec = CsvData(csv="missing.csv", target=("label",), skip_missing=True)
    with pytest.raises(DataError, match=r"line 4, column 'b': 'inf' is not a finite number"):
        load_dataset(spec, tmp_path)


def test_skipping_every_row_but_one_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a,label\n1,x\n,y\nNA,x\n")
    spec = CsvData(csv="missing.csv", target=("label",), skip_missing=True)
    with pytest.raises(DataError, match=r"2 rows of 3 have missing values, which leaves 1; "):
        load_dataset(spec, tmp_path)


def test_a_class_named_na_is_a_class(tmp_path: Path) -> None:
    # North America: in a column of words, NA is a label, not a missing one.
    write(tmp_path, "a,region\n1,NA\n2,EU\n3,NA\n4,EU\n")
    dataset = load_dataset(CsvData(csv="missing.csv", target=("region",)), tmp_path)
    assert dataset.class_names == ("EU", "NA")


def test_a_column_of_missing_words_only_is_text(tmp_path: Path) -> None:
    table = read_csv_table(write(tmp_path, "a,note,label\n1,none,x\n2,?,y\n"))
    assert table.kinds == ("numeric", "text", "text")


def test_skip_missing_is_saved_with_the_data_source() -> None:
    data = CsvData(csv="m.csv", target=("label",), skip_missing=True)
    project = Project.from_dict(
        {
            "nnstudio": 1,
            "data": {"csv": "m.csv", "target": ["label"], "skip_missing": True},
            "network": {"inputs": 2, "layers": [{"units": 2, "activation": "softmax"}]},
            "loss": "categorical_crossentropy",
        }
    )
    assert project.data == data
    assert project.to_dict()["data"]["skip_missing"] is True
    default = CsvData(csv="m.csv", target=("label",))
    saved = Project.from_dict({**project.to_dict(), "data": {"csv": "m.csv", "target": ["label"]}})
    assert saved.data == default and "skip_missing" not in saved.to_dict()["data"]
