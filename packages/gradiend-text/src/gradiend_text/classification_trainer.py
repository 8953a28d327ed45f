"""TextClassificationTrainer: the ``"text-classification"`` modality.

See :mod:`gradiend_text.classification` for the feature, the losses and the scores.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from gradiend.arguments import TrainingArguments
from gradiend.plugins import BaseModelScores, DecoderEvalData, Evaluator, PairedLoss, Trainer
from gradiend_text.classification import (
    classifier_logits,
    fine_tune_classifier,
    label_ids,
    label_probabilities,
)
from gradiend_text.classification_data import (
    TextClassificationConfig,
    normalize_classification_data,
    read_table,
)
from gradiend_text.models import backbone_parameter_names, save_text_model

logger = logging.getLogger(__name__)

HEAD_DIR = "classification_head"
"""Sub-directory of the experiment directory where :meth:`train_classification_head` saves the model."""


class TextClassificationTrainer(Trainer):
    """GRADIEND for text classifiers; the feature is a pair of labels.

    Args:
        model: a sequence classifier (directory, hub id or loaded ``PreTrainedModel``); a model directory
            without a fitting head is turned into one by :meth:`train_classification_head`.
        args: TrainingArguments.
        config: column names and evaluation data (:class:`TextClassificationConfig`).
        data: the labelled texts (DataFrame or ``.csv``/``.parquet``/``.jsonl`` file).
        target_classes: the label pair, e.g. ``["positive", "negative"]`` (or ``config.target_classes``).
        run_id, n_features, evaluator_class, training_args: as for :class:`~gradiend.Trainer`.
        tokenizer: a tokenizer or its path (default: the model's own).
    """

    MODALITY_NAME: ClassVar[str | None] = "text-classification"

    def __init__(
        self,
        model: str | PreTrainedModel,
        args: TrainingArguments | None = None,
        config: TextClassificationConfig | None = None,
        data: Any = None,
        target_classes: Sequence[str] | None = None,
        run_id: str | None = None,
        n_features: int = 1,
        *,
        tokenizer: PreTrainedTokenizerBase | str | None = None,
        evaluator_class: type[Evaluator] | None = None,
        training_args: TrainingArguments | None = None,
    ) -> None:
        self.config = config or TextClassificationConfig()
        data = data if data is not None else self.config.data
        if data is None:
            raise ValueError(
                "data is required: labelled texts (columns text and label), as data= or "
                "TextClassificationConfig(data=...)"
            )
        super().__init__(
            model=model,
            run_id=run_id if run_id is not None else self.config.run_id,
            args=args,
            training_args=training_args,
            n_features=n_features,
            evaluator_class=evaluator_class,
        )
        self.seed = self.args.seed
        self.rows = normalize_classification_data(data, self.config, self.seed)
        pair = list(target_classes or self.config.target_classes or [])
        if len(pair) != 2:
            raise ValueError(f"target_classes must name two labels of the data, got {pair!r}")
        unknown = [label for label in pair if label not in set(self.rows["label"])]
        if unknown:
            raise ValueError(
                f"target_classes {unknown} are not labels of the data: {sorted(set(self.rows['label']))}"
            )
        self.target_classes = [str(label) for label in pair]
        self._tokenizer_spec = tokenizer
        self._neutral_rows: pd.DataFrame | None = None
        self.tokenizer: PreTrainedTokenizerBase | None = None
        head = self.classification_head_dir
        if head and (Path(head) / "config.json").is_file():
            logger.info("Using the classification head saved at %s", head)
            self._reset_model(head)

    # --- the base model ---------------------------------------------------------------------------

    def _reset_model(self, model: Any) -> None:
        """Switch the base model; neutral rows labelled by the previous model are dropped."""
        super()._reset_model(model)
        self._neutral_rows = None

    @property
    def classification_head_dir(self) -> str | None:
        """``<experiment_dir>/classification_head`` (``None`` without an experiment directory)."""
        return os.path.join(self.experiment_dir, HEAD_DIR) if self.experiment_dir else None

    def load_base_model(self, model: str | nn.Module) -> nn.Module:
        """An ``AutoModelForSequenceClassification`` and its tokenizer (labels named as in the data)."""
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        if isinstance(model, PreTrainedModel):
            loaded = model
        elif isinstance(model, (str, os.PathLike)):
            labels = sorted(set(self.rows["label"]))
            loaded = AutoModelForSequenceClassification.from_pretrained(os.fspath(model))
            if {str(v) for v in loaded.config.id2label.values()} != set(labels):
                logger.info(
                    "the model's labels differ from the data's; train_classification_head() fits them"
                )
        else:
            raise TypeError(f"model must be a path, hub id or PreTrainedModel, got {type(model).__name__}")
        spec = self._tokenizer_spec or getattr(loaded, "name_or_path", None)
        if not spec:
            raise ValueError("the model has no name_or_path to load its tokenizer from; pass tokenizer=")
        self.tokenizer = AutoTokenizer.from_pretrained(spec) if isinstance(spec, (str, os.PathLike)) else spec
        return loaded.eval()

    def _ready(self) -> PreTrainedTokenizerBase:
        self.base_model  # noqa: B018 - loads the model and its tokenizer on first use
        if self.tokenizer is None:
            raise RuntimeError("the base model did not load a tokenizer")
        return self.tokenizer

    def default_parameter_names(self, base_model: nn.Module) -> list[str]:
        """The backbone: every trainable parameter except the classification head."""
        return backbone_parameter_names(base_model)

    def compute_losses(self, base_model: nn.Module, rows: pd.DataFrame) -> PairedLoss:
        """Cross-entropy for the factual label and for the pair's other label, from one forward pass."""
        tokenizer = self._ready()
        logits = classifier_logits(base_model, tokenizer, rows["text"].astype(str).tolist()).float()
        factual = F.cross_entropy(logits, _targets(base_model, rows["factual"], logits))
        if "alternative" not in rows.columns or rows["alternative"].isna().all():
            return PairedLoss(factual=factual)
        return PairedLoss(
            factual=factual,
            alternative=F.cross_entropy(logits, _targets(base_model, rows["alternative"], logits)),
        )

    def save_base_model(self, base_model: nn.Module, output_dir: str) -> None:
        """A Hugging Face directory that ``AutoModelForSequenceClassification`` loads."""
        if not isinstance(base_model, PreTrainedModel):
            raise TypeError(f"expected a transformers model, got {type(base_model).__name__}")
        save_text_model(base_model, self._ready(), output_dir)

    def train_classification_head(
        self,
        train_df: pd.DataFrame | None = None,
        output_path: str | None = None,
        use_cache: bool | None = None,
        *,
        epochs: int = 3,
        batch_size: int = 8,
        lr: float = 2e-5,
        max_length: int = 256,
    ) -> str:
        """Fine-tune the model as a classifier of the data's labels, save it, and continue with it.

        Args:
            train_df: rows to train on (``text``, ``label``; default: the data's train split, every label).
            output_path: where to save (default :attr:`classification_head_dir`).
            use_cache: reuse a model already saved there (default ``args.use_cache``).
            epochs: passes over the rows.
            batch_size: rows per step.
            lr: AdamW learning rate.
            max_length: texts are truncated to this many tokens.

        Returns:
            The directory of the fine-tuned model, which becomes this trainer's base model.
        """
        from transformers import AutoModelForSequenceClassification

        target = output_path or self.classification_head_dir
        if target is None:
            raise ValueError("output_path is required when args.experiment_dir is not set")
        reuse = bool(self.args.use_cache) if use_cache is None else use_cache
        if reuse and (Path(target) / "config.json").is_file():
            self._reset_model(target)
            return target
        rows = train_df if train_df is not None else self.rows[self.rows["split"] == "train"]
        labels = sorted(set(self.rows["label"]))
        tokenizer = self._ready()
        model = self.base_model
        if not isinstance(model, PreTrainedModel):
            raise TypeError(f"expected a transformers model, got {type(model).__name__}")
        if {str(v) for v in (model.config.id2label or {}).values()} != set(labels):
            model = AutoModelForSequenceClassification.from_pretrained(
                str(model.name_or_path),
                num_labels=len(labels),
                id2label=dict(enumerate(labels)),
                label2id={label: i for i, label in enumerate(labels)},
                ignore_mismatched_sizes=True,
            )
        fine_tune_classifier(
            model,
            tokenizer,
            rows,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            seed=self.seed,
            max_length=max_length,
        )
        save_text_model(model, tokenizer, target)
        self._reset_model(target)
        return target

    # --- data ---------------------------------------------------------------------------------------

    def infer_all_classes(self) -> list[str]:
        """Every label of the data."""
        return sorted(set(self.rows["label"]))

    def create_training_data(self, split: str = "train", max_size: int | None = None) -> pd.DataFrame:
        """Rows of the pair's labels in ``split`` (label +1 / -1, alternative = the other label)."""
        first, second = self.require_pair()
        rows = self.rows[(self.rows["split"] == split) & self.rows["label"].isin([first, second])].copy()
        if max_size is not None:
            rows = rows.groupby("label", sort=True).head(max_size)
        rows["feature_class"] = rows["label"]
        rows["factual"] = rows["label"]
        rows["alternative"] = rows["label"].map({first: second, second: first})
        rows["label"] = rows["feature_class"].map({first: 1.0, second: -1.0})
        rows["type"] = "training"
        return rows.reset_index(drop=True)

    def create_neutral_data(self, split: str = "test", max_size: int | None = None) -> pd.DataFrame | None:
        """Rows of the other labels in ``split`` (label 0, factual = their own label); ``None`` if none."""
        rows = self.rows[(self.rows["split"] == split) & ~self.rows["label"].isin(self.require_pair())].copy()
        if rows.empty:
            return None
        rows["feature_class"] = rows["label"]
        rows["factual"] = rows["label"]
        rows["alternative"] = None
        rows["label"] = 0.0
        rows["type"] = "neutral"
        return (rows.head(max_size) if max_size is not None else rows).reset_index(drop=True)

    def describe_rows(self, rows: pd.DataFrame) -> list[str]:
        """The text with its label, e.g. ``"the film was great.  →  positive"``."""
        return [f"{t}  →  {c}" for t, c in zip(rows["text"], rows["feature_class"], strict=True)]

    # --- decoder evaluation ---------------------------------------------------------------------------

    def _held_out(self) -> pd.DataFrame:
        return self.rows[self.rows["split"].isin(["validation", "test"])]

    def create_decoder_eval_data(
        self, max_size_training_like: int | None = None, max_size_neutral: int | None = None
    ) -> DecoderEvalData:
        """Held-out rows of the pair; held-out rows of the other labels (or eval_neutral_data) for utility."""
        held_out = self._held_out()
        pair = self.require_pair()
        training_like = held_out[held_out["label"].isin(pair)].assign(feature_class=lambda f: f["label"])
        if max_size_training_like is not None:
            training_like = training_like.groupby("label", sort=True).head(max_size_training_like)
        neutral = held_out[~held_out["label"].isin(pair)]
        if neutral.empty and self.config.eval_neutral_data is not None:
            neutral = self._eval_neutral_rows()
        if neutral.empty:
            raise ValueError(
                "the utility score needs labelled rows of classes outside the pair: add a third label to the "
                "data or pass TextClassificationConfig(eval_neutral_data=...)"
            )
        limit = max_size_neutral or self.config.eval_neutral_max_rows
        return DecoderEvalData(
            training_like=training_like.reset_index(drop=True),
            neutral=(neutral.head(limit) if limit else neutral).reset_index(drop=True),
        )

    def _eval_neutral_rows(self) -> pd.DataFrame:
        """``eval_neutral_data``; texts without a label column get the base model's predicted label.

        The utility score on such texts is then the agreement with the unchanged model's decisions.
        """
        if self._neutral_rows is not None:
            return self._neutral_rows
        source = self.config.eval_neutral_data
        if source is None:
            raise ValueError("TextClassificationConfig.eval_neutral_data is not set")
        table = read_table(source)
        if self.config.label_col in table.columns:
            rows = normalize_classification_data(table, self.config, self.seed)
        else:
            if self.config.text_col not in table.columns:
                raise ValueError(
                    f"eval_neutral_data lacks the text column {self.config.text_col!r}; it has "
                    f"{list(table.columns)}"
                )
            texts = table[self.config.text_col].astype(str).tolist()
            model = self.base_model
            if not isinstance(model, PreTrainedModel):
                raise TypeError(f"expected a transformers model, got {type(model).__name__}")
            predicted = label_probabilities(model, self._ready(), texts).argmax(-1).tolist()
            names: dict[Any, str] = dict(model.config.id2label or {})
            rows = pd.DataFrame({"text": texts, "label": [str(names[i]) for i in predicted]})
        self._neutral_rows = rows
        return rows

    def decoder_eval_targets(self) -> dict[str, list[str]]:
        """Each label of the pair is measured by its own probability."""
        return {label: [label] for label in self.require_pair()}

    def evaluate_base_model(
        self, base_model: nn.Module, eval_data: DecoderEvalData, batch_size: int = 32
    ) -> BaseModelScores:
        """Mean P(label) per pair label on each pair label's rows; lms = accuracy on the neutral rows."""
        tokenizer = self._ready()
        rows = eval_data.training_like
        pair = self.require_pair()
        ids = label_ids(base_model, pair)
        probabilities = label_probabilities(
            base_model, tokenizer, rows["text"].astype(str).tolist(), batch_size
        )
        table = pd.DataFrame(probabilities[:, ids].numpy(), columns=pair, index=rows.index)
        means = table.groupby(rows["feature_class"].to_numpy(), sort=True).mean()
        neutral = eval_data.neutral
        predicted = label_probabilities(
            base_model, tokenizer, neutral["text"].astype(str).tolist(), batch_size
        )
        truth = torch.tensor(label_ids(base_model, neutral["label"].astype(str).tolist()), dtype=torch.long)
        accuracy = float((predicted.argmax(-1) == truth).float().mean())
        return BaseModelScores(
            probabilities={str(c): {str(k): float(v) for k, v in r.items()} for c, r in means.iterrows()},
            lms=accuracy,
        )


def _targets(model: nn.Module, labels: pd.Series, logits: torch.Tensor) -> torch.Tensor:
    return torch.tensor(label_ids(model, labels.astype(str).tolist()), device=logits.device)


__all__ = ["HEAD_DIR", "TextClassificationConfig", "TextClassificationTrainer"]
