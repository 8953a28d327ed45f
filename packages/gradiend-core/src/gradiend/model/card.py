"""Model cards: the README.md beside a GRADIEND's weights, in the Hugging Face model-card style.

The card opens with YAML front matter (``library_name``, ``base_model``, ``tags``, and a ``gradiend``
block with the feature pair, the data size, the held-out correlation and the selected rewrite) that
the Hugging Face Hub reads, followed by a short human description: what the GRADIEND learned, from
which data, with which arguments, how well, and how to load it.

Results known only after training (the held-out correlation of ``evaluate_encoder(split="test")``,
the rewrite chosen by ``evaluate_decoder``) are kept in ``card_results.json`` and the card is written
again when they arrive (:func:`record_card_results`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from gradiend.model.checkpoint import (
    TRAINING_ARGS_FILE,
    TRAINING_STATS_FILE,
    is_gradiend_checkpoint,
    read_checkpoint_config,
    read_json_file,
)
from gradiend.utils.atomic import PathLike, atomic_write_json, atomic_write_text

MODEL_CARD_FILE = "README.md"
CARD_RESULTS_FILE = "card_results.json"

KEY_ARGUMENTS: tuple[str, ...] = (
    "source",
    "target",
    "learning_rate",
    "train_batch_size",
    "max_steps",
    "num_train_epochs",
    "eval_steps",
    "seed",
    "max_seeds",
    "gradiend_dtype",
    "pre_prune_config",
    "post_prune_config",
)
"""The arguments the card's table lists (all of them are in ``training_args.json``)."""


def _optional_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    value = read_json_file(path)
    return value if isinstance(value, dict) else {}


def card_metadata(
    config: Mapping[str, Any],
    stats: Mapping[str, Any],
    arguments: Mapping[str, Any],
    results: Mapping[str, Any],
) -> dict[str, Any]:
    """The YAML front matter of a card (Hub fields and a ``gradiend`` block of figures)."""
    pair = list(stats.get("pair") or [])
    figures: dict[str, Any] = {
        "feature_pair": pair,
        "input_dim": config.get("gradiend", {}).get("input_dim"),
        "latent_dim": config.get("gradiend", {}).get("latent_dim"),
    }
    data = stats.get("data")
    if isinstance(data, Mapping):
        figures["training_rows"] = data.get("train_rows")
        figures["training_rows_per_class"] = dict(data.get("rows_per_class") or {})
    for key in ("best_correlation", "best_step", "eval_correlation", "steps"):
        if stats.get(key) is not None:
            figures[key] = stats[key]
    if results.get("held_out_correlation") is not None:
        figures["held_out_correlation"] = results["held_out_correlation"]
    if results.get("selected_rewrites"):
        figures["selected_rewrites"] = results["selected_rewrites"]
    return {
        "library_name": "gradiend",
        "base_model": str(config.get("base_model_id", "")),
        "tags": ["gradiend", "feature-learning", *(f"feature:{name}" for name in pair)],
        "gradiend": figures,
    }


def _argument_rows(arguments: Mapping[str, Any]) -> list[str]:
    rows = ["| argument | value |", "| --- | --- |"]
    for key in KEY_ARGUMENTS:
        if key in arguments and arguments[key] is not None:
            value = arguments[key]
            shown = json.dumps(value) if isinstance(value, (dict, list)) else str(value)
            rows.append(f"| `{key}` | `{shown}` |")
    return rows


def _result_lines(stats: Mapping[str, Any], results: Mapping[str, Any]) -> list[str]:
    lines = []
    if stats.get("best_correlation") is not None:
        lines.append(
            f"- Training-time correlation (validation rows, checkpoint selection): "
            f"{float(stats['best_correlation']):+.4f} at step {stats.get('best_step')}"
        )
    held_out = results.get("held_out_correlation")
    lines.append(
        f"- Held-out correlation (test split): {float(held_out):+.4f}"
        if held_out is not None
        else "- Held-out correlation: not evaluated yet (`trainer.evaluate_encoder(split='test')`)"
    )
    for name, rewrite in (results.get("selected_rewrites") or {}).items():
        lines.append(
            f"- Selected rewrite for `{name}`: feature_factor {float(rewrite['feature_factor']):+g}, "
            f"learning_rate {float(rewrite['learning_rate']):g}; "
            f"target value {float(rewrite['base_value']):.4f}"
            f" -> {float(rewrite['value']):.4f}; utility {float(rewrite['utility_ratio']):.3f} x base"
        )
    return lines


def build_model_card(
    config: Mapping[str, Any],
    stats: Mapping[str, Any] | None = None,
    arguments: Mapping[str, Any] | None = None,
    results: Mapping[str, Any] | None = None,
) -> str:
    """The README.md text of a GRADIEND checkpoint from its config, statistics, arguments and results."""
    stats, arguments, results = stats or {}, arguments or {}, results or {}
    meta = card_metadata(config, stats, arguments, results)
    base, pair = meta["base_model"], meta["gradiend"]["feature_pair"]
    feature = " vs ".join(f"`{name}`" for name in pair) if pair else "a feature"
    data = stats.get("data") if isinstance(stats.get("data"), Mapping) else None
    lines = [
        "---",
        yaml.safe_dump(meta, sort_keys=False).rstrip(),
        "---",
        "",
        f"# GRADIEND: {feature} in `{base}`",
        "",
        "A GRADIEND (gradient encoder-decoder) trained with [gradiend](https://github.com/gradiend/gradiend) "
        f"on the gradients of `{base}`. Its encoder maps a gradient to one number per feature "
        f"({pair[0] if pair else 'the first class'} encodes positive); its decoder maps that number back "
        "to a "
        "weight update that strengthens or weakens the feature.",
        "",
        "## Training data",
        "",
        (
            f"{data.get('train_rows')} training rows "
            f"({json.dumps(data.get('rows_per_class') or {})} per class)."
            if data
            else "Not recorded."
        ),
        "",
        "## Arguments",
        "",
        *_argument_rows(arguments),
        "",
        "All arguments are in `training_args.json`, the training statistics in `training.json`.",
        "",
        "## Results",
        "",
        *_result_lines(stats, results),
        "",
        "## Usage",
        "",
        "```python",
        "from gradiend import ModelWithGradiend",
        "",
        f"model = ModelWithGradiend.from_pretrained(path_to_this_directory, base_model=...)  # {base}",
        "```",
        "",
    ]
    return "\n".join(lines)


def write_model_card(directory: PathLike) -> Path:
    """(Re)write ``README.md`` of a checkpoint directory from the files it holds; returns its path."""
    root = Path(directory)
    text = build_model_card(
        read_checkpoint_config(root),
        _optional_json(root / TRAINING_STATS_FILE),
        _optional_json(root / TRAINING_ARGS_FILE),
        _optional_json(root / CARD_RESULTS_FILE),
    )
    path = root / MODEL_CARD_FILE
    atomic_write_text(path, text)
    return path


def record_card_results(directory: PathLike, **results: Any) -> Path | None:
    """Merge evaluation ``results`` into ``card_results.json`` and rewrite the card.

    Keys: ``held_out_correlation`` (float), ``selected_rewrites`` (``{class: {feature_factor,
    learning_rate, value, base_value, utility_ratio}}``, merged per class). Returns ``None`` and
    writes nothing when ``directory`` is not a GRADIEND checkpoint.
    """
    root = Path(directory)
    if not is_gradiend_checkpoint(root):
        return None
    current = _optional_json(root / CARD_RESULTS_FILE)
    for key, value in results.items():
        if isinstance(value, Mapping) and isinstance(current.get(key), Mapping):
            current[key] = {**current[key], **value}
        else:
            current[key] = value
    atomic_write_json(root / CARD_RESULTS_FILE, current)
    return write_model_card(root)


__all__ = [
    "CARD_RESULTS_FILE",
    "MODEL_CARD_FILE",
    "build_model_card",
    "card_metadata",
    "record_card_results",
    "write_model_card",
]
