"""Run one runner script in a subprocess and read back its JSON result."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.specs import write_spec

logger = logging.getLogger(__name__)

RUNNERS_DIR = Path(__file__).resolve().parent / "runners"
RUNNERS: dict[str, str] = {"ours": "ours.py", "published": "published.py", "reference": "reference.py"}


def runner_env(threads: int, runner: str = "ours") -> dict[str, str]:
    """The child's environment: offline hubs, no display, ``threads`` BLAS/OpenMP threads.

    The published runner gets no ``PYTHONPATH``: a path to this project's sources there would shadow
    the published ``gradiend`` package in its own venv.
    """
    env = dict(os.environ)
    if runner == "published":
        env.pop("PYTHONPATH", None)
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "MPLBACKEND": "Agg",
            "TOKENIZERS_PARALLELISM": "false",
            "OMP_NUM_THREADS": str(threads),
            "MKL_NUM_THREADS": str(threads),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def run_runner(
    runner: str, python: Path | str, spec: dict[str, Any], run_dir: Path, label: str, timeout: float = 3600.0
) -> dict[str, Any]:
    """Run ``runner`` (ours/published/reference) on ``spec``; its log goes to ``run_dir/LABEL.log``.

    Raises:
        RuntimeError: when the runner fails (the message names the log file).
    """
    if runner not in RUNNERS:
        raise ValueError(f"runner must be one of {list(RUNNERS)}, got {runner!r}")
    spec_path = write_spec(spec, run_dir / f"{label}.spec.json")
    result_path = run_dir / f"{label}.result.json"
    log_path = run_dir / f"{label}.log"
    logger.info("Running %s (log: %s)", label, log_path)
    start = time.perf_counter()
    with open(log_path, "w") as log:
        completed = subprocess.run(
            [str(python), str(RUNNERS_DIR / RUNNERS[runner]), str(spec_path), str(result_path)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=runner_env(int(spec["threads"]), runner),
            timeout=timeout,
            check=False,
        )
    if completed.returncode != 0 or not result_path.exists():
        raise RuntimeError(f"{label} failed with exit code {completed.returncode}; see {log_path}")
    result = dict(json.loads(result_path.read_text()))
    logger.info("%s finished in %.0f s", label, time.perf_counter() - start)
    return result


__all__ = ["RUNNERS", "run_runner", "runner_env"]
