"""The process-wide modality registry, built from the plugins of the process-wide plugin manager."""

from __future__ import annotations

import threading

from gradiend.hooks.manager import GradiendPluginManager, get_plugin_manager
from gradiend.hooks.registration import (
    DuplicateModalityError,
    ModalityRegistrar,
    ModalityRegistry,
    ModalitySpec,
    UnknownModalityError,
    resolve_reference,
)


def build_registry(manager: GradiendPluginManager) -> ModalityRegistry:
    """Ask every plugin of ``manager`` to register its modalities, one plugin at a time."""
    registry = ModalityRegistry()
    for impl in manager.hook.gradiend_register_modalities.get_hookimpls():
        provider, version = manager.provider_of(impl.plugin)
        impl.function(register=ModalityRegistrar(registry, provider, version))
    return registry


_lock = threading.Lock()
_built: tuple[GradiendPluginManager, int, ModalityRegistry] | None = None


def get_registry() -> ModalityRegistry:
    """The registry of the process-wide plugin manager, rebuilt when its plugins changed."""
    global _built
    manager = get_plugin_manager()
    with _lock:
        if _built is None or _built[0] is not manager or _built[1] != manager.generation:
            _built = (manager, manager.generation, build_registry(manager))
        return _built[2]


def reset_registry() -> None:
    """Forget the registry; the next ``get_registry()`` asks the plugins again."""
    global _built
    with _lock:
        _built = None


__all__ = [
    "DuplicateModalityError",
    "ModalityRegistrar",
    "ModalityRegistry",
    "ModalitySpec",
    "UnknownModalityError",
    "build_registry",
    "get_registry",
    "reset_registry",
    "resolve_reference",
]
