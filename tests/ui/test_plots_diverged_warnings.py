"""A diverged run's last epoch (losses of ∞) is shown without a NumPy warning on the terminal."""

from __future__ import annotations

import warnings
from dataclasses import fields, replace

import numpy as np
import pytest

from nnstudio.engine.trainer import History
from tests.ui import test_plots as plot_tests

pytestmark = pytest.mark.gui

panel = plot_tests.panel


def diverged(history: History) -> History:
    """``history`` and one more epoch whose losses overflowed to ∞."""
    row = {column.name: np.nan for column in fields(History) if column.name not in ("epoch",)}
    row.update(train_loss=np.inf, val_loss=np.inf, train_objective=np.inf)
    row["learning_rate"] = float(history.learning_rate[-1])
    return History(
        np.append(history.epoch, history.epoch[-1] + 1),
        *(np.append(getattr(history, name), value) for name, value in row.items()),
    )


def test_a_diverged_run_shows_without_runtime_warnings(qtbot, panel) -> None:
    project = plot_tests.housing_project()
    dataset, frames = plot_tests.train_frames(project, 2)
    frame = frames[-1]
    history = diverged(frame.snapshot.history)
    assert np.isinf(history.train_objective[-1]) and np.isinf(history.train_loss[-1])
    frame = replace(frame, snapshot=replace(frame.snapshot, history=history))
    panel.set_context(project, dataset)
    tab = panel.loss_tab
    panel.tabs.setCurrentWidget(tab)
    with warnings.catch_warnings():
        # ∞ − ∞ in the objective-minus-loss gap printed "invalid value encountered in
        # subtract" to the terminal.
        warnings.simplefilter("error", RuntimeWarning)
        panel.show_frame(frame)
        plot_tests.settle(qtbot)
    # No penalty was used: the objective curve is not offered (the NaN gap counts for
    # nothing), and the finite epochs are drawn as before.
    assert not tab._penalty_in_use()
    _x, y = tab.train_curve.getData()
    np.testing.assert_allclose(y[:-1], history.train_loss[:-1])
