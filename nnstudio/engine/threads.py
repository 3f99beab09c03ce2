"""How many threads NumPy's BLAS may use, controlled with threadpoolctl.

The engine's matrices are small to medium (at most a few hundred columns). For such shapes a
threaded OpenBLAS spends more time waking and synchronising its threads than multiplying: on a
two-core machine it was measured up to 4× slower than one thread, and far worse beside a busy
GUI thread. So training uses one BLAS thread unless a measurement (:func:`choose_blas_threads`)
shows that more threads are faster for the network at hand.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import pairwise
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

if TYPE_CHECKING:
    from nnstudio.engine.trainer import Trainer

__all__ = [
    "blas_threads",
    "choose_blas_threads",
    "choose_training_threads",
    "current_blas_threads",
    "limit_blas_threads",
]

#: Below this many floating-point operations per training step, one BLAS thread is always
#: fastest (waking a second thread costs more than the products), so nothing is measured.
MIN_FLOPS_TO_MEASURE = 50e6

_BLAS_ENV = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def limit_blas_threads(threads: int = 1) -> None:
    """Make NumPy's BLAS use ``threads`` threads from now on, process-wide.

    Sets ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` (which also
    reach child processes and a BLAS loaded later) and limits any BLAS already loaded. Safe to
    call more than once; never raises.
    """
    threads = max(1, int(threads))
    for name in _BLAS_ENV:
        os.environ[name] = str(threads)
    try:
        threadpool_limits(limits=threads, user_api="blas")
    except Exception:  # a BLAS that cannot be limited must not stop training
        pass


def current_blas_threads() -> int:
    """Threads the loaded BLAS library uses now (1 when none is loaded)."""
    counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return max(counts, default=1)


@contextmanager
def blas_threads(threads: int) -> Iterator[None]:
    """Run the ``with`` block with ``threads`` BLAS threads, then restore the previous count."""
    with threadpool_limits(limits=max(1, int(threads)), user_api="blas"):
        yield


def choose_blas_threads(
    step: Callable[[], object], candidates: tuple[int, ...] | None = None, seconds: float = 0.3
) -> int:
    """Measure ``step`` with each thread count and return the fastest.

    Parameters
    ----------
    step : callable
        One unit of work, e.g. one training step; called repeatedly.
    candidates : tuple of int or None
        Thread counts to try; by default 1 and the number of usable cores (if more than 1).
    seconds : float
        Time spent measuring each candidate (after one warm-up call).

    Returns
    -------
    int
        The thread count with the highest rate; 1 when only one core is usable or on ties
        (fewer threads leave the other cores to the rest of the program).
    """
    if candidates is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        candidates = (1,) if not cores or cores < 2 else (1, cores)
    best_threads, best_rate = 1, 0.0
    for threads in candidates:
        with blas_threads(threads):
            step()
            calls = 0
            started = time.perf_counter()
            while True:
                step()
                calls += 1
                elapsed = time.perf_counter() - started
                if elapsed >= seconds:
                    break
        rate = calls / elapsed
        # Another thread count must be clearly faster (5 %) to be worth the busier cores.
        if rate > best_rate * 1.05:
            best_threads, best_rate = threads, rate
    return best_threads


def step_flops(layer_sizes: list[int], batch_size: int) -> float:
    """Floating-point operations of the matrix products of one training step.

    Forward products, weight gradients and input gradients of every layer but the first
    (which needs none), ``2 · m · fan_in · fan_out`` each.

    Parameters
    ----------
    layer_sizes : list of int
        Units per layer including the inputs, e.g. ``[784, 256, 128, 10]``.
    batch_size : int
        Rows per step ``m``.
    """
    products = [a * b for a, b in pairwise(layer_sizes)]
    return 2.0 * batch_size * (2 * sum(products) + sum(products[1:]))


def choose_training_threads(trainer: Trainer, seconds: float = 0.3) -> int:
    """The BLAS thread count that trains ``trainer``'s network fastest on this machine.

    Small networks get 1 without measuring (see :data:`MIN_FLOPS_TO_MEASURE`). Larger ones
    are measured on a copy of the network with the trainer's batch size, so the trainer
    itself is not advanced.

    Returns
    -------
    int
        The thread count to pass to :func:`limit_blas_threads`.
    """
    from nnstudio.engine.kernel import TrainingKernel

    network = trainer.network
    m = trainer.batch_size
    if step_flops(list(network.spec.sizes), m) < MIN_FLOPS_TO_MEASURE:
        return 1
    probe = TrainingKernel(network.copy(), m)
    targets = trainer.learned_targets(trainer.Y_train)
    probe.load_batch(probe.training_data(trainer.X_train, targets), slice(0, m))
    # Only the time counts: floating-point warnings of the probe's steps would be noise.
    with np.errstate(all="ignore"):
        return choose_blas_threads(lambda: probe.loss_and_gradients(m), seconds=seconds)
