"""The ``nnstudio`` command, end to end through ``python -m nnstudio`` and in process."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from nnstudio import cli
from nnstudio.io.project import load_project
from nnstudio.io.weights import load_weights_file
from nnstudio.workflow import build_network, load_for_training, predict

XOR_PROJECT = {
    "nnstudio": 1,
    "name": "XOR",
    "data": {"builtin": "xor", "samples": 120, "noise": 0.1, "seed": 1},
    "network": {
        "inputs": 2,
        "layers": [
            {"units": 6, "activation": "tanh"},
            {"units": 1, "activation": "sigmoid"},
        ],
    },
    "loss": "binary_crossentropy",
    "training": {"optimizer": "adam", "learning_rate": 0.05, "epochs": 40, "batch_size": 16},
}

SPIRAL_PROJECT = {
    "nnstudio": 1,
    "name": "Spiral",
    "data": {"builtin": "spiral", "samples": 90, "arms": 3, "seed": 4, "standardize": True},
    "network": {
        "inputs": 2,
        "layers": [
            {"units": 8, "activation": "relu", "init": "he_normal", "bias_init": 0.01},
            {"units": 3, "activation": "softmax"},
        ],
    },
    "loss": "categorical_crossentropy",
    "training": {"optimizer": "adam", "learning_rate": 0.02, "epochs": 15, "batch_size": 32},
}


def run(
    *args: str | Path, cwd: Path | None = None, stdin: str | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m nnstudio ARGS`` (fed ``stdin``) and capture its output."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env.pop("NNSTUDIO_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "nnstudio", *map(str, args)],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], message: str) -> None:
    """Non-zero exit, no traceback, and one ``nnstudio: error:`` line containing ``message``."""
    assert result.returncode != 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert len(errors) == 1, result.stderr
    assert message in errors[0], result.stderr


def write_project(folder: Path, document: dict, name: str = "xor.nnproj") -> Path:
    path = folder / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An XOR project trained through the command line and saved with its weights."""
    folder = tmp_path_factory.mktemp("trained")
    source = write_project(folder, XOR_PROJECT)
    result = run("train", source, "--save", folder / "trained.nnproj")
    assert result.returncode == 0, result.stderr
    return folder / "trained.nnproj"


def read_csv_text(text: str) -> tuple[list[str], np.ndarray, list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    numbers = np.array([[float(cell) for cell in row[:-1]] for row in body])
    labels = [row[-1] for row in body]
    return header, numbers, labels


# ---- train -------------------------------------------------------------------------------


def test_train_saves_weights_and_reports_metrics(tmp_path: Path) -> None:
    source = write_project(tmp_path, XOR_PROJECT)
    result = run("train", source, "--save", tmp_path / "out.nnproj")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("train: loss ") and "accuracy" in lines[0]
    assert lines[1].startswith("validation: loss ")
    assert "epoch 40/40" in result.stderr
    assert "saved" in result.stderr
    loaded = load_project(tmp_path / "out.nnproj")
    assert loaded.project.weights == "out.weights.npz"
    assert loaded.weights is not None
    assert loaded.project.feature_names == ("x1", "x2")
    assert loaded.project.output_names == ("0", "1")
    # The run's settings are kept: the saved project trains for 40 epochs as before.
    assert loaded.project.training.epochs == 40
    accuracy = float(lines[0].split("accuracy ")[1].split("%")[0])
    assert accuracy > 80


def test_train_reports_its_blas_threads_and_rejects_bad_counts(tmp_path: Path) -> None:
    source = write_project(tmp_path, XOR_PROJECT)
    result = run("train", source, "--epochs", "2")
    assert result.returncode == 0, result.stderr
    # A small network never profits from more threads: one, chosen without a long measurement.
    assert "matrix products on 1 BLAS thread (measured fastest)" in result.stderr
    result = run("train", source, "--epochs", "2", "--threads", "2")
    assert result.returncode == 0, result.stderr
    assert "matrix products on 2 BLAS threads (as asked)" in result.stderr
    result = run("train", source, "--threads", "0")
    assert result.returncode != 0
    assert "expected 1 to 256 threads, got 0" in result.stderr


def test_epochs_zero_saves_initial_weights(tmp_path: Path) -> None:
    source = write_project(tmp_path, XOR_PROJECT)
    result = run(
        "train", source, "--epochs", "0", "--seed", "5", "--save", tmp_path / "init.nnproj"
    )
    assert result.returncode == 0, result.stderr
    loaded = load_project(tmp_path / "init.nnproj")
    project = loaded.project
    seeded = project.__class__.from_dict(
        dict(project.to_dict(), training=dict(project.to_dict()["training"], seed=5))
    )
    expected = build_network(seeded).weights()
    for (W, b), (W_expected, b_expected) in zip(loaded.weights, expected, strict=True):
        np.testing.assert_array_equal(W, W_expected)
        np.testing.assert_array_equal(b, b_expected)


def test_training_continues_from_stored_weights(trained: Path, tmp_path: Path) -> None:
    result = run("train", trained, "--epochs", "0", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    first = run("train", trained, "--epochs", "0", "--quiet")
    assert first.stdout == result.stdout
    fresh = run("train", trained, "--epochs", "0", "--reinit", "--quiet")
    assert fresh.stdout != result.stdout


def test_export_refuses_standard_output(trained: Path, tmp_path: Path) -> None:
    result = run("export", trained, "-f", "onnx", "-o", "-", cwd=tmp_path)
    assert_clean_failure(
        result, "export writes files, not standard output: give a file name such as trained.onnx"
    )
    assert list(tmp_path.iterdir()) == []


def test_train_refuses_stored_weights_on_data_with_other_names(
    trained: Path, tmp_path: Path, capsys
) -> None:
    # As an imported model gets: weights trained on income and debt, and the built-in XOR
    # data set standing in until the user picks the model's data.
    document = json.loads(trained.read_text(encoding="utf-8"))
    document["feature_names"] = ["income", "debt"]
    document["output_names"] = ["no", "yes"]
    weights = trained.with_name(document["weights"])
    (tmp_path / weights.name).write_bytes(weights.read_bytes())
    source = write_project(tmp_path, document, "loans.nnproj")
    saved = tmp_path / "retrained.nnproj"
    assert cli.main(["train", str(source), "-q", "--save", str(saved)]) == cli.EXIT_FAILURE
    error = capsys.readouterr().err
    assert (
        "loans.nnproj: its weights were trained on inputs income, debt and classes no, yes, "
        "but the data has inputs x1, x2 and classes 0, 1 (the built-in xor data)"
    ) in error
    assert "--reinit" in error
    assert not saved.exists()
    # Fresh weights may learn anything: the names then become the data's.
    assert cli.main(["train", str(source), "-q", "--reinit", "--epochs", "1"]) == cli.EXIT_OK


def test_warm_start_from_a_weights_file(trained: Path, tmp_path: Path) -> None:
    exported = tmp_path / "w.json"
    assert run("export", trained, "--format", "json", "-o", exported).returncode == 0
    source = write_project(tmp_path, XOR_PROJECT)
    warm = run("train", source, "--epochs", "0", "--weights", exported, "--quiet")
    stored = run("train", trained, "--epochs", "0", "--quiet")
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout == stored.stdout
    assert "warning" not in warm.stderr  # the file was trained for this very computation


def test_warm_start_warns_when_the_file_was_trained_for_other_activations(
    trained: Path, tmp_path: Path
) -> None:
    exported = tmp_path / "w.json"
    assert run("export", trained, "--format", "json", "-o", exported).returncode == 0
    other = json.loads(json.dumps(XOR_PROJECT))
    first = other["network"]["layers"][0]["activation"]
    other["network"]["layers"][0]["activation"] = "relu" if first != "relu" else "tanh"
    source = write_project(tmp_path, other)
    result = run("train", source, "--epochs", "0", "--weights", exported, "--quiet")
    assert result.returncode == 0, result.stderr
    assert "nnstudio: warning: w.json was trained with the activations " in result.stderr


def test_warm_start_with_wrong_shapes_names_layer_and_shapes(trained: Path, tmp_path: Path) -> None:
    wider = json.loads(json.dumps(XOR_PROJECT))
    wider["network"]["layers"][0]["units"] = 7
    source = write_project(tmp_path, wider)
    result = run("train", source, "--weights", trained.with_name("trained.weights.npz"))
    assert_clean_failure(result, "layer 1 (W1) has shape (2, 6)")
    assert "(2, 7)" in result.stderr


def test_reinit_starts_afresh_when_stored_weights_no_longer_fit(
    trained: Path, tmp_path: Path
) -> None:
    document = json.loads(trained.read_text())
    document["network"]["layers"][0]["units"] = 9
    document["weights"] = str(trained.with_name("trained.weights.npz"))
    edited = write_project(tmp_path, document, "edited.nnproj")
    result = run("train", edited, "--epochs", "1")
    assert_clean_failure(result, "layer 1 (W1) has shape (2, 6)")
    assert "--reinit trains from fresh weights instead" in result.stderr
    result = run("train", edited, "--epochs", "1", "--reinit", "--save", tmp_path / "new.nnproj")
    assert result.returncode == 0, result.stderr
    assert load_project(tmp_path / "new.nnproj").weights[0][0].shape == (2, 9)


def test_reinit_and_weights_contradict(trained: Path) -> None:
    result = run("train", trained, "--reinit", "--weights", "w.npz")
    assert_clean_failure(result, "--reinit and --weights contradict each other")


def test_diverged_run_fails_but_keeps_its_last_finite_weights(tmp_path: Path) -> None:
    document = {
        "nnstudio": 1,
        "name": "explodes",
        "data": {"builtin": "sine", "samples": 60},
        "network": {
            "inputs": 1,
            "layers": [
                {"units": 8, "activation": "relu", "init": "normal", "init_param": 5},
                {"units": 1, "activation": "identity"},
            ],
        },
        "loss": "mse",
        "training": {"optimizer": "sgd", "learning_rate": 50, "epochs": 50, "batch_size": 8},
    }
    source = write_project(tmp_path, document, "explodes.nnproj")
    out = tmp_path / "out.nnproj"
    result = run("train", source, "--save", out)
    assert_clean_failure(result, "diverged")
    # A run diverging late has trained for a long time: as after Ctrl+C, what it reached is
    # saved (the last finite weights), with a warning that it is not a finished run.
    assert (
        f"nnstudio: warning: the run diverged; saved its last finite weights (from before the "
        f"step that diverged) to {out} (weights in out.weights.npz)" in result.stderr
    )
    saved = load_project(out)  # loading checks that every weight is finite and fits
    assert saved.weights is not None
    assert saved.project.training.learning_rate == 50


def test_a_run_that_blows_up_without_diverging_ends_with_a_warning(
    tmp_path: Path, samples_dir: Path
) -> None:
    document = json.loads((samples_dir / "housing.nnproj").read_text(encoding="utf-8"))
    document["training"].update(learning_rate=100, epochs=5)
    result = run("train", write_project(tmp_path, document, "steep.nnproj"), "--quiet")
    # The numbers stay finite, so the run finishes; the warning says the result is no good.
    assert result.returncode == 0
    assert "nnstudio: warning: The training loss rose from " in result.stderr
    assert "the learning rate is probably too large" in result.stderr


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT cannot be sent to a child there")
@pytest.mark.parametrize(
    ("sent", "named"), [(signal.SIGINT, "Ctrl+C"), (signal.SIGTERM, "SIGTERM")]
)
def test_ctrl_c_stops_cleanly_and_still_saves(tmp_path: Path, sent: int, named: str) -> None:
    # SIGTERM is what kill, timeout and batch schedulers send: the run was lost to it.
    document = dict(XOR_PROJECT, training=dict(XOR_PROJECT["training"], epochs=None))
    source = write_project(tmp_path, document)
    out = tmp_path / "stopped.nnproj"
    process = subprocess.Popen(
        [sys.executable, "-m", "nnstudio", "train", str(source), "--save", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
    )
    assert process.stderr is not None
    # Wait until training runs: the first progress line names an epoch.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith("epoch ") or not line:
            break
    process.send_signal(sent)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == cli.EXIT_INTERRUPTED
    assert "Traceback" not in stderr
    assert f"stopped by {named}" in stderr
    assert stdout.startswith("train: loss ")
    assert load_project(out).weights is not None


# ---- predict -------------------------------------------------------------------------------


def test_predict_matches_the_workflow(trained: Path, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(25, 2))
    lines = ["id,x2,x1,label"] + [
        f"{i},{x2:.17g},{x1:.17g},ignored" for i, (x1, x2) in enumerate(X)
    ]
    (tmp_path / "in.csv").write_text("\n".join(lines) + "\n")
    result = run("predict", trained, "--input", tmp_path / "in.csv")
    assert result.returncode == 0, result.stderr
    header, probabilities, labels = read_csv_text(result.stdout)
    assert header == ["p_0", "p_1", "label"]
    loaded = load_project(trained)
    expected = predict(loaded.project, loaded.weights, X)
    np.testing.assert_allclose(probabilities, expected.probabilities, atol=1e-6)
    assert labels == expected.labels.tolist()


def test_predict_writes_a_file(trained: Path, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("x1,x2\n0.9,-0.8\n-0.9,-0.8\n")
    result = run("predict", trained, "-i", tmp_path / "in.csv", "-o", tmp_path / "out.csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    header, probabilities, _ = read_csv_text((tmp_path / "out.csv").read_text())
    assert header == ["p_0", "p_1", "label"]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_outputs_never_replace_the_files_a_command_reads(
    trained: Path, tmp_path: Path, capsys
) -> None:
    project = tmp_path / "p.nnproj"
    data = tmp_path / "data.csv"
    data.write_text("x1,x2,y\n0.9,-0.8,1\n-0.9,-0.8,0\n")
    document = json.loads(trained.read_text())
    document["data"] = {"csv": "data.csv", "target": ["y"], "task": "classification"}
    document["weights"] = "p.weights.npz"
    project.write_text(json.dumps(document))
    shutil.copy(trained.with_name("trained.weights.npz"), tmp_path / "p.weights.npz")
    query = tmp_path / "in.csv"
    query.write_text("x1,x2\n0.9,-0.8\n")
    cases = [
        (["export", project, "-f", "json", "-o", project], project, "the project file"),
        (
            ["export", project, "-f", "npz", "-o", tmp_path / "p.weights.npz"],
            tmp_path / "p.weights.npz",
            "the project's weights file",
        ),
        (["export", project, "-f", "json", "-o", data], data, "the project's data file"),
        (["predict", project, "-i", query, "-o", project], project, "the project file"),
        (["predict", project, "-i", query, "-o", data], data, "the project's data file"),
        (["predict", project, "-i", query, "-o", query], query, "the input file"),
    ]
    for args, target, what in cases:
        before = target.read_bytes()
        assert cli.main([str(arg) for arg in args]) == cli.EXIT_FAILURE
        assert f"will not write {target}: it is {what}" in capsys.readouterr().err
        assert target.read_bytes() == before
    out = tmp_path / "out.csv"
    out.write_text("old predictions\n")
    assert cli.main(["predict", str(project), "-i", str(query), "-o", str(out)]) == cli.EXIT_OK
    assert out.read_text().startswith("p_0,p_1,label")


def test_a_standardization_that_overflows_float32_is_named(
    trained: Path, tmp_path: Path, capsys
) -> None:
    # A hand-edited std of 1e-300 sent infinities into the network: predict answered with
    # saturated nonsense and training "diverged".
    document = json.loads(trained.read_text())
    document["standardization"] = {"mean": [0.0, 0.0], "std": [1e-300, 1.0]}
    document["feature_names"] = ["x1", "x2"]
    document["data"]["standardize"] = True  # training keeps a stored standardisation then
    project = tmp_path / "trained.nnproj"
    project.write_text(json.dumps(document))
    shutil.copy(trained.with_name("trained.weights.npz"), tmp_path)
    (tmp_path / "in.csv").write_text("x1,x2\n0,1\n0.5,1\n")
    assert cli.main(["predict", str(project), "-i", str(tmp_path / "in.csv")]) == 1
    err = capsys.readouterr().err
    assert (
        "error: row 2 of the inputs, input 'x1': the project's standardization (mean 0, std "
        "1e-300) turns 0.5 into 5e+299, beyond float32" in err
    )
    assert cli.main(["train", str(project), "--epochs", "1", "-q"]) == 1
    assert "error: a training example, input 'x1': the project's standardization" in (
        capsys.readouterr().err
    )


def test_closed_or_full_standard_streams(
    trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    (tmp_path / "in.csv").write_text("x1,x2\n0.9,-0.8\n")
    predict_args = ["predict", str(trained), "-i", str(tmp_path / "in.csv")]

    class FullDisk(io.StringIO):
        def flush(self) -> None:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(sys, "stdout", FullDisk())
    assert cli.main(predict_args) == cli.EXIT_FAILURE
    assert capsys.readouterr().err == (
        "nnstudio: error: cannot write the predictions to standard output: No space left on "
        "device\n"
    )
    # The trained project is saved before the metrics are printed, so a full disk loses
    # no run.
    out = tmp_path / "out.nnproj"
    assert cli.main(["train", str(trained), "--epochs", "1", "--save", str(out)]) == 1
    assert "error: cannot write the metrics to standard output" in capsys.readouterr().err
    assert load_project(out).weights is not None
    monkeypatch.setattr(sys, "stdout", None)  # started with >&-
    assert cli.main(predict_args) == cli.EXIT_FAILURE
    assert "error: standard output is closed; write the predictions to a file with -o FILE" in (
        capsys.readouterr().err
    )
    monkeypatch.setattr(sys, "stderr", None)  # started with 2>&-: training still runs
    assert cli.main(["train", str(trained), "--epochs", "1"]) == cli.EXIT_OK
    # Standard error on a full disk (2> /dev/full): its notes and progress line failed, and
    # the run stopped before it was saved.
    monkeypatch.setattr(sys, "stderr", FullDisk())
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    out.unlink()
    assert cli.main(["train", str(trained), "--epochs", "3", "--save", str(out)]) == 0
    assert load_project(out).weights is not None


def test_predict_multiclass_and_regression(tmp_path: Path, capsys) -> None:
    spiral = write_project(tmp_path, SPIRAL_PROJECT, "spiral.nnproj")
    assert cli.main(["train", str(spiral), "--quiet", "--save", str(tmp_path / "s.nnproj")]) == 0
    (tmp_path / "in.csv").write_text("x1,x2\n0.1,0.2\n-0.5,0.4\n")
    capsys.readouterr()
    assert (
        cli.main(["predict", str(tmp_path / "s.nnproj"), "--input", str(tmp_path / "in.csv")]) == 0
    )
    header, probabilities, labels = read_csv_text(capsys.readouterr().out)
    assert header == ["p_0", "p_1", "p_2", "label"]
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)
    assert labels == [str(i) for i in np.argmax(probabilities, axis=1)]

    sine = {
        "nnstudio": 1,
        "name": "sine",
        "data": {"builtin": "sine", "samples": 40},
        "network": {
            "inputs": 1,
            "layers": [{"units": 4, "activation": "tanh"}, {"units": 1, "activation": "identity"}],
        },
        "loss": "mse",
        "training": {"optimizer": "adam", "learning_rate": 0.01, "epochs": 3},
    }
    source = write_project(tmp_path, sine, "sine.nnproj")
    assert cli.main(["train", str(source), "--quiet", "--save", str(tmp_path / "r.nnproj")]) == 0
    out = capsys.readouterr().out
    assert "RMSE" in out and "R²" in out
    (tmp_path / "x.csv").write_text("x\n0.5\n1.5\n")
    assert (
        cli.main(["predict", str(tmp_path / "r.nnproj"), "--input", str(tmp_path / "x.csv")]) == 0
    )
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["y"]
    assert len(rows) == 3


#: People without a header row: name, age, height and whether they like tea.
PEOPLE_ROWS = [
    ("Ann", 23, 170, "no"),
    ("Bob", 61, 182, "yes"),
    ("Cid", 45, 175, "yes"),
    ("Dee", 19, 160, "no"),
    ("Eve", 53, 166, "no"),
    ("Gus", 69, 184, "yes"),
    ("Hal", 38, 156, "no"),
    ("Ida", 72, 171, "yes"),
]


def headerless_project(folder: Path, capsys) -> Path:
    """A project trained on a CSV file read without a header ("column 2", "column 3" in)."""
    lines = [",".join(map(str, row)) for row in PEOPLE_ROWS]
    (folder / "people.csv").write_text("\n".join(lines) + "\n")
    document = {
        **XOR_PROJECT,
        "name": "people",
        "data": {
            "csv": "people.csv",
            "target": ["column 4"],
            "task": "classification",
            "features": ["column 2", "column 3"],
            "header": False,
        },
    }
    source = write_project(folder, document, "people.nnproj")
    saved = folder / "people-trained.nnproj"
    assert cli.main(["train", str(source), "--quiet", "--epochs", "3", "--save", str(saved)]) == 0
    capsys.readouterr()
    return saved


def test_predict_reads_a_headerless_input_as_the_project_reads_its_data(
    tmp_path: Path, capsys
) -> None:
    project = headerless_project(tmp_path, capsys)
    loaded = load_project(project)
    expected = predict(
        loaded.project, loaded.weights, np.array([row[1:3] for row in PEOPLE_ROWS], float)
    )
    # As laid out in the data file (its target column too), and without the target.
    full = "\n".join(",".join(map(str, row)) for row in PEOPLE_ROWS) + "\n"
    short = "\n".join(",".join(map(str, row[:3])) for row in PEOPLE_ROWS) + "\n"
    for name, text in (("full.csv", full), ("short.csv", short)):
        (tmp_path / name).write_text(text)
        assert cli.main(["predict", str(project), "-i", str(tmp_path / name)]) == 0, name
        header, probabilities, labels = read_csv_text(capsys.readouterr().out)
        assert header == ["p_no", "p_yes", "label"]
        # Every line is a row, the first one too.
        assert len(labels) == len(PEOPLE_ROWS)
        np.testing.assert_allclose(probabilities, expected.probabilities, rtol=1e-6)
        assert labels == list(expected.labels)
    # Standard input is read the same way.
    result = run("predict", project, "-i", "-", stdin=short)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == len(PEOPLE_ROWS) + 1


def test_predict_header_option_overrides_the_project(trained: Path, tmp_path: Path, capsys) -> None:
    project = headerless_project(tmp_path, capsys)
    named = tmp_path / "named.csv"
    named.write_text("name,column 2,column 3\nAnn,23,170\nBob,61,182\n")
    assert cli.main(["predict", str(project), "-i", str(named), "--header"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 3
    # Read without a header as the project says, the names are a row: --header is suggested.
    assert cli.main(["predict", str(project), "-i", str(named)]) == cli.EXIT_FAILURE
    error = capsys.readouterr().err.strip()
    assert "\n" not in error
    assert "named.csv: line 1, column 'column 2'" in error
    assert error.endswith("if line 1 names the columns, pass --header")
    # --header on a file without one: its first row cannot name the features.
    bare = tmp_path / "bare.csv"
    bare.write_text("Ann,23,170\nBob,61,182\n")
    result = run("predict", project, "-i", bare, "--header")
    assert_clean_failure(
        result,
        "bare.csv lacks the feature columns column 2, column 3 (the project needs column 2, "
        "column 3; --no-header takes them by position)",
    )
    # A project whose data has a header names its features: --no-header cannot find them.
    (tmp_path / "xy.csv").write_text("0.9,-0.8\n-0.9,-0.8\n")
    result = run("predict", trained, "-i", tmp_path / "xy.csv", "--no-header")
    assert_clean_failure(
        result,
        "--no-header reads xy.csv without column names, but trained.nnproj names its features "
        "(x1, x2); add a header row naming them to the input and leave out --no-header",
    )


def test_predict_names_a_headerless_input_with_too_few_columns(tmp_path: Path, capsys) -> None:
    project = headerless_project(tmp_path, capsys)
    (tmp_path / "two.csv").write_text("23,170\n61,182\n")
    result = run("predict", project, "-i", tmp_path / "two.csv")
    assert_clean_failure(
        result,
        "two.csv: has 2 columns and no header row, but people-trained.nnproj takes its features "
        "from columns 2 and 3 (as in its data, which has no header row either); give each line "
        "as laid out in the project's data, with at least 3 columns",
    )
    assert result.stdout == ""


def test_predict_names_missing_feature_columns(trained: Path, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("x1,z\n1,2\n")
    result = run("predict", trained, "--input", tmp_path / "in.csv")
    assert_clean_failure(result, "in.csv lacks the feature column x2 (the project needs x1, x2)")


def test_predict_reports_bad_cells(trained: Path, tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("x1,x2\n1,2\n3,abc\n")
    result = run("predict", trained, "--input", tmp_path / "in.csv")
    assert_clean_failure(result, "in.csv: line 3, column 'x2': 'abc' is not a number")


def test_predict_needs_trained_weights(tmp_path: Path) -> None:
    source = write_project(tmp_path, XOR_PROJECT)
    (tmp_path / "in.csv").write_text("x1,x2\n1,2\n")
    result = run("predict", source, "--input", tmp_path / "in.csv")
    assert_clean_failure(result, "xor.nnproj holds no trained weights")
    assert "nnstudio train" in result.stderr


def test_predict_reads_standard_input_and_writes_standard_output(
    trained: Path, tmp_path: Path
) -> None:
    text = "x1;x2\n0.9;-0.8\n-0.9;-0.8\n"
    (tmp_path / "in.csv").write_text(text)
    expected = run("predict", trained, "-i", tmp_path / "in.csv")
    assert expected.returncode == 0, expected.stderr
    result = run("predict", trained, "-i", "-", "-o", "-", cwd=tmp_path, stdin=text)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.stdout
    assert result.stderr == ""
    assert not (tmp_path / "-").exists()


def test_predict_names_standard_input_in_its_messages(trained: Path) -> None:
    result = run("predict", trained, "-i", "-", stdin="x1,x2\n1,2\n3,abc\n")
    assert_clean_failure(result, "stdin: line 3, column 'x2': 'abc' is not a number")


def _predict_input(folder: Path, *, compressed: bool) -> Path:
    """A CSV file of inputs for the XOR project, gzip-compressed or not."""
    rng = np.random.default_rng(5)
    lines = ["x2,x1"] + [f"{x2:.17g},{x1:.17g}" for x1, x2 in rng.uniform(-1, 1, size=(40, 2))]
    data = ("\n".join(lines) + "\n").encode()
    path = folder / ("in.csv.gz" if compressed else "in.csv")
    path.write_bytes(gzip.compress(data) if compressed else data)
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need mkfifo")
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_predict_reads_a_named_pipe(trained: Path, tmp_path: Path, compressed: bool) -> None:
    source = _predict_input(tmp_path, compressed=compressed)
    expected = run("predict", trained, "-i", source)
    assert expected.returncode == 0, expected.stderr
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    copy = "import sys; open(sys.argv[2], 'wb').write(open(sys.argv[1], 'rb').read())"
    writer = subprocess.Popen([sys.executable, "-c", copy, str(source), str(fifo)])
    try:
        # A reader that opened the pipe twice would wait for a second writer: time out soon.
        result = run("predict", trained, "-i", fifo, timeout=60)
    finally:
        if writer.poll() is None:
            writer.kill()
        writer.wait()
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.stdout
    assert result.stderr == ""


@pytest.mark.skipif(not Path("/dev/stdin").exists(), reason="needs /dev/stdin")
def test_predict_reads_dev_stdin_like_standard_input(trained: Path, tmp_path: Path) -> None:
    source = _predict_input(tmp_path, compressed=False)
    expected = run("predict", trained, "-i", source)
    assert expected.returncode == 0, expected.stderr
    text = source.read_text()
    # subprocess feeds ``stdin`` through a pipe, which cannot seek.
    result = run("predict", trained, "-i", "/dev/stdin", stdin=text)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.stdout
    assert result.stdout == run("predict", trained, "-i", "-", stdin=text).stdout
    result = run("predict", trained, "-i", "/dev/stdin", stdin="x1,x2\n1,2\n3,abc\n")
    assert_clean_failure(result, "stdin: line 3, column 'x2': 'abc' is not a number")


def _predict_through_process_substitution(
    trained: Path, source: Path
) -> subprocess.CompletedProcess[str]:
    """``nnstudio predict TRAINED -i <(cat SOURCE)`` run by bash."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env.pop("NNSTUDIO_DEBUG", None)
    script = '"$0" -m nnstudio predict "$1" -i <(cat "$2")'
    return subprocess.run(
        ["bash", "-c", script, sys.executable, str(trained), str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_predict_reads_a_process_substitution(
    trained: Path, tmp_path: Path, compressed: bool
) -> None:
    source = _predict_input(tmp_path, compressed=compressed)
    expected = run("predict", trained, "-i", source)
    assert expected.returncode == 0, expected.stderr
    result = _predict_through_process_substitution(trained, source)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected.stdout


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_predict_names_a_process_substitution_by_its_path(trained: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("x1,x2\n1,2\n3,abc\n")
    result = _predict_through_process_substitution(trained, bad)
    # bash passes /dev/fd/N; its bare name, a number, would not tell the user which input.
    assert_clean_failure(result, "line 3, column 'x2': 'abc' is not a number")
    assert re.search(r"error: /dev/fd/\d+: line 3", result.stderr), result.stderr


@pytest.mark.skipif(not Path("/proc/self/fd/1").exists(), reason="needs /proc")
def test_output_to_a_standard_stream_redirected_to_a_file(trained: Path, tmp_path: Path) -> None:
    # Like -o /dev/stdout with > out.csv: the link stats as a regular file, and a file renamed
    # over it replaced the link (as root, /dev/stdout itself) and left out.csv empty.
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")
    (tmp_path / "in.csv").write_text("x1,x2\n0.9,-0.8\n")
    for args, out in (
        (["predict", trained, "-i", tmp_path / "in.csv", "-o", link], tmp_path / "p.csv"),
        (["export", trained, "-f", "onnx", "-o", link], tmp_path / "m.onnx"),
    ):
        with open(out, "wb") as stream:
            result = subprocess.run(
                [sys.executable, "-m", "nnstudio", *map(str, args)],
                stdout=stream,
                stderr=subprocess.PIPE,
                text=True,
                check=False,
            )
        assert result.returncode == 0, result.stderr
        assert link.is_symlink()
        assert out.stat().st_size > 0
    assert (tmp_path / "p.csv").read_text().startswith("p_0,p_1,label\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "in.csv",
        "m.onnx",
        "p.csv",
        "stdout",
    ]


def test_predict_counts_what_it_wrote(trained: Path, tmp_path: Path, capsys) -> None:
    (tmp_path / "in.csv").write_text("x1,x2\n0.9,-0.8\n")
    output = tmp_path / "out.csv"
    assert (
        cli.main(["predict", str(trained), "-i", str(tmp_path / "in.csv"), "-o", str(output)]) == 0
    )
    assert capsys.readouterr().err == f"nnstudio: wrote 1 prediction to {output}\n"


def test_predict_on_a_terminal_shows_the_input_being_read_and_counts_with_separators(
    trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nnstudio.data import csv as csv_module

    rows = np.random.default_rng(0).uniform(-1, 1, size=(1500, 2))
    (tmp_path / "in.csv").write_text(
        "x1,x2\n" + "".join(f"{a:.3f},{b:.3f}\n" for a, b in rows), encoding="utf-8"
    )
    monkeypatch.setattr(cli, "_READING_DELAY", 0.0)
    monkeypatch.setattr(cli, "_READING_REDRAW", 0.0)
    monkeypatch.setattr(csv_module, "_PARSE_CELLS", 200)  # a report every 100 rows
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    output = tmp_path / "out.csv"
    arguments = ["predict", str(trained), "-i", str(tmp_path / "in.csv"), "-o", str(output)]
    assert cli.main(arguments) == cli.EXIT_OK
    reading, _, rest = terminal.getvalue().rpartition("\r")
    # The file's progress, redrawn in place as the reading goes through it.
    shown = [int(p) for p in re.findall(r"in\.csv: reading numbers (\d+)%", reading)]
    assert len(set(shown)) >= 5 and shown == sorted(shown)
    assert any(40 <= p <= 60 for p in shown) and max(shown) < 100
    assert rest == f"nnstudio: wrote 1,500 predictions to {output}\n"


def _without_data(trained: Path, folder: Path) -> Path:
    """A copy of the trained project whose CSV data file and feature names are missing."""
    document = json.loads(trained.read_text())
    weights = trained.parent / document["weights"]
    (folder / weights.name).write_bytes(weights.read_bytes())
    document["data"] = {"csv": "data.csv", "target": "label", "task": "classification"}
    document.pop("feature_names", None)
    return write_project(folder, document, "nodata.nnproj")


def test_commands_explain_a_missing_data_file(trained: Path, tmp_path: Path) -> None:
    project = _without_data(trained, tmp_path)
    missing = f"its data file data.csv, which is missing ({tmp_path / 'data.csv'})"
    hint = "target column: label), or open the project in the studio"
    for command, why in (("train", "trains on"), ("gradcheck", "checks gradients on")):
        result = run(command, project)
        assert_clean_failure(result, f"nodata.nnproj {why} {missing}")
        assert hint in result.stderr and "Open CSV… in the Data panel" in result.stderr
    (tmp_path / "in.csv").write_text("x1,x2\n1,2\n")
    result = run("predict", project, "-i", tmp_path / "in.csv")
    assert_clean_failure(
        result, f"nodata.nnproj stores no feature names, so its input columns come from {missing}"
    )
    document = json.loads(project.read_text())
    document.pop("weights")
    untrained = write_project(tmp_path, document, "nodata.nnproj")
    result = run("export", untrained, "--untrained", "-o", tmp_path / "w.npz")
    assert_clean_failure(result, f"nodata.nnproj needs for --untrained weights {missing}")


def test_a_missing_headerless_data_file_is_described_without_a_header(
    trained: Path, tmp_path: Path
) -> None:
    project = _without_data(trained, tmp_path)
    document = json.loads(project.read_text())
    document["data"].update(header=False, target="column 3")
    project = write_project(tmp_path, document, "nodata.nnproj")
    result = run("train", project)
    assert_clean_failure(result, "nodata.nnproj trains on its data file data.csv")
    assert "as a CSV file without a header row (target column: column 3)" in result.stderr


# ---- export --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["npz", "json"])
def test_export_writes_the_trained_weights(trained: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"model.{fmt}"
    result = run("export", trained, "--format", fmt, "-o", target)
    assert result.returncode == 0, result.stderr
    loaded = load_project(trained)
    exported = load_weights_file(target, loaded.project.network)
    for (W, b), (W_saved, b_saved) in zip(exported, loaded.weights, strict=True):
        np.testing.assert_allclose(W, W_saved)
        np.testing.assert_allclose(b, b_saved)


@pytest.mark.parametrize(
    ("fmt", "files", "needs"),
    [
        ("onnx", ["model.onnx"], "onnx"),
        ("safetensors", ["model.safetensors"], "safetensors"),
        ("torch", ["model.py", "model.safetensors"], "safetensors"),
        ("python", ["model.py"], None),
    ],
)
def test_export_optional_formats(
    trained: Path, tmp_path: Path, fmt: str, files: list[str], needs: str | None
) -> None:
    if needs is not None:
        pytest.importorskip(needs)
    target = tmp_path / files[0]
    result = run("export", trained, "--format", fmt, "-o", target)
    assert result.returncode == 0, result.stderr
    for name in files:
        assert (tmp_path / name).is_file()
        assert f"wrote {tmp_path / name}" in result.stderr


def test_warm_start_from_safetensors(trained: Path, tmp_path: Path) -> None:
    pytest.importorskip("safetensors")
    target = tmp_path / "w.safetensors"
    assert run("export", trained, "--format", "safetensors", "-o", target).returncode == 0
    loaded = load_project(trained)
    weights = load_weights_file(target, loaded.project.network)
    for (W, b), (W_saved, b_saved) in zip(weights, loaded.weights, strict=True):
        np.testing.assert_allclose(W, W_saved, rtol=1e-6)
        np.testing.assert_allclose(b, b_saved, rtol=1e-6)


def test_export_format_follows_the_suffix(trained: Path, tmp_path: Path) -> None:
    result = run("export", trained, "-o", tmp_path / "model.json")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "model.json").read_text())["format"] == "nnstudio.weights"
    result = run("export", trained, "-o", tmp_path / "model.py")
    assert_clean_failure(result, "cannot tell the export format from 'model.py'; give --format")


@pytest.mark.parametrize(
    ("options", "example"),
    [([], "trained.npz"), (["--format", "onnx"], "trained.onnx")],
)
def test_export_into_a_folder_asks_for_a_file_name(
    trained: Path, tmp_path: Path, options: list[str], example: str, capsys
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    for output in (str(folder), str(folder) + os.sep):
        assert cli.main(["export", str(trained), *options, "-o", output]) == cli.EXIT_FAILURE
        assert capsys.readouterr() == (
            "",
            f"nnstudio: error: {folder} is a folder: give a file name such as {folder / example}\n",
        )
    assert list(folder.iterdir()) == []


def test_export_into_a_missing_folder_named_with_a_separator(
    trained: Path, tmp_path: Path, capsys
) -> None:
    output = str(tmp_path / "new") + os.sep
    assert cli.main(["export", str(trained), "-o", output]) == cli.EXIT_FAILURE
    assert capsys.readouterr().err == (
        f"nnstudio: error: cannot export to {output}: the folder {tmp_path / 'new'} "
        "does not exist\n"
    )


def test_a_file_where_the_output_folder_should_be_is_not_a_folder(
    trained: Path, tmp_path: Path, capsys
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a folder\n")
    cases = [
        (["export", str(trained), "-o", str(notes / "m.npz")], "cannot export to"),
        (["train", str(trained), "--save", str(notes / "x.nnproj")], "cannot write"),
    ]
    for args, failure in cases:
        assert cli.main(args) == cli.EXIT_FAILURE
        output = Path(args[-1])
        assert capsys.readouterr().err == (
            f"nnstudio: error: {failure} {output}: {notes} is not a folder\n"
        )
    assert notes.read_text() == "not a folder\n"


def test_export_refuses_a_suffix_of_another_format(trained: Path, tmp_path: Path, capsys) -> None:
    # ONNX bytes under model.npz: every tool that goes by the suffix would misread the file.
    cases = [
        (
            "onnx",
            "model.npz",
            "model.npz ends in .npz, the suffix of the npz export, but the "
            "format is onnx; name the file model.onnx",
        ),
        ("json", "model.py", "the suffix of the torch and python exports"),
        ("npz", "model.nnproj", "the suffix of nnstudio projects"),
    ]
    for fmt, name, message in cases:
        assert cli.main(["export", str(trained), "-f", fmt, "-o", str(tmp_path / name)]) != 0
        assert message in capsys.readouterr().err
        assert not (tmp_path / name).exists()
    # A suffix no format uses is taken as chosen on purpose.
    for fmt, name in (("npz", "model.bin"), ("json", "model.txt")):
        assert cli.main(["export", str(trained), "-f", fmt, "-o", str(tmp_path / name)]) == 0
        assert (tmp_path / name).is_file()


def test_export_without_weights_suggests_training(tmp_path: Path) -> None:
    source = write_project(tmp_path, XOR_PROJECT)
    result = run("export", source, "--format", "npz", "-o", tmp_path / "m.npz")
    assert_clean_failure(result, "holds no trained weights; train it first with nnstudio train")
    assert not (tmp_path / "m.npz").exists()


def test_export_untrained_writes_initial_weights(tmp_path: Path) -> None:
    source = write_project(tmp_path, XOR_PROJECT)
    result = run("export", source, "--format", "npz", "-o", tmp_path / "m.npz", "--untrained")
    assert result.returncode == 0, result.stderr
    project, network, _ = load_for_training(load_project(source))
    weights = load_weights_file(tmp_path / "m.npz", project.network)
    np.testing.assert_array_equal(weights[0][0], network.weights()[0][0])


def test_export_unknown_format_is_a_usage_error(trained: Path, tmp_path: Path) -> None:
    result = run("export", trained, "--format", "tflite", "-o", tmp_path / "m")
    assert result.returncode == cli.EXIT_USAGE
    assert "invalid choice: 'tflite'" in result.stderr
    assert "Traceback" not in result.stderr


# ---- gradcheck -----------------------------------------------------------------------------


def test_gradcheck_passes_on_a_smooth_network(trained: Path) -> None:
    result = run("gradcheck", trained, "--samples", "8")
    assert result.returncode == 0, result.stderr
    assert "on 8 examples (float64)" in result.stdout
    assert "passed" in result.stdout
    assert result.stderr == ""  # no progress off a terminal


def test_gradcheck_fails_above_tolerance(
    trained: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from nnstudio.engine import gradcheck

    real = gradcheck.gradient_check

    def wrong_gradients(network, X, Y, **kwargs):
        report = real(network, X, Y, **kwargs)
        first = report.layers[0]
        broken = first.__class__(**{**first.__dict__, "weight_error": 3e-4})
        return report.__class__(**{**report.__dict__, "layers": (broken, *report.layers[1:])})

    monkeypatch.setattr(gradcheck, "gradient_check", wrong_gradients)
    assert cli.main(["gradcheck", str(trained)]) == cli.EXIT_FAILURE
    captured = capsys.readouterr()
    assert "FAIL" in captured.out
    assert "nnstudio: error: gradient check failed: largest relative error 3.000e-04" in (
        captured.err
    )


@pytest.fixture
def gradcheck_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every gradient check run from now on (each still runs)."""
    from nnstudio.engine import gradcheck

    calls: list[dict[str, Any]] = []
    real = gradcheck.gradient_check

    def recording(network, X, Y, **kwargs):
        calls.append(kwargs)
        return real(network, X, Y, **kwargs)

    monkeypatch.setattr(gradcheck, "gradient_check", recording)
    return calls


def test_gradcheck_takes_its_step_from_the_command_line(
    trained: Path, gradcheck_calls: list[dict[str, Any]]
) -> None:
    assert cli.main(["gradcheck", str(trained), "--samples", "4", "--epsilon", "1e-3"]) == 0
    assert cli.main(["gradcheck", str(trained), "--samples", "4"]) == 0
    steps = [call["epsilon"] for call in gradcheck_calls]
    assert steps == [1e-3, 1e-6]


def test_gradcheck_takes_the_lecture_notes_step(samples_dir: Path) -> None:
    # The notes' worked example uses ε = 0.01; its ε² truncation error must not fail xor.
    result = run("gradcheck", samples_dir / "xor.nnproj", "--epsilon", "0.01")
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert "passed (tolerance 0.0001, epsilon 0.01)" in result.stdout


@pytest.mark.parametrize("step", ["0", "-1e-6", "0.02", "0.5", "1e-12", "nan", "tiny"])
def test_gradcheck_refuses_a_step_it_cannot_use(trained: Path, step: str) -> None:
    result = run("gradcheck", trained, "--epsilon", step)
    assert result.returncode == cli.EXIT_USAGE
    assert "argument --epsilon: expected" in result.stderr
    assert "Traceback" not in result.stderr


class FakeTerminal(io.StringIO):
    """Standard error as a terminal: progress lines are drawn in place on it."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def every_update(monkeypatch: pytest.MonkeyPatch) -> None:
    """The gradient check reports every entry and the progress line shows every report."""
    from nnstudio.engine import gradcheck

    monkeypatch.setattr(gradcheck, "PROGRESS_INTERVAL", 0.0)
    monkeypatch.setattr(cli, "_GRADCHECK_REDRAW", 0.0)


def test_gradcheck_on_a_terminal_shows_its_progress_then_the_report(
    trained: Path, monkeypatch: pytest.MonkeyPatch, capsys, every_update: None
) -> None:
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["gradcheck", str(trained), "--samples", "8"]) == cli.EXIT_OK
    drawn = terminal.getvalue().split("\r")
    # One line, redrawn in place, and blanked before the report: nothing is left on it.
    assert "\n" not in terminal.getvalue()
    assert drawn[0] == "" and drawn[-1] == "" and drawn[-2].strip() == ""
    shown = [line.rstrip() for line in drawn[1:-2]]
    assert shown[0].startswith("checking layer 1/2 weights 0/12  0%  elapsed ")
    assert any(line.startswith("checking layer 1/2 biases 3/6  ") for line in shown)
    assert any(line.startswith("checking layer 2/2 weights 6/6  ") for line in shown)
    assert shown[-1].startswith("checking layer 2/2 biases 1/1  100%  elapsed ")
    percents = [int(re.search(r"(\d+)%", line).group(1)) for line in shown]
    assert percents == sorted(percents) and percents[-1] == 100
    report = capsys.readouterr().out
    assert report.startswith("gradient check of 2-6(tanh)-1(sigmoid) on 8 examples (float64)\n")
    assert "passed" in report


def test_reading_a_projects_data_shows_its_progress_on_a_terminal_then_erases_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, samples_dir: Path
) -> None:
    from nnstudio.data import csv as csv_module

    for name in ("iris.nnproj", "iris.csv"):
        (tmp_path / name).write_bytes((samples_dir / name).read_bytes())
    monkeypatch.setattr(cli, "_READING_DELAY", 0.0)
    monkeypatch.setattr(cli, "_READING_REDRAW", 0.0)
    monkeypatch.setattr(csv_module, "_CHUNK_ROWS", 10)  # a report every 10 rows
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["train", str(tmp_path / "iris.nnproj"), "--epochs", "0"]) == cli.EXIT_OK
    text = terminal.getvalue()
    reading, _, rest = text.rpartition("\r")
    drawn = [line.rstrip() for line in reading.split("\r") if line.strip()]
    assert drawn and all(line.startswith("iris.csv: ") for line in drawn)
    percents = [int(re.search(r"(\d+)%$", line).group(1)) for line in drawn]
    assert percents == sorted(percents) and percents[-1] >= 90
    # Blanked before the command's own lines, which start at the beginning of a line.
    assert reading.split("\r")[-1].strip() == ""
    assert rest.startswith("nnstudio: training ")


def test_reading_off_a_terminal_prints_no_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, samples_dir: Path
) -> None:
    for name in ("iris.nnproj", "iris.csv"):
        (tmp_path / name).write_bytes((samples_dir / name).read_bytes())
    monkeypatch.setattr(cli, "_READING_DELAY", 0.0)
    assert cli.main(["train", str(tmp_path / "iris.nnproj"), "--epochs", "0"]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "\r" not in err and "%" not in err.split("\n")[0]


def test_gradcheck_off_a_terminal_adds_nothing_to_the_report(
    trained: Path, monkeypatch: pytest.MonkeyPatch, capsys, every_update: None
) -> None:
    assert cli.main(["gradcheck", str(trained), "--samples", "8"]) == cli.EXIT_OK
    on_terminal = capsys.readouterr().out
    pipe = io.StringIO()
    monkeypatch.setattr(sys, "stderr", pipe)
    assert cli.main(["gradcheck", str(trained), "--samples", "8"]) == cli.EXIT_OK
    assert pipe.getvalue() == ""
    assert capsys.readouterr().out == on_terminal


def _interrupted_check(monkeypatch: pytest.MonkeyPatch, interrupt: Callable[[], None]) -> None:
    """Make the gradient check call ``interrupt`` as it starts on the second layer."""
    from nnstudio.engine import gradcheck

    real = gradcheck.gradient_check

    def check(network, X, Y, *, progress, **kwargs):
        def report(where: gradcheck.GradCheckProgress) -> None:
            progress(where)
            if (where.layer, where.tensor, where.done) == (2, "W", 0):
                interrupt()

        return real(network, X, Y, progress=report, **kwargs)

    monkeypatch.setattr(gradcheck, "gradient_check", check)


@pytest.mark.skipif(sys.platform == "win32", reason="a process cannot signal itself there")
@pytest.mark.parametrize(
    ("sent", "named"), [(signal.SIGINT, "Ctrl+C"), (signal.SIGTERM, "SIGTERM")]
)
def test_gradcheck_stopped_by_ctrl_c_says_where_in_one_line(
    trained: Path, monkeypatch: pytest.MonkeyPatch, capsys, every_update: None, sent, named
) -> None:
    _interrupted_check(monkeypatch, lambda: os.kill(os.getpid(), sent))
    before = signal.getsignal(sent)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["gradcheck", str(trained), "--samples", "8"]) == cli.EXIT_INTERRUPTED
    progress, _, message = terminal.getvalue().rpartition("\r")
    assert "checking layer 2/2 weights 0/6" in progress
    assert message == (
        f"nnstudio: error: gradient check stopped by {named} while checking layer 2 of 2: "
        "no report\n"
    )
    assert capsys.readouterr().out == ""
    assert signal.getsignal(sent) is before


def test_gradcheck_aborted_by_a_second_ctrl_c_clears_the_line_first(
    trained: Path, monkeypatch: pytest.MonkeyPatch, capsys, every_update: None
) -> None:
    def abort() -> None:
        raise KeyboardInterrupt

    _interrupted_check(monkeypatch, abort)
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert cli.main(["gradcheck", str(trained), "--samples", "8"]) == cli.EXIT_INTERRUPTED
    progress, _, message = terminal.getvalue().rpartition("\r")
    assert progress.split("\r")[-1].strip() == ""  # the progress line was blanked
    assert message == "nnstudio: error: interrupted\n"
    assert capsys.readouterr().out == ""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_ctrl_c_stops_a_long_gradient_check_on_a_terminal(tmp_path: Path) -> None:
    # Wide layers on many examples: the check would take many seconds to finish.
    document = dict(
        XOR_PROJECT,
        data={"builtin": "xor", "samples": 600, "noise": 0.1, "seed": 1},
        network={
            "inputs": 2,
            "layers": [
                {"units": 512, "activation": "tanh"},
                {"units": 512, "activation": "tanh"},
                {"units": 1, "activation": "sigmoid"},
            ],
        },
    )
    source = write_project(tmp_path, document)
    controller, terminal = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "nnstudio", "gradcheck", str(source), "--samples", "500"],
        stdout=subprocess.PIPE,
        stderr=terminal,
        text=True,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
    )
    os.close(terminal)
    shown = b""
    try:
        deadline = time.monotonic() + 60
        while b"checking layer 1/3 weights" not in shown and time.monotonic() < deadline:
            if select.select([controller], [], [], 0.5)[0]:
                shown += os.read(controller, 4096)
        assert b"checking layer 1/3 weights" in shown, shown
        process.send_signal(signal.SIGINT)
        stdout, _ = process.communicate(timeout=60)
        while True:
            try:
                more = os.read(controller, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not more:
                break
            shown += more
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    assert process.returncode == cli.EXIT_INTERRUPTED
    text = shown.decode()
    assert "Traceback" not in text and stdout == ""
    assert text.rstrip().endswith(
        "\rnnstudio: error: gradient check stopped by Ctrl+C while checking layer 1 of 3: no report"
    )


# ---- bad input -----------------------------------------------------------------------------


def test_missing_project_file(tmp_path: Path) -> None:
    for command in ("train", "gradcheck"):
        result = run(command, tmp_path / "nothing.nnproj")
        assert_clean_failure(result, "nothing.nnproj does not exist")


def test_invalid_json_project(tmp_path: Path) -> None:
    (tmp_path / "bad.nnproj").write_text('{"nnstudio": 1,\n  "name": }')
    result = run("train", tmp_path / "bad.nnproj")
    assert_clean_failure(result, "bad.nnproj is not valid JSON")
    assert "line 2, column 11" in result.stderr


def test_invalid_project_lists_problems(tmp_path: Path) -> None:
    document = json.loads(json.dumps(XOR_PROJECT))
    document["network"]["layers"][1]["activation"] = "sigmoidal"
    source = write_project(tmp_path, document, "bad.nnproj")
    result = run("export", source, "--format", "npz", "-o", tmp_path / "m.npz")
    assert_clean_failure(result, "bad.nnproj is not a valid project")
    assert "network.layers[1].activation: unknown 'sigmoidal'" in result.stderr


def test_bad_csv_data(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a,b,kind\n1,2,x\n3\n")
    document = dict(
        XOR_PROJECT, data={"csv": "data.csv", "target": "kind", "task": "classification"}
    )
    source = write_project(tmp_path, document)
    result = run("train", source)
    assert_clean_failure(result, "data.csv: line 3 has 1 field, the header has 3")


def test_train_names_the_line_of_a_number_beyond_float32(tmp_path: Path, capsys) -> None:
    rows = "".join(f"{i % 3},{i % 2},{'xy'[i % 2]}\n" for i in range(20))
    (tmp_path / "data.csv").write_text("a,b,kind\n" + rows + "1e39,0,x\n")
    document = dict(
        XOR_PROJECT, data={"csv": "data.csv", "target": "kind", "task": "classification"}
    )
    source = write_project(tmp_path, document)
    assert cli.main(["train", str(source), "-q"]) == cli.EXIT_FAILURE
    assert (
        "error: data.csv: line 22, column 'a': 1e39 is too large for float32 training"
        in capsys.readouterr().err
    )
    # The gradient check works in float64 and has no reason to refuse it.
    assert cli.main(["gradcheck", str(source), "--samples", "2"]) == cli.EXIT_OK


def test_studio_with_a_missing_project(tmp_path: Path) -> None:
    result = run(tmp_path / "absent.nnproj")
    assert_clean_failure(result, "absent.nnproj does not exist")


def test_shot_validates_its_size(tmp_path: Path, trained: Path) -> None:
    result = run("shot", trained, "-o", tmp_path / "s.png", "--size", "wide")
    assert result.returncode == cli.EXIT_USAGE
    assert "expected WIDTHxHEIGHT" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_shot_says_only_what_it_wrote(tmp_path: Path, trained: Path) -> None:
    # Offscreen, Qt notes that the platform cannot raise windows or take size hints; a
    # screenshot command has nothing to say about that.
    output = tmp_path / "s.png"
    result = run("shot", trained, "-o", output, "--size", "900x700", "--train-epochs", "2")
    assert result.returncode == 0, result.stderr
    assert output.stat().st_size > 10_000
    assert result.stderr == f"nnstudio: wrote {output}\n"


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--epochs", "1_0", "argument --epochs: expected a whole number, got '1_0'"),
        ("--epochs", "\u0661", "argument --epochs: expected a whole number, got '\u0661'"),
        ("--threads", "1_6", "argument --threads: expected 'auto' or a whole number, got '1_6'"),
        ("--epochs", "9" * 5000, "argument --epochs: expected a whole number, got one of 5000"),
        ("--seed", "x" * 500, "--seed: expected a whole number, got '" + "x" * 40 + "...'"),
    ],
)
def test_numbers_are_plain_digits(
    trained: Path, option: str, value: str, message: str, capsys
) -> None:
    # int() reads "1_0" as 10 and Arabic-Indic digits as numbers: a typo would run silently.
    assert cli.main(["train", str(trained), option, value]) == cli.EXIT_USAGE
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--epochs", "100000001", "--epochs: expected at most 100,000,000 epochs, got 100,000,001"),
        (
            "--seed",
            "99999999999999999999999",
            "--seed: expected a seed from 0 to 9223372036854775807, got '99999999999999999999999'",
        ),
    ],
)
def test_epoch_and_seed_limits_are_usage_errors_before_anything_is_read(
    tmp_path: Path, option: str, value: str, message: str, capsys
) -> None:
    # Refused only once the data had been read and "training ..." printed, unlike the other
    # bad arguments: a project that does not even exist shows that nothing is read first.
    missing = tmp_path / "missing.nnproj"
    assert cli.main(["train", str(missing), option, value]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert message in err and "missing.nnproj" not in err


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["train", "{p}", "--epochs", "1", "--save", ""], "--save"),
        (["train", "{p}", "--epochs", "1", "--weights", ""], "--weights"),
        (["train", ""], "PROJECT"),
        (["export", "{p}", "-f", "npz", "-o", ""], "-o/--output"),
        (["predict", "{p}", "-i", "", "-o", "out.csv"], "--input"),
        (["predict", "{p}", "-i", "in.csv", "-o", ""], "-o/--output"),
        (["import", "", "-o", "x.nnproj"], "MODEL.onnx"),
    ],
)
def test_empty_file_names_are_usage_errors(
    trained: Path, args: list[str], option: str, capsys
) -> None:
    # An unset shell variable (--save "$OUT") trained and saved nothing, and exited 0.
    command = [arg.format(p=trained) for arg in args]
    assert cli.main(command) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err == (
        f"nnstudio {args[0]}: error: {option} is an empty file name "
        f"(see nnstudio {args[0]} --help)\n"
    )


def test_parse_size() -> None:
    assert cli.parse_size("1600x1000") == (1600, 1000)
    assert cli.parse_size(" 800 X 600 ") == (800, 600)
    with pytest.raises(Exception, match="between 200 and 8000"):
        cli.parse_size("10x10")


@pytest.mark.parametrize("command", cli.COMMANDS)
def test_usage_errors_and_help_name_the_command(command: str, capsys) -> None:
    assert cli.main([command]) == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith(f"nnstudio {command}: error: the following arguments are required: ")
    assert err.endswith(f" (see nnstudio {command} --help)\n")
    assert err.count("\n") == 1
    assert cli.main([command, "--help"]) == cli.EXIT_OK
    assert capsys.readouterr().out.startswith(f"usage: nnstudio {command} [-h]")


def test_project_outputs_name_the_option_used(trained: Path, tmp_path: Path, capsys) -> None:
    model = tmp_path / "model.onnx"
    model.write_bytes(b"not read")
    assert cli.main(["import", str(model), "-o", str(tmp_path / "x.json")]) == cli.EXIT_FAILURE
    assert "error: -o/--output needs a .nnproj file name, not x.json" in capsys.readouterr().err
    assert cli.main(["train", str(trained), "--save", "x.json"]) == cli.EXIT_FAILURE
    assert "error: --save needs a .nnproj file name, not x.json" in capsys.readouterr().err


@pytest.mark.parametrize("folder", ["out.nnproj", "out.weights.npz"])
def test_a_folder_in_the_way_of_a_save_is_found_before_training(
    trained: Path, tmp_path: Path, folder: str, capsys
) -> None:
    (tmp_path / folder).mkdir()
    out = str(tmp_path / "out.nnproj")
    assert cli.main(["train", str(trained), "--save", out]) == cli.EXIT_FAILURE
    assert capsys.readouterr() == (
        "",
        f"nnstudio: error: cannot write {tmp_path / folder}: it is a folder\n",
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == [folder]


def test_a_read_only_folder_for_a_save_is_found_before_training(
    trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # Simulated: as root every folder is writable.
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) != tmp_path)
    out = tmp_path / "out.nnproj"
    assert cli.main(["train", str(trained), "--save", str(out)]) == cli.EXIT_FAILURE
    assert capsys.readouterr() == (
        "",
        f"nnstudio: error: cannot write {out}: the folder {tmp_path} is not writable\n",
    )


@pytest.mark.parametrize("count", ["-3", "0"])
def test_sample_count_message_states_the_rule(trained: Path, count: str, capsys) -> None:
    assert cli.main(["gradcheck", str(trained), "--samples", count]) == cli.EXIT_USAGE
    assert f"argument --samples: expected 1 or more, got '{count}'" in capsys.readouterr().err


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip().startswith("nnstudio 0.")


def test_unexpected_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    def broken(_args):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setitem(cli._HANDLERS, "gradcheck", broken)
    monkeypatch.delenv("NNSTUDIO_DEBUG", raising=False)
    assert cli.main(["gradcheck", "x.nnproj"]) == cli.EXIT_FAILURE
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("nnstudio: error: unexpected ZeroDivisionError: division by zero")


def test_import_reports_a_missing_model(tmp_path: Path) -> None:
    result = run("import", tmp_path / "model.onnx", "-o", tmp_path / "m.nnproj")
    assert_clean_failure(result, "model.onnx does not exist")
    (tmp_path / "folder.onnx").mkdir()
    result = run("import", tmp_path / "folder.onnx", "-o", tmp_path / "m.nnproj")
    assert_clean_failure(result, "folder.onnx is a folder, not an ONNX model file")


def test_import_names_metadata_nested_too_deeply(trained: Path, tmp_path: Path, capsys) -> None:
    onnx = pytest.importorskip("onnx")
    model = tmp_path / "model.onnx"
    assert cli.main(["export", str(trained), "-o", str(model)]) == cli.EXIT_OK
    proto = onnx.load(str(model))
    for entry in proto.metadata_props:
        if entry.key == "activations":
            entry.value = "[" * 5000 + "]" * 5000
    onnx.save(proto, str(model))
    assert cli.main(["import", str(model), "-o", str(tmp_path / "x.nnproj")]) == 1
    assert (
        "metadata entry 'activations' is not valid JSON (nested too deeply to read)"
        in capsys.readouterr().err
    )


@pytest.mark.interop
def test_onnx_export_then_import_round_trips(trained: Path, tmp_path: Path) -> None:
    pytest.importorskip("onnx")
    pytest.importorskip("nnstudio.io.onnx_io")
    model = tmp_path / "model.onnx"
    result = run("export", trained, "--format", "onnx", "-o", model)
    assert result.returncode == 0, result.stderr
    result = run("import", model, "-o", tmp_path / "imported.nnproj")
    assert result.returncode == 0, result.stderr
    imported = load_project(tmp_path / "imported.nnproj")
    original = load_project(trained)
    assert imported.project.network.sizes == original.project.network.sizes
    for (W, b), (W_saved, b_saved) in zip(imported.weights, original.weights, strict=True):
        np.testing.assert_allclose(W, W_saved, rtol=1e-6)
        np.testing.assert_allclose(b, b_saved, rtol=1e-6)


@pytest.mark.interop
def test_a_foreign_onnx_model_predicts_right_after_import(tmp_path: Path) -> None:
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    helper, FLOAT = onnx.helper, onnx.TensorProto.FLOAT
    rng = np.random.default_rng(7)
    W1, b1, W2 = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=(5, 1))
    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["x", "W1", "b1"], ["z1"]),
            helper.make_node("Tanh", ["z1"], ["a1"]),
            helper.make_node("Gemm", ["a1", "W2"], ["y"]),
        ],
        "foreign",
        [helper.make_tensor_value_info("x", FLOAT, ["n", 3])],
        [helper.make_tensor_value_info("y", FLOAT, ["n", 1])],
        initializer=[
            onnx.numpy_helper.from_array(np.float32(a), name)
            for name, a in (("W1", W1), ("b1", b1), ("W2", W2))
        ],
    )
    model = tmp_path / "foreign.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(model))
    project = tmp_path / "foreign.nnproj"
    assert run("import", model, "-o", project).returncode == 0
    X = rng.normal(size=(6, 3))
    (tmp_path / "in.csv").write_text(
        "x3,x1,x2\n" + "".join(f"{c:.9g},{a:.9g},{b:.9g}\n" for a, b, c in X)
    )
    result = run("predict", project, "-i", tmp_path / "in.csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["y"]
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"x": X.astype(np.float32)})[0]
    np.testing.assert_allclose(np.array(rows[1:], dtype=float), expected, atol=1e-5)


@pytest.mark.parametrize(
    ("W1", "message"),
    [
        (np.array([[np.nan, 1.0]]), "NaN or infinite values in its weights"),
        (np.array([[1e300, 1.0]]), "values beyond the float32 range in its weights"),
        (np.array([[1 + 2j, 1.0]]), "complex128 values in its weights are not real numbers"),
        (np.array([[True, False]]), "bool values in its weights are not real numbers"),
        (np.array([["1.5", "2"]], dtype=object), "text values in its weights are not real"),
    ],
)
def test_import_names_the_layer_with_unusable_weights(
    tmp_path: Path, W1: np.ndarray, message: str, capsys
) -> None:
    onnx = pytest.importorskip("onnx")
    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "W1"], ["y"], name="dense")],
        "odd",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, ["n", 1])],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, ["n", 2])],
        initializer=[
            helper.make_tensor("W1", onnx.TensorProto.STRING, W1.shape, [b"1.5", b"2"])
            if W1.dtype == object
            else onnx.numpy_helper.from_array(W1, "W1")
        ],
    )
    model = tmp_path / "odd.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(model))
    output = tmp_path / "odd.nnproj"
    assert cli.main(["import", str(model), "-o", str(output)]) == cli.EXIT_FAILURE
    err = capsys.readouterr().err
    assert f"node 'dense' (Gemm) is not supported: {message}" in err, err
    assert "Warning" not in err
    assert not output.exists()


# ---- studio and screenshots (with the studio replaced by a recorder) ------------------------


@pytest.fixture
def recorded_studio(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    calls: list[tuple] = []

    def run_studio(path):
        calls.append(("run_studio", path))
        return 0

    def take_screenshot(project_path, output_path, **options):
        calls.append(("take_screenshot", project_path, output_path, options))

    functions = {"run_studio": run_studio, "take_screenshot": take_screenshot}
    monkeypatch.setattr(cli, "_import_studio", functions.__getitem__)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    return calls


def test_studio_opens_with_and_without_a_project(recorded_studio, trained: Path) -> None:
    assert cli.main([]) == 0
    assert cli.main([str(trained)]) == 0
    assert recorded_studio == [("run_studio", None), ("run_studio", str(trained))]


def test_studio_without_a_display_explains(
    recorded_studio, trained: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli.sys, "platform", "linux")
    assert cli.main([str(trained)]) == cli.EXIT_FAILURE
    assert "no display found" in capsys.readouterr().err
    assert recorded_studio == []


def test_shot_passes_its_options(recorded_studio, trained: Path, tmp_path: Path) -> None:
    output = tmp_path / "studio.png"
    argv = ["shot", str(trained), "-o", str(output), "--train-epochs", "5", "--size", "900x700"]
    assert cli.main([*argv, "--panel", "weights", "--select", "neuron:1:0"]) == 0
    assert recorded_studio == [
        (
            "take_screenshot",
            trained,
            output,
            {"train_epochs": 5, "size": (900, 700), "panel": "weights", "select": "neuron:1:0"},
        )
    ]


def test_shot_needs_a_png_name(recorded_studio, trained: Path, tmp_path: Path, capsys) -> None:
    assert cli.main(["shot", str(trained), "-o", str(tmp_path / "s.jpg")]) == cli.EXIT_FAILURE
    assert "name it *.png" in capsys.readouterr().err


def test_shot_of_a_folder_says_it_is_one(recorded_studio, tmp_path: Path, capsys) -> None:
    assert cli.main(["shot", str(tmp_path), "-o", str(tmp_path / "s.png")]) == cli.EXIT_FAILURE
    assert f"error: {tmp_path} is a folder, not a project file" in capsys.readouterr().err


def test_opening_the_studio_skips_the_command_parser(monkeypatch, tmp_path) -> None:
    from nnstudio import cli

    opened: list[str | None] = []

    def no_parser() -> None:
        raise AssertionError("the studio does not need the commands' parser")

    monkeypatch.setattr(cli, "build_parser", no_parser)
    monkeypatch.setattr(cli, "_run_studio", lambda project: opened.append(project) or 0)
    assert cli.main([]) == 0
    assert cli.main([str(tmp_path / "x.nnproj")]) == 0
    assert opened == [None, str(tmp_path / "x.nnproj")]


def test_gradcheck_help_states_the_range_its_step_accepts() -> None:
    from nnstudio.workflow import GRADCHECK_MAX_EPSILON

    result = run("gradcheck", "--help")
    text = " ".join(result.stdout.split())
    assert f"from {cli._SMALLEST_STEP:g} to {GRADCHECK_MAX_EPSILON:g}" in text


def test_a_run_that_cannot_start_saves_nothing(tmp_path: Path) -> None:
    # Targets near 1e300 in float64, not standardised: the first loss overflows.
    rows = "\n".join(f"{x},{1e300 * (1 + x)}" for x in (0.1, 0.5, 0.9, 1.3, 1.7, 2.1))
    (tmp_path / "huge.csv").write_text("x,y\n" + rows + "\n")
    document = {
        "nnstudio": 1,
        "name": "huge",
        "data": {"csv": "huge.csv", "target": "y", "task": "regression"},
        "network": {"inputs": 1, "layers": [{"units": 1, "activation": "identity"}]},
        "loss": "mse",
        "training": {"epochs": 3, "dtype": "float64"},
    }
    source = write_project(tmp_path, document, "huge.nnproj")
    out = tmp_path / "out.nnproj"
    result = run("train", source, "--save", out)
    assert_clean_failure(result, "Training cannot start")
    assert f"nothing saved to {out}: training stopped before its first update" in result.stderr
    assert "saved its last finite weights" not in result.stderr
    assert not out.exists()
