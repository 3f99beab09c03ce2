"""What every model export shares: a checked view of a trained network and its metadata.

The ONNX, safetensors, PyTorch and Python exports all describe the same thing: input
standardisation ``x' = (x - mean) / std`` followed by dense layers ``A = g(A_prev @ W + b)``
and, for regression targets standardised in training, ``y = A * target_std + target_mean``.
:func:`describe_model` checks that a project and its weights agree (naming the layer and both
shapes when they do not) and gathers everything the writers need, so each writer only worries
about its own format.
"""

from __future__ import annotations

import importlib
import json
import math
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import nnstudio
from nnstudio.errors import MissingExtraError, ProjectFileError
from nnstudio.spec import (
    CsvData,
    Project,
    Standardization,
    Weights,
    canonical_activation,
    plane_features_read,
)
from nnstudio.text import plural

#: Value of the ``format`` metadata key that marks files written by nnstudio.
FORMAT_MARKER = "nnstudio"
#: Output activations whose classifier outputs are class probabilities; other classifiers
#: give scores (as ``nnstudio predict`` names them, ``score_<class>``).
PROBABILITY_ACTIVATIONS: tuple[str, ...] = ("sigmoid", "softmax")
#: How far, in standard deviations, rounding a raw feature to float32 may move its
#: standardised value before an export must take float64 inputs (see
#: :func:`float32_input_error`): the tolerance the exports are checked against the engine to.
FLOAT32_INPUT_TOLERANCE = 1e-5


@dataclass(frozen=True)
class ExportLayer:
    """One dense layer ready to be written.

    Attributes
    ----------
    weight : ndarray, shape (fan_in, fan_out)
        Weights in nnstudio's layout (``Z = A @ weight + bias``).
    bias : ndarray, shape (fan_out,)
    activation : str
        Canonical activation name (``linear`` is reported as ``identity``).
    alpha : float or None
        Effective slope of ``leaky_relu`` / scale of ``elu``; ``None`` for other activations.
    spec_activation : str
        The activation as the project names it (``linear`` stays ``linear``).
    dropout : float
        Probability of dropping each unit of the layer's output while training (0: none).
    """

    weight: np.ndarray
    bias: np.ndarray
    activation: str
    alpha: float | None
    spec_activation: str
    dropout: float = 0.0


@dataclass(frozen=True)
class ModelDescription:
    """A trained network as the exporters see it.

    Attributes
    ----------
    name : str
        Project name.
    task : str
        ``"classification"`` or ``"regression"``.
    layers : tuple of ExportLayer
        Hidden layers then the output layer; arrays keep the dtype of the trained weights.
    standardization : Standardization or None
        Input statistics applied before the first layer.
    target_standardization : Standardization or None
        Regression target statistics, one entry per output unit: the layers compute
        standardised targets and the model's outputs are ``A * std + mean``.
    feature_names : tuple of str or None
        Input names stored in the project, if any.
    output_names : tuple of str or None
        Class names (classification) or target names (regression) stored in the project.
    target_standardization : Standardization or None
    plane_features : tuple of str or None
        What the network reads of points ``(x1, x2)`` (``x1^2``, ``sin(x1)``, ...) when not
        the points themselves; ``nnstudio predict`` computes them from columns ``x1, x2``.
    dtype : str
        The network's dtype, ``float32`` or ``float64``.
    decimal_comma : bool or None
        Whether the project's CSV data writes numbers with a decimal comma (``None``: not
        said, guessed from each file): the generated scripts read their input so.
    header : bool or None
        Whether the project's CSV data has a header row (``None``: not said, or no CSV data).
        Without one (``False``) its features are "column N", and the generated scripts read
        their input without a header too, as ``nnstudio predict`` does.
    """

    name: str
    task: str
    layers: tuple[ExportLayer, ...]
    standardization: Standardization | None
    feature_names: tuple[str, ...] | None
    output_names: tuple[str, ...] | None
    target_standardization: Standardization | None = None
    plane_features: tuple[str, ...] | None = None
    dtype: str = "float32"
    decimal_comma: bool | None = None
    header: bool | None = None

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths including the input, e.g. ``(2, 4, 1)``."""
        return (self.layers[0].weight.shape[0], *(layer.bias.shape[0] for layer in self.layers))

    @property
    def n_features(self) -> int:
        """Number of raw input features."""
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        """Number of output units."""
        return self.sizes[-1]

    @property
    def activations(self) -> tuple[str, ...]:
        """Canonical activation of every layer."""
        return tuple(layer.activation for layer in self.layers)

    @property
    def alphas(self) -> tuple[float | None, ...]:
        """Effective ``alpha`` of every layer (``None`` where the activation takes none)."""
        return tuple(layer.alpha for layer in self.layers)

    @property
    def architecture(self) -> str:
        """Short architecture string such as ``2-4(tanh)-1(sigmoid)``."""
        parts = [str(self.n_features)]
        parts += [f"{layer.bias.shape[0]}({layer.activation})" for layer in self.layers]
        return "-".join(parts)

    @property
    def gives_scores(self) -> bool:
        """Whether a classifier's outputs are scores rather than class probabilities.

        True when the output layer is neither softmax nor sigmoid (an identity output trained
        with ``mse``, say), as ``nnstudio predict`` decides between ``p_`` and ``score_``
        columns; a single unit is always read as the probability of the second class.
        """
        return (
            self.task == "classification"
            and self.layers[-1].activation not in PROBABILITY_ACTIVATIONS
            and self.n_outputs > 1
        )

    @property
    def output_kind(self) -> str:
        """``"probabilities"`` or ``"scores"`` for classification, ``"values"`` for regression.

        This is also the name of the ONNX output tensor.
        """
        if self.task != "classification":
            return "values"
        return "scores" if self.gives_scores else "probabilities"

    @property
    def column_prefix(self) -> str:
        """Prefix of a classifier's CSV columns, ``p_`` or ``score_`` (as ``nnstudio predict``)."""
        return "score_" if self.gives_scores else "p_"

    def feature_labels(self) -> tuple[str, ...]:
        """Input names, falling back to the plane's features or ``x1, x2, ...``."""
        if self.feature_names is not None:
            return self.feature_names
        if self.plane_features is not None:
            return self.plane_features
        return tuple(f"x{i + 1}" for i in range(self.n_features))

    def output_labels(self) -> tuple[str, ...]:
        """Class or target names, with fallbacks when the project has none.

        A classifier with one sigmoid unit has two classes; its single output is the
        probability of the second one.
        """
        if self.output_names is not None:
            return self.output_names
        if self.task == "classification":
            n_classes = 2 if self.n_outputs == 1 else self.n_outputs
            return tuple(str(i) for i in range(n_classes))
        if self.n_outputs == 1:
            return ("y",)
        return tuple(f"y{i + 1}" for i in range(self.n_outputs))

    def output_meaning(self) -> str:
        """Half a sentence that says what the model's outputs are."""
        labels = self.output_labels()
        if self.task == "classification" and self.n_outputs == 1:
            return (
                f"one column, the probability of class {labels[-1]!r} "
                f"(the other class is {labels[0]!r})"
            )
        if self.gives_scores:
            return (
                f"{self.n_outputs} columns, the score of each class (not probabilities: the "
                f"output layer is {self.layers[-1].activation}; the largest score wins): "
                f"{', '.join(labels)}"
            )
        if self.task == "classification":
            return f"{self.n_outputs} columns, the probability of each class: {', '.join(labels)}"
        if self.n_outputs == 1:
            return f"one column, the predicted {labels[0]}"
        return f"{self.n_outputs} columns, the predicted {', '.join(labels)}"

    def float32_unsafe_features(self) -> tuple[str, ...]:
        """The features float32 inputs would round beyond :data:`FLOAT32_INPUT_TOLERANCE`.

        nnstudio standardises raw inputs in float64, so a feature with a large offset against
        its spread (a Unix timestamp 1.7e9 within an hour, a latitude within a city) keeps its
        variation; a float32 copy of the raw value has already lost it (1.7e9 is rounded to a
        multiple of 128). Empty without input standardisation: the engine then casts raw
        inputs to the network's dtype itself.
        """
        if self.standardization is None:
            return ()
        errors = float32_input_error(self.standardization)
        labels = self.feature_labels()
        return tuple(
            label
            for label, error in zip(labels, errors.tolist(), strict=True)
            if error > FLOAT32_INPUT_TOLERANCE
        )

    def metadata(self) -> dict[str, str]:
        """String key/value metadata shared by the ONNX and safetensors files.

        Values are JSON so lists, ``null`` and exact float64 statistics survive the trip.
        ``target_standardization`` is present only when the targets are standardised, so the
        files of other networks stay as they were; its absence means raw targets.
        """
        metadata = {
            "format": FORMAT_MARKER,
            "version": nnstudio.__version__,
            "name": self.name,
            "task": self.task,
            "architecture": self.architecture,
            "sizes": json.dumps(list(self.sizes)),
            "activations": json.dumps([layer.spec_activation for layer in self.layers]),
            "alphas": json.dumps(list(self.alphas)),
            "feature_names": json.dumps(
                list(self.feature_names) if self.feature_names is not None else None
            ),
            "output_names": json.dumps(
                list(self.output_names) if self.output_names is not None else None
            ),
            "output": self.output_kind,
            "standardization": json.dumps(_statistics_entry(self.standardization)),
            # The trained network's dtype; the weights themselves are exported in float32.
            "dtype": self.dtype,
        }
        if self.target_standardization is not None:
            metadata["target_standardization"] = json.dumps(
                _statistics_entry(self.target_standardization)
            )
        return metadata


def float32_input_error(standardization: Standardization) -> np.ndarray:
    """How far float32 rounding of a raw value near each feature's mean may move it.

    Float32 numbers near ``|mean|`` are one unit in the last place apart, ``2**(e - 24)`` for
    ``2**(e - 1) <= |mean| < 2**e``; rounding a raw value to the nearest one moves it by up to
    half of that. The result is that half spacing divided by the feature's standard
    deviation, the error it makes in the standardised value.

    Parameters
    ----------
    standardization : Standardization
        The input statistics, ``n_features`` means and standard deviations.

    Returns
    -------
    ndarray, shape (n_features,)
        The largest rounding error of each standardised feature, in standard deviations
        (``inf`` for a mean beyond the float32 range).
    """
    magnitude = np.abs(np.asarray(standardization.mean, dtype=np.float64))
    std = np.asarray(standardization.std, dtype=np.float64)
    # frexp: magnitude = fraction * 2**exponent with 0.5 <= fraction < 1.
    _fraction, exponent = np.frexp(magnitude)
    half_spacing = np.where(magnitude > 0, np.ldexp(1.0, exponent - 25), 0.0)
    half_spacing[magnitude > float(np.finfo(np.float32).max)] = np.inf
    return half_spacing / std


def _statistics_entry(standardization: Standardization | None) -> dict[str, list[float]] | None:
    """The metadata form of a standardisation: exact float64 ``mean`` and ``std`` lists."""
    return None if standardization is None else standardization.to_dict()


def describe_model(project: Project, weights: Weights) -> ModelDescription:
    """Check that ``weights`` fit ``project`` and gather what an export needs.

    Parameters
    ----------
    project : Project
    weights : Weights
        One ``(W, b)`` pair per layer, ``W`` shaped (fan_in, fan_out), ``b`` shaped (fan_out,).

    Returns
    -------
    ModelDescription

    Raises
    ------
    ProjectFileError
        When the number of layers or a shape does not match the network, when a weight is not
        finite (a diverged network), or when the input or target standardisation has the
        wrong width.
    """
    spec = project.network
    if len(weights) != len(spec.layers):
        raise ProjectFileError(
            f"cannot export '{project.name}': the weights hold {len(weights)} layer(s) but the "
            f"network {spec.describe()} has {len(spec.layers)}"
        )
    layers = []
    for index, (layer, (W, b), (w_shape, b_shape)) in enumerate(
        zip(spec.layers, weights, spec.weight_shapes(), strict=True)
    ):
        W = np.asarray(W)
        b = np.asarray(b)
        where = (
            f"layer {index + 1} ({plural(w_shape[0], 'input')} -> {plural(layer.units, 'unit')})"
        )
        if W.shape != w_shape or b.shape != b_shape:
            raise ProjectFileError(
                f"cannot export '{project.name}': {where} has weights shaped {W.shape} and "
                f"bias shaped {b.shape}, but the network needs {w_shape} and {b_shape}"
            )
        if not (np.isfinite(W).all() and np.isfinite(b).all()):
            raise ProjectFileError(
                f"cannot export '{project.name}': {where} has NaN or infinite weights "
                "(training diverged); retrain with a smaller learning rate first"
            )
        dtype = np.float64 if W.dtype == np.float64 else np.float32
        layers.append(
            ExportLayer(
                weight=np.ascontiguousarray(W, dtype=dtype),
                bias=np.ascontiguousarray(b, dtype=dtype),
                activation=canonical_activation(layer.activation),
                alpha=layer.activation_alpha,
                spec_activation=layer.activation,
                dropout=float(layer.dropout),
            )
        )
    standardization = project.standardization
    if standardization is not None and len(standardization.mean) != spec.inputs:
        raise ProjectFileError(
            f"cannot export '{project.name}': the standardisation has "
            f"{len(standardization.mean)} features but the network has {spec.inputs} inputs"
        )
    targets = project.target_standardization
    if targets is not None and len(targets.mean) != spec.output.units:
        raise ProjectFileError(
            f"cannot export '{project.name}': the target standardisation has "
            f"{len(targets.mean)} targets but the output layer has {spec.output.units} units"
        )
    return ModelDescription(
        name=project.name,
        task=project.task,
        layers=tuple(layers),
        standardization=standardization,
        feature_names=project.feature_names,
        output_names=project.output_names,
        target_standardization=targets,
        plane_features=plane_features_read(project.data, project.feature_names),
        dtype=project.training.dtype,
        decimal_comma=project.data.decimal_comma if isinstance(project.data, CsvData) else None,
        header=project.data.header if isinstance(project.data, CsvData) else None,
    )


def require_module(module: str, feature: str, extra: str) -> ModuleType:
    """Import an optional dependency or explain how to install it.

    Raises
    ------
    MissingExtraError
        Naming the feature, the module and the ``pip install 'nnstudio[extra]'`` command.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(feature, extra, module.split(".")[0]) from exc


def output_path(path: Path | str, suffix: str, default_stem: str) -> Path:
    """Where an export writes its main file.

    An existing directory receives ``<default_stem><suffix>``; a path without a suffix gets
    ``suffix`` unless it is a device or pipe (``/dev/stdout``); any other path is used as given.
    """
    path = Path(path)
    if path.is_dir():
        return path / f"{slug(default_stem)}{suffix}"
    from nnstudio.io.weights import is_stream

    if is_stream(path):
        return path  # /dev/stdout.onnx would be a new file beside the device
    if not path.suffix:
        return path.with_name(path.name + suffix)
    return path


_SLUG_LENGTH = 80


def slug(name: str) -> str:
    """A file-name and identifier friendly form of a name (``"XOR demo"`` -> ``xor_demo``)."""
    # Cut to a length every file system takes (a project name can be a whole sentence).
    cleaned = re.sub(r"[^0-9a-zA-Z]+", "_", name).strip("_").lower()[:_SLUG_LENGTH].rstrip("_")
    if not cleaned:
        return "model"
    return f"model_{cleaned}" if cleaned[0].isdigit() else cleaned


def parse_json_metadata(metadata: dict[str, str], key: str, source: Path) -> Any:
    """Decode one JSON-valued metadata entry written by :meth:`ModelDescription.metadata`.

    Returns ``None`` when the key is absent.

    Raises
    ------
    ProjectFileError
        When the value is not valid JSON.
    """
    if key not in metadata:
        return None
    try:
        return json.loads(metadata[key])
    except ValueError as exc:
        raise ProjectFileError(
            f"'{source}': metadata entry '{key}' is not valid JSON ({exc})"
        ) from exc
    except RecursionError as exc:  # thousands of nested brackets: no entry written is one
        raise ProjectFileError(
            f"'{source}': metadata entry '{key}' is not valid JSON (nested too deeply to read)"
        ) from exc


def standardization_from_metadata(value: Any) -> Standardization | None:
    """Rebuild a :class:`Standardization` from its metadata form, or ``None`` if absent/invalid."""
    if not isinstance(value, dict):
        return None
    mean, std = value.get("mean"), value.get("std")
    if not (isinstance(mean, list) and isinstance(std, list) and len(mean) == len(std)):
        return None
    numbers = [*mean, *std]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in numbers):
        return None
    if any(v <= 0 for v in std):
        return None
    return Standardization(mean=tuple(float(v) for v in mean), std=tuple(float(v) for v in std))


# -- generated Python source --------------------------------------------------------------------


def python_tuple(values: tuple[Any, ...], indent: str = "") -> str:
    """A tuple literal, one item per line when it does not fit on one line."""
    items = [repr(value) for value in values]
    one_line = "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if len(one_line) + len(indent) <= 80:
        return one_line
    inner = "".join(f"{indent}    {item},\n" for item in items)
    return f"(\n{inner}{indent})"


def python_array(array: np.ndarray, indent: str = "    ") -> str:
    """A nested-list literal that reproduces ``array`` exactly in its own dtype.

    Every number is written with the fewest digits that round-trip to the same float32 (or
    float64) value, so ``np.array(literal, dtype=array.dtype)`` gives back identical bits.
    """
    with np.printoptions(legacy=False):
        return np.array2string(
            array,
            separator=", ",
            threshold=np.iinfo(np.int64).max,
            max_line_width=96,
            floatmode="unique",
            prefix=indent,
        )


def module_name_hint(path: Path) -> str:
    """How generated usage docs refer to a written module: its import name when it has one."""
    return path.stem if path.stem.isidentifier() else ""


def require_python_suffix(path: Path, fmt: str) -> Path:
    """Check that a generated module's target ends in ``.py``.

    Raises
    ------
    ProjectFileError
        When the path has another suffix.
    """
    if path.suffix != ".py":
        raise ProjectFileError(
            f"the {fmt} export writes Python source: give a file name ending in .py, "
            f"not '{path.name}'"
        )
    return path


def wrap_paragraphs(*paragraphs: str, width: int = 88) -> str:
    """Paragraphs for a generated docstring, wrapped and separated by blank lines.

    Unprintable characters of names (a newline in a CSV header) are written as escapes, so
    each paragraph stays one paragraph; see :func:`docstring_body` for the quoting.
    """
    return "\n\n".join(
        textwrap.fill(
            visible_text(text), width=width, break_long_words=False, break_on_hyphens=False
        )
        for text in paragraphs
    )


def visible_text(text: str) -> str:
    """``text`` with its unprintable characters (newlines, tabs, NUL, ``\\u2028``...) written
    as escapes, for names shown in generated docstrings and comments."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def docstring_body(text: str) -> str:
    """``text`` escaped so a ``\"\"\"...\"\"\"`` literal (not raw) shows it unchanged.

    Names from a CSV header or a project (``C:\\Data``, ``temp\\unit``, ``\"\"\"``) would
    otherwise end the docstring or start an escape sequence that does not compile.
    """
    return text.replace("\\", "\\\\").replace('"', '\\"')


#: How generated code computes each feature of a point ``(x1, x2)`` (see
#: :func:`nnstudio.data.plane_feature_columns`); ``{sin}`` is the module's sine.
_POINT_FEATURE_CODE: dict[str, str] = {
    "x1": "x1",
    "x2": "x2",
    "x1^2": "x1 * x1",
    "x2^2": "x2 * x2",
    "x1*x2": "x1 * x2",
    "sin(x1)": "{sin}(x1)",
    "sin(x2)": "{sin}(x2)",
}


def point_feature_code(features: tuple[str, ...], sin: str) -> str:
    """A list of expressions in ``x1`` and ``x2`` computing ``features``, for generated code.

    Parameters
    ----------
    features : tuple of str
        Features of a plane's points, names of :data:`nnstudio.spec.PLANE_FEATURES`.
    sin : str
        The sine the generated module uses (``np.sin``, ``torch.sin``).
    """
    return "[" + ", ".join(_POINT_FEATURE_CODE[name].format(sin=sin) for name in features) + "]"
