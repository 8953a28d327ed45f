"""TrainingArguments: every knob of a GRADIEND run, validated, documented and JSON round-trippable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, Literal

import torch
from pydantic import Field, model_validator

from gradiend.arguments.effects import effect
from gradiend.arguments.pruning import GradientKind, PostPruneConfig, PrePruneConfig
from gradiend.arguments.values import (
    DEFAULT_DECODER_LRS,
    CheckedDtype,
    CheckedLogLevel,
    CheckedUseCache,
    DecoderNumbers,
    DecoderRates,
    MinConvergentSeeds,
    OptionalCheckedDtype,
    ReportTargets,
    to_torch_dtype,
)
from gradiend.strict_model import StrictModel


class TrainingArguments(StrictModel):
    """Arguments of a GRADIEND run (Hugging Face ``TrainingArguments`` style).

    Unknown names fail with the closest valid names; assignments are validated
    (``args.pre_prune_config = PrePruneConfig(...)`` takes effect on the next ``train()``); the whole
    object round-trips through JSON (``to_json`` / ``from_json``) and is saved beside every trained model.
    ``num_epochs`` is accepted as an alias of ``num_train_epochs``.
    """

    field_aliases: ClassVar[dict[str, str]] = {"num_epochs": "num_train_epochs"}

    # ----- output and caching -----
    experiment_dir: str | None = Field(
        None,
        description="Root directory of the experiment (models, caches, plots, reports).",
        json_schema_extra=effect("run"),
    )
    output_dir: str | None = Field(
        None,
        description="Where the trained model is saved (default: experiment_dir[/run_id]/model).",
        json_schema_extra=effect("run"),
    )
    overwrite_output_dir: bool = Field(
        False,
        description="Replace an earlier result of another run (other base model, data, pair or arguments) "
        "in experiment_dir/output_dir instead of refusing (as in transformers).",
        json_schema_extra=effect("run"),
    )
    use_cache: CheckedUseCache = Field(
        False,
        description=(
            "Reuse of saved results: False retrains; True reuses a model and evaluation results whose "
            "inputs match; 'always' reuses any saved model at the output path (and any saved seed runs) "
            "without comparing inputs; 'only_convergent' is True restricted to runs that met "
            "min_convergent_seeds. Evaluation caches are on for every mode but False."
        ),
        json_schema_extra=effect("run"),
    )

    add_identity_for_other_classes: bool = Field(
        False,
        description="Also train on the rows of classes outside the target pair as identity transitions "
        "(alternative = factual, label 0), so extra classes do not move the feature.",
        json_schema_extra=effect("training"),
    )

    # ----- what GRADIEND reads and reconstructs -----
    source: GradientKind = Field(
        "alternative", description="Gradient fed to the encoder.", json_schema_extra=effect("training")
    )
    target: GradientKind = Field(
        "diff", description="Gradient the decoder reconstructs.", json_schema_extra=effect("training")
    )
    params: list[str] | None = Field(
        None,
        description="Base-model parameter names or fnmatch wildcards (default: the whole backbone).",
        json_schema_extra=effect("training"),
    )

    # ----- training loop -----
    train_batch_size: int = Field(
        32,
        ge=1,
        strict=True,
        description="Rows per gradient (every batch holds one class).",
        json_schema_extra=effect("training"),
    )
    train_max_size: int | None = Field(
        None, ge=1, description="Cap on training rows per class.", json_schema_extra=effect("training")
    )
    learning_rate: float = Field(
        1e-5,
        gt=0.0,
        allow_inf_nan=False,
        description="Learning rate of the GRADIEND optimizer.",
        json_schema_extra=effect("training"),
    )
    num_train_epochs: int = Field(
        3,
        ge=1,
        description="Passes over the training rows (alias: num_epochs).",
        json_schema_extra=effect("training"),
    )
    max_steps: int = Field(
        -1,
        ge=-1,
        description="Training steps; > 0 overrides num_train_epochs (as in HF).",
        json_schema_extra=effect("training"),
    )
    weight_decay: float = Field(
        1e-2,
        ge=0.0,
        allow_inf_nan=False,
        description="Weight decay of the optimizer.",
        json_schema_extra=effect("training"),
    )
    adam_epsilon: float = Field(
        1e-8, gt=0.0, description="Epsilon of Adam/AdamW.", json_schema_extra=effect("training")
    )
    optim: Literal["adamw", "adam"] = Field(
        "adamw", description="Optimizer of the GRADIEND parameters.", json_schema_extra=effect("training")
    )
    supervised_encoder: bool = Field(
        False,
        description="Baseline: train the encoder to output the label directly (no decoder).",
        json_schema_extra=effect("training"),
    )
    supervised_decoder: bool = Field(
        False,
        description="Baseline: feed the label to the decoder instead of the encoder's output.",
        json_schema_extra=effect("training"),
    )
    use_cached_gradients: bool = Field(
        False,
        description="Keep the validation gradients in memory between evaluations (faster, more memory).",
        json_schema_extra=effect("run"),
    )
    gradient_cache_budget: float = Field(
        0.0,
        ge=0.0,
        description="Validation gradients kept between in-training evaluations, in multiples of the "
        "GRADIEND's own weight bytes (0: none, all recomputed; 2.0 keeps about 6 float32 rows, as each "
        "row is one GRADIEND input; use_cached_gradients=True keeps all).",
        json_schema_extra=effect("run"),
    )
    gradient_cache_dtype: CheckedDtype = Field(
        "float32",
        description="Dtype of the kept validation gradients (bfloat16/float16: half the memory).",
        json_schema_extra=effect("training"),
    )

    # ----- evaluation during and after training -----
    do_eval: bool = Field(
        True,
        description="Evaluate the encoder during training (checkpoint selection).",
        json_schema_extra=effect("training"),
    )
    eval_strategy: Literal["steps", "no"] = Field(
        "steps", description="When to evaluate during training.", json_schema_extra=effect("training")
    )
    eval_steps: int = Field(
        250,
        ge=1,
        description="Evaluate every this many steps (and at step 0 and the end).",
        json_schema_extra=effect("training"),
    )
    eval_batch_size: int = Field(
        32, ge=1, description="Batch size of evaluation forward passes.", json_schema_extra=effect("run")
    )
    encoder_eval_max_size: int | None = Field(
        None,
        ge=1,
        description="Cap on rows per class when evaluating the encoder.",
        json_schema_extra=effect("training"),
    )
    analyze_seed_stability: bool = Field(
        False,
        description="After multi-seed training, measure the top-k weight overlap between the convergent "
        "seeds (seed report key 'seed_topk_stability'); needs saved_seed_runs other than 'best_only'.",
        json_schema_extra=effect("run"),
    )
    seed_stability_topk: int | float | None = Field(
        1000,
        gt=0,
        description="Top-k (count, or fraction < 1) of the seed-stability analysis.",
        json_schema_extra=effect("run"),
    )
    seed_stability_part: Literal["encoder-weight", "decoder-weight", "decoder-bias", "decoder-sum"] = Field(
        "decoder-weight",
        description="Importance part of the seed-stability analysis.",
        json_schema_extra=effect("run"),
    )
    encoder_eval_train_max_size: int | None = Field(
        None,
        ge=1,
        description="Cap on validation rows per class of the encoder evaluations during training "
        "(checkpoint selection; default: encoder_eval_max_size).",
        json_schema_extra=effect("training"),
    )
    seed_selection_eval_max_size: int | None = Field(
        None,
        ge=1,
        description="Cap on validation rows per class when choosing the best seed.",
        json_schema_extra=effect("training"),
    )
    decoder_eval_max_size_training_like: int | None = Field(
        None,
        ge=1,
        description="Cap on training-like rows per class in decoder evaluation.",
        json_schema_extra=effect("decoder_evaluation"),
    )
    decoder_eval_max_size_neutral: int | None = Field(
        None,
        ge=1,
        description="Cap on neutral rows (utility score) in decoder evaluation.",
        json_schema_extra=effect("decoder_evaluation"),
    )
    decoder_eval_lrs: DecoderRates = Field(
        None,
        description="Decoder-grid learning rates (default: 100 ... 0.001, see DEFAULT_DECODER_LRS).",
        json_schema_extra=effect("decoder_evaluation"),
    )
    decoder_eval_feature_factors: DecoderNumbers = Field(
        None,
        description="Decoder-grid feature factors (default: the sign that strengthens the class).",
        json_schema_extra=effect("decoder_evaluation"),
    )
    decoder_eval_utility_ratio: float = Field(
        0.99,
        gt=0.0,
        le=1.0,
        description="A rewrite is admissible when lms >= ratio x base lms.",
        json_schema_extra=effect("decoder_evaluation"),
    )
    decoder_search: Literal["adaptive", "grid"] = Field(
        "adaptive",
        description="'adaptive': score only the points the selection needs (per needed feature "
        "factor, learning rates from the largest down until the value drops); 'grid': score every "
        "point (see gradiend.evaluation.decoder_search).",
        json_schema_extra=effect("decoder_evaluation"),
    )

    # ----- checkpoints -----
    save_strategy: Literal["best", "steps", "epoch", "no"] = Field(
        "best",
        description="'best': save the best-correlation weights; 'no': save the last step's weights; "
        "'steps'/'epoch': 'best' plus a resumable checkpoint every save_steps steps / every epoch.",
        json_schema_extra=effect("run"),
    )
    save_steps: int = Field(
        5000,
        ge=1,
        strict=True,
        description="Step-checkpoint interval when save_strategy='steps'.",
        json_schema_extra=effect("run"),
    )
    save_only_best: bool = Field(
        True,
        description="Delete the step checkpoints once the model is saved (False: keep them).",
        json_schema_extra=effect("run"),
    )

    # ----- the GRADIEND network -----
    latent_dim: int | None = Field(
        None, ge=1, description="Number of latent features (default 1).", json_schema_extra=effect("training")
    )
    activation_encoder: str | None = Field(
        None, description="Encoder activation (default 'tanh').", json_schema_extra=effect("training")
    )
    activation_decoder: str | None = Field(
        None, description="Decoder activation (default 'identity').", json_schema_extra=effect("training")
    )
    bias_decoder: bool | None = Field(
        None, description="Decoder bias (default True).", json_schema_extra=effect("training")
    )
    normalize_gradiend: bool = Field(
        True,
        description="Flip the sign after training so the first target class encodes +1.",
        json_schema_extra=effect("training"),
    )
    gradiend_dtype: CheckedDtype = Field(
        "float32",
        description="dtype of the GRADIEND weights (bfloat16/float16 halve their memory).",
        json_schema_extra=effect("training"),
    )
    gradiend_device: str | None = Field(
        None,
        description="Device of the GRADIEND network (default: the base model's device).",
        json_schema_extra=effect("run"),
    )

    # ----- the base model -----
    torch_dtype: OptionalCheckedDtype = Field(
        None,
        description="dtype the base model is loaded in (default float32).",
        json_schema_extra=effect("training"),
    )
    prediction_objective: str = Field(
        "auto",
        description="Modality objective, e.g. text: 'auto', 'mlm', 'clm' (modality validates).",
        json_schema_extra=effect("training"),
    )
    decoder_sequence_cloze_rhs_window: int = Field(
        -1,
        ge=-1,
        description="Right-context tokens in the loss of clm_sequence_cloze / seq2seq_decoder_sequence_cloze "
        "(-1: the whole right context).",
        json_schema_extra=effect("training"),
    )
    trust_remote_code: bool = Field(
        False,
        description="Pass trust_remote_code to Hugging Face loaders.",
        json_schema_extra=effect("training"),
    )
    base_model_device_map: str | dict[str, Any] | None = Field(
        None,
        description="Hugging Face device_map for loading large base models (accelerate).",
        json_schema_extra=effect("training"),
    )
    base_model_max_memory: dict[str, str] | None = Field(
        None,
        description="Hugging Face max_memory map used with base_model_device_map.",
        json_schema_extra=effect("training"),
    )

    # ----- seeds -----
    seed: int = Field(
        0,
        ge=0,
        description="Seed of the run; multi-seed runs use seed, seed+1, ...",
        json_schema_extra=effect("training"),
    )
    max_seeds: int = Field(
        3, ge=1, description="Most seeds to train.", json_schema_extra=effect("seed_selection")
    )
    min_convergent_seeds: MinConvergentSeeds = Field(
        1,
        ge=1,
        description="Stop once this many seeds converged; None trains all max_seeds.",
        json_schema_extra=effect("seed_selection"),
    )
    convergent_metric: Literal["correlation", "loss"] = Field(
        "correlation",
        description="Metric that decides whether a seed converged.",
        json_schema_extra=effect("seed_selection"),
    )
    convergent_score_threshold: float | None = Field(
        None,
        description="Convergence threshold (default 0.5 for correlation; required for loss).",
        json_schema_extra=effect("seed_selection"),
    )
    convergent_mean_by_class_threshold: float | None = Field(
        0.5,
        ge=0.0,
        description="Both target classes must encode with opposite signs and |mean| >= this.",
        json_schema_extra=effect("seed_selection"),
    )
    seed_runs_dir: str | None = Field(
        None,
        description="Where per-seed runs go (default: experiment_dir/seeds).",
        json_schema_extra=effect("run"),
    )
    saved_seed_runs: Literal["best_only", "all_convergent", "all_tried"] = Field(
        "all_convergent", description="Which seed runs stay on disk.", json_schema_extra=effect("run")
    )
    keep_seed_runs: bool = Field(
        False, description="train() returns {seed: ModelWithGradiend}.", json_schema_extra=effect("run")
    )
    fail_on_non_convergence: bool = Field(
        False,
        description="Raise when fewer than min_convergent_seeds seeds converged.",
        json_schema_extra=effect("run"),
    )

    # ----- pruning -----
    pre_prune_config: PrePruneConfig | None = Field(
        None, description="Pre-prune before training.", json_schema_extra=effect("training")
    )
    post_prune_config: PostPruneConfig | None = Field(
        None, description="Post-prune after training.", json_schema_extra=effect("training")
    )

    # ----- scale-out -----
    executor: Literal["local", "ray"] = Field(
        "local", description="Runs independent work (seeds, grid).", json_schema_extra=effect("executor")
    )
    ray_address: str | None = Field(
        None,
        description="Ray cluster address (None: start a local runtime).",
        json_schema_extra=effect("executor"),
    )

    metadata: dict[str, Any] = Field(
        default_factory=dict,
        description="Free-form notes saved with the run.",
        json_schema_extra=effect("run"),
    )

    # ----- run output and experiment tracking (never change results) -----
    disable_tqdm: bool | None = Field(
        None,
        description="Hide progress bars (None: shown unless the TQDM_DISABLE environment variable is set).",
        json_schema_extra=effect("output"),
    )
    log_level: CheckedLogLevel = Field(
        "passive",
        description="Level of the 'gradiend' logger set when train() starts ('passive': leave it as it is).",
        json_schema_extra=effect("output"),
    )
    report_to: ReportTargets = Field(
        None,
        description="Experiment trackers: 'tensorboard', 'mlflow' (a name, a list, or 'none').",
        json_schema_extra=effect("output"),
    )
    logging_dir: str | None = Field(
        None,
        description="TensorBoard log directory (default: <experiment_dir or output_dir>/runs).",
        json_schema_extra=effect("output"),
    )
    logging_steps: int = Field(
        1,
        ge=1,
        description="Send the training loss to trackers every this many steps.",
        json_schema_extra=effect("output"),
    )

    @model_validator(mode="after")
    def _consistent(self) -> TrainingArguments:
        if self.min_convergent_seeds is not None and self.min_convergent_seeds > self.max_seeds:
            raise ValueError(
                f"min_convergent_seeds ({self.min_convergent_seeds}) cannot exceed "
                f"max_seeds ({self.max_seeds})"
            )
        if self.convergent_metric == "loss" and self.convergent_score_threshold is None:
            raise ValueError("convergent_metric='loss' needs convergent_score_threshold (the loss to reach)")
        if self.analyze_seed_stability and self.saved_seed_runs == "best_only":
            raise ValueError(
                "analyze_seed_stability=True compares the convergent seeds' saved models, but "
                "saved_seed_runs='best_only' deletes them: use 'all_convergent' or 'all_tried'"
            )
        if self.analyze_seed_stability and self.seed_stability_topk is None:
            raise ValueError("analyze_seed_stability=True needs seed_stability_topk (an int or a fraction)")
        if self.supervised_encoder and self.supervised_decoder:
            raise ValueError("choose at most one of supervised_encoder and supervised_decoder")
        return self

    # ----- derived values -----

    @property
    def convergence_threshold(self) -> float:
        """The convergence threshold in force (0.5 for correlation unless set)."""
        if self.convergent_score_threshold is not None:
            return self.convergent_score_threshold
        return 0.5

    @property
    def seeds_to_converge(self) -> int:
        """Converged seeds that end a multi-seed run early (``max_seeds`` for None)."""
        return self.max_seeds if self.min_convergent_seeds is None else self.min_convergent_seeds

    @property
    def caches_results(self) -> bool:
        """Whether evaluation results are cached and reused (every ``use_cache`` mode but False)."""
        return self.use_cache is not False

    @property
    def decoder_learning_rates(self) -> list[float]:
        """The decoder-grid learning rates in force."""
        return list(self.decoder_eval_lrs or DEFAULT_DECODER_LRS)

    @property
    def base_model_dtype(self) -> torch.dtype:
        """``torch_dtype`` as a ``torch.dtype`` (float32 when unset)."""
        return to_torch_dtype(self.torch_dtype)

    @property
    def gradiend_torch_dtype(self) -> torch.dtype:
        """``gradiend_dtype`` as a ``torch.dtype``."""
        return to_torch_dtype(self.gradiend_dtype)

    # ----- serialisation -----

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        return self.model_dump(mode="json")

    def to_json(self) -> str:
        """JSON text of every field."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> TrainingArguments:
        """Read arguments from JSON text or a JSON file path."""
        text = str(text_or_path)
        path = Path(text)
        if not text.lstrip().startswith("{") and path.exists():
            text = path.read_text(encoding="utf-8")
        return cls.model_validate(json.loads(text))

    def with_overrides(self, **overrides: Any) -> TrainingArguments:
        """A validated copy with ``overrides`` applied (used by ``trainer.train(**overrides)``)."""
        updated = self.updated(**overrides)
        assert isinstance(updated, TrainingArguments)
        return updated


__all__ = ["TrainingArguments"]
