"""Helpers for testing gradiend modalities (used by gradiend's own tests and by plugin authors).

``check_definition_contract(trainer)`` runs every definition step of a modality once and checks what it
returns, so a plugin's test suite can start with one line; ``quick_arguments`` gives arguments that
train a small model in seconds; ``assert_feature_learned`` states what "learned" means.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from gradiend.arguments import TrainingArguments
from gradiend.definition import TRAINING_DATA_COLUMNS, BaseModelScores, DecoderEvalData
from gradiend.trainer.trainer import Trainer


def quick_arguments(experiment_dir: str | Path, **overrides: Any) -> TrainingArguments:
    """Arguments for a small, fast, single-seed run (lr 1e-3, batches of 8, 150 steps)."""
    values: dict[str, Any] = {
        "experiment_dir": str(experiment_dir),
        "learning_rate": 1e-3,
        "train_batch_size": 8,
        "max_steps": 150,
        "eval_steps": 50,
        "max_seeds": 1,
    }
    values.update(overrides)
    return TrainingArguments.model_validate(values)


def _check_rows(frame: object, where: str) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise AssertionError(f"{where} must return a pandas DataFrame, got {type(frame).__name__}")
    missing = set(TRAINING_DATA_COLUMNS) - set(frame.columns)
    if missing:
        raise AssertionError(f"{where} lacks the column(s) {sorted(missing)}")
    return frame


def check_definition_contract(trainer: Trainer) -> None:
    """Run each definition step of ``trainer`` once and raise AssertionError on a broken contract."""
    pair = trainer.require_pair()
    rows = _check_rows(
        trainer.hook.gradiend_create_training_data(trainer=trainer, split="train", max_size=4), "train data"
    )
    if set(rows["feature_class"]) != set(pair):
        raise AssertionError(
            f"training rows must hold both pair classes {pair}, got {sorted(set(rows['feature_class']))}"
        )
    labels = dict(zip(rows["feature_class"], rows["label"], strict=True))
    if labels != {pair[0]: 1.0, pair[1]: -1.0}:
        raise AssertionError(f"labels must be +1 for {pair[0]} and -1 for {pair[1]}, got {labels}")
    base = trainer.base_model
    names = trainer.default_parameter_names(base)
    if not names:
        raise AssertionError("default_parameter_names returned no parameter")
    one_class = rows[rows["feature_class"] == pair[0]]
    losses = trainer.compute_losses(base, one_class)
    if losses.alternative is None or losses.factual.ndim != 0:
        raise AssertionError(
            "compute_losses must return scalar factual and alternative losses for training rows"
        )
    data = trainer.hook.gradiend_create_decoder_eval_data(
        trainer=trainer, max_size_training_like=4, max_size_neutral=4
    )
    if not isinstance(data, DecoderEvalData):
        raise AssertionError("create_decoder_eval_data must return DecoderEvalData")
    scores = trainer.hook.gradiend_evaluate_base_model(
        trainer=trainer, base_model=base, eval_data=data, batch_size=4
    )
    if not isinstance(scores, BaseModelScores):
        raise AssertionError("evaluate_base_model must return BaseModelScores")
    for on_class in pair:
        for target in pair:
            probability = scores.probability(target, on_class)
            if not 0.0 <= probability <= 1.0:
                raise AssertionError(f"P({target} | {on_class} rows) = {probability} is not a probability")
    _check_two_part_scoring(trainer, base, data, scores)
    targets = trainer.hook.gradiend_decoder_eval_targets(trainer=trainer)
    if set(targets) < set(pair):
        raise AssertionError(f"decoder-eval targets must cover the pair {pair}, got {sorted(targets)}")


def _check_two_part_scoring(
    trainer: Trainer, base: torch.nn.Module, data: DecoderEvalData, scores: BaseModelScores
) -> None:
    """Where both parts are offered, they must agree with ``evaluate_base_model`` (see its docstring)."""
    utility = trainer.evaluate_utility(base, data, batch_size=4)
    probabilities = trainer.evaluate_probabilities(base, data, batch_size=4)
    if utility is None or probabilities is None:
        return
    if not utility.complete or utility.lms != scores.lms:
        raise AssertionError(f"evaluate_utility gives lms {utility.lms}, evaluate_base_model {scores.lms}")
    for name, value in utility.extras.items():
        if name not in scores.extras or not math.isclose(scores.extras[name], value, rel_tol=1e-9):
            raise AssertionError(
                f"evaluate_utility extra {name}={value} is not evaluate_base_model's {scores.extras}"
            )
    if set(probabilities) != set(scores.probabilities):
        raise AssertionError(
            f"evaluate_probabilities scores classes {sorted(probabilities)}, "
            f"evaluate_base_model {sorted(scores.probabilities)}"
        )
    for on_class, by_target in probabilities.items():
        for target, value in by_target.items():
            full = scores.probabilities[on_class].get(target)
            if full is None or not math.isclose(full, value, rel_tol=1e-6, abs_tol=1e-9):
                raise AssertionError(
                    f"P({target} | {on_class} rows): evaluate_probabilities {value}, "
                    f"evaluate_base_model {full}"
                )


def assert_feature_learned(
    trainer: Trainer, min_correlation: float = 0.9, split: str = "test"
) -> dict[str, Any]:
    """Assert that the trained encoder separates the pair (|correlation| and opposite-sign class means)."""
    metrics = trainer.evaluate_encoder(split=split)
    pair = trainer.require_pair()
    means = metrics["mean_by_class"]
    if abs(metrics["correlation"]) < min_correlation:
        raise AssertionError(
            f"|correlation| {abs(metrics['correlation']):.3f} < {min_correlation} on {split}"
        )
    if not means[pair[0]] > 0 > means[pair[1]]:
        raise AssertionError(f"classes must encode with opposite signs ({pair[0]} positive): {means}")
    return metrics


def assert_decoder_search_matches_grid(
    trainer: Trainer,
    target_class: str | list[str] | None = None,
    increase_target_probabilities: bool = True,
    **kwargs: Any,
) -> tuple[int, int]:
    """Assert that ``decoder_search="adaptive"`` selects the exhaustive grid's point for each class.

    Runs :meth:`~gradiend.Trainer.evaluate_decoder` both ways (no cache) and compares each class
    entry's id, feature factor, learning rate, fallback flag, utility (exactly) and value (to 1e-5:
    the adaptive search scores a subset of the rows, which can batch them differently).

    Returns:
        ``(points the adaptive search scored in full, points of the grid)``; points it scored for
        the utility or the probabilities alone (``extras["utility_only"]``,
        ``extras["probabilities_only"]``) do not count.
    """
    runs = {
        search: trainer.evaluate_decoder(
            target_class=target_class,
            increase_target_probabilities=increase_target_probabilities,
            decoder_search=search,
            use_cache=False,
            **kwargs,
        )
        for search in ("grid", "adaptive")
    }
    keys = [k for k, v in runs["grid"].items() if isinstance(v, dict) and "feature_factor" in v]
    if not keys:
        raise AssertionError(f"the grid run selected nothing: keys {sorted(runs['grid'])}")
    for key in keys:
        grid, adaptive = runs["grid"][key], runs["adaptive"].get(key)
        if adaptive is None:
            raise AssertionError(f"the adaptive search has no entry {key!r}")
        for field in ("id", "feature_factor", "learning_rate", "fallback", "lms"):
            if grid[field] != adaptive[field]:
                raise AssertionError(
                    f"{key!r}: adaptive {field} {adaptive[field]!r} != grid {grid[field]!r} "
                    f"(grid selected {grid['id']}, adaptive {adaptive['id']})"
                )
        if abs(grid["value"] - adaptive["value"]) > 1e-5:
            raise AssertionError(f"{key!r}: adaptive value {adaptive['value']} != grid {grid['value']}")
    partial = ("extra__utility_only", "extra__probabilities_only")
    scored = [r for r in runs["adaptive"]["grid"][1:] if not any(r.get(k) for k in partial)]
    return len(scored), len(runs["grid"]["grid"]) - 1


def set_single_thread() -> None:
    """Use one CPU thread: tiny test models run fastest that way and leave cores to parallel tests."""
    torch.set_num_threads(1)


__all__ = [
    "assert_decoder_search_matches_grid",
    "assert_feature_learned",
    "check_definition_contract",
    "quick_arguments",
    "set_single_thread",
]
