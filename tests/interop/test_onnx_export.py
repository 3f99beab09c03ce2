"""ONNX export: onnxruntime, an independent runtime, must reproduce nnstudio's predictions."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from interop_support import (
    MODEL_CASES,
    assert_predictions_match,
    make_model,
    make_offset_model,
    offset_inputs,
    raw_inputs,
)

from nnstudio.errors import MissingExtraError, ProjectFileError
from nnstudio.io.exporters import export
from nnstudio.io.onnx_io import OPSET, export_onnx, read_onnx_metadata

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

pytestmark = pytest.mark.interop


def _session(path: Path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("case", MODEL_CASES.values(), ids=MODEL_CASES.keys())
def test_onnxruntime_matches_reference_and_engine(case: dict, tmp_path: Path) -> None:
    project, weights = make_model(**case)
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)

    session = _session(path)
    expected_output = "probabilities" if project.task == "classification" else "values"
    assert [i.name for i in session.get_inputs()] == ["input"]
    assert [o.name for o in session.get_outputs()] == [expected_output]
    X = raw_inputs(project)
    (outputs,) = session.run(None, {"input": X})
    assert outputs.dtype == np.float32
    assert_predictions_match(outputs, project, weights, X)


def test_batch_dimension_is_dynamic(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    session = _session(path)
    X = raw_inputs(project, rows=9)
    (all_rows,) = session.run(None, {"input": X})
    (one_row,) = session.run(None, {"input": X[4:5]})
    np.testing.assert_allclose(one_row[0], all_rows[4], rtol=1e-6)
    input_shape = onnx.load(str(path)).graph.input[0].type.tensor_type.shape.dim
    assert input_shape[0].dim_param == "batch"
    assert input_shape[1].dim_value == project.network.inputs


def test_model_is_float32_opset_17_with_standardisation_in_the_graph(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["sigmoid-classifier-standardized"])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    model = onnx.load(str(path))
    assert OPSET >= 17
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)]
    ops = [node.op_type for node in model.graph.node]
    assert ops[:2] == ["Sub", "Div"]
    assert ops.count("Gemm") == len(project.network.layers)
    assert {"LeakyRelu", "Relu", "Sigmoid", "Tanh"} <= set(ops)
    leaky = [n for n in model.graph.node if n.op_type == "LeakyRelu"]
    assert onnx.helper.get_attribute_value(leaky[0].attribute[0]) == pytest.approx(0.01)
    for initializer in model.graph.initializer:
        assert initializer.data_type == onnx.TensorProto.FLOAT
    assert model.producer_name == "nnstudio"
    assert "sigmoid" in model.doc_string


def test_gelu_and_swish_are_composites_every_runtime_accepts(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["regression-unnamed-linear-output"])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    ops = {node.op_type for node in onnx.load(str(path)).graph.node}
    assert "Gelu" not in ops
    assert {"Pow", "Tanh", "Sigmoid", "Mul", "Add"} <= ops


def test_metadata_records_names_task_and_activations(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    props = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert props["format"] == "nnstudio"
    assert props["version"]
    assert props["task"] == "regression"
    assert props["output"] == "values"
    assert json.loads(props["feature_names"]) == list(project.feature_names)
    assert json.loads(props["output_names"]) == list(project.output_names)
    assert json.loads(props["activations"]) == [
        layer.activation for layer in project.network.layers
    ]
    assert json.loads(props["alphas"])[6] == 0.2
    assert json.loads(props["standardization"])["mean"] == list(project.standardization.mean)


def test_float64_project_exports_a_float32_model_and_reads_its_metadata(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    project = replace(project, training=replace(project.training, dtype="float64"))
    weights64 = tuple((W.astype(np.float64), b.astype(np.float64)) for W, b in weights)
    (path,) = export_onnx(project, weights64, tmp_path / "model64.onnx")
    X = raw_inputs(project)
    (outputs,) = _session(path).run(None, {"input": X})
    assert outputs.dtype == np.float32
    assert_predictions_match(outputs, project, weights64, X)

    metadata = read_onnx_metadata(path)
    assert metadata["format"] == "nnstudio"
    assert metadata["sizes"] == list(project.network.sizes)
    assert metadata["output_names"] == list(project.output_names)
    assert metadata["standardization"] is None


def test_registry_writes_onnx_and_adds_the_suffix(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    written = export("onnx", project, weights, tmp_path / "classifier")
    assert written == [tmp_path / "classifier.onnx"]
    assert written[0].stat().st_size > 0


def test_mismatched_weights_are_refused_naming_the_layer(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    W, b = weights[1]
    broken = (weights[0], (W[:, :-1], b[:-1]), *weights[2:])
    with pytest.raises(ProjectFileError, match=r"layer 2 .*\(5, 4\).*\(5, 5\)"):
        export_onnx(project, broken, tmp_path / "model.onnx")
    assert not (tmp_path / "model.onnx").exists()


def test_missing_onnx_package_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'nnstudio\[onnx\]'") as info:
        export_onnx(project, weights, tmp_path / "model.onnx")
    assert info.value.extra == "onnx"
    assert "ONNX export" in str(info.value)


# -- standardised targets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "case", ["regression-standardized-targets", "regression-standardized-targets-softplus-output"]
)
def test_outputs_are_scaled_back_to_the_targets_units_in_the_graph(
    case: str, tmp_path: Path
) -> None:
    project, weights = make_model(**MODEL_CASES[case])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    last_two = model.graph.node[-2:]
    assert [node.op_type for node in last_two] == ["Mul", "Add"]
    assert last_two[-1].output[0] == "values"
    constants = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    target_std = constants[last_two[0].input[1]]
    assert target_std.dtype == np.float32
    np.testing.assert_array_equal(target_std, [250.0, 0.5])
    np.testing.assert_array_equal(constants[last_two[1].input[1]], [1000.0, -3.0])

    X = raw_inputs(project)
    (outputs,) = _session(path).run(None, {"input": X})
    assert_predictions_match(outputs, project, weights, X)
    assert np.abs(outputs[:, 0] - 1000.0).max() > 10.0  # not the standardised outputs

    metadata = read_onnx_metadata(path)
    assert metadata["target_standardization"] == {"mean": [1000.0, -3.0], "std": [250.0, 0.5]}
    assert "targets' units" in model.graph.output[0].doc_string


def test_metadata_keeps_target_statistics_float32_cannot_hold(tmp_path: Path) -> None:
    from nnstudio.spec import Standardization

    project, weights = make_model(**MODEL_CASES["regression-standardized-targets"])
    exact = Standardization(mean=(1000.1, -3.3), std=(250.7, 0.1))
    project = replace(project, target_standardization=exact)
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    stored = json.loads(
        {p.key: p.value for p in onnx.load(str(path)).metadata_props}["target_standardization"]
    )
    assert stored == {"mean": [1000.1, -3.3], "std": [250.7, 0.1]}


def test_no_output_scaling_without_target_standardisation(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    model = onnx.load(str(path))
    assert model.graph.node[-1].op_type == "Gemm"  # the identity output layer ends the graph
    assert "target_std" not in {i.name for i in model.graph.initializer}
    assert "target_standardization" not in {p.key for p in model.metadata_props}


def test_identity_output_classifier_exports_scores_not_probabilities(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    network = project.network.with_layer(
        len(project.network.layers) - 1, replace(project.network.output, activation="identity")
    )
    project = replace(project, network=network, loss="mse")
    project.validate()
    (path,) = export_onnx(project, weights, tmp_path / "scores.onnx")
    session = _session(path)
    assert [o.name for o in session.get_outputs()] == ["scores"]
    model = onnx.load(str(path))
    assert "score of each class" in model.graph.output[0].doc_string
    assert {p.key: p.value for p in model.metadata_props}["output"] == "scores"
    X = raw_inputs(project)
    (outputs,) = session.run(None, {"input": X})
    assert_predictions_match(outputs, project, weights, X)


# -- inputs float32 cannot hold -----------------------------------------------------------------


def test_a_timestamp_feature_gives_a_double_input_that_matches_the_engine(tmp_path: Path) -> None:
    project, weights = make_offset_model()
    (path,) = export_onnx(project, weights, tmp_path / "events.onnx")
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE
    assert model.graph.output[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    ops = [node.op_type for node in model.graph.node]
    assert ops[:4] == ["Sub", "Div", "Cast", "Gemm"]
    constants = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    # The exact statistics, in double; the layers stay float32.
    assert constants["input_mean"].dtype == np.float64
    assert constants["input_mean"].tolist() == list(project.standardization.mean)
    assert constants["input_std"].tolist() == list(project.standardization.std)
    assert constants["layer1.W"].dtype == np.float32

    X = offset_inputs()
    (outputs,) = _session(path).run(None, {"input": X})
    assert outputs.dtype == np.float32
    assert_predictions_match(outputs, project, weights, X)

    # The rule and the type are written down in the model.
    assert read_onnx_metadata(path)["input_dtype"] == "float64"
    assert "The input is double (float64): for features 'timestamp', 'latitude', " in (
        model.doc_string
    )
    assert "by more than 1e-05 standard deviations" in model.doc_string


def test_ordinary_inputs_keep_the_float32_input(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["sigmoid-classifier-standardized"])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    model = onnx.load(str(path))
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert "Cast" not in {node.op_type for node in model.graph.node}
    assert read_onnx_metadata(path)["input_dtype"] == "float32"
    assert "The input is float (float32)" in model.doc_string


@pytest.mark.parametrize(
    ("std", "double"),
    [
        # Float32 values near 1.7e9 are 128 apart: rounding moves one by up to 64, which is
        # 1e-5 of a standard deviation of 6.4e6.
        (6.4e6, False),
        (6.3e6, True),
        (3600.0, True),
    ],
)
def test_the_input_is_double_past_1e_5_standard_deviations_of_rounding(
    std: float, double: bool, tmp_path: Path
) -> None:
    from nnstudio.io._model_meta import FLOAT32_INPUT_TOLERANCE, float32_input_error
    from nnstudio.spec import Standardization

    statistics = Standardization(mean=(1.7e9, 0.0), std=(std, 1.0))
    assert FLOAT32_INPUT_TOLERANCE == 1e-5
    assert float32_input_error(statistics).tolist() == [64.0 / std, 0.0]
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    project = replace(project, standardization=statistics)
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    elem_type = onnx.load(str(path)).graph.input[0].type.tensor_type.elem_type
    assert elem_type == (onnx.TensorProto.DOUBLE if double else onnx.TensorProto.FLOAT)


def test_float32_inputs_of_a_timestamp_would_have_been_wrong(tmp_path: Path) -> None:
    """Why the input is double: the same graph fed float32 misses nnstudio's predictions."""
    project, weights = make_offset_model()
    (path,) = export_onnx(project, weights, tmp_path / "events.onnx")
    X = offset_inputs()
    (exact,) = _session(path).run(None, {"input": X})
    (rounded,) = _session(path).run(None, {"input": X.astype(np.float32).astype(np.float64)})
    assert np.abs(exact - rounded).max() > 1e-3
