"""What a classifier outputs: logits, the paired cross-entropy GRADIEND learns from, probabilities, accuracy.

Works for Hugging Face image classifiers (called with ``pixel_values=``, logits read from the output)
and for plain ``torch.nn.Module`` classifiers (called with the image batch, returning logits).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from gradiend.plugins import PairedLoss
from gradiend_vision.data import ImageData
from gradiend_vision.hf import check_label_alignment, is_hf_model, output_logits
from gradiend_vision.rows import batch_from_rows


def model_device_dtype(model: nn.Module) -> tuple[torch.device, torch.dtype]:
    """Device and floating dtype of the model's first floating parameter (CPU/float32 if none)."""
    for parameter in model.parameters():
        if parameter.is_floating_point():
            return parameter.device, parameter.dtype
    return torch.device("cpu"), torch.float32


def model_logits(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """Logits ``[B, K]`` for ``images`` (moved to the model's device and dtype); gradients flow."""
    device, dtype = model_device_dtype(model)
    images = images.to(device=device, dtype=dtype)
    output = model(pixel_values=images) if is_hf_model(model) else model(images)
    return output_logits(output)


def paired_cross_entropy(
    model: nn.Module,
    images: torch.Tensor,
    true_labels: torch.Tensor,
    alternative_labels: torch.Tensor | None = None,
) -> PairedLoss:
    """Mean cross-entropy with the true labels and with the alternative labels, from ONE forward pass.

    Args:
        model: the classifier (its mode, train or eval, is left as it is).
        images: batch ``[B, C, H, W]``.
        true_labels: class ids ``[B]`` (the factual targets).
        alternative_labels: class ids ``[B]`` of the other class of the pair, or ``None`` (neutral rows).

    Returns:
        ``PairedLoss(factual, alternative)``: scalar losses sharing one graph, so a backward of one,
        the other or their difference reuses the same activations.
    """
    logits = model_logits(model, images)
    log_probs = F.log_softmax(logits.float(), dim=-1)
    factual = F.nll_loss(log_probs, _targets(true_labels, logits, "true_labels"))
    if alternative_labels is None:
        return PairedLoss(factual=factual, alternative=None)
    alternative = F.nll_loss(log_probs, _targets(alternative_labels, logits, "alternative_labels"))
    return PairedLoss(factual=factual, alternative=alternative)


def _targets(labels: torch.Tensor, logits: torch.Tensor, name: str) -> torch.Tensor:
    if labels.ndim != 1 or labels.shape[0] != logits.shape[0]:
        raise ValueError(
            f"{name} must hold one class id per image ({logits.shape[0]}), got {tuple(labels.shape)}"
        )
    if labels.numel() and (int(labels.min()) < 0 or int(labels.max()) >= logits.shape[-1]):
        raise ValueError(
            f"{name} must lie in 0..{logits.shape[-1] - 1} (the model has {logits.shape[-1]} outputs), "
            f"got values from {int(labels.min())} to {int(labels.max())}"
        )
    return labels.to(device=logits.device, dtype=torch.long)


def rows_losses(model: nn.Module, data: ImageData, rows: pd.DataFrame) -> PairedLoss:
    """:func:`paired_cross_entropy` on the images of ``rows`` (a row frame of :mod:`gradiend_vision.rows`)."""
    batch = batch_from_rows(data, rows)
    return paired_cross_entropy(model, batch.images, batch.true_ids, batch.alternative_ids)


@contextmanager
def eval_mode(model: nn.Module) -> Iterator[nn.Module]:
    """Put ``model`` in eval mode for the block and restore its previous mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        yield model
    finally:
        model.train(was_training)


def class_probabilities(model: nn.Module, images: torch.Tensor, batch_size: int = 64) -> torch.Tensor:
    """Softmax probabilities ``[N, K]`` (on the CPU), in eval mode, without gradients, batched."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    chunks = []
    with eval_mode(model), torch.no_grad():
        for start in range(0, images.shape[0], batch_size):
            logits = model_logits(model, images[start : start + batch_size])
            chunks.append(torch.softmax(logits.float(), dim=-1).cpu())
    return torch.cat(chunks) if chunks else torch.empty(0, 0)


def accuracy(model: nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 64) -> float:
    """Share of ``images`` whose most probable class is ``labels``."""
    if images.shape[0] == 0:
        raise ValueError("accuracy needs at least one image")
    predictions = class_probabilities(model, images, batch_size).argmax(dim=-1)
    return float((predictions == labels.cpu()).float().mean())


def split_accuracy(model: nn.Module, data: ImageData, split: str = "test", batch_size: int = 64) -> float:
    """Accuracy of ``model`` on the images of one split of ``data``."""
    index = torch.as_tensor(data.indices(split))
    if index.numel() == 0:
        raise ValueError(f"split {split!r} has no images: {data!r}")
    return accuracy(model, data.images[index], data.labels[index], batch_size)


def check_model_fits_data(model: nn.Module, data: ImageData) -> None:
    """Run the model on two images and raise a clear error when its input or outputs do not fit the data.

    Checks: the model accepts images of ``data.image_shape``; it returns logits ``[B, K]`` with
    ``K >= data.num_classes``; a Hugging Face model's ``id2label`` names match the data's classes.
    """
    images = data.images[:2]
    try:
        with eval_mode(model), torch.no_grad():
            logits = model_logits(model, images)
    except (RuntimeError, ValueError) as err:
        raise ValueError(
            f"the model does not accept images of shape {data.image_shape} [C, H, W] (the data's images); "
            f"preprocess them to the model's input size: {err}"
        ) from err
    if logits.ndim != 2 or logits.shape[0] != images.shape[0]:
        raise ValueError(f"the model must return logits [batch, classes], got shape {tuple(logits.shape)}")
    if logits.shape[1] < data.num_classes:
        raise ValueError(
            f"the model has {logits.shape[1]} outputs but the data has {data.num_classes} classes "
            f"{data.class_names}"
        )
    if is_hf_model(model):
        check_label_alignment(model, data.class_names)


__all__ = [
    "accuracy",
    "check_model_fits_data",
    "class_probabilities",
    "eval_mode",
    "model_device_dtype",
    "model_logits",
    "paired_cross_entropy",
    "rows_losses",
    "split_accuracy",
]
