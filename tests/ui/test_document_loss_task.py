"""StudioDocument refuses a cross-entropy on regression data, as a project file does, and
writes the numbers of its refusals with the minus sign."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.errors import SpecError
from nnstudio.spec import BuiltinData, CsvData, loss_task_problem
from nnstudio.ui.document import StudioDocument, default_project

pytestmark = pytest.mark.gui

#: A hyphen standing for a minus sign: before a digit (not inside a word), or in an exponent.
_HYPHEN_MINUS = re.compile(r"(?<![\w.])-\d|\de-\d")


def _refusal(loss: str) -> str:
    return (
        f"Loss: {loss} needs class labels; this data is a regression task (use mse, mae or huber)"
    )


@pytest.fixture
def document(qapp) -> StudioDocument:
    return StudioDocument()


@pytest.fixture
def notices(document: StudioDocument) -> list[str]:
    shown: list[str] = []
    document.notice.connect(shown.append)
    return shown


@pytest.fixture
def regression(document: StudioDocument, notices: list[str]) -> StudioDocument:
    """The document on the plane's regression data, its output a sigmoid unit under mse."""
    assert document.set_data(BuiltinData(builtin="plane", samples=60, noise=0.0))
    output = document.project.network.output
    last = len(document.project.network.layers) - 1
    assert document.set_layer(last, replace(output, activation="sigmoid"))
    assert document.project.loss == "mse" and document.project.task == "regression"
    document.undo_stack.clear()
    notices.clear()
    return document


def test_set_loss_refuses_a_cross_entropy_on_regression_data(
    regression: StudioDocument, notices: list[str]
) -> None:
    before = regression.project
    assert not regression.set_loss("binary_crossentropy")
    assert notices == [f"Change loss refused: {_refusal('binary_crossentropy')}."]
    assert regression.project == before
    assert regression.undo_stack.count() == 0
    # The same words as a project file's check, from the same rule.
    assert loss_task_problem("binary_crossentropy", "regression") in notices[0]
    # A loss for regression is taken.
    assert regression.set_loss("huber")
    assert regression.project.loss == "huber"


def test_new_data_that_takes_the_class_labels_away_is_refused(
    document: StudioDocument, notices: list[str]
) -> None:
    """Code that swaps the data under a cross-entropy is refused: no file could hold it."""
    before = document.project
    assert before.loss == "binary_crossentropy" and before.task == "classification"
    plane = BuiltinData(builtin="plane", samples=60)
    assert not document.apply(replace(before, data=plane), "Script edit")
    assert notices == [f"Script edit refused: {_refusal('binary_crossentropy')}."]
    assert document.project == before
    assert document.undo_stack.count() == 0
    assert not document.is_dirty


def test_the_data_dock_way_of_changing_data_fits_the_loss_and_undoes_to_it(
    document: StudioDocument,
) -> None:
    """set_data chooses a loss that suits the new data; undo brings the cross-entropy back
    with its classification data."""
    assert document.set_data(BuiltinData(builtin="plane", samples=60))
    assert document.project.task == "regression" and document.project.loss == "mse"
    document.undo_stack.undo()
    assert document.project.task == "classification"
    assert document.project.loss == "binary_crossentropy"
    document.undo_stack.redo()
    assert document.project.loss == "mse"


def test_open_project_refuses_a_cross_entropy_on_regression_data_not_read(
    document: StudioDocument, tmp_path: Path, notices: list[str]
) -> None:
    """The task a CSV data set declares is known without its file: what could not be
    loaded from a project file is not opened from code either."""
    before = document.project
    data = CsvData(csv=str(tmp_path / "absent.csv"), target=("y",), task="regression")
    project = replace(default_project(), data=data)
    with pytest.raises(SpecError) as info:
        document.open_project(project)
    assert info.value.problems == [
        "loss: binary_crossentropy needs class labels; this data is a regression task "
        "(use mse, mae or huber)"
    ]
    assert document.project == before and notices == []


def test_open_project_keeps_a_cross_entropy_on_classification_data_not_read(
    document: StudioDocument, tmp_path: Path
) -> None:
    data = CsvData(csv=str(tmp_path / "absent.csv"), target=("label",))
    document.open_project(replace(default_project(), data=data))
    assert document.dataset is None and document.dataset_error
    assert document.project.loss == "binary_crossentropy"


def test_the_window_says_why_such_a_project_file_cannot_open(
    window, no_dialogs: list[tuple[str, str]], tmp_path: Path
) -> None:
    document = default_project().to_dict()
    document["data"] = {"builtin": "sine"}
    document["network"]["inputs"] = 1
    path = tmp_path / "sine.nnproj"
    path.write_text(json.dumps(document), encoding="utf-8")
    before = window.document.project
    assert not window.open_path(path, ask=False)
    assert no_dialogs == [
        (
            "Cannot open project",
            "sine.nnproj is not a valid project: loss: binary_crossentropy needs class labels; "
            "this data is a regression task (use mse, mae or huber)",
        )
    ]
    assert window.document.project == before


# ---- the minus sign ------------------------------------------------------------------------


def test_a_refused_negative_value_is_written_with_the_minus_sign(
    document: StudioDocument, notices: list[str]
) -> None:
    layer = replace(document.project.network.layers[0], bias_init=-5000.0)
    assert not document.set_layer(0, layer, "Change bias initialisation")
    training = replace(document.project.training, learning_rate=-0.5)
    assert not document.set_training(training, "Change learning rate")
    assert notices == [
        "Change bias initialisation refused: Hidden 1's bias init: must be >= \u22121000, "
        "got \u22125000.",
        "Change learning rate refused: Learning rate: must be > 0, got \u22120.5.",
    ]
    assert not any(_HYPHEN_MINUS.search(notice) for notice in notices)


def test_a_weight_beyond_its_precision_is_written_with_the_minus_sign(
    document: StudioDocument, notices: list[str]
) -> None:
    from nnstudio.workflow import build_network

    document.set_weights(build_network(document.project).weights())
    assert document.weights[0][0].dtype == np.float32
    assert not document.set_parameter(0, 0, 0, -1e39)
    assert notices == ["\u22121e+39 is beyond what a float32 weight can hold"]
