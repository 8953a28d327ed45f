"""Multi-seed views: encodings of several seeds' GRADIENDs aggregated per row."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from gradiend.comparison.encoding_pool import label_correlation

KEY_CANDIDATES: tuple[str, ...] = (
    "masked",
    "text",
    "factual",
    "alternative",
    "image_index",
    "index",
    "feature_class",
    "alternative_class",
    "type",
    "split",
    "label",
)
"""Columns that identify an encoded row across seed evaluations (those present in every frame are used)."""


def orient_by_label(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``encoded`` negated when it correlates negatively with the +1/-1 labels."""
    labelled = frame[frame["label"].astype(float) != 0.0] if "label" in frame.columns else frame.iloc[0:0]
    corr = label_correlation(labelled["encoded"], labelled["label"]) if len(labelled) else float("nan")
    if corr == corr and corr < 0:
        out = frame.copy()
        out["encoded"] = -out["encoded"].astype(float)
        return out
    return frame


def aggregate_encoder_dataframes(frames: Sequence[pd.DataFrame], *, orient: bool = True) -> pd.DataFrame:
    """One encoder DataFrame whose ``encoded`` is the mean over the seeds' frames, row by row.

    Rows are matched on the identifying columns all frames share (:data:`KEY_CANDIDATES`), or by
    position when the frames have the same length and none of those columns. The result adds
    ``encoded_std`` (over seeds, ddof=0), ``encoded_min``, ``encoded_max`` and ``n_seeds``.

    Args:
        frames: per-seed encoder DataFrames (``encoded`` column, one float per row).
        orient: first flip any seed whose encodings correlate negatively with the labels.
    """
    valid = [f for f in frames if isinstance(f, pd.DataFrame) and not f.empty]
    if not valid:
        raise ValueError("frames: give at least one non-empty encoder DataFrame")
    for i, frame in enumerate(valid):
        if "encoded" not in frame.columns:
            raise ValueError(f"frames[{i}] has no 'encoded' column")
    work = [orient_by_label(f) if orient else f for f in valid]
    keys = [c for c in KEY_CANDIDATES if all(c in f.columns for f in work)]
    tagged = []
    for seed, frame in enumerate(work):
        part = frame.copy()
        part["_row"] = range(len(part))
        part["_seed"] = seed
        part["encoded"] = part["encoded"].astype(float)
        tagged.append(part)
    combined = pd.concat(tagged, ignore_index=True)
    group_keys = keys if keys else ["_row"]
    if not keys and len({len(f) for f in work}) != 1:
        raise ValueError("frames have different lengths and no shared identifying column to match rows on")
    combined["_occurrence"] = combined.groupby([*group_keys, "_seed"], dropna=False).cumcount()
    grouped = combined.groupby([*group_keys, "_occurrence"], dropna=False, sort=False)
    stats = grouped["encoded"].agg(["mean", "std", "min", "max", "count"]).reset_index()
    stats["std"] = grouped["encoded"].std(ddof=0).to_numpy()
    first = grouped.first().reset_index().drop(columns=["encoded", "_seed", "_row"], errors="ignore")
    out = first.merge(stats, on=[*group_keys, "_occurrence"])
    out = out.rename(
        columns={
            "mean": "encoded",
            "std": "encoded_std",
            "min": "encoded_min",
            "max": "encoded_max",
            "count": "n_seeds",
        }
    )
    return out.drop(columns=["_occurrence", "_row"], errors="ignore").reset_index(drop=True)


__all__ = ["KEY_CANDIDATES", "aggregate_encoder_dataframes", "orient_by_label"]
