"""The one place nnstudio imports Qt from.

Every module under :mod:`nnstudio.ui` imports ``QtCore``, ``QtGui``, ``QtWidgets``, ``QtSvg``
and ``pg`` (pyqtgraph) from here, so the binding and pyqtgraph's global options are set once.
Nothing outside :mod:`nnstudio.ui` may import this module.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pyqtgraph as pg
import pyqtgraph.exporters
import shiboken6
from PySide6 import QtCore, QtGui, QtSvg, QtWidgets

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


def compact_combo(characters: int) -> QtWidgets.QComboBox:
    """A combo box as narrow as ``characters`` characters allow, not as wide as its longest item.

    Its longest items would otherwise set a dock's minimum width; the box elides them when
    narrow, and its list still shows them whole.
    """
    combo = QtWidgets.QComboBox()
    combo.setSizeAdjustPolicy(
        QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
    )
    combo.setMinimumContentsLength(characters)
    return combo


__all__ = [
    "Qt",
    "QtCore",
    "QtGui",
    "QtSvg",
    "QtWidgets",
    "Signal",
    "Slot",
    "compact_combo",
    "is_alive",
    "pg",
    "show_clamped",
    "wait_cursor",
]
