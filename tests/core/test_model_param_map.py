"""ParamMap: flattening order, pruning, in-place deltas, snapshots, tied weights and name patterns."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gradiend.model import ParamMap, normalize_keep
from gradiend.model.param_map import INDEX_KEY_PREFIX


def make_mlp() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))


class TiedLM(nn.Module):
    """An embedding tied to its output head, as in SmolLM2."""

    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Embedding(6, 4)
        self.body = nn.Linear(4, 4)
        self.head = nn.Linear(4, 6, bias=False)
        self.head.weight = self.embed.weight

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.head(torch.tanh(self.body(self.embed(ids))))


def real_grads(model: nn.Module, param_map: ParamMap) -> list[torch.Tensor]:
    params = param_map.parameters(model)
    loss = model(torch.randn(7, 4)).pow(2).sum()
    return list(torch.autograd.grad(loss, params))


NAMES = ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_flatten_order_equals_cat_of_grads() -> None:
    model = make_mlp()
    param_map = ParamMap.from_model(model, NAMES)
    assert param_map.size == 4 * 5 + 5 + 5 * 3 + 3
    assert param_map.offsets == (0, 20, 25, 40, 43)
    assert param_map.num_parameters == 4
    grads = real_grads(model, param_map)
    expected = torch.cat([g.reshape(-1) for g in grads])
    assert torch.equal(param_map.flatten(grads), expected)

    out = torch.full((param_map.size,), float("nan"))
    result = param_map.flatten(grads, out=out)
    assert result is out
    assert torch.equal(out, expected)


def test_flatten_none_grad_and_errors() -> None:
    model = make_mlp()
    param_map = ParamMap.from_model(model, ["0.bias", "2.bias"])
    flat = param_map.flatten([None, torch.ones(3)])
    assert torch.equal(flat, torch.tensor([0.0] * 5 + [1.0] * 3))
    with pytest.raises(ValueError, match="grads must hold 2 tensors"):
        param_map.flatten([torch.ones(5)])
    with pytest.raises(ValueError, match=r"gradient of '2\.bias' has 4 entries"):
        param_map.flatten([torch.ones(5), torch.ones(4)])
    with pytest.raises(ValueError, match=r"out must have shape \(8,\)"):
        param_map.flatten([torch.ones(5), torch.ones(3)], out=torch.empty(9))


def test_gather_grads_reads_dot_grad() -> None:
    model = make_mlp()
    param_map = ParamMap.from_model(model, NAMES)
    model(torch.randn(3, 4)).sum().backward()
    grads = [p.grad for p in param_map.parameters(model)]
    assert all(g is not None for g in grads)
    expected = torch.cat([g.reshape(-1) for g in grads if g is not None])
    assert torch.equal(param_map.gather_grads(model), expected)


def test_pruned_flatten_gathers_kept_entries() -> None:
    model = make_mlp()
    full = ParamMap.from_model(model, NAMES)
    keep = torch.tensor([42, 3, 0, 21, 22, 19, 30])
    pruned = full.select(keep)
    assert pruned.size == 7
    assert pruned.names == ("0.weight", "0.bias", "2.weight", "2.bias")
    assert torch.equal(pruned.indices["0.weight"], torch.tensor([0, 3, 19]))
    assert torch.equal(pruned.indices["0.bias"], torch.tensor([1, 2]))
    grads = real_grads(model, full)
    full_flat = full.flatten(grads)
    sorted_keep = keep.sort().values
    assert torch.equal(pruned.flatten(grads), full_flat[sorted_keep])
    out64 = torch.empty(7, dtype=torch.float64)
    assert torch.equal(pruned.flatten(grads, out=out64), full_flat[sorted_keep].double())


def test_select_composes_and_drops_empty_parameters() -> None:
    model = make_mlp()
    full = ParamMap.from_model(model, NAMES)
    first = full.select(torch.arange(10, 43, 2))
    second = first.select(torch.tensor([0, 1, 8, 16]))
    composed = torch.arange(10, 43, 2)[torch.tensor([0, 1, 8, 16])]
    assert second == full.select(composed)
    only_head = full.select(torch.tensor([40, 42]))
    assert only_head.names == ("2.bias",)
    assert only_head.sizes == (2,)
    assert only_head.full_size == 3
    all_kept = full.select(torch.arange(full.size))
    assert not all_kept.is_pruned
    assert all_kept == full


def test_apply_delta_lands_on_the_right_weights() -> None:
    model = make_mlp()
    full = ParamMap.from_model(model, NAMES)
    pruned = full.select(torch.tensor([1, 2, 24, 39, 42]))
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    delta = torch.arange(1, pruned.size + 1, dtype=torch.float32)
    pruned.apply_delta_(model, delta, scale=0.5)
    expected_changes = {("0.weight", 1): 0.5, ("0.weight", 2): 1.0, ("0.bias", 4): 1.5, ("2.weight", 14): 2.0}
    expected_changes[("2.bias", 2)] = 2.5
    for name, param in model.named_parameters():
        change = (param.detach() - before[name]).reshape(-1)
        for position in range(change.numel()):
            want = expected_changes.get((name, position), 0.0)
            assert change[position].item() == pytest.approx(want, abs=1e-6), (name, position)


def test_apply_delta_unpruned_and_dtype_cast() -> None:
    model = make_mlp().to(torch.bfloat16)
    bias = dict(model.named_parameters())["2.bias"]
    param_map = ParamMap.from_model(model, ["2.bias"])
    before = bias.detach().clone()
    param_map.apply_delta_(model, torch.tensor([1.0, 2.0, 4.0]), scale=0.25)
    assert bias.dtype == torch.bfloat16
    torch.testing.assert_close(bias.detach(), (before.float() + torch.tensor([0.25, 0.5, 1.0])).bfloat16())
    with pytest.raises(ValueError, match=r"delta must have shape \(3,\)"):
        param_map.apply_delta_(model, torch.ones(4), 1.0)


@pytest.mark.parametrize("pruned", [False, True])
def test_snapshot_restore_exact(pruned: bool) -> None:
    model = make_mlp()
    param_map = ParamMap.from_model(model, NAMES)
    if pruned:
        param_map = param_map.select(torch.tensor([0, 7, 20, 33, 41]))
    original = {name: p.detach().clone() for name, p in model.named_parameters()}
    snapshot = param_map.snapshot(model)
    assert [s.numel() for s in snapshot] == list(param_map.sizes)
    param_map.apply_delta_(model, torch.randn(param_map.size), scale=3.0)
    assert not all(torch.equal(p, original[n]) for n, p in model.named_parameters())
    param_map.restore_(model, snapshot)
    for name, param in model.named_parameters():
        assert torch.equal(param, original[name]), name


def test_tied_parameters_counted_once() -> None:
    model = TiedLM()
    param_map = ParamMap.from_model(model, ["embed.weight", "body.weight", "head.weight", "body.bias"])
    assert param_map.names == ("embed.weight", "body.weight", "body.bias")
    assert param_map.size == 24 + 16 + 4
    alias_first = ParamMap.from_model(model, ["head.weight", "embed.weight"])
    assert alias_first.names == ("head.weight",)
    everything = ParamMap.from_patterns(model, ["*"])
    assert everything.names == ("embed.weight", "body.weight", "body.bias")

    ids = torch.tensor([[1, 2, 3]])
    loss = model(ids).sum()
    grads = torch.autograd.grad(loss, param_map.parameters(model))
    assert param_map.flatten(grads).shape == (param_map.size,)
    before = model.head.weight.detach().clone()
    param_map.apply_delta_(model, torch.ones(param_map.size), 1.0)
    assert torch.equal(model.head.weight.detach(), before + 1)  # the tied head moves once, not twice


def test_patterns_select_in_model_order() -> None:
    model = make_mlp()
    param_map = ParamMap.from_patterns(model, ["2.*", "0.bias"])
    assert param_map.names == ("0.bias", "2.weight", "2.bias")
    assert ParamMap.from_patterns(model, "*.bias").names == ("0.bias", "2.bias")
    assert ParamMap.from_patterns(model, None, default_names=["2.bias"]).names == ("2.bias",)
    assert ParamMap.from_patterns(model, [], default_names=["0.bias"]).names == ("0.bias",)
    with pytest.raises(ValueError, match=r"pattern '3\.\*' matches no parameter"):
        ParamMap.from_patterns(model, ["0.*", "3.*"])
    with pytest.raises(ValueError, match="give parameter patterns or default_names"):
        ParamMap.from_patterns(model, None)


def test_unknown_names_report_close_matches() -> None:
    model = make_mlp()
    with pytest.raises(ValueError, match=r"no parameter named \['0.weigth'\].*close matches: \['0.weight'"):
        ParamMap.from_model(model, ["0.weigth", "0.bias"])
    with pytest.raises(ValueError, match="non-empty list"):
        ParamMap.from_model(model, [])
    model.register_parameter("steps", nn.Parameter(torch.zeros(2, dtype=torch.long), requires_grad=False))
    with pytest.raises(ValueError, match=r"'steps' has dtype torch\.int64: it cannot have a gradient"):
        ParamMap.from_model(model, ["steps"])


def test_parameters_checks_the_model() -> None:
    param_map = ParamMap.from_model(make_mlp(), NAMES)
    other = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))
    with pytest.raises(ValueError, match=r"'0.weight' has shape \[6, 4\], the ParamMap expects \[5, 4\]"):
        param_map.parameters(other)
    with pytest.raises(ValueError, match=r"no parameter '2\.weight' of this ParamMap"):
        param_map.parameters(nn.Sequential(nn.Linear(4, 5)))


def test_dict_round_trip_equality_and_repr() -> None:
    model = make_mlp()
    full = ParamMap.from_model(model, NAMES)
    pruned = full.select(torch.tensor([0, 5, 30, 41]))
    data = pruned.to_dict()
    assert data["kept"] == {"0.weight": 2, "2.weight": 1, "2.bias": 1}
    tensors = pruned.index_tensors()
    assert sorted(tensors) == sorted(INDEX_KEY_PREFIX + n for n in data["kept"])
    assert all(t.dtype == torch.int32 for t in tensors.values())
    assert ParamMap.from_dict(data, tensors) == pruned
    assert ParamMap.from_dict(full.to_dict()) == full
    assert pruned != full
    with pytest.raises(ValueError, match=r"no tensor 'param_map\.indices/0\.weight'"):
        ParamMap.from_dict(data, {})
    assert "size=4" in repr(pruned) and "'0.weight'" in repr(pruned)
    kept = pruned.kept_flat_indices()
    assert torch.equal(kept["0.weight"], torch.tensor([0, 5]))
    assert torch.equal(full.kept_flat_indices()["0.bias"], torch.arange(5))


def test_constructor_validates_indices() -> None:
    with pytest.raises(ValueError, match="strictly ascending"):
        ParamMap(["a"], [[4]], {"a": torch.tensor([2, 1])})
    with pytest.raises(ValueError, match=r"must lie in \[0, 4\)"):
        ParamMap(["a"], [[4]], {"a": torch.tensor([1, 4])})
    with pytest.raises(ValueError, match="not in names"):
        ParamMap(["a"], [[4]], {"b": torch.tensor([1])})
    with pytest.raises(ValueError, match="unique"):
        ParamMap(["a", "a"], [[4], [4]])


def test_normalize_keep() -> None:
    assert torch.equal(normalize_keep([3, 1], 4), torch.tensor([1, 3]))
    assert torch.equal(normalize_keep(torch.tensor([True, False, True]), 3), torch.tensor([0, 2]))
    with pytest.raises(ValueError, match=r"boolean mask must have shape \(4,\)"):
        normalize_keep(torch.tensor([True]), 4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device for the cross-device path")
def test_flatten_across_devices() -> None:
    model = make_mlp()
    param_map = ParamMap.from_model(model, NAMES).select(torch.tensor([0, 21, 42]))
    grads = real_grads(model, ParamMap.from_model(model, NAMES))
    mixed = [g.cuda() if i % 2 else g for i, g in enumerate(grads)]
    out = torch.empty(param_map.size, device="cuda")
    assert torch.equal(param_map.flatten(mixed, out=out).cpu(), param_map.flatten(grads))
    model.cuda()
    param_map.apply_delta_(model, torch.ones(param_map.size), 1.0)
