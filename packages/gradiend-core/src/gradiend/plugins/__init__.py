"""The plugin system: hook specifications, the plugin manager and the modality registry."""

from gradiend.plugins.manager import (
    AUTOLOAD_ENV_VAR,
    ENTRY_POINT_GROUP,
    PROJECT_NAME,
    create_plugin_manager,
    get_plugin_manager,
    hookimpl,
    hookspec,
    register_plugin,
    reset_plugin_manager,
    unregister_plugin,
)
from gradiend.plugins.registry import (
    DuplicateModalityError,
    ModalityRegistry,
    ModalitySpec,
    UnknownModalityError,
    get_registry,
)

__all__ = [
    "AUTOLOAD_ENV_VAR",
    "ENTRY_POINT_GROUP",
    "PROJECT_NAME",
    "DuplicateModalityError",
    "ModalityRegistry",
    "ModalitySpec",
    "UnknownModalityError",
    "create_plugin_manager",
    "get_plugin_manager",
    "get_registry",
    "hookimpl",
    "hookspec",
    "register_plugin",
    "reset_plugin_manager",
    "unregister_plugin",
]
