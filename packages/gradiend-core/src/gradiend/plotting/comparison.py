"""Comparison figures of several GRADIENDs: similarity and top-k heatmaps, top-k Venn, cross-encoding.

Each function computes its payload with :mod:`gradiend.comparison` (or takes a precomputed payload)
and draws it with :func:`gradiend.plotting.heatmap.plot_comparison_heatmap`; keyword arguments not
listed are passed on to that function (ordering, labels, colours, highlighting, ``output_path``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.patches import Circle

from gradiend.comparison.common import as_named_models
from gradiend.comparison.cross_encoding import compute_cross_encoding_matrix
from gradiend.comparison.similarity import compute_similarity_matrix
from gradiend.comparison.topk import compute_topk_sets, venn_regions
from gradiend.plotting.heatmap import plot_comparison_heatmap
from gradiend.plotting.output import new_figure, save_figure
from gradiend.plotting.style import SERIES_COLORS, style_context

SIMILARITY_ARGUMENTS: frozenset[str] = frozenset(inspect.signature(compute_similarity_matrix).parameters) - {
    "models"
}
"""The keywords of :func:`plot_similarity_heatmap` that go to ``compute_similarity_matrix``."""


def plot_similarity_heatmap(models: Mapping[str, Any] | Sequence[Any], **kwargs: Any) -> Any:
    """Compute :func:`~gradiend.comparison.compute_similarity_matrix` and draw it as a heatmap.

    Keywords of ``compute_similarity_matrix`` (:data:`SIMILARITY_ARGUMENTS`: ``measure``, ``part``,
    ``topk``, ``value``, ``seed_aggregate``, ``dispersion``, ``seed_pairing_mode``) choose the
    similarity; every other keyword goes to :func:`~gradiend.plotting.heatmap.plot_comparison_heatmap`.
    """
    similarity = {key: kwargs.pop(key) for key in list(kwargs) if key in SIMILARITY_ARGUMENTS}
    data = compute_similarity_matrix(models, **similarity)
    kwargs.setdefault("cbar_label", f"{data['measure']} ({data['part']})")
    return plot_comparison_heatmap(data, **kwargs)


def plot_topk_overlap_heatmap(
    models: Mapping[str, Any] | Sequence[Any],
    topk: int | float = 1000,
    part: str = "decoder-weight",
    value: str = "intersection",
    *,
    percentages: bool = True,
    **heatmap_kwargs: Any,
) -> Any:
    """Pairwise overlap of the GRADIENDs' top-k weights: counts (``value="intersection"``) or fractions.

    ``percentages`` shows fractions (``value="intersection_frac"``) as percentages.
    """
    data = compute_similarity_matrix(models, measure="topk_overlap", part=part, topk=topk, value=value)
    heatmap_kwargs.setdefault(
        "cbar_label", f"top-{topk} overlap ({'count' if value == 'intersection' else 'fraction'})"
    )
    heatmap_kwargs.setdefault("vmin", 0.0)
    return plot_comparison_heatmap(
        data, percentages=percentages and value == "intersection_frac", **heatmap_kwargs
    )


def plot_cross_encoding_heatmap(
    data: Mapping[str, Any],
    *,
    metric: str = "positive_mean",
    split: str = "test",
    max_size: int | None = None,
    **heatmap_kwargs: Any,
) -> Any:
    """Draw a cross-encoding payload, or compute it from ``{id: trainer}`` first; the diagonal is outlined.

    Args:
        data: a payload of :func:`~gradiend.comparison.compute_cross_encoding_matrix` (or of the feature,
            transition and anchor-aligned variants), or the trainers to compute it from.
        metric: the cell metric, when ``data`` holds trainers.
        split: the held-out split, when ``data`` holds trainers.
        max_size: rows per class and trainer, when ``data`` holds trainers.
        **heatmap_kwargs: passed to :func:`~gradiend.plotting.heatmap.plot_comparison_heatmap`.
    """
    if "matrix" not in data:
        data = compute_cross_encoding_matrix(data, metric=metric, split=split, max_size=max_size)
    square = "column_ids" not in data or list(data["column_ids"]) == list(data["model_ids"])
    heatmap_kwargs.setdefault("highlight_diagonal", square)
    heatmap_kwargs.setdefault("cbar_label", str(data.get("measure", "encoding")))
    heatmap_kwargs.setdefault("ylabel", "GRADIEND")
    return plot_comparison_heatmap(data, **heatmap_kwargs)


_CENTRES: dict[int, list[tuple[float, float]]] = {
    2: [(-0.5, 0.0), (0.5, 0.0)],
    3: [(-0.5, 0.35), (0.5, 0.35), (0.0, -0.5)],
}


def _region_position(combo: tuple[int, ...], count: int) -> tuple[float, float]:
    centres = np.array(_CENTRES[count])
    inside = centres[list(combo)].mean(axis=0)
    if len(combo) == count:
        return float(inside[0]), float(inside[1])
    outside = np.delete(centres, list(combo), axis=0).mean(axis=0)
    direction = inside - outside
    shift = 0.45 if len(combo) == 1 else 0.12
    point = inside + shift * direction / (np.linalg.norm(direction) or 1.0)
    return float(point[0]), float(point[1])


def plot_topk_overlap_venn(
    models: Mapping[str, Any] | Sequence[Any],
    topk: int | float = 1000,
    part: str = "decoder-weight",
    output_path: str | Path | None = None,
    show: bool | None = None,
    figsize: tuple[float, float] | None = None,
    alpha: float = 0.45,
    title: str | None = None,
    label_mapping: Mapping[str, str] | None = None,
    seed_group_policy: str = "primary",
) -> dict[str, Any]:
    """Venn diagram of the top-k weight sets of 2 or 3 GRADIENDs, with the count of every region.

    Returns ``{"per_model", "intersection", "union", "topk", "part", "regions"}`` (plus ``output_path``).
    """
    named = as_named_models(models)
    if len(named) not in _CENTRES:
        raise ValueError(
            f"plot_topk_overlap_venn draws 2 or 3 GRADIENDs, got {len(named)}; use plot_topk_overlap_heatmap"
        )
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    per_model, intersection, union = compute_topk_sets(
        named, topk=topk, part=part, seed_group_policy=seed_group_policy
    )
    regions = venn_regions(per_model)
    names = list(per_model)
    with style_context():
        figure = new_figure(figsize or (5.5, 5.0), show=show)
        ax = figure.add_subplot(1, 1, 1)
        for i, (x, y) in enumerate(_CENTRES[len(names)]):
            ax.add_patch(Circle((x, y), 0.8, alpha=alpha, color=SERIES_COLORS[i], lw=2))
            label = str((label_mapping or {}).get(names[i], names[i]))
            ax.text(
                x + (x * 0.9),
                y + (1.0 if y >= 0 else -1.0),
                label,
                ha="center",
                fontsize=11,
                fontweight="bold",
            )
        for combo, size in regions.items():
            x, y = _region_position(tuple(names.index(n) for n in combo), len(names))
            ax.text(x, y, str(size), ha="center", va="center", fontsize=11)
        ax.set_xlim(-2.0, 2.0)
        ax.set_ylim(-1.8, 1.7)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title(title or f"top-{topk} weights ({part}): {len(intersection)} shared of {len(union)}")
    result: dict[str, Any] = {
        "per_model": per_model,
        "intersection": intersection,
        "union": union,
        "topk": topk,
        "part": part,
        "regions": {" & ".join(k): v for k, v in regions.items()},
    }
    if output_path is not None:
        result["output_path"] = save_figure(figure, Path(output_path), show)
    return result


def plot_topk_overlap(
    models: Mapping[str, Any] | Sequence[Any],
    topk: int | float = 100,
    part: str = "decoder-weight",
    output_path: str | Path | None = None,
    show: bool | None = None,
    **kwargs: Any,
) -> Any:
    """A Venn diagram for 2-3 GRADIENDs, a top-k overlap heatmap for more."""
    named = as_named_models(models)
    draw = plot_topk_overlap_venn if len(named) in _CENTRES else plot_topk_overlap_heatmap
    return draw(named, topk=topk, part=part, output_path=output_path, show=show, **kwargs)


__all__ = [
    "SIMILARITY_ARGUMENTS",
    "plot_cross_encoding_heatmap",
    "plot_similarity_heatmap",
    "plot_topk_overlap",
    "plot_topk_overlap_heatmap",
    "plot_topk_overlap_venn",
]
