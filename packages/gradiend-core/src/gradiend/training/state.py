"""The state of one training run, shared by the loop and its callbacks, and its JSON statistics."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import torch

from gradiend.arguments import TrainingArguments
from gradiend.model.with_gradiend import ModelWithGradiend


@dataclass
class Evaluation:
    """Encoder metrics at one training step."""

    step: int
    correlation: float
    mean_by_class: dict[str, float]
    metrics: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record."""
        return {
            "step": self.step,
            "correlation": self.correlation,
            "mean_by_class": self.mean_by_class,
            "accuracy": self.metrics.get("accuracy"),
            "n_samples": self.metrics.get("n_samples"),
        }


@dataclass
class TrainingState:
    """What the loop and its callbacks share.

    Callbacks read it and may set ``should_stop`` (early stopping) or ``should_evaluate`` (evaluate
    after this step).
    """

    args: TrainingArguments
    model_with_gradiend: ModelWithGradiend
    max_steps: int
    pair: tuple[str, str]
    step: int = 0
    epoch: int = 0
    losses: list[float] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)
    norms: list[dict[str, float]] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    best: Evaluation | None = None
    best_state: dict[str, torch.Tensor] | None = None
    should_stop: bool = False
    should_evaluate: bool = False
    started_at: float = field(default_factory=time.perf_counter)

    def add_time(self, phase: str, seconds: float) -> None:
        """Accumulate the duration of one phase (gradients, gradiend_update, evaluation...)."""
        self.timings[phase] = self.timings.get(phase, 0.0) + seconds

    def to_stats(self) -> dict[str, Any]:
        """The training statistics saved as training.json."""
        best = self.best
        return {
            "steps": self.step,
            "epochs": self.epoch,
            "max_steps": self.max_steps,
            "pair": list(self.pair),
            "losses": self.losses,
            "evaluations": [e.to_dict() for e in self.evaluations],
            "norms": self.norms,
            "best_step": None if best is None else best.step,
            "best_correlation": None if best is None else best.correlation,
            "best_mean_by_class": None if best is None else best.mean_by_class,
            "final_loss": self.losses[-1] if self.losses else None,
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
            "wall_time": round(time.perf_counter() - self.started_at, 4),
        }


__all__ = ["Evaluation", "TrainingState"]
