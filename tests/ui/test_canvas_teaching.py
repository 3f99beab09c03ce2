"""What the canvas tells a class: dropout in the header, raw and standardised inputs on hover,
and neurons whose output is constant over the plane (zero initialisation) marked as such."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, LayerSpec
from nnstudio.ui.canvas.shading import constant_over_plane
from nnstudio.ui.canvas.view import NetworkCanvas
from nnstudio.ui.frame import make_frame
from nnstudio.ui.qt import QtCore, QtGui
from nnstudio.workflow import build_network
from tests.ui.test_canvas import neuron_center, open_canvas, spiral_project, xor_project

pytestmark = pytest.mark.gui


def _with_layers(project, *layers: LayerSpec):
    return replace(project, network=replace(project.network, layers=layers))


def _frame(document):
    network = build_network(document.project)
    return make_frame(network, document.dataset, grid_size=16)


# ---- dropout -------------------------------------------------------------------------------


def test_a_layer_with_dropout_says_so_in_its_header_and_hover(qtbot) -> None:
    project = _with_layers(
        spiral_project(),
        LayerSpec(units=8, activation="relu", dropout=0.2),
        LayerSpec(units=8, activation="leaky_relu", dropout=0.05),
        LayerSpec(units=1, activation="sigmoid"),
    )
    document, canvas = open_canvas(qtbot, project)
    assert canvas.layer_subtitle(1) == "8 relu · drop 0.2"
    assert canvas.layer_short_subtitle(1) == "8 relu d.2"
    assert canvas.layer_short_subtitle(2) == "8 lrelu d.05"
    # The drawn lanes carry both, and a lane without dropout says nothing of it.
    assert canvas.lanes[1].subtitle == "8 relu · drop 0.2"
    assert canvas.lanes[2].short_subtitle == "8 lrelu d.05"
    assert canvas.lanes[3].subtitle == "1 sigmoid"
    # Hovering the header explains the rate in full, as the narrow lane cannot.
    x, y, w, _h = canvas.layout_geometry.header_rect(2)
    text = canvas.hover_text(QtCore.QPointF(x + w / 2, y + 14))
    assert text.startswith("Hidden 2 · 8 leaky_relu · drop 0.05")
    assert "dropped with probability 0.05" in text and "1/0.95" in text
    # So does a neuron of the layer.
    canvas.show_frame(_frame(document))
    text = canvas.hover_text(QtCore.QPointF(*neuron_center(canvas, 1, 0)))
    assert "dropped with probability 0.2 while training" in text
    # Changing the rate redraws the header.
    document.set_layer(0, replace(document.project.network.layers[0], dropout=0.5))
    assert canvas.lanes[1].subtitle == "8 relu · drop 0.5"


# ---- inputs: raw and standardised -------------------------------------------------------


def test_hovering_an_input_gives_its_raw_value_and_what_the_network_reads(qtbot) -> None:
    project = replace(xor_project(), data=BuiltinData(builtin="xor", samples=200, standardize=True))
    document, canvas = open_canvas(qtbot, project)
    frame = _frame(document)
    canvas.show_frame(frame)
    canvas.set_example(5)
    raw, read = frame.probe_inputs[5, 1], frame.probe_A[0][5, 1]
    assert abs(raw - read) > 1e-3  # standardised: the two differ
    text = canvas.hover_text(QtCore.QPointF(*neuron_center(canvas, 0, 1)))
    assert text == (
        f"Input x2 (neuron 2): x2 = {raw:.3g} (standardised {read:.3g}) for the selected example"
    )


def test_unstandardised_inputs_give_one_value(qtbot) -> None:
    document, canvas = open_canvas(qtbot, xor_project())
    frame = _frame(document)
    canvas.show_frame(frame)
    text = canvas.hover_text(QtCore.QPointF(*neuron_center(canvas, 0, 0)))
    assert (
        text == f"Input x1 (neuron 1): x1 = {frame.probe_inputs[0, 0]:.3g} for the selected example"
    )


# ---- constant heatmaps --------------------------------------------------------------------


def test_constant_over_plane_finds_flat_neurons_only() -> None:
    y, x = np.meshgrid(np.linspace(-1, 1, 9), np.linspace(-1, 1, 9), indexing="ij")
    grid = np.stack(
        [
            np.zeros_like(x),  # zero initialisation
            np.full_like(x, 0.5),  # a sigmoid of zero
            x**2 + y**2,  # equal at the four corners, yet not constant
            x,
            np.full_like(x, 1000.0) + 1e-5 * x,  # flat to far below what is shown
        ],
        axis=-1,
    ).astype(np.float32)
    constant, values = constant_over_plane(grid)
    assert constant.tolist() == [True, True, False, False, True]
    assert values[:2].tolist() == [0.0, 0.5]
    nan = grid.copy()
    nan[3, 3, 0] = np.nan
    assert not constant_over_plane(nan)[0][0]


def _rendered(canvas: NetworkCanvas) -> QtGui.QImage:
    canvas.viewport().repaint()
    return canvas.grab().toImage()


def test_zero_initialised_neurons_read_as_constant_not_blank(qtbot) -> None:
    zeros = _with_layers(
        xor_project(),
        LayerSpec(units=4, activation="tanh", init="zeros"),
        LayerSpec(units=1, activation="sigmoid", init="zeros"),
    )
    document, canvas = open_canvas(qtbot, zeros)
    canvas.show_frame(_frame(document))
    # The value is drawn: the neuron is no longer one flat grey.
    x, y = neuron_center(canvas, 1, 0)
    half = canvas.layout_geometry.neuron_size * 0.3
    box = canvas.mapFromScene(QtCore.QRectF(x - half, y - half, 2 * half, 2 * half)).boundingRect()
    image = _rendered(canvas).copy(box)
    colors = {image.pixel(i, j) for i in range(image.width()) for j in range(image.height())}
    assert len(colors) > 3

    hidden, output = canvas.columns[1], canvas.columns[2]
    assert hidden.thumbnails is not None
    # Each flat heatmap carries its value: 0 for tanh(0), 0.5 for the sigmoid of 0.
    assert [flat and flat[0] for flat in hidden._flat] == ["0.00"] * 4
    assert output._flat[0][0] == "0.50"
    text = canvas.hover_text(QtCore.QPointF(*neuron_center(canvas, 2, 0)))
    assert "constant over the plane: 0.5" in text

    # Random weights vary over the plane: no neuron is marked.
    document.set_layer(0, LayerSpec(units=4, activation="tanh"))
    document.set_layer(1, LayerSpec(units=1, activation="sigmoid"))
    canvas.show_frame(_frame(document))
    assert canvas.columns[1]._flat is None and canvas.columns[2]._flat is None
    text = canvas.hover_text(QtCore.QPointF(*neuron_center(canvas, 2, 0)))
    assert "constant" not in text
