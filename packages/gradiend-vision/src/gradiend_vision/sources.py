"""Build :class:`~gradiend_vision.data.ImageData` from the sources users have.

* numpy arrays or tensors with labels (``(images, labels)`` or ``{"images": ..., "labels": ...}``),
* a map-style ``torch.utils.data.Dataset`` whose items are ``(image, label)`` or mappings,
* a Hugging Face ``datasets.Dataset`` / ``DatasetDict`` with an image and a label column.

Preprocessing: a Hugging Face image processor when one is given (the model's own), otherwise the
documented default of :func:`~gradiend_vision.transforms.images_to_tensor` (``uint8`` / 255, float kept)
followed by an optional batch transform.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Mapping, Sequence, Sized
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from gradiend_vision.data import ImageData, encode_labels
from gradiend_vision.splits import DEFAULT_SPLIT_FRACTIONS, carve_validation, normalize_split_names
from gradiend_vision.transforms import (
    BatchTransform,
    ImageProcessorTransform,
    apply_image_processor,
    compose,
    images_to_tensor,
)

logger = logging.getLogger(__name__)

VALIDATION_FRACTION = 0.1
"""Share of the training rows moved to validation when a source has train/test but no validation."""


def as_image_data(
    data: Any,
    *,
    class_names: Sequence[str] | None = None,
    image_processor: Any = None,
    transform: BatchTransform | None = None,
    split_seed: int = 0,
    split_fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS,
) -> ImageData:
    """Turn any supported data source into :class:`ImageData` (an ``ImageData`` is returned as is).

    Args:
        data: ``ImageData``; ``(images, labels)``; ``{"images": ..., "labels": ...}`` (optionally
            ``"split"``); a ``torch.utils.data.Dataset``; a Hugging Face ``Dataset``/``DatasetDict``.
        class_names: names of the class ids (read from a ``ClassLabel`` column when omitted).
        image_processor: a Hugging Face image processor (the model's); applied before ``transform``.
        transform: batch transform applied to the float images.
        split_seed: seed of the stratified split, used when the source defines no splits.
        split_fractions: ``(train, validation, test)`` fractions of that split.
    """
    if isinstance(data, ImageData):
        if image_processor is not None or transform is not None:
            raise ValueError("data is already an ImageData (preprocessed): pass no image_processor/transform")
        return data
    split_args: dict[str, Any] = {"split_seed": split_seed, "split_fractions": split_fractions}
    if _is_hf_dataset(data):
        return image_data_from_hf_dataset(
            data, image_processor=image_processor, transform=transform, class_names=class_names, **split_args
        )
    if isinstance(data, tuple) and len(data) == 2:
        images, labels = data
        return ImageData.from_arrays(
            images, labels, class_names, transform=_array_transform(image_processor, transform), **split_args
        )
    if isinstance(data, Mapping) and "images" in data and "labels" in data:
        return ImageData.from_arrays(
            data["images"],
            data["labels"],
            class_names,
            transform=_array_transform(image_processor, transform),
            split=data.get("split"),
            **split_args,
        )
    if isinstance(data, Dataset):
        return image_data_from_torch_dataset(
            data, class_names, image_processor=image_processor, transform=transform, **split_args
        )
    raise TypeError(
        "data must be an ImageData, (images, labels), {'images': ..., 'labels': ...}, a torch Dataset or "
        f"a Hugging Face Dataset/DatasetDict, got {type(data).__name__}"
    )


def _array_transform(image_processor: Any, transform: BatchTransform | None) -> BatchTransform | None:
    steps: list[BatchTransform] = []
    if image_processor is not None:
        steps.append(ImageProcessorTransform(image_processor))
    if transform is not None:
        steps.append(transform)
    return compose(*steps) if steps else None


def _preprocess(raw: Sequence[Any], image_processor: Any, transform: BatchTransform | None) -> torch.Tensor:
    images = (
        apply_image_processor(image_processor, raw) if image_processor is not None else images_to_tensor(raw)
    )
    return transform(images) if transform is not None else images


def image_data_from_torch_dataset(
    dataset: Dataset[Any],
    class_names: Sequence[str] | None = None,
    *,
    image_processor: Any = None,
    transform: BatchTransform | None = None,
    image_key: str = "image",
    label_key: str = "label",
    split_seed: int = 0,
    split_fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS,
) -> ImageData:
    """Read every item of a map-style torch Dataset: ``(image, label, ...)`` or a mapping.

    Images may be PIL images, arrays or tensors ``[H, W]``/``[C, H, W]``; labels ids or names.
    """
    if not isinstance(dataset, Sized):
        raise TypeError(
            f"dataset must be a map-style torch Dataset with __len__, got {type(dataset).__name__}"
        )
    started = time.perf_counter()
    raw, labels = [], []
    for index in range(len(dataset)):
        image, label = _split_item(dataset[index], index, image_key, label_key)
        raw.append(image)
        labels.append(label.item() if isinstance(label, torch.Tensor) else label)
    images = _preprocess(raw, image_processor, transform)
    ids, names = encode_labels(labels, class_names)
    logger.info(
        "read %d images from %s in %.1f s", len(raw), type(dataset).__name__, time.perf_counter() - started
    )
    return ImageData(images, ids, names, split_seed=split_seed, split_fractions=split_fractions)


def _split_item(item: Any, index: int, image_key: str, label_key: str) -> tuple[Any, Any]:
    if isinstance(item, Mapping):
        missing = [k for k in (image_key, label_key) if k not in item]
        if missing:
            raise KeyError(f"dataset item {index} lacks {missing}; its keys are {sorted(item)}")
        return item[image_key], item[label_key]
    if isinstance(item, (tuple, list)) and len(item) >= 2:
        return item[0], item[1]
    raise TypeError(
        f"dataset item {index} must be (image, label) or a mapping with {image_key!r} and {label_key!r}, "
        f"got {type(item).__name__}"
    )


def _is_hf_dataset(data: object) -> bool:
    # A datasets object can only exist once the datasets package has been imported.
    module = sys.modules.get("datasets")
    return module is not None and isinstance(data, (module.Dataset, module.DatasetDict))


def image_data_from_hf_dataset(
    dataset: Any,
    *,
    image_processor: Any = None,
    transform: BatchTransform | None = None,
    image_column: str = "image",
    label_column: str = "label",
    class_names: Sequence[str] | None = None,
    batch_size: int = 256,
    split_seed: int = 0,
    split_fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS,
) -> ImageData:
    """Read a Hugging Face ``Dataset`` or ``DatasetDict`` with an image and a label column.

    A ``DatasetDict``'s split names become the row splits (``val``/``valid``/``dev`` mean validation);
    when it has no validation split, a stratified 10 % of its training rows becomes validation.
    Class names come from a ``ClassLabel`` label column unless ``class_names`` is given.
    Images are decoded and preprocessed ``batch_size`` at a time; all of them are kept in memory.
    """
    import datasets

    started = time.perf_counter()
    parts = dict(dataset) if isinstance(dataset, datasets.DatasetDict) else {"": dataset}
    raw_labels: list[Any] = []
    chunks: list[torch.Tensor] = []
    split_names: list[str] = []
    for name, part in parts.items():
        _check_columns(part, name, image_column, label_column)
        for start in range(0, len(part), batch_size):
            raw = part[start : start + batch_size][image_column]
            chunks.append(_preprocess(raw, image_processor, transform))
        raw_labels.extend(part[label_column])
        split_names.extend([name] * len(part))
    first = next(iter(parts.values()))
    feature = first.features[label_column]
    if class_names is None and isinstance(feature, datasets.ClassLabel):
        class_names = list(feature.names)
    ids, names = encode_labels(raw_labels, class_names)
    split = _hf_split(split_names, ids.numpy(), split_seed) if len(parts) > 1 or "" not in parts else None
    logger.info(
        "read %d images from a Hugging Face dataset in %.1f s", len(ids), time.perf_counter() - started
    )
    return ImageData(
        torch.cat(chunks), ids, names, split=split, split_seed=split_seed, split_fractions=split_fractions
    )


def _check_columns(part: Any, name: str, image_column: str, label_column: str) -> None:
    missing = [c for c in (image_column, label_column) if c not in part.column_names]
    if missing:
        where = f" (split {name!r})" if name else ""
        raise ValueError(
            f"the dataset{where} has no column(s) {missing}; its columns are {part.column_names} "
            "(set image_column / label_column)"
        )


def _hf_split(names: list[str], labels: np.ndarray, seed: int) -> np.ndarray | None:
    split = normalize_split_names(names)
    present = set(split)
    if present == {"train"}:
        return None  # one training split only: split it ourselves
    if "validation" not in present and "train" in present:
        split = carve_validation(split, labels, VALIDATION_FRACTION, seed)
    return split


__all__ = [
    "VALIDATION_FRACTION",
    "as_image_data",
    "image_data_from_hf_dataset",
    "image_data_from_torch_dataset",
]
