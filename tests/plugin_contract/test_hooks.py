"""The definition hooks: per-trainer overrides and wrappers, subclassing, and meta-tests of the specs."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pytest
from gradiend_toy import ToyTrainer

from gradiend import TrainingArguments
from gradiend.definition import BaseModelScores
from gradiend.plugins import hookimpl, hookspecs

SPEC_NAMES = [
    name for name, value in vars(hookspecs).items() if name.startswith("gradiend_") and callable(value)
]


def _args(directory: Path, **overrides: Any) -> TrainingArguments:
    values: dict[str, Any] = {
        "experiment_dir": str(directory),
        "learning_rate": 1e-3,
        "train_batch_size": 8,
        "max_steps": 40,
        "eval_steps": 20,
        "max_seeds": 1,
        "decoder_eval_lrs": [0.5, 0.05],
    }
    values.update(overrides)
    return TrainingArguments.model_validate(values)


class Recorder:
    """Wraps every definition hook and records the calls (hookwrapper style, new-style ``wrapper``)."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def _record(self, name: str) -> Generator[None, Any, Any]:
        self.calls.append(name)
        result = yield
        return result

    @hookimpl(wrapper=True)
    def gradiend_create_training_data(self, trainer: Any, split: str, max_size: Any) -> Any:
        return (yield from self._record("gradiend_create_training_data"))

    @hookimpl(wrapper=True)
    def gradiend_create_gradient_training_dataset(self, trainer: Any) -> Any:
        return (yield from self._record("gradiend_create_gradient_training_dataset"))

    @hookimpl(wrapper=True)
    def gradiend_create_decoder_eval_data(self, trainer: Any) -> Any:
        return (yield from self._record("gradiend_create_decoder_eval_data"))

    @hookimpl(wrapper=True)
    def gradiend_decoder_eval_targets(self, trainer: Any) -> Any:
        return (yield from self._record("gradiend_decoder_eval_targets"))

    @hookimpl(wrapper=True)
    def gradiend_evaluate_base_model(self, trainer: Any) -> Any:
        return (yield from self._record("gradiend_evaluate_base_model"))

    @hookimpl(wrapper=True)
    def gradiend_analyze_encoder(self, trainer: Any) -> Any:
        return (yield from self._record("gradiend_analyze_encoder"))


def test_every_hook_spec_is_documented() -> None:
    assert SPEC_NAMES, "no hook specs found"
    for name in SPEC_NAMES:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 80, f"{name} needs a docstring that explains when it is called and its arguments"
        assert "Returns" in doc or "Args" in doc, name
    assert set(hookspecs.DEFINITION_HOOKS) | {"gradiend_register_modalities"} == set(SPEC_NAMES)


def test_every_definition_hook_is_called_by_a_full_run(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(args=_args(tmp_path))
    recorder = Recorder()
    trainer.register_plugin(recorder)
    trainer.train()
    trainer.evaluate_encoder()
    trainer.evaluate_decoder()
    trainer.hook.gradiend_decoder_eval_targets(trainer=trainer)
    assert set(hookspecs.DEFINITION_HOOKS) <= set(recorder.calls)


def test_a_plugin_can_replace_one_step(tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]) -> None:
    class HalfTheData:
        @hookimpl(tryfirst=True)
        def gradiend_create_training_data(
            self, trainer: ToyTrainer, split: str, max_size: Any
        ) -> pd.DataFrame:
            return trainer.create_training_data(split=split, max_size=5)

    trainer = make_toy_trainer(args=_args(tmp_path))
    plugin = HalfTheData()
    trainer.register_plugin(plugin)
    metrics = trainer.evaluate_encoder(model_with_gradiend=trainer.create_model_with_gradiend())
    training_rows = metrics["n_samples"] - len(trainer.create_neutral_data("test"))
    assert training_rows == 10, "five rows per class from the overriding plugin"
    trainer.unregister_plugin(plugin)
    full = trainer.evaluate_encoder(model_with_gradiend=trainer.create_model_with_gradiend())
    assert full["n_samples"] > metrics["n_samples"]


def test_a_plugin_returning_none_falls_through_to_the_default(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    class Observer:
        seen: ClassVar[list[str]] = []

        @hookimpl(tryfirst=True)
        def gradiend_decoder_eval_targets(self, trainer: ToyTrainer) -> None:
            self.seen.append("called")
            return None

    trainer = make_toy_trainer(args=_args(tmp_path))
    observer = Observer()
    trainer.register_plugin(observer)
    assert trainer.hook.gradiend_decoder_eval_targets(trainer=trainer) == {"a": ["a"], "b": ["b"]}
    assert observer.seen == ["called"]


def test_hook_overrides_apply_to_one_trainer_only(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    class FixedScore:
        @hookimpl(tryfirst=True)
        def gradiend_evaluate_base_model(self) -> BaseModelScores:
            return BaseModelScores(
                probabilities={"a": {"a": 0.5, "b": 0.5}, "b": {"a": 0.5, "b": 0.5}}, lms=0.25
            )

    first = make_toy_trainer(args=_args(tmp_path / "1"))
    second = make_toy_trainer(args=_args(tmp_path / "2"))
    first.register_plugin(FixedScore())
    data = first.create_decoder_eval_data()
    kwargs = {"base_model": first.base_model, "eval_data": data, "batch_size": 8}
    assert first.hook.gradiend_evaluate_base_model(trainer=first, **kwargs).lms == 0.25
    assert second.hook.gradiend_evaluate_base_model(trainer=second, **kwargs).lms != 0.25


def test_subclassing_overrides_a_step_too(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    class SmallToyTrainer(ToyTrainer):
        def create_training_data(self, split: str = "train", max_size: int | None = None) -> pd.DataFrame:
            return super().create_training_data(split=split, max_size=3)

    trainer = make_toy_trainer(args=_args(tmp_path), trainer_cls=SmallToyTrainer)
    rows = trainer.hook.gradiend_create_training_data(trainer=trainer, split="train", max_size=None)
    assert len(rows) == 6


def test_registering_an_object_without_hooks_fails(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    trainer = make_toy_trainer(args=_args(tmp_path))
    with pytest.raises(ValueError, match="implements no gradiend hook"):
        trainer.register_plugin(object())


def test_a_misspelt_hook_name_is_rejected(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    class Typo:
        @hookimpl
        def gradiend_create_trainingdata(self) -> None:
            return None

    trainer = make_toy_trainer(args=_args(tmp_path))
    with pytest.raises(Exception, match="gradiend_create_trainingdata"):
        trainer.register_plugin(Typo())


def test_the_shipped_contract_checker_accepts_the_toy_modality(
    make_toy_trainer: Callable[..., ToyTrainer],
) -> None:
    from gradiend.testing import check_definition_contract

    check_definition_contract(make_toy_trainer(args=None))


def test_the_contract_checker_names_a_broken_step() -> None:
    from gradiend.testing import check_definition_contract

    class WrongLabels(ToyTrainer):
        def create_training_data(self, split: str = "train", max_size: int | None = None) -> pd.DataFrame:
            rows = super().create_training_data(split=split, max_size=max_size)
            rows["label"] = -rows["label"]
            return rows

    with pytest.raises(AssertionError, match="labels must be"):
        check_definition_contract(WrongLabels(target_classes=["a", "b"]))
