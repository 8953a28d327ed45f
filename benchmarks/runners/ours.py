"""Run one benchmark workload with this project (gradiend-core + gradiend-text, the shared .venv).

Usage: ``.venv/bin/python benchmarks/runners/ours.py SPEC.json RESULT.json``.
The spec is written by ``benchmarks/run.py``; see ``benchmarks/README.md`` for its fields.
"""

from __future__ import annotations

import sys
from typing import Any

from harness import (
    LoopClock,
    PhaseClock,
    read_spec,
    wrap_attribute,
)
from runner_main import Library, run_workload, shared_arguments
from step_profile import StepProfiler


def _training_arguments(spec: dict[str, Any], profile: bool) -> Any:
    from gradiend import TrainingArguments
    from gradiend.pruning import PrePruneConfig

    return TrainingArguments(
        **shared_arguments(spec, profile),
        encoder_eval_max_size=spec["train"]["eval_max_size"],
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
            self.loop.begin(optimizer_hook=False)  # the optimizer steps once per GRADIEND parameter
            if profile:
                mwg = state.model_with_gradiend
                fused = loop.uses_fused_step(mwg.gradiend, state.args)
                encoder = None if fused else mwg.gradiend.encoder  # an encoder hook disables the fused step
                self.profiler = StepProfiler(mwg.base_model, encoder).install()
                self.profiler.wrap_flatten(ParamMap, "flatten")
                if fused:
                    self.profiler.wrap_fused(type(mwg.gradiend), "fused_mse_backward_")

        def on_step_end(self, state: Any, loss: float) -> None:
            self.loop.step_end()

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


def _decoder_details(trainer: Any, results: dict[str, Any], clock: PhaseClock) -> dict[str, Any]:
    details: dict[str, Any] = {
        "grid_points": len(results["grid"]) - 1,
        "full_points": sum(
            1
            for r in results["grid"][1:]
            if not r.get("extra__utility_only") and not r.get("extra__probabilities_only")
        ),
        "search": trainer.args.decoder_search,
    }
    if trainer.args.decoder_search != "grid":
        details["exhaustive"] = _exhaustive_grid(trainer, results, clock)
    return details


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


def _trainer_class() -> Any:
    from gradiend_text.trainer import TextPredictionTrainer

    return TextPredictionTrainer


def _load_base_model(spec: dict[str, Any]) -> Any:
    from gradiend_text.models import load_text_model

    return load_text_model(spec["model_dir"], "auto")


def main(argv: list[str]) -> None:
    """Run the workload of ``argv[1]`` with this project and write the measurements to ``argv[2]``."""
    spec = read_spec(argv)
    library = Library(
        name="ours",
        distribution="gradiend-core",
        trainer_class=_trainer_class,
        load_base_model=_load_base_model,
        training_arguments=_training_arguments,
        capture=_capture,
        train_metrics=_train_metrics,
        input_dim=lambda trainer: int(trainer.get_model().param_map.size),
        decoder_details=_decoder_details,
        result_fields={"gradiend_dtype": spec["gradiend_dtype"]},
    )
    run_workload(argv, library)


if __name__ == "__main__":
    main(sys.argv)
