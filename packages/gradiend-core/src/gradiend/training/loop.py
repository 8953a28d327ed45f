"""The GRADIEND training loop: MSE(decoder(encoder(source)), target), evaluated and checkpointed."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from tqdm.auto import tqdm

from gradiend.arguments import TrainingArguments
from gradiend.gradients.dataset import GradientBatch, GradientTrainingDataset
from gradiend.model.gradiend import GradiendModel
from gradiend.model.with_gradiend import ModelWithGradiend
from gradiend.training.callbacks import TrainingCallback
from gradiend.training.state import Evaluation, TrainingState

if TYPE_CHECKING:
    from gradiend.training.step_checkpoints import StepCheckpointer

logger = logging.getLogger(__name__)

EncoderEvaluation = Callable[[ModelWithGradiend], dict[str, Any]]
"""Encodes validation rows with the current encoder and returns encoder metrics."""


FLOAT16_MIN_EPS = 1e-5
"""Smallest Adam epsilon for float16 weights. Adam keeps its moments in the parameter dtype, and in
float16 the squared gradient underflows to zero below |g| ~ 2.4e-4; the update m / (sqrt(v) + eps) then
divides by eps alone, and eps = 1e-8 makes it ~1e4 times too large (NaN within 50 steps). With 1e-5 the
toy modality learns as in float32; bfloat16 (float32's exponent range) needs no change."""


def adam_epsilon(params: Sequence[nn.Parameter], eps: float) -> float:
    """``eps``, raised to :data:`FLOAT16_MIN_EPS` (with a warning) when a parameter is float16."""
    if eps < FLOAT16_MIN_EPS and any(p.dtype == torch.float16 for p in params):
        logger.warning(
            "adam_epsilon=%g underflows in float16: using %g for the float16 GRADIEND", eps, FLOAT16_MIN_EPS
        )
        return FLOAT16_MIN_EPS
    return eps


def _fused_supported(params: Sequence[nn.Parameter]) -> bool:
    """Whether torch's fused Adam kernels take these parameters (floating point, on CPU or CUDA)."""
    return bool(params) and all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params)


def make_optimizer(parameters: Sequence[nn.Parameter], args: TrainingArguments) -> torch.optim.Optimizer:
    """Adam or AdamW over the GRADIEND parameters, as ``args.optim`` says.

    Uses torch's fused kernels (one pass over all moments instead of one per tensor operation; the
    optimizer step of a 3.4 M-input GRADIEND drops from about 75 to 14 ms on a CPU core).
    """
    params = list(parameters)
    optimizer_class = torch.optim.Adam if args.optim == "adam" else torch.optim.AdamW
    return optimizer_class(
        params,
        lr=args.learning_rate,
        eps=adam_epsilon(params, args.adam_epsilon),
        weight_decay=args.weight_decay,
        fused=_fused_supported(params),
    )


def total_steps(args: TrainingArguments, batches_per_epoch: int) -> int:
    """``max_steps`` when positive, else epochs x batches per epoch (as in Hugging Face)."""
    if args.max_steps > 0:
        return args.max_steps
    return args.num_train_epochs * batches_per_epoch


def _batches(dataset: GradientTrainingDataset, state: TrainingState) -> Iterator[GradientBatch]:
    """Endless epochs of gradient batches; ``state.epoch`` follows along.

    A resumed run (``state.step`` > 0) skips the batches of the current epoch it already trained on.
    """
    skip = state.step - state.epoch * len(dataset)
    while True:
        if skip > 0:
            for rows in dataset.batches(state.epoch)[skip:]:
                yield dataset.gradient_batch(rows)
            skip = 0
        else:
            yield from dataset.iter_epoch(state.epoch)
        state.epoch += 1


def gradiend_loss(
    model_with_gradiend: ModelWithGradiend, batch: GradientBatch, args: TrainingArguments
) -> torch.Tensor:
    """The training loss of one batch (plain GRADIEND or one of the supervised baselines)."""
    gradiend = model_with_gradiend.gradiend
    weight = next(gradiend.parameters())
    source = batch.source.to(device=weight.device, dtype=weight.dtype)
    target = batch.target.to(device=weight.device, dtype=weight.dtype)
    label = torch.full((1, gradiend.latent_dim), batch.label, device=weight.device, dtype=weight.dtype)
    h = gradiend.encode(source.unsqueeze(0))
    if args.supervised_encoder:
        return nn.functional.mse_loss(h.float(), label.float())
    decoder_input = label if args.supervised_decoder else h
    reconstruction = gradiend.decode(decoder_input)
    loss = nn.functional.mse_loss(reconstruction.float(), target.unsqueeze(0).float())
    if args.supervised_decoder:
        loss = loss + nn.functional.mse_loss(h.float(), label.float())
    return loss


def uses_fused_step(gradiend: GradiendModel, args: TrainingArguments) -> bool:
    """Whether a step computes the GRADIEND gradients by hand (``GradiendModel.fused_mse_backward_``).

    That is the plain reconstruction objective (no supervised variant) on a network that supports it.
    """
    return not (args.supervised_encoder or args.supervised_decoder) and gradiend.supports_fused_mse()


def _weight_norms(model_with_gradiend: ModelWithGradiend) -> dict[str, float]:
    gradiend = model_with_gradiend.gradiend
    return {
        "encoder": float(gradiend.encoder.weight.detach().float().norm()),
        "decoder": float(gradiend.decoder.weight.detach().float().norm()),
    }


def _evaluate(
    state: TrainingState, evaluate: EncoderEvaluation, callbacks: Sequence[TrainingCallback]
) -> None:
    start = time.perf_counter()
    metrics = evaluate(state.model_with_gradiend)
    state.add_time("evaluation", time.perf_counter() - start)
    evaluation = Evaluation(
        step=state.step,
        correlation=float(metrics["correlation"]),
        mean_by_class={str(k): float(v) for k, v in metrics.get("mean_by_class", {}).items()},
        metrics=metrics,
    )
    state.evaluations.append(evaluation)
    state.norms.append({"step": state.step, **_weight_norms(state.model_with_gradiend)})
    for callback in callbacks:
        callback.on_evaluate(state, evaluation)
    state.should_evaluate = False


class NonFiniteLossError(FloatingPointError):
    """The training loss became NaN or infinite: training stops (the weights would be garbage)."""


def check_finite_loss(loss: torch.Tensor, state: TrainingState, batch: GradientBatch) -> None:
    """Stop with the step and the likely cause when ``loss`` is NaN or infinite."""
    if bool(torch.isfinite(loss)):
        return
    gradients_finite = bool(torch.isfinite(batch.source).all()) and bool(torch.isfinite(batch.target).all())
    args = state.args
    if not gradients_finite:
        cause = (
            "the base model's gradients of this batch are NaN/inf (check the data of class "
            f"{batch.feature_class!r} and the base model's torch_dtype={args.torch_dtype!r})"
        )
    elif state.step == 0:
        cause = "the GRADIEND overflows at initialisation (try gradiend_dtype='float32')"
    else:
        cause = (
            f"the GRADIEND weights diverged: learning_rate={args.learning_rate:g} is likely too high for "
            f"these gradients (gradiend_dtype={args.gradiend_dtype!r})"
        )
    raise NonFiniteLossError(
        f"the training loss is {float(loss.detach())} at step {state.step + 1} of {state.max_steps}: "
        f"{cause}. "
        "Training stopped; nothing was saved for this run."
    )


class ParameterSteps:
    """Steps the optimizer for one GRADIEND parameter at a time, the loss checked before the first.

    Passed as ``on_grad`` to :meth:`~gradiend.model.gradiend.GradiendModel.fused_mse_backward_`: only
    the parameter at hand has a ``.grad``, so ``optimizer.step()`` updates it alone (Adam and AdamW
    update each parameter from its own gradient and moments, so the result is that of one step over
    all of them). The step then holds one n-sized gradient instead of three.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, state: TrainingState, batch: GradientBatch) -> None:
        self.optimizer = optimizer
        self.state = state
        self.batch = batch
        self.checked = False

    def __call__(self, parameter: torch.Tensor, loss: torch.Tensor) -> None:
        """Step ``parameter`` (the only one with a ``.grad`` now)."""
        if not self.checked:
            check_finite_loss(loss, self.state, self.batch)
            self.checked = True
        self.optimizer.step()


def run_training_loop(
    state: TrainingState,
    dataset: GradientTrainingDataset,
    callbacks: Sequence[TrainingCallback],
    evaluate: EncoderEvaluation | None,
    *,
    progress: bool = True,
    checkpointer: StepCheckpointer | None = None,
) -> TrainingState:
    """Train ``state.model_with_gradiend.gradiend`` for ``state.max_steps`` steps.

    The base model only supplies gradients: it stays in eval mode and is never updated. Every step
    computes one gradient batch (one forward pass, one or two backward passes) and one GRADIEND update.
    A ``checkpointer`` resumes from the latest step checkpoint and saves new ones when due.
    """
    mwg = state.model_with_gradiend
    mwg.base_model.eval()
    gradiend = mwg.gradiend
    gradiend.train()
    optimizer = make_optimizer(list(gradiend.parameters()), state.args)
    for callback in callbacks:
        callback.on_train_begin(state)
    if checkpointer is not None:
        checkpointer.restore(state, optimizer)
    if state.should_evaluate and evaluate is not None:
        _evaluate(state, evaluate, callbacks)
    with dataset.reusing_buffers():
        _train_steps(state, dataset, callbacks, evaluate, optimizer, progress, checkpointer)
    for callback in callbacks:
        callback.on_train_end(state)
    gradiend.eval()
    return state


def _train_steps(
    state: TrainingState,
    dataset: GradientTrainingDataset,
    callbacks: Sequence[TrainingCallback],
    evaluate: EncoderEvaluation | None,
    optimizer: torch.optim.Optimizer,
    progress: bool,
    checkpointer: StepCheckpointer | None,
) -> None:
    """The steps of :func:`run_training_loop` from ``state.step`` to the end (or an early stop)."""
    mwg = state.model_with_gradiend
    gradiend = mwg.gradiend
    batches = _batches(dataset, state)
    bar = tqdm(
        total=state.max_steps,
        initial=state.step,
        desc="GRADIEND training",
        unit="step",
        disable=not progress,
        leave=False,
    )
    try:
        while state.step < state.max_steps and not state.should_stop:
            tick = time.perf_counter()
            batch = next(batches)
            tock = time.perf_counter()
            state.add_time("gradients", tock - tick)
            if uses_fused_step(gradiend, state.args):  # no autograd graph; one n-sized gradient at a time
                steps = ParameterSteps(optimizer, state, batch)
                loss = gradiend.fused_mse_backward_(batch.source, batch.target, on_grad=steps)
            else:
                optimizer.zero_grad(set_to_none=True)
                loss = gradiend_loss(mwg, batch, state.args)
                check_finite_loss(loss, state, batch)
                loss.backward()
                optimizer.step()
            state.add_time("gradiend_update", time.perf_counter() - tock)
            state.step += 1
            value = float(loss.detach())
            state.losses.append(value)
            bar.update(1)
            bar.set_postfix(loss=f"{value:.3g}")
            for callback in callbacks:
                callback.on_step_end(state, value)
            if state.should_evaluate and evaluate is not None:
                _evaluate(state, evaluate, callbacks)
            if checkpointer is not None and checkpointer.due(state):
                checkpointer.save(state, optimizer)
    finally:
        bar.close()


__all__ = [
    "EncoderEvaluation",
    "NonFiniteLossError",
    "ParameterSteps",
    "check_finite_loss",
    "gradiend_loss",
    "make_optimizer",
    "run_training_loop",
    "total_steps",
    "uses_fused_step",
]
