"""The Ray executor: groups of work run on Ray actors, on this machine or on a cluster.

The executor starts up to ``workers`` actors on first use and keeps them until :meth:`RayExecutor.close`
(or the end of the driver), so later calls find warm worker processes. Each pool puts ``setup`` and
``work`` into the Ray object store once; an actor fetches them by reference and runs ``setup()`` once,
on its first group of that pool, so a base model is unpickled (or loaded) once per worker. Groups go
to whichever actor is free. Closing a pool frees its state on the actors.

Failures: an actor whose process or node dies is restarted and its group retried, at most
``max_retries`` times (then :class:`~gradiend.executors.base.WorkerLostError`); an error raised by the
work itself (bad data, bad arguments) is not retried: the call stops every worker and raises that
original exception. Ray is imported only when a pool starts (``pip install 'gradiend-core[ray]'``).
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import deque
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Generic

from gradiend.executors.base import Executor, Placement, R, S, Setup, T, Work, WorkerLostError, WorkerPool
from gradiend.executors.base import split_groups as _split_groups

logger = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'gradiend-core[ray]'"


def import_ray() -> ModuleType:
    """The ``ray`` module, or an ImportError that says how to install it."""
    try:
        import ray
    except ImportError as error:
        raise ImportError(f"executor='ray' needs Ray, which is not installed: {INSTALL_HINT}") from error
    return ray


class RayWorker:
    """The body of one Ray actor: holds the state of one pool at a time.

    A group names its pool and carries ``[setup_ref, work_ref]``; the first group of a pool fetches
    them and runs ``setup()`` (so an unpickling error surfaces as a task error with its original
    message), later groups of that pool reuse the state. A restarted actor starts empty.
    """

    def __init__(self) -> None:
        self._pool_id: str | None = None
        self._work: Any = None
        self._state: Any = None

    def run(self, pool_id: str, refs: list[Any], items: list[Any]) -> tuple[list[Any], str, int]:
        """``[work(state, item) for item in items]``, this worker's node id and process id."""
        import ray

        if pool_id != self._pool_id:
            self.release(self._pool_id)
            setup, self._work = ray.get(refs)
            self._state = setup()
            self._pool_id = pool_id
        results = [self._work(self._state, item) for item in items]
        return results, ray.get_runtime_context().get_node_id(), os.getpid()

    def release(self, pool_id: str | None) -> None:
        """Drop the state of ``pool_id`` (the trainer and model it holds) if this worker has it."""
        if pool_id is not None and pool_id == self._pool_id:
            self._pool_id, self._work, self._state = None, None, None


class RayPool(WorkerPool[S, T, R], Generic[S, T, R]):
    """Groups of one setup/work pair on the executor's actors; closing it frees the actors' state."""

    def __init__(self, executor: RayExecutor, setup: Setup[S], work: Work[S, T, R]) -> None:
        super().__init__(executor.placements)
        self._ray = executor.connect()
        self._executor = executor
        self._id = uuid.uuid4().hex
        self._refs = [self._ray.put(setup), self._ray.put(work)]
        self._used: list[Any] = []

    def map(self, items: Sequence[T], *, group_size: int | None = None) -> list[R]:
        """Run the groups of ``items`` on the actors; results in item order."""
        groups = _split_groups(len(items), self._executor.workers, group_size)
        if not groups:
            return []
        actors = self._executor.actors(min(self._executor.workers, len(groups)))
        if len(actors) > len(self._used):
            self._used = actors
        idle, queue = deque(actors), deque(enumerate(groups))
        pending: dict[Any, tuple[Any, int]] = {}
        results: dict[int, list[R]] = {}
        try:
            while queue or pending:
                while queue and idle:
                    actor = idle.popleft()
                    index, group = queue.popleft()
                    ref = actor.run.remote(self._id, self._refs, [items[i] for i in group])
                    pending[ref] = (actor, index)
                ready, _ = self._ray.wait(list(pending), num_returns=1, timeout=self._executor.timeout_s)
                if not ready:
                    raise TimeoutError(
                        f"no group of work finished within timeout_s={self._executor.timeout_s} seconds"
                    )
                for ref in ready:
                    actor, index = pending.pop(ref)
                    values, node, pid = self._fetch(ref)
                    results[index] = values
                    self.record(Placement(index, node, pid, tuple(groups[index])))
                    idle.append(actor)
        except BaseException:
            # Stop the groups still running: the workers are killed and start afresh on next use.
            self._used = []
            self._executor.close()
            raise
        return [value for index in range(len(groups)) for value in results[index]]

    def _fetch(self, ref: Any) -> tuple[list[R], str, int]:
        exceptions = self._ray.exceptions
        try:
            values, node, pid = self._ray.get(ref)
        except exceptions.RayTaskError as error:
            cause = error.cause
            if isinstance(cause, BaseException) and not isinstance(cause, exceptions.RayError):
                raise cause from error
            raise
        except (
            exceptions.RayActorError,
            exceptions.WorkerCrashedError,
            exceptions.NodeDiedError,
            exceptions.ObjectLostError,
        ) as error:
            raise WorkerLostError(
                f"a Ray worker was lost and the group was retried max_retries="
                f"{self._executor.max_retries} times: {error}"
            ) from error
        return values, str(node), int(pid)

    def close(self) -> None:
        """Free this pool's state on its workers (they stay up for the executor's next pool)."""
        used, self._used = self._used, []
        if used:
            self._ray.get([actor.release.remote(self._id) for actor in used])


class RayExecutor(Executor):
    """Runs groups of work on Ray actors (this machine, or a cluster at ``address``).

    Args:
        address: ``None`` starts a Ray runtime on this machine (unless one is already initialised in
            this process), ``"auto"`` joins the cluster started with ``ray start``, ``"ray://host:10001"``
            connects through Ray Client.
        num_workers: worker actors (default: the cluster's CPUs divided by ``num_cpus_per_worker``).
        num_cpus_per_worker: CPUs each actor reserves.
        num_gpus_per_worker: GPUs each actor reserves (Ray sets ``CUDA_VISIBLE_DEVICES`` for it).
        resources_per_worker: custom Ray resources each actor reserves, e.g. ``{"big_memory": 1}``.
        max_retries: restarts of a dead worker, and retries of its group, before the call fails.
        timeout_s: longest wait for any group to finish (``None``: no limit).
        init_kwargs: extra ``ray.init`` arguments (``runtime_env``, ``num_cpus``, ...) used when this
            executor starts or joins the runtime.
    """

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        *,
        num_workers: int | None = None,
        num_cpus_per_worker: float = 1.0,
        num_gpus_per_worker: float = 0.0,
        resources_per_worker: dict[str, float] | None = None,
        max_retries: int = 2,
        timeout_s: float | None = None,
        init_kwargs: dict[str, Any] | None = None,
    ) -> None:
        if num_workers is not None and num_workers < 1:
            raise ValueError(f"num_workers must be >= 1 or None, got {num_workers}")
        if num_cpus_per_worker <= 0:
            raise ValueError(f"num_cpus_per_worker must be > 0, got {num_cpus_per_worker}")
        if num_gpus_per_worker < 0:
            raise ValueError(f"num_gpus_per_worker must be >= 0, got {num_gpus_per_worker}")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries}")
        if timeout_s is not None and timeout_s <= 0:
            raise ValueError(f"timeout_s must be > 0 or None, got {timeout_s}")
        super().__init__()
        self.address = address
        self.num_workers = num_workers
        self.num_cpus_per_worker = num_cpus_per_worker
        self.num_gpus_per_worker = num_gpus_per_worker
        self.resources_per_worker = dict(resources_per_worker or {})
        self.max_retries = max_retries
        self.timeout_s = timeout_s
        self.init_kwargs = dict(init_kwargs or {})
        self._actors: list[Any] = []

    def connect(self) -> ModuleType:
        """The ``ray`` module, initialised (``ray.init(address, **init_kwargs)`` when needed).

        A runtime this process already joined is used as it is, whatever ``address`` says.
        """
        ray = import_ray()
        if not ray.is_initialized():
            logger.info("starting or joining a Ray runtime (address=%r)", self.address)
            ray.init(address=self.address, **self.init_kwargs)
        return ray

    @property
    def workers(self) -> int:
        """``num_workers``, else how many actors the cluster's CPUs hold (connects to Ray)."""
        if self.num_workers is not None:
            return self.num_workers
        cpus = float(self.connect().cluster_resources().get("CPU", 1.0))
        return max(1, int(cpus // self.num_cpus_per_worker))

    @property
    def in_process(self) -> bool:
        """False: items run on pickled copies in other processes."""
        return False

    def actor_options(self) -> dict[str, Any]:
        """The ``ray.remote(...).options`` of each worker actor."""
        options: dict[str, Any] = {
            "num_cpus": self.num_cpus_per_worker,
            "max_restarts": self.max_retries,
            "max_task_retries": self.max_retries,
            "scheduling_strategy": "SPREAD",
        }
        if self.num_gpus_per_worker:
            options["num_gpus"] = self.num_gpus_per_worker
        if self.resources_per_worker:
            options["resources"] = dict(self.resources_per_worker)
        return options

    def actors(self, count: int) -> list[Any]:
        """The first ``count`` worker actors, started when missing (they live until :meth:`close`)."""
        ray = self.connect()
        actor_class = ray.remote(RayWorker).options(**self.actor_options())
        while len(self._actors) < count:
            self._actors.append(actor_class.remote())
        return self._actors[:count]

    def pool(self, setup: Setup[S], work: Work[S, T, R]) -> RayPool[S, T, R]:
        """A pool on this executor's actors: each runs ``setup`` once, on its first group of the pool."""
        return RayPool(self, setup, work)

    def close(self) -> None:
        """Kill the worker actors (a later pool starts new ones); the Ray runtime stays up."""
        actors, self._actors = self._actors, []
        if actors:
            ray = import_ray()
            for actor in actors:
                ray.kill(actor, no_restart=True)

    def __repr__(self) -> str:
        return f"RayExecutor(address={self.address!r}, num_workers={self.num_workers})"


__all__ = ["INSTALL_HINT", "RayExecutor", "RayPool", "RayWorker", "import_ray"]
