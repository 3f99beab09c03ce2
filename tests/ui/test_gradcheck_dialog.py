"""Train › Check gradients…: the report a user sees, for a correct and a broken backprop,
and the progress, cancellation and closing of a long check."""

from __future__ import annotations

import re
import threading
from types import SimpleNamespace

import pytest

from nnstudio.engine.gradcheck import GradCheckProgress
from nnstudio.engine.network import Network
from nnstudio.spec import LayerSpec, NetworkSpec
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.gradcheck_dialog import GradientCheckDialog, progress_text
from nnstudio.ui.qt import Qt, QtWidgets

pytestmark = pytest.mark.gui

COMPARED = 4  # the table's count of compared parameters
VERDICT = 6  # the table's verdict column
CHECK_TIMEOUT_MS = 60_000
#: How long a cancelled or closed check may take to end: a few evaluations of the loss of the
#: big network below take well under a second, the whole check half a minute or more.
STOP_TIMEOUT_MS = 10_000


@pytest.fixture
def document(qtbot, tmp_path, monkeypatch) -> StudioDocument:
    monkeypatch.chdir(tmp_path)
    return StudioDocument()


def finished(qtbot, dialog: GradientCheckDialog) -> GradientCheckDialog:
    qtbot.waitUntil(lambda: not dialog.running, timeout=CHECK_TIMEOUT_MS)
    return dialog


@pytest.fixture
def big_document(document: StudioDocument) -> StudioDocument:
    """A network whose whole check takes half a minute or more on all 320 examples."""
    wide = NetworkSpec(
        2, (LayerSpec(1024, "tanh"), LayerSpec(1024, "tanh"), LayerSpec(1, "sigmoid"))
    )
    assert document.set_network(wide, "Widen")
    return document


def started_on_every_example(qtbot, document: StudioDocument) -> GradientCheckDialog:
    """A dialog checking ``document`` on all its examples, once the first entries are measured."""
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.samples.setValue(dialog.samples.maximum())
    dialog.start()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=CHECK_TIMEOUT_MS)
    return dialog


def test_the_train_menu_checks_the_current_network(qtbot, window, monkeypatch) -> None:
    window.open_sample("spiral")
    opened: list[GradientCheckDialog] = []
    monkeypatch.setattr(GradientCheckDialog, "exec", lambda dialog: opened.append(dialog) or 0)
    train_menu = next(
        action.menu() for action in window.menuBar().actions() if action.text() == "&Train"
    )
    assert window.gradcheck_action in train_menu.actions()
    window.gradcheck_action.trigger()
    (dialog,) = opened
    # The check runs in a thread: the dialog is up and busy while it does.
    assert dialog.running and not dialog.check_button.isEnabled()
    finished(qtbot, dialog)
    layers = window.document.project.network.layers
    assert dialog.table.rowCount() == len(layers) == 3
    assert [dialog.table.item(row, 0).text() for row in range(3)] == [
        "1 · tanh",
        "2 · tanh",
        "3 · sigmoid",
    ]
    assert dialog.table.item(0, 1).text() == "2 × 16"
    # 16 × 16 weights are more than a layer's 200 compared at most: the count says it sampled.
    assert [dialog.table.item(row, COMPARED).text() for row in range(3)] == [
        "48",
        "216 of 272",
        "17",
    ]
    assert "random sample of 200 weights" in dialog.intro.text()
    assert all(dialog.table.item(row, VERDICT).text() == "ok" for row in range(3))
    assert dialog.report is not None and dialog.report.max_error < 1e-6
    assert "passed" in dialog.summary.text()
    assert dialog.check_button.isEnabled()
    # The progress gave way to the report.
    assert dialog.results.currentWidget() is dialog.table


def test_a_wrong_backpropagation_fails_in_the_layer_it_breaks(qtbot, document, monkeypatch):
    real = Network.loss_and_gradients

    def wrong_first_layer(self, *args, **kwargs):
        loss, grads = real(self, *args, **kwargs)
        dW, db = grads[0]
        grads[0] = (dW * 1.001, db)  # a 0.1 % slip, as a wrong derivative would make
        return loss, grads

    monkeypatch.setattr(Network, "loss_and_gradients", wrong_first_layer)
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.start()
    finished(qtbot, dialog)
    assert dialog.table.item(0, VERDICT).text() == "FAIL"
    assert dialog.table.item(1, VERDICT).text() == "ok"
    assert float(dialog.table.item(0, 2).text()) == pytest.approx(5e-4, rel=0.01)
    assert "FAILED" in dialog.summary.text()
    assert dialog.table.item(0, VERDICT).foreground().color().red() > 150


def test_examples_and_step_are_the_users_to_choose(qtbot, document) -> None:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    assert dialog.samples.maximum() == document.dataset.n_train
    dialog.samples.setValue(4)
    dialog.epsilon.setCurrentIndex(dialog.epsilon.findText("1e-05"))
    dialog.start()
    assert "on 4 examples" in dialog.summary.text()
    finished(qtbot, dialog)
    assert dialog.report is not None and dialog.report.epsilon == 1e-5
    assert dialog.report.passed()


def test_the_lecture_notes_step_is_offered_and_judged_for_its_size(qtbot, document) -> None:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    assert dialog.epsilon.currentText() == "1e-06"  # the default stays
    dialog.epsilon.setCurrentIndex(dialog.epsilon.findText("0.01"))
    assert dialog.epsilon.currentData() == 0.01
    dialog.start()
    finished(qtbot, dialog)
    assert dialog.report is not None and dialog.report.epsilon == 0.01
    # A correct backpropagation passes: the tolerance allows the step's ε² truncation error.
    assert "passed" in dialog.summary.text() and "tolerance 0.0001" in dialog.summary.text()


def test_without_data_the_dialog_says_why(qtbot, document) -> None:
    missing = SimpleNamespace(
        project=document.project,
        dataset=None,
        dataset_error="the file points.csv does not exist",
        weights=None,
    )
    dialog = GradientCheckDialog(missing)
    qtbot.addWidget(dialog)
    dialog.start()
    assert not dialog.running
    assert "points.csv does not exist" in dialog.summary.text()
    assert dialog.table.rowCount() == 0


def test_closing_during_a_check_leaves_nothing_running(qtbot, document) -> None:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start()
    dialog.reject()
    assert not dialog.running and not dialog.isVisible()
    QtWidgets.QApplication.processEvents()


def whole(label: QtWidgets.QLabel) -> bool:
    """Whether a wrapped label has the height all its lines take at its width."""
    return label.height() >= label.heightForWidth(label.width())


def test_at_its_smallest_the_dialog_shows_all_text_and_some_layers(qtbot, document) -> None:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.start()
    finished(qtbot, dialog)
    dialog.resize(1, 1)  # as far as the user can drag it
    QtWidgets.QApplication.processEvents()
    # The explanation kept all its lines instead of running under the controls.
    assert whole(dialog.intro) and whole(dialog.summary)
    assert dialog.intro.geometry().bottom() < dialog.check_button.geometry().top()
    # The report shows its layers, not its header only, with its columns side by side.
    table = dialog.table
    assert table.viewport().height() >= 2 * table.rowHeight(0)
    header = table.horizontalHeader()
    assert sum(header.sectionSize(c) for c in range(header.count())) <= table.viewport().width()


def test_a_long_problem_keeps_all_its_lines_in_a_narrow_dialog(qtbot, document) -> None:
    missing = SimpleNamespace(
        project=document.project,
        dataset=None,
        dataset_error="the file " + "/very/long/folder" * 12 + "/points.csv does not exist",
        weights=None,
    )
    dialog = GradientCheckDialog(missing)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.start()
    dialog.resize(1, 1)
    QtWidgets.QApplication.processEvents()
    assert dialog.summary.heightForWidth(dialog.summary.width()) > 3 * dialog.fontMetrics().height()
    assert whole(dialog.summary) and whole(dialog.intro)


def test_widened_again_the_explanation_gives_back_the_lines_it_took(qtbot, document) -> None:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    intro = dialog.intro
    probe = QtWidgets.QLabel(intro.text())
    probe.setWordWrap(True)
    probe.setTextFormat(intro.textFormat())
    probe.setFont(intro.font())
    default = dialog.size()
    dialog.resize(1, 1)
    QtWidgets.QApplication.processEvents()
    narrow = intro.height()
    dialog.resize(default)
    QtWidgets.QApplication.processEvents()
    # As many lines as the text takes at its width, with no blank line left from narrowing.
    assert intro.height() == probe.heightForWidth(intro.width()) < narrow


def test_without_data_nothing_offers_to_start_a_check(qtbot, document) -> None:
    missing = SimpleNamespace(
        project=document.project, dataset=None, dataset_error="no rows", weights=None
    )
    dialog = GradientCheckDialog(missing)
    qtbot.addWidget(dialog)
    dialog.start()
    assert "no rows" in dialog.summary.text()
    assert not dialog.check_button.isEnabled()
    assert not dialog.samples.isEnabled() and not dialog.epsilon.isEnabled()


def test_examples_and_step_stay_as_the_running_check_uses_them(qtbot, document) -> None:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.samples.setValue(4)
    dialog.start()
    assert "on 4 examples" in dialog.summary.text()
    assert not dialog.samples.isEnabled() and not dialog.epsilon.isEnabled()
    finished(qtbot, dialog)
    assert dialog.samples.isEnabled() and dialog.epsilon.isEnabled()
    assert dialog.check_button.isEnabled()


def test_every_column_of_the_results_has_a_heading(qtbot, document) -> None:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.start()
    finished(qtbot, dialog)
    table = dialog.table
    headings = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert all(headings), headings
    # The last column holds each layer's verdict, its heading above them on the left.
    assert headings[-1] == "Result"
    alignment = table.horizontalHeaderItem(table.columnCount() - 1).textAlignment()
    assert alignment & Qt.AlignmentFlag.AlignLeft
    assert table.item(0, table.columnCount() - 1).text() == "ok"


def test_the_progress_line_names_layer_tensor_and_pass() -> None:
    first = GradCheckProgress(
        layer=2, layers=3, tensor="W", done=120, entries=200, step=1e-6, remeasuring=False,
        fraction=0.4,
    )  # fmt: skip
    assert progress_text(first) == "Layer 2 of 3 · weights · 120 / 200"
    again = GradCheckProgress(
        layer=1, layers=3, tensor="b", done=40, entries=1_200, step=1e-5, remeasuring=True,
        fraction=0.1,
    )  # fmt: skip
    assert progress_text(again) == (
        "Layer 1 of 3 · biases, measured again with step 1e-05 · 40 / 1,200"
    )


def test_a_long_check_shows_its_progress_and_stops_at_cancel(qtbot, big_document) -> None:
    dialog = started_on_every_example(qtbot, big_document)
    # What is measured and how far the check has come, in place of the empty report.
    assert dialog.results.currentWidget() is dialog.progress_panel
    assert dialog.progress_panel.isVisible() and dialog.cancel_button.isEnabled()
    assert re.fullmatch(
        r"Layer [1-3] of 3 · (weights|biases)(, measured again with step \S+)? · \d+ / \d+",
        dialog.progress_label.text(),
    ), dialog.progress_label.text()
    first = dialog.progress_bar.value()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > first, timeout=CHECK_TIMEOUT_MS)
    assert dialog.running
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert not dialog.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: not dialog.running, timeout=STOP_TIMEOUT_MS)
    assert dialog.summary.text() == "Check cancelled."
    assert dialog.report is None and dialog.table.rowCount() == 0
    assert dialog.results.currentWidget() is dialog.table
    assert dialog.check_button.isEnabled() and dialog.samples.isEnabled()


def test_a_cancelled_check_can_be_run_again(qtbot, big_document) -> None:
    dialog = started_on_every_example(qtbot, big_document)
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.running, timeout=STOP_TIMEOUT_MS)
    assert dialog.summary.text() == "Check cancelled."
    dialog.samples.setValue(1)  # quick
    dialog.start()
    assert dialog.cancel_button.isEnabled()
    finished(qtbot, dialog)
    assert dialog.report is not None and dialog.report.passed()
    assert "passed" in dialog.summary.text()
    assert dialog.table.rowCount() == 3


def test_closing_the_dialog_stops_the_checking_thread(qtbot, big_document) -> None:
    before = set(threading.enumerate())
    dialog = started_on_every_example(qtbot, big_document)
    workers = set(threading.enumerate()) - before
    assert workers, "the check runs in a thread of its own"
    dialog.reject()
    assert not dialog.running and not dialog.isVisible()
    # Nothing goes on computing for a dialog that is gone.
    qtbot.waitUntil(
        lambda: not any(worker.is_alive() for worker in workers), timeout=STOP_TIMEOUT_MS
    )


def test_the_explanation_never_breaks_a_formula_across_lines(qtbot, document) -> None:
    from nnstudio.ui.qt import QtGui

    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    text = QtGui.QTextDocument()
    text.setDefaultFont(dialog.intro.font())
    text.setHtml(dialog.intro.text())
    plain = text.firstBlock().text().replace("\u00a0", " ")
    formulas = [
        "(J(θ + ε) − J(θ − ε)) / 2ε",
        "‖gbackprop − gnumeric‖",
        "(‖gbackprop‖ + ‖gnumeric‖)",
    ]
    for width in range(240, 720, 8):
        text.setTextWidth(width)
        text.documentLayout().documentSize()  # lays the text out
        layout = text.firstBlock().layout()
        starts = [layout.lineAt(index).textStart() for index in range(layout.lineCount())]
        assert len(starts) >= 3  # wrapped
        for formula in formulas:
            begin = plain.index(formula)
            inside = [start for start in starts if begin < start < begin + len(formula)]
            assert not inside, (formula, width)


def test_after_l1_training_weights_at_zero_are_left_out_and_the_check_passes(
    qtbot, document
) -> None:
    from dataclasses import replace

    import numpy as np

    from nnstudio.workflow import build_network

    assert document.set_training(replace(document.project.training, l1=0.003), "L1")
    weights = [(W.copy(), b.copy()) for W, b in build_network(document.project).weights()]
    # As L1 training leaves them: a hair from zero, closer than the step of 1e-6.
    weights[0][0].reshape(-1)[:5] = np.array([2e-9, -3e-9, 5e-10, -7e-8, 1e-8])
    document.set_weights(tuple(weights))
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.start()
    finished(qtbot, dialog)
    assert dialog.report is not None and dialog.report.excluded == 5
    assert "passed" in dialog.summary.text()
    assert "5 weight(s) closer to 0 than the step were left out" in dialog.summary.text()
