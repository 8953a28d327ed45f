"""Finding target words in sentences, masking them, and carrying casing over to alternatives.

Matching rule (case-aware, whole words):

* a target matches only as a whole word: the characters around it must not be letters, digits or ``_``
  (``he`` matches in ``he's`` and ``(he)`` but not in ``the`` or ``hello``); a multi-word target
  (``New York``) matches with any run of whitespace between its words;
* a target matches its exact spelling, and also its capitalised form when it starts with a lower-case
  letter (``he`` matches ``He`` at the start of a sentence); other case variants (``HE``, ``hE``) do not;
* the matched surface form is the *factual* word of a row; :func:`apply_casing` gives its alternative the
  same casing pattern (``He`` -> ``She``, ``HE`` -> ``SHE``).

For excluding words (neutral data) the comparison is case-insensitive: see :func:`contains_any_word`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class WordMatch:
    """One occurrence of a target word: its surface form and character span ``[start, end)``."""

    word: str
    start: int
    end: int


def _word_regex(word: str) -> str:
    return r"\s+".join(re.escape(part) for part in word.split())


def _variants(word: str) -> list[str]:
    variants = [word]
    if word[:1].islower():
        variants.append(word[0].upper() + word[1:])
    return variants


@lru_cache(maxsize=256)
def _compile(words: tuple[str, ...], ignore_case: bool) -> re.Pattern[str]:
    forms = {form for word in words for form in ([word] if ignore_case else _variants(word))}
    # Longest first so that "New York City" wins over "New York".
    alternation = "|".join(_word_regex(form) for form in sorted(forms, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE if ignore_case else 0)


def _clean_words(name: str, words: Sequence[str]) -> tuple[str, ...]:
    if isinstance(words, str):
        raise TypeError(f"{name} must be a list of words, got the string {words!r}")
    cleaned = tuple(str(w).strip() for w in words)
    empty = [w for w in words if not str(w).strip()]
    if empty or not cleaned:
        raise ValueError(f"{name} must be a non-empty list of non-empty words, got {list(words)!r}")
    return cleaned


def find_words(sentence: str, words: Sequence[str]) -> list[WordMatch]:
    """All case-aware whole-word occurrences of ``words`` in ``sentence``, left to right."""
    pattern = _compile(_clean_words("words", words), False)
    return [WordMatch(m.group(0), m.start(), m.end()) for m in pattern.finditer(sentence)]


def contains_any_word(sentence: str, words: Sequence[str]) -> bool:
    """Whether ``sentence`` contains any of ``words`` as a whole word, ignoring case."""
    if not words:
        return False
    return _compile(_clean_words("words", words), True).search(sentence) is not None


def mask_matches(sentence: str, matches: Sequence[WordMatch], mask: str = "[MASK]") -> str:
    """Replace every match span in ``sentence`` by ``mask``."""
    pieces: list[str] = []
    position = 0
    for match in sorted(matches, key=lambda m: m.start):
        if match.start < position:
            raise ValueError(f"overlapping matches in {sentence!r}: {list(matches)!r}")
        pieces.append(sentence[position : match.start])
        pieces.append(mask)
        position = match.end
    pieces.append(sentence[position:])
    return "".join(pieces)


def left_context_words(sentence: str, start: int) -> int:
    """Number of word-like strings (runs of letters/digits) before character ``start``."""
    return len(re.findall(r"\w+", sentence[:start]))


def apply_casing(factual: str, alternative: str) -> str:
    """Give ``alternative`` the casing pattern of ``factual``.

    All lower case -> lower case; all upper case (more than one letter) -> upper case; capitalised
    (first letter upper, the rest lower) -> first letter upper, the rest lower; any other pattern
    (``iPhone``) leaves ``alternative`` unchanged.
    """
    letters = [c for c in factual if c.isalpha()]
    if not letters:
        return alternative
    if all(c.islower() for c in letters):
        return alternative.lower()
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return alternative.upper()
    if factual[:1].isupper() and all(c.islower() for c in letters[1:]):
        return alternative[:1].upper() + alternative[1:].lower()
    return alternative


__all__ = [
    "WordMatch",
    "apply_casing",
    "contains_any_word",
    "find_words",
    "left_context_words",
    "mask_matches",
]
