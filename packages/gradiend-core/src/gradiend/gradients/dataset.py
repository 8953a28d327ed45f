"""Single-class batches of training rows, turned into gradient pairs on the fly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch

from gradiend.gradients.compute import compute_gradient_pair

if TYPE_CHECKING:
    from gradiend.definition import FeatureLearningDefinition
    from gradiend.model.with_gradiend import ModelWithGradiend


@dataclass
class GradientBatch:
    """One training batch: flat source and target gradients of rows of one feature class."""

    source: torch.Tensor
    target: torch.Tensor
    label: float
    feature_class: str
    size: int


def single_class_batches(rows: pd.DataFrame, batch_size: int, seed: int) -> list[pd.DataFrame]:
    """Split rows into shuffled batches that each hold one feature class.

    The class signal cancels in a batch that mixes both classes, so batches never mix them. Batch
    order is shuffled across classes with ``seed``, so classes alternate during training.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    rng = np.random.default_rng(seed)
    batches: list[pd.DataFrame] = []
    for _, group in rows.groupby("feature_class", sort=True):
        order = rng.permutation(len(group))
        shuffled = group.iloc[order]
        batches.extend(shuffled.iloc[i : i + batch_size] for i in range(0, len(shuffled), batch_size))
    batch_order = rng.permutation(len(batches))
    return [batches[i] for i in batch_order]


class GradientTrainingDataset:
    """Iterates over single-class batches, computing each batch's gradient pair when it is reached.

    Args:
        definition: the modality; its ``compute_losses`` gives the batch losses.
        rows: training rows (columns ``feature_class`` and ``label`` at least).
        model_with_gradiend: base model and parameter map.
        source: gradient kind fed to the encoder.
        target: gradient kind the decoder reconstructs.
        batch_size: rows per batch.
        seed: seed of the batch order; epoch ``e`` uses ``seed + e``.
    """

    def __init__(
        self,
        definition: FeatureLearningDefinition,
        rows: pd.DataFrame,
        model_with_gradiend: ModelWithGradiend,
        source: str,
        target: str,
        batch_size: int,
        seed: int,
    ) -> None:
        if rows.empty:
            raise ValueError("training data is empty: no rows to compute gradients from")
        missing = {"feature_class", "label"} - set(rows.columns)
        if missing:
            raise ValueError(f"training data lacks the column(s) {sorted(missing)}")
        self.definition = definition
        self.rows = rows
        self.model_with_gradiend = model_with_gradiend
        self.source = source
        self.target = target
        self.batch_size = batch_size
        self.seed = seed
        self._buffers: tuple[torch.Tensor, torch.Tensor] | None = None

    def batches(self, epoch: int = 0) -> list[pd.DataFrame]:
        """The row batches of one epoch, in training order."""
        return single_class_batches(self.rows, self.batch_size, self.seed + epoch)

    def __len__(self) -> int:
        """Batches per epoch."""
        counts = self.rows["feature_class"].value_counts()
        return int(sum(-(-int(c) // self.batch_size) for c in counts))

    @contextmanager
    def reusing_buffers(self) -> Iterator[None]:
        """Within the block, every batch is flattened into the same two buffers (allocated once).

        Saves two n-sized allocations per batch (and the heap fragmentation they leave), but a batch's
        ``source``/``target`` are overwritten by the next batch: use each batch before asking for the
        next one (as the training loop does). The buffers are released when the block ends.
        """
        previous = self._buffers
        size = self.model_with_gradiend.param_map.size
        device = next(self.model_with_gradiend.gradiend.parameters()).device
        self._buffers = (
            torch.empty(size, dtype=torch.float32, device=device),
            torch.empty(size, dtype=torch.float32, device=device),
        )
        try:
            yield
        finally:
            self._buffers = previous

    def gradient_batch(self, rows: pd.DataFrame) -> GradientBatch:
        """Compute the gradient pair of one single-class batch (into the reused buffers, if any)."""
        mwg = self.model_with_gradiend
        base_model = mwg.base_model
        params = mwg.param_map.parameters(base_model)
        losses = self.definition.compute_losses(base_model, rows)
        pair = compute_gradient_pair(losses, params, mwg.param_map, self.source, self.target, self._buffers)
        return GradientBatch(
            source=pair.source,
            target=pair.target,
            label=float(rows["label"].iloc[0]),
            feature_class=str(rows["feature_class"].iloc[0]),
            size=len(rows),
        )

    def iter_epoch(self, epoch: int = 0) -> Iterator[GradientBatch]:
        """Gradient batches of one epoch."""
        for rows in self.batches(epoch):
            yield self.gradient_batch(rows)

    def __iter__(self) -> Iterator[GradientBatch]:
        """Gradient batches of epoch 0."""
        return self.iter_epoch(0)


__all__ = ["GradientBatch", "GradientTrainingDataset", "single_class_batches"]
