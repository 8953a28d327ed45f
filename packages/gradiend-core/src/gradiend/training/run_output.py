"""What a run tells its user through the ``gradiend`` logger: a line per seed, warnings, summaries.

Per seed: the seed, its best step, its correlation (and validation correlation in multi-seed runs) and
whether it converged. At the end of ``train()``: where the model was saved and how the selected seed
did. ``evaluate_encoder`` and ``evaluate_decoder`` add the held-out correlation and the selected rewrite.
A single-seed run that did not converge warns with its values and what to try (multi-seed runs warn
through :func:`gradiend.training.multi_seed.conclude`). The evaluation lines live in
:mod:`gradiend.evaluation.result_lines`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from gradiend.arguments import TrainingArguments
from gradiend.training.multi_seed import SeedRecord, non_convergence_message, seed_record
from gradiend.training.runner import SeedRun

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
    """``seed 0: best step 100, correlation +0.9731, validation correlation +0.9512, converged``."""
    parts = [f"seed {record.seed}: best step {record.best_step}", f"correlation {record.training_score:.4f}"]
    if record.eval_correlation is not None:
        parts.append(f"validation correlation {_signed(record.eval_correlation)}")
    parts.append("converged" if record.converged else "did not converge")
    return ", ".join(parts)


def log_seed(record: SeedRecord) -> None:
    """Log the line of one finished seed (INFO)."""
    logger.info(seed_line(record))


def announce_single_seed(run: SeedRun, args: TrainingArguments, pair: tuple[str, str]) -> SeedRecord:
    """Log a single-seed run's line; warn with its values and what to try when it did not converge."""
    record = seed_record(run, args, pair, run.stats.get("eval_correlation"))
    log_seed(record)
    if not record.converged:
        logger.warning("the GRADIEND did not converge. %s", non_convergence_message([record], args))
    return record


def log_run_summary(output_dir: str, records: Sequence[SeedRecord], best: SeedRecord, started: float) -> None:
    """The end of ``train()``: where the model went and how the selected seed did."""
    converged = sum(r.converged for r in records)
    seeds = f"{converged} of {len(records)} seed{'s' if len(records) != 1 else ''} converged"
    selected = f"seed {best.seed} (best step {best.best_step}, correlation {best.training_score:.4f}"
    if best.eval_correlation is not None:
        selected += f", validation correlation {_signed(best.eval_correlation)}"
    logger.info(
        "training finished in %.1f s: %s; selected %s); model saved to %s",
        time.perf_counter() - started,
        seeds,
        selected,
        output_dir,
    )


__all__ = [
    "announce_single_seed",
    "log_run_summary",
    "log_seed",
    "prepare_run_output",
    "seed_line",
]
