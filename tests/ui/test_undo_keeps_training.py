"""Undo and redo keep the training done between them, within a memory budget.

Undoing an edit that replaced the weights (a shape change, a hand edit, Reset weights) and
redoing it returns exactly to where the user was, trained weights included; the history those
weights live in is bounded in bytes; and weights handed back unchanged are no new work.
"""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec, Weights
from nnstudio.ui import document as document_module
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
        training=TrainingSpec(optimizer="adam", learning_rate=0.05, batch_size=32, epochs=300),
    )


@pytest.fixture
def document(qapp) -> StudioDocument:
    """An XOR document without weights yet (the controller or the test gives them)."""
    doc = StudioDocument()
    doc.open_project(_xor_project())
    return doc


def _first_weights(document: StudioDocument) -> Weights:
    """Hand the document its seed initialisation, as the controller does after an edit."""
    weights = build_network(document.project).weights()
    document.set_weights(weights)
    return weights


def _train(document: StudioDocument, shift: float = 0.25) -> Weights:
    """Hand the document weights that differ from its own, as a training step does."""
    trained = tuple((W + shift, b - shift) for W, b in document.weights)
    document.set_weights(trained)
    return trained


def _same(a: Weights | None, b: Weights | None) -> bool:
    if a is None or b is None:
        return a is b
    return len(a) == len(b) and all(
        np.array_equal(W, W2) and np.array_equal(x, x2)
        for (W, x), (W2, x2) in zip(a, b, strict=True)
    )


def _ask(document: StudioDocument) -> list[str]:
    """Record every question about discarding trained weights (each answered yes)."""
    questions: list[str] = []
    document.confirm_discard_weights = lambda question: questions.append(question) or True
    return questions


# ---- undo then redo returns to the trained weights ---------------------------------------------


def test_redo_of_a_shape_change_brings_back_the_training_done_after_it(document) -> None:
    before = _first_weights(document)
    questions = _ask(document)
    assert document.change_units(0, 1)
    _first_weights(document)
    trained = _train(document)
    document.undo_stack.undo()
    assert document.weights is before
    document.undo_stack.redo()
    assert document.weights is trained
    assert document.has_trained_weights
    # Nothing was lost, so there was nothing to ask about.
    assert questions == []


def test_redo_of_reset_weights_brings_back_the_training_done_after_it(document) -> None:
    _first_weights(document)
    before_reset = _train(document)
    document.reinitialise(build_network(document.project).weights())
    trained = _train(document, 0.5)
    document.undo_stack.undo()
    assert document.weights is before_reset
    document.undo_stack.redo()
    assert document.weights is trained
    assert document.has_trained_weights


def test_redo_of_a_hand_edit_brings_back_the_training_done_after_it(document) -> None:
    _first_weights(document)
    assert document.set_parameter(0, 0, 0, 3.0)
    trained = _train(document)
    document.undo_stack.undo()
    document.undo_stack.redo()
    assert document.weights is trained


def test_undo_after_redo_brings_back_the_training_done_while_undone(document) -> None:
    _first_weights(document)
    assert document.change_units(0, 1)
    _first_weights(document)
    wider = _train(document)
    document.undo_stack.undo()
    narrower = _train(document, 0.5)  # trained on in the state before the edit
    document.undo_stack.redo()
    assert document.weights is wider
    document.undo_stack.undo()
    assert document.weights is narrower


def test_redone_weights_count_as_fresh_or_trained_as_they_did(document) -> None:
    _first_weights(document)
    _train(document)
    questions = _ask(document)
    assert document.add_layer()
    assert len(questions) == 1  # the trained weights are discarded: asked
    fresh = _first_weights(document)
    document.undo_stack.undo()
    assert document.has_trained_weights
    document.undo_stack.redo()
    assert document.weights is fresh
    assert not document.has_trained_weights
    # So the next shape edit has nothing to ask about.
    assert document.add_layer()
    assert len(questions) == 1


def test_undo_and_redo_through_the_window_keep_twenty_epochs_of_training(
    qtbot, controller: TrainingController, document: StudioDocument
) -> None:
    qtbot.waitUntil(lambda: document.weights is not None, timeout=TIMEOUT)
    assert document.change_units(0, 1)
    qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=TIMEOUT)
    for epoch in range(1, 21):
        controller.step_epoch()
        qtbot.waitUntil(
            lambda epoch=epoch: (
                controller.latest_frame.snapshot is not None
                and controller.latest_frame.snapshot.epoch >= epoch
                and controller.state == "paused"
            ),
            timeout=TIMEOUT,
        )
    qtbot.waitUntil(lambda: document.weights is controller.latest_frame.weights, timeout=TIMEOUT)
    trained = document.weights
    document.undo_stack.undo()
    qtbot.wait(200)
    document.undo_stack.redo()
    assert document.weights is trained
    # The training process starts again from the trained weights, not from the seed.
    qtbot.waitUntil(lambda: _same(controller.latest_frame.weights, trained), timeout=TIMEOUT)


# ---- the history's weights stay within a byte budget -------------------------------------------


def _copy_bytes(weights: Weights) -> int:
    return sum(W.nbytes + b.nbytes for W, b in weights)


def test_settings_steps_keep_no_weights_alive(document) -> None:
    _first_weights(document)
    training = document.project.training
    document.set_training(replace(training, learning_rate=0.5))
    gone = weakref.ref(document.weights[0][0])
    _train(document)
    document.set_training(replace(training, learning_rate=0.25))
    gc.collect()
    # A setting's step restores the weights as they are then: it need not keep any.
    assert gone() is None


def test_hand_edits_keep_the_newest_steps_within_the_byte_budget(document, monkeypatch) -> None:
    first = _first_weights(document)
    # Room for three copies of the weights besides the document's own.
    monkeypatch.setattr(
        document_module, "_UNDO_WEIGHTS_BYTES", int(3.5 * _copy_bytes(first)), raising=False
    )
    versions = [first]
    for value in range(1, 11):
        assert document.set_parameter(0, 0, 0, float(value))
        versions.append(document.weights)
    alive = [weakref.ref(weights[0][0]) for weights in versions]
    del versions, first
    gc.collect()
    assert [ref() is not None for ref in alive] == [False] * 7 + [True] * 4
    assert document.undo_stack.count() == 3
    assert document.undo_stack.undoText() == "Edit weight"
    for value in (9.0, 8.0, 7.0):
        assert document.undo_stack.canUndo()
        document.undo_stack.undo()
        assert float(document.weights[0][0][0, 0]) == value
    assert not document.undo_stack.canUndo()
    for _ in range(3):
        document.undo_stack.redo()
    assert float(document.weights[0][0][0, 0]) == 10.0
    assert not document.undo_stack.canRedo()


def test_trimming_keeps_the_saved_state_and_reports_the_new_index(
    document, monkeypatch, tmp_path: Path
) -> None:
    first = _first_weights(document)
    monkeypatch.setattr(
        document_module, "_UNDO_WEIGHTS_BYTES", int(3.5 * _copy_bytes(first)), raising=False
    )
    for value in (1.0, 2.0):
        document.set_parameter(0, 0, 0, value)
    document.save(tmp_path / "edits.nnproj")
    indexes: list[int] = []
    document.undo_stack.indexChanged.connect(indexes.append)
    dirty: list[bool] = []
    document.dirtyChanged.connect(dirty.append)
    for value in (3.0, 4.0):
        document.set_parameter(0, 0, 0, value)
    assert document.undo_stack.count() == 3
    # Views that follow the index learn its new value (two steps before it went).
    assert indexes[-1] == document.undo_stack.index() == 3
    assert dirty and all(dirty)  # never a passing "saved" state while trimming
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert float(document.weights[0][0][0, 0]) == 2.0
    assert not document.is_dirty
    # A saved state the budget dropped is gone: undoing never lands on "clean" again.
    for value in (5.0, 6.0, 7.0, 8.0):
        document.set_parameter(0, 0, 0, value)
    while document.undo_stack.canUndo():
        document.undo_stack.undo()
        assert document.is_dirty


def test_steps_next_to_the_current_state_stay_whatever_they_weigh(
    qtbot, document, monkeypatch
) -> None:
    _first_weights(document)
    monkeypatch.setattr(document_module, "_UNDO_WEIGHTS_BYTES", 0, raising=False)
    for value in (1.0, 2.0, 3.0):
        document.set_parameter(0, 0, 0, value)
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    trained = _train(document)
    qtbot.wait(50)  # a step kept after an undo or redo is trimmed from the event loop
    assert document.undo_stack.count() == 1
    document.undo_stack.redo()
    assert float(document.weights[0][0][0, 0]) == 3.0
    document.undo_stack.undo()
    assert document.weights is trained


def test_redo_steps_farthest_away_go_before_nearer_ones(qtbot, document, monkeypatch) -> None:
    first = _first_weights(document)
    for value in range(1, 7):
        document.set_parameter(0, 0, 0, float(value))
    for _ in range(5):
        document.undo_stack.undo()
    assert float(document.weights[0][0][0, 0]) == 1.0
    monkeypatch.setattr(
        document_module, "_UNDO_WEIGHTS_BYTES", int(2.5 * _copy_bytes(first)), raising=False
    )
    _train(document)  # the next undo keeps these weights too
    document.undo_stack.undo()
    qtbot.wait(50)
    # Index 0 with redo steps to 1 and 2 only; the farther ones went.
    assert document.undo_stack.index() == 0
    assert document.undo_stack.count() == 2
    document.undo_stack.redo()
    document.undo_stack.redo()
    assert float(document.weights[0][0][0, 0]) == 2.0


# ---- equal weights handed back are no new work -------------------------------------------------


def test_equal_weights_handed_back_leave_the_document_clean(document, tmp_path: Path) -> None:
    _first_weights(document)
    trained = _train(document)
    document.save(tmp_path / "xor.nnproj")
    assert not document.is_dirty
    document.set_weights(tuple((W.copy(), b.copy()) for W, b in trained))
    assert not document.is_dirty
    _train(document)
    assert document.is_dirty


def test_an_equal_copy_of_fresh_weights_stays_fresh(document) -> None:
    fresh = _first_weights(document)
    document.set_weights(tuple((W.copy(), b.copy()) for W, b in fresh))
    assert not document.has_trained_weights


def test_undoing_a_setting_after_save_with_training_paused_leaves_it_clean(
    qtbot, controller: TrainingController, document: StudioDocument, tmp_path: Path
) -> None:
    qtbot.waitUntil(lambda: document.weights is not None, timeout=TIMEOUT)
    controller.step_epoch()
    qtbot.waitUntil(
        lambda: (
            controller.latest_frame is not None
            and controller.latest_frame.snapshot is not None
            and controller.latest_frame.snapshot.epoch >= 1
            and controller.state == "paused"
        ),
        timeout=TIMEOUT,
    )
    qtbot.waitUntil(lambda: document.weights is controller.latest_frame.weights, timeout=TIMEOUT)
    document.save(tmp_path / "xor.nnproj")
    frames: list[object] = []
    controller.frameReady.connect(frames.append)
    document.set_training(replace(document.project.training, learning_rate=0.5))
    qtbot.waitUntil(lambda: len(frames) >= 1, timeout=TIMEOUT)
    document.undo_stack.undo()
    qtbot.waitUntil(lambda: len(frames) >= 2, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: document.weights is controller.latest_frame.weights, timeout=TIMEOUT)
    assert not document.is_dirty
