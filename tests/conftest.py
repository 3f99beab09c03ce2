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


# ---- leaving the test process ------------------------------------------------------------------

_exit_status: list[int] = []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status.append(int(exitstatus))


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Leave without collecting Qt's garbage once the session's report is written.

    After the summary, pytest's unraisable-exception plugin runs the garbage collector, and
    PySide6 can crash while it destroys the Python wrappers of Qt objects left in cycles
    (at random, and only after every test has passed; a PySide6 fault, PYSIDE-2254 and
    relatives), turning a green run into exit status 139. A session that ran (all tests
    passed, or some failed) ends here with its own status, so a failing test still fails
    the run; anything else (an interruption, a usage error) ends as pytest ends it.
    Training processes end by themselves when their command pipes close.
    """
    import sys

    if not _exit_status or _exit_status[-1] not in (0, 1):
        return
    if "PySide6.QtCore" not in sys.modules:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status[-1])
