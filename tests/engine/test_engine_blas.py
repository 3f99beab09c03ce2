"""BLAS scal, axpy and axpby bound from NumPy's own library, against NumPy."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from nnstudio.engine import blas as blas_module
from nnstudio.engine.blas import MIN_BLAS_LENGTH, level1


def _numpy_has_openblas() -> bool:
    return any(info.get("internal_api") == "openblas" for info in threadpool_info())


@pytest.mark.parametrize("releasing", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scal_and_axpy_compute_what_numpy_computes(
    dtype: type, releasing: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not _numpy_has_openblas():
        pytest.skip("NumPy is not built with OpenBLAS here")
    if releasing:  # the calls that let other threads run while they work
        monkeypatch.setattr(blas_module, "_RELEASE_LOCK_LENGTH", 1)
    blas = level1(dtype)
    assert blas is not None  # NumPy's wheels bring OpenBLAS: it must be found and bound
    rng = np.random.default_rng(3)
    x = rng.normal(size=70_000).astype(dtype)
    y = rng.normal(size=70_000).astype(dtype)
    short = rng.normal(size=MIN_BLAS_LENGTH).astype(dtype)
    expected_y = y + dtype(-0.3) * x
    expected_short = short * dtype(2.5)
    for function, arguments in (blas.axpy(-0.3, x, y), blas.scal(2.5, short)):
        function(*arguments)
    tolerance = 1e-6 if dtype is np.float32 else 1e-14
    np.testing.assert_allclose(y, expected_y, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(short, expected_short, rtol=tolerance)


@pytest.mark.parametrize("has_axpby", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpby_computes_what_numpy_computes(dtype: type, has_axpby: bool) -> None:
    if not _numpy_has_openblas():
        pytest.skip("NumPy is not built with OpenBLAS here")
    blas = level1(dtype)
    assert blas is not None
    assert blas._holding_lock.axpby is not None  # OpenBLAS exports the extension
    if not has_axpby:  # a library without it: scal, then axpy
        blas = dataclasses.replace(
            blas,
            _holding_lock=dataclasses.replace(blas._holding_lock, axpby=None),
            _releasing_lock=dataclasses.replace(blas._releasing_lock, axpby=None),
        )
    rng = np.random.default_rng(4)
    x = rng.normal(size=50_000).astype(dtype)
    y = rng.normal(size=50_000).astype(dtype)
    expected = dtype(0.1) * x + dtype(0.9) * y
    calls = blas.axpby(0.1, x, 0.9, y)
    assert len(calls) == (1 if has_axpby else 2)
    for function, arguments in calls:
        function(*arguments)
    tolerance = 1e-6 if dtype is np.float32 else 1e-14
    np.testing.assert_allclose(y, expected, rtol=tolerance, atol=tolerance)


def test_calls_refuse_arrays_they_cannot_address() -> None:
    blas = level1(np.float64)
    if blas is None:
        pytest.skip("no BLAS to bind here")
    vector = np.zeros(4000)
    with pytest.raises(ValueError, match="contiguous vectors"):
        blas.scal(2.0, vector[::2])  # strided
    with pytest.raises(ValueError, match="contiguous vectors"):
        blas.axpy(1.0, vector.astype(np.float32), vector)  # another dtype
    with pytest.raises(ValueError, match="contiguous vectors"):
        blas.axpy(1.0, vector[:10], vector)  # other length
    with pytest.raises(ValueError, match="contiguous vectors"):
        blas.scal(1.0, np.zeros((40, 100)))  # not a vector
    with pytest.raises(ValueError, match="contiguous vectors"):
        blas.axpby(1.0, vector, 0.5, vector[:-1])  # other length


@pytest.mark.parametrize("dtype", [np.int32, np.float16, np.complex128])
def test_other_dtypes_get_none(dtype: type) -> None:
    assert level1(dtype) is None
