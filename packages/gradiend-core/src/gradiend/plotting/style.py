"""One visual style for every gradiend figure: colour-blind-safe colours, readable fonts, print resolution.

Colours follow Okabe & Ito (2008), a palette that stays distinguishable under the common forms of
colour blindness. The first class of the feature pair is always blue and the second vermillion, in
every figure; other (neutral) classes take the remaining palette colours, and merged neutral data is
grey. Static figures are drawn by matplotlib under :func:`style_context`; the interactive scatter uses
:func:`plotly_layout`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
from cycler import cycler

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

DEFAULT_DPI = 150
"""Resolution of saved figures (dots per inch); figures in a paper need at least 150."""

FIGURE_WIDTH = 7.0
"""Default figure width in inches (a two-column paper's full text width)."""

FONT_FAMILY = "DejaVu Sans"
"""Bundled with matplotlib, so figures look the same on every machine."""

OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "bluish_green": "#009E73",
    "reddish_purple": "#CC79A7",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
}
"""The Okabe-Ito colours by name."""

PAIR_COLORS: tuple[str, str] = (OKABE_ITO["blue"], OKABE_ITO["vermillion"])
"""Colours of the first and the second class of the feature pair."""

OTHER_COLORS: tuple[str, ...] = (
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["yellow"],
)
"""Colours of further classes (neutral data), in order of use."""

SERIES_COLORS: tuple[str, ...] = (*PAIR_COLORS, *OTHER_COLORS, OKABE_ITO["black"])
"""Colours of series without a class (seeds, feature factors), in order of use."""

NEUTRAL_COLOR = "#7A7A7A"
"""Grey for neutral data merged into one group."""

REFERENCE_COLOR = "#4D4D4D"
"""Dark grey for reference lines (boundaries, thresholds, the base model)."""

HIGHLIGHT_COLOR = "#000000"
"""Selected points (best checkpoint, selected rewrite) are marked in black."""

RC_PARAMS: dict[RcKeyType, Any] = {
    "font.family": FONT_FAMILY,
    "font.size": 10.0,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
    "axes.labelsize": 10.5,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.0,
    "figure.titlesize": 12.5,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.prop_cycle": cycler(color=list(SERIES_COLORS)),
    "lines.linewidth": 1.6,
    "lines.markersize": 5.0,
    "legend.frameon": False,
    "figure.dpi": DEFAULT_DPI,
    "savefig.dpi": DEFAULT_DPI,
    "savefig.facecolor": "white",
    "figure.facecolor": "white",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "text.parse_math": False,  # class names and titles are user text: "$" and "_" are shown as written
    "svg.fonttype": "none",
}
"""matplotlib settings of every gradiend figure."""


@contextmanager
def style_context() -> Iterator[None]:
    """Apply :data:`RC_PARAMS` for the duration of the block (the global settings are restored after)."""
    with mpl.rc_context(RC_PARAMS):
        yield


def class_colors(pair: Sequence[str] | None, classes: Sequence[str]) -> dict[str, str]:
    """A stable colour per class: the pair's colours for its classes, the other colours in order after.

    Classes beyond the palette repeat its colours (a figure with that many classes needs its labels).
    """
    colors: dict[str, str] = {}
    if pair is not None:
        for name, color in zip(pair, PAIR_COLORS, strict=False):
            colors[str(name)] = color
    others = [str(c) for c in classes if str(c) not in colors]
    for index, name in enumerate(others):
        colors[name] = OTHER_COLORS[index % len(OTHER_COLORS)]
    return colors


def series_color(index: int) -> str:
    """The colour of the ``index``-th series without a class (seeds, feature factors)."""
    if index < 0:
        raise ValueError(f"index must be >= 0, got {index}")
    return SERIES_COLORS[index % len(SERIES_COLORS)]


def plotly_layout(title: str | None, height: int) -> dict[str, Any]:
    """Layout settings of interactive (plotly) figures, matching the matplotlib style."""
    return {
        "title": {"text": title or "", "x": 0.02, "font": {"size": 16}},
        "height": height,
        "template": "simple_white",
        "font": {"family": f"{FONT_FAMILY}, Arial, sans-serif", "size": 13},
        "hovermode": "closest",
        "hoverlabel": {"align": "left", "font": {"size": 12}},
        "legend": {"title": {"text": "group"}},
        "margin": {"l": 70, "r": 20, "t": 60 if title else 30, "b": 60},
    }


__all__ = [
    "DEFAULT_DPI",
    "FIGURE_WIDTH",
    "FONT_FAMILY",
    "HIGHLIGHT_COLOR",
    "NEUTRAL_COLOR",
    "OKABE_ITO",
    "OTHER_COLORS",
    "PAIR_COLORS",
    "RC_PARAMS",
    "REFERENCE_COLOR",
    "SERIES_COLORS",
    "class_colors",
    "plotly_layout",
    "series_color",
    "style_context",
]
