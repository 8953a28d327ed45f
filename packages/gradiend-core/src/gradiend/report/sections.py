"""The sections of the HTML report, each built from the files of a run (:class:`RunFiles`).

Every section is always present; where its data is missing it says what is missing and how to get it,
so a reader can tell "not run" from "lost".
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gradiend.definition import ReportSection
from gradiend.report.markup import details, figure_html, heading, key_value_table, note, paragraph, table
from gradiend.run_files import RunFiles

logger = logging.getLogger(__name__)

ENCODER_METRIC_NAMES: tuple[str, ...] = (
    "n_samples",
    "correlation",
    "all_data",
    "target_classes_only",
    "accuracy",
    "neutral_accuracy",
)
TRAINING_STAT_NAMES: tuple[str, ...] = (
    "seed",
    "steps",
    "epochs",
    "best_step",
    "best_correlation",
    "final_loss",
    "sign_flipped",
    "source",
    "target",
)
SELECTION_COLUMNS: tuple[str, ...] = (
    "feature_factor",
    "learning_rate",
    "value",
    "base_value",
    "delta",
    "lms",
    "base_lms",
    "fallback",
)


def guarded_figure(build: Callable[[], str], what: str) -> str:
    """The HTML of a figure, or a note naming the error when its data cannot be drawn."""
    try:
        return build()
    except (ValueError, KeyError, TypeError) as error:
        logger.warning("report: the %s figure cannot be drawn: %s", what, error)
        return note(f"The {what} figure cannot be drawn from the saved data: {error}")


def overview_section(run: RunFiles) -> ReportSection:
    """Which run this is: directories, base model, pair, modality, GRADIEND network."""
    summary = run.summary or {}
    config = run.config or {}
    network = config.get("gradiend") or {}
    param_map = config.get("param_map") or {}
    values: dict[str, Any] = {
        "run directory": str(run.run_dir),
        "model directory": str(run.model_dir) if run.model_dir else None,
        "base model": config.get("base_model_id") or summary.get("base_model"),
        "feature pair (+1, -1)": " vs ".join(run.pair) if run.pair else None,
        "modality": summary.get("modality"),
        "trainer": summary.get("trainer"),
        "GRADIEND input size (parameters read)": network.get("input_dim"),
        "latent features": network.get("latent_dim"),
        "activations (encoder, decoder)": _pair_text(network, "activation_encoder", "activation_decoder"),
        "GRADIEND dtype": network.get("dtype"),
        "base-model tensors read": len(param_map.get("names") or []) or None,
        "pruned": bool(param_map.get("kept")) if param_map else None,
        "report data written": summary.get("created"),
        "gradiend version": summary.get("gradiend_version"),
    }
    body = key_value_table({k: v for k, v in values.items() if v is not None})
    if run.model_dir is None:
        body += note("No GRADIEND checkpoint was found in the run directory.")
    return ReportSection("Overview", body)


def _pair_text(values: dict[str, Any], first: str, second: str) -> str | None:
    if first not in values and second not in values:
        return None
    return f"{values.get(first)}, {values.get(second)}"


def arguments_section(run: RunFiles) -> ReportSection:
    """The TrainingArguments of the run: those set away from the defaults, then all of them."""
    if run.arguments is None:
        return ReportSection("Arguments", note("No training_args.json was found for this run."))
    from gradiend.arguments import TrainingArguments

    defaults = TrainingArguments().to_dict()
    changed = {k: v for k, v in sorted(run.arguments.items()) if defaults.get(k, object()) != v}
    body = heading("Set for this run (differ from the defaults)")
    body += key_value_table(changed) if changed else note("All arguments have their default values.")
    body += details("All arguments", key_value_table(dict(sorted(run.arguments.items()))))
    return ReportSection("Arguments", body)


def training_section(run: RunFiles) -> ReportSection:
    """Key training statistics and the convergence figure."""
    if run.stats is None:
        return ReportSection("Training", note("No training.json was found: the run has no training record."))
    from gradiend.plotting.training import training_convergence_figure

    stats = run.stats
    body = key_value_table({name: stats.get(name) for name in TRAINING_STAT_NAMES if name in stats})
    body += guarded_figure(
        lambda: figure_html(
            training_convergence_figure(stats),
            "Mean encoding per class and encoder correlation at each evaluation (validation rows), and the "
            "training loss per step; the dashed line marks the selected checkpoint.",
            "training convergence",
        ),
        "training convergence",
    )
    return ReportSection("Training", body)


def seeds_section(run: RunFiles) -> ReportSection:
    """Every seed of a multi-seed run, which converged and which was selected."""
    report = run.seed_report
    if report is None:
        return ReportSection("Seeds", note("Single-seed run: no seed_report.json (max_seeds = 1)."))
    from gradiend.plotting.seeds import seed_convergence_figure, seed_curves

    best = report.get("best_seed")
    rows = [
        (
            r.get("seed"),
            r.get("converged"),
            r.get("seed") == best,
            r.get("training_score"),
            r.get("eval_correlation"),
            r.get("best_step"),
            r.get("final_loss"),
        )
        for r in report.get("runs", [])
    ]
    body = paragraph(
        f"{report.get('convergent_count')} of {len(rows)} seeds converged "
        f"({report.get('convergence_metric')} "
        f"threshold {report.get('threshold')}); seed {best} was selected."
    )
    body += table(
        ["seed", "converged", "selected", "|r| (training)", "r (validation)", "best step", "final loss"], rows
    )
    body += guarded_figure(
        lambda: figure_html(
            seed_convergence_figure(report, seed_curves(report, run.seed_report_dir)),
            "One curve per seed: solid lines converged, dashed did not; the star marks the selected seed.",
            "seed convergence",
        ),
        "seed convergence",
    )
    return ReportSection("Seeds", body)


def timings_section(run: RunFiles) -> ReportSection:
    """Durations of training phases and of the evaluations, in seconds."""
    rows: list[tuple[str, Any]] = []
    stats = run.stats or {}
    rows += [(f"training: {phase}", seconds) for phase, seconds in (stats.get("timings") or {}).items()]
    for name in ("wall_time", "total_time"):
        if stats.get(name) is not None:
            rows.append((f"training: {name.replace('_', ' ')}", stats[name]))
    rows += [(phase.replace("_", " "), s) for phase, s in ((run.summary or {}).get("timings") or {}).items()]
    if not rows:
        return ReportSection("Timings", note("No timings were recorded."))
    return ReportSection("Timings", table(["phase", "seconds"], rows))


__all__ = [
    "ENCODER_METRIC_NAMES",
    "SELECTION_COLUMNS",
    "TRAINING_STAT_NAMES",
    "arguments_section",
    "guarded_figure",
    "overview_section",
    "seeds_section",
    "timings_section",
    "training_section",
]
