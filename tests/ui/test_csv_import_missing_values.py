"""The column picker counts every missing value at once and offers to skip their rows; the
choice is saved with the data source."""

from __future__ import annotations

import pytest

from nnstudio.spec import CsvData
from nnstudio.ui.csv_import import CsvImportDialog
from nnstudio.ui.qt import QtWidgets

from ..data.test_csv_missing_values import MISSING
from .test_csv_header_choice import open_through
from .test_csv_import import ok_button, open_dialog, write

pytestmark = pytest.mark.gui


def skip_box(dialog: CsvImportDialog) -> QtWidgets.QCheckBox:
    box = dialog.findChild(QtWidgets.QCheckBox, "csvSkipMissing")
    assert box is not None and box.text().replace("&", "") == "Skip rows with missing values"
    return box


def test_missing_values_are_counted_at_once_with_the_way_out(qtbot, tmp_path) -> None:
    dialog = open_dialog(qtbot, write(tmp_path / "missing.csv", MISSING), tmp_path)
    assert dialog.input_columns() == ("x1", "x2") and dialog.target_columns() == ("label",)
    problem = dialog.problem or ""
    assert problem.startswith(
        "missing.csv: 4 rows have missing values (empty, 'NA' or 'nan'): lines 6, 11, 16 and 21."
    )
    assert problem.endswith("Or tick “Skip rows with missing values” to leave these 4 rows out.")
    assert not ok_button(dialog).isEnabled()
    # The first of them is pointed at in the preview.
    assert dialog._preview_model.marked_cell == (4, -1)

    skip_box(dialog).click()
    qtbot.waitUntil(lambda: ok_button(dialog).isEnabled(), timeout=15000)
    assert dialog.problem is None
    status = dialog._status.text()
    assert "26 rows (21 train / 5 validation)" in status
    assert "4 rows with missing values skipped" in status
    assert status.endswith("Skipped: lines 6, 11, 16 and 21.")
    assert dialog.result_spec().skip_missing is True


def test_one_missing_value_offers_to_skip_its_row(qtbot, tmp_path) -> None:
    path = write(tmp_path / "one.csv", "a,b,label\n1,2,x\n3,,y\n5,6,x\n7,8,y\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.problem == (
        "one.csv: line 3, column 'b' is empty (every input value must be given).\n"
        "Or tick “Skip rows with missing values” to leave this row out."
    )


def test_the_choice_is_saved_and_kept_by_change_columns(
    panel, document, monkeypatch, qtbot, tmp_path
) -> None:
    path = write(tmp_path / "missing.csv", MISSING)

    def skip(dialog: CsvImportDialog) -> bool:
        dialog.set_skip_missing(True)
        return dialog.validate()

    open_through(panel, monkeypatch, qtbot, path, skip)
    data = document.project.data
    assert isinstance(data, CsvData) and data.skip_missing
    dataset = document.dataset
    assert dataset is not None and dataset.n_train + dataset.n_val == 26
    assert "4 rows with missing values skipped" in panel.summary.text()
    steps = document.undo_stack.count()

    def keep(dialog: CsvImportDialog) -> bool:
        assert skip_box(dialog).isChecked() and dialog.problem is None
        return dialog.validate()

    open_through(panel, monkeypatch, qtbot, None, keep)
    assert document.project.data == data and document.undo_stack.count() == steps
