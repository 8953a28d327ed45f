"""``run_summary.json``: the evaluation results of a run, saved so that a report can be rendered later.

``trainer.report()`` writes it into the experiment directory; ``gradiend report RUN_DIR`` reads it
(together with training.json, training_args.json, config.json and seed_report.json) and needs no
model, data or plugin. Format (``format_version`` 1)::

    {
      "format": "gradiend-run-summary", "format_version": 1, "created": ISO-8601 time,
      "gradiend_version": ..., "trainer": class name, "modality": plugin name or null,
      "base_model": ..., "pair": [first, second], "model_path": ..., "experiment_dir": ...,
      "encoder": null | {"split": ..., "metrics": {correlation, mean_by_class, ...},
                         "rows": {"feature_class": [...], "type": [...], "label": [...],
                                  "encoded": [...], "description": [...]}},
      "decoder": null | {"summaries": {key: selected entry}, "grid": [records], "utility_ratio": ...},
      "modality_sections": [{"title": ..., "html": ...}],
      "timings": {phase: seconds}
    }

``rows`` keeps at most :data:`MAX_ENCODER_ROWS` rows (a deterministic subsample per group beyond that)
and only feature 0 of multi-feature encodings; descriptions are cut at :data:`MAX_DESCRIPTION_CHARS`.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from gradiend.evaluation.encoder_metrics import encoded_matrix
from gradiend.run_files import RUN_SUMMARY_FILE, RUN_SUMMARY_FORMAT, RUN_SUMMARY_VERSION, load_run_summary
from gradiend.utils.atomic import atomic_write_json, json_default

FORMAT_NAME = RUN_SUMMARY_FORMAT
FORMAT_VERSION = RUN_SUMMARY_VERSION
MAX_ENCODER_ROWS = 20_000
MAX_DESCRIPTION_CHARS = 300
ROW_COLUMNS: tuple[str, ...] = ("feature_class", "type", "label", "encoded", "description")
_DROPPED_METRICS = frozenset({"encoder_df", "plot_path", "plot_paths"})


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON types (numpy/torch scalars converted, non-string keys made strings)."""
    return json.loads(json.dumps(value, default=json_default))


def encoder_rows(frame: pd.DataFrame, descriptions: Sequence[str]) -> dict[str, list[Any]]:
    """The encoder rows kept in the summary, column-wise (see the module docstring)."""
    if len(descriptions) != len(frame):
        raise ValueError(
            f"descriptions must hold one entry per row: {len(descriptions)} for {len(frame)} rows"
        )
    keep = _subsample(frame)
    h = encoded_matrix(frame["encoded"])[:, 0]
    return {
        "feature_class": [str(v) for v in frame["feature_class"].to_numpy()[keep]],
        "type": [str(v) for v in frame["type"].to_numpy()[keep]],
        "label": [float(v) for v in frame["label"].to_numpy(dtype=np.float64)[keep]],
        "encoded": [float(v) for v in h[keep]],
        "description": [str(descriptions[i])[:MAX_DESCRIPTION_CHARS] for i in keep],
    }


def _subsample(frame: pd.DataFrame) -> np.ndarray:
    if len(frame) <= MAX_ENCODER_ROWS:
        return np.arange(len(frame))
    share = MAX_ENCODER_ROWS / len(frame)
    keys = frame["feature_class"].astype(str) + "|" + frame["type"].astype(str)
    kept = []
    for position, rows in enumerate(keys.groupby(keys, sort=True).indices.values()):
        count = max(1, math.floor(rows.size * share))
        kept.append(np.random.default_rng(position).choice(rows, min(count, rows.size), replace=False))
    return np.sort(np.concatenate(kept))


def rows_frame(rows: Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """The encoder DataFrame of stored rows (columns encoded, label, feature_class, type, description)."""
    missing = [c for c in ROW_COLUMNS if c not in rows]
    if missing:
        raise ValueError(f"encoder rows lack the column(s) {missing}; expected {list(ROW_COLUMNS)}")
    return pd.DataFrame({c: list(rows[c]) for c in ROW_COLUMNS})


def encoder_summary(
    metrics: Mapping[str, Any], frame: pd.DataFrame, descriptions: Sequence[str], split: str
) -> dict[str, Any]:
    """The ``encoder`` entry: JSON-safe metrics and the encoded rows."""
    kept = {k: v for k, v in metrics.items() if k not in _DROPPED_METRICS}
    return {"split": split, "metrics": json_safe(kept), "rows": encoder_rows(frame, descriptions)}


def decoder_summary(results: Mapping[str, Any], utility_ratio: float) -> dict[str, Any]:
    """The ``decoder`` entry: the selected entries, the grid records and the utility ratio."""
    if "grid" not in results:
        raise ValueError("decoder results hold no 'grid': pass the full evaluate_decoder() results")
    summaries = {k: v for k, v in results.items() if isinstance(v, Mapping) and k != "grid"}
    return {
        "summaries": json_safe(summaries),
        "grid": json_safe(list(results["grid"])),
        "utility_ratio": float(utility_ratio),
    }


def new_summary(**fields: Any) -> dict[str, Any]:
    """A summary dict with the format header, the creation time and ``fields``."""
    header = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "gradiend_version": version("gradiend-core"),  # the installed distribution (no package import)
    }
    return {**header, **json_safe(fields)}


def write_run_summary(directory: str | os.PathLike[str], summary: Mapping[str, Any]) -> Path:
    """Write ``summary`` atomically as ``<directory>/run_summary.json``; returns the path."""
    if summary.get("format") != FORMAT_NAME:
        raise ValueError(f"summary must carry format {FORMAT_NAME!r} (build it with new_summary())")
    return atomic_write_json(Path(directory) / RUN_SUMMARY_FILE, dict(summary))


__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "MAX_DESCRIPTION_CHARS",
    "MAX_ENCODER_ROWS",
    "RUN_SUMMARY_FILE",
    "decoder_summary",
    "encoder_rows",
    "encoder_summary",
    "json_safe",
    "load_run_summary",
    "new_summary",
    "rows_frame",
    "write_run_summary",
]
