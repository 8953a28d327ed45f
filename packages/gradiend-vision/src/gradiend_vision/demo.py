"""``gradiend demo vision``: the feature "3 vs 8" in a small CNN trained on scikit-learn's digits.

Trains a GRADIEND, evaluates the encoder (held-out correlation) and the decoder grid, rewrites the CNN to
strengthen "3", reports class probabilities and neutral accuracy before and after, and writes plots,
a JSON report and the HTML report under the output directory. About a minute on 2 CPU cores.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import torch

from gradiend.arguments import TrainingArguments
from gradiend.plugins import finish_demo, print_summary
from gradiend_vision.figures import plot_example_encodings
from gradiend_vision.losses import class_probabilities
from gradiend_vision.trainer import ImageClassificationTrainer

logger = logging.getLogger(__name__)

DEFAULT_OUTPUT = "results/vision-demo"


def _mean_probability(
    trainer: ImageClassificationTrainer, model: torch.nn.Module, on_class: str, target: str
) -> float:
    data = trainer.data
    index = data.indices("test", [on_class])
    probs = class_probabilities(model, data.images[torch.as_tensor(index)])
    return float(probs[:, data.class_index(target)].mean())


def run(output_dir: str | None = None) -> dict[str, Any]:
    """Run the demo and return its summary (also written to ``demo_report.json``)."""
    start = time.perf_counter()
    out = Path(output_dir or DEFAULT_OUTPUT)
    args = TrainingArguments(
        experiment_dir=str(out),
        learning_rate=1e-3,
        train_batch_size=8,
        max_steps=200,
        eval_steps=50,
        max_seeds=1,
    )
    trainer = ImageClassificationTrainer(target_classes=["3", "8"], args=args)
    first, second = trainer.require_pair()
    trainer.train()
    encoder = trainer.evaluate_encoder(split="test", return_df=True)
    decoder = trainer.evaluate_decoder(target_class=first)
    rewritten = trainer.rewrite_base_model(decoder_results=decoder, target_class=first)
    base = trainer.base_model
    probability = {
        "before": _mean_probability(trainer, base, second, first),
        "after": _mean_probability(trainer, rewritten, second, first),
    }
    summary: dict[str, Any] = {
        "title": f"gradiend demo vision: {first} vs {second} in a digits CNN (rewritten for {first!r})",
        "feature": f"{first} vs {second}",
        "held_out_correlation": encoder["correlation"],
        "mean_by_class": encoder["mean_by_class"],
        "neutral_mean": encoder["mean_by_type"].get("neutral"),
        "selected_rewrite": {
            "target_class": first,
            **{k: decoder[first][k] for k in ("feature_factor", "learning_rate")},
        },
        "utility_ratio": decoder[first]["lms"] / decoder[first]["base_lms"],
        f"P({first}) on {second} images": probability,
        "neutral accuracy (validation + test images of the other digits)": {
            "before": decoder[first]["base_lms"],
            "after": decoder[first]["lms"],
            "ratio": decoder[first]["lms"] / decoder[first]["base_lms"],
        },
    }
    summary["probabilities"] = [
        {"label": f"P({first}) on {second} test images", **probability},
        {
            "label": "neutral accuracy (other digits)",
            "before": decoder[first]["base_lms"],
            "after": decoder[first]["lms"],
        },
    ]
    examples = plot_example_encodings(trainer.data, encoder["encoder_df"], out / "plots" / "examples.png")
    return finish_demo(trainer, summary, encoder, decoder, out, start, {"examples": str(examples)})


def main(output_dir: str | None = None) -> int:
    """Entry point of ``gradiend demo vision``: run and print the summary table (JSON: demo_report.json)."""
    return print_summary(run(output_dir))


__all__ = ["main", "run"]
