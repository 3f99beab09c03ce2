"""The Network: construction, forward pass, penalties, weights, dropout and input checks."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnstudio.engine.network import Network, check_fits_dtype, global_norm
from nnstudio.errors import DataError, SpecError
from nnstudio.spec import LayerSpec, NetworkSpec, Standardization

SPEC = NetworkSpec(3, (LayerSpec(4, "tanh"), LayerSpec(2, "relu"), LayerSpec(1, "sigmoid")))


def _data(m: int = 6, n: int = 3, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    Y = (X[:, :1] > 0).astype(float)
    return X, Y


def test_float32_is_the_default_and_float64_is_selectable() -> None:
    net = Network.from_spec(SPEC, "binary_crossentropy")
    assert net.dtype == np.float32
    assert all(p.dtype == np.float32 for pair in net.params for p in pair)
    X, _ = _data()
    assert net.predict(X).dtype == np.float32
    net64 = Network.from_spec(SPEC, "binary_crossentropy", dtype="float64")
    assert all(p.dtype == np.float64 for pair in net64.params for p in pair)
    assert net64.predict(X).dtype == np.float64
    # Same seed, same numbers up to rounding.
    np.testing.assert_array_equal(net.params[0][0], net64.params[0][0].astype(np.float32))


def test_unknown_dtype_is_rejected() -> None:
    with pytest.raises(SpecError, match="dtype"):
        Network.from_spec(SPEC, "binary_crossentropy", dtype="float16")


def test_shapes_and_parameter_count() -> None:
    net = Network.from_spec(SPEC, "binary_crossentropy")
    assert [(W.shape, b.shape) for W, b in net.params] == [
        ((3, 4), (4,)),
        ((4, 2), (2,)),
        ((2, 1), (1,)),
    ]
    assert net.parameter_count == SPEC.parameter_count == 3 * 4 + 4 + 4 * 2 + 2 + 2 + 1
    assert net.n_layers == 3
    X, _ = _data()
    forward = net.forward(X)
    assert len(forward.Z) == 3 and len(forward.A) == 4 and forward.masks == (None, None, None)
    assert [a.shape for a in forward.A] == [(6, 3), (6, 4), (6, 2), (6, 1)]
    assert [a.shape for a in net.layer_outputs(X)] == [(6, 4), (6, 2), (6, 1)]
    assert [z.shape for z in net.pre_activations(X)] == [(6, 4), (6, 2), (6, 1)]


def test_forward_computes_z_equals_a_w_plus_b() -> None:
    net = Network.from_spec(SPEC, "binary_crossentropy", dtype="float64", seed=3)
    X, _ = _data()
    forward = net.forward(X)
    A = X
    for (W, b), Z, A_next in zip(net.params, forward.Z, forward.A[1:], strict=True):
        np.testing.assert_allclose(Z, A @ W + b)
        A = A_next
    np.testing.assert_allclose(forward.A[1], np.tanh(forward.Z[0]))
    np.testing.assert_allclose(forward.A[2], np.maximum(forward.Z[1], 0))
    np.testing.assert_allclose(net.predict(X), 1 / (1 + np.exp(-forward.Z[2])))


def test_forward_standardises_raw_inputs() -> None:
    standardization = Standardization(mean=(1.0, -2.0, 0.5), std=(2.0, 4.0, 1.0))
    net = Network.from_spec(
        SPEC, "binary_crossentropy", dtype="float64", standardization=standardization
    )
    plain = Network.from_spec(SPEC, "binary_crossentropy", dtype="float64")
    X, _ = _data()
    scaled = (X - np.array([1.0, -2.0, 0.5])) / np.array([2.0, 4.0, 1.0])
    np.testing.assert_allclose(net.forward(X).A[0], scaled)
    np.testing.assert_allclose(net.predict(X), plain.predict(scaled))
    copy = net.copy()
    assert copy.standardization == standardization


def test_standardization_width_must_match_inputs() -> None:
    with pytest.raises(SpecError, match="standardization: has 2 means"):
        Network.from_spec(
            SPEC, "mse", standardization=Standardization(mean=(0.0, 0.0), std=(1.0, 1.0))
        )


def test_loss_adds_l1_and_half_l2_on_weights_only() -> None:
    net = Network.from_spec(SPEC, "binary_crossentropy", dtype="float64", seed=1)
    for _, b in net.params:
        b[...] = 5.0  # biases must not count
    X, Y = _data()
    data = net.loss(X, Y)
    abs_sum = sum(np.abs(W).sum() for W, _ in net.params)
    square_sum = sum((W**2).sum() for W, _ in net.params)
    assert net.loss(X, Y, l1=0.1) == pytest.approx(data + 0.1 * abs_sum)
    assert net.loss(X, Y, l2=0.3) == pytest.approx(data + 0.15 * square_sum)
    assert net.data_loss(X, Y) == pytest.approx(data)
    loss, grads = net.loss_and_gradients(X, Y, l1=0.1, l2=0.3)
    assert loss == pytest.approx(data + 0.1 * abs_sum + 0.15 * square_sum)
    _, plain = net.loss_and_gradients(X, Y)
    for (W, _), (dW, db), (dW0, db0) in zip(net.params, grads, plain, strict=True):
        np.testing.assert_allclose(dW, dW0 + 0.1 * np.sign(W) + 0.3 * W)
        np.testing.assert_allclose(db, db0)


def test_weights_are_copies_and_set_weights_round_trips() -> None:
    net = Network.from_spec(SPEC, "binary_crossentropy")
    saved = net.weights()
    saved[0][0][...] = 99.0
    assert not (net.params[0][0] == 99.0).any()
    other = Network.from_spec(SPEC, "binary_crossentropy", seed=42)
    arrays_before = [id(W) for W, _ in other.params]
    other.set_weights(net.weights())
    for (W1, b1), (W2, b2) in zip(net.params, other.params, strict=True):
        np.testing.assert_array_equal(W1, W2)
        np.testing.assert_array_equal(b1, b2)
    # In place: optimizers holding the arrays keep working on the same objects.
    assert [id(W) for W, _ in other.params] == arrays_before


def test_from_spec_with_weights_skips_random_init_and_casts() -> None:
    weights = tuple(
        (np.full(w_shape, 0.5), np.full(b_shape, -0.5)) for w_shape, b_shape in SPEC.weight_shapes()
    )
    net = Network.from_spec(SPEC, "binary_crossentropy", weights=weights)
    assert net.params[1][0].dtype == np.float32
    np.testing.assert_array_equal(net.params[1][0], 0.5)
    np.testing.assert_array_equal(net.params[2][1], -0.5)


def test_shape_mismatch_names_the_layer_and_both_shapes() -> None:
    weights = [(np.zeros(w), np.zeros(b)) for w, b in SPEC.weight_shapes()]
    weights[1] = (np.zeros((4, 3)), np.zeros(2))
    with pytest.raises(SpecError) as info:
        Network.from_spec(SPEC, "binary_crossentropy", weights=tuple(weights))
    message = str(info.value)
    assert "layer 2" in message and "(4, 3)" in message and "(4, 2)" in message
    weights[1] = (np.zeros((4, 2)), np.zeros(5))
    with pytest.raises(
        SpecError, match=r"layer 2: b has shape \(5,\) but the network needs \(2,\)"
    ):
        Network.from_spec(SPEC, "binary_crossentropy", weights=tuple(weights))
    with pytest.raises(SpecError, match=r"have 2 layers but the network .* has 3"):
        Network.from_spec(SPEC, "binary_crossentropy", weights=tuple(weights[:2]))


def test_non_finite_weights_are_rejected() -> None:
    net = Network.from_spec(SPEC, "binary_crossentropy")
    weights = [list(pair) for pair in net.weights()]
    weights[2][0][0, 0] = np.nan
    with pytest.raises(SpecError, match="layer 3: contains NaN"):
        net.set_weights(weights)


@pytest.mark.parametrize(
    ("spec", "loss", "message"),
    [
        (
            NetworkSpec(2, (LayerSpec(3, "softmax"), LayerSpec(2, "softmax"))),
            "categorical_crossentropy",
            r"layers\[0\].activation: softmax is only allowed on the output layer",
        ),
        (
            NetworkSpec(2, (LayerSpec(3, "tanh"), LayerSpec(1, "sigmoid", dropout=0.5))),
            "binary_crossentropy",
            r"layers\[1\].dropout: the output layer cannot use dropout",
        ),
        (
            NetworkSpec(2, (LayerSpec(1, "tanh"),)),
            "binary_crossentropy",
            "needs a sigmoid output layer, not tanh",
        ),
        (
            NetworkSpec(2, (LayerSpec(3, "swish6"), LayerSpec(1, "identity"))),
            "mse",
            r"layers\[0\].activation: unknown 'swish6'",
        ),
    ],
)
def test_invalid_specs_are_rejected(spec: NetworkSpec, loss: str, message: str) -> None:
    with pytest.raises(SpecError, match=message):
        Network.from_spec(spec, loss)


def test_bad_inputs_and_targets_raise_data_errors() -> None:
    net = Network.from_spec(SPEC, "binary_crossentropy")
    with pytest.raises(DataError, match="2 column"):
        net.predict(np.zeros((4, 2)))
    with pytest.raises(DataError, match="2-D"):
        net.predict(np.zeros(3))
    with pytest.raises(DataError, match="not numeric"):
        net.predict(np.array([["a", "b", "c"]]))
    with pytest.raises(DataError, match=r"targets have shape \(4, 2\)"):
        net.loss(np.zeros((4, 3)), np.zeros((4, 2)))
    # A single output accepts a flat target vector.
    assert math.isfinite(net.loss(np.zeros((4, 3)), np.zeros(4)))


def test_seed_determinism_and_per_layer_streams() -> None:
    a = Network.from_spec(SPEC, "binary_crossentropy", seed=7)
    b = Network.from_spec(SPEC, "binary_crossentropy", seed=7)
    c = Network.from_spec(SPEC, "binary_crossentropy", seed=8)
    for (Wa, ba), (Wb, bb) in zip(a.params, b.params, strict=True):
        assert Wa.tobytes() == Wb.tobytes() and ba.tobytes() == bb.tobytes()
    assert not np.array_equal(a.params[0][0], c.params[0][0])
    # Widening the last layer leaves the first layer's initial weights unchanged.
    wider = NetworkSpec(3, (SPEC.layers[0], SPEC.layers[1], LayerSpec(2, "sigmoid")))
    d = Network.from_spec(wider, "binary_crossentropy", seed=7)
    np.testing.assert_array_equal(a.params[0][0], d.params[0][0])


def test_copy_is_independent_and_converts_dtype() -> None:
    net = Network.from_spec(SPEC, "binary_crossentropy")
    twin = net.copy(dtype="float64")
    assert twin.dtype == np.float64 and twin.loss_name == net.loss_name
    twin.params[0][0][...] = 0.0
    assert net.params[0][0].any()


# ---- dropout -------------------------------------------------------------------------------

DROPOUT_SPEC = NetworkSpec(
    4, (LayerSpec(200, "relu", init="he_normal", dropout=0.25), LayerSpec(1, "identity"))
)


def test_dropout_only_while_training_and_inverted_scaling() -> None:
    net = Network.from_spec(DROPOUT_SPEC, "mse", dtype="float64")
    X = np.random.default_rng(0).normal(size=(500, 4))
    inference = net.forward(X)
    assert inference.masks == (None, None)
    np.testing.assert_array_equal(net.forward(X).A[1], inference.A[1])
    trained = net.forward(X, training=True, rng=np.random.default_rng(1))
    mask = trained.masks[0]
    assert mask is not None and trained.masks[1] is None
    assert set(np.unique(mask)) == {0.0, 1 / 0.75}
    assert (mask == 0).mean() == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(trained.A[1], inference.A[1] * mask)
    # Inverted dropout keeps the expected activation.
    assert trained.A[1].mean() == pytest.approx(inference.A[1].mean(), rel=0.03)


def test_dropout_masks_come_from_the_given_generator() -> None:
    net = Network.from_spec(DROPOUT_SPEC, "mse")
    X = np.ones((3, 4))
    m1 = net.forward(X, training=True, rng=np.random.default_rng(5)).masks[0]
    m2 = net.forward(X, training=True, rng=np.random.default_rng(5)).masks[0]
    np.testing.assert_array_equal(m1, m2)


def test_dropout_backward_uses_the_mask() -> None:
    net = Network.from_spec(DROPOUT_SPEC, "mse", dtype="float64")
    X = np.random.default_rng(2).normal(size=(8, 4))
    Y = np.random.default_rng(3).normal(size=(8, 1))
    masks = net.forward(X, training=True, rng=np.random.default_rng(4)).masks
    _, grads = net.loss_and_gradients(X, Y, masks=masks)
    forward = net.forward(X, masks=masks)
    # By hand: identity output with mse, then back through the mask and the ReLU.
    dZ1 = (forward.A[2] - Y) / 8
    dZ0 = (dZ1 @ net.params[1][0].T) * masks[0] * (forward.Z[0] > 0)
    np.testing.assert_allclose(grads[1][0], forward.A[1].T @ dZ1)
    np.testing.assert_allclose(grads[0][0], X.T @ dZ0)
    np.testing.assert_allclose(grads[0][1], dZ0.sum(axis=0))
    with pytest.raises(ValueError, match="output layer cannot use dropout"):
        net.forward(X, masks=[None, np.ones((8, 1))])


def test_global_norm() -> None:
    grads = [(np.array([[3.0]]), np.array([0.0])), (np.array([[0.0]]), np.array([4.0]))]
    assert global_norm(grads) == pytest.approx(5.0)


def test_large_offset_inputs_are_standardised_in_float64_then_cast() -> None:
    # Timestamps: 1e9 + 50·x. Rounded to float32 before the offset is subtracted, the rows
    # used to collapse onto 6 distinct values (float32 steps are 64 apart near 1e9).
    rng = np.random.default_rng(3)
    x = rng.normal(size=320)
    X = np.column_stack([1e9 + 50 * x, x, x])
    mean, std = float(X[:, 0].mean()), float(X[:, 0].std())
    st = Standardization(mean=(mean, 0.0, 0.0), std=(std, 1.0, 1.0))
    net = Network.from_spec(SPEC, "binary_crossentropy", standardization=st)
    prepared = net.prepare_inputs(X)
    assert prepared.dtype == np.float32
    assert np.unique(prepared[:, 0]).size == 320
    np.testing.assert_allclose(prepared[:, 0], (X[:, 0] - mean) / std, atol=1e-6)


@pytest.mark.parametrize("rows", [1, 36, 37, 38, 100])
def test_standardising_in_pieces_gives_the_same_numbers_as_at_once(
    rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nnstudio.engine import network as network_module

    rng = np.random.default_rng(4)
    X = 1e6 + rng.normal(size=(rows, 3)) * [1.0, 50.0, 1e-3]
    st = Standardization(mean=tuple(X.mean(axis=0)), std=tuple(X.std(axis=0) + 1e-9))
    net = Network.from_spec(SPEC, "binary_crossentropy", standardization=st)
    expected = ((X - np.array(st.mean)) / np.array(st.std)).astype(np.float32)
    # 12 numbers a piece: 4 rows of 3 inputs, the last piece shorter when rows % 4 != 0.
    monkeypatch.setattr(network_module, "STANDARDIZE_CHUNK_CELLS", 12)
    np.testing.assert_array_equal(net.prepare_inputs(X), expected)


def test_inputs_too_large_for_the_dtype_are_refused_naming_the_column() -> None:
    X, _ = _data()
    X[2, 1] = 1e300
    net = Network.from_spec(SPEC, "binary_crossentropy")
    # A value that overflows float32 used to become inf and give a confident prediction.
    with pytest.raises(DataError, match=r"input column 2 holds 1e\+300, too large for float32"):
        net.predict(X)
    assert np.isfinite(
        Network.from_spec(SPEC, "binary_crossentropy", dtype="float64").predict(X)
    ).all()
    with pytest.raises(DataError, match=r"target column 1 holds -4e\+39, too large for float32"):
        net.prepare_targets(np.full((6, 1), -4e39), 6)


def test_the_dtype_check_finds_large_values_in_any_layout_and_ignores_nan_and_inf() -> None:
    X = np.asfortranarray(np.random.default_rng(0).normal(size=(50, 3)))
    X[4, 0] = np.nan
    X[7, 1] = np.inf
    check_fits_dtype(X, "float32")  # NaN and inf are other checks' business
    check_fits_dtype(np.full((5, 2), np.nan), "float32")
    X[9, 2] = -3e39
    with pytest.raises(DataError, match=r"input column 'c' holds -3e\+39"):
        check_fits_dtype(X, "float32", names=["a", "b", "c"])
    with pytest.raises(DataError, match=r"input column 3 holds -3e\+39"):
        check_fits_dtype(X[1::2], "float32")  # a strided view (odd rows)


@pytest.mark.parametrize(
    ("loss", "activations"),
    [
        ("mse", ("tanh", "sigmoid", "identity")),
        ("categorical_crossentropy", ("relu", "elu", "softmax")),
        ("binary_crossentropy", ("swish", "softplus", "sigmoid")),
    ],
)
def test_one_examples_deltas_are_its_loss_derivatives_by_each_pre_activation(
    loss: str, activations: tuple[str, str, str]
) -> None:
    units = (4, 3, 2 if loss != "binary_crossentropy" else 1)
    spec = NetworkSpec(3, tuple(LayerSpec(n, a) for n, a in zip(units, activations, strict=True)))
    net = Network.from_spec(spec, loss, dtype="float64", seed=5)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(1, 3))
    y = np.array([[0.0, 1.0]]) if units[-1] == 2 else np.array([[1.0]])
    deltas = net.deltas(net.forward(x), y)
    assert [d.shape for d in deltas] == [(1, n) for n in units]
    # δ of a neuron is ∂J/∂z, and z moves one for one with the neuron's bias.
    step = 1e-6
    for layer, (_W, b) in enumerate(net.params):
        for neuron in range(b.size):
            original = b[neuron]
            b[neuron] = original + step
            plus = net.data_loss(x, y)
            b[neuron] = original - step
            minus = net.data_loss(x, y)
            b[neuron] = original
            numeric = (plus - minus) / (2 * step)
            assert deltas[layer][0, neuron] == pytest.approx(numeric, rel=1e-6, abs=1e-10)


def test_backward_is_each_layers_inputs_times_its_deltas() -> None:
    spec = NetworkSpec(2, (LayerSpec(5, "tanh"), LayerSpec(1, "sigmoid")))
    net = Network.from_spec(spec, "binary_crossentropy", dtype="float64", seed=1)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(6, 2)), rng.integers(0, 2, size=(6, 1)).astype(float)
    forward = net.forward(X)
    deltas = net.deltas(forward, Y)
    for (dW, db), A, delta in zip(net.backward(forward, Y), forward.A, deltas, strict=False):
        np.testing.assert_allclose(dW, A.T @ delta)
        np.testing.assert_allclose(db, delta.sum(axis=0))
