"""Reading a CSV file's first line as the header or as data: a first line with an empty cell
opens the column picker with the problem beside the header box, "Change columns…" reads the
file once as the project saved it, and the Data dock says how the first line is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.spec import CsvData
from nnstudio.ui import csv_import
from nnstudio.ui.csv_import import CsvImportDialog
from nnstudio.ui.docks.data_dock import DataPanel
from nnstudio.ui.qt import QtWidgets

from .test_csv_import import ok_button, write
from .test_csv_import_header import (
    FLOWERS,
    NUMBERED,
    PEOPLE,
    click_header_box,
    column_names,
    header_box,
    preview,
)

pytestmark = pytest.mark.gui

#: No header, and Ann's age is missing: line 1 cannot name the columns (an empty name).
ANN = "Ann,,170\nBob,31,180\nCid,45,175\nDan,52,169\n"
#: A header with an empty column name.
UNNAMED = "name,,height\nBob,31,180\nCid,45,175\nDan,52,169\n"


def open_through(
    panel: DataPanel, monkeypatch, qtbot, path: Path | None, act
) -> list[CsvImportDialog]:
    """Import ``path`` as the dock does ("Change columns…" when ``None``); ``act(dialog)``
    plays the user (True: Import)."""
    seen: list[CsvImportDialog] = []

    def run(dialog: CsvImportDialog) -> bool:
        seen.append(dialog)
        qtbot.waitUntil(lambda: not dialog.checking, timeout=15000)
        return act(dialog)

    monkeypatch.setattr(panel, "exec_dialog", run)
    if path is None:
        panel.change_columns()
    else:
        panel.import_csv(path)
    assert seen, "the column picker did not open"
    return seen


# ---- a first line with an empty cell ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cells"), [(ANN, ("Ann", "", "170")), (UNNAMED, ("name", "", "height"))]
)
def test_a_first_line_with_an_empty_cell_opens_the_picker_with_the_problem(
    panel, document, monkeypatch, qtbot, tmp_path, text, cells
):
    path = write(tmp_path / "people.csv", text)
    states: list[dict[str, object]] = []

    def look(dialog: CsvImportDialog) -> bool:
        # Opened as the guess reads the file: line 1 as the header, which fails.
        assert dialog.table is not None  # the picker, not the plain "cannot be read" page
        box = header_box(dialog)
        states.append({"ticked": box.isChecked(), "problem": dialog.problem})
        assert dialog._header_hint.text() == "The first line cannot be the header"
        assert "empty name in column 2" in dialog._header_hint.toolTip()
        assert column_names(dialog) == [] and preview(dialog) == ([], [], [])
        assert not ok_button(dialog).isEnabled() and not dialog.validate()
        # Unticked: line 1 is the first row, and the columns can be picked.
        click_header_box(qtbot, dialog)
        assert not header_box(dialog).isChecked()
        assert column_names(dialog) == NUMBERED
        _headings, lines, rows = preview(dialog)
        assert lines[0] == "1" and rows[0] == cells
        assert dialog.header_setting() is False
        # Ticked again: the same failure, not a reading passed off as the file's.
        click_header_box(qtbot, dialog)
        assert header_box(dialog).isChecked() and column_names(dialog) == []
        assert dialog.problem == states[0]["problem"]
        click_header_box(qtbot, dialog)
        return False

    open_through(panel, monkeypatch, qtbot, path, look)
    assert states[0]["ticked"] is True
    problem = str(states[0]["problem"])
    assert "people.csv: line 1 (the header) has an empty name in column 2" in problem
    assert "Untick “First line is a header” to read the first line as data." in problem


def test_a_file_without_a_header_and_a_missing_value_imports_once_unticked(
    panel, document, monkeypatch, qtbot, tmp_path
):
    path = write(tmp_path / "ann.csv", ANN)

    def untick_and_leave_out_the_age(dialog: CsvImportDialog) -> bool:
        click_header_box(qtbot, dialog)
        # The empty cell is Ann's age: named, and left out it imports.
        assert "line 1, column 'column 2' is empty" in (dialog.problem or "")
        dialog.set_column_role("column 2", is_input=False)
        dialog.set_column_role("column 3", is_target=False, is_input=True)
        dialog.set_column_role("column 1", is_target=True)
        dialog.set_task("classification")
        return dialog.validate()

    open_through(panel, monkeypatch, qtbot, path, untick_and_leave_out_the_age)
    data = document.project.data
    assert isinstance(data, CsvData) and data.header is False
    assert data.target == ("column 1",) and data.features == ("column 3",)
    dataset = document.dataset
    assert dataset is not None and dataset.n_train + dataset.n_val == 4  # Ann is an example
    assert "Ann" in dataset.class_names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An empty cell and rows of other lengths: no header choice reads it (the message
        # is the guess's).
        ("Ann,,170\nBob,31\nCid,45,175\n", "line 1 (the header) has an empty name"),
        ("\x00\x01,\x02\n", "NUL characters"),
    ],
)
def test_a_file_no_header_choice_reads_gets_the_plain_message(qtbot, tmp_path, text, expected):
    path = write(tmp_path / "bad.csv", text)
    dialog = CsvImportDialog(path, base_dir=tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.table is None
    assert expected in (dialog.problem or "")
    assert dialog.findChild(QtWidgets.QCheckBox, "csvHeader") is None


# ---- "Change columns…" reads the file once, as saved -----------------------------------------


@pytest.mark.parametrize(
    ("text", "guessed"),
    [
        # The guess reads "Ann,23,170" as column names: ticked, it stays a guess.
        (PEOPLE, None),
        # The guess reads "5.1,3.5,setosa" as data: ticked, it is the user's word.
        (FLOWERS, True),
    ],
)
def test_change_columns_of_a_headerless_choice_reads_the_file_once(
    panel, document, monkeypatch, qtbot, tmp_path, text, guessed
):
    write(tmp_path / "rows.csv", text)
    saved = CsvData(csv="rows.csv", target=("column 3",), features=("column 2",), header=False)
    assert panel.set_data(saved, "Data: rows.csv")
    reads: list[object] = []
    real_read = csv_import.read_csv_table

    def counting_read(source, progress=None, **kwargs):
        reads.append(kwargs.get("header", "guess"))
        return real_read(source, progress, **kwargs)

    monkeypatch.setattr(csv_import, "read_csv_table", counting_read)
    settings: list[object] = []

    def look(dialog: CsvImportDialog) -> bool:
        assert reads == [False]  # once, without a header, as saved
        assert not header_box(dialog).isChecked() and column_names(dialog) == NUMBERED
        assert dialog.result_spec() == saved
        click_header_box(qtbot, dialog)
        settings.append(dialog.header_setting())
        return False

    open_through(panel, monkeypatch, qtbot, None, look)
    assert reads == [False, True]
    assert settings == [guessed]


# ---- the Data dock says how the first line is read -------------------------------------------


@pytest.mark.parametrize(
    ("header", "said"),
    [
        (None, "header (column names)"),
        (True, "header (column names)"),
        (False, "data: columns are numbered"),
    ],
)
def test_the_data_dock_says_whether_the_first_line_is_a_header(
    panel, document, tmp_path, header, said
):
    write(tmp_path / "people.csv", PEOPLE if header is False else "name,age,height\n" + PEOPLE)
    target = "height" if header is not False else "column 3"
    features = ("age",) if header is not False else ("column 2",)
    spec = CsvData(
        csv="people.csv", target=(target,), task="regression", features=features, header=header
    )
    assert panel.set_data(spec, "Data: people.csv")
    assert panel.csv_file_label.full_text() == "people.csv"
    # Right under the file's name, as "First line: …".
    line = panel.findChild(QtWidgets.QLabel, "csvHeaderReading")
    assert line is not None and line.isVisible() and line.text() == said
    form = line.parentWidget().layout().itemAt(0).layout()
    assert isinstance(form, QtWidgets.QFormLayout)
    row, _role = form.getWidgetPosition(line)
    assert form.getWidgetPosition(panel.csv_file_label)[0] == row - 1
    assert form.labelForField(line).text() == "First line:"
    # One whole line: nothing cut.
    assert line.height() >= line.heightForWidth(line.width())
