"""The Activations tab says that "dead" units are judged on the shown (probe) examples only,
and a narrow heatmap still names every class and never shows a lone "…" for its axis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nnstudio.data import load_dataset
from nnstudio.io.project import load_project
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project
from nnstudio.ui.frame import Frame, make_frame
from nnstudio.ui.plots.activations import ActivationsTab, class_key, class_tick_wordings
from nnstudio.ui.plots.common import make_plot
from nnstudio.ui.qt import QtGui, pg
from nnstudio.workflow import build_network
from tests.conftest import SAMPLES_DIR
from tests.ui.test_plots_look import drawn_labels, settle

pytestmark = pytest.mark.gui

#: The Activations tab's size in a 1024×640 window (the Plots dock under the canvas).
TAB_AT_1024 = (457, 212)
#: The tab's sizes with a 14 pt application font: iris at 1024×640, digits at 1280×800.
TAB_AT_1024_14PT = (420, 198)
TAB_AT_1280_14PT = (605, 264)


def sample_frame(name: str) -> Frame:
    """A frame of a shipped sample before training, with the studio's 128 probes."""
    project = load_project(SAMPLES_DIR / f"{name}.nnproj", load_weights=False).project
    dataset = load_dataset(project.data, SAMPLES_DIR)
    return make_frame(build_network(project), dataset, probe_size=128, grid_size=8)


@pytest.fixture(scope="module")
def iris() -> Frame:
    return sample_frame("iris")


@pytest.fixture(scope="module")
def digits() -> Frame:
    return sample_frame("digits")


@pytest.fixture
def font_14pt(qapp) -> Iterator[None]:
    """The application font at 14 pt for one test (a user's larger font)."""
    before = QtGui.QFont(qapp.font())
    larger = QtGui.QFont(before)
    larger.setPointSizeF(14.0)
    qapp.setFont(larger)
    try:
        yield
    finally:
        qapp.setFont(before)


def shown_tab(qtbot, frame: Frame, size: tuple[int, int]) -> ActivationsTab:
    """An Activations tab of ``size`` showing ``frame``, laid out."""
    tab = ActivationsTab()
    qtbot.addWidget(tab)
    tab.resize(*size)
    tab.show()
    qtbot.waitExposed(tab)
    tab.show_frame(frame)
    settle(qtbot)
    return tab


def view_wide(qtbot, widget: pg.GraphicsLayoutWidget, plot: pg.PlotItem, width: int) -> None:
    """Resize ``widget`` so that ``plot``'s view (and so its bottom axis) is ``width`` wide."""
    widget.resize(width + 200, 300)
    settle(qtbot)
    widget.resize(round(widget.width() - plot.vb.width()) + width, 300)
    settle(qtbot)
    assert plot.vb.width() == pytest.approx(width, abs=1.0)
    assert plot.getAxis("bottom").size().width() == pytest.approx(width, abs=1.0)


def says_something(label: str) -> bool:
    """No label at all, or one that keeps more than an ellipsis and a letter or two."""
    return label == "" or len(label.rstrip("…")) >= 3


def test_dead_units_are_said_to_be_dead_on_the_shown_examples_only(qtbot) -> None:
    project = Project(
        name="Dead",
        data=BuiltinData(builtin="moons", samples=200),
        network=NetworkSpec(
            inputs=2,
            layers=(
                LayerSpec(units=6, activation="relu"),
                LayerSpec(units=1, activation="sigmoid"),
            ),
        ),
        loss="binary_crossentropy",
    )
    dataset = load_dataset(project.data, ".")
    tab = ActivationsTab()
    qtbot.addWidget(tab)
    tab.resize(1200, 500)
    tab.show()
    frame = make_frame(build_network(project), dataset, probe_size=40, grid_size=8)
    tab.show_frame(frame)
    title = tab.health_plot.titleLabel.text.replace("&nbsp;", " ")
    assert "dead on all 40 shown examples" in title
    tip = tab.health_plot.toolTip()
    assert "inactive (Z ≤ 0) on all the 40 examples shown" in tip
    assert "may still fire on other training or validation rows" in tip
    # A narrow plot keeps saying which examples count.
    tab.resize(420, 500)
    qtbot.waitUntil(lambda: "shown" in tab.health_plot.titleLabel.text)


def test_class_names_under_a_narrow_heatmap_shorten_and_stay_distinct() -> None:
    ticks = [(20.0, "setosa"), (60.0, "versicolor"), (100.0, "virginica")]
    wordings = class_tick_wordings(ticks)
    assert [[text for _value, text in wording] for wording in wordings] == [
        ["setosa", "versicolor", "virginica"],
        ["seto…", "vers…", "virg…"],
        ["se…", "ve…", "vi…"],  # "v…" would name two classes
        ["se", "ve", "vi"],  # an ellipsis is as wide as two letters
        ["0", "1", "2"],  # the classes' numbers, explained by the tooltip
    ]
    assert all([value for value, _text in wording] == [20.0, 60.0, 100.0] for wording in wordings)
    # Names short enough already are kept whole.
    assert class_tick_wordings([(1.0, "inner"), (3.0, "outer")])[1] == [
        (1.0, "inner"),
        (3.0, "outer"),
    ]


def test_class_wordings_never_stop_telling_the_classes_apart() -> None:
    def texts(names: list[str], numbers: list[int] | None = None) -> list[list[str]]:
        ticks = [(float(i), name) for i, name in enumerate(names)]
        return [
            [text for _v, text in wording] for wording in class_tick_wordings(ticks, 4, numbers)
        ]

    # "clas…" three times tells no class apart: the numbers instead.
    assert texts(["class_0", "class_1", "class_2"]) == [
        ["class_0", "class_1", "class_2"],
        ["0", "1", "2"],
    ]
    # The numbers the data gives the classes, not their places (class 0 left out).
    assert texts(["versicolor", "virginica"], [1, 2])[-1] == ["1", "2"]
    # Names that are numbers are not numbered over ("1" is the class named "2" otherwise).
    assert all(len(set(w)) == 10 for w in texts([str(n) for n in range(1, 11)]))
    assert texts([str(n) for n in range(1, 11)])[-1] == [str(n) for n in range(1, 11)]
    # One-letter names have nothing shorter.
    assert texts(["a", "b"])[-1] == ["a", "b"]
    for wording in texts(["setosa", "versicolor", "virginica"]) + texts(["cat", "cats"]):
        assert len(set(wording)) == len(wording) and all(wording), wording


def test_the_class_key_names_every_class_and_its_number() -> None:
    names = ["setosa", "versicolor", "virginica"]
    assert class_key(names).endswith("left to right: setosa, versicolor, virginica")
    assert class_key(names, [0, 1, 2]).endswith("0: setosa, 1: versicolor, 2: virginica")


@pytest.mark.parametrize("view_width", [50, 70, 80, 100])
def test_three_classes_under_a_narrow_heatmap_all_get_a_label(qtbot, view_width) -> None:
    # Iris's three groups of 40 probe columns in a heatmap 100 pixels wide (a 1024×640
    # window), 80 (1280×800) and narrower: "se…" and "vi…", and nothing under versicolor.
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Activations", "examples, by class", "neuron", grid=False)
    widget.addItem(plot)
    widget.show()
    qtbot.waitExposed(widget)
    ticks = [(20.0, "setosa"), (60.0, "versicolor"), (100.0, "virginica")]
    axis = plot.getAxis("bottom")
    axis.set_tick_choices(class_tick_wordings(ticks), crowded_gap=4.0)
    plot.setXRange(0.0, 120.0, padding=0.0)
    view_wide(qtbot, widget, plot, view_width)
    labels = [text for _rect, text in drawn_labels(axis)]
    assert len(labels) == 3 and all(labels) and len(set(labels)) == 3, labels


def test_iris_at_1024_by_640_labels_every_class_and_says_which_is_which(qtbot, iris) -> None:
    tab = shown_tab(qtbot, iris, TAB_AT_1024)
    assert tab.heatmap_plot.vb.width() < 120  # the narrow heatmap of a 1024×640 window
    labels = [text for _rect, text in drawn_labels(tab.heatmap_plot.getAxis("bottom"))]
    assert len(labels) == 3 and all(labels) and len(set(labels)) == 3, labels
    assert labels != ["setosa", "versicolor", "virginica"]  # shortened, so the tooltip tells
    tip = tab.heatmap_plot.toolTip()
    assert all(name in tip for name in ("setosa", "versicolor", "virginica")), tip
    # Where there is room, the whole names, as before.
    tab.resize(1200, 500)
    settle(qtbot)
    labels = [text for _rect, text in drawn_labels(tab.heatmap_plot.getAxis("bottom"))]
    assert labels == ["setosa", "versicolor", "virginica"]
    assert tab.heatmap_plot.getAxis("bottom").shown_label() == "examples, by class"


def test_iris_at_14_points_still_labels_every_class(qtbot, iris, font_14pt) -> None:
    tab = shown_tab(qtbot, iris, TAB_AT_1024_14PT)
    assert tab.heatmap_plot.vb.width() < 80
    labels = [text for _rect, text in drawn_labels(tab.heatmap_plot.getAxis("bottom"))]
    assert labels == ["0", "1", "2"]
    assert "0: setosa, 1: versicolor, 2: virginica" in tab.heatmap_plot.toolTip()
    for side in ("bottom", "left"):
        assert says_something(tab.heatmap_plot.getAxis(side).shown_label())


def test_a_heatmap_too_narrow_for_its_axis_label_drops_it_rather_than_show_an_ellipsis(
    qtbot, digits, font_14pt
) -> None:
    # Digits at 14 pt in a 1280×800 window: a heatmap about 44 pixels wide read "…".
    tab = shown_tab(qtbot, digits, TAB_AT_1280_14PT)
    axis = tab.heatmap_plot.getAxis("bottom")
    assert tab.heatmap_plot.vb.width() < 60
    assert says_something(axis.shown_label()), axis.shown_label()
    # The ten digits cannot all stand under 44 pixels: several do, and the tooltip has all.
    assert len(drawn_labels(axis)) >= 3
    assert "0, 1, 2, 3, 4, 5, 6, 7, 8, 9" in tab.heatmap_plot.toolTip()


@pytest.mark.parametrize("width", range(30, 161, 5))
def test_an_axis_label_is_never_a_lone_ellipsis(qtbot, width) -> None:
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Activations", ("examples, by class", "examples", "ex."), "neuron")
    widget.addItem(plot)
    widget.show()
    qtbot.waitExposed(widget)
    view_wide(qtbot, widget, plot, width)
    shown = plot.getAxis("bottom").shown_label()
    assert says_something(shown), shown
