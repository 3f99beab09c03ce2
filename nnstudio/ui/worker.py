"""Background training: the engine's :class:`~nnstudio.engine.trainer.Trainer` in a ``QThread``.

The :class:`TrainingController` lives on the main thread and is the studio's only handle on
training. It builds a network and a trainer from the :class:`StudioDocument`, hands them to a
worker thread and talks to that thread only through two thread-safe channels:

* a command queue (play, pause, step, step epoch, stop, new settings, a new session, quit),
  read by the worker between two mini-batch steps, so every command takes effect within one
  step;
* a lock-protected mailbox holding the *latest* :class:`~nnstudio.ui.frame.Frame` plus any
  state changes and messages. The worker builds a frame at most every 33 ms (and at every
  state change) and wakes the main thread with a payload-free queued signal; the main thread
  takes whatever is newest, so a slow user interface never makes training wait and training
  never floods the user interface (at most ~30 frames per second).

Per-step gradient norms and batch losses are accumulated in the worker from
``Trainer.snapshot(since_step=...)`` and every frame carries the whole history so far, so
coalescing frames loses nothing.

BLAS threads: NumPy's BLAS starts one thread per core. Next to the GUI thread those threads
fight for the cores and training ran about 9× slower on a two-core machine than with a single
BLAS thread. Call :func:`limit_blas_threads` first thing in the application entry point (it
sets ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS`` and ``MKL_NUM_THREADS`` to 1, which is the
reliable way when NumPy is not imported yet, and otherwise limits the already loaded BLAS
library at run time). The worker thread calls it again when it starts.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.engine.threads import limit_blas_threads
from nnstudio.errors import NNStudioError
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.ui.qt import Qt, QtCore, Signal
from nnstudio.workflow import build_network, make_trainer

if TYPE_CHECKING:
    from nnstudio.data import Dataset
    from nnstudio.engine.network import Network
    from nnstudio.engine.trainer import Snapshot, Trainer
    from nnstudio.spec import Project, TrainingSpec, Weights
    from nnstudio.ui.document import StudioDocument

#: Seconds between two frames while training runs (about 30 frames per second).
FRAME_INTERVAL = 1.0 / 30.0
#: Building a frame (worker) or showing it (main thread, which holds the GIL while painting)
#: may take at most this share of the time; slow frames space out further.
_FRAME_TIME_SHARE = 0.4
#: Seconds between two hand-backs of the weights to the document while training runs.
_HAND_BACK_INTERVAL = 0.25
#: Per-step records kept for the plots; beyond this every second record is dropped, so a
#: run of millions of steps keeps an evenly thinned history in bounded memory.
MAX_STEP_HISTORY = 200_000
#: How long :meth:`TrainingController.shutdown` waits for the worker to finish a step.
_SHUTDOWN_TIMEOUT_MS = 5000

#: Controller states.
STATES: tuple[str, ...] = (
    "idle",
    "running",
    "paused",
    "finished",
    "stopped",
    "early_stopped",
    "diverged",
)
#: States that end a run; Play then starts a new run from the current weights.
_END_STATES = ("finished", "stopped", "early_stopped", "diverged")

# ------------------------------------------------------------------------------------------------
# What the worker thread owns
# ------------------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Session:
    """One network with its trainer and frame builder, owned by the worker once sent."""

    generation: int
    project: Project
    dataset: Dataset
    network: Network
    trainer: Trainer
    builder: FrameBuilder


class _GrowingRows:
    """Rows appended over a run; :meth:`view` returns an immutable prefix (no copy)."""

    def __init__(self, width: int, dtype: Any = np.float64) -> None:
        self._data = np.zeros((256, width), dtype=dtype)
        self._size = 0

    def extend(self, rows: np.ndarray) -> None:
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
        prefix = self._data[: self._size]
        prefix = prefix.view()
        prefix.flags.writeable = False
        return prefix


@dataclass
class _Mail:
    """What the worker leaves for the main thread (guarded by ``_Mailbox.lock``)."""

    frame: Frame | None = None
    frame_generation: int = -1
    states: list[tuple[int, str]] = field(default_factory=list)
    messages: list[tuple[int, str]] = field(default_factory=list)
    progress: dict | None = None
    progress_generation: int = -1


class _Mailbox:
    """Latest frame and pending notes, written by the worker, taken by the main thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._mail = _Mail()
        self._waiting = False
        #: Seconds the main thread spent showing the last frame (written there, read by the
        #: worker to space frames out when painting is slow; a float store is atomic).
        self.paint_cost = 0.0
        #: Set while the main thread is not busy showing a frame. Python threads share one
        #: interpreter lock: a worker that keeps computing while the main thread paints makes
        #: every Qt call there wait for the lock, stretching a 15 ms paint past 100 ms. So the
        #: worker holds still (briefly, see ``wait_for_views``) until the frame is on screen.
        self.views_idle = threading.Event()
        self.views_idle.set()

    def wait_for_views(self, limit: float = 0.05) -> None:
        """Block the worker until the last frame was shown (at most ``limit`` seconds)."""
        self.views_idle.wait(limit)

    def post(
        self,
        generation: int,
        *,
        frame: Frame | None = None,
        state: str | None = None,
        message: str | None = None,
        progress: dict | None = None,
    ) -> bool:
        """Store news; return whether the main thread needs a wake-up call."""
        with self.lock:
            mail = self._mail
            if frame is not None:
                mail.frame = frame
                mail.frame_generation = generation
                self.views_idle.clear()
            if state is not None:
                mail.states.append((generation, state))
            if message:
                mail.messages.append((generation, message))
            if progress is not None:
                mail.progress = progress
                mail.progress_generation = generation
            wake = not self._waiting
            self._waiting = True
            return wake

    def take(self) -> _Mail:
        with self.lock:
            mail = self._mail
            self._mail = _Mail()
            self._waiting = False
            return mail


class _TrainingThread(QtCore.QThread):
    """Runs training steps and builds frames; touches no Qt object except emitting ``wake``."""

    wake = Signal()

    def __init__(self, commands: queue.Queue, mailbox: _Mailbox) -> None:
        super().__init__()
        self._commands = commands
        self._mailbox = mailbox
        self._session: _Session | None = None
        self._mode = "idle"
        self._epoch_target: int | None = None
        self._last_frame_time = -math.inf
        self._frame_cost = 0.0
        self._since_step = 0
        self._grad_steps = _GrowingRows(1, np.int64)
        self._grad_norms = _GrowingRows(1)
        self._batch_losses = _GrowingRows(2)
        self._rate_clock = time.monotonic()
        self._rate_steps = 0
        self._steps_per_second = 0.0

    # ---- loop --------------------------------------------------------------------------------

    def run(self) -> None:
        """Process commands and train until told to quit (the thread's body)."""
        limit_blas_threads()
        while True:
            busy = self._mode == "running" and self._session is not None
            try:
                command = self._commands.get(block=not busy)
            except queue.Empty:
                command = None
            try:
                while command is not None:
                    if command[0] == "quit":
                        return
                    self._handle(command)
                    command = self._next_command()
                if self._mode == "running" and self._session is not None:
                    self._mailbox.wait_for_views()
                    self._train_one_step()
            except Exception as error:
                # An unexpected failure must not kill the thread silently: the run stops and
                # the user reads what went wrong. No frame is built here (that may be what
                # failed).
                self._epoch_target = None
                self._mode = "stopped" if self._session is not None else "idle"
                generation = self._session.generation if self._session is not None else -1
                text = f"Training stopped by an internal error: {error!r}"
                if self._mailbox.post(generation, state=self._mode, message=text):
                    self.wake.emit()

    def _next_command(self) -> tuple | None:
        try:
            return self._commands.get_nowait()
        except queue.Empty:
            return None

    def _handle(self, command: tuple) -> None:
        name = command[0]
        session = self._session
        try:
            if name == "load":
                self._load(command[1])
            elif name == "unload":
                self._session = None
                self._set_mode("idle", generation=command[1])
            elif session is None:
                return
            elif name == "play":
                if self._mode in _END_STATES or (self._mode == "idle" and self._is_used_up()):
                    self._restart_run()
                self._epoch_target = None
                self._reset_rate()
                self._set_mode("running")
            elif name == "pause":
                self._epoch_target = None
                if self._mode == "running":
                    self._set_mode("paused")
            elif name == "step":
                if self._mode in _END_STATES:
                    self._restart_run()
                self._epoch_target = None
                self._train_one_step(publish=False)
                if self._mode not in _END_STATES:  # an end state was published already
                    self._set_mode("paused")
            elif name == "step_epoch":
                if self._mode in _END_STATES:
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
                self._publish(force=True)
        except NNStudioError as error:
            self._set_mode("stopped" if self._session is not None else "idle", message=str(error))

    # ---- commands ----------------------------------------------------------------------------

    def _load(self, session: _Session) -> None:
        self._session = session
        self._clear_history(session)
        self._set_mode("idle")

    def _clear_history(self, session: _Session) -> None:
        layers = session.network.n_layers
        self._since_step = session.trainer.step_count
        self._grad_steps = _GrowingRows(1, np.int64)
        self._grad_norms = _GrowingRows(layers)
        self._batch_losses = _GrowingRows(2)
        self._epoch_target = None

    def _is_used_up(self) -> bool:
        """Whether the trainer reached its epoch count (a new run is needed to go on)."""
        session = self._session
        return session is not None and session.trainer.is_done

    def _restart_run(self) -> None:
        """Start a new run (fresh optimizer and history) from the current weights."""
        session = self._session
        assert session is not None
        trainer = make_trainer(session.project, session.network, session.dataset)
        session.trainer = trainer
        self._clear_history(session)
        # The caller publishes the new run's state (running or paused).
        self._mode = "idle"

    def _apply_settings(self, training: TrainingSpec) -> None:
        session = self._session
        assert session is not None
        try:
            session.trainer.update_settings(training)
        except NNStudioError as error:
            if self._mailbox.post(session.generation, message=f"Settings not applied: {error}"):
                self.wake.emit()
            return
        session.project = replace(session.project, training=training)
        if self._mode == "finished" and not session.trainer.is_done:
            # More epochs were granted: the run may continue where it ended.
            self._set_mode("paused")
        else:
            self._publish(force=True)

    def _stop_message(self) -> str:
        session = self._session
        assert session is not None
        trainer = session.trainer
        return f"Stopped at epoch {trainer.epoch:,}, step {trainer.step_count:,}."

    # ---- training ----------------------------------------------------------------------------

    def _train_one_step(self, publish: bool = True) -> None:
        session = self._session
        assert session is not None
        trainer = session.trainer
        trainer.step()
        self._rate_steps += 1
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
                message = f"Finished {trainer.epoch:,} epochs ({trainer.step_count:,} steps)."
            self._set_mode(mode, message=message)
            return
        if self._epoch_target is not None and trainer.epoch >= self._epoch_target:
            self._epoch_target = None
            self._set_mode("paused")
            return
        if publish:
            self._publish()

    def _reset_rate(self) -> None:
        self._rate_clock = time.monotonic()
        self._rate_steps = 0

    def _measure_rate(self) -> float:
        now = time.monotonic()
        elapsed = now - self._rate_clock
        if elapsed >= 0.25 and self._rate_steps:
            current = self._rate_steps / elapsed
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
        if generation is None:
            generation = self._session.generation if self._session is not None else -1
        if mode != "running":
            self._steps_per_second = 0.0 if mode != "paused" else self._steps_per_second
        frame = self._build_frame() if self._session is not None else None
        progress = self._progress() if self._session is not None else None
        if self._mailbox.post(
            generation, frame=frame, state=mode, message=message, progress=progress
        ):
            self.wake.emit()

    def _publish(self, force: bool = False) -> None:
        now = time.monotonic()
        # Slow frames (building here or painting there) come less often, so training keeps
        # most of the time however heavy the views are.
        cost = max(self._frame_cost, self._mailbox.paint_cost)
        interval = max(FRAME_INTERVAL, cost / _FRAME_TIME_SHARE)
        if not force and now - self._last_frame_time < interval:
            return
        session = self._session
        assert session is not None
        frame = self._build_frame()
        if self._mailbox.post(session.generation, frame=frame, progress=self._progress()):
            self.wake.emit()

    def _build_frame(self) -> Frame:
        session = self._session
        assert session is not None
        started = time.monotonic()
        trainer = session.trainer
        snapshot: Snapshot = trainer.snapshot(since_step=self._since_step)
        self._since_step = snapshot.step
        if snapshot.step_numbers.size:
            steps = snapshot.step_numbers
            self._grad_steps.extend(steps[:, None])
            self._grad_norms.extend(snapshot.step_grad_norms)
            epochs = steps / float(trainer.steps_per_epoch)
            self._batch_losses.extend(np.column_stack([epochs, snapshot.step_losses]))
            if len(self._grad_steps) > MAX_STEP_HISTORY:
                for rows in (self._grad_steps, self._grad_norms, self._batch_losses):
                    rows.thin()
        frame = session.builder.build(session.network, snapshot)
        frame = replace(
            frame,
            grad_steps=self._grad_steps.view()[:, 0],
            grad_norms=self._grad_norms.view(),
            batch_losses=self._batch_losses.view(),
        )
        finished = time.monotonic()
        self._frame_cost = finished - started
        self._last_frame_time = finished
        return frame

    def _progress(self) -> dict:
        session = self._session
        assert session is not None
        trainer = session.trainer
        rate = self._measure_rate() if self._mode == "running" else self._steps_per_second
        total = trainer.training.epochs
        eta: float | None = None
        if total is not None and rate > 0:
            remaining = total * trainer.steps_per_epoch - trainer.step_count
            eta = max(remaining, 0) / rate
        return {
            "epoch": trainer.epoch,
            "step": trainer.step_count,
            "steps_per_second": rate,
            "epochs_total": total,
            "eta_seconds": eta,
            "state": self._mode,
        }


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
        self._document = document
        self._commands: queue.Queue = queue.Queue()
        self._mailbox = _Mailbox()
        self._thread = _TrainingThread(self._commands, self._mailbox)
        self._thread.wake.connect(self._collect, Qt.ConnectionType.QueuedConnection)
        self._state = "idle"
        self._latest_frame: Frame | None = None
        self._generation = 0
        self._has_session = False
        self._handed_back: Weights | None = None
        self._project: Project | None = None
        self._rebuild_pending = False
        self._closed = False
        self._showing_since = time.monotonic()
        self._handed_back_at = -math.inf

        document.networkChanged.connect(self._schedule_rebuild)
        document.datasetChanged.connect(self._schedule_rebuild)
        document.projectChanged.connect(self._on_project_changed)
        document.weightsChanged.connect(self._on_weights_changed)
        document.trainingChanged.connect(self._on_training_changed)
        app = QtCore.QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._thread.start()
        self._rebuild()

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

    # ---- commands ----------------------------------------------------------------------------

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
        """Stop training and end the worker thread (waits for the current step)."""
        if self._closed:
            return
        self._closed = True
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
        self._commands.put(("quit",))
        self._thread.wait(_SHUTDOWN_TIMEOUT_MS)

    # ---- internals: commands ---------------------------------------------------------------

    def _ready(self) -> bool:
        if self._closed:
            return False
        if self._rebuild_pending:
            self._rebuild()
        if not self._has_session:
            reason = self._document.dataset_error or "the network cannot be built"
            self.message.emit(f"Cannot train: {reason}")
            return False
        return True

    def _send(self, *command: Any) -> None:
        self._commands.put(command)

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
        self._schedule_rebuild()

    def _on_training_changed(self, training: TrainingSpec) -> None:
        if self._closed or not self._has_session or self._rebuild_pending:
            return
        if self._state == "idle":
            # Nothing trained yet: a new trainer picks up batch size, seed and dtype too.
            self._schedule_rebuild()
            return
        self._project = replace(self._project, training=training) if self._project else None
        self._send("settings", training)

    def _rebuild(self, *, fresh: bool = False) -> None:
        """Build a new network and trainer from the document and hand them to the worker."""
        self._rebuild_pending = False
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
        try:
            network = build_network(project, weights)
            trainer = make_trainer(project, network, dataset)
            builder = FrameBuilder(dataset)
        except NNStudioError as error:
            self._has_session = False
            self._send("unload", self._generation)
            self.message.emit(f"Cannot train: {error}")
            return
        self._has_session = True
        if weights is None:
            # The document gets the initial weights so they can be edited and saved.
            self._hand_back(network.weights())
        self._send(
            "load",
            _Session(
                generation=self._generation,
                project=project,
                dataset=dataset,
                network=network,
                trainer=trainer,
                builder=builder,
            ),
        )

    def _measure_paint(self) -> None:
        self._mailbox.paint_cost = time.monotonic() - self._showing_since
        self._mailbox.views_idle.set()

    def _hand_back(self, weights: Weights) -> None:
        self._handed_back = weights
        self._document.set_weights(weights)

    # ---- internals: mail from the worker -------------------------------------------------------

    def _collect(self) -> None:
        mail = self._mailbox.take()
        shows_frame = (
            mail.frame is not None
            and mail.frame_generation == self._generation
            and not (self._closed or self._rebuild_pending)
        )
        if not shows_frame:
            # Nothing will be painted for this mail: let the worker go on at once.
            self._mailbox.views_idle.set()
        if self._closed:
            return
        current = self._generation
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
        if mail.frame is not None and mail.frame_generation == current:
            frame = mail.frame
            self._latest_frame = frame
            self._showing_since = time.monotonic()
            self.frameReady.emit(frame)
            trained = frame.snapshot is not None and frame.snapshot.step > 0
            # Views redraw on weightsChanged too, so while running the document gets the
            # weights a few times a second; every pause, stop or end hands them back at once.
            due = self._showing_since - self._handed_back_at >= _HAND_BACK_INTERVAL
            if trained and (self._state != "running" or due):
                self._hand_back(frame.weights)
                self._handed_back_at = self._showing_since
            # Runs once the views have repainted, so the cost includes the painting.
            QtCore.QTimer.singleShot(0, self._measure_paint)
        if mail.progress is not None and mail.progress_generation == current:
            self.progress.emit(mail.progress)
