"""How far a long read has come, and a way to stop it from another thread.

Reading a large CSV file takes seconds. The studio reads it in a worker thread and shows a
progress bar with a Cancel button; the command line reads it directly. The reader reports to a
:class:`ReadProgress` between pieces of work (every few thousand rows) and stops with
:class:`ReadCancelled` at the first report after :meth:`ReadProgress.cancel`. Plain Python,
no Qt: the thread watching only reads :attr:`~ReadProgress.fraction` and
:attr:`~ReadProgress.stage`, whose assignment is atomic.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["ReadCancelled", "ReadProgress"]


class ReadCancelled(Exception):
    """A read was stopped on request.

    Not an :class:`~nnstudio.errors.NNStudioError`: nothing went wrong, someone asked to stop.
    """


class ReadProgress:
    """Progress of one read, written by the reading thread and read by another.

    Attributes
    ----------
    fraction : float
        Share of the work done, from 0 to 1 (never decreasing).
    stage : str
        What is being done now, for a progress label ("Reading numbers", …).
    """

    def __init__(self) -> None:
        self.fraction = 0.0
        self.stage = ""
        self._cancelled = threading.Event()
        #: The share of the whole that the current reader owns (see :meth:`share`).
        self._owned = (0.0, 1.0)
        self._span = (0.0, 1.0)
        self._position: Callable[[], int] | None = None
        self._size = 0

    # ---- the watching thread ---------------------------------------------------------------

    def cancel(self) -> None:
        """Ask the reader to stop at its next report."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled.is_set()

    # ---- the reading thread ----------------------------------------------------------------

    def report(self, done: float, stage: str | None = None) -> None:
        """Record that the share ``done`` (0 to 1) of the current part is done.

        Raises
        ------
        ReadCancelled
            When :meth:`cancel` was called.
        """
        if self._cancelled.is_set():
            raise ReadCancelled
        low, high = self._span
        fraction = low + (high - low) * min(max(done, 0.0), 1.0)
        self.fraction = max(self.fraction, fraction)
        if stage is not None:
            self.stage = stage

    def part(self, low: float, high: float, stage: str | None = None) -> None:
        """Map the next reports' 0..1 onto ``low..high`` of the reader's share (and start it)."""
        start, end = self._owned
        self._span = (start + (end - start) * low, start + (end - start) * high)
        self.report(0.0, stage)

    @contextmanager
    def share(self, low: float, high: float) -> Iterator[None]:
        """Give a nested reader ``low..high`` of the current share as its whole."""
        owned = self._owned
        start, end = owned
        self._owned = (start + (end - start) * low, start + (end - start) * high)
        try:
            yield
        finally:
            self._owned = owned

    def follow_file(self, position: Callable[[], int] | None, size: int) -> None:
        """Measure the current part by ``position()`` of ``size`` bytes (see :meth:`step`)."""
        self._position = position if size > 0 else None
        self._size = size

    def file_fraction(self) -> float:
        """The share of the followed file read so far (0 when no file is followed).

        For a reader that reads a piece of the file, then reports its work on the piece in
        several steps between the shares before and after it.
        """
        if self._position is None:
            return 0.0
        return min(self._position() / self._size, 1.0)

    def step(self) -> None:
        """Report the followed file's position (or only check for a cancel).

        Raises
        ------
        ReadCancelled
            When :meth:`cancel` was called.
        """
        if self._position is None:
            self.report(0.0)
            return
        self.report(self._position() / self._size)
