"""Result caching under the experiment directory: keyed by a fingerprint of everything that matters.

A cache entry's key hashes the trainer's fingerprint (base model id, pair, the arguments that change
results, the data's content) together with the entry's own inputs (e.g. the GRADIEND weights' digest,
split and sizes). Files are written atomically; a corrupt or truncated file is reported as a warning
naming it and the result is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from gradiend.arguments import OUTPUT_ONLY_ARGUMENTS, RUN_ONLY_ARGUMENTS
from gradiend.utils.atomic import atomic_write_json

logger = logging.getLogger(__name__)

IRRELEVANT_ARGUMENTS: frozenset[str] = RUN_ONLY_ARGUMENTS - OUTPUT_ONLY_ARGUMENTS
"""Arguments that never change a result besides the output-only ones (paths, retention, execution engine).

Derived from each ``TrainingArguments`` field's declared effect (:mod:`gradiend.arguments.effects`).
"""


def stable_hash(value: Any, length: int = 16) -> str:
    """A short hex digest of a JSON-able value (keys sorted; other objects by ``str``)."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def tensor_digest(tensors: Iterable[torch.Tensor]) -> str:
    """A digest of tensors' exact contents (dtype, shape and bytes)."""
    digest = hashlib.blake2b(digest_size=16)
    for tensor in tensors:
        data = tensor.detach().cpu().contiguous()
        digest.update(f"{data.dtype}{tuple(data.shape)}".encode())
        digest.update(data.view(torch.uint8).numpy().tobytes() if data.numel() else b"")
    return digest.hexdigest()


def frame_digest(frame: pd.DataFrame) -> str:
    """A digest of a DataFrame's content (columns and values, order-sensitive)."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object:
            safe[column] = safe[column].map(repr)
    values = pd.util.hash_pandas_object(safe, index=False).to_numpy()
    digest = hashlib.blake2b(values.tobytes(), digest_size=16)
    digest.update(json.dumps([str(c) for c in frame.columns]).encode())
    return digest.hexdigest()


class ResultCache:
    """JSON files of cached results in one directory.

    Args:
        directory: where the cache files live (created on first write).
        fingerprint: the trainer's fingerprint; part of every key.
    """

    def __init__(self, directory: Path, fingerprint: str) -> None:
        self.directory = Path(directory)
        self.fingerprint = fingerprint
        self.hits = 0
        self.misses = 0

    def key(self, kind: str, **parts: Any) -> str:
        """The file stem of an entry of ``kind`` computed from ``parts``."""
        return f"{kind}-{stable_hash([self.fingerprint, parts])}"

    def path(self, key: str) -> Path:
        """The file of an entry."""
        return self.directory / f"{key}.json"

    def load_json(self, key: str) -> Any | None:
        """The cached value, or ``None`` when missing or unreadable (then a warning names the file)."""
        path = self.path(key)
        if not path.exists():
            self.misses += 1
            return None
        try:
            value = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            logger.warning("cache file %s is corrupt or truncated (%s): recomputing", path, error)
            self.misses += 1
            return None
        self.hits += 1
        return value

    def save_json(self, key: str, value: Any) -> Path:
        """Write an entry atomically."""
        return atomic_write_json(self.path(key), value)

    def load_frame(self, key: str) -> pd.DataFrame | None:
        """A cached DataFrame (stored as columns + records), or ``None``."""
        value = self.load_json(key)
        if value is None:
            return None
        if not isinstance(value, dict) or "columns" not in value or "records" not in value:
            logger.warning("cache file %s does not hold a table: recomputing", self.path(key))
            self.hits -= 1
            self.misses += 1
            return None
        return pd.DataFrame.from_records(value["records"], columns=value["columns"])

    def save_frame(self, key: str, frame: pd.DataFrame) -> Path:
        """Write a DataFrame entry atomically."""
        records = json.loads(frame.to_json(orient="records"))
        return self.save_json(key, {"columns": [str(c) for c in frame.columns], "records": records})


def relevant_arguments(arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments that change results (for fingerprints): every one not declared run-only."""
    return {k: v for k, v in arguments.items() if k not in RUN_ONLY_ARGUMENTS}


__all__ = [
    "IRRELEVANT_ARGUMENTS",
    "ResultCache",
    "frame_digest",
    "relevant_arguments",
    "stable_hash",
    "tensor_digest",
]
