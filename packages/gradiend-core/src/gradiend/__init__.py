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
}

if TYPE_CHECKING:
    from gradiend.arguments import TrainingArguments
    from gradiend.definition import BaseModelScores, DecoderEvalData, FeatureLearningDefinition, PairedLoss
    from gradiend.evaluation.evaluator import Evaluator
    from gradiend.model.checkpoint import load_training_stats
    from gradiend.model.gradiend import GradiendModel
    from gradiend.model.param_map import ParamMap
    from gradiend.model.with_gradiend import ModelWithGradiend
    from gradiend.plugins.markers import hookimpl
    from gradiend.pruning.config import PostPruneConfig, PrePruneConfig
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
    "DecoderEvalData",
    "EarlyStoppingCallback",
    "Evaluator",
    "FeatureLearningDefinition",
    "GradiendModel",
    "ModelWithGradiend",
    "NonConvergenceError",
    "PairedLoss",
    "ParamMap",
    "PostPruneConfig",
    "PrePruneConfig",
    "Trainer",
    "TrainingArguments",
    "TrainingCallback",
    "hookimpl",
    "load_training_stats",
    "set_seed",
]
