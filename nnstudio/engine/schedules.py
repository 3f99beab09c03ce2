"""Learning-rate schedules evaluated per epoch.

``epoch`` counts completed epochs, so the first epoch trains at ``epoch = 0``:

- ``constant``: ``lr``
- ``step``: ``lr · gamma ** (epoch // step_size)``
- ``exponential``: ``lr · gamma ** epoch``
- ``cosine``: ``min_lr + (lr - min_lr) · ½ (1 + cos(π · epoch / period))`` for
  ``epoch < period``, then ``min_lr``; ``period`` defaults to the run's epoch count. A run
  without an epoch count and without a period keeps ``lr``.
"""

from __future__ import annotations

import math

from nnstudio.errors import SpecError
from nnstudio.spec import SCHEDULES, ScheduleSpec

__all__ = ["learning_rate_at"]


def learning_rate_at(
    schedule: ScheduleSpec, base_lr: float, epoch: int, total_epochs: int | None
) -> float:
    """Learning rate for the epoch with 0-based index ``epoch``.

    Parameters
    ----------
    schedule : ScheduleSpec
    base_lr : float
        The learning rate the schedule starts from (``TrainingSpec.learning_rate``).
    epoch : int
        Number of epochs already completed (>= 0).
    total_epochs : int or None
        The run's epoch count (``TrainingSpec.epochs``); the cosine period when
        ``schedule.period`` is ``None``.

    Returns
    -------
    float

    Raises
    ------
    SpecError
        For an unknown schedule name.
    """
    epoch = max(int(epoch), 0)
    name = schedule.name
    if name == "constant":
        return float(base_lr)
    if name == "step":
        return float(base_lr * schedule.gamma ** (epoch // max(int(schedule.step_size), 1)))
    if name == "exponential":
        return float(base_lr * schedule.gamma**epoch)
    if name == "cosine":
        period = schedule.period if schedule.period is not None else total_epochs
        if not period or period <= 0:
            return float(base_lr)
        if epoch >= period:
            return float(schedule.min_lr)
        cosine = 0.5 * (1.0 + math.cos(math.pi * epoch / period))
        return float(schedule.min_lr + (base_lr - schedule.min_lr) * cosine)
    raise SpecError(
        f"training.schedule.name: unknown {name!r}; expected one of {', '.join(SCHEDULES)}"
    )
