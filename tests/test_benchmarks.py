"""``benchmarks/run.py --quick`` runs every section and records numbers for each.

Timings are never asserted: only that the benchmark runner works end to end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SECTIONS = ("engine", "gemm", "memory", "studio", "canvas", "heatmaps", "startup")


def _numbers(value: Any) -> list[float]:
    """Every int or float (not bool) anywhere in a JSON value."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [number for item in value.values() for number in _numbers(item)]
    if isinstance(value, list):
        return [number for item in value for number in _numbers(item)]
    return []


@pytest.mark.slow
def test_quick_run_reports_numbers_for_every_section(tmp_path: Path) -> None:
    results = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "benchmarks" / "run.py"), "--quick", "--json", results],
        cwd=REPO_ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    report = json.loads(results.read_text(encoding="utf-8"))
    assert report["errors"] == {}
    assert sorted(report["sections"]) == sorted(SECTIONS)
    for name, section in report["sections"].items():
        assert _numbers(section["data"]), f"section {name} recorded no numbers"
        assert section["tables"] and all(table["rows"] for table in section["tables"]), name
        for target in section["targets"]:
            assert target["status"] in ("PASS", "MISS", "n/a"), target
    assert "targets met" in completed.stdout
