"""Measurement helpers shared by the runners (standard library and torch only: both venvs import it).

A runner process reads one JSON workload spec, measures each phase with :class:`PhaseClock` (wall time
and the peak resident set size seen inside the phase, sampled by a background thread), and prints one
JSON result.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import resource
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1024 * 1024


def rss_bytes() -> int:
    """Current resident set size of this process."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE


def peak_rss_bytes() -> int:
    """Peak resident set size of this process so far (``getrusage``)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024


def make_resident(model: Any) -> None:
    """Touch every weight of ``model`` so that lazily mapped files (safetensors) count in the RSS."""
    import torch

    with torch.no_grad():
        for param in model.parameters():
            param.sum()


def release_free_memory() -> None:
    """Return freed heap pages to the system (glibc ``malloc_trim``), so RSS reflects live memory."""
    name = ctypes.util.find_library("c")
    if name is not None:
        ctypes.CDLL(name).malloc_trim(0)


class PhaseClock:
    """Wall time, CPU time and peak RSS per named phase; a thread samples RSS every ``interval`` seconds.

    CPU time (``time.process_time``, all threads of the process) is the check on wall times taken on a
    busy machine: with one torch thread it stays close to the work done, whatever the load.
    """

    def __init__(self, interval: float = 0.01) -> None:
        self.interval = interval
        # ru_maxrss survives fork/exec on Linux: what it reads now is the parent's, not this runner's.
        self.inherited_maxrss = peak_rss_bytes()
        self.phases: dict[str, dict[str, float]] = {}
        self._peak = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            value = rss_bytes()
            with self._lock:
                self._peak = max(self._peak, value)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Measure the enclosed block as phase ``name``."""
        with self._lock:
            self._peak = rss_bytes()
        start, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
            with self._lock:
                peak = max(self._peak, rss_bytes())
            self.phases[name] = {"seconds": seconds, "cpu_seconds": cpu_seconds, "peak_rss_mib": peak / MIB}

    def close(self) -> None:
        """Stop the sampler thread."""
        self._stop.set()
        self._thread.join()


class LoopClock:
    """Wall and CPU time of a training loop, in-training evaluation excluded, the same way for both libraries.

    The loop runs from :meth:`begin` (train begin) to the end of the last training step: by default a
    global optimizer post-hook marks each step's end; a library that steps its optimizer more than once
    per training step (ours: once per GRADIEND parameter) begins with ``optimizer_hook=False`` and
    calls :meth:`step_end` from its own step-end callback. The runner wraps the library's in-training
    evaluation with :meth:`timed`;
    evaluation time counts as excluded once an optimizer step follows it (an evaluation after the last
    step lies outside the loop anyway).
    """

    def __init__(self) -> None:
        self.steps = 0
        self._start: tuple[float, float] | None = None
        self._end: tuple[float, float] | None = None
        self._pending = [0.0, 0.0]
        self._excluded = [0.0, 0.0]
        self._handle: Any = None

    @staticmethod
    def _now() -> tuple[float, float]:
        return time.perf_counter(), time.process_time()

    def begin(self, optimizer_hook: bool = True) -> None:
        """Start the loop clock and count training steps from here on (see the class docstring)."""
        from torch.optim.optimizer import register_optimizer_step_post_hook

        self._start = self._now()
        if optimizer_hook:
            self._handle = register_optimizer_step_post_hook(self._step_end)

    def step_end(self) -> None:
        """Mark the end of one training step (with ``begin(optimizer_hook=False)``)."""
        self._step_end()

    def _step_end(self, *_: Any) -> None:
        self.steps += 1
        self._end = self._now()
        self._excluded = [e + p for e, p in zip(self._excluded, self._pending, strict=True)]
        self._pending = [0.0, 0.0]

    def timed(self, fn: Any) -> Any:
        """``fn`` wrapped so that its wall and CPU time count as in-training evaluation."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = self._now()
            try:
                return fn(*args, **kwargs)
            finally:
                now_wall, now_cpu = self._now()
                self._pending[0] += now_wall - wall
                self._pending[1] += now_cpu - cpu

        return wrapper

    def end(self) -> None:
        """Stop counting optimizer steps."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    def summary(self) -> dict[str, float]:
        """Steps, loop wall/CPU seconds without evaluation, steps per second of each."""
        if self._start is None or self._end is None or self.steps == 0:
            return {"steps": self.steps}
        wall = self._end[0] - self._start[0] - self._excluded[0]
        cpu = self._end[1] - self._start[1] - self._excluded[1]
        return {
            "steps": self.steps,
            "loop_seconds": wall,
            "loop_cpu_seconds": cpu,
            "steps_per_second": self.steps / wall,
            "steps_per_cpu_second": self.steps / cpu,
            "excluded_eval_seconds": self._excluded[0],
            "excluded_eval_cpu_seconds": self._excluded[1],
        }


def wrap_attribute(owner: Any, attribute: str, wrap: Any) -> None:
    """Replace ``owner.attribute`` by ``wrap(original)`` (for the rest of this process)."""
    setattr(owner, attribute, wrap(getattr(owner, attribute)))


def configure_threads(threads: int) -> None:
    """Pin torch's intra-op threads (both libraries run with the same count)."""
    import torch

    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)


def read_spec(argv: list[str]) -> dict[str, Any]:
    """The workload spec named by the command line: ``runner.py SPEC.json RESULT.json``."""
    if len(argv) != 3:
        raise SystemExit(f"usage: {Path(argv[0]).name} SPEC.json RESULT.json")
    return dict(json.loads(Path(argv[1]).read_text()))


def write_result(path: str, result: dict[str, Any]) -> None:
    """Write ``result`` as JSON atomically."""
    target = Path(path)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(result, indent=2, default=float))
    os.replace(tmp, target)


def memory_summary(baseline: int, clock: PhaseClock) -> dict[str, float]:
    """Baseline RSS, overall peak RSS and the peak above the baseline (MiB)."""
    own = peak_rss_bytes()
    if own <= clock.inherited_maxrss:
        own = 0  # never above the parent's high-water mark: only the sampled peaks are this runner's
    peak = max(own, *(int(p["peak_rss_mib"] * MIB) for p in clock.phases.values()))
    return {
        "baseline_rss_mib": baseline / MIB,
        "peak_rss_mib": peak / MIB,
        "peak_above_baseline_mib": (peak - baseline) / MIB,
    }


def load_average() -> float:
    """The machine's one-minute load average."""
    return os.getloadavg()[0]


def python_version() -> str:
    """``3.11.7``-style version of this interpreter."""
    return ".".join(str(v) for v in sys.version_info[:3])


__all__ = [
    "MIB",
    "LoopClock",
    "PhaseClock",
    "configure_threads",
    "load_average",
    "make_resident",
    "memory_summary",
    "peak_rss_bytes",
    "python_version",
    "read_spec",
    "release_free_memory",
    "rss_bytes",
    "wrap_attribute",
    "write_result",
]
