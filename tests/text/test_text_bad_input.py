"""Bad text input gets a clear error before any gradient, naming the row, word, file or path."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gradiend.testing import quick_arguments
from gradiend_text.scoring import language_modeling_score
from gradiend_text.testing import TinyLM, gender_template_frame
from gradiend_text.trainer import TextPredictionTrainer


def _data() -> pd.DataFrame:
    return gender_template_frame(30, seed=3, classes=("he", "she"))


def _trainer(model: str, data: pd.DataFrame, directory: Path, **overrides: object) -> TextPredictionTrainer:
    args = quick_arguments(directory, **{"max_steps": 4, "eval_steps": 2, **overrides})
    return TextPredictionTrainer(model=model, data=data, target_classes=["he", "she"], args=args)


def test_nan_class_names_are_refused_naming_the_rows(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    data = _data()
    data.loc[[4, 7], "label_class"] = np.nan
    with pytest.raises(ValueError, match=r"2 rows have no class .*label_class.*\[4, 7\]"):
        _trainer(tiny_mlm.path, data, tmp_path)


def test_the_same_word_for_both_classes_is_refused(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    data = _data()
    data["alternative"] = data["label"]  # "he" vs "he": nothing to contrast
    with pytest.raises(ValueError, match="same target word for both classes"):
        _trainer(tiny_mlm.path, data, tmp_path)


def test_a_text_longer_than_the_position_limit_names_the_row(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    data = _data()
    data.loc[5, "masked"] = "the boy said that " * 200 + "[MASK] left."
    trainer = _trainer(tiny_mlm.path, data, tmp_path)
    with pytest.raises(ValueError, match=r"row 5 is \d+ tokens long .* at most \d+ positions"):
        trainer.train()
    assert not (tmp_path / "model").exists()


def test_a_target_word_outside_the_vocabulary_is_named(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    data = _data()
    data.loc[data["label_class"] == "she", "label"] = "zyxqv"
    trainer = _trainer(tiny_mlm.path, data, tmp_path)
    with pytest.raises(ValueError, match=r"'zyxqv' is not in the vocabulary"):
        trainer.train()


def test_too_small_splits_give_the_counts(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    data = _data()
    data["split"] = ["validation" if c == "she" else "train" for c in data["label_class"]]
    with pytest.raises(
        ValueError, match=r"train split has no row of \['she'\].*train: \{'he': 30, 'she': 0\}"
    ):
        _trainer(tiny_mlm.path, data, tmp_path).train()


def test_a_gradiend_checkpoint_or_a_missing_path_as_model_is_explained(
    tiny_mlm: TinyLM, tmp_path: Path
) -> None:
    trainer = _trainer(tiny_mlm.path, _data(), tmp_path / "run", max_seeds=1)
    trainer.train()
    with pytest.raises(ValueError, match="is a GRADIEND checkpoint, not a base model"):
        _trainer(trainer.model_path, _data(), tmp_path / "other")
    missing = str(tmp_path / "no" / "such" / "model")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        _trainer(missing, _data(), tmp_path / "other")


def test_a_corrupt_base_model_config_names_the_file(tiny_mlm: TinyLM, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny_mlm.path, broken)
    (broken / "config.json").write_text('{"model_type": "be')
    with pytest.raises(OSError, match=r"config\.json"):
        _ = _trainer(str(broken), _data(), tmp_path / "run").base_model


def test_trust_remote_code_is_passed_to_the_loaders(tiny_clm: TinyLM, tmp_path: Path) -> None:
    custom = tmp_path / "custom"
    shutil.copytree(tiny_clm.path, custom)
    (custom / "custom_gpt2.py").write_text(
        "from transformers import GPT2Config, GPT2LMHeadModel\n\n\n"
        "class CustomConfig(GPT2Config):\n    model_type = 'custom_gpt2'\n\n\n"
        "class CustomModel(GPT2LMHeadModel):\n    config_class = CustomConfig\n"
    )
    config = json.loads((custom / "config.json").read_text())
    config["model_type"] = "custom_gpt2"
    config["auto_map"] = {
        "AutoConfig": "custom_gpt2.CustomConfig",
        "AutoModelForCausalLM": "custom_gpt2.CustomModel",
    }
    (custom / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="trust_remote_code"):
        _ = _trainer(str(custom), _data(), tmp_path / "a").base_model
    trusted = _trainer(str(custom), _data(), tmp_path / "b", trust_remote_code=True)
    assert type(trusted.base_model).__name__ == "CustomModel"


def test_the_utility_score_reads_up_to_the_model_limit(tiny_clm: TinyLM) -> None:
    from gradiend_text.models import load_text_model

    model, tokenizer = load_text_model(tiny_clm.path)
    limit = model.config.n_positions
    long_text = " ".join(["the cat sat on the mat."] * 60)
    assert len(tokenizer(long_text)["input_ids"]) > limit
    default = language_modeling_score(model, tokenizer, [long_text], "clm")
    assert default == language_modeling_score(model, tokenizer, [long_text], "clm", max_length=limit)
    assert default != language_modeling_score(model, tokenizer, [long_text], "clm", max_length=limit // 4)
