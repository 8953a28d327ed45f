"""Pairwise similarity of GRADIENDs: cosine and Spearman of their weights, top-k and mass overlap.

Each GRADIEND is read as a sparse vector over the base space (see :mod:`gradiend.comparison.common`):
one block per selected input (its encoder column, decoder row, decoder bias entry or decoder row sum).
Entries a GRADIEND does not select count as zero, so differently pruned GRADIENDs compare exactly.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import torch

from gradiend.comparison.common import (
    GroupingSpec,
    aggregate_scores,
    base_index_map,
    local_topk,
    normalize_model_groups,
    overlap_fraction,
    param_name_of_inputs,
    part_blocks,
    topk_weights,
    validate_part,
    validate_seed_aggregation,
    validate_topk,
)

logger = logging.getLogger(__name__)

MEASURES: tuple[str, ...] = (
    "cosine",
    "cosine_signed",
    "spearman",
    "spearman_signed",
    "topk_overlap",
    "mass_overlap",
)
"""Measures of :func:`compute_similarity_matrix` (unsigned variants take the absolute value)."""

GROUPED_MEASURES: tuple[str, ...] = MEASURES[:4]
"""Measures of :func:`compute_grouped_similarity_matrices`."""


@dataclass(frozen=True)
class SparseWeights:
    """A GRADIEND part over the base space: sorted base indices, one block row each, parameter names."""

    index: torch.Tensor
    blocks: torch.Tensor
    names: tuple[str, ...]

    def subset(self, mask: torch.Tensor) -> SparseWeights:
        """The entries where ``mask`` is True."""
        names = tuple(n for n, keep in zip(self.names, mask.tolist(), strict=True) if keep)
        return SparseWeights(self.index[mask], self.blocks[mask], names)


def sparse_weights(model: Any, part: str, topk: int | float | None) -> SparseWeights:
    """The selected entries of ``part`` of a ``ModelWithGradiend`` (all when ``topk`` is None)."""
    if not (hasattr(model, "gradiend") and hasattr(model, "param_map")):
        raise TypeError(
            f"weight similarity needs ModelWithGradiend objects (a .gradiend and a .param_map), "
            f"got {type(model).__name__}"
        )
    local = local_topk(model, part, topk)
    base = base_index_map(model)[local]
    order = torch.argsort(base)
    names = param_name_of_inputs(model)
    chosen = local[order].tolist()
    return SparseWeights(base[order], part_blocks(model, part)[local[order]], tuple(names[i] for i in chosen))


def _aligned(a: SparseWeights, b: SparseWeights) -> tuple[torch.Tensor, torch.Tensor]:
    """Both vectors over the union of their indices (zeros where one has no entry), flattened."""
    union = torch.unique(torch.cat([a.index, b.index]))
    width = a.blocks.shape[1]
    if b.blocks.shape[1] != width:
        raise ValueError(
            f"cannot compare GRADIENDs with different latent sizes ({width} and {b.blocks.shape[1]})"
        )
    out = []
    for side in (a, b):
        dense = torch.zeros(union.numel(), width)
        dense[torch.searchsorted(union, side.index)] = side.blocks
        out.append(dense.flatten())
    return out[0], out[1]


def cosine(a: SparseWeights, b: SparseWeights) -> float:
    """Cosine of the two sparse vectors (0 when one of them is all zero)."""
    shared_a = torch.isin(a.index, b.index)
    shared_b = torch.isin(b.index, a.index)
    dot = float((a.blocks[shared_a].double() * b.blocks[shared_b].double()).sum())
    norm = float(torch.linalg.vector_norm(a.blocks.double())) * float(
        torch.linalg.vector_norm(b.blocks.double())
    )
    return dot / norm if norm > 0 else 0.0


def spearman(a: SparseWeights, b: SparseWeights) -> float:
    """Spearman rank correlation over the union of entries (average ranks for ties; 0 if constant)."""
    x, y = _aligned(a, b)
    if x.numel() < 2:
        return 0.0
    value = pd.Series(x.numpy()).rank().corr(pd.Series(y.numpy()).rank())
    return 0.0 if value is None or math.isnan(value) else float(value)


def mass_overlap(a: SparseWeights, b: SparseWeights) -> float:
    """Mean over both GRADIENDs of the share of their weight norm that lies on the shared entries."""
    shares = []
    for mine, other in ((a, b), (b, a)):
        total = float(torch.linalg.vector_norm(mine.blocks.double()))
        if total == 0.0:
            return 0.0
        shared = torch.isin(mine.index, other.index)
        shares.append(float(torch.linalg.vector_norm(mine.blocks[shared].double())) / total)
    return 0.5 * (shares[0] + shares[1])


def _pair_score(
    model_a: Any, model_b: Any, *, measure: str, part: str, topk: int | float | None, value: str
) -> float:
    if measure == "topk_overlap":
        assert topk is not None
        set_a = set(topk_weights(model_a, part, topk))
        set_b = set(topk_weights(model_b, part, topk))
        inter = len(set_a & set_b)
        return float(inter) if value == "intersection" else overlap_fraction(len(set_a), len(set_b), inter)
    a = sparse_weights(model_a, part, topk)
    b = sparse_weights(model_b, part, topk)
    if measure.startswith("cosine"):
        score = cosine(a, b)
    elif measure.startswith("spearman"):
        score = spearman(a, b)
    else:
        return mass_overlap(a, b)
    return score if measure.endswith("_signed") else abs(score)


def _check_measure(measure: str, topk: int | float | None, value: str) -> str:
    resolved = str(measure or "cosine").lower()
    if resolved not in MEASURES:
        raise ValueError(f"measure must be one of {list(MEASURES)}, got {measure!r}")
    if resolved in ("topk_overlap", "mass_overlap") and topk is None:
        raise ValueError(f"topk must be given for measure={resolved!r} (an int > 0 or a fraction in (0, 1])")
    if value not in ("intersection", "intersection_frac"):
        raise ValueError(f"value must be 'intersection' or 'intersection_frac', got {value!r}")
    return resolved


def compute_similarity_matrix(
    models: Mapping[str, Any] | Sequence[Any],
    *,
    measure: str = "cosine",
    part: str | None = None,
    topk: int | float | None = None,
    value: str = "intersection_frac",
    seed_aggregate: str = "mean",
    dispersion: str = "none",
    seed_pairing_mode: str = "matched",
) -> dict[str, Any]:
    """Pairwise similarity of GRADIENDs as the published comparison payload.

    Args:
        models: ``{name: ModelWithGradiend}`` (or a list, labelled by checkpoint folder); a list or
            tuple value is a group of seed models whose pairwise scores are aggregated per cell.
        measure: one of :data:`MEASURES`; ``cosine``/``spearman`` take the absolute value.
        part: ``encoder-weight``, ``decoder-weight``, ``decoder-bias`` or ``decoder-sum``; default
            ``decoder-weight`` for ``topk_overlap`` and ``encoder-weight`` otherwise.
        topk: None (all weights), an int or a fraction of each GRADIEND's weights (by importance);
            required for ``topk_overlap`` and ``mass_overlap``.
        value: for ``topk_overlap``: ``intersection_frac`` (over the smaller set) or ``intersection``.
        seed_aggregate: ``mean``, ``median``, ``min`` or ``max`` over the seed pairs of a cell.
        dispersion: ``none``, ``std``, ``range`` or ``minmax`` recorded per multi-seed cell.
        seed_pairing_mode: ``matched`` (seed i with seed i; equal group sizes) or ``all_pairs``.

    Returns:
        ``{"measure", "model_ids", "matrix", "part", "topk", ...}``; ``topk_overlap`` adds ``value``,
        ``per_model`` and ``resolved_topk``; seed groups add ``n_matrix``, ``cell_stats``,
        ``multi_seed`` and ``global_n`` (or ``global_n_range``).
    """
    groups = normalize_model_groups(models)
    validate_topk(topk)
    resolved = _check_measure(measure, topk, value)
    resolved_part = validate_part(
        part or ("decoder-weight" if resolved == "topk_overlap" else "encoder-weight")
    )
    validate_seed_aggregation(seed_aggregate, dispersion)
    if seed_pairing_mode not in ("matched", "all_pairs"):
        raise ValueError(f"seed_pairing_mode must be 'matched' or 'all_pairs', got {seed_pairing_mode!r}")
    ids = list(groups)
    logger.info(
        "computing %s similarity of %d GRADIENDs (part=%s, topk=%s)", resolved, len(ids), resolved_part, topk
    )
    if all(len(group) == 1 for group in groups.values()):
        return _single_matrix({k: g[0] for k, g in groups.items()}, resolved, resolved_part, topk, value)
    return _seed_matrix(
        groups, resolved, resolved_part, topk, value, seed_aggregate, dispersion, seed_pairing_mode
    )


def _single_matrix(
    models: dict[str, Any], measure: str, part: str, topk: int | float | None, value: str
) -> dict[str, Any]:
    ids = list(models)
    payload: dict[str, Any] = {"measure": measure, "model_ids": ids, "part": part, "topk": topk}
    if measure == "topk_overlap":
        assert topk is not None
        per_model = {mid: topk_weights(models[mid], part, topk) for mid in ids}
        sets = {mid: set(v) for mid, v in per_model.items()}
        matrix = []
        for a in ids:
            row = []
            for b in ids:
                inter = len(sets[a] & sets[b])
                row.append(
                    float(inter)
                    if value == "intersection"
                    else overlap_fraction(len(sets[a]), len(sets[b]), inter)
                )
            matrix.append(row)
        payload.update(value=value, per_model=per_model, resolved_topk={m: len(s) for m, s in sets.items()})
    else:
        vectors = {mid: sparse_weights(models[mid], part, topk) for mid in ids}
        matrix = [[_vector_score(vectors[a], vectors[b], measure) for b in ids] for a in ids]
        payload["resolved_topk"] = {mid: int(v.index.numel()) for mid, v in vectors.items()}
        payload["block_dim"] = int(next(iter(vectors.values())).blocks.shape[1])
    payload["matrix"] = matrix
    return payload


def _vector_score(a: SparseWeights, b: SparseWeights, measure: str) -> float:
    if measure == "mass_overlap":
        return mass_overlap(a, b)
    score = cosine(a, b) if measure.startswith("cosine") else spearman(a, b)
    return score if measure.endswith("_signed") else abs(score)


def _seed_matrix(
    groups: dict[str, list[Any]],
    measure: str,
    part: str,
    topk: int | float | None,
    value: str,
    seed_aggregate: str,
    dispersion: str,
    seed_pairing_mode: str,
) -> dict[str, Any]:
    ids = list(groups)
    matrix: list[list[float]] = []
    n_matrix: list[list[int]] = []
    cell_stats: list[list[dict[str, Any]]] = []
    for a in ids:
        row, n_row, stats_row = [], [], []
        for b in ids:
            pairs = _seed_pairs(groups, a, b, seed_pairing_mode)
            scores = [_pair_score(x, y, measure=measure, part=part, topk=topk, value=value) for x, y in pairs]
            stats = aggregate_scores(scores, seed_aggregate=seed_aggregate, dispersion=dispersion)
            row.append(stats["aggregate"])
            n_row.append(stats["n"])
            stats_row.append(stats)
        matrix.append(row)
        n_matrix.append(n_row)
        cell_stats.append(stats_row)
    counts = [n for row in n_matrix for n in row]
    payload: dict[str, Any] = {
        "measure": measure,
        "model_ids": ids,
        "matrix": matrix,
        "part": part,
        "topk": topk,
        "value": value,
        "seed_aggregate": seed_aggregate,
        "dispersion": dispersion,
        "seed_pairing_mode": seed_pairing_mode,
        "n_matrix": n_matrix,
        "cell_stats": cell_stats,
        "multi_seed": True,
    }
    if min(counts) == max(counts):
        payload["global_n"] = counts[0]
    else:
        payload["global_n_range"] = [min(counts), max(counts)]
    return payload


def _seed_pairs(groups: dict[str, list[Any]], a: str, b: str, mode: str) -> list[tuple[Any, Any]]:
    left, right = groups[a], groups[b]
    if mode == "all_pairs":
        return [(x, y) for x in left for y in right]
    if len(left) != len(right):
        raise ValueError(
            f"seed_pairing_mode='matched' needs equal seed group sizes; {a!r} has {len(left)} and "
            f"{b!r} has {len(right)} (use seed_pairing_mode='all_pairs')"
        )
    return list(zip(left, right, strict=True))


_LAYER_PATTERN = re.compile(r"(?:^|\.)(?:layers?|layer|h|blocks?)\.(\d+)(?:\.|$)")
_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("embeddings", r"embed|wte|wpe"),
    ("attention_query", r"query|q_proj|\bwq\b"),
    ("attention_key", r"key|k_proj|\bwk\b"),
    ("attention_value", r"value|v_proj|\bwv\b"),
    ("attention_output", r"attention.*(output|o_proj|out_proj|dense)|attn.*(c_proj|o_proj|out_proj)"),
    ("mlp_up", r"intermediate|up_proj|gate_proj|fc1|c_fc|lin1"),
    ("mlp_down", r"output|down_proj|fc2|mlp.*c_proj|lin2"),
    ("normalization", r"norm|\bln|layernorm"),
    ("head", r"lm_head|classifier|score|head"),
)


def group_of(param_name: str, group_by: GroupingSpec) -> str:
    """The group of a base-model parameter under ``group_by`` (``"other"`` when a rule does not match)."""
    if group_by in (None, "param"):
        return param_name
    if isinstance(group_by, Mapping):
        return str(group_by.get(param_name, "other"))
    if callable(group_by):
        return str(group_by(param_name))
    if group_by == "layer":
        match = _LAYER_PATTERN.search(param_name)
        return f"layer_{match.group(1)}" if match else "other"
    if group_by == "component":
        lowered = param_name.lower()
        for name, pattern in _COMPONENTS:
            if re.search(pattern, lowered):
                return name
        return "other"
    raise ValueError(
        f"group_by must be None, 'param', 'layer', 'component', a dict or a callable, got {group_by!r}"
    )


def compute_grouped_similarity_matrices(
    models: Mapping[str, Any] | Sequence[Any],
    *,
    measure: str = "cosine",
    part: str | None = None,
    topk: int | float | None = None,
    group_by: GroupingSpec = "param",
) -> dict[str, dict[str, Any]]:
    """One similarity matrix per parameter group (``group_by="layer"``: one per transformer layer).

    The weights are selected first (``part``, ``topk``) and then split by the group of the base-model
    parameter they belong to. Returns ``{group: {"measure", "group", "group_by", "model_ids", "matrix",
    "part", "topk"}}``.
    """
    groups = normalize_model_groups(models)
    if any(len(g) != 1 for g in groups.values()):
        raise ValueError("compute_grouped_similarity_matrices takes one model per name, not seed groups")
    validate_topk(topk)
    resolved = str(measure or "cosine").lower()
    if resolved not in GROUPED_MEASURES:
        raise ValueError(f"measure must be one of {list(GROUPED_MEASURES)}, got {measure!r}")
    resolved_part = validate_part(part or "encoder-weight")
    if isinstance(group_by, str) and group_by not in ("param", "layer", "component"):
        raise ValueError(
            f"group_by must be 'param', 'layer', 'component', a dict or a callable, got {group_by!r}"
        )
    ids = list(groups)
    vectors = {mid: sparse_weights(groups[mid][0], resolved_part, topk) for mid in ids}
    per_group: dict[str, dict[str, SparseWeights]] = {}
    for mid, vector in vectors.items():
        labels = [group_of(name, group_by) for name in vector.names]
        for label in dict.fromkeys(labels):
            mask = torch.tensor([lab == label for lab in labels], dtype=torch.bool)
            per_group.setdefault(label, {})[mid] = vector.subset(mask)
    out: dict[str, dict[str, Any]] = {}
    for label, members in per_group.items():
        empty = SparseWeights(
            torch.empty(0, dtype=torch.long), torch.empty(0, vectors[ids[0]].blocks.shape[1]), ()
        )
        matrix = [
            [_vector_score(members.get(a, empty), members.get(b, empty), resolved) for b in ids] for a in ids
        ]
        out[label] = {
            "measure": resolved,
            "group": label,
            "group_by": "param"
            if group_by is None
            else (group_by if isinstance(group_by, str) else "custom"),
            "model_ids": ids,
            "matrix": matrix,
            "part": resolved_part,
            "topk": topk,
        }
    return out


__all__ = [
    "GROUPED_MEASURES",
    "MEASURES",
    "SparseWeights",
    "compute_grouped_similarity_matrices",
    "compute_similarity_matrix",
    "cosine",
    "group_of",
    "mass_overlap",
    "sparse_weights",
    "spearman",
]
