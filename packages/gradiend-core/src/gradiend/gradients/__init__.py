"""Gradients of the base model: factual, alternative and diff, flattened through a ParamMap."""

from gradiend.gradients.compute import GRADIENT_KINDS, GradientPair, compute_gradient_pair, source_gradient
from gradiend.gradients.dataset import GradientBatch, GradientTrainingDataset, single_class_batches

__all__ = [
    "GRADIENT_KINDS",
    "GradientBatch",
    "GradientPair",
    "GradientTrainingDataset",
    "compute_gradient_pair",
    "single_class_batches",
    "source_gradient",
]
