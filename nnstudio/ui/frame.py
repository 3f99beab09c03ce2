"""Frames: everything the studio's views paint for one moment of training, as plain arrays.

A :class:`Frame` is computed away from the user interface (in the training process, from a
copy of the weights) so the main thread only has to paint it. It holds the engine's snapshot,
every layer's pre-activations and outputs on a fixed set of *probe* examples, every neuron's
output over a grid covering the input plane (2-input data, also as ready-coloured heatmap
pixels) or a line covering the input range (1-input data), the network's predictions on the
validation set (or the training set when nothing is held out), and per-layer weight and
activation statistics.

:class:`FrameBuilder` fixes the probe examples, the grid and the evaluation rows once per data
set so consecutive frames show the same examples; :func:`make_frame` is the one-shot shortcut.

This module is pure NumPy: it never imports Qt.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.spec import Standardization, Weights, canonical_activation
from nnstudio.ui.colors import HeatmapColorizer

if TYPE_CHECKING:
    from nnstudio.data import Dataset
    from nnstudio.engine.network import Network

#: Activations whose units saturate (flat derivative near the asymptotes).
SATURATING_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh")
#: Activations whose units can die (zero gradient for every input with ``Z <= 0``). Only
#: plain ReLU: leaky ReLU (slope α) and ELU (slope α·eᶻ) still pass a gradient for z < 0.
DYING_ACTIVATIONS: tuple[str, ...] = ("relu",)
#: An activation counts as saturated where its derivative is below this.
SATURATION_DERIVATIVE = 0.05
#: Percentiles summarising each layer's weight distribution (see ``Frame.weight_quantiles``).
WEIGHT_PERCENTILES: tuple[float, ...] = (0.0, 5.0, 25.0, 50.0, 75.0, 95.0, 100.0)
#: Bins of each layer's weight histogram at most. Counts are always odd, so 0 is the middle
#: of a bin: the weights L1 drives to zero stand as one spike, not two half-height bars.
HISTOGRAM_BINS = 41
#: Rows of the evaluation set (predictions for confusion matrix and predicted-vs-actual).
DEFAULT_EVAL_CAP = 4000
#: Points on the line over the input range for 1-input data.
LINE_POINTS = 200
#: Weights per layer used for statistics; bigger layers use a fixed random sample.
_STATS_SAMPLE = 50_000
#: Upper bound on grid cells times network units, so wide networks get a coarser grid.
_GRID_BUDGET = 12_000_000
_MIN_GRID = 12
_PROBE_SEED = 20240607


@dataclass(frozen=True, eq=False)
class FrameGrid:
    """Every neuron's output over a regular grid covering a 2-D input plane.

    Attributes
    ----------
    grid_x : ndarray, shape (G,)
        Raw values of the first input along the columns.
    grid_y : ndarray, shape (G,)
        Raw values of the second input along the rows.
    extent : tuple of float
        ``(xmin, xmax, ymin, ymax)``: the data's bounding box plus a 10 % margin.
    grid_A : tuple of ndarray
        ``grid_A[0]`` is the standardised input, shape (G, G, 2); ``grid_A[l + 1]`` is layer
        ``l``'s output, shape (G, G, units). Row ``i``, column ``j`` is the point
        ``(grid_x[j], grid_y[i])``.
    heatmaps : tuple of ndarray
        The same outputs coloured on the shared diverging scale, ready to paint:
        ``heatmaps[l]`` has shape (units, G, G), dtype uint32, opaque ``0xFFRRGGBB`` pixels
        (what ``QImage.Format_ARGB32`` reads) with row 0 the *largest* ``y`` (image order).
        Bounded activations use fixed levels, others each neuron's own symmetric range (see
        :func:`nnstudio.ui.colors.heatmap_argb`). Empty when not computed.
    """

    grid_x: np.ndarray
    grid_y: np.ndarray
    extent: tuple[float, float, float, float]
    grid_A: tuple[np.ndarray, ...]
    heatmaps: tuple[np.ndarray, ...] = ()

    @property
    def size(self) -> int:
        """Points per side ``G``."""
        return int(self.grid_x.shape[0])


@dataclass(frozen=True, eq=False)
class FrameLine:
    """Every neuron's output along a line covering a 1-D input range.

    Attributes
    ----------
    line_x : ndarray, shape (C,)
        Raw input values, the data's range plus a 10 % margin.
    line_A : tuple of ndarray
        ``line_A[0]`` is the standardised input, shape (C, 1); ``line_A[l + 1]`` is layer
        ``l``'s output, shape (C, units).
    """

    line_x: np.ndarray
    line_A: tuple[np.ndarray, ...]


@dataclass(frozen=True, eq=False)
class Frame:
    """One moment of a network, ready to paint.

    Attributes
    ----------
    snapshot : Snapshot or None
        The engine's snapshot (``None`` before training started).
    weights : Weights
        The parameters the arrays below were computed with.
    task : str
        ``"classification"`` or ``"regression"``.
    activation_names : tuple of str
        Canonical activation of each layer.
    feature_names, target_names : tuple of str
        Input names; class names (classification) or target names (regression).
    probe_indices : ndarray of int, shape (P,)
        Rows of ``X_train`` used as probes (fixed for a data set; grouped by class).
    probe_inputs : ndarray, shape (P, n_inputs)
        Raw probe inputs.
    probe_labels : ndarray of int, shape (P,), or None
        Class of each probe (classification only).
    probe_targets : ndarray, shape (P, n_targets)
        The data set's targets of the probes (one-hot for classification).
    probe_Z : tuple of ndarray
        Pre-activations per layer, each (P, units).
    probe_A : tuple of ndarray
        ``probe_A[0]`` the standardised inputs (P, n_inputs), then each layer's output
        (P, units).
    grid : FrameGrid or None
        Neuron outputs over the input plane (2-input data only).
    line : FrameLine or None
        Neuron outputs along the input range (1-input data only).
    eval_split : str
        ``"validation"`` or ``"training"``: where :attr:`eval_inputs` come from.
    eval_indices : ndarray of int, shape (M,)
        Rows of that split that were evaluated (all of them up to a few thousand).
    eval_inputs : ndarray, shape (M, n_inputs)
        Raw inputs.
    eval_targets : ndarray, shape (M, n_targets)
        The data set's targets (one-hot for classification, values for regression).
    predictions : ndarray, shape (M, output_units)
        The network's outputs.
    eval_labels, predicted_labels : ndarray of int, shape (M,), or None
        True and predicted class (classification only).
    weight_quantiles : ndarray, shape (L, len(WEIGHT_PERCENTILES))
        Percentiles of each layer's weights (not biases).
    weight_histograms : tuple of (counts, edges)
        Per layer, up to ``HISTOGRAM_BINS`` counts (fewer for small layers) and their edges
        (one more than counts), symmetric around zero.
    saturated_fraction : ndarray, shape (L,)
        Share of probe activations in the flat region (derivative < 0.05) for sigmoid and
        tanh layers; NaN for other activations and for a sigmoid output trained with binary
        cross-entropy (whose gradient does not vanish).
    dead_fraction : ndarray, shape (L,)
        Share of units with ``Z <= 0`` for every probe (relu only); NaN for others.
    grad_steps : ndarray of int, shape (S,)
        Steps with a recorded per-layer gradient norm (the whole run so far).
    grad_norms : ndarray, shape (S, L)
        Gradient norm of each layer's parameters at those steps.
    batch_losses : ndarray, shape (K, 2)
        ``(fractional epoch, mini-batch loss)`` points seen so far.
    beat : float
        When the training process took the snapshot, as the ``time.monotonic()`` of the beat
        the frame was due on (one clock for every process of the machine). Live frames are
        paced on a steady beat (see :mod:`nnstudio.ui.training_loop`): frames of a run whose
        studio keeps up are exactly one frame interval apart. NaN for frames built outside
        a run.
    run : int
        Which run of the training process the frame belongs to: Play after a finished or
        stopped run, Reset and a new session each start a new number. 0 for frames built
        outside a run.
    target_standardization : Standardization or None
        The network's regression target statistics: its output layer works in standardised
        units, :attr:`predictions` are in the targets' units (see :meth:`output_values`).
    eval_plane : ndarray, shape (M, 2), or None
        The evaluated examples' points in the input plane, when the data has one (see
        :attr:`~nnstudio.data.Dataset.has_plane`): the inputs themselves for two features,
        the points ``(x1, x2)`` whose features the network reads otherwise. :attr:`grid`
        covers that plane.
    """

    snapshot: Any
    weights: Weights
    task: str
    activation_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    probe_indices: np.ndarray
    probe_inputs: np.ndarray
    probe_labels: np.ndarray | None
    probe_targets: np.ndarray
    probe_Z: tuple[np.ndarray, ...]
    probe_A: tuple[np.ndarray, ...]
    grid: FrameGrid | None
    line: FrameLine | None
    eval_split: str
    eval_indices: np.ndarray
    eval_inputs: np.ndarray
    eval_targets: np.ndarray
    predictions: np.ndarray
    eval_labels: np.ndarray | None
    predicted_labels: np.ndarray | None
    weight_quantiles: np.ndarray
    weight_histograms: tuple[tuple[np.ndarray, np.ndarray], ...]
    saturated_fraction: np.ndarray
    dead_fraction: np.ndarray
    grad_steps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    grad_norms: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    batch_losses: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    beat: float = math.nan
    run: int = 0
    target_standardization: Standardization | None = None
    eval_plane: np.ndarray | None = None

    # ---- conveniences ------------------------------------------------------------------------

    @property
    def n_layers(self) -> int:
        """Number of layers with parameters."""
        return len(self.weights)

    def output_values(self, outputs: np.ndarray) -> np.ndarray:
        """Output-layer activations (e.g. ``grid_A[-1]``, shape (..., k)) in the targets'
        units, as :attr:`predictions` are."""
        scaling = self.target_standardization
        return outputs if scaling is None else scaling.unapply(np.asarray(outputs))

    @property
    def grid_x(self) -> np.ndarray | None:
        """Grid columns' first-input values, or ``None`` without a grid."""
        return None if self.grid is None else self.grid.grid_x

    @property
    def grid_y(self) -> np.ndarray | None:
        """Grid rows' second-input values, or ``None`` without a grid."""
        return None if self.grid is None else self.grid.grid_y

    @property
    def extent(self) -> tuple[float, float, float, float] | None:
        """``(xmin, xmax, ymin, ymax)`` of the grid, or ``None`` without a grid."""
        return None if self.grid is None else self.grid.extent

    @property
    def grid_A(self) -> tuple[np.ndarray, ...] | None:
        """Per-layer outputs over the grid, each (G, G, units), or ``None``."""
        return None if self.grid is None else self.grid.grid_A

    @property
    def epoch(self) -> int:
        """The snapshot's epoch (0 before training)."""
        return int(getattr(self.snapshot, "epoch", 0) or 0)

    @property
    def step(self) -> int:
        """The snapshot's step (0 before training)."""
        return int(getattr(self.snapshot, "step", 0) or 0)

    @property
    def kept_units(self) -> tuple[np.ndarray | None, ...]:
        """Dropout at work in the snapshot's last training step, or ``()``.

        Per layer, which units that step kept (``True``) and dropped (``False``) for the
        first sample of its mini-batch, ``None`` for layers without dropout: the engine's own
        masks (see :attr:`nnstudio.engine.trainer.Snapshot.kept_units`), carried by the
        snapshot. Empty without a snapshot, without dropout, and before the run's first step.
        Everything else in a frame is computed in inference mode, with the whole network.
        """
        return tuple(getattr(self.snapshot, "kept_units", None) or ())


# ------------------------------------------------------------------------------------------------
# Building
# ------------------------------------------------------------------------------------------------


#: Largest magnitude a view's range or a grid's extent reaches. Data may hold values up to
#: about ±1.8e308; a range around them would overflow its span, its margins and pyqtgraph's
#: own arithmetic (span × padding) to ``inf``. Values beyond this lie outside the view.
RANGE_LIMIT = 1e307


def finite_range(low: float, high: float, margin: float = 0.0) -> tuple[float, float]:
    """``(low, high)`` widened by ``margin`` of its span on both sides, safe to show.

    The result is finite, of positive width and within :data:`RANGE_LIMIT`, whatever the
    input: infinite ends are clamped, NaN ends fall back to the other end (or ``(-1, 1)``),
    and an empty range gets a readable window around its value.

    Parameters
    ----------
    low, high : float
        The range to show (``low <= high`` expected; swapped otherwise).
    margin : float
        Share of the span added on each side (0 to 1).

    Returns
    -------
    tuple of float
    """
    ends = [float(v) for v in (low, high) if not math.isnan(float(v))]
    if not ends:
        return -1.0, 1.0
    low = min(max(min(ends), -RANGE_LIMIT), RANGE_LIMIT)
    high = min(max(max(ends), -RANGE_LIMIT), RANGE_LIMIT)
    # Both ends are within RANGE_LIMIT, so the span and the margins below stay finite.
    span = high - low
    if span <= 0:
        # A constant value still gets a readable window around it.
        half = 0.5 * max(abs(low), 1.0)
        low, high = low - half, high + half
    else:
        low, high = low - margin * span, high + margin * span
    return max(low, -RANGE_LIMIT), min(high, RANGE_LIMIT)


def plottable(values: Any) -> np.ndarray:
    """``values`` as float64 with finite ones clipped to ``±RANGE_LIMIT``, ready to plot.

    pyqtgraph works out an item's bounds and the view's auto-range from its data; spans of
    values near the largest float overflow there to ``inf`` and the view refuses them. A
    value beyond the limit is drawn at the limit, the edge of any view that shows it.
    Non-finite values are kept: plots leave them out.

    Parameters
    ----------
    values : array_like

    Returns
    -------
    ndarray
    """
    array = np.asarray(values, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        if not np.any(np.abs(array) > RANGE_LIMIT):
            return array
    finite = np.isfinite(array)
    return np.where(finite, np.clip(array, -RANGE_LIMIT, RANGE_LIMIT), array)


def _padded_range(values: np.ndarray, margin: float = 0.1) -> tuple[float, float]:
    """``(low, high)`` of finite values widened by ``margin`` of the span on both sides.

    Safe to show and to grid over (see :func:`finite_range`), also for values near the
    largest float.
    """
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return -1.0, 1.0
    return finite_range(float(finite.min()), float(finite.max()), margin)


def _class_labels(targets: np.ndarray) -> np.ndarray:
    """Class index of one-hot rows, shape (m,)."""
    if targets.shape[1] == 1:
        return (targets[:, 0] >= 0.5).astype(np.int64)
    return np.argmax(targets, axis=1).astype(np.int64)


def predicted_classes(outputs: np.ndarray) -> np.ndarray:
    """Predicted class per row: ``p >= 0.5`` for one sigmoid unit, else the arg-max.

    Parameters
    ----------
    outputs : ndarray, shape (m, output_units)

    Returns
    -------
    ndarray of int, shape (m,)
    """
    if outputs.shape[1] == 1:
        return (outputs[:, 0] >= 0.5).astype(np.int64)
    return np.argmax(outputs, axis=1).astype(np.int64)


@functools.lru_cache(maxsize=8)
def _plane_grid(
    extent: tuple[float, float, float, float], size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Axes and (G*G, 2) points of a grid over ``extent``, row-major with y along the rows.

    Cached: the grid is fixed for a data set and network width, and building it (two
    linspaces, a meshgrid and a column stack) costs about as much as colouring a layer.
    The arrays are read-only because the cache shares them.
    """
    x0, x1, y0, y1 = extent
    gx = np.linspace(x0, x1, size)
    gy = np.linspace(y0, y1, size)
    xx, yy = np.meshgrid(gx, gy)
    points = np.column_stack([xx.ravel(), yy.ravel()])
    for array in (gx, gy, points):
        array.flags.writeable = False
    return gx, gy, points


class FrameBuilder:
    """Builds frames for one data set with fixed probes, grid and evaluation rows.

    Parameters
    ----------
    dataset : Dataset
        The data the network trains on.
    probe_size : int
        Number of training examples whose activations are shown (fewer when the training
        set is smaller).
    grid_size : int
        Points per side of the input-plane grid (2-input data); reduced automatically for
        very wide networks so a frame stays small.
    eval_cap : int
        At most this many validation (or training) rows are evaluated for predictions.
    seed : int
        Seed of the probe and evaluation subsets.
    """

    def __init__(
        self,
        dataset: Dataset,
        *,
        probe_size: int = 128,
        grid_size: int = 48,
        eval_cap: int = DEFAULT_EVAL_CAP,
        seed: int = _PROBE_SEED,
    ) -> None:
        self.dataset = dataset
        self.task = dataset.task
        self.feature_names = tuple(dataset.feature_names)
        self.target_names = tuple(dataset.target_names)
        rng = np.random.default_rng(seed)
        X_train = np.asarray(dataset.X_train, dtype=np.float64)
        Y_train = np.asarray(dataset.Y_train, dtype=np.float64)
        m = X_train.shape[0]
        count = int(min(max(probe_size, 1), m))
        chosen = np.sort(rng.choice(m, size=count, replace=False)) if m else np.zeros(0, int)
        # Group probes by class (or by target value) so the activation heatmap shows blocks.
        if self.task == "classification" and count:
            order = np.lexsort((chosen, _class_labels(Y_train[chosen])))
            chosen = chosen[order]
        elif count and Y_train.shape[1] >= 1:
            chosen = chosen[np.argsort(Y_train[chosen, 0], kind="stable")]
        self.probe_indices = chosen.astype(np.int64)
        self.probe_inputs = X_train[self.probe_indices]
        self.probe_targets = Y_train[self.probe_indices]
        self.probe_labels = (
            _class_labels(self.probe_targets) if self.task == "classification" else None
        )

        has_validation = dataset.X_val.shape[0] > 0
        self.eval_split = "validation" if has_validation else "training"
        X_eval = np.asarray(dataset.X_val if has_validation else X_train, dtype=np.float64)
        Y_eval = np.asarray(dataset.Y_val if has_validation else Y_train, dtype=np.float64)
        rows = X_eval.shape[0]
        if rows > eval_cap:
            self.eval_indices = np.sort(rng.choice(rows, size=eval_cap, replace=False))
        else:
            self.eval_indices = np.arange(rows, dtype=np.int64)
        self.eval_inputs = X_eval[self.eval_indices]
        self.eval_targets = Y_eval[self.eval_indices]
        plane_eval = dataset.plane_val if has_validation else dataset.plane_train
        self.eval_plane = (
            None
            if plane_eval is None
            else np.asarray(plane_eval, dtype=np.float64)[self.eval_indices]
        )
        self.eval_labels = (
            _class_labels(self.eval_targets) if self.task == "classification" else None
        )

        self.n_inputs = X_train.shape[1]
        self.grid_size = int(grid_size)
        self._extent: tuple[float, float, float, float] | None = None
        self._line_x: np.ndarray | None = None
        if dataset.has_plane:
            # The plane of the points (two features, or the points whose features the
            # network reads): the grid covers it and goes through the same features.
            planes = [dataset.plane_train, dataset.plane_val]
            P_all = np.concatenate(
                [np.asarray(p, dtype=np.float64) for p in planes if p is not None]
            )
            x0, x1 = _padded_range(P_all[:, 0])
            y0, y1 = _padded_range(P_all[:, 1])
            self._extent = (x0, x1, y0, y1)
        elif self.n_inputs == 1:
            X_all = np.concatenate([X_train, np.asarray(dataset.X_val, dtype=np.float64)])
            low, high = _padded_range(X_all[:, 0])
            self._line_x = np.linspace(low, high, LINE_POINTS)
        self._stats_samples: dict[int, np.ndarray] = {}
        self._stats_rng = np.random.default_rng(seed + 1)
        self._colorize = HeatmapColorizer()

    # ---- pieces ------------------------------------------------------------------------------

    def _grid_points(self, total_units: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Grid axes and the (G*G, 2) raw points, row-major with y along the rows."""
        assert self._extent is not None
        size = self.grid_size
        while size > _MIN_GRID and size * size * max(total_units, 1) > _GRID_BUDGET:
            size = max(_MIN_GRID, int(size * 0.75))
        gx, gy, points = _plane_grid(self._extent, size)
        # Copies (a few microseconds): every frame keeps arrays of its own, as before.
        return gx.copy(), gy.copy(), points.copy()

    def _weight_sample(self, index: int, W: np.ndarray) -> np.ndarray:
        """All weights of a layer, or a fixed random sample of a big one, flattened."""
        flat = W.ravel()
        if flat.size <= _STATS_SAMPLE:
            return flat
        chosen = self._stats_samples.get(index)
        if chosen is None or chosen.max() >= flat.size:
            chosen = self._stats_rng.choice(flat.size, size=_STATS_SAMPLE, replace=False)
            self._stats_samples[index] = chosen
        return flat[chosen]

    def _weight_statistics(
        self, weights: Weights
    ) -> tuple[np.ndarray, tuple[tuple[np.ndarray, np.ndarray], ...]]:
        """Percentiles and a symmetric histogram of each layer's weights (finite ones only).

        The numbers are those of ``np.percentile`` (default linear method) and
        ``np.histogram`` over ``(-limit, limit)``, ``limit`` the largest magnitude, but read
        off one sorted copy of the sample: for the small layers a frame usually shows, those
        two functions cost far more in Python overhead than in arithmetic, and for a large
        sample one sort is cheaper than their partitions and binning passes.

        Returns
        -------
        quantiles : ndarray, shape (L, len(WEIGHT_PERCENTILES))
            NaN for a layer without finite weights.
        histograms : tuple of (counts, edges)
            Float counts and their ``bins + 1`` edges, symmetric around zero.
        """
        quantiles = np.zeros((len(weights), len(WEIGHT_PERCENTILES)))
        histograms = []
        for index, (W, _b) in enumerate(weights):
            values = self._weight_sample(index, np.asarray(W, dtype=np.float64))
            ordered = _finite_sorted(values)
            if ordered.size == 0:
                quantiles[index] = np.nan
                edges = np.linspace(-1.0, 1.0, HISTOGRAM_BINS + 1)
                histograms.append((np.zeros(HISTOGRAM_BINS), edges))
                continue
            quantiles[index] = _sorted_percentiles(ordered)
            limit = float(max(-ordered[0], ordered[-1]))
            limit = limit if limit > 0 else 1.0
            # Fewer bins for small layers, so a histogram of 20 weights is not mostly gaps.
            bins = min(max(int(2.0 * math.sqrt(ordered.size)), 8) | 1, HISTOGRAM_BINS)
            histograms.append(_sorted_histogram(ordered, bins, limit))
        return quantiles, tuple(histograms)

    @staticmethod
    def _unit_health(
        activation_names: tuple[str, ...],
        Z: tuple[np.ndarray, ...],
        A: tuple[np.ndarray, ...],
        loss: str,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Saturated share (sigmoid/tanh) and dead share (relu) per layer.

        A sigmoid output trained with binary cross-entropy is not measured: its gradient is
        ``Yhat - Y`` however flat the sigmoid is, so saturation there is harmless confidence.
        """
        saturated = np.full(len(Z), np.nan)
        dead = np.full(len(Z), np.nan)
        last = len(activation_names) - 1
        for index, name in enumerate(activation_names):
            if index == last and name == "sigmoid" and loss == "binary_crossentropy":
                continue
            out = np.asarray(A[index + 1], dtype=np.float64)
            if out.size == 0:
                continue
            # Shares as count / size: np.mean of a boolean array gives the same number
            # through a float sum, at several times the cost for a few hundred entries.
            if name == "sigmoid":
                flat_region = out * (1.0 - out) < SATURATION_DERIVATIVE
                saturated[index] = np.count_nonzero(flat_region) / flat_region.size
            elif name == "tanh":
                flat_region = 1.0 - out * out < SATURATION_DERIVATIVE
                saturated[index] = np.count_nonzero(flat_region) / flat_region.size
            elif name in DYING_ACTIVATIONS:
                never_on = np.all(Z[index] <= 0, axis=0)
                dead[index] = np.count_nonzero(never_on) / never_on.size
        return saturated, dead

    # ---- the frame ---------------------------------------------------------------------------

    def build(self, network: Network, snapshot: Any = None) -> Frame:
        """Compute a frame for ``network`` in its current state.

        Parameters
        ----------
        network : Network
            The network to evaluate (inference mode: no dropout).
        snapshot : Snapshot or None
            The engine's snapshot to attach; its per-step gradient norms and weights are
            used when present.

        Returns
        -------
        Frame
        """
        spec = network.spec
        activation_names = tuple(canonical_activation(layer.activation) for layer in spec.layers)
        total_units = int(sum(layer.units for layer in spec.layers)) + spec.inputs

        probe = network.forward(self.probe_inputs)
        probe_Z = tuple(np.asarray(z) for z in probe.Z)
        probe_A = tuple(np.asarray(a) for a in probe.A)

        grid: FrameGrid | None = None
        if self._extent is not None:
            gx, gy, points = self._grid_points(total_units)
            size = gx.shape[0]
            forward = network.forward(self.dataset.plane_inputs(points))
            grid_A = tuple(np.asarray(a).reshape(size, size, -1) for a in forward.A)
            # Coloured here, off the user interface, so the canvas only wraps the pixels.
            heatmaps = tuple(
                self._colorize(values, name)
                for values, name in zip(grid_A, (None, *activation_names), strict=True)
            )
            grid = FrameGrid(
                grid_x=gx, grid_y=gy, extent=self._extent, grid_A=grid_A, heatmaps=heatmaps
            )

        line: FrameLine | None = None
        if self._line_x is not None:
            forward = network.forward(self._line_x[:, None])
            line = FrameLine(line_x=self._line_x, line_A=tuple(np.asarray(a) for a in forward.A))

        predictions = np.asarray(network.predict(self.eval_inputs), dtype=np.float64)
        predicted = predicted_classes(predictions) if self.task == "classification" else None

        weights = getattr(snapshot, "weights", None) or network.weights()
        quantiles, histograms = self._weight_statistics(weights)
        loss = str(getattr(network, "loss_name", ""))
        saturated, dead = self._unit_health(activation_names, probe_Z, probe_A, loss)
        grad_steps, grad_norms, batch_losses = _snapshot_step_history(snapshot, len(weights))

        return Frame(
            snapshot=snapshot,
            weights=weights,
            task=self.task,
            activation_names=activation_names,
            feature_names=self.feature_names,
            target_names=self.target_names,
            probe_indices=self.probe_indices,
            probe_inputs=self.probe_inputs,
            probe_labels=self.probe_labels,
            probe_targets=self.probe_targets,
            probe_Z=probe_Z,
            probe_A=probe_A,
            grid=grid,
            line=line,
            eval_split=self.eval_split,
            eval_indices=self.eval_indices,
            eval_inputs=self.eval_inputs,
            eval_targets=self.eval_targets,
            predictions=predictions,
            eval_labels=self.eval_labels,
            predicted_labels=predicted,
            weight_quantiles=quantiles,
            weight_histograms=histograms,
            saturated_fraction=saturated,
            dead_fraction=dead,
            grad_steps=grad_steps,
            grad_norms=grad_norms,
            batch_losses=batch_losses,
            target_standardization=getattr(network, "target_standardization", None),
            eval_plane=self.eval_plane,
        )


# ------------------------------------------------------------------------------------------------
# Weight statistics on a sorted sample
# ------------------------------------------------------------------------------------------------


def _finite_sorted(values: np.ndarray) -> np.ndarray:
    """The finite entries of a flat array, sorted ascending, as a new array.

    Parameters
    ----------
    values : ndarray, shape (n,)
        Any floats (never modified: it may be a view of a layer's weights).

    Returns
    -------
    ndarray, shape (k,)
        ``np.sort(values[np.isfinite(values)])``.
    """
    if values.size == 0:
        return values.copy()
    ordered = np.sort(values)
    # NaN sorts last and infinities sit at the ends, so two finite ends mean all are finite.
    if not (math.isfinite(ordered[0]) and math.isfinite(ordered[-1])):
        ordered = ordered[np.isfinite(ordered)]
    return ordered


@functools.lru_cache(maxsize=64)
def _percentile_plan(count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where ``np.percentile``'s linear method reads ``WEIGHT_PERCENTILES`` of ``count`` values.

    Mirrors NumPy's own steps (``numpy.lib._function_base_impl._quantile``) so the results are
    the same to the last bit: virtual index ``(count - 1) * q``, neighbours ``floor`` and
    ``floor + 1`` (both the last value at or past the end, where NumPy's ``gamma`` is taken
    against index -1), and the interpolation weight ``gamma``.

    Parameters
    ----------
    count : int
        Number of (sorted) values, at least 1.

    Returns
    -------
    lower, upper : ndarray of intp
        Indices of the two neighbours of each percentile.
    gamma : ndarray of float
        Interpolation weight of ``upper``.
    from_upper : ndarray of bool
        Where NumPy interpolates from the upper neighbour (``gamma >= 0.5``).
    """
    virtual = (count - 1) * (np.asarray(WEIGHT_PERCENTILES, dtype=np.float64) / 100)
    at_end = virtual >= count - 1
    below = np.where(at_end, -1.0, np.floor(virtual))
    gamma = virtual - below
    lower = np.where(at_end, count - 1, below).astype(np.intp)
    upper = np.where(at_end, count - 1, below + 1).astype(np.intp)
    plan = (lower, upper, gamma, gamma >= 0.5)
    for array in plan:
        array.flags.writeable = False  # shared between calls through the cache
    return plan


def _sorted_percentiles(ordered: np.ndarray) -> np.ndarray:
    """``np.percentile(ordered, WEIGHT_PERCENTILES)`` of sorted, finite, non-empty values.

    Parameters
    ----------
    ordered : ndarray, shape (n,)
        Values sorted ascending (see :func:`_finite_sorted`).

    Returns
    -------
    ndarray, shape (len(WEIGHT_PERCENTILES),)
    """
    lower, upper, gamma, from_upper = _percentile_plan(int(ordered.size))
    a = ordered[lower]
    b = ordered[upper]
    diff = b - a
    # NumPy's _lerp: from the nearer neighbour, which keeps the result inside [a, b].
    return np.where(from_upper, b - diff * (1 - gamma), a + diff * gamma)


@functools.lru_cache(maxsize=16)
def _edge_positions(bins: int) -> np.ndarray:
    """``0, 1, ..., bins`` as floats (read-only: shared through the cache)."""
    positions = np.arange(bins + 1, dtype=np.float64)
    positions.flags.writeable = False
    return positions


def _symmetric_edges(limit: float, bins: int) -> np.ndarray:
    """``np.linspace(-limit, limit, bins + 1)``, computed the same way without its overhead.

    Parameters
    ----------
    limit : float
        Positive, finite half-width.
    bins : int
        Number of bins (at least 1).

    Returns
    -------
    ndarray, shape (bins + 1,)
    """
    step = (limit - -limit) / bins
    if step == 0 or not math.isfinite(step):
        # Underflow or overflow: linspace's own special cases decide.
        return np.linspace(-limit, limit, bins + 1)
    edges = _edge_positions(bins) * step
    edges += -limit
    edges[-1] = limit
    return edges


def _sorted_histogram(
    ordered: np.ndarray, bins: int, limit: float
) -> tuple[np.ndarray, np.ndarray]:
    """``np.histogram(ordered, bins, range=(-limit, limit))`` of sorted values inside the range.

    Bin ``i`` holds ``edges[i] <= v < edges[i + 1]`` and the last bin also its right edge,
    as in NumPy; with the values sorted, each count is a difference of two insertion points.

    Parameters
    ----------
    ordered : ndarray, shape (n,)
        Values sorted ascending, all within ``[-limit, limit]``.
    bins : int
        Number of equal bins.
    limit : float
        Half-width of the range.

    Returns
    -------
    counts : ndarray of float, shape (bins,)
    edges : ndarray of float, shape (bins + 1,)
    """
    edges = _symmetric_edges(limit, bins)
    starts = np.searchsorted(ordered, edges, side="left")
    starts[-1] = ordered.size  # the last bin includes its right edge
    return np.diff(starts).astype(np.float64), edges


def _snapshot_step_history(
    snapshot: Any, n_layers: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-step records carried by a snapshot.

    Returns
    -------
    steps : ndarray of int, shape (S,)
    grad_norms : ndarray, shape (S, L)
    batch_losses : ndarray, shape (S, 2)
        ``(fractional epoch, batch loss)``. A step's loss is measured with the weights from
        before its update, so step ``s`` sits ``s - 1`` steps after the run's start, over the
        steps per epoch (which the run's steps and epochs so far imply): with full-batch
        training, step ``e + 1`` lies on the training loss of epoch ``e``. A run that
        continues earlier training counts from its starting epoch and step.
    """
    steps = getattr(snapshot, "step_numbers", None)
    norms = getattr(snapshot, "step_grad_norms", None)
    if steps is None or norms is None or np.asarray(steps).size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, n_layers)), np.zeros((0, 2))
    steps = np.asarray(steps, dtype=np.int64).ravel()
    norms = np.asarray(norms, dtype=np.float64).reshape(steps.shape[0], n_layers)
    start_epoch = int(getattr(snapshot, "start_epoch", 0) or 0)
    start_step = int(getattr(snapshot, "start_step", 0) or 0)
    # The run's own epochs and steps: the weights' earlier training may have ended part of
    # the way into an epoch, or used another batch size.
    position = float(snapshot.epoch) + float(snapshot.epoch_progress) - start_epoch
    per_epoch = (snapshot.step - start_step) / position if position > 0 else 1.0
    losses = np.asarray(getattr(snapshot, "step_losses", np.full(steps.shape, np.nan)), float)
    epochs = start_epoch + (steps - 1 - start_step) / per_epoch
    return steps, norms, np.column_stack([epochs, losses.ravel()])


def make_frame(
    network: Network,
    dataset: Dataset,
    snapshot: Any = None,
    *,
    probe_size: int = 128,
    grid_size: int = 48,
) -> Frame:
    """Build one frame without keeping a builder (probes are still chosen reproducibly).

    Parameters
    ----------
    network : Network
        The network to evaluate.
    dataset : Dataset
        Its data.
    snapshot : Snapshot or None
        The engine's snapshot, when training has started.
    probe_size : int
        Number of probe examples.
    grid_size : int
        Grid points per side for 2-input data.

    Returns
    -------
    Frame
    """
    builder = FrameBuilder(dataset, probe_size=probe_size, grid_size=grid_size)
    return builder.build(network, snapshot)
