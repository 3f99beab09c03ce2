"""The canvas from the keyboard: connections, deleting layers one after another, undo."""

from __future__ import annotations

import pytest

from nnstudio.ui.canvas.view import ValueDialog
from nnstudio.ui.qt import QtCore
from nnstudio.ui.selection import Selection
from nnstudio.workflow import build_network
from tests.ui.test_canvas import open_canvas, spiral_project

pytestmark = pytest.mark.gui

Key = QtCore.Qt.Key
SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier


def test_connections_are_reached_and_edited_without_the_mouse(qtbot, monkeypatch) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), (900, 600))
    document.set_weights(build_network(document.project).weights())
    status: list[str] = []
    canvas.hoverTextChanged.connect(status.append)
    canvas.setFocus()
    canvas.select(Selection("neuron", 1, 2))
    # Shift+→: onto the neuron's first outgoing connection; ↓ steps through the others.
    qtbot.keyClick(canvas, Key.Key_Right, SHIFT)
    assert canvas.selection() == Selection("edge", 2, 0, 2)
    qtbot.keyClick(canvas, Key.Key_Down)
    qtbot.keyClick(canvas, Key.Key_Down)
    assert canvas.selection() == Selection("edge", 2, 2, 2)
    # The status bar names the connection and its weight, as when it is hovered.
    weight = float(document.weights[1][0][2, 2])
    assert status[-1] == canvas.describe(Selection("edge", 2, 2, 2))
    assert status[-1].startswith("W2[2, 2]") and f"{weight:.3f}" in status[-1]
    # Enter edits that weight.
    monkeypatch.setattr(ValueDialog, "ask", staticmethod(lambda *args, **kwargs: 0.5))
    qtbot.keyClick(canvas, Key.Key_Return)
    assert document.weights[1][0][2, 2] == pytest.approx(0.5)
    # Shift+→ again: along the connection to the neuron at its far end.
    qtbot.keyClick(canvas, Key.Key_Right, SHIFT)
    assert canvas.selection() == Selection("neuron", 2, 2)
    # Shift+←: its incoming connections; ↓ then steps through their sources.
    qtbot.keyClick(canvas, Key.Key_Left, SHIFT)
    assert canvas.selection() == Selection("edge", 2, 2, 0)
    qtbot.keyClick(canvas, Key.Key_Down)
    assert canvas.selection() == Selection("edge", 2, 2, 1)
    qtbot.keyClick(canvas, Key.Key_Up)
    qtbot.keyClick(canvas, Key.Key_Up)  # stops at the first
    assert canvas.selection() == Selection("edge", 2, 2, 0)
    # Shift+← again: back along it to its source.
    qtbot.keyClick(canvas, Key.Key_Left, SHIFT)
    assert canvas.selection() == Selection("neuron", 1, 0)
    assert status[-1] == canvas.describe(Selection("neuron", 1, 0))


def test_inputs_have_no_incoming_and_outputs_no_outgoing_connections(qtbot) -> None:
    _document, canvas = open_canvas(qtbot, spiral_project(), (900, 600))
    canvas.setFocus()
    canvas.select(Selection("neuron", 0, 1))
    qtbot.keyClick(canvas, Key.Key_Left, SHIFT)
    assert canvas.selection() == Selection("neuron", 0, 1)
    canvas.select(Selection("neuron", 3, 0))
    qtbot.keyClick(canvas, Key.Key_Right, SHIFT)
    assert canvas.selection() == Selection("neuron", 3, 0)


def test_down_with_nothing_selected_picks_the_first_hidden_neuron(qtbot) -> None:
    _document, canvas = open_canvas(qtbot, spiral_project(), (900, 600))
    canvas.setFocus()
    assert canvas.selection() is None
    qtbot.keyClick(canvas, Key.Key_Down)
    assert canvas.selection() == Selection("neuron", 1, 0)


def test_delete_selects_a_neighbour_and_undo_the_restored_layer(qtbot) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), (900, 600))
    document.add_layer(position=2)
    document.change_units(0, 2)
    document.change_units(2, 3)
    # Three hidden layers, told apart by their sizes.
    assert document.project.network.sizes[1:4] == (10, 8, 11)
    emitted: list[Selection | None] = []
    canvas.selectionChanged.connect(emitted.append)
    canvas.setFocus()
    canvas.select(Selection("layer", 2))
    qtbot.keyClick(canvas, Key.Key_Delete)
    # The next hidden layer, now in the deleted one's place, is selected (and announced: the
    # same Selection value stands for another layer now).
    assert len(document.project.network.layers) == 3
    assert canvas.selection() == Selection("layer", 2)
    assert emitted[-1] == Selection("layer", 2)
    assert len(emitted) == 2
    qtbot.keyClick(canvas, Key.Key_Delete)
    # No hidden layer after it: the one before.
    assert len(document.project.network.layers) == 2
    assert canvas.selection() == Selection("layer", 1)
    qtbot.keyClick(canvas, Key.Key_Delete)
    # None left: the output layer, where Delete does nothing.
    assert len(document.project.network.layers) == 1
    assert canvas.selection() == Selection("layer", 1)
    qtbot.keyClick(canvas, Key.Key_Delete)
    assert len(document.project.network.layers) == 1
    # Undo brings the last deleted layer back, selected.
    document.undo_stack.undo()
    assert len(document.project.network.layers) == 2
    assert canvas.selection() == Selection("layer", 1)
    document.undo_stack.undo()
    assert len(document.project.network.layers) == 3
    assert canvas.selection() == Selection("layer", 2)
    document.undo_stack.undo()
    assert len(document.project.network.layers) == 4
    assert canvas.selection() == Selection("layer", 2)
    # An undo that brings no layer back leaves the selection alone.
    canvas.select(Selection("neuron", 3, 0))
    document.undo_stack.undo()  # the third layer's size
    assert document.project.network.sizes[3] == 8
    assert canvas.selection() == Selection("neuron", 3, 0)
