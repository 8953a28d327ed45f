"""Scoring a (rewritten) text model: target-class probabilities and the language-modelling score.

Probability of a word at a masked slot: the product of the probabilities of its sub-tokens. For a
masked LM the word gets one mask token per sub-token and each mask is scored independently (a
pseudo-joint probability); for a causal LM the sub-tokens are scored by the chain rule with teacher
forcing (exact). When the row has a ``factual`` word, each candidate word first takes its casing
(``He`` -> ``She`` at the start of a sentence). A class's probability on a row is the sum over its
(distinct) words; :func:`target_class_probabilities` averages it over the rows.

The language-modelling score (:func:`language_modeling_score`) is a top-1 accuracy on neutral text:
for a masked LM on a seeded random 15 % of the non-special tokens of each text (replaced by the mask
token), for a causal LM on every next token (token ``t + 1`` read from the logits at ``t``), for an
encoder-decoder the span accuracy of one seeded random word per text
(:func:`gradiend_text.seq2seq.span_accuracy_rows`).

A decoder grid scores the same rows at every point: their encodings are kept per tokenizer
(:class:`EncodingCache`), so each row is tokenized once per process, not once per point.
"""

from __future__ import annotations

import weakref
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from gradiend_text.encoding import (
    MASK_PLACEHOLDER,
    EncodedRow,
    Objective,
    TargetBatch,
    check_objective,
    collate,
    encode_row,
    pad_token_id,
)
from gradiend_text.matching import apply_casing
from gradiend_text.objectives import evaluation_mode, target_logits
from gradiend_text.perplexity import tail_windows_nll

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


class EncodingCache:
    """Encoded rows per tokenizer (weakly keyed: a tokenizer's entries go with it), at most ``limit`` each."""

    def __init__(self, limit: int = 200_000) -> None:
        self.limit = limit
        self._rows: weakref.WeakKeyDictionary[PreTrainedTokenizerBase, dict[tuple[str, ...], EncodedRow]]
        self._rows = weakref.WeakKeyDictionary()
        self._lms: weakref.WeakKeyDictionary[
            PreTrainedTokenizerBase, dict[tuple[object, ...], list[EncodedRow]]
        ]
        self._lms = weakref.WeakKeyDictionary()

    def row(
        self,
        tokenizer: PreTrainedTokenizerBase,
        masked: str,
        word: str,
        objective: Objective,
        placeholder: str,
    ) -> EncodedRow:
        """``encode_row(tokenizer, masked, word, objective, placeholder)``, computed once."""
        rows = self._rows.setdefault(tokenizer, {})
        key = (masked, word, objective, placeholder)
        if key not in rows:
            if len(rows) >= self.limit:
                rows.clear()
            rows[key] = encode_row(tokenizer, masked, word, objective, placeholder)
        return rows[key]

    def lms_rows(
        self,
        tokenizer: PreTrainedTokenizerBase,
        texts: Sequence[str],
        objective: Objective,
        seed: int,
        mask_probability: float,
        max_length: int,
    ) -> list[EncodedRow]:
        """The scored rows of :func:`language_modeling_score` for these texts and settings, built once."""
        cached = self._lms.setdefault(tokenizer, {})
        key = (tuple(texts), objective, seed, mask_probability, max_length)
        if key not in cached:
            if len(cached) >= 8:
                cached.clear()
            cached[key] = _lms_rows(tokenizer, texts, objective, seed, mask_probability, max_length)
        return cached[key]


ENCODINGS = EncodingCache()
"""The process-wide cache of encoded rows used by the scoring functions."""


def _score_log_probs(
    model: nn.Module, encoded: Sequence[EncodedRow], pad_id: int, batch_size: int
) -> torch.Tensor:
    """Sum of target log-probabilities per encoded row; rows with identical inputs share one forward row."""
    # Distinct inputs, shortest first: batches of similar lengths waste little on padding.
    inputs = sorted({row.key for row in encoded}, key=lambda key: (len(key[0]), len(key[1])))
    input_index = {key: i for i, key in enumerate(inputs)}
    users: dict[int, list[int]] = defaultdict(list)
    for k, row in enumerate(encoded):
        users[input_index[row.key]].append(k)
    sums = torch.zeros(len(encoded), dtype=torch.float64)
    as_long = partial(torch.tensor, dtype=torch.long)
    for start in range(0, len(inputs), batch_size):
        chunk = range(start, min(start + batch_size, len(inputs)))
        padded = collate([EncodedRow(inputs[i][0], (), (), inputs[i][1]) for i in chunk], pad_id)
        members = [k for i in chunk for k in users[i]]
        batch = TargetBatch(
            padded.input_ids,
            padded.attention_mask,
            as_long([input_index[encoded[k].key] - start for k in members for _ in encoded[k].targets]),
            as_long([p for k in members for p in encoded[k].positions]),
            as_long([t for k in members for t in encoded[k].targets]),
            padded.labels,
        )
        log_probs = torch.log_softmax(target_logits(model, batch).double(), dim=-1).cpu()
        token_scores = log_probs.gather(1, batch.targets.unsqueeze(1)).squeeze(1)
        sums.index_add_(0, as_long([k for k in members for _ in encoded[k].targets]), token_scores)
    return sums


def target_word_probabilities(
    model: nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    rows: pd.DataFrame,
    targets: Mapping[str, Sequence[str]],
    objective: Objective,
    batch_size: int = 32,
    placeholder: str = MASK_PLACEHOLDER,
) -> pd.DataFrame:
    """Per row (same index as ``rows``) and per class of ``targets``: the probability of the class's words."""
    objective = check_objective(objective)
    if not targets or any(not words for words in targets.values()):
        raise ValueError(f"targets must map each class to at least one word, got {dict(targets)!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    factuals = rows["factual"].astype(str).tolist() if "factual" in rows.columns else [""] * len(rows)
    columns = {cls: c for c, cls in enumerate(targets)}
    encoded: list[EncodedRow] = []
    owners: list[tuple[int, int]] = []
    for r, (masked, factual) in enumerate(zip(rows["masked"].astype(str), factuals, strict=True)):
        for cls, words in targets.items():
            for word in dict.fromkeys(apply_casing(factual, w) if factual else w for w in words):
                encoded.append(ENCODINGS.row(tokenizer, masked, word, objective, placeholder))
                owners.append((r, columns[cls]))
    with evaluation_mode(model):
        probabilities = _score_log_probs(model, encoded, pad_token_id(tokenizer), batch_size).exp().numpy()
    table = np.zeros((len(rows), len(columns)))
    if owners:
        where = np.asarray(owners)
        np.add.at(table, (where[:, 0], where[:, 1]), probabilities)
    return pd.DataFrame(table, index=rows.index, columns=list(targets))


def target_class_probabilities(
    model: nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    rows: pd.DataFrame,
    targets: Mapping[str, Sequence[str]],
    objective: Objective,
    batch_size: int = 32,
    placeholder: str = MASK_PLACEHOLDER,
) -> dict[str, float]:
    """Mean over ``rows`` of each class's probability (see the module docstring)."""
    if len(rows) == 0:
        raise ValueError("rows is empty")
    per_row = target_word_probabilities(model, tokenizer, rows, targets, objective, batch_size, placeholder)
    return {str(cls): float(per_row[cls].mean()) for cls in per_row.columns}


def _lms_rows(
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    objective: Objective,
    seed: int,
    mask_probability: float,
    max_length: int,
) -> list[EncodedRow]:
    if objective == "seq2seq":
        from gradiend_text.seq2seq import span_accuracy_rows

        return span_accuracy_rows(tokenizer, texts, seed)
    generator = torch.Generator().manual_seed(seed)
    rows = []
    for text in texts:
        ids = list(tokenizer(str(text), truncation=True, max_length=max_length)["input_ids"])
        if objective == "clm":
            if len(ids) >= 2:
                rows.append(EncodedRow(tuple(ids), tuple(range(len(ids) - 1)), tuple(ids[1:])))
            continue
        special = tokenizer.get_special_tokens_mask(ids, already_has_special_tokens=True)
        candidates = [i for i, s in enumerate(special) if not s]
        if not candidates:
            continue
        k = max(1, round(mask_probability * len(candidates)))
        chosen = sorted(candidates[int(j)] for j in torch.randperm(len(candidates), generator=generator)[:k])
        masked = list(ids)
        for position in chosen:
            masked[position] = int(tokenizer.mask_token_id)
        rows.append(EncodedRow(tuple(masked), tuple(chosen), tuple(ids[p] for p in chosen)))
    return rows


def language_modeling_score(
    model: nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    objective: Objective,
    batch_size: int = 32,
    seed: int = 0,
    mask_probability: float = 0.15,
    max_length: int | None = None,
) -> float:
    """Top-1 accuracy on ``texts`` (see the module docstring); batched by length, padded per batch.

    Texts are cut at ``max_length`` tokens (default: the model's own position limit).
    """
    return language_modeling_utility(
        model, tokenizer, texts, objective, batch_size, seed, mask_probability, max_length
    ).score


@dataclass(frozen=True)
class UtilityPass:
    """One pass of :func:`language_modeling_utility` over neutral texts.

    Attributes:
        score: the top-1 accuracy; when ``complete`` is False, an upper bound already below the
            ``minimum`` asked for.
        complete: whether every text was scored.
        mean_nll: with ``nll=True`` on a complete causal-LM pass, the mean negative log-likelihood per
            token of the whole texts (the log-perplexity of
            :func:`~gradiend_text.perplexity.causal_lm_perplexity`, from the same forward passes); else None.
    """

    score: float
    complete: bool
    mean_nll: float | None = None


def language_modeling_utility(
    model: nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    objective: Objective,
    batch_size: int = 32,
    seed: int = 0,
    mask_probability: float = 0.15,
    max_length: int | None = None,
    minimum: float | None = None,
    nll: bool = False,
) -> UtilityPass:
    """:func:`language_modeling_score` that may stop early, and for a causal LM its NLL too.

    With ``minimum``, scoring stops after the first batch where even all remaining tokens predicted
    right would leave the score below ``minimum``; the result then holds that upper bound and
    ``complete=False``. With ``nll`` (causal LMs only), the pass also sums each scored token's
    negative log-likelihood; a text cut at ``max_length`` adds the NLL of its remaining windows, so
    ``mean_nll`` covers every token of every text as :func:`~gradiend_text.perplexity.causal_lm_perplexity`
    does (there, a text is read in windows of the model's position limit).
    """
    if max_length is None:
        from gradiend_text.validation import position_limit

        max_length = position_limit(model) or 1_000_000
    objective = check_objective(objective)
    if nll and objective != "clm":
        raise ValueError(f"nll=True needs a causal LM (objective 'clm'), got objective {objective!r}")
    if objective == "mlm" and tokenizer.mask_token_id is None:
        raise ValueError("the tokenizer has no mask token; the masked-LM score needs one")
    if not 0.0 < mask_probability <= 1.0:
        raise ValueError(f"mask_probability must be in (0, 1], got {mask_probability}")
    rows = list(ENCODINGS.lms_rows(tokenizer, texts, objective, seed, mask_probability, max_length))
    if not rows:
        raise ValueError(f"no scorable tokens in {len(texts)} texts")
    rows.sort(key=lambda row: len(row.input_ids))  # similar lengths per batch: little padding
    total = sum(len(row.targets) for row in rows)
    correct = seen = 0
    nll_sum = 0.0
    with evaluation_mode(model):
        for start in range(0, len(rows), batch_size):
            batch = collate(rows[start : start + batch_size], pad_token_id(tokenizer))
            logits = target_logits(model, batch)
            predicted = logits.argmax(dim=-1).cpu()
            correct += int((predicted == batch.targets).sum())
            seen += len(batch.targets)
            if nll:
                targets = batch.targets.to(logits.device)
                nll_sum += float(F.cross_entropy(logits.double(), targets, reduction="sum"))
            bound = (correct + total - seen) / total
            if minimum is not None and seen < total and bound < minimum:
                return UtilityPass(bound, False)
        if not nll:
            return UtilityPass(correct / total, True)
        tail_sum, tail_tokens = _tail_nll(model, tokenizer, texts, rows, max_length)
    return UtilityPass(correct / total, True, (nll_sum + tail_sum) / (total + tail_tokens))


def _tail_nll(
    model: nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    rows: Sequence[EncodedRow],
    max_length: int,
) -> tuple[float, int]:
    """NLL and tokens of the windows after the first of each text longer than ``max_length``."""
    if all(len(row.input_ids) < max_length for row in rows):
        return 0.0, 0
    total, count = 0.0, 0
    for text in texts:
        ids = tokenizer(str(text))["input_ids"]
        if len(ids) > max_length:
            text_sum, text_tokens = tail_windows_nll(model, ids, max_length)
            total, count = total + text_sum, count + text_tokens
    return total, count


__all__ = [
    "ENCODINGS",
    "EncodingCache",
    "UtilityPass",
    "evaluation_mode",
    "language_modeling_score",
    "language_modeling_utility",
    "target_class_probabilities",
    "target_word_probabilities",
]
