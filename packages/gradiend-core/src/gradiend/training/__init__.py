"""Training: the loop, its callbacks, one seed's run, multi-seed selection, the orchestration of train()."""

from gradiend.training.callbacks import (
    BestCheckpointCallback,
    EarlyStoppingCallback,
    EvaluationCallback,
    LoggingCallback,
    TrainingCallback,
)
from gradiend.training.multi_seed import NonConvergenceError
from gradiend.training.seeding import set_seed

__all__ = [
    "BestCheckpointCallback",
    "EarlyStoppingCallback",
    "EvaluationCallback",
    "LoggingCallback",
    "NonConvergenceError",
    "TrainingCallback",
    "set_seed",
]
