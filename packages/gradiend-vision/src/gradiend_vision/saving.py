"""Save and load image classifiers in their native format.

* Hugging Face models: a ``save_pretrained`` directory (plus the image processor, when there is one),
  loadable with ``AutoModelForImageClassification.from_pretrained``.
* Plain ``torch.nn.Module`` classifiers: ``model.safetensors`` (the state dict) and ``config.json``::

      {"format": "gradiend-vision-module", "format_version": 1,
       "module": "gradiend_vision.models", "qualname": "DigitsCNN",
       "init_kwargs": {...} or null, "class_names": [...] or null, "extra": {...}}

  ``init_kwargs`` come from the caller or from a :class:`~gradiend_vision.models.ConfigurableModule`;
  without them, loading needs a module instance to load the weights into.

The directory is written atomically as a whole (:func:`gradiend.utils.atomic.atomic_directory`): a
reader sees the complete old directory or the complete new one; files of an old directory that the new
save does not write are gone.
"""

from __future__ import annotations

import importlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors.torch import load_model, save_model
from torch import nn

from gradiend.plugins import atomic_directory
from gradiend_vision.hf import hf_class_names, is_hf_model, load_hf_classifier
from gradiend_vision.models import ConfigurableModule

MODULE_FORMAT = "gradiend-vision-module"
MODULE_FORMAT_VERSION = 1
CONFIG_NAME = "config.json"
WEIGHTS_NAME = "model.safetensors"


def save_vision_model(
    model: nn.Module,
    output_dir: str | os.PathLike[str],
    *,
    image_processor: Any = None,
    class_names: list[str] | None = None,
    init_kwargs: dict[str, Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Save ``model`` in its native format (see the module docstring); returns the directory.

    Args:
        model: a Hugging Face image classifier or a plain module.
        output_dir: directory to write (replaced as a whole when it exists).
        image_processor: saved beside a Hugging Face model (ignored for plain modules: they have none).
        class_names: a plain module's class names, recorded in its ``config.json``.
        init_kwargs: a plain module's constructor arguments (default: from a ``ConfigurableModule``).
        extra: further JSON-serialisable facts recorded in a plain module's ``config.json``.
    """
    if is_hf_model(model):
        with atomic_directory(output_dir) as staging:
            hf_model: Any = model  # a PreTrainedModel (checked above)
            hf_model.save_pretrained(staging)
            if image_processor is not None:
                image_processor.save_pretrained(staging)
        return Path(output_dir)
    if init_kwargs is None and isinstance(model, ConfigurableModule):
        init_kwargs = model.get_init_kwargs()
    config = {
        "format": MODULE_FORMAT,
        "format_version": MODULE_FORMAT_VERSION,
        "module": type(model).__module__,
        "qualname": type(model).__qualname__,
        "init_kwargs": init_kwargs,
        "class_names": None if class_names is None else [str(c) for c in class_names],
        "extra": extra or {},
    }
    try:
        text = json.dumps(config, indent=2)
    except TypeError as err:
        raise TypeError(f"init_kwargs, class_names and extra must be JSON-serialisable: {err}") from err
    with atomic_directory(output_dir) as staging:
        save_model(model, str(staging / WEIGHTS_NAME), force_contiguous=True)
        (staging / CONFIG_NAME).write_text(text + "\n", encoding="utf-8")
    return Path(output_dir)


def read_module_config(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The plain-module ``config.json`` of a saved directory, or ``None`` for a Hugging Face directory."""
    config_path = Path(path) / CONFIG_NAME
    if not config_path.is_file():
        raise FileNotFoundError(f"{config_path} does not exist: {path} is not a saved model directory")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if not isinstance(config, dict) or config.get("format") != MODULE_FORMAT:
        return None
    if config.get("format_version") != MODULE_FORMAT_VERSION:
        raise ValueError(
            f"{config_path} has format_version {config.get('format_version')!r}; this version of "
            f"gradiend-vision reads {MODULE_FORMAT_VERSION}"
        )
    return config


def load_vision_model(path: str | os.PathLike[str], model: nn.Module | None = None) -> nn.Module:
    """Load a directory written by :func:`save_vision_model` (Hugging Face or plain module).

    Args:
        path: the directory.
        model: for plain modules, an instance to load the weights into (required when the saved
            config has no ``init_kwargs``); must be ``None`` for Hugging Face directories.
    """
    config = read_module_config(path)
    if config is None:
        if model is not None:
            raise ValueError(f"{path} holds a Hugging Face model: pass no model instance to load it")
        return load_hf_classifier(str(path))[0]
    if model is None:
        model = _build_module(config, path)
    load_model(model, str(Path(path) / WEIGHTS_NAME), strict=True)
    return model


def _build_module(config: dict[str, Any], path: str | os.PathLike[str]) -> nn.Module:
    where = f"{config['module']}.{config['qualname']}"
    if config.get("init_kwargs") is None:
        raise ValueError(
            f"{path} records no constructor arguments for {where}: "
            "pass model=<an instance> to load the weights"
        )
    owner: Any = importlib.import_module(config["module"])
    for part in config["qualname"].split("."):
        owner = getattr(owner, part)
    if not (isinstance(owner, type) and issubclass(owner, nn.Module)):
        raise TypeError(f"{where} (from {path}) is not a torch.nn.Module class")
    module: nn.Module = owner(**config["init_kwargs"])
    return module


@dataclass
class LoadedClassifier:
    """A classifier ready for GRADIEND: the model, its image processor and class names (when known)."""

    model: nn.Module
    image_processor: Any = None
    class_names: list[str] | None = None


def load_classifier(
    source: str | os.PathLike[str] | nn.Module | Callable[[], nn.Module], **hf_kwargs: Any
) -> LoadedClassifier:
    """Load (or accept) a classifier and what it brings: its image processor and class names.

    ``source`` is a module, a factory returning one, a directory written by :func:`save_vision_model`,
    or a Hugging Face model directory / hub id (``AutoModelForImageClassification``; its image
    processor with the PIL backend). ``hf_kwargs`` (e.g. ``device_map``, ``max_memory``, ``dtype``)
    go to ``from_pretrained`` of Hugging Face models.
    """
    if isinstance(source, nn.Module):
        names = hf_class_names(source) if is_hf_model(source) else None
        return LoadedClassifier(source, None, names)
    if isinstance(source, (str, os.PathLike)):
        if (Path(source) / CONFIG_NAME).is_file():
            config = read_module_config(source)
            if config is not None:
                return LoadedClassifier(load_vision_model(source), None, config.get("class_names"))
        model, processor = load_hf_classifier(str(source), **hf_kwargs)
        return LoadedClassifier(model, processor, hf_class_names(model))
    if callable(source):
        built = source()
        if not isinstance(built, nn.Module):
            raise TypeError(f"the model factory must return a torch.nn.Module, got {type(built).__name__}")
        return load_classifier(built)
    raise TypeError(
        "model must be a torch.nn.Module, a callable returning one, or a model directory / hub id, "
        f"got {type(source).__name__}"
    )


__all__ = [
    "CONFIG_NAME",
    "MODULE_FORMAT",
    "WEIGHTS_NAME",
    "LoadedClassifier",
    "load_classifier",
    "load_vision_model",
    "read_module_config",
    "save_vision_model",
]
