"""The decoder grid on a tiny real softmax classifier with a real ModelWithGradiend."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pytest
import torch
from torch import nn

from gradiend.definition import BaseModelScores
from gradiend.evaluation.decoder_grid import (
    DecoderGrid,
    GridPoint,
    evaluate_decoder_grid,
    evaluate_grid_points,
)
from gradiend.evaluation.selection import summarize_decoder_grid
from gradiend.model import GradiendModel, ModelWithGradiend, ParamMap

CLASSES = ("he", "she", "it")
PAIR = ("he", "she")
LRS = [100, 50, 20, 10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001]


def make_data(seed: int = 0, per_class: int = 20) -> dict[str, torch.Tensor]:
    """Inputs of each class: a one-hot direction plus noise."""
    generator = torch.Generator().manual_seed(seed)
    return {
        name: torch.eye(4)[i] * 2.0 + 0.3 * torch.randn(per_class, 4, generator=generator)
        for i, name in enumerate(CLASSES)
    }


def make_classifier() -> nn.Linear:
    model = nn.Linear(4, 3)
    with torch.no_grad():
        model.weight.copy_(torch.eye(3, 4) * 2.0)
        model.bias.zero_()
    return model


class Scorer:
    """Real scores: mean class probabilities per data class, lms = accuracy on the neutral ("it") rows."""

    def __init__(self, data: dict[str, torch.Tensor], fail_on_call: int | None = None) -> None:
        self.data = data
        self.calls = 0
        self.models: list[nn.Module] = []
        self.fail_on_call = fail_on_call

    def __call__(self, model: nn.Module) -> BaseModelScores:
        self.calls += 1
        self.models.append(model)
        if self.fail_on_call == self.calls:
            raise RuntimeError("scoring failed on purpose")
        with torch.no_grad():
            probabilities = {
                on: {t: float(model(self.data[on]).softmax(-1)[:, j].mean()) for j, t in enumerate(CLASSES)}
                for on in PAIR
            }
            lms = float((model(self.data["it"]).argmax(-1) == 2).float().mean())
        return BaseModelScores(probabilities=probabilities, lms=lms)


class CountingModelWithGradiend(ModelWithGradiend):
    """The real ModelWithGradiend, counting decoder_delta calls."""

    delta_calls: list[float | Sequence[float]]

    def decoder_delta(self, feature_factor: float | Sequence[float]) -> torch.Tensor:
        self.delta_calls.append(feature_factor)
        return super().decoder_delta(feature_factor)


def diff_gradient(
    model: nn.Linear, param_map: ParamMap, x: torch.Tensor, factual: int, alt: int
) -> torch.Tensor:
    """grad L(factual) - grad L(alternative) on rows ``x`` (the GRADIEND "diff" target)."""
    model.zero_grad()
    logits = model(x)
    loss = nn.functional.cross_entropy(logits, torch.full((len(x),), factual)) - nn.functional.cross_entropy(
        logits, torch.full((len(x),), alt)
    )
    loss.backward()
    grads = param_map.gather_grads(model).clone()
    model.zero_grad()
    return grads


def make_model_with_gradiend(param_map: ParamMap | None = None) -> CountingModelWithGradiend:
    """A GRADIEND whose decoder maps h=+1 to the diff gradient of the first class (as after training)."""
    model = make_classifier()
    param_map = param_map or ParamMap.from_model(model, ["weight", "bias"])
    data = make_data()
    gradiend = GradiendModel(param_map.size, latent_dim=1)
    direction = diff_gradient(model, param_map, data["he"], 0, 1)
    with torch.no_grad():
        gradiend.decoder.weight.copy_(direction.unsqueeze(1))
        gradiend.decoder.bias.zero_()
    mwg = CountingModelWithGradiend(model, gradiend, param_map, base_model_id="tiny-linear")
    mwg.delta_calls = []
    return mwg


def weights(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def assert_bit_exact(model: nn.Module, before: dict[str, torch.Tensor]) -> None:
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, before[name]), name


def test_grid_scores_base_once_and_each_point_on_the_same_model() -> None:
    mwg = make_model_with_gradiend()
    scorer = Scorer(make_data(1))
    before = weights(mwg.base_model)
    grid = evaluate_decoder_grid(mwg, scorer, [1.0, -1.0], [0.5, 0.1, 0.01], progress=False)
    assert scorer.calls == 1 + 6
    assert all(m is mwg.base_model for m in scorer.models)  # rewritten in place, never copied
    assert mwg.delta_calls == [1.0, -1.0]
    assert [p.id for p in grid.points] == [
        "ff=+1_lr=0.5",
        "ff=+1_lr=0.1",
        "ff=+1_lr=0.01",
        "ff=-1_lr=0.5",
        "ff=-1_lr=0.1",
        "ff=-1_lr=0.01",
    ]
    assert_bit_exact(mwg.base_model, before)
    # every point really scored its own rewrite
    for point in grid.points:
        rewritten = mwg.rewrite(point.feature_factor, point.learning_rate)
        assert Scorer(make_data(1))(rewritten) == point.scores


def test_grid_moves_probabilities_in_the_derived_direction() -> None:
    mwg = make_model_with_gradiend()
    grid = evaluate_decoder_grid(mwg, Scorer(make_data(1)), [1.0, -1.0], [1.0], progress=False)
    base_he_on_she = grid.base.probability("he", on_class="she")
    by_id = {p.id: p for p in grid.points}
    # decoder(+1) ~ grad L(he) - grad L(she): adding it raises L(he); f = -1 strengthens "he"
    assert by_id["ff=-1_lr=1"].scores.probability("he", "she") > 2 * base_he_on_she
    assert by_id["ff=+1_lr=1"].scores.probability("he", "she") < base_he_on_she


def test_given_base_is_not_rescored() -> None:
    mwg = make_model_with_gradiend()
    scorer = Scorer(make_data(1))
    base = scorer(mwg.base_model)
    grid = evaluate_decoder_grid(mwg, scorer, [-1.0], [0.1, 0.2], base=base, progress=False)
    assert scorer.calls == 1 + 2
    assert grid.base is base


def test_weights_restored_bit_exactly_when_score_raises() -> None:
    mwg = make_model_with_gradiend()
    before = weights(mwg.base_model)
    scorer = Scorer(make_data(1), fail_on_call=3)  # base, first point, then the second point fails
    with pytest.raises(RuntimeError, match="on purpose"):
        evaluate_decoder_grid(mwg, scorer, [1.0], [0.7, 0.3, 0.1], progress=False)
    assert_bit_exact(mwg.base_model, before)


def test_pruned_param_map_restores_exactly_and_touches_only_kept_entries() -> None:
    full = ParamMap.from_model(make_classifier(), ["weight", "bias"])
    mwg = make_model_with_gradiend(full.select([0, 5, 6, 13]))
    before = weights(mwg.base_model)
    seen: list[dict[str, torch.Tensor]] = []
    scorer = Scorer(make_data(1))

    def score(model: nn.Module) -> BaseModelScores:
        seen.append(weights(model))
        return scorer(model)

    evaluate_decoder_grid(mwg, score, [1.0], [0.5], progress=False)
    changed = torch.cat([(seen[1][k] != before[k]).reshape(-1) for k in ("weight", "bias")])
    assert set(changed.nonzero().view(-1).tolist()) <= {0, 5, 6, 13}
    assert changed.any()
    assert_bit_exact(mwg.base_model, before)


def test_evaluate_grid_points_keeps_order_and_groups_factors() -> None:
    mwg = make_model_with_gradiend()
    points = [(1.0, 0.1), (-1.0, 0.1), (1.0, 0.2)]
    result = evaluate_grid_points(mwg, Scorer(make_data(1)), points)
    assert [(p.feature_factor, p.learning_rate) for p in result] == points
    assert mwg.delta_calls == [1.0, -1.0]
    assert evaluate_grid_points(mwg, Scorer(make_data(1)), []) == []


@pytest.mark.parametrize(
    ("factors", "rates", "name"),
    [
        ([], [0.1], "feature_factors"),
        ([1.0], [], "learning_rates"),
        ([float("nan")], [0.1], "feature_factors"),
        ([1.0], [float("inf")], "learning_rates"),
    ],
)
def test_invalid_grid_arguments_name_the_argument(
    factors: list[float], rates: list[float], name: str
) -> None:
    mwg = make_model_with_gradiend()
    scorer = Scorer(make_data(1))
    with pytest.raises(ValueError, match=name):
        evaluate_decoder_grid(mwg, scorer, factors, rates, progress=False)
    assert scorer.calls == 0


def test_grid_json_round_trip_and_records() -> None:
    mwg = make_model_with_gradiend()
    grid = evaluate_decoder_grid(mwg, Scorer(make_data(1)), [1.0, -1.0], [0.1], progress=False)
    grid.base.extras["seconds"] = 1.5
    restored = DecoderGrid.from_dict(json.loads(json.dumps(grid.to_dict())))
    assert restored == grid
    frame = grid.to_frame()
    assert list(frame["id"]) == ["base", "ff=+1_lr=0.1", "ff=-1_lr=0.1"]
    assert frame.loc[0, "extra__seconds"] == 1.5
    record = grid.points[0].to_record()
    assert record["prob__she__he"] == grid.points[0].scores.probability("he", "she")
    assert {"feature_factor", "learning_rate", "lms"} <= set(record)
    with pytest.raises(ValueError, match="DecoderGrid"):
        DecoderGrid.from_dict({"points": []})


def test_grid_point_id_formats_sign_and_rate() -> None:
    scores = BaseModelScores(probabilities={}, lms=1.0)
    assert GridPoint(1.0, 0.01, scores).id == "ff=+1_lr=0.01"
    assert GridPoint(-1.0, 100.0, scores).id == "ff=-1_lr=100"


def test_end_to_end_selection_on_a_real_grid() -> None:
    mwg = make_model_with_gradiend()
    grid = evaluate_decoder_grid(mwg, Scorer(make_data(1)), [1.0, -1.0], LRS, progress=False)
    result = summarize_decoder_grid(grid, PAIR, ["he", "she"])
    he = result["he"]
    assert he["feature_factor"] == -1.0 and not he["fallback"]
    assert he["lms"] >= 0.99 * he["base_lms"]
    assert he["value"] >= 2 * he["base_value"]  # P(he) on "she" rows at least doubles
    unconstrained = max(p.scores.probability("he", "she") for p in grid.points if p.feature_factor < 0)
    assert he["value"] < unconstrained  # larger rates move P(he) further but break the utility


def test_grid_units_take_a_score_function_and_match_the_sequential_grid() -> None:
    from gradiend.evaluation.grid_work import GridWork, evaluate_grid
    from gradiend.executors import LocalExecutor

    mwg = make_model_with_gradiend()
    before = weights(mwg.base_model)
    expected = evaluate_decoder_grid(mwg, Scorer(make_data(2)), [1.0, -1.0], [0.5, 0.01], progress=False)
    scorer = Scorer(make_data(2))
    work = GridWork(scorer, mwg, progress=False)  # a plain function: no evaluator, no trainer
    grid = evaluate_grid(LocalExecutor(), work, [1.0, -1.0], [0.5, 0.01])
    assert scorer.calls == 1 + 4
    assert grid.base == expected.base
    assert [(p.id, p.scores) for p in grid.points] == [(p.id, p.scores) for p in expected.points]
    assert_bit_exact(mwg.base_model, before)
