"""Dropout at work on the canvas: the units the last training step dropped are drawn so."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.spec import LayerSpec
from nnstudio.ui.canvas.view import DROPPED_CAPTION, NetworkCanvas
from nnstudio.ui.frame import FrameBuilder
from nnstudio.ui.qt import QtCore
from nnstudio.workflow import build_network, make_trainer
from tests.ui.test_canvas import neuron_center, open_canvas, spiral_project

pytestmark = pytest.mark.gui


def _dropout_project(first: float = 0.5):
    """Spiral with dropout ``first`` on the first hidden layer and none on the second."""
    project = spiral_project()
    layers = (
        LayerSpec(units=8, activation="tanh", dropout=first),
        LayerSpec(units=8, activation="tanh"),
        LayerSpec(units=1, activation="sigmoid"),
    )
    return replace(project, network=replace(project.network, layers=layers))


def _training_frames(document, steps: int):
    """A frame after each of ``steps`` training steps, as a run would send them."""
    network = build_network(document.project)
    trainer = make_trainer(document.project, network, document.dataset)
    builder = FrameBuilder(document.dataset, grid_size=16)
    frames = []
    for _ in range(steps):
        trainer.step()
        frames.append(builder.build(network, trainer.snapshot()))
    return frames


def _neuron_ink(canvas: NetworkCanvas, drawn: int, position: int) -> float:
    """How far the neuron's pixels are from white on screen, on average (0: blank)."""
    canvas.flush_edges()
    image = canvas.grab().toImage()
    x, y, w, h = canvas.layout_geometry.neuron_rects(drawn)[position]
    top_left = canvas.mapFromScene(QtCore.QPointF(x, y))
    bottom_right = canvas.mapFromScene(QtCore.QPointF(x + w, y + h))
    ratio = image.devicePixelRatio()
    total, count = 0.0, 0
    for py in range(int(top_left.y() * ratio) + 2, int(bottom_right.y() * ratio) - 2):
        for px in range(int(top_left.x() * ratio) + 2, int(bottom_right.x() * ratio) - 2):
            color = image.pixelColor(px, py)
            total += 765 - color.red() - color.green() - color.blue()
            count += 1
    return total / max(count, 1)


def test_the_units_each_step_dropped_are_drawn_dropped(qtbot) -> None:
    document, canvas = open_canvas(qtbot, _dropout_project(0.5))
    frames = _training_frames(document, 4)
    shown = []
    for frame in frames:
        canvas.show_frame(frame)
        dropped = canvas.dropped_units(1)
        # The engine's own mask of the step, for the first sample of its batch.
        np.testing.assert_array_equal(dropped, ~frame.snapshot.kept_units[0])
        assert 0 < int(dropped.sum()) < 8
        shown.append(dropped.tobytes())
        column = canvas.columns[1]
        np.testing.assert_array_equal(
            column.dropped, dropped[canvas.layout_geometry.columns[1].indices]
        )
        # Inputs, the layer without dropout and the output: nothing dropped.
        for drawn in (0, 2, 3):
            assert canvas.dropped_units(drawn) is None
            assert canvas.columns[drawn].dropped is None
        # The edges into and out of a dropped unit take no part in the step.
        into, out_of, beyond = canvas.bundles[1], canvas.bundles[2], canvas.bundles[3]
        np.testing.assert_array_equal(into.dropped, dropped[into.targets])
        np.testing.assert_array_equal(out_of.dropped, dropped[out_of.sources])
        assert beyond.dropped is None
        assert canvas.legend.dropout_text == DROPPED_CAPTION
    # A different random subset drops from frame to frame.
    assert len(set(shown)) > 1

    # The dropped neurons look faded; the kept ones look as they do without the option.
    dropped = canvas.dropped_units(1)
    gone, kept = int(np.flatnonzero(dropped)[0]), int(np.flatnonzero(~dropped)[0])
    faded, shown_kept = _neuron_ink(canvas, 1, gone), _neuron_ink(canvas, 1, kept)
    canvas.set_show_dropped(False)
    assert _neuron_ink(canvas, 1, gone) > 2 * faded + 20
    assert _neuron_ink(canvas, 1, kept) == pytest.approx(shown_kept, abs=1.0)


def test_hover_names_the_dropped_and_kept_units(qtbot) -> None:
    document, canvas = open_canvas(qtbot, _dropout_project(0.5))
    canvas.show_frame(_training_frames(document, 2)[-1])
    dropped = canvas.dropped_units(1)
    gone, kept = int(np.flatnonzero(dropped)[0]), int(np.flatnonzero(~dropped)[0])
    text = canvas.hover_text(QtCore.QPointF(*neuron_center(canvas, 1, gone)))
    assert "dropped in the last training step (for the first sample of its mini-batch)" in text
    text = canvas.hover_text(QtCore.QPointF(*neuron_center(canvas, 1, kept)))
    assert "kept in the last training step" in text
    x, y, w, _h = canvas.layout_geometry.header_rect(1)
    text = canvas.hover_text(QtCore.QPointF(x + w / 2, y + 14))
    assert f"the last training step dropped {int(dropped.sum())} of 8" in text
    # A layer without dropout says nothing of it.
    text = canvas.hover_text(QtCore.QPointF(*neuron_center(canvas, 2, 0)))
    assert "dropped" not in text and "kept" not in text


def test_turning_the_option_off_clears_and_on_restores(qtbot) -> None:
    document, canvas = open_canvas(qtbot, _dropout_project(0.5))
    canvas.show_frame(_training_frames(document, 3)[-1])
    dropped = canvas.dropped_units(1)
    canvas.set_show_dropped(False)
    assert canvas.show_dropped is False
    assert all(canvas.dropped_units(drawn) is None for drawn in range(4))
    assert all(column.dropped is None for column in canvas.columns)
    assert all(bundle.dropped is None for bundle in canvas.bundles[1:])
    assert canvas.legend.dropout_text == ""
    canvas.set_show_dropped(True)
    np.testing.assert_array_equal(canvas.dropped_units(1), dropped)
    assert canvas.columns[1].dropped is not None


def test_weights_no_step_made_show_nothing_dropped(qtbot) -> None:
    document, canvas = open_canvas(qtbot, _dropout_project(0.5))
    canvas.show_frame(_training_frames(document, 3)[-1])
    assert canvas.dropped_units(1) is not None
    # Reset (or an edit): the document's weights are no longer the step's.
    document.reinitialise(build_network(document.project).weights())
    assert canvas.dropped_units(1) is None
    assert canvas.columns[1].dropped is None
    assert all(bundle.dropped is None for bundle in canvas.bundles[1:])
    assert canvas.legend.dropout_text == ""


def test_without_dropout_nothing_is_dropped(qtbot) -> None:
    document, canvas = open_canvas(qtbot, _dropout_project(0.0))
    frame = _training_frames(document, 3)[-1]
    assert frame.kept_units == ()
    canvas.show_frame(frame)
    assert all(canvas.dropped_units(drawn) is None for drawn in range(4))
    assert all(column.dropped is None for column in canvas.columns)
    assert canvas.legend.dropout_text == ""


def test_a_changed_rate_leaves_the_old_masks_unshown(qtbot) -> None:
    document, canvas = open_canvas(qtbot, _dropout_project(0.5))
    canvas.show_frame(_training_frames(document, 2)[-1])
    layer = document.project.network.layers[0]
    document.set_layer(0, replace(layer, dropout=0.0))
    # The masks came from a run of another network: nothing shows as dropped.
    assert canvas.dropped_units(1) is None
    assert canvas.columns[1].dropped is None


def test_view_menu_toggle_is_on_by_default_and_remembered(qtbot, window, settings) -> None:
    from nnstudio.ui.main_window import MainWindow

    action = window.show_dropped_action
    view_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&View")
    assert action in view_menu.actions()
    assert action.isCheckable() and action.isChecked() and window.canvas.show_dropped

    # A training frame reaches the canvas through the window with its masks.
    window.document.open_project(_dropout_project(0.5))
    frame = _training_frames(window.document, 3)[-1]
    window.show_frame(frame)
    assert window.canvas.dropped_units(1) is not None
    action.trigger()
    assert window.canvas.show_dropped is False and window.canvas.dropped_units(1) is None
    window.close_without_asking()

    again = MainWindow(settings=settings, restore_layout=True)
    qtbot.addWidget(again)
    try:
        assert again.show_dropped_action.isChecked() is False
        assert again.canvas.show_dropped is False
    finally:
        again.close_without_asking()
        again.shutdown()
