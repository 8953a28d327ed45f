"""Sentence splitting of raw texts without a language model.

The rule is deliberately simple and deterministic (no spaCy): a text is cut at line breaks, and after a
run of ``.``, ``!`` or ``?`` (optionally followed by closing quotes or brackets) when whitespace and an
upper-case letter, a digit or an opening quote follow. A few common abbreviations (``Mr.``, ``Dr.``,
``e.g.`` ...) and single initials (``J. Smith``) do not end a sentence. Whitespace inside a sentence is
collapsed to single spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

_ABBREVIATIONS: frozenset[str] = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "etc", "e.g", "i.e", "no", "approx", "ca"}
)
_BOUNDARY = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")
_WHITESPACE = re.compile(r"\s+")


def _ends_with_abbreviation(chunk: str) -> bool:
    last = chunk.rstrip("\"')]").rsplit(maxsplit=1)[-1] if chunk.strip() else ""
    word = last.rstrip(".").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for boundary in _BOUNDARY.finditer(line):
        candidate = line[start : boundary.start()] + line[boundary.start() : boundary.end()].strip()
        if _ends_with_abbreviation(line[start : boundary.start()]):
            continue
        pieces.append(candidate)
        start = boundary.end()
    pieces.append(line[start:])
    return pieces


def split_sentences(text: str) -> list[str]:
    """Split one text into sentences (see the module docstring for the rule); empty pieces are dropped."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    sentences: list[str] = []
    for line in text.splitlines():
        for piece in _split_line(line):
            sentence = _WHITESPACE.sub(" ", piece).strip()
            if sentence:
                sentences.append(sentence)
    return sentences


def iter_sentences(texts: Iterable[str]) -> Iterator[str]:
    """Yield the sentences of every text in order; ``None``/NaN-like non-strings are skipped."""
    for text in texts:
        if isinstance(text, str):
            yield from split_sentences(text)


__all__ = ["iter_sentences", "split_sentences"]
