"""Shared pieces of the interoperability tests: random trained-looking networks and an
independent NumPy forward pass written from the activation definitions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from nnstudio.spec import (
    CsvData,
    LayerSpec,
    NetworkSpec,
    Project,
    Standardization,
    Weights,
    canonical_activation,
    default_loss,
)

#: Every hidden-layer activation with the alpha it is exported with.
HIDDEN_ACTIVATIONS: tuple[tuple[str, float | None], ...] = (
    ("identity", None),
    ("linear", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("elu", None),
    ("elu", 0.7),
    ("softplus", None),
    ("gelu", None),
    ("swish", None),
)


#: Target statistics of the projects that standardise their targets: far from 0 and 1, so an
#: export that leaves the scaling out (or half of it) is far off.
TARGET_STATISTICS = Standardization(mean=(1000.0, -3.0, 40.0), std=(250.0, 0.5, 8.0))


def make_model(
    hidden: Sequence[tuple[str, float | None]],
    *,
    output: str,
    outputs: int,
    task: str,
    inputs: int = 3,
    width: int = 5,
    standardize: bool = True,
    seed: int = 0,
    named: bool = True,
    standardize_targets: bool = False,
) -> tuple[Project, Weights]:
    """A project with random float32 weights large enough to exercise every activation's range.

    With ``standardize_targets`` (regression, at most three outputs) the project's targets are
    standardised with :data:`TARGET_STATISTICS`.
    """
    rng = np.random.default_rng(seed)
    layers = [LayerSpec(units=width, activation=name, alpha=alpha) for name, alpha in hidden]
    layers.append(LayerSpec(units=outputs, activation=output))
    network = NetworkSpec(inputs=inputs, layers=tuple(layers))
    weights = []
    for (fan_in, fan_out), _bias in network.weight_shapes():
        W = rng.normal(0.0, 1.6 / np.sqrt(fan_in), size=(fan_in, fan_out)).astype(np.float32)
        b = rng.normal(0.0, 0.5, size=fan_out).astype(np.float32)
        weights.append((W, b))
    standardization = None
    if standardize:
        standardization = Standardization(
            mean=tuple(float(v) for v in rng.normal(0.0, 3.0, size=inputs)),
            std=tuple(float(v) for v in rng.uniform(0.5, 4.0, size=inputs)),
        )
    feature_names = tuple(f"feature_{i}" for i in range(inputs)) if named else None
    if task == "classification":
        classes = 2 if outputs == 1 else outputs
        output_names = tuple(f"class_{c}" for c in "abcdefgh"[:classes]) if named else None
        target: tuple[str, ...] = ("label",)
    else:
        output_names = tuple(f"target_{i}" for i in range(outputs)) if named else None
        target = output_names or tuple(f"t{i}" for i in range(outputs))
    target_standardization = None
    if standardize_targets:
        target_standardization = Standardization(
            mean=TARGET_STATISTICS.mean[:outputs], std=TARGET_STATISTICS.std[:outputs]
        )
    project = Project(
        name="interop model",
        data=CsvData(
            csv="data.csv",
            target=target,
            task=task,
            standardize=standardize,
            standardize_targets=standardize_targets,
        ),
        network=network,
        loss=default_loss(task, canonical_activation(output)),
        standardization=standardization,
        feature_names=feature_names,
        output_names=output_names,
        target_standardization=target_standardization,
    )
    project.validate()
    return project, tuple(weights)


#: Input statistics of a project reading a Unix timestamp (seconds, within about an hour), a
#: plain feature and a latitude within a city. Float32 holds 1.7e9 only to a multiple of 128
#: and 37.77 to one of 4e-6, so float32 copies of raw timestamps and latitudes are off by up
#: to 0.018 and 0.0002 of their standard deviations.
OFFSET_STATISTICS = Standardization(
    mean=(1_700_000_000.37, -0.25, 37.7749), std=(3600.0, 1.3, 0.0098)
)
OFFSET_FEATURES = ("timestamp", "x", "latitude")


def make_offset_model(**changes) -> tuple[Project, Weights]:
    """A standardised sigmoid classifier whose features have :data:`OFFSET_STATISTICS`.

    ``changes`` go to :func:`make_model` (a regression, other layers).
    """
    arguments = {
        "hidden": (("tanh", None), ("relu", None)),
        "output": "sigmoid",
        "outputs": 1,
        "task": "classification",
        "seed": 7,
        **changes,
    }
    project, weights = make_model(**arguments, inputs=len(OFFSET_FEATURES))
    project = replace(project, standardization=OFFSET_STATISTICS, feature_names=OFFSET_FEATURES)
    project.validate()
    return project, weights


def offset_inputs(rows: int = 200, seed: int = 2) -> np.ndarray:
    """Raw float64 features around :data:`OFFSET_STATISTICS`, shape (rows, 3)."""
    rng = np.random.default_rng(seed)
    spread = rng.normal(0.0, 1.5, size=(rows, len(OFFSET_FEATURES)))
    return np.asarray(OFFSET_STATISTICS.mean) + spread * np.asarray(OFFSET_STATISTICS.std)


def raw_inputs(project: Project, rows: int = 64, seed: int = 1) -> np.ndarray:
    """Raw features around the project's standardisation statistics, shape (rows, inputs)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0.0, 1.0, size=(rows, project.network.inputs))
    if project.standardization is not None:
        X = X * np.asarray(project.standardization.std) * 1.5 + np.asarray(
            project.standardization.mean
        )
    return X.astype(np.float32)


def activate(name: str, alpha: float | None, Z: np.ndarray) -> np.ndarray:
    """The activation definitions nnstudio documents, in float64."""
    name = canonical_activation(name)
    if name == "identity":
        return Z
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-Z))
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.maximum(Z, 0.0)
    if name == "leaky_relu":
        return np.where(Z > 0, Z, (0.01 if alpha is None else alpha) * Z)
    if name == "elu":
        return np.where(Z > 0, Z, (1.0 if alpha is None else alpha) * np.expm1(np.minimum(Z, 0)))
    if name == "softplus":
        return np.logaddexp(0.0, Z)
    if name == "gelu":
        return 0.5 * Z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (Z + 0.044715 * Z**3)))
    if name == "swish":
        return Z / (1.0 + np.exp(-Z))
    if name == "softmax":
        E = np.exp(Z - Z.max(axis=1, keepdims=True))
        return E / E.sum(axis=1, keepdims=True)
    raise AssertionError(f"unknown activation {name}")


def reference_predict(project: Project, weights: Weights, X: np.ndarray) -> np.ndarray:
    """Standardise, then ``A = g(A @ W + b)`` layer by layer, then ``A * std + mean`` with the
    target statistics when there are some, in float64."""
    A = np.asarray(X, dtype=np.float64)
    if project.standardization is not None:
        A = (A - np.asarray(project.standardization.mean)) / np.asarray(project.standardization.std)
    for layer, (W, b) in zip(project.network.layers, weights, strict=True):
        Z = A @ np.asarray(W, dtype=np.float64) + np.asarray(b, dtype=np.float64)
        A = activate(layer.activation, layer.alpha, Z)
    targets = project.target_standardization
    if targets is not None:
        A = A * np.asarray(targets.std) + np.asarray(targets.mean)
    return A


#: Networks every format is checked on: each hidden activation, both tasks, every output kind,
#: with and without standardisation of the inputs and of the targets.
MODEL_CASES: dict[str, dict] = {
    "sigmoid-classifier-standardized": {
        "hidden": HIDDEN_ACTIVATIONS[:6],
        "output": "sigmoid",
        "outputs": 1,
        "task": "classification",
        "standardize": True,
    },
    "softmax-classifier": {
        "hidden": HIDDEN_ACTIVATIONS[6:],
        "output": "softmax",
        "outputs": 3,
        "task": "classification",
        "standardize": False,
        "seed": 1,
    },
    "regression-two-targets-standardized": {
        "hidden": HIDDEN_ACTIVATIONS,
        "output": "identity",
        "outputs": 2,
        "task": "regression",
        "standardize": True,
        "seed": 2,
    },
    "regression-unnamed-linear-output": {
        "hidden": (("gelu", None), ("swish", None)),
        "output": "linear",
        "outputs": 2,
        "task": "regression",
        "standardize": False,
        "named": False,
        "seed": 3,
    },
    "regression-standardized-targets": {
        "hidden": (("tanh", None), ("relu", None)),
        "output": "identity",
        "outputs": 2,
        "task": "regression",
        "standardize": True,
        "standardize_targets": True,
        "seed": 5,
    },
    "regression-standardized-targets-softplus-output": {
        "hidden": (("gelu", None),),
        "output": "softplus",
        "outputs": 2,
        "task": "regression",
        "standardize": False,
        "standardize_targets": True,
        "seed": 6,
    },
    "single-layer-classifier": {
        "hidden": (),
        "output": "sigmoid",
        "outputs": 1,
        "task": "classification",
        "inputs": 2,
        "standardize": True,
        "seed": 4,
    },
}


def engine_predict(project: Project, weights: Weights, X: np.ndarray) -> np.ndarray:
    """What ``nnstudio predict`` computes: the engine's float32 forward pass."""
    from nnstudio.engine.network import Network

    network = Network.from_spec(
        project.network,
        project.loss,
        dtype="float32",
        weights=weights,
        standardization=project.standardization,
        target_standardization=project.target_standardization,
    )
    return np.asarray(network.predict(X), dtype=np.float64)


def assert_predictions_match(actual: np.ndarray, project: Project, weights: Weights, X) -> None:
    """``actual`` agrees with the NumPy reference and with the engine within 1e-5.

    The absolute part scales with each output column's largest value: float32 products
    summed in another order differ by a few units of the largest term, so an output near 8
    in a column reaching 600 may differ by 1e-4.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected_shape = (X.shape[0], project.network.output.units)
    assert actual.shape == expected_shape
    for expected in (reference_predict(project, weights, X), engine_predict(project, weights, X)):
        scale = np.maximum(1.0, np.abs(expected).max(axis=0))
        np.testing.assert_allclose(actual / scale, expected / scale, rtol=1e-5, atol=1e-5)


def script_csv_variants(names: Sequence[str], X: np.ndarray) -> dict[str, bytes]:
    """The same features written as ``nnstudio predict`` accepts them: separators, BOM, CRLF."""
    variants: dict[str, bytes] = {}
    for label, separator, newline, bom in (
        ("semicolons", ";", "\n", ""),
        ("tabs-crlf", "\t", "\r\n", ""),
        ("bom", ",", "\n", "\ufeff"),
    ):
        lines = [separator.join(names), *(separator.join(repr(float(v)) for v in r) for r in X)]
        variants[label] = (bom + newline.join(lines) + newline).encode("utf-8")
    return variants


def run_script_on_csv_variant(
    script, names: Sequence[str], X: np.ndarray, variant: str, folder
) -> tuple[list[str], np.ndarray]:
    """Run a generated command-line script on ``X`` written as ``variant`` (see
    :func:`script_csv_variants`; ``"stdin"`` pipes the semicolon variant in).

    Returns the header and the predicted values, shape (m, k); fails on a non-zero status.
    """
    import subprocess
    import sys
    from pathlib import Path

    variants = script_csv_variants(names, X)
    data = variants.get(variant, variants["semicolons"])
    path = Path(folder) / "data.csv"
    path.write_bytes(data)
    stdin = variant == "stdin"
    result = subprocess.run(
        [sys.executable, str(script), "-" if stdin else str(path)],
        input=data if stdin else None,
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    rows = [line.split(",") for line in result.stdout.decode().strip().splitlines()]
    return rows[0], np.array(rows[1:], dtype=float)


def stderr_after_closing_the_pipe(command: Sequence[str]) -> tuple[int, str]:
    """Run ``command``, read one line of its output, close the pipe; its status and stderr.

    Like ``command | head -1`` when the output is longer than the pipe's buffer.
    """
    import subprocess

    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    return process.wait(timeout=120), stderr


def write_long_csv(path, names: Sequence[str], rows: int = 20_000) -> None:
    """A CSV file of ``rows`` random examples, far longer than a pipe's buffer once predicted."""
    X = np.random.default_rng(0).normal(size=(rows, len(names)))
    body = "\n".join(",".join(f"{v:.6f}" for v in row) for row in X)
    path.write_text(",".join(names) + "\n" + body + "\n")
