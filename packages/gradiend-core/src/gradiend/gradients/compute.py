"""Source and target gradients from one forward pass, with as few backward passes as the pair needs.

With L_f the loss of the factual targets and L_a the loss of the alternative targets (both from the
same forward pass), the three gradient kinds are:

* ``factual``     g_f = dL_f/dθ
* ``alternative`` g_a = dL_a/dθ
* ``diff``        g_f - g_a = d(L_f - L_a)/dθ

A pair that needs one kind (e.g. source and target both ``diff``) costs one backward pass. A pair of
two kinds (``alternative`` -> ``diff``, the published default) costs two: the first backward keeps the
graph, and the second kind is derived where possible (``diff = g_f - g_a``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from gradiend.definition import PairedLoss
from gradiend.model.param_map import ParamMap

GRADIENT_KINDS: tuple[str, ...] = ("factual", "alternative", "diff")


@dataclass
class GradientPair:
    """Flat source and target gradients of one batch (the same tensor when source == target)."""

    source: torch.Tensor
    target: torch.Tensor


def _check_kind(name: str, kind: str) -> None:
    if kind not in GRADIENT_KINDS:
        raise ValueError(f"{name} must be one of {list(GRADIENT_KINDS)}, got {kind!r}")


def _grads(loss: torch.Tensor, params: Sequence[nn.Parameter], *, retain_graph: bool) -> list[torch.Tensor]:
    grads = torch.autograd.grad(loss, list(params), retain_graph=retain_graph, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for g, p in zip(grads, params, strict=True)]


def _loss_of(kind: str, losses: PairedLoss) -> torch.Tensor:
    if losses.alternative is None:
        # Neutral rows have no alternative: every kind reads as the factual gradient.
        return losses.factual
    if kind == "factual":
        return losses.factual
    if kind == "alternative":
        return losses.alternative
    return losses.factual - losses.alternative


def _flat_into(
    param_map: ParamMap, grads: list[torch.Tensor], out: Sequence[torch.Tensor] | None, slot: int
) -> torch.Tensor:
    """Flatten ``grads`` into ``out[slot]`` when buffers are given, else into a new vector."""
    return param_map.flatten(grads, out=None if out is None else out[slot])


def compute_gradient_pair(
    losses: PairedLoss,
    params: Sequence[nn.Parameter],
    param_map: ParamMap,
    source: str,
    target: str,
    out: Sequence[torch.Tensor] | None = None,
) -> GradientPair:
    """Flat gradients of ``source`` and ``target`` kinds for one batch.

    Args:
        losses: factual and alternative losses of the batch (one forward pass).
        params: the parameters selected by ``param_map``, in its order.
        param_map: flattens per-parameter gradients into one vector.
        source: kind fed to the encoder.
        target: kind reconstructed by the decoder.
        out: two float32 vectors of length ``param_map.size`` to flatten into (reused between
            batches: no n-sized allocation per batch); the first kind computed goes into ``out[0]``.
    """
    _check_kind("source", source)
    _check_kind("target", target)
    if out is not None and len(out) != 2:
        raise ValueError(f"out must hold two flat buffers, got {len(out)}")
    if source == target or losses.alternative is None:
        grads = _grads(_loss_of(source, losses), params, retain_graph=False)
        flat = _flat_into(param_map, grads, out, 0)
        return GradientPair(source=flat, target=flat)
    kinds = {source, target}
    if kinds == {"factual", "alternative"}:
        first = _flat_into(param_map, _grads(losses.factual, params, retain_graph=True), out, 0)
        second = _flat_into(param_map, _grads(losses.alternative, params, retain_graph=False), out, 1)
        by_kind = {"factual": first, "alternative": second}
    else:
        # One of the two is diff: compute the other kind, then diff, deriving nothing twice.
        other = next(iter(kinds - {"diff"}))
        other_grads = _grads(_loss_of(other, losses), params, retain_graph=True)
        other_flat = _flat_into(param_map, other_grads, out, 0)
        del other_grads  # freed before the second backward allocates its gradients
        diff_grads = _grads(_loss_of("diff", losses), params, retain_graph=False)
        by_kind = {other: other_flat, "diff": _flat_into(param_map, diff_grads, out, 1)}
    return GradientPair(source=by_kind[source], target=by_kind[target])


def source_gradient(
    losses: PairedLoss,
    params: Sequence[nn.Parameter],
    param_map: ParamMap,
    source: str,
    out: torch.Tensor | None = None,
) -> torch.Tensor:
    """The flat gradient of one kind (encoder evaluation); neutral rows give their factual gradient.

    With ``out`` (a float32 vector of length ``param_map.size``) the gradient is written into it.
    """
    _check_kind("source", source)
    return param_map.flatten(_grads(_loss_of(source, losses), params, retain_graph=False), out=out)


__all__ = ["GRADIENT_KINDS", "GradientPair", "compute_gradient_pair", "source_gradient"]
