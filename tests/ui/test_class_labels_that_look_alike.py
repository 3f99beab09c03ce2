"""Class labels that differ only in case ("Yes", "yes") or in spaces around them ("yes ",
"yes") are told of where the data summary is shown: the column picker and the Data dock."""

from __future__ import annotations

import pytest

from nnstudio.spec import CsvData
from nnstudio.ui.qt import QtCore

from .test_csv_import import ok_button, open_dialog, write

pytestmark = pytest.mark.gui

#: "Yes" beside "yes" (two classes) and "yes " beside "yes" (one class).
ANSWERS = "x,answer\n" + "".join(
    f"{i},{label}\n" for i, label in enumerate(["yes", "no"] * 9 + ["Yes", "yes "])
)

CASE_NOTE = (
    "Note: classes 'Yes' (1 row) and 'yes' (10 rows) differ only in case; write them alike if "
    "they are one class."
)
SPACES_NOTE = (
    "Note: label 'yes ' (1 row) is read as class 'yes' (spaces around labels are ignored)."
)


def test_the_column_picker_tells_of_labels_that_look_alike(qtbot, tmp_path) -> None:
    dialog = open_dialog(qtbot, write(tmp_path / "answers.csv", ANSWERS), tmp_path)
    assert dialog.target_columns() == ("answer",) and dialog.task() == "classification"
    assert dialog.problem is None and ok_button(dialog).isEnabled()
    status = dialog._status.text()
    # The documented classes, case kept and spaces stripped, and what is odd about them.
    assert status.startswith("✓ 20 rows (16 train / 4 validation) · 1 feature · 3 classes: Yes,")
    assert status.endswith(f"\n{CASE_NOTE}\n{SPACES_NOTE}")


def test_the_data_dock_tells_of_labels_that_look_alike(panel, document, tmp_path) -> None:
    write(tmp_path / "answers.csv", ANSWERS)
    assert panel.set_data(CsvData(csv="answers.csv", target=("answer",)), "Data: answers.csv")
    assert document.dataset is not None and document.dataset.class_names == ("Yes", "no", "yes")
    assert panel.caution_label.isVisible()
    assert panel.caution_label.text() == f"{CASE_NOTE}\n{SPACES_NOTE}"


def test_labels_all_written_with_spaces_are_not_told_of(panel, document, tmp_path) -> None:
    # Cells separated by ", ": every label has a space before it, which says nothing.
    rows = "".join(f"{i}, {'yes' if i % 3 else 'no'}\n" for i in range(20))
    write(tmp_path / "spaced.csv", "x, answer\n" + rows)
    assert panel.set_data(CsvData(csv="spaced.csv", target=("answer",)), "Data: spaced.csv")
    assert document.dataset is not None and document.dataset.class_notes == ()
    assert not panel.caution_label.isVisible()


def test_class_names_that_look_like_markup_are_shown_as_written(qtbot, tmp_path) -> None:
    rows = "".join(f"{i},{'<b>big</b>' if i % 2 else '<i>small</i>'}\n" for i in range(20))
    dialog = open_dialog(qtbot, write(tmp_path / "tags.csv", "x,size\n" + rows), tmp_path)
    assert dialog.problem is None
    status = dialog._status
    assert "classes: <b>big</b>, <i>small</i>" in status.text()
    # Shown as the characters the file holds, not as bold and italic words.
    assert status.textFormat() == QtCore.Qt.TextFormat.PlainText
