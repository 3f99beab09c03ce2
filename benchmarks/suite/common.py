"""Shared pieces of the benchmark sections: settings, results, timing and project files."""

from __future__ import annotations

import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent.parent


@dataclass(frozen=True)
class Settings:
    """How long and how often a run measures.

    Attributes
    ----------
    quick : bool
        A smoke run: tiny durations and data sets; its numbers only show that every section
        works, they are not meaningful measurements.
    seconds : float
        Length of one timed round of a training-rate measurement.
    rounds : int
        Timed rounds per measurement; the best round counts (other programs on the machine
        only ever slow a round down).
    batches_per_epoch : int
        Size of the synthetic training sets, in mini-batches.
    studio_seconds : float
        How long the studio trains while it is measured.
    """

    quick: bool
    seconds: float
    rounds: int
    batches_per_epoch: int
    studio_seconds: float

    @classmethod
    def for_mode(cls, quick: bool) -> Settings:
        """The quick smoke-run settings or the full-run settings."""
        if quick:
            return cls(quick=True, seconds=0.05, rounds=1, batches_per_epoch=5, studio_seconds=0.5)
        return cls(quick=False, seconds=0.6, rounds=5, batches_per_epoch=100, studio_seconds=6.0)


@dataclass
class Target:
    """One target: ``value op limit`` (``op`` is ``">="`` or ``"<="``).

    ``value`` is ``None`` when it could not be measured (a peer library is missing).
    """

    name: str
    value: float | None
    op: str
    limit: float
    unit: str = ""

    @property
    def status(self) -> str:
        """``"PASS"``, ``"MISS"`` or ``"n/a"`` (not measured)."""
        if self.value is None or not math.isfinite(self.value):
            return "n/a"
        passed = self.value >= self.limit if self.op == ">=" else self.value <= self.limit
        return "PASS" if passed else "MISS"

    def describe(self) -> str:
        """E.g. ``"12.3× (target >= 10×)"``."""
        unit = self.unit
        value = "not measured" if self.value is None else f"{self.shown_value()}{unit}"
        return f"{value} (target {self.op} {format_number(self.limit)}{unit})"

    def shown_value(self) -> str:
        """The value as the tables show it, with more digits where that would read as the
        limit itself (29.9917 against >= 30 is "29.992", not "30.0" marked as missed)."""
        return value_beside_limit(self.value, self.limit)

    def as_dict(self) -> dict[str, Any]:
        return _jsonable({**asdict(self), "status": self.status})


def value_beside_limit(value: float | None, limit: float) -> str:
    """``format_number(value)``, or more significant digits when that text would equal the
    limit's although the value differs from it."""
    if value is None:
        return "not measured"
    text = format_number(value)
    if value == limit or text != format_number(limit):
        return text
    for digits in range(4, 17):
        text = f"{value:.{digits}g}"
        if float(text) != limit and text != f"{limit:.{digits}g}":
            return text
    return repr(float(value))


@dataclass
class Table:
    """A printable table: a title, column names and rows of cells (numbers or text)."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def render(self) -> str:
        """Plain-text rendering with aligned columns."""
        cells = [[format_number(cell) for cell in row] for row in self.rows]
        widths = [
            max([len(name)] + [len(row[i]) for row in cells]) for i, name in enumerate(self.columns)
        ]
        lines = [self.title]
        lines.append("  ".join(name.ljust(widths[i]) for i, name in enumerate(self.columns)))
        lines.append("  ".join("-" * width for width in widths))
        for row in cells:
            lines.append(
                "  ".join(
                    cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                    for i, cell in enumerate(row)
                )
            )
        return "\n".join(lines)

    def markdown(self) -> str:
        """GitHub-flavoured Markdown rendering."""
        lines = [f"**{self.title}**", ""]
        lines.append("| " + " | ".join(self.columns) + " |")
        lines.append("| " + " | ".join("---" for _ in self.columns) + " |")
        for row in self.rows:
            lines.append("| " + " | ".join(format_number(cell) for cell in row) + " |")
        return "\n".join(lines)


@dataclass
class SectionResult:
    """What one section measured.

    Attributes
    ----------
    name : str
    tables : list of Table
        For people: printed, and rendered into docs/performance.md.
    targets : list of Target
    notes : list of str
        How the numbers were obtained, peers that were skipped, fallbacks taken.
    data : dict
        Every number in machine-readable form (written to the JSON file).
    """

    name: str
    tables: list[Table] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "data": _jsonable(self.data),
            "tables": [
                {"title": t.title, "columns": t.columns, "rows": _jsonable(t.rows)}
                for t in self.tables
            ],
            "targets": [target.as_dict() for target in self.targets],
            "notes": list(self.notes),
        }


def _jsonable(value: Any) -> Any:
    """Plain JSON values: NumPy scalars become floats, NaN and inf become ``None``."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def format_number(value: Any) -> str:
    """A compact human rendering: three significant digits, thousands separators."""
    if value is None:
        return "–"
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        value = float(value)
        if not math.isfinite(value):
            return "–"
        magnitude = abs(value)
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude >= 100:
            return f"{value:.0f}"
        if magnitude >= 10:
            return f"{value:.1f}"
        if magnitude >= 1:
            return f"{value:.2f}"
        return f"{value:.3f}"
    return str(value)


def progress(text: str) -> None:
    """A line on stderr saying what is being measured (long sections print nothing else)."""
    print(f"  … {text}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


@dataclass
class Rate:
    """Training steps per second from timed loops.

    Attributes
    ----------
    steps_per_second : float
        Steps that did not end an epoch, divided by the wall time they took (loop overhead
        included, epoch-ending steps and their evaluation excluded).
    plain_steps, plain_seconds : int, float
        Those steps and that time.
    epoch_steps, epoch_seconds : int, float
        Steps that ended an epoch and the time they took.
    """

    steps_per_second: float
    plain_steps: int
    plain_seconds: float
    epoch_steps: int
    epoch_seconds: float

    @property
    def seconds(self) -> float:
        return self.plain_seconds + self.epoch_seconds

    @property
    def with_evaluation(self) -> float:
        """All steps divided by the whole wall time."""
        return (self.plain_steps + self.epoch_steps) / self.seconds if self.seconds else 0.0

    @property
    def evaluation_share(self) -> float:
        """Share of the wall time the epoch-end evaluations took beyond a normal step."""
        if self.steps_per_second <= 0 or self.seconds <= 0:
            return 0.0
        extra = self.epoch_seconds - self.epoch_steps / self.steps_per_second
        return max(0.0, extra) / self.seconds

    def merged(self, other: Rate) -> Rate:
        """Totals of both measurements, with the higher of their steps per second."""
        return Rate(
            steps_per_second=max(self.steps_per_second, other.steps_per_second),
            plain_steps=self.plain_steps + other.plain_steps,
            plain_seconds=self.plain_seconds + other.plain_seconds,
            epoch_steps=self.epoch_steps + other.epoch_steps,
            epoch_seconds=self.epoch_seconds + other.epoch_seconds,
        )


StepFunction = Callable[[], tuple[int, bool]]


def time_steps(step: StepFunction, seconds: float, *, min_calls: int = 3) -> Rate:
    """Call ``step`` repeatedly for ``seconds`` (and at least ``min_calls`` times).

    Parameters
    ----------
    step : callable
        Does some training and returns ``(steps done, whether an epoch ended)``.
    seconds : float
        Wall time to spend.
    min_calls : int
        Calls made however long they take.
    """
    clock = time.perf_counter
    plain_steps = epoch_steps = calls = 0
    epoch_seconds = 0.0
    started = clock()
    now = started
    while calls < min_calls or now - started < seconds:
        before = clock()
        done, ended = step()
        now = clock()
        calls += 1
        if ended:
            epoch_seconds += now - before
            epoch_steps += done
        else:
            plain_steps += done
    plain_seconds = (now - started) - epoch_seconds
    if plain_steps and plain_seconds > 0:
        rate = plain_steps / plain_seconds
    else:
        rate = (plain_steps + epoch_steps) / (now - started)
    return Rate(rate, plain_steps, plain_seconds, epoch_steps, epoch_seconds)


def best_rates(
    steppers: dict[str, StepFunction],
    seconds: float,
    rounds: int,
    before_round: Callable[[], None] | None = None,
) -> dict[str, Rate]:
    """Measure several step functions in interleaved rounds.

    Each one's steps per second is its best round (other programs only ever slow a round
    down); the evaluation share sums all rounds, so rounds without an epoch end do not hide
    it. Interleaving spreads any slowdown from other programs over all candidates, so their
    ratios stay meaningful on a busy machine. ``before_round`` (if given) runs at the start of
    every round, e.g. a reference measurement that should see the same conditions.
    """
    for step in steppers.values():
        time_steps(step, min(0.2, seconds), min_calls=2)  # warm-up: caches, lazy set-up
    totals: dict[str, Rate] = {}
    for _ in range(rounds):
        if before_round is not None:
            before_round()
        for name, step in steppers.items():
            rate = time_steps(step, seconds)
            totals[name] = totals[name].merged(rate) if name in totals else rate
    return totals


def gap_statistics(ticks: Sequence[float]) -> dict[str, float]:
    """Largest and 99th-percentile gap (ms) between consecutive timer ticks (seconds)."""
    if len(ticks) < 2:
        return {"max_gap_ms": math.nan, "p99_gap_ms": math.nan, "ticks": len(ticks)}
    gaps = np.diff(np.asarray(ticks)) * 1000.0
    return {
        "max_gap_ms": float(gaps.max()),
        "p99_gap_ms": float(np.percentile(gaps, 99)),
        "ticks": len(ticks),
    }


# --------------------------------------------------------------------------------------------
# Project files
# --------------------------------------------------------------------------------------------


def write_pixel_csv(path: Path, rows: int, features: int, classes: int = 10, seed: int = 0) -> Path:
    """A synthetic image-like classification CSV: integer "pixels" 0–255 and a label column.

    Parameters
    ----------
    path : Path
        The file to write.
    rows, features, classes : int
        Examples, pixel columns (784 for 28×28 images) and classes.
    seed : int
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, rows)
    # Class-dependent brightness, so the network has something to learn.
    pixels = rng.integers(0, 200, (rows, features)) + (labels[:, None] * 5)
    header = ",".join([f"p{i}" for i in range(features)] + ["label"])
    np.savetxt(
        path,
        np.column_stack([pixels, labels]),
        fmt="%d",
        delimiter=",",
        header=header,
        comments="",
    )
    return path


def layers_json(
    hidden: Sequence[tuple[int, str]], outputs: int, output_activation: str
) -> list[dict[str, Any]]:
    """The ``network.layers`` list of a project file."""
    layers = [
        {
            "units": units,
            "activation": activation,
            "init": "he_normal" if activation == "relu" else "xavier_normal",
        }
        for units, activation in hidden
    ]
    layers.append({"units": outputs, "activation": output_activation, "init": "xavier_normal"})
    return layers


def write_project(
    folder: Path,
    name: str,
    data: dict[str, Any],
    inputs: int,
    layers: list[dict[str, Any]],
    loss: str,
    batch_size: int,
) -> Path:
    """Write a ``.nnproj`` training with heavy-ball momentum (lr 0.01, β 0.9) until stopped.

    Returns
    -------
    Path
        The project file.
    """
    project = {
        "nnstudio": 1,
        "name": name,
        "data": data,
        "network": {"inputs": inputs, "layers": layers},
        "loss": loss,
        "training": {
            "optimizer": "heavy_ball",
            "learning_rate": 0.01,
            "momentum": 0.9,
            "batch_size": batch_size,
            "epochs": 1_000_000,
            "shuffle": True,
            "seed": 0,
            "dtype": "float32",
        },
    }
    path = folder / f"{name}.nnproj"
    path.write_text(json.dumps(project, indent=1), encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------
# The machine
# --------------------------------------------------------------------------------------------


def _package_version(*names: str) -> str | None:
    from importlib import metadata

    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def machine_info() -> dict[str, Any]:
    """CPU, cores, memory, BLAS and library versions of this machine."""
    info: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform()}
    cpu: str | None = None
    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and cpu is None:
                cpu = value.strip()
            if key.strip() == "flags" and not flags:
                flags = set(value.split())
    except OSError:
        pass
    info["cpu"] = cpu or platform.processor() or platform.machine()
    info["simd"] = " ".join(f for f in ("avx2", "fma", "avx512f") if f in flags) or None
    info["logical_cores"] = os.cpu_count()
    if hasattr(os, "sched_getaffinity"):
        info["usable_cores"] = len(os.sched_getaffinity(0))
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                info["ram_gib"] = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    info["numpy"] = np.__version__
    info["blas"] = _blas_description()
    # OpenBLAS reads these when it loads (OPENBLAS_CORETYPE overrides the kernels it would
    # choose for the CPU), so they belong to the description of the machine.
    info["blas_environment"] = {
        name: value for name, value in sorted(os.environ.items()) if name.startswith("OPENBLAS_")
    }
    info["pytorch"] = _package_version("torch")
    info["scikit-learn"] = _package_version("scikit-learn")
    info["PySide6"] = _package_version("PySide6-Essentials", "PySide6")
    info["pyqtgraph"] = _package_version("pyqtgraph")
    info["threadpoolctl"] = _package_version("threadpoolctl")
    return info


def _blas_description() -> str:
    """NumPy's BLAS as numpy.show_config and threadpoolctl describe it."""
    parts: list[str] = []
    try:
        config = np.show_config(mode="dicts")
        blas = config.get("Build Dependencies", {}).get("blas", {})
        if blas:
            parts.append(f"{blas.get('name', '?')} {blas.get('version', '')}".strip())
    except (TypeError, ValueError, AttributeError):
        pass
    try:
        from threadpoolctl import threadpool_info

        for entry in threadpool_info():
            if entry.get("user_api") == "blas" and "numpy" in str(entry.get("filepath", "")):
                parts.append(
                    f"{entry.get('internal_api')} {entry.get('version')} "
                    f"({entry.get('threading_layer')} threads, "
                    f"{entry.get('architecture')} kernels)"
                )
    except ImportError:
        pass
    return "; ".join(parts) or "unknown"
