"""One name per definition step, deprecated aliases that still work, and managers that reject wrong hooks."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pluggy
import pytest
from gradiend_toy import ToyTrainer

from gradiend.definition import DEFINITION_STEPS, DEPRECATED_STEP_NAMES, FeatureLearningDefinition
from gradiend.plugins import (
    DecoderEvalData,
    ModalityRegistrar,
    Trainer,
    get_registry,
    hookimpl,
    hookspecs,
    register_plugin,
)
from gradiend.trainer.hook_relay import DEFINITION_HOOKS, create_hook_relay


def test_each_step_has_one_name_for_method_and_hook() -> None:
    assert tuple(f"gradiend_{step}" for step in DEFINITION_STEPS) == DEFINITION_HOOKS
    relay = create_hook_relay()
    for step in DEFINITION_STEPS:
        method = inspect.signature(getattr(FeatureLearningDefinition, step))
        spec = getattr(relay.hook, f"gradiend_{step}").spec
        assert spec is not None, step
        assert spec.argnames == ("trainer", *list(method.parameters)[1:]), step
        assert inspect.getdoc(getattr(FeatureLearningDefinition, step)) in (spec.function.__doc__ or "")
    assert {f"gradiend_{step}" for step in DEFINITION_STEPS} < set(vars(hookspecs))


def test_no_required_method_looks_private() -> None:
    assert not [name for name in FeatureLearningDefinition.__abstractmethods__ if name.startswith("_")]


def test_old_method_names_still_work_and_warn(make_toy_trainer: Callable[..., ToyTrainer]) -> None:
    trainer = make_toy_trainer(args=None)
    with pytest.warns(DeprecationWarning, match="call decoder_eval_targets"):
        assert trainer._get_decoder_eval_targets() == trainer.decoder_eval_targets()
    with pytest.warns(DeprecationWarning, match="call create_decoder_eval_data"):
        old = trainer._get_decoder_eval_dataframe(max_size_training_like=3, max_size_neutral=2)
    new = trainer.create_decoder_eval_data(max_size_training_like=3, max_size_neutral=2)
    pd.testing.assert_frame_equal(old.training_like, new.training_like)
    assert set(DEPRECATED_STEP_NAMES.values()) <= set(DEFINITION_STEPS)


def test_a_subclass_written_with_the_old_names_keeps_working() -> None:
    with pytest.warns(DeprecationWarning, match="_get_decoder_eval_targets is deprecated"):

        class OldStyle(ToyTrainer):
            def _get_decoder_eval_targets(self) -> dict[str, list[str]]:
                return {"a": ["old-a"], "b": ["old-b"]}

    trainer = OldStyle(target_classes=["a", "b"])
    expected = {"a": ["old-a"], "b": ["old-b"]}
    assert trainer.decoder_eval_targets() == expected
    assert trainer.hook.gradiend_decoder_eval_targets(trainer=trainer) == expected


def test_a_plugin_with_the_old_hook_name_keeps_working(make_toy_trainer: Callable[..., ToyTrainer]) -> None:
    class OldHook:
        @hookimpl(tryfirst=True)
        def gradiend_decoder_eval_dataframe(
            self, trainer: Any, max_size_training_like: Any, max_size_neutral: Any
        ) -> DecoderEvalData:
            rows = trainer.create_training_data(split="test", max_size=1)
            return DecoderEvalData(training_like=rows, neutral=rows.iloc[:0])

    trainer = make_toy_trainer(args=None)
    plugin = OldHook()
    with pytest.warns(DeprecationWarning, match="rename it gradiend_create_decoder_eval_data"):
        trainer.register_plugin(plugin)
    call = {"trainer": trainer, "max_size_training_like": None, "max_size_neutral": None}
    assert len(trainer.hook.gradiend_create_decoder_eval_data(**call).training_like) == 2
    trainer.unregister_plugin(plugin)
    assert len(trainer.hook.gradiend_create_decoder_eval_data(**call).training_like) > 2


def test_a_registration_hook_on_a_trainer_is_rejected_at_registration(
    tmp_path: Path, make_toy_trainer: Callable[..., ToyTrainer]
) -> None:
    class Registers:
        @hookimpl
        def gradiend_register_modalities(self, register: ModalityRegistrar) -> None:
            return None

    trainer = make_toy_trainer(args=None)
    plugin = Registers()
    with pytest.raises(pluggy.PluginValidationError, match="process-wide manager"):
        trainer.register_plugin(plugin)
    assert not trainer._hook_manager.is_registered(plugin), "a rejected plugin is not left registered"


def test_a_misspelt_registration_hook_is_rejected(fresh_plugins: None) -> None:
    class Typo:
        @hookimpl
        def gradiend_register_modality(self, register: ModalityRegistrar) -> None:
            register.add_modality("typo", ToyTrainer)

    with pytest.raises(pluggy.PluginValidationError, match="Did you mean gradiend_register_modalities"):
        register_plugin(Typo(), name="typo")
    assert "typo" not in get_registry().names()


def test_a_definition_hook_on_the_process_wide_manager_is_rejected(fresh_plugins: None) -> None:
    class WrongManager:
        @hookimpl
        def gradiend_create_training_data(self, trainer: Any, split: str, max_size: Any) -> None:
            return None

    plugin = WrongManager()
    with pytest.raises(pluggy.PluginValidationError, match="gradiend_create_training_data"):
        register_plugin(plugin, name="wrong")
    from gradiend.plugins import get_plugin_manager

    assert not get_plugin_manager().is_registered(plugin), "a rejected plugin is not left registered"


def test_each_manager_holds_only_its_own_specs(fresh_plugins: None) -> None:
    from gradiend.plugins import get_plugin_manager

    global_hooks = {name for name in vars(get_plugin_manager().hook) if name.startswith("gradiend_")}
    relay_hooks = {name for name in vars(create_hook_relay().hook) if name.startswith("gradiend_")}
    assert global_hooks == {"gradiend_register_modalities"}
    assert relay_hooks == set(DEFINITION_HOOKS)


def test_the_checkpoint_name_of_a_trainer_must_be_registered_for_it(fresh_plugins: None) -> None:
    class Renamed(ToyTrainer):
        MODALITY_NAME = "renamed"

    class Registers:
        @hookimpl
        def gradiend_register_modalities(self, register: ModalityRegistrar) -> None:
            register.add_modality("other-name", Renamed)
            register.add_modality("toy-alias", ToyTrainer)

    register_plugin(Registers(), name="renames")
    assert get_registry().trainer_class("toy-alias") is ToyTrainer, "an alias of a registered name is fine"
    with pytest.raises(ValueError, match="record MODALITY_NAME 'renamed'"):
        Trainer.for_modality("other-name")


def test_an_installed_plugin_with_a_misspelt_hook_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradiend.plugins import create_plugin_manager

    package = tmp_path / "gradiend_typo_plugin"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from gradiend.plugins import hookimpl\n\n\n"
        "@hookimpl\ndef gradiend_register_modality(register):\n    pass\n"
    )
    dist_info = tmp_path / "gradiend_typo-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: gradiend-typo\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text("[gradiend]\ntypo = gradiend_typo_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(pluggy.PluginValidationError, match="'typo' from gradiend-typo") as caught:
        create_plugin_manager(autoload=True)
    assert "Did you mean gradiend_register_modalities" in str(caught.value)
