"""Published keywords of the text-classification data creator, config and trainer (no GRADIEND training)."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import torch

from gradiend.data.text.classification import TextClassificationDataCreator
from gradiend.trainer.text.classification import TextClassificationConfig, TextClassificationTrainer
from gradiend_text.testing_classification import save_tiny_classifier, sentiment_frame


def _label(text: str) -> str | None:
    return "positive" if "great" in text else "negative" if "awful" in text else None


def _dataset_dir(folder: Path) -> str:
    from datasets import Dataset, DatasetDict

    train = pd.DataFrame({"text": ["the film was great", "the food was awful", "it was monday"] * 10})
    test = pd.DataFrame({"text": ["the hotel was great today"] * 7})
    DatasetDict({"train": Dataset.from_pandas(train), "test": Dataset.from_pandas(test)}).save_to_disk(
        str(folder)
    )
    return str(folder)


def test_split_output_dir_and_cache(tmp_path: Path) -> None:
    source = _dataset_dir(tmp_path / "ds")
    creator = TextClassificationDataCreator(
        source, _label, split="train", output_dir=tmp_path / "out", output_format="parquet", use_cache=True,
        neutral_filter_fn=lambda t: _label(t) is None,
    )  # fmt: skip
    assert len(creator.texts) == 30, "only the train split is read"
    rows = creator.generate_training_data(min_rows_for_split=10)
    assert (tmp_path / "out" / "training.parquet").is_file()
    assert set(rows["label"]) == {"positive", "negative"} and set(rows["split"]) == {
        "train",
        "validation",
        "test",
    }
    neutral = creator.generate_neutral_data(max_size=4, text_column_out="sentence")
    assert list(neutral.columns) == ["sentence"] and len(neutral) == 4
    assert pd.read_parquet(tmp_path / "out" / "neutral.parquet").equals(neutral)
    marker = pd.DataFrame({"text": ["cached"], "label": ["positive"], "split": ["train"]})
    marker.to_parquet(tmp_path / "out" / "training.parquet", index=False)
    assert creator.generate_training_data(min_rows_for_split=10).equals(marker), "use_cache reads the table"
    test_only = TextClassificationDataCreator(source, _label, split="test")
    assert len(test_only.texts) == 7
    with pytest.raises(ValueError, match="min_rows_for_split"):
        test_only.generate_training_data(min_rows_for_split=50)


def test_bad_published_keywords_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="hf_config"):
        TextClassificationDataCreator(["a great film"], _label, hf_config="sentiment")
    with pytest.raises(ValueError, match="split 'validation'"):
        TextClassificationDataCreator(_dataset_dir(tmp_path / "ds"), _label, split="validation")
    with pytest.raises(ValueError, match="output_format"):
        TextClassificationDataCreator(["a great film"], _label, output_format="xlsx")
    with pytest.raises(ValueError, match="trust_remote_code"):
        TextClassificationDataCreator(["a great film"], _label, trust_remote_code=True)


def test_unlabelled_neutral_texts_score_agreement_with_the_unchanged_model(tmp_path: Path) -> None:
    data = sentiment_frame(30, seed=1, classes=("positive", "negative"))
    neutral = tmp_path / "neutral.csv"
    pd.DataFrame({"text": sentiment_frame(30, seed=2, classes=("neutral",))["text"]}).to_csv(
        neutral, index=False
    )
    config = TextClassificationConfig(
        run_id="demo", data=data, target_classes=["negative", "positive"], eval_neutral_data=neutral
    )
    from gradiend import TrainingArguments

    trainer = TextClassificationTrainer(
        model=save_tiny_classifier(tmp_path, seed=3), config=config,
        args=TrainingArguments(experiment_dir=str(tmp_path / "run")),
    )  # fmt: skip
    assert Path(trainer.experiment_dir).name == "demo"
    eval_data = trainer._get_decoder_eval_dataframe()
    assert len(eval_data.neutral) == 30 and set(eval_data.neutral["label"]) <= {
        "negative",
        "neutral",
        "positive",
    }
    assert trainer.evaluate_base_model(trainer.base_model, eval_data).lms == 1.0
    changed = copy.deepcopy(trainer.base_model)
    with torch.no_grad():
        changed.classifier.weight.copy_(torch.randn_like(changed.classifier.weight) * 5)
    assert trainer.evaluate_base_model(changed, eval_data).lms < 1.0
