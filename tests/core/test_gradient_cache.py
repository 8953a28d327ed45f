"""The validation-gradient cache: a budget relative to the GRADIEND's size, partial caching, half dtypes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from gradiend_toy import ToyTrainer

from gradiend import TrainingArguments
from gradiend.evaluation.encoder_metrics import compute_encoder_metrics
from gradiend.evaluation.encoding import GradientEncoder


def _encoder(trainer: ToyTrainer, **options: object) -> GradientEncoder:
    rows = trainer.create_training_data("validation")
    return GradientEncoder(trainer, rows, "alternative", progress=False, **options)  # type: ignore[arg-type]


def _gradiend_bytes(trainer: ToyTrainer) -> int:
    gradiend = trainer.get_model().gradiend
    return sum(p.numel() * p.element_size() for p in gradiend.parameters())


def test_the_budget_is_relative_to_the_gradiend_and_partial_caching_encodes_the_same(
    trained_toy: ToyTrainer,
) -> None:
    model = trained_toy.get_model()
    row_bytes = model.param_map.size * 4
    everything = _encoder(trained_toy, cache_bytes=None)
    nothing = _encoder(trained_toy, cache_bytes=0)
    rows = len(everything.rows)
    relative = 1.5 * row_bytes / _gradiend_bytes(trained_toy)  # room for one and a half rows
    partial = _encoder(trained_toy, cache_relative=relative)
    assert partial.cached_rows(model) == 1 and everything.cached_rows(model) == rows > 1
    expected = everything.encode(model)["encoded"].to_numpy()
    for encoder in (nothing, partial):
        encoded = encoder.encode(model)["encoded"].to_numpy()
        assert np.allclose(encoded, expected, atol=1e-6)
    assert partial._cache is not None and partial._cache.shape == (1, model.param_map.size)
    assert nothing._cache is None


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_a_half_precision_cache_keeps_the_correlation_to_1e3(
    trained_toy: ToyTrainer, dtype: torch.dtype
) -> None:
    model = trained_toy.get_model()
    pair = trained_toy.require_pair()
    full = compute_encoder_metrics(_encoder(trained_toy, cache_bytes=None).encode(model), pair)
    half_encoder = _encoder(trained_toy, cache_bytes=None, cache_dtype=dtype)
    half = compute_encoder_metrics(half_encoder.encode(model), pair)
    assert half_encoder._cache is not None and half_encoder._cache.dtype == dtype
    assert abs(full["correlation"]) > 0.9
    assert abs(half["correlation"] - full["correlation"]) < 1e-3


def test_bad_cache_options_are_explained(trained_toy: ToyTrainer) -> None:
    with pytest.raises(ValueError, match="cache_dtype must be one of"):
        _encoder(trained_toy, cache_dtype=torch.int8)
    with pytest.raises(ValueError, match="cache_relative must be a number >= 0"):
        _encoder(trained_toy, cache_relative=-1.0)
    with pytest.raises(ValueError, match="gradient_cache_budget"):
        TrainingArguments(gradient_cache_budget=-1)
    assert TrainingArguments(gradient_cache_dtype=torch.bfloat16).gradient_cache_dtype == "bfloat16"
