"""What ``trainer.train()`` runs: pre-prune, one or several seeds, best-seed selection, reports."""

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
from gradiend.executors.seeds import SeedWork, run_seed_waves
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.training.callbacks import TrainingCallback
from gradiend.training.data_checks import check_training_rows
from gradiend.training.multi_seed import SeedRecord, prune_seed_dirs
from gradiend.training.reuse import check_output_dir, finished_seeds, promote_checkpoint, recover_run_dirs
from gradiend.utils.atomic import atomic_write_json
from gradiend.utils.run_lock import LOCK_FILE, run_lock

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
        finished_model = check_output_dir(output_dir, identity, args.overwrite_output_dir)
        finished = (
            finished_seeds(seeds_dir, args, pair, identity, args.overwrite_output_dir)
            if seeds_dir is not None
            else {}
        )
        if finished_model and args.use_cache:
            logger.info("reusing the trained model at %s (same run identity)", output_dir)
            model = trainer.load_model(output_dir, model_with_gradiend_cls=model_with_gradiend_cls)
            return TrainingResult(output_dir=output_dir, model=model, seed_models={})
        with executor_scope(args, executor) as resolved:
            if args.pre_prune_config is not None and not trainer.param_map.is_pruned:
                trainer.pre_prune(args.pre_prune_config, executor=resolved)
            work = SeedWork(
                trainer, args, callbacks=callbacks, model_with_gradiend_cls=model_with_gradiend_cls,
                fingerprint=identity.digest(), progress=progress, identity=identity.to_dict(),
            )  # fmt: skip
            if seeds_dir is None:
                run = work.train(args.seed, output_dir)
                return TrainingResult(
                    output_dir=output_dir, model=run.model, seed_models={run.seed: run.model}
                )
            return _run_multi_seed(trainer, args, output_dir, work, resolved, seeds_dir, finished)


def _run_multi_seed(
    trainer: Trainer,
    args: TrainingArguments,
    output_dir: str,
    work: SeedWork,
    executor: Executor,
    seeds_dir: Path,
    finished: dict[int, SeedRecord],
) -> TrainingResult:
    pair = trainer.require_pair()
    outcome = run_seed_waves(executor, work, seeds_dir, pair, finished)
    promote_checkpoint(outcome.best.output_dir, output_dir, trainer.run_identity())
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
