"""``nnstudio gradcheck`` on vanishing gradients: layers in noise neither pass nor fail, the
run exits 0 and says why; a measurably wrong gradient still exits 1, naming its layer."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from nnstudio import cli
from nnstudio.engine.network import Network
from tests.test_cli import XOR_PROJECT, write_project

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
