"""The plots panel: every tab shows the frame's data, keeps its colour levels, and saves."""

from __future__ import annotations

import csv
import itertools
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.ui.plots import PlotsPanel
from nnstudio.ui.plots.common import (
    SteadyYRange,
    StickyLevel,
    class_colors,
    make_plot,
    nice_ceiling,
)
from nnstudio.ui.plots.output import (
    boundary_segments,
    class_probabilities,
    confusion_matrix,
    grid_image_rect,
    region_colors,
)
from nnstudio.ui.qt import QtCore, QtGui, pg
from nnstudio.workflow import build_network, make_trainer

pytestmark = pytest.mark.gui


def spiral_project() -> Project:
    return Project(
        name="Spiral",
        data=BuiltinData(builtin="spiral", samples=300, arms=3, noise=0.05, seed=2),
        network=NetworkSpec(
            inputs=2,
            layers=(
                LayerSpec(8, "tanh"),
                LayerSpec(6, "relu", init="he_normal"),
                LayerSpec(3, "softmax"),
            ),
        ),
        loss="categorical_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.02, batch_size=32, epochs=50),
    )


def housing_project() -> Project:
    return Project(
        name="Housing",
        data=BuiltinData(builtin="housing", samples=150),
        network=NetworkSpec(
            inputs=1, layers=(LayerSpec(6, "relu", init="he_normal"), LayerSpec(1, "identity"))
        ),
        loss="mse",
        training=TrainingSpec(optimizer="adam", learning_rate=0.02, batch_size=32, epochs=50),
    )


def train_frames(
    project: Project, epochs: int = 4, dataset: Dataset | None = None
) -> tuple[Dataset, list[Frame]]:
    """One frame per epoch of a real run, each carrying the whole step history."""
    if dataset is None:
        dataset = load_dataset(project.data, ".")
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    builder = FrameBuilder(dataset, probe_size=60, grid_size=24)
    frames = [builder.build(network, trainer.snapshot())]
    for _ in range(epochs):
        trainer.run_epoch()
        frames.append(builder.build(network, trainer.snapshot()))
    return dataset, frames


@pytest.fixture
def panel(qtbot) -> PlotsPanel:
    widget = PlotsPanel()
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture(scope="module")
def spiral() -> tuple[Project, Dataset, list[Frame]]:
    project = spiral_project()
    dataset, frames = train_frames(project)
    return project, dataset, frames


def show_everywhere(panel: PlotsPanel, frame: Frame) -> None:
    """Show a frame and bring every tab up to date."""
    panel.show_frame(frame)
    for name in panel.tab_names():
        panel.tabs.setCurrentWidget(panel.tab(name))


# ---- tabs ------------------------------------------------------------------------------------


def test_tabs_are_named_and_unknown_names_are_refused(panel) -> None:
    from nnstudio.errors import NNStudioError

    assert panel.tab_names() == ["Loss", "Weights", "Gradients", "Activations", "Output"]
    with pytest.raises(NNStudioError, match="Loss"):
        panel.tab("Losses")


def test_loss_curves_match_the_history(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    show_everywhere(panel, frames[-1])
    history = frames[-1].snapshot.history
    tab = panel.loss_tab
    x, y = tab.train_curve.getData()
    np.testing.assert_array_equal(x, history.epoch)
    np.testing.assert_allclose(y, history.train_loss)
    x, y = tab.val_curve.getData()
    np.testing.assert_allclose(y, history.val_loss)
    x, y = tab.metric_a_val.getData()
    np.testing.assert_allclose(y, history.val_accuracy)
    # Mini-batch losses sit at fractional epochs between the epoch points, each where its
    # step began (its loss is measured before the update).
    bx, _by = tab.batch_curve.getData()
    assert bx.shape[0] == frames[-1].step
    steps_per_epoch = -(-dataset.n_train // 32)
    assert bx[0] == 0 and bx[1] == pytest.approx(1 / steps_per_epoch)
    tab.log_scale.setChecked(True)
    assert tab.loss_plot.ctrl.logYCheck.isChecked()


def test_regression_shows_rmse_and_r2(panel) -> None:
    project = housing_project()
    dataset, frames = train_frames(project, epochs=3)
    panel.set_context(project, dataset)
    show_everywhere(panel, frames[-1])
    history = frames[-1].snapshot.history
    _, rmse = panel.loss_tab.metric_a_train.getData()
    _, r2 = panel.loss_tab.metric_b_val.getData()
    np.testing.assert_allclose(rmse, history.train_rmse)
    np.testing.assert_allclose(r2, history.val_r2)
    # Output: the fitted curve over the data and predicted against actual.
    output = panel.output_tab
    x, y = output.curves[0].getData()
    np.testing.assert_allclose(x, frames[-1].line.line_x)
    np.testing.assert_allclose(y, frames[-1].line.line_A[-1][:, 0], rtol=1e-6)
    px, py = output.parity_points.getData()
    np.testing.assert_allclose(px, frames[-1].eval_targets[:, 0])
    np.testing.assert_allclose(py, frames[-1].predictions[:, 0])
    lx, ly = output.identity_line.getData()
    np.testing.assert_allclose(lx, ly)
    # A fitted curve has no class boundary to draw, nor a switch for one.
    assert not output.show_boundary.isVisibleTo(output) and not output.boundary.isVisible()


def test_weight_heatmap_has_fixed_symmetric_levels(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.weights_tab)
    panel.set_selected_layer(1)
    panel.show_frame(frames[0])
    tab = panel.weights_tab
    np.testing.assert_allclose(tab.heatmap.image, frames[0].weights[1][0])
    low, high = tab.levels
    assert low == -high and high > np.abs(frames[0].weights[1][0]).max() * 0.5
    # Slightly different weights keep the very same colour levels.
    W, b = frames[0].weights[1]
    nudged = list(frames[0].weights)
    nudged[1] = (W * 0.9, b)
    panel.show_frame(replace(frames[0], weights=tuple(nudged)))
    assert tab.levels == (low, high)
    # Another layer has its own shape and levels.
    panel.set_selected_layer(0)
    assert tab.heatmap.image.shape == (2, 8)


def test_sticky_level_only_grows_to_round_numbers() -> None:
    level = StickyLevel()
    first = level.update(np.array([0.3, -0.42]))
    assert first == nice_ceiling(0.42 * 1.1) == 0.5
    assert level.update(np.array([0.1])) == first
    assert level.update(np.array([-3.0])) == 5.0
    level.reset()
    assert level.update(np.array([0.01])) == pytest.approx(0.02)


def test_steady_y_range_moves_only_when_the_data_leave_it_and_stops_for_the_user(qtbot) -> None:
    plot = make_plot("Loss", "epoch", "loss")
    steady = SteadyYRange(plot.vb)
    steady.fit([np.array([0.52, 0.9]), np.array([0.61])])
    low, high = plot.vb.viewRange()[1]
    assert low <= 0.52 and high >= 0.9  # every value shows
    assert high - low < 0.6  # and the range stays close to them
    steady.fit([np.array([0.55, 0.88])])  # new values inside: the axis stays put
    assert plot.vb.viewRange()[1] == [low, high]
    steady.fit([np.array([0.3, 0.9])])  # a new low leaves the range: it moves, in round steps
    new_low, new_high = plot.vb.viewRange()[1]
    assert new_low <= 0.3 < low
    steady.fit([np.array([float("nan"), 0.31, 0.9])])  # NaN is ignored
    assert plot.vb.viewRange()[1] == [new_low, new_high]
    plot.vb.sigRangeChangedManually.emit([False, True])  # the user zoomed
    steady.fit([np.array([5.0, 9.0])])
    assert plot.vb.viewRange()[1] == [new_low, new_high]
    steady.reset()  # a new run follows the data again
    steady.fit([np.array([5.0, 9.0])])
    assert plot.vb.viewRange()[1][1] >= 9.0


def test_weight_spread_and_histograms_follow_the_frames(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.loss_tab)
    for frame in frames:
        panel.show_frame(frame)  # the Weights tab is hidden but records every frame
    panel.tabs.setCurrentWidget(panel.weights_tab)
    tab = panel.weights_tab
    x, median = tab.spread_median.getData()
    np.testing.assert_array_equal(x, [f.epoch for f in frames])
    np.testing.assert_allclose(median, [f.weight_quantiles[0, 3] for f in frames])
    assert len([c for c in tab.histogram_curves if c.isVisible()]) == 3
    _edges, shares = tab.histogram_curves[0].getData()
    assert shares.sum() == pytest.approx(100.0)


def test_gradient_lines_hold_every_step(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.gradients_tab)
    panel.show_frame(frames[-1])
    tab = panel.gradients_tab
    assert len(tab.curves) == 3
    for index, raw in enumerate(tab.raw_curves):
        # xData/yData are the values given (getData returns log10 on a log axis).
        np.testing.assert_array_equal(raw.xData, frames[-1].grad_steps)
        np.testing.assert_allclose(raw.yData, frames[-1].grad_norms[:, index])
    assert tab.plot.ctrl.logYCheck.isChecked()
    # Three layers are named in the title (a legend box would hide lines).
    title = tab.plot.titleLabel.text.replace("&nbsp;", " ")
    assert "1 tanh" in title and "2 relu" in title and "3 softmax" in title
    assert not any(isinstance(item, pg.LegendItem) for item in tab.graphics.scene().items())


def test_activation_heatmap_and_unit_health(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.activations_tab)
    panel.set_selected_layer(0)
    frame = frames[-1]
    panel.show_frame(frame)
    tab = panel.activations_tab
    np.testing.assert_allclose(tab.heatmap.image, frame.probe_A[1].T)
    assert tab.levels == (-1.0, 1.0)  # tanh is bounded
    assert sum(line.isVisible() for line in tab.boundaries) == 2  # three classes
    heights = tab.saturated_bars.opts["height"]
    assert heights[0] == pytest.approx(100 * frame.saturated_fraction[0])
    assert tab.dead_bars.opts["height"][1] == pytest.approx(100 * frame.dead_fraction[1])


def test_output_regions_and_confusion_matrix(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.output_tab)
    frame = frames[-1]
    panel.show_frame(frame)
    tab = panel.output_tab
    assert tab.regions.image.shape == (24, 24, 3)
    assert tab.confusion.sum() == frame.eval_inputs.shape[0] == dataset.n_val
    assert np.trace(tab.confusion) == np.sum(frame.eval_labels == frame.predicted_labels)
    visible = [text for text in tab.cell_texts if text.isVisible()]
    assert len(visible) == 9
    assert sum(int(text.textItem.toPlainText()) for text in visible) == dataset.n_val
    train_x, _train_y = tab.train_points.getData()
    np.testing.assert_allclose(train_x, dataset.X_train[:, 0])
    assert tab.val_points.getData()[0].shape[0] == dataset.n_val

    # The regions' pixels sit on the grid points; the boundary lies within the map.
    grid = frame.grid
    rect = tab.regions.mapRectToParent(tab.regions.boundingRect())
    assert (rect.x(), rect.y(), rect.width(), rect.height()) == pytest.approx(
        grid_image_rect(grid.extent, grid.size)
    )
    assert tab.show_boundary.isVisibleTo(tab) and tab.boundary.isVisible()
    x, y = tab.boundary.getData()
    assert x.size > 0 and x.size % 2 == 0
    x0, x1, y0, y1 = grid.extent
    assert x0 <= x.min() and x.max() <= x1 and y0 <= y.min() and y.max() <= y1
    tab.show_boundary.setChecked(False)
    assert not tab.boundary.isVisible()
    tab.show_boundary.setChecked(True)
    assert tab.boundary.isVisible() and tab.boundary.getData()[0].size == x.size


def grid_probabilities(scores, size: int = 21) -> tuple[np.ndarray, tuple[float, ...]]:
    """Class scores over a size×size grid on [-1, 1]², shape (size, size, classes)."""
    axis = np.linspace(-1.0, 1.0, size)
    x, y = np.meshgrid(axis, axis)
    return np.stack(scores(x, y), axis=-1), (-1.0, 1.0, -1.0, 1.0)


def test_boundary_lies_where_the_predicted_class_changes() -> None:
    # Scores linear along each grid edge: the interpolated crossings are exact.
    two, extent = grid_probabilities(lambda x, y: (0.5 - 0.4 * (x - 0.31), 0.5 + 0.4 * (x - 0.31)))
    points = boundary_segments(two, extent)
    assert points.shape == (2 * 20, 2)
    np.testing.assert_allclose(points[:, 0], 0.31, atol=1e-12)
    assert points[:, 1].min() == -1.0 and points[:, 1].max() == 1.0

    three, extent = grid_probabilities(lambda x, y: (-(x + 0.23), 0 * x, x - 0.47))
    points = boundary_segments(three, extent)
    assert points.shape == (2 * 2 * 20, 2)
    left = np.isclose(points[:, 0], -0.23, atol=1e-12)
    right = np.isclose(points[:, 0], 0.47, atol=1e-12)
    assert left.sum() == right.sum() == 40 and np.all(left | right)

    one_class, extent = grid_probabilities(lambda x, y: (x + 5, 0 * x))
    assert boundary_segments(one_class, extent).shape == (0, 2)


def test_boundary_between_three_classes_meets_without_loose_ends() -> None:
    # Three sectors around a point that is not on the grid: their boundaries meet there.
    angles = np.deg2rad([90.0, 210.0, 330.0])
    three, extent = grid_probabilities(
        lambda x, y: tuple(np.cos(a) * (x - 0.03) + np.sin(a) * (y + 0.02) for a in angles)
    )
    points = boundary_segments(three, extent)
    ends, uses = np.unique(np.round(points, 9), axis=0, return_counts=True)
    inside = np.all(np.abs(ends) < 1.0 - 1e-9, axis=1)
    # Every end inside the map continues into another segment; three lines reach the edge.
    assert np.all(uses[inside] >= 2)
    assert np.count_nonzero(~inside) == 3
    meeting = ends[uses >= 3]
    assert meeting.shape[0] == 1
    np.testing.assert_allclose(meeting[0], [0.03, -0.02], atol=0.05)


def test_views_showing_one_frame_share_its_decision_map(spiral) -> None:
    from nnstudio.ui.plots.output import DecisionMap, decision_map

    _project, _dataset, frames = spiral
    first, second = frames[-2].grid, frames[-1].grid
    assert "boundary" not in vars(DecisionMap(second))  # traced only when a view draws it
    decision = decision_map(second)
    assert decision_map(second) is decision
    np.testing.assert_array_equal(
        decision.boundary, boundary_segments(decision.probabilities, second.extent)
    )
    assert decision_map(first) is not decision and decision_map(first).grid is first


def test_grid_image_puts_each_pixel_centre_on_its_grid_point() -> None:
    x, y, width, height = grid_image_rect((-1.0, 3.0, 0.0, 1.0), 5)
    # Pixel j of 5 covers [x + j w/5, x + (j+1) w/5]; its centre must be at -1 + j.
    centres = x + (np.arange(5) + 0.5) * width / 5
    np.testing.assert_allclose(centres, [-1.0, 0.0, 1.0, 2.0, 3.0])
    np.testing.assert_allclose(y + (np.arange(5) + 0.5) * height / 5, np.linspace(0, 1, 5))


def test_non_finite_outputs_still_give_colours_and_a_boundary() -> None:
    single = np.array([[[np.nan], [1.0]], [[np.inf], [-np.inf]]])
    several = np.array([[[np.inf, 0.0, 0.0], [np.nan, np.nan, np.nan]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for outputs, classes in ((single, 2), (several, 3)):
            probabilities = class_probabilities(outputs)
            assert np.all(np.isfinite(probabilities))
            np.testing.assert_allclose(probabilities.sum(axis=-1), 1.0)
            region_colors(probabilities, class_colors(classes))
            boundary_segments(probabilities, (0.0, 1.0, 0.0, 1.0))
    np.testing.assert_allclose(class_probabilities(single)[0, 0], [0.5, 0.5])


def test_region_colours_follow_class_probabilities() -> None:
    colors = np.array([[0, 0, 255], [255, 0, 0]], dtype=np.uint8)
    probabilities = class_probabilities(np.array([[0.0], [1.0], [0.5]]))
    rgb = region_colors(probabilities, colors)
    assert rgb[0, 2] > rgb[0, 0]  # class 0 blue
    assert rgb[1, 0] > rgb[1, 2]  # class 1 red
    np.testing.assert_array_equal(rgb[2], [255, 255, 255])  # undecided fades to white
    matrix = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    np.testing.assert_array_equal(matrix, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


# ---- saving ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tab_name", "header_start"),
    [
        ("Loss", ["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy"]),
        ("Weights", ["layer", "input", "unit", "weight"]),
        ("Gradients", ["step", "layer_1_grad_norm", "layer_2_grad_norm", "layer_3_grad_norm"]),
        ("Activations", ["training_row", "class", "layer_1_neuron_1"]),
        ("Output", ["x1", "x2", "true_class", "predicted_class", "p_0"]),
    ],
)
def test_each_tab_saves_png_and_csv(panel, spiral, tmp_path: Path, tab_name, header_start) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    png = panel.save_png(tab_name, tmp_path / f"{tab_name}.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    path = panel.save_csv(tab_name, tmp_path / f"{tab_name}.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][: len(header_start)] == header_start
    assert len(rows) > 1
    widths = {len(row) for row in rows}
    assert widths == {len(rows[0])}


def test_the_save_menu_asks_for_a_file_and_saves_the_tab(
    panel, spiral, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nnstudio.ui.qt import QtWidgets

    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    tab = panel.tab("Loss")
    menu = tab.save_button.menu()
    assert [action.text() for action in menu.actions()] == [
        "Plots as PNG image…",
        "Data as CSV file…",
    ]
    asked: list[str] = []

    def answer(_parent, _title, default, _filter):
        asked.append(default)
        return str(tmp_path / Path(default).stem), ""  # typed without its suffix

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", answer)
    tab.png_action.trigger()
    tab.csv_action.trigger()
    assert asked == ["loss.png", "loss.csv"]
    assert (tmp_path / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "loss.csv").read_text(encoding="utf-8").startswith("epoch,")


def test_saving_csv_before_any_frame_explains_why(panel, tmp_path: Path) -> None:
    from nnstudio.errors import NNStudioError

    with pytest.raises(NNStudioError, match="nothing to save"):
        panel.save_csv("Loss", tmp_path / "loss.csv")


# ---- layout ----------------------------------------------------------------------------------


def positions(tab) -> dict[object, list[tuple[int, int]]]:
    return {item: cells for item, cells in tab.graphics.ci.items.items()}


def test_plots_stack_in_a_narrow_dock_and_sit_side_by_side_when_wide(qtbot, panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    tab = panel.loss_tab
    panel.resize(1280, 800)
    qtbot.waitUntil(lambda: tab.width() >= 900)
    assert positions(tab)[tab.metric_plot][0] == (0, 1)
    # Side by side they share the width equally, although the accuracy plot's axis labels
    # are wider than the loss plot's (a short dock under the canvas).
    panel.resize(700, 300)
    qtbot.waitUntil(
        lambda: abs(tab.loss_plot.geometry().width() - tab.metric_plot.geometry().width()) <= 2
    )
    assert tab.loss_plot.geometry().width() > 250
    panel.resize(520, 700)
    qtbot.waitUntil(lambda: tab.width() < 900)
    assert positions(tab)[tab.metric_plot][0] == (1, 0)
    assert positions(tab)[tab.loss_plot][0] == (0, 0)


def test_clear_and_new_context_empty_the_plots(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    show_everywhere(panel, frames[-1])
    panel.clear()
    assert panel.loss_tab.train_curve.getData()[0] is None or (
        len(panel.loss_tab.train_curve.getData()[0]) == 0
    )
    assert panel.output_tab.confusion.size == 0
    # A regression context replaces the confusion matrix by predicted-vs-actual.
    housing = housing_project()
    panel.set_context(housing, load_dataset(housing.data, "."))
    items = panel.output_tab.graphics.ci.items
    assert panel.output_tab.parity_plot in items
    assert panel.output_tab.confusion_plot not in items


def test_plots_out_of_the_layout_are_kept_hidden_in_the_scene(panel, spiral) -> None:
    # Out of every scene a plot belongs to its Python wrapper alone, and the garbage
    # collector may then delete its menu's widgets behind Qt's back.
    tab = panel.output_tab
    plots = (tab.map_plot, tab.confusion_plot, tab.parity_plot, tab.examples_plot)
    project, dataset, _frames = spiral
    housing = housing_project()
    for context in ((None, None), (project, dataset), (housing, load_dataset(housing.data, "."))):
        panel.set_context(*context)
        laid_out = tab.graphics.ci.items
        assert any(plot in laid_out for plot in plots)
        for plot in plots:
            assert plot.scene() is tab.graphics.scene()
            assert plot.isVisible() == (plot in laid_out)
        assert tab.surface_bar.scene() is tab.graphics.scene()
        assert not tab.surface_bar.isVisible()


def pixel_frame(units: int = 5) -> tuple[Dataset, Frame]:
    """A frame of a 16-5-3 network on 4×4 pictures (features named ``pixel_<row>_<col>``)."""
    from nnstudio.engine.network import Network
    from nnstudio.ui.frame import make_frame

    rng = np.random.default_rng(4)
    labels = rng.integers(0, 3, 90)
    X = rng.random((90, 16)) * 8.0
    dataset = Dataset(
        X_train=X[:60],
        Y_train=np.eye(3)[labels[:60]],
        X_val=X[60:],
        Y_val=np.eye(3)[labels[60:]],
        feature_names=tuple(f"pixel_{i // 4}_{i % 4}" for i in range(16)),
        target_names=("a", "b", "c"),
        task="classification",
    )
    network = Network.from_spec(
        NetworkSpec(16, (LayerSpec(units, "tanh"), LayerSpec(3, "softmax"))),
        "categorical_crossentropy",
    )
    return dataset, make_frame(network, dataset)


def test_pixel_data_shows_example_images_mistakes_first(panel) -> None:
    from nnstudio.ui.plots.common import image_mosaic

    dataset, frame = pixel_frame()
    panel.set_context(None, dataset)
    panel.tabs.setCurrentWidget(panel.output_tab)
    panel.show_frame(frame)
    tab = panel.output_tab
    assert tab.examples_plot in tab.graphics.ci.items
    assert tab.map_plot not in tab.graphics.ci.items
    captions = [text for text in tab.example_texts if text.isVisible()]
    assert len(captions) == 24
    wrong = frame.eval_labels != frame.predicted_labels
    first = captions[0].textItem.toPlainText()
    if wrong.any():
        row = int(np.flatnonzero(wrong)[0])
        names = dataset.target_names
        assert first == f"{names[frame.eval_labels[row]]} → {names[frame.predicted_labels[row]]}"
    # The mosaic places each image in its own tile.
    images = np.arange(2 * 16, dtype=float).reshape(2, 16)
    mosaic = image_mosaic(images, (4, 4), 1, 3, row_gap=2)
    assert mosaic.shape == (6, 14)
    np.testing.assert_array_equal(mosaic[2:, 0:4], images[0].reshape(4, 4))
    np.testing.assert_array_equal(mosaic[2:, 5:9], images[1].reshape(4, 4))
    assert np.isnan(mosaic[:2]).all() and np.isnan(mosaic[:, 10:]).all()


def test_weight_mosaic_draws_each_unit_as_its_picture() -> None:
    from nnstudio.ui.plots.weights import weight_mosaic

    W = np.arange(16 * 3, dtype=float).reshape(16, 3)
    mosaic, grid_rows, grid_columns = weight_mosaic(W, (4, 4))
    assert (grid_rows, grid_columns) == (2, 2)
    assert mosaic.shape == (10, 9)
    # Left to right, then down; each tile below a gap row, tiles one column apart.
    np.testing.assert_array_equal(mosaic[1:5, 0:4], W[:, 0].reshape(4, 4))
    np.testing.assert_array_equal(mosaic[1:5, 5:9], W[:, 1].reshape(4, 4))
    np.testing.assert_array_equal(mosaic[6:10, 0:4], W[:, 2].reshape(4, 4))
    assert np.isnan(mosaic[6:10, 5:9]).all()  # the grid's unused place
    assert np.isnan(mosaic[0]).all() and np.isnan(mosaic[:, 4]).all()
    # 28×28 pictures are three pixels apart, so hundreds of small tiles stay distinct.
    W = np.ones((784, 2))
    mosaic, _rows, _columns = weight_mosaic(W, (28, 28))
    assert mosaic.shape == (31, 2 * 31 - 3)  # two tiles side by side
    assert np.isnan(mosaic[:3]).all() and np.isnan(mosaic[:, 28:31]).all()
    assert (mosaic[3:31, :28] == 1).all() and (mosaic[3:31, 31:] == 1).all()


class _Hover:
    """What pyqtgraph's scene hands ``hoverEvent``: a position in image pixels, or an exit."""

    def __init__(self, x: float = 0.0, y: float = 0.0, exit: bool = False) -> None:
        self._pos, self._exit = QtCore.QPointF(x, y), exit

    def isExit(self) -> bool:
        return self._exit

    def pos(self) -> QtCore.QPointF:
        return self._pos


def test_pixel_inputs_show_the_first_layer_as_pictures(panel) -> None:
    from nnstudio.ui.plots.weights import weight_mosaic

    dataset, frame = pixel_frame()
    panel.set_context(None, dataset)
    tab = panel.weights_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(frame)
    W = frame.weights[0][0]
    assert tab.as_images.isVisible() and tab.as_images.isChecked() and tab.showing_images
    np.testing.assert_array_equal(tab.heatmap.image, weight_mosaic(W, (4, 4))[0])
    assert "4×4 pictures" in tab.heatmap_plot.titleLabel.text
    # Hovering a tile's pixel names the unit, the input and the weight; a gap names nothing.
    layer_text = tab.layer_note.text()
    tab.heatmap.hoverEvent(_Hover(5.5, 2.5))  # second tile, second row, first column
    assert tab.layer_note.text() == f"Unit 2, pixel_1_0 (row 2, column 1): w = {W[4, 1]:.4g}"
    assert tab.cell_text(4.5, 2.5) is None and tab.cell_text(5.5, 0.5) is None
    tab.heatmap.hoverEvent(_Hover(exit=True))
    assert tab.layer_note.text() == layer_text
    # Unticked, the matrix again, hovered by input and unit.
    tab.as_images.setChecked(False)
    assert not tab.showing_images
    np.testing.assert_allclose(tab.heatmap.image, W)
    assert tab.cell_text(1.5, 4.5) == f"From input 5 (pixel_1_0) to unit 2: w = {W[4, 1]:.4g}"
    # A deeper layer's inputs are units, not pixels: no choice offered.
    tab.as_images.setChecked(True)
    panel.set_selected_layer(1)
    assert not tab.as_images.isVisible() and not tab.showing_images
    np.testing.assert_allclose(tab.heatmap.image, frame.weights[1][0])
    assert tab.cell_text(2.5, 0.5) == (
        f"From unit 1 of layer 1 to unit 3: w = {frame.weights[1][0][0, 2]:.4g}"
    )


def test_two_inputs_offer_no_pictures(panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.tabs.setCurrentWidget(panel.weights_tab)
    panel.show_frame(frames[-1])
    assert not panel.weights_tab.as_images.isVisible()
    assert not panel.weights_tab.showing_images


def test_log_axis_labels_never_crowd(qtbot) -> None:
    from nnstudio.ui.plots.common import make_plot
    from nnstudio.ui.qt import QtWidgets, pg

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Gradient norm", "step", "norm")
    widget.addItem(plot)
    plot.setLogMode(y=True)
    widget.show()
    qtbot.waitExposed(widget)
    axis = plot.getAxis("left")

    def labels(low: float, high: float, height: int) -> dict[float, float]:
        """Labelled values and their distance from the axis's bottom in pixels."""
        widget.resize(500, height)
        plot.setYRange(np.log10(low), np.log10(high), padding=0)
        QtWidgets.QApplication.processEvents()
        bottom, top = axis.range
        length = axis.geometry().height()
        values = [
            value for _spacing, level in axis.tickValues(bottom, top, length) for value in level
        ]
        texts = axis.tickStrings(values, 1.0, 1.0)
        return {
            round(10**value, 6): (value - bottom) / (top - bottom) * length
            for value, text in zip(values, texts, strict=True)
            if text
        }

    def closest(shown: dict[float, float]) -> float:
        return float(np.min(np.diff(sorted(shown.values()))))

    # Two and a half decades in a short plot: powers of ten only (pyqtgraph labelled 0.06,
    # 0.07, 0.08 and 0.09 on top of each other here).
    short = labels(0.004, 0.7, 200)
    assert sorted(short) == [0.01, 0.1]
    # A taller plot: 1, 2 and 5 times the powers of ten, still well apart.
    tall = labels(0.004, 0.7, 420)
    assert sorted(tall) == [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5]
    assert closest(tall) > 20
    # Less than a decade: every tick, so the axis is never left without numbers.
    narrow = labels(0.052, 0.095, 330)
    assert sorted(narrow) == [0.06, 0.07, 0.08, 0.09]
    assert closest(narrow) > 20
    # Between two of a decade's ticks (pyqtgraph drew no tick at all): round values of the
    # range itself, each with the digits that tell it apart.
    between = labels(1.02, 1.33, 330)
    assert sorted(between) == [1.1, 1.2, 1.3]
    assert closest(between) > 20
    tiny = labels(0.01231, 0.01318, 330)
    assert len(tiny) >= 2 and all(0.01231 <= value <= 0.01318 for value in tiny)
    texts = axis.tickStrings(
        [v for _s, level in axis.tickValues(*axis.range, 330) for v in level], 1.0, 1.0
    )
    assert len(set(texts)) == len(texts)  # no two labels read the same


@pytest.fixture
def lone_plot(qtbot):
    """A plot alone in a shown graphics widget: ``(widget, plot)``."""
    from nnstudio.ui.qt import pg

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Loss", "epoch", "loss")
    widget.addItem(plot)
    widget.show()
    qtbot.waitExposed(widget)
    return widget, plot


def test_titles_shrink_in_narrow_plots_and_are_never_cut_off(lone_plot) -> None:
    from nnstudio.ui.plots.common import key, set_title, title_point_sizes
    from nnstudio.ui.qt import QtWidgets

    widget, plot = lone_plot
    label = plot.titleLabel
    entries = [key((31, 119, 180), f"train {0.02345 + n:.5f}") for n in range(4)]

    def shown(width: int, count: int) -> tuple[str, float, float]:
        widget.resize(width, 300)
        set_title(plot, "Loss&nbsp;&nbsp;" + "&nbsp; ".join(entries[:count]))
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        return label.opts["size"], label.itemRect().height(), label.rect().height()

    # Wide: the full size, on one line.
    size, text_height, room = shown(900, 2)
    assert size == f"{title_point_sizes()[0]:g}pt"
    assert text_height <= room + 1
    # Narrow: a smaller size keeps the title on two lines, whole.
    size, text_height, room = shown(220, 3)
    assert size != f"{title_point_sizes()[0]:g}pt"
    assert text_height <= room + 1
    # Too long for two lines even at the smallest size: the title row grows instead of
    # cutting the first line off.
    size, text_height, room = shown(200, 4)
    assert size == f"{title_point_sizes()[-1]:g}pt"
    assert room > 30
    assert text_height <= room + 1


def test_a_title_too_long_for_its_plot_gives_way_to_its_compact_wording(lone_plot) -> None:
    from nnstudio.ui.plots.common import set_title, title_point_sizes
    from nnstudio.ui.qt import QtWidgets

    widget, plot = lone_plot
    label = plot.titleLabel
    full = "W of layer 1 (784 inputs × 256 units), the first hidden layer's weights"
    compact = "W<sub>1</sub> · 784×256"

    def settle(width: int) -> None:
        widget.resize(width, 300)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()

    settle(900)
    set_title(plot, full, compact=compact)
    assert label.text == full and label.opts["size"] == f"{title_point_sizes()[0]:g}pt"
    # Narrowed until the full title cannot fit two lines even small: the compact one shows.
    settle(170)
    assert label.text == compact
    assert label.itemRect().height() <= label.rect().height() + 1
    # Widened again: the full wording comes back.
    settle(900)
    assert label.text == full
    # Without a compact wording the full title stays, smaller and wrapped.
    set_title(plot, full)
    settle(170)
    assert label.text == full and label.opts["size"] == f"{title_point_sizes()[-1]:g}pt"


def test_weight_plots_sit_in_one_row_in_a_short_dock(qtbot, panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    show_everywhere(panel, frames[-1])
    tab = panel.weights_tab
    panel.tabs.setCurrentWidget(tab)
    # Under the canvas of a 1280×720 window: stacking two plots would leave each ~90 px.
    panel.resize(640, 280)
    qtbot.waitUntil(lambda: tab.height() < 330)
    rows = {
        plot: positions(tab)[plot][0]
        for plot in (tab.heatmap_plot, tab.histogram_plot, tab.spread_plot)
    }
    assert rows == {tab.heatmap_plot: (0, 0), tab.histogram_plot: (0, 1), tab.spread_plot: (0, 2)}
    # The heatmap shares its column with its colour bar: it gets the widest one.
    qtbot.waitUntil(
        lambda: tab.heatmap_plot.geometry().width() > 1.2 * tab.histogram_plot.geometry().width()
    )
    # Taller again: the heatmap beside the two others, stacked.
    panel.resize(1280, 800)
    qtbot.waitUntil(lambda: tab.height() >= 330)
    assert positions(tab)[tab.histogram_plot][0] == (0, 1)
    assert positions(tab)[tab.spread_plot][0] == (1, 1)


def sample_frames(path: Path, epochs: int = 2) -> tuple[Project, Dataset, list[Frame]]:
    """Frames of a real run of a sample project (a file read like the studio reads it)."""
    from nnstudio.io import load_project
    from nnstudio.workflow import attach_dataset, fit_network_to_data

    project = load_project(path).project
    dataset = load_dataset(project.data, path.parent)
    project, _notices = fit_network_to_data(project, dataset)
    project = attach_dataset(project, dataset)
    return project, *train_frames(project, epochs, dataset)


def test_output_plots_fill_the_visible_tab_frame_after_frame(qtbot, panel, spiral, sample):
    # A data set without a map (four features) shows only the confusion matrix, in the whole
    # tab; frames and a change to a data set with a map leave it filling the tab.
    tab = panel.output_tab
    panel.tabs.setCurrentWidget(tab)
    panel.resize(900, 320)
    project, dataset, frames = sample_frames(sample("iris"))
    panel.set_context(project, dataset)
    panel.show_frame(frames[0])
    # Frames of the same data set keep the arrangement (it is not rebuilt every frame).
    arranged = []
    original = tab.set_arrangement
    tab.set_arrangement = lambda *args, **kwargs: arranged.append(original(*args, **kwargs))
    for frame in frames:
        panel.show_frame(frame)
        qtbot.wait(20)
        assert tab.confusion_plot.geometry().width() > 600
        assert tab.confusion_plot.geometry().height() > 200
    assert arranged == []
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    qtbot.wait(20)
    assert len(arranged) == 1  # the new data set has a map beside the matrix
    assert tab.map_plot.geometry().width() > 300 and tab.map_plot.geometry().height() > 200


@pytest.mark.parametrize("orientation", ["left", "bottom"])
def test_cell_numbers_follow_the_axis_length_and_never_collide(qapp, orientation) -> None:
    import pyqtgraph as pg

    from nnstudio.ui.plots.common import integer_ticks

    axis = pg.AxisItem(orientation)
    integer_ticks(axis, 64)
    room = 18 if orientation == "left" else 8 + 7 * 2

    def numbers(low: float, high: float, pixels: float) -> list[float]:
        return [value for _step, level in axis.tickValues(low, high, pixels) for value in level]

    for pixels in (60, 150, 400, 1200, 4000):
        values = numbers(0.5, 64.5, pixels)
        assert values and all(float(v).is_integer() and 1 <= v <= 64 for v in values)
        gaps = np.diff(values) * pixels / 64
        assert np.all(gaps >= room - 1e-9)
        # An inverted axis (heatmap rows top-down) gets its range reversed: same numbers.
        assert numbers(64.5, 0.5, pixels) == values
    assert numbers(0.5, 64.5, 4000) == list(range(1, 65))  # room for every cell
    assert axis.tickStrings([1.0, 10.0], 1.0, 1.0) == ["1", "10"]


def test_epoch_and_step_axes_tick_whole_numbers_only(panel, spiral) -> None:
    from nnstudio.ui.plots.common import WholeNumberAxis

    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    show_everywhere(panel, frames[-1])
    axes = [
        panel.loss_tab.loss_plot.getAxis("bottom"),
        panel.loss_tab.metric_plot.getAxis("bottom"),
        panel.weights_tab.spread_plot.getAxis("bottom"),
        panel.gradients_tab.plot.getAxis("bottom"),
    ]
    assert all(isinstance(axis, WholeNumberAxis) for axis in axes)
    for low, high in ((0.0, 0.8), (0.0, 3.0), (0.0, 4.0), (10.0, 250.0)):
        for axis in axes:
            values = [v for _spacing, level in axis.tickValues(low, high, 300) for v in level]
            assert values and all(float(v).is_integer() for v in values), (low, high, values)
    # Axes of values keep their fractions.
    weight_axis = panel.weights_tab.histogram_plot.getAxis("bottom")
    assert not isinstance(weight_axis, WholeNumberAxis)


# ---- small docks -----------------------------------------------------------------------------

#: The plots panel's size under the canvas of a 1024×640 and of a 1280×800 window.
DOCK_1024 = (456, 237)
DOCK_1280 = (630, 303)


def label_rects(axis) -> list[tuple[object, str]]:
    """The tick labels an axis draws: ``(rectangle, text)`` in the axis's coordinates."""
    from nnstudio.ui.qt import QtGui

    image = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [] if specs is None else [(rect, text) for rect, _flags, text in specs[2] if text]


def crowded_labels(axis) -> list[tuple[str, str]]:
    """Neighbouring tick labels that overlap, or (side by side) are less than 4 pixels apart."""
    rects = label_rects(axis)
    vertical = axis.orientation in ("left", "right")
    rects.sort(key=lambda item: item[0].center().y() if vertical else item[0].center().x())
    crowded = []
    for (first, first_text), (second, second_text) in itertools.pairwise(rects):
        gap = (
            abs(second.center().y() - first.center().y()) - (first.height() + second.height()) / 2
            if vertical
            else second.left() - first.right()
        )
        if gap < (0.0 if vertical else 4.0):
            crowded.append((first_text, second_text))
    return crowded


def title_lines(plot) -> int:
    """Lines a plot's title takes."""
    document = plot.titleLabel.item.document()
    document.documentLayout().documentSize()  # lays the text out
    block, lines = document.begin(), 0
    while block.isValid():
        lines += block.layout().lineCount()
        block = block.next()
    return lines


def settle(qtbot) -> None:
    """Let the layout, the titles and the axes settle after a resize or a frame."""
    from nnstudio.ui.qt import QtWidgets

    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    qtbot.wait(30)


@pytest.fixture(scope="module")
def digits() -> tuple[Project, Dataset, list[Frame]]:
    samples = Path(__file__).resolve().parents[2] / "samples"
    return sample_frames(samples / "digits.nnproj", epochs=1)


@pytest.fixture(scope="module")
def housing() -> tuple[Project, Dataset, list[Frame]]:
    project = housing_project()
    dataset, frames = train_frames(project, epochs=3)
    return project, dataset, frames


def test_a_small_weights_tab_shows_the_heatmap_and_one_chosen_plot(qtbot, panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    tab = panel.weights_tab
    panel.tabs.setCurrentWidget(tab)
    panel.resize(*DOCK_1024)
    qtbot.waitUntil(lambda: tab.layout_mode == "small")
    for frame in frames:
        panel.show_frame(frame)
    settle(qtbot)
    # Three plots in a row of 450 pixels were each too narrow for their titles and ticks.
    assert tab.shown_items() == [tab.heatmap_plot, tab.histogram_plot]
    assert tab.beside.isVisible()
    assert tab.spread_plot not in tab.graphics.ci.items
    # The plot left out is kept hidden in the scene, not recreated, and stays up to date.
    spread = tab.spread_plot
    assert spread.scene() is tab.graphics.scene() and not spread.isVisible()
    assert tab.spread_median.getData()[0].size == len(frames)
    tab.beside.setCurrentIndex(1)
    settle(qtbot)
    assert tab.shown_items() == [tab.heatmap_plot, tab.spread_plot]
    assert tab.spread_plot is spread and spread.isVisible()
    assert not tab.histogram_plot.isVisible() and tab.histogram_plot.scene() is not None
    # Each of the two plots is wide enough for its title on one or two lines.
    for plot in tab.shown_items():
        assert plot.geometry().width() > 180
        assert title_lines(plot) <= 2
    # The note on the selected layer has room beside the choice (a stretch took it all).
    assert tab.layer_note.width() > 100 and "Layer 1" in tab.layer_note.text()
    # A wider dock has room for the three plots in a row again, without the choice.
    panel.resize(*DOCK_1280)
    qtbot.waitUntil(lambda: tab.layout_mode == "short")
    assert len(tab.shown_items()) == 3 and not tab.beside.isVisible()


@pytest.mark.parametrize("size", [DOCK_1024, DOCK_1280], ids=["1024x640", "1280x800"])
@pytest.mark.parametrize("data", ["spiral", "digits", "housing"])
def test_no_tab_of_a_small_dock_crowds_its_titles_or_tick_labels(
    qtbot, panel, request, data, size
) -> None:
    from nnstudio.ui.qt import pg

    project, dataset, frames = request.getfixturevalue(data)
    panel.resize(*size)
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    for name in panel.tab_names():
        tab = panel.tab(name)
        panel.tabs.setCurrentWidget(tab)
        settle(qtbot)
        plots = [item for item in tab.graphics.ci.items if isinstance(item, pg.PlotItem)]
        assert plots, name
        for plot in plots:
            where = f"{name}: {plot.titleLabel.text}"
            label = plot.titleLabel
            assert title_lines(plot) <= 2, where
            assert label.item.document().idealWidth() <= label.rect().width() + 1, where
            for side in ("left", "bottom", "right"):
                axis = plot.getAxis(side)
                if axis.isVisible():
                    assert crowded_labels(axis) == [], (where, side)


def test_short_axes_space_their_tick_labels(qtbot, lone_plot) -> None:
    from nnstudio.ui.plots.common import WholeNumberAxis, set_bar_ticks
    from nnstudio.ui.qt import QtWidgets, pg

    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Spread", "epoch", "weight", counts_x=True)
    widget.addItem(plot)
    widget.resize(130, 200)
    widget.show()
    # Thirty epochs on a 70-pixel axis: pyqtgraph labelled 0, 10 and 20 touching ("0 1020").
    plot.setXRange(-3, 31, padding=0)
    plot.setYRange(-0.4, 0.4, padding=0)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    axis = plot.getAxis("bottom")
    assert isinstance(axis, WholeNumberAxis)
    texts = [text for _rect, text in label_rects(axis)]
    assert len(texts) >= 2 and crowded_labels(axis) == []
    # Bars named by layer: the numbers alone where the names do not all fit (the last
    # name was left out, running past the axis's end).
    bar_widget, bars = lone_plot
    names = ["1 tanh", "2 tanh", "3 sigmoid"]
    set_bar_ticks(bars, names, ["1", "2", "3"])
    bars.setXRange(-0.6, 2.6, padding=0)
    for width, expected in ((700, names), (170, ["1", "2", "3"])):
        bar_widget.resize(width, 200)
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        assert sorted(text for _rect, text in label_rects(bars.getAxis("bottom"))) == expected


def test_confusion_counts_and_example_captions_never_overlap(qtbot, panel, digits) -> None:
    project, dataset, frames = digits
    tab = panel.output_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])

    def overlapping(texts) -> list[tuple[str, str]]:
        """Pairs of visible texts whose glyphs (their boxes less the margins) overlap."""
        shown = [text for text in texts if text.isVisible()]
        rects = []
        for text in shown:
            margin = text.textItem.document().documentMargin()
            rects.append(text.sceneBoundingRect().adjusted(margin, margin, -margin, -margin))
        return [
            (shown[i].textItem.toPlainText(), shown[j].textItem.toPlainText())
            for i in range(len(shown))
            for j in range(i + 1, len(shown))
            if rects[i].intersects(rects[j])
        ]

    for size in (DOCK_1024, DOCK_1280, (1280, 800)):
        panel.resize(*size)
        settle(qtbot)
        assert overlapping(tab.cell_texts) == [], size
        captions = [text for text in tab.example_texts if text.isVisible()]
        assert len(captions) >= 12, size  # at least two rows of examples, captioned
        assert overlapping(tab.example_texts) == [], size
    # Ten classes in a large plot: every cell has its count.
    assert sum(text.isVisible() for text in tab.cell_texts) == 100
    assert sum(text.isVisible() for text in tab.example_texts) == 24


def test_example_rows_give_way_to_larger_tiles_in_a_short_plot() -> None:
    from nnstudio.ui.plots.output import example_rows

    # Tall enough: four rows of 8×8 digits, with room above each for a 15-pixel caption.
    rows, gap = example_rows(600, 900, (8, 8), 15)
    assert rows == 4 and gap * (600 / (6 * 9)) >= 15
    # Short and wide: fewer rows, each tile larger than with four.
    rows, gap = example_rows(300, 130, (8, 8), 13)
    assert rows < 4
    scale = min(300 / (6 * 9), 130 / (rows * (8 + gap)))
    assert gap * scale >= 13 - 1e-9


def test_epoch_axes_label_both_ends_inside_the_dock(qtbot, panel, spiral) -> None:
    project, dataset, frames = spiral
    panel.set_context(project, dataset)
    for frame in frames:
        panel.show_frame(frame)
    panel.resize(*DOCK_1024)
    tab = panel.loss_tab
    settle(qtbot)
    view = tab.graphics
    for plot in (tab.loss_plot, tab.metric_plot):
        plot.enableAutoRange(False)
        plot.setXRange(0, 200, padding=0)
        settle(qtbot)
        axis = plot.getAxis("bottom")
        drawn = label_rects(axis)
        texts = [text for _rect, text in drawn]
        # pyqtgraph used to leave out a label half past an end of the axis: no "0".
        assert texts[0] == "0" and texts[-1] == "200", texts
        for rect, text in drawn:
            on_screen = view.mapFromScene(axis.mapRectToScene(rect)).boundingRect()
            assert view.viewport().rect().contains(on_screen), (text, on_screen)


def test_several_targets_are_shown_one_at_a_time_against_their_predictions(panel) -> None:
    from nnstudio.engine.network import Network
    from nnstudio.ui.frame import make_frame

    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 3))
    # A price in dollars and a rate near 1: on one scatter the rate is a dot at the origin.
    Y = np.column_stack([300_000 + 50_000 * X[:, 0], 1.0 + 0.1 * X[:, 1]])
    dataset = Dataset(
        X_train=X[:60],
        Y_train=Y[:60],
        X_val=X[60:],
        Y_val=Y[60:],
        feature_names=("a", "b", "c"),
        target_names=("price", "rate"),
        task="regression",
    )
    network = Network.from_spec(
        NetworkSpec(3, (LayerSpec(4, "tanh"), LayerSpec(2, "identity"))), "mse"
    )
    frame = make_frame(network, dataset)
    panel.set_context(None, dataset)
    panel.tabs.setCurrentWidget(panel.output_tab)
    panel.show_frame(frame)
    tab = panel.output_tab
    chooser = tab.parity_target
    assert chooser.isVisibleTo(tab)
    assert [chooser.itemText(i) for i in range(chooser.count())] == ["price", "rate"]
    x, y = tab.parity_points.getData()
    np.testing.assert_array_equal(x, frame.eval_targets[:, 0])
    np.testing.assert_array_equal(y, frame.predictions[:, 0])
    assert "price" in tab.parity_plot.titleLabel.text
    chooser.setCurrentIndex(1)
    x, y = tab.parity_points.getData()
    np.testing.assert_array_equal(x, frame.eval_targets[:, 1])
    np.testing.assert_array_equal(y, frame.predictions[:, 1])
    assert "rate" in tab.parity_plot.titleLabel.text
    assert tab.parity_plot.getAxis("bottom").labelText == "actual rate"
    assert tab.parity_target_label.isVisibleTo(tab)
    # One target needs no choosing.
    single = Dataset(
        X_train=X[:60],
        Y_train=Y[:60, :1],
        X_val=X[60:],
        Y_val=Y[60:, :1],
        feature_names=("a", "b", "c"),
        target_names=("price",),
        task="regression",
    )
    network = Network.from_spec(
        NetworkSpec(3, (LayerSpec(4, "tanh"), LayerSpec(1, "identity"))), "mse"
    )
    panel.set_context(None, single)
    panel.show_frame(make_frame(network, single))
    assert not chooser.isVisibleTo(tab)
    assert tab.parity_plot.getAxis("bottom").labelText == "actual"


# ---- diverged runs ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def diverged() -> tuple[Project, Dataset, list[Frame]]:
    """A regression run whose learning rate is far too large: its numbers reach 1e33."""
    project = replace(
        housing_project(),
        training=TrainingSpec(optimizer="sgd", learning_rate=50.0, batch_size=32, epochs=5),
    )
    dataset, frames = train_frames(project, epochs=2)
    return project, dataset, frames


def shown_titles(panel: PlotsPanel, qtbot) -> dict[str, list[pg.PlotItem]]:
    """Every tab brought up to date and laid out, with the plots it shows."""
    shown = {}
    for name in panel.tab_names():
        tab = panel.tab(name)
        panel.tabs.setCurrentWidget(tab)
        settle(qtbot)
        shown[name] = [item for item in tab.graphics.ci.items if isinstance(item, pg.PlotItem)]
    return shown


def test_short_number_keeps_any_value_to_a_few_characters() -> None:
    from nnstudio.ui.plots.common import short_number

    assert short_number(0.8774, 4) == "0.8774"
    # Negative numbers take the true minus sign, as every other number the studio writes.
    assert short_number(-0.1281, 3) == "\u22120.128"
    assert short_number(-2.8991488211285093e37, 3) == "\u22122.9e37"
    assert short_number(1.5e-6, 3) == "1.5e\u22126"
    assert short_number(123456.0, 4) == "1.235e5"
    assert short_number(float("nan")) == "NaN"
    assert short_number(float("inf")) == "∞" and short_number(-float("inf")) == "\u2212∞"
    assert short_number(None) == "–"


def test_r2_text_writes_a_negative_r2_with_the_minus_sign() -> None:
    from nnstudio.ui.plots.output import _r2_text

    actual = np.array([0.0, 1.0, 2.0, 3.0])
    assert _r2_text(actual, actual + 1.0) == "0.200"
    assert _r2_text(actual, actual[::-1]) == "\u22123.000"  # worse than the mean
    assert _r2_text(actual, actual * 100.0) == "\u22122.74e4"


def test_a_diverged_runs_numbers_stay_short_in_every_title(qtbot, panel, diverged) -> None:
    import re

    project, dataset, frames = diverged
    frame = frames[-1]
    assert abs(frame.snapshot.val_r2) > 1e20  # the run did diverge
    panel.resize(*DOCK_1024)
    panel.set_context(project, dataset)
    panel.show_frame(frame)
    for name, plots in shown_titles(panel, qtbot).items():
        for plot in plots:
            text = plot.titleLabel.text
            # Never dozens of digits ("R² -28991488211285093180413118222607931408…").
            assert not re.search(r"\d{7}", text), (name, text)
            label = plot.titleLabel
            assert title_lines(plot) <= 2, (name, text)
            assert label.item.document().idealWidth() <= label.rect().width() + 1, (name, text)
    assert re.search(r"R²&nbsp;\u2212\d(\.\d+)?e\d+$", panel.output_tab.parity_plot.titleLabel.text)
    assert re.search(r"train&nbsp;\d(\.\d+)?e\d+", panel.loss_tab.loss_plot.titleLabel.text)


def test_titles_name_values_that_are_not_finite(qtbot, panel, diverged) -> None:
    project, dataset, frames = diverged
    frame = frames[-1]
    inf = float("inf")
    snapshot = replace(
        frame.snapshot,
        train_loss=inf,
        val_loss=inf,
        train_rmse=inf,
        val_rmse=inf,
        train_r2=-inf,
        val_r2=-inf,
    )
    # Predictions so large that squaring them overflows: R² is minus infinity.
    overflowing = replace(frame, snapshot=snapshot, predictions=frame.predictions * 1e200)
    panel.resize(*DOCK_1024)
    panel.set_context(project, dataset)
    panel.show_frame(overflowing)
    shown_titles(panel, qtbot)
    assert panel.output_tab.parity_plot.titleLabel.text.endswith("R²&nbsp;\u2212∞")
    loss_title = panel.loss_tab.loss_plot.titleLabel.text
    assert "train&nbsp;∞" in loss_title and "val&nbsp;∞" in loss_title
    assert panel.loss_tab.metric_plot.titleLabel.text.count("\u2212∞") == 2
    # Predictions that are not numbers at all: no R² to give.
    broken = replace(frame, predictions=np.full_like(frame.predictions, np.nan))
    panel.show_frame(broken)
    settle(qtbot)
    assert panel.output_tab.parity_plot.titleLabel.text.endswith("R²&nbsp;n/a")
    assert panel.output_tab.parity_points.getData()[0].size == 0  # nothing to draw


@pytest.mark.parametrize("size", [DOCK_1024, (DOCK_1024[0], 420), DOCK_1280, (1280, 800)], ids=str)
def test_unit_health_labels_of_full_bars_are_whole_and_apart(qtbot, panel, spiral, size):
    project, dataset, frames = spiral
    # Layer 1 (tanh) wholly saturated, layer 2 (relu) wholly dead.
    saturated = np.array([1.0, np.nan, np.nan])
    dead = np.array([np.nan, 1.0, np.nan])
    frame = replace(frames[-1], saturated_fraction=saturated, dead_fraction=dead)
    panel.resize(*size)
    panel.set_context(project, dataset)
    tab = panel.activations_tab
    panel.tabs.setCurrentWidget(tab)
    panel.show_frame(frame)
    settle(qtbot)
    view = tab.health_plot.vb.sceneBoundingRect()
    labels = [text for text in tab.health_texts if text.isVisible()]
    texts = [text.textItem.toPlainText() for text in labels]
    # "%" goes where the layers are too narrow for it (the axis says "%").
    assert texts in (["100 %", "100 %", "–"], ["100", "100", "–"]), texts
    if size == (1280, 800):
        assert texts[0] == "100 %"
    rects = [text.sceneBoundingRect() for text in labels]
    for text, rect in zip(texts, rects, strict=True):
        # Whole, not cut off by the top of the plot (it was, by about half its height).
        assert view.contains(rect), (size, text, rect, view)
    # Neighbours do not run together ("100 %100 %").
    for left, right in itertools.pairwise(rects):
        assert right.left() - left.right() >= 2.0, (size, texts)
    # Above its bar, not over it.
    bar_top = tab.health_plot.vb.mapViewToScene(QtCore.QPointF(0.0, 100.0)).y()
    assert rects[0].bottom() <= bar_top + 0.5


def test_long_class_names_are_shortened_to_what_tells_them_apart() -> None:
    from nnstudio.ui.plots.output import short_class_names

    names = [f"Class «{i}» with a long label" for i in (0, 1, 10, 11)]
    assert short_class_names(names) == ["«0»", "«1»", "«10»", "«11»"]
    assert short_class_names(["cat", "dog"]) == ["cat", "dog"]
    assert short_class_names(["only one"]) == ["only one"]


def test_confusion_axes_never_overlap_long_class_names(qtbot, panel, spiral) -> None:
    project, dataset, frames = spiral
    tab = panel.output_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(project, dataset)
    long = tuple(f"Class «{i}» with an extremely long human readable label text" for i in range(3))
    panel.resize(700, 500)
    panel.show_frame(replace(frames[-1], target_names=long))
    qtbot.wait(50)
    for side in ("bottom", "left"):
        axis = tab.confusion_plot.getAxis(side)
        image = QtGui.QImage(10, 10, QtGui.QImage.Format.Format_ARGB32)
        painter = QtGui.QPainter(image)
        try:
            specs = axis.generateDrawSpecs(painter)[2]
        finally:
            painter.end()
        texts = [text for _rect, _flags, text in specs]
        # Every class is labelled (none left out for room), by the part that differs.
        assert sorted(texts) == ["«0»", "«1»", "«2»"], side
        rects = [rect for rect, _flags, _text in specs]
        assert not any(a.intersects(b) for a, b in itertools.combinations(rects, 2)), side
    # The full names are a hover away.
    assert all(name in tab.confusion_plot.toolTip() for name in long)
