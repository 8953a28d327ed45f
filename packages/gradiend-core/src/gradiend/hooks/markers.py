"""The pluggy markers of the project "gradiend" (kept apart so hook specs and plugins share them)."""

import pluggy

PROJECT_NAME = "gradiend"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a function as a hook specification of the project ``gradiend``."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a function as an implementation of a ``gradiend`` hook (import it from ``gradiend.plugins``)."""

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
