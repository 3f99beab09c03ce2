"""File › Export… when the file cannot be written: a full disk, a name too long, a NUL.

A failed export must say so in the dialog, naming the file and the reason, and must leave an
earlier export at the same path as it was (no truncated or empty file in its place).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from nnstudio.ui.document import StudioDocument
from nnstudio.ui.export_dialog import ExportDialog, export_choices
from nnstudio.ui.frame import FrameBuilder
from nnstudio.ui.qt import QtWidgets
from nnstudio.workflow import build_network, make_trainer
from tests.ui.test_plots_look import xor_project

pytestmark = pytest.mark.gui

#: What an earlier, good export at the destination holds.
EARLIER = b"EARLIER GOOD EXPORT\n" * 64

#: The exports the studio writes itself (the weights formats have tests of their own).
STUDIO_EXPORTS = {
    "diagram-svg": "XOR.svg",
    "diagram-png": "XOR_network.png",
    "plots-png": "XOR_plots.png",
    "plots-csv": "XOR.csv",
}


@pytest.fixture
def studio(qtbot):
    """A document, canvas and plots panel showing one trained epoch of XOR."""
    from nnstudio.ui.canvas import NetworkCanvas
    from nnstudio.ui.plots import PlotsPanel

    document = StudioDocument()
    document.open_project(xor_project())
    assert document.dataset is not None, document.dataset_error
    canvas, plots = NetworkCanvas(document), PlotsPanel()
    for widget in (canvas, plots):
        qtbot.addWidget(widget)
        widget.resize(900, 600)
        widget.show()
    network = build_network(document.project)
    trainer = make_trainer(document.project, network, document.dataset)
    trainer.run_epoch()
    frame = FrameBuilder(document.dataset, probe_size=32, grid_size=16).build(
        network, trainer.snapshot()
    )
    canvas.show_frame(frame)
    plots.set_context(document.project, document.dataset)
    plots.show_frame(frame)
    return document, canvas, plots


def export_dialog(qtbot, studio, folder: Path, key: str) -> ExportDialog:
    document, canvas, plots = studio
    dialog = ExportDialog(document, canvas, plots, folder)
    qtbot.addWidget(dialog)
    dialog.select(key)
    return dialog


def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every flush of a file to disk fail as on a full disk (after bytes were written)."""

    def no_space(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)


@pytest.mark.parametrize("key", list(STUDIO_EXPORTS))
def test_an_export_onto_a_full_disk_fails_and_keeps_the_earlier_file(
    qtbot, studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_dialogs, key
) -> None:
    earlier = tmp_path / STUDIO_EXPORTS[key]
    earlier.write_bytes(EARLIER)
    dialog = export_dialog(qtbot, studio, tmp_path, key)
    assert Path(dialog.path_edit.text()) == earlier
    full_disk(monkeypatch)

    dialog.accept()

    # "Replace file?" (answered Yes), then the failure, naming the file and the reason.
    titles = [title for title, _text in no_dialogs]
    assert titles == ["Replace file?", "Export failed"]
    message = no_dialogs[-1][1]
    assert str(earlier) in message and "No space left on device" in message
    assert dialog.result() != QtWidgets.QDialog.DialogCode.Accepted
    assert dialog.written == []
    # The earlier export is intact and no temporary file is left beside it.
    assert earlier.read_bytes() == EARLIER
    assert sorted(tmp_path.iterdir()) == [earlier]


@pytest.mark.parametrize("key", list(STUDIO_EXPORTS))
def test_a_failed_first_export_leaves_no_file(
    qtbot, studio, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_dialogs, key
) -> None:
    dialog = export_dialog(qtbot, studio, tmp_path, key)
    full_disk(monkeypatch)

    dialog.accept()

    assert [title for title, _text in no_dialogs] == ["Export failed"]
    # No empty or truncated file where the export was meant to go.
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", list(STUDIO_EXPORTS))
def test_an_export_that_succeeds_replaces_the_earlier_file(
    qtbot, studio, tmp_path: Path, no_dialogs, key
) -> None:
    earlier = tmp_path / STUDIO_EXPORTS[key]
    earlier.write_bytes(EARLIER)
    dialog = export_dialog(qtbot, studio, tmp_path, key)

    dialog.accept()

    assert [title for title, _text in no_dialogs] == ["Replace file?"]
    assert dialog.written == [earlier]
    data = earlier.read_bytes()
    expected_start = {
        "diagram-svg": b"<?xml",
        "diagram-png": b"\x89PNG\r\n\x1a\n",
        "plots-png": b"\x89PNG\r\n\x1a\n",
        "plots-csv": b"epoch",
    }[key]
    assert data.startswith(expected_start), data[:40]
    if key == "diagram-svg":
        assert data.rstrip().endswith(b"</svg>")
    assert sorted(tmp_path.iterdir()) == [earlier]


@pytest.mark.parametrize("key", [choice.key for choice in export_choices()])
def test_a_file_name_too_long_is_reported_in_the_dialog(
    qtbot, studio, tmp_path: Path, no_dialogs, key
) -> None:
    dialog = export_dialog(qtbot, studio, tmp_path, key)
    suffix = dialog.choice.suffix
    dialog.path_edit.setText(str(tmp_path / ("N" * 300 + suffix)))

    dialog.accept()  # raised OSError ("File name too long") before

    assert len(no_dialogs) == 1
    title, message = no_dialogs[0]
    assert title == "Export failed"
    assert message.startswith(f"cannot write {tmp_path / 'N'}")
    assert message.endswith(": File name too long")
    assert dialog.result() != QtWidgets.QDialog.DialogCode.Accepted
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", [choice.key for choice in export_choices()])
def test_a_file_name_with_a_nul_is_reported_in_the_dialog(
    qtbot, studio, tmp_path: Path, no_dialogs, key
) -> None:
    dialog = export_dialog(qtbot, studio, tmp_path, key)
    dialog.path_edit.setText(str(tmp_path / "a\0b") + dialog.choice.suffix)

    dialog.accept()  # raised ValueError ("embedded null byte") before

    assert no_dialogs == [
        (
            "Export failed",
            f"cannot write {tmp_path}/a\\0b{dialog.choice.suffix}: "
            "a file name cannot contain a NUL character",
        )
    ]
    assert list(tmp_path.iterdir()) == []


def test_a_long_project_name_still_gives_a_default_file_that_can_be_written(
    qtbot, studio, tmp_path: Path, no_dialogs
) -> None:
    document, _canvas, _plots = studio
    document.set_name("N" * 300)
    dialog = export_dialog(qtbot, studio, tmp_path, "diagram-svg")
    default = Path(dialog.path_edit.text())
    assert default == tmp_path / ("N" * 100 + ".svg")

    dialog.accept()

    assert no_dialogs == []
    assert dialog.written == [default] and default.stat().st_size > 0


def test_a_long_name_in_another_script_is_cut_to_what_a_file_system_takes(tmp_path: Path) -> None:
    from nnstudio.ui.export_dialog import default_file_name

    choices = {choice.key: choice for choice in export_choices()}
    name = default_file_name(choices["torch"], "網" * 300)
    # 100 bytes of a three-byte letter: 33 whole letters, none cut in half.
    assert name == "網" * 33 + "_torch.py"
    (tmp_path / name).write_text("")  # the file system takes it
