"""Saving a project whose file name is near the file system's limit on a name (255 bytes).

Any name the folder accepts for the project file saves: the temporary and backup files of an
atomic save keep their names within the limit. When the weights file beside the project
(``.weights.npz`` in place of ``.nnproj``, 5 bytes longer) would exceed it, the save is
refused before anything is written, with a message saying by how much to shorten the name.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from nnstudio.errors import ProjectFileError
from nnstudio.io.project import load_project, save_project, weights_path_for
from nnstudio.io.weights import atomic_write_bytes, name_limit
from nnstudio.spec import Project


@pytest.fixture
def limit(tmp_path: Path) -> int:
    """The longest file name, in bytes, the test folder's file system accepts."""
    return name_limit(tmp_path)


def _named(folder: Path, length: int, *, letter: str = "a", suffix: str = ".nnproj") -> Path:
    """A path in ``folder`` whose name is ``length`` bytes long, ending in ``suffix``."""
    room = length - len(suffix.encode())
    width = len(letter.encode())
    name = letter * (room // width) + "b" * (room % width) + suffix
    assert len(os.fsencode(name)) == length
    return folder / name


def _same(first, second) -> bool:
    return all(
        np.array_equal(a, c) and np.array_equal(b, d)
        for (a, b), (c, d) in zip(first, second, strict=True)
    )


@pytest.mark.parametrize("letter", ["a", "é"], ids=["ascii", "two-byte letters"])
def test_a_name_leaving_just_room_for_the_weights_file_saves_and_saves_again(
    tmp_path: Path, limit: int, letter: str, xor_project: Project, make_weights
) -> None:
    # The weights file's name is exactly at the limit; the temporary files' are cut short.
    target = _named(tmp_path, limit - 5, letter=letter)
    assert len(os.fsencode(weights_path_for(target).name)) == limit
    first = make_weights(xor_project.network, seed=1)
    save_project(target, xor_project, first)
    assert _same(load_project(target).weights, first)
    # Saving again keeps a backup of the previous weights file while it replaces it.
    second = make_weights(xor_project.network, seed=2)
    save_project(target, xor_project, second)
    assert _same(load_project(target).weights, second)
    # No temporary or backup file is left behind.
    assert sorted(tmp_path.iterdir()) == sorted([target, weights_path_for(target)])


def test_a_project_without_weights_saves_under_the_longest_name(
    tmp_path: Path, limit: int, xor_project: Project
) -> None:
    target = _named(tmp_path, limit)
    save_project(target, xor_project)
    assert load_project(target).project.name == "XOR"
    assert list(tmp_path.iterdir()) == [target]


def test_a_file_with_the_longest_name_is_written_atomically(tmp_path: Path, limit: int) -> None:
    # As exports write theirs.
    target = _named(tmp_path, limit, suffix=".npz")
    atomic_write_bytes(target, b"one")
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert list(tmp_path.iterdir()) == [target]


def test_a_weights_file_name_beyond_the_limit_is_refused_before_anything_is_written(
    tmp_path: Path, limit: int, xor_project: Project, make_weights
) -> None:
    target = _named(tmp_path, limit - 2)  # accepted itself; its weights file's is 3 too long
    with pytest.raises(ProjectFileError) as caught:
        save_project(target, xor_project, make_weights(xor_project.network))
    assert str(caught.value) == (
        f"cannot write {target}: the weights file beside it, named like the project but "
        f"ending in .weights.npz, would have a name 3 bytes longer than the {limit} the file "
        "system allows; shorten the project's name by 3 characters or more"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_non_ascii_name_is_told_in_bytes(
    tmp_path: Path, limit: int, xor_project: Project, make_weights
) -> None:
    target = _named(tmp_path, limit - 4, letter="é")
    with pytest.raises(ProjectFileError) as caught:
        save_project(target, xor_project, make_weights(xor_project.network))
    assert str(caught.value).endswith(
        "would have a name 1 byte longer than the "
        f"{limit} the file system allows; shorten the project's name by 1 byte (a character "
        "outside ASCII takes 2 to 4) or more"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_project_name_beyond_the_limit_is_named_as_such(
    tmp_path: Path, limit: int, xor_project: Project, make_weights
) -> None:
    target = _named(tmp_path, limit + 1)
    for weights in (make_weights(xor_project.network), None):
        with pytest.raises(ProjectFileError) as caught:
            save_project(target, xor_project, weights)
        assert str(caught.value) == (
            f"cannot write {target}: the file name is {limit + 1} bytes long, and the file "
            f"system allows at most {limit}; choose a shorter name"
        )
    assert list(tmp_path.iterdir()) == []


def test_train_refuses_a_save_name_without_room_for_weights_before_it_trains(
    tmp_path: Path, limit: int, xor_project: Project, capsys
) -> None:
    from nnstudio import cli

    source = tmp_path / "source" / "xor.nnproj"
    source.parent.mkdir()
    save_project(source, xor_project)
    target = _named(tmp_path, limit - 1)
    assert cli.main(["train", str(source), "--save", str(target)]) == cli.EXIT_FAILURE
    err = capsys.readouterr().err
    # One line, said before any training (a finished run would be lost).
    assert err == (
        f"nnstudio: error: cannot write {target}: the weights file beside it, named like the "
        f"project but ending in .weights.npz, would have a name 4 bytes longer than the {limit} "
        "the file system allows; shorten the project's name by 4 characters or more\n"
    )
    assert sorted(tmp_path.iterdir()) == [source.parent]
