"""Early stopping in the Training settings dock: its minimum improvement (min_delta) beside
the patience, undoable, shown from the project, and readable in a narrow dock at 18 points."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nnstudio.io import save_project
from nnstudio.ui.docks.training_dock import MIN_DELTA_TIP, NumberField, TrainingDock
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.qt import Qt, QtCore, QtWidgets

pytestmark = pytest.mark.gui


@pytest.fixture
def document(qapp) -> StudioDocument:
    return StudioDocument()


def _dock(qtbot, document: StudioDocument, width: int = 340, height: int = 900) -> TrainingDock:
    dock = TrainingDock(document)
    qtbot.addWidget(dock)
    dock.resize(width, height)
    dock.show()
    qtbot.waitExposed(dock)
    return dock


def _type(qtbot, field: NumberField, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def test_the_minimum_improvement_counts_only_with_early_stopping(qtbot, document) -> None:
    dock = _dock(qtbot, document)
    form = dock.settings_widget
    assert document.project.training.early_stopping is None
    assert not form.min_delta.isEnabled() and not form.min_delta_label.isEnabled()
    form.early_stopping.setChecked(True)
    assert form.min_delta.isEnabled() and form.min_delta_label.isEnabled()
    form.early_stopping.setChecked(False)
    assert not form.min_delta.isEnabled()
    # Right under the patience, labelled as what it is.
    row, _role = form.form.getWidgetPosition(form.min_delta)
    assert form.form.getWidgetPosition(form.patience)[0] == row - 1
    assert form.min_delta_label.text() == "Min. improvement"
    assert form.min_delta_label.buddy() is form.min_delta


def test_the_minimum_improvement_is_applied_and_undoable(qtbot, document) -> None:
    dock = _dock(qtbot, document)
    form = dock.settings_widget
    form.early_stopping.setChecked(True)
    _type(qtbot, form.min_delta, "0.002")
    assert document.project.training.min_delta == pytest.approx(0.002)
    assert document.undo_stack.undoText() == "Change early stopping minimum improvement"
    document.undo_stack.undo()
    assert document.project.training.min_delta == 0.0
    assert form.min_delta.text() == "0"
    document.undo_stack.redo()
    assert form.min_delta.text() == "0.002"
    # Arrow keys step it in 1, 2, 5 steps like the other small quantities.
    qtbot.keyClick(form.min_delta, Qt.Key.Key_Up)
    assert document.project.training.min_delta == pytest.approx(0.005)


def test_a_negative_minimum_improvement_is_refused_with_its_name(qtbot, document) -> None:
    dock = _dock(qtbot, document)
    form = dock.settings_widget
    form.early_stopping.setChecked(True)
    before = document.project.training
    _type(qtbot, form.min_delta, "-0.1")
    assert document.project.training == before
    assert form.min_delta.property("invalid")
    assert (
        form.problem_label.text()
        == "Early stopping minimum improvement: must be >= 0, got \u22120.1"
    )


def test_the_projects_minimum_improvement_shows_when_it_opens(
    qtbot, document, tmp_path: Path
) -> None:
    dock = _dock(qtbot, document)
    form = dock.settings_widget
    project = document.project
    path = tmp_path / "patient.nnproj"
    training = replace(project.training, early_stopping=7, min_delta=0.0025)
    save_project(path, replace(project, training=training))
    document.open(path)
    assert document.project.training.min_delta == pytest.approx(0.0025)
    assert form.min_delta.text() == "0.0025" and form.min_delta.isEnabled()
    assert form.patience.value() == 7 and form.early_stopping.isChecked()


def test_the_minimum_improvement_says_what_it_means(qtbot, document) -> None:
    dock = _dock(qtbot, document)
    form = dock.settings_widget
    tip = form.min_delta.toolTip()
    assert tip == MIN_DELTA_TIP == form.min_delta_label.toolTip()
    assert "Smallest decrease of the validation loss that counts as an improvement" in tip
    assert "0: any decrease counts" in tip
    # The patience's tooltip says what happens when it runs out, as the trainer does it.
    assert "weights of the best epoch are then restored" in form.patience.toolTip()


@pytest.mark.parametrize("points", [9.0, 18.0])
def test_early_stopping_reads_whole_in_the_narrowest_dock(qtbot, app_font, document, points):
    app_font(points)
    document.set_training(replace(document.project.training, early_stopping=120, min_delta=5e-4))
    dock = _dock(qtbot, document, width=300, height=700)
    form = dock.settings_widget
    # At its narrowest (a 1024-pixel window gives it about 308 pixels).
    dock.resize(max(300, dock.minimumSizeHint().width()), 700)
    QtWidgets.QApplication.processEvents()
    viewport = dock._scroll.viewport()
    for widget in (form.early_stopping, form.patience, form.min_delta_label, form.min_delta):
        dock._scroll.ensureWidgetVisible(widget, 0, 20)
        QtWidgets.QApplication.processEvents()
        rect = QtCore.QRect(widget.mapTo(viewport, QtCore.QPoint(0, 0)), widget.size())
        assert viewport.rect().contains(rect), widget
    # Every word and number shows whole: the labels at their full width, the fields wide
    # enough for their text ("120 epochs" was cut to "120 epoc" at 18 points).
    for label in (form.early_stopping, form.min_delta_label):
        assert label.width() >= label.sizeHint().width(), label.text()
    metrics = form.patience.fontMetrics()
    text_room = form.patience.lineEdit().width()
    assert text_room >= metrics.horizontalAdvance(form.patience.text())
    assert form.min_delta.width() >= form.min_delta.fontMetrics().horizontalAdvance("0.0005")
    # The two rows do not overlap.
    patience = form.patience.mapTo(form, QtCore.QPoint(0, 0)).y() + form.patience.height()
    assert form.min_delta.mapTo(form, QtCore.QPoint(0, 0)).y() >= patience
