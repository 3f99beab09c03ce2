"""PyTorch export: a self-contained ``nn.Module`` source file plus its safetensors weights.

:func:`export_torch` writes two files side by side, ``<stem>.py`` and ``<stem>.safetensors``.
The Python file defines ``NNStudioModel`` (the ``nn.Linear`` layers in an ``nn.ModuleList``
called ``layers``, the input standardisation and, when the regression targets were
standardised for training, the target statistics as registered buffers) and ``load(path=None)``,
which reads the weights file beside it. It imports only torch, safetensors and the standard
library. Writing it needs neither torch nor the generated code's other imports; only the
``safetensors`` package is needed to write the weights.

``model(x)`` gives the same outputs as ``nnstudio predict`` on raw features, in the targets'
units; ``model(x, logits=True)`` skips the output activation (and the scaling back of
standardised targets) for training with ``BCEWithLogitsLoss`` or ``CrossEntropyLoss``. Layers
trained with dropout have an ``nn.Dropout`` after their activation (active in ``model.train()``
only; it holds no weights, so the state dict keeps the safetensors file's keys). A network that
reads features of a plane's points gets ``features_from_points(points)``, and its command line
computes them from columns ``x1`` and ``x2`` as ``nnstudio predict`` does.

Names only ever appear in the source as ``repr`` literals or in the escaped module docstring,
so any name gives a module that compiles.
"""

from __future__ import annotations

import string
from pathlib import Path

import nnstudio
from nnstudio.errors import ProjectFileError
from nnstudio.io._model_meta import (
    ModelDescription,
    describe_model,
    docstring_body,
    module_name_hint,
    output_path,
    point_feature_code,
    python_tuple,
    require_module,
    require_python_suffix,
    visible_text,
    wrap_paragraphs,
)
from nnstudio.io.python_export import (
    MAIN_CODE,
    csv_reading_code,
    input_file_text,
    points_paragraph,
)
from nnstudio.io.safetensors_io import write_safetensors
from nnstudio.io.weights import atomic_write_text, name_bytes, name_limit
from nnstudio.spec import Project, Weights
from nnstudio.text import plural


def export_torch(project: Project, weights: Weights, path: Path) -> list[Path]:
    """Write a PyTorch module file and the safetensors weights it loads.

    Parameters
    ----------
    project : Project
    weights : Weights
        One ``(W, b)`` pair per layer, ``W`` shaped (fan_in, fan_out).
    path : Path
        The ``.py`` file to write (``.py`` is added when there is no suffix; a directory
        receives ``<project name>.py``). The weights go beside it with the ``.safetensors``
        suffix.

    Returns
    -------
    list of Path
        The Python file and the weights file.

    Raises
    ------
    MissingExtraError
        When the ``safetensors`` package is not installed.
    ProjectFileError
        When the path does not end in ``.py``, the weights do not fit the network, or a file
        cannot be written.
    """
    require_module("safetensors.numpy", "PyTorch export", "torch")
    target = require_python_suffix(output_path(path, ".py", project.name), "PyTorch")
    weights_file = target.with_suffix(".safetensors")
    problem = _weights_name_problem(target, weights_file)
    if problem is not None:
        # Said before anything is written: a module without its weights is no export.
        raise ProjectFileError(f"cannot write {weights_file}: {problem}")
    model = describe_model(project, weights)
    write_safetensors(model, weights_file, feature="PyTorch export")
    atomic_write_text(target, torch_module_source(model, target))
    return [target, weights_file]


def _weights_name_problem(target: Path, weights_file: Path) -> str | None:
    """Why the file system cannot take the weights file's name beside ``target``, if so.

    Its name is 9 bytes longer than the module's (``.safetensors`` in place of ``.py``), so a
    module name the folder accepts can still leave no room for it.
    """
    folder = target.parent if str(target.parent) else Path(".")
    limit = name_limit(folder)
    excess = name_bytes(weights_file.name) - limit
    if excess <= 0:
        return None
    unit = "character" if target.name.isascii() else "byte"
    return (
        f"its name would be {plural(excess, 'byte')} longer than the {limit} the file system "
        f"allows; shorten the module's name by {plural(excess, unit)} or more"
    )


def torch_module_source(model: ModelDescription, target: Path) -> str:
    """The source of the generated PyTorch module that will live at ``target``."""
    weights_name = target.with_suffix(".safetensors").name
    module = module_name_hint(target)
    if model.plane_features is None:
        import_line = (
            f"from {module} import load"
            if module
            else f"import runpy\n    load = runpy.run_path({target.name!r})['load']"
        )
    elif module:
        import_line = f"from {module} import features_from_points, load"
    else:
        import_line = (
            f"import runpy\n    namespace = runpy.run_path({target.name!r})\n"
            "    load, features_from_points = namespace['load'], namespace['features_from_points']"
        )
    if model.standardization is not None and model.float32_unsafe_features():
        scaling = (
            "They are standardised inside the model with the training statistics, in float64 "
            "whatever float dtype comes in (float64 buffers input_mean and input_std), then "
            "cast to the layers' float32, as nnstudio does. (Devices without float64, such as "
            "Apple's MPS, cannot hold these statistics: run this model on the CPU or CUDA.)"
        )
    elif model.standardization is not None:
        scaling = (
            "They are standardised inside the model with the training statistics (float32 "
            "buffers input_mean and input_std, which hold these features' statistics well "
            "enough), then used by the layers in float32."
        )
    else:
        scaling = (
            "They are used as given (the project does not standardise its inputs), cast to the "
            "layers' float32."
        )
    outputs = f"Outputs: {model.output_meaning()}."
    targets = model.target_standardization is not None
    if targets:
        outputs += (
            " The network learnt standardised targets; the model scales its outputs back to the "
            "targets' units (buffers target_mean and target_std)."
        )
    points = model.plane_features is not None
    summary = wrap_paragraphs(
        f"Project {model.name!r}: a {model.architecture} {model.task} network. The trained "
        f"weights are in {weights_name}, beside this file.",
        f"Inputs are raw features, in this order: {', '.join(model.feature_labels())}. {scaling}",
        *([_precision_paragraph(model)] if model.standardization is not None else []),
        *([points_paragraph(model, "features_from_points(points)")] if points else []),
        outputs,
    )
    dropout = any(layer.dropout for layer in model.layers)
    docstring = _DOCSTRING.substitute(
        summary=summary,
        version=nnstudio.__version__,
        weights_file=visible_text(weights_name),
        import_line=import_line,
        points_usage=_POINTS_USAGE if points else "",
        n_features=model.n_features,
        file_name=visible_text(target.name),
        input_file=input_file_text(model),
        dropout_note=_DROPOUT_NOTE if dropout else "",
    )
    return _TEMPLATE.substitute(
        docstring=docstring_body(docstring),
        n_features=model.n_features,
        feature_names=python_tuple(model.feature_labels()),
        output_names=python_tuple(model.output_labels()),
        task_repr=repr(model.task),
        sizes=python_tuple(model.sizes),
        activations=python_tuple(model.activations),
        alphas=python_tuple(model.alphas),
        standardized=repr(model.standardization is not None),
        stats_dtype="torch.float64" if model.float32_unsafe_features() else "torch.float32",
        # Only for networks trained with dropout, so the modules of others stay as they were.
        dropout_constant=(
            "#: Dropout probability after each layer's activation while training (0: none).\n"
            f"DROPOUT = {python_tuple(tuple(layer.dropout for layer in model.layers))}\n"
            if dropout
            else ""
        ),
        dropout_modules=_DROPOUT_MODULES if dropout else "",
        layers_forward=_DROPOUT_FORWARD if dropout else _FORWARD,
        standardize=_STANDARDIZE if model.standardization is not None else _CAST,
        points=_points_source(model.plane_features),
        # Only when the targets are standardised, so the modules of other networks stay as
        # they were.
        target_buffers=_TARGET_BUFFERS if targets else "",
        target_scaling=_TARGET_SCALING if targets else "",
        logits_note=_LOGITS_NOTE if targets else "",
        weights_file_repr=repr(weights_name),
        csv_reading=csv_reading_code(points, model.decimal_comma, model.header),
        column_prefix=model.column_prefix,
        main_code=MAIN_CODE,
    )


def _precision_paragraph(model: ModelDescription) -> str:
    """Why the generated docstring asks for float64 inputs, naming the features that need it."""
    unsafe = model.float32_unsafe_features()
    text = (
        "Pass float64 inputs, as the usage below does: a feature with a large offset against "
        "its spread (a Unix timestamp, latitude and longitude) loses its variation in a "
        "float32 tensor before the model sees it (float32 holds 1.7e9 only to a multiple of "
        "128)."
    )
    if unsafe:
        names = ", ".join(unsafe)
        text += f" Here {names} {'needs' if len(unsafe) == 1 else 'need'} it."
    return text + (
        " Move the model with model.to(device): model.float() or model.half() would round the "
        "float64 statistics too."
    )


def _points_source(features: tuple[str, ...] | None) -> str:
    """``POINT_FEATURES`` and ``features_from_points`` for a network reading a plane's points."""
    if features is None:
        return ""
    return _POINTS_TEMPLATE.substitute(
        point_features=python_tuple(features), columns=point_feature_code(features, "torch.sin")
    )


_POINTS_USAGE = """\
    X = features_from_points(points)  # points (x1, x2) shaped (m, 2)
"""

_POINTS_TEMPLATE = string.Template('''
#: The network reads these features of points (x1, x2), in the order of FEATURE_NAMES.
POINT_FEATURES = ${point_features}


def features_from_points(points) -> torch.Tensor:
    """The model's inputs for points (x1, x2) shaped (m, 2) or (2,), as nnstudio computes them.

    Computed in float64 like nnstudio, returned in float32, shaped (m, len(FEATURE_NAMES)).
    """
    P = torch.as_tensor(points, dtype=torch.float64)
    if P.ndim == 1:
        P = P.reshape(1, -1)
    if P.ndim != 2 or P.shape[1] != 2:
        raise ValueError(
            f"expected points shaped (m, 2) with columns x1, x2; got shape {tuple(P.shape)}"
        )
    x1, x2 = P[:, 0], P[:, 1]
    return torch.stack(${columns}, dim=1).to(torch.float32)

''')

_DROPOUT_NOTE = """
The layers trained with dropout have an nn.Dropout after their activation: it drops units in
model.train() mode only, as nnstudio's training did, and changes nothing in model.eval().
"""

_DROPOUT_MODULES = """\
        # Dropout after the activation of the layers trained with it, nothing after the
        # others. It holds no weights, so the state dict keeps the keys of the safetensors file.
        self.dropout = nn.ModuleList(nn.Dropout(p) if p > 0 else nn.Identity() for p in DROPOUT)
"""

_DROPOUT_FORWARD = """\
        for index, (layer, dropout) in enumerate(zip(self.layers, self.dropout)):
            x = layer(x)
            if index < last or not logits:
                x = activate(self.activations[index], self.alphas[index], x)
            x = dropout(x)
"""

_FORWARD = """\
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index < last or not logits:
                x = activate(self.activations[index], self.alphas[index], x)
"""

_STANDARDIZE = """\
        # In STATS_DTYPE: float64 with the exact statistics where float32 would round a large
        # offset (a timestamp) away, as nnstudio does. The layers then get their own dtype.
        x = (x.to(self.input_mean.dtype) - self.input_mean) / self.input_std
        x = x.to(self.layers[0].weight.dtype)
"""

_CAST = """\
        x = x.to(self.layers[0].weight.dtype)
"""


_TARGET_BUFFERS = """\
        # The network learnt standardised targets: forward() scales its outputs back.
        self.register_buffer("target_mean", torch.zeros(SIZES[-1]))
        self.register_buffer("target_std", torch.ones(SIZES[-1]))
"""

_TARGET_SCALING = """\
        if not logits:
            # Standardised targets back to the targets' units.
            x = x * self.target_std + self.target_mean
"""

_LOGITS_NOTE = ", and so is\n        the scaling back to the targets' units"

#: The generated module's docstring, escaped with :func:`docstring_body` once filled in.
_DOCSTRING = string.Template("""\
PyTorch model exported by nnstudio ${version}.

${summary}

Usage::

    import torch
    ${import_line}

    model = load()  # reads ${weights_file}
${points_usage}    with torch.no_grad():
        outputs = model(torch.as_tensor(X, dtype=torch.float64))  # X shaped (m, ${n_features})

``model(x)`` applies every activation, so it matches ``nnstudio predict``.
``torch.export.export`` takes the model, and so does the older ``torch.jit.script``.
``model(x, logits=True)`` skips the output activation, which is what
``torch.nn.BCEWithLogitsLoss`` and ``torch.nn.CrossEntropyLoss`` expect when training further.
${dropout_note}
Run ``python ${file_name}`` to print the model, or ``python ${file_name} data.csv`` to print
predictions for ${input_file}.
``-`` instead of a file name reads standard input; ``--header`` or ``--no-header`` before it
says whether the file's first line names the columns (by default, as HEADER says), and
``--help`` shows this text. Needs only torch and safetensors.
""")

_TEMPLATE = string.Template('''\
"""${docstring}"""

from __future__ import annotations

import csv
import gzip
import io
import math
import os
import re
import sys
import zlib
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch import nn
from torch.nn import functional as F

FEATURE_NAMES = ${feature_names}
#: Class names (classification) or target names (regression).
OUTPUT_NAMES = ${output_names}
TASK = ${task_repr}
#: Layer widths, input first.
SIZES = ${sizes}
ACTIVATIONS = ${activations}
#: Negative slope of leaky_relu or scale of elu, per layer (None for other activations).
ALPHAS = ${alphas}
#: Whether the model standardises raw inputs with the stored training statistics.
STANDARDIZED = ${standardized}
#: dtype of the input statistics: float64 when a feature's offset is too large for float32
#: to keep its variation, else float32, which every device (Apple's MPS included) holds.
STATS_DTYPE = ${stats_dtype}
${dropout_constant}WEIGHTS_FILE = Path(__file__).with_name(${weights_file_repr})


def activate(name: str, alpha: float | None, z: torch.Tensor) -> torch.Tensor:
    """Apply one of nnstudio's activations to ``z``."""
    if name == "identity":
        return z
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "tanh":
        return torch.tanh(z)
    if name == "relu":
        return F.relu(z)
    if name == "leaky_relu":
        assert alpha is not None
        return F.leaky_relu(z, negative_slope=alpha)
    if name == "elu":
        assert alpha is not None
        return F.elu(z, alpha=alpha)
    if name == "softplus":
        return F.softplus(z)
    if name == "gelu":
        # nnstudio's GELU is the tanh approximation.
        return F.gelu(z, approximate="tanh")
    if name == "swish":
        return F.silu(z)
    if name == "softmax":
        return torch.softmax(z, dim=-1)
    raise ValueError("unknown activation " + name)


class NNStudioModel(nn.Module):
    """Input standardisation, then one ``nn.Linear`` and activation per layer."""

    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.Linear(fan_in, fan_out) for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:])
        )
        self.activations = list(ACTIVATIONS)
        # 0.0 where an activation takes no alpha: one element type, which TorchScript needs.
        self.alphas = [0.0 if alpha is None else float(alpha) for alpha in ALPHAS]
        if STANDARDIZED:
            # In STATS_DTYPE: see forward().
            self.register_buffer("input_mean", torch.zeros(SIZES[0], dtype=STATS_DTYPE))
            self.register_buffer("input_std", torch.ones(SIZES[0], dtype=STATS_DTYPE))
${target_buffers}${dropout_modules}
    def forward(self, x: torch.Tensor, logits: bool = False) -> torch.Tensor:
        """Outputs for raw features ``x`` shaped (batch, ${n_features}).

        With ``logits=True`` the output layer's activation is left out${logits_note}.
        """
${standardize}        last = len(self.layers) - 1
${layers_forward}${target_scaling}        return x


def load(path: str | Path | None = None, device: str = "cpu") -> NNStudioModel:
    """Build the model and load the trained weights (``WEIGHTS_FILE`` by default).

    The model is returned in evaluation mode; call ``model.train()`` to train it further.
    """
    model = NNStudioModel()
    state = load_file(str(WEIGHTS_FILE if path is None else path), device=device)
    model.load_state_dict(state)
    return model.to(device).eval()

${points}${csv_reading}

def read_features(csv_path: str, header: bool | None = None) -> torch.Tensor:
    """The feature columns of a CSV file, shaped (rows, ${n_features}); ``header`` as for
    read_columns.

    float64, so the model standardises the numbers as written (see the module docstring).
    """
    values = read_columns(csv_path, header)
    return torch.tensor(values, dtype=torch.float64).reshape(len(values), len(FEATURE_NAMES))


def main(argv: list[str] | None = None) -> int:
    """Print the model, or predictions for the CSV file named on the command line.

    ``-`` instead of a file name reads standard input.
    """
    args, header = header_options(sys.argv[1:] if argv is None else argv)
    if args in (["-h"], ["--help"]):
        print(__doc__)
        return 0
    model = load()
    if not args:
        print(model)
        return 0
    with torch.no_grad():
        outputs = model(read_features(args[0], header))
    writer = csv.writer(sys.stdout, lineterminator="\\n")
    if TASK == "classification":
        if outputs.shape[1] == 1:
            # One sigmoid unit: the probability of the second class.
            columns = torch.cat([1 - outputs, outputs], dim=1)
            labels = (outputs[:, 0] >= 0.5).long().tolist()
        else:
            columns = outputs
            labels = outputs.argmax(dim=1).tolist()
        writer.writerow([*(f"${column_prefix}{name}" for name in OUTPUT_NAMES), "label"])
        for row, label in zip(columns.tolist(), labels):
            writer.writerow([*(f"{value:.10g}" for value in row), OUTPUT_NAMES[label]])
    else:
        writer.writerow(OUTPUT_NAMES)
        writer.writerows([f"{value:.10g}" for value in row] for row in outputs.tolist())
    return 0

${main_code}''')
