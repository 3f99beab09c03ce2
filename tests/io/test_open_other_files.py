"""Opening a data file or an ONNX model as a project says what the file is and where it goes,
instead of a JSON parser's "Expecting value at line 1, column 1"."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nnstudio.errors import ProjectFileError
from nnstudio.io.project import load_project

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_a_csv_file_is_named_as_data_for_the_data_panel(tmp_path: Path) -> None:
    path = shutil.copy(SAMPLES / "iris.csv", tmp_path / "iris.csv")
    with pytest.raises(ProjectFileError) as raised:
        load_project(path)
    message = str(raised.value)
    assert message.startswith("iris.csv is not a project file: it is a CSV data file")
    assert "Data" in message and "JSON" not in message


def test_an_onnx_model_is_named_with_the_way_to_import_it(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"\x08\x08\x12\x08nnstudio\x1a\x050.1.0")
    with pytest.raises(ProjectFileError) as raised:
        load_project(path)
    message = str(raised.value)
    assert message.startswith("model.onnx is not a project file: it is an ONNX model")
    assert "Import ONNX" in message and "nnstudio import model.onnx" in message


def test_a_project_saved_with_a_csv_suffix_still_opens(tmp_path: Path) -> None:
    path = shutil.copy(SAMPLES / "xor.nnproj", tmp_path / "xor.csv")
    assert load_project(path).project.name
