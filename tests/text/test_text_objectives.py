"""Encoding of masked/causal targets, the causal shift, and the one-forward paired loss."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from transformers import BertConfig, GPT2Config, LlamaConfig, PreTrainedModel, PreTrainedTokenizerBase

from gradiend_text.encoding import (
    Objective,
    collate,
    encode_clm_row,
    encode_mlm_row,
    encode_row,
    word_token_ids,
)
from gradiend_text.objectives import compute_paired_loss, detect_objective, resolve_objective
from gradiend_text.scoring import target_class_probabilities
from gradiend_text.testing import (
    TinyLM,
    gender_template_frame,
    neutral_sentences,
    tiny_bert_mlm,
    tiny_gpt2_clm,
    train_bpe_tokenizer,
    train_wordpiece_tokenizer,
)

CORPUS = gender_template_frame(40)["text"].tolist() + neutral_sentences(100) + ["they blamed themselves."] * 3


@pytest.fixture(scope="module")
def raw_mlm() -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    tokenizer = train_wordpiece_tokenizer(CORPUS, vocab_size=120)
    return tiny_bert_mlm(tokenizer).eval(), tokenizer


@pytest.fixture(scope="module")
def raw_clm() -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    tokenizer = train_bpe_tokenizer(CORPUS, vocab_size=320)
    return tiny_gpt2_clm(tokenizer).eval(), tokenizer


@contextmanager
def count_forwards(model: torch.nn.Module) -> Iterator[list[int]]:
    calls = [0]
    handle = model.register_forward_hook(lambda *_: calls.__setitem__(0, calls[0] + 1))
    try:
        yield calls
    finally:
        handle.remove()


def _hf_loss(model: PreTrainedModel, input_ids: list[int], labels: list[int]) -> torch.Tensor:
    """Hugging Face's own loss (it shifts causal labels itself) for one unpadded sequence."""
    out = model(input_ids=torch.tensor([input_ids]), labels=torch.tensor([labels]))
    return out.loss


def test_clm_target_is_scored_at_the_last_prefix_token(
    raw_clm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
) -> None:
    model, tokenizer = raw_clm
    row = encode_clm_row(tokenizer, "mary said that [MASK] felt tired.", "she")
    prefix = tokenizer("mary said that")["input_ids"]
    assert row.input_ids == tuple(prefix) and row.positions == (len(prefix) - 1,)
    assert row.targets == tuple(tokenizer(" she", add_special_tokens=False)["input_ids"])
    rows = pd.DataFrame({"masked": ["mary said that [MASK] felt tired."], "factual": ["she"]})
    ours = compute_paired_loss(model, tokenizer, rows, "clm").factual
    full = list(prefix) + list(row.targets)
    expected = _hf_loss(model, full, [-100] * len(prefix) + list(row.targets))
    torch.testing.assert_close(ours, expected)
    wrong = F.cross_entropy(
        model(torch.tensor([full])).logits[0, len(prefix)].unsqueeze(0), torch.tensor(row.targets)
    )
    assert not torch.isclose(ours, wrong)  # reading the logits at the target token itself is another number


def test_clm_multi_token_target_uses_teacher_forcing(
    raw_clm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
) -> None:
    model, tokenizer = raw_clm
    word_ids = word_token_ids(tokenizer, "themselves", leading_space=True)
    assert len(word_ids) > 1
    row = encode_clm_row(tokenizer, "the kids blamed [MASK].", "themselves")
    prefix = tokenizer("the kids blamed")["input_ids"]
    assert row.input_ids == tuple(prefix + word_ids[:-1])
    assert row.positions == tuple(range(len(prefix) - 1, len(prefix) - 1 + len(word_ids)))
    rows = pd.DataFrame({"masked": ["the kids blamed [MASK]."], "factual": ["themselves"]})
    expected = _hf_loss(model, prefix + word_ids, [-100] * len(prefix) + word_ids)
    torch.testing.assert_close(compute_paired_loss(model, tokenizer, rows, "clm").factual, expected)


def test_clm_empty_prefix_uses_bos(raw_clm: tuple[PreTrainedModel, PreTrainedTokenizerBase]) -> None:
    _, tokenizer = raw_clm
    row = encode_clm_row(tokenizer, "[MASK] felt tired.", "she")
    word_ids = tuple(tokenizer("she", add_special_tokens=False)["input_ids"])  # no leading space
    assert row.input_ids == (tokenizer.bos_token_id, *word_ids[:-1]) and row.targets == word_ids
    assert row.positions == tuple(range(len(word_ids)))


def test_mlm_placeholder_becomes_one_mask_per_sub_token(
    raw_mlm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
) -> None:
    model, tokenizer = raw_mlm
    word_ids = word_token_ids(tokenizer, "themselves", leading_space=True)
    assert len(word_ids) > 1
    row = encode_mlm_row(tokenizer, "the kids blamed [MASK] and [MASK].", "themselves")
    assert row.input_ids.count(tokenizer.mask_token_id) == 2 * len(word_ids)
    assert row.targets == tuple(word_ids * 2)
    assert [row.input_ids[p] for p in row.positions] == [tokenizer.mask_token_id] * len(row.positions)
    labels = [-100] * len(row.input_ids)
    for position, target in zip(row.positions, row.targets, strict=True):
        labels[position] = target
    rows = pd.DataFrame({"masked": ["the kids blamed [MASK] and [MASK]."], "factual": ["themselves"]})
    torch.testing.assert_close(
        compute_paired_loss(model, tokenizer, rows, "mlm").factual,
        _hf_loss(model, list(row.input_ids), labels),
    )


def test_padding_to_the_longest_row_does_not_change_losses(
    raw_mlm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
    raw_clm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
) -> None:
    rows = gender_template_frame(3, seed=5).rename(columns={"label": "factual"})
    rows.loc[0, "masked"] = "yesterday in the old house by the river " + rows.loc[0, "masked"]
    cases: list[tuple[tuple[PreTrainedModel, PreTrainedTokenizerBase], Objective]] = [
        (raw_mlm, "mlm"),
        (raw_clm, "clm"),
    ]
    for (model, tokenizer), objective in cases:
        batch = collate(
            [
                encode_row(tokenizer, m, f, objective)
                for m, f in zip(rows["masked"], rows["factual"], strict=True)
            ],
            0,
        )
        assert batch.input_ids.shape[1] == max(
            len(encode_row(tokenizer, m, f, objective).input_ids)
            for m, f in zip(rows["masked"], rows["factual"], strict=True)
        )
        together = compute_paired_loss(model, tokenizer, rows, objective).factual
        alone = torch.stack(
            [
                compute_paired_loss(model, tokenizer, rows.iloc[[i]], objective).factual
                for i in range(len(rows))
            ]
        )
        weights = torch.tensor(
            [
                len(encode_row(tokenizer, m, f, objective).targets)
                for m, f in zip(rows["masked"], rows["factual"], strict=True)
            ],
            dtype=torch.float,
        )
        torch.testing.assert_close(together, (alone * weights).sum() / weights.sum(), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("objective", ["mlm", "clm"])
def test_one_forward_when_inputs_match_two_otherwise(
    objective: Objective,
    raw_mlm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
    raw_clm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
) -> None:
    model, tokenizer = raw_mlm if objective == "mlm" else raw_clm
    rows = pd.DataFrame(
        {
            "masked": ["mary said that [MASK] felt tired.", "the queen knew that [MASK] lost the keys."],
            "factual": ["she", "she"],
            "alternative": ["he", "he"],
        }
    )
    with count_forwards(model) as calls:
        shared = compute_paired_loss(model, tokenizer, rows, objective)
    assert calls[0] == 1 and shared.alternative is not None
    flipped = compute_paired_loss(
        model, tokenizer, rows.assign(factual=["he", "he"], alternative=["she", "she"]), objective
    )
    torch.testing.assert_close(shared.alternative, flipped.factual)
    with count_forwards(model) as calls:
        compute_paired_loss(model, tokenizer, rows.assign(alternative=["themselves"] * 2), objective)
    assert calls[0] == 2


def test_neutral_rows_have_no_alternative(raw_mlm: tuple[PreTrainedModel, PreTrainedTokenizerBase]) -> None:
    model, tokenizer = raw_mlm
    rows = pd.DataFrame({"masked": ["the cat sat on [MASK] mat."], "factual": ["the"], "alternative": [None]})
    loss = compute_paired_loss(model, tokenizer, rows, "mlm")
    assert loss.alternative is None and loss.factual.requires_grad
    mixed = pd.concat([rows, rows.assign(alternative="a")])
    with pytest.raises(ValueError, match="1 of 2 rows have no alternative"):
        compute_paired_loss(model, tokenizer, mixed, "mlm")
    with pytest.raises(ValueError, match="no '\\[MASK\\]' placeholder"):
        compute_paired_loss(model, tokenizer, rows.assign(masked="no slot"), "mlm")


def test_pretrained_clm_reads_the_next_token_distribution(tiny_clm: TinyLM) -> None:
    rows = pd.DataFrame(
        {
            "masked": ["mary said that [MASK] felt tired.", "the king knew that [MASK] had a new car."],
            "factual": ["she", "he"],
        }
    )
    probabilities = target_class_probabilities(
        tiny_clm.model, tiny_clm.tokenizer, rows.iloc[[0]], {"she": ["she"], "he": ["he"]}, "clm"
    )
    assert probabilities["she"] > 0.5 > probabilities["he"]
    loss = compute_paired_loss(
        tiny_clm.model, tiny_clm.tokenizer, rows.assign(alternative=["he", "she"]), "clm"
    )
    assert loss.alternative is not None and loss.factual < loss.alternative


def test_detect_and_resolve_objective(
    raw_mlm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
    raw_clm: tuple[PreTrainedModel, PreTrainedTokenizerBase],
) -> None:
    assert detect_objective(raw_mlm[0]) == "mlm" and detect_objective(raw_clm[0]) == "clm"
    assert detect_objective(BertConfig()) == "mlm"
    assert detect_objective(BertConfig(is_decoder=True)) == "clm"
    assert detect_objective(LlamaConfig()) == "clm"
    assert detect_objective(GPT2Config(architectures=["GPT2LMHeadModel"])) == "clm"
    assert resolve_objective("auto", raw_clm[0]) == "clm"
    assert resolve_objective("mlm_mask_token", raw_clm[0]) == "mlm"
    assert resolve_objective("clm_next_token", raw_mlm[0]) == "clm"
    with pytest.raises(ValueError, match="prediction_objective must be one of"):
        resolve_objective("seq2seq_decoder", raw_mlm[0])
