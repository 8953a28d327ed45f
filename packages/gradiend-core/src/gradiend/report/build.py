"""``trainer.report()``: evaluate (or reuse) the results of a run, save them, write the HTML report.

The trainer's results go into ``run_summary.json`` (:mod:`gradiend.report.summary`) next to the run's
other files, and the page is then rendered from those files exactly as ``gradiend report RUN_DIR``
renders it later. Without an experiment directory, ``run_summary.json`` is written beside the report
(``output``'s directory, else the temporary plots directory of :mod:`gradiend.plotting.paths`).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from gradiend.definition import ReportSection
from gradiend.plotting.paths import fallback_plots_directory
from gradiend.plotting.protocol import PlottableTrainer
from gradiend.report.html import REPORT_FILE, write_report_for_directory
from gradiend.report.offline import find_network_references, inline_local_images
from gradiend.report.summary import (
    decoder_summary,
    encoder_summary,
    load_run_summary,
    new_summary,
    write_run_summary,
)

if TYPE_CHECKING:
    from gradiend.model.with_gradiend import ModelWithGradiend

logger = logging.getLogger(__name__)


class ReportableTrainer(PlottableTrainer, Protocol):
    """The part of :class:`gradiend.trainer.Trainer` that ``report()`` uses."""

    MODALITY_NAME: ClassVar[str | None]

    @property
    def base_model_path(self) -> str:
        """The base model id or path."""

    def get_model(self) -> ModelWithGradiend:
        """The trained GRADIEND."""

    def evaluate_encoder(
        self, model_with_gradiend: ModelWithGradiend | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """Encoder metrics (with ``return_df=True``: and the encoder DataFrame)."""

    def report_sections(self, model_with_gradiend: ModelWithGradiend, output_dir: str) -> list[ReportSection]:
        """The modality's own report sections."""


def _absolute(model_path: str) -> str:
    """A local model directory as an absolute path (a hub id stays as it is)."""
    path = Path(model_path)
    return str(path.resolve()) if path.exists() else model_path


def summary_directory(trainer: PlottableTrainer, output: str | None) -> Path:
    """Where ``run_summary.json`` goes: the experiment dir, else the report's directory, else a temp dir."""
    if trainer.experiment_dir is not None:
        return Path(trainer.experiment_dir)
    if output is not None:
        return Path(output).parent
    return fallback_plots_directory()


def checked_sections(sections: list[ReportSection], base_dir: Path) -> list[dict[str, str]]:
    """Modality sections with local images inlined; a section that refers to the network is an error."""
    checked = []
    for section in sections:
        if not isinstance(section, ReportSection):
            raise TypeError(
                f"report_sections must return ReportSection objects, got {type(section).__name__}"
            )
        text = inline_local_images(section.html, base_dir)
        references = find_network_references(text)
        if references:
            raise ValueError(
                f"report section {section.title!r} refers to the network ({references[:3]}); "
                "embed images as data: URIs or as local files"
            )
        checked.append({"title": section.title, "html": text})
    return checked


def _encoder_entry(
    trainer: ReportableTrainer,
    results: dict[str, Any] | None,
    evaluate: bool,
    split: str,
    max_size: int | None,
    timings: dict[str, float],
) -> dict[str, Any] | None:
    if results is None or "encoder_df" not in results:
        if not evaluate:
            return None
        start = time.perf_counter()
        results = trainer.evaluate_encoder(split=split, max_size=max_size, return_df=True)
        timings["encoder_evaluation"] = round(time.perf_counter() - start, 4)
    frame = results["encoder_df"]
    return encoder_summary(results, frame, trainer.describe_rows(frame), split)


def _decoder_entry(
    trainer: ReportableTrainer, results: dict[str, Any] | None, evaluate: bool, timings: dict[str, float]
) -> dict[str, Any] | None:
    if results is None or "grid" not in results:
        if not evaluate:
            return None
        start = time.perf_counter()
        results = trainer.evaluate_decoder()
        timings["decoder_evaluation"] = round(time.perf_counter() - start, 4)
    return decoder_summary(results, trainer.args.decoder_eval_utility_ratio)


def write_trainer_report(
    trainer: ReportableTrainer,
    output: str | None = None,
    *,
    encoder_results: dict[str, Any] | None = None,
    decoder_results: dict[str, Any] | None = None,
    evaluate: bool = True,
    split: str = "test",
    max_size: int | None = None,
) -> str:
    """Save the run's results to ``run_summary.json`` and write the HTML report; returns its path.

    Args:
        trainer: a trained trainer.
        output: the HTML file (default ``<experiment_dir>/report.html``).
        encoder_results: ``evaluate_encoder(return_df=True)`` results to report.
        decoder_results: ``evaluate_decoder()`` results to report.
        evaluate: evaluate what is not given (cached results are reused when ``use_cache`` is on);
            False reports only given results and those of an earlier ``run_summary.json``.
        split: the split the encoder is evaluated on.
        max_size: rows per class for the encoder evaluation.
    """
    directory = summary_directory(trainer, output)
    target = Path(output) if output is not None else directory / REPORT_FILE
    previous = load_run_summary(directory) or {}
    timings: dict[str, float] = {}
    encoder = _encoder_entry(trainer, encoder_results, evaluate, split, max_size, timings)
    decoder = _decoder_entry(trainer, decoder_results, evaluate, timings)
    target.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    sections = checked_sections(
        trainer.report_sections(trainer.get_model(), str(target.parent)), target.parent
    )
    timings["report_sections"] = round(time.perf_counter() - start, 4)
    old_timings = previous.get("timings") or {}
    if encoder is None and previous.get("encoder") and "encoder_evaluation" in old_timings:
        timings["encoder_evaluation"] = old_timings["encoder_evaluation"]
    if decoder is None and previous.get("decoder") and "decoder_evaluation" in old_timings:
        timings["decoder_evaluation"] = old_timings["decoder_evaluation"]
    summary = new_summary(
        trainer=type(trainer).__name__,
        modality=trainer.MODALITY_NAME,
        base_model=trainer.base_model_path,
        pair=list(trainer.require_pair()),
        model_path=_absolute(trainer.model_path),
        experiment_dir=trainer.experiment_dir,
        encoder=encoder if encoder is not None else previous.get("encoder"),
        decoder=decoder if decoder is not None else previous.get("decoder"),
        modality_sections=sections,
        timings=timings,
    )
    write_run_summary(directory, summary)
    return write_report_for_directory(directory, target)


__all__ = ["ReportableTrainer", "checked_sections", "summary_directory", "write_trainer_report"]
