"""Rows are tokenised once: the cached encodings equal fresh ones and the trainer's losses do not change."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest
import torch

from gradiend_text.cloze import cloze_encoder
from gradiend_text.encoding import encode_row
from gradiend_text.objectives import compute_paired_loss
from gradiend_text.row_cache import CachedRowEncoder, ObjectiveRowEncoder
from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences, train_wordpiece_tokenizer
from gradiend_text.trainer import TextPredictionTrainer

ROWS = pd.DataFrame(
    {
        "masked": ["[MASK] said hello.", "Then [MASK] left.", "[MASK] said hello."],
        "factual": ["he", "they", "he"],
        "alternative": ["they", "he", "they"],
    }
)


def test_cached_encodings_equal_fresh_ones_and_are_computed_once() -> None:
    tokenizer = train_wordpiece_tokenizer(gender_template_frame(20)["text"].tolist() + neutral_sentences(20))
    calls: list[tuple[str, str]] = []

    def counting(tok: object, masked: str, word: str, placeholder: str) -> object:
        calls.append((masked, word))
        return ObjectiveRowEncoder("mlm")(tok, masked, word, placeholder)  # type: ignore[arg-type]

    cache = CachedRowEncoder(counting)  # type: ignore[arg-type]
    for masked, word in zip(ROWS["masked"], ROWS["factual"], strict=True):
        assert cache(tokenizer, masked, word, "[MASK]") == encode_row(
            tokenizer, masked, word, "mlm", "[MASK]"
        )
    assert calls == [("[MASK] said hello.", "he"), ("Then [MASK] left.", "they")]  # the repeat was cached
    assert len(cache) == 2
    other = train_wordpiece_tokenizer(neutral_sentences(30))
    cache(other, "[MASK] said hello.", "he", "[MASK]")
    assert len(cache) == 1  # another tokenizer starts over
    picklable = CachedRowEncoder(ObjectiveRowEncoder("mlm"), max_rows=7)
    picklable(tokenizer, "Then [MASK] left.", "they", "[MASK]")
    restored = pickle.loads(pickle.dumps(picklable))
    assert len(restored) == 0 and restored.max_rows == 7
    assert restored(tokenizer, "Then [MASK] left.", "they", "[MASK]") == encode_row(
        tokenizer, "Then [MASK] left.", "they", "mlm", "[MASK]"
    )
    with pytest.raises(ValueError, match="max_rows"):
        CachedRowEncoder(counting, max_rows=0)  # type: ignore[arg-type]


def test_full_cache_starts_over() -> None:
    tokenizer = train_wordpiece_tokenizer(gender_template_frame(20)["text"].tolist())
    cache = CachedRowEncoder(ObjectiveRowEncoder("mlm"), max_rows=1)
    cache(tokenizer, "[MASK] said hello.", "he", "[MASK]")
    cache(tokenizer, "Then [MASK] left.", "they", "[MASK]")
    assert len(cache) == 1


def test_trainer_losses_are_unchanged_by_the_cache(tiny_mlm: TinyLM) -> None:
    trainer = TextPredictionTrainer(
        model=tiny_mlm.path, data=gender_template_frame(20), target_classes=["he", "they"]
    )
    model = trainer.base_model
    fresh = compute_paired_loss(model, tiny_mlm.tokenizer, ROWS, "mlm", trainer.mask_placeholder)
    for _ in range(2):  # the second call reads the cached encodings
        cached = trainer.compute_losses(model, ROWS)
        assert torch.equal(cached.factual, fresh.factual)
        assert cached.alternative is not None and fresh.alternative is not None
        assert torch.equal(cached.alternative, fresh.alternative)
    assert len(trainer._row_encoder("mlm")) == 4  # two texts, each with its factual and alternative word


def test_cloze_rows_are_cached_with_their_window() -> None:
    tokenizer = train_wordpiece_tokenizer(gender_template_frame(20)["text"].tolist())
    tokenizer.bos_token = tokenizer.cls_token
    encode = cloze_encoder(2)
    cache = CachedRowEncoder(encode)
    row = ("[MASK] said hello to them.", "he")
    assert cache(tokenizer, *row, "[MASK]") == encode(tokenizer, *row, "[MASK]")
