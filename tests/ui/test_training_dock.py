"""The Training settings dock: only relevant fields, validated live, every edit undoable."""

from __future__ import annotations

from dataclasses import replace

import pytest

from nnstudio.spec import OPTIMIZER_HYPERPARAMETERS, OPTIMIZERS, LayerSpec
from nnstudio.ui.docks.training_dock import NumberField, TrainingDock, friendly_problem
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.qt import Qt, QtCore, QtGui, QtWidgets

pytestmark = pytest.mark.gui


@pytest.fixture
def document(qapp) -> StudioDocument:
    return StudioDocument()


@pytest.fixture
def dock(qtbot, document: StudioDocument) -> TrainingDock:
    widget = TrainingDock(document)
    qtbot.addWidget(widget)
    widget.resize(340, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _type(qtbot, field: NumberField, text: str) -> None:
    field.setFocus()
    field.selectAll()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def _choose(combo, data: str) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_only_the_optimizers_own_hyperparameters_are_visible(dock: TrainingDock) -> None:
    form = dock.settings_widget
    for name in OPTIMIZERS:
        _choose(form.optimizer_combo, name)
        assert form.document.project.training.optimizer == name
        visible = {key for key, field in form.hyper_fields.items() if form.form.isRowVisible(field)}
        assert visible == set(OPTIMIZER_HYPERPARAMETERS[name])
        assert form.form.isRowVisible(form.learning_rate)


def test_schedule_shows_only_its_parameters(dock: TrainingDock) -> None:
    form = dock.settings_widget
    expected = {
        "constant": set(),
        "step": {"step_size", "gamma"},
        "exponential": {"gamma"},
        "cosine": {"period", "min_lr"},
    }
    widgets = {
        "step_size": form.step_size,
        "gamma": form.gamma,
        "period": form.period,
        "min_lr": form.min_lr,
    }
    for name, fields in expected.items():
        _choose(form.schedule_combo, name)
        assert form.document.project.training.schedule.name == name
        assert {k for k, w in widgets.items() if form.form.isRowVisible(w)} == fields


def test_learning_rate_edit_is_applied_and_undoable(qtbot, dock: TrainingDock) -> None:
    form = dock.settings_widget
    document = form.document
    before = document.project.training.learning_rate
    _type(qtbot, form.learning_rate, "0.003")
    assert document.project.training.learning_rate == pytest.approx(0.003)
    document.undo_stack.undo()
    assert document.project.training.learning_rate == pytest.approx(before)
    assert form.learning_rate.text() == f"{before:g}"


@pytest.mark.parametrize("text", ["0", "-1", "5000"])
def test_absurd_learning_rate_is_refused(qtbot, dock: TrainingDock, text: str) -> None:
    form = dock.settings_widget
    before = form.document.project.training
    _type(qtbot, form.learning_rate, text)
    assert form.document.project.training == before
    assert form.learning_rate.property("invalid")
    assert not form.problem_label.isHidden()
    assert "Learning rate" in form.problem_label.text()
    # A sensible value clears the mark.
    _type(qtbot, form.learning_rate, "0.05")
    assert not form.learning_rate.property("invalid")
    assert form.problem_label.isHidden()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("abc", "'abc' is not a number"),
        ("0x10", "'0x10' is not a number"),
        ("nan", "'nan' is not a finite number"),
        ("inf", "'inf' is not a finite number"),
        ("1e999", "'1e999' is not a finite number"),
    ],
)
def test_text_that_is_no_finite_number_is_refused_with_its_reason(
    qtbot, dock: TrainingDock, text: str, reason: str
) -> None:
    form = dock.settings_widget
    before = form.document.project.training
    _type(qtbot, form.learning_rate, "-0")  # an earlier, different refusal
    _type(qtbot, form.learning_rate, text)
    assert form.learning_rate.property("invalid")
    assert form.document.project.training == before
    # Named under the field, replacing the earlier message.
    assert not form.problem_label.isHidden()
    assert form.problem_label.text() == f"Learning rate: {reason}"


def _in_viewport(dock: TrainingDock, widget) -> QtCore.QRect:
    """``widget``'s rectangle in the coordinates of the dock's scroll viewport."""
    viewport = dock._scroll.viewport()
    return QtCore.QRect(widget.mapTo(viewport, QtCore.QPoint(0, 0)), widget.size())


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("learning_rate", "-1", "Learning rate: must be > 0, got \u22121"),
        ("l2", "-3", "L2 λ₂: must be >= 0, got \u22123"),
        ("clip_norm", "abc", "Gradient clipping: 'abc' is not a number"),
    ],
)
def test_a_refused_value_is_explained_in_view_right_under_its_field(
    qtbot, document: StudioDocument, name: str, text: str, message: str
) -> None:
    dock = TrainingDock(document)
    qtbot.addWidget(dock)
    dock.resize(308, 540)  # about the dock in a 1024 × 640 window: the form scrolls
    dock.show()
    qtbot.waitExposed(dock)
    form = dock.settings_widget
    form.clipping.setChecked(True)
    field = getattr(form, name)
    viewport = dock._scroll.viewport()
    # The worst case: the field sits on the viewport's bottom edge.
    bar = dock._scroll.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(field.mapTo(form, QtCore.QPoint(0, 0)).y() + field.height() - viewport.height())
    assert viewport.rect().contains(_in_viewport(dock, field))
    _type(qtbot, field, text)
    label = form.problem_label
    assert label.isVisible() and label.text() == message
    # The reason is shown where the eye is, not only as a tooltip on a red border.
    qtbot.waitUntil(lambda: viewport.rect().contains(_in_viewport(dock, label)))
    field_rect, label_rect = _in_viewport(dock, field), _in_viewport(dock, label)
    assert 0 <= label_rect.top() - field_rect.bottom() <= 12
    assert viewport.rect().contains(field_rect)
    # A good value takes the message away.
    _type(qtbot, field, "0.5")
    assert label.isHidden() and not field.property("invalid")


def test_arrow_keys_step_the_learning_rate_logarithmically(qtbot, dock: TrainingDock) -> None:
    form = dock.settings_widget
    _type(qtbot, form.learning_rate, "0.01")
    qtbot.keyClick(form.learning_rate, Qt.Key.Key_Up)
    assert form.document.project.training.learning_rate == pytest.approx(0.02)
    qtbot.keyClick(form.learning_rate, Qt.Key.Key_Down)
    qtbot.keyClick(form.learning_rate, Qt.Key.Key_Down)
    assert form.document.project.training.learning_rate == pytest.approx(0.005)


def test_losses_that_do_not_fit_the_output_are_disabled(dock: TrainingDock) -> None:
    form = dock.settings_widget
    # The default project ends in one sigmoid unit: categorical cross-entropy cannot apply.
    model = form.loss_combo.model()
    row = form.loss_combo.findData("categorical_crossentropy")
    assert not model.item(row).isEnabled()
    assert "softmax" in model.item(row).toolTip()
    assert model.item(form.loss_combo.findData("mse")).isEnabled()
    _choose(form.loss_combo, "mse")
    assert form.document.project.loss == "mse"


def test_each_loss_item_states_its_formula_as_computed(dock: TrainingDock) -> None:
    from nnstudio.spec import LOSSES

    combo = dock.settings_widget.loss_combo
    tips = {
        combo.itemData(i): combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
        for i in range(combo.count())
    }
    assert set(tips) == set(LOSSES) and all(tips.values())
    # The label and the formula say the ½, so nobody compares it with MSE or RMSE as is.
    assert "½" in combo.itemText(combo.findData("mse"))
    assert "J = (1/2m) Σᵢ Σⱼ (ŷⱼ − yⱼ)²" in tips["mse"]
    assert "J = (1/m) Σᵢ Σⱼ |ŷⱼ − yⱼ|" in tips["mae"]
    assert "log(1 − ŷⱼ)" in tips["binary_crossentropy"]
    assert "J = −(1/m) Σᵢ Σⱼ yⱼ log ŷⱼ" in tips["categorical_crossentropy"]
    # A greyed-out loss keeps its formula next to the reason.
    assert "softmax" in tips["categorical_crossentropy"].split("\n\n")[-1]


def test_batch_epochs_and_switches(qtbot, dock: TrainingDock) -> None:
    form = dock.settings_widget
    training = lambda: form.document.project.training  # noqa: E731
    form.full_batch.setChecked(True)
    assert training().batch_size == "full"
    assert not form.batch_size.isEnabled()
    form.full_batch.setChecked(False)
    form.batch_size.setValue(8)
    assert training().batch_size == 8
    form.unlimited.setChecked(True)
    assert training().epochs is None
    form.unlimited.setChecked(False)
    form.epochs.setValue(50)
    assert training().epochs == 50
    form.early_stopping.setChecked(True)
    form.patience.setValue(7)
    assert training().early_stopping == 7
    form.clipping.setChecked(True)
    _type(qtbot, form.clip_norm, "2.5")
    assert training().clip_norm == pytest.approx(2.5)
    form.clipping.setChecked(False)
    assert training().clip_norm is None
    form.seed.setValue(42)
    assert training().seed == 42
    _choose(form.dtype, "float64")
    assert training().dtype == "float64"


def test_dropout_sets_every_hidden_layer(dock: TrainingDock) -> None:
    form = dock.settings_widget
    document = form.document
    form.dropout.setValue(0.25)
    network = document.project.network
    assert all(layer.dropout == pytest.approx(0.25) for layer in network.hidden)
    assert network.output.dropout == 0
    document.undo_stack.undo()
    assert all(layer.dropout == 0 for layer in document.project.network.hidden)


def test_different_dropout_rates_show_as_mixed_until_one_is_entered(
    qtbot, dock: TrainingDock
) -> None:
    form = dock.settings_widget
    document = form.document
    hidden = document.project.network.hidden
    layers = (replace(hidden[0], dropout=0.3), *hidden[1:], LayerSpec(units=3))
    document.set_network(
        replace(document.project.network, layers=(*layers, document.project.network.output)),
        "Set dropout",
    )
    assert form.dropout.text() == "mixed"
    assert "different rates (0.3, " in form.dropout.toolTip()
    # Entering the largest rate is a change like any other: it reaches every hidden layer.
    form.dropout.selectAll()
    qtbot.keyClicks(form.dropout, "0.3")
    qtbot.keyClick(form.dropout, Qt.Key.Key_Return)
    assert [layer.dropout for layer in document.project.network.hidden] == [0.3] * len(layers)
    assert form.dropout.text() == "0.30"
    assert "different" not in form.dropout.toolTip()
    document.undo_stack.undo()
    assert form.dropout.text() == "mixed"
    form.dropout.stepUp()  # from "mixed" to 0: no dropout anywhere
    assert all(layer.dropout == 0 for layer in document.project.network.hidden)
    assert form.dropout.text() == "0.00"


def test_dock_follows_outside_changes(dock: TrainingDock) -> None:
    form = dock.settings_widget
    document = form.document
    training = replace(document.project.training, optimizer="rmsprop", l1=0.001)
    document.set_training(training)
    assert form.optimizer_combo.currentData() == "rmsprop"
    assert form.l1.text() == "0.001"
    assert form.form.isRowVisible(form.hyper_fields["rho"])
    document.add_layer(layer=LayerSpec(units=3, dropout=0.5))
    assert "different" in form.dropout.toolTip()


def test_friendly_problem_names_the_field() -> None:
    assert friendly_problem("training.learning_rate: must be > 0, got 0") == (
        "Learning rate: must be > 0, got 0"
    )


def test_cross_entropies_are_unavailable_for_regression(dock: TrainingDock) -> None:
    from nnstudio.spec import BuiltinData

    form = dock.settings_widget
    form.document.set_data(BuiltinData(builtin="sine", samples=100))
    model = form.loss_combo.model()
    for loss in ("binary_crossentropy", "categorical_crossentropy"):
        item = model.item(form.loss_combo.findData(loss))
        assert not item.isEnabled()
        assert "regression" in item.toolTip()
    assert model.item(form.loss_combo.findData("huber")).isEnabled()


def test_form_is_built_when_the_dock_first_shows(qtbot, document: StudioDocument) -> None:
    dock = TrainingDock(document)
    qtbot.addWidget(dock)
    assert not dock.is_built  # a dock that starts hidden costs nothing at start-up
    document.set_training(replace(document.project.training, learning_rate=0.125))
    dock.show()
    qtbot.waitExposed(dock)
    assert dock.is_built
    # Built late, it still shows the document's current settings.
    assert dock.settings_widget.learning_rate.value() == pytest.approx(0.125)
    # The dock is as wide as the form needs (its scroll area reports the form's width).
    assert dock.minimumSizeHint().width() >= dock.settings_widget.minimumSizeHint().width()


def test_main_window_builds_the_form_after_its_first_paint(qtbot, window) -> None:
    window.repaint()
    qtbot.waitUntil(lambda: window.training_dock.is_built)


@pytest.mark.parametrize("width", [300, 308, 340])
def test_a_long_loss_name_shows_whole_in_a_narrow_dock(qtbot, document, sample, width) -> None:
    from nnstudio.ui.qt import QtWidgets

    document.open(sample("iris"))  # three classes: categorical cross-entropy
    dock = TrainingDock(document)
    qtbot.addWidget(dock)
    dock.resize(width, 640)  # 308: the dock's width in a 1024 × 640 window
    dock.show()
    qtbot.waitExposed(dock)
    QtWidgets.QApplication.processEvents()
    form = dock.settings_widget
    combo = form.loss_combo
    assert combo.currentText() == "Categorical cross-entropy"
    assert combo.shown_text() == "Categorical cross-entropy" and combo.toolTip() == ""
    # The box gets the whole row under its label when it does not fit beside it.
    assert combo.width() >= combo.sizeHint().width()
    for other in (form.optimizer_combo, form.schedule_combo):
        assert other.shown_text() == other.currentText()


def _tooltip_shown(qtbot, widget: QtWidgets.QWidget) -> str:
    """The tooltip ``widget`` shows when the pointer rests on it."""
    QtWidgets.QToolTip.hideText()
    point = QtCore.QPoint(5, 5)
    event = QtGui.QHelpEvent(QtCore.QEvent.Type.ToolTip, point, widget.mapToGlobal(point))
    QtWidgets.QApplication.sendEvent(widget, event)
    return QtWidgets.QToolTip.text() if QtWidgets.QToolTip.isVisible() else ""


def test_every_setting_explains_itself_in_a_tooltip(qtbot, dock: TrainingDock) -> None:
    form = dock.settings_widget
    # Combo boxes keep their tooltip for a shortened item: the explanation joins it.
    for combo in (form.loss_combo, form.optimizer_combo, form.schedule_combo, form.dtype):
        shown = _tooltip_shown(qtbot, combo)
        assert len(shown) > 15 and combo.accessibleDescription() in shown, combo
    assert "minimises" in _tooltip_shown(qtbot, form.loss_combo)
    controls = [
        form.learning_rate,
        *form.hyper_fields.values(),
        form.step_size,
        form.gamma,
        form.period,
        form.min_lr,
        form.batch_size,
        form.full_batch,
        form.epochs,
        form.unlimited,
        form.shuffle,
        form.l1,
        form.l2,
        form.dropout,
        form.early_stopping,
        form.patience,
        form.clipping,
        form.clip_norm,
        form.seed,
    ]
    for control in controls:
        assert len(control.toolTip()) > 15, control
    assert "Adam" in form.hyper_fields["beta1"].toolTip()
    # An error's reason stands in for the tooltip while the text is refused, not afterwards.
    field = form.learning_rate
    tip = field.toolTip()
    field.set_error("'x' is not a number")
    assert field.toolTip() == "'x' is not a number"
    field.set_error(None)
    assert field.toolTip() == tip


def test_optional_settings_say_what_their_check_box_turns_on(dock: TrainingDock) -> None:
    form = dock.settings_widget
    role = form.form.getWidgetPosition
    # The check box is the row's label: it reads as a whole, and the value beside it is
    # the field (no bare "after" or "max norm").
    for box, value, words in (
        (form.early_stopping, form.patience, "stop early"),
        (form.clipping, form.clip_norm, "clip gradients"),
    ):
        assert words in box.text().lower()
        row, box_role = role(box)
        assert box_role == QtWidgets.QFormLayout.ItemRole.LabelRole
        assert role(value) == (row, QtWidgets.QFormLayout.ItemRole.FieldRole)


def test_the_main_settings_have_alt_keys_that_focus_them(qtbot, dock: TrainingDock) -> None:
    form = dock.settings_widget
    dock.activateWindow()
    qtbot.waitUntil(dock.isActiveWindow)
    for letter, control in (
        (Qt.Key.Key_U, form.loss_combo),
        (Qt.Key.Key_Z, form.optimizer_combo),
        (Qt.Key.Key_I, form.learning_rate),
        (Qt.Key.Key_B, form.batch_size),
        (Qt.Key.Key_P, form.epochs),
    ):
        qtbot.keyClick(dock, letter, Qt.KeyboardModifier.AltModifier)
        qtbot.waitUntil(control.hasFocus, timeout=1000)


def test_a_cosine_minimum_above_the_learning_rate_is_refused(qtbot, dock: TrainingDock) -> None:
    form = dock.settings_widget
    _choose(form.schedule_combo, "cosine")
    before = form.document.project.training
    _type(qtbot, form.min_lr, "1e9")
    assert form.document.project.training == before
    assert form.min_lr.property("invalid")
    assert form.problem_label.text() == (
        f"Minimum LR: must be <= Learning rate ({before.learning_rate:g}), got 1e+09"
    )


def test_refused_fields_go_back_to_the_projects_values(qtbot, dock: TrainingDock) -> None:
    form = dock.settings_widget
    _choose(form.optimizer_combo, "momentum")
    before = form.document.project.training
    form.clipping.setChecked(True)
    clip = form.document.project.training.clip_norm
    momentum = form.hyper_fields["momentum"]
    _type(qtbot, momentum, "1.5")
    _type(qtbot, form.l2, "1e9")
    # Only the field being explained keeps refused text; the other shows what is used again.
    assert momentum.text() == f"{before.momentum:g}" and not momentum.property("invalid")
    assert form.l2.property("invalid") and form.l2.text() == "1e9"
    _type(qtbot, form.clip_norm, "-5")
    assert form.l2.text() == "0" and not form.l2.property("invalid")
    assert form.clip_norm.property("invalid")
    assert form.problem_label.text().startswith("Gradient clipping")
    # An accepted edit elsewhere puts the refused field back too.
    _type(qtbot, form.learning_rate, "0.02")
    assert form.clip_norm.text() == f"{clip:g}" and not form.clip_norm.property("invalid")
    assert form.problem_label.isHidden()
    shown = {field.text() for field in (momentum, form.l2, form.clip_norm)}
    training = form.document.project.training
    assert shown == {f"{training.momentum:g}", "0", f"{training.clip_norm:g}"}


def test_each_optimizer_item_states_its_update_rule(dock: TrainingDock) -> None:
    combo = dock.settings_widget.optimizer_combo
    tips = {
        combo.itemData(i): combo.itemData(i, Qt.ItemDataRole.ToolTipRole)
        for i in range(combo.count())
    }
    assert set(tips) == set(OPTIMIZERS)
    assert "v = βv + (1−β)g" in tips["momentum"] and "θ −= αv" in tips["momentum"]
    assert "v = βv + g" in tips["heavy_ball"] and "θ −= αv" in tips["heavy_ball"]
    assert "θ −= α(g + βv)" in tips["nesterov"]
    # Both velocities that sum the gradients warn that their steps are larger than Momentum's.
    assert all("1/(1−β) times larger" in tips[name] for name in ("heavy_ball", "nesterov"))
    assert "√s + ε" in tips["rmsprop"] and "m̂" in tips["adam"] and "W −= αλW" in tips["adamw"]
    l2 = dock.settings_widget.l2.toolTip()
    assert "λ₂/2·ΣW²" in l2 and "batch-mean loss" in l2 and "λ₂ = λ/m" in l2


def test_a_precision_the_document_refuses_is_not_left_showing(
    qtbot, document: StudioDocument, dock: TrainingDock
) -> None:
    from nnstudio.workflow import build_network

    form = dock.settings_widget
    _choose(form.dtype, "float64")
    assert document.project.training.dtype == "float64"
    weights = list(build_network(document.project).weights())
    W, b = weights[0]
    W = W.copy()
    W[0, 0] = 1e39  # beyond what float32 can hold
    weights[0] = (W, b)
    document.set_weights(tuple(weights))
    with qtbot.waitSignal(document.notice):
        _choose(form.dtype, "float32")
    assert document.project.training.dtype == "float64"
    assert form.dtype.currentData() == "float64"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0,5", 0.5), ("1,5", 1.5), ("0,001", 0.001), ("-2,25", -2.25), ("1e-3", 0.001)],
)
def test_a_decimal_comma_reads_as_a_point(text: str, expected: float) -> None:
    from nnstudio.ui.docks.training_dock import read_number

    assert read_number(text) == (expected, "")


@pytest.mark.parametrize(
    ("text", "wording"),
    [
        ("1,000", "ambiguous"),
        ("2,500", "ambiguous"),
        ("-3,000", "ambiguous"),
        # Two commas cannot be a decimal comma: one reading, not called ambiguous.
        ("12,500,000", "groups thousands with commas"),
    ],
)
def test_digits_grouped_by_commas_are_refused_not_guessed(
    qtbot, document: StudioDocument, dock: TrainingDock, text: str, wording: str
) -> None:
    form = dock.settings_widget
    before = document.project.training.learning_rate
    _type(qtbot, form.learning_rate, text)
    assert document.project.training.learning_rate == before
    assert form.learning_rate.property("invalid")
    assert wording in form.problem_label.text()
    assert text.replace(",", "") in form.problem_label.text()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        # One comma: both readings offered.
        ("1,000", "'1,000' is ambiguous: write 1000 or 1.000"),
        # With an exponent the grouping is as ambiguous as without (float() took it as 1000).
        ("1,000e3", "'1,000e3' is ambiguous: write 1000e3 or 1.000e3"),
        # Only one reading: said as the one way to write it, not as a choice of one.
        ("1,000,000", "'1,000,000' groups thousands with commas: write it as 1000000"),
        # float() reads underscores and other scripts' digits; nobody types those.
        ("1_000", "'1_000' is not a number: write it without '_', as 1000"),
        ("\u0665", "'\u0665' is not a number: type its digits as 0-9"),
        ("\uff11", "'\uff11' is not a number: type its digits as 0-9"),
        ("1.000,5", "'1.000,5' is not a number"),
        ("nan", "'nan' is not a finite number"),
        ("1e400", "'1e400' is not a finite number"),
    ],
)
def test_text_float_would_take_but_nobody_types_is_refused_with_why(text: str, reason: str) -> None:
    from nnstudio.ui.docks.training_dock import read_number

    value, why = read_number(text)
    assert value is None
    assert why.startswith(reason), why


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0,5", 0.5),
        ("1e-3", 0.001),
        ("-2.5", -2.5),
        (" 3 ", 3.0),
        (".5", 0.5),
        ("1,5e-3", 0.0015),
        # The typeset minus the Properties dock shows values with ("\u22120.5", "1e\u221205").
        ("\u22120.5", -0.5),
        ("1e\u221205", 1e-5),
    ],
)
def test_plain_numbers_are_read(text: str, expected: float) -> None:
    from nnstudio.ui.docks.training_dock import read_number

    assert read_number(text) == (pytest.approx(expected), "")


@pytest.mark.parametrize(
    ("name", "text", "other"),
    [
        ("l1", "1e308", "L1:"),
        ("l2", "-1e-09", "L2:"),
        ("gamma", "0", "Schedule γ"),
        ("min_lr", "5", "Minimum learning rate"),
        ("min_delta", "-1", "Minimum improvement:"),
    ],
)
def test_a_refusal_names_its_field_once_by_the_label_the_user_sees(
    qtbot, dock: TrainingDock, name: str, text: str, other: str
) -> None:
    """The message under the field, and the one Save shows (the field's name, then its
    tooltip unless that starts with the name), name the field once, as its row does."""
    from nnstudio.spec import ScheduleSpec
    from nnstudio.ui.main_window import field_name

    form = dock.settings_widget
    training = form.document.project.training
    schedule = {"gamma": "step", "min_lr": "cosine"}.get(name, "constant")
    form.document.set_training(
        replace(training, schedule=ScheduleSpec(name=schedule), early_stopping=20)
    )
    field = getattr(form, name)
    before = form.document.project
    _type(qtbot, field, text)
    assert form.document.project == before
    label = field_name(field)
    message = form.problem_label.text()
    assert message.startswith(f"{label}: must be ")
    assert field.toolTip() == message  # what Save puts after the field's name, or alone
    # Once, and under no other name (the file's "L1", "Schedule γ", ...).
    assert message.count(label) == 1 and other not in message
    assert "_" not in message  # no file key ("learning_rate")
    if name == "min_lr":
        rate = form.document.project.training.learning_rate
        assert f"must be <= Learning rate ({rate:g}), got 5" in message


def test_the_fields_names_in_messages_are_the_names_the_dock_shows(dock: TrainingDock) -> None:
    """Every number field's refusals name it as its row (or accessible name) does."""
    from nnstudio.ui.docks.training_dock import _FIELD_NAMES
    from nnstudio.ui.main_window import field_name

    form = dock.settings_widget
    fields = {
        "learning_rate": form.learning_rate,
        "schedule.gamma": form.gamma,
        "schedule.min_lr": form.min_lr,
        "l1": form.l1,
        "l2": form.l2,
        "min_delta": form.min_delta,
        "clip_norm": form.clip_norm,
        **form.hyper_fields,
    }
    assert set(fields.values()) == set(form.findChildren(NumberField))
    for key, field in fields.items():
        assert _FIELD_NAMES[key] == field_name(field), key
