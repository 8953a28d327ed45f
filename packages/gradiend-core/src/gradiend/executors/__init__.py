"""Executors for independent units of work: training seeds, decoder-grid groups, evaluation shards.

``LocalExecutor`` runs everything in this process (the default); ``RayExecutor`` runs groups on Ray
actors (``pip install 'gradiend-core[ray]'``). Pick one with ``TrainingArguments(executor="ray",
ray_address=...)`` or pass an instance: ``trainer.train(executor=RayExecutor(num_workers=4))``.
"""

from gradiend.executors.base import Executor, Placement, WorkerLostError, WorkerPool, split_groups
from gradiend.executors.factory import (
    EXECUTION_ARGUMENTS,
    EXECUTOR_NAMES,
    executor_for,
    executor_scope,
    make_executor,
)
from gradiend.executors.local import LocalExecutor
from gradiend.executors.ray_executor import RayExecutor

__all__ = [
    "EXECUTION_ARGUMENTS",
    "EXECUTOR_NAMES",
    "Executor",
    "LocalExecutor",
    "Placement",
    "RayExecutor",
    "WorkerLostError",
    "WorkerPool",
    "executor_for",
    "executor_scope",
    "make_executor",
    "split_groups",
]
