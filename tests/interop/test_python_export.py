"""Python export: a NumPy-only module that reproduces the trained network exactly."""

from __future__ import annotations

import ast
import runpy
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from interop_support import (
    MODEL_CASES,
    assert_predictions_match,
    make_model,
    raw_inputs,
    reference_predict,
    run_script_on_csv_variant,
    stderr_after_closing_the_pipe,
    write_long_csv,
)

from nnstudio.errors import ProjectFileError
from nnstudio.io.python_export import export_python

pytestmark = pytest.mark.interop


@pytest.mark.parametrize("case", MODEL_CASES.values(), ids=MODEL_CASES.keys())
def test_predict_matches_reference_and_engine(case: dict, tmp_path: Path) -> None:
    project, weights = make_model(**case)
    (path,) = export_python(project, weights, tmp_path / "model.py")
    namespace = runpy.run_path(str(path))
    X = raw_inputs(project)
    outputs = namespace["predict"](X)
    assert_predictions_match(outputs, project, weights, X)
    np.testing.assert_allclose(outputs, reference_predict(project, weights, X), rtol=1e-12)
    np.testing.assert_allclose(namespace["predict"](X[3]), outputs[3:4], rtol=1e-12)

    for number, (W, b) in enumerate(weights, start=1):
        np.testing.assert_array_equal(namespace[f"W{number}"], W)
        np.testing.assert_array_equal(namespace[f"b{number}"], b)
        assert namespace[f"W{number}"].dtype == np.float32
    if project.feature_names is not None:
        assert namespace["FEATURE_NAMES"] == project.feature_names
    if project.task == "classification":
        labels = namespace["predict_labels"](X)
        if outputs.shape[1] == 1:
            expected = np.where(outputs[:, 0] >= 0.5, namespace["OUTPUT_NAMES"][1], "")
            expected[outputs[:, 0] < 0.5] = namespace["OUTPUT_NAMES"][0]
        else:
            expected = np.asarray(namespace["OUTPUT_NAMES"])[outputs.argmax(axis=1)]
        np.testing.assert_array_equal(labels, expected)
    else:
        with pytest.raises(ValueError, match="regression"):
            namespace["predict_labels"](X)


def test_float64_weights_are_embedded_exactly(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    rng = np.random.default_rng(5)
    weights64 = tuple(
        (W + rng.normal(size=W.shape) * 1e-9, b.astype(np.float64)) for W, b in weights
    )
    project = replace(project, training=replace(project.training, dtype="float64"))
    (path,) = export_python(project, weights64, tmp_path / "model64.py")
    namespace = runpy.run_path(str(path))
    np.testing.assert_array_equal(namespace["W1"], weights64[0][0])
    assert namespace["W1"].dtype == np.float64
    assert namespace["INPUT_MEAN"].tolist() == list(project.standardization.mean)


def test_module_needs_only_numpy_and_the_standard_library(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path,) = export_python(project, weights, tmp_path / "classifier.py")
    imported = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= {"numpy", "__future__", *sys.stdlib_module_names}


def test_command_line_prints_predictions_for_a_csv(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["sigmoid-classifier-standardized"])
    (path,) = export_python(project, weights, tmp_path / "classifier.py")
    X = raw_inputs(project, rows=6)
    # Columns in another order than the features, plus one the model does not use.
    names = list(reversed(project.feature_names))
    table = np.column_stack([X[:, ::-1], np.arange(6)])
    lines = [",".join([*names, "row_id"])]
    lines += [",".join(repr(float(v)) for v in row) for row in table]
    data = tmp_path / "data.csv"
    data.write_text("\n".join(lines) + "\n")
    result = subprocess.run(
        [sys.executable, str(path), str(data)], capture_output=True, text=True, check=True
    )
    rows = [line.split(",") for line in result.stdout.strip().splitlines()]
    classes = project.output_names
    assert rows[0] == [f"p_{classes[0]}", f"p_{classes[1]}", "label"]
    probabilities = np.array([[float(v) for v in row[1:2]] for row in rows[1:]])
    expected = reference_predict(project, weights, X)
    np.testing.assert_allclose(probabilities, expected, rtol=1e-8)
    assert [row[2] for row in rows[1:]] == [classes[int(p >= 0.5)] for p in expected[:, 0]]


@pytest.mark.parametrize("variant", ["semicolons", "tabs-crlf", "bom", "stdin"])
def test_command_line_reads_csv_as_nnstudio_predict_does(variant: str, tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    (path,) = export_python(project, weights, tmp_path / "regressor.py")
    X = raw_inputs(project, rows=5)
    header, values = run_script_on_csv_variant(path, project.feature_names, X, variant, tmp_path)
    assert header == list(project.output_names)
    np.testing.assert_allclose(values, reference_predict(project, weights, X), rtol=1e-8)


def test_command_line_stops_quietly_when_its_reader_goes_away(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path,) = export_python(project, weights, tmp_path / "classifier.py")
    write_long_csv(tmp_path / "long.csv", project.feature_names)
    status, stderr = stderr_after_closing_the_pipe(
        [sys.executable, str(path), str(tmp_path / "long.csv")]
    )
    assert stderr == ""
    assert status == 1


def test_python_suffix_is_required(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    with pytest.raises(ProjectFileError, match=r"ending in \.py"):
        export_python(project, weights, tmp_path / "model.txt")
    (path,) = export_python(project, weights, tmp_path)
    assert path == tmp_path / "interop_model.py"


# -- standardised targets ---------------------------------------------------------------------


def test_predict_scales_standardised_targets_back_and_the_command_line_too(
    tmp_path: Path,
) -> None:
    project, weights = make_model(**MODEL_CASES["regression-standardized-targets-softplus-output"])
    (path,) = export_python(project, weights, tmp_path / "regressor.py")
    namespace = runpy.run_path(str(path))
    np.testing.assert_array_equal(namespace["TARGET_MEAN"], [1000.0, -3.0])
    np.testing.assert_array_equal(namespace["TARGET_STD"], [250.0, 0.5])
    X = raw_inputs(project, rows=5)
    expected = reference_predict(project, weights, X)
    np.testing.assert_allclose(namespace["predict"](X), expected, rtol=1e-8)
    header, values = run_script_on_csv_variant(
        path, project.feature_names, X, "semicolons", tmp_path
    )
    assert header == list(project.output_names)
    np.testing.assert_allclose(values, expected, rtol=1e-8)


def test_module_without_target_standardisation_has_no_target_constants(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    (path,) = export_python(project, weights, tmp_path / "regressor.py")
    assert "TARGET_" not in path.read_text()
