"""The numerical core: pure NumPy networks, losses, optimizers and training.

Nothing here imports Qt; the studio, the command line and the tests all drive the same code.
"""

from nnstudio.engine.activations import Activation, get_activation
from nnstudio.engine.gradcheck import (
    GradCheckCancelled,
    GradCheckProgress,
    GradCheckReport,
    LayerCheck,
    gradient_check,
)
from nnstudio.engine.initializers import initialize_layer, random_stream
from nnstudio.engine.losses import Loss, data_loss, get_loss, output_delta
from nnstudio.engine.network import Forward, Gradients, Network, global_norm
from nnstudio.engine.optimizers import Optimizer, make_optimizer
from nnstudio.engine.schedules import learning_rate_at
from nnstudio.engine.trainer import STATUSES, History, Snapshot, Trainer, accuracy, r2_score, rmse

__all__ = [
    "STATUSES",
    "Activation",
    "Forward",
    "GradCheckCancelled",
    "GradCheckProgress",
    "GradCheckReport",
    "Gradients",
    "History",
    "LayerCheck",
    "Loss",
    "Network",
    "Optimizer",
    "Snapshot",
    "Trainer",
    "accuracy",
    "data_loss",
    "get_activation",
    "get_loss",
    "global_norm",
    "gradient_check",
    "initialize_layer",
    "learning_rate_at",
    "make_optimizer",
    "output_delta",
    "r2_score",
    "random_stream",
    "rmse",
]
