"""Per-example gradients and their encodings (encoder analysis and checkpoint selection).

Each row is encoded from its own gradient, computed at the row's real length (no padding): a batch of
one is both the fastest exact way on Hugging Face models and what the method defines. The gradients of
a fixed set of rows never change while the base model is frozen, so :class:`GradientEncoder` keeps
them (within a memory budget) and re-encodes them at every evaluation with one matrix product.

On an executor whose work runs in other processes (Ray), the rows are split into one shard per worker:
each worker unpickles the definition and the model once and returns its shard's gradients (when they
are cached) or its shard's encodings. Per-row gradients do not depend on the shard, so both ways give
the same encodings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import torch
from tqdm.auto import tqdm

from gradiend.executors.base import Executor, split_groups
from gradiend.gradients.compute import source_gradient
from gradiend.model.param_map import ParamMap
from gradiend.utils.progress import progress_enabled

if TYPE_CHECKING:
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.run_context import LossDefinition

logger = logging.getLogger(__name__)

DEFAULT_CACHE_BYTES = 512 * 1024**2
"""Budget for keeping per-row gradients between evaluations (512 MiB)."""


def row_gradient(
    definition: LossDefinition,
    model_with_gradiend: ModelWithGradiend,
    row: pd.DataFrame,
    source: str,
) -> torch.Tensor:
    """The flat ``source`` gradient of one row (neutral rows: the factual gradient)."""
    base_model = model_with_gradiend.base_model
    params = model_with_gradiend.param_map.parameters(base_model)
    losses = definition.compute_losses(base_model, row)
    return source_gradient(losses, params, model_with_gradiend.param_map, source)


@dataclass(frozen=True)
class ShardWork:
    """The setup of encoder-evaluation workers (it returns itself; it pickles with its trainer)."""

    definition: LossDefinition
    model_with_gradiend: ModelWithGradiend
    source: str

    def __call__(self) -> ShardWork:
        """The worker state is the work itself."""
        self.model_with_gradiend.base_model.eval()
        return self


def row_gradients(
    work: ShardWork, rows: pd.DataFrame, *, progress: bool = False, reuse_buffer: bool = True
) -> Iterator[torch.Tensor]:
    """The gradient of each row of ``rows``, one at a time (never more than one in memory).

    With ``reuse_buffer`` every row is flattened into the same vector (no n-sized allocation per row):
    a yielded gradient is overwritten by the next one, so use or copy it before advancing. The bar is
    shown when ``progress`` is set (callers pass the trainer's ``progress_bars()``) and
    ``TQDM_DISABLE`` is not.
    """
    bars = progress_enabled(progress)
    indices = tqdm(range(len(rows)), desc="encoder gradients", disable=not bars, leave=False)
    model_with_gradiend = work.model_with_gradiend
    base_model, param_map = model_with_gradiend.base_model, model_with_gradiend.param_map
    params = param_map.parameters(base_model)  # looked up once, not once per row
    buffer = None
    for i in indices:
        losses = work.definition.compute_losses(base_model, rows.iloc[i : i + 1])
        gradient = source_gradient(losses, params, param_map, work.source, out=buffer)
        if reuse_buffer:
            buffer = gradient
        yield gradient


def _encodings(model_with_gradiend: ModelWithGradiend, gradients: Iterator[torch.Tensor]) -> torch.Tensor:
    """The encoding of each gradient, stacked ``[rows, latent_dim]`` (no gradient kept)."""
    encodings = []
    for gradient in gradients:
        with torch.no_grad():
            encodings.append(model_with_gradiend.encode_gradient(gradient).reshape(-1))
    return torch.stack(encodings)


def shard_gradients(work: ShardWork, rows: pd.DataFrame) -> torch.Tensor:
    """The stacked gradients of one shard of rows, ``[len(rows), n]``."""
    return _stacked(row_gradients(work, rows), len(rows))


def shard_encodings(work: ShardWork, rows: pd.DataFrame) -> torch.Tensor:
    """The encodings of one shard of rows, ``[len(rows), latent_dim]`` (no gradient kept)."""
    return _encodings(work.model_with_gradiend, row_gradients(work, rows))


def run_shards(
    executor: Executor,
    work: ShardWork,
    rows: pd.DataFrame,
    *,
    keep_gradients: bool,
) -> torch.Tensor:
    """Gradients (``keep_gradients``) or encodings of ``rows``, one shard per worker of ``executor``."""
    start = time.perf_counter()
    shards = [rows.iloc[group] for group in split_groups(len(rows), executor.workers, None)]
    function = shard_gradients if keep_gradients else shard_encodings
    results = executor.map_with_setup(work, function, shards, group_size=1)
    logger.debug(
        "computed %d per-example gradients in %d shard(s) on %r in %.2fs",
        len(rows), len(shards), executor, time.perf_counter() - start,
    )  # fmt: skip
    return torch.cat(results)


def _stacked(gradients: Iterator[torch.Tensor], count: int) -> torch.Tensor:
    """``torch.stack`` of ``count`` equal-shaped tensors, filled in place (never two copies in memory)."""
    out: torch.Tensor | None = None
    for i, gradient in enumerate(gradients):
        if out is None:
            out = torch.empty((count, *gradient.shape), dtype=gradient.dtype, device=gradient.device)
        out[i] = gradient
    if out is None:
        raise ValueError("no gradients to stack")
    return out


CACHE_DTYPES: tuple[torch.dtype, ...] = (torch.float32, torch.bfloat16, torch.float16)
"""Dtypes the gradient cache may hold its rows in."""

_ENCODE_CHUNK_ROWS = 4
"""Cached rows cast to the GRADIEND dtype and encoded at a time (bounds the temporary copy)."""


class GradientEncoder:
    """Encodes a fixed set of rows, one gradient per row, caching as many gradients as fit a budget.

    The first rows whose gradients fit the budget are kept (in ``cache_dtype``) and re-encoded at every
    call; the others are recomputed one at a time. A budget of at least all rows keeps them all.

    Args:
        definition: the modality computing row losses.
        rows: the rows to encode (columns ``label``, ``feature_class``, ``type`` at least).
        source: gradient kind to encode for training rows.
        cache_bytes: keep gradients in memory up to this many bytes (``None``: keep them all).
        cache_relative: when given, the budget is this multiple of the GRADIEND's own weight bytes
            (its parameters in their dtype), instead of ``cache_bytes``.
        cache_dtype: the dtype of the kept gradients (float32, or bfloat16/float16 for half the
            memory; the encodings then differ by the rounding of the gradients).
        progress: show a progress bar while computing gradients.
        executor: computes the gradients in shards when its work runs in other processes (``None`` or
            an in-process executor: here, one row at a time). Sharded, the cache keeps all rows or none.
    """

    def __init__(
        self,
        definition: LossDefinition,
        rows: pd.DataFrame,
        source: str,
        *,
        cache_bytes: int | None = DEFAULT_CACHE_BYTES,
        cache_relative: float | None = None,
        cache_dtype: torch.dtype = torch.float32,
        progress: bool = True,
        executor: Executor | None = None,
    ) -> None:
        if rows.empty:
            raise ValueError("no rows to encode (the evaluation split is empty)")
        if cache_dtype not in CACHE_DTYPES:
            raise ValueError(f"cache_dtype must be one of {list(CACHE_DTYPES)}, got {cache_dtype!r}")
        if cache_relative is not None and not cache_relative >= 0:
            raise ValueError(f"cache_relative must be a number >= 0, got {cache_relative!r}")
        self.definition = definition
        self.rows = rows.reset_index(drop=True)
        self.source = source
        self.cache_bytes = cache_bytes
        self.cache_relative = cache_relative
        self.cache_dtype = cache_dtype
        self.progress = progress
        self.executor = executor if executor is not None and not executor.in_process else None
        self._cache: torch.Tensor | None = None
        self._cache_map: ParamMap | None = None

    @staticmethod
    def default_cache_bytes() -> int:
        """The default gradient-cache budget in bytes."""
        return DEFAULT_CACHE_BYTES

    def cached_rows(self, model_with_gradiend: ModelWithGradiend) -> int:
        """How many rows' gradients the budget keeps for this model (0 to ``len(rows)``)."""
        budget: float | None = self.cache_bytes
        if self.cache_relative is not None:
            gradiend = model_with_gradiend.gradiend
            budget = self.cache_relative * sum(p.numel() * p.element_size() for p in gradiend.parameters())
        if budget is None:
            return len(self.rows)
        row_bytes = model_with_gradiend.param_map.size * self.cache_dtype.itemsize
        rows = min(len(self.rows), int(budget // row_bytes))
        if self.executor is not None and rows < len(self.rows):
            return 0  # shards return whole blocks: all rows or none
        return rows

    def _gradients(self, model_with_gradiend: ModelWithGradiend) -> torch.Tensor | None:
        """The cached gradients of the first rows ``[k, n]`` (k may be < all rows), or None (k = 0).

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
        self._cache = self._cache_map = None
        count = self.cached_rows(model_with_gradiend)
        if count == 0:
            return None
        if self.executor is not None:
            gradients = run_shards(
                self.executor, self._work(model_with_gradiend), self.rows, keep_gradients=True
            )
            self._cache = gradients.to(self.cache_dtype)
        else:
            rows = self._iter_gradients(model_with_gradiend, self.rows.iloc[:count])
            self._cache = _stacked((g.to(self.cache_dtype) for g in rows), count)
        self._cache_map = param_map
        logger.info(
            "caching %d of %d validation gradients (%.1f MiB, %s)",
            count, len(self.rows), self._cache.numel() * self._cache.element_size() / 2**20, self.cache_dtype,
        )  # fmt: skip
        return self._cache

    def _work(self, model_with_gradiend: ModelWithGradiend) -> ShardWork:
        return ShardWork(self.definition, model_with_gradiend, self.source)

    def _iter_gradients(
        self, model_with_gradiend: ModelWithGradiend, rows: pd.DataFrame
    ) -> Iterator[torch.Tensor]:
        """Row gradients one at a time (never more than one in memory beyond the caller's)."""
        start = time.perf_counter()
        model_with_gradiend.base_model.eval()
        yield from row_gradients(self._work(model_with_gradiend), rows, progress=self.progress)
        elapsed = time.perf_counter() - start
        logger.debug("computed %d per-example gradients in %.2fs", len(rows), elapsed)

    def encode(self, model_with_gradiend: ModelWithGradiend) -> pd.DataFrame:
        """The rows with an ``encoded`` column (a float, or a list when latent_dim > 1)."""
        gradiend = model_with_gradiend.gradiend
        cached = self._gradients(model_with_gradiend)
        count = 0 if cached is None else len(cached)
        parts = []
        if cached is not None:
            with torch.no_grad():
                parts += [
                    model_with_gradiend.encode_gradient(cached[i : i + _ENCODE_CHUNK_ROWS])
                    for i in range(0, count, _ENCODE_CHUNK_ROWS)
                ]
        if count < len(self.rows):
            rest = self.rows.iloc[count:]
            if self.executor is not None:
                parts.append(
                    run_shards(self.executor, self._work(model_with_gradiend), rest, keep_gradients=False)
                )
            else:
                parts.append(_encodings(model_with_gradiend, self._iter_gradients(model_with_gradiend, rest)))
        encoded = torch.cat([p.reshape(-1, gradiend.latent_dim) for p in parts])
        encoded = encoded.float().cpu().reshape(len(self.rows), -1)
        frame = self.rows.copy()
        if gradiend.latent_dim == 1:
            frame["encoded"] = encoded[:, 0].numpy()
        else:
            frame["encoded"] = [row.tolist() for row in encoded]
        return frame


def encode_rows(
    definition: LossDefinition,
    model_with_gradiend: ModelWithGradiend,
    rows: pd.DataFrame,
    source: str,
    *,
    progress: bool = True,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Encode ``rows`` once (no caching across calls), in shards on ``executor`` when it runs elsewhere."""
    encoder = GradientEncoder(definition, rows, source, cache_bytes=0, progress=progress, executor=executor)
    return encoder.encode(model_with_gradiend)


__all__ = [
    "CACHE_DTYPES",
    "DEFAULT_CACHE_BYTES",
    "GradientEncoder",
    "ShardWork",
    "encode_rows",
    "row_gradient",
    "row_gradients",
    "run_shards",
    "shard_encodings",
    "shard_gradients",
]
