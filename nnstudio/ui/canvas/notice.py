"""A banner floating over the canvas for messages such as "Output layer resized ..."."""

from __future__ import annotations

from nnstudio.ui.qt import QtCore, QtGui, QtWidgets

_STYLE = """
QLabel#canvasNotice {
    background: #fffbeb;
    color: #78350f;
    border: 1px solid #f3c969;
    border-radius: 8px;
    padding: 8px 14px;
}
"""


class NoticeBanner(QtWidgets.QLabel):
    """A rounded message at the bottom of its parent that fades away, or closes on click.

    It sits in the band the canvas keeps free below the drawing (over the colour key, beside
    the zoom buttons), so it never hides a layer's header or its buttons.

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
        self.setWordWrap(True)
        self.setCursor(QtCore.Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to dismiss")
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
        self._area: QtCore.QRect | None = None
        self.hide()

    def set_area(self, area: QtCore.QRect) -> None:
        """Keep to ``area`` (parent coordinates): as wide as it (at most 640 pixels), its
        bottom on the area's bottom."""
        if area != self._area:
            self._area = QtCore.QRect(area)
            if self.isVisible():
                self.reposition()

    @property
    def messages(self) -> list[str]:
        """The lines currently shown (several notices in a row are stacked)."""
        return list(self._messages)

    def show_message(self, text: str) -> None:
        """Show ``text`` (appended to any message still visible) and restart the timer."""
        if not self.isVisible() or self._fade.state() == QtCore.QAbstractAnimation.State.Running:
            self._messages = []
        self._fade.stop()
        self._effect.setOpacity(1.0)
        # The same notice may arrive twice (from the document and from the window): show it once.
        if text not in self._messages:
            self._messages = [*self._messages[-2:], text]
        self.setText("\n".join(self._messages))
        self.reposition()
        self.show()
        self.raise_()
        self._timer.start()

    def dismiss(self) -> None:
        """Hide immediately."""
        self._timer.stop()
        self._fade.stop()
        self._messages = []
        self.hide()

    def reposition(self) -> None:
        """Sit at the bottom of the area (by default the parent's, 12 pixels in)."""
        parent = self.parentWidget()
        if parent is None:
            return
        area = self._area
        if area is None:
            area = parent.rect().adjusted(12, 12, -12, -12)
        self.setFixedWidth(max(min(area.width(), 640), 160))
        self.adjustSize()
        self.move(area.left(), area.bottom() + 1 - self.height())

    def mousePressEvent(self, event: QtGui.QMouseEvent) -> None:
        self.dismiss()
        event.accept()
