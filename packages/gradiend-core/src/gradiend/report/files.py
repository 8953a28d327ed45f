"""Locate and read the files of a run directory that the HTML report is rendered from.

A run directory is an experiment directory (``<experiment_dir>[/<run_id>]``) or a GRADIEND checkpoint
directory. The model is ``RUN_DIR`` itself when it is a checkpoint, else ``RUN_DIR/model``, else the
``model_path`` recorded in ``run_summary.json``. The seed report is ``RUN_DIR/seed_report.json``, else
the one beside the model's seeds directory (``<model>_seeds/seed_report.json``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradiend.model.checkpoint import (
    CONFIG_FILE,
    TRAINING_ARGS_FILE,
    TRAINING_STATS_FILE,
    is_gradiend_checkpoint,
    load_training_arguments,
    load_training_stats,
    read_json_file,
)
from gradiend.plotting.seeds import find_seed_report, load_seed_report
from gradiend.report.summary import RUN_SUMMARY_FILE, load_run_summary


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
    candidates = [run_dir, run_dir / "model", *([Path(str(recorded))] if recorded else [])]
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
            f"{TRAINING_ARGS_FILE}) in it or in {root / 'model'}, a {RUN_SUMMARY_FILE} or a seed_report.json"
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


__all__ = ["RunFiles", "find_model_dir", "load_run_files"]
