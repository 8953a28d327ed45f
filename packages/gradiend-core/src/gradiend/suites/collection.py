"""TrainerCollection: arbitrary, already built trainers (other features, other base models) as one group."""

from __future__ import annotations

from typing import Any

from gradiend.suites.group import MemberGroup
from gradiend.trainer.trainer import Trainer


def _trainer_id(trainer: Trainer) -> str:
    run_id = getattr(trainer, "run_id", None)
    if run_id is None or not str(run_id).strip():
        raise ValueError(
            f"every trainer of a TrainerCollection needs a non-empty run_id (its id), got {trainer}"
        )
    return str(run_id).strip()


class TrainerCollection(MemberGroup):
    """Group built trainers under their ``run_id``; train, evaluate and compare them like a suite's members.

    Args:
        *trainers: the trainers (each with a unique, non-empty ``run_id``).
        retain_models_in_memory: keep loaded models for later comparisons.
    """

    def __init__(self, *trainers: Trainer, retain_models_in_memory: bool = True) -> None:
        self.retain_models_in_memory = bool(retain_models_in_memory)
        self._init_group({})
        for trainer in trainers:
            self._add(_trainer_id(trainer), trainer)

    @classmethod
    def merge(cls, *parts: Any, retain_models_in_memory: bool = True) -> TrainerCollection:
        """One collection of trainers, suites (members keep their suite ids) and collections."""
        collection = cls(retain_models_in_memory=retain_models_in_memory)
        for part in parts:
            if isinstance(part, MemberGroup):
                for child_id, trainer in part.items():
                    collection._add(str(child_id), trainer)
            elif isinstance(part, Trainer):
                collection._add(_trainer_id(part), part)
            else:
                raise TypeError(
                    "TrainerCollection.merge takes trainers, suites and collections, "
                    f"got {type(part).__name__}"
                )
        return collection

    def _add(self, trainer_id: str, trainer: Trainer) -> None:
        if not isinstance(trainer, Trainer):
            raise TypeError(
                f"TrainerCollection members must be gradiend Trainers, got {type(trainer).__name__}"
            )
        if trainer_id in self.trainers:
            raise ValueError(f"duplicate trainer id {trainer_id!r} in the collection")
        self.trainers[trainer_id] = trainer


__all__ = ["TrainerCollection"]
