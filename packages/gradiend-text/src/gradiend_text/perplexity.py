"""Perplexity of a causal LM on texts of any length, computed in log space.

Texts that fit the model's window are scored in padded batches. A longer text is tokenized whole and
read in windows of at most ``max_length`` tokens (default: the
model's ``max_position_embeddings``/``n_positions``) that advance by ``stride`` tokens; every token
after the first is scored exactly once, with up to ``max_length - 1`` tokens of left context (the
sliding-window evaluation of long texts). Negative log-likelihoods are summed in float64; the result
holds the mean NLL (the log-perplexity) and the perplexity ``exp(mean NLL)``, which is ``inf`` (not an
error) when it exceeds the float range. The published library fed whole texts to the model (a text
longer than the position table failed) and exponentiated without a guard.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from gradiend_text.objectives import evaluation_mode, model_device

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

_MAX_EXP = math.log(1.7976931348623157e308)


@dataclass(frozen=True)
class Perplexity:
    """Perplexity of a causal LM on a set of texts (see the module docstring)."""

    perplexity: float
    mean_nll: float
    total_nll: float
    total_tokens: int


def context_length(model: nn.Module) -> int | None:
    """The model's position limit (``max_position_embeddings`` or ``n_positions``), if it has one."""
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _windows(length: int, max_length: int, stride: int) -> list[tuple[int, int, int]]:
    """``(begin, end, first scored)`` per window: tokens ``first..end-1`` are scored in ``begin..end``."""
    windows, scored_until = [], 1
    begin = 0
    while scored_until < length:
        end = min(begin + max_length, length)
        windows.append((begin, end, scored_until))
        scored_until = end
        begin = max(0, min(begin + stride, end - 1))
        if end == length:
            break
    return windows


def _text_nll(
    model: nn.Module, ids: Sequence[int], max_length: int, stride: int, skip: int = 0
) -> tuple[float, int]:
    """Summed NLL and token count of one long text over its windows, the first ``skip`` left out."""
    total, count = 0.0, 0
    device = model_device(model)
    for begin, end, first in _windows(len(ids), max_length, stride)[skip:]:
        window = torch.tensor([ids[begin:end]], dtype=torch.long, device=device)
        logits = model(input_ids=window).logits[0, :-1].double()
        targets = window[0, 1:]
        nll = F.cross_entropy(logits, targets, reduction="none")
        scored = nll[first - 1 - begin :]
        total += float(scored.sum())
        count += int(scored.numel())
    return total, count


def tail_windows_nll(model: nn.Module, ids: Sequence[int], max_length: int) -> tuple[float, int]:
    """NLL and token count of a text longer than ``max_length``, all windows but the first.

    The first window (tokens ``1 .. max_length - 1`` with the text's start as context) is the text cut at
    ``max_length``; a caller that scored the cut text already adds this rest to get the whole text's
    NLL as :func:`causal_lm_perplexity` reads it (default stride ``max_length // 2``).
    """
    return _text_nll(model, ids, max_length, max(1, max_length // 2), skip=1)


def _batched_nll(model: nn.Module, rows: list[list[int]], pad_id: int) -> tuple[float, int]:
    """Summed NLL of texts that fit one window, scored in one padded batch (right padding)."""
    device = model_device(model)
    length = max(len(ids) for ids in rows)
    input_ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros_like(input_ids)
    for i, ids in enumerate(rows):
        input_ids[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        mask[i, : len(ids)] = 1
    input_ids, mask = input_ids.to(device), mask.to(device)
    logits = model(input_ids=input_ids, attention_mask=mask).logits[:, :-1].double()
    targets = input_ids[:, 1:].masked_fill(mask[:, 1:] == 0, -100)
    nll = F.cross_entropy(logits.transpose(1, 2), targets, reduction="sum", ignore_index=-100)
    return float(nll), int((targets != -100).sum())


def causal_lm_perplexity(
    model: nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    max_length: int | None = None,
    stride: int | None = None,
    batch_size: int = 32,
) -> Perplexity:
    """Perplexity of ``model`` on ``texts`` (see the module docstring).

    Args:
        model: a causal LM returning ``.logits``.
        tokenizer: its tokenizer (special tokens it adds, e.g. a BOS token, are part of the text).
        texts: the texts; each is scored separately (no context crosses texts).
        max_length: the window length in tokens (default: the model's position limit, else 1024).
        stride: how far each window advances (default: ``max_length // 2``); between 1 and ``max_length``.
        batch_size: texts that fit one window are scored this many at a time.

    Raises:
        ValueError: for a bad ``max_length``/``stride``, or when no text has two tokens.
    """
    limit = max_length or context_length(model) or 1024
    if limit < 2:
        raise ValueError(f"max_length must be >= 2, got {limit}")
    step = stride if stride is not None else max(1, limit // 2)
    if not 1 <= step <= limit:
        raise ValueError(f"stride must be between 1 and max_length={limit}, got {step}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    from gradiend_text.encoding import pad_token_id

    encoded = [list(tokenizer(str(text))["input_ids"]) for text in texts]
    short = sorted((ids for ids in encoded if 2 <= len(ids) <= limit), key=len)
    total, count = 0.0, 0
    with evaluation_mode(model):
        for start in range(0, len(short), batch_size):
            nll, n = _batched_nll(model, short[start : start + batch_size], pad_token_id(tokenizer))
            total, count = total + nll, count + n
        for ids in (ids for ids in encoded if len(ids) > limit):
            nll, n = _text_nll(model, ids, limit, step)
            total, count = total + nll, count + n
    if count == 0:
        raise ValueError(f"none of the {len(texts)} texts has two tokens to score")
    mean = total / count
    perplexity = math.exp(mean) if mean < _MAX_EXP else math.inf
    return Perplexity(perplexity=perplexity, mean_nll=mean, total_nll=total, total_tokens=count)


__all__ = ["Perplexity", "causal_lm_perplexity", "context_length", "tail_windows_nll"]
