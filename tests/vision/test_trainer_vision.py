"""ImageClassificationTrainer end to end: digits CNN, a tiny Hugging Face ViT, and bad inputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from gradiend import Trainer
from gradiend.testing import (
    assert_decoder_search_matches_grid,
    assert_feature_learned,
    check_definition_contract,
    quick_arguments,
)
from gradiend_vision.data import ImageData
from gradiend_vision.fitting import fit_classifier
from gradiend_vision.losses import class_probabilities, split_accuracy
from gradiend_vision.models import DigitsCNN
from gradiend_vision.testing import tiny_vit_classifier
from gradiend_vision.trainer import ImageClassificationTrainer


@pytest.fixture(scope="module")
def trained(digits, tmp_path_factory: pytest.TempPathFactory) -> ImageClassificationTrainer:  # type: ignore[no-untyped-def]
    args = quick_arguments(tmp_path_factory.mktemp("vision-run"), max_steps=200)
    trainer = ImageClassificationTrainer(
        model=digits.model, data=digits.data, target_classes=["3", "8"], args=args
    )
    trainer.train()
    return trainer


def _mean_p(model: torch.nn.Module, data: ImageData, on_class: str, target: str) -> float:
    index = torch.as_tensor(data.indices("test", [on_class]))
    return float(class_probabilities(model, data.images[index])[:, data.class_index(target)].mean())


def test_the_contract_holds(trained: ImageClassificationTrainer) -> None:
    check_definition_contract(trained)


def test_the_pair_feature_is_learned(trained: ImageClassificationTrainer) -> None:
    metrics = assert_feature_learned(trained, 0.9)
    assert abs(metrics["mean_by_type"]["neutral"]) < 0.5, "other digits encode near zero"


def test_the_selected_rewrite_strengthens_the_class_and_keeps_accuracy(
    trained: ImageClassificationTrainer,
) -> None:
    results = trained.evaluate_decoder(target_class="3")
    entry = results["3"]
    assert not entry["fallback"]
    assert entry["lms"] >= 0.99 * entry["base_lms"]
    rewritten = trained.rewrite_base_model(decoder_results=results, target_class="3")
    assert isinstance(rewritten, DigitsCNN)
    before = _mean_p(trained.base_model, trained.data, "8", "3")
    after = _mean_p(rewritten, trained.data, "8", "3")
    assert after >= 2 * before, f"P(3) on 8-images: {before:.4f} -> {after:.4f}"


def test_weakening_lowers_the_class_probability(trained: ImageClassificationTrainer) -> None:
    results = trained.evaluate_decoder(target_class="8", increase_target_probabilities=False)
    rewritten = trained.rewrite_base_model(
        decoder_results=results, target_class="8", increase_target_probabilities=False
    )
    assert _mean_p(rewritten, trained.data, "8", "8") < _mean_p(trained.base_model, trained.data, "8", "8")


def test_the_adaptive_decoder_search_selects_the_grid_point(trained: ImageClassificationTrainer) -> None:
    """Default grid (16 learning rates), both classes, strengthen and weaken: same point, <= 1/4 scored."""
    for increase in (True, False):
        scored, total = assert_decoder_search_matches_grid(trained, increase_target_probabilities=increase)
        print(f"adaptive decoder search: {scored} of {total} points scored in full")
        assert scored <= total // 4, f"adaptive scored {scored} of {total} points in full"


def test_rewritten_plain_module_saves_and_reloads(
    trained: ImageClassificationTrainer, tmp_path: Path
) -> None:
    path = trained.rewrite_base_model(target_class="3", output_dir=str(tmp_path / "cnn"))
    reloaded = trained.load_base_model(path)
    expected = trained.rewrite_base_model(target_class="3")
    x = trained.data.images[:6]
    torch.testing.assert_close(reloaded(x), expected(x))


def test_for_modality_defaults_to_the_digits_demo(digits) -> None:  # type: ignore[no-untyped-def]
    trainer = Trainer.for_modality("vision")
    assert isinstance(trainer, ImageClassificationTrainer)
    assert trainer.pair == ("3", "8")
    assert split_accuracy(trainer.base_model, trainer.data, "test") >= 0.95


def test_a_tiny_hugging_face_vit_goes_through_the_whole_pipeline(digits, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from transformers import AutoModelForImageClassification

    model, processor = tiny_vit_classifier(digits.data.class_names)
    fit_classifier(model, digits.data, epochs=15, learning_rate=3e-3, seed=0)
    assert split_accuracy(model, digits.data, "test") > 0.6
    args = quick_arguments(tmp_path / "run", max_steps=150)
    trainer = ImageClassificationTrainer(
        model=model, data=digits.data, target_classes=["0", "1"], args=args, image_processor=processor
    )
    trainer.train()
    assert abs(trainer.evaluate_encoder()["correlation"]) >= 0.9
    results = trainer.evaluate_decoder(target_class="0", lrs=[1.0, 0.1, 0.01])
    saved = trainer.rewrite_base_model(
        decoder_results=results, target_class="0", output_dir=str(tmp_path / "vit")
    )
    reloaded = AutoModelForImageClassification.from_pretrained(saved).eval()
    expected = trainer.rewrite_base_model(decoder_results=results, target_class="0").eval()
    x = digits.data.images[:4]
    with torch.no_grad():
        torch.testing.assert_close(reloaded(pixel_values=x).logits, expected(pixel_values=x).logits)
    assert (Path(saved) / "preprocessor_config.json").is_file()


def test_a_class_missing_from_the_data_is_named(digits) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="'x'"):
        ImageClassificationTrainer(model=digits.model, data=digits.data, target_classes=["3", "x"])


def test_images_of_the_wrong_shape_are_rejected(digits) -> None:  # type: ignore[no-untyped-def]
    images = np.random.default_rng(0).random((40, 1, 16, 16)).astype(np.float32)
    labels = np.arange(40) % 4
    with pytest.raises(ValueError, match=r"shape|size"):
        ImageClassificationTrainer(model=digits.model, data=(images, labels), target_classes=[0, 1])


def test_data_with_one_class_only_is_rejected(digits) -> None:  # type: ignore[no-untyped-def]
    images = np.zeros((10, 1, 8, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="at least two classes"):
        ImageClassificationTrainer(
            model=digits.model, data=(images, np.zeros(10, dtype=int)), target_classes=[0, 1]
        )


def test_target_classes_are_required_for_a_custom_model(digits) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="target_classes is required"):
        ImageClassificationTrainer(model=digits.model, data=digits.data)


def test_from_pretrained_alone_loads_the_embedded_digits_cnn(digits, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from gradiend import ModelWithGradiend
    from gradiend_vision.trainer import DEFAULT_MODEL

    trainer = ImageClassificationTrainer(model=DEFAULT_MODEL, data=digits.data, target_classes=["3", "8"])
    model = trainer.create_model_with_gradiend()
    model.save_pretrained(tmp_path / "gradiend")
    alone = ModelWithGradiend.from_pretrained(tmp_path / "gradiend")
    assert alone.metadata["modality"] == trainer.MODALITY_NAME
    torch.testing.assert_close(alone.base_model.state_dict(), trainer.base_model.state_dict())
    gradient = torch.randn(model.param_map.size)
    torch.testing.assert_close(alone.encode_gradient(gradient), model.encode_gradient(gradient))
