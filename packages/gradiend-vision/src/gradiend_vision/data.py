"""ImageData: the images of the vision modality as one float tensor, with labels, class names and splits.

Rows are referred to by their index into ``ImageData.images``; the row frames of
:mod:`gradiend_vision.rows` carry that index (column ``image_index``), never the pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from gradiend.plugins import SPLITS, normalize_split
from gradiend_vision.splits import (
    DEFAULT_SPLIT_FRACTIONS,
    check_fractions,
    normalize_split_names,
    stratified_split,
)
from gradiend_vision.transforms import BatchTransform


class ImageData:
    """Labelled images, already preprocessed for the model, with a fixed train/validation/test split.

    Args:
        images: float tensor ``[N, C, H, W]`` (what the model takes as input).
        labels: integer tensor ``[N]``; label ``i`` is ``class_names[i]`` and the model's output ``i``.
        class_names: one unique name per class (at least two).
        split: per-row split names (``train``/``validation``/``test``, ``val`` accepted) when the source
            defines them; otherwise a stratified split by ``split_fractions`` seeded by ``split_seed``.
        split_seed: seed of the stratified split (fixed per data set, independent of training seeds).
        split_fractions: ``(train, validation, test)`` fractions of every class.

    Raises:
        ValueError: wrong shapes or dtypes, labels out of range, repeated class names, or images of
            one class only.
    """

    def __init__(
        self,
        images: torch.Tensor,
        labels: torch.Tensor,
        class_names: Sequence[str],
        *,
        split: Sequence[str] | np.ndarray | None = None,
        split_seed: int = 0,
        split_fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS,
    ) -> None:
        self.class_names: list[str] = _check_class_names(class_names)
        self.images: torch.Tensor = _check_images(images)
        self.labels: torch.Tensor = _check_labels(labels, self.images.shape[0], self.class_names)
        self.split_seed = int(split_seed)
        self.split_fractions = check_fractions(split_fractions)
        if split is None:
            self.split: np.ndarray = stratified_split(
                self.labels.numpy(), self.split_fractions, self.split_seed
            )
        else:
            names = [str(s) for s in split]
            if len(names) != len(self):
                raise ValueError(f"split needs one name per image ({len(self)}), got {len(names)}")
            self.split = normalize_split_names(names)
        self._fingerprint: str | None = None

    @classmethod
    def from_arrays(
        cls,
        images: np.ndarray | torch.Tensor,
        labels: Sequence[int] | Sequence[str] | np.ndarray | torch.Tensor,
        class_names: Sequence[str] | None = None,
        *,
        channels_last: bool = False,
        transform: BatchTransform | None = None,
        split: Sequence[str] | np.ndarray | None = None,
        split_seed: int = 0,
        split_fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS,
    ) -> ImageData:
        """Build from a numpy array or tensor of images and their labels.

        Args:
            images: ``[N, H, W]`` (one channel) or ``[N, C, H, W]``; ``[N, H, W, C]`` with
                ``channels_last=True``. ``uint8`` pixels are divided by 255, float pixels kept.
            labels: class ids (``0 .. K-1``) or class names.
            class_names: names of the class ids; default ``"0" .. str(max id)`` for ids and the
                sorted distinct names for names.
            channels_last: read 4-D ``images`` as ``[N, H, W, C]``.
            transform: optional batch transform (e.g. :class:`~gradiend_vision.transforms.Normalize`)
                applied once to the float images.
            split: per-row split names, when the source defines them (see the class).
            split_seed: seed of the stratified split otherwise.
            split_fractions: ``(train, validation, test)`` fractions of that split.
        """
        tensor = (
            images.detach().cpu() if isinstance(images, torch.Tensor) else torch.tensor(np.asarray(images))
        )
        if tensor.ndim == 3:
            tensor = tensor.unsqueeze(1)
        elif tensor.ndim == 4 and channels_last:
            tensor = tensor.permute(0, 3, 1, 2)
        if tensor.ndim != 4:
            raise ValueError(
                f"images must have shape [N, H, W] or [N, C, H, W] ([N, H, W, C] with channels_last=True), "
                f"got {tuple(tensor.shape)}"
            )
        # a fresh tensor: the ImageData never shares memory with the caller's array
        tensor = (
            tensor.float() / 255.0 if tensor.dtype == torch.uint8 else tensor.to(torch.float32, copy=True)
        )
        if transform is not None:
            tensor = transform(tensor)
        ids, names = encode_labels(labels, class_names)
        return cls(
            tensor.contiguous(),
            ids,
            names,
            split=split,
            split_seed=split_seed,
            split_fractions=split_fractions,
        )

    # --- facts -----------------------------------------------------------------------------------

    def __len__(self) -> int:
        """Number of images."""
        return int(self.images.shape[0])

    def __repr__(self) -> str:
        """Size, image shape, classes and split sizes."""
        sizes = {name: int((self.split == name).sum()) for name in SPLITS}
        return (
            f"ImageData(n={len(self)}, image_shape={self.image_shape}, classes={self.class_names}, "
            f"splits={sizes})"
        )

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of every image."""
        _, c, h, w = self.images.shape
        return int(c), int(h), int(w)

    @property
    def num_classes(self) -> int:
        """Number of classes (``len(class_names)``)."""
        return len(self.class_names)

    def class_index(self, cls: str | int) -> int:
        """The id of a class given by name or id; names win over ids (class ``"3"`` is name ``"3"``)."""
        if isinstance(cls, str) and cls in self.class_names:
            return self.class_names.index(cls)
        if isinstance(cls, (int, np.integer)) and not isinstance(cls, bool) and 0 <= cls < self.num_classes:
            return int(cls)
        raise ValueError(
            f"class {cls!r} is not in the data; classes are {self.class_names} "
            f"(names, or ids 0..{self.num_classes - 1})"
        )

    def fingerprint(self) -> str:
        """A digest of the content (images, labels, class names, split), for cache keys.

        Computed once: treat an ImageData as immutable (build a new one instead of editing tensors).
        """
        if self._fingerprint is None:
            from gradiend.plugins import stable_hash, tensor_digest

            content = tensor_digest([self.images, self.labels])
            self._fingerprint = stable_hash([content, self.class_names, self.split.tolist()])
        return self._fingerprint

    def class_counts(self, split: str | None = None) -> dict[str, int]:
        """Number of images per class name, in one split or all."""
        labels = (
            self.labels.numpy()
            if split is None
            else self.labels.numpy()[self.split == normalize_split(split)]
        )
        counts = np.bincount(labels, minlength=self.num_classes)
        return {name: int(counts[i]) for i, name in enumerate(self.class_names)}

    def indices(
        self, splits: str | Sequence[str] | None = None, classes: Sequence[str | int] | None = None
    ) -> np.ndarray:
        """Row indices (ascending) in the given split(s) and of the given classes (``None``: all)."""
        mask = np.ones(len(self), dtype=bool)
        if splits is not None:
            names = [splits] if isinstance(splits, str) else list(splits)
            mask &= np.isin(self.split, [normalize_split(s) for s in names])
        if classes is not None:
            ids = [self.class_index(c) for c in classes]
            mask &= np.isin(self.labels.numpy(), ids)
        return np.flatnonzero(mask)


def encode_labels(
    labels: Sequence[Any] | np.ndarray | torch.Tensor, class_names: Sequence[str] | None
) -> tuple[torch.Tensor, list[str]]:
    """Class ids and class names from labels given as ids or as names (see ``ImageData.from_arrays``)."""
    if isinstance(labels, torch.Tensor):
        values: np.ndarray = labels.detach().cpu().numpy()
    else:
        values = np.asarray(labels, dtype=object if _holds_strings(labels) else None)
    if values.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {values.shape}")
    if values.size and isinstance(values[0], str):
        names = sorted({str(v) for v in values}) if class_names is None else [str(c) for c in class_names]
        lookup = {name: i for i, name in enumerate(names)}
        unknown = sorted({str(v) for v in values} - set(lookup))
        if unknown:
            raise ValueError(f"labels name classes {unknown} that are not in class_names {names}")
        return torch.tensor([lookup[str(v)] for v in values], dtype=torch.long), names
    if values.size and not np.issubdtype(values.dtype, np.integer):
        raise ValueError(f"labels must be integer class ids or class names, got dtype {values.dtype}")
    ids = torch.as_tensor(values.astype(np.int64))
    if class_names is None:
        top = int(ids.max()) if ids.numel() else -1
        return ids, [str(i) for i in range(top + 1)]
    return ids, [str(c) for c in class_names]


def _holds_strings(labels: Any) -> bool:
    return isinstance(labels, Sequence) and len(labels) > 0 and isinstance(labels[0], str)


def _check_class_names(class_names: Sequence[str]) -> list[str]:
    if isinstance(class_names, str) or not isinstance(class_names, Sequence):
        raise TypeError(f"class_names must be a list of strings, got {class_names!r}")
    names = [str(c) for c in class_names]
    if len(names) < 2:
        raise ValueError(f"class_names needs at least two classes, got {names}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"class_names must be unique, got {repeated} more than once")
    return names


def _check_images(images: torch.Tensor) -> torch.Tensor:
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a torch.Tensor [N, C, H, W], got {type(images).__name__}")
    if images.ndim != 4:
        raise ValueError(f"images must have shape [N, C, H, W], got {tuple(images.shape)}")
    if not images.is_floating_point():
        raise ValueError(f"images must be a float tensor, got dtype {images.dtype}")
    if images.shape[0] == 0:
        raise ValueError("images is empty: at least one image is needed")
    if not bool(torch.isfinite(images).all()):
        raise ValueError("images contain NaN or infinite values")
    return images.detach().cpu()


def _check_labels(labels: torch.Tensor, n: int, class_names: list[str]) -> torch.Tensor:
    if not isinstance(labels, torch.Tensor) or labels.ndim != 1 or labels.is_floating_point():
        raise ValueError(f"labels must be a 1-D integer tensor, got {labels!r:.80}")
    if labels.shape[0] != n:
        raise ValueError(f"labels must have one entry per image ({n}), got {labels.shape[0]}")
    labels = labels.detach().cpu().long()
    low, high = int(labels.min()), int(labels.max())
    if low < 0 or high >= len(class_names):
        raise ValueError(
            f"labels must lie in 0..{len(class_names) - 1} (one per class name {class_names}), "
            f"got values from {low} to {high}"
        )
    present = labels.unique()
    if present.numel() < 2:
        raise ValueError(
            f"labels hold one class only ({class_names[int(present[0])]!r}): a feature needs images of "
            "two classes, and neutral data images of further classes"
        )
    return labels


__all__ = ["ImageData", "encode_labels"]
