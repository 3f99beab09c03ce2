"""The checks every export target goes through, shared by ``nnstudio export`` and the studio.

:func:`~nnstudio.io.exporters.own_file_problem` says when an output would replace a file the
project is made of; :func:`~nnstudio.io.exporters.reserved_suffix` names the suffixes no
export may take.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from nnstudio.io.exporters import own_file_problem, reserved_suffix, suffix_conflict
from nnstudio.spec import CsvData, Project


@pytest.fixture
def on_disk(tmp_path: Path, xor_project: Project) -> tuple[Project, Path]:
    """A project in ``tmp_path`` whose file, weights and CSV data all exist."""
    project = replace(
        xor_project,
        data=CsvData(csv="data/points.csv", target=("y",), task="classification"),
        weights="p.weights.npz",
    )
    path = tmp_path / "p.nnproj"
    for name in ("p.nnproj", "p.weights.npz", "data/points.csv"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"keep")
    return project, path


@pytest.mark.parametrize(
    ("name", "what"),
    [
        ("p.nnproj", "the project file"),
        ("p.weights.npz", "the project's weights file"),
        ("data/points.csv", "the project's data file"),
    ],
)
def test_each_file_of_the_project_is_named(on_disk, tmp_path: Path, name: str, what: str) -> None:
    project, path = on_disk
    problem = own_file_problem(tmp_path / name, project, path, tmp_path)
    assert problem == f"it is {what}, which would be lost"


def test_the_same_file_by_another_name_is_found(on_disk, tmp_path: Path) -> None:
    project, path = on_disk
    (tmp_path / "alias.npz").symlink_to(tmp_path / "p.weights.npz")
    os.link(tmp_path / "data" / "points.csv", tmp_path / "hard.csv")
    assert own_file_problem(tmp_path / "alias.npz", project, path, tmp_path) == (
        "it is the project's weights file, which would be lost"
    )
    assert own_file_problem(str(tmp_path / "hard.csv"), project, path, tmp_path) == (
        "it is the project's data file, which would be lost"
    )
    # Spelled with "..": still the project file.
    dotted = tmp_path / "data" / ".." / "p.nnproj"
    assert own_file_problem(dotted, project, path, tmp_path) == (
        "it is the project file, which would be lost"
    )


def test_other_files_and_new_files_are_fine(on_disk, tmp_path: Path) -> None:
    project, path = on_disk
    (tmp_path / "old-export.npz").write_bytes(b"an earlier export")
    assert own_file_problem(tmp_path / "old-export.npz", project, path, tmp_path) is None
    assert own_file_problem(tmp_path / "new.npz", project, path, tmp_path) is None
    # A folder or a file in a missing folder is for the writer to report.
    assert own_file_problem(tmp_path / "data", project, path, tmp_path) is None
    assert own_file_problem(tmp_path / "missing" / "x.npz", project, path, tmp_path) is None


def test_a_project_without_a_file_protects_its_data(tmp_path: Path, xor_project: Project) -> None:
    # A new, unsaved project: its CSV is found from the folder it was chosen in.
    project = replace(xor_project, data=CsvData(csv="points.csv", target=("y",)))
    (tmp_path / "points.csv").write_text("x1,x2,y\n")
    assert own_file_problem(tmp_path / "points.csv", project, None, tmp_path) == (
        "it is the project's data file, which would be lost"
    )
    # Built-in data and no weights file: nothing of the project on disk.
    assert own_file_problem(tmp_path / "points.csv", xor_project, None, tmp_path) is None


def test_more_files_can_be_protected(on_disk, tmp_path: Path) -> None:
    project, path = on_disk
    query = tmp_path / "in.csv"
    query.write_text("x1,x2\n")
    more = [(str(query), "the input file")]
    assert own_file_problem(query, project, path, tmp_path, more=more) == (
        "it is the input file, which would be lost"
    )
    assert own_file_problem(query, project, path, tmp_path) is None


def test_a_missing_weights_or_data_file_is_no_obstacle(tmp_path: Path, on_disk) -> None:
    project, path = on_disk
    (tmp_path / "p.weights.npz").unlink()
    (tmp_path / "data" / "points.csv").unlink()
    assert own_file_problem(tmp_path / "p.nnproj", project, path, tmp_path) == (
        "it is the project file, which would be lost"
    )
    assert own_file_problem(tmp_path / "p.weights.npz", project, path, tmp_path) is None


def test_project_files_are_a_reserved_suffix() -> None:
    assert reserved_suffix("work/model.nnproj") == "nnstudio projects"
    assert reserved_suffix(Path("MODEL.NNPROJ")) == "nnstudio projects"
    assert reserved_suffix("model.npz") is None
    assert reserved_suffix("model") is None
    # The command line's suffix check goes by the same table.
    assert suffix_conflict("npz", "x.nnproj") == (
        "x.nnproj ends in .nnproj, the suffix of nnstudio projects, but the format is npz; "
        "name the file x.npz"
    )
