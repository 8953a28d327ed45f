"""Training callbacks: a base class of no-op events and the default evaluation/checkpoint/logging ones."""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from gradiend.training.state import Evaluation, TrainingState

logger = logging.getLogger(__name__)

EvaluateFn = Callable[[TrainingState], dict[str, Any]]


class TrainingCallback:
    """Base class: override the events you need; each default does nothing."""

    def on_train_begin(self, state: TrainingState) -> None:
        """Called once before the first step."""

    def on_step_end(self, state: TrainingState, loss: float) -> None:
        """Called after every training step (one GRADIEND update) with the step's loss."""

    def on_evaluate(self, state: TrainingState, evaluation: Evaluation) -> None:
        """Called after every encoder evaluation."""

    def on_save(self, state: TrainingState, path: str) -> None:
        """Called after a checkpoint was written to ``path``."""

    def on_train_end(self, state: TrainingState) -> None:
        """Called once after the last step (and the final evaluation)."""


class EvaluationCallback(TrainingCallback):
    """Asks for an encoder evaluation at step 0, every ``eval_steps`` and at the end."""

    def __init__(self, eval_steps: int) -> None:
        if eval_steps < 1:
            raise ValueError(f"eval_steps must be >= 1, got {eval_steps}")
        self.eval_steps = eval_steps

    def on_train_begin(self, state: TrainingState) -> None:
        """Evaluate the untrained encoder (step 0)."""
        state.should_evaluate = True

    def on_step_end(self, state: TrainingState, loss: float) -> None:
        """Evaluate every ``eval_steps`` and after the last step."""
        if state.step % self.eval_steps == 0 or state.step >= state.max_steps or state.should_stop:
            state.should_evaluate = True


IN_MEMORY_BEST_BYTES = 256 * 2**20
"""GRADIENDs of at least this many weight bytes keep their best weights in a memory-mapped temporary file."""


class BestCheckpointCallback(TrainingCallback):
    """Keeps the GRADIEND weights of the evaluation with the best |correlation|.

    A GRADIEND smaller than :data:`IN_MEMORY_BEST_BYTES` keeps them in memory (copied into the same
    tensors at every improvement). A larger one writes them to a temporary file (in the system's
    temporary directory, removed at once) and keeps a memory-mapped view of it: the copy costs disk,
    not RAM, until the weights are restored after training.
    """

    def __init__(self, in_memory_limit: int | None = None) -> None:
        self.in_memory_limit = IN_MEMORY_BEST_BYTES if in_memory_limit is None else in_memory_limit

    def on_evaluate(self, state: TrainingState, evaluation: Evaluation) -> None:
        """Remember the weights when this evaluation beats the best so far."""
        best = state.best
        if best is not None and abs(evaluation.correlation) <= abs(best.correlation):
            return
        state.best = evaluation
        current = state.model_with_gradiend.gradiend.state_dict()
        if sum(v.numel() * v.element_size() for v in current.values()) >= self.in_memory_limit:
            state.best_state = mapped_copy(
                current
            )  # the size never changes: always mapped, never copied into
            return
        kept = state.best_state
        if (
            kept is not None
            and kept.keys() == current.keys()
            and all(kept[k].shape == v.shape and kept[k].dtype == v.dtype for k, v in current.items())
        ):  # copied into the kept tensors: no second set of GRADIEND weights per improvement
            for key, value in current.items():
                kept[key].copy_(value.detach())
        else:
            state.best_state = {k: v.detach().clone() for k, v in current.items()}


def mapped_copy(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """A CPU copy of ``tensors`` backed by an unlinked temporary file (memory-mapped, read on demand)."""
    with tempfile.TemporaryDirectory(prefix="gradiend-best-", ignore_cleanup_errors=True) as directory:
        path = Path(directory) / "best.pt"
        torch.save({k: v.detach() for k, v in tensors.items()}, path)
        loaded: dict[str, torch.Tensor] = torch.load(path, map_location="cpu", mmap=True, weights_only=True)
    return loaded


class LoggingCallback(TrainingCallback):
    """Logs the loss every ``log_steps`` steps and every evaluation (DEBUG: ``set_verbosity_debug()``)."""

    def __init__(self, log_steps: int = 50) -> None:
        self.log_steps = max(1, log_steps)

    def on_step_end(self, state: TrainingState, loss: float) -> None:
        """Log the running loss."""
        if state.step % self.log_steps == 0:
            logger.debug("step %d/%d loss %.6g", state.step, state.max_steps, loss)

    def on_evaluate(self, state: TrainingState, evaluation: Evaluation) -> None:
        """Log the encoder correlation."""
        logger.debug(
            "step %d: encoder correlation %.4f, mean by class %s",
            evaluation.step,
            evaluation.correlation,
            {k: round(v, 3) for k, v in evaluation.mean_by_class.items()},
        )


class EarlyStoppingCallback(TrainingCallback):
    """Stops training when |correlation| has not improved by ``min_delta`` for ``patience`` evaluations."""

    def __init__(self, patience: int = 3, min_delta: float = 0.0) -> None:
        if patience < 1:
            raise ValueError(f"patience must be >= 1, got {patience}")
        if min_delta < 0 or math.isnan(min_delta):
            raise ValueError(f"min_delta must be >= 0, got {min_delta}")
        self.patience = patience
        self.min_delta = min_delta
        self._best = -math.inf
        self._stale = 0

    def on_train_begin(self, state: TrainingState) -> None:
        """Reset the counters (the callback may be reused across seeds)."""
        self._best = -math.inf
        self._stale = 0

    def on_evaluate(self, state: TrainingState, evaluation: Evaluation) -> None:
        """Count evaluations without improvement; ask the loop to stop after ``patience``."""
        score = abs(evaluation.correlation)
        if score > self._best + self.min_delta:
            self._best = score
            self._stale = 0
            return
        self._stale += 1
        if self._stale >= self.patience:
            logger.info(
                "early stopping at step %d (no improvement for %d evaluations)", state.step, self._stale
            )
            state.should_stop = True


def default_callbacks(eval_steps: int, do_eval: bool) -> list[TrainingCallback]:
    """The callbacks every run gets unless the caller passes its own list."""
    callbacks: list[TrainingCallback] = [BestCheckpointCallback(), LoggingCallback()]
    if do_eval:
        callbacks.insert(0, EvaluationCallback(eval_steps))
    return callbacks


__all__ = [
    "BestCheckpointCallback",
    "EarlyStoppingCallback",
    "EvaluationCallback",
    "LoggingCallback",
    "TrainingCallback",
    "default_callbacks",
]
