"""Data holding finite values near the largest float (±1.7e308): every view opens finite.

pyqtgraph refuses a non-finite range, and spans or margins of such values overflow to inf.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.data import Dataset
from nnstudio.engine.network import Network
from nnstudio.spec import LayerSpec, NetworkSpec
from nnstudio.ui.frame import RANGE_LIMIT, finite_range, make_frame

pytestmark = pytest.mark.gui

HUGE = 1.7e308


def _finite_view(plot) -> None:
    """The plot's view range is finite and of positive width on both axes."""
    for low, high in plot.getViewBox().viewRange():
        assert math.isfinite(low) and math.isfinite(high) and high > low


def _plane(task: str, targets: str = "small") -> Dataset:
    """Two features, one value of each at ±1.7e308 (targets too, when asked)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    X[3] = (HUGE, -HUGE)
    X[7, 1] = HUGE
    labels = (X[:, 0] > 0).astype(int)
    if task == "classification":
        Y = np.eye(2)[labels]
        extra: dict = {
            "class_names": ("a", "b"),
            "labels_train": labels[:30],
            "labels_val": labels[30:],
        }
        names: tuple[str, ...] = ("a", "b")
    else:
        Y = rng.normal(size=(40, 1))
        if targets == "huge":
            Y[4, 0], Y[5, 0] = HUGE, -HUGE
        extra, names = {}, ("y",)
    return Dataset(X[:30], Y[:30], X[30:], Y[30:], ("x1", "x2"), names, task, **extra)


def _line(huge: str) -> Dataset:
    """One feature against one target; ``huge`` says which holds ±1.7e308."""
    x = np.linspace(0.0, 5.0, 30)[:, None]
    y = np.sin(x)
    (x if huge == "x" else y)[3, 0] = HUGE
    (x if huge == "x" else y)[5, 0] = -HUGE
    return Dataset(x[:24], y[:24], x[24:], y[24:], ("x",), ("y",), "regression")


def test_finite_range_stays_finite_with_its_margin() -> None:
    assert finite_range(0.0, 1.0, 0.1) == pytest.approx((-0.1, 1.1))
    assert finite_range(3.0, 3.0) == (1.5, 4.5)  # an empty range gets a window
    for low, high in [(-HUGE, HUGE), (0.0, HUGE), (HUGE, HUGE), (-math.inf, math.nan)]:
        a, b = finite_range(low, high, 0.1)
        assert -RANGE_LIMIT <= a < b <= RANGE_LIMIT
        # pyqtgraph pads the range by a share of its span: that must stay finite too.
        assert math.isfinite((b - a) * 1.1)


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_the_data_preview_and_the_grid_of_a_plane_stay_finite(qtbot, task: str) -> None:
    from nnstudio.ui.docks.data_dock import ScatterPreview

    dataset = _plane(task)
    preview = ScatterPreview()
    qtbot.addWidget(preview)
    preview.resize(400, 400)
    preview.show()
    preview.show_dataset(dataset)  # raised "Cannot set range [-1.7e+307, inf]"
    _finite_view(preview.plot_item)
    units = 2 if task == "classification" else 1
    output = LayerSpec(units, "softmax" if units == 2 else "identity")
    loss = "categorical_crossentropy" if units == 2 else "mse"
    network = Network.from_spec(
        NetworkSpec(2, (LayerSpec(3, "tanh"), output)), loss, dtype="float64"
    )
    frame = make_frame(network, dataset, probe_size=10, grid_size=12)
    assert frame.grid is not None
    assert all(math.isfinite(v) and abs(v) <= RANGE_LIMIT for v in frame.grid.extent)
    assert np.isfinite(frame.grid.grid_x).all() and np.isfinite(frame.grid.grid_y).all()
    preview.show_frame(frame)
    _finite_view(preview.plot_item)


@pytest.mark.parametrize("huge", ["x", "y"])
def test_the_preview_of_one_feature_stays_finite(qtbot, huge: str) -> None:
    from nnstudio.ui.docks.data_dock import ScatterPreview

    preview = ScatterPreview()
    qtbot.addWidget(preview)
    preview.resize(400, 400)
    preview.show()
    preview.show_dataset(_line(huge))  # its auto-range raised "Cannot set range"
    _finite_view(preview.plot_item)


@pytest.fixture
def panel(qtbot):
    from nnstudio.ui.plots import PlotsPanel

    shown = PlotsPanel()
    qtbot.addWidget(shown)
    shown.resize(900, 500)
    shown.show()
    return shown


@pytest.mark.parametrize(
    ("dataset", "output", "loss"),
    [
        (_plane("classification"), LayerSpec(2, "softmax"), "categorical_crossentropy"),
        (_plane("regression", "huge"), LayerSpec(1, "identity"), "mse"),
    ],
    ids=["classes", "surface"],
)
def test_the_output_tab_shows_huge_data_in_finite_ranges(panel, dataset, output, loss) -> None:
    inputs = dataset.n_features
    network = Network.from_spec(
        NetworkSpec(inputs, (LayerSpec(3, "tanh"), output)), loss, dtype="float64"
    )
    frame = make_frame(network, dataset, probe_size=10, grid_size=12)
    panel.set_context(None, dataset)
    panel.show_frame(frame)  # the map's setRange raised; a surface's levels overflowed
    tab = panel.output_tab
    tab.map_plot.getViewBox().autoRange()  # what pyqtgraph does with the drawn items
    _finite_view(tab.map_plot)
    if dataset.task == "regression":
        tab.parity_plot.getViewBox().autoRange()
        _finite_view(tab.parity_plot)
