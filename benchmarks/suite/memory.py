"""Section ``memory``: no allocation growth per step, and the peak RSS of a training run.

(a) ``tracemalloc`` traces every Python and NumPy allocation over many ``Trainer.step()``
calls after a warm-up. The trainer keeps per-step records (batch loss and gradient norms) in
buffers that grow geometrically up to a fixed cap (see ``nnstudio.engine.trainer``); growth
allocated inside those buffers is reported on its own, every other byte that is still
allocated after the steps counts as growth.

(b) A fresh subprocess imports NumPy and nnstudio, resets the kernel's peak-RSS counter,
reads its RSS (the baseline), builds the data, network and trainer, trains one epoch (which
includes the epoch-end evaluation of the whole training set) and reads the peak RSS. The
growth (peak minus baseline) is compared with twice the bytes that must exist: the data, the
parameters, the optimizer state and one mini-batch of activations.
"""

from __future__ import annotations

import ast
import gc
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from suite.common import REPO, SectionResult, Settings, Table, Target
from suite.engine import CONFIGS, NetworkConfig, engine_stepper, make_data

#: Growth outside the bounded step records may be at most this many bytes per step.
GROWTH_PER_STEP_LIMIT = 1.0
#: The peak RSS growth may be at most this multiple of the bytes that must exist.
RSS_FACTOR = 2.0


def _record_buffer_lines() -> tuple[str, list[tuple[int, int]]]:
    """File and line ranges of the trainer's bounded record buffers (class ``_Series``)."""
    import nnstudio.engine.trainer as trainer_module

    path = str(Path(trainer_module.__file__).resolve())
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    ranges = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == "_Series"
    ]
    return path, ranges


def allocation_growth(config: NetworkConfig, batches: int, warmup: int, steps: int) -> dict:
    """Bytes still allocated after ``steps`` training steps, with and without step records."""
    data = make_data(config, batches)
    step = engine_stepper(config, data)
    path, ranges = _record_buffer_lines()
    # Tracing starts before the warm-up, so objects the steps replace (the latest metrics,
    # the epoch's order) are traced on both sides and cancel out.
    tracemalloc.start(32)
    try:
        with threadpool_limits(limits=1):
            for _ in range(warmup):
                step()
            gc.collect()
            before = tracemalloc.take_snapshot()
            for _ in range(steps):
                step()
            gc.collect()
            after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    before, after = before.filter_traces(ignore), after.filter_traces(ignore)

    def in_records(traceback: tracemalloc.Traceback) -> bool:
        return any(
            str(Path(frame.filename).resolve()) == path
            and any(low <= frame.lineno <= high for low, high in ranges)
            for frame in traceback
        )

    def split(snapshot: tracemalloc.Snapshot) -> tuple[int, int]:
        """Traced bytes inside and outside the step records."""
        inside = outside = 0
        for trace in snapshot.traces:
            if in_records(trace.traceback):
                inside += trace.size
            else:
                outside += trace.size
        return inside, outside

    # Whole totals, not per-site differences: an object replaced by one allocated from
    # another call stack moves between sites but does not grow memory.
    records_before, other_before = split(before)
    records_after, other_after = split(after)
    records = records_after - records_before
    other = other_after - other_before
    return {
        "warmup_steps": warmup,
        "steps": steps,
        "step_record_bytes": records,
        "other_bytes": other,
        "other_bytes_per_step": other / steps,
    }


_CHILD = r"""
import json, os, sys, gc
sys.path.insert(0, {suite!r})
sys.path.insert(1, {repo!r})
import numpy as np
from threadpoolctl import threadpool_limits
from suite.engine import CONFIGS, engine_stepper, make_data

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)

config = CONFIGS[{index}]
gc.collect()
try:  # "5" resets the peak RSS (VmHWM) to the current RSS
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")
    reset = True
except OSError:
    reset = False
baseline = status("VmRSS")
with threadpool_limits(limits=1):
    data = make_data(config, {batches})
    step = engine_stepper(config, data)
    for _ in range({batches}):
        step()
peak = status("VmHWM")
trainer_data = data.X.nbytes + data.Y.nbytes
print(json.dumps({{"baseline": baseline, "peak": peak, "reset": reset, "data": trainer_data}}))
"""


def required_bytes(config: NetworkConfig, rows: int) -> dict[str, int]:
    """Bytes that must exist to train ``config`` on ``rows`` float32 examples.

    ``data``: inputs and targets; ``parameters``: weights and biases; ``optimizer``: one
    velocity per parameter (heavy-ball momentum); ``activations``: the pre-activations and
    outputs of every layer for one mini-batch, plus the batch's inputs.
    """
    from nnstudio.engine.network import Network
    from nnstudio.spec import LayerSpec, NetworkSpec

    layers = [
        LayerSpec(units, act)
        for units, act in zip(config.sizes[1:-1], config.hidden_activations, strict=True)
    ]
    layers.append(LayerSpec(config.sizes[-1], config.output_activation))
    network = Network.from_spec(NetworkSpec(config.sizes[0], tuple(layers)), config.loss)
    parameters = sum(W.nbytes + b.nbytes for W, b in network.params)
    batch = np.zeros((config.batch, config.sizes[0]), dtype=np.float32)
    forward = network.forward(batch, training=True)
    activations = sum(a.nbytes for a in forward.A) + sum(z.nbytes for z in forward.Z)
    item = np.dtype(np.float32).itemsize
    data = rows * (config.sizes[0] + config.sizes[-1]) * item
    return {
        "data": data,
        "parameters": parameters,
        "optimizer": parameters,
        "activations": activations,
    }


def peak_rss(config_index: int, batches: int) -> dict[str, Any]:
    """Run one epoch of ``CONFIGS[config_index]`` in a fresh process; RSS numbers in bytes."""
    code = _CHILD.format(
        suite=str(Path(__file__).resolve().parent.parent),
        repo=str(REPO),
        index=config_index,
        batches=batches,
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the peak-RSS subprocess failed:\n{completed.stderr}")
    measured = json.loads(completed.stdout.strip().splitlines()[-1])
    config = CONFIGS[config_index]
    needed = required_bytes(config, batches * config.batch)
    growth = measured["peak"] - measured["baseline"]
    budget = RSS_FACTOR * sum(needed.values())
    return {
        **measured,
        **{f"needed_{k}": v for k, v in needed.items()},
        "growth": growth,
        "budget": budget,
        "growth_over_needed": growth / sum(needed.values()),
    }


def run_memory(settings: Settings, context: dict[str, Any]) -> SectionResult:
    """Allocation growth per step and the peak RSS of one epoch."""
    result = SectionResult("memory")
    # (network, batches per epoch, warm-up epochs, measured epochs). Whole epochs, so the
    # trainer is at the same point of an epoch (e.g. holding its shuffled order) at both ends.
    if settings.quick:
        growth_cases = [(CONFIGS[0], 10, 2, 5), (CONFIGS[3], 10, 2, 3)]
    else:
        growth_cases = [(CONFIGS[0], 100, 3, 50), (CONFIGS[3], 100, 3, 10)]
    growth_table = Table(
        "(a) Bytes still allocated after the steps (tracemalloc, after a warm-up)",
        [
            "network/batch",
            "warm-up steps",
            "steps",
            "in step records",
            "elsewhere",
            "elsewhere per step",
        ],
    )
    growth_data: dict[str, Any] = {}
    for config, batches, warmup, epochs in growth_cases:
        grown = allocation_growth(config, batches, warmup * batches, epochs * batches)
        growth_data[config.label] = grown
        growth_table.rows.append(
            [
                config.label,
                grown["warmup_steps"],
                grown["steps"],
                grown["step_record_bytes"],
                grown["other_bytes"],
                grown["other_bytes_per_step"],
            ]
        )
        result.targets.append(
            Target(
                f"allocation growth per step outside the step records, {config.label}",
                grown["other_bytes_per_step"],
                "<=",
                GROWTH_PER_STEP_LIMIT,
                " B",
            )
        )
    result.tables.append(growth_table)

    rss_cases = [(3, 10 if settings.quick else 300), (4, 4 if settings.quick else 100)]
    rss_table = Table(
        "(b) Peak RSS growth over the baseline after imports, one epoch in a fresh process (MB)",
        [
            "network/batch",
            "rows",
            "data",
            "parameters",
            "optimizer",
            "batch activations",
            "needed",
            "peak growth",
            "growth ÷ needed",
        ],
    )
    rss_data: dict[str, Any] = {}
    mb = 1e6
    for index, batches in rss_cases:
        config = CONFIGS[index]
        measured = peak_rss(index, batches)
        rss_data[config.label] = measured
        needed = sum(
            measured[f"needed_{k}"] for k in ("data", "parameters", "optimizer", "activations")
        )
        rss_table.rows.append(
            [
                config.label,
                batches * config.batch,
                measured["needed_data"] / mb,
                measured["needed_parameters"] / mb,
                measured["needed_optimizer"] / mb,
                measured["needed_activations"] / mb,
                needed / mb,
                measured["growth"] / mb,
                measured["growth_over_needed"],
            ]
        )
        result.targets.append(
            Target(
                f"peak RSS growth ÷ needed bytes, {config.label}",
                measured["growth_over_needed"],
                "<=",
                RSS_FACTOR,
                "×",
            )
        )
        if not measured["reset"]:
            result.notes.append(
                "The kernel did not allow resetting the peak RSS: the peak includes the imports."
            )
    result.tables.append(rss_table)
    result.notes.append(
        "(a) counts bytes allocated during the timed steps and still alive afterwards; the "
        "trainer's per-step records (bounded, thinned beyond 200,000 steps) are shown apart."
    )
    result.notes.append(
        "(b) growth = VmHWM after one epoch (peak reset through /proc/self/clear_refs after "
        "the imports) minus VmRSS after the imports; needed = float32 data + parameters + "
        "optimizer velocity + one batch of inputs, pre-activations and outputs."
    )
    result.data = {"allocation_growth": growth_data, "peak_rss": rss_data}
    return result
