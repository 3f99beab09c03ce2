"""A project's weights file records how far its weights were trained (epochs and steps), so
training an opened project counts on from there; files without that record open at 0."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.io.exporters import export
from nnstudio.io.project import WeightsFileError, load_project, save_project, weights_path_for
from nnstudio.io.weights import read_training_position
from nnstudio.spec import Project


def _archive(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as archive:
        return {key: archive[key] for key in archive.files}


def _rewrite_archive(path: Path, **changes: object) -> None:
    """Replace (or with ``None`` remove) entries of the ``.npz`` archive at ``path``."""
    arrays = _archive(path)
    for key, value in changes.items():
        if value is None:
            arrays.pop(key, None)
        else:
            arrays[key] = np.asarray(value)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def test_the_position_is_saved_with_the_weights_and_read_back(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project, make_weights(xor_project.network), position=(130, 1_040))
    arrays = _archive(weights_path_for(path))
    assert int(arrays["trained_epochs"]) == 130 and int(arrays["trained_steps"]) == 1_040
    assert arrays["trained_epochs"].dtype == np.int64 and arrays["trained_epochs"].shape == ()
    # It describes the weights, so it lives in their file: the project's JSON is as before.
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document == replace(xor_project, weights="xor.weights.npz").to_dict()
    loaded = load_project(path)
    assert loaded.training_position == (130, 1_040)
    assert read_training_position(weights_path_for(path)) == (130, 1_040)


def test_save_as_elsewhere_keeps_the_position(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    weights = make_weights(xor_project.network)
    first = tmp_path / "a" / "xor.nnproj"
    first.parent.mkdir()
    save_project(first, xor_project, weights, position=(7, 21))
    loaded = load_project(first)
    second = tmp_path / "b" / "copy.nnproj"
    second.parent.mkdir()
    save_project(
        second,
        loaded.project,
        loaded.weights,
        source_dir=loaded.base_dir,
        position=loaded.training_position,
    )
    assert load_project(second).training_position == (7, 21)


def test_untrained_weights_and_projects_without_weights_have_no_position(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project, make_weights(xor_project.network))
    # Untrained weights' archive is the one earlier versions wrote.
    assert not {"trained_epochs", "trained_steps"} & set(_archive(weights_path_for(path)))
    assert load_project(path).training_position == (0, 0)
    # Without weights there is nothing for a position to describe.
    save_project(path, xor_project, None, position=(5, 50))
    loaded = load_project(path)
    assert loaded.weights is None and loaded.training_position == (0, 0)
    # Nor when the weights are not read.
    save_project(path, xor_project, make_weights(xor_project.network), position=(5, 50))
    assert load_project(path, load_weights=False).training_position == (0, 0)


def test_files_without_a_position_open_at_zero(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    # As earlier versions wrote them: the same archive without the two keys.
    path = tmp_path / "old.nnproj"
    weights = make_weights(xor_project.network)
    save_project(path, xor_project, weights, position=(9, 90))
    _rewrite_archive(weights_path_for(path), trained_epochs=None, trained_steps=None)
    loaded = load_project(path)
    assert loaded.training_position == (0, 0)
    for (W, b), (W_saved, b_saved) in zip(loaded.weights, weights, strict=True):
        np.testing.assert_array_equal(W, W_saved)
        np.testing.assert_array_equal(b, b_saved)


def test_a_project_naming_a_json_weights_file_opens_at_zero(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    export("json", xor_project, make_weights(xor_project.network), tmp_path / "w.json")
    path = tmp_path / "p.nnproj"
    path.write_text(json.dumps(replace(xor_project, weights="w.json").to_dict()), "utf-8")
    loaded = load_project(path)
    assert loaded.weights is not None and loaded.training_position == (0, 0)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(-3, "-3"), (2.5, "2.5"), ([4, 5], "[4, 5]"), ("ten", "'ten'")],
)
def test_a_position_that_is_no_count_is_refused_naming_it(
    tmp_path: Path, xor_project: Project, make_weights, value: object, shown: str
) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project, make_weights(xor_project.network), position=(4, 40))
    _rewrite_archive(weights_path_for(path), trained_epochs=value)
    with pytest.raises(WeightsFileError) as raised:
        load_project(path)
    assert (
        f"xor.weights.npz: trained_epochs must be one whole number of at least 0 (how far "
        f"the weights were trained), got {shown}"
    ) in str(raised.value)
    # The studio opens such a project with fresh weights, which start at 0.
    loaded = load_project(path, unusable_weights="skip")
    assert loaded.weights is None and loaded.training_position == (0, 0)
    assert "trained_epochs" in loaded.weights_problem


@pytest.mark.parametrize("fmt", ["npz", "json"])
def test_exports_hold_no_position(
    tmp_path: Path, xor_project: Project, make_weights, fmt: str
) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project, make_weights(xor_project.network), position=(12, 120))
    loaded = load_project(path)
    (written,) = export(fmt, loaded.project, loaded.weights, tmp_path / f"out.{fmt}")
    if fmt == "npz":
        assert not {"trained_epochs", "trained_steps"} & set(_archive(written))
        assert zipfile.is_zipfile(written)
    else:
        assert "trained" not in written.read_text(encoding="utf-8")
