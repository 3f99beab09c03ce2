"""The export registry: every format a trained network can be written to.

Each :class:`ExportFormat` names the function that writes it as ``"module:function"``; the
module is imported only when that format is used, so formats needing optional packages
(ONNX, safetensors, PyTorch) cost nothing until then. Every exporter has the signature
``f(project: Project, weights: Weights, path: Path) -> list[Path]`` and returns the files it
wrote.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nnstudio.errors import MissingExtraError, NNStudioError
from nnstudio.io.weights import check_weights
from nnstudio.spec import CsvData, Project, Weights

Exporter = Callable[[Project, Weights, Path], list[Path]]


@dataclass(frozen=True)
class ExportFormat:
    """One export format.

    Attributes
    ----------
    name : str
        Format name used on the command line (``--format``) and in the studio.
    suffix : str
        File suffix of the main file written, e.g. ``".onnx"``.
    description : str
        One line for menus and ``--help``.
    target : str
        ``"module:function"`` of the exporter.
    extra : str or None
        The pip extra that installs what the exporter needs (``pip install 'nnstudio[onnx]'``),
        or ``None`` when it has none of its own. A package found missing while exporting is
        still reported with the extra that provides it (the PyTorch export writes its weights
        with ``safetensors``).
    """

    name: str
    suffix: str
    description: str
    target: str
    extra: str | None = None

    @property
    def label(self) -> str:
        """Short human-readable name such as ``"ONNX"``."""
        return _LABELS.get(self.name, self.name)

    def resolve(self) -> Exporter:
        """Import and return the exporter function.

        Raises
        ------
        MissingExtraError
            When the exporter's module needs a package that is not installed.
        """
        module_name, _, function_name = self.target.partition(":")
        try:
            module = importlib.import_module(module_name)
        except MissingExtraError:
            raise
        except ImportError as error:
            raise self._missing(error) from error
        return getattr(module, function_name)

    def _missing(self, error: ImportError) -> NNStudioError:
        missing = (error.name or "").partition(".")[0]
        if missing == "nnstudio" or not missing:
            # The exporter module itself is absent: an incomplete installation.
            return NNStudioError(
                f"{self.label} export is unavailable in this installation: {error}"
            )
        extra = self.extra or _PACKAGE_EXTRAS.get(missing)
        if extra is not None:
            return MissingExtraError(f"{self.label} export", extra, missing)
        return NNStudioError(f"{self.label} export needs the '{missing}' package: {error}")


_LABELS = {
    "npz": "NumPy .npz",
    "json": "JSON",
    "onnx": "ONNX",
    "safetensors": "safetensors",
    "torch": "PyTorch",
    "python": "Python",
}

#: Which pip extra provides an importable package (for exporters with no extra of their own).
_PACKAGE_EXTRAS = {"onnx": "onnx", "onnxruntime": "onnx", "safetensors": "safetensors"}

#: Every export format by name, in the order menus show them.
EXPORT_FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat(
            "npz",
            ".npz",
            "NumPy archive: W1, b1, ..., activations, standardisation",
            "nnstudio.io.weights:export_npz",
        ),
        ExportFormat(
            "json",
            ".json",
            "JSON: layers with activation, W and b, standardisation",
            "nnstudio.io.weights:export_json",
        ),
        ExportFormat(
            "onnx",
            ".onnx",
            "ONNX model for onnxruntime and other inference engines",
            "nnstudio.io.onnx_io:export_onnx",
            "onnx",
        ),
        ExportFormat(
            "safetensors",
            ".safetensors",
            "safetensors tensors with the architecture in the metadata",
            "nnstudio.io.safetensors_io:export_safetensors",
            "safetensors",
        ),
        ExportFormat(
            "torch",
            ".py",
            "PyTorch module source plus a .safetensors file beside it",
            "nnstudio.io.torch_export:export_torch",
        ),
        ExportFormat(
            "python",
            ".py",
            "NumPy script, self-contained, with the weights inline",
            "nnstudio.io.python_export:export_python",
        ),
    )
}

#: Alias used in the architecture notes.
EXPORTERS = EXPORT_FORMATS


def get_format(name: str) -> ExportFormat:
    """Look up a format by name.

    Raises
    ------
    NNStudioError
        Listing the known formats when ``name`` is not one of them.
    """
    try:
        return EXPORT_FORMATS[name]
    except KeyError:
        raise NNStudioError(
            f"unknown export format {name!r}; choose one of {', '.join(EXPORT_FORMATS)}"
        ) from None


def format_for_path(path: str | Path) -> ExportFormat | None:
    """Guess the format from a file name (``.onnx`` -> onnx); ``None`` when ambiguous."""
    suffix = Path(path).suffix.lower()
    matches = [fmt for fmt in EXPORT_FORMATS.values() if fmt.suffix == suffix]
    return matches[0] if len(matches) == 1 else None


#: Suffixes of nnstudio's own files that no export may take.
_OWN_SUFFIXES = {".nnproj": "nnstudio projects"}


def reserved_suffix(path: str | Path) -> str | None:
    """What files with ``path``'s suffix are when no export may take it, else ``None``.

    Parameters
    ----------
    path : path-like
        The file an export would write.

    Returns
    -------
    str or None
        ``"nnstudio projects"`` for a name ending in ``.nnproj`` (in any case): export bytes
        there would be taken for a project, perhaps replacing one.
    """
    return _OWN_SUFFIXES.get(Path(path).suffix.lower())


def suffix_conflict(format: str, path: str | Path) -> str | None:
    """Why writing ``format`` to ``path`` would mislabel the file, or ``None`` when it fits.

    A suffix that belongs to another export format (ONNX bytes in ``model.npz``) or to a
    project file is refused, since tools go by the suffix; an unusual suffix nobody else
    uses (``model.bin``) is taken as chosen on purpose.

    Parameters
    ----------
    format : str
        A key of :data:`EXPORT_FORMATS`.
    path : path-like
        The file the export would write.
    """
    fmt = get_format(format)
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == fmt.suffix:
        return None
    owners = [other.name for other in EXPORT_FORMATS.values() if other.suffix == suffix]
    owner = reserved_suffix(path)
    if owners:
        owner = f"the {' and '.join(owners)} export{'s' if len(owners) > 1 else ''}"
    elif owner is None:
        return None
    return (
        f"{path.name} ends in {suffix}, the suffix of {owner}, but the format is {fmt.name}; "
        f"name the file {path.stem}{fmt.suffix}"
    )


def folder_problem(target: Path) -> str | None:
    """Why no file can be written at ``target``'s folder, or ``None`` when it can.

    Parameters
    ----------
    target : Path
        The file to write.

    Returns
    -------
    str or None
        For example ``"the folder /x/out does not exist"``, or the system's reason, such as
        ``"File name too long"``.
    """
    folder = target.parent
    try:
        if not folder.exists():
            return f"the folder {folder} does not exist"
        if not folder.is_dir():
            return f"{folder} is not a folder"
        if not os.access(folder, os.W_OK | os.X_OK):
            return f"the folder {folder} is not writable"
        if target.is_dir():
            return f"{target} is a folder; give a file name"
    except OSError as error:
        return error.strerror or str(error)
    return None


def own_file_problem(
    target: str | Path,
    project: Project,
    project_path: str | Path | None,
    base_dir: str | Path,
    *,
    more: Sequence[tuple[str | Path, str]] = (),
) -> str | None:
    """Why writing ``target`` would destroy a file of ``project``, or ``None`` when it would not.

    The project file, the weights file it names and its CSV data file are the project's
    own: an export or a prediction written over one of them would lose that work for good.
    ``target`` is compared with each by identity on disk, so another spelling of the same
    file (``a/../p.nnproj``, a link) is found too. A ``target`` that is not an existing file
    replaces none of them.

    Parameters
    ----------
    target : path-like
        The file about to be written.
    project : Project
        The project whose files are protected.
    project_path : path-like or None
        Its project file; ``None`` for a project not saved yet.
    base_dir : path-like
        The folder the project's relative paths (weights, CSV) are resolved against: the
        project file's folder.
    more : sequence of (path-like, str)
        Further files to protect, each with what it is (``(query, "the input file")``).

    Returns
    -------
    str or None
        For example ``"it is the project's weights file, which would be lost"``; callers
        put the target in front (``"will not write out.npz: it is ..."``).
    """
    target = Path(target).expanduser()
    try:
        if not target.is_file():
            return None  # a new file (or a folder or device the writer reports) loses nothing
    except OSError:
        return None  # a name the system refuses: the writer reports why
    from nnstudio.data import resolve_csv_path

    base = Path(base_dir)
    files: list[tuple[Path, str]] = []
    if project_path is not None:
        files.append((Path(project_path), "the project file"))
    if project.weights is not None:
        files.append((base / project.weights, "the project's weights file"))
    if isinstance(project.data, CsvData):
        files.append((resolve_csv_path(project.data, base), "the project's data file"))
    files += [(Path(path), what) for path, what in more]
    for path, what in files:
        try:
            same = path.is_file() and os.path.samefile(target, path)
        except OSError:
            same = False
        if same:
            return f"it is {what}, which would be lost"
    return None


def export(format: str, project: Project, weights: Weights, path: str | Path) -> list[Path]:
    """Write ``weights`` of ``project`` in ``format`` to ``path``.

    Parameters
    ----------
    format : str
        A key of :data:`EXPORT_FORMATS`.
    project : Project
        The architecture, activations, standardisation and names.
    weights : Weights
        One ``(W, b)`` pair per layer, checked against ``project.network`` first.
    path : path-like
        The main output file.

    Returns
    -------
    list of Path
        Every file written.

    Raises
    ------
    NNStudioError
        For an unknown format, weights that do not fit, or a failed write.
    MissingExtraError
        When the format needs a package that is not installed.
    """
    fmt = get_format(format)
    path = Path(path).expanduser()
    if not path.parent.is_dir():
        raise NNStudioError(f"cannot export to {path}: the folder {path.parent} does not exist")
    checked = check_weights(weights, project.network, "the weights to export")
    exporter = fmt.resolve()
    try:
        return [Path(p) for p in exporter(project, checked, path)]
    except MissingExtraError:
        raise
    except ImportError as error:
        raise fmt._missing(error) from error
