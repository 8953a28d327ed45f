"""TrainingArguments and pruning configs: validation, aliases, assignment and JSON round trips."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from gradiend import PostPruneConfig, PrePruneConfig, TrainingArguments
from gradiend.arguments import DEFAULT_DECODER_LRS


def test_published_defaults() -> None:
    args = TrainingArguments()
    assert (args.source, args.target) == ("alternative", "diff")
    assert args.learning_rate == 1e-5
    assert args.train_batch_size == 32
    assert args.eval_steps == 250
    assert (args.max_seeds, args.min_convergent_seeds, args.seed) == (3, 1, 0)
    assert args.convergence_threshold == 0.5
    assert args.decoder_learning_rates == list(DEFAULT_DECODER_LRS)


def test_num_epochs_is_an_alias() -> None:
    args = TrainingArguments(num_epochs=10)
    assert args.num_train_epochs == 10 and args.num_epochs == 10
    args.num_epochs = 4
    assert args.num_train_epochs == 4
    with pytest.raises(ValidationError, match="alias"):
        TrainingArguments(num_epochs=2, num_train_epochs=3)


def test_unknown_fields_suggest_the_closest_name() -> None:
    with pytest.raises(ValidationError, match="Did you mean 'learning_rate'"):
        TrainingArguments(learnig_rate=1e-3)
    args = TrainingArguments()
    with pytest.raises(AttributeError, match="Did you mean 'max_seeds'"):
        args.max_seed = 4


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("train_batch_size", 0, "greater than or equal to 1"),
        ("learning_rate", 0.0, "greater than 0"),
        ("source", "gradient", "'factual', 'alternative' or 'diff'"),
        ("optim", "sgd", "'adamw' or 'adam'"),
        ("torch_dtype", "int8", "dtype must be one of"),
        ("saved_seed_runs", "some", "best_only"),
        ("decoder_eval_lrs", [], "at least one number"),
        ("decoder_eval_feature_factors", [float("nan")], "finite"),
        ("max_steps", -5, "greater than or equal to -1"),
    ],
)
def test_bad_values_name_the_field_and_what_is_valid(field: str, value: object, fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TrainingArguments(**{field: value})
    assert field in str(caught.value) and fragment in str(caught.value)


def test_assignments_are_validated() -> None:
    args = TrainingArguments()
    with pytest.raises(ValidationError, match="train_batch_size"):
        args.train_batch_size = -3
    args.pre_prune_config = PrePruneConfig(n_samples=100, topk=0.5, source="diff")
    assert args.pre_prune_config.topk == 0.5
    with pytest.raises(ValidationError):
        args.post_prune_config = "decoder-weight"  # type: ignore[assignment]


def test_cross_field_rules() -> None:
    with pytest.raises(ValidationError, match="cannot exceed max_seeds"):
        TrainingArguments(max_seeds=2, min_convergent_seeds=3)
    with pytest.raises(ValidationError, match="needs convergent_score_threshold"):
        TrainingArguments(convergent_metric="loss")
    with pytest.raises(ValidationError, match="at most one"):
        TrainingArguments(supervised_encoder=True, supervised_decoder=True)


def test_dtypes_accept_torch_dtypes_and_names() -> None:
    assert TrainingArguments(torch_dtype=torch.bfloat16).torch_dtype == "bfloat16"
    assert TrainingArguments(gradiend_dtype="fp16").gradiend_torch_dtype == torch.float16
    assert TrainingArguments().base_model_dtype == torch.float32


def test_json_round_trip_keeps_every_field(tmp_path: object) -> None:
    args = TrainingArguments(
        learning_rate=1e-3,
        params=["body.*"],
        pre_prune_config=PrePruneConfig(topk=100),
        post_prune_config=PostPruneConfig(topk=0.05, part="decoder-sum"),
        torch_dtype=torch.float16,
        metadata={"note": "x"},
    )
    assert TrainingArguments.from_json(args.to_json()) == args


def test_with_overrides_validates_like_construction() -> None:
    args = TrainingArguments(learning_rate=1e-3)
    assert args.with_overrides(num_epochs=7).num_train_epochs == 7
    assert args.learning_rate == 1e-3, "the original is unchanged"
    with pytest.raises(ValidationError, match="Did you mean 'eval_steps'"):
        args.with_overrides(eval_step=3)


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"topk": 0}, "topk as a count must be >= 1"),
        ({"topk": 1.5}, "topk as a fraction must be in (0, 1]"),
        ({"topk": True}, "not a bool"),
        ({"topk": None, "threshold": None}, "needs topk or threshold"),
        ({"n_samples": 0}, "n_samples"),
        ({"source": "both"}, "source"),
    ],
)
def test_pre_prune_config_errors(config: dict[str, object], fragment: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PrePruneConfig(**config)
    assert fragment in str(caught.value)


def test_post_prune_config_errors() -> None:
    with pytest.raises(ValidationError, match="decoder-weight"):
        PostPruneConfig(part="decoder")
    assert PostPruneConfig(topk=10).topk == 10


def test_upstream_import_paths_resolve() -> None:
    from gradiend.trainer.core.arguments import TrainingArguments as Args
    from gradiend.trainer.core.pruning import PostPruneConfig as Post
    from gradiend.trainer.core.pruning import PrePruneConfig as Pre

    assert (Args, Pre, Post) == (TrainingArguments, PrePruneConfig, PostPruneConfig)
