"""Causal-LM perplexity: sliding windows past the position limit, log space, no overflow."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pytest
import torch

from gradiend_text.perplexity import causal_lm_perplexity, context_length
from gradiend_text.testing import TinyLM, neutral_sentences


def test_a_short_text_matches_the_models_own_loss(tiny_clm: TinyLM) -> None:
    text = "the cat sat on the mat."
    result = causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, [text])
    ids = tiny_clm.tokenizer(text, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        loss = float(tiny_clm.model(input_ids=ids, labels=ids).loss)
    assert result.total_tokens == ids.shape[1] - 1
    assert result.mean_nll == pytest.approx(loss, rel=1e-5)
    assert result.perplexity == pytest.approx(math.exp(loss), rel=1e-5)


def test_texts_longer_than_the_position_table_are_scored_in_windows(tiny_clm: TinyLM) -> None:
    text = " ".join(neutral_sentences(40, seed=1))
    n_tokens = len(tiny_clm.tokenizer(text)["input_ids"])
    limit = context_length(tiny_clm.model)
    assert limit is not None and n_tokens > 3 * limit, "the text must overflow the 64 positions"
    overlapping = causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, [text], stride=16)
    disjoint = causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, [text], stride=limit)
    assert overlapping.total_tokens == disjoint.total_tokens == n_tokens - 1, "each token scored once"
    assert math.isfinite(overlapping.perplexity) and overlapping.perplexity < 50
    # More left context per token (overlapping windows) cannot make a trained model much worse.
    assert overlapping.mean_nll <= disjoint.mean_nll + 0.05


def test_a_huge_perplexity_is_inf_with_a_finite_log(tiny_clm: TinyLM) -> None:
    broken = copy.deepcopy(tiny_clm.model)
    with torch.no_grad():
        broken.get_output_embeddings().weight.mul_(1e4)
    result = causal_lm_perplexity(broken, tiny_clm.tokenizer, neutral_sentences(5, seed=2))
    assert math.isfinite(result.mean_nll) and result.mean_nll > 710
    assert result.perplexity == math.inf


def test_bad_windows_and_empty_texts_are_explained(tiny_clm: TinyLM) -> None:
    with pytest.raises(ValueError, match="stride"):
        causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, ["the cat sat."], max_length=8, stride=9)
    with pytest.raises(ValueError, match="max_length"):
        causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, ["the cat sat."], max_length=1)
    with pytest.raises(ValueError, match="two tokens"):
        causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, [""])


def test_batched_short_texts_score_as_one_at_a_time(tiny_clm: TinyLM) -> None:
    texts = [*neutral_sentences(12, seed=3), "the cat sat on a very long mat in the old house by the river."]
    one = causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, texts, batch_size=1)
    batched = causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, texts, batch_size=8)
    assert batched.total_tokens == one.total_tokens
    assert batched.mean_nll == pytest.approx(one.mean_nll, rel=1e-6)


def test_decoder_evaluation_of_a_causal_lm_reports_the_log_perplexity(
    tiny_clm: TinyLM, tmp_path: Path
) -> None:
    from gradiend.testing import quick_arguments
    from gradiend_text.testing import gender_template_frame
    from gradiend_text.trainer import TextPredictionTrainer

    neutral = neutral_sentences(30, seed=4)
    trainer = TextPredictionTrainer(
        model=tiny_clm.path,
        data=gender_template_frame(20, seed=3),
        target_classes=["he", "she"],
        args=quick_arguments(tmp_path),
        eval_neutral_data=neutral,
    )
    scores = trainer.evaluate_base_model(trainer.base_model, trainer.create_decoder_eval_data(8, 30))
    expected = causal_lm_perplexity(trainer.base_model, tiny_clm.tokenizer, neutral).mean_nll
    assert scores.extras["log_perplexity"] == pytest.approx(expected, rel=1e-6)


def test_the_utility_pass_reads_the_perplexity_of_long_texts_too(tiny_clm: TinyLM) -> None:
    """One pass gives the accuracy and the log-perplexity, also of a text past the position limit."""
    from gradiend_text.scoring import language_modeling_score, language_modeling_utility

    texts = [*neutral_sentences(10, seed=5), " ".join(neutral_sentences(30, seed=6))]
    limit = context_length(tiny_clm.model)
    assert limit is not None and len(tiny_clm.tokenizer(texts[-1])["input_ids"]) > 2 * limit
    expected = causal_lm_perplexity(tiny_clm.model, tiny_clm.tokenizer, texts)
    result = language_modeling_utility(
        tiny_clm.model, tiny_clm.tokenizer, texts, "clm", batch_size=4, nll=True
    )
    assert result.complete and result.mean_nll == pytest.approx(expected.mean_nll, rel=1e-6)
    assert result.score == language_modeling_score(
        tiny_clm.model, tiny_clm.tokenizer, texts, "clm", batch_size=4
    )
    stopped = language_modeling_utility(
        tiny_clm.model, tiny_clm.tokenizer, texts, "clm", batch_size=4, minimum=1.0, nll=True
    )
    assert not stopped.complete and stopped.mean_nll is None  # a stopped pass reports no perplexity
    with pytest.raises(ValueError, match="nll=True needs a causal LM"):
        language_modeling_utility(tiny_clm.model, tiny_clm.tokenizer, texts, "mlm", nll=True)
