"""The import dialog on a file with pandas' unnamed index column: it opens with the header
read, and the index (which numbers the rows) is not ticked as an input."""

from __future__ import annotations

from nnstudio.data.csv import UNNAMED_FIRST_COLUMN
from nnstudio.spec import CsvData
from tests.data.test_csv_unnamed_index import PANDAS_IRIS

from .test_csv_import import ok_button, open_dialog, write


def test_the_unnamed_index_column_is_shown_but_not_an_input(qtbot, tmp_path) -> None:
    path = write(tmp_path / "iris.csv", PANDAS_IRIS)
    dialog = open_dialog(qtbot, path, tmp_path)
    assert dialog.problem is None
    assert dialog._header_box.isChecked()
    assert dialog.target_columns() == ("species",)
    assert dialog.input_columns() == ("sepal", "petal")
    assert ok_button(dialog).isEnabled()
    names = [dialog._roles.item(row, 0).text() for row in range(dialog._roles.rowCount())]
    assert names == [UNNAMED_FIRST_COLUMN, "sepal", "petal", "species"]
    with qtbot.waitSignal(dialog.accepted, timeout=15000):
        ok_button(dialog).click()
    spec = dialog.result_spec()
    assert spec == CsvData(
        csv="iris.csv",
        target=("species",),
        task="classification",
        features=("sepal", "petal"),
        standardize=True,
        validation_fraction=0.2,
        seed=0,
    )
