"""Published example scripts of gradiend 0.2.3 (start_workflow.py, pronoun_workflow.py, english_pronouns.py,
train_english_pronouns.py), offline on a tiny BERT.

Swapped: the model id and the data (generated sentences instead of the published 76 sentences or the
Wikipedia CSVs of create_english_pronoun_data, which needs spaCy). The calls are as published, including
their arguments; only ``max_steps`` of the 500-step scripts is lowered (marked), to fit the CI budget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from compat_data import pronoun_base_texts, write_pronoun_data
from torch import nn

NEUTRAL_EXCLUDE = ["i", "we", "you", "he", "she", "it", "they", "me", "us", "him", "her", "them"]


@pytest.mark.slow
def test_start_workflow(tiny_mlm_path: str, in_tmp_dir: Path) -> None:
    from gradiend import TextFilterConfig, TextPredictionDataCreator, TextPredictionTrainer, TrainingArguments

    ARTIFICIAL_TEXTS = pronoun_base_texts()

    def create_data() -> tuple[Any, Any]:
        creator = TextPredictionDataCreator(
            base_data=ARTIFICIAL_TEXTS,
            feature_targets=[
                TextFilterConfig(targets=["he", "she", "it"], id="3SG"),
                TextFilterConfig(targets=["they"], id="3PL"),
            ],
        )
        training = creator.generate_training_data(max_size_per_class=50)
        neutral = creator.generate_neutral_data(
            additional_excluded_words=NEUTRAL_EXCLUDE,
            max_size=50,
        )
        return training, neutral

    def train_and_evaluate(training: Any, neutral: Any) -> tuple[Any, Any, Any, Any]:
        args = TrainingArguments(
            train_batch_size=4,
            eval_steps=5,
            num_train_epochs=5,
            max_steps=25,
            learning_rate=1e-3,
            experiment_dir="runs/examples/start_workflow",
        )
        trainer = TextPredictionTrainer(
            model=tiny_mlm_path,  # published: "bert-base-uncased"
            data=training,
            eval_neutral_data=neutral,
            max_counterfactuals_per_sentence=2,
            img_format="png",
            args=args,
        )
        trainer.train()
        trainer.plot_training_convergence()

        enc_result = trainer.evaluate_encoder(plot=True)
        dec = trainer.evaluate_decoder(plot=True, target_class="3SG")
        changed_base_model = trainer.rewrite_base_model(decoder_results=dec, target_class="3SG")
        return trainer, enc_result, dec, changed_base_model

    training, neutral = create_data()
    trainer, _enc_result, dec, changed_base_model = train_and_evaluate(training, neutral)

    plots = in_tmp_dir / "runs" / "examples" / "start_workflow" / "plots"
    assert (plots / "training_convergence.png").is_file()
    assert (in_tmp_dir / "runs" / "examples" / "start_workflow" / "model" / "config.json").is_file()
    assert isinstance(changed_base_model, nn.Module) and dec["3SG"]["lms"] > 0
    assert trainer.get_model().metadata["modality"] == "text"


def test_max_counterfactuals_per_sentence_pairs_a_sentence_with_distinct_alternatives(
    tiny_mlm_path: str,
) -> None:
    from gradiend import TextPredictionTrainer
    from gradiend_text.testing import gender_template_frame

    data = gender_template_frame(20, seed=1, classes=("he", "she", "they"))
    data["label_class"] = data["label_class"].map({"he": "3SG", "she": "3SG", "they": "3PL"})
    plain = TextPredictionTrainer(model=tiny_mlm_path, data=data, target_classes=["3SG", "3PL"])
    two = TextPredictionTrainer(
        model=tiny_mlm_path, data=data, target_classes=["3SG", "3PL"], max_counterfactuals_per_sentence=2
    )
    plural = two.rows[two.rows["feature_class"] == "3PL"]
    assert plural.groupby("masked")["alternative"].nunique().eq(2).all(), "he and she for every 'they' row"
    assert plural.groupby("masked")["split"].nunique().eq(1).all(), "both rows of a sentence in one split"
    singular = two.rows[two.rows["feature_class"] == "3SG"]
    assert len(singular) == len(plain.rows[plain.rows["feature_class"] == "3SG"]), (
        "only 'they' is left to draw"
    )
    with pytest.raises(ValueError, match="max_counterfactuals_per_sentence"):
        TextPredictionTrainer(model=tiny_mlm_path, data=data, max_counterfactuals_per_sentence=0)


def _english_pronoun_script(data_dir: Path, model: str, *, source: str, **arguments: Any) -> Any:
    """The common body of pronoun_workflow.py / english_pronouns.py / train_english_pronouns.py."""
    from gradiend import TextPredictionConfig, TextPredictionTrainer, TrainingArguments

    base = Path(data_dir)
    training_path = base / "training.csv"
    neutral_path = base / "neutral.csv"

    config = TextPredictionConfig(
        run_id="pronoun_3sg_3pl",
        data=training_path,
        target_classes=["3SG", "3PL"],
        eval_neutral_data=neutral_path,
    )
    args = TrainingArguments(source=source, target="diff", eval_batch_size=4, **arguments)
    trainer = TextPredictionTrainer(
        model=model,
        config=config,
        args=args,
    )
    trainer.train()
    trainer.plot_training_convergence()

    stats = trainer.get_training_stats()
    ts = stats.get("training_stats", {}) if stats else {}
    assert "correlation" in ts, "training.json keeps the published training_stats block"

    trainer.evaluate_encoder(plot=True)
    return trainer


@pytest.mark.slow
def test_pronoun_workflow(tiny_mlm_path: str, in_tmp_dir: Path) -> None:
    data_dir = Path("data/english_pronouns")
    write_pronoun_data(data_dir)
    trainer = _english_pronoun_script(
        data_dir,
        tiny_mlm_path,
        source="factual",
        experiment_dir="runs/pronoun_workflow",
        train_batch_size=8,
        eval_steps=100,
        num_train_epochs=2,
        max_steps=60,  # published: 500
        learning_rate=1e-4,
    )
    enc_metrics = trainer.get_encoder_metrics(split="train")
    assert enc_metrics["n_samples"] > 0
    dec = trainer.evaluate_decoder()
    summary = dec.get("summary", {})
    assert isinstance(summary, dict)
    assert (
        in_tmp_dir / "runs" / "pronoun_workflow" / "pronoun_3sg_3pl" / "model" / "training.json"
    ).is_file()


@pytest.mark.slow
def test_train_english_pronouns(tiny_mlm_path: str, in_tmp_dir: Path) -> None:
    data_dir = Path("data/english_pronouns")
    write_pronoun_data(data_dir)
    trainer = _english_pronoun_script(
        data_dir,
        tiny_mlm_path,
        source="alternative",
        experiment_dir="runs/english_pronouns",
        train_batch_size=4,
        eval_steps=25,
        num_train_epochs=5,
        max_steps=500,
        learning_rate=1e-3,
        fail_on_non_convergence=True,
    )
    enc_metrics = trainer.get_encoder_metrics(use_cache=True)
    assert abs(enc_metrics["correlation"]) >= 0.5
    dec = trainer.evaluate_decoder(plot=True)
    stats = dec["3SG"]
    assert stats["lms"] >= 0.99 * stats["base_lms"] or stats["fallback"]
