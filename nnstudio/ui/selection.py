"""What the user has selected on the canvas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Selection:
    """A selected layer, neuron or edge.

    Layers are numbered as drawn: 0 is the input layer and ``k >= 1`` is
    ``project.network.layers[k - 1]``, so the output layer is ``len(network.layers)``.

    Attributes
    ----------
    kind : {"layer", "neuron", "edge"}
    layer : int
        Drawn layer index (0 = inputs).
    neuron : int or None
        Neuron index within ``layer`` (for an edge: the target neuron).
    source : int or None
        For an edge: the source neuron in ``layer - 1``; ``W[source, neuron]`` of layer
        ``layer`` is its weight.
    """

    kind: Literal["layer", "neuron", "edge"]
    layer: int
    neuron: int | None = None
    source: int | None = None

    @property
    def network_index(self) -> int | None:
        """Index into ``network.layers`` (``None`` for the input layer)."""
        return None if self.layer == 0 else self.layer - 1
