"""Random architectures through every format: runtimes agree and ONNX import is exact."""

from __future__ import annotations

import runpy
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from interop_support import (
    HIDDEN_ACTIVATIONS,
    assert_predictions_match,
    make_model,
    raw_inputs,
)

from nnstudio.io.onnx_io import export_onnx, import_onnx
from nnstudio.io.python_export import export_python
from nnstudio.io.safetensors_io import export_safetensors, load_safetensors_weights

ort = pytest.importorskip("onnxruntime")
pytest.importorskip("safetensors")

pytestmark = pytest.mark.interop

OUTPUTS = {
    "sigmoid": ("classification", st.just(1)),
    "softmax": ("classification", st.integers(2, 4)),
    "identity": ("regression", st.integers(1, 3)),
    "tanh": ("regression", st.integers(1, 2)),
}


@st.composite
def networks(draw: st.DrawFn) -> dict:
    output = draw(st.sampled_from(sorted(OUTPUTS)))
    task, units = OUTPUTS[output]
    return {
        "hidden": tuple(draw(st.lists(st.sampled_from(HIDDEN_ACTIVATIONS), max_size=3))),
        "output": output,
        "outputs": draw(units),
        "task": task,
        "inputs": draw(st.integers(1, 5)),
        "width": draw(st.integers(1, 6)),
        "standardize": draw(st.booleans()),
        "named": draw(st.booleans()),
        "seed": draw(st.integers(0, 2**16)),
        "standardize_targets": task == "regression" and draw(st.booleans()),
    }


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=networks())
def test_random_network_survives_every_format(case: dict) -> None:
    project, weights = make_model(**case)
    X = raw_inputs(project, rows=16, seed=case["seed"])
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        (onnx_file,) = export_onnx(project, weights, directory / "m.onnx")
        session = ort.InferenceSession(str(onnx_file), providers=["CPUExecutionProvider"])
        assert_predictions_match(session.run(None, {"input": X})[0], project, weights, X)

        imported, imported_weights = import_onnx(onnx_file)
        assert imported.network == project.network
        assert imported.standardization == project.standardization
        assert imported.target_standardization == project.target_standardization
        for (W, b), (W2, b2) in zip(weights, imported_weights, strict=True):
            np.testing.assert_array_equal(W2, W)
            np.testing.assert_array_equal(b2, b)

        (tensors,) = export_safetensors(project, weights, directory / "m.safetensors")
        loaded = load_safetensors_weights(tensors, project.network)
        for (W, b), (W2, b2) in zip(weights, loaded, strict=True):
            np.testing.assert_array_equal(W2, W)
            np.testing.assert_array_equal(b2, b)

        (module,) = export_python(project, weights, directory / "m.py")
        assert_predictions_match(runpy.run_path(str(module))["predict"](X), project, weights, X)
