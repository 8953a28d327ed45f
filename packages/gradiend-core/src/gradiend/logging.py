"""The library's log output, in the style of ``transformers.logging``.

Every module of gradiend logs to a child of the ``"gradiend"`` logger. So that a run tells its user what
happened without any set-up (one line per seed, a summary, warnings), that logger gets its own level
(INFO unless the ``GRADIEND_VERBOSITY`` environment variable or :func:`set_verbosity` says otherwise)
and a handler that writes to ``sys.stderr``. Nothing happens at import: the level and the handler are
installed on first use (a trainer is created, or a function of this module is called).

Records still propagate to the root logger, so ``logging.basicConfig``, pytest's ``caplog`` and other
application handlers see them. When the application already has a console handler on the root logger,
the library's own handler stays silent, so each line appears once. :func:`disable_default_handler`
removes it altogether.

Example::

    import gradiend.logging

    gradiend.logging.set_verbosity_warning()  # only warnings and errors from now on
"""

from __future__ import annotations

import logging
import os
import sys
import threading

LIBRARY_LOGGER_NAME = "gradiend"
VERBOSITY_ENV = "GRADIEND_VERBOSITY"

CRITICAL = logging.CRITICAL
ERROR = logging.ERROR
WARNING = logging.WARNING
INFO = logging.INFO
DEBUG = logging.DEBUG

LOG_LEVELS: dict[str, int] = {
    "debug": DEBUG,
    "info": INFO,
    "warning": WARNING,
    "error": ERROR,
    "critical": CRITICAL,
}
"""Level names of :func:`set_verbosity`, ``GRADIEND_VERBOSITY`` and ``TrainingArguments.log_level``."""

DEFAULT_LEVEL = INFO

_lock = threading.Lock()
_default_handler: logging.Handler | None = None
_configured = False


class _LibraryFormatter(logging.Formatter):
    """``[gradiend] message`` for INFO, ``[gradiend] WARNING: message`` for other levels."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if record.levelno == INFO:
            return f"[gradiend] {text}"
        return f"[gradiend] {record.levelname}: {text}"


def _is_console_stream(stream: object) -> bool:
    return stream in (sys.stderr, sys.stdout, sys.__stderr__, sys.__stdout__)


class StderrHandler(logging.Handler):
    """Writes records to the ``sys.stderr`` of the moment (not the one at creation).

    A record is skipped when the root logger has a console handler of its own (the application called
    ``logging.basicConfig`` or similar): the record reaches the console through it.
    """

    def emit(self, record: logging.LogRecord) -> None:
        """Write one formatted record and a newline."""
        if any(
            isinstance(handler, logging.StreamHandler) and _is_console_stream(handler.stream)
            for handler in logging.getLogger().handlers
        ):
            return
        try:
            stream = sys.stderr
            stream.write(self.format(record) + "\n")
            stream.flush()
        except (OSError, ValueError):
            self.handleError(record)


def level_from_name(name: str, source: str = "log level") -> int:
    """The ``logging`` level of a name in :data:`LOG_LEVELS` (case-insensitive); else ``ValueError``."""
    level = LOG_LEVELS.get(name.strip().lower())
    if level is None:
        raise ValueError(f"{source} must be one of {sorted(LOG_LEVELS)}, got {name!r}")
    return level


def _env_level() -> int:
    value = os.environ.get(VERBOSITY_ENV)
    if not value:
        return DEFAULT_LEVEL
    return level_from_name(value, f"environment variable {VERBOSITY_ENV}")


def _library_logger() -> logging.Logger:
    """The ``"gradiend"`` logger, with its level and default handler installed on the first call."""
    global _configured, _default_handler
    logger = logging.getLogger(LIBRARY_LOGGER_NAME)
    if _configured:
        return logger
    with _lock:
        if not _configured:
            if logger.level == logging.NOTSET:
                logger.setLevel(_env_level())
            _default_handler = StderrHandler()
            _default_handler.setFormatter(_LibraryFormatter("%(message)s"))
            logger.addHandler(_default_handler)
            _configured = True
    return logger


def ensure_configured() -> None:
    """Install the library's level and stderr handler if not done yet (idempotent, cheap)."""
    _library_logger()


def get_logger(name: str | None = None) -> logging.Logger:
    """The logger ``name`` (default: the library's root logger), with the library configured."""
    root = _library_logger()
    return root if name is None else logging.getLogger(name)


def get_verbosity() -> int:
    """The library's current level (``logging.INFO`` by default)."""
    return _library_logger().getEffectiveLevel()


def set_verbosity(level: int | str) -> None:
    """Set the library's level: a ``logging`` level or a name in :data:`LOG_LEVELS`."""
    value = level_from_name(level, "verbosity") if isinstance(level, str) else int(level)
    _library_logger().setLevel(value)


def set_verbosity_debug() -> None:
    """Show everything, including per-step losses and per-evaluation correlations."""
    set_verbosity(DEBUG)


def set_verbosity_info() -> None:
    """Show per-seed lines, summaries and warnings (the default)."""
    set_verbosity(INFO)


def set_verbosity_warning() -> None:
    """Show warnings and errors only."""
    set_verbosity(WARNING)


def set_verbosity_error() -> None:
    """Show errors only."""
    set_verbosity(ERROR)


def disable_default_handler() -> None:
    """Remove the library's stderr handler (records still propagate to the root logger)."""
    logger = _library_logger()
    if _default_handler is not None:
        logger.removeHandler(_default_handler)


def enable_default_handler() -> None:
    """Put the library's stderr handler back after :func:`disable_default_handler`."""
    logger = _library_logger()
    if _default_handler is not None and _default_handler not in logger.handlers:
        logger.addHandler(_default_handler)


__all__ = [
    "CRITICAL",
    "DEBUG",
    "ERROR",
    "INFO",
    "LOG_LEVELS",
    "VERBOSITY_ENV",
    "WARNING",
    "StderrHandler",
    "disable_default_handler",
    "enable_default_handler",
    "ensure_configured",
    "get_logger",
    "get_verbosity",
    "level_from_name",
    "set_verbosity",
    "set_verbosity_debug",
    "set_verbosity_error",
    "set_verbosity_info",
    "set_verbosity_warning",
]
