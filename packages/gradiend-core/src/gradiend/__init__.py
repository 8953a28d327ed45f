"""GRADIEND: learn a feature inside a trained network from its gradients, measure it, rewrite it.

Core names are imported lazily, so ``import gradiend`` stays cheap and never imports a modality.
Names a modality plugin exports (``TextPredictionTrainer``, ``TextPredictionDataCreator``,
``TextFilterConfig`` from gradiend-text, ``ImageClassificationTrainer`` from gradiend-vision...) are
resolved through the installed plugins on first access.

Each public name is written once, in ``_EXPORTS`` (name -> the module that defines it).
"""

from __future__ import annotations

import importlib as _importlib
from typing import Any as _Any

from gradiend.hooks.lazy import lazy_exports as _lazy_exports

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
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
    "hookimpl": "gradiend.hooks.markers",
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

_SUBMODULES: frozenset[str] = frozenset({"logging"})
"""Submodules reachable as attributes (``gradiend.logging.set_verbosity_info()``), imported on access."""

__all__ = list(_EXPORTS)

_core_getattr, _ = _lazy_exports(__name__, _EXPORTS)


def __getattr__(name: str) -> _Any:
    """Resolve core names lazily, then names exported by installed modality plugins."""
    if name in _SUBMODULES:
        return _importlib.import_module(f"gradiend.{name}")
    if name in _EXPORTS:
        return _core_getattr(name)
    if name.startswith("__"):
        raise AttributeError(name)
    from gradiend.not_available import NOT_AVAILABLE, not_available_error

    if name in NOT_AVAILABLE:
        raise not_available_error(name)
    from gradiend.hooks.registry import get_registry

    try:
        return get_registry().resolve_export(name)
    except AttributeError:
        raise AttributeError(f"module 'gradiend' has no attribute {name!r}{_plugin_hint(name)}") from None


def _plugin_hint(name: str) -> str:
    if name.startswith("Text"):
        return " (it may come from the text modality: pip install gradiend-text)"
    if name.startswith("Image") or name.startswith("Vision"):
        return " (it may come from the vision modality: pip install gradiend-vision)"
    return ""


def __dir__() -> list[str]:
    """The public names and the module's own dunders (plugin exports are listed by ``gradiend plugins``)."""
    own = [name for name in globals() if name.startswith("__") or not name.startswith("_")]
    return sorted({*own, *_EXPORTS, *_SUBMODULES} - {"annotations"})
