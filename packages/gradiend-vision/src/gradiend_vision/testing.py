"""Tiny Hugging Face image classifiers built from a config, offline, for tests and examples.

Nothing is downloaded: the models are initialised randomly (seeded) and the image processor is the
PIL-backed ViT processor (no torchvision). Train them with :func:`gradiend_vision.fitting.fit_classifier`
before using them as base models.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from gradiend_vision.hf import transformers_major_version


def tiny_image_processor(image_size: int = 8, num_channels: int = 1) -> Any:
    """A ViT image processor (PIL backend): resize to ``image_size``, rescale 1/255, normalise to [-1, 1]."""
    import transformers

    cls = (
        transformers.ViTImageProcessorPil
        if transformers_major_version() >= 5
        else transformers.ViTImageProcessor
    )
    return cls(
        do_resize=True,
        size={"height": image_size, "width": image_size},
        do_rescale=True,
        do_normalize=True,
        image_mean=[0.5] * num_channels,
        image_std=[0.5] * num_channels,
    )


def _labels(class_names: Sequence[str]) -> dict[str, Any]:
    names = [str(c) for c in class_names]
    if len(names) < 2 or len(set(names)) != len(names):
        raise ValueError(f"class_names must be at least two unique names, got {names}")
    return {
        "num_labels": len(names),
        "id2label": dict(enumerate(names)),
        "label2id": {name: i for i, name in enumerate(names)},
    }


def tiny_vit_classifier(
    class_names: Sequence[str],
    *,
    image_size: int = 8,
    num_channels: int = 1,
    patch_size: int = 4,
    hidden_size: int = 32,
    num_layers: int = 2,
    seed: int = 0,
) -> tuple[nn.Module, Any]:
    """A ``ViTForImageClassification`` for ``image_size`` inputs (two layers, two heads) and its processor."""
    import transformers

    config = transformers.ViTConfig(
        image_size=image_size,
        patch_size=patch_size,
        num_channels=num_channels,
        hidden_size=hidden_size,
        num_hidden_layers=num_layers,
        num_attention_heads=2,
        intermediate_size=2 * hidden_size,
        **_labels(class_names),
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = transformers.ViTForImageClassification(config)
    return model.eval(), tiny_image_processor(image_size, num_channels)


def tiny_resnet_classifier(
    class_names: Sequence[str], *, image_size: int = 8, num_channels: int = 1, seed: int = 0
) -> tuple[nn.Module, Any]:
    """A two-stage ``ResNetForImageClassification`` (basic blocks, 8/16 channels) and an image processor."""
    import transformers

    config = transformers.ResNetConfig(
        num_channels=num_channels,
        embedding_size=8,
        hidden_sizes=[8, 16],
        depths=[1, 1],
        layer_type="basic",
        **_labels(class_names),
    )
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = transformers.ResNetForImageClassification(config)
    return model.eval(), tiny_image_processor(image_size, num_channels)


__all__ = ["tiny_image_processor", "tiny_resnet_classifier", "tiny_vit_classifier"]
