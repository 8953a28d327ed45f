"""Loading, backbone parameters and atomic saving, on the real SPLADE-tiny BERT and the tiny GPT-2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch
from transformers import AutoModelForCausalLM, AutoModelForMaskedLM

from gradiend_text.models import backbone_parameter_names, load_text_model, save_text_model
from gradiend_text.objectives import compute_paired_loss, detect_objective
from gradiend_text.testing import TinyLM, tiny_gpt2_clm, train_bpe_tokenizer


def test_splade_loads_as_masked_lm_with_backbone_and_head(splade_path: str) -> None:
    model, tokenizer = load_text_model(splade_path)
    assert type(model).__name__ == "BertForMaskedLM" and detect_objective(model) == "mlm"
    assert tokenizer.mask_token == "[MASK]" and len(tokenizer) == 30522
    names = backbone_parameter_names(model)
    all_names = [n for n, _ in model.named_parameters()]
    assert sorted(set(all_names) - set(names)) == [
        "cls.predictions.bias",
        "cls.predictions.transform.LayerNorm.bias",
        "cls.predictions.transform.LayerNorm.weight",
        "cls.predictions.transform.dense.bias",
        "cls.predictions.transform.dense.weight",
    ]
    assert names.count("bert.embeddings.word_embeddings.weight") == 1  # tied to the decoder, counted once
    assert (
        model.get_output_embeddings().weight
        is dict(model.named_parameters())["bert.embeddings.word_embeddings.weight"]
    )
    ids = tokenizer("The man said [MASK] was tired.")["input_ids"]
    assert tokenizer.convert_ids_to_tokens(ids)[4] == "[MASK]"


def test_splade_save_and_reload_through_auto_classes(splade_path: str, tmp_path: Path) -> None:
    model, tokenizer = load_text_model(splade_path)
    rows = pd.DataFrame(
        {"masked": ["The man said [MASK] was tired."], "factual": ["he"], "alternative": ["she"]}
    )
    before = compute_paired_loss(model, tokenizer, rows, "mlm")
    out = save_text_model(model, tokenizer, tmp_path / "splade")
    reloaded = AutoModelForMaskedLM.from_pretrained(out)
    assert [p.name for p in tmp_path.iterdir()] == ["splade"]  # no temporary directory left behind
    after = compute_paired_loss(reloaded, tokenizer, rows, "mlm")
    torch.testing.assert_close(after.factual, before.factual)
    same, same_tokenizer = load_text_model(out)
    assert same_tokenizer("she")["input_ids"] == tokenizer("she")["input_ids"]
    assert backbone_parameter_names(same) == backbone_parameter_names(model)


def test_tied_gpt2_counts_the_embedding_once_and_excludes_nothing_else(tiny_clm: TinyLM) -> None:
    model = tiny_clm.model
    names = backbone_parameter_names(model)
    assert names[0] == "transformer.wte.weight" and all(n.startswith("transformer.") for n in names)
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight
    unique = {id(p) for p in model.parameters()}
    assert len(names) == len(unique)  # the tied head adds no parameter of its own


def test_untied_head_is_excluded() -> None:
    tokenizer = train_bpe_tokenizer(["the cat sat on the mat."] * 20, vocab_size=280)
    model = tiny_gpt2_clm(tokenizer)
    model.config.tie_word_embeddings = False
    model.lm_head.weight = torch.nn.Parameter(model.lm_head.weight.detach().clone())
    names = backbone_parameter_names(model)
    assert "lm_head.weight" not in names and "transformer.wte.weight" in names
    dict(model.named_parameters())["transformer.h.0.attn.c_attn.weight"].requires_grad_(False)
    assert "transformer.h.0.attn.c_attn.weight" not in backbone_parameter_names(model)


def test_save_overwrites_atomically_and_keeps_the_old_copy_on_failure(
    tiny_clm: TinyLM, tmp_path: Path
) -> None:
    target = tmp_path / "model"
    save_text_model(tiny_clm.model, tiny_clm.tokenizer, target)
    save_text_model(tiny_clm.model, tiny_clm.tokenizer, target)  # overwrite an existing directory
    with pytest.raises(AttributeError):
        save_text_model(tiny_clm.model, None, target)  # type: ignore[arg-type]  # fails half-way
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
    reloaded = AutoModelForCausalLM.from_pretrained(target)
    ids = torch.tensor([tiny_clm.tokenizer("mary said that")["input_ids"]])
    with torch.no_grad():
        torch.testing.assert_close(reloaded(ids).logits, tiny_clm.model(ids).logits)


def test_loaded_model_objects_and_tokenizer_fallbacks(tiny_clm: TinyLM, tiny_mlm: TinyLM) -> None:
    model, tokenizer = load_text_model(tiny_clm.model)  # tokenizer from the model's name_or_path
    assert model is tiny_clm.model and tokenizer.pad_token == "<pad>"
    tokenizer.pad_token = None
    _, fixed = load_text_model(tiny_clm.model, tokenizer=tokenizer)
    assert fixed.pad_token == fixed.eos_token  # causal LM without pad token pads with EOS
    with pytest.raises(ValueError, match="with AutoModelForMaskedLM \\(objective 'mlm'\\)"):
        load_text_model(tiny_clm.path, "mlm")
    with pytest.raises(ValueError, match="has no mask token"):
        load_text_model(tiny_clm.model, "mlm")
    mlm, _ = load_text_model(tiny_mlm.path, dtype=torch.float64)
    assert next(mlm.parameters()).dtype == torch.float64
    with pytest.raises(TypeError, match="model must be a path"):
        load_text_model(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="PreTrainedModel"):
        backbone_parameter_names(torch.nn.Linear(2, 2))
