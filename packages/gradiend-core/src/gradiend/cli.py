"""The ``gradiend`` command: list plugins, run plugin demos, run a configured experiment."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from gradiend.hooks.registry import get_registry, resolve_reference

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
    """Validate a config dict (see :mod:`gradiend.run_config`), then train and evaluate as it says."""
    from gradiend.run_config import execute_run_config, validate_run_config

    return execute_run_config(validate_run_config(config))


def _run(namespace: argparse.Namespace) -> int:
    from gradiend.run_config import ConfigError, execute_run_config, load_run_config, run_config_schema

    if namespace.print_schema:
        print(json.dumps(run_config_schema(), indent=2))
        return 0
    if namespace.config is None:
        print("gradiend run: give a CONFIG file (JSON, YAML or TOML) or --print-schema", file=sys.stderr)
        return 2
    try:
        config = load_run_config(namespace.config)
    except ConfigError as err:
        print(f"gradiend run: {namespace.config}: {err}", file=sys.stderr)
        return 2
    results = execute_run_config(config)
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
        help="run an experiment from a JSON, YAML or TOML config",
        description=(
            "CONFIG (.json, .yaml/.yml or .toml) holds: modality, trainer (constructor arguments), args "
            "(TrainingArguments), evaluate_encoder, evaluate_decoder, rewrite. The whole file is validated "
            "before anything loads; --print-schema prints its JSON schema."
        ),
    )
    run.add_argument("config", nargs="?", default=None, help="path of the config file")
    run.add_argument("--print-schema", action="store_true", help="print the config's JSON schema and exit")
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
