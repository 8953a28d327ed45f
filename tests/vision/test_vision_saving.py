"""Saving and loading classifiers: plain modules (safetensors + config) and Hugging Face directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn
from transformers import AutoImageProcessor, AutoModelForImageClassification

from gradiend_vision.hf import image_processor_load_kwargs
from gradiend_vision.models import DigitsCNN, backbone_parameter_names, head_parameter_names
from gradiend_vision.saving import load_classifier, load_vision_model, read_module_config, save_vision_model
from gradiend_vision.testing import tiny_resnet_classifier, tiny_vit_classifier

NAMES = ["a", "b", "c"]


def test_plain_module_round_trip(digits, tmp_path: Path) -> None:
    out = save_vision_model(
        digits.model, tmp_path / "cnn", class_names=digits.data.class_names, extra={"k": 1}
    )
    config = json.loads((out / "config.json").read_text())
    assert config["module"] == "gradiend_vision.models" and config["qualname"] == "DigitsCNN"
    assert config["init_kwargs"] == digits.model.get_init_kwargs()
    assert config["class_names"] == digits.data.class_names and config["extra"] == {"k": 1}
    loaded = load_vision_model(out)
    assert type(loaded) is DigitsCNN
    images = digits.data.images[:32]
    with torch.no_grad():
        assert torch.equal(loaded(images), digits.model(images))
    classifier = load_classifier(out)
    assert classifier.class_names == digits.data.class_names and classifier.image_processor is None


class NoKwargs(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Linear(4, 5)
        self.head = nn.Linear(5, 2)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.body(images.flatten(1))))


def test_plain_module_without_constructor_arguments(tmp_path: Path) -> None:
    model = NoKwargs()
    save_vision_model(model, tmp_path / "m")
    with pytest.raises(ValueError, match=r"records no constructor arguments .*NoKwargs.*pass model="):
        load_vision_model(tmp_path / "m")
    target = NoKwargs()
    assert load_vision_model(tmp_path / "m", model=target) is target
    assert torch.equal(target.head.weight, model.head.weight)
    assert backbone_parameter_names(model) == ["body.weight", "body.bias"]


def test_saving_replaces_the_directory_and_leaves_no_temporary_files(digits, tmp_path: Path) -> None:
    out = tmp_path / "cnn"
    out.mkdir()
    (out / "stale.txt").write_text("from an older save")
    save_vision_model(digits.model, out)
    save_vision_model(digits.model, out)
    assert sorted(p.name for p in out.iterdir()) == ["config.json", "model.safetensors"]
    assert [p.name for p in tmp_path.iterdir()] == ["cnn"]


def test_a_failed_save_leaves_the_old_directory(digits, tmp_path: Path) -> None:
    out = save_vision_model(digits.model, tmp_path / "cnn")
    before = (out / "model.safetensors").read_bytes()
    with pytest.raises(TypeError, match="JSON-serialisable"):
        save_vision_model(NoKwargs(), out, init_kwargs={"bad": object()})
    assert (out / "model.safetensors").read_bytes() == before


def test_errors_for_unknown_directories(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="is not a saved model directory"):
        load_vision_model(tmp_path)
    (tmp_path / "config.json").write_text(
        json.dumps({"format": "gradiend-vision-module", "format_version": 99})
    )
    with pytest.raises(ValueError, match="format_version 99"):
        read_module_config(tmp_path)
    with pytest.raises(TypeError, match="JSON-serialisable"):
        save_vision_model(NoKwargs(), tmp_path / "x", extra={"bad": object()})
    with pytest.raises(TypeError, match=r"must return a torch\.nn\.Module"):
        load_classifier(lambda: "not a model")


def test_tiny_vit_round_trip_through_auto_classes(tmp_path: Path) -> None:
    model, processor = tiny_vit_classifier(NAMES)
    out = save_vision_model(model, tmp_path / "vit", image_processor=processor)
    assert read_module_config(out) is None
    reloaded = AutoModelForImageClassification.from_pretrained(out)
    assert type(reloaded) is type(model)
    images = torch.rand(3, 1, 8, 8)
    with torch.no_grad():
        assert torch.allclose(reloaded(pixel_values=images).logits, model(pixel_values=images).logits)
    reloaded_processor = AutoImageProcessor.from_pretrained(out, **image_processor_load_kwargs())
    assert reloaded_processor.size == processor.size
    classifier = load_classifier(str(out))
    assert classifier.class_names == NAMES and classifier.image_processor is not None
    assert type(load_vision_model(out)) is type(model)
    with pytest.raises(ValueError, match="Hugging Face model"):
        load_vision_model(out, model=model)


def test_hf_backbone_is_the_base_model() -> None:
    vit, _ = tiny_vit_classifier(NAMES)
    assert head_parameter_names(vit) == ["classifier.weight", "classifier.bias"]
    assert all(name.startswith("vit.") for name in backbone_parameter_names(vit))
    resnet, _ = tiny_resnet_classifier(NAMES)
    assert head_parameter_names(resnet) == ["classifier.1.weight", "classifier.1.bias"]
    assert resnet(pixel_values=torch.rand(2, 1, 8, 8)).logits.shape == (2, 3)


def test_load_classifier_accepts_modules_and_factories(digits) -> None:
    assert load_classifier(digits.model).model is digits.model
    built = load_classifier(lambda: DigitsCNN(num_classes=4))
    assert isinstance(built.model, DigitsCNN) and built.class_names is None
    vit, _ = tiny_vit_classifier(NAMES)
    assert load_classifier(vit).class_names == NAMES
    with pytest.raises(TypeError, match="got int"):
        load_classifier(3)  # type: ignore[arg-type]
