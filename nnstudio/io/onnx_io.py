"""ONNX export and import of nnstudio networks.

Export
------
:func:`export_onnx` writes a standard float32 ONNX model (opset 17) that any ONNX runtime can
run on *raw* features, exactly like ``nnstudio predict``:

* input ``"input"``, shape ``[batch, n_features]`` (the batch dimension is dynamic), float32
  unless float32 cannot hold the inputs' variation (below);
* the input standardisation ``(x - mean) / std`` as ``Sub`` and ``Div`` nodes when the project
  stores one;
* one ``Gemm`` per dense layer (weights in nnstudio's ``(fan_in, fan_out)`` layout, so
  ``transB = 0``), followed by its activation: ``Relu``, ``Sigmoid``, ``Tanh``,
  ``LeakyRelu(alpha)``, ``Elu(alpha)``, ``Softplus``, ``Softmax(axis=-1)``; the tanh-approximate
  GELU and swish are written as small compositions of ``Pow``/``Mul``/``Add``/``Tanh`` and
  ``Sigmoid``/``Mul`` so every runtime accepts them; identity layers add no node;
* when the regression targets were standardised for training, a ``Mul`` by their standard
  deviations and an ``Add`` of their means after the output activation, so the outputs are in
  the targets' units;
* output ``"probabilities"`` for classification and ``"values"`` for regression. A classifier
  with one sigmoid unit outputs the probability of the second class, shape ``[batch, 1]``; a
  softmax classifier outputs ``[batch, n_classes]``. A classifier whose output layer is
  neither softmax nor sigmoid (identity, say) gives scores, not probabilities: its output is
  named ``"scores"``, as ``nnstudio predict`` names its columns ``score_<class>``.

nnstudio standardises raw inputs in float64 before casting them to the network's dtype, so
a feature with a large offset against its spread (a Unix timestamp, 1.7e9 within an hour;
a latitude within a city) keeps its variation, which a float32 input would round away before
the ``Sub`` (float32 holds 1.7e9 only to a multiple of 128). When rounding a raw value near
some feature's mean to float32 can move its standardised value by more than
:data:`~nnstudio.io._model_meta.FLOAT32_INPUT_TOLERANCE` (1e-5) standard deviations, the
input is ``double``: ``Sub`` and ``Div`` run in double with the exact statistics, then a
``Cast`` to float feeds the float32 layers. Other models keep the float32 input. The model's
doc string names the input type and, for a double input, the features that asked for it.

The model's ``metadata_props`` record the nnstudio version, the task, the feature and output
names, the activations, the network's dtype, the input's type (``input_dtype``: ``float32``
or ``float64``) and the exact standardisation statistics (of the targets too, when they are
standardised), so importing the file back restores them (not the dtype: the weights are
float32, and so is the imported project).

Import
------
:func:`import_onnx` reads any ONNX model that is a plain MLP: optional ``Sub``/``Div`` (or
``Mul``/``Add``) scaling of the input, then ``Gemm`` (any ``alpha``/``beta``/``transB``) or
``MatMul`` + ``Add`` layers, each followed by at most one supported activation. Weights may be
initializers or ``Constant`` nodes, possibly reshaped, transposed or cast. A ``Cast`` to a float
type on the way is skipped; one before the first layer sets the network's dtype (the double
input of an export above, cast to float, gives a float32 project). Activations written as
compositions of elementwise nodes (like the GELU and swish above, or PyTorch's exports of them,
such as the dynamo exporter's softplus ``Where(Greater(z, 20), z, Softplus(z))``) are
recognised by evaluating them, so the exact node pattern does not matter; a threshold is
accepted only where both branches agree to float32 precision. ``Identity``,
``Dropout`` and ``Flatten(axis=1)`` (PyTorch's ``nn.Flatten`` on a ``[batch, features]`` input)
change nothing and are skipped. ``Mul``/``Div``/``Add``/``Sub`` by constants between the last
activation and the output (nnstudio's scaling back of standardised targets) become the
project's target standardisation, which makes it a regression project. A graph with several
outputs is read up to its first output that holds real numbers (``probs`` of ``[probs,
logits]``, not an ``ArgMax`` label); nodes only the other outputs need are ignored. A tensor
that feeds two layers (a skip connection) is refused; a branch that joins again within an
activation is read as that activation, or refused as an activation nnstudio does not have.

An imported network has no training data attached. The project gets a built-in data set when
one fits the network's shape (``xor`` or ``plane`` for two inputs, or for inputs named after
features of a plane's points such as ``x1^2``, which that data set then reads; ``housing``
for one input) and otherwise points at ``data.csv`` beside the project (always when the
targets are standardised, which only CSV data can ask for); the user picks the real data in
the studio before training further. Inputs without stored names are named like the built-in
data set's features, or ``x1, x2, ...``, so the project predicts from CSV files right away.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

import nnstudio
from nnstudio.errors import ProjectFileError, SpecError
from nnstudio.io._model_meta import (
    FLOAT32_INPUT_TOLERANCE,
    FORMAT_MARKER,
    ModelDescription,
    describe_model,
    output_path,
    parse_json_metadata,
    require_module,
    standardization_from_metadata,
)
from nnstudio.io.weights import atomic_write_bytes
from nnstudio.spec import (
    ACTIVATION_ALPHA_DEFAULTS,
    ACTIVATIONS,
    DEFAULT_PLANE_FEATURES,
    PLANE_FEATURES,
    TASKS,
    BuiltinData,
    CsvData,
    DataSpec,
    LayerSpec,
    NetworkSpec,
    Project,
    Standardization,
    TrainingSpec,
    Weights,
    canonical_activation,
    default_loss,
    loss_output_problem,
)

#: ONNX operator set of exported models. 17 is supported by every current runtime and has
#: ``Softmax`` over a single axis; newer opsets add nothing an MLP needs.
OPSET = 17
#: IR version that goes with opset 17, so older runtimes accept the file too.
IR_VERSION = 8

_GELU_COEFFICIENT = 0.044715
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)

_UNSUPPORTED_HINT = (
    "nnstudio imports MLPs made of Gemm or MatMul+Add layers and its own activations ("
    + ", ".join(name for name in ACTIVATIONS if name != "linear")
    + ")"
)


# ============================================================================================
# Export
# ============================================================================================


def export_onnx(project: Project, weights: Weights, path: Path) -> list[Path]:
    """Write the trained network as an ONNX model.

    Parameters
    ----------
    project : Project
    weights : Weights
        One ``(W, b)`` pair per layer, ``W`` shaped (fan_in, fan_out).
    path : Path
        Target file; ``.onnx`` is added when it has no suffix, and a directory receives
        ``<project name>.onnx``.

    Returns
    -------
    list of Path
        The written file.

    Raises
    ------
    MissingExtraError
        When the ``onnx`` package is not installed.
    ProjectFileError
        When the weights do not fit the network or the file cannot be written.
    """
    model = build_onnx_model(project, weights)
    target = output_path(path, ".onnx", project.name)
    atomic_write_bytes(target, model.SerializeToString())
    return [target]


def build_onnx_model(project: Project, weights: Weights) -> Any:
    """Build the ONNX ``ModelProto`` that :func:`export_onnx` writes.

    Raises
    ------
    MissingExtraError
        When the ``onnx`` package is not installed.
    ProjectFileError
        When the weights do not fit the network.
    """
    onnx = require_module("onnx", "ONNX export", "onnx")
    description = describe_model(project, weights)
    return _ModelWriter(onnx, description).build()


class _ModelWriter:
    """Accumulates the nodes and initializers of one exported graph."""

    def __init__(self, onnx: ModuleType, model: ModelDescription) -> None:
        self.onnx = onnx
        self.helper = onnx.helper
        self.model = model
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._constant_names: set[str] = set()

    # -- primitives ------------------------------------------------------------------------

    def constant(self, name: str, value: np.ndarray | float, dtype: type = np.float32) -> str:
        """Register an initializer (float32 unless ``dtype`` says) once and return its name."""
        if name not in self._constant_names:
            array = np.asarray(value, dtype=dtype)
            self.initializers.append(self.onnx.numpy_helper.from_array(array, name))
            self._constant_names.add(name)
        return name

    def node(
        self, op: str, inputs: Sequence[str], output: str, name: str, doc: str, **attributes: Any
    ) -> str:
        """Append a node with one output and return the output's name."""
        self.nodes.append(
            self.helper.make_node(
                op, list(inputs), [output], name=name, doc_string=doc, **attributes
            )
        )
        return output

    # -- graph -----------------------------------------------------------------------------

    def build(self) -> Any:
        model = self.model
        current = "input"
        double_input = bool(model.float32_unsafe_features())
        if model.standardization is not None:
            current = self.standardize(current, model.standardization, double_input)
        last = len(model.layers) - 1
        targets = model.target_standardization
        for index, layer in enumerate(model.layers):
            is_output = index == last
            prefix = f"layer{index + 1}"
            final_name = model.output_kind if is_output and targets is None else f"{prefix}.a"
            role = "output layer" if is_output else "hidden layer"
            z_name = final_name if layer.activation == "identity" else f"{prefix}.z"
            n_in, n_out = layer.weight.shape
            current = self.node(
                "Gemm",
                [
                    current,
                    self.constant(f"{prefix}.W", layer.weight),
                    self.constant(f"{prefix}.b", layer.bias),
                ],
                z_name,
                name=f"{prefix}.gemm",
                doc=f"{role} {index + 1}: Z = A @ W + b, W shaped ({n_in}, {n_out})",
            )
            current = self.activation(layer.activation, layer.alpha, current, final_name, prefix)
        if targets is not None:
            current = self.unstandardize(current, targets, model.output_kind)

        helper = self.helper
        float_type = self.onnx.TensorProto.FLOAT
        input_type = self.onnx.TensorProto.DOUBLE if double_input else float_type
        graph = helper.make_graph(
            self.nodes,
            _graph_name(model.name),
            [
                helper.make_tensor_value_info(
                    "input", input_type, ["batch", model.n_features], _input_doc(model)
                )
            ],
            [
                helper.make_tensor_value_info(
                    model.output_kind, float_type, ["batch", model.n_outputs], _output_doc(model)
                )
            ],
            initializer=self.initializers,
            doc_string=f"{model.name}: {model.architecture} {model.task} network",
        )
        proto = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="nnstudio",
            producer_version=nnstudio.__version__,
            ir_version=IR_VERSION,
            doc_string=_model_doc(model),
        )
        metadata = model.metadata()
        metadata["input_dtype"] = "float64" if double_input else "float32"
        helper.set_model_props(proto, metadata)
        # Intermediate shapes make the file self-describing in viewers such as Netron.
        return self.onnx.shape_inference.infer_shapes(proto, strict_mode=True)

    def standardize(self, current: str, standardization: Standardization, double: bool) -> str:
        """``(x - mean) / std``; with ``double``, in double with the exact statistics, then
        cast to float for the layers."""
        dtype = np.float64 if double else np.float32
        mean = self.constant("input_mean", np.asarray(standardization.mean), dtype)
        std = self.constant("input_std", np.asarray(standardization.std), dtype)
        current = self.node(
            "Sub",
            [current, mean],
            "input.centered",
            name="standardize.sub",
            doc="standardisation: subtract the training mean of each feature",
        )
        current = self.node(
            "Div",
            [current, std],
            "input.standardized.double" if double else "input.standardized",
            name="standardize.div",
            doc="standardisation: divide by the training standard deviation of each feature",
        )
        if not double:
            return current
        return self.node(
            "Cast",
            [current],
            "input.standardized",
            name="standardize.cast",
            doc="the standardised features, which float32 holds well, in the layers' type",
            to=self.onnx.TensorProto.FLOAT,
        )

    def unstandardize(self, current: str, targets: Standardization, out: str) -> str:
        """Scale the network's standardised outputs back to the targets' units into ``out``."""
        std = self.constant("target_std", np.asarray(targets.std))
        mean = self.constant("target_mean", np.asarray(targets.mean))
        current = self.node(
            "Mul",
            [current, std],
            "output.scaled",
            name="unstandardize.mul",
            doc="targets: multiply by the training standard deviation of each target",
        )
        return self.node(
            "Add",
            [current, mean],
            out,
            name="unstandardize.add",
            doc="targets: add the training mean of each target",
        )

    def activation(self, name: str, alpha: float | None, z: str, out: str, prefix: str) -> str:
        """Append the nodes of one activation from ``z`` to ``out``."""
        node = self.node
        where = f"{prefix}.{name}"
        if name == "identity":
            return z
        if name in _SINGLE_NODE_EXPORT:
            op, doc = _SINGLE_NODE_EXPORT[name]
            return node(op, [z], out, name=where, doc=doc)
        if name == "leaky_relu":
            return node(
                "LeakyRelu",
                [z],
                out,
                name=where,
                doc=f"leaky ReLU: max(z, {alpha:g} z)",
                alpha=float(alpha),  # type: ignore[arg-type]
            )
        if name == "elu":
            return node(
                "Elu",
                [z],
                out,
                name=where,
                doc=f"ELU: z if z > 0 else {alpha:g} (exp(z) - 1)",
                alpha=float(alpha),  # type: ignore[arg-type]
            )
        if name == "softmax":
            return node("Softmax", [z], out, name=where, doc="softmax over classes", axis=-1)
        if name == "swish":
            gate = node("Sigmoid", [z], f"{prefix}.gate", name=f"{where}.sigmoid", doc="swish")
            return node("Mul", [z, gate], out, name=f"{where}.mul", doc="swish: z * sigmoid(z)")
        if name == "gelu":
            return self.gelu(z, out, where, prefix)
        raise ProjectFileError(f"cannot export activation {name!r} to ONNX")

    def gelu(self, z: str, out: str, where: str, prefix: str) -> str:
        """GELU, tanh approximation: 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))."""
        doc = "GELU (tanh approximation): 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3)))"
        node, const = self.node, self.constant
        cube = node("Pow", [z, const("gelu.three", 3.0)], f"{prefix}.z3", f"{where}.cube", doc)
        scaled = node(
            "Mul",
            [cube, const("gelu.coefficient", _GELU_COEFFICIENT)],
            f"{prefix}.z3_scaled",
            f"{where}.scale_cube",
            doc,
        )
        inner = node("Add", [z, scaled], f"{prefix}.inner", f"{where}.inner", doc)
        argument = node(
            "Mul",
            [inner, const("gelu.sqrt_2_over_pi", _SQRT_2_OVER_PI)],
            f"{prefix}.tanh_argument",
            f"{where}.scale_inner",
            doc,
        )
        tanh = node("Tanh", [argument], f"{prefix}.tanh", f"{where}.tanh", doc)
        one_plus = node(
            "Add", [tanh, const("gelu.one", 1.0)], f"{prefix}.one_plus", f"{where}.one_plus", doc
        )
        half_z = node("Mul", [z, const("gelu.half", 0.5)], f"{prefix}.half_z", f"{where}.half", doc)
        return node("Mul", [half_z, one_plus], out, f"{where}.product", doc)


_SINGLE_NODE_EXPORT: dict[str, tuple[str, str]] = {
    "sigmoid": ("Sigmoid", "sigmoid: 1 / (1 + exp(-z))"),
    "tanh": ("Tanh", "tanh"),
    "relu": ("Relu", "ReLU: max(z, 0)"),
    "softplus": ("Softplus", "softplus: log(1 + exp(z))"),
}


def _graph_name(name: str) -> str:
    return name.strip() or "nnstudio_model"


def _input_doc(model: ModelDescription) -> str:
    names = ", ".join(model.feature_labels())
    scaled = (
        "standardised inside the model with the training statistics"
        if model.standardization is not None
        else "used as given"
    )
    precision = " in float64" if model.float32_unsafe_features() else ""
    return f"raw features [{names}]{precision}, {scaled}"


def _input_type_doc(model: ModelDescription) -> str:
    """The sentences of the model's doc string that name the input's type and why."""
    if model.standardization is None:
        return "The input is float (float32), the type the first layer reads, as in nnstudio."
    unsafe = model.float32_unsafe_features()
    tolerance = f"{FLOAT32_INPUT_TOLERANCE:g} standard deviations"
    if not unsafe:
        return (
            "The input is float (float32): rounding a raw value near any feature's mean to "
            f"float32 moves its standardised value by at most {tolerance} (nnstudio makes the "
            "input double where it could move it more)."
        )
    names = ", ".join(repr(name) for name in unsafe)
    features = "feature" if len(unsafe) == 1 else "features"
    return (
        f"The input is double (float64): for {features} {names}, rounding a raw value near the "
        f"mean to float32 could move its standardised value by more than {tolerance} (a large "
        "offset against a small spread, like a Unix timestamp), so the standardisation runs in "
        "double and a Cast then feeds the float32 layers. Feed float64 arrays."
    )


def _output_doc(model: ModelDescription) -> str:
    if model.target_standardization is not None:
        return (
            f"{model.output_meaning()}, in the targets' units (the network's standardised "
            "outputs are scaled back inside the model with the training statistics)"
        )
    return model.output_meaning()


def _model_doc(model: ModelDescription) -> str:
    return (
        f"{model.name}: a {model.architecture} {model.task} network exported by nnstudio "
        f"{nnstudio.__version__}. Input 'input' [batch, {model.n_features}]: "
        f"{_input_doc(model)}. {_input_type_doc(model)} Output '{model.output_kind}' "
        f"[batch, {model.n_outputs}]: {_output_doc(model)}."
    )


# ============================================================================================
# Import
# ============================================================================================


def import_onnx(path: Path | str) -> tuple[Project, Weights]:
    """Read an ONNX MLP back as a project and its weights.

    Models exported by nnstudio get their names, task, activations and exact standardisation
    back from the metadata; other MLPs are read from the graph alone.

    Parameters
    ----------
    path : Path or str
        The ``.onnx`` file.

    Returns
    -------
    project : Project
        Named after the file stem, with training defaults and a data source chosen as the
        module docstring explains.
    weights : Weights
        One ``(W, b)`` pair per layer, ``W`` shaped (fan_in, fan_out).

    Raises
    ------
    MissingExtraError
        When the ``onnx`` package is not installed.
    ProjectFileError
        When the file is missing, truncated or corrupt, or when the graph is not an MLP
        (naming the first node nnstudio cannot represent).
    """
    onnx = require_module("onnx", "ONNX import", "onnx")
    path = Path(path)
    model = _load_model(onnx, path)
    reader = _MlpReader(onnx, model, path)
    parsed = reader.read()
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    project, weights = _build_project(parsed, metadata, path)
    others = reader.other_outputs()
    if others:
        names = ", ".join(repr(name) for name in others)
        note = f"Of the graph's outputs it computes {reader.target!r}, not {names}."
        project = replace(project, description=f"{project.description} {note}")
    return project, weights


def _load_model(onnx: ModuleType, path: Path) -> Any:
    if not path.exists():
        raise ProjectFileError(f"ONNX model '{path}' does not exist")
    if not path.is_file():
        raise ProjectFileError(f"ONNX model '{path}' is not a file")
    try:
        model = onnx.load(str(path))
    except Exception as exc:  # protobuf raises several unrelated types for damaged files
        raise ProjectFileError(
            f"cannot read ONNX model '{path}': the file is truncated, corrupt or not an ONNX "
            f"model ({type(exc).__name__}: {_first_line(exc)})"
        ) from exc
    try:
        onnx.checker.check_model(model)
    except Exception as exc:  # the checker's ValidationError is not a public base class
        raise ProjectFileError(
            f"'{path}' is not a valid ONNX model (it may be truncated): {_first_line(exc)}"
        ) from exc
    if len(model.graph.node) == 0:
        raise ProjectFileError(f"'{path}' holds an empty ONNX graph (it may be truncated)")
    return model


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass(frozen=True)
class _ImportedLayer:
    weight: np.ndarray  # (fan_in, fan_out)
    bias: np.ndarray  # (fan_out,)
    activation: str
    alpha: float | None


@dataclass(frozen=True)
class _ParsedMlp:
    layers: tuple[_ImportedLayer, ...]
    mean: np.ndarray | None  # (n_features,) float64, None when the input is not scaled
    std: np.ndarray | None
    dtype: str
    # Scaling of the outputs, y = A * target_std + target_mean: (n_outputs,) float64 (or one
    # value for every output), None when the outputs are not scaled.
    target_mean: np.ndarray | None = None
    target_std: np.ndarray | None = None


@dataclass
class _WalkState:
    layers: list[_ImportedLayer]
    pending: tuple[np.ndarray, np.ndarray] | None  # a linear map still waiting for its activation
    mean: np.ndarray
    std: np.ndarray
    scaled: bool
    after_softmax: bool
    # The outputs' scaling y = A * target_std + target_mean, composed node by node.
    target_mean: np.ndarray = field(default_factory=lambda: np.zeros(1))
    target_std: np.ndarray = field(default_factory=lambda: np.ones(1))
    targets_scaled: bool = False

    def flush(self) -> None:
        """Close a pending linear map as an identity layer."""
        if self.pending is not None:
            W, b = self.pending
            self.layers.append(_ImportedLayer(W, b, "identity", None))
            self.pending = None

    def result(self, dtype: str) -> _ParsedMlp:
        layers = list(self.layers)
        if self.pending is not None:
            layers.append(_ImportedLayer(*self.pending, "identity", None))
        return _ParsedMlp(
            layers=tuple(layers),
            mean=self.mean.copy() if self.scaled else None,
            std=self.std.copy() if self.scaled else None,
            dtype=dtype,
            target_mean=self.target_mean.copy() if self.targets_scaled else None,
            target_std=self.target_std.copy() if self.targets_scaled else None,
        )


# Elementwise operators the importer can evaluate, both to fold constants and to recognise
# activations written as several nodes.
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_COEFFICIENT * x**3)))


_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "Identity": lambda x: x,
    "Neg": np.negative,
    "Abs": np.abs,
    "Exp": np.exp,
    "Log": np.log,
    "Sqrt": np.sqrt,
    "Reciprocal": np.reciprocal,
    "Tanh": np.tanh,
    "Sigmoid": _sigmoid,
    "Relu": lambda x: np.maximum(x, 0),
    "Softplus": lambda x: np.logaddexp(0, x),
}
_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "Add": np.add,
    "Sub": np.subtract,
    "Mul": np.multiply,
    "Div": np.divide,
    "Pow": np.power,
    # Comparisons and Where: thresholds inside an activation (PyTorch's softplus).
    "Greater": np.greater,
    "Less": np.less,
    "GreaterOrEqual": np.greater_equal,
    "LessOrEqual": np.less_equal,
}
_COMPARISONS = {"Greater", "Less", "GreaterOrEqual", "LessOrEqual"}
_VARIADIC: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "Max": np.maximum,
    "Min": np.minimum,
    "Sum": np.add,
}
_PARAMETRIC = {"LeakyRelu", "Elu", "Gelu", "Erf", "Where"}
_ELEMENTWISE = set(_UNARY) | set(_BINARY) | set(_VARIADIC) | _PARAMETRIC
_SHAPE_OPS = {"Transpose", "Reshape", "Cast", "Squeeze", "Unsqueeze", "Flatten"}
# Nodes that may scale the network's outputs back to the targets' units.
_OUTPUT_SCALING = {"Mul", "Div", "Add", "Sub"}

# Activation nodes that map to one nnstudio activation by themselves.
_SINGLE_NODE_IMPORT = {
    "Relu": "relu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Softplus": "softplus",
    "Identity": "identity",
}


def _candidate_activations() -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    return {
        "identity": lambda z: z,
        "sigmoid": _sigmoid,
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0.0),
        "softplus": lambda z: np.logaddexp(0.0, z),
        "gelu": _gelu_tanh,
        "swish": lambda z: z * _sigmoid(z),
    }


def _describe_node(node: Any) -> str:
    if node.name:
        return f"node {node.name!r} ({node.op_type})"
    output = node.output[0] if node.output else "?"
    return f"the {node.op_type} node computing {output!r}"


class _MlpReader:
    """Walks an ONNX graph from its input and reads it as a chain of dense layers."""

    def __init__(self, onnx: ModuleType, model: Any, path: Path) -> None:
        self.onnx = onnx
        self.path = path
        graph = model.graph
        self.constants: dict[str, np.ndarray] = {}
        for initializer in graph.initializer:
            self.constants[initializer.name] = self._to_array(initializer)
        self.nodes: list[Any] = []
        for node in graph.node:
            if node.op_type == "Constant" and node.domain in ("", "ai.onnx"):
                self.constants[node.output[0]] = self._constant_node_value(node)
            elif self._fold(node):
                continue
            else:
                self.nodes.append(node)
        self.output_names = [value.name for value in graph.output]
        self.target = self._target_output(graph)
        self.nodes = self._needed_for(self.target)
        self.order = {id(node): index for index, node in enumerate(self.nodes)}
        self.producer: dict[str, int] = {}
        self.consumers: dict[str, list[Any]] = {}
        for index, node in enumerate(self.nodes):
            for name in node.output:
                if name:
                    self.producer[name] = index
            for name in dict.fromkeys(node.input):
                if name:
                    self.consumers.setdefault(name, []).append(node)
        # The walk ends at the target; other outputs (logits beside probabilities, an ArgMax
        # of them) are extras, and nodes that only they need were dropped above.
        self.outputs = {self.target}
        inputs = [value for value in graph.input if value.name not in self.constants]
        if len(inputs) != 1:
            names = ", ".join(repr(value.name) for value in inputs) or "none"
            raise ProjectFileError(
                f"'{path}': nnstudio imports models with exactly one input tensor; this one has "
                f"{len(inputs)} ({names})"
            )
        self.input = inputs[0]
        self.input_width = self._input_width(self.input)
        self.dtype = self._input_dtype(self.input)

    # -- choosing the output ----------------------------------------------------------------

    def _target_output(self, graph: Any) -> str:
        """The graph output whose function is imported: the first one holding real numbers."""
        tensor_proto = self.onnx.TensorProto
        real = {0, tensor_proto.FLOAT, tensor_proto.DOUBLE, tensor_proto.FLOAT16}
        real.add(tensor_proto.BFLOAT16)
        for value in graph.output:
            if value.type.tensor_type.elem_type in real:
                return str(value.name)
        if not graph.output:
            raise ProjectFileError(f"'{self.path}': the graph has no output")
        return str(graph.output[0].name)

    def _needed_for(self, target: str) -> list[Any]:
        """The nodes the target output depends on, in graph order."""
        producers = {name: node for node in self.nodes for name in node.output if name}
        needed: set[int] = set()
        pending = [target]
        while pending:
            node = producers.get(pending.pop())
            if node is None or id(node) in needed:
                continue
            needed.add(id(node))
            pending.extend(name for name in node.input if name)
        return [node for node in self.nodes if id(node) in needed]

    def other_outputs(self) -> list[str]:
        """The graph outputs besides the imported one, for the project's description."""
        return [name for name in self.output_names if name != self.target]

    # -- reading tensors -------------------------------------------------------------------

    def _to_array(self, tensor: Any) -> np.ndarray:
        try:
            return np.asarray(self.onnx.numpy_helper.to_array(tensor))
        except Exception as exc:  # external data that cannot be found, unknown dtypes
            raise ProjectFileError(
                f"'{self.path}': cannot read tensor {tensor.name!r} ({_first_line(exc)})"
            ) from exc

    def _constant_node_value(self, node: Any) -> np.ndarray:
        for attribute in node.attribute:
            value = self.onnx.helper.get_attribute_value(attribute)
            if attribute.name == "value":
                return self._to_array(value)
            if attribute.name in ("value_float", "value_floats"):
                return np.asarray(value, dtype=np.float32)
            if attribute.name in ("value_int", "value_ints"):
                return np.asarray(value, dtype=np.int64)
        raise self.unsupported(node, "only dense tensor and number constants are supported")

    def _fold(self, node: Any) -> bool:
        """Evaluate a node whose inputs are all constants (a transposed weight, a cast)."""
        if node.domain not in ("", "ai.onnx"):
            return False
        if node.op_type not in _ELEMENTWISE | _SHAPE_OPS or node.op_type in ("Erf", "Gelu"):
            return False
        inputs = [name for name in node.input if name]
        if not inputs or any(name not in self.constants for name in inputs):
            return False
        values = [self.constants[name] for name in node.input if name]
        self.constants[node.output[0]] = self.evaluate(node, values)
        return True

    @staticmethod
    def _input_width(value: Any) -> int | None:
        tensor_type = value.type.tensor_type
        if not tensor_type.HasField("shape"):
            return None
        dims = tensor_type.shape.dim
        if len(dims) != 2:
            return -1
        return dims[1].dim_value if dims[1].HasField("dim_value") else None

    @property
    def known_width(self) -> int | None:
        """Number of input features when the graph states it for a matrix input."""
        return None if self.input_width in (None, -1) else self.input_width

    def _input_dtype(self, value: Any) -> str:
        elem_type = value.type.tensor_type.elem_type
        tensor_proto = self.onnx.TensorProto
        if elem_type == tensor_proto.FLOAT:
            return "float32"
        if elem_type == tensor_proto.DOUBLE:
            return "float64"
        type_name = tensor_proto.DataType.Name(elem_type)
        raise ProjectFileError(
            f"'{self.path}': input {value.name!r} holds {type_name} values; nnstudio imports "
            "models with float or double inputs"
        )

    # -- errors ----------------------------------------------------------------------------

    def unsupported(self, node: Any, reason: str = _UNSUPPORTED_HINT) -> ProjectFileError:
        return ProjectFileError(f"'{self.path}': {_describe_node(node)} is not supported: {reason}")

    # -- evaluation ------------------------------------------------------------------------

    def evaluate(self, node: Any, values: list[np.ndarray]) -> np.ndarray:
        """Compute one elementwise or shape node with NumPy."""
        op = node.op_type
        attributes = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        with np.errstate(all="ignore"):
            if op in _UNARY:
                return np.asarray(_UNARY[op](values[0]))
            if op in _BINARY:
                return np.asarray(_BINARY[op](values[0], values[1]))
            if op in _VARIADIC:
                result = values[0]
                for value in values[1:]:
                    result = _VARIADIC[op](result, value)
                return np.asarray(result)
            if op == "Where":
                return np.where(np.asarray(values[0], dtype=bool), values[1], values[2])
            if op == "LeakyRelu":
                alpha = float(attributes.get("alpha", 0.01))
                return np.where(values[0] >= 0, values[0], alpha * values[0])
            if op == "Elu":
                alpha = float(attributes.get("alpha", 1.0))
                x = values[0]
                return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))
            if op == "Gelu":
                if attributes.get("approximate", b"none") in (b"tanh", "tanh"):
                    return _gelu_tanh(values[0])
                raise self.unsupported(node, _ERF_GELU)
            if op == "Erf":
                raise self.unsupported(node, _ERF_GELU)
            return self._shape_op(node, attributes, values)

    def _shape_op(self, node: Any, attributes: dict[str, Any], values: list[np.ndarray]) -> Any:
        op, x = node.op_type, values[0]
        if op == "Transpose":
            perm = attributes.get("perm")
            return np.transpose(x, perm if perm else None)
        if op == "Cast":
            target = self.onnx.helper.tensor_dtype_to_np_dtype(attributes["to"])
            return x.astype(target)
        if op == "Reshape":
            shape = [int(s) for s in np.asarray(values[1]).reshape(-1)]
            if not attributes.get("allowzero", 0):
                shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
            return np.reshape(x, shape)
        if op == "Flatten":
            axis = int(attributes.get("axis", 1)) % max(x.ndim, 1)
            return np.reshape(x, (int(np.prod(x.shape[:axis])), -1))
        axes_value = values[1] if len(values) > 1 else attributes.get("axes")
        axes = None if axes_value is None else tuple(int(a) for a in np.ravel(axes_value))
        if op == "Squeeze":
            return np.squeeze(x, axis=axes)
        if op == "Unsqueeze" and axes is not None:
            return np.expand_dims(x, axis=axes)
        raise self.unsupported(node)

    # -- walking ---------------------------------------------------------------------------

    def read(self) -> _ParsedMlp:
        """Follow the graph from its input to an output, one layer at a time."""
        state = _WalkState(
            layers=[],
            pending=None,
            mean=np.zeros(1),
            std=np.ones(1),
            scaled=False,
            after_softmax=False,
        )
        current = self.input.name
        for _ in range(len(self.nodes) + 1):
            if current == self.target:
                break
            consumers = self.consumers.get(current, [])
            if not consumers:
                raise ProjectFileError(
                    f"'{self.path}': tensor {current!r} does not lead to the output {self.target!r}"
                )
            current = self.step(state, current, consumers)
        parsed = state.result(self.dtype)
        if not parsed.layers:
            raise ProjectFileError(f"'{self.path}': the graph has no Gemm or MatMul layer")
        return self._checked_input(parsed)

    def _checked_input(self, parsed: _ParsedMlp) -> _ParsedMlp:
        # Checked after the walk so that a convolutional model reports its first unsupported
        # node, which says more than the shape of its input.
        if self.input_width == -1:
            raise ProjectFileError(
                f"'{self.path}': input {self.input.name!r} must be a matrix [batch, features]"
            )
        return parsed

    def step(self, state: _WalkState, current: str, consumers: list[Any]) -> str:
        """Consume the node(s) after ``current`` and return the next tensor to follow."""
        node = min(consumers, key=lambda n: self.order[id(n)])
        if len(consumers) == 1 and (state.layers or state.pending is not None):
            after_linear = state.pending is not None
            if state.targets_scaled or self.scales_outputs(node, current, after_linear):
                state.flush()
                self.scale_outputs(node, current, state)
                return str(node.output[0])
        if state.after_softmax:
            raise ProjectFileError(
                f"'{self.path}': {_describe_node(node)} follows the softmax; nnstudio supports "
                "softmax only as the output layer's activation"
            )
        if node.domain not in ("", "ai.onnx"):
            raise self.unsupported(node)
        op = node.op_type
        if len(consumers) > 1:
            # Only an activation written as several nodes may use a tensor twice (swish reads
            # z in its Sigmoid and its Mul, PyTorch's softplus in Softplus, Greater and Where):
            # its branches join again before the next layer.
            if self.joins_again(current) is None:
                users = ", ".join(_describe_node(user) for user in consumers)
                raise ProjectFileError(
                    f"'{self.path}': tensor {current!r} feeds {len(consumers)} nodes ({users}); "
                    "nnstudio imports MLPs, where each layer feeds only the next, so a skip "
                    "connection or other branch cannot be represented"
                )
        else:
            if op in ("Identity", "Dropout"):
                return str(node.output[0])
            if op == "Cast":
                self.cast(node, state)
                return str(node.output[0])
            if op == "Flatten":
                self.check_flatten(node)
                return str(node.output[0])
            if op in ("Gemm", "MatMul"):
                state.flush()
                W, b = self.linear(node, current)
                previous = state.layers[-1].bias.shape[0] if state.layers else self.known_width
                if previous is not None and W.shape[0] != previous:
                    raise ProjectFileError(
                        f"'{self.path}': {_describe_node(node)} has weights shaped {W.shape} "
                        f"but its input has {previous} columns"
                    )
                state.pending = (W, b)
                return str(node.output[0])
            if op in ("Add", "Sub") and state.pending is not None:
                state.pending = self.add_bias(node, current, state.pending)
                return str(node.output[0])
            if op in ("Sub", "Div", "Mul", "Add") and not state.layers and state.pending is None:
                self.scale_input(node, current, state)
                return str(node.output[0])
            if op == "Softmax":
                self.softmax(node, state)
                return str(node.output[0])
        if op not in _ELEMENTWISE and len(consumers) == 1:
            raise self.unsupported(node)
        if state.pending is None:
            where = "the input" if not state.layers else f"layer {len(state.layers)}'s activation"
            raise ProjectFileError(
                f"'{self.path}': {_describe_node(node)} applies a function to {where}; nnstudio "
                "layers are a Gemm/MatMul followed by one activation"
            )
        activation, alpha, output = self.read_activation(current)
        W, b = state.pending
        state.layers.append(_ImportedLayer(W, b, activation, alpha))
        state.pending = None
        return output

    def joins_again(self, start: str) -> list[Any] | None:
        """The nodes from ``start`` until its branches join into one tensor again.

        ``None`` when a branch reaches a layer (``Gemm``/``MatMul``) or an output first: a skip
        connection. Otherwise the branches are one function of ``start``, an activation.
        """
        inside = {start}
        region: list[Any] = []
        members: set[int] = set()
        for node in self.nodes[self.producer.get(start, -1) + 1 :]:
            if not any(name in inside for name in node.input):
                continue
            if node.op_type in ("Gemm", "MatMul"):
                return None
            region.append(node)
            members.add(id(node))
            inside.update(name for name in node.output if name)
            # ``start`` itself may be a graph output (the pre-activation kept): no branch.
            open_tensors = self.open_tensors(inside, members, output_aside=start)
            if len(open_tensors) == 1 and open_tensors[0] != start:
                return region
        return None

    def used_outside(self, name: str, members: set[int]) -> bool:
        """Whether a node outside ``members`` (node ids) reads tensor ``name``."""
        return any(id(user) not in members for user in self.consumers.get(name, []))

    def open_tensors(
        self, inside: set[str], members: set[int], *, output_aside: str | None = None
    ) -> list[str]:
        """The tensors of a region (``inside``, made by the nodes ``members``) that the rest
        of the graph reads, graph outputs included (but ``output_aside``)."""
        return [
            name
            for name in inside
            if (name in self.outputs and name != output_aside) or self.used_outside(name, members)
        ]

    def scales_outputs(self, node: Any, current: str, after_linear: bool) -> bool:
        """Whether ``node`` starts an affine scaling of the network's outputs.

        True when every node from ``node`` to the graph's output is a ``Mul``, ``Div``,
        ``Add`` or ``Sub`` of the tensor before it and a constant (``c / y`` excepted), each
        used by the next one only: nnstudio's scaling back of standardised targets. An
        ``Add``/``Sub`` right after a layer's ``MatMul`` (``after_linear``) is its bias.
        """
        first = True
        while True:
            if node.op_type not in _OUTPUT_SCALING or node.domain not in ("", "ai.onnx"):
                return False
            names = [name for name in node.input if name]
            if len(names) != 2 or current not in names or names[0] == names[1]:
                return False
            other = names[1 - names.index(current)]
            if other not in self.constants or self.constants[other].dtype.kind not in "fiu":
                return False
            if node.op_type == "Div" and names[0] != current:
                return False
            if first and node.op_type in ("Add", "Sub") and after_linear:
                return False
            first = False
            current = str(node.output[0])
            if current == self.target:
                return True
            users = self.consumers.get(current, [])
            if len(users) != 1:
                return False
            node = users[0]

    def scale_outputs(self, node: Any, current: str, state: _WalkState) -> None:
        """Fold ``Mul``/``Div``/``Add``/``Sub`` by a constant into the outputs' scaling."""
        if node.op_type not in _OUTPUT_SCALING:
            raise self.unsupported(
                node, "only Mul, Div, Add or Sub by constants may follow the output's scaling"
            )
        constant, position = self.constant_operand(node, current)
        units = state.layers[-1].bias.shape[0]
        if constant.size != 1 and constant.reshape(-1).shape != (units,):
            raise self.unsupported(
                node,
                f"its constant shaped {constant.shape} does not match the {units} outputs",
            )
        vector = constant.reshape(-1) if constant.size != 1 else constant.reshape(())
        mean = np.broadcast_to(state.target_mean, np.broadcast(state.target_mean, vector).shape)
        std = np.broadcast_to(state.target_std, mean.shape)
        # Keep y = A * std + mean as nodes compose: y c = A (std c) + mean c, y + c = A std +
        # (mean + c), c - y = A (-std) + (c - mean).
        op = node.op_type
        # A division by zero or an overflow gives infinities or NaN, refused below with a
        # message; NumPy's own warning would only come first.
        with np.errstate(all="ignore"):
            if op == "Mul":
                std, mean = std * vector, mean * vector
            elif op == "Div":
                std, mean = std / vector, mean / vector
            elif op == "Add":
                mean = mean + vector
            elif position == 1:
                mean = mean - vector
            else:
                std, mean = -std, vector - mean
        state.target_mean = np.array(mean, dtype=np.float64)
        state.target_std = np.array(std, dtype=np.float64)
        state.targets_scaled = True
        if node.output[0] != self.target:
            return
        if not (np.all(np.isfinite(std)) and np.all(np.isfinite(mean)) and np.all(std > 0)):
            raise self.unsupported(
                node,
                "the scaling of the outputs it ends is not y = output * std + mean with "
                "positive standard deviations (nnstudio's standardised targets)",
            )

    def cast(self, node: Any, state: _WalkState) -> None:
        """Accept a Cast to a float type; before the first layer it sets the network's dtype.

        nnstudio's own exports give a double input whose standardisation is cast to float for
        the float32 layers: the layers, not the input, make the network float32.
        """
        attributes = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        tensor_proto = self.onnx.TensorProto
        target = attributes.get("to")
        floats = {tensor_proto.FLOAT, tensor_proto.FLOAT16, tensor_proto.BFLOAT16}
        if target not in floats | {tensor_proto.DOUBLE}:
            name = tensor_proto.DataType.Name(target) if isinstance(target, int) else target
            raise self.unsupported(
                node, f"it casts to {name}; an MLP's values are real numbers (float or double)"
            )
        if not state.layers and state.pending is None:
            self.dtype = "float64" if target == tensor_proto.DOUBLE else "float32"

    def check_flatten(self, node: Any) -> None:
        """Accept a Flatten that leaves [batch, features] as it is (PyTorch's nn.Flatten)."""
        attributes = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        axis = int(attributes.get("axis", 1))
        if axis == 1 or (axis == -1 and self.input_width != -1 and self.input_width is not None):
            return
        raise self.unsupported(
            node,
            f"Flatten with axis={axis} would reshape the [batch, features] matrix; only "
            "Flatten(axis=1), which keeps one row per example, is supported",
        )

    def constant_operand(self, node: Any, current: str) -> tuple[np.ndarray, int]:
        """The constant operand of a binary node on ``current`` and its position (0 or 1)."""
        names = list(node.input)
        if len(names) != 2 or current not in names or names[0] == names[1]:
            raise self.unsupported(node)
        position = 1 - names.index(current)
        other = names[position]
        if other not in self.constants:
            raise self.unsupported(node, f"its other operand {other!r} is not a constant")
        return self._real(node, self.constants[other], "constant").astype(np.float64), position

    def linear(self, node: Any, current: str) -> tuple[np.ndarray, np.ndarray]:
        """Weights ``(W, b)`` of a Gemm or MatMul, with ``W`` shaped (fan_in, fan_out)."""
        names = list(node.input)
        if not names or names[0] != current:
            raise self.unsupported(node, "the layer input must be its first operand")
        if len(names) < 2 or names[1] not in self.constants:
            raise self.unsupported(node, "its weights are not a constant")
        raw = self._real(node, self.constants[names[1]], "weights")
        if raw.ndim != 2:
            raise self.unsupported(node, f"its weights have {raw.ndim} dimensions instead of 2")
        if node.op_type == "MatMul":
            W = raw
            return self._as_float(node, W), np.zeros(W.shape[1], dtype=self._np_dtype)
        attributes = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        if attributes.get("transA", 0):
            raise self.unsupported(node, "transA=1 (a transposed input) has no MLP meaning")
        W = raw.T if attributes.get("transB", 0) else raw
        alpha = float(attributes.get("alpha", 1.0))
        beta = float(attributes.get("beta", 1.0))
        if alpha != 1.0:
            W = W * np.asarray(alpha, dtype=W.dtype)
        n_out = W.shape[1]
        if len(names) < 3 or not names[2]:
            return self._as_float(node, W), np.zeros(n_out, dtype=self._np_dtype)
        if names[2] not in self.constants:
            raise self.unsupported(node, "its bias is not a constant")
        bias = self._bias_vector(node, self._real(node, self.constants[names[2]], "bias"), n_out)
        if beta != 1.0:
            bias = bias * np.asarray(beta, dtype=bias.dtype)
        return self._as_float(node, W), self._as_float(node, bias, "bias")

    @property
    def _np_dtype(self) -> type[np.floating]:
        return np.float64 if self.dtype == "float64" else np.float32

    def _real(self, node: Any, array: np.ndarray, what: str) -> np.ndarray:
        """``array`` if it holds real numbers (NumPy would parse text, drop imaginary parts)."""
        if array.dtype.kind not in "fiu":
            kind = "text" if array.dtype.kind in "OSU" else str(array.dtype)
            raise self.unsupported(node, f"{kind} values in its {what} are not real numbers")
        return array

    def _as_float(self, node: Any, array: np.ndarray, what: str = "weights") -> np.ndarray:
        """``array`` in the network's float type, refusing what that type cannot hold."""
        with np.errstate(over="ignore", invalid="ignore"):
            values = np.ascontiguousarray(array, dtype=self._np_dtype)
        if not np.all(np.isfinite(values)):
            finite_before = np.all(np.isfinite(np.asarray(array, dtype=np.float64)))
            problem = (
                f"values beyond the {self.dtype} range"
                if finite_before
                else "NaN or infinite values"
            )
            raise self.unsupported(node, f"{problem} in its {what}")
        return values

    def _bias_vector(self, node: Any, value: np.ndarray, n_out: int) -> np.ndarray:
        value = np.asarray(value)
        if value.size == 1:
            return np.full(n_out, value.reshape(()), dtype=value.dtype)
        if value.size == n_out and value.shape[-1] == n_out:
            return value.reshape(n_out)
        raise self.unsupported(
            node, f"its bias shaped {value.shape} does not match the layer's {n_out} units"
        )

    def add_bias(
        self, node: Any, current: str, pending: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fold ``Z + c`` (or ``Z - c``) after a MatMul/Gemm into the layer's bias."""
        W, b = pending
        constant, position = self.constant_operand(node, current)
        if node.op_type == "Sub" and position == 0:
            raise self.unsupported(node, "it subtracts the layer output from a constant")
        vector = self._bias_vector(node, constant, b.shape[0])
        if node.op_type == "Sub":
            vector = -vector
        if not np.any(b):
            return W, self._as_float(node, vector, "bias")
        return W, self._as_float(node, b.astype(np.float64) + vector, "bias")

    def scale_input(self, node: Any, current: str, state: _WalkState) -> None:
        """Fold ``Sub``/``Div``/``Mul``/``Add`` by constants on the input into (mean, std)."""
        constant, position = self.constant_operand(node, current)
        op = node.op_type
        if position == 0 and op in ("Sub", "Div"):
            raise self.unsupported(node, "it does not scale the input as (x - mean) / std")
        width = self.known_width
        if constant.size != 1:
            if constant.ndim > 2 or (width is not None and constant.shape[-1] != width):
                raise self.unsupported(
                    node, f"its constant shaped {constant.shape} does not match the input"
                )
            if self.input_width is None:
                self.input_width = constant.shape[-1]
        vector = constant.reshape(-1) if constant.size != 1 else constant.reshape(())
        # Keep x' = (x - mean) / std as nodes compose: x'/c = (x - mean) / (std c), and
        # x' - c = (x - (mean + c std)) / std.
        mean = np.broadcast_to(state.mean, np.broadcast(state.mean, vector).shape)
        std = np.broadcast_to(state.std, mean.shape)
        # A zero or huge constant gives infinities or NaN, refused below with a message.
        with np.errstate(all="ignore"):
            if op == "Sub":
                mean = mean + vector * std
            elif op == "Add":
                mean = mean - vector * std
            elif op == "Div":
                std = std * vector
            else:
                std = std / vector
        if not np.all(np.isfinite(std)) or np.any(std <= 0) or not np.all(np.isfinite(mean)):
            raise self.unsupported(
                node, "the input scaling it applies is not a positive standardisation"
            )
        state.mean, state.std = np.array(mean, dtype=np.float64), np.array(std, dtype=np.float64)
        state.scaled = True

    def softmax(self, node: Any, state: _WalkState) -> None:
        if state.pending is None:
            raise ProjectFileError(
                f"'{self.path}': {_describe_node(node)} is not right after a Gemm/MatMul layer"
            )
        attributes = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
        if int(attributes.get("axis", -1)) not in (-1, 1):
            raise self.unsupported(node, "softmax must run over the last axis (the classes)")
        W, b = state.pending
        state.layers.append(_ImportedLayer(W, b, "softmax", None))
        state.pending = None
        state.after_softmax = True

    def read_activation(self, start: str) -> tuple[str, float | None, str]:
        """Recognise the activation applied to ``start``: its name, alpha and output tensor.

        The smallest closed region is extended by any elementwise nodes that follow it on
        their own (``0.5 * (z * (1 + tanh(...)))`` closes before the last ``Mul``); the longest
        reading that is an nnstudio activation wins.
        """
        region, output = self.activation_region(start)
        readings = [(list(region), output)]
        while output not in self.outputs:
            users = self.consumers.get(output, [])
            if len(users) != 1 or not self._extends_region(users[0], output):
                break
            region.append(users[0])
            output = str(users[0].output[0])
            readings.append((list(region), output))
        failure: ProjectFileError | None = None
        for nodes, end in reversed(readings):
            try:
                activation, alpha = self.classify(nodes, start, end)
            except ProjectFileError as exc:
                failure = failure or exc
                continue
            return activation, alpha, end
        assert failure is not None
        raise failure

    def _extends_region(self, node: Any, tensor: str) -> bool:
        if node.op_type not in _ELEMENTWISE or node.domain not in ("", "ai.onnx"):
            return False
        others = [name for name in node.input if name and name != tensor]
        return all(name in self.constants and self.constants[name].size == 1 for name in others)

    def activation_region(self, start: str) -> tuple[list[Any], str]:
        """The elementwise nodes that turn ``start`` into one tensor (an activation).

        Nodes are added in graph order until exactly one tensor of the region is used by the
        rest of the graph.
        """
        inside = {start}
        region: list[Any] = []
        members: set[int] = set()
        first = self.producer.get(start, -1) + 1
        for node in self.nodes[first:]:
            if not any(name in inside for name in node.input):
                continue
            if node.op_type not in _ELEMENTWISE or node.domain not in ("", "ai.onnx"):
                raise self.unsupported(
                    node,
                    "it is part of an activation written as several nodes, which nnstudio reads "
                    "only when they are elementwise operators it can evaluate (Add, Mul, Exp, "
                    "Tanh, Sigmoid, Softplus, Where, ...)",
                )
            for name in node.input:
                if not name or name in inside:
                    continue
                if name not in self.constants:
                    raise self.unsupported(node, f"it combines the layer with {name!r}")
                if self.constants[name].size != 1:
                    raise self.unsupported(
                        node,
                        "it uses a per-unit constant; nnstudio activations treat every unit "
                        "the same",
                    )
            region.append(node)
            members.add(id(node))
            inside.update(name for name in node.output if name)
            open_tensors = self.open_tensors(inside, members)
            if len(open_tensors) == 1 and open_tensors[0] != start:
                return region, open_tensors[0]
        raise ProjectFileError(
            f"'{self.path}': the activation after tensor {start!r} does not end in one tensor"
        )

    def classify(self, region: list[Any], start: str, output: str) -> tuple[str, float | None]:
        """Name the activation a region computes, with its alpha when it takes one."""
        if len(region) == 1 and list(region[0].input)[:1] == [start]:
            node = region[0]
            op = node.op_type
            attributes = {a.name: self.onnx.helper.get_attribute_value(a) for a in node.attribute}
            if op in _SINGLE_NODE_IMPORT:
                return _SINGLE_NODE_IMPORT[op], None
            if op == "LeakyRelu":
                return "leaky_relu", _tidy_alpha(float(attributes.get("alpha", 0.01)))
            if op == "Elu":
                return "elu", _tidy_alpha(float(attributes.get("alpha", 1.0)))
            if op == "Gelu":
                self.evaluate(node, [np.zeros(1)])  # raises for the exact (erf) GELU
                return "gelu", None
        return self.match_numerically(region, start, output)

    def match_numerically(
        self, region: list[Any], start: str, output: str
    ) -> tuple[str, float | None]:
        """Evaluate the region on a grid and compare it with every nnstudio activation.

        Between -6 and 6 the region must agree with the activation to a loose tolerance; from
        there to ±60, every 0.05, to float32 precision, so that a branch taken beyond a
        threshold (PyTorch's softplus returns z above 20) is accepted only where it changes
        nothing a float32 network could see.
        """
        near = np.linspace(-6.0, 6.0, 241)
        z = np.concatenate([near, _FAR_GRID])
        values: dict[str, np.ndarray] = {start: z}
        for node in region:
            inputs = [
                values[name] if name in values else self.constants[name].astype(np.float64)
                for name in node.input
                if name
            ]
            inputs = [np.reshape(v, (-1,)) if v.size == 1 else v for v in inputs]
            result = self.evaluate(node, inputs)
            values[node.output[0]] = np.broadcast_to(result, z.shape)
        y = values[output]
        inner = slice(0, near.size)
        outer = slice(near.size, None)

        def matches(expected: np.ndarray) -> bool:
            return _close(y[inner], expected[inner]) and _precise(y[outer], expected[outer])

        with np.errstate(all="ignore"):
            for name, function in _candidate_activations().items():
                if matches(function(z)):
                    return name, None
            negative = z == -2.0
            slope = float(y[negative][0] / -2.0)
            if 0 <= slope <= 100 and matches(np.where(z >= 0, z, slope * z)):
                return "leaky_relu", _tidy_alpha(slope)
            scale = float(y[negative][0] / np.expm1(-2.0))
            if 0 <= scale <= 100 and matches(np.where(z > 0, z, scale * np.expm1(z))):
                return "elu", _tidy_alpha(scale)
        nodes = ", ".join(_describe_node(node) for node in region)
        raise ProjectFileError(
            f"'{self.path}': {nodes} compute an activation nnstudio does not have (it matches "
            "none of identity, sigmoid, tanh, relu, leaky_relu, elu, softplus, gelu (tanh "
            "approximation) or swish)"
        )


_ERF_GELU = (
    "nnstudio's gelu is the tanh approximation 0.5 z (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))); "
    "the exact (erf) GELU differs from it"
)


#: Where an activation is checked to float32 precision: beyond the usual grid, every 0.05.
_FAR_GRID = np.concatenate([-np.arange(6.05, 60.0, 0.05), np.arange(6.05, 60.0, 0.05)])


def _close(actual: np.ndarray, expected: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(actual))) and np.allclose(actual, expected, rtol=1e-5, atol=1e-6)


def _precise(actual: np.ndarray, expected: np.ndarray) -> bool:
    """Equal to float32 precision: within one float32 epsilon, relative (absolute below 1)."""
    with np.errstate(all="ignore"):
        tolerance = np.finfo(np.float32).eps * np.maximum(1.0, np.abs(expected))
        return bool(np.all(np.isfinite(actual)) and np.all(np.abs(actual - expected) <= tolerance))


def _tidy_alpha(value: float) -> float:
    """Drop float32 noise: 0.009999999776 becomes 0.01."""
    return float(f"{value:.7g}")


# -- project ----------------------------------------------------------------------------------


def _build_project(
    parsed: _ParsedMlp, metadata: dict[str, str], path: Path
) -> tuple[Project, Weights]:
    ours = metadata.get("format") == FORMAT_MARKER
    layers = parsed.layers
    n_inputs = layers[0].weight.shape[0]
    output = layers[-1]
    n_outputs = output.bias.shape[0]

    activations = [layer.activation for layer in layers]
    alphas = [layer.alpha for layer in layers]
    if ours:
        activations, alphas = _restore_activations(layers, metadata, path)

    target_standardization = _target_standardization(parsed, metadata, path if ours else None)
    task = metadata.get("task") if ours else None
    if target_standardization is not None:
        # Scaled outputs are values, whatever the output activation: only regression
        # targets are standardised.
        task = "regression"
    elif task not in TASKS:
        task = "classification" if output.activation in ("sigmoid", "softmax") else "regression"

    feature_names = _names(parse_json_metadata(metadata, "feature_names", path), n_inputs)
    expected_outputs = 2 if task == "classification" and n_outputs == 1 else n_outputs
    output_names = _names(parse_json_metadata(metadata, "output_names", path), expected_outputs)
    if not ours:
        feature_names = output_names = None

    standardization = _standardization(parsed, metadata, path if ours else None)

    layer_specs = tuple(
        LayerSpec(
            units=layer.bias.shape[0],
            activation=activation,
            alpha=None if alpha == ACTIVATION_ALPHA_DEFAULTS.get(activation) else alpha,
        )
        for layer, activation, alpha in zip(layers, activations, alphas, strict=True)
    )
    network = NetworkSpec(inputs=n_inputs, layers=layer_specs)
    output_activation = canonical_activation(network.output.activation)
    loss = default_loss(task, output_activation)
    if loss_output_problem(loss, network.output):
        loss = "mse"
    data = _data_for_import(
        n_inputs,
        n_outputs,
        task,
        output_activation,
        standardize=standardization is not None,
        standardize_targets=target_standardization is not None,
        feature_names=feature_names,
        output_names=output_names,
    )
    if feature_names is None:
        # Inputs need names for prediction from CSV files, which must not depend on data the
        # import cannot supply.
        feature_names = _default_feature_names(data, n_inputs)
    source = "an nnstudio export" if ours else "an ONNX model"
    project = Project(
        name=path.stem,
        data=data,
        network=network,
        loss=loss,
        training=TrainingSpec(dtype=parsed.dtype),
        standardization=standardization,
        target_standardization=target_standardization,
        feature_names=feature_names,
        output_names=output_names,
        description=(
            f"Imported from {path.name} ({source}, {network.describe()}). Choose the training "
            "data before training further."
        ),
    )
    try:
        project.validate()
    except SpecError as exc:
        raise ProjectFileError(
            f"'{path}': the imported network is not a valid nnstudio project: {exc}"
        ) from exc
    weights: Weights = tuple((layer.weight, layer.bias) for layer in layers)
    return project, weights


def _restore_activations(
    layers: tuple[_ImportedLayer, ...], metadata: dict[str, str], path: Path
) -> tuple[list[str], list[float | None]]:
    """Prefer the exact names and alphas stored in the metadata when the graph agrees."""
    activations = [layer.activation for layer in layers]
    alphas = [layer.alpha for layer in layers]
    stored = parse_json_metadata(metadata, "activations", path)
    stored_alphas = parse_json_metadata(metadata, "alphas", path)
    if not (isinstance(stored, list) and len(stored) == len(layers)):
        return activations, alphas
    if not (isinstance(stored_alphas, list) and len(stored_alphas) == len(layers)):
        stored_alphas = [None] * len(layers)
    for index, (name, alpha) in enumerate(zip(stored, stored_alphas, strict=True)):
        if not isinstance(name, str) or canonical_activation(name) != activations[index]:
            continue
        activations[index] = name
        graph_alpha = alphas[index]
        if (
            graph_alpha is not None
            and isinstance(alpha, int | float)
            and np.float32(alpha) == np.float32(graph_alpha)
        ):
            alphas[index] = float(alpha)
    return activations, alphas


def _names(value: Any, count: int) -> tuple[str, ...] | None:
    if (
        isinstance(value, list)
        and len(value) == count
        and all(isinstance(v, str) and v for v in value)
        and len(set(value)) == count
    ):
        return tuple(value)
    return None


def _standardization(
    parsed: _ParsedMlp, metadata: dict[str, str], path: Path | None
) -> Standardization | None:
    """The input statistics the graph applies, exact from the metadata when it agrees."""
    width = parsed.layers[0].weight.shape[0]
    return _statistics(parsed.mean, parsed.std, width, metadata, "standardization", path)


def _target_standardization(
    parsed: _ParsedMlp, metadata: dict[str, str], path: Path | None
) -> Standardization | None:
    """The target statistics the graph scales its outputs back with, exact from the metadata
    when it agrees."""
    width = parsed.layers[-1].bias.shape[0]
    return _statistics(
        parsed.target_mean, parsed.target_std, width, metadata, "target_standardization", path
    )


def _statistics(
    mean: np.ndarray | None,
    std: np.ndarray | None,
    width: int,
    metadata: dict[str, str],
    key: str,
    path: Path | None,
) -> Standardization | None:
    """A standardisation read from the graph, shape (width,), or ``None`` when it changes
    nothing.

    ``path`` is given for files nnstudio wrote: the metadata entry ``key`` then holds the
    exact float64 statistics, used when they round to the graph's float32 ones.
    """
    if mean is None or std is None:
        return None
    mean = np.broadcast_to(mean, (width,))
    std = np.broadcast_to(std, (width,))
    if path is not None:
        stored = standardization_from_metadata(parse_json_metadata(metadata, key, path))
        # The graph holds float32 statistics; the metadata keeps the exact float64 ones.
        if (
            stored is not None
            and len(stored.mean) == width
            and np.array_equal(np.float32(stored.mean), np.float32(mean))
            and np.array_equal(np.float32(stored.std), np.float32(std))
        ):
            return stored
    if not np.any(mean) and np.all(std == 1):
        return None
    return Standardization(mean=tuple(float(v) for v in mean), std=tuple(float(v) for v in std))


def _default_feature_names(data: DataSpec, count: int) -> tuple[str, ...]:
    """The built-in data set's feature names, or ``x1, x2, ...`` for a CSV still to choose."""
    if isinstance(data, BuiltinData):
        from nnstudio.data import generate

        names = generate(data.builtin, 4, seed=data.seed).feature_names
        if len(names) == count:
            return tuple(names)
    return tuple(f"x{i + 1}" for i in range(count))


def _data_for_import(
    n_inputs: int,
    n_outputs: int,
    task: str,
    output_activation: str,
    *,
    standardize: bool,
    standardize_targets: bool,
    feature_names: tuple[str, ...] | None,
    output_names: tuple[str, ...] | None,
) -> DataSpec:
    """A data source that fits the imported network's shape (see the module docstring).

    Standardised targets need CSV data: no built-in data set standardises its targets.
    """
    two_classes = task == "classification" and (
        n_outputs == 2 or (n_outputs == 1 and output_activation == "sigmoid")
    )
    # Inputs named x1², x1·x2, ... are features of a 2-D data set's points: the built-in
    # data then reads the same features (in the order nnstudio writes them).
    plane = feature_names is not None and feature_names == tuple(
        name for name in PLANE_FEATURES if name in feature_names
    )
    features = feature_names if plane and feature_names else DEFAULT_PLANE_FEATURES
    if (n_inputs == 2 or plane) and two_classes:
        return BuiltinData(builtin="xor", standardize=standardize, features=features)
    if (n_inputs == 2 or plane) and task == "regression" and n_outputs == 1:
        if not standardize_targets:
            return BuiltinData(builtin="plane", standardize=standardize, features=features)
    if task == "regression" and n_outputs == 1 and n_inputs == 1 and not standardize_targets:
        return BuiltinData(builtin="housing", standardize=standardize)
    if task == "classification":
        target: tuple[str, ...] = ("target",)
    elif output_names is not None:
        target = output_names
    elif n_outputs == 1:
        target = ("target",)
    else:
        target = tuple(f"target{i + 1}" for i in range(n_outputs))
    features = feature_names
    if features is not None and set(features) & set(target):
        features = None
    return CsvData(
        csv="data.csv",
        target=target,
        task=task,
        features=features,
        standardize=standardize,
        standardize_targets=standardize_targets,
    )


def read_onnx_metadata(path: Path | str) -> dict[str, Any]:
    """The nnstudio metadata of an exported ONNX file, JSON values decoded.

    Returns an empty dict for files nnstudio did not write.

    Raises
    ------
    MissingExtraError
        When the ``onnx`` package is not installed.
    ProjectFileError
        When the file cannot be read.
    """
    onnx = require_module("onnx", "ONNX import", "onnx")
    path = Path(path)
    model = _load_model(onnx, path)
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    if metadata.get("format") != FORMAT_MARKER:
        return {}
    decoded: dict[str, Any] = dict(metadata)
    for key in _JSON_METADATA_KEYS:
        if key in metadata:
            decoded[key] = parse_json_metadata(metadata, key, path)
    return decoded


_JSON_METADATA_KEYS = (
    "sizes",
    "activations",
    "alphas",
    "feature_names",
    "output_names",
    "standardization",
    "target_standardization",
)
