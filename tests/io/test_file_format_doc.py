"""docs/file-format.md stays true: its example is a valid project and every field is listed."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from nnstudio.spec import (
    BuiltinData,
    CsvData,
    LayerSpec,
    Project,
    ScheduleSpec,
    TrainingSpec,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "file-format.md"


def json_blocks() -> list[str]:
    return re.findall(r"^```json\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S)


def test_project_example_is_valid() -> None:
    project = Project.from_dict(json.loads(json_blocks()[0]))
    assert project.network.describe() == "4-8(relu)-3(softmax)"
    assert project.weights == "iris.weights.npz"


def test_weights_example_has_the_documented_keys() -> None:
    document = json.loads(json_blocks()[1])
    assert document["format"] == "nnstudio.weights"
    assert set(document) == {
        "format",
        "version",
        "layers",
        "input_standardization",
        "target_standardization",
        "task",
        "output_names",
    }


@pytest.mark.parametrize(
    "spec_class", [Project, BuiltinData, CsvData, LayerSpec, TrainingSpec, ScheduleSpec]
)
def test_every_field_is_documented(spec_class: type) -> None:
    text = DOC.read_text(encoding="utf-8")
    for field in dataclasses.fields(spec_class):
        name = "schedule" if field.name == "name" and spec_class is ScheduleSpec else field.name
        assert f"`{name}`" in text, f"{spec_class.__name__}.{field.name} is not documented"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(f"\n### {title}\n", 1)[1].split("\n#", 1)[0]


def test_safetensors_dtype_is_documented_as_written(tmp_path: Path) -> None:
    safetensors = pytest.importorskip("safetensors.numpy")
    import numpy as np

    from nnstudio.io.safetensors_io import export_safetensors
    from nnstudio.spec import NetworkSpec

    project = Project(
        name="wide",
        data=BuiltinData(builtin="xor"),
        network=NetworkSpec(inputs=2, layers=(LayerSpec(units=1, activation="sigmoid"),)),
        loss="binary_crossentropy",
        training=TrainingSpec(dtype="float64"),
    )
    weights = ((np.full((2, 1), 0.1), np.zeros(1)),)
    (path,) = export_safetensors(project, weights, tmp_path / "m.safetensors")
    assert {t.dtype for t in safetensors.load_file(str(path)).values()} == {np.dtype(np.float32)}
    assert "always float32" in _section("safetensors")
    assert "`float64` network" in _section("safetensors")
    assert "float32" in _section("torch")

    # The input statistics alone are float64, as the section says.
    from dataclasses import replace

    from nnstudio.spec import Standardization

    standardized = replace(project, standardization=Standardization((1.7e9, 0.5), (3600.0, 2.0)))
    (path,) = export_safetensors(standardized, weights, tmp_path / "s.safetensors")
    dtypes = {name: t.dtype for name, t in safetensors.load_file(str(path)).items()}
    assert dtypes.pop("input_mean") == dtypes.pop("input_std") == np.dtype(np.float64)
    assert set(dtypes.values()) == {np.dtype(np.float32)}
    assert "`input_mean` and `input_std` are float64" in _section("safetensors")
