"""take_screenshot renders real, non-blank images and rejects bad arguments clearly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnstudio.errors import NNStudioError
from nnstudio.ui.app import take_screenshot
from nnstudio.ui.qt import QtGui

pytestmark = pytest.mark.gui


def _pixels(path: Path) -> np.ndarray:
    image = QtGui.QImage(str(path)).convertToFormat(QtGui.QImage.Format.Format_RGB888)
    assert not image.isNull()
    width, height = image.width(), image.height()
    row_bytes = image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=row_bytes * height)
    # A copy: the array must not outlive the image whose buffer it reads (a segfault in CI).
    return data.reshape(height, row_bytes)[:, : width * 3].reshape(height, width, 3).copy()


def test_whole_window_at_the_requested_size(qapp, sample, tmp_path: Path) -> None:
    out = take_screenshot(sample("xor"), tmp_path / "window.png", size=(1024, 700))
    pixels = _pixels(out)
    assert pixels.shape[:2] == (700, 1024)
    assert pixels.std() > 20  # a real picture, not a flat fill
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 200


def test_canvas_and_plots_panels_after_training(qapp, sample, tmp_path: Path) -> None:
    canvas = take_screenshot(
        sample("xor"), tmp_path / "canvas.png", train_epochs=5, size=(1100, 750), panel="canvas"
    )
    loss = take_screenshot(
        sample("xor"), tmp_path / "loss.png", train_epochs=5, size=(1100, 750), panel="plots:Loss"
    )
    assert _pixels(canvas).shape[1] < 1100  # only the canvas, not the whole window
    for path in (canvas, loss):
        pixels = _pixels(path)
        assert pixels.shape[0] <= 750 and pixels.shape[1] <= 1100
        assert pixels.std() > 10
        # Coloured content (blue/orange weights, plotted curves), not only greys.
        spread = pixels.max(axis=2).astype(int) - pixels.min(axis=2).astype(int)
        assert (spread > 60).mean() > 0.001


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"panel": "sidebar"}, "unknown panel 'sidebar'"),
        ({"panel": "plots:Nope"}, "unknown plots tab 'Nope'"),
        ({"panel": "data:x"}, "has no tabs"),
        ({"size": (10, 10)}, "size must be between"),
        ({"train_epochs": -1}, "train_epochs"),
        ({"select": "neuron:1"}, "cannot select 'neuron:1'"),
        ({"select": "neuron:9:0"}, "layer 9 is out of range: the network has layers 0–2"),
        ({"select": "neuron:1:4"}, r"neuron 4 is out of range: layer 1 has 4 neurons \(0–3\)"),
        ({"select": "edge:1:0:2"}, r"source neuron 2 is out of range: layer 0 has 2 neurons"),
        ({"select": "edge:2:1:0"}, "target neuron 1 is out of range: layer 2 has 1 neuron "),
        ({"select": "edge:0:0:0"}, "a connection ends in layer 1 or later"),
    ],
)
def test_bad_arguments_raise_clear_errors(
    qapp, sample, tmp_path: Path, kwargs: dict, message: str
) -> None:
    with pytest.raises(NNStudioError, match=message):
        take_screenshot(sample("xor"), tmp_path / "x.png", **kwargs)


def test_parse_selection() -> None:
    from nnstudio.ui.app import parse_selection
    from nnstudio.ui.selection import Selection

    assert parse_selection(None) is None
    assert parse_selection("layer:2") == Selection("layer", 2)
    assert parse_selection("neuron:1:3") == Selection("neuron", 1, 3)
    assert parse_selection("edge:2:0:5") == Selection("edge", 2, 0, 5)
    with pytest.raises(NNStudioError, match="layer:K"):
        parse_selection("edge:1:x:2")


def test_selection_reaches_the_properties_dock(qapp, sample, tmp_path: Path) -> None:
    out = take_screenshot(
        sample("xor"), tmp_path / "props.png", panel="properties", select="layer:1"
    )
    assert _pixels(out).std() > 10


def test_missing_project_and_wrong_suffix(qapp, sample, tmp_path: Path) -> None:
    with pytest.raises(NNStudioError, match="no such project"):
        take_screenshot(tmp_path / "nope.nnproj", tmp_path / "x.png")
    with pytest.raises(NNStudioError, match=r"\.png"):
        take_screenshot(sample("xor"), tmp_path / "x.jpg")


def test_a_trained_screenshot_shows_no_start_hint(window, sample) -> None:
    from nnstudio.ui.app import train_for_screenshot
    from nnstudio.ui.main_window import START_HINT

    window.open_path(sample("xor"), ask=False)
    window.statusBar().showMessage(START_HINT, 10000)
    train_for_screenshot(window, 0)
    assert window.statusBar().currentMessage() == START_HINT  # untrained: still to do
    train_for_screenshot(window, 2)
    assert window.statusBar().currentMessage() == ""
    assert window.status.state_label.text() == "Paused"


def test_a_trained_screenshot_plots_the_weights_along_the_run(window, sample) -> None:
    import itertools

    from nnstudio.ui.app import _SCREENSHOT_HISTORY, train_for_screenshot

    window.open_path(sample("xor"), ask=False)
    train_for_screenshot(window, 150)
    weights = window.plots.weights_tab
    times = list(weights._times)
    # Epoch 0, points spread over the run, and the last epoch: not a straight line from 0.
    assert times[0] == 0 and times[-1] == 150
    assert _SCREENSHOT_HISTORY - 5 <= len(times) <= _SCREENSHOT_HISTORY + 1
    assert max(b - a for a, b in itertools.pairwise(times)) <= 4


def test_a_bad_selection_is_refused_before_training(
    qapp, sample, tmp_path: Path, monkeypatch
) -> None:
    import nnstudio.ui.app as app_module

    trained: list[int] = []
    monkeypatch.setattr(app_module, "train_for_screenshot", lambda _w, e: trained.append(e))
    with pytest.raises(NNStudioError, match="neuron 7 is out of range"):
        take_screenshot(sample("xor"), tmp_path / "x.png", train_epochs=500, select="neuron:1:7")
    assert trained == []


def test_a_screenshot_of_weights_saved_part_way_trains_on_from_their_epoch(
    window, sample, tmp_path: Path
) -> None:
    from nnstudio.ui.app import train_for_screenshot

    window.open_path(sample("xor"), ask=False)
    train_for_screenshot(window, 3)
    assert window.document.training_position[0] == 3
    saved = window.document.save(tmp_path / "part.nnproj")
    window.open_path(saved, ask=False)
    assert window.document.training_position[0] == 3
    train_for_screenshot(window, 2)
    assert window.document.training_position[0] == 5
    assert window.status.epoch_label.text().startswith("Epoch 5 / ")
