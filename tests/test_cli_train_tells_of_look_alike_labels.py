"""``nnstudio train`` tells, beside its data summary, of class labels that differ only in
case or in spaces around them."""

from __future__ import annotations

import json
from pathlib import Path

from nnstudio import cli


def _answers(folder: Path, labels: list[str], *, output_units: int) -> Path:
    """A project classifying one feature by ``labels`` with that many softmax units."""
    rows = "".join(f"{i},{label}\n" for i, label in enumerate(labels))
    (folder / "answers.csv").write_text("x,answer\n" + rows, encoding="utf-8")
    document = {
        "nnstudio": 1,
        "name": "Answers",
        "data": {"csv": "answers.csv", "target": ["answer"]},
        "network": {
            "inputs": 1,
            "layers": [{"units": output_units, "activation": "softmax"}],
        },
        "loss": "categorical_crossentropy",
        "training": {"epochs": 1},
    }
    path = folder / "answers.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_train_notes_labels_that_look_alike(tmp_path: Path, capsys) -> None:
    path = _answers(tmp_path, ["yes", "no"] * 9 + ["Yes", "yes "], output_units=3)
    assert cli.main(["train", str(path)]) == cli.EXIT_OK
    err = capsys.readouterr().err.splitlines()
    summary = next(i for i, line in enumerate(err) if line.startswith("nnstudio: training "))
    assert "3 classes" in err[summary]
    assert err[summary + 1 : summary + 3] == [
        "nnstudio: note: classes 'Yes' (1 row) and 'yes' (10 rows) differ only in case; write "
        "them alike if they are one class",
        "nnstudio: note: label 'yes ' (1 row) is read as class 'yes' (spaces around labels are "
        "ignored)",
    ]


def test_an_output_layer_one_unit_short_is_told_of_the_labels_that_look_alike(
    tmp_path: Path, capsys
) -> None:
    # Two classes meant, three found: the error names the likely cause, not only the count.
    path = _answers(tmp_path, ["yes", "no"] * 9 + ["Yes"], output_units=2)
    assert cli.main(["train", str(path)]) == cli.EXIT_FAILURE
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("nnstudio: error: the output layer has 2 units but the data has 3")
    assert error.endswith(
        "; note: classes 'Yes' (1 row) and 'yes' (9 rows) differ only in case; write them "
        "alike if they are one class"
    )
