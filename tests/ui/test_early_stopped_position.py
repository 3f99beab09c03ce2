"""After early stopping puts the best epoch's weights back, the studio keeps (and saves) the
position of those weights, not of the epoch where the run stopped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nnstudio.io.project import load_project
from tests.ui.test_training_position import TIMEOUT, _settle

pytestmark = pytest.mark.gui


def test_early_stopping_keeps_and_saves_the_restored_epochs_position(
    qtbot, window, tmp_path: Path
) -> None:
    window.open_sample("iris")
    document = window.document
    training = replace(document.project.training, early_stopping=5, epochs=2000, learning_rate=0.05)
    assert document.set_training(training)
    _settle(qtbot, window)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.controller.state == "early_stopped", timeout=TIMEOUT)
    _settle(qtbot, window)
    snapshot = window.controller.latest_frame.snapshot
    best = snapshot.best_epoch
    assert best is not None and snapshot.epoch == best + 5
    epoch, step = document.training_position
    assert epoch == best and 0 < step < snapshot.step
    weights = window.properties_dock.properties.summary_page.fields["Weights"].text()
    assert weights.startswith(f"Trained for {best:,} epochs")
    saved = document.save(tmp_path / "stopped.nnproj")
    assert load_project(saved).training_position == (epoch, step)
