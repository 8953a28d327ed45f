"""``gradiend demo toy``: train, evaluate and rewrite on the synthetic data (a few seconds)."""

from __future__ import annotations

import json
import logging

from gradiend.arguments import TrainingArguments
from gradiend.report.demo import print_summary
from gradiend_toy.trainer import ToyTrainer

logger = logging.getLogger(__name__)


def main(output_dir: str | None = None) -> int:
    """Run the toy pipeline and log its figures; returns a process exit code."""
    args = TrainingArguments(
        experiment_dir=output_dir or "./results/toy-demo",
        learning_rate=1e-3,
        train_batch_size=8,
        max_steps=200,
        eval_steps=50,
        max_seeds=1,
    )
    trainer = ToyTrainer(target_classes=["a", "b"], args=args)
    trainer.train()
    encoder = trainer.evaluate_encoder()
    decoder = trainer.evaluate_decoder()
    summary = {"correlation": encoder["correlation"], "a": decoder["a"], "b": decoder["b"]}
    logger.info("toy demo: %s", json.dumps(summary, default=str))
    return print_summary(summary)
