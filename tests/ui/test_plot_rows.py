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
from nnstudio.ui.plots.common import PlotTab, make_plot
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
