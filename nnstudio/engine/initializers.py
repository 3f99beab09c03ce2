"""Weight initialisers and the seeded random streams of the engine.

``initialize_layer`` draws a layer's ``W`` (fan_in, fan_out) and sets its bias ``b``
(fan_out,) to the constant ``LayerSpec.bias_init``:

===================  ============================================================
``zeros``            ``W = 0`` (every neuron stays identical: the symmetry problem)
``constant``         ``W = init_param`` (default 0)
``normal``           ``W ~ N(0, init_param²)`` (default std 0.1)
``uniform``          ``W ~ U(-init_param, init_param)`` (default limit 0.05)
``xavier_normal``    ``N(0, 2 / (fan_in + fan_out))``
``xavier_uniform``   ``U(±√(6 / (fan_in + fan_out)))``
``he_normal``        ``N(0, 2 / fan_in)``
``he_uniform``       ``U(±√(6 / fan_in))``
``lecun_normal``     ``N(0, 1 / fan_in)``
===================  ============================================================

Random numbers are always drawn in float64 and then cast, so a float32 and a float64
network built from the same seed hold the same weights up to rounding.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np

from nnstudio.errors import SpecError
from nnstudio.spec import DTYPES, INITIALIZERS, LayerSpec

__all__ = ["STREAMS", "initialize_layer", "random_stream", "resolve_dtype"]

#: Independent random streams derived from one seed, so that e.g. changing the dropout rate
#: never changes the initial weights or the shuffling order.
STREAMS: dict[str, int] = {"init": 0, "shuffle": 1, "dropout": 2, "evaluation": 3}

Stream = Literal["init", "shuffle", "dropout", "evaluation"]


def random_stream(seed: int, stream: Stream, *key: int) -> np.random.Generator:
    """A generator for one purpose, independent of every other purpose and key.

    Parameters
    ----------
    seed : int
        The user's seed (``TrainingSpec.seed``), >= 0.
    stream : {"init", "shuffle", "dropout", "evaluation"}
        What the numbers are for.
    *key : int
        Further sub-stream indices, e.g. the layer index for initialisation, so that editing
        one layer leaves the other layers' initial weights unchanged.

    Returns
    -------
    numpy.random.Generator
    """
    if stream not in STREAMS:
        raise ValueError(f"unknown random stream {stream!r}; expected one of {sorted(STREAMS)}")
    sequence = np.random.SeedSequence(int(seed), spawn_key=(STREAMS[stream], *key))
    return np.random.default_rng(sequence)


def resolve_dtype(dtype: str | np.dtype | type) -> np.dtype:
    """Validate and return a floating dtype (``float32`` or ``float64``).

    Raises
    ------
    SpecError
        For any other dtype.
    """
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved is None or resolved.name not in DTYPES:
        raise SpecError(f"training.dtype: unknown {dtype!r}; expected one of {', '.join(DTYPES)}")
    return resolved


def initialize_layer(
    layer: LayerSpec, fan_in: int, rng: np.random.Generator, dtype: str | np.dtype = "float32"
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the initial parameters of one dense layer.

    Parameters
    ----------
    layer : LayerSpec
        Supplies ``units`` (fan_out), ``init``, ``effective_init_param`` and ``bias_init``.
    fan_in : int
        Width of the layer's input.
    rng : numpy.random.Generator
        Source of randomness (unused by ``zeros`` and ``constant``).
    dtype : str or dtype
        ``float32`` or ``float64``.

    Returns
    -------
    W : ndarray, shape (fan_in, fan_out)
    b : ndarray, shape (fan_out,)

    Raises
    ------
    SpecError
        For an unknown initialiser or a non-positive scale.
    """
    dt = resolve_dtype(dtype)
    fan_out = int(layer.units)
    if fan_in < 1 or fan_out < 1:
        raise SpecError(f"layer sizes must be positive, got fan_in={fan_in}, fan_out={fan_out}")
    shape = (int(fan_in), fan_out)
    name = layer.init
    param = layer.effective_init_param

    if name == "zeros":
        W = np.zeros(shape)
    elif name == "constant":
        W = np.full(shape, float(param))  # type: ignore[arg-type]
    elif name in ("normal", "uniform"):
        scale = float(param)  # type: ignore[arg-type]
        if not math.isfinite(scale) or scale <= 0:
            raise SpecError(f"layer init_param: {name} needs a positive scale, got {scale:g}")
        if name == "normal":
            W = rng.normal(0.0, scale, size=shape)
        else:
            W = rng.uniform(-scale, scale, size=shape)
    elif name == "xavier_normal":
        W = rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)
    elif name == "xavier_uniform":
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        W = rng.uniform(-limit, limit, size=shape)
    elif name == "he_normal":
        W = rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
    elif name == "he_uniform":
        limit = math.sqrt(6.0 / fan_in)
        W = rng.uniform(-limit, limit, size=shape)
    elif name == "lecun_normal":
        W = rng.normal(0.0, math.sqrt(1.0 / fan_in), size=shape)
    else:
        raise SpecError(f"layer init: unknown {name!r}; expected one of {', '.join(INITIALIZERS)}")

    b = np.full(fan_out, float(layer.bias_init))
    return W.astype(dt), b.astype(dt)
