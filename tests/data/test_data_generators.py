"""Built-in generators: shapes, determinism, labels and the geometry each one promises."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.data import generate
from nnstudio.data.generators import HOUSING_INTERCEPT, HOUSING_SLOPE, PLANE_COEFFICIENTS
from nnstudio.errors import DataError
from nnstudio.spec import BUILTIN_DATASETS, BUILTIN_TASKS


@pytest.mark.parametrize("name", BUILTIN_DATASETS)
def test_every_generator_has_the_promised_shape_task_and_range(name: str) -> None:
    data = generate(name, 301, noise=0.1, seed=3)
    assert data.task == BUILTIN_TASKS[name]
    assert data.X.dtype == np.float64
    assert data.X.shape == (301, len(data.feature_names))
    assert np.all(np.isfinite(data.X))
    # Inputs stay small enough to train without standardisation.
    assert np.abs(data.X).max() < 6.5
    if data.task == "classification":
        assert data.y.shape == (301,)
        assert data.class_names == data.target_names
        assert set(np.unique(data.y)) == set(range(len(data.target_names)))
    else:
        assert data.y.shape == (301, 1)
        assert data.class_names is None
        assert np.all(np.isfinite(data.y))


@pytest.mark.parametrize("name", BUILTIN_DATASETS)
def test_same_seed_same_data_other_seed_other_data(name: str) -> None:
    a = generate(name, 50, noise=0.2, seed=7)
    b = generate(name, 50, noise=0.2, seed=7)
    c = generate(name, 50, noise=0.2, seed=8)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_xor_labels_follow_the_sign_product_when_clean() -> None:
    data = generate("xor", 500, noise=0.0, seed=0)
    product = data.X[:, 0] * data.X[:, 1]
    np.testing.assert_array_equal(data.y, (product < 0).astype(int))
    # All four quadrants are populated.
    quadrants = {(bool(a), bool(b)) for a, b in data.X > 0}
    assert len(quadrants) == 4


def test_circles_inner_disc_lies_inside_the_ring_when_clean() -> None:
    data = generate("circles", 400, noise=0.0, seed=1)
    radius = np.hypot(data.X[:, 0], data.X[:, 1])
    assert data.class_names == ("inner", "outer")
    assert radius[data.y == 0].max() <= 0.5
    assert radius[data.y == 1].min() >= 0.7
    assert abs(np.mean(data.y) - 0.5) < 0.01


def test_gaussians_blobs_sit_on_opposite_sides() -> None:
    data = generate("gaussians", 1000, noise=0.0, seed=2)
    m0 = data.X[data.y == 0].mean(axis=0)
    m1 = data.X[data.y == 1].mean(axis=0)
    np.testing.assert_allclose(m0, [-0.7, -0.7], atol=0.05)
    np.testing.assert_allclose(m1, [0.7, 0.7], atol=0.05)


@pytest.mark.parametrize("arms", [2, 3, 5])
def test_spiral_has_one_class_per_arm_and_arms_are_rotations(arms: int) -> None:
    data = generate("spiral", 600, noise=0.0, seed=4, arms=arms)
    assert data.target_names == tuple(str(j) for j in range(arms))
    counts = np.bincount(data.y, minlength=arms)
    assert counts.min() >= 600 // arms
    # Rotating arm 0 by 2π/arms lands every point on arm 1's curve r = 0.1 + 0.9 t with
    # angle 2.5πt + 2π/arms: check via the radius-angle relation.
    radius = np.hypot(data.X[:, 0], data.X[:, 1])
    t = (radius - 0.1) / 0.9
    expected_angle = 2.5 * np.pi * t + 2 * np.pi * data.y / arms
    angle = np.arctan2(data.X[:, 1], data.X[:, 0])
    wrapped = np.angle(np.exp(1j * (angle - expected_angle)))
    np.testing.assert_allclose(wrapped, 0.0, atol=1e-9)


def test_spiral_rejects_a_single_arm() -> None:
    with pytest.raises(DataError, match="at least 2 arms"):
        generate("spiral", 10, seed=0, arms=1)


def test_moons_are_two_half_circles() -> None:
    data = generate("moons", 400, noise=0.0, seed=5)
    upper = data.X[data.y == 0] + [0.5, 0.25]
    lower = data.X[data.y == 1] + [0.5, 0.25]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert upper[:, 1].min() >= 0.0 and lower[:, 1].max() <= 0.5


def test_regressions_follow_their_formulas_when_clean() -> None:
    plane = generate("plane", 100, noise=0.0, seed=6)
    np.testing.assert_allclose(plane.y[:, 0], plane.X @ np.array(PLANE_COEFFICIENTS))
    sine = generate("sine", 100, noise=0.0, seed=6)
    np.testing.assert_allclose(sine.y[:, 0], np.sin(sine.X[:, 0]))
    assert sine.X.min() >= -np.pi and sine.X.max() <= np.pi


def test_housing_is_a_relu_of_size() -> None:
    data = generate("housing", 500, noise=0.0, seed=7)
    assert data.feature_names == ("size_1000sqft",)
    assert data.target_names == ("price",)
    size, price = data.X[:, 0], data.y[:, 0]
    np.testing.assert_allclose(price, np.maximum(0.0, HOUSING_SLOPE * size + HOUSING_INTERCEPT))
    # The kink is inside the range: some houses are "free", most are not.
    free = np.mean(price == 0)
    assert 0.05 < free < 0.4
    assert size.min() >= 0.3 and size.max() <= 4.0


def test_noise_is_the_standard_deviation_of_regression_residuals() -> None:
    clean = generate("sine", 20000, noise=0.0, seed=9)
    noisy = generate("sine", 20000, noise=0.3, seed=9)
    residual = noisy.y[:, 0] - np.sin(noisy.X[:, 0])
    assert abs(residual.std() - 0.3) < 0.01
    assert not np.array_equal(clean.y, noisy.y)


def test_generate_rejects_bad_arguments() -> None:
    with pytest.raises(DataError, match="unknown built-in data set 'blobs'"):
        generate("blobs", 10)
    with pytest.raises(DataError, match="at least 1 example"):
        generate("xor", 0)
    with pytest.raises(DataError, match="noise"):
        generate("xor", 10, noise=-1.0)
