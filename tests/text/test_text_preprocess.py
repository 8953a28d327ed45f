"""TextPreprocessConfig (splitting, length limits, deduplication) and spaCy tag filters."""

from __future__ import annotations

import pytest

from gradiend_text.data_creator import TextFilterConfig, TextPredictionDataCreator
from gradiend_text.preprocess import TextPreprocessConfig, load_spacy, preprocess_texts

TEXTS = [
    "The first one is here. The second one follows! Is a third one coming?",
    "The first one is here.",
    "Short. A sentence with a # sign in it.",
]


def test_sentences_windows_limits_filters_and_deduplication() -> None:
    assert preprocess_texts(TEXTS) == [t.strip() for t in TEXTS], "default: texts as they are"
    sentences = preprocess_texts(TEXTS, TextPreprocessConfig(split_to_sentences=True))
    assert sentences[:3] == ["The first one is here.", "The second one follows!", "Is a third one coming?"]
    assert sentences.count("The first one is here.") == 2
    deduplicated = preprocess_texts(TEXTS, TextPreprocessConfig(split_to_sentences=True, deduplicate=True))
    assert deduplicated.count("The first one is here.") == 1
    windows = preprocess_texts(TEXTS[:1], TextPreprocessConfig(split_to_sentences=2))
    assert windows == ["The first one is here. The second one follows!", "Is a third one coming?"]
    filtered = preprocess_texts(
        TEXTS,
        TextPreprocessConfig(
            split_to_sentences=True,
            min_chars=10,
            max_chars=23,
            exclude_chars="#",
            custom_filter=lambda s: not s.endswith("?"),
        ),
    )
    assert filtered == ["The first one is here.", "The second one follows!", "The first one is here."]


def test_bad_settings_are_explained() -> None:
    with pytest.raises(ValueError, match="split_to_sentences"):
        TextPreprocessConfig(split_to_sentences=0)
    with pytest.raises(ValueError, match="min_chars"):
        TextPreprocessConfig(min_chars=10, max_chars=5)
    with pytest.raises(TypeError, match="custom_filter"):
        TextPreprocessConfig(custom_filter="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="spacy_model"):
        TextPredictionDataCreator(
            ["x"], feature_targets=[TextFilterConfig(target="her", spacy_tags={"pos": "PRON"})]
        )


def test_the_creator_preprocesses_before_matching() -> None:
    texts = ["One two three four she went home. One two three four she went home. Tiny she."]
    creator = TextPredictionDataCreator(
        texts,
        feature_targets=[TextFilterConfig(target="she")],
        min_left_context_words=0,
        preprocess=TextPreprocessConfig(split_to_sentences=True, min_chars=12),
    )
    rows = creator.generate_training_data(format="unified", balance=False, min_rows_per_class_for_split=0)
    assert rows["text"].tolist() == ["One two three four she went home."]


def _tagging_pipeline():  # type: ignore[no-untyped-def]
    spacy = pytest.importorskip(
        "spacy", reason="spaCy is an optional extra: pip install 'gradiend-text[spacy]'"
    )
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add(patterns=[[{"LOWER": "her"}]], attrs={"POS": "PRON", "MORPH": "Case=Acc"})
    ruler.add(
        patterns=[[{"LOWER": "her"}, {"LOWER": {"IN": ["book", "car", "dog"]}}]],
        attrs={"POS": "DET"},
        index=0,
    )
    return nlp


def test_spacy_tags_keep_only_matches_with_those_attributes() -> None:
    nlp = _tagging_pipeline()
    texts = [
        "I saw her at the station.",
        "Then her book fell down.",
        "We met her again.",
        "So her dog barked.",
    ]
    creator = TextPredictionDataCreator(
        texts,
        feature_targets=[TextFilterConfig(target="her", spacy_tags={"pos": "PRON", "Case": "Acc"})],
        min_left_context_words=0,
        spacy_model=nlp,
    )
    rows = creator.generate_training_data(format="unified", balance=False, min_rows_per_class_for_split=0)
    assert sorted(rows["text"]) == ["I saw her at the station.", "We met her again."]
    determiners = TextPredictionDataCreator(
        texts,
        feature_targets=[TextFilterConfig(target="her", spacy_tags={"pos": "DET"})],
        min_left_context_words=0,
        spacy_model=nlp,
    )
    found = determiners.generate_training_data(
        format="unified", balance=False, min_rows_per_class_for_split=0
    )
    assert sorted(found["text"]) == ["So her dog barked.", "Then her book fell down."]


def test_a_missing_spacy_pipeline_names_its_package() -> None:
    pytest.importorskip("spacy", reason="spaCy is an optional extra: pip install 'gradiend-text[spacy]'")
    with pytest.raises(ValueError, match="pip install xx_not_installed_pipeline"):
        load_spacy("xx_not_installed_pipeline")
    sentences = preprocess_texts(
        ["One here. Two there."], TextPreprocessConfig(split_to_sentences=True), _tagging_pipeline()
    )
    assert sentences == ["One here.", "Two there."]
