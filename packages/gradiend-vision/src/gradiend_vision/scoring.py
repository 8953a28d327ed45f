"""Decoder-evaluation scores of a (rewritten) image classifier.

For a pair ``(A, B)``: the probability of each pair class on the images of each pair class, and the
utility score ``lms`` = accuracy on neutral images (classes outside the pair). The core reads
"strengthen A" as the mean P(A) on B's images and "weaken A" as 1 - P(A) on A's images.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torch import nn

from gradiend.plugins import BaseModelScores, DecoderEvalData
from gradiend_vision.data import ImageData
from gradiend_vision.losses import class_probabilities
from gradiend_vision.rows import resolve_pair


def decoder_eval_targets(data: ImageData, pair: Sequence[str | int]) -> dict[str, list[str]]:
    """What is measured per target class: the class's own label (``{"3": ["3"], "8": ["8"]}``)."""
    return {name: [name] for name in resolve_pair(data, pair)}


def score_base_model(
    model: nn.Module,
    data: ImageData,
    pair: Sequence[str | int],
    eval_data: DecoderEvalData,
    batch_size: int = 32,
) -> BaseModelScores:
    """Score ``model`` on the rows of ``eval_data`` in one batched pass over the distinct images.

    Returns:
        ``BaseModelScores`` with ``probabilities[data class][target class]`` (mean probability of
        each pair class on the training-like images of each data class), ``lms`` (accuracy on the
        neutral images) and ``extras`` ``accuracy_training_like`` and ``n_neutral``.

    Raises:
        ValueError: no neutral rows, or training-like rows of a class outside the pair.
    """
    training_like, neutral = eval_data.training_like, eval_data.neutral
    if neutral.empty or training_like.empty:
        raise ValueError(
            f"scoring needs training-like and neutral rows, got {len(training_like)} and {len(neutral)}"
        )
    targets = _checked_targets(data, pair, training_like)
    all_index = np.concatenate([training_like["image_index"].to_numpy(), neutral["image_index"].to_numpy()])
    unique, inverse = np.unique(all_index.astype(np.int64), return_inverse=True)
    probs = class_probabilities(model, data.images[torch.as_tensor(unique)], batch_size)[
        torch.as_tensor(inverse)
    ]
    like_probs, neutral_probs = probs[: len(training_like)], probs[len(training_like) :]
    probabilities = _class_means(like_probs, data, targets, training_like)
    return BaseModelScores(
        probabilities=probabilities,
        lms=_accuracy(neutral_probs, data, neutral["true_class"]),
        extras={
            "accuracy_training_like": _accuracy(like_probs, data, training_like["true_class"]),
            "n_neutral": float(len(neutral)),
        },
    )


def score_probabilities(
    model: nn.Module,
    data: ImageData,
    pair: Sequence[str | int],
    eval_data: DecoderEvalData,
    batch_size: int = 32,
) -> dict[str, dict[str, float]]:
    """The ``probabilities`` of :func:`score_base_model` alone (the training-like images only)."""
    training_like = eval_data.training_like
    if training_like.empty:
        raise ValueError("scoring the probabilities needs training-like rows, got none")
    targets = _checked_targets(data, pair, training_like)
    unique, inverse = np.unique(training_like["image_index"].to_numpy().astype(np.int64), return_inverse=True)
    probs = class_probabilities(model, data.images[torch.as_tensor(unique)], batch_size)
    return _class_means(probs[torch.as_tensor(inverse)], data, targets, training_like)


def score_utility(
    model: nn.Module, data: ImageData, eval_data: DecoderEvalData, batch_size: int = 32
) -> float:
    """The ``lms`` of :func:`score_base_model` alone: accuracy on the neutral images."""
    neutral = eval_data.neutral
    if neutral.empty:
        raise ValueError("scoring the utility needs neutral rows, got none")
    unique, inverse = np.unique(neutral["image_index"].to_numpy().astype(np.int64), return_inverse=True)
    probs = class_probabilities(model, data.images[torch.as_tensor(unique)], batch_size)
    return _accuracy(probs[torch.as_tensor(inverse)], data, neutral["true_class"])


def _checked_targets(data: ImageData, pair: Sequence[str | int], training_like: pd.DataFrame) -> list[str]:
    """The pair's class names; ValueError when a training-like row is of another class."""
    targets = list(resolve_pair(data, pair))
    foreign = sorted(set(training_like["feature_class"]) - set(targets))
    if foreign:
        raise ValueError(f"training-like rows must be of the pair {targets}, got classes {foreign}")
    return targets


def _class_means(
    like_probs: torch.Tensor, data: ImageData, targets: Sequence[str], training_like: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """``{data class: {target class: mean probability}}`` over the training-like rows of each class."""
    target_ids = [data.class_index(name) for name in targets]
    probabilities: dict[str, dict[str, float]] = {}
    for data_class in dict.fromkeys(training_like["feature_class"]):
        mask = torch.tensor((training_like["feature_class"] == data_class).to_numpy())
        rows = like_probs[mask]
        probabilities[str(data_class)] = {
            name: float(rows[:, i].mean()) for name, i in zip(targets, target_ids, strict=True)
        }
    return probabilities


def _accuracy(probs: torch.Tensor, data: ImageData, true_classes: Sequence[str]) -> float:
    lookup = {name: i for i, name in enumerate(data.class_names)}
    truth = torch.tensor([lookup[c] for c in true_classes], dtype=torch.long)
    return float((probs.argmax(dim=-1) == truth).float().mean())


__all__ = ["decoder_eval_targets", "score_base_model", "score_probabilities", "score_utility"]
