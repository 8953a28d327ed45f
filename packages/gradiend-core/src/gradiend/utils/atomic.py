"""Atomic file and directory writes: an interrupted write never leaves a half-written file behind.

Every writer here writes to a temporary file in the target's own directory, flushes and fsyncs it,
then moves it into place with :func:`os.replace` (atomic on POSIX and Windows when both paths are on
the same file system). :func:`atomic_directory` does the same for a whole directory, so a checkpoint
is either the complete old one or the complete new one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import torch
from safetensors.torch import save_file

logger = logging.getLogger(__name__)

PathLike: TypeAlias = str | os.PathLike[str]


class CheckpointError(ValueError):
    """A file or directory is not a valid GRADIEND checkpoint; the message names the file and the fault."""


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file beside it, fsync, os.replace); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, _default_file_mode())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        _remove_quietly(Path(tmp_name))
        raise
    _fsync_directory(target.parent)
    return target


def _umask() -> int:
    """The process umask (read by setting and restoring it)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _default_file_mode() -> int:
    """``0o666`` less the umask: what ``open()`` gives a new file (mkstemp alone gives 0600)."""
    return 0o666 & ~_umask()


def atomic_write_text(path: PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically; returns the path."""
    return atomic_write_bytes(path, text.encode(encoding))


def json_default(value: Any) -> Any:
    """Convert values :mod:`json` cannot encode: numpy/torch scalars and arrays, dtypes, paths, sets.

    Raises:
        TypeError: for any other type, naming it.
    """
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        return tensor.item() if tensor.dim() == 0 else tensor.tolist()
    if isinstance(value, torch.dtype):
        return str(value).removeprefix("torch.")
    if isinstance(value, (torch.device, os.PathLike)):
        return str(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    raise TypeError(f"object of type {type(value).__name__} is not JSON serializable: {value!r}")


def atomic_write_json(path: PathLike, obj: Any, *, indent: int = 2, sort_keys: bool = False) -> Path:
    """Write ``obj`` as JSON to ``path`` atomically; numpy/torch scalars, dtypes and paths are converted."""
    text = json.dumps(obj, indent=indent, sort_keys=sort_keys, default=json_default)
    return atomic_write_text(path, text + "\n")


def atomic_save_safetensors(
    path: PathLike, tensors: Mapping[str, torch.Tensor], metadata: Mapping[str, str] | None = None
) -> Path:
    """Save ``tensors`` as a safetensors file at ``path`` atomically; returns the path.

    Tensors are detached and made contiguous; they may live on any device (safetensors copies them
    to the host). ``metadata`` values must be strings.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    prepared = {name: tensor.detach().cpu().contiguous() for name, tensor in tensors.items()}
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.fchmod(fd, _default_file_mode())
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        save_file(prepared, str(tmp), metadata=dict(metadata) if metadata is not None else None)
        _fsync_file(tmp)
        os.replace(tmp, target)
    except BaseException:
        _remove_quietly(tmp)
        raise
    _fsync_directory(target.parent)
    return target


@contextmanager
def atomic_directory(target: PathLike) -> Iterator[Path]:
    """Build a directory in a temporary place and swap it into ``target`` only when the block succeeds.

    Yields a fresh, empty temporary directory beside ``target``. On normal exit its files are fsynced
    and it replaces ``target``: an existing ``target`` is first renamed to a backup name, the new
    directory is renamed to ``target``, then the backup is deleted (if the second rename fails the
    backup is moved back). When the block raises, the temporary directory is deleted and an existing
    ``target`` is left untouched. The whole old directory is replaced, including files the block did
    not write.
    """
    final = Path(target)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    tmp.chmod(0o777 & ~_umask())
    try:
        yield tmp
        _fsync_tree(tmp)
        _swap_into_place(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(new: Path, final: Path) -> None:
    if not final.exists() and not final.is_symlink():
        os.rename(new, final)
        _fsync_directory(final.parent)
        return
    backup = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
    os.rename(final, backup)
    try:
        os.rename(new, final)
    except BaseException:
        os.rename(backup, final)
        raise
    _fsync_directory(final.parent)
    if backup.is_dir() and not backup.is_symlink():
        shutil.rmtree(backup)
    else:
        backup.unlink()
    logger.debug("replaced directory %s", final)


_LEFTOVER = re.compile(r"^\.(?P<name>.+?)\.(?:(?P<kind>old|tmp)-[A-Za-z0-9_]+|[A-Za-z0-9_]+\.tmp)$")


def recover_interrupted_writes(parent: PathLike, names: Callable[[str], bool]) -> list[str]:
    """Finish what a killed writer left in ``parent`` for the entries whose name ``names`` accepts.

    A directory swap killed between its two renames leaves only the backup ``.<name>.old-*``: it is
    moved back to ``<name>``. Backups of a completed swap and temporary files and folders
    (``.<name>.tmp-*``, ``.<name>.*.tmp``) are deleted. Call it only while no other process writes
    there (under the run lock). Returns what was done, one line per entry (also logged).
    """
    root = Path(parent)
    if not root.is_dir():
        return []
    done: list[str] = []
    matches = [(entry, _LEFTOVER.match(entry.name)) for entry in root.iterdir()]
    ours = [(entry, m) for entry, m in matches if m is not None and names(m["name"])]
    for entry, match in sorted(ours, key=lambda pair: pair[0].lstat().st_mtime_ns, reverse=True):
        final = root / match["name"]
        if match["kind"] == "old" and not final.exists():
            os.rename(entry, final)
            _fsync_directory(root)
            done.append(f"restored {final} from {entry.name} (an earlier write was interrupted)")
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
            done.append(f"removed the left-over {entry}")
        else:
            entry.unlink()
            done.append(f"removed the left-over {entry}")
    for line in done:
        logger.warning(line)
    return done


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_tree(root: Path) -> None:
    for dirpath, _dirnames, filenames in os.walk(root):
        for name in filenames:
            file_path = Path(dirpath) / name
            if file_path.is_file() and not file_path.is_symlink():
                _fsync_file(file_path)


def _fsync_directory(directory: Path) -> None:
    """Persist a rename in ``directory`` (POSIX only: Windows cannot open a directory for fsync)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        logger.debug("temporary file %s already gone", path)


__all__ = [
    "CheckpointError",
    "atomic_directory",
    "atomic_save_safetensors",
    "atomic_write_bytes",
    "atomic_write_json",
    "atomic_write_text",
    "json_default",
    "recover_interrupted_writes",
]
