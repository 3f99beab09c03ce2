"""Optimizers against hand-computed updates, and schedules against hand values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine import optimizers
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.schedules import learning_rate_at
from nnstudio.errors import SpecError
from nnstudio.spec import OPTIMIZERS, ScheduleSpec, TrainingSpec

W0 = [1.0, -2.0]
B0 = 0.5
#: Gradients of (W, b) at three successive steps.
GRADS = [([0.5, -1.0], 0.25), ([0.2, 0.4], -0.5), ([-0.3, 0.1], 0.75)]


def _run(name: str, lr: float, steps: int = 3, **settings: float) -> list[np.ndarray]:
    """Apply the optimizer to one layer and return [W, b] after each step (float64)."""
    optimizer = make_optimizer(TrainingSpec(optimizer=name, **settings))  # type: ignore[arg-type]
    params = [[np.array([W0]), np.array([B0])]]
    history = []
    for g_w, g_b in GRADS[:steps]:
        optimizer.step(params, [(np.array([g_w]), np.array([g_b]))], lr)
        history.append(np.concatenate([params[0][0].ravel(), params[0][1]]))
    return history


def _scalar_reference(update: str, lr: float, **h: float) -> list[list[float]]:
    """The same three steps computed one scalar at a time, straight from the formulas."""
    theta = [*W0, B0]
    state1 = [0.0, 0.0, 0.0]
    state2 = [0.0, 0.0, 0.0]
    out = []
    for t, (g_w, g_b) in enumerate(GRADS, start=1):
        g = [*g_w, g_b]
        for i in range(3):
            if update == "heavy_ball":
                state1[i] = h["momentum"] * state1[i] + g[i]
                theta[i] -= lr * state1[i]
            elif update == "nesterov":
                state1[i] = h["momentum"] * state1[i] + g[i]
                theta[i] -= lr * (g[i] + h["momentum"] * state1[i])
            elif update == "rmsprop":
                state1[i] = h["rho"] * state1[i] + (1 - h["rho"]) * g[i] ** 2
                theta[i] -= lr * g[i] / (math.sqrt(state1[i]) + h["epsilon"])
            elif update in ("adam", "adamw"):
                if update == "adamw" and i < 2:  # weights decay, the bias does not
                    theta[i] *= 1 - lr * h["weight_decay"]
                state1[i] = h["beta1"] * state1[i] + (1 - h["beta1"]) * g[i]
                state2[i] = h["beta2"] * state2[i] + (1 - h["beta2"]) * g[i] ** 2
                m_hat = state1[i] / (1 - h["beta1"] ** t)
                v_hat = state2[i] / (1 - h["beta2"] ** t)
                theta[i] -= lr * m_hat / (math.sqrt(v_hat) + h["epsilon"])
        out.append(list(theta))
    return out


def test_sgd_hand_values() -> None:
    steps = _run("sgd", 0.1)
    np.testing.assert_allclose(steps[0], [0.95, -1.9, 0.475])
    np.testing.assert_allclose(steps[1], [0.93, -1.94, 0.525])
    np.testing.assert_allclose(steps[2], [0.96, -1.95, 0.45])


def test_momentum_uses_the_lectures_exponential_average() -> None:
    # v = 0.9 v + 0.1 g; W -= 0.1 v
    steps = _run("momentum", 0.1, momentum=0.9)
    np.testing.assert_allclose(steps[0], [0.995, -1.99, 0.4975])
    np.testing.assert_allclose(steps[1], [0.9885, -1.985, 0.50025])
    np.testing.assert_allclose(steps[2], [0.98565, -1.9815, 0.495225])


def test_heavy_ball_hand_values() -> None:
    # v = 0.9 v + g; W -= 0.1 v  ->  W[0]: v = 0.5, 0.65, 0.285
    steps = _run("heavy_ball", 0.1, momentum=0.9)
    assert steps[0][0] == pytest.approx(0.95)
    assert steps[1][0] == pytest.approx(0.885)
    assert steps[2][0] == pytest.approx(0.8565)
    np.testing.assert_allclose(steps, _scalar_reference("heavy_ball", 0.1, momentum=0.9))


def test_nesterov_hand_values() -> None:
    # v = 0.9 v + g; W -= 0.1 (g + 0.9 v)  ->  W[0]: 1 - 0.1 (0.5 + 0.45) = 0.905
    steps = _run("nesterov", 0.1, momentum=0.9)
    assert steps[0][0] == pytest.approx(0.905)
    assert steps[1][0] == pytest.approx(0.905 - 0.1 * (0.2 + 0.9 * 0.65))
    np.testing.assert_allclose(steps, _scalar_reference("nesterov", 0.1, momentum=0.9))


def test_rmsprop_hand_values() -> None:
    # s = 0.1 g² -> first step 0.01 * g / (|g| sqrt(0.1) + eps)
    steps = _run("rmsprop", 0.01, rho=0.9, epsilon=1e-8)
    assert steps[0][0] == pytest.approx(1 - 0.01 / math.sqrt(0.1), rel=1e-7)
    np.testing.assert_allclose(
        steps, _scalar_reference("rmsprop", 0.01, rho=0.9, epsilon=1e-8), rtol=1e-12
    )


def test_adam_hand_values() -> None:
    settings = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}
    steps = _run("adam", 0.01, **settings)
    # Bias correction makes the first step lr * sign(g) (up to epsilon).
    np.testing.assert_allclose(steps[0], [0.99, -1.99, 0.49], rtol=1e-6)
    np.testing.assert_allclose(steps, _scalar_reference("adam", 0.01, **settings), rtol=1e-12)


def test_adamw_decays_weights_but_not_biases() -> None:
    settings = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.5}
    steps = _run("adamw", 0.01, **settings)
    # First step: W = W (1 - 0.005) - 0.01 sign(g); the bias has no decay term.
    np.testing.assert_allclose(steps[0], [0.995 - 0.01, -1.99 + 0.01, 0.49], rtol=1e-6)
    np.testing.assert_allclose(steps, _scalar_reference("adamw", 0.01, **settings), rtol=1e-12)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_float32_parameters_stay_float32(name: str) -> None:
    optimizer = make_optimizer(TrainingSpec(optimizer=name))
    params = [[np.ones((2, 3), np.float32), np.zeros(3, np.float32)]]
    grads = [(np.full((2, 3), 0.5, np.float32), np.full(3, 0.5, np.float32))]
    before = [id(p) for pair in params for p in pair]
    for _ in range(2):
        optimizer.step(params, grads, 0.1)
    assert all(p.dtype == np.float32 for pair in params for p in pair)
    assert [id(p) for pair in params for p in pair] == before  # updated in place
    assert optimizer.iterations == 2 and optimizer.name == name


def test_update_hyperparameters_keeps_the_velocity() -> None:
    optimizer = make_optimizer(TrainingSpec(optimizer="heavy_ball", momentum=0.9))
    params = [[np.array([[1.0]]), np.array([0.0])]]
    grads = [(np.array([[1.0]]), np.array([0.0]))]
    optimizer.step(params, grads, 0.1)  # v = 1, W = 0.9
    optimizer.update_hyperparameters(TrainingSpec(optimizer="heavy_ball", momentum=0.5))
    optimizer.step(params, grads, 0.1)  # v = 0.5 * 1 + 1 = 1.5, W = 0.9 - 0.15
    assert params[0][0][0, 0] == pytest.approx(0.75)
    optimizer.reset()
    optimizer.step(params, grads, 0.1)  # fresh v = 1
    assert params[0][0][0, 0] == pytest.approx(0.65)


#: Optimizers that keep a bound on their update's norm.
BOUNDED = ("sgd", "momentum", "heavy_ball", "nesterov")


@pytest.mark.parametrize("size", [50, 5000])  # ufunc and BLAS updates
@pytest.mark.parametrize("name", OPTIMIZERS)
def test_update_norm_bound_bounds_every_flat_step(name: str, size: int) -> None:
    optimizer = make_optimizer(TrainingSpec(optimizer=name, momentum=0.9))
    rng = np.random.default_rng(4)
    params = rng.normal(size=size).astype(np.float32)
    weights = [params[: size - 10]]
    for step in range(40):
        if step == 20:  # live changes keep the bound valid
            optimizer.update_hyperparameters(TrainingSpec(optimizer=name, momentum=0.5))
        if step == 30:
            optimizer.reset()
        grads = rng.normal(size=size).astype(np.float32) * rng.uniform(0.1, 10.0)
        grad_norm = float(np.linalg.norm(grads.astype(np.float64)))
        lr = 0.05 if step < 10 else 0.01
        bound = optimizer.update_norm_bound(lr, grad_norm)
        before = params.astype(np.float64)
        optimizer.step_flat(params, grads, lr, weights, grad_norm)
        change = float(np.linalg.norm(params - before))
        if name in BOUNDED:
            assert change <= bound * (1 + 1e-5)
            # Not a useless bound: within the triangle inequality's slack of the change.
            assert bound < 20 * max(change, 1e-12)
        else:
            assert bound == math.inf


def test_heavy_ball_bound_is_lost_without_gradient_norms_and_grows_near_overflow() -> None:
    optimizer = make_optimizer(TrainingSpec(optimizer="heavy_ball", momentum=0.9))
    params, grads = np.zeros(3), np.ones(3)
    optimizer.step_flat(params, grads, 0.1, [], grad_norm=math.sqrt(3.0))
    assert optimizer.update_norm_bound(0.1, 1.0) == pytest.approx(0.1 * (0.9 * math.sqrt(3) + 1))
    optimizer.step_flat(params, grads, 0.1, [])
    assert optimizer.update_norm_bound(0.1, 1.0) == math.inf
    optimizer.reset()  # the next flat step starts from a zero velocity
    optimizer.step_flat(params, grads, 0.1, [], grad_norm=math.sqrt(3.0))
    assert optimizer.update_norm_bound(1e-30, 1e38) == math.inf  # v itself may overflow


def test_unknown_optimizer_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"training\.optimizer: unknown 'lbfgs'"):
        make_optimizer(TrainingSpec(optimizer="lbfgs"))


def test_mismatched_gradients_are_rejected() -> None:
    optimizer = make_optimizer(TrainingSpec())
    with pytest.raises(ValueError, match="2 gradient arrays for 4 parameter arrays"):
        optimizer.step(
            [[np.ones(1), np.ones(1)], [np.ones(1), np.ones(1)]], [(np.ones(1), np.ones(1))], 0.1
        )


# ---- schedules -----------------------------------------------------------------------------


def test_constant_schedule() -> None:
    assert learning_rate_at(ScheduleSpec("constant"), 0.1, 57, 100) == 0.1


def test_step_schedule() -> None:
    schedule = ScheduleSpec("step", step_size=10, gamma=0.5)
    assert [learning_rate_at(schedule, 0.8, e, 100) for e in (0, 9, 10, 19, 20, 35)] == [
        0.8,
        0.8,
        0.4,
        0.4,
        0.2,
        0.1,
    ]


def test_exponential_schedule() -> None:
    schedule = ScheduleSpec("exponential", gamma=0.9)
    assert learning_rate_at(schedule, 1.0, 0, 10) == 1.0
    assert learning_rate_at(schedule, 1.0, 1, 10) == pytest.approx(0.9)
    assert learning_rate_at(schedule, 1.0, 3, 10) == pytest.approx(0.729)


def test_cosine_schedule_over_the_run() -> None:
    schedule = ScheduleSpec("cosine", min_lr=0.01)
    assert learning_rate_at(schedule, 0.1, 0, 100) == pytest.approx(0.1)
    assert learning_rate_at(schedule, 0.1, 50, 100) == pytest.approx(0.055)
    assert learning_rate_at(schedule, 0.1, 25, 100) == pytest.approx(
        0.01 + 0.09 * 0.5 * (1 + math.cos(math.pi / 4))
    )
    assert learning_rate_at(schedule, 0.1, 100, 100) == pytest.approx(0.01)
    assert learning_rate_at(schedule, 0.1, 150, 100) == pytest.approx(0.01)


def test_cosine_schedule_with_explicit_period_and_open_ended_runs() -> None:
    schedule = ScheduleSpec("cosine", period=10, min_lr=0.0)
    assert learning_rate_at(schedule, 1.0, 5, None) == pytest.approx(0.5)
    assert learning_rate_at(schedule, 1.0, 10, 500) == 0.0
    # No period and no epoch count: nothing to anneal over, the rate stays put.
    assert learning_rate_at(ScheduleSpec("cosine"), 0.3, 1000, None) == 0.3


def test_unknown_schedule_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match=r"training\.schedule\.name: unknown 'cyclic'"):
        learning_rate_at(ScheduleSpec("cyclic"), 0.1, 0, 10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", BOUNDED)
def test_blas_flat_updates_match_the_per_array_updates(
    name: str, dtype: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large flat arrays take the BLAS path (or the ufunc path without BLAS): same numbers."""
    rng = np.random.default_rng(7)
    start = rng.normal(size=6000).astype(dtype)
    gradients = [rng.normal(size=6000).astype(dtype) for _ in range(5)]
    rates = (0.05, 0.05, 0.02, 0.02, 0.1)  # a changing rate makes the plan again
    training = TrainingSpec(optimizer=name, momentum=0.8)

    def flat_run(with_blas: bool) -> tuple[np.ndarray, np.ndarray]:
        if not with_blas:
            monkeypatch.setattr(optimizers, "level1", lambda dtype: None)
        optimizer = make_optimizer(training)
        params = start.copy()
        for rate, grads in zip(rates, gradients, strict=True):
            optimizer.step_flat(params, grads, rate, [])
        monkeypatch.undo()
        velocity = optimizer.state_arrays().get("velocity", [np.zeros(0)])[0]
        return params, velocity

    per_array = make_optimizer(training)
    expected = [start.copy()]
    for rate, grads in zip(rates, gradients, strict=True):
        per_array.step([[expected[0], np.zeros(0, dtype)]], [(grads, np.zeros(0, dtype))], rate)
    tolerance = 1e-12 if dtype == "float64" else 2e-6
    for with_blas in (True, False):
        params, velocity = flat_run(with_blas)
        assert params.dtype == np.dtype(dtype)
        np.testing.assert_allclose(params, expected[0], rtol=tolerance, atol=tolerance)
        if name != "sgd":
            reference = per_array.state_arrays()["velocity"][0]
            np.testing.assert_allclose(velocity, reference, rtol=tolerance, atol=tolerance)
