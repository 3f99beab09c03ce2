"""The loss chosen automatically always fits the output layer it is chosen for."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from nnstudio.spec import (
    ACTIVATIONS,
    TASKS,
    LayerSpec,
    canonical_activation,
    default_loss,
    loss_output_problem,
)
from nnstudio.workflow import build_network, make_trainer

#: Output widths tried: one unit, two (the fewest softmax needs) and more.
UNIT_COUNTS = (1, 2, 3, 10)
#: Activations that are not probabilities, for which the cross-entropies do not fit.
NOT_PROBABILITIES = tuple(
    name for name in ACTIVATIONS if canonical_activation(name) not in ("sigmoid", "softmax")
)


@pytest.mark.parametrize("units", UNIT_COUNTS)
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_the_default_loss_fits_every_output_layer(activation: str, task: str, units: int) -> None:
    loss = default_loss(task, activation, units)
    output = LayerSpec(units=units, activation=activation)
    assert loss_output_problem(loss, output) is None, (activation, task, units, loss)


@pytest.mark.parametrize("units", [2, 3, 10])
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_without_a_width_the_default_loss_fits_every_usable_output_layer(
    activation: str, task: str, units: int
) -> None:
    # Callers that do not say the width get a loss for a layer of 2 or more units.
    loss = default_loss(task, activation)
    output = LayerSpec(units=units, activation=activation)
    assert loss_output_problem(loss, output) is None, (activation, task, units, loss)


@pytest.mark.parametrize("units", UNIT_COUNTS)
def test_probability_outputs_of_a_classification_keep_their_cross_entropy(units: int) -> None:
    assert default_loss("classification", "sigmoid", units) == "binary_crossentropy"
    expected = "categorical_crossentropy" if units >= 2 else "mse"
    assert default_loss("classification", "softmax", units) == expected
    assert default_loss("classification", "softmax") == "categorical_crossentropy"


@pytest.mark.parametrize("activation", NOT_PROBABILITIES)
def test_other_outputs_of_a_classification_learn_by_squared_error(activation: str) -> None:
    assert default_loss("classification", activation) == "mse"
    assert default_loss("classification", activation, 3) == "mse"


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_regression_learns_by_squared_error(activation: str) -> None:
    assert default_loss("regression", activation) == "mse"
    assert default_loss("regression", activation, 1) == "mse"


@pytest.mark.parametrize(
    "activation", [name for name in ACTIVATIONS if canonical_activation(name) == name]
)
def test_iris_trains_with_any_output_activation_chosen_in_the_studio(
    qapp, samples_dir: Path, activation: str
) -> None:
    """Iris with an identity output was left with categorical cross-entropy."""
    from nnstudio.ui.document import StudioDocument

    document = StudioDocument()
    document.open(samples_dir / "iris.nnproj")
    network = document.project.network
    last = len(network.layers) - 1
    assert document.set_layer(last, replace(network.output, activation=activation, alpha=None))
    project = document.project
    assert loss_output_problem(project.loss, project.network.output) is None
    # The trainer's own checks (targets the output can learn, loss and data) pass too.
    make_trainer(project, build_network(project), document.dataset)
