"""Multi-seed training: seeds seed, seed+1, ... until enough converged; the best one is selected."""

from __future__ import annotations

import logging
import shutil
from dataclasses import asdict, dataclass, field
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
    stats = run.stats
    training_score = abs(float(stats.get("best_correlation") or 0.0))
    selection = abs(eval_correlation) if eval_correlation is not None else training_score
    return SeedRecord(
        seed=run.seed,
        output_dir=run.output_dir,
        training_score=training_score,
        eval_correlation=eval_correlation,
        selection_score=selection,
        converged=seed_converged(stats, args, pair),
        best_step=stats.get("best_step"),
        mean_by_class=dict(stats.get("best_mean_by_class") or {}),
        final_loss=stats.get("final_loss"),
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

    def report(self, args: TrainingArguments) -> dict[str, Any]:
        """The content of seed_report.json."""
        return {
            "seeds": [asdict(r) for r in self.records],
            "best_seed": self.best.seed,
            "best_output_dir": self.best.output_dir,
            "n_converged": self.n_converged,
            "max_seeds": args.max_seeds,
            "min_convergent_seeds": args.min_convergent_seeds,
            "convergent_metric": args.convergent_metric,
            "convergent_score_threshold": args.convergence_threshold,
            "convergent_mean_by_class_threshold": args.convergent_mean_by_class_threshold,
            "saved_seed_runs": args.saved_seed_runs,
        }


def non_convergence_message(records: list[SeedRecord], args: TrainingArguments) -> str:
    """Explain a failed multi-seed run: how many converged, per-seed values, what to try."""
    lines = [
        f"{sum(r.converged for r in records)} of {len(records)} seeds converged; "
        f"min_convergent_seeds={args.min_convergent_seeds} needed "
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
    if outcome.n_converged < args.min_convergent_seeds:
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
    "seed_converged",
    "select_best",
]
