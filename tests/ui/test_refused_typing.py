"""A typed value a field refused is not in the project: Save says so instead of saving, and
closing asks before leaving it behind."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from nnstudio.ui.main_window import MainWindow
from nnstudio.ui.qt import Qt, QtWidgets
from tests.ui.test_edit_guards import _active, _type_into

pytestmark = pytest.mark.gui

CTRL = Qt.KeyboardModifier.ControlModifier


def _saved_l2(path: Path) -> float:
    return json.loads(path.read_text(encoding="utf-8"))["training"]["l2"]


@pytest.fixture
def edited(qtbot, window: MainWindow, tmp_path: Path) -> Path:
    """xor saved to a file, then edited (L2 0.01): unsaved work, the window active."""
    window.open_sample("xor")
    path = window.document.save(tmp_path / "x.nnproj")
    window.document.set_training(replace(window.document.project.training, l2=0.01))
    assert window.document.is_dirty
    _active(qtbot, window)
    window.show_dock("training")
    return path


@pytest.mark.parametrize(
    ("text", "problem"),
    [("abc", "'abc' is not a number"), ("-1", "must be > 0")],
    ids=["not-a-number", "out-of-range"],
)
def test_save_stops_at_a_refused_learning_rate(
    qtbot, window: MainWindow, edited: Path, no_dialogs, text: str, problem: str
) -> None:
    field = window.training_dock.settings_widget.learning_rate
    _type_into(qtbot, field, text)
    qtbot.keyClick(field, Qt.Key.Key_S, CTRL)
    assert _saved_l2(edited) != 0.01, "saved although the typed value was refused"
    assert window.document.is_dirty
    assert window.windowTitle().startswith(f"{window.document.project.name}*")
    title, message = no_dialogs[-1]
    assert title == "Cannot save project"
    assert "Learning rate" in message and problem in message
    # What was typed stays, to be corrected.
    assert field.text() == text and field.hasFocus()


def test_a_refused_field_left_with_tab_still_stops_the_save(
    qtbot, window: MainWindow, edited: Path, no_dialogs
) -> None:
    field = window.training_dock.settings_widget.l1
    _type_into(qtbot, field, "abc")
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: not field.hasFocus())
    assert field.property("invalid")
    assert window.save() is False
    assert _saved_l2(edited) != 0.01
    assert window.document.is_dirty
    assert no_dialogs[-1][0] == "Cannot save project"
    assert "L1 λ₁: 'abc' is not a number" in no_dialogs[-1][1]
    # The keyboard goes back to the field to correct it.
    qtbot.waitUntil(field.hasFocus)
    assert field.text() == "abc"


def test_save_as_stops_at_a_refused_value_before_asking_for_a_name(
    qtbot, window: MainWindow, edited: Path, no_dialogs, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *args, **kwargs: asked.append("asked") or ("", "")),
    )
    _type_into(qtbot, window.training_dock.settings_widget.learning_rate, "abc")
    assert window.save_as() is False
    assert asked == []
    assert "Learning rate: 'abc' is not a number" in no_dialogs[-1][1]


@pytest.mark.parametrize(
    ("field_of", "text", "problem"),
    [
        (lambda page: page.bias_init, "abc", "Bias init: 'abc' is not a number"),
        (lambda page: page.init_param, "5000", "the scale must be within ±1000"),
    ],
    ids=["bias-init", "init-scale"],
)
def test_save_stops_at_a_value_properties_refused(
    qtbot, window: MainWindow, edited: Path, no_dialogs, field_of, text: str, problem: str
) -> None:
    from nnstudio.spec import LayerSpec
    from nnstudio.ui.selection import Selection

    layers = window.document.project.network.layers
    window.document.set_layer(0, LayerSpec(units=layers[0].units, init="normal"), "Init")
    window.properties_dock.set_selection(Selection("layer", 1))
    window.show_dock("properties")
    field = field_of(window.properties_dock.properties.layer_page)
    _type_into(qtbot, field, text)
    window.save_action.trigger()
    assert _saved_l2(edited) != 0.01
    assert problem in no_dialogs[-1][1]
    assert field.text() == text


def test_save_stops_at_a_spin_box_holding_a_value_out_of_its_range(
    qtbot, window: MainWindow, edited: Path, no_dialogs
) -> None:
    box = window.training_dock.settings_widget.epochs
    _type_into(qtbot, box, "0")
    assert box.text() == "0"
    qtbot.keyClick(box, Qt.Key.Key_S, CTRL)
    assert _saved_l2(edited) != 0.01
    assert "Epochs: '0' is not between 1 and" in no_dialogs[-1][1]
    assert box.text() == "0" and box.hasFocus()


def test_once_corrected_the_value_is_saved(
    qtbot, window: MainWindow, edited: Path, no_dialogs
) -> None:
    field = window.training_dock.settings_widget.learning_rate
    _type_into(qtbot, field, "abc")
    assert window.save() is False
    _type_into(qtbot, field, "0.25")
    assert window.save() is True
    saved = json.loads(edited.read_text(encoding="utf-8"))["training"]
    assert saved["learning_rate"] == 0.25 and saved["l2"] == 0.01
    assert not window.document.is_dirty


def _answer_questions(monkeypatch: pytest.MonkeyPatch, *answers) -> list[tuple[str, str]]:
    """Answer QMessageBox.question with ``answers`` in turn, then with Discard (the window is
    closed after the test); return the (title, text) of the questions answered from
    ``answers``."""
    asked: list[tuple[str, str]] = []
    queue = list(answers)

    def question(_parent: object, title: str, text: str, *_args: object, **_kw: object):
        if not queue:
            return QtWidgets.QMessageBox.StandardButton.Discard
        asked.append((title, text))
        return queue.pop(0)

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", staticmethod(question))
    return asked


def test_closing_with_a_refused_value_asks_and_cancel_keeps_the_typing(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.open_sample("xor")
    window.document.save(tmp_path / "x.nnproj")
    _active(qtbot, window)
    window.show_dock("training")
    field = window.training_dock.settings_widget.learning_rate
    _type_into(qtbot, field, "abc")
    # Nothing else changed: without the question the window would close and lose the typing.
    assert not window.document.is_dirty
    asked = _answer_questions(monkeypatch, QtWidgets.QMessageBox.StandardButton.Cancel)
    assert window.close() is False
    assert len(asked) == 1
    assert "Learning rate: 'abc' is not a number" in asked[0][1]
    assert field.text() == "abc" and window.isVisible()


def test_leaving_a_refused_value_out_then_saving_the_rest(
    qtbot, window: MainWindow, edited: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    buttons = QtWidgets.QMessageBox.StandardButton
    _type_into(qtbot, window.training_dock.settings_widget.learning_rate, "abc")
    asked = _answer_questions(monkeypatch, buttons.Discard, buttons.Save)
    # What closing the window, File › New and File › Open ask first.
    assert window.maybe_save() is True
    assert [title for title, _text in asked] == ["Typed value not taken", "Unsaved changes"]
    # The other changes were saved, as the user chose, without the refused text.
    assert _saved_l2(edited) == 0.01


def test_an_emptied_project_name_shows_the_name_the_file_keeps(
    qtbot, window: MainWindow, edited: Path, no_dialogs
) -> None:
    name = window.document.project.name
    window.show_dock("properties")
    field = window.properties_dock.properties.summary_page.name
    _type_into(qtbot, field, " ")
    qtbot.keyClick(field, Qt.Key.Key_S, CTRL)
    assert json.loads(edited.read_text(encoding="utf-8"))["name"] == name
    assert field.text() == name
