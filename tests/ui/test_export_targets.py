"""File › Export…: where an export goes, and the files it must never replace.

An export named like a project (``.nnproj``) or naming one of the open project's own files
(the project, its weights, its data) is refused in the dialog before anything is asked or
written, as ``nnstudio export`` refuses it. A file name without a folder goes into the folder
the dialog shows, not into the studio's working folder.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from nnstudio.io.project import load_project, save_project
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.export_dialog import ExportDialog, run_export
from nnstudio.ui.qt import QtCore, QtWidgets
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A copy of the iris sample saved with weights: iris.nnproj, iris.weights.npz, iris.csv."""
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(SAMPLES / "iris.csv", folder)
    project = load_project(SAMPLES / "iris.nnproj").project
    save_project(folder / "iris.nnproj", project, build_network(project).weights())
    assert (folder / "iris.weights.npz").is_file()
    return folder


@pytest.fixture
def document(saved: Path) -> StudioDocument:
    """The saved iris copy, open."""
    opened = StudioDocument()
    opened.open(saved / "iris.nnproj")
    assert opened.dataset is not None, opened.dataset_error
    return opened


def export_to(qtbot, document: StudioDocument, folder: Path, key: str, text: str) -> ExportDialog:
    """An Export dialog starting in ``folder``, with ``key`` chosen and ``text`` typed, accepted."""
    dialog = ExportDialog(document, None, None, folder)
    qtbot.addWidget(dialog)
    dialog.select(key)
    dialog.path_edit.setText(text)
    dialog.accept()
    return dialog


def accepted(dialog: ExportDialog) -> bool:
    return dialog.result() == QtWidgets.QDialog.DialogCode.Accepted


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.mark.parametrize("key", ["npz", "onnx", "diagram-png", "plots-csv"])
def test_a_name_ending_in_nnproj_is_refused(qtbot, document, saved, no_dialogs, key) -> None:
    before = contents(saved)
    target = saved / "other.nnproj"

    dialog = export_to(qtbot, document, saved, key, str(target))

    # Written as a zip archive before, silently: a project file nothing could open.
    suffix = dialog.choice.suffix
    assert no_dialogs == [
        (
            "Export",
            f"other.nnproj ends in .nnproj, which is the suffix of nnstudio projects, but the "
            f"chosen export is {dialog.choice.label}. Name the file other{suffix}.",
        )
    ]
    assert not accepted(dialog) and dialog.written == []
    assert not target.exists()
    assert contents(saved) == before


def test_the_open_project_file_is_refused_without_asking_to_replace_it(
    qtbot, document, saved, no_dialogs
) -> None:
    project = saved / "iris.nnproj"
    before = project.read_bytes()

    dialog = export_to(qtbot, document, saved, "npz", str(project))

    # Only "already exists. Replace it?" was asked before, then the project was replaced.
    assert no_dialogs == [
        (
            "Export",
            f"will not write {project}: it is the project file, which would be lost; choose "
            "another file name",
        )
    ]
    assert not accepted(dialog)
    assert project.read_bytes() == before
    assert load_project(project).weights is not None


@pytest.mark.parametrize(
    ("key", "name", "what"),
    [
        ("npz", "iris.weights.npz", "the project's weights file"),
        ("plots-csv", "iris.csv", "the project's data file"),
    ],
)
def test_the_open_projects_own_files_are_refused(
    qtbot, document, saved, no_dialogs, key, name, what
) -> None:
    before = contents(saved)
    target = saved / name

    dialog = export_to(qtbot, document, saved, key, str(target))

    assert no_dialogs == [
        (
            "Export",
            f"will not write {target}: it is {what}, which would be lost; choose another file name",
        )
    ]
    assert not accepted(dialog)
    assert contents(saved) == before
    assert load_project(saved / "iris.nnproj").weights is not None


def test_a_link_to_the_projects_weights_is_refused(
    qtbot, document, saved, tmp_path, no_dialogs
) -> None:
    link = tmp_path / "link.npz"
    link.symlink_to(saved / "iris.weights.npz")
    before = contents(saved)

    dialog = export_to(qtbot, document, tmp_path, "npz", str(link))

    assert [title for title, _text in no_dialogs] == ["Export"]
    assert "it is the project's weights file" in no_dialogs[0][1]
    assert not accepted(dialog)
    assert contents(saved) == before


def test_the_pytorch_exports_weights_beside_it_are_checked_too(
    qtbot, document, saved, no_dialogs
) -> None:
    # The module's weights go to <name>.safetensors: a data file of that name is the project's.
    data = saved / "iris.csv"
    renamed = saved / "module.safetensors"
    data.rename(renamed)
    assert document.set_data(replace(document.project.data, csv=renamed.name))
    before = renamed.read_bytes()

    dialog = export_to(qtbot, document, saved, "torch", str(saved / "module.py"))

    assert [title for title, _text in no_dialogs] == ["Export"]
    assert no_dialogs[0][1].startswith(f"will not write {renamed}: it is the project's data file")
    assert not accepted(dialog)
    assert renamed.read_bytes() == before
    assert not (saved / "module.py").exists()


def test_run_export_refuses_the_same_targets(document, saved) -> None:
    from nnstudio.errors import NNStudioError

    before = contents(saved)
    for key, name in [("npz", "iris.nnproj"), ("npz", "new.nnproj"), ("npz", "iris.weights.npz")]:
        with pytest.raises(NNStudioError):
            run_export(key, saved / name, document=document)
    assert contents(saved) == before


def test_a_new_file_beside_the_project_is_written(qtbot, document, saved, no_dialogs) -> None:
    dialog = export_to(qtbot, document, saved, "npz", str(saved / "iris-export.npz"))

    assert no_dialogs == []
    assert accepted(dialog) and dialog.written == [saved / "iris-export.npz"]


def test_a_bare_file_name_goes_into_the_dialogs_folder(
    qtbot, document, tmp_path, monkeypatch, no_dialogs
) -> None:
    folder, elsewhere = tmp_path / "exports", tmp_path / "working"
    folder.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    dialog = export_to(qtbot, document, folder, "json", "rel.json")

    # Written to the process's working folder before, which the dialog never showed.
    assert no_dialogs == []
    assert accepted(dialog) and dialog.written == [folder / "rel.json"]
    assert (folder / "rel.json").is_file()
    assert list(elsewhere.iterdir()) == []


def test_a_relative_name_goes_into_the_folder_browse_chose(
    qtbot, document, tmp_path, monkeypatch, no_dialogs
) -> None:
    start, chosen, elsewhere = tmp_path / "start", tmp_path / "chosen", tmp_path / "working"
    for folder in (start, chosen, chosen / "sub", elsewhere):
        folder.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setattr(
        QtWidgets.QFileDialog,
        "getSaveFileName",
        staticmethod(lambda *_args, **_kwargs: (str(chosen / "first.npz"), "")),
    )
    dialog = ExportDialog(document, None, None, start)
    qtbot.addWidget(dialog)
    dialog.select("npz")
    dialog._browse()
    # Then the whole path replaced by a name in a folder below, without a suffix.
    dialog.path_edit.setText("sub/second")

    dialog.accept()

    assert no_dialogs == []
    assert dialog.written == [chosen / "sub" / "second.npz"]
    assert list(elsewhere.iterdir()) == [] and list(start.iterdir()) == []


def test_a_typed_path_sets_the_folder_once_finished_not_letter_by_letter(
    qtbot, document, tmp_path, monkeypatch, no_dialogs
) -> None:
    start, typed = tmp_path / "start", tmp_path / "typed"
    for folder in (start, typed):
        folder.mkdir()
    monkeypatch.chdir(tmp_path)
    dialog = ExportDialog(document, None, None, start)
    qtbot.addWidget(dialog)
    dialog.select("json")
    edit = dialog.path_edit
    edit.clear()
    qtbot.keyClicks(edit, f"{typed}/a.json")
    assert dialog.folder == start  # not yet: the path is still being typed
    edit.editingFinished.emit()  # as Return or leaving the field does
    assert dialog.folder == typed
    # Deleting the whole path key by key passes through its parents: the folder stays.
    edit.end(False)
    for _ in range(len(edit.text())):
        qtbot.keyClick(edit, QtCore.Qt.Key.Key_Backspace)
    assert edit.text() == ""
    qtbot.keyClicks(edit, "b.json")

    dialog.accept()

    assert no_dialogs == []
    assert dialog.written == [typed / "b.json"]


def test_a_bare_name_naming_the_projects_weights_is_refused(
    qtbot, document, saved, tmp_path, monkeypatch, no_dialogs
) -> None:
    # The name is taken in the dialog's folder before the check, whatever the working folder.
    monkeypatch.chdir(tmp_path)
    before = contents(saved)

    dialog = export_to(qtbot, document, saved, "npz", "iris.weights.npz")

    assert [title for title, _text in no_dialogs] == ["Export"]
    assert "it is the project's weights file" in no_dialogs[0][1]
    assert not accepted(dialog)
    assert contents(saved) == before
