"""The common ending of a modality demo: figures, the HTML report, the JSON summary, a short table.

A demo's summary is a JSON-able dict. Besides its own figures it may hold these keys, which
:func:`print_summary` shows as a table on the terminal (the full summary goes to ``demo_report.json``):

- ``title``: one line naming the demo;
- ``held_out_correlation``: the encoder's correlation on the test split;
- ``selected_rewrite``: ``{"target_class", "feature_factor", "learning_rate"}`` of the chosen rewrite;
- ``utility_ratio``: the rewritten model's utility score over the base model's;
- ``probabilities``: a list of ``{"label", "before", "after"}`` (values before and after the rewrite);
- ``seconds``, ``json_report``, ``html_report`` (added by :func:`finish_demo`).
"""

from __future__ import annotations

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
    summary["json_report"] = str(output_dir / DEMO_REPORT_NAME)
    atomic_write_json(output_dir / DEMO_REPORT_NAME, summary)
    return summary


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(float(seconds)), 60)
    return f"{minutes} m {rest:02d} s" if minutes else f"{float(seconds):.1f} s"


def _rewrite(entry: Mapping[str, Any]) -> str:
    text = (
        f"feature_factor {float(entry['feature_factor']):+g}, learning_rate {float(entry['learning_rate']):g}"
    )
    target = entry.get("target_class")
    return f"{text} (strengthens {target!r})" if target is not None else text


def summary_rows(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (label, value) rows of the terminal table of a demo summary (keys in the module docstring)."""
    rows: list[tuple[str, str]] = []
    if summary.get("held_out_correlation") is not None:
        rows.append(("held-out correlation", f"{float(summary['held_out_correlation']):+.3f}"))
    if isinstance(summary.get("selected_rewrite"), Mapping):
        rows.append(("selected rewrite", _rewrite(summary["selected_rewrite"])))
    if summary.get("utility_ratio") is not None:
        rows.append(("utility after rewrite", f"{float(summary['utility_ratio']):.3f} x base"))
    for item in summary.get("probabilities") or []:
        rows.append((str(item["label"]), f"{float(item['before']):.3f} -> {float(item['after']):.3f}"))
    if summary.get("seconds") is not None:
        rows.append(("time", _duration(summary["seconds"])))
    for key, label in (("json_report", "JSON report"), ("html_report", "HTML report")):
        if summary.get(key):
            rows.append((label, str(summary[key])))
    return rows


def format_summary(summary: Mapping[str, Any]) -> str:
    """The table :func:`print_summary` prints: a title line, then aligned label/value rows."""
    rows = summary_rows(summary)
    width = max((len(label) for label, _ in rows), default=0)
    lines = [str(summary.get("title") or "gradiend demo")]
    lines += [f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines)


def print_summary(summary: Mapping[str, Any]) -> int:
    """Print the table of ``summary`` (a demo's command-line output); returns exit code 0."""
    print(format_summary(summary))
    return 0


__all__ = ["DEMO_REPORT_NAME", "finish_demo", "format_summary", "print_summary", "summary_rows"]
