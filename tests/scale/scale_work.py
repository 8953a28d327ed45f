"""Work functions that the Ray tests run in worker processes (pickled by value: tests/ is not installed)."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import torch

from gradiend.training.callbacks import TrainingCallback
from gradiend.training.state import TrainingState

RAY_SKIP_REASON = "Ray is not installed: pip install 'gradiend-core[ray]'"


def token_setup() -> str:
    """A setup whose result tells which setup call a worker got."""
    return uuid.uuid4().hex


def double_with_origin(token: str, item: int) -> tuple[int, str, int]:
    """``2 * item``, the worker's setup token and process id; negative items are bad input."""
    if item < 0:
        raise ValueError(f"item must be >= 0, got {item}")
    return 2 * item, token, os.getpid()


def die_once(marker_dir: str, item: int) -> tuple[int, int]:
    """Kill this worker process the first time item 1 is seen (a crash, not an exception)."""
    marker = Path(marker_dir) / "died"
    if item == 1 and not marker.exists():
        marker.write_text(str(os.getpid()))
        os._exit(1)
    return 2 * item, os.getpid()


class MarkerSetup:
    """Setup returning a directory path (where :func:`die_once` leaves its marker)."""

    def __init__(self, marker_dir: str) -> None:
        self.marker_dir = marker_dir

    def __call__(self) -> str:
        return self.marker_dir


class FailSeed(TrainingCallback):
    """Raises a data-style error when training starts for ``seed`` (the torch seed set for the run)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def on_train_begin(self, state: TrainingState) -> None:
        if torch.initial_seed() == self.seed:
            raise ValueError(f"bad rows for seed {self.seed} (raised on purpose)")
