"""Run every method on one split and collect a JSON-able result (the report renders it)."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from torch import nn

from benchmarks.peers import activation_methods as act
from benchmarks.peers.data import PeerData
from benchmarks.peers.gradiend_method import GradiendBudget, make_trainer, run_gradiend
from benchmarks.peers.measure import Scorer, forward_batch, inference_overhead
from benchmarks.peers.select import Point, erase_he_gap, select, strengthen_she
from gradiend_text.demo import PROMPTS

logger = logging.getLogger(__name__)


@dataclass
class PeersConfig:
    """Settings of one comparison run."""

    model: Any = "smollm2-135m"
    """A model id of ``TextPredictionTrainer`` (default: the embedded SmolLM2-135M) or a directory."""
    output: Path = Path("benchmarks/output/peers")
    budget: GradiendBudget = field(default_factory=GradiendBudget)
    layers: tuple[int, ...] = (6, 12, 18)
    scales: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0)
    alphas: tuple[float, ...] = (0.5, 1.0)
    utility_ratio: float = 0.99
    timing_repeats: int = 15
    timing_texts: int = 16
    batch_size: int = 16
    prompts: Sequence[tuple[str, str]] = PROMPTS

    def summary(self) -> dict[str, Any]:
        """The settings as JSON-able values."""
        data = asdict(self)
        data["model"] = str(self.model)
        data["output"] = str(self.output)
        return data


def run_peers(config: PeersConfig, data: PeerData) -> dict[str, Any]:
    """GRADIEND, the steering vector and LEACE on ``data``; selections, timings and all sweep points."""
    load_start = os.getloadavg()
    start = time.perf_counter()
    trainer = make_trainer(config.model, data, config.output / "gradiend", config.budget)
    model: nn.Module = trainer.base_model
    tokenizer = trainer.tokenizer
    layers = act.check_layers(model, config.layers)
    scorer = Scorer(tokenizer, str(trainer.objective), data, config.prompts, config.batch_size)
    base = scorer(model)
    _checkpoint(config, "base", base.to_dict())
    activations = act.extract(model, tokenizer, data, layers)
    vector, steer_fit = act.fit_steering(activations)
    erasers, leace_fit = act.fit_leace(activations)
    steer_start = time.perf_counter()
    steering = act.sweep_steering(model, vector, scorer, base, config.scales, config.utility_ratio)
    steer_sweep = time.perf_counter() - steer_start
    leace_start = time.perf_counter()
    leace = act.sweep_leace(model, erasers, scorer, config.alphas)
    leace_sweep = time.perf_counter() - leace_start
    _checkpoint(config, "activation_points", [p.to_dict() for p in steering + leace])
    gradiend = run_gradiend(trainer, scorer, base)

    ratio = config.utility_ratio
    chosen = {
        "gradiend_she": _gradiend_point(gradiend.points, gradiend.selected_she),
        "gradiend_he_weaken": _gradiend_point(gradiend.points, gradiend.selected_he_weaken),
        "gradiend_gap": select(gradiend.points, base, erase_he_gap, ratio),
        "steering_she": select(steering, base, strengthen_she, ratio),
        "leace_gap": select(leace, base, erase_he_gap, ratio),
    }
    batch = forward_batch(tokenizer, data.neutral_held_out[: config.timing_texts])
    costs = _inference_costs(model, gradiend, vector, erasers, chosen, batch, config.timing_repeats)
    return {
        "config": config.summary(),
        "data": data.summary(),
        "base": base.to_dict(),
        "methods": {
            "gradiend": {
                "points": [p.to_dict() for p in gradiend.points],
                "fit_seconds": gradiend.fit_seconds,
                "sweep_seconds": gradiend.sweep_seconds,
                "correlation": gradiend.correlation,
                "inputs": gradiend.inputs,
                "arguments": gradiend.arguments,
                "library_selection": {
                    "she": _plain(gradiend.selected_she),
                    "he_weaken": _plain(gradiend.selected_he_weaken),
                },
            },
            "steering": {
                "points": [p.to_dict() for p in steering],
                "fit_seconds": activations.seconds + steer_fit,
                "sweep_seconds": steer_sweep,
                "pairs": activations.pairs,
            },
            "leace": {
                "points": [p.to_dict() for p in leace],
                "fit_seconds": activations.seconds + leace_fit,
                "sweep_seconds": leace_sweep,
                "pairs": activations.pairs,
            },
        },
        "activation_read_seconds": activations.seconds,
        "selected": {k: None if p is None else p.to_dict() for k, p in chosen.items()},
        "inference": costs,
        "seconds": time.perf_counter() - start,
        "load": {"start": list(load_start), "end": list(os.getloadavg())},
    }


def _checkpoint(config: PeersConfig, name: str, value: Any) -> None:
    """Keep a finished stage's results on disk (``partial_NAME.json``) in case a later stage fails."""
    config.output.mkdir(parents=True, exist_ok=True)
    (config.output / f"partial_{name}.json").write_text(json.dumps(value))


def _plain(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if isinstance(v, (int, float, str, bool)) or v is None}


def _gradiend_point(points: list[Point], entry: dict[str, Any]) -> Point | None:
    """The sweep point of the library's selection (None when it fell back: no kept grid point)."""
    if entry.get("fallback"):
        return None
    for point in points:
        if point.setting["learning_rate"] == float(entry["learning_rate"]):
            return point
    raise RuntimeError(f"the library selected {entry['id']}, which is not a sweep point")


def _inference_costs(
    model: nn.Module,
    gradiend: Any,
    vector: Any,
    erasers: dict[int, Any],
    chosen: dict[str, Point | None],
    batch: dict[str, Any],
    repeats: int,
) -> dict[str, dict[str, float]]:
    """Extra seconds per forward pass of each selected edit (a median over alternating passes)."""
    costs: dict[str, dict[str, float]] = {}
    for key, entry in (
        ("gradiend_she", gradiend.selected_she),
        ("gradiend_he_weaken", gradiend.selected_he_weaken),
    ):
        rewritten = gradiend.rewritten(entry)
        costs[key] = inference_overhead(model, rewritten, batch, repeats=repeats)
        del rewritten
    steer = chosen["steering_she"] or _fallback_setting(vector.layer_activations, "steering")
    layer, scale = int(steer.setting["layer"]), float(steer.setting["scale"])
    costs["steering_she"] = inference_overhead(
        model, model, batch, lambda: act.steering_applied(model, vector, layer, scale), repeats
    )
    leace = chosen["leace_gap"] or _fallback_setting(erasers, "leace")
    layer, alpha = int(leace.setting["layer"]), float(leace.setting["alpha"])
    costs["leace_gap"] = inference_overhead(
        model, model, batch, lambda: act.leace_applied(model, layer, erasers[layer], alpha), repeats
    )
    return costs


def _fallback_setting(layers: dict[int, Any], method: str) -> Point:
    """A stand-in setting (the middle layer, strength 1) for timing a method that selected nothing."""
    from benchmarks.peers.measure import Measurement

    layer = sorted(layers)[len(layers) // 2]
    key = "scale" if method == "steering" else "alpha"
    empty = Measurement({}, {}, 0.0, 0.0)
    return Point(method, {"layer": layer, key: 1.0}, 1.0, empty)


__all__ = ["PeersConfig", "run_peers"]
