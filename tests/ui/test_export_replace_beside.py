"""File › Export… with Browse…: the file dialog asks only about the file chosen there, so the
studio asks about the files written beside it (a PyTorch module's weights) itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.document import StudioDocument
from nnstudio.ui.export_dialog import ExportDialog
from nnstudio.ui.qt import QtWidgets

pytestmark = pytest.mark.gui

No = QtWidgets.QMessageBox.StandardButton.No
Yes = QtWidgets.QMessageBox.StandardButton.Yes


@pytest.fixture
def dialog(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ExportDialog:
    monkeypatch.chdir(tmp_path)
    shown = ExportDialog(StudioDocument(), None, None, tmp_path)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    shown.select("torch")
    return shown


def _browse_to(dialog: ExportDialog, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        QtWidgets.QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), "")
    )
    dialog._browse()


@pytest.mark.parametrize("answer", [No, Yes])
def test_weights_beside_a_browsed_module_are_not_replaced_unasked(
    dialog, tmp_path, monkeypatch, answer
) -> None:
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"the user's own weights")
    asked: list[str] = []

    def question(_parent, _title, text, *_args):
        asked.append(text)
        return answer

    monkeypatch.setattr(QtWidgets.QMessageBox, "question", question)
    _browse_to(dialog, tmp_path / "model.py", monkeypatch)
    dialog.accept()
    assert len(asked) == 1 and str(weights) in asked[0] and "model.py" not in asked[0]
    if answer == No:
        assert weights.read_bytes() == b"the user's own weights"
        assert not (tmp_path / "model.py").exists()
    else:
        assert weights.read_bytes() != b"the user's own weights"
        assert (tmp_path / "model.py").exists()


def test_the_browsed_file_itself_is_not_asked_about_twice(dialog, tmp_path, monkeypatch) -> None:
    (tmp_path / "model.py").write_text("# old module\n")
    asked: list[str] = []
    monkeypatch.setattr(
        QtWidgets.QMessageBox, "question", lambda *args: asked.append(args[2]) or No
    )
    _browse_to(dialog, tmp_path / "model.py", monkeypatch)
    dialog.accept()
    assert asked == []  # the file dialog asked already
    assert (tmp_path / "model.py").read_text() != "# old module\n"
