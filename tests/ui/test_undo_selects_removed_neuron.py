"""Undoing the removal of a selected neuron selects that neuron again, as undoing a removed
layer selects the layer: also the last neuron of its layer, whose removal moved the
selection to the neuron before it, through any number of undo and redo steps, with the
Properties dock showing the neuron the canvas selects."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from nnstudio.ui.qt import QtCore
from nnstudio.ui.selection import Selection
from tests.ui.test_canvas import open_canvas, xor_project
from tests.ui.test_neuron_delete import _arrays, _equal, _trained

pytestmark = pytest.mark.gui

Key = QtCore.Qt.Key


def neuron(layer: int, index: int) -> Selection:
    return Selection("neuron", layer, index)


def test_undoing_the_removal_of_the_last_neuron_selects_it_again(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())  # 2-4-1
    before = _trained(document)
    emitted: list[Selection | None] = []
    canvas.selectionChanged.connect(emitted.append)
    canvas.setFocus()
    canvas.select(neuron(1, 3))
    qtbot.keyClick(canvas, Key.Key_Delete)
    assert document.project.network.sizes == (2, 3, 1)
    assert canvas.selection() == neuron(1, 2)  # the new last neuron
    removed = [array.copy() for array in _arrays(document)]
    for _ in range(3):
        document.undo_stack.undo()
        assert document.project.network.sizes == (2, 4, 1)
        assert _equal(_arrays(document), [array for pair in before for array in pair])
        # The neuron brought back, not the one that was last while it was gone.
        assert canvas.selection() == neuron(1, 3)
        assert emitted[-1] == neuron(1, 3)
        document.undo_stack.redo()
        assert _equal(_arrays(document), removed)
        assert canvas.selection() == neuron(1, 2)
        assert emitted[-1] == neuron(1, 2)


def test_the_last_of_two_neurons_and_a_neuron_in_the_middle_come_back_selected(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())
    _trained(document)
    canvas.setFocus()
    canvas.select(neuron(1, 1))
    qtbot.keyClick(canvas, Key.Key_Delete)  # 2-3-1: the neuron after it takes its place
    canvas.select(neuron(1, 2))
    qtbot.keyClick(canvas, Key.Key_Delete)  # 2-2-1
    canvas.select(neuron(1, 1))
    qtbot.keyClick(canvas, Key.Key_Minus)  # 2-1-1: the last of two
    assert document.project.network.sizes == (2, 1, 1)
    assert canvas.selection() == neuron(1, 0)
    # Something else selected meanwhile: the undo still shows the neuron it brings back.
    canvas.select(Selection("layer", 2))
    steps = [((2, 2, 1), neuron(1, 1)), ((2, 3, 1), neuron(1, 2)), ((2, 4, 1), neuron(1, 1))]
    for sizes, selected in steps:
        document.undo_stack.undo()
        assert document.project.network.sizes == sizes
        assert canvas.selection() == selected
    # Redone, each removal selects what Delete selected.
    for sizes, selected in [((2, 3, 1), neuron(1, 1)), ((2, 2, 1), neuron(1, 1))]:
        document.undo_stack.redo()
        assert document.project.network.sizes == sizes
        assert canvas.selection() == selected
    document.undo_stack.redo()
    assert canvas.selection() == neuron(1, 0)


def test_other_undo_steps_leave_the_selection_where_it_is(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())
    canvas.setFocus()
    canvas.select(neuron(1, 3))
    qtbot.keyClick(canvas, Key.Key_Delete)
    layer = document.project.network.layers[0]
    activation = "relu" if layer.activation != "relu" else "tanh"
    assert document.set_layer(0, replace(layer, activation=activation))
    canvas.select(neuron(1, 0))
    document.undo_stack.undo()  # the activation: no neuron comes back
    assert canvas.selection() == neuron(1, 0)
    document.undo_stack.undo()
    assert canvas.selection() == neuron(1, 3)
    # A neuron removed from a selected layer (its last) leaves the layer selected.
    canvas.select(Selection("layer", 1))
    assert canvas.change_units(1, -1)
    assert canvas.selection() == Selection("layer", 1)
    document.undo_stack.undo()
    assert canvas.selection() == Selection("layer", 1)


def test_properties_show_the_neuron_the_undo_brings_back(qtbot, window: Any) -> None:
    window.open_sample("xor")
    document = window.document
    _trained(document)
    units = document.project.network.layers[0].units
    window.canvas.select(neuron(1, units - 1))
    window.delete_action.trigger()
    props = window.properties_dock.properties
    assert window.canvas.selection() == neuron(1, units - 2)
    for _ in range(2):
        assert window.step_undo_stack(redo=False)
        assert document.project.network.layers[0].units == units
        for selection in (window.canvas.selection(), window.selection, props.selection):
            assert selection == neuron(1, units - 1)
        assert props.page_name == "neuron"
        title = props.neuron_page.view.title_label.text()
        assert f"neuron {units}" in title, title
        assert window.step_undo_stack(redo=True)
        assert document.project.network.layers[0].units == units - 1
        for selection in (window.canvas.selection(), window.selection, props.selection):
            assert selection == neuron(1, units - 2)
        assert props.page_name == "neuron"
        assert f"neuron {units - 1}" in props.neuron_page.view.title_label.text()
