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


# ---- entries side by side ----------------------------------------------------------------------


def checked(qtbot, document: StudioDocument, **choices) -> GradientCheckDialog:
    """A dialog shown on ``document`` with a finished check."""
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    if choices.get("dropout"):
        dialog.dropout.setChecked(True)
    dialog.start()
    return finished(qtbot, dialog)


def entry_cells(dialog: GradientCheckDialog) -> list[list[str]]:
    table = dialog.entries
    return [
        [table.item(row, column).text() for column in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def test_the_worst_layers_entries_show_side_by_side(qtbot, document) -> None:
    from nnstudio.ui.gradcheck_dialog import _SHOWN_LAYER
    from nnstudio.workflow import gradcheck_tolerance

    dialog = checked(qtbot, document)
    report = dialog.report
    assert report is not None and dialog.entries_panel.isVisible()
    headings = [
        dialog.entries.horizontalHeaderItem(c).text() for c in range(dialog.entries.columnCount())
    ]
    assert headings == [
        "Parameter",
        "Backprop",
        "Numerical",
        "|Difference|",
        "Rel. error",
        "Result",
    ]
    # The layer that agrees worst is the one shown, and its row above is tinted.
    worst = max(range(len(report.layers)), key=lambda row: report.layers[row].error)
    assert dialog.entry_layer.currentIndex() == worst
    assert dialog.entry_layer.currentText().startswith(f"Layer {worst + 1} · ")
    for row in range(dialog.table.rowCount()):
        tinted = dialog.table.item(row, 0).background().color() == _SHOWN_LAYER
        assert tinted == (row == worst)
    layer = report.layers[worst]
    tolerance = gradcheck_tolerance(report.epsilon)
    expected = layer.worst_entries(tolerance)
    cells = entry_cells(dialog)
    assert len(cells) == len(layer.entries) == len(expected)
    assert [row[0] for row in cells] == [entry.name for entry in expected]
    first = expected[0]
    assert cells[0] == [
        first.name,
        f"{first.backprop:.9e}",
        f"{first.numeric:.9e}",
        f"{first.abs_error:.2e}",
        f"{first.rel_error:.2e}",
        "ok",
    ]
    assert all(
        re.fullmatch(rf"(W{worst + 1}\[\d+, \d+\]|b{worst + 1}\[\d+\])", row[0]) for row in cells
    )
    # Worst first: the relative errors only go down.
    errors = [float(row[4]) for row in cells]
    assert errors == sorted(errors, reverse=True)
    assert dialog.entries.item(0, 5).foreground().color().green() > 100


def test_picking_a_layer_lists_its_entries(qtbot, document) -> None:
    dialog = checked(qtbot, document)
    dialog.entry_layer.setCurrentIndex(0)
    names = [row[0] for row in entry_cells(dialog)]
    # All 2 × 4 weights and 4 biases of the first layer.
    assert len(names) == 12 and all(name.startswith(("W1[", "b1[")) for name in names)
    assert sum(name.startswith("b1[") for name in names) == 4
    # A click on a layer's row shows that layer's entries.
    table = dialog.table
    qtbot.mouseClick(
        table.viewport(),
        Qt.MouseButton.LeftButton,
        pos=table.visualItemRect(table.item(2, 3)).center(),
    )
    assert dialog.entry_layer.currentIndex() == 2
    names = [row[0] for row in entry_cells(dialog)]
    assert sorted(names) == sorted([f"W3[{i}, 0]" for i in range(4)] + ["b3[0]"])


def test_each_entry_says_where_it_sits_in_the_drawn_network(qtbot, document) -> None:
    from nnstudio.engine.gradcheck import EntryCheck
    from nnstudio.ui.gradcheck_dialog import entry_place

    assert entry_place(EntryCheck(1, "W", (0, 3), 0.0, 0.0, 1e-6), 3) == (
        "Input neuron 1 → Hidden 1 neuron 4"
    )
    assert entry_place(EntryCheck(3, "W", (3, 0), 0.0, 0.0, 1e-6), 3) == (
        "Hidden 2 neuron 4 → Output neuron 1"
    )
    assert entry_place(EntryCheck(2, "b", (4,), 0.0, 0.0, 1e-6), 3) == "bias of Hidden 2 neuron 5"
    # With the inputs' names, an input is named as the canvas names it.
    assert entry_place(EntryCheck(1, "W", (1, 3), 0.0, 0.0, 1e-6), 3, ["x1", "x2"]) == (
        "x2 → Hidden 1 neuron 4"
    )
    dialog = checked(qtbot, document)
    dialog.entry_layer.setCurrentIndex(0)
    row = next(
        r
        for r in range(dialog.entries.rowCount())
        if dialog.entries.item(r, 0).text() == "W1[1, 3]"
    )
    step = dialog.report.layers[0].weight_epsilon
    assert dialog.entries.item(row, 0).toolTip() == (
        f"{document.input_names()[1]} → Hidden 1 neuron 4 (step ε = {step:g})"
    )


def test_a_wrong_backpropagation_lists_its_failing_entries_first(qtbot, document, monkeypatch):
    real = Network.loss_and_gradients

    def wrong_first_layer(self, *args, **kwargs):
        loss, grads = real(self, *args, **kwargs)
        dW, db = grads[0]
        grads[0] = (dW * 1.001, db)
        return loss, grads

    monkeypatch.setattr(Network, "loss_and_gradients", wrong_first_layer)
    dialog = checked(qtbot, document)
    assert dialog.entry_layer.currentIndex() == 0  # the failing layer is the one shown
    cells = entry_cells(dialog)
    failing = [row for row in cells if row[5] == "FAIL"]
    # The weights fail, before anything else; the biases, which are right, do not.
    assert failing and cells[: len(failing)] == failing
    assert all(row[0].startswith("W1[") for row in failing)
    assert all(row[5] == "ok" for row in cells if row[0].startswith("b1["))
    backprop, numeric = float(failing[0][1]), float(failing[0][2])
    assert backprop == pytest.approx(1.001 * numeric, rel=1e-6)
    assert dialog.entries.item(0, 5).foreground().color().red() > 150


def test_verdicts_other_than_ok_are_explained_below_the_entries(qtbot, document) -> None:
    from nnstudio.engine.gradcheck import EntryCheck, GradCheckReport, LayerCheck

    def entry(layer: int, numeric: float, **options) -> EntryCheck:
        return EntryCheck(layer, "W", (0, 0), 1.0, numeric, 1e-6, **options)

    # A layer that passes with one entry failing on its own and one drowned in noise.
    mixed = LayerCheck(
        1, (2, 4), 1e-8, 1e-8, 2, 0, 0.0,
        entries=(entry(1, 0.999), EntryCheck(1, "b", (1,), 1e-12, 3e-12, 1e-6, noise=1e-9)),
    )  # fmt: skip
    plain = LayerCheck(2, (4, 4), 1e-9, 1e-9, 1, 0, 0.0, entries=(entry(2, 1.0),))
    failing = LayerCheck(3, (4, 1), 1e-3, 0.0, 1, 0, 0.0, entries=(entry(3, 0.998),))
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog._show_report(GradCheckReport((mixed, plain, failing), loss=0.5, epsilon=1e-6))
    assert dialog.entry_layer.currentIndex() == 2  # the failing layer
    assert not dialog.entries_note.isVisible()  # a failure in a failing layer needs no note
    dialog.entry_layer.setCurrentIndex(0)
    assert [row[5] for row in entry_cells(dialog)] == ["FAIL", "in noise"]
    note = dialog.entries_note.text()
    assert dialog.entries_note.isVisible()
    assert note.startswith("An entry fails on its own while its layer passes")
    assert "In noise: the relative error is above the tolerance" in note
    assert dialog.entries.item(1, 5).toolTip().startswith("The relative error is above")
    dialog.entry_layer.setCurrentIndex(1)
    assert not dialog.entries_note.isVisible()


# ---- dropout -------------------------------------------------------------------------------


def test_without_a_dropout_layer_dropout_is_not_offered(qtbot, document) -> None:
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    assert not dialog.dropout.isEnabled() and not dialog.dropout.isChecked()
    assert dialog.dropout.text().replace("&", "") == "With dropout (fixed masks)"
    assert dialog.dropout.toolTip().startswith("No layer of this network uses dropout")
    dialog.start()
    finished(qtbot, dialog)
    assert not dialog.dropout.isEnabled()  # nor after a check
    assert dialog.report is not None and not dialog.report.dropout


def test_with_a_dropout_layer_the_check_holds_its_masks_fixed(qtbot, document) -> None:
    from dataclasses import replace

    network = document.project.network
    assert document.set_network(
        network.with_layer(0, replace(network.layers[0], dropout=0.3)), "Dropout"
    )
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.dropout.isEnabled() and not dialog.dropout.isChecked()
    tip = dialog.dropout.toolTip()
    assert "drawn once and used for every evaluation of the loss" in tip and "valid" in tip
    dialog.dropout.setChecked(True)
    dialog.start()
    assert "with dropout (fixed masks)" in dialog.summary.text()
    assert not dialog.dropout.isEnabled()  # fixed while the check runs
    assert not dialog.entries_panel.isVisible()  # no entries until there is a report
    finished(qtbot, dialog)
    report = dialog.report
    assert report is not None and report.dropout and report.passed()
    assert "dropout with fixed masks" in dialog.summary.text()
    assert dialog.dropout.isEnabled() and dialog.entries_panel.isVisible()
    # Unticked, the same network is checked without dropout.
    dialog.dropout.setChecked(False)
    dialog.start()
    finished(qtbot, dialog)
    assert not dialog.report.dropout and dialog.report.loss != pytest.approx(report.loss)


# ---- bad input -------------------------------------------------------------------------------


def test_weights_that_are_not_finite_are_named_and_nothing_runs(qtbot, document) -> None:
    import numpy as np

    from nnstudio.workflow import build_network

    weights = [(W.copy(), b.copy()) for W, b in build_network(document.project).weights()]
    weights[1][0][2, 3] = np.nan
    document.set_weights(tuple(weights))
    before = set(threading.enumerate())
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.start()
    # Only threads started since count: the idle worker of an earlier test's dialog, closed
    # or collected, ends in its own time, possibly just now.
    started = set(threading.enumerate()) - before
    assert not dialog.running and not started
    assert dialog.summary.text() == (
        "The check cannot run: the weights are not all finite: W2[2, 3] is nan (1 of layer "
        "2's 16 weights is not a finite number); reset the weights first."
    )
    assert "fef2f2" in dialog.summary.styleSheet()  # shown as a problem
    assert dialog.table.rowCount() == 0 and not dialog.entries_panel.isVisible()


# ---- room ----------------------------------------------------------------------------------


def columns_fit(table: QtWidgets.QTableWidget) -> bool:
    header = table.horizontalHeader()
    return sum(header.sectionSize(c) for c in range(header.count())) <= table.viewport().width()


def test_at_its_smallest_the_entries_show_every_column_and_five_rows(qtbot, document) -> None:
    dialog = checked(qtbot, document)
    dialog.resize(1, 1)
    QtWidgets.QApplication.processEvents()
    entries = dialog.entries
    assert entries.viewport().height() >= 5 * entries.rowHeight(0)
    assert columns_fit(entries) and columns_fit(dialog.table)
    assert whole(dialog.entries_hint) and whole(dialog.summary) and whole(dialog.intro)
    # Nothing runs into anything else.
    assert dialog.table.geometry().bottom() < dialog.entries_panel.geometry().top()
    assert dialog.entries_panel.geometry().bottom() < dialog.summary.geometry().top()


def test_at_a_large_font_the_entries_are_whole(qtbot, app_font, monkeypatch, document) -> None:
    from nnstudio.ui.qt import QtCore, QtGui

    available = QtCore.QRect(0, 0, 1920, 1040)  # a full HD screen
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda screen: available)
    app_font(18)
    dialog = checked(qtbot, document)
    QtWidgets.QApplication.processEvents()
    entries = dialog.entries
    assert dialog.report_room().isNull()
    assert columns_fit(entries) and not entries.horizontalScrollBar().isVisible()
    # Rows as tall as their text needs, with room around it, and the five worst in view.
    assert entries.rowHeight(0) >= entries.fontMetrics().height() + 8
    assert entries.viewport().height() >= 5 * entries.rowHeight(0)
    # Every number is as wide as its column allows: none is cut.
    header = entries.horizontalHeader()
    for column in range(entries.columnCount()):
        assert header.sectionSize(column) >= entries.sizeHintForColumn(column)
    assert dialog.frameGeometry().height() <= available.height()


def test_switching_between_long_layers_is_quick(qtbot, document) -> None:
    import time

    wide = NetworkSpec(2, (LayerSpec(300, "tanh"), LayerSpec(300, "tanh"), LayerSpec(1, "sigmoid")))
    assert document.set_network(wide, "Widen")
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.samples.setValue(2)
    dialog.start()
    finished(qtbot, dialog)
    # 200 sampled weights and 200 biases each; refilling a filled table once took half a
    # minute.
    for row in (0, 1, 0, 1):
        started = time.perf_counter()
        dialog.entry_layer.setCurrentIndex(row)
        QtWidgets.QApplication.processEvents()
        assert dialog.entries.rowCount() == 400
        assert time.perf_counter() - started < 3.0


def _small_screen_large_font(monkeypatch, app_font):
    """An 800 × 800 screen (the offscreen platform's) and an 18 pt application font;
    returns the screen's available rectangle."""
    from nnstudio.ui.qt import QtCore, QtGui

    available = QtCore.QRect(0, 0, 800, 800)
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda screen: available)
    app_font(18)
    return available


def test_at_a_large_font_on_a_small_screen_nothing_overlaps_or_is_cut(
    qtbot, app_font, monkeypatch, document
) -> None:
    from dataclasses import replace

    available = _small_screen_large_font(monkeypatch, app_font)
    network = document.project.network
    first = replace(network.layers[0], dropout=0.2)  # the dropout check box is offered
    assert document.set_network(replace(network, layers=(first, *network.layers[1:])), "Drop")
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    # As Train › Check gradients… does: started, then shown while it runs.
    dialog.dropout.setChecked(True)
    dialog.start()
    dialog.show()
    qtbot.waitExposed(dialog)
    finished(qtbot, dialog)
    # A note below the entries, as verdicts in noise bring (its text wraps onto lines).
    report = dialog.report
    dialog._show_entries_note(report.layers[0], {"in noise", "left out"}, 1e-6, report.epsilon)
    # On the screen, and never smaller than the dialog can be (it was resized to 776 × 1061
    # with a minimum of 916 × 1255, its parts drawn over each other).
    assert dialog.frameGeometry().width() <= available.width()
    assert dialog.frameGeometry().height() <= available.height()
    minimum = dialog.minimumSizeHint()
    assert dialog.width() >= minimum.width() and dialog.height() >= minimum.height()
    # What does not fit scrolls, at its full height.
    content = dialog.content
    assert dialog.scroll.verticalScrollBar().maximum() > 0
    assert content.height() >= content.minimumSizeHint().height()
    # Top to bottom, nothing over anything else, and every text whole.
    controls = [dialog.samples.parentWidget(), dialog.dropout, dialog.check_button]
    assert dialog.intro.geometry().bottom() < min(c.geometry().top() for c in controls)
    assert max(c.geometry().bottom() for c in controls) < dialog.results.geometry().top()
    assert dialog.results.geometry().bottom() < dialog.entries_panel.geometry().top()
    assert dialog.entries_panel.geometry().bottom() < dialog.summary.geometry().top()
    assert dialog.summary.geometry().bottom() <= content.height()
    note = dialog.entries_note
    assert note.isVisible() and dialog.entries.geometry().bottom() < note.geometry().top()
    assert note.geometry().bottom() <= dialog.entries_panel.height()
    for label in (dialog.intro, dialog.summary, note, dialog.entries_hint):
        assert whole(label)
    # The controls wrap rather than run off the side: "With dropout (fi…" was cut.
    for control in controls:
        assert control.geometry().right() <= content.width()
    assert dialog.dropout.width() >= dialog.dropout.sizeHint().width()
    # The five worst entries in view, above the columns' scroll bar.
    entries = dialog.entries
    assert entries.viewport().height() >= 5 * entries.rowHeight(0)


def test_each_layers_verdict_shows_without_scrolling_sideways(
    qtbot, app_font, monkeypatch, document
) -> None:

    _small_screen_large_font(monkeypatch, app_font)
    dialog = GradientCheckDialog(document)
    qtbot.addWidget(dialog)
    dialog.start()
    dialog.show()
    qtbot.waitExposed(dialog)
    finished(qtbot, dialog)
    table = dialog.table
    assert table.horizontalScrollBar().value() == 0
    viewport = table.viewport().rect()
    for row in range(table.rowCount()):
        verdict = table.item(row, table.columnCount() - 1)
        assert verdict.text() in ("ok", "FAIL")
        assert viewport.contains(table.visualItemRect(verdict)), row
    # Right after the layer's name.
    assert table.horizontalHeader().visualIndex(table.columnCount() - 1) == 1
