"""Names that become paths stay inside their folder; writers replace only their own kind of output.

* :func:`check_relative_name` guards ``run_id`` and similar names joined to ``experiment_dir``.
* :func:`check_path_component` guards a single folder name (e.g. a class name in ``rewritten/<class>``).
* :func:`check_rewrite_target` / :func:`mark_rewrite`: a rewritten base model's folder carries the
  marker file :data:`REWRITE_MARKER`; ``rewrite_base_model(output_dir=...)`` replaces only a new or
  empty folder or one holding that marker (never, say, the experiment directory).
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath
from typing import Any

from gradiend.utils.atomic import atomic_write_json

REWRITE_MARKER = "gradiend_rewrite.json"
"""Marker file in every folder written by ``rewrite_base_model``."""


def check_relative_name(value: str | None, field: str) -> str | None:
    """Return ``value`` when it is a relative path that stays inside its parent folder.

    Raises:
        ValueError: naming ``field``, for an empty name, an absolute path, a ``..`` part or a NUL byte.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{field} must be a string, got {type(value).__name__}")
    path = PurePath(value)
    if not value.strip() or "\0" in value:
        raise ValueError(f"{field} must be a non-empty folder name, got {value!r}")
    if path.is_absolute() or value.startswith(("/", "\\")) or os.path.isabs(value):
        raise ValueError(
            f"{field} must be a relative name inside experiment_dir, got the absolute path {value!r}"
        )
    if ".." in path.parts or ".." in value.replace("\\", "/").split("/"):
        raise ValueError(f"{field} must stay inside experiment_dir: {value!r} contains '..'")
    return value


def check_path_component(value: str, field: str) -> str:
    """Return ``value`` when it can be one folder name (no separator, not ``.``/``..``).

    Raises:
        ValueError: naming ``field`` and the value.
    """
    if not value or value in {".", ".."} or any(sep in value for sep in ("/", "\\", "\0")):
        raise ValueError(
            f"{field} {value!r} cannot be used as a folder name (it is empty, '.'/'..', or holds a path "
            "separator); pass output_dir explicitly"
        )
    return value


def check_rewrite_target(directory: str | os.PathLike[str]) -> None:
    """Refuse to replace a folder that is not an earlier rewrite output.

    Raises:
        FileExistsError: ``directory`` is a file, or a non-empty folder without :data:`REWRITE_MARKER`.
    """
    root = Path(directory)
    if not root.exists():
        return
    if not root.is_dir():
        raise FileExistsError(f"rewrite output_dir {root} exists and is not a folder")
    if any(root.iterdir()) and not (root / REWRITE_MARKER).is_file():
        raise FileExistsError(
            f"refusing to replace {root}: it is not empty and was not written by rewrite_base_model "
            f"(no {REWRITE_MARKER}); choose a new or empty output_dir"
        )


def mark_rewrite(directory: str | os.PathLike[str], info: dict[str, Any]) -> None:
    """Write the marker that makes ``directory`` a rewrite output."""
    atomic_write_json(Path(directory) / REWRITE_MARKER, {"format": "gradiend_rewrite", **info})


__all__ = [
    "REWRITE_MARKER",
    "check_path_component",
    "check_relative_name",
    "check_rewrite_target",
    "mark_rewrite",
]
