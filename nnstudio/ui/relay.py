"""Hands live frames to the views one short piece of work per event loop turn.

A frame changes the canvas, every plot of the visible tab, the Properties dock and the status
bar. Done in one event, taking the frame in and painting it would keep the user interface
busy for tens of milliseconds, and input, animations and timers would wait that long. The
:class:`FrameRelay` splits the work into *steps* (the canvas, each plot, the docks) and runs
each as its own queued event. A view paints in the event after its step (Qt repaints a
changed graphics scene from a queued call posted by the change), and the next step waits for
a zero timer, which fires only once the event loop has gone round: after that paint, and
after any timer or input that came due meanwhile.

Frames arriving meanwhile are not queued: the relay keeps only the newest one. Views take
their turns in a fixed round (canvas, plots, docks), each with the newest frame when its turn
starts, so no view starves and every view ends on the newest frame. A view may ask for a rest
between two turns (the plots and docks: numbers and curves need not change 30 times a
second, the canvas's heatmaps should): while it rests the others take frames without it, and
it takes the newest when its rest is over. A view without a rest does not wait for a resting
view's turn to end: a frame arriving meanwhile reaches it between that turn's steps, so frames
arriving at its own pace are not dropped behind the slower views.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from nnstudio.ui.qt import QtCore, QtWidgets, Signal, is_alive

#: What a view does with a frame: the steps to run, one per event (each a callable).
StepsFor = Callable[[Any], Sequence[Callable[[], None]]]


@dataclass
class _Part:
    """One view's turn in the round."""

    name: str
    steps_for: StepsFor
    #: Seconds from the start of one turn to the next, at least.
    rest: float = 0.0
    #: Serial number of the newest frame this part has taken (0: none yet).
    taken: int = 0
    #: When its last turn began (``time.monotonic``).
    started: float = -math.inf

    def resting(self, now: float) -> bool:
        return now - self.started < self.rest


class FrameRelay(QtCore.QObject):
    """Runs each view's share of the newest frame as separate, short events.

    Register the views in the order they should take their turn with :meth:`add_part`; feed
    frames with :meth:`push`.

    Signals
    -------
    frameShown(object)
        A frame every view without a rest has shown, itself or a newer one, by the end of
        its steps (the views with a rest follow at their own pace). Frames arriving faster
        than the views take them are announced as the views move past them, in order.
    """

    frameShown = Signal(object)

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._parts: list[_Part] = []
        self._frame: Any = None
        self._serial = 0
        #: Frames some view has taken but not every view has passed, by serial number.
        self._unannounced: dict[int, Any] = {}
        self._announced = 0
        #: Steps of the part whose turn it is.
        self._steps: deque[Callable[[], None]] = deque()
        #: Whether that part rests between turns (a view without a rest may cut in).
        self._steps_rest = False
        #: The rest of a resting view's turn, while a view without a rest cuts in.
        self._suspended: deque[Callable[[], None]] | None = None
        self._turn = 0
        self._closed = False
        # A zero timer, not a queued call: queued calls posted from queued calls all run in
        # one pass of the event loop, so timers and input would wait for the whole round; a
        # zero timer lets the loop go round (paints, timers, input) before every step.
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._on_timer)
        self._went_round = False

    def add_part(self, name: str, steps_for: StepsFor, *, rest: float = 0.0) -> None:
        """Add a view: ``steps_for(frame)`` returns its steps for a frame (possibly none).

        ``rest`` (seconds) spaces the view's turns: it takes a frame at most that often.
        """
        self._parts.append(_Part(name, steps_for, rest))

    @property
    def frame(self) -> Any:
        """The newest frame pushed (``None`` before the first)."""
        return self._frame

    @property
    def busy(self) -> bool:
        """Whether some view has not taken the newest frame yet."""
        return (
            bool(self._steps)
            or bool(self._suspended)
            or any(part.taken < self._serial for part in self._parts)
        )

    def push(self, frame: Any) -> None:
        """Hand over a new frame; it replaces any frame not yet taken by every view."""
        if self._closed:
            return
        self._frame = frame
        self._serial += 1
        self._queue()

    def flush(self) -> None:
        """Run every outstanding step now, rests or not (before a screenshot or an export)."""
        while not self._closed and self.busy:
            self._run_step(rested=True)

    def discard(self) -> None:
        """Drop what no view has taken yet: the document the frames show was replaced.

        Steps still queued for a frame (the plots' and docks' turns, say) are dropped too, so
        no view shows a frame of the previous document after the new one is shown.
        """
        self._timer.stop()
        self._steps.clear()
        self._suspended = None
        self._unannounced.clear()
        for part in self._parts:
            part.taken = self._serial
        self._announced = self._serial
        self._frame = None
        self._turn = 0  # the next frame starts a round from the first view

    def close(self) -> None:
        """Stop for good (the window is closing): queued steps are dropped."""
        self._closed = True
        self._timer.stop()
        self._steps.clear()
        self._suspended = None
        self._unannounced.clear()
        self._frame = None

    # ---- internals ---------------------------------------------------------------------------

    def _queue(self) -> None:
        if self._closed or (self._timer.isActive() and self._timer.interval() == 0):
            return
        now = time.monotonic()
        if (
            self._steps
            or self._suspended
            or any(part.taken < self._serial and not part.resting(now) for part in self._parts)
        ):
            self._went_round = False
            self._timer.start(0)
            return
        # Only resting views are behind: come back when the first rest is over.
        wake = min(part.started + part.rest for part in self._parts if part.taken < self._serial)
        self._went_round = True
        self._timer.start(max(1, math.ceil(1000 * (wake - now))))

    def _on_timer(self) -> None:
        if self._closed:
            return
        if not self._went_round:
            # The loop has painted what the last step changed; go round once more, so timers
            # that came due meanwhile (armed before this one) fire before the next step.
            self._went_round = True
            self._timer.start(0)
            return
        self._run_step()
        if self.busy:
            # Behind the paint events this step caused.
            self._queue()

    def _run_step(self, *, rested: bool = False) -> None:
        """Run one step: the next of the current part, or the first of the next part due.

        ``rested``: treat every view's rest as over.
        """
        if self._steps and self._steps_rest and self._suspended is None:
            # A view without a rest behind on frames goes first; the turn resumes after it.
            steady = next(
                (part for part in self._parts if not part.rest and part.taken < self._serial),
                None,
            )
            if steady is not None:
                self._suspended, self._steps = self._steps, deque()
                self._start_turn(steady)
        while not self._steps:
            if self._suspended is not None:
                self._steps, self._suspended = self._suspended, None
                self._steps_rest = True
                continue
            part = self._next_part(rested)
            if part is None:
                return
            self._start_turn(part)
        step = self._steps.popleft()
        step()
        self._announce_if_done()

    def _start_turn(self, part: _Part) -> None:
        part.started = time.monotonic()
        part.taken = self._serial
        self._unannounced[self._serial] = self._frame
        self._steps.extend(part.steps_for(self._frame))
        self._steps_rest = bool(part.rest)
        # A view with nothing to do (hidden) lets the next one go in this event.
        self._announce_if_done()

    def _next_part(self, rested: bool) -> _Part | None:
        """The next view in the round that is behind on frames and not resting, or ``None``."""
        count = len(self._parts)
        now = time.monotonic()
        for offset in range(count):
            index = (self._turn + offset) % count
            part = self._parts[index]
            if part.taken < self._serial and (rested or not part.resting(now)):
                self._turn = (index + 1) % count
                return part
        return None

    def _announce_if_done(self) -> None:
        if self._steps or not self._parts:
            return
        # The oldest frame still showing in a view without a rest; they all show it or newer.
        steady = [part.taken for part in self._parts if not part.rest]
        oldest = min(steady or [part.taken for part in self._parts])
        if oldest <= self._announced:
            return
        self._announced = oldest
        frame = self._unannounced.get(oldest)
        self._unannounced = {k: v for k, v in self._unannounced.items() if k > oldest}
        self.frameShown.emit(frame)


class HeldViews:
    """Graphics views kept from repainting on their scenes' changes while a frame is taken in.

    A view's own update mode is remembered when it is first held and given back when it is
    released (the repaint step of its turn). A turn's remaining steps can be dropped
    (:meth:`FrameRelay.discard`), and a view left held would never repaint on its own
    again: whoever holds views releases them all when that can have happened.
    """

    def __init__(self) -> None:
        self._held: dict[int, tuple[QtWidgets.QGraphicsView, Any]] = {}

    def hold(self, view: QtWidgets.QGraphicsView) -> None:
        """Keep ``view`` from repainting on its scene's changes until :meth:`release`."""
        if is_alive(view) and id(view) not in self._held:
            self._held[id(view)] = (view, view.viewportUpdateMode())
            view.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.NoViewportUpdate)

    def release(self, view: QtWidgets.QGraphicsView, *, repaint: bool = True) -> None:
        """Give ``view`` its update mode back and, with ``repaint``, repaint it."""
        _view, mode = self._held.pop(id(view), (view, None))
        if mode is not None and is_alive(view):
            view.setViewportUpdateMode(mode)
            if repaint:
                view.viewport().update()

    def release_all(self) -> None:
        """Release and repaint every held view."""
        for view, _mode in list(self._held.values()):
            self.release(view)


__all__ = ["FrameRelay", "HeldViews", "StepsFor"]
