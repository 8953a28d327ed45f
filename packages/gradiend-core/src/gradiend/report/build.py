"""Write a run's HTML report from its results: save them to ``run_summary.json``, render the page.

The facade (``trainer.report()``) evaluates or reuses the results and passes them here as plain data;
the page is rendered from the run's files exactly as ``gradiend report RUN_DIR`` renders it later.
Without an experiment directory, ``run_summary.json`` is written beside the report (``output``'s
directory, else the temporary plots directory of :mod:`gradiend.plotting.paths`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gradiend.definition import ReportSection
from gradiend.plotting.paths import fallback_plots_directory
from gradiend.report.html import REPORT_FILE, write_report_for_directory
from gradiend.report.offline import find_network_references, inline_local_images
from gradiend.report.summary import load_run_summary, new_summary, write_run_summary

CARRIED_TIMINGS: dict[str, str] = {"encoder": "encoder_evaluation", "decoder": "decoder_evaluation"}
"""Result entry -> its timing: an entry reused from an earlier summary keeps that summary's timing."""


def summary_directory(
    experiment_dir: str | os.PathLike[str] | None, output: str | os.PathLike[str] | None
) -> Path:
    """Where ``run_summary.json`` goes: the experiment dir, else the report's directory, else a temp dir."""
    if experiment_dir is not None:
        return Path(experiment_dir)
    if output is not None:
        return Path(output).parent
    return fallback_plots_directory()


def report_target(directory: Path, output: str | os.PathLike[str] | None) -> Path:
    """The HTML file: ``output``, else ``<directory>/report.html``."""
    return Path(output) if output is not None else directory / REPORT_FILE


def checked_sections(sections: Sequence[ReportSection], base_dir: Path) -> list[dict[str, str]]:
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


def write_run_report(
    directory: Path,
    target: Path,
    *,
    run: Mapping[str, Any],
    results: Mapping[str, dict[str, Any] | None],
    sections: list[dict[str, str]],
    timings: dict[str, float],
) -> str:
    """Save the run summary into ``directory`` and write the HTML report at ``target``; returns its path.

    Args:
        directory: where ``run_summary.json`` is (and an earlier one is read from).
        target: the HTML file.
        run: what identifies the run (trainer, modality, base_model, pair, model_path, experiment_dir).
        results: ``{"encoder": ..., "decoder": ...}`` summary entries; None reuses the earlier summary's.
        sections: the modality's checked sections (:func:`checked_sections`).
        timings: seconds per step of this report.
    """
    previous = load_run_summary(directory) or {}
    old_timings = previous.get("timings") or {}
    entries = {}
    for key, timing in CARRIED_TIMINGS.items():
        entries[key] = results.get(key)
        if entries[key] is None:
            entries[key] = previous.get(key)
            if entries[key] and timing in old_timings:
                timings[timing] = old_timings[timing]
    summary = new_summary(**run, **entries, modality_sections=sections, timings=timings)
    write_run_summary(directory, summary)
    return write_report_for_directory(directory, target)


__all__ = ["checked_sections", "report_target", "summary_directory", "write_run_report"]
