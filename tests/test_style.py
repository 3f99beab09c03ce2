"""The code base passes its own linters (configured in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> list[str]:
    executable = shutil.which("ruff") or shutil.which("ruff", path=str(REPO_ROOT / ".venv/bin"))
    if executable:
        return [executable]
    return [sys.executable, "-m", "ruff"]


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff_passes(args: list[str]) -> None:
    result = subprocess.run(
        [*_ruff(), *args, "nnstudio", "tests", "benchmarks"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
