"""The training step's memory savings: hand-computed GRADIEND gradients in reused buffers, reused flatten
buffers and in-place best weights give the same results as the autograd path they replace."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch
from gradiend_toy import ToyTrainer

from gradiend.gradients.compute import compute_gradient_pair
from gradiend.model.gradiend import GradiendModel
from gradiend.testing import quick_arguments
from gradiend.training.callbacks import TrainingCallback
from gradiend.training.loop import uses_fused_step
from gradiend.training.state import TrainingState


def _autograd_grads(model: GradiendModel, source: torch.Tensor, target: torch.Tensor) -> tuple[float, list]:
    reconstruction, _ = model(source.unsqueeze(0))
    loss = torch.nn.functional.mse_loss(reconstruction, target.unsqueeze(0))
    loss.backward()
    return float(loss.detach()), [p.grad.clone() for p in model.parameters()]


@pytest.mark.parametrize(
    ("activation", "latent_dim", "bias"), [("tanh", 1, True), ("identity", 2, True), ("tanh", 3, False)]
)
def test_fused_gradients_equal_autograd(activation: str, latent_dim: int, bias: bool) -> None:
    torch.manual_seed(0)
    model = GradiendModel(3000, latent_dim, activation_encoder=activation, bias_decoder=bias)
    reference = copy.deepcopy(model)
    source, target = torch.randn(3000) * 1e-2, torch.randn(3000) * 1e-2
    assert model.supports_fused_mse()
    loss = model.fused_mse_backward_(source, target)
    expected_loss, expected = _autograd_grads(reference, source, target)
    assert float(loss) == pytest.approx(expected_loss, rel=1e-6)
    for param, grad in zip(model.parameters(), expected, strict=True):
        scale = float(grad.abs().max())
        assert scale > 0
        torch.testing.assert_close(param.grad, grad, rtol=0, atol=1e-6 * scale)


def test_fused_step_reuses_its_gradient_buffers() -> None:
    torch.manual_seed(0)
    model = GradiendModel(500)
    model.fused_mse_backward_(torch.randn(500), torch.randn(500))
    pointers = [p.grad.data_ptr() for p in model.parameters()]
    source, target = torch.randn(500), torch.randn(500)
    model.fused_mse_backward_(source, target)
    assert [p.grad.data_ptr() for p in model.parameters()] == pointers
    # the second call overwrote (did not accumulate onto) the first call's gradients
    fresh = copy.deepcopy(model)
    fresh.zero_grad(set_to_none=True)
    _, expected = _autograd_grads(fresh, source, target)
    for param, grad in zip(model.parameters(), expected, strict=True):
        torch.testing.assert_close(param.grad, grad, rtol=1e-5, atol=1e-9)


def test_fused_step_applies_only_where_it_is_exact() -> None:
    assert not GradiendModel(10, activation_encoder="relu").supports_fused_mse()
    assert not GradiendModel(10, activation_decoder="tanh").supports_fused_mse()
    assert not GradiendModel(10, dtype="bfloat16").supports_fused_mse()
    hooked = GradiendModel(10)
    hooked.encoder.register_forward_hook(lambda *_: None)
    assert not hooked.supports_fused_mse()
    with pytest.raises(ValueError, match="activation_decoder='identity'"):
        GradiendModel(10, activation_encoder="relu").fused_mse_backward_(torch.zeros(10), torch.zeros(10))
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        GradiendModel(10).fused_mse_backward_(torch.zeros(1, 10), torch.zeros(10))


class _ForceAutograd(TrainingCallback):
    """A forward hook on the encoder: the loop then takes the autograd path (the fused step skips hooks)."""

    def on_train_begin(self, state: TrainingState) -> None:
        state.model_with_gradiend.gradiend.encoder.register_forward_hook(lambda *_: None)
        assert not uses_fused_step(state.model_with_gradiend.gradiend, state.args)


class _GradientsHeld(TrainingCallback):
    """Records how many GRADIEND parameters hold a ``.grad`` after every step."""

    def __init__(self) -> None:
        self.held: list[int] = []
        self.fused = False

    def on_train_begin(self, state: TrainingState) -> None:
        self.fused = uses_fused_step(state.model_with_gradiend.gradiend, state.args)

    def on_step_end(self, state: TrainingState, loss: float) -> None:
        grads = [p.grad for p in state.model_with_gradiend.gradiend.parameters()]
        self.held.append(sum(g is not None for g in grads))


def test_fused_training_matches_autograd_training(tmp_path: Path) -> None:
    """Same seed, same data: the fused step and the autograd step train the same GRADIEND."""
    runs = {}
    held = _GradientsHeld()
    for name, callbacks in (("fused", [held]), ("autograd", [_ForceAutograd()])):
        trainer = ToyTrainer(target_classes=["a", "b"], args=quick_arguments(tmp_path / name, max_steps=60))
        trainer.train(callbacks=callbacks)
        stats = trainer.get_training_stats()
        runs[name] = (trainer.get_model().gradiend.state_dict(), stats["best_correlation"])
    assert held.fused
    assert held.held == [0] * 60  # each parameter's gradient lived only for its own optimizer step
    (fused, fused_corr), (auto, auto_corr) = runs["fused"], runs["autograd"]
    assert abs(fused_corr) > 0.5
    assert fused_corr == pytest.approx(auto_corr, abs=1e-4)
    for key in fused:
        torch.testing.assert_close(fused[key], auto[key], rtol=1e-3, atol=1e-6)


def test_flatten_buffers_are_reused_and_exact(trained_toy: ToyTrainer) -> None:
    """compute_gradient_pair into given buffers: the values of the allocating path, in those buffers."""
    mwg = trained_toy.get_model()
    rows = trained_toy.create_training_data().iloc[:4]
    rows = rows[rows["feature_class"] == rows["feature_class"].iloc[0]]
    params = mwg.param_map.parameters(mwg.base_model)
    buffers = (torch.empty(mwg.param_map.size), torch.empty(mwg.param_map.size))
    for source, target in (("alternative", "diff"), ("factual", "alternative"), ("diff", "diff")):
        fresh = compute_gradient_pair(
            trained_toy.compute_losses(mwg.base_model, rows), params, mwg.param_map, source, target
        )
        reused = compute_gradient_pair(
            trained_toy.compute_losses(mwg.base_model, rows), params, mwg.param_map, source, target, buffers
        )
        assert reused.source.data_ptr() in (buffers[0].data_ptr(), buffers[1].data_ptr())
        assert reused.target.data_ptr() in (buffers[0].data_ptr(), buffers[1].data_ptr())
        assert torch.equal(reused.source, fresh.source)
        assert torch.equal(reused.target, fresh.target)
    with pytest.raises(ValueError, match="two flat buffers"):
        compute_gradient_pair(
            trained_toy.compute_losses(mwg.base_model, rows),
            params,
            mwg.param_map,
            "factual",
            "diff",
            buffers[:1],
        )


@pytest.mark.parametrize(("latent_dim", "bias"), [(1, True), (1, False), (3, True)])
def test_gradients_one_at_a_time_equal_autograd(latent_dim: int, bias: bool) -> None:
    """With ``on_grad`` each parameter alone holds its gradient (one shared n-sized buffer for k=1)."""
    torch.manual_seed(1)
    model = GradiendModel(2000, latent_dim, bias_decoder=bias)
    reference = copy.deepcopy(model)
    source, target = torch.randn(2000) * 1e-2, torch.randn(2000) * 1e-2
    lent: dict[int, torch.Tensor] = {}
    buffers: set[int] = set()

    def on_grad(parameter: torch.Tensor, loss: torch.Tensor) -> None:
        assert [p.grad is not None for p in model.parameters()].count(
            True
        ) == 1 and parameter.grad is not None
        lent[id(parameter)] = parameter.grad.clone()
        if parameter.numel() == 2000:
            buffers.add(parameter.grad.untyped_storage().data_ptr())

    loss = model.fused_mse_backward_(source, target, on_grad=on_grad)
    expected_loss, expected = _autograd_grads(reference, source, target)
    assert float(loss) == pytest.approx(expected_loss, rel=1e-6)
    assert all(p.grad is None for p in model.parameters())
    assert len(lent) == len(expected)
    for param, grad in zip(model.parameters(), expected, strict=True):
        # the encoder gradients go through a float32 sum over n (W_d^T r): rounding differs from autograd
        torch.testing.assert_close(lent[id(param)], grad, rtol=0, atol=1e-4 * float(grad.abs().max()))
    if latent_dim == 1:
        assert len(buffers) == 1  # decoder bias, decoder weight and encoder weight share one buffer


def test_stepping_one_parameter_at_a_time_is_one_optimizer_step() -> None:
    """AdamW over each parameter alone, in turn, gives bit for bit the weights of one step over all."""
    torch.manual_seed(2)
    together = GradiendModel(1500)
    apart = copy.deepcopy(together)
    optimizers = [
        torch.optim.AdamW(m.parameters(), lr=1e-2, weight_decay=0.01, fused=True) for m in (together, apart)
    ]
    for _ in range(5):
        source, target = torch.randn(1500) * 1e-2, torch.randn(1500) * 1e-2
        together.fused_mse_backward_(source, target)
        optimizers[0].step()
        apart.fused_mse_backward_(source, target, on_grad=lambda *_: optimizers[1].step())
    for key, value in together.state_dict().items():
        assert torch.equal(value, apart.state_dict()[key]), key


def test_large_best_weights_are_kept_in_a_mapped_file_not_in_ram() -> None:
    """A mapped copy holds the same values and adds (almost) nothing to the process's resident memory."""
    from gradiend.training.callbacks import mapped_copy

    def rss() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096

    tensors = {"weight": torch.randn(64 * 2**20 // 4), "bias": torch.randn(3)}  # 64 MiB
    before = rss()
    copy_ = mapped_copy(tensors)
    assert rss() - before < 16 * 2**20
    assert all(torch.equal(copy_[k], v) for k, v in tensors.items())  # reading maps the pages in


def test_training_restores_the_same_best_weights_from_the_mapped_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradiend.training import callbacks

    weights = {}
    for name, limit in (("memory", 2**40), ("mapped", 0)):
        monkeypatch.setattr(callbacks, "IN_MEMORY_BEST_BYTES", limit)
        trainer = ToyTrainer(
            target_classes=["a", "b"], args=quick_arguments(tmp_path / name, max_steps=40, eval_steps=7)
        )
        trainer.train()
        weights[name] = trainer.get_model().gradiend.state_dict()
    for key, value in weights["memory"].items():
        assert torch.equal(value, weights["mapped"][key]), key
