"""Building masked training data and neutral data for text prediction from raw texts.

:class:`TextPredictionDataCreator` splits raw texts into sentences
(:mod:`gradiend_text.sentences`), finds the target words of each class (:mod:`gradiend_text.matching`:
whole words, case-aware, ``He`` matches the target ``he``), masks them and returns rows per class.

Rules for one sentence:

* it is kept for a class only when no word of another class occurs in it (ambiguous sentences are
  skipped);
* every occurrence of the class's words is masked; when they are not all the same surface form
  (``He ... he``, ``he ... him``) the sentence is skipped, because a row carries one factual word;
* the first occurrence needs at least ``min_left_context_words`` words before it (causal LMs predict
  the word from the text before it);
* duplicate masked sentences of a class are kept once.

With exactly two classes every row also gets its ``alternative`` word: when both classes list the same
number of targets, the word at the same position of the other list (``["he", "him"]`` vs
``["she", "her"]``); otherwise a seeded draw from the other class's matched words (see
:func:`gradiend_text.data.sample_alternatives`). The alternative takes the factual word's casing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeAlias

import pandas as pd

from gradiend_text.data import assign_splits, sample_alternatives
from gradiend_text.fileio import write_table
from gradiend_text.matching import (
    WordMatch,
    apply_casing,
    contains_any_word,
    find_words,
    left_context_words,
    mask_matches,
)
from gradiend_text.preprocess import (
    SpacyTagSpec,
    TextPreprocessConfig,
    load_spacy,
    preprocess_texts,
    spans_match_tags,
)
from gradiend_text.sentences import iter_sentences
from gradiend_text.tables import TableSource, load_table

logger = logging.getLogger(__name__)

BaseData: TypeAlias = str | Path | pd.DataFrame | Sequence[str] | TableSource
"""Raw texts: a list of strings, or a table with ``text_column`` (:data:`gradiend_text.tables.TableSource`:
a DataFrame, a ``datasets`` object, a .csv/.parquet path or data directory), or a hub dataset id (its
``split``/``hf_config`` are loaded)."""

FORMATS = ("per_class", "unified", "minimal")
_RESERVED_IDS = frozenset(
    {
        "text",
        "masked",
        "label",
        "token_count",
        "split",
        "alternative",
        "alternative_class",
        "label_class",
        "feature_class_id",
    }
)


@dataclass
class TextFilterConfig:
    """The target words of one class.

    Args:
        targets: the words (or nested configs whose words are added); alternatively ``target``.
        target: a single word (shorthand for ``targets=[target]``).
        id: the class name; defaults to the first word.
        mask: the placeholder written in place of a match.
        min_left_context_words: per-class override of the creator's ``min_left_context_words``.
        spacy_tags: keep a match only when its spaCy token has these attributes
            (:data:`gradiend_text.preprocess.SpacyTagSpec`, e.g. ``{"pos": "PRON"}``); needs the
            creator's ``spacy_model``.
    """

    targets: list[str | TextFilterConfig] | None = None
    target: str | None = None
    id: str | None = None
    mask: str = "[MASK]"
    min_left_context_words: int | None = None
    spacy_tags: SpacyTagSpec | None = None

    def __post_init__(self) -> None:
        if self.target is not None and self.targets is not None:
            raise ValueError("TextFilterConfig: give either target or targets, not both")
        if self.target is not None:
            self.targets = [self.target]
        elif isinstance(self.targets, str):
            self.targets = [self.targets]
        if not self.targets:
            raise ValueError(f"TextFilterConfig.targets must name at least one word, got {self.targets!r}")
        if self.min_left_context_words is not None and self.min_left_context_words < 0:
            raise ValueError(f"min_left_context_words must be >= 0, got {self.min_left_context_words}")
        if not self.mask:
            raise ValueError("TextFilterConfig.mask must be a non-empty string")
        if self.id is None:
            self.id = self.words()[0]

    def words(self) -> list[str]:
        """The target words, nested configs flattened, duplicates removed, in order."""
        words: list[str] = []
        for item in self.targets or []:
            if isinstance(item, TextFilterConfig):
                words.extend(item.words())
            elif isinstance(item, str) and item.strip():
                words.append(item.strip())
            else:
                raise TypeError(
                    f"TextFilterConfig.targets holds {item!r}; use non-empty strings or TextFilterConfig"
                )
        return list(dict.fromkeys(words))

    @property
    def class_id(self) -> str:
        """The class name (``id``)."""
        assert self.id is not None
        return self.id


class TextPredictionDataCreator:
    """Create masked training rows and neutral sentences from raw texts (rules: module docstring).

    Args:
        base_data: raw texts (:data:`BaseData`).
        text_column: column of the texts when ``base_data`` is tabular.
        base_max_size: keep a seeded random sample of this many texts.
        split: split to load when ``base_data`` is a hub dataset id.
        hf_config: configuration name of a hub dataset.
        feature_targets: one :class:`TextFilterConfig` per class.
        min_left_context_words: words required before the first match (per-config override possible).
        seed: seed for sampling, balancing, splitting and drawn alternatives.
        preprocess: how texts become sentences (:class:`~gradiend_text.preprocess.TextPreprocessConfig`:
            splitting, length limits, deduplication); default: the built-in sentence split.
        spacy_model: an installed spaCy pipeline name or a loaded pipeline, for ``spacy_tags`` filters
            and (with ``preprocess``) spaCy sentence splitting.
    """

    def __init__(
        self,
        base_data: BaseData,
        text_column: str = "text",
        base_max_size: int | None = None,
        split: str = "train",
        hf_config: str | None = None,
        feature_targets: Sequence[TextFilterConfig] | None = None,
        min_left_context_words: int = 10,
        seed: int = 42,
        preprocess: TextPreprocessConfig | None = None,
        spacy_model: str | Any = None,
    ) -> None:
        if min_left_context_words < 0:
            raise ValueError(f"min_left_context_words must be >= 0, got {min_left_context_words}")
        if base_max_size is not None and base_max_size < 1:
            raise ValueError(f"base_max_size must be >= 1 or None, got {base_max_size}")
        self.feature_targets = list(feature_targets or [])
        ids = [cfg.class_id for cfg in self.feature_targets]
        if len(set(ids)) != len(ids):
            raise ValueError(f"feature_targets must have distinct ids, got {ids}")
        reserved = sorted(_RESERVED_IDS.intersection(ids))
        if reserved:
            raise ValueError(f"feature_targets ids {reserved} clash with output column names; set another id")
        self.base_data = base_data
        self.text_column = text_column
        self.base_max_size = base_max_size
        self.split = split
        self.hf_config = hf_config
        self.min_left_context_words = min_left_context_words
        self.seed = seed
        self.preprocess = preprocess
        tagged = [cfg.class_id for cfg in self.feature_targets if cfg.spacy_tags]
        if tagged and spacy_model is None:
            raise ValueError(
                f"feature_targets {tagged} set spacy_tags; pass spacy_model= (an installed spaCy pipeline "
                "name or a loaded pipeline)"
            )
        self._nlp = load_spacy(spacy_model) if spacy_model is not None else None
        self._texts: list[str] | None = None

    # --- base texts -------------------------------------------------------------------------------

    def _load_texts(self, source: BaseData) -> list[str]:
        if isinstance(source, (list, tuple)):
            frame = pd.DataFrame({self.text_column: [str(t) for t in source]})
        elif isinstance(source, (str, Path)) and not Path(source).exists() and Path(source).suffix == "":
            from datasets import load_dataset

            frame = pd.DataFrame(load_dataset(str(source), self.hf_config, split=self.split).to_pandas())
        else:
            frame = load_table(source)
        if self.text_column not in frame.columns:
            raise ValueError(
                f"text_column {self.text_column!r} is not in the base data columns {list(frame.columns)}"
            )
        texts = frame[self.text_column].dropna().astype(str)
        if self.base_max_size is not None and len(texts) > self.base_max_size:
            texts = texts.sample(n=self.base_max_size, random_state=self.seed).sort_index()
        return texts.tolist()

    def texts(self, base_data: BaseData | None = None) -> list[str]:
        """The raw texts (cached for the creator's own ``base_data``)."""
        if base_data is not None:
            return self._load_texts(base_data)
        if self._texts is None:
            self._texts = self._load_texts(self.base_data)
        return self._texts

    # --- training data ----------------------------------------------------------------------------

    def _min_context(self, cfg: TextFilterConfig) -> int:
        return (
            self.min_left_context_words if cfg.min_left_context_words is None else cfg.min_left_context_words
        )

    def _match_rows(self) -> tuple[dict[str, list[dict[str, object]]], Counter[str]]:
        rows: dict[str, list[dict[str, object]]] = {cfg.class_id: [] for cfg in self.feature_targets}
        seen: dict[str, set[str]] = {cfg.class_id: set() for cfg in self.feature_targets}
        skipped: Counter[str] = Counter()
        words = {cfg.class_id: cfg.words() for cfg in self.feature_targets}
        for sentence in self._sentences(self.texts()):
            hits = {cid: m for cid, w in words.items() if (m := find_words(sentence, w))}
            if len(hits) != 1:
                skipped["ambiguous" if hits else "no_target"] += 1
                continue
            ((cid, matches),) = hits.items()
            cfg = next(c for c in self.feature_targets if c.class_id == cid)
            if len({m.word for m in matches}) > 1:
                skipped["mixed_forms"] += 1
            elif cfg.spacy_tags and not self._tags_match(sentence, matches, cfg.spacy_tags):
                skipped["spacy_tags"] += 1
            elif left_context_words(sentence, matches[0].start) < self._min_context(cfg):
                skipped["short_left_context"] += 1
            elif (masked := mask_matches(sentence, matches, cfg.mask)) not in seen[cid]:
                seen[cid].add(masked)
                rows[cid].append(
                    {
                        "text": sentence,
                        "masked": masked,
                        "label": matches[0].word,
                        "token_count": len(matches),
                    }
                )
        return rows, skipped

    def _sentences(self, texts: list[str]) -> Iterable[str]:
        """The built-in sentence split, or ``preprocess`` when given."""
        if self.preprocess is None:
            return iter_sentences(texts)
        return preprocess_texts(texts, self.preprocess, self._nlp)

    def _tags_match(self, sentence: str, matches: Sequence[WordMatch], tags: SpacyTagSpec) -> bool:
        assert self._nlp is not None
        return spans_match_tags(self._nlp, sentence, [(m.start, m.end) for m in matches], tags)

    def _class_frames(self, max_size_per_class: int | None, balance: bool) -> dict[str, pd.DataFrame]:
        if len(self.feature_targets) < 1:
            raise ValueError("feature_targets must hold at least one TextFilterConfig")
        rows, skipped = self._match_rows()
        counts = {cid: len(r) for cid, r in rows.items()}
        logger.info("Matched rows per class: %s (skipped sentences: %s)", counts, dict(skipped))
        empty = [cid for cid, n in counts.items() if n == 0]
        if empty:
            targets = {cfg.class_id: cfg.words() for cfg in self.feature_targets}
            raise ValueError(
                f"no sentence matched the classes {empty} (targets {targets}); rows per class: {counts}; "
                f"skipped sentences: {dict(skipped)}. Use more base data or lower min_left_context_words "
                f"(now {self.min_left_context_words})"
            )
        cap = min(counts.values()) if balance else None
        if max_size_per_class is not None:
            cap = max_size_per_class if cap is None else min(cap, max_size_per_class)
        frames = {}
        for cid, class_rows in rows.items():
            frame = pd.DataFrame(class_rows).sample(frac=1.0, random_state=self.seed).reset_index(drop=True)
            frames[cid] = frame.head(cap).reset_index(drop=True) if cap is not None else frame
        return frames

    def _add_alternatives(self, frames: dict[str, pd.DataFrame]) -> None:
        if len(self.feature_targets) != 2:
            return
        for own, other in (self.feature_targets, self.feature_targets[::-1]):
            frame = frames[own.class_id]
            own_words, other_words = own.words(), other.words()
            if len(own_words) == len(other_words):
                aligned = {w.casefold(): o for w, o in zip(own_words, other_words, strict=True)}
                alternatives = [apply_casing(w, aligned[w.casefold()]) for w in frame["label"]]
            else:
                pool = frames[other.class_id]["label"]
                alternatives = sample_alternatives(frame["label"], pool, self.seed)
            frame["alternative"] = alternatives
            frame["alternative_class"] = other.class_id

    def generate_training_data(
        self,
        max_size_per_class: int | None = None,
        format: str = "per_class",
        balance: bool = True,
        output: str | Path | None = None,
        train_ratio: float = 0.8,
        val_ratio: float = 0.1,
        test_ratio: float = 0.1,
        min_rows_per_class_for_split: int = 10,
    ) -> dict[str, pd.DataFrame] | pd.DataFrame:
        """Masked rows per class, split into train/validation/test.

        Args:
            max_size_per_class: cap on rows per class (a seeded sample).
            format: ``"per_class"`` -> ``{class: DataFrame}`` with columns ``text``, ``masked``,
                ``label`` (the factual word), ``token_count`` (masked occurrences), ``split``, a column
                named after the class (its word) and, for two classes, ``alternative`` and
                ``alternative_class``; ``"unified"`` -> one DataFrame with ``masked``, ``split``,
                ``label_class``, ``label``, ``feature_class_id`` (+ ``alternative``,
                ``alternative_class``, ``text``); ``"minimal"`` -> ``masked``, ``label``,
                ``label_class``, ``split``.
            balance: cut every class to the size of the smallest (seeded); ``False`` keeps all rows.
            output: also write the unified table to this .csv/.parquet path (atomically).
            train_ratio: fraction of each class in ``train``.
            val_ratio: fraction of each class in ``validation``.
            test_ratio: fraction of each class in ``test`` (the three sum to 1).
            min_rows_per_class_for_split: fewer rows in a class raise an error (0 disables the check).

        Raises:
            ValueError: a class matched no sentence or too few, a bad ``format`` or bad ratios.
        """
        if format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
        ratios = (train_ratio, val_ratio, test_ratio)
        frames = self._class_frames(max_size_per_class, balance)
        small = {cid: len(f) for cid, f in frames.items() if len(f) < min_rows_per_class_for_split}
        if small:
            raise ValueError(
                f"classes {small} have fewer rows than "
                f"min_rows_per_class_for_split={min_rows_per_class_for_split}; "
                "rows; add base data or lower min_rows_per_class_for_split"
            )
        for cid, frame in frames.items():
            frame["split"] = assign_splits(frame.assign(_class=cid), "_class", ratios, self.seed)
            frame[cid] = frame["label"]
        self._add_alternatives(frames)
        unified = _unified(frames)
        if output is not None:
            write_table(unified, output)
        if format == "per_class":
            return frames
        if format == "minimal":
            return unified[["masked", "label", "label_class", "split"]]
        return unified

    # --- neutral data -----------------------------------------------------------------------------

    def generate_neutral_data(
        self,
        base_data: BaseData | None = None,
        additional_excluded_words: Sequence[str] | None = None,
        max_size: int | None = None,
        format: str = "minimal",
        output: str | Path | None = None,
    ) -> pd.DataFrame:
        """Sentences with none of the target words nor ``additional_excluded_words`` (any case).

        Returns a DataFrame with one column ``text`` in corpus order; ``max_size`` keeps a seeded sample.
        """
        if format != "minimal":
            raise ValueError(f"generate_neutral_data supports format='minimal' only, got {format!r}")
        excluded = [w for cfg in self.feature_targets for w in cfg.words()]
        excluded += [str(w) for w in additional_excluded_words or []]
        sentences = list(dict.fromkeys(self._sentences(self.texts(base_data))))
        neutral = pd.DataFrame({"text": [s for s in sentences if not contains_any_word(s, excluded)]})
        if max_size is not None and len(neutral) > max_size:
            neutral = neutral.sample(n=max_size, random_state=self.seed).sort_index().reset_index(drop=True)
        logger.info("Neutral sentences: %d of %d", len(neutral), len(sentences))
        if output is not None:
            write_table(neutral, output)
        return neutral


def _unified(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    parts = []
    for cid, frame in frames.items():
        part = frame.drop(columns=[cid]).assign(label_class=cid, feature_class_id=cid)
        parts.append(part)
    unified = pd.concat(parts, ignore_index=True)
    first = ["masked", "split", "label_class", "label", "feature_class_id"]
    return unified[first + [c for c in ("alternative", "alternative_class", "text") if c in unified.columns]]


__all__ = ["BaseData", "TextFilterConfig", "TextPredictionDataCreator"]
