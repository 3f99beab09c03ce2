"""A CSV data spec says how its file's first line is read, and loading follows it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import load_dataset, read_csv_dataset
from nnstudio.errors import DataError
from nnstudio.spec import CsvData

#: No header: the guess takes Ann's line for column names (it reads like "country,2019,2020").
PEOPLE = "Ann,23,170\nBob,31,182\nCid,45,175\n"


def all_rows(dataset) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and targets of every row, training and validation, sorted by the first input."""
    X = np.concatenate([dataset.X_train, dataset.X_val])
    y = np.concatenate([dataset.Y_train, dataset.Y_val])
    order = np.argsort(X[:, 0])
    return X[order], y[order]


def test_a_spec_without_a_header_keeps_the_first_line_as_an_example(tmp_path: Path) -> None:
    (tmp_path / "ann.csv").write_text(PEOPLE, encoding="utf-8")
    spec = CsvData(
        csv="ann.csv",
        target=("column 3",),
        task="regression",
        features=("column 2",),
        standardize=False,
        header=False,
    )
    dataset = load_dataset(spec, tmp_path)
    X, y = all_rows(dataset)
    np.testing.assert_array_equal(X.ravel(), [23, 31, 45])  # Ann's age is among them
    np.testing.assert_array_equal(y.ravel(), [170, 182, 175])
    assert dataset.feature_names == ("column 2",) and dataset.target_names == ("column 3",)
    table, same = read_csv_dataset(spec, tmp_path)
    assert table.line_numbers == (1, 2, 3) and not table.has_header
    np.testing.assert_array_equal(all_rows(same)[0], X)


def test_a_spec_that_guesses_reads_the_first_line_as_names(tmp_path: Path) -> None:
    (tmp_path / "ann.csv").write_text(PEOPLE, encoding="utf-8")
    guessed = CsvData(csv="ann.csv", target=("column 3",), task="regression")
    # As projects saved before the choice existed: the first line is the header.
    with pytest.raises(DataError, match=r"target column 'column 3' not found.*Ann, 23, 170"):
        load_dataset(guessed, tmp_path)
    names = CsvData(csv="ann.csv", target=("170",), task="regression", features=("23",))
    dataset = load_dataset(names, tmp_path)
    assert dataset.n_train + dataset.n_val == 2


def test_a_stated_header_of_numbers_is_not_refused_as_data(tmp_path: Path) -> None:
    (tmp_path / "years.csv").write_text("2019,2020\n1.5,2.5\n3.5,4.5\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1 looks like data"):
        load_dataset(CsvData(csv="years.csv", target=("2020",), task="regression"), tmp_path)
    spec = CsvData(csv="years.csv", target=("2020",), task="regression", header=True)
    dataset = load_dataset(spec, tmp_path)
    assert dataset.feature_names == ("2019",) and dataset.n_train + dataset.n_val == 2
