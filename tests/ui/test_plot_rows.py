"""Plot tabs whose row of controls wraps onto more lines (a narrow dock at a large font) keep
their plots, axes and colour bars inside the tab: the tab's least height counts the row's
lines at the tab's width."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nnstudio.data import Dataset
from nnstudio.spec import Project
from nnstudio.ui.frame import Frame
from nnstudio.ui.plots.activations import ActivationsTab
from nnstudio.ui.plots.common import PlotTab, make_plot, set_title
from nnstudio.ui.plots.gradients import GradientsTab
from nnstudio.ui.plots.output import OutputTab
from nnstudio.ui.plots.weights import WeightsTab
from nnstudio.ui.qt import QtCore, QtWidgets
from tests.ui.test_plots import housing_project, sample_frames, spiral_project, train_frames

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def spiral() -> tuple[Project, Dataset, list[Frame]]:
    """Two inputs, three classes: the Output tab offers its map's check boxes."""
    project = spiral_project()
    return project, *train_frames(project, epochs=2)


@pytest.fixture(scope="module")
def housing() -> tuple[Project, Dataset, list[Frame]]:
    """A regression."""
    project = housing_project()
    return project, *train_frames(project, epochs=2)


@pytest.fixture(scope="module")
def iris() -> tuple[Project, Dataset, list[Frame]]:
    """Four inputs, three classes, read from the sample project."""
    return sample_frames(SAMPLES / "iris.nnproj", epochs=2)


def _settle(qtbot) -> None:
    for _ in range(4):
        QtWidgets.QApplication.processEvents()
    qtbot.wait(20)


#: The height of a plot tab in the plots dock of a 1024 × 640 window at an 18 pt font.
DOCK_HEIGHT = 197


def _in_least_room(qtbot, tab: PlotTab, height: int = DOCK_HEIGHT) -> QtWidgets.QWidget:
    """``tab`` in a window with a layout (as in the plots dock) at the tab's least width and
    ``height`` pixels high, or the tab's least height where that is more."""
    host = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(host)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(tab)
    qtbot.addWidget(host)
    host.resize(tab.minimumSizeHint().width(), height)
    host.show()
    qtbot.waitExposed(host)
    _settle(qtbot)
    # The row's lines follow the width the tab got: shrink again to the least size now.
    host.resize(tab.minimumSizeHint().width(), height)
    _settle(qtbot)
    return host


def _bottoms_outside(tab: PlotTab) -> list[tuple[str, float]]:
    """Shown plot items (plots, colour bars) whose bottom lies below the tab's (pixels in
    the tab), and the view itself when it reaches past the tab."""
    view = tab.graphics
    outside = []
    if view.geometry().bottom() > tab.rect().bottom():
        outside.append(("view", float(view.geometry().bottom())))
    for item in tab.shown_items():
        if not item.isVisible():
            continue
        bottom = view.mapFromScene(item.sceneBoundingRect().bottomLeft())
        y = view.mapTo(tab, bottom).y()
        if y > tab.height():
            outside.append((type(item).__name__, float(y)))
    return outside


@pytest.mark.parametrize("data", ["spiral", "housing", "iris"])
@pytest.mark.parametrize("tab_class", [WeightsTab, GradientsTab, ActivationsTab, OutputTab])
def test_at_a_large_font_and_least_width_every_plot_ends_inside_the_tab(
    qtbot, app_font, request, data, tab_class
) -> None:
    app_font(18)
    project, dataset, frames = request.getfixturevalue(data)
    tab = tab_class()
    tab.set_context(project, dataset)
    host = _in_least_room(qtbot, tab)
    for frame in frames:
        tab.record(frame)
    tab.show_frame(frames[-1])
    tab.settle_ranges()
    _settle(qtbot)
    assert tab.width() == tab.minimumSizeHint().width()
    assert tab.height() == max(DOCK_HEIGHT, tab.minimumSizeHint().height())
    assert tab.shown_items()
    assert _bottoms_outside(tab) == [], (tab.name, data, host.size())


#: The Output tab's width in the plots dock of a 1024 × 640 window at an 18 pt font, and its
#: size there at the default font in a 1280 × 800 window.
LARGE_FONT_OUTPUT_WIDTH = 408
LARGE_WINDOW_OUTPUT = (630, 278)


def _row_on_one_line(tab: PlotTab, row: QtWidgets.QWidget) -> bool:
    """Whether the shown controls of ``row`` and the tab's Save button take one line."""
    controls = [
        child
        for child in row.findChildren(
            QtWidgets.QWidget, options=QtCore.Qt.FindChildOption.FindDirectChildrenOnly
        )
        if child.isVisible()
    ]
    controls.append(tab.save_button)
    # On one line: every control's height spans the others' (they are centred on their line).
    spans = [QtCore.QRect(c.mapTo(tab, QtCore.QPoint(0, 0)), c.size()) for c in controls]
    return max(span.top() for span in spans) < min(span.bottom() for span in spans)


def _output_tab_at(
    qtbot, spiral, width: int | None, height: int = DOCK_HEIGHT
) -> tuple[OutputTab, QtWidgets.QWidget]:
    """An Output tab showing the spiral in a host ``width`` pixels wide (None: the tab's
    least width) and ``height`` high, and the host (kept while the test runs)."""
    project, dataset, frames = spiral
    tab = OutputTab()
    tab.set_context(project, dataset)
    host = _in_least_room(qtbot, tab, height)
    if width is not None:
        host.resize(width, height)
        _settle(qtbot)
    tab.show_frame(frames[-1])
    _settle(qtbot)
    return tab, host


@pytest.mark.parametrize("width", [LARGE_FONT_OUTPUT_WIDTH, None], ids=["dock", "least"])
def test_at_a_large_font_the_output_tabs_check_boxes_fold_into_a_show_menu(
    qtbot, app_font, spiral, width
) -> None:
    # "Validation points" and "Decision boundary" took two lines at 18 pt: the tab grew by a
    # line or, in a dock no higher, the map was left about 25 pixels of data.
    app_font(18)
    tab, _host = _output_tab_at(qtbot, spiral, width)
    if width is not None:
        assert tab.width() == width
    assert _row_on_one_line(tab, tab.show_validation.parentWidget())
    assert tab.height() == DOCK_HEIGHT
    # The plots start right under the one line (the Save button's).
    save = tab.save_button.geometry()
    assert tab.graphics.geometry().top() <= save.bottom() + 8
    assert _bottoms_outside(tab) == []
    # Both choices are in the Show menu, which the keyboard reaches too.
    assert not tab.show_validation.isVisible() and not tab.show_boundary.isVisible()
    button = tab.more_button
    assert button.isVisible() and button.text() == "Show"
    assert button.focusPolicy() & QtCore.Qt.FocusPolicy.TabFocus
    actions = {action.text(): action for action in button.menu().actions()}
    validation, boundary = actions["Validation points"], actions["Decision boundary"]
    for action, box in ((validation, tab.show_validation), (boundary, tab.show_boundary)):
        assert action.isVisible() and action.isEnabled() and action.isCheckable()
        assert action.isChecked() and action.toolTip() == box.toolTip()
    # Toggled there, the map shows or leaves out what they name; the check boxes follow.
    assert tab.val_points.isVisible() and tab.boundary.isVisible()
    validation.trigger()
    assert not tab.show_validation.isChecked() and not tab.val_points.isVisible()
    boundary.trigger()
    assert not tab.show_boundary.isChecked() and not tab.boundary.isVisible()
    boundary.trigger()
    assert tab.boundary.isVisible() and tab.boundary.getData()[0].size > 0
    # And the other way: a check box changed (a kept setting) checks its entry.
    tab.show_validation.setChecked(True)
    assert validation.isChecked() and tab.val_points.isVisible()


def test_data_without_validation_says_so_in_the_show_menu_too(qtbot, app_font, spiral) -> None:
    app_font(18)
    project, _dataset, _frames = spiral
    data = replace(project.data, validation_fraction=0.0)
    held_in = replace(project, data=data)
    tab, _host = _output_tab_at(qtbot, (held_in, *train_frames(held_in, epochs=1)), None)
    assert tab.more_button.isVisible()
    action = next(a for a in tab.more_button.menu().actions() if a.text() == "Validation points")
    # Offered as the check box is: off for want of data, and the tooltip says why.
    assert not action.isEnabled() and not tab.show_validation.isEnabled()
    assert "no validation set" in action.toolTip()
    assert action.toolTip() == tab.show_validation.toolTip()


def test_with_room_the_output_tabs_check_boxes_stay_in_the_row(qtbot, spiral) -> None:
    # The default font in the dock of a 1280 × 800 window: as before, no Show menu.
    tab, _host = _output_tab_at(qtbot, spiral, LARGE_WINDOW_OUTPUT[0], LARGE_WINDOW_OUTPUT[1])
    assert tab.show_validation.isVisible() and tab.show_boundary.isVisible()
    assert tab.folded == () and not tab.more_button.isVisible()
    assert _row_on_one_line(tab, tab.show_validation.parentWidget())
    tab.show_boundary.setChecked(False)
    assert not tab.boundary.isVisible()


class _ManyChoices(PlotTab):
    """A tab with a long row of wrapping check boxes over one plot."""

    name = "Choices"

    def __init__(self) -> None:
        super().__init__()
        self.boxes = [QtWidgets.QCheckBox(f"Choice number {n}") for n in range(1, 6)]
        self.add_wrapping_controls(*self.boxes)
        self.plot = make_plot("A plot", "x", "y")
        self.set_arrangement([(self.plot, 0, 0, 1, 1)], [(self.plot, 0, 0, 1, 1)])


def test_the_least_height_follows_the_rows_lines_as_controls_come_and_go(qtbot) -> None:
    tab = _ManyChoices()
    host = _in_least_room(qtbot, tab, height=1)
    lines = {box.geometry().top() for box in tab.boxes}
    assert len(lines) > 1, "the row should wrap at the tab's least width"
    assert _bottoms_outside(tab) == []
    wrapped = tab.minimumSizeHint().height()
    # Controls hidden: one line, and the tab may be as short as that again.
    for box in tab.boxes[1:]:
        box.hide()
    _settle(qtbot)
    assert tab.minimumSizeHint().height() < wrapped
    host.resize(host.width(), 1)
    _settle(qtbot)
    assert tab.height() < wrapped
    # Shown again: the tab grows back to keep the plot inside.
    for box in tab.boxes[1:]:
        box.show()
    _settle(qtbot)
    assert tab.height() >= wrapped
    assert _bottoms_outside(tab) == []


#: The Output tab's size in the plots dock of a 1024 × 640 window at an 18 pt font (its row
#: of controls on one line, the check boxes in the Show menu).
LARGE_FONT_OUTPUT = (363, 197)


def _title_lines(plot) -> int:
    """How many lines a plot's title takes as laid out."""
    document = plot.titleLabel.item.document()
    document.documentLayout()  # laid out
    block, lines = document.begin(), 0
    while block.isValid():
        lines += block.layout().lineCount()
        block = block.next()
    return lines


def _title_rect(tab: PlotTab, plot) -> QtCore.QRectF:
    """The title's text as drawn, in the view's scene."""
    item = plot.titleLabel.item
    width = item.document().idealWidth()
    # Centred in the text width the label gave it.
    left = (max(item.textWidth(), width) - width) / 2
    rect = QtCore.QRectF(left, 0.0, width, item.boundingRect().height())
    return item.mapRectToScene(rect)


def _titled_plots(tab: OutputTab) -> list:
    return [item for item in tab.shown_items() if item.titleLabel.isVisible()]


@pytest.mark.parametrize("data", ["spiral", "housing", "iris"])
def test_at_a_large_font_the_output_plots_are_low_with_one_line_titles_and_no_x_names(
    qtbot, app_font, request, data
) -> None:
    # At 18 pt titles of two lines ("Class / probability", "Confusion, / 56.0 % correct") and
    # the x axes' names ("x1", "predicted") left the map about 28 pixels of data.
    app_font(18)
    tab, host = _output_tab_at(qtbot, request.getfixturevalue(data), *LARGE_FONT_OUTPUT)
    assert (tab.width(), tab.height()) == LARGE_FONT_OUTPUT
    assert tab.low
    plots = _titled_plots(tab)
    assert len(plots) == (1 if data == "iris" else 2)
    for plot in plots:
        # One line, whole (not cut at the plot's edges), and said in full on hover.
        assert _title_lines(plot) == 1, plot.titleLabel.text
        assert _title_rect(tab, plot).width() <= plot.titleLabel.sceneBoundingRect().width()
        assert plot.titleLabel.toolTip()
        # No x axis name: its line goes to the data, which has room to be read.
        axis = plot.getAxis("bottom")
        assert axis.labelText and not axis.label.isVisible()
        assert plot.vb.height() >= 60, (plot.titleLabel.text, plot.vb.height())
    # Side by side, the titles keep apart.
    if len(plots) == 2:
        left, right = (_title_rect(tab, plot) for plot in plots)
        assert left.right() + 8 <= right.left()
    # The tooltips say what the axes are.
    if data == "spiral":
        tip = tab.map_plot.titleLabel.toolTip()
        assert "x1 (across)" in tip and "x2 (up)" in tip
        assert "predicted class (across)" in tab.confusion_plot.titleLabel.toolTip()
    if data == "housing":
        assert "actual values across" in tab.parity_plot.titleLabel.toolTip()
        assert "R²" in tab.parity_plot.titleLabel.text
    # Given room (a larger window), the x names and the full titles come back.
    host.resize(1000, 700)
    _settle(qtbot)
    assert not tab.low
    for plot in plots:
        assert plot.getAxis("bottom").label.isVisible()
        assert "validation" in plot.titleLabel.text


def test_a_large_font_digits_confusion_and_examples_titles_keep_apart(qtbot, app_font) -> None:
    # Ten classes and example images: both titles on one line, neither running into the
    # other (the confusion matrix's share in fewer digits where it has to).
    app_font(18)
    data = sample_frames(SAMPLES / "digits.nnproj", epochs=1)
    tab, _host = _output_tab_at(qtbot, data, *LARGE_FONT_OUTPUT)
    assert tab.low
    assert [*_titled_plots(tab)] == [tab.confusion_plot, tab.examples_plot]
    for plot in (tab.confusion_plot, tab.examples_plot):
        assert _title_lines(plot) == 1
    left, right = _title_rect(tab, tab.confusion_plot), _title_rect(tab, tab.examples_plot)
    assert left.right() + 8 <= right.left()
    assert "correct" in tab.confusion_plot.titleLabel.text
    assert "wrong" in tab.examples_plot.titleLabel.text


@pytest.mark.parametrize("data", ["spiral", "housing"])
def test_with_room_the_output_plots_keep_their_full_titles_and_x_names(
    qtbot, request, data
) -> None:
    # The default font in the dock of a 1280 × 800 window: as before.
    tab, _host = _output_tab_at(qtbot, request.getfixturevalue(data), *LARGE_WINDOW_OUTPUT)
    assert not tab.low
    if data == "spiral":
        titled = {tab.map_plot: "x1", tab.confusion_plot: "predicted class"}
        assert "training" in tab.map_plot.titleLabel.text
        assert "Confusion on validation" in tab.confusion_plot.titleLabel.text
    else:
        feature = request.getfixturevalue(data)[1].feature_names[0]
        titled = {tab.map_plot: feature, tab.parity_plot: "actual"}
        assert "Predicted vs actual on validation" in tab.parity_plot.titleLabel.text
    for plot, name in titled.items():
        axis = plot.getAxis("bottom")
        assert axis.label.isVisible() and axis.labelText == name


def test_a_one_line_title_never_wraps(qtbot) -> None:
    # Not even its last wording, where that is wider than the plot: it is cut at the edge.
    tab = _ManyChoices()
    _host = _in_least_room(qtbot, tab, height=300)
    words = "a title of many words that no plot this narrow has room for on one line"
    set_title(tab.plot, words, compact=words.upper(), lines=1)
    _settle(qtbot)
    assert _title_lines(tab.plot) == 1
    assert "A TITLE" in tab.plot.titleLabel.text
    set_title(tab.plot, words)
    _settle(qtbot)
    assert _title_lines(tab.plot) >= 2
