"""The plain NumPy forward pass shown to users reproduces ``nnstudio predict``.

The snippet is in README.md and docs/numpy-forward.md (section "Use the weights without
nnstudio"): both copies are run, so what people copy is what is tested.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from nnstudio import cli

REPO_ROOT = Path(__file__).resolve().parent.parent
SECTION = "Use the weights without nnstudio"


def section_of(markdown: str, heading: str) -> str | None:
    """The text under ``heading`` up to the next heading of the same or a higher level."""
    match = re.search(rf"^(#+)\s+{re.escape(heading)}\s*$", markdown, flags=re.MULTILINE)
    if match is None:
        return None
    level = len(match.group(1))
    rest = markdown[match.end() :]
    end = re.search(rf"^#{{1,{level}}}\s", rest, flags=re.MULTILINE)
    return rest[: end.start()] if end else rest


#: Where users copy the snippet from: both copies must work.
SOURCES = (REPO_ROOT / "README.md", REPO_ROOT / "docs" / "numpy-forward.md")


def snippet_source(path: Path) -> str:
    """The python code blocks of the section in ``path``, joined."""
    section = section_of(path.read_text(encoding="utf-8"), SECTION)
    assert section is not None, f"{path.name} has no section '{SECTION}'"
    blocks = re.findall(r"^```python\n(.*?)^```", section, flags=re.MULTILINE | re.DOTALL)
    assert blocks, f"no python code under '{SECTION}' in {path.name}"
    return "\n\n".join(blocks)


@pytest.fixture(scope="module", params=SOURCES, ids=lambda path: path.name)
def snippet(request: pytest.FixtureRequest) -> dict:
    """The snippet's namespace after running it (it defines forward_npz and forward_json)."""
    origin = request.param.name
    namespace: dict = {"__name__": "numpy_forward_snippet"}
    exec(compile(snippet_source(request.param), origin, "exec"), namespace)
    assert callable(namespace.get("forward_npz")), f"{origin} defines no forward_npz"
    assert callable(namespace.get("forward_json")), f"{origin} defines no forward_json"
    return namespace


def project_document(data: dict, layers: list[dict], loss: str, epochs: int) -> dict:
    one_input = data.get("builtin") == "housing" or "csv" in data
    return {
        "nnstudio": 1,
        "name": "snippet",
        "data": data,
        "network": {"inputs": 1 if one_input else 2, "layers": layers},
        "loss": loss,
        "training": {"optimizer": "adam", "learning_rate": 0.02, "epochs": epochs},
    }


CASES = {
    # Softmax on standardised inputs, with ELU (alpha) and leaky ReLU (alpha) hidden layers.
    "spiral": project_document(
        {"builtin": "spiral", "samples": 90, "arms": 3, "standardize": True},
        [
            {"units": 6, "activation": "elu", "alpha": 0.7},
            {"units": 5, "activation": "leaky_relu", "alpha": 0.1},
            {"units": 3, "activation": "softmax"},
        ],
        "categorical_crossentropy",
        10,
    ),
    # One sigmoid output: the snippet gives p(second class), the CSV's p_1 column.
    "moons": project_document(
        {"builtin": "moons", "samples": 80},
        [
            {"units": 5, "activation": "gelu"},
            {"units": 4, "activation": "swish"},
            {"units": 3, "activation": "softplus"},
            {"units": 1, "activation": "sigmoid"},
        ],
        "binary_crossentropy",
        10,
    ),
    # Regression with tanh, ReLU and an identity output.
    "housing": project_document(
        {"builtin": "housing", "samples": 60, "standardize": True},
        [
            {"units": 4, "activation": "tanh"},
            {"units": 4, "activation": "relu", "bias_init": 0.01},
            {"units": 1, "activation": "linear"},
        ],
        "mse",
        5,
    ),
    # Prices in dollars learned as standardised targets: the snippet scales them back.
    "prices": project_document(
        {
            "csv": "prices.csv",
            "target": ["price"],
            "task": "regression",
            "standardize_targets": True,
        },
        [{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "identity"}],
        "mse",
        5,
    ),
}

#: Input columns and value range of each case's query.
QUERIES = {
    "spiral": (["x1", "x2"], (-2.0, 2.0)),
    "moons": (["x1", "x2"], (-2.0, 2.0)),
    "housing": (["size_1000sqft"], (1.0, 5.0)),
    "prices": (["sqft"], (500.0, 4000.0)),
}


def run_cli(*args: object) -> None:
    assert cli.main([str(a) for a in args]) == 0


@pytest.mark.parametrize("case", list(CASES))
def test_snippet_reproduces_predict(snippet: dict, tmp_path: Path, case: str, capsys) -> None:
    document = CASES[case]
    if case == "prices":
        sqft = np.linspace(500, 4000, 50)
        rows = [f"{x:.1f},{150 * x + 20_000:.2f}" for x in sqft]
        (tmp_path / "prices.csv").write_text("sqft,price\n" + "\n".join(rows) + "\n")
    source = tmp_path / f"{case}.nnproj"
    source.write_text(json.dumps(document), encoding="utf-8")
    trained = tmp_path / "trained.nnproj"
    run_cli("train", source, "--quiet", "--save", trained)
    run_cli("export", trained, "--format", "npz", "-o", tmp_path / "model.npz")
    run_cli("export", trained, "--format", "json", "-o", tmp_path / "model.json")

    names, (low, high) = QUERIES[case]
    X = np.random.default_rng(0).uniform(low, high, size=(30, len(names)))
    rows = [",".join(names)] + [",".join(f"{v:.17g}" for v in row) for row in X]
    (tmp_path / "X.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    capsys.readouterr()
    run_cli("predict", trained, "--input", tmp_path / "X.csv")
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    header, body = table[0], table[1:]

    numeric = [i for i, name in enumerate(header) if name != "label"]
    predicted = np.array([[float(row[i]) for i in numeric] for row in body])
    if case == "moons":
        predicted = predicted[:, 1:]  # p_1: the probability of the second class
    for forward, path in (
        (snippet["forward_npz"], tmp_path / "model.npz"),
        (snippet["forward_json"], tmp_path / "model.json"),
    ):
        outputs = np.asarray(forward(path, X))
        assert outputs.shape == predicted.shape
        np.testing.assert_allclose(outputs, predicted, atol=1e-5, rtol=1e-5)


def test_single_sigmoid_threshold_is_the_one_predict_uses() -> None:
    """A probability of exactly 0.5 is the second class, in nnstudio and in the docs."""
    from nnstudio.spec import Project
    from nnstudio.workflow import predict

    page = (REPO_ROOT / "docs" / "numpy-forward.md").read_text(encoding="utf-8")
    assert "`P[:, 0] >= 0.5`" in page
    assert "`P[:, 0] > 0.5`" not in page
    project = Project.from_dict(
        project_document(
            {"builtin": "xor"}, [{"units": 1, "activation": "sigmoid"}], "binary_crossentropy", 1
        )
    )
    weights = ((np.zeros((2, 1), np.float32), np.zeros(1, np.float32)),)
    prediction = predict(project, weights, np.zeros((1, 2)))
    assert prediction.outputs[0, 0] == 0.5
    assert prediction.label_indices.tolist() == [1]
