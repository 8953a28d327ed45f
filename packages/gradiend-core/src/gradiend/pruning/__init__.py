"""Pruning of GRADIEND inputs: before training (gradient importance) and after (weight importance)."""

from gradiend.pruning.config import PostPruneConfig, PrePruneConfig

__all__ = ["PostPruneConfig", "PrePruneConfig"]
