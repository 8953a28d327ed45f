"""Tiny encoder-decoder models for tests: T5 and BART built from a config with tokenizers built offline.

* :func:`train_t5_tokenizer` (sentinel scheme: ``<extra_id_0..2>``, ``</s>`` appended) and
  :func:`train_bart_tokenizer` (mask-token scheme: ``<s> .. </s>``, ``<mask>``): byte-level BPE
  tokenizers trained on given texts.
* :func:`tiny_t5` / :func:`tiny_bart`: small randomly initialised models (no dropout).
* :func:`pretrain_tiny_seq2seq`: span infilling on the texts (one word per text becomes the span, a
  pronoun when the text has one, with probability ``focus_probability``), the objective that
  :mod:`gradiend_text.seq2seq` scores.
* :func:`build_tiny_seq2seq`: all of the above, until the model predicts the right pronoun class on
  held-out templates (the same bar as :func:`gradiend_text.testing.build_tiny_lm`);
  :func:`save_tiny_seq2seq` also saves it and loads it back.
"""

from __future__ import annotations

import logging
import os
import random
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import torch
import torch.nn.functional as F

from gradiend_text.encoding import MASK_PLACEHOLDER, EncodedRow, collate, pad_token_id
from gradiend_text.objectives import target_logits
from gradiend_text.seq2seq import encode_seq2seq_row

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase, PreTrainedTokenizerFast

    from gradiend_text.testing import TinyLM

logger = logging.getLogger(__name__)

Seq2SeqFamily = Literal["t5", "bart"]
SEQ2SEQ_FAMILIES: tuple[str, ...] = ("t5", "bart")
_WORD = re.compile(r"[^\W\d_]+")


def _byte_level_bpe(texts: Sequence[str], vocab_size: int, specials: list[str]) -> object:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    backend.train_from_iterator(texts, trainer)
    return backend


def train_t5_tokenizer(texts: Sequence[str], vocab_size: int = 600) -> PreTrainedTokenizerFast:
    """A T5-layout tokenizer: ``<pad>`` (id 0), ``</s>`` appended, ``<unk>``, sentinels, no mask token."""
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    sentinels = [f"<extra_id_{i}>" for i in range(3)]
    backend = _byte_level_bpe(texts, vocab_size, ["<pad>", "</s>", "<unk>", *sentinels])
    eos = backend.token_to_id("</s>")  # type: ignore[attr-defined]
    backend.post_processor = processors.TemplateProcessing(  # type: ignore[attr-defined]
        single="$A </s>", pair="$A </s> $B </s>", special_tokens=[("</s>", eos)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )
    tokenizer.add_special_tokens({"additional_special_tokens": sentinels})
    return tokenizer


def train_bart_tokenizer(texts: Sequence[str], vocab_size: int = 600) -> PreTrainedTokenizerFast:
    """A BART-layout tokenizer: ``<s> .. </s>`` around each text, ``<pad>``, ``<unk>``, ``<mask>``."""
    from tokenizers import processors
    from transformers import PreTrainedTokenizerFast

    backend = _byte_level_bpe(texts, vocab_size, ["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bos, eos = backend.token_to_id("<s>"), backend.token_to_id("</s>")  # type: ignore[attr-defined]
    backend.post_processor = processors.TemplateProcessing(  # type: ignore[attr-defined]
        single="<s> $A </s>", pair="<s> $A </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        pad_token="<pad>",
        unk_token="<unk>",
        mask_token="<mask>",
    )


def tiny_t5(tokenizer: PreTrainedTokenizerBase, hidden_size: int = 64, seed: int = 0) -> PreTrainedModel:
    """A randomly initialised ``T5ForConditionalGeneration`` (2+2 layers, 2 heads, no dropout)."""
    from transformers import T5Config, T5ForConditionalGeneration

    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=hidden_size,
        d_kv=hidden_size // 2,
        d_ff=4 * hidden_size,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=2,
        dropout_rate=0.0,
        feed_forward_proj="relu",
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
    )
    config.decoder_start_token_id = tokenizer.pad_token_id  # T5: the decoder starts from padding
    torch.manual_seed(seed)
    return T5ForConditionalGeneration(config)


def tiny_bart(tokenizer: PreTrainedTokenizerBase, hidden_size: int = 64, seed: int = 0) -> PreTrainedModel:
    """A randomly initialised ``BartForConditionalGeneration`` (2+2 layers, 2 heads, no dropout)."""
    from transformers import BartConfig, BartForConditionalGeneration

    config = BartConfig(
        vocab_size=len(tokenizer),
        d_model=hidden_size,
        encoder_layers=2,
        decoder_layers=2,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=4 * hidden_size,
        decoder_ffn_dim=4 * hidden_size,
        max_position_embeddings=64,
        dropout=0.0,
        attention_dropout=0.0,
        activation_dropout=0.0,
        init_std=0.1,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id,
        forced_eos_token_id=None,
    )
    torch.manual_seed(seed)
    return BartForConditionalGeneration(config)


def _span_text(text: str, focus: set[str], focus_probability: float, rng: random.Random) -> tuple[str, str]:
    words = list(_WORD.finditer(text))
    if not words:
        raise ValueError(f"text {text!r} has no word to mask")
    focused = [m for m in words if m.group() in focus]
    pool = focused if focused and rng.random() < focus_probability else words
    match = rng.choice(pool)
    return text[: match.start()] + MASK_PLACEHOLDER + text[match.end() :], match.group()


def pretrain_tiny_seq2seq(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    steps: int = 600,
    seed: int = 0,
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    focus_words: Sequence[str] = (),
    focus_probability: float = 0.7,
    stop_when: Callable[[], bool] | None = None,
    check_every: int = 50,
) -> int:
    """Train ``model`` in place on span infilling (cross-entropy on every label); return the steps taken.

    ``stop_when`` is called (model in eval mode) every ``check_every`` steps and ends training early
    when it returns ``True``. The model is left in eval mode.
    """
    if len(texts) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} texts, got {len(texts)}")
    rng = random.Random(seed)
    focus = set(focus_words)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    pad = pad_token_id(tokenizer)
    for step in range(1, steps + 1):
        model.train()
        rows = [
            encode_seq2seq_row(tokenizer, *_span_text(text, focus, focus_probability, rng))
            for text in rng.sample(list(texts), batch_size)
        ]
        # Every label is a target: the decoder learns to reconstruct (BART) or to name the span (T5).
        every_label = [
            EncodedRow(r.input_ids, tuple(range(len(r.decoder_ids))), r.decoder_ids, r.decoder_ids)
            for r in rows
        ]
        batch = collate(every_label, pad)
        loss = F.cross_entropy(target_logits(model, batch), batch.targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if stop_when is not None and step % check_every == 0:
            model.eval()
            if stop_when():
                return step
    model.eval()
    return steps


def _untrained(family: Seq2SeqFamily, seed: int) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    from gradiend_text.templates import gender_template_frame, neutral_sentences

    if family not in SEQ2SEQ_FAMILIES:
        raise ValueError(f"family must be one of {SEQ2SEQ_FAMILIES}, got {family!r}")
    texts = gender_template_frame(120, seed=seed)["text"].tolist() + neutral_sentences(200, seed=seed)
    if family == "t5":
        tokenizer = train_t5_tokenizer(texts)
        return tiny_t5(tokenizer, seed=seed), tokenizer
    tokenizer = train_bart_tokenizer(texts)
    return tiny_bart(tokenizer, seed=seed), tokenizer


def build_tiny_seq2seq(
    family: Seq2SeqFamily,
    seed: int = 0,
    max_steps: int = 1200,
    classes: Sequence[str] = ("he", "she", "they"),
    min_accuracy: float = 0.9,
    stop_accuracy: float = 0.98,
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """A tiny pre-trained T5 or BART on pronoun templates plus neutral sentences.

    Pre-training stops once the model predicts the right class on at least ``stop_accuracy`` of 60
    held-out templates per class (checked every 50 steps) or after ``max_steps``.

    Raises:
        ValueError: for an unknown ``family``.
        RuntimeError: when the held-out accuracy ends below ``min_accuracy``.
    """
    from gradiend_text.templates import gender_template_frame, neutral_sentences
    from gradiend_text.testing import class_prediction_accuracy, single_thread

    if family not in SEQ2SEQ_FAMILIES:
        raise ValueError(f"family must be one of {SEQ2SEQ_FAMILIES}, got {family!r}")
    train = gender_template_frame(120, seed=seed, classes=classes)
    held_out = gender_template_frame(60, seed=seed + 1, classes=classes, exclude=train)
    corpus = train["text"].tolist() + neutral_sentences(200, seed=seed)
    vocabulary_texts = corpus + held_out["text"].tolist()
    with single_thread():
        if family == "t5":
            tokenizer = train_t5_tokenizer(vocabulary_texts)
            model = tiny_t5(tokenizer, seed=seed)
        else:
            tokenizer = train_bart_tokenizer(vocabulary_texts)
            model = tiny_bart(tokenizer, seed=seed)
        targets = {c: [c] for c in classes}
        accuracy = [0.0]

        def good_enough() -> bool:
            accuracy[0] = class_prediction_accuracy(model, tokenizer, held_out, targets, "seq2seq")
            return accuracy[0] >= stop_accuracy

        steps = pretrain_tiny_seq2seq(
            model, tokenizer, corpus, steps=max_steps, seed=seed, focus_words=classes, stop_when=good_enough
        )
    logger.info("Tiny %s: held-out class accuracy %.3f after %d steps", family, accuracy[0], steps)
    if accuracy[0] < min_accuracy:
        raise RuntimeError(
            f"tiny {family} reached only {accuracy[0]:.3f} held-out accuracy (< {min_accuracy}) "
            f"in {steps} steps"
        )
    return model, tokenizer


def save_tiny_seq2seq(
    family: Seq2SeqFamily, folder: str | os.PathLike[str], seed: int = 0, pretrain: bool = True
) -> TinyLM:
    """Build a tiny T5 or BART (:func:`build_tiny_seq2seq`), save it under ``folder`` and load it back.

    ``pretrain=False`` saves the randomly initialised model with its tokenizer (for encoding tests).
    """
    from gradiend_text.models import load_text_model, save_text_model
    from gradiend_text.testing import TinyLM

    if pretrain:
        model, tokenizer = build_tiny_seq2seq(family, seed=seed)
    else:
        model, tokenizer = _untrained(family, seed)
    path = save_text_model(model, tokenizer, Path(folder) / f"tiny-{family}")
    loaded, loaded_tokenizer = load_text_model(path)
    return TinyLM(path, loaded.eval(), loaded_tokenizer, "seq2seq")


__all__ = [
    "SEQ2SEQ_FAMILIES",
    "Seq2SeqFamily",
    "build_tiny_seq2seq",
    "pretrain_tiny_seq2seq",
    "save_tiny_seq2seq",
    "tiny_bart",
    "tiny_t5",
    "train_bart_tokenizer",
    "train_t5_tokenizer",
]
