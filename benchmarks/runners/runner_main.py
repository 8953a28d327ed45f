"""The steps every runner takes, written once: the libraries differ only in a :class:`Library`.

A runner builds its :class:`Library` (how to import the trainer, load the base model, build the
arguments and the training callback, read the trained model's size) and calls :func:`run_workload`.
Like :mod:`harness`, this module imports nothing from either library, so both venvs can use it.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from harness import (
    PhaseClock,
    configure_threads,
    make_resident,
    memory_summary,
    python_version,
    read_spec,
    release_free_memory,
    rss_bytes,
    write_result,
)


@dataclass(frozen=True)
class Library:
    """What a runner supplies about its library.

    Attributes:
        name: the result's ``library`` field (``"ours"``, ``"published"``).
        distribution: the distribution whose version the result records.
        trainer_class: imports and returns the text-prediction trainer class (timed as ``import``).
        load_base_model: loads the base model of the spec (timed as ``model_load``; the baseline RSS).
        training_arguments: ``(spec, profile) -> TrainingArguments`` of the library.
        capture: ``profile -> callback`` measuring the loop (``.loop``, ``.profiler``) during training.
        train_metrics: ``(callback, trainer) -> dict`` after training.
        input_dim: ``trainer -> int``, the trained GRADIEND's input size.
        decoder_details: ``(trainer, results, clock) -> dict`` added to the decoder measurement.
        result_fields: extra fields of the result (e.g. the GRADIEND dtype).
    """

    name: str
    distribution: str
    trainer_class: Callable[[], Any]
    load_base_model: Callable[[dict[str, Any]], Any]
    training_arguments: Callable[[dict[str, Any], bool], Any]
    capture: Callable[[bool], Any]
    train_metrics: Callable[[Any, Any], dict[str, Any]]
    input_dim: Callable[[Any], int]
    decoder_details: Callable[[Any, dict[str, Any], PhaseClock], dict[str, Any]] = lambda *_: {}
    result_fields: dict[str, Any] = field(default_factory=dict)


def shared_arguments(spec: dict[str, Any], profile: bool) -> dict[str, Any]:
    """The TrainingArguments both libraries take under the same names (the published names)."""
    train, dec = spec["train"], spec["decoder_eval"]
    return {
        "experiment_dir": spec["output_dir"],
        "use_cache": False,
        "source": train["source"],
        "target": train["target"],
        "train_batch_size": train["batch_size"],
        "learning_rate": train["learning_rate"],
        "max_steps": spec["profile_steps"] if profile else train["max_steps"],
        "seed": train["seed"],
        "max_seeds": 1,
        "do_eval": not profile,
        "eval_steps": train["eval_steps"],
        "decoder_eval_lrs": list(dec["lrs"]),
        "decoder_eval_feature_factors": list(dec["feature_factors"]),
        "decoder_eval_max_size_training_like": dec["max_size_training_like"],
        "decoder_eval_max_size_neutral": dec["max_size_neutral"],
        "eval_batch_size": dec["batch_size"],
    }


def measure_encoder(trainer: Any, spec: dict[str, Any], clock: PhaseClock) -> dict[str, Any]:
    """The timed encoder evaluation on the test split (no cache)."""
    with clock.phase("encoder_eval"):
        enc = trainer.evaluate_encoder(
            split="test", max_size=spec["encoder_eval"]["max_size"], use_cache=False
        )
    phase = clock.phases["encoder_eval"]
    return {
        "n_gradients": int(enc["n_samples"]),
        "seconds": phase["seconds"],
        "gradients_per_second": enc["n_samples"] / phase["seconds"],
        "gradients_per_cpu_second": enc["n_samples"] / phase["cpu_seconds"],
        "correlation": float(enc["correlation"]),
        "mean_by_class": {str(k): float(v) for k, v in (enc.get("mean_by_class") or {}).items()},
    }


def measure_decoder(library: Library, trainer: Any, clock: PhaseClock) -> dict[str, Any]:
    """The timed decoder evaluation (no cache) with the library's own details."""
    with clock.phase("decoder_grid"):
        results = trainer.evaluate_decoder(use_cache=False)
    phase = clock.phases["decoder_grid"]
    measurement = {"seconds": phase["seconds"], "cpu_seconds": phase["cpu_seconds"]}
    return {**measurement, **library.decoder_details(trainer, results, clock)}


def run_workload(argv: list[str], library: Library) -> None:
    """Run the workload of ``argv[1]`` with ``library`` and write the measurements to ``argv[2]``."""
    spec = read_spec(argv)
    configure_threads(spec["threads"])
    profile = spec["profile_steps"] > 0
    clock = PhaseClock()
    wall = time.perf_counter()
    with clock.phase("import"):
        trainer_class = library.trainer_class()
    import pandas as pd

    with clock.phase("model_load"):
        base = library.load_base_model(spec)
        make_resident(base[0])
        baseline = rss_bytes()
    del base
    gc.collect()
    release_free_memory()
    trainer = trainer_class(
        model=spec["model_dir"],
        data=pd.read_csv(spec["data_csv"]),
        target_classes=list(spec["target_classes"]),
        args=library.training_arguments(spec, profile),
        eval_neutral_data=pd.read_csv(spec["neutral_csv"]),
    )
    capture = library.capture(profile)
    with clock.phase("train"):
        trainer.train(callbacks=[capture])
    result: dict[str, Any] = {
        "library": library.name,
        "version": version(library.distribution),
        "python": python_version(),
        "torch": version("torch"),
        "transformers": version("transformers"),
        "input_dim": library.input_dim(trainer),
        **library.result_fields,
    }
    if profile:
        result["profile"] = capture.profiler.summary() if capture.profiler else {"steps": 0}
    else:
        result["train"] = library.train_metrics(capture, trainer)
        result["encoder"] = measure_encoder(trainer, spec, clock)
        if not spec.get("skip_decoder"):
            result["decoder"] = measure_decoder(library, trainer, clock)
    result["memory"] = memory_summary(baseline, clock)
    result["phases"] = clock.phases
    result["wall_seconds"] = time.perf_counter() - wall
    clock.close()
    write_result(argv[2], result)


__all__ = ["Library", "measure_decoder", "measure_encoder", "run_workload", "shared_arguments"]
