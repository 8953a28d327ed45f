"""GradiendModel: shapes, initialisation, sign flips, importance, input selection, config and save/load."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gradiend.model import CheckpointError, GradiendModel


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)


@pytest.mark.parametrize("latent_dim", [1, 3])
def test_encode_decode_shapes(latent_dim: int) -> None:
    model = GradiendModel(20, latent_dim)
    batch = torch.randn(4, 20)
    reconstruction, h = model(batch)
    assert h.shape == (4, latent_dim)
    assert reconstruction.shape == (4, 20)
    assert model.encode(torch.randn(20)).shape == (latent_dim,)
    assert model.decode(torch.zeros(latent_dim)).shape == (20,)
    assert bool((h.abs() < 1).all())  # tanh
    torch.testing.assert_close(reconstruction, model.decode(h))


def test_encode_rejects_wrong_width() -> None:
    model = GradiendModel(20)
    with pytest.raises(ValueError, match="input_dim=20"):
        model.encode(torch.randn(3, 19))
    with pytest.raises(ValueError, match="latent_dim=1"):
        model.decode(torch.randn(3, 2))


def test_decoder_initialised_on_encoder_scale() -> None:
    model = GradiendModel(5000, 2)
    scale = float(model.encoder.weight.detach().abs().max())
    assert float(model.decoder.weight.detach().abs().max()) <= scale
    assert float(model.decoder.bias.detach().abs().max()) <= scale
    # uniform(-x, x): with 10,000 draws the extremes come close to x and both signs occur
    assert float(model.decoder.weight.detach().abs().max()) > 0.95 * scale
    assert float(model.decoder.weight.detach().min()) < 0 < float(model.decoder.weight.detach().max())


def test_activation_names_and_validation() -> None:
    model = GradiendModel(4, activation_encoder="ReLU", activation_decoder="id")
    assert model.activation_encoder == "relu"
    assert model.activation_decoder == "identity"
    with pytest.raises(ValueError, match=r"activation_encoder must be one of .*'tanh'.*got 'swishy'"):
        GradiendModel(4, activation_encoder="swishy")
    with pytest.raises(ValueError, match="input_dim must be an integer >= 1, got 0"):
        GradiendModel(0)
    with pytest.raises(ValueError, match="latent_dim must be an integer >= 1"):
        GradiendModel(3, latent_dim=-1)
    with pytest.raises(ValueError, match="dtype must be one of"):
        GradiendModel(3, dtype=torch.int64)


def test_decoder_direction_is_f_times_weight_plus_bias() -> None:
    model = GradiendModel(10)
    direction = model.decoder_direction(-2.0)
    expected = -2.0 * model.decoder.weight[:, 0] + model.decoder.bias
    torch.testing.assert_close(direction, expected.detach())
    assert direction.dtype == torch.float32
    assert not direction.requires_grad

    wide = GradiendModel(10, 2, bias_decoder=False)
    torch.testing.assert_close(
        wide.decoder_direction([1.0, 3.0]),
        (wide.decoder.weight @ torch.tensor([1.0, 3.0])).detach(),
    )
    with pytest.raises(ValueError, match="feature_factor must be a number or 2 numbers"):
        wide.decoder_direction([1.0, 2.0, 3.0])


def test_decoder_direction_float32_for_bf16_weights() -> None:
    model = GradiendModel(10, dtype=torch.bfloat16)
    direction = model.decoder_direction(1.0)
    assert direction.dtype == torch.float32
    expected = model.decoder.weight[:, 0].float() + model.decoder.bias.float()
    torch.testing.assert_close(direction, expected.detach())


def test_flip_sign_negates_h_and_keeps_reconstruction() -> None:
    model = GradiendModel(30, 2, dtype=torch.float64)
    x = torch.randn(5, 30, dtype=torch.float64)
    reconstruction, h = model(x)
    model.flip_sign_()
    flipped_reconstruction, flipped_h = model(x)
    torch.testing.assert_close(flipped_h, -h)
    torch.testing.assert_close(flipped_reconstruction, reconstruction)

    model.flip_sign_(dims=[1])
    partial_reconstruction, partial_h = model(x)
    torch.testing.assert_close(partial_h[:, 0], -h[:, 0])
    torch.testing.assert_close(partial_h[:, 1], h[:, 1])
    torch.testing.assert_close(partial_reconstruction, reconstruction)


def test_flip_sign_needs_odd_activation() -> None:
    with pytest.raises(ValueError, match="odd encoder activation"):
        GradiendModel(4, activation_encoder="sigmoid").flip_sign_()
    with pytest.raises(ValueError, match=r"dims must lie in \[0, 1\)"):
        GradiendModel(4).flip_sign_(dims=[1])


def test_input_importance_parts() -> None:
    model = GradiendModel(8)
    weight, bias = model.decoder.weight.detach(), model.decoder.bias.detach()
    torch.testing.assert_close(model.input_importance("decoder-weight"), weight[:, 0].abs())
    torch.testing.assert_close(model.input_importance("decoder-bias"), bias.abs())
    torch.testing.assert_close(model.input_importance("decoder-sum"), (weight[:, 0] + bias).abs())
    torch.testing.assert_close(
        model.input_importance("encoder-weight"), model.encoder.weight[0].detach().abs()
    )

    wide = GradiendModel(8, 3, bias_decoder=False)
    torch.testing.assert_close(wide.input_importance(), wide.decoder.weight.detach().norm(dim=1))
    torch.testing.assert_close(
        wide.input_importance("decoder-sum"), wide.decoder.weight.detach().sum(1).abs()
    )
    with pytest.raises(ValueError, match="needs a decoder bias"):
        wide.input_importance("decoder-bias")
    with pytest.raises(ValueError, match=r"part must be one of .*'decoder-weight'.*got 'weights'"):
        model.input_importance("weights")


def test_select_inputs_matches_zeroed_full_input() -> None:
    model = GradiendModel(12, 2)
    keep = torch.tensor([9, 0, 4, 5])  # unsorted on purpose: the selection sorts it
    sorted_keep = keep.sort().values
    small = model.select_inputs(keep)
    assert small.input_dim == 4
    assert small.config == {**model.config, "input_dim": 4}

    x = torch.randn(3, 12)
    zeroed = torch.zeros_like(x)
    zeroed[:, sorted_keep] = x[:, sorted_keep]
    torch.testing.assert_close(small.encode(x[:, sorted_keep]), model.encode(zeroed))
    h = torch.randn(3, 2)
    torch.testing.assert_close(small.decode(h), model.decode(h)[:, sorted_keep])
    torch.testing.assert_close(small.decoder_direction(1.0), model.decoder_direction(1.0)[sorted_keep])

    mask = torch.zeros(12, dtype=torch.bool)
    mask[sorted_keep] = True
    torch.testing.assert_close(model.select_inputs(mask).encoder.weight, small.encoder.weight)
    assert all(p.requires_grad for p in small.parameters())


def test_select_inputs_validates_keep() -> None:
    model = GradiendModel(6)
    with pytest.raises(ValueError, match="must not repeat"):
        model.select_inputs(torch.tensor([1, 1]))
    with pytest.raises(ValueError, match=r"must lie in \[0, 6\)"):
        model.select_inputs(torch.tensor([2, 6]))
    with pytest.raises(ValueError, match="at least one"):
        model.select_inputs(torch.tensor([], dtype=torch.long))
    with pytest.raises(ValueError, match="integer"):
        model.select_inputs(torch.tensor([0.5]))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_weights(dtype: torch.dtype) -> None:
    model = GradiendModel(16, dtype=dtype)
    assert model.dtype == dtype
    assert model.config["dtype"] == str(dtype).removeprefix("torch.")
    reconstruction, h = model(torch.randn(2, 16))
    assert reconstruction.dtype == h.dtype == dtype
    assert model.num_parameters() == 3 * 16 + 1


def test_config_round_trip_and_validation() -> None:
    model = GradiendModel(7, 2, "relu", "tanh", bias_decoder=False, dtype="bfloat16")
    rebuilt = GradiendModel.from_config(model.config)
    assert rebuilt.config == model.config
    with pytest.raises(ValueError, match=r"unknown \['extra'\]"):
        GradiendModel.from_config({**model.config, "extra": 1})


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_bare_network_save_load_exact(tmp_path: Path, dtype: torch.dtype) -> None:
    model = GradiendModel(25, 2, dtype=dtype)
    x = torch.randn(4, 25)
    model.save_pretrained(tmp_path / "net")
    assert sorted(p.name for p in (tmp_path / "net").iterdir()) == [
        "gradiend_config.json",
        "model.safetensors",
    ]
    loaded = GradiendModel.from_pretrained(tmp_path / "net")
    assert loaded.config == model.config
    assert torch.equal(loaded.encode(x), model.encode(x))
    assert torch.equal(loaded.decoder_direction(1.0), model.decoder_direction(1.0))
    assert all(p.requires_grad and p.device.type == "cpu" for p in loaded.parameters())


def test_bare_network_load_errors(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="not a GRADIEND checkpoint"):
        GradiendModel.from_pretrained(tmp_path)
    GradiendModel(5).save_pretrained(tmp_path / "net")
    (tmp_path / "net" / "model.safetensors").write_bytes(b"\x00" * 3)
    with pytest.raises(CheckpointError, match=r"model\.safetensors is not a readable safetensors file"):
        GradiendModel.from_pretrained(tmp_path / "net")
