"""The network canvas: an editable, live-coloured drawing of the network (QGraphicsView)."""

from nnstudio.ui.canvas.view import Hit, NetworkCanvas

__all__ = ["Hit", "NetworkCanvas"]
