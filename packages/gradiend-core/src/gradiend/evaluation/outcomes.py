"""What an evaluation leaves behind: INFO log lines and the results of the model card.

The held-out correlation and the selected rewrites are logged (``gradiend`` logger) and, when the
evaluated model is the trainer's saved GRADIEND, added to its model card; a rewritten base model saved
to a folder gets its own card.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from gradiend.model.card import record_card_results
from gradiend.model.hub import write_rewritten_card

logger = logging.getLogger(__name__)


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.4f}"


def log_encoder_result(split: str, metrics: Mapping[str, Any]) -> None:
    """One line for an encoder evaluation: correlation on ``split`` and the class means.

    INFO for the held-out test split, DEBUG for others (validation evaluations run once per seed).
    """
    means = metrics.get("mean_by_class") or {}
    shown = ", ".join(f"{name} {float(value):+.3f}" for name, value in means.items())
    logger.log(
        logging.INFO if split == "test" else logging.DEBUG,
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


def note_encoder_result(
    model_path: str, split: str, metrics: Mapping[str, Any], *, saved_model: bool
) -> None:
    """Log an encoder evaluation; a test-split result of the saved model goes into its card."""
    log_encoder_result(split, metrics)
    if saved_model and split == "test":
        record_card_results(model_path, held_out_correlation=float(metrics["correlation"]))


def note_decoder_selection(model_path: str, results: Mapping[str, Any]) -> None:
    """Log the selected rewrites and add them to the card of the saved GRADIEND at ``model_path``."""
    log_decoder_selection(results)
    record_card_results(model_path, selected_rewrites=selected_rewrites(results))


def note_rewrite_saved(
    directory: str, base_model_id: str, gradiend_dir: str, key: str, rewrite: Mapping[str, Any]
) -> None:
    """Write the card of a rewritten base model saved to ``directory``."""
    write_rewritten_card(directory, base_model_id, gradiend_dir, key, rewrite)


__all__ = [
    "log_decoder_selection",
    "log_encoder_result",
    "note_decoder_selection",
    "note_encoder_result",
    "note_rewrite_saved",
    "selected_rewrites",
]
