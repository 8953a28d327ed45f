"""Hugging Face helpers, imported lazily: transformers is optional (``pip install gradiend-vision[hf]``).

A Hugging Face model or output can only exist once transformers has been imported, so the checks
here look at ``sys.modules`` first and never import transformers for a plain torch module.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import torch
from torch import nn

logger = logging.getLogger(__name__)

_GENERIC_LABEL = re.compile(r"LABEL_\d+")


def _transformers() -> Any:
    try:
        import transformers
    except ImportError as err:
        raise ImportError(
            "Hugging Face image models need transformers: pip install 'gradiend-vision[hf]'"
        ) from err
    return transformers


def transformers_major_version() -> int:
    """Major version of the installed transformers."""
    return int(_transformers().__version__.split(".")[0])


def is_hf_model(model: object) -> bool:
    """Whether ``model`` is a transformers ``PreTrainedModel`` (without importing transformers)."""
    module = sys.modules.get("transformers")
    return module is not None and isinstance(model, module.PreTrainedModel)


def output_logits(output: Any) -> torch.Tensor:
    """The logits ``[B, K]`` of a classifier's output: a tensor, or a transformers output's ``logits``."""
    if isinstance(output, torch.Tensor):
        return output
    if "transformers" in sys.modules:
        from transformers.utils import ModelOutput

        if isinstance(output, ModelOutput):
            logits = output.get("logits")
            if isinstance(logits, torch.Tensor):
                return logits
            raise TypeError(
                f"the model's output has no logits (keys {list(output.keys())}); use an image "
                "classification model (AutoModelForImageClassification)"
            )
    raise TypeError(
        f"a classifier must return logits [batch, classes] as a tensor or a transformers output with "
        f"logits, got {type(output).__name__}"
    )


def image_processor_load_kwargs() -> dict[str, Any]:
    """Keyword arguments that select the slow (PIL/numpy) image processor: no torchvision needed."""
    return {"backend": "pil"} if transformers_major_version() >= 5 else {"use_fast": False}


def load_image_processor(name_or_path: str) -> Any | None:
    """The model's image processor (PIL backend), or ``None`` when the model directory has none."""
    transformers = _transformers()
    try:
        return transformers.AutoImageProcessor.from_pretrained(name_or_path, **image_processor_load_kwargs())
    except OSError:
        logger.info("no image processor found for %s; images are used as given", name_or_path)
        return None


def load_hf_classifier(name_or_path: str, **kwargs: Any) -> tuple[nn.Module, Any | None]:
    """Load ``AutoModelForImageClassification`` and its image processor from a directory or hub id."""
    transformers = _transformers()
    model = transformers.AutoModelForImageClassification.from_pretrained(name_or_path, **kwargs)
    return model, load_image_processor(name_or_path)


def hf_class_names(model: nn.Module) -> list[str] | None:
    """The model's ``id2label`` names in id order, or ``None`` when they are the generic ``LABEL_i``."""
    if not is_hf_model(model):
        raise TypeError(f"model must be a transformers PreTrainedModel, got {type(model).__name__}")
    hf_model: Any = model  # a PreTrainedModel: its config is typed by transformers, not nn.Module
    id2label = {int(k): str(v) for k, v in hf_model.config.id2label.items()}
    names = [id2label[i] for i in sorted(id2label)]
    return None if all(_GENERIC_LABEL.fullmatch(n) for n in names) else names


def check_label_alignment(model: nn.Module, class_names: list[str]) -> None:
    """Raise when a Hugging Face model names its outputs differently from the data's classes.

    Data class ``i`` must be model output ``i``. Models with generic ``LABEL_i`` names are not checked.
    """
    names = hf_class_names(model)
    if names is None:
        return
    if len(names) < len(class_names) or names[: len(class_names)] != list(class_names):
        raise ValueError(
            f"the model's classes (config.id2label) are {names} but the data's classes are {class_names}: "
            "data class i must be model output i (pass class_names in the model's order)"
        )


__all__ = [
    "check_label_alignment",
    "hf_class_names",
    "image_processor_load_kwargs",
    "is_hf_model",
    "load_hf_classifier",
    "load_image_processor",
    "output_logits",
    "transformers_major_version",
]
