"""The CSV column picker's "First line is a header" box: the guess corrected by the user."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from nnstudio.spec import CsvData
from nnstudio.ui import csv_import
from nnstudio.ui.csv_import import CsvImportDialog
from nnstudio.ui.qt import Qt, QtWidgets
from tests.data.test_data_csv_header_spec import PEOPLE

from .test_csv_import import ok_button, open_dialog, write

pytestmark = pytest.mark.gui

#: A file without a header whose first line the guess sees is data (decimals).
FLOWERS = "5.1,3.5,setosa\n4.9,3.0,setosa\n7.0,3.2,versicolor\n6.1,2.8,versicolor\n"
NUMBERED = ["column 1", "column 2", "column 3"]


def header_box(dialog: CsvImportDialog) -> QtWidgets.QCheckBox:
    box = dialog.findChild(QtWidgets.QCheckBox, "csvHeader")
    assert box is not None and box.text().replace("&", "") == "First line is a header"
    return box


def click_header_box(qtbot, dialog: CsvImportDialog) -> None:
    """Toggle the box as a click does, and wait for the check of the data read anew."""
    header_box(dialog).click()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=15000)


def column_names(dialog: CsvImportDialog) -> list[str]:
    """The names the column list shows."""
    roles = dialog._roles
    return [roles.item(row, 0).text() for row in range(roles.rowCount())]


def preview(dialog: CsvImportDialog) -> tuple[list[str], list[str], list[tuple[str, ...]]]:
    """The preview's headings, row labels (file lines) and cells."""
    model = dialog._preview.model()
    columns, rows = model.columnCount(), model.rowCount()
    headings = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(columns)]
    lines = [model.headerData(r, Qt.Orientation.Vertical) for r in range(rows)]
    cells = [tuple(model.index(r, c).data() for c in range(columns)) for r in range(rows)]
    return headings, lines, cells


def accepted_dataset(qtbot, dialog: CsvImportDialog):
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        ok_button(dialog).click()
    assert dialog.dataset is not None
    return dialog.dataset


def test_unticking_the_header_reads_the_first_line_as_a_row(qtbot, tmp_path):
    path = write(tmp_path / "people.csv", PEOPLE)
    dialog = open_dialog(qtbot, path, tmp_path)
    # The guess: the first line names the columns.
    assert header_box(dialog).isChecked()
    assert column_names(dialog) == ["Ann", "23", "170"]
    assert dialog.target_columns() == ("170",) and dialog.input_columns() == ("23",)

    click_header_box(qtbot, dialog)
    assert not dialog.first_line_is_header() and dialog.header_setting() is False
    assert column_names(dialog) == NUMBERED
    headings, lines, cells = preview(dialog)
    assert headings == NUMBERED
    assert lines == ["1", "2", "3"]
    assert cells == [("Ann", "23", "170"), ("Bob", "31", "182"), ("Cid", "45", "175")]
    assert "3 rows" in dialog._details.full_text()
    # The ticks stay on the same columns, under their new names.
    assert dialog.target_columns() == ("column 3",)
    assert dialog.input_columns() == ("column 2",)
    assert dialog.problem is None and ok_button(dialog).isEnabled()

    dataset = accepted_dataset(qtbot, dialog)
    assert dataset.n_train + dataset.n_val == 3
    assert dataset.feature_names == ("column 2",)
    assert dataset.target_names == ("column 3",)
    ages = np.concatenate([dataset.X_train, dataset.X_val]).ravel()
    assert sorted(ages.tolist()) == [23.0, 31.0, 45.0]  # Ann's age is an example


def test_ticking_the_header_again_restores_the_first_reading(qtbot, tmp_path, monkeypatch):
    path = write(tmp_path / "people.csv", PEOPLE)
    dialog = open_dialog(qtbot, path, tmp_path)
    reads: list[bool | None] = []
    real_read = csv_import.read_csv_table

    def counting_read(source, progress=None, **kwargs):
        reads.append(kwargs.get("header"))
        return real_read(source, progress, **kwargs)

    monkeypatch.setattr(csv_import, "read_csv_table", counting_read)
    click_header_box(qtbot, dialog)
    assert reads == [False]
    click_header_box(qtbot, dialog)
    # The file as first read, not read a third time.
    assert reads == [False]
    assert dialog.first_line_is_header() and dialog.header_setting() is None
    assert column_names(dialog) == ["Ann", "23", "170"]
    headings, lines, cells = preview(dialog)
    assert headings == ["Ann", "23", "170"] and lines == ["2", "3"]
    assert cells == [("Bob", "31", "182"), ("Cid", "45", "175")]
    assert dialog.target_columns() == ("170",) and dialog.input_columns() == ("23",)
    dataset = accepted_dataset(qtbot, dialog)
    assert dataset.n_train + dataset.n_val == 2
    assert dataset.feature_names == ("23",)


def test_a_first_line_that_looks_like_data_starts_unticked_and_can_be_ticked(qtbot, tmp_path):
    path = write(tmp_path / "flowers.csv", FLOWERS)
    dialog = open_dialog(qtbot, path, tmp_path)
    # Refused as a header when read for a project; read as the first example here.
    assert not header_box(dialog).isChecked()
    assert column_names(dialog) == NUMBERED
    assert dialog.problem is None and dialog.dataset.n_train + dialog.dataset.n_val == 4
    hint = dialog._header_hint
    assert hint.text() == "Guessed: line 1 looks like data"
    assert "'5.1' is a number like those in column 1 below" in hint.toolTip()

    # The user's word wins over the guess: the first line names the columns.
    click_header_box(qtbot, dialog)
    assert dialog.header_setting() is True
    assert column_names(dialog) == ["5.1", "3.5", "setosa"]
    assert hint.text() == ""
    assert dialog.problem is None
    assert accepted_dataset(qtbot, dialog).n_train + dialog.dataset.n_val == 3


def test_unticking_over_column_names_says_which_cell_is_not_a_number(qtbot, tmp_path):
    path = write(tmp_path / "people.csv", "name,age,height\n" + PEOPLE)
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.input_columns() == ("age",) and dialog.target_columns() == ("height",)

    click_header_box(qtbot, dialog)
    problem = dialog.problem or ""
    assert problem.startswith("people.csv: line 1, column 'column 2': 'age' is not a number")
    assert "If line 1 holds column names, tick “First line is a header”." in problem
    assert not ok_button(dialog).isEnabled()
    assert dialog._preview.model().marked_cell == (0, 1)
    # Ticked again, it imports.
    click_header_box(qtbot, dialog)
    assert dialog.problem is None and ok_button(dialog).isEnabled()


def test_a_first_line_that_cannot_name_the_columns_is_explained(qtbot, tmp_path):
    path = write(tmp_path / "counts.csv", "1,1,2\n3,4,5\n6,7,8\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    assert not header_box(dialog).isChecked() and dialog.problem is None

    click_header_box(qtbot, dialog)
    problem = dialog.problem or ""
    assert "counts.csv: the header names column '1' twice (columns 1 and 2)" in problem
    assert "Untick “First line is a header” to read the first line as data." in problem
    assert not ok_button(dialog).isEnabled()
    # Other edits check the choice again: the reading still cannot be imported.
    dialog.set_task("regression")
    qtbot.wait(300)
    qtbot.waitUntil(lambda: not dialog.checking, timeout=15000)
    assert dialog.problem == problem and not ok_button(dialog).isEnabled()
    assert not dialog.validate()

    click_header_box(qtbot, dialog)
    assert dialog.problem is None and ok_button(dialog).isEnabled()
    assert dialog.dataset.n_train + dialog.dataset.n_val == 3


def test_changing_the_columns_of_a_headerless_choice_reads_the_file_so_again(qtbot, tmp_path):
    path = write(tmp_path / "people.csv", PEOPLE)
    initial = CsvData(
        csv="people.csv", target=("column 3",), task="regression", features=("column 2",)
    )
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    assert not header_box(dialog).isChecked()
    assert dialog.target_columns() == ("column 3",) and dialog.input_columns() == ("column 2",)
    assert dialog.notice == ""
    assert dialog.problem is None


def test_a_file_changed_on_disk_is_read_again_without_its_header(qtbot, tmp_path):
    path = write(tmp_path / "people.csv", PEOPLE)
    dialog = open_dialog(qtbot, path, tmp_path)
    click_header_box(qtbot, dialog)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("Dan,52,169\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    ok_button(dialog).click()
    # Shown before importing, read as the box says.
    assert dialog.result() == 0
    assert dialog.table.n_rows == 4 and column_names(dialog) == NUMBERED
    assert not header_box(dialog).isChecked()
    qtbot.waitUntil(lambda: ok_button(dialog).isEnabled(), timeout=15000)
    assert accepted_dataset(qtbot, dialog).n_train + dialog.dataset.n_val == 4
