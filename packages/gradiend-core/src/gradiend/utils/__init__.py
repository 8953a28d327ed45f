"""Small shared utilities of the core (atomic file writes)."""

from gradiend.utils.atomic import (
    CheckpointError,
    atomic_directory,
    atomic_save_safetensors,
    atomic_write_bytes,
    atomic_write_json,
    atomic_write_text,
    json_default,
)

__all__ = [
    "CheckpointError",
    "atomic_directory",
    "atomic_save_safetensors",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "json_default",
]
