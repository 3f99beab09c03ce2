"""File › Export…: what the dialog shows for each export, at its default and smallest size."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.document import StudioDocument
from nnstudio.ui.export_dialog import ExportDialog, export_choices
from nnstudio.ui.qt import QtCore, QtWidgets

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ExportDialog:
    """The dialog for a new project with freshly initialised weights, shown."""
    monkeypatch.chdir(tmp_path)
    shown = ExportDialog(StudioDocument(), None, None, tmp_path)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def settle() -> None:
    """Let the layouts apply a change (they do so on a posted event)."""
    QtWidgets.QApplication.processEvents()


def smallest(dialog: QtWidgets.QDialog) -> None:
    """Resize to the smallest size the user can drag the dialog to."""
    dialog.resize(1, 1)
    settle()


def left_edge(widget: QtWidgets.QWidget, dialog: QtWidgets.QDialog) -> int:
    return widget.mapTo(dialog, QtCore.QPoint(0, 0)).x()


def fits_one_line(label: QtWidgets.QLabel) -> bool:
    metrics = label.fontMetrics()
    return (
        metrics.horizontalAdvance(label.text()) <= label.contentsRect().width()
        and label.height() < 2 * metrics.lineSpacing()
    )


@pytest.mark.parametrize("key", [choice.key for choice in export_choices()])
def test_each_description_is_one_whole_line_without_gaps_around_it(dialog, key) -> None:
    dialog.select(key)
    settle()
    # A wrapping label reserved two lines for one, leaving a blank band under the list.
    assert fits_one_line(dialog.description)
    smallest(dialog)
    assert fits_one_line(dialog.description)


def test_the_untrained_note_lines_up_with_the_fields_on_one_line(dialog) -> None:
    note = dialog.weights_note
    dialog.select("npz")
    settle()
    assert note.isVisible() and "not been trained" in note.text()
    assert left_edge(note, dialog) == left_edge(dialog.path_edit, dialog)
    assert fits_one_line(note)
    smallest(dialog)
    assert fits_one_line(note)
    # The diagram is not the weights: no note, and no empty row where it was.
    dialog.select("diagram-svg")
    settle()
    assert not note.isVisible()
    assert not dialog.form.isRowVisible(note)


def test_labels_end_in_a_colon_and_take_the_keyboard(qtbot, dialog) -> None:
    dialog.select("plots-png")
    settle()
    labels = [
        label
        for label in dialog.findChildren(QtWidgets.QLabel)
        if label.buddy() is not None and label.isVisible()
    ]
    # Export, Plot and File, written like the labels of the studio's other dialogs.
    assert {label.buddy() for label in labels} == {
        dialog.format_combo,
        dialog.tab_combo,
        dialog.path_edit,
    }
    assert all(label.text().endswith(":") for label in labels)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    qtbot.keyClick(dialog, QtCore.Qt.Key.Key_F, QtCore.Qt.KeyboardModifier.AltModifier)
    assert dialog.path_edit.hasFocus()
    qtbot.keyClick(dialog, QtCore.Qt.Key.Key_E, QtCore.Qt.KeyboardModifier.AltModifier)
    assert dialog.format_combo.hasFocus()
