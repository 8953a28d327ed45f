"""Top-k weight sets of several GRADIENDs: per-model sets, intersection, union, Venn regions, stability."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from gradiend.comparison.common import as_named_models, overlap_fraction, topk_weights, validate_topk

SEED_GROUP_POLICIES: tuple[str, ...] = ("primary", "union", "intersection")
"""How a seed group collapses to one top-k set: its first model, or the union/intersection over seeds."""


def _group_set(model: Any, part: str, topk: int | float, policy: str) -> list[int]:
    if not isinstance(model, (list, tuple)):
        return topk_weights(model, part, topk)
    if not model:
        raise ValueError("a seed group must hold at least one model")
    if policy == "primary":
        return topk_weights(model[0], part, topk)
    sets = [set(topk_weights(m, part, topk)) for m in model]
    combined = set.union(*sets) if policy == "union" else set.intersection(*sets)
    return sorted(combined)


def compute_topk_sets(
    models: Mapping[str, Any] | Sequence[Any],
    topk: int | float = 100,
    part: str = "decoder-weight",
    seed_group_policy: str = "primary",
) -> tuple[dict[str, list[int]], list[int], list[int]]:
    """``(per_model, intersection, union)`` of the base-space top-k weight indices.

    ``per_model`` lists each model's indices, most important first; ``intersection`` and ``union`` are
    sorted. A list/tuple value is a seed group, collapsed by ``seed_group_policy``.
    """
    named = as_named_models(models)
    if not named:
        raise ValueError("models: give at least one model")
    validate_topk(topk, required=True)
    if seed_group_policy not in SEED_GROUP_POLICIES:
        raise ValueError(
            f"seed_group_policy must be one of {list(SEED_GROUP_POLICIES)}, got {seed_group_policy!r}"
        )
    per_model = {name: _group_set(model, part, topk, seed_group_policy) for name, model in named.items()}
    sets = [set(v) for v in per_model.values()]
    return per_model, sorted(set.intersection(*sets)), sorted(set.union(*sets))


def venn_regions(per_model: Mapping[str, Sequence[int]]) -> dict[tuple[str, ...], int]:
    """Size of every Venn region: ``{(names in the region): count of indices in exactly those sets}``."""
    sets = {name: set(values) for name, values in per_model.items()}
    names = list(sets)
    regions: dict[tuple[str, ...], int] = {}
    for size in range(1, len(names) + 1):
        for combo in itertools.combinations(names, size):
            inside = set.intersection(*(sets[n] for n in combo))
            outside = set().union(*(sets[n] for n in names if n not in combo))
            regions[combo] = len(inside - outside)
    return regions


def compute_seed_topk_stability(
    seed_models: Sequence[Any] | Mapping[str, Any],
    *,
    topk: int | float = 1000,
    part: str = "decoder-weight",
) -> dict[str, Any]:
    """How stable the top-k weights are across the seeds of one GRADIEND.

    Args:
        seed_models: the seeds' ``ModelWithGradiend`` objects (a list, or ``{seed_label: model}``).
        topk: how many weights (int) or which fraction of each GRADIEND's weights to select.
        part: importance source (``decoder-weight`` by default).

    Returns:
        ``{"model_ids", "matrix"}`` (pairwise overlap over the smaller set, a comparison payload),
        ``"per_model"``, ``"intersection"`` and ``"union"`` (index lists), ``"mean_pairwise_overlap"``,
        ``"core_fraction"`` (|intersection| / mean set size), ``"inclusion"`` (index -> number of seeds
        that select it) and ``measure="seed_topk_stability"``.
    """
    if isinstance(seed_models, Mapping):
        named = {str(k): v for k, v in seed_models.items()}
    else:
        named = {f"seed_{i}": m for i, m in enumerate(seed_models)}
    if len(named) < 2:
        raise ValueError(f"seed_models: at least 2 seeds are needed to measure stability, got {len(named)}")
    per_model, intersection, union = compute_topk_sets(named, topk=topk, part=part)
    sets = {k: set(v) for k, v in per_model.items()}
    ids = list(sets)
    matrix = [
        [overlap_fraction(len(sets[a]), len(sets[b]), len(sets[a] & sets[b])) for b in ids] for a in ids
    ]
    off_diagonal = [matrix[i][j] for i in range(len(ids)) for j in range(len(ids)) if i != j]
    mean_size = sum(len(s) for s in sets.values()) / len(sets)
    inclusion: dict[int, int] = {}
    for values in sets.values():
        for index in values:
            inclusion[index] = inclusion.get(index, 0) + 1
    return {
        "measure": "seed_topk_stability",
        "model_ids": ids,
        "matrix": matrix,
        "part": part,
        "topk": topk,
        "per_model": per_model,
        "intersection": intersection,
        "union": union,
        "mean_pairwise_overlap": sum(off_diagonal) / len(off_diagonal),
        "core_fraction": len(intersection) / mean_size if mean_size else 0.0,
        "inclusion": dict(sorted(inclusion.items())),
    }


__all__ = ["SEED_GROUP_POLICIES", "compute_seed_topk_stability", "compute_topk_sets", "venn_regions"]
