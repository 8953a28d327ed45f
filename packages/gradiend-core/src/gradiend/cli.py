"""The ``gradiend`` command: list plugins, run plugin demos, run a configured experiment."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gradiend.plugins.registry import get_registry, resolve_reference

logger = logging.getLogger(__name__)


def _plugins(_: argparse.Namespace) -> int:
    registry = get_registry()
    specs = registry.specs()
    if not specs:
        print("No gradiend modality is installed (pip install gradiend-text or gradiend-vision).")
        return 0
    width = max(len(spec.name) for spec in specs)
    for spec in specs:
        provider = f"{spec.provider} {spec.version}".strip()
        demo = "  [demo]" if spec.demo is not None else ""
        print(f"{spec.name:<{width}}  {provider:<28} {spec.description}{demo}")
    return 0


def _demo(namespace: argparse.Namespace) -> int:
    spec = get_registry().get(namespace.modality)
    if spec.demo is None:
        print(f"modality {spec.name!r} ({spec.provider}) ships no demo", file=sys.stderr)
        return 2
    demo = resolve_reference(spec.demo)
    result = demo(namespace.output_dir)
    return int(result or 0)


def run_config(config: dict[str, Any]) -> dict[str, Any]:
    """Run an experiment described by a config dict (see ``gradiend run --help``); returns its results."""
    from gradiend.arguments import TrainingArguments
    from gradiend.trainer.trainer import Trainer

    unknown = set(config) - {"modality", "trainer", "args", "evaluate_encoder", "evaluate_decoder", "rewrite"}
    if unknown:
        raise ValueError(
            f"config has unknown key(s) {sorted(unknown)}; valid: modality, trainer, args, "
            "evaluate_encoder, evaluate_decoder, rewrite"
        )
    if "modality" not in config:
        raise ValueError("config needs 'modality' (e.g. \"text\"); see `gradiend plugins`")
    args = TrainingArguments.model_validate(config.get("args", {}))
    trainer = Trainer.for_modality(config["modality"], args=args, **config.get("trainer", {}))
    trainer.train()
    results: dict[str, Any] = {"model_path": trainer.model_path}
    if config.get("evaluate_encoder", True):
        encoder = trainer.evaluate_encoder()
        results["encoder"] = {k: v for k, v in encoder.items() if k != "encoder_df"}
    if config.get("evaluate_decoder", False):
        decoder = trainer.evaluate_decoder()
        results["decoder"] = {k: v for k, v in decoder.items() if k != "grid"}
    rewrite = config.get("rewrite")
    if rewrite:
        results["rewritten"] = trainer.rewrite_base_model(**rewrite)
    return results


def _run(namespace: argparse.Namespace) -> int:
    path = Path(namespace.config)
    if not path.is_file():
        print(f"config file not found: {path}", file=sys.stderr)
        return 2
    results = run_config(json.loads(path.read_text(encoding="utf-8")))
    print(json.dumps(results, indent=2, default=str))
    return 0


def _report(namespace: argparse.Namespace) -> int:
    from gradiend.report.html import write_report_for_directory
    from gradiend.report.suite import is_suite_directory, write_suite_report

    if is_suite_directory(namespace.run_dir):
        path = write_suite_report(namespace.run_dir, namespace.output)
    else:
        path = write_report_for_directory(namespace.run_dir, namespace.output)
    print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``gradiend`` command."""
    parser = argparse.ArgumentParser(prog="gradiend", description="GRADIEND feature learning")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (INFO level)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("plugins", help="list installed modalities").set_defaults(func=_plugins)
    demo = commands.add_parser("demo", help="run a modality's demo on its embedded model and data")
    demo.add_argument("modality", help="modality name, e.g. text or vision")
    demo.add_argument("--output-dir", default=None, help="where results, plots and the report go")
    demo.set_defaults(func=_demo)
    run = commands.add_parser(
        "run",
        help="run an experiment from a JSON config",
        description=(
            'CONFIG is JSON: {"modality": "text", "trainer": {constructor arguments}, "args": '
            '{TrainingArguments}, "evaluate_encoder": true, "evaluate_decoder": false, "rewrite": {...}}'
        ),
    )
    run.add_argument("config", help="path of the JSON config")
    run.set_defaults(func=_run)
    report = commands.add_parser("report", help="write the self-contained HTML report of a run or a suite")
    report.add_argument("run_dir", help="experiment directory of a finished run, or a suite directory")
    report.add_argument("--output", default=None, help="HTML file (default: RUN_DIR/report.html)")
    report.set_defaults(func=_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradiend`` console script."""
    namespace = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if namespace.verbose or namespace.command == "demo" else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return int(namespace.func(namespace))


if __name__ == "__main__":
    raise SystemExit(main())
