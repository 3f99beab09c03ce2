"""Interoperability tests: exports checked by independent runtimes (onnxruntime, torch).

The suite runs with ``--import-mode=importlib``, which leaves ``sys.path`` alone; the test
modules here share ``interop_support.py``, so its folder goes on the path.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
