"""Experimental cloze objectives: clm_sequence_cloze and seq2seq_decoder_sequence_cloze."""

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


@pytest.mark.slow  # experimental objectives: their training checks run with the slow set
def test_the_tiny_gpt2_learns_the_feature_with_the_cloze_loss(tiny_clm: TinyLM, tmp_path: Path) -> None:
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


def test_seq2seq_cloze_rows_close_the_span_and_cut_the_right_context(untrained_t5: TinyLM) -> None:
    from gradiend_text.seq2seq import encode_seq2seq_cloze_row

    tokenizer = untrained_t5.tokenizer
    masked = "mary said that [MASK] felt very tired today."
    row = encode_seq2seq_cloze_row(tokenizer, masked, "she")
    closing = tokenizer.convert_tokens_to_ids("<extra_id_1>")
    assert row.decoder_ids[-1] == closing and row.targets[-1] == closing
    assert tokenizer.decode(list(row.targets[:-1])).strip() == "she"
    cut = encode_seq2seq_cloze_row(tokenizer, masked, "she", rhs_window=2)
    right = tokenizer(" felt very tired today.", add_special_tokens=False)["input_ids"]
    kept = tokenizer.decode(right[:2])
    assert len(cut.input_ids) < len(row.input_ids)
    decoded = tokenizer.decode(list(cut.input_ids), skip_special_tokens=True)
    assert decoded.rstrip().endswith(kept.strip()) and "today" not in decoded


@pytest.mark.slow
def test_bart_learns_the_feature_with_the_decoder_cloze_loss(tiny_bart: TinyLM, tmp_path: Path) -> None:
    trainer = TextPredictionTrainer(
        model=tiny_bart.path,
        data=gender_template_frame(60, seed=3),
        target_classes=["he", "she"],
        args=quick_arguments(tmp_path, max_seeds=3, prediction_objective="seq2seq_decoder_sequence_cloze"),
        eval_neutral_data=neutral_sentences(100, seed=5),
    )
    names = trainer.default_parameter_names(trainer.base_model)
    assert any(".decoder." in n for n in names), "the cloze objective reads the decoder too"
    trainer.train()
    assert trainer.objective == "seq2seq"
    assert_feature_learned(trainer, 0.9)
