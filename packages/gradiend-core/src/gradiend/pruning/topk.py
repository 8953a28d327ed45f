"""Choosing which input dimensions survive pruning, from an importance vector."""

from __future__ import annotations

import torch


def select_dimensions(
    importance: torch.Tensor, topk: int | float | None, threshold: float | None
) -> torch.Tensor:
    """Sorted indices of the dimensions to keep.

    Args:
        importance: one non-negative score per dimension.
        topk: keep this many (int) or this fraction (float in (0, 1]) of the most important dimensions.
        threshold: keep dimensions with importance >= threshold (combined with ``topk``: both must hold).
    """
    if importance.ndim != 1 or importance.numel() == 0:
        raise ValueError(f"importance must be a non-empty vector, got shape {tuple(importance.shape)}")
    scores = importance.detach().float().cpu()
    n = scores.numel()
    mask = torch.ones(n, dtype=torch.bool)
    if threshold is not None:
        mask &= scores >= threshold
    if topk is not None:
        count = topk if isinstance(topk, int) else max(1, round(topk * n))
        count = min(count, n)
        top = torch.topk(scores, count, sorted=False).indices
        top_mask = torch.zeros(n, dtype=torch.bool)
        top_mask[top] = True
        mask &= top_mask
    keep = mask.nonzero().flatten()
    if keep.numel() == 0:
        raise ValueError(
            f"pruning would keep no dimension (topk={topk}, threshold={threshold}, "
            f"max importance {float(scores.max()):.3g}); lower the threshold"
        )
    return keep


__all__ = ["select_dimensions"]
