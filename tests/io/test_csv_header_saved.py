"""How a CSV file's first line is read is saved with the project and used when it reopens."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import load_dataset
from nnstudio.errors import SpecError
from nnstudio.io.project import load_project, save_project
from nnstudio.spec import CsvData, LayerSpec, NetworkSpec, Project
from tests.data.test_data_csv_header_spec import PEOPLE


def people_project(header: bool | None) -> Project:
    return Project(
        name="People",
        data=CsvData(
            csv="data/ann.csv",
            target=("column 3",),
            task="regression",
            features=("column 2",),
            header=header,
        ),
        network=NetworkSpec(inputs=1, layers=(LayerSpec(units=1, activation="identity"),)),
        loss="mse",
    )


def test_a_headerless_csv_reopens_with_its_first_row(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "ann.csv").write_text(PEOPLE, encoding="utf-8")
    elsewhere = tmp_path / "projects"
    elsewhere.mkdir()
    # Saved into another folder, as Save As does: the path is rewritten, the choice kept.
    path = elsewhere / "people.nnproj"
    save_project(path, people_project(False), source_dir=tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    assert data["csv"] == "../data/ann.csv" and data["header"] is False

    loaded = load_project(path)
    assert loaded.project.data.header is False
    dataset = load_dataset(loaded.project.data, loaded.base_dir)
    assert dataset.n_train + dataset.n_val == 3
    ages = np.concatenate([dataset.X_train, dataset.X_val]).ravel()
    assert sorted(ages.tolist()) == [23.0, 31.0, 45.0]  # Ann's row is data, not names


def test_a_stated_header_is_written_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "p.nnproj"
    project = people_project(True)
    save_project(path, project)
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    assert data["header"] is True and list(data)[-1] == "header"
    assert load_project(path).project == project


def test_a_project_without_the_key_round_trips_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "p.nnproj"
    save_project(path, people_project(None))
    text = path.read_bytes()
    assert b'"header"' not in text  # files written before the choice existed look the same
    loaded = load_project(path)
    assert loaded.project.data.header is None
    save_project(path, loaded.project)
    assert path.read_bytes() == text


def test_an_explicit_null_header_means_guessed(tmp_path: Path) -> None:
    document = people_project(None).to_dict()
    document["data"]["header"] = None
    path = tmp_path / "p.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert load_project(path).project.data.header is None


@pytest.mark.parametrize(
    ("value", "shown"), [("yes", "'yes'"), (1, "1"), ("false", "'false'"), ([], "[]")]
)
def test_a_header_that_is_not_true_false_or_null_is_named(
    tmp_path: Path, value: object, shown: str
) -> None:
    document = people_project(None).to_dict()
    document["data"]["header"] = value
    path = tmp_path / "bad.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert info.value.problems == [
        "data.header: expected true (the first line names the columns), false (no header "
        f"line) or null (guessed), got {shown}"
    ]
    assert str(info.value).startswith("bad.nnproj is not a valid project")


def test_replacing_the_path_keeps_the_header() -> None:
    spec = people_project(False).data
    assert replace(spec, csv="elsewhere/ann.csv").header is False
