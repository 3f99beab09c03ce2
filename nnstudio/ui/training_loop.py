"""The training loop of the studio's training process, and how its frames are put back together.

The studio trains in a separate process (see :mod:`nnstudio.ui.worker`), so the user interface
and training never wait for each other's Python interpreter lock. This module is everything
that process runs, plus the small part of the protocol the studio's side needs; it imports no
Qt, so the process starts without the GUI libraries and tests drive the loop in-process.

Protocol
--------
Commands travel to the loop as tuples:

``("load", SessionRequest)``
    A new session: the project, the weights to start from with the epoch and step they were
    trained to, and the data set. The data set travels only when it changed (a
    :class:`SessionRequest` names it by ``dataset_id``); the loop builds the network, the
    trainer and a :class:`~nnstudio.ui.frame.FrameBuilder` itself.
``("unload", generation)``
    Forget the session (the studio has no usable data).
``("play",)``, ``("pause",)``, ``("step",)``, ``("step_epoch",)``, ``("stop",)``
    The training controls. Play, step and step epoch after the end of a run start a new run
    from its weights, counting on from its epoch and step; weights already trained for the
    project's epochs are not trained further (the run is reported finished, with why).
``("settings", TrainingSpec)``
    New training settings for the current run.
``("refresh",)``
    Send a frame now.
``("shown", seq, paint_cost)``
    The studio showed (or dropped) frame ``seq``; ``paint_cost`` is the seconds it spent
    painting it, or ``None``.
``("quit",)``
    End the loop.

Each command travels as :func:`write_command` writes it: its pickle without the contents of
its arrays, then each array's bytes as they lie in memory. Pickling a data set of hundreds of
megabytes whole would copy it while holding the interpreter lock, for a third of a second,
and the studio's window would stand still meanwhile.

The loop answers with :class:`News` values. A frame in a :class:`News` is *partial*, so a
frame stays small however long the run:

* ``grad_steps``, ``grad_norms`` and ``batch_losses`` hold only the steps since the previous
  frame, and ``snapshot.history`` only the epochs since then;
* the data set's probe and evaluation arrays (:data:`CONSTANT_FIELDS`) are ``None``; they
  travel once per data set in :attr:`News.constants`.

:class:`FrameAssembler` (studio side) accumulates the series over the run and fills the
constants back in, giving whole frames equal to what :meth:`FrameBuilder.build` would return
with the run's full history.

Threads and pacing
------------------
The loop's thread trains and reads commands; it looks for commands about every
:data:`COMMAND_POLL_INTERVAL` seconds (not after every step: a small network's step takes only
tens of microseconds). When a frame is due it only takes a snapshot (a copy of the weights and
the new records) and hands it to a publisher thread, which evaluates a second copy of the
network at those weights, builds the frame and sends it. Building a frame for a wide network
takes tens of milliseconds, mostly in NumPy calls that release the interpreter lock, so it runs
on the second core while training goes on; and a studio slow to read the pipe never makes
training wait. A new state (with its message and progress) is sent at once by the loop's
thread, so Pause and Stop show within milliseconds; the frame showing it follows when built
(frames may thus arrive after a later state, never out of order among themselves). Progress
travels with both, numbered by the snapshot it was taken with (:attr:`News.progress_seq`), so
the studio can tell a late frame's progress from the newer one a state brought.

A frame is due at most every :data:`FRAME_INTERVAL` seconds, and while at most
:data:`_FRAMES_IN_FLIGHT` frames wait for the studio to show them (or :data:`_ACK_TIMEOUT`
passed): the next frame is built and sent while the studio paints the last one, so building,
sending and painting overlap, and frames are never built just to be dropped. Slow frames
space out further: building them may keep the publisher busy at most
:data:`_BUILD_TIME_SHARE` of the time and painting them at most :data:`_PAINT_TIME_SHARE` of
the user interface's.
"""

from __future__ import annotations

import math
import pickle
import queue
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.engine.threads import limit_blas_threads
from nnstudio.engine.trainer import MAX_EPOCH_RECORDS, MAX_STEP_RECORDS, STATUSES, History
from nnstudio.errors import NNStudioError
from nnstudio.text import plural
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.workflow import build_network, make_trainer

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from nnstudio.data import Dataset
    from nnstudio.engine.network import Network
    from nnstudio.engine.trainer import Snapshot, Trainer
    from nnstudio.spec import Project, TrainingSpec, Weights

#: Seconds between two frames while training runs: the studio shows at most 30 a second.
FRAME_INTERVAL = 1.0 / 30.0
#: Seconds between two looks for new commands while training runs.
COMMAND_POLL_INTERVAL = 0.005
#: A paced run that fell behind (a slow frame, a busy machine) catches up at most this many
#: seconds of steps; beyond that it just goes on from now, so the pace never turns into a burst.
_PACE_CATCH_UP = 0.05
#: Building frames may keep the publisher thread busy at most this share of the time. It
#: shares the second core with the user interface and the interpreter with training, so the
#: share is what frames cost training: with 40 % a 784-128-64-10 network showed 14–17 frames
#: a second and trained at 86–93 % of its headless speed, with 25 % 8–11 frames and 92–99 %.
#: A 2-input network's heatmaps take 1–2 ms to build alone (at most 3–5 ms beside training),
#: so at 25 % they still come 30 times a second.
_BUILD_TIME_SHARE = 0.25
#: Frames whose build cost is averaged to pace the next ones.
_BUILD_COST_FRAMES = 8
#: Painting frames may take at most this share of the user interface's time. Training runs
#: in its own process, so painting no longer slows it down; the views split a frame's work
#: into short events, so input is still handled between them. A 2-input network of six
#: hidden layers of 8 costs the user interface 18-21 ms a frame (51 heatmaps on the canvas,
#: plots and docks 10 times a second): at 65 % that spaced its frames 34-36 ms apart.
_PAINT_TIME_SHARE = 0.75
#: The training process's interpreter switch interval in seconds (see run_training_process).
_SWITCH_INTERVAL = 0.001
#: Bytes the news pipe may buffer (frames of wide networks are about a megabyte).
_PIPE_BYTES = 1 << 20
#: Seconds after which a frame is sent although the studio has not confirmed the last ones.
_ACK_TIMEOUT = 1.0
#: Frames sent but not yet shown, at most: the one being painted, the one the studio holds
#: until its beat is a frame interval old (see ``ShowSchedule`` in the worker), and the next.
_FRAMES_IN_FLIGHT = 3
#: Per-step records kept for the plots; beyond this every second record is dropped, so a
#: run of millions of steps keeps an evenly thinned history in bounded memory (the same
#: bounds as the trainer's own records).
MAX_STEP_HISTORY = MAX_STEP_RECORDS
#: Per-epoch history rows kept; thinned like the per-step records beyond this.
MAX_EPOCH_HISTORY = MAX_EPOCH_RECORDS

#: Controller states: the trainer's statuses, with ``idle`` (no run yet) for ``ready``.
STATES: tuple[str, ...] = tuple("idle" if status == "ready" else status for status in STATUSES)
#: States that end a run; Play then starts a new run from the current weights, counting on
#: from the run's epoch and step (unless they reached the project's epochs).
END_STATES: tuple[str, ...] = ("finished", "stopped", "early_stopped", "diverged")
#: Frame fields fixed by the data set (the probe and evaluation rows): sent once per data set.
CONSTANT_FIELDS: tuple[str, ...] = (
    "probe_indices",
    "probe_inputs",
    "probe_labels",
    "probe_targets",
    "eval_indices",
    "eval_inputs",
    "eval_targets",
    "eval_labels",
    "eval_plane",
)


class ChannelClosed(Exception):
    """The other side of a command or news channel has gone: the loop ends."""


@dataclass(frozen=True, eq=False)
class SessionRequest:
    """What the loop needs to train one network.

    Attributes
    ----------
    generation : int
        The studio's session number; every :class:`News` about this session carries it.
    project : Project
        Network, loss and training settings.
    weights : Weights
        The parameters to start from.
    dataset_id : int
        Names the data set; the same id means the same data.
    dataset : Dataset or None
        The data, or ``None`` when the loop already has the data set ``dataset_id``.
    position : tuple of (int, int)
        The epoch and step ``weights`` were trained to (the document's
        ``training_position``): the session's run counts on from there.
    """

    generation: int
    project: Project
    weights: Weights
    dataset_id: int
    dataset: Dataset | None
    position: tuple[int, int] = (0, 0)


@dataclass(frozen=True, eq=False)
class News:
    """What the loop tells the studio: any of a partial frame, a state, a message, progress.

    Attributes
    ----------
    generation : int
        Session the news is about (-1: none).
    run : int
        Counts the runs the loop started; a new number means the per-run series start over.
    seq : int
        Number of the frame (0 when :attr:`frame` is ``None``).
    frame : Frame or None
        A partial frame (see the module docstring).
    dataset_id : int
        The data set the frame's :data:`CONSTANT_FIELDS` belong to.
    constants : dict or None
        Values of :data:`CONSTANT_FIELDS`, the first time a frame of ``dataset_id`` is sent.
    state : str or None
        A new state, one of :data:`STATES`.
    message : str
        Something the user should read, or ``""``.
    progress : dict or None
        Epoch, step, rate, total epochs, estimated time left and state.
    progress_seq : int
        Number of the snapshot :attr:`progress` was taken with: the number of the frame built
        from it (a state's news carries the number of the frame that shows it). Snapshots are
        numbered in the order the loop took them, but a frame goes out only once built, so
        it may arrive after the news of a later snapshot (a new state): the studio keeps the
        progress with the highest number.
    """

    generation: int
    run: int = 0
    seq: int = 0
    frame: Frame | None = None
    dataset_id: int = -1
    constants: dict[str, Any] | None = None
    state: str | None = None
    message: str = ""
    progress: dict | None = None
    progress_seq: int = 0


@dataclass(eq=False)
class _Session:
    """One network with its trainer, as the loop owns it.

    ``frame_network`` is a second network of the same shape for building frames: the
    publisher thread evaluates it at a snapshot's weights while the trainer goes on changing
    ``network``.
    """

    generation: int
    project: Project
    network: Network
    trainer: Trainer
    frame_network: Network


@dataclass(frozen=True, eq=False)
class _FrameJob:
    """Everything the publisher needs to build one frame and send it as :class:`News`."""

    generation: int
    run: int
    seq: int
    snapshot: Snapshot
    steps: np.ndarray
    grad_norms: np.ndarray
    batch_losses: np.ndarray
    network: Network
    builder: FrameBuilder
    dataset_id: int
    with_constants: bool
    progress: dict
    beat: float


class _Publisher:
    """A thread that builds frames and sends them, in the order they were handed over.

    Building a frame for a wide network takes tens of milliseconds, mostly in NumPy calls
    that release the interpreter lock, so on a second core it barely slows the training
    thread; sending never makes training wait for the studio to read the pipe either.
    States and messages go out at once through :meth:`send_now`, so Pause or Stop shows
    within milliseconds; the frame showing the new state follows when built.

    Parameters
    ----------
    send : callable
        Delivers one :class:`News`; raises :class:`ChannelClosed` when the studio has gone.
    """

    def __init__(self, send: Send) -> None:
        self._send_unlocked = send
        # News go out from two threads (see send_now); one at a time on the channel.
        self._lock = threading.Lock()
        self._items: queue.SimpleQueue[_FrameJob | None] = queue.SimpleQueue()
        #: Seconds a frame took to build, on average over the last few (written here, read
        #: by the loop).
        self.build_cost = 0.0
        self._build_costs: deque[float] = deque(maxlen=_BUILD_COST_FRAMES)
        #: Set when building a frame failed; frames are dropped until the loop clears it.
        self.failure: Exception | None = None
        #: Set when the studio has gone.
        self.closed = False
        self._thread = threading.Thread(target=self._run, name="frames", daemon=True)
        self._thread.start()

    def put(self, item: _FrameJob) -> None:
        """Hand over a frame to build and send; raises :class:`ChannelClosed` when closed."""
        if self.closed:
            raise ChannelClosed
        self._items.put(item)

    def send_now(self, news: News) -> None:
        """Send news from the calling thread at once, ahead of frames still being built."""
        if self.closed:
            raise ChannelClosed
        try:
            self._send(news)
        except ChannelClosed:
            self.closed = True
            raise

    def _send(self, news: News) -> None:
        with self._lock:
            self._send_unlocked(news)

    def close(self, timeout: float = 1.0) -> None:
        """Send what is queued (waiting at most ``timeout`` seconds), then end the thread."""
        self._items.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            item = self._items.get()
            if item is None:
                return
            if self.failure is not None:
                continue
            try:
                self._send(self._build(item))
            except ChannelClosed:
                self.closed = True
                return
            except Exception as error:
                # The loop stops the run when it sees the failure; the studio hears it now.
                self.failure = error
                text = f"Training stopped by an internal error: {error!r}"
                try:
                    self._send(News(item.generation, run=item.run, state="stopped", message=text))
                except ChannelClosed:
                    self.closed = True
                    return
                except Exception:
                    continue  # not even the error could be sent; the next news may be

    def note_build_cost(self, seconds: float) -> None:
        """Count one frame's build time into :attr:`build_cost`.

        The publisher thread's processor time: what building takes from the second core,
        and at most what the training thread can wait for the interpreter lock meanwhile.
        (The clock's time would also count the publisher's own waits for the lock while the
        training thread holds it; a small network training thousands of steps a second then
        makes a 5 ms build look like 15 ms, and slows the frames down for nothing.) Averaged
        over the last :data:`_BUILD_COST_FRAMES` frames, as one build may take far longer
        than the next.
        """
        costs = self._build_costs
        costs.append(seconds)
        self.build_cost = sum(costs) / len(costs)

    def _build(self, job: _FrameJob) -> News:
        started = time.thread_time()
        job.network.set_weights(job.snapshot.weights)
        frame = job.builder.build(job.network, job.snapshot)
        constants = None
        if job.with_constants:
            constants = {name: getattr(frame, name) for name in CONSTANT_FIELDS}
        frame = replace(
            frame,
            grad_steps=job.steps,
            grad_norms=job.grad_norms,
            batch_losses=job.batch_losses,
            beat=job.beat,
            **dict.fromkeys(CONSTANT_FIELDS),
        )
        self.note_build_cost(time.thread_time() - started)
        return News(
            job.generation,
            run=job.run,
            seq=job.seq,
            frame=frame,
            dataset_id=job.dataset_id,
            constants=constants,
            progress=job.progress,
            progress_seq=job.seq,
        )


#: Waits up to the given seconds (``None``: for ever) for a command; ``None`` when none came.
Receive = Callable[[float | None], Any]
#: Delivers one :class:`News` to the studio.
Send = Callable[[News], None]


# ------------------------------------------------------------------------------------------------
# The loop (training process)
# ------------------------------------------------------------------------------------------------


class TrainingLoop:
    """Runs commands and training steps and sends news, until told to quit.

    Parameters
    ----------
    receive : callable
        ``receive(timeout)`` returns the next command, waiting up to ``timeout`` seconds
        (``None``: until one arrives); ``None`` when none arrived. Raises
        :class:`ChannelClosed` when the studio has gone.
    send : callable
        ``send(news)`` delivers a :class:`News`; raises :class:`ChannelClosed` when the
        studio has gone.
    """

    def __init__(self, receive: Receive, send: Send) -> None:
        self._receive = receive
        self._publisher = _Publisher(send)
        self._session: _Session | None = None
        self._mode = "idle"
        self._epoch_target: int | None = None
        # The data set and the frame builder made for it (kept across sessions).
        self._dataset: Dataset | None = None
        self._dataset_id = -1
        self._builder: FrameBuilder | None = None
        self._constants_sent = False
        # Per-run series: what the last frame covered.
        self._run = 0
        self._since_step = 0
        #: The trainer whose warning (see Trainer.warning) went out.
        self._warned_trainer: Trainer | None = None
        self._since_epoch = -1
        # Frames: numbering, when the next one is due while training, and their cost.
        self._seq = 0
        self._shown_seq = 0  # the last frame the studio showed (or dropped)
        self._last_frame_time = -math.inf
        self._frame_due = -math.inf
        self._paint_cost = 0.0
        # Steps per second for the status bar.
        self._rate_clock = time.monotonic()
        self._rate_steps = 0
        self._steps_per_second = 0.0
        # Pace: at most this many steps a second (None: as fast as possible), when the next
        # step is due, and whether a step has been taken since the last frame.
        self._pace: float | None = None
        self._next_step_at = 0.0
        self._unshown_step = False

    # ---- loop --------------------------------------------------------------------------------

    def run(self) -> None:
        """Process commands and train until told to quit or the studio has gone."""
        try:
            self._serve()
        finally:
            self._publisher.close()

    def _serve(self) -> None:
        while True:
            try:
                command = self._receive(self._wait_time())
                while command is not None:
                    if command[0] == "quit":
                        return
                    self._check_publisher()
                    self._handle(command)
                    command = self._receive(0.0)
                self._check_publisher()
                if self._training():
                    if self._pace is None:
                        self._train_burst()
                    else:
                        self._train_paced()
            except ChannelClosed:
                return
            except Exception as error:
                # An unexpected failure must not end the loop silently: the run stops and
                # the user reads what went wrong. No frame is built here (that may be what
                # failed).
                try:
                    self._report_internal_error(error)
                except ChannelClosed:
                    return

    def _check_publisher(self) -> None:
        """Follow the publisher: end when the studio has gone, stop when a frame failed."""
        publisher = self._publisher
        if publisher.closed:
            raise ChannelClosed
        if publisher.failure is not None:
            # The publisher told the studio already; the run stops here too. The failed frame
            # may have been the one carrying the data set's rows: send them again.
            publisher.failure = None
            self._constants_sent = False
            self._epoch_target = None
            self._mode = "stopped" if self._session is not None else "idle"

    def _training(self) -> bool:
        return self._mode == "running" and self._session is not None

    def _wait_time(self) -> float | None:
        """How long to wait for a command: forever when idle, not at all at full speed."""
        if not self._training():
            return None
        if self._pace is None:
            return 0.0
        wake = self._next_step_at
        if self._unshown_step and self._frame_due < wake:
            wake = self._frame_due  # show the last step as soon as the studio can take it
        return max(0.0, wake - time.monotonic())

    def _report_internal_error(self, error: Exception) -> None:
        self._epoch_target = None
        self._mode = "stopped" if self._session is not None else "idle"
        generation = self._session.generation if self._session is not None else -1
        text = f"Training stopped by an internal error: {error!r}"
        self._publisher.send_now(News(generation, run=self._run, state=self._mode, message=text))

    def _handle(self, command: tuple) -> None:
        name = command[0]
        session = self._session
        try:
            if name == "load":
                self._load(command[1])
            elif name == "unload":
                self._session = None
                self._set_mode("idle", generation=command[1])
            elif name == "shown":
                self._frame_shown(command[1], command[2])
            elif name == "pace":
                self._set_pace(command[1])
            elif session is None:
                return
            elif name in ("play", "step", "step_epoch") and self._epochs_done():
                # The count goes on from the weights' own: at the project's epochs it ends.
                self._epoch_target = None
                self._set_mode("finished", message=self._epochs_done_message())
            elif name == "play":
                if self._mode in END_STATES or (self._mode == "idle" and session.trainer.is_done):
                    self._restart_run()
                self._epoch_target = None
                self._reset_rate()
                self._set_mode("running")
            elif name == "pause":
                self._epoch_target = None
                if self._mode == "running":
                    self._set_mode("paused")
            elif name == "step":
                if self._mode in END_STATES:
                    self._restart_run()
                self._epoch_target = None
                session.trainer.step()
                self._rate_steps += 1
                if not self._run_paused_or_ended():
                    self._set_mode("paused")
            elif name == "step_epoch":
                if self._mode in END_STATES:
                    self._restart_run()
                self._epoch_target = session.trainer.epoch + 1
                self._reset_rate()
                self._set_mode("running")
            elif name == "stop":
                self._epoch_target = None
                if self._mode in ("running", "paused"):
                    self._set_mode("stopped", message=self._stop_message())
            elif name == "settings":
                self._apply_settings(command[1])
            elif name == "refresh":
                self._send_frame()
        except NNStudioError as error:
            self._set_mode("stopped" if self._session is not None else "idle", message=str(error))

    # ---- commands ----------------------------------------------------------------------------

    def _load(self, request: SessionRequest) -> None:
        if request.dataset is not None:
            self._dataset = request.dataset
            self._dataset_id = request.dataset_id
            self._builder = FrameBuilder(request.dataset)
            self._constants_sent = False
        elif request.dataset_id != self._dataset_id or self._dataset is None:
            raise RuntimeError(f"data set {request.dataset_id} was never received")
        self._session = None
        try:
            network = build_network(request.project, request.weights)
            trainer = make_trainer(request.project, network, self._dataset, start=request.position)
        except NNStudioError as error:
            self._set_mode("idle", generation=request.generation, message=f"Cannot train: {error}")
            return
        frame_network = build_network(request.project, request.weights)
        self._session = _Session(
            request.generation, request.project, network, trainer, frame_network
        )
        self._clear_history()
        self._set_mode("idle")

    def _clear_history(self) -> None:
        session = self._session
        assert session is not None
        self._run += 1
        self._since_step = session.trainer.step_count
        self._since_epoch = -1
        self._epoch_target = None

    def _restart_run(self) -> None:
        """Start a new run (fresh optimizer and history) from the current weights.

        It counts on from the epoch and step the last run ended at, as the weights have
        been trained that far (a step into an epoch that did not end counts as a step only).
        """
        session = self._session
        assert session is not None and self._dataset is not None
        ended = session.trainer
        session.trainer = make_trainer(
            session.project,
            session.network,
            self._dataset,
            start=(ended.epoch, ended.step_count),
        )
        self._clear_history()
        # The caller publishes the new run's state (running or paused).
        self._mode = "idle"

    def _epochs_done(self) -> bool:
        """Whether the session's weights have been trained for the project's epochs."""
        session = self._session
        assert session is not None
        epochs = session.trainer.training.epochs
        return epochs is not None and session.trainer.epoch >= epochs

    def _epochs_done_message(self) -> str:
        """Why Play, Step or Step epoch trains no further (see :meth:`_epochs_done`)."""
        session = self._session
        assert session is not None
        trainer = session.trainer
        epochs = trainer.training.epochs
        assert epochs is not None
        # Short enough for the status bar of a small window.
        than = "as many as set" if trainer.epoch == epochs else f"more than the {epochs:,} set"
        return (
            f"Already trained for {plural(trainer.epoch, 'epoch')}, {than}: raise Epochs to "
            "train on, or reset the weights."
        )

    def _apply_settings(self, training: TrainingSpec) -> None:
        session = self._session
        assert session is not None
        try:
            session.trainer.update_settings(training)
        except NNStudioError as error:
            text = f"Settings not applied: {error}"
            self._publisher.send_now(News(session.generation, run=self._run, message=text))
            return
        session.project = replace(session.project, training=training)
        if self._mode == "finished" and not session.trainer.is_done:
            # More epochs were granted: the run may continue where it ended.
            self._set_mode("paused")
        else:
            self._send_frame()

    def _stop_message(self) -> str:
        session = self._session
        assert session is not None
        trainer = session.trainer
        return f"Stopped at epoch {trainer.epoch:,}, step {trainer.step_count:,}."

    def _frame_shown(self, seq: int, paint_cost: float | None) -> None:
        if paint_cost is not None:
            self._paint_cost = paint_cost
        if seq > self._shown_seq:
            self._shown_seq = seq
            if self._seq - seq < _FRAMES_IN_FLIGHT:
                # Room for another frame once the spacing has passed.
                self._frame_due = self._last_frame_time + self._frame_interval()

    def _set_pace(self, steps_per_second: float | None) -> None:
        if steps_per_second is not None and not steps_per_second > 0:
            raise ValueError(
                f"a pace must be a positive number of steps a second, not {steps_per_second!r}"
            )
        self._pace = None if steps_per_second is None else float(steps_per_second)
        self._reset_rate()
        self._steps_per_second = 0.0

    # ---- training ----------------------------------------------------------------------------

    def _train_burst(self) -> None:
        """Train until commands are due again, a frame aside, or the run pauses or ends."""
        session = self._session
        assert session is not None
        trainer = session.trainer
        step = trainer.step
        clock = time.monotonic
        target = self._epoch_target
        check_commands_at = clock() + COMMAND_POLL_INTERVAL
        steps = 0
        try:
            # The hot path: for a small network a step takes tens of microseconds, so nothing
            # here may cost more than a clock reading and a few comparisons per step.
            while True:
                step()
                steps += 1
                if trainer.is_done or (target is not None and trainer.epoch >= target):
                    break
                now = clock()
                if now >= self._frame_due:
                    self._send_frame()
                if now >= check_commands_at:
                    return
        finally:
            self._rate_steps += steps
        self._run_paused_or_ended()

    def _train_paced(self) -> None:
        """Take the steps that are due at the chosen pace, then show the last one.

        Between steps the loop waits for commands (see :meth:`_wait_time`), so a slow pace
        costs no processor time and Pause still takes effect at once.
        """
        session = self._session
        assert session is not None and self._pace is not None
        trainer = session.trainer
        target = self._epoch_target
        interval = 1.0 / self._pace
        now = time.monotonic()
        if now - self._next_step_at > _PACE_CATCH_UP:
            self._next_step_at = now
        stop_at = now + COMMAND_POLL_INTERVAL
        steps = 0
        try:
            while now >= self._next_step_at:
                trainer.step()
                steps += 1
                self._unshown_step = True
                self._next_step_at += interval
                if trainer.is_done or (target is not None and trainer.epoch >= target):
                    break
                now = time.monotonic()
                if now >= stop_at:
                    break
        finally:
            self._rate_steps += steps
        if self._run_paused_or_ended():
            return
        if self._unshown_step and time.monotonic() >= self._frame_due:
            self._send_frame()

    def _run_paused_or_ended(self) -> bool:
        """After a step: publish an end state or the end of a step-epoch; whether either."""
        session = self._session
        assert session is not None
        trainer = session.trainer
        # The trainer keeps a "finished" status after more epochs were granted live, so the
        # epoch count decides; diverged and early-stopped runs are always done.
        if trainer.is_done:
            self._epoch_target = None
            status = trainer.status
            mode = status if status in ("diverged", "early_stopped") else "finished"
            if status in ("finished", "diverged", "early_stopped"):
                message = trainer.snapshot(since_step=trainer.step_count).message
            else:
                # The epoch count was lowered live below the epochs already trained.
                epochs, steps = trainer.epoch, trainer.step_count
                message = f"Finished {plural(epochs, 'epoch')} ({plural(steps, 'step')})."
            self._set_mode(mode, message=message)
            return True
        if self._epoch_target is not None and trainer.epoch >= self._epoch_target:
            self._epoch_target = None
            self._set_mode("paused")
            return True
        return False

    def _reset_rate(self) -> None:
        """Start measuring the rate (and pacing the steps) from now."""
        self._rate_clock = self._next_step_at = time.monotonic()
        self._rate_steps = 0

    def _measure_rate(self) -> float:
        now = time.monotonic()
        elapsed = now - self._rate_clock
        if elapsed >= 0.25 and self._rate_steps:
            current = self._rate_steps / elapsed
            if self._pace is not None:
                # A short window of a paced run counts a step at each end (3 steps in 0.25 s at
                # 8 a second); over time the rate is the pace or less.
                current = min(current, self._pace)
            # Smooth so the status bar does not flicker.
            if self._steps_per_second > 0:
                self._steps_per_second = 0.7 * self._steps_per_second + 0.3 * current
            else:
                self._steps_per_second = current
            self._rate_clock = now
            self._rate_steps = 0
        return self._steps_per_second

    # ---- publishing --------------------------------------------------------------------------

    def _set_mode(self, mode: str, *, message: str = "", generation: int | None = None) -> None:
        self._mode = mode
        if mode != "running":
            self._steps_per_second = 0.0 if mode != "paused" else self._steps_per_second
        if self._session is None:
            gone = -1 if generation is None else generation
            self._publisher.send_now(News(gone, run=self._run, state=mode, message=message))
            return
        self._send_frame(state=mode, message=message)

    def _frame_interval(self) -> float:
        return max(
            FRAME_INTERVAL,
            self._publisher.build_cost / _BUILD_TIME_SHARE,
            self._paint_cost / _PAINT_TIME_SHARE,
        )

    def _send_frame(self, *, state: str | None = None, message: str = "") -> None:
        """Take a snapshot now; the publisher builds the frame from it and sends it.

        A new state or a message goes out at once, before the frame that shows it.
        """
        session = self._session
        assert session is not None and self._builder is not None
        trainer = session.trainer
        self._unshown_step = False
        snapshot: Snapshot = trainer.snapshot(since_step=self._since_step)
        self._since_step = snapshot.step
        if snapshot.warning is not None and trainer is not self._warned_trainer:
            # Said once per run, on its own: a state's message may follow.
            self._warned_trainer = trainer
            self._publisher.send_now(
                News(session.generation, run=self._run, message=snapshot.warning)
            )
        # Only what is new since the last frame travels (the studio adds it up).
        steps = np.asarray(snapshot.step_numbers, dtype=np.int64).ravel()
        n_layers = session.network.n_layers
        norms = np.asarray(snapshot.step_grad_norms, dtype=np.float64).reshape(-1, n_layers)
        # Where each step's loss was measured: before its update (see frame.py), counted back
        # from where the run is now, so steps after a change of batch size sit at their own
        # epochs (counting from step 0 at today's steps per epoch would misplace all of them).
        position = float(snapshot.epoch) + float(snapshot.epoch_progress)
        epochs = position - (snapshot.step - (steps - 1)) / float(trainer.steps_per_epoch)
        losses = np.column_stack([epochs, np.asarray(snapshot.step_losses, float).ravel()])
        history = snapshot.history
        new_rows = np.asarray(history.epoch) > self._since_epoch
        if len(history):
            self._since_epoch = int(history.epoch[-1])
        recent = History(
            **{column.name: getattr(history, column.name)[new_rows] for column in fields(History)}
        )
        progress = self._progress()
        # The frame's number, known now: the state's news (sent at once) and the frame (sent
        # once built) carry the same snapshot's progress, under the same number.
        seq = self._seq + 1
        if state is not None or message:
            self._publisher.send_now(
                News(
                    session.generation,
                    run=self._run,
                    state=state,
                    message=message,
                    progress=progress,
                    progress_seq=seq,
                )
            )
        now = time.monotonic()
        interval = self._frame_interval()
        # A steady beat: the next frame is due an interval after this one was due, not after
        # it went out (steps, the command poll and the other threads make every frame a little
        # late, which would otherwise add up); a frame late by more than an interval (a state
        # change, a pause, a slow studio) starts a new beat.
        due = self._frame_due
        self._last_frame_time = due if 0.0 <= now - due < interval else now
        self._seq = seq
        self._publisher.put(
            _FrameJob(
                generation=session.generation,
                run=self._run,
                seq=seq,
                snapshot=replace(snapshot, history=recent),
                steps=steps,
                grad_norms=norms,
                batch_losses=losses,
                network=session.frame_network,
                builder=self._builder,
                dataset_id=self._dataset_id,
                with_constants=not self._constants_sent,
                progress=progress,
                beat=self._last_frame_time,
            )
        )
        self._constants_sent = True
        if self._seq - self._shown_seq < _FRAMES_IN_FLIGHT:
            # The studio is painting the last frame: this one waits for it in the pipe.
            self._frame_due = self._last_frame_time + interval
        else:
            # Not before the studio confirms a frame (see _frame_shown), or the time-out.
            self._frame_due = now + _ACK_TIMEOUT

    def _progress(self) -> dict:
        session = self._session
        assert session is not None
        trainer = session.trainer
        rate = self._measure_rate() if self._mode == "running" else self._steps_per_second
        total = trainer.training.epochs
        eta: float | None = None
        if total is not None and rate > 0:
            # Counted from the epoch reached: the step count may have begun in another run,
            # at another batch size.
            left = total - trainer.epoch - trainer.epoch_progress
            eta = max(left * trainer.steps_per_epoch, 0.0) / rate
        return {
            "epoch": trainer.epoch,
            "step": trainer.step_count,
            "steps_per_second": rate,
            "epochs_total": total,
            "eta_seconds": eta,
            "state": self._mode,
        }


# ------------------------------------------------------------------------------------------------
# The process
# ------------------------------------------------------------------------------------------------


def write_command(connection: Connection, command: tuple) -> None:
    """Send ``command`` with its arrays' memory written as it is (never copied into a pickle).

    Parameters
    ----------
    connection : Connection
        Write end of the command pipe.
    command : tuple
        A command of the protocol (module docstring).

    Raises
    ------
    OSError, ValueError
        When the pipe is closed.
    """
    buffers: list[pickle.PickleBuffer] = []
    head = pickle.dumps(command, protocol=5, buffer_callback=buffers.append)
    views = [buffer.raw() for buffer in buffers]
    connection.send((head, [view.nbytes for view in views]))
    for view in views:
        # Written straight from the array's memory; the write itself lets go of the lock.
        connection.send_bytes(view)


def read_command(connection: Connection) -> tuple:
    """Receive a command sent by :func:`write_command` (its arrays writable, in fresh memory).

    Raises
    ------
    EOFError, OSError
        When the pipe is closed.
    """
    head, sizes = connection.recv()
    buffers = []
    for size in sizes:
        buffer = bytearray(size)
        connection.recv_bytes_into(buffer)
        buffers.append(buffer)
    return pickle.loads(head, buffers=buffers)


def _widen_pipe(connection: Connection) -> None:
    """Let a pipe hold a whole frame, so sending one takes one or two writes (Linux only)."""
    try:
        import fcntl

        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
    except (ImportError, AttributeError, OSError):
        pass  # a smaller pipe only means more, smaller writes


def run_training_process(commands: Connection, news: Connection) -> None:
    """Body of the training process: limit BLAS, then run a :class:`TrainingLoop`.

    Ends on ``("quit",)`` and when the studio's end of either pipe closes (the studio
    quit or died), so the process never outlives the studio.

    Parameters
    ----------
    commands : Connection
        Read end of the command pipe.
    news : Connection
        Write end of the news pipe.
    """
    # First thing: one BLAS thread. More would compete with the studio for the cores.
    limit_blas_threads(1)
    # Frames are built in a second thread (see _Publisher). The training thread holds the
    # interpreter lock nearly all the time for small networks; a short switch interval lets
    # the publisher take its turns promptly instead of waiting 5 ms for each.
    sys.setswitchinterval(_SWITCH_INTERVAL)
    _widen_pipe(news)

    def receive(timeout: float | None) -> Any:
        try:
            if timeout is not None and not commands.poll(timeout):
                return None
            return read_command(commands)
        except (EOFError, OSError) as error:
            raise ChannelClosed from error

    def send(item: News) -> None:
        try:
            news.send(item)
        except OSError as error:
            raise ChannelClosed from error

    try:
        TrainingLoop(receive, send).run()
    finally:
        commands.close()
        news.close()


# ------------------------------------------------------------------------------------------------
# Whole frames again (studio side)
# ------------------------------------------------------------------------------------------------


class GrowingRows:
    """Rows appended over a run; :meth:`view` returns an immutable prefix (no copy).

    Parameters
    ----------
    width : int
        Columns per row.
    dtype : dtype
        Element type.
    """

    def __init__(self, width: int, dtype: Any = np.float64) -> None:
        self._data = np.zeros((256, width), dtype=dtype)
        self._size = 0

    def extend(self, rows: np.ndarray) -> None:
        """Append ``rows``, shape (n, width) or anything that reshapes to it."""
        rows = np.asarray(rows, dtype=self._data.dtype).reshape(-1, self._data.shape[1])
        needed = self._size + rows.shape[0]
        if needed > self._data.shape[0]:
            # A fresh buffer, so prefixes already handed out stay untouched.
            grown = np.zeros((max(needed, 2 * self._data.shape[0]), self._data.shape[1]))
            grown = grown.astype(self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : needed] = rows
        self._size = needed

    def __len__(self) -> int:
        return self._size

    def thin(self) -> None:
        """Keep every second row (in a fresh buffer: views already handed out stay intact)."""
        kept = self._data[: self._size : 2].copy()
        self._data = np.zeros((max(2 * kept.shape[0], 256), kept.shape[1]), self._data.dtype)
        self._data[: kept.shape[0]] = kept
        self._size = kept.shape[0]

    def view(self) -> np.ndarray:
        """The rows so far, shape (len(self), width), read-only."""
        prefix = self._data[: self._size]
        prefix = prefix.view()
        prefix.flags.writeable = False
        return prefix


class FrameAssembler:
    """Turns the loop's partial frames into whole ones (studio side).

    Feed it every :class:`News` in the order sent, including those whose frames will not be
    shown: the series of a run are the sum of all frames' new rows.
    """

    def __init__(self) -> None:
        self._run: int | None = None
        self._constants: dict[int, dict[str, Any]] = {}
        self._steps = GrowingRows(1, np.int64)
        self._norms = GrowingRows(0)
        self._losses = GrowingRows(2)
        self._epochs = GrowingRows(1, np.int64)
        self._columns = [column.name for column in fields(History) if column.name != "epoch"]
        self._history = GrowingRows(len(self._columns))

    def add(self, news: News) -> Frame | None:
        """Take one news; return its frame made whole, or ``None`` when it has none."""
        if news.constants is not None:
            # Only the newest data set matters.
            self._constants = {news.dataset_id: news.constants}
        frame = news.frame
        if frame is None:
            return None
        constants = self._constants.get(news.dataset_id)
        if constants is None:
            raise RuntimeError(f"frame for data set {news.dataset_id} came before its data")
        if news.run != self._run:
            self._start_run(news.run, frame.grad_norms.shape[1])
        self._steps.extend(frame.grad_steps[:, None])
        self._norms.extend(frame.grad_norms)
        self._losses.extend(frame.batch_losses)
        if len(self._steps) > MAX_STEP_HISTORY:
            for rows in (self._steps, self._norms, self._losses):
                rows.thin()
        snapshot = frame.snapshot
        if snapshot is not None:
            snapshot = replace(snapshot, history=self._extend_history(snapshot.history))
        return replace(
            frame,
            snapshot=snapshot,
            run=news.run,
            grad_steps=self._steps.view()[:, 0],
            grad_norms=self._norms.view(),
            batch_losses=self._losses.view(),
            **constants,
        )

    def _start_run(self, run: int, n_layers: int) -> None:
        self._run = run
        self._steps = GrowingRows(1, np.int64)
        self._norms = GrowingRows(n_layers)
        self._losses = GrowingRows(2)
        self._epochs = GrowingRows(1, np.int64)
        self._history = GrowingRows(len(self._columns))

    def _extend_history(self, recent: History) -> History:
        if len(recent):
            self._epochs.extend(np.asarray(recent.epoch)[:, None])
            self._history.extend(np.column_stack([getattr(recent, name) for name in self._columns]))
            if len(self._epochs) > MAX_EPOCH_HISTORY:
                self._epochs.thin()
                self._history.thin()
        values = self._history.view()
        return History(
            epoch=self._epochs.view()[:, 0],
            **{name: values[:, index] for index, name in enumerate(self._columns)},
        )
