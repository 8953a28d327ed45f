"""Discovery of modality plugins through the ``gradiend`` entry-point group, and the registry's errors."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from gradiend_toy import ToyTrainer

from gradiend import Trainer
from gradiend.cli import main as cli_main
from gradiend.plugins import (
    AUTOLOAD_ENV_VAR,
    DuplicateModalityError,
    UnknownModalityError,
    create_plugin_manager,
    get_registry,
    hookimpl,
    register_plugin,
    unregister_plugin,
)
from gradiend.plugins.manager import PluginLoadError
from gradiend.plugins.registry import ModalityRegistrar, build_registry


def test_the_toy_plugin_is_found_through_its_entry_point(fresh_plugins: None) -> None:
    spec = get_registry().get("toy")
    assert spec.provider == "gradiend-toy"
    assert spec.version == "0.1.0"
    assert spec.trainer_class() is ToyTrainer


def test_for_modality_returns_the_registered_trainer(fresh_plugins: None) -> None:
    trainer = Trainer.for_modality("toy", target_classes=["a", "c"])
    assert isinstance(trainer, ToyTrainer)
    assert trainer.pair == ("a", "c")


def test_plugin_exports_resolve_from_the_top_level_package(fresh_plugins: None) -> None:
    from gradiend import ToyTrainer as exported  # type: ignore[attr-defined]

    assert exported is ToyTrainer


def test_an_unknown_name_lists_what_is_installed(fresh_plugins: None) -> None:
    with pytest.raises(UnknownModalityError) as caught:
        Trainer.for_modality("audio")
    message = str(caught.value)
    assert "'toy'" in message and "installed modalities" in message
    assert "'gradiend' entry-point group" in message


def test_a_known_but_missing_modality_says_which_package_to_install() -> None:
    manager = create_plugin_manager(autoload=False)
    with pytest.raises(UnknownModalityError, match="pip install gradiend-text"):
        build_registry(manager).get("text")
    with pytest.raises(UnknownModalityError, match="Did you mean 'toy'"):
        registry = build_registry(create_plugin_manager(autoload=True))
        registry.get("toyy")


class _Impostor:
    @hookimpl
    def gradiend_register_modalities(self, register: ModalityRegistrar) -> None:
        register.add_modality("toy", "somewhere.else:Trainer")


def test_duplicate_names_fail_naming_both_providers(fresh_plugins: None) -> None:
    impostor = _Impostor()
    register_plugin(impostor, name="impostor-plugin")
    try:
        with pytest.raises(DuplicateModalityError) as caught:
            get_registry()
        assert "gradiend-toy" in str(caught.value) and "impostor-plugin" in str(caught.value)
    finally:
        unregister_plugin(impostor)
    assert get_registry().get("toy").provider == "gradiend-toy"


def test_in_process_plugins_can_add_modalities(fresh_plugins: None) -> None:
    class Extra:
        @hookimpl
        def gradiend_register_modalities(self, register: ModalityRegistrar) -> None:
            register.add_modality("toy2", ToyTrainer, description="a second name")

    plugin = Extra()
    register_plugin(plugin, name="extra")
    try:
        assert isinstance(Trainer.for_modality("toy2"), ToyTrainer)
    finally:
        unregister_plugin(plugin)
    with pytest.raises(UnknownModalityError):
        Trainer.for_modality("toy2")


def test_autoload_can_be_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(AUTOLOAD_ENV_VAR, "1")
    assert build_registry(create_plugin_manager()).names() == []
    monkeypatch.setenv(AUTOLOAD_ENV_VAR, "0")
    assert "toy" in build_registry(create_plugin_manager()).names()


def test_a_plugin_that_fails_to_import_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist_info = tmp_path / "gradiend_broken-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: gradiend-broken\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text("[gradiend]\nbroken = gradiend_broken_missing.plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginLoadError) as caught:
        create_plugin_manager(autoload=True)
    assert "'broken'" in str(caught.value) and "gradiend-broken" in str(caught.value)


def test_gradiend_plugins_lists_distribution_and_version(
    fresh_plugins: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["plugins"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("toy ")]
    assert len(lines) == 1 and "gradiend-toy 0.1.0" in lines[0]


def test_importing_gradiend_loads_no_modality_code() -> None:
    code = textwrap.dedent(
        """
        import sys
        import gradiend
        gradiend.TrainingArguments
        heavy = [m for m in ("transformers", "tokenizers", "torchvision", "datasets", "gradiend_text",
                             "gradiend_vision", "gradiend_toy") if m in sys.modules]
        print(",".join(heavy))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
