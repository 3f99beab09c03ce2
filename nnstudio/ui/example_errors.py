"""One example's forward and backward pass, for the Properties dock's "this example" readout.

The lecture notes define each neuron's error ``δ = ∂J/∂z`` for one example and build the
weight gradient from it, ``∂J/∂w_jk = a_k δ_j``. :class:`ExampleErrors` computes those
numbers for the probe examples of a frame (the examples the canvas colours its neurons
for): the frame already holds every layer's ``Z`` and ``A`` of the probes, so only the
backward pass (:meth:`Network.deltas <nnstudio.engine.network.Network.deltas>`) is run,
a few small matrix products even for a 784-256-128-10 network.

The frame's forward pass is the inference one (dropout off), so the errors are those of the
network as it predicts, not of one randomly thinned training step.

Pure NumPy: no Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nnstudio.data.dataset import encode_targets

if TYPE_CHECKING:
    from nnstudio.engine.network import Network
    from nnstudio.spec import Project


@dataclass(frozen=True, eq=False)
class ExampleErrors:
    """Every probe example's pre-activations, activations and errors ``δ``.

    Attributes
    ----------
    Z : tuple of ndarray
        ``Z[l]`` layer ``l``'s pre-activations, shape (P, units), float64.
    A : tuple of ndarray
        ``A[0]`` the (standardised) inputs, shape (P, n_inputs); ``A[l + 1]`` layer ``l``'s
        output, shape (P, units).
    deltas : tuple of ndarray
        ``deltas[l]`` each probe example's own error ``δ = ∂J_i/∂z`` of layer ``l`` (the
        loss of that one example, ``m = 1``), shape (P, units).
    targets : ndarray, shape (P, k)
        The targets as the output layer learns them (one column for one sigmoid unit on two
        classes; standardised regression targets).
    raw_inputs : ndarray, shape (P, n_inputs)
        The probe inputs before standardisation.
    """

    Z: tuple[np.ndarray, ...]
    A: tuple[np.ndarray, ...]
    deltas: tuple[np.ndarray, ...]
    targets: np.ndarray
    raw_inputs: np.ndarray

    @property
    def count(self) -> int:
        """Number of probe examples ``P``."""
        return int(self.targets.shape[0])

    def weight_gradients(self, layer: int, source: int, target: int) -> np.ndarray:
        """Each example's ``∂J_i/∂w = a_source · δ_target`` of one weight of ``layer``.

        Returns
        -------
        ndarray, shape (P,)
            Their mean is the gradient of the mean loss over the probe examples.
        """
        return self.A[layer][:, source] * self.deltas[layer][:, target]


class ExampleErrorsCache:
    """Computes :class:`ExampleErrors` for a frame at most once, with one reused network.

    The network is built once per project (``build_network`` initialises every weight,
    which for a large network costs far more than the backward pass) and handed each
    frame's weights.
    """

    def __init__(self) -> None:
        self._project: Project | None = None
        self._network: Network | None = None
        self._frame: Any = None
        self._result: ExampleErrors | None = None

    def get(self, project: Project, frame: Any) -> ExampleErrors | None:
        """The errors of ``frame``'s probe examples under ``project``'s network and loss.

        Returns ``None`` when the frame carries no probes or does not fit the network.
        """
        if frame is self._frame and project is self._project:
            return self._result
        network = self._network_for(project)
        self._result = None if network is None else compute_example_errors(network, frame)
        self._frame = frame
        return self._result

    def _network_for(self, project: Project) -> Network | None:
        if project is not self._project:
            from nnstudio.workflow import build_network

            self._project = project
            try:
                self._network = build_network(project)
            except Exception:  # a network the engine refuses shows no readout, not an error
                self._network = None
        return self._network


def compute_example_errors(network: Network, frame: Any) -> ExampleErrors | None:
    """Backpropagate every probe example of ``frame`` through ``network``.

    Parameters
    ----------
    network : Network
        Its weights are replaced by the frame's.
    frame : Frame
        Supplies ``weights``, ``probe_Z``, ``probe_A``, ``probe_inputs`` and
        ``probe_targets``.

    Returns
    -------
    ExampleErrors or None
        ``None`` when the frame has no probes or its arrays do not fit the network.
    """
    from nnstudio.engine.network import Forward

    weights = getattr(frame, "weights", None)
    Z = getattr(frame, "probe_Z", None)
    A = getattr(frame, "probe_A", None)
    if weights is None or Z is None or A is None or len(Z) != network.n_layers:
        return None
    targets = encode_targets(
        np.asarray(getattr(frame, "probe_targets", np.zeros((0, 0))), dtype=np.float64),
        network.spec.output.units,
        classification=getattr(frame, "task", None) == "classification",
    )
    count = int(np.shape(A[0])[0])
    if targets is None or count == 0 or targets.shape[0] != count:
        return None
    try:
        network.set_weights(weights)
        dtype = network.dtype
        forward = Forward(
            Z=tuple(np.asarray(z, dtype=dtype) for z in Z),
            A=tuple(np.asarray(a, dtype=dtype) for a in A),
            masks=(None,) * network.n_layers,
        )
        Y = network.prepare_targets(targets, count)
        with np.errstate(all="ignore"):
            batch = network.deltas(forward, Y)
    except Exception:  # shapes from another network: nothing to show
        return None
    # δ of the batch-mean loss is each example's own δ divided by P (the recursion is linear).
    deltas = tuple(np.asarray(d, dtype=np.float64) * count for d in batch)
    return ExampleErrors(
        Z=tuple(np.asarray(z, dtype=np.float64) for z in Z),
        A=tuple(np.asarray(a, dtype=np.float64) for a in A),
        deltas=deltas,
        targets=np.asarray(Y, dtype=np.float64),
        raw_inputs=np.asarray(frame.probe_inputs, dtype=np.float64),
    )
