"""``nnstudio gradcheck``: each layer's worst entries side by side, dropout with fixed masks,
and the input it refuses in one line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nnstudio import cli
from tests.test_cli import XOR_PROJECT, assert_clean_failure, run, write_project
from tests.test_cli import gradcheck_calls as gradcheck_calls  # the fixture

#: The columns of the entries table.
ENTRY_HEADER = [
    "layer", "entry", "backprop", "numerical", "abs.", "diff.", "rel.", "error", "result"
]  # fmt: skip


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The XOR project (2-6-1) trained through the command line and saved with its weights."""
    folder = tmp_path_factory.mktemp("trained")
    source = write_project(folder, XOR_PROJECT)
    result = run("train", source, "--save", folder / "trained.nnproj")
    assert result.returncode == 0, result.stderr
    return folder / "trained.nnproj"


def entry_rows(report: str) -> tuple[str, list[list[str]]]:
    """The entries table's heading and its rows split into columns (the name kept whole)."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("entries that agree"))
    header = lines[start + 1]
    rows = []
    for line in lines[start + 2 :]:
        if line.startswith("note:") or not line.strip():
            break
        layer, *name, backprop, numeric, difference, relative, verdict = line.split()
        rows.append([layer, " ".join(name), backprop, numeric, difference, relative, verdict])
    return header, rows


def test_gradcheck_lists_each_layers_worst_entries(trained: Path) -> None:
    result = run("gradcheck", trained, "--samples", "8", "--entries", "3")
    assert result.returncode == cli.EXIT_OK, result.stderr
    assert result.stderr == ""
    report = result.stdout
    # The layer table and verdict first, as without --entries.
    assert "largest relative error" in report.split("entries that agree worst")[0]
    assert "entries that agree worst, at most 3 per layer (indices from 0, as in the " in report
    header, rows = entry_rows(report)
    assert header.split() == ENTRY_HEADER
    # 12 + 6 entries in the first layer, 6 + 1 in the second: three of each.
    assert [row[0] for row in rows] == ["1", "1", "1", "2", "2", "2"]
    for layer, name, backprop, numeric, difference, relative, verdict in rows:
        assert name.startswith((f"W{layer}[", f"b{layer}["))
        g, n = float(backprop), float(numeric)
        # The values are printed to ten digits: their difference is known to about 1e-9 of them.
        assert float(difference) == pytest.approx(abs(g - n), abs=1e-9 * abs(g))
        assert float(relative) == pytest.approx(float(difference) / (abs(g) + abs(n)), rel=2e-3)
        assert float(relative) < 1e-6 and verdict == "ok"
    # Worst first within each layer.
    for layer in ("1", "2"):
        errors = [float(row[5]) for row in rows if row[0] == layer]
        assert errors == sorted(errors, reverse=True)
    # Aligned: each number ends below the end of its heading.
    lines = report.splitlines()
    table = lines[lines.index(header) + 1 : lines.index(header) + 1 + len(rows)]
    for heading in ("backprop", "numerical", "abs. diff.", "rel. error"):
        end = header.index(heading) + len(heading)
        assert all(line[end - 1] != " " and line[end : end + 1] == " " for line in table)


def test_gradcheck_entries_put_a_wrong_gradient_first(
    trained: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    from nnstudio.engine.network import Network

    real = Network.loss_and_gradients

    def slipped(self, *args, **kwargs):
        loss, grads = real(self, *args, **kwargs)
        dW, db = grads[0]
        grads[0] = (dW, db * 1.01)  # the first layer's bias gradients 1 % off
        return loss, grads

    monkeypatch.setattr(Network, "loss_and_gradients", slipped)
    assert cli.main(["gradcheck", str(trained), "--entries", "2"]) == cli.EXIT_FAILURE
    _header, rows = entry_rows(capsys.readouterr().out)
    first_layer = [row for row in rows if row[0] == "1"]
    assert [row[6] for row in first_layer] == ["FAIL", "FAIL"]
    for _layer, name, backprop, numeric, *_rest in first_layer:
        assert name.startswith("b1[")
        assert float(backprop) == pytest.approx(1.01 * float(numeric), rel=1e-6)
    assert all(row[6] == "ok" for row in rows if row[0] == "2")


@pytest.mark.parametrize(
    ("count", "expected"),
    [("0", "expected 1 or more, got '0'"), ("-2", "expected 1 or more, got '-2'"),
     ("five", "expected a whole number, got 'five'")],
)  # fmt: skip
def test_gradcheck_refuses_an_entry_count_it_cannot_use(
    trained: Path, count: str, expected: str
) -> None:
    result = run("gradcheck", trained, "--entries", count)
    assert result.returncode == cli.EXIT_USAGE
    assert f"argument --entries: {expected}" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_gradcheck_with_dropout_needs_a_dropout_layer(trained: Path) -> None:
    result = run("gradcheck", trained, "--dropout")
    assert result.returncode == cli.EXIT_FAILURE
    assert_clean_failure(
        result,
        "--dropout: no layer of 2-6(tanh)-1(sigmoid) uses dropout, so there are no masks to "
        "hold fixed",
    )
    assert result.stdout == ""


@pytest.fixture(scope="module")
def dropping(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The XOR project with dropout on its hidden layer."""
    document = json.loads(json.dumps(XOR_PROJECT))
    document["network"]["layers"][0]["dropout"] = 0.3
    return write_project(tmp_path_factory.mktemp("dropout"), document)


def test_gradcheck_with_dropout_holds_one_set_of_masks(
    dropping: Path, gradcheck_calls: list[dict], capsys
) -> None:
    assert cli.main(["gradcheck", str(dropping), "--samples", "8", "--dropout"]) == cli.EXIT_OK
    with_masks = capsys.readouterr().out
    assert with_masks.startswith(
        "gradient check of 2-6(tanh)-1(sigmoid) on 8 examples (float64, dropout with fixed masks)\n"
    )
    assert "passed" in with_masks
    # Without the flag the same network is checked with dropout off, as before.
    assert cli.main(["gradcheck", str(dropping), "--samples", "8"]) == cli.EXIT_OK
    assert "on 8 examples (float64)\n" in capsys.readouterr().out
    assert [call["dropout"] for call in gradcheck_calls] == [True, False]


def test_gradcheck_names_a_loss_it_cannot_check(tmp_path: Path) -> None:
    from nnstudio.io.project import save_project
    from nnstudio.spec import Project
    from nnstudio.workflow import build_network

    document = json.loads(json.dumps(XOR_PROJECT))
    document["network"]["layers"][1] = {"units": 2, "activation": "identity"}
    document["loss"] = "mse"
    document["training"]["dtype"] = "float64"
    project = Project.from_dict(document)
    # Finite weights whose outputs, squared, go beyond float64.
    huge = [(np.full_like(W, 1e200), b) for W, b in build_network(project).weights()]
    source = tmp_path / "huge.nnproj"
    save_project(source, project, huge)
    result = run("gradcheck", source)
    assert_clean_failure(
        result, "cannot check the gradients: the loss at these weights is inf, not a finite number"
    )
    assert result.returncode == cli.EXIT_FAILURE
    assert "Warning" not in result.stderr and result.stdout == ""


def test_gradcheck_help_offers_entries_and_dropout() -> None:
    result = run("gradcheck", "--help")
    text = " ".join(result.stdout.split())
    assert "--entries K also list each layer's K entries that agree worst" in text
    assert "--dropout check with the layers' dropout on: one set of masks, drawn once" in text
