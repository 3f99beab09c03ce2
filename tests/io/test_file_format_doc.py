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
