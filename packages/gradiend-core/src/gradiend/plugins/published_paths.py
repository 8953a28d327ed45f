"""Old path of the published-path resolver; it lives in :mod:`gradiend.hooks.published_paths`."""

from gradiend.hooks.published_paths import resolve_text_export

__all__ = ["resolve_text_export"]
