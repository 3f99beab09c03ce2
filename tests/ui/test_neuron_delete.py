"""Removing a selected hidden neuron: that neuron goes, the others keep their trained weights,
one undo step brings it back, and the selection stays on the layer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from nnstudio.ui.document import StudioDocument
from nnstudio.ui.qt import QtCore
from nnstudio.ui.selection import Selection
from nnstudio.workflow import build_network
from tests.ui.test_canvas import open_canvas, spiral_project, xor_project

pytestmark = pytest.mark.gui

Key = QtCore.Qt.Key


def _trained(document: StudioDocument, position: tuple[int, int] = (5, 40)) -> tuple:
    """Give ``document`` weights that count as trained, every value told apart."""
    fresh = build_network(document.project).weights()
    document.set_weights(fresh)
    rng = np.random.default_rng(7)
    weights = tuple(
        (rng.normal(size=W.shape).astype(W.dtype), rng.normal(size=b.shape).astype(b.dtype))
        for W, b in fresh
    )
    document.set_weights(weights, position=position)
    assert document.has_trained_weights
    return tuple((W.copy(), b.copy()) for W, b in weights)


def _without(weights: tuple, layer: int, neuron: int) -> list[np.ndarray]:
    """``weights`` with ``neuron`` of hidden ``layer`` (a network index) taken out."""
    out = [list(pair) for pair in weights]
    out[layer][0] = np.delete(out[layer][0], neuron, axis=1)
    out[layer][1] = np.delete(out[layer][1], neuron)
    out[layer + 1][0] = np.delete(out[layer + 1][0], neuron, axis=0)
    return [array for pair in out for array in pair]


def _arrays(document: StudioDocument) -> list[np.ndarray]:
    return [array for pair in document.weights for array in pair]


def _equal(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(
        x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b, strict=True)
    )


def test_the_given_neuron_goes_and_undo_brings_it_back_exactly(qtbot) -> None:
    document, _canvas = open_canvas(qtbot, spiral_project())  # 2-8-8-1
    before = _trained(document)
    questions: list[str] = []
    document.confirm_discard_weights = lambda question: questions.append(question) or True
    steps = document.undo_stack.count()
    assert document.change_units(1, -1, neuron=2)
    assert document.project.network.sizes == (2, 8, 7, 1)
    # Column 2 of W2, bias 2 of Hidden 2 and row 2 of the output's W go; the rest stays.
    assert _equal(_arrays(document), _without(before, 1, 2))
    assert document.training_position == (5, 40)
    assert questions == []  # nothing trained is lost, so nothing to ask
    assert document.undo_stack.count() == steps + 1
    assert document.undo_stack.undoText() == "Remove neuron"
    document.undo_stack.undo()
    assert _equal(_arrays(document), [array for pair in before for array in pair])
    assert document.training_position == (5, 40)
    document.undo_stack.redo()
    assert _equal(_arrays(document), _without(before, 1, 2))


def test_the_layer_pages_minus_removes_the_last_neuron_keeping_the_others(qtbot, window) -> None:
    window.open_sample("xor")
    document = window.document
    before = _trained(document)
    units = document.project.network.layers[0].units
    window.canvas.select(Selection("layer", 1))
    page = window.properties_dock.properties.layer_page
    qtbot.waitUntil(lambda: page.isVisible() and page.remove_neuron_button.isEnabled())
    page.remove_neuron_button.click()
    assert document.project.network.layers[0].units == units - 1
    assert _equal(_arrays(document), _without(before, 0, units - 1))


def test_delete_and_minus_remove_the_selected_neuron_and_keep_a_selection(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())  # 2-4-1
    before = _trained(document)
    emitted: list[Selection | None] = []
    canvas.selectionChanged.connect(emitted.append)
    canvas.setFocus()
    canvas.select(Selection("neuron", 1, 1))
    qtbot.keyClick(canvas, Key.Key_Delete)
    assert document.project.network.sizes == (2, 3, 1)
    assert _equal(_arrays(document), _without(before, 0, 1))
    # The neuron that took its place is selected, and said to be (it is another neuron).
    assert canvas.selection() == Selection("neuron", 1, 1)
    assert emitted[-1] == Selection("neuron", 1, 1) and len(emitted) == 2
    after_first = [array.copy() for array in _arrays(document)]
    # The last neuron selected: it goes, and the new last one is selected.
    canvas.select(Selection("neuron", 1, 2))
    qtbot.keyClick(canvas, Key.Key_Minus)
    assert document.project.network.sizes == (2, 2, 1)
    kept = [list(pair) for pair in document.weights]
    expected = _without(((after_first[0], after_first[1]), (after_first[2], after_first[3])), 0, 2)
    assert _equal([array for pair in kept for array in pair], expected)
    assert canvas.selection() == Selection("neuron", 1, 1)
    # Delete goes on working down to the last neuron, which stays.
    for _ in range(3):
        qtbot.keyClick(canvas, Key.Key_Delete)
    assert document.project.network.sizes == (2, 1, 1)
    assert canvas.selection() == Selection("neuron", 1, 0)
    # Undo steps back neuron by neuron to the weights trained at first.
    document.undo_stack.undo()
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert _equal(_arrays(document), [array for pair in before for array in pair])


def test_a_selected_neuron_removed_by_undo_leaves_the_selection_on_its_layer(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())
    assert document.change_units(0, 1)  # 2-5-1
    canvas.select(Selection("neuron", 1, 4))
    document.undo_stack.undo()  # the neuron selected is gone
    assert document.project.network.sizes == (2, 4, 1)
    assert canvas.selection() == Selection("neuron", 1, 3)
    # Selecting a neuron the layer does not have selects the layer.
    canvas.select(Selection("neuron", 1, 9))
    assert canvas.selection() == Selection("layer", 1)


def test_edit_delete_and_remove_neuron_take_the_selected_neuron(qtbot, window: Any) -> None:
    window.open_sample("spiral")
    document = window.document
    before = _trained(document)
    units = document.project.network.layers[0].units
    window.canvas.select(Selection("neuron", 1, 0))
    window.delete_action.trigger()
    assert document.project.network.layers[0].units == units - 1
    assert _equal(_arrays(document), _without(before, 0, 0))
    assert window.canvas.selection() == Selection("neuron", 1, 0)
    assert window.properties_dock.properties.page_name == "neuron"
    window.canvas.select(Selection("neuron", 1, units - 2))  # now the last
    window.remove_neuron_action.trigger()
    assert document.project.network.layers[0].units == units - 2
    assert window.canvas.selection() == Selection("neuron", 1, units - 3)
    assert window.properties_dock.properties.page_name == "neuron"
