"""The published README quick start (gradiend 0.2.3 examples/readme.py), offline on a tiny BERT.

Swapped: the model id (``MODEL``) and the base texts (generated, see ``pronoun_base_texts``; the
published 76 sentences give fewer than the 10 rows per class a split needs). Every call is as published.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from compat_data import pronoun_base_texts
from torch import nn


def test_readme_quick_start(tiny_mlm_path: str, in_tmp_dir: Path) -> None:
    MODEL = tiny_mlm_path
    base = pronoun_base_texts()
    # --- published calls --------------------------------------------------------------------------
    from gradiend import TextFilterConfig, TextPredictionDataCreator, TextPredictionTrainer, TrainingArguments

    creator = TextPredictionDataCreator(
        base_data=base,
        feature_targets=[
            TextFilterConfig(targets=["he", "she", "it"], id="3SG"),
            TextFilterConfig(target="they", id="3PL"),
        ],
    )
    training = creator.generate_training_data(max_size_per_class=30)
    neutral = creator.generate_neutral_data(additional_excluded_words=["i", "we", "you"], max_size=10)

    args = TrainingArguments(train_batch_size=2, eval_steps=5, max_steps=20, learning_rate=1e-3)
    trainer = TextPredictionTrainer(model=MODEL, data=training, eval_neutral_data=neutral, args=args)
    trainer.train()
    trainer.plot_training_convergence()

    enc_result = trainer.evaluate_encoder(plot=True)
    dec = trainer.evaluate_decoder(plot=True, target_class="3SG")
    changed_model = trainer.rewrite_base_model(decoder_results=dec, target_class="3SG")
    # --- checks -----------------------------------------------------------------------------------
    assert set(training) == {"3SG", "3PL"} and all(len(frame) == 30 for frame in training.values())
    assert len(neutral) == 10
    assert not neutral["text"].str.contains(r"\b(?:i|we|you)\b", case=False).any()
    assert Path(enc_result["plot_path"]).is_file() and Path(dec["plot_path"]).is_file()
    assert -1.0 <= enc_result["correlation"] <= 1.0
    assert {"value", "feature_factor", "learning_rate", "lms", "base_lms"} <= set(dec["3SG"])
    assert isinstance(changed_model, nn.Module)
    rewritten = dict(changed_model.named_parameters())
    base_parameters = dict(trainer.base_model.named_parameters())
    assert any(not (rewritten[n] == p).all() for n, p in base_parameters.items()), (
        "the rewrite changed weights"
    )


@pytest.mark.parametrize("bad", ["sometimes", 0])
def test_published_argument_values_outside_the_published_set_fail_clearly(bad: object) -> None:
    from gradiend import TrainingArguments

    with pytest.raises(ValueError, match="use_cache"):
        TrainingArguments(use_cache=bad)
