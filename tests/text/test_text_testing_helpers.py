"""The shipped test helpers: templates, tokenizers, tiny models and their pre-training."""

from __future__ import annotations

import pytest
import torch

from gradiend_text.data import normalize_text_data
from gradiend_text.testing import (
    TinyLM,
    class_prediction_accuracy,
    gender_template_frame,
    neutral_sentences,
    pretrain_tiny_lm,
    single_thread,
    tiny_bert_mlm,
    tiny_gpt2_clm,
    train_bpe_tokenizer,
    train_wordpiece_tokenizer,
)


def test_templates_are_published_merged_rows() -> None:
    frame = gender_template_frame(10, seed=0)
    assert list(frame.columns) == ["text", "masked", "label", "label_class"]
    assert frame["label_class"].value_counts().to_dict() == {"he": 10, "she": 10, "they": 10}
    assert all(
        m.replace("[MASK]", w) == t
        for m, w, t in zip(frame["masked"], frame["label"], frame["text"], strict=True)
    )
    held_out = gender_template_frame(10, seed=1, exclude=frame)
    assert not set(held_out["masked"]) & set(frame["masked"])
    normalized = normalize_text_data(frame, ["he", "she"])
    assert set(normalized.loc[normalized["feature_class"] == "they", "label"]) == {0.0}
    with pytest.raises(ValueError, match="unused templates remain"):
        gender_template_frame(10_000)
    assert len(set(neutral_sentences(50))) == 50
    assert not any(w in s.split() for s in neutral_sentences(50) for w in ("he", "she", "they"))


@pytest.mark.parametrize("tiny_name", ["tiny_mlm", "tiny_clm"])
def test_tiny_models_predict_the_pronoun_class_on_new_templates(
    tiny_name: str, request: pytest.FixtureRequest
) -> None:
    tiny: TinyLM = request.getfixturevalue(tiny_name)
    held_out = gender_template_frame(30, seed=123, exclude=gender_template_frame(120, seed=0))
    targets = {c: [c] for c in ("he", "she", "they")}
    assert class_prediction_accuracy(tiny.model, tiny.tokenizer, held_out, targets, tiny.objective) >= 0.9


def test_tokenizers_have_the_expected_special_tokens() -> None:
    texts = neutral_sentences(60)
    wordpiece = train_wordpiece_tokenizer(texts, vocab_size=150)
    ids = wordpiece("The cat [MASK].")["input_ids"]
    assert wordpiece.convert_ids_to_tokens(ids) == ["[CLS]", "the", "cat", "[MASK]", ".", "[SEP]"]
    bpe = train_bpe_tokenizer(texts, vocab_size=300)
    tokens = bpe.convert_ids_to_tokens(bpe("the cat")["input_ids"])
    assert tokens[0] == "the" and tokens[1].startswith("Ġ")  # byte-level: the space belongs to the next word
    assert bpe.pad_token == "<pad>" and bpe.eos_token == bpe.bos_token == "<|endoftext|>"


def test_wordpiece_vocabulary_is_the_same_in_every_process() -> None:
    """The tokenizers WordPiece trainer assigns ids differently per process; ours must not (tiny-LM tests)."""
    import subprocess
    import sys

    script = (
        "from gradiend_text.testing import neutral_sentences, train_wordpiece_tokenizer;"
        "print(sorted(train_wordpiece_tokenizer(neutral_sentences(80), vocab_size=150).get_vocab().items()))"
    )
    outputs = {
        subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    assert len(outputs) == 1


def test_wordpiece_splits_unknown_words_into_pieces() -> None:
    wordpiece = train_wordpiece_tokenizer(neutral_sentences(60), vocab_size=400)
    pieces = wordpiece.tokenize("teacherly")
    assert len(pieces) > 1 and pieces[0] != "[UNK]" and all(p.startswith("##") for p in pieces[1:])


def test_pretraining_is_seeded_and_stops_early() -> None:
    texts = gender_template_frame(20)["text"].tolist()
    tokenizer = train_wordpiece_tokenizer(texts, vocab_size=120)
    with single_thread():
        first, second = tiny_bert_mlm(tokenizer, seed=4), tiny_bert_mlm(tokenizer, seed=4)
        assert pretrain_tiny_lm(first, tokenizer, texts, steps=6, seed=1, batch_size=8) == 6
        pretrain_tiny_lm(second, tokenizer, texts, steps=6, seed=1, batch_size=8)
        for a, b in zip(first.parameters(), second.parameters(), strict=True):
            torch.testing.assert_close(a, b)
        calls: list[bool] = []

        def third_call() -> bool:
            calls.append(True)
            return len(calls) == 3

        steps = pretrain_tiny_lm(
            first,
            tokenizer,
            texts,
            steps=50,
            batch_size=8,
            check_every=2,
            stop_when=third_call,
        )
    assert steps == 6 and not first.training
    clm_tokenizer = train_bpe_tokenizer(texts, vocab_size=280)
    with pytest.raises(ValueError, match="at least batch_size=32 texts"):
        pretrain_tiny_lm(tiny_gpt2_clm(clm_tokenizer), clm_tokenizer, texts[:5])
