"""Live plots of training (loss, weights, gradients, activations, output)."""

from nnstudio.ui.plots.panel import PlotsPanel

__all__ = ["PlotsPanel"]
