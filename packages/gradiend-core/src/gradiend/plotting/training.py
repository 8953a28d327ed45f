"""The training-convergence figure: mean encoding per class, correlation and loss over training steps.

The data is a run's ``training.json`` (:meth:`gradiend.training.state.TrainingState.to_stats`). When the
run flipped the GRADIEND's sign at the end (so the first pair class encodes positive), the recorded
evaluations are flipped too, so the curves describe the saved model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from gradiend.plotting.output import new_figure
from gradiend.plotting.style import (
    FIGURE_WIDTH,
    HIGHLIGHT_COLOR,
    REFERENCE_COLOR,
    class_colors,
    style_context,
)

BOUNDARY = 0.5
"""Encodings beyond +-0.5 count as the pair's classes (see ``gradiend.evaluation.encoder_metrics``)."""


@dataclass(frozen=True)
class ConvergenceData:
    """The series of one training run, ready to plot."""

    eval_steps: list[int]
    correlation: list[float]
    means: dict[str, list[float]]
    losses: list[float]
    best_step: int | None
    pair: tuple[str, str] | None


def convergence_data(stats: Mapping[str, Any]) -> ConvergenceData:
    """Read the plotted series from training statistics (the content of ``training.json``)."""
    if not isinstance(stats, Mapping):
        raise TypeError(f"stats must be the dict of a training.json, got {type(stats).__name__}")
    losses = [float(v) for v in stats.get("losses") or []]
    evaluations = list(stats.get("evaluations") or [])
    if not losses and not evaluations:
        raise ValueError("the training statistics hold neither 'losses' nor 'evaluations': nothing to plot")
    sign = -1.0 if stats.get("sign_flipped") else 1.0
    pair_value = stats.get("pair")
    pair = (str(pair_value[0]), str(pair_value[1])) if pair_value and len(pair_value) == 2 else None
    classes = _ordered_classes(pair, [name for e in evaluations for name in (e.get("mean_by_class") or {})])
    means = {
        name: [sign * float((e.get("mean_by_class") or {}).get(name, math.nan)) for e in evaluations]
        for name in classes
    }
    best = stats.get("best_step")
    return ConvergenceData(
        eval_steps=[int(e["step"]) for e in evaluations],
        correlation=[sign * float(e["correlation"]) for e in evaluations],
        means=means,
        losses=losses,
        best_step=int(best) if best is not None else None,
        pair=pair,
    )


def _ordered_classes(pair: tuple[str, str] | None, names: Sequence[str]) -> list[str]:
    ordered = [c for c in pair or () if c in names]
    return ordered + sorted({str(n) for n in names} - set(ordered))


def moving_average(values: Sequence[float], window: int) -> np.ndarray:
    """Trailing moving average of ``values`` (the first points average what is available)."""
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    data = np.asarray(values, dtype=np.float64)
    cumulative = np.cumsum(np.insert(data, 0, 0.0))
    counts = np.minimum(np.arange(1, data.size + 1), window)
    return (cumulative[1:] - cumulative[np.arange(1, data.size + 1) - counts]) / counts


def training_convergence_figure(
    stats: Mapping[str, Any],
    *,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    show: bool | None = None,
) -> Figure:
    """Mean encoding per class and correlation at each evaluation, and the loss at every step."""
    data = convergence_data(stats)
    panels = ["means", "correlation"] if data.eval_steps else []
    panels += ["loss"] if data.losses else []
    size = figsize or (FIGURE_WIDTH, 1.0 + 2.2 * len(panels))
    with style_context():
        figure = new_figure(size, show=show)
        axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
        for ax, panel in zip(axes, panels, strict=True):
            {"means": _means_panel, "correlation": _correlation_panel, "loss": _loss_panel}[panel](ax, data)
            if data.best_step is not None:
                ax.axvline(data.best_step, color=HIGHLIGHT_COLOR, linestyle="--", linewidth=1.0, alpha=0.6)
        axes[-1].set_xlabel("training step")
        figure.suptitle(title if title is not None else _default_title(data))
    return figure


def _default_title(data: ConvergenceData) -> str:
    pair = f": {data.pair[0]} vs {data.pair[1]}" if data.pair else ""
    return f"GRADIEND training convergence{pair}"


def _means_panel(ax: Axes, data: ConvergenceData) -> None:
    colors = class_colors(data.pair, list(data.means))
    for name, values in data.means.items():
        ax.plot(data.eval_steps, values, marker="o", color=colors[name], label=name)
    for level in (BOUNDARY, -BOUNDARY):
        ax.axhline(level, color=REFERENCE_COLOR, linestyle=":", linewidth=1.0)
    ax.axhline(0.0, color=REFERENCE_COLOR, linewidth=0.6)
    ax.set_ylabel("mean encoding h")
    ax.set_title("Mean encoding per class (validation rows; dotted: +-0.5 boundary)", loc="left")
    ax.legend(title="class", loc="center right", ncols=min(4, max(1, len(data.means))))


def _correlation_panel(ax: Axes, data: ConvergenceData) -> None:
    ax.plot(data.eval_steps, data.correlation, marker="o", color=REFERENCE_COLOR, label="correlation")
    if data.best_step is not None and data.best_step in data.eval_steps:
        best = data.correlation[data.eval_steps.index(data.best_step)]
        ax.plot(
            [data.best_step],
            [best],
            marker="*",
            markersize=14,
            color=HIGHLIGHT_COLOR,
            linestyle="none",
            label=f"best checkpoint (step {data.best_step}, r = {best:.3f})",
        )
    ax.axhline(0.0, color=REFERENCE_COLOR, linewidth=0.6)
    low = min([0.0, *[v for v in data.correlation if math.isfinite(v)]])
    ax.set_ylim(low - 0.05, 1.05)
    ax.set_ylabel("Pearson r\n(encoding vs label)")
    ax.set_title("Encoder correlation with the class label", loc="left")
    ax.legend(loc="lower right")


def _loss_panel(ax: Axes, data: ConvergenceData) -> None:
    steps = np.arange(1, len(data.losses) + 1)
    window = max(1, len(data.losses) // 20)
    ax.plot(steps, data.losses, color=REFERENCE_COLOR, alpha=0.3, linewidth=0.8, label="per step")
    ax.plot(
        steps,
        moving_average(data.losses, window),
        color=HIGHLIGHT_COLOR,
        linewidth=1.6,
        label=f"moving average ({window} steps)",
    )
    if all(v > 0 for v in data.losses):
        ax.set_yscale("log")
    ax.set_ylabel("loss (MSE)")
    ax.set_title("Training loss", loc="left")
    ax.legend(loc="upper right")


__all__ = [
    "BOUNDARY",
    "ConvergenceData",
    "convergence_data",
    "moving_average",
    "training_convergence_figure",
]
