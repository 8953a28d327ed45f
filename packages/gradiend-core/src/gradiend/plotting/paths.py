"""Where figures are saved: stable file names under ``<experiment_dir>/plots``.

Every plot method saves its figure and returns the path. Without an explicit ``output`` path the file
is ``<experiment_dir>/plots/<name><suffix>`` (e.g. ``runs/gpt2/plots/training_convergence.png``), so
rerunning a plot replaces the previous file of the same name. A trainer without an experiment
directory saves into one temporary directory per process (``<system temp>/gradiend-plots-XXXXXXXX``,
created on first use and logged at INFO level): nothing is written into the working directory, and the
returned path says where the figure is.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

PLOTS_DIRNAME = "plots"
"""Sub-directory of the experiment directory that holds the figures."""

PLOT_NAMES: dict[str, str] = {
    name: name
    for name in (
        "training_convergence",
        "encoder_distributions",
        "encoder_scatter",
        "decoder_grid",
        "seed_convergence",
    )
}
"""The stable file name (without suffix) of each figure, by figure: the figure's own name."""

_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_fallback_directory: list[Path] = []


def fallback_plots_directory() -> Path:
    """The per-process temporary directory used when a trainer has no experiment directory."""
    if not _fallback_directory:
        directory = Path(tempfile.mkdtemp(prefix="gradiend-plots-"))
        logger.info("no experiment_dir is set: figures are saved under %s", directory)
        _fallback_directory.append(directory)
    return _fallback_directory[0]


def plots_directory(experiment_dir: str | os.PathLike[str] | None) -> Path:
    """``<experiment_dir>/plots``, or :func:`fallback_plots_directory` when ``experiment_dir`` is None."""
    if experiment_dir is None:
        return fallback_plots_directory()
    return Path(experiment_dir) / PLOTS_DIRNAME


def resolve_output(
    name: str,
    *,
    output: str | os.PathLike[str] | None = None,
    experiment_dir: str | os.PathLike[str] | None = None,
    suffix: str = ".png",
) -> Path:
    """The file a figure is saved to.

    Args:
        name: the figure's stable name (letters, digits, ``_``, ``-``, ``.``), e.g. ``"decoder_grid"``.
        output: an explicit file path, or an existing directory (then ``<output>/<name><suffix>``).
        experiment_dir: the trainer's experiment directory (see the module docstring when None).
        suffix: the file suffix, ``".png"`` or ``".html"``.

    Returns:
        The target path; its parent directory exists.
    """
    if not _NAME_PATTERN.match(name):
        raise ValueError(f"name must be a plain file name (letters, digits, _ - .), got {name!r}")
    if not suffix.startswith("."):
        raise ValueError(f"suffix must start with a dot, e.g. '.png', got {suffix!r}")
    if output is not None:
        path = Path(output)
        if path.is_dir():
            path = path / f"{name}{suffix}"
        elif path.suffix.lower() != suffix:
            raise ValueError(f"output must be a {suffix} file or an existing directory, got {str(output)!r}")
    else:
        path = plots_directory(experiment_dir) / f"{name}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


__all__ = ["PLOTS_DIRNAME", "PLOT_NAMES", "fallback_plots_directory", "plots_directory", "resolve_output"]
