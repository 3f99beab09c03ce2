"""Work the window's thread no longer does while a large CSV file's import dialog opens and
when its data goes into the Data dock: sizing the preview's columns without asking the model
for every role of every cell, guessing the task without importing numpy.ma, and checking the
first choice only once the dialog has painted."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from nnstudio.ui.csv_import import CsvImportDialog, TextTableModel, fit_columns
from nnstudio.ui.qt import QtGui, QtWidgets

pytestmark = pytest.mark.gui


def preview_table(qtbot, point_size: float | None = None) -> QtWidgets.QTableView:
    """A preview of 100 rows: numbers, words, empty cells, a two-line cell, a long heading."""
    rng = np.random.default_rng(0)
    numbers = rng.normal(size=(100, 6)) * 10.0 ** rng.integers(0, 6, size=(100, 6))
    words = np.array(["setosa", "versicolor", "x", "", "Ünïcode wörds"], dtype=object)
    cells = np.column_stack(
        [
            np.array([[f"{v:.4f}" for v in row] for row in numbers], dtype=object),
            words[np.arange(100) % len(words)],
            np.array(["a\nmuch longer second line" if i == 7 else "b" for i in range(100)]),
        ]
    )
    headers = [f"f{i}" for i in range(6)] + ["species", "a rather long column heading"]
    view = QtWidgets.QTableView()
    qtbot.addWidget(view)
    if point_size is not None:
        font = QtGui.QFont(view.font())
        font.setPointSizeF(point_size)
        view.setFont(font)
    model = TextTableModel(view)
    view.setModel(model)
    view.horizontalHeader().setMinimumSectionSize(40)
    model.set_contents(headers, cells, numeric=[True] * 6 + [False, False])
    view.resize(900, 400)
    view.show()
    return view


@pytest.mark.parametrize("point_size", [None, 18.0])
def test_columns_get_the_widths_qt_measures(qtbot, point_size):
    view = preview_table(qtbot, point_size)
    header = view.horizontalHeader()
    view.resizeColumnsToContents()
    expected = [header.sectionSize(column) for column in range(header.count())]
    for column in range(header.count()):
        header.resizeSection(column, 10)
    fit_columns(view)
    assert [header.sectionSize(column) for column in range(header.count())] == expected


def test_columns_are_sized_without_asking_for_every_cell(qtbot, monkeypatch):
    view = preview_table(qtbot)
    model = view.model()
    asked: list[int] = []
    real_data = TextTableModel.data

    def counting_data(self, index, role=0):
        asked.append(role)
        return real_data(self, index, role)

    monkeypatch.setattr(TextTableModel, "data", counting_data)
    fit_columns(view)
    # Qt asked eight roles of each of the 800 cells.
    assert len(asked) < model.rowCount() * model.columnCount() / 10


def test_guessing_the_task_of_a_numeric_target_imports_nothing(tmp_path):
    """np.unique's first call in a session imports numpy.ma (10-50 ms while the import
    dialog opened); the guess counts distinct values without it."""
    path = tmp_path / "labels.csv"
    path.write_text("a,label\n" + "".join(f"{i},{i % 3}\n" for i in range(50)), encoding="utf-8")
    script = (
        "import sys\n"
        "from nnstudio.data import read_csv_table\n"
        "from nnstudio.ui.csv_import import guess_task\n"
        f"table = read_csv_table({str(path)!r})\n"
        "assert 'numpy.ma' not in sys.modules, 'imported before the guess'\n"
        "print(guess_task(table, ('label',)), guess_task(table, ('a',)))\n"
        "print('numpy.ma' in sys.modules)\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.split() == ["classification", "regression", "False"]


def test_the_first_check_starts_once_the_dialog_has_painted(qtbot, tmp_path, monkeypatch):
    """The check's thread and the first paint took turns at the interpreter lock: the
    dialog of a large file appeared about 50 ms later."""
    path = tmp_path / "flowers.csv"
    rows = ["a,b,species"] + [f"{i % 7}.5,{i % 5}.25,{('x', 'y')[i % 2]}" for i in range(40)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    painted_at_start: list[bool] = []
    real_start = CsvImportDialog._check_in_background

    def recording_start(self):
        painted_at_start.append(self.isVisible() and getattr(self, "_painted", False))
        real_start(self)

    monkeypatch.setattr(CsvImportDialog, "_check_in_background", recording_start)
    dialog = CsvImportDialog(path, base_dir=tmp_path)
    qtbot.addWidget(dialog)
    assert dialog.checking and dialog.problem is None
    dialog.show()
    qtbot.waitUntil(lambda: not dialog.checking, timeout=15000)
    assert painted_at_start == [True]
    assert dialog.problem is None and dialog.dataset is not None

    # Never shown (a test, a script), it is checked all the same.
    hidden = CsvImportDialog(path, base_dir=tmp_path)
    qtbot.addWidget(hidden)
    qtbot.waitUntil(lambda: not hidden.checking, timeout=15000)
    assert hidden.dataset is not None
