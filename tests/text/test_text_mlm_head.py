"""Decoder-only models with an auxiliary MLM head (clm_mlm_head) on the tiny GPT-2."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from gradiend.testing import assert_feature_learned, quick_arguments
from gradiend_text.mlm_head import DecoderMLMHead, encode_slot, head_logits
from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences
from gradiend_text.trainer import TextPredictionTrainer


def _trainer(lm: TinyLM, directory: Path, **overrides: object) -> TextPredictionTrainer:
    return TextPredictionTrainer(
        model=lm.path,
        data=gender_template_frame(60, seed=3, classes=("he", "she", "they")),
        target_classes=["he", "she"],
        args=quick_arguments(directory, **{"max_seeds": 3, **overrides}),
        eval_neutral_data=neutral_sentences(200, seed=5),
    )


@pytest.fixture(scope="module")
def head_run(tiny_clm: TinyLM, tmp_path_factory: pytest.TempPathFactory) -> tuple[TextPredictionTrainer, str]:
    trainer = _trainer(tiny_clm, tmp_path_factory.mktemp("mlm-head-run"), prediction_objective="clm_mlm_head")
    path = trainer.train_decoder_only_mlm_head(tiny_clm.path, epochs=10, batch_size=16, lr=1e-2)
    trainer.train()
    return trainer, path


def test_the_head_is_saved_next_to_the_run_and_predicts_held_out_pronouns(
    head_run: tuple[TextPredictionTrainer, str], tiny_clm: TinyLM
) -> None:
    trainer, path = head_run
    assert trainer.experiment_dir is not None
    assert Path(path) == Path(trainer.experiment_dir) / "decoder_mlm_head"
    head = DecoderMLMHead.load(path)
    assert {"he", "she", "they"} <= set(head.words)
    held_out = gender_template_frame(40, seed=11, exclude=gender_template_frame(60, seed=3))
    with torch.no_grad():
        logits = head_logits(tiny_clm.model, head, tiny_clm.tokenizer, held_out["masked"].tolist())
    predicted = [head.words[i] for i in logits.argmax(-1).tolist()]
    accuracy = sum(p == w for p, w in zip(predicted, held_out["label"], strict=True)) / len(held_out)
    assert accuracy >= 0.9, accuracy


def test_the_feature_is_learned_from_the_heads_loss(head_run: tuple[TextPredictionTrainer, str]) -> None:
    trainer, _ = head_run
    assert trainer.objective == "clm", "decoder evaluation scores with the model's own next-token head"
    assert trainer.mlm_head is not None
    assert_feature_learned(trainer, 0.9)


def test_a_new_trainer_reuses_the_saved_head_and_auto_picks_it(
    head_run: tuple[TextPredictionTrainer, str], tiny_clm: TinyLM
) -> None:
    trainer, path = head_run
    stamp = os.stat(Path(path) / "head.safetensors").st_mtime_ns
    again = _trainer(tiny_clm, Path(trainer.args.experiment_dir))  # prediction_objective="auto"
    assert again.train_decoder_only_mlm_head(epochs=1, use_cache=True) == path
    assert os.stat(Path(path) / "head.safetensors").st_mtime_ns == stamp, "reused, not retrained"
    assert again.mlm_head is not None
    rows = again.create_training_data("train", max_size=4)
    torch.testing.assert_close(
        again.compute_losses(again.base_model, rows).factual,
        trainer.compute_losses(trainer.base_model, rows).factual,
    )


def test_clm_next_token_stays_the_default_and_a_missing_head_is_explained(
    tiny_clm: TinyLM, tiny_mlm: TinyLM, tmp_path: Path
) -> None:
    plain = _trainer(tiny_clm, tmp_path / "plain")
    rows = plain.create_training_data("train", max_size=2)
    plain.compute_losses(plain.base_model, rows)
    assert plain.mlm_head is None and plain.objective == "clm"
    needs_head = _trainer(tiny_clm, tmp_path / "needs", prediction_objective="clm_mlm_head")
    with pytest.raises(ValueError, match="train_decoder_only_mlm_head"):
        needs_head.compute_losses(needs_head.base_model, rows)
    with pytest.raises(ValueError, match="model must be the trainer's base model"):
        needs_head.train_decoder_only_mlm_head("another/model")
    masked_lm = _trainer(tiny_mlm, tmp_path / "bert")
    with pytest.raises(ValueError, match="decoder-only"):
        masked_lm.train_decoder_only_mlm_head()


def test_the_slot_sees_the_right_context(tiny_clm: TinyLM) -> None:
    tokenizer = tiny_clm.tokenizer
    ids, slot = encode_slot(tokenizer, "mary said that [MASK] felt tired.")
    assert ids[slot] == tokenizer.eos_token_id
    assert tokenizer.decode(ids[slot + 1 :]).strip() == "felt tired."
