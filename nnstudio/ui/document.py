"""The studio's open document: the current project, its weights and data, and the undo stack.

Views never change a :class:`~nnstudio.spec.Project` themselves: they call the edit methods
here, each of which pushes one :class:`QUndoCommand` that swaps whole immutable values, so
undo and redo restore the exact previous network (and the weights it had, training done
since included). The weights the history keeps stay within a byte budget
(``_UNDO_WEIGHTS_BYTES``, see ``StudioDocument._trim_undo_history``).
"""

from __future__ import annotations

import re
import weakref
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from nnstudio.data import Dataset, ReadProgress, load_dataset
from nnstudio.engine.initializers import initialize_layer, random_stream
from nnstudio.errors import NNStudioError, SpecError
from nnstudio.io.project import (
    PROJECT_SUFFIX,
    LoadedProject,
    load_project,
    save_project,
    weights_path_for,
)
from nnstudio.io.weights import weights_beyond
from nnstudio.spec import (
    BuiltinData,
    CsvData,
    DataSpec,
    LayerSpec,
    NetworkSpec,
    Project,
    TrainingSpec,
    Weights,
    canonical_activation,
    feature_labels,
    loss_output_problem,
    loss_task_problem,
    network_size_problem,
    training_problems,
    with_minus_sign,
)
from nnstudio.text import plural
from nnstudio.ui.qt import QtCore, QtGui, Signal, wait_cursor
from nnstudio.ui.selection import LayerMap
from nnstudio.workflow import attach_dataset, fit_network_to_data

_DATASET_CACHE_SIZE = 8
#: The data sets kept for undo hold at most this many bytes together (besides the newest):
#: eight MNIST-sized imports would otherwise keep 3 GB.
_DATASET_CACHE_BYTES = 1 << 30
#: The weights the undo history keeps (besides the document's own) hold at most this many
#: bytes together: at ten million parameters every hand edit or Reset keeps a full copy.
_UNDO_WEIGHTS_BYTES = 512 << 20


@dataclass(frozen=True, eq=False)
class ReadProject:
    """A project file read with its data, ready for :meth:`StudioDocument.open`.

    Attributes
    ----------
    loaded : LoadedProject
    dataset : Dataset or None
        The project's data, or ``None`` when it could not be loaded.
    dataset_error : str or None
        Why the data could not be loaded (the project still opens, saying so).
    """

    loaded: LoadedProject
    dataset: Dataset | None
    dataset_error: str | None


def read_project(path: str | Path, progress: ReadProgress | None = None) -> ReadProject:
    """Read a project file and load its data, touching no Qt object (for a worker thread).

    A weights file that is missing, unreadable or does not fit the network does not stop
    the project from opening: ``loaded.weights`` is then ``None`` and
    ``loaded.weights_problem`` says why (the network starts from fresh weights).

    Raises
    ------
    NNStudioError
        When the project file cannot be read or is invalid.
    ReadCancelled
        When ``progress`` was cancelled.
    """
    loaded = load_project(Path(path), unusable_weights="skip")
    try:
        dataset = load_dataset(loaded.project.data, loaded.base_dir, progress)
    except NNStudioError as error:
        return ReadProject(loaded, None, str(error))
    return ReadProject(loaded, dataset, None)


def default_project() -> Project:
    """The project File › New starts from: two circles and a small tanh network."""
    from nnstudio.spec import ScheduleSpec

    return Project(
        name="Untitled",
        data=BuiltinData(builtin="circles", samples=400, noise=0.1, seed=1),
        network=NetworkSpec(
            inputs=2,
            layers=(
                LayerSpec(units=4, activation="tanh", init="xavier_normal"),
                LayerSpec(units=4, activation="tanh", init="xavier_normal"),
                LayerSpec(units=1, activation="sigmoid", init="xavier_normal"),
            ),
        ),
        loss="binary_crossentropy",
        training=TrainingSpec(
            optimizer="adam",
            learning_rate=0.03,
            batch_size=32,
            epochs=300,
            schedule=ScheduleSpec(),
        ),
    )


def project_file_path(path: str | Path) -> Path:
    """The project file :meth:`StudioDocument.save` writes for the name ``path``.

    ".nnproj" is appended to a name without it rather than put in place of its last suffix:
    ``model.v2`` is saved as ``model.v2.nnproj`` and ``iris.csv`` as ``iris.csv.nnproj``, never
    as another existing file the user did not name (``model.nnproj``, ``iris.nnproj``).

    Parameters
    ----------
    path : path-like
        The name given, as typed in a file dialog.

    Returns
    -------
    Path
        ``path`` when it ends in ".nnproj" (in any case), else ``path`` with ".nnproj" added.
    """
    path = Path(path)
    if path.suffix.lower() == PROJECT_SUFFIX:
        return path
    # "work." would otherwise become "work..nnproj".
    name = path.name.rstrip(".") or path.name
    return path.with_name(name + PROJECT_SUFFIX)


def _in_precision(weights: Weights | None, dtype: str) -> Weights | None:
    """``weights`` converted to ``dtype`` ("float32", "float64"); the same object when every
    array is of that type already (``None`` stays ``None``)."""
    if weights is None:
        return None
    target = np.dtype(dtype)
    if all(W.dtype == target and b.dtype == target for W, b in weights):
        return weights
    return tuple((W.astype(target), b.astype(target)) for W, b in weights)


#: The names the Training settings dock shows its fields by (a row's label, or the field's
#: accessible name where the label alone says too little), keyed by their path below
#: ``training``: a refusal names a setting as the user sees it, not by its file key.
TRAINING_FIELD_NAMES = {
    "optimizer": "Optimizer",
    "learning_rate": "Learning rate",
    "momentum": "Momentum β",
    "rho": "Decay ρ",
    "beta1": "β₁",
    "beta2": "β₂",
    "epsilon": "ε",
    "weight_decay": "Weight decay",
    "schedule": "LR schedule",
    "schedule.name": "LR schedule",
    "schedule.step_size": "LR schedule step",
    "schedule.gamma": "Decay γ",
    "schedule.period": "Cosine period",
    "schedule.min_lr": "Minimum LR",
    "batch_size": "Batch size",
    "epochs": "Epochs",
    "shuffle": "Reshuffle every epoch",
    "l1": "L1 λ₁",
    "l2": "L2 λ₂",
    "early_stopping": "Early stopping patience",
    "min_delta": "Early stopping minimum improvement",
    "clip_norm": "Gradient clipping",
    "seed": "Seed",
    "dtype": "Precision",
}
#: A layer's settings as the Properties dock's layer page names them (in a sentence).
LAYER_FIELD_NAMES = {
    "units": "units",
    "activation": "activation",
    "init": "initialiser",
    "init_param": "initialiser scale",
    "bias_init": "bias init",
    "dropout": "dropout",
    "alpha": "α",
}
#: File keys a message may mention beside its own field ("must be <= learning_rate (0.03)"):
#: only keys with an underscore, which no prose or choice list ("sgd, momentum, ...") holds.
_KEY_IN_MESSAGE = re.compile(
    r"\b(" + "|".join(key for key in TRAINING_FIELD_NAMES if "_" in key and "." not in key) + r")\b"
)
_LAYER_PATH = re.compile(r"network\.layers\[(\d+)\](?:\.(\w+))?")


def layer_title(project: Project, drawn_index: int) -> str:
    """``"Input layer"``, ``"Hidden layer 2"`` or ``"Output layer"`` for a drawn index."""
    if drawn_index == 0:
        return "Input layer"
    if drawn_index == len(project.network.layers):
        return "Output layer"
    return f"Hidden layer {drawn_index}"


def short_layer_title(project: Project, drawn_index: int) -> str:
    """``"Input"``, ``"Hidden 2"`` or ``"Output"``, as the canvas heads its lanes."""
    return layer_title(project, drawn_index).replace(" layer", "")


def field_title(path: str, project: Project | None = None) -> str:
    """What the studio calls the setting at a project file's ``path``.

    ``"network.layers[0].bias_init"`` is ``"Hidden 1's bias init"`` (the output layer is
    ``"Output"``; without a ``project`` to tell, ``"Layer 1"``), ``"training.schedule.gamma"``
    is ``"Decay γ"`` (the Training settings dock's label); a path the studio has no name for
    is returned as it is.
    """
    layer = _LAYER_PATH.fullmatch(path)
    if layer is not None:
        # network.layers[i] is drawn at i + 1 (the inputs are drawn first).
        drawn = int(layer.group(1)) + 1
        title = f"Layer {drawn}" if project is None else short_layer_title(project, drawn)
        key = layer.group(2)
        if key is None:
            return title
        return f"{title}'s {LAYER_FIELD_NAMES.get(key, key.replace('_', ' '))}"
    if path == "network.inputs":
        return "Inputs"
    if path == "loss":
        return "Loss"
    key = path.removeprefix("training.")
    if key != path or key in TRAINING_FIELD_NAMES:
        return TRAINING_FIELD_NAMES.get(key, key.replace("_", " ").capitalize())
    return path


def readable_problem(problem: str, project: Project | None = None) -> str:
    """A problem of the project file's checks (``"path: message"``) in the studio's words.

    The path becomes the setting's name (:func:`field_title`), and a training setting the
    message refers to ("must be <= learning_rate (0.03)") its label; the rest of the message
    is kept as it is.
    """
    path, separator, message = problem.partition(": ")
    if not separator or " " in path:
        # No path to name (e.g. "a network needs at least its output layer").
        return problem
    message = _KEY_IN_MESSAGE.sub(lambda m: TRAINING_FIELD_NAMES[m.group(1)], message)
    return f"{field_title(path, project)}: {message}"


def _precision_problem(weights: Weights, dtype: str, project: Project) -> str | None:
    """Why ``weights`` cannot be held in ``dtype`` (a value beyond its range), or ``None``."""
    beyond = weights_beyond(weights, dtype)
    if beyond is None:
        return None
    # ``beyond.layer`` counts from 1: the drawn index of that layer.
    return (
        f"{short_layer_title(project, beyond.layer)}'s {beyond.name} holds {beyond.peak:.3g}, "
        f"beyond what {beyond.dtype.name} can hold (about ±{beyond.limit:.2g})"
    )


def _problems_within(project: Project, fields: tuple[str, ...]) -> list[str]:
    """What a project file's checks refuse in ``project`` at or below the ``fields`` paths
    ("loss", "network.layers"), each problem starting with its field's path.

    The other fields are left out: an edit answers only for what it changes.
    """
    try:
        project.validate()
    except SpecError as error:
        problems = error.problems
    else:
        return []
    prefixes = tuple(f"{field}{mark}" for field in fields for mark in (".", "["))
    return [
        problem
        for problem in problems
        if (path := problem.partition(": ")[0]) in fields or path.startswith(prefixes)
    ]


def _edit_problems(old: Project, new: Project) -> list[str]:
    """Why an edit from ``old`` to ``new`` is refused: what the changed training settings,
    layers or loss break of the checks a project file must pass (empty when nothing).

    The GUI's fields refuse such values first; this keeps code (scripts, other callers) from
    leaving the document in a state that no file could hold and training would refuse.
    """
    problems = training_problems(new.training) if new.training != old.training else []
    fields: tuple[str, ...] = ()
    if new.network != old.network:
        # Not "network" itself: its size problem is set_network's to judge (shrinking a
        # network too big to train stays possible).
        fields += ("network.inputs", "network.layers")
    if new.loss != old.loss or new.task != old.task:
        # New data can take the class labels a cross-entropy needs away as well.
        fields += ("loss",)
    if fields:
        problems += _problems_within(new, fields)
    return problems


def _check_opened(project: Project) -> None:
    """Raise :class:`SpecError` naming what a project file could not hold of ``project``'s
    training settings (:func:`training_problems`) and loss for its data's task
    (:func:`~nnstudio.spec.loss_task_problem`), for a project built in code."""
    problems = training_problems(project.training)
    problem = loss_task_problem(project.loss, project.task)
    if problem is not None:
        problems.append(f"loss: {problem}")
    if problems:
        raise SpecError(problems)


def _another_data_set(old: DataSpec, new: DataSpec) -> bool:
    """Whether ``new`` is other data than ``old``: another generator, file or target, not
    the same generator's data with other noise, samples, seed or features."""
    if isinstance(old, BuiltinData) and isinstance(new, BuiltinData):
        return old.builtin != new.builtin
    if isinstance(old, CsvData) and isinstance(new, CsvData):
        return old.csv != new.csv or old.target != new.target
    return True


def _kept_weights_notice(old: DataSpec, new: DataSpec, position: tuple[int, int]) -> str:
    """What a switch from ``old`` to ``new`` data that kept trained weights says, in one
    line of the canvas's notice: "Weights from XOR (600 epochs) kept: Reset weights to train
    afresh" (``position``: how far the weights were trained)."""
    from nnstudio.ui.docks.properties_dock import data_name  # the docks import this module

    epochs, steps = position
    trained = ""
    if epochs > 0:
        trained = f" ({plural(epochs, 'epoch')})"
    elif steps > 0:
        trained = f" ({plural(steps, 'step')})"
    name = data_name(old)
    if isinstance(old, CsvData) and isinstance(new, CsvData) and name == data_name(new):
        # Another target column of the same file.
        name = f"{name} › {', '.join(old.target)}"
    # "From", not "trained on": the weights may have been opened with that data, or
    # trained on data before it.
    return f"Weights from {name}{trained} kept: Reset weights to train afresh"


def _same_shapes(a: NetworkSpec, b: NetworkSpec) -> bool:
    return a.sizes == b.sizes


def _equal_weights(a: Weights, b: Weights) -> bool:
    """Whether ``a`` and ``b`` hold the same values in arrays of the same shapes and types."""
    return len(a) == len(b) and all(
        W.dtype == W2.dtype
        and x.dtype == x2.dtype
        and np.array_equal(W, W2)
        and np.array_equal(x, x2)
        for (W, x), (W2, x2) in zip(a, b, strict=True)
    )


def _inserted(count: int, position: int) -> LayerMap:
    """The renumbering of ``count`` layers by one inserted at ``position``."""
    return tuple(index if index < position else index + 1 for index in range(count))


def _removed(count: int, position: int) -> LayerMap:
    """The renumbering of ``count`` layers by removing the one at ``position``."""
    return tuple(
        index if index < position else None if index == position else index - 1
        for index in range(count)
    )


def _moved(count: int, source: int, target: int) -> LayerMap:
    """The renumbering of ``count`` layers by moving the one at ``source`` to ``target``."""
    order = list(range(count))
    order.insert(target, order.pop(source))
    places = dict(zip(order, range(count), strict=True))
    return tuple(places[index] for index in range(count))


def _inverse(layers: LayerMap, count: int) -> LayerMap:
    """The renumbering that undoes ``layers``, whose edit left ``count`` layers."""
    back: list[int | None] = [None] * count
    for old, new in enumerate(layers):
        if new is not None:
            back[new] = old
    return tuple(back)


def _keeps_places(layers: LayerMap, count: int) -> bool:
    """Whether ``layers`` leaves each of the ``count`` layers where it was."""
    return len(layers) == count and all(new == old for old, new in enumerate(layers))


@dataclass(frozen=True, eq=False)
class _Side:
    """One side of an undo step: the project it installs and, when it swaps them, the weights.

    Attributes
    ----------
    project : Project
    weights : Weights or None
        The weights installed with ``project`` (``None``: the network starts from fresh
        weights). Unused, and ``None``, when the step keeps the weights as they are or
        when the step is not the next to install this side.
    fresh : bool
        Whether ``weights`` are an initialisation (not trained, loaded or edited).
    position : tuple of (int, int)
        How far training had come with ``weights``: the run's epoch and step (see
        :attr:`StudioDocument.training_position`).
    """

    project: Project
    weights: Weights | None = None
    fresh: bool = False
    position: tuple[int, int] = (0, 0)


class _ProjectCommand(QtGui.QUndoCommand):
    """Replace the whole project (and, for shape changes and weight edits, the weights).

    Edits that leave the weights alone (a learning rate, an activation, the name) keep
    whatever weights the network has when they are undone or redone, so undoing a setting
    changed during training does not rewind the training; they hold no weights themselves.

    Edits that replace the weights remember, each time they are redone (pushed included) or
    undone, the weights the document has at that moment (and whether they are fresh), so
    undoing or redoing them again returns exactly there: training done after the edit, or
    while it was undone, is never lost. Only the side to install next holds weights (the
    other side's are the document's, or were replaced by training since): one copy a step.

    Parameters
    ----------
    document : StudioDocument
    text : str
        What the Edit menu shows.
    old, new : _Side
        What undo and redo install.
    swaps_weights : bool
        Whether the step replaces the weights too.
    layers : LayerMap or None
        How redoing the step renumbers the layers (undoing it renumbers them back);
        ``None``: every layer stays where it is.
    """

    def __init__(
        self,
        document: StudioDocument,
        text: str,
        old: _Side,
        new: _Side,
        swaps_weights: bool,
        layers: LayerMap | None = None,
    ):
        super().__init__(text)
        # Weakly: the document owns its undo stack and the stack its commands, so a strong
        # reference back would make a cycle through Qt objects, which the garbage collector
        # may take apart in an order that frees a command under its own Python wrapper.
        self._document_ref = weakref.ref(document)
        self._old = old
        self._new = new
        self.swaps_weights = swaps_weights
        self._layers = layers
        self._layers_back = (
            None if layers is None else _inverse(layers, len(new.project.network.layers))
        )

    @property
    def _document(self) -> StudioDocument:
        document = self._document_ref()
        assert document is not None, "an undo step outlived its document"
        return document

    def project_after(self, *, redo: bool) -> Project:
        """The project this command installs when redone (or undone)."""
        return (self._new if redo else self._old).project

    def kept_weights(self) -> tuple[Weights, ...]:
        """The weights this step holds on to for undo and redo."""
        sides = (self._old, self._new)
        return tuple(side.weights for side in sides if side.weights is not None)

    def rebase_csv(self, old_dir: Path, new_dir: Path) -> None:
        """Keep both sides' CSV data pointing at the same files from ``new_dir`` (Save As)."""
        self._old, self._new = (
            replace(side, project=_rebase_csv(side.project, old_dir, new_dir))
            if isinstance(side.project.data, CsvData)
            else side
            for side in (self._old, self._new)
        )

    def copy(self) -> _ProjectCommand:
        """A new command doing the same (the undo stack owns, and deletes, this one)."""
        return _ProjectCommand(
            self._document, self.text(), self._old, self._new, self.swaps_weights, self._layers
        )

    def redo(self) -> None:
        if self._document._replaying:
            return
        if self.swaps_weights:
            self._old = self._document._current_side(self._old)
        self._document._install_side(self._new, self.swaps_weights, self._layers)
        # The next undo takes the weights as they are then: these need not stay.
        self._new = _Side(self._new.project)

    def undo(self) -> None:
        if self._document._replaying:
            return
        if self.swaps_weights:
            self._new = self._document._current_side(self._new)
        self._document._install_side(self._old, self.swaps_weights, self._layers_back)
        # The next redo takes the weights as they are then: these need not stay.
        self._old = _Side(self._old.project)


class StudioDocument(QtCore.QObject):
    """The project being edited.

    Signals
    -------
    projectChanged(Project)
        After any change of the project.
    networkChanged(NetworkSpec)
        The architecture or a layer's settings changed.
    trainingChanged(TrainingSpec)
        Optimiser or regularisation settings changed (training may continue).
    datasetChanged(Dataset or None)
        The data was (re)loaded; ``None`` when it failed (see :attr:`dataset_error`).
    weightsChanged(Weights or None)
        The weights were replaced (training snapshot, hand edit, reset, undo).
    pathChanged(Path or None)
        The file the document is saved to.
    dirtyChanged(bool)
        Whether there are unsaved changes.
    notice(str)
        Something changed on the user's behalf (e.g. the output layer was resized).
    layersRenumbered(LayerMap)
        An edit (or its undo or redo) inserted, removed or reordered layers: for each index
        into the previous ``network.layers``, the same layer's index now (``None``: removed).
        It comes before the change's other signals, once the new project, weights and data
        are in place, so whatever keeps a layer by its number (the selection) can follow
        it before anything is shown for the new network.
    """

    projectChanged = Signal(object)
    networkChanged = Signal(object)
    trainingChanged = Signal(object)
    datasetChanged = Signal(object)
    weightsChanged = Signal(object)
    pathChanged = Signal(object)
    dirtyChanged = Signal(bool)
    notice = Signal(str)
    layersRenumbered = Signal(object)

    def __init__(self, parent: QtCore.QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QtGui.QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._emit_dirty)
        self._project: Project = default_project()
        self._weights: Weights | None = None
        self._dataset: Dataset | None = None
        self._dataset_error: str | None = None
        self._path: Path | None = None
        self._weights_problem: str | None = None
        self._described_data: DataSpec = self._project.data
        self._weights_dirty = False
        #: The open project's network or loss was fitted to its data (see ``_reset``).
        self._adjusted_on_open = False
        # The weights are derived from the seed alone (not trained, loaded or edited):
        # discarding them loses nothing, so shape edits do not ask about them.
        self._weights_fresh = False
        self._next_weights_fresh = False
        #: The epoch and step training had reached with the weights (see training_position).
        self._position: tuple[int, int] = (0, 0)
        # Undo steps are being pushed again without being done (see _trim_undo_history).
        self._replaying = False
        self._trim_pending = False
        self._datasets: OrderedDict[tuple[DataSpec, str], Dataset] = OrderedDict()
        # Why data read ahead of an undo step could not be loaded, used once by that step
        # instead of reading the file a second time.
        self._read_failures: dict[tuple[DataSpec, str], str] = {}
        #: Called with a question before an edit discards trained weights; returning False
        #: cancels the edit. The main window sets it to a dialog; ``None`` always proceeds.
        self.confirm_discard_weights = None
        self._reload_dataset()

    # ---- state -----------------------------------------------------------------------------

    @property
    def project(self) -> Project:
        """The current project."""
        return self._project

    @property
    def weights(self) -> Weights | None:
        """Current weights, or ``None`` when the network has not been initialised."""
        return self._weights

    @property
    def dataset(self) -> Dataset | None:
        """The loaded data, or ``None`` when loading failed."""
        return self._dataset

    @property
    def dataset_error(self) -> str | None:
        """Why the data could not be loaded, if it could not."""
        return self._dataset_error

    @property
    def path(self) -> Path | None:
        """The project file, or ``None`` for a new project."""
        return self._path

    @property
    def weights_problem(self) -> str | None:
        """Why the opened file's stored weights could not be used (it opened with fresh
        weights), until the document is edited, saved or replaced; else ``None``."""
        return self._weights_problem

    @property
    def described_data(self) -> DataSpec:
        """The data the project came with, which its description was written for."""
        return self._described_data

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths (CSV data, weights) are resolved against."""
        return self._path.parent if self._path is not None else Path.cwd()

    @property
    def training_position(self) -> tuple[int, int]:
        """The epoch and step of the run that produced the weights, ``(0, 0)`` for weights no
        run has trained (fresh, loaded or imported ones, and opened ones whose file records
        no position).

        It travels with the weights: a hand edit keeps it, undo and redo bring back the
        position of the weights they bring back, and saving stores it with the weights (an
        opened project's weights have the position they were saved with), so the window can
        say how far training had come with them while a new run has not yet taken a step.
        """
        return self._position

    @property
    def has_trained_weights(self) -> bool:
        """Whether the weights hold work: trained, loaded from a file or edited by hand."""
        return self._weights is not None and not self._weights_fresh

    def input_names(self) -> list[str]:
        """One label per network input: the project's names, the data's, or x1, x2, ...

        Features of a built-in plane's points read as the Data dock writes them (x1²).
        """
        count = self._project.network.inputs
        for names in (self._project.feature_names, getattr(self._dataset, "feature_names", None)):
            if names is not None and len(names) == count:
                return feature_labels(self._project.data, names)
        return [f"x{i + 1}" for i in range(count)]

    def output_labels(self) -> list[str]:
        """One label per output unit: class or target names when they fit, else y or y1, y2, ..."""
        units = self._project.network.output.units
        candidates = (
            self._project.output_names,
            getattr(self._dataset, "class_names", None),
            getattr(self._dataset, "target_names", None),
        )
        for names in candidates:
            if not names:
                continue
            if len(names) == units:
                return list(names)
            if units == 1 and len(names) == 2:
                # One sigmoid unit on two classes is the probability of the second class.
                positive = names[1]
                return [f"P(class {positive})" if positive.isdigit() else f"P({positive})"]
        return [f"y{i + 1}" for i in range(units)] if units > 1 else ["y"]

    @property
    def is_dirty(self) -> bool:
        """Whether there are unsaved changes."""
        return not self.undo_stack.isClean() or self._weights_dirty or self._adjusted_on_open

    # ---- whole-document operations -----------------------------------------------------------

    def new(self) -> None:
        """Start a fresh untitled project."""
        self._reset(default_project(), None, None)

    def open(self, path: str | Path | ReadProject) -> None:
        """Open a project file (or one already read by :func:`read_project`).

        Raises
        ------
        NNStudioError
            When the file cannot be read or is invalid; the current document is unchanged.
        """
        read = path if isinstance(path, ReadProject) else read_project(path)
        loaded = read.loaded
        _check_opened(loaded.project)  # a ReadProject built in code
        if read.dataset is not None:
            self._remember(loaded.project.data, read.dataset, loaded.path.resolve().parent)
        self._reset(
            loaded.project,
            loaded.weights,
            loaded.path,
            read.dataset_error,
            position=loaded.training_position,
        )
        if loaded.weights_problem is not None:
            # The file on disk is left alone: only saving the project replaces it.
            # What happened, then why (a path, layer shapes): both fit the banner's two lines.
            self._weights_problem = (
                f"Opened with fresh weights: {loaded.weights_problem.rstrip('.')}. The stored "
                "files stay as they are until you save."
            )
            self.notice.emit(self._weights_problem)

    def open_project(self, project: Project, weights: Weights | None = None) -> None:
        """Show a project built in memory (e.g. imported from ONNX) as a new unsaved document.

        Raises
        ------
        SpecError
            When :func:`~nnstudio.spec.training_problems` refuses the project's training
            settings, or its loss needs class labels its data does not have
            (:func:`~nnstudio.spec.loss_task_problem`); the current document is unchanged.
        """
        _check_opened(project)
        self._reset(project, weights, None)
        self._weights_dirty = True
        self._emit_dirty()

    def files_saved(self, path: str | Path) -> list[Path]:
        """The files :meth:`save` writes for ``path``: the project file, then its weights file
        when there are weights to store (both replaced if they exist).
        """
        target = project_file_path(path)
        if self._weights is None:
            return [target]
        return [target, weights_path_for(target)]

    def save(self, path: str | Path | None = None) -> Path:
        """Save to ``path`` (or the current path) atomically, with the weights beside it.

        A name without ".nnproj" gets it appended (see :func:`project_file_path`); the files
        written are those :meth:`files_saved` lists.
        """
        target = Path(path) if path is not None else self._path
        if target is None:
            raise NNStudioError("this project has no file yet: choose where to save it")
        target = project_file_path(target)
        project = self._project
        if isinstance(project.data, CsvData):
            project = _rebase_csv(project, self.base_dir, target.parent)
        old_dir = self.base_dir
        # Weights opened from a file of another precision are stored in the project's.
        saved = save_project(
            target,
            project,
            _in_precision(self._weights, project.training.dtype),
            # Stored with the weights, so training the opened project counts on from there.
            position=self._position,
        )
        if target.parent.resolve() != old_dir.resolve():
            # Relative CSV paths in the history mean other files from the new folder: undoing
            # a step after Save As must still find its data.
            for index in range(self.undo_stack.count()):
                command = self.undo_stack.command(index)
                if isinstance(command, _ProjectCommand):
                    command.rebase_csv(old_dir, target.parent)
        self._weights_problem = None  # the file now holds the document's weights
        self._project = saved
        self._path = target.resolve()
        self._weights_dirty = False
        self._adjusted_on_open = False
        self.undo_stack.setClean()
        self.pathChanged.emit(self._path)
        self._emit_dirty()
        return self._path

    def _reset(
        self,
        project: Project,
        weights: Weights | None,
        path: Path | None,
        dataset_error: str | None = None,
        *,
        position: tuple[int, int] = (0, 0),
    ) -> None:
        """Show ``project`` as a new document (``dataset_error``: its data is known not to load;
        ``position``: how far ``weights`` were trained, see :attr:`training_position`)."""
        self._weights_problem = None
        self.undo_stack.clear()
        self._path = path.resolve() if path is not None else None
        self._project = project
        self._described_data = project.data
        self._weights = weights
        self._weights_dirty = False
        self._weights_fresh = False
        self._next_weights_fresh = False
        self._position = (int(position[0]), int(position[1])) if weights is not None else (0, 0)
        if dataset_error is None:
            self._reload_dataset()
        else:  # not read again: a large file failing at its end takes as long as the first time
            self._dataset, self._dataset_error = None, dataset_error
        self._adjusted_on_open = False
        if self._dataset is not None:
            # A file's choices stay as written where they train (the CLI trains them so).
            fitted, notices = fit_network_to_data(self._project, self._dataset, as_written=True)
            if fitted.network != self._project.network and self._weights is not None:
                self._weights = None
                self._position = (0, 0)
            # What the window shows is no longer what the file holds: saving is worth it.
            self._adjusted_on_open = (
                fitted.network != self._project.network or fitted.loss != self._project.loss
            )
            self._project = fitted
            for message in notices:
                self.notice.emit(message)
            self._project = self._attach(self._project)
        self.pathChanged.emit(self._path)
        self.projectChanged.emit(self._project)
        self.networkChanged.emit(self._project.network)
        self.trainingChanged.emit(self._project.training)
        self.datasetChanged.emit(self._dataset)
        self.weightsChanged.emit(self._weights)
        self.undo_stack.setClean()
        self._emit_dirty()

    # ---- undoable edits ----------------------------------------------------------------------

    def apply(
        self,
        project: Project,
        text: str,
        weights: Weights | str | None = "keep",
        *,
        position: tuple[int, int] = (0, 0),
        layers: LayerMap | None = None,
    ) -> bool:
        """Push an undoable change to ``project``.

        Parameters
        ----------
        project : Project
            The new project.
        text : str
            What the Edit menu shows ("Add layer", "Change activation", ...).
        weights : Weights, None or "keep"
            New weights; ``"keep"`` keeps the current ones when the shapes still fit and
            discards them otherwise (after asking, when they were trained).
        position : tuple of (int, int)
            The :attr:`training_position` of new ``weights`` (a hand edit keeps the one of
            the weights it edits); weights kept keep theirs, fresh ones have none.
        layers : LayerMap or None
            How the edit renumbers the layers (see :attr:`layersRenumbered`). ``None``: each
            layer stays where it is when their number stays the same; otherwise no layer is
            known to be the one it was (a selection on one cannot follow it).

        Returns
        -------
        bool
            False when the user declined to discard trained weights, or when the edit was
            refused with a :attr:`notice`: changed training settings, layers or loss that
            a project file could not hold (:func:`~nnstudio.spec.training_problems`,
            :meth:`~nnstudio.spec.Project.validate`). A refused edit changes nothing.
        """
        if project == self._project and weights == "keep":
            return True
        problems = _edit_problems(self._project, project)
        if problems:
            self._refuse(text, problems, project)
            return False
        swaps_weights = True
        if weights == "keep":
            if _same_shapes(project.network, self._project.network):
                new_weights = self._weights
                swaps_weights = False
            else:
                if self.has_trained_weights and not self._confirm(
                    f"{text} changes the network's shape, so its trained weights will be "
                    "reset. Continue?"
                ):
                    return False
                new_weights = None
        else:
            new_weights = weights  # type: ignore[assignment]
        # Redo (done by push) takes the weights from before as they are; a step that keeps
        # the weights holds none.
        if swaps_weights:
            fresh_start = new_weights is None  # the network starts from fresh weights
            new = _Side(project, new_weights, position=(0, 0) if fresh_start else position)
        else:
            new = _Side(project)
        count = len(self._project.network.layers)
        if layers is None and len(project.network.layers) != count:
            layers = (None,) * count
        if layers is not None and _keeps_places(layers, len(project.network.layers)):
            layers = None
        command = _ProjectCommand(self, text, _Side(self._project), new, swaps_weights, layers)
        self.undo_stack.push(command)
        self._trim_undo_history()
        return True

    def set_network(
        self, network: NetworkSpec, text: str, *, layers: LayerMap | None = None
    ) -> bool:
        """Replace the architecture, fixing the loss if it no longer fits the output layer.

        A network too big to train is refused with a notice (False is returned), and so is
        a layer no project file could hold (no units, dropout of 1 or more, an unknown
        activation, softmax before the output; see :meth:`apply`). ``layers`` says where
        each layer went (see :meth:`apply`).
        """
        if not network.layers:
            self.notice.emit(f"{text} refused: a network needs at least its output layer.")
            return False
        problem = network_size_problem(network)
        # Shrinking edits stay possible whatever the size.
        if problem is not None and network.parameter_count > self._project.network.parameter_count:
            self.notice.emit(f"{text} refused: {problem}.")
            return False
        output, dataset = network.output, self._dataset
        if (
            dataset is not None
            and dataset.is_classification
            and dataset.n_outputs == 2
            and output.units == 1
            and canonical_activation(output.activation) != "sigmoid"
        ):
            # One unit stands for two classes only as a sigmoid probability: any other
            # activation needs a unit per class (the data would refuse one unit).
            network = network.with_layer(len(network.layers) - 1, replace(output, units=2))
        project = replace(self._project, network=network)
        if loss_output_problem(project.loss, network.output):
            from nnstudio.spec import default_loss

            loss = default_loss(project.task, network.output.activation, network.output.units)
            project = replace(project, loss=loss)
        return self.apply(project, text, layers=layers)

    def add_layer(self, position: int | None = None, layer: LayerSpec | None = None) -> bool:
        """Insert a hidden layer at ``network.layers[position]`` (default: before the output).

        A new layer copies the settings of its left neighbour (or the first hidden layer) so
        a stack of tanh layers stays tanh.
        """
        layers = list(self._project.network.layers)
        if position is None:
            position = len(layers) - 1
        position = max(0, min(position, len(layers) - 1))
        if layer is None:
            template = layers[position - 1] if position > 0 else layers[0]
            if template is layers[-1]:
                template = LayerSpec(units=4, activation="tanh", init="xavier_normal")
            layer = replace(template, dropout=template.dropout if template is not layers[-1] else 0)
        count = len(layers)
        layers.insert(position, layer)
        network = replace(self._project.network, layers=tuple(layers))
        return self.set_network(network, "Add layer", layers=_inserted(count, position))

    def remove_layer(self, index: int) -> bool:
        """Remove hidden layer ``network.layers[index]``; the output layer stays."""
        layers = list(self._project.network.layers)
        if not 0 <= index < len(layers) - 1:
            return False
        count = len(layers)
        del layers[index]
        return self.set_network(
            replace(self._project.network, layers=tuple(layers)),
            "Remove layer",
            layers=_removed(count, index),
        )

    def move_layer(self, source: int, target: int) -> bool:
        """Move hidden layer ``source`` to position ``target`` among the hidden layers."""
        layers = list(self._project.network.layers)
        hidden = len(layers) - 1
        if not (0 <= source < hidden and 0 <= target < hidden) or source == target:
            return False
        layer = layers.pop(source)
        layers.insert(target, layer)
        return self.set_network(
            replace(self._project.network, layers=tuple(layers)),
            "Move layer",
            layers=_moved(len(layers), source, target),
        )

    def set_layer(self, index: int, layer: LayerSpec, text: str = "Change layer") -> bool:
        """Replace ``network.layers[index]``."""
        return self.set_network(self._project.network.with_layer(index, layer), text)

    def change_units(self, index: int, delta: int, neuron: int | None = None) -> bool:
        """Add (``delta > 0``) or remove neurons in hidden layer ``index``.

        Neurons are added at the end of the layer. Removing takes ``-delta`` neurons from
        ``neuron`` on (by default the last ones); one neuron always stays.

        Either way the other neurons keep their trained weights, which stay as far trained
        as they were, and one undo step brings the old ones back exactly. Removed neurons'
        columns of the layer's weights, their biases and their rows of the next layer's
        weights go. Added neurons take incoming weights and biases from the layer's
        initialiser and outgoing weights of 0: the network computes what it computed before
        and the new neurons learn from the next step on. Fresh weights (or none) start
        afresh, as after any change of shape.

        Parameters
        ----------
        index : int
            Index into ``network.layers`` of a hidden layer.
        delta : int
            How many neurons to add (positive) or remove (negative).
        neuron : int or None
            The first neuron removed; ignored when adding.

        Returns
        -------
        bool
            Whether the layer changed.
        """
        layers = self._project.network.layers
        if not 0 <= index < len(layers) - 1:
            return False
        before = layers[index].units
        units = max(1, before + delta)
        if units == before:
            return False
        layer = replace(layers[index], units=units)
        if delta > 0:
            text = "Add neuron" if delta == 1 else "Add neurons"
            grown = self._weights_with_added_units(index, layer)
            if grown is None:
                return self.set_layer(index, layer, text)
            project = replace(self._project, network=self._project.network.with_layer(index, layer))
            return self.apply(project, text, weights=grown, position=self._position)
        count = before - units
        first = before - count if neuron is None else neuron
        if not 0 <= first <= before - count:
            return False
        text = "Remove neuron" if count == 1 else "Remove neurons"
        weights = self._weights
        if not self.has_trained_weights or not self._project.network.fits(weights):
            return self.set_layer(index, layer, text)
        assert weights is not None
        gone = np.arange(first, first + count)
        kept = list(weights)
        W, b = weights[index]
        kept[index] = (np.delete(W, gone, axis=1), np.delete(b, gone))
        W_next, b_next = weights[index + 1]
        kept[index + 1] = (np.delete(W_next, gone, axis=0), b_next)
        project = replace(self._project, network=self._project.network.with_layer(index, layer))
        # Like a hand edit: the other neurons' weights stay as far trained as they were.
        return self.apply(project, text, weights=tuple(kept), position=self._position)

    def _weights_with_added_units(self, index: int, layer: LayerSpec) -> Weights | None:
        """The trained weights with hidden layer ``index`` grown to ``layer.units`` neurons
        (see :meth:`change_units`), or None without trained weights to keep."""
        weights = self._weights
        if not self.has_trained_weights or not self._project.network.fits(weights):
            return None
        assert weights is not None
        network = self._project.network
        W, b = weights[index]
        before = W.shape[1]
        fan_in = network.inputs if index == 0 else network.layers[index - 1].units
        # Drawn for the grown layer (its initialiser's scale may depend on the fan-out); the
        # kept neurons' columns are the trained ones. A stream of its own per size, so that
        # added neurons do not copy the layer's first initial weights.
        rng = random_stream(self._project.training.seed, "init", index, layer.units)
        fresh_W, fresh_b = initialize_layer(layer, fan_in, rng, W.dtype)
        grown = list(weights)
        grown[index] = (
            np.concatenate([W, fresh_W[:, before:]], axis=1),
            np.concatenate([b, fresh_b[before:]]),
        )
        W_next, b_next = weights[index + 1]
        added_rows = np.zeros((layer.units - before, W_next.shape[1]), W_next.dtype)
        grown[index + 1] = (np.concatenate([W_next, added_rows], axis=0), b_next)
        return tuple(grown)

    def set_training(self, training: TrainingSpec, text: str = "Change training settings") -> bool:
        """Replace the training settings (weights are kept).

        Settings :func:`~nnstudio.spec.training_problems` refuses (a step schedule with
        γ = 0, a learning rate of 0, ...) are refused with a notice naming them (False is
        returned), as by :meth:`apply`.

        A new precision converts the weights to it at once (see :meth:`_install`), so what
        is saved is always in the precision the project names. Weights too large for a
        narrower precision refuse it with a notice (False is returned): they would become
        infinite.
        """
        # First: the precision check below needs a precision that exists.
        problems = training_problems(training) if training != self._project.training else []
        if problems:
            self._refuse(text, problems, replace(self._project, training=training))
            return False
        if training.dtype != self._project.training.dtype and self._weights is not None:
            problem = _precision_problem(self._weights, training.dtype, self._project)
            if problem is not None:
                self.notice.emit(f"{text} refused: {problem}.")
                return False
        return self.apply(replace(self._project, training=training), text)

    def set_loss(self, loss: str) -> bool:
        """Change the loss function.

        A loss that does not exist or does not fit the output layer is refused with a
        notice (False is returned), as by :meth:`apply`.
        """
        return self.apply(replace(self._project, loss=loss), "Change loss")

    def set_name(self, name: str) -> bool:
        """Rename the project."""
        return self.apply(replace(self._project, name=name), "Rename project")

    def set_data(
        self, data: DataSpec, text: str = "Change data", *, dataset: Dataset | None = None
    ) -> bool:
        """Switch data, resizing the input and output layers to fit it.

        Parameters
        ----------
        data : DataSpec
        text : str
            The undo step's name.
        dataset : Dataset or None
            ``data`` already loaded (by the CSV column picker), so a large file is not read
            a second time.

        Raises
        ------
        NNStudioError
            When the new data cannot be loaded; nothing changes then.
        """
        if dataset is not None:
            self._remember(data, dataset)
        dataset = self._load(data)
        # Both statistics are refitted on the new data: kept ones would scale another
        # target column (or other rows) with the old column's mean and spread.
        project = replace(
            self._project, data=data, standardization=None, target_standardization=None
        )
        project, notices = fit_network_to_data(project, dataset)
        project = attach_dataset(project, dataset)
        before, weights, position = self._project.data, self._weights, self._position
        trained = self.has_trained_weights
        changed = self.apply(project, text)
        if changed:
            for message in notices:
                self.notice.emit(message)
            if trained and self._weights is weights and _another_data_set(before, data):
                # Kept weights count on from where they were (Play may say they are trained
                # enough already), for data they never saw: say so, and how to start over.
                self.notice.emit(_kept_weights_notice(before, data, position))
        return changed

    def set_parameter(self, layer: int, row: int | None, column: int, value: float) -> bool:
        """Edit one weight ``W[row, column]`` (or bias when ``row`` is None) of a layer by hand.

        ``layer`` indexes ``network.layers``. Needs initialised weights.
        """
        if self._weights is None:
            return False
        weights = [(W.copy(), b.copy()) for W, b in self._weights]
        W, b = weights[layer]
        with np.errstate(over="ignore"):
            held = W.dtype.type(value)
        if not np.isfinite(held):
            # An infinite weight could neither train nor be saved: the edit is refused.
            self.notice.emit(
                f"{with_minus_sign(f'{value:g}')} is beyond what a {W.dtype} weight can hold"
            )
            return False
        if row is None:
            b[column] = value
            text = "Edit bias"
        else:
            W[row, column] = value
            text = "Edit weight"
        # An edit of trained weights: they stay as far trained as they were.
        return self.apply(self._project, text, weights=tuple(weights), position=self._position)

    # ---- weights from training -------------------------------------------------------------

    def set_weights(self, weights: Weights | None, position: tuple[int, int] = (0, 0)) -> None:
        """Replace the weights without an undo step (training snapshots, reset).

        Giving a network its first weights does not count as an unsaved change: they follow
        from the seed, so a freshly opened project stays clean until it is trained or edited.
        Neither do weights equal to the current ones (a frame the training process sends
        again after a settings change): they are no new work.

        Parameters
        ----------
        weights : Weights or None
        position : tuple of (int, int)
            The epoch and step of the run the weights come from (see
            :attr:`training_position`); ``(0, 0)`` for weights no run has trained.
        """
        current = self._weights
        # Compared at most once, and only when the answer matters.
        unchanged = (
            current is not None
            and weights is not None
            and (not self._weights_dirty or self._weights_fresh)
            and (weights is current or _equal_weights(weights, current))
        )
        if current is None or self._next_weights_fresh:
            self._weights_fresh = True
        else:  # a copy of an initialisation is one too
            self._weights_fresh = unchanged and self._weights_fresh
        self._next_weights_fresh = False
        if current is not None and not unchanged:
            self._weights_dirty = True
        self._weights = weights
        self._position = (int(position[0]), int(position[1])) if weights is not None else (0, 0)
        self.weightsChanged.emit(weights)
        self._emit_dirty()

    def reinitialise(self, weights: Weights, text: str = "Reset weights") -> None:
        """Replace the weights with a fresh initialisation, as one undoable step.

        Undo brings back the weights from before, trained ones included, so a Reset pressed
        by mistake loses nothing; redo brings back the training done after the Reset.
        """
        # An initialisation, not work to keep.
        new = _Side(self._project, weights, fresh=True)
        self.undo_stack.push(_ProjectCommand(self, text, _Side(self._project), new, True))
        self._trim_undo_history()

    def expect_fresh_weights(self) -> None:
        """Treat the next :meth:`set_weights` as a re-initialisation (Reset weights)."""
        self._next_weights_fresh = True

    # ---- data read ahead of an undo step ------------------------------------------------------

    def unread_data_after_step(self, *, redo: bool) -> CsvData | None:
        """The CSV data the next undo (or redo) would read from its file, if any.

        ``None`` when the step keeps the data, or its data set is still kept in memory. A
        caller may read it first (in a worker thread, behind a progress dialog) and hand it
        over with :meth:`keep_read_data`, so the step itself reads nothing.
        """
        stack = self.undo_stack
        if not (stack.canRedo() if redo else stack.canUndo()):
            return None
        command = stack.command(stack.index() if redo else stack.index() - 1)
        if not isinstance(command, _ProjectCommand):
            return None
        data = command.project_after(redo=redo).data
        if data == self._project.data or not isinstance(data, CsvData):
            return None
        return None if (data, str(self.base_dir)) in self._datasets else data

    def keep_read_data(self, data: DataSpec, dataset: Dataset | None, error: str | None) -> None:
        """Hand over ``data`` read ahead of an undo step: its data set, or why it failed."""
        if dataset is not None:
            self._remember(data, dataset)
        elif error is not None:
            self._read_failures[(data, str(self.base_dir))] = error

    # ---- internals -------------------------------------------------------------------------

    def _current_side(self, side: _Side) -> _Side:
        """``side`` with the document's weights as they are now (for an undo step to return to).

        Weights that do not fit ``side``'s network cannot be that state's: it then starts
        from fresh weights.
        """
        weights = self._weights
        if weights is None or not side.project.network.fits(weights):
            return _Side(side.project)
        return _Side(side.project, weights, fresh=self._weights_fresh, position=self._position)

    def _install_side(
        self, side: _Side, with_weights: bool, layers: LayerMap | None = None
    ) -> None:
        """Install an undo step's ``side`` (its weights too when ``with_weights``), its layers
        renumbered as ``layers`` says (``None``: each where it was)."""
        if not with_weights:
            self._install(side.project, self._weights, layers)
        else:
            # Freshness and the training position travel with the weights: redone fresh
            # weights need no question, and redone trained ones say how far they were trained.
            self._weights_fresh = side.fresh
            self._position = side.position if side.weights is not None else (0, 0)
            self._install(side.project, side.weights, layers)
            # Undo and redo remember the weights they leave: the history may have grown.
            self._schedule_trim()

    def _schedule_trim(self) -> None:
        """Trim the history once the undo stack's current step is over (not from within it)."""
        if not self._trim_pending:
            self._trim_pending = True
            QtCore.QTimer.singleShot(0, self, self._trim_undo_history)

    def _undo_weights_nbytes(self, commands: list[_ProjectCommand]) -> int:
        """Bytes of the weights ``commands`` hold besides the document's own (shared ones once)."""
        seen = {id(array) for pair in self._weights or () for array in pair}
        total = 0
        for command in commands:
            for weights in command.kept_weights():
                for pair in weights:
                    for array in pair:
                        if id(array) not in seen:
                            seen.add(id(array))
                            total += array.nbytes
        return total

    def _trim_undo_history(self) -> None:
        """Drop the undo steps farthest from the current state while their weights weigh too much.

        The weights kept for undo and redo (each array counted once, the document's own
        weights not at all) stay within ``_UNDO_WEIGHTS_BYTES``: while they exceed it, the
        step farthest from the current state goes, the oldest undo step or, when it is
        farther, the last redo step. The steps next to the current state (the next undo
        and the next redo) always stay, whatever they weigh, so the last edit can be undone
        and an undo redone. The saved state stays marked where its step is kept; when it
        goes, no state of the history counts as saved any more.

        QUndoStack drops no single step (and takes an undo limit only while empty), so the
        steps kept are pushed again, as copies, without being done.
        """
        self._trim_pending = False
        stack = self.undo_stack
        count, index = stack.count(), stack.index()
        commands = [stack.command(i) for i in range(count)]
        if not all(isinstance(command, _ProjectCommand) for command in commands):
            return
        low, high = 0, count
        while self._undo_weights_nbytes(commands[low:high]) > _UNDO_WEIGHTS_BYTES:
            can_drop_undo = low < index - 1
            can_drop_redo = high > index + 1
            if can_drop_undo and (index - low >= high - index or not can_drop_redo):
                low += 1
            elif can_drop_redo:
                high -= 1
            else:
                break
        if (low, high) == (0, count):
            return
        kept = [command.copy() for command in commands[low:high]]
        del commands
        clean = stack.cleanIndex()
        # Index, undo and redo texts and the saved state end as they were: nothing to announce
        # but the index's new number.
        blocked = stack.blockSignals(True)
        self._replaying = True
        try:
            stack.clear()
            for command in kept:
                stack.push(command)
            if low <= clean <= high:
                stack.setIndex(clean - low)
                stack.setClean()
            else:
                stack.resetClean()
            stack.setIndex(index - low)
        finally:
            self._replaying = False
            stack.blockSignals(blocked)
        stack.indexChanged.emit(stack.index())

    def _install(
        self, project: Project, weights: Weights | None, layers: LayerMap | None = None
    ) -> None:
        self._weights_problem = None  # told once; an edit moves on from the opened file
        old = self._project
        self._project = project
        # A new precision (or its undo) converts the weights: until training ran they would
        # otherwise stay in the old one, and be saved so beside the new one's name.
        self._weights = _in_precision(weights, project.training.dtype)
        new_data = project.data != old.data
        if new_data:
            self._reload_dataset()
        if layers is not None:
            # First: a view told of the new data or project would otherwise take a kept
            # layer number for the layer that has it now.
            self.layersRenumbered.emit(layers)
        if new_data:
            self.datasetChanged.emit(self._dataset)
        self.projectChanged.emit(project)
        if project.network != old.network or project.loss != old.loss:
            self.networkChanged.emit(project.network)
        if project.training != old.training:
            self.trainingChanged.emit(project.training)
        self.weightsChanged.emit(self._weights)

    def _refuse(self, text: str, problems: list[str], project: Project) -> None:
        """Announce that the edit ``text`` to ``project`` is refused, and why.

        The problems name settings as the studio shows them ("Hidden 1's bias init"), not by
        the file paths the checks report (``network.layers[0].bias_init``).
        """
        reasons = "; ".join(readable_problem(problem, project) for problem in problems)
        self.notice.emit(f"{text} refused: {reasons}.")

    def _confirm(self, question: str) -> bool:
        return (
            True
            if self.confirm_discard_weights is None
            else bool(self.confirm_discard_weights(question))
        )

    def _load(self, data: DataSpec) -> Dataset:
        key = (data, str(self.base_dir))
        if key in self._datasets:
            self._datasets.move_to_end(key)
            return self._datasets[key]
        failure = self._read_failures.pop(key, None)
        if failure is not None:
            raise NNStudioError(failure)
        if isinstance(data, CsvData):
            # Undo back to data the cache dropped, when no caller read it ahead.
            with wait_cursor():
                dataset = load_dataset(data, self.base_dir)
        else:
            dataset = load_dataset(data, self.base_dir)
        self._remember(data, dataset)
        return dataset

    def _remember(self, data: DataSpec, dataset: Dataset, base_dir: Path | None = None) -> None:
        """Keep ``dataset`` as what ``data`` loads from ``base_dir`` (the document's folder by
        default); the last few data sets are kept."""
        folder = self.base_dir if base_dir is None else base_dir
        key = (data, str(folder))
        self._datasets[key] = dataset
        self._datasets.move_to_end(key)
        # The oldest go first; the one just kept (last in order) stays whatever it weighs.
        others = sum(kept.nbytes for kept in self._datasets.values()) - dataset.nbytes
        while len(self._datasets) > 1 and (
            len(self._datasets) > _DATASET_CACHE_SIZE or others > _DATASET_CACHE_BYTES
        ):
            _key, dropped = self._datasets.popitem(last=False)
            others -= dropped.nbytes

    def _reload_dataset(self) -> None:
        try:
            self._dataset = self._load(self._project.data)
            self._dataset_error = None
        except NNStudioError as error:
            self._dataset = None
            self._dataset_error = str(error)

    def _attach(self, project: Project) -> Project:
        if self._dataset is None:
            return project
        try:
            return attach_dataset(project, self._dataset)
        except NNStudioError as error:
            self._dataset_error = str(error)
            return project

    def _emit_dirty(self, *_args: object) -> None:
        self.dirtyChanged.emit(self.is_dirty)


def _rebase_csv(project: Project, old_dir: Path, new_dir: Path) -> Project:
    """Keep a CSV path pointing at the same file when saving into another folder."""
    import os

    data = project.data
    csv_path = Path(data.csv)  # type: ignore[union-attr]
    if csv_path.is_absolute():
        return project
    absolute = (old_dir / csv_path).resolve()
    try:
        relative = os.path.relpath(absolute, new_dir.resolve())
    except ValueError:  # another drive on Windows
        relative = str(absolute)
    return replace(project, data=replace(data, csv=Path(relative).as_posix()))  # type: ignore[arg-type]
