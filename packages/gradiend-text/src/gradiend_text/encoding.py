"""Turning masked texts and target words into model inputs and the positions that score the targets.

Three objectives (:data:`Objective`):

* ``"mlm"`` (masked LM): every ``[MASK]`` placeholder becomes as many mask tokens as the target word
  has sub-tokens; the logits *at* each mask token score the corresponding sub-token.
* ``"clm"`` (causal LM): the text before the first placeholder is the prefix (trailing whitespace
  removed); the target word follows it, with a leading space when the prefix ended in whitespace
  (``"... said that [MASK]"`` -> target ``" she"``). The input is the prefix plus all but the last
  target sub-token (teacher forcing). Logits at position ``t`` predict token ``t + 1``, so target
  sub-token ``i`` is scored by the logits of the position *before* it: the last prefix token for the
  first sub-token. A prefix with no tokens gets the tokenizer's BOS token, or raises.

* ``"seq2seq"`` (encoder-decoder, published name ``seq2seq_encoder_mlm``): see
  :mod:`gradiend_text.seq2seq`. The encoder reads the text with the placeholder replaced by one
  sentinel (T5: ``<extra_id_0>``) or mask token (BART: ``<mask>``); the decoder is teacher forced on
  its labels (``decoder_ids``) and the logits at label position ``i`` score label ``i``.

Each row is encoded separately (:class:`EncodedRow`, no padding) and :func:`collate` pads a batch to
its longest row only (right padding with an attention mask).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import torch

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

Objective = Literal["mlm", "clm", "seq2seq"]
OBJECTIVES: tuple[str, ...] = ("mlm", "clm", "seq2seq")
MASK_PLACEHOLDER = "[MASK]"


@dataclass(frozen=True)
class EncodedRow:
    """One row: unpadded ``input_ids``, and for each target sub-token the scoring position and id.

    ``decoder_ids``: the decoder labels of an encoder-decoder row (empty otherwise); its positions
    index these labels.
    """

    input_ids: tuple[int, ...]
    positions: tuple[int, ...]
    targets: tuple[int, ...]
    decoder_ids: tuple[int, ...] = ()

    @property
    def key(self) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """What one forward row is made of: the inputs and the decoder labels."""
        return self.input_ids, self.decoder_ids

    def shares_input(self, other: EncodedRow) -> bool:
        """Whether ``other`` is scored from the same forward pass (same inputs and positions)."""
        return self.key == other.key and self.positions == other.positions


@dataclass
class TargetBatch:
    """A padded batch and the flat list of scored target sub-tokens.

    ``row_index[k]``, ``positions[k]`` and ``targets[k]`` describe sub-token ``k`` of the batch.
    ``labels``: the padded decoder labels of encoder-decoder rows (padding ``-100``), else ``None``.
    """

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    row_index: torch.Tensor
    positions: torch.Tensor
    targets: torch.Tensor
    labels: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> TargetBatch:
        """The same batch on ``device``."""
        return TargetBatch(
            self.input_ids.to(device),
            self.attention_mask.to(device),
            self.row_index.to(device),
            self.positions.to(device),
            self.targets.to(device),
            None if self.labels is None else self.labels.to(device),
        )


def check_objective(objective: str) -> Objective:
    """``objective`` if it is ``"mlm"``, ``"clm"`` or ``"seq2seq"``, else a ValueError."""
    if objective == "mlm":
        return "mlm"
    if objective == "clm":
        return "clm"
    if objective == "seq2seq":
        return "seq2seq"
    raise ValueError(f"objective must be one of {OBJECTIVES}, got {objective!r}")


def word_token_ids(tokenizer: PreTrainedTokenizerBase, word: str, leading_space: bool) -> list[int]:
    """Sub-token ids of ``word`` as it appears in running text (after a space when ``leading_space``).

    A leading token that decodes to whitespace only (some SentencePiece tokenizers emit one) is dropped.
    """
    ids = list(tokenizer((" " if leading_space else "") + word, add_special_tokens=False)["input_ids"])
    if len(ids) > 1 and not str(tokenizer.decode(ids[:1])).strip():
        ids = ids[1:]
    if not ids:
        raise ValueError(f"the tokenizer turns the target word {word!r} into no tokens")
    return ids


def _special_prefix_suffix(tokenizer: PreTrainedTokenizerBase) -> tuple[list[int], list[int]]:
    plain = list(tokenizer("a", add_special_tokens=False)["input_ids"])
    full = list(tokenizer("a")["input_ids"])
    for start in range(len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return full[:start], full[start + len(plain) :]
    return [], []


def _split_placeholder(masked: str, placeholder: str) -> list[str]:
    pieces = masked.split(placeholder)
    if len(pieces) < 2:
        raise ValueError(f"masked text has no {placeholder!r} placeholder: {masked!r}")
    return pieces


def encode_mlm_row(
    tokenizer: PreTrainedTokenizerBase, masked: str, word: str, placeholder: str = MASK_PLACEHOLDER
) -> EncodedRow:
    """Encode one masked-LM row: each placeholder becomes one mask token per sub-token of ``word``."""
    mask_token = tokenizer.mask_token
    if mask_token is None or tokenizer.mask_token_id is None:
        raise ValueError(f"tokenizer {type(tokenizer).__name__} has no mask token; a masked LM needs one")
    pieces = _split_placeholder(masked, placeholder)
    text, targets = pieces[0], []
    for piece in pieces[1:]:
        ids = word_token_ids(tokenizer, word, leading_space=bool(text) and text[-1].isspace())
        text += mask_token * len(ids) + piece
        targets.extend(ids)
    input_ids = list(tokenizer(text)["input_ids"])
    positions = [i for i, token in enumerate(input_ids) if token == tokenizer.mask_token_id]
    if len(positions) != len(targets):
        raise ValueError(
            f"expected {len(targets)} mask tokens in the encoding of {masked!r} with target {word!r}, "
            f"found {len(positions)} (does the text itself contain the tokenizer's mask token?)"
        )
    return EncodedRow(tuple(input_ids), tuple(positions), tuple(targets))


def encode_clm_row(
    tokenizer: PreTrainedTokenizerBase, masked: str, word: str, placeholder: str = MASK_PLACEHOLDER
) -> EncodedRow:
    """Encode one causal-LM row: the prefix before the first placeholder, then ``word`` (teacher forced)."""
    prefix = _split_placeholder(masked, placeholder)[0]
    stripped = prefix.rstrip()
    leading_space = bool(stripped) and stripped != prefix
    specials, _ = _special_prefix_suffix(tokenizer)
    prefix_ids = specials + (
        list(tokenizer(stripped, add_special_tokens=False)["input_ids"]) if stripped else []
    )
    if not prefix_ids:
        if tokenizer.bos_token_id is None:
            raise ValueError(
                f"the prefix before {placeholder!r} is empty in {masked!r} and the tokenizer has no BOS "
                "token; "
                "a causal LM needs left context (raise min_left_context_words when creating data)"
            )
        prefix_ids = [int(tokenizer.bos_token_id)]
    word_ids = word_token_ids(tokenizer, word, leading_space)
    input_ids = prefix_ids + word_ids[:-1]
    positions = tuple(len(prefix_ids) - 1 + i for i in range(len(word_ids)))
    return EncodedRow(tuple(input_ids), positions, tuple(word_ids))


def encode_row(
    tokenizer: PreTrainedTokenizerBase,
    masked: str,
    word: str,
    objective: Objective,
    placeholder: str = MASK_PLACEHOLDER,
) -> EncodedRow:
    """Encode one row for ``objective`` (see the module docstring)."""
    checked = check_objective(objective)
    if checked == "mlm":
        return encode_mlm_row(tokenizer, masked, word, placeholder)
    if checked == "seq2seq":
        from gradiend_text.seq2seq import encode_seq2seq_row

        return encode_seq2seq_row(tokenizer, masked, word, placeholder)
    return encode_clm_row(tokenizer, masked, word, placeholder)


def pad_token_id(tokenizer: PreTrainedTokenizerBase) -> int:
    """The id used for padding: the pad token, else EOS, else 0 (padded positions are masked out)."""
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if candidate is not None:
            return int(candidate)
    return 0


def collate(rows: Sequence[EncodedRow], pad_id: int) -> TargetBatch:
    """Pad ``rows`` to the longest one (right padding) and flatten their scored sub-tokens.

    Encoder-decoder rows (all with ``decoder_ids``) also get padded ``labels`` (padding ``-100``).
    """
    if not rows:
        raise ValueError("cannot collate an empty batch")
    with_decoder = [bool(r.decoder_ids) for r in rows]
    if any(with_decoder) and not all(with_decoder):
        raise ValueError("a batch mixes encoder-decoder rows with rows that have no decoder labels")
    length = max(len(r.input_ids) for r in rows)
    input_ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((len(rows), length), dtype=torch.long)
    row_index: list[int] = []
    positions: list[int] = []
    targets: list[int] = []
    for i, row in enumerate(rows):
        input_ids[i, : len(row.input_ids)] = torch.tensor(row.input_ids, dtype=torch.long)
        attention_mask[i, : len(row.input_ids)] = 1
        row_index.extend([i] * len(row.targets))
        positions.extend(row.positions)
        targets.extend(row.targets)
    as_long = lambda values: torch.tensor(values, dtype=torch.long)  # noqa: E731
    labels = None
    if all(with_decoder):
        labels = torch.full((len(rows), max(len(r.decoder_ids) for r in rows)), -100, dtype=torch.long)
        for i, row in enumerate(rows):
            labels[i, : len(row.decoder_ids)] = torch.tensor(row.decoder_ids, dtype=torch.long)
    return TargetBatch(
        input_ids, attention_mask, as_long(row_index), as_long(positions), as_long(targets), labels
    )


__all__ = [
    "MASK_PLACEHOLDER",
    "OBJECTIVES",
    "EncodedRow",
    "Objective",
    "TargetBatch",
    "check_objective",
    "collate",
    "encode_clm_row",
    "encode_mlm_row",
    "encode_row",
    "pad_token_id",
    "word_token_ids",
]
