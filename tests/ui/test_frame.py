"""Frames: shapes, fixed probes, the input-plane grid and unit statistics (no Qt needed)."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import Dataset, load_dataset
from nnstudio.engine.network import Network
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project
from nnstudio.ui.frame import (
    HISTOGRAM_BINS,
    WEIGHT_PERCENTILES,
    FrameBuilder,
    make_frame,
)


def _xor() -> Dataset:
    return load_dataset(BuiltinData(builtin="xor", samples=400, seed=3), ".")


def _network(inputs: int, hidden: tuple[LayerSpec, ...], output: LayerSpec, loss: str) -> Network:
    return Network.from_spec(NetworkSpec(inputs, (*hidden, output)), loss, seed=5)


def _digits_like(rows: int = 300, val_rows: int = 60) -> Dataset:
    """A 64-feature, 10-class data set shaped like 8×8 digit images."""
    rng = np.random.default_rng(0)

    def part(m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        X = rng.random((m, 64)) * 16.0
        labels = rng.integers(0, 10, m)
        return X, np.eye(10)[labels], labels

    X_train, Y_train, l_train = part(rows)
    X_val, Y_val, l_val = part(val_rows)
    return Dataset(
        X_train=X_train,
        Y_train=Y_train,
        X_val=X_val,
        Y_val=Y_val,
        feature_names=tuple(f"pixel_{i // 8}_{i % 8}" for i in range(64)),
        target_names=tuple(str(d) for d in range(10)),
        task="classification",
        class_names=tuple(str(d) for d in range(10)),
        labels_train=l_train,
        labels_val=l_val,
    )


def test_two_input_frame_has_every_layer_on_probes_and_grid() -> None:
    dataset = _xor()
    network = _network(
        2,
        (LayerSpec(4, "tanh"), LayerSpec(3, "relu")),
        LayerSpec(1, "sigmoid"),
        "binary_crossentropy",
    )
    frame = make_frame(network, dataset, probe_size=50, grid_size=20)

    assert frame.probe_inputs.shape == (50, 2)
    assert [a.shape for a in frame.probe_A] == [(50, 2), (50, 4), (50, 3), (50, 1)]
    assert [z.shape for z in frame.probe_Z] == [(50, 4), (50, 3), (50, 1)]
    assert frame.grid is not None and frame.line is None
    assert [a.shape for a in frame.grid_A] == [(20, 20, 2), (20, 20, 4), (20, 20, 3), (20, 20, 1)]
    assert frame.predictions.shape == (dataset.n_val, 1)
    assert frame.eval_split == "validation"
    assert frame.eval_labels is not None and frame.predicted_labels is not None
    assert frame.activation_names == ("tanh", "relu", "sigmoid")
    assert len(frame.weights) == 3


def test_grid_covers_the_data_with_a_ten_percent_margin() -> None:
    dataset = _xor()
    network = _network(2, (LayerSpec(4, "tanh"),), LayerSpec(1, "sigmoid"), "binary_crossentropy")
    frame = make_frame(network, dataset, grid_size=16)
    X = np.vstack([dataset.X_train, dataset.X_val])
    span_x = X[:, 0].max() - X[:, 0].min()
    span_y = X[:, 1].max() - X[:, 1].min()
    xmin, xmax, ymin, ymax = frame.extent
    assert xmin == pytest.approx(X[:, 0].min() - 0.1 * span_x)
    assert xmax == pytest.approx(X[:, 0].max() + 0.1 * span_x)
    assert ymin == pytest.approx(X[:, 1].min() - 0.1 * span_y)
    assert ymax == pytest.approx(X[:, 1].max() + 0.1 * span_y)
    assert frame.grid_x[0] == pytest.approx(xmin) and frame.grid_x[-1] == pytest.approx(xmax)


def test_grid_cell_is_the_network_output_at_that_point() -> None:
    dataset = _xor()
    network = _network(2, (LayerSpec(5, "tanh"),), LayerSpec(1, "sigmoid"), "binary_crossentropy")
    frame = make_frame(network, dataset, grid_size=12)
    row, column = 3, 9
    point = np.array([[frame.grid_x[column], frame.grid_y[row]]])
    expected = network.forward(point)
    for layer in range(1, 3):
        np.testing.assert_allclose(
            frame.grid_A[layer][row, column], expected.A[layer][0], rtol=1e-5
        )


def test_every_frame_gets_its_own_copy_of_the_grid() -> None:
    dataset = _xor()
    network = _network(2, (LayerSpec(3, "tanh"),), LayerSpec(1, "sigmoid"), "binary_crossentropy")
    builder = FrameBuilder(dataset, grid_size=10)
    first = builder.build(network)
    x0, x1, y0, y1 = first.extent
    np.testing.assert_array_equal(first.grid_x, np.linspace(x0, x1, 10))
    np.testing.assert_array_equal(first.grid_y, np.linspace(y0, y1, 10))
    first.grid_x[:] = 0.0  # a frame's arrays are its own: changing them changes no other frame
    first.grid_y[:] = 0.0
    second = builder.build(network)
    np.testing.assert_array_equal(second.grid_x, np.linspace(x0, x1, 10))
    np.testing.assert_array_equal(second.grid_y, np.linspace(y0, y1, 10))
    np.testing.assert_array_equal(
        second.grid_A[1], make_frame(network, dataset, grid_size=10).grid_A[1]
    )


def test_sixty_four_inputs_have_probes_but_no_grid() -> None:
    dataset = _digits_like()
    network = _network(
        64, (LayerSpec(16, "relu"),), LayerSpec(10, "softmax"), "categorical_crossentropy"
    )
    frame = make_frame(network, dataset)
    assert frame.grid is None and frame.grid_A is None and frame.extent is None
    assert frame.line is None
    assert frame.probe_inputs.shape == (128, 64)
    assert [a.shape for a in frame.probe_A] == [(128, 64), (128, 16), (128, 10)]
    assert frame.predictions.shape == (60, 10)
    assert frame.predicted_labels.shape == (60,)


def test_probe_indices_are_fixed_distinct_and_grouped_by_class() -> None:
    dataset = _digits_like()
    network = _network(
        64, (LayerSpec(8, "tanh"),), LayerSpec(10, "softmax"), "categorical_crossentropy"
    )
    builder = FrameBuilder(dataset, probe_size=40)
    first = builder.build(network)
    network.set_weights([(W * 2.0, b + 1.0) for W, b in network.weights()])
    second = builder.build(network)
    np.testing.assert_array_equal(first.probe_indices, second.probe_indices)
    # A second builder on the same data picks the same examples.
    np.testing.assert_array_equal(
        FrameBuilder(dataset, probe_size=40).probe_indices, first.probe_indices
    )
    assert len(set(first.probe_indices.tolist())) == 40
    labels = first.probe_labels
    assert np.all(np.diff(labels) >= 0), "probes are grouped by class"
    np.testing.assert_array_equal(labels, dataset.labels_train[first.probe_indices])
    # The activations changed with the weights even though the examples did not.
    assert not np.allclose(first.probe_A[1], second.probe_A[1])


def test_without_validation_rows_the_training_set_is_evaluated_and_capped() -> None:
    full = _digits_like(rows=500, val_rows=60)
    dataset = Dataset(
        X_train=full.X_train,
        Y_train=full.Y_train,
        X_val=np.zeros((0, 64)),
        Y_val=np.zeros((0, 10)),
        feature_names=full.feature_names,
        target_names=full.target_names,
        task="classification",
    )
    network = _network(
        64, (LayerSpec(8, "tanh"),), LayerSpec(10, "softmax"), "categorical_crossentropy"
    )
    frame = FrameBuilder(dataset, eval_cap=200).build(network)
    assert frame.eval_split == "training"
    assert frame.eval_inputs.shape == (200, 64)
    np.testing.assert_array_equal(frame.eval_inputs, dataset.X_train[frame.eval_indices])


def test_one_input_regression_has_a_line_over_the_input_range() -> None:
    dataset = load_dataset(BuiltinData(builtin="housing", samples=120), ".")
    network = _network(1, (LayerSpec(6, "relu"),), LayerSpec(1, "identity"), "mse")
    frame = make_frame(network, dataset)
    assert frame.grid is None and frame.line is not None
    low, high = dataset.X_train.min(), dataset.X_train.max()
    assert frame.line.line_x[0] < low and frame.line.line_x[-1] > high
    assert frame.line.line_A[-1].shape == (frame.line.line_x.shape[0], 1)
    assert frame.eval_labels is None and frame.predicted_labels is None
    # Regression probes are ordered by target value.
    assert np.all(np.diff(frame.probe_targets[:, 0]) >= 0)


def test_dead_and_saturated_units_are_measured_per_layer() -> None:
    dataset = _xor()
    network = _network(
        2,
        (LayerSpec(4, "relu"), LayerSpec(3, "tanh")),
        LayerSpec(1, "sigmoid"),
        "binary_crossentropy",
    )
    (W1, b1), (W2, b2), (W3, b3) = network.weights()
    # Every relu unit has a hugely negative bias (dead); tanh units get huge weights (saturated).
    network.set_weights([(W1, b1 - 100.0), (W2 * 0 + 50.0, b2 + 50.0), (W3, b3)])
    frame = make_frame(network, dataset)
    assert frame.dead_fraction[0] == pytest.approx(1.0)
    assert np.isnan(frame.dead_fraction[1]) and np.isnan(frame.saturated_fraction[0])
    assert frame.saturated_fraction[1] == pytest.approx(1.0)


@pytest.mark.parametrize("activation", ["leaky_relu", "elu"])
def test_leaky_and_elu_units_with_every_z_negative_are_not_dead(activation: str) -> None:
    # Their slope for z < 0 (α, or α·eᶻ) is not zero, so such units still learn.
    dataset = _xor()
    network = _network(
        2,
        (LayerSpec(4, activation), LayerSpec(4, "relu")),
        LayerSpec(1, "sigmoid"),
        "binary_crossentropy",
    )
    (W1, b1), (W2, b2), (W3, b3) = network.weights()
    network.set_weights([(W1, b1 - 100.0), (W2, b2 - 100.0), (W3, b3)])
    frame = make_frame(network, dataset)
    assert np.all(frame.probe_Z[0] < 0) and np.all(frame.probe_Z[1] < 0)
    assert np.isnan(frame.dead_fraction[0])
    assert frame.dead_fraction[1] == pytest.approx(1.0)


def test_unit_health_shares_are_numpy_means() -> None:
    rng = np.random.default_rng(4)
    names = ("relu", "tanh", "sigmoid", "elu", "linear", "sigmoid")
    Z = tuple(rng.normal(loc=-0.8, size=(37, units)) for units in (5, 6, 7, 3, 2, 4))
    Z[0][:, :2] -= 10.0  # two dead relu units of five
    Z[3][:, 0] -= 10.0  # an elu unit never positive: not dead, its slope there is α·eᶻ > 0
    A = [rng.normal(size=(37, 2))]
    for z, name in zip(Z, names, strict=True):
        if name == "tanh":
            A.append(np.tanh(z))
        elif name == "sigmoid":
            A.append(1.0 / (1.0 + np.exp(-3.0 * z)))
        else:
            A.append(z)
    saturated, dead = FrameBuilder._unit_health(names, Z, tuple(A), "mse")
    assert dead[0] == np.mean(np.all(Z[0] <= 0, axis=0))
    assert np.isnan(dead[1:]).all()
    expected_saturated = [
        np.mean(1.0 - A[2] ** 2 < 0.05),
        np.mean(A[3] * (1.0 - A[3]) < 0.05),
        np.mean(A[6] * (1.0 - A[6]) < 0.05),
    ]
    np.testing.assert_array_equal(saturated[[1, 2, 5]], expected_saturated)
    assert np.isnan(saturated[[0, 3, 4]]).all()
    assert 0.0 < saturated[2] < 1.0 and 0.0 < dead[0] < 1.0  # not a trivial all-or-nothing


def test_weight_statistics_describe_each_layer() -> None:
    dataset = _xor()
    network = _network(2, (LayerSpec(30, "tanh"),), LayerSpec(1, "sigmoid"), "binary_crossentropy")
    frame = make_frame(network, dataset)
    W = network.weights()[0][0].astype(float)
    assert frame.weight_quantiles.shape == (2, 7)
    assert frame.weight_quantiles[0, 0] == pytest.approx(W.min())
    assert frame.weight_quantiles[0, -1] == pytest.approx(W.max())
    counts, edges = frame.weight_histograms[0]
    assert counts.sum() == W.size
    assert edges.shape[0] == counts.shape[0] + 1
    assert edges[0] == pytest.approx(-edges[-1])


def _reference_weight_statistics(
    values: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentiles and histogram of one layer's weights the plain NumPy way."""
    values = values[np.isfinite(values)]
    quantiles = np.percentile(values, WEIGHT_PERCENTILES)
    limit = float(np.max(np.abs(values)))
    limit = limit if limit > 0 else 1.0
    bins = min(max(int(2 * np.sqrt(values.size)), 8) | 1, HISTOGRAM_BINS)
    counts, edges = np.histogram(values, bins=bins, range=(-limit, limit))
    return quantiles, counts, edges


def _layer_cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    # 121 weights within +-0.75 get 23 bins: put every weight on one of their edges.
    edges = np.linspace(-0.75, 0.75, 24)
    on_edges = rng.choice(edges, size=(11, 11))
    on_edges[0, :2] = (-0.75, 0.75)
    with_gaps = rng.normal(size=(6, 7))
    with_gaps[1, 2], with_gaps[3, 4], with_gaps[5, 0] = np.nan, np.inf, -np.inf
    return {
        "normal": rng.normal(size=(8, 8)),
        "wide": rng.normal(scale=0.05, size=(64, 48)),
        "skewed": rng.exponential(size=(5, 3)) - 0.1,
        "ties": rng.integers(-3, 4, size=(9, 5)) * 0.5,
        "on_bin_edges": on_edges,
        "all_equal": np.full((4, 3), 0.37),
        "all_equal_negative": np.full((2, 2), -2.5),
        "all_zero": np.zeros((3, 3)),
        "single": np.array([[-0.8]]),
        "tiny": rng.normal(scale=1e-300, size=(4, 4)),
        "huge": rng.normal(scale=1e300, size=(4, 4)),
        "nan_and_inf": with_gaps,
        "one_finite": np.array([[np.nan, 0.5, np.inf]]),
        "negative_inf_only": np.array([[-np.inf, 0.25], [-0.5, 1.5]]),
        "positive_inf_only": np.array([[np.inf, 0.25], [-0.5, -1.5]]),
    }


@pytest.mark.parametrize("case", sorted(_layer_cases()))
def test_weight_statistics_match_numpy_percentile_and_histogram(case: str) -> None:
    W = _layer_cases()[case]
    builder = FrameBuilder(_xor())
    weights = ((W, np.zeros(W.shape[1])), (W.T.copy(), np.zeros(W.shape[0])))
    before = W.copy()
    quantiles, histograms = builder._weight_statistics(weights)
    np.testing.assert_array_equal(W, before)  # statistics never reorder a layer's weights
    assert quantiles.shape == (2, len(WEIGHT_PERCENTILES))
    for index in range(2):
        expected_q, expected_counts, expected_edges = _reference_weight_statistics(W.ravel())
        counts, edges = histograms[index]
        np.testing.assert_allclose(quantiles[index], expected_q, rtol=1e-14, atol=0)
        np.testing.assert_array_equal(counts, expected_counts)
        assert counts.dtype == np.float64
        np.testing.assert_allclose(edges, expected_edges, rtol=1e-14, atol=0)


def test_weight_statistics_match_numpy_for_every_small_layer_size() -> None:
    # Every sample size up to 60 exercises each interpolation position of the percentiles.
    rng = np.random.default_rng(5)
    builder = FrameBuilder(_xor())
    for size in range(1, 61):
        W = rng.normal(size=(size, 1))
        quantiles, histograms = builder._weight_statistics(((W, np.zeros(1)),))
        expected_q, expected_counts, expected_edges = _reference_weight_statistics(W.ravel())
        np.testing.assert_allclose(quantiles[0], expected_q, rtol=1e-14, atol=0)
        np.testing.assert_array_equal(histograms[0][0], expected_counts)
        np.testing.assert_allclose(histograms[0][1], expected_edges, rtol=1e-14, atol=0)


def test_weight_statistics_of_a_large_layer_describe_its_fixed_sample() -> None:
    from nnstudio.ui.frame import _STATS_SAMPLE

    rng = np.random.default_rng(8)
    W = rng.standard_t(3, size=(320, 200))  # heavy tails: the extremes depend on the sample
    W[0, :50] = np.nan
    assert W.size > _STATS_SAMPLE
    builder = FrameBuilder(_xor())
    quantiles, histograms = builder._weight_statistics(((W, np.zeros(200)),))
    sample = builder._weight_sample(0, W)  # the cached sample the statistics used
    assert sample.size == _STATS_SAMPLE
    expected_q, expected_counts, expected_edges = _reference_weight_statistics(sample)
    np.testing.assert_allclose(quantiles[0], expected_q, rtol=1e-14, atol=0)
    np.testing.assert_array_equal(histograms[0][0], expected_counts)
    np.testing.assert_allclose(histograms[0][1], expected_edges, rtol=1e-14, atol=0)
    assert histograms[0][0].sum() == np.isfinite(sample).sum()


def test_histogram_edges_are_numpys_linspace() -> None:
    from nnstudio.ui.frame import _symmetric_edges

    for limit in (1.0, 0.37, 3.0e-7, 2.5e12, 1e-300, 1e300, 5e-324):
        for bins in range(1, HISTOGRAM_BINS + 1):
            expected = np.linspace(-limit, limit, bins + 1)
            np.testing.assert_array_equal(_symmetric_edges(limit, bins), expected)


def test_weight_statistics_of_a_layer_without_finite_weights_are_empty() -> None:
    builder = FrameBuilder(_xor())
    W = np.array([[np.nan, np.inf], [-np.inf, np.nan]])
    quantiles, histograms = builder._weight_statistics(((W, np.zeros(2)),))
    assert np.isnan(quantiles[0]).all()
    counts, edges = histograms[0]
    np.testing.assert_array_equal(counts, np.zeros(HISTOGRAM_BINS))
    np.testing.assert_array_equal(edges, np.linspace(-1.0, 1.0, HISTOGRAM_BINS + 1))


def test_a_sigmoid_output_under_cross_entropy_is_not_called_saturated() -> None:
    dataset = _xor()
    hidden = (LayerSpec(3, "tanh"),)
    fused = _network(2, hidden, LayerSpec(1, "sigmoid"), "binary_crossentropy")
    plain = _network(2, hidden, LayerSpec(1, "sigmoid"), "mse")
    assert np.isnan(make_frame(fused, dataset).saturated_fraction[-1])
    assert np.isfinite(make_frame(plain, dataset).saturated_fraction[-1])


# ---- ready-coloured heatmaps -------------------------------------------------------------------


def _argb(rgb: np.ndarray) -> np.ndarray:
    """Pack (..., 3) uint8 colours as opaque 0xFFRRGGBB."""
    rgb = rgb.astype(np.uint32)
    return np.uint32(0xFF000000) | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def test_heatmaps_are_every_neurons_grid_coloured_on_the_shared_scale() -> None:
    from nnstudio.ui.colors import diverging_rgb

    dataset = _xor()
    network = _network(
        2,
        (LayerSpec(4, "tanh"), LayerSpec(3, "relu")),
        LayerSpec(1, "sigmoid"),
        "binary_crossentropy",
    )
    frame = make_frame(network, dataset, grid_size=20)
    grid = frame.grid
    assert [h.shape for h in grid.heatmaps] == [(2, 20, 20), (4, 20, 20), (3, 20, 20), (1, 20, 20)]
    assert all(h.dtype == np.uint32 and h.flags["C_CONTIGUOUS"] for h in grid.heatmaps)
    # Image order: row 0 of a heatmap is the grid's last row (largest y).
    tanh = grid.grid_A[1]
    expected = _argb(diverging_rgb(tanh[::-1, :, 2], 1.0))  # fixed levels for tanh
    np.testing.assert_array_equal(grid.heatmaps[1][2], expected)
    sigmoid = grid.grid_A[3]
    expected = _argb(diverging_rgb(sigmoid[::-1, :, 0] - 0.5, 0.5))  # centred on 0.5
    np.testing.assert_array_equal(grid.heatmaps[3][0], expected)
    # Unbounded units use their own symmetric range: the extreme cell gets the full colour.
    relu = grid.grid_A[2][:, :, 1]
    peak = np.unravel_index(np.argmax(np.abs(relu)), relu.shape)
    if relu[peak] > 0:
        full = _argb(diverging_rgb(np.array(1.0), 1.0))
        assert grid.heatmaps[2][1][relu.shape[0] - 1 - peak[0], peak[1]] == full


def _reference_heatmaps(values: np.ndarray, activation: str | None) -> np.ndarray:
    """Neuron by neuron through ``diverging_rgb``, each scale from np.nanmax of magnitudes."""
    import warnings

    from nnstudio.ui.colors import diverging_rgb

    images = []
    for j in range(values.shape[2]):
        neuron = values[::-1, :, j]
        limit = 1.0
        if activation != "tanh":
            # The colouring works in float32, so the scale is the float32 values' peak.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN neuron
                peak = np.nanmax(np.abs(neuron.astype(np.float32)))
            if np.isnan(peak):
                peak = np.float32(1.0)
            elif np.isinf(peak):
                peak = np.finfo(np.float32).max
            limit = float(max(peak, np.float32(1e-6)))
        images.append(_argb(diverging_rgb(neuron, limit)))
    return np.stack(images)


def _heatmap_cases() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(21)
    gaps = rng.normal(size=(9, 7, 3))
    gaps[rng.random(gaps.shape) < 0.2] = np.nan
    # One sign of infinity per layer (both would make the NaN check's sum warn).
    infinite = rng.normal(size=(6, 5, 3))
    infinite[2, 3, 0], infinite[4, 1, 1] = np.inf, np.inf
    negative_infinite = rng.normal(size=(5, 6, 2))
    negative_infinite[1, 1, 1] = -np.inf
    mixed = rng.normal(size=(12, 12, 5))
    mixed[..., 0] = np.nan  # a neuron with no value at all
    mixed[..., 1] = 0.0  # a constant neuron: the floor keeps it neutral
    mixed[..., 2] = -np.abs(mixed[..., 2]) * 40.0  # only negative: the peak is its minimum
    mixed[..., 3] *= 1e-9  # below the floor
    return {
        "normal": rng.normal(size=(16, 16, 4)),
        "one_neuron": rng.normal(size=(10, 12, 1)) * 3.0,
        "single_cell": np.array([[[0.3, -2.0]]]),
        "float32": rng.normal(size=(8, 8, 2)).astype(np.float32),
        "nan": gaps,
        "inf": infinite,
        "negative_inf": negative_infinite,
        "mixed": mixed,
    }


@pytest.mark.parametrize("activation", [None, "relu", "linear", "tanh"])
@pytest.mark.parametrize("case", sorted(_heatmap_cases()))
def test_heatmap_colours_match_a_per_neuron_reference(case: str, activation: str | None) -> None:
    from nnstudio.ui.colors import HeatmapColorizer

    values = _heatmap_cases()[case]
    colorize = HeatmapColorizer()
    pixels = colorize(values, activation)
    assert pixels.dtype == np.uint32 and pixels.shape == (values.shape[2], *values.shape[:2])
    np.testing.assert_array_equal(pixels, _reference_heatmaps(values, activation))
    # Scratch space reused by a second call leaves the result the same.
    np.testing.assert_array_equal(colorize(values, activation), pixels)


def test_frames_and_builders_pickle_as_plain_data() -> None:
    import pickle

    dataset = _xor()
    network = _network(2, (LayerSpec(6, "tanh"),), LayerSpec(1, "sigmoid"), "binary_crossentropy")
    builder = FrameBuilder(dataset, grid_size=16)
    frame = builder.build(network)
    copy = pickle.loads(pickle.dumps(frame))
    for ours, theirs in zip(frame.grid.heatmaps, copy.grid.heatmaps, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    # The builder's scratch space is not pickled; a copy builds the same frames.
    clone = pickle.loads(pickle.dumps(builder))
    again = clone.build(network)
    np.testing.assert_array_equal(again.grid.heatmaps[1], frame.grid.heatmaps[1])
    assert len(pickle.dumps(builder)) < 200_000


def test_consecutive_frames_do_not_share_heatmap_memory() -> None:
    dataset = _xor()
    network = _network(2, (LayerSpec(6, "tanh"),), LayerSpec(1, "sigmoid"), "binary_crossentropy")
    builder = FrameBuilder(dataset, grid_size=16)
    first = builder.build(network)
    kept = first.grid.heatmaps[1].copy()
    W, b = network.weights()[0]
    network.set_weights(((-W, b), network.weights()[1]))
    second = builder.build(network)
    np.testing.assert_array_equal(first.grid.heatmaps[1], kept)
    assert not np.array_equal(second.grid.heatmaps[1], kept)


def test_symmetric_limit_is_the_99th_percentile_of_magnitudes() -> None:
    from nnstudio.ui.colors import symmetric_limit

    rng = np.random.default_rng(0)
    for size in (1, 2, 7, 100, 1001):
        values = rng.normal(size=size)
        expected = float(np.percentile(np.abs(values), 99))
        assert symmetric_limit(values) == pytest.approx(expected, rel=1e-12)
    assert symmetric_limit(np.array([np.nan, np.inf])) == 1.0
    assert symmetric_limit(np.zeros(5)) == 1e-6


def test_frames_draw_the_network_over_the_points_plane() -> None:
    from nnstudio.data import plane_feature_columns
    from nnstudio.workflow import attach_dataset, build_network

    squares = ("x1^2", "x2^2")
    project = Project(
        name="Circles through squares",
        data=BuiltinData(builtin="circles", samples=400, seed=1, features=squares),
        network=NetworkSpec(2, (LayerSpec(1, "sigmoid"),)),
        loss="binary_crossentropy",
    )
    dataset = load_dataset(project.data)
    project = attach_dataset(project, dataset)
    network = build_network(project)
    frame = FrameBuilder(dataset, probe_size=20, grid_size=12).build(network)
    grid = frame.grid
    assert grid is not None
    x0, x1, y0, y1 = grid.extent
    points = np.concatenate([dataset.plane_train, dataset.plane_val])
    assert x0 < points[:, 0].min() and points[:, 0].max() < x1
    assert y0 < points[:, 1].min() and points[:, 1].max() < y1
    # Each input neuron holds its feature over the plane; the output is the network's.
    xx, yy = np.meshgrid(grid.grid_x, grid.grid_y)
    plane = np.column_stack([xx.ravel(), yy.ravel()])
    inputs = plane_feature_columns(plane, squares)
    np.testing.assert_allclose(grid.grid_A[0].reshape(-1, 2), inputs)
    np.testing.assert_allclose(
        grid.grid_A[-1].reshape(-1, 1), network.forward(inputs).output, rtol=1e-6
    )
    # The evaluated examples' points, for drawing them on the map.
    np.testing.assert_array_equal(frame.eval_plane, dataset.plane_val[frame.eval_indices])


def test_weights_at_zero_stand_in_one_middle_bin() -> None:
    # L1 leaves most weights a hair from 0: they are one spike, centred on 0.
    builder = FrameBuilder(_xor())
    rng = np.random.default_rng(4)
    for size in (16, 64, 120, 2000):
        values = rng.normal(scale=0.5, size=size)
        values[: size * 3 // 4] = rng.normal(scale=1e-9, size=size * 3 // 4)
        _quantiles, histograms = builder._weight_statistics(((values.reshape(-1, 1), None),))
        counts, edges = histograms[0]
        middle = counts.size // 2
        assert counts.size % 2 == 1
        assert edges[middle] < 0 < edges[middle + 1]
        assert counts[middle] >= size * 3 // 4
        assert counts[middle] == counts.max()
