"""``check_plot_environment``: what the plotting stack of this installation can do (published name)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import logging
import os
from typing import Any

logger = logging.getLogger(__name__)


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_plot_environment(*, print_status: bool = True, apply_style: bool = True) -> dict[str, Any]:
    """Report the plotting environment: matplotlib (static PNG figures) and plotly (HTML figures).

    Args:
        print_status: log a one-line summary at INFO level (library code logs instead of printing;
            call :func:`gradiend.setup_logging` to see it on the console).
        apply_style: accepted for compatibility; GRADIEND applies its figure style per figure (a
            matplotlib style context), so there is no global style to apply. The result says so.

    Returns:
        ``{"matplotlib": {...}, "plotly": {...}, "display": bool, "style": {...}}`` where each package
        entry has ``available`` and ``version``, ``matplotlib`` also its ``backend``.
    """
    matplotlib_entry: dict[str, Any] = {"available": importlib.util.find_spec("matplotlib") is not None}
    matplotlib_entry["version"] = _version("matplotlib")
    if matplotlib_entry["available"]:
        import matplotlib

        matplotlib_entry["backend"] = matplotlib.get_backend()
    plotly_entry = {
        "available": importlib.util.find_spec("plotly") is not None,
        "version": _version("plotly"),
    }
    status = {
        "matplotlib": matplotlib_entry,
        "plotly": plotly_entry,
        "display": bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")),
        "style": {"applied_globally": False, "requested": apply_style, "scope": "per figure"},
    }
    if print_status:
        logger.info(
            "plot environment: matplotlib %s (backend %s), plotly %s, display %s",
            matplotlib_entry["version"],
            matplotlib_entry.get("backend"),
            plotly_entry["version"],
            status["display"],
        )
    return status


__all__ = ["check_plot_environment"]
