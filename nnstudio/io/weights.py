"""Weights files: NumPy ``.npz`` and JSON, written atomically and checked against a network.

Both layouts are self-describing so a trained network can be used without nnstudio
(see ``docs/file-format.md``).

``.npz`` keys
    ``W1``, ``b1``, ..., ``WL``, ``bL`` (``Wl`` shaped (fan_in, fan_out), ``bl`` shaped
    (fan_out,)), ``activations`` (one name per layer), ``alphas`` (one float per layer, NaN
    where the activation takes none), ``input_mean`` and ``input_std`` (only when inputs are
    standardised), ``target_mean`` and ``target_std`` (only when regression targets are
    standardised: the outputs of the layers are then ``(y - target_mean) / target_std``),
    ``output_names`` (when known) and ``task``.

``.json``
    ``{"format": "nnstudio.weights", "version": 1, "layers": [{"activation", "alpha", "W",
    "b"}, ...], "input_standardization": {"mean", "std"} or null, "target_standardization":
    {"mean", "std"} or null, "task", "output_names"}``.

The project's own ``<name>.weights.npz`` uses the ``.npz`` layout, plus ``trained_epochs``
and ``trained_steps`` when its weights were trained (see :func:`read_training_position`);
exports never hold those two.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import operator
import os
import stat
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from nnstudio.errors import ProjectFileError
from nnstudio.spec import NetworkSpec, Project, Standardization, Weights, canonical_activation

JSON_FORMAT_NAME = "nnstudio.weights"
JSON_FORMAT_VERSION = 1

#: Keys of a project's own ``.npz`` weights file saying how far its weights were trained: the
#: epochs and optimizer steps they had reached. Exports never hold them.
TRAINED_EPOCHS_KEY = "trained_epochs"
TRAINED_STEPS_KEY = "trained_steps"

#: Suffixes :func:`load_weights_file` understands.
WEIGHTS_SUFFIXES: tuple[str, ...] = (".npz", ".json", ".safetensors")


# --------------------------------------------------------------------------------------------
# Atomic writing
# --------------------------------------------------------------------------------------------


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see either the old or the new file.

    The bytes go to a temporary file in the same folder, which is flushed to disk and then
    renamed over ``path`` (a rename within one file system is atomic). If anything fails,
    the temporary file is removed and an existing ``path`` is left untouched. A device or
    pipe (``/dev/stdout``, a shell's ``>(...)``) is written directly instead.

    Raises
    ------
    ProjectFileError
        When the folder is missing or not writable, or the disk is full.
    """
    path = Path(path)
    if is_stream(path):
        _write_stream(path, data)
        return
    temporary = write_temporary(path, data)
    try:
        os.replace(temporary, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise ProjectFileError(f"cannot write {path}: {error.strerror or error}") from error
        raise


#: Longest file name, in bytes, taken when a folder's file system does not say (Linux's and
#: macOS's file systems, and NTFS in UTF-16 units, which never exceed UTF-8 bytes).
NAME_MAX = 255
#: What a temporary name adds to the kept part of a file's name: "." and "." around it, then
#: mkstemp's 8 random characters and ".tmp".
_MKSTEMP_EXTRA = 1 + 1 + 8 + len(".tmp")


def name_limit(folder: str | Path) -> int:
    """The longest file name, in bytes, that ``folder``'s file system accepts.

    Parameters
    ----------
    folder : path-like
        An existing folder (:data:`NAME_MAX` is taken for one that is not, and where the
        system cannot tell, as on Windows).

    Returns
    -------
    int
    """
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):  # no pathconf on Windows
        return NAME_MAX
    return limit if limit > 0 else NAME_MAX  # -1: the system sets no limit


def name_bytes(name: str) -> int:
    """The length of the file name ``name`` as the file system counts it, in bytes."""
    return len(os.fsencode(name))


def shortened_name(name: str, room: int) -> str:
    """``name``, cut to at most ``room`` bytes (never inside a character) when it is longer.

    For the names of temporary and backup files, which only need to be recognisable.
    """
    encoded = os.fsencode(name)
    if len(encoded) <= room:
        return name
    return encoded[: max(0, room)].decode(sys.getfilesystemencoding(), "ignore")


def write_temporary(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to a new temporary file beside ``path``, flushed to disk, and return it.

    The file gets the permissions ``path`` has (or would get), so renaming it over ``path``
    with :func:`os.replace` completes an atomic write; the caller renames or removes it. Its
    name, ``.<name>.<random>.tmp``, keeps only as much of ``path``'s name as the file system
    allows, so any name the folder accepts can be written this way.

    Raises
    ------
    ProjectFileError
        When the folder is missing or not writable, or the disk is full (nothing is left
        behind then).
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ProjectFileError(f"cannot write {path}: the folder {folder} does not exist")
    # The temporary name keeps as much of the file's name as fits: a name near the file
    # system's limit must not make its temporary one too long to create.
    prefix = "." + shortened_name(path.name, name_limit(folder) - _MKSTEMP_EXTRA) + "."
    try:
        handle, temp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError as error:
        raise ProjectFileError(f"cannot write {path}: {error.strerror or error}") from error
    try:
        # mkstemp creates the file readable by its owner only; give it the usual permissions.
        os.chmod(temp_name, _file_mode(path))
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise ProjectFileError(f"cannot write {path}: {error.strerror or error}") from error
        raise
    return Path(temp_name)


def is_stream(path: Path) -> bool:
    """Whether ``path`` is a device, pipe or socket (``/dev/stdout``, ``>(gzip > out.gz)``).

    Renaming a file over one would replace the device node or pipe (for root, even
    ``/dev/null``) and the data would never reach its reader.
    """
    # /dev/stdout redirected to a file (> out.csv) stats as a regular file: the name is
    # what tells (as root, the rename would replace the /dev/stdout link itself).
    special = ("/dev/", "/proc/")
    if os.path.abspath(path).startswith(special):
        return True
    try:
        if path.is_symlink() and os.readlink(path).startswith(special):
            return True
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _write_stream(path: Path, data: bytes) -> None:
    """Write ``data`` straight into a device or pipe."""
    try:
        with open(path, "wb") as stream:
            stream.write(data)
    except OSError as error:
        raise ProjectFileError(f"cannot write {path}: {error.strerror or error}") from error


def _file_mode(path: Path) -> int:
    """The permission bits for ``path``: those of the file it replaces, else 0o666 - umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Shape checks
# --------------------------------------------------------------------------------------------


def check_weights(weights: Sequence[Any], network: NetworkSpec, source: str) -> Weights:
    """Check that ``weights`` fit ``network`` and return them as float arrays.

    Parameters
    ----------
    weights : sequence of (W, b) pairs
        ``W`` shaped (fan_in, fan_out), ``b`` shaped (fan_out,).
    network : NetworkSpec
        The architecture the weights must fit.
    source : str
        Where the weights come from (a file name), used in messages.

    Returns
    -------
    Weights
        Tuple of ``(W, b)`` pairs of floating-point arrays.

    Raises
    ------
    ProjectFileError
        Naming the layer and both shapes when a shape differs, or the layer holding
        non-finite values.
    """
    expected = network.weight_shapes()
    if len(weights) != len(expected):
        raise ProjectFileError(
            f"{source} holds {len(weights)} layers but the network {network.describe()} has "
            f"{len(expected)}"
        )
    checked = []
    for index, ((W, b), (w_shape, b_shape)) in enumerate(zip(weights, expected, strict=True)):
        number = index + 1
        W = np.asarray(W)
        b = np.asarray(b)
        for name, array, shape in ((f"W{number}", W, w_shape), (f"b{number}", b, b_shape)):
            if array.shape != shape:
                raise ProjectFileError(
                    f"{source}: layer {number} ({name}) has shape {_shape(array.shape)} but the "
                    f"network {network.describe()} needs {_shape(shape)}"
                )
            if not np.issubdtype(array.dtype, np.floating):
                raise ProjectFileError(
                    f"{source}: layer {number} ({name}) holds {array.dtype} values; weights "
                    "must be floating-point numbers (such as float32 or float64)"
                )
            if not np.all(np.isfinite(array)):
                raise ProjectFileError(
                    f"{source}: layer {number} ({name}) contains NaN or infinite values"
                )
        checked.append((W, b))
    return tuple(checked)


def _shape(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(n) for n in shape) + ("," if len(shape) == 1 else "") + ")"


# --------------------------------------------------------------------------------------------
# NPZ
# --------------------------------------------------------------------------------------------


def weights_to_arrays(project: Project, weights: Weights) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` layout, keyed by their names.

    Parameters
    ----------
    project : Project
        Supplies activations, input and target standardisation, output names and the task.
    weights : Weights
        One ``(W, b)`` pair per layer of ``project.network``.

    Returns
    -------
    dict of str to ndarray
        ``Wl`` shaped (fan_in, fan_out), ``bl`` shaped (fan_out,), ``input_mean`` and
        ``input_std`` shaped (n_inputs,), ``target_mean`` and ``target_std`` shaped
        (n_outputs,), and the descriptive entries.
    """
    weights = check_weights(weights, project.network, "the weights")
    arrays: dict[str, np.ndarray] = {}
    for number, (W, b) in enumerate(weights, start=1):
        arrays[f"W{number}"] = np.ascontiguousarray(W)
        arrays[f"b{number}"] = np.ascontiguousarray(b)
    layers = project.network.layers
    arrays["activations"] = np.array([canonical_activation(layer.activation) for layer in layers])
    arrays["alphas"] = np.array(
        [
            math.nan if layer.activation_alpha is None else layer.activation_alpha
            for layer in layers
        ],
        dtype=np.float64,
    )
    if project.standardization is not None:
        arrays["input_mean"] = np.array(project.standardization.mean, dtype=np.float64)
        arrays["input_std"] = np.array(project.standardization.std, dtype=np.float64)
    # Written only when set, so the archives of other projects stay as they were.
    if project.target_standardization is not None:
        arrays["target_mean"] = np.array(project.target_standardization.mean, dtype=np.float64)
        arrays["target_std"] = np.array(project.target_standardization.std, dtype=np.float64)
    if project.output_names is not None:
        arrays["output_names"] = np.array(project.output_names)
    arrays["task"] = np.array(project.task)
    return arrays


def save_weights_npz(path: str | Path, project: Project, weights: Weights) -> Path:
    """Write the ``.npz`` layout atomically and return the path written."""
    path = Path(path)
    atomic_write_bytes(path, weights_npz_bytes(project, weights))
    return path


def weights_npz_bytes(
    project: Project, weights: Weights, position: tuple[int, int] = (0, 0)
) -> bytes:
    """The ``.npz`` archive of ``weights`` (see :func:`weights_to_arrays`) as bytes.

    Parameters
    ----------
    project : Project
    weights : Weights
    position : tuple of (int, int)
        The epochs and steps the weights were trained for, stored as ``trained_epochs`` and
        ``trained_steps`` (a project's own weights file); ``(0, 0)``, for untrained weights
        and exports, stores neither, so such archives stay as they were.
    """
    arrays = weights_to_arrays(project, weights)
    epochs, steps = _checked_position(position)
    if (epochs, steps) != (0, 0):
        arrays[TRAINED_EPOCHS_KEY] = np.array(epochs, dtype=np.int64)
        arrays[TRAINED_STEPS_KEY] = np.array(steps, dtype=np.int64)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _checked_position(position: tuple[int, int]) -> tuple[int, int]:
    """``position`` as two ints; ValueError unless both are whole numbers from 0 to 2⁶³ − 1."""
    checked = []
    for value in position:
        number = operator.index(value)
        if not 0 <= number < 2**63:
            raise ValueError(f"a training position counts from 0, not {position!r}")
        checked.append(number)
    epochs, steps = checked
    return epochs, steps


def read_training_position(path: str | Path) -> tuple[int, int]:
    """How far the weights in a project's weights file were trained: ``(epochs, steps)``.

    Read from the ``.npz`` keys ``trained_epochs`` and ``trained_steps``; either one absent
    (weights never trained, files of older versions, exports, other programs' files) counts
    as 0, and so does any file that is not ``.npz``.

    Parameters
    ----------
    path : path-like
        A weights file that :func:`load_weights_file` has read.

    Returns
    -------
    tuple of (int, int)

    Raises
    ------
    ProjectFileError
        When the file cannot be read, or a key holds anything but one whole number of at
        least 0 (naming the key and what it holds).
    """
    path = Path(path)
    if path.suffix.lower() != ".npz":
        return 0, 0
    try:
        with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:
            keys = set(archive.files)
            values = [
                archive[key] if key in keys else None
                for key in (TRAINED_EPOCHS_KEY, TRAINED_STEPS_KEY)
            ]
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise ProjectFileError(f"cannot read {path.name}: {error}") from error
    position = []
    for key, value in zip((TRAINED_EPOCHS_KEY, TRAINED_STEPS_KEY), values, strict=True):
        if value is None:
            position.append(0)
            continue
        if value.shape != () or value.dtype.kind not in "iu" or int(value) < 0:
            shown = value.tolist() if value.size <= 4 else f"an array of shape {value.shape}"
            raise ProjectFileError(
                f"{path.name}: {key} must be one whole number of at least 0 (how far the "
                f"weights were trained), got {shown!r}"
            )
        position.append(int(value))
    return position[0], position[1]


_ZIP_MAGIC = b"PK"
_NPY_MAGIC = b"\x93NUMPY"


def load_weights_npz(path: str | Path, network: NetworkSpec) -> Weights:
    """Read ``W1``, ``b1``, ... from an ``.npz`` file and check them against ``network``.

    Raises
    ------
    ProjectFileError
        When the file is missing, is not an npz archive, lacks a layer, or a shape differs.
    """
    path = Path(path)
    try:
        # Opened here, so the file is closed whatever np.load makes of it (given a path, it
        # leaves a corrupt archive's file open).
        handle = open(path, "rb")
    except FileNotFoundError as error:
        raise ProjectFileError(f"weights file {path} does not exist") from error
    except OSError as error:
        raise ProjectFileError(f"cannot read {path}: {error.strerror or error}") from error
    with handle:
        # np.load takes any file that is neither a zip archive nor an .npy array for a pickle,
        # and its refusal would advise loading it "unsafely": name the file's kind instead.
        magic = handle.read(len(_NPY_MAGIC))
        handle.seek(0)
        if not magic.startswith((_ZIP_MAGIC, _NPY_MAGIC)):
            what = "the file is empty" if not magic else "it is not a zip archive"
            raise ProjectFileError(f"{path.name} is not a valid .npz weights file: {what}")
        try:
            loaded = np.load(handle, allow_pickle=False)
        except zipfile.BadZipFile as error:
            # zipfile's own wording ("File is not a zip file") for a cut-short archive.
            raise ProjectFileError(
                f"{path.name} is not a valid .npz weights file: the zip archive is damaged or "
                "cut short"
            ) from error
        except (ValueError, EOFError) as error:
            raise ProjectFileError(
                f"{path.name} is not a valid .npz weights file: {error}"
            ) from error
        except OSError as error:
            raise ProjectFileError(f"cannot read {path}: {error.strerror or error}") from error
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ProjectFileError(
                f"{path.name} is a single .npy array, not an .npz weights archive"
            )
        with loaded as archive:
            pairs = _npz_pairs(archive, network, path.name)
    return check_weights(pairs, network, path.name)


def _npz_pairs(
    archive: np.lib.npyio.NpzFile, network: NetworkSpec, source: str
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Read the ``(W, b)`` arrays of every layer, failing on missing or surplus layers."""
    keys = set(archive.files)
    count = len(network.layers)
    missing = [
        key
        for number in range(1, count + 1)
        for key in (f"W{number}", f"b{number}")
        if key not in keys
    ]
    if missing:
        raise ProjectFileError(
            f"{source} lacks {', '.join(missing)}: it does not hold weights for the "
            f"{count}-layer network {network.describe()}"
        )
    surplus = sorted(
        key for key in keys if key[:1] in "Wb" and key[1:].isdigit() and int(key[1:]) > count
    )
    if surplus:
        raise ProjectFileError(
            f"{source} holds weights for more layers ({', '.join(surplus)}) than the "
            f"{count}-layer network {network.describe()}"
        )
    try:
        return [(archive[f"W{n}"], archive[f"b{n}"]) for n in range(1, count + 1)]
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as error:
        raise ProjectFileError(f"{source} is damaged: {error}") from error
    except MemoryError as error:
        # An array's header gives its shape: a damaged one can claim terabytes.
        raise ProjectFileError(
            f"{source} holds an array too large to load (the file is damaged or holds weights "
            f"far larger than the network {network.describe()})"
        ) from error


def export_npz(project: Project, weights: Weights, path: Path) -> list[Path]:
    """Export format ``npz``: the ``.npz`` layout described in this module."""
    return [save_weights_npz(path, project, weights)]


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------


def weights_to_json_document(project: Project, weights: Weights) -> dict[str, Any]:
    """The JSON layout as a dict (floats written with full precision by :mod:`json`)."""
    weights = check_weights(weights, project.network, "the weights")
    layers = []
    for layer, (W, b) in zip(project.network.layers, weights, strict=True):
        layers.append(
            {
                "activation": canonical_activation(layer.activation),
                "alpha": layer.activation_alpha,
                "W": np.asarray(W, dtype=np.float64).tolist(),
                "b": np.asarray(b, dtype=np.float64).tolist(),
            }
        )
    return {
        "format": JSON_FORMAT_NAME,
        "version": JSON_FORMAT_VERSION,
        "layers": layers,
        "input_standardization": _statistics_document(project.standardization),
        "target_standardization": _statistics_document(project.target_standardization),
        "task": project.task,
        "output_names": list(project.output_names) if project.output_names is not None else None,
    }


def _statistics_document(
    standardization: Standardization | None,
) -> dict[str, list[float]] | None:
    """The JSON form of a standardisation (see :meth:`Standardization.to_dict`), or ``None``."""
    return None if standardization is None else standardization.to_dict()


def save_weights_json(path: str | Path, project: Project, weights: Weights) -> Path:
    """Write the JSON layout atomically and return the path written."""
    path = Path(path)
    document = weights_to_json_document(project, weights)
    atomic_write_text(path, format_weights_json(document))
    return path


def format_weights_json(document: dict[str, Any]) -> str:
    """JSON text of a weights document with one matrix row per line.

    ``json.dumps(indent=...)`` would put every number on its own line; keeping rows together
    makes the file readable as the matrices it holds.
    """
    layers = []
    for layer in document["layers"]:
        rows = ",\n        ".join(json.dumps(row) for row in layer["W"])
        layers.append(
            "    {\n"
            f'      "activation": {json.dumps(layer["activation"])},\n'
            f'      "alpha": {json.dumps(layer["alpha"])},\n'
            f'      "W": [\n        {rows}\n      ],\n'
            f'      "b": {json.dumps(layer["b"])}\n'
            "    }"
        )
    fields = [f"  {json.dumps(key)}: {json.dumps(document[key])}" for key in ("format", "version")]
    fields.append('  "layers": [\n' + ",\n".join(layers) + "\n  ]")
    fields += [
        f"  {json.dumps(key)}: {json.dumps(value)}"
        for key, value in document.items()
        if key not in ("format", "version", "layers")
    ]
    return "{\n" + ",\n".join(fields) + "\n}\n"


def parse_json_document(text: str, name: str, kind: str, **options: Any) -> Any:
    """``json.loads(text, **options)``, with a problem told as one line about the file.

    Parameters
    ----------
    text : str
        The file's contents.
    name : str
        The file's name, for messages.
    kind : str
        What the file should be, e.g. ``"a project file"``.
    **options
        Passed to :func:`json.loads` (e.g. ``object_pairs_hook``).

    Raises
    ------
    ProjectFileError
        For invalid JSON (naming line and column), nesting too deep to read (thousands of
        brackets are no nnstudio file), or a value Python cannot convert (an integer of
        thousands of digits).
    """
    try:
        return json.loads(text, **options)
    except json.JSONDecodeError as error:
        # Some of json's messages end in "at" ("Unterminated string starting at"): one "at".
        what = error.msg.removesuffix(" at")
        raise ProjectFileError(
            f"{name} is not valid JSON: {what} at line {error.lineno}, column {error.colno}"
        ) from error
    except RecursionError as error:
        raise ProjectFileError(
            f"{name} is not {kind}: its JSON is nested too deeply to read"
        ) from error
    except ValueError as error:
        raise ProjectFileError(f"{name} is not {kind}: {error}") from error


def load_weights_json(path: str | Path, network: NetworkSpec) -> Weights:
    """Read the JSON layout and check it against ``network``.

    Raises
    ------
    ProjectFileError
        When the file is missing, not JSON, not in this layout, or a shape differs.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ProjectFileError(f"weights file {path} does not exist") from error
    except UnicodeDecodeError as error:
        message = f"{path.name} is not a JSON weights file (not UTF-8 text)"
        raise ProjectFileError(message) from error
    except OSError as error:
        raise ProjectFileError(f"cannot read {path}: {error.strerror or error}") from error
    document = parse_json_document(text, path.name, "a JSON weights file")
    if not isinstance(document, dict) or document.get("format") != JSON_FORMAT_NAME:
        raise ProjectFileError(
            f'{path.name} is not an nnstudio weights file (expected "format": "{JSON_FORMAT_NAME}")'
        )
    if document.get("version") != JSON_FORMAT_VERSION:
        raise ProjectFileError(
            f"{path.name}: weights format version {document.get('version')!r} is not supported; "
            f"this nnstudio reads version {JSON_FORMAT_VERSION}"
        )
    layers = document.get("layers")
    if not isinstance(layers, list):
        raise ProjectFileError(f'{path.name}: "layers" must be a list')
    pairs = []
    for number, layer in enumerate(layers, start=1):
        if not isinstance(layer, dict) or "W" not in layer or "b" not in layer:
            raise ProjectFileError(f'{path.name}: layers[{number - 1}] needs "W" and "b"')
        if _holds_booleans(layer["W"]) or _holds_booleans(layer["b"]):
            # NumPy would read them as 1.0 and 0.0.
            raise ProjectFileError(
                f"{path.name}: layer {number} holds true or false in W or b; weights are numbers"
            )
        try:
            W = np.array(layer["W"], dtype=np.float64)
            b = np.array(layer["b"], dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ProjectFileError(
                f"{path.name}: layer {number} holds a ragged or non-numeric W or b"
            ) from error
        except OverflowError as error:  # an integer such as 1e400 written out in digits
            raise ProjectFileError(
                f"{path.name}: layer {number} holds a number too large for a float in W or b"
            ) from error
        pairs.append((W, b))
    return check_weights(pairs, network, path.name)


def _holds_booleans(value: Any) -> bool:
    """Whether a JSON value, lists nested in it included, holds ``true`` or ``false``."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, bool):
            return True
    return False


def export_json(project: Project, weights: Weights, path: Path) -> list[Path]:
    """Export format ``json``: the JSON layout described in this module."""
    return [save_weights_json(path, project, weights)]


# --------------------------------------------------------------------------------------------
# Any supported file
# --------------------------------------------------------------------------------------------


def load_weights_file(path: str | Path, network: NetworkSpec, dtype: str | None = None) -> Weights:
    """Load weights from ``.npz``, ``.json`` or ``.safetensors`` and check their shapes.

    Parameters
    ----------
    path : path-like
        The weights file; its suffix selects the reader.
    network : NetworkSpec
        The network the weights must fit.
    dtype : str or None
        The float type the network computes in (``"float32"``): values it cannot hold are
        refused. ``None`` checks only that they are finite.

    Raises
    ------
    ProjectFileError
        When the file is missing, unreadable, of an unknown kind, or a shape differs (the
        message names the layer and both shapes).
    MissingExtraError
        When reading ``.safetensors`` without the ``safetensors`` package.
    """
    weights = _load_weights_file(Path(path), network)
    if dtype is not None:
        _check_weights_fit(weights, np.dtype(dtype), Path(path).name)
    return weights


@dataclass(frozen=True)
class BeyondRange:
    """A weight array holding a value beyond what a floating-point type can hold."""

    layer: int
    name: str
    peak: float
    dtype: np.dtype

    @property
    def limit(self) -> float:
        """The largest magnitude ``dtype`` holds."""
        return float(np.finfo(self.dtype).max)


def weights_beyond(weights: Weights, dtype: np.dtype | str) -> BeyondRange | None:
    """The first array of ``weights`` (``W1``, ``b1``, ``W2``, …) with a value beyond ``dtype``.

    Cast to ``dtype``, such a value would become infinite. ``None`` when every value fits.
    """
    target = np.dtype(dtype)
    limit = float(np.finfo(target).max)
    for number, (W, b) in enumerate(weights, start=1):
        for name, array in ((f"W{number}", W), (f"b{number}", b)):
            if array.dtype.itemsize <= target.itemsize or not array.size:
                continue
            peak = float(np.max(np.abs(array)))
            if peak > limit:
                return BeyondRange(number, name, peak, target)
    return None


def _check_weights_fit(weights: Weights, dtype: np.dtype, source: str) -> None:
    """Refuse weights beyond ``dtype``: cast, they would become infinite."""
    beyond = weights_beyond(weights, dtype)
    if beyond is not None:
        raise ProjectFileError(
            f"{source}: layer {beyond.layer} ({beyond.name}) holds {beyond.peak:.6g}, beyond "
            f"{dtype.name} (at most about ±{beyond.limit:.4g}); these weights cannot be used"
        )


def _load_weights_file(path: Path, network: NetworkSpec) -> Weights:
    """The weights of ``path``, read by the reader its suffix selects."""
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ProjectFileError(f"{path} is a folder, not a weights file")
    if suffix == ".nnproj":
        stem = path.name[: -len(suffix)]
        raise ProjectFileError(
            f"{path.name} is a project, not a weights file; a project's trained weights are in "
            f'the file beside it that its "weights" field names (usually {stem}.weights.npz)'
        )
    if suffix == ".npz":
        return load_weights_npz(path, network)
    if suffix == ".json":
        return load_weights_json(path, network)
    if suffix == ".safetensors":
        if not path.exists():
            raise ProjectFileError(f"weights file {path} does not exist")
        from nnstudio.io.safetensors_io import load_safetensors_weights

        return check_weights(load_safetensors_weights(path, network), network, path.name)
    raise ProjectFileError(
        f"{path.name}: unknown weights file type {suffix or '(no suffix)'!r}; expected one of "
        f"{', '.join(WEIGHTS_SUFFIXES)}"
    )


class _RecordedContext(NamedTuple):
    """What a weights file records about the computation its weights were trained for.

    Attributes
    ----------
    activations : list of str or None
        One activation name per layer; ``None`` when the file does not say (a file nnstudio
        did not write).
    inputs, targets : tuple of two ndarrays, None or Ellipsis
        The input (shape (n_inputs,)) or target (shape (n_outputs,)) standardisation as
        ``(mean, std)``; ``None`` for values used raw; ``...`` when the file does not say.
    """

    activations: list[str] | None
    inputs: Any
    targets: Any


#: A file that records nothing about its training.
_NOTHING_RECORDED = _RecordedContext(None, ..., ...)


def _recorded_context(path: Path) -> _RecordedContext:
    """The activations and the input and target standardisation a weights file records.

    A file that records its activations but no target statistics was written without target
    standardisation (files from before nnstudio had it included), so its targets were raw.
    """
    suffix = path.suffix.lower()
    try:
        if suffix == ".npz":
            with open(path, "rb") as handle, np.load(handle, allow_pickle=False) as archive:
                if "activations" not in archive.files:
                    return _NOTHING_RECORDED
                return _RecordedContext(
                    [str(name) for name in archive["activations"].tolist()],
                    _npz_statistics(archive, "input"),
                    _npz_statistics(archive, "target"),
                )
        if suffix == ".json":
            document = json.loads(path.read_text(encoding="utf-8"))
            return _RecordedContext(
                [str(layer.get("activation")) for layer in document["layers"]],
                _json_statistics(document.get("input_standardization")),
                _json_statistics(document.get("target_standardization")),
            )
        if suffix == ".safetensors":
            from nnstudio.io.safetensors_io import read_safetensors

            model = read_safetensors(path)
            if model.activations is None:
                return _NOTHING_RECORDED
            return _RecordedContext(
                list(model.activations),
                _statistics(model.standardization),
                _statistics(model.target_standardization),
            )
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile):
        pass  # the weights themselves were read; a record that cannot be is no record
    return _NOTHING_RECORDED


def _npz_statistics(archive: np.lib.npyio.NpzFile, prefix: str) -> Any:
    """``(mean, std)`` of the ``{prefix}_mean`` and ``{prefix}_std`` arrays, or ``None``."""
    if f"{prefix}_mean" in archive.files and f"{prefix}_std" in archive.files:
        return archive[f"{prefix}_mean"], archive[f"{prefix}_std"]
    return None


def _json_statistics(recorded: Any) -> Any:
    """``(mean, std)`` arrays of a JSON ``{"mean", "std"}`` entry, or ``None`` for null."""
    if recorded is None:
        return None
    return np.asarray(recorded["mean"]), np.asarray(recorded["std"])


def _statistics(standardization: Standardization | None) -> Any:
    if standardization is None:
        return None
    return np.asarray(standardization.mean), np.asarray(standardization.std)


def weights_file_mismatches(path: str | Path, project: Project) -> list[str]:
    """What a weights file records about its training that differs from ``project``.

    Weights trained with other activations, on inputs standardised differently, or for
    targets standardised differently, load (their shapes fit) but compute something else;
    each difference is one sentence. Files that record nothing (written by other tools)
    yield none.

    Parameters
    ----------
    path : path-like
        A weights file that :func:`load_weights_file` accepted for ``project.network``.
    project : Project
    """
    path = Path(path)
    activations, inputs, targets = _recorded_context(path)
    problems: list[str] = []
    ours = [canonical_activation(layer.activation) for layer in project.network.layers]
    if activations is not None and len(activations) == len(ours):
        theirs = [canonical_activation(name) for name in activations]
        if theirs != ours:
            problems.append(
                f"{path.name} was trained with the activations {', '.join(theirs)}; this "
                f"network uses {', '.join(ours)}"
            )
    for recorded, standardization, words in (
        (inputs, project.standardization, _INPUT_WORDS),
        (targets, project.target_standardization, _TARGET_WORDS),
    ):
        problem = _standardization_mismatch(path.name, recorded, standardization, words)
        if problem is not None:
            problems.append(problem)
    return problems


#: How a mismatch of the input or the target standardisation is told: (the file was trained
#: on raw values but the project standardises them, the other way round, the values they
#: were standardised as).
_INPUT_WORDS = (
    "was trained on raw inputs; this project standardises its inputs",
    "was trained on standardised inputs; this project feeds raw inputs",
    "inputs",
)
_TARGET_WORDS = (
    "was trained on raw targets; this project standardises its targets",
    "was trained on standardised targets; this project trains on raw targets",
    "targets",
)


def _standardization_mismatch(
    name: str, recorded: Any, standardization: Standardization | None, words: tuple[str, ...]
) -> str | None:
    """One sentence when a file's recorded statistics differ from the project's, else ``None``.

    ``recorded`` is ``(mean, std)``, ``None`` (raw values) or ``...`` (the file does not say).
    """
    raw_in_file, standardised_in_file, values = words
    if recorded is ...:
        return None
    if recorded is None and standardization is not None:
        return f"{name} {raw_in_file}"
    if recorded is not None and standardization is None:
        return f"{name} {standardised_in_file}"
    if recorded is not None and standardization is not None:
        mean, std = recorded
        if np.shape(mean) != (len(standardization.mean),) or not (
            np.allclose(mean, standardization.mean, rtol=1e-4, atol=1e-6)
            and np.allclose(std, standardization.std, rtol=1e-4, atol=1e-6)
        ):
            return (
                f"{name} was trained on {values} standardised with other statistics "
                "(another data set or split)"
            )
    return None
