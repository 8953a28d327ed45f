"""Each trainer's own hook relay: its definition methods are the default implementations.

``trainer.hook.gradiend_create_training_data(trainer=trainer, split=..., max_size=...)`` calls the
plugins registered on that trainer first (``trainer.register_plugin(obj)``), then the trainer's own
method. Subclassing still works: the adapter calls whatever method the trainer's class defines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import pluggy
from torch import nn

from gradiend.plugins import hookspecs
from gradiend.plugins.markers import PROJECT_NAME, hookimpl

if TYPE_CHECKING:
    from gradiend.definition import BaseModelScores, DecoderEvalData, FeatureLearningDefinition
    from gradiend.gradients.dataset import GradientTrainingDataset
    from gradiend.model.with_gradiend import ModelWithGradiend

DEFAULT_STEPS_PLUGIN_NAME = "gradiend-definition-defaults"


class DefinitionMethods:
    """Implements every definition hook by calling the trainer's own method (``trylast``)."""

    @hookimpl(trylast=True)
    def gradiend_create_training_data(
        self, trainer: FeatureLearningDefinition, split: str, max_size: int | None
    ) -> pd.DataFrame:
        """Default: ``trainer.create_training_data``."""
        return trainer.create_training_data(split=split, max_size=max_size)

    @hookimpl(trylast=True)
    def gradiend_create_gradient_training_dataset(
        self,
        trainer: FeatureLearningDefinition,
        training_data: pd.DataFrame,
        model_with_gradiend: ModelWithGradiend,
        source: str,
        target: str,
        batch_size: int,
        seed: int,
    ) -> GradientTrainingDataset:
        """Default: ``trainer.create_gradient_training_dataset``."""
        return trainer.create_gradient_training_dataset(
            training_data, model_with_gradiend, source=source, target=target, batch_size=batch_size, seed=seed
        )

    @hookimpl(trylast=True)
    def gradiend_decoder_eval_dataframe(
        self,
        trainer: FeatureLearningDefinition,
        max_size_training_like: int | None,
        max_size_neutral: int | None,
    ) -> DecoderEvalData:
        """Default: ``trainer._get_decoder_eval_dataframe``."""
        return trainer._get_decoder_eval_dataframe(
            max_size_training_like=max_size_training_like, max_size_neutral=max_size_neutral
        )

    @hookimpl(trylast=True)
    def gradiend_decoder_eval_targets(self, trainer: FeatureLearningDefinition) -> dict[str, list[str]]:
        """Default: ``trainer._get_decoder_eval_targets``."""
        return trainer._get_decoder_eval_targets()

    @hookimpl(trylast=True)
    def gradiend_evaluate_base_model(
        self,
        trainer: FeatureLearningDefinition,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int,
    ) -> BaseModelScores:
        """Default: ``trainer.evaluate_base_model``."""
        return trainer.evaluate_base_model(base_model, eval_data, batch_size=batch_size)

    @hookimpl(trylast=True)
    def gradiend_analyze_encoder(
        self,
        trainer: FeatureLearningDefinition,
        model_with_gradiend: ModelWithGradiend,
        split: str,
        max_size: int | None,
        neutral_data: pd.DataFrame | None,
        source: str,
    ) -> pd.DataFrame:
        """Default: ``trainer._analyze_encoder``."""
        return trainer._analyze_encoder(
            model_with_gradiend, split=split, max_size=max_size, neutral_data=neutral_data, source=source
        )


def create_hook_relay() -> pluggy.PluginManager:
    """A plugin manager with gradiend's hook specs and the default definition methods registered."""
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    manager.register(DefinitionMethods(), name=DEFAULT_STEPS_PLUGIN_NAME)
    return manager


def check_hook_plugin(plugin: Any) -> None:
    """Reject plugin objects that implement no gradiend hook (a likely typo in a hook name)."""
    names = [name for name in dir(plugin) if name.startswith("gradiend_")]
    if not names:
        raise ValueError(
            f"{plugin!r} implements no gradiend hook; hook names start with 'gradiend_' "
            f"(definition hooks: {', '.join(hookspecs.DEFINITION_HOOKS)})"
        )


__all__ = ["DEFAULT_STEPS_PLUGIN_NAME", "DefinitionMethods", "check_hook_plugin", "create_hook_relay"]
