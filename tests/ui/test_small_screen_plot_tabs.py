"""A large font on a small screen: every Plots tab's name reads whole.

At 18 pt in a 1024 x 640 window the Plots tab bar needed about 600 pixels for "Loss,
Weights, Gradients, Activations, Output" and had about 560: "Output" read "Ou" beside
scroll arrows. Short names take the place of the longest ones (the full name in the
tab's tooltip), then smaller text; the default font keeps the full names.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.qt import QtWidgets
from tests.ui.test_small_screen import _open

pytestmark = pytest.mark.gui

NAMES = ["Loss", "Weights", "Gradients", "Activations", "Output"]


def _assert_names_whole(tabs: QtWidgets.QTabWidget) -> None:
    """Every tab shows its name (or a short form of it) whole, with no scroll arrows."""
    bar = tabs.tabBar()
    assert bar.sizeHint().width() <= bar.width(), (bar.sizeHint().width(), bar.width())
    arrows = [b for b in bar.findChildren(QtWidgets.QToolButton) if b.isVisible()]
    assert not arrows
    metrics = bar.fontMetrics()
    for index in range(bar.count()):
        text = bar.tabText(index)
        assert metrics.horizontalAdvance(text) < bar.tabRect(index).width(), text
        assert bar.tabRect(index).right() <= bar.width(), text


def _labels(tabs: QtWidgets.QTabWidget) -> list[str]:
    return [tabs.tabText(index) for index in range(tabs.count())]


def test_at_18_points_every_plot_tab_reads_whole_in_a_1024_pixel_window(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path, small_screen
) -> None:
    app_font(18)
    main = _open(qtbot, settings, samples_dir)
    try:
        tabs = main.plots.tabs
        _assert_names_whole(tabs)
        labels = _labels(tabs)
        assert labels[0] == "Loss" and labels[-1] == "Output"
        # A shortened name carries the full one in its tooltip; whole ones need none.
        for index, (name, label) in enumerate(zip(NAMES, labels, strict=True)):
            assert label == name or (len(label) < len(name) and label[:4] == name[:4])
            assert tabs.tabToolTip(index) == ("" if label == name else name)
        assert labels != NAMES  # 18 pt needs a short name (else the test proves nothing)
        # The shortened tab still shows its own plot, built on demand.
        short = next(
            index for index, (n, lab) in enumerate(zip(NAMES, labels, strict=True)) if n != lab
        )
        main.plots.tabs.setCurrentIndex(short)
        QtWidgets.QApplication.processEvents()
        assert tabs.currentWidget() is main.plots.tab(NAMES[short])
        assert main.plots.view_state()["tab"] == NAMES[short]
    finally:
        main.close_without_asking()
        main.shutdown()


def test_at_the_default_font_the_plot_tabs_keep_their_full_names(
    qtbot, settings, no_dialogs, samples_dir: Path
) -> None:
    main = _open(qtbot, settings, samples_dir, size=(1280, 800))
    try:
        tabs = main.plots.tabs
        assert _labels(tabs) == NAMES
        assert all(tabs.tabToolTip(index) == "" for index in range(tabs.count()))
        assert tabs.tabBar().font().pointSizeF() == main.plots.font().pointSizeF()
        _assert_names_whole(tabs)
    finally:
        main.close_without_asking()
        main.shutdown()


def test_a_narrower_panel_takes_short_names_then_smaller_text(qtbot, app_font) -> None:
    from nnstudio.ui.plots.panel import PlotsPanel

    app_font(18)
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 400)
    panel.show()
    qtbot.waitExposed(panel)
    assert _labels(panel.tabs) == NAMES
    full_size = panel.tabs.tabBar().font().pointSizeF()
    seen: list[tuple[list[str], float]] = []
    for width in (560, 500, 440):
        panel.resize(width, 400)
        QtWidgets.QApplication.processEvents()
        _assert_names_whole(panel.tabs)
        seen.append((_labels(panel.tabs), panel.tabs.tabBar().font().pointSizeF()))
    # Each step gives up as little as it can: fewer short names first, smaller text last.
    assert seen[0][0] != NAMES and seen[0][1] == full_size
    assert sum(a != b for a, b in zip(seen[1][0], NAMES, strict=True)) >= sum(
        a != b for a, b in zip(seen[0][0], NAMES, strict=True)
    )
    assert seen[-1][1] < full_size
    # Wide again: full names at the panel's font.
    panel.resize(800, 400)
    QtWidgets.QApplication.processEvents()
    assert _labels(panel.tabs) == NAMES
    assert panel.tabs.tabBar().font().pointSizeF() == full_size
    # A smaller font brings the full names back in a narrow panel, at that font.
    panel.resize(440, 400)
    QtWidgets.QApplication.processEvents()
    app_font(10)
    QtWidgets.QApplication.processEvents()
    assert _labels(panel.tabs) == NAMES
    assert panel.tabs.tabBar().font().pointSizeF() == panel.font().pointSizeF() == 10
