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

from gradiend.plugins import normalize_split
from gradiend_text.fileio import write_table
from gradiend_text.tables import load_table

logger = logging.getLogger(__name__)


@dataclass
class TextClassificationConfig:
    """Column names and evaluation data of :class:`~gradiend_text.classification.TextClassificationTrainer`.

    Attributes:
        run_id: sub-directory of the experiment (used when the trainer gets no ``run_id``).
        data: the labelled texts (used when the trainer gets no ``data``): a DataFrame or a file.
        text_col: the text column.
        label_col: the class column (class names; ids are mapped through the model's ``id2label``).
        split_col: the split column (``train``/``validation``/``test``); made when missing.
        target_classes: the label pair of the feature (may be given to the trainer instead).
        eval_neutral_data: rows (a DataFrame or a file) for the utility score when the data has no class
            outside the pair: labelled rows (``text_col``, ``label_col``) are scored by accuracy; texts
            without a label column by agreement with the unchanged model's predicted labels.
        eval_neutral_max_rows: cap on the rows of the utility score.
    """

    run_id: str | None = None
    data: pd.DataFrame | str | os.PathLike[str] | None = None
    text_col: str = "text"
    label_col: str = "label"
    split_col: str = "split"
    target_classes: list[str] | None = None
    eval_neutral_data: pd.DataFrame | str | os.PathLike[str] | None = None
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
        base_data: the texts: a list of strings, a DataFrame (column ``text_column``), a file, a
            ``datasets`` save_to_disk directory or a hub dataset id (read only from the local cache).
        label_fn: maps a text to its class (str or int), or ``None`` to drop it.
        text_column: the text column of a DataFrame, file or dataset.
        base_max_size: use at most this many texts (after a seeded shuffle).
        split: the split of a dataset with splits (a hub id or a save_to_disk ``DatasetDict``) to read.
        hf_config: the configuration of a hub dataset id (only for hub ids).
        trust_remote_code: must stay ``None``/``False``: dataset scripts are never run.
        seed: seed of the shuffle, the balancing and the split.
        output_dir: where ``generate_*`` write ``<basename>.<output_format>`` when no ``output`` is given.
        training_basename, neutral_basename: file names (without suffix) in ``output_dir``.
        output_format: ``"csv"`` or ``"parquet"``.
        use_cache: return a table already written to the output file instead of generating it.
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
        split: str = "train",
        hf_config: str | None = None,
        trust_remote_code: bool | None = None,
        seed: int = 42,
        output_dir: str | os.PathLike[str] | None = None,
        training_basename: str = "training",
        neutral_basename: str = "neutral",
        output_format: str = "csv",
        use_cache: bool = False,
        neutral_sentinel: str | int | None = None,
        neutral_filter_fn: Callable[[str], bool] | None = None,
    ) -> None:
        if not callable(label_fn):
            raise TypeError(f"label_fn must be callable, got {type(label_fn).__name__}")
        if output_format not in ("csv", "parquet"):
            raise ValueError(f"output_format must be 'csv' or 'parquet', got {output_format!r}")
        if trust_remote_code:
            raise ValueError("trust_remote_code=True is not supported: dataset scripts are never run")
        self.split = split
        self.hf_config = hf_config
        self.text_column = text_column
        texts = self._read_texts(base_data)
        order = pd.Series(texts).sample(frac=1.0, random_state=seed).tolist()
        self.texts = order[:base_max_size] if base_max_size is not None else order
        self.label_fn = label_fn
        self.seed = seed
        self.output_dir = None if output_dir is None else Path(output_dir)
        self.basenames = {"training": training_basename, "neutral": neutral_basename}
        self.output_format = output_format
        self.use_cache = use_cache
        self.neutral_sentinel = neutral_sentinel
        self.neutral_filter_fn = neutral_filter_fn

    def _read_texts(self, base_data: Sequence[str] | pd.DataFrame | str | os.PathLike[str]) -> list[str]:
        """The texts of ``base_data`` (the rows of ``split`` when the table has a split column)."""
        if isinstance(base_data, (list, tuple)):
            if self.hf_config is not None:
                raise ValueError("hf_config applies to hub dataset ids only, not to a list of texts")
            return [str(t) for t in base_data]
        is_hub_id = isinstance(base_data, str) and not Path(base_data).exists()
        if self.hf_config is not None and not is_hub_id:
            raise ValueError(
                f"hf_config applies to hub dataset ids only, not to {type(base_data).__name__} data"
            )
        if isinstance(base_data, pd.DataFrame):
            table = base_data
        elif is_hub_id or Path(base_data).is_dir():  # type: ignore[arg-type]
            table = load_table(base_data, subset=self.hf_config)
        else:
            table = read_table(base_data)
        if self.text_column not in table.columns:
            raise ValueError(f"base_data has no column {self.text_column!r}; it has {list(table.columns)}")
        if "split" in table.columns:
            wanted = normalize_split(self.split)
            names = table["split"].astype(str).map(normalize_split)
            if not (names == wanted).any():
                raise ValueError(
                    f"base_data has no rows of split {self.split!r}; it has {sorted(set(names))}"
                )
            table = table[names == wanted]
        return table[self.text_column].astype(str).tolist()

    def _output_path(self, kind: str, output: str | os.PathLike[str] | None) -> Path | None:
        if output is not None:
            return Path(output)
        if self.output_dir is None:
            return None
        return self.output_dir / f"{self.basenames[kind]}.{self.output_format}"

    def _cached(self, path: Path | None) -> pd.DataFrame | None:
        if self.use_cache and path is not None and path.is_file():
            logger.info("Using the table saved at %s", path)
            return read_table(path)
        return None

    def _labelled(self) -> pd.DataFrame:
        labels = [self.label_fn(text) for text in self.texts]
        rows = pd.DataFrame({"text": self.texts, "label": labels})
        rows = rows[rows["label"].notna()].copy()
        rows["label"] = rows["label"].astype(str)
        return rows

    def generate_training_data(
        self,
        max_size: int | None = None,
        output: str | os.PathLike[str] | None = None,
        train_ratio: float = 0.8,
        val_ratio: float = 0.1,
        test_ratio: float = 0.1,
        split_col: str = "split",
        min_rows_for_split: int = 10,
        balance: bool | str = "try",
    ) -> pd.DataFrame:
        """Labelled rows (``text``, ``label``, ``split_col``), balanced and split per class.

        ``balance``: ``"try"`` oversamples each class to the largest (seeded), ``"strict"``
        undersamples to the smallest, ``False`` keeps the counts. The neutral sentinel's class is left out.
        Fewer than ``min_rows_for_split`` labelled rows raise ValueError. The table is written
        (atomically) to ``output`` or ``output_dir/<training_basename>.<output_format>`` when either is set.
        """
        path = self._output_path("training", output)
        if (cached := self._cached(path)) is not None:
            return cached
        if abs(train_ratio + val_ratio + test_ratio - 1.0) > 1e-9:
            raise ValueError(f"the split ratios must sum to 1, got {train_ratio + val_ratio + test_ratio}")
        if balance not in ("try", "strict", False):
            raise ValueError(f"balance must be 'try', 'strict' or False, got {balance!r}")
        rows = self._labelled()
        if self.neutral_sentinel is not None:
            rows = rows[rows["label"] != str(self.neutral_sentinel)]
        if len(rows) < max(1, min_rows_for_split):
            raise ValueError(
                f"label_fn labelled {len(rows)} texts; min_rows_for_split={min_rows_for_split} are needed "
                "(provide more base data or lower min_rows_for_split)"
            )
        rows = _balanced(rows, balance, self.seed)
        if max_size is not None:
            rows = rows.head(max_size)
        split = pd.Series("train", index=rows.index, dtype=object)
        for _, group in rows.groupby("label", sort=True):
            n_val, n_test = round(val_ratio * len(group)), round(test_ratio * len(group))
            split.loc[group.index[:n_val]] = "validation"
            split.loc[group.index[n_val : n_val + n_test]] = "test"
        rows[split_col] = split
        if path is not None:
            write_table(rows, path)
        return rows

    def generate_neutral_data(
        self,
        base_data: Sequence[str] | pd.DataFrame | str | os.PathLike[str] | None = None,
        max_size: int | None = None,
        output: str | os.PathLike[str] | None = None,
        text_column_out: str = "text",
    ) -> pd.DataFrame:
        """Texts labelled with ``neutral_sentinel`` or selected by ``neutral_filter_fn``.

        ``base_data`` replaces the creator's texts; the one column is named ``text_column_out``. The table
        is written like the training table (``neutral_basename``).
        """
        if self.neutral_sentinel is None and self.neutral_filter_fn is None:
            raise ValueError("set neutral_sentinel or neutral_filter_fn to generate neutral data")
        path = self._output_path("neutral", output)
        if (cached := self._cached(path)) is not None:
            return cached
        texts = self.texts if base_data is None else self._read_texts(base_data)
        if self.neutral_filter_fn is not None:
            kept = [t for t in texts if self.neutral_filter_fn(t)]
        else:
            kept = [t for t in texts if str(self.label_fn(t)) == str(self.neutral_sentinel)]
        rows = pd.DataFrame({text_column_out: kept})
        rows = rows.head(max_size) if max_size is not None else rows
        if path is not None:
            write_table(rows, path)
        return rows


def _balanced(rows: pd.DataFrame, balance: bool | str, seed: int) -> pd.DataFrame:
    """Each label over- (``"try"``) or under-sampled (``"strict"``) to one size, then shuffled."""
    sizes = rows["label"].value_counts()
    parts = []
    for _, group in rows.groupby("label", sort=True):
        target = int(sizes.max() if balance == "try" else sizes.min() if balance == "strict" else len(group))
        parts.append(group.sample(n=target, replace=target > len(group), random_state=seed))
    return pd.concat(parts).sample(frac=1.0, random_state=seed).reset_index(drop=True)


__all__ = [
    "TextClassificationConfig",
    "TextClassificationDataCreator",
    "normalize_classification_data",
    "read_table",
]
