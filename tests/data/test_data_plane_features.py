"""Features of a plane's points (x1², x1·x2, sin x1, ...), as TensorFlow Playground offers them."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio import cli
from nnstudio.data import load_dataset, plane_feature_columns
from nnstudio.errors import SpecError
from nnstudio.spec import (
    DEFAULT_PLANE_FEATURES,
    PLANE_FEATURES,
    BuiltinData,
    LayerSpec,
    NetworkSpec,
    Project,
    TrainingSpec,
)
from nnstudio.workflow import attach_dataset, build_network, fit_network_to_data, make_trainer

SQUARES = ("x1^2", "x2^2")


def test_each_feature_follows_its_formula() -> None:
    points = np.array([[0.5, -2.0], [3.0, 0.25]])
    columns = plane_feature_columns(points, PLANE_FEATURES)
    x1, x2 = points[:, 0], points[:, 1]
    expected = np.column_stack([x1, x2, x1**2, x2**2, x1 * x2, np.sin(x1), np.sin(x2)])
    np.testing.assert_array_equal(columns, expected)
    # Any selection, in the order asked for.
    np.testing.assert_array_equal(plane_feature_columns(points, ("x1*x2",)), (x1 * x2)[:, None])


def test_a_data_set_of_features_keeps_its_points_split_alike() -> None:
    spec = BuiltinData(builtin="circles", samples=200, seed=3, features=(*SQUARES, "x1*x2"))
    dataset = load_dataset(spec)
    plain = load_dataset(replace(spec, features=DEFAULT_PLANE_FEATURES))
    assert dataset.feature_names == (*SQUARES, "x1*x2")
    assert dataset.has_plane and dataset.plane_names == ("x1", "x2")
    # The same examples in the same split: the points are the plain data set's inputs.
    np.testing.assert_array_equal(dataset.plane_train, plain.X_train)
    np.testing.assert_array_equal(dataset.plane_val, plain.X_val)
    np.testing.assert_array_equal(
        dataset.X_train, plane_feature_columns(plain.X_train, (*SQUARES, "x1*x2"))
    )
    np.testing.assert_array_equal(dataset.labels_train, plain.labels_train)
    # Plain points are their own plane.
    assert plain.plane_train is plain.X_train and plain.plane_features is None
    head = dataset.head(10)
    assert head.plane_train.shape == (10, 2) and head.X_train.shape == (10, 3)


def test_one_feature_still_has_its_plane() -> None:
    dataset = load_dataset(BuiltinData(builtin="xor", samples=50, features=("x1*x2",)))
    assert dataset.n_features == 1 and dataset.has_plane
    grid = np.array([[1.0, 2.0], [-1.0, 3.0]])
    np.testing.assert_array_equal(dataset.plane_inputs(grid), [[2.0], [-3.0]])


def test_projects_store_features_in_their_order_and_refuse_unknown_ones() -> None:
    project = Project(
        name="Squares",
        data=BuiltinData(builtin="circles", features=SQUARES),
        network=NetworkSpec(2, (LayerSpec(1, "sigmoid"),)),
        loss="binary_crossentropy",
    )
    document = project.to_dict()
    assert document["data"]["features"] == ["x1^2", "x2^2"]
    document["data"]["features"] = ["x2^2", "x1^2"]  # any order reads as the canonical one
    assert Project.from_dict(document).data.features == SQUARES
    # The default is not written.
    plain = replace(project, data=BuiltinData(builtin="circles"))
    assert "features" not in plain.to_dict()["data"]
    document["data"]["features"] = ["x1^3"]
    with pytest.raises(SpecError, match=r"unknown feature 'x1\^3'"):
        Project.from_dict(document)
    document["data"] = {"builtin": "sine", "features": ["x1^2"]}
    with pytest.raises(SpecError, match="'sine' has one input"):
        Project.from_dict(document)


def squares_project(**training: object) -> Project:
    settings = {"optimizer": "adam", "learning_rate": 0.1, "batch_size": 32, "epochs": 30}
    settings.update(training)
    return Project(
        name="Circles through squares",
        data=BuiltinData(builtin="circles", samples=400, seed=1, features=SQUARES),
        network=NetworkSpec(2, (LayerSpec(1, "sigmoid"),)),
        loss="binary_crossentropy",
        training=TrainingSpec(**settings),
    )


def test_one_neuron_separates_the_circles_through_their_squares() -> None:
    # The lesson: no hidden layer draws a circle, but x1² + x2² < r² is a straight cut.
    project = squares_project()
    dataset = load_dataset(project.data)
    project = attach_dataset(project, dataset)
    trainer = make_trainer(project, build_network(project), dataset)
    trainer.run()
    assert trainer.snapshot().val_accuracy >= 0.95
    # Without the squares the same neuron can only cut the plane in two halves.
    plain = replace(project, data=replace(project.data, features=DEFAULT_PLANE_FEATURES))
    plain_data = load_dataset(plain.data)
    plain, _notices = fit_network_to_data(plain, plain_data)
    linear = make_trainer(plain, build_network(plain), plain_data)
    linear.run()
    assert linear.snapshot().val_accuracy < 0.8


def trained_squares(folder: Path) -> Path:
    """The circles-through-squares project trained for 10 epochs by ``nnstudio train``."""
    source = folder / "squares.nnproj"
    source.write_text(json.dumps(squares_project(epochs=10).to_dict()), encoding="utf-8")
    trained = folder / "trained.nnproj"
    assert cli.main(["train", str(source), "-q", "--save", str(trained)]) == cli.EXIT_OK
    return trained


def test_predict_computes_the_features_of_points(tmp_path: Path, capsys) -> None:
    trained = trained_squares(tmp_path)
    points = tmp_path / "points.csv"
    points.write_text("x1,x2\n0,0\n1.2,1.2\n", encoding="utf-8")
    features = tmp_path / "features.csv"
    features.write_text("x1^2,x2^2\n0,0\n1.44,1.44\n", encoding="utf-8")
    outputs = []
    for query in (points, features):
        capsys.readouterr()
        assert cli.main(["predict", str(trained), "-i", str(query)]) == cli.EXIT_OK
        outputs.append(list(csv.reader(io.StringIO(capsys.readouterr().out))))
    assert outputs[0] == outputs[1]
    assert [row[-1] for row in outputs[0][1:]] == ["inner", "outer"]
    # Neither the features nor the points: the message names both ways.
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["predict", str(trained), "-i", str(bad)]) == cli.EXIT_FAILURE
    error = capsys.readouterr().err
    assert "x1^2, x2^2" in error and "x1 and x2" in error


def test_predict_computes_features_for_inputs_named_after_them(tmp_path: Path, capsys) -> None:
    # A model trained on x1² and x2² that comes back without its built-in data (imported
    # from ONNX, as CSV data): its inputs' names still say how to compute them.
    from nnstudio.io.project import load_project, save_project
    from nnstudio.spec import CsvData

    trained = trained_squares(tmp_path)
    loaded = load_project(trained)
    csv_project = replace(
        loaded.project,
        data=CsvData(csv="data.csv", target=("label",), features=SQUARES),
    )
    imported = tmp_path / "imported.nnproj"
    save_project(imported, csv_project, loaded.weights)
    points = tmp_path / "points.csv"
    points.write_text("x1,x2\n0,0\n1.2,1.2\n", encoding="utf-8")
    outputs = []
    for project in (trained, imported):
        capsys.readouterr()
        assert cli.main(["predict", str(project), "-i", str(points)]) == cli.EXIT_OK
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
