"""Every invalid argument tried at the Trainer level gives an error that says what is valid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from gradiend_toy import ToyTrainer

from gradiend import TrainingArguments
from gradiend.model.checkpoint import CheckpointError


def test_target_classes_must_be_a_pair_of_distinct_names() -> None:
    with pytest.raises(ValueError, match="at least two"):
        ToyTrainer(target_classes=["a"])
    with pytest.raises(ValueError, match="must not repeat"):
        ToyTrainer(target_classes=["a", "a"])
    with pytest.raises(TypeError, match="list of class names"):
        ToyTrainer(target_classes="ab")


def test_a_class_missing_from_the_data_is_named() -> None:
    with pytest.raises(ValueError, match="unknown class 'z'"):
        ToyTrainer(target_classes=["a", "z"])


def test_args_must_be_training_arguments() -> None:
    with pytest.raises(TypeError, match="TrainingArguments"):
        ToyTrainer(target_classes=["a", "b"], args={"learning_rate": 1e-3})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="either args= or training_args="):
        ToyTrainer(target_classes=["a", "b"], args=TrainingArguments(), training_args=TrainingArguments())


def test_get_model_before_training_says_what_to_do(make_toy_trainer: Callable[..., ToyTrainer]) -> None:
    with pytest.raises(ValueError, match="call train"):
        make_toy_trainer(args=None).get_model()


def test_loading_a_directory_that_is_no_checkpoint(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    with pytest.raises(CheckpointError, match=r"config\.json"):
        make_toy_trainer(args=None).load_model(str(tmp_path))


def test_unknown_split_names_are_rejected(trained_toy: ToyTrainer) -> None:
    with pytest.raises(ValueError, match="split must be one of"):
        trained_toy.evaluate_encoder(split="holdout")


def test_unknown_target_class_for_decoder_evaluation(trained_toy: ToyTrainer) -> None:
    with pytest.raises(ValueError, match="target_class must name classes of the pair"):
        trained_toy.evaluate_decoder(target_class="c")


def test_unknown_parameter_pattern_is_named(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(tmp_path, params=["encoder.*"])
    with pytest.raises(ValueError, match="encoder"):
        trainer.train()


def test_cuda_without_a_device_is_explained(make_toy_trainer: Callable[..., ToyTrainer]) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    with pytest.raises(RuntimeError, match="no CUDA device"):
        make_toy_trainer(args=None).cuda()
