"""The text-classification modality on a tiny sentiment classifier built and fine-tuned here."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gradiend import Trainer
from gradiend.testing import assert_feature_learned, check_definition_contract, quick_arguments
from gradiend_text.classification import label_probabilities
from gradiend_text.classification_data import TextClassificationConfig, TextClassificationDataCreator
from gradiend_text.classification_trainer import TextClassificationTrainer
from gradiend_text.testing_classification import save_tiny_classifier, sentiment_frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> TextClassificationTrainer:
    folder = tmp_path_factory.mktemp("sentiment")
    trainer = Trainer.for_modality(
        "text-classification",
        model=save_tiny_classifier(folder),
        data=sentiment_frame(120, seed=1),
        target_classes=["positive", "negative"],
        args=quick_arguments(folder / "run", max_seeds=3),
    )
    assert isinstance(trainer, TextClassificationTrainer)
    head = trainer.train_classification_head(epochs=6, batch_size=16, lr=1e-3)
    assert head == trainer.classification_head_dir
    trainer.train()
    return trainer


def test_the_fine_tuned_classifier_is_accurate_on_held_out_reviews(
    trained: TextClassificationTrainer,
) -> None:
    held_out = sentiment_frame(60, seed=9)
    assert trained.tokenizer is not None
    probabilities = label_probabilities(trained.base_model, trained.tokenizer, held_out["text"].tolist())
    names = trained.base_model.config.id2label
    predicted = [names[int(i)] for i in probabilities.argmax(-1)]
    assert (pd.Series(predicted) == held_out["label"]).mean() >= 0.9


def test_the_label_pair_is_learned(trained: TextClassificationTrainer) -> None:
    check_definition_contract(trained)
    assert_feature_learned(trained, 0.9)


def test_strengthening_positive_moves_its_probability_and_keeps_neutral_accuracy(
    trained: TextClassificationTrainer, tmp_path: Path
) -> None:
    from transformers import AutoModelForSequenceClassification

    results = trained.evaluate_decoder(target_class="positive")
    entry = results["positive"]
    assert not entry["fallback"]
    assert entry["lms"] >= 0.99 * entry["base_lms"]
    path = trained.rewrite_base_model(
        decoder_results=results, target_class="positive", output_dir=str(tmp_path / "rewritten")
    )
    rewritten = AutoModelForSequenceClassification.from_pretrained(path).eval()
    negative = trained.create_training_data("test")
    negative = negative[negative["feature_class"] == "negative"]["text"].tolist()
    assert trained.tokenizer is not None
    positive_id = trained.base_model.config.label2id["positive"]
    before = float(
        label_probabilities(trained.base_model, trained.tokenizer, negative)[:, positive_id].mean()
    )
    after = float(label_probabilities(rewritten, trained.tokenizer, negative)[:, positive_id].mean())
    assert after >= 2.0 * before, f"P(positive) on negative rows {before:.4f} -> {after:.4f}"


def test_the_data_creator_labels_splits_and_balances(tmp_path: Path) -> None:
    texts = sentiment_frame(30, seed=2)["text"].tolist()

    def label(text: str) -> str | None:
        words = set(text.rstrip(".").split())
        if words & {"great", "wonderful", "excellent", "happy"}:
            return "positive"
        if words & {"terrible", "awful", "boring", "sad"}:
            return "negative"
        return None if "monday" in words else "neutral"

    creator = TextClassificationDataCreator(texts, label, seed=0, neutral_sentinel="neutral")
    rows = creator.generate_training_data(balance="strict")
    assert set(rows["label"]) == {"positive", "negative"}
    counts = rows["label"].value_counts()
    assert counts["positive"] == counts["negative"]
    assert set(rows["split"]) == {"train", "validation", "test"}
    neutral = creator.generate_neutral_data()
    assert len(neutral) > 0 and list(neutral.columns) == ["text"]  # one text column, as published
    assert {label(text) for text in neutral["text"]} == {"neutral"}
    rows.to_csv(tmp_path / "rows.csv", index=False)
    config = TextClassificationConfig(text_col="text", label_col="label")
    with pytest.raises(ValueError, match="split ratios"):
        creator.generate_training_data(train_ratio=0.9)
    with pytest.raises(ValueError, match="utility score"):
        trainer = TextClassificationTrainer(
            save_tiny_classifier(tmp_path),
            config=config,
            data=tmp_path / "rows.csv",
            target_classes=["positive", "negative"],
            args=quick_arguments(tmp_path / "r"),
        )
        trainer.evaluate_decoder()


def test_bad_pairs_and_columns_are_explained(tmp_path: Path) -> None:
    model = save_tiny_classifier(tmp_path)
    data = sentiment_frame(20)
    with pytest.raises(ValueError, match="not labels of the data"):
        TextClassificationTrainer(model, data=data, target_classes=["positive", "angry"])
    with pytest.raises(ValueError, match="lacks the column"):
        TextClassificationTrainer(
            model, data=data.rename(columns={"text": "review"}), target_classes=["positive", "negative"]
        )


def test_a_model_with_other_labels_is_refitted_and_a_saved_head_is_reused(tmp_path: Path) -> None:
    from transformers import AutoConfig

    model = save_tiny_classifier(tmp_path, labels=("x", "y"))
    args = quick_arguments(tmp_path / "run")
    trainer = TextClassificationTrainer(
        model, data=sentiment_frame(20), target_classes=["positive", "negative"], args=args
    )
    head = trainer.train_classification_head(epochs=1, batch_size=16, lr=1e-3)
    labels = set(AutoConfig.from_pretrained(head).id2label.values())
    assert labels == {"positive", "negative", "neutral"}
    assert trainer.base_model.config.label2id.keys() == labels
    stamp = (Path(head) / "config.json").stat().st_mtime_ns
    again = TextClassificationTrainer(
        model, data=sentiment_frame(20), target_classes=["positive", "negative"], args=args
    )
    assert again.base_model_path == head, "a head saved next to the run is picked up"
    assert again.train_classification_head(use_cache=True) == head
    assert (Path(head) / "config.json").stat().st_mtime_ns == stamp
