"""Pre- and post-pruning: smaller inputs, the feature still learned, rewrites land on the right weights."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from gradiend_toy import ToyTrainer

from gradiend import PostPruneConfig, PrePruneConfig
from gradiend.testing import quick_arguments as toy_arguments


def test_pre_prune_shrinks_the_input_and_keeps_the_feature(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(tmp_path, pre_prune_config=PrePruneConfig(n_samples=8, topk=0.1, batch_size=8))
    trainer = make_toy_trainer(args=args)
    full = trainer.param_map.size
    trainer.train()
    model = trainer.get_model()
    assert model.param_map.size == round(0.1 * full)
    assert model.gradiend.input_dim == model.param_map.size
    assert abs(trainer.evaluate_encoder()["correlation"]) >= 0.9
    reloaded = trainer.load_model(trainer.model_path)
    assert reloaded.param_map == model.param_map


def test_orchestration_returns_the_pre_pruned_map_and_leaves_the_run_unchanged(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    from gradiend.training.orchestration import run_training

    trainer = make_toy_trainer(tmp_path, pre_prune_config=PrePruneConfig(n_samples=4, topk=0.2))
    full = trainer.param_map
    result = run_training(trainer, trainer.args, str(tmp_path / "model"), progress=False)
    assert result.param_map is not None and result.param_map.size == round(0.2 * full.size)
    assert trainer.param_map is full and not full.is_pruned  # the run is not mutated
    assert result.model.param_map == result.param_map  # the seed trained over the pruned map
    assert result.model.gradiend.input_dim == result.param_map.size


def test_the_facade_keeps_the_map_its_training_pre_pruned(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(tmp_path, pre_prune_config=PrePruneConfig(n_samples=4, topk=0.2))
    trainer.train()
    assert trainer.param_map.is_pruned
    assert trainer.param_map == trainer.get_model().param_map
    assert trainer.create_model_with_gradiend().gradiend.input_dim == trainer.param_map.size


def test_pre_prune_method_keeps_an_absolute_count(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(tmp_path)
    pruned = trainer.pre_prune(PrePruneConfig(n_samples=4, topk=50))
    assert pruned.size == 50
    assert trainer.create_model_with_gradiend().gradiend.input_dim == 50


def test_post_prune_keeps_the_feature(
    trained_toy: ToyTrainer, tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(tmp_path, post_prune_config=PostPruneConfig(topk=0.05))
    trainer = make_toy_trainer(args=args)
    trainer.train()
    model = trainer.get_model()
    assert model.param_map.size == round(0.05 * trainer.param_map.size)
    assert abs(trainer.evaluate_encoder()["correlation"]) >= 0.9


def test_a_pruned_model_rewrites_exactly_the_kept_weights(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(tmp_path, pre_prune_config=PrePruneConfig(n_samples=4, topk=0.2))
    trainer = make_toy_trainer(args=args)
    trainer.train()
    model = trainer.get_model()
    before = {name: p.detach().clone() for name, p in trainer.base_model.named_parameters()}
    rewritten = model.rewrite(feature_factor=1.0, learning_rate=0.5)
    delta = model.decoder_delta(1.0)
    kept = model.param_map.kept_flat_indices()
    offset = 0
    for name, parameter in rewritten.named_parameters():
        change = (parameter.detach() - before[name]).flatten()
        if name not in kept:
            assert torch.count_nonzero(change) == 0, f"{name} is not selected and must not change"
            continue
        index = kept[name]
        expected = torch.zeros_like(change)
        expected[index] = 0.5 * delta[offset : offset + index.numel()]
        offset += index.numel()
        torch.testing.assert_close(change, expected)
    assert offset == model.param_map.size


def test_post_prune_with_multi_seed_selects_on_the_pruned_model(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(
        tmp_path,
        max_seeds=2,
        min_convergent_seeds=2,
        max_steps=80,
        pre_prune_config=PrePruneConfig(n_samples=4, topk=0.5),
        post_prune_config=PostPruneConfig(topk=0.5),
    )
    trainer = make_toy_trainer(args=args)
    trainer.train()
    full = make_toy_trainer(args=None).param_map.size
    assert trainer.get_model().param_map.size == round(0.5 * round(0.5 * full))
    assert abs(trainer.evaluate_encoder()["correlation"]) >= 0.9


def test_positions_of_a_sub_map_read_the_same_entries(trained_toy: ToyTrainer) -> None:
    full = trained_toy.param_map
    sub = full.select(torch.arange(0, full.size, 3)).select(torch.arange(0, 50))
    vector = torch.randn(full.size)
    positions = sub.positions_in(full)
    torch.testing.assert_close(vector[positions], vector[torch.arange(0, full.size, 3)][:50])
    with pytest.raises(ValueError, match="keeps entries"):
        full.positions_in(sub)
