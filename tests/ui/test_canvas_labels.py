"""Feature and class labels beside the canvas's outer columns: shortened, they stay distinct."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from nnstudio.spec import CsvData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.canvas.items import ELLIPSIS, elide_names, font
from nnstudio.ui.qt import QtCore, QtGui
from tests.ui.test_canvas import open_canvas

pytestmark = pytest.mark.gui

SENSORS = [f"sensor_channel_{i:02d}_voltage_mV" for i in range(1, 13)]
CLASSES = [f"Class «{k}» with an extremely long human readable label text" for k in range(6)]


def sensors_project(folder: Path) -> Project:
    """Twelve inputs and six classes whose long names differ in one number each."""
    rng = np.random.default_rng(0)
    rows = 60
    values = rng.normal(size=(rows, len(SENSORS)))
    header = ",".join([*SENSORS, "label"])
    body = "\n".join(
        ",".join(f"{v:.3f}" for v in row) + f",{CLASSES[i % len(CLASSES)]}"
        for i, row in enumerate(values)
    )
    path = folder / "sensors.csv"
    path.write_text(header + "\n" + body + "\n", encoding="utf-8")
    return Project(
        name="Sensors",
        data=CsvData(csv=str(path), target=("label",)),
        network=NetworkSpec(
            inputs=len(SENSORS),
            layers=(
                LayerSpec(units=8, activation="relu"),
                LayerSpec(units=len(CLASSES), activation="softmax"),
            ),
        ),
        loss="categorical_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.01),
    )


def _number(text: str) -> str:
    """The number a label shows (the one that tells the names apart)."""
    found = re.findall(r"\d+", text)
    assert len(found) == 1, text
    return found[0]


# Canvas sizes of a 1024 x 640, a 1280 x 800 and a 1920 x 1080 window.
@pytest.mark.parametrize("size", [(460, 300), (630, 380), (1130, 560)])
def test_shortened_names_of_a_family_stay_distinct(qtbot, tmp_path, size) -> None:
    _document, canvas = open_canvas(qtbot, sensors_project(tmp_path), size)
    inputs, outputs = canvas.columns[0], canvas.columns[-1]
    layout = canvas.layout_geometry
    metrics = QtGui.QFontMetricsF(inputs.label_font(layout))
    for column, names, width in ((inputs, SENSORS, 2), (outputs, CLASSES, 1)):
        shown = column.labels
        assert shown is not None and len(set(shown)) == len(names), shown
        for name, text in zip(names, shown, strict=True):
            # Each keeps the number its name differs by, whole, and fits its room.
            assert _number(text) == _number(name).zfill(width), (name, text)
            assert metrics.horizontalAdvance(text) <= layout.label_width - 10 + 0.5
    # Hovering a shortened label's neuron names it in full.
    x, y = layout.columns[0].x, float(layout.columns[0].centers_y[3])
    assert SENSORS[3] in canvas.hover_text(QtCore.QPointF(x, y))


def test_a_wide_canvas_gives_long_names_its_room(qtbot, tmp_path) -> None:
    _document, canvas = open_canvas(qtbot, sensors_project(tmp_path), (1130, 560))
    # The names are drawn whole: the view has the width, the gaps stay comfortable.
    assert canvas.columns[0].labels == SENSORS
    # and the drawing, labels included, is in sight.
    drawing = canvas.mapFromScene(canvas.content_rect()).boundingRect()
    assert canvas.viewport().rect().contains(drawing)


def test_a_narrow_canvas_keeps_its_labels_within_the_usual_room(qtbot, tmp_path) -> None:
    _document, canvas = open_canvas(qtbot, sensors_project(tmp_path), (460, 300))
    layout = canvas.layout_geometry
    # No width to spare: the labels do not take it from the gaps between lanes.
    assert layout.label_width == pytest.approx(118.0 * layout.ui)
    assert all(ELLIPSIS in text for text in canvas.columns[0].labels)


def _metrics() -> QtGui.QFontMetricsF:
    return QtGui.QFontMetricsF(font(11.5))


@pytest.mark.parametrize("width", [40.0, 60.0, 80.0, 108.0, 150.0])
def test_elided_names_fit_and_tell_a_family_apart(qapp, width: float) -> None:
    metrics = _metrics()
    families = [
        SENSORS,
        CLASSES,
        [f"feature_{i}" for i in range(1, 13)],
        [f"a_long_prefix_{i}_and_a_long_suffix" for i in (1, 10, 11, 100)],
    ]
    for names in families:
        shown = elide_names(names, metrics, width)
        for name, text in zip(names, shown, strict=True):
            assert metrics.horizontalAdvance(text) <= width + 0.5, (name, text)
            if metrics.horizontalAdvance(name) <= width:
                assert text == name
        if width >= 60:
            assert len(set(shown)) == len(names), shown


def test_elision_cuts_between_words_and_numbers(qapp) -> None:
    metrics = _metrics()
    names = [f"a_long_prefix_{i}_and_a_long_suffix" for i in (1, 10, 11, 100)]
    shown = elide_names(names, metrics, 108.0)
    # "1" is not read as the start of "10": numbers are kept whole.
    for name, text in zip(names, shown, strict=True):
        assert _number(text) == _number(name), (name, text)
    # Names that share nothing are shortened in their middle, as before.
    lone = ["temperature_outdoor_celsius_average", "wind"]
    assert elide_names(lone, metrics, 108.0) == [
        metrics.elidedText(lone[0], QtCore.Qt.TextElideMode.ElideMiddle, 108.0),
        "wind",
    ]
