"""Run one benchmark workload with the published gradiend 0.2.3 (in its own venv).

Usage: ``benchmarks/.envs/published/bin/python benchmarks/runners/published.py SPEC.json RESULT.json``.
The spec is written by ``benchmarks/run.py``; see ``benchmarks/README.md`` for its fields.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

from harness import (
    LoopClock,
    wrap_attribute,
)
from runner_main import Library, run_workload, shared_arguments
from step_profile import StepProfiler


def _published(module: str) -> Any:
    """A module of the published package (imported by name: this file runs in the published venv only)."""
    return importlib.import_module(module)


def _load_base_model(spec: dict[str, Any]) -> Any:
    from transformers import AutoModelForCausalLM, AutoModelForMaskedLM, AutoTokenizer

    auto = AutoModelForMaskedLM if spec["objective"] == "mlm" else AutoModelForCausalLM
    return auto.from_pretrained(spec["model_dir"]), AutoTokenizer.from_pretrained(spec["model_dir"])


def _training_arguments(spec: dict[str, Any], profile: bool) -> Any:
    TrainingArguments = _published("gradiend").TrainingArguments
    return TrainingArguments(
        **shared_arguments(spec, profile),
        num_train_epochs=1000,
        encoder_eval_train_max_size=spec["train"]["eval_max_size"],
    )


EVALUATION_CALLBACKS = ("EvaluationCallback", "NormalizationCallback", "CheckpointCallback")
"""The published callbacks that evaluate the encoder or act on the evaluation (excluded from the loop)."""


class _Capture:
    """Training callback (the published hook names): loop clock, the library's time statistics, profiler."""

    def __init__(self, profile: bool) -> None:
        callbacks = _published("gradiend.trainer.core.callbacks")
        self.profile = profile
        self.loop = LoopClock()
        for name in EVALUATION_CALLBACKS:
            wrap_attribute(getattr(callbacks, name), "on_step_end", self.loop.timed)
        self.time_stats: dict[str, float] = {}
        self.profiler: StepProfiler | None = None

    def on_train_begin(self, config: Any, **kwargs: Any) -> None:
        self.loop.begin()

    def on_train_end(self, config: Any, **kwargs: Any) -> None:
        self.loop.end()
        if self.profiler is not None:
            self.profiler.remove()

    def on_epoch_begin(self, epoch: int, config: Any, **kwargs: Any) -> None:
        pass

    def on_step_begin(self, step: int, config: Any, **kwargs: Any) -> None:
        if self.profile and self.profiler is None:
            param_mapped = _published("gradiend.model.param_mapped")
            model = kwargs["model"]
            self.profiler = StepProfiler(model.base_model, model.gradiend.encoder).install()
            self.profiler.wrap_flatten(param_mapped.ParamMappedGradiendModel, "extract_gradients")

    def on_step_end(self, step: int, loss: float, model: Any, config: Any, **kwargs: Any) -> None:
        pass

    def on_epoch_end(self, epoch: int, model: Any, config: Any, **kwargs: Any) -> None:
        self.time_stats = dict(kwargs.get("time_stats") or {})


def _train_metrics(capture: _Capture, trainer: Any) -> dict[str, Any]:
    training = trainer.get_training_stats() or {}
    return {
        **capture.loop.summary(),
        "library_timings": capture.time_stats,
        "best_validation_correlation": (training.get("training_stats") or {}).get("correlation"),
    }


def main(argv: list[str]) -> None:
    """Run the workload of ``argv[1]`` with the published library; measurements go to ``argv[2]``."""
    library = Library(
        name="published",
        distribution="gradiend",
        trainer_class=lambda: _published("gradiend.trainer.text.prediction.trainer").TextPredictionTrainer,
        load_base_model=_load_base_model,
        training_arguments=_training_arguments,
        capture=_Capture,
        train_metrics=_train_metrics,
        input_dim=lambda trainer: int(trainer.get_model().gradiend.input_dim),
        decoder_details=lambda trainer, results, clock: {"grid_points": len(results["grid"])},
    )
    run_workload(argv, library)


if __name__ == "__main__":
    main(sys.argv)
