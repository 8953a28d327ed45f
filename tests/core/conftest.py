"""Fixtures of the core tests: the toy modality (a third-party-style plugin) trained once per session."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gradiend import TrainingArguments
from gradiend_toy import ToyTrainer, make_toy_data


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> None:
    """Tiny models run fastest on one thread (and do not fight other processes for cores)."""
    torch.set_num_threads(1)


def toy_arguments(directory: Path, **overrides: object) -> TrainingArguments:
    """Arguments that learn the toy feature in a second."""
    values: dict[str, object] = {
        "experiment_dir": str(directory),
        "learning_rate": 1e-3,
        "train_batch_size": 8,
        "max_steps": 150,
        "eval_steps": 50,
        "max_seeds": 1,
    }
    values.update(overrides)
    return TrainingArguments.model_validate(values)


@pytest.fixture(scope="session")
def trained_toy(tmp_path_factory: pytest.TempPathFactory) -> ToyTrainer:
    """A ToyTrainer for the pair (a, b), trained once for the whole session."""
    directory = tmp_path_factory.mktemp("toy-run")
    trainer = ToyTrainer(data=make_toy_data(), target_classes=["a", "b"], args=toy_arguments(directory))
    trainer.train()
    return trainer
