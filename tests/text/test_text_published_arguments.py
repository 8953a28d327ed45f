"""Published arguments (add_identity_for_other_classes, decoder_sequence_cloze_rhs_window) and
is_decoder_only_model."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import torch

from gradiend import TrainingArguments
from gradiend.testing import assert_feature_learned, quick_arguments
from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences
from gradiend_text.trainer import TextPredictionTrainer


def _trainer(lm: TinyLM, directory: Path, **overrides: object) -> TextPredictionTrainer:
    return TextPredictionTrainer(
        model=lm.path,
        data=gender_template_frame(60, seed=3, classes=("he", "she", "they")),
        target_classes=["he", "she"],
        args=quick_arguments(directory, **overrides),
        eval_neutral_data=neutral_sentences(100, seed=5),
    )


def test_identity_rows_join_every_split_with_identity_targets(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    plain = _trainer(tiny_mlm, tmp_path / "plain")
    with_identity = _trainer(tiny_mlm, tmp_path / "identity", add_identity_for_other_classes=True)
    for split in ("train", "validation", "test"):
        before = plain.create_training_data(split)
        after = with_identity.create_training_data(split)
        assert set(before["feature_class"]) == {"he", "she"}
        they = after[after["feature_class"] == "they"]
        expected = plain.rows[(plain.rows["feature_class"] == "they") & (plain.rows["split"] == split)]
        assert len(they) == len(expected) > 0
        assert (they["alternative"] == they["factual"]).all()
        assert (they["alternative_class"] == "they").all() and (they["label"] == 0.0).all()
        pd.testing.assert_frame_equal(
            after[after["feature_class"] != "they"].reset_index(drop=True), before.reset_index(drop=True)
        )
    # the other class is a training row now, so it is not also counted as a neutral row
    neutral = with_identity.create_neutral_data("test")
    assert neutral is not None and "they" not in set(neutral["feature_class"])
    capped = with_identity.create_training_data("train", max_size=5)
    assert capped["feature_class"].value_counts().to_dict() == {"he": 5, "she": 5, "they": 5}


def test_identity_rows_have_a_zero_difference_target(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    trainer = _trainer(tiny_mlm, tmp_path, add_identity_for_other_classes=True)
    rows = trainer.create_training_data("train")
    losses = trainer.compute_losses(trainer.base_model, rows[rows["feature_class"] == "they"].head(4))
    assert losses.alternative is not None
    assert torch.equal(losses.factual, losses.alternative), "factual = alternative: the diff is zero"


def test_training_uses_the_identity_rows_and_still_learns(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    trainer = _trainer(tiny_mlm, tmp_path, add_identity_for_other_classes=True, max_steps=90, eval_steps=30)
    trainer.train()
    assert_feature_learned(trainer, 0.9)
    training = json.loads(Path(trainer.model_path, "training.json").read_text())
    assert json.dumps(training).count('"they"') >= 1, "the identity class was part of the training rows"


def test_the_argument_is_a_boolean_and_defaults_off() -> None:
    assert TrainingArguments().add_identity_for_other_classes is False
    with pytest.raises(ValueError, match="add_identity_for_other_classes"):
        TrainingArguments(add_identity_for_other_classes="sometimes")  # type: ignore[arg-type]
    assert TrainingArguments(decoder_sequence_cloze_rhs_window=0).decoder_sequence_cloze_rhs_window == 0
    with pytest.raises(ValueError, match="decoder_sequence_cloze_rhs_window"):
        TrainingArguments(decoder_sequence_cloze_rhs_window=-2)


def test_the_cloze_window_argument_reaches_the_loss(tiny_clm: TinyLM, tmp_path: Path) -> None:
    losses = {}
    for window in (-1, 0):
        trainer = _trainer(
            tiny_clm, tmp_path / str(window), prediction_objective="clm_sequence_cloze",
            decoder_sequence_cloze_rhs_window=window,
        )  # fmt: skip
        rows = trainer.create_training_data("train").head(4)
        losses[window] = float(trainer.compute_losses(trainer.base_model, rows).factual)
    assert losses[-1] != pytest.approx(losses[0], rel=1e-4), "the right context is scored only with -1"


@pytest.mark.parametrize("objective", ["auto", "clm_sequence_cloze", "clm_mlm_head"])
def test_causal_objectives_are_decoder_only_and_masked_lms_are_not(
    objective: str, tiny_clm: TinyLM, tiny_mlm: TinyLM, tmp_path: Path
) -> None:
    """As published, the model family decides: every causal objective is decoder-only."""
    assert _trainer(tiny_clm, tmp_path / "clm", prediction_objective=objective).is_decoder_only_model()
    assert not _trainer(tiny_mlm, tmp_path / "mlm").is_decoder_only_model()
