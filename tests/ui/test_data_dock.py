"""The Data dock: generator controls, undo, CSV import and the data preview."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from nnstudio.spec import BuiltinData, CsvData
from nnstudio.ui.colors import NEGATIVE_COLOR, POSITIVE_COLOR
from nnstudio.ui.csv_import import CsvImportDialog
from nnstudio.ui.docks import data_dock
from nnstudio.ui.docks.data_dock import DataPanel
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.plots.common import class_colors
from nnstudio.ui.qt import Qt, QtCore, QtGui, QtWidgets

pytestmark = pytest.mark.gui

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def choose(panel: DataPanel, key: str) -> None:
    panel.source_combo.setCurrentIndex(panel.source_combo.findData(key))


def iris_like_csv(folder: Path) -> Path:
    rng = np.random.default_rng(0)
    names = ("setosa", "versicolor", "virginica")
    lines = ["sepal_length,sepal_width,petal_length,petal_width,species"]
    for k, name in enumerate(names):
        values = rng.normal(loc=k + 3.0, scale=0.3, size=(40, 4))
        lines += [",".join(f"{v:.2f}" for v in row) + f",{name}" for row in values]
    path = folder / "flowers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def accept_dialog_with(monkeypatch, panel: DataPanel, path: Path) -> list[CsvImportDialog]:
    """Make "Open CSV…" pick ``path`` and press Import in the column picker."""
    seen: list[CsvImportDialog] = []
    monkeypatch.setattr(panel, "ask_csv_path", lambda: str(path))

    def run(dialog):
        seen.append(dialog)
        return dialog.validate()

    monkeypatch.setattr(panel, "exec_dialog", run)
    return seen


# ---- built-in generators -----------------------------------------------------------------------


def test_switching_generator_sets_data_and_resizes_network(panel, document):
    assert document.project.data.builtin == "circles"
    choose(panel, "sine")
    assert document.project.data == replace(BuiltinData(builtin="circles"), builtin="sine")
    assert document.project.network.inputs == 1
    assert document.project.network.output.units == 1
    assert document.undo_stack.undoText() == "Data: Sine wave (regression)"

    choose(panel, "spiral")
    panel.arms_spin.setValue(4)
    panel.arms_spin.editingFinished.emit()
    assert document.project.data.arms == 4
    assert document.project.network.inputs == 2
    # Four classes need four (softmax) outputs.
    assert document.project.network.output.units == 4
    assert document.dataset.n_outputs == 4


def test_undo_restores_the_controls_without_editing(panel, document):
    panel.samples_spin.setValue(250)
    panel.apply_edits()
    choose(panel, "spiral")
    assert panel.arms_spin.isVisibleTo(panel)
    depth = document.undo_stack.count()

    document.undo_stack.undo()
    assert panel.source_combo.currentData() == "circles"
    assert not panel.arms_spin.isVisibleTo(panel)
    assert panel.samples_spin.value() == 250
    document.undo_stack.undo()
    assert panel.samples_spin.value() == 400
    # Syncing the controls pushed nothing and left no pending edit behind.
    assert document.undo_stack.count() == depth
    assert document.undo_stack.index() == depth - 2
    assert not panel.apply_edits()
    document.undo_stack.redo()
    document.undo_stack.redo()
    assert panel.source_combo.currentData() == "spiral"


def test_regenerate_draws_with_the_next_seed(panel, document):
    seed = document.project.data.seed
    first = document.dataset.X_train.copy()
    panel.regenerate_button.click()
    assert document.project.data.seed == seed + 1
    assert panel.seed_spin.value() == seed + 1
    assert not np.array_equal(document.dataset.X_train, first)
    assert document.undo_stack.undoText() == "Regenerate data"


def test_regenerate_applies_pending_edits_first(panel, document):
    seed = document.project.data.seed
    panel.noise_spin.setValue(0.3)  # an arrow click: applied after a pause, not yet
    assert document.project.data.noise == pytest.approx(0.1)
    panel.regenerate_button.click()
    assert document.project.data.noise == pytest.approx(0.3)
    assert document.project.data.seed == seed


def test_spin_box_changes_are_debounced(panel, document, qtbot):
    count = document.undo_stack.count()
    for samples in (450, 500, 550, 600):
        panel.samples_spin.setValue(samples)
    assert document.project.data.samples == 400
    qtbot.waitUntil(lambda: document.project.data.samples == 600, timeout=15000)
    assert document.undo_stack.count() == count + 1
    assert document.undo_stack.undoText() == "Change sample count"


def test_switching_generator_keeps_pending_edits(panel, document):
    panel.samples_spin.setValue(640)  # not applied yet
    choose(panel, "moons")
    assert document.project.data.builtin == "moons"
    assert document.project.data.samples == 640
    assert document.undo_stack.count() == 1


def test_values_finer_than_the_boxes_survive_other_edits(panel, document):
    fine = replace(document.project.data, noise=0.025, validation_fraction=1 / 3)
    assert panel.set_data(fine, "Fine data")
    assert panel.noise_spin.value() == pytest.approx(0.03)
    panel.samples_spin.setValue(300)
    panel.apply_edits()
    assert document.project.data == replace(fine, samples=300)


def test_values_beyond_the_boxes_survive_other_edits(panel, document):
    # Files may ask for more samples or a larger seed than the boxes reach.
    big = replace(document.project.data, samples=250_000, seed=2**40)
    assert panel.set_data(big, "Big data")
    assert panel.samples_spin.value() == panel.samples_spin.maximum()
    panel.noise_spin.setValue(0.3)
    panel.apply_edits()
    assert document.project.data == replace(big, noise=0.3)
    # A value typed in the box itself still counts.
    panel.samples_spin.setValue(500)
    panel.apply_edits()
    assert document.project.data.samples == 500


def test_arms_only_shown_for_spiral(panel):
    for key in ("xor", "circles", "gaussians", "moons", "plane", "sine", "housing"):
        choose(panel, key)
        assert not panel.arms_spin.isVisibleTo(panel), key
    choose(panel, "spiral")
    assert panel.arms_spin.isVisibleTo(panel)
    assert panel.arms_label.isVisibleTo(panel)


def test_standardise_checkbox_is_one_undo_step(panel, document):
    panel.standardize_check.click()
    assert document.project.data.standardize
    assert document.dataset.standardization is not None
    document.undo_stack.undo()
    assert not panel.standardize_check.isChecked()


# ---- preview -----------------------------------------------------------------------------------


def test_scatter_preview_for_2d_classification(panel, document):
    assert panel.preview_kind() == "scatter"
    dataset = document.dataset
    assert len(panel.scatter.train_item.data) == dataset.n_train == 320
    assert len(panel.scatter.val_item.data) == dataset.n_val == 80
    # Two classes use the ends of the diverging scale, like the output heatmap.
    colors = class_colors(2)
    assert tuple(colors[0]) == NEGATIVE_COLOR.getRgb()[:3]
    assert tuple(colors[1]) == POSITIVE_COLOR.getRgb()[:3]
    brushes = panel.scatter.train_item.data["brush"]
    first = np.flatnonzero(dataset.labels_train == 0)[0]
    second = np.flatnonzero(dataset.labels_train == 1)[0]
    assert brushes[first].color().rgb() == NEGATIVE_COLOR.rgb()
    assert brushes[second].color().rgb() == POSITIVE_COLOR.rgb()
    assert "inner" in panel.scatter.legend.text() and "validation" in panel.scatter.legend.text()


def test_many_classes_use_the_output_plot_colours(panel, document):
    choose(panel, "spiral")
    panel.arms_spin.setValue(3)
    panel.apply_edits()
    labels = document.dataset.labels_train
    brushes = panel.scatter.train_item.data["brush"]
    for k, rgb in enumerate(class_colors(3)):
        first = np.flatnonzero(labels == k)[0]
        assert brushes[first].color().getRgb()[:3] == tuple(int(c) for c in rgb)


def test_the_legend_names_a_dozen_classes_at_most(panel, document):
    choose(panel, "spiral")
    panel.arms_spin.setValue(20)
    panel.apply_edits()
    legend = panel.scatter.legend.text()
    assert legend.count("●") == 12
    assert "… and 8 more classes" in legend and "○ validation" in legend
    panel.arms_spin.setValue(3)
    panel.apply_edits()
    assert panel.scatter.legend.text().count("●") == 3
    assert "more classes" not in panel.scatter.legend.text()


def test_a_split_that_leaves_classes_out_of_training_is_pointed_out(panel, document):
    choose(panel, "spiral")
    panel.apply_edits()
    assert panel.caution_label.isHidden()
    few = replace(document.project.data, samples=20, arms=20, validation_fraction=0.5)
    assert panel.set_data(few, "Few")
    assert not panel.caution_label.isHidden()
    text = panel.caution_label.text()
    assert "classes have no training example" in text and "smaller validation share" in text
    assert panel.set_data(replace(few, samples=4, arms=2, validation_fraction=0.0), "Four")
    assert panel.caution_label.text().startswith("⚠ Only 4 training examples")
    assert panel.set_data(replace(few, samples=400, arms=2), "Enough")
    assert panel.caution_label.isHidden()


def test_aspect_is_locked_only_for_comparable_feature_ranges(panel, document, tmp_path):
    view_box = panel.scatter.plot_item.getViewBox()
    assert view_box.state["aspectLocked"]
    rows = "\n".join(f"{i * 100},{(i % 5) / 10},{i % 2}" for i in range(40))
    (tmp_path / "scales.csv").write_text("income,ratio,label\n" + rows + "\n")
    assert panel.set_data(CsvData(csv="scales.csv", target=("label",)), "Data: scales")
    assert panel.preview_kind() == "scatter"
    assert not view_box.state["aspectLocked"]


def test_scatter_items_are_reused_and_counts_follow(panel, document):
    train_item = panel.scatter.train_item
    panel.samples_spin.setValue(100)
    panel.apply_edits()
    assert panel.scatter.train_item is train_item
    assert len(train_item.data) == document.dataset.n_train == 80


def test_large_data_shows_a_proportional_subset(panel, document):
    panel.samples_spin.setValue(20_000)
    panel.apply_edits()
    train, val = len(panel.scatter.train_item.data), len(panel.scatter.val_item.data)
    assert train + val == 5000
    assert (train, val) == (4000, 1000)
    assert "showing 5000 of 20000 points" in panel.scatter.legend.text()


def test_scatter_preview_for_1d_regression(panel, document):
    choose(panel, "housing")
    assert panel.preview_kind() == "scatter"
    data = panel.scatter.train_item.data
    dataset = document.dataset
    np.testing.assert_allclose(data["x"], dataset.X_train[:, 0])
    np.testing.assert_allclose(data["y"], dataset.Y_train[:, 0])
    assert panel.scatter.plot_item.getAxis("left").labelText == dataset.target_names[0]


def test_names_that_look_like_markup_are_shown_as_written(panel, document, monkeypatch, tmp_path):
    rng = np.random.default_rng(1)
    lines = ["<b>a</b>,b & c,kind"]
    lines += [f"{x:.3f},{y:.3f},{'&q' if x > 0 else '<p>'}" for x, y in rng.normal(size=(40, 2))]
    path = tmp_path / "markup.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    accept_dialog_with(monkeypatch, panel, path)
    choose(panel, "csv")
    assert document.project.data.target == ("kind",)

    def shown(label) -> str:
        text = QtGui.QTextDocument()
        text.setHtml(label.text())
        return text.toPlainText()

    assert panel.summary.textFormat() == Qt.TextFormat.RichText
    assert "&q" in shown(panel.summary) and "<p>" in shown(panel.summary)
    assert "<b>a</b>" in shown(panel.csv_inputs_label)
    # pyqtgraph's axis labels are HTML too: the names arrive escaped.
    assert panel.scatter.plot_item.getAxis("bottom").labelText == "&lt;b&gt;a&lt;/b&gt;"
    assert panel.scatter.plot_item.getAxis("left").labelText == "b &amp; c"


def test_table_preview_and_summary_for_csv(panel, document, monkeypatch, tmp_path):
    path = iris_like_csv(tmp_path)
    dialogs = accept_dialog_with(monkeypatch, panel, path)
    choose(panel, "csv")

    assert len(dialogs) == 1
    assert document.project.data == CsvData(csv="flowers.csv", target=("species",))
    assert panel.source_combo.currentData() == "csv"
    assert panel.csv_page.isVisibleTo(panel) and not panel.builtin_page.isVisibleTo(panel)
    assert panel.csv_file_label.full_text() == "flowers.csv"
    assert document.project.network.inputs == 4
    assert document.project.network.output.units == 3

    assert panel.preview_kind() == "table"
    model = panel.table.model
    assert model.rowCount() == 50
    headers = [model.headerData(c, _horizontal()) for c in range(model.columnCount())]
    assert headers == [
        "set",
        "species",
        "sepal_length",
        "sepal_width",
        "petal_length",
        "petal_width",
    ]
    assert model.data(model.index(0, 1)) in ("setosa", "versicolor", "virginica")
    assert panel.summary.text() == (
        "120 rows (96 train / 24 validation) · 4 features · 3 classes: setosa, versicolor, "
        "virginica"
    )
    document.undo_stack.undo()
    assert panel.source_combo.currentData() == "circles"
    assert panel.preview_kind() == "scatter"


def test_dropping_a_csv_file_opens_the_column_picker(panel, document, monkeypatch, tmp_path):
    path = iris_like_csv(tmp_path)
    dialogs = accept_dialog_with(monkeypatch, panel, path)
    mime = QtCore.QMimeData()
    mime.setUrls([QtCore.QUrl.fromLocalFile(str(path))])
    drop = QtGui.QDropEvent(
        QtCore.QPointF(10, 10),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    # Qt delivers drops only during a real drag, so the handlers are called directly.
    panel.dropEvent(drop)
    assert len(dialogs) == 1
    assert document.project.data.csv == "flowers.csv"

    other = QtCore.QMimeData()
    other.setUrls([QtCore.QUrl.fromLocalFile(str(tmp_path / "picture.png"))])
    enter = QtGui.QDragEnterEvent(
        QtCore.QPoint(10, 10),
        Qt.DropAction.CopyAction,
        other,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    panel.dragEnterEvent(enter)
    assert not enter.isAccepted()
    assert panel.acceptDrops()


def test_cancelled_csv_choice_keeps_the_current_data(panel, document, monkeypatch):
    monkeypatch.setattr(panel, "ask_csv_path", lambda: "")
    choose(panel, "csv")
    assert isinstance(document.project.data, BuiltinData)
    assert panel.source_combo.currentData() == "circles"
    assert panel.builtin_page.isVisibleTo(panel)


def test_change_columns_reopens_the_picker_with_the_current_choice(
    panel, document, monkeypatch, tmp_path
):
    path = iris_like_csv(tmp_path)
    accept_dialog_with(monkeypatch, panel, path)
    choose(panel, "csv")

    def drop_a_feature(dialog):
        assert dialog.target_columns() == ("species",)
        dialog.set_column_role("petal_width", is_input=False)
        return dialog.validate()

    monkeypatch.setattr(panel, "exec_dialog", drop_a_feature)
    panel.change_columns_button.click()
    assert document.project.data.features == ("sepal_length", "sepal_width", "petal_length")
    assert document.project.network.inputs == 3
    assert document.undo_stack.undoText() == "Change columns"


@pytest.mark.skipif(
    not (SAMPLES / "digits.csv.gz").exists(), reason="samples/digits.csv.gz is not in the repo"
)
def test_image_preview_for_digits(panel, document):
    spec = CsvData(csv=str(SAMPLES / "digits.csv.gz"), target=("digit",))
    assert panel.set_data(spec, "Digits")
    assert panel.preview_kind() == "images"
    assert panel.images.image_count == 32
    assert panel.images.visible_count() >= 16
    # One example of each class first, in class order.
    assert panel.images.captions[:10] == [str(d) for d in range(10)]
    # Then the other examples in their order.
    labels = list(document.dataset.labels_train)
    firsts = {labels.index(digit) for digit in range(10)}
    rest = [row for row in range(len(labels)) if row not in firsts][:22]
    assert panel.images.captions[10:] == [str(labels[row]) for row in rest]
    assert "64 features · 10 classes" in panel.summary.text()


def test_error_text_when_the_data_cannot_load(panel, document):
    broken = replace(document.project, data=CsvData(csv="missing.csv", target=("y",)))
    document.open_project(broken)
    assert document.dataset is None
    assert panel.preview_kind() == "error"
    assert "missing.csv" in panel.error_label.text()
    assert "not found" in panel.error_label.text()
    assert panel.error_label.isVisibleTo(panel)
    assert not panel.change_columns_button.isEnabled()


def test_refused_edit_shows_the_reason_and_changes_nothing(panel, document):
    before = document.project
    assert not panel.set_data(CsvData(csv="nowhere.csv", target=("y",)), "Data: nowhere")
    assert document.project == before
    assert panel.problem_label.isVisibleTo(panel)
    assert "nowhere.csv" in panel.problem_label.text()
    choose(panel, "moons")
    assert not panel.problem_label.isVisibleTo(panel)
    panel.set_data(CsvData(csv="nowhere.csv", target=("y",)), "Data: nowhere")
    assert panel.problem_label.isVisibleTo(panel)
    document.undo_stack.undo()
    assert not panel.problem_label.isVisibleTo(panel)


def _horizontal():
    return Qt.Orientation.Horizontal


def test_declining_to_discard_trained_weights_restores_the_controls(panel, document):
    # Weights shaped for the current 2-4-4-1 network.
    rng = np.random.default_rng(0)
    weights = tuple(
        (rng.normal(size=w_shape), np.zeros(b_shape))
        for w_shape, b_shape in document.project.network.weight_shapes()
    )
    # The first weights follow from the seed; the next ones (a training step) hold work.
    document.set_weights(tuple((W * 0.5, b) for W, b in weights))
    document.set_weights(weights)
    questions: list[str] = []
    document.confirm_discard_weights = lambda question: questions.append(question) or False

    choose(panel, "sine")  # one input instead of two: the weights would not fit
    assert questions
    assert document.project.data.builtin == "circles"
    assert document.weights is weights
    assert panel.source_combo.currentData() == "circles"
    assert not panel.problem_label.isVisibleTo(panel)


def test_panel_is_never_narrower_than_its_controls(panel):
    # The controls sit in a scroll area that scrolls only vertically: the panel asks for
    # their full width, so a narrow dock cannot clip them.
    scroll = panel.findChild(QtWidgets.QScrollArea)
    content = scroll.widget()
    assert panel.minimumSizeHint().width() >= content.minimumSizeHint().width()
    assert scroll.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    # Short docks still scroll: the minimum height stays small.
    assert panel.minimumSizeHint().height() < content.minimumSizeHint().height()


def test_a_wide_table_measures_only_its_first_columns(qtbot) -> None:
    from nnstudio.data import Dataset
    from nnstudio.ui.csv_import import MEASURED_COLUMNS
    from nnstudio.ui.docks.data_dock import TablePreview

    rng = np.random.default_rng(0)
    features = 784
    X = rng.normal(size=(60, features)) * 1000  # long numbers: wider than the headers
    Y = rng.normal(size=(60, 1))
    dataset = Dataset(
        X[:50],
        Y[:50],
        X[50:],
        Y[50:],
        tuple(f"p{i}" for i in range(features)),
        ("y",),
        "regression",
    )
    preview = TablePreview()
    qtbot.addWidget(preview)
    preview.show_dataset(dataset)
    header = preview.view.horizontalHeader()
    assert header.count() == features + 2  # set, target, features
    measured = [header.sectionSize(column) for column in range(MEASURED_COLUMNS)]
    # Columns past the measured ones get the widest measured width, so every number fits.
    assert {header.sectionSize(column) for column in range(MEASURED_COLUMNS, header.count())} == {
        max(measured)
    }
    assert max(measured) > header.minimumSectionSize()


# ---- live predictions behind the preview ------------------------------------------------------


def frame_for(document: StudioDocument, epochs: int = 0):
    """A frame of the document's network (trained ``epochs`` epochs) on its data."""
    from nnstudio.ui.frame import FrameBuilder
    from nnstudio.workflow import build_network, make_trainer

    network = build_network(document.project)
    trainer = make_trainer(document.project, network, document.dataset)
    for _ in range(epochs):
        trainer.run_epoch()
    builder = FrameBuilder(document.dataset, probe_size=20, grid_size=24)
    return builder.build(network, trainer.snapshot())


def test_predictions_fill_the_scatter_behind_the_points(panel, document):
    from nnstudio.ui.plots.output import class_probabilities, region_colors

    scatter = panel.scatter
    assert not scatter.regions.isVisible() and not scatter.boundary.isVisible()
    frame = frame_for(document, epochs=3)
    panel.show_frame(frame)
    assert scatter.regions.isVisible() and scatter.boundary.isVisible()
    expected = region_colors(class_probabilities(frame.grid.grid_A[-1]), class_colors(2))
    np.testing.assert_array_equal(scatter.regions.image, expected)
    x, y = scatter.boundary.getData()
    x0, x1, y0, y1 = frame.grid.extent
    assert x.size > 0 and x0 <= x.min() and x.max() <= x1 and y0 <= y.min() and y.max() <= y1
    # Behind the points, and the view still fits the points rather than the predictions.
    assert scatter.regions.zValue() <= scatter.train_item.zValue()
    items = scatter.plot_item.items
    assert items.index(scatter.regions) < items.index(scatter.train_item)

    assert not scatter.grid.isVisible()  # no grid lines around the plane only
    scatter.show_predictions.setChecked(False)
    assert not scatter.regions.isVisible() and not scatter.boundary.isVisible()
    assert scatter.grid.isVisible()
    scatter.show_predictions.setChecked(True)
    assert scatter.regions.isVisible() and scatter.boundary.isVisible()

    # New data: the old predictions go, and a frame made for other data is not shown.
    choose(panel, "housing")
    assert not scatter.regions.isVisible() and not scatter.fit_curve.isVisible()
    panel.show_frame(frame)
    assert not scatter.regions.isVisible() and not scatter.fit_curve.isVisible()


def test_predictions_of_regressions_are_a_curve_or_a_coloured_plane(panel, document):
    scatter = panel.scatter
    choose(panel, "housing")
    frame = frame_for(document, epochs=2)
    panel.show_frame(frame)
    x, y = scatter.fit_curve.getData()
    np.testing.assert_allclose(x, frame.line.line_x)
    np.testing.assert_allclose(y, frame.line.line_A[-1][:, 0], rtol=1e-6)
    assert scatter.fit_curve.isVisible() and not scatter.regions.isVisible()

    choose(panel, "plane")
    frame = frame_for(document, epochs=2)
    panel.show_frame(frame)
    assert scatter.regions.isVisible() and not scatter.boundary.isVisible()
    image = scatter.regions.image
    assert image.shape == (frame.grid.size, frame.grid.size, 3)
    # y = 2·x1 - x2: the predicted value rises with x1, and so does its colour's red.
    row = image[frame.grid.size // 2].astype(int)
    assert row[-1, 0] - row[-1, 2] > row[0, 0] - row[0, 2]


def test_a_hidden_data_dock_shows_the_latest_frame_when_it_appears(panel, document):
    panel.hide()
    frame = frame_for(document)
    panel.show_frame(frame)
    assert not panel.scatter.regions.isVisible()
    panel.show()
    assert panel.scatter.regions.isVisible()


def test_a_selected_neuron_fills_the_plane_with_its_output(panel, document):
    from nnstudio.ui.plots.output import class_probabilities, region_colors

    scatter = panel.scatter
    frame = frame_for(document, epochs=2)
    panel.show_frame(frame)
    panel.set_selected_neuron(1, 2, "Hidden 1 · neuron 2 (tanh)")
    # The canvas's colours of that neuron (rows flipped to the grid's order), faded.
    argb = frame.grid.heatmaps[1][2][::-1]
    red = ((argb >> 16) & 0xFF).astype(float)
    expected_red = np.round(255.0 - (255.0 - red) * (1.0 - data_dock.PREDICTION_WASH))
    np.testing.assert_array_equal(scatter.regions.image[..., 0], expected_red)
    assert not scatter.boundary.isVisible()
    assert scatter.focus_note.isVisible() and "Hidden 1 · neuron 2" in scatter.focus_note.text()
    # The next frame keeps showing the neuron; no selection brings the prediction back.
    later = frame_for(document, epochs=3)
    panel.show_frame(later)
    assert scatter.focus_note.isVisible() and not scatter.boundary.isVisible()
    panel.set_selected_neuron(None)
    expected = region_colors(class_probabilities(later.grid.grid_A[-1]), class_colors(2))
    np.testing.assert_array_equal(scatter.regions.image, expected)
    assert scatter.boundary.isVisible() and not scatter.focus_note.isVisible()
    # A neuron the frame's network does not have shows the prediction.
    panel.set_selected_neuron(1, 99, "Hidden 1 · neuron 99")
    np.testing.assert_array_equal(scatter.regions.image, expected)
    assert not scatter.focus_note.isVisible()


def test_regression_csv_offers_standardised_targets(panel, document, tmp_path):
    rows = "\n".join(f"{500 + 50 * i},{150 * (500 + 50 * i) + 20_000}" for i in range(40))
    (tmp_path / "prices.csv").write_text("sqft,price\n" + rows + "\n", encoding="utf-8")
    data = CsvData(csv="prices.csv", target=("price",), task="regression")
    assert panel.set_data(data, "Data: prices")
    box = panel.csv_standardize_targets_check
    assert box.isVisibleTo(panel) and not box.isChecked()
    assert document.project.target_standardization is None
    box.setChecked(True)
    assert document.project.data.standardize_targets
    scaling = document.project.target_standardization
    assert scaling is not None
    assert scaling.mean[0] == pytest.approx(document.dataset.Y_train.mean())
    # Undo brings the raw targets back.
    document.undo_stack.undo()
    assert not document.project.data.standardize_targets
    assert not box.isChecked()
    assert document.project.target_standardization is None
    # Classes have nothing to standardise.
    path = iris_like_csv(tmp_path)
    assert panel.set_data(CsvData(csv=path.name, target=("species",)), "Data: flowers")
    assert not box.isVisibleTo(panel)


def test_another_target_column_gets_its_own_statistics(panel, document, tmp_path):
    # The price's mean and spread would turn a tax in the thousands into values near -2.5
    # with almost no spread, and the network would learn nothing.
    rows = "\n".join(
        f"{500 + 50 * i},{150 * (500 + 50 * i) + 20_000},{1.8 * (500 + 50 * i) + 40}"
        for i in range(40)
    )
    (tmp_path / "prices.csv").write_text("sqft,price,tax\n" + rows + "\n", encoding="utf-8")
    price = CsvData(csv="prices.csv", target=("price",), task="regression")
    assert panel.set_data(replace(price, standardize_targets=True), "Data: prices")
    assert panel.set_data(replace(price, target=("tax",), standardize_targets=True), "Target")
    scaling = document.project.target_standardization
    assert scaling is not None
    assert scaling.mean[0] == pytest.approx(document.dataset.Y_train.mean())
    assert scaling.std[0] == pytest.approx(document.dataset.Y_train.std())


# ---- features of the plane's points ------------------------------------------------------------


def tick(panel: DataPanel, *features: str) -> None:
    """Click the check boxes of ``features``, as a user would."""
    for name in features:
        panel.feature_checks.boxes[name].click()


def test_ticking_squares_feeds_the_network_new_inputs_and_undo_restores(panel, document):
    assert document.project.data.builtin == "circles"
    assert panel.feature_checks.isVisibleTo(panel)
    notices: list[str] = []
    document.notice.connect(notices.append)
    tick(panel, "x1^2", "x2^2")
    assert document.project.data.features == ("x1", "x2", "x1^2", "x2^2")
    assert document.project.network.inputs == 4
    assert document.dataset.feature_names == ("x1", "x2", "x1^2", "x2^2")
    assert document.undo_stack.undoText() == "Features: x1, x2, x1², x2²"
    assert notices[-1] == "Input layer resized from 3 to 4 inputs to match the 4 features"
    tick(panel, "x1", "x2")
    assert document.project.data.features == ("x1^2", "x2^2")
    assert document.project.network.inputs == 2
    # The points stay where they are; the network reads their squares.
    np.testing.assert_allclose(document.dataset.X_train, document.dataset.plane_train**2)

    for _ in range(4):
        document.undo_stack.undo()
    assert document.project.data.features == ("x1", "x2")
    assert document.project.network.inputs == 2
    assert panel.feature_checks.features() == ("x1", "x2")
    assert not panel.feature_checks.boxes["x1^2"].isChecked()


def test_the_last_ticked_feature_cannot_be_unticked(panel, document):
    boxes = panel.feature_checks.boxes
    tick(panel, "x1")
    assert document.project.data.features == ("x2",)
    assert not boxes["x2"].isEnabled()
    assert "at least one input" in boxes["x2"].toolTip()
    boxes["x2"].click()  # disabled: nothing happens
    assert document.project.data.features == ("x2",)
    # A second ticked box frees the first again.
    tick(panel, "sin(x1)")
    assert document.project.data.features == ("x2", "sin(x1)")
    assert boxes["x2"].isEnabled() and "at least one input" not in boxes["x2"].toolTip()
    # Undo shows the stored choice, the guard included.
    document.undo_stack.undo()
    assert not boxes["x2"].isEnabled() and not boxes["sin(x1)"].isChecked()


def test_features_carry_over_between_plane_generators_only(panel, document):
    tick(panel, "x1*x2")
    choose(panel, "xor")
    assert document.project.data.features == ("x1", "x2", "x1*x2")
    assert document.project.network.inputs == 3
    # Other edits keep the features.
    panel.samples_spin.setValue(200)
    panel.apply_edits()
    assert document.project.data == replace(
        document.project.data, samples=200, features=("x1", "x2", "x1*x2")
    )
    # A one-input generator reads its x: no features to choose.
    choose(panel, "sine")
    assert document.project.data.features == ("x1", "x2")
    assert document.project.network.inputs == 1
    assert not panel.feature_checks.isVisibleTo(panel)
    assert not panel.features_label.isVisibleTo(panel)


def test_scatter_draws_the_points_in_their_plane_whatever_the_features(panel, document):
    tick(panel, "x1^2", "x2^2", "sin(x1)", "x1", "x2")
    dataset = document.dataset
    assert dataset.n_features == 3 and dataset.has_plane
    assert panel.preview_kind() == "scatter"
    scatter = panel.scatter
    x, y = scatter.train_item.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), dataset.plane_train)
    x, y = scatter.val_item.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), dataset.plane_val)
    assert scatter.plot_item.getAxis("bottom").labelText == "x1"
    assert scatter.plot_item.getAxis("left").labelText == "x2"

    # The network's predictions fill that plane behind the points.
    frame = frame_for(document, epochs=2)
    panel.show_frame(frame)
    assert scatter.regions.isVisible() and scatter.boundary.isVisible()
    assert frame.grid.grid_A[0].shape[-1] == 3
    assert scatter.regions.image.shape == (frame.grid.size, frame.grid.size, 3)
    # A selected input neuron shows its feature over the plane: x1² grows away from x1 = 0.
    panel.set_selected_neuron(0, 0, "Input · neuron 1")
    assert scatter.focus_note.isVisible()
    argb = frame.grid.heatmaps[0][0][::-1]
    red = ((argb >> 16) & 0xFF).astype(float)
    expected_red = np.round(255.0 - (255.0 - red) * (1.0 - data_dock.PREDICTION_WASH))
    np.testing.assert_array_equal(scatter.regions.image[..., 0], expected_red)
    row = scatter.regions.image[frame.grid.size // 2].astype(int)
    colourful = row.max(axis=1) - row.min(axis=1)
    # Pale where x1 is near 0 (the grid's middle column), strong at both sides.
    middle = int(np.argmin(np.abs(frame.grid.grid_x)))
    assert colourful[middle] < colourful[0] / 2 and colourful[middle] < colourful[-1] / 2


def test_a_single_feature_of_a_plane_is_still_drawn_over_the_plane(panel, document):
    tick(panel, "x1^2", "x1", "x2")
    dataset = document.dataset
    assert dataset.n_features == 1
    assert panel.preview_kind() == "scatter"
    x, _y = panel.scatter.train_item.getData()
    np.testing.assert_array_equal(x, dataset.plane_train[:, 0])
    frame = frame_for(document, epochs=1)
    panel.show_frame(frame)
    assert panel.scatter.regions.isVisible() and not panel.scatter.fit_curve.isVisible()


def test_regression_on_plane_features_colours_the_plane(panel, document):
    choose(panel, "plane")
    tick(panel, "x1^2")
    dataset = document.dataset
    assert dataset.n_features == 3 and not dataset.is_classification
    x, y = panel.scatter.train_item.getData()
    np.testing.assert_array_equal(np.column_stack([x, y]), dataset.plane_train)
    frame = frame_for(document, epochs=2)
    panel.show_frame(frame)
    assert panel.scatter.regions.isVisible() and not panel.scatter.boundary.isVisible()
    assert panel.scatter.regions.image.shape == (frame.grid.size, frame.grid.size, 3)


def test_feature_boxes_fit_a_narrow_dock(panel):
    # The boxes take two short rows and do not widen the dock's narrowest width.
    checks = panel.feature_checks
    assert checks.minimumSizeHint().width() <= panel.builtin_page.minimumSizeHint().width()
    tops = {box.geometry().top() for box in checks.boxes.values()}
    assert len(tops) == 2


def test_importing_a_csv_reads_the_file_once(panel, document, monkeypatch, tmp_path):
    import nnstudio.data as data_package
    from nnstudio.ui import csv_import

    path = iris_like_csv(tmp_path)
    reads: list[Path] = []
    real_read = csv_import.read_csv_table

    def counting_read(source, progress=None):
        reads.append(Path(source))
        threads.append(threading.current_thread())
        return real_read(source, progress)

    threads: list[threading.Thread] = []

    monkeypatch.setattr(csv_import, "read_csv_table", counting_read)
    monkeypatch.setattr(data_package, "read_csv_table", counting_read)
    accept_dialog_with(monkeypatch, panel, path)
    choose(panel, "csv")
    assert document.project.data == CsvData(csv="flowers.csv", target=("species",))
    assert document.dataset is not None and document.dataset.n_features == 4
    # The column picker read it; the document took the picker's data (MNIST-sized files
    # took seconds per read). It was read away from the window's thread.
    assert reads == [path]
    assert threads[0] is not threading.main_thread()


def test_cancelling_the_read_of_a_csv_changes_nothing(
    panel, document, monkeypatch, tmp_path, progress_canceller
):
    from nnstudio.ui import csv_import

    path = iris_like_csv(tmp_path)
    before = (document.project, document.undo_stack.count())
    pickers = accept_dialog_with(monkeypatch, panel, path)
    monkeypatch.setattr(csv_import, "read_csv_table", progress_canceller.endless_read)
    progress_canceller.press_cancel_when_shown()
    assert not panel.open_csv()
    assert progress_canceller.titles == ["Reading flowers.csv"]
    assert pickers == []  # the column picker never opened
    assert (document.project, document.undo_stack.count()) == before
    assert panel.source_combo.currentData() == "circles"  # the choice shows the data in use


def test_the_legend_keys_hollow_points_only_when_there_is_validation_data(panel, document):
    legend = panel.scatter.legend
    assert "○ validation" in legend.text()  # circles: 20 % validation
    assert panel.set_data(replace(document.project.data, validation_fraction=0.0), "No split")
    assert document.dataset.n_val == 0
    assert "validation" not in legend.text() and "inner" in legend.text()
    choose(panel, "housing")  # a 1-D regression: the plain legend
    assert panel.set_data(replace(document.project.data, validation_fraction=0.2), "Split")
    assert "validation" in legend.text()
    assert panel.set_data(replace(document.project.data, validation_fraction=0.0), "No split")
    assert "validation" not in legend.text() and "training" in legend.text()
    choose(panel, "plane")  # a plane coloured by the target
    assert panel.set_data(replace(document.project.data, validation_fraction=0.0), "No split")
    assert "validation" not in legend.text() and "high" in legend.text()


@pytest.mark.parametrize("size", [(300, 560), (380, 760), (390, 1000)])
def test_the_prediction_shading_fills_the_plane_view(qtbot, panel, document, size):
    panel.resize(*size)
    qtbot.waitUntil(lambda: (panel.width(), panel.height()) == size)
    choose(panel, "spiral")
    frame = frame_for(document)
    panel.show_frame(frame)
    scatter = panel.scatter
    view = scatter.plot_item.getViewBox()
    x0, x1, y0, y1 = frame.grid.extent
    ratio = (x1 - x0) / (y1 - y0)
    # The axes' box takes the plane's proportions (drawn to scale) whatever the dock's shape.
    qtbot.waitUntil(lambda: abs(view.width() / view.height() - ratio) < 0.03 * ratio)
    # It shows the shaded grid edge to edge: no white band beyond the predictions.
    (vx0, vx1), (vy0, vy1) = view.viewRange()
    tolerance = 0.02 * max(x1 - x0, y1 - y0)
    for shown, shaded in ((vx0, x0), (vx1, x1), (vy0, y0), (vy1, y1)):
        assert shown == pytest.approx(shaded, abs=tolerance)
    assert scatter.regions.mapRectToView(scatter.regions.boundingRect()).contains(
        QtCore.QRectF(vx0, vy0, vx1 - vx0, vy1 - vy0)
    )
    # Even a short dock leaves the plane room to read (it scrolls instead).
    assert view.height() >= 120


@pytest.mark.parametrize("size", [(300, 480), (300, 900), (520, 480)])
def test_the_preview_parts_never_overlap_the_plot(qtbot, panel, document, size):
    panel.resize(*size)
    choose(panel, "spiral")
    panel.show_frame(frame_for(document))
    # A long caption under the plot wraps over several lines in a narrow dock.
    panel.set_selected_neuron(1, 2, "Hidden 1 · neuron 3 · tanh")
    scatter = panel.scatter
    note = scatter.focus_note
    assert note.isVisible()
    parts = [scatter.plot_widget, scatter.legend, note, scatter.show_predictions]

    def laid_out() -> bool:
        QtWidgets.QApplication.processEvents()
        return all(
            upper.geometry().bottom() < lower.geometry().top()
            for upper, lower in itertools.pairwise(parts)
        )

    qtbot.waitUntil(laid_out, timeout=2000)
    # Each part gets the room it needs: the plot its minimum, the caption every line.
    assert scatter.plot_widget.height() >= data_dock.PREVIEW_MIN_HEIGHT
    assert note.height() >= note.heightForWidth(note.width())
    # What a short dock cannot show it scrolls to.
    scroll = panel.findChild(QtWidgets.QScrollArea)
    content = scroll.widget()
    assert scroll.verticalScrollBar().maximum() == max(
        0, content.height() - scroll.viewport().height()
    )
    assert content.height() >= content.layout().totalMinimumHeightForWidth(content.width())


def test_table_columns_keep_one_number_of_decimals(panel, document, sample):
    document.open(sample("iris"))
    assert panel.preview_kind() == "table"
    model = panel.table.model
    headers = [model.headerData(c, _horizontal()) for c in range(model.columnCount())]
    shown = {
        name: [model.data(model.index(row, column)) for row in range(model.rowCount())]
        for column, name in enumerate(headers)
    }
    for name in ("sepal_length", "sepal_width", "petal_length", "petal_width"):
        texts = shown[name]
        # The file's one decimal throughout: "5.0" above "6.8", not "5" (whole numbers too).
        assert all(re.fullmatch(r"\d\.\d", text) for text in texts), (name, texts)
        column = headers.index(name)
        alignment = Qt.AlignmentFlag(
            model.data(model.index(0, column), Qt.ItemDataRole.TextAlignmentRole)
        )
        assert alignment & Qt.AlignmentFlag.AlignRight
    assert any(text.endswith(".0") for text in shown["sepal_length"])


def test_table_numbers_line_up_whatever_their_magnitude():
    values = np.array([[0.04, 6.0, 1e7, 0.0], [0.929, 6.8, 2.5e6, -1e-9], [0.5, 5.25, 3e6, 2.0]])
    cells = data_dock._format_numbers(values)
    assert cells.shape == values.shape
    assert list(cells[:, 0]) == ["0.040", "0.929", "0.500"]
    assert list(cells[:, 1]) == ["6.00", "6.80", "5.25"]
    assert list(cells[:, 2]) == ["1.000e+07", "2.500e+06", "3.000e+06"]
    # A value zero up to the column's precision reads 0, never "-0".
    assert list(cells[:, 3]) == ["0", "0", "2"]


# ---- large fonts and narrow docks ---------------------------------------------------------------


def _settle(panel: DataPanel, width: int) -> None:
    """Give ``panel`` ``width`` pixels and let it lay out.

    As short as a dock in a small window: the panel scrolls, and its scroll bar takes
    part of the width.
    """
    panel.resize(width, 500)
    for _ in range(3):
        QtWidgets.QApplication.processEvents()


def _shows_whole(box: QtWidgets.QAbstractSpinBox) -> bool:
    """Whether ``box``'s editor is wide enough for its whole text (2 px margin a side)."""
    return box.lineEdit().width() - 4 >= box.fontMetrics().horizontalAdvance(box.text())


def _spin_boxes(panel: DataPanel) -> list[QtWidgets.QAbstractSpinBox]:
    boxes = (
        panel.samples_spin,
        panel.noise_spin,
        panel.validation_spin,
        panel.seed_spin,
        panel.arms_spin,
    )
    return [box for box in boxes if box.isVisibleTo(panel)]


def _middle(widget: QtWidgets.QWidget, panel: DataPanel) -> int:
    """The vertical middle of ``widget`` in ``panel``'s coordinates."""
    return widget.mapTo(panel, widget.rect().center()).y()


def _same_row(panel: DataPanel, *widgets: QtWidgets.QWidget) -> bool:
    middles = [_middle(widget, panel) for widget in widgets]
    return max(middles) - min(middles) <= 2


@pytest.mark.parametrize("key", ["xor", "spiral"])
def test_at_an_18_point_font_the_dock_is_narrow_and_shows_every_value_whole(
    qtbot, app_font, document, key
):
    # The two label and field pairs a row, the feature boxes and the Standardise and
    # Regenerate row made the dock at least 441 pixels wide, and the noise box showed
    # "0.0" of 0.03.
    app_font(18)
    panel = DataPanel(document)
    qtbot.addWidget(panel)
    panel.show()
    choose(panel, key)
    assert panel.set_data(replace(document.project.data, noise=0.03, seed=7), "noise")
    least = panel.minimumSizeHint().width()
    assert least <= 360
    _settle(panel, least)
    assert panel.noise_spin.text() == "0.03"
    for box in _spin_boxes(panel):
        assert _shows_whole(box), box.text()
    # Nothing else is squeezed below what its text needs, or pushed off the page.
    page = panel.builtin_page
    kinds = (QtWidgets.QLabel, QtWidgets.QCheckBox, QtWidgets.QPushButton)
    for widget in page.findChildren(QtWidgets.QWidget):
        if not isinstance(widget, kinds) or not widget.isVisibleTo(panel):
            continue
        if not (isinstance(widget, QtWidgets.QLabel) and widget.wordWrap()):
            assert widget.width() >= widget.minimumSizeHint().width(), widget.text()
        shown = QtCore.QRect(widget.mapTo(page, QtCore.QPoint()), widget.size())
        assert page.rect().contains(shown), widget.text()
    # One pair a row in the narrow dock, the button under the check box.
    assert _middle(panel.noise_spin, panel) > _middle(panel.samples_spin, panel)
    assert _middle(panel.regenerate_button, panel) > _middle(panel.standardize_check, panel)
    # A dock dragged wide enough gets two pairs a row back.
    _settle(panel, 600)
    assert _same_row(panel, panel.samples_spin, panel.noise_spin)
    for box in _spin_boxes(panel):
        assert _shows_whole(box), box.text()


def test_at_an_18_point_font_the_csv_page_is_narrow_too(
    qtbot, app_font, document, monkeypatch, tmp_path
):
    app_font(18)
    panel = DataPanel(document)
    qtbot.addWidget(panel)
    panel.show()
    accept_dialog_with(monkeypatch, panel, iris_like_csv(tmp_path))
    choose(panel, "csv")
    assert panel.csv_page.isVisibleTo(panel)
    least = panel.minimumSizeHint().width()
    assert least <= 360
    _settle(panel, least)
    # "Change columns…" goes under "Open CSV…", whole.
    change = panel.change_columns_button
    assert _middle(change, panel) > _middle(panel.open_csv_button, panel)
    assert change.width() >= change.sizeHint().width()


def test_at_the_default_font_a_small_windows_dock_keeps_its_compact_rows(panel):
    # 307 pixels: the Data dock's width in a 1024 x 640 window. Two pairs a row, the
    # seven feature boxes on two rows, the button beside the check box.
    choose(panel, "spiral")
    _settle(panel, 307)
    assert _same_row(panel, panel.samples_spin, panel.noise_spin)
    assert _same_row(panel, panel.validation_spin, panel.seed_spin)
    assert _middle(panel.arms_spin, panel) > _middle(panel.validation_spin, panel)
    boxes = panel.feature_checks.boxes
    assert _same_row(panel, *(boxes[name] for name in ("x1", "x1^2", "x1*x2", "sin(x1)")))
    assert _same_row(panel, *(boxes[name] for name in ("x2", "x2^2", "sin(x2)")))
    assert _same_row(panel, panel.standardize_check, panel.regenerate_button)
    for box in _spin_boxes(panel):
        assert _shows_whole(box), box.text()


def test_spin_boxes_are_as_wide_as_their_values_need(panel, document):
    seed = panel.seed_spin
    plain = QtWidgets.QSpinBox()
    plain.setRange(seed.minimum(), seed.maximum())
    # Not ten digits wide for a seed of 1 ...
    assert seed.minimumSizeHint().width() < plain.minimumSizeHint().width()
    narrow = seed.minimumSizeHint().width()
    # ... but wide enough for a long one once it is entered.
    assert panel.set_data(replace(document.project.data, seed=123_456_789), "seed")
    assert seed.text() == "123456789"
    assert seed.minimumSizeHint().width() > narrow
    _settle(panel, panel.minimumSizeHint().width())
    assert _shows_whole(seed)
