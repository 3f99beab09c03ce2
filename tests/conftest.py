"""Test configuration shared by every test module.

Qt runs offscreen so the suite needs no display; this must happen before any Qt import.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = REPO_ROOT / "samples"


@pytest.fixture
def samples_dir() -> Path:
    """The folder of shipped sample projects."""
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def qapp():
    """The studio's own application (Fusion style, palette, font size), not a plain one.

    GUI tests then lay out and measure the windows a user sees.
    """
    from nnstudio.ui.app import create_application

    return create_application()
