"""The CSV column picker as it looks: no text cut off, at its default or its smallest size."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.csv_import import DEFAULT_SIZE, CsvImportDialog
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets

pytestmark = pytest.mark.gui


def shown(qtbot, path: Path, size: tuple[int, int] | None = None) -> CsvImportDialog:
    """The dialog on ``path``, shown at ``size`` (default: the size it opens at)."""
    dialog = CsvImportDialog(path, base_dir=path.parent)
    qtbot.addWidget(dialog)
    if size is not None:
        dialog.resize(*size)
    dialog.show()
    qtbot.waitExposed(dialog)
    settle()
    return dialog


def settle() -> None:
    """Let the layouts apply a change (they do so on posted events)."""
    for _ in range(3):
        QtWidgets.QApplication.processEvents()


def smallest(dialog: QtWidgets.QDialog) -> None:
    """Resize to the smallest size the user can drag the dialog to."""
    dialog.resize(1, 1)
    settle()


def whole(label: QtWidgets.QLabel) -> bool:
    """Whether a wrapped label has the height all its lines take at its width."""
    return label.height() >= label.heightForWidth(label.width())


def wrapped_labels(dialog: QtWidgets.QDialog) -> list[QtWidgets.QLabel]:
    labels = [
        label
        for label in dialog.findChildren(QtWidgets.QLabel)
        if label.wordWrap() and label.isVisible() and label.text()
    ]
    assert labels
    return labels


def test_the_task_hint_is_not_cut_beside_a_short_column_list(qtbot, tmp_path: Path) -> None:
    # One column: the list above the preview is short, and the options beside it too.
    path = tmp_path / "single.csv"
    path.write_text("value\n" + "\n".join(str(i) for i in range(30)) + "\n", encoding="utf-8")
    dialog = shown(qtbot, path, DEFAULT_SIZE)
    hint = dialog._task_hint
    assert hint.text() == "Guessed from the target column."
    assert whole(hint)
    # It takes the width of its field, so a short hint stays on one line.
    metrics = hint.fontMetrics()
    assert metrics.horizontalAdvance(hint.text()) <= hint.contentsRect().width()
    assert all(whole(label) for label in wrapped_labels(dialog))


def test_at_its_smallest_no_text_is_cut(qtbot, samples_dir: Path) -> None:
    dialog = shown(qtbot, samples_dir / "iris.csv")
    smallest(dialog)
    assert all(whole(label) for label in wrapped_labels(dialog)), [
        (label.text()[:30], label.height(), label.heightForWidth(label.width()))
        for label in wrapped_labels(dialog)
        if not whole(label)
    ]


def whole_rows(table: QtWidgets.QTableView) -> int:
    """How many rows ``table`` shows whole (above its scroll bar, wherever it is scrolled)."""
    height = table.viewport().height()
    count = 0
    for row in range(table.model().rowCount()):
        top = table.rowViewportPosition(row)
        if top >= 0 and top + table.rowHeight(row) <= height:
            count += 1
    return count


def test_at_its_smallest_both_tables_show_four_whole_rows(qtbot, tmp_path: Path) -> None:
    from nnstudio.ui.csv_import import MIN_VISIBLE_ROWS

    path = tmp_path / "wide.csv"
    names = [f"feature_{i}" for i in range(30)]
    rows = [",".join(str(i + j) for j in range(30)) for i in range(50)]
    path.write_text(",".join(names) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    dialog = shown(qtbot, path)
    smallest(dialog)
    assert MIN_VISIBLE_ROWS == 4
    assert whole_rows(dialog._roles) >= 4
    assert whole_rows(dialog._preview) >= 4
    # And it still fits a 1366 × 768 screen's work area.
    assert dialog.height() <= 700


def unreadable(tmp_path: Path) -> Path:
    path = tmp_path / "bad.csv"
    path.write_text("a,b,c\n1,2\n3,4,5\n", encoding="utf-8")
    return path


def test_an_unreadable_file_keeps_its_message_and_advice_whole(qtbot, tmp_path: Path) -> None:
    dialog = shown(qtbot, unreadable(tmp_path))
    assert dialog.table is None
    smallest(dialog)
    labels = wrapped_labels(dialog)
    assert dialog._status in labels and len(labels) == 2
    # Each keeps all its lines, and neither runs into the other.
    assert all(whole(label) for label in labels)
    first, second = sorted(labels, key=lambda label: label.y())
    assert first.geometry().bottom() < second.geometry().top()
    # Lines of several words, not one or two.
    assert all(
        label.heightForWidth(label.width()) < 5 * label.fontMetrics().lineSpacing() + 16
        for label in labels
    )


def test_an_unreadable_file_opens_without_a_blank_band(qtbot, tmp_path: Path) -> None:
    dialog = shown(qtbot, unreadable(tmp_path))
    box = dialog.findChild(QtWidgets.QDialogButtonBox)
    advice = max(wrapped_labels(dialog), key=lambda label: label.y())
    gap = box.geometry().top() - advice.geometry().bottom()
    assert gap <= 2 * dialog.layout().spacing()


@pytest.mark.parametrize("text", ["sepal,species\n1,a\n2,b\n3,a\n", "a,b,c\n1,2\n"])
def test_a_deep_folder_does_not_widen_the_dialog(qtbot, tmp_path: Path, text: str) -> None:
    folder = tmp_path.joinpath(*[f"a_rather_long_folder_name_{i}" for i in range(8)])
    folder.mkdir(parents=True)
    path = folder / "data.csv"
    path.write_text(text, encoding="utf-8")
    dialog = shown(qtbot, path)
    # The folder took 1600 pixels in one unbroken line: the window grew off the screen.
    assert dialog.minimumSizeHint().width() < 800
    assert dialog.width() < 1000
    details = next(
        label for label in dialog.findChildren(QtWidgets.QLabel) if label.toolTip() == str(path)
    )
    # It is shortened in the middle, keeps the file's own folder, and fits.
    shown_text = details.text()
    assert "…" in shown_text and shown_text.endswith(("name_7", "name_7/data.csv"))
    assert details.fontMetrics().horizontalAdvance(shown_text) <= details.contentsRect().width()


def test_the_task_hint_takes_one_line_under_the_task(qtbot, samples_dir: Path) -> None:
    dialog = shown(qtbot, samples_dir / "iris.csv", DEFAULT_SIZE)
    hint = dialog._task_hint
    assert hint.text() == "Guessed from the target column."
    # No blank line reserved beside it: the text sits right under the task, as the other
    # rows sit under each other.
    assert hint.height() < 2 * hint.fontMetrics().lineSpacing()
    form = hint.parentWidget().layout()
    assert hint.y() - dialog._task.geometry().bottom() - 1 == form.verticalSpacing()


@pytest.mark.parametrize("room", [(800, 800), (1024, 640), (1366, 728)])
def test_the_dialog_opens_within_a_small_screen(qtbot, samples_dir, monkeypatch, room) -> None:
    available = QtCore.QRect(0, 0, *room)
    monkeypatch.setattr(QtGui.QScreen, "availableGeometry", lambda screen: available)
    dialog = shown(qtbot, samples_dir / "iris.csv")
    # Room for the window's frame and title bar too: the buttons stay on the screen.
    assert dialog.width() + 24 <= room[0] and dialog.height() + 64 <= room[1]
    assert dialog.width() >= dialog.minimumWidth() and dialog.height() >= dialog.minimumHeight()
    # Still the full size where it fits.
    if room == (1366, 728):
        assert dialog.width() == 960


def test_the_column_headings_are_alike_whichever_box_has_focus(qtbot, samples_dir) -> None:
    dialog = shown(qtbot, samples_dir / "iris.csv")
    roles = dialog._roles
    # The focus starts on the first Input box; its heading is drawn like the others.
    assert roles.currentColumn() == 2 and roles.hasFocus()
    assert not roles.horizontalHeader().highlightSections()


def _wing_csv(tmp_path: Path) -> tuple[Path, list[str]]:
    """Two inputs whose long names differ only at the end, and a label; and the names."""
    stem = "pressure_measured_at_the_sensor_mounted_on_the_wing_"
    names = [stem + "left", stem + "right", "label"]
    path = tmp_path / "wing.csv"
    rows = [f"{i},{i * 2},{i % 2}" for i in range(20)]
    path.write_text(",".join(names) + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path, names


def _typo_csv(tmp_path: Path) -> Path:
    """Numbers (a), numbers with one typo (b, line 9), a label and a note column of text."""
    path = tmp_path / "typo.csv"
    rows = [f"{i},{i * 2 if i != 7 else '1..2'},{i % 2},x{i}" for i in range(40)]
    path.write_text("a,b,label,note\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_long_column_names_that_differ_at_the_end_stay_told_apart(qtbot, tmp_path) -> None:
    path, names = _wing_csv(tmp_path)
    dialog = shown(qtbot, path)
    roles = dialog._roles
    width = roles.columnWidth(0) - 8  # the cell's text margins
    metrics = roles.fontMetrics()
    shown_names = [
        metrics.elidedText(roles.item(row, 0).text(), roles.textElideMode(), width)
        for row in range(2)
    ]
    # Shortened, as the list is narrower than the names, but not to the same text.
    assert all("…" in name for name in shown_names)
    assert shown_names[0] != shown_names[1]
    # The whole name is a hover away.
    assert [roles.item(row, 0).toolTip() for row in range(3)] == names


def test_long_headings_leave_room_for_the_next_columns_in_the_preview(qtbot, tmp_path) -> None:
    path, names = _wing_csv(tmp_path)
    dialog = shown(qtbot, path, DEFAULT_SIZE)
    preview = dialog._preview
    header = preview.horizontalHeader()
    # The target, last, is in view beside the two long inputs (they filled 900 pixels).
    right = header.sectionViewportPosition(2) + header.sectionSize(2)
    assert right <= preview.viewport().width()
    # Headings are shortened in the middle and given whole on hover.
    metrics = header.fontMetrics()
    texts = [
        metrics.elidedText(name, header.textElideMode(), header.sectionSize(column) - 8)
        for column, name in enumerate(names[:2])
    ]
    assert texts[0] != texts[1]
    model = preview.model()
    assert model.headerData(
        0, QtCore.Qt.Orientation.Horizontal, QtCore.Qt.ItemDataRole.ToolTipRole
    ).startswith(names[0])


@pytest.mark.parametrize(
    ("rows", "caption"),
    [
        (0, "The file has no rows under its header."),
        (1, "The only row (row numbers are file lines)"),
        (59, "All 59 rows (row numbers are file lines)"),
        (150, "First 100 of 150 rows (row numbers are file lines)"),
        (1797, "First 100 of 1,797 rows (row numbers are file lines)"),
    ],
)
def test_the_preview_caption_reads_naturally(qtbot, tmp_path, rows: int, caption: str) -> None:
    path = tmp_path / "data.csv"
    lines = [f"{i},{i * 2},{i % 2}" for i in range(rows)]
    path.write_text("a,b,label\n" + "".join(line + "\n" for line in lines), encoding="utf-8")
    dialog = shown(qtbot, path)
    assert dialog._preview_caption.text().startswith(caption)


def test_numbers_with_a_typo_are_right_aligned_like_the_other_numbers(qtbot, tmp_path) -> None:
    path = _typo_csv(tmp_path)
    dialog = shown(qtbot, path)
    model = dialog._preview.model()
    role = QtCore.Qt.ItemDataRole.TextAlignmentRole

    def horizontal(column: int) -> QtCore.Qt.AlignmentFlag:
        flags = QtCore.Qt.AlignmentFlag(model.data(model.index(0, column), role))
        return flags & QtCore.Qt.AlignmentFlag.AlignHorizontal_Mask

    assert dialog._roles.item(1, 1).text() == "mixed"
    assert horizontal(1) == horizontal(0) == QtCore.Qt.AlignmentFlag.AlignRight
    # Text stays on the left.
    assert horizontal(3) == QtCore.Qt.AlignmentFlag.AlignLeft


def test_preview_headings_name_the_kind_the_column_list_shows(qtbot, tmp_path) -> None:
    path = _typo_csv(tmp_path)
    dialog = shown(qtbot, path)
    model = dialog._preview.model()
    tips = [
        model.headerData(
            column, QtCore.Qt.Orientation.Horizontal, QtCore.Qt.ItemDataRole.ToolTipRole
        )
        for column in range(4)
    ]
    kinds = [dialog._roles.item(row, 1).text() for row in range(4)]
    assert kinds == ["numeric", "mixed", "numeric", "text"]
    assert tips == [
        f"{name} ({kind})" for name, kind in zip("a b label note".split(), kinds, strict=True)
    ]


def test_a_short_column_list_opens_on_its_target_with_headings_over_their_cells(
    qtbot, samples_dir: Path
) -> None:
    dialog = shown(qtbot, samples_dir / "iris.csv", size=(1, 1))  # opened at its smallest
    roles = dialog._roles
    target = roles.item(4, 3)
    assert roles.item(4, 0).text() == "species"
    assert target.checkState() == QtCore.Qt.CheckState.Checked
    # Five columns, room for four: the target (the last column) is the one in view.
    qtbot.waitUntil(
        lambda: roles.viewport().rect().contains(roles.visualItemRect(target)), timeout=2000
    )
    alignment = roles.horizontalHeader().defaultAlignment()
    assert alignment & QtCore.Qt.AlignmentFlag.AlignLeft


def test_the_header_box_fits_beside_the_file_name(qtbot, tmp_path: Path) -> None:
    named = tmp_path / "named.csv"
    named.write_text("a,b,label\n5.1,3.5,x\n4.9,3.0,y\n7.0,3.2,x\n", encoding="utf-8")
    # Read without a header: the line under the box says why.
    unnamed = tmp_path / "unnamed.csv"
    unnamed.write_text("5.1,3.5,x\n4.9,3.0,y\n7.0,3.2,x\n", encoding="utf-8")
    # A long name is shortened rather than pushing the box out or widening the dialog.
    long_name = tmp_path / f"{'measurements_' * 6}final.csv"
    long_name.write_text(named.read_text(encoding="utf-8"), encoding="utf-8")
    dialogs = [shown(qtbot, named), shown(qtbot, unnamed), shown(qtbot, long_name)]
    assert dialogs[1]._header_hint.isVisible() and not dialogs[0]._header_hint.isVisible()
    # The box and its line take no height of their own: the heading is as tall as the name
    # and size beside them, and the dialog gets no taller.
    assert dialogs[0].minimumSizeHint() == dialogs[1].minimumSizeHint()
    assert dialogs[2].minimumSizeHint() == dialogs[0].minimumSizeHint()
    for resize in (lambda dialog: None, smallest):
        columns_tops = set()
        for dialog in dialogs:
            resize(dialog)
            box = dialog.findChild(QtWidgets.QCheckBox, "csvHeader")
            details = dialog._details.geometry()
            parts = [box.geometry()]
            if dialog._header_hint.isVisible():
                hint = dialog._header_hint
                parts.append(hint.geometry())
                assert hint.width() >= hint.fontMetrics().horizontalAdvance(hint.text())
            assert box.width() >= box.sizeHint().width()
            for part in parts:
                # Right of the name and size, within the dialog, no lower than the size.
                assert part.left() > details.right()
                assert part.right() < dialog.width() and part.bottom() <= details.bottom()
            columns = next(g for g in dialog.findChildren(QtWidgets.QGroupBox) if g.title())
            columns_tops.add(columns.mapTo(dialog, QtCore.QPoint(0, 0)).y())
        assert len(columns_tops) == 1
