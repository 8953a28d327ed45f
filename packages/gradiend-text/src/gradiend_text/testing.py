"""Helpers for tests and plugin authors: tiny real language models built offline in seconds.

* :func:`gender_template_frame` / :func:`neutral_sentences` (from :mod:`gradiend_text.templates`): templated
  sentences (``"mary said that [MASK] felt tired."``) with one pronoun class per subject, and sentences
  without pronouns.
* :func:`train_wordpiece_tokenizer` (BERT-style, for masked LMs) and :func:`train_bpe_tokenizer`
  (byte-level, GPT-2-style, for causal LMs): tokenizers trained with the ``tokenizers`` library on
  given texts and wrapped as transformers tokenizers.
* :func:`tiny_bert_mlm` / :func:`tiny_gpt2_clm`: small randomly initialised models from a config.
* :func:`pretrain_tiny_lm`: a short pre-training run so that predictions become sensible.
* :func:`build_tiny_lm`: all of the above; pre-training runs until the model predicts the right
  pronoun class on held-out templates (:func:`class_prediction_accuracy`); :func:`save_tiny_lm` also
  saves it and loads it back (:class:`TinyLM`).
"""

from __future__ import annotations

import logging
import os
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import torch

from gradiend_text.encoding import Objective, check_objective
from gradiend_text.scoring import target_word_probabilities
from gradiend_text.templates import PREDICATES, SUBJECTS, VERBS, gender_template_frame, neutral_sentences

if TYPE_CHECKING:
    from transformers import PreTrainedModel, PreTrainedTokenizerBase, PreTrainedTokenizerFast

logger = logging.getLogger(__name__)


def _wordpiece_vocabulary(
    texts: Sequence[str], normalize: Callable[[str], str], split: Callable[[str], list[str]], size: int
) -> dict[str, int]:
    """Specials, every character (alone and as ``##`` continuation), then the most frequent words.

    Ties are broken alphabetically, so the same texts always give the same vocabulary (the WordPiece
    trainer of ``tokenizers`` does not: its merges and ids vary between processes).
    """
    counts: Counter[str] = Counter(word for text in texts for word in split(normalize(text)))
    characters = sorted({char for word in counts for char in word})
    tokens = [*WORDPIECE_SPECIALS, *characters, *(f"##{char}" for char in characters)]
    known = set(tokens)
    ranked = sorted((word for word in counts if word not in known), key=lambda word: (-counts[word], word))
    tokens += ranked[: max(0, size - len(tokens))]
    return {token: i for i, token in enumerate(tokens)}


WORDPIECE_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def train_wordpiece_tokenizer(texts: Sequence[str], vocab_size: int = 400) -> PreTrainedTokenizerFast:
    """A lower-casing WordPiece tokenizer with ``[PAD] [UNK] [CLS] [SEP] [MASK]`` (BERT layout).

    The vocabulary holds every character of ``texts`` (so any word over the same alphabet tokenizes
    into sub-words) and their most frequent whole words, up to ``vocab_size``; it is deterministic.
    """
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    normalizer = normalizers.BertNormalizer(lowercase=True)
    pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    vocabulary = _wordpiece_vocabulary(
        texts,
        normalizer.normalize_str,
        lambda text: [word for word, _ in pre_tokenizer.pre_tokenize_str(text)],
        vocab_size,
    )
    backend = Tokenizer(models.WordPiece(vocabulary, unk_token="[UNK]"))
    backend.normalizer = normalizer
    backend.pre_tokenizer = pre_tokenizer
    cls_id, sep_id = vocabulary["[CLS]"], vocabulary["[SEP]"]
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B [SEP]",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    backend.decoder = decoders.WordPiece()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )


def train_bpe_tokenizer(texts: Sequence[str], vocab_size: int = 600) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer (GPT-2 layout: ``<|endoftext|>`` as BOS/EOS, ``<pad>`` for padding)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    backend.decoder = decoders.ByteLevel()
    backend.train_from_iterator(
        texts,
        trainers.BpeTrainer(
            vocab_size=vocab_size,
            special_tokens=["<|endoftext|>", "<pad>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<|endoftext|>",
        eos_token="<|endoftext|>",
        unk_token="<|endoftext|>",
        pad_token="<pad>",
    )


def tiny_bert_mlm(
    tokenizer: PreTrainedTokenizerBase, hidden_size: int = 64, num_layers: int = 2, seed: int = 0
) -> PreTrainedModel:
    """A randomly initialised ``BertForMaskedLM`` for ``tokenizer`` (2 heads, 64 positions, no dropout).

    Weights start at std 0.1 (BERT uses 0.02): with that, attention from the mask to the subject forms
    within about 150 steps instead of 300-500.
    """
    from transformers import BertConfig, BertForMaskedLM

    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=2,
        intermediate_size=4 * hidden_size,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        initializer_range=0.1,
    )
    torch.manual_seed(seed)
    return BertForMaskedLM(config)


def tiny_gpt2_clm(
    tokenizer: PreTrainedTokenizerBase, hidden_size: int = 64, num_layers: int = 2, seed: int = 0
) -> PreTrainedModel:
    """A randomly initialised ``GPT2LMHeadModel`` for ``tokenizer`` (2 heads, 64 positions, no dropout)."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=64,
        n_embd=hidden_size,
        n_layer=num_layers,
        n_head=2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
    )
    torch.manual_seed(seed)
    return GPT2LMHeadModel(config)


def _batches(texts: Sequence[str], batch_size: int, rng: random.Random) -> Iterator[list[str]]:
    while True:
        order = list(texts)
        rng.shuffle(order)
        for start in range(0, len(order) - batch_size + 1, batch_size):
            yield order[start : start + batch_size]


def _pretraining_batch(
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    objective: Objective,
    focus_ids: torch.Tensor,
    mask_probability: float,
    generator: torch.Generator,
) -> dict[str, torch.Tensor]:
    encoded = tokenizer(texts, padding=True, return_tensors="pt", return_special_tokens_mask=True)
    input_ids, attention = encoded["input_ids"], encoded["attention_mask"]
    if objective == "clm":
        return {
            "input_ids": input_ids,
            "attention_mask": attention,
            "labels": input_ids.masked_fill(attention == 0, -100),
        }
    special = encoded["special_tokens_mask"].bool() | (attention == 0)
    focus = torch.isin(input_ids, focus_ids)
    chosen = ((torch.rand(input_ids.shape, generator=generator) < mask_probability) | focus) & ~special
    masked = input_ids.masked_fill(chosen, int(tokenizer.mask_token_id))
    return {"input_ids": masked, "attention_mask": attention, "labels": input_ids.masked_fill(~chosen, -100)}


def pretrain_tiny_lm(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    texts: Sequence[str],
    steps: int = 300,
    seed: int = 0,
    objective: Objective | None = None,
    batch_size: int = 32,
    learning_rate: float = 3e-3,
    warmup_steps: int = 30,
    mask_probability: float = 0.15,
    focus_words: Sequence[str] = (),
    stop_when: Callable[[], bool] | None = None,
    check_every: int = 50,
) -> int:
    """Train ``model`` in place with AdamW (linear warm-up) on ``texts``; return the steps taken.

    Masked LMs learn to fill ``mask_probability`` of the non-special tokens plus every token of
    ``focus_words`` (so that a short run learns to predict them); causal LMs learn the next token.
    ``stop_when`` is called (model in eval mode) every ``check_every`` steps and ends training early
    when it returns ``True``. The model is left in eval mode.
    """
    from gradiend_text.objectives import detect_objective

    objective = check_objective(objective or detect_objective(model))
    if len(texts) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} texts, got {len(texts)}")
    rng, generator = random.Random(seed), torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / max(warmup_steps, 1))
    )
    word_ids = [i for word in focus_words for i in tokenizer(word, add_special_tokens=False)["input_ids"]]
    focus_ids = torch.tensor(word_ids, dtype=torch.long)
    batches = _batches(texts, batch_size, rng)
    for step in range(1, steps + 1):
        model.train()
        batch = _pretraining_batch(
            tokenizer, next(batches), objective, focus_ids, mask_probability, generator
        )
        loss = model(**batch).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if stop_when is not None and step % check_every == 0:
            model.eval()
            if stop_when():
                return step
    model.eval()
    return steps


def class_prediction_accuracy(
    model: PreTrainedModel,
    tokenizer: PreTrainedTokenizerBase,
    rows: pd.DataFrame,
    targets: dict[str, list[str]],
    objective: Objective,
) -> float:
    """Share of ``rows`` whose most probable class (over ``targets``) is the row's ``label_class``."""
    probabilities = target_word_probabilities(
        model, tokenizer, rows.drop(columns=["label"], errors="ignore"), targets, objective
    )
    return float((probabilities.idxmax(axis=1) == rows["label_class"]).mean())


@contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one intra-op thread inside the block (restored afterwards).

    Tiny models gain nothing from several threads, and on a busy machine thread contention makes each
    step ten times slower.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def build_tiny_lm(
    objective: Objective,
    seed: int = 0,
    max_steps: int = 800,
    classes: Sequence[str] = ("he", "she", "they"),
    min_accuracy: float = 0.9,
    stop_accuracy: float = 0.98,
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    """A tiny pre-trained MLM (BERT) or CLM (GPT-2) on pronoun templates plus neutral sentences.

    Pre-training stops once the model predicts the right class (argmax over the pronouns) on at least
    ``stop_accuracy`` of 60 held-out templates per class (checked every 50 steps) or after
    ``max_steps``; the margin above ``min_accuracy`` keeps other held-out templates above it too.

    Raises:
        RuntimeError: when the held-out accuracy ends below ``min_accuracy``.
    """
    objective = check_objective(objective)
    with single_thread():
        return _build_tiny_lm(objective, seed, max_steps, classes, min_accuracy, stop_accuracy)


def _build_tiny_lm(
    objective: Objective,
    seed: int,
    max_steps: int,
    classes: Sequence[str],
    min_accuracy: float,
    stop_accuracy: float,
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    train = gender_template_frame(120, seed=seed, classes=classes)
    held_out = gender_template_frame(60, seed=seed + 1, classes=classes, exclude=train)
    corpus = train["text"].tolist() + neutral_sentences(200, seed=seed)
    vocabulary_texts = corpus + held_out["text"].tolist()
    if objective == "mlm":
        tokenizer = train_wordpiece_tokenizer(vocabulary_texts)
        model = tiny_bert_mlm(tokenizer, seed=seed)
    else:
        tokenizer = train_bpe_tokenizer(vocabulary_texts)
        model = tiny_gpt2_clm(tokenizer, seed=seed)
    targets = {c: [c] for c in classes}
    accuracy = [0.0]

    def good_enough() -> bool:
        accuracy[0] = class_prediction_accuracy(model, tokenizer, held_out, targets, objective)
        return accuracy[0] >= stop_accuracy

    steps = pretrain_tiny_lm(
        model,
        tokenizer,
        corpus,
        steps=max_steps,
        seed=seed,
        objective=objective,
        focus_words=classes,
        stop_when=good_enough,
    )
    logger.info("Tiny %s: held-out class accuracy %.3f after %d steps", objective, accuracy[0], steps)
    if accuracy[0] < min_accuracy:
        raise RuntimeError(
            f"tiny {objective} reached only {accuracy[0]:.3f} held-out accuracy (< {min_accuracy}) "
            f"in {steps} steps"
        )
    return model, tokenizer


@dataclass
class TinyLM:
    """A tiny pre-trained language model saved at ``path`` and loaded back from there."""

    path: str
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    objective: Objective


def save_tiny_lm(objective: Objective, folder: str | os.PathLike[str], seed: int = 0) -> TinyLM:
    """Build a tiny LM (:func:`build_tiny_lm`), save it under ``folder`` and load it back (eval mode)."""
    from gradiend_text.models import load_text_model, save_text_model

    model, tokenizer = build_tiny_lm(objective, seed=seed)
    path = save_text_model(model, tokenizer, Path(folder) / f"tiny-{objective}")
    loaded, loaded_tokenizer = load_text_model(path)
    return TinyLM(path, loaded.eval(), loaded_tokenizer, check_objective(objective))


__all__ = [
    "PREDICATES",
    "SUBJECTS",
    "VERBS",
    "TinyLM",
    "build_tiny_lm",
    "class_prediction_accuracy",
    "gender_template_frame",
    "neutral_sentences",
    "pretrain_tiny_lm",
    "save_tiny_lm",
    "single_thread",
    "tiny_bert_mlm",
    "tiny_gpt2_clm",
    "train_bpe_tokenizer",
    "train_wordpiece_tokenizer",
]
