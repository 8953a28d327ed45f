"""Progress bars: the one helper that decides whether a tqdm bar is shown.

A bar is shown unless the caller turned it off (``progress=False``, ``TrainingArguments(disable_tqdm=True)``)
or the ``TQDM_DISABLE`` environment variable is set to a true value (``1``, ``true``, ``yes``, ``on``).
Every place that starts work with bars (``train()``, pre-pruning, encoder analysis, the decoder grid)
asks :func:`progress_enabled` and passes the answer down as ``progress=``.
"""

from __future__ import annotations

import os

TQDM_DISABLE_ENV = "TQDM_DISABLE"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def disabled_by_environment() -> bool:
    """Whether ``TQDM_DISABLE`` turns progress bars off (an unknown value is an error)."""
    value = os.environ.get(TQDM_DISABLE_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(
        f"environment variable {TQDM_DISABLE_ENV}={os.environ[TQDM_DISABLE_ENV]!r} is not a boolean; "
        f"use one of {sorted(_TRUE | _FALSE - {''})}"
    )


def progress_enabled(requested: bool = True, disable_tqdm: bool | None = None) -> bool:
    """Whether to show a bar: ``requested``, not ``disable_tqdm`` and not ``TQDM_DISABLE``."""
    return requested and not disable_tqdm and not disabled_by_environment()


__all__ = ["TQDM_DISABLE_ENV", "disabled_by_environment", "progress_enabled"]
