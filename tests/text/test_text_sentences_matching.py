"""Sentence splitting and the case-aware whole-word matching rule."""

from __future__ import annotations

import pytest

from gradiend_text.matching import (
    WordMatch,
    apply_casing,
    contains_any_word,
    find_words,
    left_context_words,
    mask_matches,
)
from gradiend_text.sentences import split_sentences


def test_split_sentences_on_punctuation_lines_and_quotes() -> None:
    text = 'He left. Mr. Smith stayed!  "Why?" she asked.\nNew line here\n\n'
    assert split_sentences(text) == ["He left.", "Mr. Smith stayed!", '"Why?" she asked.', "New line here"]


def test_split_sentences_keeps_initials_and_lowercase_continuations() -> None:
    assert split_sentences("I met J. Doe today. it was fine.") == ["I met J. Doe today. it was fine."]
    with pytest.raises(TypeError, match="text must be a str"):
        split_sentences(None)  # type: ignore[arg-type]


def test_whole_word_and_capitalised_matches_only() -> None:
    sentence = "He said the theme was his; then he's (he) gone, HE shouted."
    words = [m.word for m in find_words(sentence, ["he"])]
    assert words == ["He", "he", "he"]  # "the", "theme", "his" and "HE" do not match


def test_capitalised_target_matches_exact_spelling_only() -> None:
    assert [m.word for m in find_words("Paris and paris", ["Paris"])] == ["Paris"]


def test_multi_word_target_matches_across_whitespace() -> None:
    matches = find_words("I told my  boyfriend and My boyfriend.", ["my boyfriend"])
    assert [m.word for m in matches] == ["my  boyfriend", "My boyfriend"]


def test_mask_and_left_context() -> None:
    sentence = "Then he said he was tired."
    matches = find_words(sentence, ["he"])
    assert mask_matches(sentence, matches) == "Then [MASK] said [MASK] was tired."
    assert left_context_words(sentence, matches[0].start) == 1
    with pytest.raises(ValueError, match="overlapping"):
        mask_matches(sentence, [WordMatch("he", 5, 7), WordMatch("e", 6, 7)])


def test_apply_casing_patterns() -> None:
    assert apply_casing("He", "she") == "She"
    assert apply_casing("HE", "she") == "SHE"
    assert apply_casing("he", "she") == "she"
    assert apply_casing("he", "She") == "she"
    assert apply_casing("iPhone", "android") == "android"
    assert apply_casing("42", "She") == "She"


def test_contains_any_word_ignores_case() -> None:
    assert contains_any_word("SHE left", ["she"])
    assert not contains_any_word("the shelf", ["she", "he"])
    assert not contains_any_word("anything", [])
    with pytest.raises(TypeError, match="list of words"):
        contains_any_word("x", "she")
