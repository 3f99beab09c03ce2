"""``nnstudio train`` on a saved, trained project counts on from the epoch its weights had
reached: up to the project's epochs by default, ``--epochs N`` more, ``--reinit`` from 0,
and ``--save`` stores the new position."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nnstudio import cli
from nnstudio.io.project import load_project

# Full batch on 100 training examples: one step an epoch.
PROJECT = {
    "nnstudio": 1,
    "name": "XOR",
    "data": {"builtin": "xor", "samples": 125, "noise": 0.1, "seed": 1},
    "network": {
        "inputs": 2,
        "layers": [
            {"units": 4, "activation": "tanh"},
            {"units": 1, "activation": "sigmoid"},
        ],
    },
    "loss": "binary_crossentropy",
    "training": {
        "optimizer": "adam",
        "learning_rate": 0.05,
        "epochs": 12,
        "batch_size": "full",
        "schedule": {"name": "step", "step_size": 5, "gamma": 0.5},
    },
}


def _train(capsys: pytest.CaptureFixture[str], *args: str | Path) -> str:
    """Run ``nnstudio train ARGS`` in this process; return what it wrote to stderr."""
    assert cli.main(["train", *map(str, args), "--threads", "1"]) == cli.EXIT_OK
    return capsys.readouterr().err


def _position(path: Path) -> tuple[int, int]:
    return load_project(path).training_position


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "xor.nnproj"
    path.write_text(json.dumps(PROJECT), encoding="utf-8")
    return path


def test_train_goes_on_to_the_projects_epochs_and_saves_how_far(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.nnproj"
    _train(capsys, source, "--epochs", "4", "--save", first)
    assert _position(first) == (4, 4)
    # The saved project keeps its own epochs; its weights are at epoch 4 of them.
    assert load_project(first).project.training.epochs == 12

    second = tmp_path / "second.nnproj"
    err = _train(capsys, first, "--save", second)
    assert (
        "continuing from epoch 4, step 4, where the weights were saved: 8 more epochs, up to "
        "the project's 12"
    ) in err
    assert "epoch 12/12" in err
    assert "Finished 12 epochs (12 steps)." in err
    assert "trained for 12 epochs" in err
    assert _position(second) == (12, 12)


def test_train_says_when_the_weights_have_their_epochs_already(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = tmp_path / "done.nnproj"
    _train(capsys, source, "--save", done)
    assert _position(done) == (12, 12)
    again = tmp_path / "again.nnproj"
    err = _train(capsys, done, "--quiet", "--save", again)
    # Said even with --quiet: nothing was trained.
    assert (
        "the weights were trained for 12 epochs already, as many as the project sets: nothing "
        "to train (--epochs N trains N more; --reinit starts afresh)"
    ) in err
    assert _position(again) == (12, 12)
    assert load_project(again).weights[0][0].tolist() == load_project(done).weights[0][0].tolist()


def test_epochs_trains_that_many_more_and_reinit_starts_at_zero(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = tmp_path / "done.nnproj"
    _train(capsys, source, "--save", done)
    more = tmp_path / "more.nnproj"
    err = _train(capsys, done, "--epochs", "3", "--save", more)
    assert (
        "continuing from epoch 12, step 12, where the weights were saved: 3 more epochs, to "
        "epoch 15"
    ) in err
    assert "epoch 15/15" in err
    assert "Finished 15 epochs (15 steps)." in err
    assert _position(more) == (15, 15)

    fresh = tmp_path / "fresh.nnproj"
    err = _train(capsys, more, "--reinit", "--epochs", "2", "--save", fresh)
    assert "continuing" not in err and "epoch 2/2" in err
    assert _position(fresh) == (2, 2)


def test_a_weights_file_brings_its_position(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = tmp_path / "done.nnproj"
    _train(capsys, source, "--epochs", "5", "--save", done)
    out = tmp_path / "out.nnproj"
    err = _train(capsys, source, "--weights", tmp_path / "done.weights.npz", "--save", out)
    assert "continuing from epoch 5, step 5" in err
    assert _position(out) == (12, 12)


def test_a_run_from_a_position_counts_its_schedule_on(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Training 4 epochs, saving, and training on to 12 gives the learning rates of one run
    of 12 (the step schedule halves the rate at epochs 5 and 10)."""
    from nnstudio.workflow import load_for_training, make_trainer

    first = tmp_path / "first.nnproj"
    _train(capsys, source, "--epochs", "4", "--save", first)
    loaded = load_project(first)
    project, network, dataset = load_for_training(loaded)
    trainer = make_trainer(project, network, dataset, start=loaded.training_position)
    assert trainer.learning_rate == pytest.approx(0.05)
    trainer.run_epoch()
    assert trainer.learning_rate == pytest.approx(0.025)


def test_more_epochs_than_a_run_can_count_to_are_refused(
    source: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    import nnstudio.spec

    done = tmp_path / "done.nnproj"
    _train(capsys, source, "--epochs", "5", "--save", done)
    # A small limit in place of 100,000,000, which a test could never train up to.
    monkeypatch.setattr(nnstudio.spec, "MAX_EPOCHS", 20)
    assert cli.main(["train", str(done), "--epochs", "18"]) == cli.EXIT_FAILURE
    err = capsys.readouterr().err
    assert (
        "--epochs 18 would train the weights, at epoch 5 already, to epoch 23, beyond the 20 a "
        "run can count to; train at most 15 more, or start afresh with --reinit"
    ) in err


def test_help_says_how_epochs_count(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--help"]) == cli.EXIT_OK
    text = " ".join(capsys.readouterr().out.split())
    assert "train N more epochs, counted on from the epoch the stored weights had reached" in text
    assert "--reinit starts again from epoch 0" in text


def test_an_early_stopped_run_saves_the_restored_epochs_position(
    tmp_path: Path, samples_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = json.loads((samples_dir / "iris.nnproj").read_text())
    project["data"]["csv"] = str(samples_dir / "iris.csv")
    project["training"].update(early_stopping=5, epochs=2000, learning_rate=0.05)
    source = tmp_path / "stopping.nnproj"
    source.write_text(json.dumps(project))
    err = _train(capsys, source, "--save", tmp_path / "stopped.nnproj")
    stopped_at = int(err.split("Early stopping at epoch ")[1].split(":")[0])
    best = int(err.split("restored the weights of epoch ")[1].split(" ")[0])
    assert stopped_at == best + 5
    epoch, step = _position(tmp_path / "stopped.nnproj")
    assert epoch == best and 0 < step
    assert f"trained for {best} epochs)" in err
