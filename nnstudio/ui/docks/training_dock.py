"""The Training settings dock: loss, optimizer, schedule, batches, regularisation.

Every edit goes through :meth:`StudioDocument.set_training` (or ``set_loss`` / ``set_network``
for the loss and the hidden layers' dropout), so it is undoable and reaches a running trainer
live through the document's ``trainingChanged`` signal. Only the hyperparameters the chosen
optimizer and schedule actually use are shown.

The loss, the dropout and the precision cannot reach a running trainer: changing them builds a
new training session, which would end the run. Like the canvas and the Properties dock, they
are locked while training runs (:meth:`TrainingSettingsWidget.set_editable`), and their
tooltips say to pause first (:class:`RunLockTips`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import replace

from nnstudio.spec import (
    DTYPES,
    LOSS_LABELS,
    LOSSES,
    OPTIMIZER_HYPERPARAMETERS,
    OPTIMIZERS,
    SCHEDULES,
    Project,
    TrainingSpec,
    loss_fit_problem,
    training_problems,
)
from nnstudio.ui.document import (
    TRAINING_FIELD_NAMES,
    StudioDocument,
    readable_problem,
)
from nnstudio.ui.qt import Qt, QtCore, QtGui, QtWidgets, Signal, show_clamped, whole_text_combo

OPTIMIZER_LABELS = {
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "heavy_ball": "Heavy ball",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "adamw": "AdamW",
}
SCHEDULE_LABELS = {
    "constant": "Constant",
    "step": "Step decay",
    "exponential": "Exponential decay",
    "cosine": "Cosine annealing",
}
#: Row labels of the optimizer hyperparameters, keyed by TrainingSpec field.
HYPERPARAMETER_LABELS = {
    name: TRAINING_FIELD_NAMES[name]
    for name in ("momentum", "rho", "beta1", "beta2", "epsilon", "weight_decay")
}
#: Which ScheduleSpec fields each schedule uses.
SCHEDULE_PARAMETERS: dict[str, tuple[str, ...]] = {
    "constant": (),
    "step": ("step_size", "gamma"),
    "exponential": ("gamma",),
    "cosine": ("period", "min_lr"),
}
#: The names this dock's fields go by in messages, keyed by their path below ``training``:
#: each the row's label (or the field's accessible name), as the Save check names the field.
_FIELD_NAMES = TRAINING_FIELD_NAMES

#: Each optimizer's update rule (as nnstudio.engine.optimizers computes it), shown as the
#: tooltip of its item in the optimizer list: the names alone do not tell them apart.
OPTIMIZER_TIPS = {
    "sgd": "Plain gradient descent: θ −= αg",
    "momentum": "Momentum (exponentially weighted average of the gradients):\n"
    "v = βv + (1−β)g,  θ −= αv",
    "nesterov": "Nesterov momentum (as PyTorch's SGD with nesterov=True):\n"
    "v = βv + g,  θ −= α(g + βv)  (steps about 1/(1−β) times larger than Momentum's)",
    "heavy_ball": "Polyak's heavy ball (as PyTorch's SGD with momentum β):\n"
    "v = βv + g,  θ −= αv  (steps about 1/(1−β) times larger than Momentum's)",
    "rmsprop": "RMSProp: s = ρs + (1−ρ)g²,  θ −= αg / (√s + ε)",
    "adam": "Adam: m = β₁m + (1−β₁)g,  v = β₂v + (1−β₂)g²,\n"
    "θ −= α m̂ / (√v̂ + ε)  with m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ) at step t",
    "adamw": "AdamW: Adam with decoupled weight decay: before each Adam step the weights "
    "(not the biases) shrink, W −= αλW",
}

#: Each loss as nnstudio.engine.losses computes it (a mean over the m examples of a batch, summed
#: over the output units j), shown as the tooltip of its item in the loss list.
LOSS_TIPS = {
    "mse": "Half the mean squared error: J = (1/2m) Σᵢ Σⱼ (ŷⱼ − yⱼ)²\n"
    "(the lecture notes' ½; MSE and RMSE tools report twice this, and its root)",
    "mae": "Mean absolute error: J = (1/m) Σᵢ Σⱼ |ŷⱼ − yⱼ|",
    "huber": "Huber (δ = 1): J = (1/m) Σᵢ Σⱼ h(ŷⱼ − yⱼ), with h(r) = ½r² for |r| ≤ δ "
    "and δ(|r| − ½δ) beyond",
    "binary_crossentropy": "Binary cross-entropy (sigmoid outputs):\n"
    "J = −(1/m) Σᵢ Σⱼ [yⱼ log ŷⱼ + (1 − yⱼ) log(1 − ŷⱼ)]",
    "categorical_crossentropy": "Categorical cross-entropy (softmax outputs, one-hot y):\n"
    "J = −(1/m) Σᵢ Σⱼ yⱼ log ŷⱼ",
}

_DROPOUT_TIP = (
    "Sets the dropout of every hidden layer; each layer's own value stays editable in Properties"
)

#: Tooltips of the optimizer hyperparameters, keyed by TrainingSpec field.
HYPERPARAMETER_TIPS = {
    "momentum": "β of the velocity: how much of the past gradients it keeps "
    "(Momentum: v = βv + (1−β)g; Heavy ball and Nesterov: v = βv + g)",
    "rho": "Decay ρ of RMSProp's running average of squared gradients",
    "beta1": "β₁: decay of Adam's running average of the gradients (the first moment)",
    "beta2": "β₂: decay of Adam's running average of squared gradients (the second moment)",
    "epsilon": "ε: added to the root of the squared-gradient average, so no step divides by 0",
    "weight_decay": "AdamW's decoupled weight decay: each step shrinks the weights by this "
    "times the learning rate",
}

#: Tooltip of early stopping's minimum improvement (``TrainingSpec.min_delta``), as the
#: trainer applies it.
MIN_DELTA_TIP = (
    "Smallest decrease of the validation loss that counts as an improvement for early "
    "stopping (the training loss without validation data): the loss must fall more than this "
    "below its best so far to become the new best and restart the patience; smaller "
    "decreases count as no improvement. 0: any decrease counts"
)

_ERROR_STYLE = "QLineEdit { border: 1px solid #dc2626; background: #fef2f2; }"


def _format_number(value: float) -> str:
    """Short text for a float that keeps small values readable (``0.001``, ``1e-08``)."""
    if value == 0:
        return "0"
    return f"{value:.6g}"


def friendly_problem(problem: str) -> str:
    """Turn ``"training.learning_rate: must be > 0, got 0"`` into ``"Learning rate: must ..."``.

    The field is named once, by its label here, and so is a field the message refers to
    (``"training.schedule.min_lr: must be <= learning_rate (0.03)"`` is
    ``"Minimum LR: must be <= Learning rate (0.03)"``).
    """
    return readable_problem(problem)


def loss_problem(loss: str, project: Project) -> str | None:
    """Why ``loss`` cannot train this project's network on its data, or ``None``.

    The document and the project files refuse the same (:func:`~nnstudio.spec.loss_fit_problem`):
    cross-entropies need class labels, and the output layer must suit the loss.
    """
    return loss_fit_problem(loss, project.task, project.network.output)


#: "1,000" or "12,500" (or "1,000e3"): digits grouped in threes by commas. Read as thousands
#: or as a decimal comma, the two numbers are a factor of 1000 apart, so such text is refused,
#: not guessed.
_GROUPED_BY_COMMAS = re.compile(r"([+-]?[1-9][0-9]{0,2}(?:,[0-9]{3})+)([eE][+-]?[0-9]+)?")
#: What a typed number may be: ASCII digits with at most one decimal point or comma, a sign
#: and an exponent. Python's float() takes more (underscores as in "1_000", digits of other
#: scripts as in "٥"), which nobody types as a learning rate.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")
#: Words float() reads as numbers that are not finite.
_NOT_FINITE = frozenset({"inf", "infinity", "nan"})
#: The minus sign of typeset text: the Properties dock shows "−0.5" and "1e−05", which a
#: user may copy into a field.
_MINUS_SIGN = "\u2212"


def read_number(text: str) -> tuple[float | None, str]:
    """The finite number typed in ``text``, or ``None`` and why it is not one.

    A single comma is read as a decimal point ("0,5" is 0.5), except in digits grouped in
    threes ("1,000", "1,000e3"), which could mean 1000 as well as 1. Only the digits 0-9 are
    read, and no underscores ("1_000"): text Python's ``float`` would take but that is no
    number a user types is refused with the reason.

    Parameters
    ----------
    text : str
        What the user typed (surrounding spaces are ignored).

    Returns
    -------
    value : float or None
        The number, ``None`` when the text is not a finite number.
    reason : str
        Why it is not one, quoting the text (empty when it is).
    """
    text = text.strip()
    plain = text.replace(_MINUS_SIGN, "-")
    if any(char.isdigit() and not char.isascii() for char in plain):
        return None, f"{text!r} is not a number: type its digits as 0-9"
    if "_" in plain and _PLAIN_NUMBER.fullmatch(plain.replace("_", "")):
        return None, f"{text!r} is not a number: write it without '_', as {plain.replace('_', '')}"
    grouped = _GROUPED_BY_COMMAS.fullmatch(plain)
    if grouped:
        digits, exponent = grouped.group(1), grouped.group(2) or ""
        whole = digits.replace(",", "") + exponent
        if digits.count(",") == 1:
            decimal = digits.replace(",", ".") + exponent
            return None, (
                f"{text!r} is ambiguous: write {whole} or {decimal} "
                "(a comma may group thousands or mark decimals)"
            )
        # Two commas or more cannot be a decimal comma: only one reading, said as such.
        return None, f"{text!r} groups thousands with commas: write it as {whole}"
    if plain.lower().lstrip("+-") in _NOT_FINITE:
        return None, f"{text!r} is not a finite number"
    if not _PLAIN_NUMBER.fullmatch(plain):
        return None, f"{text!r} is not a number"
    value = float(plain.replace(",", "."))
    if not math.isfinite(value):
        return None, f"{text!r} is not a finite number"  # 1e999
    return value, ""


class NumberField(QtWidgets.QLineEdit):
    """A line edit for one float, committed on Enter or when focus leaves.

    Up/Down (and the mouse wheel) step the value: multiplicatively by about ×2 when
    ``logarithmic`` (learning rates and penalties span decades) or by ``step`` otherwise.
    Text that is not a number turns the field red and is not committed.

    Signals
    -------
    committed(float)
        A new value the user typed or stepped to.
    refused(str)
        The typed text is not a finite number; the reason.
    """

    committed = Signal(float)
    refused = Signal(str)

    def __init__(
        self,
        value: float = 0.0,
        *,
        logarithmic: bool = False,
        step: float = 0.01,
        parent: QtWidgets.QWidget | None = None,
    ):
        super().__init__(parent)
        self._logarithmic = logarithmic
        self._step = step
        self._value = value
        self.setValidator(None)
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.setMinimumWidth(90)
        #: The tooltip shown while the text is valid (an error's reason replaces it).
        self._plain_tip = ""
        #: Largest magnitude accepted and the name of what bounds it (e.g. a weight's float
        #: type: 1e39 would become infinity in float32); ``None``: any finite number.
        self.largest: float | None = None
        self.largest_name = ""
        self.editingFinished.connect(self._commit_text)
        self.set_value(value)

    def value(self) -> float:
        """The last committed (or programmatically set) value."""
        return self._value

    def set_value(self, value: float) -> None:
        """Show ``value`` without emitting :attr:`committed`."""
        self._value = float(value)
        self.setText(_format_number(self._value))
        self.set_error(None)

    def set_error(self, message: str | None) -> None:
        """Mark the field as invalid (red, with the reason as tooltip) or clear the mark.

        Clearing the mark gives the field its own tooltip back.
        """
        was_invalid = bool(self.property("invalid"))
        self.setStyleSheet(_ERROR_STYLE if message else "")
        self.setProperty("invalid", bool(message))
        if message:
            if not was_invalid:
                self._plain_tip = self.toolTip()
            self.setToolTip(message)
        elif was_invalid:
            self.setToolTip(self._plain_tip)

    def parsed(self) -> float | None:
        """The number in the text, or ``None`` when it is not one."""
        return read_number(self.text())[0]

    def _commit_text(self) -> None:
        value, reason = read_number(self.text())
        if value is None:
            self.set_error(reason)
            self.refused.emit(reason)
            return
        if self.largest is not None and abs(value) > self.largest:
            reason = (
                f"{self.text().strip()!r} is beyond {self.largest_name or 'the largest value'} "
                f"(at most about ±{self.largest:.2g})"
            )
            self.set_error(reason)
            self.refused.emit(reason)
            return
        if value == self._value and not self.property("invalid"):
            self.setText(_format_number(value))
            return
        self._value = value
        self.committed.emit(value)
        if self._value == value and not self.property("invalid"):
            # Committed: the typing is the document's edit now (Ctrl+Z undoes it there), so
            # the field keeps no undo history and no "modified" mark of its own.
            self.setText(_format_number(value))

    def _stepped(self, steps: int) -> float:
        value = self.parsed()
        value = self._value if value is None else value
        if self._logarithmic:
            if value <= 0:
                return self._step
            # Steps of 1, 2, 5, 10, ... keep values round.
            exponent = math.log10(value) + steps * math.log10(10) / 3
            mantissa_steps = round(exponent * 3)
            decade, position = divmod(mantissa_steps, 3)
            return float(f"{(1, 2, 5)[position] * 10.0**decade:.12g}")
        return float(f"{value + steps * self._step:.12g}")

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
            steps = 1 if event.key() == Qt.Key.Key_Up else -1
            self.setText(_format_number(self._stepped(steps)))
            self._commit_text()
            return
        super().keyPressEvent(event)

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        if not self.hasFocus():
            event.ignore()
            return
        steps = 1 if event.angleDelta().y() > 0 else -1
        self.setText(_format_number(self._stepped(steps)))
        self._commit_text()
        event.accept()


class _ExplainedTips(QtCore.QObject):
    """Tooltips of combo boxes from their accessible description, plus a shortened item.

    An eliding combo box uses its tooltip for its current item when the item is shortened
    (and clears it otherwise), so the explanation of the setting lives in the description
    (which screen readers read too) and joins the item here.
    """

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if event.type() == QtCore.QEvent.Type.ToolTip and isinstance(watched, QtWidgets.QWidget):
            parts = [watched.toolTip(), watched.accessibleDescription()]
            text = "\n\n".join(part for part in parts if part)
            if text:
                QtWidgets.QToolTip.showText(event.globalPos(), text, watched)  # type: ignore[attr-defined]
                return True
        return False


def pause_to_change(what: str) -> str:
    """Why a control is locked while training runs, in the Properties dock's words."""
    return f"Pause training to change {what}."


class RunLockTips(QtCore.QObject):
    """Tooltips of controls locked while training runs: why they are locked, then their own.

    Parameters
    ----------
    parent : QObject or None

    Notes
    -----
    The reason is added when the tooltip shows, not stored in the control's tooltip: an
    eliding combo box rewrites its tooltip whenever it paints.
    """

    def __init__(self, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._reasons: dict[QtWidgets.QWidget, str] = {}
        #: Whether the watched controls are locked now (training runs).
        self.locked = False

    def watch(self, widget: QtWidgets.QWidget, what: str) -> None:
        """Explain ``widget``'s lock as "Pause training to change ``what``."."""
        self._reasons[widget] = pause_to_change(what)
        widget.installEventFilter(self)

    def text(self, widget: QtWidgets.QWidget) -> str:
        """The tooltip ``widget`` shows now: the lock's reason first while it is locked."""
        parts = [widget.toolTip(), widget.accessibleDescription()]
        if self.locked and widget in self._reasons:
            parts.insert(0, self._reasons[widget])
        return "\n\n".join(part for part in parts if part)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            event.type() == QtCore.QEvent.Type.ToolTip
            and self.locked
            and isinstance(watched, QtWidgets.QWidget)
            and watched in self._reasons
        ):
            QtWidgets.QToolTip.showText(event.globalPos(), self.text(watched), watched)  # type: ignore[attr-defined]
            return True
        return False


def _spin(low: int, high: int, value: int = 0) -> QtWidgets.QSpinBox:
    box = QtWidgets.QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setKeyboardTracking(False)
    box.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    box.setMinimumWidth(90)
    return box


def _room_for(box: QtWidgets.QSpinBox, typical: int) -> None:
    """Make ``box`` at least wide enough to show values up to ``typical`` whole.

    A spin box asks for the room of its largest value ("1000000 epochs"), so :func:`_spin`
    fixes a small minimum instead, which at a large font cut "20 epochs" short.
    """
    probe = QtWidgets.QSpinBox()
    probe.setFont(box.font())
    probe.setSuffix(box.suffix())
    probe.setSpecialValueText(box.specialValueText())
    probe.setRange(box.minimum(), typical)
    # The size hint, not the minimum one: only the size hint counts the suffix.
    box.setMinimumWidth(max(box.minimumWidth(), probe.sizeHint().width()))


def _section(title: str) -> QtWidgets.QLabel:
    label = QtWidgets.QLabel(title)
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setStyleSheet("color: #1e3a8a; padding-top: 6px;")
    return label


class TrainingSettingsWidget(QtWidgets.QWidget):
    """The form inside :class:`TrainingDock`, usable on its own.

    Parameters
    ----------
    document : StudioDocument
        The document whose training settings, loss and dropout are edited.
    """

    def __init__(self, document: StudioDocument, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self._updating = False
        #: False while training runs: the loss, dropout and precision are locked then.
        self._editable = True
        #: The clipping norm the project used last (the field's value while clipping is off).
        self._last_clip_norm = 1.0
        self._build()
        for field in self.findChildren(NumberField):
            field.refused.connect(lambda reason, field=field: self._refused(field, reason))
        document.projectChanged.connect(self._refresh)
        self._refresh(document.project)

    def _refused(self, field: NumberField, reason: str) -> None:
        """Say under the field why typed text was not taken, naming the field."""
        name = field.accessibleName()
        row = self._form_row(field)
        item = None if row < 0 else self.form.itemAt(row, QtWidgets.QFormLayout.ItemRole.LabelRole)
        label = None if item is None else item.widget()
        if not name and isinstance(label, QtWidgets.QLabel):
            name = label.text().replace("&", "").rstrip(":")
        self.show_problems([f"{name}: {reason}" if name else reason], field)

    def _row(
        self,
        text: str,
        field: QtWidgets.QWidget | QtWidgets.QLayout,
        buddy: QtWidgets.QWidget | None = None,
    ) -> None:
        """Add a row labelled ``text`` (its "&" marks the Alt key) whose label focuses ``buddy``.

        ``buddy`` defaults to ``field``; a row of several controls names the one to focus.
        """
        label = QtWidgets.QLabel(text)
        target = field if buddy is None else buddy
        if isinstance(target, QtWidgets.QWidget):
            label.setBuddy(target)
        self.form.addRow(label, field)

    # ---- construction ------------------------------------------------------------------------

    def _build(self) -> None:
        outer = QtWidgets.QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 8)
        outer.setSpacing(2)
        form = QtWidgets.QFormLayout()
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        # A row too wide for the dock ("Categorical cross-entropy" beside "Loss") puts its
        # field under its label at the full width, rather than shortening the field's text.
        form.setRowWrapPolicy(QtWidgets.QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(5)
        self.form = form
        outer.addLayout(form)

        # -- objective
        form.addRow(_section("Objective"))
        self.loss_combo = whole_text_combo()
        for index, name in enumerate(LOSSES):
            self.loss_combo.addItem(LOSS_LABELS[name], name)
            self.loss_combo.setItemData(index, LOSS_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.loss_combo.activated.connect(self._loss_chosen)
        self.loss_combo.setAccessibleDescription(
            "What training minimises: how far the network's outputs are from the targets. "
            "Losses that do not fit the output layer or the data are greyed out"
        )
        # The Alt letters stay clear of the Data dock's, which may be tabbed with this one.
        self._row("Loss f&unction", self.loss_combo)
        self.loss_note = QtWidgets.QLabel()
        self.loss_note.setWordWrap(True)
        self.loss_note.setStyleSheet("color: #6b7280;")
        form.addRow(self.loss_note)

        # -- optimizer
        form.addRow(_section("Optimizer"))
        self.optimizer_combo = whole_text_combo()
        for index, name in enumerate(OPTIMIZERS):
            self.optimizer_combo.addItem(OPTIMIZER_LABELS[name], name)
            self.optimizer_combo.setItemData(
                index, OPTIMIZER_TIPS[name], Qt.ItemDataRole.ToolTipRole
            )
        self.optimizer_combo.activated.connect(
            lambda _i: self._set("Change optimizer", optimizer=self.optimizer_combo.currentData())
        )
        self.optimizer_combo.setAccessibleDescription(
            "How each step turns the gradient into a change of the weights: plain SGD, with "
            "momentum, or with per-weight step sizes (RMSProp, Adam, AdamW)"
        )
        self._row("Optimi&zer", self.optimizer_combo)
        self.learning_rate = NumberField(0.1, logarithmic=True, step=0.01)
        self.learning_rate.setToolTip(
            "Step size α of each update (↑/↓ step through 1, 2, 5, 10, …). Takes effect at "
            "once, also while training runs"
        )
        self.learning_rate.committed.connect(
            lambda v: self._set("Change learning rate", field=self.learning_rate, learning_rate=v)
        )
        self._row("Learn&ing rate", self.learning_rate)
        self.hyper_fields: dict[str, NumberField] = {}
        for name, label in HYPERPARAMETER_LABELS.items():
            logarithmic = name in ("epsilon", "weight_decay")
            field = NumberField(
                0.0, logarithmic=logarithmic, step=0.01 if not logarithmic else 1e-8
            )
            field.committed.connect(self._hyper_setter(name, field))
            field.setToolTip(HYPERPARAMETER_TIPS[name])
            self.hyper_fields[name] = field
            form.addRow(label, field)

        # -- schedule
        self.schedule_combo = whole_text_combo()
        for name in SCHEDULES:
            self.schedule_combo.addItem(SCHEDULE_LABELS[name], name)
        self.schedule_combo.activated.connect(
            lambda _i: self._set_schedule("Change schedule", name=self.schedule_combo.currentData())
        )
        self.schedule_combo.setAccessibleDescription(
            "How the learning rate changes over the run: constant, divided by γ in steps, "
            "decaying exponentially, or following a cosine down to a minimum"
        )
        form.addRow("LR schedule", self.schedule_combo)
        self.step_size = _spin(1, 1_000_000, 100)
        self.step_size.setSuffix(" epochs")
        _room_for(self.step_size, 1000)
        self.step_size.setToolTip("Epochs between two multiplications of the rate by γ")
        self.step_size.valueChanged.connect(
            lambda v: self._set_schedule("Change schedule step", step_size=int(v))
        )
        form.addRow("Every", self.step_size)
        self.gamma = NumberField(0.5, step=0.05)
        self.gamma.setToolTip("Factor γ the learning rate is multiplied by (per step or epoch)")
        self.gamma.committed.connect(
            lambda v: self._set_schedule("Change schedule γ", field=self.gamma, gamma=v)
        )
        form.addRow("Decay γ", self.gamma)
        self.period = _spin(0, 10_000_000, 0)
        self.period.setSpecialValueText("whole run")
        self.period.setSuffix(" epochs")
        _room_for(self.period, 1000)
        self.period.setToolTip("Epochs of one cosine from the rate down to the minimum")
        self.period.valueChanged.connect(
            lambda v: self._set_schedule("Change cosine period", period=int(v) or None)
        )
        form.addRow("Period", self.period)
        self.min_lr = NumberField(0.0, logarithmic=True, step=1e-4)
        self.min_lr.setToolTip("The lowest learning rate the cosine reaches")
        self.min_lr.committed.connect(
            lambda v: self._set_schedule(
                "Change minimum learning rate", field=self.min_lr, min_lr=v
            )
        )
        form.addRow("Minimum LR", self.min_lr)
        # Where the schedule has taken the rate (shown while it is not constant).
        self.current_rate = QtWidgets.QLabel()
        self.current_rate.setToolTip(
            "The learning rate the schedule gives the current epoch: what the last steps used"
        )
        self.current_rate.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Rate now", self.current_rate)
        self._rate_shown: tuple[float, int] | None = None

        # -- batches and duration
        form.addRow(_section("Batches"))
        batch_row = QtWidgets.QHBoxLayout()
        self.full_batch = QtWidgets.QCheckBox("Full batch")
        self.full_batch.setToolTip(
            "Use every training example in each step (batch gradient descent)"
        )
        self.batch_size = _spin(1, 10_000_000, 32)
        self.batch_size.setToolTip("Examples per mini-batch (1 is stochastic gradient descent)")
        self.full_batch.toggled.connect(self._batch_changed)
        self.batch_size.valueChanged.connect(self._batch_changed)
        batch_row.addWidget(self.batch_size, 1)
        batch_row.addWidget(self.full_batch)
        self._row("&Batch size", batch_row, self.batch_size)
        epochs_row = QtWidgets.QHBoxLayout()
        self.epochs = _spin(1, 100_000_000, 300)
        self.epochs.setToolTip("Passes over the training data before training finishes")
        self.unlimited = QtWidgets.QCheckBox("Unlimited")
        self.unlimited.setToolTip("Train until you press Pause or Stop")
        self.epochs.valueChanged.connect(self._epochs_changed)
        self.unlimited.toggled.connect(self._epochs_changed)
        epochs_row.addWidget(self.epochs, 1)
        epochs_row.addWidget(self.unlimited)
        self._row("E&pochs", epochs_row, self.epochs)
        self.shuffle = QtWidgets.QCheckBox("Reshuffle every epoch")
        self.shuffle.setToolTip(
            "Draw the mini-batches in a new random order each epoch (off: the same order "
            "every epoch)"
        )
        self.shuffle.toggled.connect(lambda on: self._set("Change shuffling", shuffle=bool(on)))
        form.addRow("", self.shuffle)

        # -- regularisation
        form.addRow(_section("Regularisation"))
        self.l1 = NumberField(0.0, logarithmic=True, step=1e-5)
        self.l1.setToolTip(
            "λ₁ of the penalty λ₁·Σ|W| on the weights (not the biases), added to the "
            "batch-mean loss"
        )
        self.l1.committed.connect(lambda v: self._set("Change L1", field=self.l1, l1=v))
        form.addRow("L1 λ₁", self.l1)
        self.l2 = NumberField(0.0, logarithmic=True, step=1e-4)
        self.l2.setToolTip(
            "λ₂ of the penalty λ₂/2·ΣW² on the weights (not the biases), added to the "
            "batch-mean loss. A cost written (λ/2m)·ΣW² over m examples is λ₂ = λ/m"
        )
        self.l2.committed.connect(lambda v: self._set("Change L2", field=self.l2, l2=v))
        form.addRow("L2 λ₂", self.l2)
        self.dropout = QtWidgets.QDoubleSpinBox()
        self.dropout.setRange(0.0, 0.95)
        self.dropout.setSingleStep(0.05)
        self.dropout.setDecimals(2)
        self.dropout.setKeyboardTracking(False)
        self.dropout.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.dropout.setToolTip(_DROPOUT_TIP)
        self.dropout.valueChanged.connect(self._dropout_changed)
        form.addRow("Dropout", self.dropout)
        # Each optional setting's check box is its row's label, and says what it turns on.
        self.early_stopping = QtWidgets.QCheckBox("Stop early after")
        self.early_stopping.setToolTip(
            "Stop when the validation loss has not improved for this many epochs, and go back "
            "to the weights of its best epoch"
        )
        self.patience = _spin(1, 1_000_000, 20)
        self.patience.setSuffix(" epochs")
        _room_for(self.patience, 100)
        self.patience.setToolTip(
            "Stop when the validation loss has not improved (by more than the minimum "
            "improvement) for this long; the weights of the best epoch are then restored"
        )
        self.patience.setAccessibleName("Early stopping patience")
        self.early_stopping.toggled.connect(self._early_stopping_changed)
        self.patience.valueChanged.connect(self._early_stopping_changed)
        form.addRow(self.early_stopping, self.patience)
        # Early stopping's min_delta, right under its patience: the two decide together.
        self.min_delta = NumberField(0.0, logarithmic=True, step=1e-4)
        self.min_delta.setToolTip(MIN_DELTA_TIP)
        self.min_delta.setAccessibleName("Early stopping minimum improvement")
        self.min_delta.committed.connect(
            lambda v: self._set(
                "Change early stopping minimum improvement", field=self.min_delta, min_delta=v
            )
        )
        self.min_delta_label = QtWidgets.QLabel("Min. improvement")
        self.min_delta_label.setToolTip(MIN_DELTA_TIP)
        self.min_delta_label.setBuddy(self.min_delta)
        form.addRow(self.min_delta_label, self.min_delta)
        self.clipping = QtWidgets.QCheckBox("Clip gradients at")
        self.clipping.setToolTip("Rescale the gradient when its global norm exceeds a maximum")
        self.clip_norm = NumberField(1.0, logarithmic=True, step=0.1)
        self.clip_norm.setToolTip("Rescale the gradient when its global norm exceeds this")
        self.clip_norm.setAccessibleName("Gradient clipping")
        self.clipping.toggled.connect(self._clipping_changed)
        self.clip_norm.committed.connect(lambda _v: self._clipping_changed())
        form.addRow(self.clipping, self.clip_norm)

        # -- reproducibility
        form.addRow(_section("Numerics"))
        self.seed = _spin(0, 2_147_483_647, 0)
        self.seed.setToolTip("Seed of the weight initialisation, shuffling and dropout")
        self.seed.valueChanged.connect(lambda v: self._set("Change seed", seed=int(v)))
        form.addRow("Seed", self.seed)
        self.dtype = QtWidgets.QComboBox()
        for name in DTYPES:
            self.dtype.addItem(name, name)
        self.dtype.activated.connect(self._dtype_chosen)
        self.dtype.setAccessibleDescription(
            "Floating-point type of the weights and of training: float32 is about twice as "
            "fast, float64 more exact"
        )
        form.addRow("Precision", self.dtype)

        # One message row, moved under the field it is about (or to the top of the form):
        # below the whole form it was often out of the dock's view, leaving only a red border.
        self.problem_label = QtWidgets.QLabel()
        self.problem_label.setWordWrap(True)
        self.problem_label.setTextFormat(Qt.TextFormat.PlainText)
        self.problem_label.setStyleSheet(
            "color: #991b1b; background: #fef2f2; border: 1px solid #fecaca; "
            "border-radius: 4px; padding: 4px;"
        )
        self.problem_label.hide()
        form.insertRow(0, self.problem_label)
        outer.addStretch(1)
        self._tips = _ExplainedTips(self)
        for combo in (self.loss_combo, self.optimizer_combo, self.schedule_combo, self.dtype):
            combo.installEventFilter(self._tips)
        # Installed last, so it sees a locked combo's tooltip before _ExplainedTips does.
        self.lock_tips = RunLockTips(self)
        for widget, what in (
            (self.loss_combo, "the loss"),
            (self.dropout, "the dropout"),
            (self.dtype, "the precision"),
        ):
            self.lock_tips.watch(widget, what)

    def _hyper_setter(self, name: str, field: NumberField) -> Callable[[float], None]:
        label = HYPERPARAMETER_LABELS[name]
        return lambda value: self._set(f"Change {label}", field=field, **{name: value})

    # ---- edits -------------------------------------------------------------------------------

    @property
    def training(self) -> TrainingSpec:
        """The document's current training settings."""
        return self.document.project.training

    def _set(self, text: str, field: NumberField | None = None, **changes: object) -> bool:
        """Apply ``changes`` to the training settings if they pass the range checks."""
        if self._updating:
            return False
        candidate = replace(self.training, **changes)  # type: ignore[arg-type]
        return self._apply(candidate, text, field)

    def _set_schedule(self, text: str, field: NumberField | None = None, **changes: object) -> bool:
        if self._updating:
            return False
        schedule = replace(self.training.schedule, **changes)  # type: ignore[arg-type]
        return self._apply(replace(self.training, schedule=schedule), text, field)

    def _apply(self, candidate: TrainingSpec, text: str, field: NumberField | None) -> bool:
        problems = [friendly_problem(p) for p in training_problems(candidate)]
        if problems:
            self.show_problems(problems, field)
            return False
        self.show_problems([], None)
        if candidate == self.training:
            return True
        if self.document.set_training(candidate, text):
            return True
        # The document refused it (and said why): show the settings it kept.
        self._refresh(self.document.project)
        return False

    def show_problems(self, problems: list[str], field: NumberField | None) -> None:
        """Show why an edit was refused (or hide the message when ``problems`` is empty).

        The message appears right under ``field`` (at the top of the form without one), and
        the dock scrolls to it when it is out of view.
        """
        # One refusal is explained at a time: every other refused field goes back to the
        # value the project uses, so no field shows a number that training does not use.
        self._revert_refused(keep=field if problems else None)
        if problems:
            self.problem_label.setText("\n".join(problems))
            self._move_problem_label(field)
            self.problem_label.show()
            if field is not None:
                field.set_error("; ".join(problems))
            self._reveal_problem()
        else:
            self.problem_label.hide()

    def _project_values(self) -> dict[NumberField, float]:
        """What each number field shows when it holds the project's value."""
        t = self.training
        values = {
            self.learning_rate: t.learning_rate,
            self.gamma: t.schedule.gamma,
            self.min_lr: t.schedule.min_lr,
            self.l1: t.l1,
            self.l2: t.l2,
            self.min_delta: t.min_delta,
            # Clipping off keeps the field's last accepted norm (the default at first).
            self.clip_norm: t.clip_norm if t.clip_norm is not None else self._last_clip_norm,
        }
        values.update({field: float(getattr(t, n)) for n, field in self.hyper_fields.items()})
        return values

    def _revert_refused(self, keep: NumberField | None) -> None:
        """Show the project's value again in every refused field but ``keep``."""
        for number_field, value in self._project_values().items():
            if number_field is not keep and number_field.property("invalid"):
                number_field.set_value(value)

    def _form_row(self, widget: QtWidgets.QWidget) -> int:
        """The form row holding ``widget``, alone or inside the row's layout; -1 if none."""
        row, _role = self.form.getWidgetPosition(widget)
        if row >= 0:
            return row
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QtWidgets.QFormLayout.ItemRole.FieldRole)
            layout = None if item is None else item.layout()
            if layout is not None and layout.indexOf(widget) >= 0:
                return row
        return -1

    def _move_problem_label(self, field: NumberField | None) -> None:
        """Put the message row under ``field``'s row, or first in the form."""
        label = self.problem_label
        current, _role = self.form.getWidgetPosition(label)
        if current >= 0:
            # takeRow keeps the label (removeRow would delete it).
            self.form.takeRow(current)
        row = -1 if field is None else self._form_row(field)
        self.form.insertRow(row + 1, label)

    def _reveal_problem(self) -> None:
        """Scroll an enclosing scroll area so the whole message is in view.

        The form lays the message out on a posted event: the scrolling waits until then.
        """
        QtCore.QTimer.singleShot(0, self, self._scroll_to_problem)

    def _scroll_to_problem(self) -> None:
        if self.problem_label.isHidden():
            return
        scroll = self.parentWidget()
        while scroll is not None and not isinstance(scroll, QtWidgets.QScrollArea):
            scroll = scroll.parentWidget()
        if scroll is not None:
            scroll.ensureWidgetVisible(self.problem_label, 0, 4)

    # ---- locking while training runs --------------------------------------------------------

    @property
    def editable(self) -> bool:
        """Whether the loss, the dropout and the precision may be changed now."""
        return self._editable

    def show_learning_rate(self, rate: float, epoch: int) -> None:
        """Show the learning rate training uses at ``epoch`` ("0.00813 at epoch 40")."""
        self._show_rate(float(rate), int(epoch))

    def _show_rate(self, rate: float, epoch: int) -> None:
        if self._rate_shown == (rate, epoch):
            return
        self._rate_shown = (rate, epoch)
        self.current_rate.setText(f"{rate:.3g} at epoch {epoch:,}")

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid changing the loss, the dropout and the precision.

        They are forbidden while training runs: each needs a new training session, which
        would end the run. The other settings reach a running trainer live and stay open.
        """
        self._editable = bool(editable)
        self._apply_editable()

    def _apply_editable(self) -> None:
        editable = self._editable
        self.lock_tips.locked = not editable
        self.loss_combo.setEnabled(editable)
        self.dtype.setEnabled(editable)
        self.dropout.setEnabled(editable and bool(self.document.project.network.hidden))

    def _refuse_while_locked(self) -> bool:
        """True (and the document's values shown again) when a locked control was changed.

        Disabled controls take no input, but code can still set them.
        """
        if self._editable:
            return False
        self._refresh(self.document.project)
        return True

    # ---- edits of the locked controls ---------------------------------------------------------

    def _dtype_chosen(self, _index: int) -> None:
        if self._updating or self._refuse_while_locked():
            return
        self._set("Change precision", dtype=self.dtype.currentData())

    def _loss_chosen(self, _index: int) -> None:
        if self._updating or self._refuse_while_locked():
            return
        loss = self.loss_combo.currentData()
        problem = loss_problem(loss, self.document.project)
        if problem:
            # Disabled items cannot normally be chosen; refuse programmatic choices too.
            self._refresh(self.document.project)
            return
        self.document.set_loss(loss)

    def _batch_changed(self, *_args: object) -> None:
        self.batch_size.setEnabled(not self.full_batch.isChecked())
        batch = "full" if self.full_batch.isChecked() else int(self.batch_size.value())
        self._set("Change batch size", batch_size=batch)

    def _epochs_changed(self, *_args: object) -> None:
        self.epochs.setEnabled(not self.unlimited.isChecked())
        epochs = None if self.unlimited.isChecked() else int(self.epochs.value())
        self._set("Change epochs", epochs=epochs)

    def _early_stopping_changed(self, *_args: object) -> None:
        self._enable_early_stopping_fields(self.early_stopping.isChecked())
        patience = int(self.patience.value()) if self.early_stopping.isChecked() else None
        self._set("Change early stopping", early_stopping=patience)

    def _enable_early_stopping_fields(self, on: bool) -> None:
        """The patience and the minimum improvement count only while early stopping is on."""
        self.patience.setEnabled(on)
        self.min_delta.setEnabled(on)
        self.min_delta_label.setEnabled(on)

    def _clipping_changed(self, *_args: object) -> None:
        self.clip_norm.setEnabled(self.clipping.isChecked())
        norm = self.clip_norm.value() if self.clipping.isChecked() else None
        self._set("Change gradient clipping", field=self.clip_norm, clip_norm=norm)

    def _dropout_changed(self, value: float) -> None:
        if self._updating or value < 0:  # below 0: "mixed", shown for different rates
            return
        if self._refuse_while_locked():
            return
        network = self.document.project.network
        rate = round(float(value), 4)
        layers = tuple(replace(layer, dropout=rate) for layer in network.hidden)
        if layers == network.hidden:
            return
        self.document.set_network(
            replace(network, layers=(*layers, network.output)), "Change dropout"
        )

    # ---- showing the document ----------------------------------------------------------------

    def _refresh(self, project: Project) -> None:
        self._updating = True
        try:
            self._show(project)
        finally:
            self._updating = False

    def _show(self, project: Project) -> None:
        t = project.training
        output = project.network.output
        model = self.loss_combo.model()
        problems = {name: loss_problem(name, project) for name in LOSSES}
        for row, name in enumerate(LOSSES):
            item = model.item(row)  # type: ignore[attr-defined]
            item.setEnabled(problems[name] is None)
            # The formula always, and why the loss is greyed out when it is.
            item.setToolTip("\n\n".join(filter(None, (LOSS_TIPS[name], problems[name]))))
        self.loss_combo.setCurrentIndex(LOSSES.index(project.loss))
        unavailable = [LOSS_LABELS[n] for n in LOSSES if problems[n]]
        units = f"{output.units} {output.activation} unit{'s' if output.units != 1 else ''}"
        self.loss_note.setText(
            problems[project.loss]
            or f"Output: {units}."
            + (f" Unavailable here: {', '.join(unavailable)}." if unavailable else "")
        )
        self.loss_note.setToolTip(
            "\n".join(f"{LOSS_LABELS[n]}: {problems[n]}" for n in LOSSES if problems[n])
        )

        self.optimizer_combo.setCurrentIndex(OPTIMIZERS.index(t.optimizer))
        self.learning_rate.set_value(t.learning_rate)
        used = OPTIMIZER_HYPERPARAMETERS.get(t.optimizer, ())
        for name, field in self.hyper_fields.items():
            field.set_value(float(getattr(t, name)))
            self.form.setRowVisible(field, name in used)

        s = t.schedule
        self.schedule_combo.setCurrentIndex(SCHEDULES.index(s.name))
        self.step_size.setValue(s.step_size)
        self.gamma.set_value(s.gamma)
        self.period.setValue(s.period or 0)
        self.min_lr.set_value(s.min_lr)
        schedule_used = SCHEDULE_PARAMETERS.get(s.name, ())
        for name, widget in (
            ("step_size", self.step_size),
            ("gamma", self.gamma),
            ("period", self.period),
            ("min_lr", self.min_lr),
        ):
            self.form.setRowVisible(widget, name in schedule_used)
        self.form.setRowVisible(self.current_rate, s.name != "constant")
        if self._rate_shown is None or self._rate_shown[1] == 0:
            self._show_rate(t.learning_rate, 0)  # before training: the rate it starts with

        self.full_batch.setChecked(t.batch_size == "full")
        if t.batch_size != "full":
            self.batch_size.setValue(int(t.batch_size))
        self.batch_size.setEnabled(t.batch_size != "full")
        self.unlimited.setChecked(t.epochs is None)
        if t.epochs is not None:
            show_clamped(self.epochs, int(t.epochs))
        self.epochs.setEnabled(t.epochs is not None)
        self.shuffle.setChecked(t.shuffle)

        self.l1.set_value(t.l1)
        self.l2.set_value(t.l2)
        hidden = project.network.hidden
        rates = {layer.dropout for layer in hidden}
        if len(rates) > 1:
            # Shown as "mixed", one step below 0: any rate entered, 0 included, is a change
            # and sets every hidden layer.
            self.dropout.setMinimum(-self.dropout.singleStep())
            self.dropout.setSpecialValueText("mixed")
            self.dropout.setValue(self.dropout.minimum())
            self.dropout.setToolTip(
                "Hidden layers use different rates ("
                + ", ".join(f"{layer.dropout:g}" for layer in hidden)
                + "); a new value sets them all"
            )
        else:
            self.dropout.setSpecialValueText("")
            self.dropout.setMinimum(0.0)
            self.dropout.setValue(rates.pop() if rates else 0.0)
            self.dropout.setToolTip(_DROPOUT_TIP)
        self.early_stopping.setChecked(t.early_stopping is not None)
        if t.early_stopping is not None:
            self.patience.setValue(t.early_stopping)
        self.min_delta.set_value(t.min_delta)
        self._enable_early_stopping_fields(t.early_stopping is not None)
        self.clipping.setChecked(t.clip_norm is not None)
        if t.clip_norm is not None:
            self.clip_norm.set_value(t.clip_norm)
            self._last_clip_norm = t.clip_norm
        self.clip_norm.setEnabled(t.clip_norm is not None)
        show_clamped(self.seed, int(t.seed))
        self.dtype.setCurrentIndex(DTYPES.index(t.dtype))
        self.problem_label.hide()
        # Dropout needs hidden layers; the locked controls also wait for a pause.
        self._apply_editable()


class VerticalScrollArea(QtWidgets.QScrollArea):
    """A frameless scroll area that scrolls only vertically and is never narrower than its
    contents' minimum width.

    A plain scroll area asks for almost no room, so a dock holding one could be squeezed
    until its controls are clipped.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # A container: Tab goes to the controls inside, never to the area (which shows no
        # focus); a focused field is scrolled into view all the same.
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def minimumSizeHint(self) -> QtCore.QSize:
        base = super().minimumSizeHint()
        widget = self.widget()
        if widget is None:
            return base
        width = (
            widget.minimumSizeHint().width()
            + self.verticalScrollBar().sizeHint().width()
            + 2 * self.frameWidth()
        )
        return QtCore.QSize(max(base.width(), width), base.height())

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if watched is self.widget() and event.type() == QtCore.QEvent.Type.LayoutRequest:
            # The contents' minimum width may have changed (controls shown or hidden).
            self.updateGeometry()
        return super().eventFilter(watched, event)


class TrainingDock(QtWidgets.QDockWidget):
    """Dock holding :class:`TrainingSettingsWidget` in a scroll area.

    The dock usually starts as a tab behind the Data dock, so its form is built when it is
    first needed: when the dock is shown, when :attr:`settings_widget` is asked for, or by
    :meth:`build` (the main window calls it once its first paint is done).
    """

    def __init__(self, document: StudioDocument, parent: QtWidgets.QWidget | None = None):
        super().__init__("Training settings", parent)
        self.setObjectName("TrainingDock")
        self._document = document
        self._editable = True
        self._settings_widget: TrainingSettingsWidget | None = None
        self._scroll = VerticalScrollArea()
        self.setWidget(self._scroll)

    @property
    def settings_widget(self) -> TrainingSettingsWidget:
        """The training settings form (built now if it was not yet)."""
        if self._settings_widget is None:
            self._settings_widget = TrainingSettingsWidget(self._document)
            # A run may have started before the form was first needed.
            self._settings_widget.set_editable(self._editable)
            self._scroll.setWidget(self._settings_widget)
            self._scroll.updateGeometry()
        return self._settings_widget

    @property
    def is_built(self) -> bool:
        """Whether the form exists yet."""
        return self._settings_widget is not None

    def build(self) -> None:
        """Build the form now (it is built on first use otherwise)."""
        _ = self.settings_widget

    def show_learning_rate(self, rate: float, epoch: int) -> None:
        """Show the rate the schedule gives ``epoch`` (from a training frame), once built."""
        if self._settings_widget is not None:
            self._settings_widget.show_learning_rate(rate, epoch)

    def set_editable(self, editable: bool) -> None:
        """Forward to :meth:`TrainingSettingsWidget.set_editable` (also before it is built)."""
        self._editable = bool(editable)
        if self._settings_widget is not None:
            self._settings_widget.set_editable(self._editable)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        self.build()
        super().showEvent(event)


__all__ = [
    "NumberField",
    "RunLockTips",
    "TrainingDock",
    "TrainingSettingsWidget",
    "VerticalScrollArea",
    "friendly_problem",
    "loss_problem",
    "pause_to_change",
]
