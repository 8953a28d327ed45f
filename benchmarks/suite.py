"""The benchmark suite: which runs happen, in which order, with which settings.

Both libraries run back to back on each model, so the ratios come from the same invocation and from
the machine's load at nearly the same time. A failed run is recorded with its error and the suite goes
on; the report marks it.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from benchmarks.envs import published_python
from benchmarks.execute import run_runner
from benchmarks.specs import Settings, make_spec
from benchmarks.workload import MODELS, DataPaths, build_workload, read_manifest

logger = logging.getLogger(__name__)

PROFILE_MODEL = "bert-3.5m"
"""The model of the step profile and of the GRADIEND dtype runs."""

SCALING_PRE_PRUNE: dict[str, Any] = {"n_samples": 16, "topk": 0.01, "source": "diff", "batch_size": 4}
"""Pre-pruning of the SmolLM2 scaling run: top 1 % by |diff| over 16 single-class batches."""


@dataclass
class SuiteOptions:
    """What to run (see ``benchmarks/run.py --help``)."""

    models: list[str]
    libraries: list[str] = field(default_factory=lambda: ["published", "ours"])
    steps: int = 200
    steps_26m: int | None = None
    threads: int = 1
    profile_steps: int = 12
    dtypes: list[str] = field(default_factory=list)
    scaling: bool = False
    scaling_steps: int = 20

    def settings(self, model: str) -> Settings:
        """The shared settings of ``model``'s runs (both libraries get the same).

        In-training evaluation runs four times per run (plus step 0) on 16 validation rows per class.
        ``bert-26m`` takes ``steps_26m`` steps, evaluates twice (plus step 0) on 8 validation rows per
        class and encodes 20 test rows per variant: one padded published training step, or one
        published per-example gradient, costs seconds there.
        """
        if model == "bert-26m":
            steps = self.steps_26m or self.steps
            return Settings(
                steps=steps,
                eval_steps=max(1, steps // 2),
                eval_max_size=8,
                encoder_eval_max_size=20,
                threads=self.threads,
            )
        return Settings(
            steps=self.steps, eval_steps=max(1, self.steps // 4), eval_max_size=16, threads=self.threads
        )


def _attempt(label: str, runner: str, python: Path, spec: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    try:
        return run_runner(runner, python, spec, run_dir, label)
    except (RuntimeError, OSError) as error:
        logger.error("%s failed: %s", label, error)
        return {"error": str(error)}


def _pythons(libraries: list[str]) -> dict[str, Path]:
    pythons = {"ours": Path(sys.executable), "reference": Path(sys.executable)}
    if "published" in libraries:
        pythons["published"] = published_python()
    return pythons


def _comparison(
    options: SuiteOptions, data: DataPaths, dirs: dict[str, Path], run_dir: Path, pythons: dict[str, Path]
) -> dict[str, Any]:
    models: dict[str, Any] = {}
    for name in options.models:
        entry: dict[str, Any] = {
            "manifest": read_manifest(dirs[name]),
            "settings": vars(options.settings(name)),
        }
        for library in options.libraries:
            label = f"{name}-{library}"
            spec = make_spec(
                name=name,
                model_dir=dirs[name],
                objective=MODELS[name].objective,
                data=data,
                output_dir=run_dir / label,
                settings=options.settings(name),
            )
            entry[library] = _attempt(label, library, pythons[library], spec, run_dir)
        models[name] = entry
    return models


def _profile(
    options: SuiteOptions, data: DataPaths, dirs: dict[str, Path], run_dir: Path, pythons: dict[str, Path]
) -> dict[str, Any]:
    settings = replace(options.settings(PROFILE_MODEL), profile_steps=options.profile_steps)
    profile: dict[str, Any] = {"model": PROFILE_MODEL, "steps": options.profile_steps}
    for library in [*options.libraries, "reference"]:
        label = f"profile-{PROFILE_MODEL}-{library}"
        spec = make_spec(
            name=PROFILE_MODEL,
            model_dir=dirs[PROFILE_MODEL],
            objective="mlm",
            data=data,
            output_dir=run_dir / label,
            settings=settings,
        )
        profile[library] = _attempt(label, library, pythons[library], spec, run_dir)
    return profile


def _dtypes(options: SuiteOptions, data: DataPaths, dirs: dict[str, Path], run_dir: Path) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for dtype in options.dtypes:
        label = f"dtype-{PROFILE_MODEL}-{dtype}"
        settings = replace(options.settings(PROFILE_MODEL), gradiend_dtype=dtype)
        spec = make_spec(
            name=PROFILE_MODEL,
            model_dir=dirs[PROFILE_MODEL],
            objective="mlm",
            data=data,
            output_dir=run_dir / label,
            settings=settings,
        )
        results[dtype] = _attempt(label, "ours", Path(sys.executable), spec, run_dir)
    return results


def _scaling(options: SuiteOptions, data: DataPaths, run_dir: Path) -> dict[str, Any]:
    from gradiend_text.assets import smollm2_path

    model_dir = Path(smollm2_path())
    base = Settings(
        steps=options.scaling_steps,
        eval_steps=options.scaling_steps,
        threads=options.threads,
        learning_rate=1e-3,
        batch_size=4,
        eval_max_size=8,
        encoder_eval_max_size=8,
        decoder_max_size=8,
    )
    results: dict[str, Any] = {"model": "SmolLM2-135M", "model_dir": str(model_dir)}
    for label, pre_prune in (("full", None), ("pre_pruned", SCALING_PRE_PRUNE)):
        spec = make_spec(
            name="smollm2-135m",
            model_dir=model_dir,
            objective="clm",
            data=data,
            output_dir=run_dir / f"scaling-{label}",
            settings=replace(base, pre_prune=pre_prune),
        )
        spec["skip_decoder"] = True
        results[label] = _attempt(f"scaling-smollm2-{label}", "ours", Path(sys.executable), spec, run_dir)
    return results


def run_suite(options: SuiteOptions, output_root: Path, run_dir: Path) -> dict[str, Any]:
    """Build the workload, run every requested measurement, and return the collected results."""
    import torch

    torch.set_num_threads(options.threads)
    load_start = os.getloadavg()
    data, dirs = build_workload(output_root, options.models)
    pythons = _pythons(options.libraries)
    collected: dict[str, Any] = {"models": _comparison(options, data, dirs, run_dir, pythons)}
    if options.profile_steps > 0 and PROFILE_MODEL in options.models:
        collected["profile"] = _profile(options, data, dirs, run_dir, pythons)
    if options.dtypes and "ours" in options.libraries and PROFILE_MODEL in options.models:
        collected["dtypes"] = _dtypes(options, data, dirs, run_dir)
    if options.scaling and "ours" in options.libraries:
        collected["scaling"] = _scaling(options, data, run_dir)
    collected["load"] = {"start": list(load_start), "end": list(os.getloadavg())}
    return collected


__all__ = ["PROFILE_MODEL", "SCALING_PRE_PRUNE", "SuiteOptions", "run_suite"]
