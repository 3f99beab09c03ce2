"""The Loss tab in a small dock and at a large font: its choices on one line (the less used
ones, then all, in a Show menu), plots that keep a height to be read, titles on their plot,
and the metric's latest values in the loss plot where the metric plot has no room."""

from __future__ import annotations

import re
from dataclasses import replace

import pyqtgraph as pg
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.spec import (
    BuiltinData,
    LayerSpec,
    NetworkSpec,
    Project,
    ScheduleSpec,
    TrainingSpec,
)
from nnstudio.ui.plots.loss import LossTab
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets
from tests.ui.test_loss_run_details import _frames, _project
from tests.ui.test_loss_run_details import dataset as dataset  # the fixture

pytestmark = pytest.mark.gui

#: The Loss tab's size in the plots dock of a 1024 × 640 window at an 18 pt font, and at
#: the default font in 1024 × 640 and 1280 × 800 windows.
LARGE_FONT_SMALL_WINDOW = (356, 196)
SMALL_WINDOW = (455, 220)
LARGE_WINDOW = (628, 286)


def _everything_project() -> Project:
    """A run with a penalty and a schedule: every choice of the row has something to show."""
    schedule = ScheduleSpec(name="exponential", gamma=0.8)
    return _project(l2=0.01, schedule=schedule, early_stopping=3, epochs=6)


def _empty_tab(qtbot, size: tuple[int, int]) -> LossTab:
    """A shown Loss tab of ``size`` with nothing set up."""
    tab = LossTab()
    qtbot.addWidget(tab)
    tab.resize(*size)
    tab.show()
    qtbot.waitExposed(tab)
    return tab


def _shown_tab(qtbot, size: tuple[int, int], project: Project, dataset: Dataset) -> LossTab:
    """A shown Loss tab of ``size`` set up for ``project`` on ``dataset``, no frame yet."""
    tab = _empty_tab(qtbot, size)
    tab.set_context(project, dataset)
    tab.set_project(project)
    return tab


def _loss_tab(qtbot, size: tuple[int, int], project: Project, dataset: Dataset) -> LossTab:
    """A Loss tab of ``size`` showing two runs of ``project`` (the first kept, faded)."""
    tab = _shown_tab(qtbot, size, project, dataset)
    frames = _frames(project, dataset, 6)
    for run in (1, 2):
        for frame in frames:
            tab.show_frame(replace(frame, run=run))
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    return tab


def _row_controls(tab: LossTab) -> list[QtWidgets.QWidget]:
    """The controls shown in the tab's row of choices."""
    row = tab.log_scale.parentWidget()
    children = row.findChildren(
        QtWidgets.QWidget, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly
    )
    return [child for child in children if child.isVisible()]


def _shown_whole_on_one_line(tab: LossTab) -> bool:
    controls = _row_controls(tab)
    # On one line: every control's height spans the others' (they are centred on their line).
    spans = [control.geometry() for control in controls]
    one_line = max(span.top() for span in spans) < min(span.bottom() for span in spans)
    whole = all(control.visibleRegion().boundingRect() == control.rect() for control in controls)
    return one_line and whole


def test_at_a_large_font_in_a_small_window_the_loss_tab_has_room(qtbot, app_font, dataset) -> None:
    app_font(18)
    tab = _loss_tab(qtbot, LARGE_FONT_SMALL_WINDOW, _everything_project(), dataset)
    assert tab.objective_offered and tab.rate_offered and tab.kept_runs
    # The choices take one line, none of them cut (the row took three lines and showed
    # half of the third); those without room are in the Show menu.
    assert _shown_whole_on_one_line(tab)
    assert tab.more_button.isVisible()
    menu = tab.more_button.menu()
    shown = {action.text() for action in menu.actions() if action.isVisible()}
    assert {"Objective J + penalty", "Learning rate", "Earlier runs"} <= shown
    assert tab.forget_action.isVisible() and tab.forget_action.isEnabled()
    # The loss plot keeps a height to read its data (it was half a pixel tall): alone, with
    # a one-line title and no x axis name.
    line = QtGui.QFontMetricsF(QtGui.QFont()).lineSpacing()
    assert tab.loss_plot.vb.height() >= 2.5 * line
    assert tab.metric_plot not in tab.shown_items() and not tab.metric_plot.isVisible()
    title = tab.loss_plot.titleLabel
    assert title.item.boundingRect().height() < 2 * line
    assert title.item.boundingRect().width() <= tab.loss_plot.width()
    assert "train" in title.text and "val" in title.text
    # The rate axis goes without its name, which ran over the title.
    assert not tab.loss_plot.getAxis("right").label.isVisible()
    assert tab.loss_plot.getAxis("right").isVisible()


def test_the_show_menu_and_the_check_boxes_are_one_choice(qtbot, app_font, dataset) -> None:
    app_font(18)
    tab = _loss_tab(qtbot, LARGE_FONT_SMALL_WINDOW, _everything_project(), dataset)
    actions = {action.text(): action for action in tab.more_button.menu().actions()}
    actions["Objective J + penalty"].trigger()
    assert not tab.show_objective.isChecked() and not tab.objective_curve.isVisible()
    tab.show_objective.setChecked(True)
    assert actions["Objective J + penalty"].isChecked() and tab.objective_curve.isVisible()
    actions["Learning rate"].trigger()
    assert not tab.rate_view.isVisible()
    tab.forget_action.trigger()
    assert tab.kept_runs == [] and not actions["Earlier runs"].isEnabled()


def test_widened_the_loss_tab_gives_its_choices_back_to_the_row(qtbot, dataset) -> None:
    tab = _loss_tab(qtbot, SMALL_WINDOW, _everything_project(), dataset)
    # A 1024-pixel window: the less used choices in the menu, the rest in one line.
    assert _shown_whole_on_one_line(tab)
    assert set(tab.folded) == {tab.show_objective, tab.show_rate, tab.show_previous.parentWidget()}
    assert tab.log_scale.isVisible() and tab.show_batches.isVisible()
    assert tab.metric_plot in tab.shown_items()
    # A 1280-pixel window: every choice in the row, both plots with their full legends.
    tab.resize(*LARGE_WINDOW)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    assert tab.folded == () and not tab.more_button.isVisible()
    assert _shown_whole_on_one_line(tab)
    assert tab.show_objective.isVisible() and tab.show_rate.isVisible()
    assert tab.show_previous.isVisible()
    assert tab.metric_plot in tab.shown_items() and not tab.low
    assert "objective" in tab.loss_plot.titleLabel.text
    assert "previous" in tab.loss_plot.titleLabel.text
    assert tab.loss_plot.getAxis("bottom").label.isVisible()
    assert tab.loss_plot.getAxis("right").label.isVisible()
    assert "Accuracy" in tab.metric_plot.titleLabel.text


#: The Loss tab's size in the plots dock at an 18 pt font when the window is 1024 × 640 and
#: the Digits sample (64 inputs) is the first project opened: the window widens to 1050
#: pixels and the tab is given less width than with a smaller network.
LARGE_FONT_DIGITS_TAB = (320, 197)


def _in_tab(tab: LossTab, item: QtWidgets.QGraphicsItem) -> QtCore.QRect:
    """Where ``item`` (in the tab's plots) is, in the tab's pixels."""
    polygon = tab.graphics.mapFromScene(item.sceneBoundingRect())
    rect = polygon.boundingRect()
    return rect.translated(tab.graphics.mapTo(tab, QtCore.QPoint(0, 0)))


def _one_line_and_whole_plots(tab: LossTab) -> None:
    """Assert that the tab's controls take one line and its plots lie wholly in it."""
    # One line, the Save button's too: "Show" and the x axis choice took two lines at 320
    # pixels and pushed the plots 41 pixels down in a tab no higher, out of it at the bottom.
    assert _shown_whole_on_one_line(tab)
    save = tab.save_button.geometry()
    assert all(
        save.top() < control.geometry().bottom() and control.geometry().top() < save.bottom()
        for control in _row_controls(tab)
    )
    # The loss plot with its x axis (ticks and numbers), and the view showing them.
    graphics = tab.graphics.geometry()
    assert tab.rect().contains(graphics)
    axis = tab.loss_plot.getAxis("bottom")
    assert axis.isVisible()
    assert graphics.contains(_in_tab(tab, axis))
    assert graphics.contains(_in_tab(tab, tab.loss_plot))
    line = QtGui.QFontMetricsF(QtGui.QFont()).lineSpacing()
    assert tab.loss_plot.vb.height() >= 2.5 * line


def test_a_narrower_loss_tab_keeps_one_line_of_choices_and_its_whole_plot(
    qtbot, app_font, dataset
) -> None:
    app_font(18)
    tab = _loss_tab(qtbot, LARGE_FONT_DIGITS_TAB, _everything_project(), dataset)
    assert tab.size() == QtCore.QSize(*LARGE_FONT_DIGITS_TAB)
    _one_line_and_whole_plots(tab)
    # The x axis choice went into the Show menu, where it is still made.
    assert tab.x_axis in tab.folded and not tab.x_axis.isVisible()
    assert tab.more_button.isVisible()
    submenu = tab.x_axis_menu
    assert submenu.menuAction().isVisible() and submenu.isEnabled()
    assert submenu.title() == "X axis: epochs"
    updates = next(action for action in submenu.actions() if action.text() == "updates")
    updates.trigger()
    assert tab.x_axis.currentIndex() == 1 and tab.x_axis_key == "updates"
    assert submenu.title() == "X axis: updates"
    tab.x_axis.setCurrentIndex(0)
    assert submenu.actions()[0].isChecked() and not updates.isChecked()
    # Down to the least width the tab takes.
    tab.resize(tab.minimumSizeHint().width(), LARGE_FONT_DIGITS_TAB[1])
    _settle()
    assert tab.width() < LARGE_FONT_DIGITS_TAB[0]
    _one_line_and_whole_plots(tab)


def test_widened_again_the_loss_tab_gives_back_the_x_axis_choice(qtbot, app_font, dataset) -> None:
    app_font(18)
    tab = _loss_tab(qtbot, LARGE_FONT_DIGITS_TAB, _everything_project(), dataset)
    assert tab.x_axis in tab.folded
    tab.resize(*LARGE_FONT_SMALL_WINDOW)
    _settle()
    # As before at this width: the check boxes in the menu, the x axis choice in the row.
    assert tab.x_axis not in tab.folded and tab.x_axis.isVisible()
    assert tab.log_scale in tab.folded and tab.more_button.isVisible()
    assert not tab.x_axis_menu.menuAction().isVisible()
    assert _shown_whole_on_one_line(tab)


def test_titles_side_by_side_never_run_into_each_other(qtbot, app_font, dataset) -> None:
    app_font(14)
    tab = _loss_tab(qtbot, (700, 260), _everything_project(), dataset)
    assert tab.metric_plot in tab.shown_items()
    loss, metric = tab.loss_plot.titleLabel, tab.metric_plot.titleLabel
    # Each title stays over its own plot (one ran on into the other's).
    assert loss.item.sceneBoundingRect().right() <= metric.item.sceneBoundingRect().left()


def test_left_out_the_metric_plot_takes_its_r2_view_along(qtbot, app_font, dataset) -> None:
    app_font(18)
    tab = _loss_tab(qtbot, LARGE_FONT_SMALL_WINDOW, _everything_project(), dataset)
    assert tab.metric_plot not in tab.shown_items()
    tab._configure_metric("regression")
    # R²'s view would stay where the metric plot was, over the loss plot.
    assert not tab.r2_view.isVisible()


# ---- the metric where its plot has no room -----------------------------------------------------

#: The Loss tab's size in the plots dock at an 18 pt font when the window is 1024 × 640 (it
#: grows to 1132 pixels wide, its least width at that font).
LARGE_FONT_WINDOW_TAB = (363, 197)
#: A Loss tab with room for both plots at an 18 pt font.
ROOM_FOR_TWO_AT_18_POINTS = (900, 480)


def _housing() -> tuple[Project, Dataset]:
    """A regression run (house prices): its metric is the RMSE."""
    project = Project(
        name="Housing",
        data=BuiltinData(builtin="housing", samples=200, seed=1, standardize=True),
        network=NetworkSpec(inputs=1, layers=(LayerSpec(1, "relu"),)),
        loss="mse",
        training=TrainingSpec(optimizer="sgd", learning_rate=0.05, batch_size="full", epochs=6),
    )
    return project, load_dataset(project.data, ".")


def _note_rect(tab: LossTab) -> QtCore.QRectF:
    """Where the metric note is, in the loss plot's view's pixels."""
    note = tab.metric_note
    return note.mapRectToParent(note.boundingRect())


def _numbers(text: str) -> list[float]:
    """The numbers in ``text``."""
    return [float(number) for number in re.findall(r"\d+(?:\.\d+)?", text)]


def _settle() -> None:
    for _ in range(3):
        QtWidgets.QApplication.processEvents()


def test_left_out_the_metric_plot_leaves_its_values_in_the_loss_plot(
    qtbot, app_font, dataset
) -> None:
    app_font(18)
    tab = _empty_tab(qtbot, LARGE_FONT_WINDOW_TAB)
    # The height the tab takes before any run, with no values to show.
    least_height = tab.minimumSizeHint().height()
    project = _everything_project()
    tab.set_context(project, dataset)
    tab.set_project(project)
    frames = _frames(project, dataset, 6)
    for frame in frames:
        tab.show_frame(frame)
    _settle()
    snapshot = frames[-1].snapshot
    assert tab.metric_plot not in tab.shown_items()
    # The accuracy no longer showed anywhere on the tab: now the loss plot says it (rounded
    # to whole percents where the plot is this narrow).
    assert tab.metric_note.isVisible()
    assert tab.metric_note_text.startswith("acc")
    shown = _numbers(tab.metric_note_text)
    assert shown == pytest.approx(
        [100 * snapshot.train_accuracy, 100 * snapshot.val_accuracy], abs=0.5
    )
    train, val = f"{100 * snapshot.train_accuracy:.1f}", f"{100 * snapshot.val_accuracy:.1f}"
    tip = tab.metric_note.toolTip()
    assert f"Accuracy: train {train} %, validation {val} %" in tip
    # On one line, whole inside the plot, which keeps its room: the note takes none of the
    # tab's height, and the title (which wrapped at this size) stays on one line.
    font_line = QtGui.QFontMetricsF(tab.metric_note.textItem.font()).lineSpacing()
    rect = _note_rect(tab)
    assert rect.height() < 2 * font_line
    assert tab.loss_plot.vb.rect().contains(rect)
    line = QtGui.QFontMetricsF(QtGui.QFont()).lineSpacing()
    assert tab.loss_plot.titleLabel.item.boundingRect().height() < 2 * line
    assert tab.loss_plot.vb.height() >= 2.5 * line
    assert tab.minimumSizeHint().height() == least_height
    # Not over the best epoch's ring.
    x, y = tab.best_point.getData()
    ring = tab.loss_plot.vb.mapFromView(QtCore.QPointF(float(x[0]), float(y[0])))
    assert not rect.adjusted(-5, -5, 5, 5).contains(ring)
    # Room for the metric plot again: the note goes, and comes back with less room.
    tab.resize(*ROOM_FOR_TWO_AT_18_POINTS)
    _settle()
    assert tab.metric_plot in tab.shown_items()
    assert not tab.metric_note.isVisible() and tab.metric_note_text == ""
    tab.resize(*LARGE_FONT_WINDOW_TAB)
    _settle()
    assert tab.metric_plot not in tab.shown_items()
    assert _numbers(tab.metric_note_text) == shown


def test_a_low_plots_title_takes_one_line_at_the_width_its_plot_has(
    qtbot, app_font, dataset
) -> None:
    app_font(18)
    tab = _loss_tab(qtbot, LARGE_FONT_WINDOW_TAB, _project(epochs=6), dataset)
    assert tab.low and tab.metric_plot not in tab.shown_items()
    # Sized for the whole view's width, not the plot's (the view less its margins), the
    # title wrapped onto a second line and took the plot's data a line of height.
    title = tab.loss_plot.titleLabel
    line = QtGui.QFontMetricsF(QtGui.QFont()).lineSpacing()
    assert title.item.boundingRect().height() < 2 * line
    assert "train" in title.text and "val" in title.text


def test_a_small_loss_tab_names_its_metric_and_both_values(qtbot, dataset) -> None:
    tab = _loss_tab(qtbot, (360, 200), _project(epochs=6), dataset)
    snapshot = tab._snapshot
    assert tab.metric_plot not in tab.shown_items()
    text = tab.metric_note_text
    assert text.startswith("acc")
    wanted = [100 * snapshot.train_accuracy, 100 * snapshot.val_accuracy]
    assert _numbers(text) == pytest.approx(wanted, abs=0.5)
    assert tab.loss_plot.vb.rect().contains(_note_rect(tab))


def test_a_regression_keeps_its_rmse_in_sight(qtbot, app_font) -> None:
    app_font(18)
    project, data = _housing()
    tab = _loss_tab(qtbot, LARGE_FONT_WINDOW_TAB, project, data)
    snapshot = tab._snapshot
    assert tab.metric_plot not in tab.shown_items()
    text = tab.metric_note_text
    assert text.startswith("RMSE")
    # Train and validation first (R² after them where the plot is wide enough).
    wanted = [snapshot.train_rmse, snapshot.val_rmse]
    assert _numbers(text)[:2] == pytest.approx(wanted, rel=0.05)
    assert f"R²: train {snapshot.train_r2:.3g}" in tab.metric_note.toolTip()
    assert tab.loss_plot.vb.rect().contains(_note_rect(tab))
    tab.resize(*ROOM_FOR_TWO_AT_18_POINTS)
    _settle()
    assert tab.metric_plot in tab.shown_items() and tab.metric_note_text == ""


# ---- a one-line title with long values ---------------------------------------------------------

#: Losses of many characters (train, validation): the housing sample's after 200 epochs, and
#: a pair a character shorter, which still took the plot's whole width.
LONG_LOSSES = ((0.004352, 0.002646), (0.01137, 0.009663))
#: The Loss tab's size in the plots dock of an 1100 × 640 window at an 18 pt font.
LARGE_FONT_1100_WINDOW_TAB = (348, 196)


def _long_losses_tab(qtbot, size: tuple[int, int], losses: tuple[float, float]) -> LossTab:
    """A Loss tab of ``size`` showing a regression run whose latest losses are ``losses``
    (train, validation)."""
    project, data = _housing()
    tab = _shown_tab(qtbot, size, project, data)
    frames = _frames(project, data, 6)
    train, val = losses
    last = frames[-1]
    frames[-1] = replace(last, snapshot=replace(last.snapshot, train_loss=train, val_loss=val))
    for frame in frames:
        tab.show_frame(frame)
    _settle()
    return tab


def _title_lines(tab: LossTab, plot: pg.PlotItem | None = None) -> int:
    """The lines the title of ``plot`` (the loss plot unless told) is laid out on."""
    plot = tab.loss_plot if plot is None else plot
    document = plot.titleLabel.item.document()
    block, lines = document.begin(), 0
    while block.isValid():
        lines += block.layout().lineCount()
        block = block.next()
    return lines


def _title_text(tab: LossTab, plot: pg.PlotItem | None = None) -> str:
    """The title of ``plot`` (the loss plot unless told) as plain text."""
    html = (tab.loss_plot if plot is None else plot).titleLabel.text
    return QtGui.QTextDocumentFragment.fromHtml(html).toPlainText().replace("\xa0", " ")


@pytest.mark.parametrize("losses", LONG_LOSSES)
def test_a_one_line_title_gives_long_values_fewer_digits_before_it_wraps(
    qtbot, app_font, losses: tuple[float, float]
) -> None:
    app_font(18)
    empty = _empty_tab(qtbot, LARGE_FONT_1100_WINDOW_TAB)
    # The height the tab takes before any run, with no values in its title.
    least_height = empty.minimumSizeHint().height()
    tab = _long_losses_tab(qtbot, LARGE_FONT_1100_WINDOW_TAB, losses)
    assert tab.low
    title = tab.loss_plot.titleLabel
    # "train 0.004352 val 0.002646" wrapped onto a second line even at the smallest title
    # size: the values take fewer significant digits and the title keeps one line.
    line = QtGui.QFontMetricsF(QtGui.QFont()).lineSpacing()
    assert _title_lines(tab) == 1
    text = _title_text(tab)
    assert "train" in text and "val" in text
    numbers = re.findall(r"\d+(?:\.\d+)?", text)
    assert [float(number) for number in numbers] == pytest.approx(losses, rel=0.05)
    # Significant digits: those after the leading zeros (the values are below 1).
    assert max(len(number.lstrip("0.")) for number in numbers) < 4
    # Every digit stays in the title's tooltip.
    train, val = losses
    assert f"train {train:.4g}, validation {val:.4g}" in title.toolTip()
    # The title takes no more of the tab's height than with no values at all, and leaves
    # the plot's data a height to be read.
    assert tab.minimumSizeHint().height() == least_height
    assert tab.loss_plot.vb.height() >= 2.5 * line


@pytest.mark.parametrize("size", [LARGE_WINDOW, LARGE_FONT_1100_WINDOW_TAB])
def test_with_room_a_title_shows_every_digit_of_long_values(qtbot, size) -> None:
    for train, val in LONG_LOSSES:
        tab = _long_losses_tab(qtbot, size, (train, val))
        # At the default font, low or not, the values keep four significant digits.
        assert f"train {train:.4g}" in _title_text(tab)
        assert f"val {val:.4g}" in _title_text(tab)
        # A low plot's title on one line; a taller plot's may take two (its full legend).
        assert _title_lines(tab) == 1 if tab.low else _title_lines(tab) <= 2


def test_narrower_still_a_one_line_title_names_its_values_by_colour(qtbot, app_font) -> None:
    app_font(18)
    train, val = LONG_LOSSES[0]
    tab = _long_losses_tab(qtbot, (280, 196), (train, val))
    assert tab.low and _title_lines(tab) == 1
    # Too narrow for the names even with two digits: the keys' colours name the values,
    # both still whole; the tooltip names them.
    text = _title_text(tab)
    assert "train" not in text and "val" not in text
    assert text.count("━") == 2
    shown = [float(number) for number in re.findall(r"\d+\.\d+", text)]
    assert shown == pytest.approx([train, val], rel=0.05)
    assert f"train {train:.4g}, validation {val:.4g}" in tab.loss_plot.titleLabel.toolTip()


#: A regression's metrics of many characters: RMSE (train, validation), then R².
LONG_METRICS = {
    "train_rmse": 0.012345,
    "val_rmse": 0.0098765,
    "train_r2": 0.98765,
    "val_r2": 0.97654,
}
#: A Loss tab at an 18 pt font wide enough for its plots side by side, but low.
LARGE_FONT_LOW_SIDE_BY_SIDE = (720, 220)


def test_a_one_line_metric_title_gives_long_values_fewer_digits_before_it_wraps(
    qtbot, app_font
) -> None:
    app_font(18)
    project, data = _housing()
    tab = _shown_tab(qtbot, LARGE_FONT_LOW_SIDE_BY_SIDE, project, data)
    frames = _frames(project, data, 6)
    last = frames[-1]
    frames[-1] = replace(last, snapshot=replace(last.snapshot, **LONG_METRICS))
    for frame in frames:
        tab.show_frame(frame)
    _settle()
    assert tab.low and tab.metric_plot in tab.shown_items()
    # "RMSE 0.0123 0.00988 R² 0.988 0.977" took a second line of the low plot's height
    # even at the smallest title size: fewer digits, then less (R²), keep it on one line.
    assert _title_lines(tab, tab.metric_plot) == 1
    text = _title_text(tab, tab.metric_plot)
    numbers = [float(number) for number in re.findall(r"\d+\.\d+", text)]
    rmse = [LONG_METRICS["train_rmse"], LONG_METRICS["val_rmse"]]
    assert numbers[:2] == pytest.approx(rmse, rel=0.05)
    # Every digit stays in the title's tooltip, R²'s too.
    tip = tab.metric_plot.titleLabel.toolTip()
    assert "RMSE: train 0.0123, validation 0.00988" in tip
    assert "R²: train 0.988, validation 0.977" in tip
    line = QtGui.QFontMetricsF(QtGui.QFont()).lineSpacing()
    assert tab.metric_plot.vb.height() >= 2.5 * line
