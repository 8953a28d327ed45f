"""Encoder-decoder models (T5, BART, ...): the ``seq2seq_encoder_mlm`` objective.

The target word is hidden from the encoder and the decoder predicts it, the way each family was
pre-trained:

* **Sentinel scheme** (T5, mT5: the tokenizer has ``<extra_id_0>`` and no mask token): the encoder
  reads the text with the placeholder replaced by ``<extra_id_0>``; the decoder labels are
  ``<extra_id_0> w1 .. wn`` (the span), so target sub-token ``wi`` is scored at label position ``i``.
* **Mask-token scheme** (BART, mBART: the tokenizer has a mask token): the encoder reads the text with
  the placeholder replaced by one mask token (text infilling masks a whole span with one token); the
  decoder labels are the text up to and including the target word (BART reconstructs the text), so
  the target sub-tokens are scored at their own positions in those labels.

The decoder is teacher forced: its inputs are the labels shifted right by the model
(:func:`decoder_input_ids`). The utility score of this objective (:func:`span_accuracy_rows`) is the
*span accuracy* on neutral text: one seeded random word per sentence is masked as above and the score
is the share of its sub-tokens the decoder predicts top-1 (teacher forced).
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch

from gradiend_text.encoding import MASK_PLACEHOLDER, EncodedRow, _special_prefix_suffix, word_token_ids

if TYPE_CHECKING:
    from torch import nn
    from transformers import PreTrainedTokenizerBase

SENTINEL = "<extra_id_0>"
"""The first T5 sentinel token: the masked span in the encoder and the span's start in the labels."""

_WORD = re.compile(r"[^\W\d_]+")


def sentinel_id(tokenizer: PreTrainedTokenizerBase) -> int | None:
    """The id of ``<extra_id_0>`` when the tokenizer knows it as a token, else ``None``."""
    token_id = tokenizer.convert_tokens_to_ids(SENTINEL)
    if not isinstance(token_id, int) or token_id == tokenizer.unk_token_id:
        return None
    return token_id


def check_seq2seq_tokenizer(tokenizer: PreTrainedTokenizerBase) -> int | None:
    """The sentinel id (T5 scheme) or ``None`` when the tokenizer has a mask token (BART scheme).

    Raises:
        ValueError: when the tokenizer has neither.
    """
    if tokenizer.mask_token_id is not None:
        return None
    sentinel = sentinel_id(tokenizer)
    if sentinel is None:
        raise ValueError(
            f"tokenizer {tokenizer.name_or_path!r} has neither a mask token (BART-style) nor the sentinel "
            f"{SENTINEL!r} (T5-style); prediction_objective='seq2seq_encoder_mlm' needs one of them"
        )
    return sentinel


def encode_seq2seq_row(
    tokenizer: PreTrainedTokenizerBase, masked: str, word: str, placeholder: str = MASK_PLACEHOLDER
) -> EncodedRow:
    """Encode one encoder-decoder row (see the module docstring); the first placeholder is the span.

    Further placeholders in the text are filled with ``word`` (the encoder sees them).
    """
    pieces = masked.split(placeholder)
    if len(pieces) < 2:
        raise ValueError(f"masked text has no {placeholder!r} placeholder: {masked!r}")
    prefix, rest = pieces[0], word.join(pieces[1:])
    leading_space = bool(prefix) and prefix[-1].isspace()
    word_ids = word_token_ids(tokenizer, word, leading_space)
    sentinel = check_seq2seq_tokenizer(tokenizer)
    if sentinel is None:
        encoder_ids = list(tokenizer(prefix + str(tokenizer.mask_token) + rest)["input_ids"])
        stripped = prefix.rstrip()
        prefix_ids = _special_prefix_suffix(tokenizer)[0] + (
            list(tokenizer(stripped, add_special_tokens=False)["input_ids"]) if stripped else []
        )
        labels = prefix_ids + word_ids
        start = len(prefix_ids)
    else:
        encoder_ids = list(tokenizer(prefix + SENTINEL + rest)["input_ids"])
        labels = [sentinel, *word_ids]
        start = 1
    positions = tuple(range(start, start + len(word_ids)))
    return EncodedRow(tuple(encoder_ids), positions, tuple(word_ids), tuple(labels))


def encode_seq2seq_cloze_row(
    tokenizer: PreTrainedTokenizerBase,
    masked: str,
    word: str,
    placeholder: str = MASK_PLACEHOLDER,
    rhs_window: int = -1,
) -> EncodedRow:
    """``seq2seq_decoder_sequence_cloze`` (experimental): the decoder's loss on the word and what follows.

    The encoder reads the text with the word hidden (as :func:`encode_seq2seq_row`) and its right
    context cut to ``rhs_window`` tokens (``-1``: all). T5 scheme: the labels are the natural span target
    ``<extra_id_0> word <extra_id_1>`` and the word and the closing sentinel are scored; BART scheme: the
    labels reconstruct the text up to the end of the window and the word and the right-context tokens
    are scored.
    """
    if rhs_window < -1:
        raise ValueError(f"rhs_window must be -1 (whole right context) or >= 0, got {rhs_window}")
    prefix, found, rest = masked.partition(placeholder)
    if not found:
        raise ValueError(f"masked text has no {placeholder!r} placeholder: {masked!r}")
    rest = rest.replace(placeholder, word)
    rhs_ids = list(tokenizer(rest, add_special_tokens=False)["input_ids"]) if rest else []
    if rhs_window >= 0 and len(rhs_ids) > rhs_window:
        rhs_ids = rhs_ids[:rhs_window]
        rest = str(tokenizer.decode(rhs_ids))
    leading_space = bool(prefix) and prefix[-1].isspace()
    word_ids = word_token_ids(tokenizer, word, leading_space)
    sentinel = check_seq2seq_tokenizer(tokenizer)
    if sentinel is None:
        encoder_ids = list(tokenizer(prefix + str(tokenizer.mask_token) + rest)["input_ids"])
        stripped = prefix.rstrip()
        prefix_ids = _special_prefix_suffix(tokenizer)[0] + (
            list(tokenizer(stripped, add_special_tokens=False)["input_ids"]) if stripped else []
        )
        labels = prefix_ids + word_ids + rhs_ids
        start = len(prefix_ids)
    else:
        encoder_ids = list(tokenizer(prefix + SENTINEL + rest)["input_ids"])
        closing = tokenizer.convert_tokens_to_ids("<extra_id_1>")
        labels = [sentinel, *word_ids] + (
            [closing] if isinstance(closing, int) and closing != tokenizer.unk_token_id else []
        )
        start = 1
    positions = tuple(range(start, len(labels)))
    return EncodedRow(tuple(encoder_ids), positions, tuple(labels[start:]), tuple(labels))


def decoder_input_ids(model: nn.Module, labels: torch.Tensor) -> torch.Tensor:
    """The teacher-forced decoder inputs for ``labels`` (padding ``-100``): the labels shifted right."""
    prepare = getattr(model, "prepare_decoder_input_ids_from_labels", None)
    if prepare is None:
        raise TypeError(
            f"{type(model).__name__} has no prepare_decoder_input_ids_from_labels; the seq2seq objective "
            "needs an encoder-decoder model with a language-modelling head (AutoModelForSeq2SeqLM)"
        )
    return prepare(labels=labels)


def span_accuracy_rows(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], seed: int, placeholder: str = MASK_PLACEHOLDER
) -> list[EncodedRow]:
    """One row per text with a word: a seeded random word becomes the span (see the module docstring)."""
    rng = random.Random(seed)
    rows = []
    for text in texts:
        words = list(_WORD.finditer(str(text)))
        if not words:
            continue
        match = words[rng.randrange(len(words))]
        masked = text[: match.start()] + placeholder + text[match.end() :]
        rows.append(encode_seq2seq_row(tokenizer, masked, match.group(), placeholder))
    return rows


__all__ = [
    "SENTINEL",
    "check_seq2seq_tokenizer",
    "decoder_input_ids",
    "encode_seq2seq_cloze_row",
    "encode_seq2seq_row",
    "sentinel_id",
    "span_accuracy_rows",
]
