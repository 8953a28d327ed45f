"""Checked registration: a hook that no spec of the manager declares is an error, not a silent no-op.

pluggy accepts an implementation of an unknown hook (it might be specified later) and only
``check_pending`` reports it. gradiend's managers know all their specs up front, so they check at once,
remove the plugin again and say which hooks the manager has (and the closest one to a typo).
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import pluggy

from gradiend.hooks.markers import PROJECT_NAME


def register_checked(
    manager: pluggy.PluginManager, plugin: object, name: str | None, valid: Sequence[str], where: str
) -> str | None:
    """``pluggy.PluginManager.register`` followed by ``check_pending``; on failure the plugin is removed.

    Args:
        manager: the manager to register on.
        plugin: the plugin object or module.
        name: the plugin's name (``None``: pluggy's default).
        valid: the hook names this manager specifies (listed in the error).
        where: the manager, in words (``"the process-wide plugin manager"``, ``"a trainer's hook relay"``).

    Raises:
        pluggy.PluginValidationError: the plugin implements a hook the manager does not specify.
    """
    registered = pluggy.PluginManager.register(manager, plugin, name=name)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as error:
        pluggy.PluginManager.unregister(manager, plugin)
        unknown = _unknown_hooks(plugin, valid)
        raise pluggy.PluginValidationError(plugin, _message(plugin, unknown, valid, where)) from error
    return registered


def _unknown_hooks(plugin: object, valid: Sequence[str]) -> list[str]:
    marker = f"{PROJECT_NAME}_impl"
    return [
        attr
        for attr in dir(plugin)
        if attr not in valid and getattr(getattr(plugin, attr, None), marker, None)
    ]


def _message(plugin: object, unknown: list[str], valid: Sequence[str], where: str) -> str:
    parts = [f"{plugin!r} implements {', '.join(unknown) or 'a hook'}, which {where} does not specify."]
    for hook in unknown:
        close = difflib.get_close_matches(hook, valid, n=1)
        if close:
            parts.append(f"Did you mean {close[0]}?")
    parts.append(f"Its hooks: {', '.join(valid)}.")
    parts.append(
        "gradiend_register_modalities belongs on the process-wide manager (an entry point or "
        "gradiend.plugins.register_plugin); definition-step hooks on a trainer (trainer.register_plugin)."
    )
    return " ".join(parts)


def renamed_hooks(plugin: Any, aliases: Mapping[str, str]) -> Any:
    """``plugin`` itself, or a proxy that offers its deprecated hook names under their new names (warns).

    Args:
        plugin: the object being registered.
        aliases: deprecated hook name -> current hook name.
    """
    old = [name for name in aliases if callable(getattr(plugin, name, None))]
    if not old:
        return plugin
    for name in old:
        warnings.warn(
            f"{type(plugin).__qualname__} implements the hook {name}, which is deprecated: rename it "
            f"{aliases[name]} (same arguments)",
            DeprecationWarning,
            stacklevel=3,
        )
    proxy = RenamedHooks(plugin)
    for name in dir(plugin):
        if name.startswith(f"{PROJECT_NAME}_") and callable(getattr(plugin, name)):
            setattr(proxy, aliases.get(name, name), getattr(plugin, name))
    return proxy


class RenamedHooks:
    """Stands in for a plugin whose hooks use deprecated names (``original`` is the plugin itself)."""

    def __init__(self, original: object) -> None:
        self.original = original

    def __repr__(self) -> str:
        return repr(self.original)


__all__ = ["RenamedHooks", "register_checked", "renamed_hooks"]
