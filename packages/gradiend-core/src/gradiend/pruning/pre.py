"""Pre-prune: rank GRADIEND inputs by gradient importance before training, keep the top ones.

Importance of a dimension is the mean over feature classes of |mean source gradient of that class|,
estimated with streaming per-class sums over ``n_samples`` single-class batches. Per-class means keep
the class signal, which cancels when batches of both classes are averaged together.

On an executor whose work runs in other processes (Ray), the batches are split into one shard per
worker; each worker returns its shard's per-class sums and counts, which add up to the same means (up
to the order of floating-point additions).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import torch
from tqdm.auto import tqdm

from gradiend.executors.base import Executor, split_groups
from gradiend.gradients.compute import source_gradient
from gradiend.gradients.dataset import single_class_batches
from gradiend.model.param_map import ParamMap
from gradiend.pruning.config import PrePruneConfig
from gradiend.pruning.topk import select_dimensions
from gradiend.utils.progress import progress_enabled

if TYPE_CHECKING:
    from gradiend.run_context import RunContext

logger = logging.getLogger(__name__)


ClassSums = dict[str, tuple[torch.Tensor, int]]
"""Per feature class: the sum of its batches' source gradients and how many batches it had."""


@dataclass(frozen=True)
class ImportanceWork:
    """The setup of pre-prune workers (it returns itself; it pickles with its trainer)."""

    trainer: RunContext
    param_map: ParamMap
    source: str
    progress: bool = False

    def __call__(self) -> ImportanceWork:
        """The worker state is the work itself."""
        self.trainer.base_model.eval()
        return self


def class_gradient_sums(work: ImportanceWork, batches: Sequence[pd.DataFrame]) -> ClassSums:
    """Sum the source gradients of ``batches`` per feature class (each batch holds one class)."""
    base_model = work.trainer.base_model
    params = work.param_map.parameters(base_model)
    sums: ClassSums = {}
    for batch in tqdm(batches, desc="pre-prune gradients", leave=False, disable=not work.progress):
        losses = work.trainer.compute_losses(base_model, batch)
        gradient = source_gradient(losses, params, work.param_map, work.source)
        _accumulate(sums, str(batch["feature_class"].iloc[0]), gradient, 1)
    return sums


def _accumulate(sums: ClassSums, name: str, total: torch.Tensor, count: int) -> None:
    """Add ``total`` (``count`` batches) to class ``name``'s sum, in place after the first time."""
    if name in sums:
        previous, previous_count = sums[name]
        sums[name] = (previous.add_(total), previous_count + count)
    else:
        sums[name] = (total.clone(), count)


def _merge(parts: Sequence[ClassSums]) -> ClassSums:
    merged: ClassSums = {}
    for part in parts:
        for name, (total, count) in part.items():
            _accumulate(merged, name, total, count)
    return merged


def gradient_importance(
    trainer: RunContext, config: PrePruneConfig, param_map: ParamMap, executor: Executor | None = None
) -> torch.Tensor:
    """Per-dimension importance from ``config.n_samples`` single-class batches (streaming sums).

    With an ``executor`` whose work runs in other processes, the batches go out in one shard per worker.
    """
    args = trainer.args
    rows = trainer.hook.gradiend_create_training_data(
        trainer=trainer, split="train", max_size=args.train_max_size
    )
    if rows is None or rows.empty:
        raise ValueError("pre-prune needs training rows, and the train split is empty")
    seed = config.seed if config.seed is not None else args.seed
    batches = single_class_batches(rows, config.batch_size, seed)[: config.n_samples]
    if executor is None or executor.in_process:
        bars = progress_enabled(True, args.disable_tqdm)
        sums = class_gradient_sums(ImportanceWork(trainer, param_map, config.source, progress=bars), batches)
    else:
        shards = [[batches[i] for i in group] for group in split_groups(len(batches), executor.workers, None)]
        work = ImportanceWork(trainer, param_map, config.source)
        sums = _merge(executor.map_with_setup(work, class_gradient_sums, shards, group_size=1))
    importance = torch.zeros(param_map.size, dtype=torch.float32)
    for total, count in sums.values():
        importance += (total / count).abs().float().cpu()
    return importance / max(1, len(sums))


def pre_prune(trainer: RunContext, config: PrePruneConfig, executor: Executor | None = None) -> ParamMap:
    """The trainer's parameter map restricted to the most important inputs (gradients on ``executor``)."""
    start = time.perf_counter()
    full = trainer.param_map
    importance = gradient_importance(trainer, config, full, executor)
    keep = select_dimensions(importance, config.topk, config.threshold)
    pruned = full.select(keep)
    logger.info(
        "pre-prune kept %d of %d inputs (%.2f%%) in %.1fs",
        pruned.size,
        full.size,
        100.0 * pruned.size / full.size,
        time.perf_counter() - start,
    )
    return pruned


__all__ = ["ClassSums", "ImportanceWork", "class_gradient_sums", "gradient_importance", "pre_prune"]
