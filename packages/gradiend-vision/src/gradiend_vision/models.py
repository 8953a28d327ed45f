"""Classifier models: the small digits CNN, and which parameters form a classifier's backbone."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn

from gradiend_vision.hf import is_hf_model


@runtime_checkable
class ConfigurableModule(Protocol):
    """A module that can say which constructor arguments rebuild it (used when saving plain modules)."""

    def get_init_kwargs(self) -> dict[str, Any]:
        """JSON-serialisable keyword arguments that rebuild an identical (untrained) module."""
        ...


class DigitsCNN(nn.Module):
    """A small convolutional classifier for 8x8 one-channel digit images (scikit-learn's digits).

    Works on the native resolution, without upsampling: two 3x3 convolutions (padding 1, ReLU), one
    2x2 max-pool, one hidden linear layer, and the linear head ``classifier``. No batch norm and no
    dropout, so its outputs do not depend on the batch or the train/eval mode, and per-example
    gradients are exact. About 38 k parameters with the defaults.

    Args:
        num_classes: number of outputs.
        in_channels: image channels.
        image_size: height and width of the (square, even-sized) input.
        channels: output channels of the two convolutions.
        hidden: width of the hidden linear layer.
    """

    def __init__(
        self,
        num_classes: int = 10,
        in_channels: int = 1,
        image_size: int = 8,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 64,
    ) -> None:
        super().__init__()
        if num_classes < 2 or in_channels < 1 or image_size < 2 or image_size % 2 or hidden < 1:
            raise ValueError(
                "DigitsCNN needs num_classes >= 2, in_channels >= 1, an even image_size >= 2, hidden >= 1; "
                f"got num_classes={num_classes}, in_channels={in_channels}, image_size={image_size}, "
                f"hidden={hidden}"
            )
        c1, c2 = (int(c) for c in channels)
        self._init_kwargs: dict[str, Any] = {
            "num_classes": int(num_classes),
            "in_channels": int(in_channels),
            "image_size": int(image_size),
            "channels": [c1, c2],
            "hidden": int(hidden),
        }
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, c1, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(c1, c2, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
        )
        self.hidden = nn.Linear(c2 * (image_size // 2) ** 2, hidden)
        self.classifier = nn.Linear(hidden, num_classes)

    @property
    def input_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of the images the model takes."""
        size = self._init_kwargs["image_size"]
        return self._init_kwargs["in_channels"], size, size

    def get_init_kwargs(self) -> dict[str, Any]:
        """The constructor arguments of this model."""
        return dict(self._init_kwargs)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Logits ``[B, num_classes]`` of images ``[B, C, H, W]``."""
        if images.ndim != 4 or tuple(images.shape[1:]) != self.input_shape:
            raise ValueError(
                f"DigitsCNN takes images of shape [B, {', '.join(map(str, self.input_shape))}], "
                f"got {tuple(images.shape)}"
            )
        return self.classifier(torch.relu(self.hidden(self.features(images))))


def classifier_layer_name(model: nn.Module, num_classes: int | None = None) -> str:
    """Name of a plain module's classification head: its last ``nn.Linear`` (in registration order).

    With ``num_classes``, the last ``nn.Linear`` whose ``out_features == num_classes``.
    """
    linears = [
        name
        for name, module in model.named_modules()
        if isinstance(module, nn.Linear) and (num_classes is None or module.out_features == num_classes)
    ]
    if not linears:
        wanted = "" if num_classes is None else f" with out_features == {num_classes}"
        raise ValueError(
            f"cannot find the classifier layer of {type(model).__name__}: it has no nn.Linear{wanted}; "
            "choose the parameters explicitly (TrainingArguments.params)"
        )
    return linears[-1]


def head_parameter_names(model: nn.Module, num_classes: int | None = None) -> list[str]:
    """Parameters of the classification head (the complement of :func:`backbone_parameter_names`)."""
    backbone = set(backbone_parameter_names(model, num_classes))
    return [name for name, _ in model.named_parameters() if name not in backbone]


def backbone_parameter_names(model: nn.Module, num_classes: int | None = None) -> list[str]:
    """Parameter names GRADIEND reads by default: everything except the classification head.

    * Hugging Face models: the parameters of the base model (``model.base_model_prefix``, e.g.
      ``vit.*`` or ``resnet.*``); the head (``classifier.*``) lies outside it.
    * Plain modules: all parameters except those of :func:`classifier_layer_name`.
    """
    names = [name for name, _ in model.named_parameters()]
    if is_hf_model(model):
        hf_model: Any = model  # a PreTrainedModel (checked above)
        prefix = f"{hf_model.base_model_prefix}."
        backbone = [name for name in names if name.startswith(prefix)]
        if not backbone:
            raise ValueError(
                f"{type(model).__name__} has no parameters under its base model prefix {prefix!r}; "
                "choose the parameters explicitly (TrainingArguments.params)"
            )
        return backbone
    head = classifier_layer_name(model, num_classes)
    head_ids = {id(p) for p in model.get_submodule(head).parameters()}
    backbone = [name for name, parameter in model.named_parameters() if id(parameter) not in head_ids]
    if not backbone:
        raise ValueError(f"{type(model).__name__} has no parameters outside its classifier layer {head!r}")
    return backbone


__all__ = [
    "ConfigurableModule",
    "DigitsCNN",
    "backbone_parameter_names",
    "classifier_layer_name",
    "head_parameter_names",
]
