"""Tab leaves a table for the next control (the arrows walk its cells): the Data dock's
preview kept the focus cell by cell for thousands of presses."""

from __future__ import annotations

import numpy as np
import pytest

from nnstudio.ui.docks.data_dock import TablePreview
from nnstudio.ui.qt import QtCore, QtWidgets

pytestmark = pytest.mark.gui


def test_tab_moves_on_from_the_data_preview_table(qtbot) -> None:
    host = QtWidgets.QWidget()
    layout = QtWidgets.QVBoxLayout(host)
    preview = TablePreview()
    after = QtWidgets.QPushButton("next")
    layout.addWidget(preview)
    layout.addWidget(after)
    qtbot.addWidget(host)
    preview.model.set_contents(["a", "b"], np.array([[str(i), str(2 * i)] for i in range(20)]))
    host.show()
    qtbot.waitExposed(host)
    host.activateWindow()
    preview.view.setFocus()
    preview.view.setCurrentIndex(preview.model.index(0, 0))
    qtbot.waitUntil(preview.view.hasFocus)
    qtbot.keyClick(preview.view, QtCore.Qt.Key.Key_Tab)
    assert after.hasFocus()
