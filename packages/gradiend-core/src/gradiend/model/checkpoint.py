"""The GRADIEND checkpoint format: file names, reading and validation.

A checkpoint written by :meth:`gradiend.model.ModelWithGradiend.save_pretrained` is a directory:

``model.safetensors``
    The GRADIEND weights (``encoder.weight`` [k, n], ``encoder.bias`` [k], ``decoder.weight``
    [n, k], ``decoder.bias`` [n] when the decoder has a bias) and, for a pruned parameter map, one
    integer tensor per pruned parameter named ``param_map.indices/<parameter name>`` holding the
    kept flat indices (int32 when they fit, else int64).
``config.json``
    ``{"format": "gradiend", "format_version": 1, "architecture": "GradiendModel",
    "gradiend": <network config>, "param_map": <ParamMap.to_dict()>, "base_model_id": ...,
    "metadata": {...}}``.
``training.json`` / ``training_args.json``
    Optional training statistics and arguments.
``README.md``
    The model card (:mod:`gradiend.model.card`); ``card_results.json`` holds the evaluation results
    that completed it (held-out correlation, selected rewrites).

The bare network (:meth:`gradiend.model.GradiendModel.save_pretrained`) writes
``model.safetensors`` and ``gradiend_config.json`` (the network config plus ``format_version``).
Every reading error is a :class:`CheckpointError` naming the file and what is wrong.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file

from gradiend.model.param_map import INDEX_KEY_PREFIX
from gradiend.utils.atomic import CheckpointError, PathLike

CONFIG_FILE = "config.json"
NETWORK_CONFIG_FILE = "gradiend_config.json"
WEIGHTS_FILE = "model.safetensors"
TRAINING_STATS_FILE = "training.json"
TRAINING_ARGS_FILE = "training_args.json"
FORMAT_NAME = "gradiend"
FORMAT_VERSION = 1
ARCHITECTURE = "GradiendModel"

NETWORK_CONFIG_KEYS: tuple[str, ...] = (
    "input_dim",
    "latent_dim",
    "activation_encoder",
    "activation_decoder",
    "bias_decoder",
    "dtype",
)
_CHECKPOINT_KEYS: tuple[str, ...] = ("gradiend", "param_map", "base_model_id")


def gradiend_weight_shapes(network_config: Mapping[str, Any]) -> dict[str, tuple[int, ...]]:
    """The tensor names and shapes a GRADIEND network with ``network_config`` stores."""
    n, k = int(network_config["input_dim"]), int(network_config["latent_dim"])
    shapes: dict[str, tuple[int, ...]] = {
        "encoder.weight": (k, n),
        "encoder.bias": (k,),
        "decoder.weight": (n, k),
    }
    if network_config["bias_decoder"]:
        shapes["decoder.bias"] = (n,)
    return shapes


def read_json_file(path: Path) -> Any:
    """Parse one JSON file, raising :class:`CheckpointError` naming it when it is missing or corrupt."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CheckpointError(f"{path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise CheckpointError(f"cannot read {path}: {err}") from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise CheckpointError(f"{path} is not valid JSON (corrupt or truncated): {err}") from err


def read_safetensors_header(path: Path) -> dict[str, tuple[tuple[int, ...], str]]:
    """``{tensor name: (shape, dtype)}`` from a safetensors header, without reading the tensor data.

    The safetensors reader checks that the file is exactly as long as its header says, so a
    truncated file fails here.
    """
    if not path.is_file():
        raise CheckpointError(f"{path} is missing: a GRADIEND checkpoint stores its weights there")
    try:
        with safe_open(str(path), framework="pt") as handle:
            entries = {}
            for key in handle.keys():  # noqa: SIM118 - safe_open handles are not iterable
                tensor_slice = handle.get_slice(key)
                entries[key] = (
                    tuple(int(d) for d in tensor_slice.get_shape()),
                    str(tensor_slice.get_dtype()),
                )
            return entries
    except SafetensorError as err:
        raise CheckpointError(
            f"{path} is not a readable safetensors file (corrupt or truncated): {err}"
        ) from err


def load_safetensors(path: Path, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
    """Load every tensor of a safetensors file; a corrupt or truncated file raises CheckpointError."""
    if not path.is_file():
        raise CheckpointError(f"{path} is missing: a GRADIEND checkpoint stores its weights there")
    try:
        return load_file(str(path), device=str(device))
    except SafetensorError as err:
        raise CheckpointError(
            f"{path} is not a readable safetensors file (corrupt or truncated): {err}"
        ) from err


def check_network_config(config: Any, source: Path) -> dict[str, Any]:
    """Validate the keys and value types of a network config read from ``source``; returns it as a dict."""
    if not isinstance(config, Mapping):
        raise CheckpointError(f"{source}: the GRADIEND network config must be an object, got {config!r}")
    missing = [key for key in NETWORK_CONFIG_KEYS if key not in config]
    if missing:
        raise CheckpointError(f"{source}: the GRADIEND network config lacks {missing}")
    for key in ("input_dim", "latent_dim"):
        value = config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CheckpointError(f"{source}: {key} must be an integer >= 1, got {value!r}")
    for key in ("activation_encoder", "activation_decoder", "dtype"):
        if not isinstance(config[key], str):
            raise CheckpointError(f"{source}: {key} must be a string, got {config[key]!r}")
    if not isinstance(config["bias_decoder"], bool):
        raise CheckpointError(f"{source}: bias_decoder must be true or false, got {config['bias_decoder']!r}")
    return dict(config)


def check_weight_shapes(
    header: Mapping[str, tuple[tuple[int, ...], str]], network_config: Mapping[str, Any], path: Path
) -> None:
    """Check that ``path`` holds every GRADIEND weight with the shape ``network_config`` implies."""
    for name, shape in gradiend_weight_shapes(network_config).items():
        if name not in header:
            raise CheckpointError(f"{path} lacks the tensor {name!r} (stored: {sorted(header)})")
        if header[name][0] != shape:
            raise CheckpointError(
                f"{path}: shape mismatch for {name!r}: the config implies {list(shape)}, "
                f"the file holds {list(header[name][0])}"
            )


def check_param_map_entry(
    param_map: Any, header: Mapping[str, tuple[tuple[int, ...], str]], input_dim: int, source: Path
) -> None:
    """Check a stored parameter map against the index tensors and the GRADIEND input size."""
    if not isinstance(param_map, Mapping):
        raise CheckpointError(f"{source}: param_map must be an object, got {param_map!r}")
    names, shapes = param_map.get("names"), param_map.get("shapes")
    kept = param_map.get("kept", {})
    if not isinstance(names, list) or not isinstance(shapes, list) or len(names) != len(shapes):
        raise CheckpointError(f"{source}: param_map needs lists 'names' and 'shapes' of equal length")
    if not isinstance(kept, Mapping) or not set(kept) <= set(names):
        raise CheckpointError(f"{source}: param_map 'kept' must map parameter names to index counts")
    total = 0
    for name, shape in zip(names, shapes, strict=True):
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise CheckpointError(
                f"{source}: param_map shape of {name!r} must be a list of sizes, got {shape!r}"
            )
        count = kept.get(name)
        if count is None:
            total += math.prod(int(d) for d in shape)
            continue
        key = INDEX_KEY_PREFIX + name
        if key not in header:
            raise CheckpointError(f"{source.parent / WEIGHTS_FILE} lacks the pruning indices {key!r}")
        if header[key][0] != (int(count),):
            raise CheckpointError(
                f"{source.parent / WEIGHTS_FILE}: shape mismatch for {key!r}: config.json says {count} kept "
                f"entries, the file holds {list(header[key][0])}"
            )
        total += int(count)
    if total != input_dim:
        raise CheckpointError(
            f"{source}: the parameter map selects {total} entries but the GRADIEND input_dim is {input_dim}"
        )


def read_checkpoint_config(directory: PathLike) -> dict[str, Any]:
    """Read and validate the ``config.json`` of a GRADIEND checkpoint directory.

    Checks the format name and version, the required keys, the network config, that
    ``model.safetensors`` is a complete safetensors file, and that the stored tensor shapes match the
    config (weights and pruning indices). The tensor data itself is not read.

    Raises:
        CheckpointError: naming the file and what is wrong.
    """
    root = Path(directory)
    config_path = root / CONFIG_FILE
    if not root.is_dir():
        raise CheckpointError(f"not a GRADIEND checkpoint: {root} is not a directory")
    if not config_path.is_file():
        raise CheckpointError(f"not a GRADIEND checkpoint: {root} has no {CONFIG_FILE}")
    config = read_json_file(config_path)
    _check_format(config, config_path)
    missing = [key for key in _CHECKPOINT_KEYS if key not in config]
    if missing:
        raise CheckpointError(f"{config_path} lacks the keys {missing}")
    network = check_network_config(config["gradiend"], config_path)
    weights_path = root / WEIGHTS_FILE
    header = read_safetensors_header(weights_path)
    check_weight_shapes(header, network, weights_path)
    check_param_map_entry(config["param_map"], header, network["input_dim"], config_path)
    return dict(config)


def read_network_config(directory: PathLike) -> dict[str, Any]:
    """The validated network config of a bare-network directory or of a full checkpoint directory."""
    root = Path(directory)
    network_path = root / NETWORK_CONFIG_FILE
    if network_path.is_file():
        stored = read_json_file(network_path)
        if not isinstance(stored, Mapping):
            raise CheckpointError(f"{network_path} must hold a JSON object, got {stored!r}")
        version = stored.get("format_version")
        if version != FORMAT_VERSION:
            raise CheckpointError(f"{network_path}: unsupported format_version {version!r} (supported: 1)")
        network = check_network_config(
            {k: v for k, v in stored.items() if k != "format_version"}, network_path
        )
        weights_path = root / WEIGHTS_FILE
        check_weight_shapes(read_safetensors_header(weights_path), network, weights_path)
        return network
    if (root / CONFIG_FILE).is_file():
        return dict(read_checkpoint_config(root)["gradiend"])
    raise CheckpointError(
        f"not a GRADIEND checkpoint: {root} has neither {NETWORK_CONFIG_FILE} nor {CONFIG_FILE}"
    )


def check_replaceable(directory: PathLike) -> None:
    """Refuse to overwrite anything but a new or empty directory or an earlier GRADIEND save.

    Raises:
        FileExistsError: ``directory`` is a file, or a non-empty directory holding no GRADIEND save.
    """
    root = Path(directory)
    if not root.exists():
        return
    if not root.is_dir():
        raise FileExistsError(f"output_dir {root} exists and is not a directory")
    is_network = (root / NETWORK_CONFIG_FILE).is_file()
    if any(root.iterdir()) and not (is_gradiend_checkpoint(root) or is_network):
        raise FileExistsError(
            f"refusing to replace {root}: it is not empty and not a GRADIEND checkpoint; "
            "choose a new or empty output_dir"
        )


WEIGHTS_DIGEST_KEY = "weights_sha256"
"""Key of the ``config.json`` entry holding the SHA-256 of ``model.safetensors`` (recorded at save)."""


def file_sha256(path: PathLike) -> str:
    """The SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checkpoint_weights(directory: PathLike) -> dict[str, Any]:
    """Validate a checkpoint and check its weights against the digest recorded when it was saved.

    Returns the config. A checkpoint written without a digest is checked for structure only.

    Raises:
        CheckpointError: naming the file when it is damaged, truncated or was changed after saving.
    """
    config = read_checkpoint_config(directory)
    recorded = config.get(WEIGHTS_DIGEST_KEY)
    if recorded is not None:
        weights = Path(directory) / WEIGHTS_FILE
        actual = file_sha256(weights)
        if actual != recorded:
            raise CheckpointError(
                f"{weights} is damaged: its SHA-256 {actual[:16]}... differs from the one recorded at save "
                f"({str(recorded)[:16]}...)"
            )
    return config


def check_finite_tensors(tensors: Mapping[str, torch.Tensor], path: Path) -> None:
    """Raise :class:`CheckpointError` naming the tensor when a floating tensor holds NaN or inf."""
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            bad = int((~torch.isfinite(tensor)).sum())
            raise CheckpointError(
                f"{path}: the tensor {name!r} holds {bad} NaN or infinite value(s); the checkpoint cannot be "
                "used (it was saved from a diverged training run or is damaged)"
            )


def is_gradiend_checkpoint(directory: PathLike) -> bool:
    """Whether ``directory`` holds a ``config.json`` that declares the GRADIEND format.

    A cheap test (the weights are not opened): a checkpoint with damaged weights still answers
    ``True`` so that loading it reports the damage instead of silently treating it as absent.
    """
    config_path = Path(directory) / CONFIG_FILE
    if not config_path.is_file():
        return False
    try:
        config = read_json_file(config_path)
    except CheckpointError:
        return False
    return isinstance(config, Mapping) and config.get("format") == FORMAT_NAME


def load_training_stats(directory: PathLike) -> dict[str, Any] | None:
    """The ``training.json`` statistics of a checkpoint, or ``None`` when it has none."""
    return _optional_json_object(Path(directory) / TRAINING_STATS_FILE)


def load_training_arguments(directory: PathLike) -> dict[str, Any] | None:
    """The ``training_args.json`` of a checkpoint, or ``None`` when it has none."""
    return _optional_json_object(Path(directory) / TRAINING_ARGS_FILE)


def _looks_like_path(spec: str) -> bool:
    """Whether a model spec is meant as a local path (hub ids look like ``name`` or ``org/name``)."""
    return (
        spec.startswith(("/", "./", "../", "~", ".\\", "..\\"))
        or "\\" in spec
        or spec.count("/") > 1
        or os.path.isabs(spec)
    )


def check_model_spec(spec: str) -> None:
    """Refuse a base-model spec that names a missing path or a GRADIEND checkpoint.

    Raises:
        FileNotFoundError: ``spec`` is a path (absolute, ``./``, ``../``, ``~`` or nested) that does not
            exist.
        ValueError: ``spec`` is a GRADIEND checkpoint directory (not a base model).
    """
    path = Path(spec).expanduser()
    if _looks_like_path(spec) and not path.exists():
        raise FileNotFoundError(f"model: the path {spec!r} does not exist (resolved: {path.resolve()})")
    if path.is_dir() and is_gradiend_checkpoint(path):
        raise ValueError(
            f"model={spec!r} is a GRADIEND checkpoint, not a base model: pass its base model as model= and "
            f"load the checkpoint with trainer.get_model(load_directory={spec!r})"
        )


def _optional_json_object(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    value = read_json_file(path)
    if not isinstance(value, dict):
        raise CheckpointError(f"{path} must hold a JSON object, got {type(value).__name__}")
    return value


def _check_format(config: Any, config_path: Path) -> None:
    if not isinstance(config, Mapping):
        raise CheckpointError(f"{config_path} must hold a JSON object, got {type(config).__name__}")
    if config.get("format") != FORMAT_NAME:
        raise CheckpointError(
            f"not a GRADIEND checkpoint: {config_path} has format {config.get('format')!r}, "
            f"expected {FORMAT_NAME!r}"
        )
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise CheckpointError(
            f"{config_path}: unsupported format_version {version!r}; this gradiend reads version "
            f"{FORMAT_VERSION} (a newer version was written by a newer gradiend)"
        )


__all__ = [
    "ARCHITECTURE",
    "CONFIG_FILE",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "INDEX_KEY_PREFIX",
    "NETWORK_CONFIG_FILE",
    "TRAINING_ARGS_FILE",
    "TRAINING_STATS_FILE",
    "WEIGHTS_DIGEST_KEY",
    "WEIGHTS_FILE",
    "CheckpointError",
    "check_finite_tensors",
    "check_model_spec",
    "check_network_config",
    "check_param_map_entry",
    "check_replaceable",
    "check_weight_shapes",
    "file_sha256",
    "gradiend_weight_shapes",
    "is_gradiend_checkpoint",
    "load_safetensors",
    "load_training_arguments",
    "load_training_stats",
    "read_checkpoint_config",
    "read_json_file",
    "read_network_config",
    "read_safetensors_header",
    "verify_checkpoint_weights",
]
