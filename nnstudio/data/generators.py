"""Built-in data generators: small 2-D classification puzzles and 1-D/2-D regressions.

Every generator takes the number of examples ``n``, a ``noise`` level and a ``seed`` and is
deterministic for a given seed (it draws from its own :class:`numpy.random.Generator`).
Inputs stay in a small range (about ``[-1.5, 1.5]``; ``sine`` spans ``[-π, π]``, ``housing``
``[0.3, 4]``) so that networks train without input standardisation.

=========  ==============  ===========================================================
name       task            what it draws
=========  ==============  ===========================================================
xor        classification  points in the four quadrants of ``[-1, 1]²``; class ``1`` when
                           exactly one coordinate is positive (``x1 · x2 < 0``)
circles    classification  an inner disc (``inner``) inside a ring (``outer``)
gaussians  classification  two round Gaussian blobs centred at ``(-0.7, -0.7)`` and
                           ``(0.7, 0.7)``
spiral     classification  ``arms`` interleaved spiral arms, one class each (two arms is the
                           classic two-spiral problem)
moons      classification  two interleaving half circles
plane      regression      ``y = 2·x1 - 1·x2 + ε`` on ``[-1, 1]²``
sine       regression      ``y = sin(x) + ε`` on ``[-π, π]``
housing    regression      the lecture notes' housing prices: ``price = max(0, 1.5·size -
                           1.5) + ε`` with ``size`` in thousands of square feet and ``price``
                           in hundreds of thousands of dollars (a ReLU "kink" at 1000 sq ft)
=========  ==============  ===========================================================

The meaning of ``noise`` per generator: the standard deviation of Gaussian jitter added to
the points (classification) or to the target (regression), in the units of the data; for
``gaussians`` it widens the blobs (their standard deviation is ``0.25 + noise``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nnstudio.engine.products import matmul
from nnstudio.errors import DataError
from nnstudio.spec import BUILTIN_DATASETS

#: Slope and intercept of the housing example (price in $100k, size in 1000 sq ft).
HOUSING_SLOPE = 1.5
HOUSING_INTERCEPT = -1.5
#: Coefficients of the ``plane`` regression ``y = a·x1 + b·x2``.
PLANE_COEFFICIENTS = (2.0, -1.0)


@dataclass(frozen=True, eq=False)
class GeneratedData:
    """The output of a generator, before any train/validation split.

    Attributes
    ----------
    X : ndarray, shape (n, n_features)
        Inputs (float64).
    y : ndarray
        Integer class labels, shape (n,), for classification; float64 targets, shape
        (n, n_targets), for regression.
    feature_names : tuple of str
        One name per input column.
    target_names : tuple of str
        Class names (classification, indexed by label) or target column names (regression).
    task : str
        ``"classification"`` or ``"regression"``.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    task: str

    @property
    def class_names(self) -> tuple[str, ...] | None:
        """Class names indexed by label, or ``None`` for regression."""
        return self.target_names if self.task == "classification" else None


def _balanced_labels(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Labels ``0..k-1`` in (near) equal numbers, in random order; shape (n,)."""
    return rng.permutation(np.arange(n) % k)


def _jitter(shape: tuple[int, ...], noise: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with standard deviation ``noise`` (zeros when ``noise`` is 0)."""
    if noise <= 0:
        return np.zeros(shape)
    return rng.normal(0.0, noise, size=shape)


def xor(n: int, noise: float, rng: np.random.Generator) -> GeneratedData:
    """The XOR problem: class 1 when exactly one coordinate is positive.

    Points are drawn uniformly from the four quadrants of ``[-1, 1]²`` with a 0.1 gap along
    the axes, labelled from their clean position, then jittered by ``noise``.
    """
    # A small gap along the axes keeps the clean problem separable with a margin.
    magnitude = rng.uniform(0.1, 1.0, size=(n, 2))
    signs = rng.choice(np.array([-1.0, 1.0]), size=(n, 2))
    clean = magnitude * signs
    labels = (clean[:, 0] * clean[:, 1] < 0).astype(np.int64)
    X = clean + _jitter(clean.shape, noise, rng)
    return GeneratedData(X, labels, ("x1", "x2"), ("0", "1"), "classification")


def circles(n: int, noise: float, rng: np.random.Generator) -> GeneratedData:
    """An inner disc (radius up to 0.5) surrounded by a ring (radius 0.7 to 1)."""
    labels = _balanced_labels(n, 2, rng)
    angle = rng.uniform(0.0, 2.0 * np.pi, size=n)
    # sqrt keeps the inner disc uniformly dense instead of crowding its centre.
    inner_radius = 0.5 * np.sqrt(rng.uniform(0.0, 1.0, size=n))
    outer_radius = rng.uniform(0.7, 1.0, size=n)
    radius = np.where(labels == 0, inner_radius, outer_radius)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += _jitter(X.shape, noise, rng)
    return GeneratedData(X, labels, ("x1", "x2"), ("inner", "outer"), "classification")


def gaussians(n: int, noise: float, rng: np.random.Generator) -> GeneratedData:
    """Two round Gaussian blobs; ``noise`` widens them (std ``0.25 + noise``)."""
    labels = _balanced_labels(n, 2, rng)
    centres = np.array([[-0.7, -0.7], [0.7, 0.7]])
    X = centres[labels] + rng.normal(0.0, 0.25 + max(noise, 0.0), size=(n, 2))
    return GeneratedData(X, labels, ("x1", "x2"), ("0", "1"), "classification")


def spiral(n: int, noise: float, rng: np.random.Generator, arms: int = 2) -> GeneratedData:
    """``arms`` interleaved spirals, one class per arm, each turning 1.25 times.

    A point at position ``t`` in ``[0, 1]`` along arm ``j`` sits at radius ``0.1 + 0.9 t`` and
    angle ``2.5π t + 2πj / arms``; two arms give the classic two-spiral problem.
    """
    if arms < 2:
        raise DataError(f"spiral needs at least 2 arms, got {arms}")
    labels = _balanced_labels(n, arms, rng)
    t = rng.uniform(0.0, 1.0, size=n)
    radius = 0.1 + 0.9 * t
    angle = 2.5 * np.pi * t + 2.0 * np.pi * labels / arms
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    X += _jitter(X.shape, noise, rng)
    names = tuple(str(j) for j in range(arms))
    return GeneratedData(X, labels, ("x1", "x2"), names, "classification")


def moons(n: int, noise: float, rng: np.random.Generator) -> GeneratedData:
    """Two interleaving half circles, centred on the origin."""
    labels = _balanced_labels(n, 2, rng)
    t = rng.uniform(0.0, np.pi, size=n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    X = np.where(labels[:, None] == 0, upper, lower) - np.array([0.5, 0.25])
    X += _jitter(X.shape, noise, rng)
    return GeneratedData(X, labels, ("x1", "x2"), ("0", "1"), "classification")


def plane(n: int, noise: float, rng: np.random.Generator) -> GeneratedData:
    """Linear regression ``y = 2·x1 - 1·x2 + ε`` on ``[-1, 1]²``."""
    X = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = matmul(X, np.array(PLANE_COEFFICIENTS)) + _jitter((n,), noise, rng)
    return GeneratedData(X, y[:, None], ("x1", "x2"), ("y",), "regression")


def sine(n: int, noise: float, rng: np.random.Generator) -> GeneratedData:
    """1-D regression ``y = sin(x) + ε`` on ``[-π, π]``."""
    x = rng.uniform(-np.pi, np.pi, size=n)
    y = np.sin(x) + _jitter((n,), noise, rng)
    return GeneratedData(x[:, None], y[:, None], ("x",), ("y",), "regression")


def housing(n: int, noise: float, rng: np.random.Generator) -> GeneratedData:
    """The lecture notes' house prices: one ReLU neuron's worth of structure.

    ``size_1000sqft`` is uniform on ``[0.3, 4]`` (300 to 4000 square feet) and
    ``price = max(0, 1.5·size - 1.5) + ε`` in hundreds of thousands of dollars, so houses
    under 1000 sq ft cost (about) nothing and a 4000 sq ft house about $450k. The noise ``ε``
    has standard deviation ``noise`` ($100k units).
    """
    size = rng.uniform(0.3, 4.0, size=n)
    price = np.maximum(0.0, HOUSING_SLOPE * size + HOUSING_INTERCEPT)
    price = price + _jitter((n,), noise, rng)
    return GeneratedData(
        size[:, None], price[:, None], ("size_1000sqft",), ("price",), "regression"
    )


_GENERATORS: dict[str, Callable[[int, float, np.random.Generator], GeneratedData]] = {
    "xor": xor,
    "circles": circles,
    "gaussians": gaussians,
    "moons": moons,
    "plane": plane,
    "sine": sine,
    "housing": housing,
}


def generate(
    name: str, n: int, noise: float = 0.1, seed: int = 0, *, arms: int = 2
) -> GeneratedData:
    """Draw a built-in data set.

    Parameters
    ----------
    name : str
        One of :data:`nnstudio.spec.BUILTIN_DATASETS`.
    n : int
        Number of examples (at least 1).
    noise : float
        Noise level (see the module docstring for its meaning per generator); 0 is clean.
    seed : int
        Seed of the generator's random numbers; the same seed gives the same data.
    arms : int
        Number of spiral arms (classes); used by ``spiral`` only.

    Returns
    -------
    GeneratedData
        ``X`` shaped (n, n_features); ``y`` shaped (n,) for classification or (n, 1) for
        regression.

    Raises
    ------
    DataError
        For an unknown name, a non-positive ``n``, a negative ``noise`` or fewer than 2 arms.
    """
    if name not in BUILTIN_DATASETS:
        raise DataError(
            f"unknown built-in data set {name!r}; expected one of {', '.join(BUILTIN_DATASETS)}"
        )
    if n < 1:
        raise DataError(f"built-in data set {name!r} needs at least 1 example, got {n}")
    if not np.isfinite(noise) or noise < 0:
        raise DataError(f"noise must be a finite number >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    if name == "spiral":
        return spiral(n, noise, rng, arms=arms)
    return _GENERATORS[name](n, noise, rng)
