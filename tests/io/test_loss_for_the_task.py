"""A project file's loss must suit its data's task, and its bounds read with a minus sign.

Cross-entropies compare outputs with class labels: a file that asks for one on regression data
is refused with one problem naming the loss and the task, as the studio refuses it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from nnstudio.errors import SpecError
from nnstudio.io.project import load_project, save_project
from nnstudio.spec import (
    CLASSIFICATION_LOSSES,
    LayerSpec,
    Project,
    loss_fit_problem,
    loss_task_problem,
)

SOFTMAX_2 = {"units": 2, "activation": "softmax"}
SIGMOID_1 = {"units": 1, "activation": "sigmoid"}
IDENTITY_1 = {"units": 1, "activation": "identity"}


def _refusal(loss: str) -> str:
    """The problem a file with ``loss`` on regression data gets."""
    return (
        f"loss: {loss} needs class labels; this data is a regression task (use mse, mae or huber)"
    )


def _write(folder: Path, data: Any, output: Any, loss: str, name: str = "p.nnproj") -> Path:
    """A project file of ``data`` and a network of one hidden layer and ``output``."""
    document = {
        "nnstudio": 1,
        "name": "Task",
        "data": data,
        "network": {"inputs": 2, "layers": [{"units": 3, "activation": "tanh"}, output]},
        "loss": loss,
    }
    path = folder / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_project(path)
    return info.value.problems


@pytest.mark.parametrize(
    ("data", "output", "loss"),
    [
        ({"builtin": "plane"}, SOFTMAX_2, "categorical_crossentropy"),
        ({"builtin": "plane"}, SIGMOID_1, "binary_crossentropy"),
        # A CSV data set declares its task: the file is refused before its data is read
        # (there is no houses.csv here).
        (
            {"csv": "houses.csv", "target": ["price"], "task": "regression"},
            SIGMOID_1,
            "binary_crossentropy",
        ),
    ],
    ids=["categorical on a generator", "binary on a generator", "binary on a CSV file"],
)
def test_a_cross_entropy_on_regression_data_is_refused_with_one_clear_problem(
    tmp_path: Path, data: dict, output: dict, loss: str
) -> None:
    path = _write(tmp_path, data, output, loss, "houses.nnproj")
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert info.value.problems == [_refusal(loss)]
    assert str(info.value) == f"houses.nnproj is not a valid project: {_refusal(loss)}"


def test_a_cross_entropy_on_regression_data_gets_no_advice_on_its_output_layer(
    tmp_path: Path,
) -> None:
    """Advice to make the output layer suit the cross-entropy would lead nowhere: the data
    has no classes, so another loss is the way out."""
    path = _write(tmp_path, {"builtin": "plane"}, IDENTITY_1, "categorical_crossentropy")
    assert _problems(path) == [_refusal("categorical_crossentropy")]


def test_the_loss_is_checked_against_the_task_when_the_network_has_problems(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path, {"builtin": "sine"}, {"units": 0, "activation": "sigmoid"}, "binary_crossentropy"
    )
    problems = _problems(path)
    assert _refusal("binary_crossentropy") in problems
    assert any(problem.startswith("network.layers[1].units") for problem in problems)


def test_an_invalid_data_section_leaves_the_task_unknown(tmp_path: Path) -> None:
    """Without data there is no task to hold the loss against: only the data is named."""
    path = _write(tmp_path, {"builtin": "waves"}, SIGMOID_1, "binary_crossentropy")
    problems = _problems(path)
    assert len(problems) == 1 and problems[0].startswith("data.builtin: unknown 'waves'")


@pytest.mark.parametrize(
    ("data", "output", "loss"),
    [
        ({"builtin": "xor"}, SIGMOID_1, "binary_crossentropy"),
        ({"builtin": "circles"}, SOFTMAX_2, "categorical_crossentropy"),
        ({"csv": "iris.csv", "target": ["species"]}, SOFTMAX_2, "categorical_crossentropy"),
        ({"builtin": "plane"}, IDENTITY_1, "huber"),
        ({"builtin": "plane"}, SIGMOID_1, "mse"),
    ],
    ids=["binary", "categorical", "categorical on a CSV file", "huber", "mse on sigmoid"],
)
def test_losses_that_suit_the_task_still_load(
    tmp_path: Path, data: dict, output: dict, loss: str
) -> None:
    assert load_project(_write(tmp_path, data, output, loss)).project.loss == loss


def test_saving_such_a_project_is_refused_and_writes_nothing(
    tmp_path: Path, csv_project: Project
) -> None:
    sigmoid = LayerSpec(units=1, activation="sigmoid")
    project = Project(
        name="Houses",
        data=csv_project.data,
        network=csv_project.network.with_layer(0, sigmoid),
        loss="binary_crossentropy",
    )
    path = tmp_path / "houses.nnproj"
    with pytest.raises(SpecError, match=r"cannot save houses\.nnproj: loss: binary_crossentropy"):
        save_project(path, project)
    assert not path.exists()


def test_the_task_rule_is_one_function_of_the_spec() -> None:
    output = LayerSpec(units=1, activation="sigmoid")
    for loss in CLASSIFICATION_LOSSES:
        assert f"loss: {loss_task_problem(loss, 'regression')}" == _refusal(loss)
        assert loss_task_problem(loss, "classification") is None
        assert loss_task_problem(loss, None) is None  # not known: nothing to refuse
    assert loss_task_problem("mse", "regression") is None
    # The task first: a cross-entropy on regression data needs another loss, not another
    # output layer.
    assert loss_fit_problem("categorical_crossentropy", "regression", output) == (
        loss_task_problem("categorical_crossentropy", "regression")
    )
    assert "softmax" in loss_fit_problem("categorical_crossentropy", "classification", output)
    assert loss_fit_problem("binary_crossentropy", "classification", output) is None


def test_the_command_line_says_so_on_one_line_without_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, {"builtin": "sine"}, SIGMOID_1, "binary_crossentropy", "sine.nnproj")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env.pop("NNSTUDIO_DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-m", "nnstudio", "train", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"nnstudio: error: sine.nnproj is not a valid project: {_refusal('binary_crossentropy')}"
    ]


# ---- bounds ----------------------------------------------------------------------------------


def _with(document: dict, where: tuple[Any, ...], value: Any) -> dict:
    target = document
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    return document


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        (
            ("network", "layers", 0, "bias_init"),
            -5000,
            "network.layers[0].bias_init: must be >= \u22121000, got \u22125000",
        ),
        (("training", "learning_rate"), -0.5, "training.learning_rate: must be > 0, got \u22120.5"),
        (("training", "seed"), -3, "training.seed: must be >= 0, got \u22123"),
        (("training", "l2"), -1e-05, "training.l2: must be >= 0, got \u22121e\u221205"),
    ],
    ids=["a range below 0", "an open bound", "a whole number", "an exponent"],
)
def test_bounds_and_values_are_written_with_the_minus_sign(
    tmp_path: Path, xor_project: Project, where: tuple, value: float, expected: str
) -> None:
    document = _with(xor_project.to_dict(), where, value)
    path = tmp_path / "signs.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    problems = _problems(path)
    assert problems == [expected]
    # No hyphen stands for a minus sign anywhere in the message.
    assert not re.search(r"(?<![\w.])-\d|\de-\d", problems[0])


def test_a_negative_scale_is_written_with_the_minus_sign(
    tmp_path: Path, xor_project: Project
) -> None:
    document = xor_project.to_dict()
    document["network"]["layers"][0].update(init="normal", init_param=-0.25)
    path = tmp_path / "scale.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert _problems(path) == [
        "network.layers[0].init_param: normal needs a positive scale, got \u22120.25"
    ]
