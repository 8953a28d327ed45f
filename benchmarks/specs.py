"""The JSON workload spec that every runner reads (one spec per library and model)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.workload import TARGET_CLASSES, DataPaths

DECODER_LRS: tuple[float, ...] = (1.0, 0.1, 0.01, 0.001)
"""Learning rates of the benchmark's decoder grid (both libraries evaluate the same grid)."""


@dataclass(frozen=True)
class Settings:
    """Run settings shared by both libraries (the issue's workload: batch 8, 200 steps, lr 1e-4, one seed)."""

    steps: int = 200
    batch_size: int = 8
    learning_rate: float = 1e-4
    seed: int = 0
    eval_steps: int = 50
    eval_max_size: int | None = None
    encoder_eval_max_size: int = 60
    decoder_lrs: tuple[float, ...] = DECODER_LRS
    decoder_feature_factors: tuple[float, ...] = (1.0, -1.0)
    decoder_max_size: int = 40
    decoder_batch_size: int = 32
    threads: int = 1
    profile_steps: int = 0
    gradiend_dtype: str = "float32"
    pre_prune: dict[str, Any] | None = field(default=None)


def make_spec(
    *,
    name: str,
    model_dir: Path,
    objective: str,
    data: DataPaths,
    output_dir: Path,
    settings: Settings,
) -> dict[str, Any]:
    """The spec of one run (see benchmarks/README.md for the fields)."""
    return {
        "name": name,
        "model_dir": str(model_dir),
        "objective": objective,
        "data_csv": data.data_csv,
        "neutral_csv": data.neutral_csv,
        "target_classes": list(TARGET_CLASSES),
        "output_dir": str(output_dir),
        "threads": settings.threads,
        "profile_steps": settings.profile_steps,
        "gradiend_dtype": settings.gradiend_dtype,
        "pre_prune": settings.pre_prune,
        "train": {
            "source": "alternative",
            "target": "diff",
            "batch_size": settings.batch_size,
            "learning_rate": settings.learning_rate,
            "max_steps": settings.steps,
            "seed": settings.seed,
            "eval_steps": settings.eval_steps,
            "eval_max_size": settings.eval_max_size,
        },
        "encoder_eval": {"split": "test", "max_size": settings.encoder_eval_max_size},
        "decoder_eval": {
            "lrs": list(settings.decoder_lrs),
            "feature_factors": list(settings.decoder_feature_factors),
            "max_size_training_like": settings.decoder_max_size,
            "max_size_neutral": settings.decoder_max_size,
            "batch_size": settings.decoder_batch_size,
        },
    }


def write_spec(spec: dict[str, Any], path: Path) -> Path:
    """Write ``spec`` as JSON to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, indent=2))
    return path


def settings_dict(settings: Settings) -> dict[str, Any]:
    """``settings`` as a plain dict (for the results file)."""
    return asdict(settings)


__all__ = ["DECODER_LRS", "Settings", "make_spec", "settings_dict", "write_spec"]
