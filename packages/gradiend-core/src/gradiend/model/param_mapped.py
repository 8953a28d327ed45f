"""``ParamMappedGradiendModel``: a GRADIEND network together with its parameter map (published name).

Here the network (:class:`~gradiend.model.gradiend.GradiendModel`) and the map of base-model parameters
(:class:`~gradiend.model.param_map.ParamMap`) are separate objects; this class bundles them with the
published constructor, for scripts that build one directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from gradiend.model.gradiend import GradiendModel
from gradiend.model.param_map import ParamMap

_ACTIVATION_ALIASES = {"id": "identity"}


def param_map_from_spec(spec: ParamMap | Mapping[str, Mapping[str, Any]]) -> ParamMap:
    """A ParamMap from the published spec ``{name: {"shape": ..., "repr": "all"|"mask"|"indices", ...}}``.

    Raises:
        ValueError: an entry lacks ``shape`` or has another ``repr``.
    """
    if isinstance(spec, ParamMap):
        return spec
    names, shapes, indices = [], [], {}
    for name, entry in spec.items():
        if "shape" not in entry:
            raise ValueError(f"param_map entry {name!r} needs a 'shape'")
        kind = entry.get("repr", "all")
        names.append(name)
        shapes.append([int(d) for d in entry["shape"]])
        if kind == "mask":
            indices[name] = torch.as_tensor(entry["mask"]).bool().flatten().nonzero().flatten()
        elif kind == "indices":
            indices[name] = torch.as_tensor(entry["indices"]).long().flatten()
        elif kind != "all":
            raise ValueError(
                f"param_map entry {name!r}: repr must be 'all', 'mask' or 'indices', got {kind!r}"
            )
    return ParamMap(names, shapes, indices)


class ParamMappedGradiendModel(GradiendModel):
    """A GRADIEND network whose input entries are named base-model parameters.

    Args:
        input_dim: length of the GRADIEND input (must equal the map's size).
        latent_dim: number of features.
        param_map: a :class:`ParamMap` or the published spec dict (see :func:`param_map_from_spec`).
        activation_encoder / activation_decoder: activations (``"id"`` means ``"identity"``).
        bias_decoder: whether the decoder has a bias.
        torch_dtype: dtype of the weights.
        device: device of the weights.

    Raises:
        ValueError: ``input_dim`` differs from the map's number of entries.
    """

    def __init__(
        self,
        input_dim: int,
        latent_dim: int,
        param_map: ParamMap | Mapping[str, Mapping[str, Any]],
        activation_encoder: str = "tanh",
        activation_decoder: str = "id",
        bias_decoder: bool = True,
        torch_dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        mapping = param_map_from_spec(param_map)
        if mapping.size != input_dim:
            raise ValueError(f"input_dim={input_dim} but the param_map selects {mapping.size} entries")
        super().__init__(
            input_dim,
            latent_dim=latent_dim,
            activation_encoder=_ACTIVATION_ALIASES.get(activation_encoder, activation_encoder),
            activation_decoder=_ACTIVATION_ALIASES.get(activation_decoder, activation_decoder),
            bias_decoder=bias_decoder,
            dtype=torch_dtype,
            device=device,
        )
        self.param_map = mapping

    def extract_gradients(self, model: nn.Module) -> torch.Tensor:
        """The mapped entries of ``model``'s parameter gradients (``.grad``), flattened in map order."""
        return self.param_map.gather_grads(model)

    def flatten_gradient_dict(self, grad_dict: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The GRADIEND input from ``{parameter name: full gradient}``.

        Raises:
            KeyError: a mapped parameter is missing from ``grad_dict``.
        """
        missing = [n for n in self.param_map.names if n not in grad_dict]
        if missing:
            raise KeyError(f"grad_dict lacks the mapped parameter(s) {missing}")
        return self.param_map.flatten([grad_dict[n] for n in self.param_map.names])

    @property
    def unpruned_length(self) -> int:
        """Entries of the mapped parameters before any pruning."""
        return self.param_map.full_size


__all__ = ["ParamMappedGradiendModel", "param_map_from_spec"]
