"""Data of the text-classification modality: labelled texts, and a creator that labels a corpus.

The trainer's data is a table of texts with their class (``text``, ``label`` and optionally ``split``;
other column names through :class:`TextClassificationConfig`). Rows without a split are split 0.8 /
0.1 / 0.1 per class (seeded). :class:`TextClassificationDataCreator` builds such a table from raw texts
and a labelling function.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from gradiend.definition import normalize_split

logger = logging.getLogger(__name__)


@dataclass
class TextClassificationConfig:
    """Column names and evaluation data of :class:`~gradiend_text.classification.TextClassificationTrainer`.

    Attributes:
        text_col: the text column.
        label_col: the class column (class names; ids are mapped through the model's ``id2label``).
        split_col: the split column (``train``/``validation``/``test``); made when missing.
        target_classes: the label pair of the feature (may be given to the trainer instead).
        eval_neutral_data: labelled rows (``text_col``, ``label_col``) of classes outside the pair for the
            utility score, when the data has no such classes.
        eval_neutral_max_rows: cap on the rows of the utility score.
    """

    text_col: str = "text"
    label_col: str = "label"
    split_col: str = "split"
    target_classes: list[str] | None = None
    eval_neutral_data: pd.DataFrame | None = None
    eval_neutral_max_rows: int | None = None


def _split_per_class(frame: pd.DataFrame, seed: int) -> pd.Series:
    splits = pd.Series("train", index=frame.index, dtype=object)
    for _, group in frame.groupby("label", sort=True):
        order = group.sample(frac=1.0, random_state=seed).index
        n_val = max(1, round(0.1 * len(order))) if len(order) >= 10 else 0
        splits.loc[order[:n_val]] = "validation"
        splits.loc[order[n_val : 2 * n_val]] = "test"
    return splits


def read_table(data: pd.DataFrame | str | os.PathLike[str]) -> pd.DataFrame:
    """A DataFrame as given, or read from a ``.csv``/``.parquet``/``.jsonl`` file."""
    if isinstance(data, pd.DataFrame):
        return data
    if not isinstance(data, (str, os.PathLike)):
        raise TypeError(f"data must be a DataFrame or a file path, got {type(data).__name__}")
    path = Path(data)
    if not path.is_file():
        raise FileNotFoundError(f"data file {os.fspath(path)!r} does not exist")
    readers: dict[str, Callable[[Path], pd.DataFrame]] = {
        ".csv": pd.read_csv,
        ".parquet": pd.read_parquet,
        ".jsonl": lambda p: pd.read_json(p, lines=True),
    }
    if path.suffix not in readers:
        raise ValueError(f"data file must end in one of {sorted(readers)}, got {path.name!r}")
    return readers[path.suffix](path)


def normalize_classification_data(
    data: pd.DataFrame | str | os.PathLike[str], config: TextClassificationConfig, seed: int
) -> pd.DataFrame:
    """Columns ``text``, ``label`` (class name as str) and ``split``; raises on missing columns/empty text."""
    frame = read_table(data)
    missing = [c for c in (config.text_col, config.label_col) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"classification data lacks the column(s) {missing}; it has {list(frame.columns)} "
            "(set text_col/label_col in TextClassificationConfig)"
        )
    rows = pd.DataFrame(
        {"text": frame[config.text_col].astype(str), "label": frame[config.label_col].astype(str)}
    )
    empty = rows["text"].str.strip() == ""
    if empty.any():
        raise ValueError(f"{int(empty.sum())} rows of {config.text_col!r} are empty")
    if config.split_col in frame.columns:
        rows["split"] = [normalize_split(str(s)) for s in frame[config.split_col]]
    else:
        rows["split"] = _split_per_class(rows, seed)
    return rows.reset_index(drop=True)


class TextClassificationDataCreator:
    """Label raw texts with a function and split them into a training table.

    Args:
        base_data: the texts: a list of strings, a DataFrame (column ``text_column``) or a file.
        label_fn: maps a text to its class (str or int), or ``None`` to drop it.
        text_column: the text column of a DataFrame or file.
        base_max_size: use at most this many texts (after a seeded shuffle).
        seed: seed of the shuffle, the balancing and the split.
        neutral_sentinel: the class ``generate_neutral_data`` keeps (texts labelled with it).
        neutral_filter_fn: or a predicate that selects neutral texts.
    """

    def __init__(
        self,
        base_data: Sequence[str] | pd.DataFrame | str | os.PathLike[str],
        label_fn: Callable[[str], Any],
        *,
        text_column: str = "text",
        base_max_size: int | None = None,
        seed: int = 42,
        neutral_sentinel: str | int | None = None,
        neutral_filter_fn: Callable[[str], bool] | None = None,
    ) -> None:
        if not callable(label_fn):
            raise TypeError(f"label_fn must be callable, got {type(label_fn).__name__}")
        if isinstance(base_data, (list, tuple)):
            texts = [str(t) for t in base_data]
        else:
            table = read_table(base_data)
            if text_column not in table.columns:
                raise ValueError(f"base_data has no column {text_column!r}; it has {list(table.columns)}")
            texts = table[text_column].astype(str).tolist()
        order = pd.Series(texts).sample(frac=1.0, random_state=seed).tolist()
        self.texts = order[:base_max_size] if base_max_size is not None else order
        self.label_fn = label_fn
        self.seed = seed
        self.neutral_sentinel = neutral_sentinel
        self.neutral_filter_fn = neutral_filter_fn

    def _labelled(self) -> pd.DataFrame:
        labels = [self.label_fn(text) for text in self.texts]
        rows = pd.DataFrame({"text": self.texts, "label": labels})
        rows = rows[rows["label"].notna()].copy()
        rows["label"] = rows["label"].astype(str)
        return rows

    def generate_training_data(
        self,
        max_size: int | None = None,
        train_ratio: float = 0.8,
        val_ratio: float = 0.1,
        test_ratio: float = 0.1,
        split_col: str = "split",
        balance: bool | str = "try",
    ) -> pd.DataFrame:
        """Labelled rows (``text``, ``label``, ``split_col``), balanced and split per class.

        ``balance``: ``"try"`` oversamples each class to the largest (seeded), ``"strict"``
        undersamples to the smallest, ``False`` keeps the counts. The neutral sentinel's class is left out.
        """
        if abs(train_ratio + val_ratio + test_ratio - 1.0) > 1e-9:
            raise ValueError(f"the split ratios must sum to 1, got {train_ratio + val_ratio + test_ratio}")
        if balance not in ("try", "strict", False):
            raise ValueError(f"balance must be 'try', 'strict' or False, got {balance!r}")
        rows = self._labelled()
        if self.neutral_sentinel is not None:
            rows = rows[rows["label"] != str(self.neutral_sentinel)]
        if rows.empty:
            raise ValueError("label_fn labelled no text")
        sizes = rows["label"].value_counts()
        parts = []
        for _, group in rows.groupby("label", sort=True):
            target = int(
                sizes.max() if balance == "try" else sizes.min() if balance == "strict" else len(group)
            )
            parts.append(group.sample(n=target, replace=target > len(group), random_state=self.seed))
        rows = pd.concat(parts).sample(frac=1.0, random_state=self.seed).reset_index(drop=True)
        if max_size is not None:
            rows = rows.head(max_size)
        split = pd.Series("train", index=rows.index, dtype=object)
        for _, group in rows.groupby("label", sort=True):
            n_val, n_test = round(val_ratio * len(group)), round(test_ratio * len(group))
            split.loc[group.index[:n_val]] = "validation"
            split.loc[group.index[n_val : n_val + n_test]] = "test"
        rows[split_col] = split
        return rows

    def generate_neutral_data(self, max_size: int | None = None) -> pd.DataFrame:
        """Texts labelled with ``neutral_sentinel`` or selected by ``neutral_filter_fn`` (column ``text``)."""
        if self.neutral_sentinel is None and self.neutral_filter_fn is None:
            raise ValueError("set neutral_sentinel or neutral_filter_fn to generate neutral data")
        if self.neutral_filter_fn is not None:
            texts = [t for t in self.texts if self.neutral_filter_fn(t)]
            rows = pd.DataFrame({"text": texts})
        else:
            labelled = self._labelled()
            rows = labelled[labelled["label"] == str(self.neutral_sentinel)].reset_index(drop=True)
        return rows.head(max_size) if max_size is not None else rows


__all__ = [
    "TextClassificationConfig",
    "TextClassificationDataCreator",
    "normalize_classification_data",
    "read_table",
]
