"""The studio window driven through its actions, keys and docks, as a person would."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from nnstudio.errors import MissingExtraError
from nnstudio.ui.export_dialog import ExportDialog
from nnstudio.ui.qt import Qt, QtCore, QtWidgets
from nnstudio.ui.selection import Selection
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui

FRAME_TIMEOUT = 20_000


def _hidden_units(window) -> list[int]:
    return [layer.units for layer in window.document.project.network.hidden]


def _select(window, selection: Selection | None) -> None:
    window.canvas.select(selection)
    assert window.selection == selection


def _wait_state(qtbot, window, *states: str, timeout: int = FRAME_TIMEOUT) -> None:
    qtbot.waitUntil(lambda: window.controller.state in states, timeout=timeout)


def _latest_snapshot(window):
    frame = window.controller.latest_frame
    return None if frame is None else frame.snapshot


# ---- opening ---------------------------------------------------------------------------------


def test_samples_menu_lists_every_sample(window, samples_dir: Path) -> None:
    window._fill_samples_menu()
    listed = {Path(a.data()).name for a in window.samples_menu.actions() if a.data()}
    assert listed == {p.name for p in samples_dir.glob("*.nnproj")}
    xor = next(a for a in window.samples_menu.actions() if a.data() and "xor" in a.data())
    # Each sample is listed under the name it gives itself.
    assert xor.text() == "XOR"
    xor.trigger()
    assert window.document.project.data.builtin == "xor"


def test_title_marks_unsaved_changes(window) -> None:
    window.open_sample("xor")
    name = window.document.project.name
    window.add_layer_action.trigger()
    assert window.windowTitle() == f"{name}* — nnstudio"
    window.undo_action.trigger()
    assert window.windowTitle() == f"{name} — nnstudio"


# ---- editing ---------------------------------------------------------------------------------


def test_layers_and_neurons_through_actions_and_undo(window) -> None:
    window.open_sample("spiral")
    original = window.document.project
    units = _hidden_units(window)
    _select(window, Selection("layer", 1))
    window.add_neuron_action.trigger()
    assert _hidden_units(window)[0] == units[0] + 1
    window.remove_neuron_action.trigger()
    window.remove_neuron_action.trigger()
    assert _hidden_units(window)[0] == units[0] - 1
    window.add_layer_action.trigger()
    assert len(_hidden_units(window)) == len(units) + 1
    _select(window, Selection("layer", 2))
    window.delete_action.trigger()
    assert len(_hidden_units(window)) == len(units)
    while window.undo_action.isEnabled():
        window.undo_action.trigger()
    assert window.document.project == original
    window.redo_action.trigger()
    assert _hidden_units(window)[0] == units[0] + 1


def test_actions_that_need_a_hidden_layer_are_disabled_without_one(window) -> None:
    window.open_sample("xor")
    _select(window, None)
    assert not window.delete_action.isEnabled()
    assert not window.add_neuron_action.isEnabled()
    output = len(window.document.project.network.layers)
    _select(window, Selection("layer", output))
    assert not window.delete_action.isEnabled()
    _select(window, Selection("layer", 1))
    assert window.delete_action.isEnabled()


def test_activation_change_in_properties_and_exact_undo(window) -> None:
    window.open_sample("spiral")
    before = window.document.project
    _select(window, Selection("layer", 1))
    page = window.properties_dock.properties.layer_page
    assert window.properties_dock.properties.page_name == "layer"
    index = page.activation.findData("relu")
    page.activation.setCurrentIndex(index)
    page.activation.activated.emit(index)
    assert window.document.project.network.layers[0].activation == "relu"
    window.undo_action.trigger()
    assert window.document.project == before
    window.redo_action.trigger()
    assert window.document.project.network.layers[0].activation == "relu"


def test_keyboard_shortcuts(qtbot, window) -> None:
    window.open_sample("spiral")
    window.activateWindow()
    canvas = window.canvas
    canvas.setFocus()
    _select(window, Selection("layer", 1))
    units = _hidden_units(window)
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert _hidden_units(window)[0] == units[0] + 1
    qtbot.keyClick(canvas, Qt.Key.Key_Minus)
    assert _hidden_units(window)[0] == units[0]
    qtbot.keyClick(canvas, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert len(_hidden_units(window)) == len(units) + 1
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert len(_hidden_units(window)) == len(units)
    qtbot.keyClick(
        canvas,
        Qt.Key.Key_Z,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert len(_hidden_units(window)) == len(units) + 1
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(_hidden_units(window)) == len(units) + 1
    _select(window, Selection("layer", 1))
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert len(_hidden_units(window)) == len(units)
    qtbot.keyClick(canvas, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    # Help lists Ctrl+Q for Quit on every platform (StandardKey.Quit is empty on some).
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    # + and − typed into a dock's combo box stay there: they edit only from the canvas.
    _select(window, Selection("layer", 1))
    layer_page = window.properties_dock.properties.layer_page
    before = _hidden_units(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)  # window shortcuts fire only in the active window
    layer_page.activation.setFocus()
    qtbot.waitUntil(layer_page.activation.hasFocus)
    qtbot.keyClick(layer_page.activation, Qt.Key.Key_Plus)
    qtbot.wait(100)  # a shortcut's edit would have landed by now
    assert _hidden_units(window) == before


def test_space_plays_and_pauses_from_the_canvas_but_not_in_text_fields(qtbot, window) -> None:
    window.open_sample("xor")
    window.activateWindow()
    field = window.training_dock.settings_widget.learning_rate
    window.training_dock.raise_()
    field.setFocus()
    field.setCursorPosition(len(field.text()))
    qtbot.keyClick(field, Qt.Key.Key_Space)
    assert field.text().endswith(" ")
    assert window.controller.state not in ("running",)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
    _wait_state(qtbot, window, "running", "finished")
    assert window.play_action.text() in ("Pause", "Play")
    if window.controller.state == "running":
        assert window.play_action.text() == "Pause"
        qtbot.keyClick(window.canvas, Qt.Key.Key_Space)
        _wait_state(qtbot, window, "paused", "finished")
    assert window.play_action.text() == "Play"


# ---- training --------------------------------------------------------------------------------


@pytest.mark.slow
def test_play_trains_xor_and_every_view_gets_frames(qtbot, window) -> None:
    window.open_sample("xor")
    frames: list[object] = []
    window.frameShown.connect(frames.append)
    window.play_action.trigger()
    _wait_state(qtbot, window, "running", "finished")

    def learned() -> bool:
        snapshot = _latest_snapshot(window)
        return snapshot is not None and snapshot.train_loss < 0.1

    qtbot.waitUntil(learned, timeout=120_000)
    if window.controller.state == "running":
        window.play_action.trigger()
        _wait_state(qtbot, window, "paused", "finished")
    # The views take the last frame in over a few events.
    qtbot.waitUntil(lambda: bool(frames) and not window.relay.busy)
    assert window.canvas.frame is window.controller.latest_frame
    # The data preview shows the learned XOR regions: every quadrant is its class's colour.
    scatter = window.data_panel.scatter
    assert scatter.regions.isVisible() and scatter.boundary.isVisible()
    from nnstudio.ui.plots.common import class_colors
    from nnstudio.ui.plots.output import class_probabilities, region_colors

    window.relay.flush()  # a last frame may still be on its way after the pause
    probabilities = class_probabilities(window.canvas.frame.grid.grid_A[-1])
    corners = [probabilities[i, j, 1] for i in (0, -1) for j in (0, -1)]
    assert all(abs(p - 0.5) > 0.3 for p in corners)
    shown = region_colors(probabilities, class_colors(2))
    np.testing.assert_array_equal(scatter.regions.image, shown)
    loss_curve = window.plots.loss_tab.csv_table()
    assert len(loss_curve[1]) >= 1
    assert "Epoch" in window.status.epoch_label.text()
    assert window.status.loss_label.text() != "Loss –"
    assert window.document.is_dirty  # trained weights are unsaved work
    weights = window.document.weights
    assert weights is not None and all(np.isfinite(W).all() for W, _b in weights)


def test_step_step_epoch_pause_and_stop(qtbot, window) -> None:
    window.open_sample("xor")
    with qtbot.waitSignal(window.frameShown, timeout=FRAME_TIMEOUT):
        window.step_action.trigger()
    qtbot.waitUntil(
        lambda: _latest_snapshot(window) is not None and _latest_snapshot(window).step == 1,
        timeout=FRAME_TIMEOUT,
    )
    assert window.controller.state == "paused"
    window.step_epoch_action.trigger()
    qtbot.waitUntil(
        lambda: _latest_snapshot(window) is not None and _latest_snapshot(window).epoch >= 1,
        timeout=FRAME_TIMEOUT,
    )
    window.play_action.trigger()
    _wait_state(qtbot, window, "running", "finished")
    assert not window.step_action.isEnabled() or window.controller.state == "finished"
    window.stop_action.trigger()
    _wait_state(qtbot, window, "stopped", "finished")
    assert window.status.state_label.text() in ("Stopped", "Finished")
    assert window.step_action.isEnabled()


def test_training_speed_from_the_menu_and_toolbar_paces_the_run(qtbot, window) -> None:
    window.open_sample("xor")
    menu_texts = [action.text() for action in window.pace_actions]
    box_texts = [window.speed_box.itemText(i) for i in range(window.speed_box.count())]
    assert menu_texts == box_texts and menu_texts[0] == "Full speed"
    assert "10 steps/s" in menu_texts and "1 step/s" in menu_texts
    assert window.speed_box.currentText() == "Full speed" and window.controller.pace is None

    # The menu choice shows in the toolbar box, and the run follows it.
    window.pace_actions[menu_texts.index("3 steps/s")].trigger()
    assert window.controller.pace == 3.0
    assert window.speed_box.currentText() == "3 steps/s"
    shown: list[int] = []
    window.frameShown.connect(lambda frame: shown.append(frame.snapshot.step))
    started = time.monotonic()
    window.play_action.trigger()
    qtbot.waitUntil(lambda: any(step >= 4 for step in shown), timeout=FRAME_TIMEOUT)
    elapsed = time.monotonic() - started
    window.play_action.trigger()
    _wait_state(qtbot, window, "paused")
    # Step 4 is due 1 s after Play at the earliest, and the views saw the steps one by one
    # (the first may share a frame with the start of the run).
    assert elapsed >= 1.0
    assert {2, 3, 4} <= set(shown)
    for nonsense in (0.0, -5.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="positive number of steps"):
            window.controller.set_pace(nonsense)
    assert window.controller.pace == 3.0

    # Choosing in the toolbar box ticks the menu; full speed trains on at once.
    window.speed_box.setCurrentIndex(0)
    window.speed_box.activated.emit(0)
    assert window.controller.pace is None and window.pace_actions[0].isChecked()
    before = _latest_snapshot(window).step
    window.play_action.trigger()
    qtbot.waitUntil(lambda: _latest_snapshot(window).step > before + 500, timeout=FRAME_TIMEOUT)
    window.play_action.trigger()
    _wait_state(qtbot, window, "paused", "finished")


def test_the_network_cannot_change_while_training_runs(qtbot, window) -> None:
    window.open_sample("spiral")
    window.set_training_pace(10.0)  # a run that lasts
    network = window.document.project.network
    layer_page = window.properties_dock.properties.layer_page
    _select(window, Selection("layer", 1))
    window.play_action.trigger()
    _wait_state(qtbot, window, "running")
    assert not window.canvas.editable
    for action in (
        window.add_layer_action,
        window.delete_action,
        window.add_neuron_action,
        window.remove_neuron_action,
    ):
        assert not action.isEnabled(), action.text()
    # Keys and the canvas's own controls say why instead of ending the run.
    qtbot.keyClick(window.canvas, Qt.Key.Key_Plus)
    assert not window.canvas.change_units(1, 1)
    assert not window.canvas.add_layer_at_gap(1)
    assert "Pause training to change the network." in window.canvas.notice_banner.messages
    assert not layer_page.activation.isEnabled() and not layer_page.dropout.isEnabled()
    assert layer_page.locked_note.isVisibleTo(layer_page)
    assert window.document.project.network == network
    assert window.controller.state == "running"

    window.play_action.trigger()
    _wait_state(qtbot, window, "paused")
    assert window.canvas.editable and window.add_neuron_action.isEnabled()
    assert layer_page.activation.isEnabled() and not layer_page.locked_note.isVisibleTo(layer_page)
    qtbot.keyClick(window.canvas, Qt.Key.Key_Plus)
    assert window.document.project.network.layers[0].units == network.layers[0].units + 1


@pytest.mark.parametrize("size", [(1024, 640), (1280, 800)])
def test_every_properties_page_fits_its_dock_unclipped(qtbot, window, size) -> None:
    window.resize(*size)
    window.open_sample("iris")
    window.apply_default_sizes()
    properties = window.properties_dock.properties
    scroll = window.properties_dock.widget()
    for selection in (
        None,
        Selection("layer", 0),
        Selection("layer", 1),
        Selection("layer", 2),
        Selection("neuron", 1, 0),
        Selection("edge", 1, 0, 0),
    ):
        _select(window, selection)
        page = properties.currentWidget()
        qtbot.waitUntil(
            lambda page=page: scroll.viewport().width() >= page.minimumSizeHint().width()
        )
        # The page is laid out to the viewport's width: nothing lies beyond its right edge.
        assert page.width() <= scroll.viewport().width(), properties.page_name


def test_a_1024_pixel_window_holds_the_studio_without_cutting_words(qtbot, window) -> None:
    window.resize(1024, 640)
    window.open_sample("digits")
    window.training_dock.build()  # its form counts in the left docks' minimum width
    window.apply_default_sizes()
    # The docks' and plots' minimum widths add up to less than the window.
    assert window.minimumSizeHint().width() <= 1024
    qtbot.waitUntil(lambda: window.width() == 1024)
    summary = window.properties_dock.properties.summary_page
    qtbot.waitUntil(lambda: summary.fields["Task"].width() > 40)
    for key, label in summary.fields.items():
        words = label.text().replace("-", "- ").split()
        widest = max(label.fontMetrics().horizontalAdvance(word) for word in words)
        # Word wrapping cannot break a word: a narrower label would cut it ("Classificat").
        assert label.width() >= min(widest, 200), (key, label.text(), label.width())
    assert summary.name.cursorPosition() == 0  # the name shows its start


def test_keys_act_on_a_selected_layer_or_neuron_never_on_a_connection(qtbot, window) -> None:
    window.open_sample("spiral")
    canvas = window.canvas
    units = _hidden_units(window)
    _select(window, Selection("edge", 2, 1, 3))
    assert not window.delete_action.isEnabled() and not window.add_neuron_action.isEnabled()
    for key in (Qt.Key.Key_Plus, Qt.Key.Key_Minus, Qt.Key.Key_Delete):
        qtbot.keyClick(canvas, key)
    assert _hidden_units(window) == units
    # Delete with a neuron selected removes a neuron, not its layer.
    _select(window, Selection("neuron", 2, 4))
    assert window.delete_action.text() == "&Delete neuron" and window.delete_action.isEnabled()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert _hidden_units(window) == [units[0], units[1] - 1]
    _select(window, Selection("neuron", 1, 0))
    window.delete_action.trigger()
    assert _hidden_units(window) == [units[0] - 1, units[1] - 1]
    _select(window, Selection("layer", 1))
    assert window.delete_action.text() == "&Delete layer"
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert _hidden_units(window) == [units[1] - 1]


def test_reset_weights_reinitialises(qtbot, window) -> None:
    window.open_sample("xor")
    window.step_epoch_action.trigger()
    qtbot.waitUntil(
        lambda: _latest_snapshot(window) is not None and _latest_snapshot(window).epoch >= 1,
        timeout=FRAME_TIMEOUT,
    )
    trained = window.document.weights
    assert window.document.has_trained_weights
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: window.document.weights is not trained, timeout=FRAME_TIMEOUT)
    assert window.status.epoch_label.text().startswith("Epoch 0")
    fresh = window.document.weights
    assert not window.document.has_trained_weights
    # The seed's initialisation, the same every time.
    initial = build_network(window.document.project).weights()
    for (W, b), (W0, b0) in zip(fresh, initial, strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)

    # A Reset pressed by mistake loses nothing: Undo brings the trained weights back.
    assert window.undo_action.text() == "&Undo Reset weights"
    window.undo_action.trigger()
    assert window.document.has_trained_weights
    for (W, b), (W1, b1) in zip(window.document.weights, trained, strict=True):
        np.testing.assert_array_equal(W, W1)
        np.testing.assert_array_equal(b, b1)
    window.redo_action.trigger()
    assert not window.document.has_trained_weights
    np.testing.assert_array_equal(window.document.weights[0][0], initial[0][0])


def test_reset_while_paused_shows_the_fresh_networks_loss(qtbot, window) -> None:
    window.open_sample("xor")
    loss = window.status.loss_label
    # The untrained network's loss, from the frame the studio shows before any training.
    qtbot.waitUntil(lambda: loss.text() != "Loss –", timeout=FRAME_TIMEOUT)
    untrained = loss.text()
    window.step_epoch_action.trigger()
    _wait_state(qtbot, window, "paused")
    qtbot.waitUntil(lambda: loss.text() not in ("Loss –", untrained), timeout=FRAME_TIMEOUT)
    window.reset_action.trigger()
    # Until then the run's length stays shown, so the status bar's labels do not jump.
    assert window.status.epoch_label.text() == "Epoch 0 / 600"
    assert window.status.progress.isVisibleTo(window.status)
    assert window.status.progress.value() == 0
    # Paused, no training frame follows: the fresh session's first frame brings the loss of
    # the seed's initialisation, the untrained network's again, without pressing Play.
    qtbot.waitUntil(lambda: loss.text() == untrained, timeout=FRAME_TIMEOUT)
    assert window.controller.state == "idle"


def test_diverging_run_shows_the_banner_and_keeps_finite_weights(qtbot, window) -> None:
    from dataclasses import replace

    window.open_sample("housing")
    training = replace(
        window.document.project.training,
        optimizer="sgd",
        learning_rate=1000.0,
        epochs=200,
        clip_norm=None,
    )
    window.document.set_training(training)
    window.play_action.trigger()
    _wait_state(qtbot, window, "diverged", timeout=60_000)
    qtbot.waitUntil(window.banner.isVisible, timeout=FRAME_TIMEOUT)
    assert "diverged" in window.banner.label.text().lower()
    assert window.status.state_label.text() == "Diverged"
    weights = window.document.weights
    assert weights is not None
    assert all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in weights)
    window.banner.action_button.click()  # "Reset weights"
    assert not window.banner.isVisible()


def test_a_loss_that_blows_up_without_diverging_shows_a_banner(qtbot, window) -> None:
    from dataclasses import replace

    window.open_sample("housing")
    training = replace(
        window.document.project.training, optimizer="sgd", learning_rate=100.0, epochs=5
    )
    window.document.set_training(training)
    window.play_action.trigger()
    _wait_state(qtbot, window, "finished", timeout=60_000)
    # The numbers stayed finite, so the run finished: only the banner tells it went wrong.
    qtbot.waitUntil(window.banner.isVisible, timeout=FRAME_TIMEOUT)
    assert window.banner.label.full_text().startswith("The training loss rose from ")
    assert "learning rate is probably too large" in window.banner.label.full_text()
    window.banner.action_button.click()  # "Reset weights"
    assert not window.banner.isVisible()
    assert not window.document.has_trained_weights


# ---- files -----------------------------------------------------------------------------------


def test_save_as_and_reopen(qtbot, window, tmp_path, monkeypatch) -> None:
    window.open_sample("xor")
    window.add_layer_action.trigger()
    target = tmp_path / "mine.nnproj"
    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *a, **k: (str(target), "")),
    )
    window.save_as_action.trigger()
    assert target.exists()
    assert not window.document.is_dirty
    assert "*" not in window.windowTitle()
    saved = window.document.project
    window.new_action.trigger()
    assert window.document.path is None
    assert window.document.project.data != saved.data
    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getOpenFileName",
        staticmethod(lambda *a, **k: (str(target), "")),
    )
    window.open_action.trigger()
    assert window.document.project.network == saved.network
    assert window.document.project.data == saved.data
    assert window.document.path == target.resolve()
    assert window.recent_files()[0] == target.resolve()


def test_unsaved_changes_prompt(window, monkeypatch) -> None:
    buttons = QtWidgets.QMessageBox.StandardButton
    answers: list[object] = []

    def answer_with(choice):
        def question(*_args, **_kwargs):
            answers.append(choice)
            return choice

        monkeypatch.setattr(QtWidgets.QMessageBox, "question", staticmethod(question))

    window.open_sample("xor")
    window.add_layer_action.trigger()
    dirty_project = window.document.project
    answer_with(buttons.Cancel)
    window.new_action.trigger()
    assert window.document.project == dirty_project
    assert not window.open_sample("spiral")
    assert window.document.project == dirty_project
    answer_with(buttons.Discard)
    window.open_sample("spiral")
    assert window.document.project.data.builtin == "spiral"
    assert len(answers) == 3


def test_close_with_unsaved_changes_can_be_cancelled(window, monkeypatch) -> None:
    window.open_sample("xor")
    window.add_layer_action.trigger()
    monkeypatch.setattr(
        QtWidgets.QMessageBox,
        "question",
        staticmethod(lambda *a, **k: QtWidgets.QMessageBox.StandardButton.Cancel),
    )
    assert not window.close()
    assert window.isVisible()


def test_recent_files_persist_and_drop_missing_ones(window, tmp_path, settings, no_dialogs) -> None:
    from nnstudio.ui.main_window import MainWindow

    paths = []
    window.open_sample("xor")
    for i in range(12):
        path = window.document.save(tmp_path / f"p{i}.nnproj")
        window.add_recent(path)
        paths.append(path)
    recent = window.recent_files()
    assert len(recent) == 10
    assert recent[0] == paths[-1]
    paths[-1].unlink()
    paths[-1].with_suffix("").with_suffix(".weights.npz").unlink(missing_ok=True)
    window._fill_recent_menu()
    first = next(a for a in window.recent_menu.actions() if a.data())
    # A file that has gone says so; choosing it drops it from the list with a message.
    assert first.text().endswith("(missing)") and first.isEnabled()
    first.trigger()
    assert paths[-1] not in window.recent_files()
    assert any("no longer exists" in text for _t, text in no_dialogs)
    # A second window with the same settings sees the same list.
    other = MainWindow(settings=settings, restore_layout=False)
    try:
        assert other.recent_files() == window.recent_files()
    finally:
        other.close_without_asking()
        other.shutdown()


def test_export_npz_svg_and_plot_csv(qtbot, window, tmp_path, no_dialogs) -> None:
    window.open_sample("xor")
    window.step_epoch_action.trigger()
    qtbot.waitUntil(
        lambda: _latest_snapshot(window) is not None and _latest_snapshot(window).epoch >= 1,
        timeout=FRAME_TIMEOUT,
    )
    qtbot.waitUntil(lambda: not window.relay.busy)  # the views take the frame in
    dialog = ExportDialog(window.document, window.canvas, window.plots, tmp_path, window)
    qtbot.addWidget(dialog)
    for key, name in (
        ("npz", "w.npz"),
        ("diagram-svg", "net.svg"),
        ("diagram-png", "net.png"),
        ("plots-csv", "loss.csv"),
        ("plots-png", "loss.png"),
    ):
        dialog.select(key)
        dialog.path_edit.setText(str(tmp_path / name))
        dialog.accept()
        assert (tmp_path / name).exists(), (key, no_dialogs)
        assert (tmp_path / name).stat().st_size > 0
    with np.load(tmp_path / "w.npz") as archive:
        assert any(k.startswith("W") for k in archive.files)
    assert "<svg" in (tmp_path / "net.svg").read_text(encoding="utf-8")[:2000]


def test_export_dialog_folders_replacements_suffixes_and_the_untrained_note(
    qtbot, window, tmp_path, no_dialogs, monkeypatch
) -> None:
    window.open_sample("xor")
    # A sample lives in the installation: exports start in the home folder instead.
    monkeypatch.setenv("HOME", str(tmp_path))
    assert window.export_folder() == tmp_path
    dialog = ExportDialog(window.document, window.canvas, window.plots, tmp_path, window)
    qtbot.addWidget(dialog)
    dialog.select("npz")
    # Freshly initialised weights are not a trained network: the dialog says so.
    assert not window.document.has_trained_weights
    assert dialog.weights_note.isVisibleTo(dialog)
    assert "not been trained" in dialog.weights_note.text()

    # A folder as the file: the export goes inside it, named after the project.
    folder = tmp_path / "out"
    folder.mkdir()
    dialog.path_edit.setText(str(folder))
    dialog.accept()
    assert dialog.written == [folder / "XOR.npz"] and (folder / "XOR.npz").is_file()

    # An existing file is replaced only when the user agrees.
    target = tmp_path / "model.npz"
    target.write_bytes(b"keep me")
    monkeypatch.setattr(
        QtWidgets.QMessageBox,
        "question",
        staticmethod(lambda *args, **kwargs: QtWidgets.QMessageBox.StandardButton.No),
    )
    dialog.written = []
    dialog.path_edit.setText(str(target))
    dialog.accept()
    assert target.read_bytes() == b"keep me" and dialog.written == []

    # A suffix belonging to another export is refused, not written as the chosen format.
    dialog.select("json")
    dialog.path_edit.setText(str(tmp_path / "model.onnx"))
    dialog.accept()
    assert not (tmp_path / "model.onnx").exists()
    assert "ends in .onnx" in no_dialogs[-1][1]
    # Switching the format replaces only our suffix.
    dialog.path_edit.setText(str(tmp_path / "model.v2.onnx"))
    dialog.select("npz")
    assert dialog.path_edit.text() == str(tmp_path / "model.v2.npz")


def test_export_missing_extra_shows_its_message(window, tmp_path, monkeypatch, no_dialogs) -> None:
    from nnstudio.io import exporters

    def missing(*_args, **_kwargs):
        raise MissingExtraError("ONNX export", "onnx", "onnx")

    monkeypatch.setattr(exporters, "export", missing)
    monkeypatch.setattr("nnstudio.ui.export_dialog.export", missing)
    dialog = ExportDialog(window.document, window.canvas, window.plots, tmp_path, window)
    dialog.select("onnx")
    dialog.path_edit.setText(str(tmp_path / "m.onnx"))
    dialog.accept()
    assert not (tmp_path / "m.onnx").exists()
    assert any("pip install 'nnstudio[onnx]'" in text for _t, text in no_dialogs)
    dialog.close()


# ---- layout ----------------------------------------------------------------------------------


def test_docks_are_movable_restorable_and_toggleable(window, settings) -> None:
    from nnstudio.ui.main_window import MainWindow

    names = {dock.objectName() for dock in window.docks.values()}
    assert len(names) == 4 and "" not in names
    for dock in window.docks.values():
        features = dock.features()
        assert features & QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetMovable
        assert features & QtWidgets.QDockWidget.DockWidgetFeature.DockWidgetFloatable
    window.properties_dock.toggleViewAction().trigger()
    assert window.properties_dock.isHidden()
    window.close_without_asking()
    other = MainWindow(settings=settings)
    try:
        other.show()
        assert other.properties_dock.isHidden()
        other.reset_layout_action.trigger()
        assert not other.properties_dock.isHidden()
    finally:
        other.close_without_asking()
        other.shutdown()


def test_closing_while_training_ends_the_training_process(qtbot, window) -> None:
    window.open_sample("spiral")
    window.play_action.trigger()
    _wait_state(qtbot, window, "running", "finished")
    pid = window.controller.process_id
    assert pid is not None
    window.close_without_asking()
    assert window.controller.process_id is None

    def ended() -> bool:
        try:
            os.waitpid(pid, os.WNOHANG)  # reaps it if it is our child and has exited
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False

    qtbot.waitUntil(ended, timeout=10_000)


def test_help_dialogs(window, monkeypatch, no_dialogs) -> None:
    window.about_action.trigger()
    assert any("About" in title for title, _t in no_dialogs)
    shown: list[QtWidgets.QDialog] = []
    monkeypatch.setattr(QtWidgets.QDialog, "exec", lambda self: shown.append(self) or 0)
    window.shortcuts_action.trigger()
    assert shown and shown[0].findChild(QtWidgets.QTableWidget).rowCount() > 5


def test_status_bar_progress_from_controller(window) -> None:
    window.status.show_progress(
        {
            "epoch": 25,
            "step": 250,
            "steps_per_second": 1234.0,
            "epochs_total": 100,
            "eta_seconds": 75.0,
            "state": "running",
        }
    )
    assert window.status.epoch_label.text() == "Epoch 25 / 100"
    assert window.status.progress.isVisibleTo(window.status)
    assert window.status.progress.value() == 250
    assert "1,234 steps/s" in window.status.speed_label.text()
    assert window.status.eta_label.text() == "ETA 1:15"
    window.status.show_progress({"epoch": 3, "step": 9, "epochs_total": None, "state": "running"})
    assert not window.status.progress.isVisibleTo(window.status)


def test_status_bar_shows_running_progress_a_few_times_a_second(window, monkeypatch) -> None:
    clock = {"now": 100.0}
    from nnstudio.ui import main_window

    monkeypatch.setattr(main_window, "time", SimpleNamespace(monotonic=lambda: clock["now"]))
    status = window.status

    def report(step: int, state: str = "running") -> None:
        status.show_progress({"epoch": 1, "step": step, "epochs_total": 10, "state": state})

    report(100)
    assert status.step_label.text() == "Step 100"
    # A report 30 ms later is not shown while running: the digits would only flicker.
    clock["now"] += 0.03
    report(130)
    assert status.step_label.text() == "Step 100"
    clock["now"] += main_window._STATUS_PROGRESS_INTERVAL
    report(230)
    assert status.step_label.text() == "Step 230"
    # A pause shows at once, and so does the next report after it.
    clock["now"] += 0.01
    report(231, "paused")
    assert status.step_label.text() == "Step 231"
    clock["now"] += 0.01
    report(232)
    assert status.step_label.text() == "Step 232"


def test_settings_use_a_temporary_location(settings, tmp_path, _temporary_settings) -> None:
    assert Path(settings.fileName()).parent == tmp_path
    from nnstudio.ui.main_window import default_settings

    default = default_settings()
    assert Path(default.fileName()).is_relative_to(_temporary_settings)


def test_import_onnx_opens_the_model_as_a_new_document(qtbot, window, tmp_path, no_dialogs) -> None:
    pytest.importorskip("onnx")
    from nnstudio.ui.export_dialog import run_export

    window.open_sample("iris")
    window.step_action.trigger()
    summary = window.properties_dock.properties.summary_page.fields["Weights"]
    qtbot.waitUntil(
        lambda: summary.text() == "Trained for 0 epochs (1 step)", timeout=FRAME_TIMEOUT
    )
    network = window.document.project.network
    weights = window.document.weights
    model = tmp_path / "iris.onnx"
    run_export("onnx", model, document=window.document)
    window.new_action.trigger()
    assert window.import_onnx(model)
    assert window.document.project.network.sizes == network.sizes
    assert window.document.path is None
    assert window.document.is_dirty
    np.testing.assert_allclose(window.document.weights[0][0], weights[0][0], rtol=1e-6)
    # The previous document's run is not this model's history.
    assert summary.text() == "Trained or loaded from file"


def test_import_of_a_broken_onnx_file_shows_the_error(window, tmp_path, no_dialogs) -> None:
    pytest.importorskip("onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    before = window.document.project
    assert not window.import_onnx(broken)
    assert window.document.project == before
    assert any("broken.onnx" in text for _t, text in no_dialogs)


def test_first_frame_reaches_canvas_plots_and_status(qtbot, window) -> None:
    window.open_sample("spiral")
    qtbot.waitUntil(lambda: window.canvas.frame is not None, timeout=FRAME_TIMEOUT)
    frame = window.canvas.frame
    assert frame.weights is not None
    assert len(frame.weights) == len(window.document.project.network.layers)


def test_selecting_a_neuron_shows_its_output_behind_the_data(qtbot, window) -> None:
    window.open_sample("xor")
    qtbot.waitUntil(
        lambda: window.canvas.frame is not None and not window.relay.busy, timeout=FRAME_TIMEOUT
    )
    scatter = window.data_panel.scatter
    assert scatter.regions.isVisible() and not scatter.focus_note.isVisible()
    _select(window, Selection("neuron", 1, 0))
    assert scatter.focus_note.isVisible()
    assert "Hidden 1 · neuron 1 (tanh)" in scatter.focus_note.text()
    assert not scatter.boundary.isVisible()
    # An input is named as the canvas labels it.
    _select(window, Selection("neuron", 0, 1))
    assert "input x2 over the plane" in scatter.focus_note.text()
    _select(window, Selection("layer", 1))
    assert not scatter.focus_note.isVisible() and scatter.boundary.isVisible()


def test_untrained_network_edits_without_questions(qtbot, window, no_dialogs) -> None:
    window.open_sample("spiral")
    qtbot.waitUntil(lambda: window.document.weights is not None, timeout=FRAME_TIMEOUT)
    _select(window, Selection("layer", 1))
    window.add_neuron_action.trigger()
    window.add_layer_action.trigger()
    assert no_dialogs == []


def test_space_on_a_focused_check_box_toggles_it_instead_of_playing(qtbot, window) -> None:
    window.open_sample("xor")
    window.activateWindow()
    window.training_dock.raise_()
    box = window.training_dock.settings_widget.unlimited
    box.setFocus()
    before = box.isChecked()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked() != before
    assert window.controller.state != "running"


def test_every_toolbar_action_has_a_drawn_icon_and_a_tooltip(window) -> None:
    from nnstudio.ui.qt import QtWidgets

    # Buttons only: the example picker is a spin box in the toolbar.
    actions = [
        a
        for a in window.toolbar.actions()
        if isinstance(window.toolbar.widgetForAction(a), QtWidgets.QToolButton)
    ]
    texts = [a.iconText() for a in actions]
    for expected in ("New", "Open", "Save", "Play", "Step", "Step epoch", "Reset", "Stop"):
        assert any(t.replace("&", "").rstrip("…") == expected for t in texts), expected
    for action in actions:
        pixmap = action.icon().pixmap(24, 24)
        assert not pixmap.isNull(), action.text()
        image = pixmap.toImage()
        opaque = sum(
            image.pixelColor(x, y).alpha() > 0 for x in range(0, 24, 2) for y in range(0, 24, 2)
        )
        assert opaque > 5, action.text()
        assert action.toolTip()


def _toolbar_all_in_sight(window) -> bool:
    """Whether every control of the toolbar is shown, none behind its overflow arrow."""
    bar = window.toolbar
    widgets = [bar.widgetForAction(action) for action in bar.actions()]
    shown = [w for w in widgets if w is not None and not isinstance(w, QtWidgets.QLabel)]
    return all(w.isVisible() and w.geometry().right() <= bar.width() for w in shown)


def test_a_narrow_window_keeps_every_toolbar_control_in_sight(qtbot, window) -> None:
    bar = window.toolbar
    style = Qt.ToolButtonStyle

    def all_in_sight() -> bool:
        return _toolbar_all_in_sight(window)

    window.resize(1600, 900)
    qtbot.waitUntil(lambda: bar.toolButtonStyle() == style.ToolButtonTextBesideIcon)
    qtbot.waitUntil(all_in_sight)
    labelled = bar.sizeHint().width()
    window.resize(labelled - 100, 700)
    # Labels no longer fit: icons alone (with their tooltips), nothing behind an overflow.
    qtbot.waitUntil(lambda: bar.toolButtonStyle() == style.ToolButtonIconOnly)
    qtbot.waitUntil(all_in_sight)
    assert window.speed_box.isVisible() and window.example_box.isVisible()
    window.resize(labelled + 40, 700)
    qtbot.waitUntil(lambda: bar.toolButtonStyle() == style.ToolButtonTextBesideIcon)


def _labelled_toolbar_width(qtbot, window) -> int:
    """The toolbar's width with its labels once the example picker counts its examples."""
    window.resize(1600, 900)
    qtbot.waitUntil(lambda: window.example_box.suffix() != "")
    qtbot.waitUntil(
        lambda: window.toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    )
    return window.toolbar.sizeHint().width()


@pytest.fixture
def window_sized_before_shown(qtbot, tmp_path: Path, no_dialogs):
    """Builds a second studio window sized before it is shown, as start-up sizes it."""
    from nnstudio.ui.main_window import MainWindow

    made = []

    def make(width: int, height: int):
        settings = QtCore.QSettings(
            str(tmp_path / f"second-{len(made)}.ini"), QtCore.QSettings.Format.IniFormat
        )
        main = MainWindow(settings=settings, restore_layout=False)
        qtbot.addWidget(main)
        made.append(main)
        main.resize(width, height)
        main.show()
        qtbot.waitExposed(main)
        return main

    yield make
    for main in made:
        main.close_without_asking()
        main.shutdown()


def test_a_window_sized_before_it_is_shown_fits_its_toolbar_to_what_it_holds(
    qtbot, window, window_sized_before_shown
) -> None:
    labelled = _labelled_toolbar_width(qtbot, window)
    # One pixel short of the labels: they fit until the example picker's "/ 128" arrives,
    # after the window is shown, and then they do not.
    second = window_sized_before_shown(labelled - 1, 640)
    second.open_sample("digits")
    qtbot.waitUntil(lambda: second.example_box.suffix() != "")
    qtbot.wait(50)
    assert second.toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly
    assert _toolbar_all_in_sight(second)
    assert second.example_box.isVisible()


@pytest.mark.parametrize("points", [10, 18])
def test_the_narrowest_window_still_shows_every_toolbar_control(
    qtbot, app_font, window_sized_before_shown, points: float
) -> None:
    app_font(points)
    # Asked for less than the icons alone need: the window goes no narrower than they are.
    narrow = window_sized_before_shown(300, 700)
    qtbot.waitUntil(lambda: narrow.example_box.suffix() != "")
    qtbot.wait(50)
    assert narrow.toolbar.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonIconOnly
    assert _toolbar_all_in_sight(narrow)
    assert narrow.speed_box.isVisible() and narrow.example_box.isVisible()


def test_widening_a_narrow_window_brings_labels_back_only_once_they_fit(
    qtbot, window, window_sized_before_shown
) -> None:
    labelled = _labelled_toolbar_width(qtbot, window)
    style = Qt.ToolButtonStyle
    # Icons only from the start; the example picker grows afterwards, while they show.
    second = window_sized_before_shown(800, 600)
    bar = second.toolbar
    assert bar.toolButtonStyle() == style.ToolButtonIconOnly
    second.open_sample("spiral")
    qtbot.waitUntil(lambda: second.example_box.suffix() != "")
    second.resize(labelled - 1, 640)
    qtbot.wait(50)
    assert bar.toolButtonStyle() == style.ToolButtonIconOnly
    assert _toolbar_all_in_sight(second)
    second.resize(labelled, 640)
    qtbot.waitUntil(lambda: bar.toolButtonStyle() == style.ToolButtonTextBesideIcon)
    qtbot.waitUntil(lambda: _toolbar_all_in_sight(second))


def test_dropping_a_project_file_opens_it(qtbot, window, sample) -> None:
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(sample("xor")))])
    assert window._dropped_paths(mime) == [sample("xor")]
    text_only = QtCore.QMimeData()
    text_only.setText("hello")
    assert window._dropped_paths(text_only) == []
    assert window.open_dropped(sample("xor"))
    assert window.document.project.data.builtin == "xor"
    assert window.last_directory() == sample("xor").parent.resolve()


def test_every_sample_opens_with_its_data(qtbot, window, samples_dir: Path, no_dialogs) -> None:
    for path in sorted(samples_dir.glob("*.nnproj")):
        assert window.open_sample(path.stem), path
        assert window.document.dataset is not None, (path, window.document.dataset_error)
        assert not window.document.is_dirty, path
        assert window.windowTitle().startswith(window.document.project.name)
    assert no_dialogs == []


def test_missing_data_is_explained_in_the_banner(qtbot, window, tmp_path, sample) -> None:
    import shutil

    project = tmp_path / "iris.nnproj"
    shutil.copy(sample("iris"), project)  # its CSV stays behind
    assert window.open_path(project)
    assert window.banner.isVisible()
    assert "iris.csv" in window.banner.label.text()
    window.play_action.trigger()
    qtbot.waitUntil(lambda: "Cannot train" in window.banner.label.text(), timeout=FRAME_TIMEOUT)
    assert window.controller.state != "running"


def test_learning_rate_edit_reaches_a_running_trainer(qtbot, window) -> None:
    from dataclasses import replace

    window.open_sample("spiral")
    window.document.set_training(replace(window.document.project.training, epochs=None))
    window.play_action.trigger()
    _wait_state(qtbot, window, "running")
    field = window.training_dock.settings_widget.learning_rate
    field.setText("0.0123")
    field.editingFinished.emit()
    assert window.document.project.training.learning_rate == pytest.approx(0.0123)

    def uses_new_rate() -> bool:
        snapshot = _latest_snapshot(window)
        return snapshot is not None and snapshot.learning_rate == pytest.approx(0.0123)

    qtbot.waitUntil(uses_new_rate, timeout=FRAME_TIMEOUT)
    assert window.controller.state == "running"
    window.stop_action.trigger()
    _wait_state(qtbot, window, "stopped")


def test_run_studio_shows_the_spiral_and_returns_the_exit_code(qapp, monkeypatch) -> None:
    from nnstudio.ui import app as app_module
    from nnstudio.ui.main_window import MainWindow

    created: list[MainWindow] = []

    class RecordingWindow(MainWindow):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            created.append(self)

    seen: dict[str, object] = {}

    def fake_exec(_app) -> int:
        window = created[-1]
        seen["title"] = window.windowTitle()
        seen["visible"] = window.isVisible()
        window.close_without_asking()
        return 3

    monkeypatch.setattr("nnstudio.ui.main_window.MainWindow", RecordingWindow)
    monkeypatch.setattr(type(qapp), "exec", fake_exec)
    try:
        assert app_module.run_studio(None) == 3
    finally:
        for window in created:
            window.close_without_asking()
            window.shutdown()
    assert len(created) == 1
    assert seen["visible"]
    assert "spiral" in str(seen["title"]).lower()


@pytest.mark.parametrize("key", ["npz", "json", "onnx", "safetensors", "torch", "python"])
def test_every_weights_format_exports_from_the_dialog(window, tmp_path, no_dialogs, key) -> None:
    from nnstudio.io.exporters import EXPORT_FORMATS

    window.open_sample("xor")
    dialog = ExportDialog(window.document, window.canvas, window.plots, tmp_path, window)
    dialog.select(key)
    target = tmp_path / f"model{EXPORT_FORMATS[key].suffix}"
    dialog.path_edit.setText(str(target))
    dialog.accept()
    if no_dialogs:
        # Only a missing optional package may stop an export, and it must say how to fix it.
        assert "pip install" in no_dialogs[0][1], no_dialogs
        pytest.skip(no_dialogs[0][1])
    assert dialog.written and all(path.exists() for path in dialog.written)
    assert target in dialog.written
    dialog.close()


def test_load_weights_warm_starts_and_reports_shape_mismatch(
    window, sample, no_dialogs, tmp_path
) -> None:
    import numpy as np

    from nnstudio.io.exporters import export

    window.load(sample("xor"))
    project = window.document.project
    rng = np.random.default_rng(3)
    weights = tuple(
        (rng.normal(size=w_shape), rng.normal(size=b_shape))
        for w_shape, b_shape in project.network.weight_shapes()
    )
    export("npz", project, weights, tmp_path / "start.npz")

    assert window.load_weights(tmp_path / "start.npz")
    for (W, b), (W_loaded, b_loaded) in zip(weights, window.document.weights, strict=True):
        np.testing.assert_allclose(W_loaded, W)
        np.testing.assert_allclose(b_loaded, b)
    window.document.undo_stack.undo()
    assert window.document.weights is None or not np.allclose(
        window.document.weights[0][0], weights[0][0]
    )

    # Weights of another shape are refused with the layer and both shapes named.
    wider = project.network.with_layer(0, project.network.layers[0].__class__(units=7))
    other = tuple(
        (np.zeros(w_shape), np.zeros(b_shape)) for w_shape, b_shape in wider.weight_shapes()
    )
    from dataclasses import replace

    export("npz", replace(project, network=wider), other, tmp_path / "other.npz")
    assert not window.load_weights(tmp_path / "other.npz")
    title, text = no_dialogs[-1]
    assert title == "Cannot load weights"
    assert "layer 1" in text and "7" in text


def test_weights_trained_for_other_activations_load_only_when_confirmed(
    window, sample, no_dialogs, tmp_path, monkeypatch
) -> None:
    from dataclasses import replace

    from nnstudio.io.exporters import export

    window.load(sample("xor"))
    project = window.document.project
    relu = project.network.with_layer(0, replace(project.network.layers[0], activation="relu"))
    weights = tuple(
        (np.full(w_shape, 0.5), np.zeros(b_shape)) for w_shape, b_shape in relu.weight_shapes()
    )
    export("npz", replace(project, network=relu), weights, tmp_path / "relu.npz")
    before = window.document.weights
    answers = iter(
        [QtWidgets.QMessageBox.StandardButton.No, QtWidgets.QMessageBox.StandardButton.Yes]
    )
    asked: list[str] = []

    def question(_parent, _title, text, *args, **kwargs):
        asked.append(text)
        # After the two answers (closing the window asks about unsaved work): discard.
        return next(answers, QtWidgets.QMessageBox.StandardButton.Discard)

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", staticmethod(question))
    assert not window.load_weights(tmp_path / "relu.npz")
    assert window.document.weights is before
    assert "trained with the activations relu, sigmoid" in asked[0]
    assert window.load_weights(tmp_path / "relu.npz")
    np.testing.assert_array_equal(window.document.weights[0][0], weights[0][0])


def test_example_picker_recolours_the_neurons(qtbot, window) -> None:
    window.open_sample("xor")
    with qtbot.waitSignal(window.frameShown, timeout=FRAME_TIMEOUT):
        window.step_action.trigger()
    qtbot.waitUntil(lambda: window.example_box.maximum() > 1, timeout=FRAME_TIMEOUT)
    count = window.example_box.maximum()
    assert window.canvas.example_caption().startswith(f"neurons: example 1/{count}")
    window.example_box.setValue(count)
    assert window.canvas.example_caption().startswith(f"neurons: example {count}/{count}")
    # The picker says which training example that is, and why the count is not the rows'.
    frame = window.canvas._frame
    row = int(frame.probe_indices[count - 1])
    name = frame.target_names[int(frame.probe_labels[count - 1])]
    tip = window.example_box.toolTip()
    assert f"training example {row + 1}, class {name}." in tip
    assert f"follow {count} examples drawn at random from the training set, grouped by" in tip


# ---- live frames and start-up --------------------------------------------------------------------


def _untrained_frame(window):
    from nnstudio.ui.frame import make_frame
    from nnstudio.workflow import build_network

    document = window.document
    network = build_network(document.project, document.weights)
    return make_frame(network, document.dataset, None, probe_size=16, grid_size=8)


def test_live_frames_reach_each_view_in_its_own_event_newest_frame_last(qtbot, window) -> None:
    window.open_sample("xor")
    window.controller.shutdown()  # only the frames made here arrive
    QtWidgets.QApplication.processEvents()
    first, second = _untrained_frame(window), _untrained_frame(window)
    shown: list[object] = []
    window.frameShown.connect(shown.append)
    order: list[str] = []
    window.canvas.show_frame = _spy(window.canvas.show_frame, order, "canvas")
    window.plots.loss_tab._show_loss = _spy(window.plots.loss_tab._show_loss, order, "loss")
    window.properties_dock.show_frame = _spy(window.properties_dock.show_frame, order, "properties")
    window.data_panel.show_frame = _spy(window.data_panel.show_frame, order, "data")
    window._frame_ready(first)
    window._frame_ready(second)
    assert order == []  # every view takes its share from the event loop
    qtbot.waitUntil(lambda: shown == [second] and not window.relay.busy)
    QtWidgets.QApplication.processEvents()
    assert shown == [second]  # the older frame was replaced, not shown late
    assert window.canvas.frame is second
    assert order == ["canvas", "loss", "properties", "data"]
    # Views that held their repaints while taking the frame in paint again.
    assert window.canvas.viewport().updatesEnabled()
    graphics = window.plots.loss_tab.graphics
    assert graphics.viewportUpdateMode() == graphics.ViewportUpdateMode.MinimalViewportUpdate


def test_the_built_window_is_kept_out_of_garbage_collections(qtbot, window) -> None:
    import gc

    window.repaint()
    qtbot.waitUntil(lambda: gc.get_freeze_count() > 0)
    window.shutdown()
    assert gc.get_freeze_count() == 0


def _spy(method, order: list[str], name: str):
    def spy(*args, **kwargs):
        order.append(name)
        return method(*args, **kwargs)

    return spy


def test_hidden_plot_tabs_are_built_after_the_window_is_painted(qtbot, window) -> None:
    window.repaint()
    qtbot.waitUntil(lambda: len(window.plots._tabs) == len(window.plots.tab_names()))
    assert window.plots.tabs.widget(1) is window.plots.weights_tab


def test_the_state_badge_fits_every_state_and_stays_compact(qtbot, window) -> None:
    from nnstudio.ui.main_window import STATE_STYLES

    window.resize(1900, 900)
    qtbot.wait(50)
    label = window.status.state_label
    widths = set()
    for state, (text, _fg, _bg) in STATE_STYLES.items():
        window.status.set_state(state)
        assert label.text() == text
        assert label.sizeHint().width() <= label.width()  # the bold text and its padding fit
        widths.add(label.width())
    # One width for every state, and a badge rather than a bar across a wide window.
    assert len(widths) == 1 and label.width() < 200


def test_a_project_with_several_problems_lists_them_one_per_line(
    window, sample, tmp_path, no_dialogs
) -> None:
    import json

    document = json.loads(sample("xor").read_text(encoding="utf-8"))
    document["network"]["layers"][0]["activation"] = "relu6"
    document["training"]["learning_rate"] = -1
    document["training"]["seed"] = int("9" * 400)
    path = tmp_path / "broken.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    name = window.document.project.name
    assert not window.open_path(path, ask=False)
    title, text = no_dialogs[-1]
    assert title == "Cannot open project"
    head, _, listed = text.partition("\n\n")
    assert head == "broken.nnproj is not a valid project: 3 problems"
    lines = listed.splitlines()
    assert len(lines) == 3 and all(line.startswith("• ") for line in lines)
    assert any("relu6" in line for line in lines)
    # The 400-digit seed is cut short rather than running off the box.
    assert max(len(line) for line in lines) <= 242
    assert window.document.project.name == name  # the open project is kept
    assert "broken.nnproj" in window.statusBar().currentMessage()
    # Opening another project clears the message about the failed one.
    window.open_sample("iris")
    assert "broken.nnproj" not in window.statusBar().currentMessage()


def test_opening_a_project_shows_the_wait_cursor_while_it_loads(window, sample, monkeypatch):
    seen: list[object] = []
    original = window.document.open

    def open_and_look(path):
        cursor = QtWidgets.QApplication.overrideCursor()
        seen.append(None if cursor is None else cursor.shape())
        original(path)

    monkeypatch.setattr(window.document, "open", open_and_look)
    assert window.open_path(sample("iris"), ask=False)
    assert window.open_sample("xor")
    assert seen == [Qt.CursorShape.WaitCursor] * 2
    assert QtWidgets.QApplication.overrideCursor() is None  # restored afterwards


def test_a_project_is_read_with_its_data_in_a_worker_thread(window, sample, monkeypatch):
    import threading

    from nnstudio.ui import document as document_module

    threads: list[threading.Thread] = []
    real_load = document_module.load_dataset

    def recording_load(spec, base_dir=".", progress=None):
        threads.append(threading.current_thread())
        return real_load(spec, base_dir, progress)

    monkeypatch.setattr(document_module, "load_dataset", recording_load)
    assert window.open_path(sample("iris"), ask=False)
    assert window.document.project.name == "Iris flowers"
    assert window.document.dataset is not None and window.document.dataset.n_features == 4
    # Read once, away from the window's thread (the document took the data it read).
    assert len(threads) == 1 and threads[0] is not threading.main_thread()


def test_cancelling_an_open_keeps_the_project_that_was_open(
    window, sample, monkeypatch, no_dialogs, progress_canceller
):
    from nnstudio.ui import document as document_module

    window.open_sample("xor")
    before = (window.document.project, window.document.path, window.document.dataset)
    monkeypatch.setattr(document_module, "load_dataset", progress_canceller.endless_read)
    progress_canceller.press_cancel_when_shown()
    assert not window.open_path(sample("iris"), ask=False)
    assert progress_canceller.titles == ["Opening iris.nnproj"]
    assert (window.document.project, window.document.path, window.document.dataset) == before
    assert window.statusBar().currentMessage() == "Opening iris.nnproj was cancelled"
    assert no_dialogs == []  # a cancel is no error


def _iris_then_xor(window, monkeypatch, csv_path: Path):
    """Iris from ``csv_path``, then XOR, with only the data set in use kept in memory."""
    from nnstudio.spec import BuiltinData, CsvData
    from nnstudio.ui import document as document_module

    monkeypatch.setattr(document_module, "_DATASET_CACHE_BYTES", 0)
    iris = CsvData(csv=str(csv_path), target=("species",))
    assert window.document.set_data(iris)
    assert window.document.set_data(BuiltinData(builtin="xor"), "Use XOR")
    return iris


def test_undo_back_to_data_no_longer_in_memory_reads_it_in_the_background(
    window, monkeypatch, samples_dir: Path, no_dialogs
) -> None:
    import threading

    from nnstudio.ui import document as document_module
    from nnstudio.ui import main_window as main_window_module

    iris = _iris_then_xor(window, monkeypatch, samples_dir / "iris.csv")
    readers: list[str] = []
    real_load = main_window_module.load_dataset

    def recording_load(spec, base_dir, progress):
        readers.append(threading.current_thread().name)
        return real_load(spec, base_dir, progress)

    real_document_load = document_module.load_dataset

    def no_second_read(spec, *args: object):
        assert spec != iris, "the document read the file again"
        return real_document_load(spec, *args)  # XOR is generated again

    monkeypatch.setattr(main_window_module, "load_dataset", recording_load)
    monkeypatch.setattr(document_module, "load_dataset", no_second_read)
    window.undo_action.trigger()
    assert readers == ["read"]  # the worker thread, not the window's
    assert window.document.project.data == iris
    assert window.document.dataset is not None and len(window.document.dataset.class_names) == 3
    # Redo to built-in data reads no file.
    window.redo_action.trigger()
    assert window.document.project.data.builtin == "xor" and readers == ["read"]
    assert no_dialogs == []


def test_cancelling_the_read_of_an_undo_step_cancels_the_step(
    window, monkeypatch, samples_dir: Path, no_dialogs, progress_canceller
) -> None:
    from nnstudio.ui import main_window as main_window_module

    _iris_then_xor(window, monkeypatch, samples_dir / "iris.csv")
    stack = window.document.undo_stack
    index, project = stack.index(), window.document.project
    monkeypatch.setattr(main_window_module, "load_dataset", progress_canceller.endless_read)
    progress_canceller.press_cancel_when_shown()
    window.undo_action.trigger()
    assert progress_canceller.titles == ["Reading iris.csv"]
    assert stack.index() == index and window.document.project == project
    assert window.document.dataset is not None  # still XOR's
    assert window.statusBar().currentMessage() == "Undo cancelled: reading iris.csv was cancelled"
    assert window.undo_action.isEnabled() and no_dialogs == []


def test_undo_back_to_a_file_that_is_gone_says_why_its_data_is_missing(
    window, monkeypatch, samples_dir: Path, tmp_path: Path, no_dialogs
) -> None:
    import shutil

    from nnstudio.ui import document as document_module

    copy = tmp_path / "flowers.csv"
    shutil.copy(samples_dir / "iris.csv", copy)
    iris = _iris_then_xor(window, monkeypatch, copy)
    copy.unlink()
    reads: list[object] = []
    real_load = document_module.load_dataset
    monkeypatch.setattr(
        document_module, "load_dataset", lambda *args: reads.append(args) or real_load(*args)
    )
    window.undo_action.trigger()
    # The step happens; the file was looked for once, by the read ahead of it.
    assert window.document.project.data == iris and reads == []
    assert window.document.dataset is None
    assert "flowers.csv" in window.document.dataset_error
    window.redo_action.trigger()  # XOR again
    assert window.document.dataset is not None and window.document.dataset_error is None
    assert no_dialogs == []


def test_the_previous_run_stays_in_the_loss_plot_to_compare_with(qtbot, window) -> None:
    window.open_sample("xor")
    loss = window.plots.loss_tab
    assert loss.previous_history is None and not loss.show_previous.isEnabled()

    def epochs_shown(at_least: int) -> bool:
        snapshot = _latest_snapshot(window)
        return snapshot is not None and snapshot.epoch >= at_least and not window.relay.busy

    for epoch in (1, 2, 3):
        window.step_epoch_action.trigger()
        qtbot.waitUntil(
            lambda epoch=epoch: epochs_shown(epoch) and window.controller.state == "paused",
            timeout=FRAME_TIMEOUT,
        )
    window.plots.show_frame(window.controller.latest_frame)
    first_run = loss._history
    assert len(first_run) == 4  # epochs 0..3
    # A new run (here: Stop, then Step) keeps the last one in the plot; it counts on from
    # the stopped run's step 3 (full batch: a step an epoch).
    window.stop_action.trigger()
    _wait_state(qtbot, window, "stopped")
    window.step_action.trigger()
    qtbot.waitUntil(
        lambda: _latest_snapshot(window).step == 4 and not window.relay.busy,
        timeout=FRAME_TIMEOUT,
    )
    window.plots.show_frame(window.controller.latest_frame)
    assert loss.previous_history is first_run
    assert loss.show_previous.isEnabled()
    xs, ys = loss.previous_train.getData()
    # Drawn at its epochs, up to epoch 3, where the new run goes on from (as much of it as
    # the x axis shows).
    shown = np.isfinite(ys)
    epochs = xs[shown].astype(int)
    assert epochs[-1] == 3
    np.testing.assert_allclose(ys[shown], np.asarray(first_run.train_loss)[epochs])
    assert "previous" in loss.loss_plot.titleLabel.text
    # It can be hidden, and other data forgets it.
    loss.show_previous.setChecked(False)
    assert loss.previous_train.getData()[0] is None or len(loss.previous_train.getData()[0]) == 0
    assert "previous" not in loss.loss_plot.titleLabel.text
    loss.show_previous.setChecked(True)
    window.open_sample("circles")
    qtbot.waitUntil(lambda: loss.previous_history is None, timeout=FRAME_TIMEOUT)


@pytest.mark.parametrize(("sample", "size"), [("spiral", (1280, 800)), ("iris", (1024, 640))])
def test_canvas_text_stays_readable_in_a_default_window(qtbot, window, sample, size) -> None:
    window.resize(*size)
    window.open_sample(sample)
    window.apply_default_sizes()
    canvas = window.canvas
    qtbot.waitUntil(lambda: canvas.viewport().width() > 300)
    canvas.fit()
    scale = canvas.transform().m11()
    # Fitting the drawing into what the docks leave shrinks scene-sized text (to 5–8 px);
    # titles, subtitles and the input and output names keep a readable size on screen.
    for lane in canvas.lanes:
        title, subtitle = lane.header_fonts(scale)
        assert title.pixelSize() * scale >= 9.5, (lane.title, title.pixelSize() * scale)
        assert subtitle.pixelSize() * scale >= 8.0, (lane.subtitle, subtitle.pixelSize() * scale)
    for column in (canvas.columns[0], canvas.columns[-1]):
        assert column.label_font_at(scale).pixelSize() * scale >= 8.5
    # Zoomed in, text keeps its drawn size instead of growing further.
    lane = canvas.lanes[1]
    assert lane.header_fonts(4.0)[0].pixelSize() == lane.header_fonts(1.0)[0].pixelSize()


def test_plot_choices_and_tab_survive_a_restart(qtbot, window, settings) -> None:
    from nnstudio.ui.main_window import MainWindow

    plots = window.plots
    plots.loss_tab.log_scale.setChecked(True)
    plots.loss_tab.show_batches.setChecked(False)
    plots.weights_tab.beside.setCurrentText("Layer over training")
    plots.tabs.setCurrentIndex(plots.tab_names().index("Gradients"))
    plots.gradients_tab.show_raw.setChecked(False)
    window.close_without_asking()

    again = MainWindow(settings=settings, restore_layout=True)
    qtbot.addWidget(again)
    try:
        panel = again.plots
        assert panel.tabs.tabText(panel.tabs.currentIndex()) == "Gradients"
        assert panel.gradients_tab.show_raw.isChecked() is False
        assert panel.loss_tab.log_scale.isChecked() is True
        assert panel.loss_tab.show_batches.isChecked() is False
        # The Weights tab is built after start-up and takes its saved choice then.
        assert panel.weights_tab.beside.currentText() == "Layer over training"
        # A choice never made keeps its default.
        assert panel.output_tab.show_boundary.isChecked() is True
    finally:
        again.close_without_asking()
        again.shutdown()


@pytest.mark.parametrize(
    "stored",
    [
        "not json {",
        json.dumps([1, 2]),
        json.dumps({"tab": 7, "options": {"Loss": {"logScale": "yes"}, "Nope": {}}}),
        json.dumps({"tab": "Nope", "options": {"Weights": {"besideHeatmap": "Gone"}}}),
    ],
    ids=["broken", "list", "wrong-types", "unknown-names"],
)
def test_damaged_plot_settings_leave_the_defaults(qtbot, settings, stored) -> None:
    from nnstudio.ui.main_window import MainWindow

    settings.setValue("plots", stored)
    window = MainWindow(settings=settings, restore_layout=True)
    qtbot.addWidget(window)
    try:
        panel = window.plots
        assert panel.tabs.currentIndex() == 0
        assert panel.loss_tab.log_scale.isChecked() is False
        assert panel.weights_tab.beside.currentText() == "Distribution per layer"
    finally:
        window.close_without_asking()
        window.shutdown()


def test_the_shortcuts_dialog_fits_a_small_screen_and_scrolls(qtbot) -> None:
    from nnstudio.ui.main_window import SHORTCUTS_HELP, ShortcutsDialog
    from nnstudio.ui.qt import Qt

    dialog = ShortcutsDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    assert table.rowCount() == len(SHORTCUTS_HELP)
    available = dialog.screen().availableGeometry().height()
    # Opens within the screen (with room for its title bar), every row shown if it fits.
    assert dialog.height() <= available - 60
    if not table.verticalScrollBar().isVisible():
        last = table.visualItemRect(table.item(table.rowCount() - 1, 0))
        assert last.bottom() <= table.viewport().height()
    # It may be made far shorter than all its rows (a 640-pixel-high screen): they scroll.
    assert dialog.minimumSizeHint().height() < 320
    dialog.resize(dialog.width(), 300)
    qtbot.waitUntil(lambda: dialog.height() == 300)
    qtbot.waitUntil(table.verticalScrollBar().isVisible)
    alignment = table.horizontalHeader().defaultAlignment()
    assert alignment & Qt.AlignmentFlag.AlignLeft


def test_weights_beyond_float32_are_refused_for_a_float32_project(
    window, sample, no_dialogs, tmp_path
) -> None:
    import numpy as np

    window.load(sample("xor"))
    project = window.document.project
    assert project.training.dtype == "float32"
    arrays = {}
    for number, (w_shape, b_shape) in enumerate(project.network.weight_shapes(), start=1):
        arrays[f"W{number}"] = np.full(w_shape, 0.5)
        arrays[f"b{number}"] = np.zeros(b_shape)
    arrays["W1"][0, 0] = 1e300  # float64 holds it; cast to float32 it would be infinite
    np.savez(tmp_path / "huge.npz", **arrays)
    before = window.document.weights
    assert not window.load_weights(tmp_path / "huge.npz")
    assert window.document.weights is before
    title, text = no_dialogs[-1]
    assert title == "Cannot load weights" and "huge.npz" in text and "float32" in text


def test_the_example_picker_chooses_the_example_properties_reads_out(qtbot, window) -> None:
    from nnstudio.ui.selection import Selection

    window.open_sample("xor")
    with qtbot.waitSignal(window.frameShown, timeout=FRAME_TIMEOUT):
        window.step_action.trigger()
    qtbot.waitUntil(lambda: window.example_box.maximum() > 2, timeout=FRAME_TIMEOUT)
    window.canvas.select(Selection("neuron", 1, 0))
    readout = window.properties_dock.properties.neuron_page.readout
    qtbot.waitUntil(lambda: not readout.isHidden(), timeout=FRAME_TIMEOUT)
    count = window.example_box.maximum()
    assert f"Example 1 / {count}" in readout.text()
    window.example_box.setValue(3)
    assert f"Example 3 / {count}" in readout.text()


def test_a_penalty_set_while_paused_relabels_the_mini_batch_losses(window) -> None:
    from dataclasses import replace

    window.open_sample("xor")
    tab = window.plots.loss_tab
    assert "batch&nbsp;J" not in tab.loss_plot.titleLabel.text
    training = replace(window.document.project.training, l2=0.01)
    assert window.document.set_training(training, "Change L2")
    assert "batch&nbsp;J&nbsp;(with&nbsp;penalty)" in tab.loss_plot.titleLabel.text


def test_a_loss_already_infinite_at_the_first_step_blames_the_data(qtbot, window) -> None:
    window.open_sample("xor")
    text = (
        "Training cannot start: the loss is inf at the first step, before any update, so the "
        "learning rate is not the cause: the data's values are too large for the loss in "
        "float64. Rescale or standardise the targets (and the inputs)."
    )
    window.controller.message.emit(text)
    window.controller.stateChanged.emit("diverged")
    qtbot.waitUntil(window.banner.isVisible)
    shown = window.banner.label.text()
    assert shown.startswith("Training cannot start")
    assert "learning rate" not in shown
    # The whole reason stays at hand in the banner's tooltip.
    assert "before any update" in window.banner.label.toolTip()


def test_a_selected_neurons_weights_take_the_canvas_colours(qtbot, window) -> None:
    from nnstudio.ui.neuron_view import network_weight_limit

    window.open_sample("digits")
    _select(window, Selection("neuron", 1, 0))
    window.step_action.trigger()
    view = window.properties_dock.properties.neuron_page.view
    qtbot.waitUntil(view.weight_image.isVisible, timeout=FRAME_TIMEOUT)
    qtbot.waitUntil(lambda: window.controller.state != "running", timeout=FRAME_TIMEOUT)
    # Weights from the inputs the canvas leaves out ("N more") ten times larger: the
    # network's own scale grows, the canvas's (over the edges it draws) does not.
    drawn = window.canvas.layout_geometry.columns[0].indices
    (W, b), *rest = window.document.weights
    W = W * 10.0
    W[drawn] /= 10.0
    window.document.set_weights(((W, b), *rest))
    qtbot.waitUntil(lambda: np.array_equal(window.document.weights[0][0], W), timeout=FRAME_TIMEOUT)
    limit = window.canvas.weight_limit
    assert limit is not None
    assert network_weight_limit(window.document.weights) > 3 * limit
    # The picture of the incoming weights spans the canvas's scale, as its legend says.
    qtbot.waitUntil(
        lambda: tuple(view.weight_image.levels) == pytest.approx((-limit, limit)),
        timeout=FRAME_TIMEOUT,
    )


def test_views_held_for_a_frame_repaint_again_after_opening_another_project(qtbot, window) -> None:
    from nnstudio.ui.qt import pg

    window.open_sample("spiral")
    _select(window, Selection("neuron", 1, 0))
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.plots._frame is not None, timeout=FRAME_TIMEOUT)
    qtbot.waitUntil(lambda: window.controller.state != "running", timeout=FRAME_TIMEOUT)
    qtbot.wait(200)
    frame = window.plots._frame
    held = QtWidgets.QGraphicsView.ViewportUpdateMode.NoViewportUpdate
    plot_view = window.plots.loss_tab.graphics
    neuron_views = [
        view
        for view in window.properties_dock.properties.neuron_page.findChildren(pg.GraphicsView)
        if view.isVisible()
    ]
    # Each view has taken a frame in and waits for the repaint steps of its turn...
    window.canvas.hold_repaints()
    window.plots.frame_steps(frame)[0]()
    window.properties_dock.frame_steps(frame)[0]()
    views = [window.canvas, plot_view, *neuron_views]
    assert all(view.viewportUpdateMode() == held for view in views)
    # ... when another project opens and drops those steps.
    window.open_sample("xor")
    assert all(view.viewportUpdateMode() != held for view in views)
    assert window.canvas.legend.updatesEnabled()
