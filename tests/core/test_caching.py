"""Caching under the experiment directory: hits, invalidation by fingerprint, corrupt-file recovery."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from gradiend_toy import ToyTrainer

from gradiend import TrainingCallback, hookimpl
from gradiend.run_identity import RunIdentityError
from gradiend.testing import quick_arguments as toy_arguments
from gradiend.training.state import TrainingState


class CountRuns(TrainingCallback):
    def __init__(self) -> None:
        self.runs = 0

    def on_train_begin(self, state: TrainingState) -> None:
        self.runs += 1


class CountEncoderAnalyses:
    def __init__(self) -> None:
        self.calls = 0

    @hookimpl(wrapper=True)
    def gradiend_analyze_encoder(self) -> Any:
        self.calls += 1
        return (yield)


def test_a_finished_model_is_reused_until_an_input_changes(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    counter = CountRuns()
    for _ in range(2):
        trainer = make_toy_trainer(tmp_path, use_cache=True, max_steps=40)
        trainer.train(callbacks=[counter])
    assert counter.runs == 1, "the second train() reuses the cached model"
    changed_args = toy_arguments(tmp_path, use_cache=True, max_steps=40, learning_rate=2e-3)
    with pytest.raises(RunIdentityError, match=r"learning_rate: 0\.001 -> 0\.002"):
        make_toy_trainer(args=changed_args).train(callbacks=[counter])
    assert counter.runs == 1, "another run's model is never silently replaced"
    changed_args.overwrite_output_dir = True
    make_toy_trainer(args=changed_args).train(callbacks=[counter])
    assert counter.runs == 2, "a changed learning rate invalidates the cache"
    other_pair = make_toy_trainer(
        tmp_path, use_cache=True, max_steps=40, overwrite_output_dir=True, target_classes=["a", "c"]
    )
    other_pair.train(callbacks=[counter])
    assert counter.runs == 3, "another pair (other data) invalidates the cache"


def test_arguments_that_only_change_how_a_run_executes_reuse_the_finished_model(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    counter = CountRuns()
    make_toy_trainer(tmp_path, use_cache=True, max_steps=40).train(callbacks=[counter])
    rerun = make_toy_trainer(
        tmp_path, use_cache=True, max_steps=40, gradient_cache_budget=0.0, use_cached_gradients=True
    )
    rerun.train(callbacks=[counter])
    assert counter.runs == 1, (
        "the validation-gradient cache settings change how a run executes, not its model"
    )
    grid = make_toy_trainer(tmp_path, use_cache=True, max_steps=40, decoder_search="grid")
    grid.train(callbacks=[counter])
    assert counter.runs == 1, "the decoder search runs after training: the trained model is reused"


def test_encoder_results_are_cached_and_recomputed_when_corrupt(
    trained_toy: ToyTrainer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    make_toy_trainer: Callable[..., ToyTrainer],
) -> None:
    trainer = make_toy_trainer(tmp_path, use_cache=True)
    trainer.get_model(load_directory=trained_toy.model_path)
    counter = CountEncoderAnalyses()
    trainer.register_plugin(counter)
    first = trainer.evaluate_encoder()
    second = trainer.evaluate_encoder()
    assert counter.calls == 1
    assert second["correlation"] == pytest.approx(first["correlation"])
    cache_files = list((tmp_path / "cache").glob("encoder-*.json"))
    assert len(cache_files) == 1
    cache_files[0].write_text(cache_files[0].read_text()[:40])
    with caplog.at_level(logging.WARNING):
        third = trainer.evaluate_encoder()
    assert counter.calls == 2
    assert str(cache_files[0]) in caplog.text and "corrupt" in caplog.text
    assert third["correlation"] == pytest.approx(first["correlation"])
    trainer.evaluate_encoder(max_size=5)
    assert counter.calls == 3, "another max_size is another cache entry"


def test_decoder_grid_is_cached(
    trained_toy: ToyTrainer, tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(tmp_path, use_cache=True)
    trainer.get_model(load_directory=trained_toy.model_path)
    calls = {"n": 0}

    class CountScores:
        @hookimpl(wrapper=True)
        def gradiend_evaluate_base_model(self) -> Any:
            calls["n"] += 1
            return (yield)

    trainer.register_plugin(CountScores())
    first = trainer.evaluate_decoder(target_class="b", lrs=[1.0, 0.1])
    assert calls["n"] == 3, "the base model once, then two grid points"
    second = trainer.evaluate_decoder(target_class="b", lrs=[1.0, 0.1])
    assert calls["n"] == 3
    assert second["b"] == first["b"]


def test_a_base_model_with_other_weights_misses_the_encoder_cache(
    trained_toy: ToyTrainer, tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(tmp_path, use_cache=True)
    trainer.get_model(load_directory=trained_toy.model_path)
    counter = CountEncoderAnalyses()
    trainer.register_plugin(counter)
    trainer.evaluate_encoder()
    changed = copy.deepcopy(trainer.base_model)
    with torch.no_grad():
        next(changed.parameters()).add_(0.01)  # same architecture and name, other weights
    other = make_toy_trainer(tmp_path, use_cache=True, model=changed)
    other.get_model(load_directory=trained_toy.model_path)
    other.register_plugin(counter)
    other.evaluate_encoder()
    assert counter.calls == 2, "the cache key holds the base model's content, not its name"
    same = make_toy_trainer(tmp_path, use_cache=True, model=copy.deepcopy(trainer.base_model))
    same.get_model(load_directory=trained_toy.model_path)
    same.register_plugin(counter)
    same.evaluate_encoder()
    assert counter.calls == 2, "an equal copy of the base model hits the cache"
