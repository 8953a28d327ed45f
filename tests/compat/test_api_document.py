"""The usage examples of the API document (trainer-api.txt), in their runnable form (clarifications.md):
TextPredictionTrainer as the concrete trainer, a tiny local BERT for "gpt2", generated data for
``your_dataframe``. The calls are as the document writes them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from gradiend.testing import assert_feature_learned
from gradiend_text.testing import gender_template_frame, neutral_sentences


def _your_dataframe() -> pd.DataFrame:
    frame = gender_template_frame(40, seed=3, classes=("he", "she", "they"))
    return frame.replace({"label_class": {"he": "class1", "she": "class2"}})


@pytest.fixture(scope="module")
def basic(tiny_mlm_path: str, tmp_path_factory: pytest.TempPathFactory) -> object:
    """The document's Basic Usage block, run once; the other blocks reuse its trained trainer."""
    results = tmp_path_factory.mktemp("api-doc")
    # --- Basic Usage (as written) -------------------------------------------------------------------
    from gradiend.trainer.core.arguments import TrainingArguments
    from gradiend.trainer.text.prediction.trainer import TextPredictionTrainer

    your_dataframe = _your_dataframe()
    args = TrainingArguments(
        experiment_dir=str(results / "results"),  # published: "./results"
        train_batch_size=32,
        num_epochs=10,
        learning_rate=1e-3,
    )
    trainer = TextPredictionTrainer(
        model=tiny_mlm_path,  # published: "gpt2"
        args=args,
        run_id="runs/experiment_gpt2",
        data=your_dataframe,
        target_classes=["class1", "class2"],
        eval_neutral_data=neutral_sentences(60, seed=5),  # not in the document: clean utility sentences
    )
    trainer.train()
    enc_results = trainer.evaluate_encoder()
    dec_results = trainer.evaluate_decoder()
    trainer.plot_encoder_distributions()
    trainer.plot_training_convergence()
    # ------------------------------------------------------------------------------------------------
    assert {"correlation", "mean_by_class", "n_samples"} <= set(enc_results)
    assert "class1" in dec_results and "grid" in dec_results
    return trainer


def test_basic_usage_learns_the_feature(basic: object) -> None:
    metrics = assert_feature_learned(basic, 0.9)  # type: ignore[arg-type]
    assert metrics["mean_by_class"]["class1"] > 0 > metrics["mean_by_class"]["class2"]
    experiment_dir = Path(basic.experiment_dir)  # type: ignore[attr-defined]
    assert experiment_dir.name == "experiment_gpt2" and (experiment_dir / "model" / "config.json").is_file()
    assert (experiment_dir / "plots" / "encoder_distributions.png").is_file()


def test_evaluation_and_model_access_blocks(basic: object) -> None:
    trainer = basic
    # --- Evaluation (as written) ------------------------------------------------------------------------
    enc_results = trainer.evaluate_encoder(split="test", max_size=1000)  # type: ignore[attr-defined]
    dec_results = trainer.evaluate_decoder(use_cache=True)  # type: ignore[attr-defined]
    results = trainer.evaluate()  # type: ignore[attr-defined]
    # --- Model Access (as written) ------------------------------------------------------------------------
    model = trainer.get_model()  # type: ignore[attr-defined]
    model = trainer.get_model(load_directory=str(Path(trainer.experiment_dir) / "model"))  # type: ignore[attr-defined]
    if torch.cuda.is_available():
        trainer.cuda(device=0)  # type: ignore[attr-defined]
    trainer.cpu()  # type: ignore[attr-defined]
    # ------------------------------------------------------------------------------------------------------
    assert set(results) == {"encoder", "decoder"}
    assert results["encoder"]["correlation"] == pytest.approx(enc_results["correlation"], abs=1e-6)
    assert results["decoder"]["class1"]["learning_rate"] == dec_results["class1"]["learning_rate"]
    assert model.base_model_id == trainer.base_model_path  # type: ignore[attr-defined]
    assert str(trainer).startswith("TextPredictionTrainer(")


def test_documented_method_keywords(basic: object, tmp_path: Path) -> None:
    trainer = basic
    encoder = trainer.evaluate_encoder(  # type: ignore[attr-defined]
        split="test", is_decoder_only_model=False, pre_load_gradients=True, return_df=True, use_cache=False
    )
    with pytest.raises(ValueError, match="is_decoder_only_model=True"):
        trainer.evaluate_encoder(is_decoder_only_model=True)  # type: ignore[attr-defined]
    frame = trainer.get_encodings(model_path=trainer.model_path, split="test")  # type: ignore[attr-defined]
    assert len(frame) == len(encoder["encoder_df"])
    metrics = trainer.get_encoder_metrics(model_path=trainer.model_path, split="test")  # type: ignore[attr-defined]
    assert metrics["correlation"] == pytest.approx(encoder["correlation"], abs=1e-5)
    saved = trainer.rewrite_base_model(  # type: ignore[attr-defined]
        target_class="class1", output_dir=str(tmp_path / "rewritten"), decoder_stats_metric_name="class1"
    )
    assert Path(saved, "config.json").is_file()
    stats = trainer.get_training_stats()  # type: ignore[attr-defined]
    assert stats["best_score_checkpoint"]["global_step"] == stats["best_step"]
    assert len(trainer.encode(split="test")) == len(frame)  # type: ignore[attr-defined]


def test_from_pretrained_alone_loads_the_text_base_model(basic: object) -> None:
    from gradiend import ModelWithGradiend

    alone = ModelWithGradiend.from_pretrained(basic.model_path)  # type: ignore[attr-defined]
    own = basic.get_model()  # type: ignore[attr-defined]
    gradient = torch.randn(own.param_map.size)
    torch.testing.assert_close(alone.encode_gradient(gradient), own.encode_gradient(gradient))
    torch.testing.assert_close(
        dict(alone.base_model.named_parameters())["bert.embeddings.word_embeddings.weight"],
        dict(own.base_model.named_parameters())["bert.embeddings.word_embeddings.weight"],
    )


@pytest.mark.slow
def test_multi_seed_and_pruning_blocks(tiny_mlm_path: str, in_tmp_dir: Path) -> None:
    from gradiend.trainer.core.arguments import TrainingArguments
    from gradiend.trainer.core.pruning import PostPruneConfig, PrePruneConfig
    from gradiend.trainer.text.prediction.trainer import TextPredictionTrainer

    # --- Multi-Seed Training (as written; lr and steps added for the tiny model) --------------------------
    args = TrainingArguments(
        max_seeds=5,
        min_convergent_seeds=2,
        convergent_metric="correlation",
        convergent_score_threshold=0.5,
    )
    args.experiment_dir = "results"
    args.learning_rate = 1e-3
    args.max_steps = 40
    # --- Pruning (as written) --------------------------------------------------------------------------
    pre_cfg = PrePruneConfig(n_samples=1000, topk=0.5, source="diff")
    args.pre_prune_config = pre_cfg
    post_cfg = PostPruneConfig(topk=0.3, part="decoder-weight")
    args.post_prune_config = post_cfg
    trainer = TextPredictionTrainer(model=tiny_mlm_path, args=args, data=_your_dataframe(),
                                    target_classes=["class1", "class2"])  # fmt: skip
    trainer.train()  # Runs 5 seeds, selects best
    # ------------------------------------------------------------------------------------------------------
    report = trainer.get_seed_report()
    assert report is not None and report["convergent_count"] >= 2 and len(report["seeds_tried"]) <= 5
    assert Path("results/seeds/seed_report.json").is_file()
    model = trainer.get_model()
    assert model.param_map.size <= 0.3 * 0.5 * model.param_map.full_size * 1.01, "pre- then post-pruned"
    assert abs(trainer.evaluate_encoder()["correlation"]) >= 0.5
