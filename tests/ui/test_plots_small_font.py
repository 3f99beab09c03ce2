"""Plots in a small window at a large (18 pt) font still name what they show: every column
of iris's confusion matrix gets a label, and no axis name is cut off mid-word ("accur…")."""

from __future__ import annotations

import itertools

import pyqtgraph as pg
import pytest

from nnstudio.ui.plots.common import make_plot
from nnstudio.ui.plots.output import OutputTab
from nnstudio.ui.qt import QtCore, QtWidgets
from tests.ui.test_loss_room import (
    LARGE_FONT_LOW_SIDE_BY_SIDE,
    LARGE_WINDOW,
    _shown_tab,
)
from tests.ui.test_loss_room import (
    dataset as dataset,  # the fixture: the circles, a classification
)
from tests.ui.test_loss_run_details import _frames, _project
from tests.ui.test_plot_rows import LARGE_FONT_OUTPUT, LARGE_WINDOW_OUTPUT, _output_tab_at
from tests.ui.test_plot_rows import iris as iris  # the fixture: the iris sample's run
from tests.ui.test_plots_look import drawn_labels, settle

pytestmark = pytest.mark.gui

IRIS_CLASSES = ["setosa", "versicolor", "virginica"]


def _names_class(label: str, number: int, name: str) -> bool:
    """Whether tick ``label`` stands for class ``number`` called ``name``: the name, its
    beginning (cut with or without "…"), or the class's number."""
    stem = label.removesuffix("…")
    return bool(stem) and (name.startswith(stem) or label == str(number))


def _confusion_tab(
    qtbot, app_font, iris, size: tuple[int, int], points: float | None
) -> tuple[OutputTab, QtWidgets.QWidget]:
    """An Output tab of ``size`` showing iris's run at ``points`` (None: the default font),
    and its host (kept while the test runs)."""
    if points is not None:
        app_font(points)
    tab, host = _output_tab_at(qtbot, iris, *size)
    assert tab.confusion_plot in tab.shown_items()
    return tab, host


def test_at_18_points_every_column_of_irises_confusion_matrix_is_labelled(
    qtbot, app_font, iris
) -> None:
    # The Output tab of a 1024 × 640 window at 18 pt: the three names do not fit side by
    # side, and the axis showed "setosa" alone (the other two columns unnamed).
    tab, _host = _confusion_tab(qtbot, app_font, iris, LARGE_FONT_OUTPUT, 18)
    axis = tab.confusion_plot.getAxis("bottom")
    drawn = drawn_labels(axis)
    texts = [text for _rect, text in drawn]
    assert len(texts) == 3 and len(set(texts)) == 3, texts
    for number, (text, name) in enumerate(zip(texts, IRIS_CLASSES, strict=True)):
        assert _names_class(text, number, name), texts
    # Each under its own column, none touching another, none past the axis's ends.
    rects = [rect for rect, _text in drawn]
    for left, right in itertools.pairwise(rects):
        assert right.left() - left.right() >= 2.0, texts
    view = tab.confusion_plot.vb
    for number, rect in enumerate(rects):
        centre = view.mapViewToScene(QtCore.QPointF(number + 0.5, 0)).x()
        assert abs(axis.mapRectToScene(rect).center().x() - centre) < 2.0, texts
        assert axis.boundingRect().contains(rect), texts
    # Shortened, so the plot's tooltip says which column is which class, in full.
    assert texts != IRIS_CLASSES
    assert tab.shown_class_names()[0] == texts
    tip = tab.confusion_plot.toolTip()
    for text, name in zip(texts, IRIS_CLASSES, strict=True):
        assert f"{text} = {name}" in tip, tip
    # The rows keep the names whole beside them, and the row axis's name is a whole word
    # ("true", not "true…").
    left = tab.confusion_plot.getAxis("left")
    assert [text for _rect, text in drawn_labels(left)] == IRIS_CLASSES[::-1]
    assert "…" not in left.shown_label()
    assert left.label.toPlainText().strip() in ("true class", "true", "")


@pytest.mark.parametrize("points", [None, 18.0], ids=["default font", "18 pt"])
def test_with_room_the_confusion_matrix_names_its_columns_in_full(
    qtbot, app_font, iris, points
) -> None:
    # The dock of a 1280 × 800 window at the default font: as before, and no key needed.
    size = LARGE_WINDOW_OUTPUT if points is None else (1000, 400)
    tab, _host = _confusion_tab(qtbot, app_font, iris, size, points)
    axis = tab.confusion_plot.getAxis("bottom")
    assert [text for _rect, text in drawn_labels(axis)] == IRIS_CLASSES
    assert tab.confusion_plot.toolTip() == ""
    if points is None:
        assert axis.shown_label() == "predicted class"
        assert tab.confusion_plot.getAxis("left").shown_label() == "true class"


def test_the_class_key_follows_the_columns_as_the_tab_narrows_and_widens(
    qtbot, app_font, iris
) -> None:
    app_font(18)
    tab, host = _output_tab_at(qtbot, iris, *LARGE_FONT_OUTPUT)
    assert tab.confusion_plot.toolTip()
    host.resize(1000, 400)
    settle(qtbot)
    tab.confusion_plot.getAxis("bottom").update()
    drawn_labels(tab.confusion_plot.getAxis("bottom"))  # as the next paint would
    assert tab.confusion_plot.toolTip() == ""
    host.resize(*LARGE_FONT_OUTPUT)
    settle(qtbot)
    drawn_labels(tab.confusion_plot.getAxis("bottom"))
    assert "= versicolor" in tab.confusion_plot.toolTip()


def _label_rect(axis: pg.AxisItem) -> QtCore.QRectF:
    """The axis name's text as drawn, in the axis's coordinates (no document margins)."""
    label = axis.label
    margin = label.document().documentMargin()
    rect = label.boundingRect().adjusted(margin, margin, -margin, -margin)
    return label.mapRectToParent(rect)


def test_a_low_accuracy_plot_at_18_points_names_its_axis_without_cutting_it(
    qtbot, app_font, dataset
) -> None:
    # A low Loss tab at 18 pt with its plots side by side: the accuracy axis read "accur…".
    app_font(18)
    project = _project()
    tab = _shown_tab(qtbot, LARGE_FONT_LOW_SIDE_BY_SIDE, project, dataset)
    for frame in _frames(project, dataset, 6):
        tab.show_frame(frame)
    settle(qtbot)
    assert tab.low and tab.metric_plot in tab.shown_items()
    axis = tab.metric_plot.getAxis("left")
    shown = axis.shown_label()
    assert "…" not in shown and "…" not in axis.label.toPlainText().strip()
    assert shown in ("accuracy", "acc.") and axis.label.toPlainText().strip() == shown
    if shown != "accuracy":
        # The abbreviation explained on hover.
        assert axis.label.toolTip() == "accuracy"
    # Whole along the axis, and clear of the tick labels.
    rect = _label_rect(axis)
    assert axis.label.isVisible()
    assert 0.0 <= rect.top() and rect.bottom() <= axis.size().height()
    ticks = drawn_labels(axis)
    assert ticks
    assert not any(rect.intersects(tick) for tick, _text in ticks)
    # The log-scale loss axis beside it, the same: a whole wording.
    tab.log_scale.setChecked(True)
    settle(qtbot)
    loss_axis = tab.loss_plot.getAxis("left")
    assert "…" not in loss_axis.label.toPlainText().strip()
    assert loss_axis.shown_label() in ("loss (log scale)", "loss (log)", "loss")


def test_with_room_the_accuracy_axis_keeps_its_full_name(qtbot, dataset) -> None:
    project = _project()
    tab = _shown_tab(qtbot, LARGE_WINDOW, project, dataset)
    for frame in _frames(project, dataset, 6):
        tab.show_frame(frame)
    settle(qtbot)
    axis = tab.metric_plot.getAxis("left")
    assert axis.label.toPlainText().strip() == "accuracy"
    assert axis.label.toolTip() == ""


def test_a_shortened_axis_name_keeps_its_full_wording_on_hover(qtbot) -> None:
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Accuracy", "epoch", ("accuracy", "acc."))
    widget.addItem(plot)
    widget.show()
    qtbot.waitExposed(widget)
    axis = plot.getAxis("left")
    for height, shown, tip in ((400, "accuracy", ""), (150, "acc.", "accuracy")):
        widget.resize(400, height)
        settle(qtbot)
        QtWidgets.QApplication.processEvents()
        assert axis.label.toPlainText().strip() == shown, height
        assert axis.label.toolTip() == tip, height
