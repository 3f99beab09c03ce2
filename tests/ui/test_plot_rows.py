"""Plot tabs whose row of controls wraps onto more lines (a narrow dock at a large font) keep
their plots, axes and colour bars inside the tab: the tab's least height counts the row's
lines at the tab's width."""

from __future__ import annotations

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
from nnstudio.ui.qt import QtWidgets
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


def test_the_output_tabs_wrapped_row_gets_its_lines_and_the_plots_their_room(
    qtbot, app_font, spiral
) -> None:
    # The two check boxes of a map take two lines in the least width at 18 pt; the map and
    # the confusion matrix, axes and all, went half a row below the tab's bottom.
    app_font(18)
    project, dataset, frames = spiral
    tab = OutputTab()
    tab.set_context(project, dataset)
    host = _in_least_room(qtbot, tab)
    tab.show_frame(frames[-1])
    _settle(qtbot)
    assert tab.show_validation.isVisible() and tab.show_boundary.isVisible()
    assert tab.show_boundary.geometry().top() >= tab.show_validation.geometry().bottom()
    row_bottom = tab.show_boundary.mapTo(tab, tab.show_boundary.rect().bottomLeft()).y()
    assert tab.graphics.geometry().top() > row_bottom
    assert tab.graphics.height() >= tab.graphics.minimumHeight()
    assert tab.height() > DOCK_HEIGHT and host.height() == tab.height()
    assert _bottoms_outside(tab) == []


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
