"""The studio reports its start-up time when NNSTUDIO_STARTUP_REPORT names a file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.mark.slow
@pytest.mark.gui
@pytest.mark.parametrize("project", [None, SAMPLES / "iris.nnproj"], ids=["sample", "project"])
def test_startup_report_is_written_and_the_studio_quits(
    tmp_path: Path, project: Path | None
) -> None:
    report = tmp_path / "startup.json"
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NNSTUDIO_STARTUP_REPORT": str(report),
        # Settings (recent files, layout) go to the temporary folder, not the user's.
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "HOME": str(tmp_path),
    }
    arguments = [] if project is None else [str(project)]
    result = subprocess.run(
        [sys.executable, "-m", "nnstudio", *arguments],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert set(data) == {"seconds"}
    assert isinstance(data["seconds"], float)
    assert 0.0 < data["seconds"] < 120.0


def test_seconds_since_process_start_is_positive_and_grows() -> None:
    from nnstudio.ui.app import seconds_since_process_start

    first = seconds_since_process_start()
    assert first > 0.0
    assert seconds_since_process_start() >= first
