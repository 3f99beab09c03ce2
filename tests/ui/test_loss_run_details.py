"""What the Loss tab says about a run besides its losses: early stopping's best epoch (and
whether its weights were restored), the learning rate over the run on its own axis, and the
regularised objective J + penalty beside the data loss."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, ScheduleSpec, TrainingSpec
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.ui.plots import PlotsPanel
from nnstudio.ui.plots.loss import (
    OBJECTIVE_LABEL,
    LossTab,
    best_epoch_text,
    rate_steps,
    zero_rate_text,
)
from nnstudio.ui.qt import QtCore, pg
from nnstudio.workflow import build_network, make_trainer
from tests.ui import test_live_plots as live_plot_tests

pytestmark = pytest.mark.gui

# The plots panel the live plots tests use (1200 × 420).
panel = live_plot_tests.panel


def _project(**training: object) -> Project:
    settings = {"optimizer": "adam", "learning_rate": 0.05, "batch_size": 32, "epochs": 30}
    return Project(
        name="Circles",
        data=BuiltinData(builtin="circles", samples=200, seed=1),
        network=NetworkSpec(inputs=2, layers=(LayerSpec(8, "tanh"), LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(**{**settings, **training}),  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return load_dataset(_project().data, ".")


@pytest.fixture(scope="module")
def flipped(dataset: Dataset) -> Dataset:
    """The circles with the validation labels swapped: the better the fit, the worse the
    validation loss, so early stopping's best epoch comes early and the run stops early."""
    return replace(dataset, Y_val=dataset.Y_val[:, ::-1].copy())


def _frames(project: Project, dataset: Dataset, epochs: int) -> list[Frame]:
    """A frame per epoch of a real run (the untrained network first), until it ends."""
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    builder = FrameBuilder(dataset, probe_size=16, grid_size=8)
    frames = [replace(builder.build(network, trainer.snapshot()), run=1)]
    for _ in range(epochs):
        if trainer.is_done:
            break
        trainer.run_epoch()
        frames.append(replace(builder.build(network, trainer.snapshot()), run=1))
    return frames


def _show(panel: PlotsPanel, project: Project, dataset: Dataset, frames: list[Frame]) -> LossTab:
    tab = panel.loss_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(project, dataset)
    tab.set_project(project)
    for frame in frames:
        panel.show_frame(frame)
    return tab


def _data(item: pg.PlotDataItem) -> tuple[np.ndarray, np.ndarray]:
    x, y = item.getData()
    return (np.zeros(0), np.zeros(0)) if x is None else (np.asarray(x), np.asarray(y))


def _label_rect(tab: LossTab) -> QtCore.QRectF:
    label = tab.best_label
    return label.mapRectToScene(label.textItem.mapRectToParent(label.textItem.boundingRect()))


# ---- early stopping's best epoch ---------------------------------------------------------------


def test_the_best_epoch_is_marked_and_follows_the_run_live(panel, dataset) -> None:
    project = _project(early_stopping=50, min_delta=0.002)
    frames = _frames(project, dataset, 12)
    tab = panel.loss_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(project, dataset)
    tab.set_project(project)
    marked = []
    for frame in frames:
        panel.show_frame(frame)
        best = frame.snapshot.best_epoch
        assert best is not None
        assert tab.best_line.isVisible() and tab.best_line.value() == pytest.approx(best)
        assert tab.best_label.shown_text().startswith(
            f"best epoch {best} (val {frame.snapshot.best_loss:.4g})"
        )
        # A ring on the validation curve at the best value.
        x, y = _data(tab.best_point)
        assert x.tolist() == [best] and y[0] == pytest.approx(frame.snapshot.best_loss)
        marked.append(best)
    assert marked[0] == 0 and len(set(marked)) > 2  # it moved on as the loss improved


def test_without_early_stopping_no_best_epoch_is_marked(panel, dataset) -> None:
    project = _project()
    tab = _show(panel, project, dataset, _frames(project, dataset, 3))
    assert not tab.best_line.isVisible() and not tab.best_point.isVisible()


def test_a_run_stopped_early_says_the_best_weights_were_restored(panel, flipped) -> None:
    project = _project(early_stopping=3, epochs=200)
    frames = _frames(project, flipped, 200)
    snapshot = frames[-1].snapshot
    assert snapshot.status == "early_stopped"
    best, end = snapshot.best_epoch, snapshot.epoch
    assert end == best + 3 < 200
    tab = _show(panel, project, flipped, frames)
    assert tab.best_line.value() == pytest.approx(best)
    assert tab.best_label.shown_text() == (
        f"best epoch {best} (val {snapshot.best_loss:.4g}): its weights restored\n"
        f"early stopping ended the run at epoch {end}"
    )
    # The curves go on to the epoch it stopped at; the numbers in the title are the restored
    # weights' (the best validation loss), not the last epoch's.
    assert _data(tab.val_curve)[0].max() == end
    assert snapshot.val_loss == pytest.approx(snapshot.best_loss)
    assert f"val&nbsp;{snapshot.best_loss:.4g}" in tab.loss_plot.titleLabel.text
    assert "restored" in tab.best_line.toolTip() and "keeps its last weights" in (
        tab.best_line.toolTip()
    )


def test_a_run_that_ends_otherwise_says_the_best_weights_were_not_restored(panel, flipped) -> None:
    project = _project(early_stopping=100, epochs=8)
    frames = _frames(project, flipped, 8)
    snapshot = frames[-1].snapshot
    assert snapshot.status == "finished" and snapshot.best_epoch < 8
    tab = _show(panel, project, flipped, frames)
    assert tab.best_label.shown_text() == (
        f"best epoch {snapshot.best_epoch} (val {snapshot.best_loss:.4g}): not restored\n"
        "the run finished with epoch 8's weights"
    )


def test_the_best_epochs_words_follow_what_the_trainer_did() -> None:
    class Snap:
        best_epoch = 40
        best_loss = 0.1234567
        val_loss = 0.2
        epoch = 55
        epoch_progress = 0.0
        status = "running"

    snap = Snap()
    assert best_epoch_text(snap) == "best epoch 40 (val 0.1235)"
    assert best_epoch_text(snap, compact=True) == "best epoch 40"
    snap.status = "stopped"
    assert best_epoch_text(snap).endswith(
        "not restored\nstopped: the network keeps its last weights"
    )
    snap.status = "diverged"
    assert best_epoch_text(snap).endswith("the network keeps its last finite weights")
    assert best_epoch_text(snap, compact=True) == "best epoch 40\nnot restored"
    snap.status, snap.epoch = "finished", 40
    assert best_epoch_text(snap) == "best epoch 40 (val 0.1235): the last epoch, its weights kept"
    snap.status, snap.epoch_progress = "stopped", 0.5  # stopped inside the next epoch
    assert "not restored" in best_epoch_text(snap)
    snap.val_loss = None  # without validation data early stopping watches the training loss
    assert best_epoch_text(snap).startswith("best epoch 40 (train 0.1235)")
    snap.best_epoch = None
    assert best_epoch_text(snap) == ""


def test_the_best_epochs_label_stays_whole_inside_the_plot(qtbot, panel, flipped) -> None:
    project = _project(early_stopping=100, epochs=8)
    frames = _frames(project, flipped, 8)
    tab = _show(panel, project, flipped, frames)
    view = tab.loss_plot.vb.sceneBoundingRect()
    for width in (1200, 700, 520):
        panel.resize(width, 420)
        qtbot.waitUntil(lambda w=width: panel.width() == w)
        tab.best_label.updatePosition()
        view = tab.loss_plot.vb.sceneBoundingRect()
        rect = _label_rect(tab)
        assert view.left() <= rect.left() and rect.right() <= view.right(), width
        # Beside the line where it has room there, not over it.
        line_x = tab.loss_plot.vb.mapViewToScene(QtCore.QPointF(tab.best_line.value(), 0)).x()
        if rect.width() + 10 < view.right() - line_x or rect.width() + 10 < line_x - view.left():
            assert not rect.left() < line_x < rect.right(), width
    # Narrower than the whole text beside the line: the short wording, still inside the plot.
    best = frames[-1].snapshot.best_epoch
    panel.resize(330, 800)
    qtbot.waitUntil(lambda: panel.width() == 330)
    tab.best_label.updatePosition()
    assert tab.best_label.shown_text() == f"best epoch {best}\nnot restored"
    view, rect = tab.loss_plot.vb.sceneBoundingRect(), _label_rect(tab)
    assert view.left() <= rect.left() and rect.right() <= view.right()
    # A plot too short for it shows the line alone rather than text covering the curves.
    panel.resize(330, 300)
    qtbot.waitUntil(lambda: panel.height() == 300)
    tab.best_label.updatePosition()
    assert tab.best_label.shown_text() == "" and tab.best_label.opacity() == 0.0
    assert tab.best_line.isVisible()


def _ring_sticks_out(tab: LossTab) -> list[str]:
    """The sides of the loss plot past which the best epoch's ring is cut off (in pixels)."""
    view = tab.loss_plot.vb
    x, y = _data(tab.best_point)  # where it is drawn: on a log axis, log10 of the loss
    assert x.shape == (1,) and np.isfinite(y[0])
    # From its centre to the outside of its pen.
    radius = tab.best_point.opts["symbolSize"] / 2 + tab.best_point.opts["symbolPen"].widthF() / 2
    (x_low, x_high), (y_low, y_high) = view.viewRange()
    x_room = radius * (x_high - x_low) / view.width()
    y_room = radius * (y_high - y_low) / view.height()
    sides = {
        "left": x[0] - x_room < x_low,
        "right": x[0] + x_room > x_high,
        "bottom": y[0] - y_room < y_low,
        "top": y[0] + y_room > y_high,
    }
    return [side for side, out in sides.items() if out]


def _early_stopping_tab(qtbot, dataset) -> tuple[LossTab, Project]:
    """A shown Loss tab as wide as a 1024-pixel window's plots dock (two plots side by side,
    each about 200 pixels wide), set up for a run with early stopping."""
    tab = LossTab()
    qtbot.addWidget(tab)
    tab.resize(455, 220)
    tab.show()
    qtbot.waitExposed(tab)
    project = _project(early_stopping=50, min_delta=0.0)
    tab.set_context(project, dataset)
    tab.set_project(project)
    return tab, project


def test_the_best_epochs_ring_is_never_cut_off_by_the_plots_edge(qtbot, dataset) -> None:
    tab, project = _early_stopping_tab(qtbot, dataset)
    frames = _frames(project, dataset, 10)
    for frame in frames:
        tab.show_frame(frame)
        QtCore.QCoreApplication.processEvents()
        # Live, the best epoch is mostly the last one, at the plot's right edge (and at the
        # start the first one, at its left edge); there half the ring was cut off.
        assert tab.best_point.isVisible()
        assert _ring_sticks_out(tab) == [], frame.snapshot.epoch
    snapshot = frames[-1].snapshot
    assert snapshot.best_epoch == snapshot.epoch == 10
    # The axes still follow the run: from its first epoch to a round number past its last.
    (x_low, x_high), (y_low, y_high) = tab.loss_plot.vb.viewRange()
    assert -0.5 < x_low <= 0.0 and 10.0 < x_high <= 13.0
    assert tab.metric_plot.vb.viewRange()[0] == pytest.approx([x_low, x_high])
    train, val = _data(tab.train_curve)[1], _data(tab.val_curve)[1]
    assert y_low <= min(train.min(), val.min()) and max(train.max(), val.max()) <= y_high
    # On a log axis, and in a narrower plot (the ring takes more of its width) too.
    tab.log_scale.setChecked(True)
    assert _ring_sticks_out(tab) == []
    tab.resize(380, 220)
    qtbot.waitUntil(lambda: tab.width() == 380)
    QtCore.QCoreApplication.processEvents()
    assert _ring_sticks_out(tab) == []


def test_a_ring_on_a_lowest_loss_keeps_its_room_at_the_bottom_edge(qtbot, dataset) -> None:
    tab, project = _early_stopping_tab(qtbot, dataset)
    for frame in _frames(project, dataset, 4):
        tab.show_frame(frame)
    QtCore.QCoreApplication.processEvents()
    # The loss axis fitted to end right at the best loss (as its round steps may do).
    best = float(_data(tab.best_point)[1][0])
    tab.loss_plot.vb.setYRange(best, best + 0.2, padding=0.0)
    tab._fit_loss_axis()
    assert _ring_sticks_out(tab) == []
    # Moved by the user, the axis stays where they put it.
    tab.loss_plot.vb.sigRangeChangedManually.emit([False, True])
    tab.loss_plot.vb.setYRange(best, best + 0.2, padding=0.0)
    tab._fit_loss_axis()
    assert tab.loss_plot.vb.viewRange()[1] == pytest.approx([best, best + 0.2])


# ---- the learning rate -------------------------------------------------------------------------


def test_rate_steps_hold_each_epochs_rate_over_that_epoch() -> None:
    x, y = rate_steps(np.array([0, 1, 2, 3]), np.array([0.1, 0.1, 0.05, 0.025]))
    assert x.tolist() == [0, 1, 1, 2, 2, 3]
    assert y.tolist() == [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]
    x, y = rate_steps(np.array([0]), np.array([0.1]))
    assert x.tolist() == [0] and y.tolist() == [0.1]


def test_a_scheduled_rate_shows_on_its_own_log_axis(panel, dataset) -> None:
    schedule = ScheduleSpec(name="step", step_size=3, gamma=0.5)
    project = _project(schedule=schedule, epochs=9)
    frames = _frames(project, dataset, 9)
    tab = _show(panel, project, dataset, frames)
    history = frames[-1].snapshot.history
    np.testing.assert_allclose(np.unique(history.learning_rate), [0.0125, 0.025, 0.05])
    assert not tab.show_rate.isHidden() and tab.show_rate.isChecked()
    assert tab.rate_curve.isVisible() and tab.rate_view.isVisible()
    # A staircase: epochs 1-3 at 0.05, 4-6 at 0.025, 7-9 at 0.0125.
    x, y = tab._live[tab.rate_curve].x, tab._live[tab.rate_curve].y
    assert y[(x > 0) & (x < 3)].tolist() == pytest.approx([0.05] * 4)
    assert y[(x > 6)].tolist() == pytest.approx([0.0125] * 5)
    axis = tab.loss_plot.getAxis("right")
    assert axis.isVisible() and axis.logMode and "learning rate" in axis.shown_label()
    low, high = tab.rate_view.viewRange()[1]
    assert low <= np.log10(0.0125) and np.log10(0.05) <= high
    # The loss axis's scale is its own: the rate's stays logarithmic either way.
    tab.log_scale.setChecked(True)
    tab.log_scale.setChecked(False)
    assert axis.logMode and not tab.loss_plot.getAxis("left").logMode
    # The title says the rate the run ended with.
    assert "lr&nbsp;0.0125" in tab.loss_plot.titleLabel.text
    tab.show_rate.setChecked(False)
    assert not tab.rate_view.isVisible() and not axis.isVisible()
    assert "lr&nbsp;" not in tab.loss_plot.titleLabel.text
    tab.show_rate.setChecked(True)
    assert tab.rate_view.isVisible() and axis.isVisible()


def test_a_constant_rate_offers_no_rate_curve(panel, dataset) -> None:
    project = _project()
    tab = _show(panel, project, dataset, _frames(project, dataset, 3))
    assert tab.show_rate.isHidden()
    assert not tab.rate_view.isVisible() and not tab.loss_plot.getAxis("right").isVisible()
    # A schedule chosen afterwards offers it at once.
    tab.set_project(
        replace(project, training=replace(project.training, schedule=ScheduleSpec("cosine")))
    )
    assert not tab.show_rate.isHidden()


def test_zero_rates_are_named_by_the_epochs_they_trained() -> None:
    epochs = np.arange(9)
    assert zero_rate_text(epochs, np.full(9, 0.1)) == ""
    # Row 0 is the untrained network: its rate trains no epoch.
    assert zero_rate_text(epochs, [0.1, 0.1, 0.1, 0.1, 0.05, 0, 0, 0, 0]) == "lr 0 from epoch 5"
    assert zero_rate_text(epochs, [0.1, 0.1, 0, 0, 0.1, 0.1, 0, 0.1, 0.1]) == (
        "lr 0 in epochs 2–3, in epoch 6"
    )
    many = np.tile([0.1, 0.0], 5)
    assert zero_rate_text(np.arange(10), many).endswith(", …")


def test_epochs_trained_at_rate_zero_run_along_the_axis_bottom_with_a_note(panel, dataset) -> None:
    # Cosine annealing to 0 over 4 epochs: epochs 5 to 8 train at a rate of 0, which a
    # logarithmic axis cannot show; the curve stopped there while the title said "lr 0".
    schedule = ScheduleSpec(name="cosine", period=4, min_lr=0.0)
    project = _project(schedule=schedule, epochs=8)
    frames = _frames(project, dataset, 8)
    rates = frames[-1].snapshot.history.learning_rate
    assert rates[5:].tolist() == [0.0] * 4 and rates[4] > 0
    tab = _show(panel, project, dataset, frames)
    x, log_y = _data(tab.rate_curve)  # the curve holds log10 of the rates
    # The staircase goes on to the last epoch, the zero epochs drawn above 0 (a log axis has
    # no 0) and below every rate that was not 0, inside the rate axis's range.
    assert x.max() == pytest.approx(8.0) and np.all(np.isfinite(log_y))
    floor = log_y[x > 4.5]
    assert np.all(floor == floor[0]) and floor[0] < np.log10(rates[4])
    low, high = tab.rate_view.viewRange()[1]
    assert low < floor[0] < low + 0.05 * (high - low)  # at the bottom edge
    # A note says which epochs trained at 0, beside the drop, inside the plot.
    note = tab.zero_rate_note
    assert note.isVisible() and note.toPlainText().startswith("lr 0")
    assert "lr 0 from epoch 5" in note.toolTip()
    area = tab.loss_plot.vb.sceneBoundingRect()
    assert area.contains(note.sceneBoundingRect())
    drop = tab.loss_plot.vb.mapViewToScene(QtCore.QPointF(4.0, 0.0)).x()
    assert note.sceneBoundingRect().left() >= drop
    # Without the rate curve, no note.
    tab.show_rate.setChecked(False)
    assert not note.isVisible()
    tab.show_rate.setChecked(True)
    assert note.isVisible()


def test_the_rate_axis_leaves_zooming_to_the_loss_plot(panel, dataset) -> None:
    schedule = ScheduleSpec(name="exponential", gamma=0.8)
    project = _project(schedule=schedule, epochs=5)
    tab = _show(panel, project, dataset, _frames(project, dataset, 5))
    centre = tab.loss_plot.vb.sceneBoundingRect().center()
    views = [item for item in tab.graphics.scene().items(centre) if isinstance(item, pg.ViewBox)]
    # The loss plot's view is the first to get the mouse; the rate's takes none.
    assert views[0] is tab.loss_plot.vb
    assert tab.rate_view.state["mouseEnabled"] == [False, False]


# ---- the regularised objective -----------------------------------------------------------------


def test_the_objective_shows_beside_the_loss_with_a_penalty(panel, dataset) -> None:
    project = _project(l2=0.02)
    frames = _frames(project, dataset, 4)
    tab = _show(panel, project, dataset, frames)
    history = frames[-1].snapshot.history
    assert not tab.show_objective.isHidden() and tab.show_objective.isChecked()
    assert tab.objective_curve.isVisible()
    _x, y = _data(tab.objective_curve)
    np.testing.assert_allclose(y, history.train_objective)
    assert np.all(history.train_objective > history.train_loss)  # the penalty's gap
    # Dashed, in the training colour, and named in the title.
    curve_pen = tab.objective_curve.opts["pen"]
    assert curve_pen.style() == QtCore.Qt.PenStyle.DashLine
    assert curve_pen.color().getRgb()[:3] == tab.train_curve.opts["pen"].color().getRgb()[:3]
    objective = frames[-1].snapshot.train_objective
    assert objective == pytest.approx(history.train_objective[-1])
    title = tab.loss_plot.titleLabel.text
    assert f"{OBJECTIVE_LABEL}&nbsp;{objective:.4g}".replace(" ", "&nbsp;") in title
    # The loss axis makes room for it.
    assert tab.loss_plot.vb.viewRange()[1][1] >= history.train_objective.max()
    tab.show_objective.setChecked(False)
    assert not tab.objective_curve.isVisible() and "objective" not in tab.loss_plot.titleLabel.text


def test_without_a_penalty_the_objective_is_not_offered(panel, dataset) -> None:
    project = _project()
    tab = _show(panel, project, dataset, _frames(project, dataset, 3))
    assert tab.show_objective.isHidden()
    assert not tab.objective_curve.isVisible() and "objective" not in tab.loss_plot.titleLabel.text
    # Before a run, a penalty in the settings offers it.
    panel.set_context(replace(project, training=replace(project.training, l1=1e-3)), dataset)
    assert not tab.show_objective.isHidden()


def test_a_penalty_set_while_paused_offers_the_objective_at_once(panel, dataset) -> None:
    project = _project()
    tab = _show(panel, project, dataset, _frames(project, dataset, 3))
    assert not tab.objective_offered and tab.show_objective.isHidden()
    # Paused after 3 epochs, L1 is switched on: the next epochs have a penalty, and the
    # choice to show the objective comes now, not with the next frame.
    tab.set_project(replace(project, training=replace(project.training, l1=0.01)))
    assert tab.objective_offered and not tab.show_objective.isHidden()
    assert tab.objective_curve.isVisible()
    assert "objective" in tab.loss_plot.titleLabel.text


def test_a_rate_changed_while_paused_offers_the_rate_curve_at_once(panel, dataset) -> None:
    project = _project()
    tab = _show(panel, project, dataset, _frames(project, dataset, 3))
    assert not tab.rate_offered
    tab.set_project(replace(project, training=replace(project.training, learning_rate=0.01)))
    assert tab.rate_offered and not tab.show_rate.isHidden() and tab.rate_view.isVisible()
    # Set back before another epoch: the rate does not change after all.
    tab.set_project(project)
    assert not tab.rate_offered


def test_the_new_choices_are_kept_between_sessions_and_saved_as_csv(panel, dataset) -> None:
    project = _project(l2=0.02)
    tab = _show(panel, project, dataset, _frames(project, dataset, 2))
    options = tab.view_options()
    assert options["objective"] is tab.show_objective
    assert options["learningRate"] is tab.show_rate
    header, rows = tab.csv_table()
    column = header.index("train_objective")
    assert rows[-1][column] == pytest.approx(tab._history.train_objective[-1])


# ---- through the training process -------------------------------------------------------------


def test_the_training_process_brings_the_best_epoch_rate_and_objective_live(qtbot, panel) -> None:
    from nnstudio.ui.document import StudioDocument
    from nnstudio.ui.worker import TrainingController

    project = _project(
        early_stopping=10,
        min_delta=0.001,
        epochs=300,
        l2=0.001,
        schedule=ScheduleSpec(name="exponential", gamma=0.98),
    )
    document = StudioDocument()
    document.open_project(project)
    tab = panel.loss_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(document.project, document.dataset)
    tab.set_project(document.project)
    controller = TrainingController(document)
    controller.frameReady.connect(panel.show_frame)
    try:
        qtbot.waitUntil(lambda: controller.latest_frame is not None, timeout=15000)
        for epoch in (1, 2):
            controller.step_epoch()
            qtbot.waitUntil(
                lambda e=epoch: controller.state == "paused" and controller.latest_frame.epoch == e,
                timeout=20000,
            )
            snapshot = controller.latest_frame.snapshot
            assert snapshot.best_epoch is not None
            # Paused after each epoch, the tab marks the best epoch as the run has it.
            assert tab.best_line.isVisible()
            assert tab.best_line.value() == pytest.approx(snapshot.best_epoch)
            assert tab.best_label.shown_text() == best_epoch_text(snapshot)
        controller.play()
        qtbot.waitUntil(lambda: controller.state == "early_stopped", timeout=30000)
        qtbot.waitUntil(
            lambda: controller.latest_frame.snapshot.status == "early_stopped", timeout=15000
        )
        snapshot = controller.latest_frame.snapshot
        assert "its weights restored" in tab.best_label.shown_text()
        assert tab.best_line.value() == pytest.approx(snapshot.best_epoch)
        # The rate fell every epoch, and the objective lies above the loss by the penalty.
        rates = tab._live[tab.rate_curve].y
        assert tab.rate_view.isVisible() and rates[0] > rates[-1] > 0
        _x, objective = _data(tab.objective_curve)
        assert tab.objective_curve.isVisible() and objective.shape[0] >= snapshot.epoch
        assert np.all(snapshot.history.train_objective > snapshot.history.train_loss)
    finally:
        controller.shutdown()
