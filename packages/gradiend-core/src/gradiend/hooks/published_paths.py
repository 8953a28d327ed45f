"""Resolution of plugin names for the published module paths (``gradiend.trainer.text.classification``...)."""

from __future__ import annotations

from typing import Any


def resolve_text_export(module: str, names: tuple[str, ...], name: str) -> Any:
    """``name`` from the installed text plugin, for the module-level ``__getattr__`` of ``module``.

    Raises AttributeError for names the module does not publish and ImportError, naming the package to
    install, when gradiend-text is absent.
    """
    if name not in names:
        raise AttributeError(f"module {module!r} has no attribute {name!r}")
    from gradiend.hooks.registry import get_registry

    registry = get_registry()
    if name not in registry.export_names():
        raise ImportError(
            f"{name} comes from the text modality plugin, which is not installed: pip install gradiend-text "
            "(from this repository: pip install -e packages/gradiend-text)"
        )
    return registry.resolve_export(name)


__all__ = ["resolve_text_export"]
