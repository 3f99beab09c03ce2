"""The network canvas: layers as columns of neurons, edges coloured by weight, live updates.

Every edit goes through :class:`~nnstudio.ui.document.StudioDocument` (so it is undoable); the
canvas rebuilds its items when the document's network, data or project change (keeping those
whose drawing stays the same, so an edit repaints only what it changed) and only recolours them
on :meth:`NetworkCanvas.show_frame`.

Level of detail keeps big networks fast and legible: wide layers are drawn as a sample of their
neurons (see :mod:`nnstudio.ui.canvas.layout`), a layer pair with more candidate edges than
:data:`MAX_EDGES_PER_BUNDLE` paints only its strongest ones, and the legend says how many of
the network's connections are shown. While training streams frames, edges are re-stroked for
at most :data:`EDGE_STROKE_BUDGET` edges per frame, stalest layer pair first (their arrays,
hover text and highlights follow every frame), so no single paint stalls the interface.

Dropout at work: while a run trains a network with dropout, the neurons its last step dropped
(for the first sample of the step's mini-batch, from the engine's own masks carried by the
frame's snapshot) are drawn crossed out and faded, their edges pale (see
:meth:`NetworkCanvas.dropped_units`, :meth:`NetworkCanvas.set_show_dropped`). Everything
else the canvas shows is computed in inference mode, with the whole network.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnstudio.spec import NetworkSpec, Project, Weights
from nnstudio.ui.canvas.edges import EdgeBundleItem, EdgeHighlightItem
from nnstudio.ui.canvas.items import (
    ACCENT,
    MIN_TEXT_PIXELS,
    GapButtonItem,
    LaneItem,
    NeuronColumnItem,
    text_scale,
)
from nnstudio.ui.canvas.layout import (
    COMPACT_HEAD,
    LABEL_GAP_PIXELS,
    MAX_FIT_SCALE,
    NetworkLayout,
    fit_margin,
    nearest_segment,
    sample_indices,
)
from nnstudio.ui.canvas.legend import ScaleLegend
from nnstudio.ui.canvas.notice import NoticeBanner
from nnstudio.ui.canvas.shading import (
    activation_colors,
    constant_over_plane,
    rounded_thumbnails,
    sparkline_points,
    thumbnail_images,
)
from nnstudio.ui.colors import diverging_rgb, symmetric_limit
from nnstudio.ui.docks.properties_dock import bound_by_dtype
from nnstudio.ui.docks.training_dock import NumberField
from nnstudio.ui.qt import QtCore, QtGui, QtSvg, QtWidgets, Signal, is_alive, png_bytes
from nnstudio.ui.selection import LayerMap, Selection, renumbered_layer, renumbered_selection

#: Pixmap cache (kilobytes) the canvas asks for, see ``NetworkCanvas.__init__``.
_PIXMAP_CACHE_KB = 96 * 1024
_NO_CACHE = QtWidgets.QGraphicsItem.CacheMode.NoCache
_DEVICE_CACHE = QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache
_BACKGROUND = QtGui.QColor(246, 247, 249)
_GRID_DOT = QtGui.QColor(218, 222, 229)
_GRID_STEP = 24.0
_MIN_SCALE = 0.03
_MAX_SCALE = 6.0
_DRAG_THRESHOLD = 5.0
#: Relative change of the room for the drawing (width or height) that plans it anew.
_REPLAN_CHANGE = 0.06
#: Removals of a selected neuron remembered for their undo (see _on_undo_step): the
#: neurons removed longer ago are selected after their undo no longer.
_REMOVED_NEURONS_KEPT = 64
#: Activation names as a narrow lane's subtitle shows them ("16 lrelu"); the others are short.
ACTIVATION_ABBREVIATIONS = {
    "identity": "id",
    "sigmoid": "sigm",
    "leaky_relu": "lrelu",
    "softplus": "soft+",
    "softmax": "smax",
}
#: Distance (screen pixels) within which the mouse picks an edge.
_EDGE_PICK_PIXELS = 5.0
#: A layer pair paints at most this many edges (the strongest by |w|).
MAX_EDGES_PER_BUNDLE = 512
#: Edges re-stroked per live frame; layer pairs left over wait for the next frame or timer.
EDGE_STROKE_BUDGET = 400
#: Delay before edges left over by the budget are stroked when no further frame arrives.
_EDGE_CATCH_UP_MS = 40
#: Frames closer together than this (seconds) count as a live stream.
_LIVE_FRAME_GAP_S = 0.25
#: Views shorter than this (pixels) get the compact legend and zoom buttons.
_COMPACT_OVERLAY_HEIGHT = 420
#: The key's line about the neurons drawn as dropped (regular key, compact key).
DROPPED_CAPTION = (
    "crossed out: neurons dropout dropped in the last step, for its batch's first sample"
)
DROPPED_CAPTION_SHORT = "crossed out: dropped in the last step"
#: Smallest canvas (pixels): the narrowest view whose compact key takes three rows still
#: leaves the drawing the room a planned layout needs (compact headers, a few neuron rows),
#: and no more, so a window can give the rest to a message above the canvas.
MINIMUM_SIZE = (320, 170)
#: Distance (pixels) of the legend and zoom buttons from the view's edges.
_OVERLAY_INSET = 10
_COMPACT_INSET = 6
_ZOOM_BAR_STYLE = (
    "QFrame#canvasZoomBar {{ background: rgba(255, 255, 255, 235);"
    " border: 1px solid #e2e7ee; border-radius: 8px; }}"
    " QToolButton {{ border: none; padding: {padding}; color: #374151;"
    " font-size: {font}; border-radius: 6px; }}"
    " QToolButton:hover {{ background: #eef4ff; color: #2563eb; }}"
)
#: The zoom buttons' padding (vertical, horizontal) and text size in pixels with the default
#: font: regular and on a short view.
_ZOOM_REGULAR = (3, 8, 13)
_ZOOM_COMPACT = (1, 6, 12)


def _zoom_bar_style(compact: bool) -> str:
    """The zoom buttons' style sheet, its sizes scaled with the application font."""
    grow = text_scale()
    vertical, horizontal, pixels = (
        round(v * grow) for v in (_ZOOM_COMPACT if compact else _ZOOM_REGULAR)
    )
    return _ZOOM_BAR_STYLE.format(padding=f"{vertical}px {horizontal}px", font=f"{pixels}px")


@dataclass(frozen=True)
class Hit:
    """What is under a point of the scene.

    Attributes
    ----------
    kind : {"gap", "units", "neuron", "header", "edge", "lane"}
    layer : int
        Drawn layer index (for "gap": the column left of the button).
    neuron : int or None
        Neuron index (target neuron for an edge).
    source : int or None
        Source neuron of an edge.
    delta : int
        +1 / -1 for a units button.
    """

    kind: str
    layer: int
    neuron: int | None = None
    source: int | None = None
    delta: int = 0

    def selection(self) -> Selection | None:
        """The selection a click on this hit makes."""
        if self.kind == "neuron":
            return Selection("neuron", self.layer, self.neuron)
        if self.kind == "edge":
            return Selection("edge", self.layer, self.neuron, self.source)
        if self.kind in ("header", "lane", "units"):
            return Selection("layer", self.layer)
        return None


def _full_text(value: float, dtype: np.dtype) -> str:
    """``value`` in full as a float of ``dtype`` holds it: the shortest text that reads
    back as the same number (``-0.581135`` in float32, ``3.5e-05``, ``25000000.0``)."""
    return str(np.dtype(dtype).type(value))


class ValueDialog(QtWidgets.QDialog):
    """Ask for a weight or a bias, read as Properties reads its Weight w and Bias b fields.

    The field shows the value in full (see :func:`_full_text`) and takes what those fields
    take (``1,5``, ``1e-3``, ``−0.5``): the same :class:`NumberField`, bounded by what the
    network's float type can hold. Text it refuses (not a finite number, too large) keeps
    the dialog open, the reason shown under the field.

    Parameters
    ----------
    parent : QWidget or None
    title, label : str
        The window title and what the field is ("W1[0, 1] (x1 → Hidden 1 neuron 2):").
    current : float
        The value now.
    document : StudioDocument
        Whose float type bounds the value.
    what : str
        "a weight" or "a bias", for the bound's message.
    """

    def __init__(
        self,
        parent: QtWidgets.QWidget | None,
        title: str,
        label: str,
        current: float,
        document: Any,
        what: str,
    ):
        super().__init__(parent)
        self.setWindowTitle(title)
        #: The value accepted, ``None`` until OK is pressed on a valid one.
        self.typed: float | None = None
        self.shown = _full_text(current, document.project.training.dtype)
        layout = QtWidgets.QVBoxLayout(self)
        caption = QtWidgets.QLabel(label)
        caption.setWordWrap(True)
        layout.addWidget(caption)
        self.field = NumberField(current, step=0.05)
        bound_by_dtype(self.field, document, what)
        self.field.setText(self.shown)
        # Wide enough for the label on one line (within reason) and a float64 in full.
        metrics = self.fontMetrics()
        wide = max(metrics.horizontalAdvance(label), metrics.horizontalAdvance("0" * 28))
        self.setMinimumWidth(min(wide + 40, 64 * metrics.averageCharWidth()))
        self.field.selectAll()
        caption.setBuddy(self.field)
        layout.addWidget(self.field)
        self.error = QtWidgets.QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b91c1c;")
        self.error.hide()
        layout.addWidget(self.error)
        self.field.refused.connect(self._show_refusal)
        self.field.textEdited.connect(lambda _text: self.error.hide())
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Ok
            | QtWidgets.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._accept_typed)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _show_refusal(self, reason: str) -> None:
        self.error.setText(reason[:1].upper() + reason[1:])
        self.error.show()
        self.adjustSize()  # the reason in full, however many lines it takes

    def _accept_typed(self) -> None:
        """OK: the value typed, checked by the field as Enter checks it in Properties."""
        if self.field.text().strip() == self.shown:
            # Untouched (even a value no field would take, such as nan after divergence).
            self.accept()
            return
        self.field.editingFinished.emit()
        if self.field.property("invalid"):
            return  # refused: the field is red and the reason is shown
        self.typed = self.field.value()
        self.accept()

    @staticmethod
    def ask(
        parent: QtWidgets.QWidget | None,
        title: str,
        label: str,
        current: float,
        document: Any,
        what: str,
    ) -> float | None:
        """The value typed, or ``None`` when cancelled or accepted as shown."""
        dialog = ValueDialog(parent, title, label, current, document, what)
        try:
            accepted = dialog.exec() == QtWidgets.QDialog.DialogCode.Accepted
            return dialog.typed if accepted else None
        finally:
            dialog.deleteLater()


class NetworkCanvas(QtWidgets.QGraphicsView):
    """Interactive drawing of the document's network.

    Parameters
    ----------
    document : StudioDocument
        The document observed and edited.
    parent : QWidget, optional

    Signals
    -------
    selectionChanged(object)
        The new :class:`~nnstudio.ui.selection.Selection`, or ``None``.
    hoverTextChanged(str)
        Description of what is under the mouse (empty when nothing is), e.g. for a status bar.

    Notes
    -----
    Mouse: click selects a neuron, edge or layer (background clears); double-click a neuron or
    edge edits its bias or weight; drag a hidden layer's header to reorder; drag elsewhere or
    with the middle button to pan; the wheel zooms under the pointer; right-click for a menu.
    The round "+" between columns inserts a layer, − / + in a hidden header resize it.

    Keyboard (selected layer): + / − add or remove a neuron (− and Delete on a selected
    neuron remove that neuron and select the one taking its place), Delete removes the
    layer, Insert (or L) inserts a layer after it and Shift+Insert before it, Ctrl+← /
    Ctrl+→ move it; ← / → / ↑ / ↓ move the selection, Enter edits the selected weight or
    bias, Escape clears, F or Ctrl+0 fits the view, Ctrl++ / Ctrl+− zoom.
    """

    selectionChanged = Signal(object)
    hoverTextChanged = Signal(str)

    def __init__(self, document: Any, parent: QtWidgets.QWidget | None = None):
        super().__init__(parent)
        self.document = document
        # Lanes and edge bundles are cached as pixmaps (QPixmapCache); a big network on a
        # large or high-density screen needs more than Qt's default 10 MB, or the caches
        # evict each other and every paint re-strokes everything.
        if QtGui.QPixmapCache.cacheLimit() < _PIXMAP_CACHE_KB:
            QtGui.QPixmapCache.setCacheLimit(_PIXMAP_CACHE_KB)
        self._scene = QtWidgets.QGraphicsScene(self)
        # Items are few and large; a BSP index only slows down the per-frame updates.
        self._scene.setItemIndexMethod(QtWidgets.QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self._scene)
        self.setRenderHints(
            QtGui.QPainter.RenderHint.Antialiasing
            | QtGui.QPainter.RenderHint.TextAntialiasing
            | QtGui.QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setTransformationAnchor(QtWidgets.QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QtWidgets.QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)
        self.setMinimumSize(*MINIMUM_SIZE)

        self.layout_geometry: NetworkLayout | None = None
        self.lanes: list[LaneItem] = []
        self.columns: list[NeuronColumnItem] = []
        #: ``bundles[d]`` holds the edges entering drawn layer ``d`` (``bundles[0]`` is None).
        self.bundles: list[EdgeBundleItem | None] = []
        self.gap_buttons: list[GapButtonItem] = []
        self.edge_highlight: EdgeHighlightItem | None = None
        self._network: NetworkSpec | None = None
        #: ``(width, height)`` in pixels the layout was planned for (None: not on screen).
        self._layout_room: tuple[float, float] | None = None
        self._rebuilding = False
        self._dragging = False
        self._selection: Selection | None = None
        #: The selection was renumbered with the layers; the items show it once rebuilt.
        self._selection_moved = False
        #: While one of the canvas's own layer edits runs: what it selects after the edit,
        #: given the selection followed through it (see _edit_and_select).
        self._select_after_edit: Callable[[Selection | None], Selection | None] | None = None
        #: Drawn indices of the layers the last renumbering brought in (see _on_undo_step).
        self._layers_brought_in: tuple[int, ...] = ()
        #: Selected neurons the canvas removed, latest last: the project before and after
        #: the removal and the neuron, selected again when the removal is undone.
        self._removed_neurons: deque[tuple[Project, Project, Selection]] = deque(
            maxlen=_REMOVED_NEURONS_KEPT
        )
        #: The end of a connection fixed while ↑ / ↓ step through a neuron's connections:
        #: ``(drawn layer of the connection, "source" or "target", neuron)``.
        self._edge_anchor: tuple[int, str, int] | None = None
        self._frame: Any = None
        #: The symmetric limit the edges are coloured on (None: no weights to colour). The
        #: neuron page colours a neuron's incoming weights on it too.
        self.weight_limit: float | None = None
        #: A frame on its way to show_frame (see expect_frame).
        self._expected_frame: Any = None
        self._example = 0
        #: Whether the units dropout dropped in the last training step are drawn so.
        self._show_dropped = True
        #: The frame's dropout masks (see ``Frame.kept_units``) and the network they were
        #: shown for; cleared when the document gets weights no training step made.
        self._kept_units: tuple[np.ndarray | None, ...] = ()
        self._kept_network: NetworkSpec | None = None
        #: Per drawn layer whose heatmaps are shown: which neurons are constant over the
        #: plane and their values (see ``shading.constant_over_plane``), for the hover text.
        self._constants: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._editable = True
        self._user_zoomed = False
        self._press: dict[str, Any] | None = None
        self._hover_key: tuple | None = None
        self._drop_indicator: QtWidgets.QGraphicsRectItem | None = None
        self._notices_enabled = True
        self._frame_shown_at = -float("inf")
        #: Overlay band (pixels) the last fit left free, to refit when the legend resizes.
        self._fitted_band: float | None = None
        #: Whether the legend sits above the zoom buttons (no room beside them).
        self._overlays_stacked = False

        self._edge_timer = QtCore.QTimer(self)
        self._edge_timer.setSingleShot(True)
        self._edge_timer.setInterval(_EDGE_CATCH_UP_MS)
        self._edge_timer.timeout.connect(self._stroke_pending_edges)

        self.notice_banner = NoticeBanner(self)
        self.zoom_bar = self._make_zoom_bar()
        self.legend = ScaleLegend(self)
        self._connect_document(document)
        self.rebuild()

    # ---- document wiring ---------------------------------------------------------------------

    def _connect_document(self, document: Any) -> None:
        document.networkChanged.connect(self._on_structure_changed)
        document.datasetChanged.connect(self._on_structure_changed)
        document.datasetChanged.connect(self._drop_stale_notices)
        document.projectChanged.connect(self._on_project_changed)
        document.weightsChanged.connect(self._on_weights_changed)
        document.notice.connect(self._on_document_notice)
        renumbered = getattr(document, "layersRenumbered", None)
        if renumbered is not None:
            renumbered.connect(self._on_layers_renumbered)
        stack = getattr(document, "undo_stack", None)
        if stack is not None:
            #: The undo stack's index at the last step (see _on_undo_step).
            self._stack_index = stack.index()
            stack.indexChanged.connect(self._on_undo_step)

    def _on_layers_renumbered(self, layers: LayerMap) -> None:
        """Keep the selection on the layer it was made on when layers come, go or move.

        The document says so before the rest of the change, so whoever shows the selection
        hears of its new number before showing anything of the new network; the items show
        it once they are rebuilt for that network.
        """
        previous = self._selection
        sizes = self._network_spec().sizes
        selection = renumbered_selection(previous, layers, sizes)
        kept = {renumbered_layer(drawn, layers) for drawn in range(len(layers) + 1)}
        self._layers_brought_in = tuple(d for d in range(len(sizes)) if d not in kept)
        anchor = self._edge_anchor
        if anchor is not None and previous is not None and selection is not None:
            # The anchor belongs to the selected connection, whose layer it follows.
            follows = previous.kind == "edge" and anchor[0] == previous.layer
            self._edge_anchor = (selection.layer, *anchor[1:]) if follows else None
        else:
            self._edge_anchor = None
        choose = self._select_after_edit
        if choose is not None:
            # One of the canvas's own edits: it says what to select, announced once.
            self._select_after_edit = None
            chosen = choose(selection)
            selection = chosen if chosen is None or self._selection_valid(chosen) else None
        elif selection == previous:
            return  # the same number still names the same layer
        self._selection = selection
        self._selection_moved = True
        self.selectionChanged.emit(selection)

    def _on_undo_step(self, index: int) -> None:
        """After an undo that brings a hidden layer back (a deleted one), select it; after
        one that brings back a neuron removed while selected, select that neuron."""
        undone = index < self._stack_index
        self._stack_index = index
        brought_in, self._layers_brought_in = self._layers_brought_in, ()
        if undone and len(brought_in) == 1 and brought_in[0] in self.hidden_range():
            self.select(Selection("layer", brought_in[0]))
        elif undone:
            restored = self._restored_neuron(index)
            if restored is not None:
                # Announced: the same number may have stood for the neuron that took its
                # place (the selection stays on a number while the layer changes).
                self.select(restored, announce=True)

    def _restored_neuron(self, index: int) -> Selection | None:
        """The selected neuron whose removal the undo to stack ``index`` took back, if any.

        The step undone is the stack's command at ``index``; it is the canvas's removal
        when it swaps the very projects the removal did (copies of a step, made when the
        history is trimmed, keep them).
        """
        stack = getattr(self.document, "undo_stack", None)
        if not self._removed_neurons or stack is None or not is_alive(stack):
            return None  # nothing removed, or the stack emptied as the document goes
        command = stack.command(index) if 0 <= index < stack.count() else None
        project_after = getattr(command, "project_after", None)
        if project_after is None:
            return None
        before, after = project_after(redo=False), project_after(redo=True)
        if before is not self.document.project:
            return None
        for old, new, selection in reversed(self._removed_neurons):
            if old is before and new is after:
                return selection if self._selection_valid(selection) else None
        return None

    def _on_structure_changed(self, *_args: object) -> None:
        # One edit emits several signals; rebuild once, and only when something drawn
        # (sizes, activations, names) changed.
        if self._drawn_signature() != self._signature:
            self.rebuild()
        elif self._selection_moved:
            self._update_selection_visuals()

    def _on_project_changed(self, _project: Any) -> None:
        self._on_structure_changed()

    def _on_weights_changed(self, weights: Weights | None) -> None:
        if weights is None:
            self._frame = None
        elif self._frame is not None and weights is getattr(self._frame, "weights", None):
            return  # training handed back the weights this frame already shows
        elif weights is getattr(self._expected_frame, "weights", None):
            return  # ... or the weights of a frame on its way here
        # Weights no training step made (an edit, a reset, an undo): what the last step
        # dropped says nothing about them.
        self._kept_units = ()
        self._recolor()

    def expect_frame(self, frame: Any) -> None:
        """Note a frame that :meth:`show_frame` will get shortly.

        Training hands a frame's weights back to the document before the canvas takes the
        frame in; recolouring for them first would only repeat the work (stroking every
        edge at once).
        """
        self._expected_frame = frame

    def _on_document_notice(self, text: str) -> None:
        if self._notices_enabled:
            self.show_notice(text)

    def _drop_stale_notices(self, *_args: object) -> None:
        # A notice about the data before (say, the output resized for it) would only mislead
        # once the data changed again.
        self.notice_banner.keep_context(self._notice_context())

    def _notice_context(self) -> Any:
        """What a notice shown now is about: the document's data."""
        return self.document.project.data

    def set_notices_enabled(self, enabled: bool) -> None:
        """Whether the canvas shows the document's notices itself (on by default)."""
        self._notices_enabled = enabled

    # ---- names -------------------------------------------------------------------------------

    def _network_spec(self) -> NetworkSpec:
        return self.document.project.network

    def layer_title(self, drawn: int) -> str:
        """First header line of a drawn layer: "Input", "Hidden 2" or "Output"."""
        count = len(self._network_spec().layers)
        if drawn == 0:
            return "Input"
        if drawn == count:
            return "Output"
        return f"Hidden {drawn}"

    def layer_short_title(self, drawn: int) -> str:
        """The title of a lane too narrow for :meth:`layer_title`: "In", "H2" or "Out"."""
        count = len(self._network_spec().layers)
        if drawn == 0:
            return "In"
        if drawn == count:
            return "Out"
        return f"H{drawn}"

    def layer_subtitle(self, drawn: int) -> str:
        """Second header line: size, activation and dropout rate, e.g. "8 tanh", "64 relu ·
        drop 0.2" or "2 features"."""
        network = self._network_spec()
        if drawn == 0:
            return f"{network.inputs} feature{'s' if network.inputs != 1 else ''}"
        layer = network.layers[drawn - 1]
        text = f"{layer.units} {layer.activation}"
        if layer.dropout > 0:
            text += f" · drop {layer.dropout:g}"
        return text

    def layer_short_subtitle(self, drawn: int) -> str:
        """The subtitle of a lane too narrow for :meth:`layer_subtitle`: "2" for "2 features",
        "16 lrelu" for "16 leaky_relu", "64 relu d.2" for "64 relu · drop 0.2" (the lane's
        tooltip names the activation and the dropout in full)."""
        return self.layer_short_subtitles(drawn)[0]

    def layer_short_subtitles(self, drawn: int) -> tuple[str, ...]:
        """Ever shorter subtitles for ever narrower lanes, longest first: "64 relu d.2",
        "64 relu", "64" for "64 relu · drop 0.2"; "2" for "2 features".

        Each drops the least telling part left (the dropout, then the activation), so a lane
        shows the most it can whole rather than an elided "64 rel…".
        """
        network = self._network_spec()
        if drawn == 0:
            return (str(network.inputs),)
        layer = network.layers[drawn - 1]
        name = ACTIVATION_ABBREVIATIONS.get(layer.activation, layer.activation)
        plain = f"{layer.units} {name}"
        texts = [plain, str(layer.units)]
        if layer.dropout > 0:
            # "d.2": the rate without its leading zero, so the size and activation keep room.
            texts.insert(0, f"{plain} d{_rate(layer.dropout)}")
        return tuple(texts)

    def layer_header(self, drawn: int) -> str:
        """The header as one line, e.g. "Hidden 1 · 8 tanh" or "Output · 1 sigmoid"."""
        return f"{self.layer_title(drawn)} · {self.layer_subtitle(drawn)}"

    def feature_names(self) -> list[str]:
        """Input names: the project's, the data's, or x1, x2, ..."""
        return self.document.input_names()

    def output_names(self) -> list[str]:
        """One label per output unit (class or target names when they fit)."""
        return self.document.output_labels()

    def _drawn_signature(self) -> tuple:
        network = self._network_spec()
        return (network, tuple(self.feature_names()), tuple(self.output_names()))

    # ---- building ----------------------------------------------------------------------------

    def rebuild(self) -> None:
        """Bring the items in line with the document's current network (keeps a sensible zoom).

        Items whose drawing did not change (same geometry, texts and neurons, see their
        ``drawing_key``) are kept with their cached pixmaps; only the others are made anew.
        Adding a neuron to a wide layer thus replaces that layer's lane and column, and the
        edges beside it only change which neurons they stand for.
        """
        self._rebuilding = True
        try:
            self._rebuild()
        finally:
            self._rebuilding = False
        # Recoloured, the key may have grown or lost a line, changing the room below the
        # drawing: plan again for the room it has now (at most once: the key stays as it is).
        self._relayout_if_reshaped()

    def _rebuild(self) -> None:
        network = self._network_spec()
        old_center = self.mapToScene(self.viewport().rect().center())
        self._signature = self._drawn_signature()
        self._drop_indicator = None
        self._press = None
        self._hover_key = None
        self._layout_room = self._planned_room()
        view_height = aspect = None
        if self._layout_room is not None:
            # The drawing is fitted above the legend and zoom buttons (see fit): lay it out
            # for that room, so its text has the size meant for it once fitted.
            view_height = self._layout_room[1]
            aspect = self._layout_room[0] / view_height
        features = self.feature_names()
        outputs = self.output_names()
        first, last = sample_indices(network.sizes[0]), sample_indices(network.sizes[-1])
        label_widths = (
            _label_design_width(network.sizes, [features[i] for i in first.tolist()]),
            _label_design_width(network.sizes, [outputs[i] for i in last.tolist()]),
        )
        layout = NetworkLayout(
            network.sizes,
            aspect=aspect,
            view_height=view_height,
            label_widths=label_widths,
            text_scale=text_scale(),
        )
        self.layout_geometry = layout
        self._network = network
        count = layout.layer_count
        hidden = self.hidden_range()
        layout.set_label_extents(
            _label_extent(layout, [features[i] for i in first.tolist()]),
            _label_extent(layout, [outputs[i] for i in last.tolist()]),
        )

        old_lanes, old_columns = self.lanes, self.columns
        old_bundles, old_buttons = self.bundles, self.gap_buttons
        self.lanes = []
        self.columns = []
        self.bundles = [None]
        self.gap_buttons = []
        for drawn in range(count):
            title, subtitle = self.layer_title(drawn), self.layer_subtitle(drawn)
            short = self.layer_short_title(drawn)
            short_sub = self.layer_short_subtitles(drawn)
            resizable = drawn in hidden
            key = LaneItem.drawing_key(layout, drawn, title, subtitle, resizable, short, short_sub)
            lane = _kept(old_lanes, drawn, key)
            if lane is None:
                lane = LaneItem(
                    layout,
                    drawn,
                    title,
                    subtitle,
                    resizable,
                    short_title=short,
                    short_subtitle=short_sub,
                )
                lane.setZValue(0)
                self._scene.addItem(lane)
            else:
                lane.dragging = False
                lane.set_hovered_button(None)
                _settle(lane, 0)
            if resizable:
                lane.can_shrink = network.layers[drawn - 1].units > 1
            self.lanes.append(lane)

            indices = layout.columns[drawn].indices
            if drawn == 0:
                labels, side = [features[i] for i in indices.tolist()], "left"
            elif drawn == count - 1:
                labels, side = [outputs[i] for i in indices.tolist()], "right"
            else:
                labels, side = None, "right"
            key = NeuronColumnItem.drawing_key(layout, drawn, labels, side, drawn > 0)
            column = _kept(old_columns, drawn, key)
            if column is None:
                column = NeuronColumnItem(layout, drawn, labels, side, has_bias=drawn > 0)
                column.setZValue(2)
                self._scene.addItem(column)
            else:
                column.set_hovered_position(None)
                _settle(column, 2)
            self.columns.append(column)

            if drawn > 0:
                segments, sources, targets = layout.edge_segments(drawn)
                bundle = old_bundles[drawn] if drawn < len(old_bundles) else None
                if bundle is not None and bundle.has_geometry(segments, MAX_EDGES_PER_BUNDLE):
                    # Same strokes in the same places: keep them (the recolour below
                    # repaints only what it changes).
                    bundle.set_endpoints(sources, targets)
                else:
                    bundle = EdgeBundleItem(
                        segments, sources, targets, max_shown=MAX_EDGES_PER_BUNDLE
                    )
                    bundle.setZValue(1)
                    self._scene.addItem(bundle)
                self.bundles.append(bundle)
        if self.edge_highlight is None:
            self.edge_highlight = EdgeHighlightItem()
            self.edge_highlight.setZValue(1.5)
            self._scene.addItem(self.edge_highlight)
        self._selected_edge: tuple[EdgeBundleItem, int] | None = None
        self._hovered_edge: tuple[EdgeBundleItem, int] | None = None
        self._hovered_neuron: tuple[int, int] | None = None
        for gap in range(count - 1):
            button = _kept(old_buttons, gap, GapButtonItem.drawing_key(layout, gap))
            if button is None:
                button = GapButtonItem(layout, gap)
                button.setZValue(3)
                self._scene.addItem(button)
            else:
                button.set_hovered(False)
            self.gap_buttons.append(button)
        # Whatever was not kept goes (replaced items, a drag's drop indicator).
        kept = {id(item) for item in (*self.lanes, *self.columns, *self.gap_buttons)}
        kept.update(id(item) for item in self.bundles[1:])
        kept.add(id(self.edge_highlight))
        for item in self._scene.items():
            if id(item) not in kept:
                self._scene.removeItem(item)

        # Scroll bars appear only when zoomed in past the drawing.
        self._scene.setSceneRect(self._framed_rect())

        if self._selection is not None and not self._selection_valid(self._selection):
            # Removed under the selection (an undone Add neuron): its layer, or the neuron
            # now last on it, keeps it.
            self._selection = self._fallback(self._selection, clamp=True)
            self.selectionChanged.emit(self._selection)
        if self._frame is not None and not self._frame_fits(self._frame):
            self._frame = None
        self._update_selection_visuals()
        self._recolor()
        if self._user_zoomed:
            self.centerOn(old_center)
        else:
            self.fit()

    def _planned_room(self) -> tuple[float, float] | None:
        """Width and height (pixels) the drawing is fitted into, once the canvas is shown."""
        size = self.viewport().size()
        if not self.isVisible() or size.width() < 50 or size.height() < 50:
            return None
        return float(size.width()), self._fit_room()

    def _relayout_if_reshaped(self) -> None:
        """Rebuild when the room for the drawing changed enough to plan it differently.

        The layout sizes its text for the room it is fitted into (see
        :class:`~nnstudio.ui.canvas.layout.NetworkLayout`); fitted into another room, the
        text would be scaled with the drawing, smaller or larger than planned.
        """
        if self._user_zoomed or self._rebuilding:
            return
        room = self._planned_room()
        previous = self._layout_room
        if room is None:
            return
        if previous is None or any(
            abs(now / max(before, 1.0) - 1.0) > _REPLAN_CHANGE
            for now, before in zip(room, previous, strict=True)
        ):
            self.rebuild()

    def hidden_range(self) -> range:
        """Drawn indices of the hidden layers."""
        return range(1, len(self._network_spec().layers))

    def content_rect(self) -> QtCore.QRectF:
        """Rectangle covering everything drawn (lanes, labels, buttons)."""
        layout = self.layout_geometry
        if layout is None:
            return self._scene.itemsBoundingRect()
        # The lanes' geometry, not their items' bounds: those reach into the gaps beside the
        # outer lanes (room for long titles) and would leave empty bands in a fitted view.
        x, y, w, h = layout.bounds()
        return QtCore.QRectF(x, y, w, h).adjusted(-2.0, -2.0, 2.0, 2.0)

    # ---- colours -----------------------------------------------------------------------------

    def _weights_fit(self, weights: Weights | None) -> bool:
        return self._network is not None and self._network.fits(weights)

    def _frame_fits(self, frame: Any) -> bool:
        if self._network is None:
            return False
        probe = getattr(frame, "probe_A", None)
        sizes = self._network.sizes
        if probe is None or len(probe) != len(sizes):
            return False
        return all(np.shape(a)[-1] == n for a, n in zip(probe, sizes, strict=True))

    def _current_weights(self) -> Weights | None:
        if self._frame is not None and self._weights_fit(getattr(self._frame, "weights", None)):
            return self._frame.weights
        weights = self.document.weights
        return weights if self._weights_fit(weights) else None

    def _recolor(self, live: bool = False) -> None:
        if self.layout_geometry is None:
            return
        weights = self._current_weights()
        self._show_dropped_units()
        self._recolor_parameters(weights, live)
        self._recolor_neurons()
        # The highlighted edges take their colours from the bundles.
        self._refresh_edge_emphasis()

    def _recolor_parameters(self, weights: Weights | None, live: bool = False) -> None:
        """Colour edges and biases; ``live`` (a frame following a frame) spreads the strokes."""
        layout = self.layout_geometry
        if weights is None:
            self.weight_limit = None
            self.legend.set_limit(None)
            self.legend.set_edges_text(self.edges_caption(False))
            for bundle in self.bundles[1:]:
                bundle.set_values(None)
            for column in self.columns[1:]:
                column.set_biases(None, None)
            return
        # One symmetric limit over every drawn edge, so equal colours mean equal weights.
        drawn_values = [
            np.asarray(W)[bundle.sources, bundle.targets]
            for bundle, (W, _b) in zip(self.bundles[1:], weights, strict=True)
        ]
        limit = symmetric_limit(np.concatenate(drawn_values)) if drawn_values else 1.0
        self.weight_limit = limit
        self.legend.set_limit(limit)
        drawn_biases = [
            np.asarray(b, dtype=float)[layout.columns[d].indices]
            for d, (_W, b) in enumerate(weights, start=1)
        ]
        bias_limit = symmetric_limit(np.concatenate(drawn_biases)) if drawn_biases else 1.0
        for bundle, (W, _b) in zip(self.bundles[1:], weights, strict=True):
            bundle.set_values(W, limit, defer=live)
        for column, biases in zip(self.columns[1:], drawn_biases, strict=True):
            column.set_biases(biases, diverging_rgb(biases, bias_limit))
        # The strongest edges may have changed: so may the legend's count.
        self.legend.set_edges_text(self.edges_caption(True))
        if live:
            self._stroke_pending_edges()

    def _show_dropped_units(self) -> None:
        """Hand each column and bundle the units to draw as dropped (applied by the recolour
        that follows: the bundles stroke them with their weights)."""
        layout = self.layout_geometry
        dropped = [self.dropped_units(drawn) for drawn in range(len(self.columns))]
        for drawn, column in enumerate(self.columns):
            mask = dropped[drawn]
            column.set_dropped(None if mask is None else mask[layout.columns[drawn].indices])
        for drawn in range(1, len(self.bundles)):
            self.bundles[drawn].set_dropped(dropped[drawn - 1], dropped[drawn])
        shown = any(mask is not None for mask in dropped)
        self.legend.set_dropout_text(
            DROPPED_CAPTION if shown else "", DROPPED_CAPTION_SHORT if shown else ""
        )

    def dropped_units(self, drawn: int) -> np.ndarray | None:
        """Which units of a drawn layer the last training step dropped, as drawn now.

        Parameters
        ----------
        drawn : int
            Drawn layer index (0 is the inputs, which dropout never drops).

        Returns
        -------
        ndarray of bool, shape (units,), or None
            ``True`` for each unit of the layer that dropout dropped in the last step of
            the run the frame comes from, for the first sample of that step's mini-batch;
            ``None`` when nothing is shown as dropped there: the layer has no dropout, the
            frame no masks, the option is off (:meth:`set_show_dropped`), or the weights
            were changed since (edited, reset).
        """
        network = self._network
        kept = self._kept_units
        if (
            not self._show_dropped
            or self._frame is None
            or network is None
            or network != self._kept_network
            or len(kept) != len(network.layers)
            or not 1 <= drawn <= len(network.layers)
        ):
            return None
        layer = network.layers[drawn - 1]
        mask = kept[drawn - 1]
        if mask is None or layer.dropout <= 0 or np.shape(mask) != (layer.units,):
            return None
        return ~np.asarray(mask, dtype=bool)

    @property
    def show_dropped(self) -> bool:
        """Whether the units dropout dropped in the last training step are drawn so."""
        return self._show_dropped

    def set_show_dropped(self, show: bool) -> None:
        """Draw the units dropout dropped in the last training step crossed out (or not)."""
        show = bool(show)
        if show != self._show_dropped:
            self._show_dropped = show
            self._recolor()
            self._refresh_hover_text()

    def _stroke_pending_edges(self) -> None:
        """Re-stroke deferred layer pairs, stalest first, within :data:`EDGE_STROKE_BUDGET`."""
        pending = sorted(
            (bundle for bundle in self.bundles[1:] if bundle.pending),
            key=lambda bundle: bundle.painted_at,
        )
        spent = 0
        for bundle in pending:
            if spent and spent + bundle.shown_count > EDGE_STROKE_BUDGET:
                break
            bundle.refresh()
            spent += bundle.shown_count
        if any(bundle.pending for bundle in self.bundles[1:]):
            self._edge_timer.start()

    def hold_repaints(self) -> None:
        """Let changes to the drawing wait for :meth:`repaint_live` instead of repainting."""
        self.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.NoViewportUpdate)
        # The legend shows through to the drawing: its own repaint would repaint the drawing
        # under it too, before the frame's repaint.
        self.legend.setUpdatesEnabled(False)

    def repaint_live(self) -> None:
        """Repaint the drawing at once for a live frame, around the zoom buttons.

        Ends :meth:`hold_repaints`. The buttons float over the viewport, and repainting the
        viewport under them repaints them too (about as much as the rest of a frame's repaint
        on a small network). What lies under them is either the dotted background (a fitted
        drawing keeps clear of the overlay band) or, when zoomed in, drawing seen through
        their near-opaque panel; the next ordinary repaint (a zoom, a hover, an edit) brings
        it up to date.
        """
        viewport = self.viewport()
        region = QtGui.QRegion(viewport.rect())
        bar = self.zoom_bar
        if bar.isVisible():
            region -= QtGui.QRegion(bar.geometry().translated(-viewport.pos()))
        self.legend.setUpdatesEnabled(True)
        viewport.repaint(region)
        self.setViewportUpdateMode(QtWidgets.QGraphicsView.ViewportUpdateMode.FullViewportUpdate)

    def flush_edges(self) -> None:
        """Stroke every deferred edge recolour now (before grabbing or exporting an image)."""
        self._edge_timer.stop()
        for bundle in self.bundles[1:]:
            bundle.refresh()

    def edge_counts(self) -> tuple[int, int, int]:
        """``(painted, candidates, connections)``: edges painted now, edges between the
        neurons drawn, and weights in the whole network."""
        painted = sum(bundle.shown_count for bundle in self.bundles[1:])
        candidates = sum(bundle.count for bundle in self.bundles[1:])
        network = self._network if self._network is not None else self._network_spec()
        connections = sum(fan_in * fan_out for fan_in, fan_out in pairwise(network.sizes))
        return painted, candidates, connections

    def edges_caption(self, weights_known: bool = True) -> str:
        """Which edges are drawn when not every connection is, e.g. "edges: the 1,120
        strongest of 2,144" or "edges: 672 of 234,752 connections" (wide layers sampled);
        empty when every connection is drawn."""
        painted, candidates, connections = self.edge_counts()
        if not weights_known:
            painted = candidates  # unknown weights: every candidate is drawn, in grey
        if painted >= connections:
            return ""
        if painted < candidates and candidates < connections:
            return f"edges: {painted:,} of {connections:,}, the strongest"
        if painted < candidates:
            return f"edges: the {painted:,} strongest of {connections:,}"
        return f"edges: {painted:,} of {connections:,} connections"

    def _recolor_neurons(self) -> None:
        layout = self.layout_geometry
        frame = self._frame
        self.legend.set_caption(self.example_caption())
        self._place_overlays()  # the key grows a line when it names the example
        self._constants = {}
        if frame is None:
            for column in self.columns:
                column.set_state(None, None, None)
                column.set_sparklines(None)
            return
        grids = _grid_activations(frame)
        heatmaps = _grid_heatmaps(frame)
        line = getattr(frame, "line", None)
        lines = getattr(line, "line_A", None) if grids is None else None
        network = self._network
        for drawn, column in enumerate(self.columns):
            indices = layout.columns[drawn].indices
            activation = None if drawn == 0 else network.layers[drawn - 1].activation
            probe = np.asarray(frame.probe_A[drawn])
            if probe.shape[0] == 0:
                column.set_state(None, None, None)
                continue
            example = min(self._example, probe.shape[0] - 1)
            values = probe[example, indices].astype(float)
            # Unbounded layers are coloured against the whole probe batch, not one example.
            fills = activation_colors(values, probe[:, indices], activation)
            thumbs = None
            corner = column.corner_ratio
            if heatmaps is not None and drawn < len(heatmaps):
                # Coloured by the frame builder; indexing copies, so the corners can be cut.
                thumbs = rounded_thumbnails(np.asarray(heatmaps[drawn])[indices], corner)
            elif grids is not None and drawn < len(grids):
                grid_values = np.asarray(grids[drawn])[:, :, indices]
                thumbs = thumbnail_images(grid_values, activation, corner)
            constants = None
            if thumbs and grids is not None and drawn < len(grids):
                flat, flat_values = constant_over_plane(np.asarray(grids[drawn]))
                self._constants[drawn] = (flat, flat_values)
                constants = np.where(flat, flat_values, np.nan)[indices]
            column.set_state(fills, values, thumbs, constants)
            sparks = None
            if lines is not None and drawn < len(lines):
                sparks = sparkline_points(np.asarray(lines[drawn])[:, indices], activation)
            column.set_sparklines(sparks)

    # ---- public API: frames and examples --------------------------------------------------

    def show_frame(self, frame: Any) -> None:
        """Recolour edges, biases and neurons from a training frame (``None`` clears).

        Cost is proportional to the number of drawn edges and neurons. Every array (edge
        values and colours, fills, heatmaps) follows the frame at once; when frames stream in
        (less than a quarter of a second apart), re-stroking the edges is spread over frames
        (:data:`EDGE_STROKE_BUDGET` edges per frame, the rest after a short delay).
        :meth:`grab` and the exports stroke whatever is left first, and :meth:`flush_edges`
        does it on demand.
        """
        if frame is not None and not self._frame_fits(frame):
            return
        # A frame following a frame shortly is live training: edge strokes may be spread over
        # frames. A lone frame (a step, a screenshot) is stroked at once.
        now = time.monotonic()
        live = (
            frame is not None
            and self._frame is not None
            and now - self._frame_shown_at < _LIVE_FRAME_GAP_S
        )
        self._frame_shown_at = now
        self._frame = frame
        self._kept_units = tuple(getattr(frame, "kept_units", None) or ())
        self._kept_network = self._network
        if frame is self._expected_frame:
            self._expected_frame = None
        self._recolor(live)
        self._refresh_hover_text()

    @property
    def frame(self) -> Any:
        """The frame currently shown, or ``None``."""
        return self._frame

    def set_example(self, index: int) -> None:
        """Colour neurons by their activation for probe example ``index``."""
        self._example = max(0, int(index))
        self._recolor_neurons()

    def example_caption(self) -> str:
        """Which probe example the neurons are coloured for, e.g. "neurons: example 6/128 ·
        class outer" (empty without a frame)."""
        frame = self._frame
        if frame is None:
            return ""
        count = int(np.shape(frame.probe_A[0])[0])
        if count == 0:
            return ""
        example = min(self._example, count - 1)
        text = f"neurons: example {example + 1}/{count}"
        labels = getattr(frame, "probe_labels", None)
        names = getattr(frame, "target_names", None) or ()
        if labels is not None and 0 <= int(labels[example]) < len(names):
            text += f" · class {names[int(labels[example])]}"
        return text

    @property
    def example(self) -> int:
        """The probe example neurons are coloured for."""
        return self._example

    def set_editable(self, editable: bool) -> None:
        """Allow or forbid edits: layers, neurons, weights and biases (off while training runs).

        A changed network starts a new run, so while training runs the network stays as it
        is; the user pauses first.
        """
        self._editable = bool(editable)

    @property
    def editable(self) -> bool:
        """Whether the network (layers, neurons, weights and biases) can be edited."""
        return self._editable

    def _may_change_network(self) -> bool:
        """Whether a structural edit may go ahead; says why not when training runs."""
        if not self._editable:
            self.show_notice("Pause training to change the network.")
        return self._editable

    # ---- selection ---------------------------------------------------------------------------

    def selection(self) -> Selection | None:
        """The current selection, or ``None``."""
        return self._selection

    def select(self, selection: Selection | None, *, announce: bool = False) -> None:
        """Select a layer, neuron or edge (``None`` clears); emits selectionChanged.

        An unchanged selection emits nothing, unless ``announce`` (a click: whoever shows
        the selection shows it again, even if it had turned to something else meanwhile).
        A neuron or connection the network does not have selects its layer instead.
        """
        if selection is not None and not self._selection_valid(selection):
            selection = self._fallback(selection, clamp=False)
        if selection == self._selection and not announce:
            return
        self._selection = selection
        self._update_selection_visuals()
        self.selectionChanged.emit(selection)

    def _fallback(self, selection: Selection, *, clamp: bool) -> Selection | None:
        """What to select instead of ``selection``, a neuron or connection the network does
        not have: the same layer, so the keys acting on it go on working; with ``clamp``,
        a neuron past the layer's end is its new last neuron (one removed under it).
        ``None`` when the layer is not there either."""
        sizes = self._network_spec().sizes
        if not 0 <= selection.layer < len(sizes):
            return None
        last = sizes[selection.layer] - 1
        if clamp and selection.kind == "neuron" and (selection.neuron or 0) > last:
            return Selection("neuron", selection.layer, last)
        return Selection("layer", selection.layer)

    def _selection_valid(self, selection: Selection) -> bool:
        sizes = self._network_spec().sizes
        if not 0 <= selection.layer < len(sizes):
            return False
        if selection.kind == "layer":
            return True
        if selection.neuron is None or not 0 <= selection.neuron < sizes[selection.layer]:
            return False
        if selection.kind == "edge":
            return (
                selection.layer >= 1
                and selection.source is not None
                and 0 <= selection.source < sizes[selection.layer - 1]
            )
        return selection.kind == "neuron"

    def _refresh_edge_emphasis(self) -> None:
        """Redraw the selected/hovered edge and the connections of the focused neuron."""
        self.edge_highlight.set_edges(self._selected_edge, self._hovered_edge)
        focus = self._hovered_neuron
        selection = self._selection
        if focus is None and selection is not None and selection.kind == "neuron":
            focus = (selection.layer, selection.neuron)
        groups = []
        if focus is not None:
            drawn, neuron = focus
            if drawn >= 1:
                incoming = self.bundles[drawn]
                groups.append((incoming, np.flatnonzero(incoming.targets == neuron)))
            if drawn + 1 < len(self.bundles):
                outgoing = self.bundles[drawn + 1]
                groups.append((outgoing, np.flatnonzero(outgoing.sources == neuron)))
        self.edge_highlight.set_neighbourhood(groups)
        # A selected neuron or connection puts the other connections in the background.
        focused = (
            selection is not None and selection.kind in ("neuron", "edge") and not self._dragging
        )
        for bundle in self.bundles[1:]:
            bundle.set_dimmed(focused)

    def _update_selection_visuals(self) -> None:
        self._selection_moved = False
        selection = self._selection
        for lane in self.lanes:
            lane.set_selected(
                selection is not None
                and selection.kind == "layer"
                and selection.layer == lane.drawn
            )
        for column in self.columns:
            position = None
            if (
                selection is not None
                and selection.kind == "neuron"
                and selection.layer == column.drawn
            ):
                position = column.column.position_of(selection.neuron)
            column.set_selected_position(position)
            # A selected neuron that is not drawn shows on its column's "N more" marker.
            hidden = None
            if position is None and selection is not None and selection.kind == "neuron":
                hidden = selection.neuron if selection.layer == column.drawn else None
            column.set_selected_hidden(hidden)
        self._selected_edge = None
        if selection is not None and selection.kind == "edge":
            bundle = self.bundles[selection.layer]
            index = bundle.edge_index(selection.source, selection.neuron)
            if index is not None:
                self._selected_edge = (bundle, index)
        self._refresh_edge_emphasis()

    # ---- hit testing -------------------------------------------------------------------------

    def hit_test(self, scene_pos: QtCore.QPointF) -> Hit | None:
        """What is under a scene point: buttons first, then neurons, headers, edges, lanes."""
        layout = self.layout_geometry
        if layout is None:
            return None
        x, y = scene_pos.x(), scene_pos.y()
        hidden = self.hidden_range()
        gap = layout.gap_button_at(x, y)
        if gap is not None:
            return Hit("gap", gap)
        units = layout.unit_button_at(x, y, hidden)
        if units is not None:
            return Hit("units", units[0], delta=units[1])
        neuron = layout.neuron_at(x, y, slack=2.0)
        if neuron is not None:
            return Hit("neuron", neuron[0], neuron=neuron[1])
        header = layout.header_at(x, y)
        if header is not None:
            return Hit("header", header)
        edge = self.edge_at(scene_pos)
        if edge is not None:
            return Hit("edge", edge.layer, neuron=edge.neuron, source=edge.source)
        lane = layout.column_at(x, y)
        if lane is not None:
            return Hit("lane", lane)
        return None

    def edge_at(
        self, scene_pos: QtCore.QPointF, tolerance: float | None = None
    ) -> Selection | None:
        """The drawn edge nearest to a scene point (vectorised over all segments)."""
        layout = self.layout_geometry
        if layout is None or layout.layer_count < 2:
            return None
        if tolerance is None:
            tolerance = _EDGE_PICK_PIXELS / max(self.transform().m11(), 1e-6)
        x = scene_pos.x()
        # Only the bundle whose horizontal span holds the point can contain it.
        drawn = int(np.floor(x / layout.spacing)) + 1
        if not 1 <= drawn < layout.layer_count:
            return None
        bundle = self.bundles[drawn]
        # Only the edges painted can be picked.
        shown = bundle.shown
        found = nearest_segment(bundle.segments[shown], x, scene_pos.y(), tolerance)
        if found is None:
            return None
        index = int(shown[found[0]])
        return Selection("edge", drawn, int(bundle.targets[index]), int(bundle.sources[index]))

    def _neuron_label(self, drawn: int, neuron: int) -> str:
        """A neuron as the canvas labels it: an input by its name ("x1"), else its layer and
        number or output label ("Hidden 1 neuron 2", "Output y")."""
        count = len(self._network_spec().layers)
        names = (
            self.feature_names() if drawn == 0 else self.output_names() if drawn == count else []
        )
        if 0 <= neuron < len(names):
            return names[neuron] if drawn == 0 else f"{self.layer_title(drawn)} {names[neuron]}"
        return f"{self.layer_title(drawn)} neuron {neuron + 1}"

    def _edge_name(self, selection: Selection) -> str:
        """A connection as the weight matrix's element and in words, e.g. ``W2[3, 5]
        (Hidden 1 neuron 4 → Hidden 2 neuron 6)`` or ``W1[0, 1] (x1 → Hidden 1 neuron 2)``:
        matrices index from 0, as in the exported arrays; neurons are counted from 1, as the
        layers are, and inputs and outputs go by the names the canvas shows."""
        source, target = selection.source or 0, selection.neuron or 0
        before = self._neuron_label(selection.layer - 1, source)
        after = self._neuron_label(selection.layer, target)
        return f"W{selection.layer}[{source}, {target}] ({before} → {after})"

    def describe(self, selection: Selection | None) -> str:
        """Hover text for a neuron, edge or layer."""
        if selection is None:
            return ""
        weights = self._current_weights()
        if selection.kind == "edge":
            name = self._edge_name(selection)
            if weights is None:
                return f"{name}: not initialised yet"
            value = float(weights[selection.layer - 1][0][selection.source, selection.neuron])
            return f"{name} = {value:.3f}"
        if selection.kind == "neuron":
            return self._describe_neuron(selection.layer, selection.neuron, weights)
        text = self.layer_header(selection.layer)
        dropout = self._dropout(selection.layer)
        if dropout > 0:
            # Inverted dropout: the kept outputs are scaled up so their expectation is unchanged.
            text += (
                f" (while training, each output is dropped with probability {dropout:g} and "
                f"the kept ones are scaled by 1/{1 - dropout:g} = {1 / (1 - dropout):.3g})"
            )
            dropped = self.dropped_units(selection.layer)
            if dropped is not None:
                text += (
                    f"; the last training step dropped {int(dropped.sum()):,} of "
                    f"{dropped.size:,} for the first sample of its mini-batch"
                )
        return text

    def _dropout(self, drawn: int) -> float:
        """The dropout rate of a drawn layer (0 for the inputs and layers without)."""
        layers = self._network_spec().layers
        return float(layers[drawn - 1].dropout) if 0 < drawn <= len(layers) else 0.0

    def _describe_neuron(self, drawn: int, neuron: int, weights: Weights | None) -> str:
        parts = []
        if drawn == 0:
            name = self.feature_names()[neuron]
            head = f"Input {name} (neuron {neuron + 1})"
        else:
            head = f"{self.layer_title(drawn)}, neuron {neuron + 1}"
            if drawn == len(self.columns) - 1:
                head += f" ({self.output_names()[neuron]})"
            if weights is not None:
                parts.append(f"bias {float(weights[drawn - 1][1][neuron]):.3g}")
        frame = self._frame
        if frame is not None:
            probe = np.asarray(frame.probe_A[drawn])
            if probe.shape[0]:
                example = min(self._example, probe.shape[0] - 1)
                value = float(probe[example, neuron])
                if drawn == 0:
                    parts.append(self._input_value(name, example, neuron, value))
                else:
                    parts.append(f"activation {value:.3g} for the selected example")
            constant = self._constant_value(drawn, neuron)
            if constant is not None:
                parts.append(f"constant over the plane: {constant:.3g}")
        dropout = self._dropout(drawn)
        if dropout > 0:
            parts.append(f"dropped with probability {dropout:g} while training")
            dropped = self.dropped_units(drawn)
            if dropped is not None:
                parts.append(
                    f"{'dropped' if dropped[neuron] else 'kept'} in the last training step "
                    "(for the first sample of its mini-batch)"
                )
        return f"{head}: {', '.join(parts)}" if parts else head

    def _constant_value(self, drawn: int, neuron: int) -> float | None:
        """The output of a neuron whose heatmap over the plane is constant, else ``None``."""
        flat = self._constants.get(drawn)
        if flat is None or neuron >= flat[0].size or not flat[0][neuron]:
            return None
        return float(flat[1][neuron])

    def _input_value(self, name: str, example: int, neuron: int, standardised: float) -> str:
        """The selected example's value of an input: raw, as the Data dock shows it, and what
        the first layer reads when the inputs are standardised."""
        raw = getattr(self._frame, "probe_inputs", None)
        known = raw is not None and np.ndim(raw) == 2 and neuron < np.shape(raw)[1]
        if not known or example >= np.shape(raw)[0]:
            return f"input value {standardised:.3g} for the selected example"
        value = float(raw[example, neuron])
        if self.document.project.standardization is None:
            return f"{name} = {value:.3g} for the selected example"
        return f"{name} = {value:.3g} (standardised {standardised:.3g}) for the selected example"

    def hover_text(self, scene_pos: QtCore.QPointF) -> str:
        """Text describing what is under a scene point."""
        hit = self.hit_test(scene_pos)
        if hit is None:
            return ""
        if hit.kind == "gap":
            return "Insert a hidden layer here"
        if hit.kind == "units":
            return (
                f"{'Add a neuron to' if hit.delta > 0 else 'Remove a neuron from'} "
                f"{self.layer_title(hit.layer)}"
            )
        column = self.layout_geometry.columns[hit.layer]
        if hit.kind == "lane" and column.compact:
            if abs(scene_pos.y() - column.ellipsis_y) <= self.layout_geometry.ellipsis_height / 2:
                # Numbered from 1, as the neurons' own descriptions are.
                first = int(column.indices[COMPACT_HEAD - 1]) + 2
                last = int(column.indices[COMPACT_HEAD])
                return (
                    f"{column.omitted} more neurons of {self.layer_title(hit.layer)} "
                    f"({first}–{last} of {column.units}) are not drawn"
                )
        text = self.describe(hit.selection())
        if hit.kind in ("header", "lane") and column.compact:
            text += f" ({column.indices.size} of {column.units} neurons drawn)"
        if hit.kind == "header" and hit.layer in self.hidden_range():
            text += " · drag to reorder"
        return text

    # ---- edits -------------------------------------------------------------------------------

    def _edit_and_select(
        self, edit: Callable[[], bool], choose: Callable[[Selection | None], Selection | None]
    ) -> bool:
        """Run one of the canvas's own layer edits and select what it leads to.

        Parameters
        ----------
        edit : callable
            The edit; returns whether it was made.
        choose : callable
            Given the selection followed through the edit (``None``: it went with it), what
            to select after it. It is selected as the document renumbers the layers, before
            anything shows the new network, and announced even when the value is the same
            (the same number may name another layer now).

        Returns
        -------
        bool
            Whether the edit was made.
        """
        self._select_after_edit = choose
        try:
            changed = edit()
        finally:
            pending, self._select_after_edit = self._select_after_edit, None
        if changed and pending is not None:
            # Nothing was renumbered (a layer moved onto an identical one): the numbers
            # still name the same layers.
            self.select(choose(self._selection))
        return changed

    def add_layer_at_gap(self, gap: int) -> bool:
        """Insert a hidden layer between drawn columns ``gap`` and ``gap + 1``; it is selected."""
        if not self._may_change_network():
            return False
        return self._edit_and_select(
            lambda: self.document.add_layer(position=gap),
            lambda _followed: Selection("layer", gap + 1),
        )

    def insert_layer(self, drawn: int, after: bool) -> bool:
        """Insert a hidden layer before or after drawn layer ``drawn``."""
        count = len(self._network_spec().layers)
        position = drawn if after else drawn - 1
        if not 0 <= position <= count - 1:
            return False
        return self.add_layer_at_gap(position)

    def remove_layer(self, drawn: int) -> bool:
        """Remove a hidden layer (the input and output layers stay)."""
        if drawn not in self.hidden_range() or not self._may_change_network():
            return False

        def neighbour(_followed: Selection | None) -> Selection:
            # A neighbour takes the selection, so Delete can go on and the arrows start from
            # where the layer was: the next hidden layer (now in its place), else the one
            # before it, else the output layer.
            hidden = self.hidden_range()
            return Selection(
                "layer", drawn if drawn in hidden or drawn - 1 not in hidden else drawn - 1
            )

        return self._edit_and_select(lambda: self.document.remove_layer(drawn - 1), neighbour)

    def change_units(self, drawn: int, delta: int, neuron: int | None = None) -> bool:
        """Add or remove neurons of a hidden layer.

        Neurons are added at the end. Removing takes ``neuron``, by default the selected
        neuron when it is on this layer (else the last one), and selects the neuron that
        takes its place, or the layer's new last one: Delete and − go on from there.
        Undoing the removal of the selected neuron selects it again.
        """
        if drawn not in self.hidden_range() or not self._may_change_network():
            return False
        selection = self._selection
        if (
            neuron is None
            and delta < 0
            and selection is not None
            and selection.kind == "neuron"
            and selection.layer == drawn
        ):
            neuron = selection.neuron
        before = self.document.project
        if not self.document.change_units(drawn - 1, delta, neuron):
            return False
        removed = Selection("neuron", drawn, neuron)
        if delta < 0 and selection == removed and self.document.project is not before:
            # Its undo selects it again, as undoing a removed layer selects the layer.
            self._removed_neurons.append((before, self.document.project, removed))
        if delta < 0 and neuron is not None:
            units = self._network_spec().sizes[drawn]
            # Announced: the same number may stand for another neuron now.
            self.select(Selection("neuron", drawn, min(neuron, units - 1)), announce=True)
        return True

    def move_layer(self, drawn: int, target_drawn: int) -> bool:
        """Move a hidden layer to another hidden position (drawn indices)."""
        hidden = self.hidden_range()
        if drawn not in hidden or target_drawn not in hidden or drawn == target_drawn:
            return False
        if not self._may_change_network():
            return False

        def moved(followed: Selection | None) -> Selection:
            # A layer or neuron selected in the moved layer stays selected; else the layer.
            if followed is not None and followed.kind != "edge" and followed.layer == target_drawn:
                return followed
            return Selection("layer", target_drawn)

        return self._edit_and_select(
            lambda: self.document.move_layer(drawn - 1, target_drawn - 1), moved
        )

    def edit_value(self, selection: Selection | None) -> bool:
        """Ask for a new weight (edge) or bias (neuron) and apply it through the document.

        The dialog shows the value in full and reads what Properties › Weight w reads (see
        :class:`ValueDialog`); OK on the value as it was changes nothing (no undo step).

        Returns
        -------
        bool
            Whether the value changed.
        """
        if selection is None or selection.layer == 0 or selection.kind == "layer":
            return False
        if not self._editable:
            self.show_notice("Pause training to edit weights by hand.")
            return False
        weights = self.document.weights
        if not self._weights_fit(weights):
            self.show_notice("Initialise the network (Step or Reset) before editing its weights.")
            return False
        W, b = weights[selection.layer - 1]
        if selection.kind == "edge":
            held = W[selection.source, selection.neuron]
            title, what = "Edit weight", "a weight"
            label = f"{self._edge_name(selection)}:"  # as the hover text names it
            row: int | None = selection.source
        else:
            held = b[selection.neuron]
            title, what = "Edit bias", "a bias"
            label = f"Bias of {self._neuron_label(selection.layer, selection.neuron or 0)}:"
            row = None
        value = ValueDialog.ask(self, title, label, float(held), self.document, what)
        if value is None:
            return False
        typed = held.dtype.type(value)
        if typed == held and np.signbit(typed) == np.signbit(held):
            return False  # the value it has: no edit, no undo step
        return self.document.set_parameter(selection.layer - 1, row, selection.neuron, value)

    # ---- context menus -----------------------------------------------------------------------

    def context_menu_for(self, hit: Hit | None) -> QtWidgets.QMenu:
        """Build the context menu for what was right-clicked (also used by tests)."""
        menu = QtWidgets.QMenu(self)
        if hit is None or hit.kind == "gap":
            action = menu.addAction("Add layer")
            position = hit.layer if hit is not None else None
            action.triggered.connect(
                lambda: (
                    self.document.add_layer(position=position)
                    if position is None
                    else self.add_layer_at_gap(position)
                )
            )
            menu.addSeparator()
            menu.addAction("Fit view").triggered.connect(self.fit)
            return menu
        layer = hit.layer
        count = len(self._network_spec().layers)
        if hit.kind == "neuron":
            bias = menu.addAction("Edit bias…")
            bias.setEnabled(layer > 0 and self._editable and self.document.weights is not None)
            neuron = hit.neuron
            bias.triggered.connect(lambda: self.edit_value(Selection("neuron", layer, neuron)))
            menu.addAction("Select layer").triggered.connect(
                lambda: self.select(Selection("layer", layer))
            )
            return menu
        if hit.kind == "edge":
            weight = menu.addAction("Edit weight…")
            weight.setEnabled(self._editable and self.document.weights is not None)
            selection = hit.selection()
            weight.triggered.connect(lambda: self.edit_value(selection))
            menu.addAction("Select layer").triggered.connect(
                lambda: self.select(Selection("layer", layer))
            )
            return menu
        before = menu.addAction("Insert layer before")
        before.setEnabled(layer > 0)
        before.triggered.connect(lambda: self.insert_layer(layer, after=False))
        after = menu.addAction("Insert layer after")
        after.setEnabled(layer < count)
        after.triggered.connect(lambda: self.insert_layer(layer, after=True))
        remove = menu.addAction("Remove layer")
        remove.setEnabled(layer in self.hidden_range())
        remove.triggered.connect(lambda: self.remove_layer(layer))
        menu.addSeparator()
        add = menu.addAction("Add neuron")
        add.setEnabled(layer in self.hidden_range())
        add.triggered.connect(lambda: self.change_units(layer, 1))
        drop = menu.addAction("Remove neuron")
        drop.setEnabled(
            layer in self.hidden_range() and self._network_spec().layers[layer - 1].units > 1
        )
        drop.triggered.connect(lambda: self.change_units(layer, -1))
        menu.addSeparator()
        menu.addAction("Fit view").triggered.connect(self.fit)
        return menu

    def contextMenuEvent(self, event: QtGui.QContextMenuEvent) -> None:
        hit = self.hit_test(self.mapToScene(event.pos()))
        if hit is not None and hit.kind in ("neuron", "edge", "header", "lane"):
            self.select(hit.selection())
        menu = self.context_menu_for(hit)
        menu.exec(event.globalPos())
        menu.deleteLater()

    # ---- zoom and view -----------------------------------------------------------------------

    def fit(self) -> None:
        """Show the whole network (capped zoom so small networks stay crisp, not huge).

        The layout was planned for this view (see :meth:`rebuild`): fitted here, the drawing
        fills it and its text has the on-screen size it was planned for.
        """
        self._user_zoomed = False
        self._show_scroll_bars(False)
        drawing = self.content_rect()
        viewport = self.viewport().rect()
        if drawing.isEmpty() or viewport.width() < 2 or viewport.height() < 2:
            return
        # The legend and zoom buttons float over the bottom of the view: fit the drawing to
        # the screen above them (but never to less than two thirds of the view).
        room = self._fit_room()
        border = fit_margin(room)
        # A hair under the exact fit, so rounding never brings in scroll bars (which would
        # shrink the view, refit it and take them away again).
        scale = 0.995 * min(
            (viewport.width() - 2 * border) / drawing.width(),
            (room - 2 * border) / drawing.height(),
        )
        scale = max(_MIN_SCALE, min(scale, MAX_FIT_SCALE))
        self.setTransform(QtGui.QTransform.fromScale(scale, scale))
        margin = border / scale
        drawing = drawing.adjusted(-margin, -margin, margin, margin)
        rect = self._framed_rect()
        # The band below the drawing may only use the room the view has left.
        spare = max(viewport.height() / scale - drawing.height() - 2.0 / scale, 0.0)
        rect.setBottom(drawing.bottom() + min(rect.bottom() - drawing.bottom(), spare))
        self._scene.setSceneRect(rect)
        # Centred in the room above the overlays, not in the whole view.
        center = drawing.center()
        center.setY(center.y() + (viewport.height() - room) / 2 / scale)
        self.centerOn(center)

    def _fit_room(self) -> float:
        """Height (screen pixels) the drawing is fitted into: the view above the legend and
        zoom buttons floating over its bottom, but never less than two thirds of it."""
        height = self.viewport().height()
        return float(max(height - self._overlay_band(), height * 2 / 3))

    def _overlay_band(self) -> float:
        """Height (screen pixels) kept free at the bottom for the legend and zoom buttons."""
        inset = self._update_overlay_size()
        legend, bar = self.legend.height(), self.zoom_bar.height()
        if self._overlays_stacked:
            return float(legend + inset + bar + inset + 6)
        return float(max(legend, bar) + inset + 6)

    def _update_overlay_size(self) -> int:
        """Make the legend and zoom buttons compact on a short view; their inset (pixels).

        A short view gives the band below the drawing a third of its height with the
        regular key (three or four rows); the compact key takes one or two. A view too
        narrow for the regular key beside the zoom buttons gets the compact one too (it
        narrows its bar to fit), and one too narrow even for that has it above them.
        """
        viewport = self.viewport()
        compact = viewport.height() < _COMPACT_OVERLAY_HEIGHT
        bar = self.zoom_bar
        if bar.property("compact") != compact:
            bar.setProperty("compact", compact)
            bar.setStyleSheet(_zoom_bar_style(compact))
            bar.adjustSize()
        inset = _COMPACT_INSET if compact else _OVERLAY_INSET
        room = viewport.width() - bar.width() - 3 * inset
        legend = self.legend
        compact_key = compact or legend.regular_width() > room
        self._overlays_stacked = compact_key and legend.narrowest_compact_width() > room
        if self._overlays_stacked:
            room = viewport.width() - 2 * inset
        legend.set_compact(room if compact_key else None)
        return inset

    def _framed_rect(self) -> QtCore.QRectF:
        """The drawing with a margin, and a band below it for the legend and zoom buttons."""
        scale = max(self.transform().m11(), _MIN_SCALE)
        band = self._overlay_band() / scale
        margin = fit_margin(self._fit_room()) / scale
        return self.content_rect().adjusted(-margin, -margin, margin, margin + band)

    def zoom_by(self, factor: float) -> None:
        """Zoom in (> 1) or out (< 1), clamped to a sensible range."""
        current = self.transform().m11()
        target = max(_MIN_SCALE, min(current * factor, _MAX_SCALE))
        if target != current:
            self.scale(target / current, target / current)
            self._user_zoomed = True
            self._show_scroll_bars(True)

    def _show_scroll_bars(self, shown: bool) -> None:
        """Scroll bars as needed once the user zoomed; none while the drawing is fitted.

        A fitted drawing is meant to be seen whole. Scroll bars that came and went with it
        changed the room it was fitted into, and at a large font the canvas rebuilt its
        drawing for one room and then the other, endlessly, and the window froze. Dragging
        still pans a fitted drawing that cannot shrink enough to fit.
        """
        policy = (
            QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if shown
            else QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        if self.horizontalScrollBarPolicy() != policy:
            self.setHorizontalScrollBarPolicy(policy)
            self.setVerticalScrollBarPolicy(policy)

    @property
    def zoom(self) -> float:
        """Current scale factor (1 = 100 %)."""
        return self.transform().m11()

    def wheelEvent(self, event: QtGui.QWheelEvent) -> None:
        delta = event.angleDelta().y()
        if delta == 0:
            super().wheelEvent(event)
            return
        self.zoom_by(1.0015**delta)  # 120 units (one notch) zoom by ~20 %
        event.accept()

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        super().showEvent(event)
        self._relayout_if_reshaped()
        if not self._user_zoomed:
            self.fit()

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._relayout_if_reshaped()
        if not self._user_zoomed:
            self.fit()
        self._place_overlays()

    def drawBackground(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        # A dot grid in screen space from one opaque tiled pixmap (background colour included):
        # a single blending-free fill, however far zoomed out.
        painter.save()
        painter.resetTransform()
        origin = self.mapFromScene(QtCore.QPointF(0.0, 0.0))
        # Device pixels per pixel: the screen's, or an export's (render into a 2x image).
        brush = QtGui.QBrush(self._dot_tile(painter.deviceTransform().m11()))
        brush.setTransform(QtGui.QTransform.fromTranslate(origin.x(), origin.y()))
        painter.fillRect(self.viewport().rect(), brush)
        painter.restore()

    #: The dot grid's tile per device pixel ratio (windows on screens of different density).
    _tiles: ClassVar[dict[float, QtGui.QPixmap]] = {}

    @classmethod
    def _dot_tile(cls, ratio: float = 1.0) -> QtGui.QPixmap:
        """One cell of the background's dot grid, drawn at ``ratio`` device pixels per pixel
        (a tile drawn at 1 and scaled up showed square grey blocks on a 2x screen)."""
        ratio = round(max(ratio, 0.25), 3)
        tile = cls._tiles.get(ratio)
        if tile is None:
            step = int(_GRID_STEP)
            tile = QtGui.QPixmap(round(step * ratio), round(step * ratio))
            tile.setDevicePixelRatio(tile.width() / step)
            tile.fill(_BACKGROUND)
            painter = QtGui.QPainter(tile)
            painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(_GRID_DOT)
            painter.drawEllipse(QtCore.QPointF(step / 2, step / 2), 1.1, 1.1)
            painter.end()
            cls._tiles[ratio] = tile
        return tile

    def event(self, event: QtCore.QEvent) -> bool:
        kind = event.type()
        if getattr(self, "legend", None) is None:
            pass  # still being built
        elif kind == QtCore.QEvent.Type.DevicePixelRatioChange:
            # Moved to a screen of another density: cached pixmaps have the old one.
            self.drop_pixel_caches()
        elif kind in (QtCore.QEvent.Type.FontChange, QtCore.QEvent.Type.ApplicationFontChange):
            # Text, headers and the key are sized for the application font.
            self.legend.update_font()
            self.zoom_bar.setProperty("compact", None)
            self.rebuild()
        return super().event(event)

    def drop_pixel_caches(self) -> None:
        """Paint every cached item anew (its pixmap was made for another pixel ratio)."""
        for item in self._scene.items():
            mode = item.cacheMode()
            if mode != _NO_CACHE:
                # Turning the cache off discards its pixmap; back on, the next paint makes one
                # at the current ratio.
                item.setCacheMode(_NO_CACHE)
                item.setCacheMode(mode)
        self.legend.update()
        self.viewport().update()

    def _make_zoom_bar(self) -> QtWidgets.QFrame:
        """Small zoom out / fit / zoom in buttons floating in the bottom-right corner."""
        bar = QtWidgets.QFrame(self)
        bar.setObjectName("canvasZoomBar")
        bar.setProperty("compact", False)
        bar.setStyleSheet(_zoom_bar_style(False))
        row = QtWidgets.QHBoxLayout(bar)
        row.setContentsMargins(3, 2, 3, 2)
        row.setSpacing(0)
        for text, tip, slot in (
            ("−", "Zoom out (Ctrl+−, mouse wheel)", lambda: self.zoom_by(0.8)),
            ("Fit", "Show the whole network (F)", self.fit),
            ("+", "Zoom in (Ctrl++, mouse wheel)", lambda: self.zoom_by(1.25)),
        ):
            button = QtWidgets.QToolButton(bar)
            button.setText(text)
            button.setToolTip(tip)
            button.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            row.addWidget(button)
        bar.adjustSize()
        return bar

    def _place_overlays(self) -> None:
        band = self._overlay_band()
        if self._fitted_band is not None and band != self._fitted_band and not self._user_zoomed:
            # The legend grew or shrank: keep the drawing clear of it, planned for its room.
            self._relayout_if_reshaped()
            self.fit()
        self._fitted_band = band
        viewport = self.viewport().geometry()
        bar = self.zoom_bar
        inset = self._update_overlay_size()
        bar.move(viewport.right() - bar.width() - inset, viewport.bottom() - bar.height() - inset)
        # Above the zoom buttons when the view has no room for both side by side.
        above = bar.height() + inset if self._overlays_stacked else 0
        self.legend.move(
            viewport.left() + inset, viewport.bottom() - self.legend.height() - inset - above
        )
        self._keep_above_viewport(bar, self.legend)
        # Notices go in the band below the drawing (the room fit leaves free), over the key
        # and left of the zoom buttons: never over the lanes, their headers and buttons.
        free = viewport.height() - round(self._fit_room())
        self.notice_banner.set_area(
            QtCore.QRect(
                QtCore.QPoint(viewport.left() + inset, viewport.bottom() + 1 - free),
                QtCore.QPoint(bar.x() - inset, viewport.bottom() - inset),
            )
        )

    def _keep_above_viewport(self, *overlays: QtWidgets.QWidget) -> None:
        """Raise the overlays that lie below the viewport in the stacking order.

        Raising a widget repaints it even when it is on top already, and the overlays are
        placed at every frame: raising them unconditionally repainted the zoom buttons and
        the legend twice per frame.
        """
        children = self.children()
        viewport_at = children.index(self.viewport())
        for overlay in overlays:
            if children.index(overlay) < viewport_at:
                overlay.raise_()

    # ---- notices -----------------------------------------------------------------------------

    def show_notice(self, text: str) -> None:
        """Show a message over the canvas that fades after a few seconds (click to close)."""
        self.notice_banner.show_message(text, self._notice_context())

    # ---- mouse -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position()
        button = event.button()
        if button == QtCore.Qt.MouseButton.MiddleButton:
            self._press = {"mode": "pan", "last": pos, "start": pos, "hit": None}
            self.viewport().setCursor(QtCore.Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if button != QtCore.Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        self.setFocus(QtCore.Qt.FocusReason.MouseFocusReason)
        hit = self.hit_test(self.mapToScene(pos.toPoint()))
        draggable = (
            hit is not None
            and hit.kind == "header"
            and hit.layer in self.hidden_range()
            and len(self.hidden_range()) > 1
        )
        self._press = {
            "mode": "pending",
            "hit": hit,
            "start": pos,
            "last": pos,
            "draggable": draggable,
        }
        event.accept()

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        pos = event.position()
        press = self._press
        if press is None:
            self._update_hover(pos, event.globalPosition().toPoint())
            return
        if press["mode"] == "pending":
            moved = (pos - press["start"]).manhattanLength()
            if moved >= _DRAG_THRESHOLD:
                if press["draggable"]:
                    press["mode"] = "drag"
                    self._begin_layer_drag(press["hit"].layer)
                elif press["hit"] is None or press["hit"].kind in (
                    "lane",
                    "edge",
                    "neuron",
                    "header",
                ):
                    press["mode"] = "pan"
                    self.viewport().setCursor(QtCore.Qt.CursorShape.ClosedHandCursor)
        if press["mode"] == "pan":
            delta = pos - press["last"]
            self.horizontalScrollBar().setValue(
                self.horizontalScrollBar().value() - round(delta.x())
            )
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
        elif press["mode"] == "drag":
            self._update_layer_drag(pos)
        press["last"] = pos
        event.accept()

    def mouseReleaseEvent(self, event: QtGui.QMouseEvent) -> None:
        press = self._press
        self._press = None
        self.viewport().unsetCursor()
        if press is None:
            super().mouseReleaseEvent(event)
            return
        event.accept()
        if press["mode"] == "drag":
            self._finish_layer_drag(event.position())
            return
        if press["mode"] != "pending":
            return
        hit = press["hit"]
        if hit is None:
            self.select(None)
        elif hit.kind == "gap":
            self.add_layer_at_gap(hit.layer)
        elif hit.kind == "units":
            self.select(Selection("layer", hit.layer))
            self.change_units(hit.layer, hit.delta)
        else:
            self.select(hit.selection(), announce=True)

    def mouseDoubleClickEvent(self, event: QtGui.QMouseEvent) -> None:
        if event.button() != QtCore.Qt.MouseButton.LeftButton:
            super().mouseDoubleClickEvent(event)
            return
        hit = self.hit_test(self.mapToScene(event.position().toPoint()))
        event.accept()
        if hit is not None and hit.kind in ("neuron", "edge") and hit.layer > 0:
            self.select(hit.selection())
            self.edit_value(hit.selection())
        elif hit is not None and hit.kind in ("gap", "units"):
            # A quick second click on a button acts twice, like two single clicks.
            self.mousePressEvent(event)

    def leaveEvent(self, event: QtCore.QEvent) -> None:
        self._set_hover(None)
        super().leaveEvent(event)

    def _update_hover(self, pos: QtCore.QPointF, global_pos: QtCore.QPoint) -> None:
        scene_pos = self.mapToScene(pos.toPoint())
        hit = self.hit_test(scene_pos)
        self._set_hover(hit)
        text = self.hover_text(scene_pos)
        self._last_hover_pos = scene_pos
        self.hoverTextChanged.emit(text)
        if text:
            QtWidgets.QToolTip.showText(global_pos, text, self.viewport())
        else:
            QtWidgets.QToolTip.hideText()
        cursor = QtCore.Qt.CursorShape.ArrowCursor
        if hit is not None and hit.kind in ("gap", "units"):
            cursor = QtCore.Qt.CursorShape.PointingHandCursor
        elif hit is not None and hit.kind == "header" and hit.layer in self.hidden_range():
            cursor = QtCore.Qt.CursorShape.OpenHandCursor
        self.viewport().setCursor(cursor)

    def _refresh_hover_text(self) -> None:
        """Keep the hover text current while frames change the values under the mouse."""
        pos = getattr(self, "_last_hover_pos", None)
        if pos is None or self._hover_key is None:
            return
        text = self.hover_text(pos)
        self.hoverTextChanged.emit(text)
        if text and QtWidgets.QToolTip.isVisible():
            QtWidgets.QToolTip.showText(QtGui.QCursor.pos(), text, self.viewport())

    def _set_hover(self, hit: Hit | None) -> None:
        key = None if hit is None else (hit.kind, hit.layer, hit.neuron, hit.source, hit.delta)
        if key == self._hover_key:
            return
        self._hover_key = key
        for button in self.gap_buttons:
            button.set_hovered(hit is not None and hit.kind == "gap" and hit.layer == button.gap)
        for lane in self.lanes:
            lane.set_hovered_button(
                hit.delta
                if hit is not None and hit.kind == "units" and hit.layer == lane.drawn
                else None
            )
        for column in self.columns:
            position = None
            if hit is not None and hit.kind == "neuron" and hit.layer == column.drawn:
                position = column.column.position_of(hit.neuron)
            column.set_hovered_position(position)
        self._hovered_neuron = (
            (hit.layer, hit.neuron) if hit is not None and hit.kind == "neuron" else None
        )
        self._hovered_edge = None
        if hit is not None and hit.kind == "edge":
            bundle = self.bundles[hit.layer]
            index = bundle.edge_index(hit.source, hit.neuron)
            if index is not None:
                self._hovered_edge = (bundle, index)
        self._refresh_edge_emphasis()

    # ---- dragging a layer --------------------------------------------------------------------

    def _begin_layer_drag(self, drawn: int) -> None:
        self.lanes[drawn].dragging = True
        for item in (self.lanes[drawn], self.columns[drawn]):
            item.setZValue(item.zValue() + 10)
        for bundle in self.bundles[1:]:
            bundle.set_dimmed(True)
        layout = self.layout_geometry
        _x, y, _w, h = layout.lane_rect(drawn)
        indicator = QtWidgets.QGraphicsRectItem(-2.0, y, 4.0, h)
        indicator.setBrush(ACCENT)
        indicator.setPen(QtGui.QPen(QtCore.Qt.PenStyle.NoPen))
        indicator.setZValue(30)
        indicator.setVisible(False)
        self._scene.addItem(indicator)
        self._drop_indicator = indicator
        self._drag_layer = drawn
        self._dragging = True
        self._drag_origin = self.mapToScene(self._press["start"].toPoint()).x()

    def _drag_target(self, pos: QtCore.QPointF) -> int:
        layout = self.layout_geometry
        hidden = self.hidden_range()
        dx = self.mapToScene(pos.toPoint()).x() - self._drag_origin
        x = layout.columns[self._drag_layer].x + dx
        return hidden[layout.insertion_gap(x, hidden)]

    def _update_layer_drag(self, pos: QtCore.QPointF) -> None:
        dx = self.mapToScene(pos.toPoint()).x() - self._drag_origin
        for item in (self.lanes[self._drag_layer], self.columns[self._drag_layer]):
            item.setPos(dx, 0.0)
        target = self._drag_target(pos)
        indicator = self._drop_indicator
        if indicator is not None:
            layout = self.layout_geometry
            column_x = layout.columns[target].x
            side = 1 if target > self._drag_layer else -1
            indicator.setPos(column_x + side * (layout.lane_width / 2 + 10), 0.0)
            indicator.setVisible(target != self._drag_layer)

    def _finish_layer_drag(self, pos: QtCore.QPointF) -> None:
        source = self._drag_layer
        target = self._drag_target(pos)
        self._dragging = False
        moved = self.move_layer(source, target)
        # A layer moved onto an identical one leaves the network as it was: no rebuild puts
        # the lifted lane down, as it does after a real move.
        if not moved or self.lanes[source].dragging:
            # Nothing moved: put the dragged column back where it was.
            self.lanes[source].dragging = False
            for item in (self.lanes[source], self.columns[source]):
                item.setPos(0.0, 0.0)
                item.setZValue(item.zValue() - 10)
            self._refresh_edge_emphasis()
            if self._drop_indicator is not None:
                self._scene.removeItem(self._drop_indicator)
                self._drop_indicator = None
            self.lanes[source].update()

    # ---- keyboard ----------------------------------------------------------------------------

    def keyPressEvent(self, event: QtGui.QKeyEvent) -> None:
        key = event.key()
        Key = QtCore.Qt.Key
        modifiers = event.modifiers()
        ctrl = bool(modifiers & QtCore.Qt.KeyboardModifier.ControlModifier)
        selection = self._selection
        layer = selection.layer if selection is not None else None
        # Layer edits act on a selected layer or neuron, never on a selected connection.
        edited = layer if selection is not None and selection.kind != "edge" else None
        shift = bool(modifiers & QtCore.Qt.KeyboardModifier.ShiftModifier)
        count = len(self._network_spec().layers)
        handled = True
        if key in (Key.Key_Delete, Key.Key_Backspace) and edited is not None:
            if selection is not None and selection.kind == "neuron":
                # A selected neuron goes, not its whole layer (the last one stays).
                self.change_units(edited, -1)
            else:
                handled = self.remove_layer(edited) or edited not in self.hidden_range()
        elif key in (Key.Key_Plus, Key.Key_Equal) and not ctrl and edited is not None:
            self.change_units(edited, 1)
        elif key in (Key.Key_Minus, Key.Key_Underscore) and not ctrl and edited is not None:
            self.change_units(edited, -1)
        elif key in (Key.Key_Insert, Key.Key_L) and not ctrl:
            before = bool(modifiers & QtCore.Qt.KeyboardModifier.ShiftModifier)
            if layer is None:
                self.add_layer_at_gap(count - 1)
            elif before and layer > 0:
                self.insert_layer(layer, after=False)
            else:
                self.insert_layer(min(layer, count - 1), after=True)
        elif (
            key in (Key.Key_Left, Key.Key_Right)
            and shift
            and not ctrl
            and selection is not None
            and selection.kind != "layer"
        ):
            self._follow_connection(selection, forward=key == Key.Key_Right)
        elif (
            key in (Key.Key_Up, Key.Key_Down) and selection is not None and selection.kind == "edge"
        ):
            self._step_connection(selection, -1 if key == Key.Key_Up else 1)
        elif key in (Key.Key_Up, Key.Key_Down) and layer is None:
            # Nothing selected: start at the first hidden neuron.
            self.select(Selection("neuron", 1, 0))
        elif key in (Key.Key_Left, Key.Key_Right) and ctrl and edited is not None:
            step = -1 if key == Key.Key_Left else 1
            self.move_layer(edited, edited + step)
        elif key in (Key.Key_Left, Key.Key_Right):
            step = -1 if key == Key.Key_Left else 1
            target = 0 if layer is None else max(0, min(count, layer + step))
            self.select(Selection("layer", target))
        elif key in (Key.Key_Up, Key.Key_Down) and layer is not None:
            step = -1 if key == Key.Key_Up else 1
            units = self._network_spec().sizes[layer]
            current = (
                selection.neuron if selection.kind == "neuron" else (-1 if step > 0 else units)
            )
            self.select(Selection("neuron", layer, max(0, min(units - 1, current + step))))
        elif key in (Key.Key_Return, Key.Key_Enter) and selection is not None:
            self.edit_value(selection)
        elif key == Key.Key_Escape:
            self.select(None)
        elif key == Key.Key_F or (ctrl and key == Key.Key_0):
            self.fit()
        elif ctrl and key in (Key.Key_Plus, Key.Key_Equal):
            self.zoom_by(1.25)
        elif ctrl and key == Key.Key_Minus:
            self.zoom_by(0.8)
        else:
            handled = False
        if handled:
            event.accept()
            if self._selection != selection:
                # The status bar says what is selected now, as it does for what is hovered.
                self.hoverTextChanged.emit(self.describe(self._selection))
        else:
            super().keyPressEvent(event)

    def _follow_connection(self, selection: Selection, forward: bool) -> None:
        """Shift+→ / Shift+←: from a neuron onto its first outgoing / incoming connection,
        from a connection on to the neuron at its far end / back to the one at its near end.

        Together with ↑ / ↓ on a connection (see :meth:`_step_connection`), every weight can
        be reached, and edited with Enter, without the mouse.
        """
        sizes = self._network_spec().sizes
        if selection.kind == "neuron":
            neuron = selection.neuron or 0
            if forward and selection.layer + 1 < len(sizes):
                self._edge_anchor = (selection.layer + 1, "source", neuron)
                self.select(Selection("edge", selection.layer + 1, 0, neuron))
            elif not forward and selection.layer >= 1:
                self._edge_anchor = (selection.layer, "target", neuron)
                self.select(Selection("edge", selection.layer, neuron, 0))
        elif selection.kind == "edge":
            if forward:
                self.select(Selection("neuron", selection.layer, selection.neuron))
            else:
                self.select(Selection("neuron", selection.layer - 1, selection.source))

    def _step_connection(self, selection: Selection, step: int) -> None:
        """↑ / ↓ on a connection: the previous / next connection of the same neuron (the one
        it was reached from with Shift+arrow; the source neuron otherwise)."""
        sizes = self._network_spec().sizes
        layer = selection.layer
        source, target = selection.source or 0, selection.neuron or 0
        if self._edge_anchor == (layer, "target", target):
            source = max(0, min(sizes[layer - 1] - 1, source + step))
        else:
            target = max(0, min(sizes[layer] - 1, target + step))
            self._edge_anchor = (layer, "source", source)
        self.select(Selection("edge", layer, target, source))

    # ---- export ------------------------------------------------------------------------------

    def _render_clean(
        self, painter: QtGui.QPainter, target: QtCore.QRectF, source: QtCore.QRectF
    ) -> None:
        """Render the scene without the editing controls and selection marks."""
        selection = self._selection
        self._selection = None
        self._update_selection_visuals()
        self._set_hover(None)
        self.flush_edges()
        for button in self.gap_buttons:
            button.setVisible(False)
        # Vector output (SVG) must get strokes, not the screen's cached pixmaps.
        cached = [item for item in self._scene.items() if item.cacheMode() != _NO_CACHE]
        for item in cached:
            item.setCacheMode(_NO_CACHE)
        for lane in self.lanes:
            lane.show_controls = False
        try:
            self._scene.render(painter, target, source)
        finally:
            for item in cached:
                item.setCacheMode(_DEVICE_CACHE)
            for button in self.gap_buttons:
                button.setVisible(True)
            for lane in self.lanes:
                lane.show_controls = True
            self._selection = selection
            self._update_selection_visuals()
            self._hover_key = None  # the next mouse move restores the hover marks

    def grab(self, rectangle: QtCore.QRect | None = None) -> QtGui.QPixmap:
        """The widget as a pixmap, with every deferred edge recolour stroked first."""
        self.flush_edges()
        if rectangle is None:
            return super().grab()
        return super().grab(rectangle)

    def export_rect(self) -> QtCore.QRectF:
        """The scene rectangle exports cover: the whole drawing with a margin."""
        return self.content_rect().adjusted(-24, -24, 24, 24)

    def export_svg(self, path: str | Path) -> Path:
        """Write the whole network (current colours) as an SVG file.

        The drawing is rendered in memory and then written atomically, so a failed write
        (a full disk) raises and leaves an earlier file at ``path`` as it was.

        Raises
        ------
        NNStudioError
            When the drawing cannot be rendered or the file cannot be written (naming it and
            the reason).
        """
        from nnstudio.errors import NNStudioError
        from nnstudio.io.weights import atomic_write_bytes

        path = Path(path)
        source = self.export_rect()
        # QSvgGenerator reports no write errors of its own: render into memory and write the
        # bytes with Python's file I/O, where a full disk raises.
        buffer = QtCore.QBuffer()
        buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
        generator = QtSvg.QSvgGenerator()
        generator.setOutputDevice(buffer)
        size = QtCore.QSize(int(np.ceil(source.width())), int(np.ceil(source.height())))
        generator.setSize(size)
        generator.setViewBox(QtCore.QRectF(0, 0, size.width(), size.height()))
        generator.setTitle(self.document.project.name)
        generator.setDescription(self.document.project.network.describe())
        painter = QtGui.QPainter(generator)
        if not painter.isActive():
            raise NNStudioError(f"cannot write {path}: the drawing could not be rendered")
        painter.setRenderHints(self.renderHints())
        painter.fillRect(QtCore.QRectF(0, 0, size.width(), size.height()), QtGui.QColor("white"))
        self._render_clean(painter, QtCore.QRectF(0, 0, size.width(), size.height()), source)
        finished = painter.end()
        svg = bytes(buffer.data())
        buffer.close()
        if not finished or not svg.rstrip().endswith(b"</svg>"):
            raise NNStudioError(f"cannot write {path}: the drawing could not be rendered")
        atomic_write_bytes(path, svg)
        return path

    def render_image(self, scale: float = 2.0) -> QtGui.QImage:
        """The whole network rendered to an image at ``scale`` pixels per scene unit."""
        source = self.export_rect()
        width = max(1, int(np.ceil(source.width() * scale)))
        height = max(1, int(np.ceil(source.height() * scale)))
        image = QtGui.QImage(width, height, QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QtGui.QColor("white"))
        painter = QtGui.QPainter(image)
        painter.setRenderHints(self.renderHints())
        self._render_clean(painter, QtCore.QRectF(0, 0, width, height), source)
        painter.end()
        return image

    def export_png(self, path: str | Path, scale: float = 2.0) -> Path:
        """Write the whole network (current colours) as a PNG image.

        The image is encoded in memory and then written atomically, so a failed write (a
        full disk) raises and leaves an earlier file at ``path`` as it was.

        Raises
        ------
        NNStudioError
            When the image cannot be encoded or the file cannot be written (naming it and
            the reason).
        """
        from nnstudio.io.weights import atomic_write_bytes

        path = Path(path)
        atomic_write_bytes(path, png_bytes(self.render_image(scale), path))
        return path


def _rate(rate: float) -> str:
    """A dropout rate without its leading zero: ".2" for 0.2, ".05" for 0.05."""
    text = f"{rate:g}"
    return text[1:] if text.startswith("0.") else text


def _kept(items: list[Any], index: int, key: tuple) -> Any:
    """The item drawn at ``index`` before a rebuild when it looks as ``key`` says, or ``None``."""
    item = items[index] if index < len(items) else None
    return item if item is not None and item.key == key else None


def _settle(item: QtWidgets.QGraphicsItem, z: float) -> None:
    """Put a kept item back in its place and layer (a drag moves and raises them)."""
    if not item.pos().isNull():
        item.setPos(0.0, 0.0)
    if item.zValue() != z:
        item.setZValue(z)


def _label_design_width(sizes: tuple[int, ...], labels: list[str]) -> float:
    """Width of the widest label at the label font's size for UI scale 1."""
    if not labels:
        return 0.0
    plain = NetworkLayout(sizes)
    label_font = NeuronColumnItem.label_font(plain)
    metrics = QtGui.QFontMetricsF(label_font)
    widest = max(metrics.horizontalAdvance(text) for text in labels)
    return widest / plain.ui


def _label_extent(layout: NetworkLayout, labels: list[str]) -> float:
    """How far an outer lane must widen to hold its labels beside the neurons, clear of
    them and of the lane's edge."""
    base = NeuronColumnItem.label_font(layout)
    metrics = QtGui.QFontMetricsF(base)
    widest = max((metrics.horizontalAdvance(text) for text in labels), default=0.0)
    planned = layout.planned_scale
    if planned:
        # Drawn enlarged to a readable size at the zoom planned (see label_font_at).
        size = float(base.pixelSize())
        widest *= max(size, MIN_TEXT_PIXELS * layout.text_scale / planned) / size
    edge = max(14.0, LABEL_GAP_PIXELS / 2 / planned) if planned else 14.0
    needed = min(widest, layout.label_width - 10) + NeuronColumnItem.label_gap(layout) + edge
    room = layout.lane_width / 2.0 - layout.neuron_size / 2.0
    return needed - room  # negative: room to spare (see NetworkLayout.set_label_extents)


def _grid_activations(frame: Any) -> tuple | None:
    """Per-layer outputs over the input plane (``(G, G, units)`` each), or ``None``."""
    grid = getattr(frame, "grid", None)
    values = getattr(grid, "grid_A", None) if grid is not None else None
    if values is None:
        values = getattr(frame, "grid_A", None)
    return values


def _grid_heatmaps(frame: Any) -> tuple | None:
    """Per-layer ready-coloured heatmap pixels (``(units, G, G)`` uint32 each), or ``None``."""
    heatmaps = getattr(getattr(frame, "grid", None), "heatmaps", None)
    return tuple(heatmaps) if heatmaps else None


__all__ = ["EDGE_STROKE_BUDGET", "MAX_EDGES_PER_BUNDLE", "Hit", "NetworkCanvas"]
