"""Multi-seed training: convergence, selection, the seed report, retention policies and resume."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from gradiend_toy import ToyTrainer

from gradiend import ModelWithGradiend, NonConvergenceError, TrainingCallback
from gradiend.testing import quick_arguments as toy_arguments
from gradiend.training.state import TrainingState


class CountRuns(TrainingCallback):
    """Counts training runs (one on_train_begin per seed)."""

    def __init__(self) -> None:
        self.runs = 0

    def on_train_begin(self, state: TrainingState) -> None:
        self.runs += 1


def test_convergent_seeds_write_a_complete_report(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(tmp_path, max_seeds=3, min_convergent_seeds=2, seed=4)
    trainer = make_toy_trainer(args=args)
    counter = CountRuns()
    trainer.train(callbacks=[counter])
    assert counter.runs == 2, "stops once two seeds converged"
    report = json.loads((tmp_path / "seeds" / "seed_report.json").read_text())
    assert report["seeds_tried"] == [4, 5] and [r["seed"] for r in report["runs"]] == [4, 5]
    assert report["convergent_count"] == 2 and report["convergent_seeds"] == [4, 5]
    assert report["threshold"] == 0.5 and report["convergence_metric"] == "correlation"
    assert report["early_stop_reason"].startswith("min_convergent_seeds reached: 2 >= 2")
    assert report["best_seed_selection_strategy"] == "best_convergent_selection_score"
    fields = {
        "seed", "output_dir", "trained", "used_cache", "training_score", "eval_correlation",
        "selection_score", "convergence_metric", "convergence_metric_value", "best_checkpoint_global_step",
        "threshold", "convergent_mean_by_class_threshold", "convergent_min_target_class_abs_mean",
        "converged",
        "split_cycle_index", "split_cycle_length",
    }  # fmt: skip
    for run in report["runs"]:
        assert fields <= set(run)
        assert run["converged"] is True and run["trained"] is True and run["used_cache"] is False
        assert run["convergent_min_target_class_abs_mean"] >= 0.5
        assert Path(run["output_dir"]).is_dir(), "all_convergent keeps every converged seed"
    best = max(report["runs"], key=lambda s: s["selection_score"])
    assert report["best_seed"] == best["seed"]
    assert report["best_selection_score"] == best["selection_score"]
    assert trainer.get_seed_report() == report
    assert trainer.get_seed_report_path() == str(tmp_path / "seeds" / "seed_report.json")
    model = trainer.get_model()
    assert model.metadata == make_toy_trainer(args=None).load_model(report["best_output_dir"]).metadata
    assert abs(trainer.evaluate_encoder()["correlation"]) >= 0.9


def test_best_only_keeps_one_seed_directory(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(
        tmp_path, max_seeds=2, min_convergent_seeds=2, saved_seed_runs="best_only", max_steps=100
    )
    make_toy_trainer(args=args).train()
    report = json.loads((tmp_path / "seeds" / "seed_report.json").read_text())
    kept = [s for s in report["runs"] if Path(s["output_dir"]).exists()]
    assert [s["seed"] for s in kept] == [report["best_seed"]]


def test_keep_seed_runs_returns_every_model(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(tmp_path, max_seeds=2, min_convergent_seeds=2, keep_seed_runs=True, max_steps=60)
    result = make_toy_trainer(args=args).train()
    assert isinstance(result, dict) and sorted(result) == [0, 1]
    assert all(isinstance(m, ModelWithGradiend) for m in result.values())


def test_non_convergence_raises_with_per_seed_values(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(
        tmp_path, max_seeds=2, learning_rate=1e-9, max_steps=4, eval_steps=2, fail_on_non_convergence=True
    )
    with pytest.raises(NonConvergenceError) as caught:
        make_toy_trainer(args=args).train()
    message = str(caught.value)
    assert "0 of 2 seeds converged" in message
    assert "seed 0:" in message and "seed 1:" in message
    assert "Try:" in message


def test_non_convergence_without_the_flag_still_selects_a_seed(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(tmp_path, max_seeds=2, learning_rate=1e-9, max_steps=4, eval_steps=2)
    trainer = make_toy_trainer(args=args)
    trainer.train()
    report = json.loads((tmp_path / "seeds" / "seed_report.json").read_text())
    assert report["convergent_count"] == 0 and len(report["runs"]) == 2
    assert report["best_seed_selection_strategy"] == "best_available_selection_score"
    assert report["early_stop_reason"] is None
    assert Path(trainer.model_path).is_dir()


def test_an_interrupted_run_resumes_from_finished_seeds(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    args = toy_arguments(
        tmp_path, max_seeds=2, min_convergent_seeds=2, saved_seed_runs="all_tried", max_steps=60
    )
    make_toy_trainer(args=args).train()
    # Simulate a kill after seed 0 finished: seed 1 and the final model are gone.
    import shutil

    shutil.rmtree(tmp_path / "seeds" / "seed_1")
    shutil.rmtree(tmp_path / "model")
    counter = CountRuns()
    resumed = make_toy_trainer(args=args)
    resumed.train(callbacks=[counter])
    assert counter.runs == 1, "only the missing seed is trained again"
    report = json.loads((tmp_path / "seeds" / "seed_report.json").read_text())
    assert [s["seed"] for s in report["runs"]] == [0, 1]
    assert [(r["trained"], r["used_cache"]) for r in report["runs"]] == [(False, True), (True, False)]
