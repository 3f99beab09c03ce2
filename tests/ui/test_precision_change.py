"""A new precision converts the document's weights at once, so a project saved before any
training holds its weights in the precision it names, and reopens so."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.io.project import load_project
from nnstudio.spec import Weights
from nnstudio.ui.document import StudioDocument
from nnstudio.workflow import build_network

pytestmark = pytest.mark.gui


@pytest.fixture
def document(qapp) -> StudioDocument:
    doc = StudioDocument()
    assert doc.project.training.dtype == "float32"
    doc.set_weights(build_network(doc.project).weights())
    return doc


def _set_dtype(document: StudioDocument, dtype: str) -> bool:
    return document.set_training(replace(document.project.training, dtype=dtype), "Precision")


def _dtypes(weights: Weights) -> set[str]:
    return {array.dtype.name for pair in weights for array in pair}


def _stored_dtypes(path: Path) -> set[str]:
    with np.load(path) as archive:
        return {archive[name].dtype.name for name in archive.files if name[0] in "Wb"}


def _same_values(actual: Weights, expected: Weights, dtype: str) -> None:
    for (W, b), (W0, b0) in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(W, W0.astype(dtype))
        np.testing.assert_array_equal(b, b0.astype(dtype))


@pytest.mark.parametrize(("before", "after"), [("float32", "float64"), ("float64", "float32")])
def test_a_project_saved_after_a_precision_change_holds_weights_of_that_precision(
    document: StudioDocument, tmp_path: Path, before: str, after: str
) -> None:
    if before != "float32":
        assert _set_dtype(document, before)
    # Weights of the starting precision, with more digits than float32 holds.
    original = tuple(
        ((W + 1 / 3).astype(before), (b - 1 / 7).astype(before)) for W, b in document.weights
    )
    document.set_weights(original)
    assert _set_dtype(document, after)
    assert _dtypes(document.weights) == {after}
    _same_values(document.weights, original, after)

    path = document.save(tmp_path / "p.nnproj")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["training"]["dtype"] == after
    assert _stored_dtypes(tmp_path / "p.weights.npz") == {after}

    loaded = load_project(path)
    assert _dtypes(loaded.weights) == {after}
    _same_values(loaded.weights, original, after)
    reopened = StudioDocument()
    reopened.open(path)
    assert reopened.project.training.dtype == after
    assert _dtypes(reopened.weights) == {after}


def test_undo_and_redo_of_a_precision_change_convert_the_weights_back_and_forth(
    document: StudioDocument,
) -> None:
    original = document.weights
    assert _set_dtype(document, "float64")
    document.undo_stack.undo()
    assert document.project.training.dtype == "float32"
    assert _dtypes(document.weights) == {"float32"}
    # float32 -> float64 -> float32 is exact.
    _same_values(document.weights, original, "float32")
    document.undo_stack.redo()
    assert _dtypes(document.weights) == {"float64"}


def test_weights_beyond_float32_refuse_the_narrower_precision(
    document: StudioDocument, qtbot
) -> None:
    assert _set_dtype(document, "float64")
    huge = list(document.weights)
    W, b = huge[0]
    W = W.copy()
    W[0, 0] = 1e39
    huge[0] = (W, b)
    document.set_weights(tuple(huge))
    with qtbot.waitSignal(document.notice) as notice:
        assert not _set_dtype(document, "float32")
    assert "beyond what float32 can hold" in notice.args[0]
    assert document.project.training.dtype == "float64"
    assert document.weights[0][0][0, 0] == 1e39


def test_weights_of_another_precision_are_saved_in_the_projects(
    document: StudioDocument, tmp_path: Path
) -> None:
    # As opened from a file whose weights were written in another precision.
    document.set_weights(
        tuple((W.astype("float64"), b.astype("float64")) for W, b in document.weights)
    )
    path = document.save(tmp_path / "p.nnproj")
    assert _stored_dtypes(tmp_path / "p.weights.npz") == {"float32"}
    assert _dtypes(load_project(path).weights) == {"float32"}
