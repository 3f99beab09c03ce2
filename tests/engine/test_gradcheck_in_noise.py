"""Layers whose differences from backpropagation are only rounding noise are "in noise".

A deep sigmoid network's first layers have gradients far below what a central difference can
resolve against the rounding of the loss; a diverged network's loss can be so large that its
rounding swamps any step. Such a layer neither passes nor fails, does not fail the check, and
the report says why. A gradient that is measurably wrong still fails, however small.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.engine.gradcheck import (
    MAX_EPSILON,
    EntryCheck,
    GradCheckReport,
    LayerCheck,
    gradient_check,
)
from nnstudio.engine.network import Network
from nnstudio.spec import LayerSpec, NetworkSpec

TOLERANCE = 1e-6
#: Layers 1-5 of the network below are in noise, 6-11 measured (checked when written).
IN_NOISE = (1, 2, 3, 4, 5)


def _vanishing() -> tuple[Network, np.ndarray, np.ndarray]:
    """Ten sigmoid layers of 4 units with small weights: layer 1's gradients are ~1e-15,
    layer 4's ~1e-10 and the output layer's ~0.5, with a loss near 0.44."""
    hidden = tuple(LayerSpec(4, "sigmoid", init="normal") for _ in range(10))
    spec = NetworkSpec(2, (*hidden, LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", seed=1, dtype="float64")
    rng = np.random.default_rng(0)
    return net, rng.standard_normal((8, 2)), rng.standard_normal((8, 1))


def _break_gradients(monkeypatch: pytest.MonkeyPatch, change) -> None:
    """Have backpropagation hand out ``change(grads)`` instead of its gradients."""
    real = Network.loss_and_gradients

    def broken(self, *args, **kwargs):
        loss, grads = real(self, *args, **kwargs)
        return loss, change([(dW.copy(), db.copy()) for dW, db in grads])

    monkeypatch.setattr(Network, "loss_and_gradients", broken)


def test_correct_vanishing_gradients_are_in_noise_not_failed() -> None:
    net, X, Y = _vanishing()
    report = gradient_check(net, X, Y)
    verdicts = [layer.verdict(TOLERANCE) for layer in report.layers]
    assert verdicts == ["in noise"] * 5 + ["ok"] * 6, report.format()
    for layer in report.in_noise(TOLERANCE):
        # Neither a pass hidden as "ok"...
        assert layer.error > TOLERANCE
        # ...nor a failure: no entry is further from backprop than rounding noise.
        assert {entry.verdict(TOLERANCE) for entry in layer.entries} <= {"ok", "in noise"}
        assert layer.noise_causes(TOLERANCE) == {"small gradient"}
    assert report.passed(TOLERANCE)
    assert report.failing(TOLERANCE) == ()
    assert [layer.layer for layer in report.in_noise(TOLERANCE)] == list(IN_NOISE)
    # The largest error of the layers that could be measured, not the noise's 1.0.
    assert report.measured_max_error(TOLERANCE) < TOLERANCE < report.max_error
    # All-zero differences tie at every step: the largest, strictest one is kept.
    assert report.layers[0].weight_epsilon == MAX_EPSILON


def test_the_report_counts_the_layers_in_noise_and_names_the_reason() -> None:
    net, X, Y = _vanishing()
    text = gradient_check(net, X, Y).format(TOLERANCE)
    rows = {line.split()[0]: line for line in text.splitlines()[1:12]}
    assert all(rows[str(n)].endswith("in noise") for n in IN_NOISE)
    assert all(rows[str(n)].endswith("ok") for n in range(6, 12))
    assert "FAIL" not in text
    assert "largest relative error" in text and "over the 6 measured layers: passed" in text
    note = next(line for line in text.splitlines() if "could not be measured" in line)
    assert note.startswith("note: 5 of 11 layers could not be measured (in noise, neither ")
    assert "in layers 1–5 the gradients are too small for the step" in note
    assert "even at epsilon 0.001" in note
    assert "so large" not in note


def test_a_wrong_small_gradient_still_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def five_percent_off_in_layer_4(grads):
        dW, db = grads[3]
        grads[3] = (dW * 1.05, db)  # layer 4's weights, gradients around 1e-10
        return grads

    _break_gradients(monkeypatch, five_percent_off_in_layer_4)
    net, X, Y = _vanishing()
    report = gradient_check(net, X, Y)
    # Correct, layer 4 is in noise; 5 % off, it is measurably wrong at the largest step.
    verdicts = [layer.verdict(TOLERANCE) for layer in report.layers]
    assert verdicts[3] == "FAIL", report.format()
    assert verdicts[:3] == ["in noise"] * 3 and verdicts[5:] == ["ok"] * 6
    assert not report.passed(TOLERANCE)
    assert [layer.layer for layer in report.failing(TOLERANCE)] == [4]
    wrong = [e for e in report.layers[3].entries if e.verdict(TOLERANCE) == "FAIL"]
    assert wrong and all(e.tensor == "W" and abs(e.backprop) < 1e-9 for e in wrong)
    assert "FAILED" in report.format(TOLERANCE)


def test_one_wrong_entry_among_entries_in_noise_fails_its_layer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def one_entry_off(grads):
        grads[0][0][1, 2] += 1e-9  # true gradient ~1e-15: the rest of layer 1 is in noise
        return grads

    _break_gradients(monkeypatch, one_entry_off)
    net, X, Y = _vanishing()
    report = gradient_check(net, X, Y)
    first = report.layers[0]
    assert first.verdict(TOLERANCE) == "FAIL", report.format()
    failing = [entry.name for entry in first.entries if entry.verdict(TOLERANCE) == "FAIL"]
    assert failing == ["W1[1, 2]"]
    assert not report.passed(TOLERANCE)


def test_a_loss_too_large_for_any_step_is_named_as_the_reason() -> None:
    # A diverged regression: weights around 1e20 make the loss about 1e40, whose rounding is
    # far larger than the change any step makes, although the gradients are huge.
    spec = NetworkSpec(1, (LayerSpec(1, "relu"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", seed=0, dtype="float64")
    net.params[0][0][...] = 3e20
    net.params[0][1][...] = 1e20
    net.params[1][0][...] = 2.0
    X = np.linspace(1.0, 2.0, 6).reshape(-1, 1)
    report = gradient_check(net, X, np.zeros((6, 1)))
    assert report.loss > 1e40
    assert [layer.verdict(TOLERANCE) for layer in report.layers] == ["in noise"] * 2
    for layer in report.layers:
        assert layer.noise_causes(TOLERANCE) == {"large loss"}
        assert max(abs(entry.backprop) for entry in layer.entries) > 1e19
    assert report.passed(TOLERANCE)
    text = report.format(TOLERANCE)
    assert "no layer could be measured: nothing passed or failed" in text
    assert "in layers 1, 2 the loss J = " in text and "is so large that its rounding" in text
    assert "too small" not in text.split("entries that agree")[0]
    entries = report.format_entries(2, TOLERANCE)
    assert "the loss (J = " in entries and "gradient is too small" not in entries


def _entry(backprop: float, numeric: float, noise: float) -> EntryCheck:
    return EntryCheck(1, "W", (0, 0), backprop, numeric, 1e-3, noise=noise)


def _layer(error: float, *entries: EntryCheck) -> LayerCheck:
    return LayerCheck(1, (1, 1), error, 0.0, len(entries), 0, 0.0, entries=entries)


def test_a_layers_verdict_is_in_noise_only_when_no_entry_fails() -> None:
    noisy = _entry(1e-15, 0.0, noise=1e-12)
    wrong = _entry(2e-10, 1e-10, noise=1e-12)  # far beyond the noise
    fine = _entry(0.5, 0.5 + 1e-12, noise=1e-12)
    assert _layer(1e-9, fine).verdict(TOLERANCE) == "ok"
    assert _layer(0.5, noisy, fine).verdict(TOLERANCE) == "in noise"
    assert _layer(0.5, noisy, wrong).verdict(TOLERANCE) == "FAIL"
    assert _layer(float("nan"), noisy).verdict(TOLERANCE) == "FAIL"
    # Nothing to show it is noise: an error above the tolerance fails.
    assert _layer(0.5).verdict(TOLERANCE) == "FAIL"
    assert _layer(0.5, fine).verdict(TOLERANCE) == "FAIL"
    report = GradCheckReport((_layer(0.5, noisy, fine), _layer(1e-9, fine)), 0.4, 1e-6)
    assert report.passed(TOLERANCE) and len(report.in_noise(TOLERANCE)) == 1
    report = GradCheckReport((_layer(0.5, noisy, fine), _layer(0.5, noisy, wrong)), 0.4, 1e-6)
    assert not report.passed(TOLERANCE)
