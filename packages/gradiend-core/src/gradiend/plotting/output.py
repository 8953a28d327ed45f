"""Create, save and (only when asked) show matplotlib figures.

Figures are built as plain :class:`matplotlib.figure.Figure` objects rendered by the Agg canvas, so
saving never touches pyplot's global state, needs no display and never blocks. Only ``show=True``
goes through pyplot: the figure is then displayed by the active backend (a window, or inline in a
notebook); when that backend cannot display anything (Agg on a machine without a display) the request
is logged and skipped instead of blocking or failing. ``show=None`` (the default everywhere) and
``show=False`` never display.
"""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gradiend.plotting.paths import resolve_output
from gradiend.plotting.style import DEFAULT_DPI
from gradiend.utils.atomic import atomic_write_bytes, atomic_write_text

if TYPE_CHECKING:
    import plotly.graph_objects as go

logger = logging.getLogger(__name__)

NON_INTERACTIVE_BACKENDS: frozenset[str] = frozenset({"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"})
"""matplotlib backends that cannot display a figure."""

MIN_DPI = 150
"""Saved figures have at least this resolution."""

PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}
"""plotly.js options of every interactive figure (no links to plotly's web services)."""


def new_figure(figsize: tuple[float, float], *, show: bool | None = None) -> Figure:
    """A constrained-layout figure; registered with pyplot only when it is to be shown."""
    width, height = figsize
    if not (width > 0 and height > 0):
        raise ValueError(f"figsize must be two positive numbers (inches), got {figsize!r}")
    if show:
        import matplotlib.pyplot as plt

        return plt.figure(figsize=(width, height), layout="constrained")
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def check_dpi(dpi: int) -> int:
    """``dpi`` when it is an integer >= :data:`MIN_DPI`, else a ``ValueError``."""
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < MIN_DPI:
        raise ValueError(f"dpi must be an integer >= {MIN_DPI}, got {dpi!r}")
    return dpi


def png_bytes(figure: Figure, dpi: int = DEFAULT_DPI) -> bytes:
    """The figure as PNG bytes of exactly ``figsize * dpi`` pixels."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=check_dpi(dpi))
    return buffer.getvalue()


def finish_figure(figure: Figure, path: Path, *, dpi: int = DEFAULT_DPI, show: bool | None = None) -> str:
    """Save ``figure`` as PNG at ``path`` (atomically), show it if ``show`` is True; return the path."""
    try:
        atomic_write_bytes(path, png_bytes(figure, dpi))
        logger.debug("saved figure %s", path)
        if show:
            _show(figure, path)
    finally:
        if show:
            import matplotlib.pyplot as plt

            plt.close(figure)
    return str(path)


def plotly_html(figure: go.Figure, *, div_id: str | None = None, full_html: bool = True) -> str:
    """HTML of a plotly figure: plotly.js inlined in a full page, or only the div for embedding."""
    return str(
        figure.to_html(
            full_html=full_html,
            include_plotlyjs=full_html,
            div_id=div_id,
            config=PLOTLY_CONFIG,
        )
    )


SUFFIXES: tuple[str, ...] = (".png", ".pdf", ".svg", ".html")
"""File types a figure is saved as: matplotlib figures as PNG, PDF or SVG, plotly figures as HTML."""


def save_figure(
    figure: Figure | go.Figure, path: str | os.PathLike[str], show: bool | None = None, dpi: int = DEFAULT_DPI
) -> str:
    """Save ``figure`` atomically at ``path``, by its suffix; ``show=True`` also displays it.

    A matplotlib figure is written as PNG (``figsize * dpi`` pixels), PDF or SVG; a plotly figure as a
    self-contained HTML file (plotly.js inlined, so it opens offline). Returns the path.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    allowed = SUFFIXES[:3] if isinstance(figure, Figure) else SUFFIXES[3:]
    if suffix not in allowed:
        raise ValueError(f"output_path must end in one of {list(allowed)}, got {str(path)!r}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not isinstance(figure, Figure):
        atomic_write_text(target, plotly_html(figure))
        if show:
            figure.show(config=PLOTLY_CONFIG)
        return str(target)
    if suffix == ".png":
        return finish_figure(figure, target, dpi=dpi, show=show)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=suffix[1:])
    atomic_write_bytes(target, buffer.getvalue())
    return str(target)


def save_plot(
    figure: Figure | go.Figure,
    name: str,
    *,
    output: str | os.PathLike[str] | None = None,
    experiment_dir: str | os.PathLike[str] | None = None,
    dpi: int = DEFAULT_DPI,
    show: bool | None = None,
) -> str:
    """Save a figure under its stable ``name`` (see :func:`gradiend.plotting.paths.resolve_output`).

    A matplotlib figure becomes ``<name>.png``, a plotly figure ``<name>.html``; ``output`` is an
    explicit file of that type or an existing directory. Returns the saved path.
    """
    suffix = ".png" if isinstance(figure, Figure) else ".html"
    path = resolve_output(name, output=output, experiment_dir=experiment_dir, suffix=suffix)
    return save_figure(figure, path, show=show, dpi=dpi)


def _show(figure: Figure, path: Path) -> None:
    import matplotlib.pyplot as plt

    backend = str(plt.get_backend()).lower()
    if backend in NON_INTERACTIVE_BACKENDS:
        logger.warning(
            "show=True: the matplotlib backend %r cannot display figures (no display?); the figure is "
            "saved at %s",
            backend,
            path,
        )
        return
    plt.show()


__all__ = [
    "MIN_DPI",
    "NON_INTERACTIVE_BACKENDS",
    "PLOTLY_CONFIG",
    "SUFFIXES",
    "check_dpi",
    "finish_figure",
    "new_figure",
    "plotly_html",
    "png_bytes",
    "save_figure",
    "save_plot",
]
