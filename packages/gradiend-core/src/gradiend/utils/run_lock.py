"""One writer per run directory: a lock file holding the owner's pid and host.

``train()`` holds the lock of its run while it writes. A second process that trains into the same run
fails at once with :class:`RunLockedError` naming the owner. A lock left by a process that died on this
host is detected (its pid no longer runs) and taken over; a lock of another host cannot be checked and
is reported with the file to delete once that run is known to be gone.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

LOCK_FILE = ".gradiend-run.lock"
"""Name of the lock file in a run directory."""


class RunLockedError(RuntimeError):
    """Another live process writes into the same run directory."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_owner(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (json.JSONDecodeError, UnicodeDecodeError, OSError):
        return {}
    return value if isinstance(value, dict) else {}


def _try_create(path: Path, owner: dict[str, Any]) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(owner, handle)
        handle.flush()
        os.fsync(handle.fileno())
    return True


def _is_stale(owner: dict[str, Any]) -> bool:
    pid = owner.get("pid")
    return owner.get("host") == socket.gethostname() and isinstance(pid, int) and not _pid_alive(pid)


def acquire_run_lock(directory: str | os.PathLike[str], name: str = LOCK_FILE) -> Path:
    """Create the lock file ``directory/name`` or raise :class:`RunLockedError`; returns its path."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    path = root / name
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
    for _ in range(3):
        if _try_create(path, owner):
            return path
        current = _read_owner(path)
        if current is None:
            continue  # released between our two steps: try again
        if _is_stale(current):
            logger.warning(
                "taking over the lock %s of process %s, which no longer runs", path, current.get("pid")
            )
            path.unlink(missing_ok=True)
            continue
        since = current.get("since")
        started = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since)) if since else "an unknown time"
        raise RunLockedError(
            f"{root} is being written by another run (pid {current.get('pid')!r} on host "
            f"{current.get('host')!r}, since {started}). Wait for it to finish, or train into another "
            f"experiment_dir/run_id. If that process is gone (e.g. its machine rebooted), delete {path}."
        )
    raise RunLockedError(f"could not take the lock {path}: other processes keep taking it")


def release_run_lock(path: Path) -> None:
    """Delete a lock file this process holds (a lock of another owner is left alone)."""
    owner = _read_owner(path)
    if owner and owner.get("pid") == os.getpid() and owner.get("host") == socket.gethostname():
        path.unlink(missing_ok=True)


@contextmanager
def run_lock(directory: str | os.PathLike[str], name: str = LOCK_FILE) -> Iterator[Path]:
    """Hold the lock file ``directory/name`` for the block."""
    path = acquire_run_lock(directory, name)
    try:
        yield path
    finally:
        release_run_lock(path)


__all__ = ["LOCK_FILE", "RunLockedError", "acquire_run_lock", "release_run_lock", "run_lock"]
