"""Selection of rewrites from a decoder grid, feature-factor signs and the paper metrics."""

from __future__ import annotations

import json
import logging

import pytest

from gradiend.definition import BaseModelScores
from gradiend.evaluation.decoder_grid import DecoderGrid, GridPoint
from gradiend.evaluation.paper_metrics import bpi_fpi_mpi, paper_summary_extractor
from gradiend.evaluation.selection import default_feature_factor, summarize_decoder_grid

PAIR = ("he", "she")


def scores(
    he_on_she: float, she_on_he: float, lms: float, he_on_he: float = 0.8, she_on_she: float = 0.8
) -> BaseModelScores:
    return BaseModelScores(
        probabilities={"she": {"he": he_on_she, "she": she_on_she}, "he": {"he": he_on_he, "she": she_on_he}},
        lms=lms,
    )


@pytest.fixture
def grid() -> DecoderGrid:
    """Base lms 0.8: the 0.99 rule keeps lms >= 0.792."""
    return DecoderGrid(
        base=scores(0.1, 0.1, 0.8),
        points=[
            GridPoint(-1.0, 1.0, scores(0.9, 0.05, 0.5)),  # best value but utility lost
            GridPoint(-1.0, 0.1, scores(0.4, 0.05, 0.792)),  # exactly at the bound: kept
            GridPoint(-1.0, 0.05, scores(0.4, 0.06, 0.81)),  # tie in value, smaller |lr|: wins
            GridPoint(-1.0, 0.01, scores(0.2, 0.09, 0.8)),
            GridPoint(1.0, 0.1, scores(0.01, 0.5, 0.795, he_on_he=0.3)),
            GridPoint(1.0, 0.01, scores(0.05, 0.3, 0.8, he_on_he=0.6)),
        ],
    )


def test_default_feature_factor_signs() -> None:
    assert default_feature_factor("he", PAIR, "diff") == -1.0
    assert default_feature_factor("she", PAIR, "diff") == 1.0
    assert default_feature_factor("he", PAIR, "factual") == -1.0
    assert default_feature_factor("he", PAIR, "alternative") == 1.0
    assert default_feature_factor("she", PAIR, "alternative") == -1.0
    assert default_feature_factor("he", PAIR, "diff", increase=False) == 1.0
    with pytest.raises(ValueError, match="class_name"):
        default_feature_factor("it", PAIR)
    with pytest.raises(ValueError, match="target"):
        default_feature_factor("he", PAIR, "both")


def test_strengthen_keeps_utility_and_picks_largest_value(grid: DecoderGrid) -> None:
    result = summarize_decoder_grid(grid, PAIR, ["he", "she"])
    he = result["he"]
    assert he["id"] == "ff=-1_lr=0.05" and he["learning_rate"] == 0.05 and he["feature_factor"] == -1.0
    assert he["value"] == 0.4 and he["base_value"] == 0.1 and he["delta"] == pytest.approx(0.3)
    assert he["lms"] == he["utility"] == 0.81 and he["base_lms"] == he["base_utility"] == 0.8
    assert he["strengthen"] is True and he["fallback"] is False
    she = result["she"]
    assert she["id"] == "ff=+1_lr=0.1" and she["value"] == 0.5  # P(she) on "he" rows, only f = +1 points
    assert len(result["grid"]) == 1 + len(grid.points) and result["grid"][0]["id"] == "base"
    json.dumps(result)


def test_utility_ratio_is_respected(grid: DecoderGrid) -> None:
    strict = summarize_decoder_grid(grid, PAIR, ["he"], utility_ratio=1.0)
    assert strict["he"]["id"] == "ff=-1_lr=0.05"
    loose = summarize_decoder_grid(grid, PAIR, ["he"], utility_ratio=0.5)
    assert loose["he"]["id"] == "ff=-1_lr=1"


def test_weaken_uses_own_rows_and_weakening_sign(grid: DecoderGrid) -> None:
    result = summarize_decoder_grid(grid, PAIR, ["he"], increase=False)
    assert set(result) == {"he_weaken", "grid"}
    entry = result["he_weaken"]
    assert entry["feature_factor"] == 1.0 and entry["strengthen"] is False
    assert entry["id"] == "ff=+1_lr=0.1"
    assert entry["value"] == pytest.approx(1 - 0.3) and entry["base_value"] == pytest.approx(1 - 0.8)


def test_fallback_takes_smallest_learning_rate_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    grid = DecoderGrid(
        base=scores(0.1, 0.1, 0.8),
        points=[GridPoint(-1.0, lr, scores(0.9 - lr / 10, 0.1, 0.5)) for lr in (1.0, 0.1, 0.5)],
    )
    with caplog.at_level(logging.WARNING, logger="gradiend.evaluation.selection"):
        entry = summarize_decoder_grid(grid, PAIR, ["he"])["he"]
    assert entry["fallback"] is True and entry["learning_rate"] == 0.1
    assert "falling back" in caplog.text


def test_missing_sign_and_bad_arguments_raise(grid: DecoderGrid) -> None:
    only_plus = DecoderGrid(base=grid.base, points=[p for p in grid.points if p.feature_factor > 0])
    with pytest.raises(ValueError, match="feature factor of sign -1"):
        summarize_decoder_grid(only_plus, PAIR, ["he"])
    with pytest.raises(ValueError, match="utility_ratio"):
        summarize_decoder_grid(grid, PAIR, ["he"], utility_ratio=float("nan"))
    with pytest.raises(ValueError, match="classes"):
        summarize_decoder_grid(grid, PAIR, [])
    with pytest.raises(ValueError, match="bpi"):
        summarize_decoder_grid(grid, PAIR, ["he"], summary_metrics=["bpi"])


def test_paper_metrics_formulas() -> None:
    metrics = bpi_fpi_mpi(0.6, 0.2, 0.9)
    assert metrics["bpi"] == pytest.approx((1 - 0.4) * 0.8 * 0.9)
    assert metrics["fpi"] == pytest.approx(0.4 * 0.2 * 0.9)
    assert metrics["mpi"] == pytest.approx(0.8 * 0.6 * 0.9)
    with pytest.raises(ValueError, match="p_b"):
        bpi_fpi_mpi(0.5, float("nan"), 1.0)


def test_summary_metrics_select_best_point_per_metric(grid: DecoderGrid) -> None:
    result = summarize_decoder_grid(
        grid, PAIR, ["he"], summary_extractor=paper_summary_extractor, summary_metrics=["bpi", "fpi", "mpi"]
    )
    records = {r["id"]: r for r in result["grid"]}
    assert {"bpi", "fpi", "mpi"} <= set(records["base"])
    for metric in ("bpi", "fpi", "mpi"):
        entry = result[metric]
        kept = [r for r in result["grid"] if r["id"] != "base" and r["lms"] >= 0.99 * 0.8]
        assert entry["value"] == max(r[metric] for r in kept)
        assert entry["metric"] == metric and entry["base_value"] == records["base"][metric]
    point = records["ff=-1_lr=0.05"]
    p_a, p_b = (0.4 + 0.8) / 2, (0.8 + 0.06) / 2  # averaged over the "she" and "he" rows
    assert point["bpi"] == pytest.approx(bpi_fpi_mpi(p_a, p_b, 0.81)["bpi"])
