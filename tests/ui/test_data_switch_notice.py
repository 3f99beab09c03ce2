"""Switching to other data while the network holds trained weights: they are kept, and said so."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from nnstudio.spec import BuiltinData, CsvData
from nnstudio.ui.document import StudioDocument
from nnstudio.workflow import build_network
from tests.ui.test_canvas import SAMPLES, open_canvas, xor_project

pytestmark = pytest.mark.gui

KEPT = "Weights from XOR (600 epochs) kept: Reset weights to train afresh"


def _trained(document: StudioDocument, position: tuple[int, int] = (600, 600)) -> None:
    fresh = build_network(document.project).weights()
    document.set_weights(fresh)
    document.set_weights(tuple((W * 2, b + 1) for W, b in fresh), position=position)
    assert document.has_trained_weights


def _notices(document: StudioDocument) -> list[str]:
    told: list[str] = []
    document.notice.connect(told.append)
    return told


def test_other_data_keeping_trained_weights_says_so(qtbot) -> None:
    document, _canvas = open_canvas(qtbot, xor_project())
    _trained(document)
    weights = document.weights
    told = _notices(document)
    assert document.set_data(BuiltinData(builtin="circles", samples=200))
    # Kept, with the position they were trained to: Play would say they are trained enough.
    assert document.weights is weights
    assert document.training_position == (600, 600)
    assert told == [KEPT]
    # To regression data: the loss changes too, and both are said (this one last).
    told.clear()
    assert document.set_data(BuiltinData(builtin="plane", samples=200))
    assert told[-1] == "Weights from Circles (600 epochs) kept: Reset weights to train afresh"


def test_the_same_generators_settings_fresh_weights_or_a_new_shape_say_nothing(qtbot) -> None:
    document, _canvas = open_canvas(qtbot, xor_project())
    _trained(document, position=(0, 7))
    told = _notices(document)
    data = document.project.data
    assert isinstance(data, BuiltinData)
    assert document.set_data(replace(data, noise=0.2, samples=120, seed=3), "Change noise")
    assert told == []
    # Weights trained for a few steps only count them.
    assert document.set_data(BuiltinData(builtin="moons", samples=200))
    assert told == ["Weights from XOR (7 steps) kept: Reset weights to train afresh"]
    told.clear()
    # Four inputs: the weights cannot be kept (they go, after the usual question).
    document.confirm_discard_weights = lambda _question: True
    assert document.set_data(CsvData(csv=str(SAMPLES / "iris.csv"), target=("species",)))
    assert document.weights is None
    assert not any("kept" in text for text in told)
    # Fresh weights are nothing to keep.
    told.clear()
    document.set_weights(build_network(document.project).weights())
    assert not document.has_trained_weights
    assert document.set_data(BuiltinData(builtin="xor", samples=200))
    assert not any("kept" in text for text in told)


def test_the_canvas_shows_the_whole_notice(qtbot, window: Any) -> None:
    window.open_sample("xor")
    document = window.document
    _trained(document)
    panel = window.data_panel
    index = panel.source_combo.findData("circles")
    panel.source_combo.setCurrentIndex(index)
    panel.source_combo.activated.emit(index)
    qtbot.waitUntil(lambda: document.project.data.builtin == "circles")
    banner = window.canvas.notice_banner
    assert banner.isVisible()
    # One line at 1280 × 800, not elided: what to do is read in full.
    assert banner.text() == KEPT
