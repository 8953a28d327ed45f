"""Checkpoint validation: every broken checkpoint raises CheckpointError naming the file and the fault."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file
from torch import nn

from gradiend.model import (
    CheckpointError,
    GradiendModel,
    ModelWithGradiend,
    ParamMap,
    is_gradiend_checkpoint,
    read_checkpoint_config,
)


def make_mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))


@pytest.fixture
def checkpoint(tmp_path: Path) -> Path:
    base = make_mlp()
    param_map = ParamMap.from_model(base, ["0.weight", "2.bias"]).select(torch.tensor([0, 5, 21, 22]))
    model = ModelWithGradiend(base, GradiendModel(param_map.size), param_map, "local/mlp")
    return model.save_pretrained(tmp_path / "ckpt")


def edit_config(directory: Path, **changes: object) -> None:
    path = directory / "config.json"
    config = json.loads(path.read_text())
    config.update(changes)
    path.write_text(json.dumps(config))


def test_missing_directory_and_config(tmp_path: Path) -> None:
    missing = re.escape(f"not a GRADIEND checkpoint: {tmp_path / 'nope'} is not a directory")
    with pytest.raises(CheckpointError, match=missing):
        read_checkpoint_config(tmp_path / "nope")
    no_config = re.escape(f"not a GRADIEND checkpoint: {tmp_path} has no config.json")
    with pytest.raises(CheckpointError, match=no_config):
        read_checkpoint_config(tmp_path)
    assert not is_gradiend_checkpoint(tmp_path)


def test_corrupt_config(checkpoint: Path) -> None:
    (checkpoint / "config.json").write_text('{"format": "gradiend", "form')
    with pytest.raises(CheckpointError, match=r"config\.json is not valid JSON"):
        read_checkpoint_config(checkpoint)
    assert not is_gradiend_checkpoint(checkpoint)


def test_wrong_format_and_version(checkpoint: Path) -> None:
    edit_config(checkpoint, format_version=2)
    with pytest.raises(CheckpointError, match="unsupported format_version 2"):
        read_checkpoint_config(checkpoint)
    edit_config(checkpoint, format="transformers", format_version=1)
    with pytest.raises(CheckpointError, match=r"config\.json has format 'transformers', expected 'gradiend'"):
        read_checkpoint_config(checkpoint)
    assert not is_gradiend_checkpoint(checkpoint)


def test_missing_keys_and_bad_network_config(checkpoint: Path) -> None:
    config = json.loads((checkpoint / "config.json").read_text())
    edit_config(checkpoint, gradiend={**config["gradiend"], "latent_dim": 0})
    with pytest.raises(CheckpointError, match="latent_dim must be an integer >= 1, got 0"):
        read_checkpoint_config(checkpoint)
    edit_config(checkpoint, gradiend={**config["gradiend"], "activation_encoder": "wobble"})
    with pytest.raises(CheckpointError, match=r"config\.json: invalid GRADIEND network config: .*'wobble'"):
        ModelWithGradiend.from_pretrained(checkpoint, make_mlp())
    del config["param_map"]
    (checkpoint / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match=r"lacks the keys \['param_map'\]"):
        read_checkpoint_config(checkpoint)


def test_missing_weights(checkpoint: Path) -> None:
    (checkpoint / "model.safetensors").unlink()
    assert is_gradiend_checkpoint(checkpoint)  # the cheap test; loading reports the damage
    with pytest.raises(CheckpointError, match=r"ckpt/model\.safetensors is missing"):
        ModelWithGradiend.from_pretrained(checkpoint, make_mlp())


def test_truncated_weights(checkpoint: Path) -> None:
    weights = checkpoint / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:-7])
    with pytest.raises(CheckpointError, match=r"ckpt/model\.safetensors is not a readable safetensors file"):
        read_checkpoint_config(checkpoint)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        ModelWithGradiend.from_pretrained(checkpoint, make_mlp())


def test_garbage_weights(checkpoint: Path) -> None:
    (checkpoint / "model.safetensors").write_bytes(b"this is not a tensor file at all")
    with pytest.raises(CheckpointError, match=r"model\.safetensors is not a readable safetensors file"):
        read_checkpoint_config(checkpoint)


def test_shape_mismatch(checkpoint: Path) -> None:
    config = json.loads((checkpoint / "config.json").read_text())
    edit_config(checkpoint, gradiend={**config["gradiend"], "latent_dim": 2})
    with pytest.raises(
        CheckpointError, match=r"shape mismatch for 'encoder.weight': the config implies \[2, 4\]"
    ):
        read_checkpoint_config(checkpoint)


def test_missing_tensor_and_index_mismatch(checkpoint: Path) -> None:
    weights = checkpoint / "model.safetensors"
    network = GradiendModel(4)
    tensors = {k: v for k, v in network.weight_tensors().items() if k != "decoder.bias"}
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(weights))
    with pytest.raises(CheckpointError, match=r"lacks the tensor 'decoder.bias'"):
        read_checkpoint_config(checkpoint)
    indices = {"param_map.indices/0.weight": torch.tensor([0, 5, 7], dtype=torch.int32)}
    save_file({**network.weight_tensors(), **indices}, str(weights))
    with pytest.raises(CheckpointError, match=r"param_map.indices/0.weight'.*says 2 kept entries.*\[3\]"):
        read_checkpoint_config(checkpoint)


def test_param_map_size_must_match_input_dim(checkpoint: Path) -> None:
    config = json.loads((checkpoint / "config.json").read_text())
    config["param_map"]["kept"] = {"0.weight": 2}
    (checkpoint / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="selects 5 entries but the GRADIEND input_dim is 4"):
        read_checkpoint_config(checkpoint)
