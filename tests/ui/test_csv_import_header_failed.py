"""The CSV column picker when the "First line is a header" box asks for a reading that fails:
the box, the line under it, the column list and the preview agree."""

from __future__ import annotations

import pytest

from nnstudio.ui.csv_import import CsvImportDialog
from nnstudio.ui.qt import QtWidgets

from .test_csv_import import ok_button, open_dialog, write
from .test_csv_import_header import click_header_box, column_names, header_box, preview

pytestmark = pytest.mark.gui

#: Whole numbers without a header: read with one, line 1 would name column "9" twice.
INTS = "0,9,9\n3,9,12\n7,2,9\n9,8,17\n0,6,6\n3,5,8\n1,3,4\n9,6,15\n9,3,12\n7,1,8\n"
NUMBERED = ["column 1", "column 2", "column 3"]


def hint(dialog: CsvImportDialog) -> QtWidgets.QLabel:
    label = dialog.findChild(QtWidgets.QLabel, "csvHeaderHint")
    assert label is not None
    return label


def test_a_failed_tick_shows_the_failure_and_unticking_brings_the_reading_back(qtbot, tmp_path):
    path = write(tmp_path / "ints.csv", INTS)
    dialog = open_dialog(qtbot, path, tmp_path)
    dialog.show()
    assert not header_box(dialog).isChecked()
    assert hint(dialog).isVisible() and hint(dialog).text() == "Guessed: line 1 looks like data"
    # The user's own ticks, to be found again after the failed reading.
    dialog.set_column_role("column 2", is_input=False)
    qtbot.waitUntil(lambda: not dialog.checking and ok_button(dialog).isEnabled(), timeout=15000)

    click_header_box(qtbot, dialog)
    box = header_box(dialog)
    assert box.isChecked()
    problem = dialog.problem or ""
    assert "the header names column '9' twice (columns 2 and 3)" in problem
    assert "Untick “First line is a header”" in problem
    assert not ok_button(dialog).isEnabled()
    # The line under the box no longer speaks of a guess the box now contradicts.
    assert "Guessed" not in hint(dialog).text()
    assert hint(dialog).text() == "The first line cannot be the header"
    assert "twice" in hint(dialog).toolTip()
    # No columns or rows of the headerless reading pass for the file read with a header.
    assert column_names(dialog) == []
    assert preview(dialog) == ([], [], [])
    assert dialog._preview_caption.text().startswith("Nothing to show")
    assert dialog.target_columns() == () and dialog.input_columns() == ()
    # Import, a task change or Enter import nothing while it cannot be read so.
    dialog.set_task("regression")
    qtbot.wait(300)
    qtbot.waitUntil(lambda: not dialog.checking, timeout=15000)
    assert dialog.problem == problem and not ok_button(dialog).isEnabled()
    dialog.accept()
    assert dialog.result() == 0 and dialog.isVisible() and dialog.dataset is None

    click_header_box(qtbot, dialog)
    assert not header_box(dialog).isChecked()
    assert hint(dialog).text() == "Guessed: line 1 looks like data"
    assert column_names(dialog) == NUMBERED
    assert preview(dialog)[1][:2] == ["1", "2"]  # line 1 is a row again
    # The ticks made before the failed tick.
    assert dialog.target_columns() == ("column 3",)
    assert dialog.input_columns() == ("column 1",)
    assert dialog.problem is None and ok_button(dialog).isEnabled()
    assert dialog.dataset.n_train + dialog.dataset.n_val == 10
    assert dialog.result_spec().header is False
