"""Row-wise maxima and sums folded column by column (the fast path for a few columns) give
NumPy's reductions: the same maxima, NaN and infinities included, and sums within rounding;
softmax and log-softmax built on them keep their defining properties."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.activations import log_softmax, row_max, row_sum, softmax
from nnstudio.engine.trainer import accuracy


@pytest.mark.parametrize("columns", [1, 2, 3, 10, 16, 17, 40])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_max_and_sum_match_numpy_for_every_width(columns: int, dtype: type) -> None:
    rng = np.random.default_rng(columns)
    Z = (rng.standard_normal((257, columns)) * 30).astype(dtype)
    Z[3, -1] = np.nan
    Z[4, 0] = np.inf
    Z[5, :] = -np.inf
    maxima = row_max(Z)
    assert maxima.shape == (257, 1) and maxima.dtype == dtype
    np.testing.assert_array_equal(maxima, Z.max(axis=1, keepdims=True))
    finite = np.isfinite(Z).all(axis=1)
    sums = row_sum(Z)
    assert sums.shape == (257, 1) and sums.dtype == dtype
    # Within rounding of the largest terms: entries of both signs can cancel to near zero.
    bound = columns * np.finfo(dtype).eps * np.abs(Z[finite]).sum(axis=1, keepdims=True)
    assert (np.abs(sums[finite] - Z[finite].sum(axis=1, keepdims=True)) <= bound).all()
    assert np.isnan(sums[3, 0]) and sums[4, 0] == np.inf and sums[5, 0] == -np.inf


def test_folded_rows_of_a_strided_view_are_those_of_its_copy() -> None:
    Z = np.random.default_rng(0).standard_normal((40, 12))
    view = Z[::2, 1::2]  # (20, 6), strided both ways
    np.testing.assert_array_equal(row_max(view), np.ascontiguousarray(view).max(axis=1)[:, None])
    np.testing.assert_allclose(row_sum(view), view.sum(axis=1)[:, None], rtol=1e-15)


@pytest.mark.parametrize("columns", [2, 10, 64])
def test_softmax_rows_sum_to_one_and_log_softmax_is_its_logarithm(columns: int) -> None:
    Z = np.random.default_rng(1).standard_normal((500, columns)) * 50
    P = softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    assert (P.argmax(axis=1) == Z.argmax(axis=1)).all()
    with np.errstate(divide="ignore"):
        logs = np.log(P)
    usable = P > 1e-300
    np.testing.assert_allclose(log_softmax(Z)[usable], logs[usable], rtol=1e-12, atol=1e-12)


def test_accuracy_with_the_targets_classes_given_is_the_same() -> None:
    rng = np.random.default_rng(2)
    Y = np.eye(4)[rng.integers(0, 4, 300)]
    Yhat = rng.random((300, 4))
    expected = float(np.mean(Yhat.argmax(axis=1) == Y.argmax(axis=1)))
    assert accuracy(Yhat, Y) == expected
    assert accuracy(Yhat, Y, Y.argmax(axis=1)) == expected
