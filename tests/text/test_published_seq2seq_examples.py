"""The published examples train_seq2seq_encoder_mlm.py and train_seq2seq_decoder_sequence.py, offline.

Their calls are kept as written; only the model id (the tiny pre-trained T5 of
``gradiend_text.testing_seq2seq`` instead of ``t5-small``) and the data (generated English pronoun CSVs
with the classes 3SG = he/she and 3PL = they, and neutral sentences, instead of
``ensure_english_pronoun_data``) are swapped. 500 and 1000 steps each: marked slow.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences

CLASSES = {"he": "3SG", "she": "3SG", "they": "3PL"}


def ensure_local_pronoun_data(output_dir: Path) -> tuple[str, str]:
    """Stand-in for the published ``ensure_english_pronoun_data``: a training CSV and a neutral CSV."""
    output_dir.mkdir(parents=True, exist_ok=True)
    rows = gender_template_frame(60, seed=3)
    rows["label_class"] = rows["label_class"].map(CLASSES)
    training_path, neutral_path = output_dir / "training.csv", output_dir / "neutral.csv"
    rows.to_csv(training_path, index=False)
    pd.DataFrame({"text": neutral_sentences(120, seed=5)}).to_csv(neutral_path, index=False)
    return str(training_path), str(neutral_path)


@pytest.mark.slow
def test_train_seq2seq_encoder_mlm_runs_offline(tiny_t5: TinyLM, tmp_path: Path) -> None:
    from gradiend import TextPredictionTrainer, TrainingArguments  # type: ignore[attr-defined]

    EXPERIMENT_DIR = tmp_path / "runs" / "examples" / "t5_encoder_mlm"
    TARGET_CLASSES = ("3SG", "3PL")
    training_path, neutral_path = ensure_local_pronoun_data(tmp_path / "data" / "english_pronouns")

    # --- the published example from here on (model id and data swapped) ---
    args = TrainingArguments(
        experiment_dir=str(EXPERIMENT_DIR),
        prediction_objective="auto",  # → seq2seq_encoder_mlm for T5
        train_batch_size=4,
        train_max_size=1000,
        eval_steps=100,
        max_steps=500,
        learning_rate=1e-5,
        use_cache=False,
        fail_on_non_convergence=True,
    )
    trainer = TextPredictionTrainer(
        model=tiny_t5.path,
        run_id="t5_3sg_3pl_encoder_mlm",
        data=training_path,
        target_classes=list(TARGET_CLASSES),
        eval_neutral_data=neutral_path,
        args=args,
    )
    trainer.train()
    trainer.plot_training_convergence()
    enc = trainer.evaluate_encoder(split="test", plot=True)
    dec = trainer.evaluate_decoder(plot=True)
    # --- end of the published example ---

    assert trainer.objective == "seq2seq", "auto resolved T5 to the encoder-side MLM objective"
    assert Path(trainer.model_path, "model.safetensors").is_file()
    assert abs(enc["correlation"]) >= 0.5
    assert all(cls in dec for cls in TARGET_CLASSES)


@pytest.mark.slow
def test_train_seq2seq_decoder_sequence_runs_offline(tiny_t5: TinyLM, tmp_path: Path) -> None:
    from gradiend import PostPruneConfig, TextPredictionTrainer, TrainingArguments  # type: ignore[attr-defined]

    EXPERIMENT_DIR = tmp_path / "runs" / "examples" / "t5_decoder_sequence"
    TARGET_CLASSES = ("3SG", "3PL")
    training_path, neutral_path = ensure_local_pronoun_data(tmp_path / "data" / "english_pronouns")

    # --- the published example from here on (model id and data swapped) ---
    args = TrainingArguments(
        experiment_dir=str(EXPERIMENT_DIR),
        prediction_objective="seq2seq_decoder_sequence_cloze",
        decoder_sequence_cloze_rhs_window=0,
        train_batch_size=4,
        train_max_size=1000,
        eval_steps=100,
        max_steps=1000,
        source="alternative",
        target="diff",
        learning_rate=1e-5,
        use_cache=False,
        fail_on_non_convergence=True,
        add_identity_for_other_classes=False,
        post_prune_config=PostPruneConfig(topk=0.001, part="decoder-weight"),
    )
    trainer = TextPredictionTrainer(
        model=tiny_t5.path,
        run_id="t5_3sg_3pl_sequence_cloze",
        data=training_path,
        target_classes=list(TARGET_CLASSES),
        eval_neutral_data=neutral_path,
        args=args,
    )
    trainer.train()
    trainer.plot_training_convergence()
    stats = trainer.get_training_stats() or {}
    correlation = stats.get("training_stats", {}).get("correlation")
    dec = trainer.evaluate_decoder(plot=True)
    # --- end of the published example ---

    assert correlation is not None and abs(correlation) >= 0.5
    assert all(cls in dec for cls in TARGET_CLASSES)
