"""The GRADIEND reconstruction loss's gradients computed by hand: no autograd graph, no n-sized temporary.

For the plain objective ``loss = mean((W_d h + b_d - t)^2)`` with ``h = act(W_e s + b_e)`` (identity
decoder, tanh or identity encoder) the gradients are, with the residual ``r = 2 (W_d h + b_d - t) / n``:
``b_d: r``, ``W_d: r h^T``, ``W_e: g s^T`` and ``b_e: g`` where ``g = (W_d^T r) * act'(.)``. Both
functions below form ``r`` in place in one n-sized buffer and build the other n-sized gradients from it;
:meth:`gradiend.model.gradiend.GradiendModel.fused_mse_backward_` checks the network and the shapes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import torch
from torch import nn

GradientConsumer = Callable[[torch.Tensor, torch.Tensor], None]
"""``(parameter, loss) -> None``: receives one parameter's gradient in its ``.grad``."""


class LinearAutoencoder(Protocol):
    """What the hand-computed gradients read of a GRADIEND (``GradiendModel`` has these attributes)."""

    input_dim: int
    latent_dim: int
    activation_encoder: str
    encoder: nn.Linear
    decoder: nn.Linear


def _grad_buffer(parameter: torch.Tensor) -> torch.Tensor:
    """``parameter.grad``, allocated once (kept between steps, overwritten by each step)."""
    grad = parameter.grad
    if grad is None or grad.shape != parameter.shape or grad.dtype != parameter.dtype:
        grad = torch.empty_like(parameter)
        parameter.grad = grad
    return grad


def _residual(
    model: LinearAutoencoder, source: torch.Tensor, target: torch.Tensor, out: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``(loss, h, g)``; ``out`` becomes the residual ``r`` (see the module docstring)."""
    n = model.input_dim
    encoder, decoder = model.encoder, model.decoder
    h = torch.addmv(encoder.bias, encoder.weight, source)  # [k]
    if model.activation_encoder == "tanh":
        h = torch.tanh(h)
    if decoder.bias is not None:
        torch.addmv(decoder.bias, decoder.weight, h, out=out)
    else:
        torch.mv(decoder.weight, h, out=out)
    out.sub_(target)
    loss = torch.dot(out, out) / n
    out.mul_(2.0 / n)  # d loss / d reconstruction = d loss / d decoder bias
    grad_h = torch.mv(decoder.weight.t(), out)  # [k]
    grad_pre = grad_h * (1 - h * h) if model.activation_encoder == "tanh" else grad_h
    return loss, h, grad_pre


def _cast(model: LinearAutoencoder, *vectors: torch.Tensor) -> list[torch.Tensor]:
    weight = model.encoder.weight
    return [v.to(device=weight.device, dtype=weight.dtype) for v in vectors]


def mse_gradients_into_grad(
    model: LinearAutoencoder, source: torch.Tensor, target: torch.Tensor
) -> torch.Tensor:
    """Write every parameter's gradient into its reused ``.grad``; returns the loss."""
    source, target = _cast(model, source, target)
    decoder_bias = model.decoder.bias
    with torch.no_grad():
        residual = _grad_buffer(decoder_bias) if decoder_bias is not None else torch.empty_like(source)
        loss, h, grad_pre = _residual(model, source, target, residual)
        torch.mul(residual[:, None], h[None, :], out=_grad_buffer(model.decoder.weight))
        torch.mul(grad_pre[:, None], source[None, :], out=_grad_buffer(model.encoder.weight))
        _grad_buffer(model.encoder.bias).copy_(grad_pre)
    return loss


def mse_gradients_one_at_a_time(
    model: LinearAutoencoder,
    source: torch.Tensor,
    target: torch.Tensor,
    buffer: torch.Tensor,
    on_grad: GradientConsumer,
) -> torch.Tensor:
    """Lend each parameter its gradient in turn (``buffer``: n-sized scratch); returns the loss.

    Order: decoder bias, decoder weight, encoder weight, encoder bias. With one latent feature the
    weight gradients are scaled copies of one n-vector and are built in ``buffer`` itself.
    """
    source, target = _cast(model, source, target)
    decoder_weight, encoder_weight = model.decoder.weight, model.encoder.weight
    with torch.no_grad():
        loss, h, grad_pre = _residual(model, source, target, buffer)
        if model.decoder.bias is not None:
            _lend(model.decoder.bias, buffer, on_grad, loss)
        if model.latent_dim == 1:
            _lend(decoder_weight, buffer.mul_(h[0]).view(decoder_weight.shape), on_grad, loss)
            torch.mul(source, grad_pre[0], out=buffer)
            _lend(encoder_weight, buffer.view(encoder_weight.shape), on_grad, loss)
        else:
            _lend(decoder_weight, buffer[:, None] * h[None, :], on_grad, loss)
            _lend(encoder_weight, grad_pre[:, None] * source[None, :], on_grad, loss)
        _lend(model.encoder.bias, grad_pre.clone(), on_grad, loss)
    return loss


def _lend(
    parameter: torch.Tensor, gradient: torch.Tensor, on_grad: GradientConsumer, loss: torch.Tensor
) -> None:
    """Set ``parameter.grad`` to ``gradient`` for the call ``on_grad(parameter, loss)``, then drop it."""
    parameter.grad = gradient
    try:
        on_grad(parameter, loss)
    finally:
        parameter.grad = None


__all__ = ["GradientConsumer", "LinearAutoencoder", "mse_gradients_into_grad", "mse_gradients_one_at_a_time"]
