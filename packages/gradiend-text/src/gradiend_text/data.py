"""Normalising user text data into the per-row frame the text trainer works on.

Input (anything :func:`gradiend_text.tables.load_table` reads) in one of three layouts:

* **merged** (the published layout, also what :class:`~gradiend_text.data_creator.TextPredictionDataCreator`
  writes): ``masked`` (text with a ``[MASK]`` placeholder), ``label_class`` (the row's class) and
  ``label`` (the factual word); optionally ``alternative`` + ``alternative_class`` (the explicit
  counterfactual), or one column per class holding that class's word for the row (paired data);
* **per-class dict** ``{class: DataFrame}`` with ``masked`` and a ``label`` column or a column named
  after the class (published per-class layout);
* **unified**: ``masked``, ``factual`` and ``feature_class`` (or the published ``factual_class``), with
  optional ``alternative``/``alternative_class`` -- the output of this module, so it round-trips.

Column names of the merged layout can be changed with :class:`TextColumns`.

Output (:func:`normalize_text_data`), one row per example:

=================== ==========================================================================
``masked``          text with at least one ``[MASK]`` placeholder
``factual``         the word the placeholder stands for in the original text
``alternative``     the counterfactual word (``None`` for rows of classes outside the pair)
``feature_class``   the row's class
``alternative_class`` class of ``alternative`` (``None`` where ``alternative`` is)
``label``           ``+1.0`` for ``target_classes[0]``, ``-1.0`` for ``target_classes[1]``, else ``0.0``
``type``            ``"training"``
``split``           ``train`` / ``validation`` / ``test``
``text``            the unmasked text, only when the input has it
=================== ==========================================================================

Alternatives missing from the input are drawn, for rows of the pair, from the other class's factual
words: a seeded draw weighted by how often each word (compared case-insensitively) occurs, given the
factual word's casing (:func:`gradiend_text.matching.apply_casing`). With one word per class
(``he``/``she``) this is deterministic. Rows without a split column get a seeded per-class
``0.8/0.1/0.1`` split (:func:`assign_splits`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from gradiend.plugins import normalize_split
from gradiend_text.matching import apply_casing
from gradiend_text.tables import TableSource, load_table
from gradiend_text.validation import check_class_names, check_distinct_pair_words

logger = logging.getLogger(__name__)

OUTPUT_COLUMNS: tuple[str, ...] = (
    "masked",
    "factual",
    "alternative",
    "feature_class",
    "alternative_class",
    "label",
    "type",
    "split",
)
"""Columns of :func:`normalize_text_data`'s result (plus ``text`` when the input has it)."""

DEFAULT_SPLIT_RATIOS: tuple[float, float, float] = (0.8, 0.1, 0.1)


@dataclass(frozen=True)
class TextColumns:
    """Column names of the merged input layout (defaults as published)."""

    masked: str = "masked"
    label: str = "label"
    label_class: str = "label_class"
    alternative: str = "alternative"
    alternative_class: str = "alternative_class"
    split: str = "split"


def split_counts(n: int, ratios: Sequence[float] = DEFAULT_SPLIT_RATIOS) -> tuple[int, int, int]:
    """Rows per split for ``n`` rows: validation and test get at least one row each when ``n >= 3``."""
    _, val_ratio, test_ratio = _check_ratios(ratios)
    n_val = round(n * val_ratio)
    n_test = round(n * test_ratio)
    if n >= 3:
        n_val = max(n_val, 1 if val_ratio > 0 else 0)
        n_test = max(n_test, 1 if test_ratio > 0 else 0)
    n_val, n_test = min(n_val, n), min(n_test, max(n - n_val, 0))
    return n - n_val - n_test, n_val, n_test


def _check_ratios(ratios: Sequence[float]) -> tuple[float, float, float]:
    values = tuple(float(r) for r in ratios)
    if len(values) != 3 or any(r < 0 for r in values) or abs(sum(values) - 1.0) > 1e-6:
        raise ValueError(
            f"split ratios must be three non-negative numbers summing to 1, got {tuple(ratios)!r}"
        )
    return values[0], values[1], values[2]


def assign_splits(
    frame: pd.DataFrame, group_column: str, ratios: Sequence[float] = DEFAULT_SPLIT_RATIOS, seed: int = 0
) -> pd.Series:
    """A seeded ``train``/``validation``/``test`` assignment, made separately within each group."""
    result = pd.Series("train", index=frame.index)
    for offset, (_, group) in enumerate(frame.groupby(group_column, sort=True)):
        order = np.random.default_rng(seed + offset).permutation(len(group))
        n_train, n_val, _ = split_counts(len(group), ratios)
        names = np.array(
            ["train"] * n_train + ["validation"] * n_val + ["test"] * (len(group) - n_train - n_val)
        )
        result.loc[group.index[order]] = names
    return result


def _canonical_forms(words: pd.Series) -> dict[str, str]:
    """Per case-folded word: its lower-case spelling when it occurs, else its most frequent spelling."""
    forms: dict[str, str] = {}
    for key, group in words.groupby(words.str.casefold()):
        lower = group[group == group.str.lower()]
        forms[str(key)] = str(lower.iloc[0]) if len(lower) else str(group.value_counts().index[0])
    return forms


def sample_alternatives(factual: pd.Series, other_words: pd.Series, seed: int = 0) -> list[str]:
    """Draw one alternative per factual word from ``other_words`` (see the module docstring)."""
    words = other_words.dropna().astype(str)
    if words.empty:
        raise ValueError("cannot derive alternatives: the other class has no words")
    counts = words.str.casefold().value_counts()
    forms = _canonical_forms(words)
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(counts), size=len(factual), p=(counts / counts.sum()).to_numpy())
    return [apply_casing(str(f), forms[str(counts.index[i])]) for f, i in zip(factual, picks, strict=True)]


def _unified_view(raw: pd.DataFrame, columns: TextColumns) -> pd.DataFrame:
    """Rename the input layout to masked/factual/feature_class/(alternative/alternative_class/split/text)."""
    if "factual" in raw.columns and ("feature_class" in raw.columns or "factual_class" in raw.columns):
        class_column = "feature_class" if "feature_class" in raw.columns else "factual_class"
        mapping = {"masked": "masked", "factual": "factual", class_column: "feature_class"}
        optional = {"alternative": "alternative", "alternative_class": "alternative_class", "split": "split"}
    else:
        mapping = {columns.masked: "masked", columns.label: "factual", columns.label_class: "feature_class"}
        optional = {
            columns.alternative: "alternative",
            columns.alternative_class: "alternative_class",
            columns.split: "split",
        }
    missing = [name for name in mapping if name not in raw.columns]
    if missing:
        raise ValueError(
            f"text data is missing the columns {missing}; it has {list(raw.columns)}. Expected "
            f"{columns.masked!r}, {columns.label!r} (factual word) and {columns.label_class!r} (class), "
            "or the unified 'masked', 'factual', 'feature_class'"
        )
    keep = {**mapping, **{k: v for k, v in optional.items() if k in raw.columns}, "text": "text"}
    view = raw[[c for c in keep if c in raw.columns]].rename(columns=keep)
    view["feature_class"] = view["feature_class"].astype(str)
    view["factual"] = view["factual"].astype(str).str.strip()
    return view


def data_classes(frame: pd.DataFrame, class_column: str = "feature_class") -> list[str]:
    """Classes present in ``frame``, in order of first appearance."""
    return [str(c) for c in pd.unique(frame[class_column].astype(str))]


def _resolve_pair(classes: list[str], target_classes: Sequence[str] | None) -> tuple[str, str]:
    if target_classes is None:
        if len(classes) != 2:
            raise ValueError(
                f"target_classes must be given when the data has {len(classes)} classes: {classes}"
            )
        return classes[0], classes[1]
    targets = [str(c) for c in target_classes]
    if len(targets) != 2:
        raise ValueError(
            f"target_classes must name exactly two classes (one GRADIEND learns one pair), got {targets}; "
            "for more classes train one GRADIEND per pair with gradiend.SymmetricTrainerSuite, or each "
            "class against the rest with gradiend.PositiveTrainerSuite"
        )
    unknown = [c for c in targets if c not in classes]
    if unknown:
        raise ValueError(f"target_classes {unknown} do not occur in the data; its classes are {classes}")
    return targets[0], targets[1]


def extra_alternatives(
    factual: pd.Series, chosen: Sequence[str], other_words: pd.Series, count: int, seed: int = 0
) -> list[list[str]]:
    """Per row up to ``count`` further alternatives: distinct words of the other class, not yet used."""
    forms = _canonical_forms(other_words.dropna().astype(str))
    rng = np.random.default_rng(seed)
    result: list[list[str]] = []
    for word, first in zip(factual, chosen, strict=True):
        pool = [k for k in forms if k not in (str(first).casefold(), str(word).casefold())]
        picks: list[int] = rng.permutation(len(pool))[:count].tolist() if pool else []
        result.append([apply_casing(str(word), forms[pool[i]]) for i in picks])
    return result


def _expand_counterfactuals(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per further alternative drawn for a sentence (same split, so no split leaks)."""
    more = frame.pop(_MORE)
    extra = (
        frame.loc[more.index].assign(alternative=more).explode("alternative").dropna(subset=["alternative"])
    )
    return pd.concat([frame, extra]).sort_index(kind="stable").reset_index(drop=True)


_MORE = "_more_alternatives"


def _pair_alternatives(
    view: pd.DataFrame, raw: pd.DataFrame, pair: tuple[str, str], seed: int, counterfactuals: int = 1
) -> pd.DataFrame:
    """Rows of the pair with their alternative (explicit, paired column, or drawn from the other class).

    With ``counterfactuals`` > 1, rows whose alternative is drawn also get up to that many - 1 further
    alternatives in a list column (expanded into rows after the split is assigned).
    """
    rows = []
    for index, (cls, other) in enumerate((pair, pair[::-1])):
        part = view[view["feature_class"] == cls].copy()
        if "alternative" in part.columns and part["alternative"].notna().any():
            if "alternative_class" in part.columns:
                part = part[part["alternative_class"].astype(str) == other]
            part = part[part["alternative"].notna()]
        elif other in raw.columns and raw.loc[part.index, other].notna().any():
            part["alternative"] = raw.loc[part.index, other]
            part = part[part["alternative"].notna()]
        else:
            others = view.loc[view["feature_class"] == other, "factual"]
            part["alternative"] = sample_alternatives(part["factual"], others, seed + index)
            if counterfactuals > 1:
                part[_MORE] = extra_alternatives(
                    part["factual"], part["alternative"].tolist(), others, counterfactuals - 1, seed + index
                )
        part["alternative"] = [
            apply_casing(f, str(a).strip()) for f, a in zip(part["factual"], part["alternative"], strict=True)
        ]
        part["alternative_class"] = other
        rows.append(part)
    return pd.concat(rows)


def _check_rows(frame: pd.DataFrame, placeholder: str) -> None:
    bad = frame[~frame["masked"].astype(str).str.contains(placeholder, regex=False)]
    if len(bad):
        raise ValueError(
            f"{len(bad)} rows have no {placeholder!r} placeholder in their masked text, e.g. "
            f"{bad['masked'].astype(str).head(3).tolist()}"
        )
    empty = frame[frame["factual"].isin(["", "nan", "None"])]
    if len(empty):
        raise ValueError(f"{len(empty)} rows have no factual word, e.g. {empty['masked'].head(3).tolist()}")


def _with_splits(frame: pd.DataFrame, ratios: Sequence[float], seed: int) -> pd.DataFrame:
    if "split" not in frame.columns or frame["split"].isna().all():
        frame["split"] = assign_splits(frame, "feature_class", ratios, seed)
        return frame
    if frame["split"].isna().any():
        raise ValueError(
            f"the split column has {int(frame['split'].isna().sum())} empty values; fill or drop it"
        )
    frame["split"] = [normalize_split(str(s)) for s in frame["split"]]
    return frame


def normalize_text_data(
    data: TableSource,
    target_classes: Sequence[str] | None = None,
    *,
    columns: TextColumns = TextColumns(),
    mask_placeholder: str = "[MASK]",
    split_ratios: Sequence[float] = DEFAULT_SPLIT_RATIOS,
    seed: int = 0,
    subset: str | None = None,
    max_counterfactuals_per_sentence: int = 1,
) -> pd.DataFrame:
    """Read ``data`` and return the per-row frame described in the module docstring.

    Args:
        data: a DataFrame, per-class dict, ``datasets`` object, path or hub id.
        target_classes: the feature pair (first -> +1, second -> -1) plus optional further classes;
            inferred when the data has exactly two classes (order of first appearance).
        columns: column names of the merged layout.
        mask_placeholder: the placeholder each masked text contains.
        split_ratios: train/validation/test fractions used when the data has no split column.
        seed: seed of drawn alternatives and of the split.
        subset: configuration name for a hub dataset id.
        max_counterfactuals_per_sentence: when an alternative is drawn from the other class's words,
            pair each sentence with up to this many different ones (one row each, all in the
            sentence's split). Explicit alternatives are kept as given.

    Raises:
        ValueError: ``max_counterfactuals_per_sentence`` < 1, or malformed data (see the checks).
    """
    if isinstance(max_counterfactuals_per_sentence, bool) or max_counterfactuals_per_sentence < 1:
        raise ValueError(
            f"max_counterfactuals_per_sentence must be >= 1, got {max_counterfactuals_per_sentence!r}"
        )
    raw = load_table(data, class_column=columns.label_class, subset=subset).reset_index(drop=True)
    if raw.empty:
        raise ValueError("text data has no rows")
    view = _unified_view(raw, columns)
    check_class_names(view, columns.label_class)
    pair = _resolve_pair(data_classes(view), target_classes)
    paired = _pair_alternatives(view, raw, pair, seed, max_counterfactuals_per_sentence)
    check_distinct_pair_words(paired, pair)
    others = (
        view[~view["feature_class"].isin(pair)].drop_duplicates(["masked", "factual", "feature_class"]).copy()
    )
    others["alternative"] = None
    others["alternative_class"] = None
    frame = pd.concat([paired, others]).sort_index(kind="stable").reset_index(drop=True)
    if frame.empty:
        raise ValueError(f"no rows of the classes {list(pair)} have an alternative of the other class")
    _check_rows(frame, mask_placeholder)
    frame["label"] = [1.0 if c == pair[0] else -1.0 if c == pair[1] else 0.0 for c in frame["feature_class"]]
    frame["type"] = "training"
    frame = _with_splits(frame, split_ratios, seed)
    if _MORE in frame.columns:
        frame = _expand_counterfactuals(frame)
    extra = ["text"] if "text" in frame.columns else []
    return frame[[*OUTPUT_COLUMNS, *extra]]


__all__ = [
    "DEFAULT_SPLIT_RATIOS",
    "OUTPUT_COLUMNS",
    "TextColumns",
    "assign_splits",
    "data_classes",
    "normalize_text_data",
    "sample_alternatives",
    "split_counts",
]
