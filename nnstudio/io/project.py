"""Project files (``.nnproj``): one JSON document, with trained weights in a file beside it.

:func:`load_project` reads and validates a project and its weights; :func:`save_project`
writes both atomically. Paths inside a project (the CSV file, the weights file) are relative
to the project file's folder. The format is documented field by field in
``docs/file-format.md``.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from nnstudio.errors import MissingExtraError, ProjectFileError, SpecError
from nnstudio.io.weights import (
    JSON_FORMAT_NAME,
    atomic_write_bytes,
    atomic_write_text,
    is_stream,
    load_weights_file,
    name_bytes,
    name_limit,
    parse_json_document,
    read_training_position,
    shortened_name,
    weights_npz_bytes,
    write_temporary,
)
from nnstudio.spec import CsvData, Project, Weights
from nnstudio.text import plural

PROJECT_SUFFIX = ".nnproj"
# Files mistaken for projects whose first bytes say what they are.
_ARCHIVE_KINDS = (
    (b"PK\x03\x04", "a zip archive (such as .npz weights), not JSON text"),
    (b"\x1f\x8b", "gzip-compressed (such as a .csv.gz data file), not JSON text"),
)
WEIGHTS_SUFFIX = ".weights.npz"
#: What a backup's name adds to the kept part of a file's name: ".", ".", 8 hex digits and
#: ".backup".
_BACKUP_EXTRA = 1 + 1 + 8 + len(".backup")


#: What a project whose weights file cannot be used may do instead (said in the error).
_FRESH_WEIGHTS_ADVICE = 'remove the "weights" field to start from fresh weights'


class WeightsFileError(ProjectFileError):
    """The weights file a project names is missing, unreadable or does not fit its network.

    Parameters
    ----------
    reason : str
        What is wrong, naming the project and the weights file.
    advice : str
        What to do about it, added to the message in parentheses ("" for none).

    Attributes
    ----------
    reason : str
        The message without the advice, for a caller that offers its own way out
        (``nnstudio train --reinit``, the studio's fresh weights).
    """

    def __init__(self, reason: str, advice: str = ""):
        super().__init__(f"{reason} ({advice})" if advice else reason)
        self.reason = reason


@dataclass(frozen=True)
class LoadedProject:
    """A project read from disk.

    Attributes
    ----------
    project : Project
        The validated document.
    weights : Weights or None
        The trained weights named by ``project.weights``, checked against the network.
    path : Path
        The absolute path of the project file.
    weights_problem : str or None
        Why the weights file the project names could not be used, when it was read with
        ``unusable_weights="skip"`` (``weights`` is then ``None``); ``None`` otherwise.
    training_position : tuple of (int, int)
        The epochs and steps ``weights`` were trained for, as their file records them
        (``trained_epochs``, ``trained_steps``); ``(0, 0)`` without weights, and for weights
        whose file records none (untrained, or saved by an older version).
    """

    project: Project
    weights: Weights | None
    path: Path
    weights_problem: str | None = None
    training_position: tuple[int, int] = (0, 0)

    @property
    def base_dir(self) -> Path:
        """The folder relative paths in the project (CSV, weights) are resolved against."""
        return self.path.parent


def _other_file_kind(path: Path, raw: bytes) -> str | None:
    """What a file the studio reads elsewhere is, and where it goes, when it is opened as a
    project (``nnstudio iris.csv``): a JSON parser's "Expecting value" says neither."""
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return (
            "an ONNX model; import it with File › Import ONNX… "
            f"(or nnstudio import {path.name} -o MODEL.nnproj)"
        )
    if suffix in (".csv", ".tsv") and raw.lstrip()[:1] not in (b"{", b"["):
        return (
            "a CSV data file; open or start a project and choose it in the Data panel "
            "(Data: CSV file…)"
        )
    return None


def weights_path_for(project_path: str | Path) -> Path:
    """The weights file that belongs beside a project: ``iris.nnproj`` -> ``iris.weights.npz``."""
    project_path = Path(project_path)
    return project_path.with_name(project_path.stem + WEIGHTS_SUFFIX)


def load_project(
    path: str | Path,
    *,
    load_weights: bool = True,
    unusable_weights: Literal["raise", "skip"] = "raise",
) -> LoadedProject:
    """Read, validate and return a project file and its weights.

    Parameters
    ----------
    path : path-like
        The ``.nnproj`` file.
    load_weights : bool
        Read and check the weights file the project names. ``False`` skips it (the result's
        ``weights`` is ``None``), for starting afresh when the stored weights no longer fit.
    unusable_weights : {"raise", "skip"}
        What a weights file that is missing, unreadable or does not fit the network does:
        raise :class:`WeightsFileError`, or leave ``weights`` ``None`` and say why in the
        result's ``weights_problem`` (the project then starts from fresh weights).

    Returns
    -------
    LoadedProject

    Raises
    ------
    ProjectFileError
        When the file is missing or unreadable, is not JSON (with line and column) or is not a
        JSON object.
    WeightsFileError
        When the weights file it names is missing, unreadable or does not fit the network
        (naming the layer and both shapes), unless ``unusable_weights`` is ``"skip"``.
    SpecError
        When the document is invalid; ``problems`` lists every problem and the message starts
        with the file name.
    """
    path = Path(path).expanduser()
    name = path.name
    if path.is_dir():
        raise ProjectFileError(f"{path} is a folder, not a project file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError as error:
        raise ProjectFileError(f"project file {path} does not exist") from error
    except OSError as error:
        raise ProjectFileError(f"cannot read {path}: {error.strerror or error}") from error
    for magic, kind in _ARCHIVE_KINDS:
        if raw.startswith(magic):
            raise ProjectFileError(f"{name} is not a project file: it is {kind}")
    other_kind = _other_file_kind(path, raw)
    if other_kind is not None:
        raise ProjectFileError(f"{name} is not a project file: it is {other_kind}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProjectFileError(
            f"{name} is not a project file: it is not UTF-8 text (byte {error.start})"
        ) from error
    if not text.strip():
        raise ProjectFileError(f"{name} is not a project file: the file is empty")
    document = parse_json_document(
        text, name, "a project file", object_pairs_hook=_KeyedObject.from_pairs
    )
    if not isinstance(document, dict):
        raise ProjectFileError(
            f"{name} is not a project file: expected a JSON object, got {_json_kind(document)}"
        )
    if document.get("format") == JSON_FORMAT_NAME:
        raise ProjectFileError(
            f"{name} is a weights file, not a project; a project starts from it with "
            f"nnstudio train PROJECT --weights {name}"
        )
    repeated = _first_repeated_key(document)
    if repeated is not None:
        # JSON readers keep the last of two equal keys: a hand edit that adds a field twice
        # would silently lose one of its values.
        raise ProjectFileError(
            f"{name}: the field {repeated} is given more than once; keep only one"
        )
    try:
        project = Project.from_dict(document)
    except SpecError as error:
        raise _spec_error_for(name, error.problems) from None
    path = path.resolve()
    weights = problem = None
    position = (0, 0)
    if load_weights and project.weights is not None:
        try:
            weights, position = _load_named_weights(path, project)
        except WeightsFileError as error:
            if unusable_weights != "skip":
                raise
            problem = error.reason
    return LoadedProject(
        project=project,
        weights=weights,
        path=path,
        weights_problem=problem,
        training_position=position,
    )


def _load_named_weights(path: Path, project: Project) -> tuple[Weights, tuple[int, int]]:
    """The weights file ``project`` names, read beside the project file ``path``, and how
    far its weights were trained (see :func:`~nnstudio.io.weights.read_training_position`)."""
    name = path.name
    weights_file = path.parent / project.weights  # type: ignore[operator]
    if weights_file.is_dir():
        raise WeightsFileError(
            f"{name} names the weights file {project.weights!r}, but {weights_file} is a folder",
            _FRESH_WEIGHTS_ADVICE,
        )
    if not weights_file.is_file():
        raise WeightsFileError(
            f"{name} names the weights file {project.weights!r}, but {weights_file} does not exist",
            _FRESH_WEIGHTS_ADVICE,
        )
    try:
        weights = load_weights_file(weights_file, project.network, project.training.dtype)
        return weights, read_training_position(weights_file)
    except (ProjectFileError, MissingExtraError) as error:
        raise WeightsFileError(f"{name}: {error}") from error


def save_project(
    path: str | Path,
    project: Project,
    weights: Weights | None = None,
    *,
    source_dir: str | Path | None = None,
    position: tuple[int, int] = (0, 0),
) -> Project:
    """Write a project (and its weights) atomically, as a pair.

    The weights go to ``<stem>.weights.npz`` beside the project file. Both files are
    written to temporary files in the destination folder first; only then is the weights
    file renamed into place, followed by the project file, so a project never names a
    weights file that is not there. A failed write leaves the previous files intact: when
    the project file cannot be replaced, the previous weights file is put back (or the new
    one removed, if there was none).

    Parameters
    ----------
    path : path-like
        Destination ``.nnproj`` file.
    project : Project
        The document to write.
    weights : Weights or None
        Trained weights to store beside the project. ``None`` drops the ``weights`` field.
    source_dir : path-like or None
        The folder the project's relative CSV path currently refers to (the folder of the file
        it was loaded from). When it differs from the destination folder, the CSV path is
        rewritten relative to the destination so *Save As* elsewhere keeps finding the data.
        ``None`` keeps the path as it is.
    position : tuple of (int, int)
        How far ``weights`` were trained: their epochs and steps, stored in the weights file
        with them (``trained_epochs``, ``trained_steps``), so the count goes on from there
        when the project is opened again. Ignored without weights.

    Returns
    -------
    Project
        The project as written: ``weights`` names the weights file (or is ``None``) and the
        CSV path is relative to the new location.

    Raises
    ------
    ProjectFileError
        When a file cannot be written.
    SpecError
        When the project is invalid (nothing is written then).
    """
    path = Path(path).expanduser()
    problem = _folder_problem(path)
    if problem is not None:
        # Said for the project file the caller named, not the weights file written first.
        raise ProjectFileError(f"cannot write {path}: {problem}")
    target_dir = path.parent.resolve()
    if source_dir is not None and isinstance(project.data, CsvData):
        project = replace(
            project, data=_rebase_csv(project.data, Path(source_dir).resolve(), target_dir)
        )
    if weights is None:
        project = replace(project, weights=None)
    else:
        weights_file = weights_path_for(path)
        project = replace(project, weights=weights_file.name)
    document = project.to_dict()
    try:
        # Re-validate so an inconsistent in-memory project is never written.
        Project.from_dict(document)
    except SpecError as error:
        raise _spec_error_for(path.name, error.problems, writing=True) from None
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    problem = project_name_problem(path, weights=weights is not None)
    if problem is not None:
        # Said before anything is written: a project without its weights file is no save.
        raise ProjectFileError(f"cannot write {path}: {problem}")
    if weights is None:
        atomic_write_text(path, text)
    else:
        weights_bytes = weights_npz_bytes(project, weights, position)
        _write_pair(path, text.encode("utf-8"), weights_file, weights_bytes)
    return project


def _folder_problem(path: Path) -> str | None:
    """Why ``path``'s folder cannot hold a file, or ``None`` when it is a folder.

    A file where a folder of the path should be is named as such ("/x/notes is a file, not
    a folder"), which is what the user has to fix, rather than "the folder does not exist".
    Other failures (permissions, a full disk) are left to the write, which says them.
    """
    folder = path.parent if str(path.parent) else Path(".")
    try:
        if folder.is_dir():
            return None
        for ancestor in (folder, *folder.parents):
            if ancestor.is_dir():
                break
            if ancestor.is_file():
                return f"{ancestor} is a file, not a folder"
            if ancestor.exists() or ancestor.is_symlink():  # a device, a broken link
                return f"{ancestor} is not a folder"
    except OSError as error:
        return error.strerror or str(error)
    return f"the folder {folder} does not exist"


def project_name_problem(path: str | Path, *, weights: bool = True) -> str | None:
    """Why the file system cannot take a project's file name, or its weights file's, if so.

    The weights file's name is 5 bytes longer than the project's (``.weights.npz`` in place
    of ``.nnproj``), so a project name the folder accepts can still leave no room for it.
    :func:`save_project` asks before it writes anything; a command can ask before it works.

    Parameters
    ----------
    path : path-like
        The project file to be written.
    weights : bool
        Whether a weights file is written beside it.

    Returns
    -------
    str or None
        E.g. ``"the file name is 260 bytes long, and the file system allows at most 255;
        choose a shorter name"``; ``None`` when both names fit.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    limit = name_limit(folder)
    length = name_bytes(path.name)
    if length > limit:
        return (
            f"the file name is {length} bytes long, and the file system allows at most "
            f"{limit}; choose a shorter name"
        )
    if not weights:
        return None
    excess = name_bytes(weights_path_for(path).name) - limit
    if excess <= 0:
        return None
    if path.name.isascii():
        shorter = plural(excess, "character")
    else:
        shorter = f"{plural(excess, 'byte')} (a character outside ASCII takes 2 to 4)"
    return (
        f"the weights file beside it, named like the project but ending in {WEIGHTS_SUFFIX}, "
        f"would have a name {plural(excess, 'byte')} longer than the {limit} the file system "
        f"allows; shorten the project's name by {shorter} or more"
    )


def _write_pair(
    project_path: Path, project_bytes: bytes, weights_path: Path, weights_bytes: bytes
) -> None:
    """Replace a project file and its weights file together, or leave both as they were.

    Raises
    ------
    ProjectFileError
        When either file cannot be written; the previous pair is then on disk unchanged
        (the message says where the previous weights are kept if even putting them back
        failed).
    """
    if is_stream(project_path) or is_stream(weights_path):
        # A device or pipe cannot be put back: write them in order, weights first.
        atomic_write_bytes(weights_path, weights_bytes)
        atomic_write_bytes(project_path, project_bytes)
        return
    temporaries = [write_temporary(weights_path, weights_bytes)]
    backup: Path | None = None
    keep_backup = False
    try:
        # Both files are complete on disk before either replaces anything, so a full disk
        # or an unwritable folder fails here with the previous pair untouched.
        temporaries.append(write_temporary(project_path, project_bytes))
        backup = _backup(weights_path)
        _replace(temporaries[0], weights_path)
        try:
            _replace(temporaries[1], project_path)
        except ProjectFileError as error:
            keep_backup = not _restore(weights_path, backup, error)
            raise
    finally:
        # A temporary file renamed into place is gone already.
        leftovers = [*temporaries, *([backup] if backup is not None and not keep_backup else [])]
        for leftover in leftovers:
            with contextlib.suppress(OSError):
                os.unlink(leftover)


def _backup(path: Path) -> Path | None:
    """A copy of ``path`` beside it (a hard link where possible), or None when it is absent.

    Raises
    ------
    ProjectFileError
        When ``path`` exists but cannot be copied (nothing has been replaced yet).
    """
    if not path.exists():
        return None
    # As short as a temporary name: the weights file's name may be as long as the folder allows.
    kept = shortened_name(path.name, name_limit(path.parent) - _BACKUP_EXTRA)
    backup = path.with_name(f".{kept}.{secrets.token_hex(4)}.backup")
    try:
        os.link(path, backup)
    except OSError:
        # File systems without hard links (FAT, some network shares) get a real copy.
        try:
            shutil.copy2(path, backup)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(backup)
            raise ProjectFileError(
                f"cannot write {path}: cannot keep a copy of the previous file "
                f"({error.strerror or error})"
            ) from error
    return backup


def _replace(source: Path, destination: Path) -> None:
    """``os.replace`` with the failure told in the file's terms."""
    try:
        os.replace(source, destination)
    except OSError as error:
        raise ProjectFileError(f"cannot write {destination}: {error.strerror or error}") from error


def _restore(path: Path, backup: Path | None, error: ProjectFileError) -> bool:
    """Put the previous ``path`` back from ``backup`` (remove ``path`` when there was none).

    Returns whether that worked; when it did not, ``error``'s message says so and where
    the previous file is kept.
    """
    try:
        if backup is None:
            os.unlink(path)
        else:
            os.replace(backup, path)
    except OSError as failure:
        kept = f"; the previous weights are kept in {backup}" if backup is not None else ""
        error.args = (
            f"{error}; {path.name} could not be put back as it was "
            f"({failure.strerror or failure}){kept}",
        )
        return False
    return True


def _rebase_csv(data: CsvData, old_dir: Path, new_dir: Path) -> CsvData:
    """Keep a relative CSV path pointing at the same file from ``new_dir``."""
    csv_path = Path(data.csv)
    if csv_path.is_absolute() or old_dir == new_dir:
        return data
    absolute = Path(os.path.normpath(old_dir / csv_path))
    try:
        relative = Path(os.path.relpath(absolute, new_dir)).as_posix()
    except ValueError:  # another drive on Windows: only an absolute path can reach it
        relative = absolute.as_posix()
    return replace(data, csv=relative)


def _spec_error_for(name: str, problems: list[str], *, writing: bool = False) -> SpecError:
    """A SpecError keeping ``problems`` whose message starts with the file name."""
    error = SpecError(problems)
    verb = "cannot save" if writing else "is not a valid project"
    count = f"{len(problems)} problems: " if len(problems) > 1 else ""
    if writing:
        error.summary = f"{verb} {name}"
    else:
        error.summary = f"{name} {verb}"
    error.args = (f"{error.summary}: {count}{'; '.join(problems)}",)
    return error


class _KeyedObject(dict):  # type: ignore[type-arg]
    """A JSON object that remembers which of its keys appeared more than once."""

    repeated: tuple[str, ...] = ()

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, object]]) -> _KeyedObject:
        """The object of ``pairs`` (the last value of a repeated key wins, as in JSON)."""
        obj = cls(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            repeated = []
            for key, _ in pairs:
                if key in seen:
                    repeated.append(key)
                seen.add(key)
            obj.repeated = tuple(repeated)
        return obj


def _first_repeated_key(value: object, where: str = "") -> str | None:
    """The JSON path (``training.epochs``) of the first key given twice in one object."""
    if isinstance(value, _KeyedObject):
        if value.repeated:
            return f"{where}.{value.repeated[0]}" if where else value.repeated[0]
        children: list[tuple[str, object]] = [
            (f"{where}.{key}" if where else key, child) for key, child in value.items()
        ]
    elif isinstance(value, list):
        children = [(f"{where}[{index}]", child) for index, child in enumerate(value)]
    else:
        return None
    for path, child in children:
        found = _first_repeated_key(child, path)
        if found is not None:
            return found
    return None


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
