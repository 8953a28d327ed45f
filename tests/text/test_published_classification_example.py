"""The published example train_text_classification_experimental.py, offline.

Its calls are kept as written; only the model id (the tiny BERT classifier of
``gradiend_text.testing_classification`` instead of ``distilbert-base-uncased``) and the hub dataset
(``base_data="tweet_eval", hf_config="sentiment"``: a local ``datasets`` save_to_disk directory of
templated reviews with train and test splits) are swapped. 1000 GRADIEND steps: marked slow.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gradiend_text.testing_classification import save_tiny_classifier, sentiment_frame

POS_WORDS = ("love", "great", "amazing", "best", "excellent", "incredible", "awesome", "fantastic")
NEG_WORDS = ("hate", "terrible", "awful", "worst", "disappointed", "poor", "waste", "horrible")


def label_sentiment(text: str) -> str | None:
    text = text.lower()
    if any(word in text for word in POS_WORDS):
        return "positive"
    if any(word in text for word in NEG_WORDS):
        return "negative"
    return None


def _local_tweets(folder: Path) -> str:
    """A DatasetDict on disk standing in for tweet_eval/sentiment (train and test splits)."""
    from datasets import Dataset, DatasetDict

    train, test = sentiment_frame(80, seed=1), sentiment_frame(20, seed=2)
    DatasetDict(
        {"train": Dataset.from_pandas(train[["text"]]), "test": Dataset.from_pandas(test[["text"]])}
    ).save_to_disk(str(folder))
    return str(folder)


@pytest.mark.slow
def test_train_text_classification_experimental_runs_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradiend import TrainingArguments
    from gradiend.data.text.classification import TextClassificationDataCreator
    from gradiend.trainer.text.classification import TextClassificationConfig, TextClassificationTrainer

    monkeypatch.chdir(tmp_path)
    local_tweets = _local_tweets(tmp_path / "tweets")
    local_model = save_tiny_classifier(tmp_path / "model")
    DATA_DIR = Path("data/tweet_eval_sentiment")

    # --- the published example from here on (model id and hub dataset swapped) ---
    creator = TextClassificationDataCreator(
        base_data=local_tweets,
        split="train",
        label_fn=label_sentiment,
        seed=42,
        output_dir=str(DATA_DIR),
        output_format="csv",
        use_cache=True,
        neutral_filter_fn=lambda text: label_sentiment(text) is None,
    )
    train_df = creator.generate_training_data(max_size=5000, min_rows_for_split=50, balance="try")
    neutral_df = creator.generate_neutral_data(max_size=500)

    config = TextClassificationConfig(
        run_id="tweet_eval_sentiment_demo",
        data=DATA_DIR / "training.csv",
        target_classes=["negative", "positive"],
        eval_neutral_data=DATA_DIR / "neutral.csv",
        eval_neutral_max_rows=1000,
    )
    args = TrainingArguments(
        experiment_dir="runs/examples/tweet_eval_sentiment",
        train_batch_size=8,
        eval_batch_size=8,
        max_steps=1000,
        learning_rate=5e-4,
        use_cache=False,
        fail_on_non_convergence=True,
    )
    trainer = TextClassificationTrainer(
        model=local_model,
        config=config,
        args=args,
    )
    trainer.train_classification_head(epochs=1, batch_size=8, max_length=128)
    trainer.train()
    trainer.plot_training_convergence()
    enc = trainer.evaluate_encoder(plot=True)
    dec = trainer.evaluate_decoder(plot=True, use_cache=False)
    # --- end of the published example ---

    assert set(train_df["label"]) == {"negative", "positive"}
    assert neutral_df["text"].map(label_sentiment).isna().all() and len(neutral_df) > 0
    assert Path(DATA_DIR / "training.csv").is_file() and Path(DATA_DIR / "neutral.csv").is_file()
    cached = TextClassificationDataCreator(
        base_data=local_tweets, label_fn=label_sentiment, output_dir=str(DATA_DIR), use_cache=True
    ).generate_training_data(max_size=5000, min_rows_for_split=50, balance="try")
    pd.testing.assert_frame_equal(cached.reset_index(drop=True), pd.read_csv(DATA_DIR / "training.csv"))
    assert trainer.experiment_dir.endswith("tweet_eval_sentiment_demo")
    assert abs(enc["correlation"]) >= 0.5
    assert {"negative", "positive", "grid"} <= set(dec)
