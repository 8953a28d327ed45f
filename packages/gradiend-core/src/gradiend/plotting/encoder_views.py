"""Encoder views by target word and by split: which targets (words, images) encode where, on which split.

Columns are found under the published names or this project's (``source_token`` / ``factual_token`` /
``factual``; ``source_id`` / ``feature_class``; ``data_split`` / ``split``), so both encoder frames work.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from gradiend.plotting.output import new_figure, save_figure
from gradiend.plotting.style import NEUTRAL_COLOR, SERIES_COLORS, plotly_layout, style_context

TARGET_COLUMNS: tuple[str, ...] = ("source_token", "factual_token", "factual", "target_token")
CLASS_COLUMNS: tuple[str, ...] = ("source_id", "feature_class")
SPLIT_COLUMNS: tuple[str, ...] = ("data_split", "split")
PLOT_STYLES: tuple[str, ...] = ("strip", "box", "violin")
LABEL_MODES: tuple[Any, ...] = (False, True, "outliers", "sample", "outliers+sample")


def _column(frame: pd.DataFrame, given: str | None, candidates: Sequence[str], what: str) -> str:
    if given is not None:
        if given not in frame.columns:
            raise ValueError(
                f"{what} column {given!r} is not in the encoder DataFrame; columns: {list(frame.columns)}"
            )
        return given
    found = next((c for c in candidates if c in frame.columns), None)
    if found is None:
        raise ValueError(f"the encoder DataFrame has no {what} column (looked for {list(candidates)})")
    return found


def _frame(trainer: Any, encoder_df: pd.DataFrame | None) -> pd.DataFrame:
    if encoder_df is None:
        if trainer is None:
            raise ValueError("give encoder_df, or a trainer to compute it")
        encoder_df = trainer.evaluate_encoder(return_df=True)["encoder_df"]
    if encoder_df.empty or "encoded" not in encoder_df.columns:
        raise ValueError("encoder_df must be a non-empty DataFrame with an 'encoded' column")
    return encoder_df


def _is_neutral(frame: pd.DataFrame) -> pd.Series:
    if "type" not in frame.columns:
        return pd.Series(False, index=frame.index)
    return frame["type"].astype(str).str.contains("neutral", case=False)


def _split_colors(splits: Sequence[str]) -> dict[str, str]:
    return {s: SERIES_COLORS[(i + 2) % len(SERIES_COLORS)] for i, s in enumerate(splits)}


def plot_encoder_by_target(
    trainer: Any = None,
    encoder_df: pd.DataFrame | None = None,
    *,
    plot_style: str = "strip",
    target_col: str | None = None,
    class_col: str | None = None,
    hue_col: str | None = None,
    class_order: Sequence[str] | None = None,
    title: str | None = None,
    output: str | Path | None = None,
    show: bool | None = None,
    figsize: tuple[float, float] | None = None,
    jitter: float = 0.25,
    point_size: float = 12.0,
    interactive: bool = False,
    height: int = 520,
    legend_loc: str = "upper right",
    ignore_case: bool = True,
) -> str | None:
    """Encodings per target (x: target words grouped by class; y: encoded value; colour: split).

    Args:
        trainer: computes ``encoder_df`` when it is not given.
        encoder_df: encoder rows (neutral rows are left out).
        plot_style: ``strip``, ``box`` or ``violin``.
        target_col: the target column (default: the first of :data:`TARGET_COLUMNS`).
        class_col: the class column (default: the first of :data:`CLASS_COLUMNS`).
        hue_col: the split column (default: the first of :data:`SPLIT_COLUMNS`).
        class_order: order of the class groups.
        title: figure title.
        output: ``.png``/``.pdf`` (or ``.html`` with ``interactive``); None draws without saving.
        show: display the figure.
        figsize: inches.
        jitter: horizontal spread of strip points.
        point_size: marker area of strip points.
        interactive: write a plotly strip plot (HTML) instead.
        height: pixel height of the interactive plot.
        legend_loc: matplotlib legend location.
        ignore_case: merge targets that differ only in case.

    Returns:
        The saved path, or None when ``output`` is None.
    """
    if plot_style not in PLOT_STYLES:
        raise ValueError(f"plot_style must be one of {list(PLOT_STYLES)}, got {plot_style!r}")
    frame = _frame(trainer, encoder_df)
    frame = frame[~_is_neutral(frame)].copy()
    target = _column(frame, target_col, TARGET_COLUMNS, "target")
    cls = _column(frame, class_col, CLASS_COLUMNS, "class")
    hue = _column(frame, hue_col, SPLIT_COLUMNS, "split")
    frame["_target"] = frame[target].astype(str).str.lower() if ignore_case else frame[target].astype(str)
    classes = list(class_order) if class_order else list(dict.fromkeys(frame[cls].astype(str)))
    order = [t for c in classes for t in dict.fromkeys(frame.loc[frame[cls].astype(str) == c, "_target"])]
    splits = list(dict.fromkeys(frame[hue].astype(str)))
    if interactive:
        return _by_target_html(frame, order, hue, splits, title, output, height)
    with style_context():
        figure = new_figure(figsize or (max(6.0, 0.45 * len(order) + 2.5), 4.2), show=show)
        ax = figure.add_subplot(1, 1, 1)
        colors = _split_colors(splits)
        rng = np.random.default_rng(0)
        for s_index, split in enumerate(splits):
            offset = (s_index - (len(splits) - 1) / 2) * 0.8 / max(len(splits), 1)
            part = frame[frame[hue].astype(str) == split]
            values = [part.loc[part["_target"] == t, "encoded"].astype(float).to_numpy() for t in order]
            positions = np.arange(len(order)) + offset
            _draw_style(
                ax,
                plot_style,
                values,
                positions,
                colors[split],
                jitter / max(len(splits), 1),
                point_size,
                rng,
            )
            ax.scatter([], [], color=colors[split], label=split)
        ax.set_xticks(
            range(len(order)),
            order,
            rotation=45 if len(order) > 6 else 0,
            ha="right" if len(order) > 6 else "center",
        )
        ax.axhline(0.0, color=NEUTRAL_COLOR, lw=0.8)
        ax.set_ylabel("encoded value")
        ax.legend(loc=cast(Any, legend_loc), title="split")
        if title:
            ax.set_title(title)
    return None if output is None else save_figure(figure, Path(output), show)


def _draw_style(
    ax: Any,
    style: str,
    values: list[np.ndarray],
    positions: np.ndarray,
    color: str,
    jitter: float,
    size: float,
    rng: np.random.Generator,
) -> None:
    filled = [(p, v) for p, v in zip(positions, values, strict=True) if len(v)]
    if not filled:
        return
    if style == "strip":
        for position, vals in filled:
            ax.scatter(
                position + rng.uniform(-jitter, jitter, len(vals)), vals, s=size, color=color, alpha=0.7, lw=0
            )
    elif style == "box":
        parts = ax.boxplot(
            [v for _, v in filled], positions=[p for p, _ in filled], widths=0.25, patch_artist=True
        )
        for box in parts["boxes"]:
            box.set_facecolor(color)
            box.set_alpha(0.6)
    else:
        parts = ax.violinplot(
            [v for _, v in filled], positions=[p for p, _ in filled], widths=0.3, showmedians=True
        )
        for body in parts["bodies"]:
            body.set_facecolor(color)


def _by_target_html(
    frame: pd.DataFrame,
    order: list[str],
    hue: str,
    splits: list[str],
    title: str | None,
    output: str | Path | None,
    height: int,
) -> str | None:
    import plotly.graph_objects as go

    figure = go.Figure()
    colors = _split_colors(splits)
    for split in splits:
        part = frame[frame[hue].astype(str) == split]
        hover = part["text"].astype(str) if "text" in part.columns else part["_target"]
        box = go.Box(
            x=part["_target"],
            y=part["encoded"].astype(float),
            name=split,
            boxpoints="all",
            jitter=0.5,
            pointpos=0,
            marker={"color": colors[split]},
            line={"width": 0},
            fillcolor="rgba(0,0,0,0)",
            text=hover,
            hovertemplate="%{text}<br>encoded %{y:.3f}<extra>%{x}</extra>",
        )
        figure.add_trace(box)
    figure.update_layout(**plotly_layout(title, height), boxmode="group")
    figure.update_xaxes(categoryorder="array", categoryarray=order)
    if output is None:
        return None
    if Path(output).suffix.lower() != ".html":
        raise ValueError(f"an interactive plot is written as .html, got {str(output)!r}")
    return save_figure(figure, output)


def outlier_mask(values: pd.Series, k: float = 1.5) -> pd.Series:
    """Tukey outliers: below Q1 - k*IQR or above Q3 + k*IQR."""
    q1, q3 = values.quantile(0.25), values.quantile(0.75)
    spread = q3 - q1
    return (values < q1 - k * spread) | (values > q3 + k * spread)


def plot_encoder_strip_by_split(
    trainer: Any = None,
    encoder_df: pd.DataFrame | None = None,
    *,
    include_neutral: bool = False,
    x_group_col: str | None = None,
    hue_col: str | None = None,
    title: str | bool | None = True,
    output: str | Path | None = None,
    show: bool | None = None,
    figsize: tuple[float, float] | None = None,
    jitter: float = 0.08,
    point_size: float = 14.0,
    seed: int = 42,
    label_points: bool | str = False,
    label_col: str | None = None,
    label_sample_per_group: int = 2,
    outlier_k: float = 1.5,
) -> str | None:
    """Encoded values per class (x) and split (colour), with optional labels on outliers and samples.

    Args:
        trainer: computes ``encoder_df`` when it is not given.
        encoder_df: encoder rows.
        include_neutral: also draw neutral rows (one group per neutral type).
        x_group_col: the group column (default: the first of :data:`CLASS_COLUMNS`).
        hue_col: the split column (default: the first of :data:`SPLIT_COLUMNS`).
        title: True: "Encoded values by split"; a string; False/None: none.
        output: ``.png``/``.pdf``/``.svg``; None draws without saving.
        show: display the figure.
        figsize: inches.
        jitter: horizontal spread of the points.
        point_size: marker area.
        seed: seed of the jitter and of the sampled labels.
        label_points: False; ``"outliers"``; ``"sample"``; True or ``"outliers+sample"`` (both).
        label_col: the label text column (default: the first of :data:`TARGET_COLUMNS`).
        label_sample_per_group: labelled random points per group and split.
        outlier_k: Tukey factor of the outlier rule.

    Returns:
        The saved path, or None when ``output`` is None.
    """
    if label_points not in LABEL_MODES:
        raise ValueError(f"label_points must be one of {list(LABEL_MODES)}, got {label_points!r}")
    frame = _frame(trainer, encoder_df).copy()
    neutral = _is_neutral(frame)
    if not include_neutral:
        frame = frame[~neutral]
    group = _column(frame, x_group_col, CLASS_COLUMNS, "group")
    hue = _column(frame, hue_col, SPLIT_COLUMNS, "split")
    frame["_group"] = np.where(_is_neutral(frame), frame.get("type", "neutral"), frame[group].astype(str))
    groups = list(dict.fromkeys(frame["_group"]))
    splits = list(dict.fromkeys(frame[hue].astype(str)))
    label_from = _column(frame, label_col, TARGET_COLUMNS, "label") if label_points else None
    rng = np.random.default_rng(seed)
    with style_context():
        figure = new_figure(figsize or (max(5.0, 1.4 * len(groups) + 2.0), 4.2), show=show)
        ax = figure.add_subplot(1, 1, 1)
        colors = _split_colors(splits)
        for s_index, split in enumerate(splits):
            offset = (s_index - (len(splits) - 1) / 2) * 0.6 / max(len(splits), 1)
            for g_index, name in enumerate(groups):
                part = frame[(frame["_group"] == name) & (frame[hue].astype(str) == split)]
                if part.empty:
                    continue
                y = part["encoded"].astype(float)
                x = g_index + offset + rng.uniform(-jitter, jitter, len(part))
                ax.scatter(
                    x,
                    y,
                    s=point_size,
                    color=colors[split],
                    alpha=0.75,
                    lw=0,
                    label=split if g_index == 0 else None,
                )
                if label_from is not None:
                    _label(ax, part, x, y, label_from, label_points, label_sample_per_group, outlier_k, rng)
        ax.set_xticks(range(len(groups)), groups)
        ax.axhline(0.0, color=NEUTRAL_COLOR, lw=0.8)
        ax.set_ylabel("encoded value")
        ax.legend(title="split")
        if title:
            ax.set_title("Encoded values by split" if title is True else str(title))
    return None if output is None else save_figure(figure, Path(output), show)


def _label(
    ax: Any,
    part: pd.DataFrame,
    x: np.ndarray,
    y: pd.Series,
    column: str,
    mode: bool | str,
    sample: int,
    k: float,
    rng: np.random.Generator,
) -> None:
    chosen = np.zeros(len(part), dtype=bool)
    if mode in (True, "outliers", "outliers+sample"):
        chosen |= outlier_mask(y, k).to_numpy()
    if mode in (True, "sample", "outliers+sample") and sample > 0:
        picks = rng.choice(len(part), size=min(sample, len(part)), replace=False)
        chosen[picks] = True
    texts = part[column].astype(str).to_numpy()
    for i in np.flatnonzero(chosen):
        ax.annotate(texts[i][:40], (x[i], y.iloc[i]), fontsize=7, xytext=(3, 3), textcoords="offset points")


__all__ = ["outlier_mask", "plot_encoder_by_target", "plot_encoder_strip_by_split"]
