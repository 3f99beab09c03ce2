"""What the plots panel shows where a plot has little or nothing to show, and how it reads:
log-axis labels, empty plots, histogram outlines, decision boundaries, example images, notes
in a narrow control row, layer keys of deep networks, colour bars and class separators."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from nnstudio.data import Dataset
from nnstudio.spec import BuiltinData, LayerSpec, NetworkSpec, Project, TrainingSpec
from nnstudio.ui.frame import WEIGHT_PERCENTILES, Frame
from nnstudio.ui.plots.common import make_plot, note_label, palette_color
from nnstudio.ui.plots.output import boundary_segments
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, pg
from tests.ui import test_plots as plot_tests
from tests.ui.test_plots import pixel_frame, train_frames

pytestmark = pytest.mark.gui


def spiral_project(validation: float = 0.25) -> Project:
    return Project(
        name="Spiral",
        data=BuiltinData(
            builtin="spiral",
            samples=300,
            arms=3,
            noise=0.05,
            seed=2,
            validation_fraction=validation,
        ),
        network=NetworkSpec(
            inputs=2,
            layers=(LayerSpec(8, "tanh"), LayerSpec(6, "tanh"), LayerSpec(3, "softmax")),
        ),
        loss="categorical_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.02, batch_size=32, epochs=50),
    )


def xor_project() -> Project:
    """The XOR sample's data: no validation set."""
    return Project(
        name="XOR",
        data=BuiltinData(builtin="xor", samples=200, noise=0.03, seed=1, validation_fraction=0.0),
        network=NetworkSpec(inputs=2, layers=(LayerSpec(4, "tanh"), LayerSpec(1, "sigmoid"))),
        loss="binary_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.05, batch_size=32, epochs=30),
    )


#: The plot tests' panel, 1280 x 800.
panel = plot_tests.panel


@pytest.fixture(scope="module")
def spiral() -> tuple[Project, Dataset, list[Frame]]:
    project = spiral_project()
    dataset, frames = train_frames(project, epochs=2)
    return project, dataset, frames


def settle(qtbot) -> None:
    """Let the layout, the titles and the axes settle after a resize or a frame."""
    for _ in range(3):
        QtWidgets.QApplication.processEvents()
    qtbot.wait(30)


def drawn_labels(axis: pg.AxisItem) -> list[tuple[QtCore.QRectF, str]]:
    """The tick labels an axis draws: ``(rectangle, text)``, bottom to top or left to right."""
    image = QtGui.QImage(8, 8, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    labels = [] if specs is None else [(rect, text) for rect, _flags, text in specs[2] if text]
    vertical = axis.orientation in ("left", "right")
    labels.sort(key=lambda item: -item[0].center().y() if vertical else item[0].center().x())
    return labels


def view_pixels(tab, item: QtWidgets.QGraphicsItem) -> tuple[QtGui.QImage, QtCore.QRect]:
    """The tab's view grabbed as an image, and ``item``'s rectangle in it."""
    view = tab.graphics
    image = view.grab().toImage()
    scale = image.width() / max(view.width(), 1)
    rect = view.mapFromScene(item.sceneBoundingRect()).boundingRect()
    scaled = QtCore.QRect(
        int(rect.x() * scale),
        int(rect.y() * scale),
        int(rect.width() * scale),
        int(rect.height() * scale),
    )
    return image, scaled.intersected(image.rect())


# ---- 1. log axis and the empty Gradients plot --------------------------------------------------


@pytest.mark.parametrize("height", [260, 420, 560, 640, 800])
def test_log_axis_always_labels_its_powers_of_ten_and_never_crowds(qtbot, height) -> None:
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Gradient norm", "step", "gradient norm (log scale)")
    widget.addItem(plot)
    plot.setLogMode(y=True)
    widget.show()
    qtbot.waitExposed(widget)
    widget.resize(980, height)
    # The range of a run in the Gradients tab of a 1024×640 window: under two decades, so
    # pyqtgraph gives no level of whole decades and lists 0.01 … 0.09, 0.1 … in order.
    plot.setYRange(math.log10(0.0093), math.log10(0.65), padding=0)
    settle(qtbot)
    texts = [text for _rect, text in drawn_labels(plot.getAxis("left"))]
    assert "0.01" in texts and "0.1" in texts
    rects = [rect for rect, _text in drawn_labels(plot.getAxis("left"))]
    for lower, upper in itertools.pairwise(rects):
        assert lower.top() - upper.bottom() >= 0.0, texts  # no two labels touch
    # Where a decade has room for more, 2 and 5 times a power of ten come first.
    if set(texts) - {"0.01", "0.1"}:
        assert {"0.02", "0.05", "0.2"} <= set(texts)


@pytest.mark.parametrize(
    ("height", "shown"), [(600, "share of layer (%)"), (220, "% of layer"), (95, "%")]
)
def test_a_short_axis_takes_the_longest_wording_that_fits(qtbot, height, shown) -> None:
    widget = pg.GraphicsLayoutWidget()
    qtbot.addWidget(widget)
    plot = make_plot("Unit health", "layer", ("share of layer (%)", "% of layer", "%"))
    widget.addItem(plot)
    widget.show()
    qtbot.waitExposed(widget)
    widget.resize(400, height)
    settle(qtbot)
    # Cut off, "share of l…" no longer says what the axis measures.
    assert plot.getAxis("left").shown_label() == shown


def test_an_empty_gradients_plot_says_what_will_appear_instead_of_numbering_its_axes(
    qtbot, panel, spiral
) -> None:
    _project, dataset, frames = spiral
    tab = panel.gradients_tab
    panel.set_context(None, dataset)
    panel.tabs.setCurrentWidget(tab)
    assert np.asarray(frames[0].grad_steps).size == 0  # nothing trained yet
    panel.show_frame(frames[0])
    settle(qtbot)
    left, bottom = tab.plot.getAxis("left"), tab.plot.getAxis("bottom")
    # No made-up range numbered 2 to 9 (without 1 or 10): a note says what will come.
    assert drawn_labels(left) == [] and drawn_labels(bottom) == []
    assert tab.empty_note.item.isVisible() and "gradient norm" in tab.empty_note.text
    note = tab.empty_note.item.sceneBoundingRect()
    assert tab.plot.vb.sceneBoundingRect().contains(note)
    panel.show_frame(frames[-1])
    settle(qtbot)
    assert not tab.empty_note.item.isVisible()
    assert len(drawn_labels(left)) >= 2 and len(drawn_labels(bottom)) >= 2
    panel.clear()
    assert tab.empty_note.item.isVisible()


# ---- 2. weight histograms and 6. the spread before training ------------------------------------


def test_weight_histograms_close_down_to_zero_on_an_axis_from_zero(qtbot, panel, spiral) -> None:
    _project, dataset, frames = spiral
    tab = panel.weights_tab
    panel.set_context(None, dataset)
    panel.tabs.setCurrentWidget(tab)
    for frame in (frames[0], frames[-1]):
        panel.show_frame(frame)
        settle(qtbot)
        low, high = tab.histogram_plot.vb.viewRange()[1]
        # 0 at the foot of the axis (a sliver of room below it for the outlines' feet).
        assert -0.05 * high <= low <= 0.0
        for curve in tab.histogram_curves[: frame.n_layers]:
            path = curve.curve.getPath()
            first, last = path.elementAt(0), path.elementAt(path.elementCount() - 1)
            edges = frame.weight_histograms[tab.histogram_curves.index(curve)][1]
            assert (first.x, first.y) == (pytest.approx(edges[0]), 0.0)
            assert (last.x, last.y) == (pytest.approx(edges[-1]), 0.0)


def test_the_spread_plot_shows_the_starting_weights_at_epoch_0(qtbot, panel, spiral) -> None:
    _project, dataset, frames = spiral
    tab = panel.weights_tab
    panel.set_context(None, dataset)
    panel.tabs.setCurrentWidget(tab)

    def coloured_pixels() -> int:
        image, rect = view_pixels(tab, tab.spread_plot.vb)
        count = 0
        for y in range(rect.top(), rect.bottom(), 2):
            for x in range(rect.left(), rect.right(), 2):
                if image.pixelColor(x, y).hsvSaturation() > 40:
                    count += 1
        return count

    panel.show_frame(frames[0])
    settle(qtbot)
    # Not an empty box: the bars and the dot are drawn in the layer's colour.
    assert coloured_pixels() > 30
    quantiles = frames[0].weight_quantiles[0]
    x, y = tab.start_outer.getData()
    np.testing.assert_array_equal(x, [0.0, 0.0])
    five, ninety_five = (WEIGHT_PERCENTILES.index(p) for p in (5.0, 95.0))
    np.testing.assert_allclose(y, quantiles[[five, ninety_five]])
    assert tab.spread_median.opts["symbol"] == "o"
    panel.show_frame(frames[-1])
    settle(qtbot)
    assert tab.start_outer.getData()[0] is None or tab.start_outer.getData()[0].size == 0
    assert tab.spread_median.opts["symbol"] is None


# ---- 3. decision boundary --------------------------------------------------------------------


def wavy_scores(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Class 0 left of x = 0.23; classes 1 and 2 nearly tied right of it, taking turns in
    bands along y, so many cells along the line hold all three classes."""
    u = x - 0.23
    wave = 0.003 * np.sin(20.0 * y)
    return np.stack([-u, 0.5 * u + wave, 0.5 * u - wave], axis=-1)


def test_boundary_where_two_classes_take_turns_along_a_third_is_one_straight_line() -> None:
    axis = np.linspace(-1.0, 1.0, 21)
    x, y = np.meshgrid(axis, axis)
    points = boundary_segments(wavy_scores(x, y), (-1.0, 1.0, -1.0, 1.0))
    # Every drawn point lies where the two most probable classes are (nearly) tied: no
    # zig-zag out to the middle of the cells beside the line.
    scores = wavy_scores(points[:, 0], points[:, 1])
    top = np.sort(scores, axis=1)
    assert np.all(top[:, -1] - top[:, -2] < 1e-3)
    # The line between class 0 and the others stays within the true boundary's wiggle
    # (x from 0.228 to 0.23).
    zero = scores[:, 0] >= top[:, -2] - 1e-9
    assert zero.sum() > 40
    assert np.all((points[zero, 0] > 0.227) & (points[zero, 0] < 0.2301))
    # One line: every end inside the map continues into another segment.
    ends, uses = np.unique(np.round(points, 9), axis=0, return_counts=True)
    inside = np.all(np.abs(ends) < 1.0 - 1e-9, axis=1)
    assert np.all(uses[inside] >= 2)


def test_boundary_resolves_a_saddle_by_the_cell_centre() -> None:
    # One cell, class 1 at two opposite corners: the centre decides which pairs are joined.
    def cell(centre: float) -> np.ndarray:
        p1 = np.array([[0.9, 0.2], [0.2, 0.9]])
        p1 = p1 + (centre - p1.mean())
        return np.stack([1.0 - p1, p1], axis=-1)

    joined = boundary_segments(cell(0.6), (0.0, 1.0, 0.0, 1.0)).reshape(-1, 2, 2)
    apart = boundary_segments(cell(0.4), (0.0, 1.0, 0.0, 1.0)).reshape(-1, 2, 2)
    assert joined.shape == apart.shape == (2, 2, 2)

    def cut_corners(segments: np.ndarray) -> set[tuple[int, int]]:
        return {tuple(np.round(seg.mean(axis=0)).astype(int)) for seg in segments}

    # Class 1 wins the centre: its corners (bottom-left, top-right) stay joined and the
    # other two corners are cut off; else the reverse.
    assert cut_corners(joined) == {(1, 0), (0, 1)}
    assert cut_corners(apart) == {(0, 0), (1, 1)}


# ---- 4. no validation set ----------------------------------------------------------------------


def test_data_without_validation_offers_no_validation_points(qtbot, panel, spiral) -> None:
    project = xor_project()
    dataset, frames = train_frames(project, epochs=1)
    assert dataset.n_val == 0
    tab = panel.output_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(project, dataset)
    panel.show_frame(frames[-1])
    settle(qtbot)
    assert "validation" not in tab.map_plot.titleLabel.text
    assert "training" in tab.map_plot.titleLabel.text
    assert not tab.show_validation.isEnabled()
    assert "no validation" in tab.show_validation.toolTip()
    # Data with a validation set: the key and the check box are back.
    spiral_project_, spiral_data, spiral_frames = spiral
    panel.set_context(spiral_project_, spiral_data)
    panel.show_frame(spiral_frames[-1])
    settle(qtbot)
    assert "validation" in tab.map_plot.titleLabel.text
    assert tab.show_validation.isEnabled()


# ---- 5. example images -----------------------------------------------------------------------


def test_example_images_use_the_training_sets_grey_levels_like_the_data_panel(panel) -> None:
    dataset, frame = pixel_frame()
    tab = panel.output_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(None, dataset)
    panel.show_frame(frame)
    # Not the shown examples' own range: a faint picture stays faint, as in the Data panel.
    levels = tab.examples_image.levels
    assert tuple(levels) == (dataset.X_train.min(), dataset.X_train.max())
    shown = frame.eval_inputs
    assert (shown.min(), shown.max()) != tuple(levels)


def test_example_images_are_dark_ink_on_white_like_the_data_panel(qtbot, panel) -> None:
    dataset, frame = pixel_frame()
    tab = panel.output_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(None, dataset)
    panel.show_frame(frame)
    settle(qtbot)
    mosaic = tab.examples_image.image
    # The first tile's darkest and lightest pixels, as drawn.
    top = int(np.argmax(~np.isnan(mosaic[:, 0])))
    tile = mosaic[top : top + 4, :4]
    image, _rect = view_pixels(tab, tab.examples_plot)
    scale = image.width() / tab.graphics.width()

    def drawn(row: int, column: int) -> QtGui.QColor:
        scene = tab.examples_image.mapToScene(QtCore.QPointF(column + 0.5, top + row + 0.5))
        point = tab.graphics.mapFromScene(scene)
        return image.pixelColor(int(point.x() * scale), int(point.y() * scale))

    high = np.unravel_index(np.argmax(tile), tile.shape)
    low = np.unravel_index(np.argmin(tile), tile.shape)
    assert drawn(*high).lightness() < 60  # the most ink: black
    assert drawn(*low).lightness() > 200  # no ink: white paper
    # Each tile is framed, so white paper stands out from the white plot: the first tile's
    # outline runs along its edges.
    x, y = tab.example_frames.getData()
    assert x.size > 0 and x.size % 8 == 0
    np.testing.assert_allclose(
        np.column_stack([x[:8], y[:8]]),
        [
            [0, top],
            [4, top],
            [4, top],
            [4, top + 4],
            [4, top + 4],
            [0, top + 4],
            [0, top + 4],
            [0, top],
        ],
    )


# ---- 6. notes, keys, colour bars and separators in small docks --------------------------------

#: The plots panel docked under the canvas of a 1024 × 640 and of a 1366 × 768 window.
DOCK_1024 = (456, 237)
DOCK_1366 = (683, 288)


def shown_note(label: QtWidgets.QLabel) -> str:
    """The text a control-row note draws (a plain label draws all of its text)."""
    shown = getattr(label, "shown_text", None)
    return shown() if shown is not None else label.text()


def note_fits(label: QtWidgets.QLabel) -> bool:
    """Whether the text the note draws fits inside it."""
    width = label.fontMetrics().horizontalAdvance(shown_note(label))
    return width <= label.contentsRect().width()


def test_a_narrow_note_shows_the_longest_whole_wording_that_fits(qtbot) -> None:
    from nnstudio.ui.plots.common import NoteLabel

    row = QtWidgets.QWidget()
    layout = QtWidgets.QHBoxLayout(row)
    note = note_label("Layer 1 (relu): 64 × 32 weights")
    assert isinstance(note, NoteLabel)
    note.set_wordings("Layer 1 (relu): 64 × 32 weights", "Layer 1: 64 × 32", "Layer 1")
    layout.addWidget(note, 1)
    qtbot.addWidget(row)
    row.show()
    qtbot.waitExposed(row)
    metrics = note.fontMetrics()
    shown = []
    for text in ("Layer 1 (relu): 64 × 32 weights", "Layer 1: 64 × 32", "Layer 1"):
        row.resize(metrics.horizontalAdvance(text) + 30, 40)
        qtbot.waitUntil(
            lambda text=text: note.contentsRect().width() >= metrics.horizontalAdvance(text)
        )
        shown.append(note.shown_text())
        assert note_fits(note)
    assert shown == ["Layer 1 (relu): 64 × 32 weights", "Layer 1: 64 × 32", "Layer 1"]
    # Narrower than the shortest wording: that one cut short, and saying so.
    row.resize(metrics.horizontalAdvance("Layer") + 20, 40)
    qtbot.waitUntil(lambda: note.contentsRect().width() < metrics.horizontalAdvance("Layer 1"))
    assert note.shown_text().endswith("…") and note_fits(note)
    # The whole text stays the label's text and its tooltip.
    assert note.text() == note.toolTip() == "Layer 1 (relu): 64 × 32 weights"
    # Drawn in the note's grey, not in black.
    row.resize(400, 40)
    qtbot.waitUntil(lambda: note.shown_text() == "Layer 1 (relu): 64 × 32 weights")
    image = note.grab().toImage()
    darkest = min(
        image.pixelColor(x, y).lightness()
        for x in range(image.width())
        for y in range(image.height())
    )
    assert 60 <= darkest <= 110


class _Hover:
    """What pyqtgraph's scene hands ``hoverEvent``: a position in image pixels."""

    def __init__(self, x: float, y: float) -> None:
        self._pos = QtCore.QPointF(x, y)

    def isExit(self) -> bool:
        return False

    def pos(self) -> QtCore.QPointF:
        return self._pos


def test_the_weights_note_is_never_cut_off_in_a_docked_tab(qtbot, panel) -> None:
    dataset, frame = pixel_frame()
    tab = panel.weights_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(None, dataset)
    panel.show_frame(frame)
    full = "Layer 1 (tanh): 16 × 5 weights"
    for size in (DOCK_1024, DOCK_1366, (1280, 800)):
        panel.resize(*size)
        settle(qtbot)
        assert tab.as_images.isVisible()
        note = tab.layer_note
        # Whole words and numbers only: one of the note's wordings, fitting its room.
        assert shown_note(note) in (full, "Layer 1 (tanh): 16 × 5", "Layer 1: 16 × 5", "Layer 1")
        assert note_fits(note), (size, shown_note(note), note.width())
        assert note.text() == full
    assert shown_note(tab.layer_note) == full  # room for all of it in a wide tab
    # Hovering a tile names its unit and weight, shortened to the room the note has.
    panel.resize(*DOCK_1024)
    settle(qtbot)
    tab.heatmap.hoverEvent(_Hover(5.5, 2.5))
    W = frame.weights[0][0]
    assert shown_note(tab.layer_note).endswith(f"w = {W[4, 1]:.4g}")
    assert note_fits(tab.layer_note)


def deep_project() -> Project:
    """Seven layers on the spiral: more layers than a small plot's title has room to name."""
    activations = ("leaky_relu", "softplus", "leaky_relu", "swish", "elu", "leaky_relu")
    return Project(
        name="Deep",
        data=BuiltinData(builtin="spiral", samples=150, arms=3, noise=0.02, seed=1),
        network=NetworkSpec(
            inputs=2,
            layers=(*(LayerSpec(8, name) for name in activations), LayerSpec(3, "softmax")),
        ),
        loss="categorical_crossentropy",
        training=TrainingSpec(optimizer="adam", learning_rate=0.01, batch_size=32, epochs=5),
    )


@pytest.mark.parametrize("size", [DOCK_1024, DOCK_1366], ids=["1024x640", "1366x768"])
def test_every_layer_of_a_deep_network_is_keyed_without_hiding_data(qtbot, panel, size) -> None:
    project = deep_project()
    dataset, frames = train_frames(project, epochs=1)
    panel.resize(*size)
    panel.set_context(project, dataset)
    for frame in frames:
        panel.show_frame(frame)
    colors = ["#{:02x}{:02x}{:02x}".format(*palette_color(i)) for i in range(7)]
    for tab, plot in (
        (panel.weights_tab, panel.weights_tab.histogram_plot),
        (panel.gradients_tab, panel.gradients_tab.plot),
    ):
        panel.tabs.setCurrentWidget(tab)
        settle(qtbot)
        assert plot.isVisible()
        # No legend box over the curves: every layer's key is in the title instead.
        boxes = [i for i in tab.graphics.scene().items() if isinstance(i, pg.LegendItem)]
        assert not [box for box in boxes if box.isVisible()]
        label = plot.titleLabel
        for index, color in enumerate(colors):
            assert color in label.text, (tab.name, index + 1, label.text)
        # The title is shown whole, above the data.
        document = label.item.document()
        assert document.idealWidth() <= label.rect().width() + 1
        assert document.size().height() <= label.rect().height() + 1
        title = label.sceneBoundingRect()
        assert title.bottom() <= plot.vb.sceneBoundingRect().top() + 1
        assert (
            tab.graphics.viewport().rect().contains(tab.graphics.mapFromScene(title).boundingRect())
        )


def test_the_colour_bar_labels_both_ends_inside_the_view_beside_pictures(qtbot, panel) -> None:
    dataset, frame = pixel_frame()
    tab = panel.weights_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(None, dataset)
    panel.show_frame(frame)
    axis = tab.color_bar.axis
    for size in ((1280, 800), DOCK_1366, DOCK_1024):
        panel.resize(*size)
        for pictures in (True, False):
            tab.as_images.setChecked(pictures)
            settle(qtbot)
            assert tab.showing_images == pictures
            labels = drawn_labels(axis)
            assert len(labels) >= 2
            # The pictures have no axes; the bar's lowest label still has room below them.
            view = tab.graphics
            for rect, text in (labels[0], labels[-1]):
                on_screen = view.mapFromScene(axis.mapRectToScene(rect)).boundingRect()
                assert view.viewport().rect().contains(on_screen), (size, pictures, text)


def many_classes_frame(classes: int = 10) -> tuple[Dataset, Frame]:
    """A frame of a 2-8-``classes`` network whose probes hold every class."""
    from nnstudio.engine.network import Network
    from nnstudio.ui.frame import make_frame

    rng = np.random.default_rng(7)
    labels = np.arange(300) % classes
    X = rng.normal(size=(300, 2))
    dataset = Dataset(
        X_train=X[:240],
        Y_train=np.eye(classes)[labels[:240]],
        X_val=X[240:],
        Y_val=np.eye(classes)[labels[240:]],
        feature_names=("x1", "x2"),
        target_names=tuple(f"c{i}" for i in range(classes)),
        task="classification",
    )
    network = Network.from_spec(
        NetworkSpec(2, (LayerSpec(8, "tanh"), LayerSpec(classes, "softmax"))),
        "categorical_crossentropy",
    )
    return dataset, make_frame(network, dataset, probe_size=128)


def test_class_separators_are_equally_wide_wherever_they_fall(qtbot, panel) -> None:
    dataset, frame = many_classes_frame()
    tab = panel.activations_tab
    panel.tabs.setCurrentWidget(tab)
    panel.set_context(None, dataset)
    panel.show_frame(frame)
    separator = (40, 40, 40)
    widths: set[int] = set()
    for width in (1280, 1100, 930, 700):
        panel.resize(width, 520)
        settle(qtbot)
        lines = [line for line in tab.boundaries if line.isVisible()]
        assert len(lines) == 9
        image, _rect = view_pixels(tab, tab.heatmap_plot)
        scale = image.width() / tab.graphics.width()
        box = tab.heatmap_plot.vb.sceneBoundingRect()
        row = int(tab.graphics.mapFromScene(box.center()).y() * scale)
        for line in lines:
            scene = tab.heatmap_plot.vb.mapViewToScene(QtCore.QPointF(line.value(), 0.0))
            x = int(tab.graphics.mapFromScene(scene).x() * scale)
            drawn = [
                image.pixelColor(column, row).getRgb()[:3] == separator
                for column in range(x - 4, x + 5)
            ]
            widths.add(sum(drawn))
    # Every line as wide as every other, at each of the positions the widths gave them.
    assert widths == {2}
