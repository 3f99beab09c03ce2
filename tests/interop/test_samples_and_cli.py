"""The shipped samples, trained briefly, and the command line agree with every export."""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import runpy
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from interop_support import MODEL_CASES, make_model, raw_inputs

from nnstudio.io.exporters import export
from nnstudio.io.onnx_io import import_onnx
from nnstudio.io.project import load_project, save_project
from nnstudio.spec import BuiltinData
from nnstudio.workflow import load_for_training, make_trainer

pytestmark = pytest.mark.interop

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.nnproj"))


def _onnx_predict(path: Path, X: np.ndarray) -> np.ndarray:
    ort = pytest.importorskip("onnxruntime")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    # Double for a model whose inputs float32 cannot hold, float32 for the others.
    double = session.get_inputs()[0].type == "tensor(double)"
    return session.run(None, {"input": X.astype(np.float64 if double else np.float32)})[0]


def _torch_predict(path: Path, X: np.ndarray) -> np.ndarray | None:
    try:
        import torch
    except ImportError:
        return None
    spec = importlib.util.spec_from_file_location(f"sample_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with torch.no_grad():
        # float64, as the module's docstring asks: it standardises exactly what it gets.
        return module.load()(torch.tensor(np.array(X, dtype=np.float64))).numpy()


@pytest.mark.skipif(not SAMPLES, reason="no sample projects shipped")
@pytest.mark.parametrize("sample", SAMPLES, ids=[path.stem for path in SAMPLES])
def test_briefly_trained_sample_exports_agree_with_the_engine(sample: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    loaded = load_project(sample)
    project, network, dataset = load_for_training(loaded, reinit=True)
    trainer = make_trainer(project, network, dataset)
    for _ in range(3):
        trainer.run_epoch()
    weights = network.weights()
    X = dataset.X_val if dataset.n_val else dataset.X_train
    X = X[:200]
    expected = network.predict(X)

    (onnx_file,) = export("onnx", project, weights, tmp_path / "model.onnx")
    np.testing.assert_allclose(_onnx_predict(onnx_file, X), expected, rtol=1e-5, atol=1e-5)
    torch_file, _weights_file = export("torch", project, weights, tmp_path / "torch_model.py")
    torch_outputs = _torch_predict(torch_file, X)
    if torch_outputs is not None:
        np.testing.assert_allclose(torch_outputs, expected, rtol=1e-5, atol=1e-5)
    (python_file,) = export("python", project, weights, tmp_path / "numpy_model.py")
    python_outputs = runpy.run_path(str(python_file))["predict"](X)
    np.testing.assert_allclose(python_outputs, expected, rtol=1e-5, atol=1e-5)

    imported, imported_weights = import_onnx(onnx_file)
    assert imported.network.describe() == project.network.describe()
    assert imported.feature_names == project.feature_names
    assert imported.output_names == project.output_names
    assert imported.standardization == project.standardization
    for (W, b), (W2, b2) in zip(weights, imported_weights, strict=True):
        np.testing.assert_array_equal(W2, np.float32(W))
        np.testing.assert_array_equal(b2, np.float32(b))


def _cli(*args: str, cwd: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "nnstudio", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _prediction_table(text: str) -> tuple[list[str], np.ndarray]:
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    numeric = [i for i, name in enumerate(header) if name != "label"]
    return header, np.array([[float(row[i]) for i in numeric] for row in rows[1:]])


def _labels(text: str) -> list[str]:
    return [row[-1] for row in csv.reader(io.StringIO(text))][1:]


def test_a_network_trained_on_timestamps_exports_what_the_engine_predicts(tmp_path: Path) -> None:
    """Unix timestamps within an hour: float32 holds them only to 128 s, nnstudio exactly."""
    pytest.importorskip("onnx")
    pytest.importorskip("safetensors")
    from nnstudio.engine.network import Network
    from nnstudio.io.onnx_io import export_onnx
    from nnstudio.io.python_export import export_python
    from nnstudio.io.safetensors_io import export_safetensors, read_safetensors
    from nnstudio.io.torch_export import export_torch

    rng = np.random.default_rng(0)
    ts = 1.7e9 + rng.normal(size=300) * 3600
    x = rng.normal(size=300)
    labels = np.where((ts - 1.7e9) / 3600 + x > 0, "late", "early")
    lines = [
        "ts,x,when",
        *(f"{a!r},{b!r},{c}" for a, b, c in zip(ts.tolist(), x.tolist(), labels, strict=True)),
    ]
    (tmp_path / "events.csv").write_text("\n".join(lines) + "\n")
    document = {
        "nnstudio": 1,
        "name": "events",
        "data": {"csv": "events.csv", "target": ["when"], "task": "classification"},
        "network": {
            "inputs": 2,
            "layers": [{"units": 8, "activation": "tanh"}, {"units": 1, "activation": "sigmoid"}],
        },
        "loss": "binary_crossentropy",
        "training": {"optimizer": "adam", "learning_rate": 0.03},
    }
    (tmp_path / "events.nnproj").write_text(json.dumps(document))
    project, network, dataset = load_for_training(load_project(tmp_path / "events.nnproj"))
    assert project.standardization is not None
    trainer = make_trainer(project, network, dataset)
    for _ in range(20):
        trainer.run_epoch()
    weights = network.weights()
    # Near the decision boundary, where a timestamp rounded by a minute changes the label.
    X = np.column_stack([1.7e9 + rng.uniform(-300, 300, 500), rng.uniform(-0.2, 0.2, 500)])
    expected = network.predict(X)

    def agrees(outputs: np.ndarray) -> None:
        np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-5)

    (onnx_file,) = export_onnx(project, weights, tmp_path / "events.onnx")
    agrees(_onnx_predict(onnx_file, X))
    torch_file, _weights_file = export_torch(project, weights, tmp_path / "events_torch.py")
    torch_outputs = _torch_predict(torch_file, X)
    if torch_outputs is not None:
        agrees(torch_outputs)
    (python_file,) = export_python(project, weights, tmp_path / "events_numpy.py")
    agrees(runpy.run_path(str(python_file))["predict"](X))
    (safetensors_file,) = export_safetensors(project, weights, tmp_path / "events.safetensors")
    contents = read_safetensors(safetensors_file, project.network)
    assert contents.standardization == project.standardization
    loaded = Network.from_spec(
        project.network,
        project.loss,
        weights=contents.weights,
        standardization=contents.standardization,
    )
    agrees(loaded.predict(X))
    imported, imported_weights = import_onnx(onnx_file)
    assert imported.standardization == project.standardization
    agrees(
        Network.from_spec(
            imported.network,
            imported.loss,
            weights=imported_weights,
            standardization=imported.standardization,
        ).predict(X)
    )


@pytest.mark.slow
def test_command_line_export_import_and_predict_agree(tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    project = replace(project, data=BuiltinData(builtin="xor", standardize=True))
    save_project(tmp_path / "trained.nnproj", project, weights)
    X = raw_inputs(project, rows=12)
    lines = [",".join(project.feature_names)] + [",".join(repr(float(v)) for v in row) for row in X]
    (tmp_path / "inputs.csv").write_text("\n".join(lines) + "\n")

    cli_text = _cli("predict", "trained.nnproj", "-i", "inputs.csv", cwd=tmp_path)
    header, cli = _prediction_table(cli_text)
    assert header == [f"p_{name}" for name in project.output_names] + ["label"]
    positive = cli[:, 1:2]  # one sigmoid unit: the probability of the second class

    _cli("export", "trained.nnproj", "--format", "onnx", "-o", "model.onnx", cwd=tmp_path)
    np.testing.assert_allclose(
        _onnx_predict(tmp_path / "model.onnx", X), positive, rtol=1e-5, atol=1e-5
    )
    _cli("export", "trained.nnproj", "--format", "torch", "-o", "torch_model.py", cwd=tmp_path)
    torch_outputs = _torch_predict(tmp_path / "torch_model.py", X)
    if torch_outputs is not None:
        np.testing.assert_allclose(torch_outputs, positive, rtol=1e-5, atol=1e-5)
        torch_script = subprocess.run(
            [sys.executable, "torch_model.py", "inputs.csv"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        torch_header, torch_values = _prediction_table(torch_script.stdout)
        assert torch_header == header
        np.testing.assert_allclose(torch_values, cli, rtol=1e-5, atol=1e-5)
        assert _labels(torch_script.stdout) == _labels(cli_text)
    _cli("export", "trained.nnproj", "--format", "python", "-o", "numpy_model.py", cwd=tmp_path)
    script = subprocess.run(
        [sys.executable, "numpy_model.py", "inputs.csv"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    script_header, script_values = _prediction_table(script.stdout)
    assert script_header == header
    assert _labels(script.stdout) == _labels(cli_text)
    np.testing.assert_allclose(script_values, cli, rtol=1e-5, atol=1e-5)

    _cli("import", "model.onnx", "-o", "imported.nnproj", cwd=tmp_path)
    _, reimported = _prediction_table(
        _cli("predict", "imported.nnproj", "-i", "inputs.csv", cwd=tmp_path)
    )
    np.testing.assert_allclose(reimported, cli, rtol=1e-6, atol=1e-7)
