"""Data sources (arrays, torch Datasets, Hugging Face datasets) and the torchvision-free transforms."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import Dataset

from gradiend_vision.sources import as_image_data, image_data_from_hf_dataset, image_data_from_torch_dataset
from gradiend_vision.testing import tiny_image_processor
from gradiend_vision.transforms import (
    ImageProcessorTransform,
    Normalize,
    RepeatChannels,
    Resize,
    compose,
    image_to_tensor,
    images_to_tensor,
)

RNG = np.random.default_rng(0)
PIXELS = RNG.integers(0, 256, size=(30, 12, 12), dtype=np.uint8)
LABELS = np.arange(30) % 3


class TupleDataset(Dataset):
    """Items ``(tensor [1, H, W], int)``."""

    def __len__(self) -> int:
        return len(PIXELS)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        return torch.from_numpy(PIXELS[index]).unsqueeze(0), int(LABELS[index])


class PilDictDataset(Dataset):
    """Items ``{"img": PIL image, "y": tensor}``."""

    def __len__(self) -> int:
        return len(PIXELS)

    def __getitem__(self, index: int) -> dict:
        return {"img": Image.fromarray(PIXELS[index], mode="L"), "y": torch.tensor(LABELS[index])}


def test_torch_dataset_of_tuples() -> None:
    data = image_data_from_torch_dataset(TupleDataset(), ["a", "b", "c"])
    assert data.images.shape == (30, 1, 12, 12)
    assert torch.allclose(data.images[4, 0], torch.from_numpy(PIXELS[4]).float() / 255)
    assert data.labels.tolist() == LABELS.tolist() and data.class_names == ["a", "b", "c"]


def test_torch_dataset_of_pil_mappings_through_an_image_processor() -> None:
    data = image_data_from_torch_dataset(
        PilDictDataset(), image_processor=tiny_image_processor(8), image_key="img", label_key="y"
    )
    assert data.images.shape == (30, 1, 8, 8)
    assert float(data.images.min()) >= -1.0 and float(data.images.max()) <= 1.0
    assert data.class_names == ["0", "1", "2"]


def test_torch_dataset_with_bad_items() -> None:
    class Bad(Dataset):
        def __len__(self) -> int:
            return 2

        def __getitem__(self, index: int) -> dict:
            return {"pixels": 0}

    with pytest.raises(KeyError, match=r"dataset item 0 lacks \['image', 'label'\]"):
        image_data_from_torch_dataset(Bad())


def hf_dataset(splits: dict[str, range] | None = None):
    import datasets

    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=["x", "y", "z"])}
    )
    rows = {"image": [Image.fromarray(p, mode="L") for p in PIXELS], "label": LABELS.tolist()}
    full = datasets.Dataset.from_dict(rows, features=features)
    if splits is None:
        return full
    return datasets.DatasetDict({name: full.select(rows) for name, rows in splits.items()})


def test_hf_dataset_uses_class_label_names_and_the_processor() -> None:
    data = image_data_from_hf_dataset(hf_dataset(), image_processor=tiny_image_processor(8), batch_size=7)
    assert data.class_names == ["x", "y", "z"]
    assert data.images.shape == (30, 1, 8, 8)
    assert data.labels.tolist() == LABELS.tolist()
    assert set(data.split) == {"train", "validation", "test"}


def test_hf_dataset_dict_keeps_its_splits_and_carves_validation() -> None:
    data = as_image_data(hf_dataset({"train": range(24), "test": range(24, 30)}))
    assert data.images.shape == (30, 1, 12, 12)
    assert (data.split[24:] == "test").all()
    assert (data.split == "validation").sum() == 3 and (data.split == "train").sum() == 21


def test_hf_dataset_with_val_split_name() -> None:
    data = as_image_data(hf_dataset({"train": range(10), "val": range(10, 20), "test": range(20, 30)}))
    assert sorted(set(data.split)) == ["test", "train", "validation"]
    assert (data.split == "validation").sum() == 10


def test_hf_dataset_missing_column() -> None:
    with pytest.raises(
        ValueError, match=r"no column\(s\) \['picture'\]; its columns are \['image', 'label'\]"
    ):
        image_data_from_hf_dataset(hf_dataset(), image_column="picture")


def test_as_image_data_dispatch() -> None:
    data = as_image_data((PIXELS, LABELS), class_names=["a", "b", "c"], transform=Resize(6))
    assert data.images.shape == (30, 1, 6, 6)
    same = as_image_data({"images": PIXELS, "labels": LABELS, "split": ["test"] * 10 + ["train"] * 20})
    assert (same.split == "test").sum() == 10
    assert as_image_data(data) is data
    with pytest.raises(ValueError, match="already an ImageData"):
        as_image_data(data, transform=Resize(4))
    with pytest.raises(TypeError, match="got str"):
        as_image_data("digits")


def test_arrays_through_an_image_processor_transform() -> None:
    data = as_image_data((PIXELS, LABELS), image_processor=tiny_image_processor(8))
    direct = ImageProcessorTransform(tiny_image_processor(8))(
        torch.from_numpy(PIXELS).unsqueeze(1).float() / 255
    )
    assert torch.allclose(data.images, direct)
    assert data.images.shape == (30, 1, 8, 8)


def test_transforms() -> None:
    images = torch.rand(2, 1, 4, 4)
    rgb = RepeatChannels(3)(images)
    assert rgb.shape == (2, 3, 4, 4) and torch.equal(rgb[:, 2], images[:, 0])
    normalized = Normalize([0.5], [0.25])(images)
    assert torch.allclose(normalized, (images - 0.5) / 0.25)
    assert compose(Resize((2, 3)), RepeatChannels(2))(images).shape == (2, 2, 2, 3)
    with pytest.raises(ValueError, match="std values must be > 0"):
        Normalize([0.5], [0.0])
    with pytest.raises(ValueError, match="1-channel"):
        RepeatChannels(3)(torch.rand(1, 2, 4, 4))


def test_raw_images_to_tensor() -> None:
    pil_rgb = Image.fromarray(RNG.integers(0, 256, size=(5, 4, 3), dtype=np.uint8), mode="RGB")
    assert image_to_tensor(pil_rgb).shape == (3, 5, 4)
    assert image_to_tensor(np.ones((5, 4), dtype=np.float64)).dtype == torch.float32
    with pytest.raises(
        ValueError, match=r"different shapes: image 0 is \(1, 12, 12\) .* image 1 is \(1, 5, 4\)"
    ):
        images_to_tensor([PIXELS[0], np.zeros((5, 4), dtype=np.uint8)])
    with pytest.raises(TypeError, match="PIL image, numpy array or torch tensor"):
        image_to_tensor([[0, 1]])
