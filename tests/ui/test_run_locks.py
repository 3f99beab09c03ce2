"""What a running training run locks, and what follows the document around a run.

The loss, the dropout, the precision and the data can only change with a new training
session, which ends the run: the Training settings and Data docks lock them while training
runs, as the canvas and the Properties dock lock the network. A new precision takes effect in
a new session, from the same weights. The Data dock names a selected neuron as the document
describes it, also after an undo.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.docks.data_dock import DataPanel, neuron_caption
from nnstudio.ui.docks.training_dock import TrainingDock, TrainingSettingsWidget
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.selection import Selection

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
#: Milliseconds to wait for the training process.
TIMEOUT = 20000


def xor_project(*hidden: LayerSpec, **training: object) -> Project:
    return Project(
        name="XOR",
        data=BuiltinData(builtin="xor", samples=200, noise=0.1, seed=1),
        network=NetworkSpec(inputs=2, layers=(*hidden, LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.05, batch_size=32, **training),  # type: ignore[arg-type]
    )


@pytest.fixture
def document(qtbot) -> StudioDocument:
    doc = StudioDocument()
    doc.open_project(xor_project(LayerSpec(4, "tanh"), LayerSpec(3, "tanh")))
    return doc


@pytest.fixture
def settings_form(qtbot, document: StudioDocument) -> TrainingSettingsWidget:
    widget = TrainingSettingsWidget(document)
    qtbot.addWidget(widget)
    return widget


@pytest.fixture
def panel(qtbot, document: StudioDocument) -> DataPanel:
    widget = DataPanel(document)
    qtbot.addWidget(widget)
    widget.resize(380, 760)
    widget.show()
    return widget


# ---- the Training settings dock ----------------------------------------------------------------


def test_training_settings_lock_the_loss_dropout_and_precision(settings_form, document) -> None:
    form = settings_form
    locked = {form.loss_combo: "the loss", form.dropout: "the dropout", form.dtype: "the precision"}
    live = (form.learning_rate, form.optimizer_combo, form.epochs, form.l2, form.seed)
    assert all(control.isEnabled() for control in (*locked, *live))
    assert not any("Pause training" in form.lock_tips.text(control) for control in locked)

    form.set_editable(False)
    assert not form.editable
    for control, what in locked.items():
        assert not control.isEnabled()
        assert form.lock_tips.text(control).startswith(f"Pause training to change {what}.")
    # Settings that reach a running trainer live stay open.
    assert all(control.isEnabled() for control in live)

    form.set_editable(True)
    assert all(control.isEnabled() for control in locked)
    assert not any("Pause training" in form.lock_tips.text(control) for control in locked)


def test_locked_training_settings_refuse_edits_made_in_code(settings_form, document) -> None:
    form = settings_form
    before, steps = document.project, document.undo_stack.count()
    form.set_editable(False)
    form.dropout.setValue(0.2)
    index = form.loss_combo.findData("mse")
    form.loss_combo.setCurrentIndex(index)
    form.loss_combo.activated.emit(index)
    index = form.dtype.findData("float64")
    form.dtype.setCurrentIndex(index)
    form.dtype.activated.emit(index)
    assert document.project == before and document.undo_stack.count() == steps
    # The controls show what the document uses again.
    assert form.dropout.value() == 0.0
    assert form.loss_combo.currentData() == "binary_crossentropy"
    assert form.dtype.currentData() == "float32"

    form.set_editable(True)
    form.dropout.setValue(0.2)
    assert {layer.dropout for layer in document.project.network.hidden} == {0.2}


def test_dropout_stays_off_without_hidden_layers_when_unlocked(qtbot) -> None:
    document = StudioDocument()
    document.open_project(xor_project())
    form = TrainingSettingsWidget(document)
    qtbot.addWidget(form)
    form.set_editable(False)
    form.set_editable(True)
    assert not form.dropout.isEnabled()
    assert form.loss_combo.isEnabled() and form.dtype.isEnabled()


def test_the_dock_locks_a_form_built_while_training_runs(qtbot, document) -> None:
    dock = TrainingDock(document)
    qtbot.addWidget(dock)
    dock.set_editable(False)
    assert not dock.is_built
    assert not dock.settings_widget.loss_combo.isEnabled()
    dock.set_editable(True)
    assert dock.settings_widget.loss_combo.isEnabled()


# ---- the Data dock -------------------------------------------------------------------------------


def test_the_data_dock_locks_its_controls(panel, document) -> None:
    controls = {
        "data set": panel.source_combo,
        "noise": panel.noise_spin,
        "samples": panel.samples_spin,
        "validation": panel.validation_spin,
        "seed": panel.seed_spin,
        "features": panel.feature_checks,
        "standardise": panel.standardize_check,
        "regenerate": panel.regenerate_button,
        "open CSV": panel.open_csv_button,
    }
    panel.set_editable(False)
    assert not panel.editable
    assert [name for name, control in controls.items() if control.isEnabled()] == []
    for control in controls.values():
        assert panel.lock_tips.text(control).startswith("Pause training to change the data.")
    # Looking at the data stays possible.
    assert panel.scatter.show_predictions.isEnabled()

    panel.set_editable(True)
    assert [name for name, control in controls.items() if not control.isEnabled()] == []
    assert "Pause training" not in panel.lock_tips.text(panel.noise_spin)


def test_locked_data_refuses_edits_made_in_code(qtbot, panel, document) -> None:
    before, steps = document.project.data, document.undo_stack.count()
    panel.set_editable(False)
    panel.noise_spin.setValue(0.3)
    assert not panel.apply_edits()
    assert not panel.regenerate()
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("circles"))
    qtbot.wait(50)
    assert document.project.data == before and document.undo_stack.count() == steps
    assert panel.noise_spin.value() == pytest.approx(before.noise)
    assert panel.source_combo.currentData() == "xor"

    panel.set_editable(True)
    panel.noise_spin.setValue(0.3)
    assert panel.apply_edits()
    assert document.project.data.noise == pytest.approx(0.3)


def test_a_pending_data_edit_is_dropped_when_training_starts(qtbot, panel, document) -> None:
    before = document.project.data
    panel.noise_spin.setValue(0.4)  # applied after a short delay
    panel.set_editable(False)
    qtbot.wait(600)
    assert document.project.data == before
    assert panel.noise_spin.value() == pytest.approx(before.noise)


# ---- a real run ---------------------------------------------------------------------------------


def test_edits_in_the_docks_do_not_end_a_run(qtbot, window, no_dialogs) -> None:
    window.open_sample("spiral")
    window.document.set_training(replace(window.document.project.training, epochs=100_000))
    form = window.training_dock.settings_widget
    panel = window.data_panel
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.controller.state == "running", timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: (
            (frame := window.controller.latest_frame) is not None
            and frame.snapshot is not None
            and frame.snapshot.step > 20
        ),
        timeout=TIMEOUT,
    )
    for control in (form.loss_combo, form.dropout, form.dtype, panel.source_combo):
        assert not control.isEnabled()
    project = window.document.project

    index = form.loss_combo.findData("mse")
    form.loss_combo.setCurrentIndex(index)
    form.loss_combo.activated.emit(index)
    form.dropout.setValue(0.2)
    panel.noise_spin.setValue(0.1)
    panel.apply_edits()
    panel.source_combo.setCurrentIndex(panel.source_combo.findData("circles"))
    qtbot.wait(500)
    assert window.controller.state == "running"
    assert window.document.project == project

    window.play_action.trigger()  # pause
    qtbot.waitUntil(lambda: window.controller.state == "paused", timeout=TIMEOUT)
    for control in (form.loss_combo, form.dropout, form.dtype, panel.source_combo):
        assert control.isEnabled()


# ---- precision -----------------------------------------------------------------------------------


def _weights_of_frame(controller) -> list[np.ndarray]:
    frame = controller.latest_frame
    return [array for pair in frame.weights for array in pair]


def test_a_new_precision_retrains_the_same_weights_in_it(qtbot, controller, document) -> None:
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=TIMEOUT)
    controller.step_epoch()
    qtbot.waitUntil(lambda: controller.state == "paused", timeout=TIMEOUT)
    qtbot.waitUntil(
        lambda: (
            document.weights is not None
            and all(
                np.array_equal(a, b)
                for a, b in zip(
                    _weights_of_frame(controller),
                    [array for pair in document.weights for array in pair],
                    strict=True,
                )
            )
        ),
        timeout=TIMEOUT,
    )
    trained = [array.copy() for pair in document.weights for array in pair]
    assert trained[0].dtype == np.float32

    document.set_training(replace(document.project.training, dtype="float64"))
    qtbot.waitUntil(lambda: _weights_of_frame(controller)[0].dtype == np.float64, timeout=5000)
    # The same values, now as float64 (float32 values are exact in float64).
    for shown, before in zip(_weights_of_frame(controller), trained, strict=True):
        assert np.array_equal(shown, before.astype(np.float64))

    controller.step()
    qtbot.waitUntil(
        lambda: (
            controller.state == "paused"
            and document.weights is not None
            and document.weights[0][0].dtype == np.float64
        ),
        timeout=TIMEOUT,
    )
    assert _weights_of_frame(controller)[0].dtype == np.float64

    # And back: an undo of the precision trains in float32 again.
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: _weights_of_frame(controller)[0].dtype == np.float32, timeout=5000)


# ---- the name of the selected neuron -------------------------------------------------------------


def test_neuron_captions_name_the_layer_and_its_activation(document) -> None:
    assert neuron_caption(document, 0, 1) == f"input {document.input_names()[1]}"
    assert neuron_caption(document, 1, 3) == "Hidden 1 · neuron 4 (tanh)"
    assert neuron_caption(document, 3, 0) == "Output · neuron 1 (sigmoid)"


def test_the_caption_of_a_selected_neuron_follows_an_undo(qtbot, window) -> None:
    window.open_sample("spiral")
    document = window.document
    first = document.project.network.layers[0]
    assert first.activation == "tanh"
    assert document.set_layer(0, replace(first, activation="relu"))
    window.canvas.select(Selection("neuron", 1, 3))
    note = window.data_panel.scatter.focus_note
    qtbot.waitUntil(lambda: note.isVisible() and "(relu)" in note.text(), timeout=TIMEOUT)

    window.undo_action.trigger()
    assert document.project.network.layers[0].activation == "tanh"
    qtbot.waitUntil(lambda: "Hidden 1 · neuron 4 (tanh)" in note.text(), timeout=5000)
    assert "relu" not in note.text()
