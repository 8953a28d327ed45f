"""Command line of the peers comparison: run, write results.json / RESULTS.md / the figure, append.

.venv/bin/python -m benchmarks.peers                  # the full comparison on SmolLM2-135M (~15 min)
.venv/bin/python -m benchmarks.peers --quick          # fewer steps, layers and rows; nothing appended
nox -s bench -- peers [ARGS...]                       # the same through nox (installs the peers first)
.venv/bin/python -m benchmarks.peers --render benchmarks/output/peers/RUN [--append]   # re-render a run
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
GRADIEND_LRS = (1.0, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01)
"""The library's DEFAULT_DECODER_LRS from 0.01 to 1 (time on 2 cores; the report says so)."""
OUTPUT = ROOT / "benchmarks" / "output" / "peers"
RESULTS_MD = ROOT / "benchmarks" / "RESULTS.md"
FIGURE = ROOT / "benchmarks" / "figures" / "peers_effect_vs_utility.png"
PEER_PACKAGES = ("steering_vectors", "concept_erasure", "sklearn")
INSTALL_HINT = (
    "pip install --no-deps -r benchmarks/peers/requirements.txt && "
    "pip install -r benchmarks/peers/requirements-deps.txt"
)

logger = logging.getLogger("benchmarks.peers")


def _floats(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from error
    if not values:
        raise argparse.ArgumentTypeError("expected at least one number")
    return values


def _ints(text: str) -> tuple[int, ...]:
    values = _floats(text)
    if any(v != int(v) for v in values):
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}")
    return tuple(int(v) for v in values)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options (``--help`` lists them)."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peers",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--steps", type=int, default=100, help="GRADIEND training steps (demo: 150)")
    parser.add_argument("--layers", type=_ints, default=(6, 12, 18), help="decoder blocks")
    parser.add_argument("--scales", type=_floats, default=(1.0, 2.0, 4.0, 8.0), help="steering multipliers")
    parser.add_argument(
        "--gradiend-lrs",
        type=_floats,
        default=GRADIEND_LRS,
        help="decoder-grid learning rates (default: the library's default grid up to 1.0)",
    )
    parser.add_argument("--alphas", type=_floats, default=(0.5, 1.0), help="LEACE strengths (1 = LEACE)")
    parser.add_argument("--per-class", type=int, default=160, help="Dreaddit rows per class (demo: 160)")
    parser.add_argument(
        "--neutral", type=int, default=120, help="neutral texts, half selection, half held out (demo: 120)"
    )
    parser.add_argument("--validation-per-class", type=int, default=24, help="selection rows per class")
    parser.add_argument("--test-per-class", type=int, default=40, help="held-out rows per class")
    parser.add_argument("--utility-ratio", type=float, default=0.99, help="utility floor x base (0.99)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"run directory root (default {OUTPUT})")
    parser.add_argument(
        "--quick", action="store_true", help="30 steps, 2 layers, 3 scales, 80 rows/class; no append"
    )
    parser.add_argument("--no-append", action="store_true", help="do not append to benchmarks/RESULTS.md")
    parser.add_argument(
        "--render",
        metavar="RUN_DIR",
        type=Path,
        help="re-render RUN_DIR/results.json (tables and figure) and print it; nothing runs",
    )
    parser.add_argument("--append", action="store_true", help="with --render: also append to RESULTS.md")
    args = parser.parse_args(argv)
    if args.append and args.render is None:
        parser.error("--append only goes with --render RUN_DIR (a run appends unless --no-append)")
    if args.quick:
        args.steps, args.layers, args.scales, args.per_class, args.neutral = (
            30,
            (8, 20),
            (1.0, 4.0, 16.0),
            80,
            60,
        )
        args.validation_per_class, args.test_per_class, args.no_append = 12, 16, True
    for name in ("steps", "per_class", "neutral", "validation_per_class", "test_per_class"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}")
    return args


def missing_peers() -> list[str]:
    """The peer packages that cannot be imported."""
    import importlib.util

    return [name for name in PEER_PACKAGES if importlib.util.find_spec(name) is None]


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        return f"uptime unavailable ({error})"


def meta(command: str, uptime_before: str, result: dict[str, Any]) -> dict[str, Any]:
    """Date, command, machine, load and versions."""
    import platform

    import torch

    from benchmarks.report import _cpu_model, _version

    packages = (
        "gradiend-core",
        "gradiend-text",
        "torch",
        "transformers",
        "steering-vectors",
        "concept-erasure",
    )
    versions = ", ".join(f"{name} {_version(name)}" for name in packages)
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "threads": torch.get_num_threads(),
        "load_start": [round(v, 2) for v in result["load"]["start"]],
        "load_end": [round(v, 2) for v in result["load"]["end"]],
        "uptime_before": uptime_before,
        "uptime_after": _uptime(),
        "versions": f"Python {platform.python_version()}, {versions}",
    }


def main(argv: list[str] | None = None) -> int:
    """Run the comparison; returns the process exit code."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    raw = sys.argv[1:] if argv is None else argv
    args = parse_args(raw)
    if args.render is not None:
        return publish(args.render, append=args.append)
    missing = missing_peers()
    if missing:
        logger.error("the peer packages %s are not installed: %s", missing, INSTALL_HINT)
        return 2
    from benchmarks.peers.data import demo_peer_data
    from benchmarks.peers.gradiend_method import GradiendBudget
    from benchmarks.peers.harness import PeersConfig, run_peers

    uptime_before = _uptime()
    run_dir = args.output / datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    run_dir.mkdir(parents=True, exist_ok=True)
    config = PeersConfig(
        output=run_dir,
        budget=GradiendBudget(
            max_steps=args.steps, eval_steps=max(1, args.steps // 3), learning_rates=args.gradiend_lrs
        ),
        layers=args.layers,
        scales=args.scales,
        alphas=args.alphas,
        utility_ratio=args.utility_ratio,
    )
    data = demo_peer_data(args.per_class, args.neutral, args.validation_per_class, args.test_per_class)
    result = run_peers(config, data)
    command = " ".join(["python -m benchmarks.peers", shlex.join(raw)]).strip()
    result["meta"] = meta(command, uptime_before, result)
    (run_dir / "results.json").write_text(json.dumps(result, indent=2, default=str))
    return publish(run_dir, append=not args.no_append)


def publish(run_dir: Path, append: bool) -> int:
    """Render ``run_dir/results.json`` into ``run_dir/RESULTS.md`` and the figure; optionally append.

    Appending copies the figure to ``benchmarks/figures/`` (the one RESULTS.md links to).
    """
    from benchmarks.peers.report import plot, render

    source = run_dir / "results.json"
    if not source.is_file():
        raise SystemExit(f"--render: {source} does not exist (give a run directory of benchmarks.peers)")
    result = json.loads(source.read_text())
    figure = plot(result, run_dir / FIGURE.name)
    markdown = render(result, FIGURE.name)
    (run_dir / "RESULTS.md").write_text(markdown)
    print(markdown)
    if append:
        from benchmarks.report import append as append_markdown

        FIGURE.parent.mkdir(parents=True, exist_ok=True)
        FIGURE.write_bytes(figure.read_bytes())
        append_markdown(RESULTS_MD, render(result, FIGURE.relative_to(RESULTS_MD.parent).as_posix()))
        logger.info("Appended the results to %s and copied the figure to %s", RESULTS_MD, FIGURE)
    return 0


__all__ = ["main", "missing_peers", "parse_args", "publish"]
