"""GRADIEND: learn a feature inside a trained network from its gradients, measure it, rewrite it.

Core names are imported lazily, so ``import gradiend`` stays cheap and never imports a modality.
Names a modality plugin exports (``TextPredictionTrainer``, ``TextPredictionDataCreator``,
``TextFilterConfig`` from gradiend-text, ``ImageClassificationTrainer`` from gradiend-vision...) are
resolved through the installed plugins on first access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_CORE_EXPORTS: dict[str, str] = {
    "Trainer": "gradiend.trainer.trainer",
    "TrainingArguments": "gradiend.arguments",
    "PrePruneConfig": "gradiend.pruning.config",
    "PostPruneConfig": "gradiend.pruning.config",
    "GradiendModel": "gradiend.model.gradiend",
    "ParamMap": "gradiend.model.param_map",
    "ModelWithGradiend": "gradiend.model.with_gradiend",
    "FeatureLearningDefinition": "gradiend.definition",
    "PairedLoss": "gradiend.definition",
    "BaseModelScores": "gradiend.definition",
    "DecoderEvalData": "gradiend.definition",
    "Evaluator": "gradiend.evaluation.evaluator",
    "TrainingCallback": "gradiend.training.callbacks",
    "EarlyStoppingCallback": "gradiend.training.callbacks",
    "NonConvergenceError": "gradiend.training.multi_seed",
    "set_seed": "gradiend.training.seeding",
    "load_training_stats": "gradiend.model.checkpoint",
    "hookimpl": "gradiend.plugins.markers",
    # suites and comparison (issue 17)
    "TrainerSuite": "gradiend.suites",
    "SymmetricTrainerSuite": "gradiend.suites",
    "PositiveTrainerSuite": "gradiend.suites",
    "TrainerCollection": "gradiend.suites",
    "SuitePairDefinition": "gradiend.suites",
    "PositiveFeatureDefinition": "gradiend.suites",
    "TransitionSpec": "gradiend.suites",
    "pair": "gradiend.suites",
    "identity": "gradiend.suites",
    "compute_similarity_matrix": "gradiend.comparison",
    "compute_grouped_similarity_matrices": "gradiend.comparison",
    "compute_cross_encoding_matrix": "gradiend.comparison",
    "compute_trainer_pair_encoding_matrix": "gradiend.comparison",
    "build_cross_task_encoder_summary": "gradiend.comparison",
    "compute_anchor_aligned_encoding_matrix": "gradiend.comparison",
    "compute_gradiend_feature_cross_encoding_matrix": "gradiend.comparison",
    "compute_gradiend_transition_cross_encoding_matrix": "gradiend.comparison",
    "compute_topk_sets": "gradiend.comparison",
    "compute_seed_topk_stability": "gradiend.comparison",
    "aggregate_encoder_dataframes": "gradiend.comparison",
    "plot_comparison_heatmap": "gradiend.plotting.heatmap",
    "plot_similarity_heatmap": "gradiend.plotting.comparison",
    "plot_topk_overlap_heatmap": "gradiend.plotting.comparison",
    "plot_topk_overlap_venn": "gradiend.plotting.comparison",
    "plot_cross_encoding_heatmap": "gradiend.plotting.comparison",
    "plot_topk_overlap": "gradiend.plotting.comparison",
    "plot_encoder_by_target": "gradiend.plotting.encoder_views",
    "plot_encoder_strip_by_split": "gradiend.plotting.encoder_views",
    "plot_probability_shifts": "gradiend.plotting.shifts",
    "ParamMappedGradiendModel": "gradiend.model.param_mapped",
    "GradientTrainingDataset": "gradiend.gradients.dataset",
    "DataCreator": "gradiend.data_creator",
    "TrainerConfig": "gradiend.trainer.config",
    "setup_logging": "gradiend.log",
    "get_logger": "gradiend.log",
    "check_plot_environment": "gradiend.plotting.environment",
}

if TYPE_CHECKING:
    from gradiend.arguments import TrainingArguments
    from gradiend.comparison import (
        aggregate_encoder_dataframes,
        build_cross_task_encoder_summary,
        compute_anchor_aligned_encoding_matrix,
        compute_cross_encoding_matrix,
        compute_gradiend_feature_cross_encoding_matrix,
        compute_gradiend_transition_cross_encoding_matrix,
        compute_grouped_similarity_matrices,
        compute_seed_topk_stability,
        compute_similarity_matrix,
        compute_topk_sets,
        compute_trainer_pair_encoding_matrix,
    )
    from gradiend.data_creator import DataCreator
    from gradiend.definition import BaseModelScores, DecoderEvalData, FeatureLearningDefinition, PairedLoss
    from gradiend.evaluation.evaluator import Evaluator
    from gradiend.gradients.dataset import GradientTrainingDataset
    from gradiend.log import get_logger, setup_logging
    from gradiend.model.checkpoint import load_training_stats
    from gradiend.model.gradiend import GradiendModel
    from gradiend.model.param_map import ParamMap
    from gradiend.model.param_mapped import ParamMappedGradiendModel
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.plotting.comparison import (
        plot_cross_encoding_heatmap,
        plot_similarity_heatmap,
        plot_topk_overlap,
        plot_topk_overlap_heatmap,
        plot_topk_overlap_venn,
    )
    from gradiend.plotting.encoder_views import plot_encoder_by_target, plot_encoder_strip_by_split
    from gradiend.plotting.environment import check_plot_environment
    from gradiend.plotting.heatmap import plot_comparison_heatmap
    from gradiend.plotting.shifts import plot_probability_shifts
    from gradiend.plugins.markers import hookimpl
    from gradiend.pruning.config import PostPruneConfig, PrePruneConfig
    from gradiend.suites import (
        PositiveFeatureDefinition,
        PositiveTrainerSuite,
        SuitePairDefinition,
        SymmetricTrainerSuite,
        TrainerCollection,
        TrainerSuite,
        TransitionSpec,
        identity,
        pair,
    )
    from gradiend.trainer.config import TrainerConfig
    from gradiend.trainer.trainer import Trainer
    from gradiend.training.callbacks import EarlyStoppingCallback, TrainingCallback
    from gradiend.training.multi_seed import NonConvergenceError
    from gradiend.training.seeding import set_seed


_SUBMODULES: frozenset[str] = frozenset({"logging"})
"""Submodules reachable as attributes (``gradiend.logging.set_verbosity_info()``), imported on access."""


def __getattr__(name: str) -> Any:
    """Resolve core names lazily, then names exported by installed modality plugins."""
    if name in _SUBMODULES:
        return importlib.import_module(f"gradiend.{name}")
    module = _CORE_EXPORTS.get(name)
    if module is not None:
        return getattr(importlib.import_module(module), name)
    if name.startswith("__"):
        raise AttributeError(name)
    from gradiend.not_available import NOT_AVAILABLE, not_available_error

    if name in NOT_AVAILABLE:
        raise not_available_error(name)
    from gradiend.plugins.registry import get_registry

    registry = get_registry()
    try:
        return registry.resolve_export(name)
    except AttributeError:
        hint = _plugin_hint(name)
        raise AttributeError(f"module 'gradiend' has no attribute {name!r}{hint}") from None


def _plugin_hint(name: str) -> str:
    if name.startswith("Text"):
        return " (it may come from the text modality: pip install gradiend-text)"
    if name.startswith("Image") or name.startswith("Vision"):
        return " (it may come from the vision modality: pip install gradiend-vision)"
    return ""


def __dir__() -> list[str]:
    """Core names (plugin exports are listed by ``gradiend plugins``)."""
    return sorted([*globals(), *_CORE_EXPORTS])


__all__ = [
    "BaseModelScores",
    "DataCreator",
    "DecoderEvalData",
    "EarlyStoppingCallback",
    "Evaluator",
    "FeatureLearningDefinition",
    "GradiendModel",
    "GradientTrainingDataset",
    "ModelWithGradiend",
    "NonConvergenceError",
    "PairedLoss",
    "ParamMap",
    "ParamMappedGradiendModel",
    "PositiveFeatureDefinition",
    "PositiveTrainerSuite",
    "PostPruneConfig",
    "PrePruneConfig",
    "SuitePairDefinition",
    "SymmetricTrainerSuite",
    "Trainer",
    "TrainerCollection",
    "TrainerConfig",
    "TrainerSuite",
    "TrainingArguments",
    "TrainingCallback",
    "TransitionSpec",
    "aggregate_encoder_dataframes",
    "build_cross_task_encoder_summary",
    "check_plot_environment",
    "compute_anchor_aligned_encoding_matrix",
    "compute_cross_encoding_matrix",
    "compute_gradiend_feature_cross_encoding_matrix",
    "compute_gradiend_transition_cross_encoding_matrix",
    "compute_grouped_similarity_matrices",
    "compute_seed_topk_stability",
    "compute_similarity_matrix",
    "compute_topk_sets",
    "compute_trainer_pair_encoding_matrix",
    "get_logger",
    "hookimpl",
    "identity",
    "load_training_stats",
    "pair",
    "plot_comparison_heatmap",
    "plot_cross_encoding_heatmap",
    "plot_encoder_by_target",
    "plot_encoder_strip_by_split",
    "plot_probability_shifts",
    "plot_similarity_heatmap",
    "plot_topk_overlap",
    "plot_topk_overlap_heatmap",
    "plot_topk_overlap_venn",
    "set_seed",
    "setup_logging",
]
