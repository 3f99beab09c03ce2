"""Files: projects (``.nnproj``), weights (``.npz``/``.json``), exports and imports.

The optional formats (ONNX, safetensors, PyTorch) live in their own modules and are imported
only when used, so the core needs nothing beyond NumPy.
"""

from nnstudio.io.exporters import EXPORT_FORMATS, ExportFormat, export
from nnstudio.io.project import (
    LoadedProject,
    WeightsFileError,
    load_project,
    save_project,
    weights_path_for,
)
from nnstudio.io.weights import (
    atomic_write_bytes,
    atomic_write_text,
    load_weights_file,
    save_weights_json,
    save_weights_npz,
)

__all__ = [
    "EXPORT_FORMATS",
    "ExportFormat",
    "LoadedProject",
    "WeightsFileError",
    "atomic_write_bytes",
    "atomic_write_text",
    "export",
    "load_project",
    "load_weights_file",
    "save_project",
    "save_weights_json",
    "save_weights_npz",
    "weights_path_for",
]
