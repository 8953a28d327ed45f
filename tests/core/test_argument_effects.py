"""Each TrainingArguments field declares its effect; fingerprint, seed reuse and executor lists follow it."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from pydantic import Field, ValidationError

from gradiend import PostPruneConfig, PrePruneConfig, TrainingArguments
from gradiend.arguments import (
    ARGUMENT_EFFECTS,
    DECODER_EVALUATION_ARGUMENTS,
    EFFECT_CHANGES_RESULTS,
    EXECUTOR_ARGUMENTS,
    RESULT_ARGUMENTS,
    RUN_ONLY_ARGUMENTS,
    SEED_SELECTION_ARGUMENTS,
    effect,
)
from gradiend.arguments.effects import field_effects
from gradiend.executors import EXECUTION_ARGUMENTS
from gradiend.pruning.config import PrePruneConfig as OldPathPrePruneConfig
from gradiend.run_identity import RunIdentity, identity_differences, result_arguments
from gradiend.strict_model import StrictModel

# A base that lets every field change alone (convergent_metric='loss' needs a threshold).
BASE = TrainingArguments(convergent_score_threshold=0.3)
EXPLICIT: dict[str, Any] = {
    "report_to": ["tensorboard"],
    "convergent_metric": "loss",
    "base_model_max_memory": {"cpu": "1GB"},
    "pre_prune_config": PrePruneConfig(topk=5),
    "post_prune_config": PostPruneConfig(topk=5),
}
NONE_CANDIDATES: tuple[Any, ...] = (2, "x", True, ["x"], [0.5])


def _candidates(name: str, default: Any) -> list[Any]:
    if name in EXPLICIT:
        return [EXPLICIT[name]]
    options = [a for arg in get_args(TrainingArguments.model_fields[name].annotation) for a in get_args(arg)]
    options += list(get_args(TrainingArguments.model_fields[name].annotation))
    if isinstance(default, bool):
        return [not default]
    if isinstance(default, int):
        return [default + 1, default + 2]
    if isinstance(default, float):
        return [default / 2, 0.5]
    words = [o for o in options if isinstance(o, str) and o != default]
    if isinstance(default, str):
        return [*words, "x"]
    if isinstance(default, dict):
        return [{"note": "changed"}]
    return [*words, *NONE_CANDIDATES]


def changed(name: str) -> TrainingArguments:
    """``BASE`` with only ``name`` set to another valid value."""
    default = getattr(BASE, name)
    for value in _candidates(name, default):
        try:
            updated = BASE.with_overrides(**{name: value})
        except ValidationError:
            continue
        if getattr(updated, name) != default:
            return updated
    raise AssertionError(f"no valid other value found for {name}; add one to EXPLICIT")


def identity(args: TrainingArguments) -> RunIdentity:
    """A run identity that differs between two arguments only in their arguments."""
    return RunIdentity("toy", ("a", "b"), "weights", "base", "data", result_arguments(args.to_dict()))


def test_every_field_declares_a_known_effect() -> None:
    assert set(ARGUMENT_EFFECTS) == set(TrainingArguments.model_fields)
    assert set(ARGUMENT_EFFECTS.values()) <= set(EFFECT_CHANGES_RESULTS)
    assert set(TrainingArguments.model_fields) == RESULT_ARGUMENTS | RUN_ONLY_ARGUMENTS
    assert not RESULT_ARGUMENTS & RUN_ONLY_ARGUMENTS
    schema = TrainingArguments.model_json_schema()["properties"]
    assert all(schema[name]["effect"] == kind for name, kind in ARGUMENT_EFFECTS.items())


def test_a_field_without_an_effect_is_named() -> None:
    class Partial(StrictModel):
        declared: int = Field(1, json_schema_extra=effect("training"))
        forgotten: int = Field(2)

    with pytest.raises(TypeError, match=r"Partial\.forgotten declares no valid effect"):
        field_effects(Partial)
    with pytest.raises(ValueError, match="effect must be one of"):
        effect("sometimes")  # type: ignore[arg-type]


@pytest.mark.parametrize("name", sorted(RESULT_ARGUMENTS))
def test_a_result_field_changes_the_fingerprint(name: str) -> None:
    assert identity(changed(name)).digest() != identity(BASE).digest()


@pytest.mark.parametrize("name", sorted(RUN_ONLY_ARGUMENTS))
def test_a_run_only_field_keeps_the_fingerprint(name: str) -> None:
    other = changed(name)
    assert identity(other).digest() == identity(BASE).digest()
    assert identity_differences(identity(BASE).to_dict(), identity(other)) == []


@pytest.mark.parametrize("name", sorted(RESULT_ARGUMENTS))
def test_model_and_seed_reuse_follow_the_declared_effect(name: str) -> None:
    stored = identity(BASE).to_dict()
    current = identity(changed(name))
    kind = ARGUMENT_EFFECTS[name]
    model_differs = bool(identity_differences(stored, current))
    seed_differs = bool(identity_differences(stored, current, for_seed=True))
    assert model_differs == (kind != "decoder_evaluation")
    assert seed_differs == (kind == "training")
    if model_differs:
        assert name in identity_differences(stored, current)[0]


def test_the_named_sets_are_the_declared_ones() -> None:
    assert EXECUTION_ARGUMENTS == EXECUTOR_ARGUMENTS == {"executor", "ray_address"}
    assert EXECUTOR_ARGUMENTS <= RUN_ONLY_ARGUMENTS
    by_effect = {
        kind: {n for n, k in ARGUMENT_EFFECTS.items() if k == kind}
        for kind in ("seed_selection", "decoder_evaluation")
    }
    assert by_effect["seed_selection"] == SEED_SELECTION_ARGUMENTS
    assert by_effect["decoder_evaluation"] == DECODER_EVALUATION_ARGUMENTS
    assert {"learning_rate", "seed", "params"} <= RESULT_ARGUMENTS
    assert {"experiment_dir", "disable_tqdm", "eval_batch_size"} <= RUN_ONLY_ARGUMENTS


def test_the_arguments_package_keeps_its_import_paths() -> None:
    from gradiend.arguments import PrePruneConfig as NewPath
    from gradiend.arguments import dtype_name, to_torch_dtype

    assert NewPath is OldPathPrePruneConfig is PrePruneConfig
    assert dtype_name("bf16") == "bfloat16" and to_torch_dtype(None).is_floating_point


def test_work_shipped_to_a_worker_runs_there() -> None:
    from gradiend.executors.factory import in_worker_overrides

    overrides = in_worker_overrides()
    assert set(overrides) == EXECUTOR_ARGUMENTS
    shipped = TrainingArguments(executor="ray", ray_address="127.0.0.2:6379").with_overrides(**overrides)
    assert (shipped.executor, shipped.ray_address) == ("local", None)
