"""A trained project, saved and opened again, shows how far its weights were trained, and
Play counts on from there up to the Epochs set, as it would have before saving."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.io.project import load_project
from nnstudio.ui.main_window import MainWindow
from nnstudio.ui.qt import QtCore
from tests.ui.test_training_position import TIMEOUT, _settle, _train_epochs

pytestmark = pytest.mark.gui


@pytest.fixture
def second_window(qtbot, settings: QtCore.QSettings) -> Iterator[MainWindow]:
    """Another studio window, as a project opened later (or in a new session) gets."""
    other = MainWindow(settings=settings, restore_layout=False)
    qtbot.addWidget(other)
    other.resize(1280, 800)
    other.show()
    qtbot.waitExposed(other)
    yield other
    other.close_without_asking()
    other.shutdown()


def _save_trained_xor(qtbot, window: MainWindow, path: Path, *, epochs: int) -> None:
    """Train the XOR sample (full batch: one step an epoch) for 3 epochs and save it with
    ``epochs`` as its Epochs."""
    window.open_sample("xor")
    document = window.document
    assert document.set_training(replace(document.project.training, epochs=10))
    _settle(qtbot, window)
    _train_epochs(qtbot, window, 3)
    assert document.set_training(replace(document.project.training, epochs=epochs))
    assert document.save(path) == path.resolve()


def _weights_text(window: MainWindow) -> str:
    return window.properties_dock.properties.summary_page.fields["Weights"].text()


def test_a_reopened_project_shows_its_epoch_and_play_counts_on(
    qtbot, window: MainWindow, second_window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "xor.nnproj"
    _save_trained_xor(qtbot, window, path, epochs=8)
    other = second_window
    assert other.open_path(path, ask=False)
    other.show_plot(0)
    _settle(qtbot, other)
    assert other.document.training_position == (3, 3)
    assert other.status.epoch_label.text() == "Epoch 3 / 8"
    assert other.status.step_label.text() == "Step 3"
    assert _weights_text(other) == "Trained for 3 epochs (3 steps)"

    # Recorded as shown: on a busy machine the message may time out before it is read.
    messages: list[str] = []
    other.statusBar().messageChanged.connect(messages.append)
    other.play_or_pause()
    qtbot.waitUntil(lambda: other.controller.state == "finished", timeout=TIMEOUT)
    _settle(qtbot, other)
    assert other.status.epoch_label.text() == "Epoch 8 / 8"
    assert other.status.step_label.text() == "Step 8"
    assert "Finished 8 epochs (8 steps)." in messages
    assert _weights_text(other) == "Trained for 8 epochs (8 steps)"
    # The run's curve starts at the epoch the saved weights had reached.
    epochs = other.plots.loss_tab.train_curve.getData()[0]
    np.testing.assert_array_equal(epochs, np.arange(3.0, 9.0))

    # An undone hand edit and Save As keep the position the weights have.
    document = other.document
    assert document.set_parameter(0, 0, 0, 0.5)
    assert other.step_undo_stack(redo=False)
    assert document.training_position == (8, 8)
    copy = tmp_path / "copy" / "xor copy.nnproj"
    copy.parent.mkdir()
    document.save(copy)
    assert load_project(copy).training_position == (8, 8)


def test_a_reopened_project_trained_beyond_its_epochs_says_so(
    qtbot, window: MainWindow, second_window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "xor.nnproj"
    _save_trained_xor(qtbot, window, path, epochs=2)
    other = second_window
    assert other.open_path(path, ask=False)
    _settle(qtbot, other)
    # Beyond its Epochs, a position is shown without them ("Epoch 3 / 2" would read wrong).
    assert other.status.epoch_label.text() == "Epoch 3"
    assert _weights_text(other) == "Trained for 3 epochs (3 steps)"
    other.play_or_pause()
    qtbot.waitUntil(
        lambda: other.statusBar().currentMessage().startswith("Already trained"), timeout=TIMEOUT
    )
    assert other.statusBar().currentMessage() == (
        "Already trained for 3 epochs, more than the 2 set: raise Epochs to train on, or reset "
        "the weights."
    )
    assert other.document.training_position == (3, 3)


def test_weights_loaded_from_a_projects_weights_file_bring_their_position(
    qtbot, window: MainWindow, second_window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "xor.nnproj"
    _save_trained_xor(qtbot, window, path, epochs=8)
    other = second_window
    other.open_sample("xor")
    _settle(qtbot, other)
    assert other.load_weights(tmp_path / "xor.weights.npz")
    _settle(qtbot, other)
    assert other.document.training_position == (3, 3)
    assert other.status.epoch_label.text() == "Epoch 3 / 600"
    assert _weights_text(other) == "Trained for 3 epochs (3 steps)"
