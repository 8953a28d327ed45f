"""The decoder-grid figure: what each rewrite ``theta + lr * decoder(f)`` does, and which one was selected.

Top panel: change of the target class's probability against the learning rate, one line per target
and feature factor of the selected sign (strengthening a class C measures P(C) on the other class's
rows; weakening C measures P(C) on C's own rows). Bottom panel: the utility (``lms``) of each
rewrite relative to the base model, with the admissibility threshold (``utility_ratio`` x base).
Selected rewrites are stars in both panels (hollow when the selection fell back because no point
kept the utility).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gradiend.plotting.output import new_figure
from gradiend.plotting.paths import PLOT_NAMES
from gradiend.plotting.style import (
    FIGURE_WIDTH,
    HIGHLIGHT_COLOR,
    REFERENCE_COLOR,
    class_colors,
    style_context,
)
from gradiend.utils.result_records import BASE_ID


@dataclass(frozen=True)
class DecoderTarget:
    """One measured target: class ``target`` on rows of ``on_class``, and its selected entry (if any)."""

    key: str
    target: str
    on_class: str
    entry: Mapping[str, Any] | None

    @property
    def column(self) -> str:
        """The grid-record column holding the measured probability."""
        return f"prob__{self.on_class}__{self.target}"


def grid_records(grid: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Flat grid records (``DecoderGrid.to_records()`` or ``results["grid"]``), checked for a base record."""
    records = [dict(r) for r in grid]
    if not any(r.get("id") == BASE_ID for r in records):
        raise ValueError(f"the decoder grid holds no base-model record (id {BASE_ID!r})")
    if len(records) < 2:
        raise ValueError("the decoder grid holds no rewritten points")
    return records


def decoder_targets(results: Mapping[str, Any], pair: Sequence[str]) -> list[DecoderTarget]:
    """The targets to draw: one per selected class entry of ``results`` (else strengthening both classes)."""
    first, second = (str(p) for p in pair)
    other = {first: second, second: first}
    targets = []
    for key, entry in results.items():
        if key == "grid" or not isinstance(entry, Mapping) or "strengthen" not in entry:
            continue
        strengthen = bool(entry["strengthen"])
        name = key if strengthen else key.removesuffix("_weaken")
        if name not in other:
            continue
        targets.append(DecoderTarget(key, name, other[name] if strengthen else name, entry))
    return targets or [DecoderTarget(c, c, other[c], None) for c in (first, second)]


def decoder_grid_name(results: Mapping[str, Any]) -> str:
    """The figure's file name: ``decoder_grid``, or ``decoder_grid_weaken`` when all entries weaken."""
    name = PLOT_NAMES["decoder_grid"]
    keys = [k for k, v in results.items() if isinstance(v, Mapping) and "strengthen" in v]
    if keys and not any(results[k]["strengthen"] for k in keys):
        name += "_weaken"
    return name


def decoder_grid_figure(
    records: Sequence[Mapping[str, Any]],
    results: Mapping[str, Any],
    pair: Sequence[str],
    *,
    utility_ratio: float = 0.99,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    show: bool | None = None,
) -> Figure:
    """Target-probability change and relative utility over learning rate x feature factor."""
    records = grid_records(records)
    base = next(r for r in records if r["id"] == BASE_ID)
    points = [r for r in records if r["id"] != BASE_ID]
    targets = decoder_targets(results, pair)
    with style_context():
        figure = new_figure(figsize or (FIGURE_WIDTH + 2.0, 6.4), show=show)
        top, bottom = figure.subplots(2, 1, sharex=True)
        colors = class_colors(pair, [t.target for t in targets])
        view = GridView(base, points, targets, colors)
        _probability_panel(top, view)
        _utility_panel(bottom, view, utility_ratio)
        scale = "log" if all(float(r["learning_rate"]) > 0 for r in points) else "symlog"
        bottom.set_xscale(scale)
        bottom.set_xlabel(f"learning rate lr ({scale} scale)")
        figure.suptitle(title if title is not None else "Decoder grid: target probability and utility")
    return figure


FACTOR_STYLES: tuple[tuple[str, str], ...] = (("-", "o"), ("--", "s"), ("-.", "^"), (":", "D"))
"""(line style, marker) of the feature factors, in increasing order of the factor, in both panels."""

FACTOR_COLOR = "#333333"
"""Utility lines (one per feature factor) are dark grey; class colours are kept for target classes."""


def _factor_styles(points: Sequence[Mapping[str, Any]]) -> dict[float, tuple[str, str]]:
    factors = sorted({float(r["feature_factor"]) for r in points})
    return {f: FACTOR_STYLES[i % len(FACTOR_STYLES)] for i, f in enumerate(factors)}


def _series(
    points: Sequence[Mapping[str, Any]], factor: float, column: str
) -> tuple[list[float], list[float]]:
    chosen = sorted(
        (float(r["learning_rate"]), float(r[column]))
        for r in points
        if float(r["feature_factor"]) == factor and column in r
    )
    return [lr for lr, _ in chosen], [v for _, v in chosen]


def _factor_line(
    ax: Axes, rates: Sequence[float], values: Sequence[float], style: tuple[str, str], color: str, label: str
) -> None:
    """One feature factor's line over the learning rate, in its (line style, marker)."""
    linestyle, marker = style
    ax.plot(rates, values, marker=marker, markersize=3.5, color=color, linestyle=linestyle, label=label)


@dataclass(frozen=True)
class GridView:
    """What both panels draw: the base record, the rewritten points, the targets and their colours."""

    base: Mapping[str, Any]
    points: Sequence[Mapping[str, Any]]
    targets: Sequence[DecoderTarget]
    colors: Mapping[str, str]


def _probability_panel(ax: Axes, view: GridView) -> None:
    base, points, colors = view.base, view.points, view.colors
    for target in view.targets:
        if target.column not in base:
            raise ValueError(f"the decoder grid lacks the column {target.column!r} needed for {target.key!r}")
        base_value = float(base[target.column])
        factors = list(_factor_styles(points))
        if target.entry is not None:
            selected = float(target.entry["feature_factor"])
            factors = [f for f in factors if f * selected > 0] or factors
        for factor in factors:
            rates, values = _series(points, factor, target.column)
            label = f"P({target.target}) on {target.on_class} rows, f = {factor:+g}"
            changes = [100.0 * (v - base_value) for v in values]
            _factor_line(ax, rates, changes, _factor_styles(points)[factor], colors[target.target], label)
        if target.entry is not None:
            change = 100.0 * (_entry_probability(target, points) - base_value)
            _mark(ax, float(target.entry["learning_rate"]), change, target, colors[target.target])
    ax.axhline(0.0, color=REFERENCE_COLOR, linewidth=0.8)
    ax.set_ylabel("change of target probability\n(percentage points)")
    ax.set_title("Target-class probability vs. the base model", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)


def _entry_probability(target: DecoderTarget, points: Sequence[Mapping[str, Any]]) -> float:
    assert target.entry is not None
    for record in points:
        if record["id"] == target.entry["id"]:
            return float(record[target.column])
    raise ValueError(f"the selected point {target.entry['id']!r} of {target.key!r} is not in the grid")


def _mark(ax: Axes, x: float, y: float, target: DecoderTarget, color: str) -> None:
    fallback = bool(target.entry and target.entry.get("fallback"))
    label = f"selected for {target.key}" + (" (fallback)" if fallback else "")
    ax.plot(
        [x],
        [y],
        marker="*",
        markersize=15,
        linestyle="none",
        markeredgecolor=HIGHLIGHT_COLOR,
        markerfacecolor="none" if fallback else color,
        markeredgewidth=1.2,
        label=label,
        zorder=5,
    )


def _utility_panel(ax: Axes, view: GridView, utility_ratio: float) -> None:
    base, points, colors = view.base, view.points, view.colors
    base_lms = float(base["lms"])
    scale = 100.0 / base_lms if base_lms > 0 else 100.0
    unit = "% of base model" if base_lms > 0 else "absolute x 100"
    for factor, style in _factor_styles(points).items():
        rates, values = _series(points, factor, "lms")
        _factor_line(ax, rates, [scale * v for v in values], style, FACTOR_COLOR, f"f = {factor:+g}")
    ax.axhline(
        100.0 if base_lms > 0 else scale * base_lms, color=REFERENCE_COLOR, linewidth=0.8, label="base model"
    )
    if base_lms > 0 and math.isfinite(utility_ratio):
        ax.axhline(
            100.0 * utility_ratio,
            color=REFERENCE_COLOR,
            linestyle=":",
            linewidth=1.2,
            label=f"threshold ({utility_ratio:g} x base)",
        )
    for target in view.targets:
        if target.entry is not None:
            y = scale * float(target.entry["lms"])
            _mark(ax, float(target.entry["learning_rate"]), y, target, colors[target.target])
    ax.set_ylabel(f"utility (lms, {unit})")
    ax.set_title("Utility of the rewritten model", loc="left")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)


__all__ = [
    "DecoderTarget",
    "GridView",
    "decoder_grid_figure",
    "decoder_grid_name",
    "decoder_targets",
    "grid_records",
]
