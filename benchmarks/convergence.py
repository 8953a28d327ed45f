"""Convergence over seeds: how many seeds converge with this project and with the published gradiend 0.2.3.

    .venv/bin/python benchmarks/convergence.py --models bert-0.14m,bert-3.5m --seeds 0-9
    .venv/bin/python benchmarks/convergence.py --models bert-3.5m --seeds 0-4 --steps 100 --no-append

Each (model, seed) runs both libraries back to back with the comparison's settings (``suite.SuiteOptions``:
batch 8, lr 1e-4, in-training evaluation four times on 16 validation rows per class, test encoder
evaluation on 60 rows per variant), only the seed changes, and the decoder grid is skipped (it does not
decide convergence). A run converges when its test-split abs(correlation) is >= :data:`CONVERGED_AT`,
the bar of the comparison report. Specs, logs and JSON results go to
``benchmarks/output/convergence/TIMESTAMP-MODELS``; the table is printed and appended to RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import sys
import time
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.envs import published_python  # noqa: E402
from benchmarks.execute import run_runner  # noqa: E402
from benchmarks.specs import make_spec  # noqa: E402
from benchmarks.suite import SuiteOptions  # noqa: E402
from benchmarks.workload import MODELS, build_workload  # noqa: E402

logger = logging.getLogger("benchmarks.convergence")
OUTPUT = ROOT / "benchmarks" / "output"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
CONVERGED_AT = 0.5
"""Test-split abs(correlation) from which a run counts as converged (as in ``benchmarks/report.py``)."""
LIBRARIES: tuple[str, ...] = ("ours", "published")


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``"0-9"``, ``"0,3,5"`` or a mix (``"0-2,7"``); a clear error otherwise."""
    seeds: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise argparse.ArgumentTypeError(f"--seeds takes e.g. 0-9 or 0,3,5; got {text!r}")
        seeds.extend(range(int(low), int(high or low) + 1))
    return seeds


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options (``--help`` lists them)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default="bert-0.14m,bert-3.5m", help="comma-separated benchmark models")
    parser.add_argument(
        "--seeds", type=parse_seeds, default=list(range(10)), help="e.g. 0-9 (default) or 0,4"
    )
    parser.add_argument("--steps", type=int, default=200, help="training steps per run (default 200)")
    parser.add_argument("--libraries", default=",".join(LIBRARIES), help="comma-separated: ours, published")
    parser.add_argument("--no-append", action="store_true", help="do not append to benchmarks/RESULTS.md")
    parser.add_argument(
        "--render",
        metavar="RUN_DIR",
        type=Path,
        help="print the table of RUN_DIR's run files",
    )
    args = parser.parse_args(argv)
    unknown = [m for m in args.models.split(",") if m not in MODELS]
    if unknown:
        parser.error(f"--models: unknown {unknown}; valid: {sorted(MODELS)}")
    wrong = [lib for lib in args.libraries.split(",") if lib not in LIBRARIES]
    if wrong:
        parser.error(f"--libraries: unknown {wrong}; valid: {list(LIBRARIES)}")
    return args


def _one_run(
    library: str, python: Path, model: str, seed: int, steps: int, data: Any, model_dir: Path, run_dir: Path
) -> None:
    settings = replace(SuiteOptions(models=[model], steps=steps).settings(model), seed=seed)
    label = f"{model}-seed{seed}-{library}"
    spec = make_spec(
        name=model,
        model_dir=model_dir,
        objective=MODELS[model].objective,
        data=data,
        output_dir=run_dir / label,
        settings=settings,
    )
    spec["skip_decoder"] = True
    try:
        run_runner(library, python, spec, run_dir, label)
    except (RuntimeError, OSError) as error:
        logger.error("%s failed: %s", label, error)


def collect(run_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Model -> seed -> library -> outcome, read from the run files of ``run_dir``.

    A run whose spec was written but which left no result counts as failed (its log says why).
    """
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for spec_path in sorted(run_dir.glob("*.spec.json")):
        label = spec_path.name.removesuffix(".spec.json")
        model, _, rest = label.partition("-seed")
        seed, _, library = rest.partition("-")
        result_path = run_dir / f"{label}.result.json"
        outcome: dict[str, Any] = {"error": f"no result; see {label}.log"}
        if result_path.exists():
            result = json.loads(result_path.read_text())
            outcome = {
                "test_correlation": result["encoder"]["correlation"],
                "best_validation_correlation": result.get("train", {}).get("best_validation_correlation"),
                "wall_seconds": result.get("wall_seconds"),
            }
        results.setdefault(model, {}).setdefault(seed, {})[library] = outcome
    return results


def summary_rows(results: dict[str, dict[str, dict[str, Any]]], libraries: list[str]) -> list[str]:
    """Markdown rows: per model and library, converged seeds / seeds run and each seed's abs(corr)."""
    lines = [
        "| model | library | converged / seeds | test abs(corr) by seed |",
        "|---|---|---|---|",
    ]
    for model, by_seed in results.items():
        for library in libraries:
            runs = {seed: runs[library] for seed, runs in by_seed.items() if library in runs}
            done = {s: r["test_correlation"] for s, r in runs.items() if "test_correlation" in r}
            converged = sum(1 for c in done.values() if abs(c) >= CONVERGED_AT)
            failed = len(runs) - len(done)
            cells = ", ".join(
                f"{s}: {abs(c):.3f}" for s, c in sorted(done.items(), key=lambda kv: int(kv[0]))
            )
            note = f" ({failed} without a result)" if failed else ""
            lines.append(f"| {model} | {library} | {converged} / {len(done)}{note} | {cells} |")
    return lines


def report(
    results: dict[str, dict[str, dict[str, Any]]],
    argv: list[str],
    load: dict[str, list[float]],
    minutes: float,
) -> str:
    """The Markdown section for RESULTS.md."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    command = "benchmarks/convergence.py " + " ".join(shlex.quote(a) for a in argv)
    libraries = [lib for lib in LIBRARIES if any(lib in r for m in results.values() for r in m.values())]
    start, end = (", ".join(f"{v:.1f}" for v in load[k]) for k in ("start", "end"))
    return "\n".join(
        [
            f"## Convergence over seeds ({stamp})",
            "",
            f"- Command: `{command}` ({minutes:.1f} min)",
            f"- Machine: {os.cpu_count()} cores, 1 torch thread per run; load average (1/5/15 min) at start "
            f"[{start}], at end [{end}]",
            f"- A run converges at test abs(corr) >= {CONVERGED_AT}; decoder grid skipped",
            "",
            *summary_rows(results, libraries),
            "",
        ]
    )


def main(argv: list[str]) -> None:
    """Run every (model, seed, library) and report the converged seeds."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    args = parse_args(argv)
    if args.render is not None:
        print("\n".join(summary_rows(collect(args.render), list(LIBRARIES))))
        return
    models, libraries = args.models.split(","), args.libraries.split(",")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    run_dir = OUTPUT / "convergence" / f"{stamp}-{'-'.join(models)}"
    run_dir.mkdir(parents=True, exist_ok=False)
    load_start, begin = list(os.getloadavg()), time.perf_counter()
    data, dirs = build_workload(OUTPUT, models)
    pythons = {"ours": Path(sys.executable)}
    if "published" in libraries:
        pythons["published"] = published_python()
    for model in models:
        for seed in args.seeds:
            for library in libraries:
                _one_run(library, pythons[library], model, seed, args.steps, data, dirs[model], run_dir)
    results = collect(run_dir)
    load = {"start": load_start, "end": list(os.getloadavg())}
    text = report(results, argv, load, (time.perf_counter() - begin) / 60)
    (run_dir / "RESULTS.md").write_text(text)
    print(text)
    if not args.no_append:
        with open(RESULTS_MD, "a") as out:
            out.write("\n" + text)


if __name__ == "__main__":
    main(sys.argv[1:])
