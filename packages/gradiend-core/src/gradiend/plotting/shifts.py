"""Probability shifts before/after a rewrite: P(target) per dataset and the utility over the learning rate.

Takes this project's decoder grid (``evaluate_decoder()["grid"]``: records with ``id``, ``feature_factor``,
``learning_rate``, ``lms`` and ``prob__<rows>__<class>``) or the published plotting data
(``{"plotting_data": {"base": {...}, (factor, lr): {"probs_by_dataset", "lms"}}}``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gradiend.plotting.output import new_figure, save_figure
from gradiend.plotting.style import HIGHLIGHT_COLOR, REFERENCE_COLOR, class_colors, style_context
from gradiend.utils.result_records import BASE_ID


def records_from_plotting_data(plotting_data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Grid records from the published ``{"plotting_data": {...}}`` layout (the base model first)."""
    grid = plotting_data.get("plotting_data", plotting_data)
    if not isinstance(grid, Mapping) or "base" not in grid:
        raise ValueError("plotting_data must hold a 'base' entry (the base model's probabilities)")
    records = []
    for key, entry in grid.items():
        record: dict[str, Any] = {"lms": float(entry.get("lms", {}).get("lms", math.nan))}
        for rows, probs in entry.get("probs_by_dataset", {}).items():
            for cls, p in probs.items():
                record[f"prob__{rows}__{cls}"] = float(p)
        if key == "base":
            record.update(id=BASE_ID, feature_factor=0.0, learning_rate=0.0)
        else:
            factor, lr = (
                key
                if isinstance(key, tuple)
                else (entry["id"]["feature_factor"], entry["id"]["learning_rate"])
            )
            record.update(id=f"{factor}:{lr}", feature_factor=float(factor), learning_rate=float(lr))
        records.append(record)
    records.sort(key=lambda r: r["id"] != BASE_ID)
    return records


def _records(
    decoder_results: Mapping[str, Any] | None, plotting_data: Mapping[str, Any] | None
) -> list[dict[str, Any]]:
    if plotting_data is not None:
        return records_from_plotting_data(plotting_data)
    grid = (decoder_results or {}).get("grid")
    if not grid:
        raise ValueError(
            "give plotting_data, or decoder_results with a non-empty 'grid' (trainer.evaluate_decoder())"
        )
    return [dict(r) for r in grid]


def _factor(records: Sequence[Mapping[str, Any]], entry: Any) -> float:
    if isinstance(entry, Mapping) and entry.get("feature_factor") is not None:
        return float(entry["feature_factor"])
    factors = sorted({float(r["feature_factor"]) for r in records if r["id"] != BASE_ID})
    if not factors:
        raise ValueError("the decoder grid holds no rewritten points")
    return factors[0]


def plot_probability_shifts(
    trainer: Any = None,
    decoder_results: Mapping[str, Any] | None = None,
    plotting_data: Mapping[str, Any] | None = None,
    class_ids: Sequence[str] | None = None,
    target_class: str | None = None,
    output: str | Path | None = None,
    show: bool | None = None,
    figsize: tuple[float, float] | None = None,
) -> str | None:
    """Utility and P(``target_class``) on each dataset over the learning rate (the base model at "base").

    The curve uses the feature factor of the rewrite selected for ``target_class`` (its entry in
    ``decoder_results``), and the selected point is starred.

    Args:
        trainer: gives ``class_ids`` (its pair) when they are not given.
        decoder_results: ``trainer.evaluate_decoder()`` (its ``grid`` and the selected entries).
        plotting_data: the published grid layout instead of ``decoder_results["grid"]``.
        class_ids: the datasets (rows of each class) to draw a panel for.
        target_class: whose probability is drawn (default: the first class).
        output: ``.png``/``.pdf``/``.svg``; None draws without saving.
        show: display the figure.
        figsize: inches.

    Returns:
        The saved path, or None when ``output`` is None.
    """
    records = _records(decoder_results, plotting_data)
    classes = [str(c) for c in (class_ids or getattr(trainer, "target_classes", None) or [])]
    if not classes:
        raise ValueError("class_ids is required when no trainer gives the pair")
    target = str(target_class or classes[0])
    entry = (decoder_results or {}).get(target)
    factor = _factor(records, entry)
    base = next(r for r in records if r["id"] == BASE_ID)
    points = sorted(
        (r for r in records if r["id"] != BASE_ID and float(r["feature_factor"]) == factor),
        key=lambda r: float(r["learning_rate"]),
    )
    with style_context():
        figure = new_figure(figsize or (3.2 * (len(classes) + 1), 3.6), show=show)
        axes = figure.subplots(1, len(classes) + 1, sharex=True)
        xs = list(range(len(points) + 1))
        labels = ["base"] + [f"{float(p['learning_rate']):.0e}" for p in points]
        axes[0].plot(xs, [base["lms"]] + [p["lms"] for p in points], marker="o", color=REFERENCE_COLOR)
        axes[0].set_title("utility (LMS)")
        colors = class_colors(classes[:2], classes)
        for ax, rows in zip(axes[1:], classes, strict=True):
            column = f"prob__{rows}__{target}"
            values = [base.get(column, math.nan)] + [p.get(column, math.nan) for p in points]
            ax.plot(xs, values, marker="o", color=colors.get(target, REFERENCE_COLOR))
            ax.set_title(f"P({target}) on {rows} rows")
            _star(ax, entry, points, column)
        for ax in axes:
            ax.set_xticks(xs, labels, rotation=45)
        axes[0].set_ylabel("value")
        figure.suptitle(f"Probability shifts towards {target} (feature factor {factor:g})")
    return None if output is None else save_figure(figure, Path(output), show)


def _star(ax: Any, entry: Any, points: Sequence[Mapping[str, Any]], column: str) -> None:
    if not isinstance(entry, Mapping) or entry.get("learning_rate") is None:
        return
    for index, point in enumerate(points, start=1):
        if math.isclose(float(point["learning_rate"]), float(entry["learning_rate"])) and column in point:
            ax.scatter(
                [index], [point[column]], marker="*", s=160, color=HIGHLIGHT_COLOR, zorder=5, label="selected"
            )
            ax.legend(loc="best")


__all__ = ["plot_probability_shifts", "records_from_plotting_data"]
