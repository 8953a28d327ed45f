"""The embedded default: the digits CNN trains fast to >= 95 %, caches itself, and reloads identically."""

from __future__ import annotations

import copy
import json
import shutil
import time
from pathlib import Path

import pytest
import torch

import gradiend_vision.digits as digits_module
from gradiend_vision.digits import (
    CACHE_ENV,
    DIGITS_DEMO_PAIR,
    DIGITS_RECIPE,
    digits_cache_dir,
    load_default_digits_model,
    load_digits_data,
    train_digits_cnn,
)
from gradiend_vision.losses import split_accuracy
from gradiend_vision.models import DigitsCNN, backbone_parameter_names, head_parameter_names


def test_trains_to_95_percent_within_a_minute(digits) -> None:
    assert split_accuracy(digits.model, digits.data, "test") >= 0.95
    assert digits.first_load_seconds < 60


def test_digits_data_is_scaled_and_split(digits) -> None:
    data = digits.data
    assert data.image_shape == (1, 8, 8)
    assert data.class_names == [str(i) for i in range(10)]
    assert float(data.images.min()) >= 0.0 and float(data.images.max()) <= 1.0
    assert len(data) == 1797
    assert set(DIGITS_DEMO_PAIR) <= set(data.class_names)


def test_cache_is_written_under_gradiend_cache(digits) -> None:
    directory = digits.cache_root / "models" / "digits-cnn"
    assert digits_cache_dir() == directory
    assert (directory / "model.safetensors").is_file()
    config = json.loads((directory / "config.json").read_text())
    assert config["qualname"] == "DigitsCNN"
    assert config["extra"]["recipe"] == DIGITS_RECIPE
    assert config["extra"]["test_accuracy"] >= 0.95
    assert [p.name for p in directory.parent.iterdir()] == ["digits-cnn"]


def test_second_load_reads_the_cache_with_identical_outputs(digits) -> None:
    started = time.perf_counter()
    model, data = load_default_digits_model()
    assert time.perf_counter() - started < 5
    assert model is not digits.model
    with torch.no_grad():
        assert torch.equal(model(data.images[:64]), digits.model(digits.data.images[:64]))
    assert (data.split == digits.data.split).all()


def test_cache_of_another_recipe_is_retrained(
    digits, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "digits-cnn"
    shutil.copytree(digits.cache_root / "models" / "digits-cnn", cache)
    quick = copy.deepcopy(DIGITS_RECIPE)
    quick["epochs"] = 1
    monkeypatch.setattr(digits_module, "DIGITS_RECIPE", quick)
    model, _ = load_default_digits_model(cache)
    assert json.loads((cache / "config.json").read_text())["extra"]["recipe"]["epochs"] == 1
    assert not torch.equal(model.classifier.weight, digits.model.classifier.weight)


def test_unreadable_cache_is_retrained(digits, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "digits-cnn"
    shutil.copytree(digits.cache_root / "models" / "digits-cnn", cache)
    (cache / "model.safetensors").write_bytes(b"not a safetensors file")
    quick = copy.deepcopy(DIGITS_RECIPE)
    quick["epochs"] = 1
    monkeypatch.setattr(digits_module, "DIGITS_RECIPE", quick)
    (cache / "config.json").write_text(
        json.dumps({**json.loads((cache / "config.json").read_text()), "extra": {"recipe": quick}})
    )
    model, _ = load_default_digits_model(cache)
    assert isinstance(model, DigitsCNN)
    assert (cache / "model.safetensors").stat().st_size > 1000


def test_training_is_seeded() -> None:
    data = load_digits_data()
    recipe = copy.deepcopy(DIGITS_RECIPE)
    recipe["epochs"] = 1
    first, second = train_digits_cnn(data, recipe), train_digits_cnn(data, recipe)
    for name, tensor in first.state_dict().items():
        assert torch.equal(tensor, second.state_dict()[name]), name


def test_cache_root_defaults_to_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert digits_cache_dir() == tmp_path / ".cache" / "gradiend" / "models" / "digits-cnn"


def test_backbone_excludes_the_classifier(digits) -> None:
    backbone = backbone_parameter_names(digits.model)
    assert "classifier.weight" not in backbone and "classifier.bias" not in backbone
    assert {"features.0.weight", "hidden.weight"} <= set(backbone)
    assert head_parameter_names(digits.model) == ["classifier.weight", "classifier.bias"]
    assert backbone_parameter_names(digits.model, num_classes=10) == backbone


def test_digits_cnn_rejects_wrong_image_shape(digits) -> None:
    with pytest.raises(ValueError, match=r"\[B, 1, 8, 8\].*\(2, 1, 28, 28\)"):
        digits.model(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="even image_size"):
        DigitsCNN(image_size=7)
