"""Published gradiend arguments and signatures: min_convergent_seeds=None, use_cache modes, seed report,
evaluation keywords, Trainer(**kwargs) (issue #15)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import torch
from gradiend_toy import ToyTrainer

from gradiend import ModelWithGradiend, TrainingArguments, TrainingCallback
from gradiend.run_identity import RunIdentityError
from gradiend.testing import quick_arguments
from gradiend.training.state import TrainingState


class CountRuns(TrainingCallback):
    """Counts training runs (one on_train_begin per seed)."""

    def __init__(self) -> None:
        self.runs = 0

    def on_train_begin(self, state: TrainingState) -> None:
        self.runs += 1


# --- arguments -----------------------------------------------------------------------------------------


def test_min_convergent_seeds_none_trains_every_seed(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(tmp_path, max_seeds=3, min_convergent_seeds=None, max_steps=60)
    trainer = make_toy_trainer(args=args)
    counter = CountRuns()
    trainer.train(callbacks=[counter])
    report = trainer.get_seed_report()
    assert report is not None
    assert counter.runs == 3 and report["seeds_tried"] == [0, 1, 2]
    assert report["convergent_count"] >= 1, "the toy feature is learned by at least one seed"
    assert report["min_convergent_seeds"] is None and report["early_stop_reason"] is None


def test_min_convergent_seeds_zero_and_bad_use_cache_are_rejected() -> None:
    with pytest.raises(ValueError, match="use None to train all max_seeds"):
        TrainingArguments(min_convergent_seeds=0)
    with pytest.raises(ValueError, match="'always' or 'only_convergent'"):
        TrainingArguments(use_cache="sometimes")
    assert TrainingArguments(use_cache="always").caches_results
    assert not TrainingArguments(use_cache=False).caches_results


def _trained(tmp_path: Path, **overrides: object) -> ToyTrainer:
    trainer = ToyTrainer(
        target_classes=["a", "b"],
        args=quick_arguments(tmp_path, **{"max_steps": 60, "max_seeds": 1, **overrides}),
    )
    trainer.train()
    return trainer


def _runs_again(tmp_path: Path, **overrides: object) -> int:
    counter = CountRuns()
    trainer = ToyTrainer(
        target_classes=["a", "b"],
        args=quick_arguments(tmp_path, **{"max_steps": 60, "max_seeds": 1, **overrides}),
    )
    trainer.train(callbacks=[counter])
    return counter.runs


def test_use_cache_true_reuses_only_a_model_of_the_same_inputs(tmp_path: Path) -> None:
    _trained(tmp_path, use_cache=True)
    assert _runs_again(tmp_path, use_cache=True) == 0
    with pytest.raises(RunIdentityError, match="learning_rate"):  # another run's result is never replaced
        _runs_again(tmp_path, use_cache=True, learning_rate=2e-3)
    assert _runs_again(tmp_path, use_cache=True, learning_rate=2e-3, overwrite_output_dir=True) == 1


def test_use_cache_always_reuses_any_saved_model(tmp_path: Path) -> None:
    _trained(tmp_path, use_cache=True)
    assert _runs_again(tmp_path, use_cache="always", learning_rate=2e-3) == 0
    assert _runs_again(tmp_path, use_cache=False) == 1


def test_use_cache_only_convergent_retrains_a_run_that_did_not_converge(tmp_path: Path) -> None:
    converged = _trained(tmp_path / "good", use_cache="only_convergent")
    assert abs(converged.evaluate_encoder()["correlation"]) >= 0.9
    assert _runs_again(tmp_path / "good", use_cache="only_convergent") == 0
    failing = {"use_cache": "only_convergent", "learning_rate": 1e-9, "max_steps": 4, "eval_steps": 2}
    _trained(tmp_path / "bad", **failing)
    assert _runs_again(tmp_path / "bad", **failing) == 1, "a non-convergent run is not reused"
    assert _runs_again(tmp_path / "bad", **{**failing, "use_cache": True}) == 0


def test_use_cache_always_finishes_from_saved_seeds_without_training(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(tmp_path, max_seeds=3, min_convergent_seeds=1, max_steps=60, use_cache=True)
    make_toy_trainer(args=args).train()
    counter = CountRuns()
    again = make_toy_trainer(
        args=args.with_overrides(use_cache="always", min_convergent_seeds=3, learning_rate=5e-3)
    )
    shutil.rmtree(Path(tmp_path) / "model")  # the final model is gone: the saved seeds decide
    again.train(callbacks=[counter])
    report = again.get_seed_report()
    assert report is not None
    assert counter.runs == 0 and report["seeds_tried"] == [0]
    assert report["runs"][0]["used_cache"] is True and report["runs"][0]["trained"] is False
    assert "use_cache='always'" in report["early_stop_reason"]


# --- seed report and eval_correlation --------------------------------------------------------------


def test_eval_correlation_is_a_validation_evaluation_of_the_seed_model(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = quick_arguments(
        tmp_path, max_seeds=2, min_convergent_seeds=2, max_steps=60, seed_selection_eval_max_size=3,
        saved_seed_runs="all_tried",
    )  # fmt: skip
    trainer = make_toy_trainer(args=args)
    trainer.train()
    report = trainer.get_seed_report()
    assert report is not None
    for run in report["runs"]:
        seed_model = trainer.load_model(run["output_dir"])
        expected = trainer.evaluate_encoder(
            model_with_gradiend=seed_model, split="validation", max_size=3, use_cache=False
        )
        assert run["eval_correlation"] == pytest.approx(expected["correlation"], abs=1e-6)
        assert run["selection_score"] == pytest.approx(abs(run["eval_correlation"]), abs=1e-9)
        assert expected["n_samples"] < len(trainer.create_training_data("validation")) + 100
    entries = trainer.get_seed_run_entries("all_tried")
    assert [seed for seed, _ in entries] == [0, 1]
    assert trainer.get_saved_seed_run_paths("all_tried") == [path for _, path in entries]
    assert trainer.get_best_seed_run_path() == dict(entries)[report["best_seed"]]
    assert trainer.get_seed_run_entries("best") == [(report["best_seed"], trainer.model_path)]
    with pytest.raises(ValueError, match="selection must be one of"):
        trainer.get_seed_run_entries("some")


def test_single_seed_runs_have_no_seed_report(trained_toy: ToyTrainer) -> None:
    assert trained_toy.get_seed_report() is None
    assert trained_toy.get_seed_run_entries() == [(0, trained_toy.model_path)]


def test_a_report_of_the_earlier_layout_is_read_in_the_published_layout(tmp_path: Path) -> None:
    from gradiend.plotting.seeds import load_seed_report

    old = {"seeds": [{"seed": 0, "converged": True}, {"seed": 1, "converged": False}], "n_converged": 1}
    path = tmp_path / "seed_report.json"
    path.write_text(json.dumps(old))
    report = load_seed_report(path)
    assert report["convergent_count"] == 1 and report["seeds_tried"] == [0, 1]
    assert report["convergent_seeds"] == [0]


# --- Trainer(**kwargs) and evaluation keywords ------------------------------------------------------


class TaggedModel(ModelWithGradiend):
    """A ModelWithGradiend subclass to check that model_with_gradiend_cls is used."""


def test_trainer_kwargs_set_known_attributes_and_reject_others(trained_toy: ToyTrainer) -> None:
    with pytest.raises(
        TypeError, match=r"unexpected keyword argument\(s\) \['colour'\].*model_with_gradiend_cls"
    ):
        ToyTrainer(target_classes=["a", "b"], colour="red")
    trainer = ToyTrainer(target_classes=["a", "b"], model_with_gradiend_cls=TaggedModel)
    assert isinstance(trainer.load_model(trained_toy.model_path), TaggedModel)


def test_evaluate_routes_each_keyword_to_the_evaluation_that_takes_it(trained_toy: ToyTrainer) -> None:
    result = trained_toy.evaluate(max_size=4, lrs=[1e-2], use_cache=False)
    assert result["encoder"]["n_samples"] <= 4 * 2 + len(trained_toy.create_neutral_data("test", 4))
    grid_rates = {p["learning_rate"] for p in result["decoder"]["grid"] if p.get("learning_rate")}
    assert grid_rates == {1e-2}
    with pytest.raises(TypeError, match=r"\['colour'\]"):
        trained_toy.evaluate(colour="red")
    with pytest.raises(TypeError, match="kwargs_encoder must be a dict"):
        trained_toy.evaluate(kwargs_encoder=[1])


def test_pre_load_gradients_reencodes_the_same_gradients(trained_toy: ToyTrainer) -> None:
    plain = trained_toy.evaluate_encoder(split="test", use_cache=False, return_df=True)
    loaded = trained_toy.evaluate_encoder(split="test", pre_load_gradients=True, return_df=True)
    again = trained_toy.evaluate_encoder(split="test", pre_load_gradients=True)
    assert len(trained_toy.evaluator._preloaded) == 1
    assert loaded["correlation"] == pytest.approx(plain["correlation"], abs=1e-6)
    assert again["correlation"] == pytest.approx(plain["correlation"], abs=1e-6)
    pd.testing.assert_series_equal(plain["encoder_df"]["encoded"], loaded["encoder_df"]["encoded"], atol=1e-6)


def test_is_decoder_only_model_is_accepted_where_the_modality_has_no_such_notion(
    trained_toy: ToyTrainer,
) -> None:
    result = trained_toy.evaluate_encoder(is_decoder_only_model=False, max_size=4, use_cache=False)
    assert abs(result["correlation"]) > 0.5


def test_get_encodings_and_metrics_of_another_saved_model(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    other = trained_toy.get_model()
    flipped = ModelWithGradiend(other.base_model, other.gradiend, other.param_map, other.base_model_id)
    state = {k: v.clone() for k, v in other.gradiend.state_dict().items()}
    flipped.gradiend = type(other.gradiend)(**other.gradiend.config)
    flipped.gradiend.load_state_dict(state)
    flipped.gradiend.flip_sign_()
    flipped.save_pretrained(tmp_path / "flipped")
    own = trained_toy.get_encoder_metrics(max_size=4, use_cache=False)
    theirs = trained_toy.get_encoder_metrics(str(tmp_path / "flipped"), max_size=4, use_cache=False)
    assert theirs["correlation"] == pytest.approx(-own["correlation"], abs=1e-5)
    frame = trained_toy.get_encodings(model_path=str(tmp_path / "flipped"), max_size=4, use_cache=False)
    mine = trained_toy.get_encodings(max_size=4, use_cache=False)
    assert torch.allclose(
        torch.tensor(frame["encoded"].tolist()), -torch.tensor(mine["encoded"].tolist()), atol=1e-5
    )


def test_rewrite_with_decoder_stats_metric_name_and_grid_kwargs(trained_toy: ToyTrainer) -> None:
    rewritten = trained_toy.rewrite_base_model(
        target_class="a", decoder_stats_metric_name="a", lrs=[1e-2], use_cache=False
    )
    entry = trained_toy.evaluator.last_decoder_results["a"]
    assert entry["learning_rate"] == 1e-2
    assert isinstance(rewritten, torch.nn.Module)
    with pytest.raises(KeyError, match="no entry for 'nonexistent'"):
        trained_toy.rewrite_base_model(target_class="a", decoder_stats_metric_name="nonexistent")
    with pytest.raises(ValueError, match="one target_class"):
        trained_toy.rewrite_base_model(target_class=["a", "b"], decoder_stats_metric_name="a")


def test_from_pretrained_loads_the_recorded_base_model_alone(trained_toy: ToyTrainer, tmp_path: Path) -> None:
    trained_toy.save_base_model(trained_toy.base_model, str(tmp_path / "base"))
    model = trained_toy.get_model()
    moved = ModelWithGradiend(model.base_model, model.gradiend, model.param_map, str(tmp_path / "base"),
                              dict(model.metadata))  # fmt: skip
    moved.save_pretrained(tmp_path / "gradiend")
    alone = ModelWithGradiend.from_pretrained(tmp_path / "gradiend")
    assert alone.metadata["modality"] == "toy"
    torch.testing.assert_close(alone.base_model.state_dict(), trained_toy.base_model.state_dict())
    gradient = torch.randn(model.param_map.size)
    torch.testing.assert_close(alone.encode_gradient(gradient), model.encode_gradient(gradient))
