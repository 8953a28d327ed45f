"""Score one (edited) model with the library's own scoring functions, the same way for every method.

A :class:`Measurement` holds, for the validation rows (selection) and the held-out rows (report), the
mean probability of " he" and " she" on each class's rows
(``gradiend_text.scoring.target_word_probabilities``, the function behind the decoder grid), the
utility on the selection and held-out neutral texts (``gradiend_text.scoring.language_modeling_score``:
next-token accuracy for a causal LM), and the next-token probabilities after the demo's prompts.
An edit that works through hooks (steering, LEACE) is scored while its hooks are attached; a weight
rewrite is scored on the rewritten weights.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd
import torch
from torch import nn

from benchmarks.peers.data import PAIR, TARGETS, PeerData

Probabilities = dict[str, dict[str, float]]
"""``{on_class: {target_class: mean probability}}`` (as in ``BaseModelScores.probabilities``)."""


@dataclass
class Measurement:
    """Scores of one model (base, or one setting of one method)."""

    selection: Probabilities
    held_out: Probabilities
    lms_selection: float
    lms_held_out: float
    prompts: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Measurement:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)


def strengthen_value(probabilities: Probabilities, cls: str = "she") -> float:
    """P(cls) on the other class's rows (the decoder grid's strengthening value)."""
    other = PAIR[1] if cls == PAIR[0] else PAIR[0]
    return probabilities[other][cls]


def gap(probabilities: Probabilities, on_class: str) -> float:
    """P(the class's own word) - P(the other word) on ``on_class`` rows: the model's he/she preference."""
    other = PAIR[1] if on_class == PAIR[0] else PAIR[0]
    return probabilities[on_class][on_class] - probabilities[on_class][other]


class Scorer:
    """Measures models on a :class:`PeerData` (the same rows, texts, prompts and batch size for all)."""

    def __init__(
        self,
        tokenizer: Any,
        objective: str,
        data: PeerData,
        prompts: Sequence[tuple[str, str]],
        batch_size: int = 16,
    ) -> None:
        from gradiend_text.encoding import check_objective

        self.tokenizer = tokenizer
        self.objective = check_objective(objective)
        self.data = data
        self.batch_size = batch_size
        scored = data.rows[data.rows["split"].isin(["validation", "test"])].reset_index(drop=True)
        self.rows = scored
        self.prompts = pd.DataFrame({"masked": [p for p, _ in prompts], "factual": [f for _, f in prompts]})

    def __call__(self, model: nn.Module) -> Measurement:
        """Score ``model`` (in its current state, hooks included)."""
        from gradiend_text.scoring import language_modeling_score, target_word_probabilities

        start = time.perf_counter()
        per_row = target_word_probabilities(
            model, self.tokenizer, self.rows, TARGETS, self.objective, self.batch_size
        )
        by_split: dict[str, Probabilities] = {}
        for split in ("validation", "test"):
            mask = (self.rows["split"] == split).to_numpy()
            means = per_row[mask].groupby(self.rows.loc[mask, "cls"].to_numpy()).mean()
            by_split[split] = {
                str(c): {str(t): float(means.loc[c, t]) for t in TARGETS} for c in PAIR if c in means.index
            }
        lms_sel, lms_held = (
            language_modeling_score(model, self.tokenizer, texts, self.objective, self.batch_size, seed=0)
            for texts in (self.data.neutral_selection, self.data.neutral_held_out)
        )
        table = target_word_probabilities(
            model, self.tokenizer, self.prompts, TARGETS, self.objective, self.batch_size
        )
        prompts = {
            str(p).replace(" [MASK]", "").replace("[MASK]", ""): {t: float(table.loc[i, t]) for t in TARGETS}
            for i, p in enumerate(self.prompts["masked"])
        }
        return Measurement(
            selection=by_split["validation"],
            held_out=by_split["test"],
            lms_selection=lms_sel,
            lms_held_out=lms_held,
            prompts=prompts,
            seconds=time.perf_counter() - start,
        )


ApplyFn = Callable[[], AbstractContextManager[Any]]
"""Returns a context manager inside which the model runs with the edit (hooks) applied."""


def forward_batch(tokenizer: Any, texts: Sequence[str], max_length: int = 64) -> dict[str, torch.Tensor]:
    """A padded batch of ``texts`` for timing forward passes."""
    if tokenizer.pad_token_id is None:
        raise ValueError("the tokenizer has no pad token; set one before timing padded batches")
    encoded = tokenizer(
        list(texts), return_tensors="pt", padding=True, truncation=True, max_length=max_length
    )
    return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}


def _forward_seconds(model: nn.Module, batch: dict[str, torch.Tensor], apply: ApplyFn) -> float:
    with apply(), torch.no_grad():
        start = time.perf_counter()
        model(**batch)
        return time.perf_counter() - start


def inference_overhead(
    base: nn.Module,
    edited: nn.Module,
    batch: dict[str, torch.Tensor],
    apply: ApplyFn | None = None,
    repeats: int = 15,
) -> dict[str, float]:
    """Median extra seconds per forward pass of ``edited`` (with ``apply``'s hooks) over ``base``.

    Base and edited passes alternate (one warm-up each), so load from other processes hits both alike;
    the difference is taken per pair and its median reported, with the base median for scale.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    edit = apply or nullcontext
    _forward_seconds(base, batch, nullcontext)
    _forward_seconds(edited, batch, edit)
    base_times, diffs = [], []
    for _ in range(repeats):
        b = _forward_seconds(base, batch, nullcontext)
        e = _forward_seconds(edited, batch, edit)
        base_times.append(b)
        diffs.append(e - b)
    base_median = statistics.median(base_times)
    extra = statistics.median(diffs)
    return {"base_s": base_median, "extra_s": extra, "extra_ratio": extra / base_median}


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """``(fn(), seconds)``."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


__all__ = [
    "ApplyFn",
    "Measurement",
    "Probabilities",
    "Scorer",
    "forward_batch",
    "gap",
    "inference_overhead",
    "strengthen_value",
    "timed",
]
