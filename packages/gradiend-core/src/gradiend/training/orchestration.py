"""What ``trainer.train()`` runs: pre-prune, one or several seeds, best-seed selection, reports.

It changes nothing on the run it is given: a pre-pruned parameter map comes back in the result
(:attr:`TrainingResult.param_map`) for the caller to keep.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiend.arguments import TrainingArguments
from gradiend.executors.base import Executor
from gradiend.executors.factory import executor_scope
from gradiend.model.checkpoint import is_gradiend_checkpoint, load_training_stats, read_json_file
from gradiend.model.param_map import ParamMap
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.pruning.pre import pre_prune
from gradiend.run_files import SEED_REPORT_FILE, SEEDS_DIR
from gradiend.training.callbacks import TrainingCallback
from gradiend.training.data_checks import check_training_rows
from gradiend.training.multi_seed import (
    MultiSeedOutcome,
    SeedRecord,
    conclude,
    prune_seed_dirs,
    seed_converged,
)
from gradiend.training.reuse import check_output_dir, finished_seeds, promote_checkpoint, recover_run_dirs
from gradiend.training.seeds import SeedWork, run_seed_waves
from gradiend.utils.atomic import atomic_write_json
from gradiend.utils.run_lock import LOCK_FILE, run_lock

if TYPE_CHECKING:
    from gradiend.run_context import RunContext

logger = logging.getLogger(__name__)

SEED_REPORT_NAME = SEED_REPORT_FILE


@dataclass
class TrainingResult:
    """What ``train()`` produced."""

    output_dir: str
    model: ModelWithGradiend
    seed_models: dict[int, ModelWithGradiend] = field(default_factory=dict)
    seed_report: dict[str, Any] | None = None
    param_map: ParamMap | None = None
    """The pre-pruned parameter map when this run pre-pruned (the caller keeps it), else None."""


def seeds_directory(trainer: RunContext, args: TrainingArguments, output_dir: str) -> Path:
    """``seed_runs_dir``, else ``experiment_dir/seeds``, else ``<output_dir>_seeds``."""
    if args.seed_runs_dir:
        return Path(args.seed_runs_dir)
    if trainer.experiment_dir:
        return Path(trainer.experiment_dir) / SEEDS_DIR
    out = Path(output_dir)
    return out.parent / f"{out.name}_seeds"


def run_met_convergence(trainer: RunContext, args: TrainingArguments, output_dir: str) -> bool:
    """Whether the run saved at ``output_dir`` has ``min_convergent_seeds`` (at least one) converged seeds.

    A multi-seed run is judged by its seed report's ``convergent_count``; a single-seed run by its
    training.json.
    """
    required = args.min_convergent_seeds or 1
    if args.max_seeds > 1:
        report_path = seeds_directory(trainer, args, output_dir) / SEED_REPORT_NAME
        if not report_path.is_file():
            return False
        report = read_json_file(report_path)
        return int(report.get("convergent_count") or 0) >= required
    stats = load_training_stats(output_dir) or {}
    return required <= 1 and seed_converged(stats, args, trainer.require_pair())


def _reusable_model(trainer: RunContext, args: TrainingArguments, output_dir: str, finished: bool) -> bool:
    """Whether ``use_cache`` lets this run return the finished model at ``output_dir`` untrained.

    ``True``: a finished model of the same run identity. ``"only_convergent"``: the same, and the run met
    ``min_convergent_seeds``. ``"always"`` is handled before the identity check (any checkpoint).
    """
    if not finished or not args.use_cache:
        return False
    if args.use_cache == "only_convergent" and not run_met_convergence(trainer, args, output_dir):
        logger.info("the model at %s did not meet min_convergent_seeds: training again", output_dir)
        return False
    return True


def run_training(
    trainer: RunContext,
    args: TrainingArguments,
    output_dir: str,
    *,
    callbacks: Sequence[TrainingCallback] | None = None,
    model_with_gradiend_cls: type[ModelWithGradiend] | None = None,
    progress: bool = True,
    executor: Executor | str | None = None,
) -> TrainingResult:
    """Train as the arguments say and return where the selected model lives.

    Several seeds, and the pre-prune gradients, run on ``executor`` (default: the one ``args.executor``
    names); one seed runs here. With ``args.pre_prune_config`` and a parameter map not yet pruned, the
    seeds train over the pre-pruned map, which the result carries (``trainer`` is left as it was).
    """
    check_training_rows(trainer, args)
    identity = trainer.run_identity()
    pair = trainer.require_pair()
    seeds_dir = seeds_directory(trainer, args, output_dir) if args.max_seeds > 1 else None
    out = Path(output_dir)
    lock = (
        (trainer.experiment_dir, LOCK_FILE) if trainer.experiment_dir else (out.parent, f".{out.name}.lock")
    )
    with run_lock(*lock):
        recover_run_dirs(output_dir, seeds_dir, SEED_REPORT_NAME)
        if args.use_cache == "always" and is_gradiend_checkpoint(output_dir):
            logger.warning(
                "use_cache='always': reusing the model at %s without comparing its run identity", output_dir
            )
            model = trainer.load_model(output_dir, model_with_gradiend_cls=model_with_gradiend_cls)
            return TrainingResult(output_dir=output_dir, model=model, seed_models={})
        finished_model = check_output_dir(output_dir, identity, args.overwrite_output_dir)
        finished = (
            finished_seeds(seeds_dir, args, pair, identity, args.overwrite_output_dir)
            if seeds_dir is not None
            else {}
        )
        if _reusable_model(trainer, args, output_dir, finished_model):
            logger.info("reusing the trained model at %s (same run identity)", output_dir)
            model = trainer.load_model(output_dir, model_with_gradiend_cls=model_with_gradiend_cls)
            return TrainingResult(output_dir=output_dir, model=model, seed_models={})
        with executor_scope(args, executor) as resolved:
            pruned = None
            if args.pre_prune_config is not None and not trainer.param_map.is_pruned:
                pruned = pre_prune(trainer, args.pre_prune_config, resolved)
            work = SeedWork(
                trainer, args, callbacks=callbacks, model_with_gradiend_cls=model_with_gradiend_cls,
                fingerprint=identity.digest(), progress=progress, identity=identity.to_dict(),
                param_map=pruned,
            )  # fmt: skip
            if seeds_dir is None:
                run = work.train(args.seed, output_dir)
                return TrainingResult(
                    output_dir=output_dir,
                    model=run.model,
                    seed_models={run.seed: run.model},
                    param_map=pruned,
                )
            result = _run_multi_seed(trainer, args, output_dir, work, resolved, seeds_dir, finished)
            result.param_map = pruned
            return result


def seed_topk_stability(outcome: MultiSeedOutcome, args: TrainingArguments) -> dict[str, Any] | None:
    """Top-k overlap between the convergent seeds' GRADIENDs (None, logged, with fewer than two)."""
    from gradiend.comparison.topk import compute_seed_topk_stability

    models = {
        f"seed_{r.seed}": outcome.runs[r.seed].model
        for r in outcome.records
        if r.converged and r.seed in outcome.runs
    }
    if len(models) < 2:
        logger.warning("seed stability needs two convergent seeds trained in this run, got %d", len(models))
        return None
    assert args.seed_stability_topk is not None
    result = compute_seed_topk_stability(models, topk=args.seed_stability_topk, part=args.seed_stability_part)
    keys = ("model_ids", "matrix", "mean_pairwise_overlap", "core_fraction")
    summary = {k: result[k] for k in keys}
    summary.update(topk=args.seed_stability_topk, part=args.seed_stability_part)
    logger.info("seed top-k stability: mean pairwise overlap %.3f", summary["mean_pairwise_overlap"])
    return summary


def _run_multi_seed(
    trainer: RunContext,
    args: TrainingArguments,
    output_dir: str,
    work: SeedWork,
    executor: Executor,
    seeds_dir: Path,
    finished: dict[int, SeedRecord],
) -> TrainingResult:
    pair = trainer.require_pair()
    pair = trainer.require_pair()
    if args.use_cache == "always" and finished:
        logger.info("use_cache='always': finishing from the saved seeds %s, training none", sorted(finished))
        outcome = conclude([finished[seed] for seed in sorted(finished)], {}, args)
    else:
        outcome = run_seed_waves(executor, work, seeds_dir, pair, finished)
    promote_checkpoint(outcome.best.output_dir, output_dir, trainer.run_identity())
    report = outcome.report(args, pair)
    report["output_dir"] = output_dir
    if args.analyze_seed_stability:
        report["seed_topk_stability"] = seed_topk_stability(outcome, args)
    atomic_write_json(seeds_dir / SEED_REPORT_NAME, report)
    prune_seed_dirs(outcome, args.saved_seed_runs)
    best_run = outcome.runs.get(outcome.best.seed)
    model = (
        best_run.model
        if best_run is not None
        else trainer.load_model(output_dir, model_with_gradiend_cls=work.model_with_gradiend_cls)
    )
    seed_models = {seed: run.model for seed, run in outcome.runs.items()}
    logger.debug(
        "multi-seed: %s",
        json.dumps({"best_seed": outcome.best.seed, "convergent_count": outcome.n_converged}),
    )
    return TrainingResult(output_dir=output_dir, model=model, seed_models=seed_models, seed_report=report)


__all__ = [
    "SEED_REPORT_NAME",
    "TrainingResult",
    "finished_seeds",
    "run_met_convergence",
    "run_training",
    "seeds_directory",
]
