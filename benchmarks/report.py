"""Render collected benchmark results as Markdown (tables, ratios, targets) and append them to RESULTS.md."""

from __future__ import annotations

import os
import platform
from collections.abc import Callable
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks.suite import PROFILE_MODEL, SuiteOptions

Result = dict[str, Any]
TARGET_MODELS_TRAIN = ("bert-3.5m", "bert-26m")
PROFILE_ROWS = (
    "base_forward",
    "base_backward",
    "flatten",
    "gradiend_forward",
    "gradiend_backward",
    "optimizer_step",
    "other",
    "total",
)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def machine_meta(command: str, options: SuiteOptions, collected: Result, seconds: float) -> Result:
    """Date, command, machine, load and versions of this invocation."""
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "threads_per_run": options.threads,
        "load": {k: [round(v, 1) for v in values] for k, values in collected.get("load", {}).items()},
        "seconds": seconds,
        "python": platform.python_version(),
        "versions": {
            name: _version(name) for name in ("gradiend-core", "gradiend-text", "torch", "transformers")
        },
    }


def _get(result: Result | None, *path: str) -> float | None:
    value: Any = result
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return float(value) if isinstance(value, (int, float)) else None


def _ratio(num: float | None, den: float | None) -> float | None:
    return None if num is None or den is None or den == 0 else num / den


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _pair(ours: float | None, pub: float | None, ratio: float | None, digits: int = 2) -> str:
    return f"{_fmt(ours, digits)} / {_fmt(pub, digits)} (**{_fmt(ratio)}x**)"


METRIC_KEYS: dict[str, dict[str, tuple[str, str]]] = {
    "cpu": {
        "train": ("train", "steps_per_cpu_second"),
        "encoder": ("encoder", "gradients_per_cpu_second"),
        "decoder": ("decoder", "cpu_seconds"),
    },
    "wall": {
        "train": ("train", "steps_per_second"),
        "encoder": ("encoder", "gradients_per_second"),
        "decoder": ("decoder", "seconds"),
    },
}
"""Where each measurement lives in a runner result, on the CPU-time or the wall-clock basis."""


def _metric_rows(
    entry: Result, basis: str = "cpu"
) -> dict[str, tuple[float | None, float | None, float | None]]:
    ours, pub = entry.get("ours"), entry.get("published")
    keys = METRIC_KEYS[basis]

    def both(*path: str) -> tuple[float | None, float | None]:
        return _get(ours, *path), _get(pub, *path)

    train, enc = both(*keys["train"]), both(*keys["encoder"])
    dec, mem = both(*keys["decoder"]), both("memory", "peak_above_baseline_mib")
    wall = both("wall_seconds")
    return {
        "train": (*train, _ratio(train[0], train[1])),
        "encoder": (*enc, _ratio(enc[0], enc[1])),
        "decoder": (*dec, _ratio(dec[1], dec[0])),
        "memory": (*mem, _ratio(mem[0], mem[1])),
        "wall": (*wall, _ratio(wall[1], wall[0])),
    }


def _correlation(result: Result | None) -> str:
    if result is None:
        return "—"
    if "error" in result:
        return "failed"
    corr = _get(result, "encoder", "correlation")
    return "—" if corr is None else f"{abs(corr):.3f}"


def comparison_table(models: Result, basis: str = "cpu") -> list[str]:
    """One row per model: ours / published and the ratio for each measurement (CPU or wall basis)."""
    lines = [
        "| model | params | n (GRADIEND input) | steps | train steps/s | encoder gradients/s "
        "| decoder grid s | peak MiB above baseline | wall s | test abs(corr) ours / published |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, entry in models.items():
        rows = _metric_rows(entry, basis)
        n = _get(entry.get("ours"), "input_dim") or _get(entry.get("published"), "input_dim")
        lines.append(
            f"| {name} | {entry['manifest']['parameters']:,} | {_fmt(n, 0)} | {entry['settings']['steps']} "
            f"| {_pair(*rows['train'])} | {_pair(*rows['encoder'], digits=1)} | {_pair(*rows['decoder'])} "
            f"| {_pair(*rows['memory'], digits=0)} | {_pair(*rows['wall'], digits=0)} "
            f"| {_correlation(entry.get('ours'))} / {_correlation(entry.get('published'))} |"
        )
    return lines


def _check(label: str, value: float | None, ok: Callable[[float], bool], target: str) -> str:
    if value is None:
        return f"- [ ] {label}: not measured (target {target})"
    return f"- [{'x' if ok(value) else ' '}] {label}: {value:.2f}x (target {target})"


def targets(collected: Result) -> list[str]:
    """The issue's targets, each with the measured ratio and whether it was met."""
    lines = []
    models = collected.get("models", {})
    for name, entry in models.items():
        rows = _metric_rows(entry)
        if name in TARGET_MODELS_TRAIN:
            lines.append(_check(f"{name} training loop", rows["train"][2], lambda v: v >= 3.0, ">= 3x"))
        lines.append(_check(f"{name} encoder evaluation", rows["encoder"][2], lambda v: v >= 5.0, ">= 5x"))
        lines.append(_check(f"{name} decoder grid", rows["decoder"][2], lambda v: v >= 3.0, ">= 3x"))
        lines.append(
            _check(f"{name} peak memory above baseline", rows["memory"][2], lambda v: v <= 0.6, "<= 0.6x")
        )
        for library in ("ours", "published"):
            corr = _get(entry.get(library), "encoder", "correlation")
            converged = corr is not None and abs(corr) >= 0.5
            lines.append(
                f"- [{'x' if converged else ' '}] {name} {library} converged: test abs(corr) "
                f"{_fmt(None if corr is None else abs(corr), 3)} (>= 0.5)"
            )
    if not collected.get("profile"):
        return lines
    step = step_floor_ratio(collected["profile"])
    lines.append(
        _check(
            f"{PROFILE_MODEL} step vs (base forward+backward + GRADIEND update)",
            step,
            lambda v: v <= 1.3,
            "<= 1.3x",
        )
    )
    return lines


def step_floor_ratio(profile: Result) -> float | None:
    """Our mean profiled step time over the measured floor (reference base f+b + GRADIEND update)."""
    return _ratio(
        _get(profile.get("ours"), "profile", "mean_seconds", "total"),
        _get(profile.get("reference"), "floor_seconds"),
    )


def profile_table(profile: Result) -> list[str]:
    """Milliseconds per training step by phase, both libraries, plus the measured floor."""
    ours = _get(profile.get("ours"), "profile", "steps") or 0
    pub = _get(profile.get("published"), "profile", "steps") or 0
    lines = [
        f"Mean CPU milliseconds over {int(ours)} (ours) / {int(pub)} (published) steps after one warm-up "
        "step, in-training evaluation off.",
        "",
        "| phase | ours ms | published ms |",
        "|---|---|---|",
    ]
    for phase in PROFILE_ROWS:
        values = [_get(profile.get(lib), "profile", "mean_seconds", phase) for lib in ("ours", "published")]
        lines.append(
            f"| {phase} | " + " | ".join(_fmt(None if v is None else 1000 * v, 1) for v in values) + " |"
        )
    ref = profile.get("reference", {})
    base, update = _get(ref, "base_forward_backward_seconds"), _get(ref, "gradiend_update_seconds")
    lines += [
        "",
        f"Floor (plain torch, same batches): base forward + 2 backward at the batch's real length "
        f"{_fmt(None if base is None else 1000 * base, 1)} ms + GRADIEND update alone "
        f"{_fmt(None if update is None else 1000 * update, 1)} ms; our step / floor = "
        f"**{_fmt(step_floor_ratio(profile))}x** (target <= 1.3x).",
    ]
    return lines


def dtype_table(models: Result, dtypes: Result) -> list[str]:
    """GRADIEND weights in float32 / bfloat16 / float16 on the profile model (ours)."""
    rows = {"float32": models.get(PROFILE_MODEL, {}).get("ours"), **dtypes}
    lines = [
        "| GRADIEND dtype | train steps per CPU s | peak MiB above baseline | test abs(corr) |",
        "|---|---|---|---|",
    ]
    for dtype, result in rows.items():
        lines.append(
            f"| {dtype} | {_fmt(_get(result, 'train', 'steps_per_cpu_second'))} "
            f"| {_fmt(_get(result, 'memory', 'peak_above_baseline_mib'), 0)} | {_correlation(result)} |"
        )
    return lines


def decoder_search_table(models: Result) -> list[str]:
    """Ours: the adaptive decoder search against the exhaustive grid on the same trained model."""
    lines = [
        "| model | adaptive CPU s | points scored (in full) | exhaustive grid CPU s | grid points "
        "| grid / adaptive | same selection |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, entry in models.items():
        dec = _get_dict(entry.get("ours"), "decoder")
        full = _get_dict(dec, "exhaustive")
        if not full:
            continue
        adaptive_s, grid_s = _get(dec, "cpu_seconds"), _get(full, "cpu_seconds")
        same = full.get("same_selection")
        lines.append(
            f"| {name} | {_fmt(adaptive_s)} | {dec.get('grid_points')} ({dec.get('full_points')}) "
            f"| {_fmt(grid_s)} | {full.get('grid_points')} | {_fmt(_ratio(grid_s, adaptive_s))}x "
            f"| {'yes' if same else 'NO: ' + str(full.get('selected_grid_adaptive'))} |"
        )
    return lines


def memory_per_weight_table(models: Result, scaling: Result) -> list[str]:
    """Peak bytes above baseline per GRADIEND input weight (n), both libraries and the scaling runs."""
    lines = [
        "| model | n (GRADIEND input) | ours bytes / input weight | published bytes / input weight |",
        "|---|---|---|---|",
    ]
    rows = [(name, entry.get("ours"), entry.get("published")) for name, entry in models.items()]
    rows += [(f"SmolLM2-135M {label}", result, None) for label, result in (scaling or {}).items()]
    for name, ours, published in rows:
        n = _get(ours, "input_dim") or _get(published, "input_dim")
        per = [
            None if not n or mib is None else mib * 2**20 / n
            for mib in (_get(r, "memory", "peak_above_baseline_mib") for r in (ours, published))
        ]
        lines.append(f"| {name} | {_fmt(n, 0)} | {_fmt(per[0], 1)} | {_fmt(per[1], 1)} |")
    return lines


def _get_dict(result: Result | None, key: str) -> Result:
    value = (result or {}).get(key)
    return value if isinstance(value, dict) else {}


def scaling_table(scaling: Result) -> list[str]:
    """SmolLM2-135M (ours): seconds per step, encoder gradients/s and peak memory, pruned or not."""
    lines = [
        "| setting | n (GRADIEND input) | CPU s / training step | wall s / training step "
        "| encoder gradients per CPU s | peak RSS MiB | peak MiB above baseline | test abs(corr) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label in ("full", "pre_pruned"):
        result = scaling.get(label)
        cpu, wall = _get(result, "train", "steps_per_cpu_second"), _get(result, "train", "steps_per_second")
        lines.append(
            f"| {label} | {_fmt(_get(result, 'input_dim'), 0)} | {_fmt(None if not cpu else 1 / cpu)} "
            f"| {_fmt(None if not wall else 1 / wall)} "
            f"| {_fmt(_get(result, 'encoder', 'gradients_per_cpu_second'))} "
            f"| {_fmt(_get(result, 'memory', 'peak_rss_mib'), 0)} "
            f"| {_fmt(_get(result, 'memory', 'peak_above_baseline_mib'), 0)} | {_correlation(result)} |"
        )
    return lines


def _errors(collected: Result) -> list[str]:
    found = []
    for section in ("models", "profile", "dtypes", "scaling"):
        for key, value in (collected.get(section) or {}).items():
            if isinstance(value, dict):
                for lib, result in value.items():
                    if isinstance(result, dict) and "error" in result:
                        found.append(f"- {section}/{key}/{lib}: {result['error']}")
                if "error" in value:
                    found.append(f"- {section}/{key}: {value['error']}")
    return found


def render(collected: Result) -> str:
    """The Markdown section of one invocation."""
    meta = collected["meta"]
    load = meta.get("load", {})
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    lines = [
        f"## {meta['date']}",
        "",
        f"- Command: `{meta['command']}` ({meta['seconds'] / 60:.1f} min)",
        f"- Machine: {meta['cores']} cores, {meta['cpu']}; "
        f"{meta['threads_per_run']} torch thread(s) per run; load average (1/5/15 min) at start "
        f"{load.get('start')}, at end {load.get('end')}",
        f"- Versions: Python {meta['python']}, {versions}; published gradiend 0.2.3 in its own venv",
        "- Workload: templated he/she/it (3SG) vs they (3PL) sentences, source alternative, target diff, "
        "batch 8, lr 1e-4, seed 0; in-training evaluation on the validation split (see benchmarks/README.md)",
        "",
        "### Ours / published (ratio), CPU time",
        "",
        "Speeds per CPU second of the runner process (one torch thread): robust to other work on the "
        "machine.",
        "",
        *comparison_table(collected.get("models", {}), "cpu"),
        "",
        "Ratios: speeds ours/published; decoder grid and wall time published/ours; memory ours/published.",
        "",
        "### The same runs, wall clock",
        "",
        *comparison_table(collected.get("models", {}), "wall"),
        "",
        "### Targets (CPU-time ratios)",
        "",
        *targets(collected),
    ]
    memory = memory_per_weight_table(collected.get("models", {}), collected.get("scaling", {}))
    if len(memory) > 2:
        lines += ["", "### Peak memory above baseline per GRADIEND input weight", "", *memory]
    search = decoder_search_table(collected.get("models", {}))
    if len(search) > 2:
        lines += ["", "### Decoder search (ours): adaptive default vs exhaustive grid", "", *search]
    if collected.get("profile"):
        lines += ["", f"### Step profile ({PROFILE_MODEL})", "", *profile_table(collected["profile"])]
    if collected.get("dtypes"):
        lines += [
            "",
            f"### GRADIEND dtype ({PROFILE_MODEL}, ours)",
            "",
            *dtype_table(collected.get("models", {}), collected["dtypes"]),
        ]
    if collected.get("scaling"):
        lines += ["", "### Scaling: SmolLM2-135M (ours)", "", *scaling_table(collected["scaling"])]
    errors = _errors(collected)
    if errors:
        lines += ["", "### Failed runs", "", *errors]
    return "\n".join(lines) + "\n"


def append(path: Path, markdown: str) -> None:
    """Append ``markdown`` to ``path`` (atomically: a temp file replaces the old one)."""
    old = path.read_text() if path.exists() else "# Benchmark results\n\nNewest runs last.\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(old.rstrip("\n") + "\n\n" + markdown)
    os.replace(tmp, path)


__all__ = [
    "append",
    "comparison_table",
    "machine_meta",
    "profile_table",
    "render",
    "step_floor_ratio",
    "targets",
]
