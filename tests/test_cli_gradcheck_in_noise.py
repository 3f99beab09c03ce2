"""``nnstudio gradcheck`` on vanishing gradients: layers in noise neither pass nor fail, the
run exits 0 and says why; a measurably wrong gradient still exits 1, naming its layer. When no
layer at all could be measured nothing was verified: the run exits 3 (not 0, which a script
would read as "gradients verified") and says what could not be checked and what to try."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

from nnstudio import cli
from nnstudio.engine.network import Network
from nnstudio.io.project import load_project, save_project
from nnstudio.spec import Project
from nnstudio.workflow import build_network, load_for_training
from tests.test_cli import XOR_PROJECT, run, write_project

#: The XOR sample with ten sigmoid layers of four small-weighted units: the first layers'
#: gradients (1e-15 to 1e-9) are below what a central difference resolves to 1e-6.
DEEP_SIGMOID = copy.deepcopy(XOR_PROJECT)
DEEP_SIGMOID["network"]["layers"] = [
    *({"units": 4, "activation": "sigmoid", "init": "normal"} for _ in range(10)),
    {"units": 1, "activation": "sigmoid"},
]


@pytest.fixture
def deep(tmp_path: Path) -> Path:
    return write_project(tmp_path, DEEP_SIGMOID, "deep.nnproj")


def _verdicts(report: str) -> dict[int, str]:
    """Each layer's result in the layer table."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == ["layer"])
    verdicts = {}
    for line in lines[start + 1 :]:
        if not line.split() or not line.split()[0].isdigit():
            break
        verdicts[int(line.split()[0])] = (
            "in noise" if line.endswith("in noise") else line.split()[-1]
        )
    return verdicts


def test_layers_in_noise_do_not_fail_the_check(deep: Path, capsys) -> None:
    assert cli.main(["gradcheck", str(deep), "--entries", "2"]) == cli.EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == ""
    verdicts = _verdicts(captured.out)
    assert [verdicts[n] for n in range(1, 6)] == ["in noise"] * 5, captured.out
    assert [verdicts[n] for n in range(6, 12)] == ["ok"] * 6
    assert "FAIL" not in captured.out
    assert "over the 6 measured layers: passed" in captured.out
    assert (
        "note: 5 of 11 layers could not be measured (in noise, neither passed nor failed): "
        "in layers 1–5 the gradients are too small for the step"
    ) in captured.out
    assert "the gradient is too small for the step" in captured.out.split("entries that")[1]


def test_a_wrong_gradient_among_layers_in_noise_still_exits_1(
    deep: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Network.loss_and_gradients

    def layer_4_five_percent_off(self, *args, **kwargs):
        loss, grads = real(self, *args, **kwargs)
        dW, db = grads[3]
        grads[3] = (dW * 1.05, db)  # gradients around 1e-10: small, but measurable
        return loss, grads

    monkeypatch.setattr(Network, "loss_and_gradients", layer_4_five_percent_off)
    assert cli.main(["gradcheck", str(deep)]) == cli.EXIT_FAILURE
    captured = capsys.readouterr()
    verdicts = _verdicts(captured.out)
    assert verdicts[4] == "FAIL", captured.out
    assert [verdicts[n] for n in (1, 2, 3)] == ["in noise"] * 3
    assert "FAILED" in captured.out
    assert "gradient check failed: largest relative error" in captured.err
    assert captured.err.rstrip().endswith("(failing: layer 4)")


#: A linear regression of the sine data: one identity layer.
LINEAR = {
    "nnstudio": 1,
    "name": "linear",
    "data": {"builtin": "sine", "samples": 60},
    "network": {"inputs": 1, "layers": [{"units": 1, "activation": "identity"}]},
    "loss": "mse",
    "training": {"dtype": "float64"},
}


def _saved(path: Path, document: dict, weights) -> Path:
    save_project(path, Project.from_dict(document), weights)
    return path


@pytest.fixture
def diverged(tmp_path: Path) -> Path:
    """A 1-1-1 regression at weights around 1e20: the loss, about 1e41, rounds away any step."""
    document = copy.deepcopy(LINEAR)
    document["network"]["layers"].insert(0, {"units": 1, "activation": "identity"})
    (W1, b1), (W2, b2) = build_network(Project.from_dict(document)).weights()
    weights = ((np.full_like(W1, 3e20), np.full_like(b1, 1e20)), (np.full_like(W2, 2.0), b2))
    return _saved(tmp_path / "diverged.nnproj", document, weights)


@pytest.fixture
def fitted(tmp_path: Path) -> Path:
    """The linear regression at the least-squares fit of the 16 examples a check takes: its
    gradients there are rounding errors (about 1e-16), too small for any step."""
    path = _saved(tmp_path / "fitted.nnproj", LINEAR, None)
    _project, _network, dataset = load_for_training(load_project(path))
    X = dataset.X_train[:16].astype(np.float64)
    Y = dataset.targets_for(1, "identity")[0][:16].astype(np.float64)
    solution = np.linalg.lstsq(np.hstack([X, np.ones((16, 1))]), Y, rcond=None)[0]
    return _saved(path, LINEAR, ((solution[:1].reshape(1, 1), solution[1:].reshape(1)),))


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("nnstudio: error: ")]


def test_no_layer_measured_exits_3_and_says_what_to_try(diverged: Path) -> None:
    # Run as a script would: the process's own exit status.
    result = run("gradcheck", diverged)
    assert result.returncode == cli.EXIT_UNMEASURED == 3, result.stderr
    assert _verdicts(result.stdout) == {1: "in noise", 2: "in noise"}, result.stdout
    assert "no layer could be measured: nothing passed or failed" in result.stdout
    assert "passed (" not in result.stdout and "FAILED" not in result.stdout
    [error] = _error_lines(result.stderr)
    assert "Traceback" not in result.stderr
    assert error.startswith(
        "nnstudio: error: gradient check inconclusive: no layer could be measured (all 2 "
        "layers are in noise), so backpropagation was neither confirmed nor refuted; the loss "
        "J = 6.78e+41 is so large that its rounding swamps the change a step makes (a "
        "diverged network): check at fresh weights (nnstudio train "
    )
    assert error.endswith(
        " --reinit --epochs 0 --save FRESH.nnproj writes them, then check FRESH.nnproj)"
    )


def test_gradients_too_small_everywhere_exit_3_and_following_the_advice_measures_them(
    fitted: Path, capsys
) -> None:
    assert cli.main(["gradcheck", str(fitted)]) == cli.EXIT_UNMEASURED
    captured = capsys.readouterr()
    assert _verdicts(captured.out) == {1: "in noise"}, captured.out
    [error] = _error_lines(captured.err)
    assert (
        "no layer could be measured (its one layer is in noise), so backpropagation was "
        "neither confirmed nor refuted; the gradients are too small for the step: check on "
        "other examples (--samples N takes the first N; 16 were checked) or at weights where "
        "the gradients are larger, such as fresh ones (nnstudio train "
    ) in error
    assert "diverged" not in error
    # Other examples: the fit is no longer exact there, and the check measures it.
    assert cli.main(["gradcheck", str(fitted), "--samples", "20"]) == cli.EXIT_OK
    captured = capsys.readouterr()
    assert _verdicts(captured.out) == {1: "ok"} and captured.err == ""


def test_help_lists_the_exit_statuses() -> None:
    result = run("gradcheck", "--help")
    text = " ".join(result.stdout.split())
    assert (
        "Exit status: 0 when no layer fails (layers in noise neither pass nor fail); 1 when a "
        "layer fails or the check cannot run; 2 for a usage error; 3 when no layer could be "
        "measured (every layer in noise), so nothing was verified; 130 when stopped by Ctrl+C."
    ) in text
