"""Glue between a project, its data and the engine, shared by the command line and the studio.

Nothing here imports Qt. The functions take and return immutable :class:`~nnstudio.spec.Project`
values, so the caller decides what becomes the current document.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nnstudio.errors import DataError
from nnstudio.spec import (
    CLASSIFICATION_LOSSES,
    LOSS_LABELS,
    CsvData,
    Project,
    Standardization,
    Weights,
    canonical_activation,
    default_loss,
    expected_output_units,
    loss_output_problem,
    with_minus_sign,
)
from nnstudio.text import name_list, plural

if TYPE_CHECKING:
    from collections.abc import Callable

    from nnstudio.data import Dataset, ReadProgress
    from nnstudio.engine.gradcheck import GradCheckProgress, GradCheckReport
    from nnstudio.engine.network import Network
    from nnstudio.engine.trainer import Trainer
    from nnstudio.io.project import LoadedProject

#: Relative error above which a gradient check fails (float64 central differences).
GRADCHECK_TOLERANCE = 1e-6
#: Training examples a gradient check uses unless told otherwise.
GRADCHECK_SAMPLES = 16
#: The gradient check's finite-difference step, unless told otherwise.
GRADCHECK_EPSILON = 1e-6
#: Largest finite-difference step a user may choose: the lecture notes' worked example uses
#: 0.01 (the engine's own re-measuring still stops at ``gradcheck.MAX_EPSILON``).
GRADCHECK_MAX_EPSILON = 1e-2
#: Smallest finite-difference step a user may choose: below it the differences of a loss
#: near 1 measure nothing but rounding (u / ε is above 1e-6).
GRADCHECK_MIN_EPSILON = 1e-10


def gradcheck_tolerance(epsilon: float) -> float:
    """Relative error above which a gradient check with step ``epsilon`` fails.

    Parameters
    ----------
    epsilon : float
        The finite-difference step of the check.

    Returns
    -------
    float
        :data:`GRADCHECK_TOLERANCE` for steps up to 1e-3, ``epsilon²`` for larger ones.

    Notes
    -----
    A central difference is off by about ``ε² · J‴ / 6`` (truncation), a relative ``ε²`` for
    smooth networks. At ε = 0.01 a correct backpropagation therefore shows about 1e-5, which a
    fixed 1e-6 would fail; the tolerance grows with ``ε²`` so the verdict stays meaningful.
    """
    return max(GRADCHECK_TOLERANCE, float(epsilon) ** 2)


def dropout_layers(project: Project) -> tuple[int, ...]:
    """1-based numbers of the layers that use dropout (the ones a dropout check masks).

    Parameters
    ----------
    project : Project

    Returns
    -------
    tuple of int
        Empty when no layer uses dropout.
    """
    return tuple(
        number for number, layer in enumerate(project.network.layers, start=1) if layer.dropout
    )


def gradcheck_problem(
    project: Project,
    dataset: Dataset | None,
    weights: Weights | None = None,
    *,
    samples: int = GRADCHECK_SAMPLES,
    epsilon: float = GRADCHECK_EPSILON,
    dropout: bool = False,
) -> str | None:
    """Why :func:`check_gradients` cannot run with these arguments, or ``None`` if it can.

    Cheap (no loss is evaluated): the studio asks before it starts a check, and the message
    names what is wrong.

    Parameters
    ----------
    project, dataset, weights, samples, epsilon, dropout
        As for :func:`check_gradients`; ``dataset`` ``None`` when no data is loaded.

    Returns
    -------
    str or None
        E.g. ``"the step ε must be a number from 1e-10 to 0.01, got 0.5"``.
    """
    from nnstudio.engine.gradcheck import nonfinite_parameter

    try:
        step = float(epsilon)
    except (TypeError, ValueError):
        step = float("nan")
    if not GRADCHECK_MIN_EPSILON <= step <= GRADCHECK_MAX_EPSILON:
        return (
            f"the step ε must be a number from {GRADCHECK_MIN_EPSILON:g} to "
            f"{GRADCHECK_MAX_EPSILON:g}, got {epsilon!r}"
        )
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        return f"the check needs 1 or more examples, got {samples!r}"
    if dropout and not dropout_layers(project):
        return (
            f"no layer of {project.network.describe()} uses dropout, so there are no masks "
            "to hold fixed: give a hidden layer a dropout rate first"
        )
    if dataset is None:
        return "no data is loaded"
    if dataset.n_train == 0:
        return "the data has no training examples to check on"
    if weights is not None:
        problem = nonfinite_parameter(weights)
        if problem is not None:
            return f"the weights are not all finite: {problem}; reset the weights first"
    return None


#: Output activations that give class probabilities.
_PROBABILITY_ACTIVATIONS = ("sigmoid", "softmax")


def _targets_phrase(dataset: Dataset) -> str:
    """``"3 classes (setosa, versicolor, virginica)"`` or ``"1 target (price)"``."""
    count = dataset.n_outputs
    noun = "class" if dataset.is_classification else "target"
    return f"{plural(count, noun)} ({name_list(dataset.target_names)})"


# --------------------------------------------------------------------------------------------
# Project and data
# --------------------------------------------------------------------------------------------


def attach_dataset(project: Project, dataset: Dataset) -> Project:
    """Store what a trained model needs to know about its data in the project.

    Records the input standardisation, the feature names and the output (class or target)
    names. An already stored standardisation is kept when the data asks for standardisation
    and the feature count matches, so weights trained with it stay consistent.

    Parameters
    ----------
    project : Project
        The current document.
    dataset : Dataset
        The loaded data.

    Returns
    -------
    Project

    Raises
    ------
    DataError
        When the network's input width differs from the feature count, or its output width
        fits neither the classes nor the targets (both numbers and the names are given).
    """
    network = project.network
    if network.inputs != dataset.n_features:
        raise DataError(
            f"the network has {plural(network.inputs, 'input')} but the data has "
            f"{plural(dataset.n_features, 'feature')} ({name_list(dataset.feature_names)})"
        )
    output = network.output
    needed = expected_output_units(
        dataset.task, dataset.n_outputs, canonical_activation(output.activation)
    )
    allowed = {needed}
    if dataset.is_classification and dataset.n_outputs == 2:
        # Two classes also train on one unit (the second class's column) or on two units; a
        # single softmax unit would always output 1.
        allowed |= {2} if canonical_activation(output.activation) == "softmax" else {1, 2}
    if output.units not in allowed:
        # Labels that differ only in case may be the extra classes: say so before a unit is
        # added for a class that is not one.
        notes = "".join(f"; note: {note}" for note in dataset.class_notes)
        raise DataError(
            f"the output layer has {plural(output.units, 'unit')} but the data has "
            f"{_targets_phrase(dataset)}; it needs {plural(needed, 'output unit')}{notes}"
        )
    stored = project.standardization
    data_standardizes = bool(getattr(project.data, "standardize", False))
    if (
        data_standardizes
        and stored is not None
        and dataset.standardization is not None
        and len(stored.mean) == dataset.n_features
    ):
        standardization = stored
    else:
        standardization = dataset.standardization
    return replace(
        project,
        standardization=standardization,
        target_standardization=_target_standardization(project, dataset),
        feature_names=tuple(dataset.feature_names),
        output_names=tuple(dataset.target_names),
    )


def trained_names_problem(stored: Project, dataset: Dataset) -> str | None:
    """How the names a project's weights were trained with differ from its data's, if they do.

    A project stores the names of the inputs and outputs its weights were trained on. Data
    with other names (an imported model's stand-in built-in data set, say) are other
    quantities: training those weights on them would turn the model into a different one.

    Parameters
    ----------
    stored : Project
        The project as read, with the names stored beside its weights.
    dataset : Dataset
        The data it would train on.

    Returns
    -------
    str or None
        E.g. ``"inputs income, debt and classes no, yes, but the data has inputs x1, x2 and
        classes 0, 1"``; ``None`` when nothing is stored or the names agree.
    """
    noun = "classes" if dataset.is_classification else "targets"
    pairs = [
        ("inputs", stored.feature_names, tuple(dataset.feature_names)),
        (noun, stored.output_names, tuple(dataset.target_names)),
    ]
    differing = [(what, old, new) for what, old, new in pairs if old is not None and old != new]
    if not differing:
        return None
    trained = " and ".join(f"{what} {name_list(old)}" for what, old, _new in differing)
    offered = " and ".join(f"{what} {name_list(new)}" for what, _old, new in differing)
    return f"{trained}, but the data has {offered}"


def standardizes_targets(project: Project) -> bool:
    """Whether the project's data asks for standardised regression targets."""
    data = project.data
    return bool(getattr(data, "standardize_targets", False)) and data.task == "regression"


def _target_standardization(project: Project, dataset: Dataset) -> Standardization | None:
    """The target statistics a project keeps: its stored ones when they still fit (trained
    weights depend on them), else fitted on the training targets; ``None`` when the data
    does not standardise its targets."""
    if not standardizes_targets(project) or dataset.is_classification:
        return None
    stored = project.target_standardization
    if stored is not None and len(stored.mean) == dataset.n_outputs:
        return stored
    from nnstudio.data import fit_standardization

    return fit_standardization(dataset.Y_train)


#: Output activations whose values cannot leave a range: (lowest, highest, how it reads).
#: (A ReLU output is a choice for targets that bottom out at zero, noise below it included.)
_BOUNDED_OUTPUTS: dict[str, tuple[float, float, str]] = {
    "sigmoid": (0.0, 1.0, "between 0 and 1"),
    "tanh": (-1.0, 1.0, "between −1 and 1"),
}
#: Targets this far beyond an output's range (as a share of the range) are out of its reach;
#: closer ones are noise around a bound the output can approach.
_REACH_MARGIN = 0.1


def _targets_out_of_reach(activation: str, dataset: Dataset, standardized: bool = False) -> str:
    """Why a regression output with ``activation`` cannot reach the targets ("" if it can).

    Standardised targets (mean 0, spread 1 on both sides) are out of every bounded output's
    reach.
    """
    bounds = _BOUNDED_OUTPUTS.get(activation)
    targets = [Y for Y in (dataset.Y_train, dataset.Y_val) if Y.size]
    if bounds is None or not targets:
        return ""
    low, high, reads = bounds
    if standardized:
        return f"{activation} outputs are {reads}, standardised targets are not"
    margin = _REACH_MARGIN * (high - low)
    smallest = min(float(Y.min()) for Y in targets)
    largest = max(float(Y.max()) for Y in targets)
    if smallest >= low - margin and largest <= high + margin:
        return ""
    outside = smallest if smallest < low else largest
    return f"{activation} outputs are {reads}, a target is {with_minus_sign(f'{outside:.4g}')}"


def _trains_as_written(project: Project, dataset: Dataset) -> bool:
    """Whether the project's output activation and loss train on ``dataset`` as they are
    (once the output layer has the data's width)."""
    output = project.network.output
    activation = canonical_activation(output.activation)
    loss = project.loss
    if not dataset.is_classification and loss in CLASSIFICATION_LOSSES:
        return False
    if not dataset.is_classification and activation == "softmax":
        return False
    units = _written_units(project, dataset)
    if activation == "softmax" and units < 2:
        return False  # one softmax unit outputs 1 whatever its input
    return loss_output_problem(loss, replace(output, units=units)) is None


def _written_units(project: Project, dataset: Dataset) -> int:
    """The output width a project trains ``dataset`` with, keeping its activation: one unit
    per class or target column, or one or two sigmoid units on two classes (one unit learns
    the probability of the second class, see :meth:`Dataset.targets_for`)."""
    output = project.network.output
    count = dataset.n_outputs
    activation = canonical_activation(output.activation)
    if dataset.is_classification and count == 2 and activation == "sigmoid":
        return output.units if output.units in (1, 2) else 1
    return expected_output_units(dataset.task, count, activation)


def fit_network_to_data(
    project: Project, dataset: Dataset, *, as_written: bool = False
) -> tuple[Project, list[str]]:
    """Resize the input and output layers to the data and say what changed.

    For classification the output becomes one unit per class (softmax), or a single sigmoid
    unit for two classes when the output is sigmoid; a sigmoid output on more than two classes
    becomes softmax. For regression the output becomes one unit per target column, and a
    softmax output becomes identity. The loss switches to the natural one when it no longer
    fits. The result also carries the data's names and standardisation
    (see :func:`attach_dataset`).

    With ``as_written`` (a project opened from its file), the output activation and the loss
    stay as the project chose them whenever the network trains with them, as ``nnstudio
    train`` trains it: e.g. identity outputs with squared error on classes, the lecture notes'
    contrast to softmax. Only the layer widths follow the data then, and a bounded output
    that cannot reach the targets is reported rather than changed.

    Parameters
    ----------
    project : Project
    dataset : Dataset
    as_written : bool
        Keep a working output activation and loss (see above).

    Returns
    -------
    project : Project
        The fitted project, carrying the data's names and standardisation.
    notices : list of str
        One sentence per change, e.g. ``"Output layer resized from 1 to 3 units to match the
        3 classes"``.
    """
    notices: list[str] = []
    network = project.network
    loss = project.loss
    if network.inputs != dataset.n_features:
        notices.append(
            f"Input layer resized from {network.inputs} to "
            f"{plural(dataset.n_features, 'input')} to match the "
            f"{plural(dataset.n_features, 'feature')}"
        )
        network = replace(network, inputs=dataset.n_features)

    output = network.output
    activation = canonical_activation(output.activation)
    count = dataset.n_outputs
    new_activation = activation
    written = as_written and _trains_as_written(project, dataset)
    if written:
        what = plural(count, "class" if dataset.is_classification else "target column")
        if not dataset.is_classification:
            out_of_reach = _targets_out_of_reach(activation, dataset, standardizes_targets(project))
            if out_of_reach:
                notices.append(
                    f"The {activation} output cannot reach the targets ({out_of_reach}); an "
                    "identity output can"
                )
    elif dataset.is_classification:
        if activation not in _PROBABILITY_ACTIVATIONS:
            new_activation = "sigmoid" if count == 2 else "softmax"
        elif activation == "sigmoid" and count > 2:
            new_activation = "softmax"
        what = plural(count, "class")
    else:
        what = plural(count, "target column")
        if activation == "softmax":
            new_activation = "identity"
        else:
            out_of_reach = _targets_out_of_reach(activation, dataset, standardizes_targets(project))
            if out_of_reach:
                # A bounded output can never fit such targets: training would only stall.
                new_activation = "identity"
                what = f"{what} ({out_of_reach})"
    if new_activation != activation:
        notices.append(
            f"Output activation changed from {output.activation} to {new_activation} for "
            f"{'the ' if dataset.is_classification else ''}{what}"
        )
    units = expected_output_units(dataset.task, count, new_activation)
    if written:
        units = _written_units(project, dataset)
    elif dataset.is_classification and count == 2 and new_activation == activation == "sigmoid":
        # Two sigmoid units on two classes train as well as one; keep the layer in use.
        units = output.units if output.units in (1, 2) else units
    if units != output.units:
        notices.append(
            f"Output layer resized from {output.units} to {units} "
            f"unit{'' if units == 1 else 's'} to match the {what}"
        )
    if new_activation != activation:
        new_output = replace(output, units=units, activation=new_activation, alpha=None)
        network = network.with_layer(len(network.layers) - 1, new_output)
    elif units != output.units:
        network = network.with_layer(len(network.layers) - 1, replace(output, units=units))

    natural = default_loss(dataset.task, canonical_activation(network.output.activation))
    loss_misfits = loss_output_problem(loss, network.output) is not None or (
        not dataset.is_classification and loss in CLASSIFICATION_LOSSES
    )
    if (loss_misfits or new_activation != activation) and loss != natural:
        # As the Training settings name them ("Binary cross-entropy"), not as files do.
        old_name, new_name = (LOSS_LABELS.get(name, name) for name in (loss, natural))
        notices.append(
            f"Loss changed from {old_name[:1].lower()}{old_name[1:]} to "
            f"{new_name[:1].lower()}{new_name[1:]} to fit the new output layer"
        )
        loss = natural

    fitted = project
    if network != project.network or loss != project.loss:
        fitted = replace(project, network=network, loss=loss)
        if network.inputs != project.network.inputs:
            # Names and statistics of the old inputs no longer apply.
            fitted = replace(fitted, standardization=None, feature_names=None)
    fitted = attach_dataset(fitted, dataset)
    return fitted, notices


# --------------------------------------------------------------------------------------------
# Engine objects
# --------------------------------------------------------------------------------------------


def build_network(project: Project, weights: Weights | None = None) -> Network:
    """Build the engine network a project describes.

    Parameters
    ----------
    project : Project
        Supplies the architecture, loss, seed (``training.seed``), dtype and the input
        standardisation.
    weights : Weights or None
        Start from these weights instead of fresh initialisation.

    Returns
    -------
    Network
    """
    from nnstudio.engine.network import Network

    return Network.from_spec(
        project.network,
        project.loss,
        seed=project.training.seed,
        dtype=project.training.dtype,
        weights=weights,
        standardization=project.standardization,
        target_standardization=project.target_standardization,
    )


def make_trainer(
    project: Project, network: Network, dataset: Dataset, *, start: tuple[int, int] = (0, 0)
) -> Trainer:
    """A trainer for ``network`` on ``dataset`` with the project's training settings.

    Targets are encoded for the network's output layer (one sigmoid unit on two classes
    trains on the second class's column). Without validation examples the trainer gets none.

    Parameters
    ----------
    project : Project
    network : Network
    dataset : Dataset
    start : tuple of (int, int)
        The epoch and step the network's weights were trained to before: the run counts on
        from there (see :class:`~nnstudio.engine.trainer.Trainer`). ``(0, 0)`` for fresh
        weights, and for weights whose training is not known (a file that records no
        position; a project's own weights file records it, see
        :attr:`~nnstudio.io.project.LoadedProject.training_position`).

    Raises
    ------
    DataError
        When the output width fits neither the classes nor the targets.
    """
    from nnstudio.engine.trainer import Trainer

    Y_train, Y_val = dataset.targets_for(
        project.network.output.units, canonical_activation(project.network.output.activation)
    )
    has_validation = dataset.n_val > 0
    return Trainer(
        network,
        project.training,
        dataset.X_train,
        Y_train,
        dataset.X_val if has_validation else None,
        Y_val if has_validation else None,
        task=dataset.task,
        feature_names=dataset.feature_names,
        target_names=None if dataset.is_classification else dataset.target_names,
        start_epoch=start[0],
        start_step=start[1],
    )


def load_for_training(
    loaded: LoadedProject,
    *,
    reinit: bool = False,
    check_dtype: bool = False,
    progress: ReadProgress | None = None,
) -> tuple[Project, Network, Dataset]:
    """Load a project's data and build its network, ready for :func:`make_trainer`.

    Parameters
    ----------
    loaded : LoadedProject
        A project read by :func:`nnstudio.io.project.load_project`.
    reinit : bool
        Ignore stored weights and start from fresh initialisation (the standardisation is
        then refitted on the data too).
    check_dtype : bool
        Refuse CSV numbers too large for the project's float type, naming their line (for
        training; the trainer would refuse them naming only the column and the split).
    progress : ReadProgress, optional
        Told how far reading the data has come (see :func:`nnstudio.data.load_dataset`).

    Returns
    -------
    project : Project
        The project with the data's names and standardisation attached.
    network : Network
        Holding the stored weights, or freshly initialised ones.
    dataset : Dataset

    Raises
    ------
    DataError
        When the data cannot be loaded or does not fit the network.
    """
    from nnstudio.data import load_dataset

    project = loaded.project
    weights = None if reinit else loaded.weights
    if weights is None:
        project = replace(project, standardization=None, target_standardization=None)
    if isinstance(project.data, CsvData):
        dataset = _csv_dataset(project, loaded.base_dir, check_dtype=check_dtype, progress=progress)
    else:
        dataset = load_dataset(project.data, loaded.base_dir, progress)
    project = attach_dataset(project, dataset)
    if check_dtype and weights is not None:  # fresh weights come with a fitted standardisation
        _check_standardized_fits(project, dataset.X_train, "a training example")
        _check_standardized_fits(project, dataset.X_val, "a validation example")
    network = build_network(project, weights)
    return project, network, dataset


def _csv_dataset(
    project: Project, base_dir: Path, *, check_dtype: bool, progress: ReadProgress | None = None
) -> Dataset:
    """A project's CSV data set, refusing numbers its float type cannot hold by their line.

    The network would refuse them too, but naming only the column and the split (the file's
    line is no longer known once the rows are shuffled into arrays).
    """
    from nnstudio.data import float32_problem, read_csv_dataset

    spec = project.data
    assert isinstance(spec, CsvData)
    table, dataset = read_csv_dataset(spec, base_dir, progress)
    if check_dtype and project.training.dtype == "float32":
        columns = list(dataset.feature_names)
        if spec.task == "regression":
            columns += spec.target
        problem = float32_problem(table, columns)
        if problem is not None:
            raise DataError(problem)
    return dataset


def check_gradients(
    project: Project,
    dataset: Dataset,
    weights: Weights | None = None,
    *,
    samples: int = GRADCHECK_SAMPLES,
    epsilon: float = GRADCHECK_EPSILON,
    dropout: bool = False,
    progress: Callable[[GradCheckProgress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> GradCheckReport:
    """Backpropagation against central differences for a project's network on its data.

    The check runs on a float64 copy of the network (float32 cannot resolve relative errors
    far below 1e-6), on the first ``samples`` training examples, with the project's L1 and
    L2 penalties in the objective, and dropout off unless ``dropout`` asks for it.

    Parameters
    ----------
    project : Project
        The network, loss, penalties and input standardisation.
    dataset : Dataset
        The data (already checked to fit the network).
    weights : Weights or None
        The weights to check at; fresh initialisation from the project's seed when ``None``.
    samples : int
        Training examples in the checked batch (at most the training set's size).
    epsilon : float
        Finite-difference step, from :data:`GRADCHECK_MIN_EPSILON` to
        :data:`GRADCHECK_MAX_EPSILON`.
    dropout : bool
        Apply the layers' dropout with one set of masks, drawn once and used for every
        evaluation of the loss, so the loss is a fixed function of the weights and the
        differences stay valid. Only for a network with a dropout layer.
    progress : callable or None
        Told how far the check has come (see :func:`nnstudio.engine.gradcheck.gradient_check`).
    should_stop : callable or None
        Asked before every evaluation of the loss; true ends the check.

    Returns
    -------
    GradCheckReport

    Raises
    ------
    nnstudio.engine.gradcheck.GradCheckError
        When the check cannot run (see :func:`gradcheck_problem`), or the loss at the
        weights is not finite.
    nnstudio.engine.gradcheck.GradCheckCancelled
        When ``should_stop`` returned true or ``progress`` raised it; nothing was changed.
    """
    from nnstudio.engine.gradcheck import GradCheckError, gradient_check

    problem = gradcheck_problem(
        project, dataset, weights, samples=samples, epsilon=epsilon, dropout=dropout
    )
    if problem is not None:
        raise GradCheckError(problem)
    float64 = replace(project, training=replace(project.training, dtype="float64"))
    network = build_network(float64, weights)
    count = max(1, min(int(samples), dataset.n_train))
    Y_train, _Y_val = dataset.targets_for(
        project.network.output.units, canonical_activation(project.network.output.activation)
    )
    return gradient_check(
        network,
        dataset.X_train[:count],
        Y_train[:count],
        l1=project.training.l1,
        l2=project.training.l2,
        epsilon=float(epsilon),
        dropout=dropout,
        progress=progress,
        should_stop=should_stop,
    )


# --------------------------------------------------------------------------------------------
# Prediction
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Prediction:
    """What a trained network says about some inputs.

    Attributes
    ----------
    outputs : ndarray, shape (m, output_units)
        The output layer's activations.
    task : str
        ``"classification"`` or ``"regression"``.
    output_names : tuple of str
        Class names (classification) or target names (regression).
    probabilities : ndarray, shape (m, n_classes), or None
        Class probabilities for a sigmoid or softmax classifier (a single sigmoid unit gives
        ``[1 - p, p]``); ``None`` otherwise.
    label_indices : ndarray of int, shape (m,), or None
        Predicted class per row (classification only).
    labels : ndarray of str, shape (m,), or None
        Predicted class name per row (classification only).
    """

    outputs: np.ndarray
    task: str
    output_names: tuple[str, ...]
    probabilities: np.ndarray | None = None
    label_indices: np.ndarray | None = None
    labels: np.ndarray | None = None


def _check_standardized_fits(project: Project, X: np.ndarray, rows: str | None = None) -> None:
    """Refuse inputs the project's standardisation maps beyond its float type.

    A hand-edited ``standardization`` (a std of 1e-300, a mean of 1e300) makes ``(x - mean) /
    std`` overflow: the network would see infinities and answer with confident nonsense.

    Parameters
    ----------
    project : Project
    X : ndarray, shape (m, n_features)
        Raw inputs.
    rows : str or None
        What the rows are ("a training example"); ``None`` names the row by its number.

    Raises
    ------
    DataError
        Naming the row, the input and its standardisation.
    """
    standardization = project.standardization
    if standardization is None or not X.size:
        return
    mean = np.asarray(standardization.mean, dtype=np.float64)
    std = np.asarray(standardization.std, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        Z = (X - mean) / std
    limit = float(np.finfo(project.training.dtype).max)
    beyond = ~(np.abs(Z) <= limit)
    if not beyond.any():
        return
    row, column = (int(i) for i in np.argwhere(beyond)[0])
    name = repr(project.feature_names[column]) if project.feature_names else str(column + 1)
    where = rows or f"row {row + 1} of the inputs"
    raise DataError(
        f"{where}, input {name}: the project's standardization (mean "
        f"{mean[column]:.6g}, std {std[column]:.6g}) turns {X[row, column]:.6g} into "
        f"{Z[row, column]:.6g}, beyond {project.training.dtype}; check the standardization "
        "field of the project file"
    )


def output_names_of(project: Project) -> tuple[str, ...]:
    """Class or target names of a project, falling back to numbers when none are stored."""
    units = project.network.output.units
    if project.output_names is not None:
        return tuple(project.output_names)
    if project.task == "classification":
        count = 2 if units == 1 else units
        return tuple(str(i) for i in range(count))
    return tuple(f"y{i + 1}" for i in range(units)) if units > 1 else ("y",)


def predict(project: Project, weights: Weights, X: np.ndarray) -> Prediction:
    """Run a trained network on raw inputs.

    Parameters
    ----------
    project : Project
        Architecture, standardisation and output names.
    weights : Weights
        Trained parameters.
    X : ndarray, shape (m, n_features)
        Raw (unstandardised) inputs.

    Returns
    -------
    Prediction

    Raises
    ------
    DataError
        When ``X`` has the wrong number of columns.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != project.network.inputs:
        columns = X.shape[1] if X.ndim == 2 else "?"
        raise DataError(
            f"the inputs have {columns} columns but the network has "
            f"{plural(project.network.inputs, 'input')}"
        )
    from nnstudio.engine.network import check_fits_dtype

    check_fits_dtype(X, project.training.dtype, names=project.feature_names)
    _check_standardized_fits(project, X)
    network = build_network(project, weights)
    outputs = np.asarray(network.predict(X), dtype=np.float64)
    names = output_names_of(project)
    if project.task != "classification":
        return Prediction(outputs=outputs, task=project.task, output_names=names)
    activation = canonical_activation(project.network.output.activation)
    if outputs.shape[1] == 1:
        positive = outputs[:, 0]
        probabilities = np.column_stack([1.0 - positive, positive])
        indices = (positive >= 0.5).astype(np.int64)
    else:
        probabilities = outputs
        indices = np.argmax(outputs, axis=1)
    if activation not in _PROBABILITY_ACTIVATIONS and outputs.shape[1] > 1:
        probabilities = None
    return Prediction(
        outputs=outputs,
        task=project.task,
        output_names=names,
        probabilities=probabilities,
        label_indices=indices,
        labels=np.asarray(names)[indices],
    )
