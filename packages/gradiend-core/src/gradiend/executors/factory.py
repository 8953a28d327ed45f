"""Choosing an executor: from ``TrainingArguments`` (``executor``, ``ray_address``) or from a name."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from gradiend.arguments import EXECUTOR_ARGUMENTS, TrainingArguments
from gradiend.executors.base import Executor
from gradiend.executors.local import LocalExecutor

EXECUTOR_NAMES: tuple[str, ...] = ("local", "ray")
"""The names ``TrainingArguments.executor`` accepts."""

EXECUTION_ARGUMENTS: frozenset[str] = EXECUTOR_ARGUMENTS
"""Arguments that choose where work runs, never what it computes (from the fields' declared effect)."""


def in_worker_overrides() -> dict[str, Any]:
    """Argument overrides for work shipped to a worker: every executor argument at its default.

    Shipped work runs inside its worker and never starts executors of its own (the default executor is
    the in-process ``"local"`` one); the names come from the fields' declared effect.
    """
    return {name: TrainingArguments.model_fields[name].default for name in sorted(EXECUTION_ARGUMENTS)}


def make_executor(name: str, ray_address: str | None = None) -> Executor:
    """The executor called ``name`` (``"local"`` or ``"ray"``; ``ray_address`` as in RayExecutor)."""
    if name == "local":
        return LocalExecutor()
    if name == "ray":
        from gradiend.executors.ray_executor import RayExecutor

        return RayExecutor(address=ray_address)
    raise ValueError(f"executor must be one of {list(EXECUTOR_NAMES)}, got {name!r}")


def executor_for(args: TrainingArguments, executor: Executor | str | None = None) -> Executor:
    """The executor to use: ``executor`` itself, the one it names, or the one ``args.executor`` names.

    A name is combined with ``args.ray_address``.
    """
    if isinstance(executor, Executor):
        return executor
    if executor is not None and not isinstance(executor, str):
        raise TypeError(
            f"executor must be an Executor, a name in {list(EXECUTOR_NAMES)} or None, got {executor!r}"
        )
    return make_executor(executor or args.executor, args.ray_address)


@contextmanager
def executor_scope(args: TrainingArguments, executor: Executor | str | None = None) -> Iterator[Executor]:
    """:func:`executor_for` as a context manager that closes only the executors it created.

    An executor passed in is left open: its owner may use its warm workers again.
    """
    if isinstance(executor, Executor):
        yield executor
        return
    created = executor_for(args, executor)
    try:
        yield created
    finally:
        created.close()


__all__ = [
    "EXECUTION_ARGUMENTS",
    "EXECUTOR_NAMES",
    "executor_for",
    "executor_scope",
    "in_worker_overrides",
    "make_executor",
]
