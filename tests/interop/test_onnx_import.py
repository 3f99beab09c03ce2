"""ONNX import: nnstudio's own exports come back exactly; other MLP graphs are understood."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from interop_support import (
    MODEL_CASES,
    engine_predict,
    make_model,
    make_offset_model,
    offset_inputs,
    raw_inputs,
)

from nnstudio.errors import MissingExtraError, ProjectFileError
from nnstudio.io.onnx_io import export_onnx, import_onnx
from nnstudio.spec import BuiltinData, CsvData, Project

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
helper = onnx.helper
numpy_helper = onnx.numpy_helper
FLOAT = onnx.TensorProto.FLOAT

pytestmark = pytest.mark.interop


def _run(path: Path, X: np.ndarray) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})[0]


def _save(tmp_path: Path, name: str, nodes, initializers, inputs: int, outputs) -> Path:
    graph = helper.make_graph(
        nodes,
        "hand_built",
        [helper.make_tensor_value_info("x", FLOAT, ["n", inputs])],
        outputs,
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model, full_check=True)
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


def _tensor(name: str, array) -> object:
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def _constant(name: str, array) -> object:
    return helper.make_node("Constant", [], [name], value=_tensor(name + "_value", array))


# -- our own exports --------------------------------------------------------------------------


@pytest.mark.parametrize("case", MODEL_CASES.values(), ids=MODEL_CASES.keys())
def test_own_export_round_trips_exactly(case: dict, tmp_path: Path) -> None:
    project, weights = make_model(**case)
    (path,) = export_onnx(project, weights, tmp_path / "trained net.onnx")
    imported, imported_weights = import_onnx(path)

    assert imported.name == "trained net"
    assert imported.network == project.network
    assert imported.task == project.task
    assert imported.loss == project.loss
    assert imported.standardization == project.standardization
    assert imported.target_standardization == project.target_standardization
    # Unnamed inputs come back with the names the export documents them by.
    default_names = tuple(f"x{i + 1}" for i in range(project.network.inputs))
    assert imported.feature_names == (project.feature_names or default_names)
    assert imported.output_names == project.output_names
    assert imported.training.dtype == "float32"
    for (W, b), (W2, b2) in zip(weights, imported_weights, strict=True):
        np.testing.assert_array_equal(W2, W)
        np.testing.assert_array_equal(b2, b)
    X = raw_inputs(project)
    np.testing.assert_allclose(
        engine_predict(imported, imported_weights, X), _run(path, X), rtol=1e-5, atol=1e-5
    )
    Project.from_dict(imported.to_dict())  # a valid document the studio can open


def test_data_is_a_builtin_that_fits_or_a_csv_to_choose(tmp_path: Path) -> None:
    two_inputs, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    (path,) = export_onnx(two_inputs, weights, tmp_path / "xor.onnx")
    imported, _ = import_onnx(path)
    assert imported.data == BuiltinData(builtin="xor", standardize=True)
    assert "data" in imported.description

    regression, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    (path,) = export_onnx(regression, weights, tmp_path / "reg.onnx")
    imported, _ = import_onnx(path)
    assert isinstance(imported.data, CsvData)
    assert imported.data.csv == "data.csv"
    assert imported.data.task == "regression"
    assert imported.data.target == regression.output_names
    assert imported.data.features == regression.feature_names


def test_imported_project_saves_and_reloads(tmp_path: Path) -> None:
    from nnstudio.io.project import load_project, save_project

    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    imported, imported_weights = import_onnx(path)
    save_project(tmp_path / "model.nnproj", imported, imported_weights)
    loaded = load_project(tmp_path / "model.nnproj")
    assert loaded.project.network == project.network
    for (W, b), (W2, b2) in zip(weights, loaded.weights, strict=True):
        np.testing.assert_array_equal(W2, W)
        np.testing.assert_array_equal(b2, b)


def test_own_export_with_a_double_input_round_trips_as_a_float32_project(tmp_path: Path) -> None:
    project, weights = make_offset_model()
    (path,) = export_onnx(project, weights, tmp_path / "events.onnx")
    imported, imported_weights = import_onnx(path)
    assert imported.network == project.network
    assert imported.feature_names == project.feature_names
    # The layers are float32 behind the Cast: so is the project; the statistics are exact.
    assert imported.training.dtype == "float32"
    assert imported.standardization == project.standardization
    for (W, b), (W2, b2) in zip(weights, imported_weights, strict=True):
        assert W2.dtype == np.float32
        np.testing.assert_array_equal(W2, W)
        np.testing.assert_array_equal(b2, b)
    X = offset_inputs()
    np.testing.assert_allclose(
        engine_predict(imported, imported_weights, X), _run(path, X), rtol=1e-5, atol=1e-6
    )


# -- other producers --------------------------------------------------------------------------


def test_a_cast_before_the_first_layer_sets_the_dtype_and_others_pass(tmp_path: Path) -> None:
    W = np.arange(6.0).reshape(2, 3) / 10
    nodes = [
        helper.make_node("Cast", ["x"], ["x64"], name="widen", to=onnx.TensorProto.DOUBLE),
        helper.make_node("Gemm", ["x64", "W"], ["z"], name="fc"),
        helper.make_node("Cast", ["z"], ["z32"], name="narrow", to=FLOAT),
        helper.make_node("Tanh", ["z32"], ["y"], name="tanh"),
    ]
    path = _save(
        tmp_path,
        "casts.onnx",
        nodes,
        [numpy_helper.from_array(W, "W")],
        2,
        [helper.make_tensor_value_info("y", FLOAT, ["n", 3])],
    )
    project, weights = import_onnx(path)
    assert project.network.describe() == "2-3(tanh)"
    assert project.training.dtype == "float64"
    np.testing.assert_array_equal(weights[0][0], W)


def test_a_cast_to_integers_is_refused(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "W"], ["z"], name="fc"),
        helper.make_node("Cast", ["z"], ["y"], name="round", to=onnx.TensorProto.INT64),
    ]
    path = _save(
        tmp_path,
        "ints.onnx",
        nodes,
        [_tensor("W", np.ones((2, 3)))],
        2,
        [helper.make_tensor_value_info("y", onnx.TensorProto.INT64, ["n", 3])],
    )
    with pytest.raises(ProjectFileError, match=r"node 'round' \(Cast\) .*casts to INT64"):
        import_onnx(path)


def test_matmul_add_graph_with_constant_nodes_and_extra_outputs(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    W1, b1 = rng.normal(size=(3, 4)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(4, 3)), rng.normal(size=(1, 3))
    mean, std = np.array([1.0, -2.0, 0.5]), np.array([2.0, 0.5, 4.0])
    nodes = [
        _constant("mean", mean),
        _constant("W1", W1),
        helper.make_node("Sub", ["x", "mean"], ["centred"], name="centre"),
        helper.make_node("Div", ["centred", "std"], ["scaled"], name="scale"),
        helper.make_node("MatMul", ["scaled", "W1"], ["h_mm"], name="fc1"),
        helper.make_node("Add", ["h_mm", "b1"], ["h_lin"], name="fc1_bias"),
        helper.make_node("Relu", ["h_lin"], ["h"], name="relu1"),
        helper.make_node("Identity", ["h"], ["h_copy"], name="copy"),
        helper.make_node("MatMul", ["h_copy", "W2"], ["o_mm"], name="fc2"),
        helper.make_node("Add", ["b2", "o_mm"], ["logits"], name="fc2_bias"),
        helper.make_node("Softmax", ["logits"], ["probs"], name="softmax", axis=1),
        helper.make_node("ArgMax", ["probs"], ["label"], name="argmax", axis=1, keepdims=0),
    ]
    initializers = [_tensor("std", std), _tensor("b1", b1), _tensor("W2", W2), _tensor("b2", b2)]
    outputs = [
        helper.make_tensor_value_info("label", onnx.TensorProto.INT64, ["n"]),
        helper.make_tensor_value_info("probs", FLOAT, ["n", 3]),
    ]
    path = _save(tmp_path, "foreign.onnx", nodes, initializers, 3, outputs)

    project, weights = import_onnx(path)
    assert project.network.describe() == "3-4(relu)-3(softmax)"
    assert project.task == "classification"
    assert project.loss == "categorical_crossentropy"
    assert project.feature_names == ("x1", "x2", "x3")
    assert "it computes 'probs', not 'label'" in project.description
    assert project.standardization.mean == pytest.approx(mean)
    assert project.standardization.std == pytest.approx(std)
    np.testing.assert_array_equal(weights[0][0], W1.astype(np.float32))
    np.testing.assert_array_equal(weights[1][1], b2.reshape(-1).astype(np.float32))
    X = (rng.normal(size=(20, 3)) * 3).astype(np.float32)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    probabilities = session.run(["probs"], {"x": X})[0]
    np.testing.assert_allclose(
        engine_predict(project, weights, X), probabilities, rtol=1e-5, atol=1e-6
    )


def test_gemm_with_transposed_weights_alpha_and_beta(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    B1, C1 = rng.normal(size=(5, 1)), rng.normal(size=5)  # (out, in): PyTorch's layout
    B2, C2 = rng.normal(size=(1, 5)), rng.normal(size=1)
    nodes = [
        helper.make_node(
            "Gemm", ["x", "B1", "C1"], ["z1"], name="fc1", transB=1, alpha=0.5, beta=2.0
        ),
        helper.make_node("Tanh", ["z1"], ["a1"], name="tanh1"),
        helper.make_node("Gemm", ["a1", "B2", "C2"], ["y"], name="fc2", transB=1),
    ]
    initializers = [_tensor(n, a) for n, a in (("B1", B1), ("C1", C1), ("B2", B2), ("C2", C2))]
    path = _save(
        tmp_path,
        "gemm.onnx",
        nodes,
        initializers,
        1,
        [helper.make_tensor_value_info("y", FLOAT, ["n", 1])],
    )
    project, weights = import_onnx(path)
    assert project.network.describe() == "1-5(tanh)-1(identity)"
    assert project.task == "regression"
    assert project.data == BuiltinData(builtin="housing")
    np.testing.assert_allclose(weights[0][0], 0.5 * B1.T.astype(np.float32), rtol=1e-7)
    np.testing.assert_allclose(weights[0][1], 2.0 * C1.astype(np.float32), rtol=1e-7)
    X = rng.normal(size=(16, 1)).astype(np.float32)
    np.testing.assert_allclose(engine_predict(project, weights, X), _run(path, X), atol=1e-5)


def test_composite_activations_written_differently_are_recognised(tmp_path: Path) -> None:
    rng = np.random.default_rng(2)
    Ws = [rng.normal(size=(2, 3)), rng.normal(size=(3, 3)), rng.normal(size=(3, 3))]
    W_out = rng.normal(size=(3, 1))
    nodes = [
        # GELU (tanh approximation) as z*z*z instead of Pow, constants as Constant nodes.
        helper.make_node("MatMul", ["x", "W0"], ["z0"], name="fc0"),
        _constant("k", 0.044715),
        _constant("c", np.sqrt(2 / np.pi)),
        _constant("half", 0.5),
        _constant("one", 1.0),
        helper.make_node("Mul", ["z0", "z0"], ["sq"]),
        helper.make_node("Mul", ["sq", "z0"], ["cube"]),
        helper.make_node("Mul", ["k", "cube"], ["kc"]),
        helper.make_node("Add", ["kc", "z0"], ["inner"]),
        helper.make_node("Mul", ["c", "inner"], ["arg"]),
        helper.make_node("Tanh", ["arg"], ["t"]),
        helper.make_node("Add", ["one", "t"], ["onet"]),
        helper.make_node("Mul", ["z0", "onet"], ["zt"]),
        helper.make_node("Mul", ["zt", "half"], ["a0"]),
        # swish as sigmoid(z) * z (operands swapped).
        helper.make_node("MatMul", ["a0", "W1"], ["z1"], name="fc1"),
        helper.make_node("Sigmoid", ["z1"], ["s1"]),
        helper.make_node("Mul", ["s1", "z1"], ["a1"]),
        # ELU with its default alpha; then a LeakyRelu output with a custom slope.
        helper.make_node("MatMul", ["a1", "W2"], ["z2"], name="fc2"),
        helper.make_node("Elu", ["z2"], ["a2"], name="elu"),
        helper.make_node("MatMul", ["a2", "W3"], ["z3"], name="fc3"),
        helper.make_node("LeakyRelu", ["z3"], ["y"], name="leaky", alpha=0.3),
    ]
    initializers = [_tensor(f"W{i}", W) for i, W in enumerate([*Ws, W_out])]
    path = _save(
        tmp_path,
        "composite.onnx",
        nodes,
        initializers,
        2,
        [helper.make_tensor_value_info("y", FLOAT, ["n", 1])],
    )
    project, weights = import_onnx(path)
    assert [layer.activation for layer in project.network.layers] == [
        "gelu",
        "swish",
        "elu",
        "leaky_relu",
    ]
    assert project.network.layers[2].alpha is None  # the default 1.0
    assert project.network.layers[3].alpha == 0.3
    assert all(not np.any(b) for _W, b in weights)  # MatMul without Add: zero biases
    X = rng.normal(size=(32, 2)).astype(np.float32) * 2
    np.testing.assert_allclose(engine_predict(project, weights, X), _run(path, X), atol=1e-5)


def test_folded_constants_dropout_and_unnamed_nodes(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    W_out_in = rng.normal(size=(4, 3))  # stored transposed, as some exporters do
    W2 = rng.normal(size=(4, 2))
    nodes = [
        helper.make_node("Transpose", ["W_out_in"], ["W1"], perm=[1, 0]),
        helper.make_node("Cast", ["b1_double"], ["b1"], to=FLOAT),
        helper.make_node("MatMul", ["x", "W1"], ["z1"]),
        helper.make_node("Add", ["z1", "b1"], ["z1b"]),
        _constant("zero", 0.0),
        helper.make_node("Max", ["z1b", "zero"], ["a1"]),  # ReLU written as max(z, 0)
        helper.make_node("Dropout", ["a1"], ["a1_kept"]),
        helper.make_node("Gemm", ["a1_kept", "W2"], ["y"]),
    ]
    initializers = [
        _tensor("W_out_in", W_out_in),
        numpy_helper.from_array(np.array([0.5, -0.5, 0.25, 0.0]), "b1_double"),
        _tensor("W2", W2),
    ]
    path = _save(
        tmp_path,
        "folded.onnx",
        nodes,
        initializers,
        3,
        [helper.make_tensor_value_info("y", FLOAT, ["n", 2])],
    )
    project, weights = import_onnx(path)
    assert project.network.describe() == "3-4(relu)-2(identity)"
    np.testing.assert_array_equal(weights[0][0], W_out_in.T.astype(np.float32))
    np.testing.assert_array_equal(weights[0][1], np.float32([0.5, -0.5, 0.25, 0.0]))
    X = rng.normal(size=(10, 3)).astype(np.float32)
    np.testing.assert_allclose(engine_predict(project, weights, X), _run(path, X), atol=1e-5)


def test_double_precision_graph_imports_as_float64(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(2, 2)), rng.normal(size=2)
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W", "b"], ["z"], name="fc"),
            helper.make_node("Softplus", ["z"], ["y"], name="softplus"),
        ],
        "double",
        [helper.make_tensor_value_info("x", onnx.TensorProto.DOUBLE, ["n", 2])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.DOUBLE, ["n", 2])],
        initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")],
    )
    path = tmp_path / "double.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    project, weights = import_onnx(path)
    assert project.training.dtype == "float64"
    assert project.network.describe() == "2-2(softplus)"
    assert weights[0][0].dtype == np.float64
    np.testing.assert_array_equal(weights[0][0], W)
    np.testing.assert_array_equal(weights[0][1], b)


def _dense_graph(tmp_path: Path, name: str, inputs: int, units: int, tail, outputs) -> Path:
    """A Gemm from ``x`` to ``z`` followed by the ``tail`` nodes, with random weights."""
    rng = np.random.default_rng(len(name))
    W, b = rng.normal(size=(inputs, units)), rng.normal(size=units)
    nodes = [helper.make_node("Gemm", ["x", "W", "b"], ["z"], name="fc"), *tail]
    value_infos = [helper.make_tensor_value_info(o, FLOAT, ["n", units]) for o in outputs]
    return _save(tmp_path, name, nodes, [_tensor("W", W), _tensor("b", b)], inputs, value_infos)


def test_foreign_inputs_are_named_like_the_data_chosen_for_them(tmp_path: Path) -> None:
    cases = {1: ("size_1000sqft",), 2: ("x1", "x2"), 4: ("x1", "x2", "x3", "x4")}
    for inputs, names in cases.items():
        path = _dense_graph(tmp_path, f"in{inputs}.onnx", inputs, 1, [], ["z"])
        project, _ = import_onnx(path)
        assert project.feature_names == names
        if isinstance(project.data, BuiltinData):
            from nnstudio.data import load_dataset

            assert load_dataset(project.data).feature_names == names


def test_the_first_output_is_imported_whatever_the_others_compute(tmp_path: Path) -> None:
    relu = [helper.make_node("Relu", ["z"], ["a"], name="relu")]
    X = np.random.default_rng(5).normal(size=(30, 3)).astype(np.float32) * 3
    for outputs, expected in ((["a", "z"], "3-4(relu)"), (["z", "a"], "3-4(identity)")):
        path = _dense_graph(tmp_path, f"{outputs[0]}_first.onnx", 3, 4, relu, outputs)
        project, weights = import_onnx(path)
        assert project.network.describe() == expected
        assert f"it computes {outputs[0]!r}, not {outputs[1]!r}" in project.description
        np.testing.assert_allclose(engine_predict(project, weights, X), _run(path, X), atol=1e-5)

    softmax = [helper.make_node("Softmax", ["z"], ["probs"], name="softmax", axis=-1)]
    path = _dense_graph(tmp_path, "probs_logits.onnx", 3, 4, softmax, ["probs", "z"])
    project, weights = import_onnx(path)
    assert project.network.describe() == "3-4(softmax)"
    np.testing.assert_allclose(engine_predict(project, weights, X), _run(path, X), atol=1e-6)


def test_leading_flatten_is_accepted_and_other_axes_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    W1, W2 = rng.normal(size=(3, 4)), rng.normal(size=(4, 1))
    initializers = [_tensor("W1", W1), _tensor("W2", W2)]
    for axis in (1, -1, 0):
        nodes = [
            helper.make_node("Flatten", ["x"], ["flat"], name="flatten", axis=axis),
            helper.make_node("Gemm", ["flat", "W1"], ["z1"], name="fc1"),
            helper.make_node("Sigmoid", ["z1"], ["a1"], name="sigmoid"),
            helper.make_node("Gemm", ["a1", "W2"], ["y"], name="fc2"),
        ]
        shape = ["n", 1] if axis else [1, 1]
        outputs = [helper.make_tensor_value_info("y", FLOAT, shape)]
        path = _save(tmp_path, f"flatten{axis}.onnx", nodes, initializers, 3, outputs)
        if axis == 0:
            with pytest.raises(ProjectFileError, match=r"'flatten' \(Flatten\).*axis=0"):
                import_onnx(path)
            continue
        project, weights = import_onnx(path)
        assert project.network.describe() == "3-4(sigmoid)-1(identity)"
        X = rng.normal(size=(8, 3)).astype(np.float32)
        np.testing.assert_allclose(engine_predict(project, weights, X), _run(path, X), atol=1e-5)


# -- graphs and files nnstudio cannot use -----------------------------------------------------


def test_unsupported_node_is_named(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Conv", ["x", "kernel"], ["features"], name="conv1"),
        helper.make_node("Relu", ["features"], ["y"], name="relu"),
    ]
    graph = helper.make_graph(
        nodes,
        "cnn",
        [helper.make_tensor_value_info("x", FLOAT, [1, 1, 8, 8])],
        [helper.make_tensor_value_info("y", FLOAT, [1, 2, 6, 6])],
        initializer=[_tensor("kernel", np.ones((2, 1, 3, 3)))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "cnn.onnx"
    onnx.save(model, str(path))
    with pytest.raises(ProjectFileError) as info:
        import_onnx(path)
    assert (
        "node 'conv1' (Conv) is not supported: nnstudio imports MLPs made of Gemm or "
        "MatMul+Add layers and its own activations (identity, sigmoid, tanh, relu, leaky_relu, "
        "elu, softplus, gelu, swish, softmax)" in str(info.value)
    )
    assert "cnn.onnx" in str(info.value)


def test_unsupported_node_after_a_layer_is_named(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "W"], ["z"], name="dense"),
        helper.make_node("LpNormalization", ["z"], ["y"], name="normalise"),
    ]
    path = _save(
        tmp_path,
        "norm.onnx",
        nodes,
        [_tensor("W", np.ones((2, 3)))],
        2,
        [helper.make_tensor_value_info("y", FLOAT, ["n", 3])],
    )
    with pytest.raises(ProjectFileError, match=r"node 'normalise' \(LpNormalization\)"):
        import_onnx(path)


def test_skip_connection_is_named_as_a_branch(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["z1"], name="l1"),
        helper.make_node("Relu", ["z1"], ["a1"], name="relu"),
        helper.make_node("Add", ["a1", "x"], ["skip"], name="residual"),
        helper.make_node("Gemm", ["skip", "W2"], ["y"], name="l2"),
    ]
    initializers = [_tensor("W1", np.ones((3, 3))), _tensor("b1", np.ones(3))]
    initializers.append(_tensor("W2", np.ones((3, 1))))
    outputs = [helper.make_tensor_value_info("y", FLOAT, ["n", 1])]
    path = _save(tmp_path, "residual.onnx", nodes, initializers, 3, outputs)
    with pytest.raises(ProjectFileError) as info:
        import_onnx(path)
    message = str(info.value)
    assert "tensor 'x' feeds 2 nodes (node 'l1' (Gemm), node 'residual' (Add))" in message
    assert "skip connection" in message
    assert "is not supported" not in message


def test_exact_gelu_is_refused_with_the_reason(tmp_path: Path) -> None:
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["z"], name="fc"),
        _constant("inv_sqrt2", 1 / np.sqrt(2)),
        helper.make_node("Mul", ["z", "inv_sqrt2"], ["zs"]),
        helper.make_node("Erf", ["zs"], ["e"], name="erf"),
        helper.make_node("Mul", ["z", "e"], ["y"]),
    ]
    path = _save(
        tmp_path,
        "erf.onnx",
        nodes,
        [_tensor("W", np.ones((2, 2)))],
        2,
        [helper.make_tensor_value_info("y", FLOAT, ["n", 2])],
    )
    with pytest.raises(ProjectFileError, match=r"'erf' \(Erf\).*tanh approximation"):
        import_onnx(path)


def test_truncated_file_gives_a_clear_error_naming_it(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path,) = export_onnx(project, weights, tmp_path / "model.onnx")
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 7, 3):
        broken = tmp_path / f"broken_{cut}.onnx"
        broken.write_bytes(data[:cut])
        with pytest.raises(ProjectFileError) as info:
            import_onnx(broken)
        assert broken.name in str(info.value)
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"\x00\xff not an onnx model at all \xfe" * 5)
    with pytest.raises(ProjectFileError, match=r"garbage\.onnx"):
        import_onnx(garbage)
    with pytest.raises(ProjectFileError, match="does not exist"):
        import_onnx(tmp_path / "absent.onnx")


def test_missing_onnx_package_for_import_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    with pytest.raises(MissingExtraError, match=r"ONNX import.*'onnx'.*nnstudio\[onnx\]"):
        import_onnx(tmp_path / "model.onnx")


# -- standardised targets ---------------------------------------------------------------------


def test_own_export_gives_back_exact_target_statistics_and_csv_data(tmp_path: Path) -> None:
    from dataclasses import replace

    from nnstudio.io.project import load_project, save_project
    from nnstudio.spec import Standardization

    # One input and one output would import with the housing data; standardised targets
    # need CSV data, which alone can standardise them.
    project, weights = make_model(
        hidden=(("tanh", None),),
        output="identity",
        outputs=1,
        task="regression",
        inputs=1,
        standardize_targets=True,
    )
    exact = Standardization(mean=(1000.1,), std=(250.7,))  # no float32 holds them
    project = replace(project, target_standardization=exact)
    (path,) = export_onnx(project, weights, tmp_path / "prices.onnx")
    imported, imported_weights = import_onnx(path)
    assert imported.target_standardization == exact
    assert imported.data == CsvData(
        csv="data.csv",
        target=project.output_names,
        task="regression",
        features=project.feature_names,
        standardize=True,
        standardize_targets=True,
    )
    X = raw_inputs(project)
    expected = _run(path, X)
    np.testing.assert_allclose(
        engine_predict(imported, imported_weights, X), expected, rtol=1e-5, atol=1e-5
    )

    save_project(tmp_path / "prices.nnproj", imported, imported_weights)
    loaded = load_project(tmp_path / "prices.nnproj")
    assert loaded.project.target_standardization == exact
    np.testing.assert_allclose(
        engine_predict(loaded.project, loaded.weights, X), expected, rtol=1e-5, atol=1e-5
    )


def test_foreign_scaling_after_the_output_activation_becomes_target_statistics(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(7)
    W1, b1 = rng.normal(size=(2, 4)), rng.normal(size=4)
    W2, b2 = rng.normal(size=(4, 2)), rng.normal(size=2)
    nodes = [
        helper.make_node("MatMul", ["x", "W1"], ["h_mm"], name="fc1"),
        helper.make_node("Add", ["h_mm", "b1"], ["h_lin"], name="fc1_bias"),
        helper.make_node("Tanh", ["h_lin"], ["h"], name="tanh1"),
        helper.make_node("MatMul", ["h", "W2"], ["o_mm"], name="fc2"),
        helper.make_node("Add", ["o_mm", "b2"], ["o_lin"], name="fc2_bias"),
        helper.make_node("Sigmoid", ["o_lin"], ["o"], name="sigmoid"),
        # y = (o - 0.5) / 0.01 * 3 + 20, written in four nodes: std 300, mean -130.
        helper.make_node("Sub", ["o", "half"], ["o_centred"], name="centre"),
        helper.make_node("Div", ["o_centred", "hundredth"], ["o_scaled"], name="widen"),
        _constant("three", [3.0, 3.0]),
        helper.make_node("Mul", ["three", "o_scaled"], ["o_tripled"], name="triple"),
        helper.make_node("Add", ["o_tripled", "twenty"], ["y"], name="shift"),
    ]
    initializers = [
        _tensor(name, value)
        for name, value in (
            ("W1", W1),
            ("b1", b1),
            ("W2", W2),
            ("b2", b2),
            ("half", 0.5),
            ("hundredth", 0.01),
            ("twenty", [20.0, 20.0]),
        )
    ]
    outputs = [helper.make_tensor_value_info("y", FLOAT, ["n", 2])]
    path = _save(tmp_path, "scaled.onnx", nodes, initializers, 2, outputs)

    project, weights = import_onnx(path)
    # A sigmoid output would make a classifier; scaled outputs are values.
    assert project.task == "regression"
    assert project.network.describe() == "2-4(tanh)-2(sigmoid)"
    assert project.target_standardization.std == pytest.approx((300.0, 300.0), rel=1e-6)
    assert project.target_standardization.mean == pytest.approx((-130.0, -130.0), rel=1e-6)
    assert project.data.standardize_targets
    X = rng.normal(size=(16, 2)).astype(np.float32)
    np.testing.assert_allclose(
        engine_predict(project, weights, X), _run(path, X), rtol=1e-5, atol=1e-3
    )


def test_identity_output_then_per_unit_scaling_is_not_taken_for_a_bias(tmp_path: Path) -> None:
    rng = np.random.default_rng(8)
    W1, b1 = rng.normal(size=(3, 2)), rng.normal(size=2)
    std, mean = np.array([250.0, 0.5]), np.array([1000.0, -3.0])
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["z"], name="fc1"),
        helper.make_node("Mul", ["z", "std"], ["scaled"], name="unscale"),
        helper.make_node("Add", ["scaled", "mean"], ["y"], name="unshift"),
    ]
    named = {"W1": W1, "b1": b1, "std": std, "mean": mean}
    initializers = [_tensor(name, value) for name, value in named.items()]
    outputs = [helper.make_tensor_value_info("y", FLOAT, ["n", 2])]
    path = _save(tmp_path, "linear.onnx", nodes, initializers, 3, outputs)
    project, weights = import_onnx(path)
    assert project.network.describe() == "3-2(identity)"
    assert project.target_standardization.mean == (1000.0, -3.0)
    assert project.target_standardization.std == (250.0, 0.5)
    np.testing.assert_array_equal(weights[0][1], b1.astype(np.float32))
    X = rng.normal(size=(16, 3)).astype(np.float32)
    np.testing.assert_allclose(
        engine_predict(project, weights, X), _run(path, X), rtol=1e-5, atol=1e-4
    )


def test_outputs_scaled_by_a_negative_factor_are_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["z"], name="fc1"),
        helper.make_node("Relu", ["z"], ["a"], name="relu"),
        helper.make_node("Mul", ["a", "minus_two"], ["y"], name="flip"),
    ]
    initializers = [
        _tensor("W1", rng.normal(size=(2, 3))),
        _tensor("b1", rng.normal(size=3)),
        _tensor("minus_two", -2.0),
    ]
    outputs = [helper.make_tensor_value_info("y", FLOAT, ["n", 3])]
    path = _save(tmp_path, "flipped.onnx", nodes, initializers, 2, outputs)
    with pytest.raises(ProjectFileError) as info:
        import_onnx(path)
    assert "node 'flip' (Mul) is not supported" in str(info.value)
    assert "positive standard deviations" in str(info.value)


def test_a_model_of_plane_features_comes_back_reading_the_same_features(tmp_path: Path) -> None:
    from nnstudio.data import load_dataset, plane_feature_columns
    from nnstudio.spec import LayerSpec, NetworkSpec, TrainingSpec
    from nnstudio.workflow import attach_dataset, build_network, make_trainer

    squares = ("x1^2", "x2^2")
    project = Project(
        name="Circles through squares",
        data=BuiltinData(builtin="circles", samples=200, seed=1, features=squares),
        network=NetworkSpec(2, (LayerSpec(1, "sigmoid"),)),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.1, epochs=5),
    )
    dataset = load_dataset(project.data)
    project = attach_dataset(project, dataset)
    network = build_network(project)
    make_trainer(project, network, dataset).run()
    path = tmp_path / "squares.onnx"
    export_onnx(project, network.weights(), path)
    imported, weights = import_onnx(path)
    # The built-in 2-D data reads the model's features of its points.
    assert isinstance(imported.data, BuiltinData) and imported.data.features == squares
    assert imported.feature_names == squares
    points = np.random.default_rng(0).uniform(-1, 1, size=(20, 2))
    expected = network.predict(plane_feature_columns(points, squares))
    got = build_network(imported, weights).predict(plane_feature_columns(points, squares))
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


# -- activations with a threshold (PyTorch's dynamo exporter) ----------------------------------


def _softplus_where_model(tmp_path: Path, threshold: float, name: str = "sp.onnx") -> Path:
    """Gemm, then softplus as torch 2.13's default exporter writes nn.Softplus:
    Where(Greater(z, threshold), z, Softplus(z)), then Gemm; z feeds three nodes."""
    rng = np.random.default_rng(11)
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["linear"], name="n0", transB=1),
        helper.make_node("Softplus", ["linear"], ["tmp"], name="n3"),
        helper.make_node("Greater", ["linear", "threshold_cast"], ["tmp_1"], name="n9"),
        helper.make_node("Where", ["tmp_1", "linear", "tmp"], ["softplus"], name="n10"),
        helper.make_node("Gemm", ["softplus", "W2", "b2"], ["y"], name="n11", transB=1),
    ]
    initializers = [
        _tensor("W1", rng.normal(0.0, 8.0, size=(6, 4))),  # large: some z beyond 20
        _tensor("b1", rng.normal(size=6)),
        _tensor("threshold_cast", threshold),
        _tensor("W2", rng.normal(size=(2, 6))),
        _tensor("b2", rng.normal(size=2)),
    ]
    outputs = [helper.make_tensor_value_info("y", FLOAT, ["n", 2])]
    return _save(tmp_path, name, nodes, initializers, 4, outputs)


def test_softplus_with_pytorchs_threshold_is_softplus(tmp_path: Path) -> None:
    path = _softplus_where_model(tmp_path, 20.0)
    project, weights = import_onnx(path)
    assert project.network.describe() == "4-6(softplus)-2(identity)"
    X = np.random.default_rng(2).normal(size=(50, 4)).astype(np.float32)
    np.testing.assert_allclose(
        engine_predict(project, weights, X), _run(path, X), rtol=1e-5, atol=1e-4
    )


@pytest.mark.parametrize("threshold", [3.0, 12.0])
def test_softplus_with_a_low_threshold_is_an_activation_nnstudio_does_not_have(
    threshold: float, tmp_path: Path
) -> None:
    # Above 12, z and softplus(z) still differ by 6e-6, more than float32 precision.
    path = _softplus_where_model(tmp_path, threshold)
    with pytest.raises(ProjectFileError) as error:
        import_onnx(path)
    message = str(error.value)
    assert "compute an activation nnstudio does not have" in message
    assert "skip connection" not in message


def test_branch_through_an_unknown_operator_is_called_an_activation(tmp_path: Path) -> None:
    # Hard swish written out: z * Clip(z + 3, 0, 6) / 6; z feeds the Add and the Mul.
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["z"], name="fc"),
        helper.make_node("Add", ["z", "three"], ["shifted"], name="shift"),
        helper.make_node("Clip", ["shifted", "zero", "six"], ["clipped"], name="clip"),
        helper.make_node("Div", ["clipped", "six"], ["gate"], name="gate"),
        helper.make_node("Mul", ["z", "gate"], ["y"], name="hardswish"),
    ]
    initializers = [
        _tensor("W", np.ones((2, 3))),
        _tensor("three", 3.0),
        _tensor("zero", 0.0),
        _tensor("six", 6.0),
    ]
    outputs = [helper.make_tensor_value_info("y", FLOAT, ["n", 3])]
    path = _save(tmp_path, "hardswish.onnx", nodes, initializers, 2, outputs)
    with pytest.raises(ProjectFileError) as error:
        import_onnx(path)
    message = str(error.value)
    assert "node 'clip' (Clip) is not supported" in message
    assert "part of an activation" in message
    assert "skip connection" not in message


def test_output_divided_by_zero_is_refused_without_a_numpy_warning(tmp_path: Path) -> None:
    import warnings

    nodes = [
        helper.make_node("Gemm", ["x", "W", "b"], ["z"], name="fc"),
        helper.make_node("Div", ["z", "zero"], ["y"], name="unscale"),
    ]
    initializers = [_tensor("W", np.ones((2, 3))), _tensor("b", np.zeros(3)), _tensor("zero", 0.0)]
    outputs = [helper.make_tensor_value_info("y", FLOAT, ["n", 3])]
    path = _save(tmp_path, "div_zero.onnx", nodes, initializers, 2, outputs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ProjectFileError, match="positive standard deviations"):
            import_onnx(path)
