"""Background training: the engine's :class:`~nnstudio.engine.trainer.Trainer` in its own process.

Why a process
-------------
Python threads share one interpreter lock (GIL). With training in a thread of the studio's
process, every Qt call on the main thread waited for the lock while a training step or a frame
was computed: a 5 ms timer saw gaps of 40–65 ms, and when training held still while the views
painted, it lost about 40 % of its speed. A separate process has its own interpreter, so
painting and training run on two cores at once without waiting for each other.

How
---
The :class:`TrainingController` lives on the main thread and is the studio's only handle on
training. It starts a training process that runs
:class:`~nnstudio.ui.training_loop.TrainingLoop` (no Qt is imported there) and talks to it
through two pipes:

* commands (play, pause, step, step epoch, stop, new settings, the pace, a new session,
  "frame shown", quit) go down the command pipe; the loop looks for them about every 5 ms
  while training, so every command takes effect within a few milliseconds;
* news (frames, state changes, messages, progress) come back up the news pipe. A receiver
  thread in this process reads them, puts the partial frames back together with a
  :class:`~nnstudio.ui.training_loop.FrameAssembler` (per-step and per-epoch series travel
  only as new rows; the data set's probe and evaluation rows once per data set), keeps the
  frames plus any state changes and messages in a mailbox, and wakes the main thread with a
  payload-free queued signal. The main thread shows a running run's frames on their beats
  (:class:`ShowSchedule`), others at once, and only paints: unpickling and assembling happen
  in the receiver, which waits in the pipe read (without the lock) the rest of the time.

In the process a publisher thread builds each frame from a snapshot of the weights, on the
second core while training goes on. A frame is built at most every 33 ms and only while
fewer than three frames wait for the studio to show them ("frame shown" carries what the
views spent on a frame, so heavy views get frames less often), so a slow user interface never
makes training wait and training never floods the user interface. A state change is sent
at once, ahead of the frame that shows it: ``stateChanged`` comes first, the matching
``frameReady`` (and the hand-back of the weights) follows. Frames built before the change
may still arrive after it; their progress (numbered by the snapshot it was taken with) is
older than the state's and is dropped, so the status bar never goes back to a running run's
speed and position after the run ended.

A session carries the project, the weights with the epoch and step they were trained to (the
document's ``training_position``, so a new run counts on from there) and, only when it
changed, the data set; the process builds the network, the trainer and the frame builder
itself. New training settings reach the session's trainer live, except a new precision,
which needs a new session. The controller builds the network and the trainer once here too,
so a network or data problem is reported at once as "Cannot train: ...". That trainer checks
the whole data set only when the data or what the checks depend on changed (inputs, output
layer, loss, precision, standardisation); after an edit of a hidden layer it is built on the
first few hundred examples, so editing a network with millions of examples stays quick.

Commands are written to the pipe by a sender thread, in order: pickling a large data set and
writing it while the process reads takes seconds, which would freeze the window. The thread
touches no Qt object.

The process is started through a ``forkserver`` (never by forking the Qt process, whose
threads and GUI state must not be copied), which has the loop module imported already, so a new
process is ready in milliseconds. It is a daemon, ends when its command pipe closes and is
terminated if it does not end in time on :meth:`TrainingController.shutdown`. When it dies
unexpectedly the controller says so; the next command starts a new one from the document's
weights.

BLAS threads: NumPy's BLAS starts one thread per core; next to the GUI those threads fight for
the cores. The training process limits BLAS to one thread first thing;
:func:`limit_blas_threads` (re-exported here) does the same for the studio's own process.
"""

from __future__ import annotations

import math
import multiprocessing
import queue
import statistics
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from nnstudio.engine.threads import limit_blas_threads
from nnstudio.errors import NNStudioError
from nnstudio.ui.frame import Frame
from nnstudio.ui.qt import Qt, QtCore, Signal
from nnstudio.ui.training_loop import (
    END_STATES,
    FRAME_INTERVAL,
    STATES,
    FrameAssembler,
    News,
    SessionRequest,
    run_training_process,
    write_command,
)
from nnstudio.workflow import build_network, make_trainer

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from nnstudio.data import Dataset
    from nnstudio.engine.network import Network
    from nnstudio.spec import Project, TrainingSpec, Weights
    from nnstudio.ui.document import StudioDocument

__all__ = [
    "END_STATES",
    "FRAME_INTERVAL",
    "STATES",
    "ShowSchedule",
    "TrainingController",
    "UiCost",
    "limit_blas_threads",
]

#: Seconds between two hand-backs of the weights to the document while training runs.
_HAND_BACK_INTERVAL = 0.25
#: A frame's cost to the user interface is measured only when running frames come at least
#: this often (seconds).
_UI_COST_WINDOW = 1.0
#: A frame's cost is averaged over this many frames: the plots and docks take a frame only
#: every few (they rest between turns), so single frames cost unevenly, and pacing every
#: frame by the last one's cost would space frames by the dearer ones.
_UI_COST_FRAMES = 8
#: Seconds :meth:`TrainingController.shutdown` waits for the process to quit by itself.
_SHUTDOWN_TIMEOUT = 3.0
#: Seconds to wait after terminating or killing a process that did not quit.
_KILL_TIMEOUT = 1.0
#: The module the process runs, imported once by the fork server so new processes start fast.
_LOOP_MODULE = "nnstudio.ui.training_loop"
#: Examples of each set the main thread's trainer is built on when the whole data set was
#: checked already (see TrainingController._check_trainable).
_CHECK_ROWS = 256
#: From this many values (examples × inputs, both sets) on, the whole data set is checked in
#: a thread, after the first examples were checked on the main thread: MNIST (47 million
#: values) took 0.2-0.3 s, a stall right after its import.
_BACKGROUND_CHECK_VALUES = 4_000_000
#: How often (ms) the main thread looks whether a background check has ended.
_CHECK_POLL_MS = 30
#: Seconds a running run's frames are shown behind the beat they were taken on: about the
#: time the slower frames take to arrive (see ShowSchedule). Measured with a 2-input network
#: of six hidden layers training beside its heatmaps: from beat to arrival 12 ms at the
#: median, 20-24 ms for one frame in ten and 33-38 ms for one in a hundred.
_SHOW_DELAY = FRAME_INTERVAL
#: Seconds between two frames shown, at least: room for the views to take each one.
_MIN_SHOW_GAP = FRAME_INTERVAL / 2
#: Frames the mailbox keeps for the main thread, at most (the newest).
_MAIL_FRAMES = 4
#: Tells the sender thread to end (after the commands queued before it).
_END_OF_COMMANDS = ("<end>",)

_context_lock = threading.Lock()
_context: Any = None


def _process_context() -> Any:
    """The multiprocessing context for training processes (fork server where available)."""
    global _context
    with _context_lock:
        if _context is None:
            if "forkserver" in multiprocessing.get_all_start_methods():
                from multiprocessing import forkserver

                _context = multiprocessing.get_context("forkserver")
                _context.set_forkserver_preload([_LOOP_MODULE])
                # Start the fork server now (without waiting for it): it imports the loop
                # module while the studio builds its window, so the first training process
                # starts at once.
                forkserver.ensure_running()
            else:
                _context = multiprocessing.get_context("spawn")
        return _context


@contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Start a process without running the program's main script in it.

    multiprocessing imports the parent's ``__main__`` again in a fork-server or spawned child
    (for functions defined there). The training process needs nothing from it, and a script
    that imports the GUI at the top (a benchmark, a test runner) would import Qt there.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    saved = {name: main.__dict__[name] for name in ("__file__", "__spec__") if name in vars(main)}
    main.__dict__.pop("__file__", None)
    main.__spec__ = None
    try:
        yield
    finally:
        main.__dict__.update(saved)


# ------------------------------------------------------------------------------------------------
# News from the process (receiver thread → main thread)
# ------------------------------------------------------------------------------------------------


@dataclass
class _Mail:
    """What the receiver leaves for the main thread (guarded by ``_Mailbox.lock``)."""

    #: Whole frames with their generation and number, oldest first. Running frames are
    #: shown on their beats (see ShowSchedule), so two arriving together both count; the
    #: process sends at most _FRAMES_IN_FLIGHT before the studio confirms one.
    frames: list[tuple[Frame, int, int]] = field(default_factory=list)
    states: list[tuple[int, str]] = field(default_factory=list)
    messages: list[tuple[int, str]] = field(default_factory=list)
    progress: dict | None = None
    progress_generation: int = -1
    lost: bool = False


class _Mailbox:
    """Frames and pending notes, written by the receiver, taken by the main thread.

    Progress is kept only when it is newer than any taken before: a frame built before a new
    state (a run's end, say) is sent after the state's news, with the progress of its older
    snapshot, and must not replace the state's (see :attr:`News.progress_seq`).
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._mail = _Mail()
        self._waiting = False
        #: The snapshot number of the newest progress posted, over the process's life (the
        #: loop numbers its snapshots from its start), so across takes too.
        self._progress_seq = -1

    def post(self, news: News, frame: Frame | None) -> bool:
        """Store news (``frame`` is its whole frame); return whether to wake the main thread."""
        with self.lock:
            mail = self._mail
            if frame is not None:
                mail.frames.append((frame, news.generation, news.seq))
                # A main thread that does not take its mail (a modal loop elsewhere, a
                # hang) keeps the newest few only; the confirmation of a newer frame
                # covers the older ones for the process.
                del mail.frames[:-_MAIL_FRAMES]
            if news.state is not None:
                mail.states.append((news.generation, news.state))
            if news.message:
                mail.messages.append((news.generation, news.message))
            if news.progress is not None and news.progress_seq >= self._progress_seq:
                # Equal numbers: a state's news and the frame that shows it, same progress.
                self._progress_seq = news.progress_seq
                mail.progress = news.progress
                mail.progress_generation = news.generation
            return self._wake()

    def post_lost(self) -> bool:
        """Note that the process has gone; return whether to wake the main thread."""
        with self.lock:
            self._mail.lost = True
            return self._wake()

    def _wake(self) -> bool:
        wake = not self._waiting
        self._waiting = True
        return wake

    def take(self) -> _Mail:
        with self.lock:
            mail = self._mail
            self._mail = _Mail()
            self._waiting = False
            return mail


class UiCost:
    """The user interface's processor time per frame, averaged over the last few frames.

    Fed the monotonic and main-thread processor time at each frame's arrival; the time
    between two arrivals is what one frame cost (with whatever else the user interface did
    meanwhile, which rightly counts too).
    """

    def __init__(self, frames: int = _UI_COST_FRAMES, window: float = _UI_COST_WINDOW) -> None:
        self._window = window
        self._arrivals: deque[tuple[float, float]] = deque(maxlen=frames + 1)
        self._walls: deque[float] = deque(maxlen=frames)

    def arrive(self, arrived: float, computed: float, running: bool) -> float | None:
        """Note a frame's arrival (``time.monotonic``, ``time.thread_time``).

        Returns the average processor seconds per frame since the oldest remembered arrival,
        or ``None`` when not known: the first frame of a run, a frame after a gap longer than
        the window, or any frame while not ``running`` (the time is then not the frames').
        """
        arrivals = self._arrivals
        if not running or (arrivals and arrived - arrivals[-1][0] > self._window):
            arrivals.clear()
            self._walls.clear()
        if not running:
            return None
        arrivals.append((arrived, computed))
        if len(arrivals) < 2:
            return None
        return (computed - arrivals[0][1]) / (len(arrivals) - 1)

    def painted(self, seconds: float) -> float:
        """Note the clock time from a frame's arrival until its views were done with it.

        Returns the median of that time over the last few frames (since the last restart of
        :meth:`arrive`'s average). One frame delayed by something else (a collection of the
        garbage collector, another process on the core) says nothing about the next: with
        the mean, a single 100 ms frame spaced the next eight out as if each took 12 ms more.
        Frames that are slow every time still set the median.
        """
        if not self._arrivals:
            return seconds  # not running: nothing to average with
        walls = self._walls
        walls.append(seconds)
        return statistics.median(walls)


@dataclass
class _Held:
    """A frame waiting for its time to be shown (see :class:`ShowSchedule`)."""

    at: float
    item: Any


class ShowSchedule:
    """When to show each frame of a running run: on the beat it was taken on, a little behind.

    The training process takes the frames' snapshots on a steady beat (:attr:`Frame.beat`, 30
    a second while the studio keeps up), but a frame reaches the studio 5–40 ms after its
    beat: it is built on a core that trains too, then sent and put back together while the
    user interface paints. Shown on arrival, frames came unevenly, and when two arrived
    together the views skipped the first. Shown a fixed delay behind their beats, they
    appear as evenly as they were taken. A frame later than the delay is shown on arrival,
    and the one after it at least ``min_gap`` later, so the views take each in turn.

    Holds any items in order; the caller asks :meth:`wait` when the next is due and takes
    it with :meth:`take_due`. Times are ``time.monotonic()`` seconds, which is one clock for
    every process of the machine, so the beats of the training process compare with it.

    Parameters
    ----------
    delay : float
        Seconds from a frame's beat to its showing.
    min_gap : float
        Seconds between two showings, at least.
    """

    def __init__(self, delay: float = _SHOW_DELAY, min_gap: float = _MIN_SHOW_GAP) -> None:
        self.delay = delay
        self.min_gap = min_gap
        self._held: deque[_Held] = deque()
        #: When the last item taken was taken.
        self._last_taken = -math.inf

    def __len__(self) -> int:
        return len(self._held)

    def add(self, item: Any, beat: float, now: float) -> None:
        """Hold ``item``, a frame taken on ``beat``, arriving ``now``."""
        at = beat + self.delay if math.isfinite(beat) else now
        # A beat read off another clock must not hold a frame back for longer than the delay.
        at = min(at, now + self.delay)
        before = self._held[-1].at if self._held else self._last_taken
        self._held.append(_Held(max(at, before + self.min_gap), item))

    def wait(self, now: float) -> float | None:
        """Seconds until the next item is due (0: now), or ``None`` when none is held."""
        if not self._held:
            return None
        return max(0.0, self._held[0].at - now)

    def take_due(self, now: float) -> Any:
        """The next item if it is due by ``now`` (it leaves the schedule), else ``None``."""
        if not self._held or self._held[0].at > now:
            return None
        item = self._held.popleft().item
        self._last_taken = now
        if self._held:
            # Taken late (the user interface was busy): the next keeps its distance.
            self._held[0].at = max(self._held[0].at, now + self.min_gap)
        return item

    def clear(self) -> list[Any]:
        """Drop and return every held item, oldest first; the next one starts afresh."""
        items = [held.item for held in self._held]
        self._held.clear()
        self._last_taken = -math.inf
        return items


class _Receiver(QtCore.QThread):
    """Reads the news pipe, makes frames whole, fills the mailbox; emits only ``wake``."""

    wake = Signal()

    def __init__(self, connection: Connection, mailbox: _Mailbox) -> None:
        super().__init__()
        self._connection = connection
        self._mailbox = mailbox

    def run(self) -> None:
        """Receive until the process's end of the pipe closes (it quit or died)."""
        assembler = FrameAssembler()
        try:
            while True:
                try:
                    news = self._connection.recv()
                except (EOFError, OSError):
                    break
                try:
                    frame = assembler.add(news)
                except Exception as error:
                    # A frame that cannot be made whole is dropped; the rest still counts.
                    frame = None
                    text = f"A training frame could not be shown: {error!r}"
                    news = replace(news, message=news.message or text)
                if self._mailbox.post(news, frame):
                    self.wake.emit()
        finally:
            self._connection.close()
        if self._mailbox.post_lost():
            self.wake.emit()


class _TrainingProcess:
    """One training process with its pipes and receiver thread (main-thread side)."""

    def __init__(self) -> None:
        context = _process_context()
        commands_read, self.commands = context.Pipe(duplex=False)
        news_read, news_write = context.Pipe(duplex=False)
        self.process = context.Process(
            target=run_training_process,
            args=(commands_read, news_write),
            name="nnstudio training",
            daemon=True,
        )
        with _main_script_hidden():
            self.process.start()
        # Only the child keeps these ends, so its exit shows here as the end of the news pipe.
        commands_read.close()
        news_write.close()
        self.mailbox = _Mailbox()
        self.receiver = _Receiver(news_read, self.mailbox)
        #: The data set the process holds (the object last sent) and its id.
        self.dataset: Dataset | None = None
        self.dataset_id = -1
        self.sender = CommandSender(self.commands)
        self.gone = False

    def send(self, command: tuple) -> bool:
        """Queue a command for the process; whether it is still taking commands.

        A process that dies meanwhile shows as the end of its news (the receiver reports it).
        """
        if self.gone or self.sender.failed:
            self.gone = True
            return False
        self.sender.send(command)
        return True

    def stop(self) -> None:
        """End the process within a bounded time: ask, then terminate, then kill."""
        self.send(("quit",))
        self.gone = True
        self.sender.finish()
        self.process.join(_SHUTDOWN_TIMEOUT)
        for end in (self.process.terminate, self.process.kill):
            if self.process.exitcode is not None:
                break
            end()
            self.process.join(_KILL_TIMEOUT)
        # With the process ended, a write still under way fails at once (broken pipe).
        if self.sender.wait(_KILL_TIMEOUT):
            self.commands.close()
        # The news pipe is closed now, so the receiver finishes its last news and ends.
        self.receiver.wait(int(1000 * _KILL_TIMEOUT))


class CommandSender:
    """Writes commands to a pipe from a thread of its own, in the order they were sent.

    :meth:`send` returns at once, however large the command and however slowly the other end
    reads it: the window never waits for the training process. The thread touches no Qt
    object.

    Parameters
    ----------
    connection : Connection
        Write end of the command pipe (closed by the caller, once :meth:`wait` says the
        thread has ended).
    """

    def __init__(self, connection: Connection) -> None:
        self._connection = connection
        self._queue: queue.SimpleQueue[tuple] = queue.SimpleQueue()
        #: Whether a write failed (the other end has closed); later commands are dropped.
        self.failed = False
        self._thread = threading.Thread(target=self._run, name="nnstudio commands", daemon=True)
        self._thread.start()

    def send(self, command: tuple) -> None:
        """Queue ``command``; it is written after every command queued before it."""
        self._queue.put(command)

    def finish(self) -> None:
        """Let the thread end once it has written what is queued."""
        self._queue.put(_END_OF_COMMANDS)

    def wait(self, timeout: float) -> bool:
        """Wait at most ``timeout`` seconds for the thread to end; whether it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            command = self._queue.get()
            if command is _END_OF_COMMANDS:
                return
            if self.failed:
                continue
            try:
                write_command(self._connection, command)
            except (OSError, ValueError):
                self.failed = True


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "it stopped answering and was ended"
    if code < 0:
        return f"it was ended by signal {-code}"
    return f"exit code {code}"


# ------------------------------------------------------------------------------------------------
# The controller (main thread)
# ------------------------------------------------------------------------------------------------


class TrainingController(QtCore.QObject):
    """Trains the document's network in the background and publishes frames.

    Parameters
    ----------
    document : StudioDocument
        Supplies the project, the weights and the data; receives the trained weights.
    parent : QObject or None

    Signals
    -------
    frameReady(Frame)
        A new frame, on the main thread, at most about 30 times a second.
    stateChanged(str)
        One of :data:`STATES`.
    message(str)
        Something the user should read (why training ended, why it cannot start).
    progress(dict)
        ``epoch``, ``step``, ``steps_per_second``, ``epochs_total``, ``eta_seconds`` (None
        when unknown) and ``state``, for the status bar.
    """

    frameReady = Signal(object)
    stateChanged = Signal(str)
    message = Signal(str)
    progress = Signal(dict)

    def __init__(self, document: StudioDocument, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        _process_context()
        self._document = document
        self._process: _TrainingProcess | None = None
        #: The receiver thread of the current (or last) training process.
        self._thread: _Receiver | None = None
        self._datasets_sent = 0
        self._state = "idle"
        self._latest_frame: Frame | None = None
        self._generation = 0
        self._has_session = False
        self._handed_back: Weights | None = None
        self._project: Project | None = None
        self._rebuild_pending = False
        self._closed = False
        self._handed_back_at = -math.inf
        #: What running frames cost the main thread, on average.
        self._ui_cost = UiCost()
        #: Running frames waiting for their beat to be shown: (process, generation, frame,
        #: seq) each.
        self._schedule = ShowSchedule()
        self._show_timer = QtCore.QTimer(self)
        self._show_timer.setSingleShot(True)
        self._show_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._show_timer.timeout.connect(self._show_due)
        self._pace: float | None = None
        #: Why the document's network could not be built for training (None: it could).
        self._build_error: str | None = None
        #: The data set whose every example passed the trainer's checks, and what the checks
        #: depended on (see _check_trainable).
        self._checked: tuple[Dataset, tuple] | None = None
        #: The whole-set check running in a thread, or the last one that found a problem
        #: (see _check_trainable).
        self._background_check: _BackgroundCheck | None = None
        self._failed_check: _BackgroundCheck | None = None
        self._check_timer = QtCore.QTimer(self)
        self._check_timer.setInterval(_CHECK_POLL_MS)
        self._check_timer.timeout.connect(self._follow_background_check)

        document.networkChanged.connect(self._schedule_rebuild)
        document.datasetChanged.connect(self._schedule_rebuild)
        document.projectChanged.connect(self._on_project_changed)
        document.weightsChanged.connect(self._on_weights_changed)
        document.trainingChanged.connect(self._on_training_changed)
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        # The first session starts from the event loop, once the window around the controller
        # is built and its document loaded (a command before that starts it at once).
        self._schedule_rebuild()

    # ---- properties ------------------------------------------------------------------------

    @property
    def state(self) -> str:
        """The current state, one of :data:`STATES`."""
        return self._state

    @property
    def latest_frame(self) -> Frame | None:
        """The last frame emitted (``None`` before the first one)."""
        return self._latest_frame

    @property
    def is_running(self) -> bool:
        """Whether training is in progress (not paused)."""
        return self._state == "running"

    @property
    def process_id(self) -> int | None:
        """The operating-system id of the training process, ``None`` while there is none."""
        process = self._process
        if process is None or process.gone:
            return None
        return process.process.pid

    @property
    def pace(self) -> float | None:
        """Most training steps a second; ``None`` trains as fast as the machine can."""
        return self._pace

    # ---- commands ----------------------------------------------------------------------------

    def set_pace(self, steps_per_second: float | None) -> None:
        """Train at most ``steps_per_second`` steps a second (``None``: full speed).

        A slow pace lets a learner follow every update; it changes nothing else about the
        run, takes effect at once, also while training runs, and holds for later runs.

        Raises
        ------
        ValueError
            When ``steps_per_second`` is not a positive, finite number.
        """
        if steps_per_second is not None:
            steps_per_second = float(steps_per_second)
            if not (steps_per_second > 0 and math.isfinite(steps_per_second)):
                raise ValueError(
                    f"a pace is a positive number of steps a second, not {steps_per_second!r}"
                )
        self._pace = steps_per_second
        if self._process is not None and not self._closed:
            self._send("pace", steps_per_second)

    def play(self) -> None:
        """Start or resume training (a finished or stopped run starts again from its weights)."""
        if self._ready():
            self._send("play")

    def pause(self) -> None:
        """Pause training after the current step."""
        if self._ready():
            self._send("pause")

    def toggle(self) -> None:
        """Play when not running, pause when running."""
        if self._state == "running":
            self.pause()
        else:
            self.play()

    def step(self) -> None:
        """Train on exactly one mini-batch, then stay paused."""
        if self._ready():
            self._send("step")

    def step_epoch(self) -> None:
        """Train until the current epoch is complete, then pause."""
        if self._ready():
            self._send("step_epoch")

    def stop(self) -> None:
        """End the run, keeping the weights."""
        if self._has_session and not self._closed:
            self._send("stop")

    def reset_weights(self) -> None:
        """Re-initialise the weights (seeded by the training seed) and start over."""
        if self._closed:
            return
        # The fresh weights handed back next are an initialisation, not training results.
        self._document.expect_fresh_weights()
        self._rebuild(fresh=True)

    def refresh(self) -> None:
        """Recompute a frame from the document's current weights (e.g. after an edit)."""
        if self._closed:
            return
        self._rebuild()

    def shutdown(self) -> None:
        """Stop training and end the training process (bounded wait, never hangs)."""
        if self._closed:
            return
        self._closed = True
        self._check_timer.stop()
        self._background_check = None  # its thread ends by itself
        for signal, slot in (
            (self._document.networkChanged, self._schedule_rebuild),
            (self._document.datasetChanged, self._schedule_rebuild),
            (self._document.projectChanged, self._on_project_changed),
            (self._document.weightsChanged, self._on_weights_changed),
            (self._document.trainingChanged, self._on_training_changed),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        process, self._process = self._process, None
        self._drop_held()  # after: a process about to stop needs no confirmations
        if process is not None:
            process.stop()

    # ---- internals: commands ---------------------------------------------------------------

    def _ready(self) -> bool:
        if self._closed:
            return False
        if self._rebuild_pending or self._process is None:
            # A pending edit, or a training process that has gone: start afresh from the
            # document.
            self._rebuild()
        if not self._has_session:
            reason = (
                self._document.dataset_error or self._build_error or "the network cannot be built"
            )
            self.message.emit(f"Cannot train: {reason}")
            return False
        return True

    def _send(self, *command: Any) -> None:
        process = self._process
        if process is not None and not process.send(command):
            self._process_gone(process)

    def _start_process(self) -> _TrainingProcess:
        process = _TrainingProcess()
        process.receiver.wake.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        process.receiver.start()
        self._process = process
        self._thread = process.receiver
        if self._pace is not None:
            self._send("pace", self._pace)
        return process

    def _process_gone(self, process: _TrainingProcess) -> None:
        """The training process ended unexpectedly: say so; the next command starts another."""
        if process is not self._process:
            return
        self._process = None
        self._has_session = False
        self._drop_held()  # the process has gone: nothing to confirm to it
        process.stop()
        code = process.process.exitcode
        if self._closed:
            return
        self.message.emit(
            f"Training stopped: the training process ended unexpectedly "
            f"({_describe_exit(code)}). Play starts a new run from the current weights."
        )
        if self._state in ("running", "paused"):
            self._state = "stopped"
            self.stateChanged.emit("stopped")

    # ---- internals: document -----------------------------------------------------------------

    def _schedule_rebuild(self, *_args: object) -> None:
        if self._closed or self._rebuild_pending:
            return
        self._rebuild_pending = True
        QtCore.QTimer.singleShot(0, self._rebuild_if_pending)

    def _rebuild_if_pending(self) -> None:
        if self._rebuild_pending and not self._closed:
            self._rebuild()

    def _on_project_changed(self, project: Project) -> None:
        previous = self._project
        if previous is None:
            return
        # Standardisation or names may change without a network or data signal (attach).
        if (
            project.standardization != previous.standardization
            or project.network != previous.network
            or project.loss != previous.loss
            or project.data != previous.data
        ):
            self._schedule_rebuild()

    def _on_weights_changed(self, weights: Weights | None) -> None:
        if weights is not None and weights is self._handed_back:
            return
        # Other weights now: the ones handed back are history (undo may bring that very
        # object back, and then it must reach the training process).
        self._handed_back = None
        self._schedule_rebuild()

    def _on_training_changed(self, training: TrainingSpec) -> None:
        if self._closed or not self._has_session or self._rebuild_pending:
            return
        if self._state == "idle":
            # Nothing trained yet: a new trainer picks up batch size, seed and dtype too.
            self._schedule_rebuild()
            return
        previous = self._project
        if previous is not None and training.dtype != previous.training.dtype:
            # The session's network and trainer hold arrays of the old precision, which new
            # settings do not convert: a new session builds them in the new one from the
            # document's weights (their values carry over), as after a network edit.
            self._schedule_rebuild()
            return
        self._project = replace(self._project, training=training) if self._project else None
        self._send("settings", training)

    def _rebuild(self, *, fresh: bool = False) -> None:
        """Check that the document's network can train, then send it to the process."""
        self._rebuild_pending = False
        process = self._process
        if process is None:
            try:
                process = self._start_process()
            except (OSError, RuntimeError, ValueError) as error:
                self._has_session = False
                self.message.emit(f"Cannot train: the training process did not start ({error}).")
                return
        document = self._document
        project = document.project
        dataset = document.dataset
        self._generation += 1
        self._project = project
        if dataset is None:
            self._has_session = False
            self._send("unload", self._generation)
            return
        weights = None if fresh else document.weights
        # The run counts on from how far the weights were trained (fresh ones: from 0).
        position = (0, 0) if weights is None else document.training_position
        try:
            # Built here too, so a problem is reported at once and in the same words.
            network = build_network(project, weights)
            self._check_trainable(project, network, dataset)
        except NNStudioError as error:
            self._has_session = False
            self._build_error = str(error)
            self._send("unload", self._generation)
            self.message.emit(f"Cannot train: {error}")
            return
        self._build_error = None
        self._has_session = True
        if weights is None:
            # The document gets the initial weights so they can be edited and saved.
            weights = network.weights()
            self.hand_back(weights)
        if dataset is not process.dataset:
            # A data set can be large: it travels only when it changed.
            self._datasets_sent += 1
            process.dataset, process.dataset_id = dataset, self._datasets_sent
            sent: Dataset | None = dataset
        else:
            sent = None
        request = SessionRequest(
            self._generation, project, weights, process.dataset_id, sent, position
        )
        self._send("load", request)

    def _check_trainable(self, project: Project, network: Network, dataset: Dataset) -> None:
        """Build a trainer as the process will, to report a problem at once.

        The trainer checks every example (finite values, values that fit the precision,
        targets the output layer can reach) and evaluates the network: about 10 ms per
        million examples, on every edit. Those checks depend on the data and on the
        network's inputs, output layer, loss, precision and standardisation only: once they
        passed, a change elsewhere (a hidden layer, the optimizer) builds the trainer on the
        first examples alone. A large data set is checked on its first examples here and
        in full in a thread (:class:`_BackgroundCheck`), whose problem, if any, ends the
        session when it is known.

        Raises
        ------
        NNStudioError
            As :func:`~nnstudio.workflow.make_trainer` does.
        """
        depends_on = _check_inputs(project)
        failed = self._failed_check
        if failed is not None and failed.covers(dataset, depends_on):
            raise NNStudioError(failed.problem)
        checked = self._checked
        running = self._background_check
        if (checked is not None and checked[0] is dataset and checked[1] == depends_on) or (
            running is not None and running.covers(dataset, depends_on)
        ):
            make_trainer(project, network, dataset.head(_CHECK_ROWS))
            return
        values = (dataset.n_train + dataset.n_val) * project.network.inputs
        if values < _BACKGROUND_CHECK_VALUES:
            make_trainer(project, network, dataset)
            self._checked = (dataset, depends_on)
            return
        # A large set: its first examples now, the rest in a thread (the training process
        # builds its own trainer meanwhile and reports the same problem in the same words).
        make_trainer(project, network, dataset.head(_CHECK_ROWS))
        self._background_check = _BackgroundCheck(project, network.weights(), dataset, depends_on)
        self._check_timer.start()

    def _follow_background_check(self) -> None:
        """Take the background check's verdict once it has one."""
        check = self._background_check
        if check is None or self._closed:
            self._check_timer.stop()
            return
        if check.running:
            return
        self._background_check = None
        self._check_timer.stop()
        project = self._project
        if project is None or not check.covers(self._document.dataset, _check_inputs(project)):
            return  # other data or settings by now: their own check decides
        if check.problem is None:
            self._checked = (check.dataset, check.depends_on)
            return
        self._failed_check = check
        self._has_session = False
        self._build_error = check.problem
        self._send("unload", self._generation)
        self.message.emit(f"Cannot train: {check.problem}")

    def hand_back_latest(self) -> None:
        """Give the document the newest shown frame's weights now, if a step trained them.

        While training runs the document gets them only a few times a second; what reads the
        document for the weights the window shows (an export) asks for them first.
        """
        frame = self._latest_frame
        if frame is None or frame.weights is self._handed_back or not run_has_trained(frame):
            return
        self.hand_back(frame.weights, frame_position(frame))
        self._handed_back_at = time.monotonic()

    def hand_back(self, weights: Weights, position: tuple[int, int] = (0, 0)) -> None:
        """Give the document ``weights`` from training (a frame's), without a new session.

        ``position`` is the run's epoch and step the weights were taken at, ``(0, 0)`` for
        weights no step has trained (see :attr:`StudioDocument.training_position`).
        """
        self._handed_back = weights
        self._document.set_weights(weights, position)

    # ---- internals: news from the process ----------------------------------------------------

    def _frame_taken(self, process: _TrainingProcess, seq: int, paint_cost: float | None) -> None:
        """Tell the process a frame was shown (or dropped), so it may send the next one."""
        if process is self._process:
            self._send("shown", seq, paint_cost)

    def _collect(self) -> None:
        process = self._process
        if process is None or self._closed:
            return
        mail = process.mailbox.take()
        self._deliver(process, mail)
        if mail.lost:
            self._process_gone(process)

    def _deliver(self, process: _TrainingProcess, mail: _Mail) -> None:
        current = self._generation
        shown: list[tuple[Frame, int]] = []
        for frame, generation, seq in mail.frames:
            if generation == current and not self._rebuild_pending:
                shown.append((frame, seq))
            else:
                # Nothing will be painted for this frame: the process may go on at once.
                self._frame_taken(process, seq, None)
        for generation, text in mail.messages:
            if generation == current:
                self.message.emit(text)
        states = [state for generation, state in mail.states if generation == current]
        for state in states:
            if state != self._state:
                self._state = state
                self.stateChanged.emit(state)
        if self._rebuild_pending:
            # The document changed under the run (an edit, undo, new data): its frames and
            # weights are out of date and must not overwrite the edit.
            return
        if self._state != "running" and len(shown) > 1:
            # Shown at once (not on their beats): only the newest is worth painting.
            for _frame, seq in shown[:-1]:
                self._frame_taken(process, seq, None)
            del shown[:-1]
        for frame, seq in shown:
            self._show_on_beat(process, frame, seq)
        if mail.progress is not None and mail.progress_generation == current:
            self.progress.emit(mail.progress)

    def _show_on_beat(self, process: _TrainingProcess, frame: Frame, seq: int) -> None:
        """Show a running run's frame on its beat (see :class:`ShowSchedule`), others now."""
        if self._state != "running":
            # A pause, a stop, a single step: shown at once; frames still held are older.
            self._drop_held()
            self._show(process, frame, seq)
            return
        self._schedule.add((process, self._generation, frame, seq), frame.beat, time.monotonic())
        self._show_due()

    def _drop_held(self) -> None:
        """Forget the frames held for their beats, confirming them to their process if it is
        still the current one (it may then send newer frames at once)."""
        self._show_timer.stop()
        for process, _generation, _frame, seq in self._schedule.clear():
            self._frame_taken(process, seq, None)

    def _show_due(self) -> None:
        """Show the held frame that is due, if any, and wait for the next."""
        item = self._schedule.take_due(time.monotonic())
        if item is not None:
            process, generation, frame, seq = item
            current = process is self._process and generation == self._generation
            if current and not self._rebuild_pending and not self._closed:
                self._show(process, frame, seq)
            else:
                # Its document or process has gone meanwhile: nothing to paint.
                self._frame_taken(process, seq, None)
        wait = self._schedule.wait(time.monotonic())
        if wait is not None and not self._closed:
            self._show_timer.start(math.ceil(1000 * wait))

    def _show(self, process: _TrainingProcess, frame: Frame, seq: int) -> None:
        self._latest_frame = frame
        arrived, computed = time.monotonic(), time.thread_time()
        # The views paint in later events, so the main thread's processor time between frame
        # arrivals measures what a frame costs the user interface (it includes whatever else
        # the user interface did meanwhile, which rightly counts too), averaged over the last
        # few frames. Only between frames of a running run: before Play the time is not the
        # frames'.
        spent_since = self._ui_cost.arrive(arrived, computed, self._state == "running")
        self.frameReady.emit(frame)
        # Trained by this run: a run may start from weights trained before (at a step > 0).
        trained = run_has_trained(frame)
        # Views redraw on weightsChanged too, so while running the document gets the weights a
        # few times a second; every pause, stop or end hands them back at once.
        due = arrived - self._handed_back_at >= _HAND_BACK_INTERVAL
        if trained and (self._state != "running" or due):
            self.hand_back(frame.weights, frame_position(frame))
            self._handed_back_at = arrived

        def shown() -> None:
            # Runs after the events queued while showing the frame.
            cost = self._ui_cost.painted(time.monotonic() - arrived)
            self._frame_taken(process, seq, max(cost, spent_since or 0.0))

        QtCore.QTimer.singleShot(0, self, shown)


def run_has_trained(frame: Frame) -> bool:
    """Whether ``frame``'s run has taken a step (its weights differ from those it began with)."""
    snapshot = frame.snapshot
    if snapshot is None:
        return False
    return int(snapshot.step) > int(getattr(snapshot, "start_step", 0))


def frame_position(frame: Frame) -> tuple[int, int]:
    """The epoch and step of the run ``frame``'s weights were taken at (0, 0 without one)."""
    snapshot = frame.snapshot
    if snapshot is None:
        return (0, 0)
    # After early stopping the weights are an earlier epoch's than the run reached.
    epoch, step = getattr(snapshot, "weights_position", (snapshot.epoch, snapshot.step))
    return (int(epoch), int(step))


def _check_inputs(project: Project) -> tuple:
    """What the trainer's checks of every example depend on (see ``_check_trainable``)."""
    spec = project.network
    return (spec.inputs, spec.output, project.loss, project.training.dtype, project.standardization)


class _BackgroundCheck:
    """Builds a trainer on a whole data set in a thread, to learn whether it can train.

    Only NumPy work happens in the thread; the main thread reads :attr:`running` and
    :attr:`problem` (set before the thread ends).
    """

    def __init__(
        self, project: Project, weights: Weights, dataset: Dataset, depends_on: tuple
    ) -> None:
        self.dataset = dataset
        self.depends_on = depends_on
        #: Why the network cannot train on the data, once the check found out.
        self.problem: str | None = None
        self._thread = threading.Thread(
            target=self._run, args=(project, weights), name="data-check", daemon=True
        )
        self._thread.start()

    def _run(self, project: Project, weights: Weights) -> None:
        try:
            make_trainer(project, build_network(project, weights), self.dataset)
        except NNStudioError as error:
            self.problem = str(error)

    @property
    def running(self) -> bool:
        """Whether the check has not ended yet."""
        return self._thread.is_alive()

    def covers(self, dataset: Dataset, depends_on: tuple) -> bool:
        """Whether this check decides for ``dataset`` with these check inputs."""
        return dataset is self.dataset and depends_on == self.depends_on
