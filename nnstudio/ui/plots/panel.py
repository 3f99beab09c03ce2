"""The plots panel: a tab per view of training, each savable as PNG or CSV."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nnstudio.errors import NNStudioError
from nnstudio.ui.plots.activations import ActivationsTab
from nnstudio.ui.plots.common import PlotTab
from nnstudio.ui.plots.gradients import GradientsTab
from nnstudio.ui.plots.loss import LossTab
from nnstudio.ui.plots.output import OutputTab
from nnstudio.ui.plots.weights import WeightsTab
from nnstudio.ui.qt import QtWidgets

if TYPE_CHECKING:
    from nnstudio.data import Dataset
    from nnstudio.spec import Project
    from nnstudio.ui.frame import Frame


class PlotsPanel(QtWidgets.QWidget):
    """Live plots of training: Loss, Weights, Gradients, Activations and Output tabs.

    Feed it with :meth:`set_context` when the project or data change and :meth:`show_frame`
    with every frame. Only the visible tab repaints; a hidden tab catches up with the latest
    frame when it is shown.
    """

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.tabs = QtWidgets.QTabWidget()
        self.tabs.setDocumentMode(True)
        self.loss_tab = LossTab()
        self.weights_tab = WeightsTab()
        self.gradients_tab = GradientsTab()
        self.activations_tab = ActivationsTab()
        self.output_tab = OutputTab()
        self._tabs: dict[str, PlotTab] = {}
        for tab in (
            self.loss_tab,
            self.weights_tab,
            self.gradients_tab,
            self.activations_tab,
            self.output_tab,
        ):
            self._tabs[tab.name] = tab
            self.tabs.addTab(tab, tab.name)
        self.tabs.currentChanged.connect(self._catch_up)
        layout = QtWidgets.QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self._frame: Frame | None = None
        # Number of the frame each tab last painted (frames are numbered as they arrive).
        self._painted: dict[str, int] = {}
        self._serial = 0

    # ---- public API ------------------------------------------------------------------------

    def tab_names(self) -> list[str]:
        """Names of the tabs, in order (``"Loss"``, ``"Weights"``, ...)."""
        return list(self._tabs)

    def tab(self, name: str) -> PlotTab:
        """The tab called ``name``.

        Raises
        ------
        NNStudioError
            For an unknown name, listing the known ones.
        """
        try:
            return self._tabs[name]
        except KeyError:
            raise NNStudioError(
                f"no plot called {name!r}; expected one of {', '.join(self._tabs)}"
            ) from None

    def set_context(self, project: Project | None, dataset: Dataset | None) -> None:
        """A new project or data set: clear every plot and set them up for it."""
        self._frame = None
        self._painted.clear()
        for tab in self._tabs.values():
            tab.set_context(project, dataset)

    def show_frame(self, frame: Frame) -> None:
        """Show a frame (painted now in the visible tab, later in the others)."""
        self._frame = frame
        self._serial += 1
        for tab in self._tabs.values():
            tab.record(frame)
        current = self.tabs.currentWidget()
        if isinstance(current, PlotTab):
            self._paint(current)

    def set_selected_layer(self, network_index: int | None) -> None:
        """Show the given layer (``network.layers`` index) in the Weights and Activations tabs."""
        for tab in self._tabs.values():
            tab.set_selected_layer(network_index)

    def clear(self) -> None:
        """Empty every plot."""
        self._frame = None
        self._painted.clear()
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

    def _paint(self, tab: PlotTab) -> None:
        frame = self._frame
        if frame is None or self._painted.get(tab.name) == self._serial:
            return
        tab.show_frame(frame)
        self._painted[tab.name] = self._serial

    def _catch_up(self, index: int) -> None:
        widget = self.tabs.widget(index)
        if isinstance(widget, PlotTab):
            self._paint(widget)
