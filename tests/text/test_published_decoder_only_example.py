"""The published example train_gender_de_decoder_only.py, offline.

Its calls are kept as written; only the model id (the tiny GPT-2 built here instead of
``dbmdz/german-gpt2``) and the hub data (local pronoun templates whose two classes are named like the
German article classes instead of ``aieng-lab/de-gender-case-articles`` and the Leipzig neutral corpus)
are swapped. It trains 500 steps with pre- and post-pruning, so it is marked slow.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences

CLASS_NAMES = {"he": "masc_nom", "she": "fem_nom", "they": "neut_nom"}


def _local_data() -> pd.DataFrame:
    rows = gender_template_frame(80, seed=3)
    rows["label_class"] = rows["label_class"].map(CLASS_NAMES)
    rows["split"] = [("train", "train", "train", "validation", "test")[i % 5] for i in range(len(rows))]
    return rows


@pytest.mark.slow
def test_train_gender_de_decoder_only_runs_offline(
    tiny_clm: TinyLM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradiend import PostPruneConfig, PrePruneConfig, TextPredictionTrainer, TrainingArguments  # type: ignore[attr-defined]

    monkeypatch.chdir(tmp_path)
    local_model = tiny_clm.path
    local_data = _local_data()
    local_neutral = pd.DataFrame({"text": neutral_sentences(200, seed=5)})

    # --- the published example from here on (model id and data swapped) ---
    pair = ("masc_nom", "fem_nom")
    args = TrainingArguments(
        experiment_dir="runs/examples/german_de_decoder_only",
        train_batch_size=8,
        encoder_eval_max_size=10,
        decoder_eval_max_size_training_like=100,
        decoder_eval_max_size_neutral=100,
        train_max_size=500,
        eval_steps=100,
        max_steps=500,
        source="alternative",
        target="diff",
        learning_rate=1e-4,
        add_identity_for_other_classes=True,
        use_cache=True,
        fail_on_non_convergence=True,
        prediction_objective="auto",
        pre_prune_config=PrePruneConfig(n_samples=16, topk=0.01),
        post_prune_config=PostPruneConfig(topk=0.01),
    )
    trainer = TextPredictionTrainer(
        model=local_model,
        run_id="gender_de_masc_nom_fem_nom",
        data=local_data,
        target_classes=list(pair),
        masked_col="masked",
        split_col="split",
        eval_neutral_data=local_neutral,
        args=args,
    )

    mlm_head_path = trainer.train_decoder_only_mlm_head(local_model, epochs=3, batch_size=4, max_size=1000)

    trainer.train()
    enc_eval = trainer.evaluate_encoder(max_size=100, return_df=True)
    enc_df = enc_eval.pop("encoder_df")
    trainer.plot_encoder_distributions(encoder_df=enc_df)

    dec = trainer.evaluate_decoder()
    # --- end of the published example ---

    assert Path(mlm_head_path).is_dir() and trainer.mlm_head is not None, "auto used the saved head"
    assert abs(enc_eval["correlation"]) >= 0.5
    assert {"masc_nom", "fem_nom", "grid"} <= set(dec)
