"""A label for live values whose size hints are not worked out anew for every new value.

Training changes the text of a neuron's readout and captions about ten times a second. For
a wrapping label, above all one of rich text, each size hint lays the text out anew (the
readout's HTML table: about 2 ms), and one change makes the Properties page ask for a dozen
hints: 10–20 ms of layout per frame on top of the repaint, while the text keeps its form
and only its numbers change.

Here a text's *skeleton* is the text with its numbers taken out. The hints measured for a
skeleton are kept for :data:`REMEASURE_SECONDS`: new numbers in that time reuse them, and
the first text after it is measured again; a text shown on reused hints is measured again
when that time is up, even if no new text comes (training paused). Numbers of other lengths
rarely change how a line wraps; when they do, the label's height catches up within that
time. A text of another form (another skeleton) is measured at once.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from nnstudio.ui.qt import QtCore, QtGui, QtWidgets

__all__ = ["REMEASURE_SECONDS", "SteadyLabel", "number_skeleton"]

#: How long hints measured for a skeleton are kept. Each measurement of the readout costs
#: 6–12 ms of layout; measured every half second, they still pushed the window's longest
#: stalls over 20 ms.
REMEASURE_SECONDS = 2.0
#: Markup and character references, left as they are in rich text.
_MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")
#: A number as Python formats it (with the true minus sign the studio writes), not part of a
#: name such as x1 or h2.
_NUMBER = re.compile(r"(?<![\w.])[\u2212+-]?\d+(?:\.\d+)?(?:e[\u2212+-]?\d+)?")
#: Skeletons remembered per label; more than this start afresh.
_MAX_KEPT = 16
#: Events after which kept hints may be wrong.
_RESIZING = frozenset(
    {
        QtCore.QEvent.Type.FontChange,
        QtCore.QEvent.Type.StyleChange,
        QtCore.QEvent.Type.ContentsRectChange,
        QtCore.QEvent.Type.ApplicationFontChange,
        QtCore.QEvent.Type.Polish,
    }
)


def number_skeleton(text: str, rich: bool) -> str:
    """``text`` with every number replaced by NUL.

    Parameters
    ----------
    text : str
    rich : bool
        Whether ``text`` is markup: numbers inside tags and references are not values.
    """
    parts = _MARKUP.split(text) if rich else [text]
    for index in range(0, len(parts), 2):  # the text between the markup
        parts[index] = _NUMBER.sub("\0", parts[index])
    return "".join(parts)


@dataclass
class _Measured:
    """Hints of one skeleton, measured on a text of it at ``when`` (monotonic seconds)."""

    when: float
    hints: dict[tuple[str, int], Any] = field(default_factory=dict)


class SteadyLabel(QtWidgets.QLabel):
    """A :class:`QLabel` whose size hints hold while only its numbers change (see module)."""

    def __init__(self, text: str = "", parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._measured: dict[str, _Measured] = {}
        self._current: _Measured | None = None
        #: Measures the text shown on reused hints once they have had their time.
        self._recheck = QtCore.QTimer(self)
        self._recheck.setSingleShot(True)
        self._recheck.timeout.connect(self._measure_again)
        self.setText(text)

    def _rich(self, text: str) -> bool:
        text_format = self.textFormat()
        if text_format == QtCore.Qt.TextFormat.AutoText:
            return QtGui.Qt.mightBeRichText(text)
        return text_format == QtCore.Qt.TextFormat.RichText

    def setText(self, text: str) -> None:
        skeleton = number_skeleton(text, self._rich(text))
        now = time.monotonic()
        measured = self._measured.get(skeleton)
        if measured is None or now - measured.when > REMEASURE_SECONDS:
            if len(self._measured) >= _MAX_KEPT:
                self._measured.clear()
            measured = self._measured[skeleton] = _Measured(now)
        elif not self._recheck.isActive():
            due = measured.when + REMEASURE_SECONDS - now
            self._recheck.start(max(1, math.ceil(1000 * due)))
        self._current = measured
        super().setText(text)

    def _measure_again(self) -> None:
        """Measure the text shown now, if its hints were measured on an earlier one."""
        measured = self._current
        if measured is None:
            return
        now = time.monotonic()
        if now - measured.when < REMEASURE_SECONDS:
            self._recheck.start(max(1, math.ceil(1000 * (measured.when + REMEASURE_SECONDS - now))))
            return
        measured.hints.clear()
        measured.when = now
        self.updateGeometry()

    def _kept(self, kind: str, width: int, measure: Callable[[], Any]) -> Any:
        if self._current is None:
            return measure()
        hints = self._current.hints
        key = (kind, width)
        if key not in hints:
            hints[key] = measure()
        hint = hints[key]
        return QtCore.QSize(hint) if isinstance(hint, QtCore.QSize) else hint

    def sizeHint(self) -> QtCore.QSize:
        return self._kept("size", -1, super().sizeHint)

    def minimumSizeHint(self) -> QtCore.QSize:
        return self._kept("minimum", -1, super().minimumSizeHint)

    def heightForWidth(self, width: int) -> int:
        return self._kept("height", width, lambda: super(SteadyLabel, self).heightForWidth(width))

    def forget_hints(self) -> None:
        """Measure again on the next request (the font or margins changed)."""
        self._measured.clear()
        self._current = None

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() in _RESIZING:
            self.forget_hints()
        return super().event(event)
