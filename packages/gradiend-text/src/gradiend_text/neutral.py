"""Neutral text for evaluation: plain sentences, and masked rows built from them for the encoder."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Sequence

import pandas as pd

from gradiend_text.encoding import MASK_PLACEHOLDER

_WORD = re.compile(r"^[A-Za-z][A-Za-z'-]*$")


def neutral_texts(
    data: pd.DataFrame | Sequence[str] | str | os.PathLike[str] | None, column: str = "text"
) -> list[str]:
    """Plain sentences from a frame's ``text`` column, a table file holding one, or a list of strings.

    ``None`` gives an empty list; a string or path names a file (CSV, Parquet, JSON...) read with
    :func:`gradiend_text.tables.load_table`.
    """
    if data is None:
        return []
    if isinstance(data, (str, os.PathLike)):
        from gradiend_text.tables import load_table

        data = load_table(str(data))
    if isinstance(data, pd.DataFrame):
        if column not in data.columns:
            raise ValueError(f"eval_neutral_data needs a {column!r} column, got columns {list(data.columns)}")
        return [str(t) for t in data[column].dropna()]
    return [str(t) for t in data]  # type: ignore[union-attr]


def masked_neutral_rows(texts: Sequence[str], seed: int = 0, split: str = "test") -> pd.DataFrame:
    """One row per sentence: a seeded word (not the first) masked, as the factual target (label 0).

    The gradient of predicting an unrelated word is what a neutral input should encode: about zero.
    Sentences with fewer than two plain words are skipped.
    """
    rng = random.Random(seed)
    records = []
    for text in texts:
        words = text.split()
        candidates = [i for i, w in enumerate(words) if i > 0 and _WORD.match(w)]
        if not candidates:
            continue
        position = rng.choice(candidates)
        factual = words[position]
        masked = " ".join([*words[:position], MASK_PLACEHOLDER, *words[position + 1 :]])
        records.append({"masked": masked, "factual": factual, "text": text})
    frame = pd.DataFrame.from_records(records, columns=["masked", "factual", "text"])
    frame["alternative"] = None
    frame["feature_class"] = "neutral"
    frame["alternative_class"] = None
    frame["label"] = 0.0
    frame["type"] = "neutral"
    frame["split"] = split
    return frame


def filled_texts(rows: pd.DataFrame, placeholder: str = MASK_PLACEHOLDER) -> list[str]:
    """The original sentences of masked rows (placeholder replaced by the factual word)."""
    pairs = zip(rows["masked"], rows["factual"], strict=True)
    return [str(masked).replace(placeholder, str(factual), 1) for masked, factual in pairs]


__all__ = ["filled_texts", "masked_neutral_rows", "neutral_texts"]
