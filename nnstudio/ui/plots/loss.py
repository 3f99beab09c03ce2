"""The Loss tab: training and validation loss over epochs, and accuracy or RMSE/R².

The per-epoch curves are the data loss of the whole set in inference mode (no penalty,
dropout off). The thin mini-batch curve is what each step minimised: with an L1 or L2
penalty it includes the penalty (the notes' cost J), and with dropout it was taken with
units dropped; its legend entry says so (:func:`batch_curve_label`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.ui.plots.common import (
    BATCH_COLOR,
    TRAIN_COLOR,
    VALIDATION_COLOR,
    GrowingXRange,
    LiveCurve,
    PlotTab,
    SteadyYRange,
    key,
    make_plot,
    pen,
    qt_dash,
    set_title,
    short_number,
)
from nnstudio.ui.qt import QtGui, QtWidgets, pg

if TYPE_CHECKING:
    from nnstudio.data import Dataset
    from nnstudio.spec import Project
    from nnstudio.ui.frame import Frame

#: Display points per pixel of the per-epoch curves (see LiveCurve).
_EPOCH_POINTS = 0.5
_CLASSIFICATION_COLUMNS = ("train_accuracy", "val_accuracy")
_REGRESSION_COLUMNS = ("train_rmse", "val_rmse", "train_r2", "val_r2")


def _faded(color: tuple[int, int, int]) -> tuple[int, int, int]:
    """``color`` mixed halfway with white: the previous run's lines stay in the background."""
    return tuple(int(c + 0.55 * (255 - c)) for c in color)  # type: ignore[return-value]


def _fmt(value: float | None, digits: int = 4) -> str:
    return short_number(value, digits)


def batch_curve_label(project: Project | None) -> str:
    """The mini-batch curve's legend entry: what its losses include besides the data loss.

    ``"batch"``; ``"batch J (with penalty)"`` with an L1 or L2 penalty, whose term each step's
    loss includes while the per-epoch curves leave it out; ``"batch (dropout on)"`` when
    units were dropped while it was measured; ``"batch J (with penalty, dropout on)"``.
    """
    if project is None:
        return "batch"
    training = project.training
    penalty = training.l1 > 0 or training.l2 > 0
    dropout = any(layer.dropout > 0 for layer in project.network.layers)
    extras = (["with penalty"] if penalty else []) + (["dropout on"] if dropout else [])
    if not extras:
        return "batch"
    return ("batch J" if penalty else "batch") + f" ({', '.join(extras)})"


#: What each curve of the loss plot is (its tooltip).
LOSS_PLOT_TIP = (
    "train, val (thick): the data loss of the training and validation sets after each "
    "epoch, in inference mode: no L1/L2 penalty, dropout off.\n"
    "batch (thin, grey): the loss of each mini-batch as the step minimised it, before its "
    "update: the cost J including the L1/L2 penalty, taken with dropout on. With a penalty "
    "or dropout it therefore lies above the training curve.\n"
    "previous (dashed, faded): the run before this one."
)


def _percent(value: float | None) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{100.0 * value:.1f} %"


class LossTab(PlotTab):
    """Loss curves (with the mini-batch losses between epochs) and the task's metric."""

    name = "Loss"

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.log_scale = QtWidgets.QCheckBox("Log scale")
        self.log_scale.setToolTip("Show the loss on a logarithmic axis")
        self.log_scale.toggled.connect(self._set_log)
        self.show_batches = QtWidgets.QCheckBox("Mini-batches")
        self.show_batches.setToolTip(
            "Also show the loss of every mini-batch (between epochs): the cost J each step "
            "minimised, with the L1/L2 penalty and with dropout on"
        )
        self.show_batches.setChecked(True)
        self.show_batches.toggled.connect(self._toggle_batches)
        self.show_previous = QtWidgets.QCheckBox("Previous run")
        self.show_previous.setToolTip(
            "Also show the curves of the run before this one (after Stop, Reset, new settings "
            "or an edit of the network) to compare them"
        )
        self.show_previous.setChecked(True)
        self.show_previous.setEnabled(False)
        self.show_previous.toggled.connect(self._toggle_previous)
        self.controls.addWidget(self.log_scale)
        self.controls.addWidget(self.show_batches)
        self.controls.addWidget(self.show_previous)
        self.controls.addStretch(1)

        self.loss_plot = make_plot("Loss", "epoch", "loss", counts_x=True)
        self.loss_plot.setToolTip(LOSS_PLOT_TIP)
        self.batch_curve = self.loss_plot.plot(
            pen=pen(BATCH_COLOR, 1.0), name="mini-batch", connect="finite"
        )
        self.train_curve = self.loss_plot.plot(
            pen=pen(TRAIN_COLOR, 2.2), name="training", connect="finite"
        )
        self.val_curve = self.loss_plot.plot(
            pen=pen(VALIDATION_COLOR, 2.2), name="validation", connect="finite"
        )

        # The previous run, faded and dashed behind the current one.
        self.previous_train = self.loss_plot.plot(
            pen=pen(_faded(TRAIN_COLOR), 1.6, qt_dash()), connect="finite"
        )
        self.previous_val = self.loss_plot.plot(
            pen=pen(_faded(VALIDATION_COLOR), 1.6, qt_dash()), connect="finite"
        )

        self.metric_plot = make_plot("Accuracy", "epoch", "accuracy", counts_x=True)
        self.previous_metric_train = self.metric_plot.plot(
            pen=pen(_faded(TRAIN_COLOR), 1.6, qt_dash()), connect="finite"
        )
        self.previous_metric_val = self.metric_plot.plot(
            pen=pen(_faded(VALIDATION_COLOR), 1.6, qt_dash()), connect="finite"
        )
        self._previous_items = (
            self.previous_train,
            self.previous_val,
            self.previous_metric_train,
            self.previous_metric_val,
        )
        for item in self._previous_items:
            item.setZValue(-1)
        self.metric_a_train = self.metric_plot.plot(pen=pen(TRAIN_COLOR, 2.2), connect="finite")
        self.metric_a_val = self.metric_plot.plot(pen=pen(VALIDATION_COLOR, 2.2), connect="finite")
        # R² lives on its own right-hand axis (it is unitless while RMSE has the target's unit).
        self.r2_view = pg.ViewBox(enableMenu=False)
        self.metric_plot.showAxis("right")
        self.metric_plot.getAxis("right").setLabel("R²")
        self.metric_plot.getAxis("right").linkToView(self.r2_view)
        self.r2_view.setXLink(self.metric_plot)
        self.metric_b_train = pg.PlotDataItem(
            pen=pen(TRAIN_COLOR, 1.6, qt_dash()), connect="finite"
        )
        self.metric_b_val = pg.PlotDataItem(
            pen=pen(VALIDATION_COLOR, 1.6, qt_dash()), connect="finite"
        )
        self.r2_view.addItem(self.metric_b_train)
        self.r2_view.addItem(self.metric_b_val)
        self.metric_plot.vb.sigResized.connect(self._sync_r2_view)
        self._x_ranges = (GrowingXRange(self.loss_plot), GrowingXRange(self.metric_plot))
        # Histories are thinned to the plot's width (mini-batch losses can reach 200,000).
        # The thick per-epoch lines get a point every other pixel: each antialiased thick
        # segment costs microseconds, and a line 2 pixels wide shows no finer detail.
        self._live = {
            self.batch_curve: LiveCurve(self.loss_plot, self.batch_curve, 2.0),
            self.train_curve: LiveCurve(self.loss_plot, self.train_curve, _EPOCH_POINTS),
            self.val_curve: LiveCurve(self.loss_plot, self.val_curve, _EPOCH_POINTS),
            self.metric_a_train: LiveCurve(self.metric_plot, self.metric_a_train, _EPOCH_POINTS),
            self.metric_a_val: LiveCurve(self.metric_plot, self.metric_a_val, _EPOCH_POINTS),
            self.metric_b_train: LiveCurve(self.metric_plot, self.metric_b_train, _EPOCH_POINTS),
            self.metric_b_val: LiveCurve(self.metric_plot, self.metric_b_val, _EPOCH_POINTS),
        }
        for item in self._previous_items:
            plot = (
                self.loss_plot
                if item in (self.previous_train, self.previous_val)
                else (self.metric_plot)
            )
            self._live[item] = LiveCurve(plot, item, _EPOCH_POINTS)
        #: The history of the run before the current one (None: there was none).
        self.previous_history: Any = None
        self._shown_run: int | None = None

        # The y axes move in round steps, not with every new extreme (see SteadyYRange).
        self._loss_y = SteadyYRange(self.loss_plot.vb)
        self._rmse_y = SteadyYRange(self.metric_plot.vb)
        self._r2_y = SteadyYRange(self.r2_view)
        self._framed_single_point = False
        self._task = "classification"
        self._configure_metric("classification")
        self._history: Any = None
        self._snapshot: Any = None
        self.set_arrangement(
            narrow=[(self.loss_plot, 0, 0, 1, 1), (self.metric_plot, 1, 0, 1, 1)],
            wide=[(self.loss_plot, 0, 0, 1, 1), (self.metric_plot, 0, 1, 1, 1)],
        )
        self.graphics.scene().addItem(self.r2_view)

    def view_options(self) -> dict[str, QtWidgets.QCheckBox | QtWidgets.QComboBox]:
        return {
            "logScale": self.log_scale,
            "miniBatches": self.show_batches,
            "previousRun": self.show_previous,
        }

    # ---- configuration -----------------------------------------------------------------------

    def _sync_r2_view(self) -> None:
        self.r2_view.setGeometry(self.metric_plot.vb.sceneBoundingRect())
        self.r2_view.linkedViewChanged(self.metric_plot.vb, self.r2_view.XAxis)

    def _toggle_batches(self, on: bool) -> None:
        self.batch_curve.setVisible(on)
        self._loss_y.reset()
        self._fit_loss_axis()
        self._update_titles()

    def _set_log(self, on: bool) -> None:
        self.loss_plot.setLogMode(y=on)
        self._loss_y.reset()
        self._fit_loss_axis()
        self.loss_plot.setLabel("left", "loss (log scale)" if on else "loss")

    def _configure_metric(self, task: str) -> None:
        self._task = task
        regression = task == "regression"
        self.metric_plot.getAxis("right").setVisible(regression)
        self.r2_view.setVisible(regression)
        self._rmse_y.reset()
        self._r2_y.reset()
        if regression:
            self.metric_plot.setLabel("left", "RMSE")
        else:
            self.metric_plot.setLabel("left", "accuracy")
            self.metric_plot.setYRange(0.0, 1.02, padding=0)
        self._update_titles()

    def set_context(self, project: Project | None, dataset: Dataset | None) -> None:
        if dataset is not None and dataset is self._dataset:
            # An edit of the network on the same data: its run is the one to compare with.
            if self._history is not None:
                self._keep_as_previous(self._history)
        else:
            self._keep_as_previous(None)  # other data: the old curves compare with nothing
        task = dataset.task if dataset is not None else (project.task if project else None)
        if task is not None and task != self._task:
            self._configure_metric(task)
        super().set_context(project, dataset)
        self._update_loss_title()

    def set_project(self, project: Project | None) -> None:
        """Follow a project whose training settings changed (a penalty set or removed),
        keeping the curves: the mini-batch curve's legend says what its losses include."""
        self._project = project
        self._update_loss_title()

    # ---- frames ------------------------------------------------------------------------------

    def clear(self) -> None:
        self._history = None
        for x_range in self._x_ranges:
            x_range.reset()
        for y_range in (self._loss_y, self._rmse_y, self._r2_y):
            y_range.reset()
        for live in self._live.values():
            live.clear()
        self._snapshot = None
        self._draw_previous()  # the previous run stays until other data comes

    def show_frame(self, frame: Frame) -> None:
        for step in self.frame_steps(frame):
            step()

    def frame_steps(self, frame: Frame) -> list[Callable[[], None]]:
        """Two steps: the loss plot, then the metric plot (each fitted to its data)."""
        return [lambda: self._show_loss(frame), lambda: self._show_metric(frame)]

    def paint_regions(self) -> list[QtGui.QRegion]:
        """The loss plot, then the metric plot."""
        return self.plot_regions([self.loss_plot, self.metric_plot])

    def _show_loss(self, frame: Frame) -> None:
        if frame.task != self._task:
            self._configure_metric(frame.task)
        snapshot = frame.snapshot
        history = getattr(snapshot, "history", None)
        if history is None or len(history) == 0:
            self.clear()
            return
        run = getattr(frame, "run", 0)
        if self._history is not None and run != self._shown_run:
            # A new run began (Play after Stop or the end, Reset, new settings or network);
            # frames are skipped while a run is fast, so its number tells, not its steps.
            self._keep_as_previous(self._history)
        self._shown_run = run
        self._history = history
        self._snapshot = snapshot
        live = self._live
        epochs = np.asarray(history.epoch, dtype=np.float64)
        # Axes first: the curves are thinned for the range they will be shown in.
        self._x_ranges[0].follow(float(epochs[0]), self._last_x(frame, epochs))
        self._frame_single_point(epochs, history)
        live[self.train_curve].set_data(epochs, history.train_loss)
        live[self.val_curve].set_data(epochs, history.val_loss)
        batches = frame.batch_losses
        live[self.batch_curve].set_data(batches[:, 0], batches[:, 1])
        self._fit_loss_axis()
        self._update_loss_title()
        self.loss_plot.vb.prepareForPaint()

    def _show_metric(self, frame: Frame) -> None:
        history = getattr(frame.snapshot, "history", None)
        if history is None or len(history) == 0 or history is not self._history:
            return  # cleared, or the loss step saw another frame
        live = self._live
        epochs = np.asarray(history.epoch, dtype=np.float64)
        self._x_ranges[1].follow(float(epochs[0]), self._last_x(frame, epochs))
        if self._task == "regression":
            live[self.metric_a_train].set_data(epochs, history.train_rmse)
            live[self.metric_a_val].set_data(epochs, history.val_rmse)
            live[self.metric_b_train].set_data(epochs, history.train_r2)
            live[self.metric_b_val].set_data(epochs, history.val_r2)
            self._rmse_y.fit([live[self.metric_a_train].shown_y, live[self.metric_a_val].shown_y])
            self._r2_y.fit([live[self.metric_b_train].shown_y, live[self.metric_b_val].shown_y])
        else:
            live[self.metric_a_train].set_data(epochs, history.train_accuracy)
            live[self.metric_a_val].set_data(epochs, history.val_accuracy)
        self._update_metric_title()
        self.metric_plot.vb.prepareForPaint()
        if self.r2_view.isVisible():
            self.r2_view.prepareForPaint()

    def _keep_as_previous(self, history: Any) -> None:
        """Show ``history`` as the previous run (a run of one epoch row is no curve)."""
        if history is not None and len(history) < 2:
            if self.previous_history is not None:
                return  # keep the older, longer run rather than an untrained start
            history = None
        self.previous_history = history
        self.show_previous.setEnabled(history is not None)
        self._draw_previous()

    def _toggle_previous(self, _on: bool) -> None:
        self._draw_previous()
        self._loss_y.reset()
        self._fit_loss_axis()

    def _draw_previous(self) -> None:
        history = self.previous_history
        live = self._live
        if history is None or not self.show_previous.isChecked():
            for item in self._previous_items:
                live[item].clear()
            self._update_titles()
            return
        epochs = np.asarray(history.epoch, dtype=np.float64)
        live[self.previous_train].set_data(epochs, history.train_loss)
        live[self.previous_val].set_data(epochs, history.val_loss)
        regression = self._task == "regression"
        train = history.train_rmse if regression else history.train_accuracy
        val = history.val_rmse if regression else history.val_accuracy
        live[self.previous_metric_train].set_data(epochs, train)
        live[self.previous_metric_val].set_data(epochs, val)
        self._update_titles()

    def _fit_loss_axis(self) -> None:
        """Fit the loss axis to the curves shown (unless a lone point is framed)."""
        if self._framed_single_point and not self.log_scale.isChecked():
            return
        curves = [self.train_curve, self.val_curve]
        if self.show_batches.isChecked():
            curves.append(self.batch_curve)
        if self.previous_history is not None and self.show_previous.isChecked():
            curves += [self.previous_train, self.previous_val]
        self._loss_y.fit(
            [self._live[curve].shown_y for curve in curves], log=self.log_scale.isChecked()
        )

    @staticmethod
    def _last_x(frame: Frame, epochs: np.ndarray) -> float:
        """The largest x either plot must show: the last epoch or mini-batch."""
        batches = frame.batch_losses
        return max(float(epochs[-1]), float(batches[-1, 0]) if batches.shape[0] else 0.0)

    def _frame_single_point(self, epochs: np.ndarray, history: Any) -> None:
        """Before the first epoch ends, show the lone point in a sensible frame.

        Autoranging one point zooms into a sliver around it (loss axis 0.79285 to 0.79315).
        """
        if epochs.size >= 2:
            if self._framed_single_point:  # the y axes follow the data from now on
                self._loss_y.reset()
                self._framed_single_point = False
            return
        self._framed_single_point = True
        values = np.asarray(history.train_loss, dtype=np.float64)
        finite = values[np.isfinite(values)]
        top = float(finite.max()) * 1.25 if finite.size and finite.max() > 0 else 1.0
        if not self.log_scale.isChecked():
            self.loss_plot.setYRange(0.0, top, padding=0.02)
        if self._task != "regression":
            self.metric_plot.setYRange(0.0, 1.0, padding=0.02)

    def _update_titles(self) -> None:
        """Titles that double as legends: each series' line style, name and latest value."""
        self._update_loss_title()
        self._update_metric_title()

    def _latest(self, name: str) -> float | None:
        snapshot = getattr(self, "_snapshot", None)
        return None if snapshot is None else getattr(snapshot, name, None)

    def _has_validation(self) -> bool:
        snapshot = getattr(self, "_snapshot", None)
        return snapshot is None or snapshot.val_loss is not None

    def _update_loss_title(self) -> None:
        latest = self._latest
        # A plot's name stays on one line with its first entry (titles wrap between entries).
        parts = ["Loss&nbsp;&nbsp;" + key(TRAIN_COLOR, f"train {_fmt(latest('train_loss'))}")]
        if self._has_validation():
            parts.append(key(VALIDATION_COLOR, f"val {_fmt(latest('val_loss'))}"))
        if self.show_batches.isChecked():
            label = batch_curve_label(getattr(self, "_project", None))
            parts.append(key(BATCH_COLOR, label, thin=True))
        if self.previous_history is not None and self.show_previous.isChecked():
            parts.append(key(_faded(TRAIN_COLOR), "previous", dashed=True))
        set_title(self.loss_plot, "&nbsp; ".join(parts))

    def _update_metric_title(self) -> None:
        latest = self._latest
        has_validation = self._has_validation()
        if self._task == "regression":
            # Colours say train or validation, as in the loss plot; solid RMSE, dashed R².
            rmse = ["RMSE&nbsp;&nbsp;" + key(TRAIN_COLOR, _fmt(latest("train_rmse"), 3))]
            r2 = ["R²&nbsp;&nbsp;" + key(TRAIN_COLOR, _fmt(latest("train_r2"), 3), dashed=True)]
            if has_validation:
                rmse.append(key(VALIDATION_COLOR, _fmt(latest("val_rmse"), 3)))
                r2.append(key(VALIDATION_COLOR, _fmt(latest("val_r2"), 3), dashed=True))
            # A wide gap, not a separator: a "·" would dangle at a line's end or start when
            # a narrow title wraps (narrow titles put RMSE and R² on lines of their own).
            title = "&nbsp; ".join(rmse) + "&nbsp;&nbsp;&nbsp; " + "&nbsp; ".join(r2)
        else:
            parts = [
                "Accuracy&nbsp;&nbsp;"
                + key(TRAIN_COLOR, f"train {_percent(latest('train_accuracy'))}")
            ]
            if has_validation:
                parts.append(key(VALIDATION_COLOR, f"val {_percent(latest('val_accuracy'))}"))
            title = "&nbsp; ".join(parts)
        set_title(self.metric_plot, title)

    def csv_table(self) -> tuple[list[str], list[Sequence[Any]]]:
        history = self._history
        if history is None:
            return [], []
        metrics = _REGRESSION_COLUMNS if self._task == "regression" else _CLASSIFICATION_COLUMNS
        columns = ("train_loss", "val_loss", *metrics, "learning_rate")
        header = ["epoch", *columns]
        table = np.column_stack([np.asarray(getattr(history, c), float) for c in columns])
        rows = [[int(e), *values] for e, values in zip(history.epoch, table, strict=True)]
        return header, rows
