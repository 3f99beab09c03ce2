"""The window's saved size at a restart: damaged, from a larger screen, or one that fits.

A damaged ``geometry`` entry left the window at its least size, and one saved on a larger
screen came back at Qt's two thirds of this one (the window's least size, a strip of canvas).
Both now open as a first start would; a saved size that fits is kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.qt import Qt, QtCore, QtWidgets

pytestmark = pytest.mark.gui


def _start(qtbot, settings, samples_dir: Path, *, restore: bool = True, size=None):
    """The studio as it starts on the spiral, settled (its docks tracked)."""
    from nnstudio.ui.main_window import MainWindow, Startup

    main = MainWindow(
        settings=settings,
        restore_layout=restore,
        startup=Startup(str(samples_dir / "spiral.nnproj"), strict=True),
    )
    qtbot.addWidget(main)
    if size is not None:
        main.resize(*size)
    main.show()
    qtbot.waitExposed(main)
    main.finish_startup()
    qtbot.waitUntil(lambda: main._docks_tracked)
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    return main


def _close(main) -> None:
    main.close_without_asking()
    main.shutdown()


def _fresh_size(qtbot, tmp_path: Path, samples_dir: Path) -> QtCore.QSize:
    """The window's size at a first start (no saved layout) on this screen."""
    empty = QtCore.QSettings(str(tmp_path / "fresh.ini"), QtCore.QSettings.Format.IniFormat)
    main = _start(qtbot, empty, samples_dir)
    size = main.size()
    _close(main)
    return size


def test_a_damaged_geometry_entry_opens_the_window_at_its_first_start_size(
    qtbot, settings, no_dialogs, samples_dir: Path, tmp_path: Path
) -> None:
    fresh = _fresh_size(qtbot, tmp_path, samples_dir)
    settings.setValue("geometry", QtCore.QByteArray(b"xyz"))
    main = _start(qtbot, settings, samples_dir)
    try:
        # It was the window's least size (745 x 533 on the 800 pixel screen).
        assert main.size() == fresh
        assert main.size() != main.minimumSizeHint()
    finally:
        _close(main)


def test_a_layout_saved_on_a_larger_screen_opens_as_large_as_a_first_start(
    qtbot, settings, no_dialogs, samples_dir: Path, tmp_path: Path
) -> None:
    fresh = _fresh_size(qtbot, tmp_path, samples_dir)
    # Saved at 1280 x 800, larger than the 800 pixel square screen; the user has closed
    # Properties and brought Training settings in front of Data.
    big = _start(qtbot, settings, samples_dir, restore=False, size=(1280, 800))
    big.properties_dock.close()
    big.training_dock.raise_()
    QtWidgets.QApplication.processEvents()
    _close(big)

    main = _start(qtbot, settings, samples_dir)
    try:
        free = main.screen().availableGeometry()
        # It was 745 x 533 (two thirds of the screen, held at the window's least size).
        assert main.size() == fresh
        assert free.contains(main.frameGeometry()), main.frameGeometry()
        # The saved arrangement is kept.
        assert main.properties_dock.isHidden()
        assert main.is_behind_tab(main.data_dock) and not main.is_behind_tab(main.training_dock)
        assert main.dockWidgetArea(main.plots_dock) == Qt.DockWidgetArea.BottomDockWidgetArea
    finally:
        _close(main)


def test_a_default_layout_from_a_larger_screen_gives_the_canvas_a_first_starts_room(
    qtbot, settings, no_dialogs, samples_dir: Path, tmp_path: Path
) -> None:
    empty = QtCore.QSettings(str(tmp_path / "fresh.ini"), QtCore.QSettings.Format.IniFormat)
    fresh = _start(qtbot, empty, samples_dir)
    canvas = fresh.canvas.size()
    _close(fresh)
    big = _start(qtbot, settings, samples_dir, restore=False, size=(1600, 1000))
    _close(big)

    main = _start(qtbot, settings, samples_dir)
    try:
        # The docks' pixel sizes from the larger window would leave the canvas a strip.
        assert main.canvas.width() >= canvas.width() - 10, (main.canvas.size(), canvas)
        assert main.canvas.height() >= canvas.height() - 10, (main.canvas.size(), canvas)
    finally:
        _close(main)


def test_a_saved_size_that_fits_the_screen_is_kept(
    qtbot, settings, no_dialogs, samples_dir: Path
) -> None:
    saved = _start(qtbot, settings, samples_dir, restore=False, size=(770, 620))
    _close(saved)
    main = _start(qtbot, settings, samples_dir)
    try:
        assert main.size() == QtCore.QSize(770, 620)
    finally:
        _close(main)
