"""Input features of the built-in 2-D data in the Output tab, and the lesson they teach."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.frame import Frame, FrameBuilder
from nnstudio.workflow import build_network, make_trainer


def circles_project(features: tuple[str, ...], hidden: tuple[LayerSpec, ...] = ()) -> Project:
    """Circles read through ``features``, with ``hidden`` layers before one sigmoid unit."""
    return Project(
        name="Circles",
        data=BuiltinData(builtin="circles", samples=400, noise=0.05, seed=1, features=features),
        network=NetworkSpec(inputs=len(features), layers=(*hidden, LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.1, batch_size=32, epochs=60),
    )


def frames_of(project: Project, epochs: int = 2) -> tuple[Dataset, Frame]:
    """The data set and a frame after ``epochs`` epochs of training."""
    dataset = load_dataset(project.data, ".")
    network = build_network(project)
    trainer = make_trainer(project, network, dataset)
    for _ in range(epochs):
        trainer.run_epoch()
    builder = FrameBuilder(dataset, probe_size=40, grid_size=24)
    return dataset, builder.build(network, trainer.snapshot())


@pytest.fixture
def panel(qtbot):
    from nnstudio.ui.plots import PlotsPanel

    widget = PlotsPanel()
    qtbot.addWidget(widget)
    widget.resize(1100, 700)
    widget.show()
    qtbot.waitExposed(widget)
    widget.tabs.setCurrentWidget(widget.output_tab)
    return widget


@pytest.mark.gui
def test_the_output_map_shows_four_features_over_their_plane(panel) -> None:
    project = circles_project(("x1", "x2", "x1^2", "x2^2"), (LayerSpec(3, "tanh"),))
    dataset, frame = frames_of(project)
    panel.set_context(project, dataset)
    panel.show_frame(frame)
    tab = panel.output_tab
    assert frame.eval_inputs.shape[1] == 4 and frame.grid is not None
    assert tab.map_plot.isVisible() and tab.regions.isVisible()
    assert tab.regions.image.shape == (24, 24, 3)
    assert tab.boundary.isVisible() and tab.boundary.getData()[0].size > 0
    # The points lie where they are in the plane, not at their first two features.
    x, y = tab.train_points.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), dataset.plane_train)
    x, y = tab.val_points.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), dataset.plane_val)
    assert tab.map_plot.getAxis("bottom").labelText == "x1"
    assert tab.map_plot.getAxis("left").labelText == "x2"


@pytest.mark.gui
def test_one_feature_of_a_plane_is_mapped_not_drawn_as_a_curve(panel) -> None:
    project = circles_project(("x1^2",))
    dataset, frame = frames_of(project, epochs=1)
    panel.set_context(project, dataset)
    panel.show_frame(frame)
    tab = panel.output_tab
    assert tab.regions.isVisible() and tab.regions.image.shape == (24, 24, 3)
    assert not any(curve.isVisible() for curve in tab.curves)
    x, _y = tab.train_points.getData()
    np.testing.assert_array_equal(x, dataset.plane_train[:, 0])


@pytest.mark.gui
def test_without_the_data_set_the_evaluated_points_are_drawn_in_the_plane(panel) -> None:
    project = circles_project(("x1^2", "x2^2", "x1*x2"))
    _dataset, frame = frames_of(project, epochs=1)
    panel.set_context(project, None)
    panel.show_frame(frame)
    tab = panel.output_tab
    assert tab.regions.isVisible()
    assert frame.eval_split == "validation"
    x, y = tab.val_points.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), frame.eval_plane)
    assert tab.train_points.getData()[0].size == 0


@pytest.mark.gui
def test_a_regression_surface_over_plane_features(panel) -> None:
    project = replace(
        circles_project(("x1", "x2", "sin(x1)")),
        data=BuiltinData(builtin="plane", samples=200, seed=3, features=("x1", "x2", "sin(x1)")),
        network=NetworkSpec(inputs=3, layers=(LayerSpec(1, "identity"),)),
        loss="mse",
    )
    dataset, frame = frames_of(project, epochs=3)
    panel.set_context(project, dataset)
    panel.show_frame(frame)
    tab = panel.output_tab
    assert tab.regions.isVisible() and tab.surface_bar.isVisible()
    assert tab.regions.image.shape == (24, 24)
    x, y = tab.train_points.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), dataset.plane_train)


@pytest.mark.gui
def test_saved_predictions_lead_with_the_points(panel) -> None:
    project = circles_project(("x1^2", "x2^2"))
    dataset, frame = frames_of(project)
    panel.set_context(project, dataset)
    panel.show_frame(frame)
    header, rows = panel.output_tab.csv_table()
    assert header[:4] == ["x1", "x2", "x1^2", "x2^2"]
    first = np.array(rows[0][:4], dtype=float)
    x1, x2 = frame.eval_plane[0]
    np.testing.assert_allclose(first, [x1, x2, x1 * x1, x2 * x2])
    # A coordinate among the features is not repeated.
    project = circles_project(("x1", "x1*x2"))
    dataset, frame = frames_of(project)
    panel.set_context(project, dataset)
    panel.show_frame(frame)
    header, _rows = panel.output_tab.csv_table()
    assert header[:3] == ["x1", "x2", "x1*x2"]


@pytest.mark.gui
def test_colour_bars_keep_labels_of_prices(panel) -> None:
    # The bars' axes are 45 px wide: 500000 does not fit, and pyqtgraph would drop the label.
    bars = (
        panel.output_tab.surface_bar,
        panel.weights_tab.color_bar,
        panel.activations_tab.color_bar,
    )
    for bar in bars:
        axis = bar.axis
        assert axis.tickStrings([0, 250_000, 500_000], 1, 250_000) == ["0", "250k", "500k"]
        assert axis.tickStrings([-0.5, 0, 0.5], 1, 0.5) == ["-0.5", "0", "0.5"]


@pytest.mark.gui
def test_one_input_and_several_targets_show_the_chosen_target_over_its_curve(panel) -> None:
    from nnstudio.engine.network import Network
    from nnstudio.ui.frame import make_frame

    rng = np.random.default_rng(2)
    x = rng.uniform(500, 4000, size=(90, 1))
    Y = np.column_stack([150 * x[:, 0] + 20_000, 0.012 * (150 * x[:, 0] + 20_000)])
    dataset = Dataset(
        X_train=x[:70],
        Y_train=Y[:70],
        X_val=x[70:],
        Y_val=Y[70:],
        feature_names=("sqft",),
        target_names=("price", "tax"),
        task="regression",
    )
    network = Network.from_spec(
        NetworkSpec(1, (LayerSpec(3, "tanh"), LayerSpec(2, "identity"))), "mse"
    )
    frame = make_frame(network, dataset)
    panel.set_context(None, dataset)
    panel.show_frame(frame)
    tab = panel.output_tab
    visible = [curve for curve in tab.curves if curve.isVisible()]
    assert len(visible) == 1 and tab.map_plot.getAxis("left").labelText == "price"
    _x, y = tab.train_points.getData()
    np.testing.assert_array_equal(y, dataset.Y_train[:, 0])
    tab.parity_target.setCurrentIndex(1)
    _x, y = tab.train_points.getData()
    np.testing.assert_array_equal(y, dataset.Y_train[:, 1])
    assert tab.map_plot.getAxis("left").labelText == "tax"
    _x, curve = next(c for c in tab.curves if c.isVisible()).getData()
    np.testing.assert_allclose(curve, frame.line.line_A[-1][:, 1], rtol=1e-6)
    # Points over a curve are coloured by split: the title's keys wear the same colours.
    from nnstudio.ui.plots.common import TRAIN_COLOR, VALIDATION_COLOR

    title = tab.map_plot.titleLabel.text
    train_hex, val_hex = (
        "#{:02x}{:02x}{:02x}".format(*c[:3]) for c in (TRAIN_COLOR, VALIDATION_COLOR)
    )
    assert f'<span style="color: {train_hex};">●</span>&nbsp;training' in title
    assert f'<span style="color: {val_hex};">▼</span>&nbsp;validation' in title
    brush = tab.train_points.data["brush"][0].color()
    assert (brush.red(), brush.green(), brush.blue()) == tuple(TRAIN_COLOR[:3])


@pytest.mark.gui
def test_a_surface_of_several_targets_shows_the_chosen_one(panel) -> None:
    from nnstudio.engine.network import Network
    from nnstudio.ui.frame import make_frame

    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(120, 2))
    Y = np.column_stack([1000 * X[:, 0], X[:, 1] - 3])
    dataset = Dataset(
        X_train=X[:90],
        Y_train=Y[:90],
        X_val=X[90:],
        Y_val=Y[90:],
        feature_names=("x1", "x2"),
        target_names=("big", "small"),
        task="regression",
    )
    network = Network.from_spec(
        NetworkSpec(2, (LayerSpec(3, "tanh"), LayerSpec(2, "identity"))), "mse"
    )
    frame = make_frame(network, dataset, grid_size=12)
    panel.set_context(None, dataset)
    panel.show_frame(frame)
    tab = panel.output_tab
    np.testing.assert_allclose(tab.regions.image, frame.grid.grid_A[-1][..., 0], rtol=1e-6)
    assert "big" in tab.map_plot.titleLabel.text
    assert tab.surface_bar.levels() == pytest.approx((Y[:90, 0].min(), Y[:90, 0].max()))
    tab.parity_target.setCurrentIndex(1)
    np.testing.assert_allclose(tab.regions.image, frame.grid.grid_A[-1][..., 1], rtol=1e-6)
    assert "small" in tab.map_plot.titleLabel.text
    assert tab.surface_bar.levels() == pytest.approx((Y[:90, 1].min(), Y[:90, 1].max()))
