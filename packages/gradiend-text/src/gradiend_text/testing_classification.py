"""A tiny sentiment classifier for tests: templated reviews and a small BERT built offline.

:func:`sentiment_frame` writes ``"{subject} {predicate}."`` reviews labelled ``positive``,
``negative`` or ``neutral`` (the predicate decides); :func:`save_tiny_classifier` saves an untrained
``BertForSequenceClassification`` with a WordPiece tokenizer fitted to them, ready for
``TextClassificationTrainer.train_classification_head``.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import torch

SENTIMENT_SUBJECTS: tuple[str, ...] = (
    "the film",
    "the food",
    "the hotel",
    "the service",
    "the book",
    "the concert",
    "the game",
    "the trip",
    "the room",
    "the show",
)
SENTIMENT_PREDICATES: dict[str, tuple[str, ...]] = {
    "positive": (
        "was great",
        "was wonderful",
        "was excellent",
        "made me happy",
        "was a joy",
        "was lovely",
        "was brilliant",
        "felt amazing",
    ),
    "negative": (
        "was terrible",
        "was awful",
        "was boring",
        "made me sad",
        "was a mess",
        "was horrible",
        "was dreadful",
        "felt painful",
    ),
    "neutral": (
        "was on monday",
        "started at eight",
        "was in the city",
        "had two parts",
        "was last week",
        "took an hour",
        "was near the station",
        "had a new name",
    ),
}
_OPENERS = ("", "honestly ", "i think ", "my friend said ", "overall ")


def sentiment_frame(
    n_per_class: int, seed: int = 0, classes: Sequence[str] = ("positive", "negative", "neutral")
) -> pd.DataFrame:
    """``n_per_class`` distinct reviews per class: columns ``text`` and ``label``."""
    rng = random.Random(seed)
    rows = []
    for label in classes:
        if label not in SENTIMENT_PREDICATES:
            raise ValueError(f"unknown class {label!r}; choose from {sorted(SENTIMENT_PREDICATES)}")
        pool = list(itertools.product(_OPENERS, SENTIMENT_SUBJECTS, SENTIMENT_PREDICATES[label]))
        if n_per_class > len(pool):
            raise ValueError(f"only {len(pool)} reviews exist per class, asked for {n_per_class}")
        rows += [{"text": f"{o}{s} {p}.", "label": label} for o, s, p in rng.sample(pool, n_per_class)]
    return pd.DataFrame(rows)


def save_tiny_classifier(
    folder: str | os.PathLike[str], labels: Sequence[str] = ("negative", "neutral", "positive"), seed: int = 0
) -> str:
    """Save an untrained tiny ``BertForSequenceClassification`` (2 layers, 64 wide) and its tokenizer."""
    from transformers import BertConfig, BertForSequenceClassification

    from gradiend_text.models import save_text_model
    from gradiend_text.testing import train_wordpiece_tokenizer

    tokenizer = train_wordpiece_tokenizer(sentiment_frame(320, seed=seed)["text"].tolist())
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=256,
        max_position_embeddings=64,
        pad_token_id=tokenizer.pad_token_id,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    config.id2label = dict(enumerate(labels))  # also sets num_labels
    config.label2id = {label: i for i, label in enumerate(labels)}
    torch.manual_seed(seed)
    model = BertForSequenceClassification(config)
    return save_text_model(model, tokenizer, Path(folder) / "tiny-sentiment")


__all__ = ["SENTIMENT_PREDICATES", "SENTIMENT_SUBJECTS", "save_tiny_classifier", "sentiment_frame"]
