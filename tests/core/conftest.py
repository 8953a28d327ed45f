"""Fixtures of the core tests: the toy modality (a third-party-style plugin) trained once per session."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from gradiend_toy import ToyTrainer, make_toy_data


@pytest.fixture(scope="session")
def trained_toy(
    tmp_path_factory: pytest.TempPathFactory, make_toy_trainer: Callable[..., ToyTrainer]
) -> ToyTrainer:
    """A ToyTrainer for the pair (a, b), trained once for the whole session."""
    directory = tmp_path_factory.mktemp("toy-run")
    trainer = make_toy_trainer(directory, data=make_toy_data())
    trainer.train()
    return trainer
