"""The Trainer's figures and HTML report (``trainer.plot_*()``, ``trainer.report()``).

Each plot method gathers its data (training.json, the encodings of a split, the decoder grid, the
seed report), builds the figure with the matching ``*_figure`` function of :mod:`gradiend.plotting`,
saves it under ``<experiment_dir>/plots`` with a stable name (a temporary directory when the trainer
has no experiment directory; see :mod:`gradiend.plotting.paths`) and returns the file's path.
``show=None`` (the default) and ``show=False`` only save; ``show=True`` also displays the figure when
the matplotlib backend can (it never blocks on a headless machine).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure
    from plotly.graph_objects import Figure as PlotlyFigure

    from gradiend.arguments import TrainingArguments
    from gradiend.definition import ReportSection
    from gradiend.evaluation.decoder_grid import DecoderGrid
    from gradiend.model.with_gradiend import ModelWithGradiend


class PlotHost(Protocol):
    """What the plot and report methods use of :class:`gradiend.trainer.Trainer`."""

    MODALITY_NAME: ClassVar[str | None]

    @property
    def experiment_dir(self) -> str | None:
        """Where figures go (``<experiment_dir>/plots``); None: a temporary directory."""

    @property
    def args(self) -> TrainingArguments:
        """The arguments in force."""

    def require_pair(self) -> tuple[str, str]:
        """The feature pair."""

    @property
    def model_path(self) -> str:
        """The trained GRADIEND's directory (holds training.json)."""

    def get_training_stats(self, model_path: str | None = None) -> dict[str, Any] | None:
        """The training.json of a trained model."""

    @property
    def base_model_path(self) -> str:
        """The base model id or path."""

    def get_encodings(self, model_path: str | None = None, **kwargs: Any) -> pd.DataFrame:
        """The encoder DataFrame of a split (``split=``, ``max_size=`` keywords)."""

    def describe_rows(self, rows: pd.DataFrame) -> list[str]:
        """One human-readable description per row."""

    def evaluate_encoder(self, **kwargs: Any) -> dict[str, Any]:
        """Encoder metrics (with ``return_df=True``: and the encoder DataFrame)."""

    def evaluate_decoder(self, **kwargs: Any) -> dict[str, Any]:
        """Decoder grid results."""

    def get_seed_report_path(self) -> str | None:
        """The run's seed_report.json, or None."""

    def get_model(self) -> ModelWithGradiend:
        """The trained GRADIEND."""

    def report_sections(self, model_with_gradiend: ModelWithGradiend, output_dir: str) -> list[ReportSection]:
        """The modality's own report sections."""


class PlottingMixin:
    """Plot and report methods of :class:`gradiend.trainer.Trainer` (figures from ``gradiend.plotting``)."""

    def plot_training_convergence(
        self: PlotHost,
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
        from gradiend.plotting.paths import PLOT_NAMES
        from gradiend.plotting.training import training_convergence_figure

        stats = self.get_training_stats(model_path)
        if stats is None:
            where = model_path or self.model_path
            raise FileNotFoundError(f"no training.json in {where!r}: train first (trainer.train())")
        figure = training_convergence_figure(stats, title=title, figsize=figsize, show=show)
        return _save(self, figure, PLOT_NAMES["training_convergence"], output, dpi, show)

    def plot_encoder_distributions(
        self: PlotHost,
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

        ``encoder_df`` defaults to the encodings of ``split`` (``max_size`` rows per class; further
        keywords go to ``get_encodings``). ``target_and_neutral_only`` shows only the pair's classes
        and one merged neutral group. Default file: ``<experiment_dir>/plots/encoder_distributions.png``.
        """
        from gradiend.plotting.encoder import encoder_distributions_figure
        from gradiend.plotting.paths import PLOT_NAMES

        frame = _encodings(self, encoder_df, split, max_size, encode_kwargs)
        figure = encoder_distributions_figure(
            frame,
            self.require_pair(),
            target_and_neutral_only=target_and_neutral_only,
            title=title,
            figsize=figsize,
            show=show,
        )
        return _save(self, figure, PLOT_NAMES["encoder_distributions"], output, dpi, show)

    def plot_encoder_scatter(
        self: PlotHost,
        encoder_df: pd.DataFrame | None = None,
        *,
        height: int = 520,
        max_points: int | None = None,
        show: bool | None = None,
        title: str | None = None,
        split: str = "test",
        output: str | None = None,
        target_and_neutral_only: bool = False,
        max_size: int | None = None,
        **encode_kwargs: Any,
    ) -> str:
        """Interactive plotly scatter of the encodings (hover: ``describe_rows``); returns the HTML path.

        ``max_points`` keeps at most that many points per group; ``height`` is in pixels. The HTML
        file inlines plotly.js and opens offline. Default file:
        ``<experiment_dir>/plots/encoder_scatter.html``.
        """
        from gradiend.plotting.paths import PLOT_NAMES
        from gradiend.plotting.scatter import encoder_scatter_figure

        frame = _encodings(self, encoder_df, split, max_size, encode_kwargs)
        figure = encoder_scatter_figure(
            frame,
            self.require_pair(),
            self.describe_rows(frame),
            target_and_neutral_only=target_and_neutral_only,
            title=title,
            height=height,
            max_points=max_points,
        )
        return _save(self, figure, PLOT_NAMES["encoder_scatter"], output, None, show)

    def plot_decoder_grid(
        self: PlotHost,
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
        ``use_cache`` is on) and ``grid`` to its ``"grid"``; the selected rewrites are marked. Default
        file: ``<experiment_dir>/plots/decoder_grid.png`` (``decoder_grid_weaken.png`` when the results
        hold only weakening entries).
        """
        from gradiend.evaluation.decoder_grid import DecoderGrid
        from gradiend.plotting.decoder import decoder_grid_figure, decoder_grid_name

        results = decoder_results if decoder_results is not None else self.evaluate_decoder()
        if grid is None:
            if "grid" not in results:
                raise ValueError("results hold no 'grid': pass grid= or the full evaluate_decoder() results")
            grid = results["grid"]
        records = grid.to_records() if isinstance(grid, DecoderGrid) else grid
        figure = decoder_grid_figure(
            records,
            results,
            self.require_pair(),
            utility_ratio=self.args.decoder_eval_utility_ratio,
            title=title,
            figsize=figsize,
            show=show,
        )
        return _save(self, figure, decoder_grid_name(results), output, dpi, show)

    def plot_seed_convergence(
        self: PlotHost,
        seed_report: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        *,
        output: str | None = None,
        show: bool | None = None,
        title: str | None = None,
        figsize: tuple[float, float] | None = None,
        dpi: int | None = None,
    ) -> str:
        """One convergence curve per seed of a multi-seed run, converged seeds marked; returns the PNG path.

        ``seed_report`` is a report dict or the path of a seed_report.json (default: this run's); each
        seed directory's training.json gives its curve. Default file:
        ``<experiment_dir>/plots/seed_convergence.png``.
        """
        from gradiend.plotting.paths import PLOT_NAMES
        from gradiend.plotting.seeds import (
            SEED_REPORT_FILE,
            load_seed_report,
            seed_convergence_figure,
            seed_curves,
        )

        report_dir: Path | None = None
        if seed_report is None or not isinstance(seed_report, Mapping):
            where = seed_report if seed_report is not None else self.get_seed_report_path()
            if where is None or not Path(where).is_file():
                raise FileNotFoundError(
                    f"no {SEED_REPORT_FILE} found (looked for {seed_report or 'the trainer run'}): a seed "
                    "report is written by multi-seed training (TrainingArguments(max_seeds > 1))"
                )
            report_dir = Path(where).parent
            seed_report = load_seed_report(where)
        curves = seed_curves(seed_report, report_dir)
        figure = seed_convergence_figure(seed_report, curves, title=title, figsize=figsize, show=show)
        return _save(self, figure, PLOT_NAMES["seed_convergence"], output, dpi, show)

    def report(
        self: PlotHost,
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
        not given are evaluated (cached results are reused when ``use_cache`` is on; ``split`` and
        ``max_size`` choose the encoder's rows); ``evaluate=False`` reports only the given results and
        those of an earlier report. They are saved to ``run_summary.json`` so ``gradiend report
        RUN_DIR`` renders the same page later. Default file: ``<experiment_dir>/report.html``.
        """
        from gradiend.report.build import checked_sections, report_target, summary_directory, write_run_report

        directory = summary_directory(self.experiment_dir, output)
        target = report_target(directory, output)
        timings: dict[str, float] = {}
        results = _report_results(
            self, (encoder_results, decoder_results), evaluate, split, max_size, timings
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        sections = checked_sections(self.report_sections(self.get_model(), str(target.parent)), target.parent)
        timings["report_sections"] = round(time.perf_counter() - start, 4)
        run = {
            "trainer": type(self).__name__,
            "modality": self.MODALITY_NAME,
            "base_model": self.base_model_path,
            "pair": list(self.require_pair()),
            "model_path": _absolute(self.model_path),
            "experiment_dir": self.experiment_dir,
        }
        return write_run_report(
            directory, target, run=run, results=results, sections=sections, timings=timings
        )


def default_dpi(trainer: object, dpi: int | None) -> int:
    """``dpi`` when given, else the trainer's ``img_dpi`` (published TrainerConfig field), else 150."""
    from gradiend.plotting.style import DEFAULT_DPI

    if dpi is not None:
        return dpi
    configured = getattr(trainer, "img_dpi", None)
    return configured if isinstance(configured, int) else DEFAULT_DPI


def _save(
    trainer: PlotHost,
    figure: Figure | PlotlyFigure,
    name: str,
    output: str | None,
    dpi: int | None,
    show: bool | None,
) -> str:
    """Save a figure under its stable ``name`` (:func:`gradiend.plotting.output.save_plot`)."""
    from gradiend.plotting.output import save_plot

    return save_plot(
        figure,
        name,
        output=output,
        experiment_dir=trainer.experiment_dir,
        dpi=default_dpi(trainer, dpi),
        show=show,
    )


def _encodings(
    trainer: PlotHost,
    encoder_df: pd.DataFrame | None,
    split: str,
    max_size: int | None,
    encode_kwargs: dict[str, Any],
) -> pd.DataFrame:
    """``encoder_df``, or the trainer's encodings of ``split`` when it is None."""
    if encoder_df is None:
        return trainer.get_encodings(split=split, max_size=max_size, **encode_kwargs)
    if encode_kwargs:
        raise TypeError(
            f"unexpected argument(s) {sorted(encode_kwargs)}: with encoder_df given nothing is encoded, and "
            "the plot takes output, show, title, target_and_neutral_only, figsize, dpi"
        )
    return encoder_df


def _absolute(model_path: str) -> str:
    """A local model directory as an absolute path (a hub id stays as it is)."""
    path = Path(model_path)
    return str(path.resolve()) if path.exists() else model_path


def _evaluated(
    results: dict[str, Any] | None,
    needed: str,
    evaluate: Callable[[], dict[str, Any]] | None,
    timings: dict[str, float],
    timing: str,
) -> dict[str, Any] | None:
    """``results`` if they hold ``needed``, else ``evaluate()`` timed into ``timings[timing]``, else None."""
    if results is not None and needed in results:
        return results
    if evaluate is None:
        return None
    start = time.perf_counter()
    evaluated = evaluate()
    timings[timing] = round(time.perf_counter() - start, 4)
    return evaluated


def _report_results(
    trainer: PlotHost,
    given: tuple[dict[str, Any] | None, dict[str, Any] | None],
    evaluate: bool,
    split: str,
    max_size: int | None,
    timings: dict[str, float],
) -> dict[str, dict[str, Any] | None]:
    """The report's encoder and decoder entries: of the given results, else evaluated (if ``evaluate``)."""
    from gradiend.report.summary import decoder_summary, encoder_summary

    def encode() -> dict[str, Any]:
        return trainer.evaluate_encoder(split=split, max_size=max_size, return_df=True)

    encoder = _evaluated(given[0], "encoder_df", encode if evaluate else None, timings, "encoder_evaluation")
    decoder = _evaluated(
        given[1], "grid", trainer.evaluate_decoder if evaluate else None, timings, "decoder_evaluation"
    )
    entries: dict[str, dict[str, Any] | None] = {"encoder": None, "decoder": None}
    if encoder is not None:
        frame = encoder["encoder_df"]
        entries["encoder"] = encoder_summary(encoder, frame, trainer.describe_rows(frame), split)
    if decoder is not None:
        entries["decoder"] = decoder_summary(decoder, trainer.args.decoder_eval_utility_ratio)
    return entries


__all__ = ["PlotHost", "PlottingMixin", "default_dpi"]
