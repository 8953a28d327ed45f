"""Checks of text data before any gradient: each failure names the row or word and what would be valid.

* Rows without a class (NaN or empty class names) and pair rows whose factual and alternative words are
  the same word are refused when the data is read.
* Once the model and tokenizer are loaded: every pair row must fit the model's position limit (an
  error naming the row; rows are never truncated, since truncation could cut the target word away),
  and every target word must be in the tokenizer's vocabulary (no unknown token).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
from torch import nn

from gradiend_text.encoding import encode_row

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from gradiend_text.objectives import Objective

_MISSING = {"", "nan", "none", "<na>"}


def check_class_names(view: pd.DataFrame, class_column: str) -> None:
    """Refuse rows whose class is NaN or empty (``view`` holds the classes as strings)."""
    classes = view["feature_class"]
    missing = classes.isna() | classes.astype(str).str.strip().str.lower().isin(_MISSING)
    bad = view.index[missing].tolist()
    if bad:
        raise ValueError(
            f"{len(bad)} rows have no class (NaN or empty in the column {class_column!r}), e.g. rows "
            f"{bad[:5]}; give every row its class or drop these rows"
        )


def check_distinct_pair_words(frame: pd.DataFrame, pair: tuple[str, str]) -> None:
    """Refuse pair rows whose alternative is the factual word itself (nothing to contrast)."""
    rows = frame[frame["feature_class"].isin(pair) & frame["alternative"].notna()]
    same = rows[rows["factual"].str.lower() == rows["alternative"].astype(str).str.lower()]
    if len(same):
        first = same.iloc[0]
        raise ValueError(
            f"{len(same)} rows have the same target word for both classes {list(pair)}, e.g. row "
            f"{same.index[0]}: {first['factual']!r} ({first['feature_class']}) vs {first['alternative']!r}; "
            "the two classes need different words"
        )


def position_limit(model: nn.Module) -> int | None:
    """The longest input (in tokens) the model's position embeddings allow, or None when unbounded."""
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions", "max_seq_len"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def check_rows_fit_model(
    rows: pd.DataFrame,
    tokenizer: PreTrainedTokenizerBase,
    objective: Objective,
    placeholder: str,
    limit: int | None,
) -> None:
    """Refuse a row that is longer than ``limit`` tokens, or whose target word encodes as unknown.

    Both the factual and the alternative word are filled in and encoded as training encodes them.
    """
    unknown_id = tokenizer.unk_token_id
    for index, row in rows.iterrows():
        for column in ("factual", "alternative"):
            word = row.get(column)
            if word is None or (isinstance(word, float) and pd.isna(word)):
                continue
            encoded = encode_row(tokenizer, str(row["masked"]), str(word), objective, placeholder)
            if limit is not None and len(encoded.input_ids) > limit:
                raise ValueError(
                    f"row {index} is {len(encoded.input_ids)} tokens long with its {column} word {word!r}, "
                    f"but the model reads at most {limit} positions; shorten this text (it is not "
                    f"truncated, which could cut the target away): {str(row['masked'])[:80]!r}"
                )
            if unknown_id is not None and unknown_id in encoded.targets:
                raise ValueError(
                    f"row {index}: the {column} word {word!r} is not in the vocabulary of the tokenizer "
                    f"{tokenizer.name_or_path!r} (it encodes as the unknown token {tokenizer.unk_token!r}); "
                    "use words the model knows"
                )


__all__ = [
    "check_class_names",
    "check_distinct_pair_words",
    "check_rows_fit_model",
    "position_limit",
]
