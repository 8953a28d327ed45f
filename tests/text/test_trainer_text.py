"""TextPredictionTrainer end to end: tiny pre-trained MLM and CLM models, the real SPLADE BERT, SmolLM2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import torch

from gradiend.testing import (
    assert_decoder_search_matches_grid,
    assert_feature_learned,
    check_definition_contract,
    quick_arguments,
)
from gradiend_text.scoring import target_word_probabilities
from gradiend_text.testing import TinyLM, gender_template_frame, neutral_sentences
from gradiend_text.trainer import TextPredictionTrainer


def _data() -> pd.DataFrame:
    return gender_template_frame(60, seed=3, classes=("he", "she", "they"))


def _trainer(lm: TinyLM, directory: Path, **overrides: object) -> TextPredictionTrainer:
    return TextPredictionTrainer(
        model=lm.path,
        data=_data(),
        target_classes=["he", "she"],
        args=quick_arguments(directory, **{"max_seeds": 3, **overrides}),
        eval_neutral_data=neutral_sentences(392, seed=5),
    )


@pytest.fixture(scope="module")
def trained_mlm(tiny_mlm: TinyLM, tmp_path_factory: pytest.TempPathFactory) -> TextPredictionTrainer:
    trainer = _trainer(tiny_mlm, tmp_path_factory.mktemp("mlm-run"))
    trainer.train()
    return trainer


@pytest.fixture(scope="module")
def trained_clm(tiny_clm: TinyLM, tmp_path_factory: pytest.TempPathFactory) -> TextPredictionTrainer:
    trainer = _trainer(tiny_clm, tmp_path_factory.mktemp("clm-run"))
    trainer.train()
    return trainer


def _p_she_on_he_rows(trainer: TextPredictionTrainer, model: torch.nn.Module) -> float:
    rows = trainer.create_training_data("test")
    rows = rows[rows["feature_class"] == "he"]
    assert trainer.tokenizer is not None and trainer.objective is not None
    table = target_word_probabilities(model, trainer.tokenizer, rows, {"she": ["she"]}, trainer.objective)
    return float(table["she"].mean())


@pytest.mark.parametrize("name", ["trained_mlm", "trained_clm"])
def test_the_feature_is_learned(name: str, request: pytest.FixtureRequest) -> None:
    trainer: TextPredictionTrainer = request.getfixturevalue(name)
    metrics = assert_feature_learned(trainer, 0.9)
    assert abs(metrics["mean_by_type"]["neutral"]) < 0.5, "neutral sentences encode near zero"


# Both must at least double P(she) (clarifications.md: a material effect).
@pytest.mark.parametrize("name", ["trained_mlm", "trained_clm"])
def test_strengthening_she_moves_the_probability_and_keeps_utility(
    name: str, request: pytest.FixtureRequest
) -> None:
    trainer: TextPredictionTrainer = request.getfixturevalue(name)
    results = trainer.evaluate_decoder(target_class="she")
    entry = results["she"]
    assert not entry["fallback"]
    assert entry["lms"] >= 0.99 * entry["base_lms"]
    rewritten = trainer.rewrite_base_model(decoder_results=results, target_class="she")
    before = _p_she_on_he_rows(trainer, trainer.base_model)
    after = _p_she_on_he_rows(trainer, rewritten)
    assert after >= 2.0 * before, f"P(she) on he-rows {before:.4f} -> {after:.4f}"


@pytest.mark.parametrize("name", ["trained_mlm", "trained_clm"])
def test_the_adaptive_decoder_search_selects_the_grid_point(
    name: str, request: pytest.FixtureRequest
) -> None:
    """Default grid (16 learning rates), both classes, strengthen and weaken: same point, <= 1/4 scored."""
    trainer: TextPredictionTrainer = request.getfixturevalue(name)
    for increase in (True, False):
        scored, total = assert_decoder_search_matches_grid(trainer, increase_target_probabilities=increase)
        print(f"adaptive decoder search: {scored} of {total} points scored in full")
        assert scored <= total // 4, f"adaptive scored {scored} of {total} points in full"


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_a_half_precision_gradient_cache_keeps_the_correlation(
    trained_mlm: TextPredictionTrainer, dtype: torch.dtype
) -> None:
    from gradiend.evaluation.encoder_metrics import compute_encoder_metrics
    from gradiend.evaluation.encoding import GradientEncoder

    model, pair = trained_mlm.get_model(), trained_mlm.require_pair()
    rows = trained_mlm.create_training_data("validation")
    correlations = {}
    for cache_dtype in (torch.float32, dtype):
        encoder = GradientEncoder(
            trained_mlm, rows, "alternative", cache_bytes=None, cache_dtype=cache_dtype, progress=False
        )
        correlations[cache_dtype] = compute_encoder_metrics(encoder.encode(model), pair)["correlation"]
    assert abs(correlations[torch.float32]) > 0.9
    assert abs(correlations[dtype] - correlations[torch.float32]) < 1e-3, correlations


@pytest.mark.parametrize(
    ("name", "auto_class"), [("trained_mlm", "AutoModelForMaskedLM"), ("trained_clm", "AutoModelForCausalLM")]
)
def test_rewritten_model_saves_for_the_auto_classes(
    name: str, auto_class: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    import transformers

    trainer: TextPredictionTrainer = request.getfixturevalue(name)
    path = trainer.rewrite_base_model(target_class="he", output_dir=str(tmp_path / "rewritten"))
    reloaded = getattr(transformers, auto_class).from_pretrained(path).eval()
    tokenizer = transformers.AutoTokenizer.from_pretrained(path)
    expected = trainer.rewrite_base_model(target_class="he").eval()
    inputs = tokenizer(["the doctor said he was tired."], return_tensors="pt")
    with torch.no_grad():
        torch.testing.assert_close(reloaded(**inputs).logits, expected(**inputs).logits)


def test_the_contract_holds_for_both_objectives(
    trained_mlm: TextPredictionTrainer, trained_clm: TextPredictionTrainer
) -> None:
    check_definition_contract(trained_mlm)
    check_definition_contract(trained_clm)
    assert (trained_mlm.objective, trained_clm.objective) == ("mlm", "clm")


def test_published_names_resolve_through_the_plugin() -> None:
    from gradiend import TextFilterConfig, TextPredictionDataCreator, TextPredictionTrainer, TrainingArguments  # type: ignore[attr-defined]
    from gradiend.trainer.text.prediction.trainer import TextPredictionTrainer as upstream_path

    assert TextPredictionTrainer is upstream_path
    assert TextFilterConfig(target="he").id == "he"
    assert TextPredictionDataCreator.__name__ == "TextPredictionDataCreator"
    assert TrainingArguments().source == "alternative"


def test_the_basic_usage_example_of_the_api_document_runs(tiny_clm: TinyLM, tmp_path: Path) -> None:
    from gradiend.trainer.core.arguments import TrainingArguments
    from gradiend.trainer.text.prediction.trainer import TextPredictionTrainer

    your_dataframe = _data()
    args = TrainingArguments(
        experiment_dir=str(tmp_path / "results"),
        train_batch_size=32,
        num_epochs=10,
        learning_rate=1e-3,
    )
    trainer = TextPredictionTrainer(
        model=tiny_clm.path,
        args=args,
        run_id="runs/experiment_gpt2",
        data=your_dataframe,
        target_classes=["he", "she"],
    )
    trainer.train()
    enc_results = trainer.evaluate_encoder()
    dec_results = trainer.evaluate_decoder()
    assert abs(enc_results["correlation"]) >= 0.9
    assert {"he", "she", "grid"} <= set(dec_results)
    assert Path(trainer.plot_encoder_distributions(show=False)).is_file()
    assert Path(trainer.plot_training_convergence(show=False)).is_file()
    assert trainer.experiment_dir == str(tmp_path / "results" / "runs" / "experiment_gpt2")


def test_the_real_splade_bert_loads_and_fulfils_the_contract(splade_path: str, tmp_path: Path) -> None:
    data = pd.DataFrame(
        {
            "masked": [
                f"yesterday {w} [MASK] went to the market." for w in ("the man said", "my brother said")
            ]
            * 6
            + [f"yesterday {w} [MASK] went to the market." for w in ("the woman said", "my sister said")] * 6,
            "label": ["he"] * 12 + ["she"] * 12,
            "label_class": ["he"] * 12 + ["she"] * 12,
        }
    )
    trainer = TextPredictionTrainer(
        model=splade_path, data=data, target_classes=["he", "she"], args=quick_arguments(tmp_path)
    )
    check_definition_contract(trainer)
    assert trainer.objective == "mlm"
    names = trainer.default_parameter_names(trainer.base_model)
    assert names and not any(name.startswith("cls.") for name in names), "the MLM head is excluded"
    mwg = trainer.create_model_with_gradiend()
    saved = trainer.rewrite_base_model(
        base_model=mwg,
        target_class="he",
        decoder_results={"he": {"feature_factor": 1.0, "learning_rate": 0.0}},
        output_dir=str(tmp_path / "splade"),
    )
    from transformers import AutoModelForMaskedLM

    reloaded = AutoModelForMaskedLM.from_pretrained(saved)
    for (name, a), b in zip(
        trainer.base_model.state_dict().items(), reloaded.state_dict().values(), strict=True
    ):
        torch.testing.assert_close(a, b, msg=name)


def test_missing_data_and_unknown_classes_are_explained(tiny_mlm: TinyLM) -> None:
    with pytest.raises(ValueError, match="data is required"):
        TextPredictionTrainer(model=tiny_mlm.path)
    with pytest.raises(ValueError, match="it"):
        TextPredictionTrainer(model=tiny_mlm.path, data=_data(), target_classes=["he", "it"])


@pytest.mark.slow
def test_smollm2_pipeline_with_small_sizes(tmp_path: Path) -> None:
    """The demo's pipeline on fewer rows and steps: learned, and the she-rewrite raises P(" she")."""
    from gradiend import PrePruneConfig
    from gradiend_text.demo import arguments, demo_data, prompt_probabilities

    rows, neutral = demo_data(max_size_per_class=80, neutral_size=40)
    args = arguments(tmp_path).with_overrides(
        max_steps=60,
        eval_steps=30,
        pre_prune_config=PrePruneConfig(n_samples=8, topk=0.01, source="diff", batch_size=4),
        decoder_eval_max_size_training_like=16,
        decoder_eval_max_size_neutral=40,
    )
    trainer = TextPredictionTrainer(
        model="smollm2-135m", data=rows, target_classes=["he", "she"], args=args, eval_neutral_data=neutral
    )
    trainer.train()
    assert abs(trainer.evaluate_encoder(max_size=20)["correlation"]) >= 0.9
    results = trainer.evaluate_decoder(
        target_class="she", lrs=[2e-3, 5e-3, 1e-2, 2e-2], feature_factors=[1.0, -1.0]
    )
    assert not results["she"]["fallback"]
    assert results["she"]["lms"] >= 0.99 * results["she"]["base_lms"]
    rewritten = trainer.rewrite_base_model(decoder_results=results, target_class="she")
    before = prompt_probabilities(trainer, trainer.base_model)["The man said that"]["she"]
    after = prompt_probabilities(trainer, rewritten)["The man said that"]["she"]
    assert after > before


def test_device_map_and_max_memory_reach_from_pretrained(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    args = quick_arguments(tmp_path, base_model_device_map="cpu", base_model_max_memory={"cpu": "2GiB"})
    trainer = TextPredictionTrainer(
        model=tiny_mlm.path, data=_data(), target_classes=["he", "she"], args=args
    )
    assert trainer.base_model.device.type == "cpu"
    check_definition_contract(trainer)
    wrong = quick_arguments(tmp_path, base_model_device_map="no-such-device")
    broken = TextPredictionTrainer(
        model=tiny_mlm.path, data=_data(), target_classes=["he", "she"], args=wrong
    )
    with pytest.raises((ValueError, RuntimeError)):
        broken.base_model  # noqa: B018 - from_pretrained rejects the device map it was given
