"""The Properties dock after the network changes under it: no page keeps a layer, neuron or
edge that is gone, and hand edits show at once, not after the next training frame."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from nnstudio.ui.docks.properties_dock import PropertiesDock
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.selection import Selection

pytestmark = pytest.mark.gui

#: Where the dock's renderings after each sequence are saved to be looked at, if anywhere.
SHOTS = os.environ.get("NNSTUDIO_TEST_SHOTS")


@pytest.fixture
def document(qapp) -> StudioDocument:
    from nnstudio.workflow import build_network

    doc = StudioDocument()  # 2-4-4-1 on circles
    doc.set_weights(build_network(doc.project).weights())
    return doc


@pytest.fixture
def dock(qtbot, document: StudioDocument) -> PropertiesDock:
    widget = PropertiesDock(document)
    qtbot.addWidget(widget)
    widget.resize(320, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _shoot(widget, name: str) -> None:
    """Render ``widget`` (painting must not fail either), saved as ``name.png`` in ``SHOTS``."""
    image = widget.grab()
    assert not image.isNull()
    if SHOTS:
        folder = Path(SHOTS)
        folder.mkdir(parents=True, exist_ok=True)
        assert image.save(str(folder / f"{name}.png"))


def _no_stale_page(dock: PropertiesDock) -> None:
    """Every page holds only what the current network has."""
    props = dock.properties
    network = props.document.project.network
    index = props.layer_page.index
    assert index is None or 0 <= index < len(network.layers)
    for page in (props.neuron_page, props.edge_page):
        selection = page.selection
        assert selection is None or 0 <= selection.layer < len(network.sizes)


def _toggle_editable(dock: PropertiesDock) -> None:
    """What every change of the training state does (Play, Pause, Step)."""
    dock.set_editable(False)
    dock.set_editable(True)


# ---- a page's layer disappears ----------------------------------------------------------------


def test_undo_of_an_added_layer_the_page_shows(qtbot, dock, document) -> None:
    assert document.add_layer()  # 2-4-4-4-1
    output = len(document.project.network.layers)
    with qtbot.capture_exceptions() as exceptions:
        dock.set_selection(Selection("layer", output))
        document.undo_stack.undo()  # 2-4-4-1: that layer index is gone
        _toggle_editable(dock)
    assert not exceptions, exceptions
    assert dock.properties.page_name == "summary"
    _no_stale_page(dock)
    _shoot(dock, "undo_added_layer")


def test_a_layer_removed_elsewhere_while_the_output_layer_is_shown(qtbot, dock, document) -> None:
    output = len(document.project.network.layers)
    with qtbot.capture_exceptions() as exceptions:
        dock.set_selection(Selection("layer", output))
        assert document.remove_layer(0)  # the canvas's Delete, not the page's button
        _toggle_editable(dock)
    assert not exceptions, exceptions
    assert dock.properties.page_name == "summary"
    _no_stale_page(dock)


def test_the_remove_layer_button_leaves_no_stale_page(qtbot, dock, document) -> None:
    with qtbot.capture_exceptions() as exceptions:
        dock.set_selection(Selection("layer", 2))
        dock.properties.layer_page.remove_layer_button.click()
        document.undo_stack.undo()
        document.undo_stack.redo()
        _toggle_editable(dock)
    assert not exceptions, exceptions
    assert dock.properties.page_name == "summary"
    _no_stale_page(dock)


@pytest.mark.parametrize(
    "selection",
    [
        Selection("layer", 3),  # spiral's output layer; xor has two layers
        Selection("neuron", 2, 12),
        Selection("neuron", 3, 0),
        Selection("edge", 2, 12, 3),
        Selection("edge", 3, 0, 9),
    ],
    ids=str,
)
def test_opening_a_smaller_project_while_a_page_is_shown(
    qtbot, dock, document, sample, selection: Selection
) -> None:
    document.open(sample("spiral"))  # 2-16-16-1
    with qtbot.capture_exceptions() as exceptions:
        dock.set_selection(selection)
        assert dock.properties.page_name != "summary"
        # Its path changes before its project: every signal finds the new network.
        document.open(sample("xor"))  # 2-4-1
        _toggle_editable(dock)
    assert not exceptions, exceptions
    assert dock.properties.page_name == "summary"
    _no_stale_page(dock)
    _shoot(dock, f"open_smaller_{selection.kind}_{selection.layer}")


def test_an_input_neuron_beyond_the_new_inputs(qtbot, dock, document, sample) -> None:
    document.open(sample("iris"))  # four inputs
    with qtbot.capture_exceptions() as exceptions:
        dock.set_selection(Selection("neuron", 0, 3))
        document.open(sample("xor"))  # two inputs
        _toggle_editable(dock)
    assert not exceptions, exceptions
    assert dock.properties.page_name == "summary"


def test_a_layer_page_told_of_a_layer_that_is_gone_shows_none(qtbot, dock, document) -> None:
    page = dock.properties.layer_page
    with qtbot.capture_exceptions() as exceptions:
        page.refresh(7)
        page.set_editable(False)
        page.set_editable(True)
        page.add_neuron_button.click()
        page.remove_layer_button.click()
    assert not exceptions, exceptions
    assert page.index is None and page.layer is None
    assert not page.units.isEnabled()
    assert not document.undo_stack.canUndo()  # nothing was edited


def test_a_neuron_page_readout_of_a_neuron_that_is_gone(qtbot, dock, document) -> None:
    from nnstudio.ui.frame import make_frame
    from nnstudio.workflow import build_network

    frame = make_frame(build_network(document.project, document.weights), document.dataset)
    page = dock.properties.neuron_page
    with qtbot.capture_exceptions() as exceptions:
        page.refresh(Selection("neuron", 2, 3), frame)
        assert document.remove_layer(1)  # 2-4-1: drawn layer 2 is the one-unit output
        page.show_readout()
        page.show_activation()
    assert not exceptions, exceptions


def _step(qtbot, window) -> None:
    """One training step, and the events that follow it (a training state change)."""
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.controller.state == "paused", timeout=20_000)
    qtbot.wait(200)


def _back_on_the_summary(window, shot: str) -> None:
    """The layer page gave way to the project summary and keeps nothing stale."""
    assert window.properties_dock.properties.page_name == "summary"
    _no_stale_page(window.properties_dock)
    _shoot(window.properties_dock, shot)


def test_undo_after_a_step_in_the_studio(qtbot, window, sample) -> None:
    """XOR, Add layer, the output layer, Undo, Step; then the added layer
    selected and its Add layer undone."""
    window.open_sample("xor")
    window.add_layer_action.trigger()  # 2-4-4-1
    props = window.properties_dock.properties
    with qtbot.capture_exceptions() as exceptions:
        window.canvas.select(Selection("layer", 3))
        assert props.page_name == "layer"
        window.undo_action.trigger()
        _step(qtbot, window)
    assert not exceptions, exceptions
    # The output layer stays selected, one number lower.
    assert window.selection == Selection("layer", 2)
    assert props.page_name == "layer" and props.layer_page.is_output
    _no_stale_page(window.properties_dock)
    with qtbot.capture_exceptions() as exceptions:
        window.redo_action.trigger()
        window.canvas.select(Selection("layer", 2))  # the added layer
        window.undo_action.trigger()
        _step(qtbot, window)
    assert not exceptions, exceptions
    assert window.selection is None
    _back_on_the_summary(window, "studio_undo_then_step")


def test_opening_another_sample_in_the_studio(qtbot, window) -> None:
    """Spiral, its output layer, then the XOR sample."""
    window.open_sample("spiral")
    with qtbot.capture_exceptions() as exceptions:
        window.canvas.select(Selection("layer", 3))
        window.open_sample("xor")
        _step(qtbot, window)
    assert not exceptions, exceptions
    _back_on_the_summary(window, "studio_open_xor")


# ---- hand edits show at once ------------------------------------------------------------------


def _frame_of(document: StudioDocument):
    """A frame of the document's weights, handed back as a paused run hands it back."""
    from nnstudio.ui.frame import make_frame
    from nnstudio.workflow import build_network

    frame = make_frame(build_network(document.project, document.weights), document.dataset)
    document.set_weights(frame.weights)
    return frame


def _readout_w(page) -> float:
    """The weight ``w`` the edge page's readout explains."""
    import re

    found = re.search(r"<td[^>]*>w</td><td[^>]*>([^<]+)</td>", page.readout.text())
    assert found, page.readout.text()
    return float(found.group(1).replace("\u2212", "-"))


def test_an_edited_weight_shows_before_the_next_frame(qtbot, dock, document) -> None:
    dock.show_frame(_frame_of(document))
    dock.set_selection(Selection("edge", 1, 2, 1))
    page = dock.properties.edge_page
    field = page.weight
    before = float(document.weights[0][0][1, 2])
    assert float(field.text()) == pytest.approx(before, abs=1e-4)
    assert not page.readout.isHidden()
    field.setText("3.5")
    field.editingFinished.emit()
    assert float(document.weights[0][0][1, 2]) == 3.5
    # The last frame still holds the old weight: the document's edit is newer, and the
    # frame's readout (w, δ, ∂J/∂w) waits for the frame that carries it.
    assert float(field.text()) == 3.5
    assert page.readout.isHidden()
    dock.show_frame(_frame_of(document))  # the frame that carries the edit
    assert float(field.text()) == 3.5
    assert _readout_w(page) == 3.5
    document.undo_stack.undo()
    # The frame holds 3.5 now, and the undo is newer.
    assert float(field.text()) == pytest.approx(before, abs=1e-4)
    assert page.readout.isHidden()
    _shoot(dock, "edge_after_undo")
    dock.show_frame(_frame_of(document))
    assert _readout_w(page) == pytest.approx(before, abs=1e-3)
    _shoot(dock, "edge_after_undo_next_frame")
    document.undo_stack.redo()
    assert float(field.text()) == 3.5


def test_an_edited_bias_shows_before_the_next_frame(qtbot, dock, document) -> None:
    dock.show_frame(_frame_of(document))
    dock.set_selection(Selection("neuron", 1, 1))
    field = dock.properties.neuron_page.bias
    before = float(document.weights[0][1][1])
    field.setText("-2.25")
    field.editingFinished.emit()
    assert float(field.text()) == -2.25
    dock.show_frame(_frame_of(document))
    assert not dock.properties.neuron_page.readout.isHidden()
    document.undo_stack.undo()
    assert float(field.text()) == pytest.approx(before, abs=1e-4)
    _shoot(dock, "bias_after_undo")


def test_while_training_runs_the_newest_frame_wins(qtbot, dock, document) -> None:
    """Running, the document has a frame's weights only a few times a second."""
    from nnstudio.ui.frame import make_frame
    from nnstudio.workflow import build_network

    dock.set_selection(Selection("edge", 1, 2, 1))
    dock.set_editable(False)
    network = build_network(document.project, document.weights)
    W, b = network.weights()[0]
    W = np.array(W)
    W[1, 2] = 0.625  # a later step of training
    network.set_weights([(W, b), *network.weights()[1:]])
    dock.show_frame(make_frame(network, document.dataset))
    assert float(dock.properties.edge_page.weight.text()) == 0.625


def test_weights_handed_back_ahead_of_their_frame_keep_the_readout(qtbot, dock, document) -> None:
    """A Step while paused: the document takes the frame's weights before the dock's turn."""
    from nnstudio.ui.frame import make_frame
    from nnstudio.workflow import build_network

    dock.show_frame(_frame_of(document))
    dock.set_selection(Selection("neuron", 1, 1))
    page = dock.properties.neuron_page
    assert not page.readout.isHidden()
    network = build_network(document.project, document.weights)
    W, b = network.weights()[0]
    b = np.array(b)
    b[1] = 0.375  # the step's bias
    network.set_weights([(W, b), *network.weights()[1:]])
    stepped = make_frame(network, document.dataset)
    document.set_weights(stepped.weights)  # handed back; the relay brings the frame later
    assert float(page.bias.text()) == 0.375
    assert not page.readout.isHidden()  # no blink on every step
    dock.show_frame(stepped)
    assert not page.readout.isHidden()
