"""Run one benchmark workload with the published gradiend 0.2.3 (in its own venv).

Usage: ``benchmarks/.envs/published/bin/python benchmarks/runners/published.py SPEC.json RESULT.json``.
The spec is written by ``benchmarks/run.py``; see ``benchmarks/README.md`` for its fields.
"""

from __future__ import annotations

import gc
import importlib
import sys
import time
from importlib.metadata import version
from typing import Any

from harness import (
    LoopClock,
    PhaseClock,
    configure_threads,
    make_resident,
    memory_summary,
    python_version,
    read_spec,
    release_free_memory,
    rss_bytes,
    wrap_attribute,
    write_result,
)
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

    train, dec = spec["train"], spec["decoder_eval"]
    return TrainingArguments(
        experiment_dir=spec["output_dir"],
        use_cache=False,
        source=train["source"],
        target=train["target"],
        train_batch_size=train["batch_size"],
        learning_rate=train["learning_rate"],
        max_steps=spec["profile_steps"] if profile else train["max_steps"],
        num_train_epochs=1000,
        seed=train["seed"],
        max_seeds=1,
        do_eval=not profile,
        eval_steps=train["eval_steps"],
        encoder_eval_train_max_size=train["eval_max_size"],
        decoder_eval_lrs=list(dec["lrs"]),
        decoder_eval_feature_factors=list(dec["feature_factors"]),
        decoder_eval_max_size_training_like=dec["max_size_training_like"],
        decoder_eval_max_size_neutral=dec["max_size_neutral"],
        eval_batch_size=dec["batch_size"],
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
    """Run the workload of ``argv[1]`` and write the measurements to ``argv[2]``."""
    spec = read_spec(argv)
    configure_threads(spec["threads"])
    profile = spec["profile_steps"] > 0
    clock = PhaseClock()
    wall = time.perf_counter()
    with clock.phase("import"):
        trainer_module = _published("gradiend.trainer.text.prediction.trainer")
    import pandas as pd

    with clock.phase("model_load"):
        base = _load_base_model(spec)
        make_resident(base[0])
        baseline = rss_bytes()
    del base
    gc.collect()
    release_free_memory()
    args = _training_arguments(spec, profile)
    trainer = trainer_module.TextPredictionTrainer(
        model=spec["model_dir"],
        data=pd.read_csv(spec["data_csv"]),
        target_classes=list(spec["target_classes"]),
        args=args,
        eval_neutral_data=pd.read_csv(spec["neutral_csv"]),
    )
    capture = _Capture(profile)
    with clock.phase("train"):
        trainer.train(callbacks=[capture])
    result: dict[str, Any] = {
        "library": "published",
        "version": version("gradiend"),
        "python": python_version(),
        "torch": version("torch"),
        "transformers": version("transformers"),
        "input_dim": int(trainer.get_model().gradiend.input_dim),
    }
    if profile:
        result["profile"] = capture.profiler.summary() if capture.profiler else {"steps": 0}
    else:
        result["train"] = _train_metrics(capture, trainer)
        enc_spec = spec["encoder_eval"]
        with clock.phase("encoder_eval"):
            enc = trainer.evaluate_encoder(split="test", max_size=enc_spec["max_size"], use_cache=False)
        phase = clock.phases["encoder_eval"]
        result["encoder"] = {
            "n_gradients": int(enc["n_samples"]),
            "seconds": phase["seconds"],
            "gradients_per_second": enc["n_samples"] / phase["seconds"],
            "gradients_per_cpu_second": enc["n_samples"] / phase["cpu_seconds"],
            "correlation": float(enc["correlation"]),
            "mean_by_class": {str(k): float(v) for k, v in (enc.get("mean_by_class") or {}).items()},
        }
        if not spec.get("skip_decoder"):
            with clock.phase("decoder_grid"):
                dec = trainer.evaluate_decoder(use_cache=False)
            phase = clock.phases["decoder_grid"]
            result["decoder"] = {
                "seconds": phase["seconds"],
                "cpu_seconds": phase["cpu_seconds"],
                "grid_points": len(dec["grid"]),
            }
    result["memory"] = memory_summary(baseline, clock)
    result["phases"] = clock.phases
    result["wall_seconds"] = time.perf_counter() - wall
    clock.close()
    write_result(argv[2], result)


if __name__ == "__main__":
    main(sys.argv)
