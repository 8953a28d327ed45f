"""Published path ``gradiend.data.text.classification``: the creator lives in the gradiend-text plugin."""

from __future__ import annotations

from typing import Any

from gradiend.hooks.published_paths import resolve_text_export

_NAMES = ("TextClassificationDataCreator",)


def __getattr__(name: str) -> Any:
    """Resolve the published name through the installed text plugin."""
    return resolve_text_export(__name__, _NAMES, name)


__all__ = list(_NAMES)
