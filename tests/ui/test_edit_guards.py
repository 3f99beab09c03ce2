"""What the window guards around edits: Undo and Redo wait for Pause, a sample's file is
never written over, a value still being typed is part of Play, Save and closing, and the
status bar reads sensibly after Epochs was lowered under a running run."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

from nnstudio.ui.main_window import MainWindow, in_samples_folder
from nnstudio.ui.qt import Qt, QtWidgets
from nnstudio.ui.selection import Selection

pytestmark = pytest.mark.gui

TIMEOUT = 20_000
CTRL = Qt.KeyboardModifier.ControlModifier


def _wait_state(qtbot, window: MainWindow, *states: str) -> None:
    qtbot.waitUntil(lambda: window.controller.state in states, timeout=TIMEOUT)


def _epoch(window: MainWindow) -> int:
    frame = window.controller.latest_frame
    return -1 if frame is None else int(frame.snapshot.epoch)


def _sizes(window: MainWindow) -> tuple[int, ...]:
    return tuple(window.document.project.network.sizes)


def _active(qtbot, window: MainWindow) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def _type_into(qtbot, field: QtWidgets.QWidget, text: str) -> None:
    """Type ``text`` over the field's contents, without Enter; the keyboard stays there."""
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    field.selectAll()
    qtbot.keyClicks(field, text)


@pytest.fixture
def saves(window: MainWindow, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Where the document was asked to save; nothing is ever written into a samples folder.

    Saves elsewhere happen as usual.
    """
    asked: list[Path] = []
    real_save = window.document.save

    def save(path: str | Path | None = None) -> Path:
        target = Path(path) if path is not None else window.document.path
        asked.append(target)
        if in_samples_folder(target.parent):
            return target.resolve()  # a shipped sample: never written, whatever the code
        return real_save(path)

    monkeypatch.setattr(window.document, "save", save)
    return asked


def _save_dialog(monkeypatch: pytest.MonkeyPatch, answer: Path | None) -> list[str]:
    """Answer File › Save As's dialog with ``answer`` (None: Cancel); return what it proposed."""
    proposed: list[str] = []

    def ask(_parent: object, _caption: str, start: str = "", *_args: object, **_kw: object):
        proposed.append(start)
        return (str(answer) if answer is not None else "", "")

    monkeypatch.setattr(QtWidgets.QFileDialog, "getSaveFileName", staticmethod(ask))
    return proposed


# ---- Undo and Redo wait for Pause ----------------------------------------------------------


def test_undo_and_redo_wait_for_pause_while_training_runs(qtbot, window) -> None:
    window.open_sample("xor")
    training = window.document.project.training
    window.document.set_training(replace(training, epochs=100_000))
    window.canvas.select(Selection("layer", 1))
    window.add_neuron_action.trigger()  # 2-5-1
    window.add_neuron_action.trigger()  # 2-6-1
    window.undo_action.trigger()  # 2-5-1, with a Redo to take
    edited = _sizes(window)
    assert window.undo_action.isEnabled() and window.redo_action.isEnabled()

    window.play_action.trigger()
    _wait_state(qtbot, window, "running")
    qtbot.waitUntil(lambda: _epoch(window) > 50, timeout=TIMEOUT)
    for action, verb in ((window.undo_action, "undo"), (window.redo_action, "redo")):
        assert not action.isEnabled()
        assert action.statusTip() == f"Pause training to {verb}"
        assert action.toolTip() == f"Pause training to {verb}"

    # Neither the keys nor a direct call change the network or end the run.
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, CTRL)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Y, CTRL)
    assert window.step_undo_stack(redo=False) is False
    assert window.statusBar().currentMessage() == "Pause training to undo"
    qtbot.wait(300)
    assert _sizes(window) == edited
    assert window.controller.state == "running"

    window.play_action.trigger()  # Pause
    _wait_state(qtbot, window, "paused")
    assert window.undo_action.isEnabled() and window.redo_action.isEnabled()
    assert window.undo_action.toolTip() == "Undo Add neuron"  # its own text again
    assert window.undo_action.statusTip() == ""
    window.undo_action.trigger()
    assert _sizes(window) == (2, 4, 1)


def test_a_setting_changed_while_training_runs_does_not_enable_undo(qtbot, window) -> None:
    window.open_sample("xor")
    window.document.set_training(replace(window.document.project.training, epochs=100_000))
    window.document.undo_stack.clear()  # the stack's first step comes while training runs
    assert not window.undo_action.isEnabled()
    window.play_action.trigger()
    _wait_state(qtbot, window, "running")
    # A learning rate changes live, and is an undo step: the stack enables Undo for it.
    training = window.document.project.training
    window.document.set_training(replace(training, learning_rate=training.learning_rate / 2))
    assert window.document.undo_stack.canUndo()
    assert not window.undo_action.isEnabled()
    window.controller.stop()
    _wait_state(qtbot, window, "stopped")
    assert window.undo_action.isEnabled()


# ---- a sample's file is never written over ---------------------------------------------


def test_save_on_a_sample_asks_where_to_keep_a_copy(
    window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, saves: list[Path], sample
) -> None:
    shipped = sample("xor").read_bytes()
    window.open_sample("xor")
    window.add_layer_action.trigger()
    target = tmp_path / "mine.nnproj"
    proposed = _save_dialog(monkeypatch, target)
    window.save_action.trigger()
    assert len(proposed) == 1
    assert not in_samples_folder(Path(proposed[0]).parent), proposed
    assert Path(proposed[0]).name == f"{window.document.project.name}.nnproj"
    assert saves == [target]
    assert target.exists() and window.document.path == target.resolve()
    assert not window.document.is_dirty
    assert sample("xor").read_bytes() == shipped
    # The copy is the user's own: the next Save writes it without asking.
    window.add_layer_action.trigger()
    window.save_action.trigger()
    assert len(proposed) == 1 and saves == [target, target.resolve()]


def test_the_unsaved_changes_prompt_saves_a_sample_as_a_copy(
    window, monkeypatch: pytest.MonkeyPatch, saves: list[Path]
) -> None:
    window.open_sample("xor")
    window.add_layer_action.trigger()
    monkeypatch.setattr(
        QtWidgets.QMessageBox,
        "question",
        staticmethod(lambda *_a, **_k: QtWidgets.QMessageBox.StandardButton.Save),
    )
    proposed = _save_dialog(monkeypatch, None)  # Cancel in the dialog cancels New too
    window.new_action.trigger()
    assert len(proposed) == 1 and saves == []
    assert window.document.project.name == "XOR" and window.document.is_dirty


def test_save_as_into_a_samples_folder_is_refused(
    window, monkeypatch: pytest.MonkeyPatch, saves: list[Path], no_dialogs, sample
) -> None:
    window.open_sample("xor")
    window.add_layer_action.trigger()
    _save_dialog(monkeypatch, sample("spiral"))
    assert window.save_as() is False
    assert saves == []
    assert [title for title, _text in no_dialogs] == ["Cannot save project"]
    assert window.document.is_dirty


# ---- a value still being typed is part of Play, Save and closing -------------------------


def test_play_trains_with_the_value_being_typed(qtbot, window) -> None:
    window.open_sample("xor")
    _active(qtbot, window)
    window.show_dock("training")
    field = window.training_dock.settings_widget.learning_rate
    _type_into(qtbot, field, "0.5")
    assert window.document.project.training.learning_rate != 0.5
    # The toolbar's button takes no focus: the keyboard stays in the field.
    button = window.toolbar.widgetForAction(window.play_action)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.document.project.training.learning_rate == 0.5
    assert field.hasFocus() and field.text() == "0.5"
    _wait_state(qtbot, window, "running", "finished")
    window.controller.stop()


def test_step_epoch_trains_for_the_epochs_being_typed(qtbot, window) -> None:
    window.open_sample("xor")
    _active(qtbot, window)
    window.show_dock("training")
    field = window.training_dock.settings_widget.epochs
    _type_into(qtbot, field, "7")
    window.step_epoch_action.trigger()
    assert window.document.project.training.epochs == 7


def test_save_writes_the_value_being_typed(qtbot, window, tmp_path: Path) -> None:
    window.open_sample("xor")
    path = window.document.save(tmp_path / "x.nnproj")
    _active(qtbot, window)
    window.show_dock("training")
    field = window.training_dock.settings_widget.l2
    _type_into(qtbot, field, "0.01")
    qtbot.keyClick(field, Qt.Key.Key_S, CTRL)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["training"]["l2"] == 0.01
    assert window.document.project.training.l2 == 0.01
    assert not window.document.is_dirty


def test_closing_asks_about_the_value_being_typed(
    qtbot, window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[str] = []

    def question(_parent: object, _title: str, text: str, *_args: object, **_kw: object):
        asked.append(text)
        return QtWidgets.QMessageBox.StandardButton.Cancel

    window.open_sample("xor")
    window.document.save(tmp_path / "x.nnproj")
    monkeypatch.setattr(QtWidgets.QMessageBox, "question", staticmethod(question))
    _active(qtbot, window)
    window.show_dock("training")
    _type_into(qtbot, window.training_dock.settings_widget.learning_rate, "0.5")
    assert not window.document.is_dirty
    assert window.close() is False
    assert len(asked) == 1
    assert window.document.project.training.learning_rate == 0.5


def test_a_field_left_as_it_was_adds_no_step(qtbot, window, tmp_path: Path) -> None:
    window.open_sample("xor")
    window.document.save(tmp_path / "x.nnproj")
    _active(qtbot, window)
    window.show_dock("training")
    field = window.training_dock.settings_widget.learning_rate
    field.setFocus()
    qtbot.waitUntil(field.hasFocus)
    steps = window.document.undo_stack.count()
    window.commit_pending_edit()
    assert window.save() is True
    assert window.document.undo_stack.count() == steps
    assert not window.document.is_dirty


# ---- the status bar after Epochs was lowered under a run -------------------------------------


@pytest.mark.parametrize(
    "show",
    [
        lambda status: status.show_progress(
            {"state": "finished", "epoch": 9, "step": 129, "epochs_total": 1}
        ),
        lambda status: status.show_snapshot(
            SimpleNamespace(epoch=9, step=129, epoch_progress=0.0, train_loss=0.5), 1
        ),
    ],
    ids=["progress", "snapshot"],
)
def test_an_epoch_past_the_runs_length_reads_without_it(
    window, show: Callable[[object], None]
) -> None:
    status = window.status
    status.set_state("finished")
    show(status)
    assert status.epoch_label.text() == "Epoch 9"
    assert status.progress.value() == status.progress.maximum()
    show_within = SimpleNamespace(epoch=1, step=14, epoch_progress=0.0, train_loss=0.5)
    status.show_snapshot(show_within, 1)
    assert status.epoch_label.text() == "Epoch 1 / 1"


def test_lowering_epochs_under_a_run_ends_it_where_it_is(qtbot, window) -> None:
    window.open_sample("spiral")
    window.set_training_pace(200.0)
    window.play_action.trigger()
    _wait_state(qtbot, window, "running")
    qtbot.waitUntil(lambda: _epoch(window) >= 3, timeout=TIMEOUT)
    window.document.set_training(replace(window.document.project.training, epochs=1))
    _wait_state(qtbot, window, "finished")
    qtbot.waitUntil(lambda: not window.relay.busy, timeout=TIMEOUT)
    qtbot.wait(200)
    text = window.status.epoch_label.text()
    assert text == f"Epoch {_epoch(window):,}", text
    assert window.status.state_label.text() == "Finished"


def test_save_as_on_a_sample_proposes_the_users_folder_not_the_samples(
    window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, samples_dir: Path
) -> None:
    monkeypatch.setattr(Path, "home", staticmethod(lambda: tmp_path))
    window.open_sample("xor")
    proposed = _save_dialog(monkeypatch, None)
    # No folder used yet: the sample's own folder is no place for the user's copy.
    window.save_as()
    # The folder last used is the samples folder (a sample opened with File › Open).
    window.settings.setValue("lastDirectory", str(samples_dir))
    window.save_as()
    mine = tmp_path / "work"
    mine.mkdir()
    window.settings.setValue("lastDirectory", str(mine))
    window.save_as()
    assert [Path(start).parent for start in proposed] == [tmp_path, tmp_path, mine]


def test_the_layer_pages_remove_button_clears_the_canvas_selection(qtbot, window) -> None:
    window.open_sample("spiral")
    layers = len(window.document.project.network.layers)
    window.canvas.select(Selection("layer", 1))
    page = window.properties_dock.properties.layer_page
    qtbot.waitUntil(lambda: page.isVisible() and page.remove_layer_button.isEnabled())
    page.remove_layer_button.click()
    assert len(window.document.project.network.layers) == layers - 1
    # The canvas would otherwise go on highlighting whichever layer is now drawn first.
    assert window.canvas.selection() is None


def test_the_training_settings_show_where_the_schedule_has_taken_the_rate(qtbot, window) -> None:
    from nnstudio.spec import ScheduleSpec

    window.open_sample("xor")
    form = window.training_dock.settings_widget
    training = window.document.project.training
    # A constant rate needs no reading: the row stays hidden.
    assert not form.form.isRowVisible(form.current_rate)
    schedule = ScheduleSpec(name="exponential", gamma=0.5)
    window.document.set_training(replace(training, schedule=schedule, epochs=3))
    assert form.form.isRowVisible(form.current_rate)
    assert form.current_rate.text() == f"{training.learning_rate:.3g} at epoch 0"
    window.play_action.trigger()
    _wait_state(qtbot, window, "finished")
    # Epoch 3 of lr · 0.5^epoch, as the training process reported it.
    expected = f"{training.learning_rate * 0.5**3:.3g} at epoch 3"
    qtbot.waitUntil(lambda: form.current_rate.text() == expected, timeout=TIMEOUT)
