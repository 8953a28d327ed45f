"""The INFO log lines of evaluations: the held-out correlation and the selected rewrite."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

logger = logging.getLogger(__name__)


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def log_encoder_result(split: str, metrics: Mapping[str, Any]) -> None:
    """One line for an encoder evaluation: correlation on ``split`` and the class means."""
    means = metrics.get("mean_by_class") or {}
    shown = ", ".join(f"{name} {float(value):+.3f}" for name, value in means.items())
    logger.info(
        "encoder on the %s split (%s rows): correlation %s; mean encoding by class: %s",
        split,
        metrics.get("n_samples", "?"),
        _signed(metrics.get("correlation")),
        shown or "n/a",
    )


def log_decoder_selection(results: Mapping[str, Any]) -> None:
    """One line per selected rewrite: factor, learning rate, target value before/after, utility."""
    for name, entry in results.items():
        if not isinstance(entry, Mapping) or "feature_factor" not in entry:
            continue
        base_lms = float(entry.get("base_lms") or 0.0)
        utility = float(entry["lms"]) / base_lms if base_lms else float("nan")
        logger.info(
            "selected rewrite for %r: feature_factor %+g, learning_rate %g; value %.4f -> %.4f; "
            "utility %.3f x base%s",
            name,
            float(entry["feature_factor"]),
            float(entry["learning_rate"]),
            float(entry.get("base_value", float("nan"))),
            float(entry.get("value", float("nan"))),
            utility,
            " (fallback: no point kept the utility)" if entry.get("fallback") else "",
        )


def selected_rewrites(results: Mapping[str, Any]) -> dict[str, dict[str, float]]:
    """The selected rewrite of each class in decoder results (for the model card)."""
    chosen: dict[str, dict[str, float]] = {}
    for name, entry in results.items():
        if not isinstance(entry, Mapping) or "feature_factor" not in entry or entry.get("metric"):
            continue
        base_lms = float(entry.get("base_lms") or 0.0)
        chosen[name] = {
            "feature_factor": float(entry["feature_factor"]),
            "learning_rate": float(entry["learning_rate"]),
            "value": float(entry["value"]),
            "base_value": float(entry["base_value"]),
            "utility_ratio": float(entry["lms"]) / base_lms if base_lms else float("nan"),
        }
    return chosen


__all__ = ["log_decoder_selection", "log_encoder_result", "selected_rewrites"]
