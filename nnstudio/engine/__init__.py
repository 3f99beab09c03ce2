"""The numerical core: pure NumPy networks, losses, optimizers and training.

Nothing here imports Qt; the studio, the command line and the tests all drive the same code.
"""

from nnstudio.engine.activations import Activation, get_activation
from nnstudio.engine.initializers import initialize_layer, random_stream
from nnstudio.engine.losses import Loss, data_loss, get_loss, output_delta
from nnstudio.engine.network import Forward, Gradients, Network, global_norm

__all__ = [
    "Activation",
    "Forward",
    "Gradients",
    "Loss",
    "Network",
    "data_loss",
    "get_activation",
    "get_loss",
    "global_norm",
    "initialize_layer",
    "output_delta",
    "random_stream",
]
