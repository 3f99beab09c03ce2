"""File › Open recent keeps to a readable width: long names lose their middle, not their end."""

from __future__ import annotations

from pathlib import Path

from nnstudio.ui.qt import QtCore


def _entries(window) -> list:
    window._fill_recent_menu()
    return [action for action in window.recent_menu.actions() if action.data()]


def test_a_long_name_is_shortened_in_the_middle(window, tmp_path: Path) -> None:
    stem = "Experiment_with_a_very_descriptive_name_for_the_lecture_on_backpropagation_" * 3
    long_path = tmp_path / f"{stem}end.nnproj"
    window.open_sample("xor")
    window.document.save(long_path)
    window.add_recent(long_path)
    short_path = window.document.save(tmp_path / "iris.nnproj")
    window.add_recent(short_path)

    short, long = _entries(window)
    assert short.text() == "&1 iris.nnproj"
    text = long.text()
    assert text.startswith("&2 Experiment_with") and text.endswith("end.nnproj")
    assert "…" in text and len(text) < 100
    # The full path stays one hover away.
    assert long.toolTip() == str(long_path.resolve())
    assert long.statusTip() == str(long_path.resolve())

    menu = window.recent_menu
    screen = window.screen().availableGeometry().width()
    assert menu.sizeHint().width() <= screen // 2 + 120  # the name, its number and margins
    menu.popup(QtCore.QPoint(0, 0))
    try:
        assert menu.isVisible() and menu.width() <= screen
    finally:
        menu.close()


def test_a_long_name_that_has_gone_is_still_marked_missing(window, tmp_path: Path) -> None:
    long_path = tmp_path / ("a_long_and_winding_name_" * 7 + ".nnproj")
    window.open_sample("xor")
    window.document.save(long_path)
    window.add_recent(long_path)
    long_path.unlink()
    (entry,) = _entries(window)
    assert "…" in entry.text() and entry.text().endswith(".nnproj (missing)")
