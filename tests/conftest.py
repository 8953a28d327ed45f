"""Repository-wide pytest settings: offline model hubs, a headless plotting backend, a report header.

Markers (``slow``, ``browser``), the default ``-m "not slow"`` selection and the per-test timeout live in the
root ``pyproject.toml``. Fixtures belong in the conftest.py of the test directory that uses them; the one
exception is :func:`_one_thread`, which every directory needs.

Each test directory runs as its own nox session (``nox -s tests``), in the default "prepend" import mode:
keep test module names unique across tests/ so that a plain ``pytest`` over several directories works too
(tests/test_repository.py checks this).
"""

from __future__ import annotations

import importlib.util
import os

import pytest

# Tests never download: every model and corpus they use is built locally or installed as a package.
# GRADIEND_CACHE is left alone on purpose, so converted demo models are reused from the user cache.
TEST_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "MPLBACKEND": "Agg",
    "TOKENIZERS_PARALLELISM": "false",
}


def pytest_configure(config: pytest.Config) -> None:
    """Set the test environment before any test module imports a hub client or matplotlib."""
    for name, value in TEST_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Show the settings that explain most environment-dependent failures."""
    shown = ", ".join(f"{name}={os.environ.get(name, '')}" for name in ("HF_HUB_OFFLINE", "MPLBACKEND", "CI"))
    return [f"gradiend test environment: {shown}"]


@pytest.fixture(scope="session", autouse=True)
def _one_thread() -> None:
    """Run torch on one thread in every test session.

    Tiny models run fastest on one thread, tests do not fight each other (or other processes) for the
    machine's cores, and the driver computes like each one-CPU Ray worker (the same float reductions).
    Session scope sets it before any module- or session-scoped fixture trains a model; forked children
    inherit it. Where torch is not installed nothing is set.
    """
    if importlib.util.find_spec("torch") is None:
        return
    import torch

    torch.set_num_threads(1)
