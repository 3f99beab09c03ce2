"""Plots in a small window at a large (18 pt) font still name what they show: every column
of iris's confusion matrix gets a label, and no axis name is cut off mid-word ("accur…")."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pyqtgraph as pg
import pytest

from nnstudio.ui.plots.common import make_plot
from nnstudio.ui.plots.output import OutputTab
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets
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
from tests.ui.test_plots import sample_frames
from tests.ui.test_plots_look import drawn_labels, settle

pytestmark = pytest.mark.gui

IRIS_CLASSES = ["setosa", "versicolor", "virginica"]
#: Six long class names, with no beginning or end all of them share.
REGIONS = [
    "central region",
    "north-east region",
    "north-west region",
    "offshore platform",
    "south-east region",
    "south-west region",
]


@pytest.fixture(scope="module")
def regions(tmp_path_factory):
    """Two inputs and the six :data:`REGIONS` as classes, read from a project file."""
    folder = tmp_path_factory.mktemp("regions")
    rng = np.random.default_rng(3)
    lines = ["x1,x2,where"]
    for index in range(300):
        row, column = divmod(index % 6, 3)
        x1, x2 = column + rng.normal(0, 0.2), row + rng.normal(0, 0.2)
        lines.append(f"{x1:.3f},{x2:.3f},{REGIONS[index % 6]}")
    (folder / "regions.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = {
        "nnstudio": 1,
        "name": "Regions",
        "data": {"csv": "regions.csv", "target": ["where"], "task": "classification"},
        "network": {
            "inputs": 2,
            "layers": [
                {"units": 8, "activation": "tanh"},
                {"units": 6, "activation": "softmax"},
            ],
        },
        "loss": "categorical_crossentropy",
    }
    (folder / "regions.nnproj").write_text(json.dumps(project), encoding="utf-8")
    return sample_frames(folder / "regions.nnproj", epochs=2)


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
    # The rows name every class too, within their share of the plot's width (cut as the
    # columns are where the full names would take more), and the row axis's name is a
    # whole word ("true", not "true…").
    left = tab.confusion_plot.getAxis("left")
    rows = [text for _rect, text in drawn_labels(left)][::-1]
    assert rows == tab.shown_class_names()[1]
    assert len(set(rows)) == 3, rows
    for number, (text, name) in enumerate(zip(rows, IRIS_CLASSES, strict=True)):
        assert _names_class(text, number, name), rows
        assert f"{text} = {name}" in tip or text == name, tip
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


def _row_label_rects(axis: pg.AxisItem) -> list[QtCore.QRectF]:
    """The left axis's tick labels as drawn, their font's whole line high."""
    font = axis.style["tickFont"] or QtGui.QFont()
    line = QtGui.QFontMetricsF(font).height()
    rects = []
    for rect, _text in drawn_labels(axis):
        whole = QtCore.QRectF(rect)
        whole.setTop(rect.center().y() - 0.4 * line)  # pyqtgraph's 0.8 of a line, centred
        whole.setHeight(0.8 * line)
        rects.append(whole)
    return rects


@pytest.mark.parametrize("size", [LARGE_FONT_OUTPUT, (300, 197)], ids=["dock", "narrow"])
def test_at_18_points_long_class_names_leave_the_matrix_readable_and_every_class_named(
    qtbot, app_font, regions, size
) -> None:
    # Six long names at 18 pt: the rows' full names filled the plot, the matrix's data
    # area was 0 to 15 pixels wide, and only three rows and one column were named.
    app_font(18)
    tab, _host = _output_tab_at(qtbot, regions, *size)
    plot = tab.confusion_plot
    assert plot in tab.shown_items()
    # The cells keep most of the plot's width, and rows of some height.
    assert plot.vb.width() >= 0.4 * plot.geometry().width()
    assert plot.vb.height() >= 0.4 * plot.geometry().height()
    across, down = tab.shown_class_names()
    for side, shown in (("bottom", across), ("left", down)):
        texts = [text for _rect, text in drawn_labels(plot.getAxis(side))]
        if side == "left":
            texts = texts[::-1]  # drawn bottom to top, rows named top to bottom
        assert len(texts) == 6 and len(set(texts)) == 6, (side, texts)
        assert texts == shown, (side, texts, shown)
        for number, (text, name) in enumerate(zip(texts, REGIONS, strict=True)):
            assert _names_class(text, number, name), (side, texts)
    # The row names, one above the other, do not overlap.
    for lower, upper in itertools.pairwise(_row_label_rects(plot.getAxis("left"))):
        assert upper.bottom() <= lower.top() + 0.5
    # Shortened rows are explained in full on hover, as the columns are.
    tip = plot.toolTip()
    for text, name in zip(down, REGIONS, strict=True):
        assert f"{text} = {name}" in tip, tip
    # Every label whole under the matrix: the axis has its tick font's whole line (the "g"
    # of "region" or "virginica" was cut), and its name's line where it shows one.
    bottom = plot.getAxis("bottom")
    assert bottom.height() >= _bottom_least_height(bottom)


def _bottom_least_height(axis: pg.AxisItem) -> float:
    """The tick font's line and, where the name shows, the name's line."""
    line = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont()).height()
    if axis.label.isVisible():
        line += QtGui.QFontMetricsF(axis.label.font()).height()
    return line


@pytest.mark.parametrize(
    ("size", "points"),
    [(LARGE_FONT_OUTPUT, 18.0), ((1000, 400), 18.0), (LARGE_WINDOW_OUTPUT, None)],
    ids=["low at 18 pt", "named at 18 pt", "default font"],
)
def test_the_predicted_class_names_are_drawn_whole(qtbot, app_font, iris, size, points) -> None:
    # At 18 pt the "g" of "virginica" / "virg…" under the matrix was cut by the plot's
    # bottom: pyqtgraph left room for 0.8 of a line.
    tab, _host = _confusion_tab(qtbot, app_font, iris, size, points)
    axis = tab.confusion_plot.getAxis("bottom")
    assert axis.height() >= _bottom_least_height(axis)
    line = QtGui.QFontMetricsF(axis.style["tickFont"] or QtGui.QFont()).height()
    drawn = drawn_labels(axis)
    assert drawn
    for rect, text in drawn:
        assert rect.top() + line <= axis.height() + 0.5, text
        if axis.label.isVisible():
            # The axis's name below them, clear of their descenders.
            assert rect.top() + line <= _label_rect(axis).top() + 1.0, text
