"""What a run tells its user through the ``gradiend`` logger: a line per seed, warnings, summaries.

Per seed: the seed, its best step, its correlation (and validation correlation in multi-seed runs) and
whether it converged. After the seeds of a multi-seed run: how many converged and which was selected.
At the end of ``train()``: the selected seed's figures and where the model was saved. A single-seed run
that did not converge warns with its values and what to try (multi-seed runs warn through
:func:`gradiend.training.multi_seed.conclude`). The lines of evaluations live in
:mod:`gradiend.evaluation.outcomes`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from gradiend.arguments import TrainingArguments
from gradiend.model.checkpoint import load_training_stats
from gradiend.training.multi_seed import (
    MultiSeedOutcome,
    SeedRecord,
    non_convergence_message,
    seed_converged,
)

logger = logging.getLogger(__name__)


def prepare_run_output(args: TrainingArguments) -> None:
    """At the start of ``train()``: apply ``args.log_level`` (unless ``"passive"``, as in Hugging Face).

    Also fails early, before any model loads, when a tracker in ``args.report_to`` is not installed.
    """
    from gradiend.logging import ensure_configured, set_verbosity
    from gradiend.training.tracking import check_trackers

    ensure_configured()
    if args.log_level != "passive":
        set_verbosity(args.log_level)
    check_trackers(args.report_to)


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def seed_line(record: SeedRecord) -> str:
    """``seed 0: best step 100, correlation 0.9731, validation correlation +0.9512, converged``."""
    parts = [f"seed {record.seed}: best step {record.best_step}", f"correlation {record.training_score:.4f}"]
    if record.eval_correlation is not None:
        parts.append(f"validation correlation {_signed(record.eval_correlation)}")
    parts.append("converged" if record.converged else "did not converge")
    return ", ".join(parts)


def log_seed(record: SeedRecord) -> None:
    """Log the line of one finished seed (INFO)."""
    logger.info(seed_line(record))


def record_from_stats(
    stats: Mapping[str, Any], output_dir: str, args: TrainingArguments, pair: tuple[str, str]
) -> SeedRecord:
    """The seed record of a saved model, from its training.json statistics."""
    score = abs(float(stats.get("best_correlation") or 0.0))
    validation = stats.get("eval_correlation")
    return SeedRecord(
        seed=int(stats.get("seed", args.seed)),
        output_dir=output_dir,
        training_score=score,
        eval_correlation=validation,
        selection_score=abs(validation) if validation is not None else score,
        converged=seed_converged(dict(stats), args, pair),
        best_step=stats.get("best_step"),
        mean_by_class=dict(stats.get("best_mean_by_class") or {}),
        final_loss=stats.get("final_loss"),
    )


def log_seed_outcome(outcome: MultiSeedOutcome, args: TrainingArguments) -> None:
    """After the seeds of a multi-seed run: how many converged and which was selected (INFO)."""
    count = len(outcome.records)
    logger.info(
        "%d of %d seed%s converged (min_convergent_seeds=%s); selected seed %d",
        outcome.n_converged,
        count,
        "s" if count != 1 else "",
        args.min_convergent_seeds,
        outcome.best.seed,
    )


def announce_training(
    output_dir: str, args: TrainingArguments, pair: tuple[str, str], started: float
) -> None:
    """The end of ``train()``: a single seed's line (and warning), then the summary of the saved model."""
    stats = load_training_stats(output_dir)
    elapsed = time.perf_counter() - started
    if stats is None:
        logger.info("training finished in %.1f s; model saved to %s", elapsed, output_dir)
        return
    record = record_from_stats(stats, output_dir, args, pair)
    if args.max_seeds == 1:
        log_seed(record)
        if not record.converged:
            logger.warning("the GRADIEND did not converge. %s", non_convergence_message([record], args))
    selected = f"seed {record.seed} (best step {record.best_step}, correlation {record.training_score:.4f}"
    if record.eval_correlation is not None:
        selected += f", validation correlation {_signed(record.eval_correlation)}"
    state = "converged" if record.converged else "did not converge"
    logger.info(
        "training finished in %.1f s: selected %s, %s); model saved to %s",
        elapsed,
        selected,
        state,
        output_dir,
    )


__all__ = [
    "announce_training",
    "log_seed",
    "log_seed_outcome",
    "prepare_run_output",
    "record_from_stats",
    "seed_line",
]
