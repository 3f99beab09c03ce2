"""Project files: round trips, atomic saving, path rewriting and every kind of bad file."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.errors import ProjectFileError, SpecError
from nnstudio.io.project import WeightsFileError, load_project, save_project, weights_path_for
from nnstudio.io.weights import load_weights_npz, save_weights_npz
from nnstudio.spec import LayerSpec, NetworkSpec, Project


def assert_weights_equal(actual, expected) -> None:
    assert len(actual) == len(expected)
    for (W, b), (W_expected, b_expected) in zip(actual, expected, strict=True):
        np.testing.assert_array_equal(W, W_expected)
        np.testing.assert_array_equal(b, b_expected)


# ---- round trips ---------------------------------------------------------------------------


def test_round_trip_without_weights(tmp_path: Path, xor_project: Project) -> None:
    path = tmp_path / "xor.nnproj"
    saved = save_project(path, xor_project)
    loaded = load_project(path)
    assert saved.weights is None
    assert loaded.project == xor_project
    assert loaded.weights is None
    assert loaded.path == path.resolve()
    assert loaded.base_dir == tmp_path.resolve()
    assert "weights" not in json.loads(path.read_text())
    assert not weights_path_for(path).exists()


def test_round_trip_with_weights(tmp_path: Path, xor_project: Project, make_weights) -> None:
    weights = make_weights(xor_project.network)
    path = tmp_path / "xor.nnproj"
    saved = save_project(path, xor_project, weights)
    assert saved.weights == "xor.weights.npz"
    assert (tmp_path / "xor.weights.npz").is_file()
    loaded = load_project(path)
    assert loaded.project == saved
    assert loaded.project == replace(xor_project, weights="xor.weights.npz")
    assert_weights_equal(loaded.weights, weights)


def test_saved_json_is_indented_with_trailing_newline(tmp_path: Path, xor_project: Project) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project)
    text = path.read_text(encoding="utf-8")
    assert text.endswith("}\n")
    assert text.startswith('{\n  "nnstudio": 1,\n')
    assert json.loads(text) == xor_project.to_dict()


def test_saving_without_weights_drops_the_field(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project, make_weights(xor_project.network))
    again = save_project(path, load_project(path).project, None)
    assert again.weights is None
    assert "weights" not in json.loads(path.read_text())
    assert load_project(path).weights is None


def test_weights_file_is_named_after_the_project(tmp_path: Path) -> None:
    assert weights_path_for(tmp_path / "iris.nnproj") == tmp_path / "iris.weights.npz"


# ---- atomic saving -------------------------------------------------------------------------


def test_failed_write_leaves_the_old_file_intact(
    tmp_path: Path, xor_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project)
    before = path.read_bytes()

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ProjectFileError, match="No space left on device"):
        save_project(path, replace(xor_project, name="Changed"))
    monkeypatch.undo()
    assert path.read_bytes() == before
    # No temporary files are left behind either.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.nnproj"]


def test_failed_fsync_leaves_old_weights_intact(
    tmp_path: Path, xor_project: Project, make_weights, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "xor.nnproj"
    old = make_weights(xor_project.network, seed=1)
    save_project(path, xor_project, old)

    def failing_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(ProjectFileError, match="Input/output error"):
        save_project(path, xor_project, make_weights(xor_project.network, seed=2))
    monkeypatch.undo()
    assert_weights_equal(load_project(path).weights, old)


def _fail_replacing(monkeypatch: pytest.MonkeyPatch, suffix: str, error: OSError) -> None:
    """Make ``os.replace`` onto a file ending in ``suffix`` fail (others still work)."""
    real_replace = os.replace

    def replace_unless(src, dst):
        if str(dst).endswith(suffix):
            raise error
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_unless)


def test_a_project_file_that_cannot_be_replaced_keeps_the_previous_pair(
    tmp_path: Path, xor_project: Project, make_weights, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A locked .nnproj (chattr +i, macOS "Locked"): the new weights must not stay on disk
    # beside the old project, which would then no longer open.
    path = tmp_path / "xor.nnproj"
    old = make_weights(xor_project.network, seed=1)
    save_project(path, xor_project, old)
    project_before = path.read_bytes()
    bigger = replace(
        xor_project,
        network=NetworkSpec(
            inputs=2,
            layers=(LayerSpec(units=6, activation="tanh"), *xor_project.network.layers),
        ),
    )
    _fail_replacing(monkeypatch, ".nnproj", OSError(1, "Operation not permitted"))
    with pytest.raises(ProjectFileError, match=r"xor\.nnproj: Operation not permitted") as info:
        save_project(path, bigger, make_weights(bigger.network, seed=2))
    monkeypatch.undo()
    assert "could not be put back" not in str(info.value)
    assert path.read_bytes() == project_before
    assert_weights_equal(load_project(path).weights, old)
    # No temporary or backup files are left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.nnproj", "xor.weights.npz"]


def test_weights_that_cannot_be_put_back_are_kept_and_named(
    tmp_path: Path, xor_project: Project, make_weights, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "xor.nnproj"
    old = make_weights(xor_project.network, seed=1)
    save_project(path, xor_project, old)
    real_replace = os.replace

    def replace_weights_only(src, dst):
        if str(dst).endswith(".nnproj") or str(src).endswith(".backup"):
            raise OSError(1, "Operation not permitted")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_weights_only)
    with pytest.raises(ProjectFileError) as info:
        save_project(path, xor_project, make_weights(xor_project.network, seed=2))
    monkeypatch.undo()
    (backup,) = tmp_path.glob(".xor.weights.npz.*.backup")
    message = str(info.value)
    assert "xor.weights.npz could not be put back as it was" in message
    assert message.endswith(f"the previous weights are kept in {backup}")
    assert_weights_equal(load_weights_npz(backup, xor_project.network), old)


def test_a_failed_first_save_with_weights_leaves_no_weights_file(
    tmp_path: Path, xor_project: Project, make_weights, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project)  # no weights yet
    _fail_replacing(monkeypatch, ".nnproj", OSError(28, "No space left on device"))
    with pytest.raises(ProjectFileError, match="No space left on device"):
        save_project(path, xor_project, make_weights(xor_project.network))
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.nnproj"]
    assert load_project(path).weights is None


def test_a_weights_file_that_cannot_be_replaced_leaves_the_project_alone(
    tmp_path: Path, xor_project: Project, make_weights, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "xor.nnproj"
    old = make_weights(xor_project.network, seed=1)
    save_project(path, xor_project, old)
    _fail_replacing(monkeypatch, ".weights.npz", OSError(1, "Operation not permitted"))
    with pytest.raises(ProjectFileError, match=r"xor\.weights\.npz: Operation not permitted"):
        save_project(path, replace(xor_project, name="Changed"), make_weights(xor_project.network))
    monkeypatch.undo()
    loaded = load_project(path)
    assert loaded.project.name == "XOR"
    assert_weights_equal(loaded.weights, old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xor.nnproj", "xor.weights.npz"]


def test_saving_into_a_missing_folder_names_it(tmp_path: Path, xor_project: Project) -> None:
    with pytest.raises(ProjectFileError, match="does not exist"):
        save_project(tmp_path / "nowhere" / "xor.nnproj", xor_project)


def test_invalid_project_is_not_written(tmp_path: Path, xor_project: Project) -> None:
    bad = replace(xor_project, loss="categorical_crossentropy")
    path = tmp_path / "bad.nnproj"
    with pytest.raises(SpecError, match=r"cannot save bad\.nnproj.*softmax"):
        save_project(path, bad)
    assert not path.exists()


# ---- csv paths -----------------------------------------------------------------------------


def test_csv_path_stays_relative_in_the_same_folder(tmp_path: Path, csv_project: Project) -> None:
    saved = save_project(tmp_path / "a.nnproj", csv_project, source_dir=tmp_path)
    assert saved.data.csv == "data/houses.csv"


def test_csv_path_is_rewritten_when_saving_elsewhere(tmp_path: Path, csv_project: Project) -> None:
    source = tmp_path / "projects" / "houses"
    target = tmp_path / "elsewhere"
    source.mkdir(parents=True)
    target.mkdir()
    saved = save_project(target / "copy.nnproj", csv_project, source_dir=source)
    assert saved.data.csv == "../projects/houses/data/houses.csv"
    assert (target / saved.data.csv).resolve() == (source / "data/houses.csv").resolve()
    assert json.loads((target / "copy.nnproj").read_text())["data"]["csv"] == saved.data.csv


def test_csv_path_into_a_subfolder(tmp_path: Path, csv_project: Project) -> None:
    (tmp_path / "sub").mkdir()
    saved = save_project(tmp_path / "sub" / "p.nnproj", csv_project, source_dir=tmp_path)
    assert saved.data.csv == "../data/houses.csv"


def test_absolute_csv_path_is_kept(tmp_path: Path, csv_project: Project) -> None:
    absolute = (tmp_path / "houses.csv").resolve().as_posix()
    project = replace(csv_project, data=replace(csv_project.data, csv=absolute))
    (tmp_path / "other").mkdir()
    saved = save_project(tmp_path / "other" / "p.nnproj", project, source_dir=tmp_path)
    assert saved.data.csv == absolute


# ---- bad files -----------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match=r"project file .*missing\.nnproj does not exist"):
        load_project(tmp_path / "missing.nnproj")


def test_folder_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ProjectFileError, match="is a folder"):
        load_project(tmp_path)


def test_not_json_reports_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.nnproj", '{\n  "nnstudio": 1,\n  "name": "x"\n  "loss": 3\n}')
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    message = str(info.value)
    assert "broken.nnproj is not valid JSON" in message
    assert "line 4, column 3" in message


def test_an_unterminated_string_reads_naturally(tmp_path: Path) -> None:
    path = write(tmp_path / "broken.nnproj", '{\n  "nnstudio": 1,\n  "name": "x')
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    # json's own message ends in "at": it is not doubled ("starting at at line 3").
    assert str(info.value).endswith(
        "broken.nnproj is not valid JSON: Unterminated string starting at line 3, column 11"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"nnstudio": ' + "9" * 5000 + "}", "is not a project file"),
    ],
)
def test_json_no_parser_can_take_is_refused_with_a_message(tmp_path: Path, text, expected):
    path = write(tmp_path / "odd.nnproj", text)
    with pytest.raises(ProjectFileError, match=expected):
        load_project(path)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('{"nnstudio": 1, "nnstudio": 1}', "nnstudio"),
        ('{"training": {"epochs": 100, "epochs": 5}}', "training.epochs"),
        ('{"network": {"layers": [{}, {"units": 8, "units": 9}]}}', "network.layers[1].units"),
    ],
)
def test_a_field_given_twice_is_named(tmp_path: Path, text: str, field: str) -> None:
    path = write(tmp_path / "twice.nnproj", text)
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    expected = f"twice.nnproj: the field {field} is given more than once; keep only one"
    assert str(info.value) == expected


def test_deep_json_without_repeated_fields_reaches_validation(tmp_path: Path) -> None:
    path = write(tmp_path / "deep.nnproj", '{"name": ' + "[" * 900 + "]" * 900 + "}")
    with pytest.raises(SpecError, match=r"deep\.nnproj is not a valid project"):
        load_project(path)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "f.nnproj is not a project file: the file is empty"),
        (b"\xef\xbb\xbf \n\t\n", "f.nnproj is not a project file: the file is empty"),
        (
            b"PK\x03\x04\x14\x00\x00\x00",
            "f.nnproj is not a project file: it is a zip archive (such as .npz weights), "
            "not JSON text",
        ),
        (
            b"\x1f\x8b\x08\x00",
            "f.nnproj is not a project file: it is gzip-compressed (such as a .csv.gz data "
            "file), not JSON text",
        ),
        (
            b'{"format": "nnstudio.weights", "version": 1, "layers": []}',
            "f.nnproj is a weights file, not a project; a project starts from it with "
            "nnstudio train PROJECT --weights f.nnproj",
        ),
    ],
)
def test_files_of_other_kinds_are_named(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "f.nnproj"
    path.write_bytes(content)
    with pytest.raises(ProjectFileError) as info:
        load_project(path)
    assert str(info.value) == expected


@pytest.mark.parametrize(
    ("field", "names", "problem"),
    [
        ("feature_names", ["x1", " "], "feature_names[1]: must not be empty"),
        ("output_names", ["", "1"], "output_names[0]: must not be empty"),
    ],
)
def test_blank_names_are_refused(
    tmp_path: Path, xor_project: Project, field: str, names: list[str], problem: str
) -> None:
    document = xor_project.to_dict()
    document[field] = names
    path = write(tmp_path / "blank.nnproj", json.dumps(document))
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert info.value.problems == [problem]


def test_binary_file_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "image.nnproj"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    with pytest.raises(ProjectFileError, match=r"image\.nnproj is not a project file"):
        load_project(path)


def test_json_that_is_not_an_object(tmp_path: Path) -> None:
    path = write(tmp_path / "list.nnproj", "[1, 2, 3]\n")
    with pytest.raises(
        ProjectFileError, match=r"list\.nnproj .*expected a JSON object, got a list"
    ):
        load_project(path)


def test_an_object_where_a_number_belongs_is_called_an_object(
    tmp_path: Path, xor_project: Project
) -> None:
    # The reader's dict subclass (which remembers repeated keys) must not show its class name.
    document = xor_project.to_dict()
    document["training"]["early_stopping"] = {"patience": 5}
    path = write(tmp_path / "object.nnproj", json.dumps(document))
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert info.value.problems == [
        "training.early_stopping: expected a whole number, got an object {'patience': 5}"
    ]


def test_validation_problems_are_all_listed_with_the_file_name(
    tmp_path: Path, xor_project: Project
) -> None:
    document = xor_project.to_dict()
    document["network"]["layers"][0]["activation"] = "relu6"
    document["training"]["learning_rate"] = -1
    path = write(tmp_path / "invalid.nnproj", json.dumps(document))
    with pytest.raises(SpecError) as info:
        load_project(path)
    error = info.value
    assert str(error).startswith("invalid.nnproj is not a valid project: 2 problems")
    assert any(
        p.startswith("network.layers[0].activation: unknown 'relu6'") for p in error.problems
    )
    assert any(p.startswith("training.learning_rate") for p in error.problems)


def test_networks_too_big_to_train_and_endless_epoch_counts_are_refused(
    tmp_path: Path, xor_project: Project
) -> None:
    document = xor_project.to_dict()
    # Three hidden layers of 20,000 units: 800 million parameters, each layer within bounds.
    hidden = {"units": 20_000, "activation": "relu"}
    document["network"]["layers"] = [hidden, hidden, hidden, document["network"]["layers"][-1]]
    document["training"]["epochs"] = 10**15
    path = write(tmp_path / "huge.nnproj", json.dumps(document))
    with pytest.raises(SpecError) as info:
        load_project(path)
    problems = info.value.problems
    assert any(
        p.startswith("network: the network has 800,120,001 parameters; nnstudio trains")
        for p in problems
    ), problems
    assert any(p.startswith("training.epochs") and "100000000" in p for p in problems), problems


def test_missing_weights_file_is_named(tmp_path: Path, xor_project: Project) -> None:
    document = dict(xor_project.to_dict(), weights="gone.weights.npz")
    path = write(tmp_path / "p.nnproj", json.dumps(document))
    with pytest.raises(
        ProjectFileError, match=r"p.nnproj names the weights file 'gone.weights.npz'"
    ):
        load_project(path)


def test_weights_field_naming_a_folder_says_so(tmp_path: Path, xor_project: Project) -> None:
    (tmp_path / "w.npz").mkdir()
    path = write(tmp_path / "xor.nnproj", json.dumps(xor_project.to_dict() | {"weights": "w.npz"}))
    with pytest.raises(WeightsFileError) as info:
        load_project(path)
    assert str(info.value).startswith(
        f"xor.nnproj names the weights file 'w.npz', but {tmp_path / 'w.npz'} is a folder"
    )


def test_weights_of_the_wrong_shape_name_layer_and_shapes(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    path = tmp_path / "p.nnproj"
    save_project(path, xor_project, make_weights(xor_project.network))
    wider = NetworkSpec(
        inputs=2, layers=(LayerSpec(units=5, activation="tanh"), xor_project.network.output)
    )
    document = json.loads(path.read_text())
    document["network"] = replace(xor_project, network=wider).to_dict()["network"]
    write(path, json.dumps(document))
    with pytest.raises(WeightsFileError) as info:
        load_project(path)
    message = str(info.value)
    assert message.startswith("p.nnproj: p.weights.npz: layer 1 (W1)")
    assert "(2, 4)" in message and "(2, 5)" in message


def test_loading_without_weights_skips_the_file(tmp_path: Path, xor_project: Project) -> None:
    document = dict(xor_project.to_dict(), weights="gone.weights.npz")
    path = write(tmp_path / "p.nnproj", json.dumps(document))
    loaded = load_project(path, load_weights=False)
    assert loaded.weights is None
    assert loaded.project.weights == "gone.weights.npz"


def test_weights_file_that_is_not_npz(tmp_path: Path, xor_project: Project) -> None:
    write(tmp_path / "p.weights.npz", "not a zip archive")
    document = dict(xor_project.to_dict(), weights="p.weights.npz")
    path = write(tmp_path / "p.nnproj", json.dumps(document))
    with pytest.raises(ProjectFileError, match=r"p.weights.npz is not a valid \.npz weights file"):
        load_project(path)


def test_weights_file_with_too_few_layers(
    tmp_path: Path, xor_project: Project, make_weights
) -> None:
    one_layer = replace(
        xor_project,
        network=NetworkSpec(inputs=2, layers=(xor_project.network.output,)),
    )
    save_weights_npz(tmp_path / "p.weights.npz", one_layer, make_weights(one_layer.network))
    document = dict(xor_project.to_dict(), weights="p.weights.npz")
    path = write(tmp_path / "p.nnproj", json.dumps(document))
    with pytest.raises(ProjectFileError, match="lacks W2, b2"):
        load_project(path)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_saved_files_get_usual_permissions(tmp_path: Path, xor_project: Project) -> None:
    path = tmp_path / "xor.nnproj"
    save_project(path, xor_project)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    save_project(path, xor_project)
    assert path.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(
    ("version", "shown"), [(True, "a boolean true"), (1.0, "a number 1.0"), ("1", 'a string "1"')]
)
def test_the_format_version_is_a_whole_number(tmp_path: Path, xor_project: Project, version, shown):
    document = xor_project.to_dict()
    document["nnstudio"] = version
    path = write(tmp_path / "v.nnproj", json.dumps(document))
    with pytest.raises(SpecError) as info:
        load_project(path)
    assert info.value.problems == [
        f"nnstudio: the format version must be a whole number such as 1, got {shown}"
    ]


def test_huge_or_long_values_are_shown_shortened(tmp_path: Path, xor_project: Project) -> None:
    # A hand edit that pastes a 400-digit number or a page of text gets a readable message,
    # not the whole value echoed back (nor a crash converting it to a float).
    document = xor_project.to_dict()
    document["network"]["layers"][0]["units"] = 10**400
    document["network"]["layers"][0]["activation"] = "r" * 5000
    document["training"]["learning_rate"] = 10**400
    document["training"]["seed"] = -(10**30)
    path = write(tmp_path / "long.nnproj", json.dumps(document))
    with pytest.raises(SpecError) as info:
        load_project(path)
    problems = info.value.problems
    assert "network.layers[0].units: must be <= 100000, got 100000000000… (401 digits)" in problems
    assert "training.learning_rate: must be <= 1000, got 100000000000… (401 digits)" in problems
    assert "training.seed: must be >= 0, got \u221210000000000… (31 digits)" in problems
    (activation,) = [p for p in problems if p.startswith("network.layers[0].activation")]
    assert "(5,000 characters)" in activation
    assert len(str(info.value)) < 1000


def test_load_project_can_leave_unusable_weights_out(tmp_path: Path, xor_project: Project) -> None:
    # The studio opens such a project with fresh weights and says why.
    document = dict(xor_project.to_dict(), weights="gone.weights.npz")
    path = write(tmp_path / "p.nnproj", json.dumps(document))
    loaded = load_project(path, unusable_weights="skip")
    assert loaded.weights is None
    assert loaded.weights_problem is not None
    assert loaded.weights_problem.startswith("p.nnproj names the weights file 'gone.weights.npz'")
    # The advice to edit the file is for those who cannot start afresh otherwise.
    assert "remove the" not in loaded.weights_problem
    with pytest.raises(WeightsFileError, match='remove the "weights" field'):
        load_project(path)
