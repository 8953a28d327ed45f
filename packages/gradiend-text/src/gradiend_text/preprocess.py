"""Preprocessing of raw texts before data creation, and spaCy tag filters (spaCy is optional).

:class:`TextPreprocessConfig` says how texts become segments (:func:`preprocess_texts`): split into
sentences (the rule of :mod:`gradiend_text.sentences`, or a spaCy pipeline's sentences when one is given)
or windows of several sentences, then filtered by length and characters and a custom predicate, then
de-duplicated (first occurrence kept). :data:`SpacyTagSpec` constrains a matched target word by its
spaCy token attributes (``pos``, ``tag``, ``dep``, ``lemma``, or a morphological feature such as
``Case``); :func:`load_spacy` loads a pipeline that is installed, and never downloads one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gradiend_text.sentences import split_sentences

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Token

SpacyTagSpec = dict[str, str]
"""Token constraints, e.g. ``{"pos": "DET", "Case": "Nom"}``: keys ``pos``/``tag``/``dep``/``lemma``
compare the token's attribute, any other key a morphological feature (``token.morph``)."""

_TOKEN_ATTRIBUTES = {"pos": "pos_", "tag": "tag_", "dep": "dep_", "lemma": "lemma_"}


@dataclass
class TextPreprocessConfig:
    """How raw texts become segments (see :func:`preprocess_texts`).

    Attributes:
        split_to_sentences: ``False`` keeps each text whole; ``True`` or ``1`` splits it into sentences;
            an integer ``n > 1`` joins consecutive, non-overlapping windows of ``n`` sentences.
        min_chars: drop segments shorter than this many characters.
        max_chars: drop segments longer than this many characters.
        exclude_chars: drop segments that contain any of these characters.
        custom_filter: keep only segments for which it returns ``True``.
        deduplicate: keep only the first occurrence of each segment.
    """

    split_to_sentences: bool | int = False
    min_chars: int | None = None
    max_chars: int | None = None
    exclude_chars: str | None = None
    custom_filter: Callable[[str], bool] | None = field(default=None, repr=False)
    deduplicate: bool = False

    def __post_init__(self) -> None:
        value = self.split_to_sentences
        if not isinstance(value, (bool, int)):
            raise TypeError(f"split_to_sentences must be a bool or an int, got {type(value).__name__}")
        if not isinstance(value, bool) and value < 1:
            raise ValueError(f"split_to_sentences must be >= 1 when an int, got {value}")
        for name in ("min_chars", "max_chars"):
            limit = getattr(self, name)
            if limit is not None and limit < 0:
                raise ValueError(f"{name} must be >= 0, got {limit}")
        if self.min_chars is not None and self.max_chars is not None and self.min_chars > self.max_chars:
            raise ValueError(f"min_chars ({self.min_chars}) must not exceed max_chars ({self.max_chars})")
        if self.custom_filter is not None and not callable(self.custom_filter):
            raise TypeError("custom_filter must be callable")

    def keeps(self, segment: str) -> bool:
        """Whether ``segment`` passes the length, character and custom filters."""
        if self.min_chars is not None and len(segment) < self.min_chars:
            return False
        if self.max_chars is not None and len(segment) > self.max_chars:
            return False
        if self.exclude_chars and any(char in segment for char in self.exclude_chars):
            return False
        return self.custom_filter is None or bool(self.custom_filter(segment))


def load_spacy(model: str | Language) -> Language:
    """A spaCy pipeline: ``model`` itself, or the installed package of that name (never downloaded).

    Raises:
        ImportError: when spaCy is not installed (``pip install gradiend-text[spacy]``).
        ValueError: when no pipeline of that name is installed (the message names the package).
    """
    if not isinstance(model, str):
        return model
    try:
        import spacy
    except ImportError as error:
        raise ImportError("spaCy is not installed: pip install 'gradiend-text[spacy]'") from error
    try:
        return spacy.load(model)
    except OSError as error:
        raise ValueError(
            f"the spaCy pipeline {model!r} is not installed; install its package (pip install {model}, or "
            f"python -m spacy download {model}) or pass a loaded pipeline such as spacy.blank('en')"
        ) from error


def _sentences(text: str, nlp: Language | None) -> list[str]:
    if nlp is None:
        return split_sentences(text)
    if not nlp.has_pipe("sentencizer") and not nlp.has_pipe("parser") and not nlp.has_pipe("senter"):
        nlp.add_pipe("sentencizer")
    return [s.text.strip() for s in nlp(text).sents if s.text.strip()]


def preprocess_texts(
    texts: Iterable[str],
    config: TextPreprocessConfig | None = None,
    spacy_model: str | Language | None = None,
) -> list[str]:
    """Segments of ``texts`` under ``config`` (default: the texts as they are, blank ones dropped).

    ``spacy_model`` splits sentences with that pipeline (a sentencizer is added when it has none).
    """
    config = config or TextPreprocessConfig()
    nlp = load_spacy(spacy_model) if spacy_model is not None else None
    window = int(config.split_to_sentences)
    segments: list[str] = []
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            continue
        if not config.split_to_sentences:
            segments.append(text.strip())
            continue
        sentences = _sentences(text, nlp)
        segments += [" ".join(sentences[i : i + window]) for i in range(0, len(sentences), window)]
    kept = [segment for segment in segments if config.keeps(segment)]
    return list(dict.fromkeys(kept)) if config.deduplicate else kept


def token_matches(token: Token, spec: Mapping[str, str]) -> bool:
    """Whether a spaCy token satisfies every constraint of ``spec`` (:data:`SpacyTagSpec`)."""
    for key, wanted in spec.items():
        attribute = _TOKEN_ATTRIBUTES.get(key.lower())
        if attribute is not None:
            if str(getattr(token, attribute)) != wanted:
                return False
        elif wanted not in token.morph.get(key, []):
            return False
    return True


def spans_match_tags(
    nlp: Language, sentence: str, spans: Iterable[tuple[int, int]], spec: Mapping[str, str]
) -> bool:
    """Whether the token at each character span ``[start, end)`` of ``sentence`` satisfies ``spec``."""
    doc: Any = nlp(sentence)
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is None or not all(token_matches(token, spec) for token in span):
            return False
    return True


__all__ = [
    "SpacyTagSpec",
    "TextPreprocessConfig",
    "load_spacy",
    "preprocess_texts",
    "spans_match_tags",
    "token_matches",
]
