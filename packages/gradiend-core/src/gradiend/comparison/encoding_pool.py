"""Every GRADIEND of a set encodes every trainer's held-out rows: the raw material of cross-encoding.

Row ``r`` of trainer ``B`` is encoded by GRADIEND ``A`` as the gradient that *B's* definition computes
for ``r`` (B's losses: B's pair, B's alternative) on A's base model and A's selected weights. The
result, per GRADIEND, is one DataFrame over the pooled rows with the columns ``encoded``,
``feature_class`` (the factual class), ``alternative_class``, ``label`` (the owner's +1/-1) and
``owner`` (the id of the trainer whose data the row is).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gradiend.evaluation.encoding import encode_rows

logger = logging.getLogger(__name__)


def trainer_pair(trainer: Any, trainer_id: str) -> tuple[str, str]:
    """The trainer's ``(first, second)`` target classes, or a ValueError naming it."""
    classes = [str(c) for c in (getattr(trainer, "target_classes", None) or [])]
    if len(classes) != 2:
        raise ValueError(f"trainer {trainer_id!r} must have exactly two target_classes, got {classes}")
    return classes[0], classes[1]


def infer_positive_class(pair: tuple[str, str], explicit: str | None = None) -> str:
    """The positive class of a pair: ``explicit``, the X of a ``(X, non_X)`` pair, else the first class."""
    if explicit is not None:
        if explicit not in pair:
            raise ValueError(f"positive class {explicit!r} is not one of the pair {list(pair)}")
        return explicit
    first, second = pair
    if second in (f"non_{first}", f"non-{first}"):
        return first
    if first in (f"non_{second}", f"non-{second}"):
        return second
    return first


def held_out_rows(trainer: Any, split: str, max_size: int | None) -> pd.DataFrame:
    """The trainer's rows of ``split`` (its pair's classes only), at most ``max_size`` per class."""
    rows = trainer.hook.gradiend_create_training_data(trainer=trainer, split=split, max_size=max_size)
    if rows is None or rows.empty:
        raise ValueError(f"trainer {trainer!s} has no rows in split {split!r}")
    return rows


def _with_transition(rows: pd.DataFrame, pair: tuple[str, str], owner: str) -> pd.DataFrame:
    out = rows.copy()
    out["feature_class"] = out["feature_class"].astype(str)
    if "alternative_class" not in out.columns or out["alternative_class"].isna().any():
        other = {pair[0]: pair[1], pair[1]: pair[0]}
        out["alternative_class"] = out["feature_class"].map(other)
    out["owner"] = owner
    return out


def encode_pool(
    trainers: Mapping[str, Any],
    *,
    split: str = "test",
    max_size: int | None = None,
    models: Mapping[str, Any] | None = None,
) -> dict[str, pd.DataFrame]:
    """``{gradiend_id: encoded pooled rows}``: each trainer's GRADIEND on every trainer's ``split`` rows.

    Args:
        trainers: ``{id: trainer}``; every trainer has two target classes and a trained model.
        split: which held-out split to encode (``"test"`` by default).
        max_size: at most this many rows per class and trainer.
        models: ``{id: ModelWithGradiend}`` to encode with instead of ``trainer.get_model()``.
    """
    if not trainers:
        raise ValueError("trainers must be a non-empty dict id -> trainer")
    pairs = {tid: trainer_pair(t, tid) for tid, t in trainers.items()}
    rows = {
        tid: _with_transition(held_out_rows(t, split, max_size), pairs[tid], tid)
        for tid, t in trainers.items()
    }
    pool: dict[str, pd.DataFrame] = {}
    for gid, trainer in trainers.items():
        model = (models or {}).get(gid) or trainer.get_model()
        source = trainer.args.source
        frames = []
        for owner, owner_trainer in trainers.items():
            logger.info("cross-encoding: GRADIEND %s encodes the %s rows of %s", gid, split, owner)
            frames.append(encode_rows(owner_trainer, model, rows[owner], source, progress=False))
        pool[gid] = pd.concat(frames, ignore_index=True)
    return pool


def mean_encoded(frame: pd.DataFrame) -> float:
    """Mean of the ``encoded`` column (NaN when empty)."""
    return float(frame["encoded"].astype(float).mean()) if len(frame) else float("nan")


def label_correlation(encoded: pd.Series, labels: pd.Series) -> float:
    """Pearson correlation of encodings with +1/-1 labels (NaN when either is constant)."""
    x = encoded.astype(float).to_numpy()
    y = labels.astype(float).to_numpy()
    if len(x) < 2 or np.std(x) == 0 or np.std(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


__all__ = [
    "encode_pool",
    "held_out_rows",
    "infer_positive_class",
    "label_correlation",
    "mean_encoded",
    "trainer_pair",
]
