"""Decoder-only models with an auxiliary MLM head: the ``clm_mlm_head`` objective.

A causal LM predicts a word only from its left context. When the feature depends on what follows
the word (a German article decided by the noun after it), GRADIEND can learn from a small head that
reads *both sides*: the masked slot is replaced by a stand-in token (the tokenizer's mask token, else its
EOS token, so the vocabulary and the saved model stay unchanged), and the head reads the backbone's
last hidden states at the token before the slot (the left context, as the causal LM uses it to predict
the word), at the slot and at the ``pooling_length - 1`` tokens after it (those see the left context,
the slot and the right context), concatenated, and classifies them into the target words.

The head is trained with the backbone frozen (:func:`train_mlm_head`) and saved as a folder
(``head.safetensors`` plus ``head.json``, :meth:`DecoderMLMHead.save` / :meth:`DecoderMLMHead.load`).
GRADIEND then differentiates the head's cross-entropy for the factual and the alternative word with
respect to the backbone. Decoder evaluation keeps scoring with the model's own next-token head, which is
what a rewrite changes for users.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from gradiend_text.encoding import MASK_PLACEHOLDER, _special_prefix_suffix, pad_token_id
from gradiend_text.fileio import atomic_directory
from gradiend_text.objectives import model_device

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

logger = logging.getLogger(__name__)

HEAD_FILE, META_FILE = "head.safetensors", "head.json"


def stand_in_token_id(tokenizer: PreTrainedTokenizerBase) -> int:
    """The token that fills the masked slot: the mask token, else EOS (raises when there is neither)."""
    for candidate in (tokenizer.mask_token_id, tokenizer.eos_token_id):
        if isinstance(candidate, int):
            return candidate
    raise ValueError(f"tokenizer {tokenizer.name_or_path!r} has neither a mask nor an EOS token")


class DecoderMLMHead(nn.Module):
    """A linear classifier over the hidden states around the slot (see :meth:`pool`).

    Args:
        hidden_size: the backbone's hidden size.
        words: the words it predicts (class ``i`` is ``words[i]``).
        pooling_length: how many positions, from the slot on, it reads (>= 1), besides the token
            before the slot.
    """

    def __init__(self, hidden_size: int, words: Sequence[str], pooling_length: int = 3) -> None:
        super().__init__()
        if pooling_length < 1:
            raise ValueError(f"pooling_length must be >= 1, got {pooling_length}")
        if len(set(words)) != len(words) or len(words) < 2:
            raise ValueError(f"words must be at least two distinct words, got {list(words)!r}")
        self.words = list(words)
        self.pooling_length = pooling_length
        self.hidden_size = hidden_size
        self.classifier = nn.Linear(hidden_size * (pooling_length + 1), len(words))

    def word_index(self, word: str) -> int:
        """The class index of ``word`` (raises when the head does not know it)."""
        try:
            return self.words.index(word)
        except ValueError:
            raise ValueError(
                f"the MLM head does not predict {word!r}; it knows {self.words}. Retrain it with "
                "train_decoder_only_mlm_head(...) on data that holds this word"
            ) from None

    def pool(self, hidden: torch.Tensor, slots: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Per row, the hidden states at ``slot - 1 .. slot + pooling_length - 1``, concatenated.

        Positions outside the row (before its start, after its last token) contribute zeros.
        """
        offsets = torch.arange(-1, self.pooling_length, device=hidden.device)
        positions = slots[:, None] + offsets[None, :]
        inside = (positions >= 0) & (positions < lengths[:, None])
        rows = torch.arange(hidden.shape[0], device=hidden.device)[:, None]
        gathered = hidden[rows, positions.clamp(0, hidden.shape[1] - 1)] * inside[..., None].to(hidden.dtype)
        return gathered.reshape(hidden.shape[0], -1)

    def forward(self, hidden: torch.Tensor, slots: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Logits over :attr:`words`, one row per sequence."""
        pooled = self.pool(hidden, slots, lengths)
        return self.classifier(pooled.to(self.classifier.weight.dtype))

    def save(self, directory: str | os.PathLike[str]) -> str:
        """Write the head to ``directory`` atomically (``head.safetensors`` and ``head.json``)."""
        from safetensors.torch import save_file

        with atomic_directory(directory) as tmp:
            tensors = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}
            save_file(tensors, Path(tmp) / HEAD_FILE)
            meta = {
                "hidden_size": self.hidden_size,
                "words": self.words,
                "pooling_length": self.pooling_length,
            }
            (Path(tmp) / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        return os.fspath(directory)

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> DecoderMLMHead:
        """A head saved by :meth:`save`."""
        from safetensors.torch import load_file

        meta_path = Path(directory) / META_FILE
        if not meta_path.is_file():
            raise FileNotFoundError(f"no MLM head at {os.fspath(directory)!r} (missing {META_FILE})")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        head = cls(int(meta["hidden_size"]), list(meta["words"]), int(meta["pooling_length"]))
        head.load_state_dict(load_file(Path(directory) / HEAD_FILE))
        return head


def has_saved_head(directory: str | os.PathLike[str]) -> bool:
    """Whether ``directory`` holds a head saved by :meth:`DecoderMLMHead.save`."""
    return (Path(directory) / META_FILE).is_file() and (Path(directory) / HEAD_FILE).is_file()


def encode_slot(
    tokenizer: PreTrainedTokenizerBase, masked: str, placeholder: str = MASK_PLACEHOLDER
) -> tuple[list[int], int]:
    """Token ids of ``masked`` with its first placeholder as the stand-in token, and the slot's index."""
    prefix, _, suffix = masked.partition(placeholder)
    if not _:
        raise ValueError(f"masked text has no {placeholder!r} placeholder: {masked!r}")
    stand_in = stand_in_token_id(tokenizer)
    specials, end_specials = _special_prefix_suffix(tokenizer)
    stripped = prefix.rstrip()
    left = list(tokenizer(stripped, add_special_tokens=False)["input_ids"]) if stripped else []
    right = list(tokenizer(suffix, add_special_tokens=False)["input_ids"]) if suffix else []
    ids = [*specials, *left, stand_in, *right, *end_specials]
    return ids, len(specials) + len(left)


def _slot_batch(
    tokenizer: PreTrainedTokenizerBase, masked: Sequence[str], placeholder: str
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    encoded = [encode_slot(tokenizer, str(text), placeholder) for text in masked]
    length = max(len(ids) for ids, _ in encoded)
    input_ids = torch.full((len(encoded), length), pad_token_id(tokenizer), dtype=torch.long)
    attention = torch.zeros_like(input_ids)
    for i, (ids, _) in enumerate(encoded):
        input_ids[i, : len(ids)] = torch.tensor(ids, dtype=torch.long)
        attention[i, : len(ids)] = 1
    slots = torch.tensor([slot for _, slot in encoded], dtype=torch.long)
    return input_ids, attention, slots, attention.sum(1)


def head_logits(
    model: nn.Module,
    head: DecoderMLMHead,
    tokenizer: PreTrainedTokenizerBase,
    masked: Sequence[str],
    placeholder: str = MASK_PLACEHOLDER,
) -> torch.Tensor:
    """The head's logits for each masked text (gradients flow into the backbone when enabled)."""
    device = model_device(model)
    input_ids, attention, slots, lengths = (t.to(device) for t in _slot_batch(tokenizer, masked, placeholder))
    backbone = getattr(model, "base_model", model)
    hidden = backbone(input_ids=input_ids, attention_mask=attention).last_hidden_state
    return head.to(device)(hidden, slots, lengths)


def head_loss(
    model: nn.Module,
    head: DecoderMLMHead,
    tokenizer: PreTrainedTokenizerBase,
    rows: pd.DataFrame,
    column: str,
    placeholder: str = MASK_PLACEHOLDER,
) -> torch.Tensor:
    """Mean cross-entropy of the head for the words in ``rows[column]``.

    A word the head does not know (the masked word of a neutral sentence) has the uniform distribution
    over the head's words as its target: no target word fits that slot better than another.
    """
    logits = head_logits(model, head, tokenizer, rows["masked"].astype(str).tolist(), placeholder)
    targets = torch.full_like(logits, 1.0 / len(head.words), dtype=torch.float32)
    for i, word in enumerate(rows[column].astype(str)):
        if word in head.words:
            targets[i] = 0.0
            targets[i, head.words.index(word)] = 1.0
    return F.cross_entropy(logits.float(), targets)


def train_mlm_head(
    model: nn.Module,
    tokenizer: PreTrainedTokenizerBase,
    rows: pd.DataFrame,
    words: Sequence[str],
    *,
    epochs: int = 5,
    batch_size: int = 16,
    learning_rate: float = 1e-3,
    pooling_length: int = 3,
    seed: int = 0,
    placeholder: str = MASK_PLACEHOLDER,
) -> DecoderMLMHead:
    """Train a head on ``rows`` (columns ``masked`` and ``factual``) with the backbone frozen."""
    from tqdm.auto import tqdm

    if epochs < 1 or batch_size < 1:
        raise ValueError(f"epochs and batch_size must be >= 1, got {epochs} and {batch_size}")
    if rows.empty:
        raise ValueError("no rows to train the MLM head on")
    hidden_size = getattr(getattr(model, "config", None), "hidden_size", None)
    if not isinstance(hidden_size, int):
        raise TypeError(
            f"{type(model).__name__} has no config.hidden_size; the MLM head needs a transformers model"
        )
    torch.manual_seed(seed)
    head = DecoderMLMHead(hidden_size, words, pooling_length).to(model_device(model))
    optimizer = torch.optim.AdamW(head.parameters(), lr=learning_rate)
    model_was_training = model.training
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    for epoch in tqdm(range(epochs), desc="MLM head", unit="epoch"):
        order = torch.randperm(len(rows), generator=generator).tolist()
        total = 0.0
        for start in range(0, len(order), batch_size):
            batch = rows.iloc[order[start : start + batch_size]]
            with torch.no_grad():
                tensors = _slot_batch(tokenizer, batch["masked"].astype(str).tolist(), placeholder)
                input_ids, attention, slots, lengths = (t.to(model_device(model)) for t in tensors)
                hidden = getattr(model, "base_model", model)(input_ids=input_ids, attention_mask=attention)
            logits = head(hidden.last_hidden_state, slots, lengths)
            targets = torch.tensor([head.word_index(str(w)) for w in batch["factual"]], device=logits.device)
            loss = F.cross_entropy(logits.float(), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(batch)
        logger.info("MLM head epoch %d: mean loss %.4f", epoch + 1, total / len(rows))
    model.train(model_was_training)
    return head.eval()


__all__ = [
    "DecoderMLMHead",
    "encode_slot",
    "has_saved_head",
    "head_logits",
    "head_loss",
    "stand_in_token_id",
    "train_mlm_head",
]
