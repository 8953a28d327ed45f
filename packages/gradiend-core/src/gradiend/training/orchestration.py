"""What ``trainer.train()`` runs: pre-prune, one or several seeds, best-seed selection, reports."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiend.arguments import TrainingArguments
from gradiend.executors.base import Executor
from gradiend.executors.factory import EXECUTION_ARGUMENTS, executor_scope
from gradiend.executors.seeds import SeedWork, run_seed_waves
from gradiend.model.checkpoint import (
    is_gradiend_checkpoint,
    load_training_arguments,
    load_training_stats,
    read_checkpoint_config,
)
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.training.callbacks import TrainingCallback
from gradiend.training.multi_seed import SeedRecord, prune_seed_dirs, seed_converged
from gradiend.utils.atomic import atomic_directory, atomic_write_json

if TYPE_CHECKING:
    from gradiend.trainer.trainer import Trainer

logger = logging.getLogger(__name__)

SEED_REPORT_NAME = "seed_report.json"


@dataclass
class TrainingResult:
    """What ``train()`` produced."""

    output_dir: str
    model: ModelWithGradiend
    seed_models: dict[int, ModelWithGradiend] = field(default_factory=dict)
    seed_report: dict[str, Any] | None = None


def seeds_directory(trainer: Trainer, args: TrainingArguments, output_dir: str) -> Path:
    """``seed_runs_dir``, else ``experiment_dir/seeds``, else ``<output_dir>_seeds``."""
    if args.seed_runs_dir:
        return Path(args.seed_runs_dir)
    if trainer.experiment_dir:
        return Path(trainer.experiment_dir) / "seeds"
    out = Path(output_dir)
    return out.parent / f"{out.name}_seeds"


def finished_seeds(seeds_dir: Path, args: TrainingArguments, pair: tuple[str, str]) -> dict[int, SeedRecord]:
    """Seeds an earlier run of the same arguments completed (complete checkpoints only)."""
    records: dict[int, SeedRecord] = {}
    if not seeds_dir.is_dir():
        return records
    wanted = _result_arguments(args.to_dict())
    for directory in sorted(seeds_dir.glob("seed_*")):
        if not is_gradiend_checkpoint(directory):
            continue
        if _result_arguments(load_training_arguments(directory) or {}) != wanted:
            continue
        stats = load_training_stats(directory) or {}
        seed = stats.get("seed")
        if not isinstance(seed, int):
            continue
        score = abs(float(stats.get("best_correlation") or 0.0))
        records[seed] = SeedRecord(
            seed=seed,
            output_dir=str(directory),
            training_score=score,
            eval_correlation=stats.get("eval_correlation"),
            selection_score=abs(stats.get("eval_correlation") or score),
            converged=seed_converged(stats, args, pair),
            best_step=stats.get("best_step"),
            mean_by_class=dict(stats.get("best_mean_by_class") or {}),
            final_loss=stats.get("final_loss"),
        )
    return records


def _result_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments without those that only choose where work runs (so resume works across executors)."""
    return {k: v for k, v in arguments.items() if k not in EXECUTION_ARGUMENTS}


def copy_checkpoint(source: str, destination: str) -> None:
    """Copy a checkpoint directory so that ``destination`` is replaced whole or not at all."""
    with atomic_directory(destination) as staging:
        shutil.copytree(source, staging, dirs_exist_ok=True)


def cached_model(trainer: Trainer, output_dir: str, fingerprint: str) -> ModelWithGradiend | None:
    """The finished model at ``output_dir`` when it was trained with the same fingerprint."""
    if not is_gradiend_checkpoint(output_dir):
        return None
    config = read_checkpoint_config(output_dir)
    if config.get("metadata", {}).get("fingerprint") != fingerprint:
        logger.info("cached model at %s has another fingerprint: retraining", output_dir)
        return None
    logger.info("reusing the trained model at %s (same fingerprint)", output_dir)
    return trainer.load_model(output_dir)


def run_training(
    trainer: Trainer,
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
    names); one seed runs here.
    """
    fingerprint = trainer.cache_fingerprint() if args.use_cache else None
    if fingerprint is not None:
        cached = cached_model(trainer, output_dir, fingerprint)
        if cached is not None:
            return TrainingResult(output_dir=output_dir, model=cached, seed_models={})
    with executor_scope(args, executor) as resolved:
        if args.pre_prune_config is not None and not trainer.param_map.is_pruned:
            trainer.pre_prune(args.pre_prune_config, executor=resolved)
        work = SeedWork(
            trainer, args, callbacks=callbacks, model_with_gradiend_cls=model_with_gradiend_cls,
            fingerprint=fingerprint, progress=progress,
        )  # fmt: skip
        if args.max_seeds == 1:
            run = work.train(args.seed, output_dir)
            return TrainingResult(output_dir=output_dir, model=run.model, seed_models={run.seed: run.model})
        return _run_multi_seed(trainer, args, output_dir, work, resolved)


def _run_multi_seed(
    trainer: Trainer,
    args: TrainingArguments,
    output_dir: str,
    work: SeedWork,
    executor: Executor,
) -> TrainingResult:
    pair = trainer.require_pair()
    seeds_dir = seeds_directory(trainer, args, output_dir)
    finished = finished_seeds(seeds_dir, args, pair)
    outcome = run_seed_waves(executor, work, seeds_dir, pair, finished)
    copy_checkpoint(outcome.best.output_dir, output_dir)
    report = outcome.report(args)
    report["output_dir"] = output_dir
    report_dir = Path(trainer.experiment_dir) if trainer.experiment_dir else seeds_dir
    atomic_write_json(report_dir / SEED_REPORT_NAME, report)
    prune_seed_dirs(outcome, args.saved_seed_runs)
    best_run = outcome.runs.get(outcome.best.seed)
    model = (
        best_run.model
        if best_run is not None
        else trainer.load_model(output_dir, model_with_gradiend_cls=work.model_with_gradiend_cls)
    )
    seed_models = {seed: run.model for seed, run in outcome.runs.items()}
    logger.info(
        "multi-seed: %s", json.dumps({"best_seed": outcome.best.seed, "n_converged": outcome.n_converged})
    )
    return TrainingResult(output_dir=output_dir, model=model, seed_models=seed_models, seed_report=report)


__all__ = ["SEED_REPORT_NAME", "TrainingResult", "finished_seeds", "run_training", "seeds_directory"]
