"""Geometry of the network drawing: where every column, neuron, header and edge goes.

Pure NumPy and plain floats (no Qt), so the canvas items only paint and the view only asks
questions (which neuron is under this point? which edge is nearest?) answered here in a
vectorised way.

Coordinates are scene units (pixels at 100 % zoom). Columns are drawn layers: 0 is the input
layer and ``k >= 1`` is ``network.layers[k - 1]``. A layer wider than :data:`COMPACT_THRESHOLD`
neurons is drawn compactly: its first :data:`COMPACT_HEAD` and last :data:`COMPACT_TAIL` neurons
with an ellipsis slot between them, and only those neurons get edges. In a view too small to
show every neuron of a narrower layer at a readable size (see :data:`READABLE_NEURON_PIXELS`),
that layer is drawn compactly too.

Every column has a neuron size of its own: the tallest column decides the zoom, and the
others (the inputs and a one-neuron output beside a 16-unit hidden layer) grow into the
height they leave free, up to :func:`grown_neuron_cap`, within their lane.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Layers wider than this are drawn as a sample of their neurons.
COMPACT_THRESHOLD = 32
#: Neurons drawn at the start and at the end of a compact layer.
COMPACT_HEAD = 12
COMPACT_TAIL = 4
#: Neurons (on screen, pixels) smaller than this in a fitted view make a layer of
#: ``COMPACT_HEAD + COMPACT_TAIL + 2`` to :data:`COMPACT_THRESHOLD` units compact when that
#: makes them clearly larger (see :data:`_COMPACT_GAIN`): at 24 or 32 units all drawn, neurons
#: were slivers of 6 px, smaller than those of a 64-unit layer drawn compactly.
READABLE_NEURON_PIXELS = 14.0
#: Compact drawing pays (neurons hidden behind "N more") only when the full drawing's
#: neurons would be smaller than this share of the compact drawing's.
_COMPACT_GAIN = 0.85
#: Share of :data:`READABLE_NEURON_PIXELS` the compact drawing's neurons must reach.
_COMPACT_LEAST = 0.5
#: Room between the neurons of a column grown beyond the tallest's size, over their side.
_GROWN_GAP = 0.35
#: A column's neurons grow beyond the tallest's only when that makes them this much larger.
_LEAST_GROWTH = 1.2

# Sizes at UI scale 1 (scene units); tall networks scale them up, see ``NetworkLayout.ui``.
HEADER_HEIGHT = 58.0
#: Header of a narrow lane: the − / + buttons get a row of their own under the subtitle.
HEADER_STACKED_HEIGHT = 80.0
#: Lanes narrower than this (pixels at UI scale 1) stack their header (see above).
STACK_WIDTH = 120.0
LANE_PADDING = 14.0
COLUMN_GAP = 118.0
BUTTON_RADIUS = 9.0
GAP_BUTTON_RADIUS = 11.0
BIAS_RADIUS = 5.5
LABEL_WIDTH = 118.0
#: Widest room for feature and class labels (pixels at UI scale 1) in a view with width to
#: spare: long names are shown whole, or less shortened, before the gaps spread further.
LABEL_WIDTH_MAX = 300.0
#: Smallest room (screen pixels) between a neuron and its label (half of it between the
#: label and the lane's outer edge): a zoomed-out drawing would bring them within a pixel.
LABEL_GAP_PIXELS = 5.0
#: Smallest on-screen size of feature and class labels (see ``items.MIN_TEXT_PIXELS``).
LABEL_MIN_PIXELS = 10.0
LANE_WIDTH = 128.0
#: Narrowest lane and gap (pixels at UI scale 1) before the text of a view's plan shrinks.
LANE_MIN = 84.0
GAP_MIN = 34.0
#: Height of the "N more" slot of a compact column, so its marker's text is readable.
MORE_SLOT = 34.0
#: Row distance below which a short column spreads its neurons (labels need the room).
ROW_MIN = 15.0
#: Empty border (screen pixels) around the drawing when it is fitted to the view.
FIT_MARGIN = 12.0
#: The border of a view too short for the regular headers (see :func:`fit_margin`).
COMPACT_FIT_MARGIN = 6.0
#: Height (screen pixels) of the room for the drawing below which headers are compact: a
#: regular header would take a third of it from the neurons.
COMPACT_ROOM = 260.0
#: Largest zoom a fit uses, so a tiny network is not blown up to poster size.
MAX_FIT_SCALE = 1.6
#: Smallest scale of the text a view's plan accepts before narrowing lanes beyond the
#: comfortable (titles elide instead of shrinking further).
_MIN_CHROME = 0.8
#: Share of a view's height the neurons keep at least, below headers however large their text.
_MIN_NEURON_SHARE = 1 / 3
#: Column height (scene units) up to which headers and labels keep their base size.
_COMFORT_HEIGHT = 520.0
#: Largest scale of headers and labels (beyond it they would crowd the neurons).
_MAX_UI = 2.6
#: Rows closer than this on screen (pixels) pack their neurons closer together: the gap
#: between tiny neurons is worth more as neuron.
_TIGHT_ROW = 7.0
#: Row pitch over neuron side of packed rows.
_TIGHT_RATIO = 1.12
#: Largest row pitch over neuron side of a network whose neurons the view's width limits.
_SPREAD_PITCH = 3.0
#: Share of a lane narrowed by the width left beside its neurons: bias dot, selection ring,
#: and the edges' run between columns.
_NARROW_LANE_ROOM = 0.3
#: Neurons smaller than this on screen (pixels) under regular headers take compact ones
#: when that makes them clearly larger.
_SMALL_NEURON = 12.0


@dataclass(frozen=True)
class HeaderStyle:
    """Sizes of lane headers, buttons and the room around the neurons (at UI scale 1).

    Attributes
    ----------
    height, stacked_height : float
        Header height with the − / + buttons on the subtitle's row, and below it.
    title_top : float
        Top of the title below the header's top.
    title_size, subtitle_size : float
        Base pixel sizes of the title (bold) and the subtitle.
    lines_room : float
        Height the title and subtitle rows share.
    subtitle_line : float
        Middle of the subtitle's row (and of the − / + buttons beside it).
    button_line : float
        Middle of the button row of a stacked header.
    button_radius, gap_button_radius : float
        Radii of the − / + buttons and of the "+ layer" buttons between lanes.
    gap_button_line : float
        Middle of the "+ layer" buttons below the header's top.
    button_edge, text_gap : float
        Room between a lane's edge and its button, and between a button and the subtitle.
    padding : float
        Room between the header and the neurons, and below the neurons.
    lane_width, lane_min, stack_width, gap_min, column_gap : float
        Comfortable and narrowest lane, lane width below which headers stack, narrowest and
        comfortable gap between lanes.
    more_slot : float
        Height of the "N more" slot of a compact column.
    """

    height: float
    stacked_height: float
    title_top: float
    title_size: float
    subtitle_size: float
    lines_room: float
    subtitle_line: float
    button_line: float
    button_radius: float
    gap_button_radius: float
    gap_button_line: float
    button_edge: float
    text_gap: float
    padding: float
    lane_width: float
    lane_min: float
    stack_width: float
    gap_min: float
    column_gap: float
    more_slot: float


#: Headers of a view with room: title, then subtitle between the − and + buttons.
REGULAR_HEADER = HeaderStyle(
    height=HEADER_HEIGHT,
    stacked_height=HEADER_STACKED_HEIGHT,
    title_top=5.0,
    title_size=13.0,
    subtitle_size=11.5,
    lines_room=HEADER_HEIGHT - 12.0,
    subtitle_line=40.0,
    button_line=62.0,
    button_radius=BUTTON_RADIUS,
    gap_button_radius=GAP_BUTTON_RADIUS,
    gap_button_line=22.0,
    button_edge=8.0,
    text_gap=6.0,
    padding=LANE_PADDING,
    lane_width=LANE_WIDTH,
    lane_min=LANE_MIN,
    stack_width=STACK_WIDTH,
    gap_min=GAP_MIN,
    column_gap=COLUMN_GAP,
    more_slot=MORE_SLOT,
)
#: Headers of a short view (see :data:`COMPACT_ROOM`), or of neurons that would otherwise be
#: small (see ``_SMALL_NEURON``): two tight rows, smaller buttons and less room around the
#: neurons, so the neurons get the height.
COMPACT_HEADER = HeaderStyle(
    height=31.0,
    stacked_height=43.0,
    title_top=2.0,
    title_size=10.5,
    subtitle_size=9.5,
    lines_room=28.0,
    subtitle_line=22.0,
    button_line=35.0,
    button_radius=6.0,
    # Beside the title row only, so subtitles may reach over the gaps below them.
    gap_button_radius=6.5,
    gap_button_line=9.5,
    button_edge=3.0,
    text_gap=3.0,
    padding=4.0,
    lane_width=112.0,
    lane_min=62.0,
    stack_width=70.0,
    gap_min=24.0,
    column_gap=96.0,
    more_slot=24.0,
)


def fit_margin(room_height: float) -> float:
    """Empty border (screen pixels) around a drawing fitted into ``room_height`` pixels."""
    return COMPACT_FIT_MARGIN if room_height < COMPACT_ROOM else FIT_MARGIN


def header_style(room_height: float | None) -> HeaderStyle:
    """The headers of a drawing fitted into ``room_height`` pixels (``None``: no view)."""
    if room_height is not None and room_height < COMPACT_ROOM:
        return COMPACT_HEADER
    return REGULAR_HEADER


def sample_indices(units: int, compact: bool | None = None) -> np.ndarray:
    """Neuron indices drawn for a layer of ``units`` neurons.

    Parameters
    ----------
    units : int
    compact : bool, optional
        Whether the layer is drawn compactly; by default, when it is wider than
        :data:`COMPACT_THRESHOLD` (a fitted layout may draw narrower layers compactly too,
        see :attr:`ColumnGeometry.indices`).

    Returns
    -------
    ndarray of int64, shape (k,)
        ``0 .. units-1`` for a small layer; the first :data:`COMPACT_HEAD` and last
        :data:`COMPACT_TAIL` for a compact one.
    """
    if compact is None:
        compact = units > COMPACT_THRESHOLD
    if not compact or units <= COMPACT_HEAD + COMPACT_TAIL:
        return np.arange(units, dtype=np.int64)
    return np.concatenate([np.arange(COMPACT_HEAD), np.arange(units - COMPACT_TAIL, units)]).astype(
        np.int64
    )


def neuron_size_for(slots: int) -> float:
    """Side of a neuron square given the tallest column's slot count (big when few)."""
    if slots <= 6:
        return 52.0
    if slots <= 10:
        return 44.0
    if slots <= 14:
        return 36.0
    if slots <= 20:
        return 32.0
    return 26.0


def grown_neuron_cap(view_height: float) -> float:
    """Largest side (screen pixels) a neuron grows to in a column shorter than the tallest.

    A picture of the decision region, not a poster: about a fifth of the view's height,
    between 48 and 80 pixels. (Columns are never drawn smaller than the tallest's neurons.)
    """
    return float(np.clip(0.2 * view_height, 48.0, 80.0))


@dataclass(frozen=True)
class ColumnGeometry:
    """One drawn layer.

    Attributes
    ----------
    drawn : int
        Drawn layer index (0 = inputs).
    units : int
        Number of neurons in the layer.
    indices : ndarray of int64, shape (k,)
        Neuron indices drawn, in order.
    centers_y : ndarray of float64, shape (k,)
        Vertical centre of each drawn neuron.
    x : float
        Horizontal centre of the column.
    ellipsis_y : float or None
        Centre of the "more neurons" marker of a compact layer.
    pitch : float
        Distance between neighbouring neurons (a column shorter than the tallest may spread
        its neurons further apart than the layout's ``pitch``).
    neuron_size : float
        Side of this column's neuron squares: the layout's ``neuron_size`` in the tallest
        column, larger in a column with height to spare.
    """

    drawn: int
    units: int
    indices: np.ndarray
    centers_y: np.ndarray
    x: float
    ellipsis_y: float | None
    pitch: float = 0.0
    neuron_size: float = 0.0

    @property
    def compact(self) -> bool:
        """Whether only a sample of the neurons is drawn."""
        return self.ellipsis_y is not None

    @property
    def omitted(self) -> int:
        """Number of neurons not drawn."""
        return self.units - int(self.indices.size)

    def position_of(self, neuron: int) -> int | None:
        """Position of ``neuron`` among the drawn ones, or ``None`` when it is not drawn."""
        hits = np.flatnonzero(self.indices == neuron)
        return int(hits[0]) if hits.size else None


class NetworkLayout:
    """Positions of all columns, neurons, headers and edges for a list of layer widths.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths including the input layer, e.g. ``(2, 8, 8, 1)``.
    aspect : float, optional
        Width / height of the view the drawing will be fitted to: columns spread to fill it.
    view_height : float, optional
        Height of that view in pixels. With ``aspect``, the layout is planned for the view:
        neurons fill its height, and headers, buttons and labels are sized so their text has
        a readable size on screen once the drawing is fitted (see :meth:`_fit_to_view`).
    label_widths : (float, float), optional
        Widths of the widest input and output label at the label font's base size, so the
        plan leaves them room beside the first and last columns.
    text_scale : float, optional
        On-screen size of the headers, buttons and labels (and their text) over their size
        with the default application font (see :func:`~nnstudio.ui.canvas.items.text_scale`).
    """

    def __init__(
        self,
        sizes: tuple[int, ...] | list[int],
        aspect: float | None = None,
        view_height: float | None = None,
        label_widths: tuple[float, float] | None = None,
        text_scale: float = 1.0,
    ):
        self.sizes = tuple(int(s) for s in sizes)
        #: Size of the text and controls over their default-font size (on screen).
        self.text_scale = float(text_scale)
        compact = [units > COMPACT_THRESHOLD for units in self.sizes]
        self._plan(compact, aspect, view_height, label_widths)
        scale = self.planned_scale
        candidates = [
            drawn
            for drawn, units in enumerate(self.sizes)
            if not compact[drawn] and units > COMPACT_HEAD + COMPACT_TAIL + 1
        ]
        if scale is None or not candidates:
            return
        # Layers of 18 to 32 units: drawn whole in a view too small for them, their neurons
        # would be slivers (smaller than a 64-unit layer's, drawn compactly). Compact when
        # that makes them clearly larger and they would be small otherwise.
        full = {d: self.columns[d].neuron_size * scale for d in candidates}
        if min(full.values()) >= READABLE_NEURON_PIXELS:
            return
        trial = [packed or drawn in full for drawn, packed in enumerate(compact)]
        self._plan(trial, aspect, view_height, label_widths)
        assert self.planned_scale is not None
        packed_pixels = {d: self.columns[d].neuron_size * self.planned_scale for d in candidates}
        chosen = [
            packed
            or (
                drawn in full
                and full[drawn] < READABLE_NEURON_PIXELS
                and full[drawn] < _COMPACT_GAIN * packed_pixels[drawn]
                # Hiding neurons pays only for a readable drawing (in a tiny view neither is).
                and packed_pixels[drawn] >= _COMPACT_LEAST * READABLE_NEURON_PIXELS
            )
            for drawn, packed in enumerate(compact)
        ]
        if chosen != trial:
            self._plan(chosen, aspect, view_height, label_widths)

    def _plan(
        self,
        compact: list[bool],
        aspect: float | None,
        view_height: float | None,
        label_widths: tuple[float, float] | None,
    ) -> None:
        """Lay the columns out, those flagged in ``compact`` drawn compactly (see
        :class:`NetworkLayout` for the other parameters)."""
        indices = [
            sample_indices(units, packed) for units, packed in zip(self.sizes, compact, strict=True)
        ]
        compact = [
            packed and idx.size < units
            for packed, idx, units in zip(compact, indices, self.sizes, strict=True)
        ]
        slot_counts = [idx.size + int(packed) for idx, packed in zip(indices, compact, strict=True)]
        self.max_slots = max(slot_counts)
        #: Side of the tallest column's neurons (scene units); shorter columns may have
        #: larger ones (see :meth:`neuron_side`).
        self.neuron_size = neuron_size_for(self.max_slots)
        # Tall columns pack neurons closer so the whole network stays legible when fitted.
        gap_ratio = 0.42 if self.max_slots <= 10 else 0.3
        self.pitch = self.neuron_size + max(8.0, gap_ratio * self.neuron_size)
        count = len(self.sizes)
        rows = [int(idx.size) for idx in indices]
        view_width = None if aspect is None or view_height is None else aspect * view_height
        #: Sizes of the headers and of the room around the neurons.
        self.style = header_style(view_height if view_width is not None else None)
        style = self.style
        solved = None
        if view_width is not None and view_height is not None:
            solved = self._fit_to_view(view_width, view_height, rows, compact, label_widths)
            if (
                solved is not None
                and self.style is REGULAR_HEADER
                and solved[7] * self.neuron_size < _SMALL_NEURON
            ):
                # Small neurons under regular headers: compact headers give them the height
                # when that makes them clearly larger.
                self.style = COMPACT_HEADER
                tighter = self._fit_to_view(view_width, view_height, rows, compact, label_widths)
                if tighter is not None and tighter[7] > 1.1 * solved[7]:
                    solved = tighter
                else:
                    self.style = REGULAR_HEADER
            style = self.style
        if solved is None:
            # No view to fit (or too small to plan for): the sizes of a comfortable zoom.
            column_height = self.max_slots * self.pitch
            #: Scale of headers, buttons and labels: a tall network is shown zoomed out, so
            #: its text is drawn larger in scene units to stay readable on screen.
            ui = float(np.clip(column_height / _COMFORT_HEIGHT, 1.0, _MAX_UI)) * self.text_scale
            lane_width = max(style.lane_width * ui, self.neuron_size + 56.0)
            gap = style.column_gap * ui
            row_pitch, neuron_sizes = self._grow_columns(
                rows,
                compact,
                [self.pitch] * count,
                self.pitch,
                max(style.more_slot * ui, self.pitch),
                min(neuron_size_for(1), lane_width - 56.0),
            )
        label_width = LABEL_WIDTH
        if solved is not None:
            ui, lane_width, gap, row_pitch, stacked, self.pitch, label_width, fitted = solved[:8]
            neuron_sizes = solved[8]
        #: The zoom the layout was planned for (screen pixels per scene unit), if any.
        self.planned_scale: float | None = None if solved is None else fitted
        self.ui = ui
        #: Whether headers put their − / + buttons on a row below the subtitle.
        self.stacked_header = solved is not None and stacked
        self.header_height = (style.stacked_height if self.stacked_header else style.height) * ui
        self.button_radius = style.button_radius * ui
        self.gap_button_radius = style.gap_button_radius * ui
        #: Room for a feature or class label beside its column (scene units).
        self.label_width = label_width * ui
        self.lane_width = lane_width
        #: Height of the "N more" slot of a compact column: room for its marker's text.
        self.ellipsis_height = max(self.pitch, style.more_slot * ui)
        heights = [
            n * pitch + (self.ellipsis_height if packed else 0.0)
            for n, pitch, packed in zip(rows, row_pitch, compact, strict=True)
        ]
        column_height = max(max(heights), self.pitch)
        self.body_top = -column_height / 2.0
        self.body_bottom = column_height / 2.0
        self.lane_top = self.body_top - self.header_height - style.padding * ui
        self.lane_bottom = self.body_bottom + style.padding * ui
        self.spacing = self.lane_width + gap
        self.columns: list[ColumnGeometry] = []
        for drawn, (units, idx, pitch, height, packed, side) in enumerate(
            zip(self.sizes, indices, row_pitch, heights, compact, neuron_sizes, strict=True)
        ):
            if packed:
                top = -height / 2.0
                head = top + (np.arange(COMPACT_HEAD, dtype=float) + 0.5) * pitch
                ellipsis_y: float | None = top + COMPACT_HEAD * pitch + self.ellipsis_height / 2
                tail_top = top + COMPACT_HEAD * pitch + self.ellipsis_height
                tail = tail_top + (np.arange(COMPACT_TAIL, dtype=float) + 0.5) * pitch
                centers = np.concatenate([head, tail])
            else:
                centers = (np.arange(idx.size, dtype=float) - (idx.size - 1) / 2.0) * pitch
                ellipsis_y = None
            self.columns.append(
                ColumnGeometry(
                    drawn,
                    units,
                    idx,
                    centers,
                    drawn * self.spacing,
                    ellipsis_y,
                    float(pitch),
                    float(side),
                )
            )

    def _grow_columns(
        self,
        rows: list[int],
        compact: list[bool],
        row_pitch: list[float],
        pitch: float,
        more_slot: float,
        cap: float,
    ) -> tuple[list[float], list[float]]:
        """Neuron sizes and row distances of columns shorter than the tallest.

        Each column's neurons grow into the height the tallest column leaves it, up to
        ``cap`` (scene units), never below the layout's ``neuron_size``: beside a 16-unit
        hidden layer the two inputs and a one-neuron output are pictures, not thumbnails.
        Compact columns keep the layout's size.

        Parameters
        ----------
        rows, compact : list
            Drawn neurons per column and whether it has a "more" slot.
        row_pitch : list of float
            Row distance per column so far.
        pitch : float
            Row distance of the tallest column.
        more_slot : float
            Height of a compact column's "more" slot.
        cap : float
            Largest neuron side (scene units).

        Returns
        -------
        row_pitch, sizes : list of float
        """
        base = self.neuron_size
        tallest = max(
            n * pitch + (more_slot if packed else 0.0)
            for n, packed in zip(rows, compact, strict=True)
        )
        pitches, sizes = [], []
        for n, packed, current in zip(rows, compact, row_pitch, strict=True):
            side = base
            if not packed and n > 0:
                side = float(np.clip(tallest / n / (1.0 + _GROWN_GAP), base, max(base, cap)))
                if side < _LEAST_GROWTH * base:
                    side = base  # a few pixels larger would look like a mistake
            if side > base:
                # Rows as close as the grown neurons allow (centred), or spread as before.
                current = max(current, min(side * (1.0 + _GROWN_GAP), tallest / n))
            pitches.append(float(current))
            sizes.append(side)
        return pitches, sizes

    def _fit_to_view(
        self,
        view_width: float,
        view_height: float,
        rows: list[int],
        compact: list[bool],
        label_widths: tuple[float, float] | None,
    ) -> tuple[float, float, float, list[float], bool, float, float, float, list[float]] | None:
        """Sizes that fill a view of ``view_width`` x ``view_height`` pixels once fitted.

        The neurons (scene units) are scaled to fill the view's height; headers, buttons,
        labels and gaps are sized in screen pixels (``ui`` = their scene units per pixel at
        the fitted zoom), so their text keeps a readable size whatever the network's height.
        When the columns are too many for the width, lanes narrow first, then the text
        shrinks a little (down to :data:`_MIN_CHROME`), and only then do neurons shrink.
        Rows that would be closer than :data:`_TIGHT_ROW` pixels on screen pack their
        neurons closer together (a smaller gap, larger neurons). Columns shorter than the
        tallest grow their neurons into the height they have (see :meth:`_grow_columns`),
        and the first and last column's labels are given room beside their grown neurons.

        Returns
        -------
        tuple or None
            ``(ui, lane_width, gap, row_pitch, stacked, pitch, label_width, scale, sizes)``:
            sizes in scene units, whether the headers stack their buttons, the distance
            between neighbouring neurons of the tallest column, the room for labels (pixels
            at UI scale 1), the zoom of the fit and each column's neuron side; ``None`` for
            a view too small to plan for.
        """
        margin = fit_margin(view_height)
        width = view_width - 2 * margin
        height = view_height - 2 * margin
        if width < 120 or height < 100:
            return None
        style = self.style
        cap_pixels = grown_neuron_cap(height)

        def solve(
            outer: tuple[float, float] | None,
        ) -> tuple[float, float, float, float, bool, float, float]:
            solved = self._solve_view(width, height, rows, compact, label_widths, self.pitch, outer)
            if solved[0] * self.pitch < _TIGHT_ROW:
                tight = self.neuron_size * _TIGHT_RATIO
                solved = self._solve_view(width, height, rows, compact, label_widths, tight, outer)
            return solved

        def grow(
            solved: tuple[float, float, float, float, bool, float, float],
        ) -> tuple[list[float], list[float]]:
            scale, chrome, lane, _gap, _stacked, pitch, _label_width = solved
            ui = chrome / scale
            more_slot = max(pitch, style.more_slot * ui)
            # Columns with fewer neurons than the tallest spread them out when rows would be
            # too close on screen for their labels (within the tallest column's height).
            tallest = max(
                n * pitch + (more_slot if packed else 0.0)
                for n, packed in zip(rows, compact, strict=True)
            )
            row_pitch = []
            for n, packed in zip(rows, compact, strict=True):
                wanted = pitch
                if not packed and pitch * scale < ROW_MIN * chrome:
                    wanted = min(ROW_MIN * chrome / scale, tallest / max(n, 1))
                row_pitch.append(max(pitch, wanted))
            # Grown neurons keep the lane's usual room beside them (bias dots, rings).
            cap = min(cap_pixels / scale, lane / scale - 56.0)
            return self._grow_columns(rows, compact, row_pitch, pitch, more_slot, cap)

        solved = solve(None)
        row_pitch, sizes = grow(solved)
        scale = solved[0]
        outer = (sizes[0] * scale, sizes[-1] * scale)
        if max(outer) > self.neuron_size * scale + 0.5:
            # Larger neurons in the first or last column leave their labels less of the
            # lane: plan the width again with the room they need.
            solved = solve(outer)
            row_pitch, sizes = grow(solved)
            scale = solved[0]
            # No larger than the labels were given room for.
            sizes[0] = max(self.neuron_size, min(sizes[0], outer[0] / scale))
            sizes[-1] = max(self.neuron_size, min(sizes[-1], outer[1] / scale))
        scale, chrome, lane, gap, stacked, pitch, label_width = solved
        ui = chrome / scale
        return (
            ui,
            lane / scale,
            gap / scale,
            row_pitch,
            stacked,
            pitch,
            label_width,
            scale,
            sizes,
        )

    def _solve_view(
        self,
        width: float,
        height: float,
        rows: list[int],
        compact: list[bool],
        label_widths: tuple[float, float] | None,
        pitch: float,
        outer: tuple[float, float] | None = None,
    ) -> tuple[float, float, float, float, bool, float, float]:
        """Zoom, text scale, lane and gap (pixels) that fit ``width`` x ``height`` pixels
        with neurons ``pitch`` apart (scene units); see :meth:`_fit_to_view`.

        Labels get :data:`LABEL_WIDTH`, or up to :data:`LABEL_WIDTH_MAX` as long as the
        gaps between lanes keep their comfortable width. ``outer``: the on-screen side
        (pixels) of the first and last column's neurons when they are larger than the
        layout's, so their labels get room beside them.

        Returns
        -------
        tuple
            ``(scale, chrome, lane, gap, stacked, pitch, label_width)``, the last in pixels
            at UI scale 1.
        """
        style = self.style
        count = len(rows)
        neuron = self.neuron_size
        left_label, right_label = label_widths if label_widths is not None else (0.0, 0.0)

        def header_height(chrome: float, stacked: bool) -> float:
            return (
                (style.stacked_height if stacked else style.height) + 2 * style.padding
            ) * chrome

        def fill_scale(chrome: float, stacked: bool) -> float:
            """Zoom at which the tallest column fills the height left by the header.

            The neurons keep :data:`_MIN_NEURON_SHARE` of the height at least: a header
            taller than the view (a large font in a low view) would otherwise leave them no
            room, and the drawing was planned at a zoom near 0, thousands of times too large.
            """
            room = max(height - header_height(chrome, stacked), _MIN_NEURON_SHARE * height)
            scales = [MAX_FIT_SCALE]
            for n, packed in zip(rows, compact, strict=True):
                if packed:
                    # The "more" slot is a pitch or the marker's height, whichever is more.
                    # (The marker's text may overlap the neurons rather than leave them
                    # no room at all.)
                    beside_marker = max(room - style.more_slot * chrome, room / 2)
                    scales.append(min(room / ((n + 1) * pitch), beside_marker / (n * pitch)))
                else:
                    scales.append(room / (max(n, 1) * pitch))
            return max(min(scales), 1e-3)

        # Labels are enlarged to a readable size on screen (see NeuronColumnItem.label_font).
        label_pixels = 11.5 if neuron >= 36 else 10.5

        def label_room(
            chrome: float,
            lane: float,
            scale: float,
            text: float,
            side: int,
            room: float = LABEL_WIDTH,
        ) -> float:
            """Pixels a column's labels need beyond its lane, given ``room`` for them
            (``side``: 0 for the first column's, 1 for the last's)."""
            if text <= 0:
                return 0.0
            drawn = neuron * scale if outer is None else max(neuron * scale, outer[side])
            shown = max(chrome, LABEL_MIN_PIXELS * self.text_scale / label_pixels)
            needed = min(text * shown, (room - 10) * chrome)
            # Clear of the neuron and of the lane's edge (see NeuronColumnItem.label_gap).
            needed += max(10 * scale, LABEL_GAP_PIXELS) + max(14 * scale, LABEL_GAP_PIXELS / 2)
            return max(0.0, needed - (lane - drawn) / 2)

        def needed_width(chrome: float, lane_design: float, scale: float) -> tuple[float, float]:
            lane = max(lane_design * chrome, (neuron + 56) * scale)
            labels = label_room(chrome, lane, scale, left_label, 0)
            labels += label_room(chrome, lane, scale, right_label, 1)
            return count * lane + (count - 1) * style.gap_min * chrome + labels, lane

        chosen = None
        # With a larger font every header, button and label is as much larger on screen.
        largest = self.text_scale
        for chrome in np.linspace(largest, _MIN_CHROME * largest, 6):
            for lane_design in np.linspace(style.lane_width, style.lane_min, 9):
                stacked = bool(lane_design < style.stack_width)
                if height - header_height(float(chrome), stacked) < _MIN_NEURON_SHARE * height:
                    continue  # smaller text first: this header leaves the neurons too little
                scale = fill_scale(float(chrome), stacked)
                total, lane = needed_width(float(chrome), float(lane_design), scale)
                if total <= width:
                    chosen = float(chrome), scale, lane, stacked
                    break
            if chosen is not None:
                break
        if chosen is None:
            # Too many columns for the width: narrower lanes still (long titles are elided,
            # the full names show on hover), and smaller neurons when even they do not fit.
            chrome = _MIN_CHROME * largest
            scale = fill_scale(chrome, True)
            gaps = (count - 1) * style.gap_min * chrome
            filling = scale

            def lane_scale(lane: float) -> float:
                """Zoom at which neurons fit ``lane`` pixels with room for their bias dot,
                selection ring and edges (a share :data:`_NARROW_LANE_ROOM` of the lane).

                A wide and shallow network (twelve layers of 3) otherwise drew 10 px
                neurons in 21 px lanes, in a band across the middle of the view.
                """
                narrow = lane * (1 - _NARROW_LANE_ROOM) / neuron
                return min(filling, max(lane / (neuron + 56), narrow))

            lane = style.lane_min * chrome
            # The labels may reach into their lane beside the neurons, so their room beyond
            # it depends on the lane (and the zoom it allows): settle the two together, or
            # the narrower lane's labels overrun the view.
            for _ in range(6):
                scale = lane_scale(lane)
                labels = label_room(chrome, lane, scale, left_label, 0)
                labels += label_room(chrome, lane, scale, right_label, 1)
                lane = max((width - gaps - labels) / count, 1.0)
            scale = max(lane_scale(lane), 1e-3)
            if scale < filling:
                # Neurons limited by the width: their rows spread apart to use the height
                # (as far as :data:`_SPREAD_PITCH` neuron sides), so the drawing does not
                # sit in a band across the middle of the view.
                pitch = max(pitch, min(pitch * filling / scale, _SPREAD_PITCH * neuron))
            chosen = chrome, scale, lane, True
        chrome, scale, lane, stacked = chosen
        room = LABEL_WIDTH
        shown = max(chrome, LABEL_MIN_PIXELS * self.text_scale / label_pixels)
        # Room that shows the widest label whole, within the largest allowed.
        whole = min(max(left_label, right_label) * shown / chrome + 10, LABEL_WIDTH_MAX)

        def labels_at(room: float) -> float:
            return label_room(chrome, lane, scale, left_label, 0, room) + label_room(
                chrome, lane, scale, right_label, 1, room
            )

        def spare_at(room: float) -> float:
            """Pixels left once the labels have ``room`` and the gaps their comfort."""
            return width - count * lane - labels_at(room) - (count - 1) * style.column_gap * chrome

        if whole > LABEL_WIDTH and spare_at(LABEL_WIDTH) > 0:
            if spare_at(whole) >= 0:
                room = whole
            else:
                low, high = LABEL_WIDTH, whole
                for _ in range(20):
                    middle = (low + high) / 2
                    low, high = (middle, high) if spare_at(middle) >= 0 else (low, middle)
                room = low
        labels = labels_at(room)
        gap = style.gap_min * chrome
        if count > 1:
            # Spread the columns over the view's width (up to 2.5 comfortable gaps apart).
            spare = (width - count * lane - labels) / (count - 1)
            gap = float(np.clip(spare, gap, 2.5 * style.column_gap * chrome))
        return scale, chrome, lane, gap, stacked, pitch, room

    # ---- rectangles (x, y, width, height) ---------------------------------------------------

    @property
    def layer_count(self) -> int:
        """Number of drawn layers (network layers + the input layer)."""
        return len(self.columns)

    def set_label_extents(self, left: float, right: float) -> None:
        """Widen the first lane to the left and the last to the right to hold their labels.

        Parameters
        ----------
        left, right : float
            Scene width the input labels (left of the first column) and the output labels
            (right of the last column) need beyond the lane's usual half width, measured
            beside neurons of the layout's ``neuron_size`` (negative: room to spare). The
            first and last column's own neuron size is accounted for here.
        """
        grown_left = (self.neuron_side(0) - self.neuron_size) / 2.0
        grown_right = (self.neuron_side(self.layer_count - 1) - self.neuron_size) / 2.0
        self.label_left = max(0.0, float(left) + grown_left)
        self.label_right = max(0.0, float(right) + grown_right)

    label_left = 0.0
    label_right = 0.0

    def scale_key(self) -> tuple:
        """The sizes shared by every column (neurons, headers, text scale, spacing).

        Two layouts with equal keys draw a column with the same neurons, or a lane with the
        same rectangle, identically; the canvas keeps such items across an edit.
        """
        return (
            self.style,
            self.text_scale,
            self.neuron_size,
            self.pitch,
            self.ui,
            self.header_height,
            self.button_radius,
            self.gap_button_radius,
            self.label_width,
            self.lane_width,
            self.spacing,
            self.body_top,
            self.body_bottom,
            self.lane_top,
            self.lane_bottom,
            self.ellipsis_height,
        )

    def _lane_span(self, drawn: int) -> tuple[float, float]:
        x = self.columns[drawn].x
        left = x - self.lane_width / 2.0 - (self.label_left if drawn == 0 else 0.0)
        last = drawn == self.layer_count - 1
        right = x + self.lane_width / 2.0 + (self.label_right if last else 0.0)
        return left, right

    def lane_rect(self, drawn: int) -> tuple[float, float, float, float]:
        """The rounded background lane of a column, header and labels included."""
        left, right = self._lane_span(drawn)
        return (left, self.lane_top, right - left, self.lane_bottom - self.lane_top)

    def header_rect(self, drawn: int) -> tuple[float, float, float, float]:
        """The header at the top of a lane (title, size and the +/− controls)."""
        left, right = self._lane_span(drawn)
        return (left, self.lane_top, right - left, self.header_height)

    def unit_button_centers(self, drawn: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """Centres of the − (first) and + (second) buttons of a hidden layer's header."""
        x = self.columns[drawn].x
        style, ui = self.style, self.ui
        if self.stacked_header:
            # A row of their own below the subtitle, side by side in the middle.
            y = self.lane_top + style.button_line * ui
            offset = self.button_radius + 5.0 * ui
            return (x - offset, y), (x + offset, y)
        y = self.lane_top + style.subtitle_line * ui
        offset = self.lane_width / 2.0 - self.button_radius - style.button_edge * ui
        return (x - offset, y), (x + offset, y)

    def gap_button_center(self, gap: int) -> tuple[float, float]:
        """Centre of the "+ layer" button between drawn columns ``gap`` and ``gap + 1``."""
        x = (self.columns[gap].x + self.columns[gap + 1].x) / 2.0
        return x, self.lane_top + self.style.gap_button_line * self.ui

    def neuron_rects(self, drawn: int) -> np.ndarray:
        """Rectangles of the drawn neurons of a column.

        Returns
        -------
        ndarray, shape (k, 4)
            ``x, y, width, height`` per drawn neuron.
        """
        column = self.columns[drawn]
        side = self.neuron_side(drawn)
        k = column.indices.size
        rects = np.empty((k, 4))
        rects[:, 0] = column.x - side / 2.0
        rects[:, 1] = column.centers_y - side / 2.0
        rects[:, 2] = side
        rects[:, 3] = side
        return rects

    def neuron_side(self, drawn: int) -> float:
        """Side of the neuron squares of column ``drawn`` (scene units)."""
        return self.columns[drawn].neuron_size or self.neuron_size

    def bounds(self) -> tuple[float, float, float, float]:
        """Rectangle covering every lane (labels excluded)."""
        left = self._lane_span(0)[0]
        right = self._lane_span(self.layer_count - 1)[1]
        return (left, self.lane_top, right - left, self.lane_bottom - self.lane_top)

    # ---- edges -------------------------------------------------------------------------------

    def edge_segments(self, drawn: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Segments of the drawn edges entering column ``drawn`` (``drawn >= 1``).

        Returns
        -------
        segments : ndarray, shape (E, 4)
            ``x0, y0, x1, y1`` from the right side of each source neuron to the left side of
            each target neuron, ordered source-major (edge ``s * k_dst + d``).
        sources : ndarray of int64, shape (E,)
            Source neuron index (row of ``W``).
        targets : ndarray of int64, shape (E,)
            Target neuron index (column of ``W``).
        """
        src = self.columns[drawn - 1]
        dst = self.columns[drawn]
        n_src, n_dst = src.indices.size, dst.indices.size
        segments = np.empty((n_src * n_dst, 4))
        # Each end on its own column's neuron edge (columns differ in neuron size).
        segments[:, 0] = src.x + self.neuron_side(drawn - 1) / 2.0
        segments[:, 1] = np.repeat(src.centers_y, n_dst)
        segments[:, 2] = dst.x - self.neuron_side(drawn) / 2.0
        segments[:, 3] = np.tile(dst.centers_y, n_src)
        sources = np.repeat(src.indices, n_dst)
        targets = np.tile(dst.indices, n_src)
        return segments, sources, targets

    # ---- hit testing -------------------------------------------------------------------------

    def column_at(self, x: float, y: float) -> int | None:
        """Drawn index of the lane containing the point, or ``None``."""
        if not self.lane_top <= y <= self.lane_bottom:
            return None
        drawn = min(max(round(x / self.spacing), 0), self.layer_count - 1)
        left, right = self._lane_span(drawn)
        return drawn if left <= x <= right else None

    def neuron_at(self, x: float, y: float, slack: float = 0.0) -> tuple[int, int] | None:
        """``(drawn layer, neuron index)`` of the neuron square containing the point."""
        drawn = round(x / self.spacing)
        if not 0 <= drawn < self.layer_count:
            return None
        column = self.columns[drawn]
        half = self.neuron_side(drawn) / 2.0 + slack
        if abs(x - column.x) > half or column.indices.size == 0:
            return None
        distance = np.abs(column.centers_y - y)
        position = int(np.argmin(distance))
        if distance[position] > half:
            return None
        return drawn, int(column.indices[position])

    def header_at(self, x: float, y: float) -> int | None:
        """Drawn index of the header containing the point, or ``None``."""
        drawn = self.column_at(x, y)
        if drawn is None or y > self.lane_top + self.header_height:
            return None
        return drawn

    def unit_button_at(self, x: float, y: float, hidden: range) -> tuple[int, int] | None:
        """``(drawn layer, delta)`` of the +/− button under the point (hidden layers only)."""
        drawn = self.header_at(x, y)
        if drawn is None or drawn not in hidden:
            return None
        minus, plus = self.unit_button_centers(drawn)
        reach = (self.button_radius + 3.0) ** 2
        if (x - minus[0]) ** 2 + (y - minus[1]) ** 2 <= reach:
            return drawn, -1
        if (x - plus[0]) ** 2 + (y - plus[1]) ** 2 <= reach:
            return drawn, 1
        return None

    def gap_button_at(self, x: float, y: float) -> int | None:
        """Gap index of the "+ layer" button under the point, or ``None``."""
        if self.layer_count < 2:
            return None
        gap = int(np.floor(x / self.spacing))
        if not 0 <= gap < self.layer_count - 1:
            return None
        cx, cy = self.gap_button_center(gap)
        reach = (self.gap_button_radius + 3.0) ** 2
        return gap if (x - cx) ** 2 + (y - cy) ** 2 <= reach else None

    def insertion_gap(self, x: float, hidden: range) -> int:
        """Hidden-layer position a header dragged to ``x`` lands on (``network.layers`` index)."""
        centers = np.array([self.columns[d].x for d in hidden])
        return int(np.argmin(np.abs(centers - x)))


def nearest_segment(
    segments: np.ndarray, x: float, y: float, tolerance: float
) -> tuple[int, float] | None:
    """Index of the segment nearest to a point, if within ``tolerance``.

    Parameters
    ----------
    segments : ndarray, shape (E, 4)
        ``x0, y0, x1, y1`` per segment.
    x, y : float
        The point.
    tolerance : float
        Largest accepted distance.

    Returns
    -------
    tuple of (int, float) or None
        The segment index and its distance, or ``None`` when none is close enough.
    """
    if segments.size == 0:
        return None
    p0 = segments[:, :2]
    d = segments[:, 2:] - p0
    length2 = np.einsum("ij,ij->i", d, d)
    rel = np.array([x, y]) - p0
    # Projection parameter of the point on each segment, clamped to the segment.
    t = np.clip(np.einsum("ij,ij->i", rel, d) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
    closest = p0 + t[:, None] * d
    distance = np.hypot(closest[:, 0] - x, closest[:, 1] - y)
    index = int(np.argmin(distance))
    if distance[index] > tolerance:
        return None
    return index, float(distance[index])
