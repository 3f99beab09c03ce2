"""The status bar's training figures fit the window at any font: none is drawn over another.

At 18 pt in a 1024 pixel window a run's figures (state, epoch, loss, speed, progress, ETA)
needed more than the status bar's width, and the loss was drawn over the speed. The bar
now turns compact when its figures do not fit, and then leaves out the progress bar and the
speed (shown in the epoch's tooltip) while they still do not fit.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from nnstudio.ui.qt import QtCore, QtGui, QtWidgets
from tests.ui.test_small_screen import _open

pytestmark = pytest.mark.gui


RUNNING = {
    "state": "running",
    "epoch": 12,
    "step": 480,
    "epochs_total": 500,
    "steps_per_second": 950.0,
    "eta_seconds": 40,
}


def _show_a_run(main) -> None:
    main.controller.stateChanged.emit("running")
    main.status.show_progress(RUNNING)
    QtWidgets.QApplication.processEvents()


def _figures(main) -> list[QtWidgets.QWidget]:
    """The status bar's figures on show, left to right."""
    status = main.status
    widgets = [
        status.state_label,
        status.epoch_label,
        status.step_label,
        status.loss_label,
        status.speed_label,
        status.progress,
        status.eta_label,
    ]
    return [widget for widget in widgets if widget.isVisible()]


def _assert_side_by_side(main) -> None:
    """Every figure inside the status bar, and none over its neighbour."""
    figures = _figures(main)
    bar = main.statusBar()
    for left, right in itertools.pairwise(figures):
        assert left.geometry().right() < right.geometry().left(), (left, right)
    for widget in figures:
        top_left = widget.mapTo(bar, widget.rect().topLeft())
        assert 0 <= top_left.x() and top_left.x() + widget.width() <= bar.width(), widget
        assert widget.width() >= widget.minimumWidth()


def test_at_18_points_a_runs_figures_do_not_overlap_in_a_1024_pixel_window(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path, small_screen
) -> None:
    app_font(18)
    main = _open(qtbot, settings, samples_dir)
    try:
        _show_a_run(main)
        status = main.status
        _assert_side_by_side(main)
        # The epoch and loss stay; what did not fit is left out, the speed in a tooltip.
        assert status.epoch_label.isVisible() and status.loss_label.isVisible()
        assert status.eta_label.isVisible() and status.eta_label.text() == "ETA 0:40"
        assert not status.speed_label.isVisible()
        assert "950 steps/s" in status.epoch_label.toolTip()
        assert "Step 480" in status.epoch_label.toolTip()
        # Once the run stops there is room again, and nothing is left hidden for ever.
        main.controller.stateChanged.emit("paused")
        QtWidgets.QApplication.processEvents()
        _assert_side_by_side(main)
        assert "steps/s" not in status.epoch_label.toolTip()
    finally:
        main.close_without_asking()
        main.shutdown()


def test_at_18_points_a_wide_window_turns_its_figures_compact_rather_than_cut(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path, monkeypatch
) -> None:
    screen = QtCore.QRect(0, 0, 1280, 800)
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda _screen: screen)
    app_font(18)
    main = _open(qtbot, settings, samples_dir)
    try:
        main.resize(1280, 760)
        QtWidgets.QApplication.processEvents()
        _show_a_run(main)
        status = main.status
        _assert_side_by_side(main)
        # Compact (the step in the epoch's tooltip) keeps the speed on show.
        assert not status.step_label.isVisible()
        assert status.epoch_label.toolTip() == "Step 480"
        assert status.speed_label.isVisible() and status.speed_label.text() == "950 steps/s"
    finally:
        main.close_without_asking()
        main.shutdown()


def test_at_the_default_font_a_1280_pixel_window_shows_every_figure(
    qtbot, settings, no_dialogs, samples_dir: Path
) -> None:
    main = _open(qtbot, settings, samples_dir)
    try:
        main.resize(1280, 800)
        QtWidgets.QApplication.processEvents()
        _show_a_run(main)
        status = main.status
        _assert_side_by_side(main)
        for widget in (status.step_label, status.speed_label, status.progress):
            assert widget.isVisible(), widget
        assert status.epoch_label.toolTip() == ""
    finally:
        main.close_without_asking()
        main.shutdown()
