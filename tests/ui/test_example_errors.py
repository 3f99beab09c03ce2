"""Each probe example's error δ, read off a frame, equals that example's own backward pass."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.data import load_dataset
from nnstudio.data.dataset import encode_targets
from nnstudio.io import load_project
from nnstudio.ui.example_errors import ExampleErrorsCache
from nnstudio.ui.frame import FrameBuilder
from nnstudio.workflow import attach_dataset, build_network, fit_network_to_data


@pytest.mark.parametrize("name", ["iris", "housing"])
def test_errors_are_each_examples_own_backward_pass(samples_dir: Path, name: str) -> None:
    # iris: softmax with cross-entropy on standardised inputs; housing: a ReLU neuron with
    # squared error on standardised targets.
    project = load_project(samples_dir / f"{name}.nnproj").project
    dataset = load_dataset(project.data, samples_dir)
    project = attach_dataset(fit_network_to_data(project, dataset)[0], dataset)
    network = build_network(project)
    frame = FrameBuilder(dataset, probe_size=24).build(network)
    errors = ExampleErrorsCache().get(project, frame)
    assert errors is not None and errors.count == 24
    reference = build_network(project, frame.weights).copy("float64")
    for example in (0, 7, 23):
        one = reference.forward(frame.probe_inputs[example : example + 1])
        Y = reference.prepare_targets(
            encode_targets(
                frame.probe_targets[example : example + 1],
                3 if name == "iris" else 1,
                classification=name == "iris",
            ),
            1,
        )
        expected = reference.deltas(one, Y)  # m = 1: the example's own δ
        for layer, delta in enumerate(expected):
            np.testing.assert_allclose(
                errors.deltas[layer][example], delta[0], rtol=1e-4, atol=1e-7
            )
        np.testing.assert_allclose(errors.A[0][example], one.A[0][0], rtol=1e-5, atol=1e-6)


def test_one_sigmoid_unit_learns_the_second_class_column() -> None:
    one_hot = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(encode_targets(one_hot, 1, classification=True), [[0.0], [1.0]])
    assert encode_targets(one_hot, 3, classification=True) is None
