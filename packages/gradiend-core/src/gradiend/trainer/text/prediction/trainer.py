"""Upstream-compatible path: ``from gradiend.trainer.text.prediction.trainer import TextPredictionTrainer``.

The class lives in the gradiend-text plugin; this module resolves it through the plugin registry and
says what to install when the plugin is absent.
"""

from __future__ import annotations

from typing import Any

from gradiend.hooks.published_paths import resolve_text_export

_NAMES = ("TextPredictionTrainer", "TextPredictionDataCreator", "TextFilterConfig")


def __getattr__(name: str) -> Any:
    """Resolve the text modality's public names through the installed plugin."""
    return resolve_text_export(__name__, _NAMES, name)


__all__ = list(_NAMES)
