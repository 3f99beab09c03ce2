"""File › Export…: weights in every registered format, the network diagram and the plots.

The dialog lists :data:`nnstudio.io.exporters.EXPORT_FORMATS` followed by the studio's own
outputs (the canvas as SVG or PNG, a plots tab as PNG or its data as CSV). A format whose
optional package is missing fails with its :class:`~nnstudio.errors.MissingExtraError`
message, shown as is.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from nnstudio.errors import NNStudioError
from nnstudio.io.exporters import (
    EXPORT_FORMATS,
    export,
    folder_problem,
    own_file_problem,
    reserved_suffix,
)
from nnstudio.spec import Weights
from nnstudio.ui.document import StudioDocument
from nnstudio.ui.qt import QtWidgets


@dataclass(frozen=True)
class ExportChoice:
    """One entry of the Export dialog.

    Attributes
    ----------
    key : str
        An :data:`EXPORT_FORMATS` name, or ``"diagram-svg"``, ``"diagram-png"``,
        ``"plots-png"`` or ``"plots-csv"``.
    label : str
        What the list shows.
    suffix : str
        Suffix of the file written.
    description : str
        One line under the list.
    needs_tab : bool
        Whether a plots tab must be chosen.
    tag : str
        Word the default file name ends in (``"torch"``: ``Name_torch.py``), telling apart
        exports that share a suffix; empty for the others.
    """

    key: str
    label: str
    suffix: str
    description: str
    needs_tab: bool = False
    tag: str = ""


#: Longest default file stem taken from the project's name, in UTF-8 bytes: a long name
#: (300 characters) would otherwise give a default file name the file system refuses (most
#: allow 255 bytes).
MAX_DEFAULT_STEM = 100

#: Default file name tags of the exports that share their suffix with another.
_TAGS = {"torch": "torch", "python": "numpy", "diagram-png": "network", "plots-png": "plots"}


def export_choices() -> list[ExportChoice]:
    """Every export the studio offers, in the order the dialog lists them.

    Exports sharing a suffix (two ``.py`` modules, two ``.png`` images) get a
    :attr:`~ExportChoice.tag` each, so their default files do not overwrite one another.
    """
    choices = [
        ExportChoice(fmt.name, f"Weights: {fmt.label}", fmt.suffix, fmt.description)
        for fmt in EXPORT_FORMATS.values()
    ]
    choices += [
        ExportChoice(
            "diagram-svg", "Network diagram (SVG)", ".svg", "The canvas as a scalable drawing"
        ),
        ExportChoice("diagram-png", "Network diagram (PNG)", ".png", "The canvas as an image"),
        ExportChoice("plots-png", "Plots (PNG)", ".png", "One plots tab as an image", True),
        ExportChoice(
            "plots-csv", "Plot data (CSV)", ".csv", "The numbers behind one plots tab", True
        ),
    ]
    suffixes = Counter(choice.suffix for choice in choices)
    return [
        replace(choice, tag=_TAGS.get(choice.key, choice.key.replace("-", "_")))
        if suffixes[choice.suffix] > 1
        else choice
        for choice in choices
    ]


def default_file_name(choice: ExportChoice, project_name: str) -> str:
    """The file name an export starts with: the project's name, the choice's tag (if any) and
    its suffix, such as ``Handwritten_digits_torch.py``.

    The name part is cut to :data:`MAX_DEFAULT_STEM` bytes (100 ASCII characters).
    """
    tag = f"_{choice.tag}" if choice.tag else ""
    return _safe_stem(project_name) + tag + choice.suffix


def current_weights(document: StudioDocument) -> tuple[Weights, bool]:
    """The weights to export and whether they were trained or set (False: fresh initial ones)."""
    if document.weights is not None:
        return document.weights, document.has_trained_weights
    from nnstudio.workflow import build_network

    return build_network(document.project).weights(), False


def run_export(
    choice: ExportChoice | str,
    path: str | Path,
    *,
    document: StudioDocument,
    canvas: Any = None,
    plots: Any = None,
    tab: str | None = None,
) -> list[Path]:
    """Write one export.

    Parameters
    ----------
    choice : ExportChoice or str
        What to write (a choice or its key).
    path : str or Path
        Destination; the choice's suffix is added when the name has none.
    document : StudioDocument
        Supplies the project and weights.
    canvas, plots
        The network canvas (``export_svg``/``export_png``) and the plots panel
        (``save_png``/``save_csv``) for the diagram and plot exports.
    tab : str or None
        Plots tab for the plot exports (default: the first tab).

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    NNStudioError
        For an unknown choice, a missing optional package, a file name no file can have
        (too long, or with a NUL character), an unwritable file, or a file that must not be
        replaced (see :func:`overwrite_problem`).
    """
    choices = {c.key: c for c in export_choices()}
    key = choice.key if isinstance(choice, ExportChoice) else choice
    if key not in choices:
        raise NNStudioError(f"unknown export {key!r}; choose one of {', '.join(choices)}")
    chosen = choices[key]
    target = checked_target(chosen, path, document.project.name)
    refusal = overwrite_problem(chosen, target, document)
    if refusal is not None:
        raise NNStudioError(refusal)
    problem = folder_problem(target)
    if problem is not None:
        # Checked first, so the message is about the folder the user chose.
        raise NNStudioError(f"cannot write {target}: {problem}")
    if key in EXPORT_FORMATS:
        weights, _trained = current_weights(document)
        return list(export(key, document.project, weights, target))
    try:
        if key == "diagram-svg":
            canvas.export_svg(target)
        elif key == "diagram-png":
            canvas.export_png(target)
        else:
            tabs = list(plots.tab_names())
            name = tab or tabs[0]
            if name not in tabs:
                raise NNStudioError(f"unknown plots tab {name!r}; choose one of {', '.join(tabs)}")
            if key == "plots-png":
                plots.save_png(name, target)
            else:
                plots.save_csv(name, target)
    except NNStudioError:
        raise  # its message names the file and the reason already
    except OSError as error:
        raise NNStudioError(f"cannot write {target}: {error.strerror or error}") from error
    return [target]


def export_target(choice: ExportChoice, path: str | Path, project_name: str) -> Path:
    """Where an export named ``path`` is written.

    A folder gets the choice's :func:`default_file_name` inside it; a name without a
    suffix gets the choice's. A path ending in a separator names a folder, also one that
    does not exist (which :func:`folder_problem` then reports).
    """
    text = str(path)
    target = Path(path).expanduser()
    names_folder = text.endswith(("/", os.sep)) or bool(os.altsep and text.endswith(os.altsep))
    if target.is_dir() or names_folder:
        return target / default_file_name(choice, project_name)
    if not target.suffix:
        target = target.with_suffix(choice.suffix)
    return target


def checked_target(choice: ExportChoice, path: str | Path, project_name: str) -> Path:
    """:func:`export_target`, with a path no file can have reported rather than raised.

    Raises
    ------
    NNStudioError
        When ``path`` contains a NUL character, or the system refuses it (``File name too
        long``); the message names the path and the reason.
    """
    # Path methods raise ValueError for a NUL and OSError for a too-long name, neither of
    # which the dialog would otherwise show.
    shown = str(path).replace("\0", "\\0")
    if "\0" in str(path):
        raise NNStudioError(f"cannot write {shown}: a file name cannot contain a NUL character")
    try:
        return export_target(choice, path, project_name)
    except OSError as error:
        raise NNStudioError(f"cannot write {shown}: {error.strerror or error}") from error


def planned_files(choice: ExportChoice, target: Path) -> list[Path]:
    """The files an export to ``target`` writes (a PyTorch module brings its weights file)."""
    files = [target]
    if choice.key == "torch":
        files.append(target.with_suffix(".safetensors"))
    return files


def suffix_conflict(choice: ExportChoice, target: Path) -> str | None:
    """Why ``target``'s suffix contradicts ``choice`` (another export's suffix, or one no
    export may take such as ``.nnproj``), or None."""
    suffix = target.suffix.lower()
    if suffix == choice.suffix:
        return None
    reserved = reserved_suffix(target)
    if reserved is not None:
        return (
            f"{target.name} ends in {suffix}, which is the suffix of {reserved}, but the "
            f"chosen export is {choice.label}. Name the file {target.stem}{choice.suffix}."
        )
    others = [c for c in export_choices() if c.suffix == suffix and c.key != choice.key]
    if not others:
        return None  # an unusual suffix the user chose on purpose
    return (
        f"{target.name} ends in {suffix}, which is the suffix of {others[0].label}, but the "
        f"chosen export is {choice.label}. Choose that export, or name the file "
        f"{target.stem}{choice.suffix}."
    )


def overwrite_problem(choice: ExportChoice, target: Path, document: StudioDocument) -> str | None:
    """Why an export to ``target`` would destroy a project's work, or ``None``.

    A name ending in ``.nnproj`` is refused (an export there would pass for a project, and
    might replace one), and so is every file of the open project: the project file, its
    weights file and its data file, checked as ``nnstudio export`` checks them
    (:func:`~nnstudio.io.exporters.own_file_problem`). The PyTorch export's weights file
    beside the module is checked too.

    Parameters
    ----------
    choice : ExportChoice
        What is exported.
    target : Path
        The file it is written to, as :func:`checked_target` gives it.
    document : StudioDocument
        The open project.

    Returns
    -------
    str or None
        The message to show.
    """
    for path in planned_files(choice, target):
        problem = own_file_problem(path, document.project, document.path, document.base_dir)
        if problem is not None:
            return f"will not write {path}: {problem}; choose another file name"
    if reserved_suffix(target) is not None:
        return suffix_conflict(choice, target)
    return None


class ExportDialog(QtWidgets.QDialog):
    """Choose what to export and where.

    Parameters
    ----------
    document : StudioDocument
    canvas, plots
        The views behind the diagram and plot exports.
    start_dir : Path
        Folder the file name starts in.
    before_write : callable or None
        Called just before an export is written: brings the document's weights up to those
        the window shows while training runs.
    """

    def __init__(
        self,
        document: StudioDocument,
        canvas: Any,
        plots: Any,
        start_dir: Path,
        parent: QtWidgets.QWidget | None = None,
        before_write: Callable[[], object] | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.document = document
        self._before_write = before_write
        self.canvas = canvas
        self.plots = plots
        self.written: list[Path] = []
        self.choices = export_choices()

        layout = QtWidgets.QVBoxLayout(self)
        form = QtWidgets.QFormLayout()
        form.setFieldGrowthPolicy(QtWidgets.QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.format_combo = QtWidgets.QComboBox()
        for choice in self.choices:
            self.format_combo.addItem(choice.label, choice.key)
        # Labels end in a colon and take Alt+letter, like the studio's other dialogs.
        form.addRow("&Export:", self.format_combo)
        self.description = QtWidgets.QLabel()
        self.description.setStyleSheet("color: #6b7280;")
        # One line, as wide as the longest description: a wrapping label asks for two lines
        # whatever its width, which left uneven gaps around it and made the dialog jump.
        metrics = self.description.fontMetrics()
        self.description.setMinimumWidth(
            max(metrics.horizontalAdvance(choice.description) for choice in self.choices)
        )
        form.addRow("", self.description)
        self.tab_combo = QtWidgets.QComboBox()
        if plots is not None:
            self.tab_combo.addItems(list(plots.tab_names()))
        form.addRow("&Plot:", self.tab_combo)
        path_row = QtWidgets.QHBoxLayout()
        self.path_edit = QtWidgets.QLineEdit()
        self.path_edit.setMinimumWidth(360)
        browse = QtWidgets.QPushButton("&Browse…")
        browse.clicked.connect(self._browse)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        file_label = QtWidgets.QLabel("&File:")
        file_label.setBuddy(self.path_edit)
        form.addRow(file_label, path_row)
        # Under the file it is about, lined up with the fields like the description.
        self.weights_note = QtWidgets.QLabel()
        self.weights_note.setStyleSheet("color: #92400e;")
        form.addRow("", self.weights_note)
        self.form = form
        layout.addLayout(form)
        # The buttons stand apart from the last row; height left over when a row hides goes
        # there too, not between the rows.
        layout.addSpacing(8)
        layout.addStretch(1)
        buttons = QtWidgets.QDialogButtonBox(
            QtWidgets.QDialogButtonBox.StandardButton.Cancel
            | QtWidgets.QDialogButtonBox.StandardButton.Save
        )
        buttons.button(QtWidgets.QDialogButtonBox.StandardButton.Save).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

        stem = _safe_stem(document.project.name)
        #: Where a file name without a folder goes (see :meth:`resolve`): the folder the
        #: dialog starts in, then the one of a file picked with Browse… or a whole path typed.
        self.folder = Path(start_dir).expanduser().absolute()
        self._start = self.folder / stem
        #: A path the user already agreed to replace (chosen in the file dialog).
        self._confirmed: str | None = None
        self.path_edit.editingFinished.connect(self._remember_folder)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        self._format_changed(0)

    @property
    def choice(self) -> ExportChoice:
        """The selected export."""
        return self.choices[self.format_combo.currentIndex()]

    def select(self, key: str) -> None:
        """Select the export with ``key``."""
        keys = [c.key for c in self.choices]
        self.format_combo.setCurrentIndex(keys.index(key))

    def resolve(self, text: str) -> str:
        """``text`` as typed in the file field, made absolute.

        A name without a folder (``model.json``), or with a relative one, is taken in
        :attr:`folder`, the folder the dialog showed, not in the working folder, which the
        studio shows nowhere. ``~`` is the home folder; a trailing separator (naming a
        folder) is kept.
        """
        expanded = os.path.expanduser(text)
        if os.path.isabs(expanded):
            return expanded
        return os.path.join(str(self.folder), expanded)

    def _remember_folder(self) -> None:
        # Called for a finished edit or a file picked, not for each key: deleting a path
        # letter by letter would otherwise walk the folder up to the root.
        expanded = os.path.expanduser(self.path_edit.text().strip())
        if os.path.isabs(expanded):
            names_folder = expanded.endswith(("/", os.sep)) or bool(
                os.altsep and expanded.endswith(os.altsep)
            )
            self.folder = Path(expanded) if names_folder else Path(expanded).parent

    def _format_changed(self, _index: int) -> None:
        choice = self.choice
        self.description.setText(choice.description)
        self.form.setRowVisible(self.tab_combo, choice.needs_tab)
        current = Path(self.path_edit.text()) if self.path_edit.text() else self._start
        # Only a suffix of ours is replaced: "model.v2.onnx" becomes "model.v2.json".
        known = {c.suffix for c in self.choices}
        stem = current.stem if current.suffix.lower() in known else current.name
        project = self.document.project.name
        defaults = {Path(default_file_name(c, project)).stem for c in self.choices}
        if not stem or stem in defaults:
            # A name the dialog chose follows the export (one ".py" must not overwrite the
            # other); a name the user typed is kept, in the folder it names.
            stem = Path(default_file_name(choice, project)).stem
        self.path_edit.setText(str(current.with_name(stem + choice.suffix)))
        self._confirmed = None
        untrained = choice.key in EXPORT_FORMATS and not self.document.has_trained_weights
        self.weights_note.setText(
            "The network has not been trained: its initial weights will be exported."
            if untrained
            else ""
        )
        self.form.setRowVisible(self.weights_note, untrained)

    def _browse(self) -> None:
        choice = self.choice
        path, _ = QtWidgets.QFileDialog.getSaveFileName(
            self,
            "Export to",
            self.path_edit.text(),
            f"{choice.label} (*{choice.suffix});;All files (*)",
        )
        if path:
            self.path_edit.setText(path)
            self._remember_folder()
            # The file dialog asked about replacing an existing file already.
            self._confirmed = path

    def accept(self) -> None:
        """Write the export; on failure show why and stay open."""
        text = self.path_edit.text().strip()
        if not text:
            QtWidgets.QMessageBox.warning(self, "Export", "Choose a file to export to.")
            return
        confirmed = text == self._confirmed
        text = self.resolve(text)
        choice = self.choice
        try:
            target = checked_target(choice, text, self.document.project.name)
        except NNStudioError as error:
            QtWidgets.QMessageBox.critical(self, "Export failed", str(error))
            return
        # Before "Replace file?": a file that must not be replaced is not offered for it.
        conflict = overwrite_problem(choice, target, self.document) or suffix_conflict(
            choice, target
        )
        if conflict is not None:
            QtWidgets.QMessageBox.warning(self, "Export", conflict)
            return
        try:
            existing = [path for path in planned_files(choice, target) if path.exists()]
        except OSError as error:
            QtWidgets.QMessageBox.critical(
                self, "Export failed", f"cannot write {target}: {error.strerror or error}"
            )
            return
        # The file dialog asked about the file chosen there, not about those written beside
        # it (a PyTorch module's .safetensors weights).
        unasked = [path for path in existing if not (confirmed and _same_path(path, target))]
        if unasked:
            existing = unasked
            names = " and ".join(str(path) for path in existing)
            answer = QtWidgets.QMessageBox.question(
                self,
                "Replace file?",
                f"{names} already exist{'s' if len(existing) == 1 else ''}. Replace "
                f"{'it' if len(existing) == 1 else 'them'}?",
                QtWidgets.QMessageBox.StandardButton.Yes | QtWidgets.QMessageBox.StandardButton.No,
                QtWidgets.QMessageBox.StandardButton.No,
            )
            if answer != QtWidgets.QMessageBox.StandardButton.Yes:
                return
        if self._before_write is not None:
            self._before_write()  # training may have gone on while the dialog was open
        try:
            self.written = run_export(
                choice,
                text,
                document=self.document,
                canvas=self.canvas,
                plots=self.plots,
                tab=self.tab_combo.currentText() or None,
            )
        except NNStudioError as error:
            QtWidgets.QMessageBox.critical(self, "Export failed", str(error))
            return
        super().accept()


def _same_path(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same file (both exist, or as written)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).absolute() == Path(b).absolute()


def _safe_stem(name: str) -> str:
    """``name`` as a file stem: letters, digits, ``-`` and ``_``, at most
    :data:`MAX_DEFAULT_STEM` bytes in UTF-8."""
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name.strip())
    # Cut in bytes, not characters: file systems limit names to 255 bytes, and 100 letters
    # of many scripts take 200 or 300. "ignore" drops a letter cut in half.
    cut = cleaned.strip("_").encode("utf-8")[:MAX_DEFAULT_STEM].decode("utf-8", "ignore")
    return cut.rstrip("_") or "network"


__all__ = [
    "MAX_DEFAULT_STEM",
    "ExportChoice",
    "ExportDialog",
    "checked_target",
    "current_weights",
    "default_file_name",
    "export_choices",
    "export_target",
    "folder_problem",
    "overwrite_problem",
    "planned_files",
    "run_export",
    "suffix_conflict",
]
