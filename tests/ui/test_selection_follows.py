"""A selection stays on the layer it was made on when layers are inserted, removed or moved
before it (and when those edits are undone and redone), or is cleared when what it named is
gone: never another layer under the same number."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnstudio.ui.document import StudioDocument
from nnstudio.ui.qt import QtCore
from nnstudio.ui.selection import Selection, renumbered_layer, renumbered_selection
from nnstudio.workflow import build_network
from tests.ui.test_canvas import open_canvas, spiral_project

pytestmark = pytest.mark.gui

Key = QtCore.Qt.Key
SHIFT = QtCore.Qt.KeyboardModifier.ShiftModifier
CTRL = QtCore.Qt.KeyboardModifier.ControlModifier


def _told_apart(document: StudioDocument, *units: int) -> None:
    """Give the hidden layers the sizes ``units`` (2-8-9-1 for 8, 9), so each is recognised."""
    while len(document.project.network.layers) - 1 < len(units):
        document.add_layer()
    for index, size in enumerate(units):
        layers = document.project.network.layers
        if layers[index].units != size:
            document.change_units(index, size - layers[index].units)
    document.undo_stack.clear()


def _hidden_units(document: StudioDocument) -> list[int]:
    return [layer.units for layer in document.project.network.hidden]


# ---- the mapping ---------------------------------------------------------------------------


def test_renumbered_layer_and_selection() -> None:
    inserted = (1, 2, 3)  # 3 layers, one inserted at position 0
    assert renumbered_layer(0, inserted) == 0  # the inputs stay
    assert renumbered_layer(2, inserted) == 3
    assert renumbered_layer(4, inserted) is None  # no such layer before
    removed = (0, None, 1)  # hidden 2 of 2-8-9-9-1 removed
    assert renumbered_layer(2, removed) is None
    assert renumbered_layer(3, removed) == 2
    sizes = (2, 8, 8, 9, 1)
    neuron = Selection("neuron", 2, 3)
    assert renumbered_selection(neuron, inserted, sizes) == Selection("neuron", 3, 3)
    assert renumbered_selection(neuron, removed, (2, 8, 1)) is None
    # A neuron beyond its layer's new size is gone.
    assert renumbered_selection(Selection("neuron", 2, 8), (0, 1, 2), (2, 8, 4, 1)) is None
    # A connection follows its two layers while they stay neighbours...
    edge = Selection("edge", 2, 3, 5)
    assert renumbered_selection(edge, inserted, sizes) == Selection("edge", 3, 3, 5)
    # ... and is gone once a layer comes between them.
    assert renumbered_selection(edge, (0, 2, 3), sizes) is None
    assert renumbered_selection(Selection("layer", 3), inserted, sizes) == Selection("layer", 4)
    assert renumbered_selection(None, inserted, sizes) is None


def test_the_document_says_how_each_edit_renumbers_the_layers(qapp) -> None:
    document = StudioDocument()  # 2-4-4-1
    told: list[tuple[int | None, ...]] = []
    document.layersRenumbered.connect(told.append)
    document.change_units(0, 1)  # 2-5-4-1: no layer moves, nothing is said
    document.add_layer(position=1)  # 2-5-5-4-1
    document.remove_layer(0)  # 2-5-4-1
    document.move_layer(0, 1)  # 2-4-5-1
    assert told == [(0, 2, 3), (None, 0, 1, 2), (1, 0, 2)]
    told.clear()
    for _ in range(4):
        document.undo_stack.undo()
    assert told == [(1, 0, 2), (1, 2, 3), (0, None, 1, 2)]
    told.clear()
    document.undo_stack.redo()
    document.undo_stack.redo()
    assert told == [(0, 2, 3)]


# ---- the canvas ----------------------------------------------------------------------------


def test_a_neuron_stays_selected_when_a_layer_is_inserted_before_it(qtbot) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), (900, 600))
    _told_apart(document, 8, 9)
    canvas.select(Selection("neuron", 2, 3))
    heard: list[object] = []
    canvas.selectionChanged.connect(heard.append)
    document.projectChanged.connect(lambda _p: heard.append("project"))
    assert document.add_layer(position=0)
    assert _hidden_units(document) == [8, 8, 9]
    assert canvas.selection() == Selection("neuron", 3, 3)
    # Said once, and before anything shows the new network.
    assert heard[0] == Selection("neuron", 3, 3)
    assert heard.count(Selection("neuron", 3, 3)) == 1 and "project" in heard
    # The highlight is on the layer of 9, not on the one now numbered 2.
    assert canvas.columns[3].selected_position is not None
    assert canvas.columns[2].selected_position is None
    document.undo_stack.undo()
    assert canvas.selection() == Selection("neuron", 2, 3)
    assert canvas.columns[2].selected_position is not None
    document.undo_stack.redo()
    assert canvas.selection() == Selection("neuron", 3, 3)


def test_selections_follow_removed_and_moved_layers(qtbot) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), (900, 600))
    _told_apart(document, 8, 9, 10)  # 2-8-9-10-1
    # A layer removed before the selected one.
    canvas.select(Selection("neuron", 3, 9))
    assert document.remove_layer(0)
    assert canvas.selection() == Selection("neuron", 2, 9)
    document.undo_stack.undo()
    assert canvas.selection() == Selection("layer", 1)  # the restored layer, as ever
    # The selected layer removed: nothing is selected (the next layer took its number).
    canvas.select(Selection("neuron", 2, 3))
    assert document.remove_layer(1)
    assert canvas.selection() is None
    document.undo_stack.undo()
    assert canvas.selection() == Selection("layer", 2)
    # The output layer stays the output layer.
    canvas.select(Selection("layer", 4))
    assert document.add_layer(position=1)
    assert canvas.selection() == Selection("layer", 5)
    document.undo_stack.undo()
    assert canvas.selection() == Selection("layer", 4)
    # A layer moved past the selected one, then back by undo.
    canvas.select(Selection("neuron", 2, 5))
    assert document.move_layer(0, 2)
    assert _hidden_units(document) == [9, 10, 8]
    assert canvas.selection() == Selection("neuron", 1, 5)
    document.undo_stack.undo()
    assert canvas.selection() == Selection("neuron", 2, 5)


def test_a_connection_follows_its_layers_or_is_cleared(qtbot) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), (900, 600))
    _told_apart(document, 8, 9)
    document.set_weights(build_network(document.project).weights())
    canvas.setFocus()
    # Reached from neuron 4 of Hidden 2 along its incoming connections.
    canvas.select(Selection("neuron", 2, 3))
    qtbot.keyClick(canvas, Key.Key_Left, SHIFT)
    qtbot.keyClick(canvas, Key.Key_Down)
    assert canvas.selection() == Selection("edge", 2, 3, 1)
    assert document.add_layer(position=0)
    assert canvas.selection() == Selection("edge", 3, 3, 1)
    # ↓ still steps through the sources of the same neuron.
    qtbot.keyClick(canvas, Key.Key_Down)
    assert canvas.selection() == Selection("edge", 3, 3, 2)
    document.undo_stack.undo()
    assert canvas.selection() == Selection("edge", 2, 3, 2)
    # A layer inserted between its two layers: that connection is no more.
    assert document.add_layer(position=1)
    assert canvas.selection() is None
    document.undo_stack.undo()
    assert canvas.selection() is None


def test_the_keyboard_walks_on_from_a_followed_selection(qtbot) -> None:
    document, canvas = open_canvas(qtbot, spiral_project(), (900, 600))
    _told_apart(document, 8, 9)
    canvas.setFocus()
    canvas.select(Selection("neuron", 2, 3))
    assert document.add_layer(position=0)
    qtbot.keyClick(canvas, Key.Key_Down)
    assert canvas.selection() == Selection("neuron", 3, 4)
    qtbot.keyClick(canvas, Key.Key_Left)
    assert canvas.selection() == Selection("layer", 2)
    qtbot.keyClick(canvas, Key.Key_Right)
    qtbot.keyClick(canvas, Key.Key_Right)
    assert canvas.selection() == Selection("layer", 4)  # the output
    # Ctrl+← moves a selected neuron's layer, and the neuron stays selected.
    canvas.select(Selection("neuron", 3, 6))
    qtbot.keyClick(canvas, Key.Key_Left, CTRL)
    assert _hidden_units(document) == [8, 9, 8]
    assert canvas.selection() == Selection("neuron", 2, 6)
    document.undo_stack.undo()
    assert canvas.selection() == Selection("neuron", 3, 6)


# ---- the studio ----------------------------------------------------------------------------


def test_properties_plots_and_preview_follow_the_selected_layer(qtbot, window, tmp_path) -> None:
    window.open_sample("spiral")  # 2-16-16-1
    document = window.document
    _told_apart(document, 8, 9)
    props = window.properties_dock.properties
    with qtbot.capture_exceptions() as exceptions:
        window.canvas.select(Selection("neuron", 2, 3))
        assert props.neuron_page.view.title_label.text().startswith("Hidden 2 · neuron 4")
        assert document.add_layer(position=0)
    assert not exceptions, exceptions
    followed = Selection("neuron", 3, 3)
    assert window.selection == followed and props.selection == followed
    assert props.page_name == "neuron" and props.neuron_page.selection == followed
    assert props.neuron_page.view.title_label.text().startswith("Hidden 3 · neuron 4")
    assert window.plots._selected_layer == 2  # the Weights and Activations tabs' layer
    assert window.data_panel._selected_neuron == (3, 3)
    assert window.grab().save(str(_shot_path(tmp_path, "after_insert")))
    with qtbot.capture_exceptions() as exceptions:
        window.undo_action.trigger()
        assert props.neuron_page.view.title_label.text().startswith("Hidden 2 · neuron 4")
        window.redo_action.trigger()
        assert props.neuron_page.view.title_label.text().startswith("Hidden 3 · neuron 4")
        # The selected layer removed: back to the project summary.
        assert document.remove_layer(2)
    assert not exceptions, exceptions
    assert window.selection is None and props.selection is None
    assert props.page_name == "summary"
    assert window.plots._selected_layer is None
    assert window.data_panel._selected_neuron is None


def _shot_path(tmp_path: Path, name: str) -> Path:
    """Where a rendering is saved: ``NNSTUDIO_TEST_SHOTS`` to be looked at, else ``tmp_path``."""
    folder = Path(os.environ.get("NNSTUDIO_TEST_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"selection_{name}.png"
