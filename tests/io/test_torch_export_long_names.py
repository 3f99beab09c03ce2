"""The PyTorch export's weights file is named like the module with ``.safetensors`` in place of
``.py`` (9 bytes longer): a module name leaving no room for it is refused before anything is
written, with a message saying by how much to shorten it; one leaving just room exports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nnstudio.errors import ProjectFileError
from nnstudio.io.torch_export import export_torch
from nnstudio.io.weights import name_limit
from nnstudio.spec import Project

pytest.importorskip("safetensors")


def _module(folder: Path, length: int) -> Path:
    name = "m" * (length - len(".py")) + ".py"
    assert len(os.fsencode(name)) == length
    return folder / name


def test_a_module_name_leaving_no_room_for_the_weights_file_is_refused_before_writing(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    limit = name_limit(tmp_path)
    target = _module(tmp_path, limit - 8)  # the weights file's name: limit + 1 bytes
    with pytest.raises(ProjectFileError) as caught:
        export_torch(xor_project, make_weights(xor_project.network, seed=1), target)
    message = str(caught.value)
    assert "1 byte longer than the" in message
    assert "shorten the module's name by 1 character or more" in message
    assert list(tmp_path.iterdir()) == []


def test_a_module_name_leaving_just_room_exports_both_files(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    limit = name_limit(tmp_path)
    target = _module(tmp_path, limit - 9)
    written = export_torch(xor_project, make_weights(xor_project.network, seed=1), target)
    assert written == [target, target.with_suffix(".safetensors")]
    assert sorted(tmp_path.iterdir()) == sorted(written)
    assert len(os.fsencode(written[1].name)) == limit
