"""The training speed (toolbar Speed, Train › Speed) is remembered between runs of the studio,
and a damaged or unknown stored speed gives the default, full speed."""

from __future__ import annotations

import pytest

from nnstudio.ui.qt import QtCore

pytestmark = pytest.mark.gui


def _reopened(qtbot, settings: QtCore.QSettings):
    """A new window reading ``settings``, as the next start of the studio would."""
    from nnstudio.ui.main_window import MainWindow

    again = MainWindow(settings=settings, restore_layout=True)
    qtbot.addWidget(again)
    return again


def _shown_pace(window) -> float | None:
    """The pace the toolbar and Train › Speed show, checked to agree with the controller."""
    from nnstudio.ui.main_window import TRAINING_PACES

    index = window.speed_box.currentIndex()
    checked = [i for i, action in enumerate(window.pace_actions) if action.isChecked()]
    assert checked == [index]
    assert window.controller.pace == TRAINING_PACES[index]
    return TRAINING_PACES[index]


def test_the_chosen_speed_is_there_at_the_next_start(qtbot, window, settings) -> None:
    from nnstudio.ui.main_window import TRAINING_PACES

    assert _shown_pace(window) is None  # full speed at a first start
    index = TRAINING_PACES.index(30.0)
    window.speed_box.activated.emit(index)  # as a choice in the toolbar's box sends it
    assert _shown_pace(window) == 30.0
    window.close_without_asking()

    again = _reopened(qtbot, settings)
    try:
        assert again.speed_box.currentText() == "30 steps/s"
        assert _shown_pace(again) == 30.0
        # Train › Speed chooses as well, and full speed is remembered too.
        again.pace_actions[TRAINING_PACES.index(1.0)].trigger()
        assert _shown_pace(again) == 1.0
        again.pace_actions[TRAINING_PACES.index(None)].trigger()
        again.close_without_asking()
        third = _reopened(qtbot, settings)
        try:
            assert _shown_pace(third) is None
        finally:
            third.close_without_asking()
            third.shutdown()
    finally:
        again.close_without_asking()
        again.shutdown()


@pytest.mark.parametrize(
    "stored", ["fast", "", "0", "-30", "nan", "inf", "31", "1e9", "true", "[1, 2]", 7, 2.5]
)
def test_a_damaged_or_unknown_stored_speed_gives_full_speed(
    qtbot, settings, no_dialogs, stored: object
) -> None:
    settings.setValue("trainingPace", stored)
    settings.sync()
    window = _reopened(qtbot, settings)
    try:
        assert _shown_pace(window) is None
        assert window.speed_box.currentText() == "Full speed"
        assert no_dialogs == []
    finally:
        window.close_without_asking()
        window.shutdown()


def test_each_offered_speed_reads_back_as_itself() -> None:
    from nnstudio.ui.main_window import TRAINING_PACES, _pace_setting, stored_pace

    for pace in TRAINING_PACES:
        assert stored_pace(_pace_setting(pace)) == pace
        assert stored_pace(pace) == pace  # a store that keeps numbers as numbers
    assert stored_pace(None) is None
    assert stored_pace(" 300 ") == 300.0
