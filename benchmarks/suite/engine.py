"""Sections ``engine`` and ``gemm``: training steps per second against PyTorch and scikit-learn.

nnstudio is measured through its public engine API exactly as the studio trains:
``Trainer(Network.from_spec(...), TrainingSpec(...), X, Y, task=...)`` and ``trainer.step()``
in a loop. Every library trains the same layer sizes in float32 with one BLAS thread, with
heavy-ball momentum (``v = 0.9 v + g``, ``θ -= 0.01 v``), on a synthetic training set of
``batches_per_epoch`` mini-batches that is reshuffled every epoch.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from suite.common import (
    Rate,
    SectionResult,
    Settings,
    StepFunction,
    Table,
    Target,
    best_rates,
    progress,
)

#: Learning rate and momentum every library trains with.
LEARNING_RATE = 0.01
MOMENTUM = 0.9
#: Side of the square matrices whose product measures the GEMM rate.
GEMM_SIZE = 2048
QUICK_GEMM_SIZE = 256


@dataclass(frozen=True)
class NetworkConfig:
    """One benchmark network.

    Attributes
    ----------
    sizes : tuple of int
        Layer widths including the inputs, e.g. ``(2, 8, 8, 1)``.
    batch : int
        Mini-batch size.
    hidden_activations : tuple of str
        One per hidden layer.

    A single output is a linear unit trained with mean squared error (regression); several
    outputs are a softmax trained with cross-entropy (classification).
    """

    sizes: tuple[int, ...]
    batch: int
    hidden_activations: tuple[str, ...]

    @property
    def label(self) -> str:
        """E.g. ``"784-128-64-10/64"`` (sizes / batch)."""
        return "-".join(map(str, self.sizes)) + f"/{self.batch}"

    @property
    def regression(self) -> bool:
        return self.sizes[-1] == 1

    @property
    def task(self) -> str:
        return "regression" if self.regression else "classification"

    @property
    def loss(self) -> str:
        return "mse" if self.regression else "categorical_crossentropy"

    @property
    def output_activation(self) -> str:
        return "identity" if self.regression else "softmax"

    def flops_per_step(self) -> float:
        """Multiply-add FLOPs of one step's matrix products.

        Forward ``A W``, weight gradient ``Aᵀ dZ`` and input gradient ``dZ Wᵀ`` cost
        ``2 · batch · fan_in · fan_out`` each; the first layer needs no input gradient.
        """
        total = 0.0
        for index, (fan_in, fan_out) in enumerate(itertools.pairwise(self.sizes)):
            products = 2 if index == 0 else 3
            total += products * 2.0 * self.batch * fan_in * fan_out
        return total


CONFIGS: tuple[NetworkConfig, ...] = (
    NetworkConfig((2, 8, 8, 1), 10, ("tanh", "tanh")),
    NetworkConfig((2, 16, 16, 2), 32, ("tanh", "relu")),
    NetworkConfig((64, 64, 10), 32, ("tanh",)),
    NetworkConfig((784, 128, 64, 10), 64, ("tanh", "relu")),
    NetworkConfig((784, 256, 128, 10), 512, ("tanh", "relu")),
)
#: The network whose FLOP rate is compared with the GEMM rate, and which also runs on two
#: threads.
BIG = CONFIGS[-1]
#: Minimum speed-up over PyTorch per network (single thread).
TORCH_TARGETS = {"2-8-8-1/10": 10.0, "64-64-10/32": 8.0, "784-128-64-10/64": 2.0}
#: float64 may be at most this many times slower than float32.
FLOAT64_SLOWDOWN = 2.2
#: Share of the single-thread GEMM rate (timed like the steps) the big network must reach.
GEMM_SHARE = 0.85


# --------------------------------------------------------------------------------------------
# Data and the three libraries
# --------------------------------------------------------------------------------------------


@dataclass
class Data:
    """A synthetic training set for one network.

    Attributes
    ----------
    X : ndarray, float32, shape (m, n_inputs)
    Y : ndarray, float32, shape (m, n_outputs)
        One-hot classes, or the regression target.
    labels : ndarray of int, shape (m,)
        Class labels (classification) or zeros.
    """

    X: np.ndarray
    Y: np.ndarray
    labels: np.ndarray


def make_data(config: NetworkConfig, batches: int, seed: int = 0) -> Data:
    """``batches`` mini-batches of random inputs with learnable targets."""
    rng = np.random.default_rng(seed)
    rows = batches * config.batch
    X = rng.standard_normal((rows, config.sizes[0]), dtype=np.float32)
    if config.regression:
        Y = (np.sin(X[:, :1]) * X[:, -1:]).astype(np.float32)
        return Data(X, Y, np.zeros(rows, dtype=np.int64))
    classes = config.sizes[-1]
    # Balanced classes in random order, so every chunk sees every class.
    labels = rng.permutation(np.arange(rows) % classes)
    X[:, 0] += labels.astype(np.float32)
    Y = np.eye(classes, dtype=np.float32)[labels]
    return Data(X, Y, labels)


def engine_stepper(config: NetworkConfig, data: Data, dtype: str = "float32") -> StepFunction:
    """One ``Trainer.step()`` per call; reports whether the step ended an epoch."""
    from nnstudio.engine.network import Network
    from nnstudio.engine.trainer import Trainer
    from nnstudio.spec import LayerSpec, NetworkSpec, TrainingSpec

    layers = [
        LayerSpec(units, activation, init="he_normal" if activation == "relu" else "xavier_normal")
        for units, activation in zip(config.sizes[1:-1], config.hidden_activations, strict=True)
    ]
    layers.append(LayerSpec(config.sizes[-1], config.output_activation))
    spec = NetworkSpec(inputs=config.sizes[0], layers=tuple(layers))
    network = Network.from_spec(spec, config.loss, seed=0, dtype=dtype)
    training = TrainingSpec(
        optimizer="heavy_ball",
        learning_rate=LEARNING_RATE,
        momentum=MOMENTUM,
        batch_size=config.batch,
        epochs=None,
        shuffle=True,
        seed=0,
        dtype=dtype,
    )
    trainer = Trainer(network, training, data.X, data.Y, task=config.task)

    def step() -> tuple[int, bool]:
        epoch = trainer.epoch
        trainer.step()
        if trainer.status == "diverged":
            raise RuntimeError(f"nnstudio diverged on {config.label}: {trainer.snapshot().message}")
        return 1, trainer.epoch != epoch

    return step


def torch_stepper(config: NetworkConfig, data: Data, torch: Any) -> StepFunction:
    """One PyTorch step per call: shuffled batch, forward, backward, ``SGD(momentum=0.9)``."""
    torch.manual_seed(0)
    modules: list[Any] = []
    activations = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(config.sizes)):
        modules.append(torch.nn.Linear(fan_in, fan_out))
        if index < len(config.hidden_activations):
            modules.append(activations[config.hidden_activations[index]]())
    model = torch.nn.Sequential(*modules)
    X = torch.from_numpy(data.X)
    if config.regression:
        targets = torch.from_numpy(data.Y)
        loss_function = torch.nn.MSELoss()
    else:
        targets = torch.from_numpy(data.labels)
        # Softmax and cross-entropy fused on the logits, as the engine fuses them.
        loss_function = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    rows = X.shape[0]
    state = {"position": 0, "order": torch.randperm(rows)}

    def step() -> tuple[int, bool]:
        start = state["position"]
        if start == 0:
            state["order"] = torch.randperm(rows)
        index = state["order"][start : start + config.batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_function(model(X[index]), targets[index])
        loss.backward()
        optimizer.step()
        loss.item()  # the engine reads every step's loss too
        state["position"] = 0 if start + config.batch >= rows else start + config.batch
        return 1, False

    return step


#: scikit-learn runs its own mini-batch loop over this many batches per ``fit`` call.
SKLEARN_CHUNK_BATCHES = 10


def sklearn_stepper(config: NetworkConfig, data: Data) -> tuple[StepFunction, str]:
    """scikit-learn's own mini-batch loop over chunks of the data; returns the step function
    and the hidden activation it used (it takes one for every hidden layer)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    kinds = set(config.hidden_activations)
    activation = kinds.pop() if len(kinds) == 1 else "relu"
    options = {
        "hidden_layer_sizes": config.sizes[1:-1],
        "activation": activation,
        "solver": "sgd",
        "learning_rate": "constant",
        "learning_rate_init": LEARNING_RATE,
        "momentum": MOMENTUM,
        "nesterovs_momentum": False,
        "alpha": 0.0,
        "batch_size": config.batch,
        "max_iter": 1,
        "shuffle": True,
        "random_state": 0,
        "warm_start": True,
        "tol": 0.0,
        "n_iter_no_change": 10**9,
    }
    model = MLPRegressor(**options) if config.regression else MLPClassifier(**options)
    targets = data.Y[:, 0] if config.regression else data.labels
    rows = data.X.shape[0]
    chunk = min(SKLEARN_CHUNK_BATCHES, rows // config.batch) * config.batch
    starts = itertools.cycle(range(0, rows - chunk + 1, chunk))

    def step() -> tuple[int, bool]:
        start = next(starts)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(data.X[start : start + chunk], targets[start : start + chunk])
        return chunk // config.batch, False

    return step, activation


def import_torch() -> Any | None:
    try:
        import torch
    except ImportError:
        return None
    return torch


def sklearn_available() -> bool:
    try:
        import sklearn.neural_network  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def thread_count(threads: int, torch: Any | None) -> Iterator[None]:
    """Limit every BLAS and OpenMP pool (and PyTorch's intra-op pool) to ``threads``."""
    previous = torch.get_num_threads() if torch is not None else None
    with threadpool_limits(limits=threads):
        if torch is not None:
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            if torch is not None and previous is not None:
                torch.set_num_threads(previous)


def _square_operands(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    A = rng.standard_normal((size, size), dtype=np.float32)
    B = rng.standard_normal((size, size), dtype=np.float32)
    return A, B, np.empty((size, size), dtype=np.float32)


def gemm_rate(size: int, threads: int, repeats: int = 5) -> float:
    """Best float32 FLOP rate of ``size``×``size`` matrix products with ``threads`` threads."""
    A, B, C = _square_operands(size)
    with threadpool_limits(limits=threads, user_api="blas"):
        np.matmul(A, B, out=C)
        best = math.inf
        for _ in range(repeats):
            started = time.perf_counter()
            np.matmul(A, B, out=C)
            best = min(best, time.perf_counter() - started)
    return 2.0 * size**3 / best


def gemm_stepper(size: int) -> StepFunction:
    """One ``size``×``size`` float32 product per call, timed like a training step.

    Measured among the training steps by :func:`~suite.common.best_rates` (same rounds, same
    clock, best round), its products per second times ``2 size³`` is the sustained GEMM rate
    that a training step's FLOP rate is compared with. (The thread count is the caller's.)
    """
    A, B, C = _square_operands(size)

    def step() -> tuple[int, bool]:
        np.matmul(A, B, out=C)
        return 1, False

    return step


def _record_gemm_rate(rates: list[float], size: int, threads: int = 1) -> None:
    rates.append(gemm_rate(size, threads, repeats=3))


# --------------------------------------------------------------------------------------------
# The sections
# --------------------------------------------------------------------------------------------


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def run_engine(settings: Settings, context: dict[str, Any]) -> SectionResult:
    """Steps per second of nnstudio, PyTorch and scikit-learn on the five networks."""
    result = SectionResult("engine")
    torch = import_torch()
    has_sklearn = sklearn_available()
    if torch is None:
        result.notes.append("PyTorch is not importable: its columns are skipped.")
    if not has_sklearn:
        result.notes.append("scikit-learn is not importable: its columns are skipped.")
    gemm_size = QUICK_GEMM_SIZE if settings.quick else GEMM_SIZE
    main = Table(
        "Training steps per second (1 thread, float32; best of "
        f"{settings.rounds} rounds of {settings.seconds:g} s)",
        [
            "network/batch",
            "nnstudio",
            "PyTorch",
            "sklearn",
            "÷ PyTorch",
            "÷ sklearn",
            "eval share",
            "nnstudio float64",
            "f32 ÷ f64",
        ],
    )
    rows: dict[str, dict[str, Any]] = {}
    sklearn_activations: dict[str, str] = {}
    big: dict[str, Any] = {}
    for config in CONFIGS:
        progress(f"engine: {config.label}")
        data = make_data(config, settings.batches_per_epoch)
        steppers: dict[str, StepFunction] = {
            "nnstudio": engine_stepper(config, data),
            "nnstudio_float64": engine_stepper(config, data, "float64"),
        }
        if torch is not None:
            steppers["pytorch"] = torch_stepper(config, data, torch)
        if has_sklearn:
            steppers["sklearn"], sklearn_activations[config.label] = sklearn_stepper(config, data)
        gemm_rates: list[float] = []
        before_round: Callable[[], None] | None = None
        if config is BIG:
            # The GEMM is timed as one more candidate of the same rounds, under the same load
            # and by the same rule as the steps (the best round's rate); the fastest single
            # product of each round is kept for reference.
            steppers["gemm"] = gemm_stepper(gemm_size)
            before_round = functools.partial(_record_gemm_rate, gemm_rates, gemm_size)
        with thread_count(1, torch):
            rates = best_rates(steppers, settings.seconds, settings.rounds, before_round)
        row = _engine_row(rates)
        rows[config.label] = row
        main.rows.append(
            [
                config.label,
                row["nnstudio"],
                row.get("pytorch"),
                row.get("sklearn"),
                row.get("vs_pytorch"),
                row.get("vs_sklearn"),
                f"{100 * row['evaluation_share']:.1f} %",
                row["nnstudio_float64"],
                row["float32_over_float64"],
            ]
        )
        if config is BIG:
            big = _big_network(config, data, rates, max(gemm_rates), torch, settings)
    result.tables.append(main)

    flops = Table(
        f"{BIG.label}: FLOP rate against the GEMM rate measured in the same rounds "
        f"({big['gemm_size']}×{big['gemm_size']} products, best round; and the fastest "
        "single product)",
        [
            "threads",
            "nnstudio steps/s",
            "PyTorch steps/s",
            "÷ PyTorch",
            "nnstudio GFLOP/s",
            "GEMM GFLOP/s",
            "share of GEMM",
            "fastest product GFLOP/s",
            "share of fastest",
        ],
    )
    for threads in (1, 2):
        flops.rows.append(
            [
                threads,
                big[f"steps_{threads}"],
                big.get(f"pytorch_steps_{threads}"),
                big.get(f"vs_pytorch_{threads}"),
                big[f"gflops_{threads}"],
                big[f"gemm_gflops_{threads}"],
                f"{100 * big[f'gemm_share_{threads}']:.1f} %",
                big[f"gemm_best_product_gflops_{threads}"],
                f"{100 * big[f'gemm_best_product_share_{threads}']:.1f} %",
            ]
        )
    result.tables.append(flops)
    context["big_network"] = big

    for label, minimum in TORCH_TARGETS.items():
        result.targets.append(
            Target(
                f"nnstudio ÷ PyTorch, {label}", rows[label].get("vs_pytorch"), ">=", minimum, "×"
            )
        )
    result.targets.append(
        Target(
            f"nnstudio ÷ PyTorch at 2 threads each, {BIG.label}",
            big.get("vs_pytorch_2"),
            ">=",
            1.0,
            "×",
        )
    )
    result.targets.append(
        Target(
            f"nnstudio share of the 1-thread GEMM rate, {BIG.label}",
            100 * big["gemm_share_1"],
            ">=",
            100 * GEMM_SHARE,
            " %",
        )
    )
    for label, row in rows.items():
        result.targets.append(
            Target(
                f"float64 slowdown against float32, {label}",
                row["float32_over_float64"],
                "<=",
                FLOAT64_SLOWDOWN,
                "×",
            )
        )
    result.notes.append(
        "nnstudio steps/s counts the steps that do not end an epoch (the loop's own overhead "
        "included), best round; 'eval share' is the share of the wall time of all rounds that "
        "the trainer's epoch-end evaluation took beyond a normal step "
        f"({settings.batches_per_epoch} batches per epoch)."
    )
    result.notes.append(
        "scikit-learn trains with its own mini-batch loop: MLPClassifier/MLPRegressor"
        f"(solver='sgd', momentum={MOMENTUM}, nesterovs_momentum=False, alpha=0, "
        f"warm_start=True, max_iter=1).fit on {SKLEARN_CHUNK_BATCHES} batches at a time; its "
        "hidden activation is one for all layers: "
        + ", ".join(f"{label} {name}" for label, name in sklearn_activations.items())
        + "; two classes get one logistic output unit."
    )
    result.data = {
        "networks": rows,
        "big_network": big,
        "batches_per_epoch": settings.batches_per_epoch,
        "seconds_per_round": settings.seconds,
        "rounds": settings.rounds,
    }
    return result


def _engine_row(rates: dict[str, Rate]) -> dict[str, Any]:
    engine = rates["nnstudio"]
    row: dict[str, Any] = {
        "nnstudio": engine.steps_per_second,
        "evaluation_share": engine.evaluation_share,
        "nnstudio_float64": rates["nnstudio_float64"].steps_per_second,
        "float32_over_float64": _ratio(
            engine.steps_per_second, rates["nnstudio_float64"].steps_per_second
        ),
    }
    for peer in ("pytorch", "sklearn"):
        if peer in rates:
            row[peer] = rates[peer].steps_per_second
            row[f"vs_{peer}"] = _ratio(engine.steps_per_second, rates[peer].steps_per_second)
    return row


def _big_network(
    config: NetworkConfig,
    data: Data,
    rates: dict[str, Rate],
    best_product: float,
    torch: Any | None,
    settings: Settings,
) -> dict[str, Any]:
    """FLOP rates of the big network with one thread, and again with two threads each."""
    flops = config.flops_per_step()
    big: dict[str, Any] = {
        "flops_per_step": flops,
        "gemm_size": QUICK_GEMM_SIZE if settings.quick else GEMM_SIZE,
    }
    _flop_figures(big, 1, rates, best_product, flops)
    threads = 2
    steppers: dict[str, StepFunction] = {"nnstudio": engine_stepper(config, data)}
    if torch is not None:
        steppers["pytorch"] = torch_stepper(config, data, torch)
    steppers["gemm"] = gemm_stepper(big["gemm_size"])
    gemm_rates: list[float] = []
    before_round = functools.partial(_record_gemm_rate, gemm_rates, big["gemm_size"], threads)
    with thread_count(threads, torch):
        two = best_rates(steppers, settings.seconds, settings.rounds, before_round)
    _flop_figures(big, threads, two, max(gemm_rates), flops)
    return big


def _flop_figures(
    big: dict[str, Any], threads: int, rates: dict[str, Rate], best_product: float, flops: float
) -> None:
    """Store steps/s, GFLOP/s, the GEMM rates and the shares for one thread count.

    ``gemm_gflops`` is the GEMM's rate measured like the steps' (best round of products
    back to back), the target's reference; ``gemm_best_product_gflops`` the fastest single
    product of any round, a rate no whole round sustains.
    """
    steps = rates["nnstudio"].steps_per_second
    sustained = rates["gemm"].steps_per_second * 2.0 * big["gemm_size"] ** 3
    big[f"steps_{threads}"] = steps
    big[f"gflops_{threads}"] = steps * flops / 1e9
    big[f"gemm_gflops_{threads}"] = sustained / 1e9
    big[f"gemm_share_{threads}"] = steps * flops / sustained
    big[f"gemm_best_product_gflops_{threads}"] = best_product / 1e9
    big[f"gemm_best_product_share_{threads}"] = steps * flops / best_product
    if "pytorch" in rates:
        big[f"pytorch_steps_{threads}"] = rates["pytorch"].steps_per_second
        big[f"pytorch_gflops_{threads}"] = rates["pytorch"].steps_per_second * flops / 1e9
        big[f"vs_pytorch_{threads}"] = _ratio(steps, rates["pytorch"].steps_per_second)


def network_products_rate(config: NetworkConfig, repeats: int) -> float:
    """float32 FLOP rate of one step's matrix products alone (NumPy, one thread).

    The forward product, the weight gradient and (except for the first layer) the input
    gradient of every layer, with the network's own shapes and preallocated results: the
    most a step could reach if everything else cost nothing.
    """
    rng = np.random.default_rng(0)
    m = config.batch
    products: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for index, (fan_in, fan_out) in enumerate(itertools.pairwise(config.sizes)):
        A = rng.standard_normal((m, fan_in), dtype=np.float32)
        W = rng.standard_normal((fan_in, fan_out), dtype=np.float32)
        dZ = rng.standard_normal((m, fan_out), dtype=np.float32)
        products.append((A, W, np.empty((m, fan_out), dtype=np.float32)))
        products.append((A.T, dZ, np.empty((fan_in, fan_out), dtype=np.float32)))
        if index > 0:
            products.append((dZ, W.T, np.empty((m, fan_in), dtype=np.float32)))
    with threadpool_limits(limits=1, user_api="blas"):
        best = math.inf
        for _ in range(repeats + 1):  # the first round warms up
            started = time.perf_counter()
            for left, right, out in products:
                np.matmul(left, right, out=out)
            best = min(best, time.perf_counter() - started)
    return config.flops_per_step() / best


def run_gemm(settings: Settings, context: dict[str, Any]) -> SectionResult:
    """float32 GEMM peak with one thread and with every core."""
    result = SectionResult("gemm")
    size = QUICK_GEMM_SIZE if settings.quick else GEMM_SIZE
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cores = cores or 1
    repeats = 2 if settings.quick else 5
    single = gemm_rate(size, 1, repeats)
    every = gemm_rate(size, cores, repeats)
    products = network_products_rate(BIG, 3 if settings.quick else 20)
    table = Table(
        f"float32 GEMM (NumPy matmul, {size}×{size}, best of {repeats})",
        ["measurement", "GFLOP/s", "share of 1-thread peak"],
        [
            ["1 thread", single / 1e9, "100 %"],
            [f"{cores} threads", every / 1e9, f"{100 * every / single:.0f} %"],
            [
                f"{BIG.label}: one step's products alone, 1 thread",
                products / 1e9,
                f"{100 * products / single:.0f} %",
            ],
        ],
    )
    result.tables.append(table)
    big = context.get("big_network")
    data: dict[str, Any] = {
        "size": size,
        "single_thread_gflops": single / 1e9,
        "all_cores_gflops": every / 1e9,
        "cores": cores,
        "big_network_products_gflops": products / 1e9,
    }
    if big is not None:
        share = big["gflops_1"] * 1e9 / single
        table.rows.append(
            [f"{BIG.label}: nnstudio training, 1 thread", big["gflops_1"], f"{100 * share:.0f} %"]
        )
        data["big_network_gflops"] = big["gflops_1"]
        data["big_network_share_of_this_peak"] = share
        result.notes.append(
            "The engine section's target divides by the GEMM rate timed in its own rounds, "
            "like the steps, under the same load; this table's fastest products were measured "
            "separately."
        )
    else:
        result.notes.append("Run with the engine section to see the big network's share.")
    result.notes.append(
        "'one step's products alone': the forward, weight-gradient and input-gradient "
        "products of a step with the network's shapes and nothing else, the most a step "
        "could reach."
    )
    result.data = data
    return result
