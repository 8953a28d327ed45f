"""The published training.json blocks (``training_stats``, ``best_score_checkpoint``), written beside ours.

Scripts written for gradiend 0.2.3 read ``stats["training_stats"]["correlation"]`` and
``stats["best_score_checkpoint"]``; these blocks carry the same information as our own keys
(``evaluations``, ``best_step``, ``best_correlation``...), in the published shape.
"""

from __future__ import annotations

from typing import Any


def published_blocks(stats: dict[str, Any]) -> dict[str, Any]:
    """``{"training_stats": {...}, "best_score_checkpoint": {...}}`` from our training statistics.

    Per-step values carry the sign of the saved model (negated when training flipped its sign).
    """
    sign = -1.0 if stats.get("sign_flipped") else 1.0
    evaluations = stats.get("evaluations") or []
    scores = {str(e["step"]): sign * float(e["correlation"]) for e in evaluations}
    means = {str(e["step"]): {k: sign * float(v) for k, v in e["mean_by_class"].items()} for e in evaluations}
    best = stats.get("best_correlation")
    return {
        "training_stats": {
            "global_step": stats.get("steps"),
            "correlation": best,
            "scores": scores,
            "mean_by_class": means,
        },
        "best_score_checkpoint": {
            "correlation": best,
            "global_step": stats.get("best_step"),
            "epoch": stats.get("epochs"),
            "loss": stats.get("final_loss"),
        },
    }


__all__ = ["published_blocks"]
