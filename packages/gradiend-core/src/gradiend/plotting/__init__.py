"""Figures of a GRADIEND run: training convergence, encoder distributions and scatter, decoder grid, seeds.

Each ``*_figure`` function builds a figure from plain data (training.json statistics, an encoder
DataFrame, grid records, a seed report) and returns it; it never reads a trainer. The trainer's
``plot_*`` methods (:class:`gradiend.trainer.plotting_mixin.PlottingMixin`) gather that data and save
the figure with :func:`gradiend.plotting.output.save_plot` under ``<experiment_dir>/plots`` with a
stable name (see :mod:`gradiend.plotting.paths`); the HTML report embeds the same figures. Static
figures are matplotlib (Agg, never blocking; see :mod:`gradiend.plotting.output`), styled by
:mod:`gradiend.plotting.style`; the scatter is plotly HTML.
"""

from gradiend.plotting.decoder import decoder_grid_figure, decoder_grid_name
from gradiend.plotting.encoder import encoder_distributions_figure
from gradiend.plotting.output import save_figure, save_plot
from gradiend.plotting.paths import plots_directory, resolve_output
from gradiend.plotting.scatter import encoder_scatter_figure
from gradiend.plotting.seeds import seed_convergence_figure
from gradiend.plotting.training import training_convergence_figure

__all__ = [
    "decoder_grid_figure",
    "decoder_grid_name",
    "encoder_distributions_figure",
    "encoder_scatter_figure",
    "plots_directory",
    "resolve_output",
    "save_figure",
    "save_plot",
    "seed_convergence_figure",
    "training_convergence_figure",
]
