"""Encoder metrics: how well the learned feature ``h`` separates the two classes of the pair.

The input is the DataFrame an encoder analysis produces (columns of
:data:`gradiend.definition.ENCODER_DATA_COLUMNS`): one encoded value per row, its class label (+1 for
the first class of the pair, -1 for the second, 0 for neutral rows), its feature class and its row
type (``"training"`` or a type starting with ``"neutral"``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gradiend.definition import ENCODER_DATA_COLUMNS
from gradiend.utils.result_records import checked_encoder_frame, encoded_matrix, is_neutral_type

logger = logging.getLogger(__name__)

POSITIVE_BOUNDARY = 0.5
"""An encoding above this counts as the first class of the pair."""
NEGATIVE_BOUNDARY = -0.5
"""An encoding below this counts as the second class of the pair."""
CONVERGENT_METRICS: tuple[str, ...] = ("correlation", "loss")


def pearson(x: Any, y: Any) -> float:
    """Pearson correlation of two equally long 1-D sequences.

    Returns 0.0 (with a logged warning) when either input is constant or shorter than two values,
    so the result is never NaN. Non-finite input raises ``ValueError``.
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    b = np.asarray(y, dtype=np.float64).ravel()
    if a.shape != b.shape:
        raise ValueError(f"pearson needs x and y of equal length, got {a.size} and {b.size}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("pearson needs finite values; x or y holds NaN or inf")
    if a.size < 2:
        logger.warning("Pearson correlation of %d value(s) is undefined; reporting 0.0", a.size)
        return 0.0
    da, db = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float(da @ da) * float(db @ db))
    if denominator == 0.0:
        logger.warning("Pearson correlation of a constant input is undefined; reporting 0.0")
        return 0.0
    return float(np.clip(float(da @ db) / denominator, -1.0, 1.0))


def compute_encoder_metrics(encoder_df: pd.DataFrame, pair: tuple[str, str]) -> dict[str, Any]:
    """Summarise encoded values against their labels.

    Args:
        encoder_df: rows with the columns ``encoded``, ``label``, ``feature_class`` and ``type``.
            ``encoded`` holds floats, or lists/arrays when the latent dimension exceeds one; then the
            scalar metrics use feature 0 and ``correlation_by_feature`` lists every feature.
        pair: the two target classes; the first is labelled +1, the second -1.

    Returns:
        A dict with ``n_samples``, ``correlation`` (Pearson of ``encoded`` and ``label`` on the
        training rows; same as ``training_only``), ``all_data`` (Pearson on every row, neutral rows
        included), ``training_only``, ``target_classes_only`` (rows whose feature class is in
        ``pair``), ``mean_by_class`` and ``std_by_class`` (non-neutral rows, keyed by feature class),
        ``mean_by_type``, ``neutral_mean_by_type``, ``boundaries``, ``accuracy`` (fraction of
        training rows with label +1 encoded above 0.5 or label -1 encoded below -0.5),
        ``neutral_accuracy`` (fraction of neutral rows with ``|h| < 0.5``; ``None`` without neutral
        rows), ``label_value_to_class_name`` and ``correlation_by_feature``.
    """
    first, second = validate_pair(pair)
    frame = _prepare(encoder_df)
    neutral = frame["type"].map(is_neutral_type).to_numpy(dtype=bool)
    in_pair = frame["feature_class"].astype(str).isin([first, second]).to_numpy(dtype=bool)
    counts = {name: int((frame.loc[~neutral, "feature_class"].astype(str) == name).sum()) for name in pair}
    if min(counts.values()) < 1:
        raise ValueError(
            f"cannot evaluate the encoder: the evaluated rows hold {counts} rows of the target classes; "
            "at least 1 row of each is needed (the split is too small, or max_size too low)"
        )
    matrix = encoded_matrix(frame["encoded"])
    labels = frame["label"].to_numpy(dtype=np.float64)
    h = matrix[:, 0]
    training = ~neutral
    scalar = frame.assign(encoded=h)
    correlation = pearson(h[training], labels[training])
    return {
        "n_samples": len(frame),
        "correlation": correlation,
        "all_data": pearson(h, labels),
        "training_only": correlation,
        "target_classes_only": pearson(h[in_pair], labels[in_pair]),
        "correlation_by_feature": [
            pearson(matrix[training, j], labels[training]) for j in range(matrix.shape[1])
        ],
        "mean_by_class": _group_stat(scalar[training], "feature_class", "mean"),
        "std_by_class": _group_stat(scalar[training], "feature_class", "std"),
        "mean_by_type": _group_stat(scalar, "type", "mean"),
        "neutral_mean_by_type": _group_stat(scalar[neutral], "type", "mean"),
        "boundaries": {"positive": POSITIVE_BOUNDARY, "negative": NEGATIVE_BOUNDARY},
        "accuracy": _accuracy(h[training], labels[training]),
        "neutral_accuracy": float(np.mean(np.abs(h[neutral]) < POSITIVE_BOUNDARY)) if neutral.any() else None,
        "label_value_to_class_name": {1.0: first, -1.0: second, 0.0: "neutral"},
    }


def is_convergent(
    metrics: Mapping[str, Any],
    *,
    pair: tuple[str, str],
    metric: str = "correlation",
    threshold: float = 0.5,
    mean_by_class_threshold: float | None = 0.5,
    loss: float | None = None,
) -> bool:
    """Whether a trained seed learned the feature.

    With ``metric="correlation"``: ``|metrics["correlation"]| >= threshold`` and the two pair classes
    encode with opposite signs (``metrics["mean_by_class"]``); with ``mean_by_class_threshold`` set,
    each class mean must also satisfy ``|mean| >= mean_by_class_threshold``. The sign requirement
    holds even without a mean threshold: a feature that maps both classes to one side was not learned.
    With ``metric="loss"``: the training ``loss`` (argument, else ``metrics["loss"]``) is ``<= threshold``.
    """
    if metric not in CONVERGENT_METRICS:
        raise ValueError(f"metric must be one of {list(CONVERGENT_METRICS)}, got {metric!r}")
    if not math.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number, got {threshold!r}")
    if metric == "loss":
        value = loss if loss is not None else metrics.get("loss")
        if value is None:
            raise ValueError("metric='loss' needs the loss argument or a 'loss' entry in metrics")
        return math.isfinite(value) and value <= threshold
    first, second = validate_pair(pair)
    correlation = float(metrics["correlation"])
    if not abs(correlation) >= threshold:
        return False
    means = metrics.get("mean_by_class") or {}
    if first not in means or second not in means:
        logger.warning("mean_by_class lacks %r or %r; cannot check opposite signs", first, second)
        return False
    mean_first, mean_second = float(means[first]), float(means[second])
    if not mean_first * mean_second < 0:
        return False
    if mean_by_class_threshold is None:
        return True
    return min(abs(mean_first), abs(mean_second)) >= mean_by_class_threshold


def validate_pair(pair: tuple[str, str]) -> tuple[str, str]:
    """The pair as two distinct strings, or a ``ValueError`` naming the bad value."""
    if isinstance(pair, str) or len(pair) != 2 or pair[0] == pair[1]:
        raise ValueError(f"pair must name two different classes, got {pair!r}")
    return str(pair[0]), str(pair[1])


def _prepare(encoder_df: pd.DataFrame) -> pd.DataFrame:
    frame = checked_encoder_frame(encoder_df, ENCODER_DATA_COLUMNS, "compute metrics from")
    return frame.reset_index(drop=True)


def _group_stat(frame: pd.DataFrame, by: str, stat: str) -> dict[str, float]:
    """Mean or sample standard deviation (0.0 for a single row) of ``encoded`` per group."""
    result: dict[str, float] = {}
    for key, group in frame.groupby(frame[by].astype(str), sort=True):
        values = group["encoded"].to_numpy(dtype=np.float64)
        if stat == "mean":
            result[str(key)] = float(values.mean())
        else:
            result[str(key)] = float(values.std(ddof=1)) if values.size > 1 else 0.0
    return result


def _accuracy(h: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of labelled (+1/-1) rows on the right side of their boundary; 0.0 without such rows."""
    positive, negative = labels > 0, labels < 0
    counted = int(positive.sum() + negative.sum())
    if counted == 0:
        return 0.0
    hits = int((h[positive] > POSITIVE_BOUNDARY).sum() + (h[negative] < NEGATIVE_BOUNDARY).sum())
    return hits / counted


__all__ = [
    "NEGATIVE_BOUNDARY",
    "POSITIVE_BOUNDARY",
    "compute_encoder_metrics",
    "encoded_matrix",
    "is_convergent",
    "is_neutral_type",
    "pearson",
    "validate_pair",
]
