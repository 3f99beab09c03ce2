"""Live plots stay cheap on long runs: thinned histories, lazy tabs, hidden views catching up."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.data import load_dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.ui.plots import PlotsPanel
from nnstudio.ui.plots.common import LiveCurve, MajorGrid, envelope, make_plot
from nnstudio.ui.plots.gradients import _smoothed
from nnstudio.ui.qt import QtCore, QtWidgets, pg
from nnstudio.workflow import build_network, make_trainer

pytestmark = pytest.mark.gui


def _project(task: str = "classification") -> Project:
    if task == "regression":
        return Project(
            name="Housing",
            data=BuiltinData(builtin="housing", samples=120),
            network=NetworkSpec(inputs=1, layers=(LayerSpec(4, "relu"), LayerSpec(1, "identity"))),
            loss="mse",
            training=TrainingSpec(optimizer="adam", learning_rate=0.02, batch_size=32, epochs=20),
        )
    return Project(
        name="Circles",
        data=BuiltinData(builtin="circles", samples=200, seed=1),
        network=NetworkSpec(inputs=2, layers=(LayerSpec(6, "tanh"), LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.05, batch_size=32, epochs=20),
    )


def _frames(project: Project, epochs: int = 3) -> tuple[object, list[Frame]]:
    dataset = load_dataset(project.data, ".")
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    builder = FrameBuilder(dataset, probe_size=40, grid_size=16)
    frames = [builder.build(network, trainer.snapshot())]
    for _ in range(epochs):
        trainer.run_epoch()
        frames.append(builder.build(network, trainer.snapshot()))
    return dataset, frames


def _long_history(frame: Frame, steps: int) -> Frame:
    """The frame with ``steps`` recorded mini-batch steps (a long run)."""
    rng = np.random.default_rng(3)
    layers = frame.n_layers
    numbers = np.arange(steps, dtype=np.int64)
    norms = np.exp(-np.linspace(0, 3, steps))[:, None] * np.exp(
        0.3 * rng.normal(size=(steps, layers))
    )
    losses = np.column_stack([numbers / 10.0, 0.7 * np.exp(0.2 * rng.normal(size=steps))])
    return replace(frame, grad_steps=numbers, grad_norms=norms, batch_losses=losses)


@pytest.fixture
def panel(qtbot) -> PlotsPanel:
    widget = PlotsPanel()
    qtbot.addWidget(widget)
    widget.resize(1200, 420)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# ---- thinning ----------------------------------------------------------------------------------


def test_envelope_keeps_every_extreme_in_few_points() -> None:
    rng = np.random.default_rng(0)
    x = np.arange(200_000, dtype=np.float64)
    y = rng.normal(size=x.size)
    y[123_457] = 50.0  # one spike must survive
    y[7] = -40.0
    xs, ys = envelope(x, y, 500)
    assert xs.size < 4 * 500
    assert ys.max() == 50.0 and ys.min() == -40.0
    assert np.all(np.diff(xs) >= 0)
    assert xs[-1] == x[-1] and xs[0] == x[0]


def test_envelope_leaves_short_series_and_ignores_lone_nans() -> None:
    x = np.arange(10.0)
    xs, _ys = envelope(x, x * 2, 50)
    assert xs is x
    y = np.arange(1000.0)
    y[10] = np.nan
    _, thinned = envelope(np.arange(1000.0), y, 100)
    assert np.isfinite(thinned).all()


def test_live_curve_thins_long_series_and_zooming_shows_detail(qtbot) -> None:
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    widget.resize(600, 300)
    widget.show()
    plot = make_plot("Test", "x", "y")
    widget.ci.addItem(plot)
    item = plot.plot()
    live = LiveCurve(plot, item, points_per_pixel=2.0)
    x = np.arange(100_000, dtype=np.float64)
    y = np.sin(x / 10.0)
    live.set_data(x, y)
    shown_x, _shown_y = item.getData()
    assert shown_x.size < 4 * 600
    assert shown_x[-1] == x[-1]
    plot.setXRange(1000, 1100, padding=0)  # the user zooms in: every point in view is drawn
    zoomed_x, zoomed_y = item.getData()
    inside = (zoomed_x >= 1000) & (zoomed_x <= 1100)
    np.testing.assert_array_equal(zoomed_x[inside], x[1000:1101])
    np.testing.assert_allclose(zoomed_y[inside], y[1000:1101])
    plot.enableAutoRange()  # back to the whole run
    assert item.getData()[0][-1] == x[-1]


def test_a_lone_point_is_drawn_as_a_dot_until_the_curve_grows(qtbot) -> None:
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Loss", "epoch", "loss")
    widget.ci.addItem(plot)
    item = plot.plot(pen=pg.mkPen((31, 119, 180), width=2))
    live = LiveCurve(plot, item)
    # Before training there is only epoch 0: a line of one point would draw nothing.
    live.set_data(np.array([0.0]), np.array([0.9]))
    assert item.opts["symbol"] == "o"
    assert pg.mkBrush(item.opts["symbolBrush"]).color().getRgb()[:3] == (31, 119, 180)
    live.set_data(np.array([0.0, 1.0]), np.array([0.9, 0.7]))
    assert item.opts["symbol"] is None
    # An undefined value (no validation data) gets no dot either.
    live.set_data(np.array([0.0]), np.array([np.nan]))
    assert item.opts["symbol"] is None


def test_smoothed_gradients_cost_the_same_for_long_runs() -> None:
    steps = np.arange(200_000)
    norms = np.full((200_000, 2), 0.5)
    norms[:, 1] = 2.0
    centres, averaged = _smoothed(steps, norms, 300)
    assert centres.size < 2 * 300 + 1
    np.testing.assert_allclose(averaged[:, 0], 0.5)
    np.testing.assert_allclose(averaged[:, 1], 2.0)
    assert centres[0] < 1000 and centres[-1] > 199_000


# ---- grid --------------------------------------------------------------------------------------


def test_grid_lines_sit_at_the_major_ticks_behind_the_data(qtbot) -> None:
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    plot = make_plot("Test", "x", "y")
    widget.ci.addItem(plot)
    curve = plot.plot([0.0, 1.0], [0.0, 1.0])
    plot.setYRange(0.0, 1.0, padding=0)
    qtbot.waitExposed(widget)
    grids = [item for item in plot.items if isinstance(item, MajorGrid)]
    assert len(grids) == 1
    grid = grids[0]
    values = grid.values()
    assert values and all(0.0 <= v <= 1.0 for v in values)
    assert np.allclose(np.diff(values), values[1] - values[0])
    assert grid.zValue() < curve.zValue()
    # The grid never widens the auto-range.
    plot.enableAutoRange()
    plot.vb.updateAutoRange()
    low, high = plot.vb.viewRange()[1]
    assert low > -0.2 and high < 1.2
    heatmap_plot = make_plot("Image", "x", "y", grid=False)
    assert not any(isinstance(i, MajorGrid) for i in heatmap_plot.items)


# ---- tabs --------------------------------------------------------------------------------------


def test_tabs_are_built_when_needed_and_keep_early_history(panel) -> None:
    project = _project()
    dataset, frames = _frames(project)
    panel.set_context(project, dataset)
    assert list(panel._tabs) == ["Loss"]
    for frame in frames:
        panel.show_frame(frame)
    while panel.build_remaining_tabs():
        pass
    assert list(panel._tabs) == panel.tab_names()
    assert not panel.build_remaining_tabs()
    # The Weights tab, built after the frames arrived, still has their spread history.
    assert len(panel.weights_tab._times) == len(frames)
    panel.tabs.setCurrentWidget(panel.weights_tab)
    assert panel.tabs.currentWidget() is panel.weights_tab
    assert panel.weights_tab.heatmap.image is not None


def test_switching_to_an_unbuilt_tab_builds_and_paints_it(panel) -> None:
    project = _project()
    dataset, frames = _frames(project)
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    panel.tabs.setCurrentIndex(panel.tab_names().index("Output"))
    output = panel.tabs.currentWidget()
    assert output is panel.output_tab
    assert output.confusion.sum() > 0


def test_a_hidden_panel_catches_up_when_shown(panel) -> None:
    project = _project()
    dataset, frames = _frames(project)
    panel.set_context(project, dataset)
    panel.hide()
    panel.show_frame(frames[-1])
    _header, rows = panel.loss_tab.csv_table()
    assert rows == []  # nothing painted while hidden
    panel.show()
    _header, rows = panel.loss_tab.csv_table()
    assert len(rows) == len(frames)


def test_long_runs_reach_the_plots_thinned(panel) -> None:
    project = _project()
    dataset, frames = _frames(project)
    panel.set_context(project, dataset)
    long = _long_history(frames[-1], 200_000)
    panel.show_frame(long)
    batch_x, batch_y = panel.loss_tab.batch_curve.getData()
    assert 100 < batch_x.size < 5_000
    assert batch_x[-1] == long.batch_losses[-1, 0]
    assert batch_y.max() == pytest.approx(long.batch_losses[:, 1].max())
    panel.tabs.setCurrentWidget(panel.gradients_tab)
    raw = panel.gradients_tab.raw_curves[0]
    thick = panel.gradients_tab.curves[0]
    assert 100 < raw.getData()[0].size < 5_000
    assert thick.getData()[0].size < 700
    # The CSV still holds every step.
    _header, rows = panel.gradients_tab.csv_table()
    assert len(rows) == 200_000


def test_regression_metric_title_has_no_separator(panel) -> None:
    project = _project("regression")
    dataset, frames = _frames(project)
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    title = panel.loss_tab.metric_plot.titleLabel.text
    assert "RMSE" in title and "R²" in title
    assert "·" not in title
    # Each name stays on a line with its first value.
    assert "R²&nbsp;&nbsp;<span" in title and "RMSE&nbsp;&nbsp;<span" in title


def test_r2_axis_shows_plain_values(panel) -> None:
    project = _project("regression")
    dataset, frames = _frames(project)
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    loss_tab = panel.loss_tab
    loss_tab.r2_view.setYRange(0.6, 0.7, padding=0)
    axis = loss_tab.metric_plot.getAxis("right")
    # Not "R² (x0.001)" with ticks at 600 and 700.
    assert axis.autoSIPrefixScale == 1.0
    assert "x0.001" not in axis.labelString()
    assert axis.tickStrings([0.6, 0.65, 0.7], 1.0, 0.05) == ["0.60", "0.65", "0.70"]


def test_plot_titles_stay_centred_when_they_wrap(qtbot) -> None:
    from nnstudio.ui.plots.common import set_title

    # The title is set before the plot has its size (as when a tab is built), so it is first
    # laid out unwrapped and must be centred again once it wraps.
    plot = make_plot("Short", "x", "y")
    set_title(plot, "&nbsp; ".join(["entry&nbsp;number&nbsp;" + str(i) for i in range(6)]))
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    widget.resize(260, 300)
    widget.ci.addItem(plot)
    widget.show()
    qtbot.waitExposed(widget)
    QtWidgets.QApplication.processEvents()
    label = plot.titleLabel
    text_rect = label.mapRectFromItem(label.item, label.item.boundingRect())
    assert label.item.document().size().width() <= label.rect().width() + 1  # it wrapped
    assert text_rect.left() >= label.rect().left() - 1
    assert text_rect.right() <= label.rect().right() + 1


def test_x_axis_grows_in_steps_and_stays_where_the_user_put_it(qtbot) -> None:
    from nnstudio.ui.plots.common import GrowingXRange, round_up

    assert round_up(0.0) == 0.0
    for value in (0.3, 7.0, 170.0, 201.0, 1001.0, 123_456.0):
        assert value <= round_up(value) <= 1.25 * value
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    plot = make_plot("Test", "epoch", "loss")
    widget.ci.addItem(plot)
    x_range = GrowingXRange(plot)
    x_range.follow(0.0, 0.0)
    low, high = plot.vb.viewRange()[0]
    assert low < 0.0 < 1.0 < high  # a lone point gets a unit-wide axis
    x_range.follow(0.0, 170.0)
    first = plot.vb.viewRange()[0]
    assert first[0] < 0.0 and 170.0 < first[1] < 200.0
    x_range.follow(0.0, 171.0)  # still inside: the axis does not move
    assert plot.vb.viewRange()[0] == first
    plot.vb.sigRangeChangedManually.emit([True, True])  # the user zoomed
    plot.setXRange(10.0, 20.0, padding=0)
    x_range.follow(0.0, 400.0)
    assert plot.vb.viewRange()[0] == [10.0, 20.0]
    x_range.reset()
    x_range.follow(0.0, 400.0)
    assert plot.vb.viewRange()[0][1] > 400.0


def test_images_and_maps_have_no_grid_lines(panel) -> None:
    output = panel.output_tab
    for plot in (output.map_plot, output.confusion_plot, output.examples_plot):
        assert not any(isinstance(item, MajorGrid) for item in plot.items)
    for plot in (output.parity_plot, panel.loss_tab.loss_plot, panel.gradients_tab.plot):
        assert any(isinstance(item, MajorGrid) for item in plot.items)
    weights = panel.weights_tab
    assert not any(isinstance(item, MajorGrid) for item in weights.heatmap_plot.items)


# ---- where mini-batch losses sit ---------------------------------------------------------------


def _full_batch_frames(epochs: int) -> list[Frame]:
    """Frames of a full-batch run: one step per epoch, each taken on the whole training set."""
    project = replace(
        _project("regression"),
        training=TrainingSpec(optimizer="adam", learning_rate=0.02, batch_size="full", epochs=9),
    )
    return _frames(project, epochs=epochs)[1]


def test_a_full_batch_loss_sits_on_the_training_curve_where_its_step_was_taken(
    qtbot, panel
) -> None:
    frames = _full_batch_frames(epochs=4)
    tab = panel.loss_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(frames[-1])
    history = frames[-1].snapshot.history
    batch_x, batch_y = tab.batch_curve.getData()
    train_x, train_y = tab.train_curve.getData()
    np.testing.assert_array_equal(train_x, [0, 1, 2, 3, 4])
    # Step s is taken with the weights that epoch s - 1 ended with, on the same examples:
    # its loss is that epoch's training loss, at that epoch (the first one at 0, not 1).
    np.testing.assert_allclose(batch_x, [0, 1, 2, 3])
    np.testing.assert_allclose(batch_y, history.train_loss[:-1], rtol=1e-4)
    # Drawn on the training curve: the first mini-batch point is the first training point.
    view = tab.loss_plot.vb
    first_batch = view.mapViewToScene(QtCore.QPointF(batch_x[0], batch_y[0]))
    first_train = view.mapViewToScene(QtCore.QPointF(train_x[0], train_y[0]))
    assert (first_batch - first_train).manhattanLength() < 1.0
