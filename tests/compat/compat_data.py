"""Generated data for the ported published scripts (in place of their hub datasets and files)."""

from __future__ import annotations

import random
from pathlib import Path

from gradiend_text.testing import gender_template_frame, neutral_sentences


def pronoun_base_texts(n_per_class: int = 40, n_neutral: int = 30, seed: int = 0) -> list[str]:
    """Sentences for TextPredictionDataCreator: he/she/they sentences after a long left context, and
    neutral sentences (the creator needs 10 words before a target by default)."""
    rng = random.Random(seed)
    context = neutral_sentences(200, seed=seed + 1)
    templates = gender_template_frame(n_per_class, seed=seed, classes=("he", "she", "they"))
    texts = [
        f"{rng.choice(context)[:-1]} and {rng.choice(context)[:-1]}, and {text}" for text in templates["text"]
    ]
    return texts + neutral_sentences(n_neutral, seed=seed + 2)


def write_pronoun_data(directory: str | Path) -> tuple[Path, Path]:
    """``training.csv`` (3SG he/she vs 3PL they, unified layout) and ``neutral.csv`` under ``directory``.

    The files the published scripts expect from ``create_english_pronoun_data`` (which needs spaCy and
    Wikipedia), written by TextPredictionDataCreator from generated sentences.
    """
    from gradiend import TextFilterConfig, TextPredictionDataCreator

    base = Path(directory)
    base.mkdir(parents=True, exist_ok=True)
    creator = TextPredictionDataCreator(
        base_data=pronoun_base_texts(60, 60),
        feature_targets=[
            TextFilterConfig(targets=["he", "she", "it"], id="3SG"),
            TextFilterConfig(target="they", id="3PL"),
        ],
    )
    creator.generate_training_data(max_size_per_class=60, output=base / "training.csv")
    neutral = creator.generate_neutral_data(
        additional_excluded_words=["he", "she", "it", "they"], max_size=40
    )
    neutral.to_csv(base / "neutral.csv", index=False)
    return base / "training.csv", base / "neutral.csv"


__all__ = ["pronoun_base_texts", "write_pronoun_data"]
