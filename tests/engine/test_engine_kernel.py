"""The training kernel computes exactly what the readable reference computes, without growing."""

from __future__ import annotations

import tracemalloc
from dataclasses import replace

import numpy as np
import pytest

import nnstudio.engine.kernel as kernel_module
from nnstudio.engine.kernel import TrainingKernel
from nnstudio.engine.network import Network
from nnstudio.engine.optimizers import make_optimizer
from nnstudio.engine.trainer import Trainer
from nnstudio.spec import OPTIMIZERS, LayerSpec, NetworkSpec, Standardization, TrainingSpec

HIDDEN = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu", "swish"]
#: (output activation, loss, output units)
OUTPUTS = [
    ("identity", "mse", 2),
    ("identity", "mae", 2),
    ("identity", "huber", 2),
    ("tanh", "mse", 2),
    ("sigmoid", "binary_crossentropy", 1),
    ("sigmoid", "mse", 1),
    ("softmax", "categorical_crossentropy", 3),
]


def _data(m: int, inputs: int, units: int, loss: str, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, inputs)) * 3 + 1
    if loss == "categorical_crossentropy":
        Y = np.eye(units)[rng.integers(0, units, m)]
    elif loss == "binary_crossentropy":
        Y = rng.integers(0, 2, (m, units)).astype(float)
    else:
        Y = rng.normal(size=(m, units))
    return X, Y


def _network(hidden: str, output: str, loss: str, units: int, **layer_options) -> Network:
    spec = NetworkSpec(
        3,
        (
            LayerSpec(5, hidden, **layer_options),
            LayerSpec(4, hidden, alpha=2.0 if hidden == "leaky_relu" else None),
            LayerSpec(units, output),
        ),
    )
    standardization = Standardization(mean=(1.0, 0.5, -1.0), std=(3.0, 2.0, 0.5))
    return Network.from_spec(spec, loss, seed=3, dtype="float64", standardization=standardization)


#: Both layouts of the kernel's activations (see nnstudio.engine.kernel); each must compute
#: exactly what the reference computes, whatever the network's width.
LAYOUTS = pytest.mark.parametrize("sample_major", [False, True], ids=["feature", "sample"])


def _kernel_result(net: Network, X, Y, sample_major: bool | None = None, **options):
    kernel = TrainingKernel(net, batch_size=X.shape[0], sample_major=sample_major)
    kernel.load_batch(kernel.training_data(X, Y), np.arange(X.shape[0]))
    loss = kernel.loss_and_gradients(X.shape[0], **options)
    return kernel, loss


@LAYOUTS
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss", "units"), OUTPUTS)
def test_kernel_matches_the_reference(
    hidden: str, output: str, loss: str, units: int, sample_major: bool
) -> None:
    net = _network(hidden, output, loss, units)
    X, Y = _data(11, 3, units, loss)
    kernel, value = _kernel_result(net, X, Y, sample_major)
    expected_value, expected_grads = net.loss_and_gradients(X, Y)
    assert value == pytest.approx(expected_value, rel=1e-12)
    for (dW, db), (eW, eb) in zip(kernel.grads, expected_grads, strict=True):
        np.testing.assert_allclose(dW, eW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(db, eb, rtol=1e-10, atol=1e-13)


@LAYOUTS
@pytest.mark.parametrize(("l1", "l2"), [(0.01, 0.0), (0.0, 0.1), (0.02, 0.05)])
def test_kernel_adds_the_penalty_like_the_reference(
    l1: float, l2: float, sample_major: bool
) -> None:
    net = _network("tanh", "softmax", "categorical_crossentropy", 3)
    X, Y = _data(9, 3, 3, "categorical_crossentropy")
    kernel, value = _kernel_result(net, X, Y, sample_major, l1=l1, l2=l2)
    expected_value, expected_grads = net.loss_and_gradients(X, Y, l1=l1, l2=l2)
    assert value == pytest.approx(expected_value, rel=1e-12)
    for (dW, db), (eW, eb) in zip(kernel.grads, expected_grads, strict=True):
        np.testing.assert_allclose(dW, eW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(db, eb, rtol=1e-10, atol=1e-13)


@LAYOUTS
@pytest.mark.parametrize("hidden", ["tanh", "relu", "gelu"])
def test_kernel_dropout_draws_the_same_masks_as_the_reference(
    hidden: str, sample_major: bool
) -> None:
    net = _network(hidden, "sigmoid", "binary_crossentropy", 1, dropout=0.4)
    X, Y = _data(16, 3, 1, "binary_crossentropy")
    kernel, value = _kernel_result(net, X, Y, sample_major, rng=np.random.default_rng(5))
    expected_value, expected_grads = net.loss_and_gradients(
        X, Y, training=True, rng=np.random.default_rng(5)
    )
    assert value == pytest.approx(expected_value, rel=1e-12)
    for (dW, db), (eW, eb) in zip(kernel.grads, expected_grads, strict=True):
        np.testing.assert_allclose(dW, eW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(db, eb, rtol=1e-10, atol=1e-13)
    # Dropout really is active: the objective differs from the inference-mode one.
    assert value != pytest.approx(net.loss(X, Y), rel=1e-6)


def _masks_from_kept_units(kernel: TrainingKernel, net: Network, m: int) -> list[np.ndarray | None]:
    """The inverted-dropout multipliers the accessor reports, every row of the batch."""
    masks: list[np.ndarray | None] = []
    for index, layer in enumerate(net.spec.layers):
        rows = [kernel.kept_units(m, row)[index] for row in range(m)]
        if rows[0] is None:
            assert all(row is None for row in rows)
            masks.append(None)
            continue
        masks.append(np.array(rows, dtype=float) / (1.0 - layer.dropout))
    return masks


@LAYOUTS
@pytest.mark.parametrize("hidden", ["tanh", "relu", "sigmoid"])
def test_kept_units_are_the_masks_the_step_trained_with(hidden: str, sample_major: bool) -> None:
    net = _network(hidden, "softmax", "categorical_crossentropy", 3, dropout=0.5)
    X, Y = _data(12, 3, 3, "categorical_crossentropy")
    kernel, value = _kernel_result(net, X, Y, sample_major, rng=np.random.default_rng(7))
    masks = _masks_from_kept_units(kernel, net, 12)
    # Only the first hidden layer uses dropout: one boolean row per sample there.
    assert masks[1] is None and masks[2] is None
    kept = kernel.kept_units(12, 3)[0]
    assert kept.dtype == bool and kept.shape == (5,)
    # The reference, fed those masks as fixed multipliers, computes exactly the kernel's step.
    expected_value, expected_grads = net.loss_and_gradients(X, Y, masks=masks)
    assert value == pytest.approx(expected_value, rel=1e-12)
    for (dW, db), (eW, eb) in zip(kernel.grads, expected_grads, strict=True):
        np.testing.assert_allclose(dW, eW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(db, eb, rtol=1e-10, atol=1e-13)
    # And they are the masks the reference draws from the same stream.
    drawn = net.forward(X, training=True, rng=np.random.default_rng(7)).masks[0]
    np.testing.assert_array_equal(masks[0] > 0, drawn > 0)
    assert 0 < int((drawn == 0).sum()) < drawn.size  # some units dropped, not all


def test_kept_units_of_a_smaller_last_batch_and_of_no_step() -> None:
    net = _network("tanh", "sigmoid", "binary_crossentropy", 1, dropout=0.5)
    X, Y = _data(20, 3, 1, "binary_crossentropy")
    kernel = TrainingKernel(net, batch_size=16)
    data = kernel.training_data(X, Y)
    # Buffers of 16 rows exist but no step filled them; 7 rows have no buffers at all.
    assert kernel.kept_units(7) == (None, None, None)
    m = kernel.load_batch(data, slice(16, 20))
    kernel.loss_and_gradients(m, rng=np.random.default_rng(3))
    drawn = net.forward(X[16:20], training=True, rng=np.random.default_rng(3)).masks[0]
    for row in range(4):
        np.testing.assert_array_equal(kernel.kept_units(4, row)[0], drawn[row] > 0)
    assert kernel.kept_units(4, 4) == (None, None, None)  # outside the batch
    # A copy: changing it changes nothing the next call reports.
    kept = kernel.kept_units(4)[0]
    kept[:] = ~kept
    np.testing.assert_array_equal(kernel.kept_units(4)[0], drawn[0] > 0)


def test_kernel_gradient_layout_and_norms() -> None:
    net = _network("relu", "identity", "mse", 2)
    X, Y = _data(8, 3, 2, "mse")
    kernel, _ = _kernel_result(net, X, Y)
    # grads_flat is laid out like flat_params: W₁, b₁, W₂, b₂, …
    pieces = np.concatenate([a.ravel() for pair in kernel.grads for a in pair])
    np.testing.assert_array_equal(pieces, kernel.grads_flat)
    expected = [np.sqrt(np.sum(dW**2) + np.sum(db**2)) for dW, db in kernel.grads]
    np.testing.assert_allclose(kernel.layer_norms(), expected, rtol=1e-12)


@LAYOUTS
def test_a_smaller_last_batch_gets_its_own_buffers_and_the_right_answer(
    sample_major: bool,
) -> None:
    net = _network("tanh", "identity", "mse", 2)
    X, Y = _data(10, 3, 2, "mse")
    kernel = TrainingKernel(net, batch_size=4, sample_major=sample_major)
    kernel.load_batch(kernel.training_data(X, Y), slice(8, 10))
    value = kernel.loss_and_gradients(2)
    expected_value, expected_grads = net.loss_and_gradients(X[8:], Y[8:])
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(kernel.grads[0][0], expected_grads[0][0], rtol=1e-10)


@LAYOUTS
def test_float32_kernel_agrees_with_float64_reference(sample_major: bool) -> None:
    net64 = _network("tanh", "softmax", "categorical_crossentropy", 3)
    net32 = net64.copy(dtype="float32")
    X, Y = _data(32, 3, 3, "categorical_crossentropy")
    kernel, value = _kernel_result(net32, X.astype(np.float32), Y.astype(np.float32), sample_major)
    expected_value, expected_grads = net64.loss_and_gradients(X, Y)
    assert value == pytest.approx(expected_value, rel=1e-5)
    for (dW, _), (eW, _) in zip(kernel.grads, expected_grads, strict=True):
        np.testing.assert_allclose(dW, eW, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_flat_update_equals_the_per_array_update(optimizer: str) -> None:
    training = TrainingSpec(optimizer=optimizer, learning_rate=0.05, weight_decay=0.1)
    net_a = _network("tanh", "identity", "mse", 2)
    net_b = net_a.copy()
    by_array, flat = make_optimizer(training), make_optimizer(training)
    X, Y = _data(12, 3, 2, "mse")
    for rate in (0.05, 0.05, 0.02, 0.1):
        if rate == 0.1:  # hyperparameters change between steps, as live settings do
            changed = replace(training, momentum=0.5, beta1=0.8)
            by_array.update_hyperparameters(changed)
            flat.update_hyperparameters(changed)
        _, grads = net_a.loss_and_gradients(X, Y)
        by_array.step(net_a.params, grads, rate)
        _, grads = net_b.loss_and_gradients(X, Y)
        flat_grads = np.concatenate([a.ravel() for pair in grads for a in pair])
        flat.step_flat(net_b.flat_params, flat_grads, rate, [W for W, _ in net_b.params])
    for (Wa, ba), (Wb, bb) in zip(net_a.params, net_b.params, strict=True):
        np.testing.assert_allclose(Wb, Wa, rtol=1e-12)
        np.testing.assert_allclose(bb, ba, rtol=1e-12)


def test_parameters_are_views_of_one_flat_array() -> None:
    net = _network("tanh", "identity", "mse", 2)
    net.flat_params[:] = 0.0
    assert all(not W.any() and not b.any() for W, b in net.params)
    weights = net.weights()
    net.set_weights(tuple((W + 1, b + 2) for W, b in weights))
    assert net.flat_params.min() == 1.0 and net.flat_params.max() == 2.0
    blocks = net.layer_blocks(net.flat_params)
    for block, (W, b) in zip(blocks, net.params, strict=True):
        np.testing.assert_array_equal(block[:-1], W)
        np.testing.assert_array_equal(block[-1], b)


def test_training_steps_do_not_grow_memory() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 20)).astype(np.float32)
    Y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 300)]
    spec = NetworkSpec(20, (LayerSpec(32, "relu"), LayerSpec(16, "tanh"), LayerSpec(4, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy")
    training = TrainingSpec(optimizer="adam", batch_size=32, epochs=None, l2=1e-4)
    trainer = Trainer(net, training, X, Y)
    for _ in range(50):  # warm up: buffers, optimizer state, history capacity
        trainer.step()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for _ in range(400):
            trainer.step()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The per-step history keeps 16 bytes per step and a few layer norms (recorded, bounded
    # by its cap); everything else must be reused.
    assert after - before < 400 * 64


def test_trainer_step_moves_the_weights_like_the_reference_update() -> None:
    net = _network("relu", "softmax", "categorical_crossentropy", 3)
    reference = net.copy()
    X, Y = _data(6, 3, 3, "categorical_crossentropy")
    training = TrainingSpec(optimizer="sgd", learning_rate=0.1, batch_size="full", shuffle=False)
    trainer = Trainer(net, replace(training, epochs=None), X, Y)
    trainer.step()
    _, grads = reference.loss_and_gradients(X, Y)
    for (W, b), (W0, b0), (dW, db) in zip(net.params, reference.params, grads, strict=True):
        np.testing.assert_allclose(W, W0 - 0.1 * dW, rtol=1e-12)
        np.testing.assert_allclose(b, b0 - 0.1 * db, rtol=1e-12)
    # The snapshot reports each layer's gradient norm, per step and as the latest value.
    norms = [np.sqrt(np.sum(dW**2) + np.sum(db**2)) for dW, db in grads]
    snapshot = trainer.snapshot()
    np.testing.assert_allclose(snapshot.grad_norms, norms, rtol=1e-12)
    np.testing.assert_allclose(snapshot.step_grad_norms, [norms], rtol=1e-12)


def test_big_sets_are_evaluated_on_a_fixed_sample() -> None:
    from nnstudio.engine.trainer import MAX_EVALUATION_ROWS

    rng = np.random.default_rng(1)
    m = MAX_EVALUATION_ROWS + 1000
    X = rng.normal(size=(m, 3))
    Y = np.eye(3)[rng.integers(0, 3, m)]
    net = _network("tanh", "softmax", "categorical_crossentropy", 3)
    trainer = Trainer(net, TrainingSpec(batch_size=512, epochs=None), X, Y)
    ((prefix, X_eval, Y_eval),) = trainer._evaluation_sets
    assert prefix == "train" and X_eval.shape == (MAX_EVALUATION_ROWS, 3)
    # The sample is made of real rows, and the recorded loss is the sample's loss.
    assert np.isin(X_eval[:, 0], X[:, 0]).all()
    expected, _ = net.evaluate(X_eval, Y_eval)
    assert trainer.snapshot().train_loss == pytest.approx(expected, rel=1e-12)
    small = Trainer(net, TrainingSpec(batch_size=8, epochs=None), X[:100], Y[:100])
    assert small._evaluation_sets[0][1].shape == (100, 3)


def test_chunked_evaluation_equals_one_pass() -> None:
    net = _network("relu", "softmax", "categorical_crossentropy", 3)
    X, Y = _data(1000, 3, 3, "categorical_crossentropy")
    loss, outputs = net.evaluate(X, Y)
    chunked_loss, chunked_outputs = net.evaluate(X, Y, chunk_rows=64)
    assert chunked_loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(chunked_outputs, outputs, rtol=1e-12)


@pytest.mark.parametrize(
    ("sample_major", "row_product"),
    [(False, False), (False, True), (True, False)],
    ids=["feature, Wᵀ Xᵀ", "feature, X W", "sample"],
)
@pytest.mark.parametrize("hidden", ["tanh", "relu", "identity", "gelu"])
@pytest.mark.parametrize(("output", "loss", "units"), [OUTPUTS[0], OUTPUTS[4], OUTPUTS[6]])
def test_wide_inputs_add_the_first_bias_separately(
    hidden: str,
    output: str,
    loss: str,
    units: int,
    sample_major: bool,
    row_product: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Three inputs count as wide here, so the contiguous-batch path runs on the test network,
    # in either layout, and feature-major with either first product.
    monkeypatch.setattr(kernel_module, "WIDE_INPUTS", 3)
    monkeypatch.setattr(kernel_module, "ROW_PRODUCT_MIN_INPUTS", 3 if row_product else 4)
    net = _network(hidden, output, loss, units, dropout=0.3)
    X, Y = _data(13, 3, units, loss)
    kernel, value = _kernel_result(net, X, Y, sample_major, rng=np.random.default_rng(2))
    assert kernel.wide_inputs
    # The first product multiplies the gathered batch itself: X W, or Wᵀ Xᵀ.
    first_product = kernel._buffers[13].plan[0][1]
    batch = kernel._buffers[13].X
    operand = first_product[0] if sample_major or row_product else first_product[1]
    assert np.shares_memory(operand, batch)
    assert operand.shape == ((13, 3) if sample_major or row_product else (3, 13))
    expected_value, expected_grads = net.loss_and_gradients(
        X, Y, training=True, rng=np.random.default_rng(2)
    )
    assert value == pytest.approx(expected_value, rel=1e-12)
    for (dW, db), (eW, eb) in zip(kernel.grads, expected_grads, strict=True):
        np.testing.assert_allclose(dW, eW, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(db, eb, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize(
    ("wide", "large"),
    [(False, True), (True, False), (True, True)],
    ids=["narrow", "wide, small first layer", "wide, large first layer"],
)
def test_wide_inputs_and_a_large_first_layer_choose_the_sample_major_layout(
    wide: bool, large: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(kernel_module, "WIDE_INPUTS", 3 if wide else 4)
    # The first layer's Z has 7 × 5 = 35 entries.
    monkeypatch.setattr(kernel_module, "SAMPLE_MAJOR_MIN_ENTRIES", 35 if large else 36)
    net = _network("tanh", "softmax", "categorical_crossentropy", 3)
    X, Y = _data(12, 3, 3, "categorical_crossentropy")
    kernel = TrainingKernel(net, batch_size=7)
    sample_major = wide and large
    assert kernel.sample_major == sample_major
    # Sample-major, each sample's numbers lie next to each other in the targets and in the
    # first hidden layer's (5 units, 7 samples) activations; feature-major, each unit's.
    targets = kernel.training_data(X, Y).targets
    assert targets.shape == (3, 12)
    assert (targets.strides[0] < targets.strides[1]) == sample_major
    activations = [
        array
        for _function, arguments in kernel._buffers[7].plan
        for array in arguments
        if isinstance(array, np.ndarray) and array.shape == (5, 7)
    ]
    assert len(activations) >= 5
    assert all((array.strides[0] < array.strides[1]) == sample_major for array in activations)


@LAYOUTS
@pytest.mark.parametrize("wide", [False, True], ids=["narrow", "wide"])
@pytest.mark.parametrize(("output", "loss", "units"), OUTPUTS)
def test_a_network_without_hidden_layers(
    output: str,
    loss: str,
    units: int,
    wide: bool,
    sample_major: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(kernel_module, "WIDE_INPUTS", 3 if wide else 4)
    spec = NetworkSpec(3, (LayerSpec(units, output),))
    net = Network.from_spec(spec, loss, seed=1, dtype="float64")
    X, Y = _data(7, 3, units, loss)
    kernel, value = _kernel_result(net, X, Y, sample_major)
    assert kernel.wide_inputs == wide
    expected_value, expected_grads = net.loss_and_gradients(X, Y)
    assert value == pytest.approx(expected_value, rel=1e-12)
    expected = np.concatenate([a.ravel() for pair in expected_grads for a in pair])
    np.testing.assert_allclose(kernel.grads_flat, expected, rtol=1e-10, atol=1e-13)


@LAYOUTS
def test_shuffled_and_sliced_batches_load_the_same_rows(sample_major: bool) -> None:
    net = _network("tanh", "softmax", "categorical_crossentropy", 3)
    X, Y = _data(12, 3, 3, "categorical_crossentropy")
    kernel = TrainingKernel(net, batch_size=4, sample_major=sample_major)
    data = kernel.training_data(X, Y)
    assert kernel.load_batch(data, slice(4, 8)) == 4
    sliced = kernel.batch_inputs(4).copy()
    value = kernel.loss_and_gradients(4)
    kernel.load_batch(data, np.arange(4, 8))
    np.testing.assert_array_equal(kernel.batch_inputs(4), sliced)
    assert kernel.loss_and_gradients(4) == value
    np.testing.assert_allclose(sliced, (X[4:8] - (1.0, 0.5, -1.0)) / (3.0, 2.0, 0.5))


@pytest.mark.parametrize("units", [4, 80])  # few parameters, and more than 4096
@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.0), (0.01, 0.1)])
def test_layer_norms_come_with_the_gradient(units: int, l1: float, l2: float) -> None:
    spec = NetworkSpec(
        3, (LayerSpec(units, "relu"), LayerSpec(units, "tanh"), LayerSpec(2, "identity"))
    )
    net = Network.from_spec(spec, "mse", seed=2, dtype="float64")
    X, Y = _data(9, 3, 2, "mse")
    kernel, _ = _kernel_result(net, X, Y, l1=l1, l2=l2)
    _, grads = net.loss_and_gradients(X, Y, l1=l1, l2=l2)
    expected = [np.sum(dW**2) + np.sum(db**2) for dW, db in grads]
    np.testing.assert_allclose(kernel.squared_layer_norms(), expected, rtol=1e-12)
    np.testing.assert_allclose(kernel.layer_norms(), np.sqrt(expected), rtol=1e-12)
    # The data loss's part alone: the reference's gradient without the penalty.
    _, data_grads = net.loss_and_gradients(X, Y)
    data = [np.sum(dW**2) + np.sum(db**2) for dW, db in data_grads]
    np.testing.assert_allclose(kernel.data_squared_layer_norms(), data, rtol=1e-12)
