"""File › Export…: what the dialog shows for each export, at its default and smallest size."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnstudio.ui.document import StudioDocument
from nnstudio.ui.export_dialog import ExportDialog, default_file_name, export_choices
from nnstudio.ui.qt import QtCore, QtWidgets

pytestmark = pytest.mark.gui


@pytest.fixture
def dialog(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ExportDialog:
    """The dialog for a new project with freshly initialised weights, shown."""
    monkeypatch.chdir(tmp_path)
    shown = ExportDialog(StudioDocument(), None, None, tmp_path)
    qtbot.addWidget(shown)
    shown.show()
    qtbot.waitExposed(shown)
    return shown


def settle() -> None:
    """Let the layouts apply a change (they do so on a posted event)."""
    QtWidgets.QApplication.processEvents()


def smallest(dialog: QtWidgets.QDialog) -> None:
    """Resize to the smallest size the user can drag the dialog to."""
    dialog.resize(1, 1)
    settle()


def left_edge(widget: QtWidgets.QWidget, dialog: QtWidgets.QDialog) -> int:
    return widget.mapTo(dialog, QtCore.QPoint(0, 0)).x()


def fits_one_line(label: QtWidgets.QLabel) -> bool:
    metrics = label.fontMetrics()
    return (
        metrics.horizontalAdvance(label.text()) <= label.contentsRect().width()
        and label.height() < 2 * metrics.lineSpacing()
    )


@pytest.mark.parametrize("key", [choice.key for choice in export_choices()])
def test_each_description_is_one_whole_line_without_gaps_around_it(dialog, key) -> None:
    dialog.select(key)
    settle()
    # A wrapping label reserved two lines for one, leaving a blank band under the list.
    assert fits_one_line(dialog.description)
    smallest(dialog)
    assert fits_one_line(dialog.description)


def test_the_untrained_note_lines_up_with_the_fields_on_one_line(dialog) -> None:
    note = dialog.weights_note
    dialog.select("npz")
    settle()
    assert note.isVisible() and "not been trained" in note.text()
    assert left_edge(note, dialog) == left_edge(dialog.path_edit, dialog)
    assert fits_one_line(note)
    smallest(dialog)
    assert fits_one_line(note)
    # The diagram is not the weights: no note, and no empty row where it was.
    dialog.select("diagram-svg")
    settle()
    assert not note.isVisible()
    assert not dialog.form.isRowVisible(note)


def test_labels_end_in_a_colon_and_take_the_keyboard(qtbot, dialog) -> None:
    dialog.select("plots-png")
    settle()
    labels = [
        label
        for label in dialog.findChildren(QtWidgets.QLabel)
        if label.buddy() is not None and label.isVisible()
    ]
    # Export, Plot and File, written like the labels of the studio's other dialogs.
    assert {label.buddy() for label in labels} == {
        dialog.format_combo,
        dialog.tab_combo,
        dialog.path_edit,
    }
    assert all(label.text().endswith(":") for label in labels)
    dialog.activateWindow()
    qtbot.waitActive(dialog)
    qtbot.keyClick(dialog, QtCore.Qt.Key.Key_F, QtCore.Qt.KeyboardModifier.AltModifier)
    assert dialog.path_edit.hasFocus()
    qtbot.keyClick(dialog, QtCore.Qt.Key.Key_E, QtCore.Qt.KeyboardModifier.AltModifier)
    assert dialog.format_combo.hasFocus()


def test_each_export_starts_with_its_own_file_name(qtbot, tmp_path: Path) -> None:
    document = StudioDocument()
    document.set_name("Handwritten digits")
    dialog = ExportDialog(document, None, None, tmp_path)
    qtbot.addWidget(dialog)
    dialog.show()
    shown = {}
    for choice in export_choices():
        dialog.select(choice.key)
        shown[choice.key] = Path(dialog.path_edit.text())
    # Exporting one format never overwrites another's file (two ".py", two ".png").
    assert len(set(shown.values())) == len(shown)
    shared = ("torch", "python", "diagram-png", "plots-png")
    assert {key: path.name for key, path in shown.items() if key in shared} == {
        "torch": "Handwritten_digits_torch.py",
        "python": "Handwritten_digits_numpy.py",
        "diagram-png": "Handwritten_digits_network.png",
        "plots-png": "Handwritten_digits_plots.png",
    }
    assert shown["npz"] == tmp_path / "Handwritten_digits.npz"
    assert all(path.parent == tmp_path for path in shown.values())


def test_a_typed_file_name_is_kept_when_the_export_changes(dialog, tmp_path: Path) -> None:
    dialog.select("torch")
    dialog.path_edit.setText(str(tmp_path / "mine.py"))
    dialog.select("python")
    assert dialog.path_edit.text() == str(tmp_path / "mine.py")
    dialog.select("diagram-png")
    assert dialog.path_edit.text() == str(tmp_path / "mine.png")
    # Another folder for the default name: each export keeps its own name in that folder.
    folder = tmp_path / "out"
    choices = {choice.key: choice for choice in export_choices()}
    project = dialog.document.project.name
    dialog.path_edit.setText(str(folder / default_file_name(choices["npz"], project)))
    dialog.select("torch")
    assert dialog.path_edit.text() == str(folder / default_file_name(choices["torch"], project))
    dialog.select("python")
    assert dialog.path_edit.text() == str(folder / default_file_name(choices["python"], project))
    assert dialog.path_edit.text().endswith("_numpy.py")


def test_a_folder_gets_the_exports_own_file_name(tmp_path: Path) -> None:
    from nnstudio.ui.export_dialog import export_target

    choices = {choice.key: choice for choice in export_choices()}
    assert export_target(choices["torch"], tmp_path, "Handwritten digits") == (
        tmp_path / "Handwritten_digits_torch.py"
    )
    assert export_target(choices["plots-png"], tmp_path, "Handwritten digits") == (
        tmp_path / "Handwritten_digits_plots.png"
    )
    assert export_target(choices["npz"], tmp_path, "Handwritten digits") == (
        tmp_path / "Handwritten_digits.npz"
    )


@pytest.fixture
def views(qtbot):
    """A canvas and a plots panel of a new project, nothing trained or shown yet."""
    from nnstudio.ui.canvas import NetworkCanvas
    from nnstudio.ui.plots import PlotsPanel

    document = StudioDocument()
    canvas, plots = NetworkCanvas(document), PlotsPanel()
    qtbot.addWidget(canvas)
    qtbot.addWidget(plots)
    return document, canvas, plots


@pytest.mark.parametrize("key", ["diagram-svg", "diagram-png", "npz"])
def test_an_export_to_a_missing_folder_fails_naming_it(views, tmp_path: Path, key) -> None:
    from nnstudio.errors import NNStudioError
    from nnstudio.ui.export_dialog import run_export

    document, canvas, plots = views
    target = tmp_path / "missing" / "m.svg"
    if key != "diagram-svg":
        target = target.with_suffix(".png" if key == "diagram-png" else ".npz")
    # The SVG used to report success ("Exported …") and write nothing.
    with pytest.raises(NNStudioError) as caught:
        run_export(key, target, document=document, canvas=canvas, plots=plots)
    assert str(caught.value) == (
        f"cannot write {target}: the folder {target.parent} does not exist"
    )
    assert not target.parent.exists()


def test_the_svg_writer_reports_a_file_it_cannot_open(views, tmp_path: Path) -> None:
    from nnstudio.errors import NNStudioError

    _document, canvas, _plots = views
    target = tmp_path / "missing" / "m.svg"
    with pytest.raises(NNStudioError) as caught:
        canvas.export_svg(target)
    assert str(caught.value) == f"cannot write {target}: the folder {target.parent} does not exist"


def test_a_path_ending_in_a_separator_names_a_folder(views, tmp_path: Path) -> None:
    from nnstudio.errors import NNStudioError
    from nnstudio.ui.export_dialog import run_export

    document, canvas, plots = views
    (tmp_path / "out").mkdir()
    typed = f"{tmp_path / 'out' / 'sub'}/"
    with pytest.raises(NNStudioError, match=r"the folder .*sub does not exist"):
        run_export("npz", typed, document=document, canvas=canvas, plots=plots)
    # Not silently written as out/sub.npz.
    assert list((tmp_path / "out").iterdir()) == []
    # An existing folder written with a separator gets the export's own name inside it.
    written = run_export("npz", f"{tmp_path / 'out'}/", document=document)
    assert written == [
        tmp_path / "out" / default_file_name(export_choices()[0], document.project.name)
    ]


def test_plot_data_without_data_says_only_why(views, tmp_path: Path) -> None:
    from nnstudio.errors import NNStudioError
    from nnstudio.ui.export_dialog import run_export

    document, canvas, plots = views
    target = tmp_path / "m.csv"
    with pytest.raises(NNStudioError) as caught:
        run_export("plots-csv", target, document=document, canvas=canvas, plots=plots)
    assert str(caught.value) == "nothing to save yet: no training data is shown"
