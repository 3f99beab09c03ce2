"""The canvas draws every input feature of a 2-D built-in data set over the points' plane."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.spec import (
    PLANE_FEATURE_LABELS,
    BuiltinData,
    LayerSpec,
    NetworkSpec,
    Project,
    TrainingSpec,
)
from nnstudio.ui.canvas import NetworkCanvas
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.frame import make_frame
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2")


def test_input_thumbnails_show_each_feature_over_the_plane(qtbot) -> None:
    project = Project(
        name="Features",
        data=BuiltinData(builtin="circles", samples=200, features=FEATURES),
        network=NetworkSpec(inputs=5, layers=(LayerSpec(3, "tanh"), LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(),
    )
    document = StudioDocument()
    document.open_project(project)
    assert document.dataset is not None, document.dataset_error
    canvas = NetworkCanvas(document)
    qtbot.addWidget(canvas)
    canvas.resize(1000, 700)
    canvas.show()
    qtbot.waitExposed(canvas)
    frame = make_frame(build_network(document.project), document.dataset, grid_size=24)
    canvas.show_frame(frame)

    inputs = canvas.columns[0]
    # Labelled as the Data dock writes them.
    assert canvas.feature_names() == [PLANE_FEATURE_LABELS[name] for name in FEATURES]
    assert len(inputs.thumbnails) == 5
    grid = frame.grid
    assert grid.grid_A[0].shape == (24, 24, 5)
    # Each thumbnail is its feature's heatmap: x1·x2 changes sign between the quadrants.
    middle = 12
    for neuron in range(5):
        image = inputs.thumbnails[neuron]
        assert image.pixel(middle, middle) == int(grid.heatmaps[0][neuron, middle, middle])
    product = grid.grid_A[0][..., 4]
    assert np.sign(product[2, 2]) == np.sign(product[-3, -3]) != np.sign(product[2, -3])
    # x1² is the same on both sides of x1 = 0; x1 is not.
    squares, first = grid.grid_A[0][..., 2], grid.grid_A[0][..., 0]
    np.testing.assert_allclose(squares[:, 0], grid.grid_x[0] ** 2)
    assert first[0, 0] < 0 < first[0, -1]
