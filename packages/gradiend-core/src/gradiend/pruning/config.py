"""Pruning configurations; they live in :mod:`gradiend.arguments.pruning` (this path stays importable)."""

from gradiend.arguments.pruning import GradientKind, PostPruneConfig, PrePruneConfig, WeightPart

__all__ = ["GradientKind", "PostPruneConfig", "PrePruneConfig", "WeightPart"]
