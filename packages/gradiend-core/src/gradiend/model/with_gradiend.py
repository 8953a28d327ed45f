"""ModelWithGradiend: a base model, its GRADIEND network and the map between them.

This is what ``trainer.get_model()`` returns. It encodes flat gradient vectors, computes the decoder
direction, rewrites the base model (theta += lr * decoder(f) on the mapped parameters) and saves or
loads GRADIEND checkpoints (the base model itself is never saved: the modality loads it again from
``base_model_id``).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeAlias

import torch
from torch import nn

from gradiend.model.card import MODEL_CARD_FILE, build_model_card
from gradiend.model.checkpoint import (
    ARCHITECTURE,
    CONFIG_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    TRAINING_ARGS_FILE,
    TRAINING_STATS_FILE,
    WEIGHTS_DIGEST_KEY,
    WEIGHTS_FILE,
    CheckpointError,
    check_finite_tensors,
    check_replaceable,
    file_sha256,
    load_safetensors,
    read_checkpoint_config,
)
from gradiend.model.gradiend import GradiendModel, network_from_tensors
from gradiend.model.param_map import ParamMap
from gradiend.utils.atomic import (
    PathLike,
    atomic_directory,
    atomic_save_safetensors,
    atomic_write_json,
    atomic_write_text,
)

logger = logging.getLogger(__name__)

DeviceLike: TypeAlias = torch.device | str | int


def _as_device(device: DeviceLike) -> torch.device:
    return torch.device(f"cuda:{device}") if isinstance(device, int) else torch.device(device)


class ModelWithGradiend:
    """A base model with a GRADIEND network over the parameters a :class:`ParamMap` selects.

    Args:
        base_model: the network whose gradients GRADIEND reads.
        gradiend: the encoder-decoder; its ``input_dim`` must equal ``param_map.size``.
        param_map: which parameters (and entries) of ``base_model`` form the GRADIEND input.
        base_model_id: how the modality loads the base model again (hub id or local path).
        metadata: JSON-able extra information stored in the checkpoint config.
    """

    def __init__(
        self,
        base_model: nn.Module,
        gradiend: GradiendModel,
        param_map: ParamMap,
        base_model_id: str,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        if gradiend.input_dim != param_map.size:
            raise ValueError(
                f"gradiend.input_dim ({gradiend.input_dim}) must equal param_map.size ({param_map.size})"
            )
        if not isinstance(base_model_id, str):
            raise TypeError(f"base_model_id must be a string (hub id or path), got {base_model_id!r}")
        param_map.parameters(base_model)
        self.base_model = base_model
        self.gradiend = gradiend
        self.param_map = param_map
        self.base_model_id = base_model_id
        self.metadata: dict[str, Any] = dict(metadata or {})

    def __repr__(self) -> str:
        return (
            f"ModelWithGradiend(base_model_id={self.base_model_id!r}, "
            f"base_model={type(self.base_model).__name__}, "
            f"gradiend={self.gradiend.config}, param_map={self.param_map!r})"
        )

    # --- devices ---------------------------------------------------------------------------------------

    @property
    def device(self) -> torch.device:
        """Device of the base model's first parameter (CPU for a model without parameters)."""
        first = next(self.base_model.parameters(), None)
        return torch.device("cpu") if first is None else first.device

    @property
    def gradiend_device(self) -> torch.device:
        """Device of the GRADIEND network."""
        return self.gradiend.device

    def to(self, device: DeviceLike) -> ModelWithGradiend:
        """Move the base model and the GRADIEND network to ``device``; returns self."""
        target = _as_device(device)
        self.base_model.to(target)
        self.gradiend.to(target)
        return self

    def cpu(self) -> ModelWithGradiend:
        """Move both networks to the CPU; returns self."""
        return self.to("cpu")

    def cuda(self, device: DeviceLike | None = None) -> ModelWithGradiend:
        """Move both networks to CUDA (``None``: the current CUDA device, int N: ``cuda:N``); returns self."""
        return self.to("cuda" if device is None else device)

    def gradiend_to(self, device: DeviceLike) -> ModelWithGradiend:
        """Move only the GRADIEND network (e.g. to another GPU than the base model); returns self."""
        self.gradiend.to(_as_device(device))
        return self

    # --- encoding and rewriting --------------------------------------------------------------------------

    def encode_gradient(self, vec: torch.Tensor) -> torch.Tensor:
        """Feature values h [..., k] of flat gradient vectors ``vec`` [..., n].

        ``vec`` is moved to the GRADIEND device and cast to its dtype.

        Autograd follows the caller's mode: wrap in ``torch.no_grad()`` for evaluation.
        """
        return self.gradiend.encode(vec)

    def decoder_delta(self, feature_factor: float | Sequence[float]) -> torch.Tensor:
        """The float32 direction decoder(f) [n] that a rewrite adds, scaled by its learning rate."""
        return self.gradiend.decoder_direction(feature_factor)

    def rewrite(self, feature_factor: float, learning_rate: float, inplace: bool = False) -> nn.Module:
        """Add learning_rate * decoder(feature_factor) to the mapped parameters (theta += lr * d).

        Returns a rewritten deep copy of the base model, or the base model itself when ``inplace``.
        """
        target = self.base_model if inplace else copy.deepcopy(self.base_model)
        self.param_map.apply_delta_(target, self.decoder_delta(feature_factor), float(learning_rate))
        return target

    # --- persistence -----------------------------------------------------------------------------------

    def checkpoint_config(self) -> dict[str, Any]:
        """The ``config.json`` content of a checkpoint of this model."""
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "architecture": ARCHITECTURE,
            "gradiend": self.gradiend.config,
            "param_map": self.param_map.to_dict(),
            "base_model_id": self.base_model_id,
            "metadata": self.metadata,
        }

    def save_pretrained(
        self,
        output_dir: PathLike,
        *,
        training_stats: Mapping[str, Any] | None = None,
        arguments: Mapping[str, Any] | None = None,
    ) -> Path:
        """Write a GRADIEND checkpoint directory atomically; returns its path.

        Files: ``model.safetensors`` (weights and pruning indices), ``config.json``, the model card
        ``README.md`` (see :mod:`gradiend.model.card`), and ``training.json`` / ``training_args.json``
        when given. An existing checkpoint at
        ``output_dir`` is replaced as a whole (it survives intact if writing fails); a non-empty
        directory that is not a GRADIEND checkpoint is refused rather than overwritten.
        """
        root = Path(output_dir)
        check_replaceable(root)
        tensors = {**self.gradiend.weight_tensors(), **self.param_map.index_tensors()}
        with atomic_directory(root) as tmp:
            atomic_save_safetensors(tmp / WEIGHTS_FILE, tensors, metadata={"format": "pt"})
            config = {**self.checkpoint_config(), WEIGHTS_DIGEST_KEY: file_sha256(tmp / WEIGHTS_FILE)}
            atomic_write_json(tmp / CONFIG_FILE, config)
            if training_stats is not None:
                atomic_write_json(tmp / TRAINING_STATS_FILE, dict(training_stats))
            if arguments is not None:
                atomic_write_json(tmp / TRAINING_ARGS_FILE, dict(arguments))
            card = build_model_card(self.checkpoint_config(), training_stats, arguments)
            atomic_write_text(tmp / MODEL_CARD_FILE, card)
        logger.debug("saved GRADIEND checkpoint (n=%d) to %s", self.param_map.size, root)
        return root

    def push_to_hub(self, repo_id: str, **kwargs: Any) -> str:
        """Save this GRADIEND (with its model card) to a temporary folder and upload it to ``repo_id``.

        Keyword arguments go to :func:`gradiend.model.hub.push_to_hub` (``private``, ``token``...). To
        publish a trained run with its statistics in the card, use ``trainer.push_to_hub(repo_id)``.
        """
        import tempfile

        from gradiend.model.hub import push_to_hub

        with tempfile.TemporaryDirectory(prefix="gradiend-save-") as scratch:
            directory = self.save_pretrained(Path(scratch) / "model")
            return push_to_hub(directory, repo_id, **kwargs)

    @classmethod
    def from_pretrained(
        cls, directory: PathLike, base_model: nn.Module | None = None, *, device: DeviceLike | None = None
    ) -> ModelWithGradiend:
        """Load a checkpoint written by :meth:`save_pretrained`, onto ``base_model`` when given.

        Without ``base_model`` the base model is loaded from the checkpoint's ``base_model_id`` through
        the modality plugin recorded at save time (``metadata["modality"]``, e.g. ``"text"``).
        The GRADIEND network is placed on ``device`` (default: the base model's device).

        Raises:
            CheckpointError: the directory is not a valid checkpoint, the base model lacks a mapped
                parameter or has a different shape for one, or (without ``base_model``) the checkpoint
                records no modality.
        """
        root = Path(directory)
        config = read_checkpoint_config(root)
        if base_model is None:
            base_model = load_recorded_base_model(root, config)
        tensors = load_safetensors(root / WEIGHTS_FILE)
        check_finite_tensors(tensors, root / WEIGHTS_FILE)
        gradiend = network_from_tensors(config["gradiend"], tensors, root / CONFIG_FILE)
        try:
            param_map = ParamMap.from_dict(config["param_map"], tensors)
        except (KeyError, TypeError, ValueError) as err:
            raise CheckpointError(f"{root / CONFIG_FILE}: invalid param_map: {err}") from err
        metadata = config.get("metadata") or {}
        try:
            model = cls(base_model, gradiend, param_map, str(config["base_model_id"]), metadata)
        except ValueError as err:
            raise CheckpointError(f"the base model does not fit the checkpoint {root}: {err}") from err
        model.gradiend_to(model.device if device is None else device)
        return model


def load_recorded_base_model(directory: Path, config: Mapping[str, Any]) -> nn.Module:
    """The base model a checkpoint names, loaded by the modality plugin recorded in its metadata."""
    from gradiend.hooks.registry import get_registry

    base_id = str(config["base_model_id"])
    modality = (config.get("metadata") or {}).get("modality")
    if not isinstance(modality, str):
        raise CheckpointError(
            f"{directory / CONFIG_FILE} records no modality (metadata['modality']), so its base model "
            f"{base_id!r} cannot be loaded here: pass base_model=... to from_pretrained"
        )
    trainer_cls = get_registry().trainer_class(modality)
    loader = getattr(trainer_cls, "load_checkpoint_base_model", None)
    if loader is None:
        raise CheckpointError(f"modality {modality!r} cannot load base models alone: pass base_model=...")
    model = loader(base_id, directory)
    if not isinstance(model, nn.Module):
        raise CheckpointError(f"modality {modality!r} returned {type(model).__name__}, not a torch model")
    return model


__all__ = ["ModelWithGradiend", "load_recorded_base_model"]
