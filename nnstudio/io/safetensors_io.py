"""safetensors export and loading of trained weights.

The file holds tensors in PyTorch's ``nn.Linear`` layout, so the module written by
:mod:`nnstudio.io.torch_export` (or any ``nn.Sequential`` of ``nn.Linear`` layers kept in a
``layers`` list) loads it with ``load_state_dict``:

=====================  ====================  ===============================================
tensor                 shape                 meaning
=====================  ====================  ===============================================
``layers.{i}.weight``  (fan_out, fan_in)     ``W.T`` of layer ``i`` (0-based)
``layers.{i}.bias``    (fan_out,)            ``b`` of layer ``i``
``input_mean``         (n_features,)         standardisation mean, float64 (when standardised)
``input_std``          (n_features,)         standardisation std, float64 (when standardised)
``target_mean``        (n_outputs,)          target mean (only when targets are standardised)
``target_std``         (n_outputs,)          target std (only when targets are standardised)
=====================  ====================  ===============================================

The layer and target tensors are float32. The input statistics are float64, exact: nnstudio
standardises raw inputs in float64, and float32 statistics would shift a feature with a large
offset against its spread (a mean of 1.7e9 rounds by up to 64, a Unix timestamp's minute).
With target statistics the layers compute standardised targets: the model's outputs are
``A * target_std + target_mean``.

The header's ``__metadata__`` (strings; lists and numbers as JSON) records ``format`` =
``"nnstudio"``, the nnstudio ``version``, ``sizes``, ``activations``, ``alphas``, ``task``,
``feature_names``, ``output_names``, the network's ``dtype`` (``float32`` or ``float64``; the
layer tensors are float32 either way; files written before nnstudio recorded it lack it), the
exact float64 ``standardization`` and, when targets are standardised, the exact float64
``target_standardization``. The metadata keys are written in that fixed order (safetensors
itself orders them anew each run), so exporting the same network twice gives the same bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnstudio.errors import ProjectFileError
from nnstudio.io._model_meta import (
    ModelDescription,
    describe_model,
    output_path,
    parse_json_metadata,
    require_module,
    standardization_from_metadata,
)
from nnstudio.io.weights import atomic_write_bytes
from nnstudio.spec import NetworkSpec, Project, Standardization, Weights
from nnstudio.text import plural

_LAYER_TENSOR = re.compile(r"^layers\.(\d+)\.(weight|bias)$")
_STANDARDIZATION_TENSORS = ("input_mean", "input_std")
_TARGET_STANDARDIZATION_TENSORS = ("target_mean", "target_std")


def export_safetensors(project: Project, weights: Weights, path: Path) -> list[Path]:
    """Write the trained weights as a ``.safetensors`` file.

    Parameters
    ----------
    project : Project
    weights : Weights
        One ``(W, b)`` pair per layer, ``W`` shaped (fan_in, fan_out).
    path : Path
        Target file; ``.safetensors`` is added when it has no suffix, and a directory
        receives ``<project name>.safetensors``.

    Returns
    -------
    list of Path
        The written file.

    Raises
    ------
    MissingExtraError
        When the ``safetensors`` package is not installed.
    ProjectFileError
        When the weights do not fit the network or the file cannot be written.
    """
    target = output_path(path, ".safetensors", project.name)
    write_safetensors(describe_model(project, weights), target, feature="safetensors export")
    return [target]


def write_safetensors(model: ModelDescription, target: Path, *, feature: str) -> None:
    """Write ``model`` to ``target`` in the layout the module docstring describes.

    Raises
    ------
    MissingExtraError
        When the ``safetensors`` package is not installed (``feature`` names what needed it).
    ProjectFileError
        When the file cannot be written.
    """
    safetensors_numpy = require_module("safetensors.numpy", feature, "safetensors")
    tensors: dict[str, np.ndarray] = {}
    for index, layer in enumerate(model.layers):
        tensors[f"layers.{index}.weight"] = np.ascontiguousarray(layer.weight.T, dtype=np.float32)
        tensors[f"layers.{index}.bias"] = np.ascontiguousarray(layer.bias, dtype=np.float32)
    if model.standardization is not None:
        # float64: the exact statistics nnstudio standardises with (see the module docstring).
        tensors["input_mean"] = np.asarray(model.standardization.mean, dtype=np.float64)
        tensors["input_std"] = np.asarray(model.standardization.std, dtype=np.float64)
    if model.target_standardization is not None:
        tensors["target_mean"] = np.asarray(model.target_standardization.mean, dtype=np.float32)
        tensors["target_std"] = np.asarray(model.target_standardization.std, dtype=np.float32)
    metadata = model.metadata()
    data = safetensors_numpy.save(tensors, metadata=metadata)
    atomic_write_bytes(target, _with_metadata_order(data, metadata))


def _with_metadata_order(data: bytes, metadata: dict[str, str]) -> bytes:
    """A safetensors file's bytes with its ``__metadata__`` keys in the order of ``metadata``.

    safetensors keeps the metadata in a hash map, whose order changes from one process to
    the next, so two exports of one network would differ. The header is JSON after an 8-byte
    little-endian length, padded with spaces to a multiple of 8 bytes; the tensors' offsets
    count from its end, so rewriting it leaves them valid.
    """
    length = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + length])
    tensors = {name: entry for name, entry in header.items() if name != "__metadata__"}
    text = json.dumps(
        {"__metadata__": metadata, **tensors}, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data[8 + length :]


@dataclass(frozen=True)
class SafetensorsModel:
    """What a ``.safetensors`` weights file holds.

    Attributes
    ----------
    weights : Weights
        One ``(W, b)`` pair per layer in nnstudio's layout, ``W`` shaped (fan_in, fan_out).
    standardization : Standardization or None
        The input statistics, when the file stores them.
    metadata : dict of str to str
        The raw header metadata (empty for files nnstudio did not write).
    target_standardization : Standardization or None
        The regression target statistics (one entry per output unit), when the file stores
        them: the layers then compute standardised targets.
    """

    weights: Weights
    standardization: Standardization | None
    metadata: dict[str, str]
    target_standardization: Standardization | None = None

    @property
    def activations(self) -> tuple[str, ...] | None:
        """Per-layer activation names recorded by nnstudio, if any."""
        value = _json_entry(self.metadata, "activations")
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        return None

    @property
    def dtype(self) -> str | None:
        """The dtype of the network the file was exported from, ``float32`` or ``float64``.

        ``None`` for files that do not record it (other programs', older nnstudio versions').
        The layer tensors themselves are float32 either way.
        """
        value = self.metadata.get("dtype")
        return value if value in ("float32", "float64") else None


def read_safetensors(path: Path | str, network: NetworkSpec | None = None) -> SafetensorsModel:
    """Read weights (and input and target standardisation) from a ``.safetensors`` file.

    Parameters
    ----------
    path : Path or str
    network : NetworkSpec, optional
        When given, every tensor's shape is checked against this architecture.

    Returns
    -------
    SafetensorsModel

    Raises
    ------
    MissingExtraError
        When the ``safetensors`` package is not installed.
    ProjectFileError
        When the file is missing or corrupt, a layer tensor is missing, or a shape does not fit
        (the previous layer, its bias, or ``network``); the message names the tensor and the
        shapes involved.
    """
    safetensors = require_module("safetensors", "Reading safetensors weights", "safetensors")
    path = Path(path)
    if not path.is_file():
        raise ProjectFileError(f"weights file '{path}' does not exist")
    try:
        with safetensors.safe_open(str(path), framework="numpy") as handle:
            metadata = dict(handle.metadata() or {})
            tensors = {name: np.asarray(handle.get_tensor(name)) for name in handle.keys()}
    except Exception as exc:  # safetensors raises its own error types for damaged headers
        raise ProjectFileError(
            f"cannot read safetensors file '{path}': it is truncated, corrupt or not a "
            f"safetensors file ({_first_line(exc)})"
        ) from exc
    weights = _layers_from_tensors(tensors, path)
    if network is not None:
        _check_against_network(weights, network, path)
    standardization = _standardization_from_tensors(
        tensors, metadata, path, _STANDARDIZATION_TENSORS, "standardization", weights[0][0].shape[0]
    )
    target_standardization = _standardization_from_tensors(
        tensors,
        metadata,
        path,
        _TARGET_STANDARDIZATION_TENSORS,
        "target_standardization",
        weights[-1][1].shape[0],
    )
    return SafetensorsModel(
        weights=weights,
        standardization=standardization,
        metadata=metadata,
        target_standardization=target_standardization,
    )


def load_safetensors_weights(path: Path | str, network: NetworkSpec | None = None) -> Weights:
    """Load the weights of a ``.safetensors`` file in nnstudio's layout.

    Parameters
    ----------
    path : Path or str
    network : NetworkSpec, optional
        When given, every tensor's shape is checked against this architecture.

    Returns
    -------
    Weights
        One ``(W, b)`` float32 pair per layer, ``W`` shaped (fan_in, fan_out).

    Raises
    ------
    MissingExtraError
        When the ``safetensors`` package is not installed.
    ProjectFileError
        See :func:`read_safetensors`.
    """
    return read_safetensors(path, network).weights


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _json_entry(metadata: dict[str, str], key: str) -> Any:
    try:
        return parse_json_metadata(metadata, key, Path("weights"))
    except ProjectFileError:
        return None


def _float_tensor(tensors: dict[str, np.ndarray], name: str, path: Path) -> np.ndarray:
    array = tensors[name]
    if not np.issubdtype(array.dtype, np.floating):
        raise ProjectFileError(f"'{path}': tensor '{name}' holds {array.dtype} values, not floats")
    if not np.all(np.isfinite(array)):
        raise ProjectFileError(f"'{path}': tensor '{name}' contains NaN or infinite values")
    dtype = np.float64 if array.dtype == np.float64 else np.float32
    return np.ascontiguousarray(array, dtype=dtype)


def _layers_from_tensors(tensors: dict[str, np.ndarray], path: Path) -> Weights:
    indices: set[int] = set()
    unexpected = []
    for name in tensors:
        match = _LAYER_TENSOR.match(name)
        if match:
            indices.add(int(match.group(1)))
        elif name not in _STANDARDIZATION_TENSORS + _TARGET_STANDARDIZATION_TENSORS:
            unexpected.append(name)
    if unexpected:
        raise ProjectFileError(
            f"'{path}': unexpected tensor(s) {', '.join(repr(n) for n in sorted(unexpected))}; "
            "nnstudio weights files hold layers.<i>.weight, layers.<i>.bias, input_mean, "
            "input_std, target_mean and target_std"
        )
    if not indices:
        raise ProjectFileError(f"'{path}' holds no layers.<i>.weight tensors")
    weights = []
    previous_units: int | None = None
    for index in range(max(indices) + 1):
        weight_name, bias_name = f"layers.{index}.weight", f"layers.{index}.bias"
        for name in (weight_name, bias_name):
            if name not in tensors:
                raise ProjectFileError(f"'{path}': tensor '{name}' is missing")
        weight = _float_tensor(tensors, weight_name, path)
        bias = _float_tensor(tensors, bias_name, path)
        if weight.ndim != 2:
            raise ProjectFileError(
                f"'{path}': tensor '{weight_name}' has shape {weight.shape}; a layer weight is "
                "a (units, inputs) matrix"
            )
        units, fan_in = weight.shape
        if bias.shape != (units,):
            raise ProjectFileError(
                f"'{path}': tensor '{bias_name}' has shape {bias.shape} but '{weight_name}' "
                f"{weight.shape} has {units} units, so the bias must be ({units},)"
            )
        if previous_units is not None and fan_in != previous_units:
            raise ProjectFileError(
                f"'{path}': tensor '{weight_name}' has shape {weight.shape} (expecting {fan_in} "
                f"inputs) but layer {index} before it has {previous_units} units"
            )
        previous_units = units
        weights.append((np.ascontiguousarray(weight.T), bias))
    return tuple(weights)


def _check_against_network(weights: Weights, network: NetworkSpec, path: Path) -> None:
    expected = network.weight_shapes()
    if len(weights) != len(expected):
        raise ProjectFileError(
            f"'{path}' holds {len(weights)} layer(s) but the network {network.describe()} has "
            f"{len(expected)}"
        )
    for index, ((W, _b), ((fan_in, units), _bias)) in enumerate(
        zip(weights, expected, strict=True)
    ):
        if W.shape != (fan_in, units):
            raise ProjectFileError(
                f"'{path}': tensor 'layers.{index}.weight' has shape {W.T.shape} but layer "
                f"{index + 1} of the network {network.describe()} needs ({units}, {fan_in}), "
                "that is (units, inputs)"
            )


def _standardization_from_tensors(
    tensors: dict[str, np.ndarray],
    metadata: dict[str, str],
    path: Path,
    names: tuple[str, str],
    metadata_key: str,
    width: int,
) -> Standardization | None:
    """The statistics in the ``(mean, std)`` tensors ``names``, or ``None`` without them.

    ``width`` is how many values each must hold: the first layer's inputs for the input
    statistics, the output layer's units for the target ones. The exact float64 values of
    the ``metadata_key`` entry are preferred when they round to the tensors' values (equal
    them, for the float64 input statistics of current files).
    """
    present = [name for name in names if name in tensors]
    if not present:
        return None
    if len(present) == 1:
        missing = next(n for n in names if n not in tensors)
        raise ProjectFileError(f"'{path}' has '{present[0]}' but not '{missing}'")
    mean_name, std_name = names
    mean = _float_tensor(tensors, mean_name, path).reshape(-1)
    std = _float_tensor(tensors, std_name, path).reshape(-1)
    if mean_name == "input_mean":
        layer = f"the first layer has {plural(width, 'input')}"
    else:
        layer = f"the output layer has {plural(width, 'unit')}"
    for name, array in ((mean_name, mean), (std_name, std)):
        if array.shape != (width,):
            raise ProjectFileError(f"'{path}': tensor '{name}' has {array.size} values but {layer}")
    if np.any(std <= 0):
        raise ProjectFileError(f"'{path}': tensor '{std_name}' has values that are not positive")
    stored = standardization_from_metadata(_json_entry(metadata, metadata_key))
    # float32 tensors (the target statistics, older files' input ones) are rounded; the
    # metadata keeps the exact float64 statistics.
    if (
        stored is not None
        and len(stored.mean) == width
        and np.array_equal(np.asarray(stored.mean, dtype=mean.dtype), mean)
        and np.array_equal(np.asarray(stored.std, dtype=std.dtype), std)
    ):
        return stored
    return Standardization(mean=tuple(float(v) for v in mean), std=tuple(float(v) for v in std))
