"""The former place of :mod:`gradiend.demo` (the common ending of a modality demo); its names still work here.

Every name is looked up in :mod:`gradiend.demo` on first use (the report layer does not import the
demo layer above it).
"""

from __future__ import annotations

import importlib
from typing import Any

_NAMES = ("DEMO_REPORT_NAME", "finish_demo", "format_summary", "print_summary", "summary_rows")


def __getattr__(name: str) -> Any:
    """``gradiend.demo.<name>`` for the names of :mod:`gradiend.demo`."""
    if name in _NAMES:
        return getattr(importlib.import_module("gradiend.demo"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    """The names this module re-exports."""
    return sorted(_NAMES)


__all__ = list(_NAMES)
