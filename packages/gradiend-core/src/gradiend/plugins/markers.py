"""Old path of the pluggy markers, which live in :mod:`gradiend.hooks.markers`."""

from gradiend.hooks.markers import PROJECT_NAME, hookimpl, hookspec

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
