"""The Data dock's table keeps the digits that tell a column's values apart.

Four significant digits are plenty for most columns, but time stamps near 1.7e9 a few
seconds apart would all read ``1.700e+09``: such a column keeps more digits, whole numbers
in full.
"""

from __future__ import annotations

import numpy as np

from nnstudio.ui.docks import data_dock


def test_time_stamps_seconds_apart_read_as_whole_numbers() -> None:
    stamps = 1.7e9 + np.array([0.0, 5.0, 17.0, 3600.0])
    assert data_dock._format_numbers(stamps).tolist() == [
        "1700000000",
        "1700000005",
        "1700000017",
        "1700003600",
    ]


def test_close_fractions_keep_the_digits_that_tell_them_apart() -> None:
    cells = data_dock._format_numbers(np.array([123456.7, 123456.9, 123456.6, 123456.8, np.nan]))
    assert cells.tolist() == ["123456.7", "123456.9", "123456.6", "123456.8", "nan"]
    large = data_dock._format_numbers(np.array([2.5e12 + 1e6, 2.5e12 + 2e6]))
    assert large.tolist() == ["2.500001e+12", "2.500002e+12"]


def test_columns_told_apart_by_four_digits_keep_four() -> None:
    cells = data_dock._format_numbers(np.array([1e7, 2.5e6, 3e6, 3e6]))
    assert cells.tolist() == ["1.000e+07", "2.500e+06", "3.000e+06", "3.000e+06"]
    # Differences far below a column's precision stay hidden when most values read apart.
    assert data_dock._format_numbers(np.array([0.0, -1e-9, 2.0])).tolist() == ["0", "0", "2"]
    assert data_dock._format_numbers(np.array([5.0, 6.8])).tolist() == ["5.0", "6.8"]
