"""clm_sequence_cloze (experimental): the causal LM's loss on the word and its right context."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gradiend.testing import assert_feature_learned, quick_arguments
from gradiend_text.cloze import encode_clm_cloze_row
from gradiend_text.encoding import encode_clm_row
from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences
from gradiend_text.trainer import TextPredictionTrainer


def test_rows_score_the_word_and_the_right_context_window(tiny_clm: TinyLM) -> None:
    tokenizer = tiny_clm.tokenizer
    masked = "mary said that [MASK] felt tired."
    plain = encode_clm_row(tokenizer, masked, "she")
    full = encode_clm_cloze_row(tokenizer, masked, "she")
    assert full.targets[: len(plain.targets)] == plain.targets
    assert tokenizer.decode(list(full.targets)).strip() == "she felt tired."
    assert full.input_ids == tuple(tokenizer("mary said that she felt tired.")["input_ids"][:-1])
    window = encode_clm_cloze_row(tokenizer, masked, "she", rhs_window=1)
    assert len(window.targets) == len(plain.targets) + 1
    assert encode_clm_cloze_row(tokenizer, masked, "she", rhs_window=0).targets == plain.targets
    with pytest.raises(ValueError, match="rhs_window"):
        encode_clm_cloze_row(tokenizer, masked, "she", rhs_window=-2)


def test_the_tiny_gpt2_learns_the_feature_with_the_cloze_loss(tiny_clm: TinyLM, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    trainer = TextPredictionTrainer(
        model=tiny_clm.path,
        data=gender_template_frame(60, seed=3),
        target_classes=["he", "she"],
        args=quick_arguments(tmp_path, max_seeds=3, prediction_objective="clm_sequence_cloze"),
        eval_neutral_data=neutral_sentences(100, seed=5),
    )
    rows = trainer.create_training_data("train", max_size=4)
    cloze = trainer.compute_losses(trainer.base_model, rows).factual
    trainer.args.prediction_objective = "clm_next_token"
    plain = trainer.compute_losses(trainer.base_model, rows).factual
    assert not torch.isclose(cloze, plain), "the right context changes the loss"
    trainer.args.prediction_objective = "clm_sequence_cloze"
    trainer.train()
    assert trainer.objective == "clm", "decoder evaluation scores the word alone"
    assert_feature_learned(trainer, 0.9)
