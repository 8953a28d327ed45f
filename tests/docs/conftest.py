"""Fixtures of the documentation tests: an offline environment and a tiny language model built once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "MPLBACKEND": "Agg",
    "TOKENIZERS_PARALLELISM": "false",
}


@pytest.fixture(scope="session")
def docs_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``GRADIEND_CACHE`` for every page (the vision digits CNN is trained once and reused)."""
    return tmp_path_factory.mktemp("gradiend-cache")


@pytest.fixture(scope="session")
def tiny_lm_cache() -> dict[str, Path]:
    """Folders of tiny language models already built in this session, by objective and seed."""
    return {}


@pytest.fixture
def docs_environment(
    docs_cache: Path,
    tiny_lm_cache: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Path]:
    """Run a page in a temporary working directory, offline, with figures rendered off screen.

    ``gradiend_text.testing.save_tiny_lm`` is replaced by a version that builds each objective's model
    once per session and copies the saved folder on later calls: the pages call it the way a reader
    would, and the suite pays the 10-20 s of pre-training only once.
    """
    import matplotlib

    matplotlib.use("Agg")
    for name, value in OFFLINE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GRADIEND_CACHE", str(docs_cache))
    monkeypatch.chdir(tmp_path)
    try:
        import gradiend_text.testing as text_testing
    except ImportError:  # the text plugin is not installed: pages that need it fail with a clear error
        yield tmp_path
        return
    original = text_testing.save_tiny_lm

    def cached_save_tiny_lm(objective: str, folder: str | Path, seed: int = 0) -> text_testing.TinyLM:
        key = f"{objective}-{seed}"
        if key not in tiny_lm_cache:
            built = original(objective, tmp_path_factory.mktemp(f"tiny-{key}"), seed=seed)  # type: ignore[arg-type]
            tiny_lm_cache[key] = Path(built.path)
        from gradiend_text.models import load_text_model

        target = Path(folder) / f"tiny-{objective}"
        shutil.copytree(tiny_lm_cache[key], target, dirs_exist_ok=True)
        model, tokenizer = load_text_model(str(target))
        return text_testing.TinyLM(str(target), model.eval(), tokenizer, objective)  # type: ignore[arg-type]

    monkeypatch.setattr(text_testing, "save_tiny_lm", cached_save_tiny_lm)
    yield tmp_path
