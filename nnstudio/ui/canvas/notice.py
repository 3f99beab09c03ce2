"""A banner floating over the canvas for messages such as "Output layer resized ..."."""

from __future__ import annotations

from typing import Any

from nnstudio.ui.qt import QtCore, QtGui, QtWidgets, line_spans

#: Padding (pixels) inside the banner's border, horizontal and vertical.
_PAD_X = 12
_PAD_Y = 4
_BORDER = 1
#: Most lines a message takes: more would reach from the band below the drawing into it.
MAX_LINES = 2
#: Most messages kept for the tooltip (the banner shows the newest only).
_KEPT = 5

_STYLE = f"""
QLabel#canvasNotice {{
    background: #fffbeb;
    color: #78350f;
    border: {_BORDER}px solid #f3c969;
    border-radius: 8px;
    padding: {_PAD_Y}px {_PAD_X}px;
}}
"""


class NoticeBanner(QtWidgets.QLabel):
    """A rounded message at the bottom of its parent that fades away, or closes on click.

    It sits in the band the canvas keeps free below the drawing (over the colour key, beside
    the zoom buttons), so it never hides a layer's lane, header or buttons: it shows only
    the newest message, in at most :data:`MAX_LINES` lines and no taller than that band
    (one line when the band is thinner), elided when longer. Earlier messages still on
    screen are counted ("+1 earlier") and read in full in the tooltip.

    Messages belong to a context (the canvas passes the data they are about): a message of
    another context drops those shown, and :meth:`keep_context` drops them when the context
    changes without a new message, so no message outlives the data it is about.

    Parameters
    ----------
    parent : QWidget
        The widget the banner floats over (see :meth:`set_area`).
    duration_ms : int
        How long a message stays before fading out.
    """

    def __init__(self, parent: QtWidgets.QWidget, duration_ms: int = 6000):
        super().__init__(parent)
        self.setObjectName("canvasNotice")
        self.setStyleSheet(_STYLE)
        # Lines are broken (and elided) here, so the height is known before Qt wraps them.
        self.setWordWrap(False)
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self._effect = QtWidgets.QGraphicsOpacityEffect(self)
        self._effect.setOpacity(1.0)
        self.setGraphicsEffect(self._effect)
        self._fade = QtCore.QPropertyAnimation(self._effect, b"opacity", self)
        self._fade.setDuration(700)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.finished.connect(self.hide)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(duration_ms)
        self._timer.timeout.connect(self._fade.start)
        self._messages: list[str] = []
        self._context: Any = None
        self._area: QtCore.QRect | None = None
        self._update_tooltip()
        self.hide()

    def set_area(self, area: QtCore.QRect) -> None:
        """Keep to ``area`` (parent coordinates): as wide as it (at most 640 pixels), its
        bottom on the area's bottom, and no taller than it unless one line needs more."""
        if area != self._area:
            self._area = QtCore.QRect(area)
            if self.isVisible():
                self.reposition()

    @property
    def messages(self) -> list[str]:
        """The messages still on screen, oldest first (the banner shows the last one)."""
        return list(self._messages)

    @property
    def context(self) -> Any:
        """What the messages on screen are about (see :meth:`show_message`)."""
        return self._context

    def show_message(self, text: str, context: Any = None) -> None:
        """Show ``text`` (the earlier messages still visible go to the tooltip) and restart
        the timer.

        Parameters
        ----------
        text : str
            The message.
        context : object
            What it is about (compared with ``==``): messages of another context are
            dropped, and :meth:`keep_context` drops this one once the context changes.
        """
        fading = self._fade.state() == QtCore.QAbstractAnimation.State.Running
        if not self.isVisible() or fading or context != self._context:
            self._messages = []
        self._context = context
        self._fade.stop()
        self._effect.setOpacity(1.0)
        # The same notice may arrive twice (from the document and from the window): keep it
        # once, as the newest.
        if text in self._messages:
            self._messages.remove(text)
        self._messages = [*self._messages[-(_KEPT - 1) :], text]
        self._update_tooltip()
        self.reposition()
        self.show()
        self.raise_()
        self._timer.start()

    def keep_context(self, context: Any) -> None:
        """Drop the messages unless they are about ``context`` (say, the data changed)."""
        if context != self._context:
            self._context = context
            if self._messages:
                self.dismiss()

    def dismiss(self) -> None:
        """Hide immediately."""
        self._timer.stop()
        self._fade.stop()
        self._messages = []
        self._update_tooltip()
        self.hide()

    def max_lines(self) -> int:
        """Lines of text the area's height has room for: 1 to :data:`MAX_LINES`."""
        if self._area is None:
            return MAX_LINES
        self.ensurePolished()
        spacing = QtGui.QFontMetricsF(self.font()).lineSpacing()
        room = self._area.height() - 2 * (_PAD_Y + _BORDER)
        return max(1, min(MAX_LINES, int(room // spacing)))

    def reposition(self) -> None:
        """Sit at the bottom of the area (by default the parent's, 12 pixels in)."""
        parent = self.parentWidget()
        if parent is None:
            return
        area = self._area
        if area is None:
            area = parent.rect().adjusted(12, 12, -12, -12)
        width = max(min(area.width(), 640), 160)
        self.setFixedWidth(width)
        self.ensurePolished()
        text_width = width - 2 * (_PAD_X + _BORDER) - 2  # a hair for rounding
        newest = self._messages[-1] if self._messages else ""
        earlier = len(self._messages) - 1
        suffix = f"\u00a0\u00a0+{earlier}\u00a0earlier" if earlier > 0 else ""
        lines = fit_lines(newest, suffix, self.font(), text_width, self.max_lines())
        self.setText("\n".join(lines))
        spacing = QtGui.QFontMetricsF(self.font()).lineSpacing()
        self.setFixedHeight(round(len(lines) * spacing) + 2 * (_PAD_Y + _BORDER))
        self.move(area.left(), area.bottom() + 1 - self.height())

    def _update_tooltip(self) -> None:
        # The whole story: every message still on screen in full, oldest first.
        if len(self._messages) > 1:
            body = "\n".join(f"• {text}" for text in self._messages)
        else:
            body = "".join(self._messages)
        self.setToolTip(f"{body}\n\nClick to dismiss" if body else "Click to dismiss")

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self.dismiss()
        event.accept()


def fit_lines(text: str, suffix: str, font: QtGui.QFont, width: float, max_lines: int) -> list[str]:
    """Break ``text`` followed by ``suffix`` into at most ``max_lines`` lines of ``width``
    pixels, eliding the text (never the suffix) on the last line when it is longer.

    Parameters
    ----------
    text, suffix : str
        The message and what follows it (kept whole, e.g. "+1 earlier").
    font : QFont
    width : float
        Room for a line, pixels.
    max_lines : int

    Returns
    -------
    list of str
        The lines, at least one.
    """
    whole = _wrap(text + suffix, font, width)
    if len(whole) <= max_lines:
        return whole
    metrics = QtGui.QFontMetricsF(font)
    lines = _wrap(text, font, width)
    head = lines[: max_lines - 1]
    rest = text[sum(len(line) for line in head) :].strip()
    room = max(width - metrics.horizontalAdvance(suffix), 0.0)
    last = metrics.elidedText(rest, QtCore.Qt.TextElideMode.ElideRight, room) + suffix
    return [line.rstrip() for line in head] + [last]


def _wrap(text: str, font: QtGui.QFont, width: float) -> list[str]:
    """``text`` broken at word boundaries into lines of ``width`` pixels (Qt's wrapping)."""
    spans = line_spans(text, font, width, anywhere=True)
    return [text[start : start + length] for start, length in spans] or [""]
