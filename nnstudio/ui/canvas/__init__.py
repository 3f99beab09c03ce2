"""The network canvas: an editable, live-coloured drawing of the network (QGraphicsView).

- :mod:`~nnstudio.ui.canvas.view`: :class:`NetworkCanvas`, the view, its editing, hit-testing,
  zoom, export and the document wiring.
- :mod:`~nnstudio.ui.canvas.layout`: pure geometry (columns, neurons, compact sampling of wide
  layers, vectorised point-to-segment distances).
- :mod:`~nnstudio.ui.canvas.edges`: one cached item per layer pair painting its edges (the
  strongest ones of a dense pair) from NumPy buffers, and the overlay for the selected,
  hovered and focused edges.
- :mod:`~nnstudio.ui.canvas.items`: layer lanes with their headers, neuron columns and the
  "+ layer" buttons.
- :mod:`~nnstudio.ui.canvas.shading`: activations to colours, heatmap thumbnails (from the
  frame's ready-coloured pixels), sparklines.
- :mod:`~nnstudio.ui.canvas.notice` and :mod:`~nnstudio.ui.canvas.legend`: the floating
  message banner and colour key.
"""

from nnstudio.ui.canvas.view import Hit, NetworkCanvas

__all__ = ["Hit", "NetworkCanvas"]
