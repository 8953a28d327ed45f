"""Logging helpers with the published names: ``setup_logging`` and ``get_logger``.

Library code logs through module loggers (``logging.getLogger(__name__)``) and never configures
logging on import; ``setup_logging`` is for scripts that want GRADIEND's messages on the console.
"""

from __future__ import annotations

import logging
import sys

QUIET_LOGGERS: tuple[str, ...] = ("httpx", "httpcore", "urllib3", "filelock", "fsspec")
"""Third-party loggers kept at WARNING or above by :func:`setup_logging` (they log every request)."""

LOG_FORMAT = "%(asctime)s - %(levelname)s - %(message)s"
"""The console format :func:`setup_logging` installs."""


def setup_logging(level: int = logging.INFO) -> None:
    """Show log messages of at least ``level`` on stdout (configures the root logger once).

    A root logger that already has handlers keeps them; their level (and the root's) is set to
    ``level``. Otherwise one stdout handler with :data:`LOG_FORMAT` is installed.

    Raises:
        TypeError: ``level`` is not an int (e.g. ``logging.INFO``).
    """
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level must be an int such as logging.INFO, got {type(level).__name__}")
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    root = logging.getLogger()
    if root.handlers:
        root.setLevel(level)
        for handler in root.handlers:
            handler.setLevel(level)
        return
    logging.basicConfig(
        level=level,
        format=LOG_FORMAT,
        datefmt="%Y-%m-%d %H:%M:%S",
        handlers=[logging.StreamHandler(sys.stdout)],
    )


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)``, checking that ``name`` is a string.

    Raises:
        TypeError: ``name`` is not a string.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str (usually __name__), got {type(name).__name__}")
    return logging.getLogger(name)


__all__ = ["LOG_FORMAT", "QUIET_LOGGERS", "get_logger", "setup_logging"]
