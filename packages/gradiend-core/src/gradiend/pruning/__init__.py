"""Pruning of GRADIEND inputs: before training (gradient importance) and after (weight importance)."""

from gradiend.pruning.config import PostPruneConfig, PrePruneConfig
from gradiend.pruning.topk import select_dimensions

__all__ = ["PostPruneConfig", "PrePruneConfig", "select_dimensions"]
