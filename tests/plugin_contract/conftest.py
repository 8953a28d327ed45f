"""Fixtures of the plugin-contract tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gradiend.plugins import reset_plugin_manager


@pytest.fixture
def fresh_plugins() -> Iterator[None]:
    """Rebuild the process-wide plugin manager before and after the test."""
    reset_plugin_manager()
    yield
    reset_plugin_manager()
