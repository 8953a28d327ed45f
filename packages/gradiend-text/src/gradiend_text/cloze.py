"""The ``clm_sequence_cloze`` objective (experimental): a causal LM's loss on the word and its right context.

A causal LM reads the text with the target word filled in; the training loss covers the word's
sub-tokens *and* the tokens after it (up to ``rhs_window`` tokens; ``-1``: to the end of the text), so
the gradient also reflects how well the word fits what follows it. Decoder evaluation keeps scoring the
word alone (``clm_next_token``). The right-context window is ``TrainingArguments``'
``decoder_sequence_cloze_rhs_window`` (default -1: the whole right context).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from gradiend_text.encoding import MASK_PLACEHOLDER, EncodedRow, _special_prefix_suffix, word_token_ids

if TYPE_CHECKING:
    from collections.abc import Callable

    from transformers import PreTrainedTokenizerBase


def encode_clm_cloze_row(
    tokenizer: PreTrainedTokenizerBase,
    masked: str,
    word: str,
    placeholder: str = MASK_PLACEHOLDER,
    rhs_window: int = -1,
) -> EncodedRow:
    """Prefix, ``word`` and the right context (first placeholder; later ones are filled with ``word``).

    The scored tokens are the word's sub-tokens and at most ``rhs_window`` right-context tokens (all of
    them for ``-1``), each read from the logits of the position before it.
    """
    if rhs_window < -1:
        raise ValueError(f"rhs_window must be -1 (whole right context) or >= 0, got {rhs_window}")
    prefix, found, rest = masked.partition(placeholder)
    if not found:
        raise ValueError(f"masked text has no {placeholder!r} placeholder: {masked!r}")
    stripped = prefix.rstrip()
    specials, _ = _special_prefix_suffix(tokenizer)
    prefix_ids = specials + (
        list(tokenizer(stripped, add_special_tokens=False)["input_ids"]) if stripped else []
    )
    if not prefix_ids:
        if tokenizer.bos_token_id is None:
            raise ValueError(
                f"the prefix before {placeholder!r} is empty in {masked!r} and there is no BOS token"
            )
        prefix_ids = [int(tokenizer.bos_token_id)]
    word_ids = word_token_ids(tokenizer, word, bool(stripped) and stripped != prefix)
    right = rest.replace(placeholder, word)
    right_ids = list(tokenizer(right, add_special_tokens=False)["input_ids"]) if right else []
    if rhs_window >= 0:
        right_ids = right_ids[:rhs_window]
    scored = word_ids + right_ids
    input_ids = prefix_ids + scored[:-1]
    positions = tuple(range(len(prefix_ids) - 1, len(prefix_ids) - 1 + len(scored)))
    return EncodedRow(tuple(input_ids), positions, tuple(scored))


def cloze_encoder(rhs_window: int = -1) -> Callable[..., EncodedRow]:
    """``encode_clm_cloze_row`` with a fixed ``rhs_window`` (the row encoder of the paired losses)."""
    return partial(encode_clm_cloze_row, rhs_window=rhs_window)


def seq2seq_cloze_encoder(rhs_window: int = -1) -> Callable[..., EncodedRow]:
    """``encode_seq2seq_cloze_row`` with a fixed ``rhs_window``."""
    from gradiend_text.seq2seq import encode_seq2seq_cloze_row

    return partial(encode_seq2seq_cloze_row, rhs_window=rhs_window)


__all__ = ["cloze_encoder", "encode_clm_cloze_row", "seq2seq_cloze_encoder"]
