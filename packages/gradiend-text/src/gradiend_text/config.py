"""``TextPredictionConfig``: the published configuration object of ``TextPredictionTrainer``.

Every published field is accepted. Fields whose feature exists here are passed to the trainer; a field
of a feature this project does not have raises ValueError when it is set to anything but its published
default (it is never silently ignored). ``TextPredictionTrainer(model, config=cfg)`` uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from gradiend.plugins import TrainerConfig

PASSED_FIELDS: tuple[str, ...] = (
    "run_id", "data", "target_classes", "all_classes", "masked_col", "label_col", "label_class_col",
    "mask_placeholder", "split_col", "alternative_col", "alternative_class_col", "hf_subset",
    "random_state", "n_features", "decoder_eval_targets", "eval_neutral_data", "eval_neutral_max_rows",
    "img_format", "img_dpi", "max_counterfactuals_per_sentence",
)  # fmt: skip
"""Fields passed to TextPredictionTrainer as arguments of the same name."""


@dataclass
class TextPredictionConfig(TrainerConfig):
    """Data and evaluation options of a TextPredictionTrainer (the published fields).

    ``hf_dataset`` is a hub dataset id used as ``data`` (the trainer loads it). See the module docstring
    for fields without a feature here.
    """

    run_id: str | None = None
    data: pd.DataFrame | dict[str, pd.DataFrame] | str | Path | None = None
    hf_dataset: str | None = None
    hf_subset: str | list[str] | None = None
    hf_splits: list[str] | None = None
    dataset_trust_remote_code: bool | None = None
    target_classes: list[str] | None = None
    all_classes: list[str] | None = None
    masked_col: str = "masked"
    label_col: str = "label"
    label_class_col: str = "label_class"
    mask_placeholder: str = "[MASK]"
    split_col: str | None = "split"
    split_group_col: str | None = None
    split_group_key: Any = None
    split_ratios: Any = None
    split_train_ratio: float = 0.8
    split_val_ratio: float = 0.1
    split_test_ratio: float = 0.1
    alternative_col: str | None = "alternative"
    alternative_class_col: str | None = "alternative_class"
    use_class_names_as_columns: bool = True
    max_counterfactuals_per_sentence: int = 1
    random_state: int | None = None
    n_features: int = 1
    decoder_eval_targets: dict[str, list[str]] | str | None = None
    decoder_eval_restrict_to_target_classes: bool = True
    decoder_eval_prob_on_other_class: bool = True
    decoder_eval_export_row_wise_csv: bool = False
    decoder_eval_ignore_tokens: list[str] | None = None
    decoder_eval_lms_max_samples: int | None = None
    class_merge_map: dict[str, list[str]] | None = None
    class_merge_transition_groups: list[list[str]] | None = None
    eval_neutral_data: pd.DataFrame | str | Path | None = None
    eval_neutral_additional_excluded_words: list[str] | None = None
    eval_neutral_max_rows: int | None = None

    def __post_init__(self) -> None:
        """Validate the fields (an unsupported non-default field raises ValueError naming it)."""
        super().__post_init__()
        unsupported = [
            f.name
            for f in fields(self)
            if f.name not in PASSED_FIELDS and f.name != "hf_dataset" and not _is_default(self, f.name)
        ]
        if unsupported:
            raise ValueError(
                f"TextPredictionConfig field(s) {unsupported} belong to features this implementation does "
                "not have (see docs/guides/migration.md); leave them at their defaults"
            )
        if self.hf_dataset is not None and self.data is not None:
            raise ValueError("give the data once: either data= or hf_dataset=, not both")
        if isinstance(self.decoder_eval_targets, str):
            raise ValueError("decoder_eval_targets must be a {class: [words]} dict here (not a file path)")

    def trainer_kwargs(self) -> dict[str, Any]:
        """The TextPredictionTrainer arguments this configuration sets."""
        options = {name: getattr(self, name) for name in PASSED_FIELDS}
        if self.hf_dataset is not None:
            options["data"] = self.hf_dataset
        return options


def _is_default(config: TextPredictionConfig, name: str) -> bool:
    field = next(f for f in fields(config) if f.name == name)
    return bool(getattr(config, name) == field.default)


__all__ = ["PASSED_FIELDS", "TextPredictionConfig"]
