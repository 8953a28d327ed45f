"""Pre-prune: rank GRADIEND inputs by gradient importance before training, keep the top ones.

Importance of a dimension is the mean over feature classes of |mean source gradient of that class|,
estimated with streaming per-class sums over ``n_samples`` single-class batches. Per-class means keep
the class signal, which cancels when batches of both classes are averaged together.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import torch
from tqdm.auto import tqdm

from gradiend.gradients.compute import source_gradient
from gradiend.gradients.dataset import single_class_batches
from gradiend.model.param_map import ParamMap
from gradiend.pruning.config import PrePruneConfig
from gradiend.pruning.topk import select_dimensions

if TYPE_CHECKING:
    from gradiend.trainer.trainer import Trainer

logger = logging.getLogger(__name__)


def gradient_importance(trainer: Trainer, config: PrePruneConfig, param_map: ParamMap) -> torch.Tensor:
    """Per-dimension importance from ``config.n_samples`` single-class batches (streaming)."""
    args = trainer.args
    rows = trainer.hook.gradiend_create_training_data(
        trainer=trainer, split="train", max_size=args.train_max_size
    )
    if rows is None or rows.empty:
        raise ValueError("pre-prune needs training rows, and the train split is empty")
    seed = config.seed if config.seed is not None else args.seed
    batches = single_class_batches(rows, config.batch_size, seed)[: config.n_samples]
    base_model = trainer.base_model
    base_model.eval()
    params = param_map.parameters(base_model)
    sums: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    for batch in tqdm(batches, desc="pre-prune gradients", leave=False):
        losses = trainer.compute_losses(base_model, batch)
        gradient = source_gradient(losses, params, param_map, config.source)
        name = str(batch["feature_class"].iloc[0])
        if name in sums:
            sums[name].add_(gradient)
        else:
            sums[name] = gradient.clone()
        counts[name] = counts.get(name, 0) + 1
    importance = torch.zeros(param_map.size, dtype=torch.float32)
    for name, total in sums.items():
        importance += (total / counts[name]).abs().float().cpu()
    return importance / max(1, len(sums))


def pre_prune(trainer: Trainer, config: PrePruneConfig) -> ParamMap:
    """The trainer's parameter map restricted to the most important inputs."""
    start = time.perf_counter()
    full = trainer.param_map
    importance = gradient_importance(trainer, config, full)
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


__all__ = ["gradient_importance", "pre_prune"]
