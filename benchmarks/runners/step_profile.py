"""Split GRADIEND training steps into phases, for either library, without editing library code.

Instrumentation (installed before training, removed afterwards):

* ``base_forward``: forward pre-hook / hook on the base model (outermost call only);
* ``base_backward``: ``torch.autograd.grad`` / ``torch.autograd.backward`` calls made before the
  GRADIEND encoder runs in the step;
* ``flatten``: the library's own gradient-flattening function, wrapped by the runner;
* ``gradiend_forward``: from the encoder's forward pre-hook to the first backward call after it
  (encoder, decoder and the MSE loss);
* ``gradiend_backward``: backward calls after the encoder ran; with a fused GRADIEND step (ours: the
  gradients computed by hand in one call, see :meth:`StepProfiler.wrap_fused`) that call, forward
  included, and ``gradiend_forward`` stays 0;
* ``optimizer_step``: global optimizer step pre/post hooks (with a fused step that steps the optimizer
  once per parameter inside the call, those steps are counted here and not in ``gradiend_backward``);
* ``other``: the rest of the step (tokenisation, batching, copies, bookkeeping, progress bars).

A step spans from the end of one optimizer step to the end of the next (with a fused step: from the
end of one fused call to the end of the next); the first step is a warm-up and is not counted.
Profile with in-training evaluation switched off. Times are CPU seconds of the
process by default (``time.process_time``: robust on a shared machine when torch runs one thread);
pass ``clock=time.perf_counter`` for wall time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

PHASES = (
    "base_forward",
    "base_backward",
    "flatten",
    "gradiend_forward",
    "gradiend_backward",
    "optimizer_step",
)


class StepProfiler:
    """Accumulates per-phase time for each training step (see the module docstring)."""

    def __init__(
        self,
        base_model: nn.Module,
        encoder: nn.Module | None,
        clock: Callable[[], float] = time.process_time,
    ) -> None:
        self.clock = clock
        self.base_model = base_model
        self.encoder = encoder
        self.steps: list[dict[str, float]] = []
        self._current: dict[str, float] = dict.fromkeys(PHASES, 0.0)
        self._step_start: float | None = None
        self._in_gradiend = False
        self._gradiend_start: float | None = None
        self._depth = 0
        self._base_start = 0.0
        self._opt_start = 0.0
        self._fused_depth = 0  # > 0 inside a wrapped fused call: optimizer steps do not end the step
        self._handles: list[Any] = []
        self._restore: list[tuple[Any, str, Any]] = []

    # -- installation -------------------------------------------------------------------------------
    def install(self) -> StepProfiler:
        """Register hooks and wrap the autograd entry points."""
        self._handles += [
            self.base_model.register_forward_pre_hook(self._base_pre),
            self.base_model.register_forward_hook(self._base_post),
            register_optimizer_step_pre_hook(self._opt_pre),
            register_optimizer_step_post_hook(self._opt_post),
        ]
        if self.encoder is not None:  # None: the GRADIEND step is timed by wrap_fused instead
            self._handles.append(self.encoder.register_forward_pre_hook(self._encoder_pre))
        self._wrap(torch.autograd, "grad", self._backward_wrapper)
        self._wrap(torch.autograd, "backward", self._backward_wrapper)
        return self

    def wrap_flatten(self, owner: Any, attribute: str) -> None:
        """Time calls of ``owner.attribute`` (a function or method) as ``flatten``."""
        self._wrap(owner, attribute, lambda fn: self._timed(fn, "flatten"))

    def wrap_fused(self, owner: Any, attribute: str) -> None:
        """Time calls of ``owner.attribute`` (GRADIEND forward and backward in one) as ``gradiend_backward``.

        For a step that computes the GRADIEND gradients without module calls (no encoder hook fires);
        create the profiler with ``encoder=None`` then, since a hook on the encoder disables that step.
        """
        self._wrap(owner, attribute, self._fused_wrapper)

    def remove(self) -> None:
        """Undo :meth:`install` and :meth:`wrap_flatten`."""
        for handle in self._handles:
            handle.remove()
        for owner, attribute, original in reversed(self._restore):
            setattr(owner, attribute, original)
        self._handles, self._restore = [], []

    def _wrap(
        self, owner: Any, attribute: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]
    ) -> None:
        original = getattr(owner, attribute)
        self._restore.append((owner, attribute, original))
        setattr(owner, attribute, make(original))

    # -- hooks --------------------------------------------------------------------------------------
    def _add(self, phase: str, seconds: float) -> None:
        self._current[phase] += seconds

    def _timed(self, fn: Callable[..., Any], phase: str) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = self.clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self._add(phase, self.clock() - start)

        return wrapper

    def _fused_wrapper(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        """Time the fused call as ``gradiend_backward`` less the optimizer steps made inside it."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start, optimizer_before = self.clock(), self._current["optimizer_step"]
            self._fused_depth += 1
            try:
                return fn(*args, **kwargs)
            finally:
                self._fused_depth -= 1
                inside = self._current["optimizer_step"] - optimizer_before
                self._add("gradiend_backward", self.clock() - start - inside)
                if inside > 0:  # the optimizer stepped inside: this call ends the training step
                    self._end_step(self.clock())

        return wrapper

    def _backward_wrapper(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if self._in_gradiend and self._gradiend_start is not None:
                self._add("gradiend_forward", self.clock() - self._gradiend_start)
                self._gradiend_start = None
            start = self.clock()
            try:
                return fn(*args, **kwargs)
            finally:
                self._add("gradiend_backward" if self._in_gradiend else "base_backward", self.clock() - start)

        return wrapper

    def _base_pre(self, *_: Any) -> None:
        if self._depth == 0:
            self._base_start = self.clock()
        self._depth += 1

    def _base_post(self, *_: Any) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._add("base_forward", self.clock() - self._base_start)

    def _encoder_pre(self, *_: Any) -> None:
        if not self._in_gradiend:
            self._in_gradiend = True
            self._gradiend_start = self.clock()

    def _opt_pre(self, *_: Any) -> None:
        self._opt_start = self.clock()

    def _opt_post(self, *_: Any) -> None:
        now = self.clock()
        self._add("optimizer_step", now - self._opt_start)
        if self._fused_depth == 0:
            self._end_step(now)

    def _end_step(self, now: float) -> None:
        if self._step_start is not None:
            record = dict(self._current)
            record["total"] = now - self._step_start
            record["other"] = record["total"] - sum(record[p] for p in PHASES)
            self.steps.append(record)
        self._current = dict.fromkeys(PHASES, 0.0)
        self._step_start = self.clock()
        self._in_gradiend = False
        self._gradiend_start = None

    # -- results ------------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Mean seconds per phase over the measured steps (``steps``: how many; ``clock``: its name)."""
        if not self.steps:
            return {"steps": 0}
        keys = [*PHASES, "other", "total"]
        means = {k: sum(s[k] for s in self.steps) / len(self.steps) for k in keys}
        return {"steps": len(self.steps), "clock": self.clock.__name__, "mean_seconds": means}


__all__ = ["PHASES", "StepProfiler"]
