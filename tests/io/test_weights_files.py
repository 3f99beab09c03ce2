"""Weights files (.npz and .json): layouts, round trips and shape checks."""

from __future__ import annotations

import json
import math
import os
import stat
import threading
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.errors import MissingExtraError, NNStudioError, ProjectFileError
from nnstudio.io import exporters
from nnstudio.io.exporters import (
    EXPORT_FORMATS,
    ExportFormat,
    export,
    format_for_path,
    suffix_conflict,
)
from nnstudio.io.weights import (
    load_weights_file,
    load_weights_json,
    load_weights_npz,
    save_weights_json,
    save_weights_npz,
)
from nnstudio.spec import CsvData, LayerSpec, NetworkSpec, Project, Standardization


def assert_weights_equal(actual, expected) -> None:
    assert len(actual) == len(expected)
    for (W, b), (W_expected, b_expected) in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(W, W_expected)
        np.testing.assert_array_equal(b, b_expected)


# ---- npz -----------------------------------------------------------------------------------


def test_npz_layout(tmp_path: Path, xor_project: Project, make_weights) -> None:
    weights = make_weights(xor_project.network)
    path = save_weights_npz(tmp_path / "w.npz", xor_project, weights)
    with np.load(path, allow_pickle=False) as archive:
        assert set(archive.files) == {
            "W1",
            "b1",
            "W2",
            "b2",
            "activations",
            "alphas",
            "input_mean",
            "input_std",
            "output_names",
            "task",
        }
        assert archive["W1"].shape == (2, 4)
        assert archive["b2"].shape == (1,)
        assert archive["activations"].tolist() == ["leaky_relu", "sigmoid"]
        assert archive["alphas"][0] == pytest.approx(0.2)
        assert math.isnan(archive["alphas"][1])
        np.testing.assert_array_equal(archive["input_mean"], [0.5, -0.25])
        np.testing.assert_array_equal(archive["input_std"], [2.0, 0.5])
        assert archive["output_names"].tolist() == ["0", "1"]
        assert str(archive["task"]) == "classification"


def test_npz_without_standardization_has_no_statistics(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    project = replace(xor_project, standardization=None, output_names=None)
    path = save_weights_npz(tmp_path / "w.npz", project, make_weights(project.network))
    with np.load(path) as archive:
        assert "input_mean" not in archive.files
        assert "output_names" not in archive.files


def test_npz_round_trip(tmp_path: Path, xor_project: Project, make_weights) -> None:
    weights = make_weights(xor_project.network)
    save_weights_npz(tmp_path / "w.npz", xor_project, weights)
    assert_weights_equal(load_weights_npz(tmp_path / "w.npz", xor_project.network), weights)


def test_npz_keeps_float32(tmp_path: Path, xor_project: Project, make_weights) -> None:
    weights = tuple(
        (W.astype(np.float32), b.astype(np.float32)) for W, b in make_weights(xor_project.network)
    )
    save_weights_npz(tmp_path / "w.npz", xor_project, weights)
    loaded = load_weights_npz(tmp_path / "w.npz", xor_project.network)
    assert loaded[0][0].dtype == np.float32
    assert_weights_equal(loaded, weights)


def test_npz_shape_mismatch_names_layer_and_shapes(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    save_weights_npz(tmp_path / "w.npz", xor_project, make_weights(xor_project.network))
    other = NetworkSpec(inputs=2, layers=(LayerSpec(4), LayerSpec(3, "softmax")))
    with pytest.raises(ProjectFileError) as info:
        load_weights_npz(tmp_path / "w.npz", other)
    assert str(info.value) == (
        "w.npz: layer 2 (W2) has shape (4, 1) but the network 2-4(tanh)-3(softmax) needs (4, 3)"
    )


def test_npz_with_more_layers_than_the_network(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    save_weights_npz(tmp_path / "w.npz", xor_project, make_weights(xor_project.network))
    single = NetworkSpec(inputs=2, layers=(LayerSpec(4),))
    with pytest.raises(ProjectFileError, match=r"more layers \(W2, b2\)"):
        load_weights_npz(tmp_path / "w.npz", single)


def test_npz_with_nan_is_rejected(tmp_path: Path, xor_project: Project, make_weights) -> None:
    weights = make_weights(xor_project.network)
    arrays = {"W1": weights[0][0], "b1": weights[0][1], "W2": weights[1][0].copy()}
    arrays["W2"][0, 0] = np.nan
    arrays["b2"] = weights[1][1]
    np.savez(tmp_path / "w.npz", **arrays)
    with pytest.raises(ProjectFileError, match=r"layer 2 \(W2\) contains NaN"):
        load_weights_npz(tmp_path / "w.npz", xor_project.network)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (bytes(range(256)) * 4, "it is not a zip archive"),
        (b"", "the file is empty"),
        (b"PK\x03\x04" + bytes(60), "the zip archive is damaged or cut short"),
    ],
)
def test_npz_that_is_no_archive_is_not_called_pickled_data(
    tmp_path: Path, xor_project: Project, data: bytes, what: str
) -> None:
    path = tmp_path / "w.npz"
    path.write_bytes(data)
    with pytest.raises(ProjectFileError) as info:
        load_weights_npz(path, xor_project.network)
    assert str(info.value) == f"w.npz is not a valid .npz weights file: {what}"


def test_npz_whose_header_claims_a_huge_array(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    path = tmp_path / "w.npz"
    save_weights_npz(path, xor_project, make_weights(xor_project.network))
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["W1.npy"] = members["W1.npy"].replace(b"(2, 4)", b"(99999999999999, 4)")
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ProjectFileError) as info:
        load_weights_npz(path, xor_project.network)
    assert str(info.value).startswith("w.npz holds an array too large to load")


def test_npy_file_is_not_an_archive(tmp_path: Path, xor_project: Project) -> None:
    np.save(tmp_path / "w.npy", np.zeros(3))
    (tmp_path / "w.npy").rename(tmp_path / "w.npz")
    with pytest.raises(ProjectFileError, match=r"single \.npy array"):
        load_weights_npz(tmp_path / "w.npz", xor_project.network)


# ---- json ----------------------------------------------------------------------------------


def test_json_layout(tmp_path: Path, xor_project: Project, make_weights) -> None:
    weights = make_weights(xor_project.network)
    path = save_weights_json(tmp_path / "w.json", xor_project, weights)
    document = json.loads(path.read_text())
    assert document["format"] == "nnstudio.weights"
    assert document["version"] == 1
    assert document["task"] == "classification"
    assert document["output_names"] == ["0", "1"]
    assert document["input_standardization"] == {"mean": [0.5, -0.25], "std": [2.0, 0.5]}
    first, second = document["layers"]
    assert first["activation"] == "leaky_relu" and first["alpha"] == 0.2
    assert second["activation"] == "sigmoid" and second["alpha"] is None
    assert np.array(first["W"]).shape == (2, 4)
    assert np.array(second["b"]).shape == (1,)


def test_json_round_trip_is_exact(tmp_path: Path, xor_project: Project, make_weights) -> None:
    weights = make_weights(xor_project.network)
    save_weights_json(tmp_path / "w.json", xor_project, weights)
    assert_weights_equal(load_weights_json(tmp_path / "w.json", xor_project.network), weights)


def test_json_without_standardization_writes_null(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    project = replace(xor_project, standardization=None)
    save_weights_json(tmp_path / "w.json", project, make_weights(project.network))
    assert json.loads((tmp_path / "w.json").read_text())["input_standardization"] is None


def test_json_shape_mismatch(tmp_path: Path, xor_project: Project, make_weights) -> None:
    save_weights_json(tmp_path / "w.json", xor_project, make_weights(xor_project.network))
    other = NetworkSpec(inputs=3, layers=(LayerSpec(4), LayerSpec(1, "sigmoid")))
    with pytest.raises(
        ProjectFileError, match=r"w.json: layer 1 \(W1\) has shape \(2, 4\).*\(3, 4\)"
    ):
        load_weights_json(tmp_path / "w.json", other)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "{",
            "w.json is not valid JSON: Expecting property name enclosed in double quotes "
            "at line 1, column 2",
        ),
        ("", "w.json is not valid JSON: Expecting value at line 1, column 1"),
        # json's own messages for these end in "at": it is not doubled ("at at line").
        (
            '{\n  "format": "nnstudio.weights',
            "w.json is not valid JSON: Unterminated string starting at line 2, column 13",
        ),
        (
            '{"format": "nnstudio\tweights"}',
            "w.json is not valid JSON: Invalid control character at line 1, column 21",
        ),
        ('{"format": "other"}', "not an nnstudio weights file"),
        ('{"format": "nnstudio.weights", "version": 7}', "version 7 is not supported"),
        ('{"format": "nnstudio.weights", "version": 1, "layers": 3}', '"layers" must be a list'),
        (
            '{"format": "nnstudio.weights", "version": 1, '
            '"layers": [{"W": [[1, 2], [3]], "b": []}]}',
            "layer 1 holds a ragged or non-numeric W or b",
        ),
        (
            '{"format": "nnstudio.weights", "version": 1, '
            '"layers": [{"W": [[1' + "0" * 400 + ']], "b": []}]}',
            "layer 1 holds a number too large for a float in W or b",
        ),
        (
            '{"format": "nnstudio.weights", "version": 1, '
            '"layers": [{"W": [[0.5, true]], "b": [0.0]}]}',
            "layer 1 holds true or false in W or b",
        ),
        (
            '{"format": "nnstudio.weights", "version": 1, '
            '"layers": [{"W": [[0.5, 0.25]], "b": [false]}]}',
            "layer 1 holds true or false in W or b",
        ),
        ('{"layers": ' + "[" * 100_000, "w.json is not a JSON weights file: its JSON is nested"),
        ('{"version": 1' + "0" * 5000 + "}", "w.json is not a JSON weights file: Exceeds"),
    ],
)
def test_bad_json_weights(tmp_path: Path, xor_project: Project, text: str, message: str) -> None:
    (tmp_path / "w.json").write_text(text)
    with pytest.raises(ProjectFileError) as info:
        load_weights_json(tmp_path / "w.json", xor_project.network)
    assert message in str(info.value)


# ---- any file ------------------------------------------------------------------------------


def test_load_weights_file_dispatches_on_suffix(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    weights = make_weights(xor_project.network)
    save_weights_npz(tmp_path / "w.npz", xor_project, weights)
    save_weights_json(tmp_path / "w.json", xor_project, weights)
    assert_weights_equal(load_weights_file(tmp_path / "w.npz", xor_project.network), weights)
    assert_weights_equal(load_weights_file(tmp_path / "w.json", xor_project.network), weights)


def test_load_weights_file_given_a_folder_or_a_project(
    tmp_path: Path, xor_project: Project
) -> None:
    (tmp_path / "w.npz").mkdir()
    with pytest.raises(ProjectFileError) as info:
        load_weights_file(tmp_path / "w.npz", xor_project.network)
    assert str(info.value) == f"{tmp_path / 'w.npz'} is a folder, not a weights file"
    (tmp_path / "xor.nnproj").write_text("{}")
    with pytest.raises(ProjectFileError) as info:
        load_weights_file(tmp_path / "xor.nnproj", xor_project.network)
    assert str(info.value).startswith("xor.nnproj is a project, not a weights file")
    assert "(usually xor.weights.npz)" in str(info.value)


def test_weights_beyond_float32_are_refused_for_a_float32_network(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    # Cast to float32, 1e300 became infinite: predictions were nonsense and training diverged.
    (W1, b1), second = make_weights(xor_project.network)
    W1 = W1.copy()
    W1[1, 2] = -1e300
    save_weights_npz(tmp_path / "w.npz", xor_project, ((W1, b1), second))
    network = xor_project.network
    assert load_weights_file(tmp_path / "w.npz", network)[0][0][1, 2] == -1e300
    assert load_weights_file(tmp_path / "w.npz", network, "float64")[0][0][1, 2] == -1e300
    with pytest.raises(ProjectFileError) as info:
        load_weights_file(tmp_path / "w.npz", network, "float32")
    assert str(info.value).startswith(
        "w.npz: layer 1 (W1) holds 1e+300, beyond float32 (at most about ±3.403e+38)"
    )


def test_load_weights_file_unknown_suffix(tmp_path: Path, xor_project: Project) -> None:
    (tmp_path / "w.pt").write_bytes(b"")
    with pytest.raises(ProjectFileError, match=r"unknown weights file type '\.pt'.*\.npz"):
        load_weights_file(tmp_path / "w.pt", xor_project.network)


@pytest.mark.parametrize("suffix", [".npz", ".json", ".safetensors"])
def test_load_weights_file_missing(tmp_path: Path, xor_project: Project, suffix: str) -> None:
    with pytest.raises(ProjectFileError, match="does not exist"):
        load_weights_file(tmp_path / f"none{suffix}", xor_project.network)


# ---- export registry -----------------------------------------------------------------------


def test_registry_lists_every_format() -> None:
    assert list(EXPORT_FORMATS) == ["npz", "json", "onnx", "safetensors", "torch", "python"]
    assert EXPORT_FORMATS["onnx"].target == "nnstudio.io.onnx_io:export_onnx"
    assert EXPORT_FORMATS["onnx"].extra == "onnx"
    assert EXPORT_FORMATS["safetensors"].extra == "safetensors"
    assert EXPORT_FORMATS["torch"].extra is None
    assert format_for_path("model.onnx") is EXPORT_FORMATS["onnx"]
    assert format_for_path("model.py") is None  # torch and python both write .py


@pytest.mark.parametrize("name", ["npz", "json"])
def test_export_core_formats(tmp_path: Path, xor_project: Project, make_weights, name) -> None:
    weights = make_weights(xor_project.network)
    path = tmp_path / f"model.{name}"
    assert export(name, xor_project, weights, path) == [path]
    assert_weights_equal(load_weights_file(path, xor_project.network), weights)


def test_export_unknown_format_lists_formats(xor_project: Project, make_weights) -> None:
    with pytest.raises(
        NNStudioError, match="unknown export format 'tflite'; choose one of npz, json"
    ):
        export("tflite", xor_project, make_weights(xor_project.network), "m.tflite")


def test_suffix_conflict_names_the_format_a_suffix_belongs_to() -> None:
    assert suffix_conflict("onnx", "model.NPZ") == (
        "model.NPZ ends in .npz, the suffix of the npz export, but the format is onnx; name "
        "the file model.onnx"
    )
    # Formats sharing a suffix, unusual suffixes and no suffix are no conflict.
    assert suffix_conflict("torch", "model.py") is None
    assert suffix_conflict("python", "model.py") is None
    assert suffix_conflict("npz", "model.weights") is None
    assert suffix_conflict("npz", "model") is None


def test_integer_weights_say_floating_point_is_expected(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    # "holds int32 values, not numbers": integers are numbers.
    weights = make_weights(xor_project.network)
    arrays = {f"W{i}": W.astype(np.int32) for i, (W, _b) in enumerate(weights, start=1)}
    arrays |= {f"b{i}": b for i, (_W, b) in enumerate(weights, start=1)}
    np.savez(tmp_path / "int.npz", **arrays)
    with pytest.raises(ProjectFileError) as info:
        load_weights_file(tmp_path / "int.npz", xor_project.network)
    assert str(info.value) == (
        "int.npz: layer 1 (W1) holds int32 values; weights must be floating-point numbers "
        "(such as float32 or float64)"
    )


def test_export_checks_weights_first(tmp_path: Path, xor_project: Project, make_weights) -> None:
    other = NetworkSpec(inputs=3, layers=(LayerSpec(4), LayerSpec(1, "sigmoid")))
    with pytest.raises(ProjectFileError, match=r"layer 1 \(W1\)"):
        export("npz", xor_project, make_weights(other), tmp_path / "m.npz")
    assert not (tmp_path / "m.npz").exists()


def test_missing_optional_package_becomes_missing_extra_error(
    tmp_path: Path, xor_project: Project, make_weights, monkeypatch: pytest.MonkeyPatch
) -> None:
    fmt = ExportFormat("onnx", ".onnx", "ONNX", "nnstudio_absent_module:export", "onnx")

    def failing_import(name: str):
        raise ModuleNotFoundError(f"No module named {'onnx'!r}", name="onnx")

    monkeypatch.setitem(exporters.EXPORT_FORMATS, "onnx", fmt)
    monkeypatch.setattr(exporters.importlib, "import_module", failing_import)
    with pytest.raises(MissingExtraError) as info:
        export("onnx", xor_project, make_weights(xor_project.network), tmp_path / "m.onnx")
    assert str(info.value) == (
        "ONNX export needs the 'onnx' package: install it with pip install 'nnstudio[onnx]'"
    )


def test_import_error_inside_an_exporter_is_reported(
    tmp_path: Path, xor_project: Project, make_weights, monkeypatch: pytest.MonkeyPatch
) -> None:
    def exporter(project, weights, path):
        raise ModuleNotFoundError("No module named 'safetensors'", name="safetensors")

    class Module:
        export_torch = staticmethod(exporter)

    monkeypatch.setattr(exporters.importlib, "import_module", lambda name: Module)
    with pytest.raises(MissingExtraError, match=r"pip install 'nnstudio\[safetensors\]'"):
        export("torch", xor_project, make_weights(xor_project.network), tmp_path / "m.py")


def test_export_into_a_folder_names_the_file_after_a_long_project_name(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    pytest.importorskip("onnx")
    project = replace(xor_project, name="Predicting the species of iris flowers " * 10)
    (written,) = export("onnx", project, make_weights(project.network), tmp_path)
    assert written.parent == tmp_path
    assert written.name.startswith("predicting_the_species_of_iris_flowers_predicting_")
    assert len(written.stem) <= 80


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
def test_writing_into_a_pipe_feeds_its_reader(tmp_path: Path) -> None:
    # Like /dev/stdout or a shell's >(gzip > out.gz): a file renamed over the pipe would
    # replace it (for root, even /dev/null) and the reader would wait forever.
    from nnstudio.io._model_meta import output_path
    from nnstudio.io.weights import atomic_write_text

    pipe = tmp_path / "out"
    os.mkfifo(pipe)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_text()), daemon=True)
    reader.start()
    atomic_write_text(pipe, "p_0,label\n")
    reader.join(timeout=10)
    assert received == ["p_0,label\n"]
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert output_path(pipe, ".onnx", "model") == pipe  # not a new file out.onnx beside it


def test_export_into_missing_folder(tmp_path: Path, xor_project: Project, make_weights) -> None:
    with pytest.raises(NNStudioError, match="does not exist"):
        export("json", xor_project, make_weights(xor_project.network), tmp_path / "a" / "m.json")


def test_a_corrupt_npz_archive_is_refused_and_its_file_closed(tmp_path: Path) -> None:
    import gc
    import warnings

    from nnstudio.io.weights import load_weights_file
    from nnstudio.spec import LayerSpec, NetworkSpec

    path = tmp_path / "broken.npz"
    path.write_bytes(b"PK\x03\x04" + b"garbage" * 20)  # a zip's first bytes, then nonsense
    network = NetworkSpec(inputs=2, layers=(LayerSpec(1, "sigmoid"),))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(ProjectFileError, match=r"broken.npz is not a valid .npz weights"):
            load_weights_file(path, network)
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


@pytest.mark.parametrize("save", [save_weights_npz, save_weights_json])
def test_a_weights_file_says_when_it_was_trained_for_another_computation(
    tmp_path: Path, xor_project: Project, make_weights, save
) -> None:
    from nnstudio.io.weights import weights_file_mismatches
    from nnstudio.spec import Standardization

    suffix = ".npz" if save is save_weights_npz else ".json"
    standardised = replace(xor_project, standardization=Standardization((0.5, 0.5), (0.2, 0.3)))
    path = save(tmp_path / f"w{suffix}", standardised, make_weights(xor_project.network))
    assert weights_file_mismatches(path, standardised) == []
    # Same shapes, other activations.
    tanh = standardised.network.with_layer(0, LayerSpec(units=4, activation="tanh"))
    (other,) = weights_file_mismatches(path, replace(standardised, network=tanh))
    assert other == (
        f"w{suffix} was trained with the activations leaky_relu, sigmoid; this network uses "
        "tanh, sigmoid"
    )
    # Raw inputs where the file expects standardised ones, or other statistics.
    unstandardised = replace(xor_project, standardization=None)
    assert weights_file_mismatches(path, unstandardised) == [
        f"w{suffix} was trained on standardised inputs; this project feeds raw inputs"
    ]
    moved = replace(xor_project, standardization=Standardization((0.0, 0.5), (1.0, 0.3)))
    assert "other statistics" in weights_file_mismatches(path, moved)[0]
    raw = save(tmp_path / f"raw{suffix}", unstandardised, make_weights(xor_project.network))
    assert weights_file_mismatches(raw, standardised) == [
        f"raw{suffix} was trained on raw inputs; this project standardises its inputs"
    ]


def test_weights_files_that_record_nothing_raise_no_doubts(
    tmp_path: Path, xor_project, make_weights
):
    from nnstudio.io.weights import weights_file_mismatches

    arrays = {}
    for number, (W, b) in enumerate(make_weights(xor_project.network), start=1):
        arrays[f"W{number}"], arrays[f"b{number}"] = W, b
    path = tmp_path / "foreign.npz"
    np.savez(path, **arrays)
    assert weights_file_mismatches(path, xor_project) == []


# ---- target standardisation ----------------------------------------------------------------

TARGETS = Standardization(mean=(1000.0, -3.0), std=(250.0, 0.5))


def target_project(output_activation: str = "identity") -> Project:
    """A 3-4-2 regression project whose two targets are standardised for training."""
    return Project(
        name="Prices",
        data=CsvData(
            csv="data/prices.csv",
            target=("price", "delta"),
            task="regression",
            standardize_targets=True,
        ),
        network=NetworkSpec(
            inputs=3,
            layers=(LayerSpec(units=4, activation="tanh"), LayerSpec(2, output_activation)),
        ),
        loss="mse",
        standardization=Standardization(mean=(1.0, 2.0, 3.0), std=(0.5, 4.0, 2.0)),
        target_standardization=TARGETS,
        output_names=("price", "delta"),
    )


def activate(name: str, Z: np.ndarray) -> np.ndarray:
    """The activations the target-standardised projects use."""
    return {"identity": Z, "tanh": np.tanh(Z), "softplus": np.logaddexp(0.0, Z)}[name]


def forward_by_hand(read: dict, X: np.ndarray) -> np.ndarray:
    """Raw-unit outputs from what a weights file holds, following docs/file-format.md."""
    A = (X - read["input_mean"]) / read["input_std"]
    for number, name in enumerate(read["activations"], start=1):
        A = activate(name, A @ read[f"W{number}"] + read[f"b{number}"])
    if "target_mean" in read:
        A = A * read["target_std"] + read["target_mean"]
    return A


def expected_outputs(project: Project, weights, X: np.ndarray) -> np.ndarray:
    """The network's forward pass, scaled back to the targets' units."""
    A = project.standardization.apply(X)
    for layer, (W, b) in zip(project.network.layers, weights, strict=True):
        A = activate(layer.activation, A @ W + b)
    return project.target_standardization.unapply(A)


@pytest.mark.parametrize("activation", ["identity", "softplus"])
def test_npz_records_the_target_standardisation(
    tmp_path: Path, make_weights, activation: str
) -> None:
    project = target_project(activation)
    weights = make_weights(project.network)
    path = save_weights_npz(tmp_path / "w.npz", project, weights)
    with np.load(path, allow_pickle=False) as archive:
        read = {key: archive[key] for key in archive.files}
    assert read["target_mean"].dtype == np.float64
    np.testing.assert_array_equal(read["target_mean"], [1000.0, -3.0])
    np.testing.assert_array_equal(read["target_std"], [250.0, 0.5])
    read["activations"] = [str(name) for name in read["activations"]]
    X = np.random.default_rng(5).normal(size=(16, 3)) * 3
    outputs = forward_by_hand(read, X)
    np.testing.assert_allclose(outputs, expected_outputs(project, weights, X), rtol=1e-12)
    # In the targets' units: far from the standardised network's own outputs near 0.
    assert np.all(np.abs(outputs[:, 0] - 1000.0) < 250.0 * 10)
    assert np.abs(outputs[:, 0]).min() > 100.0


@pytest.mark.parametrize("activation", ["identity", "softplus"])
def test_json_records_the_target_standardisation(
    tmp_path: Path, make_weights, activation: str
) -> None:
    project = target_project(activation)
    weights = make_weights(project.network)
    path = save_weights_json(tmp_path / "w.json", project, weights)
    document = json.loads(path.read_text())
    assert document["target_standardization"] == {"mean": [1000.0, -3.0], "std": [250.0, 0.5]}
    read = {
        "input_mean": np.array(document["input_standardization"]["mean"]),
        "input_std": np.array(document["input_standardization"]["std"]),
        "target_mean": np.array(document["target_standardization"]["mean"]),
        "target_std": np.array(document["target_standardization"]["std"]),
        "activations": [layer["activation"] for layer in document["layers"]],
    }
    for number, layer in enumerate(document["layers"], start=1):
        read[f"W{number}"], read[f"b{number}"] = np.array(layer["W"]), np.array(layer["b"])
    X = np.random.default_rng(6).normal(size=(16, 3))
    np.testing.assert_allclose(
        forward_by_hand(read, X), expected_outputs(project, weights, X), rtol=1e-12
    )
    assert_weights_equal(load_weights_json(path, project.network), weights)


def test_files_without_target_standardisation_are_unchanged(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    weights = make_weights(xor_project.network)
    npz = save_weights_npz(tmp_path / "w.npz", xor_project, weights)
    with np.load(npz) as archive:
        assert not {"target_mean", "target_std"} & set(archive.files)
    document = json.loads(save_weights_json(tmp_path / "w.json", xor_project, weights).read_text())
    assert document["target_standardization"] is None
    assert list(document) == [
        "format",
        "version",
        "layers",
        "input_standardization",
        "target_standardization",
        "task",
        "output_names",
    ]


@pytest.mark.parametrize("save", [save_weights_npz, save_weights_json])
def test_a_weights_file_says_when_its_targets_were_standardised_otherwise(
    tmp_path: Path, make_weights, save
) -> None:
    from nnstudio.io.weights import weights_file_mismatches

    suffix = ".npz" if save is save_weights_npz else ".json"
    project = target_project()
    weights = make_weights(project.network)
    path = save(tmp_path / f"w{suffix}", project, weights)
    assert_weights_equal(load_weights_file(path, project.network), weights)
    assert weights_file_mismatches(path, project) == []
    raw_targets = replace(project, target_standardization=None)
    assert weights_file_mismatches(path, raw_targets) == [
        f"w{suffix} was trained on standardised targets; this project trains on raw targets"
    ]
    moved = replace(project, target_standardization=Standardization((990.0, -3.0), (250.0, 0.5)))
    assert weights_file_mismatches(path, moved) == [
        f"w{suffix} was trained on targets standardised with other statistics (another data "
        "set or split)"
    ]
    raw = save(tmp_path / f"raw{suffix}", raw_targets, weights)
    assert weights_file_mismatches(raw, project) == [
        f"raw{suffix} was trained on raw targets; this project standardises its targets"
    ]
    # Inputs and targets are told apart, each in its own sentence.
    neither = replace(raw_targets, standardization=None)
    assert weights_file_mismatches(path, neither) == [
        f"w{suffix} was trained on standardised inputs; this project feeds raw inputs",
        f"w{suffix} was trained on standardised targets; this project trains on raw targets",
    ]
