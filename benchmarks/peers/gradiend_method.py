"""GRADIEND through the library's own path: the text demo's arguments, training, decoder grid, selection.

The trainer sees the train and validation rows only. The decoder grid (``evaluate_grid_points``, the
library's grid loop: rewrite in place, score, restore) runs over the default learning rates at the
feature factor that strengthens "she"; with target ``diff`` that is also the factor that weakens "he",
so one grid serves both. Each point is scored by the shared :class:`~benchmarks.peers.measure.Scorer`;
its validation-row probabilities and selection utility form the ``BaseModelScores`` that the library's
``summarize_decoder_grid`` selects from (strengthen "she"; weaken "he").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch import nn

from benchmarks.peers.data import PAIR, PeerData
from benchmarks.peers.measure import Measurement, Scorer, timed
from benchmarks.peers.select import Point

logger = logging.getLogger(__name__)


@dataclass
class GradiendBudget:
    """What may differ from the demo's arguments (documented in the report)."""

    max_steps: int = 150
    eval_steps: int = 50
    pre_prune_samples: int = 16
    pre_prune_topk: float = 0.01
    learning_rates: tuple[float, ...] | None = None
    """Decoder-grid learning rates (default: the library's ``DEFAULT_DECODER_LRS``)."""


@dataclass
class GradiendResult:
    """The trained GRADIEND's sweep, the library's selections and timings."""

    trainer: Any
    base: Measurement
    points: list[Point]
    selected_she: dict[str, Any]
    selected_he_weaken: dict[str, Any]
    fit_seconds: float
    sweep_seconds: float
    correlation: float
    inputs: int
    arguments: dict[str, Any]

    def rewritten(self, entry: dict[str, Any]) -> nn.Module:
        """A copy of the base model with the selected rewrite applied."""
        model = self.trainer.get_model()
        return model.rewrite(float(entry["feature_factor"]), float(entry["learning_rate"]))


def training_arguments(output: Path, budget: GradiendBudget) -> Any:
    """The demo's arguments (``gradiend_text.demo.arguments``) with the budget's steps and pre-prune size."""
    from gradiend.pruning.config import PrePruneConfig
    from gradiend_text.demo import arguments

    demo = arguments(output)
    prune = demo.pre_prune_config
    assert prune is not None
    pre_prune = PrePruneConfig(
        n_samples=budget.pre_prune_samples,
        topk=budget.pre_prune_topk,
        source=prune.source,
        batch_size=prune.batch_size,
    )
    update: dict[str, Any] = {
        "max_steps": budget.max_steps,
        "eval_steps": budget.eval_steps,
        "pre_prune_config": pre_prune,
        "use_cache": False,
    }
    if budget.learning_rates is not None:
        update["decoder_eval_lrs"] = list(budget.learning_rates)
    return type(demo)(**{**demo.model_dump(), **update})


def make_trainer(model: Any, data: PeerData, output: Path, budget: GradiendBudget) -> Any:
    """A ``TextPredictionTrainer`` on the train/validation rows and the selection neutral texts."""
    from gradiend_text.trainer import TextPredictionTrainer

    return TextPredictionTrainer(
        model=model,
        data=data.trainer_frame(),
        target_classes=list(PAIR),
        args=training_arguments(output, budget),
        eval_neutral_data=data.neutral_selection,
    )


def run_gradiend(trainer: Any, scorer: Scorer, base: Measurement | None = None) -> GradiendResult:
    """Train, evaluate the encoder on validation rows, sweep the decoder grid and select as the library does.

    ``base``: the base model's measurement when already scored (else scored here first).
    """
    from gradiend.definition import BaseModelScores
    from gradiend.evaluation.decoder_grid import DecoderGrid, evaluate_grid_points
    from gradiend.evaluation.selection import default_feature_factor, summarize_decoder_grid

    args = trainer.args
    _, fit_seconds = timed(trainer.train)
    encoder = trainer.evaluate_encoder(split="validation", max_size=args.encoder_eval_max_size)
    model = trainer.get_model()
    factor = default_feature_factor("she", PAIR, args.target, increase=True)
    if default_feature_factor("he", PAIR, args.target, increase=False) != factor:
        raise RuntimeError("strengthening 'she' and weakening 'he' need different feature factors here")
    measurements: list[Measurement] = []

    def score(base_model: nn.Module) -> BaseModelScores:
        measurement = scorer(base_model)
        measurements.append(measurement)
        return BaseModelScores(probabilities=measurement.selection, lms=measurement.lms_selection)

    rates = list(args.decoder_learning_rates)
    if base is None:
        score(trainer.base_model)
        base = measurements.pop()
    base_scores = BaseModelScores(probabilities=base.selection, lms=base.lms_selection)
    grid_points, sweep_seconds = timed(
        lambda: evaluate_grid_points(model, score, [(factor, lr) for lr in rates], progress=True)
    )
    grid = DecoderGrid(base=base_scores, points=grid_points)
    she = summarize_decoder_grid(grid, PAIR, ["she"], increase=True, target=args.target)["she"]
    he = summarize_decoder_grid(grid, PAIR, ["he"], increase=False, target=args.target)["he_weaken"]
    points = [
        Point("gradiend", {"feature_factor": factor, "learning_rate": lr}, lr, m)
        for lr, m in zip(rates, measurements, strict=True)
    ]
    logger.info("GRADIEND: selected she %s, he_weaken %s", she["id"], he["id"])
    return GradiendResult(
        trainer=trainer,
        base=base,
        points=points,
        selected_she=she,
        selected_he_weaken=he,
        fit_seconds=fit_seconds,
        sweep_seconds=sweep_seconds,
        correlation=float(encoder["correlation"]),
        inputs=int(model.param_map.size),
        arguments={
            "max_steps": args.max_steps,
            "train_batch_size": args.train_batch_size,
            "learning_rate": args.learning_rate,
            "source": args.source,
            "target": args.target,
            "pre_prune_topk": args.pre_prune_config.topk if args.pre_prune_config else None,
            "pre_prune_samples": args.pre_prune_config.n_samples if args.pre_prune_config else None,
            "decoder_learning_rates": rates,
        },
    )


__all__ = ["GradiendBudget", "GradiendResult", "make_trainer", "run_gradiend", "training_arguments"]
