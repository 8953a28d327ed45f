"""The adaptive decoder search on the tiny real softmax classifier of the decoder-grid tests."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from test_evaluation_decoder_grid import (
    LRS,
    PAIR,
    Scorer,
    assert_bit_exact,
    make_data,
    make_model_with_gradiend,
    weights,
)
from torch import nn

from gradiend import TrainingArguments
from gradiend.definition import BaseModelScores, DecoderEvalData, UtilityScore
from gradiend.evaluation.decoder_grid import evaluate_decoder_grid
from gradiend.evaluation.decoder_search import (
    adaptive_decoder_search,
    check_search_mode,
    search_directions,
)
from gradiend.evaluation.selection import summarize_decoder_grid

# The Scorer holds its own tensors; these frames only name the rows each direction is scored on.
NO_ROWS = DecoderEvalData(
    training_like=pd.DataFrame({"feature_class": ["he", "she", "he"]}), neutral=pd.DataFrame({"x": [0]})
)


def _selected(result: dict[str, object], key: str) -> tuple[object, ...]:
    entry = result[key]
    assert isinstance(entry, dict)
    return entry["id"], entry["value"], entry["lms"], entry["fallback"]


@pytest.mark.parametrize("two_part", [True, False])
@pytest.mark.parametrize("increase", [True, False])
@pytest.mark.parametrize("ratio", [0.99, 0.9, 0.5])
def test_adaptive_selects_the_grid_point_with_fewer_scores(
    two_part: bool, increase: bool, ratio: float
) -> None:
    mwg = make_model_with_gradiend()
    data = make_data(1)
    full = evaluate_decoder_grid(mwg, Scorer(data), [1.0, -1.0], LRS, progress=False)
    expected = summarize_decoder_grid(full, PAIR, list(PAIR), increase=increase, utility_ratio=ratio)
    scorer = Scorer(data)
    before = weights(mwg.base_model)
    directions = search_directions([1.0, -1.0], PAIR, list(PAIR), increase=increase, target="diff")
    utility_calls: list[float | None] = []
    probability_calls: list[nn.Module] = []

    def utility(model: nn.Module, minimum: float | None) -> UtilityScore:
        utility_calls.append(minimum)
        return UtilityScore(Scorer(data)(model).lms)

    def probabilities(model: nn.Module) -> dict[str, dict[str, float]]:
        probability_calls.append(model)
        return Scorer(data)(model).probabilities

    grid = adaptive_decoder_search(
        mwg, lambda _: scorer, NO_ROWS, directions, LRS, utility_ratio=ratio, utility_on=lambda _: utility,
        probabilities_on=(lambda _, __: probabilities) if two_part else None,
    )  # fmt: skip
    assert_bit_exact(mwg.base_model, before)
    result = summarize_decoder_grid(grid, PAIR, list(PAIR), increase=increase, utility_ratio=ratio)
    for key in expected:
        if key != "grid":
            assert _selected(result, key) == _selected(expected, key), key
    partial = ("utility_only", "probabilities_only")
    full_scores = [p for p in grid.points if not any(k in p.scores.extras for k in partial)]
    print(f"ratio {ratio}: {len(grid.points)} points, {len(full_scores)} in full of {len(full.points)}")
    assert utility_calls[0] is None and len(utility_calls) <= len(grid.points) + 1  # the base first
    assert {p.id for p in grid.points} <= {p.id for p in full.points}
    if two_part:  # every part of a point scored at most once; the base from the parts, no full scoring
        assert scorer.calls == 0 and len(probability_calls) <= len(grid.points) + 1
        assert len(full_scores) <= len(full.points) // 4
        assert all(math.isnan(p.scores.lms) for p in grid.points if "probabilities_only" in p.scores.extras)
    else:  # without probabilities alone, every point below the first admissible one is scored in full
        assert scorer.calls - 1 == len(full_scores) < len(full.points)


def test_only_the_needed_direction_is_searched() -> None:
    mwg = make_model_with_gradiend()
    scorer = Scorer(make_data(1))
    seen: list[list[str]] = []

    def score_on(data: DecoderEvalData) -> Scorer:
        seen.append(list(data.training_like["feature_class"]))
        return scorer

    directions = search_directions([1.0, -1.0, 2.0], PAIR, ["she"], increase=True, target="diff")
    assert [(d.feature_factor, d.class_name, d.on_class) for d in directions] == [
        (1.0, "she", "he"),
        (2.0, "she", "he"),
    ]
    grid = adaptive_decoder_search(mwg, score_on, NO_ROWS, directions, LRS, utility_ratio=0.99)
    assert seen == [["he", "she", "he"], ["he", "he"]]  # base on all rows; P(she) is read on he-rows
    assert {p.feature_factor for p in grid.points} == {1.0, 2.0}
    assert mwg.delta_calls == [1.0, 2.0]  # decoder(f) once per factor


def test_nothing_admissible_falls_back_like_the_grid() -> None:
    mwg = make_model_with_gradiend()
    data = make_data(1)
    rates = [100.0, 50.0, 20.0]  # every one breaks the utility
    full = evaluate_decoder_grid(mwg, Scorer(data), [-1.0], rates, progress=False)
    expected = summarize_decoder_grid(full, PAIR, ["he"], utility_ratio=0.999)
    directions = search_directions([-1.0], PAIR, ["he"], increase=True, target="diff")
    grid = adaptive_decoder_search(
        mwg, lambda _: Scorer(data), NO_ROWS, directions, rates, utility_ratio=0.999
    )
    result = summarize_decoder_grid(grid, PAIR, ["he"], utility_ratio=0.999)
    assert expected["he"]["fallback"] and _selected(result, "he") == _selected(expected, "he")


def test_bad_search_inputs_are_explained() -> None:
    with pytest.raises(ValueError, match="decoder_search must be one of"):
        check_search_mode("bisect")
    with pytest.raises(ValueError, match="decoder_search"):
        TrainingArguments(decoder_search="bisect")  # type: ignore[arg-type]
    assert TrainingArguments().decoder_search == "adaptive"
    mwg = make_model_with_gradiend()
    directions = search_directions([1.0], PAIR, ["she"], increase=True, target="diff")
    with pytest.raises(ValueError, match="learning rates > 0"):
        adaptive_decoder_search(
            mwg, lambda _: Scorer(make_data(1)), NO_ROWS, directions, [0.1, -0.1], utility_ratio=0.99
        )


class ShapelessScorer:
    """Scores read from how far the weights moved: a value that falls and rises again over the rates,
    and a utility that dips below the threshold and recovers (shapes a shape-assuming scan gets wrong)."""

    def __init__(self, base: nn.Module) -> None:
        self.base = {k: v.detach().clone() for k, v in base.state_dict().items()}

    def moved(self, model: nn.Module) -> float:
        return float(sum((v - self.base[k]).norm() for k, v in model.state_dict().items()))

    def probabilities(self, model: nn.Module) -> dict[str, dict[str, float]]:
        wave = 0.5 + 0.4 * math.sin(3.0 * math.log(self.moved(model) + 1e-3))
        return {on: dict.fromkeys(PAIR, wave) for on in PAIR}

    def utility(self, model: nn.Module, minimum: float | None = None) -> UtilityScore:
        moved = self.moved(model)
        return UtilityScore(1.0 if moved < 40.0 and not 2.0 < moved < 3.0 else 0.5)

    def __call__(self, model: nn.Module) -> BaseModelScores:
        return BaseModelScores(self.probabilities(model), self.utility(model).lms)


@pytest.mark.parametrize("two_part", [True, False])
def test_the_search_assumes_no_shape_of_value_or_utility(two_part: bool) -> None:
    mwg = make_model_with_gradiend()
    scorer = ShapelessScorer(mwg.base_model)
    full = evaluate_decoder_grid(mwg, scorer, [1.0, -1.0], LRS, progress=False)
    values = [full.points[i].scores.probabilities["he"]["he"] for i in range(len(LRS))]
    drops_then_rises = any(a > b < c for a, b, c in zip(values, values[1:], values[2:], strict=False))
    assert drops_then_rises and {p.scores.lms for p in full.points} == {0.5, 1.0}
    directions = search_directions([1.0, -1.0], PAIR, list(PAIR), increase=True, target="diff")
    grid = adaptive_decoder_search(
        mwg, lambda _: scorer, NO_ROWS, directions, LRS, utility_ratio=0.99,
        utility_on=lambda _: scorer.utility,
        probabilities_on=(lambda _, __: scorer.probabilities) if two_part else None,
    )  # fmt: skip
    expected = summarize_decoder_grid(full, PAIR, list(PAIR), utility_ratio=0.99)
    result = summarize_decoder_grid(grid, PAIR, list(PAIR), utility_ratio=0.99)
    for key in PAIR:
        assert _selected(result, key) == _selected(expected, key), key
