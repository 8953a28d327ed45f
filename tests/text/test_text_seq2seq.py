"""Encoder-decoder models (tiny T5 and BART): seq2seq_encoder_mlm encoding, training, rewrite, reload."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gradiend.testing import assert_feature_learned, check_definition_contract, quick_arguments
from gradiend_text.scoring import language_modeling_score, target_word_probabilities
from gradiend_text.seq2seq import SENTINEL, encode_seq2seq_row
from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences
from gradiend_text.trainer import TextPredictionTrainer

# The tiny T5 pre-trains for about 20 s (BART: about 5 s), so its training tests run with the slow ones.
FAMILIES = [pytest.param("tiny_t5", marks=pytest.mark.slow), "tiny_bart"]


def _trainer(lm: TinyLM, directory: Path, **overrides: object) -> TextPredictionTrainer:
    return TextPredictionTrainer(
        model=lm.path,
        data=gender_template_frame(60, seed=3, classes=("he", "she", "they")),
        target_classes=["he", "she"],
        args=quick_arguments(directory, **{"max_seeds": 3, **overrides}),
        eval_neutral_data=neutral_sentences(392, seed=5),
    )


@pytest.fixture(scope="module", params=FAMILIES)
def trained(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> TextPredictionTrainer:
    lm: TinyLM = request.getfixturevalue(request.param)
    trainer = _trainer(lm, tmp_path_factory.mktemp(f"{request.param}-run"))
    trainer.train()
    return trainer


def test_t5_rows_put_a_sentinel_in_the_encoder_and_score_the_span(untrained_t5: TinyLM) -> None:
    tokenizer = untrained_t5.tokenizer
    row = encode_seq2seq_row(tokenizer, "mary said that [MASK] felt tired.", "she")
    sentinel = tokenizer.convert_tokens_to_ids(SENTINEL)
    assert sentinel in row.input_ids and tokenizer.mask_token_id is None
    assert row.decoder_ids[0] == sentinel and row.positions == (1,)
    assert tokenizer.decode(list(row.targets)).strip() == "she"


def test_bart_rows_put_one_mask_in_the_encoder_and_reconstruct_up_to_the_word(tiny_bart: TinyLM) -> None:
    tokenizer = tiny_bart.tokenizer
    row = encode_seq2seq_row(tokenizer, "mary said that [MASK] felt tired.", "she")
    assert row.input_ids.count(int(tokenizer.mask_token_id)) == 1
    assert tokenizer.decode(list(row.decoder_ids), skip_special_tokens=True) == "mary said that she"
    assert row.positions == (len(row.decoder_ids) - 1,)


def test_auto_resolves_encoder_decoders_and_wrong_objectives_are_explained(
    untrained_t5: TinyLM, tiny_clm: TinyLM, tmp_path: Path
) -> None:
    trainer = _trainer(untrained_t5, tmp_path / "auto")
    check_definition_contract(trainer)
    assert trainer.objective == "seq2seq"
    names = trainer.default_parameter_names(trainer.base_model)
    assert "shared.weight" in names and any(n.startswith("encoder.") for n in names)
    assert not any(n.startswith(("decoder.", "lm_head")) for n in names), "decoder and head are excluded"
    with pytest.raises(ValueError, match="encoder-decoder"):
        _trainer(untrained_t5, tmp_path / "mlm", prediction_objective="mlm_mask_token").base_model  # noqa: B018
    with pytest.raises(ValueError, match="seq2seq_encoder_mlm"):
        _trainer(tiny_clm, tmp_path / "clm", prediction_objective="seq2seq_encoder_mlm").base_model  # noqa: B018


def test_the_utility_score_is_a_span_accuracy_that_a_random_model_fails(
    tiny_bart: TinyLM, untrained_t5: TinyLM
) -> None:
    from gradiend_text.testing_seq2seq import tiny_bart as fresh_bart

    texts = neutral_sentences(100, seed=5)
    trained_score = language_modeling_score(tiny_bart.model, tiny_bart.tokenizer, texts, "seq2seq")
    random_score = language_modeling_score(
        fresh_bart(tiny_bart.tokenizer), tiny_bart.tokenizer, texts, "seq2seq"
    )
    t5_score = language_modeling_score(untrained_t5.model, untrained_t5.tokenizer, texts, "seq2seq")
    assert t5_score < 0.2, "an untrained T5 fills spans at chance"
    assert trained_score >= random_score + 0.3, (trained_score, random_score)


def test_the_feature_is_learned(trained: TextPredictionTrainer) -> None:
    metrics = assert_feature_learned(trained, 0.9)
    assert abs(metrics["mean_by_type"]["neutral"]) < 0.5, "neutral sentences encode near zero"


def _p_she_on_he_rows(trainer: TextPredictionTrainer, model: torch.nn.Module) -> float:
    rows = trainer.create_training_data("test")
    rows = rows[rows["feature_class"] == "he"]
    assert trainer.tokenizer is not None and trainer.objective is not None
    table = target_word_probabilities(model, trainer.tokenizer, rows, {"she": ["she"]}, trainer.objective)
    return float(table["she"].mean())


def test_strengthening_she_moves_the_probability_keeps_utility_and_reloads(
    trained: TextPredictionTrainer, tmp_path: Path
) -> None:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    results = trained.evaluate_decoder(target_class="she")
    entry = results["she"]
    assert not entry["fallback"]
    assert entry["lms"] >= 0.99 * entry["base_lms"]
    path = trained.rewrite_base_model(
        decoder_results=results, target_class="she", output_dir=str(tmp_path / "rewritten")
    )
    reloaded = AutoModelForSeq2SeqLM.from_pretrained(path).eval()
    before = _p_she_on_he_rows(trained, trained.base_model)
    after = _p_she_on_he_rows(trained, reloaded)
    assert after >= 2.0 * before, f"P(she) on he-rows {before:.4f} -> {after:.4f}"
    tokenizer = AutoTokenizer.from_pretrained(path)
    row = encode_seq2seq_row(tokenizer, "the doctor said that [MASK] was tired.", "he")
    assert row.decoder_ids, "the saved tokenizer still encodes seq2seq rows"


def test_rows_without_a_placeholder_or_tokenizer_without_sentinel_are_explained(
    untrained_t5: TinyLM, tiny_clm: TinyLM
) -> None:
    with pytest.raises(ValueError, match="placeholder"):
        encode_seq2seq_row(untrained_t5.tokenizer, "no slot here.", "she")
    with pytest.raises(ValueError, match="extra_id_0"):
        encode_seq2seq_row(tiny_clm.tokenizer, "mary said that [MASK] felt tired.", "she")
