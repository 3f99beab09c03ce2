"""Section ``startup``: process start to the first painted window with the sample loaded.

The studio reports this itself: with ``NNSTUDIO_STARTUP_REPORT=<file>`` in the environment,
``nnstudio`` writes ``{"seconds": S}`` to the file once the window with its startup sample
has painted, and quits. If no report appears, the section falls back to timing, from the
parent, a subprocess that takes the same steps through public API (create the application,
create ``MainWindow(startup=Startup())``, show it, ``finish_startup()``, wait for the first
paint) and says so.

The first run warms the disk and bytecode caches and is not counted; the median of the warm
runs is.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from suite.common import REPO, SectionResult, Settings, Table, Target

#: Median warm start-up (seconds), at most.
STARTUP_SECONDS = 1.5
#: How long one start may take before it is abandoned (seconds).
START_LIMIT = 60.0

_FALLBACK = r"""
import sys
sys.path.insert(0, {repo!r})
from nnstudio.engine.threads import limit_blas_threads
limit_blas_threads()
from nnstudio.ui.app import create_application
from nnstudio.ui.qt import QtCore
app = create_application()
from nnstudio.ui.main_window import MainWindow, Startup

class FirstPaint(QtCore.QObject):
    def eventFilter(self, watched, event):
        if event.type() == QtCore.QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QtCore.QTimer.singleShot(0, painted)
        return False

def painted():
    print("painted", flush=True)
    window.shutdown()
    app.quit()

window = MainWindow(startup=Startup())
window.show()
window.finish_startup()
watcher = FirstPaint(window)
window.installEventFilter(watcher)
app.exec()
"""


def _environment(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = env.get("QT_QPA_PLATFORM", "offscreen")
    # Window layout and recent files go to a scratch folder, not the user's settings.
    env["XDG_CONFIG_HOME"] = str(folder / "config")
    env.pop("NNSTUDIO_STARTUP_REPORT", None)
    # A warm start uses compiled bytecode as an installed program does: the first, uncounted
    # run writes it, even where the calling environment turned that off.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def reported_start(folder: Path, index: int) -> float | None:
    """Run ``python -m nnstudio`` with a start-up report; its seconds, or ``None``."""
    report = folder / f"startup-{index}.json"
    env = _environment(folder)
    env["NNSTUDIO_STARTUP_REPORT"] = str(report)
    process = subprocess.Popen(
        [sys.executable, "-m", "nnstudio"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        process.wait(timeout=START_LIMIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if not report.exists():
        return None
    try:
        return float(json.loads(report.read_text(encoding="utf-8"))["seconds"])
    except (ValueError, KeyError, TypeError):
        return None


def measured_start(folder: Path) -> float:
    """Wall time from launching a subprocess to its report of the first paint (seconds)."""
    code = _FALLBACK.format(repo=str(REPO))
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=_environment(folder),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    seconds = time.perf_counter() - started
    try:
        process.wait(timeout=START_LIMIT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    if line.strip() != "painted":
        raise RuntimeError("the start-up subprocess ended without painting its window")
    return seconds


def run_startup(settings: Settings, context: dict[str, Any]) -> SectionResult:
    """Median warm start-up time of the studio."""
    result = SectionResult("startup")
    # The quick run starts the studio once and lets that start stand for the warm ones.
    warm_runs = 0 if settings.quick else 4
    with tempfile.TemporaryDirectory(prefix="nnstudio-bench-") as folder_name:
        folder = Path(folder_name)
        cold = reported_start(folder, 0)
        method = "NNSTUDIO_STARTUP_REPORT"
        if cold is None:
            method = "fallback"
            cold = measured_start(folder)
        warm: list[float] = [] if warm_runs else [cold]
        for index in range(1, warm_runs + 1):
            seconds = reported_start(folder, index) if method != "fallback" else None
            if seconds is None:
                method = "fallback"
                seconds = measured_start(folder)
            warm.append(seconds)
    median = statistics.median(warm)
    result.tables.append(
        Table(
            "Process start to the first painted window with the spiral sample (seconds)",
            ["measured by", "cold run", "warm runs", "warm median", "fastest warm run"],
            [[method, cold, " ".join(f"{s:.2f}" for s in warm), median, min(warm)]],
        )
    )
    if method == "fallback":
        result.notes.append(
            "nnstudio wrote no NNSTUDIO_STARTUP_REPORT file, so the time is the wall time "
            "from launching a subprocess that creates the application, shows MainWindow and "
            "opens the startup sample, to its message after the first paint."
        )
    else:
        result.notes.append(
            "Seconds reported by `python -m nnstudio` itself (NNSTUDIO_STARTUP_REPORT): from "
            "the process's start time in /proc to the end of the window's first paint with "
            "the sample loaded; offscreen, with a fresh settings folder."
        )
    result.targets.append(Target("median warm start-up", median, "<=", STARTUP_SECONDS, " s"))
    result.data = {"method": method, "cold_seconds": cold, "warm_seconds": warm, "median": median}
    return result
