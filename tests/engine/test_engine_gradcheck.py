"""Backpropagation agrees with central differences for every activation, loss and initialiser.

Finite differences are only meaningful where the objective is smooth. The inputs are random
normals and hidden biases start at ±0.1, so a ReLU unit whose inputs are all zero does not sit
exactly on its kink; each check also asserts that no ReLU pre-activation or MAE residual lies
next to its kink (``report.near_kinks == 0``), so a pass is never luck and a failure is never
a kink artefact.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest

from nnstudio.engine import gradcheck
from nnstudio.engine.gradcheck import (
    GradCheckCancelled,
    GradCheckProgress,
    GradCheckReport,
    gradient_check,
)
from nnstudio.engine.network import Network
from nnstudio.spec import ACTIVATIONS, LayerSpec, NetworkSpec

HIDDEN = [name for name in ACTIVATIONS if name not in ("softmax", "linear")]
#: (loss, output activation) pairings the product accepts.
PAIRINGS = [
    ("mse", "identity"),
    ("mse", "tanh"),
    ("mse", "sigmoid"),
    ("mse", "softmax"),
    ("mae", "identity"),
    ("huber", "identity"),
    ("huber", "softplus"),
    ("binary_crossentropy", "sigmoid"),
    ("categorical_crossentropy", "softmax"),
]
#: One initialiser of each family, cycled over the cases.
INIT_FAMILIES = ["xavier_normal", "he_uniform", "lecun_normal", "normal", "uniform", "he_normal"]

TOLERANCE = 1e-6
#: Rounding noise in the finite differences grows like 1/ε and truncation like ε². The small
#: initialisers (uniform ±0.05, normal 0.1) give gradients around 1e-5 in the first layer, where
#: the rounding noise of ε = 1e-6 alone reaches a relative 1e-6; ε = 1e-4 keeps both terms far
#: below the tolerance.
EPSILON = 1e-4


def _targets(loss: str, rng: np.random.Generator, m: int, k: int) -> np.ndarray:
    if loss == "categorical_crossentropy":
        return np.eye(k)[rng.integers(0, k, size=m)]
    if loss == "binary_crossentropy":
        return rng.integers(0, 2, size=(m, k)).astype(float)
    if loss == "mse":
        return rng.uniform(0.05, 0.95, size=(m, k))
    return rng.normal(scale=2.0, size=(m, k))


CASES = [
    (hidden, loss, output, INIT_FAMILIES[i % len(INIT_FAMILIES)])
    for i, (hidden, (loss, output)) in enumerate(itertools.product(HIDDEN, PAIRINGS))
]


@pytest.mark.parametrize(("hidden", "loss", "output", "init"), CASES)
def test_every_activation_loss_and_initialiser(
    hidden: str, loss: str, output: str, init: str
) -> None:
    case = CASES.index((hidden, loss, output, init))
    rng = np.random.default_rng(case)
    n_in = int(rng.integers(2, 5))
    width1, width2 = (int(w) for w in rng.integers(2, 6, size=2))
    k = int(rng.integers(2, 4))
    layers = (
        LayerSpec(width1, hidden, init=init, bias_init=0.1),
        LayerSpec(
            width2,
            hidden,
            init=init,
            bias_init=-0.1,
            alpha=0.2 if hidden == "leaky_relu" else None,
        ),
        LayerSpec(k, output, init=init),
    )
    net = Network.from_spec(NetworkSpec(n_in, layers), loss, seed=case, dtype="float64")
    m = 7  # odd: MAE's sum of residual signs can never cancel to an exactly zero gradient
    X = rng.normal(size=(m, n_in))
    Y = _targets(loss, rng, m, k)
    report = gradient_check(net, X, Y, epsilon=EPSILON)
    assert report.near_kinks == 0, "test points must stay away from kinks"
    assert report.passed(TOLERANCE), report.format()


@pytest.mark.parametrize("hidden", ["tanh", "elu", "gelu"])
def test_with_l1_and_l2_penalties(hidden: str) -> None:
    rng = np.random.default_rng(11)
    spec = NetworkSpec(3, (LayerSpec(5, hidden), LayerSpec(4, hidden), LayerSpec(3, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy", seed=4, dtype="float64")
    X = rng.normal(size=(7, 3))
    Y = np.eye(3)[rng.integers(0, 3, size=7)]
    report = gradient_check(net, X, Y, l1=0.05, l2=0.2)
    assert report.near_kinks == 0
    assert report.passed(TOLERANCE), report.format()


def test_dropout_network_with_fixed_masks() -> None:
    rng = np.random.default_rng(5)
    spec = NetworkSpec(
        3,
        (
            LayerSpec(6, "swish", dropout=0.5),
            LayerSpec(5, "tanh", dropout=0.3),
            LayerSpec(1, "sigmoid"),
        ),
    )
    net = Network.from_spec(spec, "binary_crossentropy", seed=2, dtype="float64")
    X = rng.normal(size=(8, 3))
    Y = rng.integers(0, 2, size=(8, 1)).astype(float)
    report = gradient_check(net, X, Y, dropout=True, seed=3, l2=0.01)
    assert report.passed(TOLERANCE), report.format()
    # The masks really were applied: the dropout objective differs from inference.
    plain = gradient_check(net, X, Y, l2=0.01)
    assert plain.loss != pytest.approx(report.loss)


def test_float32_network_is_checked_on_a_float64_copy() -> None:
    spec = NetworkSpec(2, (LayerSpec(3, "tanh"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", seed=1)
    before = [W.copy() for W, _ in net.params]
    rng = np.random.default_rng(0)
    report = gradient_check(net, rng.normal(size=(5, 2)), rng.normal(size=(5, 1)))
    assert report.passed(TOLERANCE)
    assert net.dtype == np.float32
    for W, W0 in zip((W for W, _ in net.params), before, strict=True):
        np.testing.assert_array_equal(W, W0)


def test_standardised_network_is_checked_on_raw_inputs() -> None:
    from nnstudio.spec import Standardization

    spec = NetworkSpec(2, (LayerSpec(4, "softplus"), LayerSpec(1, "sigmoid")))
    standardization = Standardization(mean=(100.0, -5.0), std=(20.0, 0.5))
    net = Network.from_spec(
        spec, "binary_crossentropy", dtype="float64", standardization=standardization
    )
    rng = np.random.default_rng(9)
    X = np.column_stack([rng.normal(100, 20, size=6), rng.normal(-5, 0.5, size=6)])
    Y = rng.integers(0, 2, size=(6, 1)).astype(float)
    report = gradient_check(net, X, Y)
    assert report.loss == pytest.approx(net.loss(X, Y))
    assert report.passed(TOLERANCE), report.format()


def test_large_layers_are_checked_on_a_random_subset() -> None:
    spec = NetworkSpec(30, (LayerSpec(40, "tanh"), LayerSpec(2, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy", seed=0, dtype="float64")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4, 30))
    Y = np.eye(2)[[0, 1, 1, 0]]
    report = gradient_check(net, X, Y, max_checks_per_layer=25)
    assert report.layers[0].weight_checked == 25
    assert report.layers[0].bias_checked == 25
    assert report.layers[1].weight_checked == 25
    assert report.layers[1].bias_checked == 2
    assert report.passed(TOLERANCE)


def test_a_wrong_derivative_is_caught(
    monkeypatch: pytest.MonkeyPatch, make_network: Callable[..., Network]
) -> None:
    net = make_network(3, [(4, "tanh"), (1, "identity")], "mse")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    tanh = net.activations[0]
    # Forget the square in 1 - tanh²: a classic backprop bug.
    monkeypatch.setattr(type(tanh), "_derivative", lambda self, Z, A: 1 - A)
    report = gradient_check(net, X, Y)
    assert not report.passed(TOLERANCE)
    assert report.layer_errors[0] > 1e-3
    assert report.layer_errors[1] < TOLERANCE  # the output layer does not use it
    assert "FAIL" in report.format()


def test_relu_kinks_are_reported() -> None:
    spec = NetworkSpec(2, (LayerSpec(3, "relu", init="zeros"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", dtype="float64")
    X = np.ones((4, 2))
    report = gradient_check(net, X, np.ones((4, 1)))
    # Zero weights and biases put every ReLU pre-activation exactly on the kink.
    assert report.near_kinks == 12
    assert "kink" in report.format()


def test_report_format_and_properties() -> None:
    report = gradient_check(
        Network.from_spec(
            NetworkSpec(2, (LayerSpec(3, "tanh"), LayerSpec(1, "sigmoid"))),
            "binary_crossentropy",
            dtype="float64",
        ),
        np.array([[0.5, -1.0], [1.5, 0.2]]),
        np.array([[1.0], [0.0]]),
    )
    assert isinstance(report, GradCheckReport)
    assert len(report.layer_errors) == 2
    assert report.max_error == max(report.layer_errors)
    text = report.format()
    assert text.splitlines()[0].split()[:3] == ["layer", "W", "shape"]
    assert "2x3" in text and "3x1" in text and "passed" in text


def test_nan_errors_fail_the_check() -> None:
    from nnstudio.engine.gradcheck import LayerCheck

    broken = LayerCheck(1, (2, 3), 0.0, float("nan"), 6, 3, 0.0)
    fine = LayerCheck(2, (3, 1), 1e-10, 1e-10, 3, 1, 0.0)
    report = GradCheckReport((broken, fine), loss=1.0, epsilon=1e-6)
    assert np.isnan(report.max_error) and not report.passed()
    assert "FAILED" in report.format()


def _deep_sigmoid_network(depth: int = 8) -> Network:
    """Vanishing gradients: the first layer's are around 1e-6, the output layer's near 1."""
    hidden = tuple(LayerSpec(8, "sigmoid", init="xavier_normal") for _ in range(depth))
    spec = NetworkSpec(2, (*hidden, LayerSpec(1, "identity")))
    return Network.from_spec(spec, "mse", seed=1, dtype="float64")


def test_vanishing_gradients_are_measured_with_a_larger_step() -> None:
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((16, 2)), rng.standard_normal((16, 1))
    report = gradient_check(_deep_sigmoid_network(), X, Y, epsilon=1e-6)
    # At ε = 1e-6 rounding noise alone is a relative 4e-5 in the first layer.
    assert report.passed(TOLERANCE), report.format()
    remeasured = {(layer.layer, name) for layer, name, _step in report.remeasured}
    assert (1, "W") in remeasured and (1, "b") in remeasured
    first = report.layers[0]
    assert first.weight_epsilon is not None and 1e-6 < first.weight_epsilon <= 1e-3
    # Large gradients keep the step asked for.
    assert report.layers[-1].weight_epsilon == 1e-6
    assert "W / b step" in report.format() and "1e-03 / 1e-03" in report.format()


def test_a_wrong_derivative_with_vanishing_gradients_is_still_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    net = _deep_sigmoid_network()
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((16, 2)), rng.standard_normal((16, 1))
    sigmoid = net.activations[0]
    real = type(sigmoid)._derivative
    # A derivative 0.1 % too large: the gradients of the early layers are off by about 1 %.
    monkeypatch.setattr(type(sigmoid), "_derivative", lambda self, Z, A: 1.001 * real(self, Z, A))
    report = gradient_check(net, X, Y, epsilon=1e-6)
    assert not report.passed(TOLERANCE)
    assert report.layer_errors[0] > 1e-3


# ---- progress and cancellation --------------------------------------------------------------


def _three_layer_problem(
    make_network: Callable[..., Network], dtype: str = "float64"
) -> tuple[Network, np.ndarray, np.ndarray]:
    net = make_network(3, [(5, "tanh"), (4, "tanh"), (2, "softmax")], "categorical_crossentropy")
    if dtype != "float64":
        net = net.copy(dtype=dtype)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(6, 3))
    Y = np.eye(2)[rng.integers(0, 2, size=6)]
    return net, X, Y


def _passes(reports: list[GradCheckProgress]) -> list[list[GradCheckProgress]]:
    """The reports split into passes, each starting with its ``done == 0`` report."""
    passes: list[list[GradCheckProgress]] = []
    for report in reports:
        if report.done == 0:
            passes.append([])
        passes[-1].append(report)
    return passes


def test_progress_reports_every_tensor_and_ends_at_the_total(
    monkeypatch: pytest.MonkeyPatch, make_network: Callable[..., Network]
) -> None:
    monkeypatch.setattr(gradcheck, "PROGRESS_INTERVAL", 0.0)  # every entry
    net, X, Y = _three_layer_problem(make_network)
    reports: list[GradCheckProgress] = []
    report = gradient_check(net, X, Y, max_checks_per_layer=12, progress=reports.append)
    passes = _passes(reports)
    # One pass per tensor, in order (these gradients are large enough for the first step).
    assert [(p[0].layer, p[0].tensor) for p in passes] == [
        (1, "W"), (1, "b"), (2, "W"), (2, "b"), (3, "W"), (3, "b")
    ]  # fmt: skip
    checked = [n for layer in report.layers for n in (layer.weight_checked, layer.bias_checked)]
    assert checked == [12, 5, 12, 4, 8, 2]
    for entries, reports_of_pass in zip(checked, passes, strict=True):
        # Every entry is counted once, from 0 to all of the pass.
        assert [r.done for r in reports_of_pass] == list(range(entries + 1))
        assert {r.entries for r in reports_of_pass} == {entries}
        assert all(r.layers == 3 and r.step == 1e-6 and not r.remeasuring for r in reports_of_pass)
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions.count(1.0) == 1  # complete only at the very end
    assert fractions[len(fractions) // 2] == pytest.approx(0.5, abs=0.05)  # all passes known
    assert reports[-1].tensor_name == "biases" and reports[0].tensor_name == "weights"


def test_remeasurements_are_reported_as_such_and_progress_never_goes_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gradcheck, "PROGRESS_INTERVAL", 0.0)
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((16, 2)), rng.standard_normal((16, 1))
    reports: list[GradCheckProgress] = []
    report = gradient_check(_deep_sigmoid_network(), X, Y, epsilon=1e-6, progress=reports.append)
    passes = _passes(reports)
    first_layer_weights = [p for p in passes if (p[0].layer, p[0].tensor) == (1, "W")]
    # The first pass at 1e-6, then one pass per larger step, each saying it measures again.
    assert [p[0].remeasuring for p in first_layer_weights] == [False, True, True, True]
    assert [p[0].step for p in first_layer_weights] == pytest.approx([1e-6, 1e-5, 1e-4, 1e-3])
    assert first_layer_weights[-1][0].step == pytest.approx(report.layers[0].weight_epsilon)
    for reports_of_pass in passes:
        assert [r.done for r in reports_of_pass] == list(range(reports_of_pass[0].entries + 1))
    fractions = [r.fraction for r in reports]
    assert fractions == sorted(fractions)
    assert fractions.count(1.0) == 1 and fractions[-1] == 1.0
    # A re-measurement is extra work: the progress holds still, it does not jump back.
    starts = [p[0].fraction for p in first_layer_weights]
    assert starts == sorted(starts) and starts[1] > starts[0]


def test_progress_is_reported_at_most_every_interval(
    monkeypatch: pytest.MonkeyPatch, make_network: Callable[..., Network]
) -> None:
    class StoppedClock:
        """A clock that never advances: no report is ever due within a pass."""

        @staticmethod
        def monotonic() -> float:
            return 100.0

    monkeypatch.setattr(gradcheck, "time", StoppedClock)
    net, X, Y = _three_layer_problem(make_network)
    reports: list[GradCheckProgress] = []
    gradient_check(net, X, Y, progress=reports.append)
    # Only each pass's start and end: a small network's entries are not reported one by one.
    assert [r.done for r in reports] == [0, 15, 0, 5, 0, 20, 0, 4, 0, 8, 0, 2]


def _parameters(network: Network) -> bytes:
    return b"".join(array.tobytes() for pair in network.params for array in pair)


@pytest.fixture
def checked_copies(monkeypatch: pytest.MonkeyPatch) -> list[Network]:
    """The float64 copies the checks make, kept to look at after a check ends."""
    copies: list[Network] = []
    real_copy = Network.copy

    def kept_copy(self: Network, dtype: str | None = None) -> Network:
        copies.append(real_copy(self, dtype))
        return copies[-1]

    monkeypatch.setattr(Network, "copy", kept_copy)
    return copies


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_should_stop_cancels_and_leaves_every_parameter_as_it_was(
    checked_copies: list[Network], make_network: Callable[..., Network], dtype: str
) -> None:
    net, X, Y = _three_layer_problem(make_network, dtype)
    before = _parameters(net)
    checked_before = _parameters(net.copy("float64"))
    checked_copies.clear()
    asked = 0

    def stop_while_an_entry_is_perturbed() -> bool:
        # Asked once before the check, then before each evaluation: the 6th is an entry's
        # minus side, asked while the entry still holds its plus step.
        nonlocal asked
        asked += 1
        return asked == 6

    with pytest.raises(GradCheckCancelled):
        gradient_check(net, X, Y, should_stop=stop_while_an_entry_is_perturbed)
    assert asked == 6
    assert _parameters(net) == before
    # Nor is the stopped entry left perturbed in the float64 copy that was being checked.
    (checked,) = checked_copies
    assert _parameters(checked) == checked_before


def test_a_progress_callback_can_cancel(make_network: Callable[..., Network]) -> None:
    net, X, Y = _three_layer_problem(make_network)
    before = _parameters(net)
    reports: list[GradCheckProgress] = []

    def stop_at_the_second_layer(progress: GradCheckProgress) -> None:
        reports.append(progress)
        if progress.layer == 2:
            raise GradCheckCancelled

    with pytest.raises(GradCheckCancelled):
        gradient_check(net, X, Y, progress=stop_at_the_second_layer)
    assert (reports[-1].layer, reports[-1].tensor, reports[-1].done) == (2, "W", 0)
    assert _parameters(net) == before
    # Cancelled or not, the same network checks as before.
    assert gradient_check(net, X, Y).passed(TOLERANCE)


def test_an_interrupt_between_evaluations_restores_the_entry(
    monkeypatch: pytest.MonkeyPatch,
    checked_copies: list[Network],
    make_network: Callable[..., Network],
) -> None:
    net, X, Y = _three_layer_problem(make_network)
    expected = _parameters(net.copy("float64"))
    checked_copies.clear()
    real_loss = Network.loss
    calls = 0

    def interrupted_loss(self: Network, *args: object, **kwargs: object) -> float:
        nonlocal calls
        calls += 1
        if calls == 2:  # the first entry's minus side, while it holds its plus step
            raise KeyboardInterrupt
        return real_loss(self, *args, **kwargs)

    monkeypatch.setattr(Network, "loss", interrupted_loss)
    with pytest.raises(KeyboardInterrupt):
        gradient_check(net, X, Y)
    (checked,) = checked_copies
    assert _parameters(checked) == expected


def _l1_trained_network() -> tuple[Network, np.ndarray, np.ndarray, int]:
    """A tanh network whose weights L1 left a hair from 0, as L1 training does (|w| ~ 1e-9)."""
    spec = NetworkSpec(3, (LayerSpec(5, "tanh"), LayerSpec(2, "identity")))
    net = Network.from_spec(spec, "mse", dtype="float64", seed=3)
    W1 = net.params[0][0]
    tiny = np.array([2.5e-9, -7e-9, 4e-8, -3e-10])
    W1.reshape(-1)[[0, 4, 7, 11]] = tiny
    rng = np.random.default_rng(1)
    return net, rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), tiny.size


def test_weights_at_the_l1_corner_are_left_out_not_failed() -> None:
    net, X, Y, tiny = _l1_trained_network()
    report = gradient_check(net, X, Y, l1=0.003, epsilon=1e-6)
    # Across |W|'s corner the difference measures λ·w/ε, not λ·sign(w): those weights are
    # counted and left out, and the rest of the layer passes.
    assert report.passed(TOLERANCE), report.format()
    assert report.layers[0].weight_excluded == tiny
    assert report.layers[0].weight_checked == 15 - tiny
    assert report.layers[1].weight_excluded == 0
    assert report.excluded == tiny
    assert "4 weight(s) closer to 0 than the step were left out" in report.format()


def test_a_wrong_l1_gradient_still_fails_beside_the_left_out_weights(monkeypatch) -> None:
    net, X, Y, _tiny = _l1_trained_network()
    original = np.sign
    # Twice the subgradient: a classic slip (λ|W| differentiated as 2λ sign W).
    monkeypatch.setattr(np, "sign", lambda W: 2 * original(W))
    report = gradient_check(net, X, Y, l1=0.003, epsilon=1e-6)
    assert not report.passed(TOLERANCE)
    assert report.layers[0].weight_error > 1e-3


# ---- entries side by side ----------------------------------------------------------------------


def _central_difference(net: Network, X: np.ndarray, Y: np.ndarray, param, index, step) -> float:
    """(J(θ + ε) − J(θ − ε)) / 2ε for one entry of ``param``, by hand."""
    original = param[index]
    param[index] = original + step
    plus = net.loss(X, Y)
    param[index] = original - step
    minus = net.loss(X, Y)
    param[index] = original
    return (plus - minus) / (2 * step)


def test_every_entry_holds_backprop_beside_its_central_difference(
    make_network: Callable[..., Network],
) -> None:
    net, X, Y = _three_layer_problem(make_network)
    report = gradient_check(net, X, Y, epsilon=1e-5)
    _loss, grads = net.loss_and_gradients(X, Y)
    for layer, (W, b), (dW, db) in zip(report.layers, net.params, grads, strict=True):
        # Every compared weight and bias, weights first, each named by its place.
        assert len(layer.entries) == layer.weight_checked + layer.bias_checked == W.size + b.size
        assert [e.name for e in layer.entries[: W.size]] == [
            f"W{layer.layer}[{i}, {j}]" for i in range(W.shape[0]) for j in range(W.shape[1])
        ]
        assert [e.name for e in layer.entries[W.size :]] == [
            f"b{layer.layer}[{j}]" for j in range(b.size)
        ]
        for entry in layer.entries:
            param, gradient = (W, dW) if entry.tensor == "W" else (b, db)
            assert entry.backprop == pytest.approx(gradient[entry.index], rel=1e-12)
            by_hand = _central_difference(net, X, Y, param, entry.index, entry.step)
            assert entry.numeric == pytest.approx(by_hand, rel=1e-9, abs=1e-13)
            assert entry.abs_error == abs(entry.backprop - entry.numeric)
            assert entry.verdict(TOLERANCE) == "ok"
        # The tensor's error is made of these very entries.
        weights = layer.entries[: W.size]
        g = np.array([e.backprop for e in weights])
        n = np.array([e.numeric for e in weights])
        expected = np.linalg.norm(g - n) / (np.linalg.norm(g) + np.linalg.norm(n))
        assert layer.weight_error == pytest.approx(expected, rel=1e-12)


def test_a_sampled_layer_names_the_entries_it_compared() -> None:
    spec = NetworkSpec(30, (LayerSpec(40, "tanh"), LayerSpec(2, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy", seed=0, dtype="float64")
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(4, 30)), np.eye(2)[[0, 1, 1, 0]]
    report = gradient_check(net, X, Y, max_checks_per_layer=25)
    first = report.layers[0]
    assert len(first.entries) == 50
    _loss, grads = net.loss_and_gradients(X, Y)
    for entry in first.entries:
        assert entry.layer == 1
        # (row, column) of the 30 × 40 matrix, or a column of the 40 biases.
        limits = (30, 40) if entry.tensor == "W" else (40,)
        assert all(0 <= i < limit for i, limit in zip(entry.index, limits, strict=True))
        gradient = grads[0][0 if entry.tensor == "W" else 1][entry.index]
        assert entry.backprop == pytest.approx(gradient, rel=1e-12)
    assert len({entry.name for entry in first.entries}) == 50


def _entry(rel_error: float, *, noise: float = 0.0, left_out: bool = False, at: int = 0):
    """An entry of layer 1 whose gradient is 1 and whose relative error is ``rel_error``."""
    from nnstudio.engine.gradcheck import EntryCheck

    numeric = (1 - rel_error) / (1 + rel_error)  # |1 - n| / (1 + n) = rel_error
    return EntryCheck(1, "W", (at, 0), 1.0, numeric, 1e-6, noise=noise, left_out=left_out)


def test_an_entrys_verdict_and_relative_error() -> None:
    from nnstudio.engine.gradcheck import EntryCheck

    assert _entry(1e-7).rel_error == pytest.approx(1e-7)
    assert _entry(1e-7).verdict(1e-6) == "ok"
    assert _entry(1e-3).verdict(1e-6) == "FAIL"
    assert _entry(1e-3).verdict(1e-2) == "ok"  # judged against the tolerance it is given
    # Far apart in ratio, but no further apart than rounding: a tiny gradient, not a bug.
    tiny = EntryCheck(2, "b", (3,), 2e-11, 3e-11, 1e-6, noise=5e-10)
    assert tiny.name == "b2[3]" and tiny.rel_error == pytest.approx(0.2)
    assert tiny.verdict(1e-6) == "in noise"
    assert _entry(1e-3, noise=1e-6).verdict(1e-6) == "FAIL"  # beyond the noise it fails
    assert _entry(0.5, left_out=True).verdict(1e-6) == "left out"
    both_zero = EntryCheck(1, "W", (0, 0), 0.0, 0.0, 1e-6)
    assert both_zero.rel_error == 0.0 and both_zero.verdict() == "ok"
    broken = EntryCheck(1, "W", (0, 0), 1.0, float("nan"), 1e-6, noise=1.0)
    assert np.isnan(broken.rel_error) and broken.verdict() == "FAIL"


def test_worst_entries_come_failures_first_then_by_relative_error() -> None:
    from nnstudio.engine.gradcheck import EntryCheck, LayerCheck

    entries = (
        _entry(1e-8, at=0),
        _entry(0.9, noise=10.0, at=1),  # in noise: large ratio, no failure
        _entry(1e-4, at=2),  # a failure
        _entry(1e-7, at=3),
        _entry(0.99, left_out=True, at=4),
        EntryCheck(1, "b", (0,), 1.0, float("nan"), 1e-6),  # NaN: the worst failure
        _entry(1e-3, at=5),  # a worse failure
    )
    layer = LayerCheck(1, (6, 1), 1e-3, float("nan"), 6, 1, 0.0, entries=entries)
    names = [entry.name for entry in layer.worst_entries(1e-6)]
    assert names == [
        "b1[0]",
        "W1[5, 0]",
        "W1[2, 0]",
        "W1[1, 0]",
        "W1[3, 0]",
        "W1[0, 0]",
        "W1[4, 0]",
    ]
    assert [e.name for e in layer.worst_entries(1e-6, count=2)] == ["b1[0]", "W1[5, 0]"]
    # A looser tolerance passes the small failures: then only the ratio orders them.
    assert [e.name for e in layer.worst_entries(1e-2, count=3)] == ["b1[0]", "W1[1, 0]", "W1[5, 0]"]


def test_a_wrong_derivative_shows_in_its_layers_entries(
    monkeypatch: pytest.MonkeyPatch, make_network: Callable[..., Network]
) -> None:
    net = make_network(3, [(4, "tanh"), (1, "identity")], "mse")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 3)), rng.normal(size=(6, 1))
    tanh = net.activations[0]
    monkeypatch.setattr(type(tanh), "_derivative", lambda self, Z, A: 1 - A)
    report = gradient_check(net, X, Y)
    first, output = report.layers
    worst = first.worst_entries(TOLERANCE, 3)
    assert [entry.verdict(TOLERANCE) for entry in worst] == ["FAIL"] * 3
    assert worst[0].rel_error > 1e-3 and worst[0].abs_error > 1e-6
    assert all(entry.verdict(TOLERANCE) == "ok" for entry in output.entries)
    text = report.format_entries(3, TOLERANCE)
    assert f"{worst[0].name}" in text and "FAIL" in text


def test_format_entries_is_one_aligned_table(make_network: Callable[..., Network]) -> None:
    net, X, Y = _three_layer_problem(make_network)
    report = gradient_check(net, X, Y)
    text = report.format_entries(4, TOLERANCE)
    lines = text.splitlines()
    assert lines[0].startswith("entries that agree worst, at most 4 per layer")
    header, rows = lines[1], lines[2:]
    assert header.split() == [
        "layer", "entry", "backprop", "numerical", "abs.", "diff.", "rel.", "error", "result"
    ]  # fmt: skip
    # Four rows per layer: 20, 24 and 10 compared entries, each cut to its worst four.
    assert [row.split()[0] for row in rows] == ["1"] * 4 + ["2"] * 4 + ["3"] * 4
    for row in rows:
        layer, *name, backprop, numeric, difference, relative, verdict = row.split()
        entry = next(e for e in report.layers[int(layer) - 1].entries if e.name == " ".join(name))
        assert float(backprop) == pytest.approx(entry.backprop, rel=1e-9)
        assert float(numeric) == pytest.approx(entry.numeric, rel=1e-9)
        assert float(relative) == pytest.approx(entry.rel_error, rel=1e-3)
        assert float(difference) == pytest.approx(entry.abs_error, rel=1e-3)
        assert verdict == "ok"
    # The columns line up: every number ends where its heading does.
    for heading in ("backprop", "numerical", "abs. diff.", "rel. error"):
        end = header.index(heading) + len(heading)
        assert all(row[end - 1] != " " and row[end] == " " for row in rows), heading
    assert "note" not in text  # nothing to explain


def test_format_entries_explains_the_verdicts_that_are_not_plain() -> None:
    from nnstudio.engine.gradcheck import LayerCheck

    entries = (_entry(1e-8), _entry(0.3, noise=1.0, at=1), _entry(0.5, left_out=True, at=2))
    passing = LayerCheck(1, (3, 1), 1e-8, 0.0, 2, 0, 0.0, weight_excluded=1, entries=entries)
    alone = LayerCheck(2, (1, 1), 1e-7, 0.0, 1, 0, 0.0, entries=(_entry(1e-4),))
    report = GradCheckReport((passing, alone), loss=1.0, epsilon=0.01)
    text = report.format_entries(5, 1e-6)
    assert "in noise" in text and "note: in noise: " in text
    assert "note: left out: with L1" in text
    # A failing entry of a layer that passes: the step's truncation, not backpropagation.
    assert "note: an entry fails on its own while its layer passes" in text
    assert "a step smaller than 0.01" in text


def test_weights_left_out_at_the_l1_corner_are_listed_last() -> None:
    net, X, Y, tiny = _l1_trained_network()
    report = gradient_check(net, X, Y, l1=0.003, epsilon=1e-6)
    first = report.layers[0]
    left_out = [entry for entry in first.entries if entry.left_out]
    assert {entry.name for entry in left_out} == {"W1[0, 0]", "W1[0, 4]", "W1[1, 2]", "W1[2, 1]"}
    assert len(left_out) == tiny
    ordered = first.worst_entries(TOLERANCE)
    assert [entry.verdict(TOLERANCE) for entry in ordered[-tiny:]] == ["left out"] * tiny
    assert "left out" not in {entry.verdict(TOLERANCE) for entry in ordered[:-tiny]}


# ---- dropout and bad input ---------------------------------------------------------------------


def test_the_report_says_whether_dropout_masks_were_held_fixed() -> None:
    spec = NetworkSpec(3, (LayerSpec(6, "tanh", dropout=0.5), LayerSpec(1, "sigmoid")))
    net = Network.from_spec(spec, "binary_crossentropy", seed=2, dtype="float64")
    rng = np.random.default_rng(5)
    X, Y = rng.normal(size=(8, 3)), rng.integers(0, 2, size=(8, 1)).astype(float)
    with_masks = gradient_check(net, X, Y, dropout=True, seed=3)
    assert with_masks.dropout and with_masks.passed(TOLERANCE)
    assert not gradient_check(net, X, Y).dropout
    # Without a dropout layer there is nothing to mask.
    plain = Network.from_spec(
        NetworkSpec(3, (LayerSpec(6, "tanh"), LayerSpec(1, "sigmoid"))), "binary_crossentropy"
    )
    assert not gradient_check(plain, X, Y, dropout=True).dropout


@pytest.mark.parametrize("step", [0.0, -1e-6, float("nan"), float("inf")])
def test_a_step_that_is_not_a_positive_number_is_refused(
    make_network: Callable[..., Network], step: float
) -> None:
    from nnstudio.engine.gradcheck import GradCheckError

    net, X, Y = _three_layer_problem(make_network)
    with pytest.raises(GradCheckError, match="the step ε must be a positive finite number"):
        gradient_check(net, X, Y, epsilon=step)


def test_weights_that_are_not_finite_are_named(make_network: Callable[..., Network]) -> None:
    from nnstudio.engine.gradcheck import GradCheckError, nonfinite_parameter

    net, X, Y = _three_layer_problem(make_network)
    assert nonfinite_parameter(net.params) is None
    net.params[1][0][2, 3] = np.nan
    net.params[1][0][0, 1] = np.inf
    problem = nonfinite_parameter(net.params)
    # The first one in reading order, and how many there are.
    assert problem == "W2[0, 1] is inf (2 of layer 2's 20 weights are not a finite number)"
    with pytest.raises(GradCheckError, match=r"the weights are not all finite: W2\[0, 1\] is inf"):
        gradient_check(net, X, Y)
    net.params[1][0][:] = 0.0
    net.params[2][1][1] = np.nan
    assert nonfinite_parameter(net.params) == (
        "b3[1] is nan (1 of layer 3's 2 biases is not a finite number)"
    )


def test_no_examples_or_non_finite_data_are_refused(make_network: Callable[..., Network]) -> None:
    from nnstudio.engine.gradcheck import GradCheckError

    net, X, Y = _three_layer_problem(make_network)
    with pytest.raises(GradCheckError, match="no examples"):
        gradient_check(net, X[:0], Y[:0])
    broken = X.copy()
    broken[2, 1] = np.nan
    with pytest.raises(GradCheckError, match="the inputs are not all finite numbers"):
        gradient_check(net, broken, Y)
    with pytest.raises(GradCheckError, match="at least 1 entry"):
        gradient_check(net, X, Y, max_checks_per_layer=0)


def test_a_loss_that_overflows_is_refused_in_words(
    make_network: Callable[..., Network], recwarn: pytest.WarningsRecorder
) -> None:
    from nnstudio.engine.gradcheck import GradCheckError

    net = make_network(2, [(3, "identity"), (1, "identity")], "mse")
    net.params[0][0][:] = 1e200  # finite weights whose outputs square beyond float64
    X, Y = np.ones((4, 2)), np.zeros((4, 1))
    with pytest.raises(GradCheckError, match="the loss at these weights is inf"):
        gradient_check(net, X, Y)
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
