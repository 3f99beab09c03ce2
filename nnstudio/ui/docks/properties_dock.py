"""The Properties dock: whatever is selected on the canvas, editable.

Nothing selected shows a summary of the project; a layer shows its settings (units,
activation, initialiser, bias, dropout, alpha), each edit going through
:meth:`StudioDocument.set_layer`; a neuron shows the :class:`~nnstudio.ui.neuron_view.NeuronView`
and its bias; an edge shows its weight, editable by hand while training is not running.

Neuron and edge pages also read out the forward and backward pass of the example chosen in
the toolbar's Example picker (:meth:`PropertiesWidget.set_example`): a neuron's ``z``,
``a = g(z)``, ``g′(z)`` and error ``δ = ∂J/∂z`` with how ``δ`` arises, an edge's ``w``,
``a``, ``δ`` and ``∂J/∂w = a·δ``, and the mean over the probe examples
(see :mod:`nnstudio.ui.example_errors`).
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Callable
from dataclasses import is_dataclass, replace
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.spec import (
    ACTIVATION_ALPHA_DEFAULTS,
    ACTIVATIONS,
    INIT_PARAM_DEFAULTS,
    INITIALIZERS,
    CsvData,
    DataSpec,
    LayerSpec,
    Project,
    Weights,
    canonical_activation,
    with_minus_sign,
)
from nnstudio.text import plural
from nnstudio.ui.docks.data_dock import BUILTIN_INFO
from nnstudio.ui.docks.training_dock import LOSS_LABELS, OPTIMIZER_LABELS, NumberField
from nnstudio.ui.document import StudioDocument, layer_title, short_layer_title
from nnstudio.ui.example_errors import ExampleErrors, ExampleErrorsCache
from nnstudio.ui.qt import (
    Qt,
    QtCore,
    QtGui,
    QtWidgets,
    Signal,
    is_alive,
    pg,
    whole_text_combo,
)
from nnstudio.ui.relay import HeldViews
from nnstudio.ui.selection import Selection
from nnstudio.ui.steady_label import SteadyLabel

if TYPE_CHECKING:
    from nnstudio.ui.neuron_view import NeuronView

INIT_LABELS = {
    "zeros": "Zeros",
    "constant": "Constant",
    "normal": "Normal",
    "uniform": "Uniform",
    "xavier_normal": "Xavier (Glorot) normal",
    "xavier_uniform": "Xavier (Glorot) uniform",
    "he_normal": "He normal",
    "he_uniform": "He uniform",
    "lecun_normal": "LeCun normal",
}
INIT_PARAM_LABELS = {"constant": "Value", "normal": "Std. deviation", "uniform": "Limit"}
ALPHA_LABELS = {"leaky_relu": "Negative slope α", "elu": "Scale α"}


#: Margins of every page, so their headings and forms line up when the selection changes.
PAGE_MARGINS = (10, 8, 10, 8)


def _title_label() -> QtWidgets.QLabel:
    label = QtWidgets.QLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and descriptions are the user's
    style_title(label)
    _shrinkable(label)
    return label


def style_title(label: QtWidgets.QLabel) -> None:
    """Give ``label`` the pages' heading look: bold, a little larger, dark blue, wrapping."""
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)
    label.setStyleSheet("color: #1e3a8a;")
    label.setWordWrap(True)


#: The least width of a label that takes the dock's width (see _shrinkable).
_SHRINKABLE_WIDTH = 40


def _shrinkable(label: QtWidgets.QLabel) -> None:
    """Let a wrapping label take the dock's width instead of widening the dock."""
    label.setMinimumWidth(_SHRINKABLE_WIDTH)
    policy = label.sizePolicy()
    policy.setHorizontalPolicy(QtWidgets.QSizePolicy.Policy.Ignored)
    label.setSizePolicy(policy)


def _note_label() -> QtWidgets.QLabel:
    label = SteadyLabel()  # some notes carry live values
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and descriptions are the user's
    label.setWordWrap(True)
    _shrinkable(label)
    label.setStyleSheet("color: #6b7280;")
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _form() -> QtWidgets.QFormLayout:
    form = QtWidgets.QFormLayout()
    form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(6)
    return form


#: A value's longest word widens the dock up to this many pixels; longer ones are cut.
_WIDEST_WORD = 200
#: Where word wrapping may break a value: after spaces, dashes and zero-width spaces.
_BREAKS = re.compile(r"(?<=[\s\-\u200b])")


class _ValueLabel(QtWidgets.QLabel):
    """A wrapping value that is never narrower than its longest word.

    Word wrapping breaks lines between words only, so a label narrower than a word cuts it
    ("Classificat"); its minimum width follows the text instead (up to :data:`_WIDEST_WORD`),
    and the dock, which fits its page, widens accordingly.
    """

    def setText(self, text: str) -> None:
        super().setText(text)
        metrics = self.fontMetrics()
        words = [word.strip() for word in _BREAKS.split(text)]
        widest = max((metrics.horizontalAdvance(word) for word in words if word), default=0)
        self.setMinimumWidth(max(40, min(_WIDEST_WORD, widest + 2)))


def _value_label() -> QtWidgets.QLabel:
    label = _ValueLabel()
    label.setTextFormat(Qt.TextFormat.PlainText)  # names and descriptions are the user's
    label.setWordWrap(True)
    _shrinkable(label)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


#: ``"Input"``, ``"Hidden 2"`` or ``"Output"`` (the document's notices name layers so too).
_short_title = short_layer_title

#: What a layer's bias init and initialiser scale may be: what a project file accepts.
_INIT_LIMIT = 1e3
#: What a layer's α may be (from 0): what a project file accepts.
_ALPHA_LIMIT = 100.0


def _typed(value: float) -> str:
    """``value`` as a message shows it beside a limit: short (``1e+308``) unless that would
    hide what breaks the limit (``1000.0001``, not ``1000`` against "at most 1000")."""
    short = f"{value:g}"
    return with_minus_sign(short if float(short) == value else repr(float(value)))


def _neuron_name(document: StudioDocument, drawn_index: int, neuron: int) -> str:
    """An input's or output's label as the canvas shows it, else ``"neuron 3"``."""
    if drawn_index == 0:
        names = document.input_names()
    elif drawn_index == len(document.project.network.layers):
        names = document.output_labels()
    else:
        return f"neuron {neuron + 1}"
    return names[neuron] if 0 <= neuron < len(names) else f"neuron {neuron + 1}"


def selection_fits(selection: Selection, sizes: tuple[int, ...]) -> bool:
    """Whether ``selection`` names a layer, neuron or edge a network of ``sizes`` has.

    Parameters
    ----------
    selection : Selection
    sizes : tuple of int
        Widths of the drawn layers, inputs first (``NetworkSpec.sizes``).

    Returns
    -------
    bool
        ``False`` for a layer, neuron or source beyond the network (after an undo, a
        removed layer or another project).
    """
    layer = selection.layer
    if not 0 <= layer < len(sizes):
        return False
    if selection.neuron is not None and not 0 <= selection.neuron < sizes[layer]:
        return False
    if selection.kind == "edge":
        return layer >= 1 and 0 <= (selection.source or 0) < sizes[layer - 1]
    return True


def newest_weights(document: StudioDocument, frame: object | None, *, live: bool) -> Weights | None:
    """The newest weights of the network: a running training's frame's, else the document's.

    While training runs, frames are ahead of the document, which takes their weights only a
    few times a second. Otherwise the document is never behind: every frame is handed back
    to it as it arrives, and a hand edit or an undo reaches it before the frame that carries
    it (about 100 ms later, a second on a big network), so the frame must not win then.

    Parameters
    ----------
    document : StudioDocument
    frame : Frame or None
        The last training frame shown.
    live : bool
        Whether training runs.

    Returns
    -------
    Weights or None
        Weights that fit the document's network, or ``None`` when neither does.
    """
    network = document.project.network
    frame_weights = getattr(frame, "weights", None)
    frame_fits = frame_weights is not None and network.fits(frame_weights)
    if live and frame_fits:
        return frame_weights
    if document.weights is not None and network.fits(document.weights):
        return document.weights
    return frame_weights if frame_fits else None


def data_name(data: DataSpec) -> str:
    """A data set's name as the Data panel gives it: "Spiral", "iris.csv"."""
    if isinstance(data, CsvData):
        return PurePath(data.csv).name
    return BUILTIN_INFO.get(data.builtin, (data.builtin.capitalize(), ""))[0]


class SummaryPage(QtWidgets.QWidget):
    """Project overview shown when nothing is selected."""

    def __init__(self, document: StudioDocument):
        super().__init__()
        self.document = document
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(*PAGE_MARGINS)
        self.title = _title_label()
        self.title.setText("Project")
        layout.addWidget(self.title)
        form = _form()
        self.name = QtWidgets.QLineEdit()
        self.name.setToolTip("The project's display name")
        self.name.editingFinished.connect(self._rename)
        form.addRow("Name", self.name)
        self.fields: dict[str, QtWidgets.QLabel] = {}
        for key in (
            "Task",
            "Data",
            "Network",
            "Parameters",
            "Loss",
            "Optimizer",
            "Weights",
            "File",
        ):
            self.fields[key] = _value_label()
            label = QtWidgets.QLabel(key)
            # A value may wrap over lines: its name sits beside the first line, not midway.
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            form.addRow(label, self.fields[key])
        layout.addLayout(form)
        self.description = _note_label()
        layout.addWidget(self.description)
        hint = _note_label()
        hint.setText("Click a layer, neuron or connection on the canvas to inspect and edit it.")
        layout.addWidget(hint)
        layout.addStretch(1)

    def refresh(self) -> None:
        """Show the document's current state."""
        document = self.document
        project = document.project
        if not self.name.hasFocus():
            self.name.setText(project.name)
            self.name.setCursorPosition(0)  # a long name shows its start, not its end
        network = project.network
        self.fields["Task"].setText(project.task.capitalize())
        dataset = document.dataset
        if dataset is not None:
            self.fields["Data"].setText(dataset.describe())
        else:
            self.fields["Data"].setText(f"Not loaded: {document.dataset_error or 'unknown'}")
        # Zero-width spaces let a long architecture string wrap at its dashes.
        self.fields["Network"].setText(network.describe().replace("-", "-\u200b"))
        self.fields["Parameters"].setText(f"{network.parameter_count:,}")
        loss = LOSS_LABELS.get(project.loss, project.loss)
        if project.target_standardization is not None:
            # Why the loss is small while the RMSE is in the targets' (large) units.
            loss = f"{loss}, on standardised targets"
        self.fields["Loss"].setText(loss)
        t = project.training
        self.fields["Optimizer"].setText(
            f"{OPTIMIZER_LABELS.get(t.optimizer, t.optimizer)}, learning rate {t.learning_rate:g}"
        )
        self.fields["Weights"].setText(self._weights_text())
        self.fields["File"].setText(document.path.name if document.path else "Not saved yet")
        self.fields["File"].setToolTip(str(document.path) if document.path else "")
        description = project.description
        original = data_name(document.described_data)
        if description and data_name(project.data) != original:
            # Another data set since: the text speaks of data that is no longer shown.
            description = f"Written for its original data ({original}): {description}"
        self.description.setText(description)
        self.description.setVisible(bool(description))

    def show_snapshot(self, snapshot: object | None) -> None:
        """Note how far training has come (from the latest frame's snapshot)."""
        self._snapshot = snapshot
        self.fields["Weights"].setText(self._weights_text())

    def _weights_text(self) -> str:
        document = self.document
        if document.weights is None:
            return "Not initialised yet"
        snapshot = getattr(self, "_snapshot", None)
        # The weights' own position: after early stopping, the restored epoch's.
        position = getattr(snapshot, "weights_position", None)
        if position is None:
            position = (getattr(snapshot, "epoch", 0), getattr(snapshot, "step", 0))
        epoch, step = int(position[0] or 0), int(position[1] or 0)
        if step == 0:
            # A run that has not trained yet holds the document's weights as they came
            # (after an undo or redo, trained ones): the document knows how far.
            epoch, step = document.training_position
        if step > 0:
            epochs = f"{epoch:,} epoch{'s' if epoch != 1 else ''}"
            return f"Trained for {epochs} ({step:,} step{'s' if step != 1 else ''})"
        if document.has_trained_weights:
            return "Trained or loaded from file"
        return "Initialised from the seed, not trained yet"

    def _rename(self) -> None:
        name = self.name.text().strip()
        if not name:
            # A project needs a name: the one it keeps shows again, rather than an empty
            # field beside a file that holds the old name.
            self.name.setText(self.document.project.name)
            self.name.setCursorPosition(0)
            return
        if name != self.document.project.name:
            self.document.set_name(name)


class InputPage(QtWidgets.QWidget):
    """The input layer: feature names and the stored standardisation."""

    def __init__(self, document: StudioDocument):
        super().__init__()
        self.document = document
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(*PAGE_MARGINS)
        self.title = _title_label()
        layout.addWidget(self.title)
        self.note = _note_label()
        layout.addWidget(self.note)
        # Consecutive identity layers collapse into one linear map.
        self.linear_note = _note_label()
        self.linear_note.hide()
        layout.addWidget(self.linear_note)
        self.table = _FittedTable(0, 3)
        self.table.setHorizontalHeaderLabels(["Feature", "Mean", "Std"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        # The names take what the numbers leave (the numbers are short); a name too long
        # for a narrow dock keeps both ends, which tell sepal_length from sepal_width.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QtWidgets.QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout.addWidget(self.table, 1)
        # Room the table's rows do not need stays the dock's background, not an empty table.
        layout.addStretch(0)

    def refresh(self, selection: Selection) -> None:
        """Show the input layer (``selection`` may point at one input neuron)."""
        project = self.document.project
        n = project.network.inputs
        names = project.feature_names or tuple(f"x{i + 1}" for i in range(n))
        std = project.standardization
        if selection.neuron is not None and 0 <= selection.neuron < n:
            # Neurons are numbered from 0, as on the canvas.
            neuron = selection.neuron
            self.title.setText(f"Input {names[neuron]} (neuron {neuron + 1})")
        else:
            self.title.setText(f"Input layer — {n} feature{'s' if n != 1 else ''}")
        self.note.setText(
            "Inputs are standardised with the training set's mean and standard deviation "
            "before the first layer."
            if std is not None
            else "Inputs reach the first layer unchanged (no standardisation)."
        )
        shown = min(n, 2000)  # a 784-pixel input still lists comfortably; beyond, summarise
        self.table.setRowCount(shown)
        self.table.setColumnHidden(1, std is None)
        self.table.setColumnHidden(2, std is None)
        columns = (
            (_number_column(std.mean[:shown]), _number_column(std.std[:shown]))
            if std is not None
            else ()
        )
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row in range(shown):
            self.table.setItem(row, 0, QtWidgets.QTableWidgetItem(names[row]))
            for column, texts in enumerate(columns, start=1):
                item = QtWidgets.QTableWidgetItem(texts[row])
                # Right-aligned with the same decimals, the digits of a column line up.
                item.setTextAlignment(right)
                self.table.setItem(row, column, item)
        for column in (1, 2):
            header_item = self.table.horizontalHeaderItem(column)
            if header_item is not None:
                header_item.setTextAlignment(right)
        self.table.fit_rows()
        if selection.neuron is not None and selection.neuron < shown:
            self.table.selectRow(selection.neuron)


#: Rows the input table shows at least before it scrolls (more when the dock has room).
_MIN_TABLE_ROWS = 4


class _FittedTable(QtWidgets.QTableWidget):
    """A table never taller than its rows, so a short one leaves no empty white box below."""

    def fit_rows(self) -> None:
        """Cap the height at the rows' height (a long table scrolls within the dock's room)."""
        header = self.horizontalHeader().sizeHint().height() if self.horizontalHeader() else 0
        frame = 2 * self.frameWidth()
        rows = self.verticalHeader().length()
        self.setMaximumHeight(header + rows + frame)
        row = self.verticalHeader().defaultSectionSize()
        self.setMinimumHeight(header + frame + row * min(self.rowCount(), _MIN_TABLE_ROWS))
        self.updateGeometry()

    def sizeHint(self) -> QtCore.QSize:
        hint = super().sizeHint()
        return QtCore.QSize(hint.width(), min(hint.height(), self.maximumHeight()))


def _number_column(values: np.ndarray) -> list[str]:
    """A column of numbers written with one number of decimals, four significant digits for
    the largest; very large or very small magnitudes in scientific notation.
    """
    values = np.asarray(values, dtype=float)
    finite = np.abs(values[np.isfinite(values)])
    largest = float(finite.max()) if finite.size else 0.0
    if largest == 0.0:
        return [f"{v:.3f}" for v in values]
    if not 1e-3 <= largest < 1e6:
        return [f"{v:.3e}" for v in values]
    decimals = int(min(4, max(0, 3 - np.floor(np.log10(largest)))))
    return [f"{v:.{decimals}f}" for v in values]


class LayerPage(QtWidgets.QWidget):
    """Editable settings of one hidden or output layer.

    Signals
    -------
    layerRemoved()
        The shown layer was removed with the Remove layer button.
    """

    layerRemoved = Signal()

    def __init__(self, document: StudioDocument):
        super().__init__()
        self.document = document
        #: The ``network.layers`` index shown; ``None`` while no layer is (another page).
        self.index: int | None = None
        self._updating = False
        self._editable = True
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(*PAGE_MARGINS)
        self.title = _title_label()
        layout.addWidget(self.title)
        form = _form()
        # A row too wide for the dock puts its field under its label, at the full width.
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        self.form = form
        self.units = QtWidgets.QSpinBox()
        self.units.setRange(1, 100_000)
        self.units.setKeyboardTracking(False)
        self.units.valueChanged.connect(lambda v: self._edit("Change units", units=int(v)))
        form.addRow("Units", self.units)
        self.activation = QtWidgets.QComboBox()
        self.activation.activated.connect(self._activation_chosen)
        form.addRow("Activation", self.activation)
        self.alpha = NumberField(0.01, step=0.01)
        self.alpha.committed.connect(self._alpha_changed)
        form.addRow("α", self.alpha)
        # As wide as "Xavier (Glorot) uniform": a narrow dock wraps the row instead.
        self.init = whole_text_combo()
        for name in INITIALIZERS:
            self.init.addItem(INIT_LABELS.get(name, name), name)
        self.init.activated.connect(
            lambda _i: self._edit(
                "Change initialiser", init=self.init.currentData(), init_param=None
            )
        )
        form.addRow("Initialiser", self.init)
        self.init_param = NumberField(0.1, logarithmic=True, step=0.01)
        self.init_param.committed.connect(self._init_param_changed)
        form.addRow("Scale", self.init_param)
        self.bias_init = NumberField(0.0, step=0.01)
        self.bias_init.setToolTip("Value every bias of this layer starts at")
        self.bias_init.committed.connect(self._bias_init_changed)
        form.addRow("Bias init", self.bias_init)
        for field in (self.alpha, self.init_param, self.bias_init):
            # Text that is no number ("abc") is explained under the form too, as a range is.
            field.refused.connect(lambda reason, field=field: self._fail(field, reason))
        # What the initialiser draws for this layer, in numbers (σ or limit, and b).
        self.init_note = _note_label()
        form.addRow(self.init_note)
        self.dropout = QtWidgets.QDoubleSpinBox()
        self.dropout.setRange(0.0, 0.95)
        self.dropout.setSingleStep(0.05)
        self.dropout.setDecimals(2)
        self.dropout.setKeyboardTracking(False)
        self.dropout.setToolTip("Probability of dropping each unit of this layer while training")
        self.dropout.valueChanged.connect(
            lambda v: self._edit("Change dropout", dropout=round(float(v), 4))
        )
        form.addRow("Dropout", self.dropout)
        layout.addLayout(form)
        self.error = QtWidgets.QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #991b1b;")
        self.error.hide()
        layout.addWidget(self.error)
        self.note = _note_label()
        layout.addWidget(self.note)
        # Consecutive identity layers collapse into one linear map.
        self.linear_note = _note_label()
        self.linear_note.hide()
        layout.addWidget(self.linear_note)
        self.locked_note = _note_label()
        self.locked_note.setText("Pause training to change this layer.")
        self.locked_note.hide()
        layout.addWidget(self.locked_note)
        buttons = QtWidgets.QGridLayout()
        self.add_neuron_button = QtWidgets.QPushButton("Add neuron")
        self.add_neuron_button.clicked.connect(lambda: self._change_units(1))
        self.remove_neuron_button = QtWidgets.QPushButton("Remove neuron")
        self.remove_neuron_button.clicked.connect(lambda: self._change_units(-1))
        self.remove_layer_button = QtWidgets.QPushButton("Remove layer")
        self.remove_layer_button.clicked.connect(self._remove_layer)
        buttons.addWidget(self.add_neuron_button, 0, 0)
        buttons.addWidget(self.remove_neuron_button, 0, 1)
        buttons.addWidget(self.remove_layer_button, 1, 0, 1, 2)
        layout.addLayout(buttons)
        layout.addStretch(1)

    @property
    def layer(self) -> LayerSpec | None:
        """The shown layer's current spec; ``None`` when no layer is shown, or it is gone."""
        layers = self.document.project.network.layers
        index = self.index
        return layers[index] if index is not None and 0 <= index < len(layers) else None

    @property
    def is_output(self) -> bool:
        """Whether the shown layer is the output layer."""
        index = self.index
        return index is not None and index == len(self.document.project.network.layers) - 1

    def refresh(self, index: int) -> None:
        """Show ``network.layers[index]`` (an index the network does not have shows none)."""
        in_range = 0 <= index < len(self.document.project.network.layers)
        self.index = index if in_range else None
        self._updating = True
        try:
            self._show()
        finally:
            self._updating = False

    def forget(self) -> None:
        """Hold no layer: another page is on show.

        A kept index would name another layer, or none, once the network changes (an undo,
        a removed layer, another project), and the next change of the training state
        (:meth:`set_editable`) would read it.
        """
        self.index = None

    def _show(self) -> None:
        project = self.document.project
        layer = self.layer
        if layer is None:
            self._show_none()
            return
        output = self.is_output
        title = layer_title(project, self.index + 1)
        self.title.setText(f"{title} — {plural(layer.units, 'unit')}")
        self.units.setValue(layer.units)
        self.units.setToolTip(
            "The output width is set by the data (classes or targets)"
            if output
            else "Number of neurons in this layer"
        )
        self.activation.clear()
        names = [n for n in ACTIVATIONS if n != "linear" and (output or n != "softmax")]
        if layer.activation not in names:
            names.append(layer.activation)
        for name in names:
            self.activation.addItem(name, name)
        self.activation.setCurrentIndex(names.index(layer.activation))
        takes_alpha = layer.activation in ACTIVATION_ALPHA_DEFAULTS
        self.form.setRowVisible(self.alpha, takes_alpha)
        if takes_alpha:
            self.alpha.set_value(layer.activation_alpha or 0.0)
            label = self.form.labelForField(self.alpha)
            if isinstance(label, QtWidgets.QLabel):
                label.setText(ALPHA_LABELS[layer.activation])
        self.init.setCurrentIndex(INITIALIZERS.index(layer.init))
        takes_param = layer.init in INIT_PARAM_DEFAULTS
        self.form.setRowVisible(self.init_param, takes_param)
        if takes_param:
            self.init_param.set_value(layer.effective_init_param or 0.0)
            label = self.form.labelForField(self.init_param)
            if isinstance(label, QtWidgets.QLabel):
                label.setText(INIT_PARAM_LABELS[layer.init])
        self.bias_init.set_value(layer.bias_init)
        self.dropout.setValue(layer.dropout)
        self.form.setRowVisible(self.dropout, not output)
        fan_in = project.network.sizes[self.index]
        self.init_note.setText(init_scale_text(layer, fan_in))
        collapse = linear_collapse_text(project, self.index)
        self.linear_note.setText(collapse)
        self.linear_note.setVisible(bool(collapse))
        self.note.setText(
            f"{fan_in} × {layer.units} weights + {plural(layer.units, 'bias', 'biases')} = "
            f"{fan_in * layer.units + layer.units:,} parameters."
            + (" Weights reset when the shape changes." if not output else "")
        )
        self.add_neuron_button.setVisible(not output)
        self.remove_neuron_button.setVisible(not output)
        self.remove_layer_button.setVisible(not output)
        self.error.hide()
        self._apply_editable()

    def _show_none(self) -> None:
        """No layer to show (asked for one the network does not have): nothing to edit."""
        self.title.setText("No layer selected")
        self.note.setText("")
        self.init_note.setText("")
        self.linear_note.hide()
        self.error.hide()
        self._apply_editable()

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid changing the layer (forbidden while training runs)."""
        self._editable = bool(editable)
        self._apply_editable()

    def _apply_editable(self) -> None:
        layer = self.layer
        editable = self._editable and layer is not None
        output = self.is_output
        for control in (
            self.activation,
            self.alpha,
            self.init,
            self.init_param,
            self.bias_init,
            self.dropout,
            self.add_neuron_button,
            self.remove_layer_button,
        ):
            control.setEnabled(editable)
        self.units.setEnabled(editable and not output)
        self.remove_neuron_button.setEnabled(editable and layer is not None and layer.units > 1)
        self.locked_note.setVisible(not self._editable)

    def _edit(self, text: str, **changes: Any) -> bool:
        current = self.layer
        if self._updating or current is None or self.index is None:
            return False
        layer = replace(current, **changes)
        if layer == current:
            # Typed back to the value the layer has: clear a refusal still on show.
            self.refresh(self.index)
            return True
        ok = self.document.set_layer(self.index, layer, text)
        if not ok:
            # Declined (e.g. the user kept the trained weights): show the unchanged layer.
            self.refresh(self.index)
        return ok

    def _change_units(self, delta: int) -> None:
        if self.layer is not None and self.index is not None:
            self.document.change_units(self.index, delta)

    def _remove_layer(self) -> None:
        if self.layer is None or self.index is None:
            return
        if self.document.remove_layer(self.index):
            self.layerRemoved.emit()

    def _activation_chosen(self, _index: int) -> None:
        name = self.activation.currentData()
        self._edit("Change activation", activation=name, alpha=None)

    def _alpha_changed(self, value: float) -> None:
        if not 0.0 <= value <= _ALPHA_LIMIT:
            self._fail(self.alpha, f"must be between 0 and {_ALPHA_LIMIT:g}, got {_typed(value)}")
            return
        self._edit("Change α", alpha=float(value))

    def _init_param_changed(self, value: float) -> None:
        layer = self.layer
        if layer is None:
            return
        init = layer.init
        if init in ("normal", "uniform") and value <= 0:
            self._fail(self.init_param, f"{init} needs a positive scale, got {_typed(value)}")
            return
        if abs(value) > _INIT_LIMIT:
            self._fail(
                self.init_param,
                f"the scale must be within ±{_INIT_LIMIT:g}, got {_typed(value)}",
            )
            return
        self._edit("Change initialiser scale", init_param=float(value))

    def _bias_init_changed(self, value: float) -> None:
        # Checked here, as α and the scale are: the document would refuse it too, but the
        # field would then show the old value again and the typing would be lost.
        if abs(value) > _INIT_LIMIT:
            self._fail(
                self.bias_init,
                f"must be between {_typed(-_INIT_LIMIT)} and {_INIT_LIMIT:g}, got {_typed(value)}",
            )
            return
        self._edit("Change bias initialisation", bias_init=float(value))

    def _fail(self, field: NumberField, message: str) -> None:
        """Refuse what was typed in ``field``: kept, marked red, and explained under the form
        with the field's label first ("Bias init: must be between ...")."""
        label = self.form.labelForField(field)
        name = ""
        if isinstance(label, QtWidgets.QLabel):
            name = label.text().replace("&", "").rstrip(":")
        message = f"{name}: {message}" if name else message
        field.set_error(message)
        self.error.setText(message)
        self.error.show()


def init_scale_text(layer: LayerSpec, fan_in: int) -> str:
    """What a layer's initialiser draws, in numbers, one statement a line, e.g.
    "W ~ N(0, σ²)", "σ = √(2/fan_in) = √(2/64) = 0.177", "b = 0.01".

    The formulas are those of :func:`nnstudio.engine.initializers.initialize_layer`.

    Parameters
    ----------
    layer : LayerSpec
    fan_in : int
        Width of the layer's input.

    Returns
    -------
    str
        Lines separated by newlines.
    """
    fan_out = int(layer.units)
    name = layer.init
    param = float(layer.effective_init_param or 0.0)
    normal, uniform = "W ~ N(0, σ²)", "W ~ U(−limit, limit)"
    if name == "zeros":
        lines = ["W = 0: every neuron of this layer starts identical"]
    elif name == "constant":
        lines = [f"W = {_num(param, 3)}: every neuron of this layer starts identical"]
    elif name == "normal":
        lines = [normal, f"σ = {_num(param, 3)}"]
    elif name == "uniform":
        lines = [uniform, f"limit = {_num(param, 3)}", _uniform_sigma(param)]
    elif name in ("xavier_normal", "he_normal", "lecun_normal"):
        numerator = 1 if name == "lecun_normal" else 2
        fans, sizes = _fans(name, fan_in, fan_out)
        sigma = np.sqrt(numerator / sum(sizes))
        lines = [normal, _equation("σ", f"√({numerator}/{fans})", sizes, numerator, sigma)]
    elif name in ("xavier_uniform", "he_uniform"):
        fans, sizes = _fans(name, fan_in, fan_out)
        limit = np.sqrt(6.0 / sum(sizes))
        lines = [uniform, _equation("limit", f"√(6/{fans})", sizes, 6, limit)]
        lines.append(_uniform_sigma(limit))
    else:
        lines = [f"W: {name}"]
    return "\n".join([*lines, f"b = {_num(layer.bias_init, 3)}"])


def _fans(name: str, fan_in: int, fan_out: int) -> tuple[str, tuple[int, ...]]:
    """The fans an initialiser's scale divides by: Xavier's both, He's and LeCun's fan_in."""
    if name.startswith("xavier"):
        return "(fan_in + fan_out)", (fan_in, fan_out)
    return "fan_in", (fan_in,)


def _equation(
    symbol: str, formula: str, sizes: tuple[int, ...], numerator: int, value: float
) -> str:
    """``σ = √(2/fan_in) = √(2/64) = 0.177``, each side kept whole when the note wraps."""
    numbers = f"({sizes[0]} + {sizes[1]})" if len(sizes) == 2 else str(sizes[0])
    sides = [f"{symbol} = {formula}", f"√({numerator}/{numbers})", _num(value, 3)]
    # Non-breaking spaces, and a word joiner after "/" (where Qt would break a line too).
    return " = ".join(side.replace(" ", "\u00a0").replace("/", "/\u2060") for side in sides)


def _uniform_sigma(limit: float) -> str:
    """The standard deviation of U(−limit, limit), to compare it with the normal ones."""
    return f"(σ = limit/√3 = {_num(limit / np.sqrt(3.0), 3)})"


def linear_run(project: Project, index: int) -> tuple[int, int] | None:
    """The run of consecutive identity layers around ``network.layers[index]``.

    Returns
    -------
    tuple of int or None
        The first and last index of the run (``network.layers`` indices), or ``None`` when
        the layer is not identity or is the only identity layer of its run.
    """
    layers = project.network.layers

    def linear(i: int) -> bool:
        return canonical_activation(layers[i].activation) == "identity"

    if not linear(index):
        return None
    first, last = index, index
    while first > 0 and linear(first - 1):
        first -= 1
    while last + 1 < len(layers) and linear(last + 1):
        last += 1
    return (first, last) if last > first else None


#: The collapsed map, kept on one line.
_MAP = "a ↦ aW̃ + b̃".replace(" ", "\u00a0")


def linear_collapse_text(project: Project, index: int) -> str:
    """A note that a run of identity layers computes one linear map, with its shape, e.g.
    "Hidden 1 to Hidden 3 are all identity (linear): together they compute one linear map,
    a ↦ aW̃ + b̃ with W̃ = W₁W₂W₃, a 2 × 5 matrix. …"; empty when the layer is in no such run."""
    run = linear_run(project, index)
    if run is None:
        return ""
    first, last = run
    sizes = project.network.sizes
    fan_in, fan_out = sizes[first], sizes[last + 1]
    product = "".join(f"W{_subscript(i + 1)}" for i in range(first, last + 1))
    text = (
        f"{_short_title(project, first + 1)} to {_short_title(project, last + 1)} are all "
        f"identity (linear): together they compute one linear map, {_MAP} with "
        f"W̃ = {product}, a {fan_in}\u00a0×\u00a0{fan_out} matrix"
    )
    # The narrowest layer inside bounds the rank, below what the shape alone allows.
    narrowest = min(sizes[first + 1 : last + 1])
    if narrowest < min(fan_in, fan_out):
        text += f" of rank at most {narrowest} (the narrowest layer)"
    return text + ". One layer could compute the same."


def _subscript(number: int) -> str:
    """``number`` in subscript digits: 12 → "₁₂"."""
    return str(number).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


# ---- the "this example" readout ---------------------------------------------------------------

#: Colour of the readout's explanations (the notes' muted grey).
_MUTED = "#6b7280"
#: Terms of Σₖ wₖδₖ listed by name; beyond, the largest ones.
_LISTED_TERMS = 3
OPTIMIZER_STEP_NOTES = {
    "momentum": "momentum adds the velocity of earlier steps, so its step can differ",
    "nesterov": "Nesterov momentum adds the velocity of earlier steps, so its step can differ",
    "heavy_ball": "heavy ball adds the velocity of earlier steps, so its step can differ",
    "rmsprop": "RMSProp divides it by a running size of the gradient",
    "adam": "Adam divides a running mean of it by a running size of the gradient",
    "adamw": "AdamW divides a running mean of it by a running size of the gradient",
}


def _num(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits, with a true minus sign."""
    value = float(value)
    if not np.isfinite(value):
        return "–"
    if value == 0.0:
        return "0"  # never "-0"
    return f"{value:.{digits}g}".replace("-", "\u2212")


def readout_html(heading: str, rows: list[tuple[str, str | None, str]], notes: list[str]) -> str:
    """A small table of symbols, values and meanings, under a heading, above notes.

    Parameters
    ----------
    heading : str
        Bold first line (plain text).
    rows : list of (symbol, value, meaning)
        Rich text written here (names escaped by the caller). A row whose value is ``""``
        is a sub-heading (``symbol`` in bold); one whose value is ``None`` is a formula line
        across the table (``symbol``). A meaning goes on a line of its own under its row.
    notes : list of str
        Rich-text lines under the table, in the muted colour.

    Returns
    -------
    str
        Rich text for a QLabel.
    """
    cells = []
    for symbol, value, meaning in rows:
        if value == "":
            cells.append(f"<tr><td colspan='3' style='padding-top:5px'><b>{symbol}</b></td></tr>")
        elif value is None:
            cells.append(f"<tr><td colspan='3'>{symbol}</td></tr>")
        else:
            cells.append(
                f"<tr><td style='padding-right:6px'>{symbol}</td>"
                f"<td align='right'>{value}</td></tr>"
            )
            if meaning:
                # Under its row, not beside it: a dock a few hundred pixels wide has no room
                # for a third column, which ran past its edge.
                cells.append(
                    f"<tr><td colspan='2' style='color:{_MUTED}; padding-left:12px; "
                    f"padding-bottom:3px'>{meaning}</td></tr>"
                )
    table = "<table width='100%' cellspacing='0' cellpadding='1'>" + "".join(cells) + "</table>"
    lines = "".join(f"<div style='color:{_MUTED}'>{note}</div>" for note in notes)
    return f"<div><b>{html.escape(heading)}</b></div>{table}{lines}"


def _factor(value: float, digits: int = 4) -> str:
    """A number as a factor of a product: bracketed when negative, "× (−0.3)"."""
    text = _num(value, digits)
    return f"({text})" if text.startswith("\u2212") else text


def bound_by_dtype(field: NumberField, document: StudioDocument, what: str) -> None:
    """Refuse values the network's float type cannot hold (1e39 would be infinity in
    float32, and a network with an infinite weight can neither train nor be saved)."""
    dtype = document.project.training.dtype
    field.largest = float(np.finfo(dtype).max)
    field.largest_name = f"what {what} can hold in {dtype}"


def example_caption(frame: Any, example: int, count: int) -> str:
    """``"Example 6 / 128 · class outer"``, as the canvas's key names the example."""
    text = f"Example {example + 1} / {count}"
    labels = getattr(frame, "probe_labels", None)
    names = getattr(frame, "target_names", None) or ()
    if labels is not None and example < len(labels) and 0 <= int(labels[example]) < len(names):
        text += f" · class {names[int(labels[example])]}"
    return text


#: The widest a readout's table widens the dock to (pixels); a wider table is cut.
_WIDEST_READOUT = 480


class _ReadoutLabel(SteadyLabel):
    """The readout's table: the dock is kept at least as wide as the table needs.

    Its values are right-aligned in a column of their own, and a table wider than the label
    was cut at its right edge ("2.0" for 2.082, "−1.609e−" for −1.609e−05). The least width
    only grows while one selection is shown (:meth:`start_over` for another), so numbers
    that change every frame do not make the dock's width jitter.
    """

    def setText(self, text: str) -> None:
        super().setText(text)
        if text:
            needed = min(self.minimumSizeHint().width(), _WIDEST_READOUT)
            if needed > self.minimumWidth():
                self.setMinimumWidth(needed)

    def start_over(self) -> None:
        """Forget the least width of the tables shown so far (another selection)."""
        self.setMinimumWidth(_SHRINKABLE_WIDTH)


def _readout_label() -> _ReadoutLabel:
    label = _ReadoutLabel()  # new values every frame while training: keep its layout
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setWordWrap(True)
    _shrinkable(label)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setToolTip(
        "The forward and backward pass of the example chosen in the toolbar's Example "
        "picker (the one the canvas colours its neurons for), with dropout off as when "
        "predicting. δ = ∂J/∂z is a neuron's error for that one example's loss J; "
        "the mean over the examples is the gradient of their mean loss."
    )
    label.setVisible(False)
    return label


def _being_typed(field: QtWidgets.QLineEdit) -> bool:
    """Whether ``field`` holds typing not yet committed: a refresh keeps it. A focused field
    whose value came from elsewhere (an undo that reached the document) shows the new one."""
    return field.hasFocus() and field.isModified()


def _formula(text: str) -> str:
    """``text`` kept on one line: a formula broken after its "/" reads as two."""
    return f"<span style='white-space:nowrap'>{text}</span>"


def _common_notes(project: Project, *, inputs: bool, dropout: bool = True) -> list[str]:
    """Conventions behind the numbers: standardised inputs, dropout off (``dropout``: the
    numbers go through the network's layers, where dropout would act)."""
    notes = []
    if inputs and project.standardization is not None:
        notes.append("x̃ = (x − mean) / std: the first layer reads standardised inputs.")
    if dropout and any(layer.dropout > 0 for layer in project.network.layers):
        notes.append("Dropout off, as when predicting (training steps drop units).")
    return notes


def neuron_readout(
    project: Project,
    errors: ExampleErrors,
    frame: Any,
    index: int,
    neuron: int,
    example: int,
    next_names: list[str],
) -> str:
    """The readout of neuron ``neuron`` of layer ``index`` (``network.layers``) for one example.

    Parameters
    ----------
    project : Project
    errors : ExampleErrors
        The probe examples' forward and backward pass.
    frame : Frame
        Supplies the next layer's weights and the example's caption (class names).
    index, neuron : int
        Layer (index into ``network.layers``) and neuron.
    example : int
        Probe example, already within range.
    next_names : list of str
        Names of the next layer's neurons (the terms of Σₖ wₖδₖ).

    Returns
    -------
    str
        Rich text (see :func:`readout_html`).
    """
    from nnstudio.engine.activations import get_activation
    from nnstudio.engine.losses import get_loss

    layers = project.network.layers
    name = canonical_activation(layers[index].activation)
    function = get_activation(name, layers[index].activation_alpha)
    z_row = errors.Z[index][example]
    a_row = errors.A[index + 1][example]
    z, a = float(z_row[neuron]), float(a_row[neuron])
    delta = float(errors.deltas[index][example, neuron])
    softmax = name == "softmax"
    slope = float(function.derivative(z_row[None, :], a_row[None, :])[0, neuron])
    g = html.escape(name)
    rows: list[tuple[str, str | None, str]] = [
        ("z", _num(z), "= Σ w·a + b"),
        ("a", _num(a), f"= g(z), g = {g}"),
    ]
    if not softmax:
        rows.append(("g′(z)", _num(slope), "slope of g at z"))
    output = index == len(layers) - 1
    notes: list[str] = []
    if output:
        y = float(errors.targets[example, neuron])
        standardised = project.target_standardization is not None
        rows.append(("y", _num(y), "standardised target" if standardised else "target"))
    rows.append(("δ", f"<b>{_num(delta)}</b>", "= ∂J/∂z, its error"))
    rows.append(("How δ arises", "", ""))
    if output:
        loss = get_loss(project.loss)
        if loss.fused_activation is not None and loss.fused_activation == name:
            rows.append((f"δ = a − y = {_num(a)} − {_factor(y)}", None, ""))
            notes.append(f"With {g} and cross-entropy, g′(z) cancels: δ = a − y.")
        else:
            y_row = errors.targets[example][None, :]
            gradient = float(loss.gradient(a_row[None, :], y_row)[0, neuron])
            rows.append(("∂J/∂a", _num(gradient), f"of the loss ({html.escape(project.loss)})"))
            if softmax:
                rows.append(("δ = a (∂J/∂a − Σⱼ aⱼ ∂J/∂aⱼ)", None, ""))
                notes.append("Softmax couples the outputs, so δ takes all of them.")
            else:
                rows.append((f"δ = ∂J/∂a · g′(z) = {_num(gradient)} × {_factor(slope)}", None, ""))
    else:
        W_next = np.asarray(frame.weights[index + 1][0], dtype=np.float64)
        next_deltas = errors.deltas[index + 1][example]
        terms = W_next[neuron] * next_deltas
        total = float(terms.sum())
        if softmax:
            notes.append("Softmax couples the units, so δ uses its whole Jacobian.")
        else:
            rows.append((f"δ = g′(z) · Σₖ wₖδₖ = {_num(slope)} × {_factor(total)}", None, ""))
        count = terms.size
        rows.append(("Σₖ wₖδₖ", _num(total), f"over the next layer's {plural(count, 'neuron')}"))
        listed = [] if not terms.any() else np.argsort(-np.abs(terms))[:_LISTED_TERMS]
        if not terms.any():
            rows.append((f"&nbsp;&nbsp;(all {count} terms are 0)", None, ""))
        for k in listed:
            label = next_names[k] if k < len(next_names) else f"neuron {k + 1}"
            label = html.escape(label).replace(" ", "&nbsp;")  # one line per term
            product = f"{_num(float(W_next[neuron, k]), 3)} × {_factor(float(next_deltas[k]), 3)}"
            rows.append(
                (f"&nbsp;&nbsp;k&nbsp;=&nbsp;{label}", _num(float(terms[k]), 3), f"= {product}")
            )
        if count > _LISTED_TERMS and terms.any():
            rows.append((f"&nbsp;&nbsp;(the {_LISTED_TERMS} largest of {count} terms)", None, ""))
    mean = float(np.mean(errors.deltas[index][:, neuron]))
    rows.append((f"Over the {errors.count} examples", "", ""))
    rows.append(("mean δ", _num(mean), f"= ∂J/∂b of their mean loss ({_formula('∂J/∂b = δ')})"))
    notes += _common_notes(project, inputs=False)
    return readout_html(example_caption(frame, example, errors.count), rows, notes)


def _batch_note(batch_size: int | str, examples: int) -> str:
    """How the step shown over the probe ``examples`` relates to the steps training takes."""
    if batch_size == "full":
        where = "training averages over every training example"
    else:
        where = f"training steps on mini-batches of {plural(int(batch_size), 'example')}"
    return f"That step on these {examples:,} examples; {where}, so its steps differ a little."


def edge_readout(
    project: Project,
    errors: ExampleErrors,
    frame: Any,
    index: int,
    source: int,
    target: int,
    example: int,
    source_name: str,
) -> str:
    """The readout of the weight ``W[index][source, target]`` for one example.

    Parameters
    ----------
    project : Project
    errors : ExampleErrors
    frame : Frame
        Supplies the weights, the learning rate (its snapshot's) and the example's caption.
    index : int
        Layer (index into ``network.layers``) the weight feeds.
    source, target : int
        The weight's row and column.
    example : int
        Probe example, already within range.
    source_name : str
        The source neuron's label (an input feature's name).

    Returns
    -------
    str
        Rich text (see :func:`readout_html`).
    """
    w = float(np.asarray(frame.weights[index][0])[source, target])
    a = float(errors.A[index][example, source])
    delta = float(errors.deltas[index][example, target])
    first = index == 0
    rows: list[tuple[str, str | None, str]] = [("w", _num(w), "the weight")]
    name = html.escape(source_name)
    if first and project.standardization is not None:
        raw = float(errors.raw_inputs[example, source])
        rows.append(("a = x̃", _num(a), f"{name} = {_num(raw)}, standardised"))
    elif first:
        rows.append(("a = x", _num(a), f"input {name}"))
    else:
        rows.append(("a", _num(a), "the source's output"))
    rows += [
        ("δ", _num(delta), "the target's error ∂J/∂z"),
        ("∂J/∂w", f"<b>{_num(a * delta)}</b>", f"= a·δ = {_num(a)} × {_factor(delta)}"),
    ]
    mean = float(np.mean(errors.weight_gradients(index, source, target)))
    training = project.training
    rows.append((f"Over the {errors.count} examples", "", ""))
    rows.append(("mean a·δ", _num(mean), "= ∂J/∂w of their mean loss"))
    gradient = mean
    if training.l2 > 0:
        rows.append(("+ λ₂w", _num(training.l2 * w), "L2 penalty"))
        gradient += training.l2 * w
    if training.l1 > 0:
        rows.append(("+ λ₁ sign w", _num(training.l1 * float(np.sign(w))), "L1 penalty"))
        gradient += training.l1 * float(np.sign(w))
    if training.l1 > 0 or training.l2 > 0:
        rows.append(("total", _num(gradient), "= ∂J/∂w with the penalty"))
    rate = getattr(getattr(frame, "snapshot", None), "learning_rate", None)
    rate = float(rate) if rate else training.learning_rate
    notes = []
    if training.optimizer == "sgd":
        rows.append(("Δw", _num(-rate * gradient), f"= −α ∂J/∂w, α = {rate:g}: the next step"))
        notes.append(_batch_note(training.batch_size, errors.count))
    elif gradient != 0.0:
        direction = "down" if gradient > 0 else "up"
        step = OPTIMIZER_STEP_NOTES.get(training.optimizer, "the optimizer sets its size")
        notes.append(f"Descent moves w against ∂J/∂w, so {direction}; {step}.")
    notes += _common_notes(project, inputs=first)
    return readout_html(example_caption(frame, example, errors.count), rows, notes)


class NeuronPage(QtWidgets.QWidget):
    """One neuron: the shared neuron view (incoming weights, activation, heatmap), its bias,
    and the forward and backward pass of the chosen example."""

    def __init__(self, document: StudioDocument, errors: ExampleErrorsCache | None = None):
        super().__init__()
        self.document = document
        self.selection: Selection | None = None
        self._frame: object | None = None
        #: Whether the frame's pass may be read out (see :meth:`refresh`).
        self._explain = True
        self._editable = True
        #: The probe example the readout is for (the toolbar's Example picker).
        self.example = 0
        self._errors = errors if errors is not None else ExampleErrorsCache()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(*PAGE_MARGINS)
        self._layout = layout
        # Built when a neuron is first selected: its plots would slow the studio's start.
        self._view: NeuronView | None = None
        #: The colour scale of the incoming weights (see set_weight_scale); None: the view's.
        self.weight_scale: Callable[[Any], float] | None = None
        self.readout = _readout_label()
        layout.addWidget(self.readout)
        self.bias_row = QtWidgets.QWidget()
        form = _form()
        form.setContentsMargins(0, 0, 0, 0)
        self.bias = NumberField(0.0, step=0.01)
        self.bias.setToolTip("This neuron's bias b; edit it by hand while training is paused")
        self.bias.committed.connect(self._bias_changed)
        form.addRow("Bias b", self.bias)
        self.bias_row.setLayout(form)
        layout.addWidget(self.bias_row)
        # The bias follows the view's last line, as the other pages' fields follow theirs.
        layout.addStretch(1)

    @property
    def view(self) -> NeuronView:
        """The neuron view (incoming weights, activation function, heatmap)."""
        if self._view is None:
            from nnstudio.ui.neuron_view import NeuronView

            self._view = NeuronView()
            if self.weight_scale is not None:
                self._view.weight_scale = self.weight_scale
            # The heading of the other pages, so the neuron page does not look foreign.
            style_title(self._view.title_label)
            self._layout.insertWidget(0, self._view)
        return self._view

    def refresh(
        self,
        selection: Selection,
        frame: object | None,
        *,
        readout: bool = True,
        explain: bool = True,
    ) -> None:
        """Show the selected neuron, with live values from ``frame`` when there is one.

        ``readout=False`` leaves the activation plot and the example's readout to
        :meth:`show_activation` and :meth:`show_readout`, so a live frame's plots and text
        can be taken in as separate events. ``explain=False`` shows no readout: the frame's
        pass is of other weights than the page shows.
        """
        if not selection_fits(selection, self.document.project.network.sizes):
            # A neuron the network no longer has: nothing to show or edit.
            self.forget()
            self.bias_row.setVisible(False)
            self.readout.setVisible(False)
            return
        if selection != self.selection:
            self.readout.start_over()
        self.selection = selection
        self._frame = frame
        self._explain = explain
        index = selection.network_index
        neuron = selection.neuron or 0
        weights = newest_weights(self.document, frame, live=not self._editable)
        bound_by_dtype(self.bias, self.document, "a bias")
        self.bias_row.setVisible(index is not None)
        if weights is not None and index is not None and not _being_typed(self.bias):
            self.bias.set_value(float(weights[index][1][neuron]))
        self.bias.setEnabled(weights is not None and self._editable)
        self.view.show_neuron(self.document.project, index, neuron, frame, activation=readout)
        if readout:
            self._show_example(selection, frame)

    def set_weight_scale(self, scale: Callable[[Any], float]) -> None:
        """Colour incoming weights on ``scale(weights)`` (the canvas's limit in the studio)."""
        self.weight_scale = scale
        if self._view is not None:
            self._view.weight_scale = scale

    def show_activation(self) -> None:
        """Draw the activation plot :meth:`refresh` left waiting."""
        self.view.show_pending()

    def forget(self) -> None:
        """Hold no neuron and no frame: another page is on show (the network may change)."""
        self.selection = None
        self._frame = None

    def show_readout(self) -> None:
        """Read out the chosen example for the neuron and frame last shown."""
        if self.selection is not None and self._holds_current_neuron():
            self.view.show_pending()  # the example is marked on the activation plot
            self._show_example(self.selection, self._frame)

    def _holds_current_neuron(self) -> bool:
        """Whether the neuron held is still in the network (it changes under the page)."""
        selection = self.selection
        return selection is not None and selection_fits(
            selection, self.document.project.network.sizes
        )

    def _show_example(self, selection: Selection, frame: object | None) -> None:
        """Read out the chosen example's z, a, g′(z) and δ (and mark z on the view)."""
        project = self.document.project
        index = selection.network_index
        neuron = selection.neuron or 0
        fits = selection_fits(selection, project.network.sizes) and self._explain
        errors = self._errors.get(project, frame) if frame is not None and fits else None
        layers = project.network.layers
        if errors is None:
            self.view.mark_example(None)
            self.readout.setText("")
            self.readout.setVisible(False)
            return
        example = min(max(self.example, 0), errors.count - 1)
        if index is None:
            self.view.mark_example(None)
            text = _input_readout(project, errors, frame, neuron, example, self.document)
        else:
            self.view.mark_example(
                float(errors.Z[index][example, neuron]), float(errors.A[index + 1][example, neuron])
            )
            following = selection.layer + 1
            names = (
                [_neuron_name(self.document, following, k) for k in range(layers[index + 1].units)]
                if index + 1 < len(layers)
                else []
            )
            text = neuron_readout(project, errors, frame, index, neuron, example, names)
        self.readout.setText(text)
        self.readout.setVisible(True)

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid editing the bias by hand (forbidden while training runs)."""
        self._editable = editable
        self.bias.setEnabled(editable and self.document.weights is not None)

    def _bias_changed(self, value: float) -> None:
        selection = self.selection
        if selection is None or selection.network_index is None:
            return
        if not self._holds_current_neuron():
            return
        self.document.set_parameter(selection.network_index, None, selection.neuron or 0, value)


def _input_readout(
    project: Project,
    errors: ExampleErrors,
    frame: Any,
    neuron: int,
    example: int,
    document: StudioDocument,
) -> str:
    """An input feature's raw and standardised value for the example."""
    raw = float(errors.raw_inputs[example, neuron])
    name = html.escape(_neuron_name(document, 0, neuron))
    rows = [("x", _num(raw), f"{name}, as in the data")]
    if project.standardization is not None:
        rows.append(("x̃", _num(float(errors.A[0][example, neuron])), "what the network reads"))
    # An input's value goes through no layer: dropout does not concern it.
    notes = _common_notes(project, inputs=True, dropout=False)
    return readout_html(example_caption(frame, example, errors.count), rows, notes)


class EdgePage(QtWidgets.QWidget):
    """One connection: its weight, editable by hand while training is paused, and its
    gradient ``∂J/∂w = a·δ`` for the chosen example and over the probe examples."""

    def __init__(self, document: StudioDocument, errors: ExampleErrorsCache | None = None):
        super().__init__()
        self.document = document
        self.selection: Selection | None = None
        self._editable = True
        #: The probe example the readout is for (the toolbar's Example picker).
        self.example = 0
        self._errors = errors if errors is not None else ExampleErrorsCache()
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(*PAGE_MARGINS)
        self.title = _title_label()
        layout.addWidget(self.title)
        form = _form()
        self.weight = NumberField(0.0, step=0.05)
        self.weight.committed.connect(self._weight_changed)
        form.addRow("Weight w", self.weight)
        layout.addLayout(form)
        self.note = _note_label()
        layout.addWidget(self.note)
        # Consecutive identity layers collapse into one linear map.
        self.linear_note = _note_label()
        self.linear_note.hide()
        layout.addWidget(self.linear_note)
        self.readout = _readout_label()
        layout.addWidget(self.readout)
        layout.addStretch(1)

    def refresh(self, selection: Selection, frame: object | None, *, explain: bool = True) -> None:
        """Show the selected edge's weight (from ``frame`` while training).

        ``explain=False`` shows no readout: the frame's pass is of other weights than the
        page shows.
        """
        project = self.document.project
        if not selection_fits(selection, project.network.sizes) or selection.layer < 1:
            # An edge the network no longer has: nothing to show or edit.
            self.forget()
            self.title.setText("No connection selected")
            self.weight.setEnabled(False)
            self.note.setText("")
            self.linear_note.hide()
            self.readout.setVisible(False)
            return
        if selection != self.selection:
            self.readout.start_over()
        self.selection = selection
        index = selection.network_index
        source = selection.source or 0
        target = selection.neuron or 0
        before = _short_title(project, selection.layer - 1)
        after = _short_title(project, selection.layer)
        start = _neuron_name(self.document, selection.layer - 1, source)
        end = _neuron_name(self.document, selection.layer, target)
        self.title.setText(f"{before} · {start} → {after} · {end}")
        bound_by_dtype(self.weight, self.document, "a weight")
        weights = newest_weights(self.document, frame, live=not self._editable)
        if weights is None or index is None:
            self.weight.setEnabled(False)
            self.note.setText("The network has no weights yet: press Play or Step to start.")
            self.readout.setVisible(False)
            return
        W = weights[index][0]
        value = float(W[source, target])
        if not _being_typed(self.weight):
            self.weight.set_value(value)
        self.weight.setEnabled(self._editable)
        column = np.asarray(W[:, target], dtype=float)
        self.note.setText(
            f"W{selection.layer}[{source}, {target}] of the {W.shape[0]} × {W.shape[1]} matrix "
            "(indices from 0, as in the exported arrays). "
            f"Incoming weights of this neuron range from {column.min():.3g} to {column.max():.3g}."
            + ("" if self._editable else " Pause training to edit it by hand.")
        )
        errors = self._errors.get(project, frame) if frame is not None and explain else None
        if errors is None:
            self.readout.setVisible(False)
            return
        example = min(max(self.example, 0), errors.count - 1)
        self.readout.setText(
            edge_readout(project, errors, frame, index, source, target, example, start)
        )
        self.readout.setVisible(True)

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid editing the weight by hand (forbidden while training runs)."""
        self._editable = editable
        self.weight.setEnabled(editable and self.document.weights is not None)

    def forget(self) -> None:
        """Hold no edge: another page is on show (the network may change)."""
        self.selection = None

    def _weight_changed(self, value: float) -> None:
        selection = self.selection
        if selection is None or selection.network_index is None:
            return
        if not selection_fits(selection, self.document.project.network.sizes):
            return
        self.document.set_parameter(
            selection.network_index, selection.source or 0, selection.neuron or 0, value
        )


class PropertiesWidget(QtWidgets.QStackedWidget):
    """The pages of the Properties dock, switched by the canvas selection.

    Signals
    -------
    pageChanged(str)
        ``"summary"``, ``"input"``, ``"layer"``, ``"neuron"`` or ``"edge"``.
    """

    pageChanged = Signal(str)

    def __init__(self, document: StudioDocument, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.selection: Selection | None = None
        self._frame: object | None = None
        self._frame_shown = True
        #: Training runs: frames keep the values current.
        self._live = False
        #: The document's weights are newer than the last frame's (a hand edit or an undo
        #: while paused): that frame's numbers explain other weights until the next one.
        self._frame_behind = False
        #: The document's weights when an edit last decided :attr:`_frame_behind`.
        self._weights_seen: object | None = document.weights
        #: The probe example the neuron and edge pages read out (see :meth:`set_example`).
        self.example = 0
        errors = ExampleErrorsCache()  # one backward pass per frame serves both pages
        self.summary_page = SummaryPage(document)
        self.input_page = InputPage(document)
        self.layer_page = LayerPage(document)
        self.neuron_page = NeuronPage(document, errors)
        self.edge_page = EdgePage(document, errors)
        self._pages = {
            "summary": self.summary_page,
            "input": self.input_page,
            "layer": self.layer_page,
            "neuron": self.neuron_page,
            "edge": self.edge_page,
        }
        for page in self._pages.values():
            self.addWidget(page)
        self.layer_page.layerRemoved.connect(lambda: self.set_selection(None))
        document.projectChanged.connect(lambda _p: self._project_changed())
        document.weightsChanged.connect(lambda _w: self._refresh_values())
        document.datasetChanged.connect(lambda _d: self._refresh())
        document.pathChanged.connect(lambda _p: self._refresh())
        self._refresh()

    def sizeHint(self) -> QtCore.QSize:
        # Only the page on show counts, so a wide page never widens the dock for the others.
        current = self.currentWidget()
        return current.sizeHint() if current is not None else super().sizeHint()

    def minimumSizeHint(self) -> QtCore.QSize:
        current = self.currentWidget()
        return current.minimumSizeHint() if current is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        current = self.currentWidget()
        return current.hasHeightForWidth() if current is not None else False

    def heightForWidth(self, width: int) -> int:
        # The stacked layout would answer the tallest page's height: the scroll area would
        # keep a taller page's range (blank space below) after a shorter one is shown.
        current = self.currentWidget()
        return current.heightForWidth(width) if current is not None else -1

    @property
    def page_name(self) -> str:
        """Name of the page on show."""
        current = self.currentWidget()
        return next(name for name, page in self._pages.items() if page is current)

    def set_selection(self, selection: Selection | None) -> None:
        """Show the properties of ``selection`` (the project summary for ``None``)."""
        self.selection = selection
        self._refresh()

    def show_frame(self, frame: object, *, readout: bool = True) -> None:
        """Take live values (weights, activations) from a training frame.

        A hidden dock (closed, or a tab behind another dock) only keeps the frame and shows
        it when it appears. ``readout=False`` leaves the neuron page's readout of the
        example to :meth:`show_readout`.
        """
        self._frame = frame
        # Still behind only if it does not carry the edit either (one sent before it).
        self._frame_behind = self._frame_behind and self._behind_document(frame)
        self._frame_shown = False
        if self.isVisible():
            self._show_live_values(readout=readout)

    def show_activation(self) -> None:
        """Draw the neuron page's activation plot for the frame last shown."""
        if self._neuron_page_live():
            self.neuron_page.show_activation()

    def show_readout(self) -> None:
        """Read out the example on the neuron page for the frame last shown."""
        if self._neuron_page_live():
            self.neuron_page.show_readout()

    def _neuron_page_live(self) -> bool:
        """Whether the neuron page is on show and has taken the last frame in."""
        return self.page_name == "neuron" and self._frame_shown and self.isVisible()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        if not self._frame_shown:
            self._show_live_values()

    def _show_live_values(self, *, readout: bool = True) -> None:
        self._frame_shown = True
        self.summary_page.show_snapshot(getattr(self._frame, "snapshot", None))
        if self.page_name in ("neuron", "edge"):
            self._refresh(readout=readout)

    def set_example(self, index: int) -> None:
        """Read out probe example ``index`` (from 0) on the neuron and edge pages.

        The toolbar's Example picker chooses it, as it chooses the example the canvas
        colours its neurons for.
        """
        self.example = max(0, int(index))
        self.neuron_page.example = self.edge_page.example = self.example
        if self.page_name not in ("neuron", "edge"):
            return
        if self.isVisible():
            self._refresh()
        else:
            self._frame_shown = False  # shown when the dock appears

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid edits: layers, weights and biases (forbidden while training runs)."""
        self._live = not editable
        self.layer_page.set_editable(editable)
        self.neuron_page.set_editable(editable)
        self.edge_page.set_editable(editable)

    def _drop_stale_selection(self) -> None:
        """Forget a selection the network no longer has: the project page shows instead.

        The canvas drops such a selection too when it redraws the network; every signal of
        the document checks it here, as the first to arrive (a new project's path comes
        before the project) already finds the new network.
        """
        selection = self.selection
        if selection is not None and not selection_fits(
            selection, self.document.project.network.sizes
        ):
            self.selection = None

    def _refresh_values(self) -> None:
        if self._live and self._frame is not None:
            # Training hands its weights back a few times a second; the frames already
            # show them (and newer ones), so refreshing the page again would only cost time.
            return
        if self.page_name in ("summary", "neuron", "edge"):
            self._refresh()

    def _note_document_weights(self) -> None:
        """Decide anew whether the last frame is behind, if an edit changed the weights.

        Only edits (undo and redo included) count: weights handed back from training, a
        frame the relay brings here a little later, are not the document's own.
        """
        weights = self.document.weights
        if weights is not self._weights_seen:
            self._weights_seen = weights
            self._frame_behind = self._behind_document(self._frame)

    def _behind_document(self, frame: object | None) -> bool:
        """Whether the document holds other weights than ``frame`` while training is paused.

        Paused, every frame is handed to the document as it arrives, so weights of its own
        are an edit or an undo the next frame has not caught up with. Running, frames are
        ahead of the document instead.
        """
        shown = getattr(frame, "weights", None)
        weights = self.document.weights
        if self._live or shown is None or weights is None or shown is weights:
            return False
        if len(shown) != len(weights):
            return True
        return not all(
            np.array_equal(W, W_shown, equal_nan=True)
            and np.array_equal(b, b_shown, equal_nan=True)
            for (W, b), (W_shown, b_shown) in zip(weights, shown, strict=True)
        )

    def _project_changed(self) -> None:
        self._note_document_weights()
        self._refresh()

    def _refresh(self, *, readout: bool = True) -> None:
        # First on every signal of the document, whichever comes first.
        self._drop_stale_selection()
        selection = self.selection
        if selection is None:
            name = "summary"
            self.summary_page.refresh()
        elif selection.layer == 0 and selection.kind == "layer":
            name = "input"
            self.input_page.refresh(selection)
        elif selection.kind == "layer":
            name = "layer"
            self.layer_page.refresh(selection.layer - 1)
        elif selection.kind == "neuron":
            name = "neuron"
            frame, explain = self._page_frame()
            self.neuron_page.refresh(selection, frame, readout=readout, explain=explain)
        else:
            name = "edge"
            frame, explain = self._page_frame()
            self.edge_page.refresh(selection, frame, explain=explain)
        # The pages not on show hold nothing that the network's next change could outdate.
        if name != "layer":
            self.layer_page.forget()
        if name != "neuron":
            self.neuron_page.forget()
        if name != "edge":
            self.edge_page.forget()
        if self.currentWidget() is not self._pages[name]:
            self.setCurrentWidget(self._pages[name])
            self.updateGeometry()
            self.pageChanged.emit(name)

    def _page_frame(self) -> tuple[object | None, bool]:
        """The frame the neuron and edge pages show, and whether they may read it out.

        Returns
        -------
        frame : Frame or None
            The last frame; with the document's weights while it is behind them.
        explain : bool
            ``False`` while the frame is behind the document: a readout is a pass of the
            frame's weights, and would explain a weight the page no longer shows.
        """
        frame = self._frame_if_current()
        if frame is None or not self._frame_behind:
            return frame, True
        # A hand edit or an undo while paused, the frame that carries it on its way: the
        # incoming weights show at once, the readout comes back with that frame.
        weights = self.document.weights
        if not is_dataclass(frame) or not self.document.project.network.fits(weights):
            return None, False
        return replace(frame, weights=weights), False

    def _frame_if_current(self) -> object | None:
        """The last frame, unless its weights no longer fit the network (after an edit)."""
        frame = self._frame
        weights = getattr(frame, "weights", None)
        if weights is None:
            return None
        shapes = [w.shape for w, _b in weights]
        network = self.document.project.network
        expected = [s[0] for s in network.weight_shapes()]
        if shapes != expected:
            return None
        # Same shapes, other activations (an edit the next frame has not caught up with):
        # the readout would compute g with one function and show another's name.
        shown = getattr(frame, "activation_names", None)
        current = tuple(canonical_activation(layer.activation) for layer in network.layers)
        if shown is not None and tuple(canonical_activation(n) for n in shown) != current:
            return None
        return frame


#: Seconds between two readouts of live frames on the neuron page (see
#: :meth:`PropertiesDock.frame_steps`).
READOUT_INTERVAL = 0.25


class PropertiesDock(QtWidgets.QDockWidget):
    """Dock holding :class:`PropertiesWidget` in a scroll area."""

    def __init__(self, document: StudioDocument, parent: QtWidgets.QWidget | None = None):
        super().__init__("Properties", parent)
        self.setObjectName("PropertiesDock")
        self.properties = PropertiesWidget(document)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A container: Tab goes to the fields inside, never to the area (it shows no focus).
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        scroll.setWidget(self.properties)
        self.setWidget(scroll)
        self._scroll = scroll
        #: Plots held from repainting while a frame is taken in.
        self._held_views = HeldViews()
        # The readout of live frames, at most every READOUT_INTERVAL seconds. A frame that
        # comes sooner waits for a later frame's turn; when none comes (the run paused or
        # ended), the timer reads it out, so the last frame of a run is always read out.
        self._readout_due = 0.0
        self._readout_timer = QtCore.QTimer(self)
        self._readout_timer.setSingleShot(True)
        self._readout_timer.timeout.connect(self._show_readout_now)
        self.properties.currentChanged.connect(lambda _index: self._fit_page())
        # A page asks for a new layout when a value's minimum width changes with its text.
        for index in range(self.properties.count()):
            self.properties.widget(index).installEventFilter(self)
        self._fit_page()

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            event.type() == QtCore.QEvent.Type.LayoutRequest
            and watched is self.properties.currentWidget()
        ):
            self._fit_page()
        return super().eventFilter(watched, event)

    def _fit_page(self) -> None:
        """Keep the dock at least as wide as the page on show needs (it never scrolls sideways)."""
        page = self.properties.currentWidget()
        if page is None:
            return
        scroll_bar = self._scroll.verticalScrollBar().sizeHint().width()
        self._scroll.setMinimumWidth(page.minimumSizeHint().width() + scroll_bar)

    def set_selection(self, selection: Selection | None) -> None:
        """Forward to :meth:`PropertiesWidget.set_selection`."""
        self._held_views.release_all()  # a turn's remaining steps may have been dropped
        self.properties.set_selection(selection)

    def show_frame(self, frame: object, *, readout: bool = True) -> None:
        """Forward to :meth:`PropertiesWidget.show_frame`."""
        self.properties.show_frame(frame, readout=readout)

    def frame_steps(self, frame: object) -> list[Callable[[], None]]:
        """Take ``frame`` in, then the activation plot, then the example's readout, then
        repaint the page's plots one per step.

        A neuron page of a 784-input network takes in its incoming weights' bars and the
        activation plot, lays out and paints the readout's table, and repaints two plots:
        in one event that stalled the window several times a second while training runs.
        Run as separate events (see :class:`~nnstudio.ui.relay.FrameRelay`), the plots
        wait with their repaint while the frame and the readout are taken in and then
        repaint one at a time.
        """
        views = [
            view
            for view in self.properties.currentWidget().findChildren(pg.GraphicsView)
            if view.isVisible()
        ]

        def settled(part: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                part()
                for view in views:
                    if is_alive(view):
                        # Apply new ranges now, while the repaint is held: left to the paint,
                        # pyqtgraph moves the items there, which paints the view again.
                        view.scene().prepareForPaint()

            return run

        def take_in() -> None:
            self._held_views.release_all()  # held by a turn whose steps were dropped
            for view in views:
                self._held_views.hold(view)
            self.show_frame(frame, readout=False)

        def paint(view: pg.GraphicsView) -> Callable[[], None]:
            return lambda: self._held_views.release(view)

        return [
            settled(take_in),
            settled(self.properties.show_activation),
            settled(self._show_readout_when_due),
            *(paint(view) for view in views),
        ]

    def _show_readout_when_due(self) -> None:
        """Read the live frame's example out now if :data:`READOUT_INTERVAL` is over.

        Its table is laid out and painted anew for every change of a number (10–15 ms for a
        784-input neuron): at the frame rate that made the window stutter, and numbers that
        change ten times a second cannot be read anyway. Read out here, in the frame's turn,
        it is laid out while the page's plots wait with their repaint.
        """
        if time.monotonic() >= self._readout_due:
            self._show_readout_now()
        else:
            # Restarted by every frame that waits: it fires only once frames stop coming.
            self._readout_timer.start(math.ceil(2000 * READOUT_INTERVAL))

    def _show_readout_now(self) -> None:
        self._readout_timer.stop()
        self._readout_due = time.monotonic() + READOUT_INTERVAL
        self.properties.show_readout()

    def set_editable(self, editable: bool) -> None:
        """Forward to :meth:`PropertiesWidget.set_editable`."""
        self.properties.set_editable(editable)

    def set_example(self, index: int) -> None:
        """Forward to :meth:`PropertiesWidget.set_example`."""
        self.properties.set_example(index)
