"""The GRADIEND network: a one-hidden-layer autoencoder over flattened base-model gradients.

``encoder``: Linear(n -> k) then an activation (default tanh), ``decoder``: Linear(k -> n) then an
activation (default identity). ``n`` is the number of selected base-model parameter entries (see
:class:`gradiend.model.ParamMap`), ``k`` the number of features (usually 1).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from gradiend.model.checkpoint import (
    FORMAT_VERSION,
    NETWORK_CONFIG_FILE,
    NETWORK_CONFIG_KEYS,
    WEIGHTS_FILE,
    CheckpointError,
    check_finite_tensors,
    check_replaceable,
    gradiend_weight_shapes,
    load_safetensors,
    read_network_config,
)
from gradiend.model.fused_mse import GradientConsumer, mse_gradients_into_grad, mse_gradients_one_at_a_time
from gradiend.model.param_map import normalize_keep
from gradiend.utils.atomic import PathLike, atomic_directory, atomic_save_safetensors, atomic_write_json

logger = logging.getLogger(__name__)

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "tanh": nn.Tanh,
    "identity": nn.Identity,
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "leakyrelu": nn.LeakyReLU,
    "elu": nn.ELU,
}
"""Activation names (lower case) and their modules."""

ACTIVATION_ALIASES: dict[str, str] = {"id": "identity", "leaky_relu": "leakyrelu"}
ODD_ACTIVATIONS: frozenset[str] = frozenset({"tanh", "identity"})
"""Encoder activations with act(-x) = -act(x): only these allow :meth:`GradiendModel.flip_sign_`."""

DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float64": torch.float64,
}
IMPORTANCE_PARTS: tuple[str, ...] = ("decoder-weight", "decoder-bias", "decoder-sum", "encoder-weight")


def canonical_activation(name: str, arg: str = "activation") -> str:
    """The canonical (lower-case, alias-resolved) activation name, or a ValueError listing valid names."""
    if not isinstance(name, str):
        raise TypeError(f"{arg} must be an activation name (str), got {name!r}")
    key = ACTIVATION_ALIASES.get(name.lower(), name.lower())
    if key not in ACTIVATIONS:
        valid = sorted([*ACTIVATIONS, *ACTIVATION_ALIASES])
        raise ValueError(f"{arg} must be one of {valid}, got {name!r}")
    return key


def resolve_dtype(dtype: torch.dtype | str, arg: str = "dtype") -> torch.dtype:
    """A floating torch dtype from a dtype or its name (``"bfloat16"`` or ``"torch.bfloat16"``)."""
    if isinstance(dtype, torch.dtype):
        if dtype in DTYPES.values():
            return dtype
    elif isinstance(dtype, str) and dtype.removeprefix("torch.") in DTYPES:
        return DTYPES[dtype.removeprefix("torch.")]
    raise ValueError(f"{arg} must be one of {sorted(DTYPES)}, got {dtype!r}")


def dtype_name(dtype: torch.dtype) -> str:
    """The short name of a dtype (``torch.bfloat16`` -> ``"bfloat16"``)."""
    return str(dtype).removeprefix("torch.")


def _check_dim(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    return value


class GradiendModel(nn.Module):
    """Encoder-decoder over gradient vectors of length ``input_dim`` with ``latent_dim`` features.

    The encoder keeps PyTorch's default Linear initialisation; the decoder weight and bias are drawn
    from uniform(-x, x) with x = max |encoder weight|, so the decoder starts on the encoder's scale.

    Args:
        input_dim: n, the length of the flattened gradient vector.
        latent_dim: k, the number of features.
        activation_encoder: one of :data:`ACTIVATIONS` (or an alias such as ``"id"``).
        activation_decoder: likewise, for the decoder output.
        bias_decoder: whether the decoder Linear has a bias.
        dtype: weight dtype (float32, float16, bfloat16 or float64; a name is accepted).
        device: where the weights are created (``"meta"`` creates them without storage).
    """

    def __init__(
        self,
        input_dim: int,
        latent_dim: int = 1,
        activation_encoder: str = "tanh",
        activation_decoder: str = "identity",
        bias_decoder: bool = True,
        dtype: torch.dtype | str = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.input_dim = _check_dim("input_dim", input_dim)
        self.latent_dim = _check_dim("latent_dim", latent_dim)
        self.activation_encoder = canonical_activation(activation_encoder, "activation_encoder")
        self.activation_decoder = canonical_activation(activation_decoder, "activation_decoder")
        if not isinstance(bias_decoder, bool):
            raise TypeError(f"bias_decoder must be True or False, got {bias_decoder!r}")
        self.bias_decoder = bias_decoder
        weight_dtype = resolve_dtype(dtype)
        self.encoder = nn.Linear(input_dim, latent_dim, dtype=weight_dtype, device=device)
        self.decoder = nn.Linear(latent_dim, input_dim, bias=bias_decoder, dtype=weight_dtype, device=device)
        self.encoder_activation = ACTIVATIONS[self.activation_encoder]()
        self.decoder_activation = ACTIVATIONS[self.activation_decoder]()
        self._scratch: torch.Tensor | None = None  # the fused step's n-sized buffer, made on first use
        if self.encoder.weight.device.type != "meta":
            self.reset_decoder_()

    # --- properties ----------------------------------------------------------------------------------

    @property
    def dtype(self) -> torch.dtype:
        """The weight dtype."""
        return self.encoder.weight.dtype

    @property
    def device(self) -> torch.device:
        """The device of the encoder weight."""
        return self.encoder.weight.device

    @property
    def config(self) -> dict[str, Any]:
        """The architecture as a JSON-able dict (what :meth:`from_config` takes)."""
        return {
            "input_dim": self.input_dim,
            "latent_dim": self.latent_dim,
            "activation_encoder": self.activation_encoder,
            "activation_decoder": self.activation_decoder,
            "bias_decoder": self.bias_decoder,
            "dtype": dtype_name(self.dtype),
        }

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], device: torch.device | str | None = None
    ) -> GradiendModel:
        """A freshly initialised network with the architecture of ``config`` (see :attr:`config`)."""
        missing = [key for key in NETWORK_CONFIG_KEYS if key not in config]
        unknown = sorted(set(config) - set(NETWORK_CONFIG_KEYS))
        if missing or unknown:
            raise ValueError(
                f"config must have exactly the keys {list(NETWORK_CONFIG_KEYS)}; "
                f"missing {missing}, unknown {unknown}"
            )
        return cls(**dict(config), device=device)

    def num_parameters(self) -> int:
        """Number of scalar weights (about 3n for k = 1 with a decoder bias)."""
        return sum(p.numel() for p in self.parameters())

    # --- initialisation and computation --------------------------------------------------------------

    def reset_decoder_(self) -> None:
        """Draw the decoder weight (and bias) from uniform(-x, x), x = max |encoder weight|."""
        with torch.no_grad():
            low, high = torch.aminmax(self.encoder.weight)  # no n-sized temporary, unlike abs().max()
            scale = max(-float(low), float(high))
            nn.init.uniform_(self.decoder.weight, -scale, scale)
            if self.decoder.bias is not None:
                nn.init.uniform_(self.decoder.bias, -scale, scale)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Feature values h [..., k] of gradient vectors ``x`` [..., n], cast to the weight dtype/device."""
        if x.shape[-1] != self.input_dim:
            raise ValueError(
                f"x must have last dimension input_dim={self.input_dim}, got shape {tuple(x.shape)}"
            )
        weight = self.encoder.weight
        return self.encoder_activation(self.encoder(x.to(device=weight.device, dtype=weight.dtype)))

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        """Reconstruction [..., n] of feature values ``h`` [..., k]."""
        if h.shape[-1] != self.latent_dim:
            raise ValueError(
                f"h must have last dimension latent_dim={self.latent_dim}, got shape {tuple(h.shape)}"
            )
        weight = self.decoder.weight
        return self.decoder_activation(self.decoder(h.to(device=weight.device, dtype=weight.dtype)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(reconstruction, h)`` for gradient vectors ``x`` [..., n]."""
        h = self.encode(x)
        return self.decode(h), h

    # --- the training step's gradients without autograd ---------------------------------------------

    def supports_fused_mse(self) -> bool:
        """Whether :meth:`fused_mse_backward_` applies to this network.

        It needs an identity decoder, a tanh or identity encoder, float32/float64 weights that all
        require gradients, and no hooks on the network's modules (hooks expect the module calls that
        the fused step skips).
        """
        if self.activation_decoder != "identity" or self.activation_encoder not in ("tanh", "identity"):
            return False
        if self.dtype not in (torch.float32, torch.float64):
            return False
        if not all(p.requires_grad for p in self.parameters()):
            return False
        return not any(
            m._forward_hooks or m._forward_pre_hooks or m._backward_hooks or m._backward_pre_hooks
            for m in self.modules()
        )

    def fused_mse_backward_(
        self, source: torch.Tensor, target: torch.Tensor, on_grad: GradientConsumer | None = None
    ) -> torch.Tensor:
        """The reconstruction loss mean((decode(encode(source)) - target)^2) of one gradient pair.

        Computes the loss's gradient by hand, with no n-sized temporary, equal to ``loss.backward()``
        on :meth:`forward` up to float rounding. Needs :meth:`supports_fused_mse`.

        Without ``on_grad``, writes each parameter's gradient into its ``.grad`` (overwriting it; the
        buffers are allocated once and reused by every later step). With ``on_grad``, the parameters
        get their gradients one at a time in one shared n-sized buffer: ``on_grad(parameter, loss)``
        is called while only that parameter has a ``.grad`` (e.g. to step an optimizer for it alone),
        and the ``.grad`` is dropped afterwards, so a step holds one n-sized gradient instead of
        three. Every gradient is computed from the weights as they were before the first call (as
        ``loss.backward()`` would). See :mod:`gradiend.model.fused_mse`.

        Args:
            source: the encoder input, shape [n].
            target: the reconstruction target, shape [n].
            on_grad: consumes each parameter's gradient in turn (see above).

        Returns:
            The loss, a 0-dim tensor in the weight dtype.
        """
        if not self.supports_fused_mse():
            raise ValueError(
                "fused_mse_backward_ needs activation_decoder='identity', activation_encoder 'tanh' or "
                f"'identity', float32/float64 weights and no module hooks; got {self.activation_encoder!r}/"
                f"{self.activation_decoder!r}, {dtype_name(self.dtype)}"
            )
        n = self.input_dim
        if source.shape != (n,) or target.shape != (n,):
            raise ValueError(
                f"source and target must have shape ({n},), "
                f"got {tuple(source.shape)} and {tuple(target.shape)}"
            )
        weight = self.encoder.weight
        if on_grad is None:
            return mse_gradients_into_grad(self, source, target)
        if (
            self._scratch is None
            or self._scratch.dtype != weight.dtype
            or self._scratch.device != weight.device
        ):
            self._scratch = torch.empty(n, dtype=weight.dtype, device=weight.device)
        return mse_gradients_one_at_a_time(self, source, target, self._scratch, on_grad)

    def decoder_direction(self, feature_factor: float | Sequence[float]) -> torch.Tensor:
        """activation_decoder(f @ W_dec^T + b_dec) as a float32 vector [n] on the decoder's device.

        This is the direction a rewrite adds (scaled by a learning rate). A single float is used for
        every feature when k > 1. Computed in float32 whatever the weight dtype, without autograd.
        """
        factors = torch.as_tensor(feature_factor, dtype=torch.float32)
        if factors.dim() == 0:
            factors = factors.expand(self.latent_dim)
        if factors.shape != (self.latent_dim,):
            raise ValueError(
                f"feature_factor must be a number or {self.latent_dim} numbers, got {feature_factor!r}"
            )
        with torch.no_grad():
            weight = self.decoder.weight.float()
            bias = None if self.decoder.bias is None else self.decoder.bias.float()
            return self.decoder_activation(F.linear(factors.to(weight.device), weight, bias))

    def flip_sign_(self, dims: Sequence[int] | None = None) -> None:
        """Negate features in place: encode(x) -> -encode(x) on ``dims`` (default all), same reconstruction.

        Negates the encoder rows (weight and bias) and the matching decoder weight columns. Needs an
        odd encoder activation (:data:`ODD_ACTIVATIONS`).
        """
        if self.activation_encoder not in ODD_ACTIVATIONS:
            raise ValueError(
                f"flip_sign_ needs an odd encoder activation {sorted(ODD_ACTIVATIONS)}, "
                f"got activation_encoder={self.activation_encoder!r}"
            )
        sign = torch.ones(self.latent_dim, dtype=self.dtype, device=self.device)
        for dim in range(self.latent_dim) if dims is None else dims:
            if not 0 <= dim < self.latent_dim:
                raise ValueError(f"dims must lie in [0, {self.latent_dim}), got {dim!r}")
            sign[dim] = -1
        with torch.no_grad():
            self.encoder.weight.mul_(sign[:, None])
            self.encoder.bias.mul_(sign)
            self.decoder.weight.mul_(sign.to(self.decoder.weight.device)[None, :])

    # --- importance and pruning ----------------------------------------------------------------------

    def input_importance(self, part: str = "decoder-weight") -> torch.Tensor:
        """Importance of each input dimension, float32 [n], from the weights.

        * ``decoder-weight``: L2 norm of each decoder weight row (|w_i| when k = 1);
        * ``decoder-bias``: |b_i| (needs a decoder bias);
        * ``decoder-sum``: |sum_j W_dec[i, j] + b_i| (b = 0 without a bias), the magnitude of the
          decoder output for h = (1, ..., 1) before the activation;
        * ``encoder-weight``: L2 norm of each encoder weight column.
        """
        with torch.no_grad():
            dec_w = self.decoder.weight.float()
            bias = None if self.decoder.bias is None else self.decoder.bias.float()
            if part == "decoder-weight":
                return torch.linalg.vector_norm(dec_w, dim=1)
            if part == "encoder-weight":
                return torch.linalg.vector_norm(self.encoder.weight.float(), dim=0)
            if part == "decoder-bias":
                if bias is None:
                    raise ValueError("part='decoder-bias' needs a decoder bias, but bias_decoder=False")
                return bias.abs()
            if part == "decoder-sum":
                row_sum = dec_w.sum(dim=1)
                return (row_sum if bias is None else row_sum + bias).abs()
        raise ValueError(f"part must be one of {list(IMPORTANCE_PARTS)}, got {part!r}")

    def select_inputs(self, keep: torch.Tensor) -> GradiendModel:
        """A new network restricted to the input dimensions ``keep`` (sorted, unique), same config otherwise.

        Keeps the encoder columns, decoder rows and decoder bias entries of ``keep`` in ascending order,
        matching :meth:`gradiend.model.ParamMap.select` with the same ``keep``.
        """
        index = normalize_keep(keep, self.input_dim).to(self.device)
        config = {**self.config, "input_dim": int(index.numel())}
        selected = GradiendModel.from_config(config, device="meta")
        tensors = {
            "encoder.weight": self.encoder.weight.detach()[:, index],
            "encoder.bias": self.encoder.bias.detach().clone(),
            "decoder.weight": self.decoder.weight.detach()[index],
        }
        if self.decoder.bias is not None:
            tensors["decoder.bias"] = self.decoder.bias.detach()[index]
        selected.set_weights_(tensors)
        return selected

    def set_weights_(self, tensors: Mapping[str, torch.Tensor]) -> None:
        """Replace the weights by ``tensors`` (keys of :func:`gradiend_weight_shapes`), cast to :attr:`dtype`.

        Works on a network created on the ``meta`` device (no storage is allocated twice).
        """
        expected = gradiend_weight_shapes(self.config)
        if set(tensors) != set(expected):
            raise ValueError(f"tensors must have exactly the keys {sorted(expected)}, got {sorted(tensors)}")
        layers = {"encoder": self.encoder, "decoder": self.decoder}
        dtype = self.dtype
        for name, tensor in tensors.items():
            if tuple(tensor.shape) != expected[name]:
                raise ValueError(f"{name} must have shape {list(expected[name])}, got {list(tensor.shape)}")
            layer_name, attr = name.split(".")
            weight = nn.Parameter(tensor.detach().to(dtype).contiguous())
            layers[layer_name].register_parameter(attr, weight)

    # --- persistence ---------------------------------------------------------------------------------

    def weight_tensors(self) -> dict[str, torch.Tensor]:
        """The weights by their checkpoint names (detached, not copied)."""
        return {name: tensor.detach() for name, tensor in self.state_dict().items()}

    def save_pretrained(self, directory: PathLike) -> Path:
        """Write the bare network atomically: ``model.safetensors`` + ``gradiend_config.json``.

        An earlier save at ``directory`` is replaced as a whole; a non-empty directory holding no
        GRADIEND save is refused (FileExistsError).
        """
        check_replaceable(directory)
        with atomic_directory(directory) as tmp:
            atomic_save_safetensors(tmp / WEIGHTS_FILE, self.weight_tensors(), metadata={"format": "pt"})
            atomic_write_json(tmp / NETWORK_CONFIG_FILE, {**self.config, "format_version": FORMAT_VERSION})
        logger.info("saved GRADIEND network (n=%d, k=%d) to %s", self.input_dim, self.latent_dim, directory)
        return Path(directory)

    @classmethod
    def from_pretrained(cls, directory: PathLike, device: torch.device | str = "cpu") -> GradiendModel:
        """Load a network saved by :meth:`save_pretrained` (or the network of a full GRADIEND checkpoint)."""
        root = Path(directory)
        network_config = read_network_config(root)
        tensors = load_safetensors(root / WEIGHTS_FILE, device)
        check_finite_tensors(tensors, root / WEIGHTS_FILE)
        return network_from_tensors(network_config, tensors, root)


def network_from_tensors(
    network_config: Mapping[str, Any], tensors: Mapping[str, torch.Tensor], source: Path
) -> GradiendModel:
    """Build a network from a validated config and loaded tensors (extra tensors are ignored).

    Raises:
        CheckpointError: the config names an unknown activation or dtype (``source`` is named).
    """
    try:
        network = GradiendModel.from_config(network_config, device="meta")
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{source}: invalid GRADIEND network config: {err}") from err
    names = gradiend_weight_shapes(network_config)
    # Fresh copies: loaded tensors are unaligned slices of one buffer, which changes the float
    # summation order of the matrix kernels (and so the last bits of an encoding).
    network.set_weights_({name: tensors[name].clone() for name in names})
    return network


__all__ = [
    "ACTIVATIONS",
    "ACTIVATION_ALIASES",
    "DTYPES",
    "IMPORTANCE_PARTS",
    "ODD_ACTIVATIONS",
    "GradiendModel",
    "canonical_activation",
    "dtype_name",
    "network_from_tensors",
    "resolve_dtype",
]
