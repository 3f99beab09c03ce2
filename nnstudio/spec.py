"""The project document: frozen dataclasses that describe a network and how to train it.

This module is the single source of truth for what a project *is*. The engine builds networks
from it, the file formats read and write it, and the studio's views observe it. Every class is
immutable; edits produce new instances with :func:`dataclasses.replace`.

Trained weights are not part of the spec: they are arrays that travel beside it
(see :data:`Weights`).

:meth:`Project.from_dict` validates a whole JSON document and reports *every* problem with its
path (``network.layers[2].activation: unknown 'relu6'; expected one of ...``).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np

from nnstudio.errors import SpecError

FORMAT_VERSION = 1

#: Activation names. ``linear`` is an alias of ``identity``; ``softmax`` is output-only.
ACTIVATIONS: tuple[str, ...] = (
    "identity",
    "linear",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "gelu",
    "swish",
    "softmax",
)
#: Activations that take the ``alpha`` parameter, with its default.
ACTIVATION_ALPHA_DEFAULTS: dict[str, float] = {"leaky_relu": 0.01, "elu": 1.0}

LOSSES: tuple[str, ...] = (
    "mse",
    "mae",
    "huber",
    "binary_crossentropy",
    "categorical_crossentropy",
)
#: The losses as the studio names them to its users.
LOSS_LABELS: dict[str, str] = {
    # Not "mean squared error": the engine halves it, so it is half what MSE/RMSE tools show.
    "mse": "Squared error (½ · mean)",
    "mae": "Mean absolute error",
    "huber": "Huber",
    "binary_crossentropy": "Binary cross-entropy",
    "categorical_crossentropy": "Categorical cross-entropy",
}
#: The losses that compare outputs with class labels: a regression's data has none.
CLASSIFICATION_LOSSES: tuple[str, ...] = ("binary_crossentropy", "categorical_crossentropy")

#: Weight initialisers. Those in :data:`INIT_PARAM_DEFAULTS` take ``init_param``
#: (the constant's value, the normal's standard deviation, the uniform's limit).
INITIALIZERS: tuple[str, ...] = (
    "zeros",
    "constant",
    "normal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
)
INIT_PARAM_DEFAULTS: dict[str, float] = {"constant": 0.0, "normal": 0.1, "uniform": 0.05}

OPTIMIZERS: tuple[str, ...] = (
    "sgd",
    "momentum",
    "nesterov",
    "heavy_ball",
    "rmsprop",
    "adam",
    "adamw",
)
#: The hyperparameters each optimizer uses besides the learning rate (what the studio shows).
OPTIMIZER_HYPERPARAMETERS: dict[str, tuple[str, ...]] = {
    "sgd": (),
    "momentum": ("momentum",),
    "nesterov": ("momentum",),
    "heavy_ball": ("momentum",),
    "rmsprop": ("rho", "epsilon"),
    "adam": ("beta1", "beta2", "epsilon"),
    "adamw": ("beta1", "beta2", "epsilon", "weight_decay"),
}

SCHEDULES: tuple[str, ...] = ("constant", "step", "exponential", "cosine")

BUILTIN_DATASETS: tuple[str, ...] = (
    "xor",
    "circles",
    "gaussians",
    "spiral",
    "moons",
    "plane",
    "sine",
    "housing",
)
#: The task each built-in generator produces.
BUILTIN_TASKS: dict[str, str] = {
    "xor": "classification",
    "circles": "classification",
    "gaussians": "classification",
    "spiral": "classification",
    "moons": "classification",
    "plane": "regression",
    "sine": "regression",
    "housing": "regression",
}

#: The generators whose examples are points (x1, x2) of a plane.
PLANE_DATASETS: tuple[str, ...] = ("xor", "circles", "gaussians", "spiral", "moons", "plane")
#: Features a network may read from a plane's points (as TensorFlow Playground offers), in
#: the order they are laid out. ASCII names: they head exported and predicted CSV columns.
PLANE_FEATURES: tuple[str, ...] = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
#: How the studio writes each feature.
PLANE_FEATURE_LABELS: dict[str, str] = {
    "x1": "x1",
    "x2": "x2",
    "x1^2": "x1²",
    "x2^2": "x2²",
    "x1*x2": "x1·x2",
    "sin(x1)": "sin(x1)",
    "sin(x2)": "sin(x2)",
}
#: What a plane data set's network reads unless told otherwise.
DEFAULT_PLANE_FEATURES: tuple[str, ...] = ("x1", "x2")

TASKS: tuple[str, ...] = ("classification", "regression")
DTYPES: tuple[str, ...] = ("float32", "float64")

Task = Literal["classification", "regression"]

#: Trained parameters beside a spec: one ``(W, b)`` pair per layer,
#: ``W`` shaped (fan_in, fan_out) and ``b`` shaped (fan_out,).
Weights = tuple[tuple[np.ndarray, np.ndarray], ...]

MAX_UNITS = 100_000
MAX_LAYERS = 1_000
#: Most trainable parameters of a network. Training keeps several copies of them (gradient,
#: optimizer state, a backup, the frames the studio shows), so ten million float64
#: parameters already need about a gigabyte; MLPs of the size the studio is for (a
#: 784-256-128-10 network has 235,146) stay far below.
MAX_PARAMETERS = 10_000_000
#: Most epochs of a run (the studio's epoch box goes this far; unlimited is ``None``).
MAX_EPOCHS = 100_000_000
#: Largest training seed: it must fit a signed 64-bit integer.
MAX_SEED = 2**63 - 1


def network_size_problem(network: NetworkSpec) -> str | None:
    """Why ``network`` is too big to train, or ``None`` when it is not."""
    count = network.parameter_count
    if count > MAX_PARAMETERS:
        return (
            f"the network has {count:,} parameters; nnstudio trains networks of at most "
            f"{MAX_PARAMETERS:,} (use fewer or narrower layers)"
        )
    return None


def canonical_activation(name: str) -> str:
    """Return the canonical activation name (``linear`` becomes ``identity``)."""
    return "identity" if name == "linear" else name


# --------------------------------------------------------------------------------------------
# Dataclasses
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerSpec:
    """One dense layer: ``A_out = activation(A_in @ W + b)``.

    Attributes
    ----------
    units : int
        Number of neurons (fan_out).
    activation : str
        One of :data:`ACTIVATIONS`.
    init : str
        Weight initialiser, one of :data:`INITIALIZERS`.
    init_param : float or None
        Value for ``constant``, standard deviation for ``normal``, limit for ``uniform``;
        ``None`` means the default in :data:`INIT_PARAM_DEFAULTS`. Ignored by other initialisers.
    bias_init : float
        Constant every bias starts at (0.01 is a common choice for ReLU layers).
    dropout : float
        Probability of dropping each unit of this layer's output while training (inverted
        dropout). Only hidden layers may use it.
    alpha : float or None
        Negative slope of ``leaky_relu`` or scale of ``elu``; ``None`` means the default.
    """

    units: int
    activation: str = "tanh"
    init: str = "xavier_normal"
    init_param: float | None = None
    bias_init: float = 0.0
    dropout: float = 0.0
    alpha: float | None = None

    @property
    def activation_alpha(self) -> float | None:
        """The effective ``alpha`` for this layer's activation (``None`` if it takes none)."""
        if self.activation not in ACTIVATION_ALPHA_DEFAULTS:
            return None
        return ACTIVATION_ALPHA_DEFAULTS[self.activation] if self.alpha is None else self.alpha

    @property
    def effective_init_param(self) -> float | None:
        """The effective initialiser parameter (``None`` if the initialiser takes none)."""
        if self.init not in INIT_PARAM_DEFAULTS:
            return None
        return INIT_PARAM_DEFAULTS[self.init] if self.init_param is None else self.init_param


@dataclass(frozen=True)
class NetworkSpec:
    """A fully connected feedforward network.

    Attributes
    ----------
    inputs : int
        Number of input features.
    layers : tuple of LayerSpec
        Hidden layers followed by the output layer (the last one). At least one layer.
    """

    inputs: int
    layers: tuple[LayerSpec, ...]

    @property
    def output(self) -> LayerSpec:
        """The output layer."""
        return self.layers[-1]

    @property
    def hidden(self) -> tuple[LayerSpec, ...]:
        """The hidden layers (all but the last)."""
        return self.layers[:-1]

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths including the input, e.g. ``(2, 4, 1)``."""
        return (self.inputs, *(layer.units for layer in self.layers))

    @property
    def parameter_count(self) -> int:
        """Number of trainable parameters (weights and biases)."""
        sizes = self.sizes
        return sum(a * b + b for a, b in itertools.pairwise(sizes))

    def weight_shapes(self) -> list[tuple[tuple[int, int], tuple[int]]]:
        """Expected ``(W.shape, b.shape)`` per layer."""
        sizes = self.sizes
        return [((a, b), (b,)) for a, b in itertools.pairwise(sizes)]

    def fits(self, weights: Weights | None) -> bool:
        """Whether ``weights`` hold one ``(W, b)`` pair of this network's shapes per layer."""
        shapes = self.weight_shapes()
        if weights is None or len(weights) != len(shapes):
            return False
        return all(
            np.shape(W) == w_shape and np.shape(b) == b_shape
            for (W, b), (w_shape, b_shape) in zip(weights, shapes, strict=True)
        )

    def with_layer(self, index: int, layer: LayerSpec) -> NetworkSpec:
        """Return a copy with ``layers[index]`` replaced."""
        layers = list(self.layers)
        layers[index] = layer
        return replace(self, layers=tuple(layers))

    def describe(self) -> str:
        """Short architecture string such as ``2-4(tanh)-1(sigmoid)``."""
        parts = [str(self.inputs)] + [f"{layer.units}({layer.activation})" for layer in self.layers]
        return "-".join(parts)


@dataclass(frozen=True)
class BuiltinData:
    """A generated data set.

    Attributes
    ----------
    builtin : str
        Generator name, one of :data:`BUILTIN_DATASETS`.
    samples : int
        Number of examples generated (before the validation split).
    noise : float
        Noise level; its meaning depends on the generator (0 gives clean data).
    seed : int
        Seed of the generator and of the train/validation split.
    validation_fraction : float
        Fraction held out for validation, in ``[0, 0.9]``.
    arms : int
        Number of spiral arms (classes); used by ``spiral`` only.
    standardize : bool
        Standardise inputs with the training set's mean and standard deviation.
    features : tuple of str
        What the network reads of each point, for the generators of :data:`PLANE_DATASETS`:
        a non-empty selection of :data:`PLANE_FEATURES`, in that order (``x1`` and ``x2``
        by default). Other generators ignore it.
    """

    builtin: str = "xor"
    samples: int = 400
    noise: float = 0.1
    seed: int = 1
    validation_fraction: float = 0.2
    arms: int = 2
    standardize: bool = False
    features: tuple[str, ...] = DEFAULT_PLANE_FEATURES

    @property
    def task(self) -> str:
        """``"classification"`` or ``"regression"``."""
        return BUILTIN_TASKS[self.builtin]


@dataclass(frozen=True)
class CsvData:
    """A data set read from a CSV file, with a header row of column names or without one.

    Attributes
    ----------
    csv : str
        Path to the file, relative to the project file (``.csv`` or ``.csv.gz``).
    target : tuple of str
        Target column name(s). Classification takes exactly one.
    task : str
        ``"classification"`` or ``"regression"``.
    features : tuple of str or None
        Input columns in order; ``None`` means every non-target column, in file order.
    standardize : bool
        Standardise inputs with the training set's statistics (stored in the project).
    standardize_targets : bool
        Regression only: train on targets standardised with the training set's statistics
        (stored in the project); the network's outputs are scaled back to the targets' units.
        Targets of thousands or millions then train as fast as targets near 1.
    validation_fraction : float
        Fraction held out for validation, in ``[0, 0.9]``.
    seed : int
        Seed of the train/validation split.
    header : bool or None
        Whether the file's first line names the columns, as
        :func:`~nnstudio.data.read_csv_table` takes it: ``None`` guesses (a first line that
        looks like data is refused), ``True`` reads it as names whatever it looks like,
        ``False`` reads it as the first example and names the columns ``"column 1"``,
        ``"column 2"``, ... ``None`` for projects saved before the choice existed.
    decimal_comma : bool or None
        Whether numbers are written with a decimal comma (``0,5``), as
        :func:`~nnstudio.data.read_csv_table` takes it: ``None`` guesses (semicolons or tabs
        between cells, commas in numbers and no decimal point), ``True`` reads ``0,5`` as
        0.5, ``False`` never reads a comma as a decimal mark.
    skip_missing : bool
        Leave out the rows with a missing value (an empty cell, ``NA``, ``nan``, ...) in an
        input or target column, instead of refusing the file.
    """

    csv: str
    target: tuple[str, ...]
    task: str = "classification"
    features: tuple[str, ...] | None = None
    standardize: bool = True
    validation_fraction: float = 0.2
    seed: int = 0
    standardize_targets: bool = False
    header: bool | None = None
    decimal_comma: bool | None = None
    skip_missing: bool = False


DataSpec = BuiltinData | CsvData


def plane_features_read(
    data: DataSpec | None, names: Sequence[str] | None = None
) -> tuple[str, ...] | None:
    """What a network reads of points ``(x1, x2)`` when not the points themselves, or ``None``.

    A built-in 2-D data set's chosen :attr:`BuiltinData.features`; otherwise inputs named
    after such features (``x1^2``, ``x1*x2``, …: a model imported after training on them).
    """
    if isinstance(data, BuiltinData):
        plane = data.builtin in PLANE_DATASETS and data.features != DEFAULT_PLANE_FEATURES
        return data.features if plane else None
    if names and set(names) <= set(PLANE_FEATURES) and tuple(names) != DEFAULT_PLANE_FEATURES:
        return tuple(names)
    return None


def feature_labels(data: DataSpec, names: Sequence[str]) -> list[str]:
    """Input names as the studio writes them: a built-in plane's features read x1², x1·x2.

    A CSV column keeps its name, whatever it is.
    """
    if isinstance(data, BuiltinData):
        return [PLANE_FEATURE_LABELS.get(name, name) for name in names]
    return list(names)


@dataclass(frozen=True)
class Standardization:
    """Standardisation ``x' = (x - mean) / std`` fitted on the training set.

    Used for inputs (per feature) and for regression targets (per output unit).

    Attributes
    ----------
    mean : tuple of float
        Per-column mean, length n_columns.
    std : tuple of float
        Per-column standard deviation (never 0: constant columns use 1), length n_columns.
    """

    mean: tuple[float, ...]
    std: tuple[float, ...]

    def apply(self, X: np.ndarray) -> np.ndarray:
        """Standardise raw inputs.

        Parameters
        ----------
        X : ndarray, shape (m, n_features)

        Returns
        -------
        ndarray, shape (m, n_features)
        """
        mean = np.asarray(self.mean, dtype=X.dtype)
        std = np.asarray(self.std, dtype=X.dtype)
        return (X - mean) / std

    def to_dict(self) -> dict[str, list[float]]:
        """``{"mean": [...], "std": [...]}`` with the exact float64 values (files and metadata)."""
        return {"mean": list(self.mean), "std": list(self.std)}

    def unapply(self, Z: np.ndarray) -> np.ndarray:
        """Scale standardised values back: ``Z * std + mean``.

        Parameters
        ----------
        Z : ndarray, shape (m, n_columns)

        Returns
        -------
        ndarray, shape (m, n_columns)
        """
        mean = np.asarray(self.mean, dtype=Z.dtype)
        std = np.asarray(self.std, dtype=Z.dtype)
        return Z * std + mean


@dataclass(frozen=True)
class ScheduleSpec:
    """Learning-rate schedule.

    ``constant``: ``lr``. ``step``: ``lr * gamma ** (epoch // step_size)``.
    ``exponential``: ``lr * gamma ** epoch``. ``cosine``: from ``lr`` down to ``min_lr`` over
    ``period`` epochs (the run's epoch count when ``None``), then held at ``min_lr``.
    """

    name: str = "constant"
    step_size: int = 100
    gamma: float = 0.5
    period: int | None = None
    min_lr: float = 0.0


@dataclass(frozen=True)
class TrainingSpec:
    """Optimisation and regularisation settings.

    Attributes
    ----------
    optimizer : str
        One of :data:`OPTIMIZERS`.
    learning_rate : float
        Step size α.
    momentum : float
        β of ``momentum`` (v = βv + (1-β)g), ``nesterov`` and ``heavy_ball`` (v = βv + g).
    beta1, beta2, epsilon : float
        Adam/AdamW moment decay rates and the denominator guard (also RMSProp's epsilon).
    rho : float
        RMSProp's squared-gradient decay rate.
    weight_decay : float
        AdamW's decoupled weight decay.
    batch_size : int or "full"
        Mini-batch size; ``"full"`` is full-batch gradient descent, 1 is stochastic.
    epochs : int or None
        Number of epochs; ``None`` trains until stopped.
    l1, l2 : float
        Penalties λ₁‖W‖₁ and λ₂/2‖W‖² on weights (never biases), added to the batch-mean loss.
    shuffle : bool
        Reshuffle the training set every epoch.
    seed : int
        Seed of weight initialisation, shuffling and dropout.
    dtype : str
        ``"float32"`` or ``"float64"``.
    schedule : ScheduleSpec
        Learning-rate schedule.
    early_stopping : int or None
        Patience in epochs on the validation loss; ``None`` disables early stopping.
    min_delta : float
        Smallest validation-loss decrease that counts as an improvement.
    clip_norm : float or None
        Global gradient-norm clipping threshold; ``None`` disables clipping.
    """

    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    rho: float = 0.9
    weight_decay: float = 0.01
    batch_size: int | Literal["full"] = 32
    epochs: int | None = 300
    l1: float = 0.0
    l2: float = 0.0
    shuffle: bool = True
    seed: int = 0
    dtype: str = "float32"
    schedule: ScheduleSpec = field(default_factory=ScheduleSpec)
    early_stopping: int | None = None
    min_delta: float = 0.0
    clip_norm: float | None = None


@dataclass(frozen=True)
class Project:
    """Everything needed to rebuild and retrain a network.

    Attributes
    ----------
    name : str
        Display name.
    data : BuiltinData or CsvData
        Where the examples come from.
    network : NetworkSpec
        The architecture.
    loss : str
        One of :data:`LOSSES`.
    training : TrainingSpec
        Optimiser and regularisation settings.
    weights : str or None
        Path of the weights file (``.npz``), relative to the project file.
    standardization : Standardization or None
        Input statistics stored with trained weights so the model applies to raw inputs.
    target_standardization : Standardization or None
        Regression target statistics (one entry per output unit) when the data standardises
        its targets: the network learns standardised targets and its outputs are scaled back
        with them (``y = output * std + mean``).
    feature_names : tuple of str or None
        Input names, stored for display and exports.
    output_names : tuple of str or None
        Class names (classification) or target names (regression).
    description : str
        Free text shown in the studio.
    """

    name: str
    data: DataSpec
    network: NetworkSpec
    loss: str
    training: TrainingSpec = field(default_factory=TrainingSpec)
    weights: str | None = None
    standardization: Standardization | None = None
    feature_names: tuple[str, ...] | None = None
    output_names: tuple[str, ...] | None = None
    description: str = ""
    target_standardization: Standardization | None = None

    @property
    def task(self) -> str:
        """``"classification"`` or ``"regression"``."""
        return self.data.task

    # ---- JSON ------------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, document: Any) -> Project:
        """Validate a decoded JSON document and build a project.

        Raises
        ------
        SpecError
            Listing every problem found, each prefixed with its JSON path.
        """
        return _Parser().project(document)

    def to_dict(self) -> dict[str, Any]:
        """Encode as a JSON-compatible dict (the inverse of :meth:`from_dict`)."""
        return _project_to_dict(self)

    def validate(self) -> None:
        """Re-check a project built in code. Raises :class:`SpecError` on problems."""
        Project.from_dict(self.to_dict())


# --------------------------------------------------------------------------------------------
# Semantic checks shared by the parser and the studio
# --------------------------------------------------------------------------------------------


def loss_output_problem(loss: str, output: LayerSpec) -> str | None:
    """Explain why ``loss`` cannot be used with this output layer, or return ``None``.

    Softmax with mse is allowed (it trains, only slowly); cross-entropies need outputs
    in (0, 1) with the right shape.
    """
    act = canonical_activation(output.activation)
    if loss == "categorical_crossentropy":
        if output.units < 2:
            return (
                "categorical_crossentropy needs an output layer of 2 or more softmax units; "
                f"this one has {output.units} (use binary_crossentropy with 1 sigmoid unit)"
            )
        if act != "softmax":
            return f"categorical_crossentropy needs a softmax output layer, not {act}"
    elif loss == "binary_crossentropy":
        if act != "sigmoid":
            return f"binary_crossentropy needs a sigmoid output layer, not {act}"
    return None


def loss_task_problem(loss: str, task: str | None) -> str | None:
    """Explain why ``loss`` cannot learn data of ``task``, or return ``None``.

    Cross-entropies compare outputs with class labels, which a regression's targets are
    not. The task is the data's (:attr:`Project.task`): a built-in generator's, or what a
    CSV data set declares, so it is known before the data is read.

    Parameters
    ----------
    loss : str
        One of :data:`LOSSES`.
    task : str or None
        ``"classification"`` or ``"regression"``; ``None`` when not known (a project file
        whose data section is invalid), which refuses nothing.
    """
    if task == "regression" and loss in CLASSIFICATION_LOSSES:
        *others, last = (name for name in LOSSES if name not in CLASSIFICATION_LOSSES)
        return (
            f"{loss} needs class labels; this data is a regression task "
            f"(use {', '.join(others)} or {last})"
        )
    return None


def loss_fit_problem(loss: str, task: str | None, output: LayerSpec) -> str | None:
    """Why ``loss`` cannot train a network with this ``output`` layer on data of ``task``.

    The data comes first (:func:`loss_task_problem`), then the output layer
    (:func:`loss_output_problem`): a cross-entropy on regression data needs no advice on
    its output layer, only another loss. ``None`` when the loss fits both.
    """
    return loss_task_problem(loss, task) or loss_output_problem(loss, output)


def expected_output_units(task: str, n_targets: int, activation: str) -> int:
    """Output width that fits the data.

    Parameters
    ----------
    task : str
        ``"classification"`` or ``"regression"``.
    n_targets : int
        Number of classes (classification) or target columns (regression).
    activation : str
        Output activation: two classes with a sigmoid output use a single unit
        (the second class is 1).
    """
    if task == "classification" and n_targets == 2 and activation == "sigmoid":
        return 1
    return n_targets


def default_loss(task: str, output_activation: str, units: int | None = None) -> str:
    """The natural loss for a task and output layer, always one that fits that layer.

    Parameters
    ----------
    task : str
        ``"classification"`` or ``"regression"``.
    output_activation : str
        The output layer's activation (``linear`` counts as ``identity``).
    units : int or None
        The output layer's width; ``None`` when not known yet (a softmax layer is then
        taken to have the 2 or more units it needs).

    Returns
    -------
    str
        Binary cross-entropy for sigmoid outputs and categorical cross-entropy for 2 or more
        softmax outputs of a classification; mean squared error otherwise, the one loss that
        fits any output layer (see :func:`loss_output_problem`).
    """
    activation = canonical_activation(output_activation)
    if task == "classification":
        if activation == "sigmoid":
            return "binary_crossentropy"
        if activation == "softmax" and (units is None or units >= 2):
            return "categorical_crossentropy"
    # Cross-entropies need outputs in (0, 1) shaped as probabilities: identity, tanh, relu
    # and the others are not, so a classification with them learns the targets by mse.
    return "mse"


def training_problems(training: TrainingSpec) -> list[str]:
    """Range checks on training settings; the studio uses them to validate edits live."""
    return _Parser().training_ranges(training)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def _choices(values: Sequence[str]) -> str:
    return ", ".join(values)


class _Parser:
    """Collects every problem in a document instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    # -- primitives --------------------------------------------------------------------------

    def mapping(self, value: Any, path: str) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.fail(path, f"expected an object, got {_type_name(value)}")
            return None
        return value

    def unknown_keys(self, obj: Mapping[str, Any], allowed: Sequence[str], path: str) -> None:
        for key in obj:
            if key not in allowed:
                self.fail(
                    f"{path}.{key}" if path else key,
                    f"unknown field; expected one of {_choices(allowed)}",
                )

    def number(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        default: float | None,
        *,
        low: float | None = None,
        high: float | None = None,
        low_open: bool = False,
        high_open: bool = False,
        required: bool = False,
        allow_none: bool = False,
    ) -> float | None:
        where = f"{path}.{key}" if path else key
        if key not in obj:
            if required:
                self.fail(where, "missing")
            return default
        value = obj[key]
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(where, f"expected a number, got {_type_name(value)}")
            return default
        try:
            value = float(value)
        except OverflowError:  # a whole number of hundreds of digits, beyond any float
            if high is not None and value > 0:
                bound = f"{'<' if high_open else '<='} {with_minus_sign(f'{high:g}')}"
            elif low is not None and value < 0:
                bound = f"{'>' if low_open else '>='} {with_minus_sign(f'{low:g}')}"
            else:
                bound = "a floating-point number (at most about ±1.8e308)"
            self.fail(where, f"must be {bound}, got {_shown(value)}")
            return default
        if not math.isfinite(value):
            self.fail(where, f"must be finite, got {with_minus_sign(str(value))}")
            return default
        if low is not None and (value < low or (low_open and value == low)):
            bound = f"{'>' if low_open else '>='} {with_minus_sign(f'{low:g}')}"
            self.fail(where, f"must be {bound}, got {_exact(value)}")
            return default
        if high is not None and (value > high or (high_open and value == high)):
            bound = f"{'<' if high_open else '<='} {with_minus_sign(f'{high:g}')}"
            self.fail(where, f"must be {bound}, got {_exact(value)}")
            return default
        return value

    def integer(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        default: int | None,
        *,
        low: int | None = None,
        high: int | None = None,
        required: bool = False,
        allow_none: bool = False,
    ) -> int | None:
        where = f"{path}.{key}" if path else key
        if key not in obj:
            if required:
                self.fail(where, "missing")
            return default
        value = obj[key]
        if value is None and allow_none:
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(where, f"expected a whole number, got {_type_name(value)} {_shown(value)}")
            return default
        if low is not None and value < low:
            self.fail(where, f"must be >= {with_minus_sign(str(low))}, got {_shown(value)}")
            return default
        if high is not None and value > high:
            self.fail(where, f"must be <= {with_minus_sign(str(high))}, got {_shown(value)}")
            return default
        return value

    def boolean(self, obj: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        if key not in obj:
            return default
        value = obj[key]
        if not isinstance(value, bool):
            self.fail(
                f"{path}.{key}" if path else key, f"expected true or false, got {_shown(value)}"
            )
            return default
        return value

    def string(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        default: str | None,
        *,
        choices: Sequence[str] | None = None,
        required: bool = False,
        allow_none: bool = False,
    ) -> str | None:
        where = f"{path}.{key}" if path else key
        if key not in obj:
            if required:
                self.fail(where, "missing")
            return default
        value = obj[key]
        if value is None and allow_none:
            return None
        if not isinstance(value, str):
            self.fail(where, f"expected a string, got {_type_name(value)}")
            return default
        if choices is not None and value not in choices:
            self.fail(where, f"unknown {_shown(value)}; expected one of {_choices(choices)}")
            return default
        return value

    def string_list(
        self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False
    ) -> tuple[str, ...] | None:
        where = f"{path}.{key}" if path else key
        if key not in obj or obj[key] is None:
            if required:
                self.fail(where, "missing")
            return None
        value = obj[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(where, "expected a list of strings")
            return None
        if not value:
            self.fail(where, "must not be empty")
            return None
        blank = [index for index, name in enumerate(value) if not name.strip()]
        if blank:
            # No CSV column or class is called "": such a name matches nothing.
            self.fail(f"{where}[{blank[0]}]", "must not be empty")
            return None
        if len(set(value)) != len(value):
            self.fail(where, "names must be unique")
            return None
        return tuple(value)

    # -- sections ----------------------------------------------------------------------------

    def project(self, document: Any) -> Project:
        doc = self.mapping(document, "document")
        if doc is None:
            raise SpecError(self.problems)
        allowed = (
            "nnstudio",
            "name",
            "description",
            "data",
            "network",
            "loss",
            "training",
            "weights",
            "standardization",
            "target_standardization",
            "feature_names",
            "output_names",
        )
        self.unknown_keys(doc, allowed, "")
        version = doc.get("nnstudio")
        if version is None:
            self.fail("nnstudio", "missing (the format version; this is not an nnstudio project)")
        elif isinstance(version, bool) or not isinstance(version, int):
            # true == 1 and 1.0 == 1 in Python; a version is a whole number, written as one.
            self.fail(
                "nnstudio",
                f"the format version must be a whole number such as {FORMAT_VERSION}, "
                f"got {_type_name(version)} {_shown(version, as_json=True)}",
            )
        elif version != FORMAT_VERSION:
            self.fail(
                "nnstudio",
                f"format version {_shown(version)} is not supported; this nnstudio reads version "
                f"{FORMAT_VERSION}",
            )
        name = self.string(doc, "name", "", "Untitled") or "Untitled"
        description = self.string(doc, "description", "", "") or ""
        data = self.data(doc.get("data"), "data") if "data" in doc else None
        if data is None and "data" not in doc:
            self.fail("data", "missing")
        network = self.network(doc.get("network"), "network") if "network" in doc else None
        if network is None and "network" not in doc:
            self.fail("network", "missing")
        loss = self.string(doc, "loss", "", None, choices=LOSSES, required=True)
        training = self.training(doc.get("training", {}), "training")
        weights = self.string(doc, "weights", "", None, allow_none=True)
        standardization = None
        if doc.get("standardization") is not None:
            standardization = self.standardization(doc["standardization"], "standardization")
        target_standardization = None
        if doc.get("target_standardization") is not None:
            target_standardization = self.standardization(
                doc["target_standardization"], "target_standardization"
            )
        feature_names = self.string_list(doc, "feature_names", "")
        output_names = self.string_list(doc, "output_names", "")

        if loss is not None:
            # The task is known once the data section is valid; a data section with
            # problems has said so already.
            task = None if data is None else data.task
            if network is None:
                problem = loss_task_problem(loss, task)
            else:
                problem = loss_fit_problem(loss, task, network.output)
            if problem:
                self.fail("loss", problem)
        if network is not None:
            if feature_names is not None and len(feature_names) != network.inputs:
                self.fail(
                    "feature_names",
                    f"has {len(feature_names)} names but network.inputs is {network.inputs}",
                )
            if standardization is not None and len(standardization.mean) != network.inputs:
                self.fail(
                    "standardization",
                    f"has {len(standardization.mean)} features but network.inputs is "
                    f"{network.inputs}",
                )
        if target_standardization is not None:
            if data is not None and data.task != "regression":
                self.fail("target_standardization", "only regression targets are standardised")
            elif network is not None and len(target_standardization.mean) != (network.output.units):
                self.fail(
                    "target_standardization",
                    f"has {len(target_standardization.mean)} targets but the output layer has "
                    f"{network.output.units} units",
                )

        if self.problems or data is None or network is None or loss is None:
            raise SpecError(self.problems)
        return Project(
            name=name,
            data=data,
            network=network,
            loss=loss,
            training=training,
            weights=weights,
            standardization=standardization,
            feature_names=feature_names,
            output_names=output_names,
            description=description,
            target_standardization=target_standardization,
        )

    def data(self, value: Any, path: str) -> DataSpec | None:
        obj = self.mapping(value, path)
        if obj is None:
            return None
        if "builtin" in obj and "csv" in obj:
            self.fail(path, "give either 'builtin' or 'csv', not both")
            return None
        if "builtin" in obj:
            allowed = (
                "builtin",
                "samples",
                "noise",
                "seed",
                "validation_fraction",
                "arms",
                "standardize",
                "features",
            )
            self.unknown_keys(obj, allowed, path)
            name = self.string(obj, "builtin", path, None, choices=BUILTIN_DATASETS)
            samples = self.integer(obj, "samples", path, 400, low=4, high=10_000_000)
            noise = self.number(obj, "noise", path, 0.1, low=0.0, high=10.0)
            seed = self.integer(obj, "seed", path, 1, low=0)
            vf = self.number(obj, "validation_fraction", path, 0.2, low=0.0, high=0.9)
            arms = self.integer(obj, "arms", path, 2, low=2, high=20)
            standardize = self.boolean(obj, "standardize", path, False)
            features = self.plane_features(obj, name, path)
            if name is None:
                return None
            return BuiltinData(
                builtin=name,
                samples=int(samples),  # type: ignore[arg-type]
                noise=float(noise),  # type: ignore[arg-type]
                seed=int(seed),  # type: ignore[arg-type]
                validation_fraction=float(vf),  # type: ignore[arg-type]
                arms=int(arms),  # type: ignore[arg-type]
                standardize=standardize,
                features=features,
            )
        if "csv" in obj:
            allowed = (
                "csv",
                "target",
                "task",
                "features",
                "standardize",
                "standardize_targets",
                "validation_fraction",
                "seed",
                "header",
                "decimal_comma",
                "skip_missing",
            )
            self.unknown_keys(obj, allowed, path)
            csv = self.string(obj, "csv", path, None)
            target = self.string_list(obj, "target", path, required=True)
            task = self.string(obj, "task", path, "classification", choices=TASKS)
            features = self.string_list(obj, "features", path)
            standardize = self.boolean(obj, "standardize", path, True)
            standardize_targets = self.boolean(obj, "standardize_targets", path, False)
            vf = self.number(obj, "validation_fraction", path, 0.2, low=0.0, high=0.9)
            seed = self.integer(obj, "seed", path, 0, low=0)
            header = obj.get("header")
            if header is not None and not isinstance(header, bool):
                # Not coerced: "yes" or 0 could mean either reading of the first line.
                self.fail(
                    f"{path}.header",
                    f"expected true (the first line names the columns), false (no header "
                    f"line) or null (guessed), got {_shown(header)}",
                )
                header = None
            decimal_comma = obj.get("decimal_comma")
            if decimal_comma is not None and not isinstance(decimal_comma, bool):
                self.fail(
                    f"{path}.decimal_comma",
                    "expected true (numbers such as 0,5 have a decimal comma), false (a comma "
                    f"is never a decimal mark) or null (guessed), got {_shown(decimal_comma)}",
                )
                decimal_comma = None
            skip_missing = self.boolean(obj, "skip_missing", path, False)
            if standardize_targets and task == "classification":
                self.fail(
                    f"{path}.standardize_targets",
                    "only regression targets can be standardised (classes are not numbers)",
                )
            if csv is not None and not csv.strip():
                self.fail(f"{path}.csv", "must not be empty")
                return None
            if task == "classification" and target is not None and len(target) != 1:
                self.fail(f"{path}.target", "classification takes exactly one target column")
            if features is not None and target is not None:
                overlap = sorted(set(features) & set(target))
                if overlap:
                    self.fail(f"{path}.features", f"also listed as target: {', '.join(overlap)}")
            if csv is None or target is None or task is None:
                return None
            return CsvData(
                csv=csv,
                target=target,
                task=task,
                features=features,
                standardize=standardize,
                validation_fraction=float(vf),  # type: ignore[arg-type]
                seed=int(seed),  # type: ignore[arg-type]
                standardize_targets=standardize_targets,
                header=header,
                decimal_comma=decimal_comma,
                skip_missing=skip_missing,
            )
        self.fail(path, "needs either 'builtin' (a generator name) or 'csv' (a file path)")
        return None

    def network(self, value: Any, path: str) -> NetworkSpec | None:
        obj = self.mapping(value, path)
        if obj is None:
            return None
        self.unknown_keys(obj, ("inputs", "layers"), path)
        inputs = self.integer(obj, "inputs", path, None, low=1, high=MAX_UNITS, required=True)
        raw_layers = obj.get("layers")
        if raw_layers is None:
            self.fail(f"{path}.layers", "missing")
            return None
        if not isinstance(raw_layers, list):
            self.fail(f"{path}.layers", f"expected a list, got {_type_name(raw_layers)}")
            return None
        if not raw_layers:
            self.fail(f"{path}.layers", "needs at least one layer (the output layer)")
            return None
        if len(raw_layers) > MAX_LAYERS:
            self.fail(f"{path}.layers", f"at most {MAX_LAYERS} layers, got {len(raw_layers)}")
            return None
        layers = []
        for i, raw in enumerate(raw_layers):
            layers.append(
                self.layer(raw, f"{path}.layers[{i}]", is_output=i == len(raw_layers) - 1)
            )
        if inputs is None or any(layer is None for layer in layers):
            return None
        network = NetworkSpec(inputs=int(inputs), layers=tuple(layers))  # type: ignore[arg-type]
        problem = network_size_problem(network)
        if problem is not None:
            self.fail(path, problem)
            return None
        return network

    def layer(self, value: Any, path: str, *, is_output: bool) -> LayerSpec | None:
        obj = self.mapping(value, path)
        if obj is None:
            return None
        allowed = ("units", "activation", "init", "init_param", "bias_init", "dropout", "alpha")
        self.unknown_keys(obj, allowed, path)
        units = self.integer(obj, "units", path, None, low=1, high=MAX_UNITS, required=True)
        activation = self.string(obj, "activation", path, "tanh", choices=ACTIVATIONS)
        init = self.string(obj, "init", path, "xavier_normal", choices=INITIALIZERS)
        init_param = self.number(obj, "init_param", path, None, low=-1e3, high=1e3, allow_none=True)
        if init in ("normal", "uniform") and init_param is not None and init_param <= 0:
            self.fail(
                f"{path}.init_param", f"{init} needs a positive scale, got {_exact(init_param)}"
            )
        bias_init = self.number(obj, "bias_init", path, 0.0, low=-1e3, high=1e3)
        dropout = self.number(obj, "dropout", path, 0.0, low=0.0, high=1.0, high_open=True)
        alpha = self.number(obj, "alpha", path, None, low=0.0, high=100.0, allow_none=True)
        if activation == "softmax" and not is_output:
            self.fail(f"{path}.activation", "softmax is only allowed on the output layer")
        if is_output and dropout:
            self.fail(f"{path}.dropout", "the output layer cannot use dropout")
        if units is None or activation is None or init is None:
            return None
        return LayerSpec(
            units=int(units),
            activation=activation,
            init=init,
            init_param=init_param,
            bias_init=float(bias_init),  # type: ignore[arg-type]
            dropout=float(dropout),  # type: ignore[arg-type]
            alpha=alpha,
        )

    def training(self, value: Any, path: str) -> TrainingSpec:
        default = TrainingSpec()
        obj = self.mapping(value, path)
        if obj is None:
            return default
        allowed = (
            "optimizer",
            "learning_rate",
            "momentum",
            "beta1",
            "beta2",
            "epsilon",
            "rho",
            "weight_decay",
            "batch_size",
            "epochs",
            "l1",
            "l2",
            "shuffle",
            "seed",
            "dtype",
            "schedule",
            "early_stopping",
            "min_delta",
            "clip_norm",
        )
        self.unknown_keys(obj, allowed, path)
        d = default
        batch_size: int | Literal["full"] = d.batch_size
        if "batch_size" in obj:
            if obj["batch_size"] == "full":
                batch_size = "full"
            else:
                parsed = self.integer(obj, "batch_size", path, None, low=1, high=10_000_000)
                if parsed is not None:
                    batch_size = parsed
        epochs = d.epochs
        if "epochs" in obj:
            epochs = self.integer(
                obj, "epochs", path, d.epochs, low=0, high=MAX_EPOCHS, allow_none=True
            )
        spec = TrainingSpec(
            optimizer=self.string(obj, "optimizer", path, d.optimizer, choices=OPTIMIZERS)
            or d.optimizer,
            learning_rate=self.number(
                obj, "learning_rate", path, d.learning_rate, low=0.0, high=1e3, low_open=True
            ),  # type: ignore[arg-type]
            momentum=self.number(
                obj, "momentum", path, d.momentum, low=0.0, high=1.0, high_open=True
            ),  # type: ignore[arg-type]
            beta1=self.number(obj, "beta1", path, d.beta1, low=0.0, high=1.0, high_open=True),  # type: ignore[arg-type]
            beta2=self.number(obj, "beta2", path, d.beta2, low=0.0, high=1.0, high_open=True),  # type: ignore[arg-type]
            epsilon=self.number(obj, "epsilon", path, d.epsilon, low=0.0, high=1.0, low_open=True),  # type: ignore[arg-type]
            rho=self.number(obj, "rho", path, d.rho, low=0.0, high=1.0, high_open=True),  # type: ignore[arg-type]
            weight_decay=self.number(obj, "weight_decay", path, d.weight_decay, low=0.0, high=10.0),  # type: ignore[arg-type]
            batch_size=batch_size,
            epochs=epochs,
            l1=self.number(obj, "l1", path, d.l1, low=0.0, high=100.0),  # type: ignore[arg-type]
            l2=self.number(obj, "l2", path, d.l2, low=0.0, high=100.0),  # type: ignore[arg-type]
            shuffle=self.boolean(obj, "shuffle", path, d.shuffle),
            seed=self.integer(obj, "seed", path, d.seed, low=0, high=MAX_SEED),  # type: ignore[arg-type]
            dtype=self.string(obj, "dtype", path, d.dtype, choices=DTYPES) or d.dtype,
            schedule=self.schedule(obj.get("schedule", "constant"), f"{path}.schedule"),
            early_stopping=self.integer(
                obj, "early_stopping", path, None, low=1, high=1_000_000, allow_none=True
            ),
            min_delta=self.number(obj, "min_delta", path, 0.0, low=0.0),  # type: ignore[arg-type]
            clip_norm=self.number(
                obj, "clip_norm", path, None, low=0.0, low_open=True, allow_none=True
            ),
        )
        schedule = spec.schedule
        if schedule.name == "cosine" and schedule.min_lr > spec.learning_rate:
            # The cosine runs from the learning rate down to min_lr: above it, it ramps up.
            self.fail(
                f"{path}.schedule.min_lr",
                f"must be <= learning_rate ({_exact(spec.learning_rate)}), "
                f"got {_exact(schedule.min_lr)}",
            )
        if spec.dtype in DTYPES:
            # Positive by their meaning, but below the precision's smallest normal number they
            # round to 0 or keep only a few of their digits once training casts them.
            tiny = float(np.finfo(spec.dtype).tiny)
            for key in ("learning_rate", "epsilon", "clip_norm"):
                value = getattr(spec, key)
                if value is not None and 0.0 < value < tiny:
                    self.fail(
                        f"{path}.{key}",
                        f"must be at least {tiny:.3g} in {spec.dtype} (a smaller value is 0 or "
                        f"loses its digits there), got {_exact(value)}",
                    )
        return spec

    def training_ranges(self, training: TrainingSpec) -> list[str]:
        """Validate an in-memory TrainingSpec by round-tripping through the parser."""
        self.problems = []
        self.training(_training_to_dict(training), "training")
        return list(self.problems)

    def schedule(self, value: Any, path: str) -> ScheduleSpec:
        if isinstance(value, str):
            value = {"name": value}
        obj = self.mapping(value, path)
        if obj is None:
            return ScheduleSpec()
        self.unknown_keys(obj, ("name", "step_size", "gamma", "period", "min_lr"), path)
        d = ScheduleSpec()
        name = self.string(obj, "name", path, d.name, choices=SCHEDULES) or d.name
        return ScheduleSpec(
            name=name,
            step_size=self.integer(obj, "step_size", path, d.step_size, low=1),  # type: ignore[arg-type]
            gamma=self.number(obj, "gamma", path, d.gamma, low=0.0, high=1.0, low_open=True),  # type: ignore[arg-type]
            period=self.integer(obj, "period", path, None, low=1, allow_none=True),
            min_lr=self.number(obj, "min_lr", path, d.min_lr, low=0.0),  # type: ignore[arg-type]
        )

    def plane_features(
        self, obj: Mapping[str, Any], name: str | None, path: str
    ) -> tuple[str, ...]:
        """The ``features`` of a built-in data set, in :data:`PLANE_FEATURES` order."""
        features = self.string_list(obj, "features", path)
        if features is None:
            return DEFAULT_PLANE_FEATURES
        unknown = [feature for feature in features if feature not in PLANE_FEATURES]
        if unknown:
            self.fail(
                f"{path}.features",
                f"unknown feature {_shown(unknown[0])}; choose from {', '.join(PLANE_FEATURES)}",
            )
            return DEFAULT_PLANE_FEATURES
        if name is not None and name not in PLANE_DATASETS:
            if features != DEFAULT_PLANE_FEATURES:
                self.fail(
                    f"{path}.features",
                    f"'{name}' has one input; features are for the 2-D data sets "
                    f"({', '.join(PLANE_DATASETS)})",
                )
            return DEFAULT_PLANE_FEATURES
        return tuple(feature for feature in PLANE_FEATURES if feature in features)

    def standardization(self, value: Any, path: str) -> Standardization | None:
        obj = self.mapping(value, path)
        if obj is None:
            return None
        self.unknown_keys(obj, ("mean", "std"), path)
        out = {}
        for key in ("mean", "std"):
            raw = obj.get(key)
            if not isinstance(raw, list) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                for v in raw
            ):
                self.fail(f"{path}.{key}", "expected a list of finite numbers")
                return None
            out[key] = tuple(float(v) for v in raw)
        if len(out["mean"]) != len(out["std"]):
            self.fail(path, "mean and std have different lengths")
            return None
        if any(s <= 0 for s in out["std"]):
            self.fail(f"{path}.std", "every standard deviation must be positive")
            return None
        return Standardization(mean=out["mean"], std=out["std"])


#: The minus sign the studio writes numbers with ("−0.5", "1e−05", "between −1 and 1").
_MINUS_SIGN = "\u2212"


def with_minus_sign(number: str) -> str:
    """The text of a number with its minus signs typeset: ``-1e-05`` is ``−1e−05``.

    Messages write numbers as the rest of the studio does; a hyphen beside ">=" reads as a
    dash. Only for the text of a number: every hyphen in it is a sign.
    """
    return number.replace("-", _MINUS_SIGN)


def _exact(value: float) -> str:
    """``value`` for a message beside a bound: short (``1e+308``, ``0.5``) when that is the
    number itself, else every digit it needs (``1000.0001``, never ``1000`` against a bound
    of ``<= 1000``); negative ones with the minus sign (``−2``)."""
    short, digits = f"{value:g}", repr(float(value))
    return with_minus_sign(short if float(short) == value and len(short) <= len(digits) else digits)


def _shown(value: Any, *, as_json: bool = False, limit: int = 40) -> str:
    """``value`` for a message (its repr, or JSON text), a long one cut short.

    A hand-edited file may hold a 400-digit number or a page of text where a name belongs:
    the message shows its start and says how long it is instead of echoing all of it.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            text = str(value)
        except ValueError:  # beyond Python's limit for converting integers to text
            return f"a number of about {int(value.bit_length() * math.log10(2)):,} digits"
        digits = len(text.lstrip("-"))
        return with_minus_sign(text if digits <= 20 else f"{text[:12]}… ({digits:,} digits)")
    text = json.dumps(value, ensure_ascii=False) if as_json else repr(value)
    if isinstance(value, float):
        return with_minus_sign(text)  # repr and JSON write a float in under 30 characters
    if len(text) <= limit:
        return text
    size = f" ({len(value):,} characters)" if isinstance(value, str) else ""
    return f"{text[:limit]}…{size}"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    # isinstance, not type(): the project reader's objects are a dict subclass, and bool
    # (a subclass of int) is tested first.
    for kind, name in (
        (bool, "a boolean"),
        (int, "a number"),
        (float, "a number"),
        (str, "a string"),
        (list, "a list"),
        (dict, "an object"),
    ):
        if isinstance(value, kind):
            return name
    return type(value).__name__


# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------


def _layer_to_dict(layer: LayerSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "units": layer.units,
        "activation": layer.activation,
        "init": layer.init,
    }
    if layer.init_param is not None:
        out["init_param"] = layer.init_param
    out["bias_init"] = layer.bias_init
    if layer.dropout:
        out["dropout"] = layer.dropout
    if layer.alpha is not None:
        out["alpha"] = layer.alpha
    return out


def _data_to_dict(data: DataSpec) -> dict[str, Any]:
    if isinstance(data, BuiltinData):
        out: dict[str, Any] = {
            "builtin": data.builtin,
            "samples": data.samples,
            "noise": data.noise,
            "seed": data.seed,
            "validation_fraction": data.validation_fraction,
        }
        if data.builtin == "spiral":
            out["arms"] = data.arms
        if data.standardize:
            out["standardize"] = True
        if data.features != DEFAULT_PLANE_FEATURES:
            out["features"] = list(data.features)
        return out
    out = {
        "csv": data.csv,
        "target": list(data.target),
        "task": data.task,
    }
    if data.features is not None:
        out["features"] = list(data.features)
    out["standardize"] = data.standardize
    if data.standardize_targets:
        out["standardize_targets"] = True
    out["validation_fraction"] = data.validation_fraction
    out["seed"] = data.seed
    if data.header is not None:
        # Only a choice is written: files of guessed headers stay as they were.
        out["header"] = data.header
    if data.decimal_comma is not None:
        out["decimal_comma"] = data.decimal_comma
    if data.skip_missing:
        out["skip_missing"] = True
    return out


def _training_to_dict(t: TrainingSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"optimizer": t.optimizer, "learning_rate": t.learning_rate}
    for name in OPTIMIZER_HYPERPARAMETERS.get(t.optimizer, ()):
        out[name] = getattr(t, name)
    out.update(
        {
            "batch_size": t.batch_size,
            "epochs": t.epochs,
            "l1": t.l1,
            "l2": t.l2,
            "shuffle": t.shuffle,
            "seed": t.seed,
            "dtype": t.dtype,
        }
    )
    if t.schedule != ScheduleSpec():
        s = t.schedule
        sched: dict[str, Any] = {"name": s.name}
        if s.name == "step":
            sched.update(step_size=s.step_size, gamma=s.gamma)
        elif s.name == "exponential":
            sched.update(gamma=s.gamma)
        elif s.name == "cosine":
            sched.update(period=s.period, min_lr=s.min_lr)
        out["schedule"] = sched
    if t.early_stopping is not None:
        out["early_stopping"] = t.early_stopping
        out["min_delta"] = t.min_delta
    if t.clip_norm is not None:
        out["clip_norm"] = t.clip_norm
    return out


def _project_to_dict(p: Project) -> dict[str, Any]:
    out: dict[str, Any] = {"nnstudio": FORMAT_VERSION, "name": p.name}
    if p.description:
        out["description"] = p.description
    out["data"] = _data_to_dict(p.data)
    out["network"] = {
        "inputs": p.network.inputs,
        "layers": [_layer_to_dict(layer) for layer in p.network.layers],
    }
    out["loss"] = p.loss
    out["training"] = _training_to_dict(p.training)
    if p.feature_names is not None:
        out["feature_names"] = list(p.feature_names)
    if p.output_names is not None:
        out["output_names"] = list(p.output_names)
    if p.standardization is not None:
        out["standardization"] = p.standardization.to_dict()
    if p.target_standardization is not None:
        out["target_standardization"] = p.target_standardization.to_dict()
    if p.weights is not None:
        out["weights"] = p.weights
    return out
