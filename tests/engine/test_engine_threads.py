"""BLAS thread control: limits apply, are restored, and the choice comes from a measurement."""

from __future__ import annotations

import os
import time

import numpy as np

from nnstudio.engine.network import Network
from nnstudio.engine.threads import (
    blas_threads,
    choose_blas_threads,
    choose_training_threads,
    current_blas_threads,
    limit_blas_threads,
    step_flops,
)
from nnstudio.engine.trainer import Trainer
from nnstudio.spec import LayerSpec, NetworkSpec, TrainingSpec


def test_limit_sets_the_environment_for_child_processes() -> None:
    limit_blas_threads(1)
    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    assert os.environ["OMP_NUM_THREADS"] == "1"
    assert current_blas_threads() == 1


def test_blas_threads_restores_the_previous_count() -> None:
    limit_blas_threads(1)
    with blas_threads(2):
        pass
    assert current_blas_threads() == 1


def test_choose_picks_the_clearly_faster_candidate() -> None:
    calls: list[int] = []

    def step() -> None:
        threads = current_blas_threads()
        calls.append(threads)
        # Pretend that this work is ten times faster with the second candidate.
        time.sleep(0.02 if threads == 1 else 0.002)

    limit_blas_threads(1)
    chosen = choose_blas_threads(step, candidates=(1, 2), seconds=0.1)
    assert set(calls) <= {1, 2}
    # Where the BLAS library cannot run 2 threads both measurements ran with 1 and tie.
    assert chosen == (2 if 2 in calls else 1)


def test_step_flops_counts_forward_weight_and_input_gradients() -> None:
    # 2·m·(fwd + dW) over both layers plus the second layer's input gradient.
    assert step_flops([784, 256, 10], 512) == 2.0 * 512 * (2 * (784 * 256 + 2560) + 2560)


def test_small_networks_use_one_thread_without_measuring() -> None:
    spec = NetworkSpec(2, (LayerSpec(8, "tanh"), LayerSpec(1, "linear")))
    net = Network.from_spec(spec, "mse")
    X = np.zeros((100, 2))
    trainer = Trainer(net, TrainingSpec(batch_size=10, epochs=None), X, X[:, :1], task="regression")
    before = net.weights()
    assert choose_training_threads(trainer) == 1
    assert trainer.step_count == 0
    np.testing.assert_array_equal(net.weights()[0][0], before[0][0])


def test_large_networks_are_measured_without_training() -> None:
    spec = NetworkSpec(784, (LayerSpec(256, "relu"), LayerSpec(10, "softmax")))
    net = Network.from_spec(spec, "categorical_crossentropy")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 784))
    Y = np.eye(10)[rng.integers(0, 10, 512)]
    trainer = Trainer(net, TrainingSpec(batch_size=512, epochs=None), X, Y)
    before = net.weights()
    threads = choose_training_threads(trainer, seconds=0.05)
    assert threads >= 1
    assert trainer.step_count == 0
    np.testing.assert_array_equal(net.weights()[0][0], before[0][0])
