"""Row frames of the vision modality: which images GRADIEND trains and evaluates on, by index.

A feature is a pair of classes ``(A, B)``. Training rows are the images of ``A`` (label +1, alternative
class ``B``) and of ``B`` (label -1, alternative ``A``); neutral rows are images of every other class
(label 0, no alternative, ``feature_class`` ``"neutral"``). Every frame has the columns of
:data:`ROW_COLUMNS`; ``image_index`` points into ``ImageData.images``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd
import torch

from gradiend.plugins import DecoderEvalData
from gradiend_vision.data import ImageData

NEUTRAL_CLASS = "neutral"
"""``feature_class`` of neutral rows (their own class is in ``true_class``)."""

ROW_COLUMNS: tuple[str, ...] = (
    "feature_class",
    "label",
    "type",
    "split",
    "image_index",
    "true_class",
    "alternative_class",
)
"""Columns of every row frame."""

DECODER_EVAL_SPLITS: tuple[str, ...] = ("validation", "test")
"""Splits whose images score rewritten models (held out from GRADIEND and base-model training)."""

Splits: TypeAlias = "str | Sequence[str]"
"""One split name or several."""


def resolve_pair(data: ImageData, pair: Sequence[str | int]) -> tuple[str, str]:
    """The pair as class names, checked: two different classes of the data, each with images.

    Classes may be given by name or by id (see :meth:`ImageData.class_index`).
    """
    if isinstance(pair, str) or len(pair) != 2:
        raise ValueError(f"a feature is a pair of two classes, e.g. ['3', '8'], got {pair!r}")
    first, second = (data.class_names[data.class_index(c)] for c in pair)
    if first == second:
        raise ValueError(f"the two classes of the pair must differ, got {pair!r} (both {first!r})")
    counts = data.class_counts()
    for name in (first, second):
        if counts[name] == 0:
            present = [c for c, n in counts.items() if n]
            raise ValueError(f"class {name!r} has no images in the data; classes with images: {present}")
    return first, second


def training_rows(
    data: ImageData,
    pair: Sequence[str | int],
    split: Splits = "train",
    max_size: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Rows of the two pair classes in ``split``; at most ``max_size`` per class (seeded choice)."""
    first, second = resolve_pair(data, pair)
    frames = []
    for name, label, other in ((first, 1.0, second), (second, -1.0, first)):
        indices = data.indices(split, [name])
        if indices.size == 0:
            raise ValueError(f"class {name!r} has no images in split {split!r}: {data!r}")
        indices = _cap(indices, max_size, seed)
        frames.append(_frame(data, indices, name, label, "training", other))
    return pd.concat(frames, ignore_index=True)


def neutral_rows(
    data: ImageData,
    pair: Sequence[str | int],
    split: Splits = "test",
    max_size: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Rows of every class outside the pair in ``split`` (label 0); ``max_size`` caps the total.

    Under a cap the classes are balanced: round robin over the classes, seeded order within each.
    The frame is empty (with all columns) when the data has no class outside the pair.
    """
    pair_names = resolve_pair(data, pair)
    others = [c for c in data.class_names if c not in pair_names]
    indices = data.indices(split, others) if others else np.empty(0, dtype=np.int64)
    indices = _balanced_cap(indices, data.labels.numpy()[indices], max_size, seed)
    return _frame(data, indices, NEUTRAL_CLASS, 0.0, "neutral", None)


def rows_frame(
    data: ImageData,
    pair: Sequence[str | int],
    split: Splits = "train",
    *,
    include_neutral: bool = False,
    max_size: int | None = None,
    max_size_neutral: int | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """Training rows of ``split``, followed by its neutral rows when ``include_neutral``."""
    frame = training_rows(data, pair, split, max_size, seed)
    if not include_neutral:
        return frame
    return pd.concat([frame, neutral_rows(data, pair, split, max_size_neutral, seed)], ignore_index=True)


def decoder_eval_data(
    data: ImageData,
    pair: Sequence[str | int],
    max_size_training_like: int | None = None,
    max_size_neutral: int | None = None,
    splits: Splits = DECODER_EVAL_SPLITS,
    seed: int = 0,
) -> DecoderEvalData:
    """Training-like rows (pair classes) and neutral rows (other classes) that score rewritten models.

    Raises:
        ValueError: when no class outside the pair has images in ``splits`` (no utility score).
    """
    training_like = training_rows(data, pair, splits, max_size_training_like, seed)
    neutral = neutral_rows(data, pair, splits, max_size_neutral, seed)
    if neutral.empty:
        raise ValueError(
            f"no neutral images (classes outside the pair {list(resolve_pair(data, pair))}) in splits "
            f"{splits!r}: the utility score (accuracy on neutral images) needs a third class; {data!r}"
        )
    return DecoderEvalData(training_like=training_like, neutral=neutral)


@dataclass
class ImageBatch:
    """Inputs and targets of a batch of rows: images ``[B, C, H, W]``, class ids, alternative ids."""

    images: torch.Tensor
    true_ids: torch.Tensor
    alternative_ids: torch.Tensor | None


def batch_from_rows(data: ImageData, rows: pd.DataFrame) -> ImageBatch:
    """Gather the images and target ids of ``rows`` (all with an alternative class, or all without)."""
    if rows.empty:
        raise ValueError("rows is empty: a batch needs at least one row")
    missing = [c for c in ("image_index", "true_class", "alternative_class") if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack the column(s) {missing}; row frames come from gradiend_vision.rows")
    index = torch.tensor(rows["image_index"].to_numpy(dtype=np.int64))
    lookup = {name: i for i, name in enumerate(data.class_names)}
    true_ids = torch.tensor([lookup[c] for c in rows["true_class"]], dtype=torch.long)
    has_alternative = rows["alternative_class"].notna()
    if has_alternative.all():
        alternative_ids = torch.tensor([lookup[c] for c in rows["alternative_class"]], dtype=torch.long)
    elif not has_alternative.any():
        alternative_ids = None
    else:
        raise ValueError("rows mix neutral rows (no alternative_class) with training rows: batch them apart")
    return ImageBatch(data.images[index], true_ids, alternative_ids)


def describe_rows(rows: pd.DataFrame) -> list[str]:
    """One short description per row for plots and reports, e.g. ``"3 (image 17, test)"``."""
    return [
        f"{true_class} (image {index}, {split})"
        for true_class, index, split in zip(
            rows["true_class"], rows["image_index"], rows["split"], strict=True
        )
    ]


def _cap(indices: np.ndarray, max_size: int | None, seed: int) -> np.ndarray:
    if max_size is None or indices.size <= max_size:
        return indices
    if max_size < 1:
        raise ValueError(f"max_size must be >= 1 or None, got {max_size}")
    return np.sort(np.random.default_rng(seed).choice(indices, size=max_size, replace=False))


def _balanced_cap(indices: np.ndarray, labels: np.ndarray, max_size: int | None, seed: int) -> np.ndarray:
    if max_size is None or indices.size <= max_size:
        return indices
    if max_size < 1:
        raise ValueError(f"max_size must be >= 1 or None, got {max_size}")
    rng = np.random.default_rng(seed)
    order = rng.permutation(indices.size)
    rank = np.empty(indices.size, dtype=np.int64)
    for label in np.unique(labels):
        members = order[labels[order] == label]
        rank[members] = np.arange(members.size)
    chosen = np.lexsort((labels, rank))[:max_size]
    return np.sort(indices[chosen])


def _frame(
    data: ImageData, indices: np.ndarray, feature_class: str, label: float, kind: str, alternative: str | None
) -> pd.DataFrame:
    names = np.asarray(data.class_names, dtype=object)
    return pd.DataFrame(
        {
            "feature_class": pd.Series([feature_class] * indices.size, dtype=object),
            "label": np.full(indices.size, label, dtype=np.float64),
            "type": pd.Series([kind] * indices.size, dtype=object),
            "split": pd.Series(data.split[indices], dtype=object),
            "image_index": indices.astype(np.int64),
            "true_class": pd.Series(names[data.labels.numpy()[indices]], dtype=object),
            "alternative_class": pd.Series([alternative] * indices.size, dtype=object),
        },
        columns=list(ROW_COLUMNS),
    )


__all__ = [
    "DECODER_EVAL_SPLITS",
    "NEUTRAL_CLASS",
    "ROW_COLUMNS",
    "ImageBatch",
    "batch_from_rows",
    "decoder_eval_data",
    "describe_rows",
    "neutral_rows",
    "resolve_pair",
    "rows_frame",
    "training_rows",
]
