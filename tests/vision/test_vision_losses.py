"""Paired cross-entropy (one forward), probabilities, accuracy and model/data checks."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from gradiend_vision.data import ImageData
from gradiend_vision.hf import output_logits
from gradiend_vision.losses import (
    accuracy,
    check_model_fits_data,
    class_probabilities,
    paired_cross_entropy,
    rows_losses,
)
from gradiend_vision.rows import neutral_rows, training_rows
from gradiend_vision.testing import tiny_vit_classifier


def count_forwards(model: nn.Module) -> list[int]:
    calls = [0]

    def hook(module: nn.Module, args: object, output: object) -> None:
        calls[0] += 1

    model.register_forward_hook(hook)
    return calls


def test_paired_loss_is_one_forward_and_equals_separate_cross_entropies(digits) -> None:
    model = digits.model
    images = digits.data.images[:16]
    true, alternative = digits.data.labels[:16], (digits.data.labels[:16] + 3) % 10
    calls = count_forwards(model)
    loss = paired_cross_entropy(model, images, true, alternative)
    assert calls[0] == 1
    logits = model(images)
    assert loss.alternative is not None
    assert torch.allclose(loss.factual, F.cross_entropy(logits, true), atol=1e-6)
    assert torch.allclose(loss.alternative, F.cross_entropy(logits, alternative), atol=1e-6)


def test_diff_gradient_from_the_shared_graph_matches_two_separate_gradients(digits) -> None:
    model = digits.model
    images, true = digits.data.images[:8], digits.data.labels[:8]
    alternative = (true + 1) % 10
    weight = model.hidden.weight
    loss = paired_cross_entropy(model, images, true, alternative)
    g_factual = torch.autograd.grad([loss.factual], weight, retain_graph=True)[0]
    g_alternative = torch.autograd.grad([loss.alternative], weight)[0]
    separate_f = torch.autograd.grad(F.cross_entropy(model(images), true), weight)[0]
    separate_a = torch.autograd.grad(F.cross_entropy(model(images), alternative), weight)[0]
    assert torch.allclose(g_factual, separate_f, atol=1e-6)
    assert torch.allclose(g_alternative, separate_a, atol=1e-6)


def test_neutral_rows_have_no_alternative_and_rows_losses_use_the_row_images(digits) -> None:
    data = digits.data
    neutral = neutral_rows(data, ["3", "8"], "test", max_size=6)
    loss = rows_losses(digits.model, data, neutral)
    assert loss.alternative is None
    index = torch.tensor(neutral.image_index.to_numpy())
    assert torch.allclose(loss.factual, F.cross_entropy(digits.model(data.images[index]), data.labels[index]))
    rows = training_rows(data, ["3", "8"], "train", max_size=4)
    first = rows_losses(digits.model, data, rows[rows.feature_class == "3"])
    assert first.alternative is not None and float(first.alternative.detach()) > float(first.factual.detach())


def test_label_out_of_range(digits) -> None:
    with pytest.raises(ValueError, match=r"alternative_labels must lie in 0\.\.9 .*10 outputs.*to 12"):
        paired_cross_entropy(
            digits.model, digits.data.images[:2], torch.tensor([0, 1]), torch.tensor([12, 1])
        )
    with pytest.raises(ValueError, match=r"one class id per image \(2\)"):
        paired_cross_entropy(digits.model, digits.data.images[:2], torch.tensor([0, 1, 2]))


def test_probabilities_are_batched_and_restore_the_mode(digits) -> None:
    model = digits.model.train()
    images = digits.data.images[:50]
    probs = class_probabilities(model, images, batch_size=7)
    assert model.training
    model.eval()
    assert probs.shape == (50, 10)
    assert torch.allclose(probs.sum(dim=1), torch.ones(50), atol=1e-5)
    with torch.no_grad():
        assert torch.allclose(probs, torch.softmax(model(images), dim=-1), atol=1e-6)
    labels = digits.data.labels[:50]
    expected = float((probs.argmax(dim=1) == labels).float().mean())
    assert accuracy(model, images, labels, batch_size=16) == pytest.approx(expected)


def test_hf_model_outputs_are_read_through_logits() -> None:
    model, _ = tiny_vit_classifier(["a", "b", "c"])
    images = torch.rand(4, 1, 8, 8)
    loss = paired_cross_entropy(model, images, torch.tensor([0, 1, 2, 0]), torch.tensor([1, 0, 0, 2]))
    logits = model(pixel_values=images).logits
    assert torch.allclose(loss.factual, F.cross_entropy(logits, torch.tensor([0, 1, 2, 0])), atol=1e-6)
    with pytest.raises(TypeError, match="has no logits"):
        output_logits(model.vit(pixel_values=images))


def test_plain_module_must_return_logits() -> None:
    with pytest.raises(TypeError, match="got tuple"):
        output_logits((torch.zeros(2, 3),))


def small_data(size: int = 6, channels: int = 1, names: list[str] | None = None) -> ImageData:
    images = np.random.default_rng(0).random((8, channels, size, size)).astype(np.float32)
    return ImageData.from_arrays(images, [0, 1, 2, 3] * 2, names or ["a", "b", "c", "d"])


def test_check_model_fits_data(digits) -> None:
    with pytest.raises(ValueError, match=r"does not accept images of shape \(1, 6, 6\)"):
        check_model_fits_data(digits.model, small_data(6))
    flat = nn.Sequential(nn.Flatten(), nn.Linear(36, 10))
    with pytest.raises(ValueError, match=r"does not accept images of shape \(1, 8, 8\)"):
        check_model_fits_data(flat, small_data(8))
    check_model_fits_data(flat, small_data(6))
    with pytest.raises(ValueError, match="the model has 3 outputs but the data has 4 classes"):
        check_model_fits_data(nn.Sequential(nn.Flatten(), nn.Linear(36, 3)), small_data(6))


def test_check_label_alignment_of_hf_models() -> None:
    model, _ = tiny_vit_classifier(["a", "b", "c", "d"])
    check_model_fits_data(model, small_data(8))
    with pytest.raises(ValueError, match=r"id2label\) are \['a', 'b', 'c', 'd'\] but the data's classes are"):
        check_model_fits_data(model, small_data(8, names=["b", "a", "c", "d"]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_on_cuda_takes_cpu_batches(digits) -> None:
    model = copy.deepcopy(digits.model).cuda()
    data = digits.data
    rows = training_rows(data, ["3", "8"], "test", max_size=4)
    loss = rows_losses(model, data, rows)
    assert loss.factual.device.type == "cuda"
    probs = class_probabilities(model, data.images[:20])
    assert probs.device.type == "cpu"
    assert torch.allclose(probs, class_probabilities(digits.model, data.images[:20]), atol=1e-4)
