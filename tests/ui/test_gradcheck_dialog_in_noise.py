"""Check gradients…: layers whose gradients drown in rounding noise show "in noise", neither a
green ok nor a red FAIL, and the summary passes the check and says why; a measurably wrong
gradient is still a red FAIL."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from nnstudio.engine.network import Network
from nnstudio.spec import LayerSpec, NetworkSpec, Project
from nnstudio.ui.csv_import import MUTED_COLOR
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.gradcheck_dialog import GradientCheckDialog
from nnstudio.ui.qt import QtGui
from nnstudio.workflow import build_network
from tests.test_cli_gradcheck_in_noise import LINEAR, _saved

pytestmark = pytest.mark.gui

VERDICT = 6  # the layer table's verdict column
RESULT = 5  # the entries table's verdict column
#: Ten sigmoid layers of four small-weighted units: layers 1-5 cannot be measured.
DEEP = NetworkSpec(
    2,
    (
        *(LayerSpec(4, "sigmoid", init="normal") for _ in range(10)),
        LayerSpec(1, "sigmoid"),
    ),
)


@pytest.fixture
def deep_document(qtbot, tmp_path, monkeypatch) -> StudioDocument:
    monkeypatch.chdir(tmp_path)
    document = StudioDocument()
    assert document.set_network(DEEP, "Deepen")
    return document


def checked(qtbot, document: StudioDocument) -> GradientCheckDialog:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    qtbot.waitUntil(lambda: not dialog.running, timeout=60_000)
    return dialog


def verdict_cells(dialog: GradientCheckDialog) -> list[str]:
    return [dialog.table.item(row, VERDICT).text() for row in range(dialog.table.rowCount())]


def test_layers_in_noise_are_neither_ok_nor_failed(qtbot, deep_document) -> None:
    dialog = checked(qtbot, deep_document)
    assert verdict_cells(dialog) == ["in noise"] * 5 + ["ok"] * 6
    muted = dialog.table.item(0, VERDICT)
    # Not the red of a failure nor the green of a pass, and not bold like them.
    assert muted.foreground().color() == QtGui.QColor(MUTED_COLOR)
    assert not muted.font().bold()
    assert "Neither passed nor failed" in muted.toolTip()
    summary = dialog.summary.text()
    assert "over the 6 measured layers: passed" in summary and "FAILED" not in summary
    assert "15803d" in summary  # in the pass colour
    assert "5 of 11 layers could not be measured (in noise, neither passed nor failed)" in summary
    assert "in layers 1–5 the gradients are too small for the step: even at ε = 0.001" in summary
    # The entries of a layer in noise come first below, each in noise, with their cause.
    assert dialog.entry_layer.currentIndex() == 0
    entries = dialog.entries
    results = {entries.item(row, RESULT).text() for row in range(entries.rowCount())}
    assert results == {"in noise"}
    assert dialog.entries_note.text().endswith("the gradient is too small for the step.")


def test_a_wrong_small_gradient_is_still_a_red_fail(qtbot, deep_document, monkeypatch) -> None:
    real = Network.loss_and_gradients

    def layer_4_five_percent_off(self, *args, **kwargs):
        loss, grads = real(self, *args, **kwargs)
        dW, db = grads[3]
        grads[3] = (dW * 1.05, db)  # gradients around 1e-10, measurable at the largest step
        return loss, grads

    monkeypatch.setattr(Network, "loss_and_gradients", layer_4_five_percent_off)
    dialog = checked(qtbot, deep_document)
    verdicts = verdict_cells(dialog)
    assert verdicts[3] == "FAIL" and verdicts[:3] == ["in noise"] * 3
    assert dialog.table.item(3, VERDICT).foreground().color().red() > 150
    assert "FAILED" in dialog.summary.text()
    # The failing layer's entries show below, its failures first.
    assert dialog.entry_layer.currentIndex() == 3
    assert dialog.entries.item(0, RESULT).text() == "FAIL"


def test_a_check_that_measured_no_layer_says_what_to_try(qtbot, tmp_path, monkeypatch) -> None:
    # A 1-1-1 regression at weights around 1e20 (a diverged network): the loss, about 1e41,
    # rounds away every step, so neither layer can be measured.
    document_dict = copy.deepcopy(LINEAR)
    document_dict["network"]["layers"].insert(0, {"units": 1, "activation": "identity"})
    (W1, b1), (W2, b2) = build_network(Project.from_dict(document_dict)).weights()
    weights = ((np.full_like(W1, 3e20), np.full_like(b1, 1e20)), (np.full_like(W2, 2.0), b2))
    path = _saved(tmp_path / "diverged.nnproj", document_dict, weights)
    monkeypatch.chdir(tmp_path)
    document = StudioDocument()
    document.open(path)
    dialog = checked(qtbot, document)
    assert verdict_cells(dialog) == ["in noise", "in noise"]
    summary = dialog.summary.text()
    assert "No layer could be measured: nothing passed or failed" in summary
    assert summary.endswith(
        "To verify backpropagation, check at fresh weights: Train › Reset weights makes them "
        "(Edit › Undo brings these back)."
    )
