"""Draw a comparison payload (or a DataFrame) as a heatmap: PNG/PDF with matplotlib, HTML with plotly.

Readable from 2 to 30 GRADIENDs: the figure grows with the matrix, cell values are written while they
fit (``annot="auto"``: up to 12 columns), long labels are rotated, signed data gets a diverging colour
scale centred on 0, missing cells are hatched, and rows/columns can be ordered (``order="cluster"``
groups similar rows), grouped (``pretty_groups``) and highlighted (the diagonal, or given cells).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from gradiend.comparison.common import comparison_to_frame
from gradiend.plotting.output import SUFFIXES, new_figure, save_figure
from gradiend.plotting.style import HIGHLIGHT_COLOR, plotly_layout, style_context

AUTO_ANNOT_MAX = 12
"""``annot="auto"`` writes cell values up to this many columns."""


def as_payload(data: Mapping[str, Any] | pd.DataFrame) -> dict[str, Any]:
    """A comparison payload from a payload or a DataFrame (index: row ids, columns: column ids)."""
    if isinstance(data, pd.DataFrame):
        return {
            "matrix": data.to_numpy(dtype=float).tolist(),
            "model_ids": [str(i) for i in data.index],
            "column_ids": [str(c) for c in data.columns],
            "measure": str(data.attrs.get("measure", "comparison")),
        }
    if not isinstance(data, Mapping) or "matrix" not in data:
        raise TypeError(
            "comparison_data must be a comparison payload (a dict with 'matrix' and 'model_ids') "
            "or a DataFrame"
        )
    return dict(data)


def cluster_order(frame: pd.DataFrame) -> list[str]:
    """Rows ordered so that similar rows sit together (by the leading eigenvector of row similarities)."""
    values = np.nan_to_num(frame.to_numpy(dtype=float))
    if len(values) < 3:
        return list(frame.index)
    norms = np.linalg.norm(values, axis=1, keepdims=True)
    unit = values / np.where(norms == 0, 1.0, norms)
    similarity = unit @ unit.T
    _, vectors = np.linalg.eigh(similarity - similarity.mean())
    key = vectors[:, -1]
    return [frame.index[i] for i in np.argsort(key, kind="stable")]


def _ordered(frame: pd.DataFrame, order: str | Sequence[str], cluster: bool, square: bool) -> pd.DataFrame:
    if isinstance(order, str):
        if order not in ("input", "cluster"):
            raise ValueError(f"order must be 'input', 'cluster' or a list of row ids, got {order!r}")
        if order == "cluster" or cluster:
            rows = cluster_order(frame)
            return frame.loc[rows, rows] if square else frame.loc[rows]
        return frame
    unknown = [o for o in order if o not in frame.index]
    if unknown or len(set(order)) != len(frame.index):
        raise ValueError(f"order must list every row id once; unknown {unknown}, rows {list(frame.index)}")
    rows = list(order)
    return frame.loc[rows, rows] if square else frame.loc[rows]


def color_limits(values: np.ndarray, vmin: float | None, vmax: float | None) -> tuple[float, float, bool]:
    """``(vmin, vmax, diverging)``: symmetric around 0 when the data has both signs."""
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    diverging = low < 0 < high or (low < 0 and high <= 0)
    if diverging and vmin is None and vmax is None:
        bound = max(abs(low), abs(high)) or 1.0
        return -bound, bound, True
    lo = low if vmin is None else vmin
    hi = high if vmax is None else vmax
    if hi <= lo:
        hi = lo + 1.0
    return lo, hi, diverging


def _label(ids: Sequence[str], mapping: Mapping[str, str] | None) -> list[str]:
    return [str((mapping or {}).get(i, i)) for i in ids]


def _cell_text(value: float, fmt: str, percentages: bool, extra: str) -> str:
    if not math.isfinite(value):
        return "-"
    text = f"{value * 100:.0f}%" if percentages else format(value, fmt)
    return f"{text}\n{extra}" if extra else text


def _dispersion_text(stat: Any) -> str:
    if not isinstance(stat, Mapping):
        return ""
    if "std" in stat:
        return f"±{float(stat['std']):.2f}"
    if "range_half_width" in stat:
        return f"±{float(stat['range_half_width']):.2f}"
    if "minmax" in stat:
        low, high = stat["minmax"]
        return f"[{float(low):.2f},{float(high):.2f}]"
    return ""


def plot_comparison_heatmap(
    comparison_data: Mapping[str, Any] | pd.DataFrame,
    *,
    order: str | Sequence[str] = "input",
    cluster: bool = False,
    annot: bool | str = "auto",
    fmt: str | None = None,
    annot_fmt: str | None = None,
    figsize: tuple[float, float] | None = None,
    cmap: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    title: str | bool | None = False,
    output_path: str | Path | None = None,
    show: bool | None = None,
    return_data: bool = True,
    return_fig_ax: bool = False,
    ax: Axes | None = None,
    pretty_groups: Mapping[str, Sequence[str]] | None = None,
    percentages: bool = False,
    row_metric: Mapping[str, float] | None = None,
    row_metric_label: str | None = None,
    row_metric_cmap: str = "magma",
    row_label_mapping: Mapping[str, str] | None = None,
    column_label_mapping: Mapping[str, str] | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    cbar_label: str | None = None,
    dispersion_display: str = "none",
    seed_annotation: bool = False,
    highlight_diagonal: bool = False,
    highlight_cells: Sequence[tuple[str, str]] | None = None,
) -> Any:
    """Draw a comparison matrix; returns the (reordered) payload, plus ``output_path`` when saved.

    Args:
        comparison_data: a payload from a ``compute_*`` function (``matrix``, ``model_ids`` and,
            when rectangular, ``column_ids``) or a DataFrame.
        order: ``"input"``, ``"cluster"`` (similar rows together) or an explicit list of row ids.
        cluster: same as ``order="cluster"``.
        annot: write the values in the cells (``"auto"``: when there are at most 12 columns).
        fmt: number format of the cell values (default ``.2f``, or ``.0f`` for counts).
        annot_fmt: same as ``fmt`` (the published name).
        figsize: inches; default grows with the matrix (about 0.5 in per cell).
        cmap: colour map (default: ``RdBu_r`` centred on 0 for signed data, else ``viridis``).
        vmin: lower colour-scale limit.
        vmax: upper colour-scale limit.
        title: figure title (False/None: none).
        output_path: where to save: ``.png``, ``.pdf``, ``.svg`` or ``.html`` (interactive plotly).
        show: display the matplotlib figure (only with an interactive backend).
        return_data: return the payload (else an empty dict).
        return_fig_ax: return ``(payload, figure, axes)``.
        ax: draw into this matplotlib axes instead of a new figure.
        pretty_groups: ``{group label: [row ids]}``: rows are grouped, separated and labelled.
        percentages: show values as percentages.
        row_metric: one extra value per row id (e.g. each GRADIEND's correlation), drawn as a strip.
        row_metric_label: the strip's label.
        row_metric_cmap: the strip's colour map.
        row_label_mapping: display labels of the rows by id (default: the payload's ``row_labels``).
        column_label_mapping: display labels of the columns by id (default: its ``column_labels``).
        xlabel: x-axis label.
        ylabel: y-axis label.
        cbar_label: colour-bar label.
        dispersion_display: ``"stacked"`` writes each cell's seed dispersion under its value.
        seed_annotation: add the number of seeds per cell (``global_n``) to the title.
        highlight_diagonal: outline the diagonal cells (a GRADIEND on its own pair).
        highlight_cells: outline these ``(row id, column id)`` cells.
    """
    payload = as_payload(comparison_data)
    row_label_mapping = row_label_mapping or payload.get("row_labels")
    column_label_mapping = column_label_mapping or payload.get("column_labels")
    frame = comparison_to_frame(payload)
    square = list(frame.index) == list(frame.columns)
    if pretty_groups:
        grouped = [r for members in pretty_groups.values() for r in members]
        unknown = [r for r in grouped if r not in frame.index]
        if unknown:
            raise ValueError(f"pretty_groups names unknown row ids {unknown}; rows: {list(frame.index)}")
        order = grouped + [r for r in frame.index if r not in grouped]
    frame = _ordered(frame, order, cluster, square)
    if dispersion_display not in ("none", "stacked"):
        raise ValueError(f"dispersion_display must be 'none' or 'stacked', got {dispersion_display!r}")
    spec = _Spec(payload, frame, annot, annot_fmt or fmt, percentages, dispersion_display)
    heading = _title(title, payload, seed_annotation)
    result = dict(payload)
    result["matrix"] = frame.to_numpy(dtype=float).tolist()
    result["model_ids"] = list(frame.index)
    if not square:
        result["column_ids"] = list(frame.columns)
    figure = None
    if output_path is not None and Path(output_path).suffix.lower() == ".html":
        result["output_path"] = _write_plotly(
            spec, heading, cmap, vmin, vmax, row_label_mapping, column_label_mapping, Path(output_path)
        )
    else:
        figure, ax = _draw(
            spec,
            ax=ax,
            figsize=figsize,
            cmap=cmap,
            vmin=vmin,
            vmax=vmax,
            title=heading,
            show=show,
            pretty_groups=pretty_groups,
            row_metric=row_metric,
            row_metric_label=row_metric_label,
            row_metric_cmap=row_metric_cmap,
            rows_map=row_label_mapping,
            cols_map=column_label_mapping,
            xlabel=xlabel,
            ylabel=ylabel,
            cbar_label=cbar_label,
            highlights=_highlights(frame, highlight_diagonal, highlight_cells),
        )
        if output_path is not None:
            result["output_path"] = save_figure(figure, Path(output_path), show)
    if return_fig_ax:
        return result, figure, ax
    return result if return_data else {}


class _Spec:
    """The frame to draw with its cell texts."""

    def __init__(
        self,
        payload: dict[str, Any],
        frame: pd.DataFrame,
        annot: bool | str,
        fmt: str | None,
        pct: bool,
        disp: str,
    ) -> None:
        self.frame = frame
        values = frame.to_numpy(dtype=float)
        self.values = values
        integral = (
            bool(np.all(np.isfinite(values) & (values == np.round(values)))) and np.nanmax(np.abs(values)) > 1
        )
        self.fmt = fmt or (".0f" if integral else ".2f")
        if annot not in (True, False, "auto"):
            raise ValueError(f"annot must be True, False or 'auto', got {annot!r}")
        self.annot = bool(annot) if annot != "auto" else frame.shape[1] <= AUTO_ANNOT_MAX
        stats = _stats_frame(payload, frame) if disp == "stacked" else None
        self.texts = [
            [
                _cell_text(
                    values[i, j], self.fmt, pct, "" if stats is None else _dispersion_text(stats[i][j])
                )
                for j in range(values.shape[1])
            ]
            for i in range(values.shape[0])
        ]


def _stats_frame(payload: dict[str, Any], frame: pd.DataFrame) -> list[list[Any]] | None:
    stats = payload.get("cell_stats")
    if not isinstance(stats, list):
        return None
    rows = list(payload.get("model_ids") or [])
    cols = list(payload.get("column_ids") or rows)
    return [[stats[rows.index(r)][cols.index(c)] for c in frame.columns] for r in frame.index]


def _title(title: str | bool | None, payload: Mapping[str, Any], seed_annotation: bool) -> str | None:
    text = title if isinstance(title, str) else None
    if seed_annotation:
        n = payload.get("global_n")
        seeds = (
            f"n={n} seeds" if n is not None else "n=" + "-".join(map(str, payload.get("global_n_range", [])))
        )
        text = f"{text} ({seeds})" if text else seeds
    return text


def _highlights(
    frame: pd.DataFrame, diagonal: bool, cells: Sequence[tuple[str, str]] | None
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    if diagonal:
        out.extend((i, list(frame.columns).index(r)) for i, r in enumerate(frame.index) if r in frame.columns)
    for row, col in cells or []:
        if row not in frame.index or col not in frame.columns:
            raise ValueError(f"highlight_cells: ({row!r}, {col!r}) is not a cell of the matrix")
        out.append((list(frame.index).index(row), list(frame.columns).index(col)))
    return out


def _auto_figsize(shape: tuple[int, int], extra: bool) -> tuple[float, float]:
    rows, cols = shape
    cell = 0.55 if max(rows, cols) <= 12 else max(0.28, 6.5 / max(rows, cols))
    width = max(4.0, cols * cell + 2.8 + (0.8 if extra else 0.0))
    height = max(3.2, rows * cell + 2.0)
    return width, height


def _draw(
    spec: _Spec, *, ax: Axes | None, figsize: tuple[float, float] | None, **kw: Any
) -> tuple[Figure, Axes]:
    with style_context():
        if ax is None:
            figure = new_figure(
                figsize or _auto_figsize(spec.values.shape, kw["row_metric"] is not None), show=kw["show"]
            )
            ax = figure.add_subplot(1, 1, 1)
        else:
            figure = ax.figure  # type: ignore[assignment]
        _draw_on(ax, spec, **kw)
    return figure, ax


def _draw_on(ax: Axes, spec: _Spec, **kw: Any) -> None:
    values = spec.values
    low, high, diverging = color_limits(values, kw["vmin"], kw["vmax"])
    cmap = kw["cmap"] or ("RdBu_r" if diverging else "viridis")
    masked = np.ma.masked_invalid(values)
    image = ax.imshow(masked, cmap=cmap, vmin=low, vmax=high, aspect="auto", interpolation="nearest")
    ax.grid(False)
    rows, cols = values.shape
    for i, j in zip(*np.where(~np.isfinite(values)), strict=True):
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="#BBBBBB", lw=0))
    n = max(rows, cols)
    font = 9.0 if n <= 8 else max(5.0, 9.0 - 0.25 * (n - 8))
    if spec.annot:
        norm = image.norm
        colormap = image.get_cmap()
        for i in range(rows):
            for j in range(cols):
                value = values[i, j]
                shade = colormap(norm(value))[:3] if math.isfinite(value) else (1.0, 1.0, 1.0)
                dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
                ax.text(
                    j,
                    i,
                    spec.texts[i][j],
                    ha="center",
                    va="center",
                    fontsize=font,
                    color="white" if dark else "black",
                )
    ax.set_xticks(range(cols), _label(list(spec.frame.columns), kw["cols_map"]), fontsize=font + 0.5)
    ax.set_yticks(range(rows), _label(list(spec.frame.index), kw["rows_map"]), fontsize=font + 0.5)
    longest = max((len(t.get_text()) for t in ax.get_xticklabels()), default=0)
    if cols > 6 or longest > 8:
        ax.tick_params(axis="x", labelrotation=45)
        for tick in ax.get_xticklabels():
            tick.set_horizontalalignment("right")
    for i, j in kw["highlights"]:
        ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT_COLOR, lw=2.0))
    _group_lines(ax, spec.frame, kw["pretty_groups"])
    colorbar = ax.figure.colorbar(
        image, ax=ax, shrink=0.85, pad=0.14 if kw["row_metric"] is not None else 0.04
    )
    if kw["cbar_label"]:
        colorbar.set_label(kw["cbar_label"])
    if kw["row_metric"] is not None:
        _row_metric_strip(
            ax, spec.frame, kw["row_metric"], kw["row_metric_label"], kw["row_metric_cmap"], font
        )
    if kw["title"]:
        ax.set_title(kw["title"], pad=18 if kw["pretty_groups"] else 6)
    if kw["xlabel"]:
        ax.set_xlabel(kw["xlabel"])
    if kw["ylabel"]:
        ax.set_ylabel(kw["ylabel"])


def _group_lines(ax: Axes, frame: pd.DataFrame, groups: Mapping[str, Sequence[str]] | None) -> None:
    if not groups:
        return
    rows = list(frame.index)
    square = rows == list(frame.columns)
    for label, members in groups.items():
        positions = [rows.index(m) for m in members if m in rows]
        if not positions:
            continue
        start, end = min(positions), max(positions)
        ax.axhline(end + 0.5, color="white", lw=2.5)
        if square:
            ax.axvline(end + 0.5, color="white", lw=2.5)
            ax.text((start + end) / 2, -0.7, label, ha="center", va="bottom", fontsize=9, fontweight="bold")


def _row_metric_strip(
    ax: Axes, frame: pd.DataFrame, metric: Mapping[str, float], label: str | None, cmap: str, font: float
) -> None:
    unknown = [k for k in metric if k not in frame.index]
    if unknown:
        raise ValueError(f"row_metric names unknown row ids {unknown}; rows: {list(frame.index)}")
    values = np.array([[float(metric.get(r, math.nan))] for r in frame.index])
    strip = ax.inset_axes((1.02, 0.0, 0.1, 1.0))
    image = strip.imshow(
        np.ma.masked_invalid(values),
        cmap=cmap,
        aspect="auto",
        vmin=np.nanmin(values),
        vmax=np.nanmax(values) + 1e-9,
    )
    strip.grid(False)
    for i, value in enumerate(values[:, 0]):
        shade = image.get_cmap()(image.norm(value))[:3] if math.isfinite(value) else (1.0, 1.0, 1.0)
        dark = 0.299 * shade[0] + 0.587 * shade[1] + 0.114 * shade[2] < 0.5
        text = "-" if not math.isfinite(value) else f"{value:.2f}"
        strip.text(
            0, i, text, ha="center", va="center", fontsize=font - 1, color="white" if dark else "black"
        )
    strip.set_xticks([0], [label or "metric"], fontsize=font)
    strip.set_yticks([])


def _write_plotly(
    spec: _Spec,
    title: str | None,
    cmap: str | None,
    vmin: float | None,
    vmax: float | None,
    rows_map: Mapping[str, str] | None,
    cols_map: Mapping[str, str] | None,
    path: Path,
) -> str:
    import plotly.graph_objects as go

    low, high, diverging = color_limits(spec.values, vmin, vmax)
    rows = spec.values.shape[0]
    figure = go.Figure(
        go.Heatmap(
            z=[[None if not math.isfinite(v) else v for v in row] for row in spec.values],
            x=_label(list(spec.frame.columns), cols_map),
            y=_label(list(spec.frame.index), rows_map),
            zmin=low,
            zmax=high,
            colorscale=cmap or ("RdBu_r" if diverging else "Viridis"),
            text=[[t.replace("\n", " ") for t in row] for row in spec.texts],
            texttemplate="%{text}" if spec.annot else None,
            hovertemplate="%{y} / %{x}: %{z:.4f}<extra></extra>",
        )
    )
    figure.update_layout(**plotly_layout(title, height=max(360, 40 * rows + 160)))
    figure.update_yaxes(autorange="reversed")
    return save_figure(figure, path)


__all__ = [
    "AUTO_ANNOT_MAX",
    "SUFFIXES",
    "as_payload",
    "cluster_order",
    "color_limits",
    "plot_comparison_heatmap",
]
