"""Pruning configurations: before training (gradient importance) and after training (weight importance)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from gradiend.strict_model import StrictModel

GradientKind = Literal["factual", "alternative", "diff"]
WeightPart = Literal["decoder-weight", "decoder-bias", "decoder-sum", "encoder-weight"]


def _check_topk(value: object) -> int | float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            "topk must be an int (count of dimensions) or a float in (0, 1] (fraction), not a bool"
        )
    if isinstance(value, int):
        if value < 1:
            raise ValueError(f"topk as a count must be >= 1, got {value}")
        return value
    if not 0.0 < value <= 1.0:
        raise ValueError(f"topk as a fraction must be in (0, 1], got {value}")
    return value


class PrePruneConfig(StrictModel):
    """Pre-prune: keep the input dimensions with the largest |mean source gradient| before training.

    Importance is a streaming mean over ``n_samples`` single-class batches (never holding all sample
    gradients); give ``topk`` (count or fraction) and/or ``threshold``.
    """

    n_samples: int = Field(16, ge=1, description="Training batches whose gradients estimate importance.")
    topk: int | float | None = Field(
        0.1, description="Dimensions to keep: an int count, or a float fraction in (0, 1]."
    )
    threshold: float | None = Field(None, ge=0.0, description="Keep dimensions with importance >= threshold.")
    source: GradientKind = Field("diff", description="Gradient whose mean magnitude ranks the dimensions.")
    batch_size: int = Field(4, ge=1, description="Rows per (single-class) batch when estimating importance.")
    seed: int | None = Field(None, description="Seed of the sample draw (default: the training seed).")

    @field_validator("topk", mode="before")
    @classmethod
    def _valid_topk(cls, value: object) -> int | float | None:
        return _check_topk(value)

    @model_validator(mode="after")
    def _needs_a_rule(self) -> PrePruneConfig:
        if self.topk is None and self.threshold is None:
            raise ValueError("PrePruneConfig needs topk or threshold (or both)")
        return self


class PostPruneConfig(StrictModel):
    """Post-prune: keep the input dimensions with the largest weight importance after training."""

    topk: int | float | None = Field(
        0.01, description="Dimensions to keep: an int count, or a float fraction in (0, 1]."
    )
    threshold: float | None = Field(None, ge=0.0, description="Keep dimensions with importance >= threshold.")
    part: WeightPart = Field("decoder-weight", description="Which weights rank the dimensions.")

    @field_validator("topk", mode="before")
    @classmethod
    def _valid_topk(cls, value: object) -> int | float | None:
        return _check_topk(value)

    @model_validator(mode="after")
    def _needs_a_rule(self) -> PostPruneConfig:
        if self.topk is None and self.threshold is None:
            raise ValueError("PostPruneConfig needs topk or threshold (or both)")
        return self


__all__ = ["GradientKind", "PostPruneConfig", "PrePruneConfig", "WeightPart"]
