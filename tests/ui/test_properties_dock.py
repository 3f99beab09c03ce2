"""The Properties dock: the right page for each selection, and edits through the document."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnstudio.spec import LayerSpec
from nnstudio.ui.docks.properties_dock import PropertiesDock
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.qt import Qt
from nnstudio.ui.selection import Selection

pytestmark = pytest.mark.gui


@pytest.fixture
def document(qapp) -> StudioDocument:
    from nnstudio.workflow import build_network

    doc = StudioDocument()
    doc.set_weights(build_network(doc.project).weights())
    return doc


@pytest.fixture
def dock(qtbot, document: StudioDocument) -> PropertiesDock:
    widget = PropertiesDock(document)
    qtbot.addWidget(widget)
    widget.resize(320, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _choose(combo, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_pages_follow_the_selection(dock: PropertiesDock) -> None:
    props = dock.properties
    assert props.page_name == "summary"
    assert props.summary_page.name.text() == props.document.project.name
    dock.set_selection(Selection("layer", 1))
    assert props.page_name == "layer"
    assert "Hidden layer 1" in props.layer_page.title.text()
    dock.set_selection(Selection("layer", 0))
    assert props.page_name == "input"
    assert props.input_page.table.rowCount() == 2
    dock.set_selection(Selection("neuron", 1, 2))
    assert props.page_name == "neuron"
    dock.set_selection(Selection("edge", 2, 1, 3))
    assert props.page_name == "edge"
    dock.set_selection(None)
    assert props.page_name == "summary"


def test_names_and_descriptions_are_shown_as_written(dock: PropertiesDock) -> None:
    document = dock.properties.document
    document.apply(replace(document.project, description="<b>bold</b> & <script>"), "Describe")
    summary = dock.properties.summary_page
    assert summary.description.textFormat() == Qt.TextFormat.PlainText
    assert summary.description.text() == "<b>bold</b> & <script>"


def test_a_description_of_other_data_says_which_data_it_was_written_for(
    dock: PropertiesDock, sample
) -> None:
    from nnstudio.spec import BuiltinData

    document = dock.properties.document
    document.open(sample("spiral"))
    summary = dock.properties.summary_page
    written = document.project.description
    assert written and summary.description.text() == written
    # Other settings of the same data: the description still fits.
    document.set_data(replace(document.project.data, samples=300))
    assert summary.description.text() == written
    # Other data: the text is about the spirals, and says so.
    document.set_data(BuiltinData(builtin="housing"))
    assert summary.description.text() == f"Written for its original data (Spiral): {written}"
    document.undo_stack.undo()
    assert summary.description.text() == written


def test_activation_edit_goes_through_the_document(dock: PropertiesDock) -> None:
    props = dock.properties
    document = props.document
    dock.set_selection(Selection("layer", 1))
    page = props.layer_page
    assert not page.form.isRowVisible(page.alpha)
    _choose(page.activation, "leaky_relu")
    assert document.project.network.layers[0].activation == "leaky_relu"
    assert page.form.isRowVisible(page.alpha)
    page.alpha.setText("0.2")
    page.alpha.editingFinished.emit()
    assert document.project.network.layers[0].alpha == pytest.approx(0.2)
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert document.project.network.layers[0].activation == "tanh"
    assert page.activation.currentData() == "tanh"


def test_initialiser_parameter_only_when_it_takes_one(dock: PropertiesDock) -> None:
    props = dock.properties
    dock.set_selection(Selection("layer", 2))
    page = props.layer_page
    assert not page.form.isRowVisible(page.init_param)
    _choose(page.init, "normal")
    assert page.form.isRowVisible(page.init_param)
    page.init_param.setText("-1")
    page.init_param.editingFinished.emit()
    assert page.init_param.property("invalid")
    assert props.document.project.network.layers[1].init_param is None
    page.init_param.setText("0.3")
    page.init_param.editingFinished.emit()
    assert props.document.project.network.layers[1].init_param == pytest.approx(0.3)


def test_output_layer_has_fixed_units_and_no_dropout(dock: PropertiesDock) -> None:
    props = dock.properties
    n = len(props.document.project.network.layers)
    dock.set_selection(Selection("layer", n))
    page = props.layer_page
    assert "Output layer" in page.title.text()
    assert not page.units.isEnabled()
    assert not page.form.isRowVisible(page.dropout)
    assert page.activation.findData("softmax") >= 0
    dock.set_selection(Selection("layer", 1))
    assert page.activation.findData("softmax") < 0


def test_units_and_dropout_edits(dock: PropertiesDock) -> None:
    props = dock.properties
    document = props.document
    dock.set_selection(Selection("layer", 1))
    page = props.layer_page
    page.units.setValue(7)
    assert document.project.network.layers[0].units == 7
    page.dropout.setValue(0.3)
    assert document.project.network.layers[0].dropout == pytest.approx(0.3)
    page.add_neuron_button.click()
    assert document.project.network.layers[0].units == 8
    page.remove_layer_button.click()
    assert props.page_name == "summary"  # the layer is gone


def test_edge_weight_edit(qtbot, dock: PropertiesDock) -> None:
    props = dock.properties
    document = props.document
    dock.set_selection(Selection("edge", 2, 1, 3))
    page = props.edge_page
    assert float(page.weight.text()) == pytest.approx(float(document.weights[1][0][3, 1]), 1e-5)
    page.weight.setFocus()
    page.weight.selectAll()
    qtbot.keyClicks(page.weight, "1.25")
    qtbot.keyClick(page.weight, Qt.Key.Key_Return)
    assert document.weights[1][0][3, 1] == pytest.approx(1.25)
    dock.set_editable(False)
    assert not page.weight.isEnabled()


def test_neuron_bias_edit(dock: PropertiesDock) -> None:
    props = dock.properties
    document = props.document
    dock.set_selection(Selection("neuron", 1, 2))
    page = props.neuron_page
    assert not page.bias_row.isHidden()
    page.bias.setText("0.5")
    page.bias.editingFinished.emit()
    assert document.weights[0][1][2] == pytest.approx(0.5)
    dock.set_selection(Selection("neuron", 0, 1))
    assert page.bias_row.isHidden()


def test_rename_from_the_summary(dock: PropertiesDock) -> None:
    props = dock.properties
    props.summary_page.name.setText("Renamed")
    props.summary_page.name.editingFinished.emit()
    assert props.document.project.name == "Renamed"


def test_selection_that_no_longer_exists_falls_back_to_summary(dock: PropertiesDock) -> None:
    props = dock.properties
    document = props.document
    document.add_layer()
    dock.set_selection(Selection("layer", len(document.project.network.layers)))
    assert props.page_name == "layer"
    document.undo_stack.undo()
    assert props.page_name == "summary"
    assert props.selection is None


def test_input_neurons_are_numbered_from_one_like_the_canvas(dock: PropertiesDock) -> None:
    props = dock.properties
    dock.set_selection(Selection("layer", 0, 1))
    assert props.page_name == "input"
    title = props.input_page.title.text()
    assert "(neuron 2)" in title  # the second input, as layers are counted from 1
    names = props.document.project.feature_names or ("x1", "x2")
    assert names[1] in title


def test_a_hidden_dock_shows_the_latest_frame_when_it_appears(qtbot, dock: PropertiesDock) -> None:
    props = dock.properties

    class Snapshot:
        epoch = 7
        step = 70

    class Frame:
        snapshot = Snapshot()
        weights = None

    dock.hide()
    dock.show_frame(Frame())
    dock.show()
    qtbot.waitUntil(lambda: "7 epochs" in props.summary_page.fields["Weights"].text())


def test_weights_handed_back_while_training_runs_leave_the_page_alone(dock, document) -> None:
    from nnstudio.ui.frame import make_frame
    from nnstudio.workflow import build_network

    props = dock.properties
    dock.set_selection(Selection("neuron", 1, 0))
    refreshes: list[object] = []
    refresh = props.neuron_page.refresh
    props.neuron_page.refresh = lambda *args, **kwargs: (
        refreshes.append(args),
        refresh(*args, **kwargs),
    )
    assert document.dataset is not None
    frame = make_frame(build_network(document.project, document.weights), document.dataset)
    dock.set_editable(False)  # training runs: frames keep the values current
    dock.show_frame(frame)
    shown = len(refreshes)
    document.set_weights(frame.weights)
    assert len(refreshes) == shown
    dock.set_editable(True)  # paused or stopped: weights set now are shown at once
    document.set_weights(frame.weights)
    assert len(refreshes) == shown + 1


def test_a_one_unit_layer_is_counted_in_the_singular(dock: PropertiesDock) -> None:
    props = dock.properties
    document = props.document
    output = len(document.project.network.layers)
    assert document.set_layer(output - 1, replace(document.project.network.output, units=1))
    dock.set_selection(Selection("layer", output))
    page = props.layer_page
    assert page.title.text().endswith("— 1 unit")
    assert " + 1 bias = " in page.note.text()
    dock.set_selection(Selection("layer", 1))
    units = document.project.network.layers[0].units
    assert page.title.text().endswith(f"— {units} units") and f" + {units} biases = " in (
        page.note.text()
    )


@pytest.mark.parametrize("width", [256, 220])
def test_input_features_are_readable_beside_their_statistics(
    qtbot, document: StudioDocument, sample, width: int
) -> None:
    document.open(sample("iris"))
    dock = PropertiesDock(document)
    qtbot.addWidget(dock)
    dock.resize(width, 600)
    dock.show()
    qtbot.waitExposed(dock)
    dock.set_selection(Selection("layer", 0))
    table = dock.properties.input_page.table
    qtbot.waitUntil(lambda: table.viewport().width() > 0)
    # Every name whole, and mean and standard deviation beside it without scrolling.
    assert table.columnWidth(0) >= table.sizeHintForColumn(0)
    assert table.horizontalHeader().length() <= table.viewport().width()
    assert not table.horizontalScrollBar().isVisible()


def test_selecting_a_neuron_does_not_widen_a_narrow_dock(qtbot, document: StudioDocument) -> None:
    dock = PropertiesDock(document)
    qtbot.addWidget(dock)
    dock.resize(220, 700)
    dock.show()
    qtbot.waitExposed(dock)
    summary_width = dock._scroll.minimumWidth()
    assert summary_width <= 220
    for selection in (
        Selection("neuron", 1, 0),
        Selection("neuron", 0, 0),
        Selection("edge", 1, 0, 0),
    ):
        dock.set_selection(selection)
        # The page fits the width the project summary allowed: nothing jumps sideways.
        assert dock._scroll.minimumWidth() <= 220, selection


def test_the_summary_says_when_the_loss_is_on_standardised_targets(
    dock: PropertiesDock, tmp_path, monkeypatch
) -> None:
    from nnstudio.spec import CsvData

    monkeypatch.chdir(tmp_path)  # an unsaved document reads CSV files from here
    rows = "\n".join(f"{500 + 50 * i},{150 * (500 + 50 * i) + 20_000}" for i in range(40))
    (tmp_path / "prices.csv").write_text("sqft,price\n" + rows + "\n", encoding="utf-8")
    document = dock.properties.document
    data = CsvData(csv="prices.csv", target=("price",), task="regression")
    assert document.set_data(data)
    loss = dock.properties.summary_page.fields["Loss"]
    assert loss.text() == "Squared error (½ · mean)"
    assert document.set_data(replace(data, standardize_targets=True))
    assert loss.text() == "Squared error (½ · mean), on standardised targets"


def test_an_edge_is_titled_by_the_labels_of_its_ends(dock: PropertiesDock) -> None:
    props = dock.properties
    document = props.document
    dock.set_selection(Selection("edge", 1, 0, 1))  # from the second input to hidden neuron 1
    second = document.input_names()[1]
    assert props.edge_page.title.text() == f"Input · {second} → Hidden 1 · neuron 1"
    last = len(document.project.network.layers)
    dock.set_selection(Selection("edge", last, 0, 2))
    output = document.output_labels()[0]
    assert props.edge_page.title.text() == f"Hidden {last - 1} · neuron 3 → Output · {output}"


@pytest.mark.parametrize("width", [250, 256, 460])
def test_a_long_initialiser_name_shows_whole_in_a_narrow_dock(qtbot, dock, width) -> None:
    from nnstudio.ui.qt import QtWidgets

    dock.set_selection(Selection("layer", 1))
    page = dock.properties.layer_page
    combo = page.init
    _choose(combo, "xavier_uniform")
    dock.resize(width, 700)  # 250-256: the dock's width in a 1024-1280 pixel window
    qtbot.waitUntil(lambda: dock.width() == width)
    QtWidgets.QApplication.processEvents()
    full = "Xavier (Glorot) uniform"
    assert combo.shown_text() == full and combo.toolTip() == ""
    assert combo.width() >= combo.sizeHint().width()
    label = page.form.labelForField(combo)
    if width < 300:
        # No room beside its label: the box goes under it, as wide as the form.
        assert label.geometry().bottom() < combo.geometry().top()
    else:
        assert label.geometry().top() < combo.geometry().center().y() < label.geometry().bottom()


def test_a_combo_squeezed_below_its_text_shortens_it_with_a_tooltip(qtbot) -> None:
    from nnstudio.ui.qt import QtWidgets, whole_text_combo

    combo = whole_text_combo()
    qtbot.addWidget(combo)
    combo.addItems(["Zeros", "Xavier (Glorot) uniform"])
    combo.setCurrentIndex(1)
    combo.resize(90, 28)
    combo.show()
    QtWidgets.QApplication.processEvents()
    combo.repaint()
    full = "Xavier (Glorot) uniform"
    assert combo.shown_text().endswith("…") and full.startswith(combo.shown_text()[:-1])
    assert combo.toolTip() == full  # the whole name on hover


def test_the_neuron_page_has_the_heading_and_margins_of_the_other_pages(qtbot, dock) -> None:
    props = dock.properties
    dock.set_selection(Selection("layer", 1))
    layer_title = props.layer_page.title
    qtbot.waitUntil(lambda: layer_title.isVisible())
    layer_corner = layer_title.mapTo(props, layer_title.rect().topLeft())
    dock.set_selection(Selection("neuron", 1, 0))
    neuron_title = props.neuron_page.view.title_label
    qtbot.waitUntil(lambda: neuron_title.isVisible())
    neuron_corner = neuron_title.mapTo(props, neuron_title.rect().topLeft())
    # The same larger, bold, blue heading, at the same place on the page.
    assert neuron_title.font().pointSizeF() == pytest.approx(layer_title.font().pointSizeF())
    assert neuron_title.font().bold() and layer_title.font().bold()
    assert "#1e3a8a" in neuron_title.styleSheet() and "#1e3a8a" in layer_title.styleSheet()
    assert (neuron_corner.x(), neuron_corner.y()) == (layer_corner.x(), layer_corner.y())
    # The bias field lines up with the other pages' fields, at the same left margin.
    bias_label = props.neuron_page.bias_row.layout().labelForField(props.neuron_page.bias)
    units_label = props.layer_page.form.labelForField(props.layer_page.units)
    assert bias_label.mapTo(props, bias_label.rect().topLeft()).x() >= layer_corner.x()
    assert units_label.mapTo(props, units_label.rect().topLeft()).x() >= layer_corner.x()


def _ink_top(widget) -> int:
    """Row (in the widget's window) of the highest dark pixel the widget paints: its text."""
    image = widget.grab().toImage()
    for y in range(image.height()):
        if any(image.pixelColor(x, y).lightness() < 110 for x in range(image.width())):
            return widget.mapTo(widget.window(), widget.rect().topLeft()).y() + y
    raise AssertionError(f"{widget!r} paints no text")


def test_summary_names_sit_beside_the_first_line_of_their_values(qtbot, document, sample):
    document.open(sample("iris"))
    dock = PropertiesDock(document)
    qtbot.addWidget(dock)
    dock.resize(256, 700)  # as wide as at 1280 × 800: several values wrap
    dock.show()
    qtbot.waitExposed(dock)
    page = dock.properties.summary_page
    qtbot.waitUntil(lambda: page.fields["Data"].height() > page.fields["Task"].height())
    form = page.layout().itemAt(1).layout()
    for key in ("Data", "Network", "Optimizer", "Weights", "Task"):
        value = page.fields[key]
        label = form.labelForField(value)
        assert abs(_ink_top(label) - _ink_top(value)) <= 1, key


def test_the_input_table_is_as_tall_as_its_rows_with_aligned_numbers(qtbot, document, sample):
    from nnstudio.ui.qt import QtWidgets

    document.open(sample("iris"))
    dock = PropertiesDock(document)
    qtbot.addWidget(dock)
    dock.resize(256, 700)
    dock.show()
    qtbot.waitExposed(dock)
    dock.set_selection(Selection("layer", 0))
    table = dock.properties.input_page.table
    qtbot.waitUntil(lambda: table.isVisible() and table.height() > 0)
    QtWidgets.QApplication.processEvents()
    rows = table.horizontalHeader().height() + table.verticalHeader().length()
    # Every row shows, and no empty white box stretches below the last one.
    assert rows <= table.viewport().height() + table.horizontalHeader().height() <= rows + 2
    assert table.height() < dock.height() / 2
    for column in (1, 2):
        texts = [table.item(row, column).text() for row in range(table.rowCount())]
        # One number of decimals per column, right-aligned so the digits line up.
        assert len({len(text.split(".")[1]) for text in texts}) == 1, texts
        for row in range(table.rowCount()):
            alignment = Qt.AlignmentFlag(table.item(row, column).textAlignment())
            assert alignment & Qt.AlignmentFlag.AlignRight
    assert table.item(3, 1).text() == "1.240"  # petal width's mean, not "1.24"


@pytest.mark.parametrize("first", ["neuron", "summary"])
def test_the_scroll_range_fits_the_page_on_show(qtbot, document, first) -> None:
    from nnstudio.ui.qt import QtWidgets

    # A long description makes the summary taller than the dock, as the neuron page is.
    document.apply(replace(document.project, description="A note. " * 120), "Describe")
    dock = PropertiesDock(document)
    qtbot.addWidget(dock)
    dock.resize(256, 480)  # shorter than those pages, taller than the layer page
    dock.show()
    qtbot.waitExposed(dock)
    props = dock.properties
    bar = dock._scroll.verticalScrollBar()
    dock.set_selection(Selection("neuron", 1, 0) if first == "neuron" else None)
    qtbot.waitUntil(lambda: props.page_name == first and bar.maximum() > 0)
    dock.set_selection(Selection("layer", 1))
    QtWidgets.QApplication.processEvents()
    page = props.layer_page
    viewport = dock._scroll.viewport()
    needs = max(page.heightForWidth(viewport.width()), page.minimumSizeHint().height())
    assert needs < viewport.height()
    # The page fits: no scroll range over blank space a taller page left behind.
    qtbot.waitUntil(lambda: props.height() == viewport.height(), timeout=2000)
    assert bar.maximum() == 0


# ---- the "this example" forward/backward readout ------------------------------------------------


def _readout_rows(text: str) -> dict[str, float]:
    """The readout's ``symbol -> value`` rows, read back from its rich text."""
    import html
    import re

    rows = {}
    for row in text.split("<tr>"):
        cells = re.match(r"<td[^>]*>(.*?)</td><td align='right'[^>]*>(.*?)</td>", row)
        if cells is None:
            continue
        symbol, value = cells.groups()
        symbol = html.unescape(re.sub(r"<[^>]+>", "", symbol)).strip()
        value = html.unescape(re.sub(r"<[^>]+>", "", value)).replace("\u2212", "-")
        rows[symbol] = float(value)
    return rows


def _backprop_by_hand(frame, example: int):
    """z, a and δ of one example through the default tanh-tanh-sigmoid network, its loss
    binary cross-entropy, written out as in the lecture notes (float64, m = 1)."""
    weights = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in frame.weights]
    a = [np.asarray(frame.probe_inputs[example], np.float64)]  # circles: not standardised
    zs = []
    for index, (W, b) in enumerate(weights):
        z = a[-1] @ W + b
        zs.append(z)
        a.append(np.tanh(z) if index < len(weights) - 1 else 1.0 / (1.0 + np.exp(-z)))
    y = np.asarray(frame.probe_targets[example, 1:2], np.float64)  # one sigmoid unit
    deltas = [None] * len(weights)
    deltas[-1] = a[-1] - y  # sigmoid with cross-entropy
    for index in range(len(weights) - 2, -1, -1):
        deltas[index] = (weights[index + 1][0] @ deltas[index + 1]) * (1.0 - a[index + 1] ** 2)
    return zs, a, deltas


@pytest.fixture
def trained_frame(document: StudioDocument):
    """A frame of the default network after a few epochs (errors far from zero)."""
    from nnstudio.ui.frame import FrameBuilder
    from nnstudio.workflow import build_network, make_trainer

    network = build_network(document.project, document.weights)
    trainer = make_trainer(document.project, network, document.dataset)
    for _ in range(3):
        trainer.run_epoch()
    return FrameBuilder(document.dataset, probe_size=32).build(network, trainer.snapshot())


def test_the_neuron_page_reads_out_z_a_slope_and_error_of_the_chosen_example(
    dock: PropertiesDock, trained_frame
) -> None:
    props = dock.properties
    page = props.neuron_page
    dock.set_selection(Selection("neuron", 1, 2))
    assert page.readout.isHidden()  # no frame yet: nothing to read out
    dock.show_frame(trained_frame)
    for example in (3, 17):
        dock.set_example(example)
        zs, a, deltas = _backprop_by_hand(trained_frame, example)
        rows = _readout_rows(page.readout.text())
        assert f"Example {example + 1} / 32" in page.readout.text()
        assert rows["z"] == pytest.approx(zs[0][2], rel=2e-3)
        assert rows["a"] == pytest.approx(a[1][2], rel=2e-3)
        assert rows["g′(z)"] == pytest.approx(1.0 - a[1][2] ** 2, rel=2e-3)
        assert rows["δ"] == pytest.approx(deltas[0][2], rel=2e-3)
        # How δ arises: the next layer's Σₖ wₖδₖ, which times g′(z) is δ.
        backpropagated = trained_frame.weights[1][0][2] @ deltas[1]
        assert rows["Σₖ wₖδₖ"] == pytest.approx(backpropagated, rel=2e-3)
        assert "δ = g′(z) · Σₖ wₖδₖ" in page.readout.text()
        mean = np.mean([_backprop_by_hand(trained_frame, i)[2][0][2] for i in range(32)])
        assert rows["mean δ"] == pytest.approx(mean, rel=2e-3)
        # The activation plot marks the example's z.
        assert page.view.example_line.isVisible()
        assert page.view.example_line.value() == pytest.approx(zs[0][2], rel=1e-4)


def test_the_output_neuron_explains_its_error_from_the_loss(
    dock: PropertiesDock, trained_frame
) -> None:
    page = dock.properties.neuron_page
    dock.show_frame(trained_frame)
    dock.set_example(5)
    dock.set_selection(Selection("neuron", 3, 0))
    _zs, a, deltas = _backprop_by_hand(trained_frame, 5)
    rows = _readout_rows(page.readout.text())
    y = trained_frame.probe_targets[5, 1]
    assert rows["y"] == y
    assert rows["δ"] == pytest.approx(a[-1][0] - y, rel=2e-3)
    assert rows["δ"] == pytest.approx(deltas[-1][0], rel=2e-3)
    assert "δ = a − y" in page.readout.text()


def test_the_edge_page_reads_out_the_weight_gradient_and_the_next_sgd_step(
    dock: PropertiesDock, document: StudioDocument, trained_frame
) -> None:
    training = replace(document.project.training, optimizer="sgd", l2=0.01, learning_rate=0.5)
    document.set_training(training)
    page = dock.properties.edge_page
    # W2[3, 1]: from hidden 1's fourth neuron to hidden 2's second.
    dock.set_selection(Selection("edge", 2, 1, 3))
    dock.show_frame(trained_frame)
    dock.set_example(9)
    _zs, a, deltas = _backprop_by_hand(trained_frame, 9)
    rows = _readout_rows(page.readout.text())
    w = float(trained_frame.weights[1][0][3, 1])
    assert rows["w"] == pytest.approx(w, rel=2e-3)
    assert rows["a"] == pytest.approx(a[1][3], rel=2e-3)
    assert rows["δ"] == pytest.approx(deltas[1][1], rel=2e-3)
    assert rows["∂J/∂w"] == pytest.approx(a[1][3] * deltas[1][1], rel=2e-3)
    per_example = [
        (lambda r: r[1][1][3] * r[2][1][1])(_backprop_by_hand(trained_frame, i)) for i in range(32)
    ]
    mean = float(np.mean(per_example))
    assert rows["mean a·δ"] == pytest.approx(mean, rel=2e-3)
    assert rows["+ λ₂w"] == pytest.approx(0.01 * w, rel=2e-3)
    assert rows["total"] == pytest.approx(mean + 0.01 * w, rel=2e-3)
    rate = trained_frame.snapshot.learning_rate
    assert rows["Δw"] == pytest.approx(-rate * (mean + 0.01 * w), rel=2e-3)
    # How that step relates to training's own: the batch it trains on, named.
    batch = document.project.training.batch_size
    assert isinstance(batch, int)
    assert f"training steps on mini-batches of {batch} examples" in page.readout.text()
    document.set_training(replace(training, batch_size="full"))
    dock.show_frame(trained_frame)
    assert "training averages over every training example" in page.readout.text()


@pytest.mark.parametrize(("kind", "text"), [("edge", "1e39"), ("neuron", "-3e300")])
def test_a_value_beyond_float32_is_refused_in_the_field(
    qtbot, dock: PropertiesDock, kind: str, text: str
) -> None:
    props = dock.properties
    document = props.document
    before = [(W.copy(), b.copy()) for W, b in document.weights]
    if kind == "edge":
        dock.set_selection(Selection("edge", 2, 1, 3))
        field = props.edge_page.weight
    else:
        dock.set_selection(Selection("neuron", 1, 2))
        field = props.neuron_page.bias
    refusals: list[str] = []
    field.refused.connect(refusals.append)
    field.setText(text)
    field.editingFinished.emit()
    # Red, with the reason, and nothing changed: an infinite weight could neither train
    # nor be saved.
    assert refusals == [
        f"'{text}' is beyond what a {'weight' if kind == 'edge' else 'bias'} "
        "can hold in float32 (at most about ±3.4e+38)"
    ]
    assert field.property("invalid")
    for (W, b), (W0, b0) in zip(document.weights, before, strict=True):
        np.testing.assert_array_equal(W, W0)
        np.testing.assert_array_equal(b, b0)
    assert not document.undo_stack.canUndo()


@pytest.mark.parametrize(
    ("text", "got"),
    [("1e308", "1e+308"), ("-1001", "\u22121001"), ("1000.0001", "1000.0001")],
)
def test_a_bias_init_out_of_range_is_refused_in_the_field_with_the_range(
    qtbot, dock: PropertiesDock, text: str, got: str
) -> None:
    """As α and the scale: the typing stays to be corrected, and the page says why, naming
    the field and the range a project file accepts; nothing changes."""
    props = dock.properties
    document = props.document
    before = document.project
    notices: list[str] = []
    document.notice.connect(notices.append)
    dock.set_selection(Selection("layer", 1))
    page = props.layer_page
    field = page.bias_init
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    message = f"Bias init: must be between \u22121000 and 1000, got {got}"
    assert field.text() == text
    assert field.property("invalid") and field.toolTip() == message
    assert page.error.isVisible() and page.error.text() == message
    assert "#991b1b" in page.error.styleSheet()
    assert document.project == before and not document.undo_stack.canUndo()
    assert notices == []  # the page explains it; the document was never asked
    # Corrected, it is taken and the message goes.
    field.selectAll()
    qtbot.keyClicks(field, "-1000")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert document.project.network.layers[0].bias_init == -1000.0
    assert not page.error.isVisible() and not field.property("invalid")


def test_typing_a_refused_field_back_to_its_value_clears_the_refusal(
    qtbot, dock: PropertiesDock
) -> None:
    props = dock.properties
    dock.set_selection(Selection("layer", 1))
    page = props.layer_page
    field = page.bias_init
    for text in ("5000", "0"):
        field.setFocus()
        field.selectAll()
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Return)
    assert props.document.project.network.layers[0].bias_init == 0.0
    assert not page.error.isVisible() and not field.property("invalid")


def test_the_document_refuses_a_weight_its_float_type_cannot_hold(document) -> None:
    notices: list[str] = []
    document.notice.connect(notices.append)
    assert not document.set_parameter(0, 0, 0, 1e39)
    assert np.isfinite(document.weights[0][0]).all()
    assert notices == ["1e+39 is beyond what a float32 weight can hold"]


# ---- the layer page teaches what its settings do ---------------------------------------------


def _last_number(line: str) -> float:
    return float(line.rsplit("= ", 1)[1].rstrip(")").replace("\u2212", "-"))


@pytest.mark.parametrize(
    ("init", "param", "uniform"),
    [
        ("he_normal", None, False),
        ("xavier_normal", None, False),
        ("lecun_normal", None, False),
        ("normal", 0.3, False),
        ("he_uniform", None, True),
        ("xavier_uniform", None, True),
        ("uniform", 0.2, True),
    ],
)
def test_the_layer_page_gives_the_initialisers_scale_as_the_engine_draws_it(
    dock: PropertiesDock, init: str, param: float | None, uniform: bool
) -> None:
    from nnstudio.engine.initializers import initialize_layer

    props = dock.properties
    document = props.document
    layer = LayerSpec(units=400, activation="relu", init=init, init_param=param, bias_init=0.01)
    network = document.project.network
    document.set_network(replace(network, layers=(layer, *network.layers[1:])), "Layer")
    dock.set_selection(Selection("layer", 1))
    lines = props.layer_page.init_note.text().split("\n")
    fan_in = document.project.network.inputs
    assert lines[-1] == "b = 0.01"
    # The number shown is the spread of the weights the engine draws for this layer.
    W, _b = initialize_layer(layer, fan_in, np.random.default_rng(0), "float64")
    scale = _last_number(lines[1])
    if uniform:
        assert lines[0] == "W ~ U(−limit, limit)"
        # Shown to 3 digits: the largest |w| lies just below the limit.
        assert 0.99 * scale < np.abs(W).max() <= 1.005 * scale
        assert _last_number(lines[2]) == pytest.approx(W.std(), rel=0.06)
    else:
        assert lines[0] == "W ~ N(0, σ²)"
        assert scale == pytest.approx(W.std(), rel=0.06)
    if init in ("he_normal", "he_uniform", "lecun_normal"):
        assert f"/\u2060{fan_in})" in lines[1] and "fan_in" in lines[1]
    if init.startswith("xavier"):
        assert f"({fan_in}\u00a0+\u00a0400)" in lines[1]


def test_constant_and_zero_initialisation_say_the_neurons_start_alike(dock) -> None:
    props = dock.properties
    dock.set_selection(Selection("layer", 1))
    page = props.layer_page
    _choose(page.init, "constant")
    page.init_param.setText("0.3")
    page.init_param.editingFinished.emit()
    assert page.init_note.text() == ("W = 0.3: every neuron of this layer starts identical\nb = 0")
    _choose(page.init, "zeros")
    page.bias_init.setText("-0.5")
    page.bias_init.editingFinished.emit()
    assert page.init_note.text() == "W = 0: every neuron of this layer starts identical\nb = −0.5"


def test_consecutive_identity_layers_are_said_to_be_one_linear_map(dock) -> None:
    props = dock.properties
    document = props.document
    layers = (
        LayerSpec(units=8, activation="identity"),
        LayerSpec(units=1, activation="identity"),
        LayerSpec(units=5, activation="linear"),
        LayerSpec(units=6, activation="tanh"),
        LayerSpec(units=3, activation="identity"),
        LayerSpec(units=1, activation="sigmoid"),
    )
    network = replace(document.project.network, inputs=2, layers=layers)
    assert document.set_network(network, "Layers")
    page = props.layer_page
    for drawn in (1, 2, 3):
        dock.set_selection(Selection("layer", drawn))
        text = page.linear_note.text().replace("\u00a0", " ")  # kept whole when wrapped
        assert page.linear_note.isVisibleTo(page)
        assert text.startswith("Hidden 1 to Hidden 3 are all identity (linear)")
        assert "W̃ = W₁W₂W₃, a 2 × 5 matrix of rank at most 1" in text
    # A lone identity layer, and the layers around the run, collapse into nothing.
    for drawn in (4, 5, 6):
        dock.set_selection(Selection("layer", drawn))
        assert not page.linear_note.isVisibleTo(page) and page.linear_note.text() == ""


def test_an_undo_while_the_field_has_focus_shows_the_documents_value(
    qtbot, dock: PropertiesDock
) -> None:
    props = dock.properties
    document = props.document
    dock.set_selection(Selection("neuron", 1, 2))
    page = props.neuron_page
    before = float(document.weights[0][1][2])
    dock.show()
    page.bias.setFocus()
    qtbot.waitUntil(page.bias.hasFocus)
    page.bias.selectAll()
    qtbot.keyClicks(page.bias, "0.77")
    qtbot.keyClick(page.bias, Qt.Key.Key_Return)
    assert document.weights[0][1][2] == pytest.approx(0.77)
    # Committed, the typing is the document's edit: the field keeps no undo of its own, so
    # Ctrl+Z goes on to the document's Undo.
    assert not page.bias.isUndoAvailable()
    document.undo_stack.undo()
    assert page.bias.hasFocus()
    assert float(page.bias.text()) == pytest.approx(before, abs=1e-6)
    # Typing not yet committed is left alone by a refresh.
    qtbot.keyClicks(page.bias, "9")
    typed = page.bias.text()
    document.undo_stack.redo()
    assert page.bias.text() == typed


def test_the_readout_waits_for_a_frame_of_the_edited_activations(
    dock: PropertiesDock, trained_frame
) -> None:
    from dataclasses import replace

    props = dock.properties
    document = props.document
    dock.set_selection(Selection("neuron", 1, 2))
    dock.show_frame(trained_frame)
    page = props.neuron_page
    assert not page.readout.isHidden()
    layer = document.project.network.layers[0]
    assert document.set_layer(0, replace(layer, activation="relu"))
    # The frame's numbers went through tanh: no readout of "g = relu" with a = tanh(z).
    assert page.readout.isHidden() or "relu" not in page.readout.text()


def test_a_frame_is_taken_in_first_and_the_plots_repaint_one_per_step(
    dock: PropertiesDock, trained_frame
) -> None:
    from nnstudio.ui.qt import QtWidgets, pg

    dock.set_selection(Selection("neuron", 1, 2))
    dock.show_frame(trained_frame)
    page = dock.properties.neuron_page
    views = [v for v in page.findChildren(pg.GraphicsView) if v.isVisible()]
    assert len(views) >= 2
    live = [view.viewportUpdateMode() for view in views]
    held = QtWidgets.QGraphicsView.ViewportUpdateMode.NoViewportUpdate
    steps = dock.frame_steps(trained_frame)
    assert len(steps) == 3 + len(views)
    page.readout.setText("")
    page.view.histogram.setData([0.0, 1.0], [0.0])
    steps[0]()
    # Taken in: no plot repaints in the same event as the work of taking the frame in,
    # and the activation plot and the readout's table wait for events of their own.
    assert all(view.viewportUpdateMode() == held for view in views)
    assert page.view.histogram.getData()[1].tolist() == [0.0]
    assert page.readout.text() == ""
    steps[1]()
    assert len(page.view.histogram.getData()[1]) > 1  # the probe examples' z
    assert page.readout.text() == ""
    steps[2]()
    assert "Example" in page.readout.text()
    assert all(view.viewportUpdateMode() == held for view in views)
    for index, step in enumerate(steps[3:], start=1):
        step()
        # One more plot repaints per step, in the event after it.
        assert [view.viewportUpdateMode() == held for view in views] == [
            position >= index for position in range(len(views))
        ]
    assert [view.viewportUpdateMode() for view in views] == live


def test_each_plot_paints_once_for_a_live_frame(qtbot, dock: PropertiesDock, trained_frame):
    import gc

    from nnstudio.ui.qt import QtCore, QtWidgets, pg

    # Windows of earlier tests, collected now, would expose this one and repaint it whole.
    gc.collect()
    QtWidgets.QApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete)
    dock.set_selection(Selection("neuron", 1, 2))
    dock.show_frame(trained_frame)
    qtbot.wait(50)
    views = [v for v in dock.properties.neuron_page.findChildren(pg.GraphicsView) if v.isVisible()]
    paints = [0] * len(views)

    class PaintCounter(QtCore.QObject):
        def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
            if event.type() == QtCore.QEvent.Type.Paint:
                for index, view in enumerate(views):
                    if watched is view.viewport():
                        paints[index] += 1
            return False

    counter = PaintCounter()
    for view in views:
        view.viewport().installEventFilter(counter)
    # Let the first frame's paints (late on a busy machine) finish before counting.
    for _ in range(40):
        before = list(paints)
        qtbot.wait(100)
        if paints == before:
            break
    paints[:] = [0] * len(views)
    # New weights move both plots' ranges.
    grown = replace(trained_frame, weights=tuple((3.0 * W, b) for W, b in trained_frame.weights))
    for step in dock.frame_steps(grown):
        step()
        qtbot.wait(5)
    qtbot.wait(100)
    # Ranges applied while the repaint was held: pyqtgraph's own pass before painting moved
    # the items again, which painted every plot a second time.
    assert paints == [1] * len(views)


def test_live_frames_are_read_out_at_most_every_quarter_second_and_the_last_one_always(
    qtbot, dock: PropertiesDock, trained_frame
) -> None:
    import time

    from nnstudio.ui.docks.properties_dock import READOUT_INTERVAL

    dock.set_selection(Selection("neuron", 1, 2))
    dock.show_frame(trained_frame)
    page = dock.properties.neuron_page
    for step in dock.frame_steps(trained_frame):
        step()
    first = page.readout.text()
    assert "Example" in first
    started = time.monotonic()
    grown = replace(trained_frame, weights=tuple((3.0 * W, b) for W, b in trained_frame.weights))
    for step in dock.frame_steps(grown):
        step()
    # Too soon after the last readout: the table waits (its layout costs a frame's budget)...
    assert page.readout.text() == first
    # ...and then reads out the latest frame, although no other frame comes.
    qtbot.waitUntil(lambda: page.readout.text() != first, timeout=2000)
    assert time.monotonic() - started >= READOUT_INTERVAL


def test_plots_held_by_a_frame_whose_steps_were_dropped_paint_again(
    qtbot, dock: PropertiesDock, trained_frame
) -> None:
    from nnstudio.ui.qt import QtWidgets, pg

    dock.set_selection(Selection("neuron", 1, 2))
    dock.show_frame(trained_frame)
    views = [v for v in dock.properties.neuron_page.findChildren(pg.GraphicsView) if v.isVisible()]
    live = [view.viewportUpdateMode() for view in views]
    held = QtWidgets.QGraphicsView.ViewportUpdateMode.NoViewportUpdate
    assert held not in live
    # A new document dropped the rest of a turn (FrameRelay.discard) after its first step.
    dock.frame_steps(trained_frame)[0]()
    assert all(view.viewportUpdateMode() == held for view in views)
    for step in dock.frame_steps(trained_frame):
        step()
    assert [view.viewportUpdateMode() for view in views] == live
    # Also when the next thing to show is another selection, not a frame.
    dock.frame_steps(trained_frame)[0]()
    dock.set_selection(Selection("neuron", 1, 1))
    assert [view.viewportUpdateMode() for view in views] == live


def test_the_readout_keeps_the_dock_as_wide_as_its_table(qtbot, dock, trained_frame) -> None:
    from nnstudio.ui.qt import Qt, QtWidgets

    dock.set_selection(Selection("neuron", 1, 2))
    dock.show_frame(trained_frame)
    readout = dock.properties.neuron_page.readout
    plain = QtWidgets.QLabel()
    plain.setTextFormat(Qt.TextFormat.RichText)
    plain.setWordWrap(True)
    plain.setFont(readout.font())
    plain.setText(readout.text())
    needed = plain.minimumSizeHint().width()
    assert needed > 120
    dock.resize(120, 700)
    qtbot.wait(50)
    # The values' column is whole: the dock does not get narrower than the table.
    assert readout.width() >= needed
    widest = readout.minimumWidth()
    # Shorter numbers in the next frame leave the width alone (no jitter while training).
    dock.properties.neuron_page.example = 0
    readout.setText(readout.text().replace("e\u2212", "x"))
    assert readout.minimumWidth() == widest
    # Another selection starts over.
    dock.set_selection(Selection("neuron", 1, 0))
    plain.setText(readout.text())
    assert readout.minimumWidth() == min(plain.minimumSizeHint().width(), 480)
