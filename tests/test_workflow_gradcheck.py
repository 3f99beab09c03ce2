"""The gradient check as the command line and the studio run it: its checks of what it is
given, and dropout with fixed masks."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.engine.gradcheck import GradCheckError
from nnstudio.errors import NNStudioError
from nnstudio.io.project import load_project
from nnstudio.spec import Project
from nnstudio.workflow import (
    GRADCHECK_MAX_EPSILON,
    GRADCHECK_MIN_EPSILON,
    build_network,
    check_gradients,
    dropout_layers,
    gradcheck_problem,
    load_for_training,
)


@pytest.fixture
def xor(samples_dir: Path):
    """The xor sample: project, data and its weights."""
    project, network, dataset = load_for_training(load_project(samples_dir / "xor.nnproj"))
    return project, dataset, network.weights()


def with_dropout(project: Project, rate: float = 0.5) -> Project:
    """``project`` with dropout on its first hidden layer."""
    network = project.network
    return replace(project, network=network.with_layer(0, replace(network.layers[0], dropout=rate)))


def test_dropout_layers_are_numbered_from_1(xor) -> None:
    project, _dataset, _weights = xor
    assert dropout_layers(project) == ()
    assert dropout_layers(with_dropout(project)) == (1,)


def test_a_check_with_dropout_holds_one_set_of_masks(xor) -> None:
    project, dataset, weights = xor
    dropping = with_dropout(project)
    masked = check_gradients(dropping, dataset, weights, samples=8, dropout=True)
    assert masked.dropout and masked.passed()
    plain = check_gradients(dropping, dataset, weights, samples=8)
    assert not plain.dropout and plain.passed()
    # Dropout changed the loss: the masks were applied, and the same ones each time (a check
    # with fresh masks at every evaluation could not pass).
    assert masked.loss != pytest.approx(plain.loss)
    again = check_gradients(dropping, dataset, weights, samples=8, dropout=True)
    assert again.loss == masked.loss


@pytest.mark.parametrize("step", [0.0, -1e-6, 0.5, 1e-12, float("nan"), float("inf")])
def test_a_step_out_of_range_is_named(xor, step: float) -> None:
    project, dataset, weights = xor
    expected = (
        f"the step ε must be a number from {GRADCHECK_MIN_EPSILON:g} to "
        f"{GRADCHECK_MAX_EPSILON:g}, got {step!r}"
    )
    assert gradcheck_problem(project, dataset, weights, epsilon=step) == expected
    with pytest.raises(GradCheckError) as raised:
        check_gradients(project, dataset, weights, epsilon=step)
    assert str(raised.value) == expected
    assert isinstance(raised.value, NNStudioError)  # one line on the command line


def test_what_cannot_be_checked_is_named(xor) -> None:
    project, dataset, weights = xor
    assert gradcheck_problem(project, dataset, weights) is None
    assert gradcheck_problem(project, None) == "no data is loaded"
    assert gradcheck_problem(project, dataset, samples=0) == (
        "the check needs 1 or more examples, got 0"
    )
    assert gradcheck_problem(project, dataset, dropout=True) == (
        "no layer of 2-4(tanh)-1(sigmoid) uses dropout, so there are no masks to hold fixed: "
        "give a hidden layer a dropout rate first"
    )
    assert gradcheck_problem(with_dropout(project), dataset, dropout=True) is None
    empty = replace(dataset, X_train=dataset.X_train[:0], Y_train=dataset.Y_train[:0])
    assert gradcheck_problem(project, empty) == "the data has no training examples to check on"


def test_weights_that_are_not_finite_are_named_before_anything_runs(xor) -> None:
    project, dataset, weights = xor
    broken = [(W.copy(), b.copy()) for W, b in weights]
    broken[1][0][3, 0] = np.nan
    message = (
        "the weights are not all finite: W2[3, 0] is nan (1 of layer 2's 4 weights is not a "
        "finite number); reset the weights first"
    )
    assert gradcheck_problem(project, dataset, broken) == message
    with pytest.raises(GradCheckError, match=r"W2\[3, 0\] is nan"):
        check_gradients(project, dataset, broken)


def test_a_loss_that_is_not_finite_is_named(xor) -> None:
    project, dataset, _weights = xor
    float64 = replace(project, training=replace(project.training, dtype="float64"))
    # Finite weights whose sigmoid output saturates to exactly 0 or 1 are fine (the loss
    # clips); an identity output squared beyond float64 is not.
    output = replace(project.network.output, units=2, activation="identity")
    regression = replace(
        float64,
        loss="mse",
        network=project.network.with_layer(len(project.network.layers) - 1, output),
    )
    huge = [
        (np.full_like(W, 1e200), np.full_like(b, 1e200))
        for W, b in build_network(regression).weights()
    ]
    with pytest.raises(GradCheckError, match="the loss at these weights is inf"):
        check_gradients(regression, dataset, huge)
