"""The plugin-manager factory: hook specs plus plugins found through the ``gradiend`` entry points."""

from __future__ import annotations

import logging
import os
import threading

import pluggy

from gradiend.plugins import hookspecs
from gradiend.plugins.markers import PROJECT_NAME, hookimpl, hookspec

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gradiend"
"""Entry-point group that modality distributions declare (``[project.entry-points.gradiend]``)."""

AUTOLOAD_ENV_VAR = "GRADIEND_DISABLE_PLUGIN_AUTOLOAD"
"""Set to ``1``/``true`` to skip loading entry-point plugins (tests register plugins by hand)."""

_lock = threading.Lock()
_global_manager: pluggy.PluginManager | None = None


def autoload_enabled() -> bool:
    """Return False when the environment switches entry-point autoload off."""
    value = os.environ.get(AUTOLOAD_ENV_VAR, "").strip().lower()
    return value not in {"1", "true", "yes", "on"}


class PluginLoadError(ImportError):
    """An installed plugin could not be imported; the message names the plugin and its distribution."""


def create_plugin_manager(*, autoload: bool | None = None) -> pluggy.PluginManager:
    """Build a fresh plugin manager with gradiend's hook specs.

    Args:
        autoload: load plugins from the ``gradiend`` entry-point group. ``None`` (default) follows the
            ``GRADIEND_DISABLE_PLUGIN_AUTOLOAD`` environment variable.
    """
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    if autoload is None:
        autoload = autoload_enabled()
    if autoload:
        _load_entry_points(manager)
    return manager


def _load_entry_points(manager: pluggy.PluginManager) -> None:
    try:
        count = manager.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    except ImportError as error:
        raise PluginLoadError(
            f"A gradiend plugin (entry-point group {ENTRY_POINT_GROUP!r}) failed to import: {error}. "
            f"Reinstall or uninstall that plugin, or set {AUTOLOAD_ENV_VAR}=1 to skip plugin autoload."
        ) from error
    logger.debug("loaded %d gradiend plugin(s) from entry points", count)


def get_plugin_manager() -> pluggy.PluginManager:
    """Return the process-wide plugin manager, creating it (and loading entry points) on first use."""
    global _global_manager
    with _lock:
        if _global_manager is None:
            _global_manager = create_plugin_manager()
        return _global_manager


def reset_plugin_manager() -> None:
    """Forget the process-wide plugin manager and modality registry (the next use rebuilds both)."""
    global _global_manager
    from gradiend.plugins import registry

    with _lock:
        _global_manager = None
    registry.reset_registry()




def register_plugin(plugin: object, name: str | None = None) -> None:
    """Register a plugin object on the process-wide manager and rebuild the modality registry."""
    from gradiend.plugins import registry

    get_plugin_manager().register(plugin, name=name)
    registry.reset_registry()


def unregister_plugin(plugin: object) -> None:
    """Remove a plugin registered with :func:`register_plugin` and rebuild the modality registry."""
    from gradiend.plugins import registry

    get_plugin_manager().unregister(plugin)
    registry.reset_registry()

__all__ = [
    "AUTOLOAD_ENV_VAR",
    "ENTRY_POINT_GROUP",
    "PROJECT_NAME",
    "PluginLoadError",
    "autoload_enabled",
    "create_plugin_manager",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
    "register_plugin",
    "reset_plugin_manager",
    "unregister_plugin",
]
