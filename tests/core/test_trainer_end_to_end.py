"""End to end on the toy modality: the feature is learned, rewrites move probabilities, runs reproduce."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from gradiend_toy import ToyTrainer, make_toy_data

from gradiend import ModelWithGradiend, TrainingArguments
from gradiend.testing import quick_arguments as toy_arguments


def test_training_learns_the_feature(trained_toy: ToyTrainer) -> None:
    metrics = trained_toy.evaluate_encoder(split="test")
    assert abs(metrics["correlation"]) >= 0.9
    means = metrics["mean_by_class"]
    assert means["a"] > 0 > means["b"], "sign normalisation: the first target class encodes positive"
    assert metrics["n_samples"] > 20
    assert "neutral" in metrics["mean_by_type"]


def test_training_stats_are_recorded(trained_toy: ToyTrainer) -> None:
    stats = trained_toy.get_training_stats()
    assert stats is not None
    assert stats["steps"] == 150
    assert len(stats["losses"]) == 150
    assert [e["step"] for e in stats["evaluations"]] == [0, 50, 100, 150]
    assert stats["best_step"] in {50, 100, 150}
    assert abs(stats["best_correlation"]) >= 0.9
    assert {"gradients", "gradiend_update", "evaluation"} <= set(stats["timings"])
    assert all({"encoder", "decoder"} <= set(norm) for norm in stats["norms"])


def test_selected_rewrite_raises_target_probability_and_keeps_utility(trained_toy: ToyTrainer) -> None:
    results = trained_toy.evaluate_decoder(target_class="b")
    entry = results["b"]
    assert entry["fallback"] is False
    assert entry["lms"] >= 0.99 * entry["base_lms"]
    assert entry["value"] > entry["base_value"] * 2, "P(b) on a-rows at least doubles"
    assert isinstance(results["grid"], list) and len(results["grid"]) > 1

    rewritten = trained_toy.rewrite_base_model(decoder_results=results, target_class="b")
    data = trained_toy.data
    a_rows = (data.labels == data.class_index("a")) & torch.from_numpy(data.splits == "test")
    with torch.no_grad():
        before = trained_toy.base_model(data.features[a_rows]).softmax(-1)[:, data.class_index("b")].mean()
        after = rewritten(data.features[a_rows]).softmax(-1)[:, data.class_index("b")].mean()
    assert float(after) > 2 * float(before)
    assert rewritten is not trained_toy.base_model, "rewrite returns a copy"


def test_weaken_summary_uses_its_own_key(trained_toy: ToyTrainer) -> None:
    results = trained_toy.evaluate_decoder(target_class="a", increase_target_probabilities=False)
    assert "a_weaken" in results
    assert (
        results["a_weaken"]["lms"] >= 0.99 * results["a_weaken"]["base_lms"]
        or results["a_weaken"]["fallback"]
    )


def test_rewrite_saves_a_loadable_model(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    output = trained_toy.rewrite_base_model(target_class="b", output_dir=str(tmp_path / "rewritten"))
    assert output == str(tmp_path / "rewritten")
    loaded = trained_toy.load_base_model(output)
    x = trained_toy.data.features[:5]
    results = trained_toy.evaluator.last_decoder_results["b"]
    expected = trained_toy.get_model().rewrite(results["feature_factor"], results["learning_rate"])
    torch.testing.assert_close(loaded(x), expected(x))


def test_save_and_load_reproduce_encodings_exactly(trained_toy: ToyTrainer) -> None:
    model = trained_toy.get_model()
    reloaded = trained_toy.load_model(trained_toy.model_path)
    assert isinstance(reloaded, ModelWithGradiend)
    vectors = torch.randn(4, model.param_map.size)
    torch.testing.assert_close(
        model.encode_gradient(vectors), reloaded.encode_gradient(vectors), rtol=0, atol=0
    )


def test_same_seed_gives_identical_results(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    runs = []
    for name in ("first", "second"):
        trainer = make_toy_trainer(tmp_path / name, max_steps=40)
        trainer.train()
        runs.append(trainer.get_model().gradiend.state_dict())
    for key in runs[0]:
        assert torch.equal(runs[0][key], runs[1][key]), key


def test_max_steps_wins_over_epochs(tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]) -> None:
    trainer = make_toy_trainer(tmp_path, max_steps=7, num_train_epochs=50)
    trainer.train()
    assert trainer.get_training_stats()["steps"] == 7


def test_epochs_define_the_steps_without_max_steps(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    data = make_toy_data(n_per_class=20)
    trainer = make_toy_trainer(tmp_path, max_steps=-1, num_epochs=2, data=data)
    trainer.train()
    rows = trainer.create_training_data("train")
    batches = sum(-(-n // 8) for n in rows["feature_class"].value_counts())
    assert trainer.get_training_stats()["steps"] == 2 * batches


def test_train_overrides_are_validated(tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]) -> None:
    trainer = make_toy_trainer(tmp_path)
    with pytest.raises(ValueError, match="learning_rate"):
        trainer.train(learning_rate=-1.0)
    with pytest.raises(ValueError, match="Did you mean 'max_steps'"):
        trainer.train(max_step=3)


def test_supervised_encoder_baseline_learns_labels(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(tmp_path, supervised_encoder=True, learning_rate=1e-2)
    trainer.train()
    assert abs(trainer.evaluate_encoder()["correlation"]) >= 0.9


def test_assigning_arguments_after_construction_takes_effect(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(tmp_path)
    trainer = make_toy_trainer(args=args)
    args.max_steps = 5
    trainer.train()
    assert trainer.get_training_stats()["steps"] == 5
    assert isinstance(trainer.training_args, TrainingArguments)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_gradiend_learns_the_feature(
    dtype: str, tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    """Half-precision GRADIEND weights train (float16 needs the raised Adam epsilon) and still learn."""
    trainer = make_toy_trainer(tmp_path, gradiend_dtype=dtype)
    trainer.train()
    model = trainer.get_model()
    assert model.gradiend.encoder.weight.dtype == getattr(torch, dtype)
    assert all(torch.isfinite(p).all() for p in model.gradiend.parameters())
    assert abs(trainer.evaluate_encoder(use_cache=False)["correlation"]) >= 0.9
