"""Run one benchmark workload with this project (gradiend-core + gradiend-text, the shared .venv).

Usage: ``.venv/bin/python benchmarks/runners/ours.py SPEC.json RESULT.json``.
The spec is written by ``benchmarks/run.py``; see ``benchmarks/README.md`` for its fields.
"""

from __future__ import annotations

import gc
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


def _training_arguments(spec: dict[str, Any], profile: bool) -> Any:
    from gradiend import TrainingArguments
    from gradiend.pruning import PrePruneConfig

    train, dec = spec["train"], spec["decoder_eval"]
    return TrainingArguments(
        experiment_dir=spec["output_dir"],
        use_cache=False,
        source=train["source"],
        target=train["target"],
        train_batch_size=train["batch_size"],
        learning_rate=train["learning_rate"],
        max_steps=spec["profile_steps"] if profile else train["max_steps"],
        seed=train["seed"],
        max_seeds=1,
        do_eval=not profile,
        eval_steps=train["eval_steps"],
        encoder_eval_max_size=train["eval_max_size"],
        decoder_eval_lrs=list(dec["lrs"]),
        decoder_eval_feature_factors=list(dec["feature_factors"]),
        decoder_eval_max_size_training_like=dec["max_size_training_like"],
        decoder_eval_max_size_neutral=dec["max_size_neutral"],
        eval_batch_size=dec["batch_size"],
        gradiend_dtype=spec["gradiend_dtype"],
        pre_prune_config=PrePruneConfig(**spec["pre_prune"]) if spec.get("pre_prune") else None,
    )


def _capture(profile: bool) -> Any:
    """A training callback: loop clock, the library's own timings and, when profiling, the step profiler."""
    from gradiend.model.param_map import ParamMap
    from gradiend.training import loop
    from gradiend.training.callbacks import TrainingCallback

    class Capture(TrainingCallback):
        def __init__(self) -> None:
            self.loop = LoopClock()
            wrap_attribute(loop, "_evaluate", self.loop.timed)
            self.timings: dict[str, float] = {}
            self.profiler: StepProfiler | None = None

        def on_train_begin(self, state: Any) -> None:
            self.loop.begin()
            if profile:
                mwg = state.model_with_gradiend
                fused = loop.uses_fused_step(mwg.gradiend, state.args)
                encoder = None if fused else mwg.gradiend.encoder  # an encoder hook disables the fused step
                self.profiler = StepProfiler(mwg.base_model, encoder).install()
                self.profiler.wrap_flatten(ParamMap, "flatten")
                if fused:
                    self.profiler.wrap_fused(type(mwg.gradiend), "fused_mse_backward_")

        def on_train_end(self, state: Any) -> None:
            self.loop.end()
            self.timings = dict(state.timings)
            if self.profiler is not None:
                self.profiler.remove()

    return Capture()


def _train_metrics(capture: Any, trainer: Any) -> dict[str, Any]:
    stats = trainer.get_training_stats() or {}
    return {
        **capture.loop.summary(),
        "library_timings": capture.timings,
        "best_validation_correlation": stats.get("best_correlation"),
    }


def _evaluate(trainer: Any, spec: dict[str, Any], clock: PhaseClock) -> dict[str, Any]:
    with clock.phase("encoder_eval"):
        enc = trainer.evaluate_encoder(
            split="test", max_size=spec["encoder_eval"]["max_size"], use_cache=False
        )
    phase = clock.phases["encoder_eval"]
    out: dict[str, Any] = {
        "encoder": {
            "n_gradients": int(enc["n_samples"]),
            "seconds": phase["seconds"],
            "gradients_per_second": enc["n_samples"] / phase["seconds"],
            "gradients_per_cpu_second": enc["n_samples"] / phase["cpu_seconds"],
            "correlation": float(enc["correlation"]),
            "mean_by_class": {str(k): float(v) for k, v in (enc.get("mean_by_class") or {}).items()},
        }
    }
    if not spec.get("skip_decoder"):
        with clock.phase("decoder_grid"):
            dec = trainer.evaluate_decoder(use_cache=False)
        phase = clock.phases["decoder_grid"]
        out["decoder"] = {
            "seconds": phase["seconds"],
            "cpu_seconds": phase["cpu_seconds"],
            "grid_points": len(dec["grid"]) - 1,
            "full_points": sum(1 for r in dec["grid"][1:] if not r.get("extra__utility_only")),
            "search": trainer.args.decoder_search,
        }
        if trainer.args.decoder_search != "grid":
            out["decoder"]["exhaustive"] = _exhaustive_grid(trainer, dec, clock)
    return out


def _exhaustive_grid(trainer: Any, adaptive: dict[str, Any], clock: PhaseClock) -> dict[str, Any]:
    """The same evaluation with ``decoder_search="grid"`` (timed apart): points and selections."""
    with clock.phase("decoder_grid_exhaustive"):
        full = trainer.evaluate_decoder(use_cache=False, decoder_search="grid")
    phase = clock.phases["decoder_grid_exhaustive"]
    keys = [k for k, v in full.items() if isinstance(v, dict) and "feature_factor" in v]
    selected = {k: [full[k]["id"], adaptive.get(k, {}).get("id")] for k in keys}
    return {
        "seconds": phase["seconds"],
        "cpu_seconds": phase["cpu_seconds"],
        "grid_points": len(full["grid"]) - 1,
        "selected_grid_adaptive": selected,
        "same_selection": all(a == b for a, b in selected.values()),
    }


def main(argv: list[str]) -> None:
    """Run the workload of ``argv[1]`` and write the measurements to ``argv[2]``."""
    spec = read_spec(argv)
    configure_threads(spec["threads"])
    profile = spec["profile_steps"] > 0
    clock = PhaseClock()
    wall = time.perf_counter()
    with clock.phase("import"):
        from gradiend_text.models import load_text_model
        from gradiend_text.trainer import TextPredictionTrainer
    import pandas as pd

    with clock.phase("model_load"):
        base = load_text_model(spec["model_dir"], "auto")
        make_resident(base[0])
        baseline = rss_bytes()
    del base
    gc.collect()
    release_free_memory()
    trainer = TextPredictionTrainer(
        model=spec["model_dir"],
        data=pd.read_csv(spec["data_csv"]),
        target_classes=list(spec["target_classes"]),
        args=_training_arguments(spec, profile),
        eval_neutral_data=pd.read_csv(spec["neutral_csv"]),
    )
    capture = _capture(profile)
    with clock.phase("train"):
        trainer.train(callbacks=[capture])
    result: dict[str, Any] = {
        "library": "ours",
        "version": version("gradiend-core"),
        "python": python_version(),
        "torch": version("torch"),
        "transformers": version("transformers"),
        "input_dim": int(trainer.get_model().param_map.size),
        "gradiend_dtype": spec["gradiend_dtype"],
    }
    if profile:
        result["profile"] = capture.profiler.summary() if capture.profiler else {"steps": 0}
    else:
        result["train"] = _train_metrics(capture, trainer)
        result.update(_evaluate(trainer, spec, clock))
    result["memory"] = memory_summary(baseline, clock)
    result["phases"] = clock.phases
    result["wall_seconds"] = time.perf_counter() - wall
    clock.close()
    write_result(argv[2], result)


if __name__ == "__main__":
    main(sys.argv)
