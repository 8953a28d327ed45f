"""The executor contract: run independent units of work, each worker preparing its state once.

A unit of work is ``work(state, item) -> result``; ``state`` comes from ``setup()``, which runs once
per worker (a base model is loaded, or unpickled, once per worker, not once per item). Items are
dispatched in groups: one group runs on one worker, in order. Results come back in item order.

Executors differ only in where the work runs; the same setup, work and items give the same results on
every executor (up to floating-point reduction order on other hardware).
"""

from __future__ import annotations

import os
import socket
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, TypeVar

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R")

Setup = Callable[[], S]
"""Prepares a worker's state; runs once per worker (it travels to remote workers pickled)."""

Work = Callable[[S, T], R]
"""Processes one item with the worker's state."""


class WorkerLostError(RuntimeError):
    """A worker process or node died more often than the executor retries a group of work."""


@dataclass(frozen=True)
class Placement:
    """Where one group of items ran: the node, the worker process and the group's item positions."""

    group: int
    node: str
    pid: int
    items: tuple[int, ...]


def local_node_id() -> str:
    """A name of this machine, used as the node of in-process work."""
    return f"local:{socket.gethostname()}"


def split_groups(count: int, workers: int, group_size: int | None) -> list[list[int]]:
    """Item positions ``0..count-1`` in contiguous groups.

    ``group_size=None`` makes ``min(workers, count)`` groups of near-equal size (one per worker);
    otherwise groups hold ``group_size`` items (the last one may hold fewer).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    if group_size is not None and group_size < 1:
        raise ValueError(f"group_size must be >= 1 or None, got {group_size}")
    if count == 0:
        return []
    if group_size is None:
        n_groups = min(workers, count)
        bounds = [i * count // n_groups for i in range(n_groups + 1)]
        return [list(range(bounds[i], bounds[i + 1])) for i in range(n_groups)]
    return [list(range(start, min(start + group_size, count))) for start in range(0, count, group_size)]


class WorkerPool(ABC, Generic[S, T, R]):
    """Workers that ran ``setup`` once each and then process items with ``work`` until closed.

    A pool can map several batches of items (for example waves of training seeds); its workers keep
    their state between batches. Use it as a context manager so that its workers are released.
    """

    def __init__(self, history: list[Placement] | None = None) -> None:
        self.placements: list[Placement] = []
        self._history = history if history is not None else []

    def record(self, placement: Placement) -> None:
        """Note where a group ran (in this pool and in the executor's history)."""
        self.placements.append(placement)
        self._history.append(placement)

    @abstractmethod
    def map(self, items: Sequence[T], *, group_size: int | None = None) -> list[R]:
        """``[work(state, item) for item in items]``, the groups run on the pool's workers."""

    @abstractmethod
    def close(self) -> None:
        """Release the workers (idempotent)."""

    @property
    def nodes(self) -> set[str]:
        """The nodes that ran at least one group so far."""
        return {p.node for p in self.placements}

    def __enter__(self) -> WorkerPool[S, T, R]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class Executor(ABC):
    """Runs independent units of work: training seeds, decoder-grid groups, evaluation shards.

    Implementations: :class:`~gradiend.executors.local.LocalExecutor` (in process, the default) and
    :class:`~gradiend.executors.ray_executor.RayExecutor` (Ray actors on a local or remote cluster).
    """

    name: str = "executor"
    """Short name, as in ``TrainingArguments.executor``."""

    def __init__(self) -> None:
        self.placements: list[Placement] = []
        """Where each group of this executor's pools ran, oldest first."""

    @property
    @abstractmethod
    def workers(self) -> int:
        """How many groups can run at the same time."""

    @property
    @abstractmethod
    def in_process(self) -> bool:
        """Whether the work runs in this process on the caller's own objects (nothing is pickled)."""

    @abstractmethod
    def pool(self, setup: Setup[S], work: Work[S, T, R]) -> WorkerPool[S, T, R]:
        """Workers that run ``setup`` once each (lazily, when they get their first group)."""

    def map_with_setup(
        self,
        setup: Setup[S],
        work: Work[S, T, R],
        items: Sequence[T],
        *,
        group_size: int | None = None,
    ) -> list[R]:
        """``[work(state, item) for item in items]`` with ``state = setup()`` once per worker.

        Args:
            setup: prepares a worker's state (for example unpickles a trainer and loads its model).
            work: processes one item with that state; must not depend on other items.
            items: the inputs, one result each.
            group_size: items per dispatched group (``None``: one group per worker).

        Returns:
            The results in the order of ``items``. The first item whose work raises an error makes
            the whole call raise that error (the original exception, not a wrapper).
        """
        with self.pool(setup, work) as pool:
            return pool.map(items, group_size=group_size)

    @property
    def nodes(self) -> set[str]:
        """The nodes that ran at least one group of this executor's pools."""
        return {p.node for p in self.placements}

    @abstractmethod
    def close(self) -> None:
        """Release the workers the executor keeps between pools (idempotent; it can be used again)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workers={self.workers})"


def current_placement(group: int, node: str, items: Sequence[int]) -> Placement:
    """The placement of a group that runs in this process."""
    return Placement(group=group, node=node, pid=os.getpid(), items=tuple(items))


__all__ = [
    "Executor",
    "Placement",
    "Setup",
    "Work",
    "WorkerLostError",
    "WorkerPool",
    "current_placement",
    "local_node_id",
    "split_groups",
]
