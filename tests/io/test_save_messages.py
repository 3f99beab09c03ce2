"""What saving a project says when its folder cannot hold it.

The message names the project file the user chose (not the weights file written first) and
what is wrong with the path: a file where a folder should be is not "a missing folder".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.errors import ProjectFileError
from nnstudio.io.project import save_project
from nnstudio.spec import Project


def test_a_file_in_place_of_the_folder_is_named_as_a_file(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    notes = tmp_path / "notes"
    notes.write_text("keep me\n")
    target = notes / "p.nnproj"
    with pytest.raises(ProjectFileError) as caught:
        save_project(target, xor_project, make_weights(xor_project.network))
    assert str(caught.value) == f"cannot write {target}: {notes} is a file, not a folder"
    assert notes.read_text() == "keep me\n"


def test_a_file_further_up_the_path_is_the_one_named(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    notes = tmp_path / "notes"
    notes.write_text("keep me\n")
    target = notes / "sub" / "deeper" / "p.nnproj"
    with pytest.raises(ProjectFileError) as caught:
        save_project(target, xor_project, make_weights(xor_project.network))
    # "the folder …/deeper does not exist" would send the user to create folders in vain.
    assert str(caught.value) == f"cannot write {target}: {notes} is a file, not a folder"


def test_a_missing_folder_is_said_for_the_project_file(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    target = tmp_path / "nowhere" / "p.nnproj"
    with pytest.raises(ProjectFileError) as caught:
        save_project(target, xor_project, make_weights(xor_project.network))
    message = str(caught.value)
    assert message == f"cannot write {target}: the folder {target.parent} does not exist"
    assert "weights" not in message
    assert not target.parent.exists()
