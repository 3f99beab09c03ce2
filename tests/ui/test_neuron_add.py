"""Adding a hidden neuron to a trained network: the others keep their trained weights, the
network computes what it did before (the new neuron's outgoing weights are 0), the new
neuron learns from the next step on, and one undo step takes it away again."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.workflow import build_network, make_trainer
from tests.ui.test_canvas import open_canvas, spiral_project
from tests.ui.test_neuron_delete import _arrays, _equal, _trained

pytestmark = pytest.mark.gui


def test_an_added_neuron_keeps_the_trained_weights_and_the_networks_outputs(qtbot) -> None:
    document, _canvas = open_canvas(qtbot, spiral_project())  # 2-8-8-1
    before = _trained(document)
    questions: list[str] = []
    document.confirm_discard_weights = lambda question: questions.append(question) or True
    X = document.dataset.X_train[:50]
    outputs_before = build_network(document.project, document.weights).predict(X)

    assert document.change_units(0, +1)
    assert questions == []  # nothing to lose, nothing to ask
    assert document.project.network.layers[0].units == 9
    assert document.training_position == (5, 40)
    (W1, b1), (W2, _b2), (W3, _b3) = document.weights
    assert W1.shape == (2, 9) and b1.shape == (9,) and W2.shape == (9, 8)
    np.testing.assert_array_equal(W1[:, :8], before[0][0])
    np.testing.assert_array_equal(b1[:8], before[0][1])
    np.testing.assert_array_equal(W2[:8], before[1][0])
    np.testing.assert_array_equal(W2[8], 0.0)  # the new neuron does not change the output yet
    assert np.any(W1[:, 8] != 0)  # drawn from the layer's initialiser
    np.testing.assert_array_equal(W3, before[2][0])
    outputs_after = build_network(document.project, document.weights).predict(X)
    np.testing.assert_allclose(outputs_after, outputs_before, rtol=1e-6, atol=1e-7)
    assert document.undo_stack.undoText() == "Add neuron"

    # It learns: one training step moves its outgoing weights off 0.
    network = build_network(document.project, document.weights)
    make_trainer(document.project, network, document.dataset).step()
    assert np.any(network.weights()[1][0][8] != 0)

    document.undo_stack.undo()
    assert document.project.network.layers[0].units == 8
    assert _equal(_arrays(document), [array for pair in before for array in pair])
    assert document.training_position == (5, 40)


def test_fresh_weights_start_afresh_when_a_neuron_is_added(qtbot) -> None:
    document, _canvas = open_canvas(qtbot, spiral_project())
    document.set_weights(build_network(document.project).weights())
    assert not document.has_trained_weights
    assert document.change_units(1, +1)
    assert document.project.network.layers[1].units == 9
    assert document.training_position == (0, 0)
