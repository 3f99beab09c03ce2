"""The shared colour scale: values far beyond float32 or a vanishing limit colour quietly."""

from __future__ import annotations

import warnings

import numpy as np

from nnstudio.ui.colors import diverging_rgb, heatmap_argb


def test_values_beyond_float32_get_the_end_colours_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # casting 1e300 to float32 used to warn of overflow
        colours = diverging_rgb(np.array([1e300, -1e300, np.nan, 0.5]), 1.0)
        tiny_limit = diverging_rgb(np.array([1.0, -2.0, 0.0]), 1e-300)
        pixels = heatmap_argb(np.array([[[1e300], [-1e300]]]), None)
    ends = diverging_rgb(np.array([1.0, -1.0, 0.0]), 1.0)
    np.testing.assert_array_equal(colours[:3], ends)
    np.testing.assert_array_equal(tiny_limit, ends)
    assert pixels.shape == (1, 1, 2) and pixels[0, 0, 0] != pixels[0, 0, 1]
