"""``nnstudio predict`` reads its input's numbers as the project reads its data: with a
decimal comma or a decimal point as the data's ``decimal_comma`` says, guessed when unset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nnstudio import cli
from nnstudio.io.project import load_project
from nnstudio.workflow import predict

#: Training data, written with decimal commas or decimal points.
ROWS = [(i / 8, (i % 5) / 4, "no" if i % 2 else "yes") for i in range(1, 21)]


def trained_project(folder: Path, decimal_comma: bool | None) -> Path:
    comma = decimal_comma is not False
    lines = [f"{a};{b};{label}" for a, b, label in ROWS]
    text = "a;b;label\n" + "\n".join(lines) + "\n"
    if comma:
        text = text.replace(".", ",")
    (folder / "data.csv").write_text(text, encoding="utf-8")
    data: dict[str, object] = {"csv": "data.csv", "target": ["label"]}
    if decimal_comma is not None:
        data["decimal_comma"] = decimal_comma
    document = {
        "nnstudio": 1,
        "name": "Commas",
        "data": data,
        "network": {"inputs": 2, "layers": [{"units": 2, "activation": "softmax"}]},
        "loss": "categorical_crossentropy",
        "training": {"epochs": 3},
    }
    source = folder / "commas.nnproj"
    source.write_text(json.dumps(document), encoding="utf-8")
    trained = folder / "trained.nnproj"
    assert cli.main(["train", str(source), "--save", str(trained), "--quiet"]) == cli.EXIT_OK
    return trained


def predicted(project: Path, text: str, folder: Path, capsys) -> tuple[int, str, str]:
    (folder / "in.csv").write_text(text, encoding="utf-8")
    capsys.readouterr()
    status = cli.main(["predict", str(project), "-i", str(folder / "in.csv")])
    out, err = capsys.readouterr()
    return status, out, err


def test_a_project_with_decimal_commas_reads_its_inputs_so(tmp_path: Path, capsys) -> None:
    project = trained_project(tmp_path, True)
    # Between semicolons "1,303" may be 1303 or 1.303: the project's data says which.
    status, out, err = predicted(project, "a;b\n1,303;2,500\n0,5;0\n", tmp_path, capsys)
    assert status == 0, err
    loaded = load_project(project)
    expected = predict(loaded.project, loaded.weights, np.array([[1.303, 2.5], [0.5, 0.0]]))
    rows = [line.split(",") for line in out.splitlines()[1:]]
    np.testing.assert_allclose(
        np.array([row[:2] for row in rows], dtype=float), expected.probabilities, rtol=1e-6
    )
    # A point is no decimal mark in such data: 1.303 may mean 1303.
    status, _out, err = predicted(project, "a;b\n1.303;2\n", tmp_path, capsys)
    assert status == cli.EXIT_FAILURE
    assert "in.csv: line 2, column 'a': '1.303' is not a number (numbers are read with a " in err


def test_a_project_with_decimal_points_reads_no_decimal_comma(tmp_path: Path, capsys) -> None:
    project = trained_project(tmp_path, False)
    status, _out, err = predicted(project, "a;b\n0,5;0,25\n", tmp_path, capsys)
    assert status == cli.EXIT_FAILURE
    assert err.strip().endswith(
        "in.csv: line 2, column 'a': '0,5' is not a number (write decimals with a point, e.g. "
        "1.5, not a comma)"
    )
    assert predicted(project, "a;b\n0.5;0.25\n", tmp_path, capsys)[0] == 0


@pytest.mark.parametrize("text", ["a;b\n0,5;0,25\n", "a,b\n0.5,0.25\n"])
def test_a_project_that_does_not_say_guesses(text: str, tmp_path: Path, capsys) -> None:
    project = trained_project(tmp_path, None)
    status, out, err = predicted(project, text, tmp_path, capsys)
    assert status == 0, err
    assert len(out.splitlines()) == 2


def test_the_option_reads_an_input_as_it_says_whatever_the_project_reads(
    tmp_path: Path, capsys
) -> None:
    # The refusal above advises reading the file with a decimal point: --no-decimal-comma.
    project = trained_project(tmp_path, True)
    (tmp_path / "in.csv").write_text("a;b\n1.303;2\n", encoding="utf-8")
    capsys.readouterr()
    args = ["predict", str(project), "-i", str(tmp_path / "in.csv")]
    assert cli.main([*args, "--no-decimal-comma"]) == cli.EXIT_OK
    dotted = capsys.readouterr().out
    (tmp_path / "in.csv").write_text("a;b\n1,303;2\n", encoding="utf-8")
    assert cli.main(args) == cli.EXIT_OK
    assert capsys.readouterr().out == dotted
    # And the other way round for a project read with decimal points.
    points = trained_project(tmp_path, False)
    capsys.readouterr()
    (tmp_path / "in.csv").write_text("a;b\n0,5;0,25\n", encoding="utf-8")
    decimal = ["predict", str(points), "-i", str(tmp_path / "in.csv"), "--decimal-comma"]
    assert cli.main(decimal) == cli.EXIT_OK
    assert len(capsys.readouterr().out.splitlines()) == 2
