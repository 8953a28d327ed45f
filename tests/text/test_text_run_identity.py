"""Run identity on real text models: another base model, data or pair is never taken for this run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gradiend import TrainingArguments
from gradiend.run_identity import RunIdentityError
from gradiend_text.testing import TinyLM, gender_template_frame
from gradiend_text.trainer import TextPredictionTrainer


def test_the_issue_reproducer_names_base_model_and_data(
    tiny_mlm: TinyLM, tiny_clm: TinyLM, tmp_path: Path
) -> None:
    args = TrainingArguments(
        experiment_dir=str(tmp_path / "x"), max_steps=20, learning_rate=1e-3, train_batch_size=4,
        eval_steps=10,
    )  # fmt: skip
    first = TextPredictionTrainer(
        model=tiny_mlm.path, args=args, data=gender_template_frame(40, seed=3), target_classes=["he", "she"]
    )
    first.train()
    model_before = (tmp_path / "x" / "model" / "model.safetensors").read_bytes()
    second = TextPredictionTrainer(
        model=tiny_clm.path, args=args, data=gender_template_frame(40, seed=5), target_classes=["she", "he"]
    )
    with pytest.raises(RunIdentityError) as error:
        second.train()
    message = str(error.value)
    assert "base model" in message and "data" in message and "target_classes" in message
    assert "overwrite_output_dir=True" in message and "experiment_dir" in message
    with pytest.raises(RunIdentityError, match="base model"):
        second.get_model()  # re-opening refuses another run's model too
    assert (tmp_path / "x" / "model" / "model.safetensors").read_bytes() == model_before


def test_the_same_path_with_new_weights_is_another_base_model(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    model_dir = tmp_path / "base"
    shutil.copytree(tiny_mlm.path, model_dir)
    args = TrainingArguments(
        experiment_dir=str(tmp_path / "run"), max_steps=10, learning_rate=1e-3, train_batch_size=4,
        max_seeds=1, eval_steps=5,
    )  # fmt: skip
    data = gender_template_frame(40, seed=3)
    trainer = TextPredictionTrainer(model=str(model_dir), args=args, data=data, target_classes=["he", "she"])
    trainer.train()
    assert (tmp_path / "run" / "base_model_identity.json").is_file(), "the weight hash is kept beside the run"
    reopened = TextPredictionTrainer(model=str(model_dir), args=args, data=data, target_classes=["he", "she"])
    assert reopened.get_model().param_map.size == trainer.get_model().param_map.size
    weights = next(p for p in model_dir.iterdir() if p.suffix in {".safetensors", ".bin"})
    state = bytearray(weights.read_bytes())
    state[-1] ^= 0xFF  # new weights under the same path (size unchanged)
    weights.write_bytes(bytes(state))
    changed = TextPredictionTrainer(model=str(model_dir), args=args, data=data, target_classes=["he", "she"])
    with pytest.raises(RunIdentityError, match="base model"):
        changed.get_model()
