"""The published ``gradiend.visualizer`` import path: the plot functions under their published names.

The functions live in :mod:`gradiend.plotting`; this package only re-exports them, so
``from gradiend.visualizer import plot_comparison_heatmap`` (published) keeps working.
``plot_encoder_distributions``, ``plot_encoder_scatter`` and ``plot_training_convergence`` are the
trainer methods of the same names called as functions (a trainer first;
:mod:`gradiend.visualizer.trainer_plots`); see docs/guides/migration.md.
"""

from __future__ import annotations

from gradiend.plotting.comparison import (
    plot_cross_encoding_heatmap,
    plot_similarity_heatmap,
    plot_topk_overlap_heatmap,
    plot_topk_overlap_venn,
)
from gradiend.plotting.encoder_views import plot_encoder_by_target, plot_encoder_strip_by_split
from gradiend.plotting.heatmap import plot_comparison_heatmap
from gradiend.visualizer.probability_shifts import plot_probability_shifts
from gradiend.visualizer.trainer_plots import (
    plot_encoder_distributions,
    plot_encoder_scatter,
    plot_training_convergence,
)

__all__ = [
    "plot_comparison_heatmap",
    "plot_cross_encoding_heatmap",
    "plot_encoder_by_target",
    "plot_encoder_distributions",
    "plot_encoder_scatter",
    "plot_encoder_strip_by_split",
    "plot_probability_shifts",
    "plot_similarity_heatmap",
    "plot_topk_overlap_heatmap",
    "plot_topk_overlap_venn",
    "plot_training_convergence",
]
