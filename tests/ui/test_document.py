"""StudioDocument: undoable edits, dirty tracking, saving and reopening."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.errors import NNStudioError
from nnstudio.spec import (
    MAX_UNITS,
    BuiltinData,
    LayerSpec,
    ScheduleSpec,
    TrainingSpec,
    training_problems,
)
from nnstudio.ui.document import StudioDocument, default_project

pytestmark = pytest.mark.gui


@pytest.fixture
def document(qapp) -> StudioDocument:
    return StudioDocument()


def _initial_weights(document: StudioDocument):
    from nnstudio.workflow import build_network

    weights = build_network(document.project).weights()
    document.set_weights(weights)
    return weights


def test_new_document_is_clean_and_loads_its_data(document: StudioDocument) -> None:
    assert document.project.name == default_project().name
    assert document.dataset is not None
    assert document.dataset_error is None
    assert not document.is_dirty
    assert document.project.network.inputs == document.dataset.n_features


def test_first_weights_do_not_dirty_but_trained_ones_do(document: StudioDocument) -> None:
    weights = _initial_weights(document)
    assert not document.is_dirty
    trained = tuple((W + 1.0, b) for W, b in weights)
    document.set_weights(trained)
    assert document.is_dirty


def test_add_layer_then_undo_restores_the_exact_network(document: StudioDocument) -> None:
    before = document.project
    changes: list[object] = []
    document.networkChanged.connect(changes.append)
    assert document.add_layer()
    assert len(document.project.network.layers) == len(before.network.layers) + 1
    assert document.is_dirty
    document.undo_stack.undo()
    assert document.project == before
    assert not document.is_dirty
    document.undo_stack.redo()
    assert len(document.project.network.layers) == len(before.network.layers) + 1
    assert len(changes) == 3


def test_shape_change_asks_before_discarding_weights(document: StudioDocument) -> None:
    weights = _initial_weights(document)
    document.set_weights(tuple((W + 0.5, b) for W, b in weights))  # as after training
    questions: list[str] = []

    def decline(question: str) -> bool:
        questions.append(question)
        return False

    document.confirm_discard_weights = decline
    before = document.project
    layers = len(before.network.layers)
    assert not document.add_layer()
    assert document.project == before
    assert questions and "reset" in questions[0]
    document.confirm_discard_weights = lambda _q: True
    assert document.add_layer()
    assert len(document.project.network.layers) == layers + 1
    assert document.weights is None
    document.undo_stack.undo()
    assert document.weights is not None
    assert len(document.weights) == layers


def test_change_units_keeps_at_least_one_and_skips_the_output(document: StudioDocument) -> None:
    network = document.project.network
    assert not document.change_units(len(network.layers) - 1, 1)
    for _ in range(network.layers[0].units + 2):
        document.change_units(0, -1)
    assert document.project.network.layers[0].units == 1


def test_an_edit_that_makes_the_network_too_big_is_refused_with_a_notice(
    document: StudioDocument,
) -> None:
    notices: list[str] = []
    document.notice.connect(notices.append)
    network = document.project.network
    layer = replace(network.layers[0], units=MAX_UNITS)
    assert document.add_layer(0, layer)  # 100,000 units after 2 inputs: still trainable
    assert not document.add_layer(1, layer)  # 100,000 × 100,000 weights are not
    assert document.project.network.layers[1] != layer
    assert notices[-1].startswith("Add layer refused: the network has 10,000,")
    assert "at most 10,000,000" in notices[-1]
    # Shrinking is always possible.
    assert document.change_units(0, -1)


def test_activation_change_to_softmax_output_fixes_the_loss(document: StudioDocument) -> None:
    network = document.project.network
    index = len(network.layers) - 1
    output = replace(network.output, activation="identity")
    assert document.set_layer(index, output, "Change activation")
    assert document.project.loss != "binary_crossentropy"


@pytest.mark.parametrize("activation", ["tanh", "identity", "relu"])
def test_a_single_two_class_unit_that_is_no_longer_sigmoid_gets_a_unit_per_class(
    document: StudioDocument, activation: str
) -> None:
    from nnstudio.workflow import build_network, make_trainer

    assert document.dataset is not None and document.dataset.n_outputs == 2
    network = document.project.network
    assert network.output.units == 1
    index = len(network.layers) - 1
    assert document.set_layer(index, replace(network.output, activation=activation), "Change")
    output = document.project.network.output
    assert (output.units, output.activation) == (2, activation)
    assert document.project.loss == "mse"
    # The project trains as it is: no "Cannot train" for the user to untangle.
    make_trainer(document.project, build_network(document.project), document.dataset)


def test_set_parameter_edits_one_weight_undoably(document: StudioDocument) -> None:
    weights = _initial_weights(document)
    assert document.set_parameter(0, 1, 2, 0.75)
    assert document.weights[0][0][1, 2] == pytest.approx(0.75)
    assert document.set_parameter(0, None, 2, -0.5)
    assert document.weights[0][1][2] == pytest.approx(-0.5)
    document.undo_stack.undo()
    document.undo_stack.undo()
    np.testing.assert_array_equal(document.weights[0][0], weights[0][0])


def test_set_data_resizes_the_output_layer(document: StudioDocument) -> None:
    notices: list[str] = []
    document.notice.connect(notices.append)
    assert document.set_data(BuiltinData(builtin="spiral", arms=3, samples=300))
    assert document.dataset is not None
    assert document.project.network.output.units == 3
    assert document.project.network.output.activation == "softmax"
    assert notices


def test_bad_data_raises_and_changes_nothing(document: StudioDocument, tmp_path: Path) -> None:
    from nnstudio.spec import CsvData

    before = document.project
    with pytest.raises(NNStudioError, match=r"missing\.csv"):
        document.set_data(CsvData(csv=str(tmp_path / "missing.csv"), target=("y",)))
    assert document.project == before


def test_save_and_reopen_round_trip(document: StudioDocument, tmp_path: Path) -> None:
    weights = _initial_weights(document)
    document.add_layer(layer=LayerSpec(units=3, activation="relu", init="he_normal"))
    document.set_weights(_initial_weights(document))
    path = document.save(tmp_path / "model")
    assert path.suffix == ".nnproj"
    assert path.exists()
    assert not document.is_dirty
    saved_weights = document.weights
    other = StudioDocument()
    other.open(path)
    assert other.project.network == document.project.network
    assert other.path == path
    for (W1, b1), (W2, b2) in zip(other.weights, saved_weights, strict=True):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    assert len(weights) + 1 == len(saved_weights)


def test_open_bad_file_leaves_the_document_alone(document: StudioDocument, tmp_path: Path) -> None:
    bad = tmp_path / "bad.nnproj"
    bad.write_text("{ not json", encoding="utf-8")
    before = document.project
    with pytest.raises(NNStudioError, match=r"bad\.nnproj"):
        document.open(bad)
    assert document.project == before
    assert document.path is None


def test_save_without_a_path_is_refused(document: StudioDocument) -> None:
    with pytest.raises(NNStudioError, match="no file"):
        document.save()


def test_only_trained_weights_are_asked_about(document: StudioDocument) -> None:
    questions: list[str] = []
    document.confirm_discard_weights = lambda q: questions.append(q) or True
    weights = _initial_weights(document)
    assert not document.has_trained_weights
    assert document.add_layer()  # fresh weights: nothing to lose, no question
    assert questions == []
    weights = _initial_weights(document)
    document.set_weights(tuple((W * 2, b) for W, b in weights))  # a training step
    assert document.has_trained_weights
    assert document.add_layer()
    assert len(questions) == 1
    document.set_weights(_initial_weights(document))
    document.set_weights(tuple((W * 2, b) for W, b in document.weights))
    document.expect_fresh_weights()
    document.set_weights(_initial_weights(document))  # Reset weights
    assert not document.has_trained_weights


def test_undoing_a_setting_keeps_the_weights_training_produced(document: StudioDocument) -> None:
    from dataclasses import replace as dc_replace

    weights = _initial_weights(document)
    document.set_training(dc_replace(document.project.training, learning_rate=0.5))
    trained = tuple((W + 1.0, b) for W, b in weights)
    document.set_weights(trained)  # training went on after the edit
    document.undo_stack.undo()
    assert document.project.training.learning_rate != 0.5
    assert document.weights is trained
    document.undo_stack.redo()
    assert document.weights is trained


def test_features_of_a_planes_points_are_labelled_as_the_data_dock_writes_them(qapp) -> None:
    from dataclasses import replace as replace_spec

    from nnstudio.spec import BuiltinData

    document = StudioDocument()
    assert document.set_data(BuiltinData(builtin="circles", features=("x1", "x1^2", "x1*x2")))
    assert document.input_names() == ["x1", "x1²", "x1·x2"]
    # The project keeps the names exports and predict CSVs use.
    assert document.project.feature_names == ("x1", "x1^2", "x1*x2")
    assert document.set_data(replace_spec(document.project.data, features=("x2",)))
    assert document.input_names() == ["x2"]


def test_data_sets_kept_for_undo_stay_within_a_byte_budget(document, monkeypatch) -> None:
    from nnstudio.ui import document as document_module

    def spiral(seed: int) -> BuiltinData:
        return BuiltinData(builtin="spiral", samples=2000, seed=seed)

    document.set_data(spiral(1))
    one = document.dataset.nbytes
    assert one > 2000 * 2 * 8  # the points alone, in float64
    # Room for two data sets besides the one in use.
    monkeypatch.setattr(document_module, "_DATASET_CACHE_BYTES", int(2.5 * one))
    loaded = {1: document.dataset}
    for seed in (2, 3, 4, 5):
        document.set_data(spiral(seed))
        loaded[seed] = document.dataset
    kept = list(document._datasets.values())
    assert document.dataset is loaded[5] and loaded[5] in kept
    others = [dataset for dataset in kept if dataset is not document.dataset]
    assert sum(dataset.nbytes for dataset in others) <= 2.5 * one
    assert loaded[4] in kept and loaded[1] not in kept  # the newest stay, the oldest went
    # Undo to a kept data set takes it as it was; further back the data is loaded again.
    document.undo_stack.undo()
    assert document.dataset is loaded[4]
    for _ in range(3):
        document.undo_stack.undo()
    assert document.project.data == spiral(1)
    assert document.dataset is not loaded[1]
    np.testing.assert_array_equal(document.dataset.X_train, loaded[1].X_train)


def test_reading_a_csv_again_on_undo_shows_the_wait_cursor(
    document, monkeypatch, samples_dir: Path
) -> None:
    from nnstudio.spec import CsvData
    from nnstudio.ui import document as document_module
    from nnstudio.ui.qt import Qt, QtWidgets

    cursors: list[object] = []
    real_load = document_module.load_dataset

    def recording_load(spec, base_dir=".", progress=None):
        cursor = QtWidgets.QApplication.overrideCursor()
        cursors.append(None if cursor is None else cursor.shape())
        return real_load(spec, base_dir, progress)

    monkeypatch.setattr(document_module, "load_dataset", recording_load)
    monkeypatch.setattr(document_module, "_DATASET_CACHE_BYTES", 0)  # keep only the newest
    iris = CsvData(csv=str(samples_dir / "iris.csv"), target=("species",))
    document.set_data(iris)
    document.set_data(BuiltinData(builtin="xor"))
    cursors.clear()
    document.undo_stack.undo()  # back to iris, which the cache dropped
    assert document.project.data == iris and document.dataset is not None
    assert cursors == [Qt.CursorShape.WaitCursor]
    assert QtWidgets.QApplication.overrideCursor() is None


def _iris_project_file(folder: Path, units: int, activation: str, loss: str) -> Path:
    import json

    samples = Path(__file__).resolve().parents[2] / "samples"
    text = json.loads((samples / "iris.nnproj").read_text(encoding="utf-8"))
    text["data"]["csv"] = str(samples / "iris.csv")
    text["network"]["layers"][-1].update(units=units, activation=activation)
    text["loss"] = loss
    path = folder / "iris-variant.nnproj"
    path.write_text(json.dumps(text), encoding="utf-8")
    return path


def test_a_project_opens_with_its_own_output_and_loss_where_they_train(
    document: StudioDocument, tmp_path: Path
) -> None:
    notices: list[str] = []
    document.notice.connect(notices.append)
    document.open(_iris_project_file(tmp_path, 3, "identity", "mse"))
    # Identity outputs with squared error on three classes train as they are (as the command
    # line trains them): the window shows the file's model, unmodified.
    assert document.project.network.output.activation == "identity"
    assert document.project.loss == "mse"
    assert notices == []
    assert not document.is_dirty


def test_a_project_fitted_to_its_data_on_open_is_marked_modified(
    document: StudioDocument, tmp_path: Path
) -> None:
    notices: list[str] = []
    document.notice.connect(notices.append)
    path = _iris_project_file(tmp_path, 2, "identity", "mse")
    document.open(path)
    assert document.project.network.output.units == 3
    assert notices == ["Output layer resized from 2 to 3 units to match the 3 classes"]
    # The window no longer shows what the file holds: saving it is worth asking about.
    assert document.is_dirty
    document.save(path)
    assert not document.is_dirty
    again = StudioDocument()
    again.open(path)
    assert again.project.network.output.units == 3
    assert not again.is_dirty


def _saved_pair(tmp_path: Path) -> tuple[Path, StudioDocument]:
    """A project saved with its weights, and the document that saved it."""
    saver = StudioDocument()
    _initial_weights(saver)
    return saver.save(tmp_path / "model.nnproj"), saver


@pytest.mark.parametrize("damage", ["missing", "corrupt", "mismatched"])
def test_a_project_whose_weights_cannot_be_used_opens_with_fresh_weights(
    document: StudioDocument, tmp_path: Path, damage: str
) -> None:
    path, saver = _saved_pair(tmp_path)
    weights_file = tmp_path / "model.weights.npz"
    if damage == "missing":
        weights_file.unlink()
    elif damage == "corrupt":
        weights_file.write_bytes(b"PK\x03\x04 not really a zip archive")
    else:  # weights of another network (a failed save of another project, say)
        saver.add_layer(layer=LayerSpec(units=3, activation="tanh"))
        saver.set_weights(_initial_weights(saver))
        saver.save(tmp_path / "other.nnproj")
        (tmp_path / "other.weights.npz").replace(weights_file)
    on_disk = weights_file.read_bytes() if weights_file.exists() else None
    notices: list[str] = []
    document.notice.connect(notices.append)
    document.open(path)
    assert document.path == path
    assert document.weights is None  # fresh weights follow from the seed
    assert document.weights_problem is not None
    assert document.weights_problem.startswith("Opened with fresh weights")
    assert "model.weights.npz" in document.weights_problem
    assert notices == [document.weights_problem]
    # Opening alone changes nothing on disk, and leaving asks nothing.
    assert not document.is_dirty
    assert (weights_file.read_bytes() if weights_file.exists() else None) == on_disk
    # Saving writes the document's weights; the file opens normally again.
    _initial_weights(document)
    document.save()
    assert document.weights_problem is None
    again = StudioDocument()
    again.open(path)
    assert again.weights is not None and again.weights_problem is None


def test_the_weights_notice_ends_with_the_next_edit_or_file(
    document: StudioDocument, tmp_path: Path
) -> None:
    path, _saver = _saved_pair(tmp_path)
    (tmp_path / "model.weights.npz").unlink()
    document.open(path)
    assert document.weights_problem is not None
    document.set_name("Renamed")
    assert document.weights_problem is None
    document.open(path)
    assert document.weights_problem is not None
    document.new()
    assert document.weights_problem is None


def test_undo_after_save_as_into_another_folder_still_finds_the_csv(
    document: StudioDocument, tmp_path: Path
) -> None:
    samples = Path(__file__).resolve().parents[2] / "samples"
    source = tmp_path / "a"
    source.mkdir()
    for name in ("iris.nnproj", "iris.csv"):
        (source / name).write_bytes((samples / name).read_bytes())
    document.open(source / "iris.nnproj")
    training = document.project.training
    document.set_training(replace(training, learning_rate=training.learning_rate / 2))
    moved = tmp_path / "b" / "deeper"
    moved.mkdir(parents=True)
    document.save(moved / "iris.nnproj")
    for step in (document.undo_stack.undo, document.undo_stack.redo, document.undo_stack.undo):
        step()
        # Relative to the new folder, the steps' CSV path still names the same file.
        assert document.dataset_error is None
        assert (moved / document.project.data.csv).resolve() == (source / "iris.csv").resolve()
    assert document.project.training == training


# ---- edits the document refuses --------------------------------------------------------------


class _Observer:
    """Records every signal of a document but its notices, and the notices on their own."""

    def __init__(self, document: StudioDocument) -> None:
        self.signals: list[str] = []
        self.notices: list[str] = []
        for name in (
            "projectChanged",
            "networkChanged",
            "trainingChanged",
            "datasetChanged",
            "weightsChanged",
            "pathChanged",
            "dirtyChanged",
            "layersRenumbered",
        ):
            getattr(document, name).connect(lambda *_args, name=name: self.signals.append(name))
        document.notice.connect(self.notices.append)
        stack = document.undo_stack
        for signal in (stack.indexChanged, stack.cleanChanged, stack.canUndoChanged):
            signal.connect(lambda *_args: self.signals.append("undo stack"))


def _assert_refused(document: StudioDocument, observer: _Observer, before, field: str) -> None:
    """Nothing changed, nothing was announced but one notice, and that names ``field``."""
    assert document.project == before
    assert document.undo_stack.count() == 0
    assert not document.is_dirty
    assert observer.signals == []
    assert len(observer.notices) == 1
    assert " refused: " in observer.notices[0]
    assert field in observer.notices[0]


_BAD_TRAINING = {
    # A step schedule with γ = 0 drops the rate to 0 after its first step.
    "step schedule with gamma 0": (
        {"schedule": ScheduleSpec(name="step", step_size=10, gamma=0.0)},
        "Decay γ: must be > 0",
    ),
    "learning rate 0": ({"learning_rate": 0.0}, "Learning rate: must be > 0"),
    "Adam β₁ 1": ({"beta1": 1.0}, "β₁: must be < 1"),
    "unknown optimizer": ({"optimizer": "lion"}, "Optimizer: "),
    "batch size 0": ({"batch_size": 0}, "Batch size: must be >= 1"),
    # Checked before the weights' range in the precision: no TypeError from NumPy.
    "unknown precision": ({"dtype": "float8"}, "Precision: "),
}


@pytest.mark.parametrize("changes,field", _BAD_TRAINING.values(), ids=list(_BAD_TRAINING))
def test_set_training_refuses_what_training_problems_refuses(
    document: StudioDocument, changes: dict, field: str
) -> None:
    _initial_weights(document)
    weights = document.weights
    before = document.project
    candidate = replace(before.training, **changes)
    assert training_problems(candidate)
    observer = _Observer(document)
    assert not document.set_training(candidate, "Change schedule")
    _assert_refused(document, observer, before, field)
    assert observer.notices[0].startswith("Change schedule refused: ")
    assert document.weights is weights
    # The document still takes a change that passes.
    assert document.set_training(replace(before.training, learning_rate=0.25))
    assert document.project.training.learning_rate == 0.25


def test_apply_refuses_training_settings_training_problems_refuses(
    document: StudioDocument,
) -> None:
    before = document.project
    schedule = ScheduleSpec(name="step", step_size=10, gamma=0.0)
    candidate = replace(before, training=replace(before.training, schedule=schedule))
    observer = _Observer(document)
    assert not document.apply(candidate, "Script edit")
    _assert_refused(document, observer, before, "Decay γ: must be > 0")


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"dropout": 1.5}, "Hidden 1's dropout: must be < 1"),
        ({"units": 0}, "Hidden 1's units: must be >= 1"),
        ({"activation": "relu6"}, "Hidden 1's activation: "),
        ({"activation": "softmax"}, "Hidden 1's activation: "),
        ({"init": "normal", "init_param": -1.0}, "Hidden 1's initialiser scale: "),
    ],
    ids=["dropout 1.5", "no units", "unknown activation", "hidden softmax", "negative scale"],
)
def test_set_layer_refuses_a_layer_no_project_file_could_hold(
    document: StudioDocument, changes: dict, field: str
) -> None:
    before = document.project
    observer = _Observer(document)
    layer = replace(before.network.layers[0], **changes)
    assert not document.set_layer(0, layer, "Change layer")
    _assert_refused(document, observer, before, field)


@pytest.mark.parametrize(("index", "name"), [(0, "Hidden 1"), (1, "Hidden 2"), (2, "Output")])
def test_a_refused_layer_is_named_as_the_canvas_names_it(
    document: StudioDocument, index: int, name: str
) -> None:
    """A notice names the layer and setting as the studio shows them, not the file path
    (whose index is one less than the canvas's "Hidden 1")."""
    before = document.project
    assert len(before.network.layers) == 3
    observer = _Observer(document)
    layer = replace(before.network.layers[index], bias_init=1e308)
    assert not document.set_layer(index, layer, "Change bias initialisation")
    _assert_refused(document, observer, before, f"{name}'s bias init: must be <= 1000")
    notice = observer.notices[0]
    assert notice.startswith("Change bias initialisation refused: ")
    assert "layers[" not in notice and "bias_init" not in notice and "network." not in notice


def test_a_refused_setting_refers_to_other_settings_by_their_labels(
    document: StudioDocument,
) -> None:
    before = document.project
    training = replace(
        before.training,
        learning_rate=0.03,
        schedule=ScheduleSpec(name="cosine", min_lr=5.0),
    )
    observer = _Observer(document)
    assert not document.set_training(training, "Change minimum learning rate")
    _assert_refused(document, observer, before, "Minimum LR: must be <= Learning rate (0.03)")
    assert "learning_rate" not in observer.notices[0]


def test_set_network_refuses_a_network_without_layers(document: StudioDocument) -> None:
    before = document.project
    observer = _Observer(document)
    assert not document.set_network(replace(before.network, layers=()), "Script edit")
    _assert_refused(document, observer, before, "at least its output layer")


def test_set_loss_refuses_an_unknown_loss_or_one_the_output_cannot_use(
    document: StudioDocument,
) -> None:
    before = document.project
    assert before.network.output.activation == "sigmoid"
    observer = _Observer(document)
    assert not document.set_loss("hinge")
    _assert_refused(document, observer, before, "unknown 'hinge'")
    observer.notices.clear()
    assert not document.set_loss("categorical_crossentropy")
    _assert_refused(document, observer, before, "needs an output layer of 2 or more")
    assert document.set_loss("mse")


def test_open_project_refuses_training_settings_training_problems_refuses(
    document: StudioDocument,
) -> None:
    from nnstudio.errors import SpecError

    document.set_name("Kept")
    before, path = document.project, document.path
    schedule = ScheduleSpec(name="step", step_size=10, gamma=0.0)
    project = replace(default_project(), training=TrainingSpec(schedule=schedule))
    observer = _Observer(document)
    with pytest.raises(SpecError, match=r"training\.schedule\.gamma"):
        document.open_project(project)
    assert document.project == before and document.path == path
    assert document.undo_stack.count() == 1
    assert observer.signals == [] and observer.notices == []


def test_a_refused_training_change_shows_its_problem_in_the_window(
    window, no_dialogs: list[tuple[str, str]]
) -> None:
    """A script's refused change reaches the user as a message, not a traceback."""
    document = window.document
    before = document.project
    schedule = ScheduleSpec(name="step", step_size=10, gamma=0.0)
    assert not document.set_training(replace(before.training, schedule=schedule))
    assert document.project == before
    message = window.statusBar().currentMessage()
    assert message.startswith("Change training settings refused: ")
    assert "Decay γ: must be > 0, got 0" in message
    assert no_dialogs == []


def test_an_import_whose_settings_the_document_refuses_says_why(
    window, no_dialogs: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """File › Import ONNX… shows what the document refused, and the window keeps its project."""
    import nnstudio.io.onnx_io

    schedule = ScheduleSpec(name="step", step_size=10, gamma=0.0)
    project = replace(default_project(), training=TrainingSpec(schedule=schedule))
    monkeypatch.setattr(nnstudio.io.onnx_io, "import_onnx", lambda _path: (project, None))
    before = window.document.project
    assert not window.import_onnx("model.onnx")
    assert window.document.project == before
    assert len(no_dialogs) == 1
    title, text = no_dialogs[0]
    assert title == "Cannot import ONNX model"
    assert "training.schedule.gamma: must be > 0, got 0" in text
