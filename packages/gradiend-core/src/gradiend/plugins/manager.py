"""Old path of the process-wide plugin manager; it lives in :mod:`gradiend.hooks.manager`."""

from gradiend.hooks.manager import (
    AUTOLOAD_ENV_VAR,
    ENTRY_POINT_GROUP,
    PROJECT_NAME,
    GradiendPluginManager,
    PluginLoadError,
    autoload_enabled,
    create_plugin_manager,
    get_plugin_manager,
    hookimpl,
    hookspec,
    register_plugin,
    reset_plugin_manager,
    unregister_plugin,
)

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
