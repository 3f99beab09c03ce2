"""In-place ``x *= a``, ``y += a x`` and ``y = a x + b y`` (BLAS scal, axpy, axpby) of NumPy's BLAS.

NumPy has no in-place ``y += a x``: ``θ -= α v`` is two passes over memory, a product into a
scratch array and a subtraction. The optimizers update a network's whole flat parameter array
every step; beyond a few thousand parameters that is bound by memory traffic, and BLAS's
axpy, one pass, makes heavy-ball momentum's update about a third faster (784-128-64-10, about
109,000 parameters: 50–60 → 35–40 µs per step). A velocity's ``v = β v + c g`` is one pass with
axpby, an extension OpenBLAS and MKL export, instead of scal then axpy (784-256-128-10, about
235,000 float32 parameters: 47 → 29 µs); libraries without it get the two calls.

The library is the BLAS NumPy itself loaded, found with threadpoolctl, so the thread limits
of :mod:`nnstudio.engine.threads` govern it as well. Its CBLAS functions are looked up under
the names common builds export: ``cblas_saxpy`` with OpenBLAS's ILP64 suffix ``64_`` and the
``scipy_`` prefix of NumPy's wheels, or MKL's plain and ``_64`` names. The integer width
follows from the suffix (and from OpenBLAS's own configuration for unsuffixed names), and a
small computation is checked against NumPy before the functions are used. When any of this
fails, :func:`level1` returns None and callers compute with NumPy.

Calls are returned as ``(function, arguments)`` pairs with their arguments converted to C
types once, which is what makes them cheaper than ufuncs even for a few thousand numbers.
"""

from __future__ import annotations

import ctypes
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["MIN_BLAS_LENGTH", "Level1", "level1"]

#: Below this many numbers a ufunc call is as fast as a BLAS call through ctypes.
MIN_BLAS_LENGTH = 1024
#: From this many numbers on, a call releases the interpreter lock while it runs. Shorter
#: calls keep it: taking it back after the call could mean waiting for another thread (the
#: studio's frame publisher) to give it up, which costs a step more than the call itself.
_RELEASE_LOCK_LENGTH = 1 << 20

_Call = tuple[Callable[..., object], tuple[object, ...]]


@dataclass(frozen=True)
class _Functions:
    scal: Callable[..., None]
    axpy: Callable[..., None]
    #: None when the library does not export it.
    axpby: Callable[..., None] | None


@dataclass(frozen=True, eq=False)
class Level1:
    """scal and axpy of one floating-point type, as calls with pre-converted arguments.

    Every array passed must be one-dimensional, C-contiguous, of the dtype this object was
    made for, and stay alive as long as the returned call is used (the call holds only its
    address): the optimizers keep their plans together with the arrays they were made for.
    """

    dtype: np.dtype
    _real: type[ctypes.c_float] | type[ctypes.c_double]
    _integer: type[ctypes.c_int32] | type[ctypes.c_int64]
    _holding_lock: _Functions
    _releasing_lock: _Functions

    def _check(self, *arrays: np.ndarray) -> int:
        n = arrays[0].shape[0]
        for array in arrays:
            if (
                array.ndim != 1
                or array.shape[0] != n
                or array.dtype != self.dtype
                or not array.flags.c_contiguous
            ):
                raise ValueError("BLAS calls need equally long contiguous vectors of their dtype")
        return n

    def _vector(self, array: np.ndarray) -> tuple[ctypes.c_void_p, object]:
        """A contiguous vector's BLAS arguments: its address and an increment of 1."""
        return ctypes.c_void_p(array.ctypes.data), self._integer(1)

    def _functions(self, n: int) -> _Functions:
        return self._releasing_lock if n >= _RELEASE_LOCK_LENGTH else self._holding_lock

    def scal(self, alpha: float, x: np.ndarray) -> _Call:
        """The call ``x *= alpha``.

        Parameters
        ----------
        alpha : float
            The factor.
        x : ndarray, shape (n,)
            Scaled in place when the call runs.
        """
        n = self._check(x)
        return self._functions(n).scal, (self._integer(n), self._real(alpha), *self._vector(x))

    def axpy(self, alpha: float, x: np.ndarray, y: np.ndarray) -> _Call:
        """The call ``y += alpha * x``.

        Parameters
        ----------
        alpha : float
            The factor of ``x``.
        x : ndarray, shape (n,)
            Read.
        y : ndarray, shape (n,)
            Updated in place when the call runs.
        """
        n = self._check(x, y)
        arguments = (self._integer(n), self._real(alpha), *self._vector(x), *self._vector(y))
        return self._functions(n).axpy, arguments

    def axpby(self, alpha: float, x: np.ndarray, beta: float, y: np.ndarray) -> list[_Call]:
        """The calls ``y = alpha * x + beta * y``: one when the library has axpby, else two.

        Parameters
        ----------
        alpha : float
            The factor of ``x``.
        x : ndarray, shape (n,)
            Read.
        beta : float
            The factor of ``y``.
        y : ndarray, shape (n,)
            Updated in place when the calls run.
        """
        n = self._check(x, y)
        axpby = self._functions(n).axpby
        if axpby is None:
            return [self.scal(beta, y), self.axpy(alpha, x, y)]
        arguments = (
            self._integer(n),
            self._real(alpha),
            *self._vector(x),
            self._real(beta),
            *self._vector(y),
        )
        return [(axpby, arguments)]


#: (prefix, suffix, 64-bit integers): ``None`` asks OpenBLAS how it was built.
_NAMINGS: tuple[tuple[str, str, bool | None], ...] = (
    ("scipy_", "64_", True),
    ("", "64_", True),
    ("", "_64", True),
    ("scipy_", "", False),
    ("", "", None),
)


def _integer_width(library: ctypes.CDLL, internal_api: str, hint: bool | None) -> bool | None:
    """Whether the library's BLAS integers are 64-bit; None when that cannot be told."""
    if hint is not None:
        return hint
    if internal_api == "mkl":
        return False  # MKL's unsuffixed CBLAS names are its LP64 interface
    if internal_api != "openblas":
        return None
    for name in ("openblas_get_config", "scipy_openblas_get_config"):
        get_config = getattr(library, name, None)
        if get_config is not None:
            get_config.restype = ctypes.c_char_p
            get_config.argtypes = []
            return b"USE64BITINT" in (get_config() or b"")
    return None


def _bind(
    path: str, internal_api: str, letter: str, real: type
) -> tuple[type, _Functions, _Functions] | None:
    try:
        releasing, holding = ctypes.CDLL(path), ctypes.PyDLL(path)
    except OSError:
        return None
    for prefix, suffix, hint in _NAMINGS:
        names = [f"{prefix}cblas_{letter}{op}{suffix}" for op in ("scal", "axpy")]
        if not all(hasattr(releasing, name) for name in names):
            continue
        wide = _integer_width(releasing, internal_api, hint)
        if wide is None:
            return None
        integer = ctypes.c_int64 if wide else ctypes.c_int32
        pointer = ctypes.c_void_p
        bound = []
        for library in (holding, releasing):
            scal, axpy = (getattr(library, name) for name in names)
            scal.restype = axpy.restype = None
            scal.argtypes = [integer, real, pointer, integer]
            axpy.argtypes = [integer, real, pointer, integer, pointer, integer]
            axpby = getattr(library, f"{prefix}cblas_{letter}axpby{suffix}", None)
            if axpby is not None:
                axpby.restype = None
                axpby.argtypes = [integer, real, pointer, integer, real, pointer, integer]
            bound.append(_Functions(scal, axpy, axpby))
        return integer, bound[0], bound[1]
    return None


def _agrees_with_numpy(blas: Level1) -> bool:
    """Run every call on a small problem and compare with NumPy (catches a wrong ABI guess)."""
    x = np.linspace(-1.0, 1.0, 2 * MIN_BLAS_LENGTH + 3).astype(blas.dtype)
    y = np.cos(np.arange(x.shape[0])).astype(blas.dtype)
    real = blas.dtype.type
    expected = (y * real(0.5) + real(-0.25) * x) * real(0.75) + real(2.0) * x
    calls = [blas.scal(0.5, y), blas.axpy(-0.25, x, y), *blas.axpby(2.0, x, 0.75, y)]
    for function, arguments in calls:
        function(*arguments)
    return bool(np.allclose(y, expected, rtol=1e-5, atol=1e-6))


@functools.cache
def level1(dtype: np.dtype | type | str) -> Level1 | None:
    """scal and axpy for ``dtype`` (float32 or float64) from NumPy's BLAS, or None.

    None when the dtype is another one, when NumPy's BLAS cannot be found or its functions
    cannot be bound with certainty, or when they disagree with NumPy on a test problem.
    """
    dtype = np.dtype(dtype)
    kinds = {
        np.dtype(np.float32): ("s", ctypes.c_float),
        np.dtype(np.float64): ("d", ctypes.c_double),
    }
    if dtype not in kinds:
        return None
    letter, real = kinds[dtype]
    try:
        from threadpoolctl import threadpool_info

        libraries = [info for info in threadpool_info() if info.get("user_api") == "blas"]
    except Exception:  # no BLAS information: NumPy computes instead
        return None
    numpy_folder = os.path.dirname(np.__file__)  # also the prefix of its "numpy.libs"
    # NumPy's own library first (another package may have loaded a second BLAS).
    libraries.sort(key=lambda info: not str(info.get("filepath", "")).startswith(numpy_folder))
    for info in libraries:
        bound = _bind(str(info.get("filepath")), str(info.get("internal_api")), letter, real)
        if bound is None:
            continue
        integer, holding, releasing = bound
        blas = Level1(dtype, real, integer, holding, releasing)
        try:
            if _agrees_with_numpy(blas):
                return blas
        except Exception:  # a failing call means the binding is wrong: use NumPy
            continue
    return None
