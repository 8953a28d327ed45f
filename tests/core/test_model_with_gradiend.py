"""ModelWithGradiend: encoding, rewriting, devices and the checkpoint round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from gradiend.model import (
    GradiendModel,
    ModelWithGradiend,
    ParamMap,
    is_gradiend_checkpoint,
    load_training_arguments,
    load_training_stats,
    read_checkpoint_config,
)

NAMES = ["0.weight", "0.bias", "2.weight", "2.bias"]


def make_mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))


def make_model(
    pruned: bool = False, dtype: torch.dtype = torch.float32, latent_dim: int = 1
) -> ModelWithGradiend:
    base = make_mlp()
    param_map = ParamMap.from_model(base, NAMES)
    if pruned:
        param_map = param_map.select(torch.tensor([1, 6, 19, 22, 30, 31, 42]))
    torch.manual_seed(1)
    gradiend = GradiendModel(param_map.size, latent_dim, dtype=dtype)
    return ModelWithGradiend(base, gradiend, param_map, "local/mlp", metadata={"run": 3})


def flat_gradient(model: ModelWithGradiend, seed: int) -> torch.Tensor:
    torch.manual_seed(seed)
    params = model.param_map.parameters(model.base_model)
    loss = model.base_model(torch.randn(6, 4)).pow(2).mean()
    return model.param_map.flatten(torch.autograd.grad(loss, params))


def test_construction_checks_sizes_and_parameters() -> None:
    base = make_mlp()
    param_map = ParamMap.from_model(base, NAMES)
    with pytest.raises(ValueError, match=r"gradiend.input_dim \(10\) must equal param_map.size \(43\)"):
        ModelWithGradiend(base, GradiendModel(10), param_map, "x")
    with pytest.raises(ValueError, match=r"no parameter '0\.weight'"):
        ModelWithGradiend(nn.Linear(2, 2), GradiendModel(43), param_map, "x")


def test_encode_gradient_and_decoder_delta() -> None:
    model = make_model(dtype=torch.bfloat16)
    gradient = flat_gradient(model, 0)
    h = model.encode_gradient(gradient)
    assert h.shape == (1,) and h.dtype == torch.bfloat16
    batch = torch.stack([gradient, flat_gradient(model, 1)])
    assert model.encode_gradient(batch).shape == (2, 1)
    delta = model.decoder_delta(-1.0)
    assert delta.shape == (43,) and delta.dtype == torch.float32
    assert model.device == model.gradiend_device == torch.device("cpu")


def test_rewrite_copy_and_inplace() -> None:
    model = make_model(pruned=True)
    before = {n: p.detach().clone() for n, p in model.base_model.named_parameters()}
    rewritten = model.rewrite(feature_factor=1.0, learning_rate=0.1)
    assert rewritten is not model.base_model
    for name, param in model.base_model.named_parameters():
        assert torch.equal(param, before[name])  # the base model is untouched
    expected = model.param_map.flatten([before[n] for n in NAMES]) + 0.1 * model.decoder_delta(1.0)
    got = model.param_map.flatten([p.detach() for p in model.param_map.parameters(rewritten)])
    torch.testing.assert_close(got, expected)
    rewritten_params = dict(rewritten.named_parameters())
    unkept = rewritten_params["0.weight"].detach().reshape(-1)[0]
    assert unkept == before["0.weight"].reshape(-1)[0]  # position 0 is not kept

    same = model.rewrite(1.0, 0.1, inplace=True)
    assert same is model.base_model
    assert torch.equal(dict(same.named_parameters())["2.bias"], rewritten_params["2.bias"])


@pytest.mark.parametrize(
    ("pruned", "dtype", "latent_dim"),
    [(False, torch.float32, 1), (True, torch.float32, 2), (True, torch.bfloat16, 1)],
)
def test_save_load_round_trip_reproduces_encodings(
    tmp_path: Path, pruned: bool, dtype: torch.dtype, latent_dim: int
) -> None:
    model = make_model(pruned=pruned, dtype=dtype, latent_dim=latent_dim)
    gradients = torch.stack([flat_gradient(model, s) for s in range(3)])
    out = model.save_pretrained(tmp_path / "ckpt", training_stats={"best_step": 5}, arguments={"lr": 1e-3})
    assert out == tmp_path / "ckpt"
    files = sorted(p.name for p in out.iterdir())
    assert files == ["README.md", "config.json", "model.safetensors", "training.json", "training_args.json"]
    config = json.loads((out / "config.json").read_text())
    assert config["format"] == "gradiend" and config["format_version"] == 1
    assert config["architecture"] == "GradiendModel" and config["base_model_id"] == "local/mlp"
    assert read_checkpoint_config(out) == config
    assert is_gradiend_checkpoint(out)

    loaded = ModelWithGradiend.from_pretrained(out, make_mlp())
    assert loaded.param_map == model.param_map
    assert loaded.gradiend.config == model.gradiend.config
    assert loaded.metadata == {"run": 3} and loaded.base_model_id == "local/mlp"
    assert torch.equal(loaded.encode_gradient(gradients), model.encode_gradient(gradients))
    assert torch.equal(loaded.decoder_delta(1.0), model.decoder_delta(1.0))
    assert load_training_stats(out) == {"best_step": 5}
    assert load_training_arguments(out) == {"lr": 1e-3}


def test_optional_files_absent(tmp_path: Path) -> None:
    out = make_model().save_pretrained(tmp_path / "ckpt")
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "config.json", "model.safetensors"]
    assert load_training_stats(out) is None
    assert load_training_arguments(out) is None


def test_resave_replaces_and_foreign_directory_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "ckpt"
    make_model().save_pretrained(out, training_stats={"old": True})
    make_model(pruned=True).save_pretrained(out)
    assert load_training_stats(out) is None  # the old directory was replaced as a whole
    assert read_checkpoint_config(out)["gradiend"]["input_dim"] == 7
    foreign = tmp_path / "results"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match="not a GRADIEND checkpoint"):
        make_model().save_pretrained(foreign)
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_failed_save_keeps_previous_checkpoint(tmp_path: Path) -> None:
    out = tmp_path / "ckpt"
    model = make_model()
    model.save_pretrained(out, training_stats={"step": 1})
    model.metadata["bad"] = object()  # not JSON-able: writing config.json fails mid-save
    with pytest.raises(TypeError, match="not JSON serializable"):
        model.save_pretrained(out, training_stats={"step": 2})
    assert load_training_stats(out) == {"step": 1}
    assert ModelWithGradiend.from_pretrained(out, make_mlp()).metadata == {"run": 3}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]  # no temporary leftovers


def test_from_pretrained_rejects_mismatched_base_model(tmp_path: Path) -> None:
    out = make_model().save_pretrained(tmp_path / "ckpt")
    from gradiend.model import CheckpointError

    with pytest.raises(CheckpointError, match=r"base model does not fit the checkpoint .*ckpt"):
        ModelWithGradiend.from_pretrained(out, nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3)))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_devices_cuda(tmp_path: Path) -> None:
    model = make_model(pruned=True).cuda()
    assert model.device.type == "cuda" and model.gradiend_device.type == "cuda"
    gradient = flat_gradient(model, 0)
    assert gradient.device.type == "cuda"
    rewritten = model.rewrite(1.0, 0.1)
    assert next(rewritten.parameters()).device.type == "cuda"
    model.gradiend_to("cpu")
    assert model.encode_gradient(gradient).device.type == "cpu"
    out = model.save_pretrained(tmp_path / "ckpt")
    loaded = ModelWithGradiend.from_pretrained(out, make_mlp().cuda())
    assert loaded.gradiend_device.type == "cuda"
    model.cpu()
    assert model.device.type == "cpu"
