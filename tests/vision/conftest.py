"""Shared fixtures of the vision tests: the digits CNN is trained once per session, in a temporary cache."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gradiend_vision.data import ImageData
from gradiend_vision.digits import CACHE_ENV, load_default_digits_model
from gradiend_vision.models import DigitsCNN


@dataclass
class DigitsSetup:
    """The session's digits model, its data, where it is cached and how long the first load took."""

    model: DigitsCNN
    data: ImageData
    cache_root: Path
    first_load_seconds: float


@pytest.fixture(scope="session")
def digits(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DigitsSetup]:
    """Train (first use) the default digits CNN with ``$GRADIEND_CACHE`` pointing to a session tmp dir."""
    cache_root = tmp_path_factory.mktemp("gradiend-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(cache_root))
        started = time.perf_counter()
        model, data = load_default_digits_model()
        seconds = time.perf_counter() - started
        yield DigitsSetup(model, data, cache_root, seconds)
