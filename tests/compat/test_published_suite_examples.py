"""The published suite and gallery examples, ported: their calls as written, with local models and data.

- ``train_race_symmetric_suite.py``: the tiny MLM knows only he / she / they, so the three race classes
  (asian, black, white) are played by sentences whose masked word is he / she / they, relabelled to
  the race class names (in place of ``aieng-lab/gradiend_race_data``); generated neutral sentences
  replace ``aieng-lab/biasneutral``. Its ``--max-steps`` option is set to 100.
- ``plot_visualization_gallery.py``: the published synthetic data, imported from ``gradiend.visualizer``.
  Not ported (see docs/guides/migration.md): its calls of ``plot_training_convergence``,
  ``plot_encoder_distributions`` and ``plot_encoder_scatter`` with the published stand-in trainer.
- ``train_multi_seed_stability.py``: as published, on the relabelled white/black sentences.
- ``train_sentiment_positive_suite.py`` and ``..._all_but_one.py`` (slow): five word pairs the tiny BERT
  knows stand in for the sentiment pairs; generated sentences replace the tweet_eval texts.
- ``configure_hf_download_env`` (called first by the suite examples) is tested on its own here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from PIL import Image

from gradiend_text.testing import gender_template_frame, neutral_sentences

RACE_CLASSES = ["asian", "black", "white"]
RACE_OF_PRONOUN = {"he": "asian", "she": "black", "they": "white"}


def _is_image(path: str | Path, min_width: int = 300) -> bool:
    file = Path(path)
    return file.stat().st_size > 1000 and Image.open(file).size[0] >= min_width


def race_data() -> pd.DataFrame:
    """Templated sentences with three classes (in place of the hub race data)."""
    frame = gender_template_frame(60, seed=3)
    frame["label_class"] = frame["label_class"].map(RACE_OF_PRONOUN)
    return frame


# --- train_race_symmetric_suite.py ------------------------------------------------------------------


@pytest.fixture(scope="module")
def race_suite(tiny_mlm_path: str, tmp_path_factory: pytest.TempPathFactory) -> object:
    from gradiend.util.hf_env import configure_hf_download_env

    configure_hf_download_env()

    from gradiend import SymmetricTrainerSuite, TextPredictionTrainer, TrainingArguments

    experiment_dir = tmp_path_factory.mktemp("race_symmetric_suite")
    max_steps = 100
    suite = SymmetricTrainerSuite(
        TextPredictionTrainer,
        model=tiny_mlm_path,
        data=race_data(),
        eval_neutral_data=neutral_sentences(100, seed=5),
        target_classes=RACE_CLASSES,
        retain_models_in_memory=False,
        args=TrainingArguments(
            experiment_dir=str(experiment_dir),
            train_batch_size=8,
            eval_batch_size=16,
            eval_steps=25,
            max_steps=max_steps,
            learning_rate=1e-4,
            fail_on_non_convergence=True,
            use_cache="only_convergent",
            encoder_eval_max_size=100,
            encoder_eval_train_max_size=50,
            seed=0,
        ),
    )
    suite.train()
    return suite


def test_race_symmetric_suite_trains_one_gradiend_per_pair(race_suite: object) -> None:
    suite: object = race_suite
    pairs = {child_id: f"{pair[0]} <-> {pair[1]}" for child_id, pair in suite.pair_by_id.items()}  # type: ignore[attr-defined]
    assert pairs == {
        "asian__black": "asian <-> black",
        "asian__white": "asian <-> white",
        "black__white": "black <-> white",
    }
    for trainer in suite.values():  # type: ignore[attr-defined]
        assert trainer.args.encoder_eval_train_max_size == 50


def test_race_symmetric_suite_plots(race_suite: object, tmp_path: Path) -> None:
    suite: object = race_suite
    topk_output = tmp_path / "suite_topk_overlap.png"
    topk = suite.plot_topk_overlap_heatmap(  # type: ignore[attr-defined]
        topk=1000,
        value="intersection_frac",
        output_path=str(topk_output),
        show=False,
    )
    assert _is_image(topk_output)
    assert [topk["matrix"][i][i] for i in range(3)] == [1.0, 1.0, 1.0]

    cross_encoding_output = tmp_path / "suite_cross_encoding_counterfactual.png"
    encoder = suite.evaluate_encoder(split="test", plot=False, full_eval=True, max_size=100)  # type: ignore[attr-defined]
    for child_id, result in encoder.items():
        assert abs(result["correlation"]) >= 0.9, (child_id, result["correlation"])
    cross = suite.plot_cross_encoding_heatmap(  # type: ignore[attr-defined]
        RACE_CLASSES,
        split="test",
        alignment="counterfactual",
        run_evaluation=False,
        output_path=str(cross_encoding_output),
        show=False,
    )
    assert _is_image(cross_encoding_output)
    assert cross["model_ids"] == RACE_CLASSES and cross["alignment"] == "counterfactual"
    # each class encoded by the GRADIENDs of its pairs, aligned to itself as the alternative: one sign
    for i, race in enumerate(RACE_CLASSES):
        assert abs(cross["matrix"][i][i]) >= 0.9, (race, cross["matrix"][i][i])


def test_full_eval_false_drops_the_other_classes(race_suite: object) -> None:
    results = race_suite.evaluate_encoder(split="test", full_eval=False, max_size=100, return_df=True)  # type: ignore[attr-defined]
    for child_id, result in results.items():
        classes = set(result["encoder_df"]["feature_class"])
        assert classes <= {*child_id.split("__"), "neutral"}, (child_id, classes)
        assert abs(result["correlation"]) >= 0.9
    full = race_suite.evaluate_encoder(split="test", full_eval=True, max_size=100, return_df=True)  # type: ignore[attr-defined]
    assert set(full["asian__black"]["encoder_df"]["feature_class"]) >= {"white"}


def test_run_evaluation_false_needs_an_evaluation_first(tiny_mlm_path: str, tmp_path: Path) -> None:
    from gradiend import SymmetricTrainerSuite, TextPredictionTrainer
    from gradiend.testing import quick_arguments

    suite = SymmetricTrainerSuite(
        TextPredictionTrainer,
        model=tiny_mlm_path,
        data=race_data(),
        target_classes=RACE_CLASSES,
        args=quick_arguments(tmp_path),
    )
    with pytest.raises(ValueError, match="evaluate_encoder"):
        suite.plot_cross_encoding_heatmap(
            RACE_CLASSES, run_evaluation=False, output_path=str(tmp_path / "x.png")
        )


# --- gradiend.util.hf_env -----------------------------------------------------------------------------


def test_configure_hf_download_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from gradiend.util.hf_env import configure_hf_download_env

    real_bundle = tmp_path / "ca.pem"
    real_bundle.write_text("x")
    monkeypatch.delenv("HF_HUB_DISABLE_XET", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(real_bundle))
    monkeypatch.setenv("TRANSFORMERS_CACHE", str(tmp_path))
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    changed = configure_hf_download_env()
    assert os.environ["HF_HUB_DISABLE_XET"] == "1"
    assert "TRANSFORMERS_CACHE" not in os.environ
    try:
        import certifi  # noqa: F401
    except ImportError:
        assert "SSL_CERT_FILE" not in os.environ  # a missing file is dropped
        assert os.environ["REQUESTS_CA_BUNDLE"] == str(real_bundle)  # an existing one is kept
        assert changed == {"HF_HUB_DISABLE_XET": "1", "SSL_CERT_FILE": None, "TRANSFORMERS_CACHE": None}
    else:
        assert os.environ["SSL_CERT_FILE"] == os.environ["REQUESTS_CA_BUNDLE"] == os.environ["CURL_CA_BUNDLE"]
        assert Path(os.environ["SSL_CERT_FILE"]).is_file()
    assert configure_hf_download_env() == {}  # a second call changes nothing


# --- plot_visualization_gallery.py ----------------------------------------------------------------


class _GalleryTrainer:
    run_id = "plot_visualization_gallery"
    pair = ("positive", "negative")
    target_classes = ("positive", "negative")
    config = SimpleNamespace(img_format="png")


class _DummyTopKModel:
    """A stand-in with the published ``get_topk_weights`` (first k of a fixed ranking)."""

    def __init__(self, weights: list[int]) -> None:
        self._weights = list(weights)

    def get_topk_weights(self, part: str = "decoder-weight", topk: int | float = 100) -> list[int]:
        k = max(1, math.ceil(topk * len(self._weights))) if isinstance(topk, float) else int(topk)
        return self._weights[:k]


def _gallery_decoder_data() -> tuple[dict, dict]:
    base = {"positive": {"positive": 0.7, "negative": 0.3}, "negative": {"positive": 0.3, "negative": 0.7}}
    grid: dict = {"base": {"probs_by_dataset": base, "lms": {"lms": 0.56}}}
    for lr in (1e-4, 1e-3, 1e-2, 1e-1, 1.0):
        gain = min(0.2, math.log10(lr * 1e4 + 1) * 0.05)
        grid[(-1.0, lr)] = {
            "id": {"feature_factor": -1.0, "learning_rate": lr},
            "probs_by_dataset": {
                "positive": {"positive": 0.7 + gain, "negative": 0.3 - gain},
                "negative": {"positive": 0.3 + gain / 3, "negative": 0.7 - gain / 3},
            },
            "lms": {"lms": 0.56 - gain / 2},
        }
    decoder_results = {
        "positive": {"learning_rate": 0.1, "feature_factor": -1.0, "value": 0.89},
        "negative": {"learning_rate": 0.1, "feature_factor": -1.0, "value": 0.40},
        "grid": {},
    }
    return decoder_results, {"plotting_data": grid}


def _comparison_data() -> dict:
    return {
        "matrix": [[1.0, 0.72, 0.35], [0.72, 1.0, 0.31], [0.35, 0.31, 1.0]],
        "model_ids": ["sent_pos_neg", "sent_pos_neu", "gender_masc_fem"],
        "measure": "cosine",
        "row_labels": {"sent_pos_neg": "sentiment pos/neg", "gender_masc_fem": "gender masc/fem"},
    }


@pytest.fixture
def gallery_encoder_df(make_encoder_frame: Callable[..., pd.DataFrame]) -> pd.DataFrame:
    tokens = {"positive": ["good", "nice", "calm"], "negative": ["bad", "awful", "cold"]}
    return make_encoder_frame(
        tokens, 3, 6, "It was [MASK] ({token}, {split}, {rep}).", "Neutral sentence {rep}."
    )


def test_visualization_gallery(tmp_path: Path, gallery_encoder_df: pd.DataFrame) -> None:
    from gradiend.visualizer import (
        plot_comparison_heatmap,
        plot_encoder_by_target,
        plot_encoder_strip_by_split,
        plot_topk_overlap_heatmap,
        plot_topk_overlap_venn,
    )
    from gradiend.visualizer.probability_shifts import plot_probability_shifts

    encoder_df = gallery_encoder_df
    written: list[Path] = []
    for style in ("strip", "box", "violin"):
        path = tmp_path / f"encoder_by_target_{style}.png"
        plot_encoder_by_target(
            encoder_df=encoder_df,
            plot_style=style,
            output=str(path),
            legend_loc="lower left",
            show=False,
            title=f"Encoder by target ({style})",
        )
        written.append(path)
    html = tmp_path / "encoder_by_target_strip_interactive.html"
    interactive = plot_encoder_by_target(
        encoder_df=encoder_df,
        plot_style="strip",
        interactive=True,
        output=str(html),
        show=False,
        title="Interactive encoder by target",
    )
    assert interactive is not None and "awful" in html.read_text(encoding="utf-8")
    strip = tmp_path / "encoder_strip_by_split.png"
    plot_encoder_strip_by_split(
        encoder_df=encoder_df,
        output=str(strip),
        label_points="outliers+sample",
        label_sample_per_group=2,
        show=False,
        title="Encoder strip by split",
    )
    written.append(strip)
    decoder_results, plotting_data = _gallery_decoder_data()
    shifts = tmp_path / "probability_shifts.png"
    plot_probability_shifts(
        trainer=_GalleryTrainer(),
        decoder_results=decoder_results,
        plotting_data=plotting_data,
        class_ids=["positive", "negative"],
        target_class="positive",
        output=str(shifts),
        show=False,
    )
    written.append(shifts)
    grouped = tmp_path / "comparison_heatmap_grouped.png"
    plot_comparison_heatmap(
        _comparison_data(),
        pretty_groups={"Sentiment": ["sent_pos_neg", "sent_pos_neu"], "Morphology": ["gender_masc_fem"]},
        output_path=str(grouped),
        show=False,
        title="Grouped comparison heatmap",
    )
    written.append(grouped)
    dispersion = _comparison_data()
    dispersion["cell_stats"] = [[{"std": 0.01 * (i + j)} for j in range(3)] for i in range(3)]
    dispersion["dispersion"] = "std"
    dispersion["global_n"] = 3
    stacked = tmp_path / "comparison_heatmap_dispersion.png"
    plot_comparison_heatmap(
        dispersion,
        output_path=str(stacked),
        show=False,
        title="Comparison heatmap with seed dispersion",
        dispersion_display="stacked",
        seed_annotation=True,
    )
    written.append(stacked)
    topk_models = {
        "A": _DummyTopKModel([1, 2, 3, 4, 5, 6]),
        "B": _DummyTopKModel([3, 4, 5, 6, 7, 8]),
        "C": _DummyTopKModel([5, 6, 7, 8, 9, 10]),
    }
    heat_path = tmp_path / "topk_overlap_heatmap.png"
    heat = plot_topk_overlap_heatmap(
        topk_models,
        topk=6,
        value="intersection_frac",
        output_path=str(heat_path),
        show=False,
        title="Top-k overlap heatmap",
    )
    written.append(heat_path)
    # A and B share 4 of 6 weights, A and C 2 of 6
    assert heat["matrix"][0][1] == pytest.approx(4 / 6) and heat["matrix"][0][2] == pytest.approx(2 / 6)
    venn_path = tmp_path / "topk_overlap_venn.png"
    venn = plot_topk_overlap_venn(
        topk_models, topk=6, output_path=str(venn_path), show=False, title="Top-k overlap Venn"
    )
    written.append(venn_path)
    assert sorted(venn["intersection"]) == [5, 6]
    for path in written:
        assert _is_image(path), path


# --- train_multi_seed_stability.py ----------------------------------------------------------------


def _mean_off_diagonal(matrix: list[list[float]]) -> float:
    values = [v for i, row in enumerate(matrix) for j, v in enumerate(row) if i != j]
    return sum(values) / len(values)


def test_multi_seed_stability(tiny_mlm_path: str, in_tmp_dir: Path) -> None:
    import json

    from gradiend import (
        TextPredictionTrainer,
        TrainingArguments,
        compute_grouped_similarity_matrices,
        compute_similarity_matrix,
        plot_comparison_heatmap,
    )

    experiment_dir = "runs/examples/train_multi_seed_stability"
    run_id = "race_white_black"
    args = TrainingArguments(
        experiment_dir=experiment_dir,
        train_batch_size=8,
        encoder_eval_max_size=10,
        decoder_eval_max_size_training_like=50,
        decoder_eval_max_size_neutral=50,
        eval_steps=25,
        max_steps=100,
        source="alternative",
        target="diff",
        learning_rate=1e-4,
        use_cache=True,
        max_seeds=3,
        min_convergent_seeds=2,
        fail_on_non_convergence=True,
        analyze_seed_stability=True,
        saved_seed_runs="all_convergent",
    )
    trainer = TextPredictionTrainer(
        model=tiny_mlm_path,
        run_id=run_id,
        data=race_data(),
        target_classes=("white", "black"),
        masked_col="masked",
        eval_neutral_data=neutral_sentences(60, seed=5),
        img_format="png",
        args=args,
    )
    trainer.train()
    assert Path(trainer.model_path).is_dir()
    report = trainer.get_seed_report() or {}
    assert report.get("convergent_count", 0) >= 2 and len(report["convergent_seeds"]) >= 2
    stability = report["seed_topk_stability"]
    assert 0.0 <= stability["mean_pairwise_overlap"] <= 1.0 and stability["topk"] == 1000

    eval_kwargs = {"split": "test", "max_size": 50, "plot": False, "use_cache": True}
    single = trainer.evaluate_encoder(**eval_kwargs)
    assert abs(single["correlation"]) >= 0.9

    view = trainer.multi_seed(selection="all_convergent", dispersion="std")
    assert len(view.seed_paths()) >= 2
    multi = view.evaluate_encoder(**eval_kwargs)
    corr_stats = multi.get("seeds", {}).get("stats", {}).get("correlation", {})
    assert abs(multi["correlation"]) >= 0.9
    assert corr_stats["n"] == len(view.seed_paths()) and corr_stats["std"] >= 0.0
    assert multi["correlation"] == pytest.approx(sum(corr_stats["values"]) / corr_stats["n"])
    json.dumps(corr_stats)

    plot_result = view.plot_encoder_distributions(show=False, max_size=50)
    assert len(plot_result.get("paths")) == len(view.seed_paths())
    assert all(_is_image(p) for p in plot_result["paths"])

    # the published helpers: layer-wise and pairwise similarity of the convergent seeds
    models_by_seed = {Path(p).name: m for p, m in zip(view.seed_paths(), view.load_models(), strict=True)}
    grouped = compute_grouped_similarity_matrices(
        models_by_seed, measure="cosine", part="decoder-weight", topk=1000, group_by="layer"
    )
    layer_scores = sorted(
        (
            (name, _mean_off_diagonal(data["matrix"]))
            for name, data in grouped.items()
            if name.startswith("layer_")
        ),
        key=lambda item: int(item[0].split("_", 1)[1]),
    )
    assert layer_scores
    layer_plot = Path(experiment_dir, run_id, "layerwise_seed_similarity.png")
    plot_comparison_heatmap(
        {
            "measure": "layerwise_similarity",
            "part": "decoder-weight",
            "model_ids": ["mean"],
            "column_ids": [name.split("_", 1)[1] for name, _ in layer_scores],
            "matrix": [[value for _, value in layer_scores]],
            "row_labels": {"mean": "mean pairwise cosine"},
        },
        output_path=str(layer_plot),
        title="Layer-wise seed similarity",
        show=False,
        vmin=0.0,
        vmax=1.0,
    )
    assert _is_image(layer_plot)
    for measure in ("topk_overlap", "cosine", "mass_overlap"):
        data = compute_similarity_matrix(models_by_seed, measure=measure, part="decoder-weight", topk=1000)
        output_path = Path(experiment_dir, run_id, f"seed_comparison_{measure}.png")
        plot_comparison_heatmap(
            data,
            output_path=str(output_path),
            title=f"Seed comparison: {measure}",
            show=False,
            vmin=0.0,
            vmax=1.0,
        )
        assert _is_image(output_path)
        assert data["matrix"][0][0] == pytest.approx(1.0)
        if measure == "topk_overlap":
            assert _mean_off_diagonal(data["matrix"]) == pytest.approx(stability["mean_pairwise_overlap"])
    components = compute_grouped_similarity_matrices(
        models_by_seed, measure="cosine", part="decoder-weight", topk=1000, group_by="component"
    )
    assert [name for name in components if name != "other"]


def test_seed_stability_arguments_are_checked() -> None:
    from gradiend import TrainingArguments

    with pytest.raises(ValueError, match="best_only"):
        TrainingArguments(analyze_seed_stability=True, saved_seed_runs="best_only")


# --- train_sentiment_positive_suite.py and ..._all_but_one.py ---------------------------------------

# The tiny BERT knows only the words of its generated sentences: five of its word pairs stand in for
# the published sentiment pairs (good/bad, happy/sad, love/hate, fast/slow, excited/bored).
SENTIMENT_PAIRS = [("he", "she"), ("cat", "dog"), ("car", "train"), ("park", "station"), ("bridge", "hill")]
SENTIMENT_GROUPS = ["quality", "valence", "valence", "affection", "pace"]


def _sentiment_base_texts() -> list[str]:
    """Generated sentences holding the words (in place of the tweet_eval texts)."""
    return neutral_sentences(300, seed=1) + gender_template_frame(60, seed=2)["text"].tolist()


@pytest.fixture(scope="module")
def sentiment_data() -> tuple[dict, pd.DataFrame]:
    from gradiend import TextFilterConfig, TextPredictionDataCreator

    words = [word for pair in SENTIMENT_PAIRS for word in pair]
    creator = TextPredictionDataCreator(
        base_data=_sentiment_base_texts(),
        feature_targets=[TextFilterConfig(target=word, id=word, min_left_context_words=0) for word in words],
        seed=0,
    )
    training = creator.generate_training_data(
        max_size_per_class=24, format="per_class", min_rows_per_class_for_split=5
    )
    neutral = creator.generate_neutral_data(additional_excluded_words=words, max_size=50)
    return training, neutral


def _sentiment_arguments(experiment_dir: Path, max_steps: int, **extra: object) -> object:
    from gradiend import PostPruneConfig, PrePruneConfig, TrainingArguments

    return TrainingArguments(
        experiment_dir=str(experiment_dir),
        train_batch_size=4,
        eval_batch_size=8,
        eval_steps=50,
        max_steps=max_steps,
        learning_rate=1e-4,
        fail_on_non_convergence=True,
        use_cache="only_convergent",
        pre_prune_config=PrePruneConfig(n_samples=16, topk=0.01, source="diff"),
        post_prune_config=PostPruneConfig(),
        seed=0,
        **extra,
    )


@pytest.mark.slow
def test_sentiment_positive_suite(
    tiny_mlm_path: str, sentiment_data: tuple[dict, pd.DataFrame], tmp_path: Path
) -> None:
    from gradiend import PositiveFeatureDefinition, PositiveTrainerSuite, TextPredictionTrainer

    training, neutral = sentiment_data
    assert set(training) == {word for pair in SENTIMENT_PAIRS for word in pair}
    suite = PositiveTrainerSuite(
        TextPredictionTrainer,
        model=tiny_mlm_path,
        data=training,
        eval_neutral_data=neutral,
        retain_models_in_memory=False,
        positive_feature_definitions=[
            PositiveFeatureDefinition(positive_feature_class=positive, negative_feature_class=negative)
            for positive, negative in SENTIMENT_PAIRS
        ],
        args=_sentiment_arguments(tmp_path, 500, encoder_eval_max_size=100, encoder_eval_train_max_size=50),
    )
    assert list(suite.pair_definitions) == [f"{p}__{n}" for p, n in SENTIMENT_PAIRS]
    suite.train()
    encoder = suite.evaluate_encoder(split="test", plot=False, max_size=100)
    for child_id, result in encoder.items():
        assert abs(result["correlation"]) >= 0.85, (child_id, result["correlation"])
    similarity_output = tmp_path / "suite_similarity_heatmap.png"
    similarity = suite.plot_similarity_heatmap(
        measure="cosine", output_path=str(similarity_output), show=False
    )
    assert _is_image(similarity_output)
    assert [similarity["matrix"][i][i] for i in range(5)] == pytest.approx([1.0] * 5)
    cross_output = tmp_path / "suite_cross_encoding_heatmap.png"
    cross = suite.plot_cross_encoding_heatmap(run_evaluation=False, output_path=str(cross_output), show=False)
    assert _is_image(cross_output)
    # each GRADIEND encodes its own pair's positive class more strongly than any other pair's
    for i, row in enumerate(cross["matrix"]):
        assert abs(row[i]) > max(abs(v) for j, v in enumerate(row) if j != i), (i, row)


@pytest.mark.slow
def test_sentiment_positive_suite_all_but_one(
    tiny_mlm_path: str, sentiment_data: tuple[dict, pd.DataFrame], tmp_path: Path
) -> None:
    from gradiend import PositiveFeatureDefinition, PositiveTrainerSuite, TextPredictionTrainer

    training, neutral = sentiment_data
    suite = PositiveTrainerSuite(
        TextPredictionTrainer,
        model=tiny_mlm_path,
        data=training,
        eval_neutral_data=neutral,
        mode="all_but_one",
        retain_models_in_memory=False,
        positive_feature_definitions=[
            PositiveFeatureDefinition(
                positive_feature_class=positive, negative_feature_class=negative, feature_class_group=group
            )
            for (positive, negative), group in zip(SENTIMENT_PAIRS, SENTIMENT_GROUPS, strict=True)
        ],
        args=_sentiment_arguments(tmp_path, 500),
    )
    plan = {
        child_id: (definition.class_merge_map or {})
        for child_id, definition in suite.pair_definitions.items()
    }
    assert len(plan) == 4  # one member per held-out group; "valence" holds two pairs
    valence = next(merge for child_id, merge in plan.items() if "valence" in child_id)
    assert sorted(valence["positive"]) == ["bridge", "he", "park"]
    assert sorted(valence["negative"]) == ["hill", "she", "station"]
    suite.train()
    encoder = suite.evaluate_encoder(split="test", plot=True)
    correlations = {child_id: abs(result["correlation"]) for child_id, result in encoder.items()}
    # every member converged (fail_on_non_convergence=True); one axis over the union of unrelated word
    # pairs is harder for the tiny model than one pair, so the held-out bar is lower than for single pairs
    assert min(correlations.values()) >= 0.4, correlations
    assert all(_is_image(result["plot_path"]) for result in encoder.values())
    similarity_output = tmp_path / "all_but_one_similarity_heatmap.png"
    suite.plot_similarity_heatmap(measure="cosine", output_path=str(similarity_output), show=True)
    assert _is_image(similarity_output)
