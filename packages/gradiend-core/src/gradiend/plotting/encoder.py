"""Encoder distributions: the encoded value ``h`` of every evaluated row, per class, neutral data included.

Each group is drawn as a violin (the density) over its jittered points, with its mean marked. The
groups are the feature pair's classes first (blue, vermillion), then further training classes, then
the neutral data: one group per neutral class, or, with ``target_and_neutral_only=True``, only the
pair's classes and all neutral rows merged into one grey "neutral" group.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from gradiend.plotting.output import new_figure
from gradiend.plotting.style import (
    FIGURE_WIDTH,
    HIGHLIGHT_COLOR,
    NEUTRAL_COLOR,
    REFERENCE_COLOR,
    class_colors,
    style_context,
)
from gradiend.plotting.training import BOUNDARY
from gradiend.utils.result_records import checked_encoder_frame, encoded_matrix, is_neutral_type

NEUTRAL_GROUP = "neutral"
"""Name of the merged neutral group."""

MAX_POINTS_PER_GROUP = 1500
"""Points drawn per group in the static figure (a deterministic subsample beyond that)."""

ENCODER_COLUMNS: tuple[str, ...] = ("encoded", "feature_class", "type")


@dataclass(frozen=True)
class EncoderGroup:
    """One plotted group of rows."""

    name: str
    neutral: bool
    color: str
    values: np.ndarray
    rows: np.ndarray
    """Positions (0-based) of the group's rows in the encoder DataFrame."""


def encoder_groups(
    frame: pd.DataFrame, pair: Sequence[str] | None, *, target_and_neutral_only: bool = False
) -> list[EncoderGroup]:
    """Split encoder rows into the plotted groups (see the module docstring for the order and colours)."""
    checked_encoder_frame(frame, ENCODER_COLUMNS, "plot")
    h = encoded_matrix(frame["encoded"])[:, 0]
    classes = frame["feature_class"].astype(str).to_numpy()
    neutral = frame["type"].map(is_neutral_type).to_numpy(dtype=bool)
    pair_names = [str(p) for p in pair or ()]
    training_names = [c for c in pair_names if c in set(classes[~neutral])]
    if not target_and_neutral_only:
        training_names += sorted(set(classes[~neutral]) - set(pair_names))
    neutral_names = [NEUTRAL_GROUP] if target_and_neutral_only else sorted(set(classes[neutral]))
    colors = class_colors(pair_names or None, [*training_names, *neutral_names])
    groups = []
    for name in training_names:
        rows = np.flatnonzero(~neutral & (classes == name))
        groups.append(EncoderGroup(name, False, colors[name], h[rows], rows))
    for name in neutral_names if neutral.any() else []:
        mask = neutral if target_and_neutral_only else neutral & (classes == name)
        rows = np.flatnonzero(mask)
        color = NEUTRAL_COLOR if target_and_neutral_only else colors[name]
        groups.append(EncoderGroup(name, True, color, h[rows], rows))
    return groups


def group_label(group: EncoderGroup) -> str:
    """Tick label of a group: its name, whether it is neutral, and its size."""
    if group.neutral and group.name != NEUTRAL_GROUP:
        return f"{group.name}\n(neutral, n={group.values.size})"
    return f"{group.name}\n(n={group.values.size})"


def jitter(count: int, width: float = 0.36, seed: int = 0) -> np.ndarray:
    """Deterministic horizontal offsets in ``[-width/2, width/2]`` for ``count`` points."""
    return np.random.default_rng(seed).uniform(-width / 2, width / 2, size=count)


def encoder_distributions_figure(
    frame: pd.DataFrame,
    pair: Sequence[str] | None,
    *,
    target_and_neutral_only: bool = False,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    show: bool | None = None,
) -> Figure:
    """Violins with jittered points of the encoded values per group."""
    groups = encoder_groups(frame, pair, target_and_neutral_only=target_and_neutral_only)
    size = figsize or (max(FIGURE_WIDTH * 0.75, 1.6 + 1.1 * len(groups)), 4.6)
    with style_context():
        figure = new_figure(size, show=show)
        ax = figure.subplots()
        for position, group in enumerate(groups):
            _draw_group(ax, position, group)
        for level in (BOUNDARY, -BOUNDARY):
            ax.axhline(level, color=REFERENCE_COLOR, linestyle=":", linewidth=1.0)
        ax.axhline(0.0, color=REFERENCE_COLOR, linewidth=0.6)
        ax.set_xticks(range(len(groups)), [group_label(g) for g in groups])
        ax.set_xlim(-0.6, len(groups) - 0.4)
        ax.set_xlabel("group (feature class of the evaluated rows)")
        ax.set_ylabel("encoding h (unitless)")
        ax.grid(axis="x", visible=False)
        ax.plot([], [], marker="D", color=HIGHLIGHT_COLOR, linestyle="none", label="mean")
        ax.legend(loc="best")
        ax.set_title(title if title is not None else _default_title(pair, frame))
    return figure


def _default_title(pair: Sequence[str] | None, frame: pd.DataFrame) -> str:
    width = encoded_matrix(frame["encoded"].head(1)).shape[1]
    feature = " (feature 0)" if width > 1 else ""
    if pair is None or len(pair) != 2:
        return f"Encoder distributions{feature}"
    return f"Encoder distributions{feature}: {pair[0]} (+1) vs {pair[1]} (-1)"


def _draw_group(ax: Axes, position: int, group: EncoderGroup) -> None:
    values = group.values
    if values.size >= 2 and float(np.ptp(values)) > 0.0:
        parts = ax.violinplot([values], positions=[position], widths=0.8, showextrema=False)
        body = cast("list[PolyCollection]", parts["bodies"])[0]
        body.set_facecolor(group.color)
        body.set_edgecolor(group.color)
        body.set_alpha(0.25)
    shown = values
    if values.size > MAX_POINTS_PER_GROUP:
        shown = values[
            np.random.default_rng(position).choice(values.size, MAX_POINTS_PER_GROUP, replace=False)
        ]
    ax.scatter(
        position + jitter(shown.size, seed=position),
        shown,
        s=10,
        color=group.color,
        alpha=0.65,
        linewidths=0,
        zorder=3,
    )
    ax.plot(
        [position],
        [float(values.mean())],
        marker="D",
        markersize=7,
        color=HIGHLIGHT_COLOR,
        markeredgecolor="white",
        linestyle="none",
        zorder=4,
    )


__all__ = [
    "MAX_POINTS_PER_GROUP",
    "NEUTRAL_GROUP",
    "EncoderGroup",
    "encoder_distributions_figure",
    "encoder_groups",
    "group_label",
    "jitter",
]
