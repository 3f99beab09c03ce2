"""The plots panel: a tab per view of training, each savable as PNG or CSV."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from nnstudio.errors import NNStudioError
from nnstudio.ui.plots.activations import ActivationsTab
from nnstudio.ui.plots.common import PlotTab
from nnstudio.ui.plots.gradients import GradientsTab
from nnstudio.ui.plots.loss import LossTab
from nnstudio.ui.plots.output import OutputTab
from nnstudio.ui.plots.weights import WeightsTab
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets
from nnstudio.ui.relay import HeldViews

if TYPE_CHECKING:
    from nnstudio.data import Dataset
    from nnstudio.spec import Project
    from nnstudio.ui.frame import Frame

#: The tabs, in order.
TAB_CLASSES: tuple[type[PlotTab], ...] = (
    LossTab,
    WeightsTab,
    GradientsTab,
    ActivationsTab,
    OutputTab,
)
#: Frames kept for tabs that are not built yet (they record every frame once built).
_EARLY_FRAMES = 64
#: Shorter names of the tabs with the longest names, shown when the full names do not fit
#: the panel (a large font in a small window); the full name is then in the tab's tooltip.
SHORT_TAB_NAMES: dict[str, str] = {"Gradients": "Grads", "Activations": "Activ."}
#: The smallest the tab names' text gets (a share of the panel's font) before the tab bar
#: falls back to scroll arrows.
_SMALLEST_TAB_TEXT = 0.8


class PlotsPanel(QtWidgets.QWidget):
    """Live plots of training: Loss, Weights, Gradients, Activations and Output tabs.

    Feed it with :meth:`set_context` when the project or data change and :meth:`show_frame`
    with every frame. Only the visible tab of a visible panel repaints; a hidden tab (or a
    hidden panel) catches up with the latest frame when it is shown.

    Only the first tab is built at once; the others are built when first needed (shown,
    asked for by name) or by :meth:`build_remaining_tabs`, so the window opens sooner.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setDocumentMode(True)
        self._classes: dict[str, type[PlotTab]] = {cls.name: cls for cls in TAB_CLASSES}
        self._tabs: dict[str, PlotTab] = {}
        for name in self._classes:
            # A blank page stands in for each tab until the tab is built (lazily, see _build).
            self.tabs.addTab(QtWidgets.QWidget(), name)
        self.tabs.currentChanged.connect(self._catch_up)
        #: Measures the tab bar for a choice of names and font without touching the real one.
        self._probe = QtWidgets.QTabBar(self)
        self._probe.setDocumentMode(True)
        self._probe.hide()
        #: The tabs showing their short names, and the tab text's share of the font.
        self._tab_names_fit: tuple[frozenset[str], float] = (frozenset(), 1.0)
        #: Whether a fit of the tab names waits for the end of a font or style change.
        self._refit_due = False
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._frame: Frame | None = None
        self._project: Project | None = None
        self._dataset: Dataset | None = None
        self._selected_layer: int | None = None
        # Frames since the last context, for tabs built later (they keep history from them).
        self._early_frames: deque[Frame] = deque(maxlen=_EARLY_FRAMES)
        # Number of the frame each tab last painted (frames are numbered as they arrive).
        self._painted: dict[str, int] = {}
        self._serial = 0
        #: Plot views held from repainting while a frame is taken in.
        self._held = HeldViews()
        # Display choices (view_state) for tabs not built yet, applied when they are built.
        self._pending_options: dict[str, dict[str, object]] = {}
        self._build(LossTab.name)

    # ---- tabs --------------------------------------------------------------------------------

    @property
    def loss_tab(self) -> LossTab:
        """The Loss tab."""
        return self.tab(LossTab.name)  # type: ignore[return-value]

    @property
    def weights_tab(self) -> WeightsTab:
        """The Weights tab."""
        return self.tab(WeightsTab.name)  # type: ignore[return-value]

    @property
    def gradients_tab(self) -> GradientsTab:
        """The Gradients tab."""
        return self.tab(GradientsTab.name)  # type: ignore[return-value]

    @property
    def activations_tab(self) -> ActivationsTab:
        """The Activations tab."""
        return self.tab(ActivationsTab.name)  # type: ignore[return-value]

    @property
    def output_tab(self) -> OutputTab:
        """The Output tab."""
        return self.tab(OutputTab.name)  # type: ignore[return-value]

    def tab_names(self) -> list[str]:
        """Names of the tabs, in order (``"Loss"``, ``"Weights"``, ...)."""
        return list(self._classes)

    def tab(self, name: str) -> PlotTab:
        """The tab called ``name`` (built now if it was not yet).

        Raises
        ------
        NNStudioError
            For an unknown name, listing the known ones.
        """
        if name not in self._classes:
            raise NNStudioError(
                f"no plot called {name!r}; expected one of {', '.join(self._classes)}"
            )
        return self._tabs.get(name) or self._build(name)

    def build_remaining_tabs(self) -> bool:
        """Build one tab that is not built yet; False when every tab is built.

        Call it repeatedly from the event loop (each call takes a few tens of milliseconds).
        """
        for name in self._classes:
            if name not in self._tabs:
                self._build(name)
                return True
        return False

    def _build(self, name: str) -> PlotTab:
        tab = self._classes[name]()
        tab.set_context(self._project, self._dataset)
        tab.set_selected_layer(self._selected_layer)
        for frame in self._early_frames:
            tab.record(frame)
        index = self.tab_names().index(name)
        current = self.tabs.currentIndex()
        blocked = self.tabs.blockSignals(True)
        try:
            blank_page = self.tabs.widget(index)
            label, tip = self.tabs.tabText(index), self.tabs.tabToolTip(index)
            self.tabs.removeTab(index)
            self.tabs.insertTab(index, tab, label)
            self.tabs.setTabToolTip(index, tip)
            self.tabs.setCurrentIndex(current)
        finally:
            self.tabs.blockSignals(blocked)
        blank_page.deleteLater()
        self._tabs[name] = tab
        _apply_options(tab, self._pending_options.pop(name, {}))
        if len(self._tabs) == len(self._classes):
            self._early_frames.clear()
        return tab

    # ---- display choices kept between sessions -----------------------------------------------

    def view_state(self) -> dict[str, object]:
        """The current tab and every tab's display choices, as JSON-ready values.

        Returns
        -------
        dict
            ``{"tab": name, "options": {tab name: {key: bool or str}}}``; see
            :meth:`PlotTab.view_options` for the keys.
        """
        options = {name: dict(values) for name, values in self._pending_options.items()}
        for name, tab in self._tabs.items():
            options[name] = {key: _option_value(w) for key, w in tab.view_options().items()}
        return {"tab": self.tab_names()[self.tabs.currentIndex()], "options": options}

    def restore_view_state(self, state: object) -> None:
        """Bring back what :meth:`view_state` returned (in an earlier session).

        Anything unknown or of the wrong type (a settings file from another version, or
        edited by hand) is left out; a tab not built yet takes its choices when built.
        """
        if not isinstance(state, dict):
            return
        options = state.get("options")
        if isinstance(options, dict):
            for name, values in options.items():
                if name not in self._classes or not isinstance(values, dict):
                    continue
                if name in self._tabs:
                    _apply_options(self._tabs[name], values)
                else:
                    self._pending_options[name] = dict(values)
        tab = state.get("tab")
        if isinstance(tab, str) and tab in self._classes:
            self.tabs.setCurrentIndex(self.tab_names().index(tab))

    # ---- public API ------------------------------------------------------------------------

    def set_context(self, project: Project | None, dataset: Dataset | None) -> None:
        """A new project or data set: clear every plot and set them up for it."""
        self._frame = None
        self._project = project
        self._dataset = dataset
        self._painted.clear()
        self._early_frames.clear()
        for tab in self._tabs.values():
            tab.set_context(project, dataset)

    def show_frame(self, frame: Frame) -> None:
        """Show a frame (painted now in the visible tab, later in the others)."""
        for step in self.frame_steps(frame):
            step()

    def record(self, frame: Frame) -> None:
        """Keep a frame in every tab's history (weights over training) without showing it."""
        for tab in self._tabs.values():
            tab.record(frame)
        if len(self._tabs) < len(self._classes):
            self._early_frames.append(frame)

    def frame_steps(self, frame: Frame) -> list[Callable[[], None]]:
        """Take a frame in and return the work of showing it, in short steps.

        Every tab records the frame now; the returned steps bring the visible tab up to date
        when run in order (an empty list when the panel is hidden: hidden tabs and a hidden
        panel catch up when shown): the tab's own steps (about a plot each), during which
        the tab does not repaint, then steps that repaint the parts a frame changes, a part
        at a time (about a plot each; all of the tab when the plots moved meanwhile). Run
        them as separate events, so no event both takes a frame in and paints it and the
        user interface stays responsive.
        """
        self._frame = frame
        self._serial += 1
        self.record(frame)
        if not self.isVisible():
            return []
        index = self.tabs.currentIndex()
        if index < 0:
            return []
        name = self.tab_names()[index]
        tab = self._tabs.get(name) or self._build(name)
        serial = self._serial
        view = tab.graphics

        def take_in(step: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                if self._serial != serial:
                    return  # a newer frame came in directly (show_frame): it is painted
                # Changes wait for the paint steps below instead of repainting after each.
                self._held.hold(view)
                step()

            return run

        before = tab.paint_regions()
        state = {"whole": False}

        def paint(index: int) -> Callable[[], None]:
            def run() -> None:
                viewport = view.viewport()
                if index == 0 and tab.paint_regions() != before:
                    # The plots moved (a title took another line): repaint everything once.
                    state["whole"] = True
                    viewport.repaint()
                elif not state["whole"]:
                    viewport.repaint(before[index])
                if index == len(before) - 1:
                    self._held.release(view, repaint=False)
                    if self._serial == serial:
                        self._painted[tab.name] = serial

            return run

        return [
            *(take_in(step) for step in tab.frame_steps(frame)),
            *(paint(index) for index in range(len(before))),
        ]

    def release_views(self) -> None:
        """Give every held view its update mode back and repaint it: the steps that would
        have were dropped (see :meth:`~nnstudio.ui.relay.FrameRelay.discard`), and a view
        left held would never repaint on its own again."""
        self._held.release_all()

    def set_selected_layer(self, network_index: int | None) -> None:
        """Show the given layer (``network.layers`` index) in the Weights and Activations tabs."""
        self._selected_layer = network_index
        for tab in self._tabs.values():
            tab.set_selected_layer(network_index)

    def clear(self) -> None:
        """Empty every plot."""
        self._frame = None
        self._painted.clear()
        self._early_frames.clear()
        for tab in self._tabs.values():
            tab.clear()

    def save_png(self, tab_name: str, path: str | Path) -> Path:
        """Save one tab's plots as a PNG image (it is brought up to date first)."""
        tab = self.tab(tab_name)
        self._paint(tab)
        return tab.save_png(path)

    def save_csv(self, tab_name: str, path: str | Path) -> Path:
        """Save the data one tab shows as CSV with a header row."""
        tab = self.tab(tab_name)
        self._paint(tab)
        return tab.save_csv(path)

    # ---- internals ---------------------------------------------------------------------------

    def tab_label(self, name: str) -> str:
        """The text the tab called ``name`` shows now (a short name when room is short)."""
        return self.tabs.tabText(self.tab_names().index(name))

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        # Frames that arrived while the panel was hidden (a closed or tabbed-away dock).
        self._catch_up(self.tabs.currentIndex())
        self._fit_tab_names()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_tab_names()

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.StyleChange):
            self._fit_tab_names(force=True)
            # And again once the change is over: a new font or style reaches the widgets
            # one at a time, the tab bar perhaps after the panel, which gives the bar the
            # panel's font back in place of the smaller one fitted here.
            if not self._refit_due:
                self._refit_due = True
                QtCore.QTimer.singleShot(0, self, self._refit_tab_names)

    def _refit_tab_names(self) -> None:
        self._refit_due = False
        self._fit_tab_names(force=True)

    def _fit_tab_names(self, *, force: bool = False) -> None:
        """Show every tab's name whole in the panel's width, as large as they fit.

        The full names at the panel's font where they fit; else short names (see
        :data:`SHORT_TAB_NAMES`), the longest name's first, then smaller text down to
        :data:`_SMALLEST_TAB_TEXT` of it. At 18 pt in a 1024 pixel window "Output" read
        "Ou" beside scroll arrows. The bar scrolls only when even that does not fit.
        """
        room = self.tabs.width()
        if room <= 0:
            return
        longest_first = sorted(SHORT_TAB_NAMES, key=len, reverse=True)
        choices = [
            *((frozenset(longest_first[:count]), 1.0) for count in range(len(longest_first) + 1)),
            (frozenset(longest_first), _SMALLEST_TAB_TEXT),
        ]
        fit = next((c for c in choices if self._tabs_width(*c) <= room), choices[-1])
        if fit == self._tab_names_fit and not force:
            return
        self._tab_names_fit = fit
        short, scale = fit
        bar = self.tabs.tabBar()
        # An empty font inherits the panel's whole: it follows later font changes.
        bar.setFont(self._tab_font(scale) if scale != 1.0 else QtGui.QFont())
        labels = self._labels(short)
        for index, (name, label) in enumerate(zip(self.tab_names(), labels, strict=True)):
            if self.tabs.tabText(index) != label:
                self.tabs.setTabText(index, label)
            self.tabs.setTabToolTip(index, name if label != name or scale != 1.0 else "")

    def _labels(self, short: frozenset[str]) -> list[str]:
        """The tabs' texts with the names in ``short`` shortened."""
        return [SHORT_TAB_NAMES[n] if n in short else n for n in self.tab_names()]

    def _tab_font(self, scale: float) -> QtGui.QFont:
        """The panel's font at ``scale`` times its size."""
        font = QtGui.QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * scale)
        else:
            font.setPixelSize(max(1, round(font.pixelSize() * scale)))
        return font

    def _tabs_width(self, short: frozenset[str], scale: float) -> int:
        """The tab bar's width with the names in ``short`` shortened, at ``scale`` of the
        font."""
        probe = self._probe
        probe.setFont(self._tab_font(scale))
        labels = self._labels(short)
        while probe.count() < len(labels):
            probe.addTab("")
        for index, label in enumerate(labels):
            probe.setTabText(index, label)
        return probe.sizeHint().width()

    def _paint(self, tab: PlotTab) -> None:
        frame = self._frame
        if frame is None or self._painted.get(tab.name) == self._serial:
            return
        tab.show_frame(frame)
        tab.settle_ranges()
        self._painted[tab.name] = self._serial

    def _catch_up(self, index: int) -> None:
        if index < 0:
            return
        name = self.tab_names()[index]
        if name not in self._tabs:
            self._build(name)
        self._paint(self._tabs[name])


def _option_value(widget: QtWidgets.QCheckBox | QtWidgets.QComboBox) -> bool | str:
    """A display choice's value: a check box's state or a combo box's text."""
    if isinstance(widget, QtWidgets.QCheckBox):
        return widget.isChecked()
    return widget.currentText()


def _apply_options(tab: PlotTab, values: dict[str, object]) -> None:
    """Set ``tab``'s display choices from ``values``, leaving out what does not fit."""
    for key, widget in tab.view_options().items():
        value = values.get(key)
        if isinstance(widget, QtWidgets.QCheckBox) and isinstance(value, bool):
            widget.setChecked(value)
        elif isinstance(widget, QtWidgets.QComboBox) and isinstance(value, str):
            index = widget.findText(value)
            if index >= 0:
                widget.setCurrentIndex(index)
