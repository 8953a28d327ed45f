"""The value types of ``TrainingArguments``: accepted literals, dtype names and the decoder-grid defaults."""

from __future__ import annotations

from typing import Annotated, Literal

import torch
from pydantic import AfterValidator, BeforeValidator

UseCacheSetting = bool | Literal["always", "only_convergent"]
"""The values ``use_cache`` accepts (as in the published library)."""
DtypeName = Literal["float32", "float16", "bfloat16"]
LogLevelName = Literal["debug", "info", "warning", "error", "critical", "passive"]
ReportTarget = Literal["tensorboard", "mlflow"]

DEFAULT_DECODER_LRS: tuple[float, ...] = (
    100.0, 50.0, 20.0, 10.0, 5.0, 2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001,
)  # fmt: skip
"""Default decoder-grid learning rates (clarifications.md)."""

_DTYPES: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
}


def dtype_name(value: object) -> str | None:
    """Normalise a dtype given as ``torch.dtype`` or name (``"bf16"``, ``"torch.float16"``...)."""
    if value is None:
        return None
    if isinstance(value, torch.dtype):
        for name, dtype in _DTYPES.items():
            if dtype == value:
                return name
        raise ValueError(f"dtype {value} is not supported; use one of {sorted(_DTYPES)}")
    if isinstance(value, str):
        key = value.removeprefix("torch.").lower()
        key = {
            "fp32": "float32",
            "float": "float32",
            "fp16": "float16",
            "half": "float16",
            "bf16": "bfloat16",
        }.get(key, key)
        if key in _DTYPES:
            return key
    raise ValueError(f"dtype must be one of {sorted(_DTYPES)} or a torch.dtype, got {value!r}")


def to_torch_dtype(name: str | None) -> torch.dtype:
    """The ``torch.dtype`` of a dtype name (``None`` -> float32)."""
    return _DTYPES[name or "float32"]


# ----- the checks of single fields, attached to their types -----


def _report_targets(value: object) -> object:
    """Accept one name or "none" as in Hugging Face (``report_to="tensorboard"``)."""
    if value is None or value == "none":
        return None
    if isinstance(value, str):
        return [value]
    return value


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _non_empty_finite(value: list[float] | None) -> list[float] | None:
    if value is None:
        return None
    if not value:
        raise ValueError("must hold at least one number (or be None for the defaults)")
    if any(v != v or v in (float("inf"), float("-inf")) for v in value):
        raise ValueError(f"must hold finite numbers, got {value}")
    return value


def _non_zero_rates(value: list[float] | None) -> list[float] | None:
    if value is not None and any(v == 0 for v in value):
        raise ValueError(f"a decoder learning rate of 0 leaves the model unchanged: remove it from {value}")
    return value


def _use_cache_mode(value: object) -> object:
    if isinstance(value, bool) or value in ("always", "only_convergent"):
        return value
    raise ValueError(f"use_cache must be True, False, 'always' or 'only_convergent', got {value!r}")


def _min_convergent(value: object) -> object:
    if value == 0 and not isinstance(value, bool):
        raise ValueError("min_convergent_seeds=0 is not allowed: use None to train all max_seeds")
    return value


CheckedDtype = Annotated[DtypeName, BeforeValidator(dtype_name)]
"""A dtype name; ``torch.dtype`` values and aliases (``"bf16"``, ``"torch.float16"``) are normalised."""
OptionalCheckedDtype = Annotated[DtypeName | None, BeforeValidator(dtype_name)]
""":data:`CheckedDtype` or None."""
CheckedUseCache = Annotated[UseCacheSetting, BeforeValidator(_use_cache_mode)]
"""A ``use_cache`` mode, checked with an error that lists the four valid ones."""
CheckedLogLevel = Annotated[LogLevelName, BeforeValidator(_lower)]
"""A log level name in any case."""
ReportTargets = Annotated[list[ReportTarget] | None, BeforeValidator(_report_targets)]
"""Experiment trackers: a list, one name, or "none"."""
DecoderNumbers = Annotated[list[float] | None, AfterValidator(_non_empty_finite)]
"""A non-empty list of finite numbers, or None for the defaults."""
DecoderRates = Annotated[
    list[float] | None, AfterValidator(_non_empty_finite), AfterValidator(_non_zero_rates)
]
""":data:`DecoderNumbers` without a zero (a rate of 0 leaves the model unchanged)."""
MinConvergentSeeds = Annotated[int | None, BeforeValidator(_min_convergent)]
"""A count of seeds (>= 1), or None for all ``max_seeds``."""

__all__ = [
    "DEFAULT_DECODER_LRS",
    "CheckedDtype",
    "CheckedLogLevel",
    "CheckedUseCache",
    "DecoderNumbers",
    "DecoderRates",
    "DtypeName",
    "LogLevelName",
    "MinConvergentSeeds",
    "OptionalCheckedDtype",
    "ReportTarget",
    "ReportTargets",
    "UseCacheSetting",
    "dtype_name",
    "to_torch_dtype",
]
