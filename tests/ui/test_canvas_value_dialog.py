"""Editing a weight or bias on the canvas (Enter, double-click): what the dialog shows and reads.

OK on the value as shown must leave it exactly as it was (no rounding to a few decimals, no
clamping to a narrow range, no undo step); typed values are read as Properties › Weight w
reads them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from nnstudio.ui.qt import QtCore, QtWidgets
from nnstudio.ui.selection import Selection
from nnstudio.workflow import build_network
from tests.ui.test_canvas import open_canvas, xor_project

pytestmark = pytest.mark.gui

EDGE = Selection("edge", 1, 1, 0)  # W1[0, 1]: x1 → Hidden 1 neuron 2
OUTPUT_NEURON = Selection("neuron", 2, 0)


def _with_weight(document: Any, value: float, *, bias: bool = False) -> None:
    """Trained-like weights with W1[0, 1] (or the output's bias) set to ``value``."""
    weights = [(W.copy(), b.copy()) for W, b in build_network(document.project).weights()]
    document.set_weights(tuple(weights))
    if bias:
        weights[1][1][0] = value
    else:
        weights[0][0][0, 1] = value
    document.set_weights(tuple(weights), position=(3, 12))


def _answer(
    act: Callable[[], object], respond: Callable[[QtWidgets.QDialog, dict], None]
) -> tuple[object, dict]:
    """Run ``act``, which opens a modal dialog; ``respond`` handles it, then it is closed."""
    seen: dict = {}

    def handle() -> None:
        dialog = QtWidgets.QApplication.activeModalWidget()
        if not isinstance(dialog, QtWidgets.QDialog):
            QtCore.QTimer.singleShot(10, handle)
            return
        try:
            seen["text"] = dialog.findChild(QtWidgets.QLineEdit).text()
            seen["labels"] = [label.text() for label in dialog.findChildren(QtWidgets.QLabel)]
            respond(dialog, seen)
        finally:
            if dialog.isVisible():
                dialog.reject()

    QtCore.QTimer.singleShot(0, handle)
    return act(), seen


def _ok(dialog: QtWidgets.QDialog) -> None:
    box = dialog.findChild(QtWidgets.QDialogButtonBox)
    box.button(QtWidgets.QDialogButtonBox.StandardButton.Ok).click()


def _ok_untouched(dialog: QtWidgets.QDialog, _seen: dict) -> None:
    _ok(dialog)


def _type_and_ok(text: str) -> Callable[[QtWidgets.QDialog, dict], None]:
    def respond(dialog: QtWidgets.QDialog, seen: dict) -> None:
        dialog.findChild(QtWidgets.QLineEdit).setText(text)
        _ok(dialog)
        seen["open"] = dialog.isVisible()
        seen["labels"] = [
            label.text()
            for label in dialog.findChildren(QtWidgets.QLabel)
            if label.isVisible() and label.text()
        ]

    return respond


def _snapshot(document: Any) -> list[np.ndarray]:
    return [array.copy() for pair in document.weights for array in pair]


def _same(document: Any, snapshot: list[np.ndarray]) -> bool:
    arrays = [array for pair in document.weights for array in pair]
    return all(a.tobytes() == b.tobytes() for a, b in zip(arrays, snapshot, strict=True))


@pytest.mark.parametrize("value", [-0.5811349749565125, 3.5e-05, 2.5e7, 1e30])
def test_ok_on_the_value_as_shown_leaves_the_weight_exactly_as_it_was(qtbot, value) -> None:
    document, canvas = open_canvas(qtbot, xor_project())
    _with_weight(document, value)
    held = document.weights[0][0][0, 1]
    snapshot, steps, dirty = _snapshot(document), document.undo_stack.count(), document.is_dirty
    # Enter on the selected connection, then OK without typing.
    canvas.select(EDGE)
    canvas.setFocus()
    changed, seen = _answer(lambda: qtbot.keyClick(canvas, QtCore.Qt.Key.Key_Return), _ok_untouched)
    assert changed is None  # keyClick returns nothing
    # The value in full: its text reads back as the very number the weight holds.
    assert held.dtype.type(float(seen["text"])) == held
    assert _same(document, snapshot)
    assert document.undo_stack.count() == steps
    assert document.is_dirty == dirty
    assert document.training_position == (3, 12)


def test_ok_on_a_bias_as_shown_leaves_it_as_it_was(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())
    _with_weight(document, 0.049999989, bias=True)
    snapshot, steps = _snapshot(document), document.undo_stack.count()
    changed, seen = _answer(lambda: canvas.edit_value(OUTPUT_NEURON), _ok_untouched)
    assert changed is False
    assert float(np.float32(float(seen["text"]))) == float(document.weights[1][1][0])
    assert _same(document, snapshot)
    assert document.undo_stack.count() == steps


def test_typed_values_are_read_as_properties_reads_them(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())
    _with_weight(document, -0.25)
    # A decimal comma, as Properties › Weight w takes it.
    changed, seen = _answer(lambda: canvas.edit_value(EDGE), _type_and_ok("1,5"))
    assert changed is True and not seen["open"]
    assert float(document.weights[0][0][0, 1]) == 1.5
    assert document.undo_stack.undoText() == "Edit weight"
    # Far beyond ±1e6, but a float32 holds it: taken as typed, not clamped.
    changed, _seen = _answer(lambda: canvas.edit_value(EDGE), _type_and_ok("1e30"))
    assert changed is True
    assert document.weights[0][0][0, 1] == np.float32(1e30)
    steps, snapshot = document.undo_stack.count(), _snapshot(document)
    # Refused with the reason, the dialog staying open; nothing changes.
    refusals = (("1e39", "float32"), ("nan", "not a finite number"), ("abc", "not a number"))
    for typed, reason in refusals:
        changed, seen = _answer(lambda: canvas.edit_value(EDGE), _type_and_ok(typed))
        assert seen["open"], typed
        assert any(reason in label for label in seen["labels"]), (typed, seen["labels"])
        assert changed is False
        assert _same(document, snapshot)
        assert document.undo_stack.count() == steps


def test_the_dialog_names_the_input_as_the_canvas_does(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())
    _with_weight(document, 0.5)
    _changed, seen = _answer(lambda: canvas.edit_value(EDGE), lambda _d, _s: None)
    assert "W1[0, 1] (x1 → Hidden 1 neuron 2):" in seen["labels"]
    assert not any("Input neuron" in label for label in seen["labels"])
    # The hover text names it the same way.
    assert canvas.describe(EDGE) == "W1[0, 1] (x1 → Hidden 1 neuron 2) = 0.500"
