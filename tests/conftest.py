"""Repository-wide pytest settings: offline model hubs, a headless plotting backend, a report header.

Markers (``slow``, ``browser``), the default ``-m "not slow"`` selection and the per-test timeout live in the
root ``pyproject.toml``. Fixtures belong in the conftest.py of the test directory that uses them; the one
exceptions are :func:`_one_thread` and :func:`make_toy_trainer`, which several directories need.

Each test directory runs as its own nox session (``nox -s tests``), in the default "prepend" import mode:
keep test module names unique across tests/ so that a plain ``pytest`` over several directories works too
(tests/test_repository.py checks this).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

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


_QUICK: Any = object()
"""Default of ``make_toy_trainer(args=...)``: quick arguments in the given directory."""


@pytest.fixture(scope="session")
def make_toy_trainer() -> Callable[..., Any]:
    """The one way tests build the toy modality's trainer (``gradiend_toy.ToyTrainer``).

    ``make_toy_trainer(directory, **overrides)`` trains the pair (a, b) with
    ``gradiend.testing.quick_arguments(directory, **overrides)``; ``make_toy_trainer(args=args)`` uses the
    given arguments and ``make_toy_trainer(args=None)`` the trainer's defaults. ``target_classes``,
    ``data``, ``model`` and ``run_id`` go to the trainer; ``trainer_cls`` builds a ToyTrainer subclass.
    Session-scoped, so session and module fixtures can use it too.
    """
    toy = pytest.importorskip(
        "gradiend_toy", reason="the toy plugin (tests/plugin_contract/gradiend-toy) is not installed"
    )
    from gradiend.testing import quick_arguments

    def make(
        directory: str | Path | None = None,
        /,
        *,
        args: Any = _QUICK,
        target_classes: Sequence[str] = ("a", "b"),
        data: Any = None,
        model: Any = None,
        run_id: str | None = None,
        trainer_cls: type | None = None,
        **overrides: Any,
    ) -> Any:
        if args is _QUICK:
            if directory is None:
                raise TypeError("make_toy_trainer needs a directory for quick arguments, or args=...")
            args = quick_arguments(directory, **overrides)
        elif directory is not None or overrides:
            raise TypeError(
                f"make_toy_trainer takes a directory with argument overrides, or args=, not both "
                f"(got directory={directory!r}, overrides={sorted(overrides)})"
            )
        options = {k: v for k, v in {"data": data, "model": model, "run_id": run_id}.items() if v is not None}
        cls = trainer_cls or toy.ToyTrainer
        return cls(target_classes=list(target_classes), args=args, **options)

    return make


@pytest.fixture(scope="session")
def make_encoder_frame() -> Callable[..., Any]:
    """Synthetic encoder results (the columns of ``encoder_df``) for plot tests, from one seeded generator.

    ``make_encoder_frame(tokens, repeats, neutral_repeats, text, neutral_text)``: per class of ``tokens``
    and per split (train/validation/test, encodings shifted +0.18/0/-0.18 around +-0.55), ``repeats``
    rows per token; then ``neutral_repeats`` neutral rows per held-out split around 0. ``text`` is
    formatted with ``token``, ``split`` and ``rep``; ``neutral_text`` with ``rep``.
    """
    import numpy as np
    import pandas as pd

    def make(
        tokens: dict[str, Sequence[str]], repeats: int, neutral_repeats: int, text: str, neutral_text: str
    ) -> pd.DataFrame:
        rng = np.random.default_rng(7)
        rows = []
        for cls, words in tokens.items():
            sign = 1.0 if cls == "positive" else -1.0
            for split, shift in (("train", 0.18), ("validation", 0.0), ("test", -0.18)):
                for token in words:
                    for rep in range(repeats):
                        rows.append(
                            {
                                "encoded": sign * (0.55 + shift + rng.normal(0.0, 0.08)),
                                "label": sign,
                                "source_id": cls,
                                "feature_class": cls,
                                "factual_token": token,
                                "data_split": split,
                                "type": "training",
                                "text": text.format(token=token, split=split, rep=rep),
                            }
                        )
        for split in ("validation", "test"):
            for rep in range(neutral_repeats):
                rows.append(
                    {
                        "encoded": rng.normal(0.0, 0.12),
                        "label": 0.0,
                        "source_id": "neutral",
                        "feature_class": "neutral",
                        "factual_token": "neutral",
                        "data_split": split,
                        "type": "neutral_dataset",
                        "text": neutral_text.format(rep=rep),
                    }
                )
        return pd.DataFrame(rows)

    return make
