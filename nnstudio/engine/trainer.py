"""Mini-batch training with live control, metrics, early stopping and divergence handling.

A :class:`Trainer` owns the optimisation of one :class:`~nnstudio.engine.network.Network`.
It can be driven step by step (:meth:`Trainer.step`, :meth:`Trainer.run_epoch`) or run to the
end (:meth:`Trainer.run`), typically in a worker thread while another thread calls
:meth:`Trainer.request_pause`, :meth:`Trainer.request_resume`, :meth:`Trainer.request_stop`,
:meth:`Trainer.update_settings` and :meth:`Trainer.snapshot`. Those calls are thread-safe and
take effect between two steps.

Progress is published as immutable :class:`Snapshot` values that hold copies, so they can be
handed to another thread.

Bounded memory
--------------
Per-step records (batch loss, per-layer gradient norms) and per-epoch history rows are kept in
NumPy buffers that grow geometrically. When a buffer reaches its cap (:data:`MAX_STEP_RECORDS`,
:data:`MAX_EPOCH_RECORDS`) it is decimated: every second record is dropped and from then on
only every second eligible step/epoch is recorded (the stride doubles). Short runs keep every
record; a run of millions of steps keeps an evenly spaced subset. The latest values are always
available in the snapshot's scalar fields.
"""

from __future__ import annotations

import contextvars
import math
import operator
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nnstudio.engine.initializers import random_stream
from nnstudio.engine.kernel import TrainingKernel
from nnstudio.engine.network import Network, check_fits_dtype
from nnstudio.engine.optimizers import SAFE_MAGNITUDE, Optimizer, make_optimizer
from nnstudio.engine.schedules import learning_rate_at
from nnstudio.errors import DataError, SpecError
from nnstudio.spec import TASKS, TrainingSpec, Weights, canonical_activation, training_problems
from nnstudio.text import plural

__all__ = [
    "BLOW_UP_FACTOR",
    "DEAD_LAYER",
    "HISTORY_COLUMNS",
    "LOSS_ROSE",
    "MAX_EPOCH_RECORDS",
    "MAX_EVALUATION_ROWS",
    "MAX_STEP_RECORDS",
    "STATUSES",
    "WARNING_STARTS",
    "History",
    "Snapshot",
    "Trainer",
    "accuracy",
    "r2_score",
    "rmse",
]

#: Trainer states. ``ready``: nothing run yet (or only manual steps); ``running``; ``paused``;
#: then one of the end states.
STATUSES: tuple[str, ...] = (
    "ready",
    "running",
    "paused",
    "finished",
    "stopped",
    "early_stopped",
    "diverged",
)

#: A run whose training loss ends an epoch this many times above where it started has blown
#: up, even when its numbers stay finite (a too-large learning rate, a ReLU layer knocked dead).
BLOW_UP_FACTOR = 100.0
#: How the warning about such a run begins.
LOSS_ROSE = "The training loss rose from"
#: How the warning about a ReLU layer that went dead begins.
DEAD_LAYER = "Every unit of"
#: How every :attr:`Trainer.warning` begins.
WARNING_STARTS = (LOSS_ROSE, DEAD_LAYER)

#: Per-step records kept before decimation starts.
MAX_STEP_RECORDS = 200_000
#: Per-epoch history rows kept before decimation starts.
MAX_EPOCH_RECORDS = 20_000
#: Rows of each set evaluated at the end of an epoch. Larger sets are represented by a fixed,
#: seeded sample of this many rows: a full pass over a big training set would cost about a
#: third of the epoch's training again (a forward pass is a third of a step's work), while
#: 4096 rows pin a loss or accuracy down to well under a percent.
MAX_EVALUATION_ROWS = 4096

#: Columns of :class:`History` besides ``epoch``.
HISTORY_COLUMNS: tuple[str, ...] = (
    "train_loss",
    "val_loss",
    "train_objective",
    "train_accuracy",
    "val_accuracy",
    "train_rmse",
    "val_rmse",
    "train_r2",
    "val_r2",
    "learning_rate",
)


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------


def accuracy(Yhat: np.ndarray, Y: np.ndarray, labels: np.ndarray | None = None) -> float:
    """Fraction of rows classified correctly.

    One output column is a sigmoid probability thresholded at 0.5; several columns compare
    the argmax of the outputs with the argmax of the one-hot targets.

    Parameters
    ----------
    Yhat, Y : ndarray, shape (m, k)
    labels : ndarray of int, shape (m,), optional
        ``np.argmax(Y, axis=1)``, for a caller that scores the same targets again and again
        (an argmax along a short row costs as much as the rest of a small network's
        evaluation).

    Returns
    -------
    float in [0, 1] (NaN for an empty set)
    """
    if Yhat.shape[0] == 0:
        return math.nan
    if Yhat.shape[1] == 1:
        correct = (Yhat[:, 0] >= 0.5) == (Y[:, 0] >= 0.5)
    else:
        correct = np.argmax(Yhat, axis=1) == (np.argmax(Y, axis=1) if labels is None else labels)
    return float(np.mean(correct))


def rmse(Yhat: np.ndarray, Y: np.ndarray) -> float:
    """Root-mean-square error over all entries.

    Parameters
    ----------
    Yhat, Y : ndarray, shape (m, k)
    """
    if Yhat.size == 0:
        return math.nan
    R = Yhat.astype(np.float64) - Y
    # Scaled by the largest error first: errors beyond 1e154 would overflow when squared.
    scale = float(np.max(np.abs(R)))
    if scale == 0.0 or not math.isfinite(scale):
        return scale
    R /= scale
    return scale * float(np.sqrt(np.mean(R * R)))


def r2_score(Yhat: np.ndarray, Y: np.ndarray) -> float:
    """Coefficient of determination, averaged over output columns.

    Columns whose targets are constant have no defined R² and are left out; NaN when none is
    left.

    Parameters
    ----------
    Yhat, Y : ndarray, shape (m, k)
    """
    if Yhat.shape[0] < 2:
        return math.nan
    Y64 = Y.astype(np.float64)
    errors = Y64 - Yhat
    spread = Y64 - Y64.mean(axis=0)
    # Both sums scaled per column by the same number (their ratio is unchanged), so values
    # beyond 1e154 do not overflow when squared.
    scale = np.maximum(np.max(np.abs(errors), axis=0), np.max(np.abs(spread), axis=0))
    scale[~(scale > 0)] = 1.0
    residual = np.sum((errors / scale) ** 2, axis=0)
    total = np.sum((spread / scale) ** 2, axis=0)
    defined = total > 0
    if not defined.any():
        return math.nan
    return float(np.mean(1.0 - residual[defined] / total[defined]))


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


class _Series:
    """Rows ``(number, values...)`` in a growing buffer that decimates itself at a cap.

    Only numbers whose distance from ``origin`` is divisible by the current stride are
    recorded; at the cap, rows whose distance is not divisible by twice the stride are
    dropped and the stride doubles. A run that continues an earlier count thins its rows as
    one that starts at 0 does, and keeps its first row.
    """

    def __init__(self, width: int, cap: int, origin: int = 0) -> None:
        self.width = width
        self.cap = max(int(cap), 4)
        self.origin = origin
        self.stride = 1
        self.size = 0
        self.numbers = np.empty(64, dtype=np.int64)
        self.values = np.empty((64, width), dtype=np.float64)

    def append(self, number: int, row: np.ndarray | list[float]) -> None:
        if (number - self.origin) % self.stride:
            return
        if self.size == self.cap:
            keep = (self.numbers[: self.size] - self.origin) % (2 * self.stride) == 0
            kept = int(keep.sum())
            self.numbers[:kept] = self.numbers[: self.size][keep]
            self.values[:kept] = self.values[: self.size][keep]
            self.size = kept
            self.stride *= 2
            if (number - self.origin) % self.stride:
                return
        if self.size == len(self.numbers):
            capacity = min(2 * len(self.numbers), self.cap)
            self.numbers = np.resize(self.numbers, capacity)
            self.values = np.resize(self.values, (capacity, self.width))
        self.numbers[self.size] = number
        self.values[self.size] = row
        self.size += 1

    def append_parts(self, number: int, first: float, rest: np.ndarray) -> None:
        """Append the row ``(first, *rest)`` without building it first (the per-step path)."""
        if (
            (number - self.origin) % self.stride
            or self.size == self.cap
            or self.size == len(self.numbers)
        ):
            self.append(number, np.concatenate(([first], rest)))
            return
        self.numbers[self.size] = number
        values = self.values[self.size]
        values[0] = first
        values[1:] = rest
        self.size += 1

    def after(self, number: int) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the rows whose number is greater than ``number``."""
        start = int(np.searchsorted(self.numbers[: self.size], number, side="right"))
        return self.numbers[start : self.size].copy(), self.values[start : self.size].copy()


@dataclass(frozen=True)
class History:
    """Per-epoch metrics, one row per recorded epoch (row 0 is the network the run started
    from: the untrained one, or weights trained before at the run's first epoch).

    Every attribute is a 1-D array of the same length. Metrics that do not apply (accuracy for
    regression, RMSE and R² for classification, validation values without a validation set)
    are NaN. Losses are data losses without the regularisation penalty, evaluated in inference
    mode on the full sets, or on a fixed sample of :data:`MAX_EVALUATION_ROWS` rows of a larger
    set; ``train_objective`` adds the penalty. ``learning_rate`` is the
    rate used during that epoch (row 0: the starting rate).
    """

    epoch: np.ndarray
    train_loss: np.ndarray
    val_loss: np.ndarray
    train_objective: np.ndarray
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    train_rmse: np.ndarray
    val_rmse: np.ndarray
    train_r2: np.ndarray
    val_r2: np.ndarray
    learning_rate: np.ndarray

    def __len__(self) -> int:
        return len(self.epoch)

    @classmethod
    def empty(cls) -> History:
        """A history without rows."""
        return cls(np.empty(0, np.int64), *(np.empty(0) for _ in HISTORY_COLUMNS))


def _none_if_nan(value: float) -> float | None:
    return None if value is None or math.isnan(value) else float(value)


@dataclass(frozen=True)
class Snapshot:
    """The state of a training run at one moment; every array is a private copy.

    Attributes
    ----------
    epoch : int
        Completed epochs, counted from the weights' first training (see the trainer's
        ``start_epoch``).
    step : int
        Completed optimisation steps (mini-batches) in total, counted the same way.
    epoch_progress : float
        Fraction of the current epoch done, in [0, 1).
    total_epochs : int or None
        The run's epoch count (``None``: until stopped).
    batch_loss : float or None
        Objective (with penalty) of the last mini-batch, ``None`` before the first step.
    train_loss, val_loss : float or None
        Data loss on the evaluated sets at the last evaluation (end of an epoch, or the untrained
        network); ``val_loss`` is ``None`` without validation data.
    train_accuracy, val_accuracy : float or None
        Classification only.
    train_rmse, val_rmse, train_r2, val_r2 : float or None
        Regression only.
    learning_rate : float
        The learning rate of the current epoch.
    grad_norms : tuple of float
        Per-layer Euclidean norm of the last step's gradient ``(dW, db)`` of the data loss
        (without an L1/L2 penalty's part, before clipping); zeros before the first step.
    weights : Weights
        Copies of the parameters.
    history : History
        Per-epoch metrics.
    step_numbers : ndarray of int, shape (s,)
        Steps recorded after ``since_step`` (see :meth:`Trainer.snapshot`).
    step_losses : ndarray, shape (s,)
        Batch objective of those steps.
    step_grad_norms : ndarray, shape (s, n_layers)
        Per-layer gradient norms of those steps (of the data loss, before clipping).
    status : str
        One of :data:`STATUSES`.
    message : str
        Human-readable state, e.g. why training ended.
    best_epoch : int or None
        While early stopping is on: the epoch whose weights it keeps as the best so far, the
        last epoch whose monitored loss (validation, or training without a validation set)
        fell more than ``min_delta`` below the best before it. When early stopping ends the
        run (``early_stopped``) these weights are restored; a run that ends otherwise keeps
        its last weights. ``None`` while early stopping is off.
    best_loss : float or None
        The monitored loss at ``best_epoch`` (``None`` with it).
    train_objective : float or None
        ``train_loss`` plus the L1/L2 penalty of the weights (equal to it without a
        penalty): the cost J the steps minimise, evaluated with the weights now (after
        early stopping, the restored ones).
    warning : str or None
        Why the run looks wrong although it goes on (see :attr:`Trainer.warning`).
    start_epoch, start_step : int
        Where the run's count began: the epochs and steps its starting weights had been
        trained for (0 for fresh weights). The run has trained ``step - start_step`` steps.
    weights_epoch, weights_step : int or None
        How far the snapshot's ``weights`` were trained, where that differs from ``epoch``
        and ``step``: after early stopping restored the best epoch's weights, that epoch and
        the step it ended at. ``None`` otherwise (see :attr:`weights_position`).
    kept_units : tuple of (ndarray of bool or None)
        Dropout at work: which units the last step kept (``True``) and dropped (``False``)
        for the first sample of its mini-batch, one read-only array of shape (units,) per
        layer with dropout and ``None`` per layer without, read from the very masks that
        step trained with. Empty when there is nothing to show: no layer uses dropout, this
        trainer has not stepped yet, or its last step diverged (and was undone).
    """

    epoch: int
    step: int
    epoch_progress: float
    total_epochs: int | None
    batch_loss: float | None
    train_loss: float | None
    val_loss: float | None
    train_accuracy: float | None
    val_accuracy: float | None
    train_rmse: float | None
    val_rmse: float | None
    train_r2: float | None
    val_r2: float | None
    learning_rate: float
    grad_norms: tuple[float, ...]
    weights: Weights
    history: History
    step_numbers: np.ndarray
    step_losses: np.ndarray
    step_grad_norms: np.ndarray
    status: str
    message: str
    best_epoch: int | None = None
    best_loss: float | None = None
    train_objective: float | None = None
    warning: str | None = None
    start_epoch: int = 0
    start_step: int = 0
    kept_units: tuple[np.ndarray | None, ...] = ()
    weights_epoch: int | None = None
    weights_step: int | None = None

    @property
    def weights_position(self) -> tuple[int, int]:
        """The epoch and step the snapshot's weights were trained to (what a saved project
        records with them): ``(epoch, step)``, or the restored best epoch's after early
        stopping."""
        if self.weights_epoch is None or self.weights_step is None:
            return self.epoch, self.step
        return self.weights_epoch, self.weights_step

    @property
    def done(self) -> bool:
        """Whether the run has ended (finished, stopped, early stopped or diverged)."""
        return self.status in ("finished", "stopped", "early_stopped", "diverged")


@dataclass
class _Metrics:
    """Latest full-set evaluation."""

    train_loss: float = math.nan
    val_loss: float = math.nan
    train_objective: float = math.nan
    train_accuracy: float = math.nan
    val_accuracy: float = math.nan
    train_rmse: float = math.nan
    val_rmse: float = math.nan
    train_r2: float = math.nan
    val_r2: float = math.nan

    def row(self, learning_rate: float) -> list[float]:
        return [getattr(self, name) for name in HISTORY_COLUMNS[:-1]] + [learning_rate]


@dataclass
class _EarlyStopping:
    """Best monitored loss, its epoch and weights, and epochs without improvement."""

    best_loss: float = math.inf
    best_epoch: int | None = None
    #: The step the best epoch ended at.
    best_step: int = 0
    best_weights: Weights | None = None
    #: Whether the best epoch's weights were put back when the run stopped.
    restored: bool = False
    waited: int = 0
    monitored: str = "validation"


# --------------------------------------------------------------------------------------------
# Trainer
# --------------------------------------------------------------------------------------------


class Trainer:
    """Trains a network with mini-batch gradient descent.

    Each epoch visits every training sample once, in mini-batches drawn from a fresh seeded
    permutation (or in file order without shuffling). One step computes the batch objective
    and its gradient (dropout active), clips the gradient's global norm when asked, and lets
    the optimizer update the parameters in place. At the end of each epoch the losses and
    metrics are evaluated in inference mode (on each full set, or a fixed sample of
    :data:`MAX_EVALUATION_ROWS` rows of a larger one) and appended to the history.

    Safeguards: a step whose loss, gradient or resulting weights are not finite is undone
    (the weights from before the step are restored) and the run ends as ``diverged``. While
    the optimizer's bound on its step shows that the weights cannot overflow, which is nearly
    always, no backup is made and the weights are not checked; the trainer assumes that it
    alone changes the network's parameters. Early stopping watches the validation loss, or the
    training loss when there is no validation set, counting the untrained network as the
    first candidate; when patience runs out the best weights are restored and the run ends as
    ``early_stopped``.

    A run may continue the count of weights trained before (``start_epoch``,
    ``start_step``): its epochs and steps are numbered on from there, its history starts
    with the starting network at ``start_epoch``, the schedule goes on from that epoch, and
    ``training.epochs`` is where the count ends, not how many epochs this run adds.

    Parameters
    ----------
    network : Network
        Trained in place (its ``params`` change).
    training : TrainingSpec
        Optimizer, batch size, epochs, regularisation, schedule, early stopping, clipping.
        ``training.seed`` seeds the shuffling and dropout streams; ``training.dtype`` is
        ignored here (the network's dtype is used).
    X_train : array_like, shape (m, n_inputs)
        Raw training inputs (kept as given when floating point, not copied; standardised
        once, in float64, then cast to the network's dtype for the training steps).
    Y_train : array_like, shape (m, k)
        Targets already encoded for the output layer (one-hot, or one 0/1 column for a single
        sigmoid unit, or regression values).
    X_val, Y_val : array_like or None
        Optional validation set, shaped like the training set.
    task : {"classification", "regression"}
        Decides which metrics are computed.
    feature_names, target_names : sequence of str or None
        Input and target column names, for messages (columns are numbered otherwise).
    start_epoch, start_step : int
        The epochs and steps the network's weights were trained for before this run
        (``0`` for fresh weights).

    Raises
    ------
    DataError
        When the data does not fit the network, contains NaN/inf, or holds values too large
        for the network's dtype (naming the column).
    SpecError
        When a training setting is out of range.
    """

    def __init__(
        self,
        network: Network,
        training: TrainingSpec,
        X_train: np.ndarray,
        Y_train: np.ndarray,
        X_val: np.ndarray | None = None,
        Y_val: np.ndarray | None = None,
        *,
        task: str = "classification",
        feature_names: Sequence[str] | None = None,
        target_names: Sequence[str] | None = None,
        start_epoch: int = 0,
        start_step: int = 0,
    ) -> None:
        if task not in TASKS:
            raise SpecError(f"task: unknown {task!r}; expected one of {', '.join(TASKS)}")
        start_epoch, start_step = _check_start(start_epoch, start_step)
        _check_training(training)
        self.network = network
        self.task = task
        self.training = training
        self._names = (feature_names, target_names)
        self.X_train, self.Y_train = self._check_data(X_train, Y_train, "training")
        if self.X_train.shape[0] == 0:
            raise DataError("the training set has no samples")
        if (X_val is None) != (Y_val is None):
            raise DataError("validation inputs and targets must be given together")
        self.X_val: np.ndarray | None = None
        self.Y_val: np.ndarray | None = None
        if X_val is not None and Y_val is not None:
            X_v, Y_v = self._check_data(X_val, Y_val, "validation")
            if X_v.shape[0] > 0:
                self.X_val, self.Y_val = X_v, Y_v

        self._evaluation_sets = self._evaluation_samples(training.seed)
        #: The classes of the evaluated sets' one-hot targets, found once.
        self._evaluation_labels = [
            np.argmax(Y, axis=1) if self.task == "classification" and Y.shape[1] > 1 else None
            for _prefix, _X, Y in self._evaluation_sets
        ]
        self.optimizer: Optimizer = make_optimizer(training)
        self._shuffle_rng = random_stream(training.seed, "shuffle")
        self._dropout_rng = random_stream(training.seed, "dropout")

        # Guards the network, the optimizer and every record; held for a whole step.
        self._lock = threading.RLock()
        # Guards the control flags; run() waits on it while paused.
        self._control = threading.Condition()
        self._pause_requested = False
        self._stop_requested = False
        self._running = False

        n_layers = network.n_layers
        # Counted on from the weights' earlier training, so the schedule, the history and
        # the epoch count continue where that training left off.
        self._epoch = self._first_epoch = start_epoch
        self._step = self._first_step = start_step
        self._position = 0
        self._order: np.ndarray | None = None
        self._learning_rate = self._scheduled_rate()
        self._batch_loss = math.nan
        # Squared per-layer gradient norms of the last step (square roots are taken when a
        # snapshot is made, not every step).
        self._grad_squares = np.zeros(n_layers)
        # The step's hot path: reused buffers, one flat gradient (see engine/kernel.py).
        self._batch_rows = self.batch_size
        self._kernel = TrainingKernel(network, self._batch_rows)
        self._data = self._kernel.training_data(self.X_train, self.learned_targets(self.Y_train))
        # Rows of the last step whose dropout masks the snapshots show (0: none to show).
        self._kept_rows = 0
        self._has_dropout = any(layer.dropout > 0 for layer in network.spec.layers)
        self._weight_views = [W for W, _ in network.params]
        # Parameters before the current step, restored when the step diverges.
        self._backup = network.flat_params.copy()
        # An upper bound on the parameters' Euclidean norm (inf: unknown), see _step_locked.
        self._weights_bound = math.inf
        # Steps run in this context, where NumPy ignores floating-point errors: non-finite
        # values are detected explicitly, so warnings would only be noise. Entering it costs
        # far less than an np.errstate block per step; the lock keeps two threads from
        # entering it at once.
        self._quiet = contextvars.Context()
        self._quiet.run(np.seterr, all="ignore")
        # Per-step records: (step, batch objective, squared gradient norm per layer).
        self._steps = _Series(1 + n_layers, MAX_STEP_RECORDS, origin=start_step)
        self._epochs = _Series(len(HISTORY_COLUMNS), MAX_EPOCH_RECORDS, origin=start_epoch)
        self._early = _EarlyStopping(
            monitored="validation" if self.X_val is not None else "training"
        )
        self._status = "ready"
        self._message = "Ready to train."
        self._metrics = self._evaluate()
        self._epochs.append(start_epoch, self._metrics.row(self._learning_rate))
        self._start_loss = self._metrics.train_loss
        self._warning: str | None = None
        #: Layers that can go dead (see _check_dead_layers), found once: a full-batch run ends
        #: an epoch every step.
        self._relu_layers = tuple(
            index
            for index, layer in enumerate(network.spec.layers)
            if canonical_activation(layer.activation) == "relu"
        )
        if training.early_stopping is not None:
            # The untrained network is the first candidate for the best weights.
            self._track_best()

    # ---- validation ----------------------------------------------------------------------

    def _check_data(
        self, X: np.ndarray, Y: np.ndarray, which: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw inputs as floats (cast and standardised later) and targets in the net's dtype.

        Runs once, when the trainer is made: the steps check nothing about the data.
        """
        net = self.network
        try:
            # Floats are kept as they come (no copy): float64 data keeps its full values for
            # the standardisation, and float32 data has none to lose. Anything else becomes
            # float64.
            X = np.asarray(X)
            if X.dtype.kind != "f":
                X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{which} inputs are not numeric: {exc}") from None
        try:
            Y = np.asarray(Y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{which} targets are not numeric: {exc}") from None
        if X.ndim != 2 or X.shape[1] != net.spec.inputs:
            raise DataError(
                f"{which} inputs have shape {X.shape} but the network expects "
                f"(samples, {net.spec.inputs})"
            )
        if not np.isfinite(X).all():
            raise DataError(f"{which} inputs contain NaN or infinite values")
        if not np.isfinite(Y).all():
            raise DataError(f"{which} targets contain NaN or infinite values")
        feature_names, target_names = self._names
        check_fits_dtype(X, net.dtype, role=f"{which} input", names=feature_names)
        if net.target_standardization is None:
            check_fits_dtype(Y, net.dtype, role=f"{which} target", names=target_names)
        try:
            prepared = net.prepare_targets(Y, X.shape[0])
        except DataError as exc:
            raise DataError(f"{which} {exc}") from None
        # Standardised targets are kept in their units, for the metrics; the kernel learns
        # standardised copies (see learned_targets).
        Y = prepared if net.target_standardization is None else Y.reshape(prepared.shape)
        return np.ascontiguousarray(X), np.ascontiguousarray(Y)

    def learned_targets(self, Y: np.ndarray) -> np.ndarray:
        """Targets as the network learns them, shape (n, k), in the network's dtype.

        ``Y`` is :attr:`Y_train` or :attr:`Y_val`: already prepared, unless the network
        standardises its targets (then they are kept in their own units).
        """
        if self.network.target_standardization is None:
            return Y
        return self.network.prepare_targets(Y, Y.shape[0])

    def _evaluation_samples(self, seed: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """The sets evaluated at the end of an epoch: each set, or a fixed sample of a big one."""
        sets = [("train", self.X_train, self.Y_train)]
        if self.X_val is not None and self.Y_val is not None:
            sets.append(("val", self.X_val, self.Y_val))
        chosen = []
        for index, (prefix, X, Y) in enumerate(sets):
            if X.shape[0] > MAX_EVALUATION_ROWS:
                rng = random_stream(seed, "evaluation", index)
                rows = np.sort(rng.choice(X.shape[0], MAX_EVALUATION_ROWS, replace=False))
                X, Y = X[rows], Y[rows]
            chosen.append((prefix, X, Y))
        return chosen

    # ---- properties ----------------------------------------------------------------------

    @property
    def status(self) -> str:
        """One of :data:`STATUSES`."""
        return self._status

    @property
    def warning(self) -> str | None:
        """Why the run looks wrong although its numbers are finite, or ``None``.

        Set once, at the end of the first epoch whose training loss is more than
        :data:`BLOW_UP_FACTOR` times the loss the run started from, or after which a ReLU
        layer outputs 0 for every training example, and kept for the run. Begins with one of
        :data:`WARNING_STARTS`.
        """
        return self._warning

    @property
    def epoch(self) -> int:
        """Completed epochs (from ``start_epoch`` on)."""
        return self._epoch

    @property
    def weights_position(self) -> tuple[int, int]:
        """The epoch and step the network's weights were trained to: ``(epoch, step_count)``,
        or the best epoch's after early stopping put its weights back."""
        early = self._early
        if early.restored and early.best_epoch is not None:
            return early.best_epoch, early.best_step
        return self._epoch, self._step

    @property
    def step_count(self) -> int:
        """Completed steps (from ``start_step`` on)."""
        return self._step

    @property
    def start(self) -> tuple[int, int]:
        """The epoch and step the run started from (see ``start_epoch``, ``start_step``)."""
        return self._first_epoch, self._first_step

    @property
    def epoch_progress(self) -> float:
        """Fraction of the current epoch done, in [0, 1)."""
        return self._position / self.X_train.shape[0]

    @property
    def learning_rate(self) -> float:
        """Learning rate of the current epoch."""
        return self._learning_rate

    @property
    def batch_size(self) -> int:
        """Effective mini-batch size (``"full"`` and oversized values mean the whole set)."""
        m = self.X_train.shape[0]
        size = self.training.batch_size
        return m if size == "full" else max(1, min(int(size), m))

    @property
    def steps_per_epoch(self) -> int:
        """Mini-batches per epoch (the last one may be smaller)."""
        return -(-self.X_train.shape[0] // self.batch_size)

    @property
    def is_running(self) -> bool:
        """Whether :meth:`run` is currently executing (possibly paused)."""
        return self._running

    @property
    def is_done(self) -> bool:
        """Whether ``run()`` has nothing left to do (ended, or the epoch count is reached)."""
        if self._status in ("early_stopped", "diverged"):
            return True
        epochs = self.training.epochs
        return epochs is not None and self._epoch >= epochs

    # ---- control (thread-safe) -----------------------------------------------------------

    def request_pause(self) -> None:
        """Ask :meth:`run` to pause before its next step."""
        with self._control:
            self._pause_requested = True
            self._control.notify_all()

    def request_resume(self) -> None:
        """Let a paused :meth:`run` continue."""
        with self._control:
            self._pause_requested = False
            self._control.notify_all()

    def request_stop(self) -> None:
        """Ask :meth:`run` to stop before its next step (also ends a pause)."""
        with self._control:
            self._stop_requested = True
            self._control.notify_all()

    def update_settings(self, training: TrainingSpec) -> None:
        """Apply new settings without losing progress.

        The learning rate, schedule, regularisation, clipping, early stopping, epoch count,
        batch size and optimizer hyperparameters take effect at the next step (a new batch
        size continues through the current epoch's sample order); shuffling at the next
        epoch. A different optimizer starts with fresh state; the same optimizer
        keeps its velocities and moments. The seed and dtype only matter when a run starts.

        Raises
        ------
        SpecError
            When a setting is out of range.
        """
        _check_training(training)
        with self._lock:
            old = self.training
            self.training = training
            self._batch_rows = self.batch_size
            if training.early_stopping is not None and old.early_stopping is None:
                # Nothing was tracked while early stopping was off: start from now.
                self._early = _EarlyStopping(monitored=self._early.monitored)
                self._track_best()
            if training.optimizer != old.optimizer:
                self.optimizer = make_optimizer(training)
            else:
                self.optimizer.update_hyperparameters(training)
            self._learning_rate = self._scheduled_rate()

    # ---- training ------------------------------------------------------------------------

    def _scheduled_rate(self) -> float:
        t = self.training
        return learning_rate_at(t.schedule, t.learning_rate, self._epoch, t.epochs)

    def _start_epoch_order(self) -> None:
        """At an epoch's first step: its learning rate and sample order (None: file order)."""
        self._learning_rate = self._scheduled_rate()
        # The order is fixed for a whole epoch, so every sample is used exactly once even
        # when shuffling is switched mid-epoch.
        m = self.X_train.shape[0]
        self._order = self._shuffle_rng.permutation(m) if self.training.shuffle else None

    def step(self) -> float:
        """Train on one mini-batch.

        Returns
        -------
        float
            The batch objective (data loss plus penalty) before the update; NaN or inf when
            training diverged on this step (the weights are then restored and the status is
            ``diverged``).
        """
        with self._lock:
            return self._quiet.run(self._step_locked)

    def _step_locked(self) -> float:
        """One step; the caller holds the lock and runs it in :attr:`_quiet`."""
        t = self.training
        kernel = self._kernel
        position = self._position
        if position == 0:
            self._start_epoch_order()
        order = self._order
        stop = position + self._batch_rows
        m = kernel.load_batch(
            self._data, slice(position, stop) if order is None else order[position:stop]
        )
        loss = kernel.loss_and_gradients(m, l1=t.l1, l2=t.l2, rng=self._dropout_rng)
        if not math.isfinite(loss):
            return self._diverge(loss, f"the loss became {_describe_nonfinite(loss)}")
        squares = kernel.squared_layer_norms()
        # Summed in float64: no overflow for any finite float32 gradient.
        grad_norm = math.sqrt(math.fsum(squares.tolist()))
        if not math.isfinite(grad_norm):
            return self._diverge(loss, "the gradient became infinite or NaN")
        clip = t.clip_norm
        if clip is not None and grad_norm > clip:
            kernel.grads_flat *= self.network.dtype.type(clip / grad_norm)
            grad_norm = clip
        lr = self._learning_rate
        optimizer = self.optimizer
        flat = self.network.flat_params
        # The new parameters are finite for sure when their norm stays far below the largest
        # float: then neither the backup nor the finiteness check is needed. Otherwise (early
        # on, after a restore, or near divergence) the step is checked.
        bound = optimizer.update_norm_bound(lr, grad_norm)
        if self._weights_bound + bound < SAFE_MAGNITUDE:
            optimizer.step_flat(flat, kernel.grads_flat, lr, self._weight_views, grad_norm)
            self._weights_bound += bound
        else:
            np.copyto(self._backup, flat)
            optimizer.step_flat(flat, kernel.grads_flat, lr, self._weight_views, grad_norm)
            # A BLAS dot product is finite when every weight is, unless it overflows (weights
            # beyond 1e19 in float32); min and max (which propagate NaN and show ±inf) decide.
            squared = float(np.dot(flat, flat))
            self._weights_bound = math.sqrt(squared)
            if not math.isfinite(squared) and not (
                math.isfinite(np.minimum.reduce(flat)) and math.isfinite(np.maximum.reduce(flat))
            ):
                np.copyto(flat, self._backup)
                return self._diverge(loss, _WEIGHTS_NONFINITE)

        self._step += 1
        self._batch_loss = loss
        self._kept_rows = m
        # Recorded for the views: the data loss's gradient, as a penalty's λW would hide a
        # gradient that vanishes (and keep a dead layer from looking dead).
        data_squares = kernel.data_squared_layer_norms()
        np.copyto(self._grad_squares, data_squares)
        self._steps.append_parts(self._step, loss, data_squares)
        self._position = position = position + m
        if position >= self._data.rows:
            self._end_epoch()
        return loss

    def _diverge(self, loss: float, reason: str) -> float:
        """End the run as diverged; the weights are those from before this step."""
        self._status = "diverged"
        # The masks in the kernel's buffers are this undone step's.
        self._kept_rows = 0
        if self._step == self._first_step and reason != _WEIGHTS_NONFINITE:
            # Nothing was updated yet: the starting weights on the data overflow the loss or
            # its gradient, which no learning rate changes.
            dtype = np.dtype(self.network.dtype).name
            self._message = (
                f"Training cannot start: {reason.replace('became', 'is')} at the first step, "
                "before any update, so the learning rate is not the cause: the data's values "
                f"are too large for the loss in {dtype}. Rescale or standardise the targets "
                "(and the inputs)."
            )
        else:
            advice = "lower the learning rate" + (
                " or set gradient clipping" if self.training.clip_norm is None else ""
            )
            self._message = (
                f"Training diverged at epoch {self._epoch + 1:,}, step {self._step + 1:,}: "
                f"{reason}. Weights were restored to the last finite values; {advice}."
            )
        self._batch_loss = loss
        return loss

    def _end_epoch(self) -> None:
        self._epoch += 1
        self._position = 0
        self._order = None
        self._metrics = self._evaluate()
        self._epochs.append(self._epoch, self._metrics.row(self._learning_rate))
        if not math.isfinite(self._metrics.train_loss):
            self._status = "diverged"
            self._message = (
                f"Training diverged at epoch {self._epoch:,}, step {self._step:,}: the training "
                "loss became non-finite although the weights are finite; lower the learning "
                "rate."
            )
            return
        self._check_blow_up()
        self._check_dead_layers()
        if self.training.early_stopping is not None and self._check_early_stopping():
            return
        epochs = self.training.epochs
        if epochs is not None and self._epoch >= epochs:
            self._status = "finished"
            self._message = (
                f"Finished {plural(self._epoch, 'epoch')} ({plural(self._step, 'step')})."
            )
        self._learning_rate = self._scheduled_rate()

    def _check_blow_up(self) -> None:
        """Warn once when the training loss has risen far above where the run started."""
        start, now = self._start_loss, self._metrics.train_loss
        if self._warning is None and 0 < start < now / BLOW_UP_FACTOR:
            self._warning = (
                f"{LOSS_ROSE} {start:.4g} to {now:.4g} by epoch {self._epoch:,}: the learning "
                "rate is probably too large. Lower it or clip gradients, then reset the weights."
            )

    def _check_dead_layers(self) -> None:
        """Warn once when a ReLU layer outputs 0 for every evaluated training example.

        Its gradient and that of every layer below are then exactly 0: nothing can revive it.
        Only looked into when the last step's gradient of such a layer was exactly 0.
        """
        if self._warning is not None:
            return
        suspects = [index for index in self._relu_layers if self._grad_squares[index] == 0]
        if not suspects:
            return
        _prefix, X, _Y = self._evaluation_sets[0]
        with np.errstate(all="ignore"):
            Z = self.network.forward(X).Z
        for index in suspects:
            if not (Z[index] > 0).any():
                output = index == self.network.n_layers - 1
                name = "the output layer" if output else f"hidden layer {index + 1}"
                self._warning = (
                    f"{DEAD_LAYER} {name} (ReLU) outputs 0 for every training "
                    f"example after epoch {self._epoch:,}: no gradient reaches it or the layers "
                    "below, so they cannot learn any more. A step that was too large, or an "
                    "initialisation that starts every unit below 0, does this: lower the "
                    "learning rate or change the initialisation, then reset the weights."
                )
                return

    def _track_best(self) -> bool:
        """Remember the current weights if the monitored loss improved; return whether it did."""
        early = self._early
        metrics = self._metrics
        monitored = metrics.val_loss if self.X_val is not None else metrics.train_loss
        if monitored < early.best_loss - self.training.min_delta:
            early.best_loss = monitored
            early.best_epoch = self._epoch
            early.best_step = self._step
            early.best_weights = self.network.weights()
            early.waited = 0
            return True
        return False

    def _check_early_stopping(self) -> bool:
        """Track the best monitored loss; restore its weights and stop when patience runs out."""
        early = self._early
        t = self.training
        if self._track_best():
            return False
        early.waited += 1
        if early.waited < int(t.early_stopping):  # type: ignore[arg-type]
            return False
        if early.best_weights is not None:
            self.network.set_weights(early.best_weights)
            early.restored = True
            self._weights_bound = math.inf
            self._metrics = self._evaluate()
        self._status = "early_stopped"
        self._message = (
            f"Early stopping at epoch {self._epoch:,}: the {early.monitored} loss did not "
            f"improve{f' by more than {t.min_delta:g}' if t.min_delta else ''} for "
            f"{plural(early.waited, 'epoch')}; restored the weights of epoch "
            f"{early.best_epoch:,} ({early.monitored} loss {early.best_loss:.4g})."
        )
        return True

    def _evaluate(self) -> _Metrics:
        """Losses and metrics on the evaluated sets, in inference mode.

        Weights near divergence overflow quietly here: a non-finite loss is detected and
        reported by the caller.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            return self._evaluate_sets()

    def _evaluate_sets(self) -> _Metrics:
        net = self.network
        t = self.training
        metrics = _Metrics()
        for (prefix, X, Y), labels in zip(
            self._evaluation_sets, self._evaluation_labels, strict=True
        ):
            loss, Yhat = net.evaluate(X, Y)
            setattr(metrics, f"{prefix}_loss", loss)
            if self.task == "classification":
                setattr(metrics, f"{prefix}_accuracy", accuracy(Yhat, Y, labels))
            else:
                # RMSE in the targets' units (R² is the same in either).
                Yhat = net.output_values(Yhat)
                setattr(metrics, f"{prefix}_rmse", rmse(Yhat, Y))
                setattr(metrics, f"{prefix}_r2", r2_score(Yhat, Y))
        metrics.train_objective = metrics.train_loss + net.penalty(t.l1, t.l2)
        return metrics

    def run_epoch(self) -> float:
        """Train until the current epoch ends (or training diverges).

        Returns
        -------
        float
            The training data loss evaluated at the end of the epoch.
        """
        start_epoch = self._epoch
        while self._epoch == start_epoch and self._status != "diverged":
            self.step()
        return self._metrics.train_loss

    def run(
        self,
        callback: Callable[[Snapshot], object] | None = None,
        *,
        snapshot_every_epochs: int = 1,
        snapshot_every_seconds: float | None = None,
    ) -> Snapshot:
        """Train until the epochs are done, a stop is requested, or training ends otherwise.

        Pause requests are honoured between steps: the call blocks (without busy-waiting)
        until :meth:`request_resume` or :meth:`request_stop`. Calling ``run`` again after a
        stop (or after :meth:`update_settings` granted more epochs) continues the same run.

        Parameters
        ----------
        callback : callable or None
            Called in this thread with a :class:`Snapshot` after every
            ``snapshot_every_epochs`` epochs, when pausing, and when the run ends. Each
            snapshot's per-step arrays cover the steps since the previous callback, so a
            consumer that merges snapshots should concatenate them.
        snapshot_every_epochs : int
            Epoch interval between callbacks (>= 1).
        snapshot_every_seconds : float or None
            Also call back mid-epoch when this much time has passed since the last callback
            (useful when one epoch takes long).

        Returns
        -------
        Snapshot
            The final state, with the per-step arrays since the last callback.
        """
        every = max(int(snapshot_every_epochs), 1)
        last_step = self._step
        last_time = time.monotonic()

        def publish() -> None:
            nonlocal last_step, last_time
            if callback is not None:
                snapshot = self.snapshot(since_step=last_step)
                last_step = snapshot.step
                last_time = time.monotonic()
                callback(snapshot)

        with self._lock:
            if self._running:
                raise RuntimeError("Trainer.run() is already running in another thread")
            self._running = True
            # A new call after any end continues from the current (possibly restored) weights.
            self._status = "running"
            self._message = self._running_message()
        try:
            while True:
                if self._wait_while_paused(publish):
                    with self._lock:
                        self._status = "stopped"
                        self._message = f"Stopped at epoch {self._epoch:,}, step {self._step:,}."
                    break
                with self._lock:
                    if self._status == "running" and self.is_done:
                        self._status = "finished"
                        self._message = (
                            f"Finished {plural(self._epoch, 'epoch')} "
                            f"({plural(self._step, 'step')})."
                        )
                    if self._status != "running":
                        break
                    epoch_before = self._epoch
                    self._quiet.run(self._step_locked)
                    ended = self._status != "running"
                    if not ended:
                        self._message = self._running_message()
                epoch_done = self._epoch != epoch_before
                if ended:
                    break
                if epoch_done and self._epoch % every == 0:
                    publish()
                elif (
                    snapshot_every_seconds is not None
                    and time.monotonic() - last_time >= snapshot_every_seconds
                ):
                    publish()
        finally:
            self._running = False
            with self._control:
                self._stop_requested = False
                self._pause_requested = False
        final = self.snapshot(since_step=last_step)
        if callback is not None:
            callback(final)
        return final

    def _running_message(self) -> str:
        epochs = self.training.epochs
        of = f" of {epochs:,}" if epochs is not None else ""
        return f"Training: epoch {self._epoch + 1:,}{of}, step {self._step:,}."

    def _wait_while_paused(self, publish: Callable[[], None]) -> bool:
        """Block while a pause is requested; return whether a stop was requested."""
        with self._control:
            if self._stop_requested:
                return True
            if not self._pause_requested:
                return False
        with self._lock:
            self._status = "paused"
            self._message = f"Paused at epoch {self._epoch:,}, step {self._step:,}."
        publish()
        with self._control:
            while self._pause_requested and not self._stop_requested:
                self._control.wait()
            stop = self._stop_requested
        if not stop:
            with self._lock:
                self._status = "running"
                self._message = self._running_message()
        return stop

    # ---- snapshots -----------------------------------------------------------------------

    def snapshot(self, *, since_step: int = 0) -> Snapshot:
        """The current state as an immutable value holding copies (thread-safe).

        Parameters
        ----------
        since_step : int
            Only steps with a larger number go into the per-step arrays.

        Returns
        -------
        Snapshot
        """
        with self._lock:
            numbers, values = self._steps.after(int(since_step))
            epoch_numbers, epoch_values = self._epochs.after(-1)
            history = History(epoch_numbers, *epoch_values.T.copy())
            metrics = self._metrics
            m = self.X_train.shape[0]
            tracking = (
                self.training.early_stopping is not None and self._early.best_epoch is not None
            )
            return Snapshot(
                epoch=self._epoch,
                step=self._step,
                epoch_progress=self._position / m,
                total_epochs=self.training.epochs,
                batch_loss=_none_if_nan(self._batch_loss),
                train_loss=_none_if_nan(metrics.train_loss),
                val_loss=_none_if_nan(metrics.val_loss),
                train_accuracy=_none_if_nan(metrics.train_accuracy),
                val_accuracy=_none_if_nan(metrics.val_accuracy),
                train_rmse=_none_if_nan(metrics.train_rmse),
                val_rmse=_none_if_nan(metrics.val_rmse),
                train_r2=_none_if_nan(metrics.train_r2),
                val_r2=_none_if_nan(metrics.val_r2),
                learning_rate=self._learning_rate,
                grad_norms=tuple(math.sqrt(v) for v in self._grad_squares.tolist()),
                weights=self.network.weights(),
                history=history,
                step_numbers=numbers,
                step_losses=values[:, 0].copy(),
                step_grad_norms=np.sqrt(values[:, 1:]),
                status=self._status,
                message=self._message,
                # What early stopping keeps: nothing while it is off (a best epoch tracked
                # before it was switched off would no longer be restored).
                best_epoch=self._early.best_epoch if tracking else None,
                best_loss=_none_if_nan(self._early.best_loss) if tracking else None,
                train_objective=_none_if_nan(metrics.train_objective),
                warning=self._warning,
                start_epoch=self._first_epoch,
                start_step=self._first_step,
                kept_units=self._last_kept_units(),
                weights_epoch=self._early.best_epoch if self._early.restored else None,
                weights_step=self._early.best_step if self._early.restored else None,
            )

    def _last_kept_units(self) -> tuple[np.ndarray | None, ...]:
        """The snapshot's :attr:`Snapshot.kept_units`; the caller holds the lock."""
        if not (self._has_dropout and self._kept_rows):
            return ()
        # The kernel returns new arrays (comparisons of its masks): frozen, they can be shared.
        kept = self._kernel.kept_units(self._kept_rows, 0)
        for mask in kept:
            if mask is not None:
                mask.flags.writeable = False
        return kept


#: Why a step that made the weights non-finite was undone (the update's fault).
_WEIGHTS_NONFINITE = "the weights became infinite or NaN"


def _describe_nonfinite(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return "inf" if value > 0 else "-inf"


def _check_training(training: TrainingSpec) -> None:
    problems = training_problems(training)
    if problems:
        raise SpecError(problems)


def _check_start(epoch: int, step: int) -> tuple[int, int]:
    """``(epoch, step)`` as ints; SpecError when either is not a whole number >= 0."""
    start = []
    for name, value in (("start_epoch", epoch), ("start_step", step)):
        try:
            number = operator.index(value)
        except TypeError:
            number = -1
        if number < 0:
            raise SpecError(f"{name}: expected a whole number of at least 0, not {value!r}")
        start.append(number)
    return start[0], start[1]
