"""A large application font on a small screen: the window fits the screen, every dock in reach.

At 18 pt, Data, Properties and the Plots under the canvas need about 1090 pixels side by side;
on a 1024 x 640 screen the window grew past the screen's right edge. The window tabs
Properties with Data and Training settings instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.qt import Qt, QtCore, QtWidgets

pytestmark = pytest.mark.gui


def _open(
    qtbot,
    settings,
    samples_dir: Path,
    *,
    size: tuple[int, int] | None = None,
    sample: str = "spiral.nnproj",
):
    """The studio window on a sample (the spiral by default), shown and settled.

    ``size`` None lets the window choose its first size (as the studio starts), otherwise
    the window is opened at ``size`` (as screenshots are taken).
    """
    from nnstudio.ui.main_window import MainWindow, Startup

    main = MainWindow(
        settings=settings,
        restore_layout=size is None,
        startup=Startup(str(samples_dir / sample), strict=True),
    )
    qtbot.addWidget(main)
    if size is not None:
        main.resize(*size)
    main.show()
    qtbot.waitExposed(main)
    main.finish_startup()
    # Settled: the docks tracked, the hidden tabs and the Training settings form built.
    qtbot.waitUntil(lambda: main._docks_tracked and main.training_dock.is_built)
    qtbot.waitUntil(lambda: not main.plots.build_remaining_tabs())
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    return main


def _assert_docks_in_reach(main) -> None:
    """Every dock is on screen, or behind a tab of a group that is."""
    for dock in main.docks.values():
        assert not dock.isHidden() and not dock.isFloating(), dock.windowTitle()
        if main.is_behind_tab(dock):
            front = [d for d in main.tabifiedDockWidgets(dock) if not main.is_behind_tab(d)]
            assert front and front[0].width() > 0, dock.windowTitle()
        else:
            assert dock.width() > 0 and dock.height() > 0, dock.windowTitle()
            rect = QtCore.QRect(dock.mapTo(main, QtCore.QPoint()), dock.size())
            assert main.rect().contains(rect), dock.windowTitle()


def test_at_18_points_the_window_fits_a_1024_pixel_screen(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path, small_screen
) -> None:
    app_font(18)
    main = _open(qtbot, settings, samples_dir)
    try:
        # The whole frame on the screen (it was 1097 pixels wide).
        assert small_screen.contains(main.frameGeometry()), main.frameGeometry()
        assert main.minimumSizeHint().width() <= main.width()
        _assert_docks_in_reach(main)
        # Properties is a tab beside Data; the canvas keeps a usable size beside them.
        assert main.properties_dock in main.tabifiedDockWidgets(main.data_dock)
        assert main.canvas.width() >= 400 and main.canvas.height() >= 150
        # The three tabs' names show whole ("Training se…" and "D…" are not names).
        bars = [bar for bar in main._dock_tab_bars() if bar.count() == 3]
        assert bars and bars[0].width() >= bars[0].sizeHint().width()
        # The user's tab choice shows Properties, in full.
        main.show_dock("properties")
        QtWidgets.QApplication.processEvents()
        assert not main.is_behind_tab(main.properties_dock)
        assert main.properties_dock.width() >= main.properties_dock.minimumSizeHint().width()
        # Reset layout keeps the arrangement that fits.
        main.reset_layout()
        for _ in range(3):
            QtWidgets.QApplication.processEvents()
        assert main.properties_dock in main.tabifiedDockWidgets(main.data_dock)
        assert small_screen.contains(main.frameGeometry())
    finally:
        main.close_without_asking()
        main.shutdown()


def test_at_18_points_a_window_opened_at_1024_pixels_keeps_its_width(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path
) -> None:
    # As `nnstudio shot --size 1024x640` opens it: the window grew to 1093 pixels.
    app_font(18)
    main = _open(qtbot, settings, samples_dir, size=(1024, 640))
    try:
        assert main.size() == QtCore.QSize(1024, 640)
        _assert_docks_in_reach(main)
        assert main.canvas.width() >= 400
    finally:
        main.close_without_asking()
        main.shutdown()


def test_a_layout_saved_with_properties_beside_the_canvas_fits_at_18_points(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path, small_screen
) -> None:
    # Saved at the default font: Properties on the right.
    first = _open(qtbot, settings, samples_dir)
    assert first.dockWidgetArea(first.properties_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    first.close_without_asking()
    app_font(18)
    main = _open(qtbot, settings, samples_dir)
    try:
        assert main.width() <= small_screen.width()
        assert main.minimumSizeHint().width() <= main.width()
        _assert_docks_in_reach(main)
        assert main.canvas.width() >= 200
    finally:
        main.close_without_asking()
        main.shutdown()


def test_at_the_default_font_a_1024_pixel_window_keeps_properties_beside_the_canvas(
    qtbot, settings, no_dialogs, samples_dir: Path
) -> None:
    # At the default font three columns fit 1024 pixels: Properties stays on the right,
    # and the window keeps the width it was given.
    main = _open(qtbot, settings, samples_dir, size=(1024, 640))
    try:
        assert main.dockWidgetArea(main.properties_dock) == Qt.DockWidgetArea.RightDockWidgetArea
        assert not main.tabifiedDockWidgets(main.properties_dock)
        assert main.width() == 1024
    finally:
        main.close_without_asking()
        main.shutdown()
