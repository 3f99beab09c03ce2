"""The window's layout at common sizes: what the centre, the status bar and the docks show.

Each test looks at what is on screen (geometry, the text shown, visibility) at the sizes
people use: 1024 x 640, 1280 x 800 and 1920 x 1080.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from nnstudio.ui.qt import Qt, QtCore, QtGui, QtWidgets

pytestmark = pytest.mark.gui


def _resize(qtbot, window, width: int, height: int) -> None:
    """Resize ``window`` and let its layout (and the docks' shares) settle."""
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size() == QtCore.QSize(width, height))
    QtWidgets.QApplication.processEvents()
    QtWidgets.QApplication.processEvents()


def _settled(qtbot, window) -> None:
    """Wait until the window laid its docks out on screen (they follow resizes from then)."""
    qtbot.waitUntil(lambda: window._docks_tracked)
    QtWidgets.QApplication.processEvents()


def _rect_in(widget: QtWidgets.QWidget, ancestor: QtWidgets.QWidget) -> QtCore.QRect:
    """``widget``'s rectangle in ``ancestor``'s coordinates."""
    return QtCore.QRect(widget.mapTo(ancestor, QtCore.QPoint(0, 0)), widget.size())


# ---- the banner above the canvas ----------------------------------------------------------------


@pytest.mark.parametrize("size", [(1024, 640), (1280, 800), (1920, 1080)])
def test_a_diverged_banner_leaves_the_whole_canvas_in_sight(qtbot, window, size) -> None:
    _settled(qtbot, window)
    window.open_sample("spiral")
    _resize(qtbot, window, *size)
    window.controller.stateChanged.emit("diverged")
    qtbot.waitUntil(window.banner.isVisible)
    QtWidgets.QApplication.processEvents()
    banner, canvas, centre = window.banner, window.canvas, window.centralWidget()
    # The canvas lies below the banner and inside the centre: its colour key and zoom
    # buttons are not under the Plots dock.
    canvas_rect = _rect_in(canvas, window)
    assert canvas_rect.top() >= _rect_in(banner, window).bottom()
    assert _rect_in(centre, window).contains(canvas_rect)
    plots = _rect_in(window.plots_dock, window)
    assert not canvas_rect.intersects(plots)
    for overlay in (canvas.zoom_bar, canvas.legend):
        if overlay.isVisible():
            assert canvas_rect.contains(_rect_in(overlay, window))
    # Two lines at most, the advice first; the explanation is in the tooltip.
    shown = banner.label.text()
    assert shown.count("\n") <= 1 and "diverged" in shown.lower()
    assert "smaller learning rate" in " ".join(shown.split())
    assert "NaN or infinite" in banner.label.toolTip()
    assert banner.height() <= banner.tallest()
    # A notice over the canvas at the same time stays inside it too.
    canvas.show_notice(
        "Loss changed from binary cross-entropy to squared error (½ · mean) to fit the new "
        "output layer"
    )
    qtbot.waitUntil(canvas.notice_banner.isVisible)
    assert canvas_rect.contains(_rect_in(canvas.notice_banner, window))


def test_a_long_banner_message_ends_in_an_ellipsis_and_shows_whole_in_its_tooltip(
    qtbot, window
) -> None:
    _settled(qtbot, window)
    _resize(qtbot, window, 1024, 640)
    text = "The data could not be loaded: " + "a very long reason, " * 12 + "the end."
    window.banner.show_message(text)
    qtbot.waitUntil(window.banner.isVisible)
    QtWidgets.QApplication.processEvents()
    canvas_rect = _rect_in(window.canvas, window)
    assert _rect_in(window.centralWidget(), window).contains(canvas_rect)
    label = window.banner.label
    assert label.text().count("\n") == 1 and label.text().endswith("…")
    assert label.toolTip() == text
    # Dismissed, the canvas has its whole minimum height back.
    window.banner.hide()
    QtWidgets.QApplication.processEvents()
    assert window.canvas.minimumHeight() == window._canvas_min_height


def test_underscores_on_the_banners_last_line_are_drawn_whole(qtbot, window) -> None:
    _settled(qtbot, window)
    window.banner.show_message(
        "Opened with fresh weights: damaged_w.nnproj: damaged_w.weights.npz is not a valid "
        "weights file, " + "with_underscores_in_every_word " * 6
    )
    qtbot.waitUntil(window.banner.isVisible)
    QtWidgets.QApplication.processEvents()
    label = window.banner.label
    assert label.text().count("\n") == 1
    image = label.grab().toImage()
    text_rows = [
        y
        for y in range(image.height())
        if any(image.pixelColor(x, y).red() < 160 for x in range(0, image.width(), 1))
    ]
    # The lowest ink (the underscores' stroke) lies inside the label, not on its cut edge:
    # clipped, "damaged_w" reads "damaged w".
    assert text_rows and text_rows[-1] < image.height() - 1


# ---- the status bar ------------------------------------------------------------------------------


def _report(status, epoch: int, step: int, speed: float, eta: float, total: int = 500) -> None:
    status.show_progress(
        {
            "epoch": epoch,
            "step": step,
            "epochs_total": total,
            "steps_per_second": speed,
            "eta_seconds": eta,
            "state": "running",
        }
    )


def _snapshot(epoch: int, step: int, train: float, val: float) -> SimpleNamespace:
    return SimpleNamespace(
        epoch=epoch, step=step, epoch_progress=0.0, train_loss=train, val_loss=val
    )


@pytest.mark.parametrize("width", [1024, 1280, 1920])
def test_the_status_items_stay_put_while_training_runs(qtbot, window, monkeypatch, width) -> None:
    from nnstudio.ui import main_window

    clock = {"now": 100.0}
    monkeypatch.setattr(main_window, "time", SimpleNamespace(monotonic=lambda: clock["now"]))
    _settled(qtbot, window)
    window.open_sample("spiral")
    _resize(qtbot, window, width, 800)
    status = window.status
    window.controller.stateChanged.emit("running")
    QtWidgets.QApplication.processEvents()
    items = (status.state_label, *status._live_labels(), status.progress)

    def places() -> list[int]:
        QtWidgets.QApplication.processEvents()
        return [_rect_in(item, window).x() for item in items]

    start = places()
    # Figures of every size a run shows: more digits, small losses, fast steps, longer ETAs.
    run = [
        (0, 3, 9.0, 7.0, 0.7929, 0.7932),
        (4, 180, 120.0, 95.0, 0.6607, 0.6564),
        (60, 2_700, 1_234.0, 600.0, 0.04213, 0.05126),
        (250, 11_250, 9_876.0, 1_800.0, 0.001213, 0.0826),
        (499, 22_455, 45_678.0, 3.0, 1.234e-05, 2.5e-05),
    ]
    for epoch, step, speed, eta, train, val in run:
        clock["now"] += 1.0
        _report(status, epoch, step, speed, eta)
        status.show_snapshot(_snapshot(epoch, step, train, val), 500)
        assert places() == start, status.loss_label.text()
        # Each figure shows whole in its slot.
        for label in status._live_labels():
            if label.isVisible():
                needed = label.fontMetrics().horizontalAdvance(label.text())
                assert needed <= label.contentsRect().width(), label.text()


def test_a_paused_run_gives_its_empty_slots_to_the_messages(qtbot, window) -> None:
    _settled(qtbot, window)
    window.open_sample("spiral")
    _resize(qtbot, window, 1024, 640)
    status = window.status
    window.controller.stateChanged.emit("running")
    _report(status, 3, 135, 99.0, 61.0)
    QtWidgets.QApplication.processEvents()
    assert status.speed_label.isVisible() and status.eta_label.isVisible()
    running_left = _rect_in(status, window).left()
    window.controller.stateChanged.emit("paused")
    assert not status.speed_label.isVisible() and not status.eta_label.isVisible()
    qtbot.waitUntil(lambda: _rect_in(status, window).left() > running_left)
    # Their room went to the message, which now shows a stop message whole.
    text = "Stopped at epoch 12, step 540."
    window.statusBar().showMessage(text)
    assert window.status_message.text() == text


@pytest.mark.parametrize("state", ["running", "paused", "finished"])
def test_status_messages_are_readable_in_a_1024_pixel_window(qtbot, window, state) -> None:
    _settled(qtbot, window)
    window.open_sample("digits")
    _resize(qtbot, window, 1024, 640)
    window.controller.stateChanged.emit(state)
    if state == "running":
        _report(window.status, 2, 99, 99.0, 17.0, total=40)
    window.status.show_snapshot(_snapshot(2, 99, 0.001213, 0.0826), 40)
    QtWidgets.QApplication.processEvents()
    bar = window.statusBar()
    for text in ("Finished 40 epochs (1,800 steps).", "Stopped at epoch 12, step 540."):
        bar.showMessage(text)
        QtWidgets.QApplication.processEvents()
        # Room for the whole message left of the training status, and it shows there.
        needed = bar.fontMetrics().horizontalAdvance(text) + 8
        assert needed <= _rect_in(window.status, window).left()
        shown = window.status_message
        assert shown.isVisible() and shown.text() == text
        assert _rect_in(shown, window).left() + needed <= _rect_in(window.status, window).left()
    # A message too long for the room ends in "…", and shows whole in the tooltip.
    long = "Input layer resized from 2 to 1 input to match the data; " * 3
    window.statusBar().showMessage(long)
    QtWidgets.QApplication.processEvents()
    assert shown.text().endswith("…") and shown.toolTip() == long
    assert _rect_in(shown, window).right() < _rect_in(window.status, window).left()


def test_a_new_run_clears_the_message_of_the_last_one(qtbot, window) -> None:
    _settled(qtbot, window)
    window.open_sample("xor")
    controller = window.controller
    # As the controller tells it: the message first, then the state it announces.
    controller.message.emit("Finished 40 epochs (1,800 steps).")
    controller.stateChanged.emit("finished")
    assert window.statusBar().currentMessage() == "Finished 40 epochs (1,800 steps)."
    assert window.status.state_label.text() == "Finished"
    controller.stateChanged.emit("running")
    assert window.status.state_label.text() == "Running"
    assert window.statusBar().currentMessage() == ""
    assert window.status_message.text() == ""
    controller.message.emit("Stopped at epoch 2, step 105.")
    controller.stateChanged.emit("stopped")
    assert window.status_message.text() == "Stopped at epoch 2, step 105."
    # A message about something else (the data) is not the run's: a state change keeps it.
    window.document.notice.emit("Input layer resized from 2 to 1 input to match the data")
    controller.stateChanged.emit("running")
    assert window.status_message.text().startswith("Input layer resized")


# ---- the docks -----------------------------------------------------------------------------------


def _fresh_window(qtbot, settings, width: int, height: int):
    from nnstudio.ui.main_window import MainWindow

    other = MainWindow(settings=settings, restore_layout=False)
    qtbot.addWidget(other)
    other.resize(width, height)
    other.show()
    qtbot.waitExposed(other)
    _settled(qtbot, other)
    return other


def _dock_sizes(window) -> tuple[int, int, int, QtCore.QSize]:
    return (
        window.data_dock.width(),
        window.properties_dock.width(),
        window.plots_dock.height(),
        window.canvas.size(),
    )


@pytest.mark.parametrize(
    ("first", "then"),
    [((1280, 800), (1024, 640)), ((1024, 640), (1920, 1080)), ((1920, 1080), (1280, 800))],
)
def test_a_resized_window_lays_its_docks_out_as_a_window_opened_at_that_size(
    qtbot, window, tmp_path, first, then
) -> None:
    _settled(qtbot, window)
    _resize(qtbot, window, *first)
    _resize(qtbot, window, *then)
    settings = QtCore.QSettings(str(tmp_path / "fresh.ini"), QtCore.QSettings.Format.IniFormat)
    fresh = _fresh_window(qtbot, settings, *then)
    try:
        assert _dock_sizes(window) == _dock_sizes(fresh)
    finally:
        fresh.close_without_asking()
        fresh.shutdown()


def _drag_separator_right_of(qtbot, window, dock, distance: int) -> None:
    """Drag the separator between ``dock`` (left of the centre) and the centre."""
    x = (_rect_in(dock, window).right() + _rect_in(window.centralWidget(), window).left()) // 2
    y = _rect_in(dock, window).center().y()
    qtbot.mousePress(window, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x, y))
    for step in range(1, 11):
        at = QtCore.QPointF(x + distance * step / 10, y)
        move = QtGui.QMouseEvent(
            QtCore.QEvent.Type.MouseMove,
            at,
            QtCore.QPointF(window.mapToGlobal(at)),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
        QtWidgets.QApplication.sendEvent(window, move)
        QtWidgets.QApplication.processEvents()
    qtbot.mouseRelease(window, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(x + distance, y))
    QtWidgets.QApplication.processEvents()


def test_docks_keep_the_share_the_user_gave_them_as_the_window_resizes(qtbot, window) -> None:
    _settled(qtbot, window)
    _resize(qtbot, window, 1280, 800)
    data = window.data_dock
    before = data.width()
    _drag_separator_right_of(qtbot, window, data, 100)
    assert data.width() >= before + 90  # the drag widened the Data dock
    share = data.width() / window.width()
    plots_share = window.plots_dock.height() / window.height()
    for width, height in ((1024, 640), (1920, 1080), (1280, 800)):
        _resize(qtbot, window, width, height)
        assert data.width() == pytest.approx(share * width, abs=3)
        assert window.plots_dock.height() == pytest.approx(plots_share * height, abs=3)
    # Reset layout gives the docks their default shares again.
    window.reset_layout_action.trigger()
    qtbot.waitUntil(lambda: data.width() == before)


# ---- File › Open recent --------------------------------------------------------------------------


def test_recent_files_with_the_same_name_are_told_apart_and_missing_ones_are_marked(
    window, tmp_path, sample
) -> None:
    iris = sample("iris")
    paths = []
    for folder in ("work/samples", "old/samples", "tests"):
        target = tmp_path / folder
        target.mkdir(parents=True)
        for part in iris.parent.glob("iris*"):
            shutil.copy(part, target)
        paths.append(target / iris.name)
    gone = tmp_path / "gone" / iris.name
    for path in (gone, *reversed(paths)):
        window.add_recent(path)
    window._fill_recent_menu()
    menu = window.recent_menu
    assert menu.toolTipsVisible()
    entries = [action for action in menu.actions() if action.data()]
    texts = [action.text() for action in entries]
    assert texts == [
        "&1 iris.nnproj — work/samples",
        "&2 iris.nnproj — old/samples",
        "&3 iris.nnproj — tests",
        "&4 iris.nnproj — gone (missing)",
    ]
    assert [Path(action.toolTip().split(" (")[0]) for action in entries] == [
        *(p.resolve() for p in paths),
        gone.resolve(),
    ]
    assert "choose it to remove it" in entries[3].toolTip()


def test_a_file_name_seen_once_is_listed_alone(window, sample) -> None:
    window.add_recent(sample("xor"))
    window.add_recent(sample("iris"))
    window._fill_recent_menu()
    texts = [action.text() for action in window.recent_menu.actions() if action.data()]
    assert texts == ["&1 iris.nnproj", "&2 xor.nnproj"]


@pytest.mark.parametrize("sample", ["spiral", "xor", "circles"])
def test_a_1024_pixel_window_shows_the_data_preview_down_to_show_predictions(
    qtbot, window, sample
) -> None:
    _settled(qtbot, window)
    window.open_sample(sample)
    _resize(qtbot, window, 1024, 640)
    panel = window.data_panel
    scroll = panel.findChild(QtWidgets.QScrollArea)
    checkbox = panel.scatter.show_predictions
    qtbot.waitUntil(checkbox.isVisible)
    QtWidgets.QApplication.processEvents()
    # Without scrolling, the whole check box lies inside the dock's visible part.
    assert scroll.verticalScrollBar().value() == 0
    shown = _rect_in(checkbox, scroll.viewport())
    assert scroll.viewport().rect().contains(shown), (shown, scroll.viewport().rect())


# ---- a small logical window (1920 x 1080 at 200 %) ---------------------------------------------


def test_a_small_window_tabs_properties_with_data_and_gives_the_canvas_the_room(
    qtbot, settings, no_dialogs
) -> None:
    from nnstudio.ui.main_window import MainWindow

    window = MainWindow(settings=settings, restore_layout=False)
    qtbot.addWidget(window)
    try:
        window.resize(960, 540)
        window.show()
        _settled(qtbot, window)
        properties, data = window.properties_dock, window.data_dock
        # Properties is a tab beside Data and Training settings, Data in front.
        assert properties in window.tabifiedDockWidgets(data)
        assert window.is_behind_tab(properties) and not window.is_behind_tab(data)
        canvas = _rect_in(window.canvas, window)
        # The canvas has the right side too: well over half the width (it had 400 px).
        assert canvas.width() >= 0.6 * window.width()
        assert canvas.right() >= window.width() - 10
        # Reset layout keeps the arrangement for the window's size.
        window.reset_layout()
        QtWidgets.QApplication.processEvents()
        assert properties in window.tabifiedDockWidgets(data)
    finally:
        window.close_without_asking()
        window.shutdown()


def test_a_default_window_keeps_properties_beside_the_canvas(qtbot, window) -> None:
    _settled(qtbot, window)
    _resize(qtbot, window, 1024, 640)
    window.reset_layout()
    QtWidgets.QApplication.processEvents()
    properties = window.properties_dock
    assert not window.tabifiedDockWidgets(properties)
    assert window.dockWidgetArea(properties) == Qt.DockWidgetArea.RightDockWidgetArea
