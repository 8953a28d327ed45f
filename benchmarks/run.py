"""Benchmark this project against the published gradiend 0.2.3 and append the table to RESULTS.md.

    .venv/bin/python benchmarks/run.py                 # everything (about 50 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick         # smallest model, few steps, nothing appended
    nox -s bench -- --models bert-3.5m --no-scaling    # through nox (arguments after --)

Every run writes its specs, logs and JSON results under ``benchmarks/output/runs/TIMESTAMP``.
"""

from __future__ import annotations

import argparse
import json
import logging
import shlex
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import report, suite  # noqa: E402
from benchmarks.workload import MODELS  # noqa: E402

logger = logging.getLogger("benchmarks")
OUTPUT = ROOT / "benchmarks" / "output"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options (``--help`` lists them)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", default=",".join(MODELS), help="comma-separated models (default: all)")
    parser.add_argument("--libraries", default="published,ours", help="comma-separated: published, ours")
    parser.add_argument("--steps", type=int, default=200, help="training steps per run (default 200)")
    parser.add_argument(
        "--steps-26m",
        type=int,
        default=20,
        help="training steps for bert-26m, the same for both libraries (default 20: one published "
        "training step costs about 14 CPU seconds there)",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run (default 1)")
    parser.add_argument("--profile-steps", type=int, default=12, help="steps of the step profile (0: none)")
    parser.add_argument(
        "--dtypes",
        default="bfloat16,float16",
        help="GRADIEND dtypes measured beside float32 on bert-3.5m (ours; empty: none)",
    )
    parser.add_argument(
        "--scaling",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="SmolLM2-135M scaling runs (ours, with and without pre-pruning)",
    )
    parser.add_argument("--scaling-steps", type=int, default=20, help="training steps of the scaling runs")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: bert-0.14m, 20 steps, no profile/dtypes/scaling, nothing appended",
    )
    parser.add_argument("--no-append", action="store_true", help="do not append to benchmarks/RESULTS.md")
    parser.add_argument(
        "--render",
        metavar="RUN_DIR",
        type=Path,
        help="re-render RUN_DIR/results.json into RUN_DIR/RESULTS.md and print it (nothing runs)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.models, args.steps, args.profile_steps, args.dtypes = "bert-0.14m", 20, 0, ""
        args.scaling, args.no_append = False, True
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.render is not None:
        markdown = report.render(json.loads((args.render / "results.json").read_text()))
        (args.render / "RESULTS.md").write_text(markdown)
        print(markdown)
        return 0
    options = suite.SuiteOptions(
        models=[m for m in args.models.split(",") if m],
        libraries=[x for x in args.libraries.split(",") if x],
        steps=args.steps,
        steps_26m=args.steps_26m,
        threads=args.threads,
        profile_steps=args.profile_steps,
        dtypes=[d for d in args.dtypes.split(",") if d],
        scaling=args.scaling,
        scaling_steps=args.scaling_steps,
    )
    run_dir = OUTPUT / "runs" / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True, exist_ok=True)
    command = " ".join(["benchmarks/run.py", shlex.join(sys.argv[1:] if argv is None else argv)]).strip()
    start = time.perf_counter()
    collected: dict[str, Any] = suite.run_suite(options, OUTPUT, run_dir)
    collected["meta"] = report.machine_meta(command, options, collected, time.perf_counter() - start)
    (run_dir / "results.json").write_text(json.dumps(collected, indent=2, default=str))
    markdown = report.render(collected)
    (run_dir / "RESULTS.md").write_text(markdown)
    print(markdown)
    if not args.no_append:
        report.append(RESULTS_MD, markdown)
        logger.info("Appended the results to %s", RESULTS_MD)
    return 0


if __name__ == "__main__":
    sys.exit(main())
