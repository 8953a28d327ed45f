"""The interactive encoder scatter (plotly): every evaluated row as a point, its input shown on hover.

The groups and colours are those of the encoder-distribution figure. Hovering a point shows the row's
description from ``trainer.describe_rows`` (the text for the text modality, an image id for vision),
its group and its encoded value. The figure is written as one HTML file with plotly.js inlined, so it
opens offline; it uses SVG traces only (no WebGL), so it renders without a GPU.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from gradiend.plotting.encoder import encoder_groups, jitter
from gradiend.plotting.output import PLOTLY_CONFIG
from gradiend.plotting.output import plotly_html as scatter_html
from gradiend.plotting.style import REFERENCE_COLOR, plotly_layout
from gradiend.plotting.training import BOUNDARY

if TYPE_CHECKING:
    import plotly.graph_objects as go

HOVER_WIDTH = 60
"""Hover text is wrapped at this many characters per line."""

HOVER_MAX_CHARS = 300
"""Longer descriptions are shortened to this many characters."""


def hover_text(description: str) -> str:
    """A description as safe plotly hover text: shortened, HTML-escaped, wrapped with ``<br>``."""
    text = " ".join(str(description).split())
    if len(text) > HOVER_MAX_CHARS:
        text = text[: HOVER_MAX_CHARS - 1] + "\u2026"
    lines = textwrap.wrap(text, HOVER_WIDTH) or [""]
    return "<br>".join(html.escape(line) for line in lines)


def encoder_scatter_figure(
    frame: pd.DataFrame,
    pair: Sequence[str] | None,
    descriptions: Sequence[str],
    *,
    target_and_neutral_only: bool = False,
    title: str | None = None,
    height: int = 520,
    max_points: int | None = None,
) -> go.Figure:
    """A jittered strip scatter of the encoded values per group, with each row's description on hover."""
    import plotly.graph_objects as go

    if len(descriptions) != len(frame):
        raise ValueError(
            f"descriptions must hold one entry per row: got {len(descriptions)} for {len(frame)} rows"
        )
    if max_points is not None and max_points < 1:
        raise ValueError(f"max_points must be a positive number of points (or None), got {max_points}")
    groups = encoder_groups(frame, pair, target_and_neutral_only=target_and_neutral_only)
    figure = go.Figure()
    for position, group in enumerate(groups):
        rows = group.rows
        if max_points is not None and rows.size > max_points:
            rows = np.sort(np.random.default_rng(position).choice(rows, max_points, replace=False))
        values = group.values[np.searchsorted(group.rows, rows)]
        figure.add_trace(
            go.Scatter(
                x=position + jitter(rows.size, seed=position),
                y=values,
                mode="markers",
                name=group.name,
                marker={"color": group.color, "size": 7, "opacity": 0.75},
                text=[hover_text(descriptions[i]) for i in rows],
                hovertemplate=f"%{{text}}<br><b>{html.escape(group.name)}</b>: h = %{{y:.4f}}<extra></extra>",
            )
        )
    for level in (BOUNDARY, -BOUNDARY):
        figure.add_hline(y=level, line={"dash": "dot", "color": REFERENCE_COLOR, "width": 1})
    default_title = f"Encoded values: {pair[0]} (+1) vs {pair[1]} (-1)" if pair else "Encoded values"
    figure.update_layout(**plotly_layout(title if title is not None else default_title, height))
    figure.update_xaxes(
        tickvals=list(range(len(groups))),
        ticktext=[g.name for g in groups],
        title_text="group",
        range=[-0.6, len(groups) - 0.4],
        showgrid=False,
    )
    figure.update_yaxes(title_text="encoding h (unitless)", zeroline=True, showgrid=True)
    return figure


__all__ = [
    "HOVER_MAX_CHARS",
    "HOVER_WIDTH",
    "PLOTLY_CONFIG",
    "encoder_scatter_figure",
    "hover_text",
    "scatter_html",
]
