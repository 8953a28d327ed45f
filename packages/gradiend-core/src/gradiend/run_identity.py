"""Run identity: one fingerprint of everything that decides a run's result.

Every reuse of something on disk (a finished seed, a trained model, an evaluation cache entry) compares
the identity it was written with against the current one. The identity covers

* the library's result-format version (:data:`RESULT_FORMAT_VERSION`),
* the modality (trainer class),
* the class pair *and its order* (the first class encodes +1),
* the data's content (the modality's ``data_fingerprint``),
* the base model by content: its files (config and weights) for a local path, its parameters and
  config for an in-memory model or a hub id; a path alone is never identity,
* the arguments that change results (each ``TrainingArguments`` field declares its effect; see
  :mod:`gradiend.arguments.effects`).

Hashing the weight files of a local base model is done once: the digest is kept in
``base_model_identity.json`` next to the run, keyed by each file's path, size and modification time,
so a changed file (new weights under the same path) is hashed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gradiend.arguments import DECODER_EVALUATION_ARGUMENTS, RUN_ONLY_ARGUMENTS, SEED_SELECTION_ARGUMENTS
from gradiend.caching import relevant_arguments, stable_hash, tensor_digest
from gradiend.utils.atomic import atomic_write_json

logger = logging.getLogger(__name__)

RESULT_FORMAT_VERSION = 1
"""Version of what a run writes; a run of another version is never reused."""

BASE_MODEL_IDENTITY_FILE = "base_model_identity.json"
"""The file (beside the run) that keeps the digests of local base-model files."""

METADATA_KEY = "run_identity"
"""Key of the identity in a checkpoint's ``config.json`` metadata."""

SELECTION_ARGUMENTS: frozenset[str] = SEED_SELECTION_ARGUMENTS
"""Arguments that choose among seeds but do not change one seed's training (ignored for seed reuse)."""


_MEMO: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class RunIdentity:
    """What decides a run's result; stored in each checkpoint's metadata and compared on reuse."""

    modality: str
    target_classes: tuple[str, ...]
    base_model: str
    base_model_name: str
    data: str
    arguments: dict[str, Any] = field(default_factory=dict)
    format_version: int = RESULT_FORMAT_VERSION

    def to_dict(self) -> dict[str, Any]:
        """The JSON form written into checkpoints."""
        return {
            "format_version": self.format_version,
            "modality": self.modality,
            "target_classes": list(self.target_classes),
            "base_model": self.base_model,
            "base_model_name": self.base_model_name,
            "data": self.data,
            "arguments": dict(self.arguments),
        }

    def digest(self) -> str:
        """A short digest of the whole identity (used as the cache fingerprint)."""
        return stable_hash({k: v for k, v in self.to_dict().items() if k != "base_model_name"})


class RunIdentityError(ValueError):
    """Something on disk was written by a run with another identity and cannot be reused."""


def identity_differences(stored: Any, current: RunIdentity, *, for_seed: bool = False) -> list[str]:
    """Readable names of what differs between a stored identity and ``current`` (empty: the same run).

    Arguments read only by the decoder evaluation never make a trained model another run's;
    ``for_seed`` also ignores the seed-selection arguments (a finished seed stays valid when only
    ``max_seeds`` or the convergence thresholds change).
    """
    if not isinstance(stored, Mapping):
        return ["run identity (the files were written without one, e.g. by an older gradiend)"]
    now = current.to_dict()
    differences: list[str] = []
    if stored.get("format_version") != now["format_version"]:
        differences.append(
            f"result format version (stored {stored.get('format_version')!r}, now {now['format_version']})"
        )
    if stored.get("modality") != now["modality"]:
        differences.append(f"modality (stored {stored.get('modality')!r}, now {now['modality']!r})")
    if list(stored.get("target_classes") or []) != now["target_classes"]:
        differences.append(
            f"target_classes (stored {stored.get('target_classes')}, now {now['target_classes']}; "
            "the order matters)"
        )
    if stored.get("base_model") != now["base_model"]:
        differences.append(
            f"base model (stored {stored.get('base_model_name')!r} with content {stored.get('base_model')}, "
            f"now {now['base_model_name']!r} with content {now['base_model']})"
        )
    if stored.get("data") != now["data"]:
        differences.append(f"data (content digest stored {stored.get('data')}, now {now['data']})")
    changed = _changed_arguments(stored.get("arguments"), now["arguments"], for_seed=for_seed)
    if changed:
        differences.append(f"arguments ({'; '.join(changed)})")
    return differences


def _changed_arguments(stored: Any, current: dict[str, Any], *, for_seed: bool) -> list[str]:
    stored_args = dict(stored) if isinstance(stored, Mapping) else {}
    ignored = DECODER_EVALUATION_ARGUMENTS | RUN_ONLY_ARGUMENTS
    if for_seed:
        ignored |= SELECTION_ARGUMENTS
    names = sorted((set(stored_args) | set(current)) - ignored)
    return [
        f"{name}: {stored_args.get(name)!r} -> {current.get(name)!r}"
        for name in names
        if json.dumps(stored_args.get(name), sort_keys=True, default=str)
        != json.dumps(current.get(name), sort_keys=True, default=str)
    ]


def mismatch_message(where: Path | str, differences: list[str]) -> str:
    """The error text of a reuse refused: where, what differs, and the two ways out."""
    listed = "\n  - ".join(differences)
    return (
        f"{where} holds the result of another run; what differs:\n  - {listed}\n"
        "Either give this run its own place (a new experiment_dir, or a run_id), or pass "
        "TrainingArguments(overwrite_output_dir=True) to replace the earlier result."
    )


def check_identity(where: Path | str, stored: Any, current: RunIdentity, *, for_seed: bool = False) -> None:
    """Raise :class:`RunIdentityError` naming what differs when ``stored`` is not ``current``."""
    differences = identity_differences(stored, current, for_seed=for_seed)
    if differences:
        raise RunIdentityError(mismatch_message(where, differences))


def result_arguments(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments that change a result, in JSON form."""
    return relevant_arguments(json.loads(json.dumps(dict(arguments), default=str)))


# --- the base model's identity by content ------------------------------------------------------------


def module_digest(model: nn.Module) -> str:
    """A digest of a model's parameters and buffers (names, dtypes, shapes, bytes) and its config."""
    state = model.state_dict()
    names = sorted(state)
    digest = hashlib.blake2b(digest_size=16)
    digest.update(json.dumps(names).encode())
    digest.update(tensor_digest(_as_tensor(state[name]) for name in names).encode())
    config = model.__dict__.get("config")
    to_dict = getattr(config, "to_dict", None)
    if callable(to_dict):
        values = {k: v for k, v in to_dict().items() if k not in {"_name_or_path", "transformers_version"}}
        digest.update(json.dumps(values, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _as_tensor(value: Any) -> torch.Tensor:
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(value)


def _file_stats(root: Path) -> list[list[Any]]:
    """``[relative path, size, mtime_ns]`` of every (non-hidden) file of a model path."""
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    stats = []
    for path in files:
        relative = path.name if root.is_file() else str(path.relative_to(root))
        if any(part.startswith(".") for part in Path(relative).parts):
            continue
        info = path.stat()
        stats.append([relative, info.st_size, info.st_mtime_ns])
    return stats


def _hash_files(root: Path, stats: list[list[Any]]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for relative, _size, _mtime in stats:
        path = root if root.is_file() else root / relative
        digest.update(f"{relative}\0".encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 22), b""):
                digest.update(block)
    return digest.hexdigest()


def path_digest(path: str | os.PathLike[str], store_dir: Path | None = None) -> str:
    """The content digest of a local model path, hashed once and kept in ``store_dir``.

    The stored digest is reused only while every file keeps its size and modification time.
    """
    root = Path(path).resolve()
    stats = _file_stats(root)
    key = stable_hash(stats, length=32)
    memo_key = (str(root), key)
    if memo_key in _MEMO:
        return _MEMO[memo_key]
    store = _read_store(store_dir)
    entry = store.get(str(root))
    if isinstance(entry, Mapping) and entry.get("stats_key") == key and isinstance(entry.get("digest"), str):
        digest = str(entry["digest"])
    else:
        logger.info("hashing the base model files at %s (once; kept in %s)", root, BASE_MODEL_IDENTITY_FILE)
        digest = _hash_files(root, stats)
        if store_dir is not None:
            store[str(root)] = {"stats_key": key, "files": stats, "digest": digest}
            atomic_write_json(store_dir / BASE_MODEL_IDENTITY_FILE, store)
    _MEMO[memo_key] = digest
    return digest


def _read_store(store_dir: Path | None) -> dict[str, Any]:
    if store_dir is None:
        return {}
    path = store_dir / BASE_MODEL_IDENTITY_FILE
    if not path.is_file():
        return {}
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        logger.warning("%s is damaged (%s): hashing the base model again", path, error)
        return {}
    return dict(value) if isinstance(value, dict) else {}


def base_model_digest(spec: Any, load: Any, store_dir: Path | None = None) -> str:
    """The content digest of a base model given as ``spec``; ``load()`` returns the loaded module.

    A local path is hashed by its files (cached in ``store_dir``); anything else (a hub id, an
    in-memory module) by the loaded module's parameters and config.
    """
    if isinstance(spec, (str, os.PathLike)) and Path(spec).exists():
        return path_digest(spec, store_dir)
    return module_digest(load())


__all__ = [
    "BASE_MODEL_IDENTITY_FILE",
    "DECODER_EVALUATION_ARGUMENTS",
    "METADATA_KEY",
    "RESULT_FORMAT_VERSION",
    "SELECTION_ARGUMENTS",
    "RunIdentity",
    "RunIdentityError",
    "base_model_digest",
    "check_identity",
    "identity_differences",
    "mismatch_message",
    "module_digest",
    "path_digest",
    "result_arguments",
]
