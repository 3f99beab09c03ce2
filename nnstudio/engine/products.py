"""Matrix products that do not report OpenBLAS's spurious "invalid value" flag.

Some OpenBLAS kernels can leave the processor's invalid-operation flag set after multiplying
finite matrices (numerical work on padding lanes; numpy/numpy#24067, OpenMathLib/OpenBLAS#1924).
NumPy reads the flag after the call and warns "invalid value encountered in matmul" although
every result is finite, and whether it happens depends on what the memory beside the operands
held. With finite operands a product can only become NaN after overflowing to infinity, and
overflow is still reported, so ignoring "invalid" here loses no real warning.
"""

from __future__ import annotations

import numpy as np

__all__ = ["matmul"]


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` without the spurious invalid-value warning (overflow still warns).

    Parameters
    ----------
    a : ndarray, shape (..., m, k) or (..., k)
    b : ndarray, shape (k, n)

    Returns
    -------
    ndarray, shape (..., m, n) or (..., n)
    """
    with np.errstate(invalid="ignore"):
        return a @ b
