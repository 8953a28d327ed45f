"""A plain, seeded training loop for image classifiers (the digits CNN, tiny test models)."""

from __future__ import annotations

import logging
import time

import torch
import torch.nn.functional as F
from torch import nn

from gradiend_vision.data import ImageData
from gradiend_vision.losses import model_logits

logger = logging.getLogger(__name__)


def fit_classifier(
    model: nn.Module,
    data: ImageData,
    *,
    epochs: int = 20,
    learning_rate: float = 3e-3,
    batch_size: int = 32,
    weight_decay: float = 0.0,
    seed: int = 0,
    split: str = "train",
    num_threads: int | None = 1,
) -> list[float]:
    """Train ``model`` with Adam and cross-entropy on one split of ``data``; returns the mean loss per epoch.

    Seeded: the same model initialisation, data and seed give the same weights. The global torch
    random state is left untouched (the loop runs under ``torch.random.fork_rng``). The model is left
    in eval mode.

    ``num_threads`` sets torch's intra-op threads for the loop (restored afterwards; ``None`` keeps
    them): small models train fastest on one thread, which also makes the result independent of the
    machine's core count.
    """
    if epochs < 1 or batch_size < 1 or learning_rate <= 0 or (num_threads is not None and num_threads < 1):
        raise ValueError(
            f"epochs, batch_size and num_threads must be >= 1 and learning_rate > 0, got epochs={epochs}, "
            f"batch_size={batch_size}, num_threads={num_threads}, learning_rate={learning_rate}"
        )
    index = torch.as_tensor(data.indices(split))
    if index.numel() == 0:
        raise ValueError(f"split {split!r} has no images: {data!r}")
    images, labels = data.images[index], data.labels[index]
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate, weight_decay=weight_decay)
    generator = torch.Generator().manual_seed(seed)
    started, losses = time.perf_counter(), []
    threads = torch.get_num_threads()
    model.train()
    try:
        if num_threads is not None:
            torch.set_num_threads(num_threads)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            for _ in range(epochs):
                order = torch.randperm(index.numel(), generator=generator)
                total = 0.0
                for start in range(0, order.numel(), batch_size):
                    batch = order[start : start + batch_size]
                    logits = model_logits(model, images[batch])
                    loss = F.cross_entropy(logits, labels[batch].to(logits.device))
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    total += float(loss.detach()) * batch.numel()
                losses.append(total / order.numel())
    finally:
        torch.set_num_threads(threads)
        model.eval()
    logger.info(
        "trained %s for %d epochs on %d images in %.1f s (final loss %.4f)",
        type(model).__name__,
        epochs,
        index.numel(),
        time.perf_counter() - started,
        losses[-1],
    )
    return losses


__all__ = ["fit_classifier"]
