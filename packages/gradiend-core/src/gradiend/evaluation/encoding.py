"""Per-example gradients and their encodings (encoder analysis and checkpoint selection).

Each row is encoded from its own gradient, computed at the row's real length (no padding): a batch of
one is both the fastest exact way on Hugging Face models and what the method defines. The gradients of
a fixed set of rows never change while the base model is frozen, so :class:`GradientEncoder` keeps
them (within a memory budget) and re-encodes them at every evaluation with one matrix product.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pandas as pd
import torch
from tqdm.auto import tqdm

from gradiend.gradients.compute import source_gradient
from gradiend.model.param_map import ParamMap

if TYPE_CHECKING:
    from gradiend.definition import FeatureLearningDefinition
    from gradiend.model.with_gradiend import ModelWithGradiend

logger = logging.getLogger(__name__)

DEFAULT_CACHE_BYTES = 512 * 1024**2
"""Budget for keeping per-row gradients between evaluations (512 MiB)."""


def row_gradient(
    definition: FeatureLearningDefinition,
    model_with_gradiend: ModelWithGradiend,
    row: pd.DataFrame,
    source: str,
) -> torch.Tensor:
    """The flat ``source`` gradient of one row (neutral rows: the factual gradient)."""
    base_model = model_with_gradiend.base_model
    params = model_with_gradiend.param_map.parameters(base_model)
    losses = definition.compute_losses(base_model, row)
    return source_gradient(losses, params, model_with_gradiend.param_map, source)


class GradientEncoder:
    """Encodes a fixed set of rows, one gradient per row, caching the gradients when they fit.

    Args:
        definition: the modality computing row losses.
        rows: the rows to encode (columns ``label``, ``feature_class``, ``type`` at least).
        source: gradient kind to encode for training rows.
        cache_bytes: keep gradients in memory when they need at most this many bytes
            (``None``: always keep them).
        progress: show a progress bar while computing gradients.
    """

    def __init__(
        self,
        definition: FeatureLearningDefinition,
        rows: pd.DataFrame,
        source: str,
        *,
        cache_bytes: int | None = DEFAULT_CACHE_BYTES,
        progress: bool = True,
    ) -> None:
        if rows.empty:
            raise ValueError("no rows to encode (the evaluation split is empty)")
        self.definition = definition
        self.rows = rows.reset_index(drop=True)
        self.source = source
        self.cache_bytes = cache_bytes
        self.progress = progress
        self._cache: torch.Tensor | None = None
        self._cache_map: ParamMap | None = None

    @staticmethod
    def default_cache_bytes() -> int:
        """The default gradient-cache budget in bytes."""
        return DEFAULT_CACHE_BYTES

    def _fits(self, input_dim: int) -> bool:
        needed = len(self.rows) * input_dim * 4
        return self.cache_bytes is None or needed <= self.cache_bytes

    def _gradients(self, model_with_gradiend: ModelWithGradiend) -> torch.Tensor | None:
        """All row gradients stacked (cached), or None when they do not fit the budget.

        A model whose parameter map is a sub-selection of the cached one (post-pruned) reads its
        entries from the cache; any other map recomputes the gradients.
        """
        param_map = model_with_gradiend.param_map
        if self._cache is not None and self._cache_map is not None:
            if param_map == self._cache_map:
                return self._cache
            try:
                return self._cache[:, param_map.positions_in(self._cache_map)]
            except ValueError:
                logger.info("parameter map changed: recomputing the cached gradients")
        if not self._fits(param_map.size):
            return None
        self._cache = torch.stack(list(self._iter_gradients(model_with_gradiend)))
        self._cache_map = param_map
        return self._cache

    def _iter_gradients(self, model_with_gradiend: ModelWithGradiend) -> Iterator[torch.Tensor]:
        """Row gradients one at a time (never more than one in memory beyond the caller's)."""
        start = time.perf_counter()
        model_with_gradiend.base_model.eval()
        indices = tqdm(
            range(len(self.rows)), desc="encoder gradients", disable=not self.progress, leave=False
        )
        for i in indices:
            yield row_gradient(self.definition, model_with_gradiend, self.rows.iloc[[i]], self.source)
        elapsed = time.perf_counter() - start
        logger.info("computed %d per-example gradients in %.2fs", len(self.rows), elapsed)

    def encode(self, model_with_gradiend: ModelWithGradiend) -> pd.DataFrame:
        """The rows with an ``encoded`` column (a float, or a list when latent_dim > 1)."""
        gradiend = model_with_gradiend.gradiend
        stacked = self._gradients(model_with_gradiend)
        if stacked is not None:
            with torch.no_grad():
                encoded = model_with_gradiend.encode_gradient(stacked)
        else:
            encodings = []
            for gradient in self._iter_gradients(model_with_gradiend):
                with torch.no_grad():
                    encodings.append(model_with_gradiend.encode_gradient(gradient))
            encoded = torch.stack(encodings)
        encoded = encoded.float().cpu().reshape(len(self.rows), -1)
        frame = self.rows.copy()
        if gradiend.latent_dim == 1:
            frame["encoded"] = encoded[:, 0].numpy()
        else:
            frame["encoded"] = [row.tolist() for row in encoded]
        return frame


def encode_rows(
    definition: FeatureLearningDefinition,
    model_with_gradiend: ModelWithGradiend,
    rows: pd.DataFrame,
    source: str,
    *,
    progress: bool = True,
) -> pd.DataFrame:
    """Encode ``rows`` once (no caching across calls)."""
    return GradientEncoder(definition, rows, source, cache_bytes=0, progress=progress).encode(
        model_with_gradiend
    )


__all__ = ["DEFAULT_CACHE_BYTES", "GradientEncoder", "encode_rows", "row_gradient"]
