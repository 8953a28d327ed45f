"""The multi-seed figure: one convergence curve per seed, converged seeds and the selected seed marked.

The data is the run's ``seed_report.json`` (which seeds ran, which converged, which was selected) and
each seed directory's ``training.json`` (the curves). Seeds whose directories were deleted by the
``saved_seed_runs`` policy have no curve; they are drawn as a single point at their best step.
Converged seeds are solid lines ending in a filled circle, the others dashed lines ending in a cross;
the selected seed is drawn thicker and marked with a star.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gradiend.plotting.output import new_figure
from gradiend.plotting.style import (
    FIGURE_WIDTH,
    HIGHLIGHT_COLOR,
    REFERENCE_COLOR,
    series_color,
    style_context,
)
from gradiend.plotting.training import ConvergenceData, convergence_data, moving_average
from gradiend.run_files import SEED_REPORT_FILE, find_seed_report, load_seed_report, load_training_stats


@dataclass(frozen=True)
class SeedCurve:
    """One seed of a multi-seed run."""

    seed: int
    converged: bool
    selected: bool
    best_step: int | None
    score: float
    data: ConvergenceData | None
    """The seed's curves; None when its directory (training.json) no longer exists."""


def seed_curves(
    report: Mapping[str, Any], report_dir: str | os.PathLike[str] | None = None
) -> list[SeedCurve]:
    """The curve of every seed in ``report`` (seed directories: as recorded, else beside the report)."""
    curves = []
    for record in report["runs"]:
        seed = int(record["seed"])
        stats = _seed_stats(record, None if report_dir is None else Path(report_dir))
        best = record.get("best_step")
        curves.append(
            SeedCurve(
                seed=seed,
                converged=bool(record.get("converged")),
                selected=seed == report.get("best_seed"),
                best_step=int(best) if best is not None else None,
                score=float(record.get("training_score") or 0.0),
                data=convergence_data(stats) if stats else None,
            )
        )
    return curves


def _seed_stats(record: Mapping[str, Any], report_dir: Path | None) -> dict[str, Any] | None:
    seed = int(record["seed"])
    candidates = [Path(str(record.get("output_dir", "")))]
    if report_dir is not None:
        candidates += [report_dir / "seeds" / f"seed_{seed}", report_dir / f"seed_{seed}"]
    for directory in candidates:
        if str(directory) and (directory / "training.json").is_file():
            return load_training_stats(directory)
    return None


def seed_convergence_figure(
    report: Mapping[str, Any],
    curves: Sequence[SeedCurve],
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    show: bool | None = None,
) -> Figure:
    """|correlation| (validation) and loss over training steps, one line per seed."""
    if not curves:
        raise ValueError("the seed report lists no seeds")
    with style_context():
        figure = new_figure(figsize or (FIGURE_WIDTH, 6.0), show=show)
        top, bottom = figure.subplots(2, 1, sharex=True)
        for index, curve in enumerate(curves):
            _draw_seed(top, bottom, curve, series_color(index))
        threshold = report.get("threshold")
        if threshold is not None and math.isfinite(float(threshold)):
            axis = bottom if report.get("convergence_metric") == "loss" else top
            axis.axhline(
                float(threshold),
                color=REFERENCE_COLOR,
                linestyle="--",
                linewidth=1.0,
                label=f"convergence threshold ({float(threshold):g})",
            )
        top.set_ylabel("|Pearson r| (validation)")
        top.set_ylim(-0.02, 1.05)
        top.set_title("Encoder correlation per seed (filled: converged, cross: not)", loc="left")
        bottom.set_ylabel("loss (MSE, moving average)")
        bottom.set_xlabel("training step")
        bottom.set_title("Training loss per seed", loc="left")
        top.legend(loc="lower right", fontsize=8, ncols=2)
        n_converged = sum(c.converged for c in curves)
        default = f"Multi-seed training: {n_converged} of {len(curves)} seeds converged"
        figure.suptitle(title if title is not None else default)
    return figure


def _draw_seed(top: Axes, bottom: Axes, curve: SeedCurve, color: str) -> None:
    style = "-" if curve.converged else "--"
    width = 2.6 if curve.selected else 1.3
    label = f"seed {curve.seed}" + (" (selected)" if curve.selected else "")
    marker = "o" if curve.converged else "x"
    if curve.data is not None and curve.data.eval_steps:
        values = [abs(v) for v in curve.data.correlation]
        top.plot(curve.data.eval_steps, values, color=color, linestyle=style, linewidth=width, label=label)
        label = "_nolegend_"
    if curve.data is not None and curve.data.losses:
        losses = curve.data.losses
        steps = np.arange(1, len(losses) + 1)
        average = moving_average(losses, max(1, len(losses) // 20))
        bottom.plot(steps, average, color=color, linestyle=style, linewidth=width)
        if all(v > 0 for v in losses):
            bottom.set_yscale("log")
    if curve.best_step is not None:
        top.plot(
            [curve.best_step],
            [curve.score],
            marker=marker,
            markersize=8,
            color=color,
            linestyle="none",
            label=label,
        )
        if curve.selected:
            top.plot(
                [curve.best_step],
                [curve.score],
                marker="*",
                markersize=16,
                linestyle="none",
                markerfacecolor="none",
                markeredgecolor=HIGHLIGHT_COLOR,
                markeredgewidth=1.2,
            )


__all__ = [
    "SEED_REPORT_FILE",
    "SeedCurve",
    "find_seed_report",
    "load_seed_report",
    "seed_convergence_figure",
    "seed_curves",
]
