"""safetensors export: PyTorch's nn.Linear layout, metadata, and loading with clear errors."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from interop_support import (
    MODEL_CASES,
    engine_predict,
    make_model,
    make_offset_model,
    offset_inputs,
)

from nnstudio.errors import MissingExtraError, ProjectFileError
from nnstudio.io.safetensors_io import (
    export_safetensors,
    load_safetensors_weights,
    read_safetensors,
)
from nnstudio.io.weights import load_weights_file
from nnstudio.spec import LayerSpec, NetworkSpec

safetensors_numpy = pytest.importorskip("safetensors.numpy")

pytestmark = pytest.mark.interop


@pytest.mark.parametrize("case", MODEL_CASES.values(), ids=MODEL_CASES.keys())
def test_round_trip_is_exact(case: dict, tmp_path: Path) -> None:
    project, weights = make_model(**case)
    (path,) = export_safetensors(project, weights, tmp_path / "weights.safetensors")
    contents = read_safetensors(path, project.network)
    assert contents.standardization == project.standardization
    assert contents.target_standardization == project.target_standardization
    assert contents.activations == tuple(layer.activation for layer in project.network.layers)
    for (W, b), (W2, b2) in zip(weights, contents.weights, strict=True):
        assert W2.dtype == np.float32
        np.testing.assert_array_equal(W2, W)
        np.testing.assert_array_equal(b2, b)
    loaded = load_weights_file(path, project.network)
    np.testing.assert_array_equal(loaded[-1][0], weights[-1][0])


def test_tensors_use_the_nn_linear_layout_and_metadata(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["sigmoid-classifier-standardized"])
    (path,) = export_safetensors(project, weights, tmp_path / "model")
    assert path.name == "model.safetensors"
    tensors = safetensors_numpy.load_file(str(path))
    expected = {f"layers.{i}.{kind}" for i in range(len(weights)) for kind in ("weight", "bias")}
    assert set(tensors) == expected | {"input_mean", "input_std"}
    for index, (W, b) in enumerate(weights):
        np.testing.assert_array_equal(tensors[f"layers.{index}.weight"], W.T)
        np.testing.assert_array_equal(tensors[f"layers.{index}.bias"], b)
        assert tensors[f"layers.{index}.weight"].dtype == np.float32
    # The input statistics are float64, exact.
    assert tensors["input_std"].dtype == np.float64
    assert tensors["input_std"].tolist() == list(project.standardization.std)

    metadata = read_safetensors(path).metadata
    assert metadata["format"] == "nnstudio"
    assert metadata["task"] == "classification"
    assert json.loads(metadata["sizes"]) == list(project.network.sizes)
    assert json.loads(metadata["alphas"])[5] == 0.01
    assert json.loads(metadata["feature_names"]) == list(project.feature_names)
    assert json.loads(metadata["output_names"]) == list(project.output_names)


def test_no_standardisation_tensors_without_standardisation(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path,) = export_safetensors(project, weights, tmp_path / "w.safetensors")
    assert "input_mean" not in safetensors_numpy.load_file(str(path))
    assert read_safetensors(path).standardization is None


def test_wrong_shapes_for_the_network_name_the_layer_and_shapes(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    (path,) = export_safetensors(project, weights, tmp_path / "w.safetensors")
    other = NetworkSpec(inputs=3, layers=(LayerSpec(units=1, activation="sigmoid"),))
    with pytest.raises(ProjectFileError) as info:
        load_safetensors_weights(path, other)
    message = str(info.value)
    assert "w.safetensors" in message
    assert "layers.0.weight" in message
    assert "(1, 2)" in message and "(1, 3)" in message
    with pytest.raises(ProjectFileError, match=r"layers\.0\.weight.*\(1, 2\).*layer 1.*\(1, 3\)"):
        load_weights_file(path, other)


def test_inconsistent_file_is_reported_tensor_by_tensor(tmp_path: Path) -> None:
    path = tmp_path / "bad.safetensors"
    good = {
        "layers.0.weight": np.ones((4, 2), np.float32),
        "layers.0.bias": np.ones(4, np.float32),
        "layers.1.weight": np.ones((1, 4), np.float32),
        "layers.1.bias": np.ones(1, np.float32),
    }
    cases = [
        ({"layers.1.weight": np.ones((1, 5), np.float32)}, r"'layers\.1\.weight'.*\(1, 5\).*4"),
        ({"layers.0.bias": np.ones(3, np.float32)}, r"'layers\.0\.bias'.*\(3,\).*\(4,\)"),
        ({"conv.weight": np.ones(3, np.float32)}, r"unexpected tensor.*'conv\.weight'"),
        ({"input_mean": np.zeros(2, np.float32)}, r"'input_mean' but not 'input_std'"),
    ]
    for change, pattern in cases:
        safetensors_numpy.save_file({**good, **change}, str(path))
        with pytest.raises(ProjectFileError, match=pattern):
            load_safetensors_weights(path)
    tensors = dict(good)
    del tensors["layers.1.bias"]
    safetensors_numpy.save_file(tensors, str(path))
    with pytest.raises(ProjectFileError, match=r"'layers\.1\.bias' is missing"):
        load_safetensors_weights(path)


def test_truncated_file_is_reported_with_its_name(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path,) = export_safetensors(project, weights, tmp_path / "w.safetensors")
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(path.read_bytes()[:-40])
    with pytest.raises(ProjectFileError, match=r"broken\.safetensors.*truncated"):
        load_safetensors_weights(broken)
    with pytest.raises(ProjectFileError, match="does not exist"):
        load_safetensors_weights(tmp_path / "absent.safetensors")


def test_missing_safetensors_package_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project, weights = make_model(**MODEL_CASES["single-layer-classifier"])
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(MissingExtraError, match=r"'safetensors'.*nnstudio\[safetensors\]"):
        export_safetensors(project, weights, tmp_path / "w.safetensors")
    with pytest.raises(MissingExtraError, match=r"nnstudio\[safetensors\]"):
        load_safetensors_weights(tmp_path / "w.safetensors")


# -- standardised targets ---------------------------------------------------------------------


def test_target_statistics_are_tensors_with_exact_metadata(tmp_path: Path) -> None:
    from dataclasses import replace

    from nnstudio.spec import Standardization

    project, weights = make_model(**MODEL_CASES["regression-standardized-targets"])
    exact = Standardization(mean=(1000.1, -3.3), std=(250.7, 0.1))  # no float32 holds them
    project = replace(project, target_standardization=exact)
    (path,) = export_safetensors(project, weights, tmp_path / "w.safetensors")
    tensors = safetensors_numpy.load_file(str(path))
    assert tensors["target_mean"].dtype == np.float32
    np.testing.assert_array_equal(tensors["target_mean"], np.float32([1000.1, -3.3]))
    np.testing.assert_array_equal(tensors["target_std"], np.float32([250.7, 0.1]))
    contents = read_safetensors(path, project.network)
    assert contents.target_standardization == exact
    assert json.loads(contents.metadata["target_standardization"]) == {
        "mean": [1000.1, -3.3],
        "std": [250.7, 0.1],
    }
    # Without nnstudio's metadata the float32 tensors still give the statistics.
    safetensors_numpy.save_file(tensors, str(tmp_path / "bare.safetensors"))
    bare = read_safetensors(tmp_path / "bare.safetensors").target_standardization
    assert bare.mean == tuple(float(v) for v in np.float32([1000.1, -3.3]))


def test_no_target_tensors_or_metadata_without_target_standardisation(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["regression-two-targets-standardized"])
    (path,) = export_safetensors(project, weights, tmp_path / "w.safetensors")
    assert not {"target_mean", "target_std"} & set(safetensors_numpy.load_file(str(path)))
    contents = read_safetensors(path)
    assert contents.target_standardization is None
    assert "target_standardization" not in contents.metadata


def test_loading_tells_of_other_target_statistics(tmp_path: Path) -> None:
    from dataclasses import replace

    from nnstudio.io.weights import weights_file_mismatches
    from nnstudio.spec import Standardization

    project, weights = make_model(**MODEL_CASES["regression-standardized-targets"])
    (path,) = export_safetensors(project, weights, tmp_path / "w.safetensors")
    assert len(load_weights_file(path, project.network)) == len(weights)
    assert weights_file_mismatches(path, project) == []
    assert weights_file_mismatches(path, replace(project, target_standardization=None)) == [
        "w.safetensors was trained on standardised targets; this project trains on raw targets"
    ]
    moved = replace(project, target_standardization=Standardization((0.0, 0.0), (1.0, 1.0)))
    assert weights_file_mismatches(path, moved) == [
        "w.safetensors was trained on targets standardised with other statistics (another "
        "data set or split)"
    ]
    raw = replace(project, target_standardization=None)
    (raw_path,) = export_safetensors(raw, weights, tmp_path / "raw.safetensors")
    assert weights_file_mismatches(raw_path, project) == [
        "raw.safetensors was trained on raw targets; this project standardises its targets"
    ]


def test_inconsistent_target_tensors_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.safetensors"
    good = {
        "layers.0.weight": np.ones((2, 3), np.float32),
        "layers.0.bias": np.ones(2, np.float32),
    }
    cases = [
        ({"target_mean": np.zeros(2, np.float32)}, r"'target_mean' but not 'target_std'"),
        (
            {"target_mean": np.zeros(3, np.float32), "target_std": np.ones(3, np.float32)},
            r"'target_mean' has 3 values but the output layer has 2 units",
        ),
        (
            {"target_mean": np.zeros(2, np.float32), "target_std": np.zeros(2, np.float32)},
            r"'target_std' has values that are not positive",
        ),
    ]
    for change, pattern in cases:
        safetensors_numpy.save_file({**good, **change}, str(path))
        with pytest.raises(ProjectFileError, match=pattern):
            load_safetensors_weights(path)


def test_metadata_records_the_networks_dtype_and_older_files_still_load(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["softmax-classifier"])
    (path,) = export_safetensors(project, weights, tmp_path / "float32.safetensors")
    assert read_safetensors(path).dtype == "float32"

    project64 = replace(project, training=replace(project.training, dtype="float64"))
    weights64 = tuple((W.astype(np.float64), b.astype(np.float64)) for W, b in weights)
    (path64,) = export_safetensors(project64, weights64, tmp_path / "float64.safetensors")
    contents = read_safetensors(path64)
    assert contents.metadata["dtype"] == "float64" and contents.dtype == "float64"
    assert contents.weights[0][0].dtype == np.float32  # the tensors stay float32

    # A file written before the dtype was recorded.
    tensors = safetensors_numpy.load_file(str(path64))
    metadata = {key: value for key, value in contents.metadata.items() if key != "dtype"}
    older = tmp_path / "older.safetensors"
    older.write_bytes(safetensors_numpy.save(tensors, metadata=metadata))
    old_contents = read_safetensors(older, project.network)
    assert old_contents.dtype is None
    np.testing.assert_array_equal(old_contents.weights[0][0], weights[0][0])


# -- inputs float32 cannot hold -----------------------------------------------------------------


def test_input_statistics_of_a_timestamp_feature_survive_exactly(tmp_path: Path) -> None:
    project, weights = make_offset_model()
    (path,) = export_safetensors(project, weights, tmp_path / "events.safetensors")
    tensors = safetensors_numpy.load_file(str(path))
    assert tensors["input_mean"].dtype == np.float64
    assert tensors["input_mean"].tolist() == list(project.standardization.mean)
    assert tensors["input_std"].tolist() == list(project.standardization.std)
    assert tensors["layers.0.weight"].dtype == np.float32
    contents = read_safetensors(path, project.network)
    assert contents.standardization == project.standardization
    # The tensors alone, without nnstudio's metadata, give the statistics exactly too.
    safetensors_numpy.save_file(tensors, str(tmp_path / "bare.safetensors"))
    assert read_safetensors(tmp_path / "bare.safetensors").standardization == (
        project.standardization
    )
    # Loaded back, the network predicts what the exported one does.
    loaded = replace(project, standardization=contents.standardization)
    X = offset_inputs()
    np.testing.assert_array_equal(
        engine_predict(loaded, contents.weights, X), engine_predict(project, weights, X)
    )


def test_two_exports_of_one_network_are_byte_identical(tmp_path: Path) -> None:
    project, weights = make_model(**MODEL_CASES["regression-standardized-targets"])
    first = export_safetensors(project, weights, tmp_path / "first.safetensors")[0].read_bytes()
    for number in range(5):
        again = export_safetensors(project, weights, tmp_path / f"again{number}.safetensors")
        assert again[0].read_bytes() == first
    # The metadata is in the documented order, and the file still reads back whole.
    header = json.loads(first[8 : 8 + int.from_bytes(first[:8], "little")])
    assert list(header["__metadata__"])[:4] == ["format", "version", "name", "task"]
    assert (8 + int.from_bytes(first[:8], "little")) % 8 == 0
    contents = read_safetensors(tmp_path / "first.safetensors", project.network)
    assert contents.target_standardization == project.target_standardization
    np.testing.assert_array_equal(contents.weights[0][0], weights[0][0])


def test_two_exports_in_separate_processes_are_byte_identical(tmp_path: Path) -> None:
    import subprocess

    script = (
        "import sys; from interop_support import MODEL_CASES, make_model; "
        "from nnstudio.io.safetensors_io import export_safetensors; "
        "project, weights = make_model(**MODEL_CASES['sigmoid-classifier-standardized']); "
        "export_safetensors(project, weights, sys.argv[1])"
    )
    here = str(Path(__file__).resolve().parent)
    outputs = []
    for number in range(2):
        target = tmp_path / f"run{number}.safetensors"
        subprocess.run([sys.executable, "-c", script, str(target)], cwd=here, check=True)
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]
