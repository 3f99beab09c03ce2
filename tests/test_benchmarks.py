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


def test_heatmap_refresh_rate_counts_the_beats_of_the_frames_shown() -> None:
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    try:
        from suite.studio import beat_rate
    finally:
        sys.path.remove(str(REPO_ROOT / "benchmarks"))

    class Shown:
        def __init__(self, beat: float) -> None:
            self.beat = beat

    interval = 1.0 / 30.0
    beats = [1000.0]
    for _ in range(90):
        beats.append(beats[-1] + interval)
    # Every frame of the 30-a-second beat shown: 30 exactly, however late each arrived.
    assert beat_rate([Shown(beat) for beat in beats]) == 30.0
    # One frame in ten missed: the rate drops though the remaining frames are on the beat.
    shown = [Shown(beat) for index, beat in enumerate(beats) if index % 10 != 5]
    assert beat_rate(shown) == pytest.approx(81 / 3.0)
    # Frames built outside a run have no beat; fewer than two beats give no rate.
    assert beat_rate([Shown(float("nan")), Shown(beats[0])]) is None


def test_a_missed_target_never_reads_as_its_limit() -> None:
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    try:
        from suite.common import Target
    finally:
        sys.path.remove(str(REPO_ROOT / "benchmarks"))

    # 29.9917 Hz against >= 30 Hz was printed "30.0 Hz (target >= 30.0 Hz)" and MISS.
    missed = Target("heatmap refreshes", 29.991738, ">=", 30.0, " Hz")
    assert missed.status == "MISS"
    assert missed.describe() == "29.99 Hz (target >= 30.0 Hz)"
    # Just over a <= limit, too; values clear of the limit keep their short form.
    assert Target("slowdown", 2.2004, "<=", 2.2, "×").describe().startswith("2.2004×")
    assert Target("share", 0.808, ">=", 0.85).describe().startswith(format_short(0.808))
    assert Target("rate", 30.0, ">=", 30.0, " Hz").describe() == "30.0 Hz (target >= 30.0 Hz)"


def format_short(value: float) -> str:
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    try:
        from suite.common import format_number
    finally:
        sys.path.remove(str(REPO_ROOT / "benchmarks"))
    return format_number(value)
