"""The two activation-space peers: a steering vector (``steering-vectors``) and LEACE (``concept-erasure``).

Both are fitted on the same hidden states: the output of decoder block ``L`` at the last token of each
training row's prefix (the text before ``[MASK]``, i.e. where the model predicts " he" / " she"),
read once for all candidate layers with ``steering_vectors.extract_activations``. Rows are paired
she-row / he-row (as many pairs as the smaller class has training rows).

* Steering vector: ``steering_vectors.aggregate_activations`` (mean of she minus he activations,
  the package's ``mean_aggregator``), one layer at a time, added at every token with a multiplier.
* LEACE: ``concept_erasure.LeaceEraser.fit(x, z)`` with ``z`` = 1 for she-rows, 0 for he-rows, applied
  to the block output at every token; ``alpha`` < 1 interpolates (``x + alpha (erase(x) - x)``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from benchmarks.peers.data import PeerData, prefix
from benchmarks.peers.measure import Measurement, Scorer, timed
from benchmarks.peers.select import Point

logger = logging.getLogger(__name__)


def block_names(model: nn.Module) -> list[str]:
    """Module names of the decoder blocks, as ``steering-vectors`` resolves them."""
    from steering_vectors.layer_matching import (  # type: ignore[import-untyped]
        collect_matching_layers,
        guess_decoder_block_matcher,
    )

    matcher = guess_decoder_block_matcher(model)
    if matcher is None:
        raise ValueError(f"steering-vectors finds no decoder blocks in {type(model).__name__}")
    return collect_matching_layers(model, matcher)


def check_layers(model: nn.Module, layers: Sequence[int]) -> list[int]:
    """``layers`` as valid block indices (negative ones count from the end); ValueError otherwise."""
    count = len(block_names(model))
    resolved = []
    for layer in layers:
        index = layer + count if layer < 0 else layer
        if not 0 <= index < count:
            raise ValueError(f"layers must lie in [-{count}, {count - 1}] for this model, got {layer}")
        resolved.append(index)
    if not resolved:
        raise ValueError("layers must not be empty")
    return sorted(set(resolved))


@dataclass
class Activations:
    """Hidden states of the paired training rows per layer, and the time it took to read them."""

    she: dict[int, torch.Tensor]
    he: dict[int, torch.Tensor]
    pairs: int
    seconds: float


def training_pairs(data: PeerData) -> list[tuple[str, str]]:
    """``(she-row prefix, he-row prefix)`` pairs from the training rows."""
    she = [prefix(m) for m in data.split("train", "she")["masked"]]
    he = [prefix(m) for m in data.split("train", "he")["masked"]]
    n = min(len(she), len(he))
    if n < 2:
        raise ValueError(f"need at least two training rows per class, got she={len(she)}, he={len(he)}")
    return list(zip(she[:n], he[:n], strict=True))


def extract(model: nn.Module, tokenizer: Any, data: PeerData, layers: Sequence[int]) -> Activations:
    """Block outputs at the last prefix token of every training pair, for ``layers``."""
    from steering_vectors import extract_activations  # type: ignore[import-untyped]

    pairs = training_pairs(data)
    (she, he), seconds = timed(
        lambda: extract_activations(
            model, tokenizer, pairs, layers=list(layers), read_token_index=-1, batch_size=16, move_to_cpu=True
        )
    )
    return Activations(
        {k: torch.cat(v).float() for k, v in she.items()},
        {k: torch.cat(v).float() for k, v in he.items()},
        len(pairs),
        seconds,
    )


def fit_steering(activations: Activations) -> tuple[Any, float]:
    """The package's steering vector (mean she - he) on every layer, and the aggregation seconds."""
    from steering_vectors import SteeringVector, aggregate_activations

    vectors, seconds = timed(
        lambda: aggregate_activations(
            {k: [v] for k, v in activations.she.items()}, {k: [v] for k, v in activations.he.items()}
        )
    )
    return SteeringVector(vectors), seconds


def single_layer(vector: Any, layer: int) -> Any:
    """The steering vector restricted to one layer."""
    from steering_vectors import SteeringVector

    return SteeringVector({layer: vector.layer_activations[layer]}, vector.layer_type)


def sweep_steering(
    model: nn.Module,
    vector: Any,
    scorer: Scorer,
    base: Measurement,
    scales: Sequence[float],
    utility_ratio: float,
) -> list[Point]:
    """Every layer of ``vector`` at increasing scales; a layer stops at its first scale below the floor."""
    points = []
    floor = utility_ratio * base.lms_selection
    settings = sorted(vector.layer_activations)
    bar = tqdm(total=len(settings) * len(scales), desc="steering sweep", unit="point")
    for layer in settings:
        steer = single_layer(vector, layer)
        for scale in sorted(scales):
            with steer.apply(model, multiplier=float(scale)):
                measurement = scorer(model)
            points.append(
                Point("steering", {"layer": layer, "scale": float(scale)}, float(scale), measurement)
            )
            bar.update(1)
            if measurement.lms_selection < floor:
                bar.update(len(scales) - sum(1 for s in scales if s <= scale))
                break
    bar.close()
    return points


@contextmanager
def steering_applied(model: nn.Module, vector: Any, layer: int, scale: float) -> Iterator[None]:
    """The one-layer steering vector's hooks on ``model`` (for timing)."""
    with single_layer(vector, layer).apply(model, multiplier=scale):
        yield


def fit_leace(activations: Activations) -> tuple[dict[int, Any], float]:
    """One LEACE eraser per layer (she = 1, he = 0; fitted in float64, kept in float32), and the seconds."""
    from concept_erasure import LeaceEraser  # type: ignore[import-untyped]

    def fit() -> dict[int, Any]:
        erasers = {}
        for layer in sorted(activations.she):
            x = torch.cat([activations.she[layer], activations.he[layer]]).double()
            z = torch.cat([torch.ones(len(activations.she[layer])), torch.zeros(len(activations.he[layer]))])
            fitted = LeaceEraser.fit(x, z.double())
            bias = None if fitted.bias is None else fitted.bias.float()
            erasers[layer] = LeaceEraser(fitted.proj_left.float(), fitted.proj_right.float(), bias)
        return erasers

    return timed(fit)


@contextmanager
def leace_applied(model: nn.Module, layer: int, eraser: Any, alpha: float = 1.0) -> Iterator[None]:
    """Apply ``x + alpha (eraser(x) - x)`` to the output of block ``layer`` at every token."""
    module = model.get_submodule(block_names(model)[layer])

    def hook(_module: nn.Module, _inputs: Any, output: Any) -> Any:
        hidden = output[0] if isinstance(output, tuple) else output
        edited = hidden + alpha * (eraser(hidden) - hidden)
        return (edited, *output[1:]) if isinstance(output, tuple) else edited

    handle = module.register_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def sweep_leace(
    model: nn.Module, erasers: dict[int, Any], scorer: Scorer, alphas: Sequence[float]
) -> list[Point]:
    """Every layer's eraser at each strength ``alpha`` (1 = LEACE)."""
    points = []
    bar = tqdm(total=len(erasers) * len(alphas), desc="LEACE sweep", unit="point")
    for layer, eraser in sorted(erasers.items()):
        for alpha in sorted(alphas):
            with leace_applied(model, layer, eraser, float(alpha)):
                measurement = scorer(model)
            points.append(Point("leace", {"layer": layer, "alpha": float(alpha)}, float(alpha), measurement))
            bar.update(1)
    bar.close()
    return points


__all__ = [
    "Activations",
    "block_names",
    "check_layers",
    "extract",
    "fit_leace",
    "fit_steering",
    "leace_applied",
    "single_layer",
    "steering_applied",
    "sweep_leace",
    "sweep_steering",
    "training_pairs",
]
