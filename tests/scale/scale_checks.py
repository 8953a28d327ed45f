"""Driver-side helpers of the Ray tests: train the toy modality on an executor, compare results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import torch
from gradiend_toy import ToyTrainer

from gradiend.testing import quick_arguments


@dataclass
class TwoNodeCluster:
    """A running two-node cluster: its address and the node id of each custom resource."""

    address: str
    node_ids: dict[str, str]


GRID_KWARGS: dict[str, Any] = {
    "lrs": [1e-1, 1e-2, 1e-3],
    "feature_factors": [-1.0, 1.0],
    "use_cache": False,
    "decoder_search": "grid",
}
"""A small decoder grid: base + 6 points (exhaustive: local and distributed runs compare point by point)."""


def train_toy(directory: Path, executor: Any, **overrides: Any) -> ToyTrainer:
    """Two seeds (both needed), 60 steps each, on ``executor``."""
    args = quick_arguments(directory, max_seeds=2, min_convergent_seeds=2, max_steps=60, **overrides)
    trainer = ToyTrainer(target_classes=["a", "b"], args=args)
    trainer.train(executor=executor)
    return trainer


def seed_report(directory: Path) -> dict[str, Any]:
    """The seed_report.json of an experiment directory."""
    return json.loads((directory / "seeds" / "seed_report.json").read_text())


def assert_same_training(expected: ToyTrainer, actual: ToyTrainer) -> None:
    """Same seeds tried, same convergence and best steps, same selected seed and (close) weights."""
    first, second = (seed_report(Path(t.args.experiment_dir or "")) for t in (expected, actual))
    fields = ("seed", "converged", "best_step")
    assert [tuple(s[f] for f in fields) for s in second["runs"]] == [
        tuple(s[f] for f in fields) for s in first["runs"]
    ]
    assert second["best_seed"] == first["best_seed"]
    for a, b in zip(first["runs"], second["runs"], strict=True):
        assert b["selection_score"] == pytest.approx(a["selection_score"], abs=1e-5)
    torch.testing.assert_close(
        actual.get_model().gradiend.state_dict(),
        expected.get_model().gradiend.state_dict(),
        atol=1e-5,
        rtol=0,
    )


def assert_same_decoder_results(expected: dict[str, Any], actual: dict[str, Any]) -> None:
    """The same point is selected per class, and every grid record matches within float tolerance."""
    for name in ("a", "b"):
        assert actual[name]["id"] == expected[name]["id"], "the same decoder point is selected"
    assert [r["id"] for r in actual["grid"]] == [r["id"] for r in expected["grid"]]
    for x, y in zip(expected["grid"], actual["grid"], strict=True):
        assert set(x) == set(y)
        for key, value in x.items():
            if isinstance(value, float):
                assert y[key] == pytest.approx(value, abs=1e-6), (x["id"], key)
