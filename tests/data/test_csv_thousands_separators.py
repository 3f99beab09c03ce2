"""Numbers written with thousands separators get advice that keeps their value."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nnstudio.data import load_dataset
from nnstudio.errors import DataError
from nnstudio.spec import CsvData


def load(folder: Path, text: str, **kwargs: object) -> None:
    (folder / "houses.csv").write_text(text, encoding="utf-8")
    spec = CsvData(csv="houses.csv", **{"target": ("price",), "task": "regression", **kwargs})
    load_dataset(spec, folder)


def test_a_thousands_separator_is_named_with_the_number_to_write(tmp_path: Path) -> None:
    rows = ['"3,431",514650', '"1,415",212250', "882,132300", '"12,544",231600']
    with pytest.raises(DataError) as info:
        load(tmp_path, "sqft,price\n" + "\n".join(rows) + "\n")
    message = str(info.value)
    assert message == (
        "houses.csv: line 2, column 'sqft': '3,431' is not a number (the comma looks like a "
        "thousands separator: write 3431, without commas)"
    )
    # Following the decimal advice would have made it 3.431: a thousand times too small.
    assert "decimals with a point" not in message


@pytest.mark.parametrize(
    ("cell", "number"), [("1,234,567", "1234567"), ("-2,500.75", "-2500.75"), ("+9,000", "+9000")]
)
def test_longer_and_signed_groupings_are_thousands_too(tmp_path: Path, cell, number) -> None:
    with pytest.raises(DataError, match=rf"write {re.escape(number)}, without commas"):
        load(tmp_path, f'sqft,price\n"{cell}",1\n2,3\n')


@pytest.mark.parametrize(
    "column",
    [
        # A first group of 0 is no thousands group.
        ['"0,346"', '"1,303"'],
        # Other digits after a comma than three: decimals, and so is "1,303" beside them.
        ['"1,303"', '"2,5"'],
    ],
)
def test_decimal_commas_keep_their_advice(tmp_path: Path, column: list[str]) -> None:
    text = "sqft,price\n" + "".join(f"{cell},{i}\n" for i, cell in enumerate(column))
    with pytest.raises(DataError) as info:
        load(tmp_path, text)
    assert str(info.value).endswith(
        "is not a number (write decimals with a point, e.g. 1.5, not a comma)"
    )
