"""Fixtures of the compatibility suite: one tiny pre-trained masked LM, generated English text, a working dir.

The published scripts name hub models (``bert-base-cased``) and hub or file data; here they get the path
of a tiny BERT pre-trained on pronoun templates (``gradiend_text.testing``) and generated sentences.
Every other call of a script is kept as published.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gradiend_text.testing import save_tiny_lm


@pytest.fixture(scope="session")
def tiny_mlm_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Path of a tiny BERT masked LM that predicts he/she/they on held-out templates (>= 90 %)."""
    return save_tiny_lm("mlm", tmp_path_factory.mktemp("compat-mlm")).path


@pytest.fixture
def in_tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in a temporary working directory (published scripts write ``runs/...`` relative paths)."""
    monkeypatch.chdir(tmp_path)
    yield tmp_path
