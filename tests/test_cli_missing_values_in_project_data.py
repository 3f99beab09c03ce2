"""Missing values in a project's data are refused by the command line with how the project
skips them (its data's ``"skip_missing": true``), as the import dialog points to its box;
a prediction's input, which cannot skip rows, is refused without it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstudio import cli

ROWS = [f"{i / 10:.1f},{(i % 7) / 10:.1f},{'neg' if i % 2 else 'pos'}" for i in range(1, 21)]
ROWS[4] = ",0.2,neg"  # line 6
ROWS[9] = "NA,0.3,pos"  # line 11
MISSING = "x1,x2,label\n" + "\n".join(ROWS) + "\n"

REFUSAL = (
    "missing.csv: 2 rows have missing values (empty or 'NA'): lines 6 and 11. Column 'x1' has "
    "2 (lines 6 and 11). Fill them in, or remove those rows"
)


def project(folder: Path, **data: object) -> Path:
    (folder / "missing.csv").write_text(MISSING, encoding="utf-8")
    document = {
        "nnstudio": 1,
        "name": "Missing",
        "data": {"csv": "missing.csv", "target": ["label"], **data},
        "network": {"inputs": 2, "layers": [{"units": 2, "activation": "softmax"}]},
        "loss": "categorical_crossentropy",
        "training": {"epochs": 2},
    }
    path = folder / "missing.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def error_line(capsys) -> str:
    errors = [line for line in capsys.readouterr().err.splitlines() if ": error: " in line]
    assert len(errors) == 1
    return errors[0].removeprefix("nnstudio: error: ")


@pytest.mark.parametrize(
    "command",
    [["train"], ["gradcheck"], ["export", "--untrained", "-o", "out.npz"]],
    ids=["train", "gradcheck", "export"],
)
def test_missing_values_of_the_data_point_to_skip_missing(
    command: list[str], tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = project(tmp_path)
    assert cli.main([command[0], str(path), *command[1:]]) == cli.EXIT_FAILURE
    assert error_line(capsys) == (
        f'{REFUSAL}. Or set "skip_missing": true in the "data" of missing.nnproj to leave '
        "these 2 rows out"
    )


def test_one_missing_value_points_to_skip_missing_for_its_row(tmp_path: Path, capsys) -> None:
    path = project(tmp_path)
    (tmp_path / "missing.csv").write_text(MISSING.replace("NA,", "1.0,"), encoding="utf-8")
    assert cli.main(["train", str(path)]) == cli.EXIT_FAILURE
    assert error_line(capsys) == (
        "missing.csv: line 6, column 'x1' is empty (every input value must be given). Or set "
        '"skip_missing": true in the "data" of missing.nnproj to leave this row out'
    )


def test_skipping_them_trains(tmp_path: Path, capsys) -> None:
    path = project(tmp_path, skip_missing=True)
    assert cli.main(["train", str(path)]) == cli.EXIT_OK


def test_missing_values_of_a_prediction_input_are_refused_as_they_are(
    tmp_path: Path, capsys
) -> None:
    path = project(tmp_path, skip_missing=True)
    trained = tmp_path / "trained.nnproj"
    assert cli.main(["train", str(path), "--save", str(trained), "--quiet"]) == cli.EXIT_OK
    capsys.readouterr()
    assert cli.main(["predict", str(trained), "-i", str(tmp_path / "missing.csv")]) == 1
    assert error_line(capsys) == REFUSAL


def test_training_with_skip_missing_says_which_rows_it_left_out(
    tmp_path: Path, capsys, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = project(tmp_path, skip_missing=True)
    assert cli.main(["train", str(path), "--threads", "1"]) == cli.EXIT_OK
    err = capsys.readouterr().err
    assert "on 14 training + 4 validation examples" in err  # 20 rows, 2 left out
    assert (
        "nnstudio: note: 2 rows with missing values left out (skip_missing): lines 6 and 11\n"
        in err
    )
