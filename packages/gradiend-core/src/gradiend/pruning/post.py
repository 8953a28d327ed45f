"""Post-prune: keep the GRADIEND inputs with the largest weight importance after training."""

from __future__ import annotations

import logging

from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.pruning.config import PostPruneConfig
from gradiend.pruning.topk import select_dimensions

logger = logging.getLogger(__name__)


def post_prune(model_with_gradiend: ModelWithGradiend, config: PostPruneConfig) -> ModelWithGradiend:
    """A new ModelWithGradiend whose network and parameter map keep only the top inputs."""
    gradiend = model_with_gradiend.gradiend
    importance = gradiend.input_importance(config.part)
    keep = select_dimensions(importance, config.topk, config.threshold)
    pruned = ModelWithGradiend(
        model_with_gradiend.base_model,
        gradiend.select_inputs(keep.to(gradiend.device)),
        model_with_gradiend.param_map.select(keep),
        base_model_id=model_with_gradiend.base_model_id,
        metadata=dict(model_with_gradiend.metadata),
    )
    logger.info("post-prune (%s) kept %d of %d inputs", config.part, keep.numel(), gradiend.input_dim)
    return pruned


__all__ = ["post_prune"]
