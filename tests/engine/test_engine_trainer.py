"""The Trainer: learning, determinism, control from another thread, snapshots and safeguards."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from nnstudio.engine.kernel import TrainingData
from nnstudio.engine.network import Network
from nnstudio.engine.trainer import (
    DEAD_LAYER,
    LOSS_ROSE,
    MAX_EPOCH_RECORDS,
    Snapshot,
    Trainer,
    _Series,
)
from nnstudio.errors import DataError, SpecError
from nnstudio.spec import LayerSpec, NetworkSpec, TrainingSpec

XOR_SPEC = NetworkSpec(2, (LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid")))


def _circles(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy concentric rings (radius 1 and 2.2), one-hot labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=m)
    angle = rng.uniform(0, 2 * np.pi, size=m)
    radius = np.where(labels == 0, 1.0, 2.2) + rng.normal(scale=0.15, size=m)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, np.eye(2)[labels]


def _regression(m: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(m, 1))
    return X, np.sin(X) + rng.normal(scale=0.05, size=(m, 1))


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.005)


# ---- learning ------------------------------------------------------------------------------


def test_xor_learns_with_momentum(xor_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = xor_data
    net = Network.from_spec(XOR_SPEC, "binary_crossentropy", seed=0)
    training = TrainingSpec(
        optimizer="momentum", learning_rate=1.0, momentum=0.9, batch_size="full", epochs=2000
    )
    snapshot = Trainer(net, training, X, Y).run()
    assert snapshot.status == "finished"
    assert snapshot.train_loss is not None and snapshot.train_loss < 0.05
    assert snapshot.train_accuracy == 1.0
    np.testing.assert_array_equal(net.predict(X) >= 0.5, Y == 1)


def test_circles_are_separated() -> None:
    X, Y = _circles(300, seed=1)
    X_val, Y_val = _circles(100, seed=2)
    spec = NetworkSpec(2, (LayerSpec(8, "tanh"), LayerSpec(8, "tanh"), LayerSpec(2, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy", seed=3)
    training = TrainingSpec(optimizer="adam", learning_rate=0.02, batch_size=32, epochs=60)
    snapshot = Trainer(net, training, X, Y, X_val, Y_val).run()
    assert snapshot.train_accuracy is not None and snapshot.train_accuracy > 0.97
    assert snapshot.val_accuracy is not None and snapshot.val_accuracy > 0.95
    assert snapshot.history.val_loss[-1] < snapshot.history.val_loss[0]


def test_regression_reports_rmse_and_r2() -> None:
    X, Y = _regression()
    spec = NetworkSpec(1, (LayerSpec(16, "tanh"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", seed=0)
    training = TrainingSpec(optimizer="adam", learning_rate=0.02, batch_size=16, epochs=150)
    snapshot = Trainer(net, training, X, Y, X[:16], Y[:16], task="regression").run()
    assert snapshot.train_accuracy is None and snapshot.val_accuracy is None
    assert snapshot.train_rmse is not None and snapshot.train_rmse < 0.15
    assert snapshot.train_r2 is not None and snapshot.train_r2 > 0.95
    assert snapshot.val_r2 is not None
    # The lectures' ½: mse loss is half the mean squared error.
    assert snapshot.train_loss == pytest.approx(0.5 * snapshot.train_rmse**2, rel=1e-4)
    assert np.isnan(snapshot.history.train_accuracy).all()


# ---- determinism and dtype -----------------------------------------------------------------

DROPOUT_SPEC = NetworkSpec(
    2, (LayerSpec(16, "relu", init="he_normal", dropout=0.2), LayerSpec(2, "softmax"))
)


def _train(seed: int, dtype: str = "float32") -> Network:
    X, Y = _circles(120, seed=0)
    net = Network.from_spec(DROPOUT_SPEC, "categorical_crossentropy", seed=seed, dtype=dtype)
    training = TrainingSpec(
        optimizer="adam", learning_rate=0.01, batch_size=16, epochs=5, seed=seed, dtype=dtype
    )
    Trainer(net, training, X, Y).run()
    return net


def test_same_seed_gives_bit_identical_weights() -> None:
    a, b, c = _train(4), _train(4), _train(5)
    for (Wa, ba), (Wb, bb) in zip(a.params, b.params, strict=True):
        assert Wa.tobytes() == Wb.tobytes() and ba.tobytes() == bb.tobytes()
    assert not np.array_equal(a.params[0][0], c.params[0][0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_training_set_is_held_without_a_copy(dtype) -> None:
    # A training set can be most of the memory a run needs: it is kept as given, and only
    # the network's own (standardised or cast) copy is added.
    X, Y = _circles(200, 0)
    X = np.ascontiguousarray(X, dtype=dtype)
    spec = NetworkSpec(2, (LayerSpec(4, "tanh"), LayerSpec(2, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy", seed=0)
    trainer = Trainer(net, TrainingSpec(), X, Y)
    assert trainer.X_train is X
    if dtype is np.float32:
        assert trainer._data.X is X  # nothing to standardise or cast: not even that copy


def test_float32_by_default_and_float64_on_request() -> None:
    assert all(p.dtype == np.float32 for pair in _train(1).params for p in pair)
    trained64 = _train(1, dtype="float64")
    assert all(p.dtype == np.float64 for pair in trained64.params for p in pair)


# ---- batches -------------------------------------------------------------------------------


def _record_batches(trainer: Trainer) -> list[np.ndarray]:
    """Record the (standardised) input batch of every step the trainer takes."""
    seen: list[np.ndarray] = []
    kernel = trainer._kernel
    original = kernel.load_batch

    def recording(data: TrainingData, rows: np.ndarray | slice) -> int:
        m = original(data, rows)
        seen.append(kernel.batch_inputs(m).copy())
        return m

    kernel.load_batch = recording  # type: ignore[method-assign]
    return seen


@pytest.mark.parametrize("shuffle", [True, False])
def test_every_sample_is_used_once_per_epoch(shuffle: bool) -> None:
    X = np.arange(20, dtype=float).reshape(10, 2)
    Y = np.zeros((10, 1))
    net = Network.from_spec(XOR_SPEC, "mse", dtype="float64")
    trainer = Trainer(net, TrainingSpec(batch_size=3, epochs=2, shuffle=shuffle), X, Y)
    batches = _record_batches(trainer)
    assert trainer.steps_per_epoch == 4
    trainer.run_epoch()
    assert [len(b) for b in batches] == [3, 3, 3, 1]
    assert trainer.epoch == 1 and trainer.step_count == 4
    first = np.concatenate(batches)
    if shuffle:
        assert sorted(first[:, 0]) == sorted(X[:, 0]) and not np.array_equal(first, X)
    else:
        np.testing.assert_array_equal(first, X)
    trainer.run_epoch()
    second = np.concatenate(batches[4:])
    assert sorted(second[:, 0]) == sorted(X[:, 0])
    assert shuffle != np.array_equal(second, first)


def test_full_batch_means_one_step_per_epoch(xor_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = xor_data
    trainer = Trainer(
        Network.from_spec(XOR_SPEC, "mse"), TrainingSpec(batch_size="full", epochs=3), X, Y
    )
    snapshot = trainer.run()
    assert snapshot.epoch == 3 and snapshot.step == 3
    assert (
        Trainer(Network.from_spec(XOR_SPEC, "mse"), TrainingSpec(batch_size=100), X, Y).batch_size
        == 4
    )


# ---- snapshots -----------------------------------------------------------------------------


def test_snapshot_contents_history_and_copies(xor_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = xor_data
    net = Network.from_spec(XOR_SPEC, "binary_crossentropy")
    trainer = Trainer(net, TrainingSpec(batch_size=2, epochs=4, l2=0.01), X, Y, X, Y)
    initial = trainer.snapshot()
    assert initial.status == "ready" and initial.step == 0 and initial.batch_loss is None
    assert len(initial.history) == 1 and initial.history.epoch[0] == 0
    assert initial.train_loss == pytest.approx(net.data_loss(X, Y))

    seen: list[Snapshot] = []
    final = trainer.run(seen.append)
    assert final.status == "finished" and final.message.startswith("Finished 4 epochs")
    assert final.epoch == 4 and final.step == 8 and final.epoch_progress == 0.0
    np.testing.assert_array_equal(final.history.epoch, [0, 1, 2, 3, 4])
    assert final.history.train_loss[-1] == pytest.approx(final.train_loss)
    assert final.history.val_loss[-1] == pytest.approx(final.val_loss)
    assert final.history.train_objective[-1] > final.history.train_loss[-1]  # the l2 penalty
    assert len(final.grad_norms) == 2 and all(g > 0 for g in final.grad_norms)

    # One callback per epoch, the last one being the final state; together they cover every
    # step exactly once.
    assert [s.epoch for s in seen] == [1, 2, 3, 4]
    assert [s.status for s in seen] == ["running", "running", "running", "finished"]
    steps = np.concatenate([s.step_numbers for s in seen])
    np.testing.assert_array_equal(steps, np.arange(1, 9))
    assert np.concatenate([s.step_grad_norms for s in seen]).shape == (8, 2)

    everything = trainer.snapshot()
    np.testing.assert_array_equal(everything.step_numbers, np.arange(1, 9))
    np.testing.assert_array_equal(trainer.snapshot(since_step=6).step_numbers, [7, 8])
    assert everything.step_losses[-1] == pytest.approx(everything.batch_loss)

    with pytest.raises(dataclasses.FrozenInstanceError):
        everything.epoch = 0  # type: ignore[misc]
    everything.weights[0][0][...] = 123.0
    everything.history.train_loss[...] = 0.0
    assert not (net.params[0][0] == 123.0).any()
    assert trainer.snapshot().history.train_loss[-1] > 0


def test_timed_snapshots_arrive_within_an_epoch() -> None:
    X, Y = _regression(m=20)
    spec = NetworkSpec(1, (LayerSpec(4, "tanh"), LayerSpec(1, "identity")))
    trainer = Trainer(
        Network.from_spec(spec, "mse"),
        TrainingSpec(batch_size=1, epochs=1),
        X,
        Y,
        task="regression",
    )
    seen: list[Snapshot] = []
    trainer.run(seen.append, snapshot_every_epochs=5, snapshot_every_seconds=0.0)
    assert [s.step for s in seen] == list(range(1, 21))
    assert [s.epoch_progress for s in seen[:-1]] == pytest.approx([i / 20 for i in range(1, 20)])
    assert all(s.step_numbers.tolist() == [s.step] for s in seen)


def test_series_decimates_at_its_cap() -> None:
    series = _Series(width=1, cap=8)
    for number in range(1, 101):
        series.append(number, [float(number)])
    assert series.size <= 8
    numbers, values = series.after(0)
    assert numbers[-1] > 80 and (np.diff(numbers) == series.stride).all()
    np.testing.assert_array_equal(values[:, 0], numbers)
    assert MAX_EPOCH_RECORDS >= 1000


# ---- control from another thread -----------------------------------------------------------


def test_pause_resume_and_stop_from_another_thread() -> None:
    X, Y = _circles(64, seed=0)
    net = Network.from_spec(DROPOUT_SPEC, "categorical_crossentropy")
    trainer = Trainer(net, TrainingSpec(batch_size=8, epochs=None), X, Y)
    statuses: list[str] = []
    result: list[Snapshot] = []
    worker = threading.Thread(
        target=lambda: result.append(trainer.run(lambda s: statuses.append(s.status)))
    )
    worker.start()
    try:
        _wait_for(lambda: trainer.step_count > 20)
        trainer.request_pause()
        _wait_for(lambda: trainer.status == "paused")
        paused_at = trainer.step_count
        time.sleep(0.2)
        assert trainer.step_count == paused_at  # nothing happens while paused
        assert trainer.snapshot().status == "paused"
        assert "paused" in statuses

        trainer.request_resume()
        _wait_for(lambda: trainer.step_count > paused_at + 10)
        assert trainer.status == "running"
    finally:
        trainer.request_stop()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert result[0].status == "stopped"
    assert result[0].message.startswith("Stopped at epoch")
    assert statuses[-1] == "stopped"


def test_run_refuses_to_run_twice_at_once() -> None:
    X, Y = _circles(32, seed=0)
    trainer = Trainer(
        Network.from_spec(DROPOUT_SPEC, "categorical_crossentropy"),
        TrainingSpec(batch_size=8, epochs=None),
        X,
        Y,
    )
    worker = threading.Thread(target=trainer.run)
    worker.start()
    try:
        _wait_for(lambda: trainer.step_count > 0)
        assert trainer.is_running
        with pytest.raises(RuntimeError, match="already running"):
            trainer.run()
    finally:
        trainer.request_stop()
        worker.join(timeout=10)
    assert not trainer.is_running and trainer.status == "stopped"


def test_stop_ends_a_pause_and_run_continues_afterwards() -> None:
    X, Y = _circles(32, seed=0)
    net = Network.from_spec(DROPOUT_SPEC, "categorical_crossentropy")
    trainer = Trainer(net, TrainingSpec(batch_size=8, epochs=3), X, Y)
    trainer.request_pause()  # before run(): it pauses before the first step
    worker = threading.Thread(target=trainer.run)
    worker.start()
    _wait_for(lambda: trainer.status == "paused")
    trainer.request_stop()
    worker.join(timeout=10)
    assert trainer.status == "stopped" and trainer.step_count == 0
    # A new run continues the same training to its end.
    assert trainer.run().status == "finished"
    assert trainer.epoch == 3


# ---- live settings -------------------------------------------------------------------------


def test_update_settings_changes_the_learning_rate_but_keeps_the_velocity(
    xor_data: tuple[np.ndarray, np.ndarray],
) -> None:
    X, Y = xor_data
    net = Network.from_spec(XOR_SPEC, "mse", dtype="float64")
    training = TrainingSpec(
        optimizer="heavy_ball", learning_rate=0.5, momentum=0.9, batch_size="full", epochs=None
    )
    trainer = Trainer(net, training, X, Y)
    for _ in range(3):
        trainer.step()
    optimizer = trainer.optimizer
    # The trainer updates all parameters as one flat array: split the velocity like them.
    (flat_velocity,) = optimizer.state_arrays()["velocity"]
    velocity = [W for W, _ in net.split_flat(flat_velocity)]

    trainer.update_settings(replace(training, learning_rate=0.01))
    assert trainer.optimizer is optimizer and optimizer.iterations == 3
    assert trainer.snapshot().learning_rate == 0.01
    W_before = net.params[0][0].copy()
    _, grads = net.loss_and_gradients(X, Y)
    trainer.step()
    expected_v = 0.9 * velocity[0] + grads[0][0]
    np.testing.assert_allclose(net.params[0][0], W_before - 0.01 * expected_v, rtol=1e-12)

    trainer.update_settings(replace(training, optimizer="adam", learning_rate=0.01))
    assert trainer.optimizer.name == "adam" and trainer.optimizer.iterations == 0


def test_update_settings_rejects_out_of_range_values(
    xor_data: tuple[np.ndarray, np.ndarray],
) -> None:
    X, Y = xor_data
    trainer = Trainer(Network.from_spec(XOR_SPEC, "mse"), TrainingSpec(), X, Y)
    with pytest.raises(SpecError, match="learning_rate"):
        trainer.update_settings(TrainingSpec(learning_rate=-1.0))
    assert trainer.training.learning_rate == 0.1


def test_schedule_sets_the_rate_per_epoch(xor_data: tuple[np.ndarray, np.ndarray]) -> None:
    from nnstudio.spec import ScheduleSpec

    X, Y = xor_data
    training = TrainingSpec(
        learning_rate=0.8,
        batch_size="full",
        epochs=4,
        schedule=ScheduleSpec("step", step_size=2, gamma=0.5),
    )
    snapshot = Trainer(Network.from_spec(XOR_SPEC, "mse"), training, X, Y).run()
    np.testing.assert_allclose(snapshot.history.learning_rate, [0.8, 0.8, 0.8, 0.4, 0.4])


# ---- safeguards ----------------------------------------------------------------------------


def test_early_stopping_restores_the_best_weights() -> None:
    # Validation labels are the opposite of the training labels: the better the fit, the worse
    # the validation loss, so the best validation weights are the early ones.
    X, Y = _circles(80, seed=0)
    net = Network.from_spec(DROPOUT_SPEC, "categorical_crossentropy", seed=1)
    training = TrainingSpec(
        optimizer="adam", learning_rate=0.05, batch_size=16, epochs=200, early_stopping=3
    )
    trainer = Trainer(net, training, X, Y, X, Y[:, ::-1])
    weights_by_epoch: dict[int, tuple] = {0: trainer.snapshot().weights}
    snapshot = trainer.run(lambda s: weights_by_epoch.setdefault(s.epoch, s.weights))
    assert snapshot.status == "early_stopped"
    best = snapshot.best_epoch
    assert best is not None and snapshot.epoch == best + 3
    assert snapshot.history.val_loss[best] == snapshot.history.val_loss.min()
    for (W, b), (W_best, b_best) in zip(net.params, weights_by_epoch[best], strict=True):
        np.testing.assert_array_equal(W, W_best)
        np.testing.assert_array_equal(b, b_best)
    assert snapshot.val_loss == pytest.approx(snapshot.history.val_loss[best], rel=1e-6)
    assert f"restored the weights of epoch {best}" in snapshot.message


def _sine_run(learning_rate: float, epochs: int) -> tuple[Trainer, Snapshot]:
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(64, 1))
    spec = NetworkSpec(1, (LayerSpec(4, "tanh"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", seed=0)
    training = TrainingSpec(
        optimizer="sgd", learning_rate=learning_rate, batch_size="full", epochs=epochs
    )
    trainer = Trainer(net, training, X, np.sin(X), task="regression")
    return trainer, trainer.run()


def test_a_loss_that_blows_up_but_stays_finite_is_warned_about() -> None:
    trainer, snapshot = _sine_run(10.0, epochs=4)
    # Nothing became infinite, so the run ends as finished, far worse than it started.
    assert snapshot.status == "finished"
    assert snapshot.train_loss > 1e8 * snapshot.history.train_loss[0]
    assert snapshot.warning == trainer.warning
    assert snapshot.warning is not None
    assert snapshot.warning.startswith(f"{LOSS_ROSE} {snapshot.history.train_loss[0]:.4g} to ")
    assert "learning rate is probably too large" in snapshot.warning


def test_a_relu_layer_knocked_dead_is_warned_about() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(64, 1))
    net = Network.from_spec(NetworkSpec(1, (LayerSpec(1, "relu"),)), "mse", seed=0)
    training = TrainingSpec(optimizer="sgd", learning_rate=3.0, batch_size="full", epochs=10)
    snapshot = Trainer(net, training, X, np.sin(X) + 2, task="regression").run()
    # The loss stays finite and below a blow-up; the output unit is 0 for every example.
    assert snapshot.status == "finished"
    assert net.forward(X).output.max() == 0
    assert snapshot.warning is not None
    assert snapshot.warning.startswith(
        f"{DEAD_LAYER} the output layer (ReLU) outputs 0 for every training example after epoch "
    )


@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.0), (0.0, 0.01), (0.001, 0.0)])
def test_a_hidden_relu_layer_that_starts_dead_is_warned_about(l1: float, l2: float) -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(64, 1))
    spec = NetworkSpec(1, (LayerSpec(3, "relu", bias_init=-10.0), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", seed=0)
    training = TrainingSpec(
        optimizer="sgd", learning_rate=0.1, batch_size=16, epochs=3, l1=l1, l2=l2
    )
    snapshot = Trainer(net, training, X, np.sin(X), task="regression").run()
    assert snapshot.status == "finished"
    assert snapshot.warning is not None
    assert snapshot.warning.startswith(f"{DEAD_LAYER} hidden layer 1 (ReLU) outputs 0 ")
    assert "change the initialisation" in snapshot.warning
    # The recorded norms are the data loss's: a penalty's λW does not hide the dead layer.
    assert snapshot.grad_norms[0] == 0.0
    assert np.all(snapshot.step_grad_norms[:, 0] == 0.0)


def test_a_run_that_learns_gets_no_warning() -> None:
    _trainer, snapshot = _sine_run(0.1, epochs=20)
    assert snapshot.train_loss < 0.1 * snapshot.history.train_loss[0]
    assert snapshot.warning is None


def test_divergence_is_detected_and_weights_stay_finite() -> None:
    X, Y = _regression()
    spec = NetworkSpec(1, (LayerSpec(8, "relu"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse")
    training = TrainingSpec(learning_rate=1e3, batch_size=8, epochs=50)
    with np.errstate(all="raise"):  # the trainer must not leak floating-point errors
        snapshot = Trainer(net, training, X, Y, task="regression").run()
    assert snapshot.status == "diverged"
    assert snapshot.message.startswith("Training diverged at epoch 1, step ")
    assert "lower the learning rate" in snapshot.message
    assert net.parameters_finite()
    assert all(np.isfinite(W).all() and np.isfinite(b).all() for W, b in snapshot.weights)


@pytest.mark.parametrize("bound", [1e38, math.inf])
def test_non_finite_weights_after_steady_steps_are_undone_exactly(
    bound: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    X, Y = _regression()
    spec = NetworkSpec(1, (LayerSpec(8, "tanh"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse")
    training = TrainingSpec(optimizer="heavy_ball", learning_rate=0.01, batch_size=8)
    trainer = Trainer(net, dataclasses.replace(training, epochs=None), X, Y, task="regression")
    for _ in range(5):  # steady steps: the parameters stay provably finite
        trainer.step()
    assert trainer._weights_bound < 1e3
    before = net.flat_params.copy()
    optimizer = trainer.optimizer
    original = optimizer.step_flat

    def overflowing(params: np.ndarray, *args: object) -> None:
        original(params, *args)  # type: ignore[arg-type]
        params[3] = np.inf

    monkeypatch.setattr(optimizer, "step_flat", overflowing)
    # A step that may reach beyond what a float32 weight can hold (or of unknown size) is
    # checked, and undone when it made a weight non-finite.
    monkeypatch.setattr(optimizer, "update_norm_bound", lambda lr, norm: bound)
    trainer.step()
    assert trainer.status == "diverged"
    assert "the weights became infinite or NaN" in trainer.snapshot().message
    np.testing.assert_array_equal(net.flat_params, before)


def test_gradient_clipping_bounds_the_update(xor_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = xor_data
    net = Network.from_spec(XOR_SPEC, "mse", dtype="float64", seed=0)
    for W, _ in net.params:
        W *= 20  # saturating weights give large gradients
    training = TrainingSpec(learning_rate=1.0, batch_size="full", clip_norm=0.01, epochs=None)
    trainer = Trainer(net, training, X, Y)
    for _ in range(3):
        before = [p.copy() for pair in net.params for p in pair]
        trainer.step()
        after = [p for pair in net.params for p in pair]
        change = math.sqrt(
            sum(float(((a - b) ** 2).sum()) for a, b in zip(after, before, strict=True))
        )
        assert change == pytest.approx(0.01, rel=1e-9)  # clipped to exactly the threshold
    assert math.hypot(*trainer.snapshot().grad_norms) > 0.01  # raw norms are reported


def test_l2_shrinks_the_weights(xor_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = xor_data

    def weight_norm(l2: float) -> float:
        net = Network.from_spec(XOR_SPEC, "binary_crossentropy", seed=0)
        training = TrainingSpec(learning_rate=0.5, batch_size="full", epochs=300, l2=l2)
        Trainer(net, training, X, Y).run()
        return sum(float((W**2).sum()) for W, _ in net.params)

    assert weight_norm(0.05) < 0.5 * weight_norm(0.0)


def test_bad_data_is_rejected_with_data_errors(xor_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = xor_data
    net = Network.from_spec(XOR_SPEC, "mse")
    with pytest.raises(DataError, match="training inputs have shape"):
        Trainer(net, TrainingSpec(), X[:, :1], Y)
    with pytest.raises(DataError, match="training targets have shape"):
        Trainer(net, TrainingSpec(), X, Y[:3])
    with pytest.raises(DataError, match="NaN"):
        Trainer(net, TrainingSpec(), np.where(X == 1, np.nan, X), Y)
    with pytest.raises(DataError, match="together"):
        Trainer(net, TrainingSpec(), X, Y, X_val=X)
    with pytest.raises(DataError, match="no samples"):
        Trainer(net, TrainingSpec(), X[:0], Y[:0])
    with pytest.raises(SpecError, match="task"):
        Trainer(net, TrainingSpec(), X, Y, task="ranking")


# ---- metrics and small behaviours ----------------------------------------------------------


def test_metrics_by_hand() -> None:
    from nnstudio.engine.trainer import History, accuracy, r2_score, rmse

    # One sigmoid column thresholds at 0.5; several columns compare argmax.
    assert accuracy(np.array([[0.2], [0.7], [0.5]]), np.array([[0.0], [0.0], [1.0]])) == 2 / 3
    assert accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([[0, 1], [0, 1]])) == 0.5
    assert rmse(np.array([[1.0], [3.0]]), np.array([[0.0], [0.0]])) == pytest.approx(math.sqrt(5))
    Y = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    perfect_first = np.array([[1.0, 4.0], [2.0, 6.0], [3.0, 5.0]])
    # The constant second column has no R²; the first is perfect.
    assert r2_score(perfect_first, Y) == 1.0
    assert r2_score(np.full((3, 1), 2.0), Y[:, :1]) == 0.0
    assert math.isnan(r2_score(Y[:, 1:], Y[:, 1:]))
    assert len(History.empty()) == 0


def test_more_epochs_granted_after_finishing(xor_data: tuple[np.ndarray, np.ndarray]) -> None:
    X, Y = xor_data
    training = TrainingSpec(batch_size="full", epochs=2)
    trainer = Trainer(Network.from_spec(XOR_SPEC, "mse"), training, X, Y)
    assert trainer.run().status == "finished" and trainer.is_done
    trainer.update_settings(replace(training, epochs=5))
    assert not trainer.is_done
    snapshot = trainer.run()
    assert snapshot.status == "finished" and snapshot.epoch == 5
    np.testing.assert_array_equal(snapshot.history.epoch, np.arange(6))


def test_early_stopping_switched_on_mid_run() -> None:
    X, Y = _circles(80, seed=0)
    net = Network.from_spec(DROPOUT_SPEC, "categorical_crossentropy", seed=1)
    training = TrainingSpec(optimizer="adam", learning_rate=0.05, batch_size=16, epochs=100)
    trainer = Trainer(net, training, X, Y, X, Y[:, ::-1])
    for _ in range(4):
        trainer.run_epoch()
    trainer.update_settings(replace(training, early_stopping=2))
    snapshot = trainer.run()
    assert snapshot.status == "early_stopped"
    # Only epochs from the switch on were candidates.
    assert snapshot.best_epoch is not None and snapshot.best_epoch >= 4


def test_large_offset_feature_trains_as_well_in_float32_as_in_float64() -> None:
    from nnstudio.data.dataset import fit_standardization

    # The only signal is 50·x on top of 1e9 (a timestamp-like feature).
    rng = np.random.default_rng(3)
    x = rng.normal(size=320)
    X = np.column_stack([1e9 + 50 * x, rng.normal(size=320)])
    Y = (x > 0).astype(float).reshape(-1, 1)
    st = fit_standardization(X)
    training = TrainingSpec(optimizer="adam", learning_rate=0.05, batch_size=32, epochs=100)
    losses = {}
    for dtype in ("float32", "float64"):
        net = Network.from_spec(XOR_SPEC, "binary_crossentropy", dtype=dtype, standardization=st)
        losses[dtype] = Trainer(net, training, X, Y).run().train_loss
    # Measured: 0.0030 in both (float32 used to stall at 0.32, accuracy 0.82).
    assert losses["float32"] < 0.01
    assert losses["float32"] == pytest.approx(losses["float64"], abs=1e-3)


def test_values_too_large_for_float32_are_told_apart_from_nan(
    xor_data: tuple[np.ndarray, np.ndarray],
) -> None:
    X, Y = xor_data
    net = Network.from_spec(XOR_SPEC, "mse")
    huge = X.copy()
    huge[1, 1] = 1e39
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # casting 1e39 to float32 used to warn, then say "NaN"
        with pytest.raises(DataError) as error:
            Trainer(net, TrainingSpec(), huge, Y, feature_names=("time", "size"))
        with pytest.raises(DataError, match=r"validation target column 'y' holds 2e\+300, too"):
            Trainer(net, TrainingSpec(), X, Y, X, Y * 2e300, target_names=("y",))
    message = str(error.value)
    assert message.startswith("training input column 'size' holds 1e+39, too large for float32")
    assert "choose float64" in message and "NaN" not in message
    net64 = Network.from_spec(XOR_SPEC, "mse", dtype="float64")
    assert Trainer(net64, TrainingSpec(epochs=1), huge, Y).run().status == "finished"


def test_a_trainer_made_on_diverged_weights_evaluates_quietly() -> None:
    X, Y = _regression()
    net = Network.from_spec(
        NetworkSpec(1, (LayerSpec(8, "relu"), LayerSpec(1, "identity"))), "mse", seed=0
    )
    net.set_weights([[W * 1e18, b] for W, b in net.params])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the squared residuals overflow float32
        trainer = Trainer(net, TrainingSpec(), X, Y, task="regression")
    assert not math.isfinite(trainer.snapshot().train_loss)


def test_a_loss_that_overflows_before_any_update_blames_the_data() -> None:
    X, Y = _regression()
    Y[::2] *= 1e300  # squared errors beyond the largest float64
    spec = NetworkSpec(1, (LayerSpec(4, "tanh"), LayerSpec(1, "identity")))
    net = Network.from_spec(spec, "mse", dtype="float64")
    before = [W.copy() for W, _ in net.params]
    with np.errstate(all="raise"):
        snapshot = Trainer(net, TrainingSpec(learning_rate=1e-4, epochs=3), X, Y).run()
    assert snapshot.status == "diverged"
    assert snapshot.step == 0
    message = snapshot.message
    assert "before any update" in message and "too large for the loss in float64" in message
    assert "standardise the targets" in message
    # No learning rate helps here, so none is suggested.
    assert "lower the learning rate" not in message
    for (W, _), W0 in zip(net.params, before, strict=True):
        np.testing.assert_array_equal(W, W0)


def test_rmse_and_r2_of_huge_values_do_not_overflow() -> None:
    from nnstudio.engine.trainer import r2_score, rmse

    rng = np.random.default_rng(0)
    Y = rng.normal(size=(50, 2))
    Yhat = Y + 0.1 * rng.normal(size=(50, 2))
    scale = 1e300  # squares of such numbers overflow float64
    assert rmse(Yhat * scale, Y * scale) == pytest.approx(rmse(Yhat, Y) * scale, rel=1e-12)
    assert r2_score(Yhat * scale, Y * scale) == pytest.approx(r2_score(Yhat, Y), rel=1e-12)
    assert rmse(Y, Y) == 0.0
    assert r2_score(Y, Y) == 1.0
