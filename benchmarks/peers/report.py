"""Tables (Markdown) and the effect-vs-utility figure of a peers run, from its JSON result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.peers.measure import Measurement, gap, strengthen_value
from benchmarks.peers.select import Point

Result = dict[str, Any]

LABELS = {
    "gradiend_she": "GRADIEND rewrite, strengthen she (library selection)",
    "steering_she": "steering vector, strengthen she",
    "gradiend_he_weaken": "GRADIEND rewrite, weaken he (library selection)",
    "gradiend_gap": "GRADIEND rewrite, weaken he (selected on the he-row gap)",
    "leace_gap": "LEACE, erase he/she (selected on the he-row gap)",
}
METHOD_OF = {
    "gradiend_she": "gradiend",
    "gradiend_he_weaken": "gradiend",
    "gradiend_gap": "gradiend",
    "steering_she": "steering",
    "leace_gap": "leace",
}
COLORS = {"gradiend": "#1b6ca8", "steering": "#d1495b", "leace": "#2e933c"}


def measures(m: Measurement, base: Measurement) -> dict[str, float]:
    """Held-out measures of ``m`` against the base model."""
    held, ref = m.held_out, base.held_out
    return {
        "d_she_on_he": strengthen_value(held, "she") - strengthen_value(ref, "she"),
        "d_he_on_she": strengthen_value(held, "he") - strengthen_value(ref, "he"),
        "gap_he": gap(held, "he"),
        "gap_she": gap(held, "she"),
        "utility": m.lms_held_out / base.lms_held_out,
    }


def _setting(point: Point) -> str:
    s = point.setting
    if point.method == "gradiend":
        return f"f {s['feature_factor']:+g}, lr {s['learning_rate']:g}"
    if point.method == "steering":
        return f"layer {int(s['layer'])}, x{s['scale']:g}"
    return f"layer {int(s['layer'])}, alpha {s['alpha']:g}"


def _ms(cost: dict[str, float] | None) -> str:
    if cost is None:
        return "—"
    return f"{1000 * cost['extra_s']:+.1f} ms ({100 * cost['extra_ratio']:+.1f} %)"


def _method_times(result: Result, method: str) -> str:
    info = result["methods"][method]
    return f"{info['fit_seconds']:.1f} / {info['sweep_seconds']:.0f} ({len(info['points'])})"


def selection_table(result: Result) -> str:
    """One row per selected edit: held-out effects, utility, fitting and inference cost."""
    base = Measurement.from_dict(result["base"])
    ref = measures(base, base)
    lines = [
        "| edit | setting | ΔP(she) on he-rows | ΔP(he) on she-rows | he-row gap | she-row gap "
        "| utility / base | fit s / selection s (points) | extra time per forward pass |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| base model | — | — | — | {ref['gap_he']:.3f} | {ref['gap_she']:.3f} | 1.000 | — | — |",
    ]
    for key, label in LABELS.items():
        data = result["selected"].get(key)
        method = METHOD_OF[key]
        times = _method_times(result, method)
        if data is None:
            ratio = result["config"]["utility_ratio"]
            lines.append(
                f"| {label} | no setting has an effect at utility >= {ratio} x base | — | — | — | — | — "
                f"| {times} | — |"
            )
            continue
        point = Point.from_dict(data)
        v = measures(point.measurement, base)
        cost = result["inference"].get(key)
        lines.append(
            f"| {label} | {_setting(point)} | {v['d_she_on_he']:+.3f} | {v['d_he_on_she']:+.3f} "
            f"| {v['gap_he']:.3f} | {v['gap_she']:.3f} | {v['utility']:.3f} | {times} | {_ms(cost)} |"
        )
    return "\n".join(lines)


def prompt_table(result: Result) -> str:
    """P(" he") / P(" she") after each demo prompt: base and each selected edit."""
    base = Measurement.from_dict(result["base"])
    keys = [k for k in LABELS if result["selected"].get(k) is not None]
    models = {"base": base} | {k: Measurement.from_dict(result["selected"][k]["measurement"]) for k in keys}
    header = "| prompt | " + " | ".join(["base", *keys]) + " |"
    lines = [header, "|---" * (len(models) + 1) + "|"]
    for prompt in base.prompts:
        cells = [f"{m.prompts[prompt]['he']:.3f} / {m.prompts[prompt]['she']:.3f}" for m in models.values()]
        lines.append(f"| {prompt} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def curve(points: list[Point], base: Measurement, y: str) -> list[tuple[float, float, Point]]:
    """``(utility ratio, measure y, point)`` of held-out measures, in sweep order."""
    return [(measures(p.measurement, base)["utility"], _y(p.measurement, base, y), p) for p in points]


def _y(m: Measurement, base: Measurement, y: str) -> float:
    v, ref = measures(m, base), measures(base, base)
    if y == "strengthen":
        return v["d_she_on_he"]
    return ref["gap_he"] - v["gap_he"]


def plot(result: Result, path: Path) -> Path:
    """Two panels (strengthen she; shrink the he-row gap): effect against utility for every sweep point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    base = Measurement.from_dict(result["base"])
    ratio = result["config"]["utility_ratio"]
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.3), constrained_layout=True)
    panels = (
        (axes[0], "strengthen", ("gradiend", "steering"), ("gradiend_she", "steering_she")),
        (axes[1], "gap", ("gradiend", "leace"), ("gradiend_he_weaken", "leace_gap")),
    )
    for ax, y, methods, selected in panels:
        for method in methods:
            _draw_method(ax, result, method, base, y)
        for key in selected:
            _mark(ax, result, key, base, y)
        ax.axvline(ratio, color="0.4", linestyle="--", linewidth=1)
        ax.axhline(0, color="0.7", linewidth=0.8)
        right = max(1.02, _max_utility(result, base) + 0.01)
        ax.set_xlim(0.85, right)
        shown = [v for m in methods for x, v, _ in _all_points(result, m, base, y) if 0.85 <= x <= right]
        ax.set_ylim(min([0.0, *shown]) - 0.01, max([0.0, *shown]) * 1.15 + 0.01)
        ax.set_xlabel("held-out utility / base (points below 0.85 not shown)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
    axes[0].set_ylabel('ΔP(" she") on held-out he-rows')
    axes[0].set_title('Strengthen "she"')
    axes[1].set_ylabel('reduction of P(" he") - P(" she") on held-out he-rows')
    axes[1].set_title('Weaken "he" / erase he-she')
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=160)
    plt.close(fig)
    return path


def _all_points(result: Result, method: str, base: Measurement, y: str) -> list[tuple[float, float, Point]]:
    return curve([Point.from_dict(p) for p in result["methods"][method]["points"]], base, y)


def _max_utility(result: Result, base: Measurement) -> float:
    return max(
        measures(Point.from_dict(p).measurement, base)["utility"]
        for method in result["methods"].values()
        for p in method["points"]
    )


def _draw_method(ax: Any, result: Result, method: str, base: Measurement, y: str) -> None:
    points = [Point.from_dict(p) for p in result["methods"][method]["points"]]
    color = COLORS[method]
    if method == "gradiend":
        xs = curve(sorted(points, key=lambda p: p.strength), base, y)
        ax.plot(
            [x for x, _, _ in xs], [v for _, v, _ in xs], "o-", color=color, ms=4, label="GRADIEND (lr sweep)"
        )
        return
    layers = sorted({int(p.setting["layer"]) for p in points})
    for i, layer in enumerate(layers):
        own = sorted((p for p in points if int(p.setting["layer"]) == layer), key=lambda p: p.strength)
        xs = curve(own, base, y)
        shade = 0.35 + 0.65 * (i + 1) / len(layers)
        label = {"steering": "steering vector", "leace": "LEACE"}[method] + " (one line per layer)"
        ax.plot(
            [x for x, _, _ in xs],
            [v for _, v, _ in xs],
            "s-" if method == "steering" else "^-",
            color=color,
            alpha=shade,
            ms=3.5,
            linewidth=1,
            label=label if i == len(layers) - 1 else None,
        )


def _mark(ax: Any, result: Result, key: str, base: Measurement, y: str) -> None:
    data = result["selected"].get(key)
    if data is None:
        return
    point = Point.from_dict(data)
    x = measures(point.measurement, base)["utility"]
    ax.plot(
        [x],
        [_y(point.measurement, base, y)],
        marker="*",
        ms=15,
        color=COLORS[METHOD_OF[key]],
        markeredgecolor="black",
        linestyle="none",
        label=f"selected: {_setting(point)}",
    )


def render(result: Result, plot_path: str | None = None) -> str:
    """The Markdown section of one run."""
    meta = result.get("meta", {})
    grad = result["methods"]["gradiend"]
    data = result["data"]
    cfg = result["config"]
    budget = cfg["budget"]
    lines = [
        f"## Peers: GRADIEND vs steering vector vs LEACE ({meta.get('date', '?')})",
        "",
        f"- Command: `{meta.get('command', '?')}` ({result['seconds'] / 60:.1f} min)",
        f"- Machine: {meta.get('cores', '?')} cores, {meta.get('cpu', '?')}; torch threads "
        f"{meta.get('threads', '?')}; load average (1/5/15 min) at start {meta.get('load_start')}, at end "
        f"{meta.get('load_end')}; `uptime` before: {meta.get('uptime_before', '?')}; after: "
        f"{meta.get('uptime_after', '?')}",
        f"- Versions: {meta.get('versions', '?')}",
        f"- Model: {cfg['model']}; data: the text demo's Dreaddit he/she rows, per class "
        f"{data['train_he']}/{data['train_she']} train (he/she), {data['validation_he']} validation "
        f"(selection), {data['test_he']} held out; {data['neutral_selection']} neutral texts for selection, "
        f"{data['neutral_held_out']} held out. Everything below is measured on the held-out rows and texts.",
        f"- GRADIEND: the demo's arguments with {budget['max_steps']} steps, pre-prune to "
        f"{budget['pre_prune_topk']:.0%} from {budget['pre_prune_samples']} samples "
        f"({grad['inputs']:,} inputs); validation correlation {grad['correlation']:.3f}; "
        f"{len(grad['points'])} decoder-grid learning rates. Steering / LEACE: block outputs at the last "
        f"prefix token of {result['methods']['steering']['pairs']} she/he training pairs, layers "
        f"{cfg['layers']}, scales {cfg['scales']}, LEACE alpha {cfg['alphas']}.",
        f"- Selection rule for every method: largest value on the validation rows among the settings with "
        f"utility >= {cfg['utility_ratio']} x base on the selection texts.",
        "",
        selection_table(result),
        "",
        "Gaps are P(own pronoun) - P(other pronoun) on that class's rows. Fit time: GRADIEND = pre-prune + "
        "training; steering / LEACE = reading the hidden states "
        f"({result['activation_read_seconds']:.1f} s, shared) + fitting. Selection = scoring every sweep "
        "point (points in brackets). Extra forward time: median over alternating passes on a batch of "
        f"{cfg['timing_texts']} neutral texts, against the base model's "
        f"{1000 * next(iter(result['inference'].values()))['base_s']:.0f} ms.",
        "",
        'P(" he") / P(" she") after the demo\'s prompts:',
        "",
        prompt_table(result),
    ]
    if plot_path:
        lines += ["", f"![effect vs utility]({plot_path})"]
    return "\n".join(lines) + "\n"


__all__ = ["curve", "measures", "plot", "prompt_table", "render", "selection_table"]
