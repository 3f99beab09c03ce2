"""The shipped sample projects: they open, their data loads, and they learn what they promise."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset, read_csv_table
from nnstudio.spec import BuiltinData, CsvData, Project, expected_output_units

SAMPLE_NAMES = ("xor", "circles", "circles-squared", "spiral", "housing", "iris", "digits")

#: name -> (task, features, outputs (classes or targets), examples)
EXPECTED_SHAPES = {
    "xor": ("classification", 2, 2, 200),
    "circles": ("classification", 2, 2, 400),
    "circles-squared": ("classification", 2, 2, 400),
    "spiral": ("classification", 2, 2, 500),
    "housing": ("regression", 1, 1, 200),
    "iris": ("classification", 4, 3, 150),
    "digits": ("classification", 64, 10, 1797),
}


def read_sample(samples_dir: Path, name: str) -> Project:
    document = json.loads((samples_dir / f"{name}.nnproj").read_text(encoding="utf-8"))
    return Project.from_dict(document)


def load_sample(samples_dir: Path, name: str) -> tuple[Project, Dataset]:
    project = read_sample(samples_dir, name)
    return project, load_dataset(project.data, samples_dir)


def test_the_folder_holds_exactly_the_documented_samples(samples_dir: Path) -> None:
    projects = sorted(path.stem for path in samples_dir.glob("*.nnproj"))
    assert projects == sorted(SAMPLE_NAMES)
    readme = (samples_dir / "README.md").read_text(encoding="utf-8")
    for name in SAMPLE_NAMES:
        assert f"`{name}.nnproj`" in readme
    assert "Fisher" in readme and "Alpaydin" in readme and "Kaynak" in readme


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_is_a_valid_project_without_weights(samples_dir: Path, name: str) -> None:
    document = json.loads((samples_dir / f"{name}.nnproj").read_text(encoding="utf-8"))
    project = Project.from_dict(document)
    # Samples start untrained: the user presses Play and watches them learn.
    assert "weights" not in document and project.weights is None
    assert project.standardization is None
    assert project.name and len(project.description) > 40
    # What the file holds is exactly what the document layer writes.
    assert Project.from_dict(project.to_dict()) == project
    assert project.to_dict() == document
    assert project.training.epochs is not None


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_data_loads_and_fits_the_network(samples_dir: Path, name: str) -> None:
    project, dataset = load_sample(samples_dir, name)
    task, features, outputs, examples = EXPECTED_SHAPES[name]
    assert dataset.task == task == project.task
    assert dataset.n_features == features == project.network.inputs
    assert dataset.n_outputs == outputs
    assert dataset.n_train + dataset.n_val == examples
    units = project.network.output.units
    assert units == expected_output_units(task, outputs, project.network.output.activation)
    Y_train, Y_val = dataset.targets_for(units)
    assert Y_train.shape == (dataset.n_train, units)
    assert Y_val.shape == (dataset.n_val, units)
    if task == "classification":
        # Every class appears in the training set.
        assert set(np.unique(dataset.labels_train)) == set(range(outputs))


def test_iris_csv_is_fishers_data(samples_dir: Path) -> None:
    table = read_csv_table(samples_dir / "iris.csv")
    assert table.header == (
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
        "species",
    )
    assert table.n_rows == 150
    assert table.kinds == ("numeric",) * 4 + ("text",)
    species = table.column("species")
    assert {s: species.count(s) for s in set(species)} == {
        "setosa": 50,
        "versicolor": 50,
        "virginica": 50,
    }
    assert table.rows[0] == ("5.1", "3.5", "1.4", "0.2", "setosa")
    project, dataset = load_sample(samples_dir, "iris")
    assert isinstance(project.data, CsvData)
    assert dataset.class_names == ("setosa", "versicolor", "virginica")
    assert dataset.standardization is not None


def test_digits_csv_is_the_8x8_digits_set(samples_dir: Path) -> None:
    path = samples_dir / "digits.csv.gz"
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        header = stream.readline().strip().split(",")
    assert header[:2] == ["pixel_0_0", "pixel_0_1"] and header[63] == "pixel_7_7"
    assert header[64] == "digit" and len(header) == 65
    _, dataset = load_sample(samples_dir, "digits")
    assert dataset.class_names == tuple(str(d) for d in range(10))
    assert dataset.image_shape == (8, 8) and dataset.is_image_like
    X = np.vstack([dataset.X_train, dataset.X_val])
    assert X.min() == 0 and X.max() == 16
    np.testing.assert_array_equal(X, np.round(X))
    counts = np.bincount(np.concatenate([dataset.labels_train, dataset.labels_val]))
    assert counts.sum() == 1797 and counts.min() >= 170


def test_builtin_samples_use_the_generators_they_describe(samples_dir: Path) -> None:
    for name in ("xor", "circles", "spiral", "housing"):
        data = read_sample(samples_dir, name).data
        assert isinstance(data, BuiltinData) and data.builtin == name
    assert read_sample(samples_dir, "spiral").data.arms == 2
    assert read_sample(samples_dir, "housing").data.standardize


# ---- training with the saved settings ----------------------------------------------------------


def train_sample(samples_dir: Path, name: str):
    """Train a sample exactly as the studio would and return the final snapshot."""
    from nnstudio.workflow import attach_dataset, build_network, make_trainer

    project, dataset = load_sample(samples_dir, name)
    project = attach_dataset(project, dataset)
    trainer = make_trainer(project, build_network(project), dataset)
    snapshot = trainer.run()
    assert snapshot.status == "finished", snapshot.message
    assert snapshot.epoch == project.training.epochs
    return snapshot


@pytest.mark.slow
def test_xor_learns_to_a_small_loss(samples_dir: Path) -> None:
    snapshot = train_sample(samples_dir, "xor")
    assert snapshot.train_loss < 0.05
    assert snapshot.train_accuracy >= 0.99


@pytest.mark.slow
def test_circles_reach_95_percent(samples_dir: Path) -> None:
    snapshot = train_sample(samples_dir, "circles")
    assert snapshot.train_accuracy >= 0.95
    assert snapshot.val_accuracy >= 0.95


@pytest.mark.slow
def test_one_neuron_on_squares_separates_the_circles(samples_dir: Path) -> None:
    project = read_sample(samples_dir, "circles-squared")
    assert project.data.features == ("x1^2", "x2^2")
    assert len(project.network.layers) == 1  # no hidden layer
    snapshot = train_sample(samples_dir, "circles-squared")
    assert snapshot.val_accuracy >= 0.95


@pytest.mark.slow
def test_spiral_reaches_95_percent_training_accuracy(samples_dir: Path) -> None:
    snapshot = train_sample(samples_dir, "spiral")
    assert snapshot.train_accuracy >= 0.95


@pytest.mark.slow
def test_housing_fits_with_r2_above_0_9(samples_dir: Path) -> None:
    snapshot = train_sample(samples_dir, "housing")
    assert snapshot.train_r2 >= 0.9
    assert snapshot.val_r2 >= 0.9


@pytest.mark.slow
def test_iris_reaches_90_percent_validation_accuracy(samples_dir: Path) -> None:
    snapshot = train_sample(samples_dir, "iris")
    assert snapshot.val_accuracy >= 0.9


@pytest.mark.slow
def test_digits_reach_95_percent_validation_accuracy(samples_dir: Path) -> None:
    snapshot = train_sample(samples_dir, "digits")
    assert snapshot.val_accuracy >= 0.95
