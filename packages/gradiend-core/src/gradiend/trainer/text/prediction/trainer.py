"""Upstream-compatible path: ``from gradiend.trainer.text.prediction.trainer import TextPredictionTrainer``.

The class lives in the gradiend-text plugin; this module resolves it through the plugin registry and
says what to install when the plugin is absent.
"""

from __future__ import annotations

from typing import Any

_NAMES = ("TextPredictionTrainer", "TextPredictionDataCreator", "TextFilterConfig")


def __getattr__(name: str) -> Any:
    """Resolve the text modality's public names through the installed plugin."""
    if name not in _NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from gradiend.hooks.registry import get_registry

    registry = get_registry()
    if name not in registry.export_names():
        raise ImportError(
            f"{name} comes from the text modality plugin, which is not installed: pip install gradiend-text "
            "(from this repository: pip install -e packages/gradiend-text)"
        )
    return registry.resolve_export(name)


__all__ = list(_NAMES)
