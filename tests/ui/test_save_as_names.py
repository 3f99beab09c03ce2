"""Save As with a name typed without ".nnproj": what is written, and what is asked first.

The file dialog asks about replacing the file it returns and nothing else. Saving appends
".nnproj" to a name without it and writes the weights file beside the project, so those
files, when they exist, are asked about by the studio itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nnstudio.io.project import load_project, save_project, weights_path_for
from nnstudio.ui.document import project_file_path
from nnstudio.ui.qt import QtWidgets

Buttons = QtWidgets.QMessageBox.StandardButton


class Questions(list):
    """The texts of the questions asked; each is answered with the first of ``answers``."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[object] = []  # after these, every answer is No


@pytest.fixture
def questions(monkeypatch: pytest.MonkeyPatch) -> Questions:
    """Record the questions the window asks instead of showing them."""
    asked = Questions()

    def question(_parent, _title, text, *_args, **_kwargs):
        asked.append(text)
        return asked.answers.pop(0) if asked.answers else Buttons.No

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", staticmethod(question))
    return asked


def _type_in_dialog(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """The save dialog returns ``path``, as typed, without asking anything."""
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )


def _existing_project(path: Path) -> tuple[str, bytes]:
    """Save the XOR sample as ``path`` (with weights) and return its text and weights bytes."""
    xor = load_project(Path(__file__).parents[2] / "samples" / "xor.nnproj").project
    weights = tuple((np.ones(w), np.ones(b)) for w, b in xor.network.weight_shapes())
    save_project(path, xor, weights)
    return path.read_text(), weights_path_for(path).read_bytes()


def _name_in(path: Path) -> str:
    return json.loads(path.read_text())["name"]


def test_a_name_without_the_suffix_asks_before_replacing_that_project(
    window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, questions: Questions
) -> None:
    project = tmp_path / "work.nnproj"
    text, weights = _existing_project(project)
    window.open_sample("spiral")
    _type_in_dialog(monkeypatch, tmp_path / "work")
    assert not window.save_as()
    assert questions == [f"{project} and {weights_path_for(project)} already exist. Replace them?"]
    # Answered No: both files of the other project are as they were.
    assert project.read_text() == text
    assert weights_path_for(project).read_bytes() == weights
    assert window.document.path != project.resolve()

    questions.answers.append(Buttons.Yes)
    assert window.save_as()
    assert _name_in(project) == "Two spirals"
    assert window.document.path == project.resolve()


def test_an_orphaned_weights_file_is_asked_about(
    window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, questions: Questions
) -> None:
    weights = tmp_path / "work.weights.npz"
    weights.write_bytes(b"precious")
    window.open_sample("spiral")
    # Even typed in full, the dialog saw no work.nnproj and asked nothing.
    _type_in_dialog(monkeypatch, tmp_path / "work.nnproj")
    assert not window.save_as()
    assert questions == [f"{weights} already exists. Replace it?"]
    assert weights.read_bytes() == b"precious"
    assert not (tmp_path / "work.nnproj").exists()


def test_a_project_confirmed_in_the_dialog_is_not_asked_about_again(
    window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, questions: Questions
) -> None:
    project = tmp_path / "work.nnproj"
    _existing_project(project)
    window.open_sample("spiral")
    _type_in_dialog(monkeypatch, project)  # the dialog asked "Replace work.nnproj?"
    assert window.save_as()
    assert questions == []
    assert _name_in(project) == "Two spirals"


def test_the_last_suffix_typed_is_kept(
    window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, questions: Questions
) -> None:
    model = tmp_path / "model.nnproj"
    text, _weights = _existing_project(model)
    window.open_sample("spiral")
    _type_in_dialog(monkeypatch, tmp_path / "model.v2")
    assert window.save_as()
    assert questions == []
    assert window.document.path == (tmp_path / "model.v2.nnproj").resolve()
    assert _name_in(tmp_path / "model.v2.nnproj") == "Two spirals"
    assert (tmp_path / "model.v2.weights.npz").exists()
    assert model.read_text() == text  # not the file the user named


def test_saving_as_a_data_file_name_leaves_the_data_and_its_namesake_alone(
    window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, questions: Questions
) -> None:
    data = tmp_path / "iris.csv"
    data.write_text("a,b\n1,2\n")
    project = tmp_path / "iris.nnproj"
    text, _weights = _existing_project(project)
    window.open_sample("spiral")
    _type_in_dialog(monkeypatch, data)  # the dialog asked about iris.csv
    assert window.save_as()
    assert data.read_text() == "a,b\n1,2\n"
    assert project.read_text() == text
    assert _name_in(tmp_path / "iris.csv.nnproj") == "Two spirals"
    # Another project saved under that name: the dialog still asks about iris.csv only.
    window.open_sample("xor")
    assert not window.save_as()
    assert questions == [
        f"{tmp_path / 'iris.csv.nnproj'} and {tmp_path / 'iris.csv.weights.npz'} already exist. "
        "Replace them?"
    ]


def test_the_documents_own_file_is_saved_without_a_question(
    window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, questions: Questions
) -> None:
    project = tmp_path / "work.nnproj"
    _existing_project(project)
    window.open_path(project, ask=False)
    questions.answers.append(Buttons.Yes)  # "its trained weights will be reset"
    window.add_layer_action.trigger()
    assert window.document.is_dirty
    questions.clear()
    _type_in_dialog(monkeypatch, tmp_path / "work")
    assert window.save_as()
    assert questions == []
    assert not window.document.is_dirty


@pytest.mark.parametrize(
    ("typed", "saved"),
    [
        ("work", "work.nnproj"),
        ("model.v2", "model.v2.nnproj"),
        ("iris.csv", "iris.csv.nnproj"),
        ("work.", "work.nnproj"),
        ("work.nnproj", "work.nnproj"),
        ("Work.NNPROJ", "Work.NNPROJ"),
    ],
)
def test_project_file_names(tmp_path: Path, typed: str, saved: str) -> None:
    assert project_file_path(tmp_path / typed) == tmp_path / saved
