"""What the user has selected on the canvas, and where it is after the layers are renumbered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

#: How an edit renumbered the layers: for each index into ``network.layers`` before the
#: edit, its index after it, or ``None`` for a layer the edit removed (see
#: :attr:`StudioDocument.layersRenumbered <nnstudio.ui.document.StudioDocument>`).
LayerMap = tuple[int | None, ...]


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


def renumbered_layer(drawn: int, layers: LayerMap) -> int | None:
    """Where drawn layer ``drawn`` is after an edit that renumbered the layers.

    Parameters
    ----------
    drawn : int
        Drawn index before the edit (0 = inputs, which no edit moves).
    layers : LayerMap
        How the edit renumbered ``network.layers``.

    Returns
    -------
    int or None
        The drawn index of the same layer after the edit; ``None`` when the edit removed it
        (or ``drawn`` named no layer).
    """
    if drawn == 0:
        return 0
    if not 1 <= drawn <= len(layers):
        return None
    index = layers[drawn - 1]
    return None if index is None else index + 1


def renumbered_selection(
    selection: Selection | None, layers: LayerMap, sizes: Sequence[int]
) -> Selection | None:
    """``selection`` made on the same layer, neuron or connection after an edit renumbered
    the layers, or ``None`` when that no longer exists.

    A connection exists after the edit only while its two layers stay next to each other
    (a layer inserted between them makes other connections of both).

    Parameters
    ----------
    selection : Selection or None
        The selection before the edit.
    layers : LayerMap
        How the edit renumbered ``network.layers``.
    sizes : sequence of int
        Widths of the drawn layers after the edit (``NetworkSpec.sizes``).
    """
    if selection is None:
        return None
    layer = renumbered_layer(selection.layer, layers)
    if layer is None or layer >= len(sizes):
        return None
    if selection.kind == "edge":
        before = renumbered_layer(selection.layer - 1, layers) if selection.layer >= 1 else None
        if before is None or before != layer - 1:
            return None
        if selection.source is None or not 0 <= selection.source < sizes[before]:
            return None
    if selection.kind != "layer" and (
        selection.neuron is None or not 0 <= selection.neuron < sizes[layer]
    ):
        return None
    return Selection(selection.kind, layer, selection.neuron, selection.source)
