"""A large font on a small screen: the status bar's messages read whole.

At 18 pt in a 1024 x 640 window the status bar left its message about 80 pixels beside the
training figures: the start hint read "Pres…". The state badge now takes the width of the
state it shows in a compact status bar, and a message too long for its room shows a
shorter form, the whole text in its tooltip.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.qt import QtCore, QtGui, QtWidgets
from tests.ui.test_small_screen import _open

pytestmark = pytest.mark.gui


def _reads_whole(label: QtWidgets.QLabel) -> bool:
    """Whether ``label``'s text is whole in its width (not cut, not ending in "…")."""
    text = label.text()
    needed = label.fontMetrics().horizontalAdvance(text)
    return bool(text) and not text.endswith("…") and needed <= label.contentsRect().width()


def test_at_18_points_the_start_hint_reads_whole_in_a_1024_pixel_window(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path, small_screen
) -> None:
    from nnstudio.ui.main_window import START_HINT

    app_font(18)
    main = _open(qtbot, settings, samples_dir)
    try:
        assert main.statusBar().currentMessage() == START_HINT
        shown = main.status_message
        # A shorter form, read whole, that still says what to press ("Pres…" said nothing).
        assert _reads_whole(shown), shown.text()
        assert "Space" in shown.text() and "train" in shown.text(), shown.text()
        assert shown.toolTip() == START_HINT
        # The figures keep their room: the state, the epoch and the loss show whole.
        status = main.status
        assert _reads_whole(status.epoch_label) and _reads_whole(status.loss_label)
        badge = status.state_label
        bold = QtGui.QFont(badge.font())
        bold.setBold(True)
        assert QtGui.QFontMetrics(bold).horizontalAdvance("Ready") + 20 <= badge.width()
        # Every state still fits its badge.
        for state, text in (("early_stopped", "Early-stopped"), ("running", "Running")):
            main.status.set_state(state)
            QtWidgets.QApplication.processEvents()
            assert badge.text() == text
            assert QtGui.QFontMetrics(bold).horizontalAdvance(text) + 20 <= badge.width()
    finally:
        main.close_without_asking()
        main.shutdown()


def test_a_message_with_no_short_form_that_fits_ends_in_an_ellipsis(
    qtbot, app_font, settings, no_dialogs, samples_dir: Path, small_screen
) -> None:
    app_font(18)
    main = _open(qtbot, settings, samples_dir)
    try:
        shown = main.status_message
        long = "Input layer resized from 2 to 1 input to match the data"
        main.statusBar().showMessage(long)
        assert shown.text().endswith("…") and shown.toolTip() == long
        # A short form that fits is read whole instead.
        shown.set_short_forms(long, ("Input layer resized to 1 input", "Input resized"))
        assert _reads_whole(shown) and shown.text() in (
            "Input layer resized to 1 input",
            "Input resized",
        )
        assert shown.toolTip() == long
    finally:
        main.close_without_asking()
        main.shutdown()


def test_at_the_default_font_the_start_hint_shows_in_full(
    qtbot, settings, no_dialogs, samples_dir: Path, monkeypatch
) -> None:
    from nnstudio.ui.main_window import START_HINT

    available = QtCore.QRect(0, 0, 1280, 800)
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda screen: available)
    main = _open(qtbot, settings, samples_dir)
    try:
        assert main.status_message.text() == START_HINT
        assert main.status_message.toolTip() == ""
    finally:
        main.close_without_asking()
        main.shutdown()
