"""The files of a run directory: their names and their readers, in one place.

A run (``<experiment_dir>[/<run_id>]``) holds the trained GRADIEND (:data:`MODEL_DIR`, a checkpoint of
:data:`CONFIG_FILE`, :data:`WEIGHTS_FILE`, :data:`TRAINING_STATS_FILE` and :data:`TRAINING_ARGS_FILE`),
the seed runs and their :data:`SEED_REPORT_FILE` (:data:`SEEDS_DIR`), the result caches
(:data:`CACHE_DIR`) and, after ``trainer.report()``, :data:`RUN_SUMMARY_FILE`. Training, evaluation,
plotting and the report read them through this module.

The model is ``RUN_DIR`` itself when it is a checkpoint, else ``RUN_DIR/model``, else the
``model_path`` recorded in ``run_summary.json``. The seed report is in the seeds directory
(``seed_runs_dir``, else ``experiment_dir/seeds``), else where earlier versions wrote it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradiend.model.checkpoint import (
    CONFIG_FILE,
    TRAINING_ARGS_FILE,
    TRAINING_STATS_FILE,
    WEIGHTS_FILE,
    is_gradiend_checkpoint,
    load_training_arguments,
    load_training_stats,
    read_json_file,
)

MODEL_DIR = "model"
"""The trained GRADIEND's directory inside an experiment directory."""

SEEDS_DIR = "seeds"
"""The seed runs' directory inside an experiment directory (``seed_<n>`` each)."""

SEED_REPORT_FILE = "seed_report.json"
"""The multi-seed report (written into the seeds directory)."""

CACHE_DIR = "cache"
"""The result caches (encoder frames, decoder grids) inside an experiment directory."""

RUN_SUMMARY_FILE = "run_summary.json"
"""The evaluation results a report is rendered from (see :mod:`gradiend.report.summary`)."""

RUN_SUMMARY_FORMAT = "gradiend-run-summary"
"""The ``format`` of a run summary."""

RUN_SUMMARY_VERSION = 1
"""The ``format_version`` of a run summary this version reads and writes."""


def find_seed_report(
    experiment_dir: str | os.PathLike[str] | None,
    model_path: str | os.PathLike[str] | None = None,
    seed_runs_dir: str | os.PathLike[str] | None = None,
) -> Path | None:
    """Where training wrote ``seed_report.json``, or None.

    The published place is the seeds directory (``seed_runs_dir``, else ``experiment_dir/seeds``);
    runs of earlier versions of this project wrote it into the experiment directory, and runs without
    an experiment directory into ``<model>_seeds``.
    """
    candidates = []
    if seed_runs_dir is not None:
        candidates.append(Path(seed_runs_dir) / SEED_REPORT_FILE)
    if experiment_dir is not None:
        candidates += [
            Path(experiment_dir) / SEEDS_DIR / SEED_REPORT_FILE,
            Path(experiment_dir) / SEED_REPORT_FILE,
        ]
    if model_path is not None:
        model = Path(model_path)
        candidates += [
            model / SEEDS_DIR / SEED_REPORT_FILE,
            model.parent / f"{model.name}_seeds" / SEED_REPORT_FILE,
        ]
    return next((c for c in candidates if c.is_file()), None)


def load_seed_report(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a ``seed_report.json`` in the published layout (a ``runs`` list).

    A report of an earlier version of this project (a ``seeds`` list, ``n_converged``...) is returned
    in the published layout.
    """
    file = Path(path)
    report = read_json_file(file)  # a damaged file: CheckpointError naming it
    if isinstance(report, dict) and "runs" not in report and isinstance(report.get("seeds"), list):
        report = _published_layout(report)
    if not isinstance(report, dict) or not isinstance(report.get("runs"), list):
        raise ValueError(f"{file} is not a seed report: it must be a JSON object with a 'runs' list")
    return report


def _published_layout(old: dict[str, Any]) -> dict[str, Any]:
    """A report of the earlier layout with the published key names."""
    runs = list(old["seeds"])
    return {
        **old,
        "runs": runs,
        "seeds_tried": [r.get("seed") for r in runs],
        "convergent_count": old.get("n_converged", sum(bool(r.get("converged")) for r in runs)),
        "convergent_seeds": [r.get("seed") for r in runs if r.get("converged")],
        "convergence_metric": old.get("convergent_metric"),
        "threshold": old.get("convergent_score_threshold"),
    }


def load_run_summary(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The ``run_summary.json`` of ``directory``, or None when there is none.

    Raises:
        ValueError: the file is not a run summary of a supported version (names the file).
    """
    path = Path(directory) / RUN_SUMMARY_FILE
    if not path.is_file():
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not valid JSON (corrupt or truncated): {error}") from error
    if not isinstance(summary, dict) or summary.get("format") != RUN_SUMMARY_FORMAT:
        raise ValueError(f"{path} is not a gradiend run summary (format {RUN_SUMMARY_FORMAT!r})")
    if summary.get("format_version") != RUN_SUMMARY_VERSION:
        raise ValueError(
            f"{path} has format_version {summary.get('format_version')!r}; "
            f"this gradiend reads version {RUN_SUMMARY_VERSION}"
        )
    return summary


@dataclass(frozen=True)
class RunFiles:
    """What a run directory holds (None where a file is absent)."""

    run_dir: Path
    model_dir: Path | None
    config: dict[str, Any] | None
    stats: dict[str, Any] | None
    arguments: dict[str, Any] | None
    seed_report: dict[str, Any] | None
    seed_report_dir: Path | None
    summary: dict[str, Any] | None

    @property
    def pair(self) -> tuple[str, str] | None:
        """The feature pair, from the summary or the training statistics."""
        for source in (self.summary, self.stats):
            value = (source or {}).get("pair")
            if isinstance(value, list) and len(value) == 2:
                return str(value[0]), str(value[1])
        return None


def find_model_dir(run_dir: Path, summary: dict[str, Any] | None) -> Path | None:
    """The GRADIEND checkpoint of a run directory (see the module docstring), or None."""
    recorded = (summary or {}).get("model_path")
    candidates = [run_dir, run_dir / MODEL_DIR, *([Path(str(recorded))] if recorded else [])]
    return next((c for c in candidates if is_gradiend_checkpoint(c)), None)


def load_run_files(run_dir: str | os.PathLike[str]) -> RunFiles:
    """Read every report input of ``run_dir``.

    Raises:
        FileNotFoundError: ``run_dir`` is not a directory, or holds no GRADIEND run (names what was
            looked for).
    """
    root = Path(run_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"run_dir {str(run_dir)!r} is not a directory")
    summary = load_run_summary(root)
    model_dir = find_model_dir(root, summary)
    seed_path = find_seed_report(root, model_dir)
    if model_dir is None and summary is None and seed_path is None:
        raise FileNotFoundError(
            f"{root} holds no GRADIEND run: expected a checkpoint ({CONFIG_FILE}, {TRAINING_STATS_FILE}, "
            f"{TRAINING_ARGS_FILE}) in it or in {root / MODEL_DIR}, a {RUN_SUMMARY_FILE} or a "
            f"{SEED_REPORT_FILE}"
        )
    return RunFiles(
        run_dir=root,
        model_dir=model_dir,
        config=read_json_file(model_dir / CONFIG_FILE) if model_dir else None,
        stats=load_training_stats(model_dir) if model_dir else None,
        arguments=load_training_arguments(model_dir) if model_dir else None,
        seed_report=load_seed_report(seed_path) if seed_path else None,
        seed_report_dir=seed_path.parent if seed_path else None,
        summary=summary,
    )


__all__ = [
    "CACHE_DIR",
    "CONFIG_FILE",
    "MODEL_DIR",
    "RUN_SUMMARY_FILE",
    "RUN_SUMMARY_FORMAT",
    "RUN_SUMMARY_VERSION",
    "SEEDS_DIR",
    "SEED_REPORT_FILE",
    "TRAINING_ARGS_FILE",
    "TRAINING_STATS_FILE",
    "WEIGHTS_FILE",
    "RunFiles",
    "find_model_dir",
    "find_seed_report",
    "load_run_files",
    "load_run_summary",
    "load_seed_report",
    "load_training_arguments",
    "load_training_stats",
]
