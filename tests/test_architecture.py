"""Layering rules: everything below the user interface runs without Qt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

HEADLESS_MODULES = [
    "nnstudio.spec",
    "nnstudio.errors",
    "nnstudio.engine",
    "nnstudio.data",
    "nnstudio.io.project",
    "nnstudio.io.weights",
    "nnstudio.io.exporters",
    "nnstudio.workflow",
    "nnstudio.cli",
    "nnstudio.ui.frame",
    "nnstudio.ui.training_loop",
]


def test_headless_layers_do_not_import_qt() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in HEADLESS_MODULES)
        + "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('PySide6', 'pyqtgraph', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"Qt imported by headless modules: {result.stdout}"


def test_only_qt_module_imports_pyside() -> None:
    offenders = []
    for path in (REPO_ROOT / "nnstudio").rglob("*.py"):
        if path.name == "qt.py" and path.parent.name == "ui":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith(
                ("import PySide6", "from PySide6", "import pyqtgraph", "from pyqtgraph")
            ):
                offenders.append(f"{path.relative_to(REPO_ROOT)}: {stripped}")
    assert not offenders, "Qt must be imported through nnstudio.ui.qt:\n" + "\n".join(offenders)
