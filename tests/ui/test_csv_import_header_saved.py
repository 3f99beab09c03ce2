"""The column picker's "First line is a header" choice goes into the data spec, so the
project reads the file the same way when it is saved and opened again."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.spec import CsvData
from nnstudio.ui.docks.data_dock import DataPanel
from nnstudio.ui.document import StudioDocument

from .test_csv_import import ok_button, open_dialog, write
from .test_csv_import_header import FLOWERS, NUMBERED, PEOPLE, click_header_box, header_box

pytestmark = pytest.mark.gui

#: The choice made for PEOPLE with the header box unticked: Ann's age and height are data.
HEADERLESS = CsvData(
    csv="ann.csv",
    target=("column 3",),
    task="regression",
    features=("column 2",),
    standardize_targets=True,
    header=False,
)


def test_unticking_the_header_box_goes_into_the_spec(qtbot, tmp_path):
    path = write(tmp_path / "ann.csv", PEOPLE)
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.result_spec().header is None  # the guess, as projects always had it
    click_header_box(qtbot, dialog)
    dialog.set_task("regression")
    qtbot.waitUntil(lambda: ok_button(dialog).isEnabled(), timeout=15000)
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        ok_button(dialog).click()
    assert dialog.result_spec() == HEADERLESS


def test_ticking_a_header_the_guess_refused_goes_into_the_spec(qtbot, tmp_path):
    path = write(tmp_path / "flowers.csv", FLOWERS)
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.result_spec().header is False  # the guess read line 1 as an example
    click_header_box(qtbot, dialog)
    assert dialog.result_spec().header is True  # a project reads "5.1,3.5,setosa" as names


@pytest.mark.parametrize("stated", [False, True])
def test_changing_the_columns_keeps_the_saved_choice(qtbot, tmp_path, stated):
    path = write(tmp_path / "ann.csv", PEOPLE)
    if stated:
        # The guess reads the file the same way: the choice still stays a choice.
        initial = CsvData(
            csv="ann.csv", target=("170",), task="regression", features=("23",), header=True
        )
    else:
        initial = HEADERLESS
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    assert header_box(dialog).isChecked() is stated
    assert dialog.header_setting() is stated
    # Reopening the picker and pressing Import changes nothing.
    assert dialog.problem is None and dialog.result_spec() == initial


def test_a_saved_choice_without_header_is_not_called_a_guess(qtbot, tmp_path):
    path = write(tmp_path / "flowers.csv", FLOWERS)
    initial = CsvData(
        csv="flowers.csv",
        target=("column 3",),
        features=("column 1",),
        header=False,
    )
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    assert not header_box(dialog).isChecked()
    assert dialog.table.header == tuple(NUMBERED) and dialog.table.n_rows == 4
    # The user unticked the box when importing: no "Guessed: line 1 looks like data".
    assert dialog._header_hint.text() == ""
    assert dialog.problem is None and dialog.result_spec() == initial


def test_a_headerless_import_survives_saving_and_reopening(qtbot, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = write(tmp_path / "ann.csv", PEOPLE)
    document = StudioDocument()
    panel = DataPanel(document)
    qtbot.addWidget(panel)

    def import_without_header(dialog) -> bool:
        click_header_box(qtbot, dialog)
        dialog.set_task("regression")
        return dialog.validate()

    monkeypatch.setattr(panel, "exec_dialog", import_without_header)
    assert panel.import_csv(path)
    assert document.project.data == HEADERLESS
    saved = document.save(tmp_path / "people.nnproj")

    reopened = StudioDocument()
    reopened.open(saved)
    assert reopened.project.data == HEADERLESS
    dataset = reopened.dataset
    assert dataset is not None and dataset.n_train + dataset.n_val == 3
    ages = np.concatenate([dataset.X_train, dataset.X_val]).ravel()
    assert sorted(ages.tolist()) == [23.0, 31.0, 45.0]  # Ann's row is an example
