"""Training that goes on from weights trained before counts on from their epoch and step:
after a hand edit, an undo or redo, a precision change or a stop, never from epoch 0 again."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.spec import Weights
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.main_window import MainWindow
from nnstudio.ui.worker import TrainingController
from nnstudio.workflow import build_network
from tests.ui.test_training_position import TIMEOUT, _settle, _shown, _train_epochs
from tests.ui.test_worker import xor_project

pytestmark = pytest.mark.gui


def _frame_position(controller: TrainingController) -> tuple[int, int]:
    frame = controller.latest_frame
    return (-1, -1) if frame is None else (frame.epoch, frame.step)


def _shifted(weights: Weights, shift: float) -> Weights:
    return tuple((W + shift, b - shift) for W, b in weights)


def test_a_session_trains_the_documents_weights_on_from_their_position(qtbot) -> None:
    document = StudioDocument()
    document.open_project(xor_project())
    controller = TrainingController(document)
    try:
        qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=TIMEOUT)
        # Weights a run had trained to epoch 7, step 70 (320 examples, batches of 32).
        document.set_weights(_shifted(build_network(document.project).weights(), 0.01), (7, 70))
        controller.step()
        qtbot.waitUntil(lambda: _frame_position(controller) == (7, 71), timeout=TIMEOUT)
        assert controller.state == "paused"
        np.testing.assert_array_equal(controller.latest_frame.snapshot.history.epoch, [7])
        controller.step_epoch()
        qtbot.waitUntil(lambda: _frame_position(controller) == (8, 80), timeout=TIMEOUT)
        assert document.training_position == (8, 80)
        # Fresh weights start the count again.
        controller.reset_weights()
        controller.step()
        qtbot.waitUntil(lambda: _frame_position(controller) == (0, 1), timeout=TIMEOUT)
    finally:
        controller.shutdown()


def test_training_hand_edited_weights_counts_on(qtbot, window: MainWindow) -> None:
    window.open_sample("xor")  # full batch: one step an epoch
    window.show_plot(0)
    _settle(qtbot, window)
    _train_epochs(qtbot, window, 3)
    assert _shown(window) == ("Epoch 3", "Step 3")
    assert window.document.set_parameter(0, 0, 0, 0.5)
    _settle(qtbot, window)
    assert _shown(window) == ("Epoch 3", "Step 3")
    _train_epochs(qtbot, window, 1)
    assert _shown(window) == ("Epoch 4", "Step 4")
    summary = window.properties_dock.properties.summary_page
    assert summary.fields["Weights"].text() == "Trained for 4 epochs (4 steps)"
    # The new run's curve starts where the edited weights had come: the run before drew
    # epochs 0 to 3.
    tab = window.plots.loss_tab
    np.testing.assert_array_equal(tab.train_curve.getData()[0], [3.0, 4.0])
    np.testing.assert_array_equal(tab.kept_runs[0].history.epoch, [0, 1, 2, 3])
    assert window.status.epoch_label.text() == "Epoch 4 / 600"


def test_training_after_undoing_a_reset_counts_on_with_early_stopping(
    qtbot, window: MainWindow
) -> None:
    window.open_sample("circles")
    document = window.document
    document.set_training(replace(document.project.training, early_stopping=50, epochs=300))
    window.show_plot(0)
    _settle(qtbot, window)
    _train_epochs(qtbot, window, 6)
    trained = _shown(window)
    assert trained[0] == "Epoch 6"
    window.reset_weights()
    _settle(qtbot, window)
    assert window.step_undo_stack(redo=False)
    _settle(qtbot, window)
    assert _shown(window) == trained
    _train_epochs(qtbot, window, 1)
    assert _shown(window)[0] == "Epoch 7"
    snapshot = window.controller.latest_frame.snapshot
    assert snapshot.best_epoch is not None and snapshot.best_epoch >= 6
    tab = window.plots.loss_tab
    assert tab.best_label.shown_text().startswith(f"best epoch {snapshot.best_epoch}")
    summary = window.properties_dock.properties.summary_page
    assert summary.fields["Weights"].text().startswith("Trained for 7 epochs")


def test_training_after_a_precision_change_counts_on(qtbot, window: MainWindow) -> None:
    window.open_sample("xor")
    _settle(qtbot, window)
    _train_epochs(qtbot, window, 3)
    document = window.document
    assert document.set_training(replace(document.project.training, dtype="float64"))
    _settle(qtbot, window)
    assert _shown(window) == ("Epoch 3", "Step 3")
    _train_epochs(qtbot, window, 2)
    assert _shown(window) == ("Epoch 5", "Step 5")
    assert document.training_position == (5, 5)


def test_play_after_stop_counts_on(qtbot, window: MainWindow) -> None:
    window.open_sample("xor")
    _settle(qtbot, window)
    _train_epochs(qtbot, window, 2)
    window.stop_action.trigger()
    qtbot.waitUntil(lambda: window.controller.state == "stopped", timeout=TIMEOUT)
    _settle(qtbot, window)
    _train_epochs(qtbot, window, 1)
    assert _shown(window) == ("Epoch 3", "Step 3")
