"""Train › Check gradients…: backpropagation against central differences, layer by layer.

The dialog runs :func:`nnstudio.workflow.check_gradients` on the document's network at its
current weights, in a worker thread (a big network on many examples takes minutes), and shows
each layer's relative errors with a verdict against the same tolerance as ``nnstudio
gradcheck``: ok, FAIL, or "in noise" for a layer whose differences are all within rounding
(neither passed nor failed; the summary says how many and why). Below them, the entries of
one layer (the worst one, or the one picked) side by side, as the lecture notes compare them:
each parameter's derivative by backpropagation beside the numerical one, their difference and
relative error, the worst first. With a dropout layer,
*With dropout (fixed masks)* checks with dropout on, one set of masks held fixed for every
evaluation of the loss.

While a check runs, a progress bar and a line say which layer and tensor are being
measured; Cancel, or closing the dialog, stops the worker before its next evaluation of the
loss. The worker only computes with NumPy on its own copy of the network and writes its
progress into a plain :class:`_CheckState`; the dialog's timer reads that and the result on
the main thread, so no Qt object is touched outside it.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from nnstudio.engine.gradcheck import (
    MAX_CHECKS_PER_LAYER,
    EntryCheck,
    GradCheckCancelled,
    GradCheckProgress,
    GradCheckReport,
    LayerCheck,
    LayerVerdict,
    noise_explanation,
)
from nnstudio.errors import NNStudioError
from nnstudio.text import plural
from nnstudio.ui.csv_import import (
    DEFAULT_LINE_HEIGHT,
    ERROR_BOX_STYLE,
    MUTED_COLOR,
    WrappedLabel,
    table_row_height,
)
from nnstudio.ui.docks.training_dock import VerticalScrollArea
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.plots.common import FlowRow
from nnstudio.ui.qt import Qt, QtCore, QtGui, QtWidgets
from nnstudio.workflow import (
    GRADCHECK_SAMPLES,
    GRADCHECK_TOLERANCE,
    check_gradients,
    dropout_layers,
    gradcheck_problem,
    gradcheck_tolerance,
)

__all__ = ["GradientCheckDialog", "entry_place", "progress_text"]

#: Finite-difference steps offered (the check re-measures with larger ones where needed);
#: 0.01 is the lecture notes' step, judged against a tolerance of ε² (see gradcheck_tolerance).
EPSILONS = (1e-2, 1e-4, 1e-5, 1e-6, 1e-7)
DEFAULT_EPSILON = 1e-6
#: How often the dialog looks for the worker's progress and result.
_POLL_MS = 30
#: Steps of the progress bar (a tenth of a percent each).
_PROGRESS_STEPS = 1000
#: Verdict colours (the status bar's green and red).
_PASS_COLOR = QtGui.QColor(21, 128, 61)
_FAIL_COLOR = QtGui.QColor(185, 28, 28)
_NUMBER_ALIGNMENT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
#: Room between a table's columns, so neighbouring numbers do not run together.
_PADDED_CELLS = (
    "QTableWidget::item { padding: 0px 4px; } QHeaderView::section { padding: 0px 4px; }"
)
#: Height of a table row with the default font.
_ROW_HEIGHT = 30
#: Tint of the layer whose entries are listed.
_SHOWN_LAYER = QtGui.QColor(219, 234, 254)
_COLUMNS = ("Layer", "Weights", "W rel. error", "b rel. error", "Compared", "Step W / b", "Result")
#: The entries table: one compared parameter per row.
_ENTRY_COLUMNS = ("Parameter", "Backprop", "Numerical", "|Difference|", "Rel. error", "Result")
_ENTRY_HEADER_TIPS = (
    "The weight W[source, target] or bias b[target] of the layer (layers from 1, indices "
    "from 0, as in the exported arrays)",
    "∂J/∂θ by backpropagation",
    "(J(θ + ε) − J(θ − ε)) / 2ε: the loss one step ε either side of the parameter",
    "|backprop − numerical|",
    "|backprop − numerical| / (|backprop| + |numerical|)",
    "ok within the tolerance; in noise: above it, but no further apart than the rounding noise "
    "of the difference; left out: next to L1's corner at 0",
)
#: Why a layer's verdict says what it says (its Result cell's tooltip).
_LAYER_VERDICT_TIPS: dict[LayerVerdict, str] = {
    "ok": "The layer's relative error is within the tolerance: backpropagation is right here.",
    "FAIL": (
        "Backpropagation and the central differences disagree by more than the tolerance and "
        "more than rounding noise: backpropagation is wrong here."
    ),
    "in noise": (
        "Neither passed nor failed: every difference above the tolerance is within the rounding "
        "noise of the central differences, even at the largest step, so this layer cannot be "
        "measured (see the note below the report)."
    ),
}
#: Rows the entries table always has room for: the layer's five worst.
_MIN_ENTRY_ROWS = 5
#: What the verdicts that are neither a pass nor a failure mean (below the entries); "in
#: noise" names its cause, which depends on the entries and the loss (see _verdict_note).
_VERDICT_NOTES = {
    "in noise": noise_explanation(set(), 0.0) + ".",
    "left out": (
        "with L1 the weight is closer to 0 than the step: the difference crosses |w|'s "
        "corner, so it is left out of its layer's error."
    ),
}
#: Why an entry's verdict says what it says (its cell's tooltip; "in noise" adds its cause).
_VERDICT_TIPS = {
    "ok": "The relative error is within the tolerance.",
    "FAIL": "Backpropagation and the central difference disagree by more than the tolerance.",
    **{verdict: note[0].upper() + note[1:] for verdict, note in _VERDICT_NOTES.items()},
}
_DROPOUT_TIP = (
    "Check with the layers' dropout on. One set of dropout masks is drawn once and used for "
    "every evaluation of the loss, so J(θ + ε) and J(θ − ε) differ only by the step and the "
    "check is valid (fresh masks at each evaluation would make the differences mostly noise)."
)
_NO_DROPOUT_TIP = (
    "No layer of this network uses dropout: give a hidden layer a dropout rate to check with it."
)


def _unbroken(formula: str) -> str:
    """``formula`` with non-breaking spaces, so a wrapped line never splits it."""
    return formula.replace(" ", "\u00a0")


_INTRO = (
    "Backpropagation's gradient of the loss is compared, parameter by parameter, with central "
    f"differences <i>{_unbroken('(J(θ + ε) − J(θ − ε)) / 2ε')}</i>, on a float64 copy of the "
    "network at its current weights and the first training examples. Large layers are "
    f"compared on a random sample of {MAX_CHECKS_PER_LAYER} weights and {MAX_CHECKS_PER_LAYER} "
    "biases at most (<i>Compared</i> counts them). Each layer shows the "
    "relative error <i>"
    + _unbroken("‖g<sub>backprop</sub> − g<sub>numeric</sub>‖")
    + " / "
    + _unbroken("(‖g<sub>backprop</sub>‖ + ‖g<sub>numeric</sub>‖)")
    + "</i> of its weights and biases: about 1e-9 or less means backpropagation is right, "
    f"more than {GRADCHECK_TOLERANCE:g} signals a mistake (with ε = 0.01, more than ε² = 1e-4: "
    "the differences' own error grows as ε²). L1 and L2 penalties are part of the loss; "
    "dropout only when ticked."
)


#: Rows of the report the table always has room for.
_MIN_VISIBLE_ROWS = 3
#: Narrowest the dialog gets: the controls and the report's columns side by side.
_MIN_WIDTH = 640
#: Size the dialog opens at with the default font (a larger font scales it).
_DEFAULT_SIZE = (760, 640)


def _compared_text(compared: int, parameters: int) -> str:
    """``"232 of 2,080"`` for a sample of a layer's parameters, ``"330"`` for all of them."""
    return f"{compared:,}" if compared >= parameters else f"{compared:,} of {parameters:,}"


def _capitalized(sentence: str) -> str:
    """``sentence`` with a capital first letter and a full stop."""
    return sentence[:1].upper() + sentence[1:] + "."


def _escaped(text: str) -> str:
    """``text`` safe in a rich-text label."""
    return text.replace("&", "&amp;").replace("<", "&lt;")


def _error_text(value: float) -> str:
    return "NaN" if math.isnan(value) else f"{value:.2e}"


def _value_text(value: float) -> str:
    """A derivative with ten significant digits, so agreeing digits line up by eye."""
    return "NaN" if math.isnan(value) else f"{value:.9e}"


def _layer_title(drawn: int, layers: int) -> str:
    """``"Input"``, ``"Hidden 2"`` or ``"Output"``, as the canvas heads its lanes."""
    if drawn == 0:
        return "Input"
    if drawn == layers:
        return "Output"
    return f"Hidden {drawn}"


def _unmeasured_advice(report: GradCheckReport, tolerance: float) -> str | None:
    """What to try when no layer could be measured (the check verified nothing), or ``None``.

    As the command line advises: more examples or weights with larger gradients when they
    are too small for the step; fresh weights when the loss is so large (a diverged network)
    that its rounding swamps every step.
    """
    noisy = report.in_noise(tolerance)
    if not report.layers or len(noisy) != len(report.layers):
        return None
    causes: set[str] = set()
    for layer in noisy:
        causes |= layer.noise_causes(tolerance)
    tries = []
    if "small gradient" in causes:
        tries.append(
            "check on more examples (Examples), or at weights whose gradients are larger, "
            "such as fresh ones"
        )
    if "large loss" in causes:
        tries.append("check at fresh weights")
    return (
        f"To verify backpropagation, {' or '.join(tries)}: Train › Reset weights makes them "
        "(Edit › Undo brings these back)."
    )


def _style_verdict(item: QtWidgets.QTableWidgetItem, verdict: str) -> None:
    """Colour a verdict's cell: ok green and FAIL red, in bold; the others muted."""
    if verdict in ("ok", "FAIL"):
        item.setForeground(_PASS_COLOR if verdict == "ok" else _FAIL_COLOR)
        font = item.font()
        font.setBold(True)
        item.setFont(font)
    else:
        item.setForeground(QtGui.QColor(MUTED_COLOR))


def entry_place(entry: EntryCheck, layers: int, input_names: Sequence[str] | None = None) -> str:
    """Where an entry sits in the drawn network, as the canvas names connections and neurons.

    ``"x1 → Hidden 1 neuron 4"`` for ``W1[0, 3]``, ``"bias of Output neuron 2"`` for ``b3[1]``
    of a three-layer network (neurons are counted from 1, matrices from 0).

    Parameters
    ----------
    entry : EntryCheck
    layers : int
        Number of layers with weights (hidden and output).
    input_names : sequence of str, optional
        The inputs' names as the canvas shows them ("x1", "sepal_length"); without them an
        input is "Input neuron 1".
    """
    after = _layer_title(entry.layer, layers)
    target = entry.index[-1] + 1
    if entry.tensor == "b":
        return f"bias of {after} neuron {target}"
    source = entry.index[0]
    if entry.layer == 1 and input_names is not None and 0 <= source < len(input_names):
        return f"{input_names[source]} → {after} neuron {target}"
    before = _layer_title(entry.layer - 1, layers)
    return f"{before} neuron {source + 1} → {after} neuron {target}"


def _columns_width(table: QtWidgets.QTableWidget) -> int:
    """What a table's columns need side by side: each one's contents and heading."""
    header = table.horizontalHeader()
    return sum(
        max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
        for column in range(header.count())
    )


def _keep_rows_in_view(table: QtWidgets.QTableWidget, rows: int) -> None:
    """Make ``table`` at least tall enough for its header and ``rows`` rows, and for its
    horizontal scroll bar while its columns are wider than it (at a large font on a small
    screen the bar covered the last of those rows)."""
    bar = table.horizontalScrollBar()
    needed = (
        table.horizontalHeader().sizeHint().height()
        + rows * table.verticalHeader().defaultSectionSize()
        + 2 * table.frameWidth()
        + (bar.sizeHint().height() if _columns_width(table) > table.viewport().width() else 0)
    )
    if table.minimumHeight() != needed:
        table.setMinimumHeight(needed)


def progress_text(progress: GradCheckProgress) -> str:
    """What a running check is measuring: ``"Layer 2 of 3 · weights · 120 / 200"``.

    A re-measurement says so and names its step:
    ``"Layer 1 of 3 · weights, measured again with step 1e-05 · 40 / 200"``.
    """
    what = f"Layer {progress.layer} of {progress.layers} · {progress.tensor_name}"
    if progress.remeasuring:
        what += f", measured again with step {progress.step:g}"
    return f"{what} · {progress.done:,} / {progress.entries:,}"


class _ScrolledContents(QtWidgets.QWidget):
    """The dialog's contents in its scroll area: as tall as the area, and taller (scrolling)
    only where the area is lower than they can be.

    A scroll area takes a widget's height for a width as the least it may have; Qt answers
    with the height the contents would like (the tables' rows all shown), which scrolled a
    dialog that had room for the contents at their minimum.
    """

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        if layout is None or not layout.hasHeightForWidth():
            return super().heightForWidth(width)
        return layout.totalMinimumHeightForWidth(width)


class _CheckState:
    """What a running check and the dialog share: plain Python, safe to use from the worker.

    The worker writes its latest progress here and reads the stop request; the dialog's
    timer, on the main thread, reads the progress and sets the stop request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest: GradCheckProgress | None = None
        #: Set to stop the check before its next evaluation of the loss.
        self.stop = threading.Event()

    def report(self, progress: GradCheckProgress) -> None:
        """Keep ``progress`` as the latest (called in the worker thread)."""
        with self._lock:
            self._latest = progress

    @property
    def latest(self) -> GradCheckProgress | None:
        """The latest progress; None until the check has its backpropagated gradients."""
        with self._lock:
            return self._latest


class GradientCheckDialog(QtWidgets.QDialog):
    """Check the document's gradients and show the report.

    Parameters
    ----------
    document : StudioDocument
        Supplies the project, its data and the current weights (read when a check starts).
    parent : QWidget, optional
    """

    def __init__(self, document: StudioDocument, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.setWindowTitle("Check gradients")
        self.report: GradCheckReport | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gradcheck")
        self._future: Future[GradCheckReport] | None = None
        self._state: _CheckState | None = None
        self._poll = QtCore.QTimer(self)
        self._poll.setInterval(_POLL_MS)
        self._poll.timeout.connect(self._collect)

        # Everything but the Close button scrolls (vertically): at a large font on a small
        # screen the explanation, both tables and the notes need more height than there
        # is, and squeezed below its minimum the dialog drew a note over the entries' rows.
        outer = QtWidgets.QVBoxLayout(self)
        self.scroll = VerticalScrollArea()
        self.content = _ScrolledContents()
        layout = QtWidgets.QVBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        self.intro = WrappedLabel(_INTRO, rich=True)
        layout.addWidget(self.intro)

        # A row that wraps where the dialog is narrow: in one line its controls made the
        # dialog wider than a small screen at a large font, which cut the check box.
        controls = FlowRow(spacing=12)
        layout.addLayout(controls)
        self.samples = QtWidgets.QSpinBox()
        self.samples.setToolTip("How many training examples the checked loss averages over")
        dataset = document.dataset
        self.samples.setRange(1, max(1, dataset.n_train if dataset is not None else 1))
        self.samples.setValue(min(GRADCHECK_SAMPLES, self.samples.maximum()))
        self.epsilon = QtWidgets.QComboBox()
        self.epsilon.setToolTip(
            "The step ε of the central differences (a larger one is tried where the gradients "
            "are too small for it)"
        )
        for value in EPSILONS:
            self.epsilon.addItem(f"{value:g}", value)
        self.epsilon.setCurrentIndex(EPSILONS.index(DEFAULT_EPSILON))
        self.dropout = QtWidgets.QCheckBox("With &dropout (fixed masks)")
        #: Whether the network has a dropout layer: the only case the box can be ticked in.
        self._has_dropout = bool(dropout_layers(document.project))
        self.dropout.setToolTip(_DROPOUT_TIP if self._has_dropout else _NO_DROPOUT_TIP)
        self.check_button = QtWidgets.QPushButton("Check")
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.start)
        for text, widget in (("&Examples:", self.samples), ("Step &ε:", self.epsilon)):
            # A label and its field stay side by side when the row wraps.
            pair = QtWidgets.QWidget()
            row = QtWidgets.QHBoxLayout(pair)
            row.setContentsMargins(0, 0, 0, 0)
            label = QtWidgets.QLabel(text)
            label.setBuddy(widget)
            row.addWidget(label)
            row.addWidget(widget)
            controls.addWidget(pair)
        controls.addWidget(self.dropout)
        controls.addWidget(self.check_button)
        self._can_check = dataset is not None
        self._set_controls_enabled(True)
        if dataset is None:
            # Without data a check cannot run: nothing offers to start one, and the message
            # below says why.
            self.check_button.setToolTip("There is no data to check the gradients on")

        self.table = QtWidgets.QTableWidget(0, len(_COLUMNS))
        self.table.setTabKeyNavigation(False)  # Tab moves on; the arrows walk the cells
        self.table.setHorizontalHeaderLabels(list(_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setStyleSheet(_PADDED_CELLS)
        # The room around a row's text grows with the font, as at the default size.
        self.table.verticalHeader().setDefaultSectionSize(table_row_height(self.table, _ROW_HEIGHT))
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        # Not a selection, whose colours would hide the verdicts' green and red: the layer
        # whose entries show below is tinted, and a click on another shows its entries (the
        # keyboard picks it in the list there).
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setToolTip("Click a layer to see its entries below")
        self.table.cellClicked.connect(lambda row, _column: self.entry_layer.setCurrentIndex(row))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        # The verdict is shown right after the layer's name, so a narrow dialog (a large font
        # on a small screen) that scrolls the table sideways still shows it at once; the
        # columns keep their logical order.
        header.moveSection(len(_COLUMNS) - 1, 1)
        # The last column shown takes the spare width, so the table has no empty strip.
        header.setStretchLastSection(True)
        # The verdict's heading starts where its verdicts do.
        self.table.horizontalHeaderItem(len(_COLUMNS) - 1).setTextAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        # However small the dialog, the report shows a few layers rather than its header only.
        _keep_rows_in_view(self.table, _MIN_VISIBLE_ROWS)
        # While a check runs its (empty) report gives way to what the check measures, how
        # far it has come, and a way out.
        self.progress_panel = QtWidgets.QFrame()
        self.progress_panel.setFrameShape(self.table.frameShape())
        self.progress_panel.setFrameShadow(self.table.frameShadow())
        # The report's white, so the box keeps its look when the report comes.
        self.progress_panel.setBackgroundRole(QtGui.QPalette.ColorRole.Base)
        self.progress_panel.setAutoFillBackground(True)
        # Wrapped: a long re-measurement line must not widen the dialog while it runs.
        self.progress_label = WrappedLabel()
        self.progress_bar = QtWidgets.QProgressBar()
        self.progress_bar.setRange(0, _PROGRESS_STEPS)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the check; nothing is changed")
        # Enter must not stop a long check by accident.
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.cancel)
        panel = QtWidgets.QGridLayout(self.progress_panel)
        panel.setContentsMargins(24, 12, 24, 12)
        panel.setRowStretch(0, 1)
        panel.addWidget(self.progress_label, 1, 0, 1, 2)
        panel.addWidget(self.progress_bar, 2, 0)
        panel.addWidget(self.cancel_button, 2, 1)
        panel.setRowStretch(3, 1)
        panel.setColumnStretch(0, 1)
        self.results = QtWidgets.QStackedWidget()
        self.results.addWidget(self.table)
        self.results.addWidget(self.progress_panel)
        layout.addWidget(self.results, 1)
        self.entries_panel = self._build_entries_panel()
        # Only a report has entries to show.
        self.entries_panel.hide()
        layout.addWidget(self.entries_panel, 2)

        self.summary = WrappedLabel(rich=True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.scroll.setWidget(self.content)
        outer.addWidget(self.scroll, 1)

        buttons = QtWidgets.QDialogButtonBox(QtWidgets.QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        outer.addWidget(buttons)
        self.setMinimumWidth(_MIN_WIDTH)
        # In proportion to the font: at a fixed size a 14 pt font left room for two rows.
        scale = max(1.0, self.fontMetrics().height() / DEFAULT_LINE_HEIGHT)
        self._resize_within_screen(round(_DEFAULT_SIZE[0] * scale), round(_DEFAULT_SIZE[1] * scale))

    def _build_entries_panel(self) -> QtWidgets.QWidget:
        """The chosen layer's entries: backpropagation beside the central difference."""
        panel = QtWidgets.QWidget()
        column = QtWidgets.QVBoxLayout(panel)
        column.setContentsMargins(0, 6, 0, 0)
        row = QtWidgets.QHBoxLayout()
        label = QtWidgets.QLabel("E&ntries of:")
        self.entry_layer = QtWidgets.QComboBox()
        self.entry_layer.setToolTip("The layer whose compared entries the table lists")
        self.entry_layer.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        label.setBuddy(self.entry_layer)
        self.entry_layer.currentIndexChanged.connect(self._show_layer_entries)
        self.entries_hint = WrappedLabel("worst first · indices from 0, as in the exported arrays")
        self.entries_hint.setStyleSheet(f"color: {MUTED_COLOR};")
        row.addWidget(label)
        row.addWidget(self.entry_layer)
        row.addSpacing(12)
        row.addWidget(self.entries_hint, 1)
        column.addLayout(row)

        self.entries = QtWidgets.QTableWidget(0, len(_ENTRY_COLUMNS))
        self.entries.setTabKeyNavigation(False)  # Tab moves on; the arrows walk the cells
        self.entries.setHorizontalHeaderLabels(list(_ENTRY_COLUMNS))
        for index, tip in enumerate(_ENTRY_HEADER_TIPS):
            self.entries.horizontalHeaderItem(index).setToolTip(tip)
        self.entries.verticalHeader().setVisible(False)
        self.entries.setStyleSheet(_PADDED_CELLS)
        self.entries.verticalHeader().setDefaultSectionSize(
            table_row_height(self.entries, _ROW_HEIGHT)
        )
        self.entries.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.entries.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.entries.horizontalHeader()
        header.setSectionResizeMode(QtWidgets.QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(
            len(_ENTRY_COLUMNS) - 1, QtWidgets.QHeaderView.ResizeMode.Stretch
        )
        self.entries.horizontalHeaderItem(len(_ENTRY_COLUMNS) - 1).setTextAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        for index in range(1, 5):
            self.entries.horizontalHeaderItem(index).setTextAlignment(_NUMBER_ALIGNMENT)
        # The five worst entries show without scrolling, however small the dialog.
        _keep_rows_in_view(self.entries, _MIN_ENTRY_ROWS)
        column.addWidget(self.entries, 1)
        # What a verdict other than ok means, when the shown layer has one.
        self.entries_note = WrappedLabel()
        self.entries_note.setStyleSheet(f"color: {MUTED_COLOR};")
        self.entries_note.hide()
        column.addWidget(self.entries_note)
        return panel

    @property
    def running(self) -> bool:
        """Whether a check is in progress."""
        return self._future is not None

    def start(self) -> None:
        """Start a check of the current weights (ignored while one runs)."""
        if self.running:
            return
        document = self.document
        dataset = document.dataset
        if dataset is None:
            reason = document.dataset_error or "no data is loaded"
            self._show_problem(f"There is nothing to check on: {reason}.")
            return
        project, weights = document.project, document.weights
        samples, epsilon = self.samples.value(), float(self.epsilon.currentData())
        dropout = self.dropout.isChecked() and self._has_dropout
        self.report = None
        self.table.setRowCount(0)
        self.entries_panel.hide()
        # Refused here, at once, rather than by the worker: the message names what is wrong.
        problem = gradcheck_problem(
            project, dataset, weights, samples=samples, epsilon=epsilon, dropout=dropout
        )
        if problem is not None:
            self._show_problem(f"The check cannot run: {problem}.")
            return
        # A deep network's description is one long word: let it wrap after its dashes.
        network = project.network.describe().replace("-", "-\u200b")
        self.summary.setStyleSheet("")
        masks = ", with dropout (fixed masks)" if dropout else ""
        self.summary.setText(
            f"<span style='color:{MUTED_COLOR}'>Checking {network} on "
            f"{plural(min(samples, dataset.n_train), 'example')}{masks}…</span>"
        )
        self._set_controls_enabled(False)
        self._state = state = _CheckState()
        self._show_progress(None)
        self.cancel_button.setEnabled(True)
        self.results.setCurrentWidget(self.progress_panel)
        self._future = self._executor.submit(
            check_gradients,
            project,
            dataset,
            weights,
            samples=samples,
            epsilon=epsilon,
            dropout=dropout,
            progress=state.report,
            should_stop=state.stop.is_set,
        )
        self._poll.start()

    def cancel(self) -> None:
        """Stop the running check (it ends before its next evaluation of the loss)."""
        if self._state is None or self._state.stop.is_set():
            return
        self._state.stop.set()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("Stopping…")

    def wait(self, timeout: float | None = None) -> None:
        """Block until the running check ends and show its result (for scripts and tests)."""
        future = self._future
        if future is not None:
            future.exception(timeout)
            self._collect()

    def _collect(self) -> None:
        future, state = self._future, self._state
        if future is None or state is None:
            return
        if not future.done():
            if not state.stop.is_set():
                self._show_progress(state.latest)
            return
        self._poll.stop()
        self._future = self._state = None
        self.results.setCurrentWidget(self.table)
        self._set_controls_enabled(True)
        error = future.exception()
        if error is None:
            self._show_report(future.result())
        elif isinstance(error, GradCheckCancelled):
            self.summary.setStyleSheet("")
            self.summary.setText("Check cancelled.")
        elif isinstance(error, NNStudioError):
            self._show_problem(f"The check could not run: {error}")
        else:
            self._show_problem(f"The check failed unexpectedly: {error!r}")

    def _show_progress(self, progress: GradCheckProgress | None) -> None:
        if progress is None:
            # Before the first entry: the copy of the network and backpropagation itself.
            self.progress_label.setText("Computing the gradients by backpropagation…")
            self.progress_bar.setValue(0)
        else:
            self.progress_label.setText(progress_text(progress))
            # Rounded down: the bar is full only when the check is.
            self.progress_bar.setValue(int(progress.fraction * _PROGRESS_STEPS))

    def _set_controls_enabled(self, enabled: bool) -> None:
        # While a check runs its examples and step are fixed: the controls show the values
        # it uses, not ones it would ignore. Without data nothing can be checked, and without
        # a dropout layer there are no masks to fix.
        enabled = enabled and self._can_check
        for widget in (self.samples, self.epsilon, self.check_button):
            widget.setEnabled(enabled)
        self.dropout.setEnabled(enabled and self._has_dropout)

    def _show_problem(self, text: str) -> None:
        self.summary.setStyleSheet(ERROR_BOX_STYLE)
        self.summary.setText(text.replace("&", "&amp;").replace("<", "&lt;"))

    def _show_report(self, report: GradCheckReport) -> None:
        self.report = report
        # A larger step's truncation error grows as ε², so its verdict allows for that.
        tolerance = gradcheck_tolerance(report.epsilon)
        layers = self.document.project.network.layers
        self.table.setRowCount(len(report.layers))
        for row, layer in enumerate(report.layers):
            spec = layers[row] if row < len(layers) else None
            name = f"{layer.layer} · {spec.activation}" if spec is not None else str(layer.layer)
            fan_in, fan_out = layer.weight_shape
            steps = " / ".join(
                f"{report.epsilon if step is None else step:g}"
                for step in (layer.weight_epsilon, layer.bias_epsilon)
            )
            verdict = layer.verdict(tolerance)
            cells = (
                name,
                f"{fan_in} × {fan_out}",
                _error_text(layer.weight_error),
                _error_text(layer.bias_error),
                _compared_text(layer.weight_checked + layer.bias_checked, (fan_in + 1) * fan_out),
                steps,
                verdict,
            )
            for column, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if 2 <= column <= 4:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if column == len(cells) - 1:
                    _style_verdict(item, verdict)
                    item.setToolTip(_LAYER_VERDICT_TIPS[verdict])
                self.table.setItem(row, column, item)
        lines = [self._verdict_line(report, tolerance)]
        if report.remeasured:
            lines.append(
                f"Where ε = {report.epsilon:g} could not resolve the gradients against rounding "
                "noise (the change a step makes in the loss is below the loss's rounding), a "
                "larger step measured them again."
            )
        note = report.noise_note(tolerance)
        if note is not None:
            lines.append(_escaped(_capitalized(note.replace("epsilon ", "ε = "))))
        advice = _unmeasured_advice(report, tolerance)
        if advice is not None:
            lines.append(advice)
        if report.excluded:
            lines.append(
                f"{report.excluded:,} weight(s) closer to 0 than the step were left out: with "
                "L1, |w| has a corner there that finite differences cannot measure across."
            )
        if report.near_kinks:
            lines.append(
                f"{report.near_kinks:,} value(s) lie next to a kink (ReLU at 0, an MAE residual "
                "at 0), where finite differences are unreliable."
            )
        self.summary.setStyleSheet("")
        self.summary.setText("<br>".join(lines))
        self._fill_layer_choice(report)
        self._fit_report()

    @staticmethod
    def _verdict_line(report: GradCheckReport, tolerance: float) -> str:
        """The report's verdict, in bold: passed or FAILED over the layers measured.

        Layers in noise neither pass nor fail: the largest error is taken over the others,
        and when no layer could be measured the line says so, in neither green nor red.
        """
        masks = ", dropout with fixed masks" if report.dropout else ""
        settings = f"(tolerance {tolerance:g}, loss {report.loss:.6g}{masks})."
        layers, noisy = len(report.layers), len(report.in_noise(tolerance))
        if layers and noisy == layers:
            return f"<b>No layer could be measured: nothing passed or failed</b> {settings}"
        passed = report.passed(tolerance)
        color = (_PASS_COLOR if passed else _FAIL_COLOR).name()
        verdict = "passed" if passed else "FAILED"
        if not noisy:
            what = f"Largest relative error {_error_text(report.max_error)}"
        else:
            measured = layers - noisy
            what = (
                f"Largest relative error {_error_text(report.measured_max_error(tolerance))} "
                f"over the {plural(measured, 'measured layer')}"
            )
        return f"<b style='color:{color}'>{what}: {verdict}</b> {settings}"

    def _fill_layer_choice(self, report: GradCheckReport) -> None:
        """Offer the report's layers below and show the one that agrees worst.

        A failing layer comes first, then one in noise (its entries show why), then the
        others, each by its relative error.
        """
        layers = self.document.project.network.layers
        choice = self.entry_layer
        choice.blockSignals(True)
        choice.clear()
        for row, layer in enumerate(report.layers):
            spec = layers[row] if row < len(layers) else None
            what = f" · {spec.activation}" if spec is not None else ""
            count = len(layer.entries)
            choice.addItem(
                f"Layer {layer.layer}{what} ({count:,} entr{'y' if count == 1 else 'ies'})"
            )
        choice.blockSignals(False)
        tolerance = gradcheck_tolerance(report.epsilon)
        rank = {"FAIL": 2, "in noise": 1, "ok": 0}
        badness = [
            (rank[layer.verdict(tolerance)], math.inf if math.isnan(layer.error) else layer.error)
            for layer in report.layers
        ]
        worst = badness.index(max(badness)) if badness else -1
        self.entries_panel.setVisible(bool(report.layers))
        if worst >= 0:
            choice.setCurrentIndex(worst)
            self._show_layer_entries(worst)

    def _show_layer_entries(self, row: int) -> None:
        """List the entries of the report's layer ``row``, the worst first."""
        report = self.report
        if report is None or not 0 <= row < len(report.layers):
            self.entries.setRowCount(0)
            self.entries_note.hide()
            return
        # The layer's row above is tinted, whichever way it was picked.
        for other in range(self.table.rowCount()):
            for column in range(self.table.columnCount()):
                item = self.table.item(other, column)
                if item is not None:
                    item.setBackground(_SHOWN_LAYER if other == row else QtGui.QBrush())
        layer = report.layers[row]
        tolerance = gradcheck_tolerance(report.epsilon)
        shown = layer.worst_entries(tolerance)
        count = len(report.layers)
        table = self.entries
        table.setUpdatesEnabled(False)
        # Emptied first: replacing the items of filled rows had every column measured again
        # at each one (half a minute for 400 entries).
        table.setRowCount(0)
        table.setRowCount(len(shown))
        verdicts: set[str] = set()
        for position, entry in enumerate(shown):
            verdict = entry.verdict(tolerance)
            verdicts.add(verdict)
            cells = (
                entry.name,
                _value_text(entry.backprop),
                _value_text(entry.numeric),
                _error_text(entry.abs_error),
                _error_text(entry.rel_error),
                verdict,
            )
            for column, text in enumerate(cells):
                item = QtWidgets.QTableWidgetItem(text)
                if 1 <= column <= 4:
                    item.setTextAlignment(_NUMBER_ALIGNMENT)
                table.setItem(position, column, item)
            place = table.item(position, 0)
            where = entry_place(entry, count, self.document.input_names())
            place.setToolTip(f"{where} (step ε = {entry.step:g})")
            result = table.item(position, len(cells) - 1)
            tip = _VERDICT_TIPS[verdict]
            if verdict == "in noise":
                tip = _capitalized(noise_explanation({entry.noise_cause}, report.loss))
            result.setToolTip(tip)
            _style_verdict(result, verdict)
        table.setUpdatesEnabled(True)
        table.scrollToTop()
        self._show_entries_note(layer, verdicts, tolerance, report.epsilon)

    def _show_entries_note(
        self, layer: LayerCheck, verdicts: set[str], tolerance: float, epsilon: float
    ) -> None:
        """Explain the verdicts of the shown layer that are not a plain ok."""
        notes = []
        if "FAIL" in verdicts and layer.error <= tolerance:
            notes.append(
                "An entry fails on its own while its layer passes: its relative error also "
                "holds the central difference's own truncation error (about ε²·J‴/6), large "
                f"beside a small gradient. A step smaller than {epsilon:g} tells whether "
                "backpropagation or the difference is off."
            )
        loss = self.report.loss if self.report is not None else 0.0
        for verdict in _VERDICT_NOTES:
            if verdict not in verdicts:
                continue
            text = _VERDICT_NOTES[verdict]
            if verdict == "in noise":
                # The cause: gradients too small for the step, or a loss whose rounding
                # swamps the step's change (a diverged network).
                causes = {entry.noise_cause for entry in layer.noise_entries(tolerance)}
                text = noise_explanation(causes, loss) + "."
            notes.append(f"{verdict.capitalize()}: {text}")
        self.entries_note.setText(" ".join(notes))
        self.entries_note.setVisible(bool(notes))
        if self.isVisible():
            self._fit_contents()  # the note takes its lines below the rows, not over them

    def report_room(self) -> QtCore.QSize:
        """How much wider and taller the report's tables must be to show all of the layers'
        and every column of the entries' (whose rows scroll)."""
        table = self.table
        header = table.horizontalHeader()
        rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
        frame = 2 * table.frameWidth()
        wanted = QtCore.QSize(
            _columns_width(table) + frame, header.sizeHint().height() + rows + frame
        )
        width = max(0, wanted.width() - table.width())
        if self.entries_panel.isVisibleTo(self):
            entries = self.entries
            # Room for a vertical scroll bar too: a long layer's entries scroll.
            needed = (
                _columns_width(entries)
                + 2 * entries.frameWidth()
                + entries.verticalScrollBar().sizeHint().width()
            )
            width = max(width, needed - entries.width())
        return QtCore.QSize(width, max(0, wanted.height() - table.height()))

    def _fit_report(self) -> None:
        """Grow the dialog, screen permitting, so the report needs no scroll bars.

        With a large font the report's last column was cut and its last row hidden behind a
        scroll bar, however much room the dialog had left.
        """
        # The summary above the buttons has just changed: its height first.
        self._fit_contents()
        self.layout().activate()
        room = self.report_room()
        # A long summary (layers in noise and why) must not leave its last lines below the
        # scrolled area's edge either: the contents' least height for their width first.
        wanted = self.content.heightForWidth(self.scroll.viewport().width())
        taller = max(room.height(), wanted - self.scroll.viewport().height())
        if room.width() <= 0 and taller <= 0:
            return
        self._resize_within_screen(self.width() + room.width(), self.height() + taller)

    def _fit_contents(self) -> None:
        """Lay the scrolled contents out now and size them to the scroll area.

        Otherwise a report or note just shown stays squeezed into the old height until the
        next round of events, and a picture of the dialog taken meanwhile shows its parts
        drawn over each other.
        """
        layout = self.content.layout()
        # Wrapped labels take their heights as they are laid out, which asks for another
        # layout, as do tables whose columns come to need a scroll bar: a few rounds settle
        # it.
        for _round in range(3):
            _keep_rows_in_view(self.table, _MIN_VISIBLE_ROWS)
            _keep_rows_in_view(self.entries, _MIN_ENTRY_ROWS)
            redone = layout.activate()
            # A layout request makes the scroll area fit its widget to its minimum again.
            QtCore.QCoreApplication.sendEvent(
                self.scroll, QtCore.QEvent(QtCore.QEvent.Type.LayoutRequest)
            )
            if not redone:
                break

    def _resize_within_screen(self, width: int, height: int) -> None:
        """Resize to ``width`` x ``height``, but no larger than the screen (nor smaller than
        the dialog is)."""
        screen = self.screen() or QtGui.QGuiApplication.primaryScreen()
        if screen is not None:
            available = screen.availableGeometry()
            # Room for the window's frame and title bar.
            width = min(width, max(self.width(), available.width() - 24))
            height = min(height, max(self.height(), available.height() - 64))
        self.resize(width, height)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        # Narrower or wider, the tables' columns may come to need a scroll bar or no longer.
        _keep_rows_in_view(self.table, _MIN_VISIBLE_ROWS)
        _keep_rows_in_view(self.entries, _MIN_ENTRY_ROWS)

    def done(self, result: int) -> None:
        # A check still running is told to stop: its thread ends after the evaluation of the
        # loss under way instead of computing for a closed dialog.
        self._poll.stop()
        if self._state is not None:
            self._state.stop.set()
        self._future = self._state = None
        self._executor.shutdown(wait=False, cancel_futures=True)
        super().done(result)
