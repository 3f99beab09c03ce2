"""The Data dock's file name: a long one shortens in the middle instead of running past the
dock's edge (a name without break points did at a large font)."""

from __future__ import annotations

import pytest

from nnstudio.spec import CsvData
from nnstudio.ui.docks.data_dock import DataPanel
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.qt import QtWidgets

from .test_csv_import import write
from .test_csv_import_header import PEOPLE

LONG_NAME = "people_measurements_without_header_collected_in_2026_version_7.csv"


@pytest.fixture
def panel(qtbot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    widget = DataPanel(StudioDocument())
    qtbot.addWidget(widget)
    widget.resize(340, 760)
    widget.show()
    return widget


def _show(panel: DataPanel, tmp_path, name: str) -> None:
    write(tmp_path / name, "name,age,height\n" + PEOPLE)
    spec = CsvData(csv=name, target=("height",), task="regression", features=("age",))
    assert panel.set_data(spec, f"Data: {name}")
    QtWidgets.QApplication.processEvents()


def test_a_long_file_name_shortens_in_the_middle_within_the_dock(panel, tmp_path) -> None:
    _show(panel, tmp_path, LONG_NAME)
    label = panel.csv_file_label
    shown = label.text()
    assert "…" in shown and shown.endswith(".csv") and shown.startswith("people")
    assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
    right_edge = label.mapTo(panel, label.rect().topRight()).x()
    assert right_edge < panel.width()
    assert label.full_text() == LONG_NAME
    assert label.toolTip().endswith(LONG_NAME)
    assert label.font().bold()
    # Given more room, more of the name shows.
    panel.resize(1400, 760)
    QtWidgets.QApplication.processEvents()
    assert len(label.text()) > len(shown)


def test_a_short_file_name_shows_whole(panel, tmp_path) -> None:
    _show(panel, tmp_path, "people.csv")
    assert panel.csv_file_label.text() == "people.csv"
