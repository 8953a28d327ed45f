"""Old path of the pluggy markers; they live in :mod:`gradiend.hooks.markers` (import them from gradiend.plugins)."""

from gradiend.hooks.markers import PROJECT_NAME, hookimpl, hookspec

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
