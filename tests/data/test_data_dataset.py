"""Dataset: splitting, one-hot encoding, standardisation and output-layer encodings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnstudio.data import Dataset, image_shape_of, load_dataset
from nnstudio.data.dataset import build_dataset, fit_standardization, split_indices
from nnstudio.errors import DataError
from nnstudio.spec import BuiltinData


def test_builtin_split_sizes_and_one_hot_targets() -> None:
    data = load_dataset(BuiltinData(builtin="spiral", samples=300, arms=3, seed=2), ".")
    assert isinstance(data, Dataset)
    assert (data.n_train, data.n_val) == (240, 60)
    assert data.n_features == 2 and data.n_outputs == 3
    assert data.X_train.dtype == np.float64 and data.Y_train.dtype == np.float64
    assert data.class_names == ("0", "1", "2") == data.target_names
    np.testing.assert_array_equal(data.Y_train.sum(axis=1), 1.0)
    np.testing.assert_array_equal(data.Y_train.argmax(axis=1), data.labels_train)
    np.testing.assert_array_equal(data.Y_val.argmax(axis=1), data.labels_val)
    assert data.standardization is None


def test_split_is_a_permutation_of_the_generated_rows() -> None:
    spec = BuiltinData(builtin="moons", samples=200, seed=5, validation_fraction=0.25)
    data = load_dataset(spec, ".")
    everything = np.vstack([data.X_train, data.X_val])
    from nnstudio.data import generate

    raw = generate("moons", 200, noise=spec.noise, seed=5)
    assert everything.shape == raw.X.shape
    # Same rows, different order.
    np.testing.assert_array_equal(np.sort(everything, axis=0), np.sort(raw.X, axis=0))
    assert not np.array_equal(everything, raw.X)
    again = load_dataset(spec, ".")
    np.testing.assert_array_equal(again.X_val, data.X_val)


def test_zero_validation_fraction_gives_empty_validation_arrays() -> None:
    data = load_dataset(BuiltinData(builtin="xor", samples=40, validation_fraction=0.0), ".")
    assert data.n_train == 40 and data.n_val == 0
    assert data.X_val.shape == (0, 2) and data.Y_val.shape == (0, 2)
    assert data.labels_val is not None and data.labels_val.shape == (0,)
    y_train, y_val = data.targets_for(1)
    assert y_train.shape == (40, 1) and y_val.shape == (0, 1)


def test_regression_dataset_has_no_labels() -> None:
    data = load_dataset(BuiltinData(builtin="housing", samples=100), ".")
    assert data.task == "regression"
    assert data.class_names is None and data.labels_train is None and data.labels_val is None
    assert data.target_names == ("price",)
    assert data.Y_train.shape == (80, 1)


def test_standardization_is_fitted_on_training_rows_only() -> None:
    spec = BuiltinData(builtin="housing", samples=200, standardize=True, seed=3)
    data = load_dataset(spec, ".")
    stats = data.standardization
    assert stats is not None
    np.testing.assert_allclose(stats.mean, data.X_train.mean(axis=0))
    np.testing.assert_allclose(stats.std, data.X_train.std(axis=0))
    everything = np.vstack([data.X_train, data.X_val])
    assert not np.allclose(stats.mean, everything.mean(axis=0))
    z = stats.apply(data.X_train)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0)
    # Inputs stay raw: the network applies the statistics itself.
    assert data.X_train.mean() > 1.0


def test_constant_columns_get_standard_deviation_one() -> None:
    X = np.column_stack([np.full(5, 3.0), np.arange(5.0)])
    stats = fit_standardization(X)
    assert stats.std[0] == 1.0 and stats.mean[0] == 3.0
    assert stats.std[1] == pytest.approx(np.sqrt(2.0))


def test_targets_for_two_classes_and_one_sigmoid_unit_takes_the_second_column() -> None:
    data = load_dataset(BuiltinData(builtin="circles", samples=50), ".")
    y1, v1 = data.targets_for(1)
    assert y1.shape == (data.n_train, 1) and v1.shape == (data.n_val, 1)
    np.testing.assert_array_equal(y1[:, 0], data.labels_train == 1)
    y2, _ = data.targets_for(2)
    np.testing.assert_array_equal(y2, data.Y_train)


def test_targets_for_a_wrong_width_names_both_numbers() -> None:
    data = load_dataset(BuiltinData(builtin="spiral", samples=60, arms=3), ".")
    with pytest.raises(DataError, match=r"4 units.*3 classes"):
        data.targets_for(4)
    with pytest.raises(DataError, match=r"1 units.*3 classes"):
        data.targets_for(1)
    regression = load_dataset(BuiltinData(builtin="sine", samples=60), ".")
    with pytest.raises(DataError, match=r"2 units.*1 target columns"):
        regression.targets_for(2)
    y, _ = regression.targets_for(1)
    assert y.shape == (48, 1)


def test_dataset_arrays_are_read_only() -> None:
    data = load_dataset(BuiltinData(builtin="xor", samples=20), ".")
    with pytest.raises(ValueError, match="read-only"):
        data.X_train[0, 0] = 1.0


def test_split_indices_keeps_a_training_example_and_rounds() -> None:
    train, val = split_indices(10, 0.25, seed=0)
    assert len(val) == 2 and len(train) == 8
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(10))
    train, val = split_indices(2, 0.9, seed=0)
    assert len(train) == 1 and len(val) == 1
    train, val = split_indices(3, 0.1, seed=0)
    assert len(val) == 1


def test_build_dataset_needs_two_examples() -> None:
    with pytest.raises(DataError, match="at least 2"):
        build_dataset(
            np.zeros((1, 2)),
            np.zeros(1, dtype=int),
            task="classification",
            feature_names=("a", "b"),
            target_names=("0", "1"),
            validation_fraction=0.0,
            seed=0,
            standardize=False,
        )


@pytest.mark.parametrize(
    ("names", "shape"),
    [
        (tuple(f"pixel_{r}_{c}" for r in range(8) for c in range(8)), (8, 8)),
        (tuple(f"px{r}x{c}" for r in range(1, 5) for c in range(1, 7)), (4, 6)),
        (tuple(f"pixel{i}" for i in range(784)), (28, 28)),
        (tuple(f"pixel{i}" for i in range(1, 17)), (4, 4)),
    ],
)
def test_pixel_names_reveal_the_image_shape(names: tuple[str, ...], shape: tuple[int, int]) -> None:
    assert image_shape_of(names) == shape
    assert image_shape_of(list(names)) == shape  # any sequence, though answers are cached


def test_image_shape_answers_each_list_of_names_for_itself() -> None:
    names = [f"pixel{i}" for i in range(64)]
    assert image_shape_of(names) == (8, 8)
    names.append("label")  # the same list, changed: not an answer remembered for its old names
    assert image_shape_of(names) is None


@pytest.mark.parametrize(
    "names",
    [
        ("x1", "x2"),
        tuple(f"f{i}" for i in range(64)),
        tuple(f"pixel{i}" for i in range(60)),  # not a square
        tuple(f"pixel_{c}_{r}" for r in range(8) for c in range(8)),  # column-major
        tuple(f"pixel_{r}_{c}" for r in range(2) for c in range(8)),  # too thin
    ],
)
def test_other_names_are_not_images(names: tuple[str, ...]) -> None:
    assert image_shape_of(names) is None


def test_dataset_reports_image_shape() -> None:
    names = tuple(f"pixel_{r}_{c}" for r in range(4) for c in range(4))
    data = build_dataset(
        np.random.default_rng(0).random((6, 16)),
        np.array([0, 1, 0, 1, 0, 1]),
        task="classification",
        feature_names=names,
        target_names=("a", "b"),
        validation_fraction=0.0,
        seed=0,
        standardize=False,
    )
    assert data.is_image_like and data.image_shape == (4, 4)
    assert not load_dataset(BuiltinData(builtin="xor", samples=20), ".").is_image_like
    assert "6 training + 0 validation examples, 16 features, 2 classes" == data.describe()


def test_standardization_of_huge_values_is_finite_and_quiet() -> None:
    X = np.array([[1e300, 1.0], [-2e300, 2.0], [3e299, 3.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # squaring 1e300 used to overflow with a warning
        st = fit_standardization(X)
    np.testing.assert_allclose(st.mean, [np.mean(X[:, 0] / 1e300) * 1e300, 2.0])
    np.testing.assert_allclose(st.std, [np.std(X[:, 0] / 1e300) * 1e300, np.std([1, 2, 3])])
    # Ordinary columns keep the exact statistics they always had.
    Z = np.array([[0.1, 5.0], [0.7, 6.0], [0.3, 9.0]])
    st = fit_standardization(Z)
    assert st.mean == tuple(Z.mean(axis=0).tolist())
    assert st.std == tuple(Z.std(axis=0).tolist())


def test_cautions_name_classes_left_out_of_training_and_tiny_training_sets() -> None:
    from nnstudio.data import load_dataset
    from nnstudio.spec import BuiltinData

    assert load_dataset(BuiltinData(builtin="xor", samples=200)).cautions() == []
    lopsided = load_dataset(
        BuiltinData(builtin="spiral", samples=20, arms=20, validation_fraction=0.5)
    )
    (caution,) = lopsided.cautions()
    missing = 20 - len(set(lopsided.labels_train.tolist()))
    assert caution.startswith(f"{missing} of 20 classes have no training example (")
    tiny = load_dataset(BuiltinData(builtin="xor", samples=4, validation_fraction=0.5))
    assert tiny.cautions()[0].startswith("Only 2 training examples: too few")


def test_head_takes_the_first_examples_of_each_set_without_copying() -> None:
    data = load_dataset(BuiltinData(builtin="spiral", samples=400, seed=2))
    head = data.head(50)
    assert (head.n_train, head.n_val) == (50, 50)
    for name in ("X_train", "Y_train", "X_val", "Y_val", "labels_train", "labels_val"):
        part, whole = getattr(head, name), getattr(data, name)
        assert np.array_equal(part, whole[:50]) and np.shares_memory(part, whole), name
    assert head.feature_names == data.feature_names and head.class_names == data.class_names
    assert head.standardization == data.standardization
    # Sets no longer than asked for: the data set itself.
    assert data.head(max(data.n_train, data.n_val)) is data
    assert data.head(10**6) is data


def test_the_description_writes_large_counts_with_separators() -> None:
    rng = np.random.default_rng(0)
    dataset = build_dataset(
        rng.normal(size=(12_500, 1)),
        rng.normal(size=(12_500, 1)),
        task="regression",
        feature_names=("x",),
        target_names=("y",),
        validation_fraction=0.2,
        seed=0,
        standardize=False,
    )
    assert dataset.describe() == "10,000 training + 2,500 validation examples, 1 feature, 1 target"
