"""Graphics items of the network canvas: layer lanes, neuron columns and "+ layer" buttons.

The items only paint; the view decides what is under the mouse using
:class:`~nnstudio.ui.canvas.layout.NetworkLayout`, so hit-testing stays vectorised and in one
place.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nnstudio.ui.canvas.layout import BIAS_RADIUS, LABEL_GAP_PIXELS, NetworkLayout
from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, elided_to_fit

# ---- palette (light theme) ----------------------------------------------------------------

ACCENT = QtGui.QColor(37, 99, 235)
ACCENT_SOFT = QtGui.QColor(239, 244, 255)
TEXT = QtGui.QColor(31, 41, 55)
TEXT_MUTED = QtGui.QColor(107, 114, 128)
LANE_FILL = QtGui.QColor(255, 255, 255, 235)
LANE_BORDER = QtGui.QColor(226, 231, 238)
HEADER_FILL = QtGui.QColor(248, 250, 252)
BUTTON_FILL = QtGui.QColor(243, 244, 246)
BUTTON_BORDER = QtGui.QColor(209, 213, 219)
NEURON_EMPTY = QtGui.QColor(250, 250, 251)
NEURON_BORDER = QtGui.QColor(148, 155, 166)
#: A unit dropout dropped in the last training step: painted at this opacity, in a dashed
#: outline of this colour.
DROPPED_OPACITY = 0.22
DROPPED_OUTLINE = QtGui.QColor(120, 128, 140)


def font(pixel_size: float, bold: bool = False) -> QtGui.QFont:
    """The canvas font at a pixel size (scene units, so it zooms with the drawing)."""
    result = QtGui.QFont()
    result.setPixelSize(max(1, round(pixel_size)))
    result.setBold(bold)
    result.setHintingPreference(QtGui.QFont.HintingPreference.PreferNoHinting)
    return result


#: Point size of the application font the canvas's pixel sizes were chosen for.
DEFAULT_FONT_POINTS = 10.0


def text_scale() -> float:
    """How much larger the canvas shows its text than with the default 10 pt font.

    Header, label and key sizes and their readability floors are in pixels chosen for the
    default font; a larger application font scales them. Never below 1: those floors are
    the smallest readable sizes already.
    """
    points = QtGui.QFont().pointSizeF()
    if points <= 0:
        return 1.0  # a font sized in pixels
    return max(1.0, points / DEFAULT_FONT_POINTS)


#: Smallest on-screen size (pixels) of header titles, header subtitles and neuron labels; the
#: drawing is fitted to the view, so text sized in scene units alone can shrink to 5 px.
MIN_TITLE_PIXELS = 11.0
MIN_TEXT_PIXELS = 10.0
#: A header subtitle too long for its room ("16 leaky_relu") shrinks to fit down to this
#: on-screen size before it is elided.
MIN_SHRUNK_PIXELS = 8.0
#: Smallest on-screen size of the numbers inside neurons; smaller neurons show none.
MIN_VALUE_PIXELS = 7.5
#: Smallest room (screen pixels) between header text and the "+ layer" buttons beside it.
TEXT_CLEARANCE_PIXELS = 5.0
#: Smallest on-screen width (pixels) of the ring around the selected neuron.
SELECTION_PIXELS = 2.0
#: Its width around neurons smaller than 12 pixels on screen.
_SMALL_SELECTION_PIXELS = 3.0
#: How far (screen pixels) the selected neuron's ring and its halo reach beyond the neuron.
_RING_REACH_PIXELS = 5.0


def on_screen_scale(painter: QtGui.QPainter) -> float:
    """Screen pixels per scene unit of what ``painter`` draws."""
    scale = QtWidgets.QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
    return float(scale) if scale > 0 else 1.0


def readable_font(
    base: QtGui.QFont, scale: float, min_pixels: float, largest: float
) -> QtGui.QFont:
    """``base`` enlarged to show at least ``min_pixels`` on screen, but never above ``largest``.

    Parameters
    ----------
    base : QFont
        The font in scene units (pixel size), used as it is when large enough.
    scale : float
        Screen pixels per scene unit (see :func:`on_screen_scale`).
    min_pixels : float
        Wanted on-screen size.
    largest : float
        The largest pixel size (scene units) the text has room for.
    """
    size = float(base.pixelSize())
    wanted = min(min_pixels / scale, largest)
    if wanted <= size:
        return base
    pixels = round(wanted)
    if pixels > largest:
        # Rounded up past the room it was sized for, the text would be elided by a pixel.
        pixels = math.floor(largest)
    result = QtGui.QFont(base)
    result.setPixelSize(max(1, pixels))
    return result


def _fitted_font(
    base: QtGui.QFont,
    text: str,
    width: float,
    scale: float,
    min_pixels: float,
    tallest: float,
    shrunk_pixels: float = MIN_SHRUNK_PIXELS,
) -> QtGui.QFont:
    """The font of a line of text in a box ``width`` wide and ``tallest`` high (scene units).

    Enlarged towards ``min_pixels`` on screen (see :func:`readable_font`) as far as the text
    fits both; too long for ``width`` at its base size, it shrinks to fit, but not below
    ``shrunk_pixels`` on screen (it is elided then).
    """
    size = base.pixelSize()
    advance = QtGui.QFontMetricsF(base).horizontalAdvance(text)
    fits = size * width / max(advance, 1.0)
    result = readable_font(base, scale, min_pixels, min(fits, tallest))
    if fits < size:
        pixels = max(math.floor(fits), math.ceil(shrunk_pixels / scale))
        if pixels > size:
            # A base size planned for a narrow view's small text may itself fall short of
            # the floor: elided rather than unreadable, as far as the header's height allows.
            pixels = max(size, min(pixels, math.floor(tallest)))
        if pixels != size:
            result = QtGui.QFont(base)
            result.setPixelSize(max(1, pixels))
    return result


def _wordings(text: str, shorter: str | Sequence[str] | None) -> tuple[str, ...]:
    """``text`` and its distinct shorter wordings, in order (one or a sequence of them)."""
    if shorter is None:
        shorter = ()
    elif isinstance(shorter, str):
        shorter = (shorter,)
    result = [text]
    for wording in shorter:
        if wording and wording not in result:
            result.append(wording)
    return tuple(result)


#: What stands for the characters an elided name leaves out.
ELLIPSIS = "\u2026"
#: Separators dropped beside an ellipsis.
_LOOSE = " _-."


def _char_kind(char: str) -> int:
    """1 for a digit, 2 for a letter, 0 for anything else (a separator)."""
    if char.isdigit():
        return 1
    return 2 if char.isalpha() else 0


def _is_boundary(text: str, index: int) -> bool:
    """Whether ``text`` may be cut before ``index`` without splitting a word or a number."""
    if index <= 0 or index >= len(text):
        return True
    before, after = _char_kind(text[index - 1]), _char_kind(text[index])
    return before == 0 or after == 0 or before != after


def _shared_start(first: str, second: str) -> int:
    """Length of the beginning ``first`` and ``second`` share, ending where both may be cut
    (``channel_1`` and ``channel_10`` share ``channel_``, not ``channel_1``)."""
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    while length > 0 and not (_is_boundary(first, length) and _is_boundary(second, length)):
        length -= 1
    return length


def _distinct_part(text: str, others: Sequence[str]) -> tuple[int, int]:
    """Where ``text`` differs from the names most like it.

    Returns ``(start, end)``: ``text[start:end]`` runs from the first difference from the
    name sharing the longest beginning with ``text`` to the last difference from the one
    sharing the longest end, cut at word and number boundaries.
    """
    reverse = text[::-1]
    prefix = max((_shared_start(text, other) for other in others), default=0)
    suffix = max((_shared_start(reverse, other[::-1]) for other in others), default=0)
    start, end = prefix, len(text) - suffix
    if start >= end:
        # The two differences cross ("x_1_a" beside "x_1_b" and "x_2_a"): keep both.
        start, end = max(end - 1, 0), min(start + 1, len(text))
        while start > 0 and not _is_boundary(text, start):
            start -= 1
        while end < len(text) and not _is_boundary(text, end):
            end += 1
    return start, end


class _Advances:
    """Widths of texts estimated as the sum of their characters' advances.

    Each character is measured once: the names of a column share most of theirs, and
    shortening a name weighs dozens of cuts. The estimate leaves kerning out, so a chosen
    text is measured whole before it is used.
    """

    def __init__(self, metrics: QtGui.QFontMetricsF) -> None:
        self.metrics = metrics
        self._chars: dict[str, float] = {}

    def of_chars(self, text: str) -> list[float]:
        """The advance of each character of ``text``."""
        chars = self._chars
        advances = []
        for char in text:
            advance = chars.get(char)
            if advance is None:
                advance = chars[char] = self.metrics.horizontalAdvance(char)
            advances.append(advance)
        return advances

    def __call__(self, text: str) -> float:
        return float(sum(self.of_chars(text)))


def _elide_keeping(
    text: str, start: int, end: int, advances: _Advances, width: float
) -> str | None:
    """``text`` shortened to ``width`` with ``text[start:end]`` kept whole, or ``None``.

    One ellipsis where one will do, in the place that keeps the most of the name (then the
    most of its beginning); otherwise an ellipsis on either side of the kept part, with as
    much of the name's beginning and of what follows the part as fits. Cuts fall between
    words and numbers and leave out at least one letter or digit.
    """
    size = len(text)
    cuts = [index for index in range(size + 1) if _is_boundary(text, index)]
    # Widths of every beginning and every end: a shortened text's width is their sum.
    running = np.concatenate([[0.0], np.cumsum(advances.of_chars(text))])
    begins = running
    ends = running[-1] - running
    dots = advances(ELLIPSIS)
    metrics = advances.metrics
    # Prefix sums of letters and digits, to tell whether a cut leaves one out.
    letters = np.concatenate([[0], np.cumsum([char.isalnum() for char in text])])

    def drops_a_letter(first: int, last: int) -> bool:
        return bool(letters[last] > letters[first])

    def joined(*parts: str) -> str:
        # A separator beside an ellipsis says nothing: "…01_mV", not "…_01_mV".
        result = ""
        for part in parts:
            if part == ELLIPSIS:
                result = result.rstrip(_LOOSE) + ELLIPSIS
            elif result.endswith(ELLIPSIS):
                result += part.lstrip(_LOOSE)
            else:
                result += part
        return result

    def best(candidates: list[tuple[int, str]]) -> str | None:
        # The widths were summed from parts: measure the best as drawn.
        ranked = sorted(
            ((len(shown) - shown.count(ELLIPSIS), head, shown) for head, shown in candidates),
            reverse=True,
        )
        return next((s for _, _, s in ranked if metrics.horizontalAdvance(s) <= width), None)

    # One ellipsis, before or after the distinct part: for each beginning kept, the most of
    # the end that fits (the widths fall as the end shortens).
    single = []
    for head in cuts:
        if begins[head] + dots > width:
            break
        tail = next(
            (
                tail
                for tail in cuts
                if tail > head
                and (end <= head or tail <= start)
                and drops_a_letter(head, tail)
                and begins[head] + dots + ends[tail] <= width
            ),
            None,
        )
        if tail is not None:
            single.append((head, joined(text[:head], ELLIPSIS, text[tail:])))
    if single:
        return best(single)
    # An ellipsis on either side: the name's beginning, the distinct part and what follows.
    double = []
    for head in (index for index in cuts if index <= start):
        if head < start and not drops_a_letter(head, start):
            continue
        for tail in (index for index in reversed(cuts) if index >= end):
            if tail < size and not drops_a_letter(tail, size):
                continue
            opening = (text[:head], ELLIPSIS) if head < start else (text[:head],)
            closing = (text[end:tail], ELLIPSIS) if tail < size else (text[end:tail],)
            shown = joined(*opening, text[start:end], *closing)
            if advances(shown) <= width:
                double.append((head, shown))
                break
    return best(double)


def elide_names(names: Sequence[str], metrics: QtGui.QFontMetricsF, width: float) -> list[str]:
    """``names`` shortened to ``width`` so that different names stay different.

    A name that fits is kept whole. One that does not keeps the part where it differs from
    the names most like it (``sensor_channel_01_voltage_mV`` beside ``…_02_…`` keeps
    ``01``), and as much of the rest as fits around it: middle elision alone would draw
    such a family as one and the same text. Where even that part is too wide, the name is
    elided in its middle.

    Parameters
    ----------
    names : sequence of str
        The labels of one column.
    metrics : QFontMetricsF
        Metrics of the font they are drawn in.
    width : float
        Room for each, in the font's units.

    Returns
    -------
    list of str
        The names as they fit, in order.
    """
    result = []
    advances = _Advances(metrics)
    for name in names:
        if metrics.horizontalAdvance(name) <= width:
            result.append(name)
            continue
        start, end = _distinct_part(name, [other for other in names if other != name])
        shown = _elide_keeping(name, start, end, advances, width)
        if shown is None:
            shown = elided_to_fit(name, metrics, width, QtCore.Qt.TextElideMode.ElideMiddle)
        result.append(shown)
    return result


def _rect(values: np.ndarray | tuple[float, float, float, float]) -> QtCore.QRectF:
    x, y, w, h = (float(v) for v in values)
    return QtCore.QRectF(x, y, w, h)


#: Fill of a bias dot whose value is not known yet.
_BIAS_UNKNOWN = QtGui.QColor(205, 209, 216)


def _qcolor(rgb: np.ndarray, alpha: int = 255) -> QtGui.QColor:
    return QtGui.QColor(int(rgb[0]), int(rgb[1]), int(rgb[2]), alpha)


def _ink_on(image: QtGui.QImage) -> QtGui.QColor:
    """Text colour for writing on a one-colour image (read at its centre)."""
    color = image.pixelColor(image.width() // 2, image.height() // 2)
    return _text_color_for(np.array([color.red(), color.green(), color.blue()]))


def _text_color_for(rgb: np.ndarray) -> QtGui.QColor:
    # Perceived luminance decides between dark and white text on a coloured fill.
    luminance = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return QtGui.QColor(255, 255, 255) if luminance < 140 else TEXT


#: Smallest on-screen width (pixels) of the strokes of a − / + glyph.
MIN_GLYPH_PIXELS = 1.5


def glyph_pen_width(radius: float, scale: float) -> float:
    """Width (scene units) of the strokes of a − / + glyph in a button of ``radius``.

    1.8 scene units, or :data:`MIN_GLYPH_PIXELS` on screen at ``scale`` screen pixels per
    scene unit when that is wider, but never so wide the glyph becomes a blob.
    """
    return min(max(1.8, MIN_GLYPH_PIXELS / scale), 0.45 * radius)


def draw_round_button(
    painter: QtGui.QPainter,
    center: tuple[float, float],
    radius: float,
    glyph: str,
    hovered: bool,
    enabled: bool = True,
) -> None:
    """A small round button with a + or − glyph drawn as strokes (crisp at any zoom).

    The strokes are at least :data:`MIN_GLYPH_PIXELS` (border: one pixel) wide on screen: a
    zoomed-out drawing would thin a glyph of 1.8 scene units to a faint grey hairline.
    """
    cx, cy = center
    scale = on_screen_scale(painter)
    fill = ACCENT_SOFT if hovered and enabled else BUTTON_FILL
    border = ACCENT if hovered and enabled else BUTTON_BORDER
    painter.setPen(QtGui.QPen(border, max(1.0, 1.0 / scale)))
    painter.setBrush(fill)
    painter.drawEllipse(QtCore.QPointF(cx, cy), radius, radius)
    ink = ACCENT if hovered and enabled else (TEXT if enabled else BUTTON_BORDER)
    pen = QtGui.QPen(ink, glyph_pen_width(radius, scale))
    pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
    painter.setPen(pen)
    arm = radius * 0.45
    painter.drawLine(QtCore.QPointF(cx - arm, cy), QtCore.QPointF(cx + arm, cy))
    if glyph == "+":
        painter.drawLine(QtCore.QPointF(cx, cy - arm), QtCore.QPointF(cx, cy + arm))


class LaneItem(QtWidgets.QGraphicsItem):
    """The rounded background of one layer with its header.

    Parameters
    ----------
    layout : NetworkLayout
    drawn : int
        Drawn layer index.
    title : str
        First header line, e.g. ``"Hidden 1"``.
    subtitle : str
        Second header line, e.g. ``"8 tanh"``.
    resizable : bool
        Whether the header shows − / + buttons (hidden layers).
    short_title : str, optional
        The title for a lane too narrow for ``title`` (e.g. ``"H1"``); the hover text names
        the layer in full.
    short_subtitle : str or sequence of str, optional
        Likewise for ``subtitle`` (e.g. ``"2"`` for ``"2 features"``), or ever shorter
        wordings of it, longest first (``"64 relu d.2"``, ``"64 relu"``, ``"64"``): the lane
        shows the first that fits whole (see :meth:`shown_subtitle`).
    """

    def __init__(
        self,
        layout: NetworkLayout,
        drawn: int,
        title: str,
        subtitle: str,
        resizable: bool,
        short_title: str | None = None,
        short_subtitle: str | Sequence[str] | None = None,
    ):
        super().__init__()
        self.layout = layout
        self.drawn = drawn
        self.title = title
        self.short_title = short_title or title
        self.subtitle = subtitle
        #: The subtitle and its shorter wordings, longest first (see :meth:`shown_subtitle`).
        self.subtitles = _wordings(subtitle, short_subtitle)
        self.short_subtitle = self.subtitles[1] if len(self.subtitles) > 1 else subtitle
        self.resizable = resizable
        #: What the lane's drawing depends on (see :meth:`drawing_key`).
        self.key = self.drawing_key(
            layout, drawn, title, subtitle, resizable, self.short_title, self.subtitles[1:]
        )
        self.selected = False
        self.hovered_button: int | None = None
        self._show_controls = True
        self._can_shrink = True
        self._dragging = False
        self._rect = _rect(layout.lane_rect(drawn))
        title_size = layout.style.title_size * layout.ui
        subtitle_size = layout.style.subtitle_size * layout.ui
        if layout.planned_scale is not None:
            # Text shrunk for a narrow view stays readable once fitted (it elides instead).
            floor = math.ceil(MIN_SHRUNK_PIXELS * layout.text_scale / layout.planned_scale)
            title_size, subtitle_size = max(title_size, floor), max(subtitle_size, floor)
        self._title_font = font(title_size, bold=True)
        self._subtitle_font = font(subtitle_size)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        # Lanes change only on hover, selection or edits; frames would repaint them 30 times
        # a second, so they are painted once into a pixmap and blitted.
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    @staticmethod
    def drawing_key(
        layout: NetworkLayout,
        drawn: int,
        title: str,
        subtitle: str,
        resizable: bool,
        short_title: str | None = None,
        short_subtitle: str | Sequence[str] | None = None,
    ) -> tuple:
        """Everything the lane's drawing is made of: a lane with an equal key looks the same.

        The canvas keeps such a lane (and its cached pixmap) across an edit instead of
        making it anew. Selection, hover, drag and ``can_shrink`` are set separately.
        """
        return (
            layout.scale_key(),
            drawn,
            layout.lane_rect(drawn),
            layout.unit_button_centers(drawn),
            title,
            short_title or title,
            _wordings(subtitle, short_subtitle),
            resizable,
        )

    # The lane is cached as a pixmap: every change of what it shows must call update().

    @property
    def show_controls(self) -> bool:
        """Whether the − / + buttons are drawn (off while exporting an image)."""
        return self._show_controls

    @show_controls.setter
    def show_controls(self, value: bool) -> None:
        self._show_controls = bool(value)
        self.update()

    @property
    def can_shrink(self) -> bool:
        """Whether the − button is enabled (the layer has more than one neuron)."""
        return self._can_shrink

    @can_shrink.setter
    def can_shrink(self, value: bool) -> None:
        if bool(value) != self._can_shrink:
            self._can_shrink = bool(value)
            self.update()

    @property
    def dragging(self) -> bool:
        """Whether the lane is being dragged (drawn lifted, with a shadow)."""
        return self._dragging

    @dragging.setter
    def dragging(self, value: bool) -> None:
        if bool(value) != self._dragging:
            self._dragging = bool(value)
            self.update()

    def set_selected(self, selected: bool) -> None:
        """Draw the lane as the selected layer."""
        if selected != self.selected:
            self.selected = selected
            self.update()

    def set_hovered_button(self, delta: int | None) -> None:
        """Highlight the − (``-1``) or + (``1``) button under the mouse."""
        if delta != self.hovered_button:
            self.hovered_button = delta
            self.update()

    def boundingRect(self) -> QtCore.QRectF:
        # The title may reach over the header band beside the lane (see _paint_header_text).
        reach = max(0.0, (self.layout.spacing - self.layout.lane_width) / 2)
        return self._rect.adjusted(-8 - reach, -4, 16 + reach, 20)

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        rect = self._rect
        radius = 14.0
        if self.dragging:
            # Lifted look while dragged: a soft shadow under the lane.
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            for spread, alpha in ((10.0, 14), (6.0, 20), (3.0, 26)):
                painter.setBrush(QtGui.QColor(15, 23, 42, alpha))
                painter.drawRoundedRect(
                    rect.adjusted(-spread + 4, -spread + 8, spread + 4, spread + 8),
                    radius + spread,
                    radius + spread,
                )
        border = QtGui.QPen(ACCENT if self.selected else LANE_BORDER, 2.0 if self.selected else 1.0)
        painter.setPen(border)
        if self.selected:
            painter.setBrush(QtGui.QColor(249, 251, 255))
        else:
            painter.setBrush(QtGui.QColor(255, 255, 255) if self.dragging else LANE_FILL)
        painter.drawRoundedRect(rect, radius, radius)
        # Header band: same rounded top, separated from the neurons by a hairline.
        header = QtCore.QRectF(rect.x(), rect.y(), rect.width(), self.layout.header_height)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(ACCENT_SOFT if self.selected else HEADER_FILL)
        path = QtGui.QPainterPath()
        path.addRoundedRect(header.adjusted(1, 1, -1, 0), radius - 1, radius - 1)
        painter.drawPath(path)
        painter.drawRect(header.adjusted(1, radius, -1, 0))
        painter.setPen(QtGui.QPen(LANE_BORDER, 1.0))
        painter.drawLine(
            header.bottomLeft() + QtCore.QPointF(1, 0), header.bottomRight() - QtCore.QPointF(1, 0)
        )
        self._paint_header_text(painter, rect)
        controls = self.resizable and self.show_controls
        radius_b = self.layout.button_radius
        if controls:
            minus, plus = self.layout.unit_button_centers(self.drawn)
            draw_round_button(
                painter, minus, radius_b, "-", self.hovered_button == -1, self.can_shrink
            )
            draw_round_button(painter, plus, radius_b, "+", self.hovered_button == 1)

    def header_fonts(self, scale: float) -> tuple[QtGui.QFont, QtGui.QFont]:
        """Title and subtitle fonts at ``scale`` screen pixels per scene unit.

        At least :data:`MIN_TITLE_PIXELS` / :data:`MIN_TEXT_PIXELS` on screen where the header
        has room: both lines share its height, the title grows only as far as it fits its
        width and the subtitle as far as it fits between the − and + buttons (so neither is
        elided more). A line too long for its room at its drawn size shrinks to fit, whole,
        down to :data:`MIN_SHRUNK_PIXELS` on screen (then it is elided).
        """
        ui, grow = self.layout.ui, self.layout.text_scale
        # The rows of title and subtitle (a stacked header's button row is below them).
        lines_room = self.layout.style.lines_room * ui
        base_title, base_sub = self._title_font.pixelSize(), self._subtitle_font.pixelSize()
        share = base_title / (base_title + base_sub)
        title_font = _fitted_font(
            self._title_font,
            self.shown_title(scale),
            self._title_width(),
            scale,
            MIN_TITLE_PIXELS * grow,
            0.85 * share * lines_room,
            MIN_SHRUNK_PIXELS * grow,
        )
        sub_font = _fitted_font(
            self._subtitle_font,
            self.shown_subtitle(scale),
            self._subtitle_width(),
            scale,
            MIN_TEXT_PIXELS * grow,
            self._subtitle_tallest(),
            MIN_SHRUNK_PIXELS * grow,
        )
        return title_font, sub_font

    def _subtitle_tallest(self) -> float:
        """The subtitle's largest pixel size: its share of the header's lines."""
        base_title, base_sub = self._title_font.pixelSize(), self._subtitle_font.pixelSize()
        lines_room = self.layout.style.lines_room * self.layout.ui
        return 0.85 * (1 - base_title / (base_title + base_sub)) * lines_room

    def shown_subtitle(self, scale: float) -> str:
        """The subtitle drawn at ``scale``: the first of :attr:`subtitles` that fits its room
        whole at a readable size (else the shortest).

        A wording shrunk below :data:`MIN_TEXT_PIXELS` and well below the next one's size
        gives way to it too ("16 lrelu" for "16 leaky_relu"), except to the last, which says
        least (the size alone). So a narrow lane drops "d.2", then the activation, rather
        than eliding "64 relu d.2" to "64 rel…", as wide as the "64 relu" that fits.
        """
        texts = self.subtitles
        if len(texts) == 1:
            return texts[0]
        width = self._subtitle_width()
        tallest = self._subtitle_tallest()
        grow = self.layout.text_scale
        least, shrunk = MIN_TEXT_PIXELS * grow, MIN_SHRUNK_PIXELS * grow
        fonts = [
            _fitted_font(self._subtitle_font, text, width, scale, least, tallest, shrunk)
            for text in texts
        ]
        for index, text in enumerate(texts[:-1]):
            size = fonts[index].pixelSize()
            if QtGui.QFontMetricsF(fonts[index]).horizontalAdvance(text) > width:
                continue  # elided: a shorter wording says more in that room
            # Shrunk below readable and well below the next wording's size, "16 leaky_relu"
            # reads worse than "16 lrelu"; but "64 tanh" shrunk says more than "64".
            last = index == len(texts) - 2
            if last or size * scale >= least or size >= 0.85 * fonts[index + 1].pixelSize():
                return text
        return texts[-1]

    def shown_title(self, scale: float) -> str:
        """The title drawn at ``scale``: the full one, or the short one when the full one
        would be elided in the room it has."""
        if self.short_title == self.title:
            return self.title
        width = self._title_width()
        tallest = 0.85 * self.layout.style.lines_room * self.layout.ui
        grow = self.layout.text_scale
        least, shrunk = MIN_TITLE_PIXELS * grow, MIN_SHRUNK_PIXELS * grow
        full, short = (
            _fitted_font(self._title_font, text, width, scale, least, tallest, shrunk)
            for text in (self.title, self.short_title)
        )
        elided = QtGui.QFontMetricsF(full).horizontalAdvance(self.title) > width
        # Shrunk well below the short title's size, the full one would look out of place.
        if elided or full.pixelSize() < 0.85 * short.pixelSize():
            return self.short_title
        return self.title

    def _clearance(self) -> float:
        """Room (scene units) kept between header text and the "+ layer" buttons or the
        neighbouring lane's text: :data:`TEXT_CLEARANCE_PIXELS` at the planned zoom."""
        planned = self.layout.planned_scale
        return max(4.0, TEXT_CLEARANCE_PIXELS / planned) if planned else 4.0

    def _title_reach(self) -> float:
        """How far the title's box reaches beyond the lane over the header band beside it
        (negative: inside the lane): up to the "+ layer" buttons between lanes."""
        layout = self.layout
        half_gap = (layout.spacing - layout.lane_width) / 2
        return max(half_gap - layout.gap_button_radius - self._clearance(), -6.0)

    def _subtitle_reach(self) -> float:
        """How far a stacked header's subtitle reaches beyond the lane: halfway to the
        neighbouring subtitle when the "+ layer" buttons are above its row, else as far as
        the title."""
        layout, ui = self.layout, self.layout.ui
        style = layout.style
        button_bottom = (style.gap_button_line + style.gap_button_radius) * ui
        size = float(self._subtitle_font.pixelSize())
        if layout.planned_scale:
            size = max(size, MIN_TEXT_PIXELS * layout.text_scale / layout.planned_scale)
        # Top of the subtitle's letters (its line box has room above them).
        sub_top = style.subtitle_line * ui - 0.4 * size
        if sub_top >= button_bottom:
            half_gap = (layout.spacing - layout.lane_width) / 2
            return max(half_gap - self._clearance() / 2, -6.0)
        return self._title_reach()

    def _title_width(self) -> float:
        return self._rect.width() + 2 * self._title_reach()

    def _subtitle_inset(self) -> float:
        layout = self.layout
        if layout.stacked_header:
            # No − / + buttons on the subtitle's row: it may reach beside the lane.
            return -self._subtitle_reach()
        if not (self.resizable and self.show_controls):
            return 6.0
        style = layout.style
        return 2 * layout.button_radius + (style.button_edge + style.text_gap) * layout.ui

    def _subtitle_width(self) -> float:
        return self._rect.width() - 2 * self._subtitle_inset()

    def _paint_header_text(self, painter: QtGui.QPainter, rect: QtCore.QRectF) -> None:
        """Title and subtitle in the fonts of :meth:`header_fonts` for the painter's scale.

        The title may reach over the empty header band beside the lane, up to the "+" buttons
        between lanes; the subtitle stays between the lane's − and + buttons.
        """
        layout, ui = self.layout, self.layout.ui
        scale = on_screen_scale(painter)
        title_font, sub_font = self.header_fonts(scale)
        title = self.shown_title(scale)
        title_metrics = QtGui.QFontMetricsF(title_font)
        title_rect = QtCore.QRectF(
            rect.x() - self._title_reach(),
            rect.y() + layout.style.title_top * ui,
            self._title_width(),
            title_metrics.height(),
        )
        painter.setPen(ACCENT if self.selected else TEXT)
        painter.setFont(title_font)
        painter.drawText(
            title_rect,
            QtCore.Qt.AlignmentFlag.AlignCenter,
            title_metrics.elidedText(title, QtCore.Qt.TextElideMode.ElideRight, title_rect.width()),
        )
        sub_metrics = QtGui.QFontMetricsF(sub_font)
        # Centred on the − / + buttons' line (or where it would be, in a stacked header).
        middle = rect.y() + layout.style.subtitle_line * ui
        sub_top = max(title_rect.bottom(), middle - sub_metrics.height() / 2)
        sub_rect = QtCore.QRectF(
            rect.x() + self._subtitle_inset(), sub_top, self._subtitle_width(), sub_metrics.height()
        )
        painter.setPen(TEXT_MUTED)
        painter.setFont(sub_font)
        painter.drawText(
            sub_rect,
            QtCore.Qt.AlignmentFlag.AlignCenter,
            sub_metrics.elidedText(
                self.shown_subtitle(scale), QtCore.Qt.TextElideMode.ElideRight, sub_rect.width()
            ),
        )


class GapButtonItem(QtWidgets.QGraphicsItem):
    """The round "+" between two columns that inserts a hidden layer there."""

    def __init__(self, layout: NetworkLayout, gap: int):
        super().__init__()
        self.gap = gap
        self.center = layout.gap_button_center(gap)
        self.radius = layout.gap_button_radius
        #: What the button's drawing depends on (see :meth:`drawing_key`).
        self.key = self.drawing_key(layout, gap)
        self.hovered = False
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    @staticmethod
    def drawing_key(layout: NetworkLayout, gap: int) -> tuple:
        """Where the button is and how big: a button with an equal key looks the same."""
        return (gap, layout.gap_button_center(gap), layout.gap_button_radius)

    def set_hovered(self, hovered: bool) -> None:
        """Highlight the button under the mouse."""
        if hovered != self.hovered:
            self.hovered = hovered
            self.update()

    def boundingRect(self) -> QtCore.QRectF:
        r = self.radius + 2
        return QtCore.QRectF(self.center[0] - r, self.center[1] - r, 2 * r, 2 * r)

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        cx, cy = self.center
        r = self.radius
        painter.setBrush(ACCENT if self.hovered else QtGui.QColor(255, 255, 255))
        pen = QtGui.QPen(
            ACCENT if self.hovered else QtGui.QColor(191, 199, 212),
            max(1.2, 1.0 / on_screen_scale(painter)),
        )
        if not self.hovered:
            pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawEllipse(QtCore.QPointF(cx, cy), r, r)
        scale = on_screen_scale(painter)
        ink = QtGui.QPen(
            QtGui.QColor(255, 255, 255) if self.hovered else TEXT_MUTED,
            glyph_pen_width(r, scale),
        )
        ink.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        painter.setPen(ink)
        arm = r * 0.45
        painter.drawLine(QtCore.QPointF(cx - arm, cy), QtCore.QPointF(cx + arm, cy))
        painter.drawLine(QtCore.QPointF(cx, cy - arm), QtCore.QPointF(cx, cy + arm))


class NeuronColumnItem(QtWidgets.QGraphicsItem):
    """The drawn neurons of one layer, their biases, labels and the "more" marker.

    Parameters
    ----------
    layout : NetworkLayout
    drawn : int
        Drawn layer index.
    labels : list of str or None
        One label per drawn neuron (feature or output names), drawn beside the column.
    label_side : {"left", "right"}
        Where labels go (inputs: left, outputs: right).
    has_bias : bool
        Whether neurons carry a bias (all but the inputs).
    """

    def __init__(
        self,
        layout: NetworkLayout,
        drawn: int,
        labels: list[str] | None,
        label_side: str,
        has_bias: bool,
    ):
        super().__init__()
        self.layout = layout
        self.drawn = drawn
        self.column = layout.columns[drawn]
        self.has_bias = has_bias
        self.label_side = label_side
        #: What the column's drawing depends on besides its state (see :meth:`drawing_key`).
        self.key = self.drawing_key(layout, drawn, labels, label_side, has_bias)
        self._rects = [_rect(row) for row in layout.neuron_rects(drawn)]
        count = len(self._rects)
        #: Fill colour per drawn neuron (activation for the selected example), (k, 3) uint8.
        self.fills: np.ndarray | None = None
        #: Activation value per drawn neuron for the selected example, (k,).
        self.values: np.ndarray | None = None
        #: Bias per drawn neuron, (k,), and its colour, (k, 3) uint8.
        self.biases: np.ndarray | None = None
        self.bias_colors: np.ndarray | None = None
        #: Heatmap thumbnail per drawn neuron (two-input problems only).
        self.thumbnails: list[QtGui.QImage] | None = None
        #: Output along the input range per drawn neuron (one-input problems only):
        #: ``(k, C, 2)`` points in [0, 1]², see ``shading.sparkline_points``.
        self.sparklines: np.ndarray | None = None
        self._sparkline_polygons: list[QtGui.QPolygonF] = []
        self.selected_position: int | None = None
        #: The selected neuron when it is one of those not drawn (the marker stands for it).
        self.selected_hidden: int | None = None
        self.hovered_position: int | None = None
        #: Per drawn neuron, whether dropout dropped it in the last training step (None:
        #: nothing dropped, or not shown).
        self.dropped: np.ndarray | None = None
        #: Side of this column's neurons (scene units): columns shorter than the tallest
        #: have larger ones (see NetworkLayout.neuron_side).
        self.side = layout.neuron_side(drawn)
        self._label_font = self.label_font(layout)
        # Numbers in grown neurons (see NetworkLayout.neuron_side) as large as in the
        # tallest column's: they are read together.
        self._value_font = font(max(8.0, layout.neuron_size * 0.24), bold=True)
        #: The largest value font (scene units) whose widest number fits inside a neuron.
        self._value_room = _value_room(self._value_font, layout.neuron_size)
        self._more_font = font(11.0 * layout.ui)
        #: The largest "N more" font (scene units) the marker's slot has room for.
        self._more_room = max(float(self._more_font.pixelSize()), 0.4 * layout.ellipsis_height)
        metrics = QtGui.QFontMetricsF(self._label_font)
        self.labels = (
            elide_names(labels, metrics, layout.label_width - 10)
            if labels is not None and len(labels) == count
            else None
        )
        self.full_labels = list(labels) if labels is not None else None
        #: The largest label font size (scene units) at which the widest label fits beside
        #: the column.
        self._label_width_limit = self._fitting_label_size() if self.labels is not None else 0.0
        self._bias_brushes: list[QtGui.QColor] = [_BIAS_UNKNOWN] * count
        self._blank = False
        self.set_state(None, None, None)
        half = self.side / 2
        #: Room (scene units) beside the neurons for the selection ring, sized for the zoom
        #: the layout was planned for (or half of it): the ring is a few pixels wide on
        #: screen, so zoomed out it reaches further in scene units.
        planned = layout.planned_scale if layout.planned_scale is not None else 1.0
        self._ring_room = max(8.0, 2 * _RING_REACH_PIXELS / planned)
        ring = self._ring_room
        left = self.column.x - half - max(BIAS_RADIUS + 4, ring)
        right = self.column.x + half + max(4.0, ring)
        if self.labels is not None and label_side == "left":
            left = min(left, self.column.x - half - self.label_gap(layout) - layout.label_width)
        if self.labels is not None and label_side == "right":
            right = max(right, self.column.x + half + self.label_gap(layout) + layout.label_width)
        if self.column.ellipsis_y is not None:
            # The "N more" pill is wider than a neuron; outside the bounds the item's cache
            # would cut it off.
            pill_half = self._more_pill_width() / 2 + 1
            left = min(left, self.column.x - pill_half)
            right = max(right, self.column.x + pill_half)
        # Labels of every few rows may be taller than a row (see label_font_at).
        reach = max(4.0, ring)
        if self.labels is not None:
            tallest = min(self._label_width_limit, 0.85 * self.column.pitch * len(self.labels))
            reach += 0.7 * tallest
        top = layout.body_top - reach
        self._bounds = QtCore.QRectF(left, top, right - left, layout.body_bottom - top + reach + 4)
        self.setAcceptedMouseButtons(QtCore.Qt.MouseButton.NoButton)
        # Painted once per change and blitted otherwise: the canvas repaints as a whole, and
        # the edges' catch-up strokes between frames would repaint every neuron again.
        self.setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)

    @staticmethod
    def drawing_key(
        layout: NetworkLayout,
        drawn: int,
        labels: list[str] | None,
        label_side: str,
        has_bias: bool,
    ) -> tuple:
        """Everything the column's drawing is made of besides the values it shows (fills,
        biases, heatmaps, selection): a column with an equal key looks the same.

        The canvas keeps such a column (and its cached pixmap) across an edit instead of
        making it anew.
        """
        column = layout.columns[drawn]
        return (
            layout.scale_key(),
            drawn,
            column.units,
            column.x,
            column.ellipsis_y,
            layout.neuron_side(drawn),
            column.indices.tobytes(),
            column.centers_y.tobytes(),
            None if labels is None else tuple(labels),
            label_side,
            has_bias,
        )

    @property
    def corner_radius(self) -> float:
        """Corner radius of the neuron squares (scene units)."""
        return max(4.0, self.side * 0.18)

    @property
    def corner_ratio(self) -> float:
        """Corner radius as a fraction of the neuron side (how heatmap thumbnails are cut)."""
        return self.corner_radius / self.side

    @staticmethod
    def label_gap(layout: NetworkLayout) -> float:
        """Room (scene units) between a neuron and its label: at least
        :data:`~nnstudio.ui.canvas.layout.LABEL_GAP_PIXELS` on screen at the planned zoom."""
        planned = layout.planned_scale
        return max(10.0, LABEL_GAP_PIXELS / planned) if planned else 10.0

    @staticmethod
    def label_font(layout: NetworkLayout) -> QtGui.QFont:
        """The font of feature and output labels for a layout."""
        return font((11.5 if layout.neuron_size >= 36 else 10.5) * layout.ui)

    # ---- state -------------------------------------------------------------------------------

    def set_state(
        self,
        fills: np.ndarray | None,
        values: np.ndarray | None,
        thumbnails: list[QtGui.QImage] | None,
        constants: np.ndarray | None = None,
    ) -> None:
        """Show the activations of the selected example (and the heatmaps).

        Parameters
        ----------
        fills : ndarray, shape (k, 3), or None
        values : ndarray, shape (k,), or None
        thumbnails : list of QImage or None
            One heatmap per drawn neuron.
        constants : ndarray, shape (k,), or None
            With heatmaps: each neuron's output where it is constant over the plane, NaN
            where it varies. A constant heatmap is a flat fill (a zero is the neutral grey,
            alike an empty neuron), so it gets its value written in it, or a flat line where
            no number fits.
        """
        blank = fills is None and values is None and not thumbnails
        if blank and self._blank:
            return  # still nothing to show: the cached paint stays valid
        self._blank = blank
        self.fills = fills
        self.values = values
        self.thumbnails = thumbnails if thumbnails else None
        #: Per drawn neuron with a constant heatmap, its value's text and ink; else None.
        self._flat: list[tuple[str, QtGui.QColor] | None] | None = None
        if self.thumbnails is not None and constants is not None:
            flat = np.asarray(constants, dtype=float)
            if flat.shape == (len(self.thumbnails),) and np.isfinite(flat).any():
                self._flat = [
                    None if not np.isfinite(value) else (_short(value), _ink_on(image))
                    for value, image in zip(flat.tolist(), self.thumbnails, strict=True)
                ]
        # Colours, pens and texts are made here, once per change, not in every paint, and
        # only those the paint uses: a neuron showing its heatmap shows no fill or number.
        count = len(self._rects)
        self._inks: list[QtGui.QColor] = [TEXT] * count
        self._texts: list[str] | None = None
        if fills is None:
            self._brushes: list[QtGui.QColor] = [NEURON_EMPTY] * count
            self._rings: list[QtGui.QPen] = [QtGui.QPen(NEURON_BORDER, 3.0)] * count
        else:
            rgb = np.asarray(fills, dtype=np.int64)[:, :3].tolist()
            colors = [QtGui.QColor(r, g, b) for r, g, b in rgb]
            if self.thumbnails is not None:
                self._brushes = [NEURON_EMPTY] * count
                self._rings = [QtGui.QPen(color, 3.0) for color in colors]
            else:
                self._brushes = colors
                self._rings = [QtGui.QPen(NEURON_BORDER, 3.0)] * count
                self._inks = [_text_color_for(color) for color in rgb]
                if values is not None:
                    self._texts = [_short(value) for value in np.asarray(values, float).tolist()]
        self.update()

    def set_sparklines(self, points: np.ndarray | None) -> None:
        """Show each neuron's output along the input range (``(k, C, 2)`` or ``None``)."""
        if points is None and self.sparklines is None:
            return  # still none: the cached paint stays valid
        self.sparklines = points
        self._sparkline_polygons = []
        if points is not None:
            rects = self.layout.neuron_rects(self.drawn)
            inset = 0.14 * self.side
            # Map [0, 1]² into each neuron's square, y pointing up.
            x = rects[:, None, 0] + inset + points[:, :, 0] * (rects[:, None, 2] - 2 * inset)
            y = (
                rects[:, None, 1]
                + rects[:, None, 3]
                - inset
                - points[:, :, 1] * (rects[:, None, 3] - 2 * inset)
            )
            self._sparkline_polygons = [
                QtGui.QPolygonF([QtCore.QPointF(px, py) for px, py in zip(xs, ys, strict=True)])
                for xs, ys in zip(x.tolist(), y.tolist(), strict=True)
            ]
        self.update()

    def set_biases(self, biases: np.ndarray | None, colors: np.ndarray | None) -> None:
        """Show each drawn neuron's bias."""
        previous = self.bias_colors
        self.biases = biases
        self.bias_colors = colors
        if (colors is None and previous is None) or (
            colors is not None and previous is not None and np.array_equal(colors, previous)
        ):
            return  # the same dots (e.g. biases all initialised alike): keep the cached paint
        self._bias_brushes = (
            [
                QtGui.QColor(r, g, b)
                for r, g, b in np.asarray(colors, dtype=np.int64)[:, :3].tolist()
            ]
            if colors is not None
            else [_BIAS_UNKNOWN] * len(self._rects)
        )
        self.update()

    def set_dropped(self, dropped: np.ndarray | None) -> None:
        """Draw the neurons dropout dropped in the last training step faded.

        Parameters
        ----------
        dropped : ndarray of bool, shape (k,), or None
            Per drawn neuron, ``True`` where it was dropped; ``None`` shows none as dropped.
        """
        if dropped is not None:
            dropped = np.asarray(dropped, dtype=bool)
            if dropped.shape != (len(self._rects),) or not dropped.any():
                dropped = None
        previous = self.dropped
        if (dropped is None and previous is None) or (
            dropped is not None and previous is not None and np.array_equal(dropped, previous)
        ):
            return  # the same neurons: keep the cached paint
        self.dropped = dropped
        self.update()

    def set_selected_position(self, position: int | None) -> None:
        """Ring the selected neuron (its position among the drawn ones)."""
        if position != self.selected_position:
            self.selected_position = position
            self.update()

    def set_selected_hidden(self, neuron: int | None) -> None:
        """Show the selected neuron on the "N more" marker when it is not drawn."""
        if self.column.ellipsis_y is None:
            neuron = None
        if neuron != self.selected_hidden:
            self.selected_hidden = neuron
            self.update()

    def set_hovered_position(self, position: int | None) -> None:
        """Outline the neuron under the mouse."""
        if position != self.hovered_position:
            self.hovered_position = position
            self.update()

    # ---- painting ----------------------------------------------------------------------------

    def boundingRect(self) -> QtCore.QRectF:
        return self._bounds

    def paint(
        self,
        painter: QtGui.QPainter,
        option: QtWidgets.QStyleOptionGraphicsItem,
        widget: QtWidgets.QWidget | None = None,
    ) -> None:
        size = self.side
        radius = self.corner_radius
        sparklines = self._sparkline_polygons
        value_font = self.value_font_at(on_screen_scale(painter))
        show_values = (
            self.thumbnails is None
            and not sparklines
            and self.values is not None
            and value_font is not None
        )
        if self.thumbnails:
            # Shrunk to less than half, a smooth (bilinear) scaling samples barely more of
            # each heatmap than a plain one and costs a third of the column's paint.
            scale = painter.worldTransform().m11() * size / max(self.thumbnails[0].width(), 1)
            painter.setRenderHint(QtGui.QPainter.RenderHint.SmoothPixmapTransform, scale >= 0.5)
        thumbnails, brushes, rings = self.thumbnails, self._brushes, self._rings
        flat = self._flat
        has_fills = self.fills is not None
        border = QtGui.QPen(NEURON_BORDER, 1.0)
        bias_pen = QtGui.QPen(QtGui.QColor(255, 255, 255), 1.5)
        no_brush = QtCore.Qt.BrushStyle.NoBrush
        dropped = self.dropped.tolist() if self.dropped is not None else None
        for position, rect in enumerate(self._rects):
            if dropped is not None and dropped[position]:
                # Out of the network for this step: the neuron shows through faintly.
                painter.setOpacity(DROPPED_OPACITY)
            if thumbnails is not None:
                # The image's corners are already cut round (transparent): no clip path.
                painter.drawImage(rect, thumbnails[position])
                # The ring shows the activation for the selected example.
                painter.setPen(rings[position])
                painter.setBrush(no_brush)
                painter.drawRoundedRect(rect.adjusted(-1, -1, 1, 1), radius + 1, radius + 1)
                if flat is not None and flat[position] is not None:
                    self._paint_flat(painter, rect, *flat[position], value_font)
            else:
                painter.setPen(border)
                painter.setBrush(brushes[position])
                painter.drawRoundedRect(rect, radius, radius)
                fill = self.fills[position] if has_fills else None
                if sparklines:
                    self._paint_sparkline(painter, rect, sparklines[position], fill)
                if show_values and has_fills and self._texts is not None:
                    painter.setFont(value_font)
                    painter.setPen(self._inks[position])
                    painter.drawText(
                        rect, QtCore.Qt.AlignmentFlag.AlignCenter, self._texts[position]
                    )
            if self.has_bias:
                painter.setPen(bias_pen)
                painter.setBrush(self._bias_brushes[position])
                painter.drawEllipse(rect.bottomLeft(), BIAS_RADIUS, BIAS_RADIUS)
            if dropped is not None and dropped[position]:
                painter.setOpacity(1.0)
                self._paint_dropped(painter, rect, radius)
        self._paint_rings(painter)
        self._paint_labels(painter)
        self._paint_more_marker(painter)

    @staticmethod
    def _paint_dropped(painter: QtGui.QPainter, rect: QtCore.QRectF, radius: float) -> None:
        """Mark a dropped neuron: a dashed outline and a cross, as drawn in dropout's
        textbook figures (a unit crossed out of the network)."""
        pen = QtGui.QPen(DROPPED_OUTLINE, max(1.0, 0.035 * rect.width()))
        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawRoundedRect(rect, radius, radius)
        inset = 0.3 * rect.width()
        pen.setStyle(QtCore.Qt.PenStyle.SolidLine)
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        pen.setWidthF(max(1.2, 0.05 * rect.width()))
        painter.setPen(pen)
        inner = rect.adjusted(inset, inset, -inset, -inset)
        painter.drawLine(inner.topLeft(), inner.bottomRight())
        painter.drawLine(inner.topRight(), inner.bottomLeft())

    def _paint_flat(
        self,
        painter: QtGui.QPainter,
        rect: QtCore.QRectF,
        text: str,
        ink: QtGui.QColor,
        value_font: QtGui.QFont | None,
    ) -> None:
        """Mark a heatmap that is one colour as constant: its value, or a flat line (the
        graph of a constant) where the neuron is too small on screen for a number."""
        if value_font is not None:
            painter.setFont(value_font)
            painter.setPen(ink)
            painter.drawText(rect, QtCore.Qt.AlignmentFlag.AlignCenter, text)
            return
        inset = 0.22 * rect.width()
        pen = QtGui.QPen(ink, max(1.0, 0.08 * rect.height()))
        pen.setCapStyle(QtCore.Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        middle = rect.center().y()
        painter.drawLine(
            QtCore.QPointF(rect.left() + inset, middle),
            QtCore.QPointF(rect.right() - inset, middle),
        )

    def _paint_rings(self, painter: QtGui.QPainter) -> None:
        """Outline the hovered neuron and ring the selected one.

        Painted over every neuron (neighbours drawn later would cover a ring reaching over
        them), and at least :data:`SELECTION_PIXELS` wide on screen, on a white halo so the
        ring stands out from coloured neurons and edges however small the neurons are.
        """
        # Zoomed out past the room the item's bounds leave, rings stay within it (a ring
        # cut off by the item's cache would look broken).
        scale = max(on_screen_scale(painter), _RING_REACH_PIXELS / self._ring_room)
        radius = self.corner_radius
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        hovered, selected = self.hovered_position, self.selected_position
        if hovered is not None and hovered != selected:
            rect = self._rects[hovered]
            out = max(3.0, 1.5 / scale)
            painter.setPen(QtGui.QPen(QtGui.QColor(37, 99, 235, 140), max(1.5, 1.2 / scale)))
            painter.drawRoundedRect(rect.adjusted(-out, -out, out, out), radius + out, radius + out)
        if selected is not None:
            rect = self._rects[selected]
            # Around a neuron a few pixels wide, a bolder ring (whole pixels of colour
            # whatever its position between them) is what finds it.
            pixels = SELECTION_PIXELS if self.side * scale >= 12 else _SMALL_SELECTION_PIXELS
            width = max(2.5, pixels / scale)
            # The ring's middle lies a pixel and half its width outside the neuron.
            out = max(4.0, 1.0 / scale + width / 2)
            ring = rect.adjusted(-out, -out, out, out)
            painter.setPen(QtGui.QPen(QtGui.QColor(255, 255, 255), width + 2.0 / scale))
            painter.drawRoundedRect(ring, radius + out, radius + out)
            painter.setPen(QtGui.QPen(ACCENT, width))
            painter.drawRoundedRect(ring, radius + out, radius + out)

    def _paint_sparkline(
        self,
        painter: QtGui.QPainter,
        rect: QtCore.QRectF,
        polygon: QtGui.QPolygonF,
        fill: np.ndarray | None,
    ) -> None:
        """The neuron's output along the input range, over a hairline at its neutral value."""
        ink = _text_color_for(fill) if fill is not None else TEXT
        middle = rect.center().y()
        inset = 0.14 * rect.width()
        guide = QtGui.QColor(ink)
        guide.setAlpha(90)
        painter.setPen(QtGui.QPen(guide, 0.8, QtCore.Qt.PenStyle.DashLine))
        painter.drawLine(
            QtCore.QPointF(rect.left() + inset, middle),
            QtCore.QPointF(rect.right() - inset, middle),
        )
        pen = QtGui.QPen(ink, max(1.2, rect.width() * 0.035))
        pen.setJoinStyle(QtCore.Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(QtCore.Qt.BrushStyle.NoBrush)
        painter.drawPolyline(polygon)

    def _paint_labels(self, painter: QtGui.QPainter) -> None:
        if self.labels is None:
            return
        scale = on_screen_scale(painter)
        stride = self.label_stride(scale)
        painter.setFont(self.label_font_at(scale, stride))
        painter.setPen(TEXT)
        for position in self.labelled_positions(scale):
            box, align = self.label_box(position)
            # A label may be taller than its neuron (readable beside small neurons) or than
            # its row (every few rows labelled): not cut to either.
            painter.drawText(box, align | QtCore.Qt.TextFlag.TextDontClip, self.labels[position])

    def label_box(self, position: int) -> tuple[QtCore.QRectF, QtCore.Qt.AlignmentFlag]:
        """The box a drawn neuron's label is aligned in (scene units), and how."""
        rect = self._rects[position]
        half = self.side / 2
        width = self.layout.label_width - 10
        gap = self.label_gap(self.layout)
        if self.label_side == "left":
            left = rect.left() - gap - width
            box = QtCore.QRectF(left, rect.center().y() - half, width, 2 * half)
            align = QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter
        else:
            box = QtCore.QRectF(rect.right() + gap, rect.center().y() - half, width, 2 * half)
            align = QtCore.Qt.AlignmentFlag.AlignLeft | QtCore.Qt.AlignmentFlag.AlignVCenter
        return box, align

    def labelled_positions(self, scale: float) -> list[int]:
        """Positions (among the drawn neurons) whose label is drawn at ``scale``.

        Every :meth:`label_stride`-th neuron; in a compact column, the head is labelled
        from its first neuron and the tail from its last (the names that tell the range),
        and labels the "N more" marker would cover are left out. Hover names the others.
        """
        if self.labels is None:
            return []
        count = len(self.labels)
        stride = self.label_stride(scale)
        column = self.column
        if column.ellipsis_y is None:
            return list(range(0, count, stride))
        head = int(np.count_nonzero(column.centers_y < column.ellipsis_y))
        chosen = [*range(0, head, stride), *sorted(range(count - 1, head - 1, -stride))]
        font = self.label_font_at(scale, stride)
        reach = QtGui.QFontMetricsF(font).height() / 2
        pill = self.more_marker_rect(scale)
        centers = column.centers_y
        return [
            position
            for position in chosen
            if centers[position] + reach <= pill.top() or centers[position] - reach >= pill.bottom()
        ]

    def label_font_at(self, scale: float, stride: int = 1) -> QtGui.QFont:
        """The label font at ``scale`` screen pixels per scene unit: enlarged towards
        :data:`MIN_TEXT_PIXELS` on screen, and never larger than the labels' rows and their
        room beside the column (never elided more, never overlapping).

        ``stride``: only every ``stride``-th neuron is labelled, so a label may take that
        many rows (see :meth:`label_stride`).
        """
        base = self._label_font
        largest = min(self._label_width_limit, 0.85 * self.column.pitch * stride)
        size = float(base.pixelSize())
        wanted = min(max(size, MIN_TEXT_PIXELS * self.layout.text_scale / scale), largest)
        pixels = round(wanted)
        if pixels > largest:
            # Rounded up past the room it was sized for, the text would touch its neighbours.
            pixels = math.floor(largest)
        pixels = max(1, pixels)
        if pixels == base.pixelSize():
            return base
        result = QtGui.QFont(base)
        result.setPixelSize(pixels)
        return result

    def label_stride(self, scale: float) -> int:
        """Label every this many neurons at ``scale``: 1 while labels a row apart can be
        read, more when rows are too close on screen for :data:`MIN_TEXT_PIXELS` (a
        zoomed-out 64-input column: labels of 6 px, unreadable, on every row). The names of
        the neurons left unlabelled show on hover.
        """
        if self.labels is None or len(self.labels) < 3:
            return 1
        width_limit = self._label_width_limit
        for stride in range(1, len(self.labels) + 1):
            row_limit = 0.85 * self.column.pitch * stride  # scene units a label may take
            if min(row_limit, width_limit) * scale >= MIN_TEXT_PIXELS * self.layout.text_scale:
                return stride
            if row_limit >= width_limit:
                return stride  # the width limits them now: more room between rows won't help
        return len(self.labels)

    def _fitting_label_size(self) -> float:
        """The largest label font size (scene units) at which the widest label fits beside
        the column."""
        assert self.labels is not None
        base = self._label_font
        metrics = QtGui.QFontMetricsF(base)
        widest = max((metrics.horizontalAdvance(text) for text in self.labels), default=0.0)
        size = float(base.pixelSize())
        room = self.layout.label_width - 10
        return size * room / widest if widest > 0 else size

    def value_font_at(self, scale: float) -> QtGui.QFont | None:
        """The font of the numbers inside the neurons at ``scale`` screen pixels per scene
        unit: at least :data:`MIN_VALUE_PIXELS` on screen, or ``None`` when the neurons are
        too small on screen to hold a readable number (hover and Properties tell it then).
        """
        result = readable_font(self._value_font, scale, MIN_VALUE_PIXELS, self._value_room)
        if result.pixelSize() * scale < MIN_VALUE_PIXELS - 0.5:
            return None
        return result

    def more_font_at(self, scale: float) -> QtGui.QFont:
        """The font of the "N more" marker at ``scale`` screen pixels per scene unit."""
        least = MIN_TEXT_PIXELS * self.layout.text_scale
        return readable_font(self._more_font, scale, least, self._more_room)

    def marker_texts(self) -> list[str]:
        """What the "N more" marker may say, longest first (the first that fits is shown).

        With a neuron that is not drawn selected, the marker stands for it: "neuron 101 of
        256"; otherwise it counts the neurons left out, "38 more" or, in a narrow lane,
        "+38" (a bare number would read as a value). Hover says which neurons they are.
        """
        column = self.column
        if self.selected_hidden is not None:
            number = self.selected_hidden + 1
            return [
                f"neuron {number} of {column.units}",
                f"{number} of {column.units}",
                f"#{number}",
            ]
        return count_texts(column.omitted)

    def _marker_limit(self) -> float:
        """Widest the marker may be (scene units): its lane, with a little room each side."""
        return self.layout.lane_width - 4 * self.layout.ui

    def _marker_text(self, scale: float) -> tuple[str, QtGui.QFont, float]:
        """The marker's text, font and pill width at ``scale``: the longest text that fits
        the lane (see :meth:`marker_texts`); the shortest, shrunk down to
        :data:`MIN_SHRUNK_PIXELS` on screen, when none does."""
        base = self.more_font_at(scale)
        if self.selected_hidden is not None:
            base = QtGui.QFont(base)
            base.setBold(True)
        pad = 10 * self.layout.ui
        limit = self._marker_limit()
        texts = self.marker_texts()
        metrics = QtGui.QFontMetricsF(base)
        # Counts are worded alike in every compact column ("N more" everywhere, or "+N"
        # everywhere): the wording is chosen for the widest count of the network, whose
        # lanes are all as wide and whose markers share a font.
        probes = texts if self.selected_hidden is not None else self._widest_count_texts()
        for text, probe in zip(texts, probes, strict=True):
            if metrics.horizontalAdvance(probe) + pad <= limit:
                return text, base, metrics.horizontalAdvance(text) + pad
        text = texts[-1]
        advance = max(metrics.horizontalAdvance(text), 1.0)
        fits = base.pixelSize() * (limit - pad) / advance
        pixels = max(
            math.floor(fits), math.ceil(MIN_SHRUNK_PIXELS * self.layout.text_scale / scale)
        )
        result = base
        if pixels < base.pixelSize():
            result = QtGui.QFont(base)
            result.setPixelSize(max(1, pixels))
        return text, result, QtGui.QFontMetricsF(result).horizontalAdvance(text) + pad

    def _widest_count_texts(self) -> list[str]:
        """:func:`count_texts` of the network's largest count of neurons left out."""
        counts = [column.omitted for column in self.layout.columns if column.compact]
        return count_texts(max(counts, default=self.column.omitted))

    def _more_pill_width(self, font: QtGui.QFont | None = None) -> float:
        """Widest the marker of a compact column gets (scene units): its longest text at its
        largest font, but no wider than its lane unless even its shortest text needs it."""
        if font is None:
            font = QtGui.QFont(self._more_font)
            font.setPixelSize(max(1, math.floor(self._more_room)))
        bold = QtGui.QFont(font)
        bold.setBold(True)
        metrics, bold_metrics = QtGui.QFontMetricsF(font), QtGui.QFontMetricsF(bold)
        pad = 10 * self.layout.ui
        column = self.column
        widest = max(
            metrics.horizontalAdvance(f"{column.omitted} more"),
            bold_metrics.horizontalAdvance(f"neuron {column.units} of {column.units}"),
        )
        shortest = bold_metrics.horizontalAdvance(f"#{column.units}")
        return max(min(widest + pad, self._marker_limit()), shortest + pad)

    def more_marker_rect(self, scale: float) -> QtCore.QRectF:
        """The pill of the "N more" marker at ``scale`` (scene units; empty when none)."""
        if self.column.ellipsis_y is None:
            return QtCore.QRectF()
        ui = self.layout.ui
        _text, more_font, width = self._marker_text(scale)
        text_height = QtGui.QFontMetricsF(more_font).height()
        # The marker's slot is sized for its text (see NetworkLayout.ellipsis_height).
        height = min(self.layout.ellipsis_height - 4 * ui, text_height + 16 * ui)
        height = max(height, min(text_height + 4 * ui, self.layout.ellipsis_height))
        x, y = self.column.x, self.column.ellipsis_y
        return QtCore.QRectF(x - width / 2, y - height / 2, width, height)

    def _paint_more_marker(self, painter: QtGui.QPainter) -> None:
        if self.column.ellipsis_y is None:
            return
        ui = self.layout.ui
        x = self.column.x
        scale = on_screen_scale(painter)
        text, more_font, _width = self._marker_text(scale)
        text_height = QtGui.QFontMetricsF(more_font).height()
        selected = self.selected_hidden is not None
        # A white pill keeps the marker readable over the edges crossing it; standing for
        # the selected neuron, it takes the selection's colour and a ring as wide as the
        # selected neurons' (see _paint_selection).
        pill = self.more_marker_rect(scale)
        width, height = pill.width(), pill.height()
        if selected:
            painter.setPen(QtGui.QPen(ACCENT, max(1.5, SELECTION_PIXELS / scale)))
            painter.setBrush(ACCENT_SOFT)
        else:
            painter.setPen(QtGui.QPen(LANE_BORDER, 1.0))
            painter.setBrush(QtGui.QColor(255, 255, 255, 235))
        corner = min(7 * ui, height / 2)
        painter.drawRoundedRect(pill, corner, corner)
        ink = ACCENT if selected else TEXT_MUTED
        with_dots = height >= text_height + 12 * ui
        if with_dots:
            painter.setPen(QtCore.Qt.PenStyle.NoPen)
            painter.setBrush(ink)
            dots_height = height - text_height - 6 * ui
            step = dots_height / 3
            dot = 1.3 * ui
            for k in range(3):
                painter.drawEllipse(
                    QtCore.QPointF(x, pill.top() + 4 * ui + step * (k + 0.5)), dot, dot
                )
        painter.setPen(ink)
        painter.setFont(more_font)
        text_box = (
            QtCore.QRectF(pill.left(), pill.bottom() - text_height - 3 * ui, width, text_height)
            if with_dots
            else pill
        )
        painter.drawText(
            text_box,
            QtCore.Qt.AlignmentFlag.AlignCenter | QtCore.Qt.TextFlag.TextDontClip,
            text,
        )


def count_texts(omitted: int) -> list[str]:
    """How a compact column's marker may count the ``omitted`` neurons it leaves out,
    longest first: "38 more", then "+38" for a lane too narrow for it."""
    return [f"{omitted} more", f"+{omitted}"]


def _value_room(base: QtGui.QFont, neuron_size: float) -> float:
    """The largest pixel size (scene units) at which a neuron's widest number ("-0.00")
    fits inside it with a small margin."""
    advance = QtGui.QFontMetricsF(base).horizontalAdvance("-0.00")
    return base.pixelSize() * 0.86 * neuron_size / max(advance, 1.0)


def _short(value: float) -> str:
    """Compact number for inside a neuron (3 significant characters or so)."""
    if not np.isfinite(value):
        return "nan"
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"
