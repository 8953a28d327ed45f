"""The process-wide plugin manager: the registration hook spec plus plugins found through the entry points.

It holds only the registration hook (``gradiend_register_modalities``); definition-step hooks belong on a
trainer's own relay (``trainer.register_plugin``), and a plugin that implements one here, or a hook name
that no spec declares (a typo), is rejected when it is registered.
"""

from __future__ import annotations

import importlib.metadata
import logging
import os
import threading
from collections.abc import Iterable

import pluggy

from gradiend.hooks import registration
from gradiend.hooks.checked import register_checked
from gradiend.hooks.markers import PROJECT_NAME, hookimpl, hookspec

logger = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gradiend"
"""Entry-point group that modality distributions declare (``[project.entry-points.gradiend]``)."""

AUTOLOAD_ENV_VAR = "GRADIEND_DISABLE_PLUGIN_AUTOLOAD"
"""Set to ``1``/``true`` to skip loading entry-point plugins (tests register plugins by hand)."""

_lock = threading.Lock()
_global_manager: GradiendPluginManager | None = None


def autoload_enabled() -> bool:
    """Return False when the environment switches entry-point autoload off."""
    value = os.environ.get(AUTOLOAD_ENV_VAR, "").strip().lower()
    return value not in {"1", "true", "yes", "on"}


class PluginLoadError(ImportError):
    """An installed plugin could not be imported; the message names the plugin and its distribution."""


class GradiendPluginManager(pluggy.PluginManager):
    """A pluggy manager of the registration hook that remembers each entry-point plugin's distribution.

    ``generation`` counts registrations and removals, so a registry built from this manager knows when
    it is out of date.
    """

    def __init__(self) -> None:
        super().__init__(PROJECT_NAME)
        self.add_hookspecs(registration)
        self.distributions: dict[str, tuple[str, str]] = {}
        """Plugin name -> (distribution name, version) for plugins loaded from entry points."""
        self.generation = 0

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register ``plugin``; a hook this manager does not specify is an error (the plugin is removed)."""
        registered = register_checked(
            self, plugin, name, registration.REGISTRATION_HOOKS, "the process-wide plugin manager"
        )
        self.generation += 1
        return registered

    def unregister(self, plugin: object | None = None, name: str | None = None) -> object | None:
        """Remove a plugin (by object or name)."""
        removed = super().unregister(plugin, name)
        self.generation += 1
        return removed

    def provider_of(self, plugin: object) -> tuple[str, str]:
        """``(distribution, version)`` of a plugin; ``(plugin name, "")`` when registered by hand."""
        name = self.get_name(plugin) or repr(plugin)
        return self.distributions.get(name, (name, ""))


def create_plugin_manager(*, autoload: bool | None = None) -> GradiendPluginManager:
    """Build a fresh plugin manager with gradiend's registration hook spec.

    Args:
        autoload: load plugins from the ``gradiend`` entry-point group. ``None`` (default) follows the
            ``GRADIEND_DISABLE_PLUGIN_AUTOLOAD`` environment variable.
    """
    manager = GradiendPluginManager()
    if autoload is None:
        autoload = autoload_enabled()
    if autoload:
        _load_entry_points(manager, importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    return manager


def _load_entry_points(
    manager: GradiendPluginManager, entry_points: Iterable[importlib.metadata.EntryPoint]
) -> None:
    """Import and register every plugin of the entry-point group; a failing import names its plugin."""
    for entry_point in entry_points:
        if manager.get_plugin(entry_point.name) is not None or manager.is_blocked(entry_point.name):
            continue
        dist = entry_point.dist
        dist_name = dist.metadata["Name"] if dist is not None else "unknown distribution"
        try:
            plugin = entry_point.load()
        except ImportError as error:
            raise PluginLoadError(
                f"gradiend plugin {entry_point.name!r} ({entry_point.value}) from {dist_name} failed to "
                f"import: {error}. Reinstall or uninstall {dist_name}, or set {AUTOLOAD_ENV_VAR}=1 to skip "
                "plugin autoload."
            ) from error
        try:
            manager.register(plugin, name=entry_point.name)
        except pluggy.PluginValidationError as error:
            raise pluggy.PluginValidationError(
                plugin, f"gradiend plugin {entry_point.name!r} from {dist_name}: {error}"
            ) from error
        manager.distributions[entry_point.name] = (dist_name, dist.version if dist is not None else "")
    logger.debug("loaded gradiend plugins: %s", sorted(manager.distributions))


def get_plugin_manager() -> GradiendPluginManager:
    """Return the process-wide plugin manager, creating it (and loading entry points) on first use."""
    global _global_manager
    with _lock:
        if _global_manager is None:
            _global_manager = create_plugin_manager()
        return _global_manager


def reset_plugin_manager() -> None:
    """Forget the process-wide plugin manager (the next use rebuilds it, and with it the registry)."""
    global _global_manager
    with _lock:
        _global_manager = None


def register_plugin(plugin: object, name: str | None = None) -> None:
    """Register a plugin object on the process-wide manager (the modality registry is rebuilt on next use)."""
    get_plugin_manager().register(plugin, name=name)


def unregister_plugin(plugin: object) -> None:
    """Remove a plugin registered with :func:`register_plugin` (the registry is rebuilt on next use)."""
    get_plugin_manager().unregister(plugin)


__all__ = [
    "AUTOLOAD_ENV_VAR",
    "ENTRY_POINT_GROUP",
    "PROJECT_NAME",
    "GradiendPluginManager",
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
