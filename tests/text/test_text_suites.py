"""Suites on the tiny masked LM: a three-class pronoun feature (he / she / they) as three GRADIENDs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from gradiend import PositiveTrainerSuite, SymmetricTrainerSuite
from gradiend.testing import quick_arguments
from gradiend_text import TextPredictionTrainer
from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences


def _data() -> pd.DataFrame:
    return gender_template_frame(60, seed=3, classes=("he", "she", "they"))


@pytest.fixture(scope="module")
def pronoun_suite(tiny_mlm: TinyLM, tmp_path_factory: pytest.TempPathFactory) -> SymmetricTrainerSuite:
    suite = SymmetricTrainerSuite(
        TextPredictionTrainer,
        model=tiny_mlm.path,
        data=_data(),
        target_classes=["he", "she", "they"],
        args=quick_arguments(tmp_path_factory.mktemp("pronoun-suite")),
        eval_neutral_data=neutral_sentences(100, seed=5),
        run_id="pronouns",
    )
    suite.train()
    return suite


def test_three_classes_three_gradiends_each_learned(pronoun_suite: SymmetricTrainerSuite) -> None:
    assert list(pronoun_suite.keys()) == ["he__she", "he__they", "she__they"]
    encoder = pronoun_suite.evaluate_encoder()
    for child_id, result in encoder.items():
        assert abs(result["correlation"]) >= 0.9, (child_id, result["correlation"])
    # one base model (and tokenizer) for all members
    assert len({id(t.base_model) for t in pronoun_suite.values()}) == 1
    assert len({id(t.tokenizer) for t in pronoun_suite.values()}) == 1


def test_cross_encoding_diagonal_separates_each_pair(
    pronoun_suite: SymmetricTrainerSuite, tmp_path: Path
) -> None:
    cross = pronoun_suite.compute_cross_encoding_matrix(metric="correlation")
    ids = cross["model_ids"]
    for i, child_id in enumerate(ids):
        assert abs(cross["matrix"][i][i]) >= 0.9, (child_id, cross["matrix"][i][i])
    out = pronoun_suite.plot_cross_encoding_heatmap(metric="correlation", output_path=tmp_path / "cross.png")
    assert Path(out["output_path"]).stat().st_size > 1000


def test_more_than_two_target_classes_is_an_error(tiny_mlm: TinyLM) -> None:
    with pytest.raises(ValueError, match="SymmetricTrainerSuite"):
        TextPredictionTrainer(model=tiny_mlm.path, data=_data(), target_classes=["he", "she", "they"])


def test_positive_suite_merges_the_rest(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    suite = PositiveTrainerSuite(
        TextPredictionTrainer,
        model=tiny_mlm.path,
        data=_data(),
        target_classes=["he", "she", "they"],
        args=quick_arguments(tmp_path),
    )
    assert list(suite.keys()) == ["he__non_he", "she__non_she", "they__non_they"]
    member = suite.get_trainer("she__non_she")
    rows = member.create_training_data("train")
    assert set(rows["feature_class"]) == {"she", "non_she"}
    assert suite.positive_class_by_trainer() == {
        "he__non_he": "he",
        "she__non_she": "she",
        "they__non_they": "they",
    }
    held_out = PositiveTrainerSuite(
        TextPredictionTrainer,
        model=tiny_mlm.path,
        data=_data(),
        mode="all_but_one",
        positive_feature_definitions=None,
        target_pairs=[("he", "she"), ("they", "she")],
        args=quick_arguments(tmp_path),
    )
    assert list(held_out.keys()) == ["holdout__he__she", "holdout__they__she"]


def _mean_off_diagonal(matrix: list[list[float]]) -> float:
    values = [matrix[i][j] for i in range(len(matrix)) for j in range(len(matrix)) if i != j]
    return sum(values) / len(values)


def test_published_comparison_calls_of_the_detailed_example(
    pronoun_suite: SymmetricTrainerSuite, tmp_path: Path
) -> None:
    """The comparison calls of the published train_gender_de_detailed.py, as written, on the suite models."""
    from gradiend import (
        compute_grouped_similarity_matrices,
        plot_comparison_heatmap,
        plot_topk_overlap_heatmap,
        plot_topk_overlap_venn,
    )

    models_for_heatmap = pronoun_suite.get_models()
    heat = plot_topk_overlap_heatmap(
        models_for_heatmap,
        topk=1000,
        part="decoder-weight",
        value="intersection_frac",
        output_path=str(tmp_path / "topk_overlap_heatmap.png"),
    )
    assert heat["matrix"][0][0] == 1.0 and 0.0 <= heat["matrix"][0][1] <= 1.0
    grouped = compute_grouped_similarity_matrices(
        models_for_heatmap,
        measure="cosine",
        part="decoder-weight",
        topk=1000,
        group_by="layer",
    )
    layer_scores = sorted(
        (name, _mean_off_diagonal(data["matrix"]))
        for name, data in grouped.items()
        if name.startswith("layer_")
    )
    assert layer_scores, f"no layer groups found in {sorted(grouped)}"
    comparison_data = {
        "measure": "layerwise_similarity",
        "part": "decoder-weight",
        "model_ids": ["mean"],
        "column_ids": [name.split("_", 1)[1] for name, _ in layer_scores],
        "matrix": [[value for _, value in layer_scores]],
        "row_labels": {"mean": "mean pairwise cosine"},
    }
    out = plot_comparison_heatmap(
        comparison_data,
        output_path=str(tmp_path / "layerwise_decoder_similarity.png"),
        title="Layer-wise decoder similarity",
        show=False,
        vmin=0.0,
        vmax=1.0,
    )
    assert Path(out["output_path"]).exists()
    topk_result = plot_topk_overlap_venn(
        {"he - she": models_for_heatmap["he__she"], "he - they": models_for_heatmap["he__they"]},
        topk=1000,
        part="decoder-weight",
        output_path=str(tmp_path / "venn_he_she_they.png"),
    )
    assert len(topk_result["union"]) >= 1000 >= len(topk_result["intersection"])


def test_suite_infers_the_classes_of_a_dataframe(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    suite = SymmetricTrainerSuite(
        TextPredictionTrainer, model=tiny_mlm.path, data=_data(), args=quick_arguments(tmp_path)
    )
    assert suite.target_classes == ["he", "she", "they"] and len(suite) == 3
