"""Cross-encoding: does GRADIEND A separate pair B's data? Trainer-pair, feature and transition matrices.

All three start from the same pooled encodings (:func:`gradiend.comparison.encoding_pool.encode_pool`):
every GRADIEND encodes every trainer's held-out rows. Pass ``encoder_summary`` (the result of
:func:`build_cross_task_encoder_summary`) to compute several matrices from one encoding pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from gradiend.comparison.encoding_pool import (
    encode_pool,
    infer_positive_class,
    label_correlation,
    mean_encoded,
    trainer_pair,
)

CROSS_ENCODING_METRICS: tuple[str, ...] = (
    "positive_mean",
    "negative_mean",
    "positive_minus_negative",
    "correlation",
)
"""Cell metrics of :func:`compute_cross_encoding_matrix` (``correlation``: Pearson with the labels)."""


def build_cross_task_encoder_summary(
    trainers: Mapping[str, Any],
    feature_classes: Sequence[str] | None = None,
    *,
    split: str = "test",
    max_size: int | None = None,
    models: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """``{id: {"encoder_df", "correlation", "pair"}}``: each GRADIEND's encodings of the shared row pool.

    ``encoder_df`` holds every trainer's ``split`` rows encoded by this GRADIEND (column ``owner`` says
    whose rows); ``correlation`` is the GRADIEND's held-out correlation on its own rows.
    ``feature_classes`` (kept for the published signature) restricts the pool to these factual classes.
    """
    pool = encode_pool(trainers, split=split, max_size=max_size, models=models)
    summary: dict[str, dict[str, Any]] = {}
    for gid, frame in pool.items():
        if feature_classes:
            frame = frame[frame["feature_class"].isin([str(c) for c in feature_classes])]
        own = frame[frame["owner"] == gid]
        summary[gid] = {
            "encoder_df": frame.reset_index(drop=True),
            "correlation": label_correlation(own["encoded"], own["label"]),
            "pair": trainer_pair(trainers[gid], gid),
        }
    return summary


def _summary(
    trainers: Mapping[str, Any], encoder_summary: Mapping[str, Any] | None, split: str, max_size: int | None
) -> Mapping[str, Any]:
    if encoder_summary is not None:
        missing = [t for t in trainers if t not in encoder_summary]
        if missing:
            raise ValueError(f"encoder_summary has no entry for trainers {missing}")
        return encoder_summary
    return build_cross_task_encoder_summary(trainers, split=split, max_size=max_size)


def compute_cross_encoding_matrix(
    trainers: Mapping[str, Any],
    *,
    split: str = "test",
    max_size: int | None = None,
    metric: str = "positive_mean",
    positive_class_by_trainer: Mapping[str, str] | None = None,
    encoder_summary: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Rows: GRADIENDs; columns: trainers' pairs; cell (A, B): how A encodes B's held-out rows.

    Args:
        trainers: ``{id: trainer}`` with trained models and two target classes each (at least 2).
        split: held-out split to encode.
        max_size: at most this many rows per class and trainer.
        metric: ``positive_mean`` (mean encoding of B's positive class), ``negative_mean``,
            ``positive_minus_negative``, or ``correlation`` (Pearson of A's encodings with B's +1/-1
            labels, the held-out correlation on the diagonal).
        positive_class_by_trainer: explicit positive class per trainer id (default: X of a
            ``(X, non_X)`` pair, else the first target class).
        encoder_summary: pooled encodings from :func:`build_cross_task_encoder_summary` (reused).

    Returns:
        The published payload: ``measure``, ``model_ids``, ``rows``, ``columns``, ``matrix``, ``split``,
        ``max_size``, ``metric``, ``positive_class_by_column``, ``negative_class_by_column``,
        ``available_mask``, ``n_matrix``.
    """
    if not isinstance(trainers, Mapping) or len(trainers) < 2:
        raise ValueError("trainers must be a dict with at least 2 trainers")
    if metric not in CROSS_ENCODING_METRICS:
        raise ValueError(f"metric must be one of {list(CROSS_ENCODING_METRICS)}, got {metric!r}")
    explicit = dict(positive_class_by_trainer or {})
    unknown = [k for k in explicit if k not in trainers]
    if unknown:
        raise ValueError(
            f"positive_class_by_trainer names unknown trainers {unknown}; known: {list(trainers)}"
        )
    ids = list(trainers)
    pairs = {tid: trainer_pair(trainers[tid], tid) for tid in ids}
    positive = {tid: infer_positive_class(pairs[tid], explicit.get(tid)) for tid in ids}
    negative = {tid: next(c for c in pairs[tid] if c != positive[tid]) for tid in ids}
    summary = _summary(trainers, encoder_summary, split, max_size)
    matrix: list[list[float]] = []
    n_matrix: list[list[int]] = []
    for row_id in ids:
        frame = summary[row_id]["encoder_df"]
        row, counts = [], []
        for col_id in ids:
            cell = frame[frame["owner"] == col_id]
            row.append(_cell(cell, metric, positive[col_id], negative[col_id]))
            counts.append(len(cell))
        matrix.append(row)
        n_matrix.append(counts)
    return {
        "measure": f"cross_encoding_{metric}",
        "model_ids": ids,
        "rows": ids,
        "columns": ids,
        "matrix": matrix,
        "split": split,
        "max_size": max_size,
        "metric": metric,
        "positive_class_by_column": positive,
        "negative_class_by_column": negative,
        "available_mask": [[not math.isnan(v) for v in row] for row in matrix],
        "n_matrix": n_matrix,
        "multi_seed": False,
    }


def _cell(frame: pd.DataFrame, metric: str, positive: str, negative: str) -> float:
    if metric == "correlation":
        sign = frame["feature_class"].map({positive: 1.0, negative: -1.0})
        return label_correlation(frame["encoded"], sign)
    pos = mean_encoded(frame[frame["feature_class"] == positive])
    if metric == "positive_mean":
        return pos
    neg = mean_encoded(frame[frame["feature_class"] == negative])
    return neg if metric == "negative_mean" else pos - neg


compute_trainer_pair_encoding_matrix = compute_cross_encoding_matrix
"""The published name of :func:`compute_cross_encoding_matrix`."""


def _ordered_rows(trainers: Mapping[str, Any], trainer_order: Sequence[str] | None) -> list[str]:
    if trainer_order is None:
        return list(trainers)
    unknown = [t for t in trainer_order if t not in trainers]
    if unknown:
        raise ValueError(f"trainer_order names unknown trainers {unknown}; known: {list(trainers)}")
    return [str(t) for t in trainer_order]


def compute_gradiend_feature_cross_encoding_matrix(
    trainers: Mapping[str, Any],
    feature_classes: Sequence[str],
    *,
    trainer_order: Sequence[str] | None = None,
    split: str = "test",
    max_size: int | None = None,
    encoder_summary: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Rows: GRADIENDs; columns: feature classes; cell: mean encoding of the class's held-out rows.

    Missing classes give NaN cells with count 0. Returns ``measure``, ``model_ids``, ``column_ids``,
    ``rows``, ``columns``, ``matrix``, ``n_matrix``, ``split``, ``max_size``, ``eval_classes_found``.
    """
    classes = [str(c) for c in feature_classes]
    if not classes:
        raise ValueError("feature_classes must name at least one class")
    if not trainers:
        raise ValueError("trainers must be a non-empty dict id -> trainer")
    order = _ordered_rows(trainers, trainer_order)
    summary = _summary(trainers, encoder_summary, split, max_size)
    matrix, n_matrix = [], []
    found: set[str] = set()
    for gid in order:
        frame = summary[gid]["encoder_df"]
        found.update(frame["feature_class"].astype(str))
        cells = [frame[frame["feature_class"] == c] for c in classes]
        matrix.append([mean_encoded(cell) for cell in cells])
        n_matrix.append([len(cell) for cell in cells])
    return {
        "measure": "gradiend_feature_cross_encoding_mean",
        "model_ids": order,
        "column_ids": classes,
        "rows": order,
        "columns": classes,
        "matrix": matrix,
        "n_matrix": n_matrix,
        "split": split,
        "max_size": max_size,
        "eval_classes_found": sorted(found & set(classes)),
    }


def transition_id(factual: str, alternative: str) -> str:
    """The column id of a directed transition, ``"factual->alternative"``."""
    return f"{factual}->{alternative}"


def compute_gradiend_transition_cross_encoding_matrix(
    trainers: Mapping[str, Any],
    *,
    trainer_order: Sequence[str] | None = None,
    transition_order: Sequence[str] | None = None,
    encoder_summary: Mapping[str, Any] | None = None,
    split: str = "test",
    max_size: int | None = None,
) -> dict[str, Any]:
    """Rows: GRADIENDs; columns: directed transitions ``factual->alternative``; cell: mean encoding.

    This is the matrix before any sign alignment (see
    :func:`gradiend.comparison.anchor_aligned.compute_anchor_aligned_encoding_matrix`).
    """
    if not trainers:
        raise ValueError("trainers must be a non-empty dict id -> trainer")
    order = _ordered_rows(trainers, trainer_order)
    summary = _summary(trainers, encoder_summary, split, max_size)
    keyed = {}
    for gid in order:
        frame = summary[gid]["encoder_df"].copy()
        frame["transition"] = [
            transition_id(f, a)
            for f, a in zip(frame["feature_class"], frame["alternative_class"], strict=True)
        ]
        keyed[gid] = frame
    observed = sorted(set().union(*(set(f["transition"]) for f in keyed.values())))
    columns = [str(t) for t in transition_order] if transition_order is not None else observed
    matrix, n_matrix = [], []
    for gid in order:
        frame = keyed[gid]
        cells = [frame[frame["transition"] == t] for t in columns]
        matrix.append([mean_encoded(c) for c in cells])
        n_matrix.append([len(c) for c in cells])
    return {
        "measure": "gradiend_transition_cross_encoding_mean",
        "model_ids": order,
        "column_ids": columns,
        "rows": order,
        "columns": columns,
        "matrix": matrix,
        "n_matrix": n_matrix,
        "split": split,
        "max_size": max_size,
        "transitions_found": observed,
    }


__all__ = [
    "CROSS_ENCODING_METRICS",
    "build_cross_task_encoder_summary",
    "compute_cross_encoding_matrix",
    "compute_gradiend_feature_cross_encoding_matrix",
    "compute_gradiend_transition_cross_encoding_matrix",
    "compute_trainer_pair_encoding_matrix",
    "transition_id",
]
