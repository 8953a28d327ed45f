"""The value types of ``TrainingArguments``: accepted literals, dtype names and the decoder-grid defaults."""

from __future__ import annotations

from typing import Literal

import torch

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


__all__ = [
    "DEFAULT_DECODER_LRS",
    "DtypeName",
    "LogLevelName",
    "ReportTarget",
    "UseCacheSetting",
    "dtype_name",
    "to_torch_dtype",
]
