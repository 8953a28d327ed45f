"""Upstream-compatible path: ``from gradiend.trainer.core.pruning import PrePruneConfig, PostPruneConfig``."""

from gradiend.pruning.config import PostPruneConfig, PrePruneConfig

__all__ = ["PostPruneConfig", "PrePruneConfig"]
