"""Comparison functions against values computed by hand on GRADIENDs with known weights."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch
from torch import nn

from gradiend import ModelWithGradiend
from gradiend.comparison import (
    aggregate_encoder_dataframes,
    comparison_matrix_from_cell_stat,
    comparison_to_frame,
    compute_grouped_similarity_matrices,
    compute_seed_topk_stability,
    compute_similarity_matrix,
    compute_topk_sets,
    topk_weights,
    venn_regions,
)
from gradiend.model.gradiend import GradiendModel
from gradiend.model.param_map import ParamMap


class _TwoLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(2, 1, bias=False), nn.Linear(2, 1, bias=False)])


def _model(
    decoder: list[float], encoder: list[float] | None = None, keep: list[int] | None = None
) -> ModelWithGradiend:
    """A GRADIEND over the 4 weights of two layers (layers.0.weight: base 0-1, layers.1.weight: base 2-3)."""
    base = _TwoLayer()
    full = ParamMap.from_model(base, ["layers.0.weight", "layers.1.weight"])
    param_map = full if keep is None else full.select(keep)
    n = param_map.size
    gradiend = GradiendModel(n, 1)
    gradiend.set_weights_(
        {
            "encoder.weight": torch.tensor([encoder or [1.0] * n]),
            "encoder.bias": torch.zeros(1),
            "decoder.weight": torch.tensor(decoder)[:, None],
            "decoder.bias": torch.zeros(n),
        }
    )
    return ModelWithGradiend(base, gradiend, param_map, base_model_id="toy")


def test_cosine_of_known_decoders() -> None:
    # d1 = (1, 0, 0, 1), d2 = (1, 1, 0, 0): cos = 1 / (sqrt2 * sqrt2) = 0.5; d3 = -d1: signed -1.
    models = {"A": _model([1, 0, 0, 1]), "B": _model([1, 1, 0, 0]), "C": _model([-1, 0, 0, -1])}
    result = compute_similarity_matrix(models, measure="cosine_signed", part="decoder-weight")
    matrix = result["matrix"]
    assert result["model_ids"] == ["A", "B", "C"]
    assert matrix[0][1] == pytest.approx(0.5)
    assert matrix[0][2] == pytest.approx(-1.0)
    assert matrix[1][2] == pytest.approx(-0.5)
    unsigned = compute_similarity_matrix(models, measure="cosine", part="decoder-weight")["matrix"]
    assert unsigned[0][2] == pytest.approx(1.0)
    frame = comparison_to_frame(result)
    assert frame.loc["B", "A"] == pytest.approx(0.5)


def test_cosine_across_different_pruning_uses_base_indices() -> None:
    # A keeps base weights {0, 3} with decoder (2, 1); B keeps {0, 1, 2, 3} with (1, 1, 0, 0).
    # shared entry: base 0 -> 2*1 = 2; |A| = sqrt5, |B| = sqrt2: cos = 2 / sqrt10.
    a = _model([2, 1], keep=[0, 3])
    b = _model([1, 1, 0, 0])
    result = compute_similarity_matrix({"A": a, "B": b}, measure="cosine", part="decoder-weight")
    assert result["matrix"][0][1] == pytest.approx(2 / math.sqrt(10))
    assert topk_weights(a, "decoder-weight", 1) == [0]
    assert topk_weights(a, "decoder-weight", 2) == [0, 3]


def test_topk_overlap_counts_and_fractions() -> None:
    # top-2 by |decoder|: A -> {0, 3}, B -> {0, 1}: intersection 1, fraction 1/2.
    a, b = _model([3, 0.1, 0.2, 2]), _model([3, 2, 0.1, 0.2])
    frac = compute_similarity_matrix({"A": a, "B": b}, measure="topk_overlap", topk=2)
    assert frac["part"] == "decoder-weight"
    assert frac["matrix"] == [[1.0, 0.5], [0.5, 1.0]]
    assert frac["per_model"] == {"A": [0, 3], "B": [0, 1]}
    counts = compute_similarity_matrix({"A": a, "B": b}, measure="topk_overlap", topk=2, value="intersection")
    assert counts["matrix"] == [[2.0, 1.0], [1.0, 2.0]]
    # a fraction selects ceil(0.5 * 4) = 2 weights
    assert (
        compute_similarity_matrix({"A": a, "B": b}, measure="topk_overlap", topk=0.5)["matrix"][0][1] == 0.5
    )
    per_model, intersection, union = compute_topk_sets({"A": a, "B": b}, topk=2)
    assert intersection == [0] and union == [0, 1, 3]
    assert venn_regions(per_model) == {("A",): 1, ("B",): 1, ("A", "B"): 1}


def test_mass_overlap_and_spearman() -> None:
    # top-2: A {0 (3), 3 (2)}, B {0 (3), 1 (2)}; shared base 0: share 3/sqrt13 for both.
    a, b = _model([3, 0.1, 0.2, 2]), _model([3, 2, 0.1, 0.2])
    mass = compute_similarity_matrix({"A": a, "B": b}, measure="mass_overlap", topk=2, part="decoder-weight")
    assert mass["matrix"][0][1] == pytest.approx(3 / math.sqrt(13))
    # identical rankings give Spearman 1; reversed ranks give -1 (signed)
    c, d = _model([1, 2, 3, 4]), _model([4, 3, 2, 1])
    rho = compute_similarity_matrix({"C": c, "D": d}, measure="spearman_signed", part="decoder-weight")
    assert rho["matrix"][0][1] == pytest.approx(-1.0)


def test_grouped_similarity_by_layer() -> None:
    # layer 0: (1, 0) vs (1, 1) -> 1/sqrt2; layer 1: (0, 1) vs (0, -1) -> -1 signed, 1 unsigned.
    a, b = _model([1, 0, 0, 1]), _model([1, 1, 0, -1])
    grouped = compute_grouped_similarity_matrices(
        {"A": a, "B": b}, measure="cosine_signed", part="decoder-weight", group_by="layer"
    )
    assert set(grouped) == {"layer_0", "layer_1"}
    assert grouped["layer_0"]["matrix"][0][1] == pytest.approx(1 / math.sqrt(2))
    assert grouped["layer_1"]["matrix"][0][1] == pytest.approx(-1.0)
    assert grouped["layer_1"]["group_by"] == "layer"


def test_seed_groups_aggregate_with_dispersion() -> None:
    # seeds of X: d=(1,0,0,0) and (0,1,0,0); Y: (1,0,0,0) twice. matched pairs: cos 1 and 0 -> mean .5, std .5
    x = [_model([1, 0, 0, 0]), _model([0, 1, 0, 0])]
    y = [_model([1, 0, 0, 0]), _model([1, 0, 0, 0])]
    result = compute_similarity_matrix({"X": x, "Y": y}, part="decoder-weight", dispersion="std")
    assert result["multi_seed"] and result["global_n"] == 2
    assert result["matrix"][0][1] == pytest.approx(0.5)
    assert comparison_matrix_from_cell_stat(result)["matrix"][0][1] == pytest.approx(0.5)
    all_pairs = compute_similarity_matrix(
        {"X": x, "Y": y}, part="decoder-weight", seed_pairing_mode="all_pairs"
    )
    assert all_pairs["n_matrix"][0][1] == 4


def test_seed_topk_stability() -> None:
    # top-2: {0,3}, {0,1}, {0,3}: pairwise overlaps 1/2, 1, 1/2 -> mean 2/3; core {0}: 1/2
    seeds = [_model([3, 0.1, 0.2, 2]), _model([3, 2, 0.1, 0.2]), _model([3, 0, 0, 1])]
    result = compute_seed_topk_stability(seeds, topk=2)
    assert result["mean_pairwise_overlap"] == pytest.approx(2 / 3)
    assert result["core_fraction"] == pytest.approx(0.5)
    assert result["inclusion"] == {0: 3, 1: 1, 3: 2}


def test_aggregate_encoder_dataframes_orients_and_averages() -> None:
    base = pd.DataFrame(
        {"x_index": [0, 1], "feature_class": ["a", "b"], "label": [1.0, -1.0], "split": "test"}
    )
    first = base.assign(encoded=[0.8, -0.6])
    flipped = base.assign(encoded=[-0.4, 0.2])  # negatively correlated seed: flipped to (0.4, -0.2)
    out = aggregate_encoder_dataframes([first, flipped])
    assert out["encoded"].tolist() == pytest.approx([0.6, -0.4])
    assert out["encoded_std"].tolist() == pytest.approx([0.2, 0.2])
    assert out["n_seeds"].tolist() == [2, 2]


def test_bad_arguments_are_named() -> None:
    a, b = _model([1, 0, 0, 1]), _model([1, 1, 0, 0])
    with pytest.raises(ValueError, match="measure must be one of"):
        compute_similarity_matrix({"A": a, "B": b}, measure="euclid")
    with pytest.raises(ValueError, match="topk must be given"):
        compute_similarity_matrix({"A": a, "B": b}, measure="topk_overlap")
    with pytest.raises(ValueError, match="part must be one of"):
        compute_similarity_matrix({"A": a, "B": b}, part="decoder")
    with pytest.raises(ValueError, match="at least 2 models"):
        compute_similarity_matrix({"A": a})
    with pytest.raises(ValueError, match="matched"):
        compute_similarity_matrix({"A": [a, b], "B": [a]})
    with pytest.raises(ValueError, match="group_by"):
        compute_grouped_similarity_matrices({"A": a, "B": b}, group_by="row")
