"""The local executor: every group runs in this process, one after the other, on the caller's objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Generic

from gradiend.executors.base import (
    Executor,
    Placement,
    R,
    S,
    Setup,
    T,
    Work,
    WorkerPool,
    current_placement,
    local_node_id,
    split_groups,
)


class LocalPool(WorkerPool[S, T, R], Generic[S, T, R]):
    """One in-process worker: ``setup()`` runs on the first map, then every item runs here in order."""

    def __init__(self, setup: Setup[S], work: Work[S, T, R], history: list[Placement] | None = None) -> None:
        super().__init__(history)
        self._setup = setup
        self._work = work
        self._state: S | None = None
        self._ready = False
        self._node = local_node_id()

    def map(self, items: Sequence[T], *, group_size: int | None = None) -> list[R]:
        """Run every item in this process (groups only label the placements)."""
        groups = split_groups(len(items), 1, group_size)
        if groups and not self._ready:
            self._state = self._setup()
            self._ready = True
        results: list[R] = []
        for group in groups:
            self.record(current_placement(len(self.placements), self._node, group))
            results.extend(self._work(self._state, items[i]) for i in group)  # type: ignore[arg-type]
        return results

    def close(self) -> None:
        """Drop the worker state."""
        self._state = None
        self._ready = False


class LocalExecutor(Executor):
    """Runs all work in the calling process, sequentially; the default executor (no dependency)."""

    name = "local"

    @property
    def workers(self) -> int:
        """One worker: this process."""
        return 1

    @property
    def in_process(self) -> bool:
        """Always true: items run on the caller's objects."""
        return True

    def pool(self, setup: Setup[S], work: Work[S, T, R]) -> LocalPool[S, T, R]:
        """An in-process pool; ``setup`` runs once, on the first map."""
        return LocalPool(setup, work, self.placements)

    def close(self) -> None:
        """Nothing to release: pools hold their own state."""


__all__ = ["LocalExecutor", "LocalPool"]
