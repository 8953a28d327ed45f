"""Multi-seed training: seeds seed, seed+1, ... until enough converged; the best one is selected.

The seed report (``seed_report.json`` in the seeds directory) has the published gradiend layout:
top-level ``convergence_metric``, ``threshold``, ``min_convergent_seeds``, ``max_seeds``,
``seeds_tried``, ``convergent_count``, ``convergent_seeds``, ``best_seed``, ``best_selection_score``,
``best_seed_selection_strategy``, ``early_stop_reason`` and ``runs`` (one dict per seed with the
published per-run fields); fields of ours (``best_output_dir``, ``mean_by_class``...) sit beside them.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gradiend.arguments import TrainingArguments
from gradiend.training.runner import SeedRun

logger = logging.getLogger(__name__)


@dataclass
class SeedRecord:
    """One line of the seed report."""

    seed: int
    output_dir: str
    training_score: float
    eval_correlation: float | None
    selection_score: float
    converged: bool
    best_step: int | None
    mean_by_class: dict[str, float] = field(default_factory=dict)
    final_loss: float | None = None
    trained: bool = True
    used_cache: bool = False
    convergence_metric_value: float | None = None

    def min_target_class_abs_mean(self, pair: tuple[str, str]) -> float | None:
        """The smaller |mean encoding| of the two target classes at the best step (None when unknown)."""
        values = [self.mean_by_class.get(name) for name in pair]
        if any(v is None for v in values):
            return None
        return min(abs(float(v)) for v in values if v is not None)

    def run_entry(self, args: TrainingArguments, pair: tuple[str, str]) -> dict[str, Any]:
        """The seed's entry of ``runs`` in seed_report.json: the published fields, then ours."""
        return {
            "seed": self.seed,
            "output_dir": self.output_dir,
            "trained": self.trained,
            "used_cache": self.used_cache,
            "training_score": self.training_score,
            "eval_correlation": self.eval_correlation,
            "selection_score": self.selection_score,
            "convergence_metric": args.convergent_metric,
            "convergence_metric_value": self.convergence_metric_value,
            "best_checkpoint_global_step": self.best_step,
            "threshold": args.convergence_threshold,
            "convergent_mean_by_class_threshold": args.convergent_mean_by_class_threshold,
            "convergent_min_target_class_abs_mean": self.min_target_class_abs_mean(pair),
            "converged": self.converged,
            "split_cycle_index": None,
            "split_cycle_length": None,
            # ours
            "best_step": self.best_step,
            "mean_by_class": dict(self.mean_by_class),
            "final_loss": self.final_loss,
        }


class NonConvergenceError(RuntimeError):
    """Fewer seeds converged than ``min_convergent_seeds`` and ``fail_on_non_convergence`` is set."""


def seed_converged(stats: dict[str, Any], args: TrainingArguments, pair: tuple[str, str]) -> bool:
    """Whether one seed converged (metric threshold, and opposite-sign class means when required)."""
    if args.convergent_metric == "loss":
        loss = stats.get("final_loss")
        return loss is not None and loss <= args.convergence_threshold
    correlation = stats.get("best_correlation")
    if correlation is None or abs(correlation) < args.convergence_threshold:
        return False
    mean_threshold = args.convergent_mean_by_class_threshold
    if mean_threshold is None:
        return True
    means = stats.get("best_mean_by_class") or {}
    first, second = means.get(pair[0]), means.get(pair[1])
    if first is None or second is None:
        return False
    return first * second < 0 and min(abs(first), abs(second)) >= mean_threshold


def seed_record(
    run: SeedRun, args: TrainingArguments, pair: tuple[str, str], eval_correlation: float | None
) -> SeedRecord:
    """Summarise a finished seed run for the report."""
    return record_from_stats(run.seed, run.output_dir, run.stats, args, pair, eval_correlation)


def record_from_stats(
    seed: int,
    output_dir: str,
    stats: dict[str, Any],
    args: TrainingArguments,
    pair: tuple[str, str],
    eval_correlation: float | None,
    *,
    trained: bool = True,
) -> SeedRecord:
    """A seed's report line from its training.json stats and its validation correlation.

    ``training_score`` is the best |correlation| seen during training; ``selection_score`` is
    |eval_correlation| when the validation evaluation ran, else ``training_score``.
    """
    training_score = abs(float(stats.get("best_correlation") or 0.0))
    selection = abs(eval_correlation) if eval_correlation is not None else training_score
    metric_value = (
        stats.get("final_loss") if args.convergent_metric == "loss" else stats.get("best_correlation")
    )
    return SeedRecord(
        seed=seed,
        output_dir=output_dir,
        training_score=training_score,
        eval_correlation=eval_correlation,
        selection_score=selection,
        converged=seed_converged(stats, args, pair),
        best_step=stats.get("best_step"),
        mean_by_class=dict(stats.get("best_mean_by_class") or {}),
        final_loss=stats.get("final_loss"),
        trained=trained,
        used_cache=not trained,
        convergence_metric_value=metric_value,
    )


@dataclass
class MultiSeedOutcome:
    """All seeds tried, which converged, which was chosen."""

    records: list[SeedRecord]
    best: SeedRecord
    runs: dict[int, SeedRun]

    @property
    def n_converged(self) -> int:
        """How many seeds converged."""
        return sum(r.converged for r in self.records)

    def selection_strategy(self) -> str:
        """How the best seed was chosen (the published names)."""
        if self.n_converged:
            return "best_convergent_selection_score"
        return "best_available_selection_score"

    def early_stop_reason(self, args: TrainingArguments) -> str | None:
        """Why no further seed was tried before max_seeds (None when all max_seeds ran)."""
        if len(self.records) >= args.max_seeds or args.min_convergent_seeds is None:
            return None
        if self.n_converged >= args.min_convergent_seeds:
            return (
                f"min_convergent_seeds reached: {self.n_converged} >= {args.min_convergent_seeds} "
                f"with metric={args.convergent_metric} threshold={args.convergence_threshold}"
            )
        if args.use_cache == "always":
            return "use_cache='always': the saved seed runs were reused and no further seed was trained"
        return None

    def report(self, args: TrainingArguments, pair: tuple[str, str]) -> dict[str, Any]:
        """The content of seed_report.json: the published keys, then ours."""
        return {
            "convergence_metric": args.convergent_metric,
            "threshold": args.convergence_threshold,
            "convergent_mean_by_class_threshold": args.convergent_mean_by_class_threshold,
            "min_convergent_seeds": args.min_convergent_seeds,
            "max_seeds": args.max_seeds,
            "seeds_tried": [r.seed for r in self.records],
            "convergent_count": self.n_converged,
            "convergent_seeds": [r.seed for r in self.records if r.converged],
            "best_seed": self.best.seed,
            "best_selection_score": self.best.selection_score,
            "best_seed_selection_strategy": self.selection_strategy(),
            "early_stop_reason": self.early_stop_reason(args),
            "runs": [r.run_entry(args, pair) for r in self.records],
            # ours
            "best_output_dir": self.best.output_dir,
            "saved_seed_runs": args.saved_seed_runs,
        }


def non_convergence_message(records: list[SeedRecord], args: TrainingArguments) -> str:
    """Explain a failed multi-seed run: how many converged, per-seed values, what to try."""
    lines = [
        f"{sum(r.converged for r in records)} of {len(records)} seeds converged; "
        f"min_convergent_seeds={args.min_convergent_seeds or 1} needed "
        f"({args.convergent_metric} threshold {args.convergence_threshold}, "
        f"mean-by-class threshold {args.convergent_mean_by_class_threshold}).",
    ]
    for r in records:
        means = ", ".join(f"{k}={v:+.3f}" for k, v in r.mean_by_class.items())
        lines.append(
            f"  seed {r.seed}: |correlation| {r.training_score:.4f}, final loss {r.final_loss}, "
            f"mean by class [{means}]"
        )
    lines.append(
        "Try: a different learning_rate (pruned inputs often need ~1e-3), more steps (max_steps), more or "
        "cleaner training data, pre-pruning, or a lower convergent_score_threshold."
    )
    return "\n".join(lines)


def select_best(records: list[SeedRecord]) -> SeedRecord:
    """The converged seed with the best selection score (all seeds when none converged)."""
    pool = [r for r in records if r.converged] or records
    return max(pool, key=lambda r: (r.selection_score, -r.seed))


def conclude(
    records: list[SeedRecord], runs: dict[int, SeedRun], args: TrainingArguments
) -> MultiSeedOutcome:
    """The outcome of the seeds tried; too few converged: raise (``fail_on_non_convergence``) or warn."""
    outcome = MultiSeedOutcome(records=records, best=select_best(records), runs=runs)
    required = 1 if args.min_convergent_seeds is None else args.min_convergent_seeds
    if outcome.n_converged < required:
        message = non_convergence_message(records, args)
        if args.fail_on_non_convergence:
            raise NonConvergenceError(message)
        logger.warning(message)
    return outcome


def prune_seed_dirs(outcome: MultiSeedOutcome, policy: str) -> None:
    """Delete the seed directories the ``saved_seed_runs`` policy does not keep."""
    for record in outcome.records:
        keep = (
            policy == "all_tried"
            or (policy == "all_convergent" and record.converged)
            or record.seed == outcome.best.seed
        )
        if not keep and Path(record.output_dir).exists():
            shutil.rmtree(record.output_dir)


__all__ = [
    "MultiSeedOutcome",
    "NonConvergenceError",
    "SeedRecord",
    "conclude",
    "non_convergence_message",
    "prune_seed_dirs",
    "record_from_stats",
    "seed_converged",
    "select_best",
]
