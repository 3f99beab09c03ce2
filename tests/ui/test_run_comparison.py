"""Comparing runs in the Loss tab: earlier runs named by what they did differently, an x axis
of epochs, updates or examples seen, and axes that keep a flat loss flat."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.ui.plots import PlotsPanel
from nnstudio.ui.plots.common import SteadyYRange, make_plot
from nnstudio.ui.plots.gradients import GRADIENT_NORM_TIP
from nnstudio.ui.plots.loss import (
    MAX_KEPT_RUNS,
    LossTab,
    run_differences,
    run_label,
    run_labels,
)
from nnstudio.workflow import build_network, make_trainer
from tests.ui import test_live_plots as live_plot_tests

pytestmark = pytest.mark.gui

#: Training rows of the project below (200 samples, a fifth for validation).
ROWS = 160


def _project(**training: object) -> Project:
    return Project(
        name="Circles",
        data=BuiltinData(builtin="circles", samples=200, seed=1),
        network=NetworkSpec(inputs=2, layers=(LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(
            **{"optimizer": "sgd", "learning_rate": 0.1, "batch_size": 32, **training}
        ),
    )


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    data = load_dataset(_project().data, ".")
    assert data.X_train.shape[0] == ROWS
    return data


def _run(project: Project, dataset: Dataset, run: int, epochs: int = 2) -> Frame:
    """The last frame of a real run of ``epochs`` epochs, numbered ``run``."""
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    for _ in range(epochs):
        trainer.run_epoch()
    frame = FrameBuilder(dataset, probe_size=16, grid_size=8).build(network, trainer.snapshot())
    return replace(frame, run=run)


# The plots panel the live plots tests use.
panel = live_plot_tests.panel


def _train(panel: PlotsPanel, dataset: Dataset, projects: list[Project]) -> LossTab:
    """Train each project in turn as a new run, the way the studio feeds the tab."""
    tab = panel.loss_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(projects[0], dataset)
    for number, project in enumerate(projects, start=1):
        tab.set_project(project)
        panel.show_frame(_run(project, dataset, number))
    return tab


def _data(item) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getData()
    return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))


# ---- naming a run by what it did differently -------------------------------------------------


def test_a_kept_run_is_named_by_the_settings_it_trained_with_that_differ() -> None:
    current = _project()
    assert run_differences(_project(batch_size=1), current, ROWS) == ["batch 1"]
    assert run_differences(_project(batch_size="full"), current, ROWS) == ["full batch"]
    # A batch at least as large as the set is the full batch: nothing differs.
    assert run_differences(_project(batch_size=ROWS), _project(batch_size="full"), ROWS) == []
    assert run_differences(_project(optimizer="adam"), current) == ["Adam"]
    assert run_differences(_project(optimizer="momentum", momentum=0.9), current) == [
        "momentum 0.9"
    ]
    momentum = _project(optimizer="momentum", momentum=0.5)
    assert run_differences(momentum, replace(momentum, training=current.training)) == [
        "momentum 0.5"
    ]
    assert run_differences(_project(learning_rate=0.5, l2=0.01), current) == ["lr 0.5", "L2 0.01"]
    assert run_differences(current, _project(l2=0.01)) == ["no L2"]
    he = replace(
        current,
        network=NetworkSpec(
            inputs=2,
            layers=(LayerSpec(4, "tanh", init="he_normal"), LayerSpec(1, "sigmoid", "he_normal")),
        ),
    )
    assert run_differences(he, current) == ["He init"]
    dropout = replace(
        current,
        network=NetworkSpec(
            inputs=2, layers=(LayerSpec(4, "tanh", dropout=0.2), LayerSpec(1, "sigmoid"))
        ),
    )
    assert run_differences(dropout, current) == ["dropout 0.2"]
    wider = replace(
        current,
        network=NetworkSpec(inputs=2, layers=(LayerSpec(8, "relu"), LayerSpec(1, "sigmoid"))),
    )
    assert run_differences(wider, current) == ["2-8-1", "relu"]
    # A few words in the legend; every difference in the tooltip.
    assert run_label(["batch 1", "lr 0.5", "Adam", "L2 0.01"], 3) == "batch 1, lr 0.5 +2"
    assert run_label([], 2) == "run 2"
    assert run_differences(None, current) == []


def test_runs_that_would_read_alike_are_told_apart() -> None:
    alike = [["Adam", "lr 0.05", "full batch"], ["Adam", "lr 0.05", "batch 1"], ["SGD"]]
    # Each label puts first what the others lack, rather than "Adam, lr 0.05 +1" twice.
    assert run_labels(alike, [1, 2, 3]) == ["full batch, Adam +1", "batch 1, Adam +1", "SGD"]
    # Nothing tells them apart in a few words: their numbers do.
    assert run_labels([["lr 0.5"], ["lr 0.5"], []], [1, 2, 3]) == ["run 1", "run 2", "run 3"]
    assert run_differences(_project(), _project(), ROWS, [32, 4]) == ["batch 32 → 4"]
    assert run_differences(_project(), _project(), ROWS, [ROWS, 1]) == ["full batch → 1"]
    # Learning rate and penalties changed on the way: where they started and ended.
    changed = {"learning_rate": [0.1, 0.01], "l1": [0.0], "l2": [0.0, 0.001]}
    assert run_differences(_project(), _project(), ROWS, [], changed) == [
        "lr 0.1 → 0.01",
        "L2 0 → 0.001",
    ]


def test_a_kept_run_is_named_by_the_learning_rate_and_penalty_it_changed_to(panel, dataset) -> None:
    project = _project()
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    builder = FrameBuilder(dataset, probe_size=16, grid_size=8)
    tab = panel.loss_tab
    panel.set_context(project, dataset)
    trainer.run_epoch()
    panel.show_frame(replace(builder.build(network, trainer.snapshot()), run=1))
    # Paused, then a tenth of the learning rate and an L2 penalty for the rest of the run.
    slower = replace(project, training=replace(project.training, learning_rate=0.01, l2=0.001))
    tab.set_project(slower)
    trainer.update_settings(slower.training)
    trainer.run_epoch()
    panel.show_frame(replace(builder.build(network, trainer.snapshot()), run=1))
    # The next run trains with the first settings: the kept one differs by its changes.
    tab.set_project(project)
    panel.show_frame(_run(project, dataset, 2))
    tip = tab.loss_plot.toolTip()
    assert "lr 0.1 → 0.01, L2 0 → 0.001" in tip
    assert "lr&nbsp;0.1&nbsp;→&nbsp;0.01" in tab.loss_plot.titleLabel.text


def test_the_legend_never_names_two_runs_alike(panel, dataset) -> None:
    adam = {"optimizer": "adam", "learning_rate": 0.05}
    projects = [_project(batch_size="full", **adam), _project(batch_size=1, **adam), _project()]
    tab = _train(panel, dataset, projects)
    title = tab.loss_plot.titleLabel.text
    assert "full&nbsp;batch,&nbsp;Adam&nbsp;+1" in title
    assert "batch&nbsp;1,&nbsp;Adam&nbsp;+1" in title


# ---- keeping the last few runs ---------------------------------------------------------------


def test_the_last_runs_stay_each_in_its_colour_named_by_what_differed(panel, dataset) -> None:
    sizes = ("full", 1, 32)
    tab = _train(panel, dataset, [_project(batch_size=size) for size in sizes])
    # The two earlier runs stay, newest first, with the rows and batch size they used.
    assert [run.batch_size for run in tab.kept_runs] == [1, ROWS]
    assert [run.steps_per_epoch for run in tab.kept_runs] == [ROWS, 1]
    assert tab.previous_history is tab.kept_runs[0].history
    colors = [tab._run_curves[run.slot].color for run in tab.kept_runs]
    assert len(set(colors)) == 2
    title = tab.loss_plot.titleLabel.text
    assert "previous" in title and "batch&nbsp;1" in title and "full&nbsp;batch" in title
    for run, color in zip(tab.kept_runs, colors, strict=True):
        _x, y = _data(tab._run_curves[run.slot].train)
        np.testing.assert_allclose(y, run.history.train_loss)
        assert "#{:02x}{:02x}{:02x}".format(*color) in title
    assert "320 updates of batch 1 in 2 epochs" in tab.loss_plot.toolTip()

    # More runs than are kept: the oldest goes, the others keep their colours.
    slots = {run.number: run.slot for run in tab.kept_runs}
    for number in range(4, 4 + MAX_KEPT_RUNS):
        project = _project(learning_rate=0.01 * number)
        tab.set_project(project)
        panel.show_frame(_run(project, dataset, number))
    assert len(tab.kept_runs) == MAX_KEPT_RUNS
    assert 1 not in {run.number for run in tab.kept_runs}
    for run in tab.kept_runs:
        assert slots.get(run.number, run.slot) == run.slot
    assert "lr&nbsp;0.06" in tab.loss_plot.titleLabel.text

    # Forget keeps only the current run.
    tab.forget_button.click()
    assert tab.kept_runs == [] and not tab.forget_button.isEnabled()
    assert "previous" not in tab.loss_plot.titleLabel.text
    assert all(_data(curves.train)[0].size == 0 for curves in tab._run_curves)
    assert _data(tab.train_curve)[0].size == 3  # the current run stays


def test_other_data_forget_the_earlier_runs(panel, dataset) -> None:
    tab = _train(panel, dataset, [_project(batch_size="full"), _project(batch_size=1)])
    assert len(tab.kept_runs) == 1
    panel.set_context(_project(), load_dataset(_project().data, "."))
    assert tab.kept_runs == [] and not tab.show_previous.isEnabled()


# ---- the x axis ------------------------------------------------------------------------------


def test_the_x_axis_counts_epochs_updates_or_examples_seen_per_run(panel, dataset) -> None:
    tab = _train(panel, dataset, [_project(batch_size="full"), _project(batch_size=32)])
    full = tab._run_curves[tab.kept_runs[0].slot].train
    np.testing.assert_allclose(_data(tab.train_curve)[0], [0, 1, 2])
    np.testing.assert_allclose(_data(full)[0], [0, 1, 2])

    tab.x_axis.setCurrentIndex(1)  # updates: 160 rows in batches of 32 is 5 per epoch
    assert tab.x_axis_key == "updates"
    np.testing.assert_allclose(_data(tab.train_curve)[0], [0, 5, 10])
    np.testing.assert_allclose(_data(full)[0], [0, 1, 2])  # one update per epoch
    # Each mini-batch loss sits at the update it was measured before.
    np.testing.assert_allclose(_data(tab.batch_curve)[0], np.arange(10))
    assert "update" in tab.loss_plot.getAxis("bottom").labelText
    assert tab.metric_plot.getAxis("bottom").labelText == "update (step)"
    np.testing.assert_allclose(_data(tab.metric_a_train)[0], [0, 5, 10])

    tab.x_axis.setCurrentIndex(2)  # examples seen: epochs × training rows, for both runs
    np.testing.assert_allclose(_data(tab.train_curve)[0], [0, ROWS, 2 * ROWS])
    np.testing.assert_allclose(_data(full)[0], [0, ROWS, 2 * ROWS])
    assert tab.loss_plot.getViewBox().viewRange()[0][1] >= 2 * ROWS

    # A new frame of the run stays on the axis chosen.
    panel.show_frame(_run(_project(batch_size=32), dataset, 2, epochs=3))
    np.testing.assert_allclose(_data(tab.train_curve)[0], np.array([0, 1, 2, 3]) * ROWS)
    tab.x_axis.setCurrentIndex(0)
    np.testing.assert_allclose(_data(tab.train_curve)[0], [0, 1, 2, 3])

    # The choice is kept from one session to the next.
    tab.x_axis.setCurrentIndex(1)
    state = panel.view_state()
    tab.x_axis.setCurrentIndex(0)
    panel.restore_view_state(state)
    assert tab.x_axis_key == "updates"


def test_updates_follow_the_steps_taken_after_the_batch_size_changes(panel, dataset) -> None:
    project = _project(batch_size=32)  # 5 updates per epoch
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    builder = FrameBuilder(dataset, probe_size=16, grid_size=8)
    tab = panel.loss_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(project, dataset)
    tab.x_axis.setCurrentIndex(1)
    for _ in range(2):
        trainer.run_epoch()
    panel.show_frame(replace(builder.build(network, trainer.snapshot()), run=1))
    # Paused after 10 updates; batch 4 (40 updates per epoch) for the rest of the run.
    smaller = replace(project, training=replace(project.training, batch_size=4))
    tab.set_project(smaller)
    trainer.update_settings(smaller.training)
    trainer.run_epoch()
    snapshot = trainer.snapshot()
    assert snapshot.step == 50
    panel.show_frame(replace(builder.build(network, snapshot), run=1))
    # On the update axis the curve ends at the run's own step count, as the status bar says.
    np.testing.assert_allclose(_data(tab.train_curve)[0], [0, 5, 10, 50])
    batch_x = _data(tab.batch_curve)[0]
    np.testing.assert_allclose(batch_x, np.arange(50))
    assert tab.loss_plot.vb.viewRange()[0][1] >= 50
    # Per epoch, each mini-batch loss lies within the epoch it was taken in.
    tab.x_axis.setCurrentIndex(0)
    batch_x = _data(tab.batch_curve)[0]
    np.testing.assert_allclose(batch_x[:10], np.arange(10) / 5)
    np.testing.assert_allclose(batch_x[10:], 2 + np.arange(40) / 40)
    # Kept, the run says it went from batch 32 to 4 rather than claiming either throughout.
    panel.show_frame(_run(project, dataset, 2))
    tip = tab.loss_plot.toolTip()
    assert "batch 32 → 4" in tip and "50 updates of batch 32 → 4 in 3 epochs" in tip
    assert "batch&nbsp;32&nbsp;→&nbsp;4" in tab.loss_plot.titleLabel.text


def test_the_updates_axis_shows_a_longer_earlier_run_whole(panel, dataset) -> None:
    tab = _train(panel, dataset, [_project(batch_size=1), _project(batch_size=32)])
    tab.x_axis.setCurrentIndex(1)  # the kept run took 320 updates, the current one 10
    assert tab.loss_plot.vb.viewRange()[0][1] >= 320
    assert tab.metric_plot.vb.viewRange()[0][1] >= 320
    # Per epoch both took 2; without the earlier runs the axis fits the current run.
    tab.show_previous.setChecked(False)
    assert tab.loss_plot.vb.viewRange()[0][1] < 100
    tab.show_previous.setChecked(True)
    assert tab.loss_plot.vb.viewRange()[0][1] >= 320
    tab.x_axis.setCurrentIndex(0)
    assert tab.loss_plot.vb.viewRange()[0][1] < 10


# ---- axes that keep the curves readable ------------------------------------------------------


def test_a_nearly_flat_loss_keeps_a_flat_axis(qtbot) -> None:
    plot = make_plot("Loss", "epoch", "loss")
    steady = SteadyYRange(plot.vb, min_relative_span=0.01)
    flat = np.array([0.69315, 0.69332, 0.69320, 0.69318])
    steady.fit([flat])
    low, high = plot.vb.viewRange()[1]
    assert high - low >= 0.01 * 0.6933
    # The noise fills a few per cent of the height, not all of it.
    assert (flat.max() - flat.min()) / (high - low) < 0.05
    # A real fall still fills the axis.
    steady.reset()
    steady.fit([np.array([0.69, 0.35, 0.2])])
    low, high = plot.vb.viewRange()[1]
    assert high - low < 0.8


def test_single_examples_losses_do_not_squash_the_curves(panel, dataset) -> None:
    tab = panel.loss_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(_project(batch_size=1), dataset)
    frame = _run(_project(batch_size=1), dataset, 1)
    history = frame.snapshot.history
    top = float(np.nanmax([history.train_loss, history.val_loss]))
    # Stochastic gradient descent: a few examples' losses far above the averaged curves.
    losses = frame.batch_losses.copy()
    losses[::40, 1] = 12 * top
    panel.show_frame(replace(frame, batch_losses=losses))
    assert _data(tab.batch_curve)[1].max() == pytest.approx(12 * top)
    high = tab.loss_plot.vb.viewRange()[1][1]
    assert high <= 2.5 * top
    # Without the mini-batches, the axis fits the curves alone.
    tab.show_batches.setChecked(False)
    assert tab.loss_plot.vb.viewRange()[1][1] <= 1.5 * top


def test_the_gradient_norm_says_what_it_is_and_the_average_note_only_when_it_applies(
    qtbot, dataset
) -> None:
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(1000, 400)
    panel.show()
    tab = panel.gradients_tab
    panel.tabs.setCurrentWidget(tab)
    assert tab.plot.toolTip() == GRADIENT_NORM_TIP
    assert "‖[∂J/∂W; ∂J/∂b]‖" in GRADIENT_NORM_TIP
    short = _run(_project(batch_size=32), dataset, 1, epochs=2)  # 10 steps
    tab.show_frame(short)
    assert short.grad_steps.shape[0] == 10
    assert tab.smoothing_note.isHidden()
    # Thick and thin lines are the same norms: nothing is averaged.
    np.testing.assert_allclose(_data(tab.curves[0])[1], _data(tab.raw_curves[0])[1])
    long = _run(_project(batch_size=4), dataset, 2, epochs=4)  # 160 steps
    tab.show_frame(long)
    assert not tab.smoothing_note.isHidden()
    tab.show_frame(short)
    assert tab.smoothing_note.isHidden()
