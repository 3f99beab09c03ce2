"""The plots' tab names fit again when the application font changes while the window is open:
at a larger font they are shortened (or their text made smaller) as a panel made at that
font shows them, and at a smaller one they read whole again."""

from __future__ import annotations

import pytest

from nnstudio.ui.plots.panel import SHORT_TAB_NAMES, PlotsPanel
from nnstudio.ui.qt import QtWidgets

pytestmark = pytest.mark.gui


def _settle(qtbot) -> None:
    for _ in range(5):
        QtWidgets.QApplication.processEvents()
    qtbot.wait(20)
    QtWidgets.QApplication.processEvents()


def _shown(panel: PlotsPanel) -> tuple[list[str], float]:
    """The tabs' texts and the point size of the tab bar's font."""
    labels = [panel.tab_label(name) for name in panel.tab_names()]
    return labels, panel.tabs.tabBar().font().pointSizeF()


def _fresh(qtbot, width: int) -> tuple[list[str], float]:
    """What a plots panel made now (at the application's font), ``width`` wide, shows."""
    panel = PlotsPanel()
    qtbot.addWidget(panel)
    panel.resize(width, 400)
    panel.show()
    qtbot.waitExposed(panel)
    _settle(qtbot)
    assert panel.width() == width
    shown = _shown(panel)
    panel.close()
    return shown


@pytest.mark.parametrize("points", [14.0, 18.0])
def test_the_tab_names_fit_a_font_changed_while_the_window_is_open(
    qtbot, window, app_font, points: float
) -> None:
    window.resize(1024, 800)
    _settle(qtbot)
    panel = window.plots
    full = list(panel.tab_names())
    assert _shown(panel) == (full, QtWidgets.QApplication.font().pointSizeF())

    app_font(points)
    _settle(qtbot)
    # The panel, and its tab bar, took the new font, and the names fit it.
    assert panel.font().pointSizeF() == points
    labels, size = _shown(panel)
    assert (labels, size) == _fresh(qtbot, panel.tabs.width())
    # Too large for the names whole: shortened (their text perhaps smaller too).
    assert labels != full and set(labels) - set(full) <= set(SHORT_TAB_NAMES.values())
    assert size <= points

    # Back to a small font: the names take the room it leaves them (whole where it is wide).
    app_font(8.0)
    _settle(qtbot)
    assert panel.font().pointSizeF() == 8.0
    small_labels, small_size = _shown(panel)
    assert (small_labels, small_size) == _fresh(qtbot, panel.tabs.width())
    assert small_size == 8.0
    assert len(set(small_labels) - set(full)) < len(set(labels) - set(full))


def test_other_widgets_of_the_window_follow_the_font_too(qtbot, window, app_font) -> None:
    app_font(15.0)
    _settle(qtbot)
    for widget in (window.canvas, window.speed_box, window.menuBar(), window.plots.loss_tab):
        assert widget.font().pointSizeF() == 15.0, widget
