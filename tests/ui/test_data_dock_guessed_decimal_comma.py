"""The Data dock says numbers are read with a decimal comma whenever they are: as the
project's data says, or as guessed for a project file that leaves ``decimal_comma`` unset."""

from __future__ import annotations

import pytest

from nnstudio.spec import CsvData
from nnstudio.ui.docks.data_dock import DataPanel
from nnstudio.ui.qt import QtWidgets

from .test_csv_import import write
from .test_csv_import_decimal_comma import EURO

pytestmark = pytest.mark.gui


def numbers_line(panel: DataPanel) -> QtWidgets.QLabel:
    return panel.findChild(QtWidgets.QLabel, "csvNumbersReading")


def test_a_guessed_decimal_comma_is_shown(panel, document, tmp_path) -> None:
    write(tmp_path / "euro.csv", EURO)
    data = CsvData(csv="euro.csv", target=("label",))
    assert data.decimal_comma is None  # as in a project file written by hand
    assert panel.set_data(data, "Data: euro.csv")
    assert document.dataset is not None and document.dataset.decimal_comma
    assert numbers_line(panel).isVisible()
    assert numbers_line(panel).text() == "decimal comma (0,5 is 0.5)"


def test_the_line_goes_with_data_read_with_a_decimal_point(panel, document, tmp_path) -> None:
    write(tmp_path / "euro.csv", EURO)
    write(tmp_path / "points.csv", "a;b;label\n0.5;1;x\n1.5;2;y\n2.5;3;x\n")
    assert panel.set_data(CsvData(csv="euro.csv", target=("label",)), "Data: euro.csv")
    assert numbers_line(panel).isVisible()
    assert panel.set_data(CsvData(csv="points.csv", target=("label",)), "Data: points.csv")
    assert not numbers_line(panel).isVisible()
    document.undo_stack.undo()
    assert numbers_line(panel).isVisible()
