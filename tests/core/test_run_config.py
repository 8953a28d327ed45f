"""``gradiend run``: JSON, YAML and TOML configs, validated whole (key paths in errors) before loading."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradiend.cli import main as cli_main
from gradiend.run_config import ConfigError, load_run_config, read_config_file, run_config_schema

YAML_CONFIG = """
modality: toy
trainer:
  target_classes: [a, b]
args:
  experiment_dir: {root}
  learning_rate: 1.0e-3
  train_batch_size: 8
  max_steps: 150
  eval_steps: 50
  max_seeds: 1
  decoder_eval_lrs: [1.0, 0.1, 0.01]
evaluate_decoder: true
rewrite:
  target_class: b
  output_dir: {root}/rewritten-b
"""

TOML_CONFIG = """
modality = "toy"
[trainer]
target_classes = ["a", "b"]
[args]
learning_rate = 0.001
max_steps = 20
"""


def test_the_three_formats_read_to_the_same_config(tmp_path: Path) -> None:
    data = {
        "modality": "toy",
        "trainer": {"target_classes": ["a", "b"]},
        "args": {"learning_rate": 0.001, "max_steps": 20},
    }
    (tmp_path / "c.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "c.toml").write_text(TOML_CONFIG, encoding="utf-8")
    (tmp_path / "c.yml").write_text(
        "modality: toy\ntrainer: {target_classes: [a, b]}\nargs: {learning_rate: 0.001, max_steps: 20}\n",
        encoding="utf-8",
    )
    configs = [load_run_config(tmp_path / name) for name in ("c.json", "c.toml", "c.yml")]
    assert configs[0] == configs[1] == configs[2]
    assert configs[0].args.learning_rate == 0.001 and configs[0].args.max_steps == 20


def test_misspelt_key_fails_with_its_path_before_any_model_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The model path does not exist: loading it would fail with another error, so the key check came first.
    path = tmp_path / "bad.yaml"
    path.write_text(
        "modality: toy\ntrainer:\n  model: no/such/model\nargs:\n  learnin_rate: 0.001\n", encoding="utf-8"
    )
    with pytest.raises(
        ConfigError, match=r"args\.learnin_rate: unknown key; did you mean args\.learning_rate\?"
    ):
        load_run_config(path)
    assert cli_main(["run", str(path)]) == 2
    assert "args.learnin_rate" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "modality: toy\nargs: {learning_rate: -1}\n",
            r"args\.learning_rate: Input should be greater than 0",
        ),
        (
            "modality: toy\nargs: {pre_prune_config: {topkk: 0.1}}\n",
            r"args\.pre_prune_config\.topkk: unknown key",
        ),
        ("modality: toy\nrewrite: {target_clas: b}\n", r"rewrite\.target_clas: unknown key"),
        (
            "modality: toy\ntrainer: {modell: x}\n",
            r"trainer\.modell: ToyTrainer takes no such argument; did you mean trainer\.model",
        ),
        (
            "modality: toy\nevaluate_decodr: true\n",
            r"evaluate_decodr: unknown key; did you mean evaluate_decoder",
        ),
        ("trainer: {}\n", r"modality: Field required"),
        ("- a list\n", r"the top level must be a mapping"),
        ("modality: [unclosed\n", r"not valid YAML"),
    ],
)
def test_invalid_configs_name_the_key_path(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_run_config(path)


def test_unknown_suffix_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.ini"
    path.write_text("[x]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown config format '\.ini'"):
        read_config_file(path)


def test_print_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["run", "--print-schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == run_config_schema()
    assert schema["required"] == ["modality"]
    arguments = schema["$defs"]["TrainingArguments"]["properties"]
    assert arguments["learning_rate"]["exclusiveMinimum"] == 0.0
    assert "report_to" in arguments and "disable_tqdm" in arguments


def test_yaml_config_trains_evaluates_and_rewrites(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "toy.yaml"
    path.write_text(YAML_CONFIG.format(root=tmp_path / "run"), encoding="utf-8")
    assert cli_main(["run", str(path)]) == 0
    results = json.loads(capsys.readouterr().out)
    assert abs(results["encoder"]["correlation"]) >= 0.9
    assert results["decoder"]["b"]["value"] > results["decoder"]["b"]["base_value"]
    assert results["rewritten"] == str(tmp_path / "run" / "rewritten-b")
    assert (tmp_path / "run" / "rewritten-b" / "README.md").is_file()
