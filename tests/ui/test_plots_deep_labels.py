"""The Activations tab of a deep network: value labels stay apart and inside their plots.

With 25 layers in the plots dock of a 1280 × 800 window a layer of the unit-health plot is
about 6 pixels wide, narrower than the label "0": the labels ran together into "0000…", the
last one stood half outside the axes, and the output layer's "= 0" in the spread plot sat
centred on the plot's right edge, so only "=" showed.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from nnstudio.data import load_dataset
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.ui.qt import QtCore, QtWidgets, pg
from nnstudio.workflow import build_network
from tests.ui import test_plots as plot_tests
from tests.ui.test_plots_vanishing import deep_sigmoid_project

pytestmark = pytest.mark.gui

panel = plot_tests.panel
spiral = plot_tests.spiral

#: The plots dock of a 1280 × 800 window, the whole panel at that size, and a wide dock.
SIZES = [(629, 303), (1280, 800), (900, 420)]


@pytest.fixture(scope="module")
def deep_frame() -> tuple:
    """An untrained 25-layer sigmoid network: layer 23 a quarter saturated, the output (no
    share to give) last, every other layer 0 %; the output's spread exactly 0."""
    project = deep_sigmoid_project()
    dataset = load_dataset(project.data, ".")
    frame = FrameBuilder(dataset, probe_size=60, grid_size=12).build(build_network(project))
    layers = frame.n_layers
    saturated = np.zeros(layers)
    saturated[22] = 0.25
    saturated[-1] = np.nan
    probe_A = (*frame.probe_A[:-1], np.full(np.shape(frame.probe_A[-1]), 0.5))
    frame = replace(
        frame,
        saturated_fraction=saturated,
        dead_fraction=np.full(layers, np.nan),
        probe_A=probe_A,
    )
    return project, dataset, frame


def show(panel, deep_frame, size: tuple[int, int], qtbot) -> None:
    project, dataset, frame = deep_frame
    panel.resize(*size)
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.activations_tab)
    panel.show_frame(frame)
    plot_tests.settle(qtbot)


def ink(text: pg.TextItem) -> QtCore.QRectF:
    """The scene rectangle of a label's text, without the blank margin around it."""
    margin = text.textItem.document().documentMargin()
    return text.sceneBoundingRect().adjusted(margin, margin, -margin, -margin)


@pytest.mark.parametrize("size", SIZES, ids=str)
def test_unit_health_labels_of_narrow_layers_are_thinned_not_run_together(
    qtbot, panel, deep_frame, size
) -> None:
    show(panel, deep_frame, size, qtbot)
    tab = panel.activations_tab
    plot = tab.health_plot
    view = plot.vb.sceneBoundingRect()
    shown = [(i, text) for i, text in enumerate(tab.health_texts) if text.isVisible()]
    words = {i: text.textItem.toPlainText() for i, text in shown}
    # The share that stands out, and the output's "–", are always said …
    assert words[22] in ("25", "25 %")
    assert words[24] == "–"
    # … and enough of the zeros to read the row by, at least every third layer.
    zeros = sorted(i for i, word in words.items() if word.startswith("0"))
    assert len(zeros) >= 6 and max(np.diff(zeros)) <= 3, words
    for (_i, left), (_j, right) in itertools.combinations(shown, 2):
        a, b = ink(left), ink(right)
        if a.bottom() > b.top() and b.bottom() > a.top():  # side by side, not one above
            gap = max(b.left() - a.right(), a.left() - b.right())
            assert gap >= 3.0, (size, words)
    layer_width = plot.vb.mapViewToScene(QtCore.QPointF(1.0, 0.0)).x() - (
        plot.vb.mapViewToScene(QtCore.QPointF(0.0, 0.0)).x()
    )
    for index, text in shown:
        rect = ink(text)
        # Inside the axes (the last one stood half outside) …
        assert view.left() < rect.left() and rect.right() < view.right(), (size, index)
        # … and over its own layer, not a neighbour's.
        centre = plot.vb.mapViewToScene(QtCore.QPointF(float(index), 0.0)).x()
        assert abs(rect.center().x() - centre) <= max(0.5 * layer_width, rect.width() / 2.0)
    # No zero pressed against the saturated bar: its neighbours' labels are left out.
    bar = plot.vb.mapViewToScene(QtCore.QPointF(22 - 0.2, 0.0)).x()
    for index, text in shown:
        if index != 22:
            rect = ink(text)
            assert not rect.left() - 1.0 < bar < rect.right() + 1.0, (size, index)


def test_every_layers_share_is_in_its_hover_text(qtbot, panel, deep_frame) -> None:
    show(panel, deep_frame, SIZES[0], qtbot)
    tab = panel.activations_tab
    assert not all(text.isVisible() for text in tab.health_texts[:25])  # some left out
    scene = tab.health_plot.scene()
    for index, expected in [
        (0, "Layer 1 (sigmoid): 0 % of its activations saturated"),
        (1, "Layer 2 (sigmoid): 0 % of its activations saturated"),
        (22, "Layer 23 (sigmoid): 25 % of its activations saturated"),
        (24, "Layer 25 (sigmoid): neither saturates nor can die"),
    ]:
        # What the mouse finds over the layer's column, a little above its bars.
        point = tab.health_plot.vb.mapViewToScene(QtCore.QPointF(float(index), 40.0))
        tips = [item.toolTip() for item in scene.items(point) if item.toolTip()]
        assert tips and tips[0].startswith(expected + "\n"), (index, tips[:1])
        assert "Saturated: share of sigmoid/tanh activations" in tips[0]


@pytest.mark.parametrize("size", SIZES, ids=str)
def test_the_zero_spread_label_of_the_last_layer_stays_inside_the_plot(
    qtbot, panel, deep_frame, size
) -> None:
    show(panel, deep_frame, size, qtbot)
    tab = panel.activations_tab
    assert tab.spreads[-1] == 0.0
    labels = [text for text in tab.zero_spread_texts if text.isVisible()]
    assert len(labels) == 1 and labels[0].textItem.toPlainText() == "= 0"
    label = labels[0]
    # Still at the output layer's point (its position), moved sideways only as far as the
    # plot's edge asks.
    assert label.pos().x() == 25.0
    view = tab.spread_plot.vb.sceneBoundingRect()
    rect = ink(label)
    assert view.left() < rect.left() and rect.right() < view.right(), (size, rect, view)
    point = tab.spread_plot.vb.mapViewToScene(QtCore.QPointF(25.0, label.pos().y())).x()
    assert rect.right() >= point - 12.0  # beside its point still
    # A resized plot keeps it inside.
    panel.resize(size[0] + 120, size[1])
    QtWidgets.QApplication.processEvents()
    plot_tests.settle(qtbot)
    view = tab.spread_plot.vb.sceneBoundingRect()
    assert ink(label).right() < view.right()


def test_labels_of_a_shallow_network_stay_centred_over_their_bars(qtbot, panel, spiral) -> None:
    project, dataset, frames = spiral
    frame: Frame = replace(
        frames[-1],
        saturated_fraction=np.array([0.0, np.nan, np.nan]),
        dead_fraction=np.array([np.nan, 0.5, np.nan]),
    )
    panel.resize(*SIZES[1])
    panel.set_context(project, dataset)
    tab = panel.activations_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(frame)
    plot_tests.settle(qtbot)
    texts = tab.health_texts[:3]
    # Wide layers: every label, where it always was.
    assert all(text.isVisible() for text in texts)
    assert [text.textItem.toPlainText() for text in texts] == ["0 %", "50 %", "–"]
    assert [text.pos().x() for text in texts] == pytest.approx([-0.2, 1.2, 2.0])
