"""Training seeds as units of work: one seed per item, in waves that keep the sequential stopping rule.

Seeds ``seed, seed+1, ...`` are trained until ``min_convergent_seeds`` converged or ``max_seeds`` were
tried. A wave holds at most ``min(workers, seeds still needed)`` consecutive seeds, so a wave can only
reach the goal with its last seed: every executor trains exactly the seeds the one-at-a-time loop
trains, and writes the same seed report.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiend.arguments import TrainingArguments
from gradiend.executors.base import Executor, WorkerPool
from gradiend.model.param_map import ParamMap
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.run_identity import METADATA_KEY as RUN_IDENTITY_KEY
from gradiend.training.callbacks import TrainingCallback
from gradiend.training.loop import EncoderEvaluation
from gradiend.training.multi_seed import MultiSeedOutcome, SeedRecord, conclude, seed_record
from gradiend.training.run_output import log_seed, log_seed_outcome
from gradiend.training.runner import SeedRun, make_encoder_evaluation, train_seed, validation_rows
from gradiend.training.seeding import set_seed

if TYPE_CHECKING:
    from gradiend.run_context import RunContext

logger = logging.getLogger(__name__)


@dataclass
class SeedResult:
    """What a worker returns for one seed (the model only when trained in this process)."""

    seed: int
    output_dir: str
    stats: dict[str, Any]
    eval_correlation: float | None
    model: ModelWithGradiend | None


class SeedWork:
    """Everything needed to train one seed; the setup of seed workers (it returns itself).

    It pickles with its run (the trainer, see ``Trainer.__getstate__``); the validation encoder, which
    caches gradients, is not pickled but built on first use wherever the work runs.

    Args:
        trainer: the run (a :class:`~gradiend.run_context.RunContext`) whose definition, base model and
            parameter map are used.
        args: the arguments of the run.
        callbacks: extra training callbacks (on a remote worker they run on a copy: changes they make
            to their own attributes do not come back).
        model_with_gradiend_cls: a ModelWithGradiend subclass to wrap each new model in.
        fingerprint: stored in each model's metadata when caching is on.
        identity: the run identity (``RunIdentity.to_dict()``) stored in each model's metadata.
        progress: show progress bars.
        keep_models: return each trained model with its result (False for remote workers).
        param_map: the parameter map of each new GRADIEND (default: the run's, ``trainer.param_map``).
    """

    def __init__(
        self,
        trainer: RunContext,
        args: TrainingArguments,
        *,
        callbacks: Sequence[TrainingCallback] | None = None,
        model_with_gradiend_cls: type[ModelWithGradiend] | None = None,
        fingerprint: str | None = None,
        progress: bool = True,
        keep_models: bool = True,
        identity: dict[str, Any] | None = None,
        param_map: ParamMap | None = None,
    ) -> None:
        self.trainer = trainer
        self.param_map = param_map
        self.args = args
        self.callbacks = list(callbacks or [])
        self.model_with_gradiend_cls = model_with_gradiend_cls
        self.fingerprint = fingerprint
        self.progress = progress
        self.keep_models = keep_models
        self.identity = identity
        self._evaluate: EncoderEvaluation | None = None
        self._evaluate_ready = False

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.update(_evaluate=None, _evaluate_ready=False)
        return state

    def __call__(self) -> SeedWork:
        """The worker state of seed work is the work itself."""
        return self

    def remote_copy(self) -> SeedWork:
        """A copy for workers in other processes: no progress bars, models stay on disk."""
        return SeedWork(
            self.trainer,
            self.args,
            callbacks=self.callbacks,
            model_with_gradiend_cls=self.model_with_gradiend_cls,
            fingerprint=self.fingerprint,
            progress=False,
            keep_models=False,
            identity=self.identity,
            param_map=self.param_map,
        )

    def evaluation(self) -> EncoderEvaluation | None:
        """The validation encoder used for checkpoint selection (``None`` when evaluation is off)."""
        if not self._evaluate_ready:
            args = self.args
            if args.do_eval and args.eval_strategy != "no":
                cap = args.encoder_eval_train_max_size or args.encoder_eval_max_size
                rows = validation_rows(self.trainer, args, cap)
                self._evaluate = make_encoder_evaluation(self.trainer, args, rows, progress=self.progress)
            self._evaluate_ready = True
        return self._evaluate

    def train(self, seed: int, output_dir: str) -> SeedRun:
        """Train and save one seed; the GRADIEND is initialised from ``seed``."""
        evaluate = self.evaluation()
        # Loading the base model may reseed torch (e.g. a model trained on the fly): load it first.
        _ = self.trainer.param_map
        set_seed(seed)
        model = self.trainer.create_model_with_gradiend(args=self.args, param_map=self.param_map)
        if self.model_with_gradiend_cls is not None:
            model = self.model_with_gradiend_cls(
                model.base_model, model.gradiend, model.param_map, model.base_model_id, model.metadata
            )
        if self.fingerprint is not None:
            model.metadata["fingerprint"] = self.fingerprint
        if self.identity is not None:
            model.metadata[RUN_IDENTITY_KEY] = self.identity
        return train_seed(
            self.trainer, self.args, output_dir, seed, evaluate=evaluate, model_with_gradiend=model,
            callbacks=self.callbacks, progress=self.progress, identity=self.identity,
        )  # fmt: skip

    def selection_correlation(self, model: ModelWithGradiend) -> float | None:
        """The seed's ``eval_correlation``: an encoder evaluation of its best model on the validation split.

        At most ``seed_selection_eval_max_size`` rows per class (``encoder_eval_max_size`` when unset)
        are encoded, here in this process; ``None`` when evaluation is off (``do_eval=False``) or the
        convergence metric is the loss.
        """
        args = self.args
        if not args.do_eval or args.eval_strategy == "no" or args.convergent_metric == "loss":
            return None
        cap = args.seed_selection_eval_max_size or args.encoder_eval_max_size
        result = self.trainer.evaluator.evaluate_encoder(
            model_with_gradiend=model, split="validation", max_size=cap, use_cache=False, executor="local"
        )
        correlation = result.get("correlation")
        return None if correlation is None else float(correlation)

    def train_and_validate(self, seed: int, output_dir: str) -> SeedResult:
        """Train one seed of a multi-seed run; store its validation correlation with the checkpoint."""
        run = self.train(seed, output_dir)
        correlation = self.selection_correlation(run.model)
        if correlation is not None:
            run.stats["eval_correlation"] = correlation
            run.model.save_pretrained(run.output_dir, training_stats=run.stats, arguments=self.args.to_dict())
        model = run.model if self.keep_models else None
        return SeedResult(seed, run.output_dir, run.stats, correlation, model)


def train_seed_item(work: SeedWork, item: tuple[int, str]) -> SeedResult:
    """The unit of work of a seed worker: ``item`` is ``(seed, output_dir)``."""
    seed, output_dir = item
    return work.train_and_validate(seed, output_dir)


def _wave(args: TrainingArguments, start: int, size: int, finished: dict[int, SeedRecord]) -> list[int]:
    """Up to ``size`` consecutive unfinished seed indices from ``start``."""
    indices: list[int] = []
    index = start
    while len(indices) < size and index < args.max_seeds and args.seed + index not in finished:
        indices.append(index)
        index += 1
    return indices


def run_seed_waves(
    executor: Executor,
    work: SeedWork,
    seeds_dir: Path,
    pair: tuple[str, str],
    finished: dict[int, SeedRecord] | None = None,
) -> MultiSeedOutcome:
    """Train seeds on ``executor`` until ``min_convergent_seeds`` converged or ``max_seeds`` were tried.

    ``finished`` holds records of seeds completed by an earlier (interrupted) run, possibly on another
    executor: they are not retrained. Each seed is saved to ``seeds_dir/seed_<n>`` as soon as it ends.
    """
    args = work.args
    finished = finished or {}
    _ = work.trainer.param_map  # workers get the base model loaded here, not each its own load
    shipped = work if executor.in_process else work.remote_copy()
    records: list[SeedRecord] = []
    runs: dict[int, SeedRun] = {}
    with executor.pool(shipped, train_seed_item) as pool:
        index = 0
        while index < args.max_seeds and _converged(records) < args.seeds_to_converge:
            if args.seed + index in finished:
                logger.info("seed %d already finished in an earlier run: reusing it", args.seed + index)
                records.append(finished[args.seed + index])
                index += 1
                continue
            need = args.seeds_to_converge - _converged(records)
            wave = _wave(args, index, min(executor.workers, need), finished)
            index += len(wave)
            for result in _train_wave(pool, wave, args, seeds_dir):
                run = _as_run(work, result)
                runs[run.seed] = run
                records.append(seed_record(run, args, pair, result.eval_correlation))
                log_seed(records[-1])
    outcome = conclude(records, runs, args)
    log_seed_outcome(outcome, args)
    return outcome


def _train_wave(
    pool: WorkerPool[SeedWork, tuple[int, str], SeedResult],
    wave: list[int],
    args: TrainingArguments,
    seeds_dir: Path,
) -> list[SeedResult]:
    seeds = [args.seed + index for index in wave]
    logger.debug("training seeds %s", seeds)
    return pool.map([(seed, str(seeds_dir / f"seed_{seed}")) for seed in seeds], group_size=1)


def _as_run(work: SeedWork, result: SeedResult) -> SeedRun:
    """A SeedRun of a result; a model trained elsewhere is loaded from its (shared) directory."""
    model = result.model
    if model is None:
        model = work.trainer.load_model(
            result.output_dir, model_with_gradiend_cls=work.model_with_gradiend_cls
        )
    return SeedRun(seed=result.seed, output_dir=result.output_dir, model=model, stats=result.stats)


def _converged(records: list[SeedRecord]) -> int:
    return sum(r.converged for r in records)


__all__ = ["SeedResult", "SeedWork", "run_seed_waves", "train_seed_item"]
