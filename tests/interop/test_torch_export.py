"""PyTorch export: the generated module runs in torch, matches nnstudio and trains further."""

from __future__ import annotations

import ast
import importlib.util
import itertools
import sys
import warnings
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from interop_support import (
    MODEL_CASES,
    assert_predictions_match,
    make_model,
    make_offset_model,
    offset_inputs,
    raw_inputs,
    run_script_on_csv_variant,
    stderr_after_closing_the_pipe,
    write_long_csv,
)

from nnstudio.errors import MissingExtraError, ProjectFileError
from nnstudio.io.onnx_io import import_onnx
from nnstudio.io.safetensors_io import load_safetensors_weights
from nnstudio.io.torch_export import export_torch

pytestmark = pytest.mark.interop

_module_numbers = itertools.count()


def _import(path: Path) -> ModuleType:
    """Import a generated file under a fresh name (several tests write ``model.py``)."""
    name = f"nnstudio_torch_export_{next(_module_numbers)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case", MODEL_CASES.values(), ids=MODEL_CASES.keys())
def test_torch_predictions_match_reference_and_engine(case: dict, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = make_model(**case)
    written = export_torch(project, weights, tmp_path / "model.py")
    assert written == [tmp_path / "model.py", tmp_path / "model.safetensors"]

    module = _import(written[0])
    model = module.load()
    assert isinstance(model, torch.nn.Module)
    assert not model.training
    X = raw_inputs(project)
    with torch.no_grad():
        outputs = model(torch.as_tensor(X)).numpy()
    assert_predictions_match(outputs, project, weights, X)

    state = model.state_dict()
    assert ("input_mean" in state) == (project.standardization is not None)
    for index, (W, b) in enumerate(weights):
        np.testing.assert_array_equal(state[f"layers.{index}.weight"].numpy(), W.T)
        np.testing.assert_array_equal(state[f"layers.{index}.bias"].numpy(), b)
    assert module.FEATURE_NAMES == (project.feature_names or module.FEATURE_NAMES)


@pytest.mark.parametrize("case", MODEL_CASES.values(), ids=MODEL_CASES.keys())
@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_torch_export_and_torchscript_compile_the_model_alike(case: dict, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = make_model(**case)
    path, _weights_file = export_torch(project, weights, tmp_path / "model.py")
    model = _import(path).load()
    X = torch.as_tensor(raw_inputs(project, rows=20))
    exported = torch.export.export(model, (X,)).module()
    scripted = torch.jit.script(model)
    with torch.no_grad():
        expected = model(X)
        torch.testing.assert_close(exported(X), expected)
        torch.testing.assert_close(scripted(X), expected)
        torch.testing.assert_close(scripted(X, True), model(X, logits=True))


def test_logits_skip_only_the_output_activation(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path, _weights_file) = export_torch(project, weights, tmp_path / "model.py")
    model = _import(path).load()
    X = torch.as_tensor(raw_inputs(project, rows=10))
    with torch.no_grad():
        probabilities = model(X)
        logits = model(X, logits=True)
    np.testing.assert_allclose(
        torch.softmax(logits, dim=-1).numpy(), probabilities.numpy(), rtol=1e-6, atol=1e-7
    )
    assert not np.allclose(logits.numpy(), probabilities.numpy())


@pytest.mark.slow
def test_exported_model_keeps_training_in_pytorch(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = make_model(**MODEL_CASES["sigmoid-classifier-standardized"])
    (path, _weights_file) = export_torch(project, weights, tmp_path / "model.py")
    model = _import(path).load()
    model.train()
    generator = torch.Generator().manual_seed(0)
    X = torch.as_tensor(raw_inputs(project, rows=128))
    Y = torch.randint(0, 2, (128, 1), generator=generator).float()
    loss_fn = torch.nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    with torch.no_grad():
        before = loss_fn(model(X, logits=True), Y).item()
    for _ in range(30):
        optimizer.zero_grad()
        loss = loss_fn(model(X, logits=True), Y)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        after = loss_fn(model(X, logits=True), Y).item()
    assert after < before - 0.05
    # Standardisation statistics are buffers: training leaves them alone. float32 holds
    # these features' statistics well enough, and every device (Apple's MPS too) holds float32.
    assert model.input_mean.dtype == torch.float32
    assert np.array_equal(
        model.input_mean.numpy(), np.asarray(project.standardization.mean, dtype=np.float32)
    )

    # The weights trained further come back into nnstudio through safetensors.
    from safetensors.torch import save_file

    save_file(model.state_dict(), str(tmp_path / "tuned.safetensors"))
    tuned = load_safetensors_weights(tmp_path / "tuned.safetensors", project.network)
    model.eval()
    with torch.no_grad():
        tuned_outputs = model(X).numpy()
    assert_predictions_match(tuned_outputs, project, tuned, X.numpy())


def test_pytorch_onnx_export_of_a_torch_mlp_imports(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnx")
    torch.manual_seed(0)
    mlp = torch.nn.Sequential(
        torch.nn.Linear(3, 6),
        torch.nn.GELU(approximate="tanh"),
        torch.nn.Linear(6, 5),
        torch.nn.SiLU(),
        torch.nn.Linear(5, 4),
        torch.nn.ELU(alpha=0.5),
        torch.nn.Linear(4, 3),
        torch.nn.Softmax(dim=-1),
    ).eval()
    path = tmp_path / "torch_mlp.onnx"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            torch.onnx.export(
                mlp,
                (torch.zeros(2, 3),),
                str(path),
                dynamo=False,
                input_names=["x"],
                output_names=["y"],
                dynamic_axes={"x": {0: "batch"}},
            )
        except (ImportError, RuntimeError) as exc:
            pytest.skip(f"this torch cannot export ONNX here: {exc}")
    project, weights = import_onnx(path)
    assert project.network.describe() == "3-6(gelu)-5(swish)-4(elu)-3(softmax)"
    assert project.network.layers[2].alpha == 0.5
    X = torch.randn(40, 3, generator=torch.Generator().manual_seed(1)) * 2
    with torch.no_grad():
        expected = mlp(X).numpy()
    assert_predictions_match(expected, project, weights, X.numpy())


def test_generating_needs_no_torch_and_imports_only_torch_safetensors_stdlib(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    monkeypatch.setitem(sys.modules, "torch", None)
    (path, weights_file) = export_torch(project, weights, tmp_path / "regressor")
    assert path.name == "regressor.py"
    assert weights_file.name == "regressor.safetensors"
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= {"torch", "safetensors", "__future__", *sys.stdlib_module_names}
    assert {"torch", "safetensors"} <= imported
    assert "nnstudio" not in imported


@pytest.mark.parametrize("variant", ["semicolons", "tabs-crlf", "bom", "stdin"])
def test_command_line_reads_csv_as_nnstudio_predict_does(variant: str, tmp_path: Path) -> None:
    pytest.importorskip("torch")
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    path, _ = export_torch(project, weights, tmp_path / "regressor.py")
    X = raw_inputs(project, rows=5)
    header, values = run_script_on_csv_variant(path, project.feature_names, X, variant, tmp_path)
    assert header == list(project.output_names)
    assert_predictions_match(values, project, weights, X)


def test_command_line_stops_quietly_when_its_reader_goes_away(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    path, _ = export_torch(project, weights, tmp_path / "classifier.py")
    write_long_csv(tmp_path / "long.csv", project.feature_names)
    status, stderr = stderr_after_closing_the_pipe(
        [sys.executable, str(path), str(tmp_path / "long.csv")]
    )
    assert stderr == ""
    assert status == 1


def test_python_suffix_is_required(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    with pytest.raises(ProjectFileError, match=r"ending in \.py.*model\.pt"):
        export_torch(project, weights, tmp_path / "model.pt")


def test_missing_safetensors_names_the_torch_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(MissingExtraError, match=r"PyTorch export.*nnstudio\[torch\]"):
        export_torch(project, weights, tmp_path / "model.py")
    assert not (tmp_path / "model.py").exists()


# -- standardised targets ---------------------------------------------------------------------


def test_targets_are_scaled_back_by_buffers_and_logits_leave_them_standardised(
    tmp_path: Path,
) -> None:
    torch = pytest.importorskip("torch")
    project, weights = make_model(**MODEL_CASES["regression-standardized-targets-softplus-output"])
    path, _ = export_torch(project, weights, tmp_path / "model.py")
    model = _import(path).load()
    state = model.state_dict()
    np.testing.assert_array_equal(state["target_mean"].numpy(), [1000.0, -3.0])
    np.testing.assert_array_equal(state["target_std"].numpy(), [250.0, 0.5])
    X = torch.as_tensor(raw_inputs(project))
    with torch.no_grad():
        outputs = model(X).numpy()
        logits = model(X, logits=True).numpy()
    assert_predictions_match(outputs, project, weights, X.numpy())
    # The output layer's pre-activation, in the network's own standardised units.
    standardised = torch.nn.functional.softplus(torch.as_tensor(logits)).numpy()
    np.testing.assert_allclose(standardised * [250.0, 0.5] + [1000.0, -3.0], outputs, rtol=1e-5)


def test_no_target_buffers_without_target_standardisation(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    path, _ = export_torch(project, weights, tmp_path / "model.py")
    assert "target_std" not in path.read_text()
    assert "target_mean" not in _import(path).load().state_dict()


def test_command_line_prints_predictions_in_the_targets_units(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    project, weights = make_model(**MODEL_CASES["regression-standardized-targets"])
    path, _ = export_torch(project, weights, tmp_path / "regressor.py")
    X = raw_inputs(project, rows=5)
    header, values = run_script_on_csv_variant(
        path, project.feature_names, X, "semicolons", tmp_path
    )
    assert header == list(project.output_names)
    assert_predictions_match(values, project, weights, X)


# -- inputs float32 cannot hold -----------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_a_timestamp_feature_is_standardised_in_float64_like_the_engine(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = make_offset_model()
    path, _weights_file = export_torch(project, weights, tmp_path / "events.py")
    module = _import(path)
    model = module.load()
    assert model.input_mean.dtype == torch.float64
    assert model.input_mean.tolist() == list(project.standardization.mean)
    assert model.input_std.tolist() == list(project.standardization.std)
    assert model.layers[0].weight.dtype == torch.float32

    X = offset_inputs()
    with torch.no_grad():
        outputs = model(torch.as_tensor(X))
        assert outputs.dtype == torch.float32
        assert_predictions_match(outputs.numpy(), project, weights, X)
        # Compiled, the model standardises the same way.
        exported = torch.export.export(model, (torch.as_tensor(X),)).module()
        torch.testing.assert_close(exported(torch.as_tensor(X)), outputs)
        torch.testing.assert_close(torch.jit.script(model)(torch.as_tensor(X)), outputs)
        # A float32 tensor still runs, its timestamps rounded before the model sees them.
        rounded = model(torch.as_tensor(X, dtype=torch.float32))
        assert rounded.dtype == torch.float32
        assert (rounded - outputs).abs().max() > 1e-3

    # The docstring asks for float64 and names the features that need it.
    assert "torch.as_tensor(X, dtype=torch.float64)" in module.__doc__
    assert "Here timestamp, latitude need it." in " ".join(module.__doc__.split())


def test_a_model_without_standardisation_takes_float64_inputs_too(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    path, _weights_file = export_torch(project, weights, tmp_path / "model.py")
    model = _import(path).load()
    X = raw_inputs(project).astype(np.float64)
    with torch.no_grad():
        outputs = model(torch.as_tensor(X))
    assert outputs.dtype == torch.float32
    assert_predictions_match(outputs.numpy(), project, weights, X)


def test_command_line_reads_a_timestamp_feature_exactly(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    project, weights = make_offset_model(output="identity", task="regression")
    path, _ = export_torch(project, weights, tmp_path / "events.py")
    X = offset_inputs(rows=40)
    header, values = run_script_on_csv_variant(path, project.feature_names, X, "bom", tmp_path)
    assert header == list(project.output_names)
    assert_predictions_match(values, project, weights, X)
