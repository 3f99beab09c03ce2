"""The weights' training position (epoch, step) travels with them: through hand edits, Reset,
undo and redo, so the status bar says how far the weights now in the document were trained."""

from __future__ import annotations

import pytest

from nnstudio.spec import Weights
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.main_window import MainWindow
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui

TIMEOUT = 20_000


@pytest.fixture
def document(qapp) -> StudioDocument:
    doc = StudioDocument()
    doc.set_weights(build_network(doc.project).weights())
    return doc


def _trained(document: StudioDocument, shift: float) -> Weights:
    return tuple((W + shift, b - shift) for W, b in document.weights)


def test_fresh_and_opened_weights_have_no_position(document: StudioDocument) -> None:
    assert document.training_position == (0, 0)
    document.set_weights(_trained(document, 0.1), (4, 60))
    assert document.training_position == (4, 60)
    document.new()
    assert document.training_position == (0, 0)


def test_undo_and_redo_of_a_hand_edit_bring_back_each_sides_position(
    document: StudioDocument,
) -> None:
    document.set_weights(_trained(document, 0.1), (3, 45))
    assert document.set_parameter(0, 0, 0, 0.5)
    # An edit of trained weights: as far trained as before.
    assert document.training_position == (3, 45)
    # A new run trains the edited weights.
    document.set_weights(_trained(document, 0.2), (2, 30))
    document.undo_stack.undo()
    assert document.training_position == (3, 45)
    document.undo_stack.redo()
    assert document.training_position == (2, 30)


def test_undo_and_redo_of_a_reset_bring_back_each_sides_position(
    document: StudioDocument,
) -> None:
    document.set_weights(_trained(document, 0.1), (7, 70))
    document.reinitialise(build_network(document.project).weights())
    assert document.training_position == (0, 0)
    document.set_weights(_trained(document, 0.3), (2, 20))
    document.undo_stack.undo()
    assert document.training_position == (7, 70)
    document.undo_stack.redo()
    assert document.training_position == (2, 20)


def test_a_shape_change_starts_from_no_position_and_its_undo_restores_it(
    document: StudioDocument,
) -> None:
    document.set_weights(_trained(document, 0.1), (5, 50))
    assert document.add_layer()
    assert document.weights is None and document.training_position == (0, 0)
    document.undo_stack.undo()
    assert document.training_position == (5, 50)


def test_a_settings_edit_keeps_the_position(document: StudioDocument) -> None:
    from dataclasses import replace

    document.set_weights(_trained(document, 0.1), (5, 50))
    training = document.project.training
    document.set_training(replace(training, learning_rate=training.learning_rate / 2))
    document.undo_stack.undo()
    assert document.training_position == (5, 50)


# ---- the window -------------------------------------------------------------------------------


def _settle(qtbot, window: MainWindow) -> None:
    """Wait until the views have taken the newest frame."""
    qtbot.wait(200)
    qtbot.waitUntil(lambda: not window.relay.busy, timeout=TIMEOUT)
    qtbot.wait(200)


def _run_epoch(window: MainWindow) -> int:
    frame = window.controller.latest_frame
    snapshot = None if frame is None else frame.snapshot
    return -1 if snapshot is None else int(snapshot.epoch)


def _train_epochs(qtbot, window: MainWindow, epochs: int) -> None:
    """Step ``epochs`` epochs of the current run, one at a time, ending paused."""
    for _ in range(epochs):
        target = _run_epoch(window) + 1
        window.step_one_epoch()
        qtbot.waitUntil(
            lambda target=target: (
                _run_epoch(window) >= target and window.controller.state == "paused"
            ),
            timeout=TIMEOUT,
        )
    _settle(qtbot, window)


def _shown(window: MainWindow) -> tuple[str, str]:
    return window.status.epoch_label.text().split(" / ")[0], window.status.step_label.text()


def test_status_bar_shows_the_redone_training_of_a_reset(qtbot, window: MainWindow) -> None:
    window.open_sample("xor")
    _settle(qtbot, window)
    _train_epochs(qtbot, window, 3)
    before = _shown(window)
    assert before[0] == "Epoch 3"
    window.reset_weights()
    _settle(qtbot, window)
    assert _shown(window) == ("Epoch 0", "Step 0")
    _train_epochs(qtbot, window, 2)
    after = _shown(window)
    assert after[0] == "Epoch 2"
    assert window.step_undo_stack(redo=False)
    _settle(qtbot, window)
    assert _shown(window) == before
    assert window.step_undo_stack(redo=True)
    _settle(qtbot, window)
    assert _shown(window) == after
    summary = window.properties_dock.properties.summary_page
    assert summary.fields["Weights"].text().startswith("Trained for 2 epochs")


def test_status_bar_shows_the_training_of_hand_edited_weights_after_undo_and_redo(
    qtbot, window: MainWindow
) -> None:
    window.open_sample("xor")
    _settle(qtbot, window)
    _train_epochs(qtbot, window, 3)
    trained = _shown(window)
    assert window.document.set_parameter(0, 0, 0, 0.5)
    _settle(qtbot, window)
    assert _shown(window) == trained
    assert window.step_undo_stack(redo=False)
    _settle(qtbot, window)
    assert _shown(window) == trained
    assert window.step_undo_stack(redo=True)
    _settle(qtbot, window)
    assert _shown(window) == trained
