"""The column picker reads decimal commas ("0,346" between semicolons) as numbers, says so
beside the header box, and lets the user read the file otherwise; the choice is saved."""

from __future__ import annotations

import pytest

from nnstudio.spec import CsvData
from nnstudio.ui.csv_import import CsvImportDialog
from nnstudio.ui.qt import QtWidgets

from .test_csv_header_choice import open_through
from .test_csv_import import ok_button, open_dialog, write

pytestmark = pytest.mark.gui


EURO = "a;b;label;c\n" + "".join(
    f"{i / 7:.3f};{(i * 3 % 5) / 4:.3f};{'yes' if i % 2 else 'no'};-{i / 9:.3f}\n".replace(".", ",")
    for i in range(1, 13)
)


def decimal_box(dialog: CsvImportDialog) -> QtWidgets.QCheckBox:
    box = dialog.findChild(QtWidgets.QCheckBox, "csvDecimalComma")
    assert box is not None and box.text().replace("&", "") == "Decimal comma"
    return box


def click_decimal_box(qtbot, dialog: CsvImportDialog) -> None:
    decimal_box(dialog).click()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=15000)


def test_decimal_commas_are_read_and_the_guess_is_shown(qtbot, tmp_path) -> None:
    path = write(tmp_path / "euro.csv", EURO)
    dialog = open_dialog(qtbot, path, tmp_path)
    dialog.show()
    assert decimal_box(dialog).isChecked()
    hint = dialog.findChild(QtWidgets.QLabel, "csvDecimalHint")
    assert hint.isVisible() and hint.text() == "Guessed: 0,143 is 0.143"
    assert dialog.input_columns() == ("a", "b", "c")
    assert dialog.target_columns() == ("label",)
    assert dialog.problem is None and ok_button(dialog).isEnabled()
    assert dialog.dataset is not None and dialog.dataset.n_features == 3
    # Saved as read, so the project reads it so whatever the guess.
    assert dialog.result_spec().decimal_comma is True


def test_unticking_the_box_reads_commas_otherwise_and_says_how_to_go_back(qtbot, tmp_path):
    path = write(tmp_path / "euro.csv", EURO)
    dialog = open_dialog(qtbot, path, tmp_path)
    click_decimal_box(qtbot, dialog)
    assert not decimal_box(dialog).isChecked()
    assert dialog.table is not None and dialog.table.kinds[0] == "text"
    problem = dialog.problem or ""
    assert "euro.csv: line 2, column 'a': '0,143' is not a number (write decimals" in problem
    assert problem.endswith("Or tick “Decimal comma” to read numbers such as 0,5 as 0.5.")
    assert not ok_button(dialog).isEnabled()
    assert dialog.result_spec().decimal_comma is False
    click_decimal_box(qtbot, dialog)
    assert dialog.problem is None and dialog.input_columns() == ("a", "b", "c")


def test_ticking_the_box_for_decimal_points_names_a_point(qtbot, tmp_path) -> None:
    path = write(tmp_path / "points.csv", "a;b;label\n0.5;1;x\n1.5;2;y\n2.5;3;x\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    assert not decimal_box(dialog).isChecked() and dialog.problem is None
    assert dialog.result_spec().decimal_comma is None  # a point file's project is unchanged
    click_decimal_box(qtbot, dialog)
    problem = dialog.problem or ""
    assert "line 2, column 'a': '0.5' is not a number (numbers are read with a decimal" in problem
    assert problem.endswith("Untick “Decimal comma” to read a point as the decimal mark.")


def test_the_reading_is_saved_shown_in_the_dock_and_kept_by_change_columns(
    panel, document, monkeypatch, qtbot, tmp_path
):
    path = write(tmp_path / "euro.csv", EURO)
    open_through(panel, monkeypatch, qtbot, path, lambda dialog: dialog.validate())
    data = document.project.data
    assert isinstance(data, CsvData) and data.decimal_comma is True
    assert document.dataset is not None and document.dataset.n_features == 3
    numbers = panel.findChild(QtWidgets.QLabel, "csvNumbersReading")
    assert numbers.isVisible() and numbers.text() == "decimal comma (0,5 is 0.5)"
    steps = document.undo_stack.count()

    def keep(dialog: CsvImportDialog) -> bool:
        assert decimal_box(dialog).isChecked() and dialog.problem is None
        return dialog.validate()

    open_through(panel, monkeypatch, qtbot, None, keep)
    assert document.project.data == data and document.undo_stack.count() == steps


def test_a_guess_left_to_the_project_stays_a_guess(qtbot, tmp_path) -> None:
    path = write(tmp_path / "euro.csv", EURO)
    initial = CsvData(csv="euro.csv", target=("label",))
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    assert decimal_box(dialog).isChecked()
    assert dialog.result_spec() == initial


def test_a_point_file_shows_no_numbers_line_in_the_dock(panel, document, tmp_path) -> None:
    write(tmp_path / "points.csv", "a,b,label\n0.5,1,x\n1.5,2,y\n2.5,3,x\n")
    assert panel.set_data(CsvData(csv="points.csv", target=("label",)), "Data: points.csv")
    numbers = panel.findChild(QtWidgets.QLabel, "csvNumbersReading")
    assert not numbers.isVisible()


def test_ticking_the_box_makes_the_columns_of_numbers_inputs(qtbot, tmp_path) -> None:
    path = write(tmp_path / "euro.csv", EURO)
    initial = CsvData(csv="euro.csv", target=("label",), features=("b",), decimal_comma=False)
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    assert not decimal_box(dialog).isChecked() and dialog.input_columns() == ("b",)
    click_decimal_box(qtbot, dialog)
    assert dialog.input_columns() == ("a", "b", "c") and dialog.problem is None
    assert dialog.result_spec().decimal_comma is True
