"""The common ending of a modality demo: figures, the HTML report, the JSON summary, printing it."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gradiend.utils.atomic import atomic_write_json

if TYPE_CHECKING:
    from gradiend.trainer.trainer import Trainer

DEMO_REPORT_NAME = "demo_report.json"


def finish_demo(
    trainer: Trainer,
    summary: dict[str, Any],
    encoder: dict[str, Any],
    decoder: dict[str, Any],
    output_dir: Path,
    started: float,
    extra_figures: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Add the figures, the HTML report and the elapsed seconds to ``summary``; write it as JSON.

    Args:
        trainer: the demo's trained trainer.
        summary: the modality's own figures (updated in place and returned).
        encoder: ``evaluate_encoder(..., return_df=True)`` results.
        decoder: ``evaluate_decoder()`` results.
        output_dir: where ``demo_report.json`` goes.
        started: ``time.perf_counter()`` at the start of the demo.
        extra_figures: the modality's own figures (name -> path), listed first.
    """
    summary["figures"] = {
        **(extra_figures or {}),
        "convergence": str(trainer.plot_training_convergence(show=False)),
        "encoder_distributions": str(trainer.plot_encoder_distributions(encoder["encoder_df"], show=False)),
    }
    summary["html_report"] = str(trainer.report(encoder_results=encoder, decoder_results=decoder))
    summary["seconds"] = round(time.perf_counter() - started, 1)
    atomic_write_json(output_dir / DEMO_REPORT_NAME, summary)
    return summary


def print_summary(summary: Mapping[str, Any]) -> int:
    """Print ``summary`` as indented JSON (a demo's command-line output); returns exit code 0."""
    print(json.dumps(summary, indent=2, default=str))
    return 0


__all__ = ["DEMO_REPORT_NAME", "finish_demo", "print_summary"]
