"""Suite members as executor units: each member trains on its own, sharing what a process already loaded.

A member is one trainer. On the local executor the members train in order in this process, on the
suite's own trainer objects; on Ray each member is one group (so members run in parallel across
workers), the trainer travels pickled and its model comes back through its saved directory. A
member whose training raises is reported as failed (the others keep their results) and the suite
retries it; a worker that dies is retried by the executor itself.

Within one process the base model is loaded once: the first member of a given modality and base
model loads it, later members adopt the loaded objects (the model and whatever the modality loaded
with it, e.g. a tokenizer).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

PER_MEMBER_STATE: frozenset[str] = frozenset(
    {
        "_training_args",
        "_param_map",
        "_model_with_gradiend",
        "_model_path",
        "_evaluator",
        "seed_runs",
        "_active_executor",
        "_hook_manager",
    }
)
"""Trainer attributes that belong to one member and are never shared."""


@dataclass
class MemberResult:
    """What training one member produced (or why it failed)."""

    child_id: str
    model_path: str | None = None
    error: str | None = None
    seconds: float = 0.0
    pid: int = field(default_factory=os.getpid)

    @property
    def ok(self) -> bool:
        """Whether the member trained."""
        return self.error is None


def base_key(trainer: Any) -> tuple[str, ...]:
    """What decides a loaded base model: the modality class, the model id and the loading arguments."""
    args = trainer.args
    return (
        type(trainer).__qualname__,
        str(trainer.base_model_path),
        str(getattr(args, "torch_dtype", None)),
        str(getattr(args, "base_model_dtype", None)),
        str(getattr(args, "prediction_objective", None)),
        str(getattr(args, "base_model_device_map", None)),
    )


def share_base_model(trainer: Any, loaded: dict[tuple[str, ...], dict[str, Any]]) -> bool:
    """Give ``trainer`` the base model loaded earlier in this process, or load it and remember it.

    Returns True when an already loaded model was adopted.
    """
    if getattr(trainer, "_base_model", None) is not None:
        return False
    key = base_key(trainer)
    state = loaded.get(key)
    if state is not None:
        trainer.__dict__.update(state)
        return True
    before = dict(trainer.__dict__)
    trainer.base_model  # noqa: B018 - loads the model through the modality
    loaded[key] = {
        name: value
        for name, value in trainer.__dict__.items()
        if name not in PER_MEMBER_STATE and (name not in before or before[name] is not value)
    }
    return False


class MemberSetup:
    """Worker setup: an empty per-process cache of loaded base models."""

    def __call__(self) -> dict[tuple[str, ...], dict[str, Any]]:
        """The cache (one per worker process)."""
        return {}


def train_member(
    loaded: dict[tuple[str, ...], dict[str, Any]], item: tuple[str, Any, dict[str, Any]]
) -> MemberResult:
    """Train one member; a failure is returned (not raised) so that the other members keep their results."""
    child_id, trainer, overrides = item
    start = time.perf_counter()
    try:
        adopted = share_base_model(trainer, loaded)
        logger.info("suite member %s: training (base model %s)", child_id, "shared" if adopted else "loaded")
        trainer.train(**overrides)
        return MemberResult(child_id, model_path=str(trainer.model_path), seconds=time.perf_counter() - start)
    except Exception as error:
        logger.exception("suite member %s failed", child_id)
        return MemberResult(
            child_id, error=f"{type(error).__name__}: {error}", seconds=time.perf_counter() - start
        )


__all__ = ["PER_MEMBER_STATE", "MemberResult", "MemberSetup", "base_key", "share_base_model", "train_member"]
