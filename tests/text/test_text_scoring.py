"""Target-class probabilities and the language-modelling score on the tiny pre-trained LMs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from gradiend_text.scoring import (
    language_modeling_score,
    target_class_probabilities,
    target_word_probabilities,
)
from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences

TARGETS = {"he": ["he"], "she": ["she"], "they": ["they"]}


@pytest.fixture(params=["mlm", "clm"])
def tiny(request: pytest.FixtureRequest) -> TinyLM:
    return request.getfixturevalue(f"tiny_{request.param}")


def test_class_probabilities_follow_the_subject(tiny: TinyLM) -> None:
    rows = gender_template_frame(20, seed=11).rename(columns={"label": "factual"})
    per_row = target_word_probabilities(tiny.model, tiny.tokenizer, rows, TARGETS, tiny.objective)
    assert list(per_row.index) == list(rows.index) and ((per_row > 0) & (per_row <= 1)).all().all()
    for cls in TARGETS:
        mine = target_class_probabilities(
            tiny.model, tiny.tokenizer, rows[rows["label_class"] == cls], TARGETS, tiny.objective
        )
        assert mine[cls] > 0.5 and mine[cls] == max(mine.values())


def test_probabilities_do_not_depend_on_batch_size(tiny: TinyLM) -> None:
    rows = gender_template_frame(4, seed=3).rename(columns={"label": "factual"})
    rows.loc[0, "masked"] = (
        "the dog ran to the park and " + rows.loc[0, "masked"]
    )  # a longer row forces padding
    one = target_word_probabilities(tiny.model, tiny.tokenizer, rows, TARGETS, tiny.objective, batch_size=1)
    many = target_word_probabilities(tiny.model, tiny.tokenizer, rows, TARGETS, tiny.objective, batch_size=8)
    pd.testing.assert_frame_equal(one, many, atol=1e-6, rtol=1e-5)


def test_multi_token_word_probability_is_a_product(tiny_clm: TinyLM) -> None:
    model, tokenizer = tiny_clm.model, tiny_clm.tokenizer
    rows = pd.DataFrame({"masked": ["mary said that [MASK] felt tired."]})
    word = " shelter"
    ids = tokenizer(word, add_special_tokens=False)["input_ids"]
    assert len(ids) > 1
    prefix = tokenizer("mary said that")["input_ids"]
    with torch.no_grad():
        log_probs = torch.log_softmax(model(torch.tensor([prefix + ids])).logits[0].double(), -1)
    expected = sum(float(log_probs[len(prefix) - 1 + i, t]) for i, t in enumerate(ids))
    got = target_word_probabilities(model, tokenizer, rows, {"x": [word.strip()]}, "clm")
    assert got.iloc[0, 0] == pytest.approx(float(torch.tensor(expected).exp()), rel=1e-6)


def test_capitalised_factual_capitalises_candidates(tiny_clm: TinyLM) -> None:
    rows = pd.DataFrame({"masked": ["[MASK] felt tired."], "factual": ["He"]})
    cased = target_word_probabilities(tiny_clm.model, tiny_clm.tokenizer, rows, {"she": ["she"]}, "clm")
    plain = target_word_probabilities(
        tiny_clm.model, tiny_clm.tokenizer, rows.assign(factual="Xx"), {"she": ["She"]}, "clm"
    )
    assert cased.iloc[0, 0] == pytest.approx(plain.iloc[0, 0])


def test_language_modeling_score_is_seeded_batched_and_meaningful(tiny: TinyLM) -> None:
    texts = neutral_sentences(40, seed=9)
    score = language_modeling_score(tiny.model, tiny.tokenizer, texts, tiny.objective, batch_size=7, seed=1)
    assert 0.3 < score <= 1.0
    assert score == language_modeling_score(
        tiny.model, tiny.tokenizer, texts, tiny.objective, batch_size=40, seed=1
    )
    noise = [" ".join(reversed(t.split())) for t in texts]
    assert language_modeling_score(tiny.model, tiny.tokenizer, noise, tiny.objective, seed=1) < score


def test_clm_score_matches_a_manual_shifted_count(tiny_clm: TinyLM) -> None:
    texts = neutral_sentences(5, seed=2)
    correct = total = 0
    for text in texts:
        ids = torch.tensor([tiny_clm.tokenizer(text)["input_ids"]])
        with torch.no_grad():
            predicted = tiny_clm.model(ids).logits[0, :-1].argmax(-1)
        correct += int((predicted == ids[0, 1:]).sum())
        total += ids.shape[1] - 1
    assert language_modeling_score(tiny_clm.model, tiny_clm.tokenizer, texts, "clm") == pytest.approx(
        correct / total
    )


def test_scoring_restores_training_mode_and_validates(tiny_mlm: TinyLM) -> None:
    tiny_mlm.model.train()
    try:
        language_modeling_score(tiny_mlm.model, tiny_mlm.tokenizer, ["the cat sat on the mat."], "mlm")
        assert tiny_mlm.model.training
    finally:
        tiny_mlm.model.eval()
    with pytest.raises(ValueError, match="mask_probability"):
        language_modeling_score(tiny_mlm.model, tiny_mlm.tokenizer, ["x"], "mlm", mask_probability=0)
    with pytest.raises(ValueError, match="no scorable tokens"):
        language_modeling_score(tiny_mlm.model, tiny_mlm.tokenizer, [""], "mlm")
    with pytest.raises(ValueError, match="targets must map each class"):
        target_class_probabilities(
            tiny_mlm.model, tiny_mlm.tokenizer, pd.DataFrame({"masked": ["[MASK]"]}), {"he": []}, "mlm"
        )


def test_encoding_cache_gives_the_uncached_encodings_and_stays_bounded(tiny_mlm: TinyLM) -> None:
    from gradiend_text.encoding import encode_row
    from gradiend_text.scoring import EncodingCache

    cache = EncodingCache(limit=2)
    texts = ["the doctor said that [MASK] was tired.", "mary said [MASK] left.", "john said [MASK] ran."]
    for text in texts:
        expected = encode_row(tiny_mlm.tokenizer, text, "she", "mlm")
        assert cache.row(tiny_mlm.tokenizer, text, "she", "mlm", "[MASK]") == expected
    assert len(cache._rows[tiny_mlm.tokenizer]) <= 2
    sentences = neutral_sentences(12, seed=2)
    first = cache.lms_rows(tiny_mlm.tokenizer, sentences, "mlm", 0, 0.15, 64)
    assert cache.lms_rows(tiny_mlm.tokenizer, sentences, "mlm", 0, 0.15, 64) is first
    assert cache.lms_rows(tiny_mlm.tokenizer, sentences, "mlm", 1, 0.15, 64) != first, "seeded masks"


def test_the_full_scores_are_the_two_parts_put_together(tiny: TinyLM, tmp_path: Path) -> None:
    """evaluate_base_model = evaluate_probabilities + evaluate_utility; ``classes`` narrows the targets."""
    from gradiend.testing import check_definition_contract, quick_arguments
    from gradiend_text.trainer import TextPredictionTrainer

    trainer = TextPredictionTrainer(
        model=tiny.path,
        data=gender_template_frame(20, seed=3),
        target_classes=["he", "she"],
        args=quick_arguments(tmp_path),
        eval_neutral_data=neutral_sentences(20, seed=4),
    )
    check_definition_contract(trainer)
    data = trainer.create_decoder_eval_data(6, 20)
    full = trainer.evaluate_base_model(trainer.base_model, data)
    utility = trainer.evaluate_utility(trainer.base_model, data)
    assert trainer.evaluate_probabilities(trainer.base_model, data) == full.probabilities
    assert (utility.lms, utility.extras) == (full.lms, full.extras)
    assert ("log_perplexity" in full.extras) == (tiny.objective == "clm")
    only_she = trainer.evaluate_probabilities(trainer.base_model, data, classes=["she"])
    assert only_she == {on: {"she": by["she"]} for on, by in full.probabilities.items()}
    with pytest.raises(ValueError, match=r"classes \['they'\].*valid: \['he', 'she'\]"):
        trainer.evaluate_probabilities(trainer.base_model, data, classes=["they"])


def test_an_overridden_or_hooked_scoring_is_never_bypassed(tiny: TinyLM, tmp_path: Path) -> None:
    """A subclass's evaluate_base_model or a plugin's scoring hook turns the two-part scoring off."""
    from gradiend.plugins import BaseModelScores, hookimpl
    from gradiend.testing import assert_decoder_search_matches_grid, quick_arguments
    from gradiend_text.trainer import TextPredictionTrainer

    class HalvedUtility(TextPredictionTrainer):
        def evaluate_base_model(self, base_model, eval_data, batch_size=32):  # type: ignore[no-untyped-def]
            scores = super().evaluate_base_model(base_model, eval_data, batch_size)
            return BaseModelScores(scores.probabilities, scores.lms / 2, scores.extras)

    class HalvedUtilityPlugin:
        @hookimpl(wrapper=True)
        def gradiend_evaluate_base_model(self, trainer, base_model, eval_data, batch_size):  # type: ignore[no-untyped-def]
            scores = yield
            return BaseModelScores(scores.probabilities, scores.lms / 2, scores.extras)

    def make(cls: type[TextPredictionTrainer], name: str) -> TextPredictionTrainer:
        return cls(
            model=tiny.path,
            data=gender_template_frame(20, seed=3),
            target_classes=["he", "she"],
            args=quick_arguments(tmp_path / name),
            eval_neutral_data=neutral_sentences(20, seed=4),
        )

    assert make(TextPredictionTrainer, "plain").scores_in_parts()
    overridden = make(HalvedUtility, "overridden")
    hooked = make(TextPredictionTrainer, "hooked")
    hooked.register_plugin(HalvedUtilityPlugin())
    data = overridden.create_decoder_eval_data(6, 20)
    plain_lms = overridden.evaluate_utility(overridden.base_model, data).lms
    for trainer in (overridden, hooked):
        assert not trainer.scores_in_parts()
        trainer.train()
        result = trainer.evaluate_decoder(target_class="she", use_cache=False, lrs=[1.0, 0.1, 0.01])
        assert result["she"]["base_lms"] == pytest.approx(plain_lms / 2)  # the search used the override
        assert_decoder_search_matches_grid(trainer, target_class="she", lrs=[1.0, 0.1, 0.01])
