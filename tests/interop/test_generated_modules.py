"""Python and PyTorch exports: any name compiles, plane features, scores and dropout."""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import subprocess
import sys
import warnings
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from interop_support import make_model, raw_inputs, reference_predict

from nnstudio.data import plane_feature_columns
from nnstudio.io.python_export import export_python
from nnstudio.io.torch_export import export_torch
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project
from nnstudio.workflow import predict as nnstudio_predict

pytestmark = pytest.mark.interop

_numbers = itertools.count()

#: Names that broke the generated source: escapes that do not compile in a non-raw docstring
#: (\u, \N, \x, \U), backslashes, triple quotes, a quote at the end, unprintable characters
#: and non-ASCII text.
HOSTILE_FEATURES = (
    "temp\\unit",
    "C:\\Data",
    'say """hi"""',
    "line\nbreak",
    "\\N{BULLET} \\x41 \\U0001",
    "température °C",
    'ends in a quote"',
)
HOSTILE_CLASSES = ("C:\\new", 'it\'s "quoted"', "tab\there")
HOSTILE_PROJECT = 'Model """v2""" in C:\\Users\\name\\u00e9 \u2028 end\\'


def _import(path: Path) -> ModuleType:
    """Import a generated file under a fresh name, failing on any warning (a bad escape)."""
    source = path.read_text(encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(source, str(path), "exec")
    spec = importlib.util.spec_from_file_location(f"nnstudio_generated_{next(_numbers)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hostile_project() -> tuple[Project, tuple]:
    project, weights = make_model(
        (("tanh", None),), output="softmax", outputs=3, task="classification", inputs=7
    )
    project = replace(
        project,
        name=HOSTILE_PROJECT,
        feature_names=HOSTILE_FEATURES,
        output_names=HOSTILE_CLASSES,
    )
    project.validate()
    return project, weights


def _csv_text(names, rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    writer.writerows([repr(float(v)) for v in row] for row in rows)
    return buffer.getvalue()


def _run_script(script: Path, data: Path) -> list[list[str]]:
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script), str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return list(csv.reader(io.StringIO(result.stdout)))


# -- names -------------------------------------------------------------------------------------


def test_python_module_with_hostile_names_compiles_runs_and_shows_them(tmp_path: Path) -> None:
    project, weights = _hostile_project()
    (path,) = export_python(project, weights, tmp_path / "model.py")
    module = _import(path)
    assert module.NAME == HOSTILE_PROJECT
    assert module.FEATURE_NAMES == HOSTILE_FEATURES
    assert module.OUTPUT_NAMES == HOSTILE_CLASSES
    # The docstring shows the names as written (unprintable characters as escapes).
    for text in ("temp\\unit", "C:\\Data", 'say """hi"""', "line\\nbreak", "température °C"):
        assert text in module.__doc__
    X = raw_inputs(project, rows=5)
    np.testing.assert_allclose(module.predict(X), reference_predict(project, weights, X), 1e-8)

    data = tmp_path / "data.csv"
    data.write_text(_csv_text(HOSTILE_FEATURES, X), encoding="utf-8")
    rows = _run_script(path, data)
    assert rows[0] == [*(f"p_{name}" for name in HOSTILE_CLASSES), "label"]
    assert len(rows) == 6


def test_torch_module_with_hostile_names_compiles_runs_and_shows_them(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = _hostile_project()
    path, _weights_file = export_torch(project, weights, tmp_path / "model.py")
    module = _import(path)
    assert module.FEATURE_NAMES == HOSTILE_FEATURES
    assert module.OUTPUT_NAMES == HOSTILE_CLASSES
    assert 'Model \\"\\"\\"v2' not in module.__doc__
    assert 'say """hi"""' in module.__doc__ and "C:\\Data" in module.__doc__
    X = raw_inputs(project, rows=5)
    with torch.no_grad():
        outputs = module.load()(torch.as_tensor(X)).numpy()
    np.testing.assert_allclose(outputs, reference_predict(project, weights, X), rtol=1e-5)


@pytest.mark.parametrize("export", [export_python, export_torch], ids=["python", "torch"])
def test_hostile_file_names_still_give_a_module_that_compiles(export, tmp_path: Path) -> None:
    if export is export_torch:
        pytest.importorskip("safetensors")
    project, weights = _hostile_project()
    path = export(project, weights, tmp_path / 'we"""ird\\N name.py')[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compile(path.read_text(encoding="utf-8"), str(path), "exec")


# -- features of a plane's points ------------------------------------------------------------


def _plane_project() -> tuple[Project, tuple]:
    features = ("x1^2", "x2^2", "x1*x2", "sin(x1)")
    network = NetworkSpec(
        inputs=4,
        layers=(LayerSpec(units=5, activation="tanh"), LayerSpec(units=1, activation="sigmoid")),
    )
    project = Project(
        name="circles through squares",
        data=BuiltinData(builtin="circles", features=features),
        network=network,
        loss="binary_crossentropy",
        feature_names=features,
        output_names=("inner", "outer"),
    )
    project.validate()
    rng = np.random.default_rng(3)
    weights = tuple(
        (rng.normal(size=w).astype(np.float32), rng.normal(size=b).astype(np.float32))
        for w, b in network.weight_shapes()
    )
    return project, weights


def _points(rows: int = 7) -> np.ndarray:
    return np.random.default_rng(4).uniform(-2.0, 2.0, size=(rows, 2))


def test_python_module_computes_plane_features_from_points(tmp_path: Path) -> None:
    project, weights = _plane_project()
    (path,) = export_python(project, weights, tmp_path / "model.py")
    module = _import(path)
    points = _points()
    features = plane_feature_columns(points, project.feature_names)
    np.testing.assert_array_equal(module.features_from_points(points), features)
    expected = nnstudio_predict(project, weights, features).outputs
    np.testing.assert_allclose(module.predict(module.features_from_points(points)), expected, 1e-6)
    assert "features_from_points" in module.predict.__doc__

    # A CSV file of points, as nnstudio predict reads it.
    data = tmp_path / "points.csv"
    data.write_text(_csv_text(("x1", "x2"), points))
    rows = _run_script(path, data)
    assert rows[0] == ["p_inner", "p_outer", "label"]
    # The engine runs in float32, the module in float64.
    np.testing.assert_allclose([float(row[1]) for row in rows[1:]], expected[:, 0], rtol=1e-6)
    # The features themselves still work.
    data.write_text(_csv_text(project.feature_names, features))
    assert _run_script(path, data) == rows


def test_torch_module_computes_plane_features_from_points(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = _plane_project()
    path, _weights_file = export_torch(project, weights, tmp_path / "model.py")
    module = _import(path)
    points = _points()
    features = plane_feature_columns(points, project.feature_names)
    np.testing.assert_array_equal(
        module.features_from_points(points).numpy(), features.astype(np.float32)
    )
    expected = nnstudio_predict(project, weights, features).outputs
    with torch.no_grad():
        outputs = module.load()(module.features_from_points(points)).numpy()
    np.testing.assert_allclose(outputs, expected, rtol=1e-5, atol=1e-6)
    data = tmp_path / "points.csv"
    data.write_text(_csv_text(("x1", "x2"), points))
    rows = _run_script(path, data)
    assert rows[0] == ["p_inner", "p_outer", "label"]
    np.testing.assert_allclose([float(r[1]) for r in rows[1:]], expected[:, 0], rtol=1e-5)


def test_shipped_circles_squared_sample_script_reads_points(tmp_path: Path) -> None:
    from nnstudio.io.project import load_project

    sample = Path(__file__).resolve().parents[2] / "samples" / "circles-squared.nnproj"
    project = load_project(sample).project
    weights = ((np.array([[-3.0], [-3.0]], dtype=np.float32), np.array([2.0], np.float32)),)
    (path,) = export_python(project, weights, tmp_path / "model.py")
    data = tmp_path / "plane.csv"
    data.write_text("x1,x2\n0.1,0.2\n1.5,-1.2\n")
    rows = _run_script(path, data)
    # -3 x1^2 - 3 x2^2 + 2 > 0 only near the origin: the second class there.
    names = _import(path).OUTPUT_NAMES
    assert [row[-1] for row in rows[1:]] == [names[1], names[0]]


# -- classifiers whose outputs are scores ------------------------------------------------------


def _scores_project() -> tuple[Project, tuple]:
    project, weights = make_model(
        (("relu", None),), output="softmax", outputs=3, task="classification"
    )
    network = project.network.with_layer(1, replace(project.network.output, activation="identity"))
    project = replace(project, network=network, loss="mse")
    project.validate()
    return project, weights


def test_python_module_names_identity_classifier_outputs_scores(tmp_path: Path) -> None:
    project, weights = _scores_project()
    (path,) = export_python(project, weights, tmp_path / "model.py")
    module = _import(path)
    assert "score of each class" in module.__doc__
    assert "probability" not in module.__doc__
    X = raw_inputs(project, rows=4)
    data = tmp_path / "data.csv"
    data.write_text(_csv_text(project.feature_names, X))
    rows = _run_script(path, data)
    assert rows[0] == [*(f"score_{name}" for name in project.output_names), "label"]
    prediction = nnstudio_predict(project, weights, X)
    assert prediction.probabilities is None  # nnstudio predict writes score_ columns too
    np.testing.assert_allclose(
        np.array([row[:3] for row in rows[1:]], dtype=float), prediction.outputs, rtol=1e-5
    )


def test_torch_module_names_identity_classifier_outputs_scores(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    project, weights = _scores_project()
    path, _weights_file = export_torch(project, weights, tmp_path / "model.py")
    module = _import(path)
    assert "score of each class" in module.__doc__
    X = raw_inputs(project, rows=4)
    data = tmp_path / "data.csv"
    data.write_text(_csv_text(project.feature_names, X))
    rows = _run_script(path, data)
    assert rows[0] == [*(f"score_{name}" for name in project.output_names), "label"]


# -- dropout -----------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_torch_module_keeps_dropout_for_training_only(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    project, weights = make_model(
        (("relu", None), ("tanh", None)), output="softmax", outputs=3, task="classification"
    )
    layers = list(project.network.layers)
    layers[0] = replace(layers[0], dropout=0.4)
    project = replace(project, network=replace(project.network, layers=tuple(layers)))
    project.validate()
    path, weights_file = export_torch(project, weights, tmp_path / "model.py")
    module = _import(path)
    model = module.load()
    dropouts = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    assert [m.p for m in dropouts] == [0.4]
    # Dropout holds no weights: the state dict is the safetensors file's.
    from safetensors.torch import load_file

    assert set(model.state_dict()) == set(load_file(str(weights_file)))
    X = torch.as_tensor(raw_inputs(project, rows=200))
    with torch.no_grad():
        evaluated = model(X)
        np.testing.assert_allclose(
            evaluated.numpy(), reference_predict(project, weights, X.numpy()), rtol=1e-5, atol=1e-6
        )
        model.train()
        torch.manual_seed(0)
        trained = model(X, logits=True)
        model.eval()
        assert not torch.allclose(trained, model(X, logits=True))
        # TorchScript compiles it, dropout and all.
        scripted = torch.jit.script(model)
        torch.testing.assert_close(scripted(X), evaluated)
        scripted.train()
        assert not torch.allclose(scripted(X, True), model(X, logits=True))


def test_torch_module_without_dropout_has_none(tmp_path: Path) -> None:
    pytest.importorskip("safetensors")
    project, weights = make_model(
        (("relu", None),), output="sigmoid", outputs=1, task="classification"
    )
    path, _weights_file = export_torch(project, weights, tmp_path / "model.py")
    assert "Dropout" not in path.read_text()


# -- CSV files nnstudio predict refuses ----------------------------------------------------------


def _classifier_script(export, tmp_path: Path) -> tuple[Path, Project]:
    if export is export_torch:
        pytest.importorskip("torch")
    project, weights = make_model(
        (("tanh", None),), output="softmax", outputs=3, task="classification", inputs=3
    )
    return export(project, weights, tmp_path / "model.py")[0], project


def _nnstudio_refusal(path: Path, features: tuple[str, ...]) -> str:
    """The message ``nnstudio predict`` stops with on the CSV file ``path``."""
    from nnstudio.data import read_csv_table
    from nnstudio.errors import DataError

    with pytest.raises(DataError) as info:
        read_csv_table(path).to_floats(features, role="input")
    return str(info.value)


_HEADER = "feature_0,feature_1,feature_2"

#: Files nnstudio predict refuses, with the message the scripts must give.
_REFUSED_FILES = {
    "nan": (
        f"{_HEADER}\n1,2,3\n1,nan,3\n",
        "x.csv: line 3, column 'feature_1': 'nan' is not a finite number (input values must be "
        "real numbers)",
    ),
    "infinity": (
        f"{_HEADER}\n1,2,3\n\n4,5,-inf\n",
        "x.csv: line 4, column 'feature_2': '-inf' is not a finite number (input values must "
        "be real numbers)",
    ),
    "duplicate-column": (
        "feature_0,feature_1,feature_2,feature_0\n1,2,3,9\n",
        "x.csv: the header names column 'feature_0' twice (columns 1 and 4); column names must "
        "be unique",
    ),
    "empty-cell": (
        f"{_HEADER}\n1,,3\n",
        "x.csv: line 2, column 'feature_1' is empty (every input value must be given)",
    ),
    "short-row": (f"{_HEADER}\n1,2,3\n4,5\n", "x.csv: line 3 has 2 fields, the header has 3"),
    "quoted-line-break": (
        f'{_HEADER}\n"1\n",2,3\n4,nan,6\n',
        "x.csv: line 4, column 'feature_1': 'nan' is not a finite number (input values must be "
        "real numbers)",
    ),
}


@pytest.mark.parametrize("variant", _REFUSED_FILES, ids=_REFUSED_FILES.keys())
@pytest.mark.parametrize("export", [export_python, export_torch], ids=["python", "torch"])
def test_scripts_refuse_what_nnstudio_predict_refuses_in_its_words(
    export, variant: str, tmp_path: Path
) -> None:
    script, project = _classifier_script(export, tmp_path)
    text, message = _REFUSED_FILES[variant]
    data = tmp_path / "x.csv"
    data.write_text(text)
    assert _nnstudio_refusal(data, project.feature_names) == message
    result = subprocess.run(
        [sys.executable, str(script), str(data)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == message + "\n"  # one line, no traceback


@pytest.mark.parametrize("export", [export_python, export_torch], ids=["python", "torch"])
def test_scripts_name_standard_input_and_read_compressed_data(export, tmp_path: Path) -> None:
    import gzip

    script, _project = _classifier_script(export, tmp_path)
    data = gzip.compress(f"{_HEADER}\n1,2,3\n1,nan,3\n".encode())
    result = subprocess.run(
        [sys.executable, str(script), "-"], input=data, capture_output=True, check=False
    )
    assert result.returncode == 1
    assert result.stderr.decode().startswith("stdin: line 3, column 'feature_1': 'nan' is not")
    fine = gzip.compress(f"{_HEADER}\n1,2,3\n".encode())
    (tmp_path / "x.csv.gz").write_bytes(fine)
    rows = _run_script(script, tmp_path / "x.csv.gz")
    assert len(rows) == 2 and rows[0][-1] == "label"


def test_python_and_torch_modules_share_one_csv_reader(tmp_path: Path) -> None:
    pytest.importorskip("safetensors")
    from nnstudio.io.python_export import CSV_READING_CODE

    project, weights = make_model(
        (("tanh", None),), output="softmax", outputs=3, task="classification", inputs=3
    )
    (python_script,) = export_python(project, weights, tmp_path / "numpy_model.py")
    torch_script = export_torch(project, weights, tmp_path / "torch_model.py")[0]
    for script in (python_script, torch_script):
        assert script.read_text(encoding="utf-8").count(CSV_READING_CODE) == 1
