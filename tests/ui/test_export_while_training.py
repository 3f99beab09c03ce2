"""Exporting while training runs writes the weights the window shows, and says which.

While a run goes on, the document gets the newest weights only a few times a second; an
export must not write weights up to a quarter of a second older than the canvas shows, and
the status bar names the epoch and step of the weights written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.ui.export_dialog import ExportDialog
from nnstudio.ui.worker import run_has_trained

pytestmark = pytest.mark.gui

FRAME_TIMEOUT = 20_000


def test_an_export_during_a_run_writes_the_newest_shown_weights_and_names_their_step(
    qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.open_sample("spiral")
    window.set_training_pace(300.0)  # frames several times between two hand-backs
    target = tmp_path / "weights.npz"
    exported: dict[str, object] = {}

    def export_now(dialog: ExportDialog) -> int:
        dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("npz"))
        dialog.path_edit.setText(str(target))
        exported["frame"] = window.controller.latest_frame
        dialog.accept()
        return int(dialog.result())

    monkeypatch.setattr(ExportDialog, "exec", export_now)
    controller, document = window.controller, window.document
    window.play_action.trigger()
    qtbot.waitUntil(lambda: controller.state == "running", timeout=FRAME_TIMEOUT)

    def document_lags() -> bool:
        frame = controller.latest_frame
        return (
            frame is not None
            and run_has_trained(frame)
            and document.weights is not None
            and document.training_position != (frame.snapshot.epoch, frame.snapshot.step)
        )

    # The document holds older weights than the canvas shows: what an export has to fix.
    qtbot.waitUntil(document_lags, timeout=FRAME_TIMEOUT)
    window.export_dialog()
    window.play_action.trigger()

    frame = exported["frame"]
    saved = np.load(target)
    for index, (W, b) in enumerate(frame.weights, start=1):
        np.testing.assert_array_equal(saved[f"W{index}"], W)
        np.testing.assert_array_equal(saved[f"b{index}"], b)
    epoch, step = frame.snapshot.epoch, frame.snapshot.step
    message = window.statusBar().currentMessage()
    assert message.startswith(f"Exported the weights of epoch {epoch:,}, step {step:,}: ")
    assert str(target) in message
