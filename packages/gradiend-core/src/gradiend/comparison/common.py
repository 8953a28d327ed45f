"""What every comparison needs: named model sets, validated arguments, base-space weight selection.

GRADIENDs trained on the same base model may select different weights (pre- and post-pruning), so a
comparison works in the *base space*: weight ``i`` of a GRADIEND is identified by the flat index of the
base-model entry it reads, counted over ``base_model.named_parameters()`` in order. Two GRADIENDs of
the same architecture then agree on every index, whatever each one pruned.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import pandas as pd
import torch

PARTS: tuple[str, ...] = ("encoder-weight", "decoder-weight", "decoder-bias", "decoder-sum")
"""The GRADIEND parts a comparison can read."""

SEED_AGGREGATES: tuple[str, ...] = ("mean", "median", "min", "max")
"""How the scores of several seeds' GRADIENDs collapse into one cell."""

DISPERSIONS: tuple[str, ...] = ("none", "std", "range", "minmax")
"""Which spread of the seed scores a multi-seed cell also records."""

GroupingSpec = Union[str, Mapping[str, str], Callable[[str], str], None]  # noqa: UP007 - a runtime alias
"""``"param"``, ``"layer"``, ``"component"``, ``{param_name: group}`` or ``param_name -> group``."""


def as_named_models(models: Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
    """``{name: model}`` from a dict, or a list labelled by folder (``runs/a_b/model`` -> ``a_b``).

    Raises:
        TypeError: ``models`` is neither a mapping nor a list, or a key is not a string.
        ValueError: list labels cannot be derived uniquely (pass a dict instead).
    """
    if isinstance(models, Mapping):
        for key in models:
            if not isinstance(key, str):
                raise TypeError(f"models keys must be strings (display names), got {key!r}")
        return dict(models)
    if isinstance(models, (list, tuple)):
        labels = [_label_of(model, i) for i, model in enumerate(models)]
        if len(set(labels)) != len(labels):
            raise ValueError(
                f"models: cannot derive unique labels from a list (got {labels}); pass a dict name -> model"
            )
        return dict(zip(labels, models, strict=True))
    raise TypeError(f"models must be a dict name -> model or a list of models, got {type(models).__name__}")


def _label_of(model: Any, index: int) -> str:
    path = getattr(model, "name_or_path", None) or getattr(model, "model_path", None)
    metadata = getattr(model, "metadata", None)
    if path is None and isinstance(metadata, Mapping):
        path = metadata.get("model_path")
    if not path:
        return f"model_{index}"
    parts = Path(str(path)).parts
    if len(parts) >= 2 and parts[-1] == "model":
        return parts[-2]
    return parts[-1]


def validate_models(models: Mapping[str, Any], minimum: int = 2) -> None:
    """Raise a clear error unless ``models`` maps at least ``minimum`` string names to models."""
    if not isinstance(models, Mapping):
        raise TypeError(f"models must be a dict name -> model, got {type(models).__name__}")
    if len(models) < minimum:
        raise ValueError(f"models: at least {minimum} models are required, got {len(models)}")


def validate_topk(topk: int | float | None, *, required: bool = False, name: str = "topk") -> None:
    """``topk`` is None (not when required), an int > 0 or a float in (0, 1]."""
    if topk is None:
        if required:
            raise ValueError(f"{name} is required here: an int > 0 or a fraction in (0, 1]")
        return
    if isinstance(topk, bool) or not isinstance(topk, (int, float)):
        raise TypeError(f"{name} must be an int, a float or None, got {topk!r}")
    if isinstance(topk, int) and topk <= 0:
        raise ValueError(f"{name} as an int must be > 0, got {topk}")
    if isinstance(topk, float) and not 0.0 < topk <= 1.0:
        raise ValueError(f"{name} as a float must lie in (0, 1], got {topk}")


def validate_part(part: str) -> str:
    """The lower-cased part name, or a ValueError listing :data:`PARTS`."""
    resolved = str(part).lower()
    if resolved not in PARTS:
        raise ValueError(f"part must be one of {list(PARTS)}, got {part!r}")
    return resolved


def resolve_k(topk: int | float, n: int) -> int:
    """How many of ``n`` weights ``topk`` selects: an int clipped to [1, n], a fraction rounded up."""
    k = math.ceil(topk * n) if isinstance(topk, float) else int(topk)
    return min(max(k, 1), n)


def base_offsets(base_model: torch.nn.Module) -> dict[str, int]:
    """Flat offset of each base-model parameter in ``named_parameters()`` order (tied weights once)."""
    offsets: dict[str, int] = {}
    total = 0
    for name, param in base_model.named_parameters():
        offsets[name] = total
        total += param.numel()
    return offsets


def base_index_map(model: Any) -> torch.Tensor:
    """Base-space index (int64, CPU) of each GRADIEND input of a ``ModelWithGradiend``."""
    cached = getattr(model, "_comparison_base_index", None)
    if isinstance(cached, torch.Tensor):
        return cached
    offsets = base_offsets(model.base_model)
    parts = []
    for name, kept in model.param_map.kept_flat_indices().items():
        if name not in offsets:
            raise ValueError(f"parameter {name!r} of the GRADIEND's map is not in its base model")
        parts.append(kept.to(torch.long) + offsets[name])
    index = torch.cat(parts)
    model._comparison_base_index = index
    return index


def param_name_of_inputs(model: Any) -> list[str]:
    """The base-model parameter name of each GRADIEND input, in input order."""
    names: list[str] = []
    for name, size in zip(model.param_map.names, model.param_map.sizes, strict=True):
        names.extend([name] * int(size))
    return names


def part_blocks(model: Any, part: str) -> torch.Tensor:
    """One row per GRADIEND input: its encoder column, decoder row, decoder bias or decoder row sum.

    Returns a float32 CPU tensor [n, block] (block = latent_dim for weights, 1 otherwise).
    """
    gradiend = model.gradiend
    with torch.no_grad():
        dec_w = gradiend.decoder.weight.detach().float().cpu()
        bias = gradiend.decoder.bias
        bias_vec = None if bias is None else bias.detach().float().cpu()
        if part == "encoder-weight":
            return gradiend.encoder.weight.detach().float().cpu().t().contiguous()
        if part == "decoder-weight":
            return dec_w
        if part == "decoder-bias":
            if bias_vec is None:
                raise ValueError("part='decoder-bias' needs a decoder bias, but the GRADIEND has none")
            return bias_vec[:, None]
        if part == "decoder-sum":
            summed = dec_w.sum(dim=1)
            return (summed if bias_vec is None else summed + bias_vec)[:, None]
    raise ValueError(f"part must be one of {list(PARTS)}, got {part!r}")


def local_topk(model: Any, part: str, topk: int | float | None) -> torch.Tensor:
    """GRADIEND input positions of the top-k weights by importance, most important first (all when None)."""
    blocks = part_blocks(model, part)
    n = blocks.shape[0]
    if topk is None:
        return torch.arange(n)
    importance = torch.linalg.vector_norm(blocks, dim=1)
    return torch.topk(importance, resolve_k(topk, n), sorted=True).indices


def topk_weights(model: Any, part: str = "decoder-weight", topk: int | float = 1000) -> list[int]:
    """Base-space indices of the ``topk`` most important weights of ``model``, most important first.

    ``model`` is a ``ModelWithGradiend`` or any object with a ``get_topk_weights(part=, topk=)`` method
    that already returns base-space indices.
    """
    validate_topk(topk, required=True)
    if hasattr(model, "gradiend") and hasattr(model, "param_map"):
        resolved = validate_part(part)
        return base_index_map(model)[local_topk(model, resolved, topk)].tolist()
    getter = getattr(model, "get_topk_weights", None)
    if getter is None:
        raise TypeError(
            f"cannot select top-k weights of {type(model).__name__}: pass a ModelWithGradiend "
            "or an object with get_topk_weights(part=, topk=)"
        )
    return [int(i) for i in getter(part=part, topk=topk)]


def normalize_model_groups(models: Mapping[str, Any] | Sequence[Any]) -> dict[str, list[Any]]:
    """``{name: [model, ...]}``: a list or tuple value is a group of seed models, anything else one model."""
    named = as_named_models(models)
    validate_models(named)
    groups: dict[str, list[Any]] = {}
    for name, value in named.items():
        group = list(value) if isinstance(value, (list, tuple)) else [value]
        if not group:
            raise ValueError(f"models[{name!r}] is an empty seed group; give it at least one model")
        groups[name] = group
    return groups


def validate_seed_aggregation(seed_aggregate: str, dispersion: str) -> None:
    """Raise a clear error for an unknown aggregate/dispersion or the meaningless range-of-extremum."""
    if seed_aggregate not in SEED_AGGREGATES:
        raise ValueError(f"seed_aggregate must be one of {list(SEED_AGGREGATES)}, got {seed_aggregate!r}")
    if dispersion not in DISPERSIONS:
        raise ValueError(f"dispersion must be one of {list(DISPERSIONS)}, got {dispersion!r}")
    if dispersion == "range" and seed_aggregate in ("min", "max"):
        raise ValueError("dispersion='range' needs seed_aggregate 'mean' or 'median', not an extremum")


def aggregate_scores(scores: Sequence[float], *, seed_aggregate: str, dispersion: str) -> dict[str, Any]:
    """One cell's statistics over seed-pair scores: aggregate, n, min, max, scores and the dispersion."""
    values = sorted(float(s) for s in scores)
    if not values:
        raise ValueError("cannot aggregate an empty list of scores")
    n = len(values)
    series = pd.Series(values)
    aggregate = {
        "mean": float(series.mean()),
        "median": float(series.median()),
        "min": values[0],
        "max": values[-1],
    }[seed_aggregate]
    stats: dict[str, Any] = {
        "aggregate": aggregate,
        "n": n,
        "min": values[0],
        "max": values[-1],
        "scores": [float(s) for s in scores],
    }
    if dispersion == "std":
        stats["std"] = float(series.std(ddof=0))
    elif dispersion == "range":
        stats["range_half_width"] = (values[-1] - values[0]) / 2.0
    elif dispersion == "minmax":
        stats["minmax"] = [values[0], values[-1]]
    return stats


def overlap_fraction(size_a: int, size_b: int, intersection: int) -> float:
    """Intersection over the smaller set (0 when a set is empty)."""
    smaller = min(size_a, size_b)
    return intersection / smaller if smaller else 0.0


def comparison_to_frame(comparison_data: Mapping[str, Any]) -> pd.DataFrame:
    """The payload's ``matrix`` as a DataFrame indexed by its row ids, with its column ids as columns."""
    matrix = comparison_data.get("matrix")
    rows = comparison_data.get("model_ids") or comparison_data.get("rows")
    if matrix is None or rows is None:
        raise ValueError("comparison_data needs 'matrix' and 'model_ids' entries")
    columns = comparison_data.get("column_ids") or comparison_data.get("columns") or rows
    return pd.DataFrame(matrix, index=list(rows), columns=list(columns), dtype=float)


def comparison_matrix_from_cell_stat(
    comparison_data: Mapping[str, Any], field: str = "std"
) -> dict[str, Any]:
    """A payload whose cells are one per-cell statistic (e.g. the seed ``std``) of a multi-seed payload."""
    cell_stats = comparison_data.get("cell_stats")
    if not isinstance(cell_stats, list):
        raise ValueError("comparison_data has no 'cell_stats' (compute it with seed groups and a dispersion)")
    matrix = [
        [float(stat[field]) if isinstance(stat, Mapping) and field in stat else math.nan for stat in row]
        for row in cell_stats
    ]
    payload = {k: v for k, v in comparison_data.items() if k != "cell_stats"}
    payload["matrix"] = matrix
    payload["measure"] = f"{comparison_data.get('measure', 'comparison')}_{field}"
    payload["cell_stat_field"] = field
    return payload


__all__ = [
    "DISPERSIONS",
    "PARTS",
    "SEED_AGGREGATES",
    "GroupingSpec",
    "aggregate_scores",
    "as_named_models",
    "base_index_map",
    "base_offsets",
    "comparison_matrix_from_cell_stat",
    "comparison_to_frame",
    "local_topk",
    "normalize_model_groups",
    "overlap_fraction",
    "param_name_of_inputs",
    "part_blocks",
    "resolve_k",
    "topk_weights",
    "validate_models",
    "validate_part",
    "validate_seed_aggregation",
    "validate_topk",
]
