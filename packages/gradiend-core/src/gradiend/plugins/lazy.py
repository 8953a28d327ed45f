"""Old path of ``lazy_exports``; it lives in :mod:`gradiend.hooks.lazy` (import it from gradiend.plugins)."""

from gradiend.hooks.lazy import lazy_exports

__all__ = ["lazy_exports"]
