"""normalize_text_data: every accepted input layout and source becomes the documented per-row frame."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from datasets import Dataset, DatasetDict

from gradiend_text.data import OUTPUT_COLUMNS, TextColumns, assign_splits, normalize_text_data, split_counts


def _merged(n: int = 20) -> pd.DataFrame:
    rows = []
    for i in range(n):
        rows.append({"masked": f"Man {i} said [MASK] was tired.", "label": "he", "label_class": "M"})
        rows.append({"masked": f"[MASK] {i} was tired.", "label": "She", "label_class": "F"})
    return pd.DataFrame(rows)


def test_merged_frame_gets_alternatives_labels_type_and_seeded_splits() -> None:
    frame = normalize_text_data(_merged(), ["M", "F"], seed=1)
    assert list(frame.columns) == list(OUTPUT_COLUMNS)
    male, female = frame[frame["feature_class"] == "M"], frame[frame["feature_class"] == "F"]
    assert set(male["alternative"]) == {"she"} and set(female["alternative"]) == {"He"}  # casing of factual
    assert (
        set(male["alternative_class"]) == {"F"}
        and set(male["label"]) == {1.0}
        and set(female["label"]) == {-1.0}
    )
    assert set(frame["type"]) == {"training"}
    assert male["split"].value_counts().to_dict() == {"train": 16, "validation": 2, "test": 2}
    pd.testing.assert_frame_equal(frame, normalize_text_data(_merged(), ["M", "F"], seed=1))
    assert not frame["split"].equals(normalize_text_data(_merged(), ["M", "F"], seed=2)["split"])


def test_pair_order_sets_the_sign_and_is_inferred_for_two_classes() -> None:
    flipped = normalize_text_data(_merged(), ["F", "M"])
    assert set(flipped.loc[flipped["feature_class"] == "F", "label"]) == {1.0}
    inferred = normalize_text_data(_merged())
    assert set(inferred.loc[inferred["feature_class"] == "M", "label"]) == {1.0}  # first class seen


def test_explicit_alternatives_and_split_aliases() -> None:
    data = pd.DataFrame(
        {
            "masked": ["a [MASK] b", "c [MASK] d", "e [MASK] f"],
            "label": ["his", "her", "his"],
            "label_class": ["M", "F", "M"],
            "alternative": ["her", "his", "hers"],
            "alternative_class": ["F", "M", "N"],  # M -> N is not the pair's transition: dropped
            "split": ["train", "val", "test"],
        }
    )
    frame = normalize_text_data(data, ["M", "F"])
    assert frame[["factual", "alternative", "split"]].values.tolist() == [
        ["his", "her", "train"],
        ["her", "his", "validation"],
    ]


def test_paired_class_columns_give_the_alternative() -> None:
    data = pd.DataFrame(
        {
            "masked": ["the [MASK] car", "the [MASK] tree"],
            "label": ["colour", "color"],
            "label_class": ["BE", "AE"],
            "BE": ["colour", "colour"],
            "AE": ["color", "color"],
        }
    )
    frame = normalize_text_data(data, ["BE", "AE"], split_ratios=(1.0, 0.0, 0.0))
    assert frame["alternative"].tolist() == ["color", "colour"]
    assert set(frame["split"]) == {"train"}


def test_other_classes_get_label_zero_and_no_alternative() -> None:
    data = pd.concat(
        [
            _merged(5),
            pd.DataFrame({"masked": ["x [MASK] y"] * 2, "label": ["they"] * 2, "label_class": ["P"] * 2}),
        ],
        ignore_index=True,
    )
    frame = normalize_text_data(data, ["M", "F"])
    plural = frame[frame["feature_class"] == "P"]
    assert len(plural) == 1  # duplicates of non-pair rows are kept once
    assert plural["label"].tolist() == [0.0] and plural["alternative"].isna().all()
    with pytest.raises(ValueError, match="target_classes must be given when the data has 3 classes"):
        normalize_text_data(data)


def test_weighted_alternatives_from_several_words() -> None:
    data = pd.DataFrame(
        {
            "masked": ["[MASK] x"] * 40,
            "label": ["he"] * 20 + ["she"] * 15 + ["her"] * 5,
            "label_class": ["M"] * 20 + ["F"] * 20,
        }
    )
    frame = normalize_text_data(data, ["M", "F"], seed=0)
    drawn = frame.loc[frame["feature_class"] == "M", "alternative"]
    assert set(drawn) <= {"she", "her"} and drawn.value_counts()["she"] > drawn.value_counts().get("her", 0)


def test_sources_per_class_dict_dataset_dict_disk_and_csv(tmp_path: Path) -> None:
    merged = _merged(10)
    expected = normalize_text_data(merged, ["M", "F"])
    per_class = {c: g.drop(columns=["label_class"]) for c, g in merged.groupby("label_class")}
    from_dict = normalize_text_data(per_class, ["M", "F"])
    assert sorted(from_dict["masked"]) == sorted(expected["masked"])
    with_split = merged.assign(split=["train", "test"] * 10)
    dataset_dict = DatasetDict(
        {
            "train": Dataset.from_pandas(
                with_split[with_split["split"] == "train"].drop(columns="split"), preserve_index=False
            ),
            "val": Dataset.from_pandas(
                with_split[with_split["split"] == "test"].drop(columns="split"), preserve_index=False
            ),
        }
    )
    frame = normalize_text_data(dataset_dict, ["M", "F"])
    assert frame["split"].value_counts().to_dict() == {"train": 10, "validation": 10}
    dataset_dict.save_to_disk(str(tmp_path / "hf"))
    pd.testing.assert_frame_equal(normalize_text_data(tmp_path / "hf", ["M", "F"]), frame)
    single = normalize_text_data(Dataset.from_pandas(merged, preserve_index=False), ["M", "F"])
    pd.testing.assert_frame_equal(single, expected)
    merged.to_csv(tmp_path / "data.csv", index=False)
    pd.testing.assert_frame_equal(normalize_text_data(str(tmp_path / "data.csv"), ["M", "F"]), expected)


def test_unified_frame_round_trips_and_custom_columns() -> None:
    frame = normalize_text_data(_merged(), ["M", "F"])
    pd.testing.assert_frame_equal(normalize_text_data(frame, ["M", "F"]), frame)
    renamed = _merged().rename(columns={"masked": "sentence", "label": "word", "label_class": "gender"})
    columns = TextColumns(masked="sentence", label="word", label_class="gender")
    pd.testing.assert_frame_equal(normalize_text_data(renamed, ["M", "F"], columns=columns), frame)


def test_bad_input_is_named() -> None:
    with pytest.raises(ValueError, match=r"missing the columns \['label_class'\]"):
        normalize_text_data(pd.DataFrame({"masked": ["[MASK]"], "label": ["he"]}))
    with pytest.raises(ValueError, match=r"target_classes \['X'\] do not occur"):
        normalize_text_data(_merged(), ["M", "X"])
    with pytest.raises(ValueError, match="1 rows have no '\\[MASK\\]' placeholder"):
        normalize_text_data(
            pd.concat(
                [_merged(2), pd.DataFrame({"masked": ["no slot"], "label": ["he"], "label_class": ["M"]})]
            ),
            ["M", "F"],
        )
    with pytest.raises(ValueError, match="split must be one of"):
        normalize_text_data(_merged(1).assign(split="holdout"), ["M", "F"])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        normalize_text_data("missing/training.csv")
    with pytest.raises(TypeError, match="data must be a pandas DataFrame"):
        normalize_text_data(42)


def test_split_helpers() -> None:
    assert split_counts(10) == (8, 1, 1)
    assert split_counts(3) == (1, 1, 1)
    assert split_counts(2) == (2, 0, 0)
    with pytest.raises(ValueError, match="split ratios"):
        split_counts(10, (0.5, 0.5, 0.5))
    frame = pd.DataFrame({"group": ["a"] * 10 + ["b"] * 20})
    splits = assign_splits(frame, "group", seed=0)
    assert splits[frame["group"] == "b"].value_counts().to_dict() == {"train": 16, "validation": 2, "test": 2}
