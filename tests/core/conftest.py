"""Fixtures of the core tests: the toy modality (a third-party-style plugin) trained once per session."""

from __future__ import annotations

import pytest
from gradiend_toy import ToyTrainer, make_toy_data

from gradiend.testing import quick_arguments


@pytest.fixture(scope="session")
def trained_toy(tmp_path_factory: pytest.TempPathFactory) -> ToyTrainer:
    """A ToyTrainer for the pair (a, b), trained once for the whole session."""
    directory = tmp_path_factory.mktemp("toy-run")
    trainer = ToyTrainer(data=make_toy_data(), target_classes=["a", "b"], args=quick_arguments(directory))
    trainer.train()
    return trainer
