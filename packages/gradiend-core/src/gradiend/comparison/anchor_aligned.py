"""Anchor-aligned cross-encoding for symmetric suites: one row per class, signs made comparable.

In a symmetric suite class ``c`` is the first class of some GRADIENDs (it encodes +1 there) and the
second of others (-1). Aligning by the anchor multiplies each GRADIEND's encodings by +1 or -1 so that
``c`` always points to +1; the row of ``c`` then aggregates, over every GRADIEND whose pair holds
``c``, the aligned mean encoding of each column (factual class, counterfactual class or transition).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

ALIGNMENTS: dict[str, str] = {
    "factual": "factual",
    "source": "factual",
    "counterfactual": "counterfactual",
    "alternative": "counterfactual",
    "target": "counterfactual",
    "transition": "transition",
}
"""Accepted alignment names and what they resolve to."""

ANCHOR_AGGREGATES: tuple[str, ...] = ("mean", "min", "max", "std", "count", "raw_count")
"""How the aligned contributions of a cell collapse (``count``: GRADIENDs, ``raw_count``: rows)."""


def _eval_column(frame: pd.DataFrame, alignment: str) -> pd.Series:
    if alignment == "factual":
        return frame["feature_class"].astype(str)
    if alignment == "counterfactual":
        return frame["alternative_class"].astype(str)
    return frame["feature_class"].astype(str) + "->" + frame["alternative_class"].astype(str)


def build_anchor_aligned_encoding_rows(
    *,
    pair_by_id: Mapping[str, Sequence[str]],
    encoder_summary: Mapping[str, Any],
    feature_classes: Sequence[str],
    alignment: str = "factual",
    column_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per (anchor class, GRADIEND, column): the sign-aligned mean encoding and its row count."""
    resolved = _alignment(alignment)
    records = []
    for gid, pair in pair_by_id.items():
        if gid not in encoder_summary:
            raise ValueError(f"encoder_summary has no entry for {gid!r}")
        if len(pair) != 2:
            raise ValueError(f"pair_by_id[{gid!r}] must hold two classes, got {list(pair)}")
        frame = encoder_summary[gid]["encoder_df"]
        columns = _eval_column(frame, resolved)
        encoded = frame["encoded"].astype(float)
        for anchor in feature_classes:
            if anchor not in pair:
                continue
            sign = 1.0 if str(pair[0]) == str(anchor) else -1.0
            for column, values in encoded.groupby(columns):
                if column_ids is not None and column not in column_ids:
                    continue
                records.append(
                    {
                        "anchor_class": str(anchor),
                        "model_id": gid,
                        "eval_class": str(column),
                        "value": sign * float(values.mean()),
                        "n": len(values),
                    }
                )
    return pd.DataFrame(records, columns=["anchor_class", "model_id", "eval_class", "value", "n"])


def aggregate_anchor_aligned_encoding_rows(
    aligned: pd.DataFrame,
    feature_classes: Sequence[str],
    *,
    column_ids: Sequence[str],
    aggregate: str = "mean",
) -> pd.DataFrame:
    """The anchor x column matrix of ``aligned`` under ``aggregate`` (NaN where nothing contributed)."""
    if aggregate not in ANCHOR_AGGREGATES:
        raise ValueError(f"aggregate must be one of {list(ANCHOR_AGGREGATES)}, got {aggregate!r}")
    out = pd.DataFrame(math.nan, index=list(feature_classes), columns=list(column_ids), dtype=float)
    if aligned.empty:
        return out
    grouped = aligned.groupby(["anchor_class", "eval_class"])
    if aggregate == "raw_count":
        stats = grouped["n"].sum()
    elif aggregate == "count":
        stats = grouped["value"].count()
    elif aggregate == "std":
        stats = grouped["value"].std(ddof=0)
    else:
        stats = grouped["value"].agg(aggregate)
    for (anchor, column), value in stats.items():
        if anchor in out.index and column in out.columns:
            out.loc[anchor, column] = float(value)
    return out


def _alignment(alignment: str) -> str:
    key = str(alignment).lower()
    if key not in ALIGNMENTS:
        raise ValueError(f"alignment must be one of {sorted(ALIGNMENTS)}, got {alignment!r}")
    return ALIGNMENTS[key]


def compute_anchor_aligned_encoding_matrix(
    *,
    pair_by_id: Mapping[str, Sequence[str]],
    encoder_summary: Mapping[str, Any],
    feature_classes: Sequence[str],
    aggregate: str = "mean",
    alignment: str = "factual",
    column_ids: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Rows: anchor classes; columns: classes (or transitions); cells: aligned encodings over GRADIENDs.

    Args:
        pair_by_id: ``{gradiend_id: (first_class, second_class)}``.
        encoder_summary: pooled encodings, :func:`gradiend.comparison.build_cross_task_encoder_summary`.
        feature_classes: the row order (and default column order); at least two classes.
        aggregate: one of :data:`ANCHOR_AGGREGATES`.
        alignment: ``factual`` (column = the row's class), ``counterfactual`` (its alternative class)
            or ``transition`` (``factual->alternative``).
        column_ids: explicit column order / filter.

    Returns:
        ``measure``, ``model_ids`` (= rows), ``column_ids``, ``rows``, ``columns``, ``matrix``,
        ``aggregate``, ``alignment``, ``aligned_rows``, ``n_matrix``, ``raw_n_matrix``, ``pair_by_trainer``.
    """
    classes = [str(c) for c in feature_classes]
    if len(classes) < 2:
        raise ValueError(f"feature_classes must hold at least 2 classes, got {classes}")
    resolved = _alignment(alignment)
    columns = [str(c) for c in column_ids] if column_ids is not None else None
    aligned = build_anchor_aligned_encoding_rows(
        pair_by_id=pair_by_id,
        encoder_summary=encoder_summary,
        feature_classes=classes,
        alignment=resolved,
        column_ids=columns,
    )
    if columns is None:
        columns = sorted(aligned["eval_class"].unique()) if resolved == "transition" else list(classes)
    matrix = aggregate_anchor_aligned_encoding_rows(aligned, classes, column_ids=columns, aggregate=aggregate)
    counts = aggregate_anchor_aligned_encoding_rows(aligned, classes, column_ids=columns, aggregate="count")
    raw = aggregate_anchor_aligned_encoding_rows(aligned, classes, column_ids=columns, aggregate="raw_count")
    return {
        "measure": f"anchor_aligned_encoding_{resolved}_{aggregate}",
        "model_ids": classes,
        "column_ids": columns,
        "rows": classes,
        "columns": columns,
        "matrix": matrix.values.tolist(),
        "aggregate": aggregate,
        "alignment": resolved,
        "aligned_rows": aligned,
        "n_matrix": counts.fillna(0).astype(int).values.tolist(),
        "raw_n_matrix": raw.fillna(0).astype(int).values.tolist(),
        "pair_by_trainer": {k: list(v) for k, v in pair_by_id.items()},
    }


def pair_by_id_from_trainers(trainers: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """``{id: (first, second)}`` of trainers with two target classes each."""
    from gradiend.comparison.encoding_pool import trainer_pair

    return {tid: trainer_pair(t, tid) for tid, t in trainers.items()}


__all__ = [
    "ALIGNMENTS",
    "ANCHOR_AGGREGATES",
    "aggregate_anchor_aligned_encoding_rows",
    "build_anchor_aligned_encoding_rows",
    "compute_anchor_aligned_encoding_matrix",
    "pair_by_id_from_trainers",
]
