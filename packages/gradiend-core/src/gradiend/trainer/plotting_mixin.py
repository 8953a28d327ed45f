"""The Trainer's figures and HTML report (``trainer.plot_*()``, ``trainer.report()``).

Each plot method saves its figure under ``<experiment_dir>/plots`` with a stable name (a temporary
directory when the trainer has no experiment directory; see :mod:`gradiend.plotting.paths`) and
returns the file's path. ``show=None`` (the default) and ``show=False`` only save; ``show=True`` also
displays the figure when the matplotlib backend can (it never blocks on a headless machine).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from gradiend.evaluation.decoder_grid import DecoderGrid
    from gradiend.plotting.protocol import PlottableTrainer
    from gradiend.report.build import ReportableTrainer


class PlottingMixin:
    """Plot and report methods of :class:`gradiend.trainer.Trainer` (delegating to ``gradiend.plotting``)."""

    def plot_training_convergence(
        self: PlottableTrainer,
        *,
        model_path: str | None = None,
        output: str | None = None,
        show: bool | None = None,
        title: str | None = None,
        figsize: tuple[float, float] | None = None,
        dpi: int | None = None,
    ) -> str:
        """Mean encoding per class, correlation and loss over training steps; returns the PNG path.

        Reads the training.json of the trained model (or of ``model_path``). Default file:
        ``<experiment_dir>/plots/training_convergence.png``.
        """
        from gradiend.plotting.training import plot_training_convergence

        return plot_training_convergence(
            self,
            model_path=model_path,
            output=output,
            show=show,
            title=title,
            figsize=figsize,
            dpi=default_dpi(self, dpi),
        )

    def plot_encoder_distributions(
        self: PlottableTrainer,
        encoder_df: pd.DataFrame | None = None,
        *,
        output: str | None = None,
        show: bool | None = None,
        title: str | None = None,
        target_and_neutral_only: bool = False,
        figsize: tuple[float, float] | None = None,
        dpi: int | None = None,
        split: str = "test",
        max_size: int | None = None,
        **encode_kwargs: Any,
    ) -> str:
        """Per-class distributions of the encodings, neutral data included; returns the PNG path.

        ``encoder_df`` defaults to the encodings of ``split``. ``target_and_neutral_only`` shows only the
        pair's classes and one merged neutral group. Default file:
        ``<experiment_dir>/plots/encoder_distributions.png``.
        """
        from gradiend.plotting.encoder import plot_encoder_distributions

        return plot_encoder_distributions(
            self,
            encoder_df,
            output=output,
            show=show,
            title=title,
            target_and_neutral_only=target_and_neutral_only,
            figsize=figsize,
            dpi=default_dpi(self, dpi),
            split=split,
            max_size=max_size,
            **encode_kwargs,
        )

    def plot_encoder_scatter(
        self: PlottableTrainer,
        encoder_df: pd.DataFrame | None = None,
        *,
        output: str | None = None,
        show: bool | None = None,
        title: str | None = None,
        target_and_neutral_only: bool = False,
        max_points: int | None = None,
        height: int = 520,
        split: str = "test",
        max_size: int | None = None,
        **encode_kwargs: Any,
    ) -> str:
        """Interactive plotly scatter of the encodings (hover: ``describe_rows``); returns the HTML path.

        The HTML file inlines plotly.js and opens offline. Default file:
        ``<experiment_dir>/plots/encoder_scatter.html``.
        """
        from gradiend.plotting.scatter import plot_encoder_scatter

        return plot_encoder_scatter(
            self,
            encoder_df,
            output=output,
            show=show,
            title=title,
            target_and_neutral_only=target_and_neutral_only,
            max_points=max_points,
            height=height,
            split=split,
            max_size=max_size,
            **encode_kwargs,
        )

    def plot_decoder_grid(
        self: PlottableTrainer,
        decoder_results: Mapping[str, Any] | None = None,
        *,
        grid: DecoderGrid | Sequence[Mapping[str, Any]] | None = None,
        output: str | None = None,
        show: bool | None = None,
        title: str | None = None,
        figsize: tuple[float, float] | None = None,
        dpi: int | None = None,
    ) -> str:
        """Target-probability change and utility over learning rate x feature factor; returns the PNG path.

        ``decoder_results`` defaults to ``evaluate_decoder()`` (cached results are reused when
        ``use_cache`` is on); the selected rewrites are marked. Default file:
        ``<experiment_dir>/plots/decoder_grid.png``.
        """
        from gradiend.plotting.decoder import plot_decoder_grid

        return plot_decoder_grid(
            self,
            grid,
            decoder_results,
            output=output,
            show=show,
            title=title,
            figsize=figsize,
            dpi=default_dpi(self, dpi),
        )

    def plot_seed_convergence(
        self: PlottableTrainer,
        seed_report: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        *,
        output: str | None = None,
        show: bool | None = None,
        title: str | None = None,
        figsize: tuple[float, float] | None = None,
        dpi: int | None = None,
    ) -> str:
        """One convergence curve per seed of a multi-seed run, converged seeds marked; returns the PNG path.

        Reads seed_report.json and each seed directory's training.json. Default file:
        ``<experiment_dir>/plots/seed_convergence.png``.
        """
        from gradiend.plotting.seeds import plot_seed_convergence

        return plot_seed_convergence(
            self,
            seed_report,
            output=output,
            show=show,
            title=title,
            figsize=figsize,
            dpi=default_dpi(self, dpi),
        )

    def report(
        self: ReportableTrainer,
        output: str | None = None,
        *,
        encoder_results: dict[str, Any] | None = None,
        decoder_results: dict[str, Any] | None = None,
        evaluate: bool = True,
        split: str = "test",
        max_size: int | None = None,
    ) -> str:
        """Write the self-contained HTML report of this run; returns its path.

        Sections: overview, arguments, training curve, seeds, encoder metrics and distributions,
        decoder grid and selection, the modality's examples (``report_sections``), timings. Results
        not given are evaluated (``evaluate=False``: reuse those of an earlier report); they are saved
        to ``run_summary.json`` so ``gradiend report RUN_DIR`` renders the same page later. Default
        file: ``<experiment_dir>/report.html``.
        """
        from gradiend.report.build import write_trainer_report

        return write_trainer_report(
            self,
            output,
            encoder_results=encoder_results,
            decoder_results=decoder_results,
            evaluate=evaluate,
            split=split,
            max_size=max_size,
        )


def default_dpi(trainer: object, dpi: int | None) -> int:
    """``dpi`` when given, else the trainer's ``img_dpi`` (published TrainerConfig field), else 150."""
    if dpi is not None:
        return dpi
    configured = getattr(trainer, "img_dpi", None)
    return configured if isinstance(configured, int) else 150


__all__ = ["PlottingMixin"]
