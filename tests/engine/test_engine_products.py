"""The engine's matrix product: OpenBLAS's invalid-value flag is not reported, overflow is."""

import numpy as np
import pytest

from nnstudio.engine.products import matmul


def test_matmul_is_the_matrix_product() -> None:
    rng = np.random.default_rng(3)
    a = rng.standard_normal((7, 5))
    b = rng.standard_normal((5, 3))
    np.testing.assert_array_equal(matmul(a, b), a @ b)
    stacked = rng.standard_normal((2, 4, 5))
    np.testing.assert_array_equal(matmul(stacked, b), stacked @ b)


def test_matmul_does_not_raise_the_invalid_flag_numpy_would_warn_about() -> None:
    # inf · 0 sets the same flag the spurious kernels leave behind.
    a = np.array([[np.inf, 1.0]], dtype=np.float32)
    b = np.array([[0.0], [1.0]], dtype=np.float32)
    with np.errstate(all="raise"):
        with pytest.raises(FloatingPointError, match="invalid"):
            a @ b
        assert np.isnan(matmul(a, b)[0, 0])


def test_matmul_still_reports_overflow() -> None:
    big = np.full((1, 1), 1e30, dtype=np.float32)
    with np.errstate(all="raise"), pytest.raises(FloatingPointError, match="overflow"):
        matmul(big, big)
