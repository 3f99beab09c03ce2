"""Save As with a file name near the file system's limit on a name (255 bytes).

A name that leaves room for the weights file beside it saves; one that does not is refused
with a message saying so, nothing is written, and the document keeps its unsaved changes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.io.project import load_project, weights_path_for
from nnstudio.io.weights import name_limit
from nnstudio.ui.qt import QtWidgets

pytestmark = pytest.mark.gui


def _type_in_dialog(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """The save dialog returns ``path``, as typed."""
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(path), ""))
    )


def test_a_name_too_long_for_the_weights_file_is_refused_and_the_document_stays_unsaved(
    qtbot, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_dialogs
) -> None:
    folder = tmp_path / "projects"  # the window's settings file is in tmp_path
    folder.mkdir()
    limit = name_limit(folder)
    window.open_sample("xor")
    window.add_layer_action.trigger()
    # The network's weights (saved beside the project) come from the training process.
    qtbot.waitUntil(lambda: window.document.weights is not None, timeout=10000)
    assert window.document.is_dirty
    # Typed without ".nnproj": saving appends it, and the project file's name reaches the
    # limit, leaving the weights file's 5 bytes beyond it.
    typed = folder / ("a" * (limit - len(".nnproj")))
    _type_in_dialog(monkeypatch, typed)
    assert window.save_as() is False
    [(title, text)] = no_dialogs
    assert title == "Cannot save project"
    assert text == (
        f"cannot write {typed}.nnproj: the weights file beside it, named like the project but "
        f"ending in .weights.npz, would have a name 5 bytes longer than the {limit} the file "
        "system allows; shorten the project's name by 5 characters or more"
    )
    assert list(folder.iterdir()) == []
    assert window.document.is_dirty
    assert window.document.path is None or window.document.path.parent != folder

    # Five characters shorter, it saves, weights and all.
    shorter = folder / ("a" * (limit - len(".nnproj") - 5) + ".nnproj")
    _type_in_dialog(monkeypatch, shorter)
    assert window.save_as() is True
    assert len(no_dialogs) == 1
    assert not window.document.is_dirty
    assert window.document.path == shorter.resolve()
    assert load_project(shorter).weights is not None
    assert sorted(folder.iterdir()) == sorted([shorter, weights_path_for(shorter)])
