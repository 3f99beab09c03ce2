"""The CSV column picker: guesses, relative paths and refusing data that cannot load."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from nnstudio.data import read_csv_table
from nnstudio.errors import DataError
from nnstudio.spec import CsvData
from nnstudio.text import name_list
from nnstudio.ui import csv_import
from nnstudio.ui.csv_import import (
    CsvImportDialog,
    dataset_summary,
    guess_task,
    relative_csv_path,
)
from nnstudio.ui.qt import Qt, QtCore, QtWidgets

pytestmark = pytest.mark.gui


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def flower_csv(folder: Path) -> Path:
    rows = [
        "sepal_length,sepal_width,species,note",
        "5.1,3.5,setosa,a",
        "4.9,3.0,setosa,b",
        "7.0,3.2,versicolor,c",
        "6.4,3.2,versicolor,d",
        "6.3,3.3,virginica,e",
        "5.8,2.7,virginica,f",
    ]
    return write(folder / "data" / "flowers.csv", "\n".join(rows) + "\n")


def ok_button(dialog: CsvImportDialog) -> QtWidgets.QPushButton:
    box = dialog.findChild(QtWidgets.QDialogButtonBox)
    return box.button(QtWidgets.QDialogButtonBox.StandardButton.Ok)


def open_dialog(qtbot, path: Path, base_dir: Path, **kwargs) -> CsvImportDialog:
    """The dialog once its first check (in a worker thread) has ended."""
    dialog = CsvImportDialog(path, base_dir=base_dir, **kwargs)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.checking, timeout=15000)
    return dialog


def test_good_csv_gives_relative_spec_with_guessed_target_and_task(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)

    assert dialog.problem is None
    assert ok_button(dialog).isEnabled()
    # The conventional name wins over the last column; the text column "note" is left out.
    assert dialog.target_columns() == ("species",)
    assert dialog.input_columns() == ("sepal_length", "sepal_width")
    assert dialog.task() == "classification"

    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        ok_button(dialog).click()
    spec = dialog.result_spec()
    assert spec == CsvData(
        csv="data/flowers.csv",
        target=("species",),
        task="classification",
        features=("sepal_length", "sepal_width"),
        standardize=True,
        validation_fraction=0.2,
        seed=0,
    )
    shown = [label.text() for label in dialog.findChildren(QtWidgets.QLabel)]
    assert any("3 classes: setosa, versicolor, virginica" in text for text in shown)


def test_features_none_when_every_other_column_is_an_input(qtbot, tmp_path):
    path = write(tmp_path / "plane.csv", "a,b,y\n1,2,0.5\n2,1,1.5\n3,3,2.25\n0,1,0.125\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    spec = dialog.result_spec()
    assert spec.target == ("y",)
    assert spec.features is None
    assert spec.task == "regression"
    assert spec.csv == "plane.csv"


def test_row_numbers_are_not_inputs_by_default(qtbot, tmp_path):
    path = write(tmp_path / "ids.csv", "id,x1,x2,y\n1,0.5,1,0.25\n2,1.5,2,1.0\n3,2.5,0,1.5\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.target_columns() == ("y",)
    assert dialog.input_columns() == ("x1", "x2")
    assert dialog.result_spec().features == ("x1", "x2")


def test_path_outside_base_dir_stays_relative_with_parent_steps(tmp_path):
    path = flower_csv(tmp_path)
    project_dir = tmp_path / "projects" / "mine"
    project_dir.mkdir(parents=True)
    assert relative_csv_path(path, project_dir) == "../../data/flowers.csv"


def test_task_guess_from_integer_targets(qtbot, tmp_path):
    few = write(tmp_path / "few.csv", "x,label\n" + "".join(f"{i},{i % 3}\n" for i in range(30)))
    many = write(tmp_path / "many.csv", "x,v\n" + "".join(f"{i},{i * 7}\n" for i in range(30)))
    fractional = write(tmp_path / "frac.csv", "x,v\n1,0.5\n2,1.5\n3,0.5\n4,1.5\n")
    assert open_dialog(qtbot, few, tmp_path).task() == "classification"
    assert open_dialog(qtbot, many, tmp_path).task() == "regression"
    assert open_dialog(qtbot, fractional, tmp_path).task() == "regression"


def test_changing_target_regresses_task_guess_and_unticks_input(qtbot, tmp_path):
    path = write(tmp_path / "t.csv", "x1,x2,price,label\n1,2,3.5,a\n2,3,4.25,b\n3,1,1.5,a\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.target_columns() == ("label",)
    assert "price" in dialog.input_columns()
    dialog.set_column_role("label", is_target=False)
    dialog.set_column_role("price", is_target=True)
    assert dialog.target_columns() == ("price",)
    # A column is never both an input and a target.
    assert "price" not in dialog.input_columns()
    assert dialog.task() == "regression"
    assert guess_task(dialog.table, ("price",)) == "regression"


def _labels_csv(folder: Path, labels: list[str]) -> Path:
    rows = "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    return write(folder / "labels.csv", "x,label\n" + rows)


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        # 2,000 rows of three classes: read in one pass as numbers.
        ([str(i % 3) for i in range(2000)], "classification"),
        # The same with an empty cell and a NaN (read cell by cell; those cells are skipped).
        ([str(i % 3) for i in range(1998)] + ["", "nan"], "classification"),
        # The 21st distinct value comes on the very last row: it is counted.
        ([str(i % 20) for i in range(1999)] + ["20"], "regression"),
        ([str(i % 20) for i in range(1998)] + ["", "20"], "regression"),
        # One fraction on the last row makes the column measurements, not classes.
        ([str(i % 3) for i in range(1999)] + ["0.5"], "regression"),
        (["", "nan", "inf"] * 3, "regression"),
    ],
)
def test_task_guess_reads_every_row_of_a_large_target(tmp_path, labels, expected):
    table = read_csv_table(_labels_csv(tmp_path, labels))
    assert guess_task(table, ("label",)) == expected


def test_the_task_is_guessed_once_per_choice_of_target(qtbot, tmp_path, monkeypatch):
    path = write(tmp_path / "t.csv", "x1,price,label\n1,3.5,0\n2,4.25,1\n3,1.5,0\n4,2.5,1\n")
    guesses: list[tuple[str, ...]] = []

    def counted_guess(table, targets):
        guesses.append(tuple(targets))
        return guess_task(table, targets)

    monkeypatch.setattr(csv_import, "guess_task", counted_guess)
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.task() == "classification"
    assert guesses == [("label",)]

    # Choosing the task against the guess says what the target looks like, without guessing
    # again over the whole column.
    dialog.set_task("regression")
    assert dialog._task_hint.text() == "The target looks like classification."
    dialog.set_column_role("x1", is_input=False)
    assert guesses == [("label",)]

    dialog.set_column_role("label", is_target=False)
    dialog.set_column_role("price", is_target=True)
    assert dialog._task_hint.text() == ""
    assert guesses == [("label",), (), ("price",)]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("ragged.csv", "a,b,label\n1,2,x\n3,4\n5,6,y\n", "line 3 has 2 fields"),
        ("empty.csv", "", "empty"),
        ("nan.csv", "a,b,label\n1,2,x\nnan,4,y\n5,6,x\n", "line 3, column 'a'"),
        (
            "typo.csv",
            "a,b,label\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n9,10,x\n",
            "'oops' is not a number",
        ),
        ("oneclass.csv", "a,b,label\n1,2,x\n3,4,x\n5,6,x\n", "only one class"),
    ],
)
def test_bad_csv_shows_message_and_refuses_ok(qtbot, tmp_path, name, text, expected):
    path = write(tmp_path / name, text)
    dialog = open_dialog(qtbot, path, tmp_path)
    dialog.show()
    assert dialog.problem is not None
    assert expected in dialog.problem
    assert not ok_button(dialog).isEnabled()
    shown = [label.text() for label in dialog.findChildren(QtWidgets.QLabel)]
    assert any(expected in text for text in shown)
    dialog.accept()
    assert dialog.result() != QtWidgets.QDialog.DialogCode.Accepted
    assert dialog.isVisible()


def test_the_bad_cell_is_highlighted_in_the_preview(qtbot, tmp_path):
    path = write(tmp_path / "typo.csv", "a,b,label\n1,2,x\n3,oops,y\n5,6,x\n7,8,y\n9,10,x\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    preview = dialog.findChild(QtWidgets.QTableView, "csvPreview")
    model = preview.model()
    # Line 3 of the file is the second data row; column 'b' is the second column.
    assert model.marked_cell == (1, 1)
    marked = model.data(model.index(1, 1), Qt.ItemDataRole.BackgroundRole)
    plain = model.data(model.index(0, 1), Qt.ItemDataRole.BackgroundRole)
    assert marked is not None and plain is None
    # Leaving the column out fixes the problem and clears the mark.
    dialog.set_column_role("b", is_input=False)
    assert dialog.validate()
    assert model.marked_cell is None


def test_unreadable_file_offers_only_to_close(qtbot, tmp_path):
    path = write(tmp_path / "ragged.csv", "a,b\n1,2\n3\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.table is None
    assert dialog.input_columns() == () and dialog.target_columns() == ()
    assert not dialog.validate()
    assert "ragged.csv: line 3 has 1 field" in (dialog.problem or "")
    with pytest.raises(DataError, match="line 3"):
        dialog.result_spec()


def test_ticking_two_targets_for_classification_is_refused(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    dialog.set_column_role("sepal_width", is_target=True)
    # Two targets make the guess regression; the user insists on classification.
    assert dialog.task() == "regression"
    dialog.set_task("classification")
    assert not dialog.validate()
    assert "exactly one target" in (dialog.problem or "")


def test_no_inputs_is_refused_until_one_is_ticked(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    dialog.set_column_role("sepal_length", is_input=False)
    dialog.set_column_role("sepal_width", is_input=False)
    assert not dialog.validate()
    assert "input column" in (dialog.problem or "")
    dialog.set_column_role("sepal_width", is_input=True)
    # Edits are checked after a short pause; the import button waits for the check.
    qtbot.waitUntil(lambda: ok_button(dialog).isEnabled(), timeout=15000)
    assert dialog.result_spec().features == ("sepal_width",)


def test_initial_choice_is_restored(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    initial = CsvData(
        csv="data/flowers.csv",
        target=("species",),
        task="classification",
        features=("sepal_width",),
        standardize=False,
        validation_fraction=0.5,
        seed=7,
    )
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    assert dialog.result_spec() == initial


def test_space_toggles_a_checkbox_from_the_keyboard(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    dialog.show()
    roles = dialog.findChild(QtWidgets.QTableWidget)
    roles.setFocus()
    roles.setCurrentCell(0, 2)  # sepal_length, Input
    qtbot.keyClick(roles, Qt.Key.Key_Space)
    assert "sepal_length" not in dialog.input_columns()


def test_the_file_is_read_once_unless_it_changes(qtbot, tmp_path, monkeypatch):
    from nnstudio.ui import csv_import

    reloads: list[CsvData] = []
    real_load = csv_import.load_dataset

    def counting_load(spec, base_dir):
        reloads.append(spec)
        return real_load(spec, base_dir)

    monkeypatch.setattr(csv_import, "load_dataset", counting_load)
    bad = write(tmp_path / "nan.csv", "a,b,label\n1,2,x\nnan,4,y\n5,6,x\n7,8,y\n")
    dialog = open_dialog(qtbot, bad, tmp_path)
    assert "line 3, column 'a'" in (dialog.problem or "")
    assert reloads == []

    builds: list[CsvData] = []
    real_build = csv_import.dataset_from_table

    def counting_build(table, spec, *, source):
        builds.append(spec)
        return real_build(table, spec, source=source)

    monkeypatch.setattr(csv_import, "dataset_from_table", counting_build)
    path = flower_csv(tmp_path)
    good = open_dialog(qtbot, path, tmp_path)
    assert good.problem is None and reloads == []
    checked = len(builds)
    with qtbot.waitSignal(good.accepted, timeout=15000):
        ok_button(good).click()
    # Importing keeps the data checked from the rows already read: no second read, and no
    # second build of what was just checked (a large file took seconds for each).
    assert reloads == [] and len(builds) == checked
    assert good.dataset.n_train + good.dataset.n_val == 6

    # A file changed on disk since it was read is read again, and shown before importing.
    again = open_dialog(qtbot, path, tmp_path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("6.5,3.0,setosa,g\n")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000_000))
    ok_button(again).click()
    assert again.result() == 0 and again.table.n_rows == 7
    qtbot.waitUntil(lambda: ok_button(again).isEnabled(), timeout=15000)
    with qtbot.waitSignal(again.accepted, timeout=15000):
        ok_button(again).click()
    # The rows read again are built on: the file is not read a third time.
    assert reloads == []
    assert again.dataset.n_train + again.dataset.n_val == 7


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("header.csv", "a,b,label\n", "header.csv: has 0 data rows; training needs at least 2"),
        ("single.csv", "label\n0\n1\n0\n1\n", "has only one column ('label')"),
        (
            # Quoted between commas, a decimal comma is not guessed (semicolons are read).
            "comma.csv",
            'a,b,label\n"0,5","0,25",q\n"1,5","1,25",p\n"2,5","2,25",q\n',
            "line 2, column 'a': '0,5' is not a number (write decimals with a point",
        ),
    ],
)
def test_files_without_usable_inputs_say_why_before_anything_is_ticked(
    qtbot, tmp_path, name, text, expected
):
    # These used to say only "Tick at least one input column."
    dialog = open_dialog(qtbot, write(tmp_path / name, text), tmp_path)
    assert dialog.input_columns() == ()
    assert expected in (dialog.problem or "")
    assert not ok_button(dialog).isEnabled()


def test_numbers_beyond_float32_are_pointed_out_before_importing(qtbot, tmp_path):
    path = write(tmp_path / "big.csv", "a,b,label\n1,2,x\n3,-5e300,y\n5,6,x\n7,8,y\n")
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.problem is None
    warning = dialog.warning or ""
    assert warning.startswith("big.csv: line 3, column 'b': -5e300 is too large for float32")
    assert "choose float64" in warning
    shown = [label.text() for label in dialog.findChildren(QtWidgets.QLabel)]
    assert any("✓" in text and warning in text for text in shown)
    assert dialog.findChild(QtWidgets.QTableView, "csvPreview").model().marked_cell == (1, 1)
    # The precision may be changed after importing: the choice can still be imported.
    assert ok_button(dialog).isEnabled()
    assert open_dialog(qtbot, path, tmp_path, dtype="float64").warning is None


def prices_csv(folder: Path) -> Path:
    rows = ["sqft,price"] + [f"{500 + 50 * i},{150 * (500 + 50 * i) + 20_000}" for i in range(40)]
    return write(folder / "prices.csv", "\n".join(rows) + "\n")


def test_regression_targets_are_standardised_unless_unticked(qtbot, tmp_path):
    dialog = open_dialog(qtbot, prices_csv(tmp_path), tmp_path)
    assert dialog.task() == "regression"
    box = dialog._standardize_targets
    assert box.isEnabled() and box.isChecked()
    assert dialog.result_spec().standardize_targets
    box.setChecked(False)
    assert not dialog.result_spec().standardize_targets
    # Classes are not numbers to rescale: the choice is greyed out and not stored.
    box.setChecked(True)
    dialog.set_task("classification")
    assert not box.isEnabled()
    assert not dialog.result_spec().standardize_targets


def test_changing_columns_keeps_raw_targets_of_an_existing_project(qtbot, tmp_path):
    path = prices_csv(tmp_path)
    initial = CsvData(csv="prices.csv", target=("price",), task="regression")
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    assert not dialog._standardize_targets.isChecked()
    assert not dialog.result_spec().standardize_targets


# ---- checking edits in the background ------------------------------------------------------------


def slow_loads(monkeypatch, seconds: float) -> list[tuple[str, tuple[str, ...]]]:
    """Make loading the data slow; records each load's thread name and input columns."""
    import threading

    from nnstudio.ui import csv_import

    loads: list[tuple[str, tuple[str, ...]]] = []
    real = csv_import.dataset_from_table

    def slow(table, spec, *, source):
        loads.append((threading.current_thread().name, spec.features))
        time.sleep(seconds)
        return real(table, spec, source=source)

    monkeypatch.setattr(csv_import, "dataset_from_table", slow)
    return loads


def status_text(dialog: CsvImportDialog) -> str:
    return dialog._status.text()


def test_an_edit_is_checked_in_a_worker_thread_while_the_dialog_stays_responsive(
    qtbot, tmp_path, monkeypatch
):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    loads = slow_loads(monkeypatch, 0.3)
    dialog.set_column_role("sepal_width", is_input=False)
    qtbot.waitUntil(lambda: dialog.checking, timeout=5000)
    assert status_text(dialog) == "Checking the data…"
    assert not ok_button(dialog).isEnabled()
    # The event loop keeps turning meanwhile: a timer fires long before the check ends.
    ticks: list[float] = []
    timer = QtCore.QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    qtbot.waitUntil(lambda: ok_button(dialog).isEnabled(), timeout=5000)
    timer.stop()
    assert len(ticks) >= 5
    assert status_text(dialog).startswith("✓ ")
    assert dialog.dataset is not None and dialog.dataset.n_features == 1
    assert [name for name, _ in loads] and all(name.startswith("csv-check") for name, _ in loads)


def test_a_newer_edit_drops_the_outcome_of_an_older_check(qtbot, tmp_path, monkeypatch):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    loads = slow_loads(monkeypatch, 0.4)
    dialog.set_column_role("sepal_width", is_input=False)
    qtbot.waitUntil(lambda: len(loads) == 1, timeout=5000)  # the first check is running
    dialog.set_column_role("sepal_width", is_input=True)
    dialog.set_column_role("sepal_length", is_input=False)
    qtbot.waitUntil(lambda: ok_button(dialog).isEnabled(), timeout=5000)
    qtbot.wait(100)
    assert [features for _, features in loads][-1] == ("sepal_width",)
    assert dialog.result_spec().features == ("sepal_width",)
    assert dialog.dataset.feature_names == ("sepal_width",)  # not the first check's data


def test_import_while_a_check_runs_waits_for_it_instead_of_loading_again(
    qtbot, tmp_path, monkeypatch
):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    loads = slow_loads(monkeypatch, 0.3)
    dialog.set_column_role("sepal_width", is_input=False)
    qtbot.waitUntil(lambda: len(loads) == 1, timeout=5000)
    with qtbot.waitSignal(dialog.accepted, timeout=5000):
        dialog.accept()  # as pressing Enter would
    assert len(loads) == 1
    assert dialog.dataset is not None and dialog.dataset.feature_names == ("sepal_length",)


def test_the_dialog_opens_at_once_and_checks_the_first_guess_in_the_background(
    qtbot, tmp_path, monkeypatch
):
    path = flower_csv(tmp_path)
    loads = slow_loads(monkeypatch, 0.3)
    started = time.monotonic()
    dialog = CsvImportDialog(path, base_dir=tmp_path)
    qtbot.addWidget(dialog)
    assert time.monotonic() - started < 0.3  # it did not wait for the load
    assert dialog.checking and status_text(dialog) == "Checking the data…"
    assert not ok_button(dialog).isEnabled()
    qtbot.waitUntil(lambda: ok_button(dialog).isEnabled(), timeout=5000)
    assert status_text(dialog).startswith("✓ 6 rows")
    assert len(loads) == 1


# ---- a file that changes on disk while the dialog is open ------------------------------------


def rewrite(path: Path, text: str) -> None:
    """Replace the file's contents, with a modification time that surely differs."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2_000_000_000))


def column_list(dialog: CsvImportDialog) -> list[str]:
    roles = dialog.findChild(QtWidgets.QTableWidget)
    return [roles.item(row, 0).text() for row in range(roles.rowCount())]


def preview_headers(dialog: CsvImportDialog) -> list[str]:
    model = dialog.findChild(QtWidgets.QTableView, "csvPreview").model()
    return [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]


def test_a_file_changed_on_disk_is_shown_again_instead_of_imported(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    dialog.show()
    assert dialog.input_columns() == ("sepal_length", "sepal_width")
    rewrite(path, "sepal_width,extra,species\n1,2,x\n2,3,y\n3,4,x\n4,5,y\n")

    ok_button(dialog).click()
    # Not imported: the dialog stays open on the new contents (it used to close at once,
    # having imported columns the user had never seen).
    assert dialog.isVisible() and dialog.result() == 0
    assert column_list(dialog) == ["sepal_width", "extra", "species"]
    assert preview_headers(dialog) == ["sepal_width", "extra", "species"]
    model = dialog.findChild(QtWidgets.QTableView, "csvPreview").model()
    assert model.rowCount() == 4
    # The ticks of the columns still there are kept; the new numeric column is an input.
    assert dialog.target_columns() == ("species",)
    assert dialog.input_columns() == ("sepal_width", "extra")
    notice = dialog.notice
    assert "flowers.csv changed on disk since it was shown" in notice
    assert "4 rows instead of 6" in notice
    assert "new column: extra" in notice
    assert "columns no longer there: sepal_length, note" in notice
    assert "press Import again" in notice
    assert dialog.findChild(QtWidgets.QLabel, "csvNotice").isVisible()

    # Confirmed: Import now imports what is shown.
    qtbot.waitUntil(lambda: ok_button(dialog).isEnabled(), timeout=15000)
    assert status_text(dialog).startswith("✓ 4 rows")
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        ok_button(dialog).click()
    assert dialog.dataset.feature_names == ("sepal_width", "extra")
    assert dialog.result_spec().features is None


def test_a_changed_file_that_lost_the_target_names_it(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    rewrite(path, "sepal_length,sepal_width,kind\n1,2,x\n2,3,y\n3,4,x\n")
    dialog.accept()
    assert dialog.result() == 0
    # "kind" (what a first look would take as the target) is not made an input.
    assert dialog.target_columns() == () and dialog.input_columns() == (
        "sepal_length",
        "sepal_width",
    )
    assert "The ticked target 'species' is no longer in flowers.csv" in dialog.notice
    assert dialog.problem.startswith("The previous target 'species' is no longer in flowers.csv")
    assert not ok_button(dialog).isEnabled()


def test_a_file_only_touched_on_disk_imports_at_once(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    rewrite(path, path.read_text(encoding="utf-8"))  # same bytes, another time
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        ok_button(dialog).click()
    assert dialog.notice == ""
    assert dialog.dataset.n_train + dialog.dataset.n_val == 6


def test_a_file_that_became_unreadable_is_refused_with_its_reason(qtbot, tmp_path):
    path = flower_csv(tmp_path)
    dialog = open_dialog(qtbot, path, tmp_path)
    path.write_bytes(b"\x00\x01\x02garbage")
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 2_000_000_000))
    dialog.accept()
    assert dialog.result() == 0
    assert dialog.problem.startswith(
        "flowers.csv changed on disk since it was shown and can no longer be read: "
    )
    assert "NUL" in dialog.problem
    assert not ok_button(dialog).isEnabled()


# ---- "Change columns…" on a file that lost the chosen columns ---------------------------------


def test_change_columns_names_the_target_no_longer_in_the_file(qtbot, tmp_path):
    path = write(tmp_path / "data" / "flowers.csv", "a,b\n1,2\n3,4\n5,6\n")
    initial = CsvData(
        csv="data/flowers.csv",
        target=("species",),
        task="classification",
        features=("sepal_length", "a"),
    )
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    # It said only "Tick a target column".
    assert dialog.problem == (
        "The previous target 'species' is no longer in flowers.csv. "
        "Tick a target column: the value the network should predict."
    )
    assert dialog.notice == (
        "The previous target 'species' is no longer in flowers.csv. "
        "The previous input 'sepal_length' is no longer in flowers.csv. It is left out."
    )
    assert dialog.input_columns() == ("a",)


def test_change_columns_names_the_inputs_no_longer_in_the_file(qtbot, tmp_path):
    path = write(tmp_path / "data" / "flowers.csv", "x,species\n1,a\n2,b\n3,a\n4,b\n")
    initial = CsvData(
        csv="data/flowers.csv",
        target=("species",),
        task="classification",
        features=("sepal_length", "sepal_width"),
    )
    dialog = open_dialog(qtbot, path, tmp_path, initial=initial)
    assert dialog.problem == (
        "The previous inputs 'sepal_length', 'sepal_width' are no longer in flowers.csv. "
        "Tick at least one input column."
    )


# ---- names holding the separator ----------------------------------------------------------------


def test_names_holding_a_comma_are_quoted_in_lists():
    assert name_list(["cat, big", "dog"]) == "“cat, big”, dog"
    assert name_list(["a", "b"]) == "a, b"
    names = ["x,y"] + [f"n{i}" for i in range(7)]
    assert name_list(names, 3) == "“x,y”, n0, n1, … (5 more)"


def test_the_import_summary_tells_class_names_with_commas_apart(qtbot, tmp_path):
    path = write(
        tmp_path / "pets.csv",
        'w,kind\n1,"cat, big"\n2,dog\n3,"cat, big"\n4,dog\n5,dog\n',
    )
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.dataset.class_names == ("cat, big", "dog")
    # It read "2 classes: cat, big, dog": three names at a glance.
    assert dataset_summary(dialog.dataset).endswith("2 classes: “cat, big”, dog")
    assert status_text(dialog).endswith("2 classes: “cat, big”, dog")
