"""The one place nnstudio imports Qt from.

Every module under :mod:`nnstudio.ui` imports ``QtCore``, ``QtGui``, ``QtWidgets``, ``QtSvg``
and ``pg`` (pyqtgraph) from here, so the binding and pyqtgraph's global options are set once.
Nothing outside :mod:`nnstudio.ui` may import this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
import shiboken6
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

from nnstudio.errors import ProjectFileError

# Row-major images match NumPy's (rows, columns) layout; antialiasing keeps thin edges legible.
pg.setConfigOptions(imageAxisOrder="row-major", antialias=True, background="w", foreground="k")

Signal = QtCore.Signal
Slot = QtCore.Slot
Qt = QtCore.Qt


def is_alive(qt_object: object) -> bool:
    """Whether the C++ object behind a Qt wrapper still exists (Qt may have deleted it)."""
    return bool(shiboken6.isValid(qt_object))


@contextlib.contextmanager
def wait_cursor() -> Iterator[None]:
    """Show the wait cursor while the user interface is busy (reading a large file)."""
    QtWidgets.QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QtWidgets.QApplication.restoreOverrideCursor()


def show_clamped(box: QtWidgets.QSpinBox, value: int) -> None:
    """Show ``value`` in ``box``, clamped to its range (a 32-bit box overflows otherwise)."""
    box.setValue(int(min(max(value, box.minimum()), box.maximum())))


class ElidingComboBox(QtWidgets.QComboBox):
    """A combo box that shortens a current item too long for it with "…", not mid-letter.

    Qt's own box cuts such an item at its edge ("Xavier (Glorot) norn"). The whole item shows
    in the tooltip while it is shortened, and in the list.
    """

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtWidgets.QStylePainter(self)
        option = QtWidgets.QStyleOptionComboBox()
        self.initStyleOption(option)
        painter.drawComplexControl(QtWidgets.QStyle.ComplexControl.CC_ComboBox, option)
        field = self.style().subControlRect(
            QtWidgets.QStyle.ComplexControl.CC_ComboBox,
            option,
            QtWidgets.QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        text = option.currentText
        shown = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, field.width())
        option.currentText = shown
        painter.drawControl(QtWidgets.QStyle.ControlElement.CE_ComboBoxLabel, option)
        tooltip = text if shown != text else ""
        if self.toolTip() != tooltip:
            self.setToolTip(tooltip)

    def shown_text(self) -> str:
        """The current item as the box shows it (shortened when it does not fit)."""
        option = QtWidgets.QStyleOptionComboBox()
        self.initStyleOption(option)
        field = self.style().subControlRect(
            QtWidgets.QStyle.ComplexControl.CC_ComboBox,
            option,
            QtWidgets.QStyle.SubControl.SC_ComboBoxEditField,
            self,
        )
        return self.fontMetrics().elidedText(
            option.currentText, Qt.TextElideMode.ElideRight, field.width()
        )


def compact_combo(characters: int) -> ElidingComboBox:
    """A combo box as narrow as ``characters`` characters allow, not as wide as its longest item.

    Its longest items would otherwise set a dock's minimum width; the box elides them when
    narrow, and its list still shows them whole.
    """
    combo = ElidingComboBox()
    combo.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    combo.setMinimumContentsLength(characters)
    return combo


def whole_text_combo() -> ElidingComboBox:
    """A combo box never narrower than its longest item, for a form that wraps long rows.

    In a :class:`QFormLayout` with ``WrapLongRows``, a dock too narrow for the box beside its
    label moves the box under the label, at the form's full width, so the item shows whole
    instead of shortened. Only a box squeezed below even that width shortens it ("…"),
    with the whole item in the tooltip.
    """
    combo = ElidingComboBox()
    # Measured over every item, so choosing another one never re-wraps the form.
    combo.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


def line_spans(
    text: str, font: QtGui.QFont, width: float, *, anywhere: bool = False
) -> list[tuple[int, int]]:
    """Where Qt breaks ``text`` into lines of ``width`` pixels: ``(start, length)`` of each.

    Breaks at word boundaries; with ``anywhere``, a word longer than a line is broken too.
    """
    layout = QtGui.QTextLayout(text, font)
    option = QtGui.QTextOption()
    mode = QtGui.QTextOption.WrapMode
    option.setWrapMode(mode.WrapAtWordBoundaryOrAnywhere if anywhere else mode.WordWrap)
    layout.setTextOption(option)
    spans: list[tuple[int, int]] = []
    layout.beginLayout()
    while True:
        line = layout.createLine()
        if not line.isValid():
            break
        line.setLineWidth(width)
        spans.append((line.textStart(), line.textLength()))
    layout.endLayout()
    return spans


def elided_to_fit(
    text: str,
    metrics: QtGui.QFontMetricsF,
    width: float,
    mode: QtCore.Qt.TextElideMode = QtCore.Qt.TextElideMode.ElideRight,
) -> str:
    """``text`` elided (at its end, or as ``mode`` says) to at most ``width`` pixels.

    Qt's elision measures in whole pixels and may end a little wider than asked: asked for
    a little less then, until it fits.
    """
    room = width
    shown = metrics.elidedText(text, mode, room)
    while metrics.horizontalAdvance(shown) > width and room > 1:
        room -= 1
        shown = metrics.elidedText(text, mode, room)
    return shown


def png_bytes(image: QtGui.QImage, target: Path) -> bytes:
    """``image`` encoded as PNG, in memory.

    Raises
    ------
    ProjectFileError
        When Qt cannot encode the image (naming ``target``, the file it was meant for).
    """
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    encoded = image.save(buffer, "PNG")
    data = bytes(buffer.data())
    buffer.close()
    if not encoded or not data:
        raise ProjectFileError(f"cannot write {target}: the image could not be encoded as PNG")
    return data


__all__ = [
    "ElidingComboBox",
    "Qt",
    "QtCore",
    "QtGui",
    "QtSvg",
    "QtWidgets",
    "Signal",
    "Slot",
    "compact_combo",
    "elided_to_fit",
    "is_alive",
    "line_spans",
    "pg",
    "png_bytes",
    "show_clamped",
    "wait_cursor",
    "whole_text_combo",
]
