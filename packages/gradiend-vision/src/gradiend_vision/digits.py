"""The embedded default of the vision modality: a small CNN on scikit-learn's bundled digits (8x8).

``load_default_digits_model()`` trains :class:`~gradiend_vision.models.DigitsCNN` on the training split
of ``sklearn.datasets.load_digits`` the first time (seeded, a few seconds on two CPU cores) and caches it
in ``$GRADIEND_CACHE/models/digits-cnn`` (default ``~/.cache/gradiend/models/digits-cnn``) in the
plain-module format of :mod:`gradiend_vision.saving`. Later calls load the cache. A cache written by
another training recipe, or unreadable, is replaced. The demo feature is ``"3"`` vs ``"8"``.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError

from gradiend_vision.data import ImageData
from gradiend_vision.fitting import fit_classifier
from gradiend_vision.losses import split_accuracy
from gradiend_vision.models import DigitsCNN
from gradiend_vision.saving import load_vision_model, read_module_config, save_vision_model

logger = logging.getLogger(__name__)

DIGITS_DEMO_PAIR: tuple[str, str] = ("3", "8")
"""The demo feature: digit 3 (encoded +1) vs digit 8 (encoded -1)."""

DIGITS_PIXEL_MAX = 16.0
"""scikit-learn's digits have pixel values 0..16; images are divided by this, so they lie in [0, 1]."""

DIGITS_RECIPE: dict[str, Any] = {
    "recipe_version": 1,
    "split_seed": 0,
    "seed": 0,
    "epochs": 15,
    "learning_rate": 3e-3,
    "batch_size": 64,
    "architecture": {
        "num_classes": 10,
        "in_channels": 1,
        "image_size": 8,
        "channels": [16, 32],
        "hidden": 64,
    },
}
"""How the cached model was trained; a cache written by another recipe is retrained."""

CACHE_ENV = "GRADIEND_CACHE"
"""Environment variable naming the gradiend cache root (default ``~/.cache/gradiend``)."""


def gradiend_cache_root() -> Path:
    """``$GRADIEND_CACHE`` when set, else ``~/.cache/gradiend``."""
    root = os.environ.get(CACHE_ENV)
    return Path(root).expanduser() if root else Path.home() / ".cache" / "gradiend"


def digits_cache_dir() -> Path:
    """Where the default digits CNN is cached: ``<cache root>/models/digits-cnn``."""
    return gradiend_cache_root() / "models" / "digits-cnn"


def load_digits_data(split_seed: int = 0) -> ImageData:
    """scikit-learn's digits (1,797 images, 1x8x8, pixels scaled to [0, 1], classes ``"0"``..``"9"``).

    Split 0.8/0.1/0.1 per class, seeded by ``split_seed``.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = torch.as_tensor(digits.images, dtype=torch.float32).unsqueeze(1) / DIGITS_PIXEL_MAX
    labels = torch.as_tensor(digits.target, dtype=torch.long)
    names = [str(int(n)) for n in digits.target_names]
    return ImageData(images, labels, names, split_seed=split_seed)


def train_digits_cnn(data: ImageData, recipe: dict[str, Any] | None = None) -> DigitsCNN:
    """Train a fresh :class:`DigitsCNN` on ``data``'s training split with ``recipe`` (seeded).

    ``recipe`` has the keys of :data:`DIGITS_RECIPE` (the default).
    """
    recipe = DIGITS_RECIPE if recipe is None else recipe
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(recipe["seed"])
        model = DigitsCNN(**recipe["architecture"])
    fit_classifier(
        model,
        data,
        epochs=recipe["epochs"],
        learning_rate=recipe["learning_rate"],
        batch_size=recipe["batch_size"],
        seed=recipe["seed"],
    )
    return model


def load_default_digits_model(
    cache_dir: str | os.PathLike[str] | None = None, *, retrain: bool = False
) -> tuple[DigitsCNN, ImageData]:
    """The default vision base model and its data: a cached, seeded :class:`DigitsCNN` and the digits.

    Args:
        cache_dir: cache directory (default :func:`digits_cache_dir`).
        retrain: train again even when a valid cache exists.

    Returns:
        ``(model, data)``: the model in eval mode, and the digits as :class:`ImageData` (the split the
        model was trained on).
    """
    directory = Path(cache_dir) if cache_dir is not None else digits_cache_dir()
    data = load_digits_data(DIGITS_RECIPE["split_seed"])
    if not retrain:
        cached = _load_cached(directory)
        if cached is not None:
            return cached, data
    started = time.perf_counter()
    model = train_digits_cnn(data, DIGITS_RECIPE)
    score = split_accuracy(model, data, "test")
    logger.info("trained the digits CNN in %.1f s: test accuracy %.3f", time.perf_counter() - started, score)
    if score < 0.95:
        logger.warning("the digits CNN reached only %.3f test accuracy (expected >= 0.95)", score)
    save_vision_model(
        model,
        directory,
        class_names=data.class_names,
        extra={"recipe": DIGITS_RECIPE, "test_accuracy": score, "pixel_scale": 1 / DIGITS_PIXEL_MAX},
    )
    return model, data


def _load_cached(directory: Path) -> DigitsCNN | None:
    if not (directory / "config.json").is_file():
        return None
    try:
        config = read_module_config(directory)
        if config is None or config["extra"].get("recipe") != DIGITS_RECIPE:
            logger.info("the cached digits CNN in %s has another recipe: retraining", directory)
            return None
        model = load_vision_model(directory)
    except (OSError, ValueError, KeyError, RuntimeError, SafetensorError) as err:
        logger.warning("cannot read the cached digits CNN in %s (%s): retraining", directory, err)
        return None
    if not isinstance(model, DigitsCNN):
        logger.warning(
            "the cache %s holds a %s, not a DigitsCNN: retraining", directory, type(model).__name__
        )
        return None
    model.eval()
    logger.info("loaded the cached digits CNN from %s", directory)
    return model


__all__ = [
    "CACHE_ENV",
    "DIGITS_DEMO_PAIR",
    "DIGITS_PIXEL_MAX",
    "DIGITS_RECIPE",
    "digits_cache_dir",
    "gradiend_cache_root",
    "load_default_digits_model",
    "load_digits_data",
    "train_digits_cnn",
]
