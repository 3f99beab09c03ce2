"""A run that continues earlier training is drawn on from the runs before it, its epochs and
updates where the weights had come (proposed for tests/ui/, with the loss.py change)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.ui.frame import FrameBuilder
from nnstudio.workflow import build_network, make_trainer
from tests.ui import test_loss_run_details as details

pytestmark = pytest.mark.gui

# The Loss tab tests' plots panel and circles data set.
panel = details.panel
dataset = details.dataset


def test_a_continued_run_is_drawn_on_from_the_run_before_it(panel, dataset) -> None:
    project = details._project(epochs=30)
    network = build_network(project)
    builder = FrameBuilder(dataset, probe_size=16, grid_size=8)
    first = make_trainer(project, network, dataset)
    frames = [replace(builder.build(network, first.snapshot()), run=1)]
    for _ in range(4):
        first.run_epoch()
        frames.append(replace(builder.build(network, first.snapshot()), run=1))
    for _ in range(3):  # three steps into epoch 5: 5 steps an epoch
        first.step()
    frames.append(replace(builder.build(network, first.snapshot()), run=1))
    # The next run counts on from epoch 4, step 23.
    second = make_trainer(project, network, dataset, start=(first.epoch, first.step_count))
    frames.append(replace(builder.build(network, second.snapshot()), run=2))
    for _ in range(2):
        second.run_epoch()
        frames.append(replace(builder.build(network, second.snapshot()), run=2))
    tab = details._show(panel, project, dataset, frames)
    assert [len(run.history) for run in tab.kept_runs] == [5]
    x, _y = details._data(tab.train_curve)
    np.testing.assert_array_equal(x, [4, 5, 6])
    # The earlier run is in view from its start, on every x axis.
    low, high = tab.loss_plot.vb.viewRange()[0]
    assert low <= 0 and high >= 6
    tab.x_axis.setCurrentIndex(1)  # updates
    x, _y = details._data(tab.train_curve)
    np.testing.assert_array_equal(x, [23, 28, 33])
    batch_x, _ = details._data(tab.batch_curve)
    assert batch_x[0] == 23 and batch_x[-1] == 32
    low, high = tab.loss_plot.vb.viewRange()[0]
    assert low <= 0 and 33 <= high
