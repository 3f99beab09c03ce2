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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nnstudio.errors import MissingExtraError, NNStudioError
from nnstudio.io.weights import check_weights
from nnstudio.spec import Project, Weights

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
            "NumPy archive: W1, b1, ..., activations, input standardisation",
            "nnstudio.io.weights:export_npz",
        ),
        ExportFormat(
            "json",
            ".json",
            "JSON: layers with activation, W and b, input standardisation",
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
            "Self-contained NumPy script with the weights inline",
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
    if owners:
        owner = f"the {' and '.join(owners)} export{'s' if len(owners) > 1 else ''}"
    elif suffix in _OWN_SUFFIXES:
        owner = _OWN_SUFFIXES[suffix]
    else:
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
