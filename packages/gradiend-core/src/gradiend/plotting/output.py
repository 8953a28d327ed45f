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
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from gradiend.plotting.style import DEFAULT_DPI
from gradiend.utils.atomic import atomic_write_bytes

logger = logging.getLogger(__name__)

NON_INTERACTIVE_BACKENDS: frozenset[str] = frozenset({"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"})
"""matplotlib backends that cannot display a figure."""

MIN_DPI = 150
"""Saved figures have at least this resolution."""


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


__all__ = ["MIN_DPI", "NON_INTERACTIVE_BACKENDS", "check_dpi", "finish_figure", "new_figure", "png_bytes"]
