"""ImageData: construction, validation errors, seeded stratified splits, and row frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from gradiend.definition import TRAINING_DATA_COLUMNS
from gradiend_vision.data import ImageData
from gradiend_vision.rows import (
    NEUTRAL_CLASS,
    ROW_COLUMNS,
    batch_from_rows,
    decoder_eval_data,
    neutral_rows,
    resolve_pair,
    rows_frame,
    training_rows,
)
from gradiend_vision.splits import carve_validation, stratified_split


def make_data(n_per_class: int = 20, classes: int = 4, **kwargs) -> ImageData:
    labels = np.repeat(np.arange(classes), n_per_class)
    images = np.random.default_rng(0).integers(0, 256, size=(labels.size, 6, 6), dtype=np.uint8)
    names = [f"c{i}" for i in range(classes)]
    return ImageData.from_arrays(images, labels, names, **kwargs)


# --- construction ------------------------------------------------------------------------------


def test_from_arrays_scales_uint8_and_adds_a_channel() -> None:
    data = make_data()
    assert data.images.shape == (80, 1, 6, 6) and data.images.dtype == torch.float32
    assert float(data.images.min()) >= 0.0 and float(data.images.max()) <= 1.0
    assert data.num_classes == 4 and data.image_shape == (1, 6, 6)


def test_from_arrays_channels_last_and_float_kept() -> None:
    images = np.random.default_rng(1).normal(size=(10, 5, 5, 3)).astype(np.float32)
    data = ImageData.from_arrays(images, [0, 1] * 5, channels_last=True)
    assert data.images.shape == (10, 3, 5, 5)
    assert torch.allclose(data.images[3, 2], torch.from_numpy(images[3, :, :, 2]))
    assert data.class_names == ["0", "1"]


def test_string_labels_become_sorted_class_names() -> None:
    data = ImageData.from_arrays(np.zeros((4, 2, 2), dtype=np.float32), ["dog", "cat", "dog", "cat"])
    assert data.class_names == ["cat", "dog"]
    assert data.labels.tolist() == [1, 0, 1, 0]


def test_class_index_by_name_or_id() -> None:
    data = make_data()
    assert data.class_index("c2") == 2 and data.class_index(3) == 3
    with pytest.raises(ValueError, match=r"class 'c9' is not in the data; classes are \['c0'"):
        data.class_index("c9")
    with pytest.raises(ValueError, match="class 7 is not in the data"):
        data.class_index(7)


@pytest.mark.parametrize(
    ("images", "labels", "names", "message"),
    [
        (np.zeros((4, 1, 2, 2, 2)), [0, 1, 0, 1], None, r"\[N, H, W\] or \[N, C, H, W\].*\(4, 1, 2, 2, 2\)"),
        (np.zeros((4, 2, 2)), [0, 1, 0], None, r"one entry per image \(4\), got 3"),
        (np.zeros((4, 2, 2)), [0, 1, 2, 5], ["a", "b", "c"], r"0\.\.2 .*from 0 to 5"),
        (np.zeros((4, 2, 2)), [1, 1, 1, 1], ["a", "b"], r"one class only \('b'\)"),
        (np.zeros((4, 2, 2)), [0, 1, 0, 1], ["a", "a"], r"unique, got \['a'\]"),
        (np.full((4, 2, 2), np.nan), [0, 1, 0, 1], None, "NaN"),
        (np.zeros((4, 2, 2)), [0.5, 1, 0, 1], None, "integer class ids or class names"),
        (np.zeros((4, 2, 2)), ["a", "b", "a", "z"], ["a", "b"], r"\['z'\] that are not in class_names"),
    ],
)
def test_bad_inputs_give_clear_errors(images, labels, names, message) -> None:
    with pytest.raises(ValueError, match=message):
        ImageData.from_arrays(images, labels, names)


def test_constructor_rejects_integer_images() -> None:
    with pytest.raises(ValueError, match="float tensor"):
        ImageData(torch.zeros(2, 1, 2, 2, dtype=torch.uint8), torch.tensor([0, 1]), ["a", "b"])


# --- splits --------------------------------------------------------------------------------------


def test_split_is_seeded_and_stratified() -> None:
    labels = np.repeat(np.arange(5), [50, 40, 30, 20, 11])
    first, again = stratified_split(labels, seed=3), stratified_split(labels, seed=3)
    assert (first == again).all()
    assert (first != stratified_split(labels, seed=4)).any()
    for label, n in zip(range(5), [50, 40, 30, 20, 11], strict=True):
        names = first[labels == label]
        assert (names == "validation").sum() == round(n * 0.1)
        assert (names == "test").sum() == round(n * 0.1)
        assert (names == "train").sum() == n - 2 * round(n * 0.1)


def test_tiny_classes_keep_a_training_row() -> None:
    split = stratified_split(np.array([0, 1, 1]), fractions=(0.4, 0.3, 0.3), seed=0)
    assert split[0] == "train" and "train" in split[1:]


def test_given_split_names_are_normalised_and_checked() -> None:
    data = make_data(n_per_class=2, classes=2, split=["train", "val", "test", "dev"])
    assert data.split.tolist() == ["train", "validation", "test", "validation"]
    with pytest.raises(ValueError, match=r"\['holdout'\]"):
        make_data(n_per_class=2, classes=2, split=["train", "holdout", "test", "test"])
    with pytest.raises(ValueError, match="split_fractions"):
        make_data(split_fractions=(0.5, 0.6, -0.1))


def test_carve_validation_moves_training_rows_only() -> None:
    labels = np.repeat([0, 1], 30)
    split = np.array(["train"] * 50 + ["test"] * 10, dtype=object)
    carved = carve_validation(split, labels, 0.2, seed=0)
    assert (carved[50:] == "test").all()
    assert (carved == "validation").sum() == 10


# --- rows ----------------------------------------------------------------------------------------


def test_training_rows_encode_the_pair() -> None:
    data = make_data()
    rows = training_rows(data, ["c1", "c3"], "train")
    assert list(rows.columns) == list(ROW_COLUMNS)
    assert set(TRAINING_DATA_COLUMNS) <= set(rows.columns)
    first, second = rows[rows.feature_class == "c1"], rows[rows.feature_class == "c3"]
    assert (first.label == 1.0).all() and (first.alternative_class == "c3").all()
    assert (second.label == -1.0).all() and (second.alternative_class == "c1").all()
    assert (rows.type == "training").all() and (rows.split == "train").all()
    assert (data.labels[torch.tensor(first.image_index.to_numpy())] == 1).all()
    assert len(first) == 16 and len(second) == 16


def test_pair_by_ids_and_max_size_per_class() -> None:
    data = make_data()
    rows = training_rows(data, [1, 3], "train", max_size=5, seed=1)
    assert rows.feature_class.value_counts().to_dict() == {"c1": 5, "c3": 5}
    assert rows.equals(training_rows(data, ["c1", "c3"], "train", max_size=5, seed=1))


def test_neutral_rows_are_the_other_classes_balanced_under_a_cap() -> None:
    data = make_data(classes=5)
    rows = neutral_rows(data, ["c0", "c1"], ["validation", "test"], max_size=5, seed=0)
    assert (rows.label == 0.0).all() and (rows.type == "neutral").all()
    assert (rows.feature_class == NEUTRAL_CLASS).all() and rows.alternative_class.isna().all()
    counts = rows.true_class.value_counts()
    assert set(counts.index) <= {"c2", "c3", "c4"} and counts.max() - counts.min() <= 1
    everything = neutral_rows(data, ["c0", "c1"], "test")
    assert len(everything) == 3 * 2


def test_rows_frame_appends_neutral_rows() -> None:
    data = make_data()
    frame = rows_frame(data, ["c0", "c1"], "test", include_neutral=True)
    assert frame.type.value_counts().to_dict() == {"training": 4, "neutral": 4}


def test_no_neutral_class_gives_empty_rows_and_a_clear_decoder_error() -> None:
    data = make_data(classes=2)
    assert neutral_rows(data, ["c0", "c1"], "test").empty
    with pytest.raises(ValueError, match="no neutral images"):
        decoder_eval_data(data, ["c0", "c1"])


def test_decoder_eval_data_uses_held_out_splits() -> None:
    data = make_data()
    eval_data = decoder_eval_data(data, ["c0", "c1"], max_size_training_like=3, max_size_neutral=4)
    assert set(eval_data.training_like.split) <= {"validation", "test"}
    assert len(eval_data.training_like) == 6 and len(eval_data.neutral) == 4


@pytest.mark.parametrize(
    ("pair", "message"),
    [
        (["c0", "c0"], "must differ"),
        (["c0"], "pair of two classes"),
        ("c0", "pair of two classes"),
        (["c0", "zebra"], "'zebra' is not in the data"),
    ],
)
def test_bad_pairs(pair, message) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_pair(make_data(), pair)


def test_pair_class_without_images() -> None:
    data = ImageData.from_arrays(np.zeros((4, 2, 2)), [0, 1, 0, 1], ["a", "b", "c"])
    with pytest.raises(
        ValueError, match=r"class 'c' has no images in the data; classes with images: \['a', 'b'\]"
    ):
        resolve_pair(data, ["a", "c"])


def test_batch_from_rows_gathers_images_and_targets() -> None:
    data = make_data()
    rows = training_rows(data, ["c2", "c0"], "test")
    batch = batch_from_rows(data, rows)
    assert torch.equal(batch.images, data.images[torch.tensor(rows.image_index.to_numpy())])
    assert batch.true_ids.tolist() == [2, 2, 0, 0]
    assert batch.alternative_ids is not None and batch.alternative_ids.tolist() == [0, 0, 2, 2]
    assert batch_from_rows(data, neutral_rows(data, ["c2", "c0"], "test")).alternative_ids is None
    mixed = rows_frame(data, ["c2", "c0"], "test", include_neutral=True)
    with pytest.raises(ValueError, match="mix neutral rows"):
        batch_from_rows(data, mixed)
    with pytest.raises(ValueError, match="empty"):
        batch_from_rows(data, pd.DataFrame(columns=list(ROW_COLUMNS)))


def test_fingerprint_follows_the_content() -> None:
    first, same = make_data(), make_data()
    assert first.fingerprint() == same.fingerprint()
    assert make_data(split_seed=1).fingerprint() != first.fingerprint()
    other = ImageData(first.images.clone(), first.labels.flip(0), first.class_names)
    assert other.fingerprint() != first.fingerprint()
