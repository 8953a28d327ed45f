"""Checks of the training rows before any gradient: enough rows per split and class, finite labels."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from gradiend.arguments import TrainingArguments
from gradiend.definition import SPLITS

if TYPE_CHECKING:
    from gradiend.run_context import RunContext


def _split_rows(trainer: RunContext, split: str) -> pd.DataFrame:
    rows = trainer.hook.gradiend_create_training_data(trainer=trainer, split=split, max_size=None)
    return rows if rows is not None else pd.DataFrame(columns=["feature_class", "label"])


def check_training_rows(trainer: RunContext, args: TrainingArguments) -> None:
    """Raise ValueError before training when the rows cannot train or select a GRADIEND.

    Training needs at least one row of each target class in ``train``; checkpoint selection needs one
    of each in ``validation`` (an empty validation split falls back to the training rows, with a
    warning). Labels must be finite numbers. The message gives the row counts of every split.
    """
    pair = trainer.require_pair()
    frames = {split: _split_rows(trainer, split) for split in SPLITS}
    for split, rows in frames.items():
        labels = pd.to_numeric(rows["label"], errors="coerce")
        bad = rows.index[labels.isna() | ~labels.abs().le(float("inf"))].tolist()
        if bad:
            raise ValueError(
                f"{len(bad)} {split} rows have a label that is not a finite number (NaN, inf or text), "
                f"e.g. rows {bad[:5]}; labels are +1 ({pair[0]}), -1 ({pair[1]}) or 0 (neutral)"
            )
    counts = {
        split: {name: int((rows["feature_class"] == name).sum()) for name in pair}
        for split, rows in frames.items()
    }
    summary = "; ".join(f"{split}: {counts[split]}" for split in SPLITS)
    missing_train = [name for name in pair if counts["train"][name] < 1]
    if missing_train:
        raise ValueError(
            f"too few rows to train: the train split has no row of {missing_train} (rows per split and "
            f"class: {summary}); training needs at least 1 row of each target class in train"
        )
    validation = counts["validation"]
    if (
        args.do_eval
        and args.eval_strategy != "no"
        and sum(validation.values()) > 0
        and min(validation.values()) < 1
    ):
        raise ValueError(
            f"too few rows to select checkpoints: the validation split lacks a target class (rows per "
            f"split and class: {summary}); it needs at least 1 row of each target class, or none at all "
            "(then training rows are used)"
        )


__all__ = ["check_training_rows"]
