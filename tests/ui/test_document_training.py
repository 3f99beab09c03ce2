"""Undo and redo of the document's weights reach the training process."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.worker import TrainingController
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui

TIMEOUT = 20_000


def _xor_project() -> Project:
    return Project(
        name="XOR",
        data=BuiltinData(builtin="xor", samples=200, noise=0.1, seed=1),
        network=NetworkSpec(inputs=2, layers=(LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        # Plain SGD with a small rate: one step moves a weight by far less than the edit.
        training=TrainingSpec(optimizer="sgd", learning_rate=0.01, batch_size=32, epochs=300),
    )


@pytest.fixture
def document(qtbot) -> StudioDocument:
    doc = StudioDocument()
    doc.open_project(_xor_project())
    return doc


def _step(qtbot, controller: TrainingController) -> None:
    """One training step, waiting until its weights are back in the document."""
    before = controller.latest_frame
    step = 0 if before is None or before.snapshot is None else before.snapshot.step
    controller.step()
    qtbot.waitUntil(
        lambda: (
            controller.latest_frame is not None
            and controller.latest_frame.snapshot is not None
            and controller.latest_frame.snapshot.step > step
            and controller.state == "paused"
        ),
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(
        lambda: controller._document.weights is controller.latest_frame.weights, timeout=TIMEOUT
    )


def _frame_weight(controller: TrainingController) -> float:
    return float(controller.latest_frame.weights[0][0][1, 2])


def test_undoing_a_hand_edit_after_training_trains_on_from_the_restored_weight(
    qtbot, controller: TrainingController, document: StudioDocument
) -> None:
    _step(qtbot, controller)
    trained = float(document.weights[0][0][1, 2])
    document.set_parameter(0, 1, 2, 5.0)
    qtbot.waitUntil(lambda: _frame_weight(controller) == pytest.approx(5.0), timeout=TIMEOUT)
    document.undo_stack.undo()
    assert float(document.weights[0][0][1, 2]) == pytest.approx(trained)
    # The views and the next step start from the restored weight, not the edited one.
    qtbot.waitUntil(lambda: _frame_weight(controller) == pytest.approx(trained), timeout=TIMEOUT)
    _step(qtbot, controller)
    assert float(document.weights[0][0][1, 2]) == pytest.approx(trained, abs=0.5)


def test_undoing_reset_weights_after_training_trains_on_from_the_trained_weights(
    qtbot, controller: TrainingController, document: StudioDocument
) -> None:
    _step(qtbot, controller)
    trained = document.weights
    fresh = tuple((np.full_like(W, 0.5), np.zeros_like(b)) for W, b in trained)
    document.reinitialise(fresh)
    qtbot.waitUntil(lambda: _frame_weight(controller) == pytest.approx(0.5), timeout=TIMEOUT)
    document.undo_stack.undo()
    expected = float(trained[0][0][1, 2])
    qtbot.waitUntil(lambda: _frame_weight(controller) == pytest.approx(expected), timeout=TIMEOUT)


def test_restored_weights_keep_counting_as_fresh_or_trained(qtbot, document) -> None:
    initial = build_network(document.project).weights()
    document.set_weights(initial)
    assert not document.has_trained_weights
    document.set_parameter(0, 0, 0, 2.0)
    assert document.has_trained_weights
    document.undo_stack.undo()
    # Back to the seed's initialisation: a shape edit need not ask about losing work.
    assert not document.has_trained_weights
    fresh = tuple((W * 0.0, b) for W, b in initial)
    document.reinitialise(fresh)
    assert not document.has_trained_weights
    document.undo_stack.undo()
    document.undo_stack.redo()
    assert not document.has_trained_weights
