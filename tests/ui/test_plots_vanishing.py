"""Vanishing but non-zero values on the log plots: drawn where they are, not at the floor that
stands for exactly 0.

A 24-layer sigmoid network's first layers get gradient norms of 1e-19 … 1e-16 after a few
epochs: the Gradients tab exists to show that. Only exact zeros have no logarithm; they go to
a floor below the smallest non-zero value drawn.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from nnstudio.data import Dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.frame import Frame
from nnstudio.ui.plots.gradients import zero_gradient_text
from nnstudio.ui.qt import QtWidgets
from tests.ui import test_plots as plot_tests

pytestmark = pytest.mark.gui

# The plots panel the plots tests use (1280 × 800).
panel = plot_tests.panel
spiral = plot_tests.spiral


def deep_sigmoid_project(hidden: int = 24) -> Project:
    """The XOR sample with ``hidden`` sigmoid layers of 8 units: a textbook vanishing
    gradient."""
    layers = tuple(LayerSpec(8, "sigmoid", init="xavier_normal") for _ in range(hidden))
    return Project(
        name="Deep sigmoid",
        data=BuiltinData(builtin="xor", samples=200, noise=0.03, seed=1, validation_fraction=0.0),
        network=NetworkSpec(inputs=2, layers=(*layers, LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.05, batch_size="full"),
    )


@pytest.fixture(scope="module")
def deep_sigmoid() -> tuple[Project, Dataset, Frame]:
    project = deep_sigmoid_project()
    dataset, frames = plot_tests.train_frames(project, 20)
    return project, dataset, frames[-1]


def shown_logs(curve) -> np.ndarray:
    """The y values a curve draws (log10 of the values: the axis is logarithmic)."""
    return np.asarray(curve.getData()[1], dtype=np.float64)


def test_vanishing_gradient_norms_are_drawn_where_they_are(panel, deep_sigmoid) -> None:
    project, dataset, frame = deep_sigmoid
    norms = frame.grad_norms
    # The first layers' gradients vanish: far below 1e-12, and still not 0.
    tiny = np.flatnonzero(norms[-1] < 1e-13)
    assert tiny.size >= 3 and np.all(norms[-1, tiny] > 0)
    panel.set_context(project, dataset)
    tab = panel.gradients_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(frame)
    QtWidgets.QApplication.processEvents()
    lasts = []
    for index in tiny.tolist():
        expected = math.log10(norms[-1, index])
        # Each step's norm and the thick line, at the norm itself (all were drawn at -12,
        # on top of one another).
        assert shown_logs(tab.raw_curves[index])[-1] == pytest.approx(expected, abs=1e-9)
        assert shown_logs(tab.curves[index])[-1] == pytest.approx(expected, abs=1e-6)
        lasts.append(shown_logs(tab.curves[index])[-1])
    assert len(set(np.round(lasts, 3))) == tiny.size  # apart, not stacked
    # The axis reaches down to them.
    low, _high = tab.plot.vb.viewRange()[1]
    assert low <= math.log10(norms[:, tiny].min())
    # Nothing is 0: no "= 0" label, no note.
    assert not tab.zero_note.isVisibleTo(tab)
    assert not any(label.isVisible() for label in tab.zero_labels)


def test_exact_zeros_go_below_the_smallest_non_zero_norm(panel, spiral) -> None:
    project, dataset, frames = spiral
    steps = np.arange(1, 41)
    norms = np.empty((40, 3))
    norms[:, 0] = 0.0  # no error signal reaches layer 1
    norms[:, 1] = np.geomspace(1e-3, 3e-20, 40)  # vanishing
    norms[:, 2] = 0.5
    frame = replace(frames[-1], grad_steps=steps, grad_norms=norms)
    panel.set_context(project, dataset)
    tab = panel.gradients_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(frame)
    QtWidgets.QApplication.processEvents()
    # The vanishing layer is drawn at its values, down to 3e-20 …
    np.testing.assert_allclose(shown_logs(tab.raw_curves[1]), np.log10(norms[:, 1]))
    # … and the zeros at the power of ten a decade below it, where their label says "= 0".
    np.testing.assert_allclose(shown_logs(tab.raw_curves[0]), -21.0)
    assert shown_logs(tab.curves[0])[-1] == pytest.approx(-21.0)
    assert tab.zero_labels[0].isVisible() and not tab.zero_labels[1].isVisible()
    assert tab.zero_labels[0].pos().y() == pytest.approx(-21.0)
    assert tab.zero_note.isVisibleTo(tab)
    assert tab.zero_note.toolTip().startswith(
        "layer 1: gradient exactly 0 at every step (drawn at 1e-21)."
    )
    low, _high = tab.plot.vb.viewRange()[1]
    assert low <= -21.0


def test_the_floor_follows_a_growing_history_and_a_new_run(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    tab = panel.gradients_tab
    panel.tabs.setCurrentWidget(tab)
    norms = np.full((200, 3), 0.25)
    norms[:, 0] = 0.0
    steps = np.arange(1, 201)

    def show(count: int, run: int) -> float:
        frame = replace(
            frames[-1], grad_steps=steps[:count], grad_norms=norms[:count].copy(), run=run
        )
        panel.show_frame(frame)
        return tab.zero_labels[0].pos().y()

    assert show(100, 0) == pytest.approx(-12.0)
    norms[150, 2] = 4e-25  # a later step of the same run vanishes
    assert show(200, 0) == pytest.approx(-26.0)
    # A new run starts afresh: its norms alone set the floor.
    norms[150, 2] = 0.25
    assert show(180, 1) == pytest.approx(-12.0)


def test_the_floor_is_a_power_of_ten_below_the_smallest_value() -> None:
    from nnstudio.ui.plots.gradients import zero_floor

    assert zero_floor(0.5) == 1e-12
    assert zero_floor(math.inf) == 1e-12  # nothing but zeros
    assert zero_floor(1e-11) == 1e-12  # a decade's room already
    assert zero_floor(5e-12) == pytest.approx(1e-13)
    assert zero_floor(4.8e-19) == pytest.approx(1e-20)
    assert 0.0 < zero_floor(5e-324) < 1e-300  # still a number with a logarithm
    # The note says where the zeros are drawn.
    assert zero_gradient_text(np.array([[0.0, 3e-20]])).endswith("(drawn at 1e-21)")
    assert zero_gradient_text(np.array([[0.0, 0.1]])).endswith("(drawn at 1e-12)")


def test_tiny_activation_spreads_are_drawn_where_they_are(panel, spiral) -> None:
    project, dataset, frames = spiral
    frame = frames[-1]
    rng = np.random.default_rng(0)
    probe_A = list(frame.probe_A)
    # Layer 1's outputs differ by about 1e-16; layer 2's are all the same.
    probe_A[1] = 0.3 + 1e-16 * rng.standard_normal(np.shape(probe_A[1]))
    probe_A[2] = np.full(np.shape(probe_A[2]), 0.5)
    panel.set_context(project, dataset)
    tab = panel.activations_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(replace(frame, probe_A=tuple(probe_A)))
    QtWidgets.QApplication.processEvents()
    spread = tab.spreads[1]
    assert 1e-17 < spread < 1e-15
    logs = shown_logs(tab.spread_curve)
    assert logs[1] == pytest.approx(math.log10(spread))  # not at 1e-12
    floor = math.floor(math.log10(spread)) - 1
    assert logs[2] == pytest.approx(floor)
    labels = [text for text in tab.zero_spread_texts if text.isVisible()]
    assert [(text.pos().x(), text.pos().y()) for text in labels] == [(2.0, pytest.approx(floor))]
    low, _high = tab.spread_plot.vb.viewRange()[1]
    assert low <= floor
