"""Figures of a GRADIEND run: training convergence, encoder distributions and scatter, decoder grid, seeds.

Each ``plot_*`` function takes the trainer, saves its figure under ``<experiment_dir>/plots`` with a
stable name (see :mod:`gradiend.plotting.paths`) and returns the path; each ``*_figure`` function builds
the figure from plain data (training.json, an encoder DataFrame, grid records, a seed report), which
is what the HTML report uses. Static figures are matplotlib (Agg, never blocking; see
:mod:`gradiend.plotting.output`), styled by :mod:`gradiend.plotting.style`; the scatter is plotly HTML.
"""

from gradiend.plotting.decoder import decoder_grid_figure, plot_decoder_grid
from gradiend.plotting.encoder import encoder_distributions_figure, plot_encoder_distributions
from gradiend.plotting.paths import plots_directory, resolve_output
from gradiend.plotting.scatter import encoder_scatter_figure, plot_encoder_scatter
from gradiend.plotting.seeds import plot_seed_convergence, seed_convergence_figure
from gradiend.plotting.training import plot_training_convergence, training_convergence_figure

__all__ = [
    "decoder_grid_figure",
    "encoder_distributions_figure",
    "encoder_scatter_figure",
    "plot_decoder_grid",
    "plot_encoder_distributions",
    "plot_encoder_scatter",
    "plot_seed_convergence",
    "plot_training_convergence",
    "plots_directory",
    "resolve_output",
    "seed_convergence_figure",
    "training_convergence_figure",
]
