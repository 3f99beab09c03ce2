"""Plots a lesson leans on: what the mini-batch loss includes, gradients of exactly zero and
the activation spread from layer to layer (the Xavier/He argument)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.ui.plots.gradients import zero_gradient_text, zero_gradient_wordings
from nnstudio.ui.plots.loss import batch_curve_label
from nnstudio.ui.qt import QtWidgets
from nnstudio.workflow import build_network, make_trainer
from tests.ui import test_plots as plot_tests

pytestmark = pytest.mark.gui


def circles_project(*layers: LayerSpec, **training: object) -> Project:
    return Project(
        name="Circles",
        data=BuiltinData(builtin="circles", samples=200, seed=3),
        network=NetworkSpec(inputs=2, layers=layers),
        loss="binary_crossentropy",
        training=TrainingSpec(**{"optimizer": "sgd", "learning_rate": 0.1, **training}),
    )


def run(project: Project, epochs: int) -> tuple[Dataset, Frame]:
    """The frame after ``epochs`` epochs of a real run (its whole step history)."""
    dataset = load_dataset(project.data, ".")
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    for _ in range(epochs):
        trainer.run_epoch()
    return dataset, FrameBuilder(dataset, probe_size=64, grid_size=12).build(
        network, trainer.snapshot()
    )


# The plots panel the plots tests use.
panel = plot_tests.panel


def test_the_batch_curve_says_it_includes_the_penalty_the_epoch_curves_leave_out(panel) -> None:
    project = circles_project(
        LayerSpec(6, "tanh"), LayerSpec(1, "sigmoid"), batch_size="full", l2=0.05
    )
    initial = build_network(project).weights()
    dataset, frame = run(project, 2)
    history = frame.snapshot.history
    # Full batch: the first step's loss is the untrained network's training loss (the
    # epoch-0 point) plus λ₂/2 ΣW², which the epoch curve leaves out.
    penalty = 0.5 * 0.05 * sum(float(np.square(np.asarray(W, float)).sum()) for W, _ in initial)
    assert penalty > 0.01
    assert frame.batch_losses[0, 1] == pytest.approx(history.train_loss[0] + penalty, rel=1e-4)
    panel.set_context(project, dataset)
    panel.show_frame(frame)
    tab = panel.loss_tab
    assert "batch&nbsp;J&nbsp;(with&nbsp;penalty)" in tab.loss_plot.titleLabel.text
    assert "penalty" in tab.loss_plot.toolTip() and "dropout" in tab.loss_plot.toolTip()
    # The penalty set to 0 after these steps: the losses plotted still contained it.
    tab.set_project(replace(project, training=replace(project.training, l2=0.0)))
    assert "batch&nbsp;J&nbsp;(with&nbsp;penalty)" in tab.loss_plot.titleLabel.text


def test_the_batch_label_follows_the_penalty_the_run_trained_with(panel) -> None:
    project = circles_project(LayerSpec(6, "tanh"), LayerSpec(1, "sigmoid"), batch_size=40)
    dataset = load_dataset(project.data, ".")
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    builder = FrameBuilder(dataset, probe_size=16, grid_size=8)
    panel.set_context(project, dataset)
    tab = panel.loss_tab
    trainer.run_epoch()
    trainer.run_epoch()
    panel.show_frame(replace(builder.build(network, trainer.snapshot()), run=1))
    assert "batch&nbsp;J" not in tab.loss_plot.titleLabel.text
    # L2 set while paused at epoch 2, then two more epochs of the same run.
    penalised = replace(project, training=replace(project.training, l2=0.05))
    tab.set_project(penalised)
    # No step has had it yet: the mini-batch losses are named without it (the objective J +
    # penalty is offered at once, for the epochs to come).
    title = tab.loss_plot.titleLabel.text
    assert "batch&nbsp;J" not in title and "with&nbsp;penalty" not in title
    assert tab.objective_offered
    trainer.update_settings(penalised.training)
    trainer.run_epoch()
    trainer.run_epoch()
    panel.show_frame(replace(builder.build(network, trainer.snapshot()), run=1))
    assert "batch&nbsp;J&nbsp;(with&nbsp;penalty&nbsp;from&nbsp;epoch&nbsp;2)" in (
        tab.loss_plot.titleLabel.text
    )
    # Removed after the run: the curve's losses still had it from epoch 2 on.
    tab.set_project(project)
    assert "from&nbsp;epoch&nbsp;2" in tab.loss_plot.titleLabel.text


def test_the_batch_label_names_dropout_and_penalties() -> None:
    plain = circles_project(LayerSpec(6, "tanh"), LayerSpec(1, "sigmoid"))
    dropout = circles_project(LayerSpec(6, "tanh", dropout=0.2), LayerSpec(1, "sigmoid"), l1=1e-3)
    assert batch_curve_label(plain) == "batch"
    assert batch_curve_label(dropout) == "batch J (with penalty, dropout on)"
    no_penalty = replace(dropout, training=replace(dropout.training, l1=0.0))
    assert batch_curve_label(no_penalty) == "batch (dropout on)"
    # The run's own penalty over time, not the project's now.
    assert batch_curve_label(no_penalty, [(0.0, True)]) == "batch J (with penalty, dropout on)"
    assert batch_curve_label(plain, [(0.0, True), (3.6, False)]) == (
        "batch J (with penalty until epoch 3)"
    )
    toggled = [(0.0, False), (2.0, True), (5.0, False)]
    assert batch_curve_label(plain, toggled) == "batch J (with penalty part of the time)"


def test_a_gradient_of_exactly_zero_is_named_not_drawn_as_tiny(panel) -> None:
    # Zero initialisation: the hidden outputs are tanh(0) = 0 and W2 = 0, so no error
    # reaches layer 1 (δ¹ = W² δ² ⊙ g′ = 0) while the output's bias still learns.
    project = circles_project(
        LayerSpec(4, "tanh", init="zeros"), LayerSpec(1, "sigmoid", init="zeros"), batch_size=50
    )
    dataset, frame = run(project, 2)
    network = build_network(project, frame.weights)
    Y, _ = dataset.targets_for(1)
    _loss, grads = network.loss_and_gradients(dataset.X_train, Y)
    assert not np.any(grads[0][0]) and not np.any(grads[0][1])  # exactly 0, by hand
    assert np.any(grads[1][1])
    assert not np.any(frame.grad_norms[:, 0]) and np.all(frame.grad_norms[:, 1] > 0)
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.gradients_tab)
    panel.show_frame(frame)
    tab = panel.gradients_tab
    assert tab.zero_note.isVisibleTo(tab)
    assert tab.zero_note.text().startswith("layer 1: gradient exactly 0 at every step")
    assert tab.zero_labels[0].isVisible() and not tab.zero_labels[1].isVisible()
    # The log axis stays: the zero is drawn at the floor, where its label sits.
    assert tab.plot.ctrl.logYCheck.isChecked()
    assert tab.zero_labels[0].pos().y() == pytest.approx(-12.0)


def test_the_zero_gradient_note_stays_readable_in_a_narrow_dock(panel) -> None:
    project = circles_project(
        LayerSpec(4, "tanh", init="zeros"),
        LayerSpec(4, "tanh", init="zeros"),
        LayerSpec(1, "sigmoid", init="zeros"),
        batch_size=50,
    )
    dataset, frame = run(project, 2)
    panel.set_context(project, dataset)
    tab = panel.gradients_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(frame)
    note = tab.zero_note
    # The width of the plots dock of a 1280-pixel window, where the whole note was cut off.
    for width in (560, 440):
        panel.resize(width, 400)
        QtWidgets.QApplication.processEvents()
        shown = note.shown_text()
        assert "…" not in shown and shown.startswith("layers 1, 2")
        assert note.fontMetrics().horizontalAdvance(shown) <= note.contentsRect().width()
    assert zero_gradient_wordings(frame.grad_norms)[-1] == "layers 1, 2 = 0"
    assert zero_gradient_wordings(np.ones((2, 2))) == ()


def test_a_spread_of_exactly_zero_is_labelled(panel) -> None:
    # Zero initialisation: every hidden output is tanh(0) = 0 on every probe.
    zeros = LayerSpec(4, "tanh", init="zeros")
    project = circles_project(zeros, zeros, LayerSpec(1, "sigmoid", init="zeros"))
    dataset, frame = run(project, 0)
    panel.set_context(project, dataset)
    tab = panel.activations_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(frame)
    np.testing.assert_array_equal(tab.spreads[1:], 0.0)  # the output is sigmoid(0) = 0.5
    labels = [text for text in tab.zero_spread_texts if text.isVisible()]
    assert [text.pos().x() for text in labels] == [1.0, 2.0, 3.0]
    assert all(text.pos().y() == pytest.approx(-12.0) for text in labels)
    assert labels[0].textItem.toPlainText() == "= 0"
    # Trained weights that spread the outputs again take the labels away.
    small = LayerSpec(4, "tanh", init="normal", init_param=0.5)
    project = circles_project(small, LayerSpec(1, "sigmoid"))
    dataset, frame = run(project, 0)
    panel.show_frame(frame)
    assert not any(text.isVisible() for text in tab.zero_spread_texts)


def test_zero_gradient_note_says_since_when() -> None:
    assert zero_gradient_text(np.array([[0.0, 1.0], [0.0, 2.0]])).startswith(
        "layer 1: gradient exactly 0 at every step"
    )
    assert zero_gradient_text(np.array([[0.5, 0.0, 1.0], [0.0, 0.0, 2.0]])).startswith(
        "layer 2: gradient exactly 0 at every step; layer 1: gradient exactly 0 at the last step"
    )
    assert zero_gradient_text(np.array([[1e-30, 1.0]])) == ""  # tiny is not zero


def test_the_activation_spread_shrinks_with_depth_for_small_initial_weights(panel) -> None:
    small = LayerSpec(16, "tanh", init="normal", init_param=0.05)
    project = circles_project(small, small, small, LayerSpec(1, "sigmoid"))
    dataset, frame = run(project, 0)
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.activations_tab)
    panel.show_frame(frame)
    tab = panel.activations_tab
    # By hand: the probes through each layer (circles are not standardised).
    a = np.asarray(frame.probe_inputs, np.float64)
    expected = [np.std(a)]
    for W, b in frame.weights:
        z = a @ np.asarray(W, np.float64) + np.asarray(b, np.float64)
        a = np.tanh(z) if len(expected) < len(frame.weights) else 1 / (1 + np.exp(-z))
        expected.append(np.std(a))
    np.testing.assert_allclose(tab.spreads, expected, rtol=1e-4)
    _x, y = tab.spread_curve.getData()  # on the log axis: log10 of the spreads
    np.testing.assert_allclose(10.0**y, expected, rtol=1e-4)
    # σ·√16·0.05 = 0.2σ per tanh layer: the spread falls layer after layer.
    assert all(tab.spreads[i + 1] < 0.4 * tab.spreads[i] for i in range(3))
