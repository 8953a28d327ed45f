"""Image preprocessing without torchvision: raw images to float tensors, and small batch transforms.

Two kinds of preprocessing exist in this package:

* **Raw images to a tensor** (:func:`image_to_tensor`, :func:`images_to_tensor`): PIL images, numpy
  arrays and tensors become one float tensor ``[N, C, H, W]``. Integer images (``uint8``) are divided
  by 255, so pixels lie in ``[0, 1]``; float images keep their values.
* **Batch transforms** (:class:`Normalize`, :class:`Resize`, :class:`RepeatChannels`, :func:`compose`,
  :class:`ImageProcessorTransform`): callables ``Tensor[N, C, H, W] -> Tensor[N, C', H', W']`` applied
  once, when an :class:`~gradiend_vision.data.ImageData` is built.

Hugging Face models bring their own image processor; :class:`ImageProcessorTransform` runs it on a
float batch in ``[0, 1]`` (``do_rescale=False``), and :func:`apply_image_processor` runs it on raw
images (PIL or arrays), exactly as the processor expects them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

BatchTransform = Callable[[torch.Tensor], torch.Tensor]
"""A function from a float batch ``[N, C, H, W]`` to a float batch ``[N, C', H', W']``."""


def _is_pil_image(obj: object) -> bool:
    # A PIL image can only exist once PIL.Image has been imported; do not import Pillow for nothing.
    pil_image = sys.modules.get("PIL.Image")
    return pil_image is not None and isinstance(obj, pil_image.Image)


def image_to_tensor(image: Any) -> torch.Tensor:
    """One image as a float tensor ``[C, H, W]``.

    Accepts a PIL image (``H x W`` or ``H x W x C`` after ``numpy.asarray``), a numpy array or a tensor
    of shape ``[H, W]`` (one channel) or ``[C, H, W]`` (channels first). ``uint8`` values are divided
    by 255; other dtypes are converted to float32 unchanged.
    """
    if _is_pil_image(image):
        array = np.asarray(image)
        tensor = torch.tensor(np.moveaxis(array, -1, 0) if array.ndim == 3 else array)
    elif isinstance(image, np.ndarray):
        tensor = torch.tensor(image)
    elif isinstance(image, torch.Tensor):
        tensor = image.detach().cpu()
    else:
        raise TypeError(f"image must be a PIL image, numpy array or torch tensor, got {type(image).__name__}")
    if tensor.ndim == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.ndim != 3:
        raise ValueError(
            f"an image must have shape [H, W] or [C, H, W] (channels first), got {tuple(tensor.shape)}"
        )
    return _to_float(tensor)


def _to_float(tensor: torch.Tensor) -> torch.Tensor:
    if tensor.dtype == torch.uint8:
        return tensor.float() / 255.0
    if tensor.dtype == torch.bool or tensor.is_complex():
        raise ValueError(f"images must hold real numbers, got dtype {tensor.dtype}")
    return tensor.float()


def images_to_tensor(images: Sequence[Any]) -> torch.Tensor:
    """Stack raw images (see :func:`image_to_tensor`) into one float tensor ``[N, C, H, W]``.

    All images must have the same shape; resize them first (or pass an image processor) otherwise.
    """
    if len(images) == 0:
        raise ValueError("images is empty: at least one image is needed")
    tensors = [image_to_tensor(image) for image in images]
    first = tuple(tensors[0].shape)
    for position, tensor in enumerate(tensors):
        if tuple(tensor.shape) != first:
            raise ValueError(
                f"images have different shapes: image 0 is {first} [C, H, W], image {position} is "
                f"{tuple(tensor.shape)}; pass an image processor or a transform that resizes them"
            )
    return torch.stack(tensors)


class Normalize:
    """Per-channel ``(x - mean) / std`` of a float batch ``[N, C, H, W]``."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]) -> None:
        if len(mean) != len(std) or len(mean) == 0:
            raise ValueError(f"mean and std need one value per channel, got mean={mean!r} std={std!r}")
        if any(s <= 0 for s in std):
            raise ValueError(f"std values must be > 0, got {list(std)}")
        self.mean = torch.tensor([float(m) for m in mean]).view(1, -1, 1, 1)
        self.std = torch.tensor([float(s) for s in std]).view(1, -1, 1, 1)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Normalize ``images``; the channel count must match ``mean``."""
        channels = images.shape[1]
        if self.mean.shape[1] not in (1, channels):
            raise ValueError(f"Normalize has {self.mean.shape[1]} channel values, images have {channels}")
        return (images - self.mean) / self.std


class Resize:
    """Resize a float batch to ``(height, width)`` with bilinear interpolation (antialiased)."""

    def __init__(self, size: int | tuple[int, int]) -> None:
        height, width = (size, size) if isinstance(size, int) else size
        if height < 1 or width < 1:
            raise ValueError(f"size must be positive, got {size!r}")
        self.size = (int(height), int(width))

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Resize ``images`` to ``self.size``."""
        if tuple(images.shape[-2:]) == self.size:
            return images
        return F.interpolate(images, size=self.size, mode="bilinear", align_corners=False, antialias=True)


class RepeatChannels:
    """Turn one-channel (grey) images into ``channels`` identical channels, e.g. for RGB models."""

    def __init__(self, channels: int = 3) -> None:
        if channels < 1:
            raise ValueError(f"channels must be >= 1, got {channels}")
        self.channels = int(channels)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Repeat the single channel of ``images``; images that already have ``channels`` pass."""
        if images.shape[1] == self.channels:
            return images
        if images.shape[1] != 1:
            raise ValueError(f"RepeatChannels needs 1-channel images, got {images.shape[1]} channels")
        return images.expand(-1, self.channels, -1, -1).contiguous()


def compose(*transforms: BatchTransform) -> BatchTransform:
    """Apply ``transforms`` left to right."""

    def composed(images: torch.Tensor) -> torch.Tensor:
        for transform in transforms:
            images = transform(images)
        return images

    return composed


def apply_image_processor(processor: Any, images: Sequence[Any], batch_size: int = 256) -> torch.Tensor:
    """Run a Hugging Face image processor on raw images (PIL or arrays) in chunks; returns pixel values.

    The processor's own resizing, rescaling and normalisation apply, exactly as for the model it
    came with.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if len(images) == 0:
        raise ValueError("images is empty: at least one image is needed")
    chunks = []
    for start in range(0, len(images), batch_size):
        batch = list(images[start : start + batch_size])
        chunks.append(processor(images=batch, return_tensors="pt")["pixel_values"].float())
    return torch.cat(chunks)


class ImageProcessorTransform:
    """A batch transform that runs a Hugging Face image processor on float images in ``[0, 1]``.

    The processor resizes and normalises as configured; its rescaling is switched off because the
    batch is already in ``[0, 1]`` (see :func:`images_to_tensor`).
    """

    def __init__(self, processor: Any, batch_size: int = 256) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.processor = processor
        self.batch_size = int(batch_size)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """Pixel values of ``images`` as the processor makes them."""
        chunks = []
        for start in range(0, images.shape[0], self.batch_size):
            arrays = [image.numpy() for image in images[start : start + self.batch_size]]
            out = self.processor(
                images=arrays, do_rescale=False, input_data_format="channels_first", return_tensors="pt"
            )
            chunks.append(out["pixel_values"].float())
        return torch.cat(chunks)


__all__ = [
    "BatchTransform",
    "ImageProcessorTransform",
    "Normalize",
    "RepeatChannels",
    "Resize",
    "apply_image_processor",
    "compose",
    "image_to_tensor",
    "images_to_tensor",
]
