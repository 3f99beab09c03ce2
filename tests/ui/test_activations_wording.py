"""The Activations tab says that "dead" units are judged on the shown (probe) examples only."""

from __future__ import annotations

import pytest

from nnstudio.data import load_dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project
from nnstudio.ui.frame import make_frame
from nnstudio.ui.plots.activations import ActivationsTab, class_tick_wordings
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui


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
    ]
    assert all([value for value, _text in wording] == [20.0, 60.0, 100.0] for wording in wordings)
    # Names short enough already are kept whole.
    assert class_tick_wordings([(1.0, "inner"), (3.0, "outer")])[1] == [
        (1.0, "inner"),
        (3.0, "outer"),
    ]
